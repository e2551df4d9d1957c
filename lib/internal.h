/* Private helpers shared by libpgo's translation units. */
#ifndef PGO_INTERNAL_H
#define PGO_INTERNAL_H

#include "pgo.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#define PGO_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define PGO_LIKELY(x) __builtin_expect(!!(x), 1)
#define PGO_INLINE inline __attribute__((always_inline))
#define PGO_NOINLINE __attribute__((noinline))
#define PGO_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define PGO_PRINTF(a, b)
#define PGO_LIKELY(x) (x)
#define PGO_INLINE inline
#define PGO_NOINLINE
#define PGO_UNLIKELY(x) (x)
#endif


/* Grows *array so that it holds at least `need` elements of `size` bytes.
 * Capacities stay below 2^32; growth is geometric. */
pgo_status pgo_grow(void **array, uint32_t *cap, uint64_t need, size_t size);

#define PGO_GROW(arr, cap, need) pgo_grow((void **)&(arr), &(cap), (need), sizeof *(arr))

/* 64-bit mixing hash (wyhash-style multiply-fold). */
static inline uint64_t pgo_mix(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)(a ^ 0x2d358dccaa6c78a5ull) * (b ^ 0x8bb84b93962eacc9ull);
	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* An unkeyed hash, for values that reach the output (fingerprints, the
 * canonical order): a word equal to pgo_mix's constant zeroes the state,
 * so input can collide it at will. Never for a table of input keys. */
uint64_t pgo_hash_bytes(const void *data, size_t len, uint64_t seed);

/* One step of a keyed hash (h starts from the seed): the seed keys one
 * operand and h the other, so no input word can zero the product and
 * cancel the rest, and collisions cannot be found without the seed.
 * Words of a key must not be XORed together first. */
static inline uint64_t pgo_hash_step(uint64_t h, uint64_t a, uint64_t b, uint64_t seed)
{
	return pgo_mix(h ^ a, b ^ seed);
}

/* pgo_hash_bytes keyed so, for lookup tables of input strings. */
uint64_t pgo_hash_keyed(const void *data, size_t len, uint64_t seed);

/*
 * The seed of hash tables that only look things up (interned strings, ID
 * maps): fixed per process from the kernel's AT_RANDOM bytes, so that input
 * cannot be crafted to collide (hash flooding). Tables whose order reaches
 * the output (the canonical order of inputs) keep fixed seeds.
 */
uint64_t pgo_hash_seed(void);
/* For tests only: replaces the seed, before any table that uses it exists. */
void pgo_set_hash_seed(uint64_t seed);

/*
 * An open-addressing set of uint32 entity indexes. The caller owns the
 * entities and supplies hashes and an equality test; each slot holds the
 * index + 1 in its low half and a 32-bit tag of the hash, for quick
 * rejection, in its high half: one cache miss per probe, not two.
 */
typedef struct pgo_index {
	uint64_t *slots;
	uint32_t mask;
	uint32_t count;
} pgo_index;

typedef bool (*pgo_index_eq)(const void *ctx, uint32_t entity, const void *key);

pgo_status pgo_index_init(pgo_index *ix, uint32_t expected);
void pgo_index_free(pgo_index *ix);
/* Returns the matching entity, or PGO_NONE (then *slot is where to insert). */
uint32_t pgo_index_find(const pgo_index *ix, uint64_t hash, pgo_index_eq eq,
                        const void *ctx, const void *key, uint32_t *slot);
/* Brings the slot where a find for hash starts into the cache. */
static inline void pgo_index_prefetch(const pgo_index *ix, uint64_t hash)
{
	__builtin_prefetch(&ix->slots[(uint32_t)(hash >> 32) & ix->mask]);
}
/* The entity in hash's first slot if its tag matches, else PGO_NONE: a
 * guess for prefetching, not a lookup. */
static inline uint32_t pgo_index_peek(const pgo_index *ix, uint64_t hash)
{
	uint64_t v = ix->slots[(uint32_t)(hash >> 32) & ix->mask];
	return v && (uint32_t)(v >> 32) == (uint32_t)(hash >> 32) ? (uint32_t)v - 1 : PGO_NONE;
}
/* Inserts entity at slot from a failed find; may rehash. */
pgo_status pgo_index_insert(pgo_index *ix, uint32_t slot, uint64_t hash, uint32_t entity);

/*
 * A map from a 64-bit key to a uint32 value, the key stored in the slot:
 * one cache line per probe, for the hot lookups of the edge graph.
 * UINT64_MAX cannot be a key.
 */
typedef struct pgo_u64map_slot {
	uint64_t key;
	uint32_t value;
} pgo_u64map_slot;

typedef struct pgo_u64map {
	pgo_u64map_slot *slots;
	uint32_t mask, count;
	uint64_t seed; /* pgo_hash_seed() at init: keys are addresses and IDs from input */
} pgo_u64map;

pgo_status pgo_u64map_init(pgo_u64map *m, uint32_t expected);
void pgo_u64map_free(pgo_u64map *m);
/* The slot where key's probe starts. Keyed: keys are addresses and IDs
 * from input, and the map is never walked in slot order, so its layout
 * reaches no output. */
static inline uint32_t pgo_u64map_home(const pgo_u64map *m, uint64_t key)
{
	return (uint32_t)(pgo_hash_step(m->seed, key, 0, m->seed) >> 32) & m->mask;
}
/* Starts loading key's slot into the cache: a loop that knows its next
 * keys a few steps ahead overlaps the misses of a large map. */
static inline void pgo_u64map_prefetch(const pgo_u64map *m, uint64_t key)
{
	__builtin_prefetch(&m->slots[pgo_u64map_home(m, key)], 1);
}
/* Finds key, or inserts it with value `fresh`; *value points at the slot's value. */
pgo_status pgo_u64map_upsert(pgo_u64map *m, uint64_t key, uint32_t fresh, uint32_t **value, bool *inserted);

/*
 * The top-level shape of a pprof Profile, checked as decompressed bytes
 * arrive (wirecheck.c): field numbers, wire types, lengths within the
 * limits and the count limits, so that junk or a bomb is refused at its
 * first bad field. Errors name the offset in the decompressed data.
 */
typedef struct pgo_wirecheck {
	const char *name;
	const char *where;          /* "" or " of the decompressed data" */
	const pgo_limits *limits;
	pgo_error *err;
	pgo_status failed;
	uint64_t pos;               /* offset of the next byte */
	uint64_t field_at;          /* offset of the current field's key */
	uint64_t varint_at;         /* offset of the varint being read */
	uint64_t value;             /* that varint so far */
	unsigned shift;             /* its next bit; 0 between varints */
	int state;
	uint32_t field;
	uint8_t wire;
	uint64_t len, skip;         /* payload length, and what is left of it */
	uint64_t count[16];         /* fields seen by number; [0]: unknown ones */
	uint64_t most[16];          /* how many of each may come */
	uint64_t unknown;           /* bytes of unknown fields */
	uint8_t head[32];           /* the first bytes, to say what foreign data looks like */
	size_t head_len;
	/* A failure in the first bytes waits for the rest of head, so that the
	 * message is the same however the data is cut into pieces. */
	bool deferred;
	uint64_t deferred_at;
	char deferred_what[320];
} pgo_wirecheck;

void pgo_wirecheck_init(pgo_wirecheck *c, const char *name, const pgo_limits *limits, bool compressed);
pgo_status pgo_wirecheck_feed(pgo_wirecheck *c, const uint8_t *data, size_t n, pgo_error *err);
/* At the end of the data: fails when it ends inside a field. */
pgo_status pgo_wirecheck_end(pgo_wirecheck *c, pgo_error *err);

/*
 * pgo_decompress for a pprof profile: raw, gzip or zstd, at most
 * limits->max_decompressed_bytes, checked with a pgo_wirecheck as it
 * streams, so that decompression stops at the first bad field.
 */
pgo_status pgo_decompress_profile(const uint8_t *data, size_t size, const char *name, const pgo_limits *limits,
                                  uint8_t **out, size_t *out_size, pgo_error *err);

/* Block gzip (gzip_blocks.c): members of at most 1 MiB of input, each
 * recording its size, so that they can be inflated in parallel. The
 * reader returns PGO_ERR_ARGUMENT, filling nothing, for input that is not
 * block gzip. With check, it inflates a few blocks at a time and checks
 * each run before inflating more. The writer deflates on up to `threads`
 * threads, with the same bytes whatever their number. */
pgo_status pgo_gzip_blocks(const uint8_t *data, size_t size, int level, int threads, uint8_t **out,
                           size_t *out_size, pgo_error *err);
pgo_status pgo_gunzip_blocks(const uint8_t *in, size_t size, const char *name, size_t max_out,
                             pgo_wirecheck *check, uint8_t **out, size_t *out_size, pgo_error *err);
/* The CRC-32 and size (mod 2^32) of a gzip stream's content, from its
 * trailers and without inflating: block gzip's members combined, or else
 * the last trailer, which covers the whole content of a one-member
 * stream. False for what is not gzip. */
bool pgo_gzip_content_crc(const uint8_t *in, size_t size, uint32_t *crc, uint32_t *size32);

/* Wrapping int64 arithmetic, as Go does, without C's undefined overflow. */
static inline int64_t pgo_wrap_add(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}
static inline int64_t pgo_wrap_sub(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a - (uint64_t)b);
}

/* Decoding helpers shared with the string table. */
pgo_status pgo_strings_init(pgo_strings *s);
void pgo_strings_free(pgo_strings *s);
int pgo_string_cmp(const pgo_profile *a, pgo_str x, const pgo_profile *b, pgo_str y);

/* "samples/count cpu/nanoseconds": the sample types, for messages. */
void pgo_describe_types(const pgo_profile *p, char *buf, size_t n);
/* The sample type the Go compiler reads (samples/count or cpu/nanoseconds), or -1. */
int pgo_compiler_value_index(const pgo_profile *p);
/* Whether a function the compiler sees in a sample with a nonzero value in
 * column vi (the leaf and its caller, every line of each) has a start line. */
bool pgo_has_start_line(const pgo_profile *p, int vi);

#endif
