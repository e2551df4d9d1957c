/*
 * pgo_sum_values, the values-only pass the store runs on every upload,
 * against pgo_decode: the same verdict and message on every input, and on
 * the ones both accept, the sums that adding up the decoded values gives.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pbwriter.h"
#include "pgo.h"

/* Adds up column t of p as pgo_sum_values documents it. */
static void reference_sum(const pgo_profile *p, uint32_t t, int64_t *sum, uint32_t *bad_at, int64_t *bad_value)
{
	*sum = 0;
	*bad_at = 0;
	*bad_value = 0;
	for (uint32_t i = 0; i < p->n_samples; i++) {
		int64_t v = p->values[(size_t)i * p->n_sample_types + t], next;
		if (v < 0 || __builtin_add_overflow(*sum, v, &next)) {
			*bad_at = i + 1;
			*bad_value = v;
			return;
		}
		*sum = next;
	}
}

/* Both passes on the same bytes; returns pgo_decode's status. */
static pgo_status compare(const uint8_t *data, size_t size, const pgo_limits *limits, const char *what)
{
	pgo_profile *p = NULL;
	pgo_error derr = {0}, serr = {0};
	pgo_value_sums s;
	pgo_status dst = pgo_decode(data, size, "in", limits, &p, &derr);
	pgo_status sst = pgo_sum_values(data, size, "in", limits, &s, &serr);
	bool same = dst == sst && strcmp(derr.message, serr.message) == 0;
	if (!same)
		fprintf(stderr, "%s: pgo_decode: %d %s\n%s: pgo_sum_values: %d %s\n", what, dst, derr.message, what, sst,
		        serr.message);
	CHECK(same);
	if (dst || sst) {
		CHECK(s.columns == NULL && s.n_sample_types == 0);
		pgo_profile_free(p);
		pgo_value_sums_free(&s);
		return dst;
	}
	CHECK(s.n_sample_types == p->n_sample_types);
	CHECK(s.n_samples == p->n_samples);
	CHECK(s.duration_nanos == p->duration_nanos && s.time_nanos == p->time_nanos && s.period == p->period);
	for (uint32_t t = 0; t < p->n_sample_types && t < s.n_sample_types; t++) {
		int64_t sum, bad_value;
		uint32_t bad_at;
		reference_sum(p, t, &sum, &bad_at, &bad_value);
		bool ok = s.columns[t].sum == sum && s.columns[t].bad_at == bad_at && s.columns[t].bad_value == bad_value &&
		          strcmp(s.columns[t].type, pgo_string(p, p->sample_types[t].type, NULL)) == 0 &&
		          strcmp(s.columns[t].unit, pgo_string(p, p->sample_types[t].unit, NULL)) == 0;
		if (!ok)
			fprintf(stderr, "%s: column %u: sum %lld (want %lld), bad_at %u (want %u)\n", what, t,
			        (long long)s.columns[t].sum, (long long)sum, s.columns[t].bad_at, bad_at);
		CHECK(ok);
	}
	pgo_profile_free(p);
	pgo_value_sums_free(&s);
	return dst;
}

static uint8_t *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);
	size_t got;
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			uint8_t *b = realloc(buf, cap *= 2);
			if (!b) {
				free(buf);
				buf = NULL;
			}
			buf = b;
		}
	}
	fclose(f);
	*size = n;
	return buf;
}

/* Every file of DIR (relative to tests/data), as it is and decompressed;
 * returns how many files pgo_decode accepted. */
static int compare_dir(const char *rel, const pgo_limits *limits, int *files)
{
	const char *data = getenv("PGO_TESTDATA");
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/%s", data ? data : "tests/data", rel);
	DIR *d = opendir(dir);
	CHECK(d != NULL);
	if (!d)
		return 0;
	int accepted = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "README.md"))
			continue;
		char path[8192];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		size_t n = 0;
		uint8_t *buf = slurp(path, &n);
		if (!buf)
			continue;
		(*files)++;
		accepted += compare(buf, n, limits, path) == PGO_OK;
		uint8_t *raw = NULL;
		size_t rn = 0;
		if (pgo_sniff(buf, n) != PGO_COMPRESSION_NONE &&
		    pgo_decompress(buf, n, path, limits->max_decompressed_bytes, &raw, &rn, NULL) == PGO_OK) {
			compare(raw, rn, limits, path);
			free(raw);
		}
		free(buf);
	}
	closedir(d);
	return accepted;
}

/* Real Go profiles (a CPU profile of cmd/burn, a gRPC service's, a heap
 * profile) and every seed of the fuzz targets. */
static void test_files(void)
{
	pgo_limits limits;
	pgo_limits_default(&limits);
	int files = 0;
	CHECK(compare_dir("../../examples/profiles", &limits, &files) == 3);
	CHECK(compare_dir(".", &limits, &files) >= 1); /* heap.pprof */
	int seeds = 0;
	compare_dir("../fuzz/corpus", &limits, &seeds);
	compare_dir("../fuzz/corpus-fuzz_intake", &limits, &seeds);
	CHECK(seeds >= 40);

	/* what the store reads: burn-1's CPU time */
	const char *data = getenv("PGO_TESTDATA");
	char path[4096];
	snprintf(path, sizeof path, "%s/../../examples/profiles/burn-1.pprof", data ? data : "tests/data");
	size_t n = 0;
	uint8_t *buf = slurp(path, &n);
	CHECK(buf != NULL);
	pgo_value_sums s;
	pgo_error err = {0};
	CHECK_OK(pgo_sum_values(buf, n, path, NULL, &s, &err));
	CHECK(s.n_sample_types == 2 && !strcmp(s.columns[1].type, "cpu") && !strcmp(s.columns[1].unit, "nanoseconds"));
	CHECK(s.n_sample_types == 2 && s.columns[1].sum > 0 && s.columns[1].bad_at == 0 && s.duration_nanos > 0);
	pgo_value_sums_free(&s);
	free(buf);
}

/* A two-type profile: strings, a function, two locations, a mapping. */
static void header(pbw *b)
{
	pbw_value_type(b, 1, 1, 2);
	pbw_value_type(b, 1, 3, 4);
	pbw_location1(b, 1, 0, 0x1000, 1, 7);
	pbw_location1(b, 2, 0, 0x2000, 1, 9);
	pbw_function(b, 1, 5, 5, 6, 1);
	pbw_uint(b, 10, 1000000000);
	pbw_uint(b, 12, 10000000);
	const char *s[] = {"", "samples", "count", "cpu", "nanoseconds", "main.f", "f.go", "key", "value"};
	pbw_strings(b, s, sizeof s / sizeof *s);
}

/* A sample with unpacked location ids and values, and a label. */
static void unpacked_sample(pbw *b, uint64_t loc, int64_t v0, int64_t v1, uint64_t label_key)
{
	pbw sub = {0}, lb = {0};
	pbw_uint(&sub, 1, loc);
	pbw_int(&sub, 2, v0);
	pbw_int(&sub, 2, v1);
	pbw_uint(&lb, 1, label_key);
	pbw_uint(&lb, 2, 8);
	pbw_msg(&sub, 3, &lb);
	pbw_msg(b, 2, &sub);
	pbw_free(&sub);
	pbw_free(&lb);
}

static void test_sums(void)
{
	pbw b = {0};
	header(&b);
	uint64_t locs[] = {1, 2};
	pbw_sample(&b, locs, 2, (int64_t[]){3, 30000000}, 2);
	unpacked_sample(&b, 2, 4, 40000000, 7);
	pbw_sample(&b, locs, 1, (int64_t[]){5, 50000000}, 2);
	CHECK(compare(b.data, b.len, NULL, "three samples") == PGO_OK);
	pgo_value_sums s;
	pgo_error err = {0};
	CHECK_OK(pgo_sum_values(b.data, b.len, "in", NULL, &s, &err));
	CHECK(s.n_sample_types == 2 && s.n_samples == 3);
	CHECK(s.n_sample_types == 2 && !strcmp(s.columns[0].type, "samples") && !strcmp(s.columns[0].unit, "count"));
	CHECK(s.n_sample_types == 2 && s.columns[0].sum == 12 && s.columns[1].sum == 120000000);
	CHECK(s.duration_nanos == 1000000000 && s.period == 10000000);
	pgo_value_sums_free(&s);

	/* a negative value stops its column's sum, not the other's */
	pbw_sample(&b, locs, 1, (int64_t[]){1, -7}, 2);
	pbw_sample(&b, locs, 1, (int64_t[]){1, 9}, 2);
	CHECK(compare(b.data, b.len, NULL, "a negative value") == PGO_OK);
	CHECK_OK(pgo_sum_values(b.data, b.len, "in", NULL, &s, &err));
	CHECK(s.n_sample_types == 2 && s.columns[0].sum == 14 && s.columns[0].bad_at == 0);
	CHECK(s.n_sample_types == 2 && s.columns[1].sum == 120000000 && s.columns[1].bad_at == 4 &&
	      s.columns[1].bad_value == -7);
	pgo_value_sums_free(&s);

	/* past INT64_MAX */
	pbw_free(&b);
	header(&b);
	pbw_sample(&b, locs, 1, (int64_t[]){INT64_MAX - 1, 1}, 2);
	pbw_sample(&b, locs, 1, (int64_t[]){2, 1}, 2);
	CHECK(compare(b.data, b.len, NULL, "an overflow") == PGO_OK);
	CHECK_OK(pgo_sum_values(b.data, b.len, "in", NULL, &s, &err));
	CHECK(s.n_sample_types == 2 && s.columns[0].sum == INT64_MAX - 1 && s.columns[0].bad_at == 2 &&
	      s.columns[0].bad_value == 2 && s.columns[1].sum == 2);
	pgo_value_sums_free(&s);

	/* through gzip, as uploads come */
	uint8_t *gz = NULL;
	size_t n_gz = 0;
	CHECK_OK(pgo_gzip(b.data, b.len, 6, &gz, &n_gz, &err));
	CHECK(compare(gz, n_gz, NULL, "gzip") == PGO_OK);
	free(gz);
	pbw_free(&b);
}

/* What pgo_decode refuses, refused with the same message, though the
 * values-only pass keeps none of what is at fault. */
static void test_refusals(void)
{
	uint64_t locs[] = {1, 2}, missing[] = {1, 3};
	struct {
		const char *what, *message;
		int kind;
	} cases[] = {
		{"a missing location", "references location 3, which does not exist", 0},
		{"a missing function", "references function 9, which does not exist", 1},
		{"a label's string index", "string index 99 is outside the string table", 2},
		{"too few values", "sample 1 has 1 values but the profile has 2 sample types", 3},
		{"too many values", "sample 1 has more values than the 2 sample types", 4},
		{"a value's wire type", "sample value (field 2) has wire type 1", 5},
		{"a line's wire type", "line number (field 2) has wire type 5", 6},
		{"a duplicate location ID", "two locations have ID 1", 7},
		{"string_table[0]", "string_table[0] must be \"\"", 8},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		pbw b = {0}, sub = {0}, line = {0};
		if (cases[i].kind == 8)
			pbw_str(&b, 6, "x");
		header(&b);
		switch (cases[i].kind) {
		case 0: pbw_sample(&b, missing, 2, (int64_t[]){1, 2}, 2); break;
		case 1:
			pbw_uint(&line, 1, 9);
			pbw_uint(&sub, 1, 3);
			pbw_msg(&sub, 4, &line);
			pbw_msg(&b, 4, &sub);
			break;
		case 2: unpacked_sample(&b, 1, 1, 2, 99); break;
		case 3: pbw_sample(&b, locs, 2, (int64_t[]){1}, 1); break;
		case 4: pbw_sample(&b, locs, 2, (int64_t[]){1, 2, 3}, 3); break;
		case 5:
			pbw_fixed64(&sub, 2, 1);
			pbw_msg(&b, 2, &sub);
			break;
		case 6:
			pbw_fixed32(&line, 2, 1);
			pbw_uint(&sub, 1, 3);
			pbw_msg(&sub, 4, &line);
			pbw_msg(&b, 4, &sub);
			break;
		case 7: pbw_location1(&b, 1, 0, 0x3000, 1, 1); break;
		default: break;
		}
		pbw_sample(&b, locs, 2, (int64_t[]){1, 2}, 2);
		pgo_value_sums s;
		pgo_error err = {0};
		pgo_status st = pgo_sum_values(b.data, b.len, "in", NULL, &s, &err);
		bool ok = st != PGO_OK && strstr(err.message, cases[i].message) != NULL;
		if (!ok)
			fprintf(stderr, "%s: %d %s\n", cases[i].what, st, err.message);
		CHECK(ok);
		CHECK(s.columns == NULL);
		CHECK(compare(b.data, b.len, NULL, cases[i].what) != PGO_OK);
		pbw_free(&b);
		pbw_free(&sub);
		pbw_free(&line);
	}
}

/* The limits are counted as pgo_decode counts them, though nothing is stored. */
static void test_limits(void)
{
	pbw b = {0};
	header(&b);
	uint64_t locs[] = {1, 2, 1, 2};
	for (int i = 0; i < 4; i++)
		unpacked_sample(&b, 1, 1, 2, 7);
	pbw_sample(&b, locs, 4, (int64_t[]){1, 2}, 2);
	pgo_limits l;
	const char *want[] = {"labels", "sample location references", "location lines", "comments"};
	for (int k = 0; k < 4; k++) {
		pgo_limits_default(&l);
		switch (k) {
		case 0: l.max_labels = 3; break;
		case 1: l.max_sample_locations = 7; break;
		case 2: l.max_lines = 1; break;
		case 3: l.max_strings = 9; break;
		}
		if (k == 3)
			pbw_packed(&b, 13, (uint64_t[]){1, 2, 3, 4, 5, 6, 7, 8, 1, 2}, 10);
		pgo_value_sums s;
		pgo_error err = {0};
		CHECK(pgo_sum_values(b.data, b.len, "in", &l, &s, &err) == PGO_ERR_LIMIT && strstr(err.message, want[k]));
		CHECK(compare(b.data, b.len, &l, want[k]) == PGO_ERR_LIMIT);
		/* within the defaults it passes */
		pgo_limits_default(&l);
		CHECK(compare(b.data, b.len, &l, want[k]) == PGO_OK);
	}
	pbw_free(&b);
}

int main(void)
{
	RUN_TESTS("sum_values", test_files, test_sums, test_refusals, test_limits);
}
