/* datadog-pgo's "DO NOT INLINE: " rename (spec §6). */
#include "harness.h"
#include "pgo.h"
#include "testutil.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROCESS_DATA "google.golang.org/grpc/internal/transport.(*loopyWriter).processData"
#define GOPARK "runtime.gopark"
#define PREFIX "DO NOT INLINE: "

static const char *const ONLY_GOPARK[] = {GOPARK, NULL};

static uint32_t L(pgo_profile *p, uint64_t address, uint32_t fn, int64_t line)
{
	return tu_loc(p, PGO_NONE, address, fn, line);
}

static uint32_t rename_count(pgo_profile *p, const char *const *names)
{
	uint32_t n = UINT32_MAX;
	pgo_error err = {0};
	CHECK_OK(pgo_rename_noinline(p, names, &n, &err));
	return n;
}

static void test_default_list(void)
{
	int n = 0;
	while (pgo_default_noinline[n])
		n++;
	CHECK(n == 2);
	CHECK(n == 2 && strcmp(pgo_default_noinline[0], PROCESS_DATA) == 0);
	CHECK(n == 2 && strcmp(pgo_default_noinline[1], GOPARK) == 0);
}

static void test_leaf_renamed(void)
{
	pgo_profile *p = tu_cpu_profile();
	uint32_t gopark = tu_fn(p, GOPARK, "proc.go", 400);
	uint32_t main_ = tu_fn(p, "main.main", "main.go", 10);
	uint32_t s[2] = {L(p, 0x10, gopark, 410), L(p, 0x20, main_, 12)};
	int64_t v[2] = {3, 30};
	tu_sample(p, s, 2, v);
	CHECK(rename_count(p, pgo_default_noinline) == 1);
	CHECK(tu_streq(p, p->functions[gopark].name, PREFIX GOPARK));
	/* only the name changes */
	CHECK(tu_streq(p, p->functions[gopark].system_name, GOPARK));
	CHECK(tu_streq(p, p->functions[gopark].filename, "proc.go"));
	CHECK(p->functions[gopark].start_line == 400);
	CHECK(tu_streq(p, p->functions[main_].name, "main.main"));
	/* weights are untouched: the edge now points at the renamed function */
	CHECK(tu_values(p, 0)[0] == 3 && tu_values(p, 0)[1] == 30);
	char *text = tu_edges_text(p);
	CHECK(text && strcmp(text, "GO PREPROFILE V1\nmain.main\n" PREFIX GOPARK "\n2 3\n") == 0);
	free(text);
	pgo_profile_free(p);
}

static void test_caller_not_renamed(void)
{
	pgo_profile *p = tu_cpu_profile();
	uint32_t gopark = tu_fn(p, GOPARK, "proc.go", 400);
	uint32_t leaf = tu_fn(p, "runtime.mcall", "asm.s", 1);
	uint32_t s[2] = {L(p, 0x10, leaf, 2), L(p, 0x20, gopark, 420)};
	int64_t v[2] = {1, 1};
	tu_sample(p, s, 2, v);
	CHECK(rename_count(p, pgo_default_noinline) == 0);
	CHECK(tu_streq(p, p->functions[gopark].name, GOPARK));
	CHECK(tu_count_fn(p, PREFIX GOPARK) == 0);

	/* the outer (physical) function of an inlined leaf is not line[0] */
	pgo_profile *q = tu_cpu_profile();
	uint32_t g = tu_fn(q, GOPARK, "proc.go", 400), inner = tu_fn(q, "runtime.inlined", "proc.go", 300);
	uint32_t l = tu_loc2(q, 0x10, inner, 301, g, 405);
	tu_sample(q, &l, 1, v);
	CHECK(rename_count(q, pgo_default_noinline) == 0);
	CHECK(tu_streq(q, q->functions[g].name, GOPARK));
	/* ... while an inlined leaf that is itself listed is */
	uint32_t l2 = tu_loc2(q, 0x20, g, 406, inner, 302);
	tu_sample(q, &l2, 1, v);
	CHECK(rename_count(q, pgo_default_noinline) == 1);
	CHECK(tu_streq(q, q->functions[g].name, PREFIX GOPARK));
	pgo_profile_free(q);
	pgo_profile_free(p);
}

static void test_renamed_once(void)
{
	pgo_profile *p = tu_cpu_profile();
	uint32_t pd = tu_fn(p, PROCESS_DATA, "controlbuf.go", 900);
	uint32_t caller = tu_fn(p, "transport.run", "controlbuf.go", 500);
	uint32_t leaf = L(p, 0x10, pd, 950);
	int64_t v[2] = {1, 10};
	for (int i = 0; i < 17; i++) {
		uint32_t s[2] = {i % 2 ? leaf : L(p, 0x100 + (uint64_t)i, pd, 960 + i), L(p, 0x20, caller, 510)};
		tu_sample(p, s, 2, v);
	}
	CHECK(rename_count(p, pgo_default_noinline) == 1);
	CHECK(tu_count_fn(p, PREFIX PROCESS_DATA) == 1);
	CHECK(tu_count_fn(p, PREFIX PREFIX PROCESS_DATA) == 0);
	CHECK(tu_count_fn(p, PROCESS_DATA) == 0);
	/* a second pass renames nothing more */
	CHECK(rename_count(p, pgo_default_noinline) == 0);
	CHECK(tu_count_fn(p, PREFIX PROCESS_DATA) == 1);
	CHECK(tu_count_fn(p, PREFIX PREFIX PROCESS_DATA) == 0);
	pgo_profile_free(p);
}

static void test_lists_and_matching(void)
{
	pgo_profile *p = tu_cpu_profile();
	uint32_t foo = tu_fn(p, "main.foo", "a.go", 1), foo2 = tu_fn(p, "main.foo", "b.go", 1);
	uint32_t gopar = tu_fn(p, "runtime.gopar", "proc.go", 1), goparkx = tu_fn(p, "runtime.goparkx", "proc.go", 1);
	uint32_t gopark = tu_fn(p, GOPARK, "proc.go", 400);
	int64_t v[2] = {1, 1};
	uint32_t fns[5] = {foo, foo2, gopar, goparkx, gopark};
	for (int i = 0; i < 5; i++) {
		uint32_t l = L(p, 0x10 * (uint64_t)(i + 1), fns[i], 2);
		tu_sample(p, &l, 1, v);
	}
	/* NULL list: nothing */
	CHECK(rename_count(p, NULL) == 0);
	/* prefixes and extensions of a name do not match */
	CHECK(rename_count(p, ONLY_GOPARK) == 1);
	CHECK(tu_streq(p, p->functions[gopar].name, "runtime.gopar"));
	CHECK(tu_streq(p, p->functions[goparkx].name, "runtime.goparkx"));
	CHECK(tu_streq(p, p->functions[gopark].name, PREFIX GOPARK));
	/* a custom list; two functions of one name are both renamed */
	static const char *const custom[] = {"main.foo", NULL};
	CHECK(rename_count(p, custom) == 2);
	CHECK(tu_count_fn(p, PREFIX "main.foo") == 2);
	/* the error argument may be NULL, and the count too */
	static const char *const none[] = {NULL};
	CHECK_OK(pgo_rename_noinline(p, none, NULL, NULL));
	pgo_profile_free(p);
}

/* Samples without a usable leaf function are skipped, not crashed on. */
static void test_odd_leaves(void)
{
	pgo_profile *p = tu_cpu_profile();
	uint32_t gopark = tu_fn(p, GOPARK, "proc.go", 400);
	int64_t v[2] = {1, 1};
	tu_sample(p, NULL, 0, v);
	uint32_t bare;
	CHECK_OK(pgo_add_location(p, PGO_NONE, 0x10, NULL, 0, &bare));
	uint32_t s1[2] = {bare, L(p, 0x20, gopark, 401)};
	tu_sample(p, s1, 2, v);
	uint32_t nofn = tu_loc(p, PGO_NONE, 0x30, PGO_NONE, 3);
	uint32_t s2[2] = {nofn, L(p, 0x40, gopark, 402)};
	tu_sample(p, s2, 2, v);
	CHECK(rename_count(p, pgo_default_noinline) == 0);
	CHECK(tu_streq(p, p->functions[gopark].name, GOPARK));
	pgo_profile_free(p);
}

/* A listed function that is a leaf somewhere is renamed everywhere, since
 * the Function is one entity. */
static void test_leaf_somewhere(void)
{
	pgo_profile *p = tu_cpu_profile();
	uint32_t gopark = tu_fn(p, GOPARK, "proc.go", 400), other = tu_fn(p, "runtime.other", "x.go", 1);
	int64_t v[2] = {1, 1};
	uint32_t s1[2] = {L(p, 0x10, other, 2), L(p, 0x20, gopark, 420)};
	uint32_t s2[1] = {L(p, 0x30, gopark, 410)};
	tu_sample(p, s1, 2, v);
	tu_sample(p, s2, 1, v);
	CHECK(rename_count(p, pgo_default_noinline) == 1);
	CHECK(tu_streq(p, p->functions[gopark].name, PREFIX GOPARK));
	/* the caller frame of the first sample shows the new name too */
	CHECK(strcmp(tu_line_fn(p, s1[1], 0), PREFIX GOPARK) == 0);
	pgo_profile_free(p);
}

/* ------------------------------------------------------------------ */
/* Through pgo_merge                                                   */

static pgo_profile *grpc_like(int variant)
{
	pgo_profile *p = tu_cpu_profile();
	for (int i = 0; i < variant; i++)
		tu_fn(p, "pad", "pad.go", i);
	uint32_t pd = tu_fn(p, PROCESS_DATA, "controlbuf.go", 900);
	uint32_t run = tu_fn(p, "transport.(*loopyWriter).run", "controlbuf.go", 500);
	uint32_t gopark = tu_fn(p, GOPARK, "proc.go", 400);
	uint32_t sel = tu_fn(p, "runtime.selectgo", "select.go", 100);
	uint32_t lpd = L(p, 0x1000, pd, 950), lrun = L(p, 0x2000, run, 510);
	uint32_t lpark = L(p, 0x3000, gopark, 410), lsel = L(p, 0x4000, sel, 150);
	uint32_t s1[2] = {lpd, lrun}, s2[2] = {lpark, lsel}, s3[2] = {lsel, lrun};
	int64_t v1[2] = {2 + variant, 20}, v2[2] = {1, 10}, v3[2] = {5, 50};
	tu_sample(p, s1, 2, v1);
	tu_sample(p, s2, 2, v2);
	tu_sample(p, s3, 2, v3);
	return p;
}

static void test_merge_applies_rename(void)
{
	pgo_profile *a = grpc_like(0), *b = grpc_like(3);
	pgo_profile *in[2] = {a, b};
	pgo_merge_options o = {.noinline = pgo_default_noinline};
	pgo_profile *m = NULL;
	pgo_error err = {0};
	CHECK_OK(pgo_merge(in, 2, &o, &m, &err));
	if (m) {
		CHECK(tu_count_fn(m, PREFIX PROCESS_DATA) == 1 && tu_count_fn(m, PROCESS_DATA) == 0);
		CHECK(tu_count_fn(m, PREFIX GOPARK) == 1 && tu_count_fn(m, GOPARK) == 0);
		CHECK(tu_count_fn(m, "runtime.selectgo") == 1);
		CHECK(m->n_functions == 4 && m->n_samples == 3);
		static const char *const s1[] = {PREFIX PROCESS_DATA, "transport.(*loopyWriter).run"};
		int s = tu_find_sample(m, s1, 2);
		CHECK(s >= 0);
		if (s >= 0)
			CHECK(tu_values(m, (uint32_t)s)[0] == 7 && tu_values(m, (uint32_t)s)[1] == 40);
		/* total weight is unchanged by the rename */
		pgo_edges e;
		CHECK_OK(pgo_edges_compute(m, &e, NULL));
		CHECK(e.total_weight == 7 + 2 + 10);
		pgo_edges_free(&e);
	}
	pgo_profile_free(m);

	/* without the option nothing is renamed */
	m = NULL;
	pgo_merge_options plain = {0};
	CHECK_OK(pgo_merge(in, 2, &plain, &m, &err));
	if (m) {
		CHECK(tu_count_fn(m, PROCESS_DATA) == 1 && tu_count_fn(m, PREFIX PROCESS_DATA) == 0);
		CHECK(tu_count_fn(m, GOPARK) == 1);
	}
	pgo_profile_free(m);
	pgo_profile_free(a);
	pgo_profile_free(b);
}

/*
 * A refresh: yesterday's default.pgo (already renamed) merged with today's
 * raw profile. The rename must leave one function per name, and one
 * sample per stack, so that merging the result again changes nothing.
 */
static void test_merge_renamed_with_raw(void)
{
	pgo_profile *raw = grpc_like(0), *again = grpc_like(1);
	pgo_merge_options o = {.noinline = pgo_default_noinline};
	pgo_profile *old = NULL;
	pgo_error err = {0};
	CHECK_OK(pgo_merge(&again, 1, &o, &old, &err));
	if (!old) {
		pgo_profile_free(raw);
		pgo_profile_free(again);
		return;
	}
	CHECK(tu_count_fn(old, PREFIX PROCESS_DATA) == 1);
	pgo_profile *in[2] = {old, raw};
	pgo_profile *m = NULL;
	CHECK_OK(pgo_merge(in, 2, &o, &m, &err));
	if (m) {
		CHECK(tu_count_fn(m, PREFIX PROCESS_DATA) == 1);
		CHECK(tu_count_fn(m, PREFIX GOPARK) == 1);
		CHECK(tu_count_fn(m, PROCESS_DATA) == 0 && tu_count_fn(m, GOPARK) == 0);
		CHECK(m->n_samples == 3);
		if (m->n_samples != 3 || m->n_functions != 4)
			fprintf(stderr, "  refresh merge: %u samples, %u functions (want 3, 4)\n", m->n_samples,
			        m->n_functions);
		static const char *const s1[] = {PREFIX PROCESS_DATA, "transport.(*loopyWriter).run"};
		int s = tu_find_sample(m, s1, 2);
		CHECK(s >= 0);
		if (s >= 0)
			CHECK(tu_values(m, (uint32_t)s)[0] == 5);
		pgo_profile *m2 = NULL;
		CHECK_OK(pgo_merge(&m, 1, &o, &m2, &err));
		CHECK(m2 && tu_same_bytes(m, m2));
		pgo_profile_free(m2);
	}
	pgo_profile_free(m);
	pgo_profile_free(old);
	pgo_profile_free(raw);
	pgo_profile_free(again);
}

int main(void)
{
	RUN_TESTS("test_noinline",
	          test_default_list, test_leaf_renamed, test_caller_not_renamed, test_renamed_once,
	          test_lists_and_matching, test_odd_leaves, test_leaf_somewhere, test_merge_applies_rename,
	          test_merge_renamed_with_raw);
}
