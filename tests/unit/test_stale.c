/*
 * Staleness (lib/stale.c): the hot call sites whose caller still exists
 * under the same name and start line, the share of hot weight they carry,
 * and the sites that no longer match, most weight first.
 */
#include "testutil.h"

/* A profile with four edges, all hot at 99 percent:
 *   main.run -> pkg.work     weight 50, offset 2
 *   main.run -> pkg.(*T).M   weight 30, offset 3
 *   pkg.work -> pkg.leaf     weight 15, offset 1
 *   main.f[go.shape.int] -> pkg.leaf  weight 5, offset 1 */
static pgo_profile *sample_profile(void)
{
	pgo_profile *p = tu_count_profile();
	uint32_t work = tu_line(p, 0x10, "pkg.work", 20, 21), m = tu_line(p, 0x20, "pkg.(*T).M", 40, 41);
	uint32_t run1 = tu_line(p, 0x30, "main.run", 10, 12), run2 = tu_line(p, 0x40, "main.run", 10, 13);
	uint32_t leaf = tu_line(p, 0x50, "pkg.leaf", 60, 61), gen = tu_line(p, 0x60, "main.f[go.shape.int]", 70, 71);
	tu_sample2(p, work, run1, 50);
	tu_sample2(p, m, run2, 30);
	tu_sample2(p, leaf, work, 15);
	tu_sample2(p, leaf, gen, 5);
	return p;
}

typedef struct fixture {
	pgo_profile *p;
	pgo_edges e;
	pgo_hot hot;
	pgo_staleness s;
} fixture;

static pgo_status run(fixture *f, const pgo_code_func *funcs, size_t n, pgo_error *err)
{
	if (!f->p) {
		f->p = sample_profile();
		if (pgo_edges_compute(f->p, &f->e, err) || pgo_hot_select(&f->e, 99, &f->hot, err))
			abort();
	}
	pgo_staleness_free(&f->s);
	return pgo_staleness_compute(f->p, &f->e, &f->hot, funcs, n, &f->s, err);
}

static void done(fixture *f)
{
	pgo_staleness_free(&f->s);
	pgo_edges_free(&f->e);
	pgo_profile_free(f->p);
}

static const char *caller_of(const fixture *f, size_t i)
{
	return tu_s(f->p, f->e.edges[f->s.stale[i].edge].caller);
}

static void test_same_code_scores_one(void)
{
	/* In no order, with duplicates (DWARF's abstract and concrete entries)
	 * and functions the profile does not have. */
	pgo_code_func funcs[] = {{"pkg.leaf", 60},        {"main.run", 10}, {"pkg.work", 20}, {"main.run", 10},
	                         {"main.f[go.shape.int]", 70}, {"pkg.(*T).M", 40}, {"other.g", 5}};
	fixture f = {0};
	CHECK_OK(run(&f, funcs, sizeof funcs / sizeof funcs[0], NULL));
	CHECK(f.hot.n_hot == 4);
	CHECK(f.s.n_hot == 4 && f.s.n_matched == 4 && f.s.n_stale == 0);
	CHECK(f.s.hot_weight == 100 && f.s.matched_weight == 100);
	CHECK(f.s.matched_share == 1.0);
	CHECK(f.s.n_callee_missing == 0);
	done(&f);
}

static void test_moved_and_missing(void)
{
	/* main.run moved down 3 lines; pkg.work renamed to pkg.process. */
	pgo_code_func funcs[] = {{"main.run", 13}, {"pkg.process", 20}, {"pkg.leaf", 60},
	                         {"main.f[go.shape.int]", 70}, {"pkg.(*T).M", 40}};
	fixture f = {0};
	CHECK_OK(run(&f, funcs, sizeof funcs / sizeof funcs[0], NULL));
	CHECK(f.s.n_hot == 4 && f.s.n_matched == 1 && f.s.n_moved == 2 && f.s.n_missing == 1);
	CHECK(f.s.matched_weight == 5 && f.s.moved_weight == 80 && f.s.missing_weight == 15);
	CHECK(f.s.matched_share == 0.05);
	CHECK(f.s.n_stale == 3);
	/* Most weight first: run->work (50), run->M (30), work->leaf (15). */
	CHECK(strcmp(caller_of(&f, 0), "main.run") == 0 && f.e.edges[f.s.stale[0].edge].weight == 50);
	CHECK(f.s.stale[0].status == PGO_SITE_CALLER_MOVED);
	CHECK(f.s.stale[0].profile_line == 10 && f.s.stale[0].code_line == 13);
	CHECK(f.s.stale[0].callee_missing); /* pkg.work is gone too */
	CHECK(f.e.edges[f.s.stale[1].edge].weight == 30 && !f.s.stale[1].callee_missing);
	CHECK(strcmp(caller_of(&f, 2), "pkg.work") == 0);
	CHECK(f.s.stale[2].status == PGO_SITE_CALLER_MISSING);
	CHECK(f.s.stale[2].profile_line == 20 && f.s.stale[2].code_line == 0);
	CHECK(f.s.n_callee_missing == 1);
	CHECK(strcmp(pgo_site_status_name(f.s.stale[2].status), "caller-missing") == 0);
	done(&f);
}

/* Names compare byte for byte: a generic instance is matched by its shape
 * name only, a prefix or a longer name is another function. */
static void test_exact_names(void)
{
	pgo_code_func funcs[] = {{"main.run", 10}, {"pkg.work", 20}, {"pkg.leaf", 60}, {"pkg.(*T).M", 40},
	                         {"main.f[...]", 70}, {"main.f", 70}, {"main.f[go.shape.int].func1", 70}};
	fixture f = {0};
	CHECK_OK(run(&f, funcs, sizeof funcs / sizeof funcs[0], NULL));
	CHECK(f.s.n_matched == 3 && f.s.n_missing == 1 && f.s.n_stale == 1);
	CHECK(strcmp(caller_of(&f, 0), "main.f[go.shape.int]") == 0);
	done(&f);
}

/* A name with several lines (a merged profile of two builds, or two
 * entries in the binary) matches when any line is common. */
static void test_several_lines(void)
{
	fixture f = {0};
	pgo_code_func none[] = {{"x", 1}};
	CHECK_OK(run(&f, none, 1, NULL)); /* builds the profile */
	CHECK(f.s.n_missing == 4 && f.s.matched_share == 0);
	tu_func(f.p, "main.run", 7); /* the profile now also holds main.run at 7 */
	pgo_code_func funcs[] = {{"main.run", 7}, {"main.run", 99}, {"pkg.work", 20}, {"pkg.leaf", 60},
	                         {"pkg.(*T).M", 40}, {"main.f[go.shape.int]", 71}, {"main.f[go.shape.int]", 72}};
	CHECK_OK(run(&f, funcs, sizeof funcs / sizeof funcs[0], NULL));
	CHECK(f.s.n_matched == 3 && f.s.n_moved == 1 && f.s.n_stale == 1);
	CHECK(f.s.stale[0].profile_line == 70 && f.s.stale[0].code_line == 71);
	done(&f);
}

/* A line of 0 is unknown (a generated wrapper, an assembly function):
 * the name alone matches, and is counted apart. */
static void test_unknown_line(void)
{
	pgo_code_func funcs[] = {{"main.run", 0}, {"pkg.work", 21}, {"pkg.work", 0}, {"pkg.leaf", 60},
	                         {"main.f[go.shape.int]", 3}, {"pkg.(*T).M", 40}};
	fixture f = {0};
	CHECK_OK(run(&f, funcs, sizeof funcs / sizeof funcs[0], NULL));
	CHECK(f.s.n_matched == 3 && f.s.n_name_only == 3 && f.s.n_moved == 1 && f.s.n_stale == 1);
	CHECK(f.s.stale[0].profile_line == 70 && f.s.stale[0].code_line == 3);
	CHECK(f.s.matched_share == 0.95);
	done(&f);
}

/* Only the hot prefix counts. */
static void test_only_hot_sites(void)
{
	fixture f = {0};
	pgo_code_func funcs[] = {{"main.run", 10}, {"pkg.(*T).M", 40}};
	CHECK_OK(run(&f, funcs, 2, NULL));
	f.hot.n_hot = 2; /* as a lower threshold selects */
	CHECK_OK(run(&f, funcs, 2, NULL));
	CHECK(f.s.n_hot == 2 && f.s.n_matched == 2 && f.s.n_stale == 0 && f.s.matched_share == 1);
	CHECK(f.s.n_callee_missing == 1); /* pkg.work */
	f.hot.n_hot = 0;
	CHECK_OK(run(&f, funcs, 2, NULL));
	CHECK(f.s.n_hot == 0 && f.s.matched_share == 1 && f.s.stale);
	f.hot.n_hot = 5; /* more than there are edges */
	pgo_error err;
	CHECK(run(&f, funcs, 2, &err) == PGO_ERR_ARGUMENT);
	CHECK(f.s.stale == NULL && f.s.n_stale == 0);
	done(&f);
}

/* A profile name with a NUL byte in it matches no C string. */
static void test_nul_in_profile_name(void)
{
	pgo_profile *p = tu_count_profile();
	pgo_str name;
	CHECK_OK(pgo_intern(p, "main.run\0x", 10, &name));
	uint32_t fn;
	CHECK_OK(pgo_add_function(p, "", "", "x.go", 10, &fn));
	p->functions[fn].name = name;
	uint32_t caller = tu_loc(p, PGO_NONE, 0x10, fn, 12), leaf = tu_line(p, 0x20, "main.run", 10, 11);
	tu_sample2(p, leaf, caller, 10);
	pgo_edges e;
	pgo_hot h;
	pgo_staleness s;
	CHECK_OK(pgo_edges_compute(p, &e, NULL));
	CHECK_OK(pgo_hot_select(&e, 99, &h, NULL));
	pgo_code_func funcs[] = {{"main.run", 10}};
	CHECK_OK(pgo_staleness_compute(p, &e, &h, funcs, 1, &s, NULL));
	CHECK(s.n_hot == 1 && s.n_missing == 1 && !s.stale[0].callee_missing);
	pgo_staleness_free(&s);
	pgo_edges_free(&e);
	pgo_profile_free(p);
}

/* A caller without a name (an unsymbolized frame) or renamed DO NOT INLINE
 * matches no build: it is counted apart, and left out of the share. */
static void test_uncompared_callers(void)
{
	pgo_profile *p = tu_count_profile();
	uint32_t bare;
	CHECK_OK(pgo_add_location(p, PGO_NONE, 0x10, NULL, 0, &bare));
	uint32_t a = tu_line(p, 0x20, "a", 1, 2), b = tu_line(p, 0x30, "b", 5, 6);
	tu_sample2(p, a, bare, 30);
	tu_sample2(p, a, b, 10);
	tu_sample2(p, bare, b, 5); /* an unnamed callee is not "missing" */
	uint32_t dni = tu_line(p, 0x40, "DO NOT INLINE: b", 5, 9), dni_leaf = tu_line(p, 0x50, "DO NOT INLINE: c", 3, 4);
	tu_sample2(p, a, dni, 20);
	tu_sample2(p, dni_leaf, a, 1); /* a renamed callee is not "missing" */
	pgo_edges e;
	pgo_hot h;
	pgo_staleness s;
	CHECK_OK(pgo_edges_compute(p, &e, NULL));
	CHECK_OK(pgo_hot_select(&e, 100, &h, NULL));
	CHECK(h.n_hot == 5);
	pgo_code_func funcs[] = {{"a", 1}, {"b", 5}, {"", 0}};
	for (size_t n = 2; n <= 3; n++) { /* with or without a nameless entry in the table */
		CHECK_OK(pgo_staleness_compute(p, &e, &h, funcs, n, &s, NULL));
		CHECK(s.n_hot == 5 && s.n_uncompared == 2 && s.uncompared_weight == 50 && s.n_matched == 3);
		CHECK(s.hot_weight == 16 && s.matched_share == 1 && s.n_stale == 0 && s.n_callee_missing == 0);
		pgo_staleness_free(&s);
	}
	pgo_code_func moved[] = {{"a", 1}, {"b", 7}};
	CHECK_OK(pgo_staleness_compute(p, &e, &h, moved, 2, &s, NULL));
	CHECK(s.n_moved == 2 && s.n_stale == 2 && s.matched_share == 1.0 / 16);
	pgo_staleness_free(&s);
	pgo_edges_free(&e);
	pgo_profile_free(p);
}

/* Negative weights from hostile input keep the share within [0, 1]. */
static void test_share_bounds(void)
{
	pgo_profile *p = tu_count_profile();
	uint32_t a = tu_line(p, 0x10, "a", 1, 2), b = tu_line(p, 0x20, "b", 5, 6), c = tu_line(p, 0x30, "c", 9, 9);
	tu_sample2(p, a, b, 10);
	tu_sample2(p, a, c, -30);
	pgo_edges e;
	pgo_hot h = {0};
	pgo_staleness s;
	CHECK_OK(pgo_edges_compute(p, &e, NULL));
	h.n_hot = e.n_edges;
	pgo_code_func only_b[] = {{"b", 5}}, only_c[] = {{"c", 9}};
	CHECK_OK(pgo_staleness_compute(p, &e, &h, only_b, 1, &s, NULL));
	CHECK(s.matched_share >= 0 && s.matched_share <= 1);
	pgo_staleness_free(&s);
	CHECK_OK(pgo_staleness_compute(p, &e, &h, only_c, 1, &s, NULL));
	CHECK(s.matched_share >= 0 && s.matched_share <= 1);
	pgo_staleness_free(&s);
	pgo_code_func bad[] = {{NULL, 1}};
	pgo_error err;
	CHECK(pgo_staleness_compute(p, &e, &h, bad, 1, &s, &err) == PGO_ERR_ARGUMENT);
	pgo_edges_free(&e);
	pgo_profile_free(p);
}

int main(void)
{
	RUN_TESTS("stale", test_same_code_scores_one, test_moved_and_missing, test_exact_names, test_several_lines,
	          test_unknown_line, test_only_hot_sites, test_nul_in_profile_name, test_uncompared_callers,
	          test_share_bounds);
}
