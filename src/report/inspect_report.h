/*
 * What `pgotool inspect` reports on a profile: what the Go compiler will do
 * with it, and what would break or hurt a build. Built as data first
 * (inspect_report_build), then rendered: as the JSON document here
 * (inspect_report_to_json), as text by the CLI. No I/O, no printing.
 */
#ifndef PGO_INSPECT_REPORT_H
#define PGO_INSPECT_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgo.h"

/* How inspect --json dumps the document (report_json_text takes these). */
#define INSPECT_REPORT_JSON_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER)

typedef struct inspect_report {
	const char *name;        /* the profile's name, as given */
	const pgo_profile *p;
	double threshold;        /* the hot threshold, percent */
	size_t top;              /* rows per list; 0 = all */
	pgo_summary summary;
	bool have_edges;         /* false when the compiler finds no usable sample type */
	pgo_edges edges;
	pgo_hot hot;
	pgo_call_sites sites;
	size_t n_hot_sites;
	size_t n_multi_sites;    /* sites with several callees (pgo_call_site.n_source_callees) */
	pgo_hot_callee *callees;
	size_t n_callees;
	pgo_finding *findings;
	size_t n_findings;
	bool build_fails;
	int64_t *start_line;     /* per string: a function's start line (internal) */
} inspect_report;

/*
 * Fills *r for p (decoded as report_decode does, which inspect uses), named
 * name, with hot edges at threshold_percent (0 to 100) and top rows per
 * list (0: all). r keeps p and name: they must outlive it. A profile the
 * compiler cannot read (no usable sample type, no start lines) is no error:
 * the report says so in its findings. Free *r with inspect_report_free,
 * also after a failure.
 */
pgo_status inspect_report_build(inspect_report *r, const pgo_profile *p, const char *name, double threshold_percent,
                                size_t top, pgo_error *err);
void inspect_report_free(inspect_report *r);

/* How many of n rows a list shows: top, or n when fewer or top is 0. */
size_t inspect_report_rows(const inspect_report *r, size_t n);
/* w as a percentage of the total edge weight; 0 without weight. */
double inspect_report_share(const inspect_report *r, int64_t w);
/* The start line of the function named name; false when the profile has
 * none or its functions of that name disagree. */
bool inspect_report_start_line(const inspect_report *r, pgo_str name, int64_t *out);

/*
 * The JSON document of `pgotool inspect --json`, an object with, in this
 * order: "file", "threshold", "summary" (sample types, counts, weights),
 * "hot_call_sites", "hot_callees", "multi_callee_sites" (each at most top
 * rows), "build_fails" and "warnings". The CLI adds "staleness" after them
 * for --binary. *out is the caller's to json_decref.
 */
pgo_status inspect_report_to_json(const inspect_report *r, json_t **out, pgo_error *err);

/* inspect_report_build and inspect_report_to_json in one: the document for
 * p at threshold_percent with top rows per list (0: all, as --json has it). */
pgo_status inspect_report_json(const pgo_profile *p, const char *file_name, double threshold_percent, size_t top,
                               json_t **out, pgo_error *err);

#endif
