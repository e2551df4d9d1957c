/* "Did you mean": the known name closest to a mistyped one. */
#ifndef PGO_SUGGEST_H
#define PGO_SUGGEST_H

#include <stddef.h>

/*
 * Of the n names, the one closest to the len bytes at given, by edits
 * (insert, delete, replace, swap two neighbours), when it is close enough
 * to be the likely intent: at most 1 edit for names up to 4 bytes, 2 up to
 * 8, 3 beyond. NULL when none is; the first of equally close names wins.
 */
const char *suggest(const char *given, size_t len, const char *const *names, size_t n);

#endif
