/*
 * Scraping CPU profiles from Go services' net/http/pprof: every target of a
 * scrape_config is fetched at its interval (GET URL?seconds=N) with
 * libcurl's multi interface, all from the one thread that calls
 * scraper_next, so a slow or dead target never holds up the others.
 *
 * - Spread: each target's first scrape falls at a point of its interval
 *   fixed by its URL, so a thousand targets do not fire at once.
 * - Hostile targets: a body past max_body, a transfer past
 *   profile_seconds + 30 s, a non-200 answer, or bytes that are not a CPU
 *   profile (checked by libpgo's values-only pass, which stops a gzip bomb
 *   at 64 MiB) fail the scrape, and nothing of it is kept.
 * - Failures back off: after k failures in a row the next try comes
 *   interval * 2^(k-1) later, at most 5 minutes (or the interval, if
 *   longer). scraper_next reports each change of a target's state (up,
 *   down) once, not each failure.
 */
#ifndef PGO_SCRAPER_H
#define PGO_SCRAPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scrape_config.h"

typedef struct scraper scraper;

typedef enum scrape_event {
	SCRAPE_PROFILE, /* a CPU profile: data, size, start_ns, end_ns */
	SCRAPE_DOWN,    /* the target failed after being up (or on its first try): reason */
	SCRAPE_UP,      /* the target answered again after being down */
} scrape_event;

typedef struct scrape_result {
	scrape_event event;
	const scrape_target *target; /* valid until the next scraper_next or scraper_replace */
	uint8_t *data;               /* SCRAPE_PROFILE: malloc'd, the caller's */
	size_t size;
	int64_t start_ns, end_ns;    /* Unix ns: the profile's period */
	char reason[320];            /* SCRAPE_DOWN: what failed */
	int failures;                /* SCRAPE_DOWN: failures in a row */
	double retry_in;             /* SCRAPE_DOWN: seconds to the next try */
} scrape_result;

/* Takes cfg's targets (cfg is left empty). NULL when out of memory. Call
 * curl_global_init first. */
scraper *scraper_new(scrape_config *cfg, size_t max_body);
void scraper_free(scraper *s);

/* Replaces the targets with cfg's (cfg is left empty): a target whose URL,
 * tags and settings are unchanged keeps its schedule, its state and a
 * scrape in flight; the others start afresh or are dropped. The results
 * of scrapes of dropped targets are discarded. */
void scraper_replace(scraper *s, scrape_config *cfg);

/* How many targets there are. */
size_t scraper_count(const scraper *s);

/* Starts the scrapes that are due and waits up to timeout_ms for one to
 * end: 1 with *out filled, 0 when nothing came in time. */
int scraper_next(scraper *s, int timeout_ms, scrape_result *out);

#endif
