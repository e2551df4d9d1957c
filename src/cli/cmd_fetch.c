/* pgotool fetch: datadog-pgo's job, done so that it never breaks a build. */
#define _GNU_SOURCE /* O_TMPFILE */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "atomic_write.h"
#include "ddclient.h"
#include "fetch_log.h"
#include "input.h"
#include "keep.h"
#include "prefetch.h"
#include "timefmt.h"
#include "weight.h"

#define NS_PER_S 1000000000LL
#define MAX_ANSWER_BYTES ((size_t)1 << 30)
#define MAX_ATTEMPTS 4
#define DOWNLOADS_IN_FLIGHT 5

static const char *const endpoints[] = {"gopgo", "list", NULL};

static struct {
	bool fail, json, verbose, compact, keep_labels, no_noinline, normalize;
	int64_t from_ns, profiles, timeout_ns, level; /* level 0: the default */
	const char *api, *endpoint;
	flag_list noinline;
	double keep_if_unchanged; /* -1: off */
} opt;

static const flag_def fetch_flags[] = {
	{"fail", 0, FLAG_BOOL, &opt.fail, NULL,
	 "exit 1 on failure (by default a failure is logged, DEST is left as it was, and the exit code is 0)", 0, 0, NULL},
	{"from", 0, FLAG_DURATION, &opt.from_ns, "DURATION", "search profiles from this long ago until now (default 72h)", 0, 0, NULL},
	{"json", 0, FLAG_BOOL, &opt.json, NULL, "log JSON lines", 0, 0, NULL},
	{"profiles", 0, FLAG_INT, &opt.profiles, "N", "profiles per QUERY, those with the most CPU first (default 5)", 0, 0, NULL},
	{"timeout", 0, FLAG_DURATION, &opt.timeout_ns, "DURATION",
	 "time limit for the whole fetch: requests, retries and merging (default 1m)", 0, 0, NULL},
	{"v", 0, FLAG_BOOL, &opt.verbose, NULL, "also log each request: its status, timing and retries", 0, 0, NULL},
	{"api", 0, FLAG_STRING, &opt.api, "URL",
	 "base URL of the query API, e.g. http://127.0.0.1:8126 for a pgotool serve (default $PGOTOOL_API, else "
	 "https://app.$DD_SITE)", 0, 0, NULL},
	{"endpoint", 0, FLAG_ENUM, &opt.endpoint, "gopgo|list",
	 "gopgo: one request for every profile (default); list: one search per QUERY, then each profile's cpu.pprof, "
	 "5 downloads at a time", .choices = endpoints},
	{"compact", 0, FLAG_BOOL, &opt.compact, NULL, "write the smallest profile with the same compiler edge map", 0, 0, NULL},
	{"keep-labels", 0, FLAG_BOOL, &opt.keep_labels, NULL, "keep sample labels (dropped by default)", 0, 0, NULL},
	{"noinline", 0, FLAG_LIST, &opt.noinline, "NAME", "also protect function NAME from inlining (repeatable)", 0, 0, NULL},
	{"no-noinline", 0, FLAG_BOOL, &opt.no_noinline, NULL, "do not rename any function", 0, 0, NULL},
	{"normalize", 0, FLAG_BOOL, &opt.normalize, NULL,
	 "give every QUERY's profiles the same total before its @W weight applies", 0, 0, NULL},
	{"keep-if-unchanged", 0, FLAG_FLOAT, &opt.keep_if_unchanged, "X",
	 "leave DEST untouched when the compiler would decide the same with it and the overlap is at least X "
	 "(default 0.95)", 0, 1000000, FLAG_IMPLICIT("0.95")},
	{"level", 0, FLAG_INT, &opt.level, "N", CLI_LEVEL_HELP, 1, 12, NULL},
	{NULL, 0, 0, NULL, NULL, NULL, 0, 0, NULL},
};

static const flag_def *flags(void)
{
	return fetch_flags;
}

static int run(int argc, char **argv);

const command cmd_fetch = {
	.name = "fetch",
	.run = run,
	.summary = "fetch production CPU profiles and write a default.pgo (datadog-pgo's job)",
	.synopsis = "pgotool fetch [OPTIONS]... QUERY... DEST",
	.description =
		"Asks a profile backend for the most representative recent CPU profiles of a\n"
		"service, merges them, and writes DEST, usually the main package's default.pgo:\n\n"
		"    pgotool fetch 'service:my-service env:prod' ./cmd/my-service/default.pgo\n"
		"    go build ./cmd/my-service      # Go 1.21+ picks up default.pgo\n\n"
		"A drop-in replacement for datadog-pgo: the same options, environment, requests\n"
		"and logs, against Datadog's API (https://app.$DD_SITE) or a pgotool serve\n"
		"(-api URL, or $PGOTOOL_API). Each QUERY is Datadog search syntax; \" runtime:go\"\n"
		"is appended to one that has neither runtime:go nor language:go. As with\n"
		"datadog-pgo, options come before the QUERY arguments: everything from the\n"
		"first QUERY on is a QUERY or DEST.\n\n"
		"Environment: DD_API_KEY and DD_APP_KEY (required), DD_SITE (default\n"
		"datadoghq.com), PGOTOOL_API; HTTPS_PROXY, NO_PROXY, SSL_CERT_FILE and\n"
		"SSL_CERT_DIR as for Go programs; NO_COLOR.\n\n"
		"It never breaks a build: a failure is logged with what to do, DEST is left\n"
		"exactly as it was, and the exit code is 0 so the build goes on without a new\n"
		"profile (-fail makes it 1). Connection errors, 429 and 5xx answers are retried\n"
		"with backoff, within -timeout. Every profile is checked before it is merged:\n"
		"one that is not a CPU profile, lacks start lines, has only zero values, or is\n"
		"incompatible with the first usable one (in the merge's order) is skipped with\n"
		"a warning, and the fetch fails only when none is left. DEST is written\n"
		"atomically, and its bytes depend only on the set of profiles, not on the order\n"
		"they arrived in. zstd profiles are read too.\n\n"
		"Merging is `pgotool merge`'s: labels dropped, and functions that must not be\n"
		"inlined renamed where they are a sample's leaf frame (gRPC's processData and\n"
		"runtime.gopark; datadog-pgo v1.0.0 renames only processData).\n\n"
		"Weighted merges: a QUERY ending in @W, W a positive decimal number\n"
		"('service:api region:eu@2', '... @0.5'), has its profiles' values multiplied\n"
		"by W, as `pgotool merge --weight` does; -normalize first brings every\n"
		"QUERY's profiles to the same total (the largest QUERY's). Only a last '@'\n"
		"followed by a number is a weight: '@metrics.core_cpu_cores:>1' stays part\n"
		"of the query, and '@0', '@-1' or '@1e3' are usage errors. With weights or\n"
		"-normalize each QUERY is searched on its own (gopgo: one request per QUERY),\n"
		"and a profile that two QUERYs match counts once for each.\n\n"
		"With -keep-if-unchanged[=X], a DEST that exists is left untouched (the same\n"
		"bytes, mtime and inode) when the compiler would decide the same with the new\n"
		"profile (see `pgotool diff`) and the two overlap at least X (default 0.95);\n"
		"the log says why DEST was kept or replaced. The Go build cache is keyed by\n"
		"the preprocessed profile, so a kept DEST keeps it warm, and a committed\n"
		"default.pgo changes only when it matters.\n\n"
		"PGOTOOL_THREADS=N (default: the number of CPUs) sets the threads the merge\n"
		"uses: with 2 or more, the next profile is decompressed and decoded while\n"
		"one merges, and DEST compresses on up to 8; 1 does everything on one\n"
		"thread. DEST is the same bytes either way.\n\n"
		"Exit status: 0 on success, and on failure without -fail; 1 on failure with\n"
		"-fail; 2 on a usage error.",
	.flags = flags,
};

/* ---- one profile as it arrived ----------------------------------------- */

typedef struct fetched {
	const char *id;            /* the profile id */
	char *own_id;              /* id's storage, when it is not the list answer's */
	const dd_profile *meta;    /* from a list answer, or NULL */
	/* Its pprof bytes (gzip, zstd or raw): in the spool file, or in memory. */
	bool have_bytes;
	off_t spool_at;
	uint8_t *bytes;
	size_t size;
	pgo_fingerprint fp;
	size_t query;              /* the QUERY it came from (weighted fetches) */
	double factor;             /* its values' multiplier: 1 unless weighted */
	/* filled while merging */
	bool used;
	char skip_reason[sizeof ((pgo_error *)0)->message];
	double cpu_cores;
	int64_t duration_ns, start_ns;
} fetched;

/* One QUERY argument. */
typedef struct fetch_query {
	char *text;      /* the search, without its @W suffix */
	double weight;   /* 1 when it has none */
	int64_t total;   /* -normalize: the compiler's column over its usable profiles */
} fetch_query;

typedef struct fetch_state {
	fetch_log log;
	fetch_query *queries;
	size_t n_queries;
	bool weighted;    /* some QUERY has @W, or -normalize: each QUERY's profiles are told apart */
	size_t current_query; /* gopgo: whose answer is being read */
	dd_client client;
	int64_t deadline_ns;
	char timeout_text[32];
	int64_t started_wall_ns;
	/* list mode */
	dd_profile *listed;
	size_t *listed_query;      /* the QUERY of each listed profile */
	size_t n_listed;
	size_t next_download;
	pthread_mutex_t mu; /* next_download, and the spool while the downloads run */
	/* the profiles */
	http_response gopgo;
	fetched *items;
	size_t n_items, cap_items;
	int spool_fd;   /* an unlinked temporary file for the profiles' bytes, or -1 */
	off_t spool_end;
	bool spool_full; /* it could not grow: later profiles stay in memory */
	unsigned threads; /* PGOTOOL_THREADS: 1 decodes and merges on one thread */
} fetch_state;

static int64_t wall_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* Request timings to the microsecond, waits to the millisecond: enough to read. */
static int64_t round_to(double seconds, int64_t unit_ns)
{
	int64_t ns = (int64_t)(seconds * 1e9);
	return (ns + unit_ns / 2) / unit_ns * unit_ns;
}

static void log_attempt(void *ctx, const http_attempt *a)
{
	fetch_log *log = ctx;
	if (a->error)
		FLOG(log, a->retry_in >= 0 ? LOG_WARN : LOG_DEBUG, "request failed", LA_STR("method", a->req->method),
		     LA_STR("url", a->req->url), LA_I64("attempt", a->attempt), LA_STR("error", a->error),
		     LA_DUR("took", round_to(a->seconds, 1000)),
		     LA_DUR("retry-in", a->retry_in >= 0 ? round_to(a->retry_in, 1000000) : 0));
	else if (a->retry_in >= 0)
		FLOG(log, LOG_WARN, "request failed, retrying", LA_STR("method", a->req->method), LA_STR("url", a->req->url),
		     LA_I64("attempt", a->attempt), LA_I64("status", a->status),
		     LA_DUR("took", round_to(a->seconds, 1000)), LA_DUR("retry-in", round_to(a->retry_in, 1000000)));
	else
		FLOG(log, LOG_DEBUG, "request", LA_STR("method", a->req->method), LA_STR("url", a->req->url),
		     LA_I64("attempt", a->attempt), LA_I64("status", a->status), LA_I64("bytes", (int64_t)a->bytes),
		     LA_DUR("took", round_to(a->seconds, 1000)));
}

static pgo_status check_deadline(const fetch_state *s, const char *doing, pgo_error *err)
{
	if (http_now_ns() < s->deadline_ns)
		return PGO_OK;
	return pgo_fail(err, PGO_ERR_NETWORK, "timed out after %s (-timeout) while %s; raise -timeout", s->timeout_text,
	                doing);
}

/* ---- where the profiles wait ------------------------------------------------ */

/*
 * The profiles' bytes wait in an unlinked temporary file rather than in
 * memory: the merge reads one at a time, so fifty profiles cost the memory
 * of one, not of fifty. Without a usable temporary directory they stay in
 * memory.
 */
static void spool_open(fetch_state *s)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	s->spool_fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (s->spool_fd < 0) {
		char path[4096];
		snprintf(path, sizeof path, "%s/pgotool-fetch.XXXXXX", dir);
		s->spool_fd = mkstemp(path);
		if (s->spool_fd >= 0)
			unlink(path);
	}
	if (s->spool_fd < 0)
		FLOG(&s->log, LOG_DEBUG, "profiles stay in memory: no temporary file", LA_STR("dir", dir),
		     LA_STR("error", strerror(errno)));
}

/* Takes data (malloc'd) as f's bytes. */
static void keep_bytes(fetch_state *s, fetched *f, uint8_t *data, size_t size)
{
	f->have_bytes = true;
	f->size = size;
	if (s->spool_fd >= 0 && !s->spool_full) {
		size_t done = 0;
		while (done < size) {
			ssize_t w = pwrite(s->spool_fd, data + done, size - done, s->spool_end + (off_t)done);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			done += (size_t)w;
		}
		if (done == size) {
			f->spool_at = s->spool_end;
			s->spool_end += (off_t)size;
			free(data);
			return;
		}
		/* What is in the file stays there; what comes next stays in memory. */
		FLOG(&s->log, LOG_DEBUG, "profiles stay in memory: the temporary file cannot grow",
		     LA_STR("error", strerror(errno)));
		s->spool_full = true;
	}
	f->bytes = data;
}

/* f's bytes: *buf is malloc'd when they had to be read, else NULL. */
static pgo_status load_bytes(const fetch_state *s, const fetched *f, const uint8_t **data, uint8_t **buf,
                             pgo_error *err)
{
	*buf = NULL;
	if (f->bytes) {
		*data = f->bytes;
		return PGO_OK;
	}
	uint8_t *b = malloc(f->size ? f->size : 1);
	if (!b)
		return pgo_fail(err, PGO_ERR_NOMEM, "out of memory");
	size_t done = 0;
	while (done < f->size) {
		ssize_t r = pread(s->spool_fd, b + done, f->size - done, f->spool_at + (off_t)done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(b);
			return pgo_fail(err, PGO_ERR_IO, "the temporary file of profiles: read failed: %s",
			             r < 0 ? strerror(errno) : "unexpected end");
		}
		done += (size_t)r;
	}
	*data = *buf = b;
	return PGO_OK;
}

static fetched *new_item(fetch_state *s, pgo_error *err)
{
	if (s->n_items == s->cap_items) {
		size_t cap = s->cap_items ? s->cap_items * 2 : 16;
		fetched *items = realloc(s->items, cap * sizeof *items);
		if (!items) {
			pgo_fail(err, PGO_ERR_NOMEM, "out of memory");
			return NULL;
		}
		s->items = items;
		s->cap_items = cap;
	}
	fetched *f = &s->items[s->n_items++];
	memset(f, 0, sizeof *f);
	return f;
}

/* ---- zip answers: gopgo's, and each download of list ----------------------- */

static void describe_bytes(const uint8_t *d, size_t n, char *out, size_t size)
{
	size_t o = (size_t)snprintf(out, size, "%zu bytes", n);
	if (n && o < size)
		o += (size_t)snprintf(out + o, size - o, ", starting");
	for (size_t i = 0; i < n && i < 8 && o + 4 < size; i++)
		o += (size_t)snprintf(out + o, size - o, " %02x", d[i]);
}

/* Walks a zip answer, handing each entry to fn; names what is wrong with the answer. */
static pgo_status walk_answer_zip(const char *what, const http_response *r, pgo_zip_entry_fn fn, void *ctx,
                                  pgo_error *err)
{
	const uint8_t *d = (const uint8_t *)r->body;
	if (!pgo_is_zip(d, r->len)) {
		char desc[96];
		describe_bytes(d, r->len, desc, sizeof desc);
		return pgo_fail(err, PGO_ERR_FORMAT, "the %s is not a zip archive (%s%s%s); is the API URL right?", what, desc,
		                r->content_type ? ", Content-Type " : "", r->content_type ? r->content_type : "");
	}
	pgo_error zerr = {0};
	pgo_status st = pgo_zip_each(what, d, r->len, MAX_ANSWER_BYTES, fn, ctx, &zerr);
	if (st == PGO_ERR_EMPTY)
		return pgo_fail(err, PGO_ERR_EMPTY, "the %s is an empty zip: it holds no profiles", what);
	if (st)
		*err = zerr;
	return st;
}

static pgo_status take_gopgo_entry(void *ctx, const char *full, size_t entry_at, uint8_t *data, size_t size,
                                   pgo_error *err);

/*
 * A weighted fetch must know each profile's QUERY, and one gopgo answer
 * mixes them: one request per QUERY then. A QUERY that matches nothing is
 * a warning, as in list mode; the fetch fails only when none matches.
 */
static pgo_status fetch_gopgo_each(fetch_state *s, const dd_search *searches, size_t n, pgo_error *err)
{
	size_t matched = 0;
	for (size_t q = 0; q < n; q++) {
		s->current_query = q;
		pgo_error qerr = {0};
		pgo_status st = dd_client_gopgo(&s->client, &searches[q], 1, &s->gopgo, &qerr);
		if (!st)
			st = walk_answer_zip("gopgo answer", &s->gopgo, take_gopgo_entry, s, &qerr);
		http_response_free(&s->gopgo);
		if (st == PGO_ERR_EMPTY) {
			FLOG(&s->log, LOG_WARN, "no profiles match", LA_STR("query", searches[q].query));
			continue;
		}
		if (st) {
			*err = qerr;
			return st;
		}
		matched++;
	}
	if (matched == 0)
		return pgo_fail(err, PGO_ERR_EMPTY,
		                "no profiles match the %s; check each QUERY and -from, and that the service uploads CPU "
		                "profiles",
		                n > 1 ? "queries" : "query");
	return PGO_OK;
}

/* gopgo: every entry is a profile, named by its id. */
static pgo_status take_gopgo_entry(void *ctx, const char *full, size_t entry_at, uint8_t *data, size_t size,
                                   pgo_error *err)
{
	fetch_state *s = ctx;
	fetched *f = new_item(s, err);
	char *id = f ? strdup(full + entry_at) : NULL;
	if (!id) {
		free(data);
		if (f)
			s->n_items--;
		return pgo_fail(err, PGO_ERR_NOMEM, "out of memory");
	}
	f->id = f->own_id = id;
	f->query = s->current_query;
	keep_bytes(s, f, data, size);
	return PGO_OK;
}

static pgo_status fetch_gopgo(fetch_state *s, const dd_search *searches, size_t n, pgo_error *err)
{
	if (s->weighted)
		return fetch_gopgo_each(s, searches, n, err);
	pgo_status st = dd_client_gopgo(&s->client, searches, n, &s->gopgo, err);
	if (!st)
		st = walk_answer_zip("gopgo answer", &s->gopgo, take_gopgo_entry, s, err);
	http_response_free(&s->gopgo);
	return st;
}

/* ---- list: searches, then downloads ----------------------------------------- */

/* Keeps each profile once; in a weighted fetch, once per QUERY. */
static pgo_status add_listed(fetch_state *s, size_t query, dd_profile *found, size_t n_found, pgo_error *err)
{
	dd_profile *grown = realloc(s->listed, (s->n_listed + n_found + 1) * sizeof *grown);
	if (grown)
		s->listed = grown;
	size_t *grown_q = grown ? realloc(s->listed_query, (s->n_listed + n_found + 1) * sizeof *grown_q) : NULL;
	if (!grown_q) {
		dd_profiles_free(found, n_found);
		return pgo_fail(err, PGO_ERR_NOMEM, "out of memory");
	}
	s->listed_query = grown_q;
	for (size_t i = 0; i < n_found; i++) {
		bool seen = false;
		for (size_t k = 0; k < s->n_listed && !seen; k++)
			seen = !strcmp(s->listed[k].profile_id, found[i].profile_id) &&
			       (!s->weighted || s->listed_query[k] == query);
		if (seen) {
			dd_profile_clear(&found[i]);
		} else {
			s->listed_query[s->n_listed] = query;
			s->listed[s->n_listed++] = found[i];
		}
	}
	free(found);
	return PGO_OK;
}

/* list: a download is a whole upload; its cpu.pprof is the profile. */
typedef struct pick_cpu {
	uint8_t *data;
	size_t size;
} pick_cpu;

static pgo_status take_cpu_pprof(void *ctx, const char *full, size_t entry_at, uint8_t *data, size_t size,
                                 pgo_error *err)
{
	pick_cpu *pick = ctx;
	(void)err;
	if (strcmp(full + entry_at, "cpu.pprof") != 0 || pick->data) {
		free(data);
		return PGO_OK;
	}
	pick->data = data;
	pick->size = size;
	return PGO_OK;
}

/*
 * One of the (at most DOWNLOADS_IN_FLIGHT) workers: takes the next listed
 * profile, downloads its upload, keeps its cpu.pprof and drops the rest at
 * once, so that only the uploads in flight are in memory.
 */
static void *download_worker(void *arg)
{
	fetch_state *s = arg;
	for (;;) {
		pthread_mutex_lock(&s->mu);
		size_t i = s->next_download++;
		pthread_mutex_unlock(&s->mu);
		if (i >= s->n_listed)
			return NULL;
		fetched *f = &s->items[i];
		http_response r;
		pgo_error derr = {0};
		if (dd_client_download(&s->client, &s->listed[i], &r, &derr)) {
			snprintf(f->skip_reason, sizeof f->skip_reason, "%s", derr.message);
			continue;
		}
		char what[128];
		snprintf(what, sizeof what, "download of profile %s", f->id);
		pick_cpu pick = {0};
		if (walk_answer_zip(what, &r, take_cpu_pprof, &pick, &derr)) {
			free(pick.data);
			pick.data = NULL;
			snprintf(f->skip_reason, sizeof f->skip_reason, "%s", derr.message);
		} else if (!pick.data) {
			snprintf(f->skip_reason, sizeof f->skip_reason, "its download has no cpu.pprof");
		}
		http_response_free(&r);
		if (pick.data) {
			pthread_mutex_lock(&s->mu);
			keep_bytes(s, f, pick.data, pick.size);
			pthread_mutex_unlock(&s->mu);
		}
	}
}

static pgo_status fetch_list(fetch_state *s, const dd_search *searches, size_t n, pgo_error *err)
{
	pgo_status st;
	for (size_t q = 0; q < n; q++) {
		dd_profile *found = NULL;
		size_t n_found = 0;
		if ((st = dd_client_list(&s->client, &searches[q], &found, &n_found, err)))
			return st;
		if (n_found == 0)
			FLOG(&s->log, LOG_WARN, "no profiles match", LA_STR("query", searches[q].query));
		if ((st = add_listed(s, q, found, n_found, err)))
			return st;
	}
	if (s->n_listed == 0)
		return pgo_fail(err, PGO_ERR_EMPTY,
		                "no profiles match the %s; check each QUERY and -from, and that the service uploads CPU "
		                "profiles",
		                n > 1 ? "queries" : "query");
	/* Every item exists before the workers start: they fill their own, never grow the array. */
	for (size_t i = 0; i < s->n_listed; i++) {
		fetched *f = new_item(s, err);
		if (!f)
			return PGO_ERR_NOMEM;
		f->id = s->listed[i].profile_id;
		f->meta = &s->listed[i];
		f->query = s->listed_query[i];
	}
	pthread_t threads[DOWNLOADS_IN_FLIGHT];
	size_t n_threads = 0;
	for (; n_threads < DOWNLOADS_IN_FLIGHT && n_threads < s->n_listed; n_threads++)
		if (pthread_create(&threads[n_threads], NULL, download_worker, s) != 0)
			break;
	if (n_threads == 0)
		download_worker(s);
	for (size_t t = 0; t < n_threads; t++)
		pthread_join(threads[t], NULL);
	return PGO_OK;
}

/* ---- merging ---------------------------------------------------------------- */

static double cpu_cores_of(const pgo_profile *p)
{
	for (uint32_t t = 0; t < p->n_sample_types; t++) {
		const char *type = pgo_string(p, p->sample_types[t].type, NULL);
		const char *unit = pgo_string(p, p->sample_types[t].unit, NULL);
		if (strcmp(type, "cpu") || strcmp(unit, "nanoseconds"))
			continue;
		double sum = 0;
		for (uint32_t i = 0; i < p->n_samples; i++)
			sum += (double)p->values[(size_t)i * p->n_sample_types + t];
		return p->duration_nanos > 0 ? sum / (double)p->duration_nanos : 0;
	}
	return 0;
}

/* Fingerprints every other profile (two workers share the list). */
typedef struct fp_job {
	fetch_state *s;
	size_t first;
	pgo_status st;
	pgo_error err;
} fp_job;

static void *fingerprint_items(void *arg)
{
	fp_job *j = arg;
	for (size_t i = j->first; i < j->s->n_items && !j->st; i += 2) {
		fetched *f = &j->s->items[i];
		if (!f->have_bytes)
			continue;
		const uint8_t *data;
		uint8_t *buf;
		if (!(j->st = load_bytes(j->s, f, &data, &buf, &j->err)) &&
		    (j->st = pgo_fingerprint_input(data, f->size, &f->fp)))
			pgo_fail(&j->err, j->st, "out of memory");
		free(buf);
	}
	return NULL;
}

static fetch_state *sort_state;
static int by_fingerprint(const void *a, const void *b)
{
	const fetched *x = &sort_state->items[*(const size_t *)a], *y = &sort_state->items[*(const size_t *)b];
	int c = pgo_fingerprint_cmp(&x->fp, &y->fp);
	if (c)
		return c;
	/* The same content under two weights (two QUERYs matched it): which
	 * samples round to 0 differs, so the order must not be the arrival's. */
	if (x->factor != y->factor)
		return x->factor < y->factor ? -1 : 1;
	/* Equal fingerprints and factors: either order merges alike. */
	return (*(const size_t *)a > *(const size_t *)b) - (*(const size_t *)a < *(const size_t *)b);
}

/* Runs of equal CRCs and sizes in the sorted order: the full hashes decide. */
static pgo_status refine_ties(fetch_state *s, size_t *order, size_t n, pgo_error *err)
{
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && pgo_fingerprint_cmp(&s->items[order[i]].fp, &s->items[order[j]].fp) == 0; j++)
			;
		if (j - i < 2)
			continue;
		for (size_t k = i; k < j; k++) {
			fetched *f = &s->items[order[k]];
			const uint8_t *data;
			uint8_t *buf;
			pgo_status st = load_bytes(s, f, &data, &buf, err);
			if (!st && (st = pgo_fingerprint_refine(data, f->size, &f->fp)))
				pgo_fail(err, st, "out of memory");
			free(buf);
			if (st)
				return st;
		}
		qsort(order + i, j - i, sizeof *order, by_fingerprint);
	}
	return PGO_OK;
}

static bool has_negative(const pgo_profile *p)
{
	for (size_t i = 0; i < (size_t)p->n_samples * p->n_sample_types; i++)
		if (p->values[i] < 0)
			return true;
	return false;
}

/*
 * Decodes f and checks it as the merge will: NULL with f->skip_reason set
 * when it is unusable. first, when not NULL, is the first usable profile.
 */
static pgo_profile *usable_profile(const fetch_state *s, fetched *f, const pgo_profile *first, pgo_status *st,
                                   pgo_error *err)
{
	const uint8_t *data;
	uint8_t *buf;
	pgo_profile *p = NULL;
	pgo_error perr = {0};
	pgo_limits limits;
	pgo_limits_default(&limits);
	char name[160];
	snprintf(name, sizeof name, "profile %s", f->id);
	if ((*st = load_bytes(s, f, &data, &buf, err)))
		return NULL;
	bool bad = pgo_decode(data, f->size, name, &limits, &p, &perr) || pgo_check_for_compiler(p, name, &perr) ||
	           (first && pgo_check_compatible(first, "the first usable profile", p, name, &perr));
	free(buf);
	if (!bad && s->weighted && has_negative(p)) {
		pgo_fail(&perr, PGO_ERR_INVALID, "%s: negative sample values cannot be weighted", name);
		bad = true;
	}
	if (bad) {
		pgo_profile_free(p);
		if (perr.status == PGO_ERR_NOMEM) {
			*err = perr;
			*st = PGO_ERR_NOMEM;
		} else
			snprintf(f->skip_reason, sizeof f->skip_reason, "%s", perr.message);
		return NULL;
	}
	return p;
}

/*
 * -normalize: each QUERY's total of the compiler's column over the
 * profiles that will be merged, in the merge's order (whose first usable
 * profile the others must be compatible with); unusable ones get their
 * skip reason now. Then every profile's factor: its QUERY's weight times
 * what brings that QUERY's total to the largest one.
 */
static pgo_status normalize_queries(fetch_state *s, const size_t *order, size_t n, pgo_error *err)
{
	pgo_profile *first = NULL;
	pgo_status st = PGO_OK;
	for (size_t k = 0; k < n && !st; k++) {
		fetched *f = &s->items[order[k]];
		char doing[160];
		snprintf(doing, sizeof doing, "totalling profile %zu of %zu (-normalize)", k + 1, n);
		if ((st = check_deadline(s, doing, err)))
			break;
		pgo_profile *p = usable_profile(s, f, first, &st, err);
		if (!p)
			continue;
		int64_t t = 0;
		pgo_error terr = {0};
		if (pgo_compiler_total(p, f->id, &t, &terr) ||
		    __builtin_add_overflow(s->queries[f->query].total, t, &s->queries[f->query].total)) {
			st = terr.status ? terr.status : PGO_ERR_LIMIT;
			pgo_fail(err, st, "-normalize: the profiles of QUERY %s add up to more than a 64-bit integer holds",
			         s->queries[f->query].text);
		}
		if (!first)
			first = p;
		else
			pgo_profile_free(p);
	}
	pgo_profile_free(first);
	if (st)
		return st;
	int64_t most = 0;
	for (size_t q = 0; q < s->n_queries; q++)
		if (s->queries[q].total > most)
			most = s->queries[q].total;
	for (size_t i = 0; i < s->n_items; i++) {
		const fetch_query *q = &s->queries[s->items[i].query];
		if (q->total > 0)
			s->items[i].factor = q->weight * ((double)most / (double)q->total);
	}
	return PGO_OK;
}

/* What the prefetching decoder needs to load the k-th profile in the merge's order. */
typedef struct load_job {
	const fetch_state *s;
	const size_t *order;
} load_job;

/* Loads and decodes one profile: NULL, and no error, when it is unusable. */
static pgo_status load_one(void *ctx, size_t k, void **item, pgo_error *err)
{
	load_job *job = ctx;
	fetched *f = &job->s->items[job->order[k]];
	pgo_status st = PGO_OK;
	/* Found unusable by -normalize already, or now. */
	if (!f->skip_reason[0])
		*item = usable_profile(job->s, f, NULL, &st, err);
	return st;
}

static void free_profile(void *p)
{
	pgo_profile_free(p);
}

static pgo_status merge_fetched(fetch_state *s, pgo_profile **out, size_t *n_used, pgo_error *err)
{
	pgo_status st = PGO_OK;
	prefetch pf = {0};
	const char **noinline = cli_noinline_names(opt.no_noinline, &opt.noinline);
	size_t *order = calloc(s->n_items + 1, sizeof *order), n = 0;
	pgo_merger *merger = NULL;
	*n_used = 0;
	if (!order || (!opt.no_noinline && !noinline)) {
		st = pgo_fail(err, PGO_ERR_NOMEM, "out of memory");
		goto done;
	}
	/* Merged in an order fixed by the content: the output depends on the set only. */
	fp_job jobs[2] = {{.s = s, .first = 0}, {.s = s, .first = 1}};
	pthread_t t;
	bool threaded = pthread_create(&t, NULL, fingerprint_items, &jobs[1]) == 0;
	fingerprint_items(&jobs[0]);
	if (threaded)
		pthread_join(t, NULL);
	else
		fingerprint_items(&jobs[1]);
	for (int k = 0; k < 2; k++)
		if (jobs[k].st) {
			*err = jobs[k].err;
			st = jobs[k].st;
			goto done;
		}
	for (size_t i = 0; i < s->n_items; i++) {
		fetched *f = &s->items[i];
		f->factor = s->weighted ? s->queries[f->query].weight : 1;
		if (f->have_bytes)
			order[n++] = i;
	}
	sort_state = s;
	qsort(order, n, sizeof *order, by_fingerprint);
	if ((st = refine_ties(s, order, n, err)))
		goto done;
	if (opt.normalize) {
		/* Totals in the content order; the factors then order equal contents. */
		if ((st = normalize_queries(s, order, n, err)))
			goto done;
		qsort(order, n, sizeof *order, by_fingerprint);
	}

	pgo_merge_options mo = {.keep_labels = opt.keep_labels, .noinline = noinline};
	if ((st = pgo_merger_new(&mo, &merger, err)))
		goto done;
	/* Profile k+1 loads and decodes on a second thread while profile k merges. */
	load_job job = {.s = s, .order = order};
	prefetch_start(&pf, n, s->threads, load_one, free_profile, &job);
	for (size_t k = 0; k < n; k++) {
		fetched *f = &s->items[order[k]];
		char doing[160];
		snprintf(doing, sizeof doing, "merging profile %zu of %zu", k + 1, n);
		if ((st = check_deadline(s, doing, err)))
			goto done;
		void *item;
		if ((st = prefetch_next(&pf, &item, err)))
			goto done;
		pgo_profile *p = item;
		if (!p) /* unusable: f->skip_reason says why */
			continue;
		pgo_error perr = {0};
		char name[160];
		snprintf(name, sizeof name, "profile %s", f->id);
		f->cpu_cores = cpu_cores_of(p);
		f->duration_ns = p->duration_nanos;
		f->start_ns = p->time_nanos;
		pgo_status ast = s->weighted ? pgo_merger_add_scaled(merger, p, name, f->factor, &perr)
		                             : pgo_merger_add(merger, p, name, &perr);
		pgo_profile_free(p);
		if (ast == PGO_ERR_INCOMPATIBLE) {
			snprintf(f->skip_reason, sizeof f->skip_reason, "%s", perr.message);
			continue;
		}
		if (ast) {
			*err = perr;
			st = ast;
			goto done;
		}
		f->used = true;
		++*n_used;
	}
	if (*n_used == 0)
		goto done;
	if ((st = pgo_merger_finish(merger, out, err)))
		goto done;
	if (opt.compact) {
		pgo_profile *compact = NULL;
		if ((st = pgo_compact(*out, &compact, err)))
			goto done;
		pgo_profile_free(*out);
		*out = compact;
	}
	/* Each input passed; the sum must too, or the build would be the one to fail. */
	st = pgo_check_for_compiler(*out, "the merged profile", err);
done:
	prefetch_end(&pf);
	if (st) {
		pgo_profile_free(*out);
		*out = NULL;
	}
	pgo_merger_free(merger);
	free(noinline);
	free(order);
	return st;
}

/* One line per profile, in the order the backend ranked them. */
static void log_profiles(fetch_state *s)
{
	int64_t now = wall_now_ns();
	for (size_t i = 0; i < s->n_items; i++) {
		const fetched *f = &s->items[i];
		if (!f->used) {
			FLOG(&s->log, LOG_WARN, "skipped profile", LA_STR("profile-id", f->id),
			     LA_STR("reason", f->skip_reason[0] ? f->skip_reason : "not merged"));
			continue;
		}
		const dd_profile *m = f->meta;
		double cores = m ? m->core_cpu_cores : f->cpu_cores;
		int64_t start = m && m->timestamp_ns ? m->timestamp_ns : f->start_ns;
		int64_t age = start ? (now - start + NS_PER_S / 2) / NS_PER_S * NS_PER_S : 0;
		const char *version = m ? dd_profile_tag(m, "version") : NULL;
		log_attr attrs[8];
		size_t n = 0;
		attrs[n++] = LA_F64("cpu-cores", trunc(cores * 10) / 10);
		attrs[n++] = LA_DUR("duration", m && m->duration_nanos ? m->duration_nanos : f->duration_ns);
		attrs[n++] = LA_DUR("age", age);
		attrs[n++] = LA_STR("profile-id", f->id);
		if (m && m->service && *m->service)
			attrs[n++] = LA_STR("service", m->service);
		if (version)
			attrs[n++] = LA_STR("version", version);
		/* what its values were multiplied by: its QUERY's @W, and -normalize's factor */
		if (s->weighted)
			attrs[n++] = LA_F64("weight", f->factor);
		fetch_log_write(&s->log, LOG_INFO, "extracted profile", attrs, n);
	}
}

/* A weighted fetch merges a profile once per QUERY that matched it; the query names it once. */
static bool used_before(const fetch_state *s, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (s->items[k].used && !strcmp(s->items[k].id, s->items[i].id))
			return true;
	return false;
}

static char *debug_query(const fetch_state *s)
{
	size_t len = sizeof "profile-id:()";
	for (size_t i = 0; i < s->n_items; i++)
		if (s->items[i].used)
			len += strlen(s->items[i].id) + 4;
	char *q = malloc(len);
	if (!q)
		return NULL;
	size_t o = (size_t)sprintf(q, "profile-id:(");
	bool first = true;
	for (size_t i = 0; i < s->n_items; i++)
		if (s->items[i].used && !used_before(s, i)) {
			o += (size_t)sprintf(q + o, "%s%s", first ? "" : " OR ", s->items[i].id);
			first = false;
		}
	sprintf(q + o, ")");
	return q;
}

static pgo_status fetch(fetch_state *s, const flag_list *args, int64_t window_ns, int64_t limit, bool list_mode,
                        pgo_error *err)
{
	const char *dest = args->items[args->n - 1];
	size_t n_queries = args->n - 1;
	const char *api = opt.api ? opt.api : getenv("PGOTOOL_API");
	pgo_status st = http_global_init(err);
	if (!st)
		st = dd_client_init(&s->client, api, err);
	if (st)
		return st;
	s->client.http = (http_options){
		.deadline_ns = s->deadline_ns,
		.timeout_text = s->timeout_text,
		.user_agent = "pgotool/" PGO_VERSION,
		.max_body = MAX_ANSWER_BYTES,
		.max_attempts = MAX_ATTEMPTS,
		.on_attempt = log_attempt,
		.ctx = &s->log,
	};
	dd_search *searches = calloc(n_queries, sizeof *searches);
	if (!searches)
		return pgo_fail(err, PGO_ERR_NOMEM, "out of memory");
	int64_t now = wall_now_ns();
	size_t made = 0;
	for (; made < n_queries; made++)
		if (dd_search_for_go(s->queries[made].text, now, window_ns, limit, &searches[made]))
			break;
	if (made < n_queries) {
		st = pgo_fail(err, PGO_ERR_NOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n_queries; i++) {
		char from[48], to[48];
		rfc3339_format(searches[i].from_ns, from, sizeof from);
		rfc3339_format(searches[i].to_ns, to, sizeof to);
		FLOG(&s->log, LOG_DEBUG, "searching profiles", LA_STR("query", searches[i].query),
		     LA_STR("by", searches[i].sort_field), LA_STR("from", from), LA_STR("to", to),
		     LA_I64("limit", searches[i].limit), LA_STR("api", s->client.base));
	}
	st = list_mode ? fetch_list(s, searches, n_queries, err) : fetch_gopgo(s, searches, n_queries, err);
	if (st)
		goto done;

	pgo_profile *merged = NULL;
	size_t n_used = 0;
	st = merge_fetched(s, &merged, &n_used, err);
	log_profiles(s);
	if (st)
		goto done;
	if (n_used == 0) {
		const char *why = NULL;
		for (size_t i = 0; i < s->n_items && !why; i++)
			why = s->items[i].skip_reason[0] ? s->items[i].skip_reason : NULL;
		if (s->n_items == 1)
			st = pgo_fail(err, PGO_ERR_UNUSABLE, "the only profile is not usable for PGO (%s)", why ? why : "no data");
		else
			st = pgo_fail(err, PGO_ERR_UNUSABLE, "none of the %zu profiles is usable for PGO (%s)", s->n_items,
			           why ? why : "no profile data");
		goto done;
	}
	keep_verdict keep = {0};
	if (opt.keep_if_unchanged >= 0 && (st = keep_check(dest, merged, opt.keep_if_unchanged, &keep, err))) {
		pgo_profile_free(merged);
		goto done;
	}
	if (keep.keep) {
		int64_t took = (wall_now_ns() - s->started_wall_ns) / 1000000 * 1000000;
		FLOG(&s->log, LOG_INFO, "kept PGO file", LA_STR("path", dest), LA_F64("overlap", keep_overlap_floor(keep.overlap)),
		     LA_STR("reason", keep.reason), LA_I64("samples", merged->n_samples), LA_DUR("total-duration", took));
		pgo_profile_free(merged);
		goto done;
	}
	uint8_t *out = NULL;
	size_t out_size = 0;
	st = pgo_encode_threads(merged, opt.level ? (int)opt.level : CLI_DEFAULT_LEVEL, cli_gzip_threads(s->threads), &out,
	                        &out_size, err);
	uint32_t samples = merged->n_samples;
	pgo_profile_free(merged);
	if (!st)
		st = check_deadline(s, "writing DEST", err);
	/* DEST is always a file, "-" included, as datadog-pgo has it: stdout carries the log. */
	if (!st)
		st = pgo_write_atomic(dest, out, out_size, err);
	free(out);
	if (st)
		goto done;
	char *dq = debug_query(s);
	int64_t took = (wall_now_ns() - s->started_wall_ns) / 1000000 * 1000000;
	log_attr attrs[8] = {LA_STR("path", dest), LA_I64("samples", samples), LA_I64("bytes", (int64_t)out_size),
	                     LA_DUR("total-duration", took), LA_STR("debug-query", dq ? dq : "")};
	size_t n_attrs = 5;
	/* -keep-if-unchanged: why DEST was written after all. */
	if (opt.keep_if_unchanged >= 0 && keep.compared)
		attrs[n_attrs++] = LA_F64("overlap", keep_overlap_floor(keep.overlap));
	if (opt.keep_if_unchanged >= 0)
		attrs[n_attrs++] = LA_STR("reason", keep.reason);
	fetch_log_write(&s->log, LOG_INFO, "wrote PGO file", attrs, n_attrs);
	free(dq);
done:
	for (size_t i = 0; i < n_queries; i++)
		dd_search_free(&searches[i]);
	free(searches);
	return st;
}

/*
 * Splits each QUERY argument into its search and its @W weight. Returns 0,
 * or -1 with a usage message.
 */
static int parse_queries(const flag_list *args, fetch_query **out, bool *any_weight, char *message, size_t size)
{
	size_t n = args->n - 1;
	fetch_query *q = calloc(n, sizeof *q);
	*out = q;
	*any_weight = false;
	if (!q) {
		snprintf(message, size, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const char *arg = args->items[i];
		size_t len = strlen(arg), at = weight_suffix_at(arg, len);
		q[i].weight = 1;
		if (at < len) {
			if (!weight_parse(arg + at + 1, len - at - 1, &q[i].weight)) {
				snprintf(message, size, "QUERY '%s': the weight after its last '@' must be %s", arg, WEIGHT_EXPECTED);
				return -1;
			}
			*any_weight = true;
			while (at > 0 && (arg[at - 1] == ' ' || arg[at - 1] == '\t'))
				at--;
			if (at == 0) {
				snprintf(message, size, "QUERY '%s' has a weight but no search before it", arg);
				return -1;
			}
		}
		q[i].text = strndup(arg, at);
		if (!q[i].text) {
			snprintf(message, size, "out of memory");
			return -1;
		}
	}
	return 0;
}

static void queries_free(fetch_query *q, size_t n)
{
	for (size_t i = 0; q && i < n; i++)
		free(q[i].text);
	free(q);
}

static void state_free(fetch_state *s)
{
	dd_profiles_free(s->listed, s->n_listed);
	free(s->listed_query);
	http_response_free(&s->gopgo);
	for (size_t i = 0; i < s->n_items; i++) {
		free(s->items[i].own_id);
		free(s->items[i].bytes);
	}
	free(s->items);
	if (s->spool_fd >= 0)
		close(s->spool_fd);
	dd_client_free(&s->client);
	pthread_mutex_destroy(&s->mu);
}

static int run(int argc, char **argv)
{
	flag_list args = {0};
	char message[256];
	int rc;
	memset(&opt, 0, sizeof opt);
	opt.from_ns = 72 * 3600 * NS_PER_S;
	opt.timeout_ns = 60 * NS_PER_S;
	opt.profiles = 5;
	opt.endpoint = endpoints[0];
	opt.keep_if_unchanged = -1;
	int parsed = flags_parse_go(fetch_flags, argc, argv, &args, message, sizeof message);
	if (parsed > 0) {
		cli_print_help(&cmd_fetch, stdout);
		rc = EXIT_OK;
		goto out;
	}
	if (parsed < 0) {
		rc = cli_usage_error(&cmd_fetch, message);
		goto out;
	}
	bool list_mode = !strcmp(opt.endpoint, "list");
	if (args.n < 2) {
		rc = cli_usage_error(&cmd_fetch, args.n ? "need a DEST after the QUERY" : "need at least one QUERY and a DEST");
		goto out;
	}
	fetch_query *queries = NULL;
	bool any_weight = false;
	if (parse_queries(&args, &queries, &any_weight, message, sizeof message)) {
		queries_free(queries, args.n - 1);
		rc = cli_usage_error(&cmd_fetch, message);
		goto out;
	}
	/* A closed log pipe must not kill us before DEST is written. */
	signal(SIGPIPE, SIG_IGN);

	fetch_state s = {
		.spool_fd = -1,
		.queries = queries,
		.n_queries = args.n - 1,
		.weighted = any_weight || opt.normalize,
		.threads = cli_threads(),
	};
	pthread_mutex_init(&s.mu, NULL);
	s.started_wall_ns = wall_now_ns();
	/* A -timeout of 0 or less has expired already: the fetch fails open, as datadog-pgo's does. */
	s.deadline_ns = http_now_ns() + opt.timeout_ns;
	go_duration_format(opt.timeout_ns, s.timeout_text, sizeof s.timeout_text);
	fetch_log_init(&s.log, stdout, opt.json, opt.verbose);
	FLOG(&s.log, LOG_INFO, "pgotool fetch", LA_STR("version", PGO_VERSION));
	spool_open(&s);
	if (!s.threads) {
		/* Never a reason to break a build: one thread merges alike. */
		FLOG0(&s.log, LOG_WARN, "PGOTOOL_THREADS must be a whole number from 1 to 1024; merging on one thread");
		s.threads = 1;
	}
	const char *dest = args.items[args.n - 1];
	if (dest[0] == '-' && dest[1])
		FLOG(&s.log, LOG_WARN, "DEST looks like an option; options go before the QUERY arguments",
		     LA_STR("dest", dest));

	pgo_error err = {0};
	pgo_status st = fetch(&s, &args, opt.from_ns, opt.profiles, list_mode, &err);
	if (st) {
		FLOG0(&s.log, LOG_ERROR, err.message);
		if (!opt.fail)
			FLOG0(&s.log, LOG_WARN,
			      "pgotool fetch failed, but -fail is not set, returning exit code 0 to continue without PGO");
	}
	rc = st && opt.fail ? EXIT_FAILURE_ : EXIT_OK;
	fetch_log_close(&s.log);
	state_free(&s);
	queries_free(queries, args.n - 1);
out:
	flag_list_free(&args);
	flag_list_free(&opt.noinline);
	return rc;
}
