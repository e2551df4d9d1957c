/* Weighted merges: pgo_merger_add_scaled and pgo_compiler_total. */
#include "harness.h"
#include "pgo.h"
#include "testutil.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A samples/count + cpu/nanoseconds profile: one one-frame sample per
 * function name, with the values given. */
typedef struct row {
	const char *fn;
	int64_t count, ns;
} row;

static pgo_profile *build(const row *rows, size_t n)
{
	pgo_profile *p = tu_cpu_profile();
	for (size_t i = 0; i < n; i++) {
		uint32_t loc = tu_line(p, 0x1000 + i * 16, rows[i].fn, 10, 12);
		int64_t v[2] = {rows[i].count, rows[i].ns};
		tu_sample(p, &loc, 1, v);
	}
	return p;
}

/* The values of the sample whose leaf is function fn; false when none. */
static bool values_of(const pgo_profile *p, const char *fn, int64_t *count, int64_t *ns)
{
	for (uint32_t s = 0; s < p->n_samples; s++) {
		const pgo_location *l = &p->locations[p->sample_locations[p->samples[s].locations_at]];
		if (tu_streq(p, p->functions[p->lines[l->lines_at].function].name, fn)) {
			*count = p->values[(size_t)s * 2];
			*ns = p->values[(size_t)s * 2 + 1];
			return true;
		}
	}
	return false;
}

static bool has(const pgo_profile *p, const char *fn, int64_t count, int64_t ns)
{
	int64_t c = -1, n = -1;
	bool found = values_of(p, fn, &c, &n);
	if (!found || c != count || n != ns)
		fprintf(stderr, "  %s: want %lld/%lld, got %s %lld/%lld\n", fn, (long long)count, (long long)ns,
		        found ? "" : "(none)", (long long)c, (long long)n);
	return found && c == count && n == ns;
}

typedef struct weighted {
	const pgo_profile *p;
	const char *name;
	double scale;
} weighted;

/* Merges the inputs in the order given; NULL with *st set on failure. */
static pgo_profile *merge_w(const weighted *in, size_t n, pgo_status *st, pgo_error *err)
{
	pgo_merger *m = NULL;
	pgo_profile *out = NULL;
	*st = pgo_merger_new(NULL, &m, err);
	for (size_t i = 0; i < n && !*st; i++)
		*st = pgo_merger_add_scaled(m, in[i].p, in[i].name, in[i].scale, err);
	if (!*st)
		*st = pgo_merger_finish(m, &out, err);
	pgo_merger_free(m);
	return out;
}

static void test_exact_values_and_rounding(void)
{
	static const row a_rows[] = {{"shared", 3, 30}, {"half", 5, 50}, {"tiny", 1, 1}, {"gone", 1, 1}};
	static const row b_rows[] = {{"shared", 7, 70}, {"only_b", 2, 1000000007}};
	pgo_profile *a = build(a_rows, 3), *b = build(b_rows, 2);
	pgo_profile *c = build(a_rows + 3, 1);
	weighted in[] = {{a, "a", 0.5}, {b, "b", 2}, {c, "c", 0.4}};
	pgo_error err = {0};
	pgo_status st;
	pgo_profile *out = merge_w(in, 3, &st, &err);
	CHECK(st == PGO_OK);
	if (out) {
		/* 3*0.5 = 1.5 -> 2 (half away from zero), 30*0.5 = 15, plus 14/140 */
		CHECK(has(out, "shared", 16, 155));
		/* 2.5 -> 3, not the banker's 2 */
		CHECK(has(out, "half", 3, 25));
		/* 0.5 -> 1 */
		CHECK(has(out, "tiny", 1, 1));
		CHECK(has(out, "only_b", 4, 2000000014));
		/* 1 * 0.4 rounds to 0 in both columns: the sample goes, and its function */
		int64_t x, y;
		CHECK(!values_of(out, "gone", &x, &y));
		CHECK(out->n_samples == 4);
		CHECK(out->n_functions == 4);
	}
	/* Sums do not depend on the order the inputs came in. */
	weighted rev[] = {in[2], in[1], in[0]};
	pgo_profile *out2 = merge_w(rev, 3, &st, &err);
	CHECK(st == PGO_OK);
	if (out2) {
		CHECK(has(out2, "shared", 16, 155));
		CHECK(has(out2, "half", 3, 25));
		CHECK(has(out2, "only_b", 4, 2000000014));
		CHECK(out2->n_samples == 4);
	}
	pgo_profile_free(out);
	pgo_profile_free(out2);
	pgo_profile_free(a);
	pgo_profile_free(b);
	pgo_profile_free(c);
}

/* Big values: the product is taken in double, then rounded. */
static void test_large_values(void)
{
	static const row r[] = {{"big", INT64_C(1) << 61, (INT64_C(1) << 53) + 1}};
	pgo_profile *p = build(r, 1);
	weighted in[] = {{p, "big", 3}};
	pgo_error err = {0};
	pgo_status st;
	pgo_profile *out = merge_w(in, 1, &st, &err);
	CHECK(st == PGO_OK);
	/* 3 * 2^61 is exact; 2^53+1 is not a double: it becomes 2^53 first */
	if (out)
		CHECK(has(out, "big", 3 * (INT64_C(1) << 61), 3 * (INT64_C(1) << 53)));
	pgo_profile_free(out);
	pgo_profile_free(p);
}

/* Scale 1 through either call gives the same bytes. */
static void test_scale_one_is_plain_add(void)
{
	static const row a_rows[] = {{"f", 3, 30}, {"g", 5, 50}};
	static const row b_rows[] = {{"g", 1, 10}, {"h", 2, 20}};
	pgo_profile *a = build(a_rows, 2), *b = build(b_rows, 2);
	pgo_error err = {0};
	pgo_merger *m = NULL;
	pgo_profile *plain = NULL, *scaled = NULL;
	CHECK_OK(pgo_merger_new(NULL, &m, &err));
	CHECK_OK(pgo_merger_add(m, a, "a", &err));
	CHECK_OK(pgo_merger_add(m, b, "b", &err));
	CHECK_OK(pgo_merger_finish(m, &plain, &err));
	pgo_merger_free(m);
	weighted in[] = {{a, "a", 1}, {b, "b", 1}};
	pgo_status st;
	scaled = merge_w(in, 2, &st, &err);
	CHECK(st == PGO_OK);
	CHECK(plain && scaled && tu_same_bytes(plain, scaled));
	pgo_profile_free(plain);
	pgo_profile_free(scaled);
	pgo_profile_free(a);
	pgo_profile_free(b);
}

static void test_bad_scales(void)
{
	static const row r[] = {{"f", 3, 30}};
	pgo_profile *p = build(r, 1);
	const double bad[] = {0.0, -0.0, -1.0, NAN, INFINITY, -INFINITY};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		pgo_merger *m = NULL;
		pgo_error err = {0};
		CHECK_OK(pgo_merger_new(NULL, &m, &err));
		CHECK(pgo_merger_add_scaled(m, p, "in.pprof", bad[i], &err) == PGO_ERR_ARGUMENT);
		CHECK(strstr(err.message, "in.pprof") && strstr(err.message, "greater than 0"));
		pgo_merger_free(m);
	}
	pgo_profile_free(p);
}

static void test_negative_values(void)
{
	static const row r[] = {{"f", 3, 30}, {"diff", 2, -20}};
	pgo_profile *p = build(r, 2);
	pgo_error err = {0};
	pgo_status st;
	weighted w2[] = {{p, "diff.pprof", 2}};
	pgo_profile *out = merge_w(w2, 1, &st, &err);
	CHECK(st == PGO_ERR_INVALID && !out);
	CHECK(strstr(err.message, "diff.pprof: sample 2 has the negative cpu value -20") != NULL);
	/* weight 1 takes a negative value as an unweighted merge does */
	weighted w1[] = {{p, "diff.pprof", 1}};
	out = merge_w(w1, 1, &st, &err);
	CHECK(st == PGO_OK && out && has(out, "diff", 2, -20));
	pgo_profile_free(out);
	pgo_profile_free(p);
}

static void test_overflow(void)
{
	pgo_error err = {0};
	pgo_status st;
	/* the product: 2^62 * 2 = 2^63 does not fit */
	static const row r[] = {{"f", 1, INT64_C(1) << 62}};
	pgo_profile *p = build(r, 1);
	weighted w[] = {{p, "huge.pprof", 2}};
	pgo_profile *out = merge_w(w, 1, &st, &err);
	CHECK(st == PGO_ERR_LIMIT && !out);
	CHECK(strstr(err.message, "huge.pprof: sample 1 cpu value 4611686018427387904 times the weight 2") != NULL);
	/* 2^62 * 1.5 fits */
	weighted ok[] = {{p, "huge.pprof", 1.5}};
	out = merge_w(ok, 1, &st, &err);
	CHECK(st == PGO_OK && out && has(out, "f", 2, INT64_C(3) << 61));
	pgo_profile_free(out);
	/* the running sum: 1.5 * 2^62 twice overflows */
	weighted sum[] = {{p, "first.pprof", 1.5}, {p, "second.pprof", 1.5}};
	out = merge_w(sum, 2, &st, &err);
	CHECK(st == PGO_ERR_LIMIT && !out);
	CHECK(strstr(err.message, "second.pprof: adding its cpu value 6917529027641081856") != NULL);
	/* after a weighted input, a weight-1 input's sums are checked too */
	static const row big[] = {{"f", 1, INT64_MAX - 1}};
	pgo_profile *q = build(big, 1);
	weighted mixed[] = {{p, "first.pprof", 1.5}, {q, "plain.pprof", 1}};
	out = merge_w(mixed, 2, &st, &err);
	CHECK(st == PGO_ERR_LIMIT && !out && strstr(err.message, "plain.pprof") != NULL);
	/* add_scaled checks sums even at scale 1 */
	weighted ones[] = {{q, "one.pprof", 1}, {q, "two.pprof", 1}};
	out = merge_w(ones, 2, &st, &err);
	CHECK(st == PGO_ERR_LIMIT && !out && strstr(err.message, "two.pprof: adding its") != NULL);
	/* whereas an unweighted merge wraps around, as Go's does */
	pgo_merger *m = NULL;
	CHECK_OK(pgo_merger_new(NULL, &m, &err));
	CHECK_OK(pgo_merger_add(m, p, "a", &err));
	CHECK_OK(pgo_merger_add(m, q, "b", &err));
	CHECK_OK(pgo_merger_finish(m, &out, &err));
	/* 2^62 + 2^63 - 1 - 1 wraps to -2^62 - 2 */
	CHECK(out && has(out, "f", 2, -(INT64_C(1) << 62) - 2));
	pgo_merger_free(m);
	pgo_profile_free(out);
	pgo_profile_free(p);
	pgo_profile_free(q);
}

static void test_compiler_total(void)
{
	static const row r[] = {{"f", 3, 30}, {"g", 4, 40}};
	pgo_profile *p = build(r, 2);
	pgo_error err = {0};
	int64_t total = -1;
	/* samples/count comes first: the compiler reads it */
	CHECK_OK(pgo_compiler_total(p, "p", &total, &err));
	CHECK(total == 7);
	pgo_profile_free(p);

	static const char *const ns_only[] = {"alloc_space", "bytes", "cpu", "nanoseconds", NULL};
	p = tu_profile(ns_only);
	uint32_t loc = tu_line(p, 0x10, "f", 1, 2);
	int64_t v[2] = {999, 25};
	tu_sample(p, &loc, 1, v);
	CHECK_OK(pgo_compiler_total(p, "p", &total, &err));
	CHECK(total == 25);
	v[1] = -1;
	tu_sample(p, &loc, 1, v);
	CHECK(pgo_compiler_total(p, "neg.pprof", &total, &err) == PGO_ERR_INVALID);
	CHECK(strstr(err.message, "neg.pprof: sample 2 has the negative cpu value -1") != NULL);
	pgo_profile_free(p);

	p = tu_profile(ns_only);
	loc = tu_line(p, 0x10, "f", 1, 2);
	v[1] = INT64_MAX;
	tu_sample(p, &loc, 1, v);
	v[1] = 1;
	tu_sample(p, &loc, 1, v);
	CHECK(pgo_compiler_total(p, "big.pprof", &total, &err) == PGO_ERR_LIMIT);
	pgo_profile_free(p);

	static const char *const heap[] = {"alloc_space", "bytes", NULL};
	p = tu_profile(heap);
	CHECK_OK(pgo_compiler_total(p, "empty", &total, &err));
	CHECK(total == 0);
	loc = tu_line(p, 0x10, "f", 1, 2);
	tu_sample(p, &loc, 1, v);
	CHECK(pgo_compiler_total(p, "heap.pprof", &total, &err) == PGO_ERR_NO_VALUE);
	CHECK(strstr(err.message, "heap.pprof") && strstr(err.message, "alloc_space/bytes"));
	pgo_profile_free(p);
}

int main(void)
{
	RUN_TESTS("weights", test_exact_values_and_rounding, test_large_values, test_scale_one_is_plain_add,
	          test_bad_scales, test_negative_values, test_overflow, test_compiler_total);
}
