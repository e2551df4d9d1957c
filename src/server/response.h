/*
 * How a handler answers a request: the small API that handlers depend on,
 * instead of on the router.
 */
#ifndef PGO_RESPONSE_H
#define PGO_RESPONSE_H

#include <microhttpd.h>

#include "context.h"

/* Queues a response that takes ownership of body (malloc'd, may be NULL). */
enum MHD_Result respond(request *r, struct MHD_Connection *c, unsigned status, const char *content_type,
                        char *body, size_t len);

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
