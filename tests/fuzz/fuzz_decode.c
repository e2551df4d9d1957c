/*
 * libFuzzer target: pgo_decode on arbitrary bytes (raw, gzip or zstd), under
 * tight limits, and on success every other entry point of libpgo, with
 * properties that must hold for any profile the decoder accepts:
 *
 *  - a failed decode leaves no profile and one line that names the input;
 *  - encode succeeds, and decode(encode(p)) succeeds and encodes to the very
 *    same bytes (raw and through gzip);
 *  - the edge map of p and of decode(encode(p)) print the same text, with
 *    a header and three lines per edge;
 *  - pgo_compact(p) has the same edge map as p (it claims to be lossless);
 *  - merging p with itself works, merging a merge changes nothing, and
 *    merge(p, merge(p)) gives the same bytes as merge(merge(p), p);
 *  - pgo_diff of p with itself, and with pgo_compact(p) either way round,
 *    overlaps 1 and finds the compiler's decisions the same.
 *  - inspect's call sites hold every edge once and add up, the hot callees
 *    add up to the hot edges, and the findings say the build fails exactly
 *    when pgo_check_for_compiler does;
 *  - a profile is never stale against its own functions, and against them
 *    moved a line down its counts add up and its stale sites come in edge
 *    order.
 *
 *  - the flame graph's tree of every column is a preorder tree whose every
 *    frame's total is its self plus its children's, whose root holds every
 *    positive value, and folding thin frames keeps the root's total;
 *
 *  - pgo_sum_values accepts exactly what pgo_decode accepts: on a failure
 *    it fails with the same status and message, and on success its sums
 *    are what adding up the decoded profile's values gives.
 *
 * Any broken property calls abort(), which libFuzzer reports as a crash.
 * tests/unit/test_fuzz_corpus.c runs this same function over the seed
 * corpus in every ctest run, without libFuzzer.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz-input"

static void require(bool ok, const char *what, const pgo_error *err)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_decode: property broken: %s\n", what);
	if (err && err->message[0])
		fprintf(stderr, "fuzz_decode: last error: %s\n", err->message);
	abort();
}

/* An error message is one nonempty line; decode errors name the input. */
static void check_message(const pgo_error *err, pgo_status st, bool names_input)
{
	require(err->status == st, "err->status equals the returned status", err);
	require(err->message[0] != '\0', "an error has a message", err);
	require(strchr(err->message, '\n') == NULL, "an error message is one line", err);
	if (names_input)
		require(strncmp(err->message, NAME ": ", sizeof NAME + 1) == 0, "a decode error names the input", err);
}

static void tight_limits(pgo_limits *l)
{
	pgo_limits_default(l);
	l->max_decompressed_bytes = 8u << 20;
	l->max_strings = 1u << 14;
	l->max_sample_types = 16;
	l->max_samples = 1u << 14;
	l->max_locations = 1u << 14;
	l->max_functions = 1u << 14;
	l->max_mappings = 1u << 10;
	l->max_lines = 1u << 16;
	l->max_sample_locations = 1u << 18;
	l->max_labels = 1u << 16;
}

/* The edge map as text; NULL (and *st set) when the profile has none to give. */
static char *edges_text(const pgo_profile *p, pgo_status *st, pgo_error *err)
{
	pgo_edges e;
	char *text = NULL;
	size_t len = 0;
	*st = pgo_edges_compute(p, &e, err);
	if (*st) {
		check_message(err, *st, false);
		require(*st == PGO_ERR_NO_VALUE || *st == PGO_ERR_NO_START_LINE || *st == PGO_ERR_NOMEM,
		        "edges fail only for a missing value column or start lines", err);
		return NULL;
	}
	*st = pgo_edges_format(p, &e, &text, &len, err);
	require(*st == PGO_OK, "edges format", err);
	require(len >= 17 && memcmp(text, "GO PREPROFILE V1\n", 17) == 0, "edges text starts with the header", err);
	size_t lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	/* names may hold newlines themselves; only count when none do */
	bool plain = true;
	for (size_t i = 0; i < e.n_edges && plain; i++) {
		size_t a, b;
		const char *x = pgo_string(p, e.edges[i].caller, &a);
		const char *y = pgo_string(p, e.edges[i].callee, &b);
		plain = !memchr(x, '\n', a) && !memchr(y, '\n', b);
	}
	if (plain)
		require(lines == 1 + 3 * e.n_edges, "edges text has three lines per edge", err);
	require(len > 0 && text[len - 1] == '\n', "edges text ends with a newline", err);
	/* edges come heaviest first */
	for (size_t i = 1; i < e.n_edges; i++)
		require(e.edges[i - 1].weight >= e.edges[i].weight, "edges are sorted by weight", err);
	char *z = realloc(text, len + 1);
	require(z != NULL, "realloc", NULL);
	z[len] = '\0';
	pgo_edges_free(&e);
	return z;
}

/* a and b have the same edge map: their diff must say so, both ways round. */
static void diff_checks(const pgo_profile *a, const pgo_profile *b, pgo_error *err)
{
	pgo_edges ea, eb;
	require(pgo_edges_compute(a, &ea, err) == PGO_OK && pgo_edges_compute(b, &eb, err) == PGO_OK,
	        "edges for the diff", err);
	const pgo_profile *x[3] = {a, a, b}, *y[3] = {a, b, a};
	const pgo_edges *ex[3] = {&ea, &ea, &eb}, *ey[3] = {&ea, &eb, &ea};
	for (int k = 0; k < 3; k++) {
		pgo_diff d;
		pgo_status st = pgo_diff_compute(x[k], ex[k], y[k], ey[k], PGO_DEFAULT_HOT_THRESHOLD, &d, err);
		if (st == PGO_ERR_NOMEM)
			continue;
		require(st == PGO_OK, "diff", err);
		/* exact in integers unless the weights add up past 64 bits */
		require(fabs(d.overlap - 1) < 1e-9, "the same edge map overlaps 1", err);
		require(d.decisions_equal && !d.n_hot_sites_added && !d.n_hot_sites_removed && !d.n_hot_callees_added &&
		        !d.n_hot_callees_removed && !d.n_target_changes,
		        "the same edge map: the compiler decides the same", err);
		require(d.n_edges == ea.n_edges && d.old_edges == d.new_edges, "the same edge map: the same edges", err);
		for (size_t i = 0; i < d.n_edges; i++)
			require(d.edges[i].in_old && d.edges[i].in_new && d.edges[i].old_weight == d.edges[i].new_weight,
			        "the same edge map: each edge on both sides, with its weight", err);
		pgo_diff_free(&d);
	}
	pgo_edges_free(&ea);
	pgo_edges_free(&eb);
}

static void inspect_checks(const pgo_profile *p, pgo_error *err)
{
	pgo_summary sum;
	pgo_edges e;
	require(pgo_summarize(p, &sum, err) == PGO_OK, "summarize", err);
	pgo_status st = pgo_edges_compute(p, &e, err);
	if (st == PGO_ERR_NOMEM)
		return;
	if (st)
		memset(&e, 0, sizeof e);
	pgo_hot hot;
	pgo_call_sites sites = {0};
	pgo_hot_callee *callees = NULL;
	pgo_finding *findings = NULL;
	size_t n_callees = 0, n_findings = 0;
	require(pgo_hot_select(&e, 99, &hot, err) == PGO_OK, "hot select", err);
	if (pgo_call_sites_group(p, &e, &hot, &sites, err) || pgo_hot_callees(&e, &hot, &callees, &n_callees, err) ||
	    pgo_findings(p, &sum, &e, callees, n_callees, NULL, &findings, &n_findings, err)) {
		require(err->status == PGO_ERR_NOMEM, "inspect fails only for memory", err);
		goto done;
	}
	require(sites.n_callees == e.n_edges, "every edge is at a call site", err);
	uint8_t *seen = calloc(e.n_edges + 1, 1);
	require(seen != NULL, "calloc", NULL);
	size_t at = 0;
	for (size_t i = 0; i < sites.n_sites; i++) {
		const pgo_call_site *x = &sites.sites[i];
		require(x->callees_at == at && x->n_callees > 0, "sites' callees are consecutive", err);
		at += x->n_callees;
		uint64_t w = 0;
		bool hot_edge = false;
		for (size_t k = 0; k < x->n_callees; k++) {
			const pgo_site_callee *c = &sites.callees[x->callees_at + k];
			require(c->edge < e.n_edges && !seen[c->edge], "each edge once", err);
			seen[c->edge] = 1;
			const pgo_edge *ed = &e.edges[c->edge];
			require(ed->caller == x->caller && ed->offset == x->offset && ed->callee == c->callee &&
			        ed->weight == c->weight, "a site's callee is its edge", err);
			require(k == 0 || sites.callees[x->callees_at + k - 1].weight >= c->weight, "callees heaviest first", err);
			w += (uint64_t)c->weight;
			hot_edge |= c->edge < hot.n_hot;
		}
		require((int64_t)w == x->weight && hot_edge == x->hot, "a site's weight and heat are its edges'", err);
		require(x->n_source_callees <= x->n_callees, "source callees", err);
	}
	free(seen);
	uint64_t hot_w = 0, callee_w = 0;
	size_t callee_edges = 0;
	for (size_t i = 0; i < hot.n_hot; i++)
		hot_w += (uint64_t)e.edges[i].weight;
	for (size_t i = 0; i < n_callees; i++) {
		callee_w += (uint64_t)callees[i].weight;
		callee_edges += callees[i].n_edges;
	}
	require(hot_w == callee_w && callee_edges == hot.n_hot, "hot callees add up to the hot edges", err);
	bool fails = false;
	for (size_t i = 0; i < n_findings; i++) {
		fails |= findings[i].build_fails;
		require(findings[i].code && findings[i].message[0] && findings[i].advice[0], "a finding says what and why",
		        err);
	}
	pgo_error cerr = {0};
	st = pgo_check_for_compiler(p, NAME, &cerr);
	require(fails == (st == PGO_ERR_NO_VALUE || st == PGO_ERR_NO_START_LINE),
	        "findings say the build fails exactly when pgo_check_for_compiler does", &cerr);
done:
	pgo_call_sites_free(&sites);
	free(callees);
	free(findings);
	pgo_edges_free(&e);
}

/* Staleness against the profile's own functions, then against them all
 * moved one line down. */
static void stale_checks(const pgo_profile *p, pgo_error *err)
{
	pgo_edges e;
	if (pgo_edges_compute(p, &e, err))
		return;
	pgo_hot hot;
	require(pgo_hot_select(&e, 99, &hot, err) == PGO_OK, "hot select", err);
	pgo_code_func *funcs = malloc(((size_t)p->n_functions + 1) * sizeof *funcs);
	require(funcs != NULL, "malloc", NULL);
	for (int moved = 0; moved < 2; moved++) {
		for (uint32_t i = 0; i < p->n_functions; i++)
			funcs[i] = (pgo_code_func){pgo_string(p, p->functions[i].name, NULL),
			                           p->functions[i].start_line + (moved && p->functions[i].start_line < INT64_MAX)};
		pgo_staleness s;
		pgo_status st = pgo_staleness_compute(p, &e, &hot, funcs, p->n_functions, &s, err);
		if (st == PGO_ERR_NOMEM)
			break;
		require(st == PGO_OK, "staleness", err);
		require(s.n_hot == hot.n_hot && s.n_matched + s.n_moved + s.n_missing + s.n_uncompared == s.n_hot &&
		        s.n_stale == s.n_moved + s.n_missing && s.matched_share >= 0 && s.matched_share <= 1,
		        "staleness counts add up", err);
		/* a name with a NUL byte matches no C string: it is missing */
		if (!moved)
			require(s.n_moved == 0, "never moved against its own functions", err);
		for (size_t i = 0; i < s.n_stale; i++) {
			require(s.stale[i].edge < hot.n_hot && (i == 0 || s.stale[i - 1].edge < s.stale[i].edge) &&
			        s.stale[i].status != PGO_SITE_MATCHED, "stale sites are hot, in edge order", err);
			size_t len;
			const char *name = pgo_string(p, e.edges[s.stale[i].edge].caller, &len);
			require(moved || s.stale[i].status != PGO_SITE_CALLER_MISSING || memchr(name, 0, len),
			        "only a name with a NUL byte is missing from its own profile", err);
		}
		pgo_staleness_free(&s);
	}
	free(funcs);
	pgo_edges_free(&e);
}

static void merge_checks(const pgo_profile *p, pgo_error *err)
{
	const pgo_profile *two[2] = {p, p};
	pgo_profile *m = NULL, *mm = NULL;
	pgo_merge_options opts = {0};
	pgo_status st = pgo_merge((pgo_profile *const *)two, 2, &opts, &m, err);
	if (st == PGO_ERR_NOMEM || st == PGO_ERR_LIMIT)
		return;
	require(st == PGO_OK, "a profile merges with itself", err);

	/* merging a merge changes nothing */
	/* the result depends on the set of inputs, not their order */
	const pgo_profile *pm[2] = {p, m}, *mp[2] = {m, p};
	pgo_profile *r1 = NULL, *r2 = NULL;
	pgo_status s1 = pgo_merge((pgo_profile *const *)pm, 2, &opts, &r1, err);
	pgo_status s2 = pgo_merge((pgo_profile *const *)mp, 2, &opts, &r2, err);
	require(s1 == s2, "merge succeeds or fails alike in either order", err);
	if (s1 == PGO_OK) {
		uint8_t *a = NULL, *b = NULL;
		size_t na = 0, nb = 0;
		require(pgo_encode(r1, 0, &a, &na, err) == PGO_OK && pgo_encode(r2, 0, &b, &nb, err) == PGO_OK,
		        "encode merges", err);
		require(na == nb && memcmp(a, b, na) == 0, "merge(p, q) == merge(q, p)", err);
		free(a);
		free(b);
	}
	pgo_profile_free(r1);
	pgo_profile_free(r2);

	st = pgo_merge(&m, 1, &opts, &mm, err);
	if (st == PGO_OK) {
		uint8_t *a = NULL, *b = NULL;
		size_t na = 0, nb = 0;
		require(pgo_encode(m, 0, &a, &na, err) == PGO_OK, "encode a merge", err);
		require(pgo_encode(mm, 0, &b, &nb, err) == PGO_OK, "encode a merge of a merge", err);
		require(na == nb && memcmp(a, b, na) == 0, "merge is idempotent", err);
		/* the merge decodes again */
		pgo_profile *back = NULL;
		require(pgo_decode(a, na, NAME, NULL, &back, err) == PGO_OK, "a merge decodes", err);
		pgo_profile_free(back);
		free(a);
		free(b);
	} else {
		require(st == PGO_ERR_NOMEM || st == PGO_ERR_LIMIT, "a merge merges again", err);
	}
	pgo_profile_free(mm);
	pgo_profile_free(m);

	/* labels kept and the default noinline renames */
	opts.keep_labels = true;
	opts.noinline = pgo_default_noinline;
	st = pgo_merge((pgo_profile *const *)&p, 1, &opts, &m, err);
	require(st == PGO_OK || st == PGO_ERR_NOMEM || st == PGO_ERR_LIMIT, "merge with labels and noinline", err);
	pgo_profile_free(m);
}

/* The values-only pass against pgo_decode: p is its profile, or NULL when
 * it failed with status st and error derr. */
static void check_sums(const uint8_t *data, size_t size, const pgo_limits *limits, const pgo_profile *p,
                       pgo_status st, const pgo_error *derr)
{
	pgo_value_sums s;
	pgo_error err = {0};
	pgo_status sst = pgo_sum_values(data, size, NAME, limits, &s, &err);
	if (st == PGO_ERR_NOMEM || sst == PGO_ERR_NOMEM) {
		pgo_value_sums_free(&s);
		return;
	}
	if (st) {
		require(sst == st, "pgo_sum_values fails as pgo_decode does", derr);
		require(strcmp(err.message, derr->message) == 0, "pgo_sum_values fails with pgo_decode's message", &err);
		require(s.columns == NULL && s.n_sample_types == 0, "a failed pgo_sum_values leaves no sums", &err);
		return;
	}
	require(sst == PGO_OK, "pgo_sum_values accepts what pgo_decode accepts", &err);
	require(s.n_sample_types == p->n_sample_types && s.n_samples == p->n_samples,
	        "pgo_sum_values counts the sample types and samples", NULL);
	require(s.time_nanos == p->time_nanos && s.duration_nanos == p->duration_nanos && s.period == p->period,
	        "pgo_sum_values reads time_nanos, duration_nanos and period", NULL);
	for (uint32_t t = 0; t < p->n_sample_types; t++) {
		const pgo_value_sum *c = &s.columns[t];
		require(strcmp(c->type, pgo_string(p, p->sample_types[t].type, NULL)) == 0 &&
		        strcmp(c->unit, pgo_string(p, p->sample_types[t].unit, NULL)) == 0,
		        "pgo_sum_values names the sample types", NULL);
		int64_t sum = 0, next;
		uint32_t bad_at = 0;
		int64_t bad_value = 0;
		for (uint32_t i = 0; i < p->n_samples && !bad_at; i++) {
			int64_t v = p->values[(size_t)i * p->n_sample_types + t];
			if (v < 0 || __builtin_add_overflow(sum, v, &next)) {
				bad_at = i + 1;
				bad_value = v;
			} else {
				sum = next;
			}
		}
		require(c->sum == sum && c->bad_at == bad_at && c->bad_value == bad_value,
		        "pgo_sum_values adds up what pgo_decode decodes", NULL);
	}
	pgo_value_sums_free(&s);
}

/* The flame graph's tree of column col, with and without folding. */
static void check_flame(const pgo_profile *p, uint32_t col)
{
	pgo_error err = {0};
	int64_t positive = 0;
	bool overflow = false;
	for (uint32_t i = 0; i < p->n_samples; i++) {
		int64_t v = p->values[(size_t)i * p->n_sample_types + col];
		if (v > 0 && __builtin_add_overflow(positive, v, &positive))
			overflow = true;
	}
	for (int fold = 0; fold < 2; fold++) {
		pgo_flame f;
		pgo_status st = pgo_flame_build(p, col, fold ? 0.01 : 0, &f, &err);
		if (st == PGO_ERR_NOMEM)
			return;
		require(st == PGO_OK, "a flame graph of any decoded profile", &err);
		require(f.n_nodes >= 1 && f.nodes[0].parent == PGO_NONE, "the flame tree has a root first", &err);
		require(overflow || f.total == positive, "the flame root holds every positive value", &err);
		int64_t *children = calloc(f.n_nodes, sizeof *children);
		require(children != NULL, "memory", NULL);
		for (size_t i = 1; i < f.n_nodes; i++) {
			require(f.nodes[i].parent < i, "flame nodes are in preorder", &err);
			require(f.nodes[i].total > 0 && f.nodes[i].self >= 0, "flame frames have weight", &err);
			children[f.nodes[i].parent] += f.nodes[i].total;
		}
		for (size_t i = 0; i < f.n_nodes && !overflow; i++)
			require(f.nodes[i].total == f.nodes[i].self + children[i], "a frame's total is self plus children", &err);
		free(children);
		pgo_flame_free(&f);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pgo_limits limits;
	tight_limits(&limits);
	pgo_error err = {0};
	pgo_profile *p = (pgo_profile *)(uintptr_t)1; /* must be reset to NULL */
	pgo_status st = pgo_decode(data, size, NAME, &limits, &p, &err);
	if (st) {
		require(p == NULL, "a failed decode gives no profile", &err);
		check_message(&err, st, true);
		check_sums(data, size, &limits, NULL, st, &err);
		return 0;
	}
	require(p != NULL, "a decode gives a profile", &err);
	check_sums(data, size, &limits, p, st, &err);
	for (uint32_t col = 0; col < p->n_sample_types; col++)
		check_flame(p, col);

	/* round trip: encode, decode, encode again */
	uint8_t *enc = NULL, *enc2 = NULL, *gz = NULL;
	size_t n_enc = 0, n_enc2 = 0, n_gz = 0;
	pgo_profile *p2 = NULL, *p3 = NULL;
	require(pgo_encode(p, 0, &enc, &n_enc, &err) == PGO_OK, "encode", &err);
	require(pgo_decode(enc, n_enc, NAME, NULL, &p2, &err) == PGO_OK, "decode(encode(p))", &err);
	require(pgo_encode(p2, 0, &enc2, &n_enc2, &err) == PGO_OK, "encode(decode(encode(p)))", &err);
	require(n_enc == n_enc2 && memcmp(enc, enc2, n_enc) == 0, "encode(decode(encode(p))) == encode(p)", &err);
	require(p2->n_samples == p->n_samples && p2->n_locations == p->n_locations &&
	        p2->n_functions == p->n_functions && p2->n_mappings == p->n_mappings &&
	        p2->n_sample_types == p->n_sample_types && p2->n_lines == p->n_lines &&
	        p2->n_labels == p->n_labels && p2->n_sample_locations == p->n_sample_locations,
	        "decode(encode(p)) has p's entity counts", &err);
	free(enc2);
	enc2 = NULL;
	require(pgo_encode(p, 1, &gz, &n_gz, &err) == PGO_OK, "encode gzip", &err);
	require(pgo_sniff(gz, n_gz) == PGO_COMPRESSION_GZIP, "gzip output has the gzip magic", &err);
	require(pgo_decode(gz, n_gz, NAME, NULL, &p3, &err) == PGO_OK, "decode(gzip(encode(p)))", &err);
	require(pgo_encode(p3, 0, &enc2, &n_enc2, &err) == PGO_OK, "encode after gzip", &err);
	require(n_enc == n_enc2 && memcmp(enc, enc2, n_enc) == 0, "gzip round trip", &err);
	free(gz);
	free(enc2);
	free(enc);
	pgo_profile_free(p3);

	/* the compiler's view, before and after the round trip, and of the compact profile */
	pgo_status est, est2;
	char *text = edges_text(p, &est, &err);
	char *text2 = edges_text(p2, &est2, &err);
	require(est == est2, "edges succeed or fail alike after a round trip", &err);
	require((!text && !text2) || (text && text2 && strcmp(text, text2) == 0),
	        "edges are the same after a round trip", &err);
	pgo_profile_free(p2);

	pgo_profile *c = NULL;
	st = pgo_compact(p, &c, &err);
	if (est == PGO_OK) {
		require(st == PGO_OK || st == PGO_ERR_NOMEM || st == PGO_ERR_LIMIT, "compact works when edges do", &err);
		if (st == PGO_OK) {
			pgo_status cst;
			char *ctext = edges_text(c, &cst, &err);
			require(cst == PGO_OK && ctext, "edges of the compact profile", &err);
			if (strcmp(text, ctext) != 0) {
				fprintf(stderr, "--- edges of the input\n%s--- edges of its compact profile\n%s", text, ctext);
				require(false, "compact keeps the edge map", &err);
			}
			free(ctext);
			/* compacting twice changes nothing */
			pgo_profile *cc = NULL;
			require(pgo_compact(c, &cc, &err) == PGO_OK, "compact of a compact profile", &err);
			char *cctext = edges_text(cc, &cst, &err);
			require(cst == PGO_OK && cctext && strcmp(cctext, text) == 0, "compact twice keeps the edge map", &err);
			free(cctext);
			pgo_profile_free(cc);
			diff_checks(p, c, &err);
		}
	} else {
		require(st != PGO_OK, "compact fails when edges fail", &err);
	}
	pgo_profile_free(c);
	free(text);
	free(text2);

	inspect_checks(p, &err);
	stale_checks(p, &err);
	merge_checks(p, &err);
	pgo_profile_free(p);
	return 0;
}
