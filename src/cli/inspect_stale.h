/*
 * The staleness section of `pgotool inspect --binary BIN`: whether the
 * profile's hot call sites still point at the same code, judged against a
 * Go binary of today's code built without PGO.
 */
#ifndef PGO_INSPECT_STALE_H
#define PGO_INSPECT_STALE_H

#include <jansson.h>
#include <stdio.h>

#include "gobinary.h"
#include "pgo.h"

typedef struct inspect_stale {
	const char *path;  /* the binary, as given */
	pgo_gobinary *bin; /* NULL until built */
	pgo_staleness s;
} inspect_stale;

/* Reads the binary at path and compares the hot edges (e, hot, from p) with
 * its functions. Errors name the binary and say how to build one. */
pgo_status inspect_stale_build(inspect_stale *st, const char *path, const pgo_profile *p, const pgo_edges *e,
                               const pgo_hot *hot, pgo_error *err);
void inspect_stale_free(inspect_stale *st);

/* The share as text: 4 decimals, never rounded up to 1 when below it. */
void inspect_stale_share(char *buf, size_t n, double share);

/* How the report prints weights and names (in at most width columns). */
typedef struct inspect_stale_format {
	void (*weight)(const void *ctx, char *buf, size_t n, int64_t w);
	void (*name)(char *buf, size_t n, const char *name, size_t width);
	const void *ctx;
} inspect_stale_format;

/* The text section, within width columns; top rows of stale sites (0: all). */
void inspect_stale_text(const inspect_stale *st, const pgo_profile *p, const pgo_edges *e, size_t top,
                        size_t width, const inspect_stale_format *fmt, FILE *f);
/* The JSON object; top rows of stale sites (0: all). str makes a JSON
 * string of bytes that may not be UTF-8. */
json_t *inspect_stale_json(const inspect_stale *st, const pgo_profile *p, const pgo_edges *e, size_t top,
                           json_t *(*str)(const char *v, size_t len));

#endif
