/*
 * The search syntax (spec §3) through query.h: what parses, what each
 * query matches, and where and why a bad query is refused.
 *
 * Subjects are written as one string of tags separated by '|' ("service:
 * api|env:prod"); the attribute metrics.core_cpu_cores is given as a
 * number, or NOCPU for a profile without it.
 */
#include "harness.h"
#include "query.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOCPU NAN
#define MAX_SUBJECT_TAGS 16

/* 1 if query matches the subject, 0 if not, -1 if it does not parse. */
static int match(const char *query, const char *tags, double cores)
{
	static char buf[8192];
	const char *list[MAX_SUBJECT_TAGS];
	size_t n = 0;
	snprintf(buf, sizeof buf, "%s", tags);
	if (buf[0]) {
		for (char *p = buf; n < MAX_SUBJECT_TAGS;) {
			list[n++] = p;
			char *bar = strchr(p, '|');
			if (!bar)
				break;
			*bar = '\0';
			p = bar + 1;
		}
	}
	query_attribute attrs[2] = {
		{"metrics.core_cpu_time_total", 1e9},
		{"metrics.core_cpu_cores", cores},
	};
	query_subject s = {list, n, attrs, isnan(cores) ? 1 : 2};
	pgo_query *q = NULL;
	query_error err = {0};
	if (query_parse(query, &q, &err)) {
		fprintf(stderr, "  query [%s] does not parse: %s\n", query, err.message);
		return -1;
	}
	int r = query_match(q, &s) ? 1 : 0;
	query_free(q);
	return r;
}

/* The query is refused with err.position == pos and a message "position
 * POS: ..." that contains want. */
static bool fails_at(const char *query, size_t pos, const char *want)
{
	pgo_query *q = (pgo_query *)&q; /* must come back NULL */
	query_error err;
	memset(&err, 0x55, sizeof err);
	err.message[sizeof err.message - 1] = '\0';
	if (query_parse(query, &q, &err) == 0) {
		fprintf(stderr, "  query [%.80s] parsed, expected an error at %zu\n", query, pos);
		query_free(q);
		return false;
	}
	char prefix[64];
	snprintf(prefix, sizeof prefix, "position %zu: ", pos);
	bool ok = q == NULL && err.position == pos && strncmp(err.message, prefix, strlen(prefix)) == 0 &&
	          strstr(err.message, want) != NULL && memchr(err.message, '\0', sizeof err.message) != NULL;
	if (!ok)
		fprintf(stderr, "  query [%.80s]: got position %zu, \"%s\"; want position %zu, \"...%s...\"\n", query,
		        err.position, err.message, pos, want);
	return ok;
}

static bool mentions(const char *query, const char *key)
{
	pgo_query *q = NULL;
	query_error err;
	if (query_parse(query, &q, &err)) {
		fprintf(stderr, "  query [%s] does not parse: %s\n", query, err.message);
		return false;
	}
	bool r = query_mentions_key(q, key);
	query_free(q);
	return r;
}

/* ------------------------------------------------------------------ */

static void test_empty(void)
{
	CHECK(match("", "", NOCPU) == 1);
	CHECK(match("", "service:api", 1.0) == 1);
	CHECK(match("   ", "service:api", NOCPU) == 1);
	CHECK(match("\t \n", "", NOCPU) == 1);
	pgo_query *q = NULL;
	query_error err;
	CHECK(query_parse(NULL, &q, &err) == 0 && q != NULL);
	query_subject none = {NULL, 0, NULL, 0};
	if (q)
		CHECK(query_match(q, &none));
	query_free(q);
	query_free(NULL);
}

static void test_key_value(void)
{
	const char *t = "service:api|env:prod|version:1.2|host:web-1|runtime:go|pgo:false";
	CHECK(match("service:api", t, 1) == 1);
	CHECK(match("service:web", t, 1) == 0);
	CHECK(match("service:ap", t, 1) == 0);    /* whole values, not prefixes */
	CHECK(match("service:apix", t, 1) == 0);
	CHECK(match("Service:api", t, 1) == 0);   /* case-sensitive keys */
	CHECK(match("service:API", t, 1) == 0);   /* and values */
	CHECK(match("version:1.2", t, 1) == 1);
	CHECK(match("region:us", t, 1) == 0);     /* a tag the profile lacks */
	CHECK(match("pgo:false", t, 1) == 1);
	/* a value may hold ':' unescaped, and '-' */
	CHECK(match("host:a:b", "host:a:b", 1) == 1);
	CHECK(match("offset:-1", "offset:-1", 1) == 1);
	/* a key may appear several times */
	CHECK(match("team:y", "team:x|team:y", 1) == 1);
	/* a tag without ':' has an empty value */
	CHECK(match("standalone:*", "standalone", 1) == 1);
	CHECK(match("standalone:x", "standalone", 1) == 0);
}

static void test_implicit_and(void)
{
	CHECK(match("service:api env:prod", "service:api|env:prod", 1) == 1);
	CHECK(match("service:api env:prod", "service:api|env:dev", 1) == 0);
	CHECK(match("service:api env:prod", "env:prod", 1) == 0);
	CHECK(match("service:api AND env:prod", "service:api|env:prod", 1) == 1);
	CHECK(match("service:api AND env:prod", "service:api", 1) == 0);
	CHECK(match("  service:api\t\tenv:prod \n", "service:api|env:prod", 1) == 1);
	CHECK(match("a:1 b:2 c:3 d:4", "d:4|c:3|b:2|a:1", 1) == 1);
	CHECK(match("a:1 b:2 c:3 d:4", "d:4|c:3|a:1", 1) == 0);
}

static void test_or_and_not_precedence(void)
{
	CHECK(match("service:api OR service:web", "service:web", 1) == 1);
	CHECK(match("service:api OR service:web", "service:db", 1) == 0);
	/* AND binds tighter than OR: a OR (b AND c) */
	const char *q = "a:1 OR b:1 c:1";
	CHECK(match(q, "a:1", 1) == 1);
	CHECK(match(q, "b:1", 1) == 0);
	CHECK(match(q, "c:1", 1) == 0);
	CHECK(match(q, "b:1|c:1", 1) == 1);
	q = "a:1 OR b:1 AND c:1";
	CHECK(match(q, "a:1", 1) == 1);
	CHECK(match(q, "b:1", 1) == 0);
	CHECK(match(q, "b:1|c:1", 1) == 1);
	q = "b:1 AND c:1 OR a:1";
	CHECK(match(q, "a:1", 1) == 1);
	CHECK(match(q, "c:1", 1) == 0);
	/* NOT binds tighter than AND and OR: (NOT a) AND b, (NOT a) OR b */
	q = "NOT a:1 b:1";
	CHECK(match(q, "b:1", 1) == 1);
	CHECK(match(q, "a:1|b:1", 1) == 0);
	CHECK(match(q, "", 1) == 0);
	q = "NOT a:1 OR b:1";
	CHECK(match(q, "a:1", 1) == 0);
	CHECK(match(q, "a:1|b:1", 1) == 1);
	CHECK(match(q, "", 1) == 1);
	q = "a:1 AND NOT b:1";
	CHECK(match(q, "a:1", 1) == 1);
	CHECK(match(q, "a:1|b:1", 1) == 0);
	/* NOT NOT and -- cancel out */
	CHECK(match("NOT NOT a:1", "a:1", 1) == 1);
	CHECK(match("NOT NOT a:1", "", 1) == 0);
	CHECK(match("--a:1", "a:1", 1) == 1);
	CHECK(match("-NOT a:1", "a:1", 1) == 1);
	/* three-way OR and chains */
	q = "a:1 OR a:2 OR a:3";
	CHECK(match(q, "a:3", 1) == 1);
	CHECK(match(q, "a:4", 1) == 0);
	CHECK(match("a:1 OR b:1 OR c:1 d:1", "c:1", 1) == 0);
	CHECK(match("a:1 OR b:1 OR c:1 d:1", "c:1|d:1", 1) == 1);
}

static void test_parentheses(void)
{
	const char *q = "(a:1 OR b:1) c:1";
	CHECK(match(q, "a:1", 1) == 0);
	CHECK(match(q, "a:1|c:1", 1) == 1);
	CHECK(match(q, "b:1|c:1", 1) == 1);
	CHECK(match(q, "c:1", 1) == 0);
	q = "(a:1 OR b:1) AND (c:1 OR d:1)";
	CHECK(match(q, "b:1|d:1", 1) == 1);
	CHECK(match(q, "a:1|b:1", 1) == 0);
	CHECK(match("((((a:1))))", "a:1", 1) == 1);
	CHECK(match("(a:1)(b:1)", "a:1|b:1", 1) == 1); /* no space needed around parentheses */
	CHECK(match("(a:1)(b:1)", "a:1", 1) == 0);
	CHECK(match("( a:1 OR ( b:1 c:1 ) )", "b:1|c:1", 1) == 1);
	CHECK(match("( a:1 OR ( b:1 c:1 ) )", "c:1", 1) == 0);
	/* negated groups */
	CHECK(match("NOT (a:1 OR b:1)", "b:1", 1) == 0);
	CHECK(match("NOT (a:1 OR b:1)", "c:1", 1) == 1);
	CHECK(match("-(a:1 OR b:1)", "a:1", 1) == 0);
	CHECK(match("-(a:1 OR b:1)", "", 1) == 1);
	CHECK(match("-(a:1)", "b:1", 1) == 1);
	CHECK(match("env:prod -(host:a OR host:b)", "env:prod|host:c", 1) == 1);
	CHECK(match("env:prod -(host:a OR host:b)", "env:prod|host:a", 1) == 0);
	CHECK(match("NOT(a:1)", "a:1", 1) == 0);
	/* 64 levels are fine */
	char deep[200];
	size_t n = 0;
	for (int i = 0; i < 64; i++)
		deep[n++] = '(';
	memcpy(deep + n, "a:1", 3);
	n += 3;
	for (int i = 0; i < 64; i++)
		deep[n++] = ')';
	deep[n] = '\0';
	CHECK(match(deep, "a:1", 1) == 1);
}

static void test_negation(void)
{
	CHECK(match("-pgo:true", "pgo:true", 1) == 0);
	CHECK(match("-pgo:true", "pgo:false", 1) == 1);
	CHECK(match("-pgo:true", "", 1) == 1); /* a profile without the tag is not excluded */
	CHECK(match("NOT pgo:true", "pgo:true", 1) == 0);
	CHECK(match("NOT pgo:true", "pgo:false", 1) == 1);
	/* the query that finds Go services not yet built with PGO */
	const char *q = "runtime:go -pgo:true";
	CHECK(match(q, "runtime:go|pgo:false", 1) == 1);
	CHECK(match(q, "runtime:go", 1) == 1);
	CHECK(match(q, "runtime:go|pgo:true", 1) == 0);
	CHECK(match(q, "runtime:java|pgo:false", 1) == 0);
	/* '-' inside a value or word is not a negation */
	CHECK(match("host:web-1", "host:web-1", 1) == 1);
	CHECK(match("env:prod -host:web-1", "env:prod|host:web-2", 1) == 1);
	CHECK(match("env:prod -host:web-1", "env:prod|host:web-1", 1) == 0);
	/* a negated key with several values: excluded if any value matches */
	CHECK(match("-team:x", "team:y|team:x", 1) == 0);
}

static void test_key_groups(void)
{
	const char *q = "service:(api OR web)";
	CHECK(match(q, "service:api", 1) == 1);
	CHECK(match(q, "service:web", 1) == 1);
	CHECK(match(q, "service:db", 1) == 0);
	CHECK(match(q, "host:api", 1) == 0); /* the key applies to every value */
	CHECK(match(q, "", 1) == 0);
	/* AND of values: a key with several values */
	q = "team:(x AND y)";
	CHECK(match(q, "team:x|team:y", 1) == 1);
	CHECK(match(q, "team:x", 1) == 0);
	CHECK(match("team:(x y)", "team:x|team:y", 1) == 1); /* implicit AND inside too */
	CHECK(match("team:(x y)", "team:y", 1) == 0);
	/* NOT and nesting inside the group */
	CHECK(match("service:(NOT api)", "service:web", 1) == 1);
	CHECK(match("service:(NOT api)", "service:api", 1) == 0);
	q = "service:((api OR web) AND NOT db)";
	CHECK(match(q, "service:web", 1) == 1);
	CHECK(match(q, "service:web|service:db", 1) == 0);
	CHECK(match(q, "service:db", 1) == 0);
	/* AND binds tighter than OR inside too */
	q = "k:(a OR b AND c)";
	CHECK(match(q, "k:a", 1) == 1);
	CHECK(match(q, "k:b", 1) == 0);
	CHECK(match(q, "k:b|k:c", 1) == 1);
	/* what datadog-pgo prints as its debug query */
	q = "profile-id:(0a1b OR 2c3d OR 4e5f)";
	CHECK(match(q, "profile-id:2c3d", 1) == 1);
	CHECK(match(q, "profile-id:4e5f", 1) == 1);
	CHECK(match(q, "profile-id:6a7b", 1) == 0);
	/* a group with wildcards and quoted values */
	q = "host:(web-* OR \"db 1\")";
	CHECK(match(q, "host:web-9", 1) == 1);
	CHECK(match(q, "host:db 1", 1) == 1);
	CHECK(match(q, "host:db", 1) == 0);
	/* negated group and a group in a larger query */
	CHECK(match("-service:(api OR web)", "service:web", 1) == 0);
	CHECK(match("-service:(api OR web)", "service:db", 1) == 1);
	CHECK(match("env:prod service:(api OR web) OR env:dev", "env:dev", 1) == 1);
	CHECK(match("env:prod service:(api OR web) OR env:dev", "env:prod|service:db", 1) == 0);
}

static void test_wildcards(void)
{
	CHECK(match("host:web-*", "host:web-1", 1) == 1);
	CHECK(match("host:web-*", "host:web-", 1) == 1); /* '*' matches an empty run */
	CHECK(match("host:web-*", "host:xweb-1", 1) == 0);
	CHECK(match("host:web-*", "host:web", 1) == 0);
	CHECK(match("host:*-1", "host:web-1", 1) == 1);
	CHECK(match("host:*-1", "host:web-12", 1) == 0);
	CHECK(match("host:w*b*1", "host:web-1", 1) == 1);
	CHECK(match("host:w*b*1", "host:wb1", 1) == 1);
	CHECK(match("host:w*b*1", "host:web-2", 1) == 0);
	CHECK(match("host:*web*", "host:my-web-1", 1) == 1);
	CHECK(match("host:web-?", "host:web-1", 1) == 1);
	CHECK(match("host:web-?", "host:web-12", 1) == 0);
	CHECK(match("host:web-?", "host:web-", 1) == 0);
	CHECK(match("host:??", "host:ab", 1) == 1);
	CHECK(match("host:??", "host:abc", 1) == 0);
	CHECK(match("host:a*a*a*b", "host:aaaaaaaaaaaaaaaaaaaaaaaaaaaaab", 1) == 1);
	CHECK(match("host:a*a*a*b", "host:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1) == 0);
	CHECK(match("host:*", "host:anything", 1) == 1);
	CHECK(match("host:*", "host:", 1) == 1);
	CHECK(match("host:**", "host:x", 1) == 1);
	/* key:* means the tag exists */
	CHECK(match("host:*", "service:api", 1) == 0);
	CHECK(match("-host:*", "service:api", 1) == 1);
	CHECK(match("-host:*", "host:x", 1) == 0);
	CHECK(match("pgo:* -pgo:true", "pgo:false", 1) == 1);
	CHECK(match("pgo:* -pgo:true", "runtime:go", 1) == 0);
	/* escaped or quoted wildcards are literal */
	CHECK(match("host:web\\*", "host:web*", 1) == 1);
	CHECK(match("host:web\\*", "host:web-1", 1) == 0);
	CHECK(match("host:web\\?", "host:web?", 1) == 1);
	CHECK(match("host:web\\?", "host:webx", 1) == 0);
	CHECK(match("host:\"web*\"", "host:web*", 1) == 1);
	CHECK(match("host:\"web*\"", "host:web-1", 1) == 0);
	CHECK(match("host:\"*\"", "host:*", 1) == 1);
	CHECK(match("host:\"*\"", "host:x", 1) == 0);
	CHECK(match("host:\\*", "host:x", 1) == 0);
	CHECK(match("host:\\*", "host:*", 1) == 1);
	/* wildcards in free text */
	CHECK(match("web*", "host:web-1", 1) == 1);
	CHECK(match("web*", "host:db-1", 1) == 0);
}

static void test_quotes_and_escapes(void)
{
	CHECK(match("region:\"us east\"", "region:us east", 1) == 1);
	CHECK(match("region:\"us east\"", "region:us", 1) == 0);
	CHECK(match("region:\"us east\"", "region:us east 1", 1) == 0);
	CHECK(match("region:\"\"", "region:", 1) == 1);           /* an empty quoted value */
	CHECK(match("region:\"\"", "region:x", 1) == 0);
	CHECK(match("msg:\"say \\\"hi\\\"\"", "msg:say \"hi\"", 1) == 1);
	CHECK(match("msg:\"a OR b\"", "msg:a OR b", 1) == 1); /* operators are literal inside quotes */
	CHECK(match("msg:\"(x)\"", "msg:(x)", 1) == 1);
	CHECK(match("region:\"us east\" env:prod", "region:us east|env:prod", 1) == 1);
	CHECK(match("region:\"us east\" env:prod", "region:us east|env:dev", 1) == 0);
	/* backslash escapes */
	CHECK(match("host:a\\:b", "host:a:b", 1) == 1);
	CHECK(match("host:a\\:b", "host:a", 1) == 0);
	CHECK(match("host:a\\ b", "host:a b", 1) == 1);
	CHECK(match("host:a\\(b\\)", "host:a(b)", 1) == 1);
	CHECK(match("host:a\\\\b", "host:a\\b", 1) == 1);
	CHECK(match("path:\\-x", "path:-x", 1) == 1);
	CHECK(match("\\-x", "path:-x", 1) == 1); /* an escaped '-' is no negation */
	CHECK(match("\\-x", "path:y", 1) == 0);
}

static void test_free_text(void)
{
	/* a value of any tag, or a whole tag */
	CHECK(match("api", "service:api|env:prod", 1) == 1);
	CHECK(match("prod", "service:api|env:prod", 1) == 1);
	CHECK(match("service", "service:api", 1) == 0);
	CHECK(match("api", "service:web", 1) == 0);
	CHECK(match("standalone", "standalone|env:prod", 1) == 1);
	CHECK(match("service\\:api", "service:api", 1) == 1);
	CHECK(match("\"us east\"", "region:us east", 1) == 1);
	CHECK(match("\"us east\"", "region:us", 1) == 0);
	CHECK(match("api env:prod", "service:api|env:prod", 1) == 1);
	CHECK(match("api env:prod", "service:api|env:dev", 1) == 0);
	CHECK(match("api OR web", "service:web", 1) == 1);
	CHECK(match("-api", "service:api", 1) == 0);
	CHECK(match("-api", "service:web", 1) == 1);
	CHECK(match("api", "", 1) == 0);
	/* operators are upper case words; anything else is text */
	CHECK(match("service:api or service:web", "service:api", 1) == 0);
	CHECK(match("service:api or service:web", "service:api|x:or|service:web", 1) == 1);
	CHECK(match("service:api and env:prod", "service:api|env:prod", 1) == 0);
	CHECK(match("not", "x:not", 1) == 1);
	CHECK(match("ORACLE", "db:ORACLE", 1) == 1);
	CHECK(match("ANDROID", "os:ANDROID", 1) == 1);
	CHECK(match("NOTE", "x:NOTE", 1) == 1);
	CHECK(match("service:ORACLE", "service:ORACLE", 1) == 1);
	CHECK(match("ORx OR ANDx", "x:ANDx", 1) == 1);
}

static void test_numeric(void)
{
	const char *gt = "@metrics.core_cpu_cores:>1.5";
	CHECK(match(gt, "", 1.7) == 1);
	CHECK(match(gt, "", 1.5) == 0);
	CHECK(match(gt, "", 0.2) == 0);
	CHECK(match("@metrics.core_cpu_cores:>=1.5", "", 1.5) == 1);
	CHECK(match("@metrics.core_cpu_cores:>=1.5", "", 1.49) == 0);
	CHECK(match("@metrics.core_cpu_cores:<1.5", "", 1.4) == 1);
	CHECK(match("@metrics.core_cpu_cores:<1.5", "", 1.5) == 0);
	CHECK(match("@metrics.core_cpu_cores:<=1.5", "", 1.5) == 1);
	CHECK(match("@metrics.core_cpu_cores:<=1.5", "", 1.51) == 0);
	/* inclusive and exclusive ranges */
	const char *in = "@metrics.core_cpu_cores:[1 TO 5]";
	CHECK(match(in, "", 1) == 1);
	CHECK(match(in, "", 3) == 1);
	CHECK(match(in, "", 5) == 1);
	CHECK(match(in, "", 0.99) == 0);
	CHECK(match(in, "", 5.01) == 0);
	const char *ex = "@metrics.core_cpu_cores:{1 TO 5}";
	CHECK(match(ex, "", 1) == 0);
	CHECK(match(ex, "", 1.0001) == 1);
	CHECK(match(ex, "", 4.9999) == 1);
	CHECK(match(ex, "", 5) == 0);
	CHECK(match("@metrics.core_cpu_cores:[1 TO 5}", "", 5) == 0);
	CHECK(match("@metrics.core_cpu_cores:[1 TO 5}", "", 1) == 1);
	CHECK(match("@metrics.core_cpu_cores:[ 0.5 TO 2.5 ]", "", 2.5) == 1);
	CHECK(match("@metrics.core_cpu_cores:[-1 TO 1e1]", "", 10) == 1);
	/* equality */
	CHECK(match("@metrics.core_cpu_cores:1.5", "", 1.5) == 1);
	CHECK(match("@metrics.core_cpu_cores:1.5", "", 1.50001) == 0);
	CHECK(match("@metrics.core_cpu_cores:2", "", 2.0) == 1);
	CHECK(match("@metrics.core_cpu_time_total:1000000000", "", 0.1) == 1);
	CHECK(match("@metrics.core_cpu_time_total:>1e9", "", 0.1) == 0);
	CHECK(match("@metrics.core_cpu_cores:>-1", "", 0) == 1);
	CHECK(match("@metrics.core_cpu_cores:> 1.5", "", 2) == 1);
	/* with other terms */
	CHECK(match("service:api @metrics.core_cpu_cores:>1.5", "service:api", 2) == 1);
	CHECK(match("service:api @metrics.core_cpu_cores:>1.5", "service:api", 1) == 0);
	CHECK(match("service:api @metrics.core_cpu_cores:>1.5", "service:web", 2) == 0);
	CHECK(match("@metrics.core_cpu_cores:<1 OR @metrics.core_cpu_cores:>4", "", 4.5) == 1);
	CHECK(match("@metrics.core_cpu_cores:<1 OR @metrics.core_cpu_cores:>4", "", 2) == 0);
	CHECK(match("-@metrics.core_cpu_cores:>1.5", "", 2) == 0);
	CHECK(match("-@metrics.core_cpu_cores:>1.5", "", 1) == 1);
	/* a missing attribute compares false; its negation is true */
	CHECK(match(gt, "", NOCPU) == 0);
	CHECK(match("@metrics.core_cpu_cores:<1.5", "", NOCPU) == 0);
	CHECK(match(in, "", NOCPU) == 0);
	CHECK(match("-@metrics.core_cpu_cores:>1.5", "", NOCPU) == 1);
	CHECK(match("@metrics.core_cpu_cores:*", "", NOCPU) == 0);
	CHECK(match("@metrics.core_cpu_cores:*", "", 0.5) == 1);
	CHECK(match("@metrics.nope:>0", "", 5) == 0);
	CHECK(match("@metrics.core_cpu:>0", "", 5) == 0); /* names match whole */
	/* an attribute is not a tag, nor a tag an attribute */
	CHECK(match("metrics.core_cpu_cores:*", "", 5) == 0);
	CHECK(match("@service:api", "service:api", 5) == 0);
}

static void test_text_lifetime(void)
{
	/* The query never reads its text after query_parse returns. */
	char *text = strdup("service:(api OR web) host:web-* region:\"us east\" @metrics.core_cpu_cores:[1 TO 4]");
	if (!text) {
		CHECK(text != NULL);
		return;
	}
	pgo_query *q = NULL;
	query_error err;
	CHECK(query_parse(text, &q, &err) == 0);
	memset(text, 'x', strlen(text));
	free(text);
	const char *tags[] = {"service:web", "host:web-3", "region:us east"};
	query_attribute a[] = {{"metrics.core_cpu_cores", 2}};
	query_subject s = {tags, 3, a, 1};
	if (q) {
		CHECK(query_match(q, &s));
		CHECK(query_mentions_key(q, "region"));
	}
	query_free(q);
}

static void test_mentions_key(void)
{
	CHECK(mentions("service:foo env:prod runtime:go", "runtime"));
	CHECK(mentions("service:foo env:prod runtime:go", "service"));
	CHECK(!mentions("service:foo env:prod", "runtime"));
	CHECK(!mentions("service:foo env:prod", "language"));
	CHECK(mentions("language:go", "language"));
	CHECK(mentions("-runtime:go", "runtime"));
	CHECK(mentions("NOT runtime:go", "runtime"));
	CHECK(mentions("language:(go OR java)", "language"));
	CHECK(mentions("a:1 OR (b:1 AND (c:1 OR runtime:go))", "runtime"));
	CHECK(mentions("runtime:*", "runtime"));
	CHECK(!mentions("runtime", "runtime"));         /* free text is no key */
	CHECK(!mentions("\"runtime:go\"", "runtime"));  /* nor is a quoted phrase */
	CHECK(!mentions("runtimes:go", "runtime"));
	CHECK(!mentions("runtime_version:1.22", "runtime"));
	CHECK(!mentions("@runtime:>1", "runtime"));     /* attributes are not tags */
	CHECK(!mentions("", "runtime"));
	CHECK(!mentions("   ", "service"));
}

/* ---- refused queries ------------------------------------------------ */

static void test_unbalanced(void)
{
	CHECK(fails_at("(service:a", 10, "expected ')' to close the '(' at 0"));
	CHECK(fails_at("env:prod (service:a OR service:b", 32, "expected ')' to close the '(' at 9"));
	CHECK(fails_at("((a:1)", 6, "expected ')' to close the '(' at 0"));
	CHECK(fails_at("service:a)", 9, "unexpected ')'"));
	CHECK(fails_at("(a:1))", 5, "unexpected ')'"));
	CHECK(fails_at(")", 0, "unexpected ')'"));
	CHECK(fails_at("()", 1, "unexpected ')'"));
	CHECK(fails_at("service:(a OR b", 15, "expected ')' to close the '(' at 8"));
	CHECK(fails_at("service:((a OR b)", 17, "expected ')' to close the '(' at 8"));
	CHECK(fails_at("service:(a OR (b c)", 19, "expected ')' to close the '(' at 8"));
	/* deeper than 64 levels */
	char deep[200];
	size_t n = 0;
	for (int i = 0; i < 65; i++)
		deep[n++] = '(';
	memcpy(deep + n, "a:1", 3);
	n += 3;
	for (int i = 0; i < 65; i++)
		deep[n++] = ')';
	deep[n] = '\0';
	CHECK(fails_at(deep, 64, "nest deeper than 64"));
	n = 0;
	memcpy(deep, "k:", 2);
	n = 2;
	for (int i = 0; i < 66; i++)
		deep[n++] = '(';
	deep[n++] = 'a';
	for (int i = 0; i < 66; i++)
		deep[n++] = ')';
	deep[n] = '\0';
	CHECK(fails_at(deep, 67, "nest deeper than 64"));
}

static void test_dangling_operators(void)
{
	CHECK(fails_at("service:a OR", 12, "'OR' needs a term after it"));
	CHECK(fails_at("service:a OR   ", 15, "'OR' needs a term after it"));
	CHECK(fails_at("(service:a OR )", 14, "'OR' needs a term after it"));
	CHECK(fails_at("service:a AND", 13, "'AND' needs a term after it"));
	CHECK(fails_at("service:a AND  ", 15, "'AND' needs a term after it"));
	CHECK(fails_at("OR service:a", 0, "'OR' needs a term before it"));
	CHECK(fails_at("AND service:a", 0, "'AND' needs a term before it"));
	CHECK(fails_at("  AND service:a", 2, "'AND' needs a term before it"));
	CHECK(fails_at("service:a OR OR service:b", 13, "'OR' needs a term before it"));
	CHECK(fails_at("service:a AND OR service:b", 14, "'OR' needs a term before it"));
	CHECK(fails_at("service:a AND AND service:b", 14, "'AND' needs a term before it"));
	CHECK(fails_at("(OR a:1)", 1, "'OR' needs a term before it"));
	/* a NOT with nothing to negate */
	pgo_query *q = NULL;
	query_error err;
	CHECK(query_parse("NOT", &q, &err) == -1 && q == NULL && err.position == 3);
	CHECK(query_parse("a:1 NOT", &q, &err) == -1 && q == NULL && err.position == 7);
	CHECK(query_parse("a:1 -(", &q, &err) == -1 && q == NULL);
}

static void test_missing_value(void)
{
	CHECK(fails_at("service:", 8, "expected a value after 'service:'"));
	CHECK(fails_at("service: env:prod", 8, "expected a value after 'service:'"));
	CHECK(fails_at("env:prod service:", 17, "expected a value after 'service:'"));
	CHECK(fails_at("(service:)", 9, "expected a value after 'service:'"));
	CHECK(fails_at("service:()", 9, "expected a value after 'service:'"));
	CHECK(fails_at("service:(api OR )", 16, "expected a value after 'service:'"));
	CHECK(fails_at("@metrics.core_cpu_cores:", 24, "expected a value after '@metrics.core_cpu_cores:'"));
	CHECK(fails_at(":api", 0, "a key must be a plain name before ':'"));
	CHECK(fails_at("env:prod :api", 9, "a key must be a plain name before ':'"));
	CHECK(fails_at("serv*:api", 0, "a key must be a plain name before ':'"));
	CHECK(fails_at("serv?ce:api", 0, "a key must be a plain name before ':'"));
}

static void test_bad_quotes_and_escapes(void)
{
	CHECK(fails_at("region:\"us east", 7, "the quote opened here is never closed"));
	CHECK(fails_at("env:prod \"free text", 9, "the quote opened here is never closed"));
	CHECK(fails_at("\"", 0, "the quote opened here is never closed"));
	CHECK(fails_at("msg:\"ends in an escaped quote\\\"", 4, "the quote opened here is never closed"));
	CHECK(fails_at("host:a\\", 6, "a backslash at the end escapes nothing"));
	CHECK(fails_at("host\\", 4, "a backslash at the end escapes nothing"));
}

static void test_bad_numbers(void)
{
	/* "@metrics.core_cpu_cores" is 23 bytes: ':' at 23, the operator at 24 */
	CHECK(fails_at("@metrics.core_cpu_cores:>abc", 25, "expected a number"));
	CHECK(fails_at("@metrics.core_cpu_cores:>=abc", 26, "expected a number"));
	CHECK(fails_at("@metrics.core_cpu_cores:<", 25, "expected a number"));
	CHECK(fails_at("@metrics.core_cpu_cores:<=", 26, "expected a number"));
	CHECK(fails_at("@x:>1.2.3", 4, "expected a number"));
	CHECK(fails_at("@x:>1e999", 4, "expected a number"));
	CHECK(fails_at("@x:>--1", 4, "expected a number"));
	CHECK(fails_at("@x:> ", 5, "expected a number"));
	CHECK(fails_at("@x:[a TO 5]", 4, "expected a number"));
	CHECK(fails_at("@x:[1 TO b]", 9, "expected a number"));
	CHECK(fails_at("@x:[1 TO ]", 9, "expected a number"));
	/* a number runs to the end of its word: ">1abc" is no number followed by "abc" */
	CHECK(fails_at("@x:>1abc", 4, "expected a number"));
	CHECK(fails_at("@x:>1.5x env:prod", 4, "expected a number"));
}

static void test_bad_ranges(void)
{
	CHECK(fails_at("@x:[1 5]", 6, "expected 'TO' in the range opened at 3"));
	CHECK(fails_at("@x:[1 to 5]", 6, "expected 'TO' in the range opened at 3"));
	CHECK(fails_at("@x:{1 - 5}", 6, "expected 'TO' in the range opened at 3"));
	CHECK(fails_at("@x:[1]", 5, "expected 'TO' in the range opened at 3"));
	CHECK(fails_at("@x:[1", 5, "expected 'TO' in the range opened at 3"));
	CHECK(fails_at("@x:[1 TO 5", 10, "expected ']' or '}' to close the range opened at 3"));
	CHECK(fails_at("@x:[1 TO 5 env:prod", 11, "expected ']' or '}' to close the range opened at 3"));
	CHECK(fails_at("@x:{1 TO 5)", 10, "expected ']' or '}' to close the range opened at 3"));
}

static void test_too_long(void)
{
	/* 4096 bytes parse; 4097 do not, and the error points at the limit */
	char *text = malloc(5000);
	if (!text) {
		CHECK(text != NULL);
		return;
	}
	memset(text, 'a', 4096);
	memcpy(text, "k:", 2);
	text[4096] = '\0';
	char tag[4200];
	snprintf(tag, sizeof tag, "%s", text);
	CHECK(match(text, tag, 1) == 1);
	text[4096] = 'a';
	text[4097] = '\0';
	CHECK(fails_at(text, 4096, "longer than 4096 bytes"));
	/* many short terms within the limit: a long chain, not a deep nesting error */
	size_t n = 0;
	while (n + 4 < 4096) {
		memcpy(text + n, "a:1 ", 4);
		n += 4;
	}
	text[n] = '\0';
	CHECK(match(text, "a:1", 1) == 1);
	/* a long run of negations within the limit parses and evaluates */
	memset(text, '-', 4000);
	memcpy(text + 4000, "a:1", 4);
	CHECK(match(text, "a:1", 1) == 1); /* 4000 negations: even */
	n = 0;
	while (n + 4 < 4000) {
		memcpy(text + n, "NOT ", 4);
		n += 4;
	}
	memcpy(text + n, "a:1", 4);
	CHECK(match(text, "a:1", 1) == (int)((n / 4 + 1) % 2)); /* (n/4) NOTs */
	free(text);
}

static void test_error_does_not_leak_or_keep(void)
{
	/* A failed parse leaves *out NULL and a NUL-terminated message, for many shapes. */
	static const char *const bad[] = {
		"(", ")", "a:", ":", "\"", "a:(", "a:(b", "a:(b OR", "@x:[", "@x:[1 TO", "@x:>", "NOT (", "a OR",
		"(a:1 OR (b:1", "a:\"b", "a:b\\", "-", "- a:1 (",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		pgo_query *q = (pgo_query *)&q;
		query_error err;
		memset(&err, 0x55, sizeof err);
		int rc = query_parse(bad[i], &q, &err);
		if (rc == 0) {
			query_free(q);
			/* "-" alone and "- a:1 (" may be text or an error; the others must fail */
			CHECK(strcmp(bad[i], "-") == 0);
			continue;
		}
		CHECK(rc == -1 && q == NULL);
		CHECK(memchr(err.message, '\0', sizeof err.message) != NULL);
		CHECK(err.position <= strlen(bad[i]));
		if (memchr(err.message, '\0', sizeof err.message))
			CHECK(strncmp(err.message, "position ", 9) == 0);
	}
	/* a NULL err is allowed */
	pgo_query *q = NULL;
	CHECK(query_parse("(", &q, NULL) == -1 && q == NULL);
}

int main(void)
{
	RUN_TESTS("test_query",
	          test_empty, test_key_value, test_implicit_and, test_or_and_not_precedence, test_parentheses,
	          test_negation, test_key_groups, test_wildcards, test_quotes_and_escapes, test_free_text,
	          test_numeric, test_text_lifetime, test_mentions_key, test_unbalanced, test_dangling_operators,
	          test_missing_value, test_bad_quotes_and_escapes, test_bad_numbers, test_bad_ranges, test_too_long,
	          test_error_does_not_leak_or_keep);
}
