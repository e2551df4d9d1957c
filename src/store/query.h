/*
 * Datadog's search syntax, as the profile explorer and datadog-pgo use it:
 *
 *   service:api env:prod -version:1.2 (host:a OR host:b) NOT pgo:true
 *   service:(api OR web) host:web-* region:"us east" @metrics.core_cpu_cores:>1.5
 *   @metrics.core_cpu_cores:[1 TO 4] key:* "free text"
 *
 * Terms separated by spaces are ANDed; AND, OR, NOT (upper case) and
 * parentheses group; -term negates. Values may use * and ? wildcards,
 * quotes, and backslash escapes. @name terms compare numeric attributes:
 * :N, :>N, :>=N, :<N, :<=N, :[A TO B] (inclusive) and :{A TO B} (exclusive).
 * A term without a key matches any tag whose value (or whole "key:value")
 * matches it. Matching is case-sensitive, like tag values.
 */
#ifndef PGO_QUERY_H
#define PGO_QUERY_H

#include <stdbool.h>
#include <stddef.h>

typedef struct pgo_query pgo_query;

typedef struct query_error {
	size_t position;    /* byte offset in the query text, 0-based */
	char message[200];  /* "position 12: expected ')' to close '(' at 4" */
} query_error;

/* Parses text; an empty or all-blank query matches everything. Returns 0,
 * or -1 with err filled. The query never reads text after this returns. */
int query_parse(const char *text, pgo_query **out, query_error *err);
void query_free(pgo_query *q);

/* What a query is evaluated against: one profile's tags ("key:value"; a
 * tag without ':' has an empty value) and numeric attributes ("metrics.
 * core_cpu_cores", without the @). */
typedef struct query_attribute {
	const char *name;
	double value;
} query_attribute;

typedef struct query_subject {
	const char *const *tags;
	size_t n_tags;
	const query_attribute *attributes;
	size_t n_attributes;
} query_subject;

bool query_match(const pgo_query *q, const query_subject *s);

/* True if the query mentions this tag key anywhere (datadog-pgo checks for
 * runtime:go or language:go before adding one). */
bool query_mentions_key(const pgo_query *q, const char *key);

#endif
