/*
 * libFuzzer target for what `pgotool fetch` reads from the network and what
 * `pgotool serve` reads in a search request: the list answer, error bodies,
 * search objects, Go durations, and a zip answer's entries. The first byte
 * picks the parser; the rest is its input. Properties:
 *  - a list answer either parses (every entry with a profile and event id,
 *    and it survives dd_list_answer -> parse with the same ids) or gives a
 *    message;
 *  - a search that parses has a limit in range and a known sort field, its
 *    relative times ("now-72h") lie within 100 years before a fixed now, and
 *    its request text parses back to the same search;
 *  - a parsed duration prints as Go prints it and parses back to itself;
 *  - a zip's entries stay within the byte limit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddapi.h"
#include "input.h"
#include "timefmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void list_answer(const char *text, size_t len)
{
	dd_profile *p = NULL;
	size_t n = 0;
	char msg[256];
	if (dd_list_answer_parse(text, len, &p, &n, msg, sizeof msg)) {
		if (!msg[0])
			abort();
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (!p[i].profile_id[0] || !p[i].event_id[0])
			abort();
	char *again = dd_list_answer(p, n);
	if (again) {
		dd_profile *q = NULL;
		size_t m = 0;
		if (dd_list_answer_parse(again, strlen(again), &q, &m, msg, sizeof msg) || m != n)
			abort();
		for (size_t i = 0; i < n; i++)
			if (strcmp(p[i].profile_id, q[i].profile_id) || strcmp(p[i].event_id, q[i].event_id))
				abort();
		dd_profiles_free(q, m);
		free(again);
	}
	dd_profiles_free(p, n);
}

/* The store's clock for relative times: fixed, so that a run repeats. */
#define FUZZ_NOW 1764524400123456789LL

/* A relative filter time lies in [now - 100 years, now]. */
static void check_relative(const json_t *j, const char *name, int64_t ns)
{
	const char *t = json_string_value(json_object_get(json_object_get(j, "filter"), name));
	if (t && !strncmp(t, "now", 3) && (ns > FUZZ_NOW || ns < FUZZ_NOW - QUERY_TIME_MAX_AGO_NS))
		abort();
}

static void search_object(const char *text, size_t len)
{
	json_t *j = json_loadb(text, len, 0, NULL);
	if (!j)
		return;
	dd_search s;
	char msg[256];
	if (dd_search_from_json(j, "fuzz", FUZZ_NOW, &s, msg, sizeof msg) == 0) {
		if (s.limit < 1 || s.limit > DD_MAX_LIMIT)
			abort();
		check_relative(j, "from", s.from_ns);
		check_relative(j, "to", s.to_ns);
		if (strcmp(s.sort_field, DD_SORT_CPU_CORES) && strcmp(s.sort_field, "timestamp"))
			abort();
		char *req = dd_list_request(&s);
		json_t *back = req ? json_loads(req, 0, NULL) : NULL;
		dd_search t;
		/* A query with invalid UTF-8 goes out as Go writes it (U+FFFD): not the same bytes back. */
		if (back && dd_search_from_json(back, "again", FUZZ_NOW, &t, msg, sizeof msg) == 0) {
			if (t.from_ns != s.from_ns || t.to_ns != s.to_ns || t.limit != s.limit || t.descending != s.descending)
				abort();
			dd_search_free(&t);
		}
		json_decref(back);
		free(req);
		dd_search_free(&s);
	}
	json_decref(j);
}

static void duration(const char *text)
{
	int64_t ns, again;
	char out[64];
	if (go_duration_parse(text, &ns))
		return;
	go_duration_format(ns, out, sizeof out);
	if (go_duration_parse(out, &again) || again != ns)
		abort();
}

static void zip_answer(const uint8_t *data, size_t size)
{
	pgo_input_list list = {0};
	pgo_error err;
	const size_t limit = 1 << 20;
	if (pgo_read_zip("fuzz.zip", data, size, limit, &list, &err) == PGO_OK) {
		size_t total = 0;
		for (size_t i = 0; i < list.n; i++) {
			total += list.items[i].size;
			pgo_looks_like_pprof(list.items[i].data, list.items[i].size);
		}
		if (total > limit)
			abort();
	}
	pgo_input_list_free(&list);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t which = data[0] % 5;
	data++;
	size--;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	switch (which) {
	case 0: list_answer(text, size); break;
	case 1: free(dd_error_message(text, size)); break;
	case 2: search_object(text, size); break;
	case 3: duration(text); break;
	case 4: zip_answer(data, size); break;
	}
	free(text);
	return 0;
}
