/* A zip archive written as it is read; see zipout.h. */
#include "zipout.h"

#include <libdeflate.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOCAL_SIG 0x04034b50u
#define CENTRAL_SIG 0x02014b50u
#define END_SIG 0x06054b50u
#define VERSION 20        /* 2.0: stored entries, directories */
#define FLAG_UTF8 0x0800u /* names are UTF-8 */
#define DOS_DATE 0x0021u  /* 1980-01-01, the earliest: no real time, the same bytes each time */
#define MAX_ENTRIES 65535u

struct zipout {
	zipout_next_fn next;
	void *ctx;
	/* the piece being read out: header bytes, then the entry's data */
	uint8_t *piece;
	size_t piece_len, piece_cap, piece_pos;
	uint8_t *data;
	size_t data_len, data_pos;
	/* the central directory, built as entries go out */
	uint8_t *central;
	size_t central_len, central_cap;
	uint64_t offset;  /* archive bytes so far */
	size_t entries;
	bool ended, failed;
	char error[256];
};

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v & 0xffff);
	put16(p + 2, v >> 16);
}

static bool grow(uint8_t **buf, size_t *cap, size_t need)
{
	if (need <= *cap)
		return true;
	size_t cap2 = *cap ? *cap : 4096;
	while (cap2 < need)
		cap2 *= 2;
	uint8_t *b = realloc(*buf, cap2);
	if (!b)
		return false;
	*buf = b;
	*cap = cap2;
	return true;
}

zipout *zipout_new(zipout_next_fn next, void *ctx)
{
	zipout *z = calloc(1, sizeof *z);
	if (z) {
		z->next = next;
		z->ctx = ctx;
	}
	return z;
}

void zipout_free(zipout *z)
{
	if (!z)
		return;
	free(z->piece);
	free(z->data);
	free(z->central);
	free(z);
}

const char *zipout_error(const zipout *z)
{
	return z->error;
}

size_t zipout_entries(const zipout *z)
{
	return z->entries;
}

static int fail(zipout *z, const char *why)
{
	snprintf(z->error, sizeof z->error, "%s", why);
	z->failed = true;
	return -1;
}

/* Loads the next entry: its local header becomes the piece, its bytes the data. */
static int next_entry(zipout *z)
{
	char *name = NULL;
	uint8_t *data = NULL;
	size_t size = 0;
	int rc = z->next(z->ctx, &name, &data, &size, z->error, sizeof z->error);
	if (rc < 0) {
		z->failed = true;
		return -1;
	}
	if (rc == 0)
		return 0;
	size_t name_len = strlen(name);
	uint64_t end = z->offset + 30 + name_len + size;
	if (name_len > 0xffff || size > 0xffffffffu || end > 0xffffffffu || z->entries == MAX_ENTRIES) {
		free(name);
		free(data);
		return fail(z, "the archive would pass 4 GiB or 65535 entries");
	}
	uint32_t crc = libdeflate_crc32(0, data, size);
	if (!grow(&z->piece, &z->piece_cap, 30 + name_len) ||
	    !grow(&z->central, &z->central_cap, z->central_len + 46 + name_len)) {
		free(name);
		free(data);
		return fail(z, "out of memory writing a zip archive");
	}
	uint8_t *h = z->piece;
	put32(h, LOCAL_SIG);
	put16(h + 4, VERSION);
	put16(h + 6, FLAG_UTF8);
	put16(h + 8, 0); /* stored */
	put16(h + 10, 0);
	put16(h + 12, DOS_DATE);
	put32(h + 14, crc);
	put32(h + 18, (uint32_t)size);
	put32(h + 22, (uint32_t)size);
	put16(h + 26, (unsigned)name_len);
	put16(h + 28, 0);
	memcpy(h + 30, name, name_len);
	uint8_t *c = z->central + z->central_len;
	put32(c, CENTRAL_SIG);
	put16(c + 4, VERSION);
	put16(c + 6, VERSION);
	put16(c + 8, FLAG_UTF8);
	put16(c + 10, 0);
	put16(c + 12, 0);
	put16(c + 14, DOS_DATE);
	put32(c + 16, crc);
	put32(c + 20, (uint32_t)size);
	put32(c + 24, (uint32_t)size);
	put16(c + 28, (unsigned)name_len);
	memset(c + 30, 0, 12); /* extra, comment, disk, attributes */
	put32(c + 42, (uint32_t)z->offset);
	memcpy(c + 46, name, name_len);
	z->central_len += 46 + name_len;
	z->piece_len = 30 + name_len;
	z->piece_pos = 0;
	free(name);
	free(z->data);
	z->data = data;
	z->data_len = size;
	z->data_pos = 0;
	z->offset = end;
	z->entries++;
	return 1;
}

/* The central directory and its end record become the last piece. */
static int finish(zipout *z)
{
	if (z->offset + z->central_len + 22 > 0xffffffffu)
		return fail(z, "the archive would pass 4 GiB");
	if (!grow(&z->central, &z->central_cap, z->central_len + 22))
		return fail(z, "out of memory writing a zip archive");
	uint8_t *e = z->central + z->central_len;
	put32(e, END_SIG);
	put16(e + 4, 0);
	put16(e + 6, 0);
	put16(e + 8, (unsigned)z->entries);
	put16(e + 10, (unsigned)z->entries);
	put32(e + 12, (uint32_t)z->central_len);
	put32(e + 16, (uint32_t)z->offset);
	put16(e + 20, 0);
	free(z->piece);
	z->piece = z->central;
	z->piece_cap = z->central_cap;
	z->piece_len = z->central_len + 22;
	z->piece_pos = 0;
	z->central = NULL;
	z->central_cap = z->central_len = 0;
	free(z->data);
	z->data = NULL;
	z->data_len = z->data_pos = 0;
	z->ended = true;
	return 0;
}

/* Copies what room allows of src from *pos on; returns the count. */
static size_t copy_out(uint8_t *dst, size_t room, const uint8_t *src, size_t len, size_t *pos)
{
	size_t n = len - *pos < room ? len - *pos : room;
	memcpy(dst, src + *pos, n);
	*pos += n;
	return n;
}

ssize_t zipout_read(zipout *z, uint8_t *buf, size_t max)
{
	if (z->failed)
		return -1;
	size_t out = 0;
	while (out < max) {
		if (z->piece_pos < z->piece_len) {
			out += copy_out(buf + out, max - out, z->piece, z->piece_len, &z->piece_pos);
			continue;
		}
		if (z->data_pos < z->data_len) {
			out += copy_out(buf + out, max - out, z->data, z->data_len, &z->data_pos);
			continue;
		}
		if (z->ended)
			break;
		int rc = next_entry(z);
		if (rc < 0)
			return -1;
		if (rc == 0 && finish(z))
			return -1;
	}
	return (ssize_t)out;
}
