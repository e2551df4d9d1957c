/* Where profile bytes come from: files, standard input and zip archives. */
#ifndef PGO_INPUT_H
#define PGO_INPUT_H

#include "pgo.h"

typedef struct pgo_input {
	char *name;      /* "file", "archive.zip:entry" or "<stdin>" */
	size_t entry_at; /* where the entry's own name starts in name; 0 outside an archive */
	uint8_t *data;
	size_t size;
	bool mapped;     /* data is a read-only file mapping, not malloc'd */
} pgo_input;

typedef struct pgo_input_list {
	pgo_input *items;
	size_t n, cap;
} pgo_input_list;

/*
 * Reads path ("-" for standard input) and appends one input per profile:
 * the file itself, every file entry of a zip archive (when allow_zip;
 * otherwise an archive is an error, before any entry is inflated), or every
 * file of a directory in the byte order of their names (not hidden files
 * nor subdirectories; each counts as an entry, with entry_at set). No
 * file, and no archive's entries together, may exceed max_bytes. Profile
 * bytes are not decoded here, but an entry of raw pprof bytes is checked
 * as it inflates (pgo_shape_check, the decoder's limits on max_bytes), so
 * that zeros, junk or a huge field are refused after the first chunk that
 * shows it, naming "archive:entry" and the offset in the entry. An entry
 * that is not a profile at all (metrics.json) is kept for the caller to
 * skip, up to 64 MiB; one that declares more is refused before it inflates.
 */
pgo_status pgo_read_inputs(const char *path, size_t max_bytes, bool allow_zip, pgo_input_list *list,
                           pgo_error *err);
void pgo_input_list_free(pgo_input_list *list);

/*
 * Calls fn for every file entry of the zip archive in data, one at a time,
 * under the same limits as pgo_read_inputs: full is "name:entry" (the entry
 * starts at full + entry_at), and fn owns the malloc'd bytes. An error from
 * fn stops the walk and is returned.
 */
typedef pgo_status (*pgo_zip_entry_fn)(void *ctx, const char *full, size_t entry_at, uint8_t *data, size_t size,
                                       pgo_error *err);
pgo_status pgo_zip_each(const char *name, const uint8_t *data, size_t size, size_t max_bytes,
                        pgo_zip_entry_fn fn, void *ctx, pgo_error *err);

/* Appends every file entry of the zip archive in data (named name) to
 * list, under the same limits as pgo_read_inputs. data is not kept. */
pgo_status pgo_read_zip(const char *name, const uint8_t *data, size_t size, size_t max_bytes,
                        pgo_input_list *list, pgo_error *err);
/* Drops one input's bytes early (they are not needed once decoded). */
void pgo_input_release(pgo_input *in);

/* True for the local-file or end-of-central-directory magic of a zip. */
bool pgo_is_zip(const uint8_t *data, size_t size);

#endif
