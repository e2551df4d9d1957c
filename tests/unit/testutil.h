/*
 * Helpers shared by the unit tests: building small profiles, encoding,
 * decoding, the edge text, and looking entities up by content.
 *
 * Set PGO_UNIT_DUMP=DIR to have tu_dump() write profiles (raw pprof) and
 * their expected `go tool preprofile` text into DIR, for checking the
 * expectations against the Go toolchain by hand:
 *   cd DIR && for f in *.pprof; do t=${f%.pprof}; go tool preprofile -i $f -o $t.go;
 *     cmp $t.go $t.expected; done
 * The tests themselves never need Go.
 */
#ifndef PGO_TEST_UTIL_H
#define PGO_TEST_UTIL_H

#include "harness.h"
#include "pgo.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The string behind s. */
static inline const char *tu_s(const pgo_profile *p, pgo_str s)
{
	return pgo_string(p, s, NULL);
}

static inline bool tu_streq(const pgo_profile *p, pgo_str s, const char *want)
{
	size_t len;
	const char *got = pgo_string(p, s, &len);
	return len == strlen(want) && memcmp(got, want, len) == 0;
}

static inline pgo_str tu_intern(pgo_profile *p, const char *s)
{
	pgo_str out = 0;
	if (pgo_intern(p, s, strlen(s), &out) != PGO_OK) {
		fprintf(stderr, "tu_intern failed\n");
		abort();
	}
	return out;
}

/* A new profile with the given sample types ("type/unit" pairs, NULL-ended)
 * and period type cpu/nanoseconds. */
static inline pgo_profile *tu_profile(const char *const *types)
{
	pgo_profile *p = pgo_profile_new();
	if (!p)
		abort();
	for (size_t i = 0; types && types[i]; i += 2)
		if (pgo_add_sample_type(p, types[i], types[i + 1]) != PGO_OK)
			abort();
	p->period_type.type = tu_intern(p, "cpu");
	p->period_type.unit = tu_intern(p, "nanoseconds");
	return p;
}

/* The usual CPU profile: samples/count, cpu/nanoseconds. */
static inline pgo_profile *tu_cpu_profile(void)
{
	static const char *const types[] = {"samples", "count", "cpu", "nanoseconds", NULL};
	return tu_profile(types);
}

/* Only samples/count: one value per sample, convenient for edge tests. */
static inline pgo_profile *tu_count_profile(void)
{
	static const char *const types[] = {"samples", "count", NULL};
	return tu_profile(types);
}

static inline uint32_t tu_fn(pgo_profile *p, const char *name, const char *file, int64_t start_line)
{
	uint32_t i = PGO_NONE;
	if (pgo_add_function(p, name, name, file, start_line, &i) != PGO_OK)
		abort();
	return i;
}

/* A location with one line of function fn (PGO_NONE: no function). */
static inline uint32_t tu_loc(pgo_profile *p, uint32_t mapping, uint64_t address, uint32_t fn, int64_t line)
{
	pgo_line ln = {.function = fn, .line = line};
	uint32_t i = PGO_NONE;
	if (pgo_add_location(p, mapping, address, &ln, 1, &i) != PGO_OK)
		abort();
	return i;
}

/* A location with two lines: inner (inlined) first, then outer. */
static inline uint32_t tu_loc2(pgo_profile *p, uint64_t address, uint32_t inner_fn, int64_t inner_line,
                               uint32_t outer_fn, int64_t outer_line)
{
	pgo_line ln[2] = {{.function = inner_fn, .line = inner_line}, {.function = outer_fn, .line = outer_line}};
	uint32_t i = PGO_NONE;
	if (pgo_add_location(p, PGO_NONE, address, ln, 2, &i) != PGO_OK)
		abort();
	return i;
}

/* A sample (leaf first) with one value per sample type. */
#define TU_HDR "GO PREPROFILE V1\n"

/* The function (name, start_line) in x.go, reused when it exists. */
static inline uint32_t tu_func(pgo_profile *p, const char *name, int64_t start)
{
	for (uint32_t i = 0; i < p->n_functions; i++)
		if (tu_streq(p, p->functions[i].name, name) && p->functions[i].start_line == start)
			return i;
	return tu_fn(p, name, "x.go", start);
}

/* A one-line location without a mapping. */
static inline uint32_t tu_line(pgo_profile *p, uint64_t address, const char *name, int64_t start, int64_t line)
{
	return tu_loc(p, PGO_NONE, address, tu_func(p, name, start), line);
}

static inline void tu_sample(pgo_profile *p, const uint32_t *locs, uint32_t n, const int64_t *values)
{
	if (pgo_add_sample(p, locs, n, values, NULL, 0) != PGO_OK)
		abort();
}

/* Two-frame sample: leaf, caller, and a single value (count profiles). */
static inline void tu_sample2(pgo_profile *p, uint32_t leaf, uint32_t caller, int64_t w)
{
	uint32_t locs[2] = {leaf, caller};
	int64_t v[8] = {w, w, w, w, w, w, w, w};
	tu_sample(p, locs, 2, v);
}

static inline void tu_sample1(pgo_profile *p, uint32_t leaf, int64_t w)
{
	int64_t v[8] = {w, w, w, w, w, w, w, w};
	tu_sample(p, &leaf, 1, v);
}

/* Raw protobuf encoding (malloc'd); aborts on failure. */
static inline uint8_t *tu_encode(const pgo_profile *p, size_t *n)
{
	uint8_t *out = NULL;
	pgo_error err = {0};
	if (pgo_encode(p, 0, &out, n, &err) != PGO_OK) {
		fprintf(stderr, "encode failed: %s\n", err.message);
		abort();
	}
	return out;
}

/* decode(data) or NULL (the error is printed). */
static inline pgo_profile *tu_decode(const uint8_t *data, size_t n)
{
	pgo_profile *p = NULL;
	pgo_error err = {0};
	if (pgo_decode(data, n, "test", NULL, &p, &err) != PGO_OK) {
		fprintf(stderr, "decode failed: %s\n", err.message);
		return NULL;
	}
	return p;
}

/* decode(encode(p)). */
static inline pgo_profile *tu_roundtrip(const pgo_profile *p)
{
	size_t n;
	uint8_t *b = tu_encode(p, &n);
	pgo_profile *q = tu_decode(b, n);
	free(b);
	return q;
}

/* Whether two profiles encode to identical bytes. */
static inline bool tu_same_bytes(const pgo_profile *a, const pgo_profile *b)
{
	size_t na, nb;
	uint8_t *ea = tu_encode(a, &na), *eb = tu_encode(b, &nb);
	bool same = na == nb && memcmp(ea, eb, na) == 0;
	free(ea);
	free(eb);
	return same;
}

/* The `go tool preprofile` text of p, NUL-terminated, or NULL with *status set. */
static inline char *tu_edges_text_st(const pgo_profile *p, pgo_status *status, pgo_error *err)
{
	pgo_edges e;
	pgo_error local = {0};
	if (!err)
		err = &local;
	*status = pgo_edges_compute(p, &e, err);
	if (*status)
		return NULL;
	char *text = NULL;
	size_t n = 0;
	*status = pgo_edges_format(p, &e, &text, &n, err);
	pgo_edges_free(&e);
	if (*status)
		return NULL;
	char *z = malloc(n + 1);
	if (!z)
		abort();
	memcpy(z, text, n);
	z[n] = '\0';
	free(text);
	return z;
}

static inline char *tu_edges_text(const pgo_profile *p)
{
	pgo_status st;
	pgo_error err = {0};
	char *t = tu_edges_text_st(p, &st, &err);
	if (!t)
		fprintf(stderr, "edges failed (%d): %s\n", (int)st, err.message);
	return t;
}

/* Writes p (raw pprof) and the expected preprofile text into $PGO_UNIT_DUMP. */
static inline void tu_dump(const char *tag, const pgo_profile *p, const char *expected)
{
	const char *dir = getenv("PGO_UNIT_DUMP");
	if (!dir || !*dir)
		return;
	char path[1024];
	size_t n;
	uint8_t *b = tu_encode(p, &n);
	snprintf(path, sizeof path, "%s/%s.pprof", dir, tag);
	FILE *f = fopen(path, "wb");
	if (f) {
		fwrite(b, 1, n, f);
		fclose(f);
	}
	free(b);
	if (!expected)
		return;
	snprintf(path, sizeof path, "%s/%s.expected", dir, tag);
	f = fopen(path, "wb");
	if (f) {
		fputs(expected, f);
		fclose(f);
	}
}

/* CHECKs that p's edge text is exactly `want`; prints both on a mismatch. */
#define CHECK_EDGES(p, want, tag) do { \
	char *got_ = tu_edges_text(p); \
	tu_dump(tag, p, want); \
	CHECK(got_ != NULL && strcmp(got_, want) == 0); \
	if (got_ && strcmp(got_, want) != 0) \
		fprintf(stderr, "%s: edges of %s:\n--- got\n%s--- want\n%s---\n", __FILE__, tag, got_, want); \
	free(got_); \
} while (0)

/* Index of the first function named name, or -1. */
static inline int tu_find_fn(const pgo_profile *p, const char *name)
{
	for (uint32_t i = 0; i < p->n_functions; i++)
		if (tu_streq(p, p->functions[i].name, name))
			return (int)i;
	return -1;
}

static inline int tu_count_fn(const pgo_profile *p, const char *name)
{
	int n = 0;
	for (uint32_t i = 0; i < p->n_functions; i++)
		n += tu_streq(p, p->functions[i].name, name);
	return n;
}

static inline const int64_t *tu_values(const pgo_profile *p, uint32_t sample)
{
	return p->values + (size_t)sample * p->n_sample_types;
}

/* The function name of location loc's line j ("" for none). */
static inline const char *tu_line_fn(const pgo_profile *p, uint32_t loc, uint32_t j)
{
	const pgo_line *ln = &p->lines[p->locations[loc].lines_at + j];
	return ln->function == PGO_NONE ? "" : tu_s(p, p->functions[ln->function].name);
}

/* The leaf function name of sample s ("" when it has none). */
static inline const char *tu_leaf_fn(const pgo_profile *p, uint32_t s)
{
	const pgo_sample *smp = &p->samples[s];
	if (!smp->n_locations)
		return "";
	uint32_t loc = p->sample_locations[smp->locations_at];
	if (!p->locations[loc].n_lines)
		return "";
	return tu_line_fn(p, loc, 0);
}

/* Index of the sample whose stack (leaf first) is exactly these function
 * names (first line of each location), or -1. */
static inline int tu_find_sample(const pgo_profile *p, const char *const *names, uint32_t n)
{
	for (uint32_t s = 0; s < p->n_samples; s++) {
		const pgo_sample *smp = &p->samples[s];
		if (smp->n_locations != n)
			continue;
		bool ok = true;
		for (uint32_t j = 0; j < n && ok; j++) {
			uint32_t loc = p->sample_locations[smp->locations_at + j];
			ok = p->locations[loc].n_lines > 0 && strcmp(tu_line_fn(p, loc, 0), names[j]) == 0;
		}
		if (ok)
			return (int)s;
	}
	return -1;
}

#endif
