/*
 * Staleness of a profile against today's code: for each hot call site,
 * whether its caller still exists under the same link name and starts on
 * the line the profile recorded. The compiler finds a hot site by (caller
 * name, line offset from the caller's start line), so a caller that moved
 * makes its offsets point at other lines, and one that was renamed or
 * deleted loses its sites. Both tables are sorted by name, and each hot
 * caller is looked up by binary search: no hashing of input, and the
 * result does not depend on the order of either table.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

const char *pgo_site_status_name(pgo_site_status status)
{
	switch (status) {
	case PGO_SITE_MATCHED:
		return "matched";
	case PGO_SITE_CALLER_MOVED:
		return "caller-moved";
	case PGO_SITE_CALLER_MISSING:
		return "caller-missing";
	}
	return "unknown";
}

/* A profile function's name (which may hold NUL bytes) and start line. */
typedef struct named_line {
	const char *name;
	size_t len;
	int64_t line;
} named_line;

/* Orders a byte string of known length against a NUL-terminated one, as
 * strcmp would if both were NUL-terminated; a NUL inside the byte string
 * sorts after the end of the other. */
static int cmp_bytes_cstr(const char *a, size_t alen, const char *s)
{
	for (size_t i = 0; i < alen; i++) {
		if (s[i] == '\0')
			return 1;
		unsigned char x = (unsigned char)a[i], y = (unsigned char)s[i];
		if (x != y)
			return x < y ? -1 : 1;
	}
	return s[alen] == '\0' ? 0 : -1;
}

static int cmp_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static int cmp_line(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_code(const void *x, const void *y)
{
	const pgo_code_func *a = *(const pgo_code_func *const *)x, *b = *(const pgo_code_func *const *)y;
	int c = strcmp(a->name, b->name);
	return c ? c : cmp_line(a->line, b->line);
}

static int cmp_named(const void *x, const void *y)
{
	const named_line *a = x, *b = y;
	int c = cmp_bytes(a->name, a->len, b->name, b->len);
	return c ? c : cmp_line(a->line, b->line);
}

/* [*lo, *hi): the entries of code (sorted) named name. */
static void code_range(const pgo_code_func *const *code, size_t n, const char *name, size_t len, size_t *lo,
                       size_t *hi)
{
	size_t l = 0, h = n;
	while (l < h) {
		size_t m = l + (h - l) / 2;
		if (cmp_bytes_cstr(name, len, code[m]->name) > 0)
			l = m + 1;
		else
			h = m;
	}
	*lo = l;
	h = n;
	while (l < h) {
		size_t m = l + (h - l) / 2;
		if (cmp_bytes_cstr(name, len, code[m]->name) >= 0)
			l = m + 1;
		else
			h = m;
	}
	*hi = l;
}

static void named_range(const named_line *t, size_t n, const char *name, size_t len, size_t *lo, size_t *hi)
{
	size_t l = 0, h = n;
	while (l < h) {
		size_t m = l + (h - l) / 2;
		if (cmp_bytes(name, len, t[m].name, t[m].len) > 0)
			l = m + 1;
		else
			h = m;
	}
	*lo = l;
	h = n;
	while (l < h) {
		size_t m = l + (h - l) / 2;
		if (cmp_bytes(name, len, t[m].name, t[m].len) >= 0)
			l = m + 1;
		else
			h = m;
	}
	*hi = l;
}

/* Classifies one caller: both ranges are sorted by line, so a common line
 * is found by a merge walk. A line of 0 in today's code is unknown, and
 * matches whatever the profile says (*name_only). */
static pgo_site_status classify(const pgo_code_func *const *code, size_t clo, size_t chi, const named_line *prof,
                                size_t plo, size_t phi, int64_t *profile_line, int64_t *code_line, bool *name_only)
{
	*profile_line = plo < phi ? prof[plo].line : 0;
	*name_only = false;
	if (clo == chi) {
		*code_line = 0;
		return PGO_SITE_CALLER_MISSING;
	}
	*code_line = code[clo]->line;
	for (size_t i = clo; i < chi; i++)
		if (code[i]->line == 0) {
			*name_only = true;
			*code_line = 0;
			return PGO_SITE_MATCHED;
		}
	size_t i = clo, j = plo;
	while (i < chi && j < phi) {
		int c = cmp_line(code[i]->line, prof[j].line);
		if (c == 0) {
			*profile_line = *code_line = prof[j].line;
			return PGO_SITE_MATCHED;
		}
		if (c < 0)
			i++;
		else
			j++;
	}
	return PGO_SITE_CALLER_MOVED;
}

/* The prefix of pgo_rename_noinline (noinline.c). */
static const char noinline_prefix[] = "DO NOT INLINE: ";

/* Whether a build could match the caller name at all: not an unsymbolized
 * frame (no name), nor a function renamed "DO NOT INLINE: ..." on purpose. */
static bool comparable(const char *name, size_t len)
{
	size_t n = sizeof noinline_prefix - 1;
	return len > 0 && !(len >= n && memcmp(name, noinline_prefix, n) == 0);
}

pgo_status pgo_staleness_compute(const pgo_profile *p, const pgo_edges *e, const pgo_hot *hot,
                                 const pgo_code_func *funcs, size_t n_funcs, pgo_staleness *out,
                                 pgo_error *err)
{
	if (!p || !e || !hot || !out || (n_funcs && !funcs))
		return pgo_fail(err, PGO_ERR_ARGUMENT, "pgo_staleness_compute: NULL argument");
	*out = (pgo_staleness){.matched_share = 1};
	if (hot->n_hot > e->n_edges)
		return pgo_fail(err, PGO_ERR_ARGUMENT,
		                "pgo_staleness_compute: %zu hot edges of %zu: the selection is not of these edges",
		                hot->n_hot, e->n_edges);
	for (size_t i = 0; i < n_funcs; i++)
		if (!funcs[i].name)
			return pgo_fail(err, PGO_ERR_ARGUMENT, "pgo_staleness_compute: function %zu has no name", i);

	if (n_funcs > UINT32_MAX)
		return pgo_fail(err, PGO_ERR_LIMIT, "%zu functions to compare with: more than 2^32", n_funcs);

	pgo_status st = PGO_OK;
	const pgo_code_func **code = malloc((n_funcs ? n_funcs : 1) * sizeof *code);
	named_line *prof = malloc((p->n_functions ? p->n_functions : 1) * sizeof *prof);
	pgo_stale_site *stale = malloc((hot->n_hot ? hot->n_hot : 1) * sizeof *stale);
	if (!code || !prof || !stale) {
		st = pgo_fail(err, PGO_ERR_NOMEM, "out of memory comparing %zu hot call sites with %zu functions",
		              hot->n_hot, n_funcs);
		goto done;
	}
	for (size_t i = 0; i < n_funcs; i++)
		code[i] = &funcs[i];
	qsort(code, n_funcs, sizeof *code, cmp_code);
	for (uint32_t i = 0; i < p->n_functions; i++) {
		prof[i].name = pgo_string(p, p->functions[i].name, &prof[i].len);
		prof[i].line = p->functions[i].start_line;
	}
	qsort(prof, p->n_functions, sizeof *prof, cmp_named);

	double hot_w = 0, matched_w = 0;
	out->n_hot = hot->n_hot;
	for (size_t k = 0; k < hot->n_hot; k++) {
		const pgo_edge *ed = &e->edges[k];
		size_t len, clo, chi, plo, phi;
		const char *caller = pgo_string(p, ed->caller, &len);
		if (!comparable(caller, len)) {
			out->n_uncompared++;
			out->uncompared_weight = pgo_wrap_add(out->uncompared_weight, ed->weight);
			continue;
		}
		code_range(code, n_funcs, caller, len, &clo, &chi);
		named_range(prof, p->n_functions, caller, len, &plo, &phi);
		int64_t pline, cline;
		bool name_only;
		pgo_site_status s = classify(code, clo, chi, prof, plo, phi, &pline, &cline, &name_only);
		const char *callee = pgo_string(p, ed->callee, &len);
		size_t elo, ehi;
		code_range(code, n_funcs, callee, len, &elo, &ehi);
		bool callee_missing = comparable(callee, len) && elo == ehi;

		out->hot_weight = pgo_wrap_add(out->hot_weight, ed->weight);
		hot_w += (double)ed->weight;
		out->n_callee_missing += callee_missing;
		switch (s) {
		case PGO_SITE_MATCHED:
			out->n_matched++;
			out->n_name_only += name_only;
			out->matched_weight = pgo_wrap_add(out->matched_weight, ed->weight);
			matched_w += (double)ed->weight;
			continue;
		case PGO_SITE_CALLER_MOVED:
			out->n_moved++;
			out->moved_weight = pgo_wrap_add(out->moved_weight, ed->weight);
			break;
		case PGO_SITE_CALLER_MISSING:
			out->n_missing++;
			out->missing_weight = pgo_wrap_add(out->missing_weight, ed->weight);
			break;
		}
		stale[out->n_stale++] = (pgo_stale_site){
			.edge = k, .status = s, .profile_line = pline, .code_line = cline,
			.callee_missing = callee_missing};
	}
	/* Weights come from input and may be negative: keep the share a share. */
	if (hot_w > 0)
		out->matched_share = matched_w / hot_w;
	else
		out->matched_share = out->n_moved + out->n_missing == 0 ? 1 : 0;
	if (out->matched_share > 1)
		out->matched_share = 1;
	if (!(out->matched_share >= 0))
		out->matched_share = 0;
	out->stale = stale;
	stale = NULL;
done:
	free(code);
	free(prof);
	free(stale);
	if (st)
		*out = (pgo_staleness){.matched_share = 1};
	return st;
}

void pgo_staleness_free(pgo_staleness *s)
{
	if (!s)
		return;
	free(s->stale);
	*s = (pgo_staleness){0};
}
