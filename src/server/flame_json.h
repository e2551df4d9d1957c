/* A flame graph's call tree (pgo_flame) as the web UI reads it. */
#ifndef PGO_FLAME_JSON_H
#define PGO_FLAME_JSON_H

#include "pgo.h"

/*
 * {"unit": unit, "total": T, "names": [...], "nodes": [[name, parent,
 * total, self], ...], "pruned": N}: nodes in f's preorder, name an index
 * into names (node 0, the root, is "root"; a frame without a function is
 * "(unknown)"), parent -1 for the root. Names that are not UTF-8 get
 * U+FFFD for their bad bytes; <, > and & are \u escapes. Returns malloc'd
 * text, or NULL when out of memory.
 */
char *flame_json_text(const pgo_profile *p, const pgo_flame *f, const char *unit);

#endif
