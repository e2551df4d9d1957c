/*
 * The query API that datadog-pgo uses: list, gopgo and download, with the
 * request and response shapes it sends and reads.
 */
#define _DEFAULT_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <stdbool.h>

#include "ddapi.h"
#include "handlers.h"
#include "pgo.h"
#include "query.h"
#include "request_log.h"
#include "response.h"
#include "upload.h"
#include "zipout.h"

/* The most profiles one gopgo answer holds (README, "Limits"). */
#define GOPGO_MAX_PROFILES 1000

/* A search as the store runs it: the API's search object, its query parsed. */
typedef struct search {
	store_search_request req;
	pgo_query *query;
} search;

/* now is the store's clock at the request: "now-72h" counts back from it. */
static int parse_search(json_t *q, const char *where, int64_t now, search *out, char *msg, size_t n)
{
	memset(out, 0, sizeof *out);
	dd_search ds;
	if (dd_search_from_json(q, where, now, &ds, msg, n))
		return -1;
	query_error qe;
	if (query_parse(ds.query, &out->query, &qe)) {
		snprintf(msg, n, "%s: filter.query: %s", where, qe.message);
		dd_search_free(&ds);
		return -1;
	}
	out->req = (store_search_request){
		.from_ns = ds.from_ns,
		.to_ns = ds.to_ns,
		.query = out->query,
		.sort = strcmp(ds.sort_field, "timestamp") ? SORT_CPU_CORES : SORT_TIMESTAMP,
		.descending = ds.descending,
		.limit = (size_t)ds.limit,
	};
	dd_search_free(&ds);
	return 0;
}

static json_t *load_body(request *r, struct MHD_Connection *c, enum MHD_Result *ret)
{
	json_error_t jerr;
	json_t *body = r->len ? json_loadb(r->body, r->len, 0, &jerr) : NULL;
	if (!body)
		*ret = respond_error(r, c, MHD_HTTP_BAD_REQUEST, "%s: the body is not JSON (line %d, column %d: %s)",
		                     r->path, r->len ? jerr.line : 0, r->len ? jerr.column : 0,
		                     r->len ? jerr.text : "empty body");
	return body;
}

enum MHD_Result handle_list(request *r, struct MHD_Connection *c)
{
	enum MHD_Result ret;
	json_t *body = load_body(r, c, &ret);
	if (!body)
		return ret;
	search s;
	char msg[512], err[256];
	if (parse_search(body, "list", now_ns(), &s, msg, sizeof msg)) {
		json_decref(body);
		return respond_error(r, c, MHD_HTTP_BAD_REQUEST, "%s", msg);
	}
	json_decref(body);
	store_hit *hits = NULL;
	size_t n = 0;
	int rc = store_search(r->srv->store, &s.req, &hits, &n, err, sizeof err);
	query_free(s.query);
	if (rc)
		return respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "search failed: %s", err);
	/* The hits' strings are lent to the answer, not copied. */
	dd_profile *profiles = calloc(n ? n : 1, sizeof *profiles);
	char *text = NULL;
	if (profiles) {
		for (size_t i = 0; i < n; i++)
			profiles[i] = (dd_profile){
				.event_id = hits[i].event_id,
				.profile_id = hits[i].profile_id,
				.service = hits[i].service,
				.duration_nanos = hits[i].duration_nanos,
				.timestamp_ns = hits[i].start_ns,
				.core_cpu_cores = hits[i].core_cpu_cores,
				.core_cpu_time_total = hits[i].core_cpu_time_total,
				.tags = hits[i].tags,
				.n_tags = hits[i].n_tags,
				.endpoint_counts = hits[i].endpoint_counts,
			};
		text = dd_list_answer(profiles, n);
	}
	free(profiles);
	store_hits_free(hits, n);
	if (!text)
		return respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	return respond(r, c, MHD_HTTP_OK, "application/json", text, strlen(text));
}

/* ---- profiles, one at a time, as a zip --------------------------------- */

/*
 * Datadog serves profiles as gzip or raw pprof, never zstd, which its
 * clients (google/pprof's parser) cannot read. Since dd-trace-go v2.4
 * uploads every attachment as zstd, such an attachment is given back as a
 * pprof's usual gzip, or decompressed when it is not a pprof (metrics.json,
 * go.trace); anything else goes out as uploaded. Intake has checked that
 * every compressed attachment inflates within UPLOAD_MAX_INFLATED.
 */
static int served_bytes(store_attachment *a, char *err, size_t n)
{
	if (pgo_sniff(a->data, a->size) != PGO_COMPRESSION_ZSTD)
		return 0;
	uint8_t *raw = NULL, *out = NULL;
	size_t raw_n = 0, out_n = 0;
	pgo_error e;
	if (pgo_decompress(a->data, a->size, a->name, UPLOAD_MAX_INFLATED, &raw, &raw_n, &e)) {
		snprintf(err, n, "%.200s", e.message);
		return -1;
	}
	size_t len = strlen(a->name);
	bool pprof = len > 6 && strcmp(a->name + len - 6, ".pprof") == 0;
	if (pprof) {
		if (pgo_gzip(raw, raw_n, 6, &out, &out_n, &e)) {
			free(raw);
			snprintf(err, n, "%.200s", e.message);
			return -1;
		}
		free(raw);
	} else {
		out = raw;
		out_n = raw_n;
	}
	free(a->data);
	a->data = out;
	a->size = out_n;
	return 0;
}

/* What an answer's zip holds, one entry at a time: either one upload's
 * attachments (names), or the cpu.pprof of each profile (ids). */
typedef struct zip_plan {
	server *srv;
	char profile_id[40], event_id[40];
	bool have_event;
	char **names;           /* download: attachment names */
	char (*ids)[2][40];     /* gopgo: profile and event ids */
	size_t n, next;
	size_t held;            /* budget bytes of the entry being sent */
	struct MHD_Connection *c;
} zip_plan;

static void plan_free(void *cls)
{
	zip_plan *p = cls;
	store_names_free(p->names, p->names ? p->n : 0);
	free(p->ids);
	budget_hold(&p->srv->memory, &p->held, 0, true);
	free(p);
}

static int plan_next(void *ctx, char **name, uint8_t **data, size_t *size, char *err, size_t n)
{
	zip_plan *p = ctx;
	/* Answers go to key holders: they draw on the whole budget, like small uploads. */
	budget_hold(&p->srv->memory, &p->held, 0, true); /* the last entry has gone out */
	while (p->next < p->n) {
		size_t i = p->next++;
		const char *pid = p->ids ? p->ids[i][0] : p->profile_id;
		const char *eid = p->ids ? p->ids[i][1] : (p->have_event ? p->event_id : NULL);
		const char *want = p->ids ? "cpu.pprof" : p->names[i];
		store_attachment *a = NULL;
		size_t na = 0;
		if (store_attachments(p->srv->store, pid, eid, want, &a, &na, err, n))
			return -1;
		if (na == 0)
			continue; /* purged meanwhile */
		/* Inflating holds up to UPLOAD_MAX_INFLATED: a few at a time, within the budget. */
		sem_wait(&p->srv->decoders);
		int rc = served_bytes(&a[0], err, n);
		sem_post(&p->srv->decoders);
		if (rc || !budget_hold(&p->srv->memory, &p->held, a[0].size, true)) {
			if (!rc)
				snprintf(err, n, "the server holds as many bytes as it may (--max-memory)");
			store_attachments_free(a, na);
			return -1;
		}
		if (p->ids) {
			*name = strdup(pid);
			free(a[0].name);
		} else {
			*name = a[0].name;
		}
		*data = a[0].data;
		*size = a[0].size;
		a[0].name = NULL;
		a[0].data = NULL;
		store_attachments_free(a, na);
		if (!*name) {
			free(*data);
			snprintf(err, n, "out of memory");
			return -1;
		}
		return 1;
	}
	return 0;
}

typedef struct zip_reader {
	zip_plan *plan;
	zipout *z;
	request *r;
	char path[256];
} zip_reader;

static ssize_t zip_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	zip_reader *zr = cls;
	ssize_t n = zipout_read(zr->z, (uint8_t *)buf, max);
	if (n > 0)
		return n;
	if (n == 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	/* Headers are gone already: the client sees a cut archive, and the log why. */
	log_line(zr->plan->srv->o, "ERROR", "%s: the zip answer stopped after %zu entries: %s", zr->path,
	         zipout_entries(zr->z), zipout_error(zr->z));
	return MHD_CONTENT_READER_END_WITH_ERROR;
}

static void zip_reader_free(void *cls)
{
	zip_reader *zr = cls;
	zipout_free(zr->z);
	plan_free(zr->plan);
	free(zr);
}

/* Answers 200 with the plan's zip, streamed; takes the plan. */
static enum MHD_Result respond_zip(request *r, struct MHD_Connection *c, zip_plan *plan)
{
	zip_reader *zr = calloc(1, sizeof *zr);
	if (zr)
		zr->z = zipout_new(plan_next, plan);
	if (!zr || !zr->z) {
		free(zr);
		plan_free(plan);
		return respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	zr->plan = plan;
	snprintf(zr->path, sizeof zr->path, "%s", r->path);
	struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, zip_read, zr,
	                                                              zip_reader_free);
	if (!resp) {
		zip_reader_free(zr);
		return MHD_NO;
	}
	return respond_stream(r, c, MHD_HTTP_OK, "application/zip", resp);
}

/* Repeats are found by sorting (id, position) pairs: O(n log n). */
typedef struct keyed {
	const char *id;
	size_t at;
} keyed;

static int by_id(const void *a, const void *b)
{
	const keyed *x = a, *y = b;
	int c = strcmp(x->id, y->id);
	return c ? c : (x->at > y->at) - (x->at < y->at);
}

/* Keeps the first of each profile id, in order. Returns the new count, or
 * (size_t)-1 out of memory. */
static size_t drop_repeats(char (*ids)[2][40], size_t n)
{
	keyed *k = malloc((n ? n : 1) * sizeof *k);
	bool *dup = calloc(n ? n : 1, sizeof *dup);
	if (!k || !dup) {
		free(k);
		free(dup);
		return (size_t)-1;
	}
	for (size_t i = 0; i < n; i++)
		k[i] = (keyed){ids[i][0], i};
	qsort(k, n, sizeof *k, by_id);
	for (size_t i = 1; i < n; i++)
		if (!strcmp(k[i].id, k[i - 1].id))
			dup[k[i].at] = true; /* the same id, later in the queries' order */
	size_t kept = 0;
	for (size_t i = 0; i < n; i++)
		if (!dup[i])
			memmove(ids[kept++], ids[i], sizeof ids[i]);
	free(k);
	free(dup);
	return kept;
}

enum MHD_Result handle_gopgo(request *r, struct MHD_Connection *c)
{
	enum MHD_Result ret;
	json_t *body = load_body(r, c, &ret);
	if (!body)
		return ret;
	json_t *queries = json_object_get(body, "queries");
	if (!json_is_array(queries) || json_array_size(queries) == 0 || json_array_size(queries) > DD_MAX_QUERIES) {
		json_decref(body);
		return respond_error(r, c, MHD_HTTP_BAD_REQUEST, "gopgo: 'queries' must be an array of 1 to %d searches",
		                     DD_MAX_QUERIES);
	}
	/* Only ids are kept here; the profiles go out one at a time. */
	zip_plan *plan = calloc(1, sizeof *plan);
	size_t cap = 0;
	char msg[512], err[256];
	if (!plan) {
		json_decref(body);
		return respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	plan->srv = r->srv;
	/* One "now" for every query of the request. */
	int64_t now = now_ns();
	for (size_t qi = 0; qi < json_array_size(queries); qi++) {
		search s;
		char where[32];
		snprintf(where, sizeof where, "queries[%zu]", qi);
		if (parse_search(json_array_get(queries, qi), where, now, &s, msg, sizeof msg)) {
			ret = respond_error(r, c, MHD_HTTP_BAD_REQUEST, "gopgo: %s", msg);
			goto fail;
		}
		s.req.ids_only = true;
		store_hit *hits = NULL;
		size_t nh = 0;
		int rc = store_search(r->srv->store, &s.req, &hits, &nh, err, sizeof err);
		query_free(s.query);
		if (rc) {
			ret = respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "gopgo: search failed: %s", err);
			goto fail;
		}
		if (plan->n + nh > cap) {
			size_t want = cap ? cap : 64;
			while (want < plan->n + nh)
				want *= 2;
			char(*ids)[2][40] = realloc(plan->ids, want * sizeof *ids);
			if (!ids) {
				store_hits_free(hits, nh);
				ret = respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
				goto fail;
			}
			plan->ids = ids;
			cap = want;
		}
		for (size_t i = 0; i < nh; i++) {
			memcpy(plan->ids[plan->n][0], hits[i].profile_id, 40);
			memcpy(plan->ids[plan->n][1], hits[i].event_id, 40);
			plan->n++;
		}
		store_hits_free(hits, nh);
		size_t kept = drop_repeats(plan->ids, plan->n);
		if (kept == (size_t)-1) {
			ret = respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
			goto fail;
		}
		plan->n = kept;
		if (plan->n > GOPGO_MAX_PROFILES) {
			ret = respond_error(r, c, MHD_HTTP_BAD_REQUEST,
			                    "gopgo: the queries match more than %d profiles, the most one answer holds; "
			                    "lower their limits or narrow them",
			                    GOPGO_MAX_PROFILES);
			goto fail;
		}
	}
	json_decref(body);
	if (plan->n == 0) {
		plan_free(plan);
		return respond_error(r, c, MHD_HTTP_NOT_FOUND, "gopgo: no CPU profiles match the queries");
	}
	return respond_zip(r, c, plan);
fail:
	json_decref(body);
	plan_free(plan);
	return ret;
}

enum MHD_Result handle_download(request *r, struct MHD_Connection *c)
{
	/* The route is /api/ui/profiling/profiles/ID/download. */
	const char *id = r->path + strlen("/api/ui/profiling/profiles/");
	size_t id_len = strcspn(id, "/");
	const char *event_id = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "eventId");
	zip_plan *plan = calloc(1, sizeof *plan);
	if (!plan)
		return respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	plan->srv = r->srv;
	if (id_len >= sizeof plan->profile_id || (event_id && strlen(event_id) >= sizeof plan->event_id)) {
		plan_free(plan);
		return respond_error(r, c, MHD_HTTP_NOT_FOUND, "profile %.64s not found: no id is that long", id);
	}
	memcpy(plan->profile_id, id, id_len);
	plan->profile_id[id_len] = '\0';
	if (event_id) {
		snprintf(plan->event_id, sizeof plan->event_id, "%s", event_id);
		plan->have_event = true;
	}
	char err[256];
	if (store_attachment_names(r->srv->store, plan->profile_id, event_id, &plan->names, &plan->n, err, sizeof err)) {
		plan_free(plan);
		return respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "download: %s", err);
	}
	if (plan->n == 0) {
		enum MHD_Result ret = respond_error(r, c, MHD_HTTP_NOT_FOUND, "profile %s%s%s not found", plan->profile_id,
		                                    event_id ? " with event " : "", event_id ? plan->event_id : "");
		plan_free(plan);
		return ret;
	}
	return respond_zip(r, c, plan);
}
