/*
 * Profile intake: the multipart upload that dd-trace-go sends to an agent
 * (an "event" part with event.json, and one file part per attachment),
 * parsed with libmicrohttpd's post processor, stored durably before 200.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "pgo.h"
#include "timefmt.h"
#include "utf8.h"

#define MAX_PARTS 32
/* A CPU profile decompresses to a few MB; far more is a bomb, and every
 * connection may hold one at a time. */
#define INTAKE_MAX_PROFILE ((size_t)64 << 20)
/* Documented limits on what an uploader may tag; the store's own tags
 * (profile-id, env from default_env, language) come on top and are always kept. */
#define MAX_TAGS 256
#define MAX_TAG_BYTES 512
#define OWN_TAGS 4

typedef struct part {
	char *name;
	char *data;
	size_t len, cap;
} part;

typedef struct upload_parts {
	part parts[MAX_PARTS];
	int n;
	bool too_many;
	bool oom;
} upload_parts;

void intake_free(request *r)
{
	if (r->post)
		MHD_destroy_post_processor(r->post);
	r->post = NULL;
	if (!r->parts)
		return;
	for (int i = 0; i < r->parts->n; i++) {
		free(r->parts->parts[i].name);
		free(r->parts->parts[i].data);
	}
	free(r->parts);
	r->parts = NULL;
}

static enum MHD_Result on_part(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
                               const char *content_type, const char *transfer_encoding, const char *data,
                               uint64_t off, size_t size)
{
	(void)kind;
	(void)filename;
	(void)content_type;
	(void)transfer_encoding;
	upload_parts *u = cls;
	if (!key)
		return MHD_YES;
	part *p = NULL;
	/* A part arrives in pieces; off 0 starts a new one. */
	if (off == 0 || u->n == 0 || strcmp(u->parts[u->n - 1].name, key) != 0) {
		if (u->n == MAX_PARTS) {
			u->too_many = true;
			return MHD_NO;
		}
		p = &u->parts[u->n];
		if (!(p->name = strdup(key))) {
			u->oom = true;
			return MHD_NO;
		}
		u->n++;
	} else {
		p = &u->parts[u->n - 1];
	}
	if (p->len + size > p->cap) {
		size_t cap = p->cap ? p->cap : 4096;
		while (cap < p->len + size)
			cap *= 2;
		char *d = realloc(p->data, cap + 1);
		if (!d) {
			u->oom = true;
			return MHD_NO;
		}
		p->data = d;
		p->cap = cap;
	}
	if (size)
		memcpy(p->data + p->len, data, size);
	p->len += size;
	p->data[p->len] = '\0';
	return MHD_YES;
}

static const part *find_part(const upload_parts *u, const char *name)
{
	for (int i = 0; i < u->n; i++)
		if (strcmp(u->parts[i].name, name) == 0)
			return &u->parts[i];
	return NULL;
}

typedef struct tag_list {
	char *items[MAX_TAGS + OWN_TAGS];
	size_t n;
	char why[200]; /* why a tag was refused, for the 400 */
} tag_list;

static bool has_key(const tag_list *t, const char *key)
{
	size_t n = strlen(key);
	for (size_t i = 0; i < t->n; i++)
		if (strncmp(t->items[i], key, n) == 0 && t->items[i][n] == ':')
			return true;
	return false;
}

static const char *value_of(const tag_list *t, const char *key)
{
	size_t n = strlen(key);
	for (size_t i = 0; i < t->n; i++)
		if (strncmp(t->items[i], key, n) == 0 && t->items[i][n] == ':')
			return t->items[i] + n + 1;
	return NULL;
}

/* Set while the store adds its own profile-id tag. */
static _Thread_local bool allow_profile_id;

/*
 * Adds one tag, trimmed. Returns 0 (also for a tag dropped as a duplicate,
 * empty, with control characters, or a profile-id the uploader made up),
 * -1 out of memory, or -2 for a tag past the limits or not UTF-8, with
 * t->why. own marks the store's tags, which the count limit does not touch.
 */
static int add_tag(tag_list *t, const char *s, size_t len, bool own)
{
	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (!len)
		return 0;
	/* Control characters would forge tags in storage (one tag a line), and
	 * profile-id is the store's to give. */
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	if (len >= 11 && strncmp(s, "profile-id:", 11) == 0 && !allow_profile_id)
		return 0;
	for (size_t i = 0; i < t->n; i++)
		if (strlen(t->items[i]) == len && strncmp(t->items[i], s, len) == 0)
			return 0; /* the agent repeats host: and the like */
	if (len > MAX_TAG_BYTES) {
		snprintf(t->why, sizeof t->why, "tag '%.40s...' is %zu bytes; the limit is %d", s, len, MAX_TAG_BYTES);
		return -2;
	}
	/* Searches match text: a tag that is not UTF-8 could be stored but never listed. */
	if (!utf8_valid((const unsigned char *)s, len)) {
		snprintf(t->why, sizeof t->why, "tag %zu is not UTF-8", t->n + 1);
		return -2;
	}
	if (t->n >= (own ? MAX_TAGS + OWN_TAGS : MAX_TAGS)) {
		snprintf(t->why, sizeof t->why, "more than %d tags; the limit is %d", MAX_TAGS, MAX_TAGS);
		return -2;
	}
	if (!(t->items[t->n] = strndup(s, len)))
		return -1;
	t->n++;
	return 0;
}

static int split_tags(tag_list *t, const char *text)
{
	while (text && *text) {
		size_t n = strcspn(text, ",");
		int rc = add_tag(t, text, n, false);
		if (rc)
			return rc;
		text += n + (text[n] == ',');
	}
	return 0;
}

/* CPU seconds used per second: the sum of cpu/nanoseconds over the
 * profile's duration, as Datadog computes core_cpu_cores. */
#define INTAKE_MAX_AHEAD_NS (24LL * 3600 * 1000000000)
#define INTAKE_MAX_PERIOD_NS (24LL * 3600 * 1000000000)

static int64_t intake_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* More cores than any machine a profile comes from has. */
#define INTAKE_MAX_CORES 4096

static int cpu_metrics(const part *cpu, store_upload *u, char *err, size_t n)
{
	pgo_profile *p = NULL;
	pgo_error e = {0};
	pgo_limits limits;
	pgo_limits_default(&limits);
	limits.max_decompressed_bytes = INTAKE_MAX_PROFILE;
	if (pgo_decode((const uint8_t *)cpu->data, cpu->len, "cpu.pprof", &limits, &p, &e)) {
		snprintf(err, n, "%s", e.message);
		return -1;
	}
	int col = -1;
	for (uint32_t i = 0; i < p->n_sample_types && col < 0; i++)
		if (!strcmp(pgo_string(p, p->sample_types[i].type, NULL), "cpu") &&
		    !strcmp(pgo_string(p, p->sample_types[i].unit, NULL), "nanoseconds"))
			col = (int)i;
	/* The uploader picks these numbers, and core_cpu_cores ranks profiles for
	 * gopgo: refuse what no machine spends rather than wrap or saturate. */
	int64_t total = 0;
	for (uint32_t i = 0; col >= 0 && i < p->n_samples; i++) {
		int64_t v = p->values[(size_t)i * p->n_sample_types + (uint32_t)col];
		if (v < 0 || __builtin_add_overflow(total, v, &total)) {
			snprintf(err, n, v < 0 ? "cpu.pprof: sample %u has negative CPU time (%lld ns)"
			                       : "cpu.pprof: its CPU time adds up past 2^63 ns at sample %u (%lld ns)",
			         i, (long long)v);
			pgo_profile_free(p);
			return -1;
		}
	}
	if (p->duration_nanos > 0)
		u->duration_nanos = p->duration_nanos;
	pgo_profile_free(p);
	if (u->duration_nanos > 0 && (double)total > (double)u->duration_nanos * INTAKE_MAX_CORES) {
		snprintf(err, n, "cpu.pprof: %lld ns of CPU time in %lld ns is more than %d cores can spend",
		         (long long)total, (long long)u->duration_nanos, INTAKE_MAX_CORES);
		return -1;
	}
	u->core_cpu_time_total = total;
	u->core_cpu_cores = u->duration_nanos > 0 ? (double)total / (double)u->duration_nanos : 0;
	return 0;
}

static bool valid_attachment_name(const char *name)
{
	size_t n = strlen(name);
	return n > 0 && n <= 128 && !strchr(name, '/') && !strchr(name, '\\') && strcmp(name, ".") && strcmp(name, "..");
}

enum MHD_Result handle_intake(request *r, struct MHD_Connection *c)
{
	const char *ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (!ctype || strncasecmp(ctype, "multipart/form-data", 19) != 0)
		return respond_error(r, c, MHD_HTTP_BAD_REQUEST, "%s: expected Content-Type multipart/form-data, got %s",
		                     r->path, ctype ? ctype : "none");
	r->parts = calloc(1, sizeof *r->parts);
	if (!r->parts)
		return respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	r->post = MHD_create_post_processor(c, 64 * 1024, on_part, r->parts);
	if (!r->post)
		return respond_error(r, c, MHD_HTTP_BAD_REQUEST, "%s: the multipart body has no usable boundary", r->path);
	enum MHD_Result pr = r->len ? MHD_post_process(r->post, r->body, r->len) : MHD_YES;
	upload_parts *up = r->parts;
	if (up->oom)
		return respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory reading the upload");
	if (up->too_many)
		return respond_error(r, c, MHD_HTTP_BAD_REQUEST, "%s: more than %d parts", r->path, MAX_PARTS);
	if (pr != MHD_YES)
		return respond_error(r, c, MHD_HTTP_BAD_REQUEST, "%s: malformed multipart body", r->path);
	/* A body cut short leaves the post processor mid-part: insist on its end. */
	if (MHD_destroy_post_processor(r->post) != MHD_YES) {
		r->post = NULL;
		return respond_error(r, c, MHD_HTTP_BAD_REQUEST, "%s: the multipart body is truncated", r->path);
	}
	r->post = NULL;

	const part *event = find_part(up, "event");
	if (!event)
		return respond_error(r, c, MHD_HTTP_BAD_REQUEST, "%s: no 'event' part (event.json)", r->path);
	json_error_t jerr;
	json_t *ev = json_loadb(event->data, event->len, 0, &jerr);
	if (!ev || !json_is_object(ev)) {
		json_decref(ev);
		return respond_error(r, c, MHD_HTTP_BAD_REQUEST, "event.json: not a JSON object (line %d: %s)", jerr.line,
		                     jerr.text);
	}
	store_upload u = {0};
	tag_list tags = {0};
	store_attachment atts[MAX_PARTS];
	size_t n_atts = 0;
	enum MHD_Result ret;
	char err[512];
	const char *start = json_string_value(json_object_get(ev, "start"));
	const char *end = json_string_value(json_object_get(ev, "end"));
	if (!start || !end || rfc3339_parse(start, &u.start_ns) || rfc3339_parse(end, &u.end_ns)) {
		ret = respond_error(r, c, MHD_HTTP_BAD_REQUEST, "event.json: 'start' and 'end' must be RFC 3339 times");
		goto done;
	}
	/* A profiling period is a minute or so; anything else is a clock gone wrong or a forgery. */
	int64_t now = intake_now_ns();
	if (u.end_ns < u.start_ns) {
		ret = respond_error(r, c, MHD_HTTP_BAD_REQUEST, "event.json: 'end' (%s) is before 'start' (%s)", end, start);
		goto done;
	}
	if (u.start_ns > now + INTAKE_MAX_AHEAD_NS || u.end_ns > now + INTAKE_MAX_AHEAD_NS) {
		ret = respond_error(r, c, MHD_HTTP_BAD_REQUEST,
		                    "event.json: 'start' %s and 'end' %s: more than a day after the store's clock", start, end);
		goto done;
	}
	if (u.end_ns - u.start_ns > INTAKE_MAX_PERIOD_NS) {
		ret = respond_error(r, c, MHD_HTTP_BAD_REQUEST,
		                    "event.json: from 'start' %s to 'end' %s is more than 24h, longer than any profiling period",
		                    start, end);
		goto done;
	}
	u.duration_nanos = u.end_ns - u.start_ns;

	json_t *tp = json_object_get(ev, "tags_profiler");
	if (tp && !json_is_string(tp)) {
		ret = respond_error(r, c, MHD_HTTP_BAD_REQUEST, "event.json: 'tags_profiler' must be a string");
		goto done;
	}
	tag_list extra = {0};
	int trc = split_tags(&tags, json_string_value(tp)), erc = 0;
	if (!trc)
		erc = split_tags(&extra, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Datadog-Additional-Tags"));
	if (trc || erc) {
		for (size_t i = 0; i < extra.n; i++)
			free(extra.items[i]);
		if (trc == -2 || erc == -2)
			ret = respond_error(r, c, MHD_HTTP_BAD_REQUEST, "%s: %s", trc ? "event.json: tags_profiler" :
			                    "X-Datadog-Additional-Tags", trc ? tags.why : extra.why);
		else
			ret = respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		goto done;
	}
	/* The agent's tags come after the profiler's; default_env stands in for env. */
	const char *default_env = value_of(&extra, "default_env");
	char env_tag[MAX_TAG_BYTES + 8] = "";
	if (!has_key(&tags, "env") && default_env)
		snprintf(env_tag, sizeof env_tag, "env:%s", default_env);
	bool fail = false;
	int arc = 0;
	for (size_t i = 0; i < extra.n; i++) {
		if (!arc)
			arc = add_tag(&tags, extra.items[i], strlen(extra.items[i]), false);
		free(extra.items[i]);
	}
	if (arc) {
		ret = arc == -2 ? respond_error(r, c, MHD_HTTP_BAD_REQUEST, "tags_profiler and X-Datadog-Additional-Tags: %s",
		                                tags.why)
		                : respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		goto done;
	}
	if (env_tag[0])
		fail |= add_tag(&tags, env_tag, strlen(env_tag), true) != 0;
	const char *family = json_string_value(json_object_get(ev, "family"));
	if (family && !has_key(&tags, "language")) {
		char t[128];
		snprintf(t, sizeof t, "language:%s", family);
		fail |= add_tag(&tags, t, strlen(t), true) != 0;
	}

	for (int i = 0; i < up->n; i++) {
		const part *p = &up->parts[i];
		for (int k = 0; k < i; k++)
			if (!strcmp(up->parts[k].name, p->name)) {
				ret = respond_error(r, c, MHD_HTTP_BAD_REQUEST, "part '%.64s' appears twice", p->name);
				goto done;
			}
		if (!strcmp(p->name, "event"))
			continue;
		if (!valid_attachment_name(p->name)) {
			ret = respond_error(r, c, MHD_HTTP_BAD_REQUEST, "attachment name '%.64s' is not a plain file name",
			                    p->name);
			goto done;
		}
		atts[n_atts++] = (store_attachment){p->name, (uint8_t *)p->data, p->len};
	}
	const part *cpu = find_part(up, "cpu.pprof");
	if (cpu && cpu_metrics(cpu, &u, err, sizeof err)) {
		ret = respond_error(r, c, MHD_HTTP_BAD_REQUEST, "%s", err);
		goto done;
	}

	/* Ids first, so that profile-id is a tag searches can use. */
	if (store_new_id(u.profile_id) || store_new_id(u.event_id)) {
		ret = respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot make an id: the kernel gave no random bytes (%s)",
		                    strerror(errno));
		goto done;
	}
	char pid_tag[64];
	snprintf(pid_tag, sizeof pid_tag, "profile-id:%s", u.profile_id);
	allow_profile_id = true;
	fail |= add_tag(&tags, pid_tag, strlen(pid_tag), true) != 0;
	allow_profile_id = false;
	if (fail) {
		ret = respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		goto done;
	}
	u.tags = tags.items;
	u.n_tags = tags.n;
	u.event_json = event->data;
	u.attachments = atts;
	u.n_attachments = n_atts;
	if (store_put(r->srv->store, &u, err, sizeof err)) {
		ret = respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "storing the upload failed: %s", err);
		goto done;
	}
	char body[160];
	int len = snprintf(body, sizeof body, "{\"profile_id\":\"%s\",\"event_id\":\"%s\"}", u.profile_id, u.event_id);
	char *copy = strdup(body);
	ret = respond(r, c, MHD_HTTP_OK, "application/json", copy, copy ? (size_t)len : 0);
done:
	for (size_t i = 0; i < tags.n; i++)
		free(tags.items[i]);
	json_decref(ev);
	return ret;
}
