/*
 * What `pgotool inspect` reports (lib/sites.c, lib/inspect.c): call sites
 * keyed as the compiler keys them, hot callees, the summary, the non-Go
 * guess and the findings.
 */
#include "harness.h"
#include "pgo.h"
#include "testutil.h"

#include <string.h>

/* caller -> callee at caller line, count samples (count profile). */
static void call(pgo_profile *p, const char *caller, int64_t line, const char *callee, int64_t w)
{
	static uint64_t addr = 0x1000;
	uint32_t c = tu_line(p, addr += 0x10, caller, 10, line);
	uint32_t l = tu_line(p, addr += 0x10, callee, 100, 101);
	tu_sample2(p, l, c, w);
}

static const pgo_finding *find(const pgo_finding *f, size_t n, pgo_finding_kind kind)
{
	for (size_t i = 0; i < n; i++)
		if (f[i].kind == kind)
			return &f[i];
	return NULL;
}

static void test_sites_group_and_order(void)
{
	pgo_profile *p = tu_count_profile();
	call(p, "main.a", 12, "main.Circle.Area", 30);
	call(p, "main.a", 12, "main.Square.Area", 50);
	call(p, "main.a", 12, "main.Poly.Area", 30);
	call(p, "main.a", 12, "runtime.asyncPreempt", 5);
	call(p, "main.a", 13, "main.f", 100); /* another offset: another site */
	call(p, "main.b", 12, "main.f", 1);   /* another caller */
	pgo_edges e;
	pgo_hot hot;
	pgo_call_sites s;
	CHECK_OK(pgo_edges_compute(p, &e, NULL));
	CHECK_OK(pgo_hot_select(&e, 90, &hot, NULL));
	CHECK(hot.n_hot == 4); /* 100, 50, 30, 30 = 210 of 216 = 97.2% > 90 */
	CHECK_OK(pgo_call_sites_group(p, &e, &hot, &s, NULL));
	CHECK(s.n_sites == 3 && s.n_callees == 6);
	if (s.n_sites == 3) {
		const pgo_call_site *a = &s.sites[0];
		CHECK(tu_streq(p, a->caller, "main.a") && a->offset == 2 && a->weight == 115 && a->n_callees == 4 &&
		      a->n_source_callees == 3 && a->hot);
		/* heaviest first; equal weights by callee name, as the devirtualizer breaks ties */
		const pgo_site_callee *c = &s.callees[a->callees_at];
		CHECK(tu_streq(p, c[0].callee, "main.Square.Area") && c[0].weight == 50);
		CHECK(tu_streq(p, c[1].callee, "main.Circle.Area") && c[1].weight == 30);
		CHECK(tu_streq(p, c[2].callee, "main.Poly.Area") && c[2].weight == 30);
		CHECK(tu_streq(p, c[3].callee, "runtime.asyncPreempt") && c[3].weight == 5);
		CHECK(tu_streq(p, e.edges[c[0].edge].callee, "main.Square.Area"));
		CHECK(s.sites[1].weight == 100 && s.sites[1].offset == 3 && s.sites[1].n_callees == 1 && s.sites[1].hot);
		CHECK(tu_streq(p, s.sites[2].caller, "main.b") && s.sites[2].weight == 1 && !s.sites[2].hot);
	}
	CHECK(!s.sites[0].pseudo_heaviest);
	pgo_call_sites_free(&s);

	/* without a hot set no site is hot */
	CHECK_OK(pgo_call_sites_group(p, &e, NULL, &s, NULL));
	for (size_t i = 0; i < s.n_sites; i++)
		CHECK(!s.sites[i].hot);
	pgo_call_sites_free(&s);
	pgo_call_sites_free(&s); /* idempotent */

	/* hot callees: names of the hot edges, summed over them */
	pgo_hot_callee *hc;
	size_t n;
	CHECK_OK(pgo_hot_callees(&e, &hot, &hc, &n, NULL));
	CHECK(n == 4);
	if (n == 4) {
		CHECK(tu_streq(p, hc[0].name, "main.f") && hc[0].weight == 100 && hc[0].n_edges == 1);
		CHECK(tu_streq(p, hc[1].name, "main.Square.Area"));
		CHECK(tu_streq(p, hc[2].name, "main.Circle.Area") && tu_streq(p, hc[3].name, "main.Poly.Area"));
	}
	free(hc);
	/* main.f is hot at one site and cold at another: one callee, hot weight only */
	CHECK_OK(pgo_hot_select(&e, 100, &hot, NULL));
	CHECK(hot.n_hot == 6 && hot.last_share == 0);
	CHECK_OK(pgo_hot_callees(&e, &hot, &hc, &n, NULL));
	CHECK(n == 5 && tu_streq(p, hc[0].name, "main.f") && hc[0].weight == 101 && hc[0].n_edges == 2);
	free(hc);
	pgo_hot bad = {.n_hot = 7};
	CHECK(pgo_hot_callees(&e, &bad, &hc, &n, NULL) == PGO_ERR_ARGUMENT);
	pgo_edges_free(&e);
	pgo_profile_free(p);

	/* no edges: nothing, and no allocation to free */
	pgo_edges none = {0};
	CHECK_OK(pgo_call_sites_group(p = tu_count_profile(), &none, NULL, &s, NULL));
	CHECK(s.n_sites == 0);
	pgo_call_sites_free(&s);
	pgo_profile_free(p);
}

static void test_pseudo_callees(void)
{
	/* runtime.asyncPreempt heaviest at a site: the compiler devirtualizes nothing
	 * there; on a tie it prefers the callee it has code for */
	pgo_profile *p = tu_count_profile();
	call(p, "main.a", 12, "runtime.asyncPreempt", 9);
	call(p, "main.a", 12, "main.T.Area", 5);
	call(p, "main.b", 12, "runtime.asyncPreempt", 5);
	call(p, "main.b", 12, "main.T.Area", 5);
	call(p, "main.c", 12, "runtime.morestack", 5);
	call(p, "main.c", 12, "runtime.asyncPreempt", 5);
	pgo_edges e;
	pgo_call_sites s;
	CHECK_OK(pgo_edges_compute(p, &e, NULL));
	CHECK_OK(pgo_call_sites_group(p, &e, NULL, &s, NULL));
	CHECK(s.n_sites == 3);
	for (size_t i = 0; i < s.n_sites; i++) {
		const pgo_call_site *x = &s.sites[i];
		if (tu_streq(p, x->caller, "main.a"))
			CHECK(x->pseudo_heaviest && x->n_source_callees == 1);
		else if (tu_streq(p, x->caller, "main.b"))
			CHECK(!x->pseudo_heaviest && x->n_source_callees == 1);
		else
			CHECK(x->pseudo_heaviest && x->n_source_callees == 0);
	}
	pgo_call_sites_free(&s);
	pgo_edges_free(&e);
	pgo_profile_free(p);

	CHECK(pgo_pseudo_callee("runtime.asyncPreempt", 20));
	CHECK(pgo_pseudo_callee("runtime.morestack_noctxt", 24));
	CHECK(!pgo_pseudo_callee("runtime.asyncPreempt2", 21));
	CHECK(!pgo_pseudo_callee("runtime.asyncPreemp", 19));
}

static void test_summary(void)
{
	pgo_profile *p = tu_cpu_profile();
	uint32_t a = tu_fn(p, "main.a", "main.go", 10), b = tu_fn(p, "main.b", "main.go", 20);
	uint32_t la = tu_loc(p, PGO_NONE, 0x10, a, 12), lb = tu_loc(p, PGO_NONE, 0x20, b, 21);
	uint32_t bare = tu_loc(p, PGO_NONE, 0x30, PGO_NONE, 0);
	uint32_t s1[2] = {lb, la}, s2[2] = {bare, la};
	int64_t v1[2] = {3, 30}, v2[2] = {1, 10}, v0[2] = {0, 0};
	tu_sample(p, s1, 2, v1);
	tu_sample(p, s2, 2, v2);
	tu_sample(p, s1, 2, v0);
	pgo_summary s;
	CHECK_OK(pgo_summarize(p, &s, NULL));
	CHECK(s.value_index == 0 && s.count_index == 0 && s.n_samples == 3 && s.n_weighted == 2 &&
	      s.value_total == 4 && s.count_total == 4 && !s.all_zero && s.has_start_line &&
	      s.unsymbolized_weight == 1);
	CHECK(s.n_functions == 2 && s.n_go == 2 && s.n_foreign == 0 && !s.non_go);
	pgo_profile_free(p);

	/* cpu/nanoseconds alone: no samples/count column */
	static const char *const cpu[] = {"cpu", "nanoseconds", NULL};
	p = tu_profile(cpu);
	call(p, "main.a", 12, "main.b", 0);
	CHECK_OK(pgo_summarize(p, &s, NULL));
	CHECK(s.value_index == 0 && s.count_index == -1 && s.all_zero && s.n_weighted == 0);
	pgo_profile_free(p);

	/* no usable column */
	static const char *const heap[] = {"alloc_space", "bytes", "samples", "count", NULL};
	p = tu_profile(heap);
	int64_t v[2] = {100, 2};
	tu_sample(p, s1, 0, v);
	CHECK_OK(pgo_summarize(p, &s, NULL));
	CHECK(s.value_index == 1 && s.count_index == 1);
	pgo_profile_free(p);
	static const char *const heap2[] = {"alloc_space", "bytes", NULL};
	p = tu_profile(heap2);
	tu_sample(p, s1, 0, v);
	CHECK_OK(pgo_summarize(p, &s, NULL));
	CHECK(s.value_index == -1 && !s.all_zero && !s.has_start_line && s.n_weighted == 0);
	pgo_profile_free(p);
}

/* The non-Go guess: only when nothing looks like Go and something looks foreign. */
static void test_origin(void)
{
	static const struct {
		const char *names[3];
		const char *files[3];
		bool non_go;
	} cases[] = {
		{{"main.main", "memcpy", NULL}, {"main.go", "", NULL}, false},                  /* cgo */
		{{"example.com/x.F", "malloc", NULL}, {"x/x.go", "", NULL}, false},             /* a .go file */
		{{"runtime.mallocgc", "ns::f()", NULL}, {"", "", NULL}, false},                  /* runtime. */
		{{"ns::Server::Handle(int)", "free", NULL}, {"server.cc", "", NULL}, true},    /* C++ */
		{{"java.util.HashMap.get", "com.x.App.run", NULL}, {"", "App.java", NULL}, true},
		{{"handler", "<module>", NULL}, {"app.py", "app.py", NULL}, true},             /* Python */
		{{"example.com/x.F", "example.com/x.(*T).M", NULL}, {"", "", NULL}, false},     /* Go-like, no files */
		{{"f(int)", NULL, NULL}, {"", NULL, NULL}, true},
		{{NULL, NULL, NULL}, {NULL, NULL, NULL}, false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		pgo_profile *p = tu_count_profile();
		for (int k = 0; k < 3 && cases[i].names[k]; k++)
			tu_fn(p, cases[i].names[k], cases[i].files[k], 1);
		pgo_summary s;
		CHECK_OK(pgo_summarize(p, &s, NULL));
		if (s.non_go != cases[i].non_go)
			fprintf(stderr, "origin case %zu: non_go %d\n", i, s.non_go);
		CHECK(s.non_go == cases[i].non_go);
		if (s.non_go)
			CHECK(s.foreign_example != 0);
		pgo_profile_free(p);
	}
}

static void findings_of(const pgo_profile *p, double threshold, pgo_finding **f, size_t *n)
{
	pgo_summary s;
	pgo_edges e = {0};
	pgo_hot hot = {0};
	pgo_hot_callee *hc = NULL;
	size_t n_hc = 0;
	CHECK_OK(pgo_summarize(p, &s, NULL));
	if (pgo_edges_compute(p, &e, NULL) == PGO_OK) {
		CHECK_OK(pgo_hot_select(&e, threshold, &hot, NULL));
		CHECK_OK(pgo_hot_callees(&e, &hot, &hc, &n_hc, NULL));
	}
	CHECK_OK(pgo_findings(p, &s, &e, hc, n_hc, NULL, f, n, NULL));
	free(hc);
	pgo_edges_free(&e);
}

static void test_findings(void)
{
	pgo_finding *f;
	size_t n;

	/* a healthy profile: none */
	pgo_profile *p = tu_count_profile();
	call(p, "main.a", 12, "main.b", 2000);
	findings_of(p, 99, &f, &n);
	CHECK(n == 0);
	free(f);
	pgo_profile_free(p);

	/* few samples */
	p = tu_count_profile();
	call(p, "main.a", 12, "main.b", PGO_FEW_SAMPLES - 1);
	findings_of(p, 99, &f, &n);
	CHECK(n == 1 && f[0].kind == PGO_FINDING_FEW_SAMPLES && !strcmp(f[0].code, "few-samples") &&
	      !f[0].build_fails && strstr(f[0].message, "999 samples") && f[0].advice[0]);
	free(f);
	pgo_profile_free(p);

	/* processData hot: a bad inlining target; cold (outside the hot set): nothing */
	p = tu_count_profile();
	call(p, "main.a", 12, "main.b", 100000);
	call(p, "google.golang.org/grpc/internal/transport.(*loopyWriter).run", 12,
	     "google.golang.org/grpc/internal/transport.(*loopyWriter).processData", 2000);
	findings_of(p, 99, &f, &n);
	const pgo_finding *x = find(f, n, PGO_FINDING_NOINLINE_HOT);
	CHECK(n == 1 && x && strstr(x->message, "processData") && strstr(x->advice, "pgotool merge"));
	free(f);
	findings_of(p, 50, &f, &n);
	CHECK(n == 0);
	free(f);
	/* a caller's own list replaces the default */
	pgo_summary s;
	pgo_edges e;
	pgo_hot hot;
	pgo_hot_callee *hc;
	size_t n_hc;
	CHECK_OK(pgo_summarize(p, &s, NULL));
	CHECK_OK(pgo_edges_compute(p, &e, NULL));
	CHECK_OK(pgo_hot_select(&e, 99, &hot, NULL));
	CHECK_OK(pgo_hot_callees(&e, &hot, &hc, &n_hc, NULL));
	static const char *const mine[] = {"main.b", NULL};
	CHECK_OK(pgo_findings(p, &s, &e, hc, n_hc, mine, &f, &n, NULL));
	CHECK(n == 1 && f[0].kind == PGO_FINDING_NOINLINE_HOT && strstr(f[0].message, "main.b is a hot callee"));
	free(f);
	free(hc);
	pgo_edges_free(&e);
	pgo_profile_free(p);

	/* no start line: the build fails */
	p = tu_count_profile();
	uint32_t a = tu_fn(p, "main.a", "main.go", 0), b = tu_fn(p, "main.b", "main.go", 0);
	tu_sample2(p, tu_loc(p, PGO_NONE, 0x20, b, 21), tu_loc(p, PGO_NONE, 0x10, a, 12), 5000);
	findings_of(p, 99, &f, &n);
	CHECK(n == 1 && f[0].kind == PGO_FINDING_NO_START_LINE && f[0].build_fails);
	free(f);
	pgo_profile_free(p);

	/* all zero */
	p = tu_count_profile();
	call(p, "main.a", 12, "main.b", 0);
	findings_of(p, 99, &f, &n);
	CHECK(n == 1 && f[0].kind == PGO_FINDING_ALL_ZERO && f[0].build_fails && !strcmp(f[0].code, "all-zero"));
	free(f);
	pgo_profile_free(p);

	/* no usable sample type */
	static const char *const heap[] = {"alloc_space", "bytes", NULL};
	p = tu_profile(heap);
	call(p, "main.a", 12, "main.b", 5000);
	findings_of(p, 99, &f, &n);
	CHECK(n == 1 && f[0].kind == PGO_FINDING_NO_VALUE && f[0].build_fails &&
	      strstr(f[0].message, "alloc_space/bytes"));
	free(f);
	pgo_profile_free(p);

	/* empty */
	p = tu_count_profile();
	findings_of(p, 99, &f, &n);
	CHECK(n == 1 && f[0].kind == PGO_FINDING_EMPTY && !f[0].build_fails);
	free(f);
	pgo_profile_free(p);

	/* single frames: no edges */
	p = tu_count_profile();
	tu_sample1(p, tu_line(p, 0x10, "main.spin", 5, 7), 5000);
	findings_of(p, 99, &f, &n);
	CHECK(n == 1 && f[0].kind == PGO_FINDING_NO_EDGES);
	free(f);
	pgo_profile_free(p);

	/* values that add up to zero: no edges either, for another reason */
	p = tu_count_profile();
	call(p, "main.a", 12, "main.b", 3000);
	call(p, "main.c", 12, "main.d", -3000);
	findings_of(p, 99, &f, &n);
	CHECK(n == 1 && f[0].kind == PGO_FINDING_NO_EDGES && strstr(f[0].message, "add up to zero"));
	free(f);
	pgo_profile_free(p);

	/* non-Go, unsymbolized: several findings at once, in kind order */
	p = tu_count_profile();
	a = tu_fn(p, "app::run()", "app.cc", 10);
	b = tu_fn(p, "app::step()", "app.cc", 20);
	tu_sample2(p, tu_loc(p, PGO_NONE, 0x20, b, 21), tu_loc(p, PGO_NONE, 0x10, a, 12), 10);
	tu_sample2(p, tu_loc(p, PGO_NONE, 0x30, PGO_NONE, 0), tu_loc(p, PGO_NONE, 0x10, a, 12), 90);
	findings_of(p, 99, &f, &n);
	CHECK(n == 3 && f[0].kind == PGO_FINDING_NON_GO && f[1].kind == PGO_FINDING_UNSYMBOLIZED &&
	      f[2].kind == PGO_FINDING_FEW_SAMPLES);
	if (n == 3)
		CHECK(strstr(f[0].message, "app::run()") && strstr(f[1].message, "90.0%"));
	free(f);
	pgo_profile_free(p);
}

int main(void)
{
	RUN_TESTS("inspect", test_sites_group_and_order, test_pseudo_callees, test_summary, test_origin,
	          test_findings);
}
