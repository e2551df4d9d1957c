/*
 * The inspect report as the JSON document `pgotool inspect --json` prints:
 * see inspect_report.h. One function per section; names stay whole, their
 * bytes that are not UTF-8 made U+FFFD.
 */
#include <math.h>
#include <string.h>

#include "inspect_report.h"
#include "report_json.h"

static json_t *jstr(const inspect_report *r, pgo_str s)
{
	size_t len;
	const char *v = pgo_string(r->p, s, &len);
	return report_json_bytes(v, len);
}

static json_t *jstart(const inspect_report *r, pgo_str name)
{
	int64_t s;
	return inspect_report_start_line(r, name, &s) ? json_integer(s) : json_null();
}

/* json_pack gives NULL when memory runs out (it releases what "o" took). */
static pgo_status packed(json_t *v, const char *what, json_t **out, pgo_error *err)
{
	*out = v;
	return v ? PGO_OK : pgo_fail(err, PGO_ERR_NOMEM, "out of memory building the JSON %s", what);
}

static pgo_status json_summary(const inspect_report *r, json_t **out, pgo_error *err)
{
	const pgo_profile *p = r->p;
	const pgo_summary *s = &r->summary;
	json_t *types = json_array();
	if (!types)
		return packed(NULL, "summary", out, err);
	for (uint32_t i = 0; i < p->n_sample_types; i++) {
		pgo_status st = report_json_append(types,
		                                   json_pack("{s:o,s:o}", "type", jstr(r, p->sample_types[i].type), "unit",
		                                             jstr(r, p->sample_types[i].unit)),
		                                   "summary", err);
		if (st) {
			json_decref(types);
			return st;
		}
	}
	json_t *used = json_null();
	if (s->value_index >= 0)
		used = json_pack("{s:i,s:o,s:o}", "index", (json_int_t)s->value_index, "type",
		                 jstr(r, p->sample_types[s->value_index].type), "unit",
		                 jstr(r, p->sample_types[s->value_index].unit));
	json_t *samples = s->count_index >= 0 ? json_integer(s->count_total) : json_null();
	/* weights that cancel out (negative values) can leave no finite share */
	double last = r->hot.last_share;
	json_t *last_share = isfinite(last) ? json_real(last) : json_null();
	return packed(
		json_pack("{s:o,s:o,s:I,s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o}", "sample_type", used, "sample_types",
	              types, "duration_nanos", (json_int_t)p->duration_nanos, "samples", samples, "sample_records",
	              (json_int_t)s->n_samples, "weighted_records", (json_int_t)s->n_weighted, "total_weight",
	              (json_int_t)r->edges.total_weight, "edges", (json_int_t)r->edges.n_edges, "call_sites",
	              (json_int_t)r->sites.n_sites, "hot_edges", (json_int_t)r->hot.n_hot, "hot_call_sites",
	              (json_int_t)r->n_hot_sites, "hot_callees", (json_int_t)r->n_callees, "multi_callee_sites",
	              (json_int_t)r->n_multi_sites, "hot_threshold_share", last_share),
		"summary", out, err);
}

static pgo_status json_hot_sites(const inspect_report *r, json_t **out, pgo_error *err)
{
	json_t *a = json_array();
	if (!a)
		return packed(NULL, "hot call sites", out, err);
	uint64_t cum = 0;
	for (size_t i = 0; i < inspect_report_rows(r, r->hot.n_hot); i++) {
		const pgo_edge *e = &r->edges.edges[i];
		cum += (uint64_t)e->weight;
		pgo_status st = report_json_append(
			a,
			json_pack("{s:I,s:o,s:o,s:I,s:o,s:I,s:f,s:f}", "rank", (json_int_t)(i + 1), "caller", jstr(r, e->caller),
		              "callee", jstr(r, e->callee), "offset", (json_int_t)e->offset, "caller_start_line",
		              jstart(r, e->caller), "weight", (json_int_t)e->weight, "share",
		              inspect_report_share(r, e->weight), "cumulative_share", inspect_report_share(r, (int64_t)cum)),
			"hot call sites", err);
		if (st) {
			json_decref(a);
			return st;
		}
	}
	*out = a;
	return PGO_OK;
}

static pgo_status json_hot_callees(const inspect_report *r, json_t **out, pgo_error *err)
{
	json_t *a = json_array();
	if (!a)
		return packed(NULL, "hot callees", out, err);
	for (size_t i = 0; i < inspect_report_rows(r, r->n_callees); i++) {
		const pgo_hot_callee *c = &r->callees[i];
		pgo_status st = report_json_append(
			a,
			json_pack("{s:o,s:o,s:I,s:f,s:I}", "name", jstr(r, c->name), "start_line", jstart(r, c->name), "weight",
		              (json_int_t)c->weight, "share", inspect_report_share(r, c->weight), "hot_edges",
		              (json_int_t)c->n_edges),
			"hot callees", err);
		if (st) {
			json_decref(a);
			return st;
		}
	}
	*out = a;
	return PGO_OK;
}

/* One call site with several callees, and its callees, heaviest first. */
static json_t *multi_site(const inspect_report *r, const pgo_call_site *s)
{
	json_t *callees = json_array();
	if (!callees)
		return NULL;
	for (size_t k = 0; k < s->n_callees; k++) {
		const pgo_site_callee *c = &r->sites.callees[s->callees_at + k];
		json_t *v = json_pack("{s:o,s:I,s:f}", "name", jstr(r, c->callee), "weight", (json_int_t)c->weight,
		                      "site_share", s->weight ? pgo_weight_percent(c->weight, s->weight) : 0.0);
		if (!v || json_array_append_new(callees, v)) {
			json_decref(callees);
			return NULL;
		}
	}
	return json_pack("{s:o,s:I,s:o,s:I,s:f,s:b,s:b,s:o}", "caller", jstr(r, s->caller), "offset",
	                 (json_int_t)s->offset, "caller_start_line", jstart(r, s->caller), "weight",
	                 (json_int_t)s->weight, "share", inspect_report_share(r, s->weight), "hot", s->hot,
	                 "devirtualizes_nothing", s->pseudo_heaviest, "callees", callees);
}

static pgo_status json_multi_sites(const inspect_report *r, json_t **out, pgo_error *err)
{
	json_t *a = json_array();
	if (!a)
		return packed(NULL, "devirtualization candidates", out, err);
	size_t n = inspect_report_rows(r, r->n_multi_sites);
	for (size_t i = 0; i < r->sites.n_sites && json_array_size(a) < n; i++) {
		const pgo_call_site *s = &r->sites.sites[i];
		if (s->n_source_callees < 2)
			continue;
		pgo_status st = report_json_append(a, multi_site(r, s), "devirtualization candidates", err);
		if (st) {
			json_decref(a);
			return st;
		}
	}
	*out = a;
	return PGO_OK;
}

static pgo_status json_findings(const inspect_report *r, json_t **out, pgo_error *err)
{
	json_t *a = json_array();
	if (!a)
		return packed(NULL, "warnings", out, err);
	for (size_t i = 0; i < r->n_findings; i++) {
		const pgo_finding *x = &r->findings[i];
		pgo_status st = report_json_append(a,
		                                   json_pack("{s:s,s:b,s:s,s:s}", "code", x->code, "build_fails",
		                                             x->build_fails, "message", x->message, "advice", x->advice),
		                                   "warnings", err);
		if (st) {
			json_decref(a);
			return st;
		}
	}
	*out = a;
	return PGO_OK;
}

pgo_status inspect_report_to_json(const inspect_report *r, json_t **out, pgo_error *err)
{
	*out = NULL;
	json_t *summary = NULL, *hot_sites = NULL, *hot_callees = NULL, *multi = NULL, *warnings = NULL;
	pgo_status st;
	if ((st = json_summary(r, &summary, err)) || (st = json_hot_sites(r, &hot_sites, err)) ||
	    (st = json_hot_callees(r, &hot_callees, err)) || (st = json_multi_sites(r, &multi, err)) ||
	    (st = json_findings(r, &warnings, err))) {
		json_decref(summary);
		json_decref(hot_sites);
		json_decref(hot_callees);
		json_decref(multi);
		return st;
	}
	/* json_pack takes the sections' references, also when it fails */
	return packed(json_pack("{s:o,s:f,s:o,s:o,s:o,s:o,s:b,s:o}", "file", report_json_bytes(r->name, strlen(r->name)),
	                        "threshold", r->threshold, "summary", summary, "hot_call_sites", hot_sites,
	                        "hot_callees", hot_callees, "multi_callee_sites", multi, "build_fails", r->build_fails,
	                        "warnings", warnings),
	              "report", out, err);
}

pgo_status inspect_report_json(const pgo_profile *p, const char *file_name, double threshold_percent, size_t top,
                               json_t **out, pgo_error *err)
{
	inspect_report r;
	*out = NULL;
	pgo_status st = inspect_report_build(&r, p, file_name, threshold_percent, top, err);
	if (!st)
		st = inspect_report_to_json(&r, out, err);
	inspect_report_free(&r);
	return st;
}
