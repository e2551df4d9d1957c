/* RFC 3339 times, as Datadog's APIs and dd-trace-go's event.json use them,
 * and durations as Go writes them ("72h", "1m30s"), as datadog-pgo's flags take them. */
#ifndef PGO_TIMEFMT_H
#define PGO_TIMEFMT_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

/* "2026-11-25T09:00:00Z", "...00.123456789Z" or "...00+02:00" to Unix ns.
 * Returns 0, or -1 if text is not such a time. */
int rfc3339_parse(const char *text, int64_t *ns);

/* The furthest back a relative query time reaches: 100 years of days, the
 * longest retention a store takes. */
#define QUERY_TIME_MAX_AGO_NS (36500LL * 86400 * 1000000000)

/*
 * A time in a search's filter.from or filter.to: RFC 3339, or relative to
 * now_ns as Datadog's search APIs take it: "now", or "now-" N and a unit,
 * s, m, h, d or w (a week is 7 days): "now-90s", "now-15m", "now-72h",
 * "now-7d", "now-1w". N is whole digits; nothing else (no spaces, no "+",
 * no fractions, no months) is taken. Returns 0; -1 if text is neither
 * form; -2 if a relative time reaches back further than
 * QUERY_TIME_MAX_AGO_NS (which it checks without overflowing).
 */
int query_time_parse(const char *text, int64_t now_ns, int64_t *ns);

/* Unix ns to "2026-11-25T09:00:00.123456789Z" (the fraction only if nonzero). */
void rfc3339_format(int64_t ns, char *out, size_t size);

/* Go's time.ParseDuration: "72h", "1h30m", "1.5s", "300ms", "-2m", "0".
 * Returns 0, or -1 if text is not such a duration or overflows. */
int go_duration_parse(const char *text, int64_t *ns);

/* Go's time.Duration.String: "72h0m0s", "1m30s", "2.5s", "42ms", "0s". */
void go_duration_format(int64_t ns, char *out, size_t size);

#endif
