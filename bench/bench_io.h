/* What the bench tools share: reading a whole file. Header-only, so each
 * tool stays one source file. */
#ifndef PGO_BENCH_IO_H
#define PGO_BENCH_IO_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The whole of path, malloc'd; NULL with *why set (for a message after the
 * path) when it cannot be opened, read or held. */
static inline uint8_t *bench_read_file(const char *path, size_t *size, const char **why)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		*why = strerror(errno);
		return NULL;
	}
	size_t cap = 1 << 20, n = 0;
	uint8_t *buf = malloc(cap);
	while (buf) {
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		uint8_t *grown = realloc(buf, cap *= 2);
		if (!grown)
			free(buf);
		buf = grown;
	}
	bool failed = !buf || ferror(f);
	fclose(f);
	if (failed) {
		*why = buf ? "read error" : "out of memory";
		free(buf);
		return NULL;
	}
	*size = n;
	return buf;
}

#endif
