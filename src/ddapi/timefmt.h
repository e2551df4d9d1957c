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

/* Unix ns to "2026-11-25T09:00:00.123456789Z" (the fraction only if nonzero). */
void rfc3339_format(int64_t ns, char *out, size_t size);

/* Go's time.ParseDuration: "72h", "1h30m", "1.5s", "300ms", "-2m", "0".
 * Returns 0, or -1 if text is not such a duration or overflows. */
int go_duration_parse(const char *text, int64_t *ns);

/* Go's time.Duration.String: "72h0m0s", "1m30s", "2.5s", "42ms", "0s". */
void go_duration_format(int64_t ns, char *out, size_t size);

#endif
