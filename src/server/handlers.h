/*
 * The request handlers the route table points at. Each depends only on
 * response.h; the router calls them.
 */
#ifndef PGO_HANDLERS_H
#define PGO_HANDLERS_H

#include <microhttpd.h>
#include <stdint.h>

#include "context.h"

/* Intake streams its body: begin on the headers (0 to go on, or -1 when it
 * queued a refusal), feed each piece (0, or an HTTP status with
 * r->deferred), finish when the body has ended, and cleanup always. */
int intake_begin(request *r, struct MHD_Connection *c);
int intake_feed(request *r, const uint8_t *data, size_t size);
enum MHD_Result intake_finish(request *r, struct MHD_Connection *c);
void intake_cleanup(request *r);
/* Gives a checked upload its ids, stores it durably and answers 200. */
enum MHD_Result intake_store(request *r, struct MHD_Connection *c, store_upload *u);

/* Pyroscope's push (push.c): its query is read with the headers, and its
 * body streams like an intake upload's (intake_feed); see pyroscope.h. */
int push_begin(request *r, struct MHD_Connection *c);
enum MHD_Result push_finish(request *r, struct MHD_Connection *c);
void push_cleanup(request *r);

/* The query API, on a whole JSON body (api.c). */
enum MHD_Result handle_list(request *r, struct MHD_Connection *c);
enum MHD_Result handle_gopgo(request *r, struct MHD_Connection *c);
enum MHD_Result handle_download(request *r, struct MHD_Connection *c);

/* What a Go tracer asks an agent, answered without storing (agent.c). */
enum MHD_Result handle_info(request *r, struct MHD_Connection *c);
enum MHD_Result handle_traces(request *r, struct MHD_Connection *c);
enum MHD_Result handle_accepted(request *r, struct MHD_Connection *c);

#endif
