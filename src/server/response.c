/* How handlers answer; see response.h. */
#define _DEFAULT_SOURCE
#include "response.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "utf8.h"

/* What the web UI's answers carry: its pages run only their own scripts and
 * styles, talk only to this server, and cannot be framed or sniffed. */
static const http_header ui_headers[] = {
	{"Content-Security-Policy", UI_CSP},
	{"X-Content-Type-Options", "nosniff"},
	{"Referrer-Policy", "no-referrer"},
	{"X-Frame-Options", "DENY"},
	{NULL, NULL},
};

static void add_headers(struct MHD_Response *resp, const http_header *h)
{
	for (; h && h->name; h++)
		MHD_add_response_header(resp, h->name, h->value);
}

static enum MHD_Result queue(request *r, struct MHD_Connection *c, unsigned status, struct MHD_Response *resp,
                             const char *content_type, size_t len)
{
	if (content_type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	if (r->ui)
		add_headers(resp, ui_headers);
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, RETRY_AFTER_S);
	r->status = (int)status;
	r->bytes_out = len;
	enum MHD_Result ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result respond(request *r, struct MHD_Connection *c, unsigned status, const char *content_type,
                        char *body, size_t len)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, body ? body : (char *)"",
	                                                            body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	return queue(r, c, status, resp, content_type, len);
}

enum MHD_Result respond_json_text(request *r, struct MHD_Connection *c, unsigned status, const char *text)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	return resp ? queue(r, c, status, resp, "application/json", strlen(text)) : MHD_NO;
}

char *json_dump_safe(const json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!text)
		return NULL;
	size_t extra = 0;
	for (const char *p = text; *p; p++)
		extra += (*p == '<' || *p == '>' || *p == '&') ? 5 : 0;
	if (!extra)
		return text;
	/* These bytes occur only inside strings, where \u escapes mean the same. */
	char *out = malloc(strlen(text) + extra + 1), *o = out;
	for (const char *p = text; out && *p; p++) {
		if (*p == '<' || *p == '>' || *p == '&')
			o += sprintf(o, "\\u%04x", (unsigned)*p);
		else
			*o++ = *p;
	}
	if (out)
		*o = '\0';
	free(text);
	return out;
}

enum MHD_Result respond_with(request *r, struct MHD_Connection *c, unsigned status, const char *content_type,
                             char *body, size_t len, const http_header *extra)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, body ? body : (char *)"",
	                                                            body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	add_headers(resp, extra);
	return queue(r, c, status, resp, content_type, len);
}

enum MHD_Result respond_json(request *r, struct MHD_Connection *c, unsigned status, json_t *j,
                             const http_header *extra)
{
	char *text = j ? json_dump_safe(j) : NULL;
	json_decref(j);
	if (!text)
		return respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	return respond_with(r, c, status, "application/json", text, strlen(text), extra);
}

static enum MHD_Result error_v(request *r, struct MHD_Connection *c, unsigned status, const char *allow,
                               const char *fmt, va_list ap)
{
	char raw[512];
	vsnprintf(raw, sizeof raw, fmt, ap);
	utf8_escape(raw, r->reason, sizeof r->reason);
	json_t *j = json_pack("{s:[s]}", "errors", r->reason);
	char *text = j ? json_dump_safe(j) : NULL;
	json_decref(j);
	size_t len = text ? strlen(text) : 0;
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, text ? text : (char *)"",
	                                                            text ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	if (allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	return queue(r, c, status, resp, "application/json", len);
}

enum MHD_Result respond_error(request *r, struct MHD_Connection *c, unsigned status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	enum MHD_Result ret = error_v(r, c, status, NULL, fmt, ap);
	va_end(ap);
	return ret;
}

static enum MHD_Result not_allowed(request *r, struct MHD_Connection *c, const char *allow, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static enum MHD_Result not_allowed(request *r, struct MHD_Connection *c, const char *allow, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	enum MHD_Result ret = error_v(r, c, MHD_HTTP_METHOD_NOT_ALLOWED, allow, fmt, ap);
	va_end(ap);
	return ret;
}

enum MHD_Result respond_not_allowed(request *r, struct MHD_Connection *c, const char *allow)
{
	return not_allowed(r, c, allow, "%s takes %s, not %s", r->path, allow, r->method);
}

enum MHD_Result respond_file(request *r, struct MHD_Connection *c, unsigned status, const char *content_type, int fd,
                             size_t size)
{
	struct MHD_Response *resp = MHD_create_response_from_fd64(size, fd);
	if (!resp) {
		close(fd);
		return MHD_NO;
	}
	return queue(r, c, status, resp, content_type, size);
}

enum MHD_Result respond_stream(request *r, struct MHD_Connection *c, unsigned status, const char *content_type,
                               struct MHD_Response *resp)
{
	return queue(r, c, status, resp, content_type, 0);
}
