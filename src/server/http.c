/* The HTTP side of pgotool serve: libmicrohttpd, routing, auth, logs,
 * limits, TLS, the retention purge and a graceful stop. */
#define _DEFAULT_SOURCE /* timegm-free code, but strndup, sigwait and friends */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pgo.h"
#include "timefmt.h"
#include "utf8.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static double monotonic(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* UTC with milliseconds: 2026-11-25T02:39:03.155Z */
static void log_time(char *out, size_t size)
{
	int64_t ns = now_ns();
	char full[48];
	rfc3339_format(ns - ns % 1000000000, full, sizeof full);
	full[strlen(full) - 1] = '\0'; /* the Z */
	snprintf(out, size, "%s.%03dZ", full, (int)(ns % 1000000000 / 1000000));
}

/*
 * Outside bytes made safe to log and to put in JSON: control characters, a
 * backslash and bytes that are not UTF-8 become \xNN (a backslash \\), so
 * that a request can neither start a forged log line nor make a JSON
 * encoder drop one.
 */
static void escape_text(const char *in, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)in;
	size_t o = 0;
	size_t left = strlen(in);
	while (*p && o + 5 < size) {
		uint32_t cp;
		size_t len = utf8_char(p, left, &cp);
		if (len == 1 && *p >= 0x20 && *p != 0x7f && *p != '\\') {
			out[o++] = (char)*p;
		} else if (len > 1) {
			if (o + len + 1 > size)
				break;
			memcpy(out + o, p, len);
			o += len;
		} else if (*p == '\\') {
			out[o++] = '\\';
			out[o++] = '\\';
		} else {
			len = 1;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
		p += len;
		left -= len;
	}
	out[o] = '\0';
}

/* One log line, text or JSON, to stdout. */
static void log_line(const serve_options *o, const char *level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void log_line(const serve_options *o, const char *level, const char *fmt, ...)
{
	char raw[1024], msg[4096], when[48];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	escape_text(raw, msg, sizeof msg);
	log_time(when, sizeof when);
	pthread_mutex_lock(&log_lock);
	if (o->json_logs) {
		json_t *j = json_pack("{s:s, s:s, s:s}", "time", when, "level", level, "msg", msg);
		char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
		if (text)
			printf("%s\n", text);
		free(text);
		json_decref(j);
	} else {
		printf("%s %-5s %s\n", when, level, msg);
	}
	fflush(stdout);
	pthread_mutex_unlock(&log_lock);
}

static void log_request(const request *r)
{
	const serve_options *o = r->srv->o;
	double ms = (monotonic() - r->started) * 1000;
	if (!o->json_logs) {
		if (r->status)
			log_line(o, "INFO", "%s %s %d in=%zu out=%zu %.1fms", r->method, r->path, r->status, r->len,
			         r->bytes_out, ms);
		else
			log_line(o, "INFO", "%s %s refused by the HTTP layer (malformed or oversized headers) %.1fms",
			         r->method, r->path, ms);
		return;
	}
	char when[48], method[4 * sizeof r->method + 1], path[4 * sizeof r->path + 1];
	log_time(when, sizeof when);
	escape_text(r->method, method, sizeof method);
	escape_text(r->path, path, sizeof path);
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:i, s:I, s:I, s:f}", "time", when, "level", "info", "method",
	                      method, "path", path, "status", r->status, "bytes_in", (json_int_t)r->len,
	                      "bytes_out", (json_int_t)r->bytes_out, "duration_ms", ms);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	pthread_mutex_lock(&log_lock);
	if (text)
		printf("%s\n", text);
	fflush(stdout);
	pthread_mutex_unlock(&log_lock);
	free(text);
	json_decref(j);
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
	if (content_type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	r->status = (int)status;
	r->bytes_out = len;
	enum MHD_Result ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result respond_error(request *r, struct MHD_Connection *c, unsigned status, const char *fmt, ...)
{
	char raw[512], msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	escape_text(raw, msg, sizeof msg);
	json_t *j = json_pack("{s:[s]}", "errors", msg);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return respond(r, c, status, "application/json", text, text ? strlen(text) : 0);
}

static enum MHD_Result respond_json_text(request *r, struct MHD_Connection *c, unsigned status, const char *text)
{
	char *copy = strdup(text);
	return respond(r, c, status, "application/json", copy, copy ? strlen(copy) : 0);
}

/* Equal keys, in time independent of where they differ. */
static bool key_equal(const char *given, const char *want)
{
	if (!given)
		return false;
	size_t a = strlen(given), b = strlen(want);
	unsigned char diff = (unsigned char)(a != b);
	for (size_t i = 0; i < b; i++)
		diff |= (unsigned char)(given[i < a ? i : 0] ^ want[i]);
	return diff == 0;
}

static bool authorized(request *r, struct MHD_Connection *c, bool need_app_key)
{
	const char *api = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "DD-API-KEY");
	if (!key_equal(api, r->srv->api_key))
		return false;
	if (!need_app_key)
		return true;
	const char *app = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "DD-APPLICATION-KEY");
	return key_equal(app, r->srv->app_key);
}

/* What a Go service's tracer asks an agent; answered without storing. */
static const char agent_info[] =
	"{\"version\":\"pgotool-" PGO_VERSION "\",\"endpoints\":[\"/v0.4/traces\",\"/v0.5/traces\","
	"\"/profiling/v1/input\",\"/telemetry/proxy/\"],\"feature_flags\":[],\"client_drop_p0s\":false,"
	"\"config\":{}}";

static bool is(const char *path, const char *want)
{
	return strcmp(path, want) == 0;
}

static enum MHD_Result dispatch(request *r, struct MHD_Connection *c)
{
	const char *path = r->path;
	bool post = is(r->method, "POST"), put = is(r->method, "PUT"), get = is(r->method, "GET");
	if (r->too_big)
		return respond_error(r, c, 413, "%s: the body exceeds the %zu-byte limit", path,
		                     r->srv->o->max_body);

	if (is(path, "/profiling/v1/input") || is(path, "/api/v2/profile") || is(path, "/v1/input")) {
		if (!post)
			return respond_error(r, c, MHD_HTTP_METHOD_NOT_ALLOWED, "%s takes POST", path);
		if (r->srv->o->intake_key && !authorized(r, c, false))
			return respond_error(r, c, MHD_HTTP_FORBIDDEN, "%s: missing or wrong DD-API-KEY", path);
		return handle_intake(r, c);
	}
	if (is(path, "/info") && get)
		return respond_json_text(r, c, MHD_HTTP_OK, agent_info);
	if ((is(path, "/v0.4/traces") || is(path, "/v0.5/traces") || is(path, "/v0.3/traces")) && (post || put))
		return respond_json_text(r, c, MHD_HTTP_OK, "{\"rate_by_service\":{}}");
	if (strncmp(path, "/telemetry/proxy/", 17) == 0 || is(path, "/v0.1/pipeline_stats") ||
	    is(path, "/v0.6/stats") || strncmp(path, "/evp_proxy/", 11) == 0)
		return respond(r, c, MHD_HTTP_ACCEPTED, NULL, NULL, 0);

	bool list = is(path, "/api/unstable/profiles/list"), gopgo = is(path, "/api/unstable/profiles/gopgo");
	const char *download_prefix = "/api/ui/profiling/profiles/";
	bool download = strncmp(path, download_prefix, strlen(download_prefix)) == 0;
	if (list || gopgo || download) {
		if (!authorized(r, c, true))
			return respond_error(r, c, MHD_HTTP_FORBIDDEN,
			                     "%s: missing or wrong DD-API-KEY or DD-APPLICATION-KEY", path);
		if (list && post)
			return handle_list(r, c);
		if (gopgo && post)
			return handle_gopgo(r, c);
		if (download && get) {
			const char *id = path + strlen(download_prefix);
			const char *slash = strchr(id, '/');
			if (slash && is(slash, "/download") && slash > id && (size_t)(slash - id) < 64) {
				char pid[64];
				memcpy(pid, id, (size_t)(slash - id));
				pid[slash - id] = '\0';
				return handle_download(r, c, pid);
			}
		}
		return respond_error(r, c, MHD_HTTP_NOT_FOUND, "%s %s: no such endpoint", r->method, path);
	}
	return respond_error(r, c, MHD_HTTP_NOT_FOUND, "%s %s: no such endpoint", r->method, path);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
	(void)version;
	server *srv = cls;
	request *r = *con_cls;
	if (!r || !r->begun) {
		if (!r && !(r = calloc(1, sizeof *r)))
			return MHD_NO;
		if (!r->srv) {
			r->srv = srv;
			r->started = monotonic();
		}
		r->begun = true;
		snprintf(r->method, sizeof r->method, "%s", method);
		/* A doubled leading slash comes from agent URLs with a trailing one. */
		while (url[0] == '/' && url[1] == '/')
			url++;
		snprintf(r->path, sizeof r->path, "%s", url);
		*con_cls = r;
		/* Refused before a byte of it is read: MHD sends the 413 and closes. */
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > srv->o->max_body) {
			r->too_big = true;
			return dispatch(r, c);
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (r->too_big || r->len + n > srv->o->max_body) {
			r->too_big = true;
			return MHD_YES;
		}
		if (r->len + n > r->cap) {
			size_t cap = r->cap ? r->cap : 64 * 1024;
			while (cap < r->len + n)
				cap *= 2;
			if (cap > srv->o->max_body)
				cap = srv->o->max_body;
			char *b = realloc(r->body, cap);
			if (!b)
				return MHD_NO;
			r->body = b;
			r->cap = cap;
		}
		memcpy(r->body + r->len, upload_data, n);
		r->len += n;
		return MHD_YES;
	}
	return dispatch(r, c);
}

/* Called before MHD parses the headers, so that even a request it refuses
 * itself (a header too large, a bad Content-Length) gets a log line. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
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

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	request *r = *con_cls;
	if (!r)
		return;
	if (!r->status) {
		/* MHD answered by itself (431, 413, 400) before the handler ran. */
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_HTTP_STATUS);
		if (ci && ci->http_status)
			r->status = (int)ci->http_status;
	}
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && !r->status && r->begun)
		r->status = 499; /* the client went away, or a timeout */
	log_request(r);
	intake_free(r);
	free(r->body);
	free(r);
	*con_cls = NULL;
}

/* ---- keys ----------------------------------------------------------- */

static int random_key(char out[33])
{
	uint8_t b[16];
	if (store_random(b, sizeof b))
		return -1;
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return 0;
}

static bool read_key_line(const char *text, const char *name, char *out, size_t size)
{
	const char *p = strstr(text, name);
	if (!p)
		return false;
	p += strlen(name);
	size_t n = strcspn(p, "\r\n");
	if (n == 0 || n >= size)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

/* Flags, then the environment, then DATA/keys (created 0600 when missing). */
static int resolve_keys(server *srv, char *path, size_t path_size, bool *created)
{
	const serve_options *o = srv->o;
	const char *api = o->api_key ? o->api_key : getenv("PGOTOOL_API_KEY");
	const char *app = o->app_key ? o->app_key : getenv("PGOTOOL_APP_KEY");
	*created = false;
	path[0] = '\0';
	if (api && *api && app && *app) {
		if (strlen(api) >= sizeof srv->api_key || strlen(app) >= sizeof srv->app_key) {
			fprintf(stderr, "pgotool serve: error: keys must be shorter than %zu bytes\n", sizeof srv->api_key);
			return -1;
		}
		snprintf(srv->api_key, sizeof srv->api_key, "%s", api);
		snprintf(srv->app_key, sizeof srv->app_key, "%s", app);
		return 0;
	}
	if ((api && *api) != (app && *app)) {
		fprintf(stderr, "pgotool serve: error: give both the API key and the application key, or neither\n");
		return -1;
	}
	snprintf(path, path_size, "%s/keys", o->data_dir);
	char text[512] = {0};
	FILE *f = fopen(path, "r");
	if (f) {
		size_t n = fread(text, 1, sizeof text - 1, f);
		text[n] = '\0';
		fclose(f);
		if (!read_key_line(text, "api-key: ", srv->api_key, sizeof srv->api_key) ||
		    !read_key_line(text, "app-key: ", srv->app_key, sizeof srv->app_key)) {
			fprintf(stderr, "pgotool serve: error: %s: expected 'api-key: ...' and 'app-key: ...' lines\n", path);
			return -1;
		}
		return 0;
	}
	char k1[33], k2[33];
	/* A key from uninitialised memory would be no key at all. */
	if (random_key(k1) || random_key(k2)) {
		fprintf(stderr, "pgotool serve: error: cannot make keys: the kernel gave no random bytes (getrandom: %s)\n",
		        strerror(errno));
		return -1;
	}
	snprintf(srv->api_key, sizeof srv->api_key, "%s", k1);
	snprintf(srv->app_key, sizeof srv->app_key, "%s", k2);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "pgotool serve: error: %s: cannot create the key file: %s\n", path, strerror(errno));
		return -1;
	}
	int len = snprintf(text, sizeof text, "api-key: %s\napp-key: %s\n", k1, k2);
	bool ok = write(fd, text, (size_t)len) == len && fsync(fd) == 0;
	close(fd);
	if (!ok) {
		unlink(path);
		fprintf(stderr, "pgotool serve: error: %s: cannot write the key file\n", path);
		return -1;
	}
	*created = true;
	return 0;
}

/* ---- retention ------------------------------------------------------ */

typedef struct purger {
	server *srv;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
} purger;

static void *purge_main(void *arg)
{
	purger *pg = arg;
	const serve_options *o = pg->srv->o;
	/* Often enough that nothing outlives the retention by much. */
	int64_t every = o->retention_ns / 48;
	if (every > (int64_t)600 * 1000000000)
		every = (int64_t)600 * 1000000000;
	if (every < 1000000000)
		every = 1000000000;
	pthread_mutex_lock(&pg->lock);
	while (!pg->stop) {
		size_t deleted = 0;
		char err[256];
		pthread_mutex_unlock(&pg->lock);
		if (store_purge(pg->srv->store, now_ns() - o->retention_ns, &deleted, err, sizeof err))
			log_line(o, "ERROR", "retention purge failed: %s", err);
		else if (deleted)
			log_line(o, "INFO", "retention: deleted %zu profiles older than the retention period", deleted);
		pthread_mutex_lock(&pg->lock);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		int64_t t = (int64_t)until.tv_sec * 1000000000 + until.tv_nsec + every;
		until.tv_sec = (time_t)(t / 1000000000);
		until.tv_nsec = (long)(t % 1000000000);
		while (!pg->stop && pthread_cond_timedwait(&pg->wake, &pg->lock, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&pg->lock);
	return NULL;
}

/* ---- startup -------------------------------------------------------- */

static char *read_file(const char *path, size_t limit)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(limit + 1);
	size_t n = buf ? fread(buf, 1, limit, f) : 0;
	fclose(f);
	if (!buf)
		return NULL;
	buf[n] = '\0';
	return buf;
}

static int parse_listen(const char *listen, struct sockaddr_storage *ss, bool *v6, char *shown, size_t shown_size)
{
	const char *colon = strrchr(listen, ':');
	if (!colon || !colon[1])
		return -1;
	char *end = NULL;
	long port = strtol(colon + 1, &end, 10);
	if (*end || port < 0 || port > 65535)
		return -1;
	char host[128];
	size_t hl = (size_t)(colon - listen);
	if (hl >= sizeof host)
		return -1;
	memcpy(host, listen, hl);
	host[hl] = '\0';
	memset(ss, 0, sizeof *ss);
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
			return -1;
		*v6 = true;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, hl ? host : "0.0.0.0", &a->sin_addr) != 1)
			return -1;
		*v6 = false;
	}
	snprintf(shown, shown_size, "%s", host[0] == '[' ? host + 1 : (hl ? host : "0.0.0.0"));
	return 0;
}

int serve_run(const serve_options *o)
{
	/* SIGINT and SIGTERM are taken by sigwait at the end. Every thread (the
	 * store's writer, the HTTP threads, the purge) inherits this mask, so
	 * none of them can be the one a stop signal kills. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	server srv = {.o = o};
	struct sockaddr_storage addr;
	bool v6 = false;
	char host[128];
	if (parse_listen(o->listen, &addr, &v6, host, sizeof host)) {
		fprintf(stderr, "pgotool serve: error: --listen %s: expected ADDR:PORT, e.g. 127.0.0.1:8126\n", o->listen);
		return 2;
	}
	if (!o->tls_cert != !o->tls_key) {
		fprintf(stderr, "pgotool serve: error: --tls-cert and --tls-key go together\n");
		return 2;
	}
	char *cert = NULL, *key = NULL;
	if (o->tls_cert) {
		cert = read_file(o->tls_cert, 1 << 20);
		key = read_file(o->tls_key, 1 << 20);
		if (!cert || !key) {
			fprintf(stderr, "pgotool serve: error: cannot read %s: %s\n", cert ? o->tls_key : o->tls_cert,
			        strerror(errno));
			free(cert);
			free(key);
			return 1;
		}
	}
	char err[512];
	if (store_open(o->data_dir, &srv.store, err, sizeof err)) {
		fprintf(stderr, "pgotool serve: error: %s\n", err);
		free(cert);
		free(key);
		return 1;
	}
	char key_path[1024];
	bool created = false;
	if (resolve_keys(&srv, key_path, sizeof key_path, &created)) {
		store_close(srv.store);
		free(cert);
		free(key);
		return 1;
	}

	signal(SIGPIPE, SIG_IGN);

	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG;
	if (v6)
		flags |= MHD_USE_IPv6;
	if (cert)
		flags |= MHD_USE_TLS;
	struct MHD_OptionItem tls_opts[] = {
		{MHD_OPTION_HTTPS_MEM_CERT, 0, cert},
		{MHD_OPTION_HTTPS_MEM_KEY, 0, key},
		{MHD_OPTION_END, 0, NULL},
	};
	struct MHD_Daemon *d = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, &srv,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
		MHD_OPTION_CONNECTION_LIMIT, o->max_connections,
		MHD_OPTION_CONNECTION_TIMEOUT, o->timeout_s,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, &srv,
		MHD_OPTION_ARRAY, cert ? tls_opts : (struct MHD_OptionItem[]){{MHD_OPTION_END, 0, NULL}},
		MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "pgotool serve: error: cannot listen on %s (in use, or not an address of this host)\n",
		        o->listen);
		store_close(srv.store);
		free(cert);
		free(key);
		return 1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	unsigned port = info ? info->port : 0;
	log_line(o, "INFO", "pgotool serve %s listening on %s://%s%s%s:%u, data in %s (%zu profiles), retention %llds",
	         PGO_VERSION, cert ? "https" : "http", v6 ? "[" : "", host, v6 ? "]" : "", port, o->data_dir,
	         store_count(srv.store), (long long)(o->retention_ns / 1000000000));
	if (key_path[0])
		log_line(o, "INFO", "API and application keys %s %s", created ? "created in" : "read from", key_path);

	purger pg = {.srv = &srv};
	pthread_mutex_init(&pg.lock, NULL);
	pthread_cond_init(&pg.wake, NULL);
	pthread_t purge_thread;
	int perr = pthread_create(&purge_thread, NULL, purge_main, &pg);
	bool purging = perr == 0;
	if (!purging)
		log_line(o, "ERROR", "cannot start the retention purge (%s): nothing will be deleted until a restart",
		         strerror(perr));

	int sig = 0;
	sigwait(&stop, &sig);
	log_line(o, "INFO", "%s: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
	MHD_stop_daemon(d); /* waits for the requests in flight */
	if (purging) {
		pthread_mutex_lock(&pg.lock);
		pg.stop = true;
		pthread_cond_signal(&pg.wake);
		pthread_mutex_unlock(&pg.lock);
		pthread_join(purge_thread, NULL);
	}
	store_close(srv.store);
	free(cert);
	free(key);
	log_line(o, "INFO", "stopped");
	return 0;
}
