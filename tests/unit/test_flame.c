/*
 * The flame graph's call tree (lib/flame.c): stacks from the root down,
 * inlined frames as frames, siblings merged by name and sorted, thin frames
 * folded into their parent's self, preorder with parents first.
 */
#include "testutil.h"

/* The node whose path from the root is the given names, or NULL. */
static const pgo_flame_node *find(const pgo_profile *p, const pgo_flame *f, const char *const *path, size_t n)
{
	uint32_t cur = 0;
	for (size_t d = 0; d < n; d++) {
		uint32_t next = PGO_NONE;
		for (size_t i = 0; i < f->n_nodes && next == PGO_NONE; i++)
			if (f->nodes[i].parent == cur && f->nodes[i].name != PGO_FLAME_UNKNOWN &&
			    tu_streq(p, f->nodes[i].name, path[d]))
				next = (uint32_t)i;
		if (next == PGO_NONE)
			return NULL;
		cur = next;
	}
	return &f->nodes[cur];
}

#define PATH(...) (const char *const[]){__VA_ARGS__}, sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *)

static pgo_profile *sample_profile(void)
{
	pgo_profile *p = tu_count_profile();
	uint32_t main_ = tu_line(p, 0x10, "main.main", 1, 5);
	uint32_t work = tu_line(p, 0x20, "main.work", 10, 12);
	/* main.parse inlined into main.work at one address */
	uint32_t parse = tu_loc2(p, 0x30, tu_func(p, "main.parse", 20), 21, tu_func(p, "main.work", 10), 14);
	uint32_t idle = tu_line(p, 0x40, "main.idle", 30, 31);
	uint32_t s1[] = {work, main_}, s2[] = {parse, main_}, s3[] = {idle, main_}, s4[] = {main_};
	int64_t v60 = 60, v30 = 30, v1 = 1, v9 = 9, v0 = 0;
	tu_sample(p, s1, 2, &v60);
	tu_sample(p, s2, 2, &v30);
	tu_sample(p, s3, 2, &v1);
	tu_sample(p, s4, 1, &v9);
	tu_sample(p, s4, 1, &v0); /* zero: left out */
	return p;
}

static void test_tree(void)
{
	pgo_profile *p = sample_profile();
	pgo_flame f;
	CHECK_OK(pgo_flame_build(p, 0, 0, &f, NULL));
	CHECK(f.total == 100 && f.pruned == 0);
	CHECK(f.n_nodes == 5); /* root, main, work, parse (inlined, under work), idle */
	CHECK(f.nodes[0].parent == PGO_NONE && f.nodes[0].total == 100 && f.nodes[0].self == 0);
	const pgo_flame_node *m = find(p, &f, PATH("main.main"));
	CHECK(m && m->total == 100 && m->self == 9);
	const pgo_flame_node *w = find(p, &f, PATH("main.main", "main.work"));
	CHECK(w && w->total == 90 && w->self == 60); /* the inlined frame's caller merges with the real one */
	const pgo_flame_node *pa = find(p, &f, PATH("main.main", "main.work", "main.parse"));
	CHECK(pa && pa->total == 30 && pa->self == 30);
	/* preorder: every parent before its children; siblings sorted by name */
	for (size_t i = 1; i < f.n_nodes; i++)
		CHECK(f.nodes[i].parent < i);
	CHECK(tu_streq(p, f.nodes[2].name, "main.idle") && tu_streq(p, f.nodes[3].name, "main.work"));
	pgo_flame_free(&f);
	pgo_profile_free(p);
}

static void test_fold_thin_frames(void)
{
	pgo_profile *p = sample_profile();
	pgo_flame f;
	CHECK_OK(pgo_flame_build(p, 0, 0.05, &f, NULL)); /* idle (1 of 100) folds */
	CHECK(f.pruned == 1 && f.n_nodes == 4);
	CHECK(find(p, &f, PATH("main.main", "main.idle")) == NULL);
	const pgo_flame_node *m = find(p, &f, PATH("main.main"));
	CHECK(m && m->total == 100 && m->self == 10);
	pgo_flame_free(&f);
	CHECK_OK(pgo_flame_build(p, 0, 0.5, &f, NULL)); /* parse (30) folds into work */
	const pgo_flame_node *w = find(p, &f, PATH("main.main", "main.work"));
	CHECK(w && w->total == 90 && w->self == 90 && f.pruned == 2);
	pgo_flame_free(&f);
	pgo_profile_free(p);
}

static void test_bad_arguments(void)
{
	pgo_profile *p = sample_profile();
	pgo_flame f;
	pgo_error err;
	CHECK(pgo_flame_build(p, 1, 0, &f, &err) == PGO_ERR_ARGUMENT);
	CHECK(pgo_flame_build(p, 0, 1, &f, &err) == PGO_ERR_ARGUMENT);
	pgo_profile_free(p);
	/* an empty profile: the root alone */
	p = tu_count_profile();
	CHECK_OK(pgo_flame_build(p, 0, 0, &f, NULL));
	CHECK(f.n_nodes == 1 && f.total == 0);
	pgo_flame_free(&f);
	pgo_profile_free(p);
}

int main(void)
{
	RUN_TESTS("flame", test_tree, test_fold_thin_frames, test_bad_arguments);
}
