/*
 * pgo_compact: the compacted profile has exactly the edge text of its
 * source, and the documented shape. Expected texts were checked against
 * `go tool preprofile` for both the source and the compacted profile
 * (PGO_UNIT_DUMP, see testutil.h).
 */
#include "harness.h"
#include "pgo.h"
#include "testutil.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* The shape pgo_compact promises. */
static void check_shape(const pgo_profile *c, const pgo_profile *src)
{
	CHECK(c->n_mappings == 0);
	CHECK(c->n_labels == 0);
	for (uint32_t s = 0; s < c->n_samples; s++) {
		CHECK(c->samples[s].n_locations >= 1 && c->samples[s].n_locations <= 2);
		CHECK(c->samples[s].n_labels == 0);
	}
	for (uint32_t l = 0; l < c->n_locations; l++) {
		CHECK(c->locations[l].mapping == PGO_NONE);
		CHECK(c->locations[l].n_lines == 1);
	}
	if (src->n_samples) {
		/* one sample type: the source's value column */
		CHECK(c->n_sample_types == 1);
		pgo_edges e;
		if (c->n_sample_types == 1 && pgo_edges_compute(src, &e, NULL) == PGO_OK) {
			if (e.value_index >= 0) {
				pgo_value_type vt = src->sample_types[e.value_index];
				CHECK(tu_streq(c, c->sample_types[0].type, tu_s(src, vt.type)));
				CHECK(tu_streq(c, c->sample_types[0].unit, tu_s(src, vt.unit)));
			}
			pgo_edges_free(&e);
		}
	}
}

/*
 * Compacts p and checks: the source's text is `want`, the compact
 * profile's text is `want` (also after an encode/decode round trip and a
 * second compaction), its shape, and (n_samples >= 0) its sample count.
 */
static void check_compact_at(pgo_profile *p, const char *want, int n_samples, const char *tag, int line)
{
	char ctag[128];
	snprintf(ctag, sizeof ctag, "%s.compact", tag);
	CHECK_EDGES(p, want, tag);
	pgo_profile *c = NULL;
	pgo_error err = {0};
	pgo_status st = pgo_compact(p, &c, &err);
	CHECK(st == PGO_OK && c != NULL);
	if (st || !c) {
		fprintf(stderr, "  (line %d) compact failed: %s\n", line, err.message);
		return;
	}
	CHECK_EDGES(c, want, ctag);
	check_shape(c, p);
	if (n_samples >= 0) {
		CHECK(c->n_samples == (uint32_t)n_samples);
		if (c->n_samples != (uint32_t)n_samples)
			fprintf(stderr, "  (line %d) compact of %s: %u samples, want %d\n", line, tag, c->n_samples, n_samples);
	}
	pgo_profile *r = tu_roundtrip(c);
	CHECK(r != NULL);
	if (r) {
		snprintf(ctag, sizeof ctag, "%s.compact.rt", tag);
		CHECK_EDGES(r, want, ctag);
		pgo_profile_free(r);
	}
	pgo_profile *cc = NULL;
	CHECK_OK(pgo_compact(c, &cc, NULL));
	if (cc) {
		snprintf(ctag, sizeof ctag, "%s.compact2", tag);
		CHECK_EDGES(cc, want, ctag);
		CHECK(cc->n_samples == c->n_samples);
		pgo_profile_free(cc);
	}
	pgo_profile_free(c);
}
#define CHECK_COMPACT(p, want, n, tag) check_compact_at(p, want, n, tag, __LINE__)

/* ------------------------------------------------------------------ */

static void test_simple(void)
{
	pgo_profile *p = tu_count_profile();
	uint32_t a = tu_line(p, 0x10, "A", 10, 12), b = tu_line(p, 0x20, "B", 20, 21), c = tu_line(p, 0x30, "C", 30, 33);
	uint32_t deep[4] = {b, a, c, c};
	int64_t w = 4;
	tu_sample(p, deep, 4, &w);
	tu_sample2(p, c, b, 2);
	tu_sample2(p, c, b, 3);
	tu_sample1(p, a, 100);
	CHECK_COMPACT(p, TU_HDR "B\nC\n1 5\nA\nB\n2 4\n", 2, "compact_simple");
	pgo_profile_free(p);
}

/* Named edges of weight zero are kept: written as +1 and -1. */
static void test_zero_weight_edges(void)
{
	pgo_profile *p = tu_count_profile();
	uint32_t a1 = tu_line(p, 0x10, "A", 10, 12), a2 = tu_line(p, 0x18, "A", 10, 12);
	uint32_t b1 = tu_line(p, 0x20, "B", 20, 21), b2 = tu_line(p, 0x28, "B", 20, 22), c = tu_line(p, 0x30, "C", 30, 31);
	tu_sample2(p, b1, a1, 5);
	tu_sample2(p, b2, a2, -5);
	tu_sample2(p, c, a1, 3);
	CHECK_COMPACT(p, TU_HDR "A\nC\n2 3\nA\nB\n2 0\n", 3, "compact_zero_edge");
	pgo_profile_free(p);

	/* a caller whose only edge weighs zero */
	p = tu_count_profile();
	a1 = tu_line(p, 0x10, "A", 10, 12);
	a2 = tu_line(p, 0x18, "A", 10, 12);
	b1 = tu_line(p, 0x20, "B", 20, 21);
	tu_sample2(p, b1, a1, 5);
	tu_sample2(p, b1, a2, -5);
	tu_sample2(p, tu_line(p, 0x50, "E", 50, 51), tu_line(p, 0x40, "D", 40, 44), 7);
	CHECK_COMPACT(p, TU_HDR "D\nE\n4 7\nA\nB\n2 0\n", 4, "compact_zero_only_edge");
	pgo_profile_free(p);

	/* several zero edges of one callee, from several callers */
	p = tu_count_profile();
	b1 = tu_line(p, 0x20, "B", 20, 21);
	for (int i = 0; i < 3; i++) {
		char name[8];
		snprintf(name, sizeof name, "K%d", i);
		tu_sample2(p, b1, tu_line(p, 0x100 + 0x10 * (uint64_t)i, name, 1, 2 + i), 2);
		tu_sample2(p, b1, tu_line(p, 0x200 + 0x10 * (uint64_t)i, name, 1, 2 + i), -2);
	}
	tu_sample2(p, b1, tu_line(p, 0x300, "K0", 1, 9), 1);
	CHECK_COMPACT(p, TU_HDR "K0\nB\n8 1\nK0\nB\n1 0\nK1\nB\n2 0\nK2\nB\n3 0\n", -1, "compact_zero_many");
	pgo_profile_free(p);
}

/* A caller whose edges sum to zero must not vanish from the compact graph. */
static void test_zero_sum_caller(void)
{
	pgo_profile *p = tu_count_profile();
	uint32_t a = tu_line(p, 0x10, "A", 10, 12), b = tu_line(p, 0x20, "B", 20, 21), c = tu_line(p, 0x30, "C", 30, 31);
	tu_sample2(p, b, a, 5);
	tu_sample2(p, c, a, -5);
	tu_sample1(p, a, 1);
	tu_sample2(p, tu_line(p, 0x50, "E", 50, 51), tu_line(p, 0x40, "D", 40, 44), 7);
	CHECK_COMPACT(p, TU_HDR "D\nE\n4 7\nA\nB\n2 5\nA\nC\n2 -5\n", 4, "compact_zero_sum_caller");
	pgo_profile_free(p);

	/* the same, where the zero-sum caller's edges come from two nodes */
	p = tu_count_profile();
	uint32_t a1 = tu_line(p, 0x10, "A", 10, 12), a2 = tu_line(p, 0x18, "A", 10, 12);
	b = tu_line(p, 0x20, "B", 20, 21);
	c = tu_line(p, 0x30, "C", 30, 31);
	tu_sample2(p, b, a1, 6);
	tu_sample2(p, c, a2, -6);
	tu_sample2(p, tu_line(p, 0x50, "E", 50, 51), tu_line(p, 0x40, "D", 40, 44), 1);
	CHECK_COMPACT(p, TU_HDR "A\nB\n2 6\nD\nE\n4 1\nA\nC\n2 -6\n", 4, "compact_zero_sum_two_nodes");
	pgo_profile_free(p);
}

static void test_negative(void)
{
	pgo_profile *p = tu_count_profile();
	uint32_t x = tu_line(p, 0x10, "X", 10, 11);
	tu_sample2(p, tu_line(p, 0x20, "Y", 20, 21), x, -3);
	tu_sample2(p, tu_line(p, 0x30, "Z", 30, 31), x, 10);
	tu_sample2(p, tu_line(p, 0x40, "W", 40, 41), tu_line(p, 0x50, "V", 50, 50), -6);
	CHECK_COMPACT(p, TU_HDR "X\nZ\n1 10\nX\nY\n1 -3\nV\nW\n0 -6\n", 3, "compact_negative");
	pgo_profile_free(p);
}

static void test_recursion(void)
{
	pgo_profile *p = tu_count_profile();
	uint32_t x1 = tu_line(p, 0x10, "X", 5, 7), x3 = tu_line(p, 0x30, "X", 5, 9), y = tu_line(p, 0x20, "Y", 1, 2);
	tu_sample2(p, x1, x1, 4);
	tu_sample2(p, y, x1, 3);
	tu_sample2(p, x3, x1, 2);
	tu_sample2(p, x1, x3, 1);
	CHECK_COMPACT(p, TU_HDR "X\nY\n2 3\nX\nX\n2 2\nX\nX\n4 1\n", 3, "compact_recursion");
	pgo_profile_free(p);
}

static void test_many_offsets(void)
{
	pgo_profile *p = tu_count_profile();
	uint32_t b = tu_line(p, 0x8000, "B", 1, 2), c = tu_line(p, 0x8100, "C", 1, 2);
	for (int i = 0; i < 40; i++) {
		int64_t w = (i % 5) - 2; /* -2..2; zero samples are skipped */
		uint32_t a = tu_line(p, 0x100 + 0x10 * (uint64_t)i, "A", 100, 100 + i % 20);
		tu_sample2(p, i % 3 ? b : c, a, w);
	}
	/* a zero named edge among them */
	tu_sample2(p, c, tu_line(p, 0x1000, "A", 100, 150), 3);
	tu_sample2(p, c, tu_line(p, 0x1010, "A", 100, 150), -3);
	/* and many edges of one weight, sorted by offset */
	for (int i = 0; i < 12; i++)
		tu_sample2(p, b, tu_line(p, 0x2000 + 0x10 * (uint64_t)i, "A", 100, 300 - i), 9);
	char *want = tu_edges_text(p);
	CHECK(want != NULL);
	if (!want) {
		pgo_profile_free(p);
		return;
	}
	/* the weight-9 edges come first, offsets ascending */
	static const char prefix[] = TU_HDR "A\nB\n189 9\nA\nB\n190 9\n";
	CHECK(strncmp(want, prefix, strlen(prefix)) == 0);
	CHECK(strstr(want, "A\nC\n50 0\n") != NULL);
	pgo_edges e;
	CHECK_OK(pgo_edges_compute(p, &e, NULL));
	size_t n_edges = e.n_edges;
	CHECK(n_edges > 30);
	pgo_edges_free(&e);
	CHECK_COMPACT(p, want, -1, "compact_many_offsets");
	free(want);
	pgo_profile_free(p);
}

static void test_inlined_and_deep(void)
{
	pgo_profile *p = tu_count_profile();
	uint32_t leaf = tu_loc2(p, 0x100, tu_func(p, "D", 40), 41, tu_func(p, "C", 30), 33);
	uint32_t caller = tu_loc2(p, 0x200, tu_func(p, "B", 20), 22, tu_func(p, "A", 10), 11);
	uint32_t top = tu_line(p, 0x300, "main", 1, 5);
	uint32_t s[3] = {leaf, caller, top};
	int64_t w = 5;
	tu_sample(p, s, 3, &w);
	CHECK_COMPACT(p, TU_HDR "A\nB\n1 5\nB\nC\n2 5\nC\nD\n3 5\n", 3, "compact_inlined");
	pgo_profile_free(p);
}

static void test_nameless(void)
{
	pgo_profile *p = tu_count_profile();
	uint32_t bare;
	CHECK_OK(pgo_add_location(p, PGO_NONE, 0x10, NULL, 0, &bare));
	tu_sample2(p, tu_line(p, 0x20, "B", 20, 21), bare, 3);
	tu_sample2(p, tu_loc(p, PGO_NONE, 0x30, PGO_NONE, 5), tu_line(p, 0x40, "A", 10, 12), 2);
	CHECK_COMPACT(p, TU_HDR "\nB\n0 3\nA\n\n2 2\n", 2, "compact_nameless");
	pgo_profile_free(p);
}

static void test_columns_mappings_labels(void)
{
	static const char *const types[] = {"alloc", "bytes", "cpu", "nanoseconds", "samples", "count", NULL};
	pgo_profile *p = tu_profile(types);
	pgo_mapping m = {.memory_start = 0x1000, .memory_limit = 0x9000, .filename = tu_intern(p, "/app")};
	uint32_t mi;
	CHECK_OK(pgo_add_mapping(p, &m, &mi));
	uint32_t a = tu_loc(p, mi, 0x1010, tu_func(p, "A", 10), 12), b = tu_loc(p, mi, 0x1020, tu_func(p, "B", 20), 25);
	uint32_t s[2] = {b, a};
	pgo_label lb = {.key = tu_intern(p, "span"), .str = tu_intern(p, "x")};
	int64_t v[3] = {999, 250, 1};
	CHECK_OK(pgo_add_sample(p, s, 2, v, &lb, 1));
	CHECK_COMPACT(p, TU_HDR "A\nB\n2 250\n", 1, "compact_columns");
	pgo_profile *c = NULL;
	CHECK_OK(pgo_compact(p, &c, NULL));
	if (c) {
		CHECK(c->n_sample_types == 1 && tu_streq(c, c->sample_types[0].type, "cpu"));
		CHECK(c->n_samples == 1 && c->values[0] == 250);
	}
	pgo_profile_free(c);
	pgo_profile_free(p);
}

static void test_empty(void)
{
	/* no samples */
	pgo_profile *p = tu_count_profile();
	CHECK_COMPACT(p, TU_HDR, 0, "compact_empty");
	pgo_profile_free(p);
	/* weight but a zero total */
	p = tu_count_profile();
	tu_sample1(p, tu_line(p, 0x10, "A", 10, 12), 5);
	tu_sample2(p, tu_line(p, 0x20, "B", 20, 21), tu_line(p, 0x30, "C", 30, 31), 4);
	tu_sample2(p, tu_line(p, 0x40, "D", 40, 41), tu_line(p, 0x50, "E", 50, 51), -4);
	CHECK_COMPACT(p, TU_HDR, 0, "compact_total_zero");
	pgo_profile_free(p);
}

int main(void)
{
	RUN_TESTS("test_compact",
	          test_simple, test_zero_weight_edges, test_zero_sum_caller, test_negative, test_recursion,
	          test_many_offsets, test_inlined_and_deep, test_nameless, test_columns_mappings_labels, test_empty);
}
