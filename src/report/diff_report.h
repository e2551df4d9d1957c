/*
 * What `pgotool diff --json OLD NEW` prints: how far two profiles differ
 * for the Go compiler (libpgo's pgo_diff), as one JSON document. No I/O.
 */
#ifndef PGO_DIFF_REPORT_H
#define PGO_DIFF_REPORT_H

#include <jansson.h>
#include <stddef.h>

#include "pgo.h"

/* How diff --json dumps the document (report_json_text takes these). */
#define DIFF_REPORT_JSON_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(17))

/* The compiler's edges of p (decoded as report_decode does); errors start
 * with "name: ", so that the side that fails is named. Free *out with
 * pgo_edges_free, also after a failure. */
pgo_status diff_report_edges(const pgo_profile *p, const char *name, pgo_edges *out, pgo_error *err);

/*
 * The document for d (pgo_diff_compute of OLD and NEW, named old_name and
 * new_name): an object with, in this order, "old" and "new" (file, edges,
 * total_weight, hot_edges, hot_call_sites), "threshold", "overlap",
 * "drift", "decisions_equal", and the lists "hot_call_sites_added",
 * "hot_call_sites_removed", "hot_callees_added", "hot_callees_removed",
 * "devirtualization_changes" (all of each) and "shifts" (the edges whose
 * share moved, biggest shift first, at most top of them: 0 lists none, as
 * diff's --top has it, default 10). The CLI adds "fail_above" and "failed"
 * after them for --fail-above. *out is the caller's to json_decref.
 */
pgo_status diff_report_to_json(const pgo_diff *d, const char *old_name, const char *new_name, size_t top,
                               json_t **out, pgo_error *err);

/* The edges of both, their diff at threshold_percent (0 to 100;
 * PGO_DEFAULT_HOT_THRESHOLD as the compiler has it) and the document,
 * in one. */
pgo_status diff_report_json(const pgo_profile *old_p, const char *old_name, const pgo_profile *new_p,
                            const char *new_name, double threshold_percent, size_t top, json_t **out, pgo_error *err);

#endif
