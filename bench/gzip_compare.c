/*
 * gzip_compare: zlib against libdeflate on one file, for the choice of the
 * gzip implementation in libpgo.
 *
 *     gzip_compare FILE [REPEATS]
 *
 * FILE may be gzip'd (it is decompressed first, with zlib) or raw; the raw
 * bytes are then gzip-compressed and decompressed by each library at
 * comparable levels. Each figure is the median of REPEATS runs (default 5).
 * Output: one tab-separated line per (library, level) with the compressed
 * size, compression and decompression times and throughputs.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime, mkdir */
#endif
#include <libdeflate.h>
#include <zlib.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_io.h"

static void die(const char *msg, const char *detail)
{
	fprintf(stderr, "gzip_compare: %s%s%s\n", msg, detail ? ": " : "", detail ? detail : "");
	exit(1);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static uint8_t *read_file(const char *path, size_t *size)
{
	const char *why;
	uint8_t *buf = bench_read_file(path, size, &why);
	if (!buf)
		die(path, why);
	return buf;
}

/* zlib, one shot, gzip wrapper (windowBits 15 + 16). */
static size_t zlib_gzip(const uint8_t *in, size_t n, int level, uint8_t *out, size_t cap)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		die("deflateInit2 failed", NULL);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		die("deflate did not finish", NULL);
	size_t size = z.total_out;
	deflateEnd(&z);
	return size;
}

static size_t zlib_gunzip(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		die("inflateInit2 failed", NULL);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	int rc = inflate(&z, Z_FINISH);
	if (rc != Z_STREAM_END)
		die("inflate failed", z.msg);
	size_t size = z.total_out;
	inflateEnd(&z);
	return size;
}

/* Decompresses a gzip input of unknown size (possibly multi-member). */
static uint8_t *gunzip_any(const uint8_t *in, size_t n, size_t *out_size)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		die("inflateInit2 failed", NULL);
	size_t cap = n * 4 + 4096;
	uint8_t *out = malloc(cap);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	for (;;) {
		if (!out)
			die("out of memory", NULL);
		z.next_out = out + z.total_out;
		z.avail_out = (uInt)(cap - z.total_out);
		int rc = inflate(&z, Z_NO_FLUSH);
		if (rc == Z_STREAM_END) {
			if (z.avail_in == 0)
				break;
			inflateReset(&z); /* next member */
			continue;
		}
		if (rc != Z_OK && rc != Z_BUF_ERROR)
			die("input is not valid gzip", z.msg);
		if (z.avail_out == 0) {
			cap *= 2;
			out = realloc(out, cap);
		} else if (rc == Z_BUF_ERROR) {
			die("truncated gzip input", NULL);
		}
	}
	*out_size = z.total_out;
	inflateEnd(&z);
	return out;
}

typedef struct result {
	const char *lib;
	int level;
	size_t size;
	double c_sec, d_sec;
} result;

static void print_result(const result *r, size_t raw)
{
	printf("%s\t%d\t%zu\t%.3f\t%.2f\t%.1f\t%.2f\t%.0f\n", r->lib, r->level, r->size,
	       (double)raw / (double)r->size, r->c_sec * 1e3, (double)raw / r->c_sec / 1e6,
	       r->d_sec * 1e3, (double)raw / r->d_sec / 1e6);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: gzip_compare FILE [REPEATS]\n");
		return 2;
	}
	int reps = argc == 3 ? atoi(argv[2]) : 5;
	if (reps < 1 || reps > 1000)
		die("REPEATS must be 1..1000", argv[2]);

	size_t in_size;
	uint8_t *in = read_file(argv[1], &in_size);
	size_t raw_size = in_size;
	uint8_t *raw = in;
	if (in_size >= 2 && in[0] == 0x1f && in[1] == 0x8b) {
		raw = gunzip_any(in, in_size, &raw_size);
		free(in);
	}

	size_t cap = raw_size + raw_size / 100 + 4096;
	uint8_t *comp = malloc(cap);
	uint8_t *back = malloc(raw_size + 1);
	double *ct = malloc((size_t)reps * sizeof *ct), *dt = malloc((size_t)reps * sizeof *dt);
	if (!comp || !back || !ct || !dt)
		die("out of memory", NULL);

	printf("# input %s: %zu raw bytes; median of %d runs; zlib %s, libdeflate %s\n", argv[1],
	       raw_size, reps, zlibVersion(), LIBDEFLATE_VERSION_STRING);
	printf("# library\tlevel\tbytes\tratio\tcompress_ms\tcompress_MB/s\tdecompress_ms\tdecompress_MB/s\n");

	static const int zlib_levels[] = {1, 6, 9};
	for (size_t li = 0; li < sizeof zlib_levels / sizeof *zlib_levels; li++) {
		result r = {"zlib", zlib_levels[li], 0, 0, 0};
		for (int k = 0; k < reps; k++) {
			double t0 = now();
			r.size = zlib_gzip(raw, raw_size, r.level, comp, cap);
			double t1 = now();
			size_t n = zlib_gunzip(comp, r.size, back, raw_size + 1);
			double t2 = now();
			if (n != raw_size || memcmp(back, raw, raw_size) != 0)
				die("zlib round trip mismatch", NULL);
			ct[k] = t1 - t0;
			dt[k] = t2 - t1;
		}
		r.c_sec = median(ct, reps);
		r.d_sec = median(dt, reps);
		print_result(&r, raw_size);
	}

	static const int deflate_levels[] = {1, 6, 9, 12};
	struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
	if (!d)
		die("libdeflate_alloc_decompressor failed", NULL);
	for (size_t li = 0; li < sizeof deflate_levels / sizeof *deflate_levels; li++) {
		result r = {"libdeflate", deflate_levels[li], 0, 0, 0};
		for (int k = 0; k < reps; k++) {
			double t0 = now();
			/* Allocating the compressor is part of the cost of one call. */
			struct libdeflate_compressor *c = libdeflate_alloc_compressor(r.level);
			if (!c)
				die("libdeflate_alloc_compressor failed", NULL);
			r.size = libdeflate_gzip_compress(c, raw, raw_size, comp, cap);
			libdeflate_free_compressor(c);
			double t1 = now();
			if (r.size == 0)
				die("libdeflate_gzip_compress: output buffer too small", NULL);
			size_t n = 0;
			enum libdeflate_result rc = libdeflate_gzip_decompress(d, comp, r.size, back, raw_size + 1, &n);
			double t2 = now();
			if (rc != LIBDEFLATE_SUCCESS || n != raw_size || memcmp(back, raw, raw_size) != 0)
				die("libdeflate round trip mismatch", NULL);
			ct[k] = t1 - t0;
			dt[k] = t2 - t1;
		}
		r.c_sec = median(ct, reps);
		r.d_sec = median(dt, reps);
		print_result(&r, raw_size);
	}
	libdeflate_free_decompressor(d);

	free(raw);
	free(comp);
	free(back);
	free(ct);
	free(dt);
	return 0;
}
