/*
 * Call sites and hot callees: the edges regrouped the way the compiler
 * looks them up. The inliner keys a hot call site by (caller, line offset)
 * and a hot callee by name (cmd/compile/internal/inline,
 * PGOInlinePrologue); the devirtualizer picks, among the edges of one
 * (caller, offset), the heaviest callee, ties going to the
 * lexicographically first name (devirtualize.findHotConcreteCallee).
 * The edges arrive in preprofile order (weight descending, then caller,
 * callee, offset), so a stable grouping keeps each site's callees in the
 * devirtualizer's order without comparing names again.
 */
#include "internal.h"

typedef struct site_key {
	pgo_str caller;
	int64_t offset;
} site_key;

typedef struct site_build {
	pgo_call_site *sites;
	uint32_t n, cap;
	uint32_t *first;  /* per site: its heaviest edge, for ties */
	uint32_t cap_first;
	pgo_index ix;
	uint64_t seed;
} site_build;

static bool site_eq(const void *ctx, uint32_t e, const void *key)
{
	const pgo_call_site *a = &((const site_build *)ctx)->sites[e];
	const site_key *b = key;
	return a->caller == b->caller && a->offset == b->offset;
}

typedef struct ranked {
	int64_t weight;
	size_t first;  /* heaviest edge: unique per entry, so the order is total */
	size_t index;
} ranked;

static int by_weight(const void *a, const void *b)
{
	const ranked *x = a, *y = b;
	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	return (x->first > y->first) - (x->first < y->first);
}

void pgo_call_sites_free(pgo_call_sites *s)
{
	if (!s)
		return;
	free(s->sites);
	free(s->callees);
	memset(s, 0, sizeof *s);
}

bool pgo_pseudo_callee(const char *name, size_t len)
{
	static const char *const pseudo[] = {
		"runtime.asyncPreempt", "runtime.morestack", "runtime.morestack_noctxt", NULL,
	};
	for (const char *const *q = pseudo; *q; q++)
		if (strlen(*q) == len && memcmp(*q, name, len) == 0)
			return true;
	return false;
}

pgo_status pgo_call_sites_group(const pgo_profile *p, const pgo_edges *e, const pgo_hot *hot, pgo_call_sites *out,
                                pgo_error *err)
{
	if (!p || !e || !out)
		return pgo_fail(err, PGO_ERR_ARGUMENT, "pgo_call_sites_group: NULL argument");
	memset(out, 0, sizeof *out);
	if (e->n_edges > UINT32_MAX - 1)
		return pgo_fail(err, PGO_ERR_LIMIT, "%zu call edges are more than a call-site table holds", e->n_edges);
	size_t n_hot = hot ? hot->n_hot : 0;
	uint32_t n = (uint32_t)e->n_edges;
	site_build b = {.seed = pgo_hash_seed()};
	uint32_t *site_of = malloc(((size_t)n + 1) * sizeof *site_of);
	ranked *order = NULL;
	pgo_call_site *sorted = NULL;
	pgo_site_callee *callees = NULL;
	uint32_t *fill = NULL;
	pgo_status st = PGO_ERR_NOMEM;
	if (!site_of || pgo_index_init(&b.ix, n / 2 + 16))
		goto done;
	for (uint32_t i = 0; i < n; i++) {
		site_key key = {e->edges[i].caller, e->edges[i].offset};
		uint64_t h = pgo_hash_step(b.seed, key.caller, (uint64_t)key.offset, b.seed);
		uint32_t slot;
		uint32_t found = pgo_index_find(&b.ix, h, site_eq, &b, &key, &slot);
		if (found == PGO_NONE) {
			if (PGO_GROW(b.sites, b.cap, (uint64_t)b.n + 1) || PGO_GROW(b.first, b.cap_first, (uint64_t)b.n + 1))
				goto done;
			found = b.n;
			b.sites[b.n] = (pgo_call_site){.caller = key.caller, .offset = key.offset};
			b.first[b.n++] = i;
			if (pgo_index_insert(&b.ix, slot, h, found))
				goto done;
		}
		pgo_call_site *s = &b.sites[found];
		s->weight = pgo_wrap_add(s->weight, e->edges[i].weight);
		s->n_callees++;
		size_t len;
		const char *callee = pgo_string(p, e->edges[i].callee, &len);
		s->n_source_callees += !pgo_pseudo_callee(callee, len);
		s->hot |= i < n_hot;
		site_of[i] = found;
	}
	order = malloc(((size_t)b.n + 1) * sizeof *order);
	sorted = malloc(((size_t)b.n + 1) * sizeof *sorted);
	callees = malloc(((size_t)n + 1) * sizeof *callees);
	fill = malloc(((size_t)b.n + 1) * sizeof *fill);
	if (!order || !sorted || !callees || !fill)
		goto done;
	for (uint32_t i = 0; i < b.n; i++)
		order[i] = (ranked){b.sites[i].weight, b.first[i], i};
	qsort(order, b.n, sizeof *order, by_weight);
	/* rank[i] reuses b.first: the sorted position of site i */
	size_t at = 0;
	for (uint32_t r = 0; r < b.n; r++) {
		sorted[r] = b.sites[order[r].index];
		sorted[r].callees_at = at;
		at += sorted[r].n_callees;
		b.first[order[r].index] = r;
		fill[r] = 0;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t r = b.first[site_of[i]];
		callees[sorted[r].callees_at + fill[r]++] =
			(pgo_site_callee){.callee = e->edges[i].callee, .weight = e->edges[i].weight, .edge = i};
	}
	for (uint32_t r = 0; r < b.n; r++) {
		pgo_call_site *s = &sorted[r];
		const pgo_site_callee *c = &callees[s->callees_at];
		size_t len;
		const char *name = pgo_string(p, c[0].callee, &len);
		if (!pgo_pseudo_callee(name, len))
			continue;
		/* On equal weights the compiler prefers a callee it has code for. */
		s->pseudo_heaviest = true;
		for (size_t k = 1; k < s->n_callees && c[k].weight == c[0].weight; k++) {
			name = pgo_string(p, c[k].callee, &len);
			if (!pgo_pseudo_callee(name, len))
				s->pseudo_heaviest = false;
		}
	}
	out->sites = sorted;
	out->n_sites = b.n;
	out->callees = callees;
	out->n_callees = n;
	sorted = NULL;
	callees = NULL;
	st = PGO_OK;
done:
	if (st)
		pgo_fail(err, st, "out of memory grouping %zu call edges into call sites", e->n_edges);
	free(site_of);
	free(order);
	free(sorted);
	free(callees);
	free(fill);
	free(b.sites);
	free(b.first);
	pgo_index_free(&b.ix);
	return st;
}

typedef struct callee_build {
	pgo_hot_callee *items;
	uint32_t n, cap;
	pgo_u64map ix; /* callee string -> entry */
} callee_build;

pgo_status pgo_hot_callees(const pgo_edges *e, const pgo_hot *hot, pgo_hot_callee **out, size_t *n_out,
                           pgo_error *err)
{
	if (!e || !hot || !out || !n_out)
		return pgo_fail(err, PGO_ERR_ARGUMENT, "pgo_hot_callees: NULL argument");
	*out = NULL;
	*n_out = 0;
	if (hot->n_hot > e->n_edges || hot->n_hot > UINT32_MAX - 1)
		return pgo_fail(err, PGO_ERR_ARGUMENT, "pgo_hot_callees: %zu hot edges of %zu", hot->n_hot, e->n_edges);
	callee_build b = {0};
	ranked *order = NULL;
	pgo_hot_callee *sorted = NULL;
	pgo_status st = PGO_ERR_NOMEM;
	if (pgo_u64map_init(&b.ix, (uint32_t)hot->n_hot / 2 + 16))
		goto done;
	for (size_t i = 0; i < hot->n_hot; i++) {
		const pgo_edge *ed = &e->edges[i];
		uint32_t *v;
		bool fresh;
		if (pgo_u64map_upsert(&b.ix, ed->callee, b.n, &v, &fresh))
			goto done;
		if (fresh) {
			if (PGO_GROW(b.items, b.cap, (uint64_t)b.n + 1))
				goto done;
			b.items[b.n++] = (pgo_hot_callee){.name = ed->callee, .first_edge = i};
		}
		pgo_hot_callee *c = &b.items[*v];
		c->weight = pgo_wrap_add(c->weight, ed->weight);
		c->n_edges++;
	}
	order = malloc(((size_t)b.n + 1) * sizeof *order);
	sorted = malloc(((size_t)b.n + 1) * sizeof *sorted);
	if (!order || !sorted)
		goto done;
	for (uint32_t i = 0; i < b.n; i++)
		order[i] = (ranked){b.items[i].weight, b.items[i].first_edge, i};
	qsort(order, b.n, sizeof *order, by_weight);
	for (uint32_t i = 0; i < b.n; i++)
		sorted[i] = b.items[order[i].index];
	*out = sorted;
	*n_out = b.n;
	sorted = NULL;
	st = PGO_OK;
done:
	if (st)
		pgo_fail(err, st, "out of memory collecting the hot callees of %zu edges", hot->n_hot);
	free(order);
	free(sorted);
	free(b.items);
	pgo_u64map_free(&b.ix);
	return st;
}
