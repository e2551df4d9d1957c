/*
 * HTTP requests with libcurl, made to behave like Go's http.DefaultClient
 * for what a CI job relies on, and sturdier:
 *  - TLS is verified; SSL_CERT_FILE and SSL_CERT_DIR replace the system's
 *    roots, as in Go.
 *  - HTTPS_PROXY, HTTP_PROXY and NO_PROXY (or their lower-case forms) pick
 *    the proxy as Go does; requests to localhost and loopback addresses are
 *    never proxied.
 *  - Everything, connecting included, stays inside one deadline.
 *  - Connection errors, 429 and 5xx are retried with exponential backoff
 *    and jitter while time remains, honouring Retry-After; other statuses
 *    are answers, not retried.
 */
#ifndef PGO_HTTP_CLIENT_H
#define PGO_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgo.h"

typedef struct http_request {
	const char *method;          /* "GET" or "POST" */
	const char *url;
	const char *const *headers;  /* "Name: value", NULL-terminated; may be NULL */
	const void *body;
	size_t body_len;
} http_request;

typedef struct http_response {
	long status;        /* 0 when no answer came */
	char *body;         /* malloc'd, NUL-terminated */
	size_t len;
	char *content_type; /* malloc'd or NULL */
	int attempts;
} http_response;

/* What one attempt did, for -v logs. */
typedef struct http_attempt {
	const http_request *req;
	int attempt;            /* 1, 2, ... */
	long status;            /* 0 on a transport error */
	const char *error;      /* the transport error, or NULL */
	double seconds;
	size_t bytes;
	double retry_in;        /* seconds until the next attempt, or -1 for none */
} http_attempt;

typedef struct http_options {
	int64_t deadline_ns;    /* CLOCK_MONOTONIC; every attempt and wait ends by then */
	const char *timeout_text; /* how the deadline was given ("1m0s"), for messages */
	const char *user_agent;
	size_t max_body;        /* larger answers fail */
	int max_attempts;       /* including the first */
	void (*on_attempt)(void *ctx, const http_attempt *a); /* may be NULL; may be called from several threads */
	void *ctx;
} http_options;

/* Once per process, before any thread uses the client. */
pgo_status http_global_init(pgo_error *err);

/* Monotonic now, in ns. */
int64_t http_now_ns(void);

/*
 * Sends req, retrying as described above, and returns the last answer in
 * *resp, whatever its status. Fails (PGO_ERR_NETWORK) only when no answer
 * came at all: connection errors on every attempt, or the deadline. The
 * message names the method, the URL and what went wrong.
 */
pgo_status http_send(const http_options *opt, const http_request *req, http_response *resp, pgo_error *err);
void http_response_free(http_response *resp);

/* An HTTP status's reason phrase ("Forbidden"), or "". */
const char *http_reason(long status);

#endif
