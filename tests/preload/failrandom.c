/*
 * LD_PRELOAD shim for the tests: getrandom(2) fails with ENOSYS, as on a
 * kernel without it or under a seccomp policy that refuses it, so the tests
 * can see what pgotool does when the kernel gives no random bytes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <sys/random.h>
#include <sys/types.h>

ssize_t getrandom(void *buf, size_t n, unsigned int flags)
{
	(void)buf;
	(void)n;
	(void)flags;
	errno = ENOSYS;
	return -1;
}
