/* MAP_POPULATE is a Linux extension. */
#define _DEFAULT_SOURCE
#include "input.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

bool pgo_is_zip(const uint8_t *data, size_t size)
{
	return size >= 4 && data[0] == 'P' && data[1] == 'K' &&
	       ((data[2] == 3 && data[3] == 4) || (data[2] == 5 && data[3] == 6));
}

static pgo_status read_fd(int fd, const char *name, size_t max_bytes, uint8_t **out, size_t *out_size,
                          pgo_error *err)
{
	size_t cap = 64 * 1024, used = 0;
	struct stat sb;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0)
		cap = (size_t)sb.st_size + 1;
	if (cap > max_bytes + 1)
		cap = max_bytes + 1;
	uint8_t *buf = malloc(cap);
	if (!buf)
		return pgo_fail(err, PGO_ERR_NOMEM, "%s: out of memory reading", name);
	for (;;) {
		if (used == cap) {
			if (cap > max_bytes) {
				free(buf);
				return pgo_fail(err, PGO_ERR_LIMIT, "%s: larger than the %zu-byte input limit", name, max_bytes);
			}
			size_t ncap = cap * 2 > max_bytes + 1 ? max_bytes + 1 : cap * 2;
			uint8_t *nb = realloc(buf, ncap);
			if (!nb) {
				free(buf);
				return pgo_fail(err, PGO_ERR_NOMEM, "%s: out of memory reading", name);
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t n = read(fd, buf + used, cap - used);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(buf);
			return pgo_fail(err, PGO_ERR_IO, "%s: read failed: %s", name, strerror(e));
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	if (used > max_bytes) {
		free(buf);
		return pgo_fail(err, PGO_ERR_LIMIT, "%s: larger than the %zu-byte input limit", name, max_bytes);
	}
	*out = buf;
	*out_size = used;
	return PGO_OK;
}

static pgo_status append(pgo_input_list *list, const char *name, size_t entry_at, uint8_t *data, size_t size,
                         bool mapped, pgo_error *err)
{
	if (list->n == list->cap) {
		size_t ncap = list->cap ? list->cap * 2 : 8;
		pgo_input *items = realloc(list->items, ncap * sizeof *items);
		if (!items)
			return pgo_fail(err, PGO_ERR_NOMEM, "out of memory");
		list->items = items;
		list->cap = ncap;
	}
	char *copy = strdup(name);
	if (!copy)
		return pgo_fail(err, PGO_ERR_NOMEM, "out of memory");
	list->items[list->n++] = (pgo_input){copy, entry_at, data, size, mapped};
	return PGO_OK;
}

/* An entry is inflated and checked this much at a time. */
#define ENTRY_CHUNK ((size_t)1 << 20)
/* An entry that is not a profile at all (metrics.json, go.trace beside an
 * upload's profiles) is kept for its reader to skip up to this size; one
 * that declares more is a bomb, refused before it is inflated. */
#define FOREIGN_MAX ((size_t)64 << 20)
/* A compressed entry the zip shrank this many times over, past this size,
 * is refused: real gzip or zstd data deflates by a few percent at most. */
#define COMPRESSED_RATIO_FROM ((size_t)16 << 20)
#define COMPRESSED_RATIO_MAX 8

/*
 * Reads the entry zf (full: "archive:entry") of at most size bytes into a
 * buffer that grows with the data actually read, not the size the archive
 * claims. Raw pprof bytes are checked as they inflate, a chunk at a time,
 * so that zeros, junk or a huge field are refused after the first chunk
 * that shows it. gzip and zstd entries are checked by pgo_decode as they
 * decompress. The end of the entry, and its size, are the caller's.
 */
static pgo_status read_entry(zip_file_t *zf, const char *full, size_t size, size_t comp_size, const pgo_limits *limits,
                             uint8_t **out, size_t *out_used, pgo_error *err)
{
	enum { UNKNOWN, CHECKED, UNCHECKED } mode = UNKNOWN;
	pgo_shape_check *check = NULL;
	size_t cap = size < 65536 ? size + 1 : 65536, used = 0, checked = 0;
	uint8_t *buf = malloc(cap);
	pgo_status st = buf ? PGO_OK : pgo_fail(err, PGO_ERR_NOMEM, "%s: out of memory reading the entry", full);
	bool end = false;
	while (!st && !end) {
		if (used == cap) {
			size_t ncap = cap * 2 > size + 1 ? size + 1 : cap * 2;
			if (ncap <= cap)
				break; /* more data than claimed: the caller says so */
			uint8_t *nb = realloc(buf, ncap);
			if (!nb) {
				st = pgo_fail(err, PGO_ERR_NOMEM, "%s: out of memory reading the entry", full);
				break;
			}
			buf = nb;
			cap = ncap;
		}
		size_t want = cap - used < ENTRY_CHUNK ? cap - used : ENTRY_CHUNK;
		zip_int64_t got = zip_fread(zf, buf + used, want);
		if (got < 0) {
			/* libzip checks the CRC at the end of the entry. */
			st = pgo_fail(err, PGO_ERR_FORMAT, "%s: entry is corrupt or truncated: %s", full, zip_file_strerror(zf));
			break;
		}
		used += (size_t)got;
		end = got == 0;
		/* What the entry holds, from its first bytes (4: zstd's magic). */
		if (mode == UNKNOWN && (used >= 4 || end)) {
			mode = UNCHECKED;
			if (pgo_sniff(buf, used) != PGO_COMPRESSION_NONE) {
				/* Decoded, and checked, later; but compressed data does not
				 * compress again, so an entry the zip shrank many times over
				 * is a bomb in disguise (gzip of stored zeros, say), refused
				 * before it is read whole. */
				if (size > COMPRESSED_RATIO_FROM && comp_size && size / comp_size >= COMPRESSED_RATIO_MAX)
					st = pgo_fail(err, PGO_ERR_LIMIT,
					              "%s: offset 0: %zu bytes of %s data that the zip compressed %zu times over; "
					              "compressed data does not compress again, so this is not a profile",
					              full, size, pgo_sniff(buf, used) == PGO_COMPRESSION_GZIP ? "gzip" : "zstd",
					              size / comp_size);
			} else if (pgo_looks_like_pprof(buf, used)) {
				mode = CHECKED;
				st = pgo_shape_check_new(full, limits, &check, err);
			} else if (size > FOREIGN_MAX) {
				st = pgo_fail(err, PGO_ERR_LIMIT,
				              "%s: offset 0: not a pprof profile, and its %zu bytes are more than the %zu a file beside "
				              "the profiles (metrics.json, go.trace) may hold",
				              full, size, FOREIGN_MAX);
			}
		}
		if (!st && mode == CHECKED && used > checked) {
			st = pgo_shape_check_feed(check, buf + checked, used - checked, err);
			checked = used;
		}
	}
	pgo_shape_check_free(check);
	if (st) {
		free(buf);
		return st;
	}
	*out = buf;
	*out_used = used;
	return PGO_OK;
}

pgo_status pgo_zip_each(const char *name, const uint8_t *data, size_t size, size_t max_bytes,
                        pgo_zip_entry_fn fn, void *ctx, pgo_error *err)
{
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(data, size, 0, &ze);
	zip_t *za = src ? zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze) : NULL;
	if (!za) {
		pgo_status st = pgo_fail(err, PGO_ERR_FORMAT, "%s: not a readable zip archive: %s", name, zip_error_strerror(&ze));
		if (src)
			zip_source_free(src);
		zip_error_fini(&ze);
		return st;
	}
	zip_error_fini(&ze);
	zip_int64_t n = zip_get_num_entries(za, 0);
	size_t added = 0, total = 0;
	/* The decoder's limits, on at most max_bytes of an entry. */
	pgo_limits limits;
	pgo_limits_default(&limits);
	limits.max_decompressed_bytes = max_bytes;
	pgo_status st = PGO_OK;
	/* The sizes the archive declares, before anything is inflated: a zip
	 * bomb is refused at once. Reading still stops at each declared size. */
	uint64_t declared = 0;
	for (zip_int64_t i = 0; i < n; i++) {
		zip_stat_t zs;
		if (zip_stat_index(za, (zip_uint64_t)i, 0, &zs) == 0 && (zs.valid & ZIP_STAT_SIZE))
			declared += zs.size;
		if (declared > max_bytes) {
			zip_discard(za);
			return pgo_fail(err, PGO_ERR_LIMIT, "%s: the archive's entries add up to more than the %zu-byte input limit",
			            name, max_bytes);
		}
	}
	for (zip_int64_t i = 0; i < n && !st; i++) {
		zip_stat_t zs;
		if (zip_stat_index(za, (zip_uint64_t)i, 0, &zs) != 0) {
			st = pgo_fail(err, PGO_ERR_FORMAT, "%s: entry %lld: unreadable: %s", name, (long long)i,
			          zip_strerror(za));
			break;
		}
		const char *entry = (zs.valid & ZIP_STAT_NAME) ? zs.name : "?";
		size_t elen = strlen(entry);
		if (elen && entry[elen - 1] == '/')
			continue; /* a directory */
		char full[1024];
		snprintf(full, sizeof full, "%s:%s", name, entry);
		if (!(zs.valid & ZIP_STAT_SIZE) || zs.size > max_bytes - total) {
			st = pgo_fail(err, PGO_ERR_LIMIT, "%s: the archive's entries add up to more than the %zu-byte input limit",
			          full, max_bytes);
			break;
		}
		total += (size_t)zs.size;
		zip_file_t *zf = zip_fopen_index(za, (zip_uint64_t)i, 0);
		if (!zf) {
			st = pgo_fail(err, PGO_ERR_FORMAT, "%s: cannot open entry: %s", full, zip_strerror(za));
			break;
		}
		uint8_t *buf = NULL;
		size_t used = 0;
		size_t comp = (zs.valid & ZIP_STAT_COMP_SIZE) ? (size_t)zs.comp_size : 0;
		st = read_entry(zf, full, (size_t)zs.size, comp, &limits, &buf, &used, err);
		if (!st && used != zs.size)
			st = pgo_fail(err, PGO_ERR_FORMAT, "%s: entry is corrupt or truncated: %s", full,
			              zip_file_strerror(zf));
		if (st) {
			free(buf);
			zip_fclose(zf);
			break;
		}
		zip_fclose(zf);
		/* The callback owns buf now. */
		st = fn(ctx, full, strlen(name) + 1, buf, (size_t)zs.size, err);
		if (!st)
			added++;
	}
	zip_discard(za);
	if (!st && added == 0)
		st = pgo_fail(err, PGO_ERR_EMPTY, "%s: zip archive holds no profiles", name);
	return st;
}

typedef struct append_ctx {
	pgo_input_list *list;
} append_ctx;

static pgo_status append_entry(void *ctx, const char *full, size_t entry_at, uint8_t *data, size_t size,
                               pgo_error *err)
{
	pgo_status st = append(((append_ctx *)ctx)->list, full, entry_at, data, size, false, err);
	if (st)
		free(data);
	return st;
}

pgo_status pgo_read_zip(const char *name, const uint8_t *data, size_t size, size_t max_bytes,
                        pgo_input_list *list, pgo_error *err)
{
	append_ctx ctx = {list};
	return pgo_zip_each(name, data, size, max_bytes, append_entry, &ctx, err);
}

/* Maps a regular file read-only: no copy, and the pages come in at once. */
static bool map_file(int fd, const char *name, size_t max_bytes, uint8_t **out, size_t *out_size,
                     pgo_status *st, pgo_error *err)
{
	struct stat sb;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size <= 0)
		return false;
	if ((uint64_t)sb.st_size > max_bytes) {
		*st = pgo_fail(err, PGO_ERR_LIMIT, "%s: larger than the %zu-byte input limit", name, max_bytes);
		return true;
	}
	void *p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (p == MAP_FAILED)
		return false; /* fall back to read() */
	*out = p;
	*out_size = (size_t)sb.st_size;
	*st = PGO_OK;
	return true;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * A directory: its files (not hidden ones, not subdirectories), in the
 * byte order of their names, each read as pgo_read_inputs reads a path.
 * They count as entries of a collection, like a zip archive's: the caller
 * may skip those that are not CPU profiles (an unzipped upload's
 * metrics.json) with a warning.
 */
static pgo_status read_dir(const char *path, size_t max_bytes, bool allow_zip, pgo_input_list *list,
                           pgo_error *err)
{
	DIR *d = opendir(path);
	if (!d)
		return pgo_fail(err, PGO_ERR_IO, "%s: cannot read the directory: %s", path, strerror(errno));
	size_t dir_len = strlen(path);
	while (dir_len > 1 && path[dir_len - 1] == '/')
		dir_len--;
	char **names = NULL;
	size_t n = 0, cap = 0;
	pgo_status st = PGO_OK;
	for (struct dirent *e; !st && (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char *full = malloc(dir_len + strlen(e->d_name) + 2);
		if (!full) {
			st = pgo_fail(err, PGO_ERR_NOMEM, "%s: out of memory listing the directory", path);
			break;
		}
		sprintf(full, "%.*s/%s", (int)dir_len, path, e->d_name);
		struct stat sb;
		if (stat(full, &sb) || !S_ISREG(sb.st_mode)) {
			free(full);
			continue;
		}
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof *nn);
			if (!nn) {
				free(full);
				st = pgo_fail(err, PGO_ERR_NOMEM, "%s: out of memory listing the directory", path);
				break;
			}
			names = nn;
		}
		names[n++] = full;
	}
	closedir(d);
	if (!st && n == 0)
		st = pgo_fail(err, PGO_ERR_ARGUMENT, "%s: a directory with no files in it (hidden files and subdirectories "
		                                     "are not read); give the profiles' paths", path);
	if (!st)
		qsort(names, n, sizeof *names, by_name);
	for (size_t i = 0; i < n && !st; i++) {
		size_t from = list->n;
		st = pgo_read_inputs(names[i], max_bytes, allow_zip, list, err);
		for (size_t k = from; !st && k < list->n; k++)
			if (list->items[k].entry_at == 0)
				list->items[k].entry_at = dir_len + 1;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return st;
}

pgo_status pgo_read_inputs(const char *path, size_t max_bytes, bool allow_zip, pgo_input_list *list,
                           pgo_error *err)
{
	bool is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "<stdin>" : path;
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pgo_fail(err, PGO_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
	struct stat sb;
	if (!is_stdin && fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		close(fd);
		return read_dir(path, max_bytes, allow_zip, list, err);
	}
	uint8_t *data = NULL;
	size_t size = 0;
	pgo_status st = PGO_OK;
	bool mapped = map_file(fd, name, max_bytes, &data, &size, &st, err);
	if (!mapped)
		st = read_fd(fd, name, max_bytes, &data, &size, err);
	if (!is_stdin)
		close(fd);
	if (st)
		return st;
	if (!pgo_is_zip(data, size)) {
		st = append(list, name, 0, data, size, mapped, err);
		if (st) {
			pgo_input tmp = {NULL, 0, data, size, mapped};
			pgo_input_release(&tmp);
		}
		return st;
	}
	if (allow_zip)
		st = pgo_read_zip(name, data, size, max_bytes, list, err);
	else
		st = pgo_fail(err, PGO_ERR_ARGUMENT, "%s: a zip archive, but this command reads one profile; merge it first", name);
	pgo_input tmp = {NULL, 0, data, size, mapped};
	pgo_input_release(&tmp);
	return st;
}

void pgo_input_release(pgo_input *in)
{
	if (in->data && in->mapped)
		munmap(in->data, in->size);
	else
		free(in->data);
	in->data = NULL;
}

void pgo_input_list_free(pgo_input_list *list)
{
	for (size_t i = 0; i < list->n; i++) {
		free(list->items[i].name);
		pgo_input_release(&list->items[i]);
	}
	free(list->items);
	memset(list, 0, sizeof *list);
}
