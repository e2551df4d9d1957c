/*
 * An allocator that fails on demand, for allocation-failure tests in the
 * style of SQLite's: the test binary is linked with -Wl,--wrap=malloc (and
 * calloc, realloc, free, strdup, pthread_create, ZSTD_createDCtx), so every
 * allocation that libpgo's objects make goes through here. libdeflate and
 * libzstd are shared libraries, which --wrap cannot reach; fa_install()
 * routes their allocations here through their own allocator hooks.
 *
 * Every allocation is an event, numbered from 1 after fa_arm(). Armed at
 * N, event N fails (returns NULL); in persistent mode every event after N
 * fails too. Every live block is tracked with its event number, so a leak
 * is named by the allocation that made it.
 */
#ifndef PGO_FAILALLOC_H
#define PGO_FAILALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Hooks libdeflate's allocator; call before any compressor exists. */
void fa_install(void);

/* Counts events from 0 again; fail_at 0 never fails. */
void fa_arm(uint64_t fail_at, bool persistent);
void fa_disarm(void);

/* Events since fa_arm, and how many of them were made to fail. */
uint64_t fa_events(void);
uint64_t fa_fired(void);

/* Whether pthread_create may start threads (false: it fails with EAGAIN,
 * and libpgo does the work on the calling thread, deterministically). */
void fa_allow_threads(bool allow);

/* Blocks made since the last fa_arm that are still live: the count, and
 * the lowest max of their event numbers, in order, in *events. */
size_t fa_live_since_arm(uint64_t *events, size_t max);

/* free() of a pointer this allocator never returned, since fa_arm. */
uint64_t fa_foreign_frees(void);

#endif
