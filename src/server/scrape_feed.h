/*
 * `pgotool serve --scrape FILE`: a thread that scrapes the file's targets
 * (scraper.c) and stores each CPU profile as an upload, tagged with the
 * target's labels, source:scraper, runtime:go and language:go. It logs
 * each change of a target's state (up, down with the reason), and on
 * scrape_feed_reload (SIGHUP) reads the file again: a bad file is refused
 * with its error in the log, and the targets in force stay.
 */
#ifndef PGO_SCRAPE_FEED_H
#define PGO_SCRAPE_FEED_H

#include "context.h"
#include "scrape_config.h"

typedef struct scrape_feed scrape_feed;

/* Starts the thread on cfg's targets (taken; cfg is left empty). NULL
 * (with errno) when it cannot. */
scrape_feed *scrape_feed_start(server *srv, scrape_config *cfg);
/* Asks the thread to read the file again (safe from any thread). */
void scrape_feed_reload(scrape_feed *f);
/* Stops and joins it; scrapes in flight are abandoned. */
void scrape_feed_stop(scrape_feed *f);

#endif
