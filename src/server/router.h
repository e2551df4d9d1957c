/*
 * The route table and the libmicrohttpd callbacks that apply it. Every
 * route says its methods, path, auth and body limit, and the router
 * decides on the request's headers, before reading a byte of its body:
 * unknown path (404), wrong method (405 with Allow), missing or wrong
 * keys (403), a Content-Length over the limit (413), a wrong Content-Type
 * (415), and no room in the server's memory budget (503).
 */
#ifndef PGO_ROUTER_H
#define PGO_ROUTER_H

#include <microhttpd.h>

#include "context.h"

enum MHD_Result router_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                               const char *version, const char *upload_data, size_t *upload_data_size,
                               void **con_cls);
void *router_uri(void *cls, const char *uri, struct MHD_Connection *c);
void router_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe);

/* The body limit of the query API's JSON requests. */
#define API_MAX_BODY ((size_t)1 << 20)

#endif
