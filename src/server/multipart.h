/*
 * A streaming multipart/form-data parser (RFC 7578, RFC 2046 §5.1).
 *
 * The body is fed in pieces as it arrives; each part's headers are parsed
 * before its first byte of content, so that the caller can decide on a
 * part's name and refuse it, or bound it, before holding any of it. Only
 * the delimiter's length is ever kept between pieces. Part headers are
 * bounded (MULTIPART_MAX_HEADERS bytes a part).
 *
 * It lives beside libmicrohttpd rather than in it because intake must be
 * fuzzed without a live connection, and errors must name body offsets.
 */
#ifndef PGO_MULTIPART_H
#define PGO_MULTIPART_H

#include <stddef.h>
#include <stdint.h>

#define MULTIPART_MAX_BOUNDARY 70   /* RFC 2046 */
#define MULTIPART_MAX_HEADERS 4096  /* the header block of one part */

typedef struct multipart multipart;

typedef struct multipart_handler {
	/* A part starts: name and filename from Content-Disposition (filename
	 * may be NULL), content_type may be NULL. Return 0 to go on, or -1 to
	 * stop the parse (the caller keeps its own reason). */
	int (*part_begin)(void *ctx, const char *name, const char *filename, const char *content_type);
	/* The next piece of the current part's content. */
	int (*part_data)(void *ctx, const uint8_t *data, size_t size);
	/* The current part ended (its closing delimiter was seen). */
	int (*part_end)(void *ctx);
} multipart_handler;

/*
 * The boundary of a Content-Type header value such as
 * `multipart/form-data; boundary="abc"`. Returns 0, or -1 with a message
 * saying what is wrong (not multipart/form-data, no boundary, too long,
 * characters RFC 2046 does not allow).
 */
int multipart_boundary(const char *content_type, char out[MULTIPART_MAX_BOUNDARY + 1], char *err, size_t err_size);

/* NULL when out of memory. */
multipart *multipart_new(const char *boundary, const multipart_handler *h, void *ctx);
void multipart_free(multipart *m);

/*
 * Feeds the next bytes of the body. Returns 0, -1 for a malformed body
 * (multipart_error says where and why), or -2 when a handler stopped it.
 * After an error every further call returns the same error.
 */
int multipart_feed(multipart *m, const uint8_t *data, size_t size);

/* The body has ended: 0 if the closing delimiter was seen, else -1. */
int multipart_finish(multipart *m);

/* Why the last call failed: "offset 123 of the body: ..." */
const char *multipart_error(const multipart *m);

#endif
