/* The server's keys; see keys.h. */
#define _DEFAULT_SOURCE
#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

bool keys_equal(const char *given, const char *want)
{
	if (!given)
		return false;
	size_t a = strlen(given), b = strlen(want);
	unsigned char diff = (unsigned char)(a != b);
	for (size_t i = 0; i < b; i++)
		diff |= (unsigned char)(given[i < a ? i : 0] ^ want[i]);
	return diff == 0;
}

/* Pyroscope's SDKs send the key as a bearer token (AuthToken) or as a
 * basic-auth password (BasicAuthUser and BasicAuthPassword; any user). */
static bool authorization_has_key(const server *srv, struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (!h)
		return false;
	if (!strncasecmp(h, "Bearer ", 7))
		return keys_equal(h + 7, srv->api_key);
	char *password = NULL;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	char *user = MHD_basic_auth_get_username_password(c, &password);
#pragma GCC diagnostic pop
	bool ok = password && keys_equal(password, srv->api_key);
	MHD_free(user);
	MHD_free(password);
	return ok;
}

bool keys_match(const server *srv, struct MHD_Connection *c, bool app)
{
	const char *api = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "DD-API-KEY");
	if (!app && !api)
		return authorization_has_key(srv, c);
	if (!keys_equal(api, srv->api_key))
		return false;
	if (!app)
		return true;
	return keys_equal(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "DD-APPLICATION-KEY"), srv->app_key);
}

static int random_key(char out[33])
{
	uint8_t b[16];
	if (store_random(b, sizeof b))
		return -1;
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return 0;
}

static bool read_key_line(const char *text, const char *name, char *out, size_t size)
{
	const char *p = strstr(text, name);
	if (!p)
		return false;
	p += strlen(name);
	size_t n = strcspn(p, "\r\n");
	if (n == 0 || n >= size)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

int keys_resolve(server *srv, char *path, size_t path_size, bool *created)
{
	const serve_options *o = srv->o;
	const char *api = o->api_key ? o->api_key : getenv("PGOTOOL_API_KEY");
	const char *app = o->app_key ? o->app_key : getenv("PGOTOOL_APP_KEY");
	*created = false;
	path[0] = '\0';
	if (api && *api && app && *app) {
		if (strlen(api) >= sizeof srv->api_key || strlen(app) >= sizeof srv->app_key) {
			fprintf(stderr, "pgotool serve: error: keys must be shorter than %zu bytes\n", sizeof srv->api_key);
			return -1;
		}
		snprintf(srv->api_key, sizeof srv->api_key, "%s", api);
		snprintf(srv->app_key, sizeof srv->app_key, "%s", app);
		return 0;
	}
	if ((api && *api) != (app && *app)) {
		fprintf(stderr, "pgotool serve: error: give both the API key and the application key, or neither\n");
		return -1;
	}
	snprintf(path, path_size, "%s/keys", o->data_dir);
	char text[512] = {0};
	FILE *f = fopen(path, "r");
	if (f) {
		size_t n = fread(text, 1, sizeof text - 1, f);
		text[n] = '\0';
		fclose(f);
		if (!read_key_line(text, "api-key: ", srv->api_key, sizeof srv->api_key) ||
		    !read_key_line(text, "app-key: ", srv->app_key, sizeof srv->app_key)) {
			fprintf(stderr, "pgotool serve: error: %s: expected 'api-key: ...' and 'app-key: ...' lines\n", path);
			return -1;
		}
		return 0;
	}
	char k1[33], k2[33];
	/* A key from uninitialised memory would be no key at all. */
	if (random_key(k1) || random_key(k2)) {
		fprintf(stderr, "pgotool serve: error: cannot make keys: the kernel gave no random bytes (getrandom: %s)\n",
		        strerror(errno));
		return -1;
	}
	snprintf(srv->api_key, sizeof srv->api_key, "%s", k1);
	snprintf(srv->app_key, sizeof srv->app_key, "%s", k2);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "pgotool serve: error: %s: cannot create the key file: %s\n", path, strerror(errno));
		return -1;
	}
	int len = snprintf(text, sizeof text, "api-key: %s\napp-key: %s\n", k1, k2);
	bool ok = write(fd, text, (size_t)len) == len && fsync(fd) == 0;
	close(fd);
	if (!ok) {
		unlink(path);
		fprintf(stderr, "pgotool serve: error: %s: cannot write the key file\n", path);
		return -1;
	}
	*created = true;
	return 0;
}
