/* What the request handlers share: the server's state and how to answer. */
#ifndef PGO_HTTP_H
#define PGO_HTTP_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

#include "server.h"
#include "store.h"

typedef struct server {
	const serve_options *o;
	pgo_store *store;
	char api_key[128];
	char app_key[128];
} server;

/* One request being read; the body is kept whole (bounded by max_body). */
typedef struct request {
	server *srv;
	char *body;
	size_t len, cap;
	bool too_big;
	bool begun;               /* the access handler has seen this request */
	int status;               /* set when a response is queued, for the log; 0: refused by MHD */
	size_t bytes_out;
	double started;           /* monotonic seconds */
	char method[16];
	char path[256];
	struct MHD_PostProcessor *post;
	struct upload_parts *parts; /* intake only */
} request;

/* Queues a response that takes ownership of body (malloc'd, may be NULL). */
enum MHD_Result respond(request *r, struct MHD_Connection *c, unsigned status, const char *content_type,
                        char *body, size_t len);
/* {"errors": ["message"]} with the given status. */
enum MHD_Result respond_error(request *r, struct MHD_Connection *c, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Handlers (intake.c, api.c). */
enum MHD_Result handle_intake(request *r, struct MHD_Connection *c);
void intake_free(request *r);
enum MHD_Result handle_list(request *r, struct MHD_Connection *c);
enum MHD_Result handle_gopgo(request *r, struct MHD_Connection *c);
enum MHD_Result handle_download(request *r, struct MHD_Connection *c, const char *profile_id);

#endif
