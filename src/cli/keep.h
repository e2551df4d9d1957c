/*
 * -keep-if-unchanged for merge and fetch: whether the profile about to be
 * written would change what the compiler does, compared with the DEST
 * already there. Leaving DEST untouched when it would not keeps the Go
 * build cache warm (its keys hash the preprocessed profile, so any change
 * of weight rebuilds everything) and keeps a committed default.pgo's
 * history free of churn.
 */
#ifndef PGO_CLI_KEEP_H
#define PGO_CLI_KEEP_H

#include <stdbool.h>
#include <stddef.h>

#include "pgo.h"

#define KEEP_DEFAULT_OVERLAP 0.95

typedef struct keep_verdict {
	bool keep;          /* leave DEST as it is */
	bool existed;       /* DEST was there (then a replaced DEST was replaced, not created) */
	bool compared;      /* DEST decoded and was compared; overlap is set */
	double overlap;
	char reason[640];   /* why it is kept or replaced, for the log */
} keep_verdict;

/*
 * Compares next with the profile at dest. DEST is kept when it exists,
 * decodes, the compiler's decisions (pgo_diff, at the compiler's default
 * hot threshold) are the same, and the overlap is at least min_overlap.
 * A DEST that is missing, not a regular file, unreadable or not a profile
 * is replaced, and the verdict says so. Fails only when next's edges
 * cannot be computed or memory runs out.
 */
pgo_status keep_check(const char *dest, const pgo_profile *next, double min_overlap, keep_verdict *out,
                      pgo_error *err);

/*
 * "the compiler would decide the same", or what changes: "2 hot call
 * sites added, 1 removed; 1 hot callee added; 1 devirtualization target
 * changed".
 */
void keep_describe_decisions(const pgo_diff *d, char *out, size_t size);

/* The overlap with four decimals, rounded down so that it never reads as
 * more than it is (0.99996 is "0.9999", not "1.0000"). */
double keep_overlap_floor(double overlap);

#endif
