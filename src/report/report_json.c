/* JSON strings of profile bytes, and documents as text: see report_json.h. */
#include "report_json.h"

#include <stdlib.h>
#include <string.h>

#include "utf8.h"

json_t *report_json_bytes(const char *v, size_t len)
{
	if (utf8_valid((const unsigned char *)v, len))
		return json_stringn(v, len);
	/* at most 3 bytes (U+FFFD) for each byte in */
	char *buf = malloc(len * 3 + 1);
	if (!buf)
		return NULL;
	size_t n = 0;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t k = utf8_char((const unsigned char *)v + i, len - i, &cp);
		if (k) {
			memcpy(buf + n, v + i, k);
			n += k;
			i += k;
		} else {
			memcpy(buf + n, "\xef\xbf\xbd", 3);
			n += 3;
			i++;
		}
	}
	json_t *j = json_stringn(buf, n);
	free(buf);
	return j;
}

json_t *report_json_escaped(const char *v, size_t len)
{
	if (utf8_valid((const unsigned char *)v, len))
		return json_stringn(v, len);
	/* \xNN: at most 4 bytes for each byte in */
	char *esc = malloc(len * 4 + 1);
	json_t *j = NULL;
	if (esc) {
		utf8_escape(v, esc, len * 4 + 1);
		j = json_string(esc);
	}
	free(esc);
	return j;
}

pgo_status report_json_append(json_t *a, json_t *v, const char *what, pgo_error *err)
{
	/* json_array_append_new takes v's reference whether or not it succeeds */
	if (!v || json_array_append_new(a, v))
		return pgo_fail(err, PGO_ERR_NOMEM, "out of memory building the JSON %s", what);
	return PGO_OK;
}

pgo_status report_json_text(const json_t *doc, size_t flags, char **out, size_t *size, pgo_error *err)
{
	*out = NULL;
	*size = 0;
	char *text = json_dumps(doc, flags);
	if (!text)
		return pgo_fail(err, PGO_ERR_NOMEM, "out of memory writing the JSON report");
	size_t n = strlen(text);
	char *buf = realloc(text, n + 2);
	if (!buf) {
		free(text);
		return pgo_fail(err, PGO_ERR_NOMEM, "out of memory writing the JSON report");
	}
	buf[n] = '\n';
	buf[n + 1] = 0;
	*out = buf;
	*size = n + 1;
	return PGO_OK;
}
