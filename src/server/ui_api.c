/*
 * The JSON endpoints behind the web UI's pages: services and their PGO
 * state, search, one profile or a merge (flame graph and the compiler's hot
 * call sites), compare, and the default.pgo download. They compute what the
 * CLI computes, with the same code: `pgotool status` (status_groups),
 * `pgotool fetch` (its search and merge options), `pgotool inspect --json`
 * and `pgotool diff --json` (src/report).
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddapi.h"
#include "diff_report.h"
#include "flame_json.h"
#include "inspect_report.h"
#include "pgo.h"
#include "query.h"
#include "request_log.h"
#include "response.h"
#include "status_groups.h"
#include "timefmt.h"
#include "ui.h"
#include "upload.h"

#define UI_MAX_IDS 50       /* profiles one page merges */
#define UI_MAX_PER_PAGE 200
#define UI_MAX_TOP 100
#define UI_INSPECT_ROWS 100 /* profile: the first rows of each of inspect's lists (a large merge has 10,000s) */
#define UI_DIFF_ROWS 10     /* compare: the biggest shifts, and at most this many of each list, as diff's --top */
#define FLAME_MIN_SHARE (1.0 / 20000) /* thinner than 0.05 px of a 1000 px graph */

static const http_header no_store[] = {{"Cache-Control", "no-store"}, {NULL, NULL}};

static const char *arg(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
}

/* ?window=: a number of minutes (m), hours (h) or days (d), up to 400 days. */
static int window_arg(struct MHD_Connection *c, const char **text, int64_t *ns)
{
	const char *w = arg(c, "window");
	if (!w || !*w)
		w = "72h";
	*text = w;
	char *end;
	errno = 0;
	long long n = strtoll(w, &end, 10);
	int64_t unit = !strcmp(end, "m") ? 60 : !strcmp(end, "h") ? 3600 : !strcmp(end, "d") ? 86400 : 0;
	if (errno || end == w || n < 1 || !unit || n * unit > 400LL * 86400)
		return -1;
	*ns = (int64_t)(n * unit) * 1000000000;
	return 0;
}

/* ?NAME=N within [lo, hi], else def when absent; -1 when malformed. */
static int64_t int_arg(struct MHD_Connection *c, const char *name, int64_t def, int64_t lo, int64_t hi)
{
	const char *v = arg(c, name);
	if (!v || !*v)
		return def;
	char *end;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	return errno || *end || n < lo || n > hi ? -1 : n;
}

static json_t *time_json(int64_t ns)
{
	char t[48];
	rfc3339_format(ns, t, sizeof t);
	return json_string(t);
}

/* A string from outside (a tag, a service): JSON needs UTF-8. */
static json_t *text_json(const char *s)
{
	json_t *j = json_string(s);
	return j ? j : json_string("\xef\xbf\xbd");
}

/* ---- services ------------------------------------------------------------ */

typedef struct services_walk {
	status_report report;
	int failed;
} services_walk;

static int add_service_hit(void *ctx, const store_hit *h)
{
	services_walk *w = ctx;
	dd_profile p = {
		.event_id = (char *)h->event_id,
		.profile_id = (char *)h->profile_id,
		.service = h->service,
		.duration_nanos = h->duration_nanos,
		.timestamp_ns = h->start_ns,
		.core_cpu_cores = h->core_cpu_cores,
		.core_cpu_time_total = h->core_cpu_time_total,
		.tags = h->tags,
		.n_tags = h->n_tags,
		.requests = -1,
	};
	if (status_add(&w->report, &p) < 0) {
		w->failed = 1;
		return 1;
	}
	return 0;
}

enum MHD_Result handle_ui_services(request *r, struct MHD_Connection *c)
{
	const char *wtext;
	int64_t window;
	if (window_arg(c, &wtext, &window))
		return respond_error(r, c, MHD_HTTP_BAD_REQUEST,
		                     "%s: window must be a duration such as 24h, 72h or 8d (minutes m, hours h, days d)",
		                     r->path);
	int64_t now = now_ns(), from = now - window;
	services_walk w = {.report.ids_unique = true};
	store_each(r->srv->store, from, now, NULL, add_service_hit, &w);
	if (w.failed || status_finish(&w.report)) {
		status_report_free(&w.report);
		return respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	json_t *rows = json_array();
	for (size_t i = 0; i < w.report.n_groups; i++) {
		const status_group *g = &w.report.groups[i];
		size_t tagged = g->pgo_true + g->pgo_false + g->untagged;
		json_array_append_new(
			rows, json_pack("{s:o,s:o,s:o,s:s,s:f,s:I,s:I,s:I,s:f,s:o,s:I}", "service", text_json(g->service), "env",
		                    text_json(g->env), "version", text_json(g->version), "state",
		                    status_state_name(g->state), "pgo_share",
		                    tagged ? (double)g->pgo_true / (double)tagged : 0.0, "profiles", (json_int_t)g->profiles,
		                    "pgo_true", (json_int_t)g->pgo_true, "pgo_false", (json_int_t)g->pgo_false, "cpu_cores",
		                    g->profiles ? g->cores_sum / (double)g->profiles : 0.0, "newest", time_json(g->newest_ns),
		                    "newest_age_s", (json_int_t)((now - g->newest_ns) / 1000000000)));
	}
	json_t *doc = json_pack("{s:s,s:o,s:o,s:I,s:o}", "window", wtext, "from", time_json(from), "to", time_json(now),
	                        "profiles", (json_int_t)w.report.profiles, "services", rows);
	status_report_free(&w.report);
	return respond_json(r, c, MHD_HTTP_OK, doc, no_store);
}

/* ---- the profiles fetch picks -------------------------------------------- */

typedef struct id_list {
	char (*ids)[2][40]; /* profile id, event id */
	size_t n;
} id_list;

static void id_list_free(id_list *l)
{
	free(l->ids);
	l->ids = NULL;
	l->n = 0;
}

/* What `pgotool fetch QUERY -from WINDOW -profiles TOP` merges: its search,
 * made by the same code, run on the store. msg gets a 400's reason. */
static int fetch_pick(request *r, const char *q, int64_t window, int64_t top, id_list *out, char *msg, size_t n)
{
	memset(out, 0, sizeof *out);
	dd_search ds;
	if (dd_search_for_go(q, now_ns(), window, top, &ds)) {
		snprintf(msg, n, "out of memory");
		return -1;
	}
	pgo_query *query = NULL;
	query_error qe;
	if (query_parse(ds.query, &query, &qe)) {
		snprintf(msg, n, "query: %s", qe.message);
		dd_search_free(&ds);
		return -1;
	}
	store_search_request req = {.from_ns = ds.from_ns, .to_ns = ds.to_ns, .query = query, .sort = SORT_CPU_CORES,
	                            .descending = true, .limit = (size_t)top, .ids_only = true};
	dd_search_free(&ds);
	store_hit *hits = NULL;
	size_t nh = 0;
	char err[256];
	int rc = store_search(r->srv->store, &req, &hits, &nh, err, sizeof err);
	query_free(query);
	if (rc) {
		snprintf(msg, n, "search failed: %s", err);
		return -1;
	}
	out->ids = calloc(nh ? nh : 1, sizeof *out->ids);
	if (!out->ids) {
		store_hits_free(hits, nh);
		snprintf(msg, n, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < nh; i++) {
		memcpy(out->ids[i][0], hits[i].profile_id, 40);
		memcpy(out->ids[i][1], hits[i].event_id, 40);
	}
	out->n = nh;
	store_hits_free(hits, nh);
	return 0;
}

static bool picked(const id_list *l, const char *profile_id)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->ids[i][0], profile_id))
			return true;
	return false;
}

/* ---- search ------------------------------------------------------------- */

static json_t *hit_json(const store_hit *h, int64_t now, bool is_picked)
{
	json_t *tags = json_array();
	for (size_t k = 0; k < h->n_tags; k++)
		json_array_append_new(tags, text_json(h->tags[k]));
	return json_pack("{s:s,s:s,s:o,s:o,s:I,s:f,s:f,s:o,s:b}", "profile_id", h->profile_id, "event_id", h->event_id,
	                 "service", text_json(h->service ? h->service : ""), "start", time_json(h->start_ns), "age_s",
	                 (json_int_t)((now - h->start_ns) / 1000000000), "duration_s", (double)h->duration_nanos / 1e9,
	                 "cpu_cores", h->core_cpu_cores, "tags", tags, "picked", is_picked);
}

enum MHD_Result handle_ui_search(request *r, struct MHD_Connection *c)
{
	const char *q = arg(c, "q"), *wtext;
	if (!q)
		q = "";
	int64_t window;
	int64_t page = int_arg(c, "page", 0, 0, 1000000), per_page = int_arg(c, "per_page", 50, 1, UI_MAX_PER_PAGE),
		top = int_arg(c, "top", 5, 1, UI_MAX_TOP);
	if (window_arg(c, &wtext, &window))
		return respond_error(r, c, MHD_HTTP_BAD_REQUEST, "%s: window must be a duration such as 24h, 72h or 8d",
		                     r->path);
	if (page < 0 || per_page < 0 || top < 0)
		return respond_error(r, c, MHD_HTTP_BAD_REQUEST,
		                     "%s: page must be 0 or more, per_page 1 to %d, and top 1 to %d", r->path,
		                     UI_MAX_PER_PAGE, UI_MAX_TOP);
	pgo_query *query = NULL;
	query_error qe;
	if (query_parse(q, &query, &qe))
		return respond_error(r, c, MHD_HTTP_BAD_REQUEST, "%s: query: %s", r->path, qe.message);
	int64_t now = now_ns();
	store_search_request req = {.from_ns = now - window, .to_ns = now, .query = query, .sort = SORT_TIMESTAMP,
	                            .descending = true, .limit = (size_t)per_page};
	store_hit *hits = NULL;
	size_t nh = 0, total = 0;
	char err[256], msg[512];
	int rc = store_search_page(r->srv->store, &req, (size_t)(page * per_page), &hits, &nh, &total, err, sizeof err);
	query_free(query);
	if (rc)
		return respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "search failed: %s", err);
	id_list pick;
	if (fetch_pick(r, q, window, top, &pick, msg, sizeof msg)) {
		store_hits_free(hits, nh);
		return respond_error(r, c, MHD_HTTP_BAD_REQUEST, "%s: %s", r->path, msg);
	}
	json_t *rows = json_array(), *picks = json_array();
	for (size_t i = 0; i < nh; i++)
		json_array_append_new(rows, hit_json(&hits[i], now, picked(&pick, hits[i].profile_id)));
	for (size_t i = 0; i < pick.n; i++)
		json_array_append_new(picks, json_string(pick.ids[i][0]));
	store_hits_free(hits, nh);
	id_list_free(&pick);
	json_t *doc = json_pack("{s:o,s:s,s:o,s:o,s:I,s:I,s:I,s:I,s:o,s:o}", "query", text_json(q), "window", wtext,
	                        "from", time_json(now - window), "to", time_json(now), "total", (json_int_t)total, "page",
	                        (json_int_t)page, "per_page", (json_int_t)per_page, "top", (json_int_t)top, "picked",
	                        picks, "profiles", rows);
	return respond_json(r, c, MHD_HTTP_OK, doc, no_store);
}

/* ---- merged profiles ------------------------------------------------------ */

typedef struct collect_ids {
	const char *key;
	id_list *out;
	size_t cap;
	bool bad, too_many;
} collect_ids;

static enum MHD_Result collect_id(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	collect_ids *w = cls;
	if (strcmp(key, w->key))
		return MHD_YES;
	if (!value || strlen(value) >= 40 || !*value || strspn(value, "0123456789abcdefABCDEF-") != strlen(value)) {
		w->bad = true;
		return MHD_NO;
	}
	if (w->out->n == UI_MAX_IDS) {
		w->too_many = true;
		return MHD_NO;
	}
	memset(w->out->ids[w->out->n], 0, sizeof w->out->ids[0]);
	snprintf(w->out->ids[w->out->n][0], 40, "%s", value);
	w->out->n++;
	return MHD_YES;
}

static int by_id(const void *a, const void *b)
{
	return strcmp(*(const char(*)[40])a, *(const char(*)[40])b);
}

/*
 * The profiles a request names: ?ID_KEY=profile-id (repeated), or
 * ?Q_KEY=QUERY (with window and top) for what fetch picks for it. Sorted by
 * id and without repeats, so that a set always merges the same way.
 */
static int selection(request *r, struct MHD_Connection *c, const char *id_key, const char *q_key, id_list *out,
                     char *msg, size_t n)
{
	memset(out, 0, sizeof *out);
	const char *q = arg(c, q_key);
	if (q) {
		const char *wtext;
		int64_t window, top = int_arg(c, "top", 5, 1, UI_MAX_TOP);
		if (window_arg(c, &wtext, &window) || top < 0) {
			snprintf(msg, n, "window must be a duration such as 72h, and top 1 to %d", UI_MAX_TOP);
			return -1;
		}
		if (fetch_pick(r, q, window, top, out, msg, n))
			return -1;
	} else {
		out->ids = calloc(UI_MAX_IDS, sizeof *out->ids);
		if (!out->ids) {
			snprintf(msg, n, "out of memory");
			return -1;
		}
		collect_ids w = {.key = id_key, .out = out};
		MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_id, &w);
		if (w.bad || w.too_many) {
			if (w.bad)
				snprintf(msg, n, "%s must be profile ids", id_key);
			else
				snprintf(msg, n, "at most %d profiles at once (%s)", UI_MAX_IDS, id_key);
			id_list_free(out);
			return -1;
		}
	}
	if (out->n == 0) {
		snprintf(msg, n, "no profiles: give %s=PROFILE_ID or %s=QUERY, or widen the window", id_key, q_key);
		id_list_free(out);
		return -1;
	}
	qsort(out->ids, out->n, sizeof *out->ids, by_id);
	size_t k = 0;
	for (size_t i = 0; i < out->n; i++)
		if (!k || strcmp(out->ids[i][0], out->ids[k - 1][0]))
			memmove(out->ids[k++], out->ids[i], sizeof out->ids[0]);
	out->n = k;
	return 0;
}

/*
 * Merges the profiles' cpu.pprof exactly as `pgotool fetch` does: in the
 * canonical order of their contents (so the bytes are fetch's), labels
 * dropped, datadog-pgo's no-inline renames. The compressed inputs are read
 * first; then one is decoded at a time, holding one of the server's decoder
 * slots, so a merge takes the memory of the merge and one decoded input.
 * status gets the HTTP status of a failure.
 */
static int merge_selection(request *r, const id_list *ids, pgo_profile **out, unsigned *status, char *msg, size_t n)
{
	*out = NULL;
	*status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	size_t k = ids->n;
	store_attachment **att = calloc(k, sizeof *att);
	const uint8_t **data = calloc(k, sizeof *data);
	size_t *sizes = calloc(k, sizeof *sizes), *order = calloc(k, sizeof *order);
	pgo_merger *m = NULL;
	int rc = -1;
	if (!att || !data || !sizes || !order) {
		snprintf(msg, n, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < k; i++) {
		size_t na = 0;
		char err[256];
		if (store_attachments(r->srv->store, ids->ids[i][0], NULL, "cpu.pprof", &att[i], &na, err, sizeof err)) {
			snprintf(msg, n, "reading profile %s: %s", ids->ids[i][0], err);
			goto done;
		}
		if (na == 0) {
			*status = MHD_HTTP_NOT_FOUND;
			snprintf(msg, n, "profile %s: no such profile with a cpu.pprof (deleted, or never stored)",
			         ids->ids[i][0]);
			goto done;
		}
		data[i] = att[i][0].data;
		sizes[i] = att[i][0].size;
	}
	pgo_merge_options mo = {.noinline = pgo_default_noinline};
	pgo_error e;
	pgo_limits limits;
	pgo_limits_default(&limits);
	limits.max_decompressed_bytes = UPLOAD_MAX_INFLATED;
	if (pgo_canonical_order(data, sizes, k, order) || pgo_merger_new(&mo, &m, &e)) {
		snprintf(msg, n, "out of memory");
		goto done;
	}
	rc = 0;
	sem_wait(&r->srv->decoders);
	for (size_t j = 0; j < k && !rc; j++) {
		size_t i = order[j];
		pgo_profile *p = NULL;
		char name[64];
		snprintf(name, sizeof name, "profile %s", ids->ids[i][0]);
		if (pgo_decode(data[i], sizes[i], name, &limits, &p, &e) || pgo_merger_add(m, p, name, &e)) {
			*status = e.status == PGO_ERR_NOMEM ? MHD_HTTP_INTERNAL_SERVER_ERROR : MHD_HTTP_UNPROCESSABLE_CONTENT;
			snprintf(msg, n, "%.400s", e.message);
			rc = -1;
		}
		pgo_profile_free(p);
		store_attachments_free(att[i], 1);
		att[i] = NULL;
	}
	if (!rc && pgo_merger_finish(m, out, &e)) {
		snprintf(msg, n, "%.400s", e.message);
		rc = -1;
	}
	sem_post(&r->srv->decoders);
done:
	for (size_t i = 0; att && i < k; i++)
		store_attachments_free(att[i], att[i] ? 1 : 0);
	pgo_merger_free(m);
	free(att);
	free(data);
	free(sizes);
	free(order);
	return rc;
}

static json_t *ids_json(const id_list *l)
{
	json_t *a = json_array();
	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->ids[i][0]));
	return a;
}

/* The column a flame graph shows: CPU time when the profile has it, else
 * the first. */
static uint32_t flame_column(const pgo_profile *p)
{
	for (uint32_t i = 0; i < p->n_sample_types; i++) {
		size_t lt, lu;
		const char *t = pgo_string(p, p->sample_types[i].type, &lt);
		const char *u = pgo_string(p, p->sample_types[i].unit, &lu);
		if (lt == 3 && !memcmp(t, "cpu", 3) && lu == 11 && !memcmp(u, "nanoseconds", 11))
			return i;
	}
	return 0;
}

/* "name" of the merge, in inspect's and diff's "file" field. */
static void selection_name(const id_list *l, char *out, size_t n)
{
	if (l->n == 1)
		snprintf(out, n, "profile %s", l->ids[0][0]);
	else
		snprintf(out, n, "merge of %zu profiles", l->n);
}

static char *dump(json_t *j)
{
	char *t = j ? json_dump_safe(j) : NULL;
	json_decref(j);
	return t;
}

enum MHD_Result handle_ui_profile(request *r, struct MHD_Connection *c)
{
	id_list ids;
	char msg[512], name[96];
	unsigned status;
	int64_t rows = int_arg(c, "rows", UI_INSPECT_ROWS, 0, 1000000);
	if (rows < 0)
		return respond_error(r, c, MHD_HTTP_BAD_REQUEST, "%s: rows must be 0 (all) to 1000000", r->path);
	if (selection(r, c, "id", "q", &ids, msg, sizeof msg))
		return respond_error(r, c, MHD_HTTP_BAD_REQUEST, "%s: %s", r->path, msg);
	pgo_profile *p = NULL;
	if (merge_selection(r, &ids, &p, &status, msg, sizeof msg)) {
		id_list_free(&ids);
		return respond_error(r, c, status, "%s: %s", r->path, msg);
	}
	selection_name(&ids, name, sizeof name);
	pgo_error e;
	json_t *inspect = NULL;
	pgo_flame flame;
	uint32_t col = flame_column(p);
	if (inspect_report_json(p, name, PGO_DEFAULT_HOT_THRESHOLD, (size_t)rows, &inspect, &e) ||
	    pgo_flame_build(p, col, FLAME_MIN_SHARE, &flame, &e)) {
		json_decref(inspect);
		pgo_profile_free(p);
		id_list_free(&ids);
		return respond_error(r, c, e.status == PGO_ERR_NOMEM ? MHD_HTTP_INTERNAL_SERVER_ERROR
		                                                     : MHD_HTTP_UNPROCESSABLE_CONTENT,
		                     "%s: %s", r->path, e.message);
	}
	size_t lt, lu;
	const char *t = pgo_string(p, p->sample_types[col].type, &lt), *u = pgo_string(p, p->sample_types[col].unit, &lu);
	char unit[64];
	snprintf(unit, sizeof unit, "%.*s", (int)lu, u);
	json_t *head = json_pack("{s:o,s:{s:s%,s:s%},s:f}", "profiles", ids_json(&ids), "sample_type", "type", t, lt,
	                         "unit", u, lu, "duration_s", (double)p->duration_nanos / 1e9);
	char *head_text = dump(head), *inspect_text = dump(inspect), *flame_text = flame_json_text(p, &flame, unit);
	pgo_flame_free(&flame);
	pgo_profile_free(p);
	id_list_free(&ids);
	char *doc = NULL;
	if (head_text && inspect_text && flame_text) {
		/* {head..., "inspect": ..., "flame": ...}: the big parts are spliced in as text. */
		size_t lh = strlen(head_text), li = strlen(inspect_text), lf = strlen(flame_text);
		doc = malloc(lh + li + lf + 32);
		if (doc) {
			memcpy(doc, head_text, lh - 1);
			sprintf(doc + lh - 1, ",\"inspect\":%s,\"flame\":%s}", inspect_text, flame_text);
		}
	}
	free(head_text);
	free(inspect_text);
	free(flame_text);
	if (!doc)
		return respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	return respond_with(r, c, MHD_HTTP_OK, "application/json", doc, strlen(doc), no_store);
}

enum MHD_Result handle_ui_compare(request *r, struct MHD_Connection *c)
{
	id_list a, b;
	char msg[512], name_a[96], name_b[96];
	unsigned status;
	int64_t rows = int_arg(c, "rows", UI_DIFF_ROWS, 1, 1000);
	if (rows < 0)
		return respond_error(r, c, MHD_HTTP_BAD_REQUEST, "%s: rows must be 1 to 1000", r->path);
	if (selection(r, c, "a", "aq", &a, msg, sizeof msg))
		return respond_error(r, c, MHD_HTTP_BAD_REQUEST, "%s: side A: %s", r->path, msg);
	if (selection(r, c, "b", "bq", &b, msg, sizeof msg)) {
		id_list_free(&a);
		return respond_error(r, c, MHD_HTTP_BAD_REQUEST, "%s: side B: %s", r->path, msg);
	}
	pgo_profile *pa = NULL, *pb = NULL;
	if (merge_selection(r, &a, &pa, &status, msg, sizeof msg) || merge_selection(r, &b, &pb, &status, msg, sizeof msg)) {
		pgo_profile_free(pa);
		id_list_free(&a);
		id_list_free(&b);
		return respond_error(r, c, status, "%s: %s", r->path, msg);
	}
	selection_name(&a, name_a, sizeof name_a);
	selection_name(&b, name_b, sizeof name_b);
	pgo_error e;
	json_t *diff = NULL;
	pgo_status st = diff_report_json(pa, name_a, pb, name_b, PGO_DEFAULT_HOT_THRESHOLD, (size_t)rows, &diff, &e);
	pgo_profile_free(pa);
	pgo_profile_free(pb);
	json_t *doc = st ? NULL : json_pack("{s:o,s:o,s:o}", "a", ids_json(&a), "b", ids_json(&b), "diff", diff);
	id_list_free(&a);
	id_list_free(&b);
	if (st)
		return respond_error(r, c, st == PGO_ERR_NOMEM ? MHD_HTTP_INTERNAL_SERVER_ERROR : MHD_HTTP_UNPROCESSABLE_CONTENT,
		                     "%s: %s", r->path, e.message);
	return respond_json(r, c, MHD_HTTP_OK, doc, no_store);
}

enum MHD_Result handle_ui_download(request *r, struct MHD_Connection *c)
{
	id_list ids;
	char msg[512];
	unsigned status;
	if (selection(r, c, "id", "q", &ids, msg, sizeof msg))
		return respond_error(r, c, MHD_HTTP_BAD_REQUEST, "%s: %s", r->path, msg);
	pgo_profile *p = NULL;
	int rc = merge_selection(r, &ids, &p, &status, msg, sizeof msg);
	id_list_free(&ids);
	if (rc)
		return respond_error(r, c, status, "%s: %s", r->path, msg);
	pgo_error e;
	uint8_t *out = NULL;
	size_t size = 0;
	/* As fetch writes it: gzip level 6. */
	pgo_status st = pgo_encode(p, 6, &out, &size, &e);
	pgo_profile_free(p);
	if (st)
		return respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s: %s", r->path, e.message);
	static const http_header h[] = {{"Content-Disposition", "attachment; filename=\"default.pgo\""},
	                                {"Cache-Control", "no-store"},
	                                {NULL, NULL}};
	return respond_with(r, c, MHD_HTTP_OK, "application/octet-stream", (char *)out, size, h);
}
