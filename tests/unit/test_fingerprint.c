/*
 * The canonical order's key (pgo_fingerprint_input, _refine, _cmp and
 * pgo_canonical_order): a function of the decompressed bytes, read from a
 * gzip stream's trailers without inflating it, and a full hash wherever
 * two inputs share a CRC-32 and a size.
 */
#include "internal.h"
#include "testutil.h"

#include <libdeflate.h>

/* A protobuf of string_table entries (field 6): `n` bytes of text in
 * strings of up to 100 bytes, from a seed. */
static uint8_t *strings_blob(size_t n, uint32_t seed, size_t *size)
{
	uint8_t *b = malloc(n + n / 100 * 2 + 4);
	size_t len = 0;
	uint32_t x = seed * 2654435761u + 1;
	while (n) {
		size_t k = n < 100 ? n : 100;
		b[len++] = 0x32;
		b[len++] = (uint8_t)k;
		for (size_t i = 0; i < k; i++) {
			x = x * 1103515245u + 12345u;
			b[len++] = (uint8_t)('a' + (x >> 16) % 26);
		}
		n -= k;
	}
	*size = len;
	return b;
}

static pgo_fingerprint fp_of(const uint8_t *data, size_t size, bool refined)
{
	pgo_fingerprint fp;
	memset(&fp, 0xee, sizeof fp);
	CHECK_OK(pgo_fingerprint_input(data, size, &fp));
	if (refined)
		CHECK_OK(pgo_fingerprint_refine(data, size, &fp));
	return fp;
}

/* Raw, one gzip member and pgotool's block gzip of one content have one
 * key, before and after refining; gzip's comes from its trailers. */
static void test_same_content_same_key(void)
{
	size_t n;
	uint8_t *raw = strings_blob(3 << 20, 1, &n); /* 3 MiB: block gzip has 3 members */
	uint8_t *gz = NULL, *blocks = NULL;
	size_t n_gz = 0, n_blocks = 0;
	CHECK_OK(pgo_gzip(raw, n, 6, &gz, &n_gz, NULL));
	CHECK_OK(pgo_gzip_threads(raw, n, 1, 2, &blocks, &n_blocks, NULL));
	if (!gz || !blocks)
		goto done;
	CHECK(n_blocks > 3 * 20 && blocks[3] == 4); /* FEXTRA: pgotool's members */
	pgo_fingerprint r = fp_of(raw, n, false), g = fp_of(gz, n_gz, false), k = fp_of(blocks, n_blocks, false);
	CHECK(r.crc == (uint32_t)libdeflate_crc32(0, raw, n) && r.size32 == (uint32_t)n);
	CHECK(!r.refined && !g.refined && !k.refined && !r.compressed && !g.compressed && !k.compressed);
	CHECK(pgo_fingerprint_cmp(&r, &g) == 0 && pgo_fingerprint_cmp(&r, &k) == 0);
	pgo_fingerprint rr = fp_of(raw, n, true), gr = fp_of(gz, n_gz, true), kr = fp_of(blocks, n_blocks, true);
	CHECK(rr.refined && gr.refined && kr.refined);
	CHECK(pgo_fingerprint_cmp(&rr, &gr) == 0 && pgo_fingerprint_cmp(&rr, &kr) == 0);
	CHECK(rr.hash[0] == gr.hash[0] && rr.hash[1] == kr.hash[1] && rr.crc == kr.crc);

	/* the same gzip with its trailer's CRC broken is placed by the trailer
	 * until refined, and then by its own bytes */
	gz[n_gz - 8] ^= 1;
	pgo_fingerprint bad = fp_of(gz, n_gz, false);
	CHECK(bad.crc == (r.crc ^ 1) && !bad.compressed);
	CHECK_OK(pgo_fingerprint_refine(gz, n_gz, &bad));
	CHECK(bad.refined && pgo_fingerprint_cmp(&bad, &rr) != 0);
done:
	free(raw);
	free(gz);
	free(blocks);
}

/* The CRC-32 of data with the 4 bytes at `at` chosen so that it is `want`:
 * a CRC is affine in the message bits, so 32 bits solve 32 equations. */
static void force_crc(uint8_t *data, size_t size, size_t at, uint32_t want)
{
	memset(data + at, 0, 4);
	uint32_t base = (uint32_t)libdeflate_crc32(0, data, size), col[32];
	for (int j = 0; j < 32; j++) {
		data[at + j / 8] ^= (uint8_t)(1u << (j % 8));
		col[j] = (uint32_t)libdeflate_crc32(0, data, size) ^ base;
		data[at + j / 8] ^= (uint8_t)(1u << (j % 8));
	}
	/* Gaussian elimination over GF(2): rows are output bits. */
	uint32_t rhs = want ^ base, sol = 0;
	uint64_t rows[32]; /* low 32 bits: coefficients of the patch bits; bit 32: rhs */
	for (int i = 0; i < 32; i++) {
		rows[i] = (uint64_t)((rhs >> i) & 1) << 32;
		for (int j = 0; j < 32; j++)
			rows[i] |= (uint64_t)((col[j] >> i) & 1) << j;
	}
	for (int j = 0, r = 0; j < 32; j++) {
		int p = r;
		while (p < 32 && !((rows[p] >> j) & 1))
			p++;
		CHECK(p < 32); /* a CRC's 32 bits span all 32 outputs */
		if (p == 32)
			return;
		uint64_t t = rows[p];
		rows[p] = rows[r];
		rows[r] = t;
		for (int i = 0; i < 32; i++)
			if (i != r && ((rows[i] >> j) & 1))
				rows[i] ^= rows[r];
		r++;
	}
	for (int j = 0; j < 32; j++)
		sol |= (uint32_t)((rows[j] >> 32) & 1) << j;
	memcpy(data + at, &sol, 4); /* bit j of the patch is bit j%8 of byte j/8 */
	CHECK((uint32_t)libdeflate_crc32(0, data, size) == want);
}

/* Two different contents with one CRC-32 and size: the refined hashes
 * order them, whatever order they come in, and one content given twice
 * (raw and gzip) stays together. */
static void test_crc_collision(void)
{
	size_t n;
	uint8_t *x = strings_blob(5000, 2, &n), *y = strings_blob(5000, 3, &n);
	force_crc(y, n, 10, (uint32_t)libdeflate_crc32(0, x, n));
	CHECK(memcmp(x, y, n) != 0);
	pgo_fingerprint fx = fp_of(x, n, false), fy = fp_of(y, n, false);
	CHECK(pgo_fingerprint_cmp(&fx, &fy) == 0);
	pgo_fingerprint rx = fp_of(x, n, true), ry = fp_of(y, n, true);
	int c = pgo_fingerprint_cmp(&rx, &ry);
	CHECK(c != 0);

	uint8_t *xgz = NULL;
	size_t n_xgz = 0;
	CHECK_OK(pgo_gzip(x, n, 6, &xgz, &n_xgz, NULL));
	if (!xgz)
		goto done;
	/* every order of x, y and x gzip'd: the same sequence of contents */
	const uint8_t *items[3] = {x, y, xgz};
	size_t sizes[3] = {n, n, n_xgz};
	static const int perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
	for (int p = 0; p < 6; p++) {
		const uint8_t *data[3];
		size_t sz[3], order[3];
		for (int i = 0; i < 3; i++) {
			data[i] = items[perms[p][i]];
			sz[i] = sizes[perms[p][i]];
		}
		CHECK_OK(pgo_canonical_order(data, sz, 3, order));
		/* y is first or last, as its refined key says; the two x stay adjacent */
		int y_at = -1;
		for (int i = 0; i < 3; i++)
			if (data[order[i]] == y)
				y_at = i;
		CHECK(y_at == (c > 0 ? 0 : 2));
	}
done:
	free(x);
	free(y);
	free(xgz);
}

int main(void)
{
	RUN_TESTS("fingerprint", test_same_content_same_key, test_crc_collision);
}
