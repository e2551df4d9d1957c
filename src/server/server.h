/*
 * pgotool serve: a self-hosted profile store. Go services upload to it as
 * to a Datadog agent; pgotool fetch and datadog-pgo query it with the
 * Datadog API. One process, one data directory.
 */
#ifndef PGO_SERVER_H
#define PGO_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct serve_options {
	const char *listen;        /* "127.0.0.1:8126" */
	const char *data_dir;
	const char *api_key;       /* NULL: from the key file */
	const char *app_key;
	bool intake_key;           /* intake requires DD-API-KEY too */
	const char *tls_cert;      /* PEM files; both or neither */
	const char *tls_key;
	bool json_logs;
	int64_t retention_ns;
	size_t max_body;           /* bytes */
	size_t max_memory;         /* request bytes buffered across the server */
	unsigned max_connections;
	unsigned timeout_s;        /* per connection, idle */
	const char *scrape_file;   /* --scrape: targets to scrape, or NULL */
	const char *keep;          /* --keep: attachment names to store, comma-separated; NULL: all */
	uint64_t max_disk;         /* bytes of database in use; 0: no bound */
	int64_t downsample_after_ns;
	size_t downsample_keep;    /* 0: no downsampling */
	bool ui;                   /* the web UI at /ui/ */
	int64_t ui_session_ns;     /* how long a web UI sign-in lasts */
} serve_options;

/* Runs until SIGINT or SIGTERM (SIGHUP reads the scrape file again);
 * returns a process exit status. Errors go to stderr as one line. */
int serve_run(const serve_options *o);

#endif
