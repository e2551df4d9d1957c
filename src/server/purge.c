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

static void *purge_main(void *arg)
{
	purger *pg = arg;
	const serve_options *o = pg->srv->o;
	/* Often enough that nothing outlives the retention by much. */
	int64_t every = o->retention_ns / 48;
	if (every > (int64_t)600 * 1000000000)
		every = (int64_t)600 * 1000000000;
	if (every < 1000000000)
		every = 1000000000;
	pthread_mutex_lock(&pg->lock);
	while (!pg->stop) {
		size_t deleted = 0;
		char err[256];
		pthread_mutex_unlock(&pg->lock);
		if (store_purge(pg->srv->store, now_ns() - o->retention_ns, &deleted, err, sizeof err))
			log_line(o, "ERROR", "retention purge failed: %s", err);
		else if (deleted)
			log_line(o, "INFO", "retention: deleted %zu profiles older than the retention period", deleted);
		pthread_mutex_lock(&pg->lock);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		int64_t t = (int64_t)until.tv_sec * 1000000000 + until.tv_nsec + every;
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
