/*
 * A profile decoded as the reports read it: the Go compiler reads only a
 * sample's leaf and its caller, and treats an empty file as a profile
 * without samples. The CLI and the server decode with this, so that the
 * same bytes give the same report.
 */
#ifndef PGO_REPORT_PROFILE_H
#define PGO_REPORT_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "pgo.h"

/* Decodes size bytes at data (raw, gzip or zstd pprof); name is the
 * profile's name in errors; limits NULL for the defaults. *out is the
 * caller's to pgo_profile_free. */
pgo_status report_decode(const uint8_t *data, size_t size, const char *name, const pgo_limits *limits,
                         pgo_profile **out, pgo_error *err);

#endif
