/* The route table and its application; see router.h. */
#define _DEFAULT_SOURCE
#include "router.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "handlers.h"
#include "keys.h"
#include "request_log.h"
#include "response.h"
#include "ui.h"

typedef enum route_auth {
	AUTH_NONE,
	AUTH_INTAKE, /* the API key, only with --intake-key */
	AUTH_API,    /* the API key and the application key */
	AUTH_UI,     /* a web UI session, or the keys of AUTH_API */
} route_auth;

typedef enum route_body {
	BODY_NONE,   /* no body allowed */
	BODY_WHOLE,  /* buffered whole, within the limit and the budget */
	BODY_STREAM, /* handed to the route's feed as it arrives */
	BODY_IGNORE, /* read and dropped */
} route_body;

typedef struct route {
	const char *methods;      /* as in an Allow header: "POST" or "POST, PUT" */
	const char *pattern;      /* '*' is one path segment; a trailing "**" is the rest */
	route_auth auth;
	route_body body;
	size_t limit;             /* body bytes; 0: --max-body */
	const char *media_type;   /* the Content-Type it needs, or NULL */
	enum MHD_Result (*handle)(request *r, struct MHD_Connection *c);
	int (*begin)(request *r, struct MHD_Connection *c);
	int (*feed)(request *r, const uint8_t *data, size_t size);
	void (*cleanup)(request *r);
	bool ui;                  /* the web UI's: off under --ui=false, and with its security headers */
} route;

#define INTAKE BODY_STREAM, 0, NULL, intake_finish, intake_begin, intake_feed, intake_cleanup
#define UI_GET(handler) BODY_NONE, 0, NULL, handler, NULL, NULL, NULL, true

static const route routes[] = {
	{"POST", "/profiling/v1/input", AUTH_INTAKE, INTAKE, false},
	{"POST", "/api/v2/profile", AUTH_INTAKE, INTAKE, false},
	{"POST", "/v1/input", AUTH_INTAKE, INTAKE, false},
	{"POST", "/ingest", AUTH_INTAKE, BODY_STREAM, 0, NULL, push_finish, push_begin, intake_feed, push_cleanup, false},
	{"POST", "/api/unstable/profiles/list", AUTH_API, BODY_WHOLE, API_MAX_BODY, "application/json", handle_list, NULL, NULL, NULL, false},
	{"POST", "/api/unstable/profiles/gopgo", AUTH_API, BODY_WHOLE, API_MAX_BODY, "application/json", handle_gopgo, NULL, NULL, NULL, false},
	{"GET", "/api/ui/profiling/profiles/*/download", AUTH_API, BODY_NONE, 0, NULL, handle_download, NULL, NULL, NULL, false},
	{"GET", "/info", AUTH_NONE, BODY_NONE, 0, NULL, handle_info, NULL, NULL, NULL, false},
	{"POST, PUT", "/v0.3/traces", AUTH_NONE, BODY_IGNORE, 0, NULL, handle_traces, NULL, NULL, NULL, false},
	{"POST, PUT", "/v0.4/traces", AUTH_NONE, BODY_IGNORE, 0, NULL, handle_traces, NULL, NULL, NULL, false},
	{"POST, PUT", "/v0.5/traces", AUTH_NONE, BODY_IGNORE, 0, NULL, handle_traces, NULL, NULL, NULL, false},
	{"POST", "/v0.6/stats", AUTH_NONE, BODY_IGNORE, 0, NULL, handle_accepted, NULL, NULL, NULL, false},
	{"POST", "/v0.1/pipeline_stats", AUTH_NONE, BODY_IGNORE, 0, NULL, handle_accepted, NULL, NULL, NULL, false},
	{"POST", "/telemetry/proxy/**", AUTH_NONE, BODY_IGNORE, 0, NULL, handle_accepted, NULL, NULL, NULL, false},
	{"POST", "/evp_proxy/**", AUTH_NONE, BODY_IGNORE, 0, NULL, handle_accepted, NULL, NULL, NULL, false},
	/* The web UI: its files, its sign-in, and the JSON its pages read. */
	{"GET", "/", AUTH_NONE, UI_GET(handle_ui_root)},
	{"GET", "/ui", AUTH_NONE, UI_GET(handle_ui_root)},
	{"GET", "/ui/", AUTH_NONE, UI_GET(handle_ui_file)},
	{"GET", "/ui/*", AUTH_NONE, UI_GET(handle_ui_file)},
	{"POST", "/ui/api/session", AUTH_NONE, BODY_WHOLE, 4096, "application/json", handle_session_new, NULL, NULL, NULL, true},
	{"GET", "/ui/api/session", AUTH_NONE, UI_GET(handle_session_get)},
	{"DELETE", "/ui/api/session", AUTH_NONE, UI_GET(handle_session_end)},
	{"GET", "/ui/api/services", AUTH_UI, UI_GET(handle_ui_services)},
	{"GET", "/ui/api/search", AUTH_UI, UI_GET(handle_ui_search)},
	{"GET", "/ui/api/profile", AUTH_UI, UI_GET(handle_ui_profile)},
	{"GET", "/ui/api/compare", AUTH_UI, UI_GET(handle_ui_compare)},
	{"GET", "/ui/api/download", AUTH_UI, UI_GET(handle_ui_download)},
};

static bool path_matches(const char *pattern, const char *path)
{
	while (*pattern) {
		if (pattern[0] == '*' && pattern[1] == '*')
			return *path != '\0';
		if (*pattern == '*') {
			size_t n = strcspn(path, "/");
			if (n == 0)
				return false;
			path += n;
			pattern++;
			continue;
		}
		if (*pattern++ != *path++)
			return false;
	}
	return *path == '\0';
}

static bool method_listed(const char *methods, const char *method)
{
	size_t n = strlen(method);
	for (const char *p = methods; (p = strstr(p, method)); p += n)
		if ((p == methods || p[-1] == ' ') && (p[n] == '\0' || p[n] == ','))
			return true;
	return false;
}

/* The route for this path and method; allow gets the methods the path
 * takes ("" when none: no such path). Routes of the web UI count only
 * with the UI on. */
static const route *find_route(const server *srv, const char *path, const char *method, char *allow, size_t n)
{
	allow[0] = '\0';
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		if ((routes[i].ui && !srv->o->ui) || !path_matches(routes[i].pattern, path))
			continue;
		if (method_listed(routes[i].methods, method))
			return &routes[i];
		size_t len = strlen(allow);
		snprintf(allow + len, n - len, "%s%s", len ? ", " : "", routes[i].methods);
	}
	return NULL;
}

static bool media_type_is(const char *value, const char *want)
{
	size_t n = strlen(want);
	return value && strncasecmp(value, want, n) == 0 && (value[n] == '\0' || value[n] == ';' || value[n] == ' ');
}

static size_t body_limit(const request *r)
{
	if (r->route->body == BODY_NONE)
		return 0;
	size_t max = r->srv->o->max_body;
	return r->route->limit && r->route->limit < max ? r->route->limit : max;
}

/* Everything decided on the headers. Returns MHD_YES to read the body, or
 * the result of queueing the refusal (r->status is then set). */
static enum MHD_Result decide(request *r, struct MHD_Connection *c)
{
	char allow[64];
	const route *rt = find_route(r->srv, r->path, r->method, allow, sizeof allow);
	if (!rt && allow[0])
		return respond_not_allowed(r, c, allow);
	if (!rt)
		return respond_error(r, c, MHD_HTTP_NOT_FOUND, "%s %s: no such endpoint", r->method, r->path);
	r->route = rt;
	r->ui = rt->ui;
	if (rt->auth == AUTH_UI && !ui_authorized(r, c))
		return respond_error(r, c, MHD_HTTP_UNAUTHORIZED,
		                     "%s: sign in at /ui/, or send DD-API-KEY and DD-APPLICATION-KEY", r->path);
	if ((rt->auth == AUTH_API || (rt->auth == AUTH_INTAKE && r->srv->o->intake_key)) &&
	    !keys_match(r->srv, c, rt->auth == AUTH_API)) {
		bool keyless = !MHD_lookup_connection_value(c, MHD_HEADER_KIND, "DD-API-KEY") &&
		               !MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
		if (rt->auth == AUTH_INTAKE && keyless)
			keyless_refused(r->srv, c, now_ns());
		if (rt->auth == AUTH_API)
			return respond_error(r, c, MHD_HTTP_FORBIDDEN, "%s: missing or wrong DD-API-KEY or DD-APPLICATION-KEY",
			                     r->path);
		return respond_error(r, c, MHD_HTTP_FORBIDDEN,
		                     keyless ? "%s: no API key (DD-API-KEY), and this store takes uploads only with it "
		                               "(--intake-key)"
		                             : "%s: a wrong API key (DD-API-KEY, or the bearer token or password)",
		                     r->path);
	}
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	unsigned long long declared = cl ? strtoull(cl, NULL, 10) : 0;
	r->small = cl && declared <= BUDGET_SMALL;
	size_t limit = body_limit(r);
	if (declared > limit)
		return rt->body == BODY_NONE
		               ? respond_error(r, c, MHD_HTTP_CONTENT_TOO_LARGE, "%s %s takes no body", r->method, r->path)
		               : respond_error(r, c, MHD_HTTP_CONTENT_TOO_LARGE, "%s: the body exceeds the %zu-byte limit",
		                               r->path, limit);
	const char *ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (rt->media_type && !media_type_is(ctype, rt->media_type))
		return respond_error(r, c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "%s: expected Content-Type %s, got %.80s", r->path,
		                     rt->media_type, ctype && *ctype ? ctype : "none");
	/* What the body will take, held before any of it is read. */
	if ((rt->body == BODY_WHOLE || rt->body == BODY_STREAM) &&
	    !budget_hold(&r->srv->memory, &r->held, (size_t)declared, r->small))
		return respond_error(r, c, MHD_HTTP_SERVICE_UNAVAILABLE,
		                     "%s: the server holds as many request bytes as it may (--max-memory); retry later",
		                     r->path);
	if (rt->begin && rt->begin(r, c))
		return r->status ? MHD_YES : MHD_NO;
	return MHD_YES;
}

/* Keeps a piece of a whole body, within the limit and the budget. */
static int keep(request *r, const char *data, size_t n)
{
	size_t limit = body_limit(r);
	if (n > limit - r->len) {
		snprintf(r->deferred, sizeof r->deferred, "%s: the body exceeds the %zu-byte limit", r->path, limit);
		return MHD_HTTP_CONTENT_TOO_LARGE;
	}
	if (r->len + n > r->cap) {
		size_t cap = r->cap ? r->cap : 16 * 1024;
		while (cap < r->len + n)
			cap *= 2;
		if (cap > limit)
			cap = limit;
		if (cap > r->held && !budget_hold(&r->srv->memory, &r->held, cap, r->small)) {
			snprintf(r->deferred, sizeof r->deferred,
			         "%s: the server holds as many request bytes as it may (--max-memory); retry later", r->path);
			return MHD_HTTP_SERVICE_UNAVAILABLE;
		}
		char *b = realloc(r->body, cap + 1);
		if (!b) {
			snprintf(r->deferred, sizeof r->deferred, "out of memory reading the body");
			return MHD_HTTP_INTERNAL_SERVER_ERROR;
		}
		r->body = b;
		r->cap = cap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = '\0';
	return 0;
}

/* A piece of the body. Returns false to drop the connection. */
static bool take(request *r, const char *data, size_t n)
{
	r->bytes_in += n;
	if (r->status)
		return true; /* answered already */
	if (r->deferred_status) {
		/* Refused: the rest is read and dropped, but not forever. */
		return r->bytes_in <= 2 * (uint64_t)body_limit(r) + (1 << 20);
	}
	int st = 0;
	switch (r->route->body) {
	case BODY_NONE:
		snprintf(r->deferred, sizeof r->deferred, "%s %s takes no body", r->method, r->path);
		st = MHD_HTTP_CONTENT_TOO_LARGE;
		break;
	case BODY_WHOLE:
		st = keep(r, data, n);
		break;
	case BODY_STREAM:
		st = r->route->feed(r, (const uint8_t *)data, n);
		break;
	case BODY_IGNORE:
		if (r->bytes_in > body_limit(r)) {
			snprintf(r->deferred, sizeof r->deferred, "%s: the body exceeds the %zu-byte limit", r->path,
			         body_limit(r));
			st = MHD_HTTP_CONTENT_TOO_LARGE;
		}
		break;
	}
	r->deferred_status = st;
	return true;
}

enum MHD_Result router_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                               const char *version, const char *upload_data, size_t *upload_data_size,
                               void **con_cls)
{
	(void)version;
	request *r = *con_cls;
	if (!r) {
		if (!(r = calloc(1, sizeof *r)))
			return MHD_NO;
		r->srv = cls;
		r->started = monotonic();
		*con_cls = r;
	}
	if (!r->begun) {
		r->begun = true;
		snprintf(r->method, sizeof r->method, "%s", method);
		/* A doubled leading slash comes from agent URLs with a trailing one. */
		while (url[0] == '/' && url[1] == '/')
			url++;
		snprintf(r->path, sizeof r->path, "%s", url);
		return decide(r, c);
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		return take(r, upload_data, n) ? MHD_YES : MHD_NO;
	}
	if (r->status)
		return MHD_YES;
	if (r->deferred_status)
		return respond_error(r, c, (unsigned)r->deferred_status, "%s", r->deferred);
	return r->route->handle(r, c);
}

/* Called before libmicrohttpd parses the headers, so that even a request
 * it refuses itself (a header too large, a bad Content-Length) is logged. */
void *router_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	(void)c;
	request *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->srv = cls;
	r->started = monotonic();
	snprintf(r->method, sizeof r->method, "-");
	size_t n = strcspn(uri, "?");
	snprintf(r->path, sizeof r->path, "%.*s", (int)(n < sizeof r->path ? n : sizeof r->path - 1), uri);
	return r;
}

void router_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	request *r = *con_cls;
	if (!r)
		return;
	if (!r->status) {
		/* libmicrohttpd answered by itself (431, 413, 400) before the router ran. */
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_HTTP_STATUS);
		if (ci && ci->http_status)
			r->status = (int)ci->http_status;
	}
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && !r->status && r->begun)
		r->status = 499; /* the client went away, or a timeout */
	log_request(r, monotonic());
	if (r->route && r->route->cleanup)
		r->route->cleanup(r);
	free(r->body);
	budget_hold(&r->srv->memory, &r->held, 0, r->small);
	free(r);
	*con_cls = NULL;
}
