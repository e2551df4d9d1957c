/*
 * A test-only protobuf writer for raw wire bytes: enough to hand-write pprof
 * profiles with unknown fields, unpacked repeated fields, fields in unusual
 * order and sparse IDs. Writes exactly what it is told (zero values too).
 * Aborts on allocation failure; tests have no use for recovery.
 */
#ifndef PGO_TEST_PBWRITER_H
#define PGO_TEST_PBWRITER_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PBW_VARINT = 0, PBW_I64 = 1, PBW_LEN = 2, PBW_SGROUP = 3, PBW_EGROUP = 4, PBW_I32 = 5 };

typedef struct pbw {
	uint8_t *data;
	size_t len, cap;
} pbw;

static inline void pbw_reserve(pbw *b, size_t n)
{
	if (b->len + n <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + n)
		cap *= 2;
	uint8_t *d = realloc(b->data, cap);
	if (!d) {
		fprintf(stderr, "pbwriter: out of memory\n");
		abort();
	}
	b->data = d;
	b->cap = cap;
}

static inline void pbw_free(pbw *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}

static inline void pbw_raw(pbw *b, const void *p, size_t n)
{
	pbw_reserve(b, n + 1);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
}

static inline void pbw_varint(pbw *b, uint64_t v)
{
	pbw_reserve(b, 10);
	while (v >= 0x80) {
		b->data[b->len++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b->data[b->len++] = (uint8_t)v;
}

/* The number of bytes pbw_varint writes for v. */
static inline size_t pbw_varint_size(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static inline void pbw_key(pbw *b, uint32_t field, int wire_type)
{
	pbw_varint(b, (uint64_t)field << 3 | (uint64_t)wire_type);
}

/* A varint field, written even when zero. Returns the offset of its key. */
static inline size_t pbw_uint(pbw *b, uint32_t field, uint64_t v)
{
	size_t at = b->len;
	pbw_key(b, field, PBW_VARINT);
	pbw_varint(b, v);
	return at;
}

static inline size_t pbw_int(pbw *b, uint32_t field, int64_t v)
{
	return pbw_uint(b, field, (uint64_t)v);
}

static inline size_t pbw_fixed64(pbw *b, uint32_t field, uint64_t v)
{
	size_t at = b->len;
	pbw_key(b, field, PBW_I64);
	uint8_t bytes[8];
	for (int i = 0; i < 8; i++)
		bytes[i] = (uint8_t)(v >> (8 * i));
	pbw_raw(b, bytes, 8);
	return at;
}

static inline size_t pbw_fixed32(pbw *b, uint32_t field, uint32_t v)
{
	size_t at = b->len;
	pbw_key(b, field, PBW_I32);
	uint8_t bytes[4];
	for (int i = 0; i < 4; i++)
		bytes[i] = (uint8_t)(v >> (8 * i));
	pbw_raw(b, bytes, 4);
	return at;
}

/* A length-delimited field. Returns the offset of its key. */
static inline size_t pbw_bytes(pbw *b, uint32_t field, const void *p, size_t n)
{
	size_t at = b->len;
	pbw_key(b, field, PBW_LEN);
	pbw_varint(b, n);
	pbw_raw(b, p, n);
	return at;
}

static inline size_t pbw_str(pbw *b, uint32_t field, const char *s)
{
	return pbw_bytes(b, field, s, strlen(s));
}

/*
 * Writes sub as a nested message (field, wire type 2) and empties sub.
 * Returns the offset in b where sub's payload starts, so that an offset
 * inside sub maps to payload + offset in b. *key_at (if given) receives the
 * offset of the field's key.
 */
static inline size_t pbw_msg_at(pbw *b, uint32_t field, pbw *sub, size_t *key_at)
{
	if (key_at)
		*key_at = b->len;
	pbw_key(b, field, PBW_LEN);
	pbw_varint(b, sub->len);
	size_t payload = b->len;
	pbw_raw(b, sub->data, sub->len);
	sub->len = 0;
	return payload;
}

static inline size_t pbw_msg(pbw *b, uint32_t field, pbw *sub)
{
	return pbw_msg_at(b, field, sub, NULL);
}

/* Packed varints. Returns the offset of the key. */
static inline size_t pbw_packed(pbw *b, uint32_t field, const uint64_t *v, size_t n)
{
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += pbw_varint_size(v[i]);
	size_t at = b->len;
	pbw_key(b, field, PBW_LEN);
	pbw_varint(b, len);
	for (size_t i = 0; i < n; i++)
		pbw_varint(b, v[i]);
	return at;
}

/*
 * Unknown fields of every wire a reader must skip (0, 1, 2, 5), numbered
 * first, first+1, first+2, first+3. The length-delimited one holds bytes
 * that would be an error if parsed as fields of the enclosing message.
 */
static inline void pbw_unknowns(pbw *b, uint32_t first)
{
	static const uint8_t junk[] = {0x1b, 0x1c, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x07};
	pbw_uint(b, first, 0xffffffffffffffffull);
	pbw_fixed64(b, first + 1, 0x0102030405060708ull);
	pbw_bytes(b, first + 2, junk, sizeof junk);
	pbw_fixed32(b, first + 3, 0xdeadbeefu);
}

/* ---- pprof message helpers (field numbers from profile.proto) ---- */

static inline void pbw_value_type(pbw *b, uint32_t field, uint64_t type, uint64_t unit)
{
	pbw sub = {0};
	pbw_uint(&sub, 1, type);
	pbw_uint(&sub, 2, unit);
	pbw_msg(b, field, &sub);
	pbw_free(&sub);
}

static inline void pbw_function(pbw *b, uint64_t id, uint64_t name, uint64_t system_name,
                                uint64_t filename, int64_t start_line)
{
	pbw sub = {0};
	pbw_uint(&sub, 1, id);
	pbw_uint(&sub, 2, name);
	pbw_uint(&sub, 3, system_name);
	pbw_uint(&sub, 4, filename);
	pbw_int(&sub, 5, start_line);
	pbw_msg(b, 5, &sub);
	pbw_free(&sub);
}

/* A location with one line (function_id 0 omits the function). */
static inline void pbw_location1(pbw *b, uint64_t id, uint64_t mapping_id, uint64_t address,
                                 uint64_t function_id, int64_t line)
{
	pbw sub = {0}, ln = {0};
	pbw_uint(&sub, 1, id);
	if (mapping_id)
		pbw_uint(&sub, 2, mapping_id);
	pbw_uint(&sub, 3, address);
	if (function_id)
		pbw_uint(&ln, 1, function_id);
	pbw_int(&ln, 2, line);
	pbw_msg(&sub, 4, &ln);
	pbw_msg(b, 4, &sub);
	pbw_free(&sub);
	pbw_free(&ln);
}

/* A sample with packed location ids and values. */
static inline void pbw_sample(pbw *b, const uint64_t *locs, size_t n_locs,
                              const int64_t *values, size_t n_values)
{
	pbw sub = {0};
	if (n_locs)
		pbw_packed(&sub, 1, locs, n_locs);
	if (n_values) {
		uint64_t v[16];
		for (size_t i = 0; i < n_values && i < 16; i++)
			v[i] = (uint64_t)values[i];
		pbw_packed(&sub, 2, v, n_values);
	}
	pbw_msg(b, 2, &sub);
	pbw_free(&sub);
}

/* The string table, entries in order (entry 0 should be ""). */
static inline void pbw_strings(pbw *b, const char *const *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pbw_str(b, 6, s[i]);
}

#endif
