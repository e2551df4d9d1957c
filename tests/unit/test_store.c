/*
 * The profile store (src/store/store.h) on real SQLite files in a temporary
 * directory: schema versions and migration (a data directory that pgotool
 * wrote before versions, tests/data/store-v0, must open), refusals that
 * leave the file as it was, group commit, the retention purge, restart, and
 * the in-memory index kept in step with the tables (every search equals the
 * same filter written in SQL over the tables).
 */
#define _GNU_SOURCE /* nftw's FTW_DEPTH and FTW_PHYS */
#include "harness.h"
#include "store.h"

#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- files ------------------------------------------------------------ */

static char tmp_root[4096];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* A new empty directory under the test's temporary root. */
static void new_dir(char *out, size_t size, const char *name)
{
	if (snprintf(out, size, "%s/%s", tmp_root, name) >= (int)size || mkdir(out, 0700) != 0) {
		fprintf(stderr, "mkdir %s: %s\n", out, strerror(errno));
		abort();
	}
}

static void db_path(char *out, size_t size, const char *dir, const char *suffix)
{
	if (snprintf(out, size, "%s/profiles.db%s", dir, suffix) >= (int)size)
		abort();
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* The whole file, or NULL. */
static uint8_t *read_all(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, got;
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			uint8_t *nb = realloc(buf, cap);
			if (!nb)
				abort();
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got > 0);
	fclose(f);
	*size = len;
	return buf;
}

static void write_all(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
		fprintf(stderr, "writing %s: %s\n", path, strerror(errno));
		abort();
	}
}

static bool file_is(const char *path, const uint8_t *want, size_t want_size)
{
	size_t size = 0;
	uint8_t *got = read_all(path, &size);
	bool same = got && size == want_size && memcmp(got, want, size) == 0;
	free(got);
	return same;
}

static const char *testdata(void)
{
	const char *d = getenv("PGO_TESTDATA");
	return d ? d : "tests/data";
}

/* ---- SQLite, directly ------------------------------------------------- */

static sqlite3 *sql_open(const char *dir, bool write)
{
	char path[4096];
	db_path(path, sizeof path, dir, "");
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, write ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "sqlite3_open %s: %s\n", path, sqlite3_errmsg(db));
		abort();
	}
	sqlite3_busy_timeout(db, 10000);
	return db;
}

static void sql_exec(const char *dir, const char *sql)
{
	sqlite3 *db = sql_open(dir, true);
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql, msg);
		abort();
	}
	sqlite3_close(db);
}

/* The first column of the first row, as an integer; -999 on error. */
static int64_t sql_int(const char *dir, const char *sql)
{
	sqlite3 *db = sql_open(dir, false);
	sqlite3_stmt *st = NULL;
	int64_t v = -999;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static char *sql_text(const char *dir, const char *sql)
{
	sqlite3 *db = sql_open(dir, false);
	sqlite3_stmt *st = NULL;
	char *v = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* FNV-1a over every value of every row: equal digests, equal contents. */
static uint64_t sql_digest(const char *dir, const char *sql)
{
	sqlite3 *db = sql_open(dir, false);
	sqlite3_stmt *st = NULL;
	uint64_t h = 1469598103934665603u;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
		abort();
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (int c = 0; c < sqlite3_column_count(st); c++) {
			const uint8_t *p = sqlite3_column_blob(st, c);
			int n = sqlite3_column_bytes(st, c);
			h = (h ^ (uint64_t)sqlite3_column_type(st, c)) * 1099511628211u;
			for (int i = 0; i < n; i++)
				h = (h ^ p[i]) * 1099511628211u;
			h = (h ^ 0xff) * 1099511628211u;
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return h;
}

static const char digest_uploads[] =
	"SELECT id, profile_id, event_id, start_ns, end_ns, received_ns, duration_nanos, core_cpu_cores,"
	" core_cpu_time_total, tags, event_json FROM uploads ORDER BY id";
static const char digest_attachments[] = "SELECT upload_id, name, data FROM attachments ORDER BY upload_id, name";

/* ---- uploads ---------------------------------------------------------- */

#define MAX_TEST_TAGS 8

/* One upload the tests make; everything in it follows from seq and the
 * choices, so that what the store gives back can be checked. */
typedef struct tup {
	uint64_t seq;
	store_upload u;
	char *tags[MAX_TEST_TAGS];
	char tag_text[MAX_TEST_TAGS][64];
	store_attachment att[2];
	char names[2][16];
} tup;

static size_t blob_size(uint64_t seq)
{
	return 50 + (size_t)(seq * 7919 % 1500);
}

static uint8_t blob_byte(uint64_t seq, size_t i)
{
	return (uint8_t)(seq * 131 + i * 7 + (i >> 8));
}

/* cpu.pprof always; metrics.json for every third. */
static size_t expected_attachments(uint64_t seq)
{
	return seq % 3 == 0 ? 2 : 1;
}

static void tup_init(tup *t, uint64_t seq, int64_t start_ns, double cores, const char *const *tags)
{
	memset(t, 0, sizeof *t);
	t->seq = seq;
	size_t n = 0;
	snprintf(t->tag_text[n++], sizeof t->tag_text[0], "seq:%" PRIu64, seq);
	for (size_t i = 0; tags && tags[i] && n < MAX_TEST_TAGS; i++)
		snprintf(t->tag_text[n++], sizeof t->tag_text[0], "%s", tags[i]);
	for (size_t i = 0; i < n; i++)
		t->tags[i] = t->tag_text[i];
	t->u.tags = t->tags;
	t->u.n_tags = n;
	t->u.start_ns = start_ns;
	t->u.end_ns = start_ns + 60000000000;
	t->u.duration_nanos = 10000000000 + (int64_t)(seq % 7) * 1000000000;
	t->u.core_cpu_cores = cores;
	t->u.core_cpu_time_total = (int64_t)(cores * 1e10);
	t->u.event_json = "{\"family\":\"go\"}";
	size_t size = blob_size(seq);
	uint8_t *data = malloc(size);
	if (!data)
		abort();
	for (size_t i = 0; i < size; i++)
		data[i] = blob_byte(seq, i);
	snprintf(t->names[0], sizeof t->names[0], "cpu.pprof");
	t->att[0] = (store_attachment){t->names[0], data, size};
	t->u.n_attachments = 1;
	if (expected_attachments(seq) == 2) {
		char *json = malloc(32);
		if (!json)
			abort();
		int len = snprintf(json, 32, "{\"seq\":%" PRIu64 "}", seq);
		snprintf(t->names[1], sizeof t->names[1], "metrics.json");
		t->att[1] = (store_attachment){t->names[1], (uint8_t *)json, (size_t)len};
		t->u.n_attachments = 2;
	}
	t->u.attachments = t->att;
}

static void tup_free(tup *t)
{
	for (size_t i = 0; i < t->u.n_attachments; i++)
		free(t->att[i].data);
}

/* The attachments the store gives back for seq's upload are the ones sent. */
static bool attachments_ok(pgo_store *s, const char *profile_id, uint64_t seq)
{
	store_attachment *a = NULL;
	size_t n = 0;
	char err[256] = "";
	if (store_attachments(s, profile_id, NULL, NULL, &a, &n, err, sizeof err)) {
		fprintf(stderr, "  store_attachments %s: %s\n", profile_id, err);
		return false;
	}
	bool ok = n == expected_attachments(seq);
	for (size_t i = 0; ok && i < n; i++) {
		/* sorted by name: cpu.pprof, then metrics.json */
		if (i == 0) {
			ok = !strcmp(a[i].name, "cpu.pprof") && a[i].size == blob_size(seq);
			for (size_t k = 0; ok && k < a[i].size; k++)
				ok = a[i].data[k] == blob_byte(seq, k);
		} else {
			char want[32];
			int len = snprintf(want, sizeof want, "{\"seq\":%" PRIu64 "}", seq);
			ok = !strcmp(a[i].name, "metrics.json") && a[i].size == (size_t)len && !memcmp(a[i].data, want, (size_t)len);
		}
	}
	if (!ok)
		fprintf(stderr, "  seq:%" PRIu64 " (%s): %zu attachments, not the ones sent\n", seq, profile_id, n);
	store_attachments_free(a, n);
	return ok;
}

typedef struct put_job {
	pgo_store *s;
	tup *t;
	size_t n;
	size_t failed;
} put_job;

static void *put_main(void *arg)
{
	put_job *j = arg;
	for (size_t i = 0; i < j->n; i++) {
		char err[256];
		if (store_put(j->s, &j->t[i].u, err, sizeof err)) {
			fprintf(stderr, "  store_put seq:%" PRIu64 ": %s\n", j->t[i].seq, err);
			j->failed++;
		}
	}
	return NULL;
}

/* Puts t[0..n) from `threads` threads at once; returns how many failed. */
static size_t put_concurrently(pgo_store *s, tup *t, size_t n, int threads)
{
	pthread_t th[16];
	put_job jobs[16];
	size_t at = 0, failed = 0;
	for (int k = 0; k < threads; k++) {
		size_t share = n / (size_t)threads + ((size_t)k < n % (size_t)threads);
		jobs[k] = (put_job){s, t + at, share, 0};
		at += share;
		if (pthread_create(&th[k], NULL, put_main, &jobs[k]) != 0)
			abort();
	}
	for (int k = 0; k < threads; k++) {
		pthread_join(th[k], NULL);
		failed += jobs[k].failed;
	}
	return failed;
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- searches --------------------------------------------------------- */

static bool hit_equal(const store_hit *a, const store_hit *b)
{
	if (strcmp(a->profile_id, b->profile_id) || strcmp(a->event_id, b->event_id) || a->start_ns != b->start_ns ||
	    a->end_ns != b->end_ns || a->duration_nanos != b->duration_nanos || a->core_cpu_cores != b->core_cpu_cores ||
	    a->core_cpu_time_total != b->core_cpu_time_total || a->n_tags != b->n_tags)
		return false;
	if (!a->service != !b->service || (a->service && strcmp(a->service, b->service)))
		return false;
	for (size_t i = 0; i < a->n_tags; i++)
		if (strcmp(a->tags[i], b->tags[i]))
			return false;
	return true;
}

static bool hits_equal(const char *what, const store_hit *a, size_t na, const store_hit *b, size_t nb)
{
	if (na != nb) {
		fprintf(stderr, "  %s: %zu hits, want %zu\n", what, na, nb);
		return false;
	}
	for (size_t i = 0; i < na; i++)
		if (!hit_equal(&a[i], &b[i])) {
			fprintf(stderr, "  %s: hit %zu is %s (start %" PRId64 ", cores %g), want %s (start %" PRId64 ", cores %g)\n",
			        what, i, a[i].profile_id, a[i].start_ns, a[i].core_cpu_cores, b[i].profile_id, b[i].start_ns,
			        b[i].core_cpu_cores);
			return false;
		}
	return true;
}

/* store_search; NULL (with a message) if it fails. */
static store_hit *search(pgo_store *s, const char *query_text, int64_t from, int64_t to, store_sort sort, bool desc,
                         size_t limit, size_t *n)
{
	pgo_query *q = NULL;
	query_error qe = {0};
	if (query_parse(query_text, &q, &qe)) {
		fprintf(stderr, "  query [%s]: %s\n", query_text, qe.message);
		return NULL;
	}
	store_search_request req = {.from_ns = from, .to_ns = to, .query = q, .sort = sort, .descending = desc, .limit = limit};
	store_hit *hits = NULL;
	char err[256];
	if (store_search(s, &req, &hits, n, err, sizeof err)) {
		fprintf(stderr, "  store_search [%s]: %s\n", query_text, err);
		hits = NULL;
	}
	query_free(q);
	return hits;
}

/* Everything live, oldest start first. */
static store_hit *search_all(pgo_store *s, size_t *n)
{
	return search(s, "", INT64_MIN, INT64_MAX, SORT_TIMESTAMP, false, 1000000, n);
}

/* The hit the index should give for one row of uploads: tags one a line,
 * service the value of the first service: tag. */
static void hit_from_row(sqlite3_stmt *st, store_hit *h)
{
	memset(h, 0, sizeof *h);
	snprintf(h->profile_id, sizeof h->profile_id, "%s", (const char *)sqlite3_column_text(st, 0));
	snprintf(h->event_id, sizeof h->event_id, "%s", (const char *)sqlite3_column_text(st, 1));
	h->start_ns = sqlite3_column_int64(st, 2);
	h->end_ns = sqlite3_column_int64(st, 3);
	h->duration_nanos = sqlite3_column_int64(st, 4);
	h->core_cpu_cores = sqlite3_column_double(st, 5);
	h->core_cpu_time_total = sqlite3_column_int64(st, 6);
	const char *text = (const char *)sqlite3_column_text(st, 7);
	h->tags = calloc(MAX_TEST_TAGS * 2, sizeof *h->tags);
	if (!h->tags)
		abort();
	for (const char *p = text; *p && h->n_tags < MAX_TEST_TAGS * 2;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len) {
			h->tags[h->n_tags] = strndup(p, len);
			if (!h->service && len > 8 && !strncmp(p, "service:", 8))
				h->service = strndup(p + 8, len - 8);
			h->n_tags++;
		}
		p += len + (nl ? 1 : 0);
	}
}

/* The same search written in SQL over the tables: where_sql is the query. */
static store_hit *search_sql(sqlite3 *db, const char *where_sql, int64_t from, int64_t to, store_sort sort,
                             bool desc, size_t limit, size_t *n)
{
	char sql[2048];
	snprintf(sql, sizeof sql,
	         "SELECT profile_id, event_id, start_ns, end_ns, duration_nanos, core_cpu_cores, core_cpu_time_total, tags"
	         " FROM uploads WHERE start_ns BETWEEN ?1 AND ?2 AND (%s) ORDER BY %s %s, profile_id LIMIT ?3",
	         where_sql, sort == SORT_TIMESTAMP ? "start_ns" : "core_cpu_cores", desc ? "DESC" : "ASC");
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
		abort();
	}
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	sqlite3_bind_int64(st, 3, (int64_t)limit);
	size_t cap = limit < 4096 ? limit : 4096; /* more rows than any test makes */
	store_hit *hits = calloc(cap, sizeof *hits);
	if (!hits)
		abort();
	*n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (*n == cap)
			abort();
		hit_from_row(st, &hits[(*n)++]);
	}
	sqlite3_finalize(st);
	return hits;
}

/* ---- schema versions -------------------------------------------------- */

static const char fixture_ids[3][37] = {
	"207c1d71-cd84-4d11-92c6-ef3a8d3e9c31",
	"85b089fa-769b-424c-9026-38a9ea878ff9",
	"a8e238e5-755c-4567-bd52-c1cbc3637fde",
};

/* One attachment of a fixture upload is the file at path (relative to the
 * source tree's tests/data), or size bytes that start with prefix. */
static bool fixture_attachment(pgo_store *s, const char *id, const char *name, const char *file, const char *prefix,
                               size_t size)
{
	store_attachment *a = NULL;
	size_t n = 0;
	char err[256] = "", path[4096];
	uint8_t *want = NULL;
	if (file) {
		snprintf(path, sizeof path, "%s/%s", testdata(), file);
		want = read_all(path, &size);
		if (!want) {
			fprintf(stderr, "  cannot read %s\n", path);
			return false;
		}
	}
	bool ok = store_attachments(s, id, NULL, name, &a, &n, err, sizeof err) == 0 && n == 1 && a[0].size == size &&
	          (file ? !memcmp(a[0].data, want, size) : !memcmp(a[0].data, prefix, strlen(prefix)));
	if (!ok)
		fprintf(stderr, "  %s's %s: %zu found (%s), %zu bytes; want %zu bytes\n", id, name, n, err, n ? a[0].size : 0, size);
	store_attachments_free(a, n);
	free(want);
	return ok;
}

static void check_fixture(pgo_store *s)
{
	CHECK(store_count(s) == 3);
	size_t n = 0;
	store_hit *h = search_all(s, &n);
	CHECK(h && n == 3);
	static const char *const services[3] = {"web", "web", "api"};
	static const char *const tags[3][5] = {
		{"service:web", "env:prod", "version:1.0", "language:go", "profile-id:207c1d71-cd84-4d11-92c6-ef3a8d3e9c31"},
		{"service:web", "env:staging", "version:1.1", "language:go", "profile-id:85b089fa-769b-424c-9026-38a9ea878ff9"},
		{"service:api", "env:prod", "host:a", "language:go", "profile-id:a8e238e5-755c-4567-bd52-c1cbc3637fde"},
	};
	for (size_t i = 0; h && i < n && i < 3; i++) {
		CHECK(!strcmp(h[i].profile_id, fixture_ids[i]));
		CHECK(h[i].start_ns == 1793527200000000000 + (int64_t)i * 60000000000);
		CHECK(h[i].end_ns == h[i].start_ns + 60000000000);
		CHECK(h[i].service && !strcmp(h[i].service, services[i]));
		CHECK(h[i].n_tags == 5);
		for (size_t k = 0; k < 5 && k < h[i].n_tags; k++)
			CHECK(!strcmp(h[i].tags[k], tags[i][k]));
		CHECK(h[i].core_cpu_cores > 0.8 && h[i].core_cpu_cores < 1.0);
	}
	store_hits_free(h, n);

	h = search(s, "service:web env:prod", INT64_MIN, INT64_MAX, SORT_CPU_CORES, true, 10, &n);
	CHECK(h && n == 1 && !strcmp(h[0].profile_id, fixture_ids[0]));
	store_hits_free(h, n);

	/* every attachment, byte for byte */
	static const char metrics[] = "{\"goroutines\":12}\n";
	CHECK(fixture_attachment(s, fixture_ids[0], "cpu.pprof", "../../examples/profiles/burn-1.pprof", NULL, 0));
	CHECK(fixture_attachment(s, fixture_ids[0], "metrics.json", NULL, metrics, sizeof metrics - 1));
	CHECK(fixture_attachment(s, fixture_ids[1], "cpu.pprof", NULL, "\x28\xb5\x2f\xfd", 8553));
	CHECK(fixture_attachment(s, fixture_ids[2], "cpu.pprof", NULL, "\x48\xdc\x99\xe4", 16705));
	CHECK(fixture_attachment(s, fixture_ids[2], "metrics.json", NULL, metrics, sizeof metrics - 1));
	CHECK(fixture_attachment(s, fixture_ids[2], "delta-heap.pprof", "heap.pprof", NULL, 0));
	store_attachment *a = NULL;
	char err[256];
	CHECK(store_attachments(s, fixture_ids[1], NULL, NULL, &a, &n, err, sizeof err) == 0 && n == 1);
	store_attachments_free(a, n);
}

/* A data directory written before schema versions opens, is stamped with
 * the current version without a byte of its data changing, and reopens. */
static void test_open_v0_data_dir(void)
{
	char dir[4096], src[4096], path[4096], err[512] = "";
	new_dir(dir, sizeof dir, "v0");
	snprintf(src, sizeof src, "%s/store-v0/profiles.db", testdata());
	size_t size = 0;
	uint8_t *bytes = read_all(src, &size);
	CHECK(bytes && size > 0);
	if (!bytes)
		return;
	db_path(path, sizeof path, dir, "");
	write_all(path, bytes, size);
	free(bytes);
	CHECK(sql_int(dir, "PRAGMA user_version") == 0);
	uint64_t up = sql_digest(dir, digest_uploads), att = sql_digest(dir, digest_attachments);

	pgo_store *s = NULL;
	int rc = store_open(dir, &s, err, sizeof err);
	CHECK(rc == 0);
	if (rc) {
		fprintf(stderr, "  store_open: %s\n", err);
		return;
	}
	check_fixture(s);
	store_close(s);
	CHECK(sql_int(dir, "PRAGMA user_version") == STORE_SCHEMA_VERSION);
	CHECK(sql_digest(dir, digest_uploads) == up);
	CHECK(sql_digest(dir, digest_attachments) == att);
	char *mode = sql_text(dir, "PRAGMA journal_mode");
	CHECK(mode && !strcmp(mode, "wal"));
	free(mode);

	/* Reopened at the current version: the same, and it takes uploads. */
	s = NULL;
	CHECK(store_open(dir, &s, err, sizeof err) == 0);
	if (!s)
		return;
	check_fixture(s);
	tup t;
	static const char *const tags[] = {"service:web", NULL};
	tup_init(&t, 42, 1793527500000000000, 1.5, tags);
	CHECK(store_put(s, &t.u, err, sizeof err) == 0);
	store_close(s);
	CHECK(store_open(dir, &s, err, sizeof err) == 0);
	if (!s) {
		tup_free(&t);
		return;
	}
	CHECK(store_count(s) == 4);
	CHECK(attachments_ok(s, t.u.profile_id, 42));
	store_close(s);
	tup_free(&t);
	CHECK(sql_int(dir, "PRAGMA user_version") == STORE_SCHEMA_VERSION);
}

/* A new directory gets today's tables, stamped, in WAL mode; so does an
 * empty profiles.db. */
static void test_new_store(void)
{
	char dir[4096], path[4096], err[512] = "";
	for (int empty_file = 0; empty_file < 2; empty_file++) {
		new_dir(dir, sizeof dir, empty_file ? "empty-file" : "new");
		db_path(path, sizeof path, dir, "");
		if (empty_file)
			write_all(path, "", 0);
		pgo_store *s = NULL;
		CHECK(store_open(dir, &s, err, sizeof err) == 0);
		if (!s) {
			fprintf(stderr, "  store_open: %s\n", err);
			continue;
		}
		CHECK(store_count(s) == 0);
		store_close(s);
		CHECK(sql_int(dir, "PRAGMA user_version") == STORE_SCHEMA_VERSION);
		char *mode = sql_text(dir, "PRAGMA journal_mode");
		CHECK(mode && !strcmp(mode, "wal"));
		free(mode);
		CHECK(sql_int(dir, "SELECT count(*) FROM sqlite_master WHERE name IN ('uploads', 'attachments', "
		                   "'uploads_start')") == 3);
	}
}

/* store_open on dir fails with an error containing want, and profiles.db is
 * byte for byte what it was, with no journal, WAL or shared-memory file left. */
static void check_refused(const char *dir, const char *want)
{
	char path[4096], side[4096], err[512] = "";
	db_path(path, sizeof path, dir, "");
	size_t size = 0;
	uint8_t *before = read_all(path, &size);
	CHECK(before != NULL);
	pgo_store *s = NULL;
	int rc = store_open(dir, &s, err, sizeof err);
	CHECK(rc != 0 && s == NULL);
	if (rc == 0)
		store_close(s);
	CHECK(strstr(err, want) != NULL);
	if (!strstr(err, want))
		fprintf(stderr, "  error: [%s]\n  want: [%s]\n", err, want);
	CHECK(before && file_is(path, before, size));
	static const char *const sides[] = {"-wal", "-shm", "-journal"};
	for (int i = 0; i < 3; i++) {
		db_path(side, sizeof side, dir, sides[i]);
		CHECK(!exists(side));
	}
	free(before);
}

/* A store written by a newer pgotool is refused, and left as it was. */
static void test_newer_version_refused(void)
{
	char dir[4096], err[512] = "", want[256], sql[64];
	new_dir(dir, sizeof dir, "future");
	pgo_store *s = NULL;
	CHECK(store_open(dir, &s, err, sizeof err) == 0);
	if (!s)
		return;
	tup t;
	tup_init(&t, 7, 1000, 1.0, NULL);
	CHECK(store_put(s, &t.u, err, sizeof err) == 0);
	tup_free(&t);
	store_close(s);
	snprintf(sql, sizeof sql, "PRAGMA user_version=%d", STORE_SCHEMA_VERSION + 1);
	sql_exec(dir, sql);
	snprintf(want, sizeof want, "profiles.db has schema version %d, newer than this pgotool (%d); upgrade pgotool",
	         STORE_SCHEMA_VERSION + 1, STORE_SCHEMA_VERSION);
	check_refused(dir, want);
	CHECK(sql_int(dir, "PRAGMA user_version") == STORE_SCHEMA_VERSION + 1);
	CHECK(sql_int(dir, "SELECT count(*) FROM uploads") == 1);

	sql_exec(dir, "PRAGMA user_version=-3");
	check_refused(dir, "profiles.db has schema version -3, which no pgotool writes");
}

/* A profiles.db that is not SQLite at all gets a clear error, untouched. */
static void test_not_sqlite_refused(void)
{
	char dir[4096], path[4096];
	new_dir(dir, sizeof dir, "not-sqlite");
	db_path(path, sizeof path, dir, "");
	char text[8192];
	for (size_t i = 0; i < sizeof text; i++)
		text[i] = "profiles, not a database\n"[i % 25];
	write_all(path, text, sizeof text);
	check_refused(dir, "profiles.db: not a SQLite database");
}

/* Version 0 files that pgotool did not write are refused. The first one
 * fails part-way: the migration has created the attachments table before
 * it finds that uploads has other columns; the rollback must leave the file
 * exactly as it was. */
static void test_foreign_database_refused(void)
{
	char dir[4096];
	new_dir(dir, sizeof dir, "foreign-columns");
	sql_exec(dir, "CREATE TABLE uploads(id INTEGER PRIMARY KEY, profile_id TEXT, payload BLOB);"
	              "INSERT INTO uploads(profile_id, payload) VALUES('x', zeroblob(5000));");
	check_refused(dir, "with a table uploads of columns (id,profile_id,payload), not pgotool's");
	CHECK(sql_int(dir, "SELECT count(*) FROM sqlite_master WHERE name = 'attachments'") == 0);
	CHECK(sql_int(dir, "SELECT count(*) FROM uploads") == 1);
	CHECK(sql_int(dir, "PRAGMA user_version") == 0);
	char *mode = sql_text(dir, "PRAGMA journal_mode");
	CHECK(mode && !strcmp(mode, "delete"));
	free(mode);

	new_dir(dir, sizeof dir, "foreign-table");
	sql_exec(dir, "PRAGMA journal_mode=WAL; CREATE TABLE notes(t TEXT); INSERT INTO notes VALUES('mine');");
	check_refused(dir, "schema version 0 with a table 'notes' that pgotool never made: not a pgotool store");
	CHECK(sql_int(dir, "SELECT count(*) FROM sqlite_master") == 1);
}

/* ---- the writer ------------------------------------------------------- */

#define GC_THREADS 8
#define GC_PER_THREAD 40

/* Concurrent puts all succeed, each is stored once, and they share commits. */
static void test_group_commit(void)
{
	char dir[4096], err[512] = "";
	new_dir(dir, sizeof dir, "group-commit");
	pgo_store *s = NULL;
	CHECK(store_open(dir, &s, err, sizeof err) == 0);
	if (!s)
		return;
	enum { N = GC_THREADS * GC_PER_THREAD };
	static tup t[N];
	for (size_t i = 0; i < N; i++)
		tup_init(&t[i], i, 1000000000 * (int64_t)i, 1.0, NULL);
	CHECK(put_concurrently(s, t, N, GC_THREADS) == 0);
	store_stats st;
	store_get_stats(s, &st);
	printf("group commit: %d puts from %d threads in %" PRIu64 " commits\n", N, GC_THREADS, st.commits);
	CHECK(st.puts == N);
	CHECK(st.commits >= 1 && st.commits < st.puts);
	CHECK(store_count(s) == N);
	CHECK(sql_int(dir, "SELECT count(*) FROM uploads") == N);
	size_t n = 0;
	store_hit *h = search_all(s, &n);
	CHECK(h && n == N);
	for (size_t i = 0; h && i < n && i < N; i++) {
		/* starts are the seq numbers' seconds */
		CHECK(!strcmp(h[i].profile_id, t[i].u.profile_id));
		if (i % 37 == 0)
			CHECK(attachments_ok(s, h[i].profile_id, i));
	}
	store_hits_free(h, n);
	store_close(s);
	for (size_t i = 0; i < N; i++)
		tup_free(&t[i]);
}

/* The purge deletes what was received before the cutoff, whatever start
 * the uploader claimed, with its attachments, and nothing else; received
 * times survive a restart. */
static void test_purge(void)
{
	char dir[4096], err[512] = "";
	new_dir(dir, sizeof dir, "purge");
	pgo_store *s = NULL;
	CHECK(store_open(dir, &s, err, sizeof err) == 0);
	if (!s)
		return;
	tup t[6];
	int64_t future = now_ns() + 10LL * 365 * 86400 * 1000000000; /* claims to start in ten years */
	for (uint64_t i = 0; i < 6; i++)
		tup_init(&t[i], 100 + i, i < 3 ? future + (int64_t)i : (int64_t)i, 2.0, NULL);
	for (int i = 0; i < 3; i++)
		CHECK(store_put(s, &t[i].u, err, sizeof err) == 0);
	int64_t cutoff = now_ns();
	for (int i = 3; i < 6; i++)
		CHECK(store_put(s, &t[i].u, err, sizeof err) == 0);

	size_t deleted = 99;
	CHECK(store_purge(s, 0, &deleted, err, sizeof err) == 0 && deleted == 0);
	CHECK(store_purge(s, cutoff, &deleted, err, sizeof err) == 0 && deleted == 3);
	CHECK(store_count(s) == 3);
	size_t n = 0;
	store_hit *h = search_all(s, &n);
	CHECK(h && n == 3);
	for (size_t i = 0; h && i < n && i < 3; i++)
		CHECK(!strcmp(h[i].profile_id, t[3 + i].u.profile_id));
	store_hits_free(h, n);
	for (int i = 0; i < 3; i++) {
		store_attachment *a = NULL;
		size_t na = 9;
		CHECK(store_attachments(s, t[i].u.profile_id, NULL, NULL, &a, &na, err, sizeof err) == 0 && na == 0);
		store_attachments_free(a, na);
		CHECK(attachments_ok(s, t[3 + i].u.profile_id, t[3 + i].seq));
	}
	CHECK(sql_int(dir, "SELECT count(*) FROM uploads") == 3);
	CHECK(sql_int(dir, "SELECT count(*) FROM attachments") ==
	      (int64_t)(expected_attachments(103) + expected_attachments(104) + expected_attachments(105)));
	CHECK(sql_int(dir, "SELECT count(*) FROM attachments WHERE upload_id NOT IN (SELECT id FROM uploads)") == 0);
	store_stats st;
	store_get_stats(s, &st);
	CHECK(st.puts == 6 && st.purges == 2);
	store_close(s);

	/* After a restart: the same cutoff deletes nothing more, a later one the rest. */
	s = NULL;
	CHECK(store_open(dir, &s, err, sizeof err) == 0);
	if (s) {
		CHECK(store_count(s) == 3);
		CHECK(store_purge(s, cutoff, &deleted, err, sizeof err) == 0 && deleted == 0);
		CHECK(store_count(s) == 3);
		CHECK(store_purge(s, now_ns(), &deleted, err, sizeof err) == 0 && deleted == 3);
		CHECK(store_count(s) == 0);
		store_close(s);
	}
	CHECK(sql_int(dir, "SELECT count(*) FROM uploads") == 0);
	CHECK(sql_int(dir, "SELECT count(*) FROM attachments") == 0);
	for (int i = 0; i < 6; i++)
		tup_free(&t[i]);
}

/* Everything acknowledged is there after close and reopen, and the index
 * rebuilt from the tables equals the one built by the puts. */
static void test_restart(void)
{
	char dir[4096], err[512] = "";
	new_dir(dir, sizeof dir, "restart");
	pgo_store *s = NULL;
	CHECK(store_open(dir, &s, err, sizeof err) == 0);
	if (!s)
		return;
	enum { N = 120 };
	static tup t[N];
	static const char *const tagsets[4][4] = {
		{"service:a", "env:prod", "version:1", NULL},
		{"service:b", "env:prod", "service:shadow", NULL},
		{"env:staging", NULL},
		{"service:a", "", "host:h1", NULL},
	};
	for (size_t i = 0; i < N; i++)
		tup_init(&t[i], 1000 + i, 1793527200000000000 + (int64_t)(i % 17), 0.25 * (double)(i % 9),
		         tagsets[i % 4]);
	CHECK(put_concurrently(s, t, N / 2, 4) == 0);
	int64_t mid = now_ns();
	CHECK(put_concurrently(s, t + N / 2, N / 2, 4) == 0);
	size_t deleted = 0;
	CHECK(store_purge(s, mid, &deleted, err, sizeof err) == 0 && deleted == N / 2);

	size_t n1 = 0, n2 = 0, c1 = 0, c2 = 0;
	store_hit *before = search_all(s, &n1);
	store_hit *by_cpu1 = search(s, "", INT64_MIN, INT64_MAX, SORT_CPU_CORES, true, 1000, &c1);
	size_t count = store_count(s);
	store_close(s);

	s = NULL;
	CHECK(store_open(dir, &s, err, sizeof err) == 0);
	if (s) {
		CHECK(store_count(s) == count && count == N / 2);
		store_hit *after = search_all(s, &n2);
		CHECK(hits_equal("search after restart", after, n2, before, n1));
		store_hits_free(after, n2);
		store_hit *by_cpu2 = search(s, "", INT64_MIN, INT64_MAX, SORT_CPU_CORES, true, 1000, &c2);
		CHECK(hits_equal("by CPU after restart", by_cpu2, c2, by_cpu1, c1));
		store_hits_free(by_cpu2, c2);
		for (size_t i = N / 2; i < N; i++)
			CHECK(attachments_ok(s, t[i].u.profile_id, t[i].seq));
		store_close(s);
	}
	store_hits_free(before, n1);
	store_hits_free(by_cpu1, c1);
	for (size_t i = 0; i < N; i++)
		tup_free(&t[i]);
}

/* ---- the index against the tables ------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

#define HAS(tag) "instr(char(10) || tags, char(10) || '" tag "' || char(10)) > 0"

/* Each query in the search syntax, and the same filter in SQL over the
 * tags column (one tag a line) and the metric columns. */
static const struct {
	const char *query, *sql;
} equivalents[] = {
	{"", "1"},
	{"service:a", HAS("service:a")},
	{"service:a env:prod", HAS("service:a") " AND " HAS("env:prod")},
	{"service:(a OR b) -env:prod", "(" HAS("service:a") " OR " HAS("service:b") ") AND NOT " HAS("env:prod")},
	{"NOT host:h1 version:2", "NOT " HAS("host:h1") " AND " HAS("version:2")},
	{"host:*", "instr(char(10) || tags, char(10) || 'host:') > 0"},
	{"@metrics.core_cpu_cores:>1.5", "core_cpu_cores > 1.5"},
	{"@metrics.core_cpu_cores:[0.5 TO 1.5] service:c", "core_cpu_cores BETWEEN 0.5 AND 1.5 AND " HAS("service:c")},
	{"@duration_nanos:<13000000000 OR env:staging", "duration_nanos < 13000000000 OR " HAS("env:staging")},
};

#define BASE_NS 1793527200000000000

static const char *const vocab[] = {"service:a", "service:b", "service:c", "env:prod", "env:staging",
                                    "version:1", "version:2", "host:h1",   "host:h2",  "region:x"};

/* Every search of the index equals the same search in SQL over the tables. */
static void compare_index_with_tables(pgo_store *s, const char *dir, const char *when)
{
	sqlite3 *db = sql_open(dir, false);
	static const int64_t windows[][2] = {
		{INT64_MIN, INT64_MAX},
		{BASE_NS + 3, BASE_NS + 40},
		{BASE_NS + 1000000, BASE_NS + 2000000},
	};
	static const size_t limits[] = {1, 7, 100000};
	size_t compared = 0, bad = 0;
	for (size_t q = 0; q < sizeof equivalents / sizeof *equivalents; q++)
		for (size_t w = 0; w < sizeof windows / sizeof *windows; w++)
			for (int sort = 0; sort < 2; sort++)
				for (int desc = 0; desc < 2; desc++)
					for (size_t l = 0; l < sizeof limits / sizeof *limits; l++) {
						store_sort so = sort ? SORT_CPU_CORES : SORT_TIMESTAMP;
						size_t na = 0, nb = 0;
						store_hit *a = search(s, equivalents[q].query, windows[w][0], windows[w][1], so, desc,
						                      limits[l], &na);
						store_hit *b = search_sql(db, equivalents[q].sql, windows[w][0], windows[w][1], so, desc,
						                          limits[l], &nb);
						char what[256];
						snprintf(what, sizeof what, "%s: [%s] window %zu sort %d desc %d limit %zu", when,
						         equivalents[q].query, w, sort, desc, limits[l]);
						if (!a || !hits_equal(what, a, na, b, nb))
							bad++;
						compared++;
						store_hits_free(a, na);
						store_hits_free(b, nb);
					}
	CHECK(bad == 0);
	CHECK(store_count(s) == (size_t)sql_int(dir, "SELECT count(*) FROM uploads"));
	if (bad)
		fprintf(stderr, "  %s: %zu of %zu searches differ from SQL\n", when, bad, compared);
	sqlite3_close(db);
}

/* A random mix of concurrent puts and purges, more than 1024 uploads so
 * that the index compacts, with ties and starts 1 ns apart; compared after
 * every round and after a restart. */
static void test_index_in_step(void)
{
	char dir[4096], err[512] = "";
	new_dir(dir, sizeof dir, "in-step");
	pgo_store *s = NULL;
	CHECK(store_open(dir, &s, err, sizeof err) == 0);
	if (!s)
		return;
	enum { ROUNDS = 8, PER_ROUND = 200 };
	static tup t[ROUNDS * PER_ROUND];
	int64_t marks[ROUNDS + 1];
	size_t made = 0, purged = 0;
	for (int r = 0; r < ROUNDS; r++) {
		marks[r] = now_ns();
		for (size_t i = 0; i < PER_ROUND; i++, made++) {
			const char *tags[6] = {0};
			size_t nt = 0;
			for (size_t k = 0; k < sizeof vocab / sizeof *vocab && nt < 5; k++)
				if (rnd() % 3 == 0)
					tags[nt++] = vocab[k];
			/* starts: a few shared values, some 1 ns apart; cores: many ties */
			int64_t start = BASE_NS + (int64_t)(rnd() % 64) + (rnd() % 4 == 0 ? 1500000 : 0);
			double cores = (double)(rnd() % 12) * 0.25;
			tup_init(&t[made], made, start, cores, tags);
		}
		CHECK(put_concurrently(s, t + made - PER_ROUND, PER_ROUND, 1 + (int)(rnd() % 4)) == 0);
		if (r > 0 && rnd() % 2 == 0) {
			size_t deleted = 0;
			CHECK(store_purge(s, marks[rnd() % (size_t)(r + 1)], &deleted, err, sizeof err) == 0);
			purged += deleted;
		}
		char when[64];
		snprintf(when, sizeof when, "round %d", r);
		compare_index_with_tables(s, dir, when);
	}
	/* a purge of most of it, so that the index compacts */
	size_t deleted = 0;
	CHECK(store_purge(s, marks[ROUNDS - 1], &deleted, err, sizeof err) == 0);
	purged += deleted;
	CHECK(store_count(s) == made - purged);
	CHECK(made - purged == PER_ROUND);
	compare_index_with_tables(s, dir, "after the big purge");
	store_stats st;
	store_get_stats(s, &st);
	printf("in step: %zu puts, %zu purged, %" PRIu64 " commits\n", made, purged, st.commits);
	store_close(s);
	s = NULL;
	CHECK(store_open(dir, &s, err, sizeof err) == 0);
	if (s) {
		compare_index_with_tables(s, dir, "after a restart");
		store_close(s);
	}
	for (size_t i = 0; i < made; i++)
		tup_free(&t[i]);
}

/* endpoint_counts: picked out of event.json when an upload arrives and when
 * the index is loaded again; absent or not an object, none; too large, its total. */
static const char *hit_counts(store_hit *hits, size_t n, const char *profile_id)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(hits[i].profile_id, profile_id))
			return hits[i].endpoint_counts ? hits[i].endpoint_counts : "(none)";
	return "(no hit)";
}

static void test_endpoint_counts(void)
{
	char dir[4096], err[512] = "";
	new_dir(dir, sizeof dir, "endpoints");
	pgo_store *s = NULL;
	CHECK(store_open(dir, &s, err, sizeof err) == 0);
	if (!s)
		return;
	/* Over STORE_MAX_ENDPOINT_COUNTS bytes: 4000 endpoints of 2 requests each, and one ignored. */
	size_t big_size = 4000 * 40 + 64, o = 0;
	char *big = malloc(big_size);
	if (!big)
		abort();
	o += (size_t)snprintf(big + o, big_size - o, "{\"endpoint_counts\":{\"neg\":-3");
	for (int i = 0; i < 4000; i++)
		o += (size_t)snprintf(big + o, big_size - o, ",\"GET /endpoint/%06d\":2", i);
	snprintf(big + o, big_size - o, "}}");
	const char *events[] = {
		"{\"family\":\"go\",\"endpoint_counts\":{\"GET /a\": 40, \"POST /b\": 2}}",
		"{\"family\":\"go\"}",
		"{\"family\":\"go\",\"endpoint_counts\":[1,2]}",
		big,
	};
	const char *want[] = {"{\"GET /a\":40,\"POST /b\":2}", "(none)", "(none)", "{\"(all endpoints)\":8000}"};
	tup t[4];
	static const char *const tags[] = {"service:web", NULL};
	for (int i = 0; i < 4; i++) {
		tup_init(&t[i], 500 + (uint64_t)i, 1793527500000000000 + i, 1.0, tags);
		t[i].u.event_json = (char *)events[i];
		CHECK(store_put(s, &t[i].u, err, sizeof err) == 0);
	}
	for (int round = 0; round < 2; round++) {
		store_search_request req = {.from_ns = 0, .to_ns = INT64_MAX, .sort = SORT_TIMESTAMP, .limit = 10};
		store_hit *hits = NULL;
		size_t n = 0;
		CHECK(store_search(s, &req, &hits, &n, err, sizeof err) == 0);
		CHECK(n == 4);
		for (int i = 0; i < 4; i++) {
			const char *got = hit_counts(hits, n, t[i].u.profile_id);
			if (strcmp(got, want[i]))
				fprintf(stderr, "  round %d, upload %d: endpoint_counts %.80s, want %s\n", round, i, got, want[i]);
			CHECK(!strcmp(got, want[i]));
		}
		store_hits_free(hits, n);
		req.ids_only = true;
		CHECK(store_search(s, &req, &hits, &n, err, sizeof err) == 0);
		for (size_t i = 0; i < n; i++)
			CHECK(hits[i].endpoint_counts == NULL);
		store_hits_free(hits, n);
		/* The second round reads them back from the database. */
		store_close(s);
		s = NULL;
		if (round == 0)
			CHECK(store_open(dir, &s, err, sizeof err) == 0);
		if (!s)
			break;
	}
	store_close(s);
	for (int i = 0; i < 4; i++)
		tup_free(&t[i]);
	free(big);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(tmp_root, sizeof tmp_root, "%s/pgotool-test_store.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmp_root)) {
		perror("mkdtemp");
		return 1;
	}
	int rc;
	{
		harness_fn fns[] = {test_open_v0_data_dir,       test_new_store,    test_newer_version_refused,
		                    test_not_sqlite_refused,     test_foreign_database_refused,
		                    test_group_commit,           test_purge,        test_restart,
		                    test_index_in_step,          test_endpoint_counts};
		const char *names[] = {"open_v0_data_dir", "new_store", "newer_version_refused", "not_sqlite_refused",
		                       "foreign_database_refused", "group_commit", "purge", "restart", "index_in_step",
		                       "endpoint_counts"};
		rc = harness_run("store", fns, names, (int)(sizeof fns / sizeof *fns));
	}
	nftw(tmp_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
