/*
 * libFuzzer target for the store's parsers of outside text: the search
 * syntax (query_parse, then query_match against a fixed profile) and RFC
 * 3339 times. Properties:
 *  - a failed parse has one message naming a position within the text;
 *  - a parsed query evaluates without crashing, and NOT (q) is its negation;
 *  - a parsed time formats and parses back to itself;
 *  - a query time (RFC 3339, "now", "now-72h") is the RFC 3339 time when it
 *    is one, and a relative one lies within 100 years before now.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "timefmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	size_t len = strlen(text); /* up to an embedded NUL, as C strings go */

	static const char *const tags[] = {"service:api", "env:prod", "host:web-1", "runtime:go", "pgo:false",
	                                   "region:us east", "version:1.2.3", "bare"};
	static const query_attribute attrs[] = {{"metrics.core_cpu_cores", 1.75}, {"duration_nanos", 6e10}};
	query_subject subject = {tags, sizeof tags / sizeof *tags, attrs, sizeof attrs / sizeof *attrs};

	pgo_query *q = NULL;
	query_error err;
	if (query_parse(text, &q, &err) == 0) {
		bool m = query_match(q, &subject);
		query_mentions_key(q, "runtime");
		char *neg = malloc(len + 8);
		if (neg) {
			snprintf(neg, len + 8, "NOT (%s)", text);
			pgo_query *nq = NULL;
			query_error nerr;
			/* Wrapping can push a query past the length limit; otherwise it parses. */
			if (query_parse(neg, &nq, &nerr) == 0) {
				if (query_match(nq, &subject) == m)
					abort();
				query_free(nq);
			}
			free(neg);
		}
		query_free(q);
	} else if (err.position > len || !strstr(err.message, "position ")) {
		abort();
	}

	int64_t ns;
	/* Formatting covers years 0001 to 9999 only, and leap seconds come back as :00. */
	if (rfc3339_parse(text, &ns) == 0 && !strstr(text, ":60")) {
		char back[64];
		int64_t again;
		rfc3339_format(ns, back, sizeof back);
		if (rfc3339_parse(back, &again) || again != ns)
			abort();
	}

	/* filter.from and filter.to of the query API, at a fixed now. */
	const int64_t now = 1764524400123456789LL;
	int64_t qt = 0, rt = 0;
	int qrc = query_time_parse(text, now, &qt);
	if (qrc < -2 || qrc > 0)
		abort();
	if (strncmp(text, "now", 3) != 0) {
		int rrc = rfc3339_parse(text, &rt);
		if (qrc != rrc || (qrc == 0 && qt != rt))
			abort();
	} else if (qrc == 0 && (qt > now || qt < now - QUERY_TIME_MAX_AGO_NS)) {
		abort();
	} else if (qrc == 0 && strcmp(text, "now") != 0) {
		/* now-N<unit>: N in the unit gives back the same distance. */
		char back[64];
		const char *u = text + strlen(text) - 1;
		static const struct {
			char unit;
			int64_t ns;
		} units[] = {{'s', 1000000000LL}, {'m', 60000000000LL}, {'h', 3600000000000LL},
		             {'d', 86400000000000LL}, {'w', 604800000000000LL}};
		for (size_t i = 0; i < sizeof units / sizeof *units; i++)
			if (*u == units[i].unit) {
				snprintf(back, sizeof back, "now-%lld%c", (long long)((now - qt) / units[i].ns), *u);
				if (query_time_parse(back, now, &rt) || rt != qt)
					abort();
			}
	}
	free(text);
	return 0;
}
