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
#include <zip.h>

#include "ddapi.h"
#include "handlers.h"
#include "pgo.h"
#include "query.h"
#include "response.h"

/* A search as the store runs it: the API's search object, its query parsed. */
typedef struct search {
	store_search_request req;
	pgo_query *query;
} search;

static int parse_search(json_t *q, const char *where, search *out, char *msg, size_t n)
{
	memset(out, 0, sizeof *out);
	dd_search ds;
	if (dd_search_from_json(q, where, &ds, msg, n))
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
	if (parse_search(body, "list", &s, msg, sizeof msg)) {
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
			};
		text = dd_list_answer(profiles, n);
	}
	free(profiles);
	store_hits_free(hits, n);
	if (!text)
		return respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	return respond(r, c, MHD_HTTP_OK, "application/json", text, strlen(text));
}

/* ---- zip archives --------------------------------------------------- */

typedef struct zip_entry {
	const char *name;
	const uint8_t *data;
	size_t size;
} zip_entry;

/* An in-memory zip; entries are stored, as they are compressed already. */
static int build_zip(const zip_entry *e, size_t n, char **out, size_t *out_size, char *err, size_t errn)
{
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
	zip_t *za = src ? zip_open_from_source(src, ZIP_TRUNCATE, &ze) : NULL;
	if (!za) {
		snprintf(err, errn, "cannot create a zip archive: %s", zip_error_strerror(&ze));
		zip_source_free(src);
		zip_error_fini(&ze);
		return -1;
	}
	zip_source_keep(src);
	for (size_t i = 0; i < n; i++) {
		zip_source_t *s = zip_source_buffer(za, e[i].data, e[i].size, 0);
		zip_int64_t idx = s ? zip_file_add(za, e[i].name, s, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE) : -1;
		if (idx < 0) {
			if (s)
				zip_source_free(s);
			snprintf(err, errn, "cannot add %s to a zip archive: %s", e[i].name, zip_strerror(za));
			zip_discard(za);
			zip_source_free(src);
			return -1;
		}
		zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
		zip_file_set_mtime(za, (zip_uint64_t)idx, 0, 0); /* the same bytes for the same profiles */
	}
	if (zip_close(za) != 0) {
		snprintf(err, errn, "cannot write a zip archive: %s", zip_strerror(za));
		zip_discard(za);
		zip_source_free(src);
		return -1;
	}
	zip_stat_t st;
	char *buf = NULL;
	int rc = -1;
	if (zip_source_stat(src, &st) == 0 && zip_source_open(src) == 0) {
		buf = malloc(st.size ? st.size : 1);
		if (buf && zip_source_read(src, buf, st.size) == (zip_int64_t)st.size)
			rc = 0;
		zip_source_close(src);
	}
	zip_source_free(src);
	if (rc) {
		free(buf);
		snprintf(err, errn, "cannot read back a zip archive");
		return -1;
	}
	*out = buf;
	*out_size = st.size;
	return 0;
}

/*
 * Datadog serves profiles as gzip or raw pprof, never zstd, which its
 * clients (google/pprof's parser) cannot read. Since dd-trace-go v2.4
 * uploads every attachment as zstd, such an attachment is given back as a
 * pprof's usual gzip, or decompressed when it is not a pprof (metrics.json,
 * go.trace); anything else goes out as uploaded.
 */
#define SERVED_MAX ((size_t)256 << 20)

static int served_bytes(store_attachment *a, char *err, size_t n)
{
	if (pgo_sniff(a->data, a->size) != PGO_COMPRESSION_ZSTD)
		return 0;
	uint8_t *raw = NULL, *out = NULL;
	size_t raw_n = 0, out_n = 0;
	pgo_error e;
	/* An attachment that was never valid zstd (intake only checks
	 * cpu.pprof) goes out as it came in. */
	if (pgo_decompress(a->data, a->size, a->name, SERVED_MAX, &raw, &raw_n, &e))
		return 0;
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

enum MHD_Result handle_gopgo(request *r, struct MHD_Connection *c)
{
	enum MHD_Result ret;
	json_t *body = load_body(r, c, &ret);
	if (!body)
		return ret;
	json_t *queries = json_object_get(body, "queries");
	if (!json_is_array(queries) || json_array_size(queries) == 0 || json_array_size(queries) > DD_MAX_QUERIES) {
		json_decref(body);
		return respond_error(r, c, MHD_HTTP_BAD_REQUEST, "gopgo: 'queries' must be an array of 1 to 100 searches");
	}
	/* Every matching profile once, in query order, best first. */
	store_attachment *files = NULL;
	char (*names)[40] = NULL;
	size_t n_files = 0, cap = 0;
	char msg[512];
	ret = MHD_YES;
	bool failed = false;
	for (size_t qi = 0; qi < json_array_size(queries) && !failed; qi++) {
		search s;
		char where[32];
		snprintf(where, sizeof where, "queries[%zu]", qi);
		if (parse_search(json_array_get(queries, qi), where, &s, msg, sizeof msg)) {
			ret = respond_error(r, c, MHD_HTTP_BAD_REQUEST, "gopgo: %s", msg);
			failed = true;
			break;
		}
		store_hit *hits = NULL;
		size_t nh = 0;
		char err[256];
		if (store_search(r->srv->store, &s.req, &hits, &nh, err, sizeof err)) {
			query_free(s.query);
			ret = respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "gopgo: search failed: %s", err);
			failed = true;
			break;
		}
		query_free(s.query);
		for (size_t i = 0; i < nh && !failed; i++) {
			bool seen = false;
			for (size_t k = 0; k < n_files && !seen; k++)
				seen = !strcmp(names[k], hits[i].profile_id);
			if (seen)
				continue;
			store_attachment *a = NULL;
			size_t na = 0;
			if (store_attachments(r->srv->store, hits[i].profile_id, hits[i].event_id, "cpu.pprof", &a, &na, err,
			                      sizeof err)) {
				ret = respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "gopgo: %s", err);
				failed = true;
				break;
			}
			if (na == 0)
				continue; /* purged meanwhile, or an upload without a CPU profile */
			if (served_bytes(&a[0], err, sizeof err)) {
				store_attachments_free(a, na);
				ret = respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "gopgo: profile %s: %s",
				                    hits[i].profile_id, err);
				failed = true;
				break;
			}
			if (n_files == cap) {
				cap = cap ? cap * 2 : 8;
				store_attachment *nf = realloc(files, cap * sizeof *nf);
				char(*nn)[40] = realloc(names, cap * sizeof *nn);
				if (nf)
					files = nf;
				if (nn)
					names = nn;
				if (!nf || !nn) {
					store_attachments_free(a, na);
					ret = respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
					failed = true;
					break;
				}
			}
			files[n_files] = a[0];
			memcpy(names[n_files], hits[i].profile_id, sizeof names[n_files]);
			n_files++;
			a[0].name = NULL;
			a[0].data = NULL;
			store_attachments_free(a, na);
		}
		store_hits_free(hits, nh);
	}
	json_decref(body);
	if (!failed && n_files == 0)
		ret = respond_error(r, c, MHD_HTTP_NOT_FOUND, "gopgo: no CPU profiles match the queries");
	else if (!failed) {
		zip_entry *entries = calloc(n_files, sizeof *entries);
		char *zip = NULL;
		size_t zip_n = 0;
		char err[256];
		if (!entries)
			ret = respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		else {
			for (size_t i = 0; i < n_files; i++)
				entries[i] = (zip_entry){names[i], files[i].data, files[i].size};
			if (build_zip(entries, n_files, &zip, &zip_n, err, sizeof err))
				ret = respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "gopgo: %s", err);
			else
				ret = respond(r, c, MHD_HTTP_OK, "application/zip", zip, zip_n);
		}
		free(entries);
	}
	store_attachments_free(files, n_files);
	free(names);
	return ret;
}

enum MHD_Result handle_download(request *r, struct MHD_Connection *c)
{
	/* The route is /api/ui/profiling/profiles/ID/download. */
	const char *id = r->path + strlen("/api/ui/profiling/profiles/");
	size_t id_len = strcspn(id, "/");
	char profile_id[64];
	if (id_len >= sizeof profile_id)
		return respond_error(r, c, MHD_HTTP_NOT_FOUND, "profile %.64s... not found: no id is that long", id);
	memcpy(profile_id, id, id_len);
	profile_id[id_len] = '\0';
	const char *event_id = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "eventId");
	store_attachment *a = NULL;
	size_t n = 0;
	char err[256];
	if (store_attachments(r->srv->store, profile_id, event_id, NULL, &a, &n, err, sizeof err))
		return respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "download: %s", err);
	if (n == 0)
		return respond_error(r, c, MHD_HTTP_NOT_FOUND, "profile %s%s%s not found", profile_id,
		                     event_id ? " with event " : "", event_id ? event_id : "");
	for (size_t i = 0; i < n; i++) {
		if (served_bytes(&a[i], err, sizeof err)) {
			enum MHD_Result bad = respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "download: %s", err);
			store_attachments_free(a, n);
			return bad;
		}
	}
	zip_entry *entries = calloc(n, sizeof *entries);
	enum MHD_Result ret;
	char *zip = NULL;
	size_t zip_n = 0;
	if (!entries)
		ret = respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	else {
		for (size_t i = 0; i < n; i++)
			entries[i] = (zip_entry){a[i].name, a[i].data, a[i].size};
		if (build_zip(entries, n, &zip, &zip_n, err, sizeof err))
			ret = respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "download: %s", err);
		else
			ret = respond(r, c, MHD_HTTP_OK, "application/zip", zip, zip_n);
	}
	free(entries);
	store_attachments_free(a, n);
	return ret;
}
