/* pgo_merge: google/pprof's merge semantics (spec §2), order independence. */
#include "harness.h"
#include "pgo.h"
#include "testutil.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pgo_profile *merge_opts(pgo_profile *const *in, size_t n, const pgo_merge_options *o)
{
	pgo_profile *out = NULL;
	pgo_error err = {0};
	pgo_status st = pgo_merge(in, n, o, &out, &err);
	if (st) {
		fprintf(stderr, "merge failed (%d): %s\n", (int)st, err.message);
		return NULL;
	}
	return out;
}

static pgo_profile *merge_n(pgo_profile *const *in, size_t n, bool keep_labels)
{
	pgo_merge_options o = {.keep_labels = keep_labels};
	return merge_opts(in, n, &o);
}

static pgo_profile *merge1(pgo_profile *a, bool keep_labels)
{
	return merge_n(&a, 1, keep_labels);
}

/* A location of a fresh function (duplicates within one input are fine:
 * the merge deduplicates them too). */
static uint32_t floc(pgo_profile *p, uint32_t mapping, uint64_t address, const char *name, const char *file,
                     int64_t start, int64_t line)
{
	uint32_t fn = tu_fn(p, name, file, start);
	return tu_loc(p, mapping, address, fn, line);
}

static void sample_v(pgo_profile *p, const uint32_t *locs, uint32_t n, int64_t count, int64_t ns)
{
	int64_t v[2] = {count, ns};
	tu_sample(p, locs, n, v);
}

static void sample_l(pgo_profile *p, const uint32_t *locs, uint32_t n, int64_t count, int64_t ns,
                     const pgo_label *labels, uint32_t n_labels)
{
	int64_t v[2] = {count, ns};
	CHECK_OK(pgo_add_sample(p, locs, n, v, labels, n_labels));
}

static uint32_t mapping(pgo_profile *p, uint64_t start, uint64_t limit, uint64_t offset, const char *file,
                        const char *build_id)
{
	pgo_mapping m = {
		.memory_start = start, .memory_limit = limit, .file_offset = offset,
		.filename = tu_intern(p, file), .build_id = tu_intern(p, build_id),
		.has_functions = true,
	};
	uint32_t i = PGO_NONE;
	CHECK_OK(pgo_add_mapping(p, &m, &i));
	return i;
}

static pgo_label str_label(pgo_profile *p, const char *key, const char *value)
{
	return (pgo_label){.key = tu_intern(p, key), .str = tu_intern(p, value)};
}

static pgo_label num_label(pgo_profile *p, const char *key, int64_t num, const char *unit)
{
	return (pgo_label){.key = tu_intern(p, key), .num = num, .num_unit = tu_intern(p, unit)};
}

static void add_comment(pgo_profile *p, const char *c)
{
	pgo_str s = tu_intern(p, c);
	uint32_t n = p->n_comments;
	pgo_str *nc = realloc(p->comments, (n + 1) * sizeof *nc);
	if (!nc)
		abort();
	p->comments = nc;
	p->comments[n] = s;
	p->n_comments = n + 1;
	p->cap_comments = n + 1;
}

/* encode(a) == encode(b) */
#define CHECK_SAME_BYTES(a, b) CHECK((a) && (b) && tu_same_bytes(a, b))

/* ------------------------------------------------------------------ */

static void test_equal_stacks_add(void)
{
	pgo_profile *a = tu_cpu_profile();
	uint32_t aw = floc(a, PGO_NONE, 0x1010, "main.work", "main.go", 20, 22);
	uint32_t am = floc(a, PGO_NONE, 0x1020, "main.main", "main.go", 10, 12);
	uint32_t as[2] = {aw, am};
	sample_v(a, as, 2, 1, 10);

	/* the same stack, entities in another order (other IDs) and unused ones */
	pgo_profile *b = tu_cpu_profile();
	floc(b, PGO_NONE, 0x9999, "unused", "u.go", 1, 2);
	uint32_t bm = floc(b, PGO_NONE, 0x1020, "main.main", "main.go", 10, 12);
	uint32_t bw = floc(b, PGO_NONE, 0x1010, "main.work", "main.go", 20, 22);
	uint32_t bs[2] = {bw, bm};
	sample_v(b, bs, 2, 2, 20);
	sample_v(b, bs, 2, 4, 40); /* a repeat within one input adds too */

	pgo_profile *in[2] = {a, b};
	pgo_profile *m = merge_n(in, 2, false);
	CHECK(m != NULL);
	if (m) {
		CHECK(m->n_samples == 1 && m->n_functions == 2 && m->n_locations == 2 && m->n_mappings == 0);
		static const char *const stack[] = {"main.work", "main.main"};
		int s = tu_find_sample(m, stack, 2);
		CHECK(s == 0);
		if (s == 0)
			CHECK(tu_values(m, 0)[0] == 7 && tu_values(m, 0)[1] == 70);
		CHECK(tu_find_fn(m, "unused") < 0);
		CHECK(m->n_sample_types == 2 && tu_streq(m, m->sample_types[1].type, "cpu") &&
		      tu_streq(m, m->sample_types[1].unit, "nanoseconds"));
		CHECK(tu_streq(m, m->period_type.type, "cpu") && tu_streq(m, m->period_type.unit, "nanoseconds"));
		/* IDs are index + 1 */
		for (uint32_t i = 0; i < m->n_functions; i++)
			CHECK(m->functions[i].id == i + 1);
		for (uint32_t i = 0; i < m->n_locations; i++)
			CHECK(m->locations[i].id == i + 1);
	}
	pgo_profile_free(m);
	pgo_profile_free(a);
	pgo_profile_free(b);
}

static void test_function_key(void)
{
	pgo_profile *a = tu_cpu_profile();
	uint32_t f1 = tu_fn(a, "foo", "a.go", 1);
	uint32_t f2 = tu_fn(a, "foo", "b.go", 1);  /* other filename */
	uint32_t f3 = tu_fn(a, "foo", "a.go", 2);  /* other start line */
	uint32_t f4;
	CHECK_OK(pgo_add_function(a, "foo", "foo.sys", "a.go", 1, &f4)); /* other system name */
	uint32_t f5 = tu_fn(a, "foo", "a.go", 1);  /* same key as f1, another ID */
	uint32_t fns[5] = {f1, f2, f3, f4, f5};
	uint32_t locs[5];
	for (int i = 0; i < 5; i++) {
		locs[i] = tu_loc(a, PGO_NONE, 0x10 * (uint64_t)(i + 1), fns[i], 7);
		sample_v(a, &locs[i], 1, 1, 1);
	}
	/* b has f1's key at another ID, at f1's address and line */
	pgo_profile *b = tu_cpu_profile();
	tu_fn(b, "bar", "x.go", 1);
	uint32_t l = floc(b, PGO_NONE, 0x10, "foo", "a.go", 1, 7);
	sample_v(b, &l, 1, 10, 10);

	pgo_profile *in[2] = {a, b};
	pgo_profile *m = merge_n(in, 2, false);
	CHECK(m != NULL);
	if (m) {
		CHECK(m->n_functions == 4);
		CHECK(tu_count_fn(m, "foo") == 4 && tu_find_fn(m, "bar") < 0);
		CHECK(m->n_locations == 5 && m->n_samples == 5);
		/* locations 0x10 and 0x50 share their function */
		int l10 = -1, l50 = -1, s10 = -1;
		for (uint32_t i = 0; i < m->n_locations; i++) {
			if (m->locations[i].address == 0x10)
				l10 = (int)i;
			if (m->locations[i].address == 0x50)
				l50 = (int)i;
		}
		CHECK(l10 >= 0 && l50 >= 0);
		if (l10 >= 0 && l50 >= 0)
			CHECK(m->lines[m->locations[l10].lines_at].function == m->lines[m->locations[l50].lines_at].function);
		for (uint32_t s = 0; s < m->n_samples; s++)
			if (m->sample_locations[m->samples[s].locations_at] == (uint32_t)l10)
				s10 = (int)s;
		CHECK(s10 >= 0 && tu_values(m, (uint32_t)(s10 < 0 ? 0 : s10))[0] == 11);
		int64_t total = 0;
		for (uint32_t s = 0; s < m->n_samples; s++)
			total += tu_values(m, s)[0];
		CHECK(total == 15);
	}
	pgo_profile_free(m);
	pgo_profile_free(a);
	pgo_profile_free(b);
}

/* ASLR: the same mapping at another start merges, addresses rebased. */
static void test_mapping_aslr(void)
{
	pgo_profile *a = tu_cpu_profile();
	uint32_t ma = mapping(a, 0x400000, 0x500000, 0, "/app", "B1");
	uint32_t la = floc(a, ma, 0x401234, "main.work", "main.go", 20, 22);
	uint32_t la2 = floc(a, ma, 0x402000, "main.main", "main.go", 10, 11);
	uint32_t sa[2] = {la, la2};
	sample_v(a, sa, 2, 1, 100);

	pgo_profile *b = tu_cpu_profile();
	uint32_t mb = mapping(b, 0x7f1000400000ull, 0x7f1000500000ull, 0, "/app", "B1");
	uint32_t lb2 = floc(b, mb, 0x7f1000402000ull, "main.main", "main.go", 10, 11);
	uint32_t lb = floc(b, mb, 0x7f1000401234ull, "main.work", "main.go", 20, 22);
	uint32_t sb[2] = {lb, lb2};
	sample_v(b, sb, 2, 2, 200);

	pgo_profile *ab[2] = {a, b}, *ba[2] = {b, a};
	pgo_profile *m = merge_n(ab, 2, false), *m2 = merge_n(ba, 2, false);
	CHECK(m != NULL);
	if (m) {
		CHECK(m->n_mappings == 1 && m->n_locations == 2 && m->n_samples == 1);
		const pgo_mapping *mp = &m->mappings[0];
		CHECK(mp->memory_start == 0x400000 || mp->memory_start == 0x7f1000400000ull);
		CHECK(mp->memory_limit - mp->memory_start == 0x100000);
		CHECK(tu_streq(m, mp->filename, "/app") && tu_streq(m, mp->build_id, "B1"));
		int leaf = -1;
		for (uint32_t i = 0; i < m->n_locations; i++) {
			CHECK(m->locations[i].mapping == 0);
			if (strcmp(tu_line_fn(m, i, 0), "main.work") == 0)
				leaf = (int)i;
		}
		CHECK(leaf >= 0);
		if (leaf >= 0)
			CHECK(m->locations[leaf].address == mp->memory_start + 0x1234);
		CHECK(tu_values(m, 0)[0] == 3 && tu_values(m, 0)[1] == 300);
	}
	CHECK_SAME_BYTES(m, m2);
	pgo_profile_free(m);
	pgo_profile_free(m2);
	pgo_profile_free(a);
	pgo_profile_free(b);
}

/* The number of mappings after merging a profile with mapping ma and one
 * with mapping mb; both hold one sample at mapping start + 0x1234. */
static int merged_mappings(pgo_mapping ma_in, const char *fa, const char *ba, pgo_mapping mb_in, const char *fb,
                           const char *bb)
{
	pgo_profile *p[2];
	const pgo_mapping *src[2] = {&ma_in, &mb_in};
	const char *files[2] = {fa, fb}, *builds[2] = {ba, bb};
	for (int i = 0; i < 2; i++) {
		p[i] = tu_cpu_profile();
		pgo_mapping m = *src[i];
		m.filename = tu_intern(p[i], files[i]);
		m.build_id = tu_intern(p[i], builds[i]);
		uint32_t mi;
		CHECK_OK(pgo_add_mapping(p[i], &m, &mi));
		uint32_t l = floc(p[i], mi, m.memory_start + 0x1234, "f", "f.go", 1, 2);
		sample_v(p[i], &l, 1, 1, 1);
	}
	pgo_profile *m = merge_n(p, 2, false);
	int n = -1;
	if (m) {
		n = (int)m->n_mappings;
		/* one sample per distinct mapping */
		CHECK(m->n_samples == m->n_mappings && m->n_locations == m->n_mappings);
	}
	pgo_profile_free(m);
	pgo_profile_free(p[0]);
	pgo_profile_free(p[1]);
	return n;
}

static void test_mapping_key(void)
{
	pgo_mapping base = {.memory_start = 0x400000, .memory_limit = 0x500000};
	pgo_mapping m = base;
	CHECK(merged_mappings(base, "/app", "B1", base, "/app", "B1") == 1);
	/* sizes within one 4 KiB rounding are equal */
	m.memory_start = 0x10000000;
	m.memory_limit = 0x10000000 + 0xfff01;
	CHECK(merged_mappings(base, "/app", "B1", m, "/app", "B1") == 1);
	m.memory_limit = 0x10000000 + 0x100001;
	CHECK(merged_mappings(base, "/app", "B1", m, "/app", "B1") == 2);
	/* the file offset is part of the key */
	m = base;
	m.file_offset = 0x1000;
	CHECK(merged_mappings(base, "/app", "B1", m, "/app", "B1") == 2);
	/* so is the build ID, and it takes precedence over the file name */
	CHECK(merged_mappings(base, "/app", "B1", base, "/app", "B2") == 2);
	CHECK(merged_mappings(base, "/app", "B1", base, "/renamed", "B1") == 1);
	/* without build IDs, the file name */
	CHECK(merged_mappings(base, "/app", "", base, "/app", "") == 1);
	CHECK(merged_mappings(base, "/app", "", base, "/lib", "") == 2);
	/* neither: fake mappings are all alike */
	CHECK(merged_mappings(base, "", "", base, "", "") == 1);
}

static void test_recursion_stacks(void)
{
	pgo_profile *in[2];
	for (int i = 0; i < 2; i++) {
		pgo_profile *p = tu_cpu_profile();
		if (i)
			tu_fn(p, "padding", "p.go", 1);
		uint32_t l = floc(p, PGO_NONE, 0x40, "rec", "r.go", 3, 5);
		uint32_t s3[3] = {l, l, l};
		sample_v(p, s3, 3, i + 1, 10 * (i + 1));
		sample_v(p, s3, 2, i + 1, 10 * (i + 1));
		sample_v(p, s3, 1, i + 1, 10 * (i + 1));
		in[i] = p;
	}
	pgo_profile *m = merge_n(in, 2, false);
	CHECK(m != NULL);
	if (m) {
		CHECK(m->n_samples == 3 && m->n_locations == 1 && m->n_functions == 1);
		for (uint32_t s = 0; s < m->n_samples; s++) {
			CHECK(tu_values(m, s)[0] == 3 && tu_values(m, s)[1] == 30);
			for (uint32_t j = 0; j < m->samples[s].n_locations; j++)
				CHECK(m->sample_locations[m->samples[s].locations_at + j] == 0);
		}
		uint32_t lens = 0;
		for (uint32_t s = 0; s < m->n_samples; s++)
			lens |= 1u << m->samples[s].n_locations;
		CHECK(lens == (1u << 1 | 1u << 2 | 1u << 3));
	}
	pgo_profile_free(m);
	pgo_profile_free(in[0]);
	pgo_profile_free(in[1]);
}

/* Samples that cancel out go, and so do the entities only they used. */
static void test_zero_sum_dropped(void)
{
	pgo_profile *in[2];
	for (int i = 0; i < 2; i++) {
		pgo_profile *p = tu_cpu_profile();
		uint32_t m0 = mapping(p, 0x400000, 0x500000, 0, "/app", "");
		uint32_t m1 = mapping(p, 0x7f0000000000ull, 0x7f0000010000ull, 0, "/lib.so", "");
		uint32_t lm = floc(p, m0, 0x401000, "main.main", "main.go", 10, 12);
		uint32_t lx = floc(p, m1, 0x7f0000000100ull, "lib.x", "x.c", 3, 4);
		uint32_t ly = floc(p, m0, 0x402000, "main.y", "main.go", 30, 31);
		uint32_t sx[2] = {lx, lm}, sy[2] = {ly, lm}, sz[1] = {ly};
		if (i == 0) {
			sample_v(p, sx, 2, 5, 50);
			sample_v(p, sy, 2, 1, 10);
			sample_v(p, sz, 1, 5, 0);
		} else {
			sample_v(p, sx, 2, -5, -50);
			sample_v(p, sz, 1, -5, 1); /* {0, 1} is not zero */
		}
		in[i] = p;
	}
	pgo_profile *m = merge_n(in, 2, false);
	CHECK(m != NULL);
	if (m) {
		CHECK(m->n_samples == 2);
		static const char *const sy[] = {"main.y", "main.main"}, *const sz[] = {"main.y"};
		int a = tu_find_sample(m, sy, 2), b = tu_find_sample(m, sz, 1);
		CHECK(a >= 0 && b >= 0);
		if (a >= 0)
			CHECK(tu_values(m, (uint32_t)a)[0] == 1 && tu_values(m, (uint32_t)a)[1] == 10);
		if (b >= 0)
			CHECK(tu_values(m, (uint32_t)b)[0] == 0 && tu_values(m, (uint32_t)b)[1] == 1);
		CHECK(m->n_functions == 2 && tu_find_fn(m, "lib.x") < 0);
		CHECK(m->n_locations == 2);
		CHECK(m->n_mappings == 1 && tu_streq(m, m->mappings[0].filename, "/app"));
		/* nothing of lib.x reaches the output bytes */
		size_t n;
		uint8_t *e = tu_encode(m, &n);
		bool found = false;
		for (size_t i = 0; i + 5 <= n; i++)
			found |= memcmp(e + i, "lib.x", 5) == 0 || (i + 7 <= n && memcmp(e + i, "/lib.so", 7) == 0);
		CHECK(!found);
		free(e);
	}
	pgo_profile_free(m);
	pgo_profile_free(in[0]);
	pgo_profile_free(in[1]);
}

static void test_zero_input_samples_dropped(void)
{
	pgo_profile *p = tu_cpu_profile();
	uint32_t lm = floc(p, PGO_NONE, 0x10, "main.main", "main.go", 10, 12);
	uint32_t lz = floc(p, PGO_NONE, 0x20, "main.zero", "main.go", 20, 21);
	uint32_t ly = floc(p, PGO_NONE, 0x30, "main.y", "main.go", 30, 31);
	uint32_t sz[2] = {lz, lm}, sy[2] = {ly, lm};
	sample_v(p, sz, 2, 0, 0);
	sample_v(p, sy, 2, 0, 7);
	pgo_profile *m = merge1(p, false);
	CHECK(m != NULL);
	if (m) {
		CHECK(m->n_samples == 1 && m->n_functions == 2 && m->n_locations == 2);
		CHECK(tu_find_fn(m, "main.zero") < 0);
		CHECK(tu_values(m, 0)[0] == 0 && tu_values(m, 0)[1] == 7);
	}
	pgo_profile_free(m);

	/* all samples zero: nothing is left */
	pgo_profile *q = tu_cpu_profile();
	uint32_t l = floc(q, PGO_NONE, 0x10, "main.main", "main.go", 10, 12);
	sample_v(q, &l, 1, 0, 0);
	m = merge1(q, false);
	CHECK(m && m->n_samples == 0 && m->n_functions == 0 && m->n_locations == 0);
	CHECK(m && m->n_sample_types == 2);
	pgo_profile_free(m);
	pgo_profile_free(q);
	pgo_profile_free(p);
}

static void test_labels(void)
{
	pgo_profile *p = tu_cpu_profile();
	uint32_t l = floc(p, PGO_NONE, 0x10, "main.main", "main.go", 10, 12);
	pgo_label s1 = str_label(p, "span", "1"), s2 = str_label(p, "span", "2");
	sample_l(p, &l, 1, 1, 1, &s1, 1);
	sample_l(p, &l, 1, 2, 2, &s2, 1);
	sample_l(p, &l, 1, 4, 4, NULL, 0);

	/* dropped by default: everything collapses */
	pgo_profile *m = merge1(p, false);
	CHECK(m && m->n_samples == 1 && m->n_labels == 0);
	if (m && m->n_samples == 1)
		CHECK(tu_values(m, 0)[0] == 7 && m->samples[0].n_labels == 0);
	/* no label strings are written */
	if (m) {
		size_t n;
		uint8_t *e = tu_encode(m, &n);
		bool found = false;
		for (size_t i = 0; i + 4 <= n; i++)
			found |= memcmp(e + i, "span", 4) == 0;
		CHECK(!found);
		free(e);
	}
	pgo_profile_free(m);

	/* kept: three samples */
	m = merge1(p, true);
	CHECK(m && m->n_samples == 3 && m->n_labels == 2);
	if (m && m->n_samples == 3) {
		int seen = 0;
		for (uint32_t s = 0; s < 3; s++) {
			const pgo_sample *smp = &m->samples[s];
			int64_t v = tu_values(m, s)[0];
			if (smp->n_labels == 0)
				seen |= (v == 4) << 0;
			else if (smp->n_labels == 1) {
				const pgo_label *lb = &m->labels[smp->labels_at];
				CHECK(tu_streq(m, lb->key, "span"));
				if (tu_streq(m, lb->str, "1"))
					seen |= (v == 1) << 1;
				if (tu_streq(m, lb->str, "2"))
					seen |= (v == 2) << 2;
			}
		}
		CHECK(seen == 7);
	}
	pgo_profile_free(m);
	pgo_profile_free(p);
}

static void test_label_order(void)
{
	pgo_profile *p = tu_cpu_profile();
	uint32_t l = floc(p, PGO_NONE, 0x10, "main.main", "main.go", 10, 12);
	pgo_label a = str_label(p, "a", "x"), b = str_label(p, "b", "y"), n = num_label(p, "n", 5, "ms");
	pgo_label o1[3] = {a, n, b}, o2[3] = {b, n, a}, o3[3] = {n, b, a}, o4[3] = {a, b, n};
	sample_l(p, &l, 1, 1, 1, o1, 3);
	sample_l(p, &l, 1, 2, 2, o2, 3);

	/* the same labels in another input, in yet another order */
	pgo_profile *q = tu_cpu_profile();
	tu_intern(q, "n");
	tu_intern(q, "y");
	uint32_t lq = floc(q, PGO_NONE, 0x10, "main.main", "main.go", 10, 12);
	pgo_label qa = str_label(q, "a", "x"), qb = str_label(q, "b", "y"), qn = num_label(q, "n", 5, "ms");
	pgo_label q3[3] = {qn, qb, qa}, q4[3] = {qa, qb, qn};
	sample_l(q, &lq, 1, 4, 4, q3, 3);
	sample_l(q, &lq, 1, 8, 8, q4, 3);
	(void)o3;
	(void)o4;
	/* different values or units are other samples */
	pgo_label other1[2] = {str_label(q, "a", "x"), str_label(q, "b", "z")};
	pgo_label other2[1] = {num_label(q, "n", 5, "s")};
	pgo_label other3[1] = {num_label(q, "n", 6, "ms")};
	sample_l(q, &lq, 1, 16, 16, other1, 2);
	sample_l(q, &lq, 1, 32, 32, other2, 1);
	sample_l(q, &lq, 1, 64, 64, other3, 1);

	pgo_profile *in[2] = {p, q}, *rev[2] = {q, p};
	pgo_profile *m = merge_n(in, 2, true), *m2 = merge_n(rev, 2, true);
	CHECK(m && m->n_samples == 4);
	if (m) {
		int found = -1;
		for (uint32_t s = 0; s < m->n_samples; s++)
			if (m->samples[s].n_labels == 3)
				found = (int)s;
		CHECK(found >= 0);
		if (found >= 0) {
			CHECK(tu_values(m, (uint32_t)found)[0] == 15 && tu_values(m, (uint32_t)found)[1] == 15);
			/* the kept labels are the three, once each */
			const pgo_label *lb = &m->labels[m->samples[found].labels_at];
			int mask = 0;
			for (int i = 0; i < 3; i++) {
				if (tu_streq(m, lb[i].key, "a") && tu_streq(m, lb[i].str, "x"))
					mask |= 1;
				if (tu_streq(m, lb[i].key, "b") && tu_streq(m, lb[i].str, "y"))
					mask |= 2;
				if (tu_streq(m, lb[i].key, "n") && lb[i].num == 5 && tu_streq(m, lb[i].num_unit, "ms") &&
				    lb[i].str == 0)
					mask |= 4;
			}
			CHECK(mask == 7);
		}
		int64_t total = 0;
		for (uint32_t s = 0; s < m->n_samples; s++)
			total += tu_values(m, s)[0];
		CHECK(total == 127);
	}
	CHECK_SAME_BYTES(m, m2);
	pgo_profile_free(m);
	pgo_profile_free(m2);
	pgo_profile_free(p);
	pgo_profile_free(q);
}

static pgo_profile *header_profile(int64_t duration, int64_t period, int64_t time, const char *const *comments,
                                   const char *default_type, int64_t weight)
{
	pgo_profile *p = tu_cpu_profile();
	uint32_t l = floc(p, PGO_NONE, 0x10, "main.main", "main.go", 10, 12);
	sample_v(p, &l, 1, weight, weight);
	p->duration_nanos = duration;
	p->period = period;
	p->time_nanos = time;
	for (; comments && *comments; comments++)
		add_comment(p, *comments);
	p->default_sample_type = tu_intern(p, default_type);
	return p;
}

static void test_headers(void)
{
	static const char *const c1[] = {"x", NULL}, *const c2[] = {"x", "y", NULL}, *const c3[] = {"x", "y", "z", NULL};
	pgo_profile *a = header_profile(100, 10, 0, c1, "", 1);
	pgo_profile *b = header_profile(200, 30, 5000, c2, "cpu", 2);
	pgo_profile *c = header_profile(300, 20, 3000, c3, "cpu", 3);
	pgo_profile *orders[6][3] = {{a, b, c}, {a, c, b}, {b, a, c}, {b, c, a}, {c, a, b}, {c, b, a}};
	pgo_profile *first = NULL;
	for (int i = 0; i < 6; i++) {
		pgo_profile *m = merge_n(orders[i], 3, false);
		CHECK(m != NULL);
		if (!m)
			continue;
		CHECK(m->duration_nanos == 600);
		CHECK(m->period == 30);
		CHECK(m->time_nanos == 3000); /* earliest nonzero */
		CHECK(m->n_comments == 3);
		if (m->n_comments == 3)
			CHECK(tu_streq(m, m->comments[0], "x") && tu_streq(m, m->comments[1], "y") &&
			      tu_streq(m, m->comments[2], "z"));
		CHECK(tu_streq(m, m->default_sample_type, "cpu"));
		CHECK(m->n_samples == 1 && tu_values(m, 0)[0] == 6);
		if (!first)
			first = m;
		else {
			CHECK(tu_same_bytes(first, m));
			pgo_profile_free(m);
		}
	}
	pgo_profile_free(first);

	/* one input: duplicate comments collapse, first-seen order */
	static const char *const dup[] = {"q", "p", "q", "r", "p", NULL};
	pgo_profile *d = header_profile(5, 7, 9, dup, "", 1);
	pgo_profile *m = merge1(d, false);
	CHECK(m && m->n_comments == 3);
	if (m && m->n_comments == 3)
		CHECK(tu_streq(m, m->comments[0], "q") && tu_streq(m, m->comments[1], "p") &&
		      tu_streq(m, m->comments[2], "r"));
	CHECK(m && m->duration_nanos == 5 && m->period == 7 && m->time_nanos == 9);
	pgo_profile_free(m);

	/* all times zero stay zero; an input with time 0 does not reset it */
	pgo_profile *z1 = header_profile(1, 1, 0, NULL, "", 1), *z2 = header_profile(1, 1, 0, NULL, "", 2);
	pgo_profile *t3 = header_profile(1, 1, 7000, NULL, "", 3);
	pgo_profile *zz[2] = {z1, z2}, *zt[3] = {t3, z1, z2}, *tz[3] = {z1, z2, t3};
	m = merge_n(zz, 2, false);
	CHECK(m && m->time_nanos == 0 && m->duration_nanos == 2);
	pgo_profile_free(m);
	m = merge_n(zt, 3, false);
	CHECK(m && m->time_nanos == 7000);
	pgo_profile_free(m);
	m = merge_n(tz, 3, false);
	CHECK(m && m->time_nanos == 7000);
	pgo_profile_free(m);

	pgo_profile_free(z1);
	pgo_profile_free(z2);
	pgo_profile_free(t3);
	pgo_profile_free(d);
	pgo_profile_free(a);
	pgo_profile_free(b);
	pgo_profile_free(c);
}

static void test_incompatible(void)
{
	static const char *const t_one[] = {"samples", "count", NULL};
	static const char *const t_rev[] = {"cpu", "nanoseconds", "samples", "count", NULL};
	static const char *const t_unit[] = {"samples", "number", "cpu", "nanoseconds", NULL};
	pgo_profile *a = tu_cpu_profile();
	pgo_profile *b = tu_profile(t_one);
	pgo_profile *r = tu_profile(t_rev);
	pgo_profile *u = tu_profile(t_unit);
	pgo_profile *w = tu_cpu_profile();
	w->period_type.type = tu_intern(w, "wall");
	const char *const names[] = {"a.pprof", "b.pprof", NULL};
	pgo_merge_options o = {.names = names};
	pgo_profile *out = (pgo_profile *)1;
	pgo_error err = {0};

	pgo_profile *ab[2] = {a, b};
	CHECK(pgo_merge(ab, 2, &o, &out, &err) == PGO_ERR_INCOMPATIBLE);
	CHECK(out == NULL && err.status == PGO_ERR_INCOMPATIBLE);
	CHECK(strstr(err.message, "samples/count cpu/nanoseconds") != NULL);
	CHECK(strstr(err.message, "[samples/count]") != NULL);
	CHECK(strstr(err.message, "a.pprof") && strstr(err.message, "b.pprof"));

	pgo_profile *aw[2] = {a, w};
	memset(&err, 0, sizeof err);
	CHECK(pgo_merge(aw, 2, &o, &out, &err) == PGO_ERR_INCOMPATIBLE);
	CHECK(strstr(err.message, "wall/nanoseconds") && strstr(err.message, "cpu/nanoseconds"));
	CHECK(strstr(err.message, "a.pprof") && strstr(err.message, "b.pprof"));

	/* without names, inputs are numbered */
	pgo_profile *ar[2] = {a, r};
	memset(&err, 0, sizeof err);
	CHECK(pgo_merge(ar, 2, NULL, &out, &err) == PGO_ERR_INCOMPATIBLE);
	CHECK(strstr(err.message, "cpu/nanoseconds samples/count") && strstr(err.message, "samples/count cpu/nanoseconds"));
	CHECK(strstr(err.message, "input 1") && strstr(err.message, "input 2"));

	pgo_profile *au[3] = {a, a, u};
	memset(&err, 0, sizeof err);
	CHECK(pgo_merge(au, 3, NULL, &out, &err) == PGO_ERR_INCOMPATIBLE);
	CHECK(strstr(err.message, "samples/number") && strstr(err.message, "input 3"));

	/* equal types through different string tables are compatible */
	pgo_profile *c = pgo_profile_new();
	tu_intern(c, "nanoseconds");
	tu_intern(c, "zzz");
	CHECK_OK(pgo_add_sample_type(c, "samples", "count"));
	CHECK_OK(pgo_add_sample_type(c, "cpu", "nanoseconds"));
	c->period_type.unit = tu_intern(c, "nanoseconds");
	c->period_type.type = tu_intern(c, "cpu");
	pgo_profile *ac[2] = {a, c};
	out = NULL;
	CHECK(pgo_merge(ac, 2, NULL, &out, &err) == PGO_OK);
	pgo_profile_free(out);

	/* no inputs */
	out = (pgo_profile *)1;
	CHECK(pgo_merge(ac, 0, NULL, &out, &err) == PGO_ERR_ARGUMENT);
	CHECK(out == NULL);

	pgo_profile_free(a);
	pgo_profile_free(b);
	pgo_profile_free(r);
	pgo_profile_free(u);
	pgo_profile_free(w);
	pgo_profile_free(c);
}

/* ------------------------------------------------------------------ */
/* Order independence and idempotence                                  */

/* Three overlapping inputs: one stack in all, ASLR-shifted mappings,
 * labels, comments, a sample that cancels across inputs. id_shift builds
 * the same content with other IDs. */
static pgo_profile *mixed_input(int which, int id_shift)
{
	pgo_profile *p = tu_cpu_profile();
	for (int i = 0; i < id_shift; i++)
		tu_fn(p, "pad", "pad.go", i);
	uint64_t base = 0x400000 + 0x10000000ull * (uint64_t)which;
	uint32_t m0 = mapping(p, base, base + 0x200000, 0, "/app", "BUILD");
	uint32_t m1 = mapping(p, base + 0x7f0000000000ull, base + 0x7f0000008000ull, 0x2000, "/lib/libc.so", "");
	pgo_line inl[2] = {{.line = 40}, {.line = 12}};
	inl[0].function = tu_fn(p, "main.inlined", "main.go", 38);
	inl[1].function = tu_fn(p, "main.main", "main.go", 10);
	uint32_t l_inl;
	CHECK_OK(pgo_add_location(p, m0, base + 0x1000, inl, 2, &l_inl));
	uint32_t l_work = floc(p, m0, base + 0x2000, "main.work", "work.go", 20, 25);
	uint32_t l_libc = floc(p, m1, base + 0x7f0000000400ull, "memmove", "", 0, 0);
	uint32_t l_bare = tu_loc(p, m0, base + 0x3000, PGO_NONE, 0);
	uint32_t s_common[2] = {l_work, l_inl}, s_libc[3] = {l_libc, l_work, l_inl}, s_bare[2] = {l_bare, l_inl};
	pgo_label lb[2] = {str_label(p, "span", which ? "b" : "a"), num_label(p, "bytes", 64 * which, "bytes")};
	sample_l(p, s_common, 2, 1 + which, 100 * (1 + which), lb, 2);
	sample_v(p, s_libc, 3, which == 2 ? -4 : 2, which == 2 ? -400 : 200);
	sample_v(p, s_bare, 2, 1, 10);
	static const char *const comments[3][2] = {{"built by a", "shared"}, {"shared", "built by b"}, {"c", "shared"}};
	add_comment(p, comments[which][0]);
	add_comment(p, comments[which][1]);
	p->duration_nanos = 1000000000LL * (which + 1);
	p->period = 10000000;
	p->time_nanos = 1700000000000000000 + which;
	if (which == 1)
		p->drop_frames = tu_intern(p, "runtime\\.goexit");
	return p;
}

static void test_order_independence(void)
{
	pgo_profile *a = mixed_input(0, 0), *b = mixed_input(1, 2), *c = mixed_input(2, 5);
	pgo_profile *orders[6][3] = {{a, b, c}, {a, c, b}, {b, a, c}, {b, c, a}, {c, a, b}, {c, b, a}};
	for (int keep = 0; keep < 2; keep++) {
		pgo_profile *first = merge_n(orders[0], 3, keep);
		CHECK(first != NULL);
		for (int i = 1; i < 6 && first; i++) {
			pgo_profile *m = merge_n(orders[i], 3, keep);
			CHECK_SAME_BYTES(first, m);
			pgo_profile_free(m);
		}
		if (first) {
			/* the cross-input libc sample cancelled out */
			int64_t libc = 0;
			for (uint32_t s = 0; s < first->n_samples; s++)
				libc += strcmp(tu_leaf_fn(first, s), "memmove") == 0;
			CHECK(libc == 0);
			CHECK(tu_find_fn(first, "memmove") < 0);
			CHECK(first->n_mappings == 1);
			CHECK(first->duration_nanos == 6000000000);
			CHECK(first->n_comments == 4);
			CHECK(first->n_labels == (keep ? 6u : 0u));
			/* the ASLR-shifted stacks merged: the common and bare stacks of all three */
			CHECK(first->n_samples == (keep ? 4u : 2u));
		}
		pgo_profile_free(first);
	}
	pgo_profile_free(a);
	pgo_profile_free(b);
	pgo_profile_free(c);
}

static void test_order_independence_duplicates(void)
{
	pgo_profile *a = mixed_input(0, 0), *a2 = mixed_input(0, 3), *b = mixed_input(1, 1);
	pgo_profile *orders[][3] = {{a, a, b}, {a, b, a}, {b, a, a}, {a, a2, b}, {a2, b, a}, {b, a2, a}};
	for (int keep = 0; keep < 2; keep++) {
		pgo_profile *first = merge_n(orders[0], 3, keep);
		CHECK(first != NULL);
		for (size_t i = 1; i < sizeof orders / sizeof orders[0] && first; i++) {
			pgo_profile *m = merge_n(orders[i], 3, keep);
			CHECK_SAME_BYTES(first, m);
			pgo_profile_free(m);
		}
		if (first) {
			static const char *const common[] = {"main.work", "main.inlined"};
			int s = keep ? -1 : tu_find_sample(first, common, 2);
			if (!keep) {
				CHECK(s >= 0);
				if (s >= 0)
					CHECK(tu_values(first, (uint32_t)s)[0] == 4 && tu_values(first, (uint32_t)s)[1] == 400);
			}
		}
		pgo_profile_free(first);
	}
	pgo_profile_free(a);
	pgo_profile_free(a2);
	pgo_profile_free(b);
}

/*
 * Inputs that differ only in their function names. Go profiles write
 * system_name == name, which is exactly where a fingerprint that combines
 * the two symmetrically (h(name) ^ h(system_name)) cannot tell them apart;
 * the output must still not depend on argument order.
 */
static void test_order_independence_names_only(void)
{
	pgo_profile *x = tu_cpu_profile(), *y = tu_cpu_profile();
	uint32_t lx = floc(x, PGO_NONE, 0x10, "main.alpha", "m.go", 5, 6);
	uint32_t ly = floc(y, PGO_NONE, 0x10, "main.beta", "m.go", 5, 6);
	sample_v(x, &lx, 1, 1, 1);
	sample_v(y, &ly, 1, 1, 1);
	pgo_profile *xy[2] = {x, y}, *yx[2] = {y, x};
	pgo_profile *m1 = merge_n(xy, 2, false), *m2 = merge_n(yx, 2, false);
	CHECK(m1 && m1->n_functions == 2 && m1->n_samples == 2);
	CHECK_SAME_BYTES(m1, m2);
	pgo_profile_free(m1);
	pgo_profile_free(m2);

	/* the same with mappings whose file name and build ID trade places */
	pgo_profile *p = tu_cpu_profile(), *q = tu_cpu_profile();
	uint32_t mp = mapping(p, 0x1000, 0x2000, 0, "alpha", "beta");
	uint32_t mq = mapping(q, 0x1000, 0x2000, 0, "beta", "alpha");
	uint32_t lp = floc(p, mp, 0x1010, "f", "f.go", 1, 2);
	uint32_t lq = floc(q, mq, 0x1010, "f", "f.go", 1, 2);
	sample_v(p, &lp, 1, 1, 1);
	sample_v(q, &lq, 1, 1, 1);
	pgo_profile *pq[2] = {p, q}, *qp[2] = {q, p};
	m1 = merge_n(pq, 2, false);
	m2 = merge_n(qp, 2, false);
	CHECK(m1 && m1->n_mappings == 2);
	CHECK_SAME_BYTES(m1, m2);
	pgo_profile_free(m1);
	pgo_profile_free(m2);
	pgo_profile_free(p);
	pgo_profile_free(q);
	pgo_profile_free(x);
	pgo_profile_free(y);
}

static void test_idempotent(void)
{
	for (int keep = 0; keep < 2; keep++) {
		pgo_profile *x = mixed_input(1, 0);
		/* add zero and duplicate samples to make the first merge work */
		uint32_t l = floc(x, 0, 0x10400000 + 0x5000, "main.extra", "main.go", 50, 51);
		sample_v(x, &l, 1, 0, 0);
		sample_v(x, &l, 1, 3, 30);
		sample_v(x, &l, 1, 3, 30);
		pgo_profile *m1 = merge1(x, keep);
		pgo_profile *m2 = m1 ? merge1(m1, keep) : NULL;
		CHECK_SAME_BYTES(m1, m2);
		/* and merging the result with nothing else changes nothing either */
		pgo_profile *again = m2 ? merge1(m2, keep) : NULL;
		CHECK_SAME_BYTES(m2, again);
		pgo_profile_free(again);
		pgo_profile_free(m1);
		pgo_profile_free(m2);
		pgo_profile_free(x);
	}
	pgo_profile *a = mixed_input(0, 0), *b = mixed_input(1, 2), *c = mixed_input(2, 1);
	pgo_profile *abc[3] = {a, b, c};
	pgo_profile *m1 = merge_n(abc, 3, true);
	pgo_profile *m2 = m1 ? merge1(m1, true) : NULL;
	CHECK_SAME_BYTES(m1, m2);
	pgo_profile_free(m1);
	pgo_profile_free(m2);
	pgo_profile_free(a);
	pgo_profile_free(b);
	pgo_profile_free(c);
}

static void test_inputs_unmodified(void)
{
	pgo_profile *a = mixed_input(0, 0), *b = mixed_input(2, 0);
	size_t na, nb, na2, nb2;
	uint8_t *ea = tu_encode(a, &na), *eb = tu_encode(b, &nb);
	uint32_t strings_a = a->strings.count;
	pgo_profile *in[2] = {a, b};
	const char *const noinline[] = {"main.work", NULL};
	pgo_merge_options o = {.keep_labels = true, .noinline = noinline};
	pgo_profile *m = merge_opts(in, 2, &o);
	CHECK(m != NULL);
	uint8_t *ea2 = tu_encode(a, &na2), *eb2 = tu_encode(b, &nb2);
	CHECK(na == na2 && memcmp(ea, ea2, na) == 0);
	CHECK(nb == nb2 && memcmp(eb, eb2, nb) == 0);
	CHECK(a->strings.count == strings_a);
	CHECK(tu_find_fn(a, "main.work") >= 0);
	/* the merged profile decodes back to itself */
	if (m) {
		pgo_profile *r = tu_roundtrip(m);
		CHECK(r != NULL && tu_same_bytes(r, m));
		pgo_profile_free(r);
	}
	free(ea);
	free(eb);
	free(ea2);
	free(eb2);
	pgo_profile_free(m);
	pgo_profile_free(a);
	pgo_profile_free(b);
}

int main(void)
{
	RUN_TESTS("test_merge",
	          test_equal_stacks_add, test_function_key, test_mapping_aslr, test_mapping_key,
	          test_recursion_stacks, test_zero_sum_dropped, test_zero_input_samples_dropped, test_labels,
	          test_label_order, test_headers, test_incompatible, test_order_independence,
	          test_order_independence_duplicates, test_order_independence_names_only, test_idempotent,
	          test_inputs_unmodified);
}
