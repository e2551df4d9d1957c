/* pgotool diff: how far two profiles differ for the Go compiler. The JSON
 * document is src/report/diff_report's; the text is printed here. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "diff_report.h"
#include "input.h"
#include "keep.h"
#include "report_json.h"
#include "report_profile.h"

#define WIDTH 100

static struct {
	bool json;
	double threshold, fail_above;
	int64_t top;
} opt;

static const flag_def diff_flags[] = {
	{"json", 0, FLAG_BOOL, &opt.json, NULL, "print one JSON document", 0, 0, NULL},
	{"fail-above", 0, FLAG_FLOAT, &opt.fail_above, "X",
	 "exit 1 when the drift (1 - overlap) exceeds X, from 0 to 1 (for CI)", 0, 1000000, NULL},
	{"threshold", 0, FLAG_FLOAT, &opt.threshold, "PERCENT",
	 "hot edges' cumulative percent, as -d=pgoinlinecdfthreshold (default 99)", 0, 100000000,
	 NULL},
	{"top", 0, FLAG_INT, &opt.top, "N", "show the N biggest shifts, and at most N of each list (default 10)", 0,
	 1000000, NULL},
	{NULL, 0, 0, NULL, NULL, NULL, 0, 0, NULL},
};

static const flag_def *flags(void)
{
	return diff_flags;
}

static int run(int argc, char **argv);

const command cmd_diff = {
	.name = "diff",
	.run = run,
	.summary = "compare two profiles as the Go compiler sees them",
	.synopsis = "pgotool diff [--json] [--fail-above X] [--threshold PERCENT] [--top N] OLD NEW",
	.description =
		"Compares the call edges that the Go compiler takes from two profiles (as\n"
		"`pgotool edges` prints them): how much their weight distributions overlap,\n"
		"whether the compiler would decide differently, and which edges moved most.\n"
		"OLD and NEW are pprof files (raw, gzip or zstd), or - for standard input.\n\n"
		"The overlap is sum over the union of edges e of min(p(e), q(e)), where p(e)\n"
		"and q(e) are e's weight divided by the total weight of OLD and of NEW: one\n"
		"minus the total variation distance of the two distributions. 1 means the\n"
		"same shares everywhere (a profile and itself, or twice itself), 0 no edge in\n"
		"common; two profiles without edges overlap 1, one without and one with 0.\n"
		"The drift is 1 - overlap.\n\n"
		"The compiler's decisions are the inliner's hot call sites (caller, offset)\n"
		"and hot callees (the edges that make up the first PERCENT of the weight,\n"
		"heaviest first), and, at each call site with several callees in either\n"
		"profile, the callee that devirtualization picks (the heaviest; on a tie the\n"
		"first name). When they are all the same, a build with NEW inlines and\n"
		"devirtualizes as a build with OLD does.\n\n"
		"Shares are percentages of each profile's total weight; a shift is the\n"
		"difference in percentage points.\n\n"
		"Exit status: 0; 1 when a profile cannot be read, or with --fail-above when\n"
		"the drift exceeds X; 2 on a usage error.",
	.flags = flags,
};

typedef struct loaded {
	pgo_profile *p;
	pgo_edges e;
} loaded;

static pgo_status load(const char *path, loaded *out, pgo_error *err)
{
	pgo_input_list raw = {0};
	pgo_limits limits;
	pgo_limits_default(&limits);
	pgo_status st = pgo_read_inputs(path, limits.max_decompressed_bytes, true, &raw, err);
	if (!st && raw.n != 1)
		st = pgo_fail(err, PGO_ERR_ARGUMENT, "%s: %zu profiles (a zip archive or a directory); merge them first", path, raw.n);
	if (!st)
		st = report_decode(raw.items[0].data, raw.items[0].size, raw.items[0].name, &limits, &out->p, err);
	if (!st)
		st = diff_report_edges(out->p, path, &out->e, err);
	pgo_input_list_free(&raw);
	return st;
}

/* ---- text ------------------------------------------------------------------- */

/* name, made printable and cut to width from the left ("...tail"). */
static void fit(const pgo_diff *d, uint32_t i, size_t width, char *out, size_t size)
{
	size_t len;
	const char *s = pgo_diff_name(d, i, &len);
	size_t from = len > width && width > 3 ? len - (width - 3) : 0;
	size_t o = 0;
	if (from)
		o = (size_t)snprintf(out, size, "...");
	for (size_t k = from; k < len && o + 1 < size; k++)
		out[o++] = (unsigned char)s[k] < 0x20 || s[k] == 0x7f ? '?' : s[k];
	out[o] = '\0';
}

/* "caller +offset -> callee" in width columns. */
static void edge_text(const pgo_diff *d, uint32_t caller, int64_t offset, uint32_t callee, size_t width, char *out,
                      size_t size)
{
	char off[32], a[WIDTH + 1], b[WIDTH + 1];
	snprintf(off, sizeof off, " +%lld", (long long)offset);
	size_t room = width - strlen(off) - (callee == PGO_NONE ? 0 : 4);
	size_t clen, elen = 0;
	pgo_diff_name(d, caller, &clen);
	if (callee != PGO_NONE)
		pgo_diff_name(d, callee, &elen);
	size_t cw = clen, ew = elen;
	if (cw + ew > room) {
		/* Share the room, giving the shorter name what it needs. */
		size_t half = room / 2;
		if (cw <= half)
			ew = room - cw;
		else if (ew <= half)
			cw = room - ew;
		else
			cw = half, ew = room - half;
	}
	fit(d, caller, cw, a, sizeof a);
	if (callee == PGO_NONE) {
		snprintf(out, size, "%s%s", a, off);
		return;
	}
	fit(d, callee, ew, b, sizeof b);
	snprintf(out, size, "%s%s -> %s", a, off, b);
}

static double pct(double share)
{
	return share * 100;
}

static void print_more(size_t shown, size_t n)
{
	if (n > shown)
		printf("  ... and %zu more\n", n - shown);
}

static void print_callees(const pgo_diff *d, const char *title, const uint32_t *list, size_t n, size_t top)
{
	if (!n)
		return;
	printf("\n%s (%zu):\n", title, n);
	for (size_t k = 0; k < n && k < top; k++) {
		char t[WIDTH + 1];
		fit(d, list[k], WIDTH - 2, t, sizeof t);
		printf("  %s\n", t);
	}
	print_more(top, n);
}

static void print_target(const pgo_diff *d, const char *side, uint32_t target, int64_t weight, int64_t total)
{
	char t[WIDTH + 1];
	if (target == PGO_NONE) {
		printf("    %s (none)\n", side);
		return;
	}
	fit(d, target, WIDTH - 22, t, sizeof t);
	printf("    %s %s (%.2f%%)\n", side, t, pct(total > 0 ? (double)weight / (double)total : 0));
}

/* text in lines of at most WIDTH columns, broken at spaces, the rest indented. */
static void print_wrapped(const char *text)
{
	size_t col = 0, len = strlen(text);
	for (size_t i = 0; i < len;) {
		size_t w = strcspn(text + i, " ");
		if (col && col + 1 + w > WIDTH) {
			printf("\n  ");
			col = 2;
		} else if (col) {
			putchar(' ');
			col++;
		}
		printf("%.*s", (int)w, text + i);
		col += w;
		i += w;
		while (text[i] == ' ')
			i++;
	}
	putchar('\n');
}

/* Sites by their share, biggest first (in NEW for those added, in OLD for those removed). */
typedef struct ranked {
	size_t site;
	double share;
} ranked;

static int by_share(const void *a, const void *b)
{
	const ranked *x = a, *y = b;
	if (x->share != y->share)
		return x->share > y->share ? -1 : 1;
	return (x->site > y->site) - (x->site < y->site);
}

static void print_sites(const pgo_diff *d, const char *title, const size_t *list, size_t n, size_t top, bool added)
{
	if (!n)
		return;
	ranked *r = malloc(n * sizeof *r);
	if (!r)
		return;
	for (size_t k = 0; k < n; k++)
		r[k] = (ranked){list[k], added ? d->sites[list[k]].new_share : d->sites[list[k]].old_share};
	qsort(r, n, sizeof *r, by_share);
	printf("\n%s (%zu), share of the weight OLD -> NEW:\n", title, n);
	for (size_t k = 0; k < n && k < top; k++) {
		const pgo_diff_site *s = &d->sites[r[k].site];
		char t[3 * WIDTH];
		/* 23 columns of shares before the site. */
		edge_text(d, s->caller, s->offset, PGO_NONE, WIDTH - 23, t, sizeof t);
		printf("  %7.2f%% -> %6.2f%%  %s\n", pct(s->old_share), pct(s->new_share), t);
	}
	print_more(top, n);
	free(r);
}

static void print_text(const char *old_name, const char *new_name, const pgo_diff *d, size_t top)
{
	char decisions[400];
	keep_describe_decisions(d, decisions, sizeof decisions);
	printf("overlap %.4f, drift %.4f (1 - overlap; overlap = sum of min(OLD share, NEW share) per edge)\n",
	       keep_overlap_floor(d->overlap), 1 - keep_overlap_floor(d->overlap));
	const char *names[2] = {old_name, new_name};
	for (int s = 0; s < 2; s++) {
		size_t len = strlen(names[s]);
		const char *shown = len > WIDTH - 5 ? names[s] + len - (WIDTH - 8) : names[s];
		printf("%s %s%s\n", s ? "NEW" : "OLD", shown == names[s] ? "" : "...", shown);
		printf("    %zu edges, total weight %lld, %zu hot edges at %zu call sites (threshold %g%%)\n",
		       s ? d->new_edges : d->old_edges,
		       (long long)(s ? d->new_total : d->old_total), s ? d->new_hot_edges : d->old_hot_edges,
		       s ? d->new_hot_sites : d->old_hot_sites, d->threshold);
	}
	print_wrapped(decisions);

	print_sites(d, "hot call sites added", d->hot_sites_added, d->n_hot_sites_added, top, true);
	print_sites(d, "hot call sites removed", d->hot_sites_removed, d->n_hot_sites_removed, top, false);
	print_callees(d, "hot callees added", d->hot_callees_added, d->n_hot_callees_added, top);
	print_callees(d, "hot callees removed", d->hot_callees_removed, d->n_hot_callees_removed, top);
	if (d->n_target_changes) {
		printf("\ndevirtualization targets changed (%zu), heaviest callee OLD -> NEW:\n", d->n_target_changes);
		for (size_t k = 0; k < d->n_target_changes && k < top; k++) {
			const pgo_diff_site *s = &d->sites[d->target_changes[k]];
			char t[3 * WIDTH];
			edge_text(d, s->caller, s->offset, PGO_NONE, WIDTH - 4, t, sizeof t);
			printf("  %s\n", t);
			print_target(d, "OLD", s->old_target, s->old_target_weight, d->old_total);
			print_target(d, "NEW", s->new_target, s->new_target_weight, d->new_total);
		}
		print_more(top, d->n_target_changes);
	}
	size_t moved = 0;
	for (size_t i = 0; i < d->n_edges && d->edges[i].old_share != d->edges[i].new_share; i++)
		moved++;
	if (moved && top) {
		printf("\nbiggest shifts (%zu of %zu edges moved), share OLD -> NEW:\n", moved < top ? moved : top, moved);
		for (size_t i = 0; i < moved && i < top; i++) {
			const pgo_diff_edge *e = &d->edges[i];
			char t[3 * WIDTH];
			edge_text(d, e->caller, e->offset, e->callee, WIDTH - 32, t, sizeof t);
			printf("  %7.2f%% -> %6.2f%% %+7.2f  %s\n", pct(e->old_share), pct(e->new_share),
			       pct(e->new_share) - pct(e->old_share), t);
		}
	}
}

/* ---- JSON ------------------------------------------------------------------- */

/* The report's document (diff_report.h), with --fail-above's verdict after it. */
static pgo_status print_json(const char *old_name, const char *new_name, const pgo_diff *d, size_t top, bool failed,
                             pgo_error *err)
{
	json_t *root;
	char *text = NULL;
	size_t size;
	pgo_status st = diff_report_to_json(d, old_name, new_name, top, &root, err);
	if (st)
		return st;
	/* json_object_set_new takes the value's reference, also when it fails */
	if (opt.fail_above >= 0 && (json_object_set_new(root, "fail_above", json_real(opt.fail_above)) ||
	                            json_object_set_new(root, "failed", json_boolean(failed))))
		st = pgo_fail(err, PGO_ERR_NOMEM, "out of memory building the JSON diff");
	if (!st)
		st = report_json_text(root, DIFF_REPORT_JSON_FLAGS, &text, &size, err);
	json_decref(root);
	if (!st && fwrite(text, 1, size, stdout) != size)
		st = pgo_fail(err, PGO_ERR_IO, "cannot write to standard output");
	free(text);
	return st;
}

static int run(int argc, char **argv)
{
	flag_list args = {0};
	char message[256];
	int rc = EXIT_FAILURE_;
	pgo_error err = {0};
	loaded old = {0}, new = {0};
	pgo_diff d = {0};

	memset(&opt, 0, sizeof opt);
	opt.threshold = PGO_DEFAULT_HOT_THRESHOLD;
	opt.fail_above = -1;
	opt.top = 10;
	int parsed = flags_parse(diff_flags, argc, argv, &args, message, sizeof message);
	if (parsed > 0) {
		cli_print_help(&cmd_diff, stdout);
		rc = EXIT_OK;
		goto done;
	}
	if (parsed < 0) {
		rc = cli_usage_error(&cmd_diff, message);
		goto done;
	}
	if (args.n != 2) {
		rc = cli_usage_error(&cmd_diff, "give two profiles, OLD and NEW");
		goto done;
	}
	if (!strcmp(args.items[0], "-") && !strcmp(args.items[1], "-")) {
		rc = cli_usage_error(&cmd_diff, "only one of OLD and NEW can be standard input");
		goto done;
	}
	if (load(args.items[0], &old, &err) || load(args.items[1], &new, &err) ||
	    pgo_diff_compute(old.p, &old.e, new.p, &new.e, opt.threshold, &d, &err)) {
		rc = cli_fail(&cmd_diff, &err);
		goto done;
	}
	bool failed = opt.fail_above >= 0 && 1 - d.overlap > opt.fail_above;
	if (opt.json) {
		if (print_json(args.items[0], args.items[1], &d, (size_t)opt.top, failed, &err)) {
			rc = cli_fail(&cmd_diff, &err);
			goto done;
		}
	} else {
		print_text(args.items[0], args.items[1], &d, (size_t)opt.top);
		if (failed)
			printf("\nFAIL: the drift %.4f exceeds --fail-above %g\n", 1 - d.overlap, opt.fail_above);
	}
	if (fflush(stdout) != 0) {
		err.status = PGO_ERR_IO;
		snprintf(err.message, sizeof err.message, "cannot write to standard output");
		rc = cli_fail(&cmd_diff, &err);
		goto done;
	}
	rc = failed ? EXIT_FAILURE_ : EXIT_OK;
done:
	pgo_diff_free(&d);
	pgo_edges_free(&old.e);
	pgo_edges_free(&new.e);
	pgo_profile_free(old.p);
	pgo_profile_free(new.p);
	flag_list_free(&args);
	return rc;
}
