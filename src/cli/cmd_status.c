/* pgotool status: which Go services run with PGO, from their recent profiles. */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "ddclient.h"
#include "status_groups.h"
#include "timefmt.h"

#define NS_PER_S 1000000000LL
#define MAX_ANSWER_BYTES ((size_t)256 << 20)
#define MAX_ATTEMPTS 4
#define INDICATION "an indication, not a measurement of PGO's effect"

static struct {
	bool json, fail_if_missing, verbose;
	int64_t from_ns, timeout_ns, page, max_profiles;
	const char *api;
} opt;

static const flag_def status_flags[] = {
	{"from", 0, FLAG_DURATION, &opt.from_ns, "DURATION", "look at profiles from this long ago until now (default 24h)",
	 .min = 1, .max = 876000LL * 3600 * NS_PER_S},
	{"json", 0, FLAG_BOOL, &opt.json, NULL, "write one JSON document instead of tables", 0, 0, NULL},
	{"fail-if-missing", 0, FLAG_BOOL, &opt.fail_if_missing, NULL,
	 "exit 1 when a service runs without PGO, or when no profile matches", 0, 0, NULL},
	{"api", 0, FLAG_STRING, &opt.api, "URL",
	 "base URL of the query API, e.g. http://127.0.0.1:8126 for a pgotool serve (default $PGOTOOL_API, else "
	 "https://app.$DD_SITE)", 0, 0, NULL},
	{"timeout", 0, FLAG_DURATION, &opt.timeout_ns, "DURATION",
	 "time limit for all the requests, retries included (default 1m)", 0, 0, NULL},
	{"v", 0, FLAG_BOOL, &opt.verbose, NULL, "log each request and page to stderr", 0, 0, NULL},
	{"page", 0, FLAG_INT, &opt.page, "N", "profiles per list request, 1 to 1000 (default 1000, the most the API gives)",
	 .min = 1, .max = DD_MAX_LIMIT},
	{"max-profiles", 0, FLAG_INT, &opt.max_profiles, "N",
	 "stop after this many profiles, and say so (default 100000)", .min = 1, .max = 100000000},
	{NULL, 0, 0, NULL, NULL, NULL, 0, 0, NULL},
};

static const flag_def *flags(void)
{
	return status_flags;
}

static int run(int argc, char **argv);

const command cmd_status = {
	.name = "status",
	.run = run,
	.summary = "show which Go services run with PGO, from their recent profiles",
	.synopsis = "pgotool status [OPTIONS]... [QUERY]",
	.description =
		"Lists the Go services that uploaded CPU profiles in the last -from, one row per\n"
		"service, env and version, those without PGO first: whether they run with PGO,\n"
		"how many profiles they have and how many carry pgo:true, their mean CPU cores\n"
		"per profile, and the age of the newest one. It answers \"is PGO on everywhere?\"\n"
		"as Datadog's search `runtime:go -pgo:true` does:\n\n"
		"    pgotool status 'env:prod'\n"
		"    pgotool status -fail-if-missing 'service:checkout env:prod'   # in CI\n\n"
		"It asks the backends `pgotool fetch` asks, the same way: Datadog's API\n"
		"(https://app.$DD_SITE) or a pgotool serve (-api URL, or $PGOTOOL_API), with\n"
		"DD_API_KEY and DD_APP_KEY. QUERY is Datadog search syntax (default runtime:go;\n"
		"\" runtime:go\" is appended to one with neither runtime:go nor language:go);\n"
		"options come before it, and the words after the first one are all the QUERY.\n"
		"Profiles are listed newest first, a page at a time, until the window is\n"
		"covered; if -max-profiles stops it earlier, the output says so.\n\n"
		"PGO state, from a group's newest profiles (those that started within two\n"
		"profiling periods of its newest one: about one per running process):\n"
		"on (all carry pgo:true), off (none does), partly (some do), unknown (no pgo\n"
		"tag: a profiler older than the tag). Only \"on\" counts as running with PGO.\n\n"
		"For a service and env with both pgo:true and pgo:false profiles in the\n"
		"window, the two sides are shown side by side: CPU per request where the\n"
		"uploads carry endpoint_counts (dd-trace-go with\n"
		"DD_PROFILING_ENDPOINT_COUNT_ENABLED=true; over the profiles that carry them),\n"
		"else mean CPU cores per profile.\n"
		"That is " INDICATION ": the sides differ in\n"
		"load, inputs, versions and hosts too.\n\n"
		"Exit status: 0; 1 on failure (network, keys), and with -fail-if-missing when\n"
		"a group runs without PGO or no profile matches; 2 on a usage error.",
	.flags = flags,
};

/* ---- listing, page by page ---------------------------------------------- */

typedef struct listing {
	dd_client client;
	dd_search search;
	status_report report;
	int64_t to_ns;        /* the window's end */
	size_t pages;
	bool complete;
	char incomplete[256]; /* why not, when not */
} listing;

static int64_t wall_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static void log_attempt(void *ctx, const http_attempt *a)
{
	(void)ctx;
	if (a->error)
		fprintf(stderr, "pgotool status: %s %s: attempt %d: %s (%.3fs)%s\n", a->req->method, a->req->url, a->attempt,
		        a->error, a->seconds, a->retry_in >= 0 ? ", retrying" : "");
	else
		fprintf(stderr, "pgotool status: %s %s: attempt %d: %ld, %zu bytes (%.3fs)%s\n", a->req->method,
		        a->req->url, a->attempt, a->status, a->bytes, a->seconds, a->retry_in >= 0 ? ", retrying" : "");
}

/*
 * Newest first, `page` at a time: each next request ends (`to`, inclusive)
 * at the second after the oldest profile seen so far, in whole seconds as
 * datadog-pgo sends times, so that no profile between two pages is missed
 * whatever precision the backend compares at; the profiles of that second
 * come again and are counted once, by id. When that brings nothing older
 * (more than a page of profiles in one second, as in a large fleet), `to`
 * is the oldest profile's own time, to the nanosecond (a pgotool serve
 * compares at that precision). Stops when a page is not full (the window
 * is covered), at -max-profiles, or when a full page brings nothing new
 * even so.
 */
static pgo_status list_all(listing *l, pgo_error *err)
{
	int64_t to = l->search.to_ns;
	for (;;) {
		size_t have = l->report.profiles;
		if ((int64_t)have >= opt.max_profiles) {
			snprintf(l->incomplete, sizeof l->incomplete,
			         "stopped after %zu profiles (-max-profiles); older profiles in the window were not counted", have);
			return PGO_OK;
		}
		l->search.to_ns = to;
		int64_t left = opt.max_profiles - (int64_t)have;
		l->search.limit = opt.page < left ? opt.page : left;
		dd_profile *found = NULL;
		size_t n = 0;
		pgo_status st = dd_client_list(&l->client, &l->search, &found, &n, err);
		if (st)
			return st;
		l->pages++;
		size_t added = 0;
		int64_t oldest = INT64_MAX;
		for (size_t i = 0; i < n; i++) {
			int rc = status_add(&l->report, &found[i]);
			if (rc < 0) {
				dd_profiles_free(found, n);
				return pgo_fail(err, PGO_ERR_NOMEM, "out of memory after %zu profiles", l->report.profiles);
			}
			added += (size_t)rc;
			if (found[i].timestamp_ns < oldest)
				oldest = found[i].timestamp_ns;
		}
		dd_profiles_free(found, n);
		if (opt.verbose) {
			char t[48];
			rfc3339_format(to, t, sizeof t);
			fprintf(stderr, "pgotool status: page %zu (to %s): %zu profiles, %zu new\n", l->pages, t, n, added);
		}
		if ((int64_t)n < l->search.limit) {
			l->complete = !l->incomplete[0];
			return PGO_OK;
		}
		if ((int64_t)l->report.profiles >= opt.max_profiles)
			continue; /* says so above */
		/* The second after the oldest one, strictly later than it; else its own time; else past it. */
		int64_t next = (oldest / NS_PER_S + 1) * NS_PER_S;
		if (added > 0 && next < to) {
			to = next;
		} else if (oldest < to) {
			to = oldest;
		} else {
			/* A full page of profiles that all started at `to` and were all seen: there may be more. */
			if (l->search.limit > 1 && !l->incomplete[0]) {
				char t[48];
				rfc3339_format(oldest, t, sizeof t);
				snprintf(l->incomplete, sizeof l->incomplete,
				         "%lld or more profiles started at %s, more than one page holds; some of them may not "
				         "be counted",
				         (long long)l->search.limit, t);
			}
			to = oldest - 1;
		}
		if (to < l->search.from_ns) {
			l->complete = !l->incomplete[0];
			return PGO_OK;
		}
	}
}

/* ---- text --------------------------------------------------------------- */

/* Terminal columns of UTF-8 text: one per character. */
static size_t width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xC0) != 0x80;
	return w;
}

/* A table printed with its columns aligned, like kubectl get. */
typedef struct table {
	size_t cols, rows;
	char **cells; /* rows x cols, row 0 the header */
	const char *right; /* "LRR...": alignment per column */
	bool oom;
} table;

static void table_add(table *t, ...)
{
	char **cells = realloc(t->cells, (t->rows + 1) * t->cols * sizeof *cells);
	if (!cells) {
		t->oom = true;
		return;
	}
	t->cells = cells;
	va_list ap;
	va_start(ap, t);
	for (size_t c = 0; c < t->cols; c++) {
		const char *v = va_arg(ap, const char *);
		char *d = strdup(v && *v ? v : "-");
		t->oom |= !d;
		/* Tag values come from anyone who uploads: no control characters reach the terminal. */
		for (char *p = d; p && *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
		cells[t->rows * t->cols + c] = d;
	}
	va_end(ap);
	t->rows++;
}

static void table_print(table *t, FILE *f)
{
	size_t w[16] = {0};
	for (size_t r = 0; r < t->rows; r++)
		for (size_t c = 0; c < t->cols && c < 16; c++) {
			const char *v = t->cells[r * t->cols + c];
			size_t cw = v ? width(v) : 0;
			if (cw > w[c])
				w[c] = cw;
		}
	for (size_t r = 0; r < t->rows; r++) {
		for (size_t c = 0; c < t->cols; c++) {
			const char *v = t->cells[r * t->cols + c];
			v = v ? v : "";
			size_t pad = w[c] - width(v);
			bool last = c + 1 == t->cols;
			if (t->right[c] == 'R' && r > 0)
				fprintf(f, "%*s%s", (int)pad, "", v);
			else
				fprintf(f, "%s%*s", v, last ? 0 : (int)pad, "");
			if (!last)
				fputs("  ", f);
		}
		fputc('\n', f);
	}
}

static void table_free(table *t)
{
	for (size_t i = 0; i < t->rows * t->cols; i++)
		free(t->cells[i]);
	free(t->cells);
}

/* "45s", "12m", "3h", "2d": the largest unit that keeps the number at least 2. */
static void age_text(int64_t ns, char *out, size_t size)
{
	int64_t s = ns > 0 ? ns / NS_PER_S : 0;
	if (s < 120)
		snprintf(out, size, "%llds", (long long)s);
	else if (s < 120 * 60)
		snprintf(out, size, "%lldm", (long long)(s / 60));
	else if (s < 48 * 3600)
		snprintf(out, size, "%lldh", (long long)(s / 3600));
	else
		snprintf(out, size, "%lldd", (long long)(s / 86400));
}

/* A Go duration without its zero tails: "24h0m0s" is "24h", "1h30m0s" "1h30m". */
static void window_text(int64_t ns, char *out, size_t size)
{
	go_duration_format(ns, out, size);
	size_t n = strlen(out);
	if (n > 3 && !strcmp(out + n - 3, "m0s"))
		out[n -= 2] = '\0';
	if (n > 3 && !strcmp(out + n - 3, "h0m"))
		out[n -= 2] = '\0';
}

/* CPU time per request: "1.25s", "4.1ms", "85µs", "120ns". */
static void cpu_time_text(double seconds, char *out, size_t size)
{
	if (seconds >= 1)
		snprintf(out, size, "%.3gs", seconds);
	else if (seconds >= 1e-3)
		snprintf(out, size, "%.3gms", seconds * 1e3);
	else if (seconds >= 1e-6)
		snprintf(out, size, "%.3gµs", seconds * 1e6);
	else
		snprintf(out, size, "%.3gns", seconds * 1e9);
}

/* Whether the comparison is per request: both sides have requests counted. */
static bool per_request(const status_comparison *c)
{
	return status_side_cpu_per_request(&c->side[0]) > 0 && status_side_cpu_per_request(&c->side[1]) >= 0;
}

static double measure(const status_comparison *c, int side)
{
	return per_request(c) ? status_side_cpu_per_request(&c->side[side]) : status_side_cores(&c->side[side]);
}

/* s, with control characters as '?'. */
static void put_printable(const char *s)
{
	for (; *s; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

/* Returns 0, or -1 out of memory (nothing printed then). */
static int print_text(const listing *l, const char *query, int64_t now)
{
	const status_report *r = &l->report;
	char window[32];
	window_text(opt.from_ns, window, sizeof window);
	if (r->n_groups == 0) {
		printf("No profiles match '%s' in the last %s at %s.\n"
		       "Check the QUERY and -from, and that the services upload CPU profiles.\n",
		       query, window, l->client.base);
		return 0;
	}
	table t = {.cols = 8, .right = "LLLLRRRL"};
	table_add(&t, "SERVICE", "ENV", "VERSION", "PGO", "PROFILES", "PGO:TRUE", "CPU CORES", "NEWEST");
	for (size_t i = 0; i < r->n_groups; i++) {
		const status_group *g = &r->groups[i];
		char profiles[32], pgo_true[32], cores[32], age[32];
		snprintf(profiles, sizeof profiles, "%zu", g->profiles);
		snprintf(pgo_true, sizeof pgo_true, "%zu", g->pgo_true);
		snprintf(cores, sizeof cores, "%.2f", g->profiles ? g->cores_sum / (double)g->profiles : 0);
		age_text(now - g->newest_ns, age, sizeof age);
		table_add(&t, g->service, g->env, g->version, status_state_name(g->state), profiles, pgo_true, cores, age);
	}
	table c = {.cols = 7, .right = "LLLRRRR"};
	table_add(&c, "SERVICE", "ENV", "MEASURE", "PGO:FALSE", "PGO:TRUE", "CHANGE", "PROFILES F/T");
	for (size_t i = 0; i < r->n_comparisons; i++) {
		const status_comparison *k = &r->comparisons[i];
		char off[32], on[32], change[32], n[48];
		bool req = per_request(k);
		double a = measure(k, 0), b = measure(k, 1);
		if (req) {
			cpu_time_text(a, off, sizeof off);
			cpu_time_text(b, on, sizeof on);
		} else {
			snprintf(off, sizeof off, "%.2f", a);
			snprintf(on, sizeof on, "%.2f", b);
		}
		if (a > 0)
			snprintf(change, sizeof change, "%+.1f%%", (b - a) / a * 100);
		else
			snprintf(change, sizeof change, "-");
		snprintf(n, sizeof n, "%zu/%zu", k->side[0].profiles, k->side[1].profiles);
		table_add(&c, k->service, k->env, req ? "cpu/request" : "cpu cores", off, on, change, n);
	}
	if (t.oom || c.oom) {
		table_free(&t);
		table_free(&c);
		return -1;
	}
	table_print(&t, stdout);
	table_free(&t);

	size_t without = status_without_pgo(r);
	printf("\n");
	if (without == 0) {
		printf("PGO is on everywhere: all %zu groups (service, env, version) run with PGO.\n", r->n_groups);
	} else {
		printf("%zu of %zu groups (service, env, version) run without PGO:", without, r->n_groups);
		/* They come first. */
		for (size_t i = 0; i < without; i++) {
			const status_group *g = &r->groups[i];
			putchar(' ');
			put_printable(*g->service ? g->service : "-");
			if (*g->version) {
				putchar(' ');
				put_printable(g->version);
			}
			if (*g->env) {
				fputs(" in ", stdout);
				put_printable(g->env);
			}
			if (i + 1 < without)
				putchar(',');
		}
		printf(".\n");
	}
	printf("%zu profiles matching '%s' in the last %s, from %s.\n", r->profiles, query, window, l->client.base);
	if (!l->complete)
		printf("note: %s.\n", l->incomplete);

	if (r->n_comparisons > 0) {
		printf("\nPGO on and off side by side, per service: %s\n"
		       "(the two sides differ in load, inputs, versions and hosts, not only in PGO).\n", INDICATION);
		table_print(&c, stdout);
	}
	table_free(&c);
	return 0;
}

/* ---- JSON --------------------------------------------------------------- */

static json_t *rounded(double v, double unit)
{
	return json_real(round(v / unit) * unit);
}

static json_t *str_or_null(const char *s)
{
	return *s ? json_string(s) : json_null();
}

static json_t *time_json(int64_t ns)
{
	char t[48];
	rfc3339_format(ns, t, sizeof t);
	return json_string(t);
}

static json_t *side_json(const status_side *s)
{
	json_t *j = json_pack("{s:I, s:o}", "profiles", (json_int_t)s->profiles, "cpu_cores",
	                      rounded(status_side_cores(s), 1e-4));
	if (j && s->counted) {
		json_object_set_new(j, "profiles_with_requests", json_integer((json_int_t)s->counted));
		json_object_set_new(j, "requests", json_integer(s->requests));
		double per = status_side_cpu_per_request(s);
		json_object_set_new(j, "cpu_seconds_per_request", per >= 0 ? json_real(per) : json_null());
	}
	return j;
}

static char *render_json(const listing *l, const char *query, int64_t now)
{
	const status_report *r = &l->report;
	json_t *groups = json_array(), *comparisons = json_array();
	for (size_t i = 0; groups && i < r->n_groups; i++) {
		const status_group *g = &r->groups[i];
		int64_t age = now - g->newest_ns;
		json_array_append_new(
			groups, json_pack("{s:o, s:o, s:o, s:s, s:b, s:I, s:I, s:I, s:I, s:o, s:o, s:I, s:I, s:I}", "service",
		                      str_or_null(g->service), "env", str_or_null(g->env), "version", str_or_null(g->version),
		                      "pgo", status_state_name(g->state), "runs_with_pgo", g->state == STATE_ON,
		                      "profiles", (json_int_t)g->profiles, "pgo_true", (json_int_t)g->pgo_true, "pgo_false",
		                      (json_int_t)g->pgo_false, "pgo_untagged", (json_int_t)g->untagged, "cpu_cores",
		                      rounded(g->profiles ? g->cores_sum / (double)g->profiles : 0, 1e-4), "newest",
		                      time_json(g->newest_ns), "newest_age_seconds",
		                      (json_int_t)(age > 0 ? age / NS_PER_S : 0), "newest_profiles", (json_int_t)g->recent,
		                      "newest_pgo_true", (json_int_t)g->recent_true));
	}
	for (size_t i = 0; comparisons && i < r->n_comparisons; i++) {
		const status_comparison *k = &r->comparisons[i];
		double a = measure(k, 0), b = measure(k, 1);
		json_array_append_new(comparisons,
		                      json_pack("{s:o, s:o, s:s, s:s, s:o, s:o, s:o}", "service", str_or_null(k->service),
		                                "env", str_or_null(k->env), "note", INDICATION, "measure",
		                                per_request(k) ? "cpu_seconds_per_request" : "cpu_cores", "pgo_false",
		                                side_json(&k->side[0]), "pgo_true", side_json(&k->side[1]), "change",
		                                a > 0 ? rounded((b - a) / a, 1e-4) : json_null()));
	}
	char window[32];
	window_text(opt.from_ns, window, sizeof window);
	json_t *doc = groups && comparisons
	                  ? json_pack("{s:s, s:s, s:o, s:o, s:s, s:I, s:I, s:b, s:o, s:I, s:I, s:b, s:o, s:o}", "query",
	                              query, "api", l->client.base, "from", time_json(l->search.from_ns), "to",
	                              time_json(l->to_ns), "window", window, "profiles", (json_int_t)r->profiles, "requests",
	                              (json_int_t)l->pages, "complete", l->complete, "incomplete",
	                              l->complete ? json_null() : json_string(l->incomplete), "groups_total",
	                              (json_int_t)r->n_groups, "without_pgo", (json_int_t)status_without_pgo(r),
	                              "pgo_everywhere", r->n_groups > 0 && status_without_pgo(r) == 0, "groups", groups,
	                              "comparisons", comparisons)
	                  : NULL;
	if (!doc) {
		json_decref(groups);
		json_decref(comparisons);
		return NULL;
	}
	char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	json_decref(doc);
	return text;
}

/* ---- the command ---------------------------------------------------------- */

/* The QUERY words as one query; runtime:go when there are none. */
static char *join_query(const flag_list *args)
{
	size_t len = sizeof "runtime:go";
	for (size_t i = 0; i < args->n; i++)
		len += strlen(args->items[i]) + 1;
	char *q = malloc(len);
	if (!q)
		return NULL;
	if (args->n == 0) {
		strcpy(q, "runtime:go");
		return q;
	}
	size_t o = 0;
	for (size_t i = 0; i < args->n; i++)
		o += (size_t)sprintf(q + o, "%s%s", i ? " " : "", args->items[i]);
	return q;
}

static int run(int argc, char **argv)
{
	flag_list args = {0};
	char message[256];
	int rc = EXIT_FAILURE_;
	memset(&opt, 0, sizeof opt);
	opt.from_ns = 24 * 3600 * NS_PER_S;
	opt.timeout_ns = 60 * NS_PER_S;
	opt.page = DD_MAX_LIMIT;
	opt.max_profiles = 100000;
	int parsed = flags_parse_go(status_flags, argc, argv, &args, message, sizeof message);
	if (parsed > 0) {
		cli_print_help(&cmd_status, stdout);
		flag_list_free(&args);
		return EXIT_OK;
	}
	if (parsed < 0) {
		flag_list_free(&args);
		return cli_usage_error(&cmd_status, message);
	}
	char *query = join_query(&args);
	flag_list_free(&args);
	listing l = {0};
	pgo_error err = {0};
	char timeout_text[32];
	go_duration_format(opt.timeout_ns, timeout_text, sizeof timeout_text);
	const char *api = opt.api ? opt.api : getenv("PGOTOOL_API");
	int64_t now = wall_now_ns();
	pgo_status st = query ? PGO_OK : pgo_fail(&err, PGO_ERR_NOMEM, "out of memory");
	if (!st)
		st = http_global_init(&err);
	if (!st)
		st = dd_client_init(&l.client, api, &err);
	if (st)
		goto done;
	l.client.http = (http_options){
		.deadline_ns = http_now_ns() + opt.timeout_ns,
		.timeout_text = timeout_text,
		.user_agent = "pgotool/" PGO_VERSION,
		.max_body = MAX_ANSWER_BYTES,
		.max_attempts = MAX_ATTEMPTS,
		.on_attempt = opt.verbose ? log_attempt : NULL,
	};
	if (dd_search_for_go(query, now, opt.from_ns, opt.page, &l.search)) {
		st = pgo_fail(&err, PGO_ERR_NOMEM, "out of memory");
		goto done;
	}
	/* Newest first, for paging back in time. */
	free(l.search.sort_field);
	if (!(l.search.sort_field = strdup("timestamp"))) {
		st = pgo_fail(&err, PGO_ERR_NOMEM, "out of memory");
		goto done;
	}
	l.to_ns = l.search.to_ns;
	if ((st = list_all(&l, &err)))
		goto done;
	if (status_finish(&l.report)) {
		st = pgo_fail(&err, PGO_ERR_NOMEM, "out of memory");
		goto done;
	}
	if (opt.json) {
		char *text = render_json(&l, l.search.query, now);
		if (!text) {
			st = pgo_fail(&err, PGO_ERR_NOMEM, "out of memory");
			goto done;
		}
		printf("%s\n", text);
		free(text);
	} else if (print_text(&l, l.search.query, now)) {
		st = pgo_fail(&err, PGO_ERR_NOMEM, "out of memory");
		goto done;
	}
	if (fflush(stdout) != 0) {
		st = pgo_fail(&err, PGO_ERR_IO, "<stdout>: write failed");
		goto done;
	}
	bool missing = l.report.n_groups == 0 || status_without_pgo(&l.report) > 0;
	rc = opt.fail_if_missing && missing ? EXIT_FAILURE_ : EXIT_OK;
done:
	if (st)
		rc = cli_fail(&cmd_status, &err);
	status_report_free(&l.report);
	dd_search_free(&l.search);
	dd_client_free(&l.client);
	free(query);
	return rc;
}
