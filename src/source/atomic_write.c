#include "atomic_write.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static pgo_status io_fail(pgo_error *err, const char *path, const char *what, int e)
{
	if (err) {
		err->status = PGO_ERR_ARGUMENT;
		snprintf(err->message, sizeof err->message, "%s: %s: %s", path, what, strerror(e));
	}
	return PGO_ERR_ARGUMENT;
}

static void sync_parent(const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		return;
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

pgo_status pgo_write_atomic(const char *path, const void *data, size_t size, pgo_error *err)
{
	size_t len = strlen(path);
	char *tmp = malloc(len + sizeof ".tmp.XXXXXX");
	if (!tmp)
		return io_fail(err, path, "cannot write", ENOMEM);
	memcpy(tmp, path, len);
	memcpy(tmp + len, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
	int fd = mkstemp(tmp);
	if (fd < 0) {
		pgo_status st = io_fail(err, path, "cannot create a temporary file beside it", errno);
		free(tmp);
		return st;
	}
	/* mkstemp makes 0600; a profile is an ordinary file. */
	mode_t mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	const char *p = data;
	size_t left = size;
	int e = 0;
	while (left && !e) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno != EINTR)
			e = errno;
		else if (n > 0) {
			p += n;
			left -= (size_t)n;
		}
	}
	if (!e && fsync(fd) != 0)
		e = errno;
	if (close(fd) != 0 && !e)
		e = errno;
	if (!e && rename(tmp, path) != 0)
		e = errno;
	if (e) {
		unlink(tmp);
		free(tmp);
		return io_fail(err, path, "cannot write", e);
	}
	free(tmp);
	sync_parent(path);
	return PGO_OK;
}
