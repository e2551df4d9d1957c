/* What a Go service's tracer asks a Datadog agent besides profiles:
 * answered so that it carries on, and nothing is stored. */
#include "handlers.h"
#include "pgo.h"
#include "response.h"

static const char agent_info[] =
	"{\"version\":\"pgotool-" PGO_VERSION "\",\"endpoints\":[\"/v0.4/traces\",\"/v0.5/traces\","
	"\"/profiling/v1/input\",\"/telemetry/proxy/\"],\"feature_flags\":[],\"client_drop_p0s\":false,"
	"\"config\":{}}";

enum MHD_Result handle_info(request *r, struct MHD_Connection *c)
{
	return respond_json_text(r, c, MHD_HTTP_OK, agent_info);
}

enum MHD_Result handle_traces(request *r, struct MHD_Connection *c)
{
	return respond_json_text(r, c, MHD_HTTP_OK, "{\"rate_by_service\":{}}");
}

enum MHD_Result handle_accepted(request *r, struct MHD_Connection *c)
{
	return respond(r, c, MHD_HTTP_ACCEPTED, NULL, NULL, 0);
}
