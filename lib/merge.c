/*
 * Merging profiles, with the semantics of google/pprof's profile.Merge:
 * entities are deduplicated by value, never by ID; samples with equal
 * stacks and labels add up; zero samples and unreferenced entities go.
 *
 * Merge output depends on the order of its inputs (IDs are assigned in
 * first-seen order, some headers come from the first input), so inputs are
 * first put in a canonical order by a content fingerprint: the result is
 * a function of the set of inputs.
 */
#include "internal.h"

#include <inttypes.h>
#include <libdeflate.h>
#include <math.h>
#include <pthread.h>

#include <stdio.h>

const char *const pgo_default_noinline[] = {
	"google.golang.org/grpc/internal/transport.(*loopyWriter).processData",
	"runtime.gopark",
	NULL,
};

typedef struct mapped_mapping {
	uint32_t index;   /* in out, or PGO_NONE */
	uint64_t shift;   /* added to addresses: out start - input start */
} mapped_mapping;

/*
 * Samples go through the fast path (weight 1, labels dropped) in two
 * steps PIPELINE samples apart: keyed (locations mapped, hash taken, the
 * index slot prefetched), then looked up and added. Locations are still
 * mapped in sample order, so the output is the same as one at a time.
 */
#define PIPELINE 8
typedef struct pending_sample {
	uint32_t sample;  /* in the input */
	bool skip;        /* all values zero */
	uint32_t *locs;   /* mapped */
	uint32_t cap_locs, n_locs;
	uint64_t hash;
	uint32_t guess;   /* the merged sample its slot names, or PGO_NONE: a prefetch hint */
} pending_sample;

struct pgo_merger {
	pgo_profile *out;
	bool keep_labels;
	const char *const *noinline;
	char *first_name;          /* the first input's name, for messages */
	uint32_t n_added;
	/* The input being added is multiplied by scale (1: taken as it is).
	 * Once any input has been scaled, every sum is checked: a weighted
	 * merge refuses to wrap around where an unweighted one wraps as Go's
	 * int64 arithmetic does. */
	double scale;
	bool checked;
	const char *in_name;
	int64_t *scaled;           /* scratch: one sample's scaled values */
	uint32_t cap_scaled;
	pgo_error *err;
	/* Lookup only: entities keep first-seen order, so the tables' layout
	 * reaches no output and they are keyed by the process's seed. */
	pgo_index fn_ix, map_ix, loc_ix, sample_ix;
	uint64_t seed;

	const pgo_profile *in;
	pgo_str *str_map;
	uint32_t *fn_map;
	uint32_t *loc_map;
	mapped_mapping *map_map;
	uint32_t cap_str, cap_fn, cap_loc, cap_map;

	/* scratch for the entity being looked up */
	pgo_line *lines;
	uint32_t cap_lines;
	uint32_t *locs;
	uint32_t cap_locs;
	pgo_label *labels;
	uint32_t cap_labels;
	/* The samples the pipelined path has keyed but not yet looked up. */
	pending_sample pending[PIPELINE];
};
typedef struct pgo_merger merger;

static pgo_status oom(merger *m)
{
	return pgo_fail(m->err, PGO_ERR_NOMEM, "out of memory while merging");
}

static pgo_status map_string(merger *m, pgo_str s, pgo_str *out)
{
	if (m->str_map[s] == PGO_NONE) {
		size_t len;
		const char *str = pgo_string(m->in, s, &len);
		if (pgo_intern(m->out, str, len, &m->str_map[s]))
			return oom(m);
	}
	*out = m->str_map[s];
	return PGO_OK;
}

/* ---- functions ---------------------------------------------------- */

static uint64_t function_hash(const pgo_function *f, uint64_t seed)
{
	uint64_t h = pgo_hash_step(seed, (uint64_t)f->name << 32 | f->system_name, (uint64_t)f->start_line, seed);
	return pgo_hash_step(h, f->filename, 0, seed);
}

static bool function_eq(const void *ctx, uint32_t e, const void *key)
{
	const pgo_function *a = &((const pgo_profile *)ctx)->functions[e], *b = key;
	return a->name == b->name && a->system_name == b->system_name &&
	       a->filename == b->filename && a->start_line == b->start_line;
}

static pgo_status map_function(merger *m, uint32_t i, uint32_t *out)
{
	if (m->fn_map[i] != PGO_NONE) {
		*out = m->fn_map[i];
		return PGO_OK;
	}
	const pgo_function *src = &m->in->functions[i];
	pgo_function f = {.start_line = src->start_line};
	if (map_string(m, src->name, &f.name) || map_string(m, src->system_name, &f.system_name) ||
	    map_string(m, src->filename, &f.filename))
		return PGO_ERR_NOMEM;
	uint64_t h = function_hash(&f, m->seed);
	uint32_t slot;
	uint32_t found = pgo_index_find(&m->fn_ix, h, function_eq, m->out, &f, &slot);
	if (found == PGO_NONE) {
		pgo_profile *o = m->out;
		if (PGO_GROW(o->functions, o->cap_functions, (uint64_t)o->n_functions + 1))
			return oom(m);
		found = o->n_functions;
		f.id = (uint64_t)found + 1;
		o->functions[o->n_functions++] = f;
		if (pgo_index_insert(&m->fn_ix, slot, h, found))
			return oom(m);
	}
	m->fn_map[i] = found;
	*out = found;
	return PGO_OK;
}

/* ---- mappings ----------------------------------------------------- */

typedef struct mapping_key {
	uint64_t size, file_offset;
	pgo_str build_id_or_file;
} mapping_key;

static mapping_key key_of_mapping(const pgo_mapping *mp)
{
	/* ASLR moves the start; the size, rounded up to 4 KiB, does not. */
	uint64_t size = mp->memory_limit - mp->memory_start;
	size = size + 0xfff;
	size -= size % 0x1000;
	mapping_key k = {size, mp->file_offset, mp->build_id ? mp->build_id : mp->filename};
	return k;
}

static uint64_t mapping_hash(const mapping_key *k, uint64_t seed)
{
	uint64_t h = pgo_hash_step(seed, k->size, k->file_offset, seed);
	return pgo_hash_step(h, k->build_id_or_file, 0, seed);
}

static bool mapping_eq(const void *ctx, uint32_t e, const void *key)
{
	mapping_key a = key_of_mapping(&((const pgo_profile *)ctx)->mappings[e]);
	const mapping_key *b = key;
	return a.size == b->size && a.file_offset == b->file_offset &&
	       a.build_id_or_file == b->build_id_or_file;
}

static pgo_status map_mapping(merger *m, uint32_t i, mapped_mapping *out)
{
	if (i == PGO_NONE) {
		out->index = PGO_NONE;
		out->shift = 0;
		return PGO_OK;
	}
	if (m->map_map[i].index != PGO_NONE) {
		*out = m->map_map[i];
		return PGO_OK;
	}
	const pgo_mapping *src = &m->in->mappings[i];
	pgo_mapping mp = *src;
	if (map_string(m, src->filename, &mp.filename) || map_string(m, src->build_id, &mp.build_id))
		return PGO_ERR_NOMEM;
	mapping_key k = key_of_mapping(&mp);
	uint64_t h = mapping_hash(&k, m->seed);
	uint32_t slot;
	pgo_profile *o = m->out;
	uint32_t found = pgo_index_find(&m->map_ix, h, mapping_eq, o, &k, &slot);
	if (found == PGO_NONE) {
		if (PGO_GROW(o->mappings, o->cap_mappings, (uint64_t)o->n_mappings + 1))
			return oom(m);
		found = o->n_mappings;
		mp.id = (uint64_t)found + 1;
		o->mappings[o->n_mappings++] = mp;
		if (pgo_index_insert(&m->map_ix, slot, h, found))
			return oom(m);
	}
	m->map_map[i].index = found;
	m->map_map[i].shift = o->mappings[found].memory_start - src->memory_start;
	*out = m->map_map[i];
	return PGO_OK;
}

/* ---- locations ---------------------------------------------------- */

typedef struct location_key {
	uint64_t rel_address;   /* address relative to the mapping's start */
	uint32_t mapping;
	bool is_folded;
	const pgo_line *lines;
	uint32_t n_lines;
} location_key;

static uint64_t location_hash(const location_key *k, uint64_t seed)
{
	uint64_t h = pgo_hash_step(seed, k->rel_address, (uint64_t)k->mapping << 32 | k->n_lines, seed);
	for (uint32_t i = 0; i < k->n_lines; i++) {
		const pgo_line *ln = &k->lines[i];
		h = pgo_hash_step(h, (uint64_t)ln->line, (uint64_t)ln->column, seed);
		h = pgo_hash_step(h, ln->function, 0, seed);
	}
	return k->is_folded ? pgo_hash_step(h, 1, 0, seed) : h;
}

static uint64_t relative_address(const pgo_profile *p, const pgo_location *l)
{
	return l->mapping == PGO_NONE ? l->address : l->address - p->mappings[l->mapping].memory_start;
}

static bool location_eq(const void *ctx, uint32_t e, const void *key)
{
	const pgo_profile *p = ctx;
	const pgo_location *l = &p->locations[e];
	const location_key *k = key;
	if (l->mapping != k->mapping || l->is_folded != k->is_folded || l->n_lines != k->n_lines ||
	    relative_address(p, l) != k->rel_address)
		return false;
	if (k->n_lines == 0)
		return true;
	const pgo_line *a = p->lines + l->lines_at;
	for (uint32_t i = 0; i < k->n_lines; i++)
		if (a[i].function != k->lines[i].function || a[i].line != k->lines[i].line ||
		    a[i].column != k->lines[i].column)
			return false;
	return true;
}

static pgo_status map_location(merger *m, uint32_t i, uint32_t *out)
{
	if (m->loc_map[i] != PGO_NONE) {
		*out = m->loc_map[i];
		return PGO_OK;
	}
	const pgo_location *src = &m->in->locations[i];
	mapped_mapping mm;
	if (map_mapping(m, src->mapping, &mm))
		return PGO_ERR_NOMEM;
	if (PGO_GROW(m->lines, m->cap_lines, src->n_lines))
		return oom(m);
	for (uint32_t j = 0; j < src->n_lines; j++) {
		const pgo_line *ln = &m->in->lines[src->lines_at + j];
		m->lines[j] = *ln;
		if (ln->function != PGO_NONE && map_function(m, ln->function, &m->lines[j].function))
			return PGO_ERR_NOMEM;
	}
	pgo_profile *o = m->out;
	uint64_t address = src->address + mm.shift;
	location_key k = {
		.rel_address = mm.index == PGO_NONE ? address : address - o->mappings[mm.index].memory_start,
		.mapping = mm.index,
		.is_folded = src->is_folded,
		.lines = m->lines,
		.n_lines = src->n_lines,
	};
	uint64_t h = location_hash(&k, m->seed);
	uint32_t slot;
	uint32_t found = pgo_index_find(&m->loc_ix, h, location_eq, o, &k, &slot);
	if (found == PGO_NONE) {
		if (PGO_GROW(o->locations, o->cap_locations, (uint64_t)o->n_locations + 1) ||
		    PGO_GROW(o->lines, o->cap_lines, (uint64_t)o->n_lines + src->n_lines))
			return oom(m);
		found = o->n_locations;
		o->locations[o->n_locations++] = (pgo_location){
			.id = (uint64_t)found + 1,
			.address = address,
			.mapping = mm.index,
			.lines_at = o->n_lines,
			.n_lines = src->n_lines,
			.is_folded = src->is_folded,
		};
		if (src->n_lines)
			memcpy(o->lines + o->n_lines, m->lines, src->n_lines * sizeof *m->lines);
		o->n_lines += src->n_lines;
		if (pgo_index_insert(&m->loc_ix, slot, h, found))
			return oom(m);
	}
	m->loc_map[i] = found;
	*out = found;
	return PGO_OK;
}

/* ---- samples ------------------------------------------------------ */

typedef struct sample_key {
	const uint32_t *locs;
	uint32_t n_locs;
	const pgo_label *labels;
	uint32_t n_labels;
} sample_key;

static uint64_t sample_hash(const sample_key *k, uint64_t seed)
{
	const uint32_t *loc = k->locs;
	uint32_t n = k->n_locs, i = 0;
	/* four location indexes a step */
	uint64_t h = pgo_hash_step(seed, n, k->n_labels, seed);
	for (; i + 4 <= n; i += 4)
		h = pgo_hash_step(h, (uint64_t)loc[i] << 32 | loc[i + 1], (uint64_t)loc[i + 2] << 32 | loc[i + 3], seed);
	if (i < n) {
		uint64_t a = (uint64_t)loc[i] << 32 | (i + 1 < n ? loc[i + 1] : 0);
		h = pgo_hash_step(h, a, i + 2 < n ? loc[i + 2] : 0, seed);
	}
	for (uint32_t j = 0; j < k->n_labels; j++) {
		const pgo_label *l = &k->labels[j];
		h = pgo_hash_step(h, (uint64_t)l->key << 32 | l->str, (uint64_t)l->num, seed);
		h = pgo_hash_step(h, l->num_unit, 0, seed);
	}
	return h;
}

static bool sample_eq(const void *ctx, uint32_t e, const void *key)
{
	const pgo_profile *p = ctx;
	const pgo_sample *s = &p->samples[e];
	const sample_key *k = key;
	if (s->n_locations != k->n_locs || s->n_labels != k->n_labels)
		return false;
	if (k->n_locs && memcmp(p->sample_locations + s->locations_at, k->locs, k->n_locs * sizeof *k->locs))
		return false;
	for (uint32_t i = 0; i < k->n_labels; i++) {
		const pgo_label *a = &p->labels[s->labels_at + i], *b = &k->labels[i];
		if (a->key != b->key || a->str != b->str || a->num != b->num || a->num_unit != b->num_unit)
			return false;
	}
	return true;
}

/* Labels in a canonical order: string labels before numeric ones, by key;
 * values of one key keep their order, as pprof's label maps do. */
static int label_order(const pgo_profile *p, const pgo_label *a, const pgo_label *b)
{
	bool an = a->str == 0, bn = b->str == 0;
	if (an != bn)
		return an ? 1 : -1;
	return pgo_string_cmp(p, a->key, p, b->key);
}

static void sort_labels(const pgo_profile *p, pgo_label *l, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) {
		pgo_label x = l[i];
		uint32_t j = i;
		while (j > 0 && label_order(p, &l[j - 1], &x) > 0) {
			l[j] = l[j - 1];
			j--;
		}
		l[j] = x;
	}
}

static bool all_zero(const int64_t *v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (v[i])
			return false;
	return true;
}

static const char *type_name(const pgo_profile *p, uint32_t column)
{
	return pgo_string(p, p->sample_types[column].type, NULL);
}

/*
 * One sample's values times m->scale, rounded half away from zero as
 * google/pprof's Profile.Scale rounds (math.Round(float64(v) * ratio)):
 * the product is an IEEE double, so the result is the same everywhere.
 * Scaling a negative value is refused: weights combine workloads, and a
 * negative sample (a diff) has no meaning there.
 */
static pgo_status scale_values(merger *m, uint32_t i, const int64_t *values, uint32_t nv)
{
	if (PGO_GROW(m->scaled, m->cap_scaled, nv))
		return oom(m);
	for (uint32_t j = 0; j < nv; j++) {
		if (values[j] < 0)
			return pgo_fail(m->err, PGO_ERR_INVALID,
			                "%s: sample %" PRIu32 " has the negative %s value %" PRId64
			                ": only profiles without negative values can be weighted (use weight 1)",
			                m->in_name, i + 1, type_name(m->in, j), values[j]);
		double r = round((double)values[j] * m->scale);
		/* 2^63 is exact as a double; anything from it up does not fit. */
		if (!(r < 9223372036854775808.0))
			return pgo_fail(m->err, PGO_ERR_LIMIT,
			                "%s: sample %" PRIu32 " %s value %" PRId64 " times the weight %.17g does not fit in "
			                "a 64-bit integer; use a smaller weight",
			                m->in_name, i + 1, type_name(m->in, j), values[j], m->scale);
		m->scaled[j] = (int64_t)r;
	}
	return PGO_OK;
}

/* dst += values, refusing a sum that leaves int64 (weighted merges only). */
static pgo_status add_checked(merger *m, int64_t *dst, const int64_t *values, uint32_t nv)
{
	for (uint32_t j = 0; j < nv; j++)
		if (__builtin_add_overflow(dst[j], values[j], &(int64_t){0}))
			return pgo_fail(m->err, PGO_ERR_LIMIT,
			                "%s: adding its %s value %" PRId64 " to the %" PRId64
			                " already merged for the same stack overflows a 64-bit integer; use smaller weights",
			                m->in_name, type_name(m->in, j), values[j], dst[j]);
	for (uint32_t j = 0; j < nv; j++)
		dst[j] += values[j];
	return PGO_OK;
}

/* values added to the merged sample with key k (hash h), made if new. */
static PGO_INLINE pgo_status add_values(merger *m, const sample_key *k, uint64_t h, const int64_t *values)
{
	pgo_profile *o = m->out;
	uint32_t nv = o->n_sample_types, slot;
	uint32_t found = pgo_index_find(&m->sample_ix, h, sample_eq, o, k, &slot);
	if (found != PGO_NONE) {
		int64_t *dst = o->values + (size_t)found * nv;
		if (m->checked)
			return add_checked(m, dst, values, nv);
		for (uint32_t j = 0; j < nv; j++)
			dst[j] = pgo_wrap_add(dst[j], values[j]);
		return PGO_OK;
	}
	if (pgo_add_sample(o, k->locs, k->n_locs, values, k->labels, k->n_labels))
		return oom(m);
	if (pgo_index_insert(&m->sample_ix, slot, h, o->n_samples - 1))
		return oom(m);
	return PGO_OK;
}

static pgo_status map_sample(merger *m, uint32_t i)
{
	const pgo_profile *in = m->in;
	const pgo_sample *src = &in->samples[i];
	uint32_t nv = in->n_sample_types;
	const int64_t *values = in->values + (size_t)i * nv;
	if (m->scale != 1.0) {
		pgo_status st = scale_values(m, i, values, nv);
		if (st)
			return st;
		values = m->scaled;
	}
	/* A weighted value that rounds to zero drops its sample like a zero one. */
	if (all_zero(values, nv))
		return PGO_OK;
	if (PGO_GROW(m->locs, m->cap_locs, src->n_locations))
		return oom(m);
	/* Most locations were mapped by an earlier sample: that test stays in this loop. */
	/* A sample may have no locations, and the profile no location array. */
	const uint32_t *src_locs = src->n_locations ? in->sample_locations + src->locations_at : NULL;
	for (uint32_t j = 0; j < src->n_locations; j++) {
		uint32_t mapped = m->loc_map[src_locs[j]];
		if (mapped == PGO_NONE && map_location(m, src_locs[j], &mapped))
			return PGO_ERR_NOMEM;
		m->locs[j] = mapped;
	}
	uint32_t n_labels = m->keep_labels ? src->n_labels : 0;
	if (n_labels) {
		if (PGO_GROW(m->labels, m->cap_labels, n_labels))
			return oom(m);
		for (uint32_t j = 0; j < n_labels; j++) {
			const pgo_label *l = &in->labels[src->labels_at + j];
			pgo_label *d = &m->labels[j];
			d->num = l->num;
			if (map_string(m, l->key, &d->key) || map_string(m, l->str, &d->str) ||
			    map_string(m, l->num_unit, &d->num_unit))
				return PGO_ERR_NOMEM;
		}
		sort_labels(m->out, m->labels, n_labels);
	}
	sample_key k = {m->locs, src->n_locations, m->labels, n_labels};
	return add_values(m, &k, sample_hash(&k, m->seed), values);
}

/* The fast path's first step: sample i's locations mapped and its key hashed. */
static PGO_INLINE pgo_status key_sample(merger *m, uint32_t i, pending_sample *ps)
{
	const pgo_profile *in = m->in;
	const pgo_sample *src = &in->samples[i];
	uint32_t nv = in->n_sample_types;
	ps->sample = i;
	ps->guess = PGO_NONE;
	ps->skip = all_zero(in->values + (size_t)i * nv, nv);
	if (ps->skip)
		return PGO_OK;
	if (PGO_GROW(ps->locs, ps->cap_locs, src->n_locations))
		return oom(m);
	const uint32_t *src_locs = src->n_locations ? in->sample_locations + src->locations_at : NULL;
	for (uint32_t j = 0; j < src->n_locations; j++) {
		uint32_t mapped = m->loc_map[src_locs[j]];
		if (mapped == PGO_NONE && map_location(m, src_locs[j], &mapped))
			return PGO_ERR_NOMEM;
		ps->locs[j] = mapped;
	}
	ps->n_locs = src->n_locations;
	sample_key k = {ps->locs, ps->n_locs, NULL, 0};
	ps->hash = sample_hash(&k, m->seed);
	pgo_index_prefetch(&m->sample_ix, ps->hash);
	return PGO_OK;
}

/* The second step: looked up, then added to its match or inserted. */
static PGO_INLINE pgo_status add_keyed_sample(merger *m, const pending_sample *ps)
{
	if (ps->skip)
		return PGO_OK;
	const pgo_profile *in = m->in;
	sample_key k = {ps->locs, ps->n_locs, NULL, 0};
	return add_values(m, &k, ps->hash, in->values + (size_t)ps->sample * in->n_sample_types);
}

/* map_sample for every sample of the input (weight 1, labels dropped), its
 * two steps PIPELINE samples apart, with map_sample's results and errors:
 * a sample keyed ahead that fails reports after the samples before it. */
/* The merged sample a keyed sample most likely matches: its record and
 * values fetched into the cache while the samples before it are added. */
static PGO_INLINE void guess_match(merger *m, pending_sample *ps)
{
	ps->guess = PGO_NONE;
	if (ps->skip)
		return;
	uint32_t e = pgo_index_peek(&m->sample_ix, ps->hash);
	if (e == PGO_NONE)
		return;
	const pgo_profile *o = m->out;
	ps->guess = e;
	__builtin_prefetch(&o->samples[e]);
	__builtin_prefetch(&o->values[(size_t)e * o->n_sample_types]);
}

/* Then the guess's locations, which the lookup compares. */
static PGO_INLINE void fetch_match(merger *m, const pending_sample *ps)
{
	if (ps->guess == PGO_NONE)
		return;
	const pgo_profile *o = m->out;
	const pgo_sample *s = &o->samples[ps->guess];
	const uint32_t *l = o->sample_locations + s->locations_at;
	for (uint32_t i = 0; i < s->n_locations; i += 16)
		__builtin_prefetch(l + i);
}

static pgo_status map_samples_pipelined(merger *m)
{
	uint32_t n = m->in->n_samples, keyed = 0;
	pgo_status key_st = PGO_OK;
	for (uint32_t j = 0; j < n; j++) {
		while (!key_st && keyed < n && keyed < j + PIPELINE) {
			key_st = key_sample(m, keyed, &m->pending[keyed % PIPELINE]);
			if (!key_st)
				keyed++;
		}
		if (j == keyed) /* sample j is the one that failed to key */
			return key_st;
		/* the stages between: slot read PIPELINE/2 ahead, locations 2 ahead */
		if (j + PIPELINE / 2 < keyed)
			guess_match(m, &m->pending[(j + PIPELINE / 2) % PIPELINE]);
		if (j + 2 < keyed)
			fetch_match(m, &m->pending[(j + 2) % PIPELINE]);
		pgo_status st = add_keyed_sample(m, &m->pending[j % PIPELINE]);
		if (st)
			return st;
	}
	return PGO_OK;
}

/* ---- headers and compatibility ------------------------------------ */

static const char *input_name(const pgo_merge_options *o, size_t i, char *buf, size_t n)
{
	if (o && o->names && o->names[i])
		return o->names[i];
	snprintf(buf, n, "input %zu", i + 1);
	return buf;
}

void pgo_describe_types(const pgo_profile *p, char *buf, size_t n)
{
	size_t used = 0;
	buf[0] = '\0';
	for (uint32_t i = 0; i < p->n_sample_types && used < n; i++) {
		int w = snprintf(buf + used, n - used, "%s%s/%s", i ? " " : "",
		                 pgo_string(p, p->sample_types[i].type, NULL),
		                 pgo_string(p, p->sample_types[i].unit, NULL));
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

static bool same_value_type(const pgo_profile *a, pgo_value_type x, const pgo_profile *b, pgo_value_type y)
{
	return pgo_string_cmp(a, x.type, b, y.type) == 0 && pgo_string_cmp(a, x.unit, b, y.unit) == 0;
}

/* Inputs merge only if period type and sample types (in order) are equal. */
pgo_status pgo_check_compatible(const pgo_profile *a, const char *a_name, const pgo_profile *b,
                                   const char *b_name, pgo_error *err)
{
	char t0[160], t1[160];
	if (!same_value_type(a, a->period_type, b, b->period_type))
		return pgo_fail(err, PGO_ERR_INCOMPATIBLE,
		                "%s: period type %s/%s differs from %s/%s in %s; only profiles of one kind merge",
		                b_name, pgo_string(b, b->period_type.type, NULL), pgo_string(b, b->period_type.unit, NULL),
		                pgo_string(a, a->period_type.type, NULL), pgo_string(a, a->period_type.unit, NULL), a_name);
	bool same = a->n_sample_types == b->n_sample_types;
	for (uint32_t j = 0; same && j < a->n_sample_types; j++)
		same = same_value_type(a, a->sample_types[j], b, b->sample_types[j]);
	if (same)
		return PGO_OK;
	pgo_describe_types(a, t0, sizeof t0);
	pgo_describe_types(b, t1, sizeof t1);
	return pgo_fail(err, PGO_ERR_INCOMPATIBLE,
	                "%s: sample types [%s] differ from [%s] in %s; only profiles of one kind merge",
	                b_name, t1, t0, a_name);
}

/* Folds one input's headers into the output. time_nanos is the earliest
 * nonzero start (pprof lets a later zero reset it; we do not). */
static pgo_status combine_headers(merger *m, const pgo_profile *p)
{
	pgo_profile *o = m->out;
	if (m->n_added == 0) {
		for (uint32_t i = 0; i < p->n_sample_types; i++) {
			pgo_value_type vt;
			if (map_string(m, p->sample_types[i].type, &vt.type) ||
			    map_string(m, p->sample_types[i].unit, &vt.unit) ||
			    PGO_GROW(o->sample_types, o->cap_sample_types, (uint64_t)o->n_sample_types + 1))
				return oom(m);
			o->sample_types[o->n_sample_types++] = vt;
		}
		if (map_string(m, p->period_type.type, &o->period_type.type) ||
		    map_string(m, p->period_type.unit, &o->period_type.unit) ||
		    map_string(m, p->drop_frames, &o->drop_frames) || map_string(m, p->keep_frames, &o->keep_frames))
			return PGO_ERR_NOMEM;
	}
	if (p->time_nanos && (!o->time_nanos || p->time_nanos < o->time_nanos))
		o->time_nanos = p->time_nanos;
	o->duration_nanos = pgo_wrap_add(o->duration_nanos, p->duration_nanos);
	if (o->period == 0 || o->period < p->period)
		o->period = p->period;
	for (uint32_t c = 0; c < p->n_comments; c++) {
		pgo_str s = 0;
		if (map_string(m, p->comments[c], &s))
			return PGO_ERR_NOMEM;
		bool seen = false;
		for (uint32_t j = 0; j < o->n_comments && !seen; j++)
			seen = o->comments[j] == s;
		if (seen)
			continue;
		if (PGO_GROW(o->comments, o->cap_comments, (uint64_t)o->n_comments + 1))
			return oom(m);
		o->comments[o->n_comments++] = s;
	}
	if (!o->default_sample_type && p->default_sample_type &&
	    map_string(m, p->default_sample_type, &o->default_sample_type))
		return PGO_ERR_NOMEM;
	if (!o->doc_url && p->doc_url && map_string(m, p->doc_url, &o->doc_url))
		return PGO_ERR_NOMEM;
	return PGO_OK;
}

/* ---- canonical input order ---------------------------------------- */

static uint64_t hash_str(const pgo_profile *p, pgo_str s)
{
	size_t len;
	const char *str = pgo_string(p, s, &len);
	/* fixed seed: fingerprints set the canonical order, which reaches the output */
	return pgo_hash_bytes(str, len, 0x5eed);
}

/*
 * A fingerprint of everything that can make a merge's output depend on
 * which input comes first: samples in order with their stacks resolved to
 * content, the main mapping, and the headers taken from a first input.
 * Unkeyed: through the order it reaches the output; collisions only tie.
 */
static pgo_status fingerprint(const pgo_profile *p, uint64_t *out)
{
	uint64_t *fn = malloc(((size_t)p->n_functions + 1) * sizeof *fn);
	uint64_t *mp = malloc(((size_t)p->n_mappings + 1) * sizeof *mp);
	uint64_t *loc = malloc(((size_t)p->n_locations + 1) * sizeof *loc);
	if (!fn || !mp || !loc) {
		free(fn);
		free(mp);
		free(loc);
		return PGO_ERR_NOMEM;
	}
	for (uint32_t i = 0; i < p->n_functions; i++) {
		const pgo_function *f = &p->functions[i];
		uint64_t h = pgo_mix(hash_str(p, f->name), hash_str(p, f->system_name));
		h = pgo_mix(h, hash_str(p, f->filename));
		fn[i] = pgo_mix(h, (uint64_t)f->start_line);
	}
	for (uint32_t i = 0; i < p->n_mappings; i++) {
		const pgo_mapping *m = &p->mappings[i];
		uint64_t h = pgo_mix(m->memory_start, m->memory_limit);
		h = pgo_mix(h, m->file_offset);
		h = pgo_mix(h, hash_str(p, m->filename));
		h = pgo_mix(h, hash_str(p, m->build_id));
		mp[i] = pgo_mix(h, (uint64_t)m->has_functions | (uint64_t)m->has_filenames << 1 |
		                   (uint64_t)m->has_line_numbers << 2 | (uint64_t)m->has_inline_frames << 3);
	}
	for (uint32_t i = 0; i < p->n_locations; i++) {
		const pgo_location *l = &p->locations[i];
		uint64_t h = pgo_mix(l->address, l->mapping == PGO_NONE ? 1 : mp[l->mapping]);
		h = pgo_mix(h, l->is_folded);
		for (uint32_t j = 0; j < l->n_lines; j++) {
			const pgo_line *ln = &p->lines[l->lines_at + j];
			h = pgo_mix(h, ln->function == PGO_NONE ? 2 : fn[ln->function]);
			h = pgo_mix(h, (uint64_t)ln->line);
			h = pgo_mix(h, (uint64_t)ln->column);
		}
		loc[i] = h;
	}
	uint64_t h = pgo_mix(p->n_samples, p->n_mappings ? mp[0] : 3);
	for (uint32_t i = 0; i < p->n_samples; i++) {
		const pgo_sample *s = &p->samples[i];
		h = pgo_mix(h, s->n_locations);
		for (uint32_t j = 0; j < s->n_locations; j++)
			h = pgo_mix(h, loc[p->sample_locations[s->locations_at + j]]);
		for (uint32_t j = 0; j < p->n_sample_types; j++)
			h = pgo_mix(h, (uint64_t)p->values[(size_t)i * p->n_sample_types + j]);
		for (uint32_t j = 0; j < s->n_labels; j++) {
			const pgo_label *l = &p->labels[s->labels_at + j];
			h = pgo_mix(h, hash_str(p, l->key));
			h = pgo_mix(h, hash_str(p, l->str));
			h = pgo_mix(h, (uint64_t)l->num);
			h = pgo_mix(h, hash_str(p, l->num_unit));
		}
	}
	h = pgo_mix(h, hash_str(p, p->drop_frames));
	h = pgo_mix(h, hash_str(p, p->keep_frames));
	h = pgo_mix(h, hash_str(p, p->default_sample_type));
	h = pgo_mix(h, hash_str(p, p->doc_url));
	for (uint32_t i = 0; i < p->n_comments; i++)
		h = pgo_mix(h, hash_str(p, p->comments[i]));
	h = pgo_mix(h, (uint64_t)p->time_nanos);
	h = pgo_mix(h, (uint64_t)p->duration_nanos);
	h = pgo_mix(h, (uint64_t)p->period);
	free(fn);
	free(mp);
	free(loc);
	*out = h;
	return PGO_OK;
}

typedef struct ordered {
	uint64_t fp;
	size_t original;
	uint8_t *bytes;   /* the encoded profile, only for fingerprint ties */
	size_t size;
} ordered;

static int by_fingerprint(const void *a, const void *b)
{
	const ordered *x = a, *y = b;
	if (x->fp != y->fp)
		return x->fp < y->fp ? -1 : 1;
	return (x->original > y->original) - (x->original < y->original);
}

static int by_encoding(const void *a, const void *b)
{
	const ordered *x = a, *y = b;
	int c = memcmp(x->bytes, y->bytes, x->size < y->size ? x->size : y->size);
	if (c)
		return c;
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	/* identical encodings merge alike in either order */
	return (x->original > y->original) - (x->original < y->original);
}

/* Fingerprints can tie (equal content, or a collision): such runs are
 * ordered by their full encodings, so the order never depends on the
 * caller's. */
static pgo_status break_ties(pgo_profile *const *inputs, ordered *order, size_t n, pgo_error *err)
{
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && order[j].fp == order[i].fp)
			j++;
		if (j - i > 1) {
			for (size_t k = i; k < j; k++)
				if (pgo_encode(inputs[order[k].original], 0, &order[k].bytes, &order[k].size, err))
					return PGO_ERR_NOMEM;
			qsort(order + i, j - i, sizeof *order, by_encoding);
		}
		i = j;
	}
	return PGO_OK;
}

/* ---- the incremental merger -------------------------------------- */

pgo_status pgo_merger_new(const pgo_merge_options *options, pgo_merger **out, pgo_error *err)
{
	merger *m = calloc(1, sizeof *m);
	if (!m)
		return pgo_fail(err, PGO_ERR_NOMEM, "out of memory while merging");
	m->keep_labels = options && options->keep_labels;
	m->noinline = options ? options->noinline : NULL;
	m->seed = pgo_hash_seed();
	m->out = pgo_profile_new();
	if (!m->out || pgo_index_init(&m->fn_ix, 1024) || pgo_index_init(&m->map_ix, 16) ||
	    pgo_index_init(&m->loc_ix, 4096) || pgo_index_init(&m->sample_ix, 4096)) {
		pgo_merger_free(m);
		return pgo_fail(err, PGO_ERR_NOMEM, "out of memory while merging");
	}
	*out = m;
	return PGO_OK;
}

void pgo_merger_free(pgo_merger *m)
{
	if (!m)
		return;
	pgo_index_free(&m->fn_ix);
	pgo_index_free(&m->map_ix);
	pgo_index_free(&m->loc_ix);
	pgo_index_free(&m->sample_ix);
	free(m->str_map);
	free(m->fn_map);
	free(m->loc_map);
	free(m->map_map);
	free(m->lines);
	free(m->locs);
	for (int k = 0; k < PIPELINE; k++)
		free(m->pending[k].locs);
	free(m->labels);
	free(m->scaled);
	free(m->first_name);
	pgo_profile_free(m->out);
	free(m);
}

static pgo_status merger_add(pgo_merger *m, const pgo_profile *p, const char *name, double scale, bool weighted,
                             pgo_error *err);

pgo_status pgo_merger_add(pgo_merger *m, const pgo_profile *p, const char *name, pgo_error *err)
{
	return merger_add(m, p, name, 1.0, false, err);
}

pgo_status pgo_merger_add_scaled(pgo_merger *m, const pgo_profile *p, const char *name, double scale,
                                 pgo_error *err)
{
	return merger_add(m, p, name, scale, true, err);
}

static pgo_status merger_add(pgo_merger *m, const pgo_profile *p, const char *name, double scale, bool weighted,
                             pgo_error *err)
{
	m->err = err;
	if (!name)
		name = "<input>";
	if (!m->out)
		return pgo_fail(err, PGO_ERR_ARGUMENT, "%s: the merger has already finished", name);
	if (!isfinite(scale) || !(scale > 0))
		return pgo_fail(err, PGO_ERR_ARGUMENT, "%s: weight %g: a weight must be a finite number greater than 0",
		                name, scale);
	m->scale = scale;
	m->in_name = name;
	if (weighted)
		m->checked = true;
	if (m->n_added == 0) {
		m->first_name = strdup(name);
		if (!m->first_name)
			return oom(m);
	} else {
		pgo_status st = pgo_check_compatible(m->out, m->first_name, p, name, err);
		if (st)
			return st;
	}
	m->in = p;
	if (PGO_GROW(m->str_map, m->cap_str, p->strings.count) ||
	    PGO_GROW(m->fn_map, m->cap_fn, (uint64_t)p->n_functions + 1) ||
	    PGO_GROW(m->loc_map, m->cap_loc, (uint64_t)p->n_locations + 1) ||
	    PGO_GROW(m->map_map, m->cap_map, (uint64_t)p->n_mappings + 1))
		return oom(m);
	memset(m->str_map, 0xff, p->strings.count * sizeof *m->str_map);
	memset(m->fn_map, 0xff, p->n_functions * sizeof *m->fn_map);
	memset(m->loc_map, 0xff, p->n_locations * sizeof *m->loc_map);
	for (uint32_t j = 0; j < p->n_mappings; j++)
		m->map_map[j].index = PGO_NONE;
	if (combine_headers(m, p))
		return PGO_ERR_NOMEM;
	m->n_added++;
	/* The first mapping is the main binary by convention: keep it first. */
	mapped_mapping ignored;
	if (m->out->n_mappings == 0 && p->n_mappings > 0 && map_mapping(m, 0, &ignored))
		return PGO_ERR_NOMEM;
	if (m->scale == 1.0 && !m->keep_labels)
		return map_samples_pipelined(m);
	for (uint32_t j = 0; j < p->n_samples; j++) {
		pgo_status st = map_sample(m, j);
		if (st)
			return st;
	}
	return PGO_OK;
}

static bool has_zero_sample(const pgo_profile *p)
{
	for (uint32_t i = 0; i < p->n_samples; i++)
		if (all_zero(p->values + (size_t)i * p->n_sample_types, p->n_sample_types))
			return true;
	return false;
}

/* Merges p with nothing, which drops zero samples and unreferenced
 * entities and folds equal entities together. */
static pgo_status remerge(pgo_profile **p, bool checked, pgo_error *err)
{
	pgo_merger *again = NULL;
	pgo_merge_options keep = {.keep_labels = true};
	pgo_profile *out = NULL;
	pgo_status st = pgo_merger_new(&keep, &again, err);
	if (!st) {
		again->checked = checked;
		st = pgo_merger_add(again, *p, "merged profile", err);
	}
	if (!st)
		st = pgo_merger_finish(again, &out, err);
	pgo_merger_free(again);
	if (st)
		return st;
	pgo_profile_free(*p);
	*p = out;
	return PGO_OK;
}

/* A rename can make a function equal to one already there (merging a
 * default.pgo that was renamed before with a fresh profile). */
static pgo_status has_duplicate_function(const pgo_profile *p, bool *dup)
{
	pgo_index ix;
	uint64_t seed = pgo_hash_seed();
	*dup = false;
	if (pgo_index_init(&ix, p->n_functions))
		return PGO_ERR_NOMEM;
	for (uint32_t i = 0; i < p->n_functions && !*dup; i++) {
		uint64_t h = function_hash(&p->functions[i], seed);
		uint32_t slot;
		if (pgo_index_find(&ix, h, function_eq, p, &p->functions[i], &slot) != PGO_NONE)
			*dup = true;
		else if (pgo_index_insert(&ix, slot, h, i)) {
			pgo_index_free(&ix);
			return PGO_ERR_NOMEM;
		}
	}
	pgo_index_free(&ix);
	return PGO_OK;
}

pgo_status pgo_merger_finish(pgo_merger *m, pgo_profile **out, pgo_error *err)
{
	*out = NULL;
	if (!m->out || m->n_added == 0)
		return pgo_fail(err, PGO_ERR_ARGUMENT, "no profiles to merge");
	pgo_profile *merged = m->out;
	m->out = NULL;
	pgo_status st = PGO_OK;
	/* Samples that cancelled out leave garbage; a second pass collects it. */
	if (has_zero_sample(merged))
		st = remerge(&merged, m->checked, err);
	/* datadog-pgo renames after merging; so do we, then fold any duplicates. */
	uint32_t renamed = 0;
	if (!st && m->noinline)
		st = pgo_rename_noinline(merged, m->noinline, &renamed, err);
	bool dup = false;
	if (!st && renamed && !(st = has_duplicate_function(merged, &dup)) && dup)
		st = remerge(&merged, m->checked, err);
	if (st) {
		if (st == PGO_ERR_NOMEM)
			pgo_fail(err, st, "out of memory while merging");
		pgo_profile_free(merged);
		return st;
	}
	*out = merged;
	return PGO_OK;
}

/* Fills the content's CRC-32 and size, and with full its 128-bit hash too:
 * of the decompressed bytes, or of the bytes when they do not decompress. */
static pgo_status fingerprint_content(const uint8_t *data, size_t size, bool full, pgo_fingerprint *out)
{
	const uint8_t *content = data;
	uint8_t *raw = NULL;
	bool compressed = pgo_sniff(data, size) != PGO_COMPRESSION_NONE;
	if (compressed) {
		pgo_limits limits;
		pgo_limits_default(&limits);
		size_t raw_size = 0;
		/* checked as it streams: a bomb or junk stops early, and is placed by its bytes */
		pgo_status st = pgo_decompress_profile(data, size, "input", &limits, &raw, &raw_size, NULL);
		if (st == PGO_ERR_NOMEM)
			return st;
		if (st == PGO_OK) {
			content = raw;
			size = raw_size;
			compressed = false; /* placed by content, like a raw input */
		}
	}
	if (!full) {
		out->compressed = compressed;
		out->crc = (uint32_t)libdeflate_crc32(0, content, size);
		out->size32 = (uint32_t)size;
	}
	/* fixed seeds: the fingerprint sets the canonical order, which reaches the output */
	out->hash[0] = pgo_hash_bytes(content, size, 0x0bde12);
	out->hash[1] = pgo_hash_bytes(content, size, 0x51ed27);
	out->refined = true;
	free(raw);
	return PGO_OK;
}

pgo_status pgo_fingerprint_input(const uint8_t *data, size_t size, pgo_fingerprint *out)
{
	memset(out, 0, sizeof *out);
	pgo_compression c = pgo_sniff(data, size);
	if (c == PGO_COMPRESSION_NONE) {
		out->crc = (uint32_t)libdeflate_crc32(0, data, size);
		out->size32 = (uint32_t)size;
		return PGO_OK;
	}
	/* gzip records its content's CRC: no need to inflate it here */
	if (c == PGO_COMPRESSION_GZIP && pgo_gzip_content_crc(data, size, &out->crc, &out->size32))
		return PGO_OK;
	return fingerprint_content(data, size, false, out);
}

pgo_status pgo_fingerprint_refine(const uint8_t *data, size_t size, pgo_fingerprint *fp)
{
	return fp->refined ? PGO_OK : fingerprint_content(data, size, true, fp);
}

int pgo_fingerprint_cmp(const pgo_fingerprint *x, const pgo_fingerprint *y)
{
	if (x->crc != y->crc)
		return x->crc < y->crc ? -1 : 1;
	if (x->size32 != y->size32)
		return x->size32 < y->size32 ? -1 : 1;
	if (x->compressed != y->compressed)
		return (int)x->compressed - (int)y->compressed;
	if (!x->refined || !y->refined)
		return 0;
	for (int k = 0; k < 2; k++)
		if (x->hash[k] != y->hash[k])
			return x->hash[k] < y->hash[k] ? -1 : 1;
	return 0;
}

typedef struct byte_input {
	const uint8_t *data;
	size_t size;
	pgo_fingerprint fp;
	size_t original;
} byte_input;

typedef struct fingerprint_job {
	byte_input *in;
	size_t n, next, step;
	int failed;
} fingerprint_job;

static void *fingerprint_some(void *arg)
{
	fingerprint_job *j = arg;
	for (size_t i = j->next; i < j->n && !j->failed; i += j->step)
		if (pgo_fingerprint_input(j->in[i].data, j->in[i].size, &j->in[i].fp))
			j->failed = 1;
	return NULL;
}

static int by_fingerprint_then_index(const void *a, const void *b)
{
	const byte_input *x = a, *y = b;
	int c = pgo_fingerprint_cmp(&x->fp, &y->fp);
	if (c)
		return c;
	/* The same content (to 128 bits, once refined): either order merges alike. */
	return (x->original > y->original) - (x->original < y->original);
}

pgo_status pgo_canonical_order(const uint8_t *const *data, const size_t *sizes, size_t n, size_t *order)
{
	byte_input *in = malloc((n ? n : 1) * sizeof *in);
	if (!in)
		return PGO_ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		in[i] = (byte_input){.data = data[i], .size = sizes[i], .original = i};
	/* Two workers take every other input. */
	fingerprint_job jobs[2] = {{in, n, 0, 2, 0}, {in, n, 1, 2, 0}};
	pthread_t t;
	bool threaded = n > 1 && pthread_create(&t, NULL, fingerprint_some, &jobs[1]) == 0;
	if (!threaded)
		jobs[0].step = 1;
	fingerprint_some(&jobs[0]);
	if (threaded)
		pthread_join(t, NULL);
	if (jobs[0].failed || jobs[1].failed) {
		free(in);
		return PGO_ERR_NOMEM;
	}
	qsort(in, n, sizeof *in, by_fingerprint_then_index);
	/* Equal CRCs and sizes: most likely one content twice, but the full
	 * hashes decide, so that no order of arguments can show through. */
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && pgo_fingerprint_cmp(&in[i].fp, &in[j].fp) == 0; j++)
			;
		if (j - i < 2)
			continue;
		for (size_t k = i; k < j; k++)
			if (pgo_fingerprint_refine(in[k].data, in[k].size, &in[k].fp)) {
				free(in);
				return PGO_ERR_NOMEM;
			}
		qsort(in + i, j - i, sizeof *in, by_fingerprint_then_index);
	}
	for (size_t i = 0; i < n; i++)
		order[i] = in[i].original;
	free(in);
	return PGO_OK;
}

pgo_status pgo_merge(pgo_profile *const *inputs, size_t n, const pgo_merge_options *options,
                     pgo_profile **out, pgo_error *err)
{
	*out = NULL;
	if (n == 0)
		return pgo_fail(err, PGO_ERR_ARGUMENT, "no profiles to merge");
	char a[32], b[32];
	for (size_t i = 1; i < n; i++) {
		pgo_status st = pgo_check_compatible(inputs[0], input_name(options, 0, a, sizeof a), inputs[i],
		                                 input_name(options, i, b, sizeof b), err);
		if (st)
			return st;
	}
	ordered *order = malloc(n * sizeof *order);
	if (!order)
		return pgo_fail(err, PGO_ERR_NOMEM, "out of memory while merging");
	for (size_t i = 0; i < n; i++) {
		order[i] = (ordered){.original = i};
		if (fingerprint(inputs[i], &order[i].fp)) {
			free(order);
			return pgo_fail(err, PGO_ERR_NOMEM, "out of memory while merging");
		}
	}
	qsort(order, n, sizeof *order, by_fingerprint);
	pgo_merger *m = NULL;
	pgo_status st = break_ties(inputs, order, n, err);
	for (size_t i = 0; i < n; i++) {
		free(order[i].bytes);
		order[i].bytes = NULL;
	}
	if (!st)
		st = pgo_merger_new(options, &m, err);
	for (size_t i = 0; i < n && !st; i++) {
		size_t k = order[i].original;
		st = pgo_merger_add(m, inputs[k], input_name(options, k, a, sizeof a), err);
	}
	if (!st)
		st = pgo_merger_finish(m, out, err);
	pgo_merger_free(m);
	free(order);
	return st;
}
