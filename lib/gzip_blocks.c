/*
 * Block gzip: a large output is written as a series of gzip members of
 * up to 1 MiB of input each, and every member carries its own compressed
 * size in an extra field (subfield "PG"), as BGZF does with "BC". Any
 * gzip reader takes it as one stream (Go's does), while pgotool can find
 * the members without inflating them and inflate them on both cores.
 */
#include "internal.h"

#include <libdeflate.h>
#include <pthread.h>
#include <zlib.h>

#define BLOCK_INPUT (1u << 20)
/* header: magic, CM, FLG=FEXTRA, MTIME, XFL, OS, XLEN, then 'P' 'G' SLEN size32 */
#define HEADER_SIZE 20
#define TRAILER_SIZE 8
/* Threads pay off only when there is enough to inflate or deflate. */
#define PARALLEL_MIN (4u << 20)
/* With a check, the first block is inflated and checked alone, so that junk
 * stops after 1 MiB; then runs of this much, each checked before the next. */
#define CHECKED_RUN (16u << 20)

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The compressed form of each block is written into its own slot of
 * the output, a block's bound apart, then the slots are closed up in
 * block order: the bytes do not depend on which thread made them. */
typedef struct deflater {
	const uint8_t *data;
	size_t size, n_blocks, slot;
	uint8_t *buf;
	size_t *member;      /* per block: the member's size, 0 until written */
	size_t first, step;  /* this thread's blocks: first, first + step, ... */
	int level;
	struct libdeflate_compressor *c; /* NULL: the thread allocates its own */
} deflater;

static size_t block_size(size_t size, size_t i)
{
	return size - i * BLOCK_INPUT < BLOCK_INPUT ? size - i * BLOCK_INPUT : BLOCK_INPUT;
}

static void deflate_block(const deflater *d, struct libdeflate_compressor *c, size_t i)
{
	static const uint8_t fixed[] = {0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 255, 8, 0, 'P', 'G', 4, 0};
	const uint8_t *in = d->data + i * BLOCK_INPUT;
	size_t in_size = block_size(d->size, i);
	uint8_t *h = d->buf + i * d->slot;
	size_t n = libdeflate_deflate_compress(c, in, in_size, h + HEADER_SIZE, d->slot - HEADER_SIZE - TRAILER_SIZE);
	if (n == 0)
		return; /* left for the caller to retry and report */
	memcpy(h, fixed, sizeof fixed);
	put32(h + 16, (uint32_t)(HEADER_SIZE + n + TRAILER_SIZE));
	put32(h + HEADER_SIZE + n, libdeflate_crc32(0, in, in_size));
	put32(h + HEADER_SIZE + n + 4, (uint32_t)in_size);
	d->member[i] = HEADER_SIZE + n + TRAILER_SIZE;
}

static void *deflate_blocks(void *arg)
{
	deflater *d = arg;
	struct libdeflate_compressor *c = d->c ? d->c : libdeflate_alloc_compressor(d->level);
	if (!c)
		return NULL; /* its blocks stay unwritten: the calling thread does them */
	for (size_t i = d->first; i < d->n_blocks; i += d->step)
		deflate_block(d, c, i);
	if (!d->c)
		libdeflate_free_compressor(c);
	return NULL;
}

pgo_status pgo_gzip_blocks(const uint8_t *data, size_t size, int level, int threads, uint8_t **out,
                           size_t *out_size, pgo_error *err)
{
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(level);
	if (!c)
		return pgo_fail(err, PGO_ERR_NOMEM, "out of memory allocating a gzip compressor");
	size_t n_blocks = size ? (size + BLOCK_INPUT - 1) / BLOCK_INPUT : 1;
	/* Every block but the last is full, so block i's slot starts at i * slot. */
	size_t slot = HEADER_SIZE + TRAILER_SIZE + libdeflate_deflate_compress_bound(c, BLOCK_INPUT);
	size_t bound = (n_blocks - 1) * slot + HEADER_SIZE + TRAILER_SIZE +
	               libdeflate_deflate_compress_bound(c, block_size(size, n_blocks - 1));
	uint8_t *buf = malloc(bound);
	size_t *member = calloc(n_blocks, sizeof *member);
	if (!buf || !member) {
		free(buf);
		free(member);
		libdeflate_free_compressor(c);
		return pgo_fail(err, PGO_ERR_NOMEM, "out of memory compressing %zu bytes", size);
	}
	/* Threads pay off only with several blocks each. */
	size_t n_threads = threads < 1 || size < PARALLEL_MIN ? 1 : (size_t)threads;
	if (n_threads > PGO_GZIP_MAX_THREADS)
		n_threads = PGO_GZIP_MAX_THREADS;
	if (n_threads > n_blocks)
		n_threads = n_blocks;
	deflater d[PGO_GZIP_MAX_THREADS];
	pthread_t tid[PGO_GZIP_MAX_THREADS];
	bool started[PGO_GZIP_MAX_THREADS] = {false};
	for (size_t t = 0; t < n_threads; t++)
		d[t] = (deflater){data, size, n_blocks, slot, buf, member, t, n_threads, level, t == 0 ? c : NULL};
	for (size_t t = 1; t < n_threads; t++)
		started[t] = pthread_create(&tid[t], NULL, deflate_blocks, &d[t]) == 0;
	deflate_blocks(&d[0]);
	for (size_t t = 1; t < n_threads; t++)
		if (started[t])
			pthread_join(tid[t], NULL);
	/* Blocks of a thread that could not start or allocate are done here,
	 * then the members are closed up in order. */
	size_t used = 0;
	for (size_t i = 0; i < n_blocks; i++) {
		if (!member[i])
			deflate_block(&d[0], c, i);
		if (!member[i]) {
			free(buf);
			free(member);
			libdeflate_free_compressor(c);
			return pgo_fail(err, PGO_ERR_COMPRESSION, "gzip compression of %zu bytes failed", size);
		}
		if (used != i * slot)
			memmove(buf + used, buf + i * slot, member[i]);
		used += member[i];
	}
	free(member);
	libdeflate_free_compressor(c);
	*out = buf;
	*out_size = used;
	return PGO_OK;
}

typedef struct block {
	size_t in_at, in_size;   /* the deflate data */
	size_t out_at, out_size;
	uint32_t crc;
} block;

/* Lists the members if every one is a "PG" block; false otherwise. */
static bool list_blocks(const uint8_t *in, size_t size, size_t max_out, block **out, size_t *n_out, size_t *total)
{
	static const uint8_t fixed[] = {0x1f, 0x8b, 8, 4};
	block *blocks = NULL;
	size_t n = 0, cap = 0, pos = 0, out_at = 0;
	while (pos < size) {
		const uint8_t *h = in + pos;
		if (size - pos < HEADER_SIZE + TRAILER_SIZE || memcmp(h, fixed, sizeof fixed) != 0 ||
		    h[10] != 8 || h[11] != 0 || h[12] != 'P' || h[13] != 'G' || h[14] != 4 || h[15] != 0)
			goto no;
		uint32_t member = get32(h + 16);
		if (member < HEADER_SIZE + TRAILER_SIZE || member > size - pos)
			goto no;
		uint32_t isize = get32(h + member - 4);
		/* Our writer puts at most BLOCK_INPUT in a member: a larger one
		 * would be inflated whole before any check, so it is not ours. */
		if (isize > BLOCK_INPUT || isize > max_out - out_at)
			goto no; /* the sequential path reports the limit */
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			block *nb = realloc(blocks, ncap * sizeof *nb);
			if (!nb)
				goto no;
			blocks = nb;
			cap = ncap;
		}
		blocks[n++] = (block){pos + HEADER_SIZE, member - HEADER_SIZE - TRAILER_SIZE, out_at, isize,
		                      get32(h + member - 8)};
		out_at += isize;
		pos += member;
	}
	*out = blocks;
	*n_out = n;
	*total = out_at;
	return n > 0;
no:
	free(blocks);
	return false;
}

typedef struct worker {
	const uint8_t *in;
	uint8_t *out;
	const block *blocks;
	size_t first, count;
	size_t failed_at; /* index of the first bad block, or SIZE_MAX */
	bool nomem;       /* no decompressor: nothing was inflated */
} worker;

static void *inflate_blocks(void *arg)
{
	worker *w = arg;
	struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
	if (!d) {
		w->nomem = true;
		return NULL;
	}
	for (size_t i = w->first; i < w->first + w->count && w->failed_at == SIZE_MAX; i++) {
		const block *b = &w->blocks[i];
		size_t got = 0;
		if (libdeflate_deflate_decompress(d, w->in + b->in_at, b->in_size, w->out + b->out_at,
		                                  b->out_size, &got) != LIBDEFLATE_SUCCESS ||
		    got != b->out_size || libdeflate_crc32(0, w->out + b->out_at, got) != b->crc)
			w->failed_at = i;
	}
	libdeflate_free_decompressor(d);
	return NULL;
}

/* Inflates blocks [first, last), which hold `bytes` bytes, on two threads
 * when there are enough. *bad is the index of the first bad block or
 * SIZE_MAX; false when a decompressor could not be allocated. */
static bool inflate_run(const uint8_t *in, uint8_t *buf, const block *blocks, size_t first, size_t last,
                        size_t bytes, size_t *bad)
{
	if (bytes < PARALLEL_MIN) {
		worker w = {in, buf, blocks, first, last - first, SIZE_MAX, false};
		inflate_blocks(&w);
		*bad = w.failed_at;
		return !w.nomem;
	}
	/* Two halves by output size: this thread takes the second. */
	size_t split = first, acc = 0;
	while (split < last && acc + blocks[split].out_size <= bytes / 2)
		acc += blocks[split++].out_size;
	worker w[2] = {{in, buf, blocks, first, split - first, SIZE_MAX, false},
	               {in, buf, blocks, split, last - split, SIZE_MAX, false}};
	pthread_t t;
	bool threaded = pthread_create(&t, NULL, inflate_blocks, &w[0]) == 0;
	if (!threaded)
		inflate_blocks(&w[0]);
	inflate_blocks(&w[1]);
	if (threaded)
		pthread_join(t, NULL);
	*bad = w[0].failed_at != SIZE_MAX ? w[0].failed_at : w[1].failed_at;
	return !w[0].nomem && !w[1].nomem;
}

pgo_status pgo_gunzip_blocks(const uint8_t *in, size_t size, const char *name, size_t max_out,
                             pgo_wirecheck *check, uint8_t **out, size_t *out_size, pgo_error *err)
{
	block *blocks = NULL;
	size_t n = 0, total = 0;
	if (!list_blocks(in, size, max_out, &blocks, &n, &total))
		return PGO_ERR_ARGUMENT; /* not for this path */
	/* The buffer grows with the runs, so that a refused input never had
	 * the size its blocks claim. */
	uint8_t *buf = NULL;
	size_t cap = 0;
	pgo_status st = PGO_OK;
	size_t run = check ? BLOCK_INPUT : SIZE_MAX;
	for (size_t first = 0, last; first < n && !st; first = last, run = CHECKED_RUN) {
		size_t bytes = blocks[first].out_size;
		for (last = first + 1; last < n && bytes + blocks[last].out_size <= run; last++)
			bytes += blocks[last].out_size;
		size_t need = blocks[first].out_at + bytes;
		if (need > cap || !buf) {
			size_t ncap = cap * 2 > need ? (cap * 2 < total ? cap * 2 : total) : need;
			uint8_t *nb = realloc(buf, ncap ? ncap : 1);
			if (!nb) {
				st = pgo_fail(err, PGO_ERR_NOMEM, "%s: out of memory decompressing gzip", name);
				break;
			}
			buf = nb;
			cap = ncap;
		}
		size_t bad;
		if (!inflate_run(in, buf, blocks, first, last, bytes, &bad))
			st = pgo_fail(err, PGO_ERR_NOMEM, "%s: out of memory decompressing gzip", name);
		else if (bad != SIZE_MAX)
			st = pgo_fail(err, PGO_ERR_COMPRESSION, "%s: offset %zu: gzip member is corrupt or truncated", name,
			              blocks[bad].in_at - HEADER_SIZE);
		else if (check)
			st = pgo_wirecheck_feed(check, buf + blocks[first].out_at, bytes, err);
	}
	free(blocks);
	if (st) {
		free(buf);
		return st;
	}
	*out = buf;
	*out_size = total;
	return PGO_OK;
}

bool pgo_gzip_content_crc(const uint8_t *in, size_t size, uint32_t *crc, uint32_t *size32)
{
	if (size < HEADER_SIZE + TRAILER_SIZE || in[0] != 0x1f || in[1] != 0x8b || in[2] != 8)
		return false;
	block *blocks = NULL;
	size_t n = 0, total = 0;
	if (!list_blocks(in, size, SIZE_MAX, &blocks, &n, &total)) {
		/* One member, as Go and every common gzip writer make. */
		*crc = get32(in + size - 8);
		*size32 = get32(in + size - 4);
		return true;
	}
	/* Our own members: the CRC of the whole content, from theirs. */
	uLong c = (uLong)blocks[0].crc;
	for (size_t i = 1; i < n; i++)
		c = crc32_combine(c, (uLong)blocks[i].crc, (z_off_t)blocks[i].out_size);
	free(blocks);
	*crc = (uint32_t)c;
	*size32 = (uint32_t)total;
	return true;
}
