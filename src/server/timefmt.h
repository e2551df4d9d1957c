/* RFC 3339 times, as Datadog's APIs and dd-trace-go's event.json use them. */
#ifndef PGO_TIMEFMT_H
#define PGO_TIMEFMT_H

#include <stdint.h>
#include <stddef.h>

/* "2026-11-25T09:00:00Z", "...00.123456789Z" or "...00+02:00" to Unix ns.
 * Returns 0, or -1 if text is not such a time. */
int rfc3339_parse(const char *text, int64_t *ns);

/* Unix ns to "2026-11-25T09:00:00.123456789Z" (the fraction only if nonzero). */
void rfc3339_format(int64_t ns, char *out, size_t size);

#endif
