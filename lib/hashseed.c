/*
 * The per-process seed of lookup-only hash tables. A fixed seed would let
 * whoever writes a profile choose strings or IDs that all land in one chain
 * (hash flooding) and make decoding quadratic. The kernel hands every
 * process 16 random bytes (AT_RANDOM), so getting them cannot fail.
 */
#include "internal.h"

#include <pthread.h>
#include <sys/auxv.h>

static uint64_t seed;
static pthread_once_t seed_once = PTHREAD_ONCE_INIT;

static void seed_init(void)
{
	uint64_t a = 0x51ab1e5eedull, b = 0;
	const uint8_t *r = (const uint8_t *)(uintptr_t)getauxval(AT_RANDOM);
	if (r) {
		memcpy(&a, r, sizeof a);
		memcpy(&b, r + 8, sizeof b);
	}
	/* Mixed, so that the seed does not hand out the bytes libc's stack
	 * protector draws on. */
	seed = pgo_mix(a, b);
}

uint64_t pgo_hash_seed(void)
{
	pthread_once(&seed_once, seed_init);
	return seed;
}

void pgo_set_hash_seed(uint64_t s)
{
	pthread_once(&seed_once, seed_init);
	seed = s;
}
