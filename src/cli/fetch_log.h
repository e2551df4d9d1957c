/*
 * The log of `pgotool fetch`, in datadog-pgo's two formats, on stdout:
 * human-readable lines like those of its slog handler (time, level, message,
 * key=value pairs; coloured only on a terminal, never when NO_COLOR is set),
 * or one JSON object per line with -json (durations in integer ns, as slog
 * writes them). Safe to call from several threads.
 */
#ifndef PGO_FETCH_LOG_H
#define PGO_FETCH_LOG_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level;

typedef enum log_kind { LA_STRING, LA_INT, LA_FLOAT, LA_DURATION } log_kind;

typedef struct log_attr {
	const char *key;
	log_kind kind;
	const char *s;
	int64_t i; /* LA_INT, or ns for LA_DURATION */
	double f;
} log_attr;

#define LA_STR(k, v) ((log_attr){.key = (k), .kind = LA_STRING, .s = (v)})
#define LA_I64(k, v) ((log_attr){.key = (k), .kind = LA_INT, .i = (int64_t)(v)})
#define LA_F64(k, v) ((log_attr){.key = (k), .kind = LA_FLOAT, .f = (v)})
#define LA_DUR(k, v) ((log_attr){.key = (k), .kind = LA_DURATION, .i = (int64_t)(v)})

typedef struct fetch_log {
	FILE *out;
	bool json, color, debug;
	pthread_mutex_t mu;
} fetch_log;

void fetch_log_init(fetch_log *l, FILE *out, bool json, bool debug);
void fetch_log_close(fetch_log *l);

void fetch_log_write(fetch_log *l, log_level level, const char *msg, const log_attr *attrs, size_t n);

/* FLOG(log, LOG_INFO, "wrote PGO file", LA_STR("path", p), LA_I64("bytes", n)) */
#define FLOG(l, level, msg, ...)                                                                   \
	fetch_log_write((l), (level), (msg), (const log_attr[]){{0}, __VA_ARGS__} + 1,               \
	                sizeof((const log_attr[]){{0}, __VA_ARGS__}) / sizeof(log_attr) - 1)
#define FLOG0(l, level, msg) fetch_log_write((l), (level), (msg), NULL, 0)

#endif
