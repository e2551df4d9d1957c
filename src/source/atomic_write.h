#ifndef PGO_ATOMIC_WRITE_H
#define PGO_ATOMIC_WRITE_H

#include "pgo.h"

/*
 * Writes data to path the way cp and gzip do, so that a reader of a regular
 * file sees the old contents or the new, never a part:
 *  - A symlink is followed to its final target, which is what gets written;
 *    the links themselves stay.
 *  - A regular file (or a missing one) is replaced atomically: a temporary
 *    file in the target's directory is written, fsync'd and renamed over it,
 *    and the directory is fsync'd. A replaced file keeps its mode, and its
 *    owner where the caller may set it.
 *  - Anything else (a character or block device, a FIFO) is opened and
 *    written in place, never renamed over: `-o /dev/null` must stay a device.
 * On failure a regular file is untouched and the temporary file is removed.
 */
pgo_status pgo_write_atomic(const char *path, const void *data, size_t size, pgo_error *err);

#endif
