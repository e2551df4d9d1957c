/*
 * Allocation-failure injection over libpgo (see inject.h): the codec,
 * merge, edge, compaction and inspection paths that tests/unit exercise, each run with
 * every one of its allocations failing in turn. Each failure must give
 * PGO_ERR_NOMEM (or, where there is a fallback, the right result), leak
 * nothing and never crash.
 *
 * OOM_ONLY=substring runs only the scenarios whose name holds it.
 */
#include "failalloc.h"
#include "inject.h"
#include "pbwriter.h"
#include "pgo.h"
#include "testutil.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

/* The inputs of a scenario, built before any injected run. */
typedef struct ctx {
	pgo_profile *p[5];
	size_t n_p;
	uint8_t *bytes[8];
	size_t sizes[8];
	size_t n_bytes;
	uint32_t keep_frames;
	pgo_limits limits;
	bool limited;       /* decode with limits, not the defaults */
	bool keep_labels;
	const char *const *noinline;
} ctx;

static ctx *new_ctx(void)
{
	ctx *c = calloc(1, sizeof *c);
	if (!c)
		abort();
	return c;
}

static void free_ctx(void *v)
{
	ctx *c = v;
	for (size_t i = 0; i < c->n_p; i++)
		pgo_profile_free(c->p[i]);
	for (size_t i = 0; i < c->n_bytes; i++)
		free(c->bytes[i]);
	free(c);
}

static void add_bytes(ctx *c, uint8_t *b, size_t n)
{
	c->bytes[c->n_bytes] = b;
	c->sizes[c->n_bytes++] = n;
}

static void add_encoded(ctx *c, const pgo_profile *p)
{
	size_t n;
	uint8_t *b = tu_encode(p, &n);
	add_bytes(c, b, n);
}

static uint8_t *gzip_or_die(const uint8_t *data, size_t n, int level, size_t *out_n)
{
	uint8_t *out = NULL;
	if (pgo_gzip(data, n, level, &out, out_n, NULL))
		abort();
	return out;
}

/* zstd frames without a content size, as a streaming writer makes them. */
static uint8_t *zstd_or_die(const uint8_t *data, size_t n, size_t frames, size_t *out_n)
{
	size_t cap = ZSTD_compressBound(n) + frames * 32;
	uint8_t *out = malloc(cap);
	ZSTD_CCtx *z = ZSTD_createCCtx();
	if (!out || !z || ZSTD_isError(ZSTD_CCtx_setParameter(z, ZSTD_c_contentSizeFlag, 0)))
		abort();
	size_t used = 0;
	for (size_t f = 0; f < frames; f++) {
		size_t from = n * f / frames, to = n * (f + 1) / frames;
		ZSTD_inBuffer in = {data + from, to - from, 0};
		ZSTD_outBuffer ob = {out, cap, used};
		if (ZSTD_compressStream2(z, &ob, &in, ZSTD_e_end) != 0)
			abort();
		used = ob.pos;
	}
	ZSTD_freeCCtx(z);
	*out_n = used;
	return out;
}

/* Output for a scenario: the profile's raw encoding. */
static pgo_status encode_to(const pgo_profile *p, oom_blob *out, pgo_error *err)
{
	return pgo_encode(p, 0, &out->data, &out->size, err);
}

/* ------------------------------------------------------------------ */
/* Profiles                                                            */

/* Every field of the model, with multi-line locations, labels, comments. */
static pgo_profile *rich_profile(void)
{
	static const char *const types[] = {"samples", "count", "cpu", "nanoseconds", "alloc_space", "bytes", NULL};
	pgo_profile *p = tu_profile(types);
	pgo_mapping m1 = {
		.memory_start = 0x400000, .memory_limit = 0x4a0000, .file_offset = 0x1000,
		.filename = tu_intern(p, "/bin/app"), .build_id = tu_intern(p, "abc123"),
		.has_functions = true, .has_inline_frames = true,
	};
	pgo_mapping m2 = {.memory_start = 0x7f0000000000ull, .memory_limit = 0x7f0000100000ull,
	                  .filename = tu_intern(p, "libc.so.6")};
	uint32_t mi1, mi2, f_main, f_work, f_neg;
	if (pgo_add_mapping(p, &m1, &mi1) || pgo_add_mapping(p, &m2, &mi2))
		abort();
	f_main = tu_fn(p, "main.main", "main.go", 10);
	f_work = tu_fn(p, "main.work", "work.go", 20);
	f_neg = tu_fn(p, "neg", "", -7);
	pgo_line l1[2] = {{f_work, 25, 3}, {f_main, 12, 0}}, l2[1] = {{PGO_NONE, 77, 5}}, l4[2] = {{f_neg, -3, -1}, {f_main, 14, 0}};
	uint32_t L1, L2, L3, L4;
	if (pgo_add_location(p, mi1, 0x401000, l1, 2, &L1) || pgo_add_location(p, mi2, 0x7f0000000100ull, l2, 1, &L2) ||
	    pgo_add_location(p, PGO_NONE, 0, NULL, 0, &L3) || pgo_add_location(p, mi1, 0x402000, l4, 2, &L4))
		abort();
	pgo_label labels[3] = {
		{.key = tu_intern(p, "span"), .str = tu_intern(p, "abc")},
		{.key = tu_intern(p, "bytes"), .num = -1024, .num_unit = tu_intern(p, "bytes")},
		{.key = tu_intern(p, "count"), .num = 3},
	};
	uint32_t s1[2] = {L1, L4}, s2[3] = {L2, L3, L1};
	int64_t v1[3] = {1, 10000000, 0}, v2[3] = {0, 0, 0}, v3[3] = {-5, INT64_MIN, INT64_MAX};
	if (pgo_add_sample(p, s1, 2, v1, labels, 3) || pgo_add_sample(p, s2, 3, v2, NULL, 0) ||
	    pgo_add_sample(p, NULL, 0, v3, labels + 1, 1))
		abort();
	p->drop_frames = tu_intern(p, "runtime\\..*");
	p->keep_frames = tu_intern(p, "main\\..*");
	p->time_nanos = -42;
	p->duration_nanos = 3000000000;
	p->period = 10000000;
	p->comments = malloc(2 * sizeof *p->comments);
	if (!p->comments)
		abort();
	p->cap_comments = 2;
	p->comments[p->n_comments++] = tu_intern(p, "a comment");
	p->comments[p->n_comments++] = tu_intern(p, "another");
	p->default_sample_type = tu_intern(p, "cpu");
	p->doc_url = tu_intern(p, "https://example.com/doc");
	return p;
}

/* A hand-written wire profile: unknown fields everywhere, unpacked or
 * packed scalars, dense or sparse IDs (sparse IDs take the hash index). */
enum { H_EMPTY, H_SAMPLES, H_COUNT, H_CPU, H_NS, H_MAIN, H_MAINGO, H_WORK, H_APP, H_BUILD, H_SPAN,
       H_ABC, H_BYTES, H_COMMENT, H_DROP, H_KEEP, H_DOC, H_SYS, N_H };
static const char *const HSTR[N_H] = {
	"", "samples", "count", "cpu", "nanoseconds", "main.main", "main.go", "main.work", "/bin/app",
	"build-1", "span", "abc", "bytes", "a comment", "drop.*", "keep.*", "https://doc", "main.sys",
};

static void hand_sample(pbw *out, const uint64_t *locs, size_t n, int64_t v0, int64_t v1, bool labels,
                        bool unpacked)
{
	pbw s = {0}, lb = {0};
	uint64_t v[2] = {(uint64_t)v0, (uint64_t)v1};
	if (unpacked) {
		for (size_t i = 0; i < n; i++)
			pbw_uint(&s, 1, locs[i]);
		pbw_uint(&s, 2, v[0]);
		pbw_uint(&s, 2, v[1]);
	} else {
		pbw_packed(&s, 1, locs, n);
		pbw_packed(&s, 2, v, 2);
	}
	pbw_unknowns(&s, 20);
	if (labels) {
		pbw_uint(&lb, 1, H_SPAN);
		pbw_uint(&lb, 2, H_ABC);
		pbw_msg(&s, 3, &lb);
		pbw_uint(&lb, 1, H_BYTES);
		pbw_int(&lb, 3, -4096);
		pbw_uint(&lb, 4, H_BYTES);
		pbw_msg(&s, 3, &lb);
	}
	pbw_msg(out, 2, &s);
	pbw_free(&s);
	pbw_free(&lb);
}

static void hand_wire(pbw *out, bool sparse, bool unpacked)
{
	uint64_t f_main = sparse ? (uint64_t)1 << 40 : 1, f_work = sparse ? 7 : 2;
	uint64_t map = sparse ? ((uint64_t)1 << 63) + 3 : 1;
	uint64_t l_work = sparse ? UINT64_MAX : 1, l_main = sparse ? (uint64_t)1 << 40 : 2,
	         l_bare = sparse ? (uint64_t)1 << 35 : 3;
	pbw_unknowns(out, 16);
	pbw_value_type(out, 1, H_SAMPLES, H_COUNT);
	pbw_value_type(out, 1, H_CPU, H_NS);
	uint64_t s1[2] = {l_work, l_main}, s2[2] = {l_bare, l_main}, s3[1] = {l_main};
	hand_sample(out, s1, 2, 3, -30000000, true, unpacked);
	hand_sample(out, s2, 2, 0, 0, false, unpacked);
	hand_sample(out, s3, 1, INT64_MAX, INT64_MIN, false, unpacked);

	pbw m = {0}, ln = {0};
	pbw_uint(&m, 1, map);
	pbw_uint(&m, 2, 0x400000);
	pbw_uint(&m, 3, 0x500000);
	pbw_uint(&m, 4, 0x1000);
	pbw_uint(&m, 5, H_APP);
	pbw_uint(&m, 6, H_BUILD);
	pbw_uint(&m, 7, 1);
	pbw_uint(&m, 10, 1);
	pbw_unknowns(&m, 20);
	pbw_msg(out, 3, &m);

	pbw_uint(&m, 1, l_work);
	pbw_uint(&m, 2, map);
	pbw_uint(&m, 3, 0x401010);
	pbw_uint(&ln, 1, f_work);
	pbw_int(&ln, 2, 25);
	pbw_int(&ln, 3, 4);
	pbw_unknowns(&ln, 20);
	pbw_msg(&m, 4, &ln);
	pbw_uint(&ln, 1, f_main);
	pbw_int(&ln, 2, 12);
	pbw_msg(&m, 4, &ln);
	pbw_uint(&m, 5, 1);
	pbw_msg(out, 4, &m);
	pbw_free(&m);
	pbw_free(&ln);
	pbw_location1(out, l_main, map, 0x402020, f_main, 15);
	pbw_location1(out, l_bare, 0, 0x7000, 0, 99);
	pbw_function(out, f_main, H_MAIN, H_MAIN, H_MAINGO, 10);
	pbw_function(out, f_work, H_WORK, H_SYS, H_MAINGO, 20);

	pbw_strings(out, HSTR, N_H);
	pbw_uint(out, 7, H_DROP);
	pbw_uint(out, 8, H_KEEP);
	pbw_int(out, 9, -1);
	pbw_int(out, 10, 5000000000);
	pbw_value_type(out, 11, H_CPU, H_NS);
	pbw_int(out, 12, 10000000);
	uint64_t comments[2] = {H_COMMENT, H_SAMPLES};
	if (unpacked) {
		pbw_uint(out, 13, comments[0]);
		pbw_uint(out, 13, comments[1]);
	} else {
		pbw_packed(out, 13, comments, 2);
	}
	pbw_uint(out, 14, H_CPU);
	pbw_uint(out, 15, H_DOC);
	pbw_unknowns(out, 536870908);
}

/* A profile holding one comment of n bytes of c: inflates far past the
 * decompressor's first guess. */
static void big_comment_wire(pbw *out, size_t n, char c)
{
	char *big = malloc(n);
	if (!big)
		abort();
	memset(big, c, n);
	pbw_value_type(out, 1, 1, 2);
	pbw_str(out, 6, "");
	pbw_str(out, 6, "samples");
	pbw_str(out, 6, "count");
	pbw_bytes(out, 6, big, n);
	pbw_uint(out, 13, 3);
	free(big);
}

/* An input to merge; variants move the main mapping (ASLR), change the
 * weights and labels, and add a function of their own. */
static pgo_profile *merge_input(int variant)
{
	pgo_profile *p = tu_cpu_profile();
	uint64_t base = 0x400000 + (uint64_t)variant * 0x200000;
	pgo_mapping main_map = {.memory_start = base, .memory_limit = base + 0x100000, .file_offset = 0,
	                        .filename = tu_intern(p, "/bin/app"), .build_id = tu_intern(p, "b1"),
	                        .has_functions = true};
	pgo_mapping libc = {.memory_start = 0x7f0000000000ull, .memory_limit = 0x7f0000200000ull,
	                    .filename = tu_intern(p, "/lib/libc.so.6")};
	uint32_t mm, ml;
	if (pgo_add_mapping(p, &main_map, &mm) || pgo_add_mapping(p, &libc, &ml))
		abort();
	uint32_t f_main = tu_fn(p, "main.main", "main.go", 10), f_work = tu_fn(p, "main.work", "main.go", 20);
	uint32_t f_park = tu_fn(p, "runtime.gopark", "proc.go", 300);
	char own[32];
	snprintf(own, sizeof own, "pkg.only%d", variant);
	uint32_t f_own = tu_fn(p, own, "pkg.go", 5 + variant);
	uint32_t l_main = tu_loc(p, mm, base + 0x1000, f_main, 12);
	uint32_t l_work = tu_loc(p, mm, base + 0x2000, f_work, 25);
	uint32_t l_park = tu_loc(p, mm, base + 0x3000, f_park, 310);
	uint32_t l_own = tu_loc(p, mm, base + 0x4000, f_own, 9);
	uint32_t l_libc = tu_loc(p, ml, 0x7f0000000100ull, PGO_NONE, 0);
	pgo_line inl[2] = {{f_work, 27, 0}, {f_main, 13, 0}};
	uint32_t l_inl;
	if (pgo_add_location(p, mm, base + 0x5000, inl, 2, &l_inl))
		abort();
	pgo_label lb[2] = {{.key = tu_intern(p, "span"), .str = tu_intern(p, variant ? "x" : "y")},
	                   {.key = tu_intern(p, "bytes"), .num = 64 * (variant + 1), .num_unit = tu_intern(p, "bytes")}};
	uint32_t s1[2] = {l_work, l_main}, s2[3] = {l_park, l_work, l_main}, s3[2] = {l_own, l_inl}, s4[2] = {l_libc, l_main};
	int64_t v1[2] = {3 + variant, 30000000}, v2[2] = {1, 10000000}, v3[2] = {2, 20000000 + variant}, v4[2] = {5, 5};
	if (pgo_add_sample(p, s1, 2, v1, NULL, 0) || pgo_add_sample(p, s2, 3, v2, lb, 2) ||
	    pgo_add_sample(p, s3, 2, v3, lb + (variant & 1), 1) || pgo_add_sample(p, s4, 2, v4, NULL, 0))
		abort();
	p->period = 10000000 + variant;
	p->duration_nanos = 1000000000;
	p->time_nanos = 1700000000000000000 + variant;
	char comment[32];
	snprintf(comment, sizeof comment, "input %d", variant);
	p->comments = malloc(2 * sizeof *p->comments);
	if (!p->comments)
		abort();
	p->cap_comments = 2;
	p->comments[p->n_comments++] = tu_intern(p, "shared comment");
	p->comments[p->n_comments++] = tu_intern(p, comment);
	p->doc_url = tu_intern(p, "https://doc");
	return p;
}

/* The edge cases of test_edges in one profile: inlined chains, recursion at
 * one node and across nodes, a pair recurring within a sample, shared
 * addresses, negative and zero weights, nameless frames, and enough
 * distinct edges to grow every table. */
static pgo_profile *edges_profile(void)
{
	pgo_profile *p = tu_count_profile();
	uint32_t leaf = tu_loc2(p, 0x100, tu_func(p, "D", 40), 41, tu_func(p, "C", 30), 33);
	uint32_t caller = tu_loc2(p, 0x200, tu_func(p, "B", 20), 22, tu_func(p, "A", 10), 11);
	uint32_t third = tu_line(p, 0x300, "main", 1, 2);
	uint32_t s[3] = {leaf, caller, third};
	int64_t w = 5;
	tu_sample(p, s, 3, &w);
	tu_sample1(p, leaf, 4);
	uint32_t x1 = tu_line(p, 0x10, "X", 5, 7), x2 = tu_line(p, 0x10, "X", 5, 7), y = tu_line(p, 0x20, "Y", 1, 2);
	tu_sample2(p, x1, x2, 4);
	tu_sample2(p, y, x1, 3);
	tu_sample2(p, tu_line(p, 0x30, "X", 5, 9), x1, 2);
	uint32_t c1 = tu_loc2(p, 0x50, tu_func(p, "C", 5), 7, tu_func(p, "P", 1), 3);
	uint32_t c2 = tu_loc2(p, 0x50, tu_func(p, "C", 5), 7, tu_func(p, "P", 1), 3);
	tu_sample2(p, c1, c2, 6);
	tu_sample2(p, tu_line(p, 0x60, "N", 1, 2), tu_line(p, 0x70, "M", 1, 3), -8);
	tu_sample2(p, tu_line(p, 0x80, "Z", 1, 2), tu_line(p, 0x90, "M", 1, 4), 0);
	uint32_t bare = tu_loc(p, PGO_NONE, 0xa0, PGO_NONE, 0);
	tu_sample2(p, bare, tu_line(p, 0xb0, "M", 1, 5), 2);
	tu_sample2(p, tu_line(p, 0xc0, "Q", 1, 1), tu_loc(p, PGO_NONE, 0xd0, PGO_NONE, 0), 1);
	for (int i = 0; i < 60; i++) {
		char a[16], b[16];
		snprintf(a, sizeof a, "F%02d", i);
		snprintf(b, sizeof b, "G%02d", i % 17);
		tu_sample2(p, tu_line(p, 0x1000 + 0x10 * (uint64_t)i, b, 3, 4 + i % 3),
		           tu_line(p, 0x8000 + 0x10 * (uint64_t)(i % 40), a, 10, 11 + i), 1 + i % 4);
	}
	/* an inlined chain longer than the short-chain limit, at a shared address */
	pgo_line chain[70];
	for (int i = 0; i < 70; i++) {
		char n[16];
		snprintf(n, sizeof n, "I%02d", i % 50);
		chain[i] = (pgo_line){.function = tu_func(p, n, 100 + i % 50), .line = 101 + i % 50};
	}
	uint32_t deep, deep2;
	if (pgo_add_location(p, PGO_NONE, 0xe0, chain, 70, &deep) || pgo_add_location(p, PGO_NONE, 0xe0, chain, 3, &deep2))
		abort();
	tu_sample2(p, deep, deep2, 7);
	return p;
}

/* test_compact's cases: zero-weight edges, zero-sum callers, many offsets. */
static pgo_profile *compact_profile(void)
{
	pgo_profile *p = tu_count_profile();
	uint32_t a1 = tu_line(p, 0x10, "A", 10, 12), a2 = tu_line(p, 0x18, "A", 10, 12);
	uint32_t b1 = tu_line(p, 0x20, "B", 20, 21), c = tu_line(p, 0x30, "C", 30, 31);
	tu_sample2(p, b1, a1, 5);
	tu_sample2(p, b1, a2, -5);
	tu_sample2(p, c, a1, 3);
	uint32_t z = tu_line(p, 0x40, "Z", 1, 2);
	tu_sample2(p, b1, z, 5);
	tu_sample2(p, c, z, -5);
	tu_sample1(p, z, 1);
	uint32_t b = tu_line(p, 0x8000, "B", 1, 2), cc = tu_line(p, 0x8100, "C", 1, 2);
	for (int i = 0; i < 40; i++) {
		uint32_t a = tu_line(p, 0x100 + 0x10 * (uint64_t)i, "A", 100, 100 + i % 20);
		tu_sample2(p, i % 3 ? b : cc, a, (i % 5) - 2);
	}
	for (int i = 0; i < 12; i++)
		tu_sample2(p, b, tu_line(p, 0x2000 + 0x10 * (uint64_t)i, "A", 100, 300 - i), 9);
	uint32_t leaf = tu_loc2(p, 0x3000, tu_func(p, "D", 40), 41, tu_func(p, "C", 30), 33);
	uint32_t caller = tu_loc2(p, 0x3100, tu_func(p, "B", 20), 22, tu_func(p, "A", 10), 11);
	tu_sample2(p, leaf, caller, 4);
	return p;
}

/* Many samples of deep stacks: decoding with keep_frames takes two threads. */
static pgo_profile *many_samples_profile(uint32_t n_samples)
{
	pgo_profile *p = tu_count_profile();
	uint32_t locs[50];
	for (int i = 0; i < 50; i++) {
		char n[16];
		snprintf(n, sizeof n, "f%02d", i);
		locs[i] = tu_line(p, 0x1000 + 0x10 * (uint64_t)i, n, 10 + i, 12 + i);
	}
	for (uint32_t i = 0; i < n_samples; i++) {
		uint32_t s[4];
		for (uint32_t k = 0; k < 4; k++)
			s[k] = locs[(i * 7 + k * 13) % 50];
		int64_t w = i % 5 + 1;
		tu_sample(p, s, 4, &w);
	}
	return p;
}

/* Thousands of functions, locations and samples: every index of the
 * decoder, the merger and the edge graph outgrows its first size. Variants
 * share the functions and differ in addresses, so merging two of them
 * doubles the locations and samples. */
static pgo_profile *large_profile(int variant)
{
	enum { N_FN = 1500, N_LOC = 2600 };
	pgo_profile *p = tu_cpu_profile();
	pgo_mapping m = {.memory_start = 0x400000, .memory_limit = 0x4000000, .filename = tu_intern(p, "/bin/big"),
	                 .has_functions = true};
	uint32_t mi;
	if (pgo_add_mapping(p, &m, &mi))
		abort();
	static uint32_t fns[N_FN], locs[N_LOC];
	for (uint32_t i = 0; i < N_FN; i++) {
		char name[48], file[48];
		snprintf(name, sizeof name, "example.com/pkg%03u.Func%04u", i % 97, i);
		snprintf(file, sizeof file, "/src/pkg%03u/f%u.go", i % 97, i % 13);
		fns[i] = tu_fn(p, name, file, 10 + i);
	}
	for (uint32_t i = 0; i < N_LOC; i++) {
		uint64_t addr = 0x400000 + (uint64_t)variant * 0x1000000 + 0x10 * (uint64_t)i;
		locs[i] = tu_loc(p, mi, addr, fns[i % N_FN], 12 + i % 40);
	}
	pgo_label lb = {.key = tu_intern(p, "span"), .str = tu_intern(p, "s")};
	for (uint32_t i = 0; i < N_LOC; i++) {
		uint32_t stack[3] = {locs[i], locs[(i * 7 + 1) % N_LOC], locs[(i * 13 + 5) % N_LOC]};
		int64_t v[2] = {1 + i % 9, 10000000 * (1 + (int64_t)(i % 9))};
		if (pgo_add_sample(p, stack, 3, v, &lb, i % 10 == 0))
			abort();
	}
	return p;
}

/* A profile whose functions have no start lines. */
static pgo_profile *no_start_line_profile(void)
{
	pgo_profile *p = tu_count_profile();
	for (int i = 0; i < 20; i++) {
		char a[8], b[8];
		snprintf(a, sizeof a, "A%d", i);
		snprintf(b, sizeof b, "B%d", i);
		tu_sample2(p, tu_line(p, 0x100 + 0x10 * (uint64_t)i, b, 0, 5), tu_line(p, 0x800 + 0x10 * (uint64_t)i, a, 0, 7),
		           1 + i);
	}
	return p;
}

/* Small wire profiles that fail validation late, after most allocations. */
static void *wire_ctx(bool duplicate_function)
{
	static const char *const strs[] = {"", "samples", "count", "f", "g", "x.go"};
	ctx *c = new_ctx();
	pbw b = {0};
	pbw_value_type(&b, 1, 1, 2);
	uint64_t l1[2] = {1, 2}, l2[1] = {duplicate_function ? 2 : 9};
	int64_t v = 3;
	pbw_sample(&b, l1, 2, &v, 1);
	pbw_sample(&b, l2, 1, &v, 1);
	pbw_location1(&b, 1, 0, 0x10, 1, 4);
	pbw_location1(&b, 2, 0, 0x20, 2, 8);
	pbw_function(&b, 1, 3, 3, 5, 2);
	pbw_function(&b, duplicate_function ? 1 : 2, 4, 4, 5, 6);
	pbw_strings(&b, strs, sizeof strs / sizeof strs[0]);
	add_bytes(c, b.data, b.len);
	return c;
}

/* ------------------------------------------------------------------ */
/* Scenarios: setup (not injected) and run (injected)                   */

static pgo_status run_builder(void *v, oom_blob *out, pgo_error *err)
{
	(void)v;
	pgo_profile *p = pgo_profile_new();
	if (!p)
		return oom_bare(PGO_ERR_NOMEM, err, "pgo_profile_new");
	pgo_status st;
	pgo_str cpu = 0, ns = 0, key = 0;
	if ((st = pgo_add_sample_type(p, "samples", "count")) || (st = pgo_add_sample_type(p, "cpu", "nanoseconds")) ||
	    (st = pgo_intern(p, "cpu", 3, &cpu)) || (st = pgo_intern(p, "nanoseconds", 11, &ns)) ||
	    (st = pgo_intern(p, "span", 4, &key)))
		goto fail;
	p->period_type = (pgo_value_type){cpu, ns};
	pgo_str build = 0, file = 0;
	if ((st = pgo_intern(p, "build-id", 8, &build)) || (st = pgo_intern(p, "/bin/app", 8, &file)))
		goto fail;
	pgo_mapping m = {.memory_start = 0x400000, .memory_limit = 0x800000, .filename = file, .build_id = build};
	uint32_t mi, prev = PGO_NONE;
	if ((st = pgo_add_mapping(p, &m, &mi)))
		goto fail;
	/* enough strings to regrow the string table's index and its bytes */
	for (int i = 0; i < 90; i++) {
		char name[64], path[96];
		snprintf(name, sizeof name, "example.com/project/internal/pkg%02d.Function%02d", i % 7, i);
		snprintf(path, sizeof path, "/src/example.com/project/internal/pkg%02d/file%02d.go", i % 7, i);
		uint32_t fi, li;
		if ((st = pgo_add_function(p, name, name, path, 10 + i, &fi)))
			goto fail;
		pgo_line lines[2] = {{fi, 12 + i, 0}, {fi, 20 + i, 0}};
		if ((st = pgo_add_location(p, mi, 0x401000 + 0x10 * (uint64_t)i, lines, 1 + i % 2, &li)))
			goto fail;
		uint32_t stack[2] = {li, prev == PGO_NONE ? li : prev};
		int64_t values[2] = {i + 1, (i + 1) * 10000000};
		pgo_label label = {.key = key, .num = i};
		if ((st = pgo_add_sample(p, stack, 2, values, &label, i % 3 == 0)))
			goto fail;
		prev = li;
	}
	st = encode_to(p, out, err);
	pgo_profile_free(p);
	return st;
fail:
	pgo_profile_free(p);
	return oom_bare(st, err, "building a profile");
}

static void *setup_builder(void)
{
	return new_ctx();
}

static void *setup_rich(void)
{
	ctx *c = new_ctx();
	c->p[c->n_p++] = rich_profile();
	return c;
}

static pgo_status run_encode_raw(void *v, oom_blob *out, pgo_error *err)
{
	return pgo_encode(((ctx *)v)->p[0], 0, &out->data, &out->size, err);
}

static pgo_status run_encode_gzip(void *v, oom_blob *out, pgo_error *err)
{
	return pgo_encode(((ctx *)v)->p[0], 6, &out->data, &out->size, err);
}

/* decode(bytes[0]) with the context's keep_frames, then encode. */
static pgo_status run_decode(void *v, oom_blob *out, pgo_error *err)
{
	ctx *c = v;
	pgo_decode_options o = {.keep_frames = c->keep_frames, .limits = c->limited ? &c->limits : NULL};
	pgo_profile *p = NULL;
	pgo_status st = pgo_decode_with(c->bytes[0], c->sizes[0], "input", &o, &p, err);
	if (st)
		return st;
	st = encode_to(p, out, err);
	pgo_profile_free(p);
	return st;
}

static void *setup_hand(bool sparse, bool unpacked)
{
	ctx *c = new_ctx();
	pbw b = {0};
	hand_wire(&b, sparse, unpacked);
	add_bytes(c, b.data, b.len);
	return c;
}

static void *setup_hand_dense(void)
{
	return setup_hand(false, false);
}

static void *setup_hand_sparse(void)
{
	return setup_hand(true, true);
}

/* The hand profile as two gzip members split mid-message. */
static void *setup_gzip_members(void)
{
	ctx *c = new_ctx();
	pbw b = {0};
	hand_wire(&b, false, true);
	size_t half = b.len / 2 + 3, n1, n2;
	uint8_t *g1 = gzip_or_die(b.data, half, 1, &n1), *g2 = gzip_or_die(b.data + half, b.len - half, 12, &n2);
	uint8_t *cat = malloc(n1 + n2);
	if (!cat)
		abort();
	memcpy(cat, g1, n1);
	memcpy(cat + n1, g2, n2);
	add_bytes(c, cat, n1 + n2);
	free(g1);
	free(g2);
	pbw_free(&b);
	return c;
}

/* 1 MiB that inflates from a few KiB: the gzip buffer grows from its guess. */
static void *setup_gzip_growth(void)
{
	ctx *c = new_ctx();
	pbw b = {0};
	big_comment_wire(&b, 1u << 20, 'q');
	size_t n;
	uint8_t *gz = gzip_or_die(b.data, b.len, 6, &n);
	add_bytes(c, gz, n);
	pbw_free(&b);
	return c;
}

/* Two zstd frames without content sizes, past the first buffer guess. */
static void *setup_zstd(void)
{
	ctx *c = new_ctx();
	pbw b = {0};
	big_comment_wire(&b, 150000, 'x');
	size_t n;
	uint8_t *zs = zstd_or_die(b.data, b.len, 2, &n);
	add_bytes(c, zs, n);
	pbw_free(&b);
	return c;
}

/* Block gzip large enough to be inflated on two threads: 5 MiB that
 * does not compress. */
static void *setup_gzip_blocks(void)
{
	ctx *c = new_ctx();
	size_t n = 5u << 20;
	uint8_t *raw = malloc(n);
	if (!raw)
		abort();
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		raw[i] = (uint8_t)x;
	}
	size_t gn;
	uint8_t *gz = gzip_or_die(raw, n, 1, &gn);
	add_bytes(c, gz, gn);
	free(raw);
	return c;
}

/* 5 MiB that does not compress, to be deflated on two threads. */
static void *setup_gzip_threads(void)
{
	ctx *c = new_ctx();
	size_t n = 5u << 20;
	uint8_t *raw = malloc(n);
	if (!raw)
		abort();
	uint64_t x = 0x2545f4914f6cdd1dull;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		raw[i] = (uint8_t)x;
	}
	add_bytes(c, raw, n);
	return c;
}

static pgo_status run_gzip_threads(void *v, oom_blob *out, pgo_error *err)
{
	ctx *c = v;
	return pgo_gzip_threads(c->bytes[0], c->sizes[0], 1, 2, &out->data, &out->size, err);
}

static pgo_status run_decompress(void *v, oom_blob *out, pgo_error *err)
{
	ctx *c = v;
	return pgo_decompress(c->bytes[0], c->sizes[0], "input", (size_t)1 << 30, &out->data, &out->size, err);
}

static void *setup_parallel_samples(void)
{
	ctx *c = new_ctx();
	pgo_profile *p = many_samples_profile(20000);
	add_encoded(c, p);
	pgo_profile_free(p);
	c->keep_frames = 2;
	return c;
}

/* merge(p[0..n_p)) with the context's options, then encode. */
static pgo_status run_merge(void *v, oom_blob *out, pgo_error *err)
{
	ctx *c = v;
	pgo_merge_options o = {.keep_labels = c->keep_labels, .noinline = c->noinline};
	pgo_profile *m = NULL;
	pgo_status st = pgo_merge(c->p, c->n_p, &o, &m, err);
	if (st)
		return st;
	st = encode_to(m, out, err);
	pgo_profile_free(m);
	return st;
}

/* Three inputs and a copy of the first: ASLR-moved mappings, equal stacks,
 * labels kept, and a fingerprint tie broken by the encodings. */
static void *setup_merge_mixed(void)
{
	ctx *c = new_ctx();
	for (int i = 0; i < 3; i++)
		c->p[c->n_p++] = merge_input(i);
	c->p[c->n_p++] = merge_input(0);
	c->keep_labels = true;
	return c;
}

/* Samples that cancel out: the merger collects them in a second pass. */
static void *setup_merge_zero_sum(void)
{
	ctx *c = new_ctx();
	pgo_profile *a = merge_input(0), *b = merge_input(1);
	for (uint32_t i = 0; i < b->n_samples * b->n_sample_types; i++)
		b->values[i] = -a->values[i];
	c->p[c->n_p++] = a;
	c->p[c->n_p++] = b;
	c->p[c->n_p++] = merge_input(2);
	return c;
}

/* The noinline rename, where an input was renamed before: the renamed
 * functions fold together in a second pass. */
static void *setup_merge_noinline(void)
{
	ctx *c = new_ctx();
	pgo_profile *a = merge_input(0), *b = merge_input(1);
	uint32_t renamed = 0;
	if (pgo_rename_noinline(b, pgo_default_noinline, &renamed, NULL) || renamed == 0)
		abort();
	c->p[c->n_p++] = a;
	c->p[c->n_p++] = b;
	c->noinline = pgo_default_noinline;
	return c;
}

/* The incremental merger, inputs in the given order, with names. */
static pgo_status run_merger(void *v, oom_blob *out, pgo_error *err)
{
	ctx *c = v;
	pgo_merge_options o = {.keep_labels = true, .noinline = pgo_default_noinline};
	pgo_merger *m = NULL;
	pgo_profile *merged = NULL;
	pgo_status st = pgo_merger_new(&o, &m, err);
	static const char *const names[] = {"a.pprof", "b.pprof", "c.pprof", "d.pprof", "e.pprof"};
	for (size_t i = 0; i < c->n_p && !st; i++)
		st = pgo_merger_add(m, c->p[i], names[i], err);
	if (!st)
		st = pgo_merger_finish(m, &merged, err);
	pgo_merger_free(m);
	if (st)
		return st;
	st = encode_to(merged, out, err);
	pgo_profile_free(merged);
	return st;
}

static void *setup_merger(void)
{
	ctx *c = new_ctx();
	for (int i = 0; i < 3; i++)
		c->p[c->n_p++] = merge_input(i);
	return c;
}

/* The canonical order of encoded inputs: raw, gzip, zstd, a duplicate
 * (a tie), the same content compressed, and a gzip that does not inflate. */
static void *setup_canonical(void)
{
	ctx *c = new_ctx();
	pgo_profile *p[3] = {merge_input(0), merge_input(1), merge_input(2)};
	size_t n, m;
	uint8_t *raw0 = tu_encode(p[0], &n);
	add_bytes(c, raw0, n);
	uint8_t *raw1 = tu_encode(p[1], &n);
	uint8_t *gz1 = gzip_or_die(raw1, n, 6, &m);
	add_bytes(c, gz1, m);
	free(raw1);
	uint8_t *raw2 = tu_encode(p[2], &n);
	uint8_t *zs2 = zstd_or_die(raw2, n, 1, &m);
	add_bytes(c, zs2, m);
	free(raw2);
	add_encoded(c, p[0]);
	uint8_t *zs0 = zstd_or_die(c->bytes[0], c->sizes[0], 2, &m);
	add_bytes(c, zs0, m);
	uint8_t *gz0 = gzip_or_die(c->bytes[0], c->sizes[0], 6, &m);
	add_bytes(c, gz0, m - 5); /* truncated */
	for (int i = 0; i < 3; i++)
		pgo_profile_free(p[i]);
	return c;
}

static pgo_status run_canonical(void *v, oom_blob *out, pgo_error *err)
{
	ctx *c = v;
	size_t *order = malloc(c->n_bytes * sizeof *order);
	if (!order)
		return oom_bare(PGO_ERR_NOMEM, err, "the order array");
	pgo_status st = pgo_canonical_order((const uint8_t *const *)c->bytes, c->sizes, c->n_bytes, order);
	if (st) {
		free(order);
		return oom_bare(st, err, "pgo_canonical_order");
	}
	out->data = (uint8_t *)order;
	out->size = c->n_bytes * sizeof *order;
	return PGO_OK;
}

/* decode, rename the noinline leaves, encode. */
static pgo_status run_rename(void *v, oom_blob *out, pgo_error *err)
{
	ctx *c = v;
	pgo_profile *p = NULL;
	pgo_status st = pgo_decode(c->bytes[0], c->sizes[0], "input", NULL, &p, err);
	if (st)
		return st;
	uint32_t renamed = 0;
	if (!(st = pgo_rename_noinline(p, pgo_default_noinline, &renamed, err)))
		st = encode_to(p, out, err);
	pgo_profile_free(p);
	return st;
}

static void *setup_rename(void)
{
	ctx *c = new_ctx();
	pgo_profile *p = merge_input(0);
	add_encoded(c, p);
	pgo_profile_free(p);
	return c;
}

static pgo_status run_edges(void *v, oom_blob *out, pgo_error *err)
{
	ctx *c = v;
	pgo_edges e;
	pgo_status st = pgo_edges_compute(c->p[0], &e, err);
	if (st)
		return st;
	char *text = NULL;
	st = pgo_edges_format(c->p[0], &e, &text, &out->size, err);
	pgo_edges_free(&e);
	out->data = (uint8_t *)text;
	return st;
}

/* The diff of two profiles, written out as text: every field of the result. */
static pgo_status run_diff(void *v, oom_blob *out, pgo_error *err)
{
	ctx *c = v;
	pgo_edges e[2] = {{0}, {0}};
	pgo_diff d = {0};
	pgo_status st;
	pgo_diff d2 = {0};
	if ((st = pgo_edges_compute(c->p[0], &e[0], err)) || (st = pgo_edges_compute(c->p[2], &e[1], err)) ||
	    (st = pgo_diff_compute(c->p[0], &e[0], c->p[2], &e[1], 90, &d, err)))
		goto done;
	/* and two profiles with hardly a name in common */
	pgo_edges_free(&e[1]);
	if ((st = pgo_edges_compute(c->p[1], &e[1], err)) ||
	    (st = pgo_diff_compute(c->p[0], &e[0], c->p[1], &e[1], 99, &d2, err)))
		goto done;
	size_t cap = 256 + 160 * (d.n_edges + d.n_sites + d.n_names), n = 0;
	char *text = malloc(cap);
	if (!text) {
		st = pgo_fail(err, PGO_ERR_NOMEM, "out of memory");
		goto done;
	}
	n += (size_t)snprintf(text + n, cap - n, "%.17g %.17g %d %zu %zu %zu %zu %zu\n", d.overlap, d2.overlap,
	                      d.decisions_equal,
	                      d.n_hot_sites_added, d.n_hot_sites_removed, d.n_hot_callees_added,
	                      d.n_hot_callees_removed, d.n_target_changes);
	for (size_t i = 0; i < d.n_edges; i++)
		n += (size_t)snprintf(text + n, cap - n, "%s %s %" PRId64 " %" PRId64 " %" PRId64 "\n",
		                      pgo_diff_name(&d, d.edges[i].caller, NULL), pgo_diff_name(&d, d.edges[i].callee, NULL),
		                      d.edges[i].offset, d.edges[i].old_weight, d.edges[i].new_weight);
	for (size_t i = 0; i < d.n_sites; i++)
		n += (size_t)snprintf(text + n, cap - n, "%s %" PRId64 " %d%d %u %u\n",
		                      pgo_diff_name(&d, d.sites[i].caller, NULL), d.sites[i].offset, d.sites[i].old_hot,
		                      d.sites[i].new_hot, d.sites[i].old_target, d.sites[i].new_target);
	out->data = (uint8_t *)text;
	out->size = n;
done:
	pgo_diff_free(&d);
	pgo_diff_free(&d2);
	pgo_edges_free(&e[0]);
	pgo_edges_free(&e[1]);
	return st;
}

static void *setup_diff(void)
{
	ctx *c = new_ctx();
	c->p[c->n_p++] = edges_profile();
	c->p[c->n_p++] = compact_profile();
	/* and one that shares most edges with the first, with weight moved */
	pgo_profile *q = edges_profile();
	tu_sample2(q, tu_line(q, 0xf000, "G03", 3, 5), tu_line(q, 0xf100, "F03", 10, 14), 40);
	c->p[c->n_p++] = q;
	return c;
}

typedef struct oom_text {
	char *data;
	size_t size, cap;
	bool failed;
} oom_text;

static void text_add(oom_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_add(oom_text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (t->failed || n < 0)
		return;
	if (t->size + (size_t)n + 1 > t->cap) {
		size_t cap = (t->size + (size_t)n + 1) * 2;
		char *d = realloc(t->data, cap);
		if (!d) {
			t->failed = true;
			return;
		}
		t->data = d;
		t->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(t->data + t->size, t->cap - t->size, fmt, ap);
	va_end(ap);
	t->size += (size_t)n;
}

/* What inspect computes: call sites, hot callees and findings, as text. */
static pgo_status run_inspect(void *v, oom_blob *out, pgo_error *err)
{
	ctx *c = v;
	const pgo_profile *p = c->p[0];
	pgo_summary sum;
	pgo_edges e = {0};
	pgo_hot hot;
	pgo_call_sites sites = {0};
	pgo_hot_callee *callees = NULL;
	pgo_finding *findings = NULL;
	size_t n_callees = 0, n_findings = 0;
	static const char *const noinline[] = {"G03", NULL};
	pgo_status st;
	if ((st = pgo_summarize(p, &sum, err)) || (st = pgo_edges_compute(p, &e, err)) ||
	    (st = pgo_hot_select(&e, 90, &hot, err)) || (st = pgo_call_sites_group(p, &e, &hot, &sites, err)) ||
	    (st = pgo_hot_callees(&e, &hot, &callees, &n_callees, err)) ||
	    (st = pgo_findings(p, &sum, &e, callees, n_callees, noinline, &findings, &n_findings, err)))
		goto done;
	/* the test's own buffer: its allocations are counted with the library's */
	oom_text t = {0};
	for (size_t i = 0; i < sites.n_sites && !t.failed; i++) {
		const pgo_call_site *x = &sites.sites[i];
		text_add(&t, "%s+%lld %lld %d:", pgo_string(p, x->caller, NULL), (long long)x->offset,
		         (long long)x->weight, x->hot);
		for (size_t k = 0; k < x->n_callees; k++)
			text_add(&t, " %s", pgo_string(p, sites.callees[x->callees_at + k].callee, NULL));
		text_add(&t, "\n");
	}
	for (size_t i = 0; i < n_callees; i++)
		text_add(&t, "%s %lld\n", pgo_string(p, callees[i].name, NULL), (long long)callees[i].weight);
	for (size_t i = 0; i < n_findings; i++)
		text_add(&t, "%s: %s\n", findings[i].code, findings[i].message);
	if (t.failed) {
		free(t.data);
		st = pgo_fail(err, PGO_ERR_NOMEM, "out of memory writing the report");
		goto done;
	}
	out->data = (uint8_t *)t.data;
	out->size = t.size;
done:
	pgo_call_sites_free(&sites);
	pgo_edges_free(&e);
	free(callees);
	free(findings);
	return st;
}

/* Staleness against a table of today's functions built from the profile's:
 * every third one missing, every other one moved a line down. */
static pgo_status run_stale(void *v, oom_blob *out, pgo_error *err)
{
	ctx *c = v;
	const pgo_profile *p = c->p[0];
	pgo_edges e = {0};
	pgo_hot hot;
	pgo_staleness s = {0};
	pgo_code_func *funcs = malloc((p->n_functions + 1) * sizeof *funcs);
	if (!funcs)
		return pgo_fail(err, PGO_ERR_NOMEM, "out of memory for the functions");
	size_t n = 0;
	for (uint32_t i = 0; i < p->n_functions; i++)
		if (i % 3 != 2)
			funcs[n++] = (pgo_code_func){pgo_string(p, p->functions[i].name, NULL),
			                             p->functions[i].start_line + (i % 2)};
	pgo_status st;
	if ((st = pgo_edges_compute(p, &e, err)) || (st = pgo_hot_select(&e, 90, &hot, err)) ||
	    (st = pgo_staleness_compute(p, &e, &hot, funcs, n, &s, err)))
		goto done;
	oom_text t = {0};
	text_add(&t, "%zu %zu %zu %zu %.6f\n", s.n_hot, s.n_matched, s.n_moved, s.n_missing, s.matched_share);
	for (size_t i = 0; i < s.n_stale && !t.failed; i++)
		text_add(&t, "%s %s %lld %lld\n", pgo_site_status_name(s.stale[i].status),
		         pgo_string(p, e.edges[s.stale[i].edge].caller, NULL), (long long)s.stale[i].profile_line,
		         (long long)s.stale[i].code_line);
	if (t.failed) {
		free(t.data);
		st = pgo_fail(err, PGO_ERR_NOMEM, "out of memory writing the report");
		goto done;
	}
	out->data = (uint8_t *)t.data;
	out->size = t.size;
done:
	pgo_staleness_free(&s);
	pgo_edges_free(&e);
	free(funcs);
	return st;
}

static void *setup_edges(void)
{
	ctx *c = new_ctx();
	c->p[c->n_p++] = edges_profile();
	return c;
}

static pgo_status run_compact(void *v, oom_blob *out, pgo_error *err)
{
	ctx *c = v;
	pgo_profile *p = NULL;
	pgo_status st = pgo_compact(c->p[0], &p, err);
	if (st)
		return st;
	st = encode_to(p, out, err);
	pgo_profile_free(p);
	return st;
}

static void *setup_compact(void)
{
	ctx *c = new_ctx();
	c->p[c->n_p++] = compact_profile();
	return c;
}

/* A real Go heap profile (tests/data), decoded and merged with itself. */
static void *setup_testdata_heap(void)
{
	ctx *c = new_ctx();
	FILE *f = fopen(PGO_TESTDATA_DIR "/heap.pprof", "rb");
	if (!f) {
		perror(PGO_TESTDATA_DIR "/heap.pprof");
		free_ctx(c);
		return NULL;
	}
	uint8_t *b = malloc(1 << 16);
	size_t n = b ? fread(b, 1, 1 << 16, f) : 0;
	fclose(f);
	if (!n) {
		free(b);
		free_ctx(c);
		return NULL;
	}
	add_bytes(c, b, n);
	return c;
}

static pgo_status run_heap(void *v, oom_blob *out, pgo_error *err)
{
	ctx *c = v;
	pgo_profile *p = NULL, *m = NULL;
	pgo_status st = pgo_decode(c->bytes[0], c->sizes[0], "heap.pprof", NULL, &p, err);
	if (st)
		return st;
	pgo_profile *both[2] = {p, p};
	if (!(st = pgo_merge(both, 2, NULL, &m, err)))
		st = encode_to(m, out, err);
	pgo_profile_free(m);
	pgo_profile_free(p);
	return st;
}

/* keep_frames without threads: stacks cut to their leaf frame as decoded. */
static void *setup_keep_frames(void)
{
	ctx *c = setup_hand(false, false);
	c->keep_frames = 1;
	return c;
}

static void *setup_invalid_duplicate_id(void)
{
	return wire_ctx(true);
}

static void *setup_invalid_missing_location(void)
{
	return wire_ctx(false);
}

/* The hand profile, over its limit of lines (found in the location pass). */
static void *setup_limit_lines(void)
{
	ctx *c = setup_hand(false, false);
	pgo_limits_default(&c->limits);
	c->limits.max_lines = 3;
	c->limited = true;
	return c;
}

static void *setup_gzip_truncated(void)
{
	ctx *c = new_ctx();
	pbw b = {0};
	hand_wire(&b, false, false);
	size_t n;
	uint8_t *gz = gzip_or_die(b.data, b.len, 6, &n);
	add_bytes(c, gz, n - 5);
	pbw_free(&b);
	return c;
}

static void *setup_gzip_over_limit(void)
{
	ctx *c = setup_gzip_growth();
	pgo_limits_default(&c->limits);
	c->limits.max_decompressed_bytes = 512u << 10;
	c->limited = true;
	return c;
}

static void *setup_zstd_truncated(void)
{
	ctx *c = setup_zstd();
	c->sizes[0] -= 3;
	return c;
}

/* gzip of nothing: a profile with no bytes. */
static void *setup_gzip_empty(void)
{
	ctx *c = new_ctx();
	size_t n;
	uint8_t *gz = gzip_or_die((const uint8_t *)"", 0, 6, &n);
	add_bytes(c, gz, n);
	return c;
}

static void *setup_no_start_line(void)
{
	ctx *c = new_ctx();
	c->p[c->n_p++] = no_start_line_profile();
	return c;
}

/* The second input's sample types differ: the merger has allocated for
 * the first when it finds out. */
static void *setup_merger_incompatible(void)
{
	ctx *c = new_ctx();
	c->p[c->n_p++] = merge_input(0);
	c->p[c->n_p++] = edges_profile();
	return c;
}

static void *setup_large(void)
{
	ctx *c = new_ctx();
	c->p[c->n_p++] = large_profile(0);
	return c;
}

static void *setup_large_encoded(void)
{
	ctx *c = new_ctx();
	pgo_profile *p = large_profile(0);
	add_encoded(c, p);
	pgo_profile_free(p);
	return c;
}

static void *setup_merge_large(void)
{
	ctx *c = new_ctx();
	c->p[c->n_p++] = large_profile(0);
	c->p[c->n_p++] = large_profile(1);
	return c;
}

static const oom_scenario scenarios[] = {
	{"codec/builder", false, PGO_OK, setup_builder, run_builder, free_ctx},
	{"codec/encode-raw", false, PGO_OK, setup_rich, run_encode_raw, free_ctx},
	{"codec/encode-gzip", false, PGO_OK, setup_rich, run_encode_gzip, free_ctx},
	{"codec/decode-hand", false, PGO_OK, setup_hand_dense, run_decode, free_ctx},
	{"codec/decode-sparse-unpacked", false, PGO_OK, setup_hand_sparse, run_decode, free_ctx},
	{"codec/decode-gzip-members", false, PGO_OK, setup_gzip_members, run_decode, free_ctx},
	{"codec/decode-gzip-growth", false, PGO_OK, setup_gzip_growth, run_decode, free_ctx},
	{"codec/decode-zstd-frames", false, PGO_OK, setup_zstd, run_decode, free_ctx},
	{"codec/gzip-threads", true, PGO_OK, setup_gzip_threads, run_gzip_threads, free_ctx},
	{"codec/decompress-gzip-blocks", true, PGO_OK, setup_gzip_blocks, run_decompress, free_ctx},
	{"codec/decode-parallel-samples", true, PGO_OK, setup_parallel_samples, run_decode, free_ctx},
	{"merge/mixed", false, PGO_OK, setup_merge_mixed, run_merge, free_ctx},
	{"merge/zero-sum", false, PGO_OK, setup_merge_zero_sum, run_merge, free_ctx},
	{"merge/noinline-remerge", false, PGO_OK, setup_merge_noinline, run_merge, free_ctx},
	{"merge/incremental", false, PGO_OK, setup_merger, run_merger, free_ctx},
	{"merge/canonical-order", true, PGO_OK, setup_canonical, run_canonical, free_ctx},
	{"noinline/rename", false, PGO_OK, setup_rename, run_rename, free_ctx},
	{"edges/compute-format", false, PGO_OK, setup_edges, run_edges, free_ctx},
	{"diff/compute", false, PGO_OK, setup_diff, run_diff, free_ctx},
	{"compact/compact", false, PGO_OK, setup_compact, run_compact, free_ctx},
	{"inspect/report", false, PGO_OK, setup_edges, run_inspect, free_ctx},
	{"inspect/stale", false, PGO_OK, setup_edges, run_stale, free_ctx},
	{"codec/decode-keep-frames", false, PGO_OK, setup_keep_frames, run_decode, free_ctx},
	{"codec/testdata-heap-merge", false, PGO_OK, setup_testdata_heap, run_heap, free_ctx},
	{"codec/decode-large", false, PGO_OK, setup_large_encoded, run_decode, free_ctx},
	{"merge/large", false, PGO_OK, setup_merge_large, run_merge, free_ctx},
	{"edges/large", false, PGO_OK, setup_large, run_edges, free_ctx},
	{"compact/large", false, PGO_OK, setup_large, run_compact, free_ctx},
	{"inspect/large", false, PGO_OK, setup_large, run_inspect, free_ctx},
	{"inspect/stale-large", false, PGO_OK, setup_large, run_stale, free_ctx},
	/* invalid inputs: each run gives out of memory or the input's own error */
	{"codec/invalid-duplicate-id", false, PGO_ERR_INVALID, setup_invalid_duplicate_id, run_decode, free_ctx},
	{"codec/invalid-missing-location", false, PGO_ERR_INVALID, setup_invalid_missing_location, run_decode, free_ctx},
	{"codec/limit-lines", false, PGO_ERR_LIMIT, setup_limit_lines, run_decode, free_ctx},
	{"codec/gzip-truncated", false, PGO_ERR_COMPRESSION, setup_gzip_truncated, run_decode, free_ctx},
	{"codec/gzip-over-limit", false, PGO_ERR_LIMIT, setup_gzip_over_limit, run_decode, free_ctx},
	{"codec/zstd-truncated", false, PGO_ERR_COMPRESSION, setup_zstd_truncated, run_decode, free_ctx},
	{"codec/gzip-empty", false, PGO_ERR_EMPTY, setup_gzip_empty, run_decode, free_ctx},
	{"merge/incompatible", false, PGO_ERR_INCOMPATIBLE, setup_merger_incompatible, run_merger, free_ctx},
	{"edges/no-start-line", false, PGO_ERR_NO_START_LINE, setup_no_start_line, run_edges, free_ctx},
	{"compact/no-start-line", false, PGO_ERR_NO_START_LINE, setup_no_start_line, run_compact, free_ctx},
};

int main(void)
{
	fa_install();
	const char *only = getenv("OOM_ONLY");
	uint64_t failures = 0, runs = 0, points = 0;
	int ran = 0;
	for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
		const oom_scenario *sc = &scenarios[i];
		if (only && *only && !strstr(sc->name, only))
			continue;
		oom_stats s;
		failures += oom_run(sc, &s);
		runs += s.runs;
		points += s.points;
		ran++;
		printf("%-32s %5" PRIu64 " allocations, %6" PRIu64 " runs, %3" PRIu64 " recovered, %3" PRIu64
		       " failures, %6.2f s\n",
		       sc->name, s.points, s.runs, s.recovered, s.failures, s.seconds);
		fflush(stdout);
	}
	printf("test_alloc_failures: %d scenarios, %" PRIu64 " injection points, %" PRIu64 " runs, %" PRIu64
	       " failures\n",
	       ran, points, runs, failures);
	return failures ? 1 : 0;
}
