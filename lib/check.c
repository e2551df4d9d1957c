/* Will the Go compiler take a profile, and learn anything from it? */
#include "internal.h"

/* True when a function the compiler sees in a weighted sample has a start line:
 * it looks at the leaf location and its caller, every line of each. */
bool pgo_has_start_line(const pgo_profile *p, int vi)
{
	for (uint32_t s = 0; s < p->n_samples; s++) {
		if (p->values[(size_t)s * p->n_sample_types + (size_t)vi] == 0)
			continue;
		const pgo_sample *sm = &p->samples[s];
		uint32_t frames = sm->n_locations < 2 ? sm->n_locations : 2;
		for (uint32_t k = 0; k < frames; k++) {
			const pgo_location *loc = &p->locations[p->sample_locations[sm->locations_at + k]];
			for (uint32_t l = 0; l < loc->n_lines; l++) {
				uint32_t fn = p->lines[loc->lines_at + l].function;
				if (fn != PGO_NONE && p->functions[fn].start_line != 0)
					return true;
			}
		}
	}
	return false;
}

pgo_status pgo_check_for_compiler(const pgo_profile *p, const char *name, pgo_error *err)
{
	if (!name)
		name = "profile";
	if (p->n_samples == 0)
		return pgo_fail(err, PGO_ERR_EMPTY, "%s: no samples: the Go compiler would learn nothing from it", name);
	int vi = pgo_compiler_value_index(p);
	if (vi < 0) {
		char types[200];
		pgo_describe_types(p, types, sizeof types);
		return pgo_fail(err, PGO_ERR_NO_VALUE,
		                "%s: not a CPU profile (sample types [%s]): go build -pgo needs samples/count or "
		                "cpu/nanoseconds",
		                name, types);
	}
	bool any = false;
	for (uint32_t s = 0; s < p->n_samples && !any; s++)
		any = p->values[(size_t)s * p->n_sample_types + (size_t)vi] != 0;
	if (!any)
		return pgo_fail(err, PGO_ERR_NO_START_LINE,
		                "%s: every sample's %s value is zero: Go 1.26 and older reject it (\"profile missing "
		                "Function.start_line data\"), 1.27 ignores it",
		                name, pgo_string(p, p->sample_types[vi].type, NULL));
	if (!pgo_has_start_line(p, vi))
		return pgo_fail(err, PGO_ERR_NO_START_LINE,
		                "%s: no function has a start line: go build -pgo rejects it (\"profile missing "
		                "Function.start_line data\"; profiles from Go 1.20 and later have them)",
		                name);
	return PGO_OK;
}
