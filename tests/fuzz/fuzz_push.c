/*
 * libFuzzer target for Pyroscope's push (pyroscope.c, and upload.c's
 * upload_finish_profile), without HTTP or a store. The input is the query's
 * values on the first line, separated by '&' in the order name, from,
 * until, spyName (as the server has them, URL-decoded), then the
 * multipart body under boundary=XYZ.
 * Properties:
 *  - the query is accepted (0) or refused with 400 and a message, and an
 *    accepted one gives service:APP first and key:value tags without
 *    control characters, at most PYRO_MAX_LABELS + 1;
 *  - the push is accepted or refused with a 4xx or 5xx and a message;
 *  - an accepted push has one attachment, cpu.pprof, UTF-8 tags within the
 *    limits, and an event.json that is a JSON object.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyroscope.h"
#include "upload.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *what)
{
	fprintf(stderr, "property broken: %s\n", what);
	abort();
}

static int hold(void *ctx, size_t held)
{
	(void)ctx;
	return held > (64 << 10) ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t qlen = nl ? (size_t)(nl - data) : size;
	char *query = malloc(qlen + 1);
	memcpy(query, data, qlen);
	query[qlen] = '\0';
	char *vals[4] = {NULL, NULL, NULL, NULL}, *p = query;
	for (int i = 0; i < 4 && p; i++) {
		vals[i] = p;
		p = strchr(p, '&');
		if (p)
			*p++ = '\0';
	}
	/* MHD's values end at the first NUL, as these do. */
	pyro_ingest in;
	char err[512];
	int st = pyro_parse(vals[0], vals[1], vals[2], vals[3], &in, err, sizeof err);
	if (st) {
		if (st != 400 && st != 500)
			broken("pyro_parse status");
		if (!err[0])
			broken("pyro_parse refusal without a message");
		free(query);
		return 0;
	}
	if (in.n_tags < 1 || in.n_tags > PYRO_MAX_LABELS + 1 || strncmp(in.tags[0], "service:", 8))
		broken("tags of an accepted name");
	for (size_t i = 0; i < in.n_tags; i++) {
		if (!strchr(in.tags[i], ':'))
			broken("a tag without ':'");
		for (const char *c = in.tags[i]; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				broken("a control character in a tag");
	}
	const uint8_t *body = nl ? nl + 1 : data + size;
	size_t n = (size_t)(data + size - body);
	int status = 0;
	upload *u = upload_new("multipart/form-data; boundary=XYZ", NULL, 1 << 20, hold, NULL, &status, err, sizeof err);
	if (!u)
		broken("a valid Content-Type was refused");
	store_upload su;
	status = upload_feed(u, body, n);
	if (!status)
	{
		profile_meta meta = {in.tags, in.n_tags, in.from_ns, in.until_ns, "pyroscope", in.go};
		status = upload_finish_profile(u, &meta, 1800000000000000000LL, &su);
	}
	if (!status)
		status = upload_set_id(u, &su, "00000000-0000-4000-8000-000000000000");
	if (status) {
		if (status < 400 || status > 599 || !upload_error(u)[0])
			broken("a refusal that is not a 4xx or 5xx with a message");
	} else {
		if (su.n_attachments != 1 || strcmp(su.attachments[0].name, "cpu.pprof"))
			broken("attachments of an accepted push");
		if (su.n_tags > UPLOAD_MAX_TAGS + 4)
			broken("too many tags");
		for (size_t i = 0; i < su.n_tags; i++) {
			size_t len = strlen(su.tags[i]);
			if (!len || len > UPLOAD_MAX_TAG_BYTES + 16 || !utf8_valid((const unsigned char *)su.tags[i], len))
				broken("a tag empty, too long or not UTF-8");
		}
		json_t *e = json_loads(su.event_json, 0, NULL);
		if (!json_is_object(e))
			broken("event.json is not a JSON object");
		json_decref(e);
	}
	upload_free(u);
	pyro_free(&in);
	free(query);
	return 0;
}
