#include "internal.h"

#include <stdio.h>

const char *pgo_status_name(pgo_status status)
{
	switch (status) {
	case PGO_OK: return "ok";
	case PGO_ERR_NOMEM: return "out of memory";
	case PGO_ERR_EMPTY: return "empty input";
	case PGO_ERR_COMPRESSION: return "compression";
	case PGO_ERR_FORMAT: return "format";
	case PGO_ERR_INVALID: return "invalid profile";
	case PGO_ERR_LIMIT: return "limit";
	case PGO_ERR_INCOMPATIBLE: return "incompatible profiles";
	case PGO_ERR_NO_VALUE: return "no usable sample type";
	case PGO_ERR_NO_START_LINE: return "no start lines";
	case PGO_ERR_ARGUMENT: return "bad argument";
	case PGO_ERR_IO: return "i/o";
	case PGO_ERR_NETWORK: return "network";
	case PGO_ERR_UNUSABLE: return "unusable for pgo";
	}
	return "unknown";
}

pgo_status pgo_fail(pgo_error *err, pgo_status status, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		err->status = status;
		vsnprintf(err->message, sizeof err->message, fmt, ap);
		va_end(ap);
	}
	return status;
}
