/*
 * A prefetching decoder: a second thread makes item i+1 (reads,
 * decompresses and decodes an input) while the caller merges item i.
 * Items come out in index order, whatever the thread count, so a merge
 * over them gives the same bytes; and at most one item is made ahead,
 * so peak memory grows by one decoded input at most.
 */
#ifndef PGO_PREFETCH_H
#define PGO_PREFETCH_H

#include <pthread.h>

#include "pgo.h"

/*
 * Makes item i into *item (which may stay NULL: nothing to merge). Called
 * once per index, in order, on the worker thread or the caller's: it may
 * touch what belongs to item i only. An error stops the making; the caller
 * gets it, with err, when it asks for item i.
 */
typedef pgo_status (*prefetch_make_fn)(void *ctx, size_t i, void **item, pgo_error *err);
/* Frees an item that was made but never taken. */
typedef void (*prefetch_drop_fn)(void *item);

typedef struct prefetch {
	prefetch_make_fn make;
	prefetch_drop_fn drop;
	void *ctx;
	size_t n, taken;
	bool threaded, failed; /* the caller's: failed once an item failed */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t changed;
	/* The one slot, guarded by mu: the next item, once made. */
	bool full, stop;
	void *item;
	pgo_status st;
	pgo_error err;
} prefetch;

/*
 * Starts making items 0..n-1 ahead on a second thread when threads > 1,
 * and n > 1. When that thread cannot start, or threads <= 1, every item is
 * made when asked for, on the caller's thread: the same items, in the same
 * order, with the same errors. Cannot fail.
 */
void prefetch_start(prefetch *pf, size_t n, unsigned threads, prefetch_make_fn make, prefetch_drop_fn drop,
                    void *ctx);

/* Item i (in order, from 0): make's status, error and item, which the caller owns. */
pgo_status prefetch_next(prefetch *pf, void **item, pgo_error *err);

/* Stops the thread (after the item it is making) and drops what was not taken. */
void prefetch_end(prefetch *pf);

#endif
