/*
 * Comparing two profiles (lib/diff.c): the overlap of the edge weight
 * distributions, exactly, and the compiler's decisions: hot call sites,
 * hot callees, and the devirtualization target of each call site with
 * several callees (the heaviest; a tie goes to the bytewise-first name).
 */
#include "harness.h"
#include "pgo.h"
#include "testutil.h"

#include <math.h>

/* caller's line offset -> callee, with a weight */
typedef struct spec {
	const char *caller;
	int64_t offset;
	const char *callee;
	int64_t weight;
} spec;

/* A count profile with one two-frame sample per spec; callers start at line 10. */
static pgo_profile *build(const spec *s, size_t n)
{
	pgo_profile *p = tu_count_profile();
	for (size_t i = 0; i < n; i++) {
		uint32_t callee = tu_line(p, 0x1000 + 16 * i, s[i].callee, 100, 100);
		uint32_t caller = tu_line(p, 0x8000 + 16 * i, s[i].caller, 10, 10 + s[i].offset);
		tu_sample2(p, callee, caller, s[i].weight);
	}
	return p;
}

typedef struct side {
	pgo_profile *p;
	pgo_edges e;
} side;

static side side_of(const spec *s, size_t n)
{
	side out = {.p = build(s, n)};
	if (pgo_edges_compute(out.p, &out.e, NULL))
		abort();
	return out;
}

static void side_free(side *s)
{
	pgo_edges_free(&s->e);
	pgo_profile_free(s->p);
}

static pgo_status diff_of(const spec *a, size_t na, const spec *b, size_t nb, double threshold, pgo_diff *d)
{
	side x = side_of(a, na), y = side_of(b, nb);
	pgo_error err = {0};
	pgo_status st = pgo_diff_compute(x.p, &x.e, y.p, &y.e, threshold, d, &err);
	if (st)
		fprintf(stderr, "pgo_diff_compute: %s\n", err.message);
	/* The diff owns its names: the profiles may go first. */
	side_free(&x);
	side_free(&y);
	return st;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static bool name_is(const pgo_diff *d, uint32_t i, const char *want)
{
	return i != PGO_NONE && !strcmp(pgo_diff_name(d, i, NULL), want);
}

static const pgo_diff_site *site_of(const pgo_diff *d, const char *caller, int64_t offset)
{
	for (size_t i = 0; i < d->n_sites; i++)
		if (name_is(d, d->sites[i].caller, caller) && d->sites[i].offset == offset)
			return &d->sites[i];
	return NULL;
}

static const spec base[] = {
	{"main.a", 1, "main.b", 60},
	{"main.a", 2, "main.c", 25},
	{"main.c", 3, "main.d", 10},
	{"main.d", 4, "main.e", 5},
};

static void test_self_is_exactly_one(void)
{
	pgo_diff d;
	CHECK_OK(diff_of(base, N(base), base, N(base), 99, &d));
	CHECK(d.overlap == 1.0);
	CHECK(d.decisions_equal);
	CHECK(d.n_edges == 4 && d.n_sites == 4 && d.n_names == 5);
	CHECK(d.old_total == 100 && d.new_total == 100 && d.old_hot_edges == 4 && d.old_hot_sites == 4);
	for (size_t i = 0; i < d.n_edges; i++)
		CHECK(d.edges[i].in_old && d.edges[i].in_new && d.edges[i].old_weight == d.edges[i].new_weight &&
		      d.edges[i].old_share == d.edges[i].new_share);
	CHECK(!d.n_hot_sites_added && !d.n_hot_sites_removed && !d.n_hot_callees_added &&
	      !d.n_hot_callees_removed && !d.n_target_changes);
	pgo_diff_free(&d);

	/* Three times the weight everywhere: the same distribution, exactly. */
	spec triple[N(base)];
	for (size_t i = 0; i < N(base); i++) {
		triple[i] = base[i];
		triple[i].weight *= 3;
	}
	CHECK_OK(diff_of(base, N(base), triple, N(triple), 99, &d));
	CHECK(d.overlap == 1.0 && d.decisions_equal && d.new_total == 300);
	pgo_diff_free(&d);
}

static void test_overlap_values(void)
{
	/* p = .6 .4 0, q = .3 .5 .2: min adds up to .3 + .4 = .7 */
	static const spec a[] = {{"A", 1, "B", 60}, {"A", 2, "C", 40}};
	static const spec b[] = {{"A", 1, "B", 30}, {"A", 2, "C", 50}, {"A", 3, "D", 20}};
	pgo_diff d;
	CHECK_OK(diff_of(a, N(a), b, N(b), 99, &d));
	CHECK(d.overlap == 0.7);
	CHECK(d.n_edges == 3);
	/* Biggest shift first: B and D both moved by .3 (ties in name order), C by .1. */
	CHECK(name_is(&d, d.edges[0].callee, "B") && d.edges[0].old_share == 0.6 && d.edges[0].new_share == 0.3);
	CHECK(name_is(&d, d.edges[1].callee, "D") && !d.edges[1].in_old && d.edges[1].in_new &&
	      d.edges[1].old_weight == 0 && d.edges[1].new_weight == 20);
	CHECK(name_is(&d, d.edges[2].callee, "C"));
	pgo_diff_free(&d);

	/* Shares differing in the third decimal of odd totals. */
	static const spec c[] = {{"A", 1, "B", 1}, {"A", 2, "C", 2}};
	static const spec e[] = {{"A", 1, "B", 2}, {"A", 2, "C", 1}};
	CHECK_OK(diff_of(c, N(c), e, N(e), 99, &d));
	CHECK(fabs(d.overlap - 2.0 / 3.0) < 1e-15);
	pgo_diff_free(&d);
}

static void test_disjoint_and_empty(void)
{
	static const spec a[] = {{"A", 1, "B", 10}};
	static const spec b[] = {{"X", 1, "Y", 10}};
	pgo_diff d;
	CHECK_OK(diff_of(a, N(a), b, N(b), 99, &d));
	CHECK(d.overlap == 0.0 && !d.decisions_equal);
	CHECK(d.n_hot_sites_added == 1 && name_is(&d, d.sites[d.hot_sites_added[0]].caller, "X"));
	CHECK(d.n_hot_sites_removed == 1 && name_is(&d, d.sites[d.hot_sites_removed[0]].caller, "A"));
	CHECK(d.n_hot_callees_added == 1 && name_is(&d, d.hot_callees_added[0], "Y"));
	CHECK(d.n_hot_callees_removed == 1 && name_is(&d, d.hot_callees_removed[0], "B"));
	pgo_diff_free(&d);

	/* Two empty profiles are the same; one empty and one not share nothing. */
	CHECK_OK(diff_of(NULL, 0, NULL, 0, 99, &d));
	CHECK(d.overlap == 1.0 && d.decisions_equal && d.n_edges == 0 && d.n_names == 0);
	pgo_diff_free(&d);
	CHECK_OK(diff_of(NULL, 0, a, N(a), 99, &d));
	CHECK(d.overlap == 0.0 && !d.decisions_equal && d.n_hot_sites_added == 1 && d.n_hot_callees_added == 1);
	pgo_diff_free(&d);
	CHECK_OK(diff_of(a, N(a), NULL, 0, 99, &d));
	CHECK(d.overlap == 0.0 && !d.decisions_equal && d.n_hot_sites_removed == 1);
	pgo_diff_free(&d);
}

static void test_hot_sets(void)
{
	/* At 90%: old's prefix crosses 90 at its second edge (99 > 90), new's at its first (91 > 90). */
	static const spec a[] = {{"A", 1, "B", 90}, {"C", 2, "D", 9}, {"E", 3, "F", 1}};
	static const spec b[] = {{"A", 1, "B", 91}, {"C", 2, "D", 8}, {"E", 3, "F", 1}};
	pgo_diff d;
	CHECK_OK(diff_of(a, N(a), b, N(b), 90, &d));
	CHECK(fabs(d.overlap - 0.99) < 1e-15);
	CHECK(d.old_hot_edges == 2 && d.new_hot_edges == 1 && d.old_hot_sites == 2 && d.new_hot_sites == 1);
	CHECK(!d.decisions_equal && d.n_hot_sites_added == 0 && d.n_hot_sites_removed == 1);
	const pgo_diff_site *s = site_of(&d, "C", 2);
	CHECK(s && s->old_hot && !s->new_hot && d.n_hot_sites_removed == 1 && &d.sites[d.hot_sites_removed[0]] == s);
	CHECK(d.n_hot_callees_removed == 1 && name_is(&d, d.hot_callees_removed[0], "D"));
	CHECK(d.n_target_changes == 0);
	pgo_diff_free(&d);

	/* At the default 99% both select every edge: the same decisions, overlap .99. */
	CHECK_OK(diff_of(a, N(a), b, N(b), 99, &d));
	CHECK(d.decisions_equal && fabs(d.overlap - 0.99) < 1e-15);
	pgo_diff_free(&d);

	/* A hot callee is one by name: D stays hot through another site. */
	static const spec c[] = {{"A", 1, "B", 50}, {"C", 2, "D", 40}, {"E", 3, "F", 10}};
	static const spec e[] = {{"A", 1, "B", 50}, {"G", 7, "D", 40}, {"E", 3, "F", 10}};
	CHECK_OK(diff_of(c, N(c), e, N(e), 80, &d));
	CHECK(d.n_hot_sites_added == 1 && d.n_hot_sites_removed == 1 && d.n_hot_callees_added == 0 &&
	      d.n_hot_callees_removed == 0 && !d.decisions_equal);
	pgo_diff_free(&d);

	/* The same call site with another callee: a hot callee changes, the site does not. */
	static const spec f[] = {{"A", 1, "B", 50}, {"A", 2, "C", 50}};
	static const spec g[] = {{"A", 1, "B", 50}, {"A", 2, "Z", 50}};
	CHECK_OK(diff_of(f, N(f), g, N(g), 99, &d));
	CHECK(d.n_hot_sites_added == 0 && d.n_hot_sites_removed == 0 && d.n_hot_callees_added == 1 &&
	      d.n_hot_callees_removed == 1 && d.n_target_changes == 0 && !d.decisions_equal);
	pgo_diff_free(&d);
}

static void test_devirtualization_targets(void)
{
	/* An indirect call at main.run+5 whose heaviest callee changes. */
	static const spec a[] = {{"main.run", 5, "main.(*X).M", 50}, {"main.run", 5, "main.(*Y).M", 30},
	                         {"main.run", 9, "main.f", 20}};
	static const spec b[] = {{"main.run", 5, "main.(*X).M", 30}, {"main.run", 5, "main.(*Y).M", 50},
	                         {"main.run", 9, "main.f", 20}};
	pgo_diff d;
	CHECK_OK(diff_of(a, N(a), b, N(b), 99, &d));
	CHECK(!d.decisions_equal && d.n_hot_sites_added == 0 && d.n_hot_callees_added == 0 && d.n_target_changes == 1);
	const pgo_diff_site *s = site_of(&d, "main.run", 5);
	CHECK(s && &d.sites[d.target_changes[0]] == s && s->old_callees == 2 && s->new_callees == 2 &&
	      name_is(&d, s->old_target, "main.(*X).M") && s->old_target_weight == 50 &&
	      name_is(&d, s->new_target, "main.(*Y).M") && s->new_target_weight == 50);
	CHECK(fabs(s->old_share - 0.8) < 1e-15 && fabs(s->new_share - 0.8) < 1e-15);
	pgo_diff_free(&d);

	/* A tie goes to the bytewise-first name, as findHotConcreteCallee has it. */
	static const spec tie[] = {{"main.run", 5, "main.(*Y).M", 40}, {"main.run", 5, "main.(*X).M", 40},
	                           {"main.run", 9, "main.f", 20}};
	CHECK_OK(diff_of(a, N(a), tie, N(tie), 99, &d));
	s = site_of(&d, "main.run", 5);
	CHECK(s && name_is(&d, s->new_target, "main.(*X).M") && d.n_target_changes == 0 && d.decisions_equal);
	pgo_diff_free(&d);
	CHECK_OK(diff_of(b, N(b), tie, N(tie), 99, &d));
	CHECK(d.n_target_changes == 1 && !d.decisions_equal);
	pgo_diff_free(&d);

	/* One callee before, two after, the same heaviest: no change. */
	static const spec one[] = {{"main.run", 5, "main.(*X).M", 80}, {"main.run", 9, "main.f", 20}};
	CHECK_OK(diff_of(one, N(one), a, N(a), 99, &d));
	CHECK(d.n_target_changes == 0);
	/* (The new callee is hot, which the inliner sees.) */
	CHECK(d.n_hot_callees_added == 1 && name_is(&d, d.hot_callees_added[0], "main.(*Y).M") && !d.decisions_equal);
	pgo_diff_free(&d);
	/* ... another heaviest: a change. */
	CHECK_OK(diff_of(one, N(one), b, N(b), 99, &d));
	CHECK(d.n_target_changes == 1);
	pgo_diff_free(&d);

	/* A site with several callees that is new: nothing was devirtualized there before. */
	static const spec none[] = {{"main.run", 9, "main.f", 20}};
	CHECK_OK(diff_of(none, N(none), a, N(a), 99, &d));
	s = site_of(&d, "main.run", 5);
	CHECK(s && s->old_target == PGO_NONE && s->old_callees == 0 && name_is(&d, s->new_target, "main.(*X).M") &&
	      d.n_target_changes == 1);
	pgo_diff_free(&d);
}

static void test_names_by_content(void)
{
	/* The same edges, built in another order: other string indexes, the same names. */
	static const spec rev[] = {
		{"main.d", 4, "main.e", 5},
		{"main.c", 3, "main.d", 10},
		{"main.a", 2, "main.c", 25},
		{"main.a", 1, "main.b", 60},
	};
	side x = side_of(base, N(base)), y = side_of(rev, N(rev));
	pgo_str xa = x.e.edges[0].caller, ya = y.e.edges[0].caller;
	CHECK(tu_streq(x.p, xa, "main.a") && tu_streq(y.p, ya, "main.a") && xa != ya);
	pgo_diff d;
	CHECK_OK(pgo_diff_compute(x.p, &x.e, y.p, &y.e, 99, &d, NULL));
	CHECK(d.overlap == 1.0 && d.decisions_equal && d.n_edges == 4 && d.n_names == 5);
	/* Names are sorted bytewise. */
	for (uint32_t i = 1; i < d.n_names; i++)
		CHECK(strcmp(pgo_diff_name(&d, i - 1, NULL), pgo_diff_name(&d, i, NULL)) < 0);
	pgo_diff_free(&d);
	side_free(&x);
	side_free(&y);
}

static void test_bad_arguments(void)
{
	side x = side_of(base, N(base));
	pgo_diff d;
	pgo_error err = {0};
	CHECK(pgo_diff_compute(x.p, &x.e, x.p, &x.e, 101, &d, &err) == PGO_ERR_ARGUMENT);
	CHECK(strstr(err.message, "101") != NULL);
	CHECK(pgo_diff_compute(x.p, &x.e, NULL, &x.e, 99, &d, &err) == PGO_ERR_ARGUMENT);
	/* Edges of another profile: a string index out of range is refused, not read. */
	pgo_profile *empty = tu_count_profile();
	CHECK(pgo_diff_compute(empty, &x.e, x.p, &x.e, 99, &d, &err) == PGO_ERR_ARGUMENT);
	CHECK(strstr(err.message, "old") != NULL);
	CHECK(d.edges == NULL && d.n_edges == 0);
	pgo_diff_free(&d);
	pgo_profile_free(empty);
	side_free(&x);
}

int main(void)
{
	RUN_TESTS("diff", test_self_is_exactly_one, test_overlap_values, test_disjoint_and_empty, test_hot_sets,
	          test_devirtualization_targets, test_names_by_content, test_bad_arguments);
}
