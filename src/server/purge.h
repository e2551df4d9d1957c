/* The store's deletions, in one background thread, and the only ones: the
 * retention purge (what the store received longer ago than --retention),
 * PGO-aware downsampling (--downsample-after, --downsample-keep) and the
 * disk bound (--max-disk, oldest first). Each logs what it deleted. */
#ifndef PGO_PURGE_H
#define PGO_PURGE_H

#include "context.h"

typedef struct purger purger;

/* Starts the thread; NULL (with errno) when it cannot. */
purger *purge_start(server *srv);
/* Stops and joins it. */
void purge_stop(purger *pg);

#endif
