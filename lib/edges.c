/*
 * The call-edge map the Go compiler builds from a PGO profile
 * (cmd/internal/pgo over internal/profile's graph), reproduced step by
 * step so that `pgotool edges` prints what `go tool preprofile` prints:
 *
 *  - a node per distinct (function name, address, start line, line) of
 *    every Line of every Location;
 *  - per sample with nonzero weight, only the leaf and its caller are
 *    walked, outermost line first; each distinct node pair adds the weight
 *    once per sample;
 *  - nodes whose cumulative and flat weights are both zero are dropped,
 *    with their outgoing edges;
 *  - edges are then keyed by (caller, callee, caller line - start line).
 * Sums wrap like Go's int64.
 */
#include "internal.h"

#include <inttypes.h>
#include <stdio.h>

typedef struct node {
	pgo_str name;
	uint64_t address;
	int64_t start_line, line;
	int64_t cum, flat;
	uint32_t stamp; /* last sample (1-based) that visited this node */
} node;

typedef struct graph_edge {
	uint32_t src, dst;
	int64_t weight;
	uint32_t stamp; /* last sample that added weight */
} graph_edge;

typedef struct graph {
	node *nodes;
	uint32_t n_nodes, cap_nodes;
	pgo_index node_ix;
	graph_edge *edges;
	uint32_t n_edges, cap_edges;
	pgo_index edge_ix;
} graph;

static uint64_t node_hash(const node *n)
{
	return pgo_mix(pgo_mix(n->name, n->address), pgo_mix((uint64_t)n->start_line, (uint64_t)n->line));
}

static bool node_eq(const void *ctx, uint32_t e, const void *key)
{
	const node *a = &((const graph *)ctx)->nodes[e], *b = key;
	return a->name == b->name && a->address == b->address && a->start_line == b->start_line &&
	       a->line == b->line;
}

static pgo_status node_of(graph *g, const node *key, uint32_t *out)
{
	uint64_t h = node_hash(key);
	uint32_t slot;
	uint32_t found = pgo_index_find(&g->node_ix, h, node_eq, g, key, &slot);
	if (found == PGO_NONE) {
		if (PGO_GROW(g->nodes, g->cap_nodes, (uint64_t)g->n_nodes + 1))
			return PGO_ERR_NOMEM;
		found = g->n_nodes;
		g->nodes[g->n_nodes++] = *key;
		if (pgo_index_insert(&g->node_ix, slot, h, found))
			return PGO_ERR_NOMEM;
	}
	*out = found;
	return PGO_OK;
}

static bool edge_eq(const void *ctx, uint32_t e, const void *key)
{
	const graph_edge *a = &((const graph *)ctx)->edges[e];
	const uint32_t *k = key;
	return a->src == k[0] && a->dst == k[1];
}

static pgo_status edge_of(graph *g, uint32_t src, uint32_t dst, uint32_t *out)
{
	uint32_t k[2] = {src, dst};
	uint64_t h = pgo_mix(src, dst);
	uint32_t slot;
	uint32_t found = pgo_index_find(&g->edge_ix, h, edge_eq, g, k, &slot);
	if (found == PGO_NONE) {
		if (PGO_GROW(g->edges, g->cap_edges, (uint64_t)g->n_edges + 1))
			return PGO_ERR_NOMEM;
		found = g->n_edges;
		g->edges[g->n_edges++] = (graph_edge){src, dst, 0, 0};
		if (pgo_index_insert(&g->edge_ix, slot, h, found))
			return PGO_ERR_NOMEM;
	}
	*out = found;
	return PGO_OK;
}

/* Nodes for every line of every location, indexed like p->lines. */
static pgo_status build_nodes(const pgo_profile *p, graph *g, uint32_t *line_node)
{
	for (uint32_t i = 0; i < p->n_locations; i++) {
		const pgo_location *l = &p->locations[i];
		for (uint32_t j = 0; j < l->n_lines; j++) {
			const pgo_line *ln = &p->lines[l->lines_at + j];
			node key = {.address = l->address};
			if (ln->function != PGO_NONE) {
				const pgo_function *f = &p->functions[ln->function];
				key.name = f->name;
				key.start_line = f->start_line;
				key.line = ln->line;
			}
			if (node_of(g, &key, &line_node[l->lines_at + j]))
				return PGO_ERR_NOMEM;
		}
	}
	return PGO_OK;
}

/* A location with no lines still yields one address-only node. */
static pgo_status bare_node(graph *g, const pgo_location *l, uint32_t *out)
{
	node key = {.address = l->address};
	return node_of(g, &key, out);
}

static pgo_status visit(graph *g, uint32_t n, uint32_t *parent, int64_t w, uint32_t sample)
{
	node *nd = &g->nodes[n];
	if (nd->stamp != sample) {
		nd->stamp = sample;
		nd->cum = pgo_wrap_add(nd->cum, w);
	}
	if (*parent != PGO_NONE && n != *parent) {
		uint32_t e;
		if (edge_of(g, *parent, n, &e))
			return PGO_ERR_NOMEM;
		/* A pair adds weight once per sample, however often it recurs. */
		if (g->edges[e].stamp != sample) {
			g->edges[e].stamp = sample;
			g->edges[e].weight = pgo_wrap_add(g->edges[e].weight, w);
		}
	}
	*parent = n;
	return PGO_OK;
}

static pgo_status walk_samples(const pgo_profile *p, graph *g, const uint32_t *line_node, int vi)
{
	for (uint32_t i = 0; i < p->n_samples; i++) {
		const pgo_sample *s = &p->samples[i];
		int64_t w = p->values[(size_t)i * p->n_sample_types + (uint32_t)vi];
		if (w == 0 || s->n_locations == 0)
			continue;
		uint32_t stamp = i + 1;
		uint32_t parent = PGO_NONE;
		/* Only the leaf and its immediate caller count as a call edge. */
		for (int k = s->n_locations > 1 ? 1 : 0; k >= 0; k--) {
			const pgo_location *l = &p->locations[p->sample_locations[s->locations_at + (uint32_t)k]];
			if (l->n_lines == 0) {
				uint32_t n;
				if (bare_node(g, l, &n) || visit(g, n, &parent, w, stamp))
					return PGO_ERR_NOMEM;
				continue;
			}
			for (uint32_t j = l->n_lines; j-- > 0;)
				if (visit(g, line_node[l->lines_at + j], &parent, w, stamp))
					return PGO_ERR_NOMEM;
		}
		if (parent != PGO_NONE)
			g->nodes[parent].flat = pgo_wrap_add(g->nodes[parent].flat, w);
	}
	return PGO_OK;
}

/* ---- named edges -------------------------------------------------- */

typedef struct named_map {
	pgo_edge *edges;
	uint32_t n, cap;
	pgo_index ix;
} named_map;

static bool named_eq(const void *ctx, uint32_t e, const void *key)
{
	const pgo_edge *a = &((const named_map *)ctx)->edges[e], *b = key;
	return a->caller == b->caller && a->callee == b->callee && a->offset == b->offset;
}

static pgo_status add_named(named_map *m, pgo_edge key)
{
	uint64_t h = pgo_mix(pgo_mix(key.caller, key.callee), (uint64_t)key.offset);
	uint32_t slot;
	uint32_t found = pgo_index_find(&m->ix, h, named_eq, m, &key, &slot);
	if (found != PGO_NONE) {
		m->edges[found].weight = pgo_wrap_add(m->edges[found].weight, key.weight);
		return PGO_OK;
	}
	if (PGO_GROW(m->edges, m->cap, (uint64_t)m->n + 1))
		return PGO_ERR_NOMEM;
	m->edges[m->n] = key;
	return pgo_index_insert(&m->ix, slot, h, m->n++);
}

/* qsort has no context argument, so each entry carries its strings. */
typedef struct sortable {
	pgo_edge edge;
	const char *caller, *callee;
	size_t caller_len, callee_len;
} sortable;

static int bytes_cmp(const char *a, size_t al, const char *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);
	return c ? c : (al > bl) - (al < bl);
}

static int by_weight(const void *a, const void *b)
{
	const sortable *x = a, *y = b;
	if (x->edge.weight != y->edge.weight)
		return x->edge.weight > y->edge.weight ? -1 : 1;
	int c = bytes_cmp(x->caller, x->caller_len, y->caller, y->caller_len);
	if (c)
		return c;
	c = bytes_cmp(x->callee, x->callee_len, y->callee, y->callee_len);
	if (c)
		return c;
	return (x->edge.offset > y->edge.offset) - (x->edge.offset < y->edge.offset);
}

static pgo_status sort_edges(const pgo_profile *p, pgo_edge *edges, uint32_t n)
{
	sortable *tmp = malloc(((size_t)n + 1) * sizeof *tmp);
	if (!tmp)
		return PGO_ERR_NOMEM;
	for (uint32_t i = 0; i < n; i++) {
		tmp[i].edge = edges[i];
		tmp[i].caller = pgo_string(p, edges[i].caller, &tmp[i].caller_len);
		tmp[i].callee = pgo_string(p, edges[i].callee, &tmp[i].callee_len);
	}
	qsort(tmp, n, sizeof *tmp, by_weight);
	for (uint32_t i = 0; i < n; i++)
		edges[i] = tmp[i].edge;
	free(tmp);
	return PGO_OK;
}

static int find_value_index(const pgo_profile *p)
{
	for (uint32_t i = 0; i < p->n_sample_types; i++) {
		const char *t = pgo_string(p, p->sample_types[i].type, NULL);
		const char *u = pgo_string(p, p->sample_types[i].unit, NULL);
		if ((strcmp(t, "samples") == 0 && strcmp(u, "count") == 0) ||
		    (strcmp(t, "cpu") == 0 && strcmp(u, "nanoseconds") == 0))
			return (int)i;
	}
	return -1;
}

pgo_status pgo_edges_compute(const pgo_profile *p, pgo_edges *out, pgo_error *err)
{
	memset(out, 0, sizeof *out);
	out->value_index = -1;
	if (p->n_samples == 0)
		return PGO_OK; /* the compiler accepts an empty profile and does nothing */
	int vi = find_value_index(p);
	if (vi < 0)
		return pgo_fail(err, PGO_ERR_NO_VALUE,
		                "profile has no sample type samples/count or cpu/nanoseconds, which the Go compiler requires");
	out->value_index = vi;

	graph g = {0};
	named_map named = {0};
	uint32_t *line_node = malloc(((size_t)p->n_lines + 1) * sizeof *line_node);
	pgo_status st = PGO_ERR_NOMEM;
	if (!line_node || pgo_index_init(&g.node_ix, p->n_lines + 16) || pgo_index_init(&g.edge_ix, 1024) ||
	    pgo_index_init(&named.ix, 1024))
		goto done;
	if (build_nodes(p, &g, line_node) || walk_samples(p, &g, line_node, vi))
		goto done;

	bool seen_start_line = false;
	int64_t total = 0;
	for (uint32_t i = 0; i < g.n_nodes; i++)
		if ((g.nodes[i].cum || g.nodes[i].flat) && g.nodes[i].start_line)
			seen_start_line = true;
	for (uint32_t i = 0; i < g.n_edges; i++) {
		const graph_edge *e = &g.edges[i];
		const node *src = &g.nodes[e->src];
		if (!src->cum && !src->flat)
			continue; /* the compiler's graph drops nodes with no weight */
		pgo_edge key = {
			.caller = src->name,
			.callee = g.nodes[e->dst].name,
			.offset = pgo_wrap_sub(src->line, src->start_line),
			.weight = e->weight,
		};
		total = pgo_wrap_add(total, e->weight);
		if (add_named(&named, key))
			goto done;
	}
	if (!seen_start_line) {
		st = pgo_fail(err, PGO_ERR_NO_START_LINE,
		              "profile missing Function.start_line data (the Go compiler rejects it; profiles from Go 1.20+ have it)");
		goto done;
	}
	st = PGO_OK;
	if (total == 0)
		goto done; /* accepted but ignored, as by the compiler */
	if ((st = sort_edges(p, named.edges, named.n)))
		goto done;
	out->edges = named.edges;
	out->n_edges = named.n;
	out->total_weight = total;
	named.edges = NULL;
done:
	if (st == PGO_ERR_NOMEM)
		pgo_fail(err, st, "out of memory computing call edges");
	free(line_node);
	free(g.nodes);
	free(g.edges);
	free(named.edges);
	pgo_index_free(&g.node_ix);
	pgo_index_free(&g.edge_ix);
	pgo_index_free(&named.ix);
	return st;
}

void pgo_edges_free(pgo_edges *e)
{
	free(e->edges);
	memset(e, 0, sizeof *e);
}

pgo_status pgo_edges_format(const pgo_profile *p, const pgo_edges *e, char **out, size_t *out_size,
                            pgo_error *err)
{
	static const char header[] = "GO PREPROFILE V1\n";
	size_t cap = sizeof header;
	for (size_t i = 0; i < e->n_edges; i++) {
		size_t a, b;
		pgo_string(p, e->edges[i].caller, &a);
		pgo_string(p, e->edges[i].callee, &b);
		cap += a + b + 2 + 2 * 21 + 2;
	}
	char *buf = malloc(cap);
	if (!buf)
		return pgo_fail(err, PGO_ERR_NOMEM, "out of memory formatting call edges");
	size_t used = sizeof header - 1;
	memcpy(buf, header, used);
	for (size_t i = 0; i < e->n_edges; i++) {
		size_t a, b;
		const char *caller = pgo_string(p, e->edges[i].caller, &a);
		const char *callee = pgo_string(p, e->edges[i].callee, &b);
		memcpy(buf + used, caller, a);
		used += a;
		buf[used++] = '\n';
		memcpy(buf + used, callee, b);
		used += b;
		buf[used++] = '\n';
		used += (size_t)snprintf(buf + used, cap - used, "%" PRId64 " %" PRId64 "\n",
		                         e->edges[i].offset, e->edges[i].weight);
	}
	*out = buf;
	*out_size = used;
	return PGO_OK;
}
