/*
 * The web UI's pages and its sign-in: the embedded files under /ui/, and
 * the session that a browser gets for the application key (ui.c); the
 * JSON endpoints that the pages read (ui_api.c).
 */
#ifndef PGO_UI_H
#define PGO_UI_H

#include <microhttpd.h>
#include <stdbool.h>

#include "context.h"

/* The session cookie's name. */
#define UI_COOKIE "pgotool_session"

/* Whether the request may read the UI's data: a live session cookie, or
 * the API and application keys as the query API takes them. */
bool ui_authorized(request *r, struct MHD_Connection *c);

/* Whether a state-changing request comes from the UI's own pages: no
 * Origin header other than this server's, and no cross-site
 * Sec-Fetch-Site. */
bool ui_same_origin(request *r, struct MHD_Connection *c);

enum MHD_Result handle_ui_root(request *r, struct MHD_Connection *c);
enum MHD_Result handle_ui_file(request *r, struct MHD_Connection *c);
enum MHD_Result handle_session_new(request *r, struct MHD_Connection *c);
enum MHD_Result handle_session_get(request *r, struct MHD_Connection *c);
enum MHD_Result handle_session_end(request *r, struct MHD_Connection *c);

enum MHD_Result handle_ui_services(request *r, struct MHD_Connection *c);
enum MHD_Result handle_ui_search(request *r, struct MHD_Connection *c);
enum MHD_Result handle_ui_profile(request *r, struct MHD_Connection *c);
enum MHD_Result handle_ui_compare(request *r, struct MHD_Connection *c);
enum MHD_Result handle_ui_download(request *r, struct MHD_Connection *c);

#endif
