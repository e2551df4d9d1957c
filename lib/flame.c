/*
 * The call tree behind a flame graph: every sample's stack from the root
 * down, inlined calls as frames of their own, frames merged by function
 * name under the same parent. Frames too thin to draw are folded into
 * their parent's self weight, so that a tree of a large merge stays small
 * enough to send to a browser.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct builder {
	const pgo_profile *p;
	pgo_flame_node *nodes;
	size_t n, cap;
	uint32_t *slots; /* open addressing: node index + 1, keyed by (parent, name) */
	size_t mask;
} builder;

static uint64_t key_hash(uint32_t parent, uint32_t name)
{
	uint64_t h = ((uint64_t)parent << 32 | name) * 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

static int grow_slots(builder *b)
{
	size_t cap = b->mask ? (b->mask + 1) * 2 : 1024;
	uint32_t *s = calloc(cap, sizeof *s);
	if (!s)
		return -1;
	for (size_t i = 0; i < b->n; i++) {
		if (b->nodes[i].parent == PGO_NONE)
			continue;
		size_t at = key_hash(b->nodes[i].parent, b->nodes[i].name) & (cap - 1);
		while (s[at])
			at = (at + 1) & (cap - 1);
		s[at] = (uint32_t)i + 1;
	}
	free(b->slots);
	b->slots = s;
	b->mask = cap - 1;
	return 0;
}

/* The child of parent called name, made if new; PGO_NONE when out of memory. */
static uint32_t child(builder *b, uint32_t parent, uint32_t name)
{
	size_t at = key_hash(parent, name) & b->mask;
	for (uint32_t s; (s = b->slots[at]); at = (at + 1) & b->mask) {
		const pgo_flame_node *n = &b->nodes[s - 1];
		if (n->parent == parent && n->name == name)
			return s - 1;
	}
	if (b->n == b->cap) {
		size_t cap = b->cap * 2;
		pgo_flame_node *nn = realloc(b->nodes, cap * sizeof *nn);
		if (!nn)
			return PGO_NONE;
		b->nodes = nn;
		b->cap = cap;
	}
	if (b->n >= UINT32_MAX - 1)
		return PGO_NONE;
	uint32_t i = (uint32_t)b->n++;
	b->nodes[i] = (pgo_flame_node){.name = name, .parent = parent};
	/* Keep the table at most half full. */
	if (b->n * 2 > b->mask + 1) {
		if (grow_slots(b))
			return PGO_NONE;
	} else {
		b->slots[at] = i + 1;
	}
	return i;
}

/* Weights saturate: a profile's values may add up past 64 bits. */
static void add(int64_t *to, int64_t v)
{
	if (__builtin_add_overflow(*to, v, to))
		*to = INT64_MAX;
}

static int add_sample(builder *b, const pgo_sample *s, int64_t v)
{
	const pgo_profile *p = b->p;
	uint32_t cur = 0;
	add(&b->nodes[0].total, v);
	/* Locations are leaf first, and a location's lines innermost first. */
	for (uint32_t k = s->n_locations; k-- > 0;) {
		const pgo_location *loc = &p->locations[p->sample_locations[s->locations_at + k]];
		if (loc->n_lines == 0) {
			if ((cur = child(b, cur, PGO_FLAME_UNKNOWN)) == PGO_NONE)
				return -1;
			add(&b->nodes[cur].total, v);
			continue;
		}
		for (uint32_t l = loc->n_lines; l-- > 0;) {
			uint32_t f = p->lines[loc->lines_at + l].function;
			uint32_t name = f == PGO_NONE ? PGO_FLAME_UNKNOWN : p->functions[f].name;
			if ((cur = child(b, cur, name)) == PGO_NONE)
				return -1;
			add(&b->nodes[cur].total, v);
		}
	}
	add(&b->nodes[cur].self, v);
	return 0;
}

/* A child as sorted: its name's bytes (NULL: unknown, last) and its node. */
typedef struct named {
	const char *s;
	size_t len;
	uint32_t node;
} named;

static int by_name(const void *a, const void *b)
{
	const named *x = a, *y = b;
	if (!x->s || !y->s)
		return (!x->s) - (!y->s);
	int c = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Lays the kept nodes out in preorder, children sorted by name. */
static pgo_status preorder(builder *b, int64_t min_total, pgo_flame *out)
{
	size_t n = b->n;
	uint32_t *first = calloc(n + 1, sizeof *first);   /* children of i: order[first[i] .. first[i+1]) */
	named *order = malloc(n * sizeof *order);
	uint32_t *stack = malloc(n * sizeof *stack), *placed = malloc(n * sizeof *placed);
	pgo_flame_node *res = malloc(n * sizeof *res);
	if (!first || !order || !stack || !placed || !res) {
		free(first), free(order), free(stack), free(placed), free(res);
		return PGO_ERR_NOMEM;
	}
	/* A thin frame goes, with what is under it: its weight stays as its parent's self. */
	size_t pruned = 0;
	for (size_t i = 1; i < n; i++) {
		pgo_flame_node *x = &b->nodes[i];
		bool gone = x->total < min_total || b->nodes[x->parent].total == -1;
		if (!gone)
			continue;
		if (b->nodes[x->parent].total != -1)
			add(&b->nodes[x->parent].self, x->total);
		x->total = -1; /* parents come before children, so the mark reaches down */
		pruned++;
	}
	for (size_t i = 1; i < n; i++)
		if (b->nodes[i].total != -1)
			first[b->nodes[i].parent + 1]++;
	for (size_t i = 0; i < n; i++)
		first[i + 1] += first[i];
	uint32_t *fill = stack; /* borrowed as the cursors of the buckets */
	memcpy(fill, first, n * sizeof *fill);
	for (size_t i = 1; i < n; i++) {
		const pgo_flame_node *x = &b->nodes[i];
		if (x->total == -1)
			continue;
		named *o = &order[fill[x->parent]++];
		o->node = (uint32_t)i;
		o->s = x->name == PGO_FLAME_UNKNOWN ? NULL : pgo_string(b->p, x->name, &o->len);
	}
	for (size_t i = 0; i < n; i++)
		if (first[i + 1] - first[i] > 1)
			qsort(order + first[i], first[i + 1] - first[i], sizeof *order, by_name);
	/* Depth first, children pushed last to first so that the first comes out first. */
	size_t top = 0, m = 0;
	stack[top++] = 0;
	while (top) {
		uint32_t i = stack[--top];
		const pgo_flame_node *x = &b->nodes[i];
		placed[i] = (uint32_t)m;
		res[m] = *x;
		res[m].parent = i == 0 ? PGO_NONE : placed[x->parent];
		m++;
		for (uint32_t k = first[i + 1]; k-- > first[i];)
			stack[top++] = order[k].node;
	}
	free(first), free(order), free(stack), free(placed);
	out->nodes = res;
	out->n_nodes = m;
	out->pruned = pruned;
	out->total = b->nodes[0].total;
	return PGO_OK;
}

pgo_status pgo_flame_build(const pgo_profile *p, uint32_t value_index, double min_share, pgo_flame *out,
                           pgo_error *err)
{
	memset(out, 0, sizeof *out);
	if (value_index >= p->n_sample_types)
		return pgo_fail(err, PGO_ERR_ARGUMENT, "flame graph: sample type %u is not among the profile's %u",
		                value_index, p->n_sample_types);
	if (!(min_share >= 0 && min_share < 1))
		return pgo_fail(err, PGO_ERR_ARGUMENT, "flame graph: the share below which frames fold, %g, is not in [0, 1)",
		                min_share);
	builder b = {.p = p, .cap = 1024};
	b.nodes = malloc(b.cap * sizeof *b.nodes);
	pgo_status st = PGO_OK;
	if (!b.nodes || grow_slots(&b)) {
		st = PGO_ERR_NOMEM;
		goto done;
	}
	b.nodes[b.n++] = (pgo_flame_node){.name = PGO_FLAME_UNKNOWN, .parent = PGO_NONE};
	for (uint32_t i = 0; i < p->n_samples; i++) {
		int64_t v = p->values[(size_t)i * p->n_sample_types + value_index];
		/* Negative values (a diff profile) would make widths meaningless. */
		if (v <= 0)
			continue;
		if (add_sample(&b, &p->samples[i], v)) {
			st = PGO_ERR_NOMEM;
			goto done;
		}
	}
	int64_t min_total = (int64_t)((double)b.nodes[0].total * min_share);
	st = preorder(&b, min_total < 1 ? 1 : min_total, out);
done:
	free(b.nodes);
	free(b.slots);
	return st ? pgo_fail(err, st, "out of memory building a flame graph") : PGO_OK;
}

void pgo_flame_free(pgo_flame *f)
{
	if (!f)
		return;
	free(f->nodes);
	memset(f, 0, sizeof *f);
}
