/*
 * The hot call sites of a profile, selected as the Go inliner selects them
 * (cmd/compile/internal/inline, hotNodesFromCDF): walk the named edges in
 * preprofile order, adding up their weights, and stop at the first edge
 * whose cumulative share of the total weight exceeds the threshold; that
 * edge is the last hot one. If no prefix exceeds it, every edge is hot.
 * The shares are computed in double exactly as Go computes them
 * (float64(w) / float64(total) * 100), and sums wrap like Go's int64, so
 * that ties at the threshold fall the same way.
 */
#include "internal.h"


double pgo_weight_percent(int64_t weight, int64_t total)
{
	return (double)weight / (double)total * 100;
}

pgo_status pgo_hot_select(const pgo_edges *e, double threshold_percent, pgo_hot *out, pgo_error *err)
{
	if (!e || !out)
		return pgo_fail(err, PGO_ERR_ARGUMENT, "pgo_hot_select: NULL argument");
	if (!(threshold_percent >= 0 && threshold_percent <= 100))
		return pgo_fail(err, PGO_ERR_ARGUMENT,
		                "hot threshold %g is not a percentage: give a number from 0 to 100 (the compiler's default is 99)",
		                threshold_percent);
	*out = (pgo_hot){.n_hot = e->n_edges, .threshold = threshold_percent};
	uint64_t cum = 0;
	for (size_t i = 0; i < e->n_edges; i++) {
		cum += (uint64_t)e->edges[i].weight;
		if (pgo_weight_percent((int64_t)cum, e->total_weight) > threshold_percent) {
			out->n_hot = i + 1;
			out->last_share = pgo_weight_percent(e->edges[i].weight, e->total_weight);
			return PGO_OK;
		}
	}
	return PGO_OK;
}
