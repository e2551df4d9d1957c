#define _DEFAULT_SOURCE /* strcasecmp, strncasecmp */
#include "http_client.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#define NS_PER_MS 1000000LL
#define NS_PER_S 1000000000LL
/* A connect that hangs this long is given up and retried. */
#define CONNECT_LIMIT_NS (15 * NS_PER_S)
#define BACKOFF_FIRST_NS (250 * NS_PER_MS)
#define DEADLINE_SLACK_NS (100 * NS_PER_MS)
#define BACKOFF_MAX_NS (8 * NS_PER_S)

int64_t http_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

pgo_status http_global_init(pgo_error *err)
{
	CURLcode c = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (c != CURLE_OK)
		return pgo_fail(err, PGO_ERR_NETWORK, "cannot initialise libcurl: %s", curl_easy_strerror(c));
	return PGO_OK;
}

void http_response_free(http_response *resp)
{
	free(resp->body);
	free(resp->content_type);
	memset(resp, 0, sizeof *resp);
}

const char *http_reason(long status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Payload Too Large";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	}
	return "";
}

/* ---- proxies, as Go's net/http/httpproxy chooses them ---------------------- */

static const char *env_any(const char *upper, const char *lower)
{
	const char *v = getenv(upper);
	if (!v || !*v)
		v = getenv(lower);
	return v && *v ? v : NULL;
}

/* The URL's host, lower-cased, without brackets or port. */
static void url_host(const char *url, char *host, size_t size)
{
	host[0] = '\0';
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	const char *at = NULL;
	for (const char *q = p; *q && *q != '/' && *q != '?' && *q != '#'; q++)
		if (*q == '@')
			at = q;
	if (at)
		p = at + 1;
	size_t n = 0;
	if (*p == '[') {
		p++;
		while (*p && *p != ']' && n + 1 < size)
			host[n++] = (char)tolower((unsigned char)*p++);
	} else {
		while (*p && *p != ':' && *p != '/' && *p != '?' && *p != '#' && n + 1 < size)
			host[n++] = (char)tolower((unsigned char)*p++);
	}
	host[n] = '\0';
}

static bool is_loopback(const char *host)
{
	return !strcmp(host, "localhost") || !strncmp(host, "127.", 4) || !strcmp(host, "::1") ||
	       (strlen(host) > 10 && !strcmp(host + strlen(host) - 10, ".localhost"));
}

static void set_proxy(CURL *h, const char *url)
{
	char host[256];
	url_host(url, host, sizeof host);
	bool https = !strncasecmp(url, "https:", 6);
	/* Go ignores HTTP_PROXY under CGI, where a client can set it. */
	const char *proxy = https ? env_any("HTTPS_PROXY", "https_proxy")
	                  : getenv("REQUEST_METHOD") ? NULL : env_any("HTTP_PROXY", "http_proxy");
	if (!proxy || is_loopback(host)) {
		curl_easy_setopt(h, CURLOPT_PROXY, "");
		return;
	}
	curl_easy_setopt(h, CURLOPT_PROXY, proxy);
	const char *no_proxy = env_any("NO_PROXY", "no_proxy");
	curl_easy_setopt(h, CURLOPT_NOPROXY, no_proxy ? no_proxy : "");
}

/* ---- one attempt --------------------------------------------------------- */

typedef struct sink {
	char *data;
	size_t len, cap, max;
	bool too_big;
	char *content_type;
	int64_t retry_after_ns; /* -1 when the answer had none */
} sink;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	sink *s = userdata;
	size_t n = size * nmemb;
	if (s->len + n > s->max) {
		s->too_big = true;
		return 0;
	}
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 65536;
		while (cap < s->len + n + 1)
			cap *= 2;
		char *d = realloc(s->data, cap);
		if (!d)
			return 0;
		s->data = d;
		s->cap = cap;
	}
	memcpy(s->data + s->len, ptr, n);
	s->len += n;
	s->data[s->len] = '\0';
	return n;
}

/* Retry-After: delay-seconds, or an HTTP date. */
static int64_t parse_retry_after(const char *v)
{
	while (*v == ' ' || *v == '\t')
		v++;
	if (isdigit((unsigned char)*v)) {
		char *end;
		unsigned long long secs = strtoull(v, &end, 10);
		return secs > 86400 ? 86400 * NS_PER_S : (int64_t)secs * NS_PER_S;
	}
	time_t when = curl_getdate(v, NULL);
	if (when < 0)
		return -1;
	time_t now = time(NULL);
	return when > now ? (int64_t)(when - now) * NS_PER_S : 0;
}

static size_t on_header(char *buf, size_t size, size_t nitems, void *userdata)
{
	sink *s = userdata;
	size_t n = size * nitems;
	char line[512];
	size_t len = n < sizeof line - 1 ? n : sizeof line - 1;
	memcpy(line, buf, len);
	line[len] = '\0';
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		line[--len] = '\0';
	/* A new status line (after a redirect or 100 Continue) resets what we saw. */
	if (!strncmp(line, "HTTP/", 5)) {
		free(s->content_type);
		s->content_type = NULL;
		s->retry_after_ns = -1;
	} else if (!strncasecmp(line, "content-type:", 13)) {
		const char *v = line + 13;
		while (*v == ' ')
			v++;
		free(s->content_type);
		s->content_type = strdup(v);
	} else if (!strncasecmp(line, "retry-after:", 12)) {
		s->retry_after_ns = parse_retry_after(line + 12);
	}
	return n;
}

typedef struct attempt_result {
	CURLcode code;
	char error[CURL_ERROR_SIZE];
	long status;
	long proxy_status; /* the proxy's answer to CONNECT, or 0 */
	sink body;
} attempt_result;

static void set_tls_roots(CURL *h)
{
	const char *file = getenv("SSL_CERT_FILE"), *dir = getenv("SSL_CERT_DIR");
	if (file && *file)
		curl_easy_setopt(h, CURLOPT_CAINFO, file);
	/* As in Go, each replaces its own default only: a directory adds to the default bundle. */
	if (dir && *dir)
		curl_easy_setopt(h, CURLOPT_CAPATH, dir);
}

static void one_attempt(const http_options *opt, const http_request *req, int64_t remaining_ns, attempt_result *r)
{
	memset(r, 0, sizeof *r);
	r->body.max = opt->max_body;
	r->body.retry_after_ns = -1;
	CURL *h = curl_easy_init();
	if (!h) {
		r->code = CURLE_OUT_OF_MEMORY;
		snprintf(r->error, sizeof r->error, "cannot create a libcurl handle");
		return;
	}
	struct curl_slist *headers = NULL;
	for (const char *const *hd = req->headers; hd && *hd; hd++)
		headers = curl_slist_append(headers, *hd);
	/* libcurl would add "Expect: 100-continue" to large POSTs; Go never waits for it. */
	headers = curl_slist_append(headers, "Expect:");
	long total_ms = (long)(remaining_ns / NS_PER_MS);
	if (total_ms < 1)
		total_ms = 1;
	long connect_ms = remaining_ns < CONNECT_LIMIT_NS ? total_ms : (long)(CONNECT_LIMIT_NS / NS_PER_MS);
	curl_easy_setopt(h, CURLOPT_URL, req->url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_USERAGENT, opt->user_agent);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, total_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, r->error);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &r->body);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, ""); /* gzip answers are welcome, as in Go */
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)opt->max_body);
	set_proxy(h, req->url);
	set_tls_roots(h);
	if (!strcmp(req->method, "POST")) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	} else if (strcmp(req->method, "GET") != 0) {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
	}
	r->code = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_getinfo(h, CURLINFO_HTTP_CONNECTCODE, &r->proxy_status);
	if (r->code != CURLE_OK && !r->error[0])
		snprintf(r->error, sizeof r->error, "%s", curl_easy_strerror(r->code));
	if (r->body.too_big) {
		r->code = CURLE_FILESIZE_EXCEEDED;
		snprintf(r->error, sizeof r->error, "the answer is larger than the %zu-byte limit", opt->max_body);
	}
	curl_slist_free_all(headers);
	curl_easy_cleanup(h);
}

/* Transport errors worth another try: the next attempt may well connect. */
static bool transient(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_PARTIAL_FILE:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_OPERATION_TIMEDOUT: /* only the connect limit; the deadline is checked first */
		return true;
	default:
		return false;
	}
}

static int64_t backoff_ns(int attempt)
{
	int64_t d = BACKOFF_FIRST_NS;
	for (int i = 1; i < attempt && d < BACKOFF_MAX_NS; i++)
		d *= 2;
	if (d > BACKOFF_MAX_NS)
		d = BACKOFF_MAX_NS;
	/* Jitter: anywhere in [d/2, d], so that many CI jobs do not retry in step. */
	uint32_t r = 0;
	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
		r = (uint32_t)http_now_ns();
	return d / 2 + (int64_t)((double)(d / 2) * ((double)r / 4294967295.0));
}

static void sleep_ns(int64_t ns)
{
	struct timespec ts = {.tv_sec = ns / NS_PER_S, .tv_nsec = ns % NS_PER_S};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

pgo_status http_send(const http_options *opt, const http_request *req, http_response *resp, pgo_error *err)
{
	memset(resp, 0, sizeof *resp);
	int max_attempts = opt->max_attempts > 0 ? opt->max_attempts : 1;
	for (int attempt = 1;; attempt++) {
		int64_t start = http_now_ns(), remaining = opt->deadline_ns - start;
		if (remaining <= 0)
			return pgo_fail(err, PGO_ERR_NETWORK, "%s %s: timed out after %s (-timeout)%s", req->method, req->url,
			            opt->timeout_text, attempt > 1 ? " while retrying" : "");
		attempt_result r;
		one_attempt(opt, req, remaining, &r);
		int64_t end = http_now_ns();
		/* curl's timer is in whole ms and may fire a little early: within the slack is at the deadline. */
		bool deadline_hit = end + DEADLINE_SLACK_NS >= opt->deadline_ns;
		bool retry_status = r.code == CURLE_OK && (r.status == 429 || r.status >= 500);
		/* A proxy that refuses the tunnel (403) will refuse it again; one that fails (5xx) may not. */
		bool proxy_refused = r.code != CURLE_OK && r.proxy_status >= 300 && r.proxy_status < 500 &&
		                     r.proxy_status != 429;
		bool retry = attempt < max_attempts && !deadline_hit && !proxy_refused &&
		             (retry_status || (r.code != CURLE_OK && transient(r.code)));
		int64_t wait = 0;
		if (retry) {
			wait = r.body.retry_after_ns >= 0 && retry_status ? r.body.retry_after_ns : backoff_ns(attempt);
			/* A wait that would outlast the deadline is no retry at all. */
			if (end + wait >= opt->deadline_ns)
				retry = false;
		}
		if (opt->on_attempt) {
			http_attempt a = {
				.req = req,
				.attempt = attempt,
				.status = r.code == CURLE_OK ? r.status : 0,
				.error = r.code == CURLE_OK ? NULL : r.error,
				.seconds = (double)(end - start) / 1e9,
				.bytes = r.body.len,
				.retry_in = retry ? (double)wait / 1e9 : -1,
			};
			opt->on_attempt(opt->ctx, &a);
		}
		if (retry) {
			free(r.body.data);
			free(r.body.content_type);
			sleep_ns(wait);
			continue;
		}
		if (r.code != CURLE_OK) {
			pgo_status st;
			if (r.proxy_status >= 300)
				st = pgo_fail(err, PGO_ERR_NETWORK,
				          "%s %s: the proxy refused to open a tunnel (it answered CONNECT with %ld %s)%s; check "
				          "HTTPS_PROXY and NO_PROXY",
				          req->method, req->url, r.proxy_status, http_reason(r.proxy_status),
				          attempt > 1 ? " on every attempt" : "");
			else if (r.code == CURLE_OPERATION_TIMEDOUT && deadline_hit)
				st = pgo_fail(err, PGO_ERR_NETWORK, "%s %s: timed out after %s (-timeout); raise -timeout or check the server",
				          req->method, req->url, opt->timeout_text);
			else if (r.code == CURLE_PARTIAL_FILE || r.code == CURLE_RECV_ERROR || r.code == CURLE_GOT_NOTHING)
				st = pgo_fail(err, PGO_ERR_NETWORK, "%s %s: the answer was cut short after %zu bytes (%s)%s", req->method,
				          req->url, r.body.len, r.error, attempt > 1 ? ", on every attempt" : "");
			else if (r.code == CURLE_PEER_FAILED_VERIFICATION || r.code == CURLE_SSL_CACERT_BADFILE)
				st = pgo_fail(err, PGO_ERR_NETWORK,
				          "%s %s: the server's TLS certificate is not trusted (%s); if it is signed by your own CA, "
				          "point SSL_CERT_FILE at it",
				          req->method, req->url, r.error);
			else if (r.code == CURLE_COULDNT_CONNECT || r.code == CURLE_COULDNT_RESOLVE_HOST ||
			         r.code == CURLE_COULDNT_RESOLVE_PROXY)
				st = pgo_fail(err, PGO_ERR_NETWORK, "%s %s: %s%s; is the server up, and is the URL right?", req->method,
				          req->url, r.error, attempt > 1 ? " (on every attempt)" : "");
			else
				st = pgo_fail(err, PGO_ERR_NETWORK, "%s %s: %s%s", req->method, req->url, r.error,
				          attempt > 1 ? " (on every attempt)" : "");
			free(r.body.data);
			free(r.body.content_type);
			return st;
		}
		resp->status = r.status;
		resp->body = r.body.data ? r.body.data : calloc(1, 1);
		resp->len = r.body.len;
		resp->content_type = r.body.content_type;
		resp->attempts = attempt;
		if (!resp->body)
			return pgo_fail(err, PGO_ERR_NOMEM, "out of memory");
		return PGO_OK;
	}
}
