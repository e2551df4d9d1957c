/* A server-wide bound on buffered bytes; see budget.h. */
#include "budget.h"

void budget_init(budget *b, size_t limit)
{
	pthread_mutex_init(&b->lock, NULL);
	b->limit = limit;
	b->used = b->large_used = b->peak = 0;
}

void budget_destroy(budget *b)
{
	pthread_mutex_destroy(&b->lock);
}

bool budget_hold(budget *b, size_t *held, size_t want, bool small)
{
	pthread_mutex_lock(&b->lock);
	/* What the others hold: the sums less this request's share. */
	size_t used = b->used - *held, large = b->large_used - (small ? 0 : *held);
	bool ok = want <= *held || (want <= b->limit - used && (small || want <= b->limit / 2 - large));
	if (ok) {
		b->used = used + want;
		if (!small)
			b->large_used = large + want;
		if (b->used > b->peak)
			b->peak = b->used;
		*held = want;
	}
	pthread_mutex_unlock(&b->lock);
	return ok;
}

size_t budget_peak(budget *b)
{
	pthread_mutex_lock(&b->lock);
	size_t peak = b->peak;
	pthread_mutex_unlock(&b->lock);
	return peak;
}
