/* Pyroscope's ingest query; see pyroscope.h. */
#define _DEFAULT_SOURCE
#include "pyroscope.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t size, int status, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t size, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
	return status;
}

/* No control characters, and none of the name syntax's own. */
static bool plain(const char *s, size_t n, const char *forbidden)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || strchr(forbidden, s[i]))
			return false;
	return true;
}

static int add(pyro_ingest *in, const char *key, size_t kn, const char *value, size_t vn)
{
	char *t = malloc(kn + vn + 2);
	if (!t)
		return 500;
	memcpy(t, key, kn);
	t[kn] = ':';
	memcpy(t + kn + 1, value, vn);
	t[kn + vn + 1] = '\0';
	in->tags[in->n_tags++] = t;
	return 0;
}

/* Seconds, milliseconds, microseconds or nanoseconds since 1970, by size:
 * 10^11 seconds is the year 5138, so a larger number is a finer unit. */
static int parse_time(const char *what, const char *text, int64_t *ns, char *err, size_t size)
{
	*ns = 0;
	if (!text || !*text)
		return 0;
	uint64_t v = 0;
	for (const char *p = text; *p; p++) {
		if (*p < '0' || *p > '9' || v > (UINT64_MAX - 9) / 10)
			return fail(err, size, 400, "%s=%.40s: want a Unix time in seconds, milliseconds, microseconds or "
			            "nanoseconds", what, text);
		v = v * 10 + (uint64_t)(*p - '0');
	}
	uint64_t scale = v < 100000000000ull ? 1000000000ull
	                 : v < 100000000000000ull ? 1000000ull
	                 : v < 100000000000000000ull ? 1000ull : 1;
	if (v > (uint64_t)INT64_MAX / scale)
		return fail(err, size, 400, "%s=%.40s: past the year 2262, which 64-bit nanoseconds cannot hold", what, text);
	*ns = (int64_t)(v * scale);
	return 0;
}

int pyro_parse(const char *name, const char *from, const char *until, const char *spy, pyro_ingest *out, char *err,
               size_t err_size)
{
	memset(out, 0, sizeof *out);
	if (!name || !*name)
		return fail(err, err_size, 400, "no name= parameter: want name=APP{key=value,...} as pyroscope-go sends it");
	size_t len = strlen(name);
	if (len > PYRO_MAX_NAME)
		return fail(err, err_size, 400, "name= is %zu bytes; the limit is %d", len, PYRO_MAX_NAME);
	size_t app_n = strcspn(name, "{");
	const char *labels = name[app_n] ? name + app_n + 1 : NULL;
	if (labels && (len < app_n + 2 || name[len - 1] != '}'))
		return fail(err, err_size, 400, "name=%.80s: the labels after '{' must end with '}'", name);
	size_t app_len = app_n;
	if (app_len > 4 && !memcmp(name + app_len - 4, ".cpu", 4))
		app_len -= 4; /* older SDKs name the profile type after the application */
	if (!app_len)
		return fail(err, err_size, 400, "name=%.80s: no application name before '{'", name);
	if (!plain(name, app_len, "{},=:"))
		return fail(err, err_size, 400, "name=%.80s: the application name has a control character or one of {},=:",
		            name);
	int rc = add(out, "service", 7, name, app_len);
	if (rc)
		return fail(err, err_size, rc, "out of memory");
	if (labels) {
		const char *p = labels, *end = name + len - 1;
		while (p < end) {
			size_t n = (size_t)(end - p), item = strcspn(p, ",");
			if (item > n)
				item = n;
			const char *eq = memchr(p, '=', item);
			if (!eq || eq == p) {
				pyro_free(out);
				return fail(err, err_size, 400, "name=%.80s: label '%.*s' is not key=value", name,
				            (int)(item < 60 ? item : 60), p);
			}
			size_t kn = (size_t)(eq - p), vn = item - kn - 1;
			if (!plain(p, kn, "{}=:,") || !plain(eq + 1, vn, "{},")) {
				pyro_free(out);
				return fail(err, err_size, 400, "name=%.80s: label '%.*s' has a control character, or its key one of "
				            "{}=:", name, (int)(item < 60 ? item : 60), p);
			}
			/* service comes from the application name. */
			if (!(kn == 7 && !memcmp(p, "service", 7))) {
				if (out->n_tags > PYRO_MAX_LABELS) {
					pyro_free(out);
					return fail(err, err_size, 400, "name=%.80s: more than %d labels", name, PYRO_MAX_LABELS);
				}
				if (add(out, p, kn, eq + 1, vn)) {
					pyro_free(out);
					return fail(err, err_size, 500, "out of memory");
				}
				if (kn == 20 && !memcmp(p, "process.runtime.name", 20) && vn == 2 && !memcmp(eq + 1, "go", 2))
					out->go = true;
			}
			p += item + (p + item < end);
		}
	}
	if (spy && !strcmp(spy, "gospy"))
		out->go = true;
	if ((rc = parse_time("from", from, &out->from_ns, err, err_size)) ||
	    (rc = parse_time("until", until, &out->until_ns, err, err_size))) {
		pyro_free(out);
		return rc;
	}
	return 0;
}

void pyro_free(pyro_ingest *in)
{
	for (size_t i = 0; i < in->n_tags; i++)
		free(in->tags[i]);
	in->n_tags = 0;
}
