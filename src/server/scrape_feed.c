/* Scraped profiles into the store; see scrape_feed.h. */
#define _DEFAULT_SOURCE
#include "scrape_feed.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "request_log.h"
#include "scraper.h"
#include "upload.h"

struct scrape_feed {
	server *srv;
	scraper *sc;
	pthread_t thread;
	atomic_bool stop, reload;
};

/* One scraped profile, checked and stored as an upload would be. */
static void store_profile(scrape_feed *f, scrape_result *r)
{
	const serve_options *o = f->srv->o;
	const scrape_target *t = r->target;
	upload *u = upload_new_direct(o->max_body);
	if (!u) {
		free(r->data);
		log_line(o, "ERROR", "scrape %s: out of memory", t->url);
		return;
	}
	store_upload su;
	profile_meta meta = {t->tags, t->n_tags, r->start_ns, r->end_ns, "scraper", true};
	int status = upload_put_part(u, "profile", r->data, r->size);
	if (!status) {
		sem_wait(&f->srv->decoders);
		status = upload_finish_profile(u, &meta, now_ns(), &su);
		sem_post(&f->srv->decoders);
	}
	char pid[40];
	if (!status && (store_new_id(pid) || store_new_id(su.event_id) || upload_set_id(u, &su, pid)))
		status = 500;
	char err[512] = "";
	if (!status && store_put(f->srv->store, &su, err, sizeof err))
		status = 500;
	if (status)
		log_line(o, "WARN", "scrape %s: not stored (%d): %s", t->url, status, err[0] ? err : upload_error(u));
	upload_free(u);
}

static void reload(scrape_feed *f)
{
	const serve_options *o = f->srv->o;
	scrape_config cfg;
	char err[512];
	if (scrape_config_load(o->scrape_file, &cfg, err, sizeof err)) {
		log_line(o, "ERROR", "SIGHUP: %s; the %zu targets in force stay", err, scraper_count(f->sc));
		return;
	}
	size_t n = cfg.n_targets, before = scraper_count(f->sc);
	scraper_replace(f->sc, &cfg);
	log_line(o, "INFO", "SIGHUP: read %s: %zu scrape targets (%zu before)", o->scrape_file, n, before);
}

static void *feed_main(void *arg)
{
	scrape_feed *f = arg;
	const serve_options *o = f->srv->o;
	while (!atomic_load(&f->stop)) {
		if (atomic_exchange(&f->reload, false))
			reload(f);
		scrape_result r;
		if (scraper_next(f->sc, 200, &r) != 1)
			continue;
		switch (r.event) {
		case SCRAPE_PROFILE:
			store_profile(f, &r);
			break;
		case SCRAPE_UP:
			log_line(o, "INFO", "scrape %s (job %s): up", r.target->url, r.target->job);
			break;
		case SCRAPE_DOWN:
			log_line(o, "WARN", "scrape %s (job %s): down: %s; trying again in %.0fs, then less often while it fails",
			         r.target->url, r.target->job, r.reason, r.retry_in);
			break;
		}
	}
	return NULL;
}

scrape_feed *scrape_feed_start(server *srv, scrape_config *cfg)
{
	scrape_feed *f = calloc(1, sizeof *f);
	if (!f || !(f->sc = scraper_new(cfg, srv->o->max_body))) {
		free(f);
		scrape_config_free(cfg);
		errno = ENOMEM;
		return NULL;
	}
	f->srv = srv;
	atomic_init(&f->stop, false);
	atomic_init(&f->reload, false);
	int err = pthread_create(&f->thread, NULL, feed_main, f);
	if (err) {
		scraper_free(f->sc);
		free(f);
		errno = err;
		return NULL;
	}
	return f;
}

void scrape_feed_reload(scrape_feed *f)
{
	if (f)
		atomic_store(&f->reload, true);
}

void scrape_feed_stop(scrape_feed *f)
{
	if (!f)
		return;
	atomic_store(&f->stop, true);
	pthread_join(f->thread, NULL);
	scraper_free(f->sc);
	free(f);
}
