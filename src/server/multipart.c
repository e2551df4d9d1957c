/* A streaming multipart/form-data parser; see multipart.h. */
#define _DEFAULT_SOURCE
#include "multipart.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum state {
	S_PREAMBLE,   /* before the first delimiter: skipped */
	S_AFTER,      /* just after a delimiter: "--" or padding and CRLF */
	S_DASH,       /* one '-' of the closing "--" seen */
	S_PAD,        /* padding after a delimiter */
	S_PAD_LF,     /* the CR after a delimiter seen */
	S_HEADERS,    /* a part's header block */
	S_CONTENT,    /* a part's content */
	S_EPILOGUE,   /* after the closing delimiter: skipped */
	S_FAILED,
} state;

struct multipart {
	multipart_handler h;
	void *ctx;
	state st;
	char delim[MULTIPART_MAX_BOUNDARY + 5]; /* "\r\n--" boundary */
	size_t dlen;
	size_t matched;   /* bytes of delim matched so far */
	uint64_t offset;  /* body bytes consumed before the current piece */
	char hdr[MULTIPART_MAX_HEADERS + 1];
	size_t hdr_len;
	int failure;      /* -1 malformed, -2 stopped by a handler */
	char error[256];
};

/* RFC 2046's bcharsnospace, and space (not last). */
static bool bchar(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || strchr("'()+_,-./:=? ", c);
}

static int fail(multipart *m, int code, uint64_t at, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(multipart *m, int code, uint64_t at, const char *fmt, ...)
{
	char why[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	snprintf(m->error, sizeof m->error, "offset %llu of the body: %s", (unsigned long long)at, why);
	m->st = S_FAILED;
	m->failure = code;
	return code;
}

/* The value of parameter `key` in a header value such as
 * `form-data; name="x"; filename=y`, unquoted. Returns 1 found, 0 not, -1 bad. */
static int param(const char *v, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);
	const char *p = strchr(v, ';');
	while (p) {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		bool match = strncasecmp(p, key, klen) == 0 && p[klen] == '=';
		const char *q = strchr(p, '=');
		if (!q)
			return -1;
		q++;
		size_t o = 0;
		if (*q == '"') {
			for (q++; *q && *q != '"'; q++) {
				/* Only \" and \\ are escapes: a browser sends a Windows path as is. */
				if (*q == '\\' && (q[1] == '"' || q[1] == '\\'))
					q++;
				if (o + 1 >= size)
					return -1;
				out[o++] = *q;
			}
			if (*q != '"')
				return -1;
			q++;
		} else {
			for (; *q && *q != ';' && *q != ' ' && *q != '\t'; q++) {
				if (o + 1 >= size)
					return -1;
				out[o++] = *q;
			}
		}
		out[o] = '\0';
		if (match)
			return 1;
		p = strchr(q, ';');
	}
	return 0;
}

int multipart_boundary(const char *ct, char out[MULTIPART_MAX_BOUNDARY + 1], char *err, size_t err_size)
{
	if (!ct || strncasecmp(ct, "multipart/form-data", 19) != 0 || (ct[19] && ct[19] != ';' && ct[19] != ' ')) {
		snprintf(err, err_size, "expected Content-Type multipart/form-data, got %.80s", ct && *ct ? ct : "none");
		return -1;
	}
	char b[256];
	int rc = param(ct, "boundary", b, sizeof b);
	if (rc <= 0 || !b[0]) {
		snprintf(err, err_size, "Content-Type multipart/form-data %s", rc < 0 ? "has a malformed parameter"
		                                                                    : "has no boundary parameter");
		return -1;
	}
	size_t n = strlen(b);
	if (n > MULTIPART_MAX_BOUNDARY) {
		snprintf(err, err_size, "the multipart boundary is %zu characters; RFC 2046 allows 70", n);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (!bchar((unsigned char)b[i]) || (b[i] == ' ' && i == n - 1)) {
			snprintf(err, err_size, "the multipart boundary has a character RFC 2046 does not allow (0x%02x)",
			         (unsigned char)b[i]);
			return -1;
		}
	memcpy(out, b, n + 1);
	return 0;
}

multipart *multipart_new(const char *boundary, const multipart_handler *h, void *ctx)
{
	multipart *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->h = *h;
	m->ctx = ctx;
	m->dlen = (size_t)snprintf(m->delim, sizeof m->delim, "\r\n--%.*s", MULTIPART_MAX_BOUNDARY, boundary);
	/* The first delimiter may open the body, without the CRLF before it. */
	m->st = S_PREAMBLE;
	m->matched = 2;
	return m;
}

void multipart_free(multipart *m)
{
	free(m);
}

const char *multipart_error(const multipart *m)
{
	return m->error;
}

/* The part's header block is complete: find its name and start it. */
static int begin_part(multipart *m, uint64_t at)
{
	char name[256] = "", filename[256] = "", ctype[256] = "";
	bool has_name = false, has_filename = false, has_ctype = false;
	m->hdr[m->hdr_len] = '\0';
	char *line = m->hdr;
	while (*line) {
		char *eol = strstr(line, "\r\n");
		if (!eol)
			break;
		*eol = '\0';
		for (char *c = line; *c; c++)
			if ((unsigned char)*c < 0x20 && *c != '\t')
				return fail(m, -1, at, "a part's header line has a control character (0x%02x)", (unsigned char)*c);
		char *colon = strchr(line, ':');
		if (!colon)
			return fail(m, -1, at, "a part's header line has no colon: '%.60s'", line);
		*colon = '\0';
		char *v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		if (strcasecmp(line, "Content-Disposition") == 0) {
			if (strncasecmp(v, "form-data", 9) != 0 || (v[9] && v[9] != ';' && v[9] != ' '))
				return fail(m, -1, at, "a part's Content-Disposition is not form-data: '%.60s'", v);
			int rn = param(v, "name", name, sizeof name);
			int rf = param(v, "filename", filename, sizeof filename);
			if (rn < 0 || rf < 0)
				return fail(m, -1, at, "a part's Content-Disposition is malformed or too long: '%.60s'", v);
			has_name = rn == 1;
			has_filename = rf == 1;
		} else if (strcasecmp(line, "Content-Type") == 0) {
			snprintf(ctype, sizeof ctype, "%s", v);
			has_ctype = true;
		}
		line = eol + 2;
	}
	if (!has_name || !name[0])
		return fail(m, -1, at, "a part has no Content-Disposition name");
	if (m->h.part_begin(m->ctx, name, has_filename ? filename : NULL, has_ctype ? ctype : NULL))
		return fail(m, -2, at, "refused part '%.60s'", name);
	return 0;
}

int multipart_feed(multipart *m, const uint8_t *p, size_t n)
{
	if (m->st == S_FAILED)
		return m->failure;
	size_t i = 0;
	while (i < n) {
		uint64_t at = m->offset + i;
		switch (m->st) {
		case S_PREAMBLE:
		case S_CONTENT: {
			bool content = m->st == S_CONTENT;
			if (m->matched == 0) {
				const uint8_t *cr = memchr(p + i, '\r', n - i);
				size_t run = cr ? (size_t)(cr - (p + i)) : n - i;
				if (run && content && m->h.part_data(m->ctx, p + i, run))
					return fail(m, -2, at, "a part's content was refused");
				i += run;
				if (cr) {
					m->matched = 1;
					i++;
				}
				break;
			}
			if (p[i] == (uint8_t)m->delim[m->matched]) {
				i++;
				if (++m->matched == m->dlen) {
					m->matched = 0;
					if (content && m->h.part_end(m->ctx))
						return fail(m, -2, at, "a part was refused at its end");
					m->st = S_AFTER;
				}
				break;
			}
			/* Not a delimiter after all: the held bytes were content. The
			 * boundary has no CR, so no later start hides in them. */
			if (content && m->h.part_data(m->ctx, (const uint8_t *)m->delim, m->matched))
				return fail(m, -2, at, "a part's content was refused");
			m->matched = 0;
			break;
		}
		case S_AFTER:
			if (p[i] == '-')
				m->st = S_DASH;
			else if (p[i] == ' ' || p[i] == '\t')
				m->st = S_PAD;
			else if (p[i] == '\r')
				m->st = S_PAD_LF;
			else
				return fail(m, -1, at, "a boundary must be followed by CRLF or by -- (found 0x%02x)", p[i]);
			i++;
			break;
		case S_DASH:
			if (p[i] != '-')
				return fail(m, -1, at, "a boundary followed by a single '-'");
			m->st = S_EPILOGUE;
			i++;
			break;
		case S_PAD:
			if (p[i] == '\r')
				m->st = S_PAD_LF;
			else if (p[i] != ' ' && p[i] != '\t')
				return fail(m, -1, at, "a boundary line has characters after the boundary (0x%02x)", p[i]);
			i++;
			break;
		case S_PAD_LF:
			if (p[i] != '\n')
				return fail(m, -1, at, "a boundary line must end with CRLF");
			m->st = S_HEADERS;
			m->hdr_len = 0;
			i++;
			break;
		case S_HEADERS: {
			if (m->hdr_len == MULTIPART_MAX_HEADERS)
				return fail(m, -1, at, "a part's headers exceed %d bytes", MULTIPART_MAX_HEADERS);
			uint8_t c = p[i++];
			m->hdr[m->hdr_len++] = (char)c;
			if (c == '\n') {
				if (m->hdr_len < 2 || m->hdr[m->hdr_len - 2] != '\r')
					return fail(m, -1, at, "a part's header line ends with LF, not CRLF");
				/* An empty line (the block's first, or after a CRLF) ends the block. */
				if (m->hdr_len == 2 || (m->hdr_len >= 4 && m->hdr[m->hdr_len - 3] == '\n')) {
					m->hdr_len -= 2;
					int rc = begin_part(m, at);
					if (rc)
						return rc;
					m->st = S_CONTENT;
					m->matched = 0;
				}
			}
			break;
		}
		case S_EPILOGUE:
			i = n;
			break;
		case S_FAILED:
			return m->failure;
		}
	}
	m->offset += n;
	return 0;
}

int multipart_finish(multipart *m)
{
	if (m->st == S_FAILED)
		return m->failure;
	if (m->st == S_EPILOGUE)
		return 0;
	if (m->st == S_PREAMBLE)
		return fail(m, -1, m->offset, "no boundary line: the body is empty or not this boundary's multipart");
	return fail(m, -1, m->offset, "the body ends before its closing boundary: it is truncated");
}
