/*
 * LD_PRELOAD shim for the tests: the Nth pthread_create of the process
 * fails with EAGAIN (N from PGO_FAIL_THREAD, counting from 1), as when a
 * process is at its thread limit, so the tests can see what pgotool does
 * when it cannot start a thread.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*start)(void *), void *arg)
{
	static atomic_long calls;
	static create_fn real;
	if (!real)
		real = (create_fn)dlsym(RTLD_NEXT, "pthread_create");
	const char *n = getenv("PGO_FAIL_THREAD");
	if (n && atomic_fetch_add(&calls, 1) + 1 == atol(n))
		return EAGAIN;
	return real(t, attr, start, arg);
}
