#include "status_groups.h"

#include <stdlib.h>
#include <string.h>

#define NS_PER_S 1000000000LL
/* A group whose profiles carry no duration: dd-trace-go's default period. */
#define DEFAULT_PERIOD_NS (60 * NS_PER_S)

typedef struct status_seen {
	size_t group;
	int64_t start_ns;
	int pgo; /* 1 pgo:true, 0 pgo:false, -1 no pgo tag */
} status_seen;

const char *status_state_name(status_state s)
{
	switch (s) {
	case STATE_ON: return "on";
	case STATE_OFF: return "off";
	case STATE_PARTLY: return "partly";
	case STATE_UNKNOWN: return "unknown";
	}
	return "?";
}

double status_side_cpu_per_request(const status_side *s)
{
	return s->requests > 0 ? s->counted_cpu_seconds / (double)s->requests : -1;
}

double status_side_cores(const status_side *s)
{
	return s->profiles ? s->cores_sum / (double)s->profiles : 0;
}

/* ---- the set of profile ids ------------------------------------------------ */

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static char **slot(char **ids, size_t cap, const char *id)
{
	size_t i = (size_t)hash(id) & (cap - 1);
	while (ids[i] && strcmp(ids[i], id) != 0)
		i = (i + 1) & (cap - 1);
	return &ids[i];
}

/* Adds id: 1 if new, 0 if there, -1 out of memory. Kept at most half full. */
static int id_add(status_report *r, const char *id)
{
	if ((r->profiles + 1) * 2 > r->cap_ids) {
		size_t cap = r->cap_ids ? r->cap_ids * 2 : 1024;
		char **ids = calloc(cap, sizeof *ids);
		if (!ids)
			return -1;
		for (size_t i = 0; i < r->cap_ids; i++)
			if (r->ids[i])
				*slot(ids, cap, r->ids[i]) = r->ids[i];
		free(r->ids);
		r->ids = ids;
		r->cap_ids = cap;
	}
	char **s = slot(r->ids, r->cap_ids, id);
	if (*s)
		return 0;
	return (*s = strdup(id)) ? 1 : -1;
}

/* ---- groups --------------------------------------------------------------- */

/* The values of the tags a group needs, each its first occurrence as
 * dd_profile_tag finds it, in one pass over the tags; "" (pgo: NULL) when
 * absent. */
typedef struct group_tags {
	const char *service, *env, *version, *pgo;
} group_tags;

static void read_tags(const dd_profile *p, group_tags *t)
{
	static const char *const keys[4] = {"service:", "env:", "version:", "pgo:"};
	static const size_t lens[4] = {8, 4, 8, 4};
	const char **to[4] = {&t->service, &t->env, &t->version, &t->pgo};
	*t = (group_tags){NULL, NULL, NULL, NULL};
	int found = 0;
	for (size_t i = 0; i < p->n_tags && found < 4; i++)
		for (int k = 0; k < 4; k++) {
			if (!*to[k] && p->tags[i][0] == keys[k][0] && !strncmp(p->tags[i], keys[k], lens[k])) {
				*to[k] = p->tags[i] + lens[k];
				found++;
				break;
			}
		}
	if (!t->service)
		t->service = "";
	if (!t->env)
		t->env = "";
	if (!t->version)
		t->version = "";
}

static uint64_t group_hash(const char *service, const char *env, const char *version)
{
	return hash(service) ^ (hash(env) * 31) ^ (hash(version) * 961);
}

/* The slot of the group (service, env, version) in the index: its index + 1, or 0. */
static size_t *group_slot(status_report *r, uint64_t h, const char *service, const char *env, const char *version)
{
	size_t i = (size_t)h & (r->cap_group_ix - 1);
	for (; r->group_ix[i]; i = (i + 1) & (r->cap_group_ix - 1)) {
		const status_group *g = &r->groups[r->group_ix[i] - 1];
		if (!strcmp(g->service, service) && !strcmp(g->env, env) && !strcmp(g->version, version))
			break;
	}
	return &r->group_ix[i];
}

/* Keeps the index at most half full. */
static int grow_group_index(status_report *r)
{
	if ((r->n_groups + 1) * 2 <= r->cap_group_ix)
		return 0;
	size_t cap = r->cap_group_ix ? r->cap_group_ix * 2 : 64;
	size_t *ix = calloc(cap, sizeof *ix);
	if (!ix)
		return -1;
	free(r->group_ix);
	r->group_ix = ix;
	r->cap_group_ix = cap;
	for (size_t i = 0; i < r->n_groups; i++) {
		const status_group *g = &r->groups[i];
		*group_slot(r, group_hash(g->service, g->env, g->version), g->service, g->env, g->version) = i + 1;
	}
	return 0;
}

static status_group *find_group(status_report *r, const char *service, const char *env, const char *version,
                                size_t *index)
{
	if (grow_group_index(r))
		return NULL;
	size_t *at = group_slot(r, group_hash(service, env, version), service, env, version);
	if (*at) {
		*index = *at - 1;
		return &r->groups[*at - 1];
	}
	if (r->n_groups == r->cap_groups) {
		size_t cap = r->cap_groups ? r->cap_groups * 2 : 16;
		status_group *groups = realloc(r->groups, cap * sizeof *groups);
		if (!groups)
			return NULL;
		r->groups = groups;
		r->cap_groups = cap;
	}
	status_group *g = &r->groups[r->n_groups];
	memset(g, 0, sizeof *g);
	g->service = strdup(service);
	g->env = strdup(env);
	g->version = strdup(version);
	if (!g->service || !g->env || !g->version) {
		free(g->service);
		free(g->env);
		free(g->version);
		return NULL;
	}
	*index = r->n_groups++;
	*at = r->n_groups;
	return g;
}

int status_add(status_report *r, const dd_profile *p)
{
	/* The service attribute, else the tag: Datadog's answers carry both. */
	group_tags t;
	read_tags(p, &t);
	const char *service = p->service && *p->service ? p->service : t.service;
	const char *pgo = t.pgo;
	int tag = !pgo ? -1 : !strcmp(pgo, "true") ? 1 : !strcmp(pgo, "false") ? 0 : -1;
	if (r->profiles == r->cap_seen) {
		size_t cap = r->cap_seen ? r->cap_seen * 2 : 256;
		status_seen *seen = realloc(r->seen, cap * sizeof *seen);
		if (!seen)
			return -1;
		r->seen = seen;
		r->cap_seen = cap;
	}
	int added = r->ids_unique ? 1 : id_add(r, p->profile_id);
	if (added <= 0)
		return added;
	size_t gi;
	status_group *g = find_group(r, service, t.env, t.version, &gi);
	if (!g)
		return -1;
	r->seen[r->profiles++] = (status_seen){gi, p->timestamp_ns, tag};
	g->profiles++;
	g->cores_sum += p->core_cpu_cores;
	if (g->profiles == 1 || p->timestamp_ns > g->newest_ns)
		g->newest_ns = p->timestamp_ns;
	if (p->duration_nanos > g->period_ns)
		g->period_ns = p->duration_nanos;
	if (tag < 0) {
		g->untagged++;
		return 1;
	}
	if (tag)
		g->pgo_true++;
	else
		g->pgo_false++;
	status_side *s = &g->side[tag];
	s->profiles++;
	s->cores_sum += p->core_cpu_cores;
	if (p->requests >= 0) {
		double cpu_s = p->core_cpu_time_total > 0 ? (double)p->core_cpu_time_total / 1e9
		                                          : p->core_cpu_cores * (double)p->duration_nanos / 1e9;
		s->counted++;
		s->counted_cpu_seconds += cpu_s;
		s->requests = p->requests > INT64_MAX - s->requests ? INT64_MAX : s->requests + p->requests;
	}
	return 1;
}

static int by_report_order(const void *a, const void *b)
{
	const status_group *x = a, *y = b;
	int on_x = x->state == STATE_ON, on_y = y->state == STATE_ON;
	if (on_x != on_y)
		return on_x - on_y; /* without PGO first */
	int c = strcmp(x->service, y->service);
	if (!c)
		c = strcmp(x->env, y->env);
	if (!c)
		c = strcmp(x->version, y->version);
	return c;
}

static int by_service(const void *a, const void *b)
{
	const status_comparison *x = a, *y = b;
	int c = strcmp(x->service, y->service);
	return c ? c : strcmp(x->env, y->env);
}

static void add_side(status_side *to, const status_side *from)
{
	to->profiles += from->profiles;
	to->cores_sum += from->cores_sum;
	to->counted += from->counted;
	to->counted_cpu_seconds += from->counted_cpu_seconds;
	to->requests = from->requests > INT64_MAX - to->requests ? INT64_MAX : to->requests + from->requests;
}

int status_finish(status_report *r)
{
	for (size_t i = 0; i < r->profiles; i++) {
		const status_seen *s = &r->seen[i];
		status_group *g = &r->groups[s->group];
		int64_t period = g->period_ns > 0 ? g->period_ns : DEFAULT_PERIOD_NS;
		if (s->start_ns < g->newest_ns - 2 * period)
			continue;
		g->recent++;
		g->recent_true += s->pgo == 1;
		g->recent_false += s->pgo == 0;
	}
	for (size_t i = 0; i < r->n_groups; i++) {
		status_group *g = &r->groups[i];
		g->state = g->recent_true == g->recent ? STATE_ON
		           : g->recent_true ? STATE_PARTLY
		           : g->recent_false ? STATE_OFF
		                             : STATE_UNKNOWN;
	}
	if (r->n_groups) /* qsort takes no NULL, even for nothing */
		qsort(r->groups, r->n_groups, sizeof *r->groups, by_report_order);
	/* The seen records point at groups by index: they are spent now. */
	free(r->seen);
	r->seen = NULL;
	r->cap_seen = 0;

	status_comparison *c = calloc(r->n_groups ? r->n_groups : 1, sizeof *c);
	if (!c)
		return -1;
	size_t n = 0;
	for (size_t i = 0; i < r->n_groups; i++) {
		const status_group *g = &r->groups[i];
		size_t k = 0;
		while (k < n && (strcmp(c[k].service, g->service) || strcmp(c[k].env, g->env)))
			k++;
		if (k == n)
			c[n++] = (status_comparison){.service = g->service, .env = g->env};
		add_side(&c[k].side[0], &g->side[0]);
		add_side(&c[k].side[1], &g->side[1]);
	}
	size_t kept = 0;
	for (size_t k = 0; k < n; k++)
		if (c[k].side[0].profiles && c[k].side[1].profiles)
			c[kept++] = c[k];
	qsort(c, kept, sizeof *c, by_service);
	r->comparisons = c;
	r->n_comparisons = kept;
	return 0;
}

size_t status_without_pgo(const status_report *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n_groups; i++)
		n += r->groups[i].state != STATE_ON;
	return n;
}

void status_report_free(status_report *r)
{
	for (size_t i = 0; i < r->n_groups; i++) {
		free(r->groups[i].service);
		free(r->groups[i].env);
		free(r->groups[i].version);
	}
	free(r->groups);
	free(r->seen);
	for (size_t i = 0; i < r->cap_ids; i++)
		free(r->ids[i]);
	free(r->ids);
	free(r->group_ix);
	free(r->comparisons);
	memset(r, 0, sizeof *r);
}
