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
 * attachment (cpu.pprof checked as pgo_decode checks it and its values
 * summed for its CPU metrics, by pgo_sum_values; every compressed
 * attachment inflated, within UPLOAD_MAX_INFLATED, and dropped), then
 * fills *out, which borrows from u. now_ns is the store's clock. The ids
 * are left for the caller (upload_set_id). 0, or an HTTP status.
 */
int upload_finish(upload *u, int64_t now_ns, store_upload *out);

/* Sets the profile id and adds its profile-id tag, which is always kept. */
int upload_set_id(upload *u, store_upload *out, const char *profile_id);

const char *upload_error(const upload *u);

#endif
