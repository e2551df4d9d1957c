/* The prefetching decoder: order, the one-ahead bound, errors in place, cleanup. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "prefetch.h"

typedef struct counter {
	atomic_size_t made;   /* items make has started */
	atomic_size_t taken;  /* items the caller holds or held */
	atomic_size_t live;   /* items allocated and not freed */
	atomic_bool overrun;  /* make started item i while the caller had taken fewer than i - 1 */
	size_t fail_at;       /* make fails here (SIZE_MAX: never) */
	size_t null_at;       /* make gives no item here */
} counter;

static pgo_status make(void *ctx, size_t i, void **item, pgo_error *err)
{
	counter *c = ctx;
	/* Item i may be made while the caller merges item i - 1, not earlier. */
	if (i > 0 && atomic_load(&c->taken) + 1 < i)
		atomic_store(&c->overrun, true);
	atomic_fetch_add(&c->made, 1);
	if (i == c->fail_at)
		return pgo_fail(err, PGO_ERR_INVALID, "input %zu: broken", i);
	if (i == c->null_at)
		return PGO_OK;
	size_t *v = malloc(sizeof *v);
	if (!v)
		return pgo_fail(err, PGO_ERR_NOMEM, "out of memory");
	*v = i;
	atomic_fetch_add(&c->live, 1);
	*item = v;
	return PGO_OK;
}

static counter *dropped_from;
static void drop(void *item)
{
	atomic_fetch_sub(&dropped_from->live, 1);
	free(item);
}

static void take_all(unsigned threads)
{
	counter c = {.fail_at = SIZE_MAX, .null_at = 3};
	dropped_from = &c;
	prefetch pf;
	prefetch_start(&pf, 50, threads, make, drop, &c);
	bool in_order = true;
	for (size_t i = 0; i < 50; i++) {
		void *item;
		pgo_error err = {0};
		CHECK_OK(prefetch_next(&pf, &item, &err));
		atomic_fetch_add(&c.taken, 1);
		if (i == 3)
			in_order &= item == NULL;
		else
			in_order &= item && *(size_t *)item == i;
		if (item)
			drop(item);
	}
	CHECK(in_order);
	CHECK(!atomic_load(&c.overrun));
	pgo_error err = {0};
	void *item;
	CHECK(prefetch_next(&pf, &item, &err) != PGO_OK); /* no item 50 */
	prefetch_end(&pf);
	CHECK(atomic_load(&c.made) == 50);
	CHECK(atomic_load(&c.live) == 0);
}

static void test_order_one_thread(void) { take_all(1); }
static void test_order_two_threads(void) { take_all(2); }

/* The error of item 5 comes with item 5, after items 0-4, whatever the threads. */
static void fail_in_place(unsigned threads)
{
	counter c = {.fail_at = 5, .null_at = SIZE_MAX};
	dropped_from = &c;
	prefetch pf;
	prefetch_start(&pf, 10, threads, make, drop, &c);
	size_t got = 0;
	pgo_error err = {0};
	pgo_status st = PGO_OK;
	for (size_t i = 0; i < 10; i++) {
		void *item;
		if ((st = prefetch_next(&pf, &item, &err)))
			break;
		atomic_fetch_add(&c.taken, 1);
		got += item && *(size_t *)item == i;
		drop(item);
	}
	CHECK(got == 5);
	CHECK(st == PGO_ERR_INVALID);
	CHECK(strcmp(err.message, "input 5: broken") == 0);
	void *item;
	pgo_error again = {0};
	CHECK(prefetch_next(&pf, &item, &again) != PGO_OK && item == NULL);
	prefetch_end(&pf);
	CHECK(atomic_load(&c.made) == 6); /* nothing after the failure */
	CHECK(atomic_load(&c.live) == 0);
}

static void test_error_one_thread(void) { fail_in_place(1); }
static void test_error_two_threads(void) { fail_in_place(2); }

/* Ending early drops the item made ahead and stops the thread. */
static void test_end_early(void)
{
	counter c = {.fail_at = SIZE_MAX, .null_at = SIZE_MAX};
	dropped_from = &c;
	prefetch pf;
	prefetch_start(&pf, 100, 2, make, drop, &c);
	void *item;
	pgo_error err = {0};
	CHECK_OK(prefetch_next(&pf, &item, &err));
	atomic_fetch_add(&c.taken, 1);
	drop(item);
	prefetch_end(&pf);
	CHECK(atomic_load(&c.made) <= 2);
	CHECK(atomic_load(&c.live) == 0);
	prefetch_end(&pf); /* twice is harmless */
	prefetch pf0 = {0};
	prefetch_end(&pf0); /* and so is a prefetcher never started */
}

int main(void)
{
	RUN_TESTS("prefetch", test_order_one_thread, test_order_two_threads, test_error_one_thread,
	          test_error_two_threads, test_end_early);
}
