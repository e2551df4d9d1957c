/* Warnings of key-less uploads; see keyless.h. */
#include "keyless.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "context.h"
#include "request_log.h"

#define MINUTE_NS 60000000000LL

void keyless_init(keyless_log *k)
{
	memset(k, 0, sizeof *k);
	pthread_mutex_init(&k->lock, NULL);
}

void keyless_destroy(keyless_log *k)
{
	pthread_mutex_destroy(&k->lock);
}

static void client_address(struct MHD_Connection *c, char *out, size_t n)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(out, n, "an unknown address");
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)n);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)n);
}

void keyless_refused(struct server *srv, struct MHD_Connection *c, int64_t now_ns)
{
	keyless_log *k = &srv->keyless;
	char addr[64];
	client_address(c, addr, sizeof addr);
	const char *agent = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_USER_AGENT);
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "DD-EVP-ORIGIN");
	pthread_mutex_lock(&k->lock);
	keyless_source *s = NULL, *oldest = &k->sources[0];
	for (size_t i = 0; i < KEYLESS_SOURCES && !s; i++) {
		if (!strcmp(k->sources[i].addr, addr))
			s = &k->sources[i];
		else if (k->sources[i].warned_ns < oldest->warned_ns)
			oldest = &k->sources[i];
	}
	if (!s) {
		s = oldest;
		memset(s, 0, sizeof *s);
		snprintf(s->addr, sizeof s->addr, "%s", addr);
	}
	s->refused++;
	if (now_ns - k->window_ns >= MINUTE_NS)
		k->window_ns = now_ns, k->warnings = 0;
	bool warn = (s->warned_ns == 0 || now_ns - s->warned_ns >= MINUTE_NS) && k->warnings < KEYLESS_WARNINGS_PER_MINUTE;
	if (warn)
		k->warnings++;
	uint64_t refused = s->refused;
	if (warn) {
		s->warned_ns = now_ns;
		s->refused = 0;
	}
	pthread_mutex_unlock(&k->lock);
	if (warn)
		log_line(srv->o, "WARN",
		         "uploads from %s (%s%s%s) carry no API key, and --intake-key requires one, so their profiles are "
		         "lost: set DD_API_KEY in that service's environment (or the Pyroscope SDK's AuthToken); %llu refused "
		         "since the last warning",
		         addr, origin ? origin : "", origin ? ", " : "", agent ? agent : "no User-Agent",
		         (unsigned long long)refused);
}
