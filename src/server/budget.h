/*
 * A server-wide bound on memory: requests take bytes from it before they
 * buffer them, and give them back when done. Past the bound a request is
 * refused (503 with Retry-After: clients retry 5xx) instead of growing.
 */
#ifndef PGO_BUDGET_H
#define PGO_BUDGET_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct budget {
	atomic_size_t used;
	size_t limit;
	atomic_size_t peak;
} budget;

void budget_init(budget *b, size_t limit);

/* Moves *held to want: takes the difference from b, or gives it back.
 * Returns false (and leaves *held) when b has not enough left. */
bool budget_hold(budget *b, size_t *held, size_t want);

size_t budget_used(budget *b);
size_t budget_peak(budget *b);

#endif
