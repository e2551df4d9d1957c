/*
 * libFuzzer target for profile intake: the multipart body that dd-trace-go
 * uploads, its event.json, its tags and its attachments (upload.c,
 * multipart.c), without HTTP or a store. The first byte picks how the body
 * is cut into pieces and whether an agent tag header comes with it; the rest
 * is the body, under Content-Type multipart/form-data; boundary=XYZ.
 * Properties:
 *  - the outcome (status, message, and for an accepted upload its tags and
 *    attachments) does not depend on how the body is cut into pieces;
 *  - a refusal is a 4xx or 5xx with a message;
 *  - an accepted upload has well-formed tags within the documented limits,
 *    plain attachment names, and never more held memory than allowed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "upload.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_BODY (64 * 1024)
#define MAX_HELD (48 * 1024)

static int hold(void *ctx, size_t held)
{
	size_t *most = ctx;
	if (held > MAX_HELD)
		return -1;
	if (held > *most)
		*most = held;
	return 0;
}

typedef struct outcome {
	int status;
	char error[512];
	size_t n_tags, n_atts, att_bytes;
	uint64_t digest;
} outcome;

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static void run(const uint8_t *body, size_t n, size_t piece, const char *agent_tags, outcome *out)
{
	memset(out, 0, sizeof *out);
	size_t most = 0;
	char err[256];
	upload *u = upload_new("multipart/form-data; boundary=XYZ", agent_tags, MAX_BODY, hold, &most, &out->status, err,
	                       sizeof err);
	if (!u) {
		fprintf(stderr, "property broken: a valid Content-Type was refused: %s\n", err);
		abort();
	}
	for (size_t off = 0; off < n && !out->status; off += piece)
		out->status = upload_feed(u, body + off, n - off < piece ? n - off : piece);
	store_upload su;
	if (!out->status)
		out->status = upload_finish(u, 1800000000000000000LL, NULL, &su);
	if (!out->status)
		out->status = upload_set_id(u, &su, "00000000-0000-4000-8000-000000000000");
	if (out->status) {
		snprintf(out->error, sizeof out->error, "%s", upload_error(u));
		if (out->status < 400 || out->status > 599 || !out->error[0]) {
			fprintf(stderr, "property broken: status %d with message '%s'\n", out->status, out->error);
			abort();
		}
	} else {
		out->n_tags = su.n_tags;
		out->n_atts = su.n_attachments;
		if (su.n_tags > UPLOAD_MAX_TAGS + 4) {
			fprintf(stderr, "property broken: %zu tags\n", su.n_tags);
			abort();
		}
		for (size_t i = 0; i < su.n_tags; i++) {
			size_t len = strlen(su.tags[i]);
			if (len == 0 || len > UPLOAD_MAX_TAG_BYTES + 16 || !utf8_valid((const unsigned char *)su.tags[i], len)) {
				fprintf(stderr, "property broken: tag %zu is empty, too long or not UTF-8\n", i);
				abort();
			}
			out->digest = mix(out->digest, su.tags[i], len + 1);
		}
		for (size_t i = 0; i < su.n_attachments; i++) {
			const char *name = su.attachments[i].name;
			if (!name[0] || strchr(name, '/') || !strcmp(name, "..") || !strcmp(name, "event")) {
				fprintf(stderr, "property broken: attachment name '%s'\n", name);
				abort();
			}
			out->att_bytes += su.attachments[i].size;
			out->digest = mix(out->digest, name, strlen(name) + 1);
			out->digest = mix(out->digest, su.attachments[i].data, su.attachments[i].size);
		}
	}
	if (most > MAX_HELD) {
		fprintf(stderr, "property broken: held %zu bytes\n", most);
		abort();
	}
	upload_free(u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	const uint8_t *body = data + 1;
	size_t n = size - 1;
	const char *tags = mode & 0x80 ? "host:fuzz,default_env:prod,version:1.2" : NULL;
	/* Pieces of 1 to 64 bytes: every delimiter and header straddles a cut somewhere. */
	size_t piece = (size_t)(mode & 0x3f) + 1;
	outcome whole, cut;
	run(body, n, n ? n : 1, tags, &whole);
	run(body, n, piece, tags, &cut);
	/* 503 depends on when memory was asked for, which cutting may change. */
	if (whole.status == 503 || cut.status == 503)
		return 0;
	if (whole.status != cut.status || whole.n_tags != cut.n_tags || whole.n_atts != cut.n_atts ||
	    whole.att_bytes != cut.att_bytes || whole.digest != cut.digest) {
		fprintf(stderr, "property broken: whole body: %d '%s' %zu tags %zu attachments; in %zu-byte pieces: %d '%s' %zu tags %zu attachments\n",
		        whole.status, whole.error, whole.n_tags, whole.n_atts, piece, cut.status, cut.error, cut.n_tags,
		        cut.n_atts);
		abort();
	}
	return 0;
}
