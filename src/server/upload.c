/* One profile upload, read as it streams in; see upload.h. */
#define _DEFAULT_SOURCE
#include "upload.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "multipart.h"
#include "pgo.h"
#include "timefmt.h"
#include "utf8.h"

/* The store's own tags (profile-id, env from default_env, language) come on
 * top of the uploader's and are always kept. */
#define OWN_TAGS 4
#define MAX_AHEAD_NS (24LL * 3600 * 1000000000)
#define MAX_PERIOD_NS (24LL * 3600 * 1000000000)

typedef struct part {
	char *name;
	uint8_t *data;
	size_t len, cap, limit;
} part;

typedef struct tag_list {
	char *items[UPLOAD_MAX_TAGS + OWN_TAGS];
	size_t n;
	char why[200]; /* why a tag was refused, for the 400 */
} tag_list;

struct upload {
	multipart *mp;
	part parts[UPLOAD_MAX_PARTS];
	int n_parts;
	part *current;
	size_t max_body, body_len, held;
	upload_hold_fn hold;
	void *hold_ctx;
	char *agent_tags;
	/* set by upload_finish, borrowed by the store_upload */
	json_t *event;
	char *own_event; /* event.json made for a push that has none */
	tag_list tags;
	store_attachment atts[UPLOAD_MAX_PARTS];
	int status;
	char error[512];
};

static int set_error(upload *u, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int set_error(upload *u, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(u->error, sizeof u->error, fmt, ap);
	va_end(ap);
	u->status = status;
	return status;
}

const char *upload_error(const upload *u)
{
	return u->error;
}

void upload_service(const upload *u, char *out, size_t size)
{
	out[0] = '\0';
	for (size_t i = 0; i < u->tags.n; i++)
		if (!strncmp(u->tags.items[i], "service:", 8)) {
			snprintf(out, size, "%s", u->tags.items[i] + 8);
			return;
		}
	const char *tp = u->event ? json_string_value(json_object_get(u->event, "tags_profiler")) : NULL;
	for (const char *t = tp; t && *t;) {
		size_t len = strcspn(t, ",");
		if (len > 8 && !strncmp(t, "service:", 8)) {
			snprintf(out, size, "%.*s", (int)(len - 8), t + 8);
			return;
		}
		t += len + (t[len] == ',');
	}
}

/* ---- parts, as they stream in ------------------------------------------------- */

static bool valid_attachment_name(const char *name)
{
	size_t n = strlen(name);
	return n > 0 && n <= 128 && !strchr(name, '/') && !strchr(name, '\\') && strcmp(name, ".") && strcmp(name, "..") &&
	       utf8_valid((const unsigned char *)name, n);
}

/* Decided on the part's headers, before any of its content is kept. */
static int on_part_begin(void *ctx, const char *name, const char *filename, const char *content_type)
{
	(void)filename;
	(void)content_type;
	upload *u = ctx;
	if (u->n_parts == UPLOAD_MAX_PARTS)
		return set_error(u, 400, "more than %d parts", UPLOAD_MAX_PARTS);
	for (int i = 0; i < u->n_parts; i++)
		if (!strcmp(u->parts[i].name, name))
			return set_error(u, 400, "part '%.64s' appears twice", name);
	bool event = !strcmp(name, "event");
	if (!event && !valid_attachment_name(name))
		return set_error(u, 400, "attachment name '%.64s' is not a plain file name", name);
	part *p = &u->parts[u->n_parts];
	if (!(p->name = strdup(name)))
		return set_error(u, 500, "out of memory");
	p->limit = event ? UPLOAD_MAX_EVENT : u->max_body;
	u->n_parts++;
	u->current = p;
	return 0;
}

static int on_part_data(void *ctx, const uint8_t *data, size_t size)
{
	upload *u = ctx;
	part *p = u->current;
	if (size > p->limit - p->len)
		return set_error(u, p->limit == UPLOAD_MAX_EVENT ? 400 : 413, "part '%.64s' is over its %zu-byte limit",
		                 p->name, p->limit);
	if (p->len + size > p->cap) {
		/* Doubling, but never past what the part may hold. */
		size_t cap = p->cap ? p->cap : 16 * 1024;
		while (cap < p->len + size)
			cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
		if (cap > p->limit)
			cap = p->limit;
		size_t held = u->held - p->cap + cap;
		if (u->hold && u->hold(u->hold_ctx, held))
			return set_error(u, 503, "the server holds as many upload bytes as it may; retry later");
		uint8_t *d = realloc(p->data, cap + 1);
		if (!d)
			return set_error(u, 500, "out of memory reading part '%.64s'", p->name);
		p->data = d;
		p->cap = cap;
		u->held = held;
	}
	memcpy(p->data + p->len, data, size);
	p->len += size;
	p->data[p->len] = '\0';
	return 0;
}

static int on_part_end(void *ctx)
{
	upload *u = ctx;
	u->current = NULL;
	return 0;
}

upload *upload_new(const char *content_type, const char *agent_tags, size_t max_body, upload_hold_fn hold,
                   void *hold_ctx, int *status, char *err, size_t err_size)
{
	char boundary[MULTIPART_MAX_BOUNDARY + 1];
	if (multipart_boundary(content_type, boundary, err, err_size)) {
		/* A multipart type with a bad boundary is malformed; any other type is the wrong one. */
		*status = content_type && strncasecmp(content_type, "multipart/form-data", 19) == 0 ? 400 : 415;
		return NULL;
	}
	upload *u = calloc(1, sizeof *u);
	static const multipart_handler handler = {on_part_begin, on_part_data, on_part_end};
	if (u)
		u->mp = multipart_new(boundary, &handler, u);
	if (u && agent_tags)
		u->agent_tags = strdup(agent_tags);
	if (!u || !u->mp || (agent_tags && !u->agent_tags)) {
		upload_free(u);
		*status = 500;
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	u->max_body = max_body;
	u->hold = hold;
	u->hold_ctx = hold_ctx;
	return u;
}

void upload_free(upload *u)
{
	if (!u)
		return;
	multipart_free(u->mp);
	for (int i = 0; i < u->n_parts; i++) {
		free(u->parts[i].name);
		free(u->parts[i].data);
	}
	for (size_t i = 0; i < u->tags.n; i++)
		free(u->tags.items[i]);
	json_decref(u->event);
	free(u->own_event);
	free(u->agent_tags);
	free(u);
}

int upload_feed(upload *u, const uint8_t *data, size_t size)
{
	if (u->status)
		return u->status;
	if (size > u->max_body - u->body_len)
		return set_error(u, 413, "the body exceeds the %zu-byte limit", u->max_body);
	u->body_len += size;
	int rc = multipart_feed(u->mp, data, size);
	if (rc == -2 && u->status)
		return u->status;
	if (rc)
		return set_error(u, 400, "malformed multipart body: %s", multipart_error(u->mp));
	return 0;
}

/* ---- tags --------------------------------------------------------------------- */

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

/*
 * Adds one tag, trimmed. Returns 0 (also for a tag dropped as a duplicate,
 * empty, with control characters, or a profile-id the uploader made up),
 * -1 out of memory, or -2 for a tag past the limits or not UTF-8, with
 * t->why. own marks the store's tags, which the count limit does not
 * touch and which alone may be profile-id.
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
	/* Control characters would forge tags in storage (one tag a line). */
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	if (len >= 11 && strncmp(s, "profile-id:", 11) == 0 && !own)
		return 0;
	for (size_t i = 0; i < t->n; i++)
		if (strlen(t->items[i]) == len && strncmp(t->items[i], s, len) == 0)
			return 0; /* the agent repeats host: and the like */
	if (len > UPLOAD_MAX_TAG_BYTES) {
		snprintf(t->why, sizeof t->why, "tag '%.40s...' is %zu bytes; the limit is %d", s, len,
		         UPLOAD_MAX_TAG_BYTES);
		return -2;
	}
	/* Searches match text: a tag that is not UTF-8 could be stored but never listed. */
	if (!utf8_valid((const unsigned char *)s, len)) {
		snprintf(t->why, sizeof t->why, "tag %zu is not UTF-8", t->n + 1);
		return -2;
	}
	if (t->n >= (own ? UPLOAD_MAX_TAGS + OWN_TAGS : UPLOAD_MAX_TAGS)) {
		snprintf(t->why, sizeof t->why, "more than %d tags; the limit is %d", UPLOAD_MAX_TAGS, UPLOAD_MAX_TAGS);
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

/* The profiler's tags, then the agent's; default_env stands in for env,
 * and the event's family gives language. */
static int build_tags(upload *u, const char *profiler_tags, const char *family)
{
	tag_list *tags = &u->tags;
	tag_list extra = {0};
	int trc = split_tags(tags, profiler_tags), erc = 0;
	if (!trc)
		erc = split_tags(&extra, u->agent_tags);
	int rc = 0;
	if (trc == -2 || erc == -2)
		rc = set_error(u, 400, "%s: %s", trc ? "event.json: tags_profiler" : "X-Datadog-Additional-Tags",
		               trc ? tags->why : extra.why);
	else if (trc || erc)
		rc = set_error(u, 500, "out of memory");
	const char *default_env = value_of(&extra, "default_env");
	char env_tag[UPLOAD_MAX_TAG_BYTES + 8] = "";
	if (!rc && !has_key(tags, "env") && default_env)
		snprintf(env_tag, sizeof env_tag, "env:%s", default_env);
	int arc = 0;
	for (size_t i = 0; i < extra.n; i++) {
		if (!rc && !arc)
			arc = add_tag(tags, extra.items[i], strlen(extra.items[i]), false);
		free(extra.items[i]);
	}
	if (rc)
		return rc;
	if (arc)
		return arc == -2 ? set_error(u, 400, "tags_profiler and X-Datadog-Additional-Tags: %s", tags->why)
		                 : set_error(u, 500, "out of memory");
	bool fail = false;
	if (env_tag[0])
		fail |= add_tag(tags, env_tag, strlen(env_tag), true) == -1;
	if (family && !has_key(tags, "language")) {
		char t[128];
		snprintf(t, sizeof t, "language:%.100s", family);
		fail |= add_tag(tags, t, strlen(t), true) == -1;
	}
	return fail ? set_error(u, 500, "out of memory") : 0;
}

/* ---- attachments ---------------------------------------------------------------- */

static const part *find_part(const upload *u, const char *name)
{
	for (int i = 0; i < u->n_parts; i++)
		if (strcmp(u->parts[i].name, name) == 0)
			return &u->parts[i];
	return NULL;
}

/* CPU seconds used per second: the sum of cpu/nanoseconds over the
 * profile's duration, as Datadog computes core_cpu_cores. The values-only
 * pass accepts exactly what pgo_decode does, at a fraction of its cost. */
static int cpu_metrics(upload *u, const part *cpu, store_upload *out, char *types, size_t types_size)
{
	pgo_value_sums sums;
	pgo_error e = {0};
	pgo_limits limits;
	pgo_limits_default(&limits);
	limits.max_decompressed_bytes = UPLOAD_MAX_INFLATED;
	if (pgo_sum_values(cpu->data, cpu->len, cpu->name, &limits, &sums, &e))
		return set_error(u, e.status == PGO_ERR_NOMEM ? 500 : 400, "%s", e.message);
	const pgo_value_sum *col = NULL;
	for (uint32_t i = 0; i < sums.n_sample_types && !col; i++)
		if (!strcmp(sums.columns[i].type, "cpu") && !strcmp(sums.columns[i].unit, "nanoseconds"))
			col = &sums.columns[i];
	if (types) {
		/* Which sample types it has instead, for the caller's refusal. */
		size_t used = 0;
		types[0] = '\0';
		for (uint32_t i = 0; i < sums.n_sample_types && used < types_size; i++) {
			int w = snprintf(types + used, types_size - used, "%s%.40s/%.40s", i ? " " : "", sums.columns[i].type,
			                 sums.columns[i].unit);
			if (w < 0)
				break;
			used += (size_t)w;
		}
		if (!col) {
			pgo_value_sums_free(&sums);
			return 0;
		}
		types[0] = '\0';
	}
	/* The uploader picks these numbers, and core_cpu_cores ranks profiles for
	 * gopgo: refuse what no machine spends rather than wrap or saturate. */
	int64_t total = col ? col->sum : 0;
	if (col && col->bad_at) {
		int64_t v = col->bad_value;
		uint32_t i = col->bad_at - 1;
		pgo_value_sums_free(&sums);
		return set_error(u, 400,
		                 v < 0 ? "%s: sample %u has negative CPU time (%lld ns)"
		                       : "%s: its CPU time adds up past 2^63 ns at sample %u (%lld ns)",
		                 cpu->name, i, (long long)v);
	}
	if (sums.duration_nanos > 0)
		out->duration_nanos = sums.duration_nanos;
	pgo_value_sums_free(&sums);
	if (out->duration_nanos > 0 && (double)total > (double)out->duration_nanos * UPLOAD_MAX_CORES)
		return set_error(u, 400, "%s: %lld ns of CPU time in %lld ns is more than %d cores can spend",
		                 cpu->name, (long long)total, (long long)out->duration_nanos, UPLOAD_MAX_CORES);
	out->core_cpu_time_total = total;
	out->core_cpu_cores = out->duration_nanos > 0 ? (double)total / (double)out->duration_nanos : 0;
	return 0;
}

/* Every compressed attachment is served inflated (the query API never
 * serves zstd), so one that inflates past the bound, or not at all, is
 * refused now rather than planted for a download. */
static int check_inflates(upload *u, const part *a)
{
	if (pgo_sniff(a->data, a->len) == PGO_COMPRESSION_NONE)
		return 0;
	uint8_t *raw = NULL;
	size_t raw_n = 0;
	pgo_error e = {0};
	if (pgo_decompress(a->data, a->len, a->name, UPLOAD_MAX_INFLATED, &raw, &raw_n, &e))
		return set_error(u, e.status == PGO_ERR_NOMEM ? 500 : 400, "%s (every compressed attachment must inflate "
		                 "to at most %zu MiB)", e.message, UPLOAD_MAX_INFLATED >> 20);
	free(raw);
	return 0;
}

/* A profiling period is a minute or so; anything else is a clock gone wrong or a forgery.
 * where prefixes the messages; start and end are the times as sent. */
static int check_period(upload *u, const store_upload *out, int64_t now_ns, const char *where, const char *start_name,
                        const char *end_name, const char *start, const char *end)
{
	if (out->end_ns < out->start_ns)
		return set_error(u, 400, "%s%s (%.40s) is before %s (%.40s)", where, end_name, end, start_name, start);
	if (out->start_ns > now_ns + MAX_AHEAD_NS || out->end_ns > now_ns + MAX_AHEAD_NS)
		return set_error(u, 400, "%s%s %.40s and %s %.40s: more than a day after the store's clock", where,
		                 start_name, start, end_name, end);
	if (out->start_ns < 0)
		return set_error(u, 400, "%s%s %.40s is before 1970", where, start_name, start);
	if (out->end_ns - out->start_ns > MAX_PERIOD_NS)
		return set_error(u, 400, "%sfrom %s %.40s to %s %.40s is more than 24h, longer than any profiling period",
		                 where, start_name, start, end_name, end);
	return 0;
}

/* ---- the whole upload ------------------------------------------------------------ */

/* Whether name is one of the comma-separated names in keep (NULL: all are). */
static bool kept(const char *keep, const char *name)
{
	if (!keep)
		return true;
	size_t n = strlen(name);
	for (const char *p = keep; *p;) {
		size_t len = strcspn(p, ",");
		if (len == n && !strncmp(p, name, n))
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

int upload_finish(upload *u, int64_t now_ns, const char *keep, store_upload *out)
{
	if (u->status)
		return u->status;
	if (multipart_finish(u->mp))
		return set_error(u, 400, "malformed multipart body: %s", multipart_error(u->mp));
	memset(out, 0, sizeof *out);
	const part *event = find_part(u, "event");
	if (!event)
		return set_error(u, 400, "no 'event' part (event.json)");
	if (!event->data)
		return set_error(u, 400, "event.json: the 'event' part is empty");
	json_error_t jerr;
	u->event = json_loadb((const char *)event->data, event->len, 0, &jerr);
	if (!u->event || !json_is_object(u->event))
		return set_error(u, 400, "event.json: not a JSON object (line %d: %s)", jerr.line, jerr.text);
	const char *start = json_string_value(json_object_get(u->event, "start"));
	const char *end = json_string_value(json_object_get(u->event, "end"));
	if (!start || !end || rfc3339_parse(start, &out->start_ns) || rfc3339_parse(end, &out->end_ns))
		return set_error(u, 400, "event.json: 'start' and 'end' must be RFC 3339 times");
	int rc = check_period(u, out, now_ns, "event.json: ", "'start'", "'end'", start, end);
	if (rc)
		return rc;
	out->duration_nanos = out->end_ns - out->start_ns;
	json_t *tp = json_object_get(u->event, "tags_profiler");
	if (tp && !json_is_string(tp))
		return set_error(u, 400, "event.json: 'tags_profiler' must be a string");
	rc = build_tags(u, json_string_value(tp), json_string_value(json_object_get(u->event, "family")));
	if (rc)
		return rc;

	size_t n_atts = 0;
	for (int i = 0; i < u->n_parts; i++) {
		const part *p = &u->parts[i];
		if (!strcmp(p->name, "event") || !kept(keep, p->name))
			continue; /* what is not kept is not stored, so neither inflated */
		/* cpu.pprof is decoded below, within the same bound. */
		if (strcmp(p->name, "cpu.pprof") && (rc = check_inflates(u, p)))
			return rc;
		u->atts[n_atts++] = (store_attachment){p->name, p->data ? p->data : (uint8_t *)"", p->len};
	}
	const part *cpu = find_part(u, "cpu.pprof");
	if (cpu && (rc = cpu_metrics(u, cpu, out, NULL, 0)))
		return rc;
	out->event_json = (char *)event->data;
	out->attachments = u->atts;
	out->n_attachments = n_atts;
	out->tags = u->tags.items;
	out->n_tags = u->tags.n;
	return 0;
}

int upload_set_id(upload *u, store_upload *out, const char *profile_id)
{
	char tag[64];
	snprintf(tag, sizeof tag, "profile-id:%s", profile_id);
	snprintf(out->profile_id, sizeof out->profile_id, "%s", profile_id);
	if (add_tag(&u->tags, tag, strlen(tag), true))
		return set_error(u, 500, "out of memory");
	out->tags = u->tags.items;
	out->n_tags = u->tags.n;
	return 0;
}

/* The event.json an agent upload would have carried, for a Pyroscope push. */
static int make_event(upload *u, const store_upload *out, const char *family)
{
	char start[48], end[48];
	rfc3339_format(out->start_ns, start, sizeof start);
	rfc3339_format(out->end_ns, end, sizeof end);
	json_t *e = json_pack("{s:[s], s:s, s:s, s:s}", "attachments", "cpu.pprof", "start", start, "end", end, "version",
	                      "4");
	if (e && family)
		json_object_set_new(e, "family", json_string(family));
	u->own_event = e ? json_dumps(e, JSON_COMPACT) : NULL;
	json_decref(e);
	return u->own_event ? 0 : set_error(u, 500, "out of memory");
}

int upload_finish_profile(upload *u, const profile_meta *in, int64_t now_ns, store_upload *out)
{
	if (u->status)
		return u->status;
	if (u->mp && multipart_finish(u->mp))
		return set_error(u, 400, "malformed multipart body: %s", multipart_error(u->mp));
	memset(out, 0, sizeof *out);
	const part *profile = find_part(u, "profile");
	if (!profile || !profile->len)
		return set_error(u, 400, "no 'profile' part, or an empty one: want the pprof in a part named 'profile'");
	/* The SDK gives the times of the period it profiled; a push without them is now. */
	out->start_ns = in->from_ns ? in->from_ns : now_ns;
	out->end_ns = in->until_ns ? in->until_ns : out->start_ns;
	char from[24], until[24];
	snprintf(from, sizeof from, "%lld", (long long)in->from_ns);
	snprintf(until, sizeof until, "%lld", (long long)in->until_ns);
	int rc = check_period(u, out, now_ns, "", "from=", "until=", from, until);
	if (rc)
		return rc;
	out->duration_nanos = out->end_ns - out->start_ns;
	char types[256];
	if ((rc = cpu_metrics(u, profile, out, types, sizeof types)))
		return rc;
	if (types[0])
		return set_error(u, 422,
		                 "the profile has the sample types [%s], not cpu/nanoseconds: the store keeps CPU profiles "
		                 "only, which are what PGO uses; leave the other profile types out of the SDK's ProfileTypes",
		                 types);
	for (size_t i = 0; i < in->n_tags; i++)
		if ((rc = add_tag(&u->tags, in->tags[i], strlen(in->tags[i]), false)))
			return rc == -2 ? set_error(u, 400, "name=: %s", u->tags.why) : set_error(u, 500, "out of memory");
	char source[64];
	snprintf(source, sizeof source, "source:%s", in->source);
	const char *const own[] = {source, "runtime:go", "language:go"};
	for (size_t i = 0; i < (in->go ? 3u : 1u); i++)
		if (add_tag(&u->tags, own[i], strlen(own[i]), true) == -1)
			return set_error(u, 500, "out of memory");
	if ((rc = make_event(u, out, in->go ? "go" : NULL)))
		return rc;
	u->atts[0] = (store_attachment){"cpu.pprof", profile->data, profile->len};
	out->event_json = u->own_event;
	out->attachments = u->atts;
	out->n_attachments = 1;
	out->tags = u->tags.items;
	out->n_tags = u->tags.n;
	return 0;
}

upload *upload_new_direct(size_t max_body)
{
	upload *u = calloc(1, sizeof *u);
	if (u)
		u->max_body = max_body;
	return u;
}

int upload_put_part(upload *u, const char *name, uint8_t *data, size_t size)
{
	if (u->n_parts == UPLOAD_MAX_PARTS) {
		free(data);
		return set_error(u, 400, "more than %d parts", UPLOAD_MAX_PARTS);
	}
	if (size > u->max_body) {
		free(data);
		return set_error(u, 413, "part '%.64s' is over its %zu-byte limit", name, u->max_body);
	}
	part *p = &u->parts[u->n_parts];
	if (!(p->name = strdup(name))) {
		free(data);
		return set_error(u, 500, "out of memory");
	}
	p->data = data;
	p->len = p->cap = size;
	u->n_parts++;
	return 0;
}
