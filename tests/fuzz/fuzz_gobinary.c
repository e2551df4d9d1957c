/*
 * libFuzzer target for the Go-binary reader (`pgotool inspect --binary`):
 * the input is the whole file. Our code checks the ELF headers, section
 * bounds, .go.buildinfo's -pgo= setting and the compressed-section headers;
 * elfutils decodes the DWARF. The reader takes a path, so the input goes
 * into an anonymous memory file read through /proc/self/fd (nothing on
 * disk). Properties:
 *  - on success every function has a non-empty name, there are at most
 *    PGO_GOBINARY_MAX_FUNCS of them, and the -pgo= setting, when there is
 *    one, is a string;
 *  - on failure the message is non-empty and names the file.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gobinary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_success(const pgo_gobinary *b)
{
	if (b->n_funcs == 0 || b->n_funcs > PGO_GOBINARY_MAX_FUNCS || !b->funcs)
		abort();
	for (size_t i = 0; i < b->n_funcs; i++) {
		const char *name = b->funcs[i].name;
		/* strlen reads the whole name: ASan catches one past its buffer. */
		if (!name || strlen(name) == 0 || b->funcs[i].line < 0)
			abort();
	}
	if (b->pgo_setting)
		(void)strlen(b->pgo_setting);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	if (fd < 0) {
		fd = memfd_create("fuzz_gobinary", MFD_CLOEXEC);
		if (fd < 0) {
			perror("memfd_create");
			abort();
		}
	}
	if (ftruncate(fd, 0) != 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size)) {
		perror("memfd write");
		abort();
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);

	pgo_gobinary *b = NULL;
	pgo_error err = {0};
	pgo_status st = pgo_gobinary_open(path, &b, &err);
	if (st == PGO_OK) {
		if (!b)
			abort();
		check_success(b);
		pgo_gobinary_free(b);
		return 0;
	}
	if (b || err.status != st || !err.message[0] || !strstr(err.message, path)) {
		fprintf(stderr, "property broken: status %d, message \"%s\"\n", (int)st, err.message);
		abort();
	}
	return 0;
}
