/*
 * The compiler's edge view (spec §3, §4). Every expected text below was
 * checked against `go tool preprofile` (Go 1.26) with PGO_UNIT_DUMP; see
 * testutil.h.
 */
#include "harness.h"
#include "pgo.h"
#include "testutil.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static pgo_status edges_status(const pgo_profile *p, pgo_error *err)
{
	pgo_edges e;
	pgo_status st = pgo_edges_compute(p, &e, err);
	if (!st)
		pgo_edges_free(&e);
	return st;
}

/* ------------------------------------------------------------------ */

static void test_value_column(void)
{
	static const char *const t3[] = {"alloc", "bytes", "cpu", "nanoseconds", "samples", "count", NULL};
	pgo_profile *p = tu_profile(t3);
	uint32_t a = tu_line(p, 0x10, "A", 10, 12), b = tu_line(p, 0x20, "B", 20, 21);
	uint32_t s[2] = {b, a};
	int64_t v[3] = {100, 7, 1};
	tu_sample(p, s, 2, v);
	pgo_edges e;
	CHECK_OK(pgo_edges_compute(p, &e, NULL));
	CHECK(e.value_index == 1 && e.n_edges == 1 && e.total_weight == 7);
	if (e.n_edges == 1)
		CHECK(tu_streq(p, e.edges[0].caller, "A") && tu_streq(p, e.edges[0].callee, "B") &&
		      e.edges[0].offset == 2 && e.edges[0].weight == 7);
	pgo_edges_free(&e);
	CHECK_EDGES(p, TU_HDR "A\nB\n2 7\n", "value_cpu_second");
	pgo_profile_free(p);

	/* samples/count first wins */
	static const char *const t2[] = {"samples", "count", "cpu", "nanoseconds", NULL};
	p = tu_profile(t2);
	a = tu_line(p, 0x10, "A", 10, 12);
	b = tu_line(p, 0x20, "B", 20, 21);
	s[0] = b;
	s[1] = a;
	int64_t v2[2] = {3, 300};
	tu_sample(p, s, 2, v2);
	CHECK_EDGES(p, TU_HDR "A\nB\n2 3\n", "value_samples_first");
	pgo_profile_free(p);

	/* near misses are no value column at all */
	static const char *const bad[][5] = {
		{"samples", "bytes", "cpu", "count", NULL},
		{"Samples", "count", NULL, NULL, NULL},
		{"cpu", "nanosecond", NULL, NULL, NULL},
		{NULL, NULL, NULL, NULL, NULL},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		p = tu_profile(bad[i]);
		a = tu_line(p, 0x10, "A", 10, 12);
		b = tu_line(p, 0x20, "B", 20, 21);
		s[0] = b;
		s[1] = a;
		int64_t vv[2] = {5, 5};
		CHECK_OK(pgo_add_sample(p, s, 2, vv, NULL, 0));
		pgo_error err = {0};
		CHECK(edges_status(p, &err) == PGO_ERR_NO_VALUE);
		CHECK(err.status == PGO_ERR_NO_VALUE && strstr(err.message, "samples/count") &&
		      strstr(err.message, "cpu/nanoseconds"));
		pgo_profile_free(p);
	}

	/* no samples: accepted before the value column is looked for */
	p = tu_profile(bad[0]);
	tu_line(p, 0x10, "A", 10, 12);
	CHECK_OK(pgo_edges_compute(p, &e, NULL));
	CHECK(e.value_index == -1 && e.n_edges == 0 && e.total_weight == 0);
	pgo_edges_free(&e);
	CHECK_EDGES(p, TU_HDR, "value_none_empty");
	pgo_profile_free(p);
	p = pgo_profile_new();
	CHECK_EDGES(p, TU_HDR, "empty_profile");
	pgo_profile_free(p);
}

/* Only the leaf and its caller make an edge. */
static void test_two_frames(void)
{
	pgo_profile *p = tu_count_profile();
	uint32_t s[4] = {tu_line(p, 0x40, "D", 40, 41), tu_line(p, 0x30, "C", 30, 33), tu_line(p, 0x20, "B", 20, 22),
	                 tu_line(p, 0x10, "A", 10, 11)};
	int64_t w = 10;
	tu_sample(p, s, 4, &w);
	CHECK_EDGES(p, TU_HDR "C\nD\n3 10\n", "two_frames");
	pgo_profile_free(p);
}

/* Inlined lines within the two locations, outermost first. */
static void test_inlined(void)
{
	pgo_profile *p = tu_count_profile();
	uint32_t leaf = tu_loc2(p, 0x100, tu_func(p, "D", 40), 41, tu_func(p, "C", 30), 33);
	uint32_t caller = tu_loc2(p, 0x200, tu_func(p, "B", 20), 22, tu_func(p, "A", 10), 11);
	uint32_t third = tu_loc2(p, 0x300, tu_func(p, "Y", 3), 4, tu_func(p, "X", 1), 2);
	uint32_t s[3] = {leaf, caller, third};
	int64_t w = 5;
	tu_sample(p, s, 3, &w);
	CHECK_EDGES(p, TU_HDR "A\nB\n1 5\nB\nC\n2 5\nC\nD\n3 5\n", "inlined");
	pgo_profile_free(p);

	/* a leaf-only sample still has its inlined edge */
	p = tu_count_profile();
	leaf = tu_loc2(p, 0x100, tu_func(p, "B", 3), 5, tu_func(p, "A", 10), 12);
	w = 4;
	tu_sample(p, &leaf, 1, &w);
	CHECK_EDGES(p, TU_HDR "A\nB\n2 4\n", "inlined_leaf_only");
	pgo_profile_free(p);
}

static void test_recursion(void)
{
	/* X calling X at the very same node adds nothing */
	pgo_profile *p = tu_count_profile();
	uint32_t x1 = tu_line(p, 0x10, "X", 5, 7), x2 = tu_line(p, 0x10, "X", 5, 7), y = tu_line(p, 0x20, "Y", 1, 2);
	tu_sample2(p, x1, x2, 4);
	tu_sample2(p, y, x1, 3);
	CHECK_EDGES(p, TU_HDR "X\nY\n2 3\n", "recursion_same_node");
	/* X at another address is another node: an X->X edge */
	uint32_t x3 = tu_line(p, 0x30, "X", 5, 9);
	tu_sample2(p, x3, x1, 2);
	CHECK_EDGES(p, TU_HDR "X\nY\n2 3\nX\nX\n2 2\n", "recursion_other_node");
	pgo_profile_free(p);

	/* only same-node recursion: no edges at all */
	p = tu_count_profile();
	x1 = tu_line(p, 0x10, "X", 5, 7);
	uint32_t s[3] = {x1, x1, x1};
	int64_t w = 9;
	tu_sample(p, s, 3, &w);
	CHECK_EDGES(p, TU_HDR, "recursion_only");
	pgo_profile_free(p);
}

/* A node pair that recurs within one sample adds its weight once. */
static void test_pair_once_per_sample(void)
{
	pgo_profile *p = tu_count_profile();
	uint32_t l1 = tu_loc2(p, 0x50, tu_func(p, "C", 5), 7, tu_func(p, "P", 1), 3);
	uint32_t l2 = tu_loc2(p, 0x50, tu_func(p, "C", 5), 7, tu_func(p, "P", 1), 3);
	tu_sample2(p, l1, l2, 6);
	CHECK_EDGES(p, TU_HDR "C\nP\n2 6\nP\nC\n2 6\n", "pair_once");
	pgo_profile_free(p);
}

static void test_negative_weights(void)
{
	pgo_profile *p = tu_count_profile();
	uint32_t a = tu_line(p, 0x10, "A", 10, 12), b = tu_line(p, 0x20, "B", 20, 21), c = tu_line(p, 0x30, "C", 30, 31);
	tu_sample2(p, b, a, -4);
	tu_sample2(p, c, a, 10);
	pgo_edges e;
	CHECK_OK(pgo_edges_compute(p, &e, NULL));
	CHECK(e.total_weight == 6 && e.n_edges == 2);
	pgo_edges_free(&e);
	CHECK_EDGES(p, TU_HDR "A\nC\n2 10\nA\nB\n2 -4\n", "negative_mixed");
	pgo_profile_free(p);

	p = tu_count_profile();
	a = tu_line(p, 0x10, "A", 10, 12);
	b = tu_line(p, 0x20, "B", 20, 21);
	tu_sample2(p, b, a, -4);
	CHECK_EDGES(p, TU_HDR "A\nB\n2 -4\n", "negative_only");
	pgo_profile_free(p);
}

static void test_zero_weight_samples(void)
{
	pgo_profile *p = tu_count_profile();
	uint32_t a = tu_line(p, 0x10, "A", 10, 12), b = tu_line(p, 0x20, "B", 20, 21), c = tu_line(p, 0x30, "C", 30, 31);
	tu_sample2(p, b, a, 0);
	tu_sample2(p, c, a, 5);
	CHECK_EDGES(p, TU_HDR "A\nC\n2 5\n", "zero_weight_sample");
	pgo_profile_free(p);

	/* the value column decides: other columns may be nonzero */
	static const char *const t2[] = {"alloc", "bytes", "samples", "count", NULL};
	p = tu_profile(t2);
	a = tu_line(p, 0x10, "A", 10, 12);
	b = tu_line(p, 0x20, "B", 20, 21);
	c = tu_line(p, 0x30, "C", 30, 31);
	uint32_t s1[2] = {b, a}, s2[2] = {c, a};
	int64_t v1[2] = {1000, 0}, v2[2] = {0, 5};
	tu_sample(p, s1, 2, v1);
	tu_sample(p, s2, 2, v2);
	CHECK_EDGES(p, TU_HDR "A\nC\n2 5\n", "zero_weight_column");
	pgo_profile_free(p);
}

/* A node whose cum and flat are both zero is dropped with its out-edges. */
static void test_zero_node_dropped(void)
{
	pgo_profile *p = tu_count_profile();
	uint32_t a = tu_line(p, 0x10, "A", 10, 12), b = tu_line(p, 0x20, "B", 20, 21), c = tu_line(p, 0x30, "C", 30, 31);
	uint32_t d = tu_line(p, 0x40, "D", 40, 44), e = tu_line(p, 0x50, "E", 50, 51);
	tu_sample2(p, b, a, 5);
	tu_sample2(p, c, a, -5);
	tu_sample2(p, e, d, 2);
	CHECK_EDGES(p, TU_HDR "D\nE\n4 2\n", "zero_node_dropped");
	/* with some flat weight of its own, A stays, and so do its edges */
	tu_sample1(p, a, 1);
	CHECK_EDGES(p, TU_HDR "A\nB\n2 5\nD\nE\n4 2\nA\nC\n2 -5\n", "zero_node_kept");
	pgo_profile_free(p);

	/* without D->E the total is zero: an empty map */
	p = tu_count_profile();
	a = tu_line(p, 0x10, "A", 10, 12);
	b = tu_line(p, 0x20, "B", 20, 21);
	c = tu_line(p, 0x30, "C", 30, 31);
	tu_sample2(p, b, a, 5);
	tu_sample2(p, c, a, -5);
	CHECK_EDGES(p, TU_HDR, "zero_node_only");
	pgo_profile_free(p);
}

static void test_no_start_line(void)
{
	pgo_profile *p = tu_count_profile();
	uint32_t a = tu_line(p, 0x10, "A", 0, 12), b = tu_line(p, 0x20, "B", 0, 21);
	tu_sample2(p, b, a, 5);
	pgo_error err = {0};
	CHECK(edges_status(p, &err) == PGO_ERR_NO_START_LINE);
	CHECK(err.status == PGO_ERR_NO_START_LINE && strstr(err.message, "start_line"));
	tu_dump("no_start_line", p, NULL);
	/* a start line only on a node with no weight does not count */
	uint32_t c = tu_line(p, 0x30, "C", 3, 4), d = tu_line(p, 0x40, "D", 4, 5);
	tu_sample2(p, d, c, 0);
	CHECK(edges_status(p, &err) == PGO_ERR_NO_START_LINE);
	/* compact reports the same */
	pgo_profile *out = (pgo_profile *)1;
	CHECK(pgo_compact(p, &out, &err) == PGO_ERR_NO_START_LINE && out == NULL);
	pgo_profile_free(p);

	/* one weighted node with a start line is enough: offsets use 0 elsewhere */
	p = tu_count_profile();
	a = tu_line(p, 0x10, "A", 0, 12);
	b = tu_line(p, 0x20, "B", 20, 21);
	tu_sample2(p, b, a, 5);
	CHECK_EDGES(p, TU_HDR "A\nB\n12 5\n", "start_line_leaf_only");
	pgo_profile_free(p);

	/* all samples weigh zero: no node has weight, so no start line is seen */
	p = tu_count_profile();
	a = tu_line(p, 0x10, "A", 10, 12);
	b = tu_line(p, 0x20, "B", 20, 21);
	tu_sample2(p, b, a, 0);
	CHECK(edges_status(p, &err) == PGO_ERR_NO_START_LINE);
	tu_dump("all_zero_weight", p, NULL);
	pgo_profile_free(p);
}

static void test_total_zero(void)
{
	/* single-frame samples: weight but no edges */
	pgo_profile *p = tu_count_profile();
	uint32_t a = tu_line(p, 0x10, "A", 10, 12);
	tu_sample1(p, a, 5);
	pgo_edges e;
	CHECK_OK(pgo_edges_compute(p, &e, NULL));
	CHECK(e.n_edges == 0 && e.total_weight == 0 && e.edges == NULL);
	pgo_edges_free(&e);
	CHECK_EDGES(p, TU_HDR, "total_zero_flat");
	pgo_profile_free(p);

	/* edges that cancel in the total: the compiler ignores the profile */
	p = tu_count_profile();
	a = tu_line(p, 0x10, "A", 10, 12);
	uint32_t b = tu_line(p, 0x20, "B", 20, 21), c = tu_line(p, 0x30, "C", 30, 31), d = tu_line(p, 0x40, "D", 40, 41);
	tu_sample2(p, b, a, 5);
	tu_sample2(p, d, c, -5);
	CHECK_OK(pgo_edges_compute(p, &e, NULL));
	CHECK(e.n_edges == 0 && e.total_weight == 0);
	pgo_edges_free(&e);
	CHECK_EDGES(p, TU_HDR, "total_zero_cancel");
	pgo_profile_free(p);
}

static void test_sort_order(void)
{
	pgo_profile *p = tu_count_profile();
	uint32_t x = tu_line(p, 0x1000, "x", 100, 101), w = tu_line(p, 0x1100, "w", 110, 111);
	struct {
		const char *caller;
		int64_t line; /* start line is 10 */
		uint32_t callee;
		int64_t weight;
	} rows[] = {
		{"b", 11, x, 5}, {"é", 11, x, 5}, {"a", 12, x, 5}, {"ab", 11, x, 5}, {"a", 7, x, 5},
		{"B", 11, x, 5}, {"a", 11, w, 5}, {"a", 11, x, 5},
	};
	uint64_t addr = 0x10;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		tu_sample2(p, rows[i].callee, tu_line(p, addr += 0x10, rows[i].caller, 10, rows[i].line), rows[i].weight);
	tu_sample2(p, tu_line(p, 0x2000, "Y", 1, 2), tu_line(p, 0x2100, "Z", 1, 3), 9);
	/* names alike in their first 8 bytes, and one that is those 8 bytes */
	tu_sample2(p, x, tu_line(p, 0x2400, "pkg.long.Func", 1, 2), 7);
	tu_sample2(p, x, tu_line(p, 0x2500, "pkg.long", 1, 2), 7);
	tu_sample2(p, x, tu_line(p, 0x2600, "pkg.long.Funb", 1, 2), 7);
	tu_sample2(p, tu_line(p, 0x2200, "R", 1, 2), tu_line(p, 0x2300, "Q", 1, 0), -1);
	const char *want = TU_HDR "Z\nY\n2 9\n"
	                       "pkg.long\nx\n1 7\n"
	                       "pkg.long.Funb\nx\n1 7\n"
	                       "pkg.long.Func\nx\n1 7\n"
	                       "B\nx\n1 5\n"
	                       "a\nw\n1 5\n"
	                       "a\nx\n-3 5\n"
	                       "a\nx\n1 5\n"
	                       "a\nx\n2 5\n"
	                       "ab\nx\n1 5\n"
	                       "b\nx\n1 5\n"
	                       "é\nx\n1 5\n"
	                       "Q\nR\n-1 -1\n";
	CHECK_EDGES(p, want, "sort_order");
	pgo_edges e;
	CHECK_OK(pgo_edges_compute(p, &e, NULL));
	CHECK(e.total_weight == 69 && e.n_edges == 13 && e.value_index == 0);
	pgo_edges_free(&e);
	pgo_profile_free(p);
}

/* Edges with one name and offset add up, whatever their addresses. */
static void test_named_aggregation(void)
{
	pgo_profile *p = tu_count_profile();
	uint32_t b = tu_line(p, 0x20, "B", 20, 21), b2 = tu_line(p, 0x28, "B", 20, 25);
	tu_sample2(p, b, tu_line(p, 0x10, "A", 10, 12), 3);
	tu_sample2(p, b2, tu_line(p, 0x18, "A", 10, 12), 4);
	tu_sample2(p, b, tu_line(p, 0x30, "A", 10, 15), 1);
	CHECK_EDGES(p, TU_HDR "A\nB\n2 7\nA\nB\n5 1\n", "named_aggregation");
	pgo_profile_free(p);
}

/* Locations without lines and lines without functions are nameless nodes. */
static void test_nameless_nodes(void)
{
	pgo_profile *p = tu_count_profile();
	uint32_t bare;
	CHECK_OK(pgo_add_location(p, PGO_NONE, 0x10, NULL, 0, &bare));
	uint32_t b = tu_line(p, 0x20, "B", 20, 21);
	tu_sample2(p, b, bare, 3);
	uint32_t nofn = tu_loc(p, PGO_NONE, 0x30, PGO_NONE, 5);
	uint32_t a = tu_line(p, 0x40, "A", 10, 12);
	tu_sample2(p, nofn, a, 2);
	CHECK_EDGES(p, TU_HDR "\nB\n0 3\nA\n\n2 2\n", "nameless");
	/* a line without a function loses its line number too: offset 0 */
	uint32_t nofn_caller = tu_loc(p, PGO_NONE, 0x50, PGO_NONE, 77);
	tu_sample2(p, tu_line(p, 0x60, "C", 30, 31), nofn_caller, 1);
	CHECK_EDGES(p, TU_HDR "\nB\n0 3\nA\n\n2 2\n\nC\n0 1\n", "nameless_caller_line");
	pgo_profile_free(p);
}

/* Only nodes with zero cum and zero flat go: zero cum alone is not enough. */
static void test_zero_cum_nonzero_flat(void)
{
	pgo_profile *p = tu_count_profile();
	uint32_t x = tu_line(p, 0x10, "X", 10, 12), b = tu_line(p, 0x20, "B", 20, 21), y = tu_line(p, 0x30, "Y", 30, 33);
	tu_sample2(p, b, x, 5);  /* X as caller: cum +5 */
	tu_sample2(p, x, y, -5); /* X as leaf: cum -5, flat -5 */
	tu_sample2(p, tu_line(p, 0x40, "D", 40, 41), tu_line(p, 0x50, "C", 50, 52), 1);
	CHECK_EDGES(p, TU_HDR "X\nB\n2 5\nC\nD\n2 1\nY\nX\n3 -5\n", "zero_cum_nonzero_flat");
	pgo_profile_free(p);
}

static void test_format(void)
{
	pgo_profile *p = tu_count_profile();
	uint32_t a = tu_line(p, 0x10, "pkg.(*T).Method", 100, 90), b = tu_line(p, 0x20, "pkg.f[...]", 20, 21);
	tu_sample2(p, b, a, INT64_MAX / 2);
	pgo_edges e;
	CHECK_OK(pgo_edges_compute(p, &e, NULL));
	char *text = NULL;
	size_t n = 0;
	CHECK_OK(pgo_edges_format(p, &e, &text, &n, NULL));
	const char *want = TU_HDR "pkg.(*T).Method\npkg.f[...]\n-10 4611686018427387903\n";
	CHECK(text && n == strlen(want) && memcmp(text, want, n) == 0);
	free(text);
	pgo_edges_free(&e);
	tu_dump("format", p, want);

	/* the extremes of Go's int64 printing: sums wrap, and nothing clamps */
	CHECK_OK(pgo_edges_compute(p, &e, NULL));
	CHECK(e.n_edges == 1);
	const int64_t extremes[][2] = {{INT64_MIN, INT64_MAX}, {0, INT64_MIN}, {-1, 0}, {9, -10}};
	const char *printed[] = {"-9223372036854775808 9223372036854775807\n", "0 -9223372036854775808\n",
	                         "-1 0\n", "9 -10\n"};
	for (size_t i = 0; i < sizeof extremes / sizeof extremes[0]; i++) {
		e.edges[0].offset = extremes[i][0];
		e.edges[0].weight = extremes[i][1];
		char want_line[128];
		snprintf(want_line, sizeof want_line, TU_HDR "pkg.(*T).Method\npkg.f[...]\n%s", printed[i]);
		text = NULL;
		CHECK_OK(pgo_edges_format(p, &e, &text, &n, NULL));
		CHECK(text && n == strlen(want_line) && memcmp(text, want_line, n) == 0);
		free(text);
	}
	pgo_edges_free(&e);

	/* an empty edge set is the header alone, with no trailing blank line */
	pgo_edges none = {.value_index = -1};
	text = NULL;
	CHECK_OK(pgo_edges_format(p, &none, &text, &n, NULL));
	CHECK(text && n == strlen(TU_HDR) && memcmp(text, TU_HDR, n) == 0);
	free(text);
	pgo_profile_free(p);
}

int main(void)
{
	RUN_TESTS("test_edges",
	          test_value_column, test_two_frames, test_inlined, test_recursion, test_pair_once_per_sample,
	          test_negative_weights, test_zero_weight_samples, test_zero_node_dropped, test_no_start_line,
	          test_total_zero, test_sort_order, test_named_aggregation, test_nameless_nodes, test_zero_cum_nonzero_flat, test_format);
}
