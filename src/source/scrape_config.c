/* The scrape targets file; see scrape_config.h. */
#define _DEFAULT_SOURCE
#include "scrape_config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "timefmt.h"

#define MAX_STRING 4096
#define MAX_DEPTH 8
#define NS_PER_S 1000000000LL

typedef struct reader {
	const char *path;
	char dir[4096]; /* the file's directory, for relative file names */
	yaml_document_t doc;
	char *err;
	size_t err_size;
	scrape_config *out;
	size_t cap;
} reader;

static int fail_at(reader *r, const yaml_node_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail_at(reader *r, const yaml_node_t *n, const char *fmt, ...)
{
	int used = n ? snprintf(r->err, r->err_size, "%s:%zu:%zu: ", r->path, n->start_mark.line + 1,
	                        n->start_mark.column + 1)
	             : snprintf(r->err, r->err_size, "%s: ", r->path);
	if (used < 0 || (size_t)used >= r->err_size)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err + used, r->err_size - (size_t)used, fmt, ap);
	va_end(ap);
	return -1;
}

static yaml_node_t *node(reader *r, int id)
{
	return yaml_document_get_node(&r->doc, id);
}

static const char *kind(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE ? "a single value" : n->type == YAML_SEQUENCE_NODE ? "a list" : "a mapping";
}

/* A scalar's text, which must be plain: no NUL or control character. */
static int scalar(reader *r, const yaml_node_t *n, const char *what, const char **out)
{
	if (n->type != YAML_SCALAR_NODE)
		return fail_at(r, n, "%s must be a single value, not %s", what, kind(n));
	size_t len = n->data.scalar.length;
	const char *s = (const char *)n->data.scalar.value;
	if (len > MAX_STRING)
		return fail_at(r, n, "%s is %zu bytes; the limit is %d", what, len, MAX_STRING);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return fail_at(r, n, "%s has a control character at byte %zu", what, i + 1);
	*out = s;
	return 0;
}

static int dup_scalar(reader *r, const yaml_node_t *n, const char *what, char **out)
{
	const char *s = NULL;
	if (scalar(r, n, what, &s))
		return -1;
	free(*out);
	if (!(*out = strdup(s)))
		return fail_at(r, n, "out of memory");
	return 0;
}

static int boolean(reader *r, const yaml_node_t *n, const char *what, bool *out)
{
	const char *s = NULL;
	if (scalar(r, n, what, &s))
		return -1;
	if (!strcmp(s, "true") || !strcmp(s, "false")) {
		*out = s[0] == 't';
		return 0;
	}
	return fail_at(r, n, "%s must be true or false, not '%.40s'", what, s);
}

/* The contents of a file named in the config (a token or a password), relative to its directory. */
static int secret_file(reader *r, const yaml_node_t *n, const char *what, char **out)
{
	const char *name;
	if (scalar(r, n, what, &name))
		return -1;
	char path[8192];
	snprintf(path, sizeof path, "%s%s%s", name[0] == '/' ? "" : r->dir, name[0] == '/' ? "" : "/", name);
	FILE *f = fopen(path, "r");
	if (!f)
		return fail_at(r, n, "%s %s: %s", what, path, strerror(errno));
	char buf[MAX_STRING + 2];
	size_t len = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	if (len > MAX_STRING)
		return fail_at(r, n, "%s %s is over %d bytes", what, path, MAX_STRING);
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	buf[len] = '\0';
	if (!len || strlen(buf) != len || strpbrk(buf, "\r\n"))
		return fail_at(r, n, "%s %s must hold one line, the secret itself", what, path);
	free(*out);
	if (!(*out = strdup(buf)))
		return fail_at(r, n, "out of memory");
	return 0;
}

/* Calls fn for every key of a mapping; fn returns 1 for a key it does not know. */
typedef int (*field_fn)(reader *r, const char *key, yaml_node_t *value, void *ctx);
static int fields(reader *r, yaml_node_t *map, const char *what, const char *known, field_fn fn, void *ctx)
{
	if (map->type != YAML_MAPPING_NODE)
		return fail_at(r, map, "%s must be a mapping (key: value lines), not %s", what, kind(map));
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(r, p->key), *v = node(r, p->value);
		const char *key = NULL;
		if (!k || !v || scalar(r, k, "a key", &key))
			return -1;
		for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *k2 = node(r, q->key);
			if (k2 && k2->type == YAML_SCALAR_NODE && !strcmp((const char *)k2->data.scalar.value, key))
				return fail_at(r, k, "%s: '%s' appears twice", what, key);
		}
		int rc = fn(r, key, v, ctx);
		if (rc == 1)
			return fail_at(r, k, "%s: unknown key '%.60s'; the keys are %s", what, key, known);
		if (rc)
			return -1;
	}
	return 0;
}

/* ---- one job ------------------------------------------------------------------ */

typedef struct job {
	yaml_node_t *at;
	char *name, *scheme, *path;
	int64_t interval_ns;
	int seconds;
	yaml_node_t *seconds_at;
	char *bearer, *username, *password;
	char *ca_file, *cert_file, *key_file;
	bool insecure, bearer_given, password_given;
	yaml_node_t *statics;
} job;

static void job_free(job *j)
{
	free(j->name);
	free(j->scheme);
	free(j->path);
	free(j->bearer);
	free(j->username);
	free(j->password);
	free(j->ca_file);
	free(j->cert_file);
	free(j->key_file);
}

static int basic_auth_field(reader *r, const char *key, yaml_node_t *v, void *ctx)
{
	job *j = ctx;
	if (!strcmp(key, "username"))
		return dup_scalar(r, v, "basic_auth.username", &j->username);
	if (!strcmp(key, "password") || !strcmp(key, "password_file")) {
		if (j->password_given)
			return fail_at(r, v, "basic_auth: give password or password_file, not both");
		j->password_given = true;
		return key[8] ? secret_file(r, v, "basic_auth.password_file", &j->password)
		              : dup_scalar(r, v, "basic_auth.password", &j->password);
	}
	return 1;
}

static int tls_field(reader *r, const char *key, yaml_node_t *v, void *ctx)
{
	job *j = ctx;
	if (!strcmp(key, "ca_file"))
		return dup_scalar(r, v, "tls_config.ca_file", &j->ca_file);
	if (!strcmp(key, "cert_file"))
		return dup_scalar(r, v, "tls_config.cert_file", &j->cert_file);
	if (!strcmp(key, "key_file"))
		return dup_scalar(r, v, "tls_config.key_file", &j->key_file);
	if (!strcmp(key, "insecure_skip_verify"))
		return boolean(r, v, "tls_config.insecure_skip_verify", &j->insecure);
	return 1;
}

static int job_field(reader *r, const char *key, yaml_node_t *v, void *ctx)
{
	job *j = ctx;
	const char *s = NULL;
	if (!strcmp(key, "job_name"))
		return dup_scalar(r, v, "job_name", &j->name);
	if (!strcmp(key, "scrape_interval")) {
		if (scalar(r, v, "scrape_interval", &s))
			return -1;
		if (go_duration_parse(s, &j->interval_ns) || j->interval_ns < NS_PER_S || j->interval_ns > 24 * 3600 * NS_PER_S)
			return fail_at(r, v, "scrape_interval '%.40s': want a duration from 1s to 24h, such as 60s or 5m", s);
		return 0;
	}
	if (!strcmp(key, "profile_seconds")) {
		if (scalar(r, v, "profile_seconds", &s))
			return -1;
		char *end;
		errno = 0;
		long n = strtol(s, &end, 10);
		if (errno || end == s || *end || n < 1 || n > 3600)
			return fail_at(r, v, "profile_seconds '%.40s': want a whole number of seconds from 1 to 3600", s);
		j->seconds = (int)n;
		j->seconds_at = v;
		return 0;
	}
	if (!strcmp(key, "scheme")) {
		if (dup_scalar(r, v, "scheme", &j->scheme))
			return -1;
		return strcmp(j->scheme, "http") && strcmp(j->scheme, "https")
		           ? fail_at(r, v, "scheme '%.40s': want http or https", j->scheme) : 0;
	}
	if (!strcmp(key, "profile_path")) {
		if (dup_scalar(r, v, "profile_path", &j->path))
			return -1;
		return j->path[0] != '/' || strpbrk(j->path, "?# ")
		           ? fail_at(r, v, "profile_path '%.60s': want a path that starts with / and has no ?, # or space",
		                     j->path) : 0;
	}
	if (!strcmp(key, "bearer_token") || !strcmp(key, "bearer_token_file")) {
		if (j->bearer_given)
			return fail_at(r, v, "give bearer_token or bearer_token_file, not both");
		j->bearer_given = true;
		return key[12] ? secret_file(r, v, "bearer_token_file", &j->bearer) : dup_scalar(r, v, "bearer_token", &j->bearer);
	}
	if (!strcmp(key, "basic_auth"))
		return fields(r, v, "basic_auth", "username, password, password_file", basic_auth_field, j);
	if (!strcmp(key, "tls_config"))
		return fields(r, v, "tls_config", "ca_file, cert_file, key_file, insecure_skip_verify", tls_field,
		              j);
	if (!strcmp(key, "static_configs")) {
		if (v->type != YAML_SEQUENCE_NODE)
			return fail_at(r, v, "static_configs must be a list, not %s", kind(v));
		j->statics = v;
		return 0;
	}
	return 1;
}

/* ---- targets ------------------------------------------------------------------ */

static char *dup_or_null(const char *s, bool *oom)
{
	char *d = s ? strdup(s) : NULL;
	if (s && !d)
		*oom = true;
	return d;
}

static bool label_key_ok(const char *k)
{
	if (!((k[0] >= 'a' && k[0] <= 'z') || (k[0] >= 'A' && k[0] <= 'Z') || k[0] == '_'))
		return false;
	for (const char *p = k; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("_.-/", *p)))
			return false;
	return true;
}

typedef struct static_ctx {
	job *j;
	yaml_node_t *targets, *labels;
} static_ctx;

static int static_field(reader *r, const char *key, yaml_node_t *v, void *ctx)
{
	static_ctx *c = ctx;
	if (!strcmp(key, "targets")) {
		if (v->type != YAML_SEQUENCE_NODE)
			return fail_at(r, v, "targets must be a list of host:port, not %s", kind(v));
		c->targets = v;
		return 0;
	}
	if (!strcmp(key, "labels")) {
		if (v->type != YAML_MAPPING_NODE)
			return fail_at(r, v, "labels must be a mapping (name: value), not %s", kind(v));
		c->labels = v;
		return 0;
	}
	return 1;
}

/* Tags from the labels: service (the label, else the job's name) first. */
static int make_tags(reader *r, const job *j, yaml_node_t *labels, char ***out, size_t *n_out)
{
	size_t n_labels = labels ? (size_t)(labels->data.mapping.pairs.top - labels->data.mapping.pairs.start) : 0;
	if (n_labels > SCRAPE_MAX_LABELS)
		return fail_at(r, labels, "%zu labels; the limit is %d", n_labels, SCRAPE_MAX_LABELS);
	char **tags = calloc(n_labels + 1, sizeof *tags);
	if (!tags)
		return fail_at(r, labels, "out of memory");
	size_t n = 1;
	const char *service = j->name;
	int rc = 0;
	for (size_t i = 0; i < n_labels && !rc; i++) {
		yaml_node_pair_t *p = labels->data.mapping.pairs.start + i;
		yaml_node_t *k = node(r, p->key), *v = node(r, p->value);
		const char *key, *value;
		if (!k || !v || scalar(r, k, "a label name", &key) || scalar(r, v, "a label value", &value)) {
			rc = -1;
			break;
		}
		if (!label_key_ok(key))
			rc = fail_at(r, k, "label name '%.60s': want letters, digits, _ . - or /, starting with a letter or _",
			             key);
		else if (!*value || strchr(value, ','))
			rc = fail_at(r, v, "label %s: the value must be non-empty and have no comma", key);
		else if (strlen(key) + strlen(value) > 500)
			rc = fail_at(r, v, "label %s: name and value over 500 bytes", key);
		else if (!strcmp(key, "service"))
			service = value;
		else {
			size_t len = strlen(key) + strlen(value) + 2;
			if (!(tags[n] = malloc(len)))
				rc = fail_at(r, v, "out of memory");
			else
				snprintf(tags[n++], len, "%s:%s", key, value);
		}
	}
	if (!rc) {
		size_t len = strlen(service) + 9;
		if (!(tags[0] = malloc(len)))
			rc = fail_at(r, labels, "out of memory");
		else
			snprintf(tags[0], len, "service:%s", service);
	}
	if (rc) {
		for (size_t i = 0; i < n; i++)
			free(tags[i]);
		free(tags);
		return -1;
	}
	*out = tags;
	*n_out = n;
	return 0;
}

void scrape_target_free(scrape_target *t)
{
	free(t->job);
	free(t->url);
	for (size_t i = 0; i < t->n_tags; i++)
		free(t->tags[i]);
	free(t->tags);
	free(t->bearer_token);
	free(t->username);
	free(t->password);
	free(t->ca_file);
	free(t->cert_file);
	free(t->key_file);
}

static int add_target(reader *r, const job *j, yaml_node_t *hostport_node, const char *hostport, yaml_node_t *labels)
{
	const char *colon = strrchr(hostport, ':');
	char *end = NULL;
	long port = colon ? strtol(colon + 1, &end, 10) : 0;
	if (!*hostport || strpbrk(hostport, "/?#@ \t") || strlen(hostport) > 255 || !colon || colon == hostport ||
	    !colon[1] || *end || port < 1 || port > 65535 || colon[1] == '+' || colon[1] == '-')
		return fail_at(r, hostport_node, "target '%.60s': want host:port (no scheme, path or user)", hostport);
	if (r->out->n_targets == SCRAPE_MAX_TARGETS)
		return fail_at(r, hostport_node, "more than %d targets", SCRAPE_MAX_TARGETS);
	if (r->out->n_targets == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		scrape_target *t = realloc(r->out->targets, cap * sizeof *t);
		if (!t)
			return fail_at(r, hostport_node, "out of memory");
		r->out->targets = t;
		r->cap = cap;
	}
	scrape_target *t = &r->out->targets[r->out->n_targets];
	memset(t, 0, sizeof *t);
	size_t len = strlen(j->scheme) + strlen(hostport) + strlen(j->path) + 32;
	bool oom = !(t->url = malloc(len));
	if (!oom)
		snprintf(t->url, len, "%s://%s%s?seconds=%d", j->scheme, hostport, j->path, j->seconds);
	t->job = dup_or_null(j->name, &oom);
	t->bearer_token = dup_or_null(j->bearer, &oom);
	t->username = dup_or_null(j->username, &oom);
	t->password = dup_or_null(j->password, &oom);
	t->ca_file = dup_or_null(j->ca_file, &oom);
	t->cert_file = dup_or_null(j->cert_file, &oom);
	t->key_file = dup_or_null(j->key_file, &oom);
	t->insecure_skip_verify = j->insecure;
	t->interval_ns = j->interval_ns;
	t->profile_seconds = j->seconds;
	if (oom || make_tags(r, j, labels, &t->tags, &t->n_tags)) {
		scrape_target_free(t);
		return oom ? fail_at(r, hostport_node, "out of memory") : -1;
	}
	r->out->n_targets++;
	return 0;
}

static int read_job(reader *r, yaml_node_t *n)
{
	job j = {.at = n, .interval_ns = 60 * NS_PER_S, .seconds = 10};
	int rc = fields(r, n, "a scrape_configs entry",
	                "job_name, scrape_interval, profile_seconds, scheme, profile_path, bearer_token, "
	                "bearer_token_file, basic_auth, tls_config, static_configs",
	                job_field, &j);
	if (!rc && !j.name)
		rc = fail_at(r, n, "a scrape_configs entry needs a job_name");
	if (!rc && (!*j.name || strpbrk(j.name, ",:")))
		rc = fail_at(r, n, "job_name '%.60s' must be non-empty, with no comma or colon", j.name);
	if (!rc && !j.statics)
		rc = fail_at(r, n, "job %s has no static_configs: nothing to scrape", j.name);
	if (!rc && (int64_t)j.seconds * NS_PER_S >= j.interval_ns)
		rc = fail_at(r, j.seconds_at ? j.seconds_at : n,
		             "job %s: profile_seconds (%d) must be shorter than scrape_interval (%llds)", j.name, j.seconds,
		             (long long)(j.interval_ns / NS_PER_S));
	if (!rc && j.username && !j.password)
		rc = fail_at(r, n, "job %s: basic_auth needs password or password_file", j.name);
	if (!rc && (j.cert_file != NULL) != (j.key_file != NULL))
		rc = fail_at(r, n, "job %s: tls_config needs cert_file and key_file together", j.name);
	if (!rc && !j.scheme && !(j.scheme = strdup("http")))
		rc = fail_at(r, n, "out of memory");
	if (!rc && !j.path && !(j.path = strdup("/debug/pprof/profile")))
		rc = fail_at(r, n, "out of memory");
	for (yaml_node_item_t *it = rc ? NULL : j.statics->data.sequence.items.start;
	     it && it < j.statics->data.sequence.items.top && !rc; it++) {
		yaml_node_t *s = node(r, *it);
		static_ctx c = {.j = &j};
		if (!s || (rc = fields(r, s, "a static_configs entry", "targets, labels", static_field, &c)))
			break;
		if (!c.targets) {
			rc = fail_at(r, s, "a static_configs entry needs targets");
			break;
		}
		for (yaml_node_item_t *t = c.targets->data.sequence.items.start; t < c.targets->data.sequence.items.top && !rc;
		     t++) {
			yaml_node_t *tn = node(r, *t);
			const char *hostport = NULL;
			rc = !tn || scalar(r, tn, "a target", &hostport) ? -1 : add_target(r, &j, tn, hostport, c.labels);
		}
	}
	job_free(&j);
	return rc;
}

static int top_field(reader *r, const char *key, yaml_node_t *v, void *ctx)
{
	(void)ctx;
	if (strcmp(key, "scrape_configs"))
		return 1;
	if (v->type != YAML_SEQUENCE_NODE)
		return fail_at(r, v, "scrape_configs must be a list of jobs, not %s", kind(v));
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		yaml_node_t *j = node(r, *it);
		if (!j || read_job(r, j))
			return -1;
	}
	return 0;
}

/* Targets compare by URL without the query: one endpoint scraped by two
 * jobs, whatever their profile_seconds, would store every period twice. */
static int endpoint_cmp(const scrape_target *x, const scrape_target *y)
{
	size_t a = strcspn(x->url, "?"), b = strcspn(y->url, "?");
	int c = strncmp(x->url, y->url, a < b ? a : b);
	return c ? c : (a > b) - (a < b);
}

static int by_url(const void *a, const void *b)
{
	return endpoint_cmp(a, b);
}

/* Anchors and aliases would let a small file name a huge tree; a scrape
 * list has no use for them. */
static int no_aliases(reader *r, const char *text, size_t len)
{
	yaml_parser_t p;
	yaml_event_t e;
	if (!yaml_parser_initialize(&p))
		return fail_at(r, NULL, "out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	int rc = 0, depth = 0;
	for (bool done = false; !done && !rc;) {
		if (!yaml_parser_parse(&p, &e)) {
			rc = -1;
			snprintf(r->err, r->err_size, "%s:%zu:%zu: not YAML: %s%s%s", r->path, p.problem_mark.line + 1,
			         p.problem_mark.column + 1, p.problem ? p.problem : "a syntax error",
			         p.context ? " " : "", p.context ? p.context : "");
			break;
		}
		size_t line = e.start_mark.line + 1, col = e.start_mark.column + 1;
		switch (e.type) {
		case YAML_ALIAS_EVENT:
			rc = -1;
			snprintf(r->err, r->err_size, "%s:%zu:%zu: aliases (*name) are not allowed here", r->path, line, col);
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > MAX_DEPTH) {
				rc = -1;
				snprintf(r->err, r->err_size, "%s:%zu:%zu: nested deeper than %d levels", r->path, line, col,
				         MAX_DEPTH);
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&e);
	}
	yaml_parser_delete(&p);
	return rc;
}

int scrape_config_load(const char *path, scrape_config *out, char *err, size_t err_size)
{
	memset(out, 0, sizeof *out);
	reader r = {.path = path, .err = err, .err_size = err_size, .out = out};
	const char *slash = strrchr(path, '/');
	snprintf(r.dir, sizeof r.dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	if (slash == path)
		snprintf(r.dir, sizeof r.dir, "/");
	FILE *f = fopen(path, "r");
	if (!f)
		return fail_at(&r, NULL, "cannot open it: %s", strerror(errno));
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && !S_ISREG(st.st_mode)) {
		fclose(f);
		return fail_at(&r, NULL, "not a regular file");
	}
	char *text = malloc(SCRAPE_MAX_FILE + 1);
	if (!text) {
		fclose(f);
		return fail_at(&r, NULL, "out of memory");
	}
	size_t len = fread(text, 1, SCRAPE_MAX_FILE + 1, f);
	bool bad = ferror(f);
	fclose(f);
	if (bad || len > SCRAPE_MAX_FILE) {
		free(text);
		return bad ? fail_at(&r, NULL, "read failed") : fail_at(&r, NULL, "over %u bytes", SCRAPE_MAX_FILE);
	}
	if (memchr(text, '\0', len)) {
		free(text);
		return fail_at(&r, NULL, "has a NUL byte: not a text file");
	}
	int rc = no_aliases(&r, text, len);
	yaml_parser_t p;
	if (!rc && !yaml_parser_initialize(&p))
		rc = fail_at(&r, NULL, "out of memory");
	if (!rc) {
		yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
		if (!yaml_parser_load(&p, &r.doc)) {
			rc = fail_at(&r, NULL, "not YAML: %s", p.problem ? p.problem : "a syntax error");
		} else {
			yaml_node_t *root = yaml_document_get_root_node(&r.doc);
			if (!root)
				rc = fail_at(&r, NULL, "empty: want scrape_configs: with a list of jobs");
			else
				rc = fields(&r, root, "the file", "scrape_configs", top_field, NULL);
			if (!rc && out->n_targets == 0)
				rc = fail_at(&r, root, "no targets: want scrape_configs: with jobs that list static_configs targets");
			if (!rc) {
				/* Only one document: a second would be silently ignored. */
				yaml_document_t next;
				if (yaml_parser_load(&p, &next)) {
					bool more = yaml_document_get_root_node(&next) != NULL;
					yaml_document_delete(&next);
					if (more)
						rc = fail_at(&r, NULL, "has more than one YAML document (---); put every job in one");
				}
			}
			yaml_document_delete(&r.doc);
		}
		yaml_parser_delete(&p);
	}
	free(text);
	if (!rc && out->n_targets > 1) {
		/* One URL scraped twice would store every profile twice. */
		scrape_target *sorted = malloc(out->n_targets * sizeof *sorted);
		if (!sorted)
			rc = fail_at(&r, NULL, "out of memory");
		else {
			memcpy(sorted, out->targets, out->n_targets * sizeof *sorted);
			qsort(sorted, out->n_targets, sizeof *sorted, by_url);
			for (size_t i = 1; i < out->n_targets && !rc; i++)
				if (!endpoint_cmp(&sorted[i], &sorted[i - 1]))
					rc = fail_at(&r, NULL, "%.*s is listed twice (jobs %s and %s): each target once",
					             (int)strcspn(sorted[i].url, "?"), sorted[i].url, sorted[i - 1].job, sorted[i].job);
			free(sorted);
		}
	}
	if (rc)
		scrape_config_free(out);
	return rc;
}

void scrape_config_free(scrape_config *c)
{
	for (size_t i = 0; i < c->n_targets; i++)
		scrape_target_free(&c->targets[i]);
	free(c->targets);
	memset(c, 0, sizeof *c);
}
