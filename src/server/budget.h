/*
 * A server-wide bound on memory: requests take bytes from it before they
 * buffer them, and give them back when done. Past the bound a request is
 * refused (503 with Retry-After: clients retry 5xx) instead of growing.
 *
 * Requests that declared a Content-Length of at most BUDGET_SMALL (an
 * ordinary upload is a few hundred KB) may use the whole budget; all others
 * (larger, or chunked) share half of it. So however many large bodies
 * arrive, half the budget stays for ordinary uploads.
 */
#ifndef PGO_BUDGET_H
#define PGO_BUDGET_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define BUDGET_SMALL ((size_t)4 << 20)

typedef struct budget {
	pthread_mutex_t lock;
	size_t limit;
	size_t used;        /* all bytes held */
	size_t large_used;  /* bytes held by requests that are not small */
	size_t peak;
} budget;

void budget_init(budget *b, size_t limit);
void budget_destroy(budget *b);

/* Moves *held to want: takes the difference from b, or gives it back.
 * Returns false (and leaves *held) when b has not enough left. small: the
 * request declared a Content-Length of at most BUDGET_SMALL. */
bool budget_hold(budget *b, size_t *held, size_t want, bool small);

size_t budget_peak(budget *b);

#endif
