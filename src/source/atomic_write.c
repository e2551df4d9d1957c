#define _DEFAULT_SOURCE /* realpath */
#include "atomic_write.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* As many links as the kernel follows before it says ELOOP. */
#define MAX_LINK_HOPS 40

static pgo_status io_fail(pgo_error *err, const char *path, const char *what, int e)
{
	if (err) {
		err->status = PGO_ERR_IO;
		snprintf(err->message, sizeof err->message, "%s: %s: %s", path, what, strerror(e));
	}
	return PGO_ERR_IO;
}

static char *dir_of(const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		return NULL;
	char *dir = strdup(dirname(copy));
	free(copy);
	return dir;
}

static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/*
 * Follows path through any chain of symlinks to the name that is finally
 * written, which may not exist yet (a dangling link creates its target, as
 * with cp). *out is malloc'd.
 */
static pgo_status resolve_links(const char *path, char **out, pgo_error *err)
{
	char *cur = strdup(path);
	if (!cur)
		return io_fail(err, path, "cannot write", ENOMEM);
	for (int hops = 0;; hops++) {
		struct stat st;
		if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode)) {
			*out = cur;
			return PGO_OK;
		}
		if (hops == MAX_LINK_HOPS) {
			free(cur);
			return io_fail(err, path, "cannot follow its symlinks", ELOOP);
		}
		char target[PATH_MAX];
		ssize_t n = readlink(cur, target, sizeof target - 1);
		if (n < 0) {
			int e = errno;
			free(cur);
			return io_fail(err, path, "cannot read the symlink", e);
		}
		target[n] = '\0';
		char *next;
		if (target[0] == '/') {
			next = strdup(target);
		} else {
			/* A relative target is relative to the link's own directory. */
			char *dir = dir_of(cur);
			next = dir ? malloc(strlen(dir) + 1 + (size_t)n + 1) : NULL;
			if (next)
				sprintf(next, "%s/%s", dir, target);
			free(dir);
		}
		free(cur);
		if (!next)
			return io_fail(err, path, "cannot write", ENOMEM);
		cur = next;
	}
}

static int write_all(int fd, const void *data, size_t size)
{
	const char *p = data;
	while (size) {
		ssize_t n = write(fd, p, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			return EIO;
		p += n;
		size -= (size_t)n;
	}
	return 0;
}

/* Devices and FIFOs: no rename, no fsync (a device may refuse it). */
static pgo_status write_in_place(const char *path, const char *shown, const void *data, size_t size,
                                 pgo_error *err)
{
	int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return io_fail(err, shown, "cannot open for writing", errno);
	int e = write_all(fd, data, size);
	if (close(fd) != 0 && !e && errno != EINTR)
		e = errno;
	return e ? io_fail(err, shown, "cannot write", e) : PGO_OK;
}

static pgo_status replace_regular(const char *path, const char *shown, const struct stat *old,
                                  const void *data, size_t size, pgo_error *err)
{
	size_t len = strlen(path);
	char *tmp = malloc(len + sizeof ".tmp.XXXXXX");
	if (!tmp)
		return io_fail(err, shown, "cannot write", ENOMEM);
	memcpy(tmp, path, len);
	memcpy(tmp + len, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
	int fd = mkstemp(tmp);
	if (fd < 0) {
		pgo_status st = io_fail(err, shown,
		                        "cannot create a temporary file beside it (its directory must be writable)",
		                        errno);
		free(tmp);
		return st;
	}
	int e = 0;
	if (old) {
		/* The replacement keeps the old file's mode and, where we may set it, its owner. */
		if ((old->st_uid != geteuid() || old->st_gid != getegid()) && fchown(fd, old->st_uid, old->st_gid) != 0)
			(void)fchown(fd, (uid_t)-1, old->st_gid);
		if (fchmod(fd, old->st_mode & 07777) != 0)
			e = errno;
	} else {
		/* mkstemp makes 0600; a new profile is an ordinary file. */
		mode_t mask = umask(0);
		umask(mask);
		if (fchmod(fd, 0666 & ~mask) != 0)
			e = errno;
	}
	if (!e)
		e = write_all(fd, data, size);
	if (!e && fsync(fd) != 0)
		e = errno;
	if (close(fd) != 0 && !e)
		e = errno;
	if (!e && rename(tmp, path) != 0)
		e = errno;
	if (e) {
		unlink(tmp);
		free(tmp);
		return io_fail(err, shown, "cannot write", e);
	}
	free(tmp);
	char *dir = dir_of(path);
	if (dir)
		sync_dir(dir);
	free(dir);
	return PGO_OK;
}

pgo_status pgo_write_atomic(const char *path, const void *data, size_t size, pgo_error *err)
{
	struct stat sb;
	if (stat(path, &sb) == 0) {
		if (S_ISDIR(sb.st_mode))
			return io_fail(err, path, "cannot write a profile over it; name a file inside it", EISDIR);
		/* The kernel follows the links, /proc's magic ones (/dev/stdout) too. */
		if (!S_ISREG(sb.st_mode))
			return write_in_place(path, path, data, size, err);
		char *real = realpath(path, NULL);
		if (!real)
			return io_fail(err, path, "cannot resolve its symlinks", errno);
		pgo_status st = replace_regular(real, path, &sb, data, size, err);
		free(real);
		return st;
	}
	if (errno != ENOENT)
		return io_fail(err, path, errno == ELOOP ? "cannot follow its symlinks" : "cannot write", errno);
	/* Missing, or a symlink to a missing file: create what the links name. */
	char *target;
	pgo_status st = resolve_links(path, &target, err);
	if (st == PGO_OK) {
		st = replace_regular(target, path, NULL, data, size, err);
		free(target);
	}
	return st;
}
