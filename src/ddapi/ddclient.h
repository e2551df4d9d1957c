/*
 * The client side of Datadog's profile query API: what datadog-pgo asks,
 * sent with src/net/http_client (retries, deadline, proxies, TLS), with one
 * message per kind of failure. The base URL is https://app.$DD_SITE, or any
 * other (a `pgotool serve`) given by the caller.
 */
#ifndef PGO_DDCLIENT_H
#define PGO_DDCLIENT_H

#include "ddapi.h"
#include "http_client.h"

typedef struct dd_client {
	char *base;       /* no trailing slash */
	char *site;       /* DD_SITE, for messages */
	bool custom_base; /* not Datadog's https://app.$DD_SITE */
	char *key_headers[3]; /* DD-API-KEY, DD-APPLICATION-KEY, NULL */
	http_options http;
} dd_client;

/*
 * Reads DD_API_KEY and DD_APP_KEY (both required) and DD_SITE (default
 * datadoghq.com). api_base, when not NULL or empty, replaces
 * https://app.$DD_SITE. The caller fills c->http afterwards.
 */
pgo_status dd_client_init(dd_client *c, const char *api_base, pgo_error *err);
void dd_client_free(dd_client *c);

/*
 * POST /api/unstable/profiles/gopgo: *zip gets the answer's bytes. A 404
 * ("nothing matches") is PGO_ERR_EMPTY; other failures PGO_ERR_NETWORK.
 */
pgo_status dd_client_gopgo(dd_client *c, const dd_search *searches, size_t n, http_response *zip, pgo_error *err);

/* POST /api/unstable/profiles/list for one search. */
pgo_status dd_client_list(dd_client *c, const dd_search *search, dd_profile **out, size_t *n, pgo_error *err);

/* GET the zip of one upload's attachments. Safe to call from several threads. */
pgo_status dd_client_download(dd_client *c, const dd_profile *p, http_response *zip, pgo_error *err);

#endif
