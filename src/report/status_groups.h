/*
 * What `pgotool status` reports, computed from listed profiles: one group
 * per service, env and version, whether it runs with PGO, and for a service
 * seen both with and without PGO, the two sides' CPU. No I/O here.
 *
 * A group's PGO state comes from its newest profiles: those that started
 * within two profiling periods (the longest profile duration of the group)
 * of its newest one, which is about one profile per process still running.
 *   on       every one of them carries pgo:true
 *   off      none carries pgo:true, and at least one carries pgo:false
 *   partly   some carry pgo:true and some do not
 *   unknown  none carries a pgo tag (a profiler older than the tag)
 * Only "on" counts as running with PGO.
 */
#ifndef PGO_STATUS_GROUPS_H
#define PGO_STATUS_GROUPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddapi.h"

typedef enum status_state { STATE_OFF, STATE_PARTLY, STATE_UNKNOWN, STATE_ON } status_state;

const char *status_state_name(status_state s);

/* The profiles of one side (pgo:false or pgo:true). */
typedef struct status_side {
	size_t profiles;
	double cores_sum;         /* of core_cpu_cores */
	/* Of the profiles with endpoint_counts only: */
	size_t counted;
	double counted_cpu_seconds;
	int64_t requests;
} status_side;

/* CPU seconds per request, or -1 when the side has no requests counted. */
double status_side_cpu_per_request(const status_side *s);
/* Mean CPU cores per profile, or 0 without profiles. */
double status_side_cores(const status_side *s);

typedef struct status_group {
	char *service, *env, *version; /* "" when the tag is absent */
	size_t profiles, pgo_true, pgo_false, untagged;
	double cores_sum;
	int64_t newest_ns;
	int64_t period_ns;             /* the longest duration among its profiles */
	size_t recent, recent_true, recent_false;
	status_state state;
	status_side side[2];           /* [0] pgo:false, [1] pgo:true */
} status_group;

/* One service and env seen with pgo:true and with pgo:false profiles. */
typedef struct status_comparison {
	const char *service, *env;     /* the groups' */
	status_side side[2];
} status_comparison;

typedef struct status_report {
	status_group *groups;
	size_t n_groups, cap_groups;
	size_t profiles;               /* distinct profiles added */
	/* internal: each profile's group, start and pgo tag, for the states */
	struct status_seen *seen;
	size_t cap_seen;
	/* Set by a caller whose profiles are distinct (a store walked once):
	 * then no set of ids is kept, and status_add always adds. */
	bool ids_unique;
	/* internal: profile ids seen, an open-addressing set */
	char **ids;
	size_t cap_ids;
	/* internal: groups by service, env and version (index + 1), open addressing */
	size_t *group_ix;
	size_t cap_group_ix;
	status_comparison *comparisons;
	size_t n_comparisons;
} status_report;

/* Adds one listed profile. Returns 1 if added, 0 if its id was added
 * before (pages overlap), -1 out of memory. */
int status_add(status_report *r, const dd_profile *p);

/* After the last status_add: the states, the groups in report order
 * (without PGO first, then by service, env, version) and the comparisons
 * (by service, env). Returns 0, or -1 out of memory. */
int status_finish(status_report *r);

/* Groups that do not run with PGO (any state but on). */
size_t status_without_pgo(const status_report *r);

void status_report_free(status_report *r);

#endif
