#ifndef PGO_ATOMIC_WRITE_H
#define PGO_ATOMIC_WRITE_H

#include "pgo.h"

/*
 * Replaces path with data so that readers see the old file or the new one,
 * never a part: a temporary file in the same directory is written, fsync'd
 * and renamed over path, and the directory is fsync'd. On failure path is
 * untouched and the temporary file is removed.
 */
pgo_status pgo_write_atomic(const char *path, const void *data, size_t size, pgo_error *err);

#endif
