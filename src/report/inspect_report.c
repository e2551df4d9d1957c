/* The inspect report as data: see inspect_report.h. */
#include "inspect_report.h"

#include <stdlib.h>
#include <string.h>

#define NO_START_LINE INT64_MIN
#define UNSET_START_LINE (INT64_MIN + 1)

void inspect_report_free(inspect_report *r)
{
	pgo_edges_free(&r->edges);
	pgo_call_sites_free(&r->sites);
	free(r->callees);
	free(r->findings);
	free(r->start_line);
	memset(r, 0, sizeof *r);
}

/* The start line of every function name, for offsets that a reader (or a
 * test) turns back into source lines. */
static pgo_status index_start_lines(inspect_report *r, pgo_error *err)
{
	const pgo_profile *p = r->p;
	r->start_line = malloc(((size_t)p->strings.count + 1) * sizeof *r->start_line);
	if (!r->start_line)
		return pgo_fail(err, PGO_ERR_NOMEM, "out of memory indexing start lines");
	for (uint32_t i = 0; i < p->strings.count; i++)
		r->start_line[i] = UNSET_START_LINE;
	for (uint32_t i = 0; i < p->n_functions; i++) {
		int64_t *s = &r->start_line[p->functions[i].name];
		if (*s == UNSET_START_LINE)
			*s = p->functions[i].start_line;
		else if (*s != p->functions[i].start_line)
			*s = NO_START_LINE;
	}
	return PGO_OK;
}

bool inspect_report_start_line(const inspect_report *r, pgo_str name, int64_t *out)
{
	int64_t s = r->start_line[name];
	if (s == NO_START_LINE || s == UNSET_START_LINE)
		return false;
	*out = s;
	return true;
}

pgo_status inspect_report_build(inspect_report *r, const pgo_profile *p, const char *name, double threshold_percent,
                                size_t top, pgo_error *err)
{
	memset(r, 0, sizeof *r);
	r->name = name;
	r->p = p;
	r->threshold = threshold_percent;
	r->top = top;
	pgo_status st;
	if ((st = pgo_summarize(r->p, &r->summary, err)) || (st = index_start_lines(r, err)))
		return st;
	st = pgo_edges_compute(r->p, &r->edges, err);
	if (st == PGO_ERR_NO_VALUE || st == PGO_ERR_NO_START_LINE) {
		pgo_edges_free(&r->edges); /* the compiler fails too: reported as a finding */
		memset(&r->edges, 0, sizeof r->edges);
	} else if (st) {
		return st;
	} else {
		r->have_edges = true;
	}
	if ((st = pgo_hot_select(&r->edges, r->threshold, &r->hot, err)) ||
	    (st = pgo_call_sites_group(r->p, &r->edges, &r->hot, &r->sites, err)) ||
	    (st = pgo_hot_callees(&r->edges, &r->hot, &r->callees, &r->n_callees, err)) ||
	    (st = pgo_findings(r->p, &r->summary, &r->edges, r->callees, r->n_callees, NULL, &r->findings,
	                       &r->n_findings, err)))
		return st;
	for (size_t i = 0; i < r->sites.n_sites; i++) {
		r->n_hot_sites += r->sites.sites[i].hot;
		r->n_multi_sites += r->sites.sites[i].n_source_callees > 1;
	}
	for (size_t i = 0; i < r->n_findings; i++)
		r->build_fails |= r->findings[i].build_fails;
	return PGO_OK;
}

size_t inspect_report_rows(const inspect_report *r, size_t n)
{
	return r->top && r->top < n ? r->top : n;
}

double inspect_report_share(const inspect_report *r, int64_t w)
{
	return r->edges.total_weight ? pgo_weight_percent(w, r->edges.total_weight) : 0;
}
