/* The retention purge: a thread that deletes what the store received
 * longer ago than the retention period. */
#ifndef PGO_PURGE_H
#define PGO_PURGE_H

#include "context.h"

typedef struct purger purger;

/* Starts the thread; NULL (with errno) when it cannot. */
purger *purge_start(server *srv);
/* Stops and joins it. */
void purge_stop(purger *pg);

#endif
