/*
 * One profile upload, read as it streams in: the multipart body that
 * dd-trace-go sends to an agent (an "event" part holding event.json, and
 * one part per attachment), checked and turned into a store_upload.
 *
 * No HTTP and no store here, so that it can be fuzzed: the caller feeds
 * the body in pieces, and says through hold() how much memory it may keep.
 * Every failure carries the HTTP status it deserves and a message that
 * names the part, field or offset and the rule.
 */
#ifndef PGO_UPLOAD_H
#define PGO_UPLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Documented limits (README, "Limits"). */
#define UPLOAD_MAX_PARTS 32
#define UPLOAD_MAX_EVENT ((size_t)1 << 20)        /* event.json */
#define UPLOAD_MAX_TAGS 256                       /* from the profiler and the agent */
#define UPLOAD_MAX_TAG_BYTES 512
#define UPLOAD_MAX_INFLATED ((size_t)64 << 20)     /* any attachment, decompressed */
#define UPLOAD_MAX_CORES 4096                      /* more than any machine a profile comes from */

typedef struct upload upload;

/* May the upload keep `held` bytes in all? 0 yes, -1 no (the server is full). */
typedef int (*upload_hold_fn)(void *ctx, size_t held);

/*
 * Starts an upload from its request headers: the Content-Type (which
 * must be multipart/form-data with a boundary), the agent's
 * X-Datadog-Additional-Tags (may be NULL), and the body limit. Returns
 * NULL with *status (400, 415 or 500) and a message when the headers
 * alone refuse it.
 */
upload *upload_new(const char *content_type, const char *agent_tags, size_t max_body, upload_hold_fn hold,
                   void *hold_ctx, int *status, char *err, size_t err_size);
void upload_free(upload *u);

/* The next bytes of the body: 0, or an HTTP status (400, 413, 500, 503)
 * with upload_error(). After a failure it keeps returning it. */
int upload_feed(upload *u, const uint8_t *data, size_t size);

/*
 * The body has ended: checks the parts, event.json, the tags and every
 * attachment kept (keep: comma-separated names, or NULL for all; the others
 * are dropped unread, but cpu.pprof is always summed) (cpu.pprof checked as pgo_decode checks it and its values
 * summed for its CPU metrics, by pgo_sum_values; every compressed
 * attachment inflated, within UPLOAD_MAX_INFLATED, and dropped), then
 * fills *out, which borrows from u. now_ns is the store's clock. The ids
 * are left for the caller (upload_set_id). 0, or an HTTP status.
 */
int upload_finish(upload *u, int64_t now_ns, const char *keep, store_upload *out);

/* A CPU profile that comes without Datadog's event.json: a Pyroscope push,
 * or a scrape of net/http/pprof. */
typedef struct profile_meta {
	char *const *tags;        /* "key:value", service first */
	size_t n_tags;
	int64_t from_ns, until_ns; /* Unix ns; 0: now */
	const char *source;       /* the source: tag, "pyroscope" or "scraper" */
	bool go;                  /* add runtime:go and language:go */
} profile_meta;

/*
 * The body has ended (a push's multipart body, or a part put with
 * upload_put_part): its part `profile` is checked and summed like
 * cpu.pprof and stored under that name, with meta's tags, source:SOURCE,
 * runtime:go and language:go when meta says Go, and an event.json made for
 * it. A profile without cpu/nanoseconds is refused with 422. 0, or an HTTP
 * status.
 */
int upload_finish_profile(upload *u, const profile_meta *meta, int64_t now_ns, store_upload *out);

/* An upload without a body to parse: its parts are put whole. */
upload *upload_new_direct(size_t max_body);
/* Adds a part, taking data (malloc'd). 0, or an HTTP status. */
int upload_put_part(upload *u, const char *name, uint8_t *data, size_t size);

/* Sets the profile id and adds its profile-id tag, which is always kept. */
int upload_set_id(upload *u, store_upload *out, const char *profile_id);

const char *upload_error(const upload *u);

/* The service the upload names ("service:X" in its tags or event.json's
 * tags_profiler), copied into out; "" when it names none or was not read
 * that far. For the log line of a refused upload. */
void upload_service(const upload *u, char *out, size_t size);

#endif
