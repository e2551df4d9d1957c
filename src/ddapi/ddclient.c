#include "ddclient.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *concat(const char *a, const char *b)
{
	char *s = malloc(strlen(a) + strlen(b) + 1);
	if (s)
		sprintf(s, "%s%s", a, b);
	return s;
}

pgo_status dd_client_init(dd_client *c, const char *api_base, pgo_error *err)
{
	memset(c, 0, sizeof *c);
	const char *api_key = getenv("DD_API_KEY"), *app_key = getenv("DD_APP_KEY");
	if (!api_key || !*api_key)
		return pgo_fail(err, PGO_ERR_ARGUMENT,
		            "DD_API_KEY is not set: export a Datadog API key (or the API key of your pgotool serve)");
	if (!app_key || !*app_key)
		return pgo_fail(err, PGO_ERR_ARGUMENT,
		            "DD_APP_KEY is not set: export a Datadog application key (or the app key of your pgotool serve)");
	const char *site = getenv("DD_SITE");
	if (!site || !*site)
		site = "datadoghq.com";
	c->site = strdup(site);
	c->custom_base = api_base && *api_base;
	c->base = c->custom_base ? strdup(api_base) : concat("https://app.", site);
	c->key_headers[0] = concat("DD-API-KEY: ", api_key);
	c->key_headers[1] = concat("DD-APPLICATION-KEY: ", app_key);
	if (!c->site || !c->base || !c->key_headers[0] || !c->key_headers[1]) {
		dd_client_free(c);
		return pgo_fail(err, PGO_ERR_NOMEM, "out of memory");
	}
	size_t len = strlen(c->base);
	while (len && c->base[len - 1] == '/')
		c->base[--len] = '\0';
	if (strncmp(c->base, "http://", 7) && strncmp(c->base, "https://", 8)) {
		pgo_status st = pgo_fail(err, PGO_ERR_ARGUMENT, "the API URL %s must start with http:// or https://", c->base);
		dd_client_free(c);
		return st;
	}
	return PGO_OK;
}

void dd_client_free(dd_client *c)
{
	free(c->base);
	free(c->site);
	free(c->key_headers[0]);
	free(c->key_headers[1]);
	memset(c, 0, sizeof *c);
}

/* The start of an error answer, for a message: its {"errors": [...]}, or its first printable bytes. */
static void body_snippet(const http_response *r, char *out, size_t size)
{
	char *msg = dd_error_message(r->body, r->len);
	const char *src = msg ? msg : r->body;
	size_t n = msg ? strlen(msg) : r->len, o = 0;
	for (size_t i = 0; i < n && o + 4 < size && o < 200; i++) {
		unsigned char ch = (unsigned char)src[i];
		out[o++] = ch == '\n' || ch == '\r' || ch == '\t' ? ' ' : isprint(ch) || ch >= 0x80 ? (char)ch : '?';
	}
	if (o == 200 && n > 200)
		o += (size_t)snprintf(out + o, size - o, "...");
	out[o] = '\0';
	if (!o)
		snprintf(out, size, "(empty body)");
	free(msg);
}

static pgo_status status_error(const dd_client *c, const char *method, const char *url, const http_response *r,
                               pgo_error *err)
{
	char snippet[256];
	body_snippet(r, snippet, sizeof snippet);
	const char *reason = http_reason(r->status);
	char tries[48] = "";
	if (r->attempts > 1)
		snprintf(tries, sizeof tries, " after %d attempts", r->attempts);
	if (r->status == 401 || r->status == 403)
		return pgo_fail(err, PGO_ERR_NETWORK,
		            "%s %s: %ld %s: the keys were refused (%s); check that DD_API_KEY and DD_APP_KEY are valid "
		            "for %s%s",
		            method, url, r->status, reason, snippet, c->custom_base ? "the API at " : "",
		            c->custom_base ? c->base : c->site);
	if (r->status == 429)
		return pgo_fail(err, PGO_ERR_NETWORK, "%s %s: 429 Too Many Requests%s: rate limited (%s); try again later",
		            method, url, tries, snippet);
	if (r->status >= 500)
		return pgo_fail(err, PGO_ERR_NETWORK, "%s %s: server error %ld %s%s: %s", method, url, r->status, reason, tries,
		            snippet);
	return pgo_fail(err, PGO_ERR_NETWORK,
	            "%s %s: %ld %s: %s; check DD_API_KEY, DD_APP_KEY and DD_SITE, and that profiles match the query",
	            method, url, r->status, reason, snippet);
}

static pgo_status post_json(dd_client *c, const char *path, const char *json, http_response *resp, char **url_out,
                            pgo_error *err)
{
	char *url = concat(c->base, path);
	if (!url)
		return pgo_fail(err, PGO_ERR_NOMEM, "out of memory");
	const char *headers[] = {"Content-Type: application/json", c->key_headers[0], c->key_headers[1], NULL};
	http_request req = {.method = "POST", .url = url, .headers = headers, .body = json, .body_len = strlen(json)};
	pgo_status st = http_send(&c->http, &req, resp, err);
	if (st)
		free(url);
	else
		*url_out = url;
	return st;
}

pgo_status dd_client_gopgo(dd_client *c, const dd_search *searches, size_t n, http_response *zip, pgo_error *err)
{
	char *json = dd_gopgo_request(searches, n), *url = NULL;
	if (!json)
		return pgo_fail(err, PGO_ERR_NOMEM, "out of memory");
	pgo_status st = post_json(c, DD_PATH_GOPGO, json, zip, &url, err);
	free(json);
	if (st)
		return st;
	if (zip->status == 404) {
		st = pgo_fail(err, PGO_ERR_EMPTY,
		          "no profiles match: POST %s answered 404 Not Found; check each QUERY and -from, and that the "
		          "service uploads CPU profiles",
		          url);
	} else if (zip->status < 200 || zip->status > 299) {
		st = status_error(c, "POST", url, zip, err);
	}
	free(url);
	if (st)
		http_response_free(zip);
	return st;
}

pgo_status dd_client_list(dd_client *c, const dd_search *search, dd_profile **out, size_t *n, pgo_error *err)
{
	*out = NULL;
	*n = 0;
	char *json = dd_list_request(search), *url = NULL;
	if (!json)
		return pgo_fail(err, PGO_ERR_NOMEM, "out of memory");
	http_response r;
	pgo_status st = post_json(c, DD_PATH_LIST, json, &r, &url, err);
	free(json);
	if (st)
		return st;
	if (r.status < 200 || r.status > 299) {
		st = status_error(c, "POST", url, &r, err);
	} else {
		char msg[256];
		if (dd_list_answer_parse(r.body, r.len, out, n, msg, sizeof msg))
			st = pgo_fail(err, PGO_ERR_FORMAT, "POST %s: %s", url, msg);
	}
	free(url);
	http_response_free(&r);
	return st;
}

pgo_status dd_client_download(dd_client *c, const dd_profile *p, http_response *zip, pgo_error *err)
{
	char *id = curl_easy_escape(NULL, p->profile_id, 0), *event = curl_easy_escape(NULL, p->event_id, 0);
	char *url = id && event ? malloc(strlen(c->base) + strlen(DD_PATH_DOWNLOAD) + strlen(id) + strlen(event) + 32)
	                        : NULL;
	pgo_status st = PGO_OK;
	if (!url) {
		st = pgo_fail(err, PGO_ERR_NOMEM, "out of memory");
	} else {
		sprintf(url, "%s%s%s/download?eventId=%s", c->base, DD_PATH_DOWNLOAD, id, event);
		const char *headers[] = {c->key_headers[0], c->key_headers[1], NULL};
		http_request req = {.method = "GET", .url = url, .headers = headers};
		st = http_send(&c->http, &req, zip, err);
		if (!st && (zip->status < 200 || zip->status > 299)) {
			st = zip->status == 404
			         ? pgo_fail(err, PGO_ERR_EMPTY, "GET %s: 404 Not Found: profile %s is gone (purged since it was listed?)",
			                url, p->profile_id)
			         : status_error(c, "GET", url, zip, err);
			http_response_free(zip);
		}
	}
	curl_free(id);
	curl_free(event);
	free(url);
	return st;
}
