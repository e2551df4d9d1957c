/*
 * pgotool inspect --binary: the profile's hot edges against the functions
 * of a Go binary of today's code (src/source/gobinary), compared by
 * pgo_staleness_compute, and printed as a text section or a JSON object.
 */
#include "inspect_stale.h"

#include <inttypes.h>
#include <string.h>

pgo_status inspect_stale_build(inspect_stale *st, const char *path, const pgo_profile *p, const pgo_edges *e,
                               const pgo_hot *hot, pgo_error *err)
{
	st->path = path;
	pgo_status rc = pgo_gobinary_open(path, &st->bin, err);
	if (rc)
		return rc;
	return pgo_staleness_compute(p, e, hot, st->bin->funcs, st->bin->n_funcs, &st->s, err);
}

void inspect_stale_free(inspect_stale *st)
{
	pgo_staleness_free(&st->s);
	pgo_gobinary_free(st->bin);
	st->bin = NULL;
}

void inspect_stale_share(char *buf, size_t n, double share)
{
	snprintf(buf, n, "%.4f", share);
	if (share < 1 && !strcmp(buf, "1.0000"))
		snprintf(buf, n, "0.9999"); /* a stale profile never shows as whole */
}

static double of_hot(const pgo_staleness *s, int64_t w)
{
	return s->hot_weight > 0 ? 100.0 * (double)w / (double)s->hot_weight : 0;
}

static const char *status_text(pgo_site_status status)
{
	return status == PGO_SITE_CALLER_MOVED ? "caller moved" : "caller missing";
}

void inspect_stale_text(const inspect_stale *st, const pgo_profile *p, const pgo_edges *e, size_t top,
                        size_t width, const inspect_stale_format *fmt, FILE *f)
{
	const pgo_staleness *s = &st->s;
	char share[32], w[32];
	inspect_stale_share(share, sizeof share, s->matched_share);
	fprintf(f, "\nStaleness against %s (today's code: %zu functions in its DWARF)\n", st->path, st->bin->n_funcs);
	if (st->bin->pgo_setting) {
		/* The setting comes from the binary: no control characters reach the terminal. */
		char setting[256];
		snprintf(setting, sizeof setting, "%s", st->bin->pgo_setting);
		for (char *c = setting; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
		fprintf(f, "  warning        built with -pgo=%s; compare with a build without PGO\n"
		           "                 (go build -pgo=off)\n",
		        setting);
	}
	if (s->n_hot == s->n_uncompared) {
		fprintf(f, "  matched share  %s: no hot edges to compare\n", share);
		return;
	}
	fprintf(f, "  matched share  %s of the hot weight: %zu of %zu hot edges have their caller at its start line\n",
	        share, s->n_matched, s->n_hot - s->n_uncompared);
	if (s->n_name_only)
		fprintf(f, "                 (%zu by name alone: the binary gives no line for generated code)\n",
		        s->n_name_only);
	fprintf(f, "  caller moved   %zu edges (%.2f%%): the caller starts on another line; its offsets point elsewhere\n",
	        s->n_moved, of_hot(s, s->moved_weight));
	fprintf(f, "  caller missing %zu edges (%.2f%%): no function has the caller's name (renamed or deleted)\n",
	        s->n_missing, of_hot(s, s->missing_weight));
	if (s->n_uncompared)
		fprintf(f, "  not compared   %zu edges whose caller no build matches (no name, or DO NOT INLINE)\n",
		        s->n_uncompared);
	if (s->n_callee_missing)
		fprintf(f, "  callee missing %zu edges (counted above by their caller): the callee no longer exists\n",
		        s->n_callee_missing);
	if (!s->n_stale)
		return;
	size_t n = top && top < s->n_stale ? top : s->n_stale;
	fprintf(f, "\nHot edges that no longer match: %zu, most weight first%s\n", s->n_stale,
	        n < s->n_stale ? " (the heaviest shown; --top 0 shows all)" : "");
	fprintf(f, "(caller +N: the call N lines below the caller's start line; share: of the hot weight)\n");
	fprintf(f, "%5s %7s %9s  %-14s  %s\n", "#", "share", "weight", "status", "caller +N -> callee");
	/* "#, share, weight, status" take INDENT columns; the names get the rest,
	 * and a callee that does not fit goes on a line of its own. */
	enum { INDENT = 41 };
	size_t room = width > INDENT + 20 ? width - INDENT : 20;
	char caller[200], callee[200], off[24];
	for (size_t i = 0; i < n; i++) {
		const pgo_stale_site *site = &s->stale[i];
		const pgo_edge *ed = &e->edges[site->edge];
		int offlen = snprintf(off, sizeof off, " +%" PRId64, ed->offset);
		const char *gone = site->callee_missing ? " (gone too)" : "";
		size_t caller_w = room > (size_t)offlen + 10 ? room - (size_t)offlen : 10;
		fmt->name(caller, sizeof caller, pgo_string(p, ed->caller, NULL), caller_w);
		fmt->name(callee, sizeof callee, pgo_string(p, ed->callee, NULL), room - 3 - strlen(gone));
		fmt->weight(fmt->ctx, w, sizeof w, ed->weight);
		fprintf(f, "%5zu %6.2f%% %9s  %-14s  %s%s", i + 1, of_hot(s, ed->weight), w, status_text(site->status),
		        caller, off);
		if (strlen(caller) + (size_t)offlen + 4 + strlen(callee) + strlen(gone) <= room)
			fprintf(f, " -> %s%s\n", callee, gone);
		else
			fprintf(f, "\n%*s-> %s%s\n", INDENT, "", callee, gone);
		if (site->status == PGO_SITE_CALLER_MOVED)
			fprintf(f, "%*sline %" PRId64 " in the profile, %" PRId64 " in the binary\n", INDENT, "",
			        site->profile_line, site->code_line);
		else
			fprintf(f, "%*sline %" PRId64 " in the profile; no such function in the binary\n", INDENT, "",
			        site->profile_line);
	}
}

static json_t *jstr(const pgo_profile *p, pgo_str s, json_t *(*str)(const char *v, size_t len))
{
	size_t len;
	const char *v = pgo_string(p, s, &len);
	return str(v, len);
}

json_t *inspect_stale_json(const inspect_stale *st, const pgo_profile *p, const pgo_edges *e, size_t top,
                           json_t *(*str)(const char *v, size_t len))
{
	const pgo_staleness *s = &st->s;
	json_t *sites = json_array();
	size_t n = top && top < s->n_stale ? top : s->n_stale;
	for (size_t i = 0; i < n; i++) {
		const pgo_stale_site *site = &s->stale[i];
		const pgo_edge *ed = &e->edges[site->edge];
		json_t *code_line = site->status == PGO_SITE_CALLER_MISSING ? json_null() : json_integer(site->code_line);
		json_array_append_new(
			sites, json_pack("{s:s,s:o,s:o,s:I,s:I,s:f,s:I,s:o,s:b}", "status", pgo_site_status_name(site->status),
		                     "caller", jstr(p, ed->caller, str), "callee", jstr(p, ed->callee, str), "offset",
		                     (json_int_t)ed->offset, "weight", (json_int_t)ed->weight, "hot_percent",
		                     of_hot(s, ed->weight), "profile_start_line", (json_int_t)site->profile_line,
		                     "binary_start_line", code_line, "callee_missing", site->callee_missing));
	}
	json_t *setting = st->bin->pgo_setting ? str(st->bin->pgo_setting, strlen(st->bin->pgo_setting)) : json_null();
	return json_pack("{s:o,s:I,s:o,s:f,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o}", "binary",
	                 str(st->path, strlen(st->path)), "functions", (json_int_t)st->bin->n_funcs,
	                 "built_with_pgo", setting, "matched_share", s->matched_share,
	                 "hot_edges", (json_int_t)s->n_hot, "matched", (json_int_t)s->n_matched, "matched_by_name_only",
	                 (json_int_t)s->n_name_only, "caller_moved", (json_int_t)s->n_moved, "caller_missing",
	                 (json_int_t)s->n_missing, "not_compared", (json_int_t)s->n_uncompared, "callee_missing",
	                 (json_int_t)s->n_callee_missing, "hot_weight", (json_int_t)s->hot_weight, "matched_weight",
	                 (json_int_t)s->matched_weight, "moved_weight", (json_int_t)s->moved_weight, "missing_weight",
	                 (json_int_t)s->missing_weight, "not_compared_weight", (json_int_t)s->uncompared_weight,
	                 "stale_edges", sites);
}
