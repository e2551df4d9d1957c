/*
 * JSON pieces the reports share: strings made of a profile's bytes (which
 * need not be UTF-8), and a finished document as the text pgotool prints.
 */
#ifndef PGO_REPORT_JSON_H
#define PGO_REPORT_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "pgo.h"

/* A JSON string of len bytes; each byte that is not UTF-8 becomes U+FFFD,
 * as Go's encoding/json writes it (inspect's names). NULL out of memory. */
json_t *report_json_bytes(const char *v, size_t len);

/* A JSON string of len bytes; bytes that are not UTF-8 (and control
 * characters and backslashes, then) are written as \xNN, as utf8_escape
 * does (diff's names). NULL out of memory. */
json_t *report_json_escaped(const char *v, size_t len);

/* Appends v to the array a, taking v's reference even on failure;
 * PGO_ERR_NOMEM (with what in the message) when v is NULL or the append fails. */
pgo_status report_json_append(json_t *a, json_t *v, const char *what, pgo_error *err);

/*
 * doc as text: json_dumps with flags (each report names its own:
 * INSPECT_REPORT_JSON_FLAGS, DIFF_REPORT_JSON_FLAGS) and a final newline,
 * the bytes pgotool prints. *out is malloc'd and NUL-terminated; *size
 * excludes the NUL.
 */
pgo_status report_json_text(const json_t *doc, size_t flags, char **out, size_t *size, pgo_error *err);

#endif
