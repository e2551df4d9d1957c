/*
 * serveload: load generator and checker for `pgotool serve` (bench/serve.sh).
 *
 *     serveload intake   ADDR --src F[,F...] [--conns N] [--seconds S] [--count MAX] [--bodies B] [--seed X]
 *                        [--ids FILE] [--query-clients Q --api-key K --app-key A]
 *     serveload populate ADDR --src F[,F...] [--conns N] [--count N] [--distinct D] [--seed X]
 *     serveload query    ADDR --api-key K --app-key A [--requests N] [--kinds K,...] [--seconds S]
 *                        [--seed X]
 *     serveload verify   ADDR --api-key K --app-key A --ids FILE
 *
 * ADDR is HOST:PORT (IPv4). --src names large gzip CPU profiles (from
 * bench/genprofiles); the uploads carry profiles cut out of them: a random
 * subset of their samples, with only the locations, functions and mappings
 * those samples use, values rescaled to a chosen CPU usage, re-encoded
 * (gzip level 6, as the Go runtime writes them). So every attachment is a
 * valid pprof of the size wanted, with Go-like stacks and labels.
 *
 * intake: B distinct uploads (cpu.pprof 90-240 KB, delta-heap.pprof 10-60 KB,
 *   metrics.json, and an event.json with dd-trace-go's tags), prepared
 *   before the clock starts and posted by N keep-alive connections in a loop
 *   for S seconds (or until MAX have been sent, which bounds the disk used);
 *   a request in flight when time is up is finished and counted. Writes
 *   the profile_id of every 200 to FILE. With Q query clients, as many
 *   connections send list requests back to back meanwhile (half of them
 *   datadog-pgo's, half a page of 100), timed too.
 * populate: N uploads with a small cpu.pprof (5-20 KB, D distinct), each
 *   with fresh metadata: one of 40 services (Zipf-weighted), env, host,
 *   version, runtime-id, start time uniform over the last 7 days.
 * query: list and gopgo over the populated store, one request at a time
 *   on one keep-alive connection, N requests of each kind (--kinds: some of
 *   list, gopgo, complex, list100, ui (the web UI's services and search
 *   pages' JSON); --seconds: stop once S seconds have
 *   passed, for a background load).
 * verify: looks up every id of FILE with list (profile-id:A OR ..., 64 a
 *   request) and reports the ids missing.
 *
 * Results go to stdout as "key value" lines (for bench/serve.sh); progress
 * and errors to stderr. Latencies are measured around each request, from
 * just before the first byte is sent to the last byte of the response.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "pgo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* Utilities.                                                          */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("serveload: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(xmalloc(n), s, n);
}

static double now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t now_real_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A growable byte buffer. */
typedef struct buf {
	char *p;
	size_t len, cap;
} buf;

static void buf_reserve(buf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + extra + 1)
		cap *= 2;
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

static void buf_add(buf *b, const void *data, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* splitmix64: deterministic, no libc rand(). */
typedef struct rng {
	uint64_t s;
} rng;

static uint64_t rnext(rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double runit(rng *r)
{
	return (double)(rnext(r) >> 11) / 9007199254740992.0;
}

static uint64_t rbelow(rng *r, uint64_t n)
{
	return n ? rnext(r) % n : 0;
}

static rng rseed(uint64_t seed, uint64_t stream)
{
	rng r = {seed * 0x2545f4914f6cdd1dULL + stream * 0x9e3779b97f4a7c15ULL + 1};
	rnext(&r);
	return r;
}

/* RFC 3339 with nanoseconds, as dd-trace-go writes them. */
static void rfc3339(int64_t ns, char *out, size_t size)
{
	time_t secs = (time_t)(ns / 1000000000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%09dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	         tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ns % 1000000000));
}

static void rfc3339_s(int64_t ns, char *out, size_t size)
{
	time_t secs = (time_t)(ns / 1000000000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	         tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die("%s: %s", path, strerror(errno));
	buf b = {0};
	char tmp[65536];
	size_t n;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_add(&b, tmp, n);
	if (ferror(f))
		die("%s: read error", path);
	fclose(f);
	*size = b.len;
	return (uint8_t *)b.p;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted values. */
static double pct(const double *v, size_t n, double p)
{
	if (!n)
		return 0;
	size_t k = (size_t)ceil(p / 100.0 * (double)n);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

/* ------------------------------------------------------------------ */
/* Profiles cut out of the big generated ones.                         */

typedef struct source {
	pgo_profile **p;
	size_t n;
} source;

static void load_sources(source *s, const char *list)
{
	char *copy = xstrdup(list), *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t size;
		uint8_t *data = read_file(tok, &size);
		pgo_profile *p = NULL;
		pgo_error e;
		if (pgo_decode(data, size, tok, NULL, &p, &e) != PGO_OK)
			die("%s: %s", tok, e.message);
		free(data);
		s->p = xrealloc(s->p, (s->n + 1) * sizeof *s->p);
		s->p[s->n++] = p;
	}
	free(copy);
	if (!s->n)
		die("--src names no profile");
}

static void check(pgo_status st, const char *what)
{
	if (st != PGO_OK)
		die("%s: %s", what, pgo_status_name(st));
}

static pgo_str reintern(pgo_profile *dst, const pgo_profile *src, pgo_str s)
{
	size_t len;
	const char *text = pgo_string(src, s, &len);
	pgo_str out;
	check(pgo_intern(dst, text, len, &out), "pgo_intern");
	return out;
}

typedef enum kind { CPU, HEAP } kind;

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/*
 * A profile of k samples of src chosen at random, holding only what they
 * reference. CPU: samples/count and cpu/nanoseconds with src's labels,
 * scaled so that the cpu values sum to cores * 60 s. HEAP: the four sample
 * types of a Go heap profile, random values, no labels.
 */
static pgo_profile *cut(const pgo_profile *src, rng *r, uint32_t k, kind what, double cores, int64_t time_ns)
{
	pgo_profile *q = pgo_profile_new();
	if (!q)
		die("out of memory");
	uint32_t ns = src->n_samples;
	if (k > ns)
		k = ns;
	if (k < 1)
		k = 1;
	uint32_t *idx = xmalloc(ns * sizeof *idx);
	for (uint32_t i = 0; i < ns; i++)
		idx[i] = i;
	for (uint32_t i = 0; i < k; i++) { /* partial Fisher-Yates */
		uint32_t j = i + (uint32_t)rbelow(r, ns - i);
		uint32_t t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
	}
	qsort(idx, k, sizeof *idx, cmp_u32);

	int cpu_col = -1;
	for (uint32_t i = 0; i < src->n_sample_types; i++)
		if (!strcmp(pgo_string(src, src->sample_types[i].type, NULL), "cpu"))
			cpu_col = (int)i;
	if (cpu_col < 0)
		die("a --src profile has no cpu sample type");

	if (what == CPU) {
		check(pgo_add_sample_type(q, "samples", "count"), "sample type");
		check(pgo_add_sample_type(q, "cpu", "nanoseconds"), "sample type");
		check(pgo_intern(q, "cpu", 3, &q->period_type.type), "intern");
		check(pgo_intern(q, "nanoseconds", 11, &q->period_type.unit), "intern");
		q->period = 10000000;
	} else {
		check(pgo_add_sample_type(q, "alloc_objects", "count"), "sample type");
		check(pgo_add_sample_type(q, "alloc_space", "bytes"), "sample type");
		check(pgo_add_sample_type(q, "inuse_objects", "count"), "sample type");
		check(pgo_add_sample_type(q, "inuse_space", "bytes"), "sample type");
		check(pgo_intern(q, "space", 5, &q->period_type.type), "intern");
		check(pgo_intern(q, "bytes", 5, &q->period_type.unit), "intern");
		q->period = 524288;
	}
	q->time_nanos = time_ns;
	q->duration_nanos = 60000000000LL;

	uint32_t *loc_map = xmalloc(src->n_locations * sizeof *loc_map);
	uint32_t *fn_map = xmalloc((src->n_functions ? src->n_functions : 1) * sizeof *fn_map);
	uint32_t *map_map = xmalloc((src->n_mappings ? src->n_mappings : 1) * sizeof *map_map);
	memset(loc_map, 0xff, src->n_locations * sizeof *loc_map);
	memset(fn_map, 0xff, (src->n_functions ? src->n_functions : 1) * sizeof *fn_map);
	memset(map_map, 0xff, (src->n_mappings ? src->n_mappings : 1) * sizeof *map_map);
	uint32_t *locs = NULL, cap_locs = 0;
	pgo_line *lines = NULL;
	uint32_t cap_lines = 0;

	/* CPU: scale the chosen samples' cpu values to the wanted total. */
	double total = 0;
	for (uint32_t i = 0; i < k; i++)
		total += (double)src->values[(size_t)idx[i] * src->n_sample_types + (uint32_t)cpu_col];
	double scale = total > 0 ? cores * 60e9 / total : 1;

	for (uint32_t si = 0; si < k; si++) {
		const pgo_sample *s = &src->samples[idx[si]];
		if (s->n_locations > cap_locs) {
			cap_locs = s->n_locations * 2;
			locs = xrealloc(locs, cap_locs * sizeof *locs);
		}
		for (uint32_t li = 0; li < s->n_locations; li++) {
			uint32_t L = src->sample_locations[s->locations_at + li];
			if (loc_map[L] == PGO_NONE) {
				const pgo_location *l = &src->locations[L];
				uint32_t m = l->mapping;
				if (m != PGO_NONE && map_map[m] == PGO_NONE) {
					pgo_mapping mm = src->mappings[m];
					mm.filename = reintern(q, src, mm.filename);
					mm.build_id = reintern(q, src, mm.build_id);
					check(pgo_add_mapping(q, &mm, &map_map[m]), "mapping");
				}
				if (l->n_lines > cap_lines) {
					cap_lines = l->n_lines * 2;
					lines = xrealloc(lines, cap_lines * sizeof *lines);
				}
				for (uint32_t x = 0; x < l->n_lines; x++) {
					pgo_line ln = src->lines[l->lines_at + x];
					if (ln.function != PGO_NONE) {
						uint32_t f = ln.function;
						if (fn_map[f] == PGO_NONE) {
							const pgo_function *fn = &src->functions[f];
							check(pgo_add_function(q, pgo_string(src, fn->name, NULL),
							                       pgo_string(src, fn->system_name, NULL),
							                       pgo_string(src, fn->filename, NULL), fn->start_line,
							                       &fn_map[f]),
							      "function");
						}
						ln.function = fn_map[f];
					}
					lines[x] = ln;
				}
				check(pgo_add_location(q, m == PGO_NONE ? PGO_NONE : map_map[m], l->address, lines, l->n_lines,
				                       &loc_map[L]),
				      "location");
			}
			locs[li] = loc_map[L];
		}
		int64_t v[4];
		pgo_label labs[8];
		uint32_t nl = 0;
		if (what == CPU) {
			double c = (double)src->values[(size_t)idx[si] * src->n_sample_types + (uint32_t)cpu_col] * scale;
			int64_t ticks = (int64_t)llround(c / 1e7);
			if (ticks < 1)
				ticks = 1;
			v[0] = ticks;
			v[1] = ticks * 10000000;
			for (uint32_t x = 0; x < s->n_labels && nl < 8; x++, nl++) {
				const pgo_label *a = &src->labels[s->labels_at + x];
				labs[nl].key = reintern(q, src, a->key);
				labs[nl].str = a->str ? reintern(q, src, a->str) : 0;
				labs[nl].num = a->num;
				labs[nl].num_unit = a->num_unit ? reintern(q, src, a->num_unit) : 0;
			}
		} else {
			int64_t objs = 1 + (int64_t)rbelow(r, 2000);
			int64_t size = 16 << rbelow(r, 9);
			v[0] = objs;
			v[1] = objs * size;
			v[2] = (int64_t)rbelow(r, (uint64_t)objs + 1);
			v[3] = v[2] * size;
		}
		check(pgo_add_sample(q, locs, s->n_locations, v, nl ? labs : NULL, nl), "sample");
	}
	free(idx);
	free(loc_map);
	free(fn_map);
	free(map_map);
	free(locs);
	free(lines);
	return q;
}

static uint8_t *encode(const pgo_profile *p, size_t *size)
{
	uint8_t *out = NULL;
	pgo_error e;
	if (pgo_encode(p, 6, &out, size, &e) != PGO_OK)
		die("pgo_encode: %s", e.message);
	return out;
}

/* Learned bytes per sample, per kind: the first guess for the next cut. */
static double bytes_per_sample[2] = {60, 30};

/* A gzip'd profile of about target bytes (within 12%), cut from src. */
static uint8_t *cut_to_size(const pgo_profile *src, rng *r, kind what, size_t target, double cores, int64_t time_ns,
                            size_t *size)
{
	double k = (double)target / bytes_per_sample[what];
	uint8_t *best = NULL;
	size_t best_size = 0;
	for (int attempt = 0; attempt < 6; attempt++) {
		uint32_t kk = k < 1 ? 1 : k > src->n_samples ? src->n_samples : (uint32_t)k;
		pgo_profile *q = cut(src, r, kk, what, cores, time_ns);
		size_t n;
		uint8_t *gz = encode(q, &n);
		pgo_profile_free(q);
		double ratio = (double)n / (double)target;
		if (!best || fabs(log(ratio)) < fabs(log((double)best_size / (double)target))) {
			free(best);
			best = gz;
			best_size = n;
		} else {
			free(gz);
		}
		bytes_per_sample[what] = (double)n / kk;
		if (ratio > 0.88 && ratio < 1.12)
			break;
		if (kk == src->n_samples && ratio < 1)
			break; /* as big as it gets */
		/* Size grows a little slower than the sample count (shared locations). */
		k = kk / pow(ratio, 1.15);
	}
	*size = best_size;
	return best;
}

/* ------------------------------------------------------------------ */
/* The services that upload.                                           */

static const char *const service_names[] = {
	"orders-api",   "checkout",      "payments",        "inventory",     "cart",          "search-api",
	"auth",         "users",         "notifications",   "shipping",      "pricing",       "catalog",
	"recommender",  "api-gateway",   "billing",         "fraud-detector", "ledger",       "reporting",
	"email-sender", "image-resizer", "session-store",   "feature-flags", "rate-limiter",  "geo-service",
	"tax-service",  "coupon-service", "review-service", "wishlist",      "media-api",     "audit-log",
	"webhooks",     "scheduler",     "kafka-consumer",  "metrics-proxy", "config-service", "identity-api",
	"ads-api",      "loyalty",       "returns",         "warehouse-sync",
};
#define N_SERVICES (sizeof service_names / sizeof service_names[0])

typedef struct service {
	const char *name;
	double cum;              /* cumulative Zipf weight */
	int n_hosts[3];          /* per env: prod, staging, dev */
	char hosts[3][24][64];
	int n_versions;
	char versions[6][24];
	char go_version[16];
} service;

static const char *const env_names[3] = {"prod", "staging", "dev"};
static const double env_cum[3] = {0.62, 0.87, 1.0};

static service services[N_SERVICES];

static void services_init(uint64_t seed)
{
	rng r = rseed(seed, 1000);
	double total = 0;
	for (size_t i = 0; i < N_SERVICES; i++)
		total += 1.0 / pow((double)(i + 1), 0.9);
	double cum = 0;
	static const char *const gov[] = {"go1.22.9", "go1.23.4", "go1.23.6", "go1.24.1", "go1.25.3"};
	for (size_t i = 0; i < N_SERVICES; i++) {
		service *s = &services[i];
		s->name = service_names[i];
		cum += 1.0 / pow((double)(i + 1), 0.9) / total;
		s->cum = cum;
		for (int e = 0; e < 3; e++) {
			s->n_hosts[e] = e == 0 ? 3 + (int)rbelow(&r, 22) : 1 + (int)rbelow(&r, 4);
			/* pods of 1 to 3 ReplicaSets (Deployment revisions) */
			char rss[3][16];
			int n_rs = 1 + (int)rbelow(&r, 3);
			for (int k = 0; k < n_rs; k++)
				snprintf(rss[k], sizeof rss[k], "%09" PRIx64, (uint64_t)(rnext(&r) & 0xfffffffffULL));
			for (int h = 0; h < s->n_hosts[e]; h++) {
				const char *rs = rss[h % n_rs];
				char pod[8];
				for (int c = 0; c < 5; c++)
					pod[c] = "bcdfghjklmnpqrstvwxz2456789"[rbelow(&r, 27)];
				pod[5] = 0;
				snprintf(s->hosts[e][h], sizeof s->hosts[e][h], "%s-%s-%s", s->name, rs, pod);
			}
		}
		s->n_versions = 2 + (int)rbelow(&r, 5);
		int major = 1 + (int)rbelow(&r, 3), minor = (int)rbelow(&r, 60);
		for (int v = 0; v < s->n_versions; v++)
			snprintf(s->versions[v], sizeof s->versions[v], "v%d.%d.%d", major, minor + v, (int)rbelow(&r, 12));
		snprintf(s->go_version, sizeof s->go_version, "%s", gov[rbelow(&r, 5)]);
	}
	services[N_SERVICES - 1].cum = 1.0;
}

static int pick_service(rng *r)
{
	double u = runit(r);
	for (size_t i = 0; i < N_SERVICES; i++)
		if (u < services[i].cum)
			return (int)i;
	return (int)N_SERVICES - 1;
}

static void uuid(rng *r, char out[37])
{
	uint64_t a = rnext(r), b = rnext(r);
	snprintf(out, 37, "%08" PRIx64 "-%04" PRIx64 "-4%03" PRIx64 "-%04" PRIx64 "-%012" PRIx64, a >> 32,
	         (a >> 16) & 0xffff, a & 0xfff, (uint64_t)(((b >> 48) & 0x3fff) | 0x8000),
	         (uint64_t)(b & 0xffffffffffffULL));
}

typedef struct attachment {
	const char *name;
	const uint8_t *data;
	size_t size;
} attachment;

#define BOUNDARY "8f2a5b1c9d7e3f60a4b2c8d1e9f7a3b5c6d0e2f4a8b1c3d5e7f9a0b2c4d6"

/*
 * An upload's multipart body, as dd-trace-go's profiler writes it: the
 * event part, then one part per attachment. The event names one service,
 * env, host and version at start_ns; svc < 0 picks one at random (Zipf),
 * and env < 0 too.
 */
static void build_body(buf *b, rng *r, int svc, int env, int64_t start_ns, const attachment *att, size_t n_att)
{
	const service *s = &services[svc >= 0 ? svc : pick_service(r)];
	double u = runit(r);
	int e = env >= 0 ? env : u < env_cum[0] ? 0 : u < env_cum[1] ? 1 : 2;
	const char *host = s->hosts[e][rbelow(r, (uint64_t)s->n_hosts[e])];
	const char *version = s->versions[rbelow(r, (uint64_t)s->n_versions)];
	char start[48], end[48], rid[37];
	rfc3339(start_ns, start, sizeof start);
	rfc3339(start_ns + 60000000000LL, end, sizeof end);
	uuid(r, rid);

	b->len = 0;
	buf_printf(b,
	           "--" BOUNDARY "\r\n"
	           "Content-Disposition: form-data; name=\"event\"; filename=\"event.json\"\r\n"
	           "Content-Type: application/json\r\n\r\n"
	           "{\"attachments\":[");
	for (size_t i = 0; i < n_att; i++)
		buf_printf(b, "%s\"%s\"", i ? "," : "", att[i].name);
	buf_printf(b,
	           "],\"start\":\"%s\",\"end\":\"%s\",\"family\":\"go\",\"version\":\"4\","
	           "\"tags_profiler\":\"service:%s,env:%s,version:%s,host:%s,runtime-id:%s,"
	           "profiler_version:v1.72.1,runtime_version:%s,runtime_compiler:gc,runtime_arch:amd64,"
	           "runtime_os:linux,runtime:go,pgo:%s,process_id:%d,num_cpu:%d\","
	           "\"endpoint_counts\":{\"GET /api/v1/items\":%d,\"POST /api/v1/orders\":%d},"
	           "\"info\":{\"profiler\":{\"activation\":\"manual\",\"ssi\":{\"mechanism\":\"none\"}}}}\r\n",
	           start, end, s->name, env_names[e], version, host, rid, s->go_version,
	           runit(r) < 0.3 ? "true" : "false", 1 + (int)rbelow(r, 64), 2 << rbelow(r, 4),
	           (int)rbelow(r, 5000), (int)rbelow(r, 900));
	for (size_t i = 0; i < n_att; i++) {
		buf_printf(b,
		           "--" BOUNDARY "\r\n"
		           "Content-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
		           "Content-Type: application/octet-stream\r\n\r\n",
		           att[i].name, att[i].name);
		buf_add(b, att[i].data, att[i].size);
		buf_add(b, "\r\n", 2);
	}
	buf_printf(b, "--" BOUNDARY "--\r\n");
}

/* ------------------------------------------------------------------ */
/* HTTP/1.1 with keep-alive, one blocking socket per thread.           */

static struct sockaddr_in server_addr;
static char server_host[64];

static void parse_addr(const char *s)
{
	const char *colon = strrchr(s, ':');
	if (!colon || (size_t)(colon - s) >= sizeof server_host)
		die("%s: expected HOST:PORT", s);
	memcpy(server_host, s, (size_t)(colon - s));
	server_host[colon - s] = 0;
	memset(&server_addr, 0, sizeof server_addr);
	server_addr.sin_family = AF_INET;
	server_addr.sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, server_host, &server_addr.sin_addr) != 1)
		die("%s: not an IPv4 address", server_host);
}

typedef struct conn {
	int fd;
	buf in;       /* bytes read, not yet consumed */
	buf body;     /* the last response body */
	int status;
} conn;

static int conn_open(conn *c)
{
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -1;
	int one = 1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(c->fd, (struct sockaddr *)&server_addr, sizeof server_addr) != 0) {
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	c->in.len = 0;
	return 0;
}

static void conn_close(conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static const char *find_header(const char *head, size_t n, const char *name)
{
	size_t nl = strlen(name);
	for (const char *p = head; p && p < head + n;) {
		const char *eol = memchr(p, '\n', (size_t)(head + n - p));
		if (!eol)
			break;
		if ((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':')
			return p + nl + 1;
		p = eol + 1;
	}
	return NULL;
}

/* Reads until c->in holds at least `need` bytes: 0, or -1 when the
 * connection ends first. */
static int fill(conn *c, size_t need)
{
	while (c->in.len < need) {
		buf_reserve(&c->in, need - c->in.len + 65536);
		ssize_t n = read(c->fd, c->in.p + c->in.len, c->in.cap - c->in.len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		c->in.len += (size_t)n;
	}
	return 0;
}

/* One request; 0 and c->status, c->body, or -1 on a connection error
 * (the connection is closed then). */
static int http_request(conn *c, const char *method, const char *path, const char *headers, const void *body,
                        size_t len)
{
	if (c->fd < 0 && conn_open(c))
		return -1;
	char head[1024];
	int hn = snprintf(head, sizeof head,
	                  "%s %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: Go-http-client/1.1\r\n"
	                  "Content-Length: %zu\r\nAccept-Encoding: gzip\r\n%s\r\n",
	                  method, path, server_host, ntohs(server_addr.sin_port), len, headers);
	struct iovec iov[2] = {{head, (size_t)hn}, {(void *)body, len}};
	int iovn = 2;
	struct iovec *v = iov;
	while (iovn) {
		ssize_t w = writev(c->fd, v, iovn);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		size_t done = (size_t)w;
		while (iovn && done >= v->iov_len) {
			done -= v->iov_len;
			v++;
			iovn--;
		}
		if (iovn) {
			v->iov_base = (char *)v->iov_base + done;
			v->iov_len -= done;
		}
	}
	/* The response: headers, then Content-Length bytes. */
	size_t head_end = 0;
	for (;;) {
		if (c->in.len >= 4) {
			char *e = NULL;
			for (size_t i = 0; i + 3 < c->in.len; i++)
				if (c->in.p[i] == '\r' && !memcmp(c->in.p + i, "\r\n\r\n", 4)) {
					e = c->in.p + i;
					break;
				}
			if (e) {
				head_end = (size_t)(e - c->in.p) + 4;
				break;
			}
		}
		buf_reserve(&c->in, 65536);
		ssize_t n = read(c->fd, c->in.p + c->in.len, c->in.cap - c->in.len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		c->in.len += (size_t)n;
	}
	if (head_end < 12 || strncmp(c->in.p, "HTTP/1.", 7) != 0)
		goto fail;
	c->status = atoi(c->in.p + 9);
	const char *cl = find_header(c->in.p, head_end, "Content-Length");
	const char *te = find_header(c->in.p, head_end, "Transfer-Encoding");
	const char *conn_hdr = find_header(c->in.p, head_end, "Connection");
	bool close_after = conn_hdr && strstr(conn_hdr, "close") && strstr(conn_hdr, "close") < strchr(conn_hdr, '\n');
	if (!cl && te && strncasecmp(te + strspn(te, " "), "chunked", 7) == 0) {
		/* A streamed answer (the zips): chunk after chunk, up to the empty one. */
		c->body.len = 0;
		size_t at = head_end;
		for (;;) {
			char *eol;
			while (!(eol = memchr(c->in.p + at, '\n', c->in.len - at)))
				if (fill(c, c->in.len + 1))
					goto fail;
			eol--; /* the size line ends with CRLF */
			size_t size = (size_t)strtoull(c->in.p + at, NULL, 16);
			size_t data = (size_t)(eol - c->in.p) + 2;
			if (fill(c, data + size + 2))
				goto fail;
			buf_add(&c->body, c->in.p + data, size);
			at = data + size + 2;
			if (size == 0)
				break;
		}
		size_t rest = c->in.len - at;
		memmove(c->in.p, c->in.p + at, rest);
		c->in.len = rest;
		if (close_after)
			conn_close(c);
		return 0;
	}
	if (!cl)
		goto fail; /* every other answer has a length */
	size_t want = (size_t)strtoull(cl, NULL, 10);
	while (c->in.len < head_end + want) {
		buf_reserve(&c->in, head_end + want - c->in.len);
		ssize_t n = read(c->fd, c->in.p + c->in.len, c->in.cap - c->in.len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		c->in.len += (size_t)n;
	}
	c->body.len = 0;
	buf_add(&c->body, c->in.p + head_end, want);
	size_t rest = c->in.len - head_end - want;
	memmove(c->in.p, c->in.p + head_end + want, rest);
	c->in.len = rest;
	if (close_after)
		conn_close(c);
	return 0;
fail:
	conn_close(c);
	return -1;
}

static int http_post(conn *c, const char *path, const char *headers, const void *body, size_t len)
{
	return http_request(c, "POST", path, headers, body, len);
}

static char auth_headers[512];

/* ------------------------------------------------------------------ */
/* Options.                                                            */

static struct {
	const char *src, *ids, *api_key, *app_key, *kinds;
	int conns, seconds, bodies, distinct, requests, query_clients;
	long count;        /* populate: how many; intake: a cap (0: none) */
	bool count_set, seconds_set;
	uint64_t seed;
} opt = {.conns = 16, .seconds = 20, .bodies = 256, .distinct = 2048, .requests = 200, .count = 100000,
         .seed = 20261125};

static void parse_opts(int argc, char **argv)
{
	for (int i = 3; i < argc; i++) {
		const char *a = argv[i];
		if (i + 1 >= argc)
			die("%s: needs a value", a);
		const char *v = argv[++i];
		if (!strcmp(a, "--src"))
			opt.src = v;
		else if (!strcmp(a, "--ids"))
			opt.ids = v;
		else if (!strcmp(a, "--api-key"))
			opt.api_key = v;
		else if (!strcmp(a, "--app-key"))
			opt.app_key = v;
		else if (!strcmp(a, "--kinds"))
			opt.kinds = v;
		else if (!strcmp(a, "--conns"))
			opt.conns = atoi(v);
		else if (!strcmp(a, "--seconds")) {
			opt.seconds = atoi(v);
			opt.seconds_set = true;
		}
		else if (!strcmp(a, "--bodies"))
			opt.bodies = atoi(v);
		else if (!strcmp(a, "--distinct"))
			opt.distinct = atoi(v);
		else if (!strcmp(a, "--requests"))
			opt.requests = atoi(v);
		else if (!strcmp(a, "--query-clients"))
			opt.query_clients = atoi(v);
		else if (!strcmp(a, "--count")) {
			opt.count = atol(v);
			opt.count_set = true;
		}
		else if (!strcmp(a, "--seed"))
			opt.seed = strtoull(v, NULL, 10);
		else
			die("unknown option %s", a);
	}
	if (opt.conns < 1 || opt.conns > 1024)
		die("--conns: 1 to 1024");
	if (opt.api_key && opt.app_key)
		snprintf(auth_headers, sizeof auth_headers, "DD-API-KEY: %s\r\nDD-APPLICATION-KEY: %s\r\n", opt.api_key,
		         opt.app_key);
}

static double cpu_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

/* CPU seconds used by every process on the machine (/proc/stat: user,
 * nice, system, irq, softirq, steal), for how much else was running. */
static double machine_cpu_seconds(void)
{
	FILE *f = fopen("/proc/stat", "r");
	unsigned long long v[8] = {0};
	if (!f)
		return 0;
	int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
	               &v[6], &v[7]);
	fclose(f);
	if (n != 8)
		return 0;
	long tck = sysconf(_SC_CLK_TCK);
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)(tck > 0 ? tck : 100);
}

/* ------------------------------------------------------------------ */
/* Queries.                                                            */

static void search_json(buf *b, int64_t from, int64_t to, const char *query, const char *field, int limit)
{
	char f[40], t[40];
	rfc3339_s(from, f, sizeof f);
	rfc3339_s(to, t, sizeof t);
	buf_printf(b,
	           "{\"filter\":{\"from\":\"%s\",\"to\":\"%s\",\"query\":\"%s\"},"
	           "\"sort\":{\"order\":\"desc\",\"field\":\"%s\"},\"limit\":%d}",
	           f, t, query, field, limit);
}

/* Entries in a zip: the end-of-central-directory record's count. */
static long zip_entries(const buf *b)
{
	if (b->len < 22)
		return -1;
	for (size_t i = b->len - 22 + 1; i-- > 0;)
		if (!memcmp(b->p + i, "PK\x05\x06", 4))
			return (unsigned char)b->p[i + 10] | (unsigned char)b->p[i + 11] << 8;
	return -1;
}

static long count_items(const buf *b)
{
	long n = 0;
	for (const char *p = b->p; p && (p = strstr(p, "\"type\":\"profile\"")); p++)
		n++;
	return n;
}

typedef struct series {
	const char *name;
	double *lat;
	size_t n;
	long bad;
	double items;   /* total results (list items or zip entries) */
	double bytes;
	size_t cap;     /* 0: lat holds as many as will be asked */
} series;

static void report(series *s)
{
	qsort(s->lat, s->n, sizeof *s->lat, cmp_double);
	double sum = 0;
	for (size_t i = 0; i < s->n; i++)
		sum += s->lat[i];
	printf("%s_n %zu\n%s_bad %ld\n", s->name, s->n, s->name, s->bad);
	printf("%s_p50_ms %.2f\n%s_p90_ms %.2f\n%s_p99_ms %.2f\n%s_max_ms %.2f\n%s_mean_ms %.2f\n", s->name,
	       pct(s->lat, s->n, 50) * 1e3, s->name, pct(s->lat, s->n, 90) * 1e3, s->name, pct(s->lat, s->n, 99) * 1e3,
	       s->name, s->n ? s->lat[s->n - 1] * 1e3 : 0, s->name, s->n ? sum / (double)s->n * 1e3 : 0);
	printf("%s_mean_results %.2f\n%s_mean_bytes %.0f\n", s->name, s->n ? s->items / (double)s->n : 0, s->name,
	       s->n ? s->bytes / (double)s->n : 0);
	fflush(stdout);
}

static void timed(conn *c, series *s, const char *path, const buf *req, bool zip, long want)
{
	char headers[600];
	snprintf(headers, sizeof headers, "Content-Type: application/json\r\n%s", auth_headers);
	double t0 = now_mono();
	int rc = http_post(c, path, headers, req->p, req->len);
	double t1 = now_mono();
	if (rc)
		die("%s: connection error: %s", path, strerror(errno));
	if (s->cap && s->n == s->cap)
		s->lat = xrealloc(s->lat, (s->cap *= 2) * sizeof *s->lat);
	s->lat[s->n++] = t1 - t0;
	long got = c->status == 200 ? (zip ? zip_entries(&c->body) : count_items(&c->body)) : -1;
	if (c->status != 200 || got < 0 || (want >= 0 && got != want)) {
		if (!s->bad)
			fprintf(stderr, "serveload: %s: HTTP %d, %ld results (want %ld): %.300s\n", s->name, c->status, got,
			        want, zip ? "" : (c->body.p ? c->body.p : ""));
		s->bad++;
	}
	if (got > 0)
		s->items += (double)got;
	s->bytes += (double)c->body.len;
}

/* A GET of the web UI's JSON (with the keys, as a script would send them):
 * its items are the rows of "services" or "profiles". */
static void timed_get(conn *c, series *s, const char *path_and_query)
{
	double t0 = now_mono();
	int rc = http_request(c, "GET", path_and_query, auth_headers, "", 0);
	double t1 = now_mono();
	if (rc)
		die("%s: connection error: %s", path_and_query, strerror(errno));
	if (s->cap && s->n == s->cap)
		s->lat = xrealloc(s->lat, (s->cap *= 2) * sizeof *s->lat);
	s->lat[s->n++] = t1 - t0;
	long got = 0;
	for (const char *p = c->body.p; c->status == 200 && p && (p = strstr(p, "\"service\":")); p++)
		got++;
	if (c->status != 200 || got == 0) {
		if (!s->bad)
			fprintf(stderr, "serveload: %s: HTTP %d, %ld rows: %.300s\n", s->name, c->status, got,
			        c->body.p ? c->body.p : "");
		s->bad++;
	}
	s->items += (double)got;
	s->bytes += (double)c->body.len;
}

/* ------------------------------------------------------------------ */
/* Load: N threads posting uploads.                                    */

typedef struct body {
	char *data;
	size_t len;
} body;

typedef struct load {
	/* intake: a fixed set of bodies, cycled; populate: built per request */
	body *bodies;
	size_t n_bodies;
	attachment *small;     /* populate: small cpu.pprof files */
	size_t n_small;
	int64_t now_ns;
	atomic_long next;      /* next request number */
	long count;            /* populate: how many in all */
	atomic_bool stop;
	double started;
} load;

typedef struct worker {
	load *L;
	int index;
	pthread_t thread;
	double *lat;
	size_t n_lat, cap_lat;
	long ok, failed, conn_errors;
	double bytes;
	buf ids;
	double last_done;
	char first_error[256];
} worker;

static const char upload_headers[] =
	"Content-Type: multipart/form-data; boundary=" BOUNDARY "\r\n"
	"DD-EVP-ORIGIN: dd-trace-go\r\nDD-EVP-ORIGIN-VERSION: v1.72.1\r\n";

static void *worker_main(void *arg)
{
	worker *w = arg;
	load *L = w->L;
	conn c = {.fd = -1};
	buf tmp = {0};
	rng r = rseed(opt.seed, 5000 + (uint64_t)w->index);
	for (;;) {
		if (atomic_load(&L->stop))
			break;
		long i = atomic_fetch_add(&L->next, 1);
		const char *data;
		size_t len;
		if (L->count && i >= L->count)
			break;
		if (L->bodies) {
			const body *b = &L->bodies[(size_t)i % L->n_bodies];
			data = b->data;
			len = b->len;
		} else {
			int64_t start = L->now_ns - (int64_t)(runit(&r) * 7 * 86400e9) - 60000000000LL;
			attachment a = L->small[rbelow(&r, L->n_small)];
			build_body(&tmp, &r, -1, -1, start, &a, 1);
			data = tmp.p;
			len = tmp.len;
		}
		double t0 = now_mono();
		int rc = http_post(&c, "/profiling/v1/input", upload_headers, data, len);
		double t1 = now_mono();
		if (rc) {
			w->conn_errors++;
			if (!w->first_error[0])
				snprintf(w->first_error, sizeof w->first_error, "connection error: %s", strerror(errno));
			nanosleep(&(struct timespec){0, 10000000}, NULL);
			continue;
		}
		if (c.status != 200) {
			w->failed++;
			if (!w->first_error[0])
				snprintf(w->first_error, sizeof w->first_error, "HTTP %d: %.200s", c.status,
				         c.body.p ? c.body.p : "");
			continue;
		}
		const char *pid = c.body.p ? strstr(c.body.p, "\"profile_id\":\"") : NULL;
		if (!pid) {
			w->failed++;
			snprintf(w->first_error, sizeof w->first_error, "200 without a profile_id: %.200s", c.body.p);
			continue;
		}
		buf_add(&w->ids, pid + 14, 36);
		buf_add(&w->ids, "\n", 1);
		w->ok++;
		w->bytes += (double)len;
		w->last_done = t1;
		if (w->n_lat == w->cap_lat) {
			w->cap_lat = w->cap_lat ? w->cap_lat * 2 : 4096;
			w->lat = xrealloc(w->lat, w->cap_lat * sizeof *w->lat);
		}
		w->lat[w->n_lat++] = t1 - t0;
	}
	conn_close(&c);
	free(c.in.p);
	free(c.body.p);
	free(tmp.p);
	return NULL;
}

/* A client sending list requests back to back while the uploads go on:
 * even ones datadog-pgo's (service:X env:prod runtime:go, top 5 by CPU),
 * odd ones a page of 100, newest first (service:X env:prod). */
typedef struct qworker {
	load *L;
	int index;
	pthread_t thread;
	series s;
} qworker;

static void *qworker_main(void *arg)
{
	qworker *q = arg;
	conn c = {.fd = -1};
	buf b = {0}, text = {0};
	int64_t now = now_real_ns(), from = now - 72 * 3600000000000LL;
	bool page = q->index % 2 == 1;
	for (size_t i = (size_t)q->index * 7; !atomic_load(&q->L->stop); i++) {
		const service *s = &services[i % N_SERVICES];
		text.len = 0;
		buf_printf(&text, page ? "service:%s env:prod" : "service:%s env:prod runtime:go", s->name);
		b.len = 0;
		search_json(&b, from, now, text.p, page ? "timestamp" : "@metrics.core_cpu_cores", page ? 100 : 5);
		timed(&c, &q->s, "/api/unstable/profiles/list", &b, false, -1);
	}
	conn_close(&c);
	free(c.in.p);
	free(c.body.p);
	free(b.p);
	free(text.p);
	return NULL;
}

/* Runs the load and prints prefix_* results. */
static void run_load(load *L, const char *prefix, int seconds)
{
	worker *w = calloc((size_t)opt.conns, sizeof *w);
	qworker *qw = calloc((size_t)opt.query_clients + 1, sizeof *qw);
	if (!w || !qw)
		die("out of memory");
	if (opt.query_clients && !auth_headers[0])
		die("--query-clients needs --api-key and --app-key");
	double cpu0 = cpu_seconds(), all0 = machine_cpu_seconds();
	L->started = now_mono();
	for (int i = 0; i < opt.conns; i++) {
		w[i].L = L;
		w[i].index = i;
		if (pthread_create(&w[i].thread, NULL, worker_main, &w[i]))
			die("pthread_create failed");
	}
	for (int i = 0; i < opt.query_clients; i++) {
		qw[i].L = L;
		qw[i].index = i;
		qw[i].s = (series){"q", xmalloc(1024 * sizeof(double)), 0, 0, 0, 0, 1024};
		if (pthread_create(&qw[i].thread, NULL, qworker_main, &qw[i]))
			die("pthread_create failed");
	}
	if (seconds > 0) {
		/* until time is up, or the cap on the count is reached */
		while (now_mono() - L->started < seconds && !(L->count && atomic_load(&L->next) >= L->count))
			nanosleep(&(struct timespec){0, 20000000}, NULL);
		atomic_store(&L->stop, true);
	} else {
		/* progress once every 10 s */
		long last = 0;
		for (;;) {
			struct timespec ts = {1, 0};
			nanosleep(&ts, NULL);
			long n = atomic_load(&L->next);
			if (n >= L->count)
				break;
			if (n - last >= L->count / 10) {
				fprintf(stderr, "serveload: %s: %ld of %ld sent, %.0f s\n", prefix, n, L->count,
				        now_mono() - L->started);
				last = n;
			}
		}
	}
	long ok = 0, failed = 0, cerr = 0;
	double bytes = 0, last = L->started;
	size_t n_lat = 0;
	for (int i = 0; i < opt.conns; i++) {
		pthread_join(w[i].thread, NULL);
		ok += w[i].ok;
		failed += w[i].failed;
		cerr += w[i].conn_errors;
		bytes += w[i].bytes;
		n_lat += w[i].n_lat;
		if (w[i].last_done > last)
			last = w[i].last_done;
		if (w[i].first_error[0])
			fprintf(stderr, "serveload: %s: connection %d: first error: %s\n", prefix, i, w[i].first_error);
	}
	atomic_store(&L->stop, true); /* for the query clients of a counted load */
	for (int i = 0; i < opt.query_clients; i++)
		pthread_join(qw[i].thread, NULL);
	double elapsed = last - L->started;
	double cpu = cpu_seconds() - cpu0, all = machine_cpu_seconds() - all0;
	double *lat = xmalloc(n_lat * sizeof *lat);
	size_t k = 0;
	for (int i = 0; i < opt.conns; i++) {
		memcpy(lat + k, w[i].lat, w[i].n_lat * sizeof *lat);
		k += w[i].n_lat;
	}
	qsort(lat, n_lat, sizeof *lat, cmp_double);
	double sum = 0;
	for (size_t i = 0; i < n_lat; i++)
		sum += lat[i];
	printf("%s_conns %d\n", prefix, opt.conns);
	printf("%s_ok %ld\n%s_failed %ld\n%s_conn_errors %ld\n", prefix, ok, prefix, failed, prefix, cerr);
	printf("%s_seconds %.3f\n", prefix, elapsed);
	printf("%s_per_s %.1f\n", prefix, elapsed > 0 ? (double)ok / elapsed : 0);
	printf("%s_mb_per_s %.1f\n", prefix, elapsed > 0 ? bytes / elapsed / 1e6 : 0);
	printf("%s_mean_kb %.1f\n", prefix, ok ? bytes / (double)ok / 1e3 : 0);
	printf("%s_p50_ms %.2f\n%s_p90_ms %.2f\n%s_p99_ms %.2f\n%s_max_ms %.2f\n%s_mean_ms %.2f\n", prefix,
	       pct(lat, n_lat, 50) * 1e3, prefix, pct(lat, n_lat, 90) * 1e3, prefix, pct(lat, n_lat, 99) * 1e3, prefix,
	       n_lat ? lat[n_lat - 1] * 1e3 : 0, prefix, n_lat ? sum / (double)n_lat * 1e3 : 0);
	printf("%s_client_cpu_s %.2f\n%s_machine_cpu_s %.2f\n", prefix, cpu, prefix, all);
	fflush(stdout);
	if (opt.ids) {
		FILE *f = fopen(opt.ids, "w");
		if (!f)
			die("%s: %s", opt.ids, strerror(errno));
		for (int i = 0; i < opt.conns; i++)
			if (w[i].ids.len)
				fwrite(w[i].ids.p, 1, w[i].ids.len, f);
		if (fclose(f))
			die("%s: write failed", opt.ids);
	}
	for (int qk = 0; qk < 2 && opt.query_clients > qk; qk++) {
		char name[64];
		snprintf(name, sizeof name, "%s_q_%s", prefix, qk ? "list_100" : "list");
		series all_k = {name, NULL, 0, 0, 0, 0, 0};
		for (int i = qk; i < opt.query_clients; i += 2) {
			all_k.lat = xrealloc(all_k.lat, (all_k.n + qw[i].s.n + 1) * sizeof(double));
			memcpy(all_k.lat + all_k.n, qw[i].s.lat, qw[i].s.n * sizeof(double));
			all_k.n += qw[i].s.n;
			all_k.bad += qw[i].s.bad;
			all_k.items += qw[i].s.items;
			all_k.bytes += qw[i].s.bytes;
		}
		printf("%s_clients %d\n", name, (opt.query_clients - qk + 1) / 2);
		report(&all_k);
		free(all_k.lat);
	}
	for (int i = 0; i < opt.query_clients; i++)
		free(qw[i].s.lat);
	free(qw);
	for (int i = 0; i < opt.conns; i++) {
		free(w[i].lat);
		free(w[i].ids.p);
	}
	free(w);
	free(lat);
}

static int cmd_intake(void)
{
	if (!opt.src)
		die("intake needs --src");
	source S = {0};
	load_sources(&S, opt.src);
	services_init(opt.seed);
	rng r = rseed(opt.seed, 1);
	load L = {.n_bodies = (size_t)opt.bodies, .count = opt.count_set ? opt.count : 0};
	L.bodies = xmalloc(L.n_bodies * sizeof *L.bodies);
	int64_t now = now_real_ns();
	double t0 = now_mono(), cpu_kb = 0, heap_kb = 0, total_kb = 0, min_kb = 1e9, max_kb = 0;
	for (size_t i = 0; i < L.n_bodies; i++) {
		const pgo_profile *src = S.p[i % S.n];
		/* the last hour, a minute apart */
		int64_t start = now - 3600000000000LL + (int64_t)rbelow(&r, 3540) * 1000000000LL;
		double cores = exp(log(0.05) + runit(&r) * (log(6.0) - log(0.05)));
		size_t cpu_n, heap_n;
		uint8_t *cpu = cut_to_size(src, &r, CPU, 90000 + rbelow(&r, 150000), cores, start, &cpu_n);
		uint8_t *heap = cut_to_size(src, &r, HEAP, 10000 + rbelow(&r, 50000), 0, start, &heap_n);
		char metrics[512];
		int mn = snprintf(metrics, sizeof metrics,
		                  "[[\"go_alloc_bytes_per_sec\",%.1f],[\"go_allocs_per_sec\",%.1f],"
		                  "[\"go_frees_per_sec\",%.1f],[\"go_heap_growth_bytes_per_sec\",%.1f],"
		                  "[\"go_gcs_per_sec\",%.3f],[\"go_gc_pause_time\",%.6f],[\"go_max_gc_pause_time\",%d]]",
		                  runit(&r) * 5e8, runit(&r) * 1e6, runit(&r) * 1e6, runit(&r) * 1e5, runit(&r) * 3,
		                  runit(&r) * 1e-3, (int)rbelow(&r, 5000000));
		attachment att[3] = {{"cpu.pprof", cpu, cpu_n},
		                     {"delta-heap.pprof", heap, heap_n},
		                     {"metrics.json", (const uint8_t *)metrics, (size_t)mn}};
		buf b = {0};
		/* Every service uploads to prod: the first bodies go round them. */
		bool all = i < 2 * N_SERVICES;
		build_body(&b, &r, all ? (int)(i % N_SERVICES) : -1, all ? 0 : -1, start, att, 3);
		L.bodies[i] = (body){b.p, b.len};
		cpu_kb += (double)cpu_n / 1e3;
		heap_kb += (double)heap_n / 1e3;
		total_kb += (double)b.len / 1e3;
		if ((double)b.len / 1e3 < min_kb)
			min_kb = (double)b.len / 1e3;
		if ((double)b.len / 1e3 > max_kb)
			max_kb = (double)b.len / 1e3;
		free(cpu);
		free(heap);
	}
	double n = (double)L.n_bodies;
	printf("intake_bodies %zu\nintake_body_mean_kb %.1f\nintake_body_min_kb %.1f\nintake_body_max_kb %.1f\n",
	       L.n_bodies, total_kb / n, min_kb, max_kb);
	printf("intake_cpu_mean_kb %.1f\nintake_heap_mean_kb %.1f\n", cpu_kb / n, heap_kb / n);
	fflush(stdout);
	fprintf(stderr, "serveload: %zu distinct uploads prepared in %.1f s (mean %.0f KB); posting for %d s on %d "
	        "connections\n", L.n_bodies, now_mono() - t0, total_kb / n, opt.seconds, opt.conns);
	run_load(&L, "intake", opt.seconds);
	return 0;
}

static int cmd_populate(void)
{
	if (!opt.src)
		die("populate needs --src");
	source S = {0};
	load_sources(&S, opt.src);
	services_init(opt.seed);
	rng r = rseed(opt.seed, 2);
	load L = {.count = opt.count, .n_small = (size_t)opt.distinct, .now_ns = now_real_ns()};
	L.small = xmalloc(L.n_small * sizeof *L.small);
	double t0 = now_mono(), kb = 0;
	for (size_t i = 0; i < L.n_small; i++) {
		double cores = exp(log(0.02) + runit(&r) * (log(8.0) - log(0.02)));
		size_t n;
		uint8_t *cpu = cut_to_size(S.p[i % S.n], &r, CPU, 5000 + rbelow(&r, 15000), cores,
		                           L.now_ns - (int64_t)rbelow(&r, 7 * 86400) * 1000000000LL, &n);
		L.small[i] = (attachment){"cpu.pprof", cpu, n};
		kb += (double)n / 1e3;
	}
	printf("populate_distinct %zu\npopulate_cpu_mean_kb %.1f\n", L.n_small, kb / (double)L.n_small);
	fflush(stdout);
	fprintf(stderr, "serveload: %zu small CPU profiles prepared in %.1f s (mean %.1f KB); posting %ld uploads on %d "
	        "connections\n", L.n_small, now_mono() - t0, kb / (double)L.n_small, L.count, opt.conns);
	run_load(&L, "populate", 0);
	return 0;
}


/* --kinds: a comma-separated subset of list,gopgo,complex,list100,ui (default: all). */
static bool has_kind(const char *k)
{
	if (!opt.kinds)
		return true;
	size_t n = strlen(k);
	for (const char *p = opt.kinds; (p = strstr(p, k)); p += n)
		if ((p == opt.kinds || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

/* query --seconds S: each kind stops early once S seconds have passed. */
static double query_started;
static bool time_up(void)
{
	return opt.seconds_set && now_mono() - query_started >= opt.seconds;
}

static int cmd_query(void)
{
	if (!opt.api_key || !opt.app_key)
		die("query needs --api-key and --app-key");
	services_init(opt.seed);
	int64_t now = now_real_ns(), from = now - 72 * 3600000000000LL;
	double wall0 = now_mono(), cpu0 = cpu_seconds(), all0 = machine_cpu_seconds();
	query_started = wall0;
	int n = opt.requests;
	conn c = {.fd = -1};
	series list = {"list", xmalloc((size_t)n * sizeof(double)), 0, 0, 0, 0, 0};
	series gopgo = {"gopgo", xmalloc((size_t)n * sizeof(double)), 0, 0, 0, 0, 0};
	series complex = {"list_complex", xmalloc((size_t)n * sizeof(double)), 0, 0, 0, 0, 0};
	series list100 = {"list_100", xmalloc((size_t)n * sizeof(double)), 0, 0, 0, 0, 0};
	buf b = {0}, q = {0};
	/* Warm-up: the first connection, page cache for gopgo's blobs. */
	for (int i = 0; i < 5; i++) {
		series junk = {"warmup", xmalloc(8 * sizeof(double)), 0, 0, 0, 0, 0};
		b.len = 0;
		search_json(&b, from, now, "service:orders-api env:prod runtime:go", "@metrics.core_cpu_cores", 5);
		timed(&c, &junk, "/api/unstable/profiles/list", &b, false, -1);
		free(junk.lat);
	}
	/* datadog-pgo's query, one service after another: 5 results wanted. */
	for (int i = 0; i < n && has_kind("list") && !time_up(); i++) {
		const service *s = &services[(size_t)i % N_SERVICES];
		q.len = 0;
		buf_printf(&q, "service:%s env:prod runtime:go", s->name);
		b.len = 0;
		search_json(&b, from, now, q.p, "@metrics.core_cpu_cores", 5);
		timed(&c, &list, "/api/unstable/profiles/list", &b, false, 5);
	}
	if (has_kind("list"))
		report(&list);
	for (int i = 0; i < n && has_kind("gopgo") && !time_up(); i++) {
		const service *s = &services[(size_t)(i * 7) % N_SERVICES];
		q.len = 0;
		buf_printf(&q, "service:%s env:prod runtime:go", s->name);
		b.len = 0;
		buf_printf(&b, "{\"queries\":[");
		search_json(&b, from, now, q.p, "@metrics.core_cpu_cores", 5);
		buf_printf(&b, "]}");
		timed(&c, &gopgo, "/api/unstable/profiles/gopgo", &b, true, 5);
	}
	if (has_kind("gopgo"))
		report(&gopgo);
	/* OR, NOT, wildcards, ranges: n requests of each form. */
	static const char *const forms[6] = {"list_or", "list_minus", "list_prefix_not", "list_range", "list_wild",
	                                     "list_host"};
	complex.lat = xrealloc(complex.lat, 6 * (size_t)n * sizeof(double));
	for (int v = 0; v < 6 && has_kind("complex"); v++) {
		series one = {forms[v], xmalloc((size_t)n * sizeof(double)), 0, 0, 0, 0, 0};
		for (int i = 0; i < n && !time_up(); i++) {
			const service *s = &services[(size_t)i % N_SERVICES], *t = &services[(size_t)(i + 11) % N_SERVICES];
			q.len = 0;
			switch (v) {
			case 0:
				buf_printf(&q, "service:(%s OR %s) env:prod runtime:go", s->name, t->name);
				break;
			case 1:
				buf_printf(&q, "service:%s env:prod runtime:go -version:%s", s->name, s->versions[0]);
				break;
			case 2: /* a service prefix, less one ReplicaSet's pods (all of them if it has one) */
				buf_printf(&q, "service:%.3s* env:prod NOT host:%.*s*", s->name, (int)strlen(s->name) + 4,
				           s->hosts[0][0]);
				break;
			case 3:
				buf_printf(&q, "env:prod runtime:go (service:%s OR service:%s) @metrics.core_cpu_cores:>0.5",
				           s->name, t->name);
				break;
			case 4:
				buf_printf(&q, "service:*-api env:(prod OR staging) NOT pgo:true");
				break;
			default:
				buf_printf(&q, "host:%s* -env:dev runtime_version:go1.2*", s->name);
				break;
			}
			b.len = 0;
			search_json(&b, from, now, q.p, "@metrics.core_cpu_cores", 5);
			timed(&c, &one, "/api/unstable/profiles/list", &b, false, -1);
		}
		memcpy(complex.lat + complex.n, one.lat, one.n * sizeof(double));
		complex.n += one.n;
		complex.bad += one.bad;
		complex.items += one.items;
		complex.bytes += one.bytes;
		report(&one);
		free(one.lat);
	}
	if (has_kind("complex"))
		report(&complex);
	/* A bigger page, newest first: what a UI listing asks. */
	for (int i = 0; i < n && has_kind("list100") && !time_up(); i++) {
		const service *s = &services[(size_t)i % N_SERVICES];
		q.len = 0;
		buf_printf(&q, "service:%s env:prod", s->name);
		b.len = 0;
		search_json(&b, from, now, q.p, "timestamp", 100);
		timed(&c, &list100, "/api/unstable/profiles/list", &b, false, -1);
	}
	if (has_kind("list100"))
		report(&list100);
	/* The web UI's services page (every profile of the window grouped) and a
	 * search page (all matches counted and sorted, 50 shown). */
	series ui_services = {"ui_services", xmalloc((size_t)n * sizeof(double)), 0, 0, 0, 0, 0};
	series ui_search = {"ui_search", xmalloc((size_t)n * sizeof(double)), 0, 0, 0, 0, 0};
	for (int i = 0; i < n && has_kind("ui") && !time_up(); i++)
		timed_get(&c, &ui_services, i % 2 ? "/ui/api/services?window=8d" : "/ui/api/services?window=72h");
	for (int i = 0; i < n && has_kind("ui") && !time_up(); i++) {
		const service *s = &services[(size_t)i % N_SERVICES];
		char path[256];
		if (i % 2)
			snprintf(path, sizeof path, "/ui/api/search?window=8d&q=service:%s%%20env:prod", s->name);
		else
			snprintf(path, sizeof path, "/ui/api/search?window=8d&q=");
		timed_get(&c, &ui_search, path);
	}
	if (has_kind("ui")) {
		report(&ui_services);
		report(&ui_search);
	}
	free(ui_services.lat);
	free(ui_search.lat);
	printf("query_seconds %.2f\nquery_client_cpu_s %.2f\nquery_machine_cpu_s %.2f\n", now_mono() - wall0,
	       cpu_seconds() - cpu0, machine_cpu_seconds() - all0);
	conn_close(&c);
	return 0;
}

static int cmd_verify(void)
{
	if (!opt.api_key || !opt.app_key || !opt.ids)
		die("verify needs --api-key, --app-key and --ids");
	size_t size;
	char *text = (char *)read_file(opt.ids, &size);
	char **ids = NULL;
	size_t n = 0;
	char *save = NULL;
	for (char *tok = strtok_r(text, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save)) {
		ids = xrealloc(ids, (n + 1) * sizeof *ids);
		ids[n++] = tok;
	}
	conn c = {.fd = -1};
	buf b = {0}, q = {0};
	size_t missing = 0;
	double t0 = now_mono();
	char headers[600];
	snprintf(headers, sizeof headers, "Content-Type: application/json\r\n%s", auth_headers);
	for (size_t i = 0; i < n; i += 64) {
		size_t m = n - i < 64 ? n - i : 64;
		q.len = 0;
		for (size_t k = 0; k < m; k++)
			buf_printf(&q, "%sprofile-id:%s", k ? " OR " : "", ids[i + k]);
		b.len = 0;
		search_json(&b, 946684800LL * 1000000000, 4102444800LL * 1000000000, q.p, "timestamp", 1000);
		if (http_post(&c, "/api/unstable/profiles/list", headers, b.p, b.len))
			die("verify: connection error: %s", strerror(errno));
		if (c.status != 200)
			die("verify: HTTP %d: %.300s", c.status, c.body.p);
		for (size_t k = 0; k < m; k++) {
			char needle[64];
			snprintf(needle, sizeof needle, "\"id\":\"%s\"", ids[i + k]);
			if (!strstr(c.body.p, needle)) {
				if (missing < 5)
					fprintf(stderr, "serveload: verify: %s is missing\n", ids[i + k]);
				missing++;
			}
		}
	}
	printf("verify_ids %zu\nverify_missing %zu\nverify_seconds %.2f\n", n, missing, now_mono() - t0);
	conn_close(&c);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: serveload intake|populate|query|verify HOST:PORT [OPTIONS]\n"
		                "(see the comment at the top of bench/serveload.c)\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	parse_addr(argv[2]);
	parse_opts(argc, argv);
	if (!strcmp(argv[1], "intake"))
		return cmd_intake();
	if (!strcmp(argv[1], "populate"))
		return cmd_populate();
	if (!strcmp(argv[1], "query"))
		return cmd_query();
	if (!strcmp(argv[1], "verify"))
		return cmd_verify();
	die("unknown command %s", argv[1]);
}
