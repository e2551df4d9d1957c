/*
 * Uploads refused for want of the API key (--intake-key): a profiler that
 * sends none loses every profile, and its own log says nothing, so the
 * store warns, once a minute for each client address, with what to do.
 */
#ifndef PGO_KEYLESS_H
#define PGO_KEYLESS_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdint.h>

#define KEYLESS_SOURCES 64
#define KEYLESS_WARNINGS_PER_MINUTE 10 /* in all: many addresses must not flood the log */

typedef struct keyless_source {
	char addr[64];
	int64_t warned_ns;   /* when its last warning went out; 0: never */
	uint64_t refused;    /* uploads refused since then */
} keyless_source;

typedef struct keyless_log {
	pthread_mutex_t lock;
	keyless_source sources[KEYLESS_SOURCES];
	int64_t window_ns;   /* when the current minute of warnings began */
	unsigned warnings;   /* warnings in it */
} keyless_log;

struct server;

void keyless_init(keyless_log *k);
void keyless_destroy(keyless_log *k);

/* An upload from c refused without a key: warns when its address has not
 * been warned of in the last minute (the table keeps the 64 addresses
 * warned of most recently), at most KEYLESS_WARNINGS_PER_MINUTE in all. */
void keyless_refused(struct server *srv, struct MHD_Connection *c, int64_t now_ns);

#endif
