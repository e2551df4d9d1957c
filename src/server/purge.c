/* The retention purge; see purge.h. */
#define _DEFAULT_SOURCE
#include "purge.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "request_log.h"

struct purger {
	server *srv;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
};

/* Deletes the oldest uploads while the database uses more than --max-disk. */
static void bound_disk(purger *pg)
{
	const serve_options *o = pg->srv->o;
	size_t total = 0;
	uint64_t used = 0, file = 0, first = 0;
	char err[256];
	for (int round = 0; round < 100; round++) {
		if (store_disk_bytes(pg->srv->store, &used, &file, err, sizeof err)) {
			log_line(o, "ERROR", "max-disk: cannot measure the store: %s", err);
			return;
		}
		if (round == 0)
			first = used;
		size_t live = store_count(pg->srv->store);
		if (used <= o->max_disk || live == 0)
			break;
		/* A twentieth at a time: few rounds, and not much more than needed. */
		size_t n = live / 20 ? live / 20 : 1, deleted = 0;
		if (store_delete_oldest(pg->srv->store, n, &deleted, err, sizeof err)) {
			log_line(o, "ERROR", "max-disk: deleting the oldest profiles failed: %s", err);
			return;
		}
		total += deleted;
	}
	if (total)
		log_line(o, "INFO",
		         "max-disk: the store used %.1f MiB of its %.1f MiB; deleted the %zu oldest profiles, now %.1f MiB in use "
		         "(file %.1f MiB, %zu profiles)",
		         (double)first / (1 << 20), (double)o->max_disk / (1 << 20), total, (double)used / (1 << 20),
		         (double)file / (1 << 20), store_count(pg->srv->store));
}

static void downsample(purger *pg)
{
	const serve_options *o = pg->srv->o;
	size_t deleted = 0, groups = 0;
	char err[256];
	if (store_downsample(pg->srv->store, now_ns() - o->downsample_after_ns, o->downsample_keep, &deleted, &groups, err,
	                     sizeof err))
		log_line(o, "ERROR", "downsampling failed: %s", err);
	else if (deleted)
		log_line(o, "INFO",
		         "downsampling: deleted %zu profiles received more than %llds ago, keeping the %zu with the most CPU "
		         "of each of %zu service/env/version/hour groups",
		         deleted, (long long)(o->downsample_after_ns / 1000000000), o->downsample_keep, groups);
}

static void *purge_main(void *arg)
{
	purger *pg = arg;
	const serve_options *o = pg->srv->o;
	/* Often enough that nothing outlives the retention (or the age at which
	 * downsampling starts) by much. */
	int64_t span = o->retention_ns;
	if (o->downsample_keep && o->downsample_after_ns < span)
		span = o->downsample_after_ns;
	int64_t every = span / 48;
	if (every > (int64_t)600 * 1000000000)
		every = (int64_t)600 * 1000000000;
	if (every < 1000000000)
		every = 1000000000;
	/* The disk bound is checked every second: intake can fill a lot in a minute. */
	int64_t tick = o->max_disk ? 1000000000 : every, next_sweep = 0;
	pthread_mutex_lock(&pg->lock);
	while (!pg->stop) {
		pthread_mutex_unlock(&pg->lock);
		if (now_ns() >= next_sweep) {
			size_t deleted = 0;
			char err[256];
			if (store_purge(pg->srv->store, now_ns() - o->retention_ns, &deleted, err, sizeof err))
				log_line(o, "ERROR", "retention purge failed: %s", err);
			else if (deleted)
				log_line(o, "INFO", "retention: deleted %zu profiles older than the retention period", deleted);
			if (o->downsample_keep)
				downsample(pg);
			next_sweep = now_ns() + every;
		}
		if (o->max_disk)
			bound_disk(pg);
		pthread_mutex_lock(&pg->lock);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		int64_t t = (int64_t)until.tv_sec * 1000000000 + until.tv_nsec + tick;
		until.tv_sec = (time_t)(t / 1000000000);
		until.tv_nsec = (long)(t % 1000000000);
		while (!pg->stop && pthread_cond_timedwait(&pg->wake, &pg->lock, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&pg->lock);
	return NULL;
}

purger *purge_start(server *srv)
{
	purger *pg = calloc(1, sizeof *pg);
	if (!pg)
		return NULL;
	pg->srv = srv;
	pthread_mutex_init(&pg->lock, NULL);
	pthread_cond_init(&pg->wake, NULL);
	int err = pthread_create(&pg->thread, NULL, purge_main, pg);
	if (err) {
		pthread_cond_destroy(&pg->wake);
		pthread_mutex_destroy(&pg->lock);
		free(pg);
		errno = err;
		return NULL;
	}
	return pg;
}

void purge_stop(purger *pg)
{
	if (!pg)
		return;
	pthread_mutex_lock(&pg->lock);
	pg->stop = true;
	pthread_cond_signal(&pg->wake);
	pthread_mutex_unlock(&pg->lock);
	pthread_join(pg->thread, NULL);
	pthread_cond_destroy(&pg->wake);
	pthread_mutex_destroy(&pg->lock);
	free(pg);
}
