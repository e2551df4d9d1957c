/*
 * The allocation-failure driver: runs a scenario once to learn its result,
 * then again with allocation 1 failing, then 2, ... until a run makes no
 * more allocations than N, in each mode (see inject.c). Every run is in a
 * child process, so that a crash is reported with its N and the rest go on.
 */
#ifndef PGO_INJECT_H
#define PGO_INJECT_H

#include "pgo.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a run computed: bytes that must match the reference run's. */
typedef struct oom_blob {
	uint8_t *data; /* freed with free() after the run, unless borrowed */
	size_t size;
	bool borrowed; /* data points into the scenario's context */
} oom_blob;

typedef struct oom_scenario {
	const char *name;
	bool threaded; /* starts threads when it may: also run with them */
	/* What the run returns without failures: PGO_OK, or the error an
	 * invalid input gets (then each run must give it or out of memory). */
	pgo_status expect;
	/* Builds the inputs, outside the injected runs; NULL on failure. */
	void *(*setup)(void);
	/* The injected part: library calls only, each failure cleaned up and
	 * returned, with err filled. Must not modify ctx. */
	pgo_status (*run)(void *ctx, oom_blob *out, pgo_error *err);
	void (*teardown)(void *ctx);
} oom_scenario;

typedef struct oom_stats {
	uint64_t points;    /* allocations in one run (the once mode's N range) */
	uint64_t runs;      /* injected runs over all modes */
	uint64_t recovered; /* runs where a failed allocation did not fail the call */
	uint64_t failures;  /* runs that broke a rule */
	double seconds;
} oom_stats;

/* Runs every N in every mode; prints each broken rule. Returns stats.failures. */
uint64_t oom_run(const oom_scenario *sc, oom_stats *stats);

/*
 * For a status-only call (no pgo_error argument): fills err from the
 * status so that the driver's message check applies to the caller.
 */
pgo_status oom_bare(pgo_status st, pgo_error *err, const char *what);

#endif
