/* The query API's shared codecs (src/ddapi) and libpgo's compiler check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "ddapi.h"
#include "timefmt.h"
#include "testutil.h"

static void test_list_answer_round_trip(void)
{
	char *tags[] = {"service:api", "version:1.2.3", "env:prod"};
	dd_profile in = {.event_id = "ev-1", .profile_id = "p-1", .service = "api", .duration_nanos = 60000000000,
	                 .timestamp_ns = 1764524400000000000, .core_cpu_cores = 1.75,
	                 .core_cpu_time_total = 105000000000, .tags = tags, .n_tags = 3};
	char *text = dd_list_answer(&in, 1);
	CHECK(text != NULL);
	dd_profile *out = NULL;
	size_t n = 0;
	char msg[256] = "";
	CHECK(dd_list_answer_parse(text, strlen(text), &out, &n, msg, sizeof msg) == 0);
	CHECK(n == 1);
	if (n == 1) {
		CHECK(!strcmp(out[0].event_id, "ev-1") && !strcmp(out[0].profile_id, "p-1"));
		CHECK(!strcmp(out[0].service, "api"));
		CHECK(out[0].duration_nanos == 60000000000 && out[0].timestamp_ns == 1764524400000000000);
		CHECK(out[0].core_cpu_cores == 1.75 && out[0].core_cpu_time_total == 105000000000);
		CHECK(out[0].n_tags == 3);
		const char *v = dd_profile_tag(&out[0], "version");
		CHECK(v && !strcmp(v, "1.2.3"));
		CHECK(dd_profile_tag(&out[0], "vers") == NULL);
		CHECK(dd_profile_tag(&out[0], "host") == NULL);
	}
	dd_profiles_free(out, n);
	free(text);
}

/* endpoint_counts: carried through, summed; absent, odd or huge values do no harm. */
static void test_list_answer_endpoint_counts(void)
{
	char *tags[] = {"service:api"};
	dd_profile in[2] = {
		{.event_id = "ev-1", .profile_id = "p-1", .service = "api", .tags = tags, .n_tags = 1,
		 .endpoint_counts = "{\"GET /a\":40,\"POST /b\":2}"},
		{.event_id = "ev-2", .profile_id = "p-2", .service = "api", .tags = tags, .n_tags = 1},
	};
	char *text = dd_list_answer(in, 2);
	CHECK(text && strstr(text, "\"endpoint_counts\":{\"GET /a\":40,\"POST /b\":2}"));
	dd_profile *out = NULL;
	size_t n = 0;
	char msg[256] = "";
	CHECK(text && dd_list_answer_parse(text, strlen(text), &out, &n, msg, sizeof msg) == 0);
	CHECK(n == 2);
	if (n == 2) {
		CHECK(out[0].requests == 42 && out[0].endpoint_counts != NULL);
		CHECK(out[1].requests == -1 && out[1].endpoint_counts == NULL);
	}
	dd_profiles_free(out, n);
	free(text);
	const char *odd = "{\"data\": [{\"id\": \"e\", \"attributes\": {\"id\": \"p\", \"endpoint_counts\": "
	                  "{\"a\": -5, \"b\": \"7\", \"c\": 1.5, \"d\": 9223372036854775807, \"e\": 3}}},"
	                  "{\"id\": \"e2\", \"attributes\": {\"id\": \"p2\", \"endpoint_counts\": [1, 2]}}]}";
	CHECK(dd_list_answer_parse(odd, strlen(odd), &out, &n, msg, sizeof msg) == 0);
	CHECK(n == 2 && out[0].requests == INT64_MAX && out[1].requests == -1);
	dd_profiles_free(out, n);
	/* A stored map that jansson cannot load leaves the profile in the answer, without the map. */
	in[0].endpoint_counts = "{\"a\":99999999999999999999}";
	text = dd_list_answer(in, 1);
	CHECK(text && strstr(text, "\"p-1\"") && !strstr(text, "endpoint_counts"));
	free(text);
}

static void test_list_answer_errors(void)
{
	static const struct {
		const char *body, *want;
	} cases[] = {
		{"not json", "not JSON"},
		{"{}", "no \"data\" array"},
		{"{\"data\": {}}", "no \"data\" array"},
		{"{\"data\": [{\"attributes\": {\"id\": \"p\"}}]}", "data[0] lacks an event id"},
		{"{\"data\": [{\"id\": \"e\", \"attributes\": {}}]}", "data[0] lacks a profile id"},
		{"{\"data\": [{\"id\": \"e\", \"attributes\": {\"id\": \"p\"}}, {\"id\": \"\"}]}", "data[1] lacks an event id"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		dd_profile *out = (dd_profile *)1;
		size_t n = 7;
		char msg[256] = "";
		CHECK(dd_list_answer_parse(cases[i].body, strlen(cases[i].body), &out, &n, msg, sizeof msg) == -1);
		CHECK(out == NULL && n == 0);
		if (!strstr(msg, cases[i].want))
			fprintf(stderr, "case %zu: message \"%s\" lacks \"%s\"\n", i, msg, cases[i].want);
		CHECK(strstr(msg, cases[i].want) != NULL);
	}
	/* Optional fields may be missing or of other types; an empty list is fine. */
	const char *lax = "{\"data\": [{\"id\": \"e\", \"attributes\": {\"id\": \"p\", \"duration_nanos\": 1.5e9, "
	                  "\"timestamp\": \"junk\", \"tags\": [1, \"a:b\"], \"custom\": 3}}]}";
	dd_profile *out = NULL;
	size_t n = 0;
	char msg[256];
	CHECK(dd_list_answer_parse(lax, strlen(lax), &out, &n, msg, sizeof msg) == 0);
	CHECK(n == 1 && out[0].duration_nanos == 1500000000 && out[0].timestamp_ns == 0 && out[0].n_tags == 1);
	dd_profiles_free(out, n);
	CHECK(dd_list_answer_parse("{\"data\": []}", 12, &out, &n, msg, sizeof msg) == 0 && n == 0);
	dd_profiles_free(out, n);
}

static void test_error_message(void)
{
	char *m = dd_error_message("{\"errors\": [\"bad key\", \"x\"]}", 28);
	CHECK(m && !strcmp(m, "bad key"));
	free(m);
	CHECK(dd_error_message("<html>", 6) == NULL);
	CHECK(dd_error_message("{\"errors\": []}", 14) == NULL);
	CHECK(dd_error_message(NULL, 0) == NULL);
}

static void test_search_from_json(void)
{
	const char *good = "{\"filter\": {\"from\": \"2026-11-27T09:00:00Z\", \"to\": \"2026-11-30T09:00:00Z\", "
	                   "\"query\": \"service:a\"}, \"sort\": {\"order\": \"asc\", \"field\": \"timestamp\"}, "
	                   "\"limit\": 3}";
	json_t *j = json_loads(good, 0, NULL);
	dd_search s;
	char msg[256];
	CHECK(dd_search_from_json(j, "q", 0, &s, msg, sizeof msg) == 0);
	CHECK(!strcmp(s.query, "service:a") && !strcmp(s.sort_field, "timestamp") && !s.descending && s.limit == 3);
	CHECK(s.to_ns - s.from_ns == 3 * 86400 * 1000000000LL);
	/* and it goes out as it came in */
	char *again = dd_list_request(&s);
	CHECK(again && strstr(again, "\"from\":\"2026-11-27T09:00:00Z\"") && strstr(again, "\"limit\":3}"));
	free(again);
	dd_search_free(&s);
	json_decref(j);

	static const struct {
		const char *body, *want;
	} bad[] = {
		{"[]", "q: a search must be a JSON object"},
		{"{}", "q: 'filter' must be an object"},
		{"{\"filter\": {\"from\": \"yesterday\", \"to\": \"2026-11-30T09:00:00Z\"}}",
		 "q: filter.from must be an RFC 3339 time like 2026-11-22T09:00:00Z, or now, or now-N with a unit s, m, h, "
		 "d or w like now-72h; not \"yesterday\""},
		{"{\"filter\": {\"from\": \"2026-11-30T09:00:00Z\"}}", "filter.to must be an RFC 3339 time like "
		 "2026-11-25T09:00:00Z, or now, or now-N with a unit s, m, h, d or w like now-72h; and it is missing"},
		{"{\"filter\": {\"from\": 1764524400000, \"to\": \"now\"}}", "filter.from must be an RFC 3339 time like "
		 "2026-11-22T09:00:00Z, or now, or now-N with a unit s, m, h, d or w like now-72h; not a JSON number"},
		{"{\"filter\": {\"from\": \"now-72h\", \"to\": \"now-\"}}", "filter.to must be"},
		{"{\"filter\": {\"from\": \"now-99999999999999d\", \"to\": \"now\"}}",
		 "q: filter.from: \"now-99999999999999d\" reaches back more than 100 years (now-36500d); write a shorter "
		 "window like now-8d, or an RFC 3339 time like 2026-11-22T09:00:00Z"},
		{"{\"filter\": {\"from\": \"2026-11-30T09:00:00Z\", \"to\": \"2026-11-30T09:00:00Z\", \"query\": 5}}",
		 "filter.query must be a string"},
		{"{\"filter\": {\"from\": \"2026-11-30T09:00:00Z\", \"to\": \"2026-11-30T09:00:00Z\"}, \"limit\": 0}",
		 "limit must be an integer from 1 to 1000"},
		{"{\"filter\": {\"from\": \"2026-11-30T09:00:00Z\", \"to\": \"2026-11-30T09:00:00Z\"}, \"limit\": 1.5}",
		 "limit must be an integer"},
		{"{\"filter\": {\"from\": \"2026-11-30T09:00:00Z\", \"to\": \"2026-11-30T09:00:00Z\"}, \"sort\": {\"field\": "
		 "\"@x\"}}",
		 "sort.field must be"},
		{"{\"filter\": {\"from\": \"2026-11-30T09:00:00Z\", \"to\": \"2026-11-30T09:00:00Z\"}, \"sort\": {\"order\": "
		 "\"up\"}}",
		 "sort.order must be asc or desc"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		json_t *b = json_loads(bad[i].body, 0, NULL);
		CHECK(b != NULL);
		msg[0] = '\0';
		CHECK(dd_search_from_json(b, "q", 0, &s, msg, sizeof msg) == -1);
		if (!strstr(msg, bad[i].want))
			fprintf(stderr, "case %zu: message \"%s\" lacks \"%s\"\n", i, msg, bad[i].want);
		CHECK(strstr(msg, bad[i].want) != NULL);
		json_decref(b);
	}
}

static void test_search_relative_times(void)
{
	const int64_t now = 1764524400123456789, s1 = 1000000000;
	static const struct {
		const char *text;
		int64_t ago_s;
	} good[] = {
		{"now", 0},          {"now-0s", 0},         {"now-90s", 90},          {"now-15m", 900},
		{"now-72h", 259200}, {"now-7d", 604800},    {"now-1w", 604800},       {"now-007d", 604800},
		{"now-36500d", 36500LL * 86400}, {"now-5214w", 5214LL * 604800}, {"now-3153600000s", 3153600000},
	};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		int64_t ns = 0;
		int rc = query_time_parse(good[i].text, now, &ns);
		if (rc || ns != now - good[i].ago_s * s1)
			fprintf(stderr, "%s: rc %d, %lld\n", good[i].text, rc, (long long)ns);
		CHECK(rc == 0 && ns == now - good[i].ago_s * s1);
	}
	/* RFC 3339 as before */
	int64_t ns = 0;
	CHECK(query_time_parse("2025-11-30T17:40:00Z", now, &ns) == 0 && ns == 1764524400000000000);
	static const char *const bad[] = {
		"", "no", "NOW", "Now", "now ", " now", "now-", "now-h", "now-1", "now-1x", "now-1ms", "now-1mo",
		"now-1M", "now-1y", "now+1h", "now-+1h", "now--1h", "now-1.5h", "now-1h ", "now- 1h", "now-1h30m",
		"now-1d-1h", "now-0x10s", "now/d", "nowish", "now-1hh", "now-1h\n", "2025-11-30",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int rc = query_time_parse(bad[i], now, &ns);
		if (rc != -1)
			fprintf(stderr, "\"%s\": rc %d, want -1\n", bad[i], rc);
		CHECK(rc == -1);
	}
	/* Past 100 years back, without overflow however many digits. */
	static const char *const far[] = {
		"now-36501d", "now-5215w", "now-3153600001s", "now-99999999999999d", "now-9223372036854775807s",
		"now-18446744073709551617w", "now-99999999999999999999999999999999999999999999999999m",
	};
	for (size_t i = 0; i < sizeof far / sizeof *far; i++) {
		int rc = query_time_parse(far[i], now, &ns);
		if (rc != -2)
			fprintf(stderr, "\"%s\": rc %d, want -2\n", far[i], rc);
		CHECK(rc == -2);
	}
	/* A search resolves both ends from the same now. */
	json_t *j = json_loads("{\"filter\": {\"from\": \"now-72h\", \"to\": \"now\", \"query\": \"\"}}", 0, NULL);
	dd_search s;
	char msg[256];
	CHECK(dd_search_from_json(j, "q", now, &s, msg, sizeof msg) == 0);
	CHECK(s.to_ns == now && s.from_ns == now - 259200 * s1);
	dd_search_free(&s);
	json_decref(j);
}

static void test_search_for_go(void)
{
	dd_search s;
	CHECK(dd_search_for_go("  service:a \t", 1764524400600000000, 3600000000000, 5, &s) == 0);
	CHECK(!strcmp(s.query, "service:a runtime:go"));
	CHECK(s.to_ns == 1764524401000000000 && s.from_ns == 1764520801000000000);
	CHECK(s.descending && !strcmp(s.sort_field, DD_SORT_CPU_CORES) && s.limit == 5);
	dd_search_free(&s);
	CHECK(dd_search_for_go("  language:go ", 0, 0, 1, &s) == 0);
	CHECK(!strcmp(s.query, "  language:go ")); /* untouched, spaces and all */
	dd_search_free(&s);
}

/* A two-frame CPU profile: main.main -> main.work, with the given values and start lines. */
static pgo_profile *cpu_profile(int64_t count, int64_t nanos, int64_t start_line, bool cpu_types)
{
	pgo_profile *p = pgo_profile_new();
	if (cpu_types) {
		pgo_add_sample_type(p, "samples", "count");
		pgo_add_sample_type(p, "cpu", "nanoseconds");
	} else {
		pgo_add_sample_type(p, "alloc_objects", "count");
		pgo_add_sample_type(p, "alloc_space", "bytes");
	}
	uint32_t fmain, fwork, lmain, lwork;
	pgo_add_function(p, "main.main", "main.main", "main.go", start_line, &fmain);
	pgo_add_function(p, "main.work", "main.work", "main.go", start_line ? start_line + 10 : 0, &fwork);
	pgo_line a = {.function = fwork, .line = 25}, b = {.function = fmain, .line = 5};
	pgo_add_location(p, PGO_NONE, 0x1000, &a, 1, &lwork);
	pgo_add_location(p, PGO_NONE, 0x2000, &b, 1, &lmain);
	uint32_t stack[] = {lwork, lmain};
	int64_t values[] = {count, nanos};
	pgo_add_sample(p, stack, 2, values, NULL, 0);
	return p;
}

static void test_check_for_compiler(void)
{
	pgo_error err;
	pgo_profile *p = cpu_profile(5, 50000000, 10, true);
	CHECK(pgo_check_for_compiler(p, "good", &err) == PGO_OK);
	pgo_profile_free(p);

	p = cpu_profile(5, 50000000, 10, false);
	CHECK(pgo_check_for_compiler(p, "heap", &err) == PGO_ERR_NO_VALUE);
	CHECK(strstr(err.message, "heap: not a CPU profile (sample types [alloc_objects/count alloc_space/bytes])"));
	pgo_profile_free(p);

	p = cpu_profile(0, 0, 10, true);
	CHECK(pgo_check_for_compiler(p, "zero", &err) == PGO_ERR_NO_START_LINE);
	CHECK(strstr(err.message, "every sample's samples value is zero") != NULL);
	pgo_profile_free(p);

	p = cpu_profile(5, 50000000, 0, true);
	CHECK(pgo_check_for_compiler(p, "old", &err) == PGO_ERR_NO_START_LINE);
	CHECK(strstr(err.message, "no function has a start line") != NULL);
	pgo_profile_free(p);

	p = pgo_profile_new();
	pgo_add_sample_type(p, "samples", "count");
	CHECK(pgo_check_for_compiler(p, NULL, &err) == PGO_ERR_EMPTY);
	CHECK(strstr(err.message, "profile: no samples") != NULL);
	pgo_profile_free(p);
}

static void test_looks_like_pprof(void)
{
	static const uint8_t gz[] = {0x1f, 0x8b, 8}, zs[] = {0x28, 0xb5, 0x2f, 0xfd}, pb[] = {0x0a, 0x04, 0x08, 1, 0x10, 2};
	CHECK(pgo_looks_like_pprof(gz, sizeof gz));
	CHECK(pgo_looks_like_pprof(zs, sizeof zs));
	CHECK(pgo_looks_like_pprof(pb, sizeof pb));
	CHECK(pgo_looks_like_pprof(NULL, 0));
	CHECK(!pgo_looks_like_pprof((const uint8_t *)"{\"a\":1}", 7));
	CHECK(!pgo_looks_like_pprof((const uint8_t *)"[1]", 3));
	CHECK(!pgo_looks_like_pprof((const uint8_t *)"go 1.23 trace", 13));
	CHECK(!pgo_looks_like_pprof((const uint8_t *)"GO PREPROFILE V1\n", 17));
	/* Compressed, as dd-trace-go v2.4+ sends every attachment: judged by the first decompressed byte. */
	static const char json[] = "{\"go_goroutines\": 12}";
	uint8_t zbuf[256], *gzbuf = NULL;
	size_t zn = ZSTD_compress(zbuf, sizeof zbuf, json, sizeof json - 1, 3), gzn = 0;
	CHECK(!ZSTD_isError(zn) && !pgo_looks_like_pprof(zbuf, zn));
	CHECK_OK(pgo_gzip((const uint8_t *)json, sizeof json - 1, 6, &gzbuf, &gzn, NULL));
	CHECK(!pgo_looks_like_pprof(gzbuf, gzn));
	free(gzbuf);
	zn = ZSTD_compress(zbuf, sizeof zbuf, pb, sizeof pb, 3);
	CHECK(!ZSTD_isError(zn) && pgo_looks_like_pprof(zbuf, zn));
	CHECK_OK(pgo_gzip(pb, sizeof pb, 6, &gzbuf, &gzn, NULL));
	CHECK(pgo_looks_like_pprof(gzbuf, gzn));
	free(gzbuf);
	CHECK(pgo_looks_like_pprof(zbuf, zn / 2)); /* truncated: cannot tell, so the decoder decides */
}

int main(void)
{
	RUN_TESTS("ddapi", test_list_answer_round_trip, test_list_answer_endpoint_counts, test_list_answer_errors, test_error_message,
	          test_search_from_json, test_search_relative_times, test_search_for_go, test_check_for_compiler, test_looks_like_pprof);
}
