/*
 * The pprof wire decoder.
 *
 * pprof writes the string table after the entities that index it, and
 * samples before the locations they reference, so the top-level message is
 * walked in passes: strings and counts first, then mappings and functions,
 * then locations, then samples. Each pass skips the fields it does not own
 * by length, which costs little next to decoding them.
 */
#include "internal.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>

/* Top-level Profile fields. */
enum {
	F_SAMPLE_TYPE = 1, F_SAMPLE, F_MAPPING, F_LOCATION, F_FUNCTION, F_STRING_TABLE,
	F_DROP_FRAMES, F_KEEP_FRAMES, F_TIME_NANOS, F_DURATION_NANOS, F_PERIOD_TYPE,
	F_PERIOD, F_COMMENT, F_DEFAULT_SAMPLE_TYPE, F_DOC_URL,
};

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };

typedef struct decoder {
	const uint8_t *base;
	size_t size;
	bool values_reserved; /* values[] already holds a row for every sample */
	const char *name;
	const char *where;    /* after an offset: "" or " of the decompressed data" */
	const pgo_limits *limits;
	uint32_t keep_frames; /* 0: all */
	pgo_error *err;
	pgo_profile *p;
	/* The values-only pass (pgo_sum_values): strings stay where they are
	 * (str_offs[i] is the offset of entry i's key, and pgo_str values hold
	 * raw indices), lines, location ids, labels and comments are counted
	 * but not stored, and values go straight into sums. */
	pgo_value_sums *sums;
	size_t *str_offs;
	pgo_str *strmap;     /* raw string index -> interned id */
	uint32_t n_raw_strings;
	/* entity ID -> index lookups */
	uint32_t *map_dense, *fn_dense, *loc_dense;
	uint64_t map_dense_n, fn_dense_n, loc_dense_n;
	pgo_index map_ix, fn_ix, loc_ix;
	/* top-level fields found by the first pass, by the pass that decodes
	 * them, each by the offset of its key, to stay small */
	size_t *sample_fields, *location_fields, *other_fields;
	uint32_t n_sample_fields, n_location_fields, n_other_fields;
	uint32_t cap_sample_fields, cap_location_fields, cap_other_fields;
	/* where each entity's message starts, for errors about its ID */
	size_t *map_offs, *fn_offs, *loc_offs;
	uint32_t cap_map_offs, cap_fn_offs, cap_loc_offs;
} decoder;

static pgo_status note_offset(decoder *d, size_t **offs, uint32_t *cap, uint32_t index, size_t offset)
{
	if (PGO_GROW(*offs, *cap, (uint64_t)index + 1))
		return PGO_ERR_NOMEM;
	(*offs)[index] = offset;
	return PGO_OK;
}

/* A field as read off the wire. */
typedef struct field {
	uint32_t number;
	int type;
	uint64_t u;             /* varint and fixed values */
	const uint8_t *data;    /* length-delimited payload */
	size_t len;
	size_t offset;          /* offset of the field's key */
} field;

static size_t off(const decoder *d, const uint8_t *p)
{
	return (size_t)(p - d->base);
}

static pgo_status bad(decoder *d, size_t offset, const char *fmt, ...) PGO_PRINTF(3, 4);
static pgo_status bad(decoder *d, size_t offset, const char *fmt, ...)
{
	char what[360];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return pgo_fail(d->err, PGO_ERR_FORMAT, "%s: offset %zu%s: %s", d->name, offset, d->where, what);
}

static pgo_status invalid(decoder *d, size_t offset, const char *fmt, ...) PGO_PRINTF(3, 4);
static pgo_status invalid(decoder *d, size_t offset, const char *fmt, ...)
{
	char what[360];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return pgo_fail(d->err, PGO_ERR_INVALID, "%s: offset %zu%s: %s", d->name, offset, d->where, what);
}

static pgo_status over_limit(decoder *d, size_t offset, const char *what, uint64_t limit)
{
	return pgo_fail(d->err, PGO_ERR_LIMIT, "%s: offset %zu%s: more than %" PRIu64 " %s (limit)",
	                d->name, offset, d->where, limit, what);
}

static pgo_status nomem(decoder *d)
{
	return pgo_fail(d->err, PGO_ERR_NOMEM, "%s: out of memory while decoding", d->name);
}

static PGO_NOINLINE pgo_status read_varint_slow(decoder *d, const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
	const uint8_t *p = *pp;
	uint64_t v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (PGO_UNLIKELY(p >= end))
			return bad(d, off(d, *pp), "varint runs past the end of its message");
		uint8_t b = *p++;
		if (shift == 63 && b > 1)
			return bad(d, off(d, *pp), "varint overflows 64 bits");
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*pp = p;
			*out = v;
			return PGO_OK;
		}
	}
	return bad(d, off(d, *pp), "varint is longer than 10 bytes");
}

/* Decoded inline whenever ten bytes remain, which is nearly always. */
static PGO_INLINE pgo_status read_varint(decoder *d, const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
	const uint8_t *p = *pp;
	ptrdiff_t avail = end - p;
	if (PGO_LIKELY(avail > 0)) {
		int n = avail < 9 ? (int)avail : 9;
		uint64_t v = 0;
		for (int i = 0; i < n; i++) {
			uint8_t b = p[i];
			v |= (uint64_t)(b & 0x7f) << (7 * i);
			if (b < 0x80) {
				*pp = p + i + 1;
				*out = v;
				return PGO_OK;
			}
		}
	}
	return read_varint_slow(d, pp, end, out);
}

/* Reads one field; *pp advances past it. */
static PGO_INLINE pgo_status read_field(decoder *d, const uint8_t **pp, const uint8_t *end, field *f)
{
	pgo_status st;
	uint64_t key = 0;
	f->u = 0;
	f->offset = off(d, *pp);
	if ((st = read_varint(d, pp, end, &key)))
		return st;
	if (key >> 3 == 0 || key >> 3 > 0x1fffffff)
		return bad(d, f->offset, "field number %" PRIu64 " is not valid", key >> 3);
	f->number = (uint32_t)(key >> 3);
	f->type = (int)(key & 7);
	const uint8_t *p = *pp;
	switch (f->type) {
	case WT_VARINT:
		return read_varint(d, pp, end, &f->u);
	case WT_I64:
		if (end - p < 8)
			return bad(d, f->offset, "fixed64 field %u runs past the end of its message", f->number);
		memcpy(&f->u, p, 8);
		*pp = p + 8;
		return PGO_OK;
	case WT_I32: {
		uint32_t v;
		if (end - p < 4)
			return bad(d, f->offset, "fixed32 field %u runs past the end of its message", f->number);
		memcpy(&v, p, 4);
		f->u = v;
		*pp = p + 4;
		return PGO_OK;
	}
	case WT_LEN: {
		uint64_t n = 0;
		if ((st = read_varint(d, pp, end, &n)))
			return st;
		if (n > (uint64_t)(end - *pp))
			return bad(d, f->offset, "field %u claims %" PRIu64 " bytes but only %zu remain",
			           f->number, n, (size_t)(end - *pp));
		f->data = *pp;
		f->len = (size_t)n;
		*pp += n;
		return PGO_OK;
	}
	default:
		return bad(d, f->offset, "field %u has wire type %d, which pprof never uses (groups are not supported)",
		           f->number, f->type);
	}
}

static pgo_status want_type(decoder *d, const field *f, int type, const char *what)
{
	if (f->type == type)
		return PGO_OK;
	return bad(d, f->offset, "%s (field %u) has wire type %d, expected %d", what, f->number, f->type, type);
}

static pgo_status str_at(decoder *d, const field *f, const char *what, pgo_str *out)
{
	pgo_status st = want_type(d, f, WT_VARINT, what);
	if (st)
		return st;
	if (f->u >= d->n_raw_strings)
		return invalid(d, f->offset, "%s: string index %" PRIu64 " is outside the string table of %u entries",
		               what, f->u, d->n_raw_strings);
	*out = d->sums ? (pgo_str)f->u : d->strmap[f->u];
	return PGO_OK;
}

/* Calls fn for each varint of a repeated scalar field, packed or not. */
typedef pgo_status (*scalar_fn)(decoder *d, void *ctx, uint64_t v, size_t offset);

static pgo_status each_scalar(decoder *d, const field *f, const char *what, scalar_fn fn, void *ctx)
{
	if (f->type == WT_VARINT)
		return fn(d, ctx, f->u, f->offset);
	if (f->type != WT_LEN)
		return bad(d, f->offset, "%s (field %u) has wire type %d, expected a varint or packed varints",
		           what, f->number, f->type);
	const uint8_t *p = f->data, *end = f->data + f->len;
	while (p < end) {
		uint64_t v = 0;
		size_t at = off(d, p);
		pgo_status st = read_varint(d, &p, end, &v);
		if (!st)
			st = fn(d, ctx, v, at);
		if (st)
			return st;
	}
	return PGO_OK;
}

/* ---- pass 1: the string table and entity counts ------------------- */

typedef struct counts {
	uint64_t sample_types, samples, mappings, locations, functions, strings, comments;
	uint64_t sample_bytes, location_bytes; /* bound the ids and lines they can hold */
} counts;

static pgo_status scan_top(decoder *d, const uint8_t *data, size_t size, counts *c)
{
	const uint8_t *p = data, *end = data + size;
	pgo_status st;
	uint32_t cap = 0;
	while (p < end) {
		field f;
		if ((st = read_field(d, &p, end, &f)))
			return st;
		switch (f.number) {
		case F_SAMPLE:
			if (++c->samples > d->limits->max_samples)
				return over_limit(d, f.offset, "samples", d->limits->max_samples);
			if (PGO_GROW(d->sample_fields, d->cap_sample_fields, c->samples))
				return nomem(d);
			d->sample_fields[d->n_sample_fields++] = f.offset;
			c->sample_bytes += f.len;
			continue;
		case F_LOCATION:
			if (++c->locations > d->limits->max_locations)
				return over_limit(d, f.offset, "locations", d->limits->max_locations);
			if (PGO_GROW(d->location_fields, d->cap_location_fields, c->locations))
				return nomem(d);
			d->location_fields[d->n_location_fields++] = f.offset;
			c->location_bytes += f.len;
			continue;
		case F_SAMPLE_TYPE: c->sample_types++; break;
		case F_MAPPING: c->mappings++; break;
		case F_FUNCTION: c->functions++; break;
		case F_COMMENT: c->comments++; break;
		case F_STRING_TABLE:
			if ((st = want_type(d, &f, WT_LEN, "string_table entry")))
				return st;
			if (d->n_raw_strings >= d->limits->max_strings)
				return over_limit(d, f.offset, "strings", d->limits->max_strings);
			if (d->n_raw_strings == 0 && f.len != 0)
				return invalid(d, f.offset, "string_table[0] must be \"\" but has %zu bytes", f.len);
			if (d->sums) {
				/* the only way pgo_intern refuses a string, besides memory */
				if (f.len > UINT32_MAX - 1)
					return over_limit(d, f.offset, "string bytes", UINT32_MAX);
				if (PGO_GROW(d->str_offs, cap, (uint64_t)d->n_raw_strings + 1))
					return nomem(d);
				d->str_offs[d->n_raw_strings++] = f.offset;
				continue;
			}
			if (PGO_GROW(d->strmap, cap, (uint64_t)d->n_raw_strings + 1))
				return nomem(d);
			if ((st = pgo_intern(d->p, (const char *)f.data, f.len, &d->strmap[d->n_raw_strings])))
				return st == PGO_ERR_NOMEM ? nomem(d) : over_limit(d, f.offset, "string bytes", UINT32_MAX);
			d->n_raw_strings++;
			continue;
		default:
			if (f.number > F_DOC_URL)
				continue; /* unknown: skipped, as protobuf says */
			break;
		}
		/* everything else is decoded by the headers pass */
		if (PGO_GROW(d->other_fields, d->cap_other_fields, (uint64_t)d->n_other_fields + 1))
			return nomem(d);
		d->other_fields[d->n_other_fields++] = f.offset;
	}
	if (d->n_raw_strings == 0)
		return invalid(d, 0, "the string table is empty; entry 0 must be \"\"");
	const pgo_limits *l = d->limits;
	if (c->sample_types > l->max_sample_types)
		return over_limit(d, 0, "sample types", l->max_sample_types);
	if (c->samples > l->max_samples)
		return over_limit(d, 0, "samples", l->max_samples);
	if (c->mappings > l->max_mappings)
		return over_limit(d, 0, "mappings", l->max_mappings);
	if (c->locations > l->max_locations)
		return over_limit(d, 0, "locations", l->max_locations);
	if (c->functions > l->max_functions)
		return over_limit(d, 0, "functions", l->max_functions);
	if (c->comments > l->max_strings)
		return over_limit(d, 0, "comments", l->max_strings);
	return PGO_OK;
}

/* ---- ID maps ------------------------------------------------------ */

typedef struct id_key {
	const void *base;   /* entity array */
	size_t stride;      /* sizeof entity; the id is its first member */
} id_key;

static bool id_eq(const void *ctx, uint32_t entity, const void *key)
{
	const id_key *k = ctx;
	uint64_t id;
	memcpy(&id, (const char *)k->base + (size_t)entity * k->stride, sizeof id);
	return id == *(const uint64_t *)key;
}

/* Seeded per process: sparse IDs are the input's to choose, and only
 * looked up, so the seed never shows in the output. */
static uint64_t id_hash(uint64_t id)
{
	return pgo_mix(id, pgo_hash_seed());
}

/*
 * Indexes entities by ID, rejecting zero and duplicates. IDs are nearly
 * always dense (1..n), so a flat array serves; sparse IDs use a hash index.
 */
static pgo_status build_id_map(decoder *d, const void *base, size_t stride, uint32_t n, const size_t *offs,
                               const char *kind, uint32_t **dense, uint64_t *dense_n, pgo_index *ix)
{
	uint64_t max_id = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t id;
		memcpy(&id, (const char *)base + (size_t)i * stride, sizeof id);
		if (id == 0)
			return invalid(d, offs[i], "%s %u has the reserved ID 0", kind, i + 1);
		if (id > max_id)
			max_id = id;
	}
	if (max_id <= (uint64_t)n * 4 + 1024) {
		*dense_n = max_id + 1;
		*dense = malloc((size_t)(max_id + 1) * sizeof **dense);
		if (!*dense)
			return nomem(d);
		memset(*dense, 0xff, (size_t)(max_id + 1) * sizeof **dense);
		for (uint32_t i = 0; i < n; i++) {
			uint64_t id;
			memcpy(&id, (const char *)base + (size_t)i * stride, sizeof id);
			if ((*dense)[id] != PGO_NONE)
				return invalid(d, offs[i], "two %ss have ID %" PRIu64, kind, id);
			(*dense)[id] = i;
		}
		return PGO_OK;
	}
	if (pgo_index_init(ix, n))
		return nomem(d);
	id_key k = {base, stride};
	for (uint32_t i = 0; i < n; i++) {
		uint64_t id;
		uint32_t slot;
		memcpy(&id, (const char *)base + (size_t)i * stride, sizeof id);
		if (pgo_index_find(ix, id_hash(id), id_eq, &k, &id, &slot) != PGO_NONE)
			return invalid(d, offs[i], "two %ss have ID %" PRIu64, kind, id);
		if (pgo_index_insert(ix, slot, id_hash(id), i))
			return nomem(d);
	}
	return PGO_OK;
}

static PGO_INLINE uint32_t lookup_id(const uint32_t *dense, uint64_t dense_n, const pgo_index *ix,
                          const void *base, size_t stride, uint64_t id)
{
	if (dense)
		return id < dense_n ? dense[id] : PGO_NONE;
	if (!ix->slots)
		return PGO_NONE;
	id_key k = {base, stride};
	uint32_t slot;
	return pgo_index_find(ix, id_hash(id), id_eq, &k, &id, &slot);
}

/* ---- messages ----------------------------------------------------- */

static pgo_status decode_value_type(decoder *d, const field *outer, const char *what, pgo_value_type *vt)
{
	pgo_status st = want_type(d, outer, WT_LEN, what);
	if (st)
		return st;
	const uint8_t *p = outer->data, *end = p + outer->len;
	vt->type = vt->unit = 0;
	while (p < end) {
		field f;
		if ((st = read_field(d, &p, end, &f)))
			return st;
		if (f.number == 1)
			st = str_at(d, &f, "value type's type", &vt->type);
		else if (f.number == 2)
			st = str_at(d, &f, "value type's unit", &vt->unit);
		if (st)
			return st;
	}
	return PGO_OK;
}

static pgo_status decode_mapping(decoder *d, const field *outer)
{
	pgo_status st = want_type(d, outer, WT_LEN, "mapping");
	if (st)
		return st;
	pgo_mapping m = {0};
	const uint8_t *p = outer->data, *end = p + outer->len;
	while (p < end) {
		field f;
		if ((st = read_field(d, &p, end, &f)))
			return st;
		switch (f.number) {
		case 1: st = want_type(d, &f, WT_VARINT, "mapping id"); m.id = f.u; break;
		case 2: st = want_type(d, &f, WT_VARINT, "mapping memory_start"); m.memory_start = f.u; break;
		case 3: st = want_type(d, &f, WT_VARINT, "mapping memory_limit"); m.memory_limit = f.u; break;
		case 4: st = want_type(d, &f, WT_VARINT, "mapping file_offset"); m.file_offset = f.u; break;
		case 5: st = str_at(d, &f, "mapping filename", &m.filename); break;
		case 6: st = str_at(d, &f, "mapping build_id", &m.build_id); break;
		case 7: st = want_type(d, &f, WT_VARINT, "mapping has_functions"); m.has_functions = f.u != 0; break;
		case 8: st = want_type(d, &f, WT_VARINT, "mapping has_filenames"); m.has_filenames = f.u != 0; break;
		case 9: st = want_type(d, &f, WT_VARINT, "mapping has_line_numbers"); m.has_line_numbers = f.u != 0; break;
		case 10: st = want_type(d, &f, WT_VARINT, "mapping has_inline_frames"); m.has_inline_frames = f.u != 0; break;
		default: break;
		}
		if (st)
			return st;
	}
	pgo_profile *pr = d->p;
	if (m.id == 0)
		return invalid(d, outer->offset, "mapping %u has the reserved ID 0", pr->n_mappings + 1);
	if (PGO_GROW(pr->mappings, pr->cap_mappings, (uint64_t)pr->n_mappings + 1) ||
	    note_offset(d, &d->map_offs, &d->cap_map_offs, pr->n_mappings, outer->offset))
		return nomem(d);
	pr->mappings[pr->n_mappings++] = m;
	return PGO_OK;
}

static pgo_status decode_function(decoder *d, const field *outer)
{
	pgo_status st = want_type(d, outer, WT_LEN, "function");
	if (st)
		return st;
	pgo_function fn = {0};
	const uint8_t *p = outer->data, *end = p + outer->len;
	while (p < end) {
		field f;
		if ((st = read_field(d, &p, end, &f)))
			return st;
		switch (f.number) {
		case 1: st = want_type(d, &f, WT_VARINT, "function id"); fn.id = f.u; break;
		case 2: st = str_at(d, &f, "function name", &fn.name); break;
		case 3: st = str_at(d, &f, "function system_name", &fn.system_name); break;
		case 4: st = str_at(d, &f, "function filename", &fn.filename); break;
		case 5: st = want_type(d, &f, WT_VARINT, "function start_line"); fn.start_line = (int64_t)f.u; break;
		default: break;
		}
		if (st)
			return st;
	}
	pgo_profile *pr = d->p;
	if (fn.id == 0)
		return invalid(d, outer->offset, "function %u has the reserved ID 0", pr->n_functions + 1);
	if (PGO_GROW(pr->functions, pr->cap_functions, (uint64_t)pr->n_functions + 1) ||
	    note_offset(d, &d->fn_offs, &d->cap_fn_offs, pr->n_functions, outer->offset))
		return nomem(d);
	pr->functions[pr->n_functions++] = fn;
	return PGO_OK;
}

static pgo_status decode_line(decoder *d, const field *outer, uint64_t loc_id)
{
	pgo_status st = want_type(d, outer, WT_LEN, "location line");
	if (st)
		return st;
	pgo_profile *pr = d->p;
	pgo_line ln = {.function = PGO_NONE};
	const uint8_t *p = outer->data, *end = p + outer->len;
	while (p < end) {
		field f;
		if ((st = read_field(d, &p, end, &f)))
			return st;
		switch (f.number) {
		case 1:
			if ((st = want_type(d, &f, WT_VARINT, "line function_id")))
				return st;
			if (f.u == 0) {
				ln.function = PGO_NONE;
				break;
			}
			ln.function = lookup_id(d->fn_dense, d->fn_dense_n, &d->fn_ix, pr->functions,
			                        sizeof *pr->functions, f.u);
			if (ln.function == PGO_NONE)
				return invalid(d, f.offset, "location %" PRIu64 " references function %" PRIu64
				               ", which does not exist", loc_id, f.u);
			break;
		case 2: st = want_type(d, &f, WT_VARINT, "line number"); ln.line = (int64_t)f.u; break;
		case 3: st = want_type(d, &f, WT_VARINT, "line column"); ln.column = (int64_t)f.u; break;
		default: break;
		}
		if (st)
			return st;
	}
	if (pr->n_lines >= d->limits->max_lines)
		return over_limit(d, outer->offset, "location lines", d->limits->max_lines);
	if (d->sums) {
		pr->n_lines++;
		return PGO_OK;
	}
	if (PGO_GROW(pr->lines, pr->cap_lines, (uint64_t)pr->n_lines + 1))
		return nomem(d);
	pr->lines[pr->n_lines++] = ln;
	return PGO_OK;
}

static pgo_status decode_location(decoder *d, const field *outer)
{
	pgo_status st = want_type(d, outer, WT_LEN, "location");
	if (st)
		return st;
	pgo_profile *pr = d->p;
	pgo_location loc = {.mapping = PGO_NONE, .lines_at = pr->n_lines};
	uint64_t mapping_id = 0;
	size_t mapping_off = 0;
	/* Writers put the id first; if one does not, messages about lines lack it. */
	const uint8_t *p = outer->data, *end = p + outer->len;
	while (p < end) {
		field f;
		if ((st = read_field(d, &p, end, &f)))
			return st;
		switch (f.number) {
		case 1: st = want_type(d, &f, WT_VARINT, "location id"); loc.id = f.u; break;
		case 2: st = want_type(d, &f, WT_VARINT, "location mapping_id"); mapping_id = f.u; mapping_off = f.offset; break;
		case 3: st = want_type(d, &f, WT_VARINT, "location address"); loc.address = f.u; break;
		case 4: st = decode_line(d, &f, loc.id); break;
		case 5: st = want_type(d, &f, WT_VARINT, "location is_folded"); loc.is_folded = f.u != 0; break;
		default: break;
		}
		if (st)
			return st;
	}
	loc.n_lines = pr->n_lines - loc.lines_at;
	if (loc.id == 0)
		return invalid(d, outer->offset, "location %u has the reserved ID 0", pr->n_locations + 1);
	if (mapping_id) {
		loc.mapping = lookup_id(d->map_dense, d->map_dense_n, &d->map_ix, pr->mappings,
		                        sizeof *pr->mappings, mapping_id);
		if (loc.mapping == PGO_NONE)
			return invalid(d, mapping_off, "location %" PRIu64 " references mapping %" PRIu64
			               ", which does not exist", loc.id, mapping_id);
	}
	if (PGO_GROW(pr->locations, pr->cap_locations, (uint64_t)pr->n_locations + 1) ||
	    note_offset(d, &d->loc_offs, &d->cap_loc_offs, pr->n_locations, outer->offset))
		return nomem(d);
	pr->locations[pr->n_locations++] = loc;
	return PGO_OK;
}

typedef struct sample_ctx {
	uint32_t n_values;
	uint32_t sample_no;
	uint32_t n_frames;   /* location ids seen, kept or not */
	uint32_t base;       /* this sample's first slot in sample_locations */
	uint32_t n_locs;     /* ids stored so far */
	bool fixed;          /* slots were reserved up front (parallel decoding) */
} sample_ctx;

/* store is a constant at each call: the values-only pass checks ids but keeps none. */
static PGO_INLINE pgo_status add_location_id(decoder *d, sample_ctx *c, uint64_t id, size_t offset, bool store)
{
	pgo_profile *pr = d->p;
	uint32_t idx = lookup_id(d->loc_dense, d->loc_dense_n, &d->loc_ix, pr->locations,
	                         sizeof *pr->locations, id);
	if (PGO_UNLIKELY(idx == PGO_NONE))
		return invalid(d, offset, "sample %u references location %" PRIu64 ", which does not exist",
		               c->sample_no, id);
	if (store)
		pr->sample_locations[c->base + c->n_locs] = idx;
	c->n_locs++;
	return PGO_OK;
}

/* Location ids, packed or not: the hottest loop of the decoder. */
static PGO_INLINE pgo_status location_ids(decoder *d, const field *f, sample_ctx *c, bool store)
{
	pgo_profile *pr = d->p;
	if (f->type != WT_LEN && f->type != WT_VARINT)
		return bad(d, f->offset, "sample location_id (field 1) has wire type %d, expected a varint or packed varints",
		           f->type);
	uint32_t keep = d->keep_frames ? d->keep_frames : UINT32_MAX;
	/* A packed run of n bytes holds at most n ids; an unpacked one, one. */
	uint64_t most = f->type == WT_VARINT ? 1 : f->len;
	if (most > keep - c->n_frames)
		most = keep - c->n_frames;
	if (!c->fixed && most) {
		uint64_t need = (uint64_t)c->base + c->n_locs + most;
		if (need > d->limits->max_sample_locations)
			return over_limit(d, f->offset, "sample location references", d->limits->max_sample_locations);
		if (store && PGO_GROW(pr->sample_locations, pr->cap_sample_locations, need))
			return nomem(d);
	}
	if (f->type == WT_VARINT) {
		if (c->n_frames++ >= keep)
			return PGO_OK;
		return add_location_id(d, c, f->u, f->offset, store);
	}
	const uint8_t *p = f->data, *end = f->data + f->len;
	pgo_status st;
	while (p < end) {
		if (c->n_frames >= keep) {
			/* Frames past those kept go unread; a run must still end on a whole varint. */
			if (end[-1] & 0x80)
				return bad(d, off(d, end), "packed location ids end inside a varint");
			return PGO_OK;
		}
		uint64_t id = 0;
		size_t at = off(d, p);
		if ((st = read_varint(d, &p, end, &id)) || (st = add_location_id(d, c, id, at, store)))
			return st;
		c->n_frames++;
	}
	return PGO_OK;
}

static pgo_status decode_location_ids(decoder *d, const field *f, sample_ctx *c)
{
	return location_ids(d, f, c, true);
}

static pgo_status too_many_values(decoder *d, const sample_ctx *c, size_t offset)
{
	return invalid(d, offset, "sample %u has more values than the %u sample types", c->sample_no,
	               d->p->n_sample_types);
}

/* A value added to its column's sum (the values-only pass), which stops
 * at the first value that is negative or would take it past INT64_MAX. */
static PGO_INLINE void add_value(decoder *d, sample_ctx *c, uint64_t u)
{
	pgo_value_sum *col = &d->sums->columns[c->n_values++];
	int64_t v = (int64_t)u, sum;
	if (col->bad_at)
		return;
	if (v < 0 || __builtin_add_overflow(col->sum, v, &sum)) {
		col->bad_at = c->sample_no;
		col->bad_value = v;
	} else {
		col->sum = sum;
	}
}

/* Values, packed or not, straight into the sample's row, or with row NULL
 * (a constant at each call) into the sums. */
static PGO_INLINE pgo_status decode_values(decoder *d, const field *f, sample_ctx *c, int64_t *row)
{
	uint32_t n = d->p->n_sample_types;
	if (f->type == WT_VARINT) {
		if (c->n_values >= n)
			return too_many_values(d, c, f->offset);
		if (row)
			row[c->n_values++] = (int64_t)f->u;
		else
			add_value(d, c, f->u);
		return PGO_OK;
	}
	if (f->type != WT_LEN)
		return bad(d, f->offset, "sample value (field 2) has wire type %d, expected a varint or packed varints",
		           f->type);
	const uint8_t *p = f->data, *end = f->data + f->len;
	while (p < end) {
		if (c->n_values >= n)
			return too_many_values(d, c, off(d, p));
		uint64_t v = 0;
		pgo_status st = read_varint(d, &p, end, &v);
		if (st)
			return st;
		if (row)
			row[c->n_values++] = (int64_t)v;
		else
			add_value(d, c, v);
	}
	return PGO_OK;
}

static pgo_status decode_label(decoder *d, const field *outer, pgo_label *lb)
{
	pgo_status st = want_type(d, outer, WT_LEN, "label");
	if (st)
		return st;
	memset(lb, 0, sizeof *lb);
	const uint8_t *p = outer->data, *end = p + outer->len;
	while (p < end) {
		field f;
		if ((st = read_field(d, &p, end, &f)))
			return st;
		switch (f.number) {
		case 1: st = str_at(d, &f, "label key", &lb->key); break;
		case 2: st = str_at(d, &f, "label str", &lb->str); break;
		case 3: st = want_type(d, &f, WT_VARINT, "label num"); lb->num = (int64_t)f.u; break;
		case 4: st = str_at(d, &f, "label num_unit", &lb->num_unit); break;
		default: break;
		}
		if (st)
			return st;
	}
	return PGO_OK;
}

/*
 * Decodes sample i into its slots. Sequentially, sample_locations grows as
 * ids come; with fixed slots (parallel decoding, keep_frames set), sample i
 * owns slots i * keep_frames onward and labels are not read.
 */
static pgo_status decode_sample_at(decoder *d, const field *outer, uint32_t i, uint32_t base, bool fixed,
                                   pgo_sample *out)
{
	pgo_status st = want_type(d, outer, WT_LEN, "sample");
	if (st)
		return st;
	pgo_profile *pr = d->p;
	sample_ctx c = {.sample_no = i + 1, .base = base, .fixed = fixed};
	pgo_sample s = {.locations_at = base, .labels_at = fixed ? 0 : pr->n_labels};
	/* values were preallocated for the counted samples */
	int64_t *row = pr->values + (size_t)i * pr->n_sample_types;
	const uint8_t *p = outer->data, *end = p + outer->len;
	while (p < end) {
		field f;
		if ((st = read_field(d, &p, end, &f)))
			return st;
		switch (f.number) {
		case 1: st = decode_location_ids(d, &f, &c); break;
		case 2: st = decode_values(d, &f, &c, row); break;
		case 3:
			if (fixed)
				break;
			if (pr->n_labels >= d->limits->max_labels)
				return over_limit(d, f.offset, "labels", d->limits->max_labels);
			if (PGO_GROW(pr->labels, pr->cap_labels, (uint64_t)pr->n_labels + 1))
				return nomem(d);
			st = decode_label(d, &f, &pr->labels[pr->n_labels]);
			if (!st)
				pr->n_labels++;
			break;
		default: break;
		}
		if (st)
			return st;
	}
	if (c.n_values != pr->n_sample_types)
		return invalid(d, outer->offset, "sample %u has %u values but the profile has %u sample types",
		               c.sample_no, c.n_values, pr->n_sample_types);
	s.n_locations = c.n_locs;
	s.n_labels = fixed ? 0 : pr->n_labels - s.labels_at;
	*out = s;
	return PGO_OK;
}

/* decode_sample's checks, in its order, keeping only the sums. */
static pgo_status sum_sample(decoder *d, const field *outer)
{
	pgo_status st = want_type(d, outer, WT_LEN, "sample");
	if (st)
		return st;
	pgo_profile *pr = d->p;
	sample_ctx c = {.sample_no = pr->n_samples + 1, .base = pr->n_sample_locations};
	const uint8_t *p = outer->data, *end = p + outer->len;
	while (p < end) {
		field f;
		if ((st = read_field(d, &p, end, &f)))
			return st;
		switch (f.number) {
		case 1: st = location_ids(d, &f, &c, false); break;
		case 2: st = decode_values(d, &f, &c, NULL); break;
		case 3: {
			pgo_label lb;
			if (pr->n_labels >= d->limits->max_labels)
				return over_limit(d, f.offset, "labels", d->limits->max_labels);
			st = decode_label(d, &f, &lb);
			if (!st)
				pr->n_labels++;
			break;
		}
		default: break;
		}
		if (st)
			return st;
	}
	if (c.n_values != pr->n_sample_types)
		return invalid(d, outer->offset, "sample %u has %u values but the profile has %u sample types",
		               c.sample_no, c.n_values, pr->n_sample_types);
	pr->n_sample_locations += c.n_locs;
	pr->n_samples++;
	return PGO_OK;
}

static pgo_status decode_sample(decoder *d, const field *outer)
{
	pgo_profile *pr = d->p;
	if (!d->values_reserved &&
	    PGO_GROW(pr->values, pr->cap_values, ((uint64_t)pr->n_samples + 1) * pr->n_sample_types + 1))
		return nomem(d);
	pgo_status st = decode_sample_at(d, outer, pr->n_samples, pr->n_sample_locations, false,
	                                 &pr->samples[pr->n_samples]);
	if (st)
		return st;
	pr->n_sample_locations += pr->samples[pr->n_samples].n_locations;
	pr->n_samples++;
	return PGO_OK;
}

/* ---- parallel sample decoding (keep_frames) ----------------------- */

/* Below this many samples a thread costs more than it saves. */
#define PARALLEL_SAMPLES 20000

typedef struct sample_worker {
	decoder d;          /* a copy: the shared parts are only read */
	pgo_error err;
	uint32_t first, count;
	pgo_status st;
} sample_worker;

static void *decode_sample_range(void *arg)
{
	sample_worker *w = arg;
	decoder *d = &w->d;
	const uint8_t *end = d->base + d->size;
	uint32_t keep = d->keep_frames;
	for (uint32_t i = w->first; i < w->first + w->count && !w->st; i++) {
		const uint8_t *p = d->base + d->sample_fields[i];
		field f;
		w->st = read_field(d, &p, end, &f);
		if (!w->st)
			w->st = decode_sample_at(d, &f, i, i * keep, true, &d->p->samples[i]);
	}
	return NULL;
}

/* Two threads, each with half of the samples; the first error in sample
 * order wins, so messages do not depend on timing. */
static pgo_status decode_samples_parallel(decoder *d)
{
	pgo_profile *pr = d->p;
	uint32_t n = d->n_sample_fields, keep = d->keep_frames;
	uint64_t slots = (uint64_t)n * keep;
	if (slots > d->limits->max_sample_locations)
		return over_limit(d, 0, "sample location references", d->limits->max_sample_locations);
	if (PGO_GROW(pr->sample_locations, pr->cap_sample_locations, slots))
		return nomem(d);
	sample_worker w[2];
	for (int k = 0; k < 2; k++) {
		w[k].d = *d;
		w[k].d.err = &w[k].err;
		w[k].err = (pgo_error){0};
		w[k].st = PGO_OK;
	}
	w[0].first = 0;
	w[0].count = n / 2;
	w[1].first = n / 2;
	w[1].count = n - n / 2;
	pthread_t t;
	bool threaded = pthread_create(&t, NULL, decode_sample_range, &w[1]) == 0;
	decode_sample_range(&w[0]);
	if (!threaded)
		decode_sample_range(&w[1]);
	else
		pthread_join(t, NULL);
	for (int k = 0; k < 2; k++) {
		if (w[k].st) {
			if (d->err)
				*d->err = w[k].err;
			return w[k].st;
		}
	}
	pr->n_samples = n;
	pr->n_sample_locations = (uint32_t)slots;
	return PGO_OK;
}

static pgo_status add_comment(decoder *d, void *vctx, uint64_t v, size_t offset)
{
	pgo_profile *pr = d->p;
	if (v >= d->n_raw_strings)
		return invalid(d, offset, "comment: string index %" PRIu64 " is outside the string table of %u entries",
		               v, d->n_raw_strings);
	if (pr->n_comments >= d->limits->max_strings)
		return over_limit(d, offset, "comments", d->limits->max_strings);
	if (!d->sums) {
		if (PGO_GROW(pr->comments, pr->cap_comments, (uint64_t)pr->n_comments + 1))
			return nomem(d);
		pr->comments[pr->n_comments] = d->strmap[v];
	}
	pr->n_comments++;
	return PGO_OK;
}

/* Pass 2: headers, mappings and functions. */
static pgo_status decode_headers(decoder *d)
{
	pgo_profile *pr = d->p;
	pgo_status st = PGO_OK;
	for (uint32_t i = 0; i < d->n_other_fields; i++) {
		const uint8_t *at = d->base + d->other_fields[i];
		field f;
		if ((st = read_field(d, &at, d->base + d->size, &f)))
			return st;
		switch (f.number) {
		case F_SAMPLE_TYPE:
			st = decode_value_type(d, &f, "sample_type", &pr->sample_types[pr->n_sample_types]);
			if (!st)
				pr->n_sample_types++;
			break;
		case F_MAPPING: st = decode_mapping(d, &f); break;
		case F_FUNCTION: st = decode_function(d, &f); break;
		case F_DROP_FRAMES: st = str_at(d, &f, "drop_frames", &pr->drop_frames); break;
		case F_KEEP_FRAMES: st = str_at(d, &f, "keep_frames", &pr->keep_frames); break;
		case F_TIME_NANOS: st = want_type(d, &f, WT_VARINT, "time_nanos"); pr->time_nanos = (int64_t)f.u; break;
		case F_DURATION_NANOS: st = want_type(d, &f, WT_VARINT, "duration_nanos"); pr->duration_nanos = (int64_t)f.u; break;
		case F_PERIOD_TYPE: st = decode_value_type(d, &f, "period_type", &pr->period_type); break;
		case F_PERIOD: st = want_type(d, &f, WT_VARINT, "period"); pr->period = (int64_t)f.u; break;
		case F_COMMENT: st = each_scalar(d, &f, "comment", add_comment, NULL); break;
		case F_DEFAULT_SAMPLE_TYPE: st = str_at(d, &f, "default_sample_type", &pr->default_sample_type); break;
		case F_DOC_URL: st = str_at(d, &f, "doc_url", &pr->doc_url); break;
		default: break;
		}
		if (st)
			return st;
	}
	return PGO_OK;
}

/* Passes 3 and 4: locations, then samples, each field read again from
 * the offset the first pass noted. */
static pgo_status decode_each(decoder *d, const size_t *offsets, uint32_t n, const uint8_t *end,
                              pgo_status (*fn)(decoder *, const field *))
{
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *p = d->base + offsets[i];
		field f;
		pgo_status st = read_field(d, &p, end, &f);
		if (!st)
			st = fn(d, &f);
		if (st)
			return st;
	}
	return PGO_OK;
}

void pgo_limits_default(pgo_limits *l)
{
	/* Far above any real profile (a merge of fifty production profiles
	 * holds ~150k samples), and small enough that a hostile input cannot
	 * make a decode allocate more than a few GiB. */
	l->max_decompressed_bytes = (size_t)1 << 30;
	l->max_strings = 1u << 24;
	l->max_sample_types = 1u << 8;
	l->max_samples = 1u << 24;
	l->max_locations = 1u << 24;
	l->max_functions = 1u << 22;
	l->max_mappings = 1u << 16;
	l->max_lines = 1u << 25;
	l->max_sample_locations = 1u << 28;
	l->max_labels = 1u << 26;
}

static pgo_status decode_raw(decoder *d, const uint8_t *data, size_t size)
{
	counts c = {0};
	pgo_profile *pr = d->p;
	pgo_status st;
	if ((st = scan_top(d, data, size, &c)))
		return st;
	if (c.sample_types) {
		uint32_t cap = 0;
		if (PGO_GROW(pr->sample_types, cap, c.sample_types))
			return nomem(d);
		pr->cap_sample_types = cap;
	}
	/* Each value takes at least a byte, so the values are allocated up front
	 * only when the sample bytes can hold them; otherwise a sample is short
	 * of values, and they grow until decoding finds which. */
	uint64_t n_values = c.samples * c.sample_types;
	d->values_reserved = n_values <= c.sample_bytes;
	if (c.samples && !d->sums && (PGO_GROW(pr->samples, pr->cap_samples, c.samples) ||
	                  (n_values && d->values_reserved && PGO_GROW(pr->values, pr->cap_values, n_values))))
		return nomem(d);
	if ((c.mappings && PGO_GROW(pr->mappings, pr->cap_mappings, c.mappings)) ||
	    (c.functions && PGO_GROW(pr->functions, pr->cap_functions, c.functions)) ||
	    (c.locations && PGO_GROW(pr->locations, pr->cap_locations, c.locations)))
		return nomem(d);
	/* Sized once from the bytes that hold them, so the arrays never move. */
	uint64_t ids = c.sample_bytes;
	if (d->keep_frames && ids > c.samples * d->keep_frames)
		ids = c.samples * d->keep_frames;
	if (ids > d->limits->max_sample_locations)
		ids = d->limits->max_sample_locations;
	uint64_t lines = c.location_bytes / 2;
	if (lines > d->limits->max_lines)
		lines = d->limits->max_lines;
	if (d->sums)
		ids = lines = 0; /* counted, not stored */
	if ((ids && PGO_GROW(pr->sample_locations, pr->cap_sample_locations, ids)) ||
	    (lines && PGO_GROW(pr->lines, pr->cap_lines, lines)) ||
	    (c.locations && PGO_GROW(d->loc_offs, d->cap_loc_offs, c.locations)) ||
	    (c.functions && PGO_GROW(d->fn_offs, d->cap_fn_offs, c.functions)))
		return nomem(d);
	if ((st = decode_headers(d)))
		return st;
	if ((st = build_id_map(d, pr->mappings, sizeof *pr->mappings, pr->n_mappings, d->map_offs, "mapping",
	                       &d->map_dense, &d->map_dense_n, &d->map_ix)) ||
	    (st = build_id_map(d, pr->functions, sizeof *pr->functions, pr->n_functions, d->fn_offs, "function",
	                       &d->fn_dense, &d->fn_dense_n, &d->fn_ix)))
		return st;
	if ((st = decode_each(d, d->location_fields, d->n_location_fields, data + size, decode_location)))
		return st;
	if ((st = build_id_map(d, pr->locations, sizeof *pr->locations, pr->n_locations, d->loc_offs, "location",
	                       &d->loc_dense, &d->loc_dense_n, &d->loc_ix)))
		return st;
	if (c.samples && !c.sample_types)
		return invalid(d, 0, "the profile has %" PRIu64 " samples but no sample types", c.samples);
	if (d->sums) {
		if (pr->n_sample_types &&
		    !(d->sums->columns = calloc(pr->n_sample_types, sizeof *d->sums->columns)))
			return nomem(d);
		d->sums->n_sample_types = pr->n_sample_types;
		return decode_each(d, d->sample_fields, d->n_sample_fields, data + size, sum_sample);
	}
	if (d->keep_frames && d->values_reserved && d->n_sample_fields >= PARALLEL_SAMPLES)
		return decode_samples_parallel(d);
	return decode_each(d, d->sample_fields, d->n_sample_fields, data + size, decode_sample);
}

pgo_status pgo_decode(const uint8_t *data, size_t size, const char *name,
                      const pgo_limits *limits, pgo_profile **out, pgo_error *err)
{
	pgo_decode_options o = {.limits = limits};
	return pgo_decode_with(data, size, name, &o, out, err);
}

/* Decompresses and decodes; with sums set, the values-only pass, whose
 * profile is scaffolding for the ID checks and is freed here. */
static pgo_status run(const uint8_t *data, size_t size, const char *name, const pgo_limits *limits,
                      uint32_t keep_frames, pgo_value_sums *sums, pgo_profile **out, pgo_error *err)
{
	pgo_limits defaults;
	if (!limits) {
		pgo_limits_default(&defaults);
		limits = &defaults;
	}
	if (!name)
		name = "<input>";
	uint8_t *raw = NULL;
	size_t raw_size = 0;
	/* The shape is checked as the bytes are decompressed: junk or a bomb
	 * stops at its first bad field. */
	pgo_status st = pgo_decompress_profile(data, size, name, limits, &raw, &raw_size, err);
	if (st)
		return st;
	if (raw_size == 0) {
		free(raw);
		return pgo_fail(err, PGO_ERR_EMPTY, "%s: no profile data (the input is empty)", name);
	}
	decoder d = {.base = raw, .size = raw_size, .name = name, .limits = limits, .err = err,
	             .where = pgo_sniff(data, size) != PGO_COMPRESSION_NONE ? " of the decompressed data" : "",
	             .keep_frames = keep_frames, .sums = sums};
	d.p = pgo_profile_new();
	if (!d.p) {
		free(raw);
		return pgo_fail(err, PGO_ERR_NOMEM, "%s: out of memory", name);
	}
	st = decode_raw(&d, raw, raw_size);
	if (!st && sums) {
		pgo_profile *pr = d.p;
		sums->n_samples = pr->n_samples;
		sums->time_nanos = pr->time_nanos;
		sums->duration_nanos = pr->duration_nanos;
		sums->period = pr->period;
		/* the sample types hold raw string indices, all checked in range */
		for (uint32_t i = 0; i < pr->n_sample_types && !st; i++) {
			pgo_str ix[2] = {pr->sample_types[i].type, pr->sample_types[i].unit};
			char **to[2] = {&sums->columns[i].type, &sums->columns[i].unit};
			for (int k = 0; k < 2 && !st; k++) {
				const uint8_t *at = raw + d.str_offs[ix[k]];
				field f;
				if (!(st = read_field(&d, &at, raw + raw_size, &f)) && !(*to[k] = malloc(f.len + 1)))
					st = PGO_ERR_NOMEM;
				if (!st) {
					memcpy(*to[k], f.data, f.len);
					(*to[k])[f.len] = '\0';
				}
			}
		}
	}
	free(raw);
	free(d.strmap);
	free(d.str_offs);
	free(d.map_dense);
	free(d.fn_dense);
	free(d.loc_dense);
	free(d.sample_fields);
	free(d.location_fields);
	free(d.other_fields);
	free(d.map_offs);
	free(d.fn_offs);
	free(d.loc_offs);
	pgo_index_free(&d.map_ix);
	pgo_index_free(&d.fn_ix);
	pgo_index_free(&d.loc_ix);
	if (st) {
		if (st == PGO_ERR_NOMEM && err && err->status != PGO_ERR_NOMEM)
			pgo_fail(err, st, "%s: out of memory while decoding", name);
		pgo_profile_free(d.p);
		return st;
	}
	if (sums)
		pgo_profile_free(d.p);
	else
		*out = d.p;
	return PGO_OK;
}

pgo_status pgo_decode_with(const uint8_t *data, size_t size, const char *name,
                           const pgo_decode_options *options, pgo_profile **out, pgo_error *err)
{
	*out = NULL;
	return run(data, size, name, options ? options->limits : NULL, options ? options->keep_frames : 0, NULL, out,
	           err);
}

pgo_status pgo_sum_values(const uint8_t *data, size_t size, const char *name, const pgo_limits *limits,
                          pgo_value_sums *out, pgo_error *err)
{
	memset(out, 0, sizeof *out);
	pgo_status st = run(data, size, name, limits, 0, out, NULL, err);
	if (st)
		pgo_value_sums_free(out);
	return st;
}

void pgo_value_sums_free(pgo_value_sums *sums)
{
	if (!sums)
		return;
	for (uint32_t i = 0; sums->columns && i < sums->n_sample_types; i++) {
		free(sums->columns[i].type);
		free(sums->columns[i].unit);
	}
	free(sums->columns);
	memset(sums, 0, sizeof *sums);
}
