/*
 * Profile intake over HTTP: the upload is read as it streams in
 * (upload.c), within the server's memory budget, and stored durably
 * before the 200.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "request_log.h"
#include "response.h"
#include "upload.h"

/* The upload may keep `held` bytes: the request holds at least what its
 * Content-Length declared, so a body that keeps its word never waits. */
static int hold(void *ctx, size_t held)
{
	request *r = ctx;
	return held <= r->held || budget_hold(&r->srv->memory, &r->held, held, r->small) ? 0 : -1;
}

int intake_begin(request *r, struct MHD_Connection *c)
{
	const char *ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	const char *agent_tags = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Datadog-Additional-Tags");
	int status = 0;
	char err[256];
	r->upload = upload_new(ctype, agent_tags, r->srv->o->max_body, hold, r, &status, err, sizeof err);
	if (r->upload)
		return 0;
	respond_error(r, c, (unsigned)status, "%s: %s", r->path, err);
	return -1;
}

int intake_feed(request *r, const uint8_t *data, size_t size)
{
	int status = upload_feed(r->upload, data, size);
	if (status)
		snprintf(r->deferred, sizeof r->deferred, "%s: %s", r->path, upload_error(r->upload));
	return status;
}

enum MHD_Result intake_finish(request *r, struct MHD_Connection *c)
{
	store_upload u;
	/* Decoding inflates up to 64 MiB an attachment: a few at a time. */
	sem_wait(&r->srv->decoders);
	int status = upload_finish(r->upload, now_ns(), r->srv->o->keep, &u);
	sem_post(&r->srv->decoders);
	if (status) {
		upload_service(r->upload, r->service, sizeof r->service);
		return respond_error(r, c, (unsigned)status, "%s: %s", r->path, upload_error(r->upload));
	}
	return intake_store(r, c, &u);
}

enum MHD_Result intake_store(request *r, struct MHD_Connection *c, store_upload *u)
{
	/* Ids last, so that profile-id is a tag searches can use. */
	char pid[40];
	if (store_new_id(pid) || store_new_id(u->event_id))
		return respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		                     "cannot make an id: the kernel gave no random bytes (%s)", strerror(errno));
	if (upload_set_id(r->upload, u, pid))
		return respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s", upload_error(r->upload));
	for (size_t i = 0; i < u->n_tags; i++)
		if (!strncmp(u->tags[i], "service:", 8))
			snprintf(r->service, sizeof r->service, "%s", u->tags[i] + 8);
	char err[512];
	if (store_put(r->srv->store, u, err, sizeof err))
		return respond_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "storing the upload failed: %s", err);
	snprintf(r->profile_id, sizeof r->profile_id, "%s", u->profile_id);
	char body[160];
	int len = snprintf(body, sizeof body, "{\"profile_id\":\"%s\",\"event_id\":\"%s\"}", u->profile_id, u->event_id);
	char *copy = strdup(body);
	return respond(r, c, MHD_HTTP_OK, "application/json", copy, copy ? (size_t)len : 0);
}

void intake_cleanup(request *r)
{
	upload_free(r->upload);
	r->upload = NULL;
}
