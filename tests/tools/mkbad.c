/*
 * mkbad KIND OUTFILE: writes one small test input for the bad-input tests
 * (and a few good ones to compare against). Profiles are written by hand,
 * field by field, so that each KIND breaks exactly one rule.
 *
 * When the defect sits at a known byte of the decompressed protobuf, mkbad
 * prints "offset N" on stdout: the offset a decoder should report (the
 * start of the bad varint, or the key of the field that breaks the rule),
 * or "offset N of the decompressed data" for a gzip or zstd input, as the
 * decoder then says. `mkbad list` prints every KIND.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>
#include <zstd.h>

#include "pgo.h"

/* ---- a protobuf writer that tracks one marked offset --------------- */

typedef struct pb {
	uint8_t *d;
	size_t n, cap;
	long mark; /* offset of the defect in this buffer, or -1 */
} pb;

static void die(const char *what)
{
	fprintf(stderr, "mkbad: %s\n", what);
	exit(2);
}

static void pb_raw(pb *b, const void *data, size_t n)
{
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->n + n)
			cap *= 2;
		uint8_t *d = realloc(b->d, cap);
		if (!d)
			die("out of memory");
		b->d = d;
		b->cap = cap;
	}
	if (n)
		memcpy(b->d + b->n, data, n);
	b->n += n;
}

static void pb_byte(pb *b, uint8_t v)
{
	pb_raw(b, &v, 1);
}

static void pb_varint(pb *b, uint64_t v)
{
	while (v >= 0x80) {
		pb_byte(b, (uint8_t)(v | 0x80));
		v >>= 7;
	}
	pb_byte(b, (uint8_t)v);
}

static void pb_mark(pb *b)
{
	b->mark = (long)b->n;
}

static void pb_key(pb *b, uint32_t field, int wt)
{
	pb_varint(b, (uint64_t)field << 3 | (uint64_t)wt);
}

/* A varint field, written even when zero. */
static void pb_u(pb *b, uint32_t field, uint64_t v)
{
	pb_key(b, field, 0);
	pb_varint(b, v);
}

static void pb_str(pb *b, uint32_t field, const char *s)
{
	size_t n = strlen(s);
	pb_key(b, field, 2);
	pb_varint(b, n);
	pb_raw(b, s, n);
}

/* Appends child as field `field` of b and empties child; the child's mark
 * becomes a mark in b. */
static void pb_sub(pb *b, uint32_t field, pb *child)
{
	pb_key(b, field, 2);
	pb_varint(b, child->n);
	size_t at = b->n;
	pb_raw(b, child->d, child->n);
	if (child->mark >= 0)
		b->mark = (long)at + child->mark;
	child->n = 0;
	child->mark = -1;
}

static void pb_free(pb *b)
{
	free(b->d);
	memset(b, 0, sizeof *b);
	b->mark = -1;
}

/* ---- the string table ---------------------------------------------- */

static const char *strtab[64];
static unsigned n_strtab;

static uint64_t S(const char *s)
{
	for (unsigned i = 0; i < n_strtab; i++)
		if (strcmp(strtab[i], s) == 0)
			return i;
	if (n_strtab == sizeof strtab / sizeof *strtab)
		die("string table full");
	strtab[n_strtab] = s;
	return n_strtab++;
}

/* ---- the profile ---------------------------------------------------- */

static const char *kind;

static bool is(const char *k)
{
	return strcmp(kind, k) == 0;
}

static bool sparse_ids(void)
{
	return strstr(kind, "-sparse") != NULL;
}

/* Location ids: 1..4, or far apart (a hash-indexed id map) for *-sparse. */
static uint64_t loc_id(uint64_t i)
{
	return sparse_ids() ? (i << 40) + 7 : i;
}

static void value_type(pb *top, pb *m, uint32_t field, const char *type, const char *unit)
{
	pb_u(m, 1, S(type));
	pb_u(m, 2, S(unit));
	pb_sub(top, field, m);
}

/* One sample: location ids (packed), values (packed), and optional labels. */
static void sample(pb *top, pb *m, pb *tmp, const uint64_t *locs, int n_locs, const int64_t *vals, int n_vals,
                   bool labels)
{
	pb_key(m, 1, 2);
	for (int i = 0; i < n_locs; i++)
		pb_varint(tmp, locs[i]);
	pb_varint(m, tmp->n);
	size_t at = m->n;
	pb_raw(m, tmp->d, tmp->n);
	tmp->n = 0;
	/* mark the varint of a missing location, if the caller asked for one */
	if (is("missing-location") || is("missing-location-sparse")) {
		uint64_t bad = is("missing-location") ? 99 : loc_id(99);
		size_t o = 0;
		for (int i = 0; i < n_locs; i++) {
			if (locs[i] == bad) {
				m->mark = (long)(at + o);
				break;
			}
			uint64_t v = locs[i];
			do {
				o++;
				v >>= 7;
			} while (v);
		}
	}
	if (n_vals) {
		pb_key(m, 2, 2);
		for (int i = 0; i < n_vals; i++) {
			if (is("values-many") && i == 2)
				tmp->mark = (long)tmp->n;
			pb_varint(tmp, (uint64_t)vals[i]);
		}
		pb_varint(m, tmp->n);
		if (tmp->mark >= 0)
			m->mark = (long)m->n + tmp->mark;
		pb_raw(m, tmp->d, tmp->n);
		tmp->n = 0;
		tmp->mark = -1;
	}
	if (labels) {
		if (is("label-string-index"))
			pb_mark(tmp);
		pb_u(tmp, 1, is("label-string-index") ? 777 : S("span_id"));
		pb_u(tmp, 2, S("4242"));
		pb_sub(m, 3, tmp);
		pb_u(tmp, 1, S("bytes"));
		pb_u(tmp, 3, 1024);
		pb_u(tmp, 4, S("bytes"));
		pb_sub(m, 3, tmp);
	}
	if (is("values-few") && labels)
		pb_mark(top);
	pb_sub(top, 2, m);
}

/* Writes the raw protobuf for kind into top. */
static void build_profile(pb *top)
{
	pb m = {.mark = -1}, tmp = {.mark = -1}, ln = {.mark = -1};
	n_strtab = 0;
	S("");

	/* sample types */
	bool one_type = is("other-types");
	bool no_types = is("samples-no-types");
	if (!no_types) {
		value_type(top, &m, 1, "samples", "count");
		if (!one_type)
			value_type(top, &m, 1, "cpu", "nanoseconds");
	}

	/* samples: leaf first */
	uint64_t s1[] = {loc_id(1), loc_id(2), loc_id(3)};
	uint64_t s2[] = {loc_id(4), loc_id(3)};
	uint64_t s2_missing[] = {loc_id(4), is("missing-location") ? 99 : loc_id(99), loc_id(3)};
	uint64_t s3[] = {loc_id(2), loc_id(3)};
	int64_t v1[] = {5, 50000000}, v2[] = {3, 30000000, 7}, v3[] = {1, 10000000};
	if (is("zero-values")) {
		memset(v1, 0, sizeof v1);
		memset(v2, 0, sizeof v2);
		memset(v3, 0, sizeof v3);
	}
	/* CPU time no machine spends: more than int64 holds, negative, 15,000 cores for 10 s */
	if (is("cpu-huge"))
		v1[1] = v2[1] = v3[1] = INT64_MAX;
	if (is("cpu-negative"))
		v2[1] = -30000000;
	if (is("cpu-busy"))
		v1[1] = v2[1] = v3[1] = 50000000000000;
	int nv = no_types ? 0 : one_type ? 1 : 2;
	sample(top, &m, &tmp, s1, 3, v1, nv, false);
	if (is("missing-location") || is("missing-location-sparse"))
		sample(top, &m, &tmp, s2_missing, 3, v2, nv, true);
	else
		sample(top, &m, &tmp, s2, 2, v2, is("values-few") ? 1 : is("values-many") ? 3 : nv, true);
	if (is("missing-location-unpacked")) {
		/* location ids as separate varint fields, one of them missing */
		pb_u(&m, 1, loc_id(2));
		pb_mark(&m);
		pb_u(&m, 1, 55);
		pb_u(&m, 1, loc_id(3));
		pb_key(&m, 2, 2);
		pb_varint(&m, 5);
		pb_varint(&m, 1);
		pb_varint(&m, 10000000);
		pb_sub(top, 2, &m);
	} else {
		sample(top, &m, &tmp, s3, 2, v3, nv, false);
	}

	/* mappings */
	pb_u(&m, 1, 1);
	pb_u(&m, 2, 0x400000);
	pb_u(&m, 3, 0x800000);
	pb_u(&m, 4, 0);
	pb_u(&m, 5, S("/usr/local/bin/app"));
	pb_u(&m, 6, S("b1d0c0ffee"));
	pb_u(&m, 7, 1);
	pb_u(&m, 8, 1);
	pb_u(&m, 9, 1);
	pb_sub(top, 3, &m);
	pb_u(&m, 1, is("zero-id-mapping") ? 0 : is("dup-id-mapping") ? 1 : 2);
	pb_u(&m, 2, 0x7f0000000000);
	pb_u(&m, 3, 0x7f0000100000);
	pb_u(&m, 5, S("/lib/libc.so.6"));
	if (is("zero-id-mapping") || is("dup-id-mapping"))
		pb_mark(top); /* an ID error is at the entity's key */
	pb_sub(top, 3, &m);

	/* locations: 1 main.work, 2 main.main, 3 runtime.main, 4 main.work inlined into main.main */
	pb_u(&m, 1, loc_id(1));
	pb_u(&m, 2, 1);
	pb_u(&m, 3, 0x401000);
	if (is("missing-function"))
		pb_mark(&ln);
	pb_u(&ln, 1, is("missing-function") ? 9 : 2);
	pb_u(&ln, 2, 25);
	pb_sub(&m, 4, &ln);
	pb_sub(top, 4, &m);

	pb_u(&m, 1, is("dup-id-location") || is("dup-id-location-sparse") ? loc_id(1) : loc_id(2));
	pb_u(&m, 2, 1);
	pb_u(&m, 3, 0x402000);
	pb_u(&ln, 1, 1);
	if (is("varint-11-nested")) {
		/* line number as an 11-byte varint */
		pb_key(&ln, 2, 0);
		pb_mark(&ln);
		for (int i = 0; i < 10; i++)
			pb_byte(&ln, 0xff);
		pb_byte(&ln, 0x01);
	} else if (is("varint-eof-nested")) {
		/* the line message ends inside a varint */
		pb_key(&ln, 2, 0);
		pb_mark(&ln);
		pb_byte(&ln, 0x8f);
		pb_byte(&ln, 0x80);
	} else {
		pb_u(&ln, 2, 15);
	}
	pb_sub(&m, 4, &ln);
	if (is("dup-id-location") || is("dup-id-location-sparse"))
		pb_mark(top);
	pb_sub(top, 4, &m);

	pb_u(&m, 1, is("zero-id-location") ? 0 : loc_id(3));
	if (is("missing-mapping"))
		pb_mark(&m);
	pb_u(&m, 2, is("missing-mapping") ? 7 : 2);
	pb_u(&m, 3, 0x7f0000001000);
	pb_u(&ln, 1, 3);
	pb_u(&ln, 2, 250);
	pb_sub(&m, 4, &ln);
	if (is("zero-id-location"))
		pb_mark(top);
	pb_sub(top, 4, &m);

	pb_u(&m, 1, loc_id(4));
	pb_u(&m, 2, 1);
	pb_u(&m, 3, 0x401100);
	pb_u(&ln, 1, 2);
	pb_u(&ln, 2, 27);
	pb_sub(&m, 4, &ln);
	pb_u(&ln, 1, 1);
	pb_u(&ln, 2, 16);
	pb_sub(&m, 4, &ln);
	pb_sub(top, 4, &m);

	/* functions */
	pb_u(&m, 1, 1);
	pb_u(&m, 2, S("main.main"));
	pb_u(&m, 3, S("main.main"));
	pb_u(&m, 4, S("/src/app/main.go"));
	if (!is("no-start-line"))
	pb_u(&m, 5, 10);
	if (is("group-nested")) {
		pb_mark(&m);
		pb_key(&m, 6, 3); /* start group */
		pb_key(&m, 6, 4); /* end group */
	}
	pb_sub(top, 5, &m);

	pb_u(&m, 1, 2);
	if (is("string-index") || is("string-index-huge"))
		pb_mark(&m);
	pb_u(&m, 2, is("string-index") ? 40 : is("string-index-huge") ? UINT64_C(1) << 63 : S("main.work"));
	pb_u(&m, 3, S("main.work"));
	pb_u(&m, 4, S("/src/app/main.go"));
	if (!is("no-start-line"))
	pb_u(&m, 5, 20);
	pb_sub(top, 5, &m);

	pb_u(&m, 1, is("zero-id-function") ? 0 : is("dup-id-function") ? 2 : 3);
	pb_u(&m, 2, S("runtime.main"));
	pb_u(&m, 3, S("runtime.main"));
	pb_u(&m, 4, S("/usr/local/go/src/runtime/proc.go"));
	if (!is("no-start-line"))
	pb_u(&m, 5, 144);
	if (is("zero-id-function") || is("dup-id-function"))
		pb_mark(top);
	pb_sub(top, 5, &m);

	/* headers; their strings join the table before it is written */
	uint64_t period_type = S(is("other-period") ? "wall" : "cpu");
	uint64_t period_unit = S("nanoseconds");
	uint64_t comment = S("written by mkbad");

	/* the string table */
	for (unsigned i = 0; i < n_strtab; i++) {
		if (i == 0 && is("string0")) {
			pb_mark(top);
			pb_str(top, 6, "not empty");
			continue;
		}
		pb_str(top, 6, strtab[i]);
	}

	pb_u(top, 9, UINT64_C(1700000000000000000));
	pb_u(top, 10, UINT64_C(10000000000));
	pb_u(&m, 1, period_type);
	pb_u(&m, 2, period_unit);
	pb_sub(top, 11, &m);
	pb_u(top, 12, 10000000);
	pb_u(top, 13, comment);

	/* defects at the top level, after an otherwise valid profile */
	if (is("varint-11")) {
		pb_key(top, 9, 0);
		pb_mark(top);
		for (int i = 0; i < 10; i++)
			pb_byte(top, 0x80);
		pb_byte(top, 0x00);
	} else if (is("varint-eof")) {
		pb_key(top, 9, 0);
		pb_mark(top);
		pb_byte(top, 0xff);
		pb_byte(top, 0xff);
	} else if (is("len-overrun")) {
		pb_mark(top);
		pb_key(top, 6, 2);
		pb_varint(top, 100);
		pb_raw(top, "abc", 3);
	} else if (is("group")) {
		pb_mark(top);
		pb_key(top, 1, 3);
		pb_u(top, 1, 1);
		pb_key(top, 1, 4);
	} else if (is("wire-type-7")) {
		pb_mark(top);
		pb_key(top, 2, 7);
		pb_byte(top, 0);
	} else if (is("field-zero")) {
		pb_mark(top);
		pb_key(top, 0, 0);
		pb_byte(top, 1);
	}
	pb_free(&m);
	pb_free(&tmp);
	pb_free(&ln);
}

/* ---- compression ---------------------------------------------------- */

static void gzip_into(pb *out, const pb *in)
{
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(6);
	if (!c)
		die("out of memory");
	size_t bound = libdeflate_gzip_compress_bound(c, in->n);
	out->n = 0;
	pb_raw(out, NULL, 0);
	uint8_t *buf = malloc(bound);
	if (!buf)
		die("out of memory");
	size_t n = libdeflate_gzip_compress(c, in->d, in->n, buf, bound);
	if (!n)
		die("gzip failed");
	pb_raw(out, buf, n);
	free(buf);
	libdeflate_free_compressor(c);
}

static void zstd_into(pb *out, const pb *in)
{
	size_t bound = ZSTD_compressBound(in->n);
	uint8_t *buf = malloc(bound);
	if (!buf)
		die("out of memory");
	size_t n = ZSTD_compress(buf, bound, in->d, in->n, 3);
	if (ZSTD_isError(n))
		die("zstd failed");
	out->n = 0;
	pb_raw(out, buf, n);
	free(buf);
}

/* deflate's bit order: values least significant bit first */
typedef struct bits {
	pb *out;
	uint64_t acc;
	int n;
} bits;

static void put_bits(bits *b, uint32_t v, int n)
{
	b->acc |= (uint64_t)v << b->n;
	b->n += n;
	while (b->n >= 8) {
		pb_byte(b->out, (uint8_t)b->acc);
		b->acc >>= 8;
		b->n -= 8;
	}
}

/* Huffman codes go most significant bit first. */
static void put_code(bits *b, uint32_t code, int len)
{
	for (int i = len - 1; i >= 0; i--)
		put_bits(b, (code >> i) & 1, 1);
}

static void flush_bits(bits *b)
{
	if (b->n)
		put_bits(b, 0, 8 - b->n);
}

static void put_le32(pb *b, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	pb_raw(b, x, 4);
}

static void put_le16(pb *b, uint16_t v)
{
	uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	pb_raw(b, x, 2);
}

#define BOMB_BYTES (UINT64_C(1100) << 20) /* 1.1 GiB: past the 1 GiB default limit */

/*
 * A raw deflate stream of 1 + 258 * n zero bytes in one dynamic Huffman
 * block: a literal 0, then n matches of length 258 at distance 1, each coded
 * in two bits (deflate's best ratio, about 1032:1).
 */
static void deflate_zeros(pb *out, uint64_t n)
{
	bits b = {out, 0, 0};
	put_bits(&b, 1, 1); /* BFINAL */
	put_bits(&b, 2, 2); /* dynamic Huffman */
	put_bits(&b, 29, 5); /* HLIT: 286 literal/length codes */
	put_bits(&b, 1, 5); /* HDIST: 2 distance codes */
	put_bits(&b, 14, 4); /* HCLEN: 18 code length codes */
	/* code length code lengths, in the order 16 17 18 0 8 7 9 6 10 5 11 4 12 3 13 2 14 1:
	 * symbol 18 gets 1 bit, symbols 1 and 2 get 2 bits */
	static const uint8_t cl_order[18] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1};
	for (int i = 0; i < 18; i++) {
		int sym = cl_order[i];
		put_bits(&b, sym == 18 ? 1 : (sym == 1 || sym == 2) ? 2 : 0, 3);
	}
	/* canonical code length codes: 18 -> 0, 1 -> 10, 2 -> 11 */
#define CL_18(run) (put_code(&b, 0, 1), put_bits(&b, (run) - 11, 7))
#define CL_1 put_code(&b, 2, 2)
#define CL_2 put_code(&b, 3, 2)
	/* literal/length lengths: 0 -> 2, 1..255 -> 0, 256 -> 2, 257..284 -> 0, 285 -> 1 */
	CL_2;
	CL_18(138);
	CL_18(117);
	CL_2;
	CL_18(28);
	CL_1;
	/* distance lengths: 0 -> 1, 1 -> 1 */
	CL_1;
	CL_1;
#undef CL_18
#undef CL_1
#undef CL_2
	/* literal/length codes: 285 -> 0, 0 -> 10, 256 -> 11; distance 0 -> 0 */
	put_code(&b, 2, 2); /* literal 0 */
	for (uint64_t i = 0; i < n; i++) {
		put_code(&b, 0, 1); /* length 258 */
		put_code(&b, 0, 1); /* distance 1 */
	}
	put_code(&b, 3, 2); /* end of block */
	flush_bits(&b);
}

static uint32_t crc_of_zeros(uint64_t n)
{
	static uint8_t zeros[1 << 20];
	uint32_t crc = 0;
	for (uint64_t left = n; left;) {
		size_t k = left < sizeof zeros ? (size_t)left : sizeof zeros;
		crc = libdeflate_crc32(crc, zeros, k);
		left -= k;
	}
	return crc;
}

/* A gzip member of at least `bytes` zeros (1 + 258 n), about 1032 to 1;
 * returns how many. */
static uint64_t gzip_zeros(pb *out, uint64_t bytes)
{
	uint64_t n = (bytes + 256) / 258;
	uint64_t total = 1 + 258 * n;
	static const uint8_t header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
	pb_raw(out, header, sizeof header);
	deflate_zeros(out, n);
	put_le32(out, crc_of_zeros(total));
	put_le32(out, (uint32_t)total); /* modulo 2^32, as gzip says */
	return total;
}

/* A gzip member of 1.1 GiB of zeros in 1.1 MB. */
static void gzip_bomb(pb *out)
{
	gzip_zeros(out, BOMB_BYTES);
}

/* A zstd frame of `bytes` zeros: 128 KiB RLE blocks of 4 bytes each. */
static void zstd_zeros(pb *out, uint64_t bytes)
{
	static const uint8_t header[6] = {0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38}; /* no FCS, 128 KiB window */
	pb_raw(out, header, sizeof header);
	uint64_t blocks = bytes >> 17;
	for (uint64_t i = 0; i < blocks; i++) {
		uint32_t h = (uint32_t)(i + 1 == blocks) | 1u << 1 | (1u << 17) << 3;
		uint8_t x[4] = {(uint8_t)h, (uint8_t)(h >> 8), (uint8_t)(h >> 16), 0};
		pb_raw(out, x, 4);
	}
}

/* A zstd frame of 1.1 GiB of zeros in 35 KB. */
static void zstd_bomb(pb *out)
{
	zstd_zeros(out, BOMB_BYTES);
}

/* n pseudo-random bytes, the same on every run of one seed */
static void junk(pb *out, size_t n, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15u;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		pb_byte(out, (uint8_t)(x >> 24));
	}
}

/*
 * A gzip stream of `pattern` repeated to past the 1 GiB limit: one member
 * of 64 MiB of it, repeated (gzip allows any number of members). Each
 * member ends on a whole pattern, so the stream is that pattern throughout.
 */
static void gzip_pattern_bomb(pb *out, const uint8_t *pattern, size_t n)
{
	size_t reps = ((size_t)64 << 20) / n;
	pb one = {.mark = -1}, member = {.mark = -1};
	for (size_t i = 0; i < reps; i++)
		pb_raw(&one, pattern, n);
	gzip_into(&member, &one);
	for (uint64_t total = 0; total <= BOMB_BYTES; total += one.n)
		pb_raw(out, member.d, member.n);
	pb_free(&one);
	pb_free(&member);
}

/* ---- zip archives (stored entries) ---------------------------------- */

typedef struct zentry {
	const char *name;
	const pb *data;    /* the bytes as stored */
	bool deflated;     /* then: */
	uint64_t usize;    /* uncompressed size */
	uint32_t crc;      /* of the uncompressed bytes */
} zentry;

static void zip_header_common(pb *out, const zentry *e)
{
	bool stored = !e->deflated;
	uint32_t crc = stored ? libdeflate_crc32(0, e->data->d, e->data->n) : e->crc;
	put_le16(out, 0);                  /* flags */
	put_le16(out, stored ? 0 : 8);     /* method */
	put_le16(out, 0);                  /* time */
	put_le16(out, 0x21);               /* date: 1980-01-01 */
	put_le32(out, crc);
	put_le32(out, (uint32_t)e->data->n);
	put_le32(out, stored ? (uint32_t)e->data->n : (uint32_t)e->usize);
	put_le16(out, (uint16_t)strlen(e->name));
	put_le16(out, 0);                  /* extra */
}

static void zip_into(pb *out, const zentry *e, int n, bool corrupt_data)
{
	uint32_t offsets[16];
	if (n > 16)
		die("too many zip entries");
	out->n = 0;
	for (int i = 0; i < n; i++) {
		offsets[i] = (uint32_t)out->n;
		put_le32(out, 0x04034b50);
		put_le16(out, 20);
		zip_header_common(out, &e[i]);
		pb_raw(out, e[i].name, strlen(e[i].name));
		size_t at = out->n;
		pb_raw(out, e[i].data->d, e[i].data->n);
		if (corrupt_data && e[i].data->n)
			out->d[at + e[i].data->n / 2] ^= 0x5a;
	}
	size_t cd = out->n;
	for (int i = 0; i < n; i++) {
		size_t nlen = strlen(e[i].name);
		put_le32(out, 0x02014b50);
		put_le16(out, 20);
		put_le16(out, 20);
		zip_header_common(out, &e[i]);
		put_le16(out, 0); /* comment */
		put_le16(out, 0); /* disk */
		put_le16(out, 0); /* internal attributes */
		put_le32(out, nlen && e[i].name[nlen - 1] == '/' ? 0x10 : 0);
		put_le32(out, offsets[i]);
		pb_raw(out, e[i].name, nlen);
	}
	size_t cd_size = out->n - cd;
	put_le32(out, 0x06054b50);
	put_le16(out, 0);
	put_le16(out, 0);
	put_le16(out, (uint16_t)n);
	put_le16(out, (uint16_t)n);
	put_le32(out, (uint32_t)cd_size);
	put_le32(out, (uint32_t)cd);
	put_le16(out, 0);
}

/* Eight deflated entries of 1000 MiB of zeros each: every entry is under
 * the 1 GiB input limit, the archive is 8 MB, the whole is 7.8 GiB. */
static void zip_bomb(pb *out)
{
	uint64_t n = ((UINT64_C(1000) << 20) - 1) / 258;
	uint64_t usize = 1 + 258 * n;
	pb z = {.mark = -1};
	deflate_zeros(&z, n);
	uint32_t crc = crc_of_zeros(usize);
	char names[8][16];
	zentry e[8];
	for (int i = 0; i < 8; i++) {
		snprintf(names[i], sizeof names[i], "zeros-%d.pprof", i);
		e[i] = (zentry){names[i], &z, true, usize, crc};
	}
	zip_into(out, e, 8, false);
	pb_free(&z);
}

/*
 * A raw deflate stream of prefix, then n matches of length 258 at distance
 * dist (prefix's last dist bytes, over and over): the prefix in a stored
 * block, the matches in a dynamic Huffman block where each costs 2 bits and
 * the distance's extra bits. 1 + 258 n bytes of zeros (dist 1) take about
 * 1/1032 of that; a 256-byte block repeated (dist 256), about 1/258.
 */
static void deflate_repeat(pb *out, const uint8_t *prefix, size_t plen, unsigned dist, uint64_t n)
{
	/* distance codes 0..29: base distances, and extra bits */
	static const unsigned dbase[30] = {1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513,
	                                   769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
	static const unsigned dextra[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6,
	                                    6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
	if (plen < dist || plen > 65535 || dist < 1 || dist > 32768)
		die("deflate_repeat: bad prefix or distance");
	unsigned dcode = 29;
	while (dbase[dcode] > dist)
		dcode--;
	/* the prefix: a stored block, not the last */
	pb_byte(out, 0);
	put_le16(out, (uint16_t)plen);
	put_le16(out, (uint16_t)~plen);
	pb_raw(out, prefix, plen);
	bits b = {out, 0, 0};
	put_bits(&b, 1, 1); /* BFINAL */
	put_bits(&b, 2, 2); /* dynamic Huffman */
	put_bits(&b, 29, 5); /* HLIT: 286 literal/length codes */
	put_bits(&b, dcode, 5); /* HDIST: dcode + 1 distance codes */
	put_bits(&b, 14, 4); /* HCLEN: 18 code length codes */
	/* code length codes: 1 and 18 of 1 bit each, canonically 1 -> 0, 18 -> 1 */
	static const uint8_t cl_order[18] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1};
	for (int i = 0; i < 18; i++)
		put_bits(&b, cl_order[i] == 18 || cl_order[i] == 1, 3);
#define ZEROS(run) (put_code(&b, 1, 1), put_bits(&b, (run) - 11, 7))
#define ONE put_code(&b, 0, 1)
	/* literal/length lengths: 0..255 -> 0, 256 -> 1, 257..284 -> 0, 285 -> 1 */
	ZEROS(138);
	ZEROS(118);
	ONE;
	ZEROS(28);
	ONE;
	/* distance lengths: dcode -> 1, the others 0 */
	for (unsigned left = dcode; left;) {
		unsigned run = left > 138 ? 138 : left;
		if (run < 11) {
			/* too short for code 18: no distance code below 11 is used here */
			die("deflate_repeat: distance code below 11");
		}
		ZEROS(run);
		left -= run;
	}
	ONE;
#undef ZEROS
#undef ONE
	/* literal/length codes: 256 -> 0, 285 -> 1; the distance code -> 0 */
	for (uint64_t i = 0; i < n; i++) {
		put_code(&b, 1, 1); /* length 258 */
		put_code(&b, 0, 1); /* the distance */
		put_bits(&b, dist - dbase[dcode], (int)dextra[dcode]);
	}
	put_code(&b, 0, 1); /* end of block */
	flush_bits(&b);
}

/* The CRC-32 of prefix followed by n times its last dist bytes, 258 each. */
static uint32_t crc_of_repeat(const uint8_t *prefix, size_t plen, unsigned dist, uint64_t n)
{
	uint32_t crc = libdeflate_crc32(0, prefix, plen);
	/* 258 n bytes of the period, a multiple of it at a time */
	static uint8_t block[1 << 20];
	size_t blen = sizeof block - sizeof block % dist;
	for (size_t i = 0; i < blen; i++)
		block[i] = prefix[plen - dist + i % dist];
	uint64_t left = 258 * n;
	while (left) {
		size_t k = left < blen ? (size_t)left : blen;
		crc = libdeflate_crc32(crc, block, k);
		left -= k;
	}
	return crc;
}

/* A zip of one deflated entry, cpu.pprof: prefix, then its last dist bytes
 * repeated to at least `bytes` in all (under the 1 GiB limit). */
static void zip_repeat(pb *out, const uint8_t *prefix, size_t plen, unsigned dist, uint64_t bytes)
{
	uint64_t n = (bytes - plen + 257) / 258;
	pb z = {.mark = -1};
	deflate_repeat(&z, prefix, plen, dist, n);
	zentry e = {"cpu.pprof", &z, true, plen + 258 * n, crc_of_repeat(prefix, plen, dist, n)};
	zip_into(out, &e, 1, false);
	pb_free(&z);
}

/* ---- kinds ------------------------------------------------------------ */

static const char *const kinds[] = {
	/* valid inputs */
	"good", "good-gzip", "good-zstd", "good-zip", "good-zip2", "other-types", "other-period", "good-sparse",
	/* valid pprof that the Go compiler rejects */
	"zero-values", "no-start-line",
	/* valid pprof with CPU time that cannot be */
	"cpu-huge", "cpu-negative", "cpu-busy",
	/* compression */
	"empty", "empty-gzip", "trunc-gzip", "gzip-crc", "gzip-trailing", "trunc-zstd",
	"gzip-bomb", "zstd-bomb",
	/* hostile input that must be refused after a few MB of decompressed data */
	"gzip-bomb-4g", "zstd-bomb-4g", "gzip-bomb-string", "gzip-junk", "junk", "gzip-json",
	"gzip-bomb-samples", "gzip-bomb-singular", "gzip-bomb-unknown",
	/* protobuf wire format */
	"varint-11", "varint-eof", "varint-11-nested", "varint-eof-nested", "len-overrun",
	"group", "group-nested", "wire-type-7", "field-zero",
	/* pprof validity */
	"string0", "string-index", "string-index-huge", "label-string-index",
	"zero-id-location", "zero-id-function", "zero-id-mapping",
	"dup-id-location", "dup-id-location-sparse", "dup-id-function", "dup-id-mapping",
	"missing-function", "missing-mapping", "missing-location", "missing-location-sparse",
	"missing-location-unpacked", "values-few", "values-many", "samples-no-types",
	/* not pprof at all */
	"script", "text", "random",
	/* zip archives */
	"zip-empty", "zip-dir-only", "zip-truncated", "zip-corrupt", "zip-bad-entry", "zip-bomb",
	/* zip entries of raw bytes, refused as they inflate */
	"zip-zeros", "zip-huge-field", "zip-junk",
	NULL,
};

static bool known(const char *k)
{
	for (int i = 0; kinds[i]; i++)
		if (strcmp(kinds[i], k) == 0)
			return true;
	return false;
}

/* The mark is an offset in decompressed data (the input is compressed). */
static bool mark_decompressed;

static void generate(pb *out, long *mark)
{
	pb good = {.mark = -1}, tmp = {.mark = -1};
	*mark = -1;
	if (is("gzip-bomb") || is("zstd-bomb") || is("gzip-bomb-4g") || is("zstd-bomb-4g") || is("gzip-json")) {
		/* refused at the first byte: zeros are field number 0, '{' a group */
		*mark = 0;
		mark_decompressed = true;
	}
	if (is("empty")) {
		/* nothing */
	} else if (is("empty-gzip")) {
		gzip_into(out, &good);
	} else if (is("good-gzip") || is("trunc-gzip") || is("gzip-crc") || is("gzip-trailing")) {
		const char *k = kind;
		kind = "good";
		build_profile(&good);
		kind = k;
		gzip_into(out, &good);
		if (is("trunc-gzip"))
			out->n /= 2;
		else if (is("gzip-crc"))
			out->d[out->n - 6] ^= 0x01;
		else if (is("gzip-trailing"))
			pb_raw(out, "trailing garbage", 16);
	} else if (is("good-zstd") || is("trunc-zstd")) {
		const char *k = kind;
		kind = "good";
		build_profile(&good);
		kind = k;
		zstd_into(out, &good);
		if (is("trunc-zstd"))
			out->n /= 2;
	} else if (is("gzip-bomb")) {
		gzip_bomb(out);
	} else if (is("zstd-bomb")) {
		zstd_bomb(out);
	} else if (is("gzip-bomb-4g")) {
		/* 4 GiB and a little: the trailer's size, modulo 2^32, claims a few KB */
		gzip_zeros(out, UINT64_C(4) << 30);
	} else if (is("zstd-bomb-4g")) {
		zstd_zeros(out, UINT64_C(4) << 30);
	} else if (is("gzip-bomb-string")) {
		/* a valid profile, then a string_table entry of 1000 MiB of zeros
		 * (within the 1 GiB limit): one gzip member for the profile and the
		 * field's key and length, one for the zeros */
		const char *k = kind;
		kind = "good";
		build_profile(&good);
		kind = k;
		pb zeros = {.mark = -1};
		uint64_t n = gzip_zeros(&zeros, UINT64_C(1000) << 20);
		*mark = (long)good.n;
		mark_decompressed = true;
		pb_key(&good, 6, 2);
		pb_varint(&good, n);
		gzip_into(out, &good);
		pb_raw(out, zeros.d, zeros.n);
		pb_free(&zeros);
	} else if (is("gzip-junk")) {
		/* a valid profile, then 8 MiB of junk; with this seed the junk
		 * looks like fields for its first 1.2 MB */
		const char *k = kind;
		kind = "good";
		build_profile(&tmp);
		kind = k;
		junk(&tmp, (size_t)8 << 20, 198);
		gzip_into(out, &tmp);
	} else if (is("junk")) {
		junk(out, (size_t)8 << 20, 1);
	} else if (is("gzip-json")) {
		/* what a metrics.json or an API answer looks like */
		while (tmp.n < ((size_t)8 << 20)) {
			static const char line[] = "{\"name\":\"runtime.gopark\",\"samples\":[1,2,3],\"cpu\":1.5e9},\n";
			pb_raw(&tmp, line, sizeof line - 1);
		}
		gzip_into(out, &tmp);
	} else if (is("gzip-bomb-samples")) {
		/* empty samples (field 2, length 0), valid wire format throughout */
		static const uint8_t sample[] = {0x12, 0x00};
		gzip_pattern_bomb(out, sample, sizeof sample);
		pgo_limits l;
		pgo_limits_default(&l);
		*mark = (long)l.max_samples * 2; /* the first sample past the limit */
		mark_decompressed = true;
	} else if (is("gzip-bomb-singular")) {
		/* time_nanos (field 9) = 0, over and over */
		static const uint8_t field[] = {0x48, 0x00};
		gzip_pattern_bomb(out, field, sizeof field);
	} else if (is("gzip-bomb-unknown")) {
		/* field 16, a varint 0: unknown to pprof, over and over */
		static const uint8_t field[] = {0x80, 0x01, 0x00};
		gzip_pattern_bomb(out, field, sizeof field);
	} else if (is("script")) {
		static const char script[] = "#!/bin/sh\n# not a profile\nexec go tool pprof -proto \"$@\"\n";
		pb_raw(out, script, sizeof script - 1);
	} else if (is("text")) {
		static const char text[] = "hello, world\n";
		pb_raw(out, text, sizeof text - 1);
	} else if (is("random")) {
		junk(out, 4096, 1);
	} else if (is("zip-bomb")) {
		zip_bomb(out);
	} else if (is("zip-zeros")) {
		/* one entry of 992 MiB of zeros, in 1 MB */
		static const uint8_t zero[1];
		zip_repeat(out, zero, 1, 1, UINT64_C(992) << 20);
		*mark = 0;
	} else if (is("zip-huge-field")) {
		/* a valid raw profile, then a string_table entry of 1000 MiB of
		 * zeros: refused at the field's key */
		const char *k = kind;
		kind = "good";
		build_profile(&good);
		kind = k;
		*mark = (long)good.n;
		uint64_t n = ((UINT64_C(1000) << 20) - 1) / 258;
		pb_key(&good, 6, 2);
		pb_varint(&good, 1 + 258 * n);
		pb_byte(&good, 0);
		zip_repeat(out, good.d, good.n, 1, good.n + 258 * n);
	} else if (is("zip-junk")) {
		/* 1000 MiB of junk: a block of 256 random bytes, over and over, in
		 * 4 MB. Its first byte is the key of a field a Profile can hold
		 * (merge skips files that start otherwise, as metrics.json). */
		uint64_t seed = 1;
		do
			junk(&tmp, 256, seed++);
		while (!pgo_looks_like_pprof(tmp.d + (tmp.n - 256), 256));
		zip_repeat(out, tmp.d + (tmp.n - 256), 256, 256, UINT64_C(1000) << 20);
	} else if (strncmp(kind, "zip-", 4) == 0 || strncmp(kind, "good-zip", 8) == 0) {
		const char *k = kind;
		kind = "good";
		build_profile(&good);
		pb gz = {.mark = -1}, zs = {.mark = -1}, bad = {.mark = -1}, none = {.mark = -1};
		gzip_into(&gz, &good);
		zstd_into(&zs, &good);
		bad = gz;
		bad.d = malloc(gz.n);
		if (!bad.d)
			die("out of memory");
		memcpy(bad.d, gz.d, gz.n);
		bad.n = gz.n / 2;
		kind = k;
		if (is("good-zip") || is("zip-truncated") || is("zip-corrupt")) {
			zentry e[] = {{.name = "cpu.pprof", .data = &gz}};
			zip_into(out, e, 1, is("zip-corrupt"));
			if (is("zip-truncated"))
				out->n /= 2;
		} else if (is("good-zip2")) {
			zentry e[] = {{.name = "profiles/", .data = &none}, {.name = "profiles/a.pprof", .data = &gz}, {.name = "profiles/b.pprof", .data = &zs}};
			zip_into(out, e, 3, false);
		} else if (is("zip-empty")) {
			zip_into(out, NULL, 0, false);
		} else if (is("zip-dir-only")) {
			zentry e[] = {{.name = "profiles/", .data = &none}};
			zip_into(out, e, 1, false);
		} else if (is("zip-bad-entry")) {
			zentry e[] = {{.name = "good.pprof", .data = &gz}, {.name = "bad.pprof", .data = &bad}};
			zip_into(out, e, 2, false);
		}
		pb_free(&gz);
		pb_free(&zs);
		pb_free(&bad);
	} else {
		build_profile(out);
		*mark = out->mark;
	}
	pb_free(&good);
	pb_free(&tmp);
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		for (int i = 0; kinds[i]; i++)
			puts(kinds[i]);
		return 0;
	}
	if (argc != 3 || !known(argv[1])) {
		fprintf(stderr, "usage: mkbad KIND OUTFILE   (mkbad list: the kinds)\n");
		return 2;
	}
	kind = argv[1];
	pb out = {.mark = -1};
	long mark;
	generate(&out, &mark);
	FILE *f = fopen(argv[2], "wb");
	if (!f || (out.n && fwrite(out.d, 1, out.n, f) != out.n) || fclose(f) != 0) {
		fprintf(stderr, "mkbad: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	if (mark >= 0)
		printf("offset %ld%s\n", mark, mark_decompressed ? " of the decompressed data" : "");
	pb_free(&out);
	return 0;
}
