#include "ddapi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"
#include "utf8.h"

#define NS_PER_S 1000000000LL

/* ---- a growable string ------------------------------------------------ */

typedef struct sbuf {
	char *s;
	size_t len, cap;
	bool oom;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *ns = realloc(b->s, cap);
		if (!ns) {
			b->oom = true;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sb_str(sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static char *sb_finish(sbuf *b)
{
	if (b->oom) {
		free(b->s);
		return NULL;
	}
	return b->s ? b->s : strdup("");
}

/*
 * A JSON string as Go's encoding/json writes it: <, > and & as \u003c,
 * \u003e and \u0026; U+2028 and U+2029 escaped; invalid UTF-8 as \ufffd;
 * \b \f \n \r \t short; other control bytes as \u00xx in lower case.
 */
static void sb_go_json_string(sbuf *b, const char *text)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)text;
	size_t n = strlen(text);
	sb_add(b, "\"", 1);
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		char esc[8];
		if (c < 0x80) {
			const char *short_esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\b' ? "\\b" : c == '\f' ? "\\f"
			                      : c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
			if (short_esc)
				sb_str(b, short_esc);
			else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
				snprintf(esc, sizeof esc, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
				sb_str(b, esc);
			} else
				sb_add(b, (const char *)&s[i], 1);
			i++;
			continue;
		}
		uint32_t cp;
		size_t len = utf8_char(s + i, n - i, &cp);
		if (len == 0) {
			sb_str(b, "\\ufffd");
			i++;
		} else if (cp == 0x2028 || cp == 0x2029) {
			sb_str(b, cp == 0x2028 ? "\\u2028" : "\\u2029");
			i += len;
		} else {
			sb_add(b, (const char *)s + i, len);
			i += len;
		}
	}
	sb_add(b, "\"", 1);
}

/* ---- searches ------------------------------------------------------------ */

void dd_search_free(dd_search *s)
{
	if (!s)
		return;
	free(s->query);
	free(s->sort_field);
	memset(s, 0, sizeof *s);
}

/* Go's time.Round(time.Second) for a Unix time in ns: halves round up. */
static int64_t round_to_second(int64_t ns)
{
	int64_t r = ns % NS_PER_S;
	if (r < 0)
		r += NS_PER_S;
	return r < NS_PER_S / 2 ? ns - r : ns - r + NS_PER_S;
}

/* Bytes of Unicode white space at the start of s (what Go's unicode.IsSpace takes). */
static size_t space_at(const unsigned char *s, size_t n)
{
	if (n && (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r')))
		return 1;
	uint32_t cp;
	size_t len = n ? utf8_char(s, n, &cp) : 0;
	if (len < 2)
		return 0;
	bool space = cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
	             cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
	return space ? len : 0;
}

/* strings.TrimSpace: a copy of s without leading and trailing white space. */
static char *trim_space(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), start = 0, step;
	while (start < n && (step = space_at(p + start, n - start)))
		start += step;
	size_t end = start, i = start;
	while (i < n) {
		step = space_at(p + i, n - i);
		if (step) {
			i += step;
			continue;
		}
		uint32_t cp;
		size_t len = utf8_char(p + i, n - i, &cp);
		i += len ? len : 1;
		end = i;
	}
	char *out = malloc(end - start + 1);
	if (out) {
		memcpy(out, s + start, end - start);
		out[end - start] = '\0';
	}
	return out;
}

int dd_search_for_go(const char *query, int64_t now_ns, int64_t window_ns, int64_t limit, dd_search *out)
{
	memset(out, 0, sizeof *out);
	/* PGO is for Go: datadog-pgo keeps other runtimes' profiles out. */
	if (strstr(query, "language:go") || strstr(query, "runtime:go")) {
		out->query = strdup(query);
	} else {
		char *t = trim_space(query);
		out->query = t ? malloc(strlen(t) + sizeof " runtime:go") : NULL;
		if (out->query)
			sprintf(out->query, "%s runtime:go", t);
		free(t);
	}
	out->sort_field = strdup(DD_SORT_CPU_CORES);
	if (!out->query || !out->sort_field) {
		dd_search_free(out);
		return -1;
	}
	out->from_ns = round_to_second(now_ns - window_ns);
	out->to_ns = round_to_second(now_ns);
	out->descending = true;
	out->limit = limit;
	return 0;
}

static void sb_time(sbuf *b, int64_t ns)
{
	char t[48];
	rfc3339_format(ns, t, sizeof t);
	sb_go_json_string(b, t);
}

static void sb_search(sbuf *b, const dd_search *s)
{
	char limit[32];
	sb_str(b, "{\"filter\":{\"from\":");
	sb_time(b, s->from_ns);
	sb_str(b, ",\"to\":");
	sb_time(b, s->to_ns);
	sb_str(b, ",\"query\":");
	sb_go_json_string(b, s->query ? s->query : "");
	sb_str(b, "},\"sort\":{\"order\":");
	sb_go_json_string(b, s->descending ? "desc" : "asc");
	sb_str(b, ",\"field\":");
	sb_go_json_string(b, s->sort_field ? s->sort_field : DD_SORT_CPU_CORES);
	snprintf(limit, sizeof limit, "},\"limit\":%lld}", (long long)s->limit);
	sb_str(b, limit);
}

char *dd_gopgo_request(const dd_search *searches, size_t n)
{
	sbuf b = {0};
	sb_str(&b, "{\"queries\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_str(&b, ",");
		sb_search(&b, &searches[i]);
	}
	sb_str(&b, "]}");
	return sb_finish(&b);
}

char *dd_list_request(const dd_search *search)
{
	sbuf b = {0};
	sb_search(&b, search);
	return sb_finish(&b);
}

/*
 * filter.from or filter.to (name) into *ns. The message names the field,
 * says what it takes, and quotes what it got.
 */
static int search_time(const json_t *filter, const char *where, const char *name, const char *example,
                       int64_t now_ns, int64_t *ns, char *msg, size_t n)
{
	const json_t *v = json_object_get(filter, name);
	const char *text = json_string_value(v);
	int rc = text ? query_time_parse(text, now_ns, ns) : -1;
	if (rc == 0)
		return 0;
	if (rc == -2) {
		snprintf(msg, n,
		         "%s: filter.%s: \"%.64s\" reaches back more than 100 years (now-36500d); write a shorter "
		         "window like now-8d, or an RFC 3339 time like %s",
		         where, name, text, example);
		return -1;
	}
	char got[96];
	if (text)
		snprintf(got, sizeof got, "not \"%.64s\"", text);
	else if (!v)
		snprintf(got, sizeof got, "and it is missing");
	else
		snprintf(got, sizeof got, "not a JSON %s",
		         json_is_number(v) ? "number" : json_is_object(v) ? "object" : json_is_array(v) ? "array" :
		         json_is_boolean(v) ? "boolean" : "null");
	snprintf(msg, n,
	         "%s: filter.%s must be an RFC 3339 time like %s, or now, or now-N with a unit s, m, h, d or w "
	         "like now-72h; %s",
	         where, name, example, got);
	return -1;
}

int dd_search_from_json(const json_t *q, const char *where, int64_t now_ns, dd_search *out, char *msg, size_t n)
{
	memset(out, 0, sizeof *out);
	if (!json_is_object(q)) {
		snprintf(msg, n, "%s: a search must be a JSON object", where);
		return -1;
	}
	json_t *filter = json_object_get(q, "filter");
	if (!json_is_object(filter)) {
		snprintf(msg, n, "%s: 'filter' must be an object with from, to and query", where);
		return -1;
	}
	json_t *qv = json_object_get(filter, "query");
	if (qv && !json_is_string(qv)) {
		snprintf(msg, n, "%s: filter.query must be a string", where);
		return -1;
	}
	if (search_time(filter, where, "from", "2026-11-22T09:00:00Z", now_ns, &out->from_ns, msg, n) ||
	    search_time(filter, where, "to", "2026-11-25T09:00:00Z", now_ns, &out->to_ns, msg, n))
		return -1;
	const char *field = DD_SORT_CPU_CORES;
	out->descending = true;
	json_t *sort = json_object_get(q, "sort");
	if (sort) {
		const char *f = json_string_value(json_object_get(sort, "field"));
		const char *order = json_string_value(json_object_get(sort, "order"));
		if (f && (!strcmp(f, "timestamp") || !strcmp(f, "@timestamp")))
			field = "timestamp";
		else if (f && strcmp(f, DD_SORT_CPU_CORES) != 0) {
			snprintf(msg, n, "%s: sort.field must be %s or timestamp, not %.100s", where, DD_SORT_CPU_CORES, f);
			return -1;
		}
		if (order && !strcmp(order, "asc"))
			out->descending = false;
		else if (order && strcmp(order, "desc") != 0) {
			snprintf(msg, n, "%s: sort.order must be asc or desc, not %.100s", where, order);
			return -1;
		}
	}
	json_t *limit = json_object_get(q, "limit");
	json_int_t l = limit ? json_integer_value(limit) : DD_DEFAULT_LIMIT;
	if (limit && (!json_is_integer(limit) || l < 1 || l > DD_MAX_LIMIT)) {
		snprintf(msg, n, "%s: limit must be an integer from 1 to %d", where, DD_MAX_LIMIT);
		return -1;
	}
	out->limit = l;
	out->query = strdup(qv ? json_string_value(qv) : "");
	out->sort_field = strdup(field);
	if (!out->query || !out->sort_field) {
		dd_search_free(out);
		snprintf(msg, n, "%s: out of memory", where);
		return -1;
	}
	return 0;
}

/* ---- list answers -------------------------------------------------------- */

void dd_profile_clear(dd_profile *p)
{
	free(p->event_id);
	free(p->profile_id);
	free(p->service);
	for (size_t k = 0; k < p->n_tags; k++)
		free(p->tags[k]);
	free(p->tags);
	free(p->endpoint_counts);
	memset(p, 0, sizeof *p);
}

void dd_profiles_free(dd_profile *p, size_t n)
{
	for (size_t i = 0; p && i < n; i++)
		dd_profile_clear(&p[i]);
	free(p);
}

const char *dd_profile_tag(const dd_profile *p, const char *key)
{
	size_t kl = strlen(key);
	for (size_t i = 0; i < p->n_tags; i++)
		if (!strncmp(p->tags[i], key, kl) && p->tags[i][kl] == ':')
			return p->tags[i] + kl + 1;
	return NULL;
}

char *dd_list_answer(const dd_profile *p, size_t n)
{
	json_t *data = json_array();
	for (size_t i = 0; data && i < n; i++) {
		char ts[48];
		rfc3339_format(p[i].timestamp_ns, ts, sizeof ts);
		json_t *tags = json_array();
		for (size_t k = 0; tags && k < p[i].n_tags; k++)
			json_array_append_new(tags, json_string(p[i].tags[k]));
		json_t *item = json_pack("{s:s, s:s, s:{s:s, s:s, s:I, s:s, s:o, s:{s:{s:f, s:I}}}}", "id", p[i].event_id,
		                         "type", "profile", "attributes", "id", p[i].profile_id, "service",
		                         p[i].service ? p[i].service : "", "duration_nanos",
		                         (json_int_t)p[i].duration_nanos, "timestamp", ts, "tags", tags, "custom",
		                         "metrics", "core_cpu_cores", p[i].core_cpu_cores, "core_cpu_time_total",
		                         (json_int_t)p[i].core_cpu_time_total);
		/* A map that does not load (an integer beyond int64) is left out, not the profile. */
		json_t *counts = p[i].endpoint_counts ? json_loads(p[i].endpoint_counts, 0, NULL) : NULL;
		if (item && json_is_object(counts)) {
			/* Before custom, so that each entry still ends with custom.metrics as before. */
			json_t *attr = json_object_get(item, "attributes"), *custom = json_object_get(attr, "custom");
			json_incref(custom);
			json_object_del(attr, "custom");
			json_object_set(attr, "endpoint_counts", counts);
			json_object_set_new(attr, "custom", custom);
		}
		json_decref(counts);
		if (!item || json_array_append_new(data, item)) {
			json_decref(data);
			return NULL;
		}
	}
	json_t *resp = data ? json_pack("{s:o}", "data", data) : NULL;
	char *text = resp ? json_dumps(resp, JSON_COMPACT) : NULL;
	json_decref(resp);
	return text;
}

static char *dup_string(const json_t *j)
{
	const char *s = json_string_value(j);
	return strdup(s ? s : "");
}

/*
 * endpoint_counts: its text and the sum of its counts, which are whole and
 * not negative (dd-trace-go's are uint64); other members are ignored, and
 * the sum stops at INT64_MAX. Returns 0, or -1 out of memory.
 */
static int read_endpoint_counts(const json_t *counts, dd_profile *p)
{
	p->requests = -1;
	if (!json_is_object(counts))
		return 0;
	int64_t sum = 0;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)counts, key, v) {
		json_int_t n = json_integer_value(v);
		if (!json_is_integer(v) || n < 0)
			continue;
		sum = n > INT64_MAX - sum ? INT64_MAX : sum + n;
	}
	p->endpoint_counts = json_dumps(counts, JSON_COMPACT | JSON_SORT_KEYS);
	if (!p->endpoint_counts)
		return -1;
	p->requests = sum;
	return 0;
}

/* JSON numbers as Go reads them into float64 fields: integers or reals. */
static double number(const json_t *j)
{
	return json_is_number(j) ? json_number_value(j) : 0;
}

int dd_list_answer_parse(const char *body, size_t len, dd_profile **out, size_t *n_out, char *msg, size_t msg_size)
{
	*out = NULL;
	*n_out = 0;
	json_error_t je;
	json_t *root = json_loadb(body, len, 0, &je);
	if (!root) {
		snprintf(msg, msg_size, "the list answer is not JSON (line %d, column %d: %s)", je.line, je.column, je.text);
		return -1;
	}
	json_t *data = json_object_get(root, "data");
	if (!json_is_array(data)) {
		snprintf(msg, msg_size, "the list answer has no \"data\" array");
		json_decref(root);
		return -1;
	}
	size_t n = json_array_size(data);
	dd_profile *p = calloc(n ? n : 1, sizeof *p);
	if (!p) {
		snprintf(msg, msg_size, "out of memory");
		json_decref(root);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *item = json_array_get(data, i);
		json_t *attr = json_object_get(item, "attributes");
		const char *event = json_string_value(json_object_get(item, "id"));
		const char *id = json_string_value(json_object_get(attr, "id"));
		if (!event || !*event || !id || !*id) {
			snprintf(msg, msg_size, "the list answer's data[%zu] lacks %s", i,
			         !event || !*event ? "an event id (\"id\")" : "a profile id (\"attributes.id\")");
			dd_profiles_free(p, i);
			json_decref(root);
			return -1;
		}
		p[i].event_id = strdup(event);
		p[i].profile_id = strdup(id);
		p[i].service = dup_string(json_object_get(attr, "service"));
		p[i].duration_nanos = (int64_t)number(json_object_get(attr, "duration_nanos"));
		const char *ts = json_string_value(json_object_get(attr, "timestamp"));
		if (ts && rfc3339_parse(ts, &p[i].timestamp_ns))
			p[i].timestamp_ns = 0;
		json_t *metrics = json_object_get(json_object_get(attr, "custom"), "metrics");
		p[i].core_cpu_cores = number(json_object_get(metrics, "core_cpu_cores"));
		p[i].core_cpu_time_total = (int64_t)number(json_object_get(metrics, "core_cpu_time_total"));
		json_t *tags = json_object_get(attr, "tags");
		size_t nt = json_is_array(tags) ? json_array_size(tags) : 0;
		p[i].tags = calloc(nt ? nt : 1, sizeof *p[i].tags);
		bool oom = !p[i].event_id || !p[i].profile_id || !p[i].service || !p[i].tags ||
		           read_endpoint_counts(json_object_get(attr, "endpoint_counts"), &p[i]);
		for (size_t k = 0; !oom && k < nt; k++) {
			const char *t = json_string_value(json_array_get(tags, k));
			if (!t)
				continue;
			if (!(p[i].tags[p[i].n_tags] = strdup(t)))
				oom = true;
			else
				p[i].n_tags++;
		}
		if (oom) {
			snprintf(msg, msg_size, "out of memory");
			dd_profiles_free(p, i + 1);
			json_decref(root);
			return -1;
		}
	}
	json_decref(root);
	*out = p;
	*n_out = n;
	return 0;
}

char *dd_error_message(const char *body, size_t len)
{
	json_t *root = body && len ? json_loadb(body, len, 0, NULL) : NULL;
	json_t *errors = json_object_get(root, "errors");
	const char *first = json_string_value(json_array_get(errors, 0));
	char *out = first ? strdup(first) : NULL;
	json_decref(root);
	return out;
}
