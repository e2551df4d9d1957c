/*
 * Datadog's profile query API, as datadog-pgo speaks it: the search object,
 * the gopgo and list request bodies, and the list answer. One set of types
 * and codecs for both sides: `pgotool fetch` builds requests and reads
 * answers with it, `pgotool serve` reads requests and writes answers.
 *
 * No network here; src/ddapi/ddclient.h sends these over HTTP.
 */
#ifndef PGO_DDAPI_H
#define PGO_DDAPI_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DD_PATH_LIST "/api/unstable/profiles/list"
#define DD_PATH_GOPGO "/api/unstable/profiles/gopgo"
#define DD_PATH_DOWNLOAD "/api/ui/profiling/profiles/" /* + PROFILE_ID + "/download?eventId=" + EVENT_ID */
#define DD_SORT_CPU_CORES "@metrics.core_cpu_cores"
#define DD_DEFAULT_LIMIT 10
#define DD_MAX_LIMIT 1000
#define DD_MAX_QUERIES 100

/* {"filter": {"from", "to", "query"}, "sort": {"order", "field"}, "limit"} */
typedef struct dd_search {
	int64_t from_ns, to_ns; /* RFC 3339 times on the wire, UTC */
	char *query;            /* Datadog search syntax */
	char *sort_field;       /* DD_SORT_CPU_CORES or "timestamp" */
	bool descending;
	int64_t limit;
} dd_search;

void dd_search_free(dd_search *s);

/*
 * The search datadog-pgo sends for one QUERY argument at time now_ns:
 * from = now - window and to = now, each rounded to the second; sorted by
 * CPU cores, most first; the query with " runtime:go" appended when it has
 * neither "language:go" nor "runtime:go". Returns 0, or -1 out of memory.
 */
int dd_search_for_go(const char *query, int64_t now_ns, int64_t window_ns, int64_t limit, dd_search *out);

/*
 * The JSON text of a gopgo request ({"queries": [...]}) or of one list
 * request, byte for byte what Go's encoding/json writes for datadog-pgo's
 * types (field order, whole-second times, Go's escaping). malloc'd; NULL
 * when out of memory.
 */
char *dd_gopgo_request(const dd_search *searches, size_t n);
char *dd_list_request(const dd_search *search);

/*
 * Reads one search object. where names it in messages ("queries[2]").
 * filter.from and filter.to are RFC 3339 times or relative ones ("now",
 * "now-72h": query_time_parse), taken from now_ns. Missing sort fields take
 * their defaults (CPU cores, descending), a missing limit DD_DEFAULT_LIMIT.
 * Returns 0, or -1 with one line in msg.
 */
int dd_search_from_json(const json_t *j, const char *where, int64_t now_ns, dd_search *out, char *msg,
                        size_t msg_size);

/* One profile of a list answer. */
typedef struct dd_profile {
	char *event_id;
	char *profile_id;
	char *service;          /* may be "" */
	int64_t duration_nanos;
	int64_t timestamp_ns;
	double core_cpu_cores;
	int64_t core_cpu_time_total;
	char **tags;            /* "key:value" */
	size_t n_tags;
	/* attributes.endpoint_counts: requests per endpoint during the profile,
	 * as dd-trace-go reports them (a pgotool serve answers with them; an
	 * answer without them is as valid). Compact JSON, or NULL. */
	char *endpoint_counts;
	int64_t requests;       /* their sum; -1 without endpoint_counts */
} dd_profile;

void dd_profile_clear(dd_profile *p);
void dd_profiles_free(dd_profile *p, size_t n);

/* The value of tag key ("version" in "version:1.2"), or NULL. */
const char *dd_profile_tag(const dd_profile *p, const char *key);

/* {"data": [{"id", "type": "profile", "attributes": {...}}, ...]} as compact JSON; malloc'd. */
char *dd_list_answer(const dd_profile *p, size_t n);

/*
 * Reads a list answer. Each entry needs a profile id and an event id; the
 * rest is optional. Returns 0, or -1 with one line in msg that says what
 * was wrong and where.
 */
int dd_list_answer_parse(const char *body, size_t len, dd_profile **out, size_t *n, char *msg, size_t msg_size);

/* Error bodies: {"errors": ["..."]}. The first message, or NULL (malloc'd). */
char *dd_error_message(const char *body, size_t len);

#endif
