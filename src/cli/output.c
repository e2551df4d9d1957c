/* What the commands that write profiles share: where output goes (a file,
 * written atomically, or stdout) and the noinline names. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic_write.h"
#include "cli.h"

unsigned cli_threads(void)
{
	const char *v = getenv("PGOTOOL_THREADS");
	if (v) {
		char *end;
		if (*v < '0' || *v > '9')
			return 0;
		unsigned long n = strtoul(v, &end, 10);
		return *end || n < 1 || n > CLI_MAX_THREADS ? 0 : (unsigned)n;
	}
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	return cpus > 1 ? (unsigned)(cpus > CLI_MAX_THREADS ? CLI_MAX_THREADS : cpus) : 1;
}

int cli_gzip_threads(unsigned threads)
{
	return threads > PGO_GZIP_MAX_THREADS ? PGO_GZIP_MAX_THREADS : threads < 1 ? 1 : (int)threads;
}

pgo_status cli_write_output(const char *path, const void *data, size_t size, bool binary, pgo_error *err)
{
	if (path && strcmp(path, "-") != 0)
		return pgo_write_atomic(path, data, size, err);
	if (binary && isatty(STDOUT_FILENO)) {
		err->status = PGO_ERR_ARGUMENT;
		snprintf(err->message, sizeof err->message,
		         "refusing to write a binary profile to a terminal; use -o FILE or redirect stdout");
		return PGO_ERR_ARGUMENT;
	}
	const char *p = data;
	size_t left = size;
	while (left) {
		ssize_t n = write(STDOUT_FILENO, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err->status = PGO_ERR_ARGUMENT;
			snprintf(err->message, sizeof err->message, "<stdout>: write failed: %s", strerror(errno));
			return PGO_ERR_ARGUMENT;
		}
		p += n;
		left -= (size_t)n;
	}
	return PGO_OK;
}

const char **cli_noinline_names(bool none, const flag_list *extra)
{
	if (none)
		return NULL;
	size_t n_default = 0;
	while (pgo_default_noinline[n_default])
		n_default++;
	const char **names = calloc(n_default + extra->n + 1, sizeof *names);
	if (!names)
		return NULL;
	memcpy(names, pgo_default_noinline, n_default * sizeof *names);
	if (extra->n)
		memcpy(names + n_default, extra->items, extra->n * sizeof *names);
	return names;
}
