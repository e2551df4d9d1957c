/* A server-wide bound on buffered bytes; see budget.h. */
#include "budget.h"

void budget_init(budget *b, size_t limit)
{
	atomic_init(&b->used, 0);
	atomic_init(&b->peak, 0);
	b->limit = limit;
}

bool budget_hold(budget *b, size_t *held, size_t want)
{
	if (want <= *held) {
		atomic_fetch_sub(&b->used, *held - want);
		*held = want;
		return true;
	}
	size_t more = want - *held;
	size_t used = atomic_load(&b->used);
	do {
		if (more > b->limit || used > b->limit - more)
			return false;
	} while (!atomic_compare_exchange_weak(&b->used, &used, used + more));
	size_t peak = atomic_load(&b->peak);
	while (used + more > peak && !atomic_compare_exchange_weak(&b->peak, &peak, used + more))
		;
	*held = want;
	return true;
}

size_t budget_used(budget *b)
{
	return atomic_load(&b->used);
}

size_t budget_peak(budget *b)
{
	return atomic_load(&b->peak);
}
