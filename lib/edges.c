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
	pgo_u64map edge_ix; /* (src << 32 | dst) -> edge */
	uint64_t seed;      /* keys node_ix: nodes keep first-seen order, so its layout reaches no output */
} graph;

static uint64_t node_hash(const node *n, uint64_t seed)
{
	uint64_t h = pgo_hash_step(seed, n->address, (uint64_t)n->start_line, seed);
	return pgo_hash_step(h, (uint64_t)n->line, n->name, seed);
}

static bool node_eq(const void *ctx, uint32_t e, const void *key)
{
	const node *a = &((const graph *)ctx)->nodes[e], *b = key;
	return a->name == b->name && a->address == b->address && a->start_line == b->start_line &&
	       a->line == b->line;
}

static pgo_status node_of(graph *g, const node *key, uint32_t *out)
{
	uint64_t h = node_hash(key, g->seed);
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

static pgo_status edge_of(graph *g, uint32_t src, uint32_t dst, uint32_t *out)
{
	uint32_t *v;
	bool fresh;
	if (pgo_u64map_upsert(&g->edge_ix, (uint64_t)src << 32 | dst, g->n_edges, &v, &fresh))
		return PGO_ERR_NOMEM;
	if (fresh) {
		if (PGO_GROW(g->edges, g->cap_edges, (uint64_t)g->n_edges + 1))
			return PGO_ERR_NOMEM;
		g->edges[g->n_edges++] = (graph_edge){src, dst, 0, 0};
	}
	*out = *v;
	return PGO_OK;
}

/* ---- walking the samples -----------------------------------------
 *
 * Go walks every sample. Here samples are first summed per pair of
 * leaf-most frames, since a sample's contribution depends only on those
 * two frames and is linear in its weight (wrapping sums distribute). A
 * pair whose nonzero weights cancel still counts, with weight 0: in Go
 * its samples create the edges even though they add nothing to them.
 *
 * Most pairs are then taken apart further. When the caller and leaf
 * frames are at different addresses and neither repeats a node among its
 * inlined lines, every node of the pair is distinct, so the pair adds its
 * weight to each frame's nodes and inner edges, to the one edge between
 * the frames, and to the leaf's flat weight. Those per-frame parts are
 * summed per location and applied once per location, which turns random
 * walks over the location table into one sequential pass. Other pairs
 * (recursion through one address, repeated inlined frames) are walked
 * node by node, as Go does.
 */

typedef struct frame_pair {
	uint32_t frames[2]; /* caller (or PGO_NONE), leaf */
	int64_t weight;
} frame_pair;

typedef struct frame_info {
	uint32_t first;     /* first node in the chain pool, outermost line first */
	uint32_t count;
	int64_t as_caller;  /* summed weight of separable pairs with it as caller */
	int64_t as_leaf;
	bool used;          /* in any pair */
	bool in_separable;  /* in a separable pair: its chain must be applied */
	bool has_leaf_role;
	bool simple;        /* no node repeats in its chain */
	bool shared_address; /* another used location has its address */
	uint64_t address;
} frame_info;

typedef struct walker {
	const pgo_profile *p;
	graph *g;
	frame_info *info;   /* per location */
	uint32_t *chain;    /* node ids */
	uint32_t n_chain, cap_chain;
} walker;

static pgo_status add_to_edge(graph *g, uint32_t src, uint32_t dst, int64_t w)
{
	uint32_t e;
	if (edge_of(g, src, dst, &e))
		return PGO_ERR_NOMEM;
	g->edges[e].weight = pgo_wrap_add(g->edges[e].weight, w);
	return PGO_OK;
}

/* The nodes of a location's lines, outermost first (one address-only node
 * for a location without lines). */
/* Longest chain whose repeats are found by comparing every pair. */
#define SHORT_CHAIN 64

static pgo_status new_node(graph *g, const node *key, uint32_t *out)
{
	if (PGO_GROW(g->nodes, g->cap_nodes, (uint64_t)g->n_nodes + 1))
		return PGO_ERR_NOMEM;
	*out = g->n_nodes;
	g->nodes[g->n_nodes++] = *key;
	return PGO_OK;
}

/*
 * The nodes of a location's lines, outermost first (one address-only node
 * for a location without lines). A node's key holds the address, so when
 * no other location in use has this one's address, its nodes can only
 * repeat among themselves: they are made without the global hash.
 */
static pgo_status build_chain(walker *w, uint32_t loc)
{
	const pgo_profile *p = w->p;
	const pgo_location *l = &p->locations[loc];
	frame_info *fi = &w->info[loc];
	uint32_t n = l->n_lines ? l->n_lines : 1;
	if (PGO_GROW(w->chain, w->cap_chain, (uint64_t)w->n_chain + n))
		return PGO_ERR_NOMEM;
	uint32_t *chain = w->chain + w->n_chain;
	bool local = !fi->shared_address && n <= SHORT_CHAIN;
	fi->first = w->n_chain;
	fi->count = n;
	fi->simple = true;
	for (uint32_t j = 0; j < n; j++) {
		node key = {.address = l->address};
		if (l->n_lines) {
			const pgo_line *ln = &p->lines[l->lines_at + (n - 1 - j)];
			if (ln->function != PGO_NONE) {
				const pgo_function *f = &p->functions[ln->function];
				key.name = f->name;
				key.start_line = f->start_line;
				key.line = ln->line;
			}
		}
		if (!local) {
			if (node_of(w->g, &key, &chain[j]))
				return PGO_ERR_NOMEM;
			continue;
		}
		uint32_t found = PGO_NONE;
		for (uint32_t k = 0; k < j && found == PGO_NONE; k++)
			if (node_eq(w->g, chain[k], &key))
				found = chain[k];
		if (found != PGO_NONE)
			chain[j] = found;
		else if (new_node(w->g, &key, &chain[j]))
			return PGO_ERR_NOMEM;
	}
	for (uint32_t a = 0; a < n && fi->simple; a++)
		for (uint32_t b = a + 1; b < n && fi->simple && (local || n <= SHORT_CHAIN); b++)
			fi->simple = chain[a] != chain[b];
	if (!local && n > SHORT_CHAIN)
		fi->simple = false; /* too long to check; walked node by node */
	w->n_chain += n;
	return PGO_OK;
}

/* Marks used locations that share their address with another one. */
static pgo_status mark_shared_addresses(walker *w)
{
	const pgo_profile *p = w->p;
	pgo_u64map seen;
	uint32_t used = 0;
	for (uint32_t loc = 0; loc < p->n_locations; loc++)
		used += w->info[loc].used;
	if (pgo_u64map_init(&seen, used + 16))
		return PGO_ERR_NOMEM;
	for (uint32_t loc = 0; loc < p->n_locations; loc++) {
		if (!w->info[loc].used)
			continue;
		uint64_t a = w->info[loc].address = p->locations[loc].address;
		if (a == UINT64_MAX) { /* the map's empty key: take the slow path */
			w->info[loc].shared_address = true;
			continue;
		}
		uint32_t *v;
		bool fresh;
		if (pgo_u64map_upsert(&seen, a, loc, &v, &fresh)) {
			pgo_u64map_free(&seen);
			return PGO_ERR_NOMEM;
		}
		if (!fresh)
			w->info[loc].shared_address = w->info[*v].shared_address = true;
	}
	pgo_u64map_free(&seen);
	return PGO_OK;
}

static bool separable(const walker *w, const frame_pair *pr)
{
	const frame_info *leaf = &w->info[pr->frames[1]];
	if (!leaf->simple)
		return false;
	if (pr->frames[0] == PGO_NONE)
		return true;
	const frame_info *caller = &w->info[pr->frames[0]];
	return caller->simple && caller->address != leaf->address;
}

/* One node of a sample's walk: cumulative weight once per sample, and the
 * edge from the previous node once per sample, however often it recurs. */
static pgo_status visit(graph *g, uint32_t n, uint32_t *parent, int64_t w, uint32_t stamp)
{
	node *nd = &g->nodes[n];
	if (nd->stamp != stamp) {
		nd->stamp = stamp;
		nd->cum = pgo_wrap_add(nd->cum, w);
	}
	if (*parent != PGO_NONE && n != *parent) {
		uint32_t e;
		if (edge_of(g, *parent, n, &e))
			return PGO_ERR_NOMEM;
		if (g->edges[e].stamp != stamp) {
			g->edges[e].stamp = stamp;
			g->edges[e].weight = pgo_wrap_add(g->edges[e].weight, w);
		}
	}
	*parent = n;
	return PGO_OK;
}

/* Go's walk of one sample (or pair), node by node, with its per-sample
 * deduplication; stamp is unique per call. */
static pgo_status walk_pair(walker *w, const frame_pair *pr, uint32_t stamp)
{
	graph *g = w->g;
	uint32_t parent = PGO_NONE;
	for (int k = 0; k < 2; k++) {
		if (pr->frames[k] == PGO_NONE)
			continue;
		const frame_info *fi = &w->info[pr->frames[k]];
		for (uint32_t j = 0; j < fi->count; j++)
			if (visit(g, w->chain[fi->first + j], &parent, pr->weight, stamp))
				return PGO_ERR_NOMEM;
	}
	if (parent != PGO_NONE)
		g->nodes[parent].flat = pgo_wrap_add(g->nodes[parent].flat, pr->weight);
	return PGO_OK;
}

/* A separable location's summed part: its nodes, its inner edges, and the
 * flat weight of its innermost node as a leaf. */
static pgo_status apply_chain(walker *w, const frame_info *fi)
{
	graph *g = w->g;
	int64_t total = pgo_wrap_add(fi->as_caller, fi->as_leaf);
	const uint32_t *c = w->chain + fi->first;
	for (uint32_t j = 0; j < fi->count; j++) {
		g->nodes[c[j]].cum = pgo_wrap_add(g->nodes[c[j]].cum, total);
		if (j && add_to_edge(g, c[j - 1], c[j], total))
			return PGO_ERR_NOMEM;
	}
	if (fi->has_leaf_role)
		g->nodes[c[fi->count - 1]].flat = pgo_wrap_add(g->nodes[c[fi->count - 1]].flat, fi->as_leaf);
	return PGO_OK;
}

/* How many keys ahead the hot loops prefetch their map slots. */
#define PREFETCH_AHEAD 8

/* A sample's (caller, leaf) key; samples without frames get one that is
 * never looked up. */
static inline uint64_t pair_key(const pgo_profile *p, uint32_t i)
{
	const pgo_sample *s = &p->samples[i];
	if (s->n_locations == 0)
		return 0;
	const uint32_t *locs = p->sample_locations + s->locations_at;
	uint32_t caller = s->n_locations > 1 ? locs[1] : PGO_NONE;
	return (uint64_t)caller << 32 | locs[0];
}

static pgo_status sum_pairs(const pgo_profile *p, int vi, frame_pair **out, uint32_t *n_out)
{
	frame_pair *pairs = NULL;
	uint32_t n = 0, cap = 0;
	pgo_u64map ix;
	pgo_status st = pgo_u64map_init(&ix, p->n_samples / 2 + 16);
	for (uint32_t i = 0; i < p->n_samples && !st; i++) {
		if (i + PREFETCH_AHEAD < p->n_samples)
			pgo_u64map_prefetch(&ix, pair_key(p, i + PREFETCH_AHEAD));
		const pgo_sample *s = &p->samples[i];
		int64_t wt = p->values[(size_t)i * p->n_sample_types + (uint32_t)vi];
		if (wt == 0 || s->n_locations == 0)
			continue;
		const uint32_t *locs = p->sample_locations + s->locations_at;
		uint32_t caller = s->n_locations > 1 ? locs[1] : PGO_NONE;
		uint32_t *v;
		bool fresh;
		if ((st = pgo_u64map_upsert(&ix, pair_key(p, i), n, &v, &fresh)))
			break;
		if (fresh) {
			/* at most one pair per sample: sized once */
			if (PGO_GROW(pairs, cap, p->n_samples)) {
				st = PGO_ERR_NOMEM;
				break;
			}
			pairs[n++] = (frame_pair){{caller, locs[0]}, 0};
		}
		pairs[*v].weight = pgo_wrap_add(pairs[*v].weight, wt);
	}
	pgo_u64map_free(&ix);
	*out = pairs;
	*n_out = n;
	return st;
}

static pgo_status walk_samples(const pgo_profile *p, graph *g, int vi)
{
	frame_pair *pairs = NULL;
	uint32_t n_pairs = 0;
	walker w = {.p = p, .g = g};
	pgo_status st = sum_pairs(p, vi, &pairs, &n_pairs);
	if (!st && !(w.info = calloc((size_t)p->n_locations + 1, sizeof *w.info)))
		st = PGO_ERR_NOMEM;
	for (uint32_t i = 0; i < n_pairs && !st; i++) {
		if (pairs[i].frames[0] != PGO_NONE)
			w.info[pairs[i].frames[0]].used = true;
		w.info[pairs[i].frames[1]].used = true;
	}
	if (!st)
		st = mark_shared_addresses(&w);
	/* Every array that grows below is sized once to what it can reach:
	 * growing them by doubling copied tens of MB into fresh pages. */
	uint64_t chain_len = 0;
	for (uint32_t loc = 0; loc < p->n_locations && !st; loc++)
		if (w.info[loc].used)
			chain_len += p->locations[loc].n_lines ? p->locations[loc].n_lines : 1;
	if (!st && chain_len &&
	    (PGO_GROW(w.chain, w.cap_chain, chain_len) || PGO_GROW(g->nodes, g->cap_nodes, chain_len) ||
	     PGO_GROW(g->edges, g->cap_edges, chain_len + n_pairs)))
		st = PGO_ERR_NOMEM;
	/* Location order keeps the walk over locations and lines sequential. */
	for (uint32_t loc = 0; loc < p->n_locations && !st; loc++)
		if (w.info[loc].used)
			st = build_chain(&w, loc);
	for (uint32_t i = 0; i < n_pairs && !st; i++) {
		if (i + PREFETCH_AHEAD < n_pairs && pairs[i + PREFETCH_AHEAD].frames[0] != PGO_NONE) {
			const frame_info *c = &w.info[pairs[i + PREFETCH_AHEAD].frames[0]];
			const frame_info *l = &w.info[pairs[i + PREFETCH_AHEAD].frames[1]];
			pgo_u64map_prefetch(&g->edge_ix,
			                    (uint64_t)w.chain[c->first + c->count - 1] << 32 | w.chain[l->first]);
		}
		const frame_pair *pr = &pairs[i];
		if (!separable(&w, pr)) {
			st = walk_pair(&w, pr, i + 1);
			continue;
		}
		frame_info *leaf = &w.info[pr->frames[1]];
		leaf->as_leaf = pgo_wrap_add(leaf->as_leaf, pr->weight);
		leaf->in_separable = leaf->has_leaf_role = true;
		if (pr->frames[0] == PGO_NONE)
			continue;
		frame_info *caller = &w.info[pr->frames[0]];
		caller->as_caller = pgo_wrap_add(caller->as_caller, pr->weight);
		caller->in_separable = true;
		st = add_to_edge(g, w.chain[caller->first + caller->count - 1], w.chain[leaf->first], pr->weight);
	}
	for (uint32_t loc = 0; loc < p->n_locations && !st; loc++)
		if (w.info[loc].in_separable)
			st = apply_chain(&w, &w.info[loc]);
	free(pairs);
	free(w.info);
	free(w.chain);
	return st;
}

/* ---- named edges -------------------------------------------------- */

typedef struct named_map {
	pgo_edge *edges;
	uint32_t n, cap;
	pgo_index ix;
	uint64_t seed; /* keys ix: edges are sorted before they are printed */
} named_map;

static bool named_eq(const void *ctx, uint32_t e, const void *key)
{
	const pgo_edge *a = &((const named_map *)ctx)->edges[e], *b = key;
	return a->caller == b->caller && a->callee == b->callee && a->offset == b->offset;
}

static pgo_status add_named(named_map *m, pgo_edge key)
{
	uint64_t h = pgo_hash_step(m->seed, (uint64_t)key.caller << 32 | key.callee, (uint64_t)key.offset, m->seed);
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

/*
 * Sorting compares names bytewise. The names in use are ranked once, so
 * the edge sort itself compares integers. qsort has no context argument,
 * so each entry carries what it is compared by.
 */
typedef struct named_string {
	uint64_t prefix; /* the first 8 bytes, big-endian, zero-padded */
	const char *s;
	size_t len;
	pgo_str id;
} named_string;

static uint64_t prefix_of(const char *s, size_t len)
{
	uint64_t v = 0;
	for (size_t i = 0; i < 8; i++)
		v = v << 8 | (i < len ? (uint8_t)s[i] : 0);
	return v;
}

/* Bytewise order; the prefix settles most comparisons without memcmp
 * (a zero pad ties with a NUL byte, and then memcmp and the length do). */
static inline bool name_before(const named_string *x, const named_string *y)
{
	if (x->prefix != y->prefix)
		return x->prefix < y->prefix;
	int c = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);
	return c ? c < 0 : x->len < y->len;
}

/* The bottom-up merge sort of sort_run below, for names (distinct ids
 * with distinct bytes, so stability does not matter either). */
static named_string *sort_names(named_string *a, named_string *tmp, uint32_t n)
{
	for (uint32_t width = 1; width < n; width *= 2) {
		for (uint32_t lo = 0; lo < n; lo += 2 * width) {
			uint32_t mid = lo + width < n ? lo + width : n;
			uint32_t hi = lo + 2 * width < n ? lo + 2 * width : n;
			uint32_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				tmp[k++] = name_before(&a[j], &a[i]) ? a[j++] : a[i++];
			while (i < mid)
				tmp[k++] = a[i++];
			while (j < hi)
				tmp[k++] = a[j++];
		}
		named_string *t = a;
		a = tmp;
		tmp = t;
	}
	return a;
}

typedef struct sortable {
	int64_t weight, offset;
	uint32_t caller_rank, callee_rank;
	uint32_t index;
} sortable;

static inline bool before(const sortable *x, const sortable *y)
{
	if (x->weight != y->weight)
		return x->weight > y->weight;
	if (x->caller_rank != y->caller_rank)
		return x->caller_rank < y->caller_rank;
	if (x->callee_rank != y->callee_rank)
		return x->callee_rank < y->callee_rank;
	return x->offset < y->offset;
}

/* A bottom-up merge sort with the comparison inlined: qsort's indirect
 * calls cost more than the sort itself here. Keys are unique, so
 * stability does not matter. */
/* Runs this long are sorted by insertion before the merging starts. */
#define INSERTION_RUN 16

static sortable *sort_run(sortable *a, sortable *tmp, uint32_t n)
{
	for (uint32_t lo = 0; lo < n; lo += INSERTION_RUN) {
		uint32_t hi = lo + INSERTION_RUN < n ? lo + INSERTION_RUN : n;
		for (uint32_t i = lo + 1; i < hi; i++) {
			sortable x = a[i];
			uint32_t j = i;
			for (; j > lo && before(&x, &a[j - 1]); j--)
				a[j] = a[j - 1];
			a[j] = x;
		}
	}
	for (uint32_t width = INSERTION_RUN; width < n; width *= 2) {
		for (uint32_t lo = 0; lo < n; lo += 2 * width) {
			uint32_t mid = lo + width < n ? lo + width : n;
			uint32_t hi = lo + 2 * width < n ? lo + 2 * width : n;
			uint32_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				tmp[k++] = before(&a[j], &a[i]) ? a[j++] : a[i++];
			while (i < mid)
				tmp[k++] = a[i++];
			while (j < hi)
				tmp[k++] = a[j++];
		}
		sortable *t = a;
		a = tmp;
		tmp = t;
	}
	return a;
}

static pgo_status sort_edges(const pgo_profile *p, pgo_edge *edges, uint32_t n)
{
	uint32_t n_strings = p->strings.count;
	uint32_t *rank = malloc(((size_t)n_strings + 1) * sizeof *rank);
	named_string *names = malloc(((size_t)4 * n + 2) * sizeof *names); /* and the sort's spare half */
	sortable *tmp = malloc(((size_t)n + 1) * sizeof *tmp);
	sortable *spare = malloc(((size_t)n + 1) * sizeof *spare);
	pgo_edge *copy = malloc(((size_t)n + 1) * sizeof *copy);
	if (!rank || !names || !tmp || !spare || !copy) {
		free(rank);
		free(names);
		free(tmp);
		free(spare);
		free(copy);
		return PGO_ERR_NOMEM;
	}
	memset(rank, 0xff, (size_t)n_strings * sizeof *rank);
	uint32_t n_names = 0;
	for (uint32_t i = 0; i < n; i++) {
		pgo_str ids[2] = {edges[i].caller, edges[i].callee};
		for (int k = 0; k < 2; k++) {
			if (rank[ids[k]] != PGO_NONE)
				continue;
			rank[ids[k]] = 0;
			names[n_names].s = pgo_string(p, ids[k], &names[n_names].len);
			names[n_names].prefix = prefix_of(names[n_names].s, names[n_names].len);
			names[n_names++].id = ids[k];
		}
	}
	const named_string *ranked = sort_names(names, names + 2 * (size_t)n + 1, n_names);
	for (uint32_t i = 0; i < n_names; i++)
		rank[ranked[i].id] = i;
	for (uint32_t i = 0; i < n; i++)
		tmp[i] = (sortable){edges[i].weight, edges[i].offset, rank[edges[i].caller], rank[edges[i].callee], i};
	sortable *sorted = sort_run(tmp, spare, n);
	memcpy(copy, edges, (size_t)n * sizeof *edges);
	for (uint32_t i = 0; i < n; i++)
		edges[i] = copy[sorted[i].index];
	free(rank);
	free(names);
	free(tmp);
	free(spare);
	free(copy);
	return PGO_OK;
}

int pgo_compiler_value_index(const pgo_profile *p)
{
	for (uint32_t i = 0; i < p->n_sample_types; i++) {
		size_t tl, ul;
		const char *t = pgo_string(p, p->sample_types[i].type, &tl);
		const char *u = pgo_string(p, p->sample_types[i].unit, &ul);
		/* lengths too: a name with a NUL inside must not match */
		if ((tl == 7 && ul == 5 && !memcmp(t, "samples", 7) && !memcmp(u, "count", 5)) ||
		    (tl == 3 && ul == 11 && !memcmp(t, "cpu", 3) && !memcmp(u, "nanoseconds", 11)))
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
	int vi = pgo_compiler_value_index(p);
	if (vi < 0)
		return pgo_fail(err, PGO_ERR_NO_VALUE,
		                "profile has no sample type samples/count or cpu/nanoseconds, which the Go compiler requires");
	out->value_index = vi;

	graph g = {.seed = pgo_hash_seed()};
	named_map named = {.seed = g.seed};
	pgo_status st = PGO_ERR_NOMEM;
	if (pgo_index_init(&g.node_ix, p->n_lines / 2 + 16) || pgo_u64map_init(&g.edge_ix, p->n_lines / 2 + 16) ||
	    pgo_index_init(&named.ix, p->n_lines / 4 + 16))
		goto done;
	if (walk_samples(p, &g, vi) || (g.n_edges && PGO_GROW(named.edges, named.cap, g.n_edges)))
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
	free(g.nodes);
	free(g.edges);
	free(named.edges);
	pgo_index_free(&g.node_ix);
	pgo_u64map_free(&g.edge_ix);
	pgo_index_free(&named.ix);
	return st;
}

void pgo_edges_free(pgo_edges *e)
{
	free(e->edges);
	memset(e, 0, sizeof *e);
}

/* Writes v in decimal as Go's strconv does (INT64_MIN included); returns
 * the bytes written, at most 20. snprintf cost more than the rest of the
 * formatting together. */
static size_t put_int64(char *out, int64_t v)
{
	char tmp[20];
	size_t n = 0;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	size_t w = 0;
	if (v < 0)
		out[w++] = '-';
	while (n)
		out[w++] = tmp[--n];
	return w;
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
		used += put_int64(buf + used, e->edges[i].offset);
		buf[used++] = ' ';
		used += put_int64(buf + used, e->edges[i].weight);
		buf[used++] = '\n';
	}
	*out = buf;
	*out_size = used;
	return PGO_OK;
}
