/*
 * Two profiles compared as the Go compiler sees them: how far their edge
 * weight distributions overlap, and whether the compiler's decisions (the
 * inliner's hot call sites and callees, the devirtualizer's targets) would
 * differ. Names are compared by content, since each profile has its own
 * string table; they are ranked once, bytewise, and compared as integers
 * after that.
 */
#include "internal.h"

#include <math.h>

enum { OLD = 0, NEW = 1 };

typedef struct name_ref {
	const char *s;
	size_t len;
	pgo_str id;
	int side;
} name_ref;

static int ref_cmp(const void *a, const void *b)
{
	const name_ref *x = a, *y = b;
	int c = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* One side's edge under the diff's names. */
typedef struct side_edge {
	uint32_t caller, callee;
	int64_t offset, weight;
	bool hot;
} side_edge;

static int key_cmp(const side_edge *x, const side_edge *y)
{
	if (x->caller != y->caller)
		return x->caller < y->caller ? -1 : 1;
	if (x->callee != y->callee)
		return x->callee < y->callee ? -1 : 1;
	return (x->offset > y->offset) - (x->offset < y->offset);
}

static int by_key(const void *a, const void *b)
{
	return key_cmp(a, b);
}

/* An edge of the union, keyed for grouping by call site: caller, offset, then callee. */
typedef struct site_key {
	uint32_t caller, callee;
	int64_t offset;
	size_t index;
} site_key;

static int by_site(const void *a, const void *b)
{
	const site_key *x = a, *y = b;
	if (x->caller != y->caller)
		return x->caller < y->caller ? -1 : 1;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return (x->callee > y->callee) - (x->callee < y->callee);
}

/* Biggest shift of share first; ties in key order, so the order is fixed. */
static int by_shift(const void *a, const void *b)
{
	const pgo_diff_edge *x = a, *y = b;
	double dx = fabs(x->new_share - x->old_share), dy = fabs(y->new_share - y->old_share);
	if (dx != dy)
		return dx > dy ? -1 : 1;
	side_edge kx = {x->caller, x->callee, x->offset, 0, false}, ky = {y->caller, y->callee, y->offset, 0, false};
	return key_cmp(&kx, &ky);
}

static double share(int64_t weight, int64_t total)
{
	return total > 0 ? (double)weight / (double)total : 0;
}

const char *pgo_diff_name(const pgo_diff *d, uint32_t i, size_t *len)
{
	if (i >= d->n_names) {
		if (len)
			*len = 0;
		return "";
	}
	if (len)
		*len = d->name_len[i];
	return d->name_bytes + d->name_at[i];
}

void pgo_diff_free(pgo_diff *d)
{
	if (!d)
		return;
	free(d->name_bytes);
	free(d->name_at);
	free(d->name_len);
	free(d->edges);
	free(d->sites);
	free(d->hot_sites_added);
	free(d->hot_sites_removed);
	free(d->hot_callees_added);
	free(d->hot_callees_removed);
	free(d->target_changes);
	memset(d, 0, sizeof *d);
}

/* Ranks every caller and callee name of both sides; rank[side][str] is its index. */
static pgo_status rank_names(const pgo_profile *const p[2], const pgo_edges *const e[2], uint32_t *rank[2],
                             pgo_diff *d)
{
	size_t n_refs = 0, bytes = 0;
	for (int s = 0; s < 2; s++)
		n_refs += 2 * e[s]->n_edges;
	name_ref *refs = malloc((n_refs + 1) * sizeof *refs);
	if (!refs)
		return PGO_ERR_NOMEM;
	n_refs = 0;
	for (int s = 0; s < 2; s++)
		for (size_t i = 0; i < e[s]->n_edges; i++) {
			pgo_str ids[2] = {e[s]->edges[i].caller, e[s]->edges[i].callee};
			for (int k = 0; k < 2; k++) {
				if (rank[s][ids[k]] != PGO_NONE)
					continue;
				rank[s][ids[k]] = 0;
				name_ref *r = &refs[n_refs++];
				r->s = pgo_string(p[s], ids[k], &r->len);
				r->id = ids[k];
				r->side = s;
			}
		}
	qsort(refs, n_refs, sizeof *refs, ref_cmp);
	uint32_t n = 0;
	for (size_t i = 0; i < n_refs; i++) {
		if (i == 0 || ref_cmp(&refs[i - 1], &refs[i]) != 0) {
			n++;
			bytes += refs[i].len + 1;
		}
		rank[refs[i].side][refs[i].id] = n - 1;
	}
	d->name_bytes = malloc(bytes + 1);
	d->name_at = malloc(((size_t)n + 1) * sizeof *d->name_at);
	d->name_len = malloc(((size_t)n + 1) * sizeof *d->name_len);
	if (!d->name_bytes || !d->name_at || !d->name_len) {
		free(refs);
		return PGO_ERR_NOMEM;
	}
	size_t at = 0;
	for (size_t i = 0; i < n_refs; i++) {
		uint32_t k = rank[refs[i].side][refs[i].id];
		if (k < d->n_names)
			continue; /* the same name from the other side */
		d->name_at[k] = at;
		d->name_len[k] = refs[i].len;
		memcpy(d->name_bytes + at, refs[i].s, refs[i].len);
		d->name_bytes[at + refs[i].len] = '\0';
		at += refs[i].len + 1;
		d->n_names = k + 1;
	}
	d->name_bytes[at] = '\0';
	free(refs);
	return PGO_OK;
}

/* One side's edges under the diff's names, sorted by key, equal keys added up. */
static pgo_status side_edges(const pgo_edges *e, const uint32_t *rank, size_t n_hot, side_edge **out, size_t *n_out)
{
	side_edge *se = malloc((e->n_edges + 1) * sizeof *se);
	if (!se)
		return PGO_ERR_NOMEM;
	for (size_t i = 0; i < e->n_edges; i++)
		se[i] = (side_edge){rank[e->edges[i].caller], rank[e->edges[i].callee], e->edges[i].offset,
		                    e->edges[i].weight, i < n_hot};
	qsort(se, e->n_edges, sizeof *se, by_key);
	size_t n = 0;
	for (size_t i = 0; i < e->n_edges; i++) {
		if (n && key_cmp(&se[n - 1], &se[i]) == 0) {
			se[n - 1].weight = pgo_wrap_add(se[n - 1].weight, se[i].weight);
			se[n - 1].hot = se[n - 1].hot || se[i].hot;
			continue;
		}
		se[n++] = se[i];
	}
	*out = se;
	*n_out = n;
	return PGO_OK;
}

/*
 * sum min(p_e, q_e) exactly: with P and Q the totals of positive weight,
 * min(a/P, b/Q) = min(a*Q, b*P) / (P*Q), all in 128-bit integers, whose
 * sum cannot exceed P*Q. Totals past 64 bits (only from absurd weights)
 * fall back to long double.
 */
static double overlap_of(const pgo_diff_edge *u, size_t n)
{
	__uint128_t tot[2] = {0, 0};
	for (size_t i = 0; i < n; i++) {
		tot[OLD] += u[i].old_weight > 0 ? (uint64_t)u[i].old_weight : 0;
		tot[NEW] += u[i].new_weight > 0 ? (uint64_t)u[i].new_weight : 0;
	}
	if (tot[OLD] == 0 || tot[NEW] == 0)
		return tot[OLD] == tot[NEW] ? 1.0 : 0.0;
	if (tot[OLD] <= UINT64_MAX && tot[NEW] <= UINT64_MAX) {
		__uint128_t sum = 0;
		for (size_t i = 0; i < n; i++) {
			__uint128_t a = u[i].old_weight > 0 ? (uint64_t)u[i].old_weight : 0;
			__uint128_t b = u[i].new_weight > 0 ? (uint64_t)u[i].new_weight : 0;
			__uint128_t x = a * tot[NEW], y = b * tot[OLD];
			sum += x < y ? x : y;
		}
		return (double)((long double)sum / ((long double)tot[OLD] * (long double)tot[NEW]));
	}
	long double sum = 0;
	for (size_t i = 0; i < n; i++) {
		long double a = u[i].old_weight > 0 ? (long double)u[i].old_weight / (long double)tot[OLD] : 0;
		long double b = u[i].new_weight > 0 ? (long double)u[i].new_weight / (long double)tot[NEW] : 0;
		sum += a < b ? a : b;
	}
	return sum > 1 ? 1.0 : (double)sum;
}

/* The union of both sides' edges, in key order. */
static pgo_status union_edges(const side_edge *a, size_t na, const side_edge *b, size_t nb, pgo_diff *d)
{
	d->edges = calloc(na + nb + 1, sizeof *d->edges);
	if (!d->edges)
		return PGO_ERR_NOMEM;
	size_t i = 0, j = 0, n = 0;
	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 : key_cmp(&a[i], &b[j]);
		const side_edge *k = c <= 0 ? &a[i] : &b[j];
		pgo_diff_edge *u = &d->edges[n++];
		u->caller = k->caller;
		u->callee = k->callee;
		u->offset = k->offset;
		if (c <= 0) {
			u->in_old = true;
			u->old_weight = a[i].weight;
			u->old_share = share(a[i].weight, d->old_total);
			u->old_hot = a[i++].hot;
		}
		if (c >= 0) {
			u->in_new = true;
			u->new_weight = b[j].weight;
			u->new_share = share(b[j].weight, d->new_total);
			u->new_hot = b[j++].hot;
		}
	}
	d->n_edges = n;
	return PGO_OK;
}

/* Go's findHotConcreteCallee: the heaviest, the first name on a tie, none at weight 0. */
static void pick_target(const pgo_diff_edge *u, bool in, int64_t weight, uint32_t *target, int64_t *best,
                        uint32_t *count)
{
	if (!in)
		return;
	if (*count == 0 || weight > *best) {
		*target = u->callee;
		*best = weight;
	}
	++*count;
}

static pgo_status group_sites(pgo_diff *d)
{
	site_key *order = malloc((d->n_edges + 1) * sizeof *order);
	d->sites = calloc(d->n_edges + 1, sizeof *d->sites);
	if (!order || !d->sites) {
		free(order);
		return PGO_ERR_NOMEM;
	}
	for (size_t i = 0; i < d->n_edges; i++)
		order[i] = (site_key){d->edges[i].caller, d->edges[i].callee, d->edges[i].offset, i};
	qsort(order, d->n_edges, sizeof *order, by_site);
	size_t n = 0;
	for (size_t k = 0; k < d->n_edges;) {
		const site_key *first = &order[k];
		pgo_diff_site *s = &d->sites[n++];
		*s = (pgo_diff_site){.caller = first->caller, .offset = first->offset, .old_target = PGO_NONE,
		                     .new_target = PGO_NONE};
		int64_t old_sum = 0, new_sum = 0;
		for (; k < d->n_edges && order[k].caller == first->caller && order[k].offset == first->offset; k++) {
			const pgo_diff_edge *u = &d->edges[order[k].index];
			s->old_hot = s->old_hot || u->old_hot;
			s->new_hot = s->new_hot || u->new_hot;
			old_sum = pgo_wrap_add(old_sum, u->old_weight);
			new_sum = pgo_wrap_add(new_sum, u->new_weight);
			pick_target(u, u->in_old, u->old_weight, &s->old_target, &s->old_target_weight, &s->old_callees);
			pick_target(u, u->in_new, u->new_weight, &s->new_target, &s->new_target_weight, &s->new_callees);
		}
		if (s->old_target_weight == 0)
			s->old_target = PGO_NONE;
		if (s->new_target_weight == 0)
			s->new_target = PGO_NONE;
		s->old_share = share(old_sum, d->old_total);
		s->new_share = share(new_sum, d->new_total);
		d->old_hot_sites += s->old_hot;
		d->new_hot_sites += s->new_hot;
	}
	d->n_sites = n;
	free(order);
	return PGO_OK;
}

static pgo_status list_changes(pgo_diff *d)
{
	d->hot_sites_added = malloc((d->n_sites + 1) * sizeof *d->hot_sites_added);
	d->hot_sites_removed = malloc((d->n_sites + 1) * sizeof *d->hot_sites_removed);
	d->target_changes = malloc((d->n_sites + 1) * sizeof *d->target_changes);
	d->hot_callees_added = malloc(((size_t)d->n_names + 1) * sizeof *d->hot_callees_added);
	d->hot_callees_removed = malloc(((size_t)d->n_names + 1) * sizeof *d->hot_callees_removed);
	uint8_t *hot = calloc((size_t)d->n_names + 1, 1); /* bit 0: hot callee in old; bit 1: in new */
	if (!d->hot_sites_added || !d->hot_sites_removed || !d->target_changes || !d->hot_callees_added ||
	    !d->hot_callees_removed || !hot) {
		free(hot);
		return PGO_ERR_NOMEM;
	}
	for (size_t i = 0; i < d->n_sites; i++) {
		const pgo_diff_site *s = &d->sites[i];
		if (s->new_hot && !s->old_hot)
			d->hot_sites_added[d->n_hot_sites_added++] = i;
		if (s->old_hot && !s->new_hot)
			d->hot_sites_removed[d->n_hot_sites_removed++] = i;
		if ((s->old_callees > 1 || s->new_callees > 1) && s->old_target != s->new_target)
			d->target_changes[d->n_target_changes++] = i;
	}
	for (size_t i = 0; i < d->n_edges; i++)
		hot[d->edges[i].callee] |= (uint8_t)(d->edges[i].old_hot | d->edges[i].new_hot << 1);
	for (uint32_t k = 0; k < d->n_names; k++) {
		if (hot[k] == 2)
			d->hot_callees_added[d->n_hot_callees_added++] = k;
		if (hot[k] == 1)
			d->hot_callees_removed[d->n_hot_callees_removed++] = k;
	}
	free(hot);
	d->decisions_equal = !d->n_hot_sites_added && !d->n_hot_sites_removed && !d->n_hot_callees_added &&
	                     !d->n_hot_callees_removed && !d->n_target_changes;
	return PGO_OK;
}

static pgo_status check_edges(const pgo_profile *p, const pgo_edges *e, const char *which, pgo_error *err)
{
	if (!p || !e || (e->n_edges && !e->edges))
		return pgo_fail(err, PGO_ERR_ARGUMENT, "pgo_diff_compute: no %s profile or edges", which);
	for (size_t i = 0; i < e->n_edges; i++)
		if (e->edges[i].caller >= p->strings.count || e->edges[i].callee >= p->strings.count)
			return pgo_fail(err, PGO_ERR_ARGUMENT,
			                "pgo_diff_compute: edge %zu of the %s edges names string %u, past the profile's %u "
			                "strings; compute the edges from that profile",
			                i, which, e->edges[i].caller >= p->strings.count ? e->edges[i].caller : e->edges[i].callee,
			                p->strings.count);
	return PGO_OK;
}

pgo_status pgo_diff_compute(const pgo_profile *old_p, const pgo_edges *old_e, const pgo_profile *new_p,
                            const pgo_edges *new_e, double threshold_percent, pgo_diff *out, pgo_error *err)
{
	if (!out)
		return pgo_fail(err, PGO_ERR_ARGUMENT, "pgo_diff_compute: NULL argument");
	memset(out, 0, sizeof *out);
	pgo_status st;
	if ((st = check_edges(old_p, old_e, "old", err)) || (st = check_edges(new_p, new_e, "new", err)))
		return st;
	pgo_hot hot[2];
	if ((st = pgo_hot_select(old_e, threshold_percent, &hot[OLD], err)) ||
	    (st = pgo_hot_select(new_e, threshold_percent, &hot[NEW], err)))
		return st;
	out->threshold = threshold_percent;
	out->old_total = old_e->total_weight;
	out->new_total = new_e->total_weight;
	out->old_edges = old_e->n_edges;
	out->new_edges = new_e->n_edges;
	out->old_hot_edges = hot[OLD].n_hot;
	out->new_hot_edges = hot[NEW].n_hot;

	const pgo_profile *p[2] = {old_p, new_p};
	const pgo_edges *e[2] = {old_e, new_e};
	uint32_t *rank[2] = {NULL, NULL};
	side_edge *se[2] = {NULL, NULL};
	size_t n_se[2] = {0, 0};
	st = PGO_ERR_NOMEM;
	for (int s = 0; s < 2; s++) {
		rank[s] = malloc(((size_t)p[s]->strings.count + 1) * sizeof *rank[s]);
		if (!rank[s])
			goto done;
		memset(rank[s], 0xff, (size_t)p[s]->strings.count * sizeof *rank[s]);
	}
	if (rank_names(p, e, rank, out) || side_edges(old_e, rank[OLD], hot[OLD].n_hot, &se[OLD], &n_se[OLD]) ||
	    side_edges(new_e, rank[NEW], hot[NEW].n_hot, &se[NEW], &n_se[NEW]) ||
	    union_edges(se[OLD], n_se[OLD], se[NEW], n_se[NEW], out) || group_sites(out) || list_changes(out))
		goto done;
	out->overlap = overlap_of(out->edges, out->n_edges);
	qsort(out->edges, out->n_edges, sizeof *out->edges, by_shift);
	st = PGO_OK;
done:
	for (int s = 0; s < 2; s++) {
		free(rank[s]);
		free(se[s]);
	}
	if (st) {
		pgo_diff_free(out);
		return pgo_fail(err, st, "out of memory comparing the profiles");
	}
	return PGO_OK;
}
