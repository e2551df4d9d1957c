/*
 * gzip_levels: the output's gzip level, measured. For one profile (gzip or
 * raw) it compresses the raw bytes as pgotool writes its output, at each
 * level, and prints the size and the median time of REPEATS runs.
 *
 *     gzip_levels FILE [THREADS [REPEATS]]
 *
 * Output: one tab-separated line per level: level, bytes, ratio (raw over
 * gzip), then the medians of the wall time and of the process's CPU time
 * in seconds. CPU time is the work itself: on a busy machine the wall time
 * also counts the waits for a core.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_io.h"
#include "pgo.h"

static double now(clockid_t clock)
{
	struct timespec t;
	clock_gettime(clock, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: gzip_levels FILE [THREADS [REPEATS]]\n");
		return 2;
	}
	int threads = argc > 2 ? atoi(argv[2]) : 2, repeats = argc > 3 ? atoi(argv[3]) : 3;
	if (repeats < 1 || repeats > 100)
		repeats = 3;
	const char *why;
	size_t size = 0;
	uint8_t *file = bench_read_file(argv[1], &size, &why);
	if (!file) {
		fprintf(stderr, "gzip_levels: %s: %s\n", argv[1], why);
		return 1;
	}
	pgo_error err = {0};
	uint8_t *raw;
	size_t n;
	if (pgo_decompress(file, size, argv[1], (size_t)1 << 32, &raw, &n, &err)) {
		fprintf(stderr, "gzip_levels: %s\n", err.message);
		return 1;
	}
	free(file);
	printf("# %s: %zu raw bytes, %d threads, median of %d\n# level\tbytes\tratio\twall_s\tcpu_s\n", argv[1], n,
	       threads, repeats);
	static const int levels[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 12};
	for (size_t l = 0; l < sizeof levels / sizeof *levels; l++) {
		double t[100], cpu[100];
		size_t out_size = 0;
		for (int r = 0; r < repeats; r++) {
			uint8_t *out;
			double t0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
			if (pgo_gzip_threads(raw, n, levels[l], threads, &out, &out_size, &err)) {
				fprintf(stderr, "gzip_levels: %s\n", err.message);
				return 1;
			}
			t[r] = now(CLOCK_MONOTONIC) - t0;
			cpu[r] = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
			free(out);
		}
		qsort(t, (size_t)repeats, sizeof *t, cmp);
		qsort(cpu, (size_t)repeats, sizeof *cpu, cmp);
		printf("%d\t%zu\t%.2f\t%.3f\t%.3f\n", levels[l], out_size, (double)n / (double)out_size, t[repeats / 2],
		       cpu[repeats / 2]);
		fflush(stdout);
	}
	free(raw);
	return 0;
}
