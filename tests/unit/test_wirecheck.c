/*
 * The streaming check of a profile's top-level shape (lib/wirecheck.c):
 * its rules, the same answer however the bytes are cut into chunks, and the
 * same offset through every decompression path (zlib, libdeflate blocks,
 * zstd) when the bad field lies megabytes in.
 */
#include "internal.h"
#include "pbwriter.h"
#include "testutil.h"

#include <dirent.h>
#include <libdeflate.h>
#include <zstd.h>

typedef struct verdict {
	pgo_status st;
	char message[480];
} verdict;

/* Checks data fed in pieces: cuts[] are the offsets where a new piece starts. */
static verdict check_cut(const uint8_t *data, size_t n, const size_t *cuts, size_t n_cuts, const pgo_limits *l,
                         bool compressed)
{
	pgo_wirecheck c;
	pgo_wirecheck_init(&c, "in", l, compressed);
	pgo_error err = {0};
	verdict v = {PGO_OK, ""};
	size_t at = 0;
	for (size_t i = 0; i <= n_cuts && !v.st; i++) {
		size_t to = i < n_cuts ? cuts[i] : n;
		v.st = pgo_wirecheck_feed(&c, data + at, to - at, &err);
		at = to;
	}
	if (!v.st)
		v.st = pgo_wirecheck_end(&c, &err);
	if (v.st)
		snprintf(v.message, sizeof v.message, "%s", err.message);
	return v;
}

static verdict check_whole(const uint8_t *data, size_t n, const pgo_limits *l)
{
	return check_cut(data, n, NULL, 0, l, false);
}

static bool same_verdict(const verdict *a, const verdict *b)
{
	return a->st == b->st && strcmp(a->message, b->message) == 0;
}

/* Whole, byte by byte, and cut in two at every point (or at `most` points):
 * the same verdict each time. */
static void check_any_cut(const uint8_t *data, size_t n, const pgo_limits *l, size_t most, const char *what)
{
	verdict whole = check_whole(data, n, l);
	size_t *cuts = malloc((n ? n : 1) * sizeof *cuts);
	for (size_t i = 0; i + 1 < n; i++)
		cuts[i] = i + 1;
	verdict bytes = check_cut(data, n, cuts, n ? n - 1 : 0, l, false);
	CHECK(same_verdict(&whole, &bytes));
	if (!same_verdict(&whole, &bytes))
		fprintf(stderr, "  %s: whole [%s], byte by byte [%s]\n", what, whole.message, bytes.message);
	size_t step = n > most ? n / most : 1;
	for (size_t k = 1; k < n; k += step) {
		verdict two = check_cut(data, n, &k, 1, l, false);
		if (!same_verdict(&whole, &two)) {
			CHECK(same_verdict(&whole, &two));
			fprintf(stderr, "  %s: whole [%s], cut at %zu [%s]\n", what, whole.message, k, two.message);
			break;
		}
	}
	free(cuts);
}

/* data refused with status st and a message holding "offset AT:" and needle */
static void expect(const pbw *b, const pgo_limits *l, pgo_status st, size_t at, const char *needle, int line)
{
	verdict v = check_whole(b->data, b->len, l);
	char where[48];
	snprintf(where, sizeof where, "offset %zu: ", at);
	bool ok = v.st == st && (st == PGO_OK || (strstr(v.message, where) && strstr(v.message, needle) &&
	                                          strncmp(v.message, "in: ", 4) == 0));
	CHECK(ok);
	if (!ok)
		fprintf(stderr, "  line %d: want %d at %zu with '%s', got %d: %s\n", line, (int)st, at, needle, (int)v.st,
		        v.message);
	check_any_cut(b->data, b->len, l, 4096, needle);
}
#define EXPECT(b, st, at, needle) expect(b, &limits, st, at, needle, __LINE__)
#define EXPECT_OK(b) expect(b, &limits, PGO_OK, 0, "", __LINE__)

static void test_rules(void)
{
	pgo_limits limits;
	pgo_limits_default(&limits);
	pbw b = {0};

	/* a small valid profile, with packed comments and unknown fields of every wire type */
	pbw_value_type(&b, 1, 1, 2);
	int64_t v[1] = {3};
	uint64_t loc[1] = {1};
	pbw_sample(&b, loc, 1, v, 1);
	pbw_location1(&b, 1, 0, 0x1000, 1, 7);
	pbw_function(&b, 1, 3, 3, 4, 5);
	pbw_str(&b, 6, "");
	pbw_str(&b, 6, "samples");
	pbw_str(&b, 6, "count");
	pbw_str(&b, 6, "main.f");
	pbw_str(&b, 6, "f.go");
	pbw_unknowns(&b, 16);
	uint64_t comments[2] = {1, 2};
	pbw_packed(&b, 13, comments, 2);
	pbw_uint(&b, 13, 3);
	pbw_uint(&b, 536870911, 1); /* the largest field number protobuf allows */
	size_t good = b.len;
	EXPECT_OK(&b);

	/* zeros: field number 0 */
	static const uint8_t zeros[16];
	pbw_raw(&b, zeros, sizeof zeros);
	EXPECT(&b, PGO_ERR_FORMAT, good, "field number 0 is not valid; this is not a pprof profile");
	b.len = good;

	/* groups and wire types protobuf does not have */
	pbw_key(&b, 1, 3);
	EXPECT(&b, PGO_ERR_FORMAT, good, "field 1 has wire type 3, a group");
	b.len = good;
	pbw_key(&b, 40, 4);
	EXPECT(&b, PGO_ERR_FORMAT, good, "field 40 has wire type 4, a group");
	b.len = good;
	pbw_raw(&b, "\x7f" "ELF", 4);
	EXPECT(&b, PGO_ERR_FORMAT, good, "field 15 has wire type 7, which protobuf does not have");
	b.len = good;

	/* a known field of the wrong wire type */
	pbw_uint(&b, 2, 5);
	EXPECT(&b, PGO_ERR_FORMAT, good, "sample (field 2) has wire type 0, expected 2");
	b.len = good;
	pbw_str(&b, 9, "x");
	EXPECT(&b, PGO_ERR_FORMAT, good, "time_nanos (field 9) has wire type 2, expected 0");
	b.len = good;
	pbw_fixed32(&b, 13, 1);
	EXPECT(&b, PGO_ERR_FORMAT, good, "comment (field 13) has wire type 5, expected a varint or packed varints");
	b.len = good;

	/* varints: 10 bytes at most, 64 bits at most */
	pbw_key(&b, 9, 0);
	for (int i = 0; i < 9; i++)
		pbw_raw(&b, "\xff", 1);
	pbw_raw(&b, "\x01", 1);
	EXPECT_OK(&b);
	b.len = good;
	pbw_key(&b, 9, 0);
	for (int i = 0; i < 9; i++)
		pbw_raw(&b, "\x80", 1);
	pbw_raw(&b, "\x02", 1);
	EXPECT(&b, PGO_ERR_FORMAT, good + 1, "varint overflows 64 bits");
	b.len = good;
	for (int i = 0; i < 10; i++)
		pbw_raw(&b, "\x80", 1);
	pbw_raw(&b, "\x00", 1);
	EXPECT(&b, PGO_ERR_FORMAT, good, "varint overflows 64 bits");
	b.len = good;

	/* the data ends inside a field */
	pbw_key(&b, 9, 0);
	EXPECT(&b, PGO_ERR_FORMAT, good + 1, "varint runs past the end of the data");
	b.len = good;
	pbw_key(&b, 9, 0);
	pbw_raw(&b, "\x80\x80", 2);
	EXPECT(&b, PGO_ERR_FORMAT, good + 1, "varint runs past the end of the data");
	b.len = good;
	pbw_key(&b, 6, 2);
	pbw_varint(&b, 300);
	pbw_raw(&b, "abc", 3);
	EXPECT(&b, PGO_ERR_FORMAT, good, "field 6 claims 300 bytes but only 3 remain");
	b.len = good;
	pbw_fixed64(&b, 17, 1);
	b.len -= 3;
	EXPECT(&b, PGO_ERR_FORMAT, good, "field 17 claims 8 bytes but only 5 remain");
	b.len = good;

	/* one field of 4 MiB at most; the limit on decompressed data */
	pbw_key(&b, 6, 2);
	pbw_varint(&b, (4u << 20) + 1);
	EXPECT(&b, PGO_ERR_LIMIT, good, "string_table entry (field 6) claims 4194305 bytes, more than the 4194304");
	b.len = good;
	pbw_key(&b, 2, 2);
	pbw_varint(&b, UINT64_MAX);
	EXPECT(&b, PGO_ERR_LIMIT, good, "sample (field 2) claims 18446744073709551615 bytes");
	b.len = good;
	pgo_limits small = limits;
	small.max_decompressed_bytes = good + 10;
	pbw_str(&b, 6, "0123456");
	verdict fits = check_whole(b.data, b.len, &small);
	CHECK(fits.st == PGO_OK);
	b.len = good;
	pbw_str(&b, 6, "01234567"); /* ends at the limit */
	fits = check_whole(b.data, b.len, &small);
	CHECK(fits.st == PGO_OK);
	b.len = good;
	pbw_str(&b, 6, "012345678");
	verdict past = check_whole(b.data, b.len, &small);
	CHECK(past.st == PGO_ERR_LIMIT && strstr(past.message, "past the") && strstr(past.message, "-byte limit"));
	b.len = good;

	/* counts: the decoder's limits, and fields pprof writes once */
	pgo_limits few = limits;
	few.max_samples = 2;
	pbw c = {0};
	pbw_sample(&c, loc, 1, v, 1);
	size_t one = c.len;
	pbw_sample(&c, loc, 1, v, 1);
	verdict two = check_whole(c.data, c.len, &few);
	CHECK(two.st == PGO_OK);
	pbw_sample(&c, loc, 1, v, 1);
	verdict three = check_whole(c.data, c.len, &few);
	CHECK(three.st == PGO_ERR_LIMIT && strstr(three.message, "more than 2 samples (limit)"));
	char at[80];
	snprintf(at, sizeof at, "offset %zu: ", 2 * one);
	CHECK(strstr(three.message, at) != NULL);
	check_any_cut(c.data, c.len, &few, 4096, "samples");
	pbw_free(&c);
	for (int i = 0; i < 64; i++)
		pbw_uint(&b, 12, 10000000);
	EXPECT_OK(&b);
	pbw_uint(&b, 12, 10000000);
	EXPECT(&b, PGO_ERR_LIMIT, good + 64 * 5, "period (field 12) appears more than 64 times");
	b.len = good;

	/* unknown fields: 1 MiB in all */
	size_t before = b.len;
	char *big = calloc(1, 1u << 20);
	pbw_bytes(&b, 20, big, (1u << 20) - 16); /* with the 45 bytes above, past 1 MiB */
	EXPECT(&b, PGO_ERR_LIMIT, before, "unknown fields (field 20) add up to more than 1048576 bytes");
	b.len = good;
	pbw_bytes(&b, 20, big, (1u << 20) - 128);
	pbw_uint(&b, 21, 1);
	EXPECT_OK(&b);
	free(big);

	/* offsets in decompressed data say so */
	pbw_raw(&b, zeros, 1);
	verdict dec = check_cut(b.data, b.len, NULL, 0, &limits, true);
	snprintf(at, sizeof at, "offset %zu of the decompressed data: ", b.len - 1);
	CHECK(dec.st == PGO_ERR_FORMAT && strstr(dec.message, at));
	pbw_free(&b);
}

/* The decoder's seed corpus, raw or decompressed: the same verdict however cut. */
static void test_corpus_cuts(void)
{
	char dir[4096];
	const char *data = getenv("PGO_TESTDATA");
	snprintf(dir, sizeof dir, "%s/../fuzz/corpus", data ? data : "tests/data");
	DIR *d = opendir(dir);
	CHECK(d != NULL);
	if (!d)
		return;
	pgo_limits limits;
	pgo_limits_default(&limits);
	limits.max_decompressed_bytes = 8u << 20;
	struct dirent *de;
	int files = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char path[8192];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		static uint8_t buf[1 << 16];
		size_t n = fread(buf, 1, sizeof buf, f);
		fclose(f);
		uint8_t *raw = NULL;
		size_t rn = 0;
		if (pgo_decompress(buf, n, path, limits.max_decompressed_bytes, &raw, &rn, NULL) == PGO_OK) {
			check_any_cut(raw, rn < (64u << 10) ? rn : 64u << 10, &limits, 300, de->d_name);
			free(raw);
		}
		check_any_cut(buf, n, &limits, 300, de->d_name);
		files++;
	}
	closedir(d);
	CHECK(files >= 10);
}

/* ---- through the decompressors -------------------------------------- */

/* A valid profile of about 12 MiB: three strings of 4 MiB, then `tail`. */
static void big_profile(pbw *b, const void *tail, size_t n_tail)
{
	pbw_value_type(b, 1, 1, 2);
	int64_t v[1] = {3};
	uint64_t loc[1] = {1};
	pbw_sample(b, loc, 1, v, 1);
	pbw_location1(b, 1, 0, 0x1000, 1, 7);
	pbw_function(b, 1, 3, 3, 4, 5);
	const char *s[] = {"", "samples", "count", "main.f", "f.go"};
	pbw_strings(b, s, 5);
	char *big = malloc(4u << 20);
	for (int k = 0; k < 3; k++) {
		for (size_t i = 0; i < (4u << 20); i++)
			big[i] = (char)('a' + (i * 7 + (size_t)k) % 26);
		pbw_bytes(b, 6, big, 4u << 20);
	}
	free(big);
	pbw_raw(b, tail, n_tail);
}

static void plain_gzip(const pbw *b, uint8_t **out, size_t *n)
{
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(1);
	size_t bound = libdeflate_gzip_compress_bound(c, b->len);
	*out = malloc(bound);
	*n = libdeflate_gzip_compress(c, b->data, b->len, *out, bound);
	libdeflate_free_compressor(c);
}

static void zstd(const pbw *b, bool content_size, uint8_t **out, size_t *n)
{
	ZSTD_CCtx *z = ZSTD_createCCtx();
	ZSTD_CCtx_setParameter(z, ZSTD_c_contentSizeFlag, content_size);
	size_t bound = ZSTD_compressBound(b->len);
	*out = malloc(bound);
	*n = ZSTD_compress2(z, *out, bound, b->data, b->len);
	ZSTD_freeCCtx(z);
}

static void test_paths(void)
{
	pbw good = {0}, bad = {0};
	big_profile(&good, "", 0);
	static const uint8_t defect[] = {0x48, 0x01, 0x00, 0x00};
	big_profile(&bad, defect, sizeof defect);
	size_t bad_at = bad.len - 2; /* the field number 0 */
	uint8_t *want = NULL;
	size_t want_n = 0;
	pgo_profile *p = tu_decode(good.data, good.len);
	CHECK(p != NULL);
	if (p)
		CHECK_OK(pgo_encode(p, 0, &want, &want_n, NULL));
	pgo_profile_free(p);

	for (int pass = 0; pass < 2; pass++) {
		pbw *b = pass ? &bad : &good;
		uint8_t *in[4] = {NULL};
		size_t n[4] = {0};
		const char *path[4] = {"zlib (one member of 12 MiB)", "libdeflate blocks", "zstd with its content size",
		                       "zstd without"};
		plain_gzip(b, &in[0], &n[0]);
		CHECK_OK(pgo_gzip(b->data, b->len, 1, &in[1], &n[1], NULL));
		zstd(b, true, &in[2], &n[2]);
		zstd(b, false, &in[3], &n[3]);
		for (int k = 0; k < 4; k++) {
			pgo_error err = {0};
			pgo_profile *q = NULL;
			pgo_status st = pgo_decode(in[k], n[k], "big", NULL, &q, &err);
			if (!pass) {
				uint8_t *got = NULL;
				size_t got_n = 0;
				CHECK(st == PGO_OK && q && pgo_encode(q, 0, &got, &got_n, NULL) == PGO_OK &&
				      got_n == want_n && memcmp(got, want, want_n) == 0);
				if (st)
					fprintf(stderr, "  %s: %s\n", path[k], err.message);
				free(got);
			} else {
				char at[64];
				snprintf(at, sizeof at, "big: offset %zu of the decompressed data: field number 0", bad_at);
				CHECK(st == PGO_ERR_FORMAT && strncmp(err.message, at, strlen(at)) == 0);
				if (st != PGO_ERR_FORMAT || strncmp(err.message, at, strlen(at)) != 0)
					fprintf(stderr, "  %s: %s\n", path[k], err.message);
			}
			pgo_profile_free(q);
			free(in[k]);
		}
	}
	free(want);
	pbw_free(&good);
	pbw_free(&bad);
}

/* Data that is not a profile at all is named for what it looks like, when
 * its first bytes tell, and whichever way it is cut. */
static void test_looks_like(void)
{
	static const struct {
		const char *data;
		size_t n;
		const char *kind; /* NULL: the plain message */
	} cases[] = {
		{"{\"errors\":[\"Forbidden\"]}", 0, "JSON"},
		{"\xef\xbb\xbf  [1, 2]", 0, "JSON"},
		{"\x7f" "ELF\x02\x01\x01\x00\x00\x00", 10, "an ELF binary (an executable or a library)"},
		{"<!doctype html><title>502</title>", 0, "HTML or XML"},
		{"package main\n\nfunc main() {}\n", 0, "Go source code"},
		{"#!/bin/sh\necho hi\n", 0, "a script"},
		{"go 1.23 trace\x00\x00\x00\x00\x00\x00\x00", 20, "a Go execution trace"},
		{"Not found\n", 0, "text"},
		{"MZ\x90\x00\x03\x00\x00\x00", 8, "a Windows executable"},
		{"\x07\x00\x01\x02", 4, NULL}, /* field 0: junk, nothing in particular */
	};
	pgo_limits l;
	pgo_limits_default(&l);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t n = cases[i].n ? cases[i].n : strlen(cases[i].data);
		const uint8_t *d = (const uint8_t *)cases[i].data;
		verdict v = check_whole(d, n, &l);
		char want[160];
		if (cases[i].kind)
			snprintf(want, sizeof want, "in: this is %s, not a pprof profile (offset ", cases[i].kind);
		else
			snprintf(want, sizeof want, "in: offset ");
		CHECK(v.st == PGO_ERR_FORMAT && strncmp(v.message, want, strlen(want)) == 0);
		if (!cases[i].kind)
			CHECK(strstr(v.message, "; this is not a pprof profile") != NULL);
		size_t cut = 1;
		verdict w = check_cut(d, n, &cut, 1, &l, false);
		CHECK(same_verdict(&v, &w));
	}
}

int main(void)
{
	RUN_TESTS("wirecheck", test_rules, test_corpus_cuts, test_paths, test_looks_like);
}
