/*
 * Lossless compaction: the smallest profile with the same named edge map.
 *
 * Each named edge (caller, callee, offset) becomes one two-frame sample.
 * Every caller function gets start_line 1 and the call line 1 + offset,
 * since the compiler sees only the difference. Caller frames sit at
 * address 1 and callee frames at address 2, so the two never fold into one
 * graph node. Two cases need more than one sample, because the compiler
 * skips zero-weight samples and drops nodes whose weight sums to zero:
 *  - an edge whose weight is 0 is written as +1 and -1 through two callee
 *    frames (addresses 2 and 3);
 *  - a caller frame whose edges sum to 0 gets a one-frame sample of
 *    weight 1, which adds to the node but to no edge.
 */
#include "internal.h"

#define CALLER_ADDRESS 1
#define CALLEE_ADDRESS 2
#define CALLEE_ALT_ADDRESS 3

typedef struct builder {
	const pgo_profile *src;
	pgo_profile *out;
	uint32_t *function_of;   /* src string -> out function, PGO_NONE if none yet */
	uint32_t *callee_of;     /* src string -> callee location */
	uint32_t *callee_alt_of; /* src string -> second callee location */
	pgo_index caller_ix;     /* (function, offset) -> caller location */
	uint64_t seed;           /* keys caller_ix: locations keep first-seen order, so its layout reaches no output */
	int64_t *caller_cum;     /* per out location: weight reaching it as caller */
	uint32_t cap_cum;
} builder;

static pgo_status function_for(builder *b, pgo_str name, uint32_t *out)
{
	if (b->function_of[name] == PGO_NONE) {
		size_t len;
		const char *s = pgo_string(b->src, name, &len);
		pgo_str interned;
		pgo_status st = pgo_intern(b->out, s, len, &interned);
		if (st)
			return st;
		pgo_profile *o = b->out;
		if (PGO_GROW(o->functions, o->cap_functions, (uint64_t)o->n_functions + 1))
			return PGO_ERR_NOMEM;
		o->functions[o->n_functions] = (pgo_function){
			.id = (uint64_t)o->n_functions + 1, .name = interned, .start_line = 1};
		b->function_of[name] = o->n_functions++;
	}
	*out = b->function_of[name];
	return PGO_OK;
}

static pgo_status callee_location(builder *b, pgo_str name, bool alt, uint32_t *out)
{
	uint32_t *slot = alt ? &b->callee_alt_of[name] : &b->callee_of[name];
	if (*slot == PGO_NONE) {
		uint32_t fn;
		pgo_status st = function_for(b, name, &fn);
		if (st)
			return st;
		pgo_line line = {.function = fn, .line = 1};
		if ((st = pgo_add_location(b->out, PGO_NONE, alt ? CALLEE_ALT_ADDRESS : CALLEE_ADDRESS, &line, 1, slot)))
			return st;
	}
	*out = *slot;
	return PGO_OK;
}

typedef struct caller_key {
	uint32_t function;
	int64_t line;
} caller_key;

static bool caller_eq(const void *ctx, uint32_t e, const void *key)
{
	const pgo_profile *o = ctx;
	const pgo_line *ln = &o->lines[o->locations[e].lines_at];
	const caller_key *k = key;
	return ln->function == k->function && ln->line == k->line;
}

static pgo_status caller_location(builder *b, pgo_str name, int64_t offset, uint32_t *out)
{
	caller_key k;
	pgo_status st = function_for(b, name, &k.function);
	if (st)
		return st;
	k.line = pgo_wrap_add(1, offset);
	uint64_t h = pgo_hash_step(b->seed, k.function, (uint64_t)k.line, b->seed);
	uint32_t slot;
	uint32_t found = pgo_index_find(&b->caller_ix, h, caller_eq, b->out, &k, &slot);
	if (found == PGO_NONE) {
		pgo_line line = {.function = k.function, .line = k.line};
		if ((st = pgo_add_location(b->out, PGO_NONE, CALLER_ADDRESS, &line, 1, &found)) ||
		    (st = pgo_index_insert(&b->caller_ix, slot, h, found)))
			return st;
	}
	*out = found;
	return PGO_OK;
}

static pgo_status note_cum(builder *b, uint32_t loc, int64_t w)
{
	uint32_t old = b->cap_cum;
	if (PGO_GROW(b->caller_cum, b->cap_cum, (uint64_t)loc + 1))
		return PGO_ERR_NOMEM;
	if (b->cap_cum > old)
		memset(b->caller_cum + old, 0, (b->cap_cum - old) * sizeof *b->caller_cum);
	b->caller_cum[loc] = pgo_wrap_add(b->caller_cum[loc], w);
	return PGO_OK;
}

static pgo_status add_edge(builder *b, const pgo_edge *e)
{
	uint32_t stack[2];
	pgo_status st;
	if ((st = caller_location(b, e->caller, e->offset, &stack[1])) ||
	    (st = callee_location(b, e->callee, false, &stack[0])))
		return st;
	if (e->weight != 0) {
		if ((st = pgo_add_sample(b->out, stack, 2, &e->weight, NULL, 0)))
			return st;
		return note_cum(b, stack[1], e->weight);
	}
	const int64_t plus = 1, minus = -1;
	if ((st = pgo_add_sample(b->out, stack, 2, &plus, NULL, 0)) ||
	    (st = callee_location(b, e->callee, true, &stack[0])) ||
	    (st = pgo_add_sample(b->out, stack, 2, &minus, NULL, 0)))
		return st;
	return note_cum(b, stack[1], 0);
}

static pgo_status copy_headers(const pgo_profile *p, pgo_profile *o, int vi)
{
	pgo_status st;
	for (uint32_t i = 0; i < p->n_sample_types; i++) {
		if (vi >= 0 && i != (uint32_t)vi)
			continue;
		if ((st = pgo_add_sample_type(o, pgo_string(p, p->sample_types[i].type, NULL),
		                              pgo_string(p, p->sample_types[i].unit, NULL))))
			return st;
	}
	size_t len;
	const char *s = pgo_string(p, p->period_type.type, &len);
	if ((st = pgo_intern(o, s, len, &o->period_type.type)))
		return st;
	s = pgo_string(p, p->period_type.unit, &len);
	if ((st = pgo_intern(o, s, len, &o->period_type.unit)))
		return st;
	o->period = p->period;
	o->time_nanos = p->time_nanos;
	o->duration_nanos = p->duration_nanos;
	return PGO_OK;
}

pgo_status pgo_compact(const pgo_profile *p, pgo_profile **out, pgo_error *err)
{
	*out = NULL;
	pgo_edges edges;
	pgo_status st = pgo_edges_compute(p, &edges, err);
	if (st)
		return st;
	builder b = {.src = p, .seed = pgo_hash_seed()};
	size_t n = p->strings.count;
	b.out = pgo_profile_new();
	b.function_of = malloc(n * sizeof *b.function_of);
	b.callee_of = malloc(n * sizeof *b.callee_of);
	b.callee_alt_of = malloc(n * sizeof *b.callee_alt_of);
	st = PGO_ERR_NOMEM;
	if (!b.out || !b.function_of || !b.callee_of || !b.callee_alt_of ||
	    pgo_index_init(&b.caller_ix, (uint32_t)edges.n_edges + 16))
		goto done;
	memset(b.function_of, 0xff, n * sizeof *b.function_of);
	memset(b.callee_of, 0xff, n * sizeof *b.callee_of);
	memset(b.callee_alt_of, 0xff, n * sizeof *b.callee_alt_of);
	if ((st = copy_headers(p, b.out, edges.value_index)))
		goto done;
	for (size_t i = 0; i < edges.n_edges; i++)
		if ((st = add_edge(&b, &edges.edges[i])))
			goto done;
	/* Callers whose weight sums to zero would be dropped with their edges. */
	uint32_t n_callers = b.out->n_locations;
	for (uint32_t loc = 0; loc < n_callers && loc < b.cap_cum; loc++) {
		if (b.out->locations[loc].address != CALLER_ADDRESS || b.caller_cum[loc] != 0)
			continue;
		const int64_t one = 1;
		if ((st = pgo_add_sample(b.out, &loc, 1, &one, NULL, 0)))
			goto done;
	}
	st = PGO_OK;
done:
	if (st == PGO_ERR_NOMEM || st == PGO_ERR_LIMIT)
		pgo_fail(err, st, "out of memory compacting a profile");
	pgo_edges_free(&edges);
	free(b.function_of);
	free(b.callee_of);
	free(b.callee_alt_of);
	free(b.caller_cum);
	pgo_index_free(&b.caller_ix);
	if (st) {
		pgo_profile_free(b.out);
		return st;
	}
	*out = b.out;
	return PGO_OK;
}
