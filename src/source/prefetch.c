/* The prefetching decoder: one worker thread, one slot. */
#include "prefetch.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *worker(void *arg)
{
	prefetch *pf = arg;
	for (size_t i = 0; i < pf->n; i++) {
		pthread_mutex_lock(&pf->mu);
		/* One item ahead at most: wait until the caller took the last. */
		while (pf->full && !pf->stop)
			pthread_cond_wait(&pf->changed, &pf->mu);
		bool stop = pf->stop;
		pthread_mutex_unlock(&pf->mu);
		if (stop)
			break;
		void *item = NULL;
		pgo_error err = {0};
		pgo_status st = pf->make(pf->ctx, i, &item, &err);
		pthread_mutex_lock(&pf->mu);
		stop = pf->stop;
		if (!stop) {
			pf->item = item;
			pf->st = st;
			pf->err = err;
			pf->full = true;
			pthread_cond_signal(&pf->changed);
		}
		pthread_mutex_unlock(&pf->mu);
		if (stop && item)
			pf->drop(item);
		if (stop || st)
			break;
	}
	return NULL;
}

void prefetch_start(prefetch *pf, size_t n, unsigned threads, prefetch_make_fn make, prefetch_drop_fn drop,
                    void *ctx)
{
	memset(pf, 0, sizeof *pf);
	pf->make = make;
	pf->drop = drop;
	pf->ctx = ctx;
	pf->n = n;
	if (threads <= 1 || n <= 1)
		return;
	if (pthread_mutex_init(&pf->mu, NULL))
		return;
	if (pthread_cond_init(&pf->changed, NULL)) {
		pthread_mutex_destroy(&pf->mu);
		return;
	}
	pf->threaded = pthread_create(&pf->thread, NULL, worker, pf) == 0;
	if (!pf->threaded) {
		pthread_cond_destroy(&pf->changed);
		pthread_mutex_destroy(&pf->mu);
	}
}

pgo_status prefetch_next(prefetch *pf, void **item, pgo_error *err)
{
	*item = NULL;
	if (pf->taken >= pf->n || pf->failed)
		return pgo_fail(err, PGO_ERR_ARGUMENT, "internal error: no item %zu of %zu to take", pf->taken, pf->n);
	size_t i = pf->taken++;
	if (!pf->threaded) {
		pgo_status st = pf->make(pf->ctx, i, item, err);
		pf->failed = st != PGO_OK;
		return st;
	}
	pthread_mutex_lock(&pf->mu);
	while (!pf->full)
		pthread_cond_wait(&pf->changed, &pf->mu);
	*item = pf->item;
	pgo_status st = pf->st;
	if (st)
		*err = pf->err;
	pf->item = NULL;
	pf->full = false;
	pthread_cond_signal(&pf->changed);
	pthread_mutex_unlock(&pf->mu);
	pf->failed = st != PGO_OK;
	return st;
}

void prefetch_end(prefetch *pf)
{
	if (!pf->threaded)
		return;
	pthread_mutex_lock(&pf->mu);
	pf->stop = true;
	pthread_cond_signal(&pf->changed);
	pthread_mutex_unlock(&pf->mu);
	pthread_join(pf->thread, NULL);
	if (pf->full && pf->item)
		pf->drop(pf->item);
	pf->full = false;
	pf->item = NULL;
	pf->threaded = false;
	pthread_cond_destroy(&pf->changed);
	pthread_mutex_destroy(&pf->mu);
}
