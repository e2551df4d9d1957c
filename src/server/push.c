/*
 * Pyroscope's push over HTTP (POST /ingest): the query names the service
 * and its labels (pyroscope.c), the body streams in as an intake upload's
 * does (upload.c), and the CPU profile is stored durably before the 200.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "pyroscope.h"
#include "request_log.h"
#include "response.h"
#include "upload.h"

int push_begin(request *r, struct MHD_Connection *c)
{
	const char *arg[4] = {"name", "from", "until", "spyName"}, *val[4];
	for (int i = 0; i < 4; i++)
		val[i] = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, arg[i]);
	char err[512];
	if (!(r->push = calloc(1, sizeof *r->push))) {
		respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s: out of memory", r->path);
		return -1;
	}
	int status = pyro_parse(val[0], val[1], val[2], val[3], r->push, err, sizeof err);
	if (status) {
		respond_error(r, c, (unsigned)status, "%s: %s", r->path, err);
		return -1;
	}
	return intake_begin(r, c);
}

enum MHD_Result push_finish(request *r, struct MHD_Connection *c)
{
	store_upload u;
	sem_wait(&r->srv->decoders);
	profile_meta meta = {r->push->tags, r->push->n_tags, r->push->from_ns, r->push->until_ns, "pyroscope", r->push->go};
	int status = upload_finish_profile(r->upload, &meta, now_ns(), &u);
	sem_post(&r->srv->decoders);
	if (status) {
		if (r->push->n_tags && !strncmp(r->push->tags[0], "service:", 8))
			snprintf(r->service, sizeof r->service, "%s", r->push->tags[0] + 8);
		return respond_error(r, c, (unsigned)status, "%s: %s", r->path, upload_error(r->upload));
	}
	return intake_store(r, c, &u);
}

void push_cleanup(request *r)
{
	intake_cleanup(r);
	if (r->push)
		pyro_free(r->push);
	free(r->push);
	r->push = NULL;
}
