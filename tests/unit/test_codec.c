/* Decoding, validation and encoding of pprof bytes. */
#include "harness.h"
#include "pbwriter.h"
#include "pgo.h"
#include "testutil.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Content comparison                                                  */

static bool same_str(const pgo_profile *a, pgo_str x, const pgo_profile *b, pgo_str y)
{
	size_t lx, ly;
	const char *sx = pgo_string(a, x, &lx), *sy = pgo_string(b, y, &ly);
	return lx == ly && memcmp(sx, sy, lx) == 0;
}

/* Every field of a and b is equal by content (IDs aside when !ids). Entity
 * order is compared as is: the codec keeps it. */
static void check_same_profile(const pgo_profile *a, const pgo_profile *b, bool ids)
{
	CHECK(a->n_sample_types == b->n_sample_types);
	for (uint32_t i = 0; i < a->n_sample_types && i < b->n_sample_types; i++) {
		CHECK(same_str(a, a->sample_types[i].type, b, b->sample_types[i].type));
		CHECK(same_str(a, a->sample_types[i].unit, b, b->sample_types[i].unit));
	}
	CHECK(a->n_functions == b->n_functions);
	for (uint32_t i = 0; i < a->n_functions && i < b->n_functions; i++) {
		const pgo_function *x = &a->functions[i], *y = &b->functions[i];
		CHECK(!ids || x->id == y->id);
		CHECK(same_str(a, x->name, b, y->name));
		CHECK(same_str(a, x->system_name, b, y->system_name));
		CHECK(same_str(a, x->filename, b, y->filename));
		CHECK(x->start_line == y->start_line);
	}
	CHECK(a->n_mappings == b->n_mappings);
	for (uint32_t i = 0; i < a->n_mappings && i < b->n_mappings; i++) {
		const pgo_mapping *x = &a->mappings[i], *y = &b->mappings[i];
		CHECK(!ids || x->id == y->id);
		CHECK(x->memory_start == y->memory_start);
		CHECK(x->memory_limit == y->memory_limit);
		CHECK(x->file_offset == y->file_offset);
		CHECK(same_str(a, x->filename, b, y->filename));
		CHECK(same_str(a, x->build_id, b, y->build_id));
		CHECK(x->has_functions == y->has_functions);
		CHECK(x->has_filenames == y->has_filenames);
		CHECK(x->has_line_numbers == y->has_line_numbers);
		CHECK(x->has_inline_frames == y->has_inline_frames);
	}
	CHECK(a->n_locations == b->n_locations);
	CHECK(a->n_lines == b->n_lines);
	for (uint32_t i = 0; i < a->n_locations && i < b->n_locations; i++) {
		const pgo_location *x = &a->locations[i], *y = &b->locations[i];
		CHECK(!ids || x->id == y->id);
		CHECK(x->address == y->address);
		CHECK(x->mapping == y->mapping);
		CHECK(x->is_folded == y->is_folded);
		CHECK(x->n_lines == y->n_lines);
		for (uint32_t j = 0; j < x->n_lines && j < y->n_lines; j++) {
			const pgo_line *lx = &a->lines[x->lines_at + j], *ly = &b->lines[y->lines_at + j];
			CHECK(lx->function == ly->function);
			CHECK(lx->line == ly->line);
			CHECK(lx->column == ly->column);
		}
	}
	CHECK(a->n_samples == b->n_samples);
	for (uint32_t i = 0; i < a->n_samples && i < b->n_samples; i++) {
		const pgo_sample *x = &a->samples[i], *y = &b->samples[i];
		CHECK(x->n_locations == y->n_locations);
		for (uint32_t j = 0; j < x->n_locations && j < y->n_locations; j++)
			CHECK(a->sample_locations[x->locations_at + j] == b->sample_locations[y->locations_at + j]);
		for (uint32_t j = 0; j < a->n_sample_types && a->n_sample_types == b->n_sample_types; j++)
			CHECK(tu_values(a, i)[j] == tu_values(b, i)[j]);
		CHECK(x->n_labels == y->n_labels);
		for (uint32_t j = 0; j < x->n_labels && j < y->n_labels; j++) {
			const pgo_label *lx = &a->labels[x->labels_at + j], *ly = &b->labels[y->labels_at + j];
			CHECK(same_str(a, lx->key, b, ly->key));
			CHECK(same_str(a, lx->str, b, ly->str));
			CHECK(lx->num == ly->num);
			CHECK(same_str(a, lx->num_unit, b, ly->num_unit));
		}
	}
	CHECK(same_str(a, a->drop_frames, b, b->drop_frames));
	CHECK(same_str(a, a->keep_frames, b, b->keep_frames));
	CHECK(a->time_nanos == b->time_nanos);
	CHECK(a->duration_nanos == b->duration_nanos);
	CHECK(same_str(a, a->period_type.type, b, b->period_type.type));
	CHECK(same_str(a, a->period_type.unit, b, b->period_type.unit));
	CHECK(a->period == b->period);
	CHECK(a->n_comments == b->n_comments);
	for (uint32_t i = 0; i < a->n_comments && i < b->n_comments; i++)
		CHECK(same_str(a, a->comments[i], b, b->comments[i]));
	CHECK(same_str(a, a->default_sample_type, b, b->default_sample_type));
	CHECK(same_str(a, a->doc_url, b, b->doc_url));
}

/* ------------------------------------------------------------------ */
/* A profile that uses every field, built with the builder API.        */

static pgo_profile *rich_profile(void)
{
	static const char *const types[] = {"samples", "count", "cpu", "nanoseconds", "alloc_space", "bytes", NULL};
	pgo_profile *p = tu_profile(types);
	pgo_mapping m1 = {
		.memory_start = 0x400000, .memory_limit = 0x4a0000, .file_offset = 0x1000,
		.filename = tu_intern(p, "/bin/app"), .build_id = tu_intern(p, "abc123"),
		.has_functions = true, .has_filenames = true, .has_line_numbers = true, .has_inline_frames = true,
	};
	pgo_mapping m2 = {
		.memory_start = 0x7f0000000000ull, .memory_limit = 0x7f0000100000ull,
		.filename = tu_intern(p, "libc.so.6"), .has_functions = true,
	};
	uint32_t mi1, mi2;
	CHECK_OK(pgo_add_mapping(p, &m1, &mi1));
	CHECK_OK(pgo_add_mapping(p, &m2, &mi2));
	uint32_t f_main, f_work, f_neg, f_big;
	CHECK_OK(pgo_add_function(p, "main.main", "main.main", "main.go", 10, &f_main));
	CHECK_OK(pgo_add_function(p, "main.work", "main.work·sys", "work.go", 20, &f_work));
	CHECK_OK(pgo_add_function(p, "neg", "", "", -7, &f_neg));
	CHECK_OK(pgo_add_function(p, "big", "big", "big.go", (int64_t)1 << 40, &f_big));

	pgo_line l1[2] = {{f_work, 25, 3}, {f_main, 12, 0}};
	pgo_line l2[1] = {{PGO_NONE, 77, 5}};
	pgo_line l4[3] = {{f_neg, -3, -1}, {f_big, ((int64_t)1 << 40) + 5, 0}, {PGO_NONE, 0, 9}};
	uint32_t L1, L2, L3, L4;
	CHECK_OK(pgo_add_location(p, mi1, 0x401000, l1, 2, &L1));
	CHECK_OK(pgo_add_location(p, mi2, 0x7f0000000100ull, l2, 1, &L2));
	CHECK_OK(pgo_add_location(p, PGO_NONE, 0, NULL, 0, &L3));
	CHECK_OK(pgo_add_location(p, mi1, 0x402000, l4, 3, &L4));
	p->locations[L3].is_folded = true;

	pgo_label labels[3] = {
		{.key = tu_intern(p, "span"), .str = tu_intern(p, "abc")},
		{.key = tu_intern(p, "bytes"), .num = -1024, .num_unit = tu_intern(p, "bytes")},
		{.key = tu_intern(p, "count"), .num = 3},
	};
	uint32_t s1[2] = {L1, L4}, s2[3] = {L2, L3, L1}, s4[3] = {L1, L1, L1};
	int64_t v1[3] = {1, 10000000, 0}, v2[3] = {0, 0, 0}, v3[3] = {-5, INT64_MIN, INT64_MAX}, v4[3] = {2, 3, 4};
	CHECK_OK(pgo_add_sample(p, s1, 2, v1, labels, 3));
	CHECK_OK(pgo_add_sample(p, s2, 3, v2, NULL, 0));
	CHECK_OK(pgo_add_sample(p, NULL, 0, v3, labels + 1, 1));
	CHECK_OK(pgo_add_sample(p, s4, 3, v4, NULL, 0));

	p->drop_frames = tu_intern(p, "runtime\\..*");
	p->keep_frames = tu_intern(p, "main\\..*");
	p->time_nanos = -42;
	p->duration_nanos = 3000000000;
	p->period = 10000000;
	static const char *const comments[] = {"first comment", "second", "first comment"};
	p->comments = malloc(3 * sizeof *p->comments);
	p->cap_comments = 3;
	for (int i = 0; i < 3; i++)
		p->comments[p->n_comments++] = tu_intern(p, comments[i]);
	p->default_sample_type = tu_intern(p, "cpu");
	p->doc_url = tu_intern(p, "https://example.com/doc");
	tu_intern(p, "an unused string");
	return p;
}

static void test_roundtrip_builder(void)
{
	pgo_profile *p = rich_profile();
	pgo_profile *q = tu_roundtrip(p);
	CHECK(q != NULL);
	if (!q) {
		pgo_profile_free(p);
		return;
	}
	check_same_profile(p, q, true);
	/* A few explicit values, in case both sides were wrong alike. */
	CHECK(q->n_samples == 4 && q->n_locations == 4 && q->n_functions == 4 && q->n_mappings == 2);
	CHECK(tu_values(q, 2)[0] == -5 && tu_values(q, 2)[1] == INT64_MIN && tu_values(q, 2)[2] == INT64_MAX);
	CHECK(tu_values(q, 1)[0] == 0 && tu_values(q, 1)[1] == 0 && tu_values(q, 1)[2] == 0);
	CHECK(q->functions[2].start_line == -7);
	CHECK(q->functions[3].start_line == (int64_t)1 << 40);
	CHECK(q->locations[3].n_lines == 3);
	CHECK(q->lines[q->locations[3].lines_at].line == -3);
	CHECK(q->lines[q->locations[3].lines_at].column == -1);
	CHECK(q->lines[q->locations[3].lines_at + 2].function == PGO_NONE);
	CHECK(q->lines[q->locations[3].lines_at + 2].column == 9);
	CHECK(q->lines[q->locations[1].lines_at].function == PGO_NONE);
	CHECK(q->locations[2].is_folded && !q->locations[0].is_folded);
	CHECK(q->locations[2].n_lines == 0 && q->locations[2].mapping == PGO_NONE);
	CHECK(q->samples[2].n_locations == 0);
	CHECK(q->samples[0].n_labels == 3);
	CHECK(tu_streq(q, q->labels[q->samples[0].labels_at].str, "abc"));
	CHECK(q->labels[q->samples[0].labels_at + 1].num == -1024);
	CHECK(tu_streq(q, q->labels[q->samples[0].labels_at + 1].num_unit, "bytes"));
	CHECK(q->labels[q->samples[0].labels_at + 2].num == 3);
	CHECK(q->labels[q->samples[0].labels_at + 2].str == 0);
	CHECK(q->time_nanos == -42 && q->duration_nanos == 3000000000 && q->period == 10000000);
	CHECK(q->n_comments == 3 && tu_streq(q, q->comments[2], "first comment"));
	CHECK(tu_streq(q, q->functions[1].system_name, "main.work·sys"));
	CHECK(q->mappings[0].has_inline_frames && !q->mappings[1].has_inline_frames);
	CHECK(q->mappings[1].has_functions && !q->mappings[1].has_filenames);
	CHECK(q->mappings[0].file_offset == 0x1000 && q->mappings[1].memory_start == 0x7f0000000000ull);
	/* Unused strings are not written. */
	bool unused = false;
	for (uint32_t i = 0; i < q->strings.count; i++)
		unused |= tu_streq(q, i, "an unused string");
	CHECK(!unused);
	CHECK(tu_streq(q, 0, ""));
	pgo_profile_free(p);
	pgo_profile_free(q);
}

static void test_encode_deterministic(void)
{
	pgo_profile *p = rich_profile();
	size_t n1, n2, n3;
	uint8_t *e1 = tu_encode(p, &n1), *e2 = tu_encode(p, &n2);
	CHECK(n1 == n2 && memcmp(e1, e2, n1) == 0);
	/* encode is a fixpoint of decode: encode(decode(encode(p))) == encode(p) */
	pgo_profile *q = tu_decode(e1, n1);
	CHECK(q != NULL);
	if (q) {
		uint8_t *e3 = tu_encode(q, &n3);
		CHECK(n3 == n1 && memcmp(e3, e1, n1) == 0);
		free(e3);
		pgo_profile_free(q);
	}
	/* gzip output is deterministic too and holds the raw encoding. */
	uint8_t *g1 = NULL, *g2 = NULL, *raw = NULL;
	size_t gn1 = 0, gn2 = 0, rawn = 0;
	CHECK_OK(pgo_encode(p, 6, &g1, &gn1, NULL));
	CHECK_OK(pgo_encode(p, 6, &g2, &gn2, NULL));
	CHECK(gn1 == gn2 && g1 && g2 && memcmp(g1, g2, gn1) == 0);
	CHECK(pgo_sniff(g1, gn1) == PGO_COMPRESSION_GZIP);
	CHECK_OK(pgo_decompress(g1, gn1, "g", SIZE_MAX, &raw, &rawn, NULL));
	CHECK(rawn == n1 && raw && memcmp(raw, e1, n1) == 0);
	free(g1);
	free(g2);
	free(raw);
	free(e1);
	free(e2);
	pgo_profile_free(p);
}

static void test_encode_empty_profile(void)
{
	pgo_profile *p = pgo_profile_new();
	size_t n;
	uint8_t *b = tu_encode(p, &n);
	/* Only string_table[0] = "": field 6, length 0. */
	CHECK(n == 2 && b[0] == 0x32 && b[1] == 0x00);
	pgo_profile *q = tu_decode(b, n);
	CHECK(q && q->n_samples == 0 && q->n_sample_types == 0 && q->strings.count == 1);
	free(b);
	pgo_profile_free(p);
	pgo_profile_free(q);
}

/* ------------------------------------------------------------------ */
/* Hand-written wire bytes                                             */

enum {
	S_EMPTY, S_SAMPLES, S_COUNT, S_CPU, S_NS, S_MAIN, S_MAINGO, S_WORK, S_APP, S_BUILD, S_SPAN,
	S_ABC, S_BYTES, S_COMMENT, S_DROP, S_KEEP, S_DOC, S_SYS, N_HS
};
static const char *const HS[N_HS] = {
	"", "samples", "count", "cpu", "nanoseconds", "main.main", "main.go", "main.work", "/bin/app",
	"build-1", "span", "abc", "bytes", "a comment", "drop.*", "keep.*", "https://doc", "main.sys",
};

typedef struct hand_ids {
	uint64_t fn_main, fn_work, map, loc_work, loc_main, loc_bare;
} hand_ids;

static const hand_ids DENSE = {1, 2, 1, 1, 2, 3};
static const hand_ids SHUFFLED = {2, 1, 1, 3, 1, 2};
static const hand_ids SPARSE = {(uint64_t)1 << 40, 7, ((uint64_t)1 << 63) + 3, UINT64_MAX, (uint64_t)1 << 40,
                                (uint64_t)1 << 35};

typedef struct wopts {
	bool unknowns;      /* unknown fields of wire types 0,1,2,5 everywhere */
	bool unpacked;      /* repeated scalars as separate varints */
	bool strings_first; /* string table before everything else */
	bool reverse;       /* fields and entities in reverse order */
	hand_ids ids;
} wopts;

/* A message assembled from parts, in order or reversed, with unknown
 * fields between the parts if asked. */
typedef struct parts {
	pbw p[24];
	int n;
} parts;

static pbw *part(parts *ps)
{
	pbw *b = &ps->p[ps->n++];
	memset(b, 0, sizeof *b);
	return b;
}

static void join(parts *ps, pbw *out, const wopts *o, uint32_t unknown_field)
{
	for (int i = 0; i < ps->n; i++) {
		int k = o->reverse ? ps->n - 1 - i : i;
		if (o->unknowns)
			pbw_unknowns(out, unknown_field);
		pbw_raw(out, ps->p[k].data, ps->p[k].len);
		pbw_free(&ps->p[k]);
	}
	if (o->unknowns)
		pbw_unknowns(out, unknown_field);
	ps->n = 0;
}

/* Nested unknown fields use 20..23; top-level ones 16..19 and the largest
 * field numbers protobuf allows. */
#define UNK 20

static void w_value_type(pbw *out, uint32_t field, uint64_t type, uint64_t unit, const wopts *o)
{
	parts ps = {0};
	pbw msg = {0};
	pbw_uint(part(&ps), 1, type);
	pbw_uint(part(&ps), 2, unit);
	join(&ps, &msg, o, UNK);
	pbw_msg(out, field, &msg);
	pbw_free(&msg);
}

static void w_function(pbw *out, uint64_t id, uint64_t name, uint64_t sys, uint64_t file, int64_t start,
                       const wopts *o)
{
	parts ps = {0};
	pbw msg = {0};
	pbw_uint(part(&ps), 1, id);
	pbw_uint(part(&ps), 2, name);
	pbw_uint(part(&ps), 3, sys);
	pbw_uint(part(&ps), 4, file);
	pbw_int(part(&ps), 5, start);
	join(&ps, &msg, o, UNK);
	pbw_msg(out, 5, &msg);
	pbw_free(&msg);
}

static void w_line(pbw *out, uint64_t fn, int64_t line, int64_t column, const wopts *o)
{
	parts ps = {0};
	pbw msg = {0};
	if (fn)
		pbw_uint(part(&ps), 1, fn);
	pbw_int(part(&ps), 2, line);
	if (column)
		pbw_int(part(&ps), 3, column);
	join(&ps, &msg, o, UNK);
	pbw_msg(out, 4, &msg);
	pbw_free(&msg);
}

static void w_label(pbw *out, uint64_t key, uint64_t str, int64_t num, uint64_t unit, const wopts *o)
{
	parts ps = {0};
	pbw msg = {0};
	pbw_uint(part(&ps), 1, key);
	if (str)
		pbw_uint(part(&ps), 2, str);
	if (num)
		pbw_int(part(&ps), 3, num);
	if (unit)
		pbw_uint(part(&ps), 4, unit);
	join(&ps, &msg, o, UNK);
	pbw_msg(out, 3, &msg);
	pbw_free(&msg);
}

static void w_repeated(pbw *out, uint32_t field, const uint64_t *v, size_t n, bool unpacked)
{
	if (!unpacked) {
		pbw_packed(out, field, v, n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		pbw_uint(out, field, v[i]);
}

static void w_sample(pbw *out, const uint64_t *locs, size_t n_locs, int64_t v0, int64_t v1, bool labels,
                     const wopts *o)
{
	parts ps = {0};
	pbw msg = {0};
	w_repeated(part(&ps), 1, locs, n_locs, o->unpacked);
	uint64_t v[2] = {(uint64_t)v0, (uint64_t)v1};
	w_repeated(part(&ps), 2, v, 2, o->unpacked);
	if (labels) {
		pbw *lb = part(&ps);
		w_label(lb, S_SPAN, S_ABC, 0, 0, o);
		w_label(lb, S_BYTES, 0, -4096, S_BYTES, o);
	}
	join(&ps, &msg, o, UNK);
	pbw_msg(out, 2, &msg);
	pbw_free(&msg);
}

/* The hand profile; see check_hand for its content. */
static void write_hand(pbw *out, const wopts *o)
{
	const hand_ids *id = &o->ids;
	parts top = {0};
	pbw strings = {0};
	pbw_strings(&strings, HS, N_HS);
	if (o->strings_first) {
		pbw_raw(out, strings.data, strings.len);
		pbw_free(&strings);
	}

	pbw *st = part(&top);
	w_value_type(st, 1, S_SAMPLES, S_COUNT, o);
	w_value_type(st, 1, S_CPU, S_NS, o);

	pbw *samples = part(&top);
	uint64_t s1[2] = {id->loc_work, id->loc_main}, s2[2] = {id->loc_bare, id->loc_main}, s3[1] = {id->loc_main};
	w_sample(samples, s1, 2, 3, -30000000, true, o);
	w_sample(samples, s2, 2, 0, 0, false, o);
	w_sample(samples, s3, 1, INT64_MAX, INT64_MIN, false, o);

	{
		parts ps = {0};
		pbw msg = {0};
		pbw_uint(part(&ps), 1, id->map);
		pbw_uint(part(&ps), 2, 0x400000);
		pbw_uint(part(&ps), 3, 0x500000);
		pbw_uint(part(&ps), 4, 0x1000);
		pbw_uint(part(&ps), 5, S_APP);
		pbw_uint(part(&ps), 6, S_BUILD);
		pbw_uint(part(&ps), 7, 1);
		pbw_uint(part(&ps), 8, 1);
		pbw_uint(part(&ps), 9, 0);
		pbw_uint(part(&ps), 10, 1);
		join(&ps, &msg, o, UNK);
		pbw_msg(part(&top), 3, &msg);
		pbw_free(&msg);
	}
	{
		/* three locations, each its own top-level part */
		parts ps = {0};
		pbw msg = {0}, *lines;
		pbw_uint(part(&ps), 1, id->loc_work);
		pbw_uint(part(&ps), 2, id->map);
		pbw_uint(part(&ps), 3, 0x401010);
		lines = part(&ps);
		w_line(lines, id->fn_work, 25, 4, o);
		w_line(lines, id->fn_main, 12, 0, o);
		pbw_uint(part(&ps), 5, 1);
		join(&ps, &msg, o, UNK);
		pbw_msg(part(&top), 4, &msg);

		pbw_uint(part(&ps), 1, id->loc_main);
		pbw_uint(part(&ps), 2, id->map);
		pbw_uint(part(&ps), 3, 0x402020);
		w_line(part(&ps), id->fn_main, 15, 0, o);
		join(&ps, &msg, o, UNK);
		pbw_msg(part(&top), 4, &msg);

		pbw_uint(part(&ps), 1, id->loc_bare);
		pbw_uint(part(&ps), 3, 0x7000);
		w_line(part(&ps), 0, 99, 0, o);
		join(&ps, &msg, o, UNK);
		pbw_msg(part(&top), 4, &msg);
		pbw_free(&msg);
	}
	w_function(part(&top), id->fn_main, S_MAIN, S_MAIN, S_MAINGO, 10, o);
	w_function(part(&top), id->fn_work, S_WORK, S_SYS, S_MAINGO, 20, o);

	pbw_uint(part(&top), 7, S_DROP);
	pbw_uint(part(&top), 8, S_KEEP);
	pbw_int(part(&top), 9, -1);
	pbw_int(part(&top), 10, 5000000000);
	w_value_type(part(&top), 11, S_CPU, S_NS, o);
	pbw_int(part(&top), 12, 10000000);
	uint64_t comments[2] = {S_COMMENT, S_SAMPLES};
	w_repeated(part(&top), 13, comments, 2, o->unpacked);
	pbw_uint(part(&top), 14, S_CPU);
	pbw_uint(part(&top), 15, S_DOC);

	for (int i = 0; i < top.n; i++) {
		int k = o->reverse ? top.n - 1 - i : i;
		if (o->unknowns)
			pbw_unknowns(out, i % 2 ? 16 : 536870908);
		pbw_raw(out, top.p[k].data, top.p[k].len);
		pbw_free(&top.p[k]);
	}
	if (!o->strings_first) {
		pbw_raw(out, strings.data, strings.len);
		pbw_free(&strings);
	}
	if (o->unknowns)
		pbw_unknowns(out, 16);
}

static int find_loc(const pgo_profile *p, uint64_t address)
{
	for (uint32_t i = 0; i < p->n_locations; i++)
		if (p->locations[i].address == address)
			return (int)i;
	return -1;
}

/* The hand profile's content, entity order aside; ids NULL skips IDs. */
static void check_hand(const pgo_profile *p, const hand_ids *ids)
{
	CHECK(p->n_sample_types == 2);
	if (p->n_sample_types == 2) {
		CHECK(tu_streq(p, p->sample_types[0].type, "samples"));
		CHECK(tu_streq(p, p->sample_types[0].unit, "count"));
		CHECK(tu_streq(p, p->sample_types[1].type, "cpu"));
		CHECK(tu_streq(p, p->sample_types[1].unit, "nanoseconds"));
	}
	CHECK(p->n_functions == 2);
	int fm = tu_find_fn(p, "main.main"), fw = tu_find_fn(p, "main.work");
	CHECK(fm >= 0 && fw >= 0);
	if (fm < 0 || fw < 0)
		return;
	CHECK(tu_streq(p, p->functions[fm].system_name, "main.main"));
	CHECK(tu_streq(p, p->functions[fm].filename, "main.go"));
	CHECK(p->functions[fm].start_line == 10);
	CHECK(tu_streq(p, p->functions[fw].system_name, "main.sys"));
	CHECK(tu_streq(p, p->functions[fw].filename, "main.go"));
	CHECK(p->functions[fw].start_line == 20);
	CHECK(!ids || p->functions[fm].id == ids->fn_main);
	CHECK(!ids || p->functions[fw].id == ids->fn_work);

	CHECK(p->n_mappings == 1);
	if (p->n_mappings != 1)
		return;
	const pgo_mapping *m = &p->mappings[0];
	CHECK(!ids || m->id == ids->map);
	CHECK(m->memory_start == 0x400000 && m->memory_limit == 0x500000 && m->file_offset == 0x1000);
	CHECK(tu_streq(p, m->filename, "/bin/app") && tu_streq(p, m->build_id, "build-1"));
	CHECK(m->has_functions && m->has_filenames && !m->has_line_numbers && m->has_inline_frames);

	CHECK(p->n_locations == 3 && p->n_lines == 4);
	int lw = find_loc(p, 0x401010), lm = find_loc(p, 0x402020), lb = find_loc(p, 0x7000);
	CHECK(lw >= 0 && lm >= 0 && lb >= 0);
	if (lw < 0 || lm < 0 || lb < 0)
		return;
	const pgo_location *w = &p->locations[lw], *mn = &p->locations[lm], *b = &p->locations[lb];
	CHECK(!ids || (w->id == ids->loc_work && mn->id == ids->loc_main && b->id == ids->loc_bare));
	CHECK(w->mapping == 0 && mn->mapping == 0 && b->mapping == PGO_NONE);
	CHECK(w->is_folded && !mn->is_folded && !b->is_folded);
	CHECK(w->n_lines == 2 && mn->n_lines == 1 && b->n_lines == 1);
	if (w->n_lines == 2) {
		const pgo_line *l = &p->lines[w->lines_at];
		CHECK(l[0].function == (uint32_t)fw && l[0].line == 25 && l[0].column == 4);
		CHECK(l[1].function == (uint32_t)fm && l[1].line == 12 && l[1].column == 0);
	}
	CHECK(p->lines[mn->lines_at].function == (uint32_t)fm && p->lines[mn->lines_at].line == 15);
	CHECK(p->lines[b->lines_at].function == PGO_NONE && p->lines[b->lines_at].line == 99);

	CHECK(p->n_samples == 3 && p->n_sample_locations == 5 && p->n_labels == 2);
	if (p->n_samples != 3)
		return;
	const pgo_sample *s = p->samples;
	const uint32_t *sl = p->sample_locations;
	CHECK(s[0].n_locations == 2 && sl[s[0].locations_at] == (uint32_t)lw && sl[s[0].locations_at + 1] == (uint32_t)lm);
	CHECK(s[1].n_locations == 2 && sl[s[1].locations_at] == (uint32_t)lb && sl[s[1].locations_at + 1] == (uint32_t)lm);
	CHECK(s[2].n_locations == 1 && sl[s[2].locations_at] == (uint32_t)lm);
	CHECK(tu_values(p, 0)[0] == 3 && tu_values(p, 0)[1] == -30000000);
	CHECK(tu_values(p, 1)[0] == 0 && tu_values(p, 1)[1] == 0);
	CHECK(tu_values(p, 2)[0] == INT64_MAX && tu_values(p, 2)[1] == INT64_MIN);
	CHECK(s[0].n_labels == 2 && s[1].n_labels == 0 && s[2].n_labels == 0);
	if (s[0].n_labels == 2) {
		const pgo_label *l = &p->labels[s[0].labels_at];
		CHECK(tu_streq(p, l[0].key, "span") && tu_streq(p, l[0].str, "abc") && l[0].num == 0 && l[0].num_unit == 0);
		CHECK(tu_streq(p, l[1].key, "bytes") && l[1].str == 0 && l[1].num == -4096 &&
		      tu_streq(p, l[1].num_unit, "bytes"));
	}
	CHECK(tu_streq(p, p->drop_frames, "drop.*") && tu_streq(p, p->keep_frames, "keep.*"));
	CHECK(p->time_nanos == -1 && p->duration_nanos == 5000000000 && p->period == 10000000);
	CHECK(tu_streq(p, p->period_type.type, "cpu") && tu_streq(p, p->period_type.unit, "nanoseconds"));
	CHECK(p->n_comments == 2);
	if (p->n_comments == 2)
		CHECK(tu_streq(p, p->comments[0], "a comment") && tu_streq(p, p->comments[1], "samples"));
	CHECK(tu_streq(p, p->default_sample_type, "cpu") && tu_streq(p, p->doc_url, "https://doc"));
}

static void decode_hand_variant(const wopts *o, const char *what)
{
	pbw b = {0};
	write_hand(&b, o);
	pgo_profile *p = NULL;
	pgo_error err = {0};
	pgo_status st = pgo_decode(b.data, b.len, what, NULL, &p, &err);
	CHECK(st == PGO_OK);
	if (st) {
		fprintf(stderr, "variant %s: %s\n", what, err.message);
	} else {
		check_hand(p, &o->ids);
		/* and the decoded profile survives a round trip */
		pgo_profile *q = tu_roundtrip(p);
		CHECK(q != NULL);
		if (q) {
			check_hand(q, NULL);
			pgo_profile_free(q);
		}
	}
	pgo_profile_free(p);
	pbw_free(&b);
}

static void test_wire_plain(void)
{
	wopts o = {.ids = DENSE};
	decode_hand_variant(&o, "plain");
}

static void test_wire_unknown_fields(void)
{
	wopts o = {.unknowns = true, .ids = DENSE};
	decode_hand_variant(&o, "unknowns");
	o.reverse = true;
	o.ids = SHUFFLED;
	decode_hand_variant(&o, "unknowns+reverse");
}

static void test_wire_unpacked(void)
{
	wopts o = {.unpacked = true, .ids = DENSE};
	decode_hand_variant(&o, "unpacked");
	o.unknowns = true;
	decode_hand_variant(&o, "unpacked+unknowns");
}

static void test_wire_string_table_position(void)
{
	wopts o = {.strings_first = true, .ids = DENSE};
	decode_hand_variant(&o, "strings first");
	o.strings_first = false;
	decode_hand_variant(&o, "strings last");
	o.reverse = true;
	decode_hand_variant(&o, "strings last, reversed");
	o.strings_first = true;
	o.ids = SHUFFLED;
	decode_hand_variant(&o, "strings first, reversed");
}

static void test_wire_sparse_ids(void)
{
	wopts o = {.ids = SPARSE};
	decode_hand_variant(&o, "sparse");
	o.reverse = o.unknowns = o.unpacked = true;
	decode_hand_variant(&o, "sparse, everything");
	/* Just past the dense threshold of small profiles. */
	hand_ids near = {1025, 1029, 4000, 1100, 1, 5000};
	o = (wopts){.ids = near};
	decode_hand_variant(&o, "medium ids");
}

/* Mixed packed and unpacked location ids and values within one sample. */
static void test_wire_mixed_packing(void)
{
	static const char *const s[] = {"", "samples", "count", "cpu", "nanoseconds", "f"};
	pbw b = {0}, smp = {0};
	pbw_strings(&b, s, 6);
	pbw_value_type(&b, 1, 1, 2);
	pbw_value_type(&b, 1, 3, 4);
	pbw_function(&b, 1, 5, 5, 0, 1);
	for (uint64_t id = 1; id <= 3; id++)
		pbw_location1(&b, id, 0, 0x100 * id, 1, (int64_t)id + 1);
	uint64_t first[2] = {3, 1};
	pbw_packed(&smp, 1, first, 2);
	pbw_uint(&smp, 2, 7);                 /* first value unpacked */
	pbw_uint(&smp, 1, 2);                 /* third location unpacked */
	uint64_t second[1] = {(uint64_t)-9};
	pbw_packed(&smp, 2, second, 1);       /* second value packed, negative */
	pbw_msg(&b, 2, &smp);
	pgo_profile *p = tu_decode(b.data, b.len);
	CHECK(p != NULL);
	if (p) {
		CHECK(p->n_samples == 1 && p->samples[0].n_locations == 3);
		const uint32_t *sl = p->sample_locations + p->samples[0].locations_at;
		CHECK(p->locations[sl[0]].address == 0x300 && p->locations[sl[1]].address == 0x100 &&
		      p->locations[sl[2]].address == 0x200);
		CHECK(tu_values(p, 0)[0] == 7 && tu_values(p, 0)[1] == -9);
	}
	pgo_profile_free(p);
	pbw_free(&b);
	pbw_free(&smp);
}

/* Duplicate strings in the table are legal; both indexes read the same. */
static void test_wire_duplicate_strings(void)
{
	static const char *const s[] = {"", "samples", "count", "f", "samples", "f"};
	pbw b = {0};
	pbw_strings(&b, s, 6);
	pbw_value_type(&b, 1, 4, 2);
	pbw_function(&b, 1, 5, 3, 0, 1);
	pbw_location1(&b, 1, 0, 0x10, 1, 2);
	uint64_t locs[1] = {1};
	int64_t v[1] = {1};
	pbw_sample(&b, locs, 1, v, 1);
	pgo_profile *p = tu_decode(b.data, b.len);
	CHECK(p != NULL);
	if (p) {
		CHECK(tu_streq(p, p->sample_types[0].type, "samples"));
		CHECK(tu_streq(p, p->functions[0].name, "f") && tu_streq(p, p->functions[0].system_name, "f"));
	}
	pgo_profile_free(p);
	pbw_free(&b);
}

/* ------------------------------------------------------------------ */
/* Errors                                                              */

/* Decodes b as `name`, expects `want` and a message naming the input and
 * (when offset != SIZE_MAX) "offset <offset>:"; needle, if given, must appear. */
static void expect_error_at(const pbw *b, pgo_status want, size_t offset, const char *needle, int line)
{
	pgo_profile *p = NULL;
	pgo_error err = {0};
	pgo_status st = pgo_decode(b->data, b->len, "bad-input.pprof", NULL, &p, &err);
	char at[48];
	snprintf(at, sizeof at, "offset %zu:", offset);
	bool ok = st == want && p == NULL && err.status == want && strstr(err.message, "bad-input.pprof") &&
	          (offset == SIZE_MAX ? strstr(err.message, "offset ") != NULL : strstr(err.message, at) != NULL) &&
	          (!needle || strstr(err.message, needle));
	CHECK(ok);
	if (!ok)
		fprintf(stderr, "  (line %d) status %d (want %d), expected \"%s\" and \"%s\" in: %s\n", line, (int)st,
		        (int)want, offset == SIZE_MAX ? "offset" : at, needle ? needle : "", err.message);
	pgo_profile_free(p);
}
#define EXPECT_ERROR(b, want, offset, needle) expect_error_at(b, want, offset, needle, __LINE__)

static const char *const BASE_STRINGS[] = {"", "samples", "count", "f"};

/* string table and one sample type; the caller adds the rest */
static void base_head(pbw *b)
{
	pbw_strings(b, BASE_STRINGS, 4);
	pbw_value_type(b, 1, 1, 2);
}

static void test_error_string_index(void)
{
	pbw b = {0}, fn = {0};
	base_head(&b);
	pbw_uint(&fn, 1, 1);
	size_t name_at = pbw_uint(&fn, 2, 99);
	size_t payload = pbw_msg(&b, 5, &fn);
	EXPECT_ERROR(&b, PGO_ERR_INVALID, payload + name_at, "99");
	pbw_free(&b);

	/* in a sample type */
	pbw_strings(&b, BASE_STRINGS, 4);
	pbw vt = {0};
	pbw_uint(&vt, 1, 1);
	size_t unit_at = pbw_uint(&vt, 2, 4);
	payload = pbw_msg(&b, 1, &vt);
	EXPECT_ERROR(&b, PGO_ERR_INVALID, payload + unit_at, "string index 4");
	pbw_free(&b);

	/* in a label */
	base_head(&b);
	pbw lb = {0}, smp = {0};
	size_t key_at = pbw_uint(&lb, 1, 1000);
	int64_t one = 1;
	uint64_t v = (uint64_t)one;
	pbw_packed(&smp, 2, &v, 1);
	size_t label_payload = pbw_msg(&smp, 3, &lb);
	payload = pbw_msg(&b, 2, &smp);
	EXPECT_ERROR(&b, PGO_ERR_INVALID, payload + label_payload + key_at, "1000");
	pbw_free(&b);

	/* a comment, unpacked */
	base_head(&b);
	size_t comment_at = pbw_uint(&b, 13, 4);
	EXPECT_ERROR(&b, PGO_ERR_INVALID, comment_at, "comment");
	pbw_free(&b);

	/* a top-level string field */
	base_head(&b);
	size_t doc_at = pbw_uint(&b, 15, 77);
	EXPECT_ERROR(&b, PGO_ERR_INVALID, doc_at, "77");
	pbw_free(&b);
	pbw_free(&fn);
	pbw_free(&vt);
	pbw_free(&lb);
	pbw_free(&smp);
}

static void test_error_duplicate_id(void)
{
	pbw b = {0}, fn = {0};
	base_head(&b);
	pbw_function(&b, 1, 3, 3, 0, 1);
	size_t key_at;
	pbw_uint(&fn, 1, 1);
	pbw_uint(&fn, 2, 3);
	size_t payload = pbw_msg_at(&b, 5, &fn, &key_at);
	/* The offset is that of the second function (its key or its id field). */
	pgo_profile *p = NULL;
	pgo_error err = {0};
	CHECK(pgo_decode(b.data, b.len, "dup.pprof", NULL, &p, &err) == PGO_ERR_INVALID);
	CHECK(p == NULL && strstr(err.message, "dup.pprof") && strstr(err.message, "ID 1"));
	char a1[40], a2[40];
	snprintf(a1, sizeof a1, "offset %zu:", key_at);
	snprintf(a2, sizeof a2, "offset %zu:", payload);
	bool at = strstr(err.message, a1) || strstr(err.message, a2);
	CHECK(at);
	if (!at)
		fprintf(stderr, "  duplicate function ID: want \"%s\" or \"%s\" in: %s\n", a1, a2, err.message);
	pbw_free(&b);

	/* duplicate location and mapping IDs are caught the same way */
	base_head(&b);
	pbw_function(&b, 1, 3, 3, 0, 1);
	pbw_location1(&b, 5, 0, 0x10, 1, 2);
	pbw_location1(&b, 5, 0, 0x20, 1, 3);
	EXPECT_ERROR(&b, PGO_ERR_INVALID, SIZE_MAX, "ID 5");
	pbw_free(&b);
	base_head(&b);
	for (int i = 0; i < 2; i++) {
		pbw mp = {0};
		pbw_uint(&mp, 1, (uint64_t)1 << 50);
		pbw_uint(&mp, 3, 0x1000 * (uint64_t)(i + 1));
		pbw_msg(&b, 3, &mp);
		pbw_free(&mp);
	}
	EXPECT_ERROR(&b, PGO_ERR_INVALID, SIZE_MAX, "mapping");
	pbw_free(&b);
	pbw_free(&fn);
}

static void test_error_zero_id(void)
{
	pbw b = {0}, loc = {0}, ln = {0};
	base_head(&b);
	pbw_function(&b, 1, 3, 3, 0, 1);
	pbw_location1(&b, 1, 0, 0x10, 1, 2);
	pbw_uint(&loc, 3, 0x20); /* no id field: ID 0 */
	pbw_uint(&ln, 1, 1);
	pbw_msg(&loc, 4, &ln);
	size_t key_at;
	pbw_msg_at(&b, 4, &loc, &key_at);
	EXPECT_ERROR(&b, PGO_ERR_INVALID, key_at, "ID 0");
	pbw_free(&b);

	/* an explicit id of 0 on a function */
	base_head(&b);
	pbw fn = {0};
	pbw_uint(&fn, 1, 0);
	pbw_uint(&fn, 2, 3);
	pbw_msg_at(&b, 5, &fn, &key_at);
	EXPECT_ERROR(&b, PGO_ERR_INVALID, key_at, "ID 0");
	pbw_free(&b);
	pbw_free(&fn);
	pbw_free(&loc);
	pbw_free(&ln);
}

static void test_error_value_count(void)
{
	pbw b = {0}, smp = {0};
	/* two values for one sample type: the second value is the culprit */
	base_head(&b);
	uint64_t v[2] = {1, 2};
	pbw_packed(&smp, 2, v, 2);
	size_t payload = pbw_msg(&b, 2, &smp);
	EXPECT_ERROR(&b, PGO_ERR_INVALID, payload + 3, "sample 1");
	pbw_free(&b);

	/* one value for two sample types: the sample itself (the second one) */
	static const char *const s[] = {"", "samples", "count", "cpu", "nanoseconds"};
	pbw_strings(&b, s, 5);
	pbw_value_type(&b, 1, 1, 2);
	pbw_value_type(&b, 1, 3, 4);
	pbw_packed(&smp, 2, v, 2);
	pbw_msg(&b, 2, &smp);
	uint64_t one = 5;
	size_t second_at;
	pbw_packed(&smp, 2, &one, 1);
	pbw_msg_at(&b, 2, &smp, &second_at);
	EXPECT_ERROR(&b, PGO_ERR_INVALID, second_at, "sample 2 has 1 values");
	pbw_free(&b);

	/* no values at all */
	pbw_strings(&b, s, 5);
	pbw_value_type(&b, 1, 1, 2);
	size_t first_at;
	pbw_msg_at(&b, 2, &smp, &first_at);
	EXPECT_ERROR(&b, PGO_ERR_INVALID, first_at, "sample 1 has 0 values");
	pbw_free(&b);

	/* samples but no sample types */
	pbw_strings(&b, s, 5);
	pbw_msg(&b, 2, &smp);
	EXPECT_ERROR(&b, PGO_ERR_INVALID, SIZE_MAX, "no sample types");
	pbw_free(&b);
	pbw_free(&smp);
}

static void test_error_missing_references(void)
{
	pbw b = {0}, loc = {0}, ln = {0}, smp = {0};
	/* a line naming a function that does not exist */
	base_head(&b);
	pbw_function(&b, 1, 3, 3, 0, 1);
	pbw_uint(&loc, 1, 1);
	pbw_uint(&loc, 3, 0x10);
	size_t fn_at = pbw_uint(&ln, 1, 7);
	pbw_uint(&ln, 2, 3);
	size_t line_payload = pbw_msg(&loc, 4, &ln);
	size_t loc_payload = pbw_msg(&b, 4, &loc);
	EXPECT_ERROR(&b, PGO_ERR_INVALID, loc_payload + line_payload + fn_at, "function 7");
	pbw_free(&b);

	/* a location naming a mapping that does not exist */
	base_head(&b);
	pbw_uint(&loc, 1, 1);
	size_t map_at = pbw_uint(&loc, 2, 3);
	loc_payload = pbw_msg(&b, 4, &loc);
	EXPECT_ERROR(&b, PGO_ERR_INVALID, loc_payload + map_at, "mapping 3");
	pbw_free(&b);

	/* a sample naming a location that does not exist, packed */
	base_head(&b);
	pbw_function(&b, 1, 3, 3, 0, 1);
	pbw_location1(&b, 1, 0, 0x10, 1, 2);
	uint64_t locs[2] = {1, 9};
	pbw_packed(&smp, 1, locs, 2);
	pbw_uint(&smp, 2, 1);
	size_t payload = pbw_msg(&b, 2, &smp);
	EXPECT_ERROR(&b, PGO_ERR_INVALID, payload + 3, "location 9");
	pbw_free(&b);

	/* ... and unpacked */
	base_head(&b);
	pbw_function(&b, 1, 3, 3, 0, 1);
	pbw_location1(&b, 1, 0, 0x10, 1, 2);
	pbw_uint(&smp, 2, 1);
	pbw_uint(&smp, 1, 1);
	size_t loc_at = pbw_uint(&smp, 1, (uint64_t)1 << 40);
	payload = pbw_msg(&b, 2, &smp);
	EXPECT_ERROR(&b, PGO_ERR_INVALID, payload + loc_at, "location 1099511627776");
	pbw_free(&b);
	pbw_free(&loc);
	pbw_free(&ln);
	pbw_free(&smp);
}

static void test_error_string_table(void)
{
	pbw b = {0};
	/* entry 0 not empty */
	pbw_value_type(&b, 1, 0, 0);
	size_t at = pbw_str(&b, 6, "x");
	pbw_str(&b, 6, "");
	EXPECT_ERROR(&b, PGO_ERR_INVALID, at, "string_table[0]");
	pbw_free(&b);
	/* no string table at all */
	pbw_value_type(&b, 1, 0, 0);
	EXPECT_ERROR(&b, PGO_ERR_INVALID, SIZE_MAX, "string table");
	pbw_free(&b);
}

static void test_error_empty(void)
{
	pgo_profile *p = NULL;
	pgo_error err = {0};
	uint8_t none[1] = {0};
	CHECK(pgo_decode(none, 0, "empty.pprof", NULL, &p, &err) == PGO_ERR_EMPTY);
	CHECK(p == NULL && err.status == PGO_ERR_EMPTY && strstr(err.message, "empty.pprof"));
	/* a gzip stream of nothing is just as empty */
	uint8_t *gz = NULL;
	size_t gn = 0;
	CHECK_OK(pgo_gzip(none, 0, 6, &gz, &gn, NULL));
	memset(&err, 0, sizeof err);
	CHECK(pgo_decode(gz, gn, "empty.pprof.gz", NULL, &p, &err) == PGO_ERR_EMPTY);
	CHECK(p == NULL && strstr(err.message, "empty.pprof.gz"));
	free(gz);
	CHECK(strcmp(pgo_status_name(PGO_ERR_EMPTY), "empty input") == 0);
}

static void test_error_wire_format(void)
{
	pbw b = {0};
	wopts o = {.ids = DENSE};
	write_hand(&b, &o);
	/* truncated by one byte: the last string runs past the end */
	pbw cut = b;
	cut.len--;
	EXPECT_ERROR(&cut, PGO_ERR_FORMAT, SIZE_MAX, NULL);
	pbw_free(&b);

	/* a group (wire type 3) at the top level */
	base_head(&b);
	size_t at = b.len;
	pbw_key(&b, 16, PBW_SGROUP);
	pbw_key(&b, 16, PBW_EGROUP);
	EXPECT_ERROR(&b, PGO_ERR_FORMAT, at, "wire type 3");
	pbw_free(&b);

	/* a group inside a function */
	base_head(&b);
	pbw fn = {0};
	pbw_uint(&fn, 1, 1);
	size_t grp = fn.len;
	pbw_key(&fn, 20, PBW_EGROUP);
	size_t payload = pbw_msg(&b, 5, &fn);
	EXPECT_ERROR(&b, PGO_ERR_FORMAT, payload + grp, "wire type 4");
	pbw_free(&b);

	/* field number 0 */
	base_head(&b);
	at = b.len;
	pbw_uint(&b, 0, 1);
	EXPECT_ERROR(&b, PGO_ERR_FORMAT, at, "field number 0");
	pbw_free(&b);

	/* a known field with the wrong wire type */
	base_head(&b);
	at = pbw_fixed64(&b, 9, 5); /* time_nanos as fixed64 */
	EXPECT_ERROR(&b, PGO_ERR_FORMAT, at, "time_nanos");
	pbw_free(&b);
	base_head(&b);
	at = pbw_uint(&b, 6, 1); /* a string table entry as a varint */
	EXPECT_ERROR(&b, PGO_ERR_FORMAT, at, "string_table");
	pbw_free(&b);

	/* a varint that overflows 64 bits */
	base_head(&b);
	static const uint8_t over[] = {0x48, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
	pbw_raw(&b, over, sizeof over);
	EXPECT_ERROR(&b, PGO_ERR_FORMAT, SIZE_MAX, "varint");
	pbw_free(&b);

	/* a length that runs past the end */
	base_head(&b);
	at = b.len;
	pbw_key(&b, 2, PBW_LEN);
	pbw_varint(&b, 100);
	pbw_raw(&b, "abc", 3);
	EXPECT_ERROR(&b, PGO_ERR_FORMAT, at, "100 bytes");
	pbw_free(&b);
	pbw_free(&fn);
}

/* ------------------------------------------------------------------ */
/* Limits                                                              */

typedef struct limit_case {
	const char *name;
	size_t field_offset; /* offsetof in pgo_limits */
	bool is_size;
	uint64_t count;      /* what the hand profile holds */
} limit_case;

static void set_limit(pgo_limits *l, const limit_case *c, uint64_t v)
{
	char *f = (char *)l + c->field_offset;
	if (c->is_size) {
		size_t s = (size_t)v;
		memcpy(f, &s, sizeof s);
	} else {
		uint32_t u = (uint32_t)v;
		memcpy(f, &u, sizeof u);
	}
}

static void test_limits(void)
{
	pbw b = {0};
	wopts o = {.ids = DENSE};
	write_hand(&b, &o);
	const limit_case cases[] = {
		{"decompressed bytes", offsetof(pgo_limits, max_decompressed_bytes), true, b.len},
		{"strings", offsetof(pgo_limits, max_strings), false, N_HS},
		{"sample types", offsetof(pgo_limits, max_sample_types), false, 2},
		{"samples", offsetof(pgo_limits, max_samples), false, 3},
		{"locations", offsetof(pgo_limits, max_locations), false, 3},
		{"functions", offsetof(pgo_limits, max_functions), false, 2},
		{"mappings", offsetof(pgo_limits, max_mappings), false, 1},
		{"lines", offsetof(pgo_limits, max_lines), false, 4},
		{"sample locations", offsetof(pgo_limits, max_sample_locations), false, 5},
		{"labels", offsetof(pgo_limits, max_labels), false, 2},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const limit_case *c = &cases[i];
		pgo_limits l;
		pgo_limits_default(&l);
		set_limit(&l, c, c->count);
		pgo_profile *p = NULL;
		pgo_error err = {0};
		pgo_status st = pgo_decode(b.data, b.len, "limited.pprof", &l, &p, &err);
		CHECK(st == PGO_OK);
		if (st)
			fprintf(stderr, "  limit %s at exactly %" PRIu64 ": %s\n", c->name, c->count, err.message);
		pgo_profile_free(p);
		p = NULL;
		set_limit(&l, c, c->count - 1);
		memset(&err, 0, sizeof err);
		st = pgo_decode(b.data, b.len, "limited.pprof", &l, &p, &err);
		bool ok = st == PGO_ERR_LIMIT && p == NULL && err.status == PGO_ERR_LIMIT &&
		          strstr(err.message, "limited.pprof");
		CHECK(ok);
		if (!ok)
			fprintf(stderr, "  limit %s at %" PRIu64 ": status %d: %s\n", c->name, c->count - 1, (int)st,
			        err.message);
		pgo_profile_free(p);
	}
	pbw_free(&b);

	/* The defaults are the documented ones. */
	pgo_limits d;
	pgo_limits_default(&d);
	CHECK(d.max_decompressed_bytes == (size_t)1 << 30);
	CHECK(d.max_samples == 1u << 24 && d.max_locations == 1u << 24 && d.max_functions == 1u << 22);
	CHECK(d.max_strings == 1u << 24);
}

/* ------------------------------------------------------------------ */
/* Compression                                                         */

static void test_sniff(void)
{
	static const uint8_t gz[] = {0x1f, 0x8b, 0x08}, zs[] = {0x28, 0xb5, 0x2f, 0xfd, 0x00}, raw[] = {0x0a, 0x00};
	CHECK(pgo_sniff(gz, 3) == PGO_COMPRESSION_GZIP);
	CHECK(pgo_sniff(gz, 2) == PGO_COMPRESSION_GZIP);
	CHECK(pgo_sniff(gz, 1) == PGO_COMPRESSION_NONE);
	CHECK(pgo_sniff(zs, 5) == PGO_COMPRESSION_ZSTD);
	CHECK(pgo_sniff(zs, 3) == PGO_COMPRESSION_NONE);
	CHECK(pgo_sniff(raw, 2) == PGO_COMPRESSION_NONE);
	CHECK(pgo_sniff(raw, 0) == PGO_COMPRESSION_NONE);
}

static void test_gzip(void)
{
	pbw b = {0};
	wopts o = {.ids = DENSE};
	write_hand(&b, &o);
	uint8_t *gz = NULL;
	size_t gn = 0;
	CHECK_OK(pgo_gzip(b.data, b.len, 9, &gz, &gn, NULL));
	pgo_profile *p = tu_decode(gz, gn);
	CHECK(p != NULL);
	if (p)
		check_hand(p, &DENSE);
	pgo_profile_free(p);

	/* the decompressed-size limit counts decompressed bytes */
	pgo_limits l;
	pgo_limits_default(&l);
	l.max_decompressed_bytes = b.len;
	pgo_error err = {0};
	p = NULL;
	CHECK(pgo_decode(gz, gn, "gz", &l, &p, &err) == PGO_OK);
	pgo_profile_free(p);
	p = NULL;
	l.max_decompressed_bytes = b.len - 1;
	CHECK(pgo_decode(gz, gn, "gz-limited", &l, &p, &err) == PGO_ERR_LIMIT);
	CHECK(p == NULL && strstr(err.message, "gz-limited"));

	/* two gzip members, split mid-message, make one stream */
	size_t half = b.len / 2 + 3;
	uint8_t *g1 = NULL, *g2 = NULL;
	size_t n1 = 0, n2 = 0;
	CHECK_OK(pgo_gzip(b.data, half, 1, &g1, &n1, NULL));
	CHECK_OK(pgo_gzip(b.data + half, b.len - half, 12, &g2, &n2, NULL));
	uint8_t *cat = malloc(n1 + n2);
	memcpy(cat, g1, n1);
	memcpy(cat + n1, g2, n2);
	p = tu_decode(cat, n1 + n2);
	CHECK(p != NULL);
	if (p)
		check_hand(p, &DENSE);
	pgo_profile_free(p);

	/* trailing garbage after a member */
	uint8_t *junk = malloc(gn + 3);
	memcpy(junk, gz, gn);
	memcpy(junk + gn, "xyz", 3);
	memset(&err, 0, sizeof err);
	p = NULL;
	CHECK(pgo_decode(junk, gn + 3, "junk.gz", NULL, &p, &err) == PGO_ERR_COMPRESSION);
	char at[40];
	snprintf(at, sizeof at, "offset %zu", gn);
	CHECK(p == NULL && strstr(err.message, "junk.gz") && strstr(err.message, at));

	/* truncated and corrupt streams */
	memset(&err, 0, sizeof err);
	CHECK(pgo_decode(gz, gn - 5, "cut.gz", NULL, &p, &err) == PGO_ERR_COMPRESSION);
	CHECK(p == NULL && strstr(err.message, "cut.gz"));
	memcpy(junk, gz, gn);
	junk[gn - 8] ^= 0x55; /* the CRC */
	memset(&err, 0, sizeof err);
	CHECK(pgo_decode(junk, gn, "crc.gz", NULL, &p, &err) == PGO_ERR_COMPRESSION);
	CHECK(p == NULL && strstr(err.message, "crc.gz"));
	/* just the magic */
	CHECK(pgo_decode(gz, 2, "magic.gz", NULL, &p, &err) == PGO_ERR_COMPRESSION);

	/* pgo_gzip rejects levels outside 1..12 */
	uint8_t *bad = NULL;
	size_t badn = 0;
	CHECK(pgo_gzip(b.data, b.len, 0, &bad, &badn, NULL) == PGO_ERR_ARGUMENT);
	CHECK(pgo_gzip(b.data, b.len, 13, &bad, &badn, NULL) == PGO_ERR_ARGUMENT);

	free(junk);
	free(cat);
	free(g1);
	free(g2);
	free(gz);
	pbw_free(&b);
}

/* A gzip stream that inflates far past the initial buffer. */
static void test_gzip_large(void)
{
	size_t n = 3u << 20;
	pbw b = {0};
	pbw_str(&b, 6, "");
	char *big = malloc(n);
	memset(big, 'q', n);
	pbw_bytes(&b, 6, big, n);
	pbw_uint(&b, 13, 1);
	uint8_t *gz = NULL;
	size_t gn = 0;
	CHECK_OK(pgo_gzip(b.data, b.len, 6, &gz, &gn, NULL));
	CHECK(gn < b.len / 100);
	pgo_profile *p = tu_decode(gz, gn);
	CHECK(p && p->n_comments == 1);
	if (p && p->n_comments == 1) {
		size_t len;
		const char *s = pgo_string(p, p->comments[0], &len);
		CHECK(len == n && s[0] == 'q' && s[n - 1] == 'q');
	}
	pgo_profile_free(p);
	pgo_limits l;
	pgo_limits_default(&l);
	l.max_decompressed_bytes = b.len - 1;
	pgo_error err = {0};
	p = NULL;
	CHECK(pgo_decode(gz, gn, "bomb.gz", &l, &p, &err) == PGO_ERR_LIMIT);
	l.max_decompressed_bytes = b.len;
	CHECK(pgo_decode(gz, gn, "bomb.gz", &l, &p, &err) == PGO_OK);
	pgo_profile_free(p);
	free(gz);
	free(big);
	pbw_free(&b);
}

/*
 * zstd fixtures, made with the zstd CLI (v1.5) from a 70-byte profile
 * (samples/count; main.z in z.go, start line 3; one location at 0x10,
 * line 4; one sample of value 7):
 *   z_zst:    zstd -19 -c z.pb                 (one frame with content size)
 *   z2_zst:   the profile's first 20 bytes and the rest as two frames
 * and from a 150030-byte profile holding one 150000-byte comment of 'x':
 *   big_zst:  zstd -19 -c big.pb               (content size in the header)
 *   bigs_zst: cat big.pb | zstd -19 -c         (no content size)
 */
static const uint8_t z_zst[] = {
	0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x46, 0x31, 0x02, 0x00, 0x0a, 0x04, 0x08, 0x01, 0x10, 0x02, 0x12, 0x06,
	0x0a, 0x01, 0x01, 0x12, 0x01, 0x07, 0x22, 0x0a, 0x08, 0x01, 0x18, 0x10, 0x22, 0x04, 0x08, 0x01, 0x10,
	0x04, 0x2a, 0x0a, 0x08, 0x01, 0x10, 0x03, 0x18, 0x03, 0x20, 0x04, 0x28, 0x03, 0x32, 0x00, 0x32, 0x07,
	0x73, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x73, 0x32, 0x05, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x32, 0x06, 0x6d,
	0x61, 0x69, 0x6e, 0x2e, 0x7a, 0x32, 0x04, 0x7a, 0x2e, 0x67, 0x6f, 0xc9, 0x59, 0xb6, 0xcc,
};
static const uint8_t z2_zst[] = {
	0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x14, 0xa1, 0x00, 0x00, 0x0a, 0x04, 0x08, 0x01, 0x10, 0x02, 0x12, 0x06,
	0x0a, 0x01, 0x01, 0x12, 0x01, 0x07, 0x22, 0x0a, 0x08, 0x01, 0x18, 0x10, 0x2c, 0x44, 0x24, 0xb0, 0x28,
	0xb5, 0x2f, 0xfd, 0x24, 0x32, 0x91, 0x01, 0x00, 0x22, 0x04, 0x08, 0x01, 0x10, 0x04, 0x2a, 0x0a, 0x08,
	0x01, 0x10, 0x03, 0x18, 0x03, 0x20, 0x04, 0x28, 0x03, 0x32, 0x00, 0x32, 0x07, 0x73, 0x61, 0x6d, 0x70,
	0x6c, 0x65, 0x73, 0x32, 0x05, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x32, 0x06, 0x6d, 0x61, 0x69, 0x6e, 0x2e,
	0x7a, 0x32, 0x04, 0x7a, 0x2e, 0x67, 0x6f, 0x13, 0x80, 0xfc, 0xc0,
};
static const uint8_t big_zst[] = {
	0x28, 0xb5, 0x2f, 0xfd, 0xa4, 0x0e, 0x4a, 0x02, 0x00, 0x2c, 0x01, 0x00, 0xe8, 0x0a, 0x04, 0x08, 0x01,
	0x10, 0x02, 0x32, 0x00, 0x32, 0x07, 0x73, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x73, 0x32, 0x05, 0x63, 0x6f,
	0x75, 0x6e, 0x74, 0x32, 0xf0, 0x93, 0x09, 0x78, 0x01, 0x00, 0x81, 0xff, 0xe7, 0xc0, 0x09, 0x4d, 0x00,
	0x00, 0x10, 0x68, 0x03, 0x01, 0x00, 0x09, 0xca, 0x0e, 0x80, 0x29, 0x18, 0x83, 0x98,
};
static const uint8_t bigs_zst[] = {
	0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x68, 0x2c, 0x01, 0x00, 0xe8, 0x0a, 0x04, 0x08, 0x01, 0x10, 0x02, 0x32,
	0x00, 0x32, 0x07, 0x73, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x73, 0x32, 0x05, 0x63, 0x6f, 0x75, 0x6e, 0x74,
	0x32, 0xf0, 0x93, 0x09, 0x78, 0x01, 0x00, 0x81, 0xff, 0xe7, 0xc0, 0x09, 0x4d, 0x00, 0x00, 0x10, 0x68,
	0x03, 0x01, 0x00, 0x09, 0xca, 0x0e, 0x80, 0x29, 0x18, 0x83, 0x98,
};
/*
 * Profiles of exactly 64 KiB (comment of 65506 'x', `cat | zstd -19`, no
 * content size) and 128 KiB (comment of 131042 'x', `zstd -19 FILE`, with
 * content size): sizes that fill the decompressor's growing buffer exactly.
 */
static const uint8_t e64_zst[] = {
	0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x68, 0x3d, 0x01, 0x00, 0xf8, 0x0a, 0x04, 0x08, 0x01, 0x10, 0x02, 0x32,
	0x00, 0x32, 0x07, 0x73, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x73, 0x32, 0x05, 0x63, 0x6f, 0x75, 0x6e, 0x74,
	0x32, 0xe2, 0xff, 0x03, 0x78, 0x68, 0x03, 0x01, 0x00, 0x79, 0xff, 0x75, 0xe0, 0x04, 0xc0, 0x0e, 0x06,
	0x63,
};
static const uint8_t e128_zst[] = {
	0x28, 0xb5, 0x2f, 0xfd, 0xa4, 0x00, 0x00, 0x02, 0x00, 0x3d, 0x01, 0x00, 0xf8, 0x0a, 0x04, 0x08, 0x01,
	0x10, 0x02, 0x32, 0x00, 0x32, 0x07, 0x73, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x73, 0x32, 0x05, 0x63, 0x6f,
	0x75, 0x6e, 0x74, 0x32, 0xe2, 0xff, 0x07, 0x78, 0x68, 0x03, 0x01, 0x00, 0x79, 0xff, 0xe7, 0xc0, 0x09,
	0x3a, 0x2c, 0xd7, 0x25,
};
#define Z_RAW_SIZE 70u
#define BIG_RAW_SIZE 150030u

static void check_z(const pgo_profile *p)
{
	CHECK(p->n_sample_types == 1 && tu_streq(p, p->sample_types[0].type, "samples"));
	CHECK(p->n_functions == 1 && tu_streq(p, p->functions[0].name, "main.z") &&
	      tu_streq(p, p->functions[0].filename, "z.go") && p->functions[0].start_line == 3);
	CHECK(p->n_locations == 1 && p->locations[0].address == 0x10 && p->lines[0].line == 4);
	CHECK(p->n_samples == 1 && p->values[0] == 7);
}

static void test_zstd(void)
{
	CHECK(pgo_sniff(z_zst, sizeof z_zst) == PGO_COMPRESSION_ZSTD);
	pgo_profile *p = tu_decode(z_zst, sizeof z_zst);
	CHECK(p != NULL);
	if (p)
		check_z(p);
	pgo_profile_free(p);
	p = tu_decode(z2_zst, sizeof z2_zst);
	CHECK(p != NULL);
	if (p)
		check_z(p);
	pgo_profile_free(p);

	pgo_limits l;
	pgo_limits_default(&l);
	pgo_error err = {0};
	l.max_decompressed_bytes = Z_RAW_SIZE;
	p = NULL;
	CHECK(pgo_decode(z_zst, sizeof z_zst, "z.zst", &l, &p, &err) == PGO_OK);
	pgo_profile_free(p);
	p = NULL;
	CHECK(pgo_decode(z2_zst, sizeof z2_zst, "z2.zst", &l, &p, &err) == PGO_OK);
	pgo_profile_free(p);
	p = NULL;
	l.max_decompressed_bytes = Z_RAW_SIZE - 1;
	CHECK(pgo_decode(z_zst, sizeof z_zst, "z.zst", &l, &p, &err) == PGO_ERR_LIMIT);
	CHECK(p == NULL && strstr(err.message, "z.zst"));
	CHECK(pgo_decode(z2_zst, sizeof z2_zst, "z2.zst", &l, &p, &err) == PGO_ERR_LIMIT);

	/* truncated frames */
	memset(&err, 0, sizeof err);
	CHECK(pgo_decode(z_zst, sizeof z_zst - 4, "cut.zst", NULL, &p, &err) == PGO_ERR_COMPRESSION);
	CHECK(p == NULL && strstr(err.message, "cut.zst"));
	CHECK(pgo_decode(z_zst, 20, "cut.zst", NULL, &p, &err) == PGO_ERR_COMPRESSION);
	CHECK(pgo_decode(z2_zst, 40, "cut2.zst", NULL, &p, &err) == PGO_ERR_COMPRESSION);
	/* corrupt checksum */
	uint8_t bad[sizeof z_zst];
	memcpy(bad, z_zst, sizeof bad);
	bad[sizeof bad - 1] ^= 0xff;
	CHECK(pgo_decode(bad, sizeof bad, "sum.zst", NULL, &p, &err) == PGO_ERR_COMPRESSION);
}

static void test_zstd_large(void)
{
	const uint8_t *fixtures[2] = {big_zst, bigs_zst};
	size_t sizes[2] = {sizeof big_zst, sizeof bigs_zst};
	for (int i = 0; i < 2; i++) {
		uint8_t *raw = NULL;
		size_t n = 0;
		CHECK_OK(pgo_decompress(fixtures[i], sizes[i], "big.zst", SIZE_MAX, &raw, &n, NULL));
		CHECK(n == BIG_RAW_SIZE && raw && raw[n - 1] == 0x03);
		free(raw);
		raw = NULL;
		CHECK_OK(pgo_decompress(fixtures[i], sizes[i], "big.zst", BIG_RAW_SIZE, &raw, &n, NULL));
		CHECK(n == BIG_RAW_SIZE);
		free(raw);
		raw = NULL;
		pgo_error err = {0};
		CHECK(pgo_decompress(fixtures[i], sizes[i], "big.zst", BIG_RAW_SIZE - 1, &raw, &n, &err) ==
		      PGO_ERR_LIMIT);
		CHECK(strstr(err.message, "big.zst") != NULL);
		pgo_profile *p = tu_decode(fixtures[i], sizes[i]);
		CHECK(p && p->n_comments == 1);
		if (p && p->n_comments == 1) {
			size_t len;
			const char *s = pgo_string(p, p->comments[0], &len);
			CHECK(len == 150000 && s[0] == 'x' && s[149999] == 'x');
			CHECK(p->n_sample_types == 1);
		}
		pgo_profile_free(p);
	}
}

/* A stream that decompresses to exactly a power-of-two buffer size is
 * whole, whatever the limit (default limits here). */
static void test_zstd_buffer_sized(void)
{
	const uint8_t *fixtures[2] = {e64_zst, e128_zst};
	size_t sizes[2] = {sizeof e64_zst, sizeof e128_zst}, raw_sizes[2] = {65536, 131072};
	for (int i = 0; i < 2; i++) {
		uint8_t *raw = NULL;
		size_t n = 0;
		pgo_error err = {0};
		pgo_status st = pgo_decompress(fixtures[i], sizes[i], "exact.zst", (size_t)1 << 30, &raw, &n, &err);
		CHECK(st == PGO_OK && n == raw_sizes[i]);
		if (st)
			fprintf(stderr, "  %zu-byte zstd profile: %s\n", raw_sizes[i], err.message);
		free(raw);
		pgo_profile *p = tu_decode(fixtures[i], sizes[i]);
		CHECK(p && p->n_comments == 1);
		pgo_profile_free(p);
	}
}

/* A raw profile of exactly n bytes: "", one long string, a comment. */
static void exact_profile(pbw *b, size_t n)
{
	size_t len = n - 5 - 3;
	while (4 + 1 + pbw_varint_size(len) + len < n)
		len++;
	while (4 + 1 + pbw_varint_size(len) + len > n)
		len--;
	char *s = malloc(len);
	memset(s, 'g', len);
	pbw_str(b, 6, "");
	pbw_bytes(b, 6, s, len);
	pbw_uint(b, 13, 1);
	free(s);
}

/* gzip streams at and around buffer-sized outputs, one and two members. */
static void test_gzip_buffer_sized(void)
{
	static const size_t sizes[] = {65535, 65536, 65537, 131072, 262144};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		pbw b = {0};
		exact_profile(&b, sizes[i]);
		CHECK(b.len == sizes[i]);
		uint8_t *g1 = NULL, *g2 = NULL, *g3 = NULL;
		size_t n1 = 0, n2 = 0, n3 = 0;
		CHECK_OK(pgo_gzip(b.data, b.len, 6, &g1, &n1, NULL));
		pgo_profile *p = tu_decode(g1, n1);
		CHECK(p && p->n_comments == 1);
		pgo_profile_free(p);
		/* two members, the first exactly 64 KiB */
		size_t split = 65536 < b.len ? 65536 : b.len / 2;
		CHECK_OK(pgo_gzip(b.data, split, 6, &g2, &n2, NULL));
		CHECK_OK(pgo_gzip(b.data + split, b.len - split, 6, &g3, &n3, NULL));
		uint8_t *cat = malloc(n2 + n3);
		memcpy(cat, g2, n2);
		memcpy(cat + n2, g3, n3);
		uint8_t *raw = NULL;
		size_t rn = 0;
		pgo_error err = {0};
		pgo_status st = pgo_decompress(cat, n2 + n3, "two.gz", (size_t)1 << 30, &raw, &rn, &err);
		CHECK(st == PGO_OK && rn == b.len && raw && memcmp(raw, b.data, rn) == 0);
		if (st)
			fprintf(stderr, "  %zu bytes in two gzip members: %s\n", sizes[i], err.message);
		free(raw);
		raw = NULL;
		/* and exactly at the limit */
		st = pgo_decompress(cat, n2 + n3, "two.gz", b.len, &raw, &rn, &err);
		CHECK(st == PGO_OK && rn == b.len);
		free(raw);
		raw = NULL;
		CHECK(pgo_decompress(cat, n2 + n3, "two.gz", b.len - 1, &raw, &rn, &err) == PGO_ERR_LIMIT);
		free(cat);
		free(g1);
		free(g2);
		free(g3);
		pbw_free(&b);
	}
}

static void test_decompress_raw(void)
{
	static const uint8_t raw[] = {0x32, 0x00, 0x32, 0x01, 0x61};
	uint8_t *out = NULL;
	size_t n = 0;
	CHECK_OK(pgo_decompress(raw, sizeof raw, "r", sizeof raw, &out, &n, NULL));
	CHECK(n == sizeof raw && out && memcmp(out, raw, n) == 0);
	free(out);
	out = NULL;
	pgo_error err = {0};
	CHECK(pgo_decompress(raw, sizeof raw, "raw-name", sizeof raw - 1, &out, &n, &err) == PGO_ERR_LIMIT);
	CHECK(strstr(err.message, "raw-name") != NULL);
}
/* A CPU profile of about 10 MiB raw: many distinct stacks, so that its
 * gzip output has several 1 MiB blocks for threads to share. */
static pgo_profile *several_blocks_profile(void)
{
	pgo_profile *p = tu_cpu_profile();
	uint32_t locs[4000];
	char name[32];
	for (uint32_t i = 0; i < 4000; i++) {
		snprintf(name, sizeof name, "pkg%u.fn%u", i % 37, i);
		locs[i] = tu_loc(p, PGO_NONE, 0x400000 + 16 * (uint64_t)i, tu_fn(p, name, "x.go", i), 10 + i % 50);
	}
	uint64_t x = 0x9e3779b97f4a7c15ull;
	uint32_t stack[40];
	for (uint32_t s = 0; s < 200000; s++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint32_t depth = 1 + (uint32_t)(x % 40);
		for (uint32_t d = 0; d < depth; d++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			stack[d] = locs[x % 4000];
		}
		int64_t v[2] = {1 + (int64_t)(x % 7), 10000000 * (1 + (int64_t)(x % 7))};
		tu_sample(p, stack, depth, v);
	}
	return p;
}

/* The gzip output is the same bytes whatever the thread count. */
static void test_gzip_threads(void)
{
	pgo_profile *p = several_blocks_profile();
	size_t n_raw = 0;
	uint8_t *raw = tu_encode(p, &n_raw);
	CHECK(n_raw > (6u << 20)); /* more blocks than threads below */
	static const int levels[] = {1, 6};
	static const int threads[] = {2, 3, 8, 1000, 0, -1};
	for (size_t l = 0; l < 2; l++) {
		uint8_t *one = NULL, *raw_back = NULL;
		size_t n_one = 0, n_back = 0;
		CHECK_OK(pgo_encode(p, levels[l], &one, &n_one, NULL));
		CHECK_OK(pgo_decompress(one, n_one, "one", SIZE_MAX, &raw_back, &n_back, NULL));
		CHECK(n_back == n_raw && raw_back && memcmp(raw_back, raw, n_raw) == 0);
		for (size_t t = 0; t < sizeof threads / sizeof *threads; t++) {
			uint8_t *many = NULL;
			size_t n_many = 0;
			CHECK_OK(pgo_encode_threads(p, levels[l], threads[t], &many, &n_many, NULL));
			if (n_many != n_one || !many || memcmp(many, one, n_one) != 0) {
				fprintf(stderr, "  level %d, %d threads: %zu bytes differ from one thread's %zu\n", levels[l],
				        threads[t], n_many, n_one);
				CHECK(false);
			}
			free(many);
		}
		/* and pgo_gzip_threads on the raw bytes, cut short of a block */
		uint8_t *a = NULL, *b = NULL;
		size_t na = 0, nb = 0, cut = n_raw - 12345;
		CHECK_OK(pgo_gzip(raw, cut, levels[l], &a, &na, NULL));
		CHECK_OK(pgo_gzip_threads(raw, cut, levels[l], 2, &b, &nb, NULL));
		CHECK(na == nb && a && b && memcmp(a, b, na) == 0);
		free(a);
		free(b);
		free(one);
		free(raw_back);
	}
	free(raw);
	pgo_profile_free(p);
}

int main(void)
{
	RUN_TESTS("test_codec",
	          test_roundtrip_builder, test_encode_deterministic, test_encode_empty_profile,
	          test_wire_plain, test_wire_unknown_fields, test_wire_unpacked, test_wire_string_table_position,
	          test_wire_sparse_ids, test_wire_mixed_packing, test_wire_duplicate_strings,
	          test_error_string_index, test_error_duplicate_id, test_error_zero_id, test_error_value_count,
	          test_error_missing_references, test_error_string_table, test_error_empty, test_error_wire_format,
	          test_limits, test_sniff, test_gzip, test_gzip_large, test_gzip_threads, test_gzip_buffer_sized, test_zstd, test_zstd_large, test_zstd_buffer_sized,
	          test_decompress_raw);
}
