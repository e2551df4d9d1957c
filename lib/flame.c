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
} builder;

/* Weights saturate: a profile's values may add up past 64 bits. */
static void add(int64_t *to, int64_t v)
{
	if (__builtin_add_overflow(*to, v, to))
		*to = INT64_MAX;
}

/* One sample on its way down its stack, a frame per level. */
typedef struct walker {
	const pgo_sample *s;
	int64_t v;
	uint32_t node;     /* its frame so far (kept) */
	uint32_t locs;     /* locations not yet entered; they are leaf first, so the next is locs - 1 */
	uint32_t lines;    /* lines of the current location not yet taken (innermost first, so taken last to first) */
	uint32_t at;       /* the current location's first line */
	uint32_t cand;     /* this level's candidate frame */
} walker;

/* The name of w's next frame, or false at the end of its stack. */
static bool next_frame(const pgo_profile *p, walker *w, uint32_t *name)
{
	if (w->lines == 0) {
		if (w->locs == 0)
			return false;
		const pgo_location *loc = &p->locations[p->sample_locations[w->s->locations_at + --w->locs]];
		if (loc->n_lines == 0) {
			*name = PGO_FLAME_UNKNOWN;
			return true;
		}
		w->at = loc->lines_at;
		w->lines = loc->n_lines;
	}
	uint32_t f = p->lines[w->at + --w->lines].function;
	*name = f == PGO_NONE ? PGO_FLAME_UNKNOWN : p->functions[f].name;
	return true;
}

static uint64_t key_hash(uint32_t parent, uint32_t name)
{
	uint64_t h = ((uint64_t)parent << 32 | name) * 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

static pgo_status push_node(builder *b, pgo_flame_node x, uint32_t *index)
{
	if (b->n == b->cap) {
		size_t cap = b->cap * 2;
		pgo_flame_node *nn = cap < UINT32_MAX ? realloc(b->nodes, cap * sizeof *nn) : NULL;
		if (!nn)
			return PGO_ERR_NOMEM;
		b->nodes = nn;
		b->cap = cap;
	}
	*index = (uint32_t)b->n;
	b->nodes[b->n++] = x;
	return PGO_OK;
}

/*
 * The tree, one level at a time: every sample still walking takes its next
 * frame; the frames of a level whose total reaches min_total are kept, and
 * the samples under the others stop there, their weight their parent's
 * self. So no frame under a thin one is ever made: a merge of many distinct
 * stacks costs about its samples times the few levels until they part.
 */
static pgo_status grow(builder *b, int64_t v_index, int64_t min_total, size_t *pruned)
{
	const pgo_profile *p = b->p;
	size_t live = 0;
	walker *w = malloc((p->n_samples ? p->n_samples : 1) * sizeof *w);
	pgo_flame_node *cand = malloc((p->n_samples ? p->n_samples : 1) * sizeof *cand);
	uint32_t *slots = NULL;
	size_t n_slots = 0;
	pgo_status st = PGO_OK;
	if (!w || !cand) {
		st = PGO_ERR_NOMEM;
		goto done;
	}
	for (uint32_t i = 0; i < p->n_samples; i++) {
		int64_t v = p->values[(size_t)i * p->n_sample_types + v_index];
		/* Negative values (a diff profile) would make widths meaningless. */
		if (v > 0)
			w[live++] = (walker){.s = &p->samples[i], .v = v, .locs = p->samples[i].n_locations};
	}
	while (live) {
		size_t want = 16;
		while (want < live * 2)
			want *= 2;
		if (want > n_slots) {
			free(slots);
			if (!(slots = malloc(want * sizeof *slots))) {
				st = PGO_ERR_NOMEM;
				goto done;
			}
			n_slots = want;
		}
		memset(slots, 0, n_slots * sizeof *slots);
		size_t n_cand = 0, kept = 0;
		for (size_t i = 0; i < live; i++) {
			walker *x = &w[i];
			uint32_t name;
			if (!next_frame(p, x, &name)) {
				add(&b->nodes[x->node].self, x->v);
				x->cand = UINT32_MAX;
				continue;
			}
			size_t at = key_hash(x->node, name) & (n_slots - 1);
			for (; slots[at]; at = (at + 1) & (n_slots - 1))
				if (cand[slots[at] - 1].parent == x->node && cand[slots[at] - 1].name == name)
					break;
			if (!slots[at]) {
				cand[n_cand] = (pgo_flame_node){.name = name, .parent = x->node};
				slots[at] = (uint32_t)++n_cand;
			}
			x->cand = slots[at] - 1;
			add(&cand[x->cand].total, x->v);
		}
		/* A thin frame goes, with all under it: its weight stays as its parent's self. */
		for (size_t c = 0; c < n_cand; c++) {
			if (cand[c].total < min_total) {
				add(&b->nodes[cand[c].parent].self, cand[c].total);
				(*pruned)++;
				cand[c].parent = PGO_NONE; /* gone */
				continue;
			}
			uint32_t index;
			if ((st = push_node(b, cand[c], &index)))
				goto done;
			cand[c].self = index; /* borrowed: where the frame went */
		}
		for (size_t i = 0; i < live; i++)
			if (w[i].cand != UINT32_MAX && cand[w[i].cand].parent != PGO_NONE) {
				w[i].node = (uint32_t)cand[w[i].cand].self;
				w[kept++] = w[i];
			}
		live = kept;
	}
done:
	free(w);
	free(cand);
	free(slots);
	return st;
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
static pgo_status preorder(builder *b, pgo_flame *out)
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
	for (size_t i = 1; i < n; i++)
		first[b->nodes[i].parent + 1]++;
	for (size_t i = 0; i < n; i++)
		first[i + 1] += first[i];
	uint32_t *fill = stack; /* borrowed as the cursors of the buckets */
	memcpy(fill, first, n * sizeof *fill);
	for (size_t i = 1; i < n; i++) {
		const pgo_flame_node *x = &b->nodes[i];
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
	if (!b.nodes) {
		st = PGO_ERR_NOMEM;
		goto done;
	}
	b.nodes[b.n++] = (pgo_flame_node){.name = PGO_FLAME_UNKNOWN, .parent = PGO_NONE};
	for (uint32_t i = 0; i < p->n_samples; i++) {
		int64_t v = p->values[(size_t)i * p->n_sample_types + value_index];
		if (v > 0)
			add(&b.nodes[0].total, v);
	}
	int64_t min_total = (int64_t)((double)b.nodes[0].total * min_share);
	size_t pruned = 0;
	if (!(st = grow(&b, value_index, min_total < 1 ? 1 : min_total, &pruned)) && !(st = preorder(&b, out)))
		out->pruned = pruned;
done:
	free(b.nodes);
	return st ? pgo_fail(err, st, "out of memory building a flame graph") : PGO_OK;
}

void pgo_flame_free(pgo_flame *f)
{
	if (!f)
		return;
	free(f->nodes);
	memset(f, 0, sizeof *f);
}
