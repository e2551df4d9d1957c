/* The failing allocator behind failalloc.h. One mutex guards the counters
 * and the table of live blocks: the real call runs under it too, so that a
 * block freed by realloc cannot be handed out and tracked by another
 * thread before it is untracked here. */
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_createDCtx_advanced, exported by libzstd.so */
#include "failalloc.h"

#include <errno.h>
#include <libdeflate.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
int __real_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
char *__wrap_strdup(const char *s);
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);
ZSTD_DCtx *__wrap_ZSTD_createDCtx(void);

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t events;     /* every allocation ever, armed or not */
static uint64_t arm_base;   /* events at fa_arm */
static uint64_t fail_at;    /* absolute event number, 0 = never */
static bool persistent;
static uint64_t fired;
static uint64_t foreign;
static bool threads = true;

/* Live blocks: open addressing on the pointer, deletion by backward shift. */
typedef struct live {
	void *p;
	uint64_t event;
} live;
static live *table;
static size_t cap, count;

static size_t slot_of(const void *p, size_t mask)
{
	uint64_t h = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 32) & mask;
}

static void insert(void *p, uint64_t event)
{
	if ((count + 1) * 2 > cap) {
		size_t ncap = cap ? cap * 2 : 1024;
		live *nt = __real_calloc(ncap, sizeof *nt);
		if (!nt) {
			fputs("failalloc: out of memory for its own table\n", stderr);
			abort();
		}
		for (size_t i = 0; i < cap; i++) {
			if (!table[i].p)
				continue;
			size_t j = slot_of(table[i].p, ncap - 1);
			while (nt[j].p)
				j = (j + 1) & (ncap - 1);
			nt[j] = table[i];
		}
		__real_free(table);
		table = nt;
		cap = ncap;
	}
	size_t j = slot_of(p, cap - 1);
	while (table[j].p)
		j = (j + 1) & (cap - 1);
	table[j] = (live){p, event};
	count++;
}

static bool erase(const void *p)
{
	if (!cap)
		return false;
	size_t mask = cap - 1, i = slot_of(p, mask);
	while (table[i].p != p) {
		if (!table[i].p)
			return false;
		i = (i + 1) & mask;
	}
	/* Shift back the entries that probed past the hole. */
	for (size_t j = (i + 1) & mask; table[j].p; j = (j + 1) & mask) {
		size_t home = slot_of(table[j].p, mask);
		if (((j - home) & mask) >= ((j - i) & mask)) {
			table[i] = table[j];
			i = j;
		}
	}
	table[i].p = NULL;
	count--;
	return true;
}

/* Numbers one allocation; true when it is to fail. Called with mu held. */
static bool next_fails(uint64_t *event)
{
	*event = ++events;
	if (fail_at && (*event == fail_at || (persistent && *event > fail_at))) {
		fired++;
		return true;
	}
	return false;
}

void *__wrap_malloc(size_t n)
{
	uint64_t ev;
	void *p = NULL;
	pthread_mutex_lock(&mu);
	if (!next_fails(&ev) && (p = __real_malloc(n)))
		insert(p, ev);
	pthread_mutex_unlock(&mu);
	return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
	uint64_t ev;
	void *p = NULL;
	pthread_mutex_lock(&mu);
	if (!next_fails(&ev) && (p = __real_calloc(n, size)))
		insert(p, ev);
	pthread_mutex_unlock(&mu);
	return p;
}

void *__wrap_realloc(void *p, size_t n)
{
	uint64_t ev;
	void *q = NULL;
	pthread_mutex_lock(&mu);
	if (!next_fails(&ev)) {
		q = __real_realloc(p, n);
		if (q || n == 0) { /* realloc(p, 0) may free p and return NULL */
			if (p && !erase(p))
				foreign++;
			if (q)
				insert(q, ev);
		}
	}
	pthread_mutex_unlock(&mu);
	return q;
}

void __wrap_free(void *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&mu);
	if (!erase(p))
		foreign++;
	__real_free(p);
	pthread_mutex_unlock(&mu);
}

char *__wrap_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = __wrap_malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	pthread_mutex_lock(&mu);
	bool allowed = threads;
	pthread_mutex_unlock(&mu);
	if (!allowed)
		return EAGAIN;
	return __real_pthread_create(t, attr, fn, arg);
}

static void *zstd_alloc(void *opaque, size_t n)
{
	(void)opaque;
	return __wrap_malloc(n);
}

static void zstd_free(void *opaque, void *p)
{
	(void)opaque;
	__wrap_free(p);
}

/* libpgo's decompression context, with its memory (the context and the
 * buffers the stream allocates as it goes) from this allocator. */
ZSTD_DCtx *__wrap_ZSTD_createDCtx(void)
{
	ZSTD_customMem mem = {zstd_alloc, zstd_free, NULL};
	return ZSTD_createDCtx_advanced(mem);
}

void fa_install(void)
{
	libdeflate_set_memory_allocator(__wrap_malloc, __wrap_free);
}

void fa_arm(uint64_t at, bool persist)
{
	pthread_mutex_lock(&mu);
	arm_base = events;
	fail_at = at ? events + at : 0;
	persistent = persist;
	fired = foreign = 0;
	pthread_mutex_unlock(&mu);
}

void fa_disarm(void)
{
	pthread_mutex_lock(&mu);
	fail_at = 0;
	pthread_mutex_unlock(&mu);
}

uint64_t fa_events(void)
{
	pthread_mutex_lock(&mu);
	uint64_t n = events - arm_base;
	pthread_mutex_unlock(&mu);
	return n;
}

uint64_t fa_fired(void)
{
	pthread_mutex_lock(&mu);
	uint64_t n = fired;
	pthread_mutex_unlock(&mu);
	return n;
}

uint64_t fa_foreign_frees(void)
{
	pthread_mutex_lock(&mu);
	uint64_t n = foreign;
	pthread_mutex_unlock(&mu);
	return n;
}

void fa_allow_threads(bool allow)
{
	pthread_mutex_lock(&mu);
	threads = allow;
	pthread_mutex_unlock(&mu);
}

size_t fa_live_since_arm(uint64_t *out, size_t max)
{
	size_t n = 0;
	pthread_mutex_lock(&mu);
	for (size_t i = 0; i < cap; i++) {
		if (!table[i].p || table[i].event <= arm_base)
			continue;
		/* keep the max lowest event numbers, in order */
		uint64_t ev = table[i].event - arm_base;
		size_t k = n < max ? n : max;
		if (k == max && (max == 0 || ev >= out[max - 1])) {
			n++;
			continue;
		}
		size_t j = k < max ? k : max - 1;
		for (; j > 0 && out[j - 1] > ev; j--)
			out[j] = out[j - 1];
		out[j] = ev;
		n++;
	}
	pthread_mutex_unlock(&mu);
	return n;
}
