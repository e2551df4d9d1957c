/* Decoding a profile as the reports read it: see report_profile.h. */
#include "report_profile.h"

pgo_status report_decode(const uint8_t *data, size_t size, const char *name, const pgo_limits *limits,
                         pgo_profile **out, pgo_error *err)
{
	*out = NULL;
	/* Two frames: the compiler's edges need no more, and deep stacks decode much faster. */
	pgo_decode_options dopt = {.limits = limits, .keep_frames = 2};
	pgo_status st = pgo_decode_with(data, size, name, &dopt, out, err);
	if (st != PGO_ERR_EMPTY)
		return st;
	/* The compiler treats an empty file as a profile with no samples. */
	*out = pgo_profile_new();
	return *out ? PGO_OK : pgo_fail(err, PGO_ERR_NOMEM, "out of memory");
}
