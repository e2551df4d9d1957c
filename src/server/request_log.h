/* The server's log: one line a request and a line an event, as text or
 * JSON on stdout, with everything from outside escaped. */
#ifndef PGO_REQUEST_LOG_H
#define PGO_REQUEST_LOG_H

#include "context.h"

void log_line(const serve_options *o, const char *level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The request's line: method, path, status, body bytes read and written,
 * time taken, and for an error its reason. */
void log_request(const request *r, double now);

double monotonic(void);
int64_t now_ns(void);

#endif
