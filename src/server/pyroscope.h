/*
 * Pyroscope's push, as github.com/grafana/pyroscope-go sends it:
 *   POST /ingest?name=APP{k=v,...}&from=T&until=T&spyName=gospy&...
 * with a multipart body whose part "profile" is a gzip'd pprof. This file
 * reads the query: the application name and labels become tags
 * (service:APP, k:v) and the times become Unix nanoseconds. No HTTP and no
 * store here, so that it can be fuzzed.
 */
#ifndef PGO_PYROSCOPE_H
#define PGO_PYROSCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PYRO_MAX_NAME 4096 /* the whole name= value */
#define PYRO_MAX_LABELS 64

typedef struct pyro_ingest {
	char *tags[PYRO_MAX_LABELS + 1]; /* "service:APP", then "k:v" per label, in the name's order */
	size_t n_tags;
	int64_t from_ns, until_ns;
	bool go; /* the Go SDK sent it (spyName gospy, or process.runtime.name=go) */
} pyro_ingest;

/*
 * Parses the query's values (URL-decoded; from, until and spy may be
 * NULL). Times are Unix seconds, milliseconds, microseconds or
 * nanoseconds, told apart by their size as Pyroscope's server does; a
 * missing one is 0. A legacy ".cpu" suffix on the application name is
 * dropped. Returns 0, or 400 with a message in err, or 500 (out of memory).
 */
int pyro_parse(const char *name, const char *from, const char *until, const char *spy, pyro_ingest *out, char *err,
               size_t err_size);
void pyro_free(pyro_ingest *in);

#endif
