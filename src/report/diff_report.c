/* The diff of two profiles as JSON: see diff_report.h. */
#include "diff_report.h"

#include <stdio.h>
#include <string.h>

#include "report_json.h"

pgo_status diff_report_edges(const pgo_profile *p, const char *name, pgo_edges *out, pgo_error *err)
{
	pgo_status st = pgo_edges_compute(p, out, err);
	if (st) {
		/* err->message is both the source and part of the result: copy it first */
		char message[sizeof err->message];
		snprintf(message, sizeof message, "%s", err->message);
		pgo_fail(err, st, "%s: %s", name, message);
	}
	return st;
}

static json_t *jname(const pgo_diff *d, uint32_t i)
{
	if (i == PGO_NONE)
		return json_null();
	size_t len;
	const char *s = pgo_diff_name(d, i, &len);
	return report_json_escaped(s, len);
}

static json_t *jsite(const pgo_diff *d, size_t i)
{
	const pgo_diff_site *s = &d->sites[i];
	return json_pack("{s:o, s:I, s:f, s:f, s:b, s:b}", "caller", jname(d, s->caller), "offset", (json_int_t)s->offset,
	                 "old_share", s->old_share, "new_share", s->new_share, "old_hot", s->old_hot, "new_hot",
	                 s->new_hot);
}

static json_t *jtarget(const pgo_diff *d, size_t i)
{
	const pgo_diff_site *s = &d->sites[i];
	return json_pack("{s:o, s:I, s:o, s:I, s:I, s:o, s:I, s:I}", "caller", jname(d, s->caller), "offset",
	                 (json_int_t)s->offset, "old_callee", jname(d, s->old_target), "old_weight",
	                 (json_int_t)s->old_target_weight, "old_callees", (json_int_t)s->old_callees, "new_callee",
	                 jname(d, s->new_target), "new_weight", (json_int_t)s->new_target_weight, "new_callees",
	                 (json_int_t)s->new_callees);
}

static json_t *jshift(const pgo_diff *d, const pgo_diff_edge *e)
{
	return json_pack("{s:o, s:o, s:I, s:I, s:I, s:f, s:f}", "caller", jname(d, e->caller), "callee",
	                 jname(d, e->callee), "offset", (json_int_t)e->offset, "old_weight", (json_int_t)e->old_weight,
	                 "new_weight", (json_int_t)e->new_weight, "old_share", e->old_share, "new_share", e->new_share);
}

static json_t *jside(const char *name, size_t edges, int64_t total, size_t hot_edges, size_t hot_sites)
{
	return json_pack("{s:o, s:I, s:I, s:I, s:I}", "file", report_json_escaped(name, strlen(name)), "edges",
	                 (json_int_t)edges, "total_weight", (json_int_t)total, "hot_edges", (json_int_t)hot_edges,
	                 "hot_call_sites", (json_int_t)hot_sites);
}

/* The lists, in the document's order. */
enum { SITES_ADDED, SITES_REMOVED, CALLEES_ADDED, CALLEES_REMOVED, TARGETS, SHIFTS, N_LISTS };
static const char *const list_keys[N_LISTS] = {"hot_call_sites_added", "hot_call_sites_removed", "hot_callees_added",
                                               "hot_callees_removed", "devirtualization_changes", "shifts"};

/* Fills the lists: each append takes its value's reference, NULL or not. */
static pgo_status fill_lists(const pgo_diff *d, size_t top, json_t *const *lists, pgo_error *err)
{
	pgo_status st = PGO_OK;
	for (size_t k = 0; !st && k < d->n_hot_sites_added; k++)
		st = report_json_append(lists[SITES_ADDED], jsite(d, d->hot_sites_added[k]), "diff", err);
	for (size_t k = 0; !st && k < d->n_hot_sites_removed; k++)
		st = report_json_append(lists[SITES_REMOVED], jsite(d, d->hot_sites_removed[k]), "diff", err);
	for (size_t k = 0; !st && k < d->n_hot_callees_added; k++)
		st = report_json_append(lists[CALLEES_ADDED], jname(d, d->hot_callees_added[k]), "diff", err);
	for (size_t k = 0; !st && k < d->n_hot_callees_removed; k++)
		st = report_json_append(lists[CALLEES_REMOVED], jname(d, d->hot_callees_removed[k]), "diff", err);
	for (size_t k = 0; !st && k < d->n_target_changes; k++)
		st = report_json_append(lists[TARGETS], jtarget(d, d->target_changes[k]), "diff", err);
	/* edges come biggest shift first; those that did not move end the list */
	for (size_t i = 0; !st && i < d->n_edges && i < top && d->edges[i].old_share != d->edges[i].new_share; i++)
		st = report_json_append(lists[SHIFTS], jshift(d, &d->edges[i]), "diff", err);
	return st;
}

pgo_status diff_report_to_json(const pgo_diff *d, const char *old_name, const char *new_name, size_t top,
                               json_t **out, pgo_error *err)
{
	*out = NULL;
	json_t *lists[N_LISTS] = {0};
	json_t *root = json_pack("{s:o, s:o, s:f, s:f, s:f, s:b}", "old",
	                         jside(old_name, d->old_edges, d->old_total, d->old_hot_edges, d->old_hot_sites), "new",
	                         jside(new_name, d->new_edges, d->new_total, d->new_hot_edges, d->new_hot_sites),
	                         "threshold", d->threshold, "overlap", d->overlap, "drift", 1 - d->overlap,
	                         "decisions_equal", d->decisions_equal);
	pgo_status st = root ? PGO_OK : pgo_fail(err, PGO_ERR_NOMEM, "out of memory building the JSON diff");
	for (int k = 0; !st && k < N_LISTS; k++)
		if (!(lists[k] = json_array()))
			st = pgo_fail(err, PGO_ERR_NOMEM, "out of memory building the JSON diff");
	if (!st)
		st = fill_lists(d, top, lists, err);
	for (int k = 0; !st && k < N_LISTS; k++) {
		/* json_object_set_new takes the list's reference, also when it fails */
		json_t *list = lists[k];
		lists[k] = NULL;
		if (json_object_set_new(root, list_keys[k], list))
			st = pgo_fail(err, PGO_ERR_NOMEM, "out of memory building the JSON diff");
	}
	for (int k = 0; k < N_LISTS; k++)
		json_decref(lists[k]);
	if (st) {
		json_decref(root);
		return st;
	}
	*out = root;
	return PGO_OK;
}

pgo_status diff_report_json(const pgo_profile *old_p, const char *old_name, const pgo_profile *new_p,
                            const char *new_name, double threshold_percent, size_t top, json_t **out, pgo_error *err)
{
	pgo_edges old_e = {0}, new_e = {0};
	pgo_diff d = {0};
	*out = NULL;
	pgo_status st;
	if (!(st = diff_report_edges(old_p, old_name, &old_e, err)) &&
	    !(st = diff_report_edges(new_p, new_name, &new_e, err)) &&
	    !(st = pgo_diff_compute(old_p, &old_e, new_p, &new_e, threshold_percent, &d, err)))
		st = diff_report_to_json(&d, old_name, new_name, top, out, err);
	pgo_diff_free(&d);
	pgo_edges_free(&old_e);
	pgo_edges_free(&new_e);
	return st;
}
