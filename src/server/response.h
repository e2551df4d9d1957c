/*
 * How a handler answers a request: the small API that handlers depend on,
 * instead of on the router.
 */
#ifndef PGO_RESPONSE_H
#define PGO_RESPONSE_H

#include <microhttpd.h>

#include "context.h"

#include <jansson.h>

typedef struct http_header {
	const char *name, *value;
} http_header;

/* The web UI's Content-Security-Policy: its own scripts, styles and data only. */
#define UI_CSP                                                                                                   \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "   \
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

/* j as compact JSON text (malloc'd), with <, > and & escaped as \u003c,
 * \u003e and \u0026, so that no answer reads as HTML whatever it echoes. */
char *json_dump_safe(const json_t *j);

/* Queues a response that takes ownership of body (malloc'd, may be NULL). */
enum MHD_Result respond(request *r, struct MHD_Connection *c, unsigned status, const char *content_type,
                        char *body, size_t len);

/* The same, with extra headers (ending with a {NULL} entry; may be NULL). */
enum MHD_Result respond_with(request *r, struct MHD_Connection *c, unsigned status, const char *content_type,
                             char *body, size_t len, const http_header *extra);

/* Answers the JSON document j (its reference is taken) as json_dump_safe writes it. */
enum MHD_Result respond_json(request *r, struct MHD_Connection *c, unsigned status, json_t *j,
                             const http_header *extra);

/* Queues a constant JSON text. */
enum MHD_Result respond_json_text(request *r, struct MHD_Connection *c, unsigned status, const char *text);

/* {"errors": ["message"]} with the given status; the message, escaped, is
 * also the request's reason in the log. A 503 carries Retry-After. A 405
 * carries Allow: allow (only respond_not_allowed gives it). */
enum MHD_Result respond_error(request *r, struct MHD_Connection *c, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
enum MHD_Result respond_not_allowed(request *r, struct MHD_Connection *c, const char *allow);

/* The open file fd (from offset 0, size bytes) as the body; the response
 * closes it. */
enum MHD_Result respond_file(request *r, struct MHD_Connection *c, unsigned status, const char *content_type, int fd,
                             size_t size);

/* Queues a response made by the handler (e.g. from a callback, streamed);
 * its size is not known ahead. */
enum MHD_Result respond_stream(request *r, struct MHD_Connection *c, unsigned status, const char *content_type,
                               struct MHD_Response *resp);

/* Seconds a client should wait before it retries a 503. */
#define RETRY_AFTER_S "5"

#endif
