/*
 * The web UI's files and its sign-in. The application key is exchanged
 * once for a session cookie (HttpOnly, SameSite=Strict, Secure under TLS)
 * that expires; the key itself never stays in the browser. Requests that
 * change state (sign-in, sign-out) must come from the UI's own origin, and
 * sign-out also needs the session's CSRF token in X-CSRF-Token.
 */
#define _DEFAULT_SOURCE
#include "ui.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "keys.h"
#include "request_log.h"
#include "response.h"
#include "timefmt.h"
#include "ui_assets.h"

static bool tls_on(const request *r)
{
	return r->srv->o->tls_cert != NULL;
}

static const char *cookie_token(struct MHD_Connection *c)
{
	const char *t = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, UI_COOKIE);
	return t ? t : "";
}

bool ui_authorized(request *r, struct MHD_Connection *c)
{
	if (session_find(&r->srv->sessions, cookie_token(c), now_ns(), NULL, NULL))
		return true;
	return keys_match(r->srv, c, true);
}

bool ui_same_origin(request *r, struct MHD_Connection *c)
{
	const char *site = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");
	if (site && strcasecmp(site, "same-origin") && strcasecmp(site, "none"))
		return false;
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	if (!origin)
		return true; /* not a browser's cross-origin request: browsers send Origin on every POST and DELETE */
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	if (!host)
		return false;
	char want[300];
	snprintf(want, sizeof want, "%s://%s", tls_on(r) ? "https" : "http", host);
	return strcasecmp(origin, want) == 0;
}

enum MHD_Result handle_ui_root(request *r, struct MHD_Connection *c)
{
	static const http_header to_ui[] = {{MHD_HTTP_HEADER_LOCATION, "/ui/"}, {NULL, NULL}};
	static const char body[] = "The web UI is at /ui/\n";
	return respond_with(r, c, MHD_HTTP_FOUND, "text/plain; charset=utf-8", strdup(body), sizeof body - 1, to_ui);
}

enum MHD_Result handle_ui_file(request *r, struct MHD_Connection *c)
{
	const char *name = r->path + strlen("/ui/");
	if (!*name)
		name = "index.html";
	for (const ui_asset *a = ui_assets; a->name; a++) {
		if (strcmp(a->name, name))
			continue;
		/* Revalidated on every load (a new pgotool serves new files), and
		 * answered 304 while the file is the same. */
		const http_header h[] = {{MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache"}, {MHD_HTTP_HEADER_ETAG, a->etag},
		                         {NULL, NULL}};
		const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
		if (inm && !strcmp(inm, a->etag))
			return respond_with(r, c, MHD_HTTP_NOT_MODIFIED, NULL, NULL, 0, h);
		struct MHD_Response *resp =
			MHD_create_response_from_buffer(a->size, (void *)a->data, MHD_RESPMEM_PERSISTENT);
		if (!resp)
			return MHD_NO;
		for (const http_header *x = h; x->name; x++)
			MHD_add_response_header(resp, x->name, x->value);
		enum MHD_Result ret = respond_stream(r, c, MHD_HTTP_OK, a->media_type, resp);
		r->bytes_out = a->size;
		return ret;
	}
	return respond_error(r, c, MHD_HTTP_NOT_FOUND, "%s: no such file of the web UI", r->path);
}

/* {"csrf": ..., "expires": ...} */
static json_t *session_json(const char *csrf, int64_t expires_ns)
{
	char t[48];
	rfc3339_format(expires_ns, t, sizeof t);
	return json_pack("{s:s,s:s}", "csrf", csrf, "expires", t);
}

enum MHD_Result handle_session_new(request *r, struct MHD_Connection *c)
{
	if (!ui_same_origin(r, c))
		return respond_error(r, c, MHD_HTTP_FORBIDDEN, "%s: a sign-in from another site is refused", r->path);
	json_error_t jerr;
	json_t *body = r->len ? json_loadb(r->body, r->len, 0, &jerr) : NULL;
	const char *key = json_string_value(json_object_get(body, "app_key"));
	bool ok = key && keys_equal(key, r->srv->app_key);
	json_decref(body);
	if (!ok)
		return respond_error(r, c, MHD_HTTP_FORBIDDEN,
		                     "%s: %s (pgotool serve logs where its keys are when it starts)", r->path,
		                     key ? "wrong application key" : "no application key: send {\"app_key\": \"...\"}");
	char token[SESSION_TOKEN_HEX + 1], csrf[SESSION_TOKEN_HEX + 1];
	int64_t expires = 0;
	if (session_create(&r->srv->sessions, now_ns(), token, csrf, &expires))
		return respond_error(r, c, MHD_HTTP_SERVICE_UNAVAILABLE, "%s: the kernel gave no random bytes; retry",
		                     r->path);
	char cookie[256];
	snprintf(cookie, sizeof cookie, UI_COOKIE "=%s; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=%lld%s", token,
	         (long long)(r->srv->sessions.ttl_ns / 1000000000), tls_on(r) ? "; Secure" : "");
	const http_header h[] = {{MHD_HTTP_HEADER_SET_COOKIE, cookie},
	                         {MHD_HTTP_HEADER_CACHE_CONTROL, "no-store"},
	                         {NULL, NULL}};
	return respond_json(r, c, MHD_HTTP_OK, session_json(csrf, expires), h);
}

enum MHD_Result handle_session_get(request *r, struct MHD_Connection *c)
{
	char csrf[SESSION_TOKEN_HEX + 1];
	int64_t expires = 0;
	if (!session_find(&r->srv->sessions, cookie_token(c), now_ns(), csrf, &expires))
		return respond_error(r, c, MHD_HTTP_UNAUTHORIZED, "%s: not signed in, or the session has expired",
		                     r->path);
	static const http_header h[] = {{MHD_HTTP_HEADER_CACHE_CONTROL, "no-store"}, {NULL, NULL}};
	return respond_json(r, c, MHD_HTTP_OK, session_json(csrf, expires), h);
}

enum MHD_Result handle_session_end(request *r, struct MHD_Connection *c)
{
	char csrf[SESSION_TOKEN_HEX + 1];
	const char *token = cookie_token(c);
	if (!ui_same_origin(r, c))
		return respond_error(r, c, MHD_HTTP_FORBIDDEN, "%s: a sign-out from another site is refused", r->path);
	if (!session_find(&r->srv->sessions, token, now_ns(), csrf, NULL))
		return respond_error(r, c, MHD_HTTP_UNAUTHORIZED, "%s: not signed in, or the session has expired",
		                     r->path);
	const char *given = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token");
	if (!keys_equal(given, csrf))
		return respond_error(r, c, MHD_HTTP_FORBIDDEN, "%s: missing or wrong X-CSRF-Token", r->path);
	session_end(&r->srv->sessions, token);
	char cookie[160];
	snprintf(cookie, sizeof cookie, UI_COOKIE "=; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=0%s",
	         tls_on(r) ? "; Secure" : "");
	const http_header h[] = {{MHD_HTTP_HEADER_SET_COOKIE, cookie}, {NULL, NULL}};
	return respond_with(r, c, MHD_HTTP_NO_CONTENT, NULL, NULL, 0, h);
}
