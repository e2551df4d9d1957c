/*
 * mkprofile OUTFILE STACK=COUNT/NS...: writes a small CPU profile (raw
 * pprof; samples/count and cpu/nanoseconds, period 10ms) built with
 * libpgo's builders, for tests that need exact values. STACK is folded,
 * root first: "main.main;main.work". Each function sits in x.go with start
 * line 10, each frame at line 12 of its function. Values may be negative.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgo.h"

#define MAX_FRAMES 32

static void die(const char *what, const char *arg)
{
	fprintf(stderr, "mkprofile: %s: %s\n", what, arg);
	exit(2);
}

static uint32_t function(pgo_profile *p, const char *name)
{
	for (uint32_t i = 0; i < p->n_functions; i++)
		if (!strcmp(pgo_string(p, p->functions[i].name, NULL), name))
			return i;
	uint32_t fn;
	if (pgo_add_function(p, name, name, "x.go", 10, &fn))
		die("out of memory", name);
	return fn;
}

static uint32_t location(pgo_profile *p, const char *name)
{
	uint32_t fn = function(p, name);
	for (uint32_t i = 0; i < p->n_locations; i++)
		if (p->lines[p->locations[i].lines_at].function == fn)
			return i;
	pgo_line ln = {.function = fn, .line = 12};
	uint32_t loc;
	if (pgo_add_location(p, PGO_NONE, 0x1000 + 16 * (uint64_t)p->n_locations, &ln, 1, &loc))
		die("out of memory", name);
	return loc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: mkprofile OUTFILE STACK=COUNT/NS...\n");
		return 2;
	}
	pgo_profile *p = pgo_profile_new();
	if (!p || pgo_add_sample_type(p, "samples", "count") || pgo_add_sample_type(p, "cpu", "nanoseconds") ||
	    pgo_intern(p, "cpu", 3, &p->period_type.type) || pgo_intern(p, "nanoseconds", 11, &p->period_type.unit))
		die("out of memory", "profile");
	p->period = 10000000;
	p->duration_nanos = 1000000000;
	for (int a = 2; a < argc; a++) {
		char *spec = strdup(argv[a]);
		char *eq = spec ? strrchr(spec, '=') : NULL;
		if (!eq)
			die("want STACK=COUNT/NS", argv[a]);
		*eq = '\0';
		int64_t v[2];
		if (sscanf(eq + 1, "%" SCNd64 "/%" SCNd64, &v[0], &v[1]) != 2)
			die("want STACK=COUNT/NS", argv[a]);
		char *frames[MAX_FRAMES];
		uint32_t n = 0;
		for (char *f = strtok(spec, ";"); f; f = strtok(NULL, ";")) {
			if (n == MAX_FRAMES)
				die("too many frames", argv[a]);
			frames[n++] = f;
		}
		uint32_t locs[MAX_FRAMES];
		for (uint32_t i = 0; i < n; i++)
			locs[i] = location(p, frames[n - 1 - i]); /* leaf first */
		if (pgo_add_sample(p, locs, n, v, NULL, 0))
			die("out of memory", argv[a]);
		free(spec);
	}
	uint8_t *out = NULL;
	size_t size = 0;
	pgo_error err = {0};
	if (pgo_encode(p, 0, &out, &size, &err))
		die("cannot encode", err.message);
	FILE *f = fopen(argv[1], "wb");
	if (!f || fwrite(out, 1, size, f) != size || fclose(f) != 0)
		die(argv[1], strerror(errno));
	free(out);
	pgo_profile_free(p);
	return 0;
}
