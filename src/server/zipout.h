/*
 * A zip archive written as it is read: entries are stored (they are
 * compressed already), one at a time, so that an answer of many profiles
 * holds one of them in memory, not all. The archive is the same bytes for
 * the same entries (no times). Sizes and offsets stay under 4 GiB: past
 * that the read fails rather than write a zip64 archive.
 *
 * libzip holds every entry until it closes an archive, which is what this
 * avoids; reading zips stays with libzip.
 */
#ifndef PGO_ZIPOUT_H
#define PGO_ZIPOUT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct zipout zipout;

/* The next entry: returns 1 with a malloc'd name and data (the zipout
 * frees them), 0 when there are no more, -1 with a message. */
typedef int (*zipout_next_fn)(void *ctx, char **name, uint8_t **data, size_t *size, char *err, size_t err_size);

zipout *zipout_new(zipout_next_fn next, void *ctx);
void zipout_free(zipout *z);

/* Up to max bytes of the archive into buf: the count, 0 at its end, or -1
 * (zipout_error says why). */
ssize_t zipout_read(zipout *z, uint8_t *buf, size_t max);
const char *zipout_error(const zipout *z);

/* Entries written so far. */
size_t zipout_entries(const zipout *z);

#endif
