/* The server's log; see request_log.h. */
#define _DEFAULT_SOURCE
#include "request_log.h"

#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timefmt.h"
#include "utf8.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

double monotonic(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int64_t now_ns(void)
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

static void emit(const char *line)
{
	pthread_mutex_lock(&log_lock);
	if (line)
		printf("%s\n", line);
	fflush(stdout);
	pthread_mutex_unlock(&log_lock);
}

static void emit_json(json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	emit(text);
	free(text);
	json_decref(j);
}

void log_line(const serve_options *o, const char *level, const char *fmt, ...)
{
	char raw[1024], msg[4096], when[48];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	utf8_escape(raw, msg, sizeof msg);
	log_time(when, sizeof when);
	if (o->json_logs) {
		emit_json(json_pack("{s:s, s:s, s:s}", "time", when, "level", level, "msg", msg));
		return;
	}
	char line[4200];
	snprintf(line, sizeof line, "%s %-5s %s", when, level, msg);
	emit(line);
}

void log_request(const request *r, double now)
{
	const serve_options *o = r->srv->o;
	double ms = (now - r->started) * 1000;
	char when[48], method[4 * sizeof r->method + 1], path[4 * sizeof r->path + 1], service[4 * sizeof r->service + 1];
	log_time(when, sizeof when);
	utf8_escape(r->method, method, sizeof method);
	utf8_escape(r->path, path, sizeof path);
	utf8_escape(r->service, service, sizeof service);
	if (o->json_logs) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:i, s:I, s:I, s:f}", "time", when, "level", "info", "method",
		                      method, "path", path, "status", r->status, "bytes_in", (json_int_t)r->bytes_in,
		                      "bytes_out", (json_int_t)r->bytes_out, "duration_ms", ms);
		if (j && r->reason[0])
			json_object_set_new(j, "error", json_string(r->reason));
		if (j && r->service[0])
			json_object_set_new(j, "service", json_string(service));
		if (j && r->profile_id[0])
			json_object_set_new(j, "profile_id", json_string(r->profile_id));
		emit_json(j);
		return;
	}
	char upload[sizeof service + sizeof r->profile_id + 32] = "";
	/* Room for every field at its longest: the line is never cut. */
	char line[sizeof when + sizeof method + sizeof path + sizeof upload + sizeof r->reason + 128];
	/* An upload names its service and the profile id it got. */
	if (r->service[0] || r->profile_id[0])
		snprintf(upload, sizeof upload, "%s%s%s%s", r->service[0] ? " service=" : "", service,
		         r->profile_id[0] ? " profile=" : "", r->profile_id);
	if (r->status)
		snprintf(line, sizeof line, "%s INFO  %s %s %d in=%llu out=%zu %.1fms%s%s%s", when, method, path, r->status,
		         (unsigned long long)r->bytes_in, r->bytes_out, ms, upload, r->reason[0] ? ": " : "", r->reason);
	else
		snprintf(line, sizeof line, "%s INFO  %s %s refused by the HTTP layer (malformed or oversized headers) %.1fms",
		         when, method, path, ms);
	emit(line);
}
