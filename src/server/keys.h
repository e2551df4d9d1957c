/* The server's API and application keys: where they come from, and the
 * check of a request's key headers. */
#ifndef PGO_KEYS_H
#define PGO_KEYS_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

#include "context.h"

/* Flags, then the environment, then DATA/keys (created 0600 when missing).
 * path gets the key file used, or "". Errors go to stderr; returns -1. */
int keys_resolve(server *srv, char *path, size_t path_size, bool *created);

/* Whether the request carries the API key (and, with app, the
 * application key), compared in constant time. Without app, a request
 * with no DD-API-KEY may carry the key in Authorization instead, as a
 * bearer token or a basic-auth password, as Pyroscope's SDKs send it. */
bool keys_match(const server *srv, struct MHD_Connection *c, bool app);

/* Equal keys or tokens, in time independent of where they differ; a NULL
 * given matches nothing. */
bool keys_equal(const char *given, const char *want);

#endif
