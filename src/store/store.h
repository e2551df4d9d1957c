/*
 * The profile store: uploads kept in SQLite (WAL), with their metadata
 * also held in memory so that searches never touch the disk.
 *
 * store_put returns only once the upload is durable (its transaction has
 * committed with synchronous=FULL). Concurrent puts are committed together
 * by one writer thread, so durability costs one fsync per batch, not per
 * upload.
 */
#ifndef PGO_STORE_H
#define PGO_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "query.h"

typedef struct pgo_store pgo_store;

typedef struct store_attachment {
	char *name;        /* "cpu.pprof", "metrics.json", ... */
	uint8_t *data;     /* as uploaded (gzip, zstd or raw) */
	size_t size;
} store_attachment;

/* One upload as stored. Strings are owned by whoever built the struct. */
typedef struct store_upload {
	char profile_id[40];
	char event_id[40];
	int64_t start_ns, end_ns;
	int64_t duration_nanos;
	double core_cpu_cores;
	int64_t core_cpu_time_total;
	char **tags;       /* "key:value" */
	size_t n_tags;
	char *event_json;  /* the event part, as sent */
	store_attachment *attachments;
	size_t n_attachments;
} store_upload;

/* Search results: metadata only, copied out of the store. */
typedef struct store_hit {
	char profile_id[40];
	char event_id[40];
	int64_t start_ns, end_ns;
	int64_t duration_nanos;
	double core_cpu_cores;
	int64_t core_cpu_time_total;
	char *service;
	char **tags;
	size_t n_tags;
	/* The upload's endpoint_counts (requests per endpoint, which dd-trace-go
	 * sends in event.json), as compact JSON; NULL without one. One larger
	 * than STORE_MAX_ENDPOINT_COUNTS is kept as its total only:
	 * {"(all endpoints)": N}. */
	char *endpoint_counts;
} store_hit;

#define STORE_MAX_ENDPOINT_COUNTS 65536

typedef enum store_sort { SORT_CPU_CORES, SORT_TIMESTAMP } store_sort;

typedef struct store_search_request {
	int64_t from_ns, to_ns;   /* start time in [from, to] */
	const pgo_query *query;
	store_sort sort;
	bool descending;
	size_t limit;
	bool ids_only;            /* hits without service, tags and endpoint counts: for gopgo */
} store_search_request;

/* The version of profiles.db's schema this store writes (PRAGMA user_version). */
#define STORE_SCHEMA_VERSION 1

/* Opens (creating if needed) DIR/profiles.db. An older schema is migrated
 * (version 0 is the unversioned one of earlier pgotools), all in one
 * transaction; a newer one, or a file that is not a pgotool store, is refused
 * and left as it was. err gets one line. */
int store_open(const char *dir, pgo_store **out, char *err, size_t err_size);
void store_close(pgo_store *s);

/* Bytes from the kernel's random source (getrandom). */
int store_random(void *buf, size_t n); /* 0, or -1 with errno when the kernel gives none */

/* A fresh random id (a version-4 UUID): opaque, unique without coordination. */
int store_new_id(char out[40]);        /* 0, or -1 (out is then "") */

/* Stores an upload durably. Ids left empty are filled in. */
int store_put(pgo_store *s, store_upload *u, char *err, size_t err_size);

int store_search(pgo_store *s, const store_search_request *req, store_hit **hits, size_t *n_hits,
                 char *err, size_t err_size);
void store_hits_free(store_hit *hits, size_t n);

/* Every match of req (its limit aside) is counted in *total, and the hits
 * are the page [offset, offset + req->limit) of them in req's order. */
int store_search_page(pgo_store *s, const store_search_request *req, size_t offset, store_hit **hits,
                      size_t *n_hits, size_t *total, char *err, size_t err_size);

/* Calls visit on every upload that started in [from, to] and matches query
 * (NULL: all), with the store's index locked for reading: visit must be
 * quick, must not call the store, and may keep nothing of hit past its
 * return. A nonzero return stops the walk. Returns the uploads visited. */
size_t store_each(pgo_store *s, int64_t from_ns, int64_t to_ns, const pgo_query *query,
                  int (*visit)(void *ctx, const store_hit *hit), void *ctx);

/* The attachments of one upload; name NULL for all of them. Returns 0 and
 * *n = 0 if the upload does not exist. */
int store_attachments(pgo_store *s, const char *profile_id, const char *event_id, const char *name,
                      store_attachment **out, size_t *n, char *err, size_t err_size);
void store_attachments_free(store_attachment *a, size_t n);

/* The names of one upload's attachments, sorted; none if it does not exist. */
int store_attachment_names(pgo_store *s, const char *profile_id, const char *event_id, char ***names, size_t *n,
                           char *err, size_t err_size);
void store_names_free(char **names, size_t n);

/* Deletes uploads the store received before cutoff_ns; the retention purge.
 * It counts from receipt, not from the start time the uploader claims. */
int store_purge(pgo_store *s, int64_t cutoff_ns, size_t *deleted, char *err, size_t err_size);

/* Deletes the count uploads the store received first (--max-disk). */
int store_delete_oldest(pgo_store *s, size_t count, size_t *deleted, char *err, size_t err_size);

/* PGO-aware downsampling: of the uploads received before the cutoff, keeps
 * per service, env, version and hour of their start the `keep` with the
 * most core_cpu_cores (ties: the smallest profile id), and deletes the
 * rest. *groups gets how many such groups there were. */
int store_downsample(pgo_store *s, int64_t received_before_ns, size_t keep, size_t *deleted, size_t *groups,
                     char *err, size_t err_size);

/* Bytes of the database file in use (pages not on SQLite's free list) and
 * its whole size. Deleted data frees pages that later writes reuse. */
int store_disk_bytes(pgo_store *s, uint64_t *used, uint64_t *file, char *err, size_t err_size);

size_t store_count(pgo_store *s);

/* What the writer has done since store_open: puts and purges that succeeded,
 * and the transactions that committed them (group commit makes commits fewer
 * than puts when puts come concurrently). */
typedef struct store_stats {
	uint64_t puts, purges, commits;
} store_stats;
void store_get_stats(pgo_store *s, store_stats *out);

#endif
