/*
 * Magic sniffing, bounded gzip/zstd decompression and gzip compression.
 *
 * Decompression streams (zlib, libzstd, or libdeflate a block at a time)
 * so that a profile's shape can be checked as its bytes come, and a bomb
 * or junk refused after its first bad field rather than at the size limit.
 */
#include "internal.h"

#include <limits.h>
#include <libdeflate.h>
#include <zlib.h>
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

/*
 * The first byte that gzip or zstd data decompresses to, or -1 when that
 * cannot be told (corrupt, empty, out of memory): a stream is inflated
 * only until its first byte, whatever its size.
 */
static int first_decompressed_byte(const uint8_t *data, size_t size, pgo_compression c)
{
	uint8_t first;
	if (c == PGO_COMPRESSION_GZIP) {
		z_stream z = {0};
		if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
			return -1;
		z.next_in = (Bytef *)(uintptr_t)data;
		z.avail_in = size > UINT_MAX ? UINT_MAX : (uInt)size;
		z.next_out = &first;
		z.avail_out = 1;
		while (z.avail_out && inflate(&z, Z_NO_FLUSH) == Z_OK)
			;
		bool got = z.avail_out == 0;
		inflateEnd(&z);
		return got ? first : -1;
	}
	ZSTD_DCtx *z = ZSTD_createDCtx();
	if (!z)
		return -1;
	ZSTD_inBuffer ib = {data, size, 0};
	ZSTD_outBuffer ob = {&first, 1, 0};
	while (ob.pos == 0 && ib.pos < ib.size) {
		size_t before = ib.pos, r = ZSTD_decompressStream(z, &ob, &ib);
		if (ZSTD_isError(r) || r == 0 || (ib.pos == before && ob.pos == 0))
			break;
	}
	ZSTD_freeDCtx(z);
	return ob.pos ? first : -1;
}

bool pgo_looks_like_pprof(const uint8_t *data, size_t size)
{
	if (size == 0)
		return true;
	pgo_compression c = pgo_sniff(data, size);
	int b = c == PGO_COMPRESSION_NONE ? data[0] : first_decompressed_byte(data, size, c);
	/* Cannot tell, or compressed twice: let the decoder say what is wrong. */
	if (b < 0 || (c != PGO_COMPRESSION_NONE && (b == 0x1f || b == 0x28)))
		return true;
	/* The first field's key: Profile's fields are 1 to 15, and none is a
	 * group (wire types 3, 4) or of wire types 6, 7. '{' and '[' are groups,
	 * 'g' ("go 1.23 trace") is wire type 7. */
	uint8_t key = (uint8_t)b;
	unsigned field = key >> 3, wire = key & 7;
	return !(key & 0x80) && field >= 1 && field <= 15 && (wire == 0 || wire == 1 || wire == 2 || wire == 5);
}

/* Decompressed bytes are produced and checked this much at a time. */
#define CHUNK ((size_t)1 << 20)
/* A plain gzip member whose trailer claims at most this many bytes is
 * inflated by libdeflate, in one call, into a buffer of the claimed size:
 * as fast as before the check, and no larger whatever the data holds. */
#define ONE_SHOT_MAX ((size_t)8 << 20)

static size_t initial_guess(size_t in_size, size_t claimed, size_t max_out)
{
	size_t guess = in_size * 4;
	if (claimed > guess && claimed / DEFLATE_MAX_RATIO <= in_size)
		guess = claimed;
	if (guess < MIN_GUESS)
		guess = MIN_GUESS;
	return guess < max_out ? guess : max_out;
}

/* Where decompressed bytes go: a buffer that grows up to max, and the
 * check, which sees each run of new bytes before more are made. */
typedef struct sink {
	uint8_t *buf;
	size_t used, cap, max;
	size_t burst;         /* up to here, one step may fill the whole buffer */
	pgo_wirecheck *check; /* NULL: no check */
	const char *name, *format;
	pgo_error *err;
} sink;

static pgo_status sink_init(sink *s, size_t guess)
{
	s->cap = guess;
	s->buf = malloc(guess ? guess : 1);
	return s->buf ? PGO_OK : pgo_fail(s->err, PGO_ERR_NOMEM, "%s: out of memory decompressing %s", s->name, s->format);
}

/* Room for more: grows a full buffer, or fails with PGO_ERR_LIMIT at max. */
static pgo_status sink_room(sink *s)
{
	if (s->used < s->cap)
		return PGO_OK;
	if (s->cap >= s->max)
		return pgo_fail(s->err, PGO_ERR_LIMIT, "%s: %s data decompresses to more than the %zu-byte limit", s->name,
		                s->format, s->max);
	size_t ncap = s->cap * 2 < s->max ? s->cap * 2 : s->max;
	uint8_t *nb = realloc(s->buf, ncap ? ncap : 1);
	if (!nb)
		return pgo_fail(s->err, PGO_ERR_NOMEM, "%s: out of memory decompressing %s", s->name, s->format);
	s->buf = nb;
	s->cap = ncap;
	return PGO_OK;
}

/* How much the next step may produce: at most CHUNK when checking, but
 * for a first burst of a size known to be small. */
static size_t sink_window(const sink *s)
{
	size_t room = s->cap - s->used;
	if (!s->check)
		return room;
	size_t step = s->used < s->burst && s->burst - s->used > CHUNK ? s->burst - s->used : CHUNK;
	return room < step ? room : step;
}

/* Bytes from `from` to used are new: the check sees them now. */
static pgo_status sink_wrote(sink *s, size_t from)
{
	if (!s->check || s->used == from)
		return PGO_OK;
	return pgo_wirecheck_feed(s->check, s->buf + from, s->used - from, s->err);
}

static pgo_status sink_done(sink *s, pgo_status st, uint8_t **out, size_t *out_size)
{
	if (!st && s->check)
		st = pgo_wirecheck_end(s->check, s->err);
	if (st) {
		free(s->buf);
		return st;
	}
	*out = s->buf;
	*out_size = s->used;
	return PGO_OK;
}

/* The common case, fast: one member that inflates to the size its trailer
 * claims, when that is small. false (nothing kept) for anything else, which
 * the streaming path then decompresses and reports on. */
static bool gunzip_one_shot(const uint8_t *in, size_t size, size_t claimed, sink *s)
{
	if (size < 18 || claimed > ONE_SHOT_MAX || claimed > s->max || claimed / DEFLATE_MAX_RATIO > size)
		return false;
	struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
	/* Sized as before the check, not to the byte: glibc then reuses the
	 * buffers of one merge the same way, and peak RSS stays as it was. */
	size_t cap = initial_guess(size, claimed, s->max);
	if (cap < claimed)
		cap = claimed;
	uint8_t *buf = malloc(cap ? cap : 1);
	size_t got_in = 0, got_out = 0;
	bool ok = d && buf &&
	          libdeflate_gzip_decompress_ex(d, in, size, buf, claimed, &got_in, &got_out) == LIBDEFLATE_SUCCESS &&
	          got_in == size && got_out == claimed;
	libdeflate_free_decompressor(d);
	if (!ok) {
		free(buf);
		return false;
	}
	s->buf = buf;
	s->cap = cap;
	s->used = claimed;
	return true;
}

static pgo_status gunzip(const uint8_t *in, size_t size, sink *s, uint8_t **out, size_t *out_size)
{
	pgo_status st = pgo_gunzip_blocks(in, size, s->name, s->max, s->check, out, out_size, s->err);
	if (st != PGO_ERR_ARGUMENT) {
		if (!st && s->check && (st = pgo_wirecheck_end(s->check, s->err)))
			free(*out);
		return st;
	}
	/* The last member's trailer: its size modulo 2^32, as its writer claims. */
	size_t claimed = 0;
	if (size >= 18)
		claimed = (size_t)in[size - 4] | (size_t)in[size - 3] << 8 | (size_t)in[size - 2] << 16 |
		          (size_t)in[size - 1] << 24;
	if (gunzip_one_shot(in, size, claimed, s))
		return sink_done(s, sink_wrote(s, 0), out, out_size);

	/* zlib streams: CHUNK bytes at a time, each checked before the next.
	 * The claimed size is not trusted for the buffer: a bomb claims 1 GiB. */
	if ((st = sink_init(s, initial_guess(size, 0, s->max))))
		return st;
	z_stream z;
	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return sink_done(s, pgo_fail(s->err, PGO_ERR_NOMEM, "%s: out of memory decompressing gzip", s->name),
		                 out, out_size);
	size_t member_at = 0; /* where the current member starts */
	const uint8_t *next = in;
	size_t left = size;
	for (;;) {
		if (z.avail_in == 0 && left) {
			z.next_in = (Bytef *)(uintptr_t)next;
			z.avail_in = left < UINT_MAX ? (uInt)left : UINT_MAX;
			next += z.avail_in;
			left -= z.avail_in;
		}
		bool full = s->used == s->cap && s->cap >= s->max;
		uint8_t probe;
		if (full) {
			/* At the limit: a further byte is over it. */
			z.next_out = &probe;
			z.avail_out = 1;
		} else {
			if ((st = sink_room(s)))
				break;
			size_t window = sink_window(s);
			z.next_out = s->buf + s->used;
			z.avail_out = window < UINT_MAX ? (uInt)window : UINT_MAX;
		}
		uInt room = z.avail_out;
		int r = inflate(&z, Z_NO_FLUSH);
		size_t made = room - z.avail_out;
		if (full && made) {
			st = sink_room(s);
			break;
		}
		size_t from = s->used;
		s->used += made;
		if ((st = sink_wrote(s, from)))
			break;
		size_t at = size - left - z.avail_in; /* bytes of input consumed */
		if (r == Z_STREAM_END) {
			if (at == size)
				break;
			if (size - at < 2 || in[at] != 0x1f || in[at + 1] != 0x8b) {
				st = pgo_fail(s->err, PGO_ERR_COMPRESSION,
				              "%s: offset %zu: trailing bytes after gzip stream are not a gzip member", s->name, at);
				break;
			}
			member_at = at;
			inflateReset(&z);
			continue;
		}
		if (r == Z_MEM_ERROR) {
			st = pgo_fail(s->err, PGO_ERR_NOMEM, "%s: out of memory decompressing gzip", s->name);
			break;
		}
		/* Z_BUF_ERROR: no progress, with room to write, so the input ran out. */
		if (r != Z_OK) {
			st = pgo_fail(s->err, PGO_ERR_COMPRESSION, "%s: offset %zu: gzip member is corrupt or truncated",
			              s->name, member_at);
			break;
		}
	}
	inflateEnd(&z);
	return sink_done(s, st, out, out_size);
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

static pgo_status unzstd(const uint8_t *in, size_t size, sink *s, uint8_t **out, size_t *out_size)
{
	/* A first frame that says it is small is decoded in one step, straight
	 * into the buffer, as fast as before the check: zstd fails a frame that
	 * holds more than its header says. */
	unsigned long long claimed = ZSTD_getFrameContentSize(in, size);
	size_t guess = initial_guess(size, 0, s->max);
	if (claimed <= ONE_SHOT_MAX && claimed <= s->max) {
		s->burst = (size_t)claimed;
		if (guess < s->burst)
			guess = s->burst;
	}
	pgo_status st = sink_init(s, guess);
	if (st)
		return st;
	ZSTD_DCtx *z = ZSTD_createDCtx();
	if (!z)
		return sink_done(s, pgo_fail(s->err, PGO_ERR_NOMEM, "%s: out of memory decompressing zstd", s->name), out,
		                 out_size);
	ZSTD_inBuffer ib = {in, size, 0};
	size_t last = 1; /* 0 once a frame has been decoded and flushed whole */
	for (;;) {
		if (s->used == s->cap && s->cap >= s->max) {
			/* Full at the limit: any further byte is over it. */
			uint8_t probe;
			ZSTD_outBuffer pb = {&probe, 1, 0};
			size_t r = ZSTD_decompressStream(z, &pb, &ib);
			if (ZSTD_isError(r)) {
				st = zstd_failed(r, s->name, ib.pos, s->err);
				break;
			}
			if (pb.pos) {
				st = sink_room(s);
				break;
			}
			last = r;
			if (ib.pos == ib.size)
				break;
			continue;
		}
		if ((st = sink_room(s)))
			break;
		ZSTD_outBuffer ob = {s->buf, s->used + sink_window(s), s->used};
		last = ZSTD_decompressStream(z, &ob, &ib);
		if (ZSTD_isError(last)) {
			st = zstd_failed(last, s->name, ib.pos, s->err);
			break;
		}
		size_t from = s->used;
		s->used = ob.pos;
		if ((st = sink_wrote(s, from)))
			break;
		/* Input used up: done if the frame ended, truncated if room was left unfilled. */
		if (ib.pos == ib.size && (last == 0 || ob.pos < ob.size))
			break;
	}
	if (!st && last != 0)
		st = pgo_fail(s->err, PGO_ERR_COMPRESSION, "%s: offset %zu: zstd frame is truncated", s->name, size);
	ZSTD_freeDCtx(z);
	return sink_done(s, st, out, out_size);
}

static pgo_status decompress(const uint8_t *data, size_t size, const char *name, size_t max_out,
                             pgo_wirecheck *check, uint8_t **out, size_t *out_size, pgo_error *err)
{
	if (!name)
		name = "<input>";
	sink s = {.max = max_out, .check = check, .name = name, .err = err};
	switch (pgo_sniff(data, size)) {
	case PGO_COMPRESSION_GZIP:
		s.format = "gzip";
		return gunzip(data, size, &s, out, out_size);
	case PGO_COMPRESSION_ZSTD:
		s.format = "zstd";
		return unzstd(data, size, &s, out, out_size);
	case PGO_COMPRESSION_NONE:
		break;
	}
	if (size > max_out)
		return pgo_fail(err, PGO_ERR_LIMIT, "%s: input of %zu bytes exceeds the %zu-byte limit",
		                name, size, max_out);
	pgo_status st;
	if (check && ((st = pgo_wirecheck_feed(check, data, size, err)) || (st = pgo_wirecheck_end(check, err))))
		return st;
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return pgo_fail(err, PGO_ERR_NOMEM, "%s: out of memory", name);
	if (size)
		memcpy(copy, data, size);
	*out = copy;
	*out_size = size;
	return PGO_OK;
}

pgo_status pgo_decompress(const uint8_t *data, size_t size, const char *name,
                          size_t max_out, uint8_t **out, size_t *out_size, pgo_error *err)
{
	return decompress(data, size, name, max_out, NULL, out, out_size, err);
}

pgo_status pgo_decompress_profile(const uint8_t *data, size_t size, const char *name, const pgo_limits *limits,
                                  uint8_t **out, size_t *out_size, pgo_error *err)
{
	if (!name)
		name = "<input>";
	pgo_wirecheck check;
	pgo_wirecheck_init(&check, name, limits, pgo_sniff(data, size) != PGO_COMPRESSION_NONE);
	return decompress(data, size, name, limits->max_decompressed_bytes, &check, out, out_size, err);
}

pgo_status pgo_gzip(const uint8_t *data, size_t size, int level,
                    uint8_t **out, size_t *out_size, pgo_error *err)
{
	return pgo_gzip_threads(data, size, level, 1, out, out_size, err);
}

pgo_status pgo_gzip_threads(const uint8_t *data, size_t size, int level, int threads,
                            uint8_t **out, size_t *out_size, pgo_error *err)
{
	if (level < 1 || level > 12)
		return pgo_fail(err, PGO_ERR_ARGUMENT, "gzip level %d is outside 1..12", level);
	return pgo_gzip_blocks(data, size, level, threads, out, out_size, err);
}
