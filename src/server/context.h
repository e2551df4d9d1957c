/*
 * What every part of the server shares: the server's state, and one
 * request as the router hands it to a handler.
 */
#ifndef PGO_SERVER_CONTEXT_H
#define PGO_SERVER_CONTEXT_H

#include <semaphore.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "budget.h"
#include "server.h"
#include "keyless.h"
#include "session.h"
#include "store.h"

typedef struct server {
	const serve_options *o;
	pgo_store *store;
	char api_key[128];
	char app_key[128];
	budget memory;       /* body bytes held across all requests in flight */
	session_table sessions; /* the web UI's signed-in browsers */
	keyless_log keyless;    /* warnings of uploads without the API key */
	sem_t decoders;      /* uploads being decoded at once: each may inflate 64 MiB */
} server;

struct route;
struct upload;

typedef struct request {
	server *srv;
	const struct route *route;
	char method[16];
	char path[256];
	double started;             /* monotonic seconds */
	bool begun;                 /* the router has seen its headers */
	bool ui;                    /* a web UI route: its answers carry the UI's security headers */
	int status;                 /* of the response queued; 0: refused by the HTTP layer */
	char reason[256];           /* an error response's message, for the log */
	uint64_t bytes_in;          /* body bytes read */
	size_t bytes_out;
	/* the body, for routes that take it whole */
	char *body;
	size_t len, cap;
	size_t held;                /* bytes of server.memory this request holds */
	bool small;                 /* it declared a Content-Length within BUDGET_SMALL */
	/* a refusal decided while the body streams, answered at its end */
	/* an upload's, for the log line: its service tag and the ids it got */
	char service[96];
	char profile_id[40];
	int deferred_status;
	char deferred[512];
	struct upload *upload;      /* intake */
	struct pyro_ingest *push;   /* a Pyroscope push's query */
} request;

#endif
