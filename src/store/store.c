/*
 * The profile store on SQLite. One writer thread owns the write connection
 * and commits queued jobs in batches (group commit); readers take
 * connections from a small pool; searches run on an in-memory copy of the
 * metadata, guarded by a read-write lock.
 */
#define _GNU_SOURCE /* pthread_rwlockattr_setkind_np */
#include "store.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#define READ_POOL 8
#define BATCH_MAX 256
#define DELETE_CHUNK 256

typedef enum job_kind { JOB_PUT, JOB_PURGE, JOB_DELETE } job_kind;

typedef struct job {
	job_kind kind;
	store_upload *upload;   /* JOB_PUT */
	int64_t cutoff_ns;      /* JOB_PURGE */
	int64_t *rowids;        /* JOB_DELETE: ascending */
	size_t n_rowids;
	int64_t received_ns;    /* JOB_PUT, when it was written */
	char *endpoint_counts;  /* JOB_PUT, for the index; freed by store_put unless taken */
	size_t deleted;
	int rc;
	bool done;
	char err[256];
	struct job *next;
} job;

/* One upload's metadata in memory. */
typedef struct entry {
	int64_t rowid;
	int64_t received_ns;    /* when the store took it: what retention counts from */
	store_hit hit;          /* owns service and tags */
	const char **tag_ptrs;  /* the tags again, as const for the query */
	query_attribute attrs[3];
	bool deleted;
} entry;

struct pgo_store {
	char *path;
	sqlite3 *writer;
	sqlite3_stmt *ins_upload, *ins_attachment;
	sqlite3_stmt *get_endpoints; /* on the writer's connection: loading the index, then the writer thread */

	pthread_mutex_t pool_lock;
	sqlite3 *pool[READ_POOL];
	int pool_n;

	pthread_mutex_t queue_lock;
	pthread_cond_t queue_work, queue_done;
	job *head, *tail;
	bool stopping;
	pthread_t thread;
	bool thread_started;
	store_stats stats;      /* under queue_lock */

	pthread_rwlock_t index_lock;
	entry *entries;
	size_t n_entries, cap_entries, n_live;
};

static void set_err(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t n, const char *fmt, ...)
{
	if (!err || !n)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int store_random(void *buf, size_t size)
{
	uint8_t *b = buf;
	size_t got = 0;
	while (got < size) {
		ssize_t n = getrandom(b + got, size - got, 0);
		if (n > 0)
			got += (size_t)n;
		else if (n < 0 && errno != EINTR)
			return -1;
	}
	return 0;
}

int store_new_id(char out[40])
{
	uint8_t b[16];
	if (store_random(b, sizeof b)) {
		out[0] = '\0';
		return -1;
	}
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	snprintf(out, 40, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
	         b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
	return 0;
}

/* ---- the schema and its versions ---------------------------------- */

/* Version 1: uploads and their attachments. Version 0 is the same tables,
 * unstamped, as every pgotool wrote them before schema versions. */
static const char schema_v1_tables[] =
	"CREATE TABLE IF NOT EXISTS uploads("
	"  id INTEGER PRIMARY KEY,"
	"  profile_id TEXT NOT NULL UNIQUE,"
	"  event_id TEXT NOT NULL UNIQUE,"
	"  start_ns INTEGER NOT NULL,"
	"  end_ns INTEGER NOT NULL,"
	"  received_ns INTEGER NOT NULL,"
	"  duration_nanos INTEGER NOT NULL,"
	"  core_cpu_cores REAL NOT NULL,"
	"  core_cpu_time_total INTEGER NOT NULL,"
	"  tags TEXT NOT NULL,"          /* one tag a line */
	"  event_json TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS attachments("
	"  upload_id INTEGER NOT NULL,"
	"  name TEXT NOT NULL,"
	"  data BLOB NOT NULL,"
	"  PRIMARY KEY(upload_id, name));";
/* After the tables are checked: it needs uploads' columns. */
static const char schema_v1_index[] = "CREATE INDEX IF NOT EXISTS uploads_start ON uploads(start_ns);";

static int open_db(const char *path, int flags, sqlite3 **out, char *err, size_t n)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		set_err(err, n, "%s: cannot open: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, 10000);
	*out = db;
	return 0;
}

static bool exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
}

/* What version 1 consists of: a version-0 file holding anything else is not
 * one that pgotool wrote. */
static const struct {
	const char *type, *name, *columns;
} v1_objects[] = {
	{"table", "uploads",
	 "id,profile_id,event_id,start_ns,end_ns,received_ns,duration_nanos,core_cpu_cores,core_cpu_time_total,tags,"
	 "event_json"},
	{"index", "uploads_start", NULL},
	{"table", "attachments", "upload_id,name,data"},
};

/* A table's column names, comma-separated (truncated ones then differ). */
static int table_columns(sqlite3 *db, const char *table, char *out, size_t size)
{
	sqlite3_stmt *st = NULL;
	size_t len = 0;
	out[0] = '\0';
	if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info(?1) ORDER BY cid", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		int w = snprintf(out + len, size - len, "%s%s", len ? "," : "", name ? name : "");
		if (w < 0 || (size_t)w >= size - len)
			break;
		len += (size_t)w;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Version 0 to 1: a new file gets the tables, one that an unversioned
 * pgotool wrote already has them; either way, what is there afterwards must
 * be exactly version 1's tables, else it is someone else's database (and
 * the caller rolls back what this created). */
static int migrate_to_1(sqlite3 *db, const char *path, char *err, size_t n)
{
	char *msg = NULL;
	if (sqlite3_exec(db, schema_v1_tables, NULL, NULL, &msg) != SQLITE_OK) {
		set_err(err, n, "%s: cannot create the tables: %s", path, msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
	                       -1, &st, NULL) != SQLITE_OK) {
		set_err(err, n, "%s: cannot read the schema: %s", path, sqlite3_errmsg(db));
		return -1;
	}
	int rc = 0, step;
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(st, 0), *name = (const char *)sqlite3_column_text(st, 1);
		size_t k = 0;
		while (k < sizeof v1_objects / sizeof *v1_objects &&
		       !(type && name && !strcmp(type, v1_objects[k].type) && !strcmp(name, v1_objects[k].name)))
			k++;
		if (k == sizeof v1_objects / sizeof *v1_objects) {
			set_err(err, n, "%s: schema version 0 with a %.16s '%.64s' that pgotool never made: not a pgotool store; "
			        "move it away or use another data directory", path, type ? type : "?", name ? name : "?");
			rc = -1;
			break;
		}
		char cols[512];
		if (v1_objects[k].columns && (table_columns(db, name, cols, sizeof cols) || strcmp(cols, v1_objects[k].columns))) {
			set_err(err, n, "%s: schema version 0 with a table %s of columns (%.200s), not pgotool's (%s): not a pgotool "
			        "store; move it away or use another data directory", path, name, cols, v1_objects[k].columns);
			rc = -1;
		}
	}
	if (!rc && step != SQLITE_DONE) {
		set_err(err, n, "%s: cannot read the schema: %s", path, sqlite3_errmsg(db));
		rc = -1;
	}
	sqlite3_finalize(st);
	if (!rc && !exec(db, schema_v1_index)) {
		set_err(err, n, "%s: cannot create the index: %s", path, sqlite3_errmsg(db));
		rc = -1;
	}
	return rc;
}

typedef int (*migration)(sqlite3 *db, const char *path, char *err, size_t n);

/* migrations[v] takes a database from version v to v + 1: a new version is
 * one more function here and STORE_SCHEMA_VERSION one higher. */
static const migration migrations[] = {
	migrate_to_1,
};
_Static_assert(sizeof migrations / sizeof *migrations == STORE_SCHEMA_VERSION, "one migration per version");

/* PRAGMA user_version, checked to be one this pgotool can open. */
static int read_version(sqlite3 *db, const char *path, int *version, char *err, size_t n)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		if ((sqlite3_errcode(db) & 0xff) == SQLITE_NOTADB)
			set_err(err, n, "%s: not a SQLite database (%s), so not a pgotool store; move it away or use another "
			        "data directory", path, sqlite3_errmsg(db));
		else
			set_err(err, n, "%s: cannot read the schema version: %s", path, sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -1;
	}
	*version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (*version > STORE_SCHEMA_VERSION) {
		set_err(err, n, "%s has schema version %d, newer than this pgotool (%d); upgrade pgotool", path, *version,
		        STORE_SCHEMA_VERSION);
		return -1;
	}
	if (*version < 0) {
		set_err(err, n, "%s has schema version %d, which no pgotool writes: not a pgotool store; move it away or use "
		        "another data directory", path, *version);
		return -1;
	}
	return 0;
}

/* Brings the database to STORE_SCHEMA_VERSION. The steps and the new version
 * commit as one transaction, so an open that fails leaves the file as it was;
 * a file that is refused is only read. */
static int open_schema(sqlite3 *db, const char *path, char *err, size_t n)
{
	int version;
	if (read_version(db, path, &version, err, n))
		return -1;
	if (!exec(db, "PRAGMA synchronous=FULL")) {
		set_err(err, n, "%s: cannot set synchronous=FULL: %s", path, sqlite3_errmsg(db));
		return -1;
	}
	if (version < STORE_SCHEMA_VERSION) {
		if (!exec(db, "BEGIN IMMEDIATE")) {
			set_err(err, n, "%s: cannot begin the schema migration: %s", path, sqlite3_errmsg(db));
			return -1;
		}
		/* Again inside the transaction: another pgotool may have just migrated it. */
		int rc = read_version(db, path, &version, err, n);
		for (int v = version; !rc && v < STORE_SCHEMA_VERSION; v++)
			rc = migrations[v](db, path, err, n);
		char sql[64];
		snprintf(sql, sizeof sql, "PRAGMA user_version=%d", STORE_SCHEMA_VERSION);
		if (!rc && (!exec(db, sql) || !exec(db, "COMMIT"))) {
			set_err(err, n, "%s: cannot commit the schema migration from version %d to %d: %s", path, version,
			        STORE_SCHEMA_VERSION, sqlite3_errmsg(db));
			rc = -1;
		}
		if (rc) {
			exec(db, "ROLLBACK");
			return -1;
		}
	}
	/* Only now, so that a refused file keeps its journal mode too. */
	if (!exec(db, "PRAGMA journal_mode=WAL")) {
		set_err(err, n, "%s: cannot switch to WAL: %s", path, sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/* ---- the in-memory index ------------------------------------------ */

static void entry_free(entry *e)
{
	free(e->hit.service);
	free(e->hit.tags); /* and the tags' bytes, and tag_ptrs: one block */
	free(e->hit.endpoint_counts);
}

/*
 * The endpoint_counts object of an event.json, as compact JSON, for the
 * index (searches never read the database). SQLite's JSON functions pick
 * it out the same way when an upload arrives and when the index is loaded.
 * An object too large to keep is kept as its total, so that the index stays
 * small and requests per profile stay right.
 */
#define TEXT_OF_(x) #x
#define TEXT_OF(x) TEXT_OF_(x)
static const char endpoints_sql[] =
	"SELECT CASE WHEN m IS NULL OR length(CAST(m AS BLOB)) <= " TEXT_OF(STORE_MAX_ENDPOINT_COUNTS) " THEN m"
	" ELSE json_object('(all endpoints)', (SELECT CAST(total(value) AS INTEGER) FROM json_each(m)"
	" WHERE type = 'integer' AND value >= 0)) END"
	" FROM (SELECT CASE WHEN json_valid(?1) THEN"
	" CASE WHEN json_type(?1, '$.endpoint_counts') = 'object' THEN json_extract(?1, '$.endpoint_counts') END"
	" END AS m)";

/* *out is NULL when the event has no endpoint_counts object. Returns 0, or -1 (out of memory). */
static int endpoint_counts_of(pgo_store *s, const char *event_json, char **out)
{
	*out = NULL;
	sqlite3_stmt *st = s->get_endpoints;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, event_json ? event_json : "{}", -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		const char *m = (const char *)sqlite3_column_text(st, 0);
		if (!m || !(*out = strdup(m)))
			rc = SQLITE_NOMEM;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Splits "a\nb\n..." into tags; service is the value of service:. The
 * tag pointers and their bytes share one allocation, so that a search or a
 * walk over many entries reads each entry's tags from a few cache lines. */
static int entry_fill(entry *e, const char *tags_text)
{
	size_t n = 0, len = strlen(tags_text);
	for (const char *p = tags_text; *p;) {
		size_t l = strcspn(p, "\n");
		n += l > 0;
		p += l + (p[l] == '\n');
	}
	char **tags = malloc((n ? n : 1) * sizeof *tags + len + 1);
	if (!tags)
		return -1;
	char *bytes = (char *)(tags + (n ? n : 1));
	memcpy(bytes, tags_text, len + 1);
	size_t k = 0;
	for (char *p = bytes; *p;) {
		size_t l = strcspn(p, "\n");
		bool nl = p[l] == '\n';
		p[l] = '\0';
		if (l) {
			tags[k++] = p;
			if (!e->hit.service && l > 8 && strncmp(p, "service:", 8) == 0 && !(e->hit.service = strdup(p + 8))) {
				free(tags);
				return -1;
			}
		}
		p += l + nl;
	}
	e->hit.tags = tags;
	e->hit.n_tags = n;
	e->tag_ptrs = (const char **)tags;
	e->attrs[0] = (query_attribute){"metrics.core_cpu_cores", e->hit.core_cpu_cores};
	e->attrs[1] = (query_attribute){"metrics.core_cpu_time_total", (double)e->hit.core_cpu_time_total};
	e->attrs[2] = (query_attribute){"duration_nanos", (double)e->hit.duration_nanos};
	return 0;
}

/* Appends under the index write lock, which the caller holds. */
static int index_add(pgo_store *s, entry *e)
{
	if (s->n_entries == s->cap_entries) {
		size_t cap = s->cap_entries ? s->cap_entries * 2 : 1024;
		entry *ne = realloc(s->entries, cap * sizeof *ne);
		if (!ne)
			return -1;
		s->entries = ne;
		s->cap_entries = cap;
	}
	/* tag_ptrs point into hit.tags, which move with nothing */
	s->entries[s->n_entries++] = *e;
	s->n_live++;
	return 0;
}

static char *join_tags(char *const *tags, size_t n)
{
	size_t len = 1;
	for (size_t i = 0; i < n; i++)
		len += strlen(tags[i]) + 1;
	char *out = malloc(len), *p = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(tags[i]);
		memcpy(p, tags[i], l);
		p += l;
		*p++ = '\n';
	}
	*p = '\0';
	return out;
}

static int load_index(pgo_store *s, char *err, size_t n)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->writer,
	                       "SELECT id, profile_id, event_id, start_ns, end_ns, duration_nanos, core_cpu_cores,"
	                       " core_cpu_time_total, tags, received_ns, event_json FROM uploads ORDER BY id",
	                       -1, &st, NULL) != SQLITE_OK) {
		set_err(err, n, "%s: cannot read the index: %s", s->path, sqlite3_errmsg(s->writer));
		return -1;
	}
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		entry e = {0};
		e.rowid = sqlite3_column_int64(st, 0);
		snprintf(e.hit.profile_id, sizeof e.hit.profile_id, "%s", (const char *)sqlite3_column_text(st, 1));
		snprintf(e.hit.event_id, sizeof e.hit.event_id, "%s", (const char *)sqlite3_column_text(st, 2));
		e.hit.start_ns = sqlite3_column_int64(st, 3);
		e.hit.end_ns = sqlite3_column_int64(st, 4);
		e.hit.duration_nanos = sqlite3_column_int64(st, 5);
		e.hit.core_cpu_cores = sqlite3_column_double(st, 6);
		e.hit.core_cpu_time_total = sqlite3_column_int64(st, 7);
		e.received_ns = sqlite3_column_int64(st, 9);
		const char *tags = (const char *)sqlite3_column_text(st, 8);
		if (endpoint_counts_of(s, (const char *)sqlite3_column_text(st, 10), &e.hit.endpoint_counts) ||
		    entry_fill(&e, tags ? tags : "") || index_add(s, &e)) {
			entry_free(&e);
			sqlite3_finalize(st);
			set_err(err, n, "%s: out of memory loading the index", s->path);
			return -1;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		set_err(err, n, "%s: cannot read the index: %s", s->path, sqlite3_errmsg(s->writer));
		return -1;
	}
	return 0;
}

/* ---- the writer --------------------------------------------------- */

static int insert_upload(pgo_store *s, job *j)
{
	store_upload *u = j->upload;
	char *tags = join_tags(u->tags, u->n_tags);
	if (!tags) {
		set_err(j->err, sizeof j->err, "out of memory");
		return -1;
	}
	sqlite3_stmt *st = s->ins_upload;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, u->profile_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, u->event_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, u->start_ns);
	sqlite3_bind_int64(st, 4, u->end_ns);
	j->received_ns = now_ns();
	sqlite3_bind_int64(st, 5, j->received_ns);
	sqlite3_bind_int64(st, 6, u->duration_nanos);
	sqlite3_bind_double(st, 7, u->core_cpu_cores);
	sqlite3_bind_int64(st, 8, u->core_cpu_time_total);
	sqlite3_bind_text(st, 9, tags, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, u->event_json ? u->event_json : "{}", -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	free(tags);
	if (rc != SQLITE_DONE) {
		set_err(j->err, sizeof j->err, "storing upload: %s", sqlite3_errmsg(s->writer));
		return -1;
	}
	int64_t id = sqlite3_last_insert_rowid(s->writer);
	if (endpoint_counts_of(s, u->event_json, &j->endpoint_counts)) {
		set_err(j->err, sizeof j->err, "reading endpoint_counts: %s", sqlite3_errmsg(s->writer));
		return -1;
	}
	for (size_t i = 0; i < u->n_attachments; i++) {
		st = s->ins_attachment;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, u->attachments[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_blob64(st, 3, u->attachments[i].data, u->attachments[i].size, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			set_err(j->err, sizeof j->err, "storing attachment %s: %s", u->attachments[i].name,
			        sqlite3_errmsg(s->writer));
			return -1;
		}
	}
	j->deleted = (size_t)id; /* the row id, for the index (no purge here) */
	return 0;
}

static int run_purge(pgo_store *s, job *j)
{
	sqlite3_stmt *st = NULL;
	const char *sql[] = {
		"DELETE FROM attachments WHERE upload_id IN (SELECT id FROM uploads WHERE received_ns < ?1)",
		"DELETE FROM uploads WHERE received_ns < ?1",
	};
	for (int k = 0; k < 2; k++) {
		if (sqlite3_prepare_v2(s->writer, sql[k], -1, &st, NULL) != SQLITE_OK) {
			set_err(j->err, sizeof j->err, "purge: %s", sqlite3_errmsg(s->writer));
			return -1;
		}
		sqlite3_bind_int64(st, 1, j->cutoff_ns);
		int rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			set_err(j->err, sizeof j->err, "purge: %s", sqlite3_errmsg(s->writer));
			return -1;
		}
		if (k == 1)
			j->deleted = (size_t)sqlite3_changes(s->writer);
	}
	return 0;
}

static int run_delete(pgo_store *s, job *j)
{
	sqlite3_stmt *st[2] = {NULL, NULL};
	const char *sql[] = {"DELETE FROM attachments WHERE upload_id = ?1", "DELETE FROM uploads WHERE id = ?1"};
	int rc = 0;
	for (int k = 0; k < 2 && !rc; k++)
		if (sqlite3_prepare_v2(s->writer, sql[k], -1, &st[k], NULL) != SQLITE_OK)
			rc = -1;
	j->deleted = 0;
	for (size_t i = 0; i < j->n_rowids && !rc; i++)
		for (int k = 0; k < 2 && !rc; k++) {
			sqlite3_bind_int64(st[k], 1, j->rowids[i]);
			if (sqlite3_step(st[k]) != SQLITE_DONE)
				rc = -1;
			else if (k == 1)
				j->deleted += (size_t)sqlite3_changes(s->writer);
			sqlite3_reset(st[k]);
		}
	if (rc)
		set_err(j->err, sizeof j->err, "delete: %s", sqlite3_errmsg(s->writer));
	sqlite3_finalize(st[0]);
	sqlite3_finalize(st[1]);
	return rc;
}

static int by_rowid(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Applies a committed batch to the in-memory index. */
static void index_apply(pgo_store *s, job *batch)
{
	pthread_rwlock_wrlock(&s->index_lock);
	for (job *j = batch; j; j = j->next) {
		if (j->rc)
			continue;
		if (j->kind == JOB_PURGE) {
			for (size_t i = 0; i < s->n_entries; i++) {
				if (!s->entries[i].deleted && s->entries[i].received_ns < j->cutoff_ns) {
					s->entries[i].deleted = true;
					s->n_live--;
				}
			}
			continue;
		}
		if (j->kind == JOB_DELETE) {
			for (size_t i = 0; i < s->n_entries; i++)
				if (!s->entries[i].deleted &&
				    bsearch(&s->entries[i].rowid, j->rowids, j->n_rowids, sizeof *j->rowids, by_rowid)) {
					s->entries[i].deleted = true;
					s->n_live--;
				}
			continue;
		}
		store_upload *u = j->upload;
		entry e = {.rowid = (int64_t)j->deleted, .received_ns = j->received_ns};
		memcpy(e.hit.profile_id, u->profile_id, sizeof e.hit.profile_id);
		memcpy(e.hit.event_id, u->event_id, sizeof e.hit.event_id);
		e.hit.start_ns = u->start_ns;
		e.hit.end_ns = u->end_ns;
		e.hit.duration_nanos = u->duration_nanos;
		e.hit.core_cpu_cores = u->core_cpu_cores;
		e.hit.core_cpu_time_total = u->core_cpu_time_total;
		e.hit.endpoint_counts = j->endpoint_counts;
		j->endpoint_counts = NULL;
		char *tags = join_tags(u->tags, u->n_tags);
		/* The upload is durable already; a failure here only hides it until restart. */
		if (!tags || entry_fill(&e, tags) || index_add(s, &e))
			entry_free(&e);
		free(tags);
	}
	/* Compact once a quarter of the index is purged rows. */
	if (s->n_entries > 1024 && s->n_live < s->n_entries * 3 / 4) {
		size_t k = 0;
		for (size_t i = 0; i < s->n_entries; i++) {
			if (s->entries[i].deleted)
				entry_free(&s->entries[i]);
			else
				s->entries[k++] = s->entries[i];
		}
		s->n_entries = k;
	}
	pthread_rwlock_unlock(&s->index_lock);
}

static void *writer_main(void *arg)
{
	pgo_store *s = arg;
	for (;;) {
		pthread_mutex_lock(&s->queue_lock);
		while (!s->head && !s->stopping)
			pthread_cond_wait(&s->queue_work, &s->queue_lock);
		if (!s->head && s->stopping) {
			pthread_mutex_unlock(&s->queue_lock);
			return NULL;
		}
		/* Everything queued so far becomes one transaction. */
		job *batch = s->head, *last = batch;
		int n = 1;
		while (last->next && n < BATCH_MAX) {
			last = last->next;
			n++;
		}
		s->head = last->next;
		if (!s->head)
			s->tail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&s->queue_lock);

		bool ok = exec(s->writer, "BEGIN IMMEDIATE");
		for (job *j = batch; j; j = j->next) {
			j->rc = -1;
			if (!ok) {
				set_err(j->err, sizeof j->err, "cannot begin a transaction: %s", sqlite3_errmsg(s->writer));
				continue;
			}
			/* A savepoint each, so that one bad upload does not sink the batch;
			 * released either way, so that they do not pile up in the transaction. */
			if (!exec(s->writer, "SAVEPOINT one")) {
				set_err(j->err, sizeof j->err, "cannot open a savepoint: %s", sqlite3_errmsg(s->writer));
				continue;
			}
			j->rc = j->kind == JOB_PUT ? insert_upload(s, j) : j->kind == JOB_PURGE ? run_purge(s, j) : run_delete(s, j);
			if (!j->rc && !exec(s->writer, "RELEASE one")) {
				set_err(j->err, sizeof j->err, "cannot release a savepoint: %s", sqlite3_errmsg(s->writer));
				j->rc = -1;
			}
			/* A failed job leaves nothing behind, so the index and the database agree. */
			if (j->rc) {
				exec(s->writer, "ROLLBACK TO one");
				exec(s->writer, "RELEASE one");
			}
		}
		bool committed = ok && exec(s->writer, "COMMIT");
		if (ok && !committed) {
			for (job *j = batch; j; j = j->next) {
				if (!j->rc)
					set_err(j->err, sizeof j->err, "commit failed: %s", sqlite3_errmsg(s->writer));
				j->rc = -1;
			}
			exec(s->writer, "ROLLBACK");
		}
		index_apply(s, batch);

		pthread_mutex_lock(&s->queue_lock);
		s->stats.commits += committed;
		for (job *j = batch; j;) {
			job *next = j->next;
			if (!j->rc && j->kind == JOB_PUT)
				s->stats.puts++;
			else if (!j->rc)
				s->stats.purges++;
			j->done = true;
			j = next;
		}
		pthread_cond_broadcast(&s->queue_done);
		pthread_mutex_unlock(&s->queue_lock);
	}
}

static int submit(pgo_store *s, job *j)
{
	pthread_mutex_lock(&s->queue_lock);
	if (s->stopping) {
		pthread_mutex_unlock(&s->queue_lock);
		set_err(j->err, sizeof j->err, "the store is closing");
		return -1;
	}
	j->next = NULL;
	if (s->tail)
		s->tail->next = j;
	else
		s->head = j;
	s->tail = j;
	pthread_cond_signal(&s->queue_work);
	while (!j->done)
		pthread_cond_wait(&s->queue_done, &s->queue_lock);
	pthread_mutex_unlock(&s->queue_lock);
	return j->rc;
}

/* ---- public ------------------------------------------------------- */

/* Whether the store can write: a read-only file, directory or mount would
 * otherwise start, then fail every upload. */
static int check_writable(sqlite3 *db, const char *path, char *err, size_t n)
{
	if (sqlite3_db_readonly(db, "main") == 1) {
		set_err(err, n, "%s: the database is read-only to this process; pgotool serve writes every upload to it: "
		                "give the user it runs as write access to the file and its directory",
		        path);
		return -1;
	}
	/* A write lock taken and given back writes nothing, but needs the
	 * directory too (WAL's -wal and -shm files). */
	int rc = sqlite3_exec(db, "BEGIN IMMEDIATE; ROLLBACK", NULL, NULL, NULL);
	if (rc != SQLITE_OK && rc != SQLITE_NOTADB) { /* not a database: open_schema says so */
		set_err(err, n, "%s: cannot write the database: %s; give the user pgotool serve runs as write access to it "
		                "and its directory",
		        path, sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

int store_open(const char *dir, pgo_store **out, char *err, size_t n)
{
	struct stat sb;
	if (stat(dir, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
		set_err(err, n, "%s: not a directory; --data names the directory that holds profiles.db (made if missing)",
		        dir);
		return -1;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		set_err(err, n, "%s: cannot create the data directory: %s", dir, strerror(errno));
		return -1;
	}
	pgo_store *s = calloc(1, sizeof *s);
	if (!s) {
		set_err(err, n, "out of memory");
		return -1;
	}
	size_t len = strlen(dir) + sizeof "/profiles.db";
	s->path = malloc(len);
	if (!s->path) {
		free(s);
		set_err(err, n, "out of memory");
		return -1;
	}
	snprintf(s->path, len, "%s/profiles.db", dir);
	pthread_mutex_init(&s->pool_lock, NULL);
	pthread_mutex_init(&s->queue_lock, NULL);
	pthread_cond_init(&s->queue_work, NULL);
	pthread_cond_init(&s->queue_done, NULL);
	/* Searches hold the read lock for a whole scan; with glibc's default,
	 * back-to-back searches would keep the writer, and so every upload's
	 * 200, waiting indefinitely. The writer goes first. */
	pthread_rwlockattr_t attr;
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&s->index_lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	if (open_db(s->path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &s->writer, err, n))
		goto fail;
	if (check_writable(s->writer, s->path, err, n) || open_schema(s->writer, s->path, err, n))
		goto fail;
	if (sqlite3_prepare_v2(s->writer,
	                       "INSERT INTO uploads(profile_id, event_id, start_ns, end_ns, received_ns, duration_nanos,"
	                       " core_cpu_cores, core_cpu_time_total, tags, event_json) VALUES(?,?,?,?,?,?,?,?,?,?)",
	                       -1, &s->ins_upload, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->writer, "INSERT INTO attachments(upload_id, name, data) VALUES(?,?,?)", -1,
	                       &s->ins_attachment, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->writer, endpoints_sql, -1, &s->get_endpoints, NULL) != SQLITE_OK) {
		set_err(err, n, "%s: %s", s->path, sqlite3_errmsg(s->writer));
		goto fail;
	}
	if (load_index(s, err, n))
		goto fail;
	if (pthread_create(&s->thread, NULL, writer_main, s) != 0) {
		set_err(err, n, "cannot start the writer thread");
		goto fail;
	}
	s->thread_started = true;
	*out = s;
	return 0;
fail:
	store_close(s);
	return -1;
}

void store_close(pgo_store *s)
{
	if (!s)
		return;
	if (s->thread_started) {
		pthread_mutex_lock(&s->queue_lock);
		s->stopping = true;
		pthread_cond_broadcast(&s->queue_work);
		pthread_mutex_unlock(&s->queue_lock);
		pthread_join(s->thread, NULL);
	}
	sqlite3_finalize(s->ins_upload);
	sqlite3_finalize(s->ins_attachment);
	sqlite3_finalize(s->get_endpoints);
	sqlite3_close(s->writer);
	for (int i = 0; i < s->pool_n; i++)
		sqlite3_close(s->pool[i]);
	for (size_t i = 0; i < s->n_entries; i++)
		entry_free(&s->entries[i]);
	free(s->entries);
	pthread_mutex_destroy(&s->pool_lock);
	pthread_mutex_destroy(&s->queue_lock);
	pthread_cond_destroy(&s->queue_work);
	pthread_cond_destroy(&s->queue_done);
	pthread_rwlock_destroy(&s->index_lock);
	free(s->path);
	free(s);
}

int store_put(pgo_store *s, store_upload *u, char *err, size_t n)
{
	if ((!u->profile_id[0] && store_new_id(u->profile_id)) || (!u->event_id[0] && store_new_id(u->event_id))) {
		set_err(err, n, "no random bytes for an id: %s", strerror(errno));
		return -1;
	}
	job j = {.kind = JOB_PUT, .upload = u};
	int rc = submit(s, &j);
	free(j.endpoint_counts); /* the index took it, unless the put failed */
	if (rc)
		set_err(err, n, "%s", j.err);
	return rc;
}

int store_purge(pgo_store *s, int64_t cutoff_ns, size_t *deleted, char *err, size_t n)
{
	job j = {.kind = JOB_PURGE, .cutoff_ns = cutoff_ns};
	int rc = submit(s, &j);
	if (rc)
		set_err(err, n, "%s", j.err);
	else if (deleted)
		*deleted = j.deleted;
	return rc;
}

/* Deletes the uploads with these rowids (sorted here) in one job. */
static int delete_rowids(pgo_store *s, int64_t *rowids, size_t n, size_t *deleted, char *err, size_t err_size)
{
	*deleted = 0;
	if (!n)
		return 0;
	qsort(rowids, n, sizeof *rowids, by_rowid);
	/* In jobs of a few hundred: each is one short transaction, and uploads
	 * queued meanwhile commit between them. */
	for (size_t at = 0; at < n; at += DELETE_CHUNK) {
		job j = {.kind = JOB_DELETE, .rowids = rowids + at, .n_rowids = n - at < DELETE_CHUNK ? n - at : DELETE_CHUNK};
		if (submit(s, &j)) {
			set_err(err, err_size, "%s", j.err);
			return -1;
		}
		*deleted += j.deleted;
	}
	return 0;
}

typedef struct aged {
	int64_t rowid, received_ns;
} aged;

static int by_received(const void *a, const void *b)
{
	const aged *x = a, *y = b;
	if (x->received_ns != y->received_ns)
		return x->received_ns < y->received_ns ? -1 : 1;
	return (x->rowid > y->rowid) - (x->rowid < y->rowid);
}

int store_delete_oldest(pgo_store *s, size_t count, size_t *deleted, char *err, size_t err_size)
{
	*deleted = 0;
	pthread_rwlock_rdlock(&s->index_lock);
	aged *a = malloc((s->n_live ? s->n_live : 1) * sizeof *a);
	size_t n = 0;
	for (size_t i = 0; a && i < s->n_entries; i++)
		if (!s->entries[i].deleted)
			a[n++] = (aged){s->entries[i].rowid, s->entries[i].received_ns};
	pthread_rwlock_unlock(&s->index_lock);
	if (!a) {
		set_err(err, err_size, "out of memory");
		return -1;
	}
	qsort(a, n, sizeof *a, by_received);
	if (count > n)
		count = n;
	int64_t *rowids = malloc((count ? count : 1) * sizeof *rowids);
	if (!rowids) {
		free(a);
		set_err(err, err_size, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < count; i++)
		rowids[i] = a[i].rowid;
	free(a);
	int rc = delete_rowids(s, rowids, count, deleted, err, err_size);
	free(rowids);
	return rc;
}

/* One upload as downsampling sees it. */
typedef struct sample_of {
	int64_t rowid;
	uint64_t group;     /* hash of service, env, version and the hour of start */
	double cores;
	const char *id;     /* profile_id, for ties */
} sample_of;

static const char *tag_value(const store_hit *h, const char *key)
{
	size_t n = strlen(key);
	for (size_t i = 0; i < h->n_tags; i++)
		if (!strncmp(h->tags[i], key, n) && h->tags[i][n] == ':')
			return h->tags[i] + n + 1;
	return "";
}

static uint64_t mix_in(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return (h ^ 0xff) * 1099511628211ull; /* a separator, so that "ab"+"c" differs from "a"+"bc" */
}

static int by_group_then_rank(const void *a, const void *b)
{
	const sample_of *x = a, *y = b;
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	if (x->cores != y->cores)
		return x->cores > y->cores ? -1 : 1;
	return strcmp(x->id, y->id);
}

int store_downsample(pgo_store *s, int64_t received_before_ns, size_t keep, size_t *deleted, size_t *groups,
                     char *err, size_t err_size)
{
	*deleted = 0;
	*groups = 0;
	/* The index lock is held while the candidates are chosen: their tags and
	 * ids are the index's. Deleting takes it again, after. */
	pthread_rwlock_rdlock(&s->index_lock);
	sample_of *c = malloc((s->n_live ? s->n_live : 1) * sizeof *c);
	size_t n = 0;
	for (size_t i = 0; c && i < s->n_entries; i++) {
		const entry *e = &s->entries[i];
		if (e->deleted || e->received_ns >= received_before_ns)
			continue;
		char hour[32];
		snprintf(hour, sizeof hour, "%lld", (long long)(e->hit.start_ns / (3600LL * 1000000000)));
		uint64_t g = 1469598103934665603ull;
		g = mix_in(g, e->hit.service ? e->hit.service : "");
		g = mix_in(g, tag_value(&e->hit, "env"));
		g = mix_in(g, tag_value(&e->hit, "version"));
		g = mix_in(g, hour);
		c[n++] = (sample_of){e->rowid, g, e->hit.core_cpu_cores, e->hit.profile_id};
	}
	int64_t *drop = c ? malloc((n ? n : 1) * sizeof *drop) : NULL;
	size_t n_drop = 0;
	if (drop) {
		qsort(c, n, sizeof *c, by_group_then_rank);
		size_t rank = 0;
		for (size_t i = 0; i < n; i++) {
			if (i == 0 || c[i].group != c[i - 1].group) {
				rank = 0;
				(*groups)++;
			}
			if (rank++ >= keep)
				drop[n_drop++] = c[i].rowid;
		}
	}
	pthread_rwlock_unlock(&s->index_lock);
	free(c);
	if (!drop) {
		set_err(err, err_size, "out of memory");
		return -1;
	}
	int rc = delete_rowids(s, drop, n_drop, deleted, err, err_size);
	free(drop);
	return rc;
}

void store_get_stats(pgo_store *s, store_stats *out)
{
	pthread_mutex_lock(&s->queue_lock);
	*out = s->stats;
	pthread_mutex_unlock(&s->queue_lock);
}

size_t store_count(pgo_store *s)
{
	pthread_rwlock_rdlock(&s->index_lock);
	size_t n = s->n_live;
	pthread_rwlock_unlock(&s->index_lock);
	return n;
}

static bool hit_before(const store_hit *a, const store_hit *b, store_sort sort, bool desc)
{
	/* Times as integers: as doubles, starts less than 256 ns apart compare equal. */
	if (sort == SORT_TIMESTAMP && a->start_ns != b->start_ns)
		return desc ? a->start_ns > b->start_ns : a->start_ns < b->start_ns;
	if (sort == SORT_CPU_CORES && a->core_cpu_cores != b->core_cpu_cores)
		return desc ? a->core_cpu_cores > b->core_cpu_cores : a->core_cpu_cores < b->core_cpu_cores;
	return strcmp(a->profile_id, b->profile_id) < 0; /* a stable, total order */
}

static int copy_hit(store_hit *dst, const store_hit *src, bool ids_only)
{
	*dst = *src;
	dst->endpoint_counts = NULL;
	if (ids_only) {
		dst->service = NULL;
		dst->tags = NULL;
		dst->n_tags = 0;
		return 0;
	}
	if (src->endpoint_counts && !(dst->endpoint_counts = strdup(src->endpoint_counts))) {
		dst->service = NULL;
		dst->tags = NULL;
		dst->n_tags = 0;
		return -1;
	}
	dst->service = src->service ? strdup(src->service) : NULL;
	dst->tags = malloc((src->n_tags ? src->n_tags : 1) * sizeof *dst->tags);
	if (!dst->tags)
		return -1;
	for (size_t i = 0; i < src->n_tags; i++)
		if (!(dst->tags[i] = strdup(src->tags[i]))) {
			dst->n_tags = i;
			return -1;
		}
	return 0;
}

int store_search(pgo_store *s, const store_search_request *req, store_hit **out, size_t *n_out, char *err,
                 size_t n)
{
	*out = NULL;
	*n_out = 0;
	size_t limit = req->limit ? req->limit : 1;
	/* The best `limit` matches, kept sorted by insertion: limits are small. */
	const store_hit **best = calloc(limit, sizeof *best);
	if (!best) {
		set_err(err, n, "out of memory");
		return -1;
	}
	size_t kept = 0;
	pthread_rwlock_rdlock(&s->index_lock);
	for (size_t i = 0; i < s->n_entries; i++) {
		const entry *e = &s->entries[i];
		if (e->deleted || e->hit.start_ns < req->from_ns || e->hit.start_ns > req->to_ns)
			continue;
		if (kept == limit && !hit_before(&e->hit, best[kept - 1], req->sort, req->descending))
			continue;
		query_subject subj = {e->tag_ptrs, e->hit.n_tags, e->attrs, 3};
		if (req->query && !query_match(req->query, &subj))
			continue;
		size_t at = kept < limit ? kept++ : limit - 1;
		while (at > 0 && hit_before(&e->hit, best[at - 1], req->sort, req->descending)) {
			best[at] = best[at - 1];
			at--;
		}
		best[at] = &e->hit;
	}
	store_hit *hits = calloc(kept ? kept : 1, sizeof *hits);
	int rc = hits ? 0 : -1;
	for (size_t i = 0; i < kept && !rc; i++)
		rc = copy_hit(&hits[i], best[i], req->ids_only);
	pthread_rwlock_unlock(&s->index_lock);
	free(best);
	if (rc) {
		store_hits_free(hits, kept);
		set_err(err, n, "out of memory");
		return -1;
	}
	*out = hits;
	*n_out = kept;
	return 0;
}

typedef struct page_order {
	store_sort sort;
	bool desc;
} page_order;

static int by_page_order(const void *a, const void *b, void *ctx)
{
	const page_order *o = ctx;
	const store_hit *x = *(const store_hit *const *)a, *y = *(const store_hit *const *)b;
	return hit_before(x, y, o->sort, o->desc) ? -1 : hit_before(y, x, o->sort, o->desc) ? 1 : 0;
}

int store_search_page(pgo_store *s, const store_search_request *req, size_t offset, store_hit **out, size_t *n_out,
                      size_t *total, char *err, size_t n)
{
	*out = NULL;
	*n_out = 0;
	*total = 0;
	pthread_rwlock_rdlock(&s->index_lock);
	const store_hit **all = malloc((s->n_entries ? s->n_entries : 1) * sizeof *all);
	size_t m = 0;
	for (size_t i = 0; all && i < s->n_entries; i++) {
		const entry *e = &s->entries[i];
		if (e->deleted || e->hit.start_ns < req->from_ns || e->hit.start_ns > req->to_ns)
			continue;
		query_subject subj = {e->tag_ptrs, e->hit.n_tags, e->attrs, 3};
		if (req->query && !query_match(req->query, &subj))
			continue;
		all[m++] = &e->hit;
	}
	page_order po = {req->sort, req->descending};
	size_t lo = 0, hi = m;
	if (all) {
		qsort_r(all, m, sizeof *all, by_page_order, &po);
		lo = offset < m ? offset : m;
		hi = req->limit < m - lo ? lo + req->limit : m;
	}
	store_hit *hits = all ? calloc(hi - lo ? hi - lo : 1, sizeof *hits) : NULL;
	int rc = hits ? 0 : -1;
	for (size_t i = lo; i < hi && !rc; i++)
		rc = copy_hit(&hits[i - lo], all[i], req->ids_only);
	pthread_rwlock_unlock(&s->index_lock);
	free(all);
	if (rc) {
		store_hits_free(hits, hi - lo);
		set_err(err, n, "out of memory");
		return -1;
	}
	*out = hits;
	*n_out = hi - lo;
	*total = m;
	return 0;
}

size_t store_each(pgo_store *s, int64_t from_ns, int64_t to_ns, const pgo_query *query,
                  int (*visit)(void *ctx, const store_hit *hit), void *ctx)
{
	size_t seen = 0;
	pthread_rwlock_rdlock(&s->index_lock);
	for (size_t i = 0; i < s->n_entries; i++) {
		const entry *e = &s->entries[i];
		if (e->deleted || e->hit.start_ns < from_ns || e->hit.start_ns > to_ns)
			continue;
		query_subject subj = {e->tag_ptrs, e->hit.n_tags, e->attrs, 3};
		if (query && !query_match(query, &subj))
			continue;
		seen++;
		if (visit(ctx, &e->hit))
			break;
	}
	pthread_rwlock_unlock(&s->index_lock);
	return seen;
}

void store_hits_free(store_hit *hits, size_t n)
{
	for (size_t i = 0; hits && i < n; i++) {
		free(hits[i].service);
		free(hits[i].endpoint_counts);
		for (size_t k = 0; hits[i].tags && k < hits[i].n_tags; k++)
			free(hits[i].tags[k]);
		free(hits[i].tags);
	}
	free(hits);
}

static sqlite3 *pool_take(pgo_store *s, char *err, size_t n)
{
	sqlite3 *db = NULL;
	pthread_mutex_lock(&s->pool_lock);
	if (s->pool_n > 0)
		db = s->pool[--s->pool_n];
	pthread_mutex_unlock(&s->pool_lock);
	if (!db && open_db(s->path, SQLITE_OPEN_READONLY, &db, err, n))
		return NULL;
	return db;
}

static void pool_give(pgo_store *s, sqlite3 *db)
{
	pthread_mutex_lock(&s->pool_lock);
	if (s->pool_n < READ_POOL) {
		s->pool[s->pool_n++] = db;
		db = NULL;
	}
	pthread_mutex_unlock(&s->pool_lock);
	sqlite3_close(db);
}

/* One upload's attachments (name NULL: all), sorted by name; their bytes
 * only with with_data, so that listing names reads no blob. */
static int read_attachments(pgo_store *s, const char *profile_id, const char *event_id, const char *name,
                            bool with_data, store_attachment **out, size_t *n_out, char *err, size_t n)
{
	*out = NULL;
	*n_out = 0;
	sqlite3 *db = pool_take(s, err, n);
	if (!db)
		return -1;
	sqlite3_stmt *st = NULL;
	/* CASE reads the blob only when it is wanted. */
	const char *sql = "SELECT a.name, CASE WHEN ?4 THEN a.data END FROM attachments a JOIN uploads u ON u.id = a.upload_id"
	                  " WHERE u.profile_id = ?1 AND (?2 IS NULL OR u.event_id = ?2) AND (?3 IS NULL OR a.name = ?3)"
	                  " ORDER BY a.name";
	int rc = -1;
	store_attachment *list = NULL;
	size_t count = 0, cap = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		set_err(err, n, "%s", sqlite3_errmsg(db));
		goto done;
	}
	sqlite3_bind_text(st, 1, profile_id, -1, SQLITE_STATIC);
	if (event_id)
		sqlite3_bind_text(st, 2, event_id, -1, SQLITE_STATIC);
	if (name)
		sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, with_data);
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (count == cap) {
			cap = cap ? cap * 2 : 8;
			store_attachment *nl = realloc(list, cap * sizeof *nl);
			if (!nl) {
				set_err(err, n, "out of memory");
				goto done;
			}
			list = nl;
		}
		const void *blob = sqlite3_column_blob(st, 1);
		size_t size = (size_t)sqlite3_column_bytes(st, 1);
		store_attachment *a = &list[count];
		a->name = strdup((const char *)sqlite3_column_text(st, 0));
		a->data = malloc(size ? size : 1);
		a->size = size;
		if (!a->name || !a->data) {
			free(a->name);
			free(a->data);
			set_err(err, n, "out of memory");
			goto done;
		}
		if (size)
			memcpy(a->data, blob, size);
		count++;
	}
	if (step != SQLITE_DONE) {
		set_err(err, n, "reading attachments: %s", sqlite3_errmsg(db));
		goto done;
	}
	rc = 0;
done:
	sqlite3_finalize(st);
	pool_give(s, db);
	if (rc) {
		store_attachments_free(list, count);
		return rc;
	}
	*out = list;
	*n_out = count;
	return 0;
}

int store_attachments(pgo_store *s, const char *profile_id, const char *event_id, const char *name,
                      store_attachment **out, size_t *n_out, char *err, size_t n)
{
	return read_attachments(s, profile_id, event_id, name, true, out, n_out, err, n);
}

int store_attachment_names(pgo_store *s, const char *profile_id, const char *event_id, char ***out, size_t *n_out,
                           char *err, size_t n)
{
	store_attachment *a = NULL;
	size_t count = 0;
	*out = NULL;
	*n_out = 0;
	if (read_attachments(s, profile_id, event_id, NULL, false, &a, &count, err, n))
		return -1;
	char **names = malloc((count ? count : 1) * sizeof *names);
	if (!names) {
		store_attachments_free(a, count);
		set_err(err, n, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < count; i++) {
		names[i] = a[i].name; /* moved, not copied */
		a[i].name = NULL;
	}
	store_attachments_free(a, count);
	*out = names;
	*n_out = count;
	return 0;
}

void store_names_free(char **names, size_t n)
{
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

void store_attachments_free(store_attachment *a, size_t n)
{
	for (size_t i = 0; a && i < n; i++) {
		free(a[i].name);
		free(a[i].data);
	}
	free(a);
}

int store_disk_bytes(pgo_store *s, uint64_t *used, uint64_t *file, char *err, size_t err_size)
{
	sqlite3 *db = pool_take(s, err, err_size);
	if (!db)
		return -1;
	int64_t v[3] = {0, 0, 0};
	const char *sql[] = {"PRAGMA page_count", "PRAGMA freelist_count", "PRAGMA page_size"};
	int rc = 0;
	for (int k = 0; k < 3 && !rc; k++) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(db, sql[k], -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW)
			rc = -1;
		else
			v[k] = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	if (rc)
		set_err(err, err_size, "%s: %s", s->path, sqlite3_errmsg(db));
	pool_give(s, db);
	*used = (uint64_t)(v[0] - v[1]) * (uint64_t)v[2];
	*file = (uint64_t)v[0] * (uint64_t)v[2];
	return rc;
}
