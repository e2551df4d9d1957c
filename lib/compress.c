/* Magic sniffing, bounded gzip/zstd decompression and gzip compression. */
#include "internal.h"

#include <libdeflate.h>
#include <zstd.h>
#include <zstd_errors.h>

/* Deflate cannot expand input by more than about 1032:1, so a gzip trailer
 * claiming more is a lie and is not trusted for the first allocation. */
#define DEFLATE_MAX_RATIO 1032u
#define MIN_GUESS (64u * 1024u)

pgo_compression pgo_sniff(const uint8_t *data, size_t size)
{
	if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b)
		return PGO_COMPRESSION_GZIP;
	if (size >= 4 && data[0] == 0x28 && data[1] == 0xb5 && data[2] == 0x2f && data[3] == 0xfd)
		return PGO_COMPRESSION_ZSTD;
	return PGO_COMPRESSION_NONE;
}

bool pgo_looks_like_pprof(const uint8_t *data, size_t size)
{
	if (size == 0 || pgo_sniff(data, size) != PGO_COMPRESSION_NONE)
		return true;
	/* The first field's key: Profile's fields are 1 to 15, and none is a
	 * group (wire types 3, 4) or of wire types 6, 7. '{' and '[' are groups,
	 * 'g' ("go 1.23 trace") is wire type 7. */
	uint8_t key = data[0];
	unsigned field = key >> 3, wire = key & 7;
	return !(key & 0x80) && field >= 1 && field <= 15 && (wire == 0 || wire == 1 || wire == 2 || wire == 5);
}

static size_t initial_guess(size_t in_size, size_t claimed, size_t max_out)
{
	size_t guess = in_size * 4;
	if (claimed > guess && claimed / DEFLATE_MAX_RATIO <= in_size)
		guess = claimed;
	if (guess < MIN_GUESS)
		guess = MIN_GUESS;
	return guess < max_out ? guess : max_out;
}

static pgo_status gunzip(const uint8_t *in, size_t size, const char *name, size_t max_out,
                         uint8_t **out, size_t *out_size, pgo_error *err)
{
	pgo_status blocks = pgo_gunzip_blocks(in, size, name, max_out, out, out_size, err);
	if (blocks != PGO_ERR_ARGUMENT)
		return blocks;
	size_t claimed = 0;
	if (size >= 18)
		claimed = (size_t)in[size - 4] | (size_t)in[size - 3] << 8 |
		          (size_t)in[size - 2] << 16 | (size_t)in[size - 1] << 24;
	size_t cap = initial_guess(size, claimed, max_out);
	uint8_t *buf = malloc(cap ? cap : 1);
	struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
	if (!buf || !d) {
		free(buf);
		libdeflate_free_decompressor(d);
		return pgo_fail(err, PGO_ERR_NOMEM, "%s: out of memory decompressing gzip", name);
	}
	size_t in_pos = 0, used = 0;
	pgo_status st = PGO_OK;
	/* A gzip file may hold several members; each is decompressed in turn. */
	while (in_pos < size) {
		if (size - in_pos < 2 || in[in_pos] != 0x1f || in[in_pos + 1] != 0x8b) {
			st = pgo_fail(err, PGO_ERR_COMPRESSION,
			              "%s: offset %zu: trailing bytes after gzip stream are not a gzip member",
			              name, in_pos);
			break;
		}
		size_t got_in = 0, got_out = 0;
		enum libdeflate_result r = libdeflate_gzip_decompress_ex(
			d, in + in_pos, size - in_pos, buf + used, cap - used, &got_in, &got_out);
		if (r == LIBDEFLATE_INSUFFICIENT_SPACE) {
			if (cap >= max_out) {
				st = pgo_fail(err, PGO_ERR_LIMIT,
				              "%s: gzip data decompresses to more than the %zu-byte limit",
				              name, max_out);
				break;
			}
			size_t ncap = cap * 2 < max_out ? cap * 2 : max_out;
			uint8_t *nb = realloc(buf, ncap);
			if (!nb) {
				st = pgo_fail(err, PGO_ERR_NOMEM, "%s: out of memory decompressing gzip", name);
				break;
			}
			buf = nb;
			cap = ncap;
			continue;
		}
		if (r != LIBDEFLATE_SUCCESS) {
			st = pgo_fail(err, PGO_ERR_COMPRESSION,
			              "%s: offset %zu: gzip member is corrupt or truncated", name, in_pos);
			break;
		}
		in_pos += got_in;
		used += got_out;
	}
	libdeflate_free_decompressor(d);
	if (st) {
		free(buf);
		return st;
	}
	*out = buf;
	*out_size = used;
	return PGO_OK;
}

/* A zstd error: the stream's buffers are allocated as it goes, and a
 * failed allocation is out of memory, not a corrupt frame. */
static pgo_status zstd_failed(size_t r, const char *name, size_t offset, pgo_error *err)
{
	if (ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation)
		return pgo_fail(err, PGO_ERR_NOMEM, "%s: out of memory decompressing zstd", name);
	return pgo_fail(err, PGO_ERR_COMPRESSION, "%s: offset %zu: zstd frame is corrupt: %s", name, offset,
	                ZSTD_getErrorName(r));
}

static pgo_status unzstd(const uint8_t *in, size_t size, const char *name, size_t max_out,
                         uint8_t **out, size_t *out_size, pgo_error *err)
{
	size_t cap = initial_guess(size, 0, max_out);
	uint8_t *buf = malloc(cap ? cap : 1);
	ZSTD_DCtx *z = ZSTD_createDCtx();
	if (!buf || !z) {
		free(buf);
		ZSTD_freeDCtx(z);
		return pgo_fail(err, PGO_ERR_NOMEM, "%s: out of memory decompressing zstd", name);
	}
	ZSTD_inBuffer ib = {in, size, 0};
	ZSTD_outBuffer ob = {buf, cap, 0};
	size_t last = 1; /* 0 once a frame has been decoded and flushed whole */
	pgo_status st = PGO_OK;
	for (;;) {
		if (ob.pos == ob.size) {
			if (cap >= max_out) {
				/* Full at the limit: any further byte is over it. */
				uint8_t probe;
				ZSTD_outBuffer pb = {&probe, 1, 0};
				size_t r = ZSTD_decompressStream(z, &pb, &ib);
				if (ZSTD_isError(r)) {
					st = zstd_failed(r, name, ib.pos, err);
					break;
				}
				if (pb.pos) {
					st = pgo_fail(err, PGO_ERR_LIMIT,
					              "%s: zstd data decompresses to more than the %zu-byte limit", name, max_out);
					break;
				}
				last = r;
				if (ib.pos == ib.size)
					break;
				continue;
			}
			size_t ncap = cap * 2 < max_out ? cap * 2 : max_out;
			uint8_t *nb = realloc(buf, ncap);
			if (!nb) {
				st = pgo_fail(err, PGO_ERR_NOMEM, "%s: out of memory decompressing zstd", name);
				break;
			}
			buf = nb;
			cap = ncap;
			ob.dst = buf;
			ob.size = cap;
		}
		last = ZSTD_decompressStream(z, &ob, &ib);
		if (ZSTD_isError(last)) {
			st = zstd_failed(last, name, ib.pos, err);
			break;
		}
		/* Input used up: done if the frame ended, truncated if room was left unfilled. */
		if (ib.pos == ib.size && (last == 0 || ob.pos < ob.size))
			break;
	}
	if (!st && last != 0)
		st = pgo_fail(err, PGO_ERR_COMPRESSION, "%s: offset %zu: zstd frame is truncated", name, size);
	ZSTD_freeDCtx(z);
	if (st) {
		free(buf);
		return st;
	}
	*out = buf;
	*out_size = ob.pos;
	return PGO_OK;
}

pgo_status pgo_decompress(const uint8_t *data, size_t size, const char *name,
                          size_t max_out, uint8_t **out, size_t *out_size, pgo_error *err)
{
	if (!name)
		name = "<input>";
	switch (pgo_sniff(data, size)) {
	case PGO_COMPRESSION_GZIP:
		return gunzip(data, size, name, max_out, out, out_size, err);
	case PGO_COMPRESSION_ZSTD:
		return unzstd(data, size, name, max_out, out, out_size, err);
	case PGO_COMPRESSION_NONE:
		break;
	}
	if (size > max_out)
		return pgo_fail(err, PGO_ERR_LIMIT, "%s: input of %zu bytes exceeds the %zu-byte limit",
		                name, size, max_out);
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return pgo_fail(err, PGO_ERR_NOMEM, "%s: out of memory", name);
	if (size)
		memcpy(copy, data, size);
	*out = copy;
	*out_size = size;
	return PGO_OK;
}

pgo_status pgo_gzip(const uint8_t *data, size_t size, int level,
                    uint8_t **out, size_t *out_size, pgo_error *err)
{
	if (level < 1 || level > 12)
		return pgo_fail(err, PGO_ERR_ARGUMENT, "gzip level %d is outside 1..12", level);
	return pgo_gzip_blocks(data, size, level, out, out_size, err);
}
