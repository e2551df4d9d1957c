/*
 * floor: the least work a merge of these inputs into this output can do,
 * timed as the benchmark's floor for `pgotool merge`.
 *
 *     floor [-t THREADS] [-l LEVEL] RAW_OUTPUT INPUT...
 *
 * Reads every gzip'd INPUT and decompresses it, then reads RAW_OUTPUT (the
 * merge's output, decompressed) and gzips it as libpgo does: libdeflate at
 * LEVEL (default 6), independent members of 1 MiB of input each with a CRC
 * (lib/gzip_blocks.c's format), on THREADS threads (default 1). Inputs are
 * split into their members when they are in that block format (each member
 * names its size), so that both phases use every thread. Nothing is
 * decoded, merged or written: what is left is the time to get the bytes in
 * and out with the same library, level and threads. Prints the sizes and
 * the time of each phase on standard output.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#endif
#include <libdeflate.h>
#include <pthread.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_io.h"

#define BLOCK_INPUT (1u << 20) /* as lib/gzip_blocks.c */
#define HEADER_SIZE 20
#define TRAILER_SIZE 8
#define MAX_THREADS 64

static void die(const char *msg, const char *detail)
{
	fprintf(stderr, "floor: %s%s%s\n", msg, detail ? ": " : "", detail ? detail : "");
	exit(1);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint8_t *read_file(const char *path, size_t *size)
{
	const char *why;
	uint8_t *buf = bench_read_file(path, size, &why);
	if (!buf)
		die(path, why);
	return buf;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* A unit of decompression: one member in the block format, else a whole file. */
typedef struct unit {
	const uint8_t *in;
	size_t in_size;
	uint8_t *out;
	size_t out_size;
} unit;

typedef struct job {
	unit *units;
	size_t n_units;
	const uint8_t *raw; /* the output to compress */
	size_t raw_size, n_blocks, slot;
	uint8_t *gz;        /* n_blocks slots of `slot` bytes */
	size_t *gz_size;
	int level;
	atomic_size_t next;
	atomic_int failed;
} job;

static void inflate_unit(struct libdeflate_decompressor *d, unit *u)
{
	size_t cap = u->in_size >= 4 ? get32(u->in + u->in_size - 4) : 0;
	if (cap < u->in_size)
		cap = u->in_size * 4;
	uint8_t *out = malloc(cap);
	size_t pos = 0, used = 0;
	while (out && pos < u->in_size) {
		size_t in_n = 0, out_n = 0;
		enum libdeflate_result r = libdeflate_gzip_decompress_ex(d, u->in + pos, u->in_size - pos, out + used,
		                                                          cap - used, &in_n, &out_n);
		if (r == LIBDEFLATE_INSUFFICIENT_SPACE) {
			cap *= 2;
			uint8_t *nb = realloc(out, cap);
			if (!nb)
				break;
			out = nb;
			continue;
		}
		if (r != LIBDEFLATE_SUCCESS)
			die("an input is not valid gzip", NULL);
		pos += in_n;
		used += out_n;
	}
	if (!out || pos < u->in_size)
		die("out of memory", NULL);
	u->out = out;
	u->out_size = used;
}

static void *inflate_worker(void *arg)
{
	job *j = arg;
	struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
	if (!d)
		die("out of memory", NULL);
	for (size_t i; (i = atomic_fetch_add(&j->next, 1)) < j->n_units;)
		inflate_unit(d, &j->units[i]);
	libdeflate_free_decompressor(d);
	return NULL;
}

static void *deflate_worker(void *arg)
{
	job *j = arg;
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(j->level);
	if (!c)
		die("out of memory", NULL);
	static const uint8_t fixed[] = {0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 255, 8, 0, 'P', 'G', 4, 0};
	for (size_t i; (i = atomic_fetch_add(&j->next, 1)) < j->n_blocks;) {
		const uint8_t *in = j->raw + i * BLOCK_INPUT;
		size_t in_size = j->raw_size - i * BLOCK_INPUT < BLOCK_INPUT ? j->raw_size - i * BLOCK_INPUT : BLOCK_INPUT;
		uint8_t *h = j->gz + i * j->slot;
		size_t n = libdeflate_deflate_compress(c, in, in_size, h + HEADER_SIZE, j->slot - HEADER_SIZE - TRAILER_SIZE);
		if (n == 0)
			die("compression failed", NULL);
		memcpy(h, fixed, sizeof fixed);
		put32(h + 16, (uint32_t)(HEADER_SIZE + n + TRAILER_SIZE));
		put32(h + HEADER_SIZE + n, libdeflate_crc32(0, in, in_size));
		put32(h + HEADER_SIZE + n + 4, (uint32_t)in_size);
		j->gz_size[i] = HEADER_SIZE + n + TRAILER_SIZE;
	}
	libdeflate_free_compressor(c);
	return NULL;
}

/* Runs fn on `threads` threads, this one included. */
static void run_threads(int threads, void *(*fn)(void *), job *j)
{
	pthread_t t[MAX_THREADS];
	atomic_store(&j->next, 0);
	for (int i = 1; i < threads; i++)
		if (pthread_create(&t[i], NULL, fn, j) != 0)
			die("cannot start a thread", NULL);
	fn(j);
	for (int i = 1; i < threads; i++)
		pthread_join(t[i], NULL);
}

/* Splits a file into its members when every one is a "PG" block; else one unit. */
static void add_units(job *j, size_t *cap, const uint8_t *in, size_t size)
{
	size_t first = j->n_units, pos = 0;
	while (pos < size) {
		const uint8_t *h = in + pos;
		if (size - pos < HEADER_SIZE + TRAILER_SIZE || h[0] != 0x1f || h[1] != 0x8b || h[3] != 4 ||
		    h[12] != 'P' || h[13] != 'G')
			break;
		uint32_t member = get32(h + 16);
		if (member < HEADER_SIZE + TRAILER_SIZE || member > size - pos)
			break;
		if (j->n_units == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			j->units = realloc(j->units, *cap * sizeof *j->units);
			if (!j->units)
				die("out of memory", NULL);
		}
		j->units[j->n_units++] = (unit){h, member, NULL, 0};
		pos += member;
	}
	if (pos < size) { /* not (only) blocks: the file whole */
		j->n_units = first;
		if (j->n_units == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			j->units = realloc(j->units, *cap * sizeof *j->units);
			if (!j->units)
				die("out of memory", NULL);
		}
		j->units[j->n_units++] = (unit){in, size, NULL, 0};
	}
}

int main(int argc, char **argv)
{
	int threads = 1, level = 6, a = 1;
	for (; a + 1 < argc && argv[a][0] == '-'; a += 2) {
		if (strcmp(argv[a], "-t") == 0)
			threads = atoi(argv[a + 1]);
		else if (strcmp(argv[a], "-l") == 0)
			level = atoi(argv[a + 1]);
		else
			die("unknown option", argv[a]);
	}
	if (argc - a < 2 || threads < 1 || threads > MAX_THREADS || level < 1 || level > 12) {
		fprintf(stderr, "usage: floor [-t THREADS 1..%d] [-l LEVEL 1..12] RAW_OUTPUT INPUT...\n", MAX_THREADS);
		return 2;
	}
	job j;
	memset(&j, 0, sizeof j);
	j.level = level;
	size_t cap = 0, gz_in = 0, raw_in = 0;
	double t0 = now();
	int n_files = argc - a - 1;
	uint8_t **files = calloc((size_t)n_files, sizeof *files);
	for (int i = 0; i < n_files; i++) {
		size_t size;
		files[i] = read_file(argv[a + 1 + i], &size);
		gz_in += size;
		add_units(&j, &cap, files[i], size);
	}
	run_threads(threads, inflate_worker, &j);
	for (size_t i = 0; i < j.n_units; i++)
		raw_in += j.units[i].out_size;
	double t1 = now();

	uint8_t *raw = read_file(argv[a], &j.raw_size);
	j.raw = raw;
	j.n_blocks = j.raw_size ? (j.raw_size + BLOCK_INPUT - 1) / BLOCK_INPUT : 1;
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(level);
	if (!c)
		die("out of memory", NULL);
	j.slot = HEADER_SIZE + TRAILER_SIZE + libdeflate_deflate_compress_bound(c, BLOCK_INPUT);
	libdeflate_free_compressor(c);
	j.gz = malloc(j.n_blocks * j.slot);
	j.gz_size = calloc(j.n_blocks, sizeof *j.gz_size);
	if (!j.gz || !j.gz_size)
		die("out of memory", NULL);
	run_threads(threads, deflate_worker, &j);
	size_t gz_out = 0; /* one stream, as the merge writes it */
	for (size_t i = 0; i < j.n_blocks; i++) {
		memmove(j.gz + gz_out, j.gz + i * j.slot, j.gz_size[i]);
		gz_out += j.gz_size[i];
	}
	double t2 = now();

	printf("floor: %d inputs, %.2f MB gzip -> %.2f MB raw in %zu units, %.3f s; output %.2f MB raw -> %.2f MB "
	       "gzip (level %d, %zu blocks), %.3f s; %d threads; total %.3f s\n",
	       n_files, gz_in / 1e6, raw_in / 1e6, j.n_units, t1 - t0, j.raw_size / 1e6, gz_out / 1e6, level,
	       j.n_blocks, t2 - t1, threads, t2 - t0);
	for (size_t i = 0; i < j.n_units; i++)
		free(j.units[i].out);
	for (int i = 0; i < n_files; i++)
		free(files[i]);
	free(files);
	free(j.units);
	free(j.gz);
	free(j.gz_size);
	free(raw);
	return 0;
}
