/*
 * The functions of a Go binary, from its DWARF: link names as the compiler
 * spells them ("pkg/path.(*T).M", "main.main.func1") and declaration
 * lines, for comparing a profile with the code it will build. elfutils'
 * libelf and libdw read the ELF file and the DWARF (compressed sections
 * included).
 */
#ifndef PGO_GOBINARY_H
#define PGO_GOBINARY_H

#include "pgo.h"

/* More functions than this and a binary is refused (16 bytes each). */
#define PGO_GOBINARY_MAX_FUNCS (1u << 22)

typedef struct pgo_gobinary {
	/* Every DW_TAG_subprogram of the Go compile units that has a name:
	 * abstract (inlined) and concrete entries, so a name may repeat; line
	 * 0 when DWARF gives none (generated wrappers). The names point into
	 * the DWARF data, valid until pgo_gobinary_free. */
	pgo_code_func *funcs;
	size_t n_funcs;
	/* The -pgo= build setting when the binary was built with a profile
	 * (NUL-terminated, owned), or NULL. */
	char *pgo_setting;
	struct pgo_gobinary_handles *handles;
} pgo_gobinary;

/*
 * Opens the Go binary at path and reads its functions. Errors name the
 * file and say how to build a binary that works: not a regular file, not
 * ELF or damaged, not a Go program, no DWARF (-ldflags=-w or -s, or
 * stripped), damaged DWARF, or more than PGO_GOBINARY_MAX_FUNCS functions.
 */
pgo_status pgo_gobinary_open(const char *path, pgo_gobinary **out, pgo_error *err);
void pgo_gobinary_free(pgo_gobinary *b);

#endif
