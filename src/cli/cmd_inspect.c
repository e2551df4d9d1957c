/*
 * pgotool inspect: what the Go compiler will do with a profile, and what
 * would break or hurt a build. The report is built as data first
 * (src/report/inspect_report.h), then printed here as text or as its JSON
 * document, with the staleness section of --binary (inspect_stale) after
 * the others.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "input.h"
#include "inspect_report.h"
#include "inspect_stale.h"
#include "report_json.h"
#include "report_profile.h"

#define DEFAULT_TOP 20
#define WIDTH 100

static struct {
	const char *output;
	const char *threshold;
	int64_t top; /* -1: not given */
	bool json;
	/* --binary, --fail-below: staleness against today's code (inspect_stale.c) */
	const char *binary;
	const char *fail_below;
} opt;

static const flag_def inspect_flags[] = {
	{"threshold", 0, FLAG_STRING, &opt.threshold, "PERCENT",
	 "hot threshold, 0 to 100 (default 99), as -d=pgoinlinecdfthreshold=N", 0, 0, NULL},
	{"top", 0, FLAG_INT, &opt.top, "N", "rows per list; 0 for all (default 20 in text, all in JSON)", 0,
	 1000000000, NULL},
	{"json", 0, FLAG_BOOL, &opt.json, NULL, "print one JSON document instead of text", 0, 0, NULL},
	{"output", 'o', FLAG_STRING, &opt.output, "FILE", "write to FILE (atomically) instead of stdout", 0, 0, NULL},
	{"binary", 0, FLAG_STRING, &opt.binary, "BIN", "is the profile stale against BIN, today's code built without PGO?",
	 0, 0, NULL},
	{"fail-below", 0, FLAG_STRING, &opt.fail_below, "SHARE", "with --binary: exit 1 under this matched share, 0 to 1",
	 0, 0, NULL},
	{NULL, 0, 0, NULL, NULL, NULL, 0, 0, NULL},
};

static const flag_def *flags(void)
{
	return inspect_flags;
}

static int run(int argc, char **argv);

const command cmd_inspect = {
	.name = "inspect",
	.run = run,
	.summary = "show what the Go compiler takes from a profile, and what may hurt a build",
	.synopsis = "pgotool inspect [--threshold PERCENT] [--top N] [--json] [-o OUT] "
	            "[--binary BIN [--fail-below SHARE]] FILE",
	.description =
		"Reports what `go build -pgo=FILE` does with a profile: the sample type it\n"
		"weighs by, the hot call sites exactly as the inliner selects them (the\n"
		"heaviest call edges that together exceed the threshold share of the\n"
		"weight; each may be inlined up to cost 2000 instead of 80), the hot\n"
		"callees, and the call sites with several callees, where PGO\n"
		"devirtualization adds a direct call to the heaviest one. Then warnings:\n"
		"no usable sample type, no start lines or all-zero values (go build fails),\n"
		"no samples, no call edges, a non-Go profile, unsymbolized frames, a known\n"
		"bad inlining target among the hot callees, and too few samples.\n"
		"\n"
		"FILE is a pprof file (raw, gzip or zstd) or - for standard input; merge a\n"
		"zip archive of several profiles first. Exit status: 0 when the report was\n"
		"printed, warnings included (JSON: \"build_fails\" says whether go build\n"
		"would fail); 1 when FILE cannot be read or decoded; 2 on a usage error.\n"
		"\n"
		"--binary BIN tells whether the profile is stale: BIN is a Go binary of\n"
		"today's code built without PGO and with its DWARF (go build -pgo=off, no\n"
		"-ldflags=-w or -s). The compiler finds a hot call site by its caller's\n"
		"name and the call's line offset from the caller's first line, so a hot\n"
		"edge still matches when BIN has a function of the caller's name that\n"
		"starts on the profile's line. The report gives the matched share of the\n"
		"hot weight, and the hot edges whose caller moved (starts on another line)\n"
		"or is missing (renamed or deleted). The exit status is 1 when BIN cannot\n"
		"be read, and with --fail-below SHARE when the matched share is below\n"
		"SHARE (after the report).",
	.flags = flags,
};

/* ---- text --------------------------------------------------------
 *
 * One function per section of the report (src/report/inspect_report.h);
 * the JSON document is the report's own (inspect_report_to_json).
 */

static const char *str(const inspect_report *r, pgo_str s)
{
	return pgo_string(r->p, s, NULL);
}

/* "s" for a plural count */
#define S(n) ((n) == 1 ? "" : "s")

static bool weight_is_ns(const inspect_report *r)
{
	if (r->summary.value_index < 0)
		return false;
	const char *unit = str(r, r->p->sample_types[r->summary.value_index].unit);
	return !strcmp(unit, "nanoseconds");
}

/* A duration in the style of Go's time.Duration, rounded to 3 digits. */
static void format_ns(char *buf, size_t n, double ns)
{
	double a = fabs(ns);
	if (a < 1e3)
		snprintf(buf, n, "%.0fns", ns);
	else if (a < 1e6)
		snprintf(buf, n, "%.3gus", ns / 1e3);
	else if (a < 1e9)
		snprintf(buf, n, "%.3gms", ns / 1e6);
	else if (a < 1e12)
		snprintf(buf, n, "%.3gs", ns / 1e9);
	else
		snprintf(buf, n, "%.0fs", ns / 1e9);
}

static void format_weight(const inspect_report *r, char *buf, size_t n, int64_t w)
{
	if (weight_is_ns(r))
		format_ns(buf, n, (double)w);
	else
		snprintf(buf, n, "%" PRId64, w);
}

/*
 * A Go name for a narrow column: the import path's directories go
 * ("google.golang.org/grpc/internal/transport.(*loopyWriter).Write" becomes
 * "transport.(*loopyWriter).Write"), and a name still wider than width
 * keeps its end, after "...". --json keeps the names whole.
 */
static void short_name(char *buf, size_t n, const char *name, size_t width)
{
	static const char no_inline[] = "DO NOT INLINE: ";
	const char *prefix = "";
	if (!strncmp(name, no_inline, sizeof no_inline - 1)) {
		prefix = no_inline;
		name += sizeof no_inline - 1;
	}
	size_t len = strcspn(name, "[");
	const char *slash = NULL;
	for (size_t i = 0; i < len; i++)
		if (name[i] == '/')
			slash = name + i;
	if (slash)
		name = slash + 1;
	size_t have = strlen(prefix) + strlen(name);
	if (width > n - 1)
		width = n - 1;
	if (width > 3 && have > width) {
		/* the end names the function: keep it */
		size_t keep = width - 3, from_name = strlen(name) < keep ? strlen(name) : keep;
		size_t from_prefix = keep - from_name;
		snprintf(buf, n, "...%s%s", prefix + strlen(prefix) - from_prefix, name + strlen(name) - from_name);
	} else {
		snprintf(buf, n, "%s%s", prefix, name);
	}
	/* Names come from whoever wrote the profile: no control characters reach the terminal. */
	for (char *c = buf; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
}

/* Prints text wrapped at WIDTH, the first line after lead, the others
 * after indent spaces. */
static void wrap(FILE *f, const char *lead, size_t indent, const char *text)
{
	size_t col = fprintf(f, "%s", lead);
	const char *s = text;
	bool first = true;
	while (*s) {
		while (*s == ' ')
			s++;
		size_t w = strcspn(s, " ");
		if (!w)
			break;
		if (!first && col + 1 + w > WIDTH) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
			first = true;
		}
		col += fprintf(f, "%s%.*s", first ? "" : " ", (int)w, s);
		first = false;
		s += w;
	}
	fputc('\n', f);
}

static void text_summary(const inspect_report *r, FILE *f)
{
	const pgo_profile *p = r->p;
	const pgo_summary *s = &r->summary;
	char buf[64], line[512];
	fprintf(f, "Profile %s\n", r->name);
	size_t at = 0;
	line[0] = 0;
	for (uint32_t i = 0; i < p->n_sample_types && at < sizeof line - 1; i++)
		at += snprintf(line + at, sizeof line - at, "%s%s/%s", i ? ", " : "", str(r, p->sample_types[i].type),
		               str(r, p->sample_types[i].unit));
	char text[700];
	if (s->value_index >= 0) {
		snprintf(text, sizeof text, "%s/%s, the compiler's weight (of %s)",
		         str(r, p->sample_types[s->value_index].type), str(r, p->sample_types[s->value_index].unit), line);
		wrap(f, "  sample type    ", 17, text);
	} else if (p->n_sample_types) {
		snprintf(text, sizeof text, "none usable: the profile has %s", line);
		wrap(f, "  sample type    ", 17, text);
	}
	else
		fprintf(f, "  sample type    none: the profile has no sample types\n");
	format_ns(buf, sizeof buf, (double)p->duration_nanos);
	fprintf(f, "  duration       %s\n", p->duration_nanos ? buf : "not recorded");
	if (s->count_index >= 0)
		fprintf(f, "  samples        %" PRId64 " in %" PRIu64 " record%s (%" PRIu64 " with a nonzero weight)\n",
		        s->count_total, s->n_samples, S(s->n_samples), s->n_weighted);
	else
		fprintf(f, "  samples        %" PRIu64 " record%s (%" PRIu64 " with a nonzero weight)\n", s->n_samples,
		        S(s->n_samples), s->n_weighted);
	if (!r->have_edges) {
		fprintf(f, "  call edges     none: the compiler cannot read this profile\n");
		return;
	}
	format_weight(r, buf, sizeof buf, r->edges.total_weight);
	fprintf(f, "  total weight   %s (the sum of the call edges' weights)\n", buf);
	fprintf(f, "  call edges     %zu, at %zu call site%s\n", r->edges.n_edges, r->sites.n_sites, S(r->sites.n_sites));
	fprintf(f, "  hot            %zu edge%s at %zu call site%s into %zu callee%s (threshold %g%%)\n", r->hot.n_hot,
	        S(r->hot.n_hot), r->n_hot_sites, S(r->n_hot_sites), r->n_callees, S(r->n_callees), r->threshold);
	if (r->hot.last_share > 0)
		fprintf(f, "                 the last hot edge has %.3g%% of the weight\n", r->hot.last_share);
	else if (r->edges.n_edges)
		fprintf(f, "                 no prefix exceeds the threshold, so every edge is hot\n");
}

static void text_hot_sites(const inspect_report *r, FILE *f)
{
	size_t n = inspect_report_rows(r, r->hot.n_hot);
	fprintf(f, "\nHot call sites: %zu edge%s, the compiler's hot set at %g%%%s\n", r->hot.n_hot, S(r->hot.n_hot),
	        r->threshold,
	        n < r->hot.n_hot ? " (the heaviest shown; --top 0 shows all)" : "");
	if (!n)
		return;
	const pgo_value_type *vt = &r->p->sample_types[r->summary.value_index];
	fprintf(f, "(caller +N: the call is N lines below the caller's first line; weight: %s/%s)\n",
	        str(r, vt->type), str(r, vt->unit));
	/* Columns: "#, share, cum, weight" take 33, then "caller +N" and "callee".
	 * A row whose names do not fit puts the callee on a line of its own. */
	char caller[160], callee[160], off[24], w[32], site[200];
	size_t room = WIDTH - 33;
	/* the caller column's width that leaves the fewest rows split */
	size_t *site_len = calloc(n, sizeof *site_len), *callee_len = calloc(n, sizeof *callee_len);
	size_t cw = 9, best = SIZE_MAX;
	if (site_len && callee_len) {
		for (size_t i = 0; i < n; i++) {
			short_name(caller, sizeof caller, str(r, r->edges.edges[i].caller), room);
			short_name(callee, sizeof callee, str(r, r->edges.edges[i].callee), room - 3);
			site_len[i] = strlen(caller) + (size_t)snprintf(off, sizeof off, " +%" PRId64, r->edges.edges[i].offset);
			callee_len[i] = strlen(callee);
		}
		for (size_t c = 9; c + 2 + 8 <= room; c++) {
			size_t split = 0;
			for (size_t i = 0; i < n; i++)
				split += site_len[i] > c || c + 2 + callee_len[i] > room;
			if (split < best) {
				best = split;
				cw = c;
			}
		}
	}
	free(site_len);
	free(callee_len);
	fprintf(f, "%5s %7s %7s %9s  %-*s  %s\n", "#", "share", "cum", "weight", (int)cw, "caller +N", "callee");
	uint64_t cum = 0;
	for (size_t i = 0; i < n; i++) {
		const pgo_edge *e = &r->edges.edges[i];
		cum += (uint64_t)e->weight;
		int offlen = snprintf(off, sizeof off, " +%" PRId64, e->offset);
		short_name(caller, sizeof caller, str(r, e->caller), room - (size_t)offlen);
		short_name(callee, sizeof callee, str(r, e->callee), room - 3);
		snprintf(site, sizeof site, "%s%s", caller, off);
		format_weight(r, w, sizeof w, e->weight);
		fprintf(f, "%5zu %6.2f%% %6.2f%% %9s  ", i + 1, inspect_report_share(r, e->weight), inspect_report_share(r, (int64_t)cum), w);
		if (strlen(site) <= cw && cw + 2 + strlen(callee) <= room)
			fprintf(f, "%-*s  %s\n", (int)cw, site, callee);
		else
			fprintf(f, "%s\n%*s-> %s\n", site, 33, "", callee);
	}
}

static void text_hot_callees(const inspect_report *r, FILE *f)
{
	size_t n = inspect_report_rows(r, r->n_callees);
	fprintf(f, "\nHot callees: %zu, which may be inlined at hot call sites up to cost 2000, not 80%s\n", r->n_callees,
	        n < r->n_callees ? " (the heaviest)" : "");
	if (!n)
		return;
	fprintf(f, "%5s %7s %9s %5s  %s\n", "#", "share", "weight", "edges", "callee (weight: of its hot edges)");
	char name[160], w[32];
	for (size_t i = 0; i < n; i++) {
		const pgo_hot_callee *c = &r->callees[i];
		short_name(name, sizeof name, str(r, c->name), WIDTH - 32);
		format_weight(r, w, sizeof w, c->weight);
		size_t len;
		const char *full = pgo_string(r->p, c->name, &len);
		const char *note = pgo_pseudo_callee(full, len)                     ? "  (a runtime entry, not a call)"
		                   : !strncmp(full, "DO NOT INLINE: ", 15) ? "  (renamed: matches no function)"
		                                                                 : "";
		fprintf(f, "%5zu %6.2f%% %9s %5zu  %s%s\n", i + 1, inspect_report_share(r, c->weight), w, c->n_edges, name, note);
	}
}

static void text_multi_sites(const inspect_report *r, FILE *f)
{
	size_t n = inspect_report_rows(r, r->n_multi_sites);
	fprintf(f, "\nCall sites with several callees: %zu, the devirtualization candidates%s\n", r->n_multi_sites,
	        n < r->n_multi_sites ? " (the heaviest shown)" : "");
	if (!n)
		return;
	wrap(f, "", 0,
	     "At an interface or function-value call, the compiler adds a direct call to the heaviest callee "
	     "that fits it (a method of that name, or a function of that type), guarded by a type or function "
	     "check, hot or not; other callees keep the indirect call. Several calls on one line share a site, "
	     "each taking its own heaviest fit. * marks the heaviest; shares are of the site's weight.");
	char caller[160], callee[160], w[32];
	size_t shown = 0, callees_shown = r->top ? r->top : SIZE_MAX;
	for (size_t i = 0; i < r->sites.n_sites && shown < n; i++) {
		const pgo_call_site *s = &r->sites.sites[i];
		if (s->n_source_callees < 2)
			continue;
		shown++;
		short_name(caller, sizeof caller, str(r, s->caller), WIDTH - 40);
		format_weight(r, w, sizeof w, s->weight);
		fprintf(f, "%5zu  %s +%" PRId64 "  weight %s (%.2f%%)%s\n", shown, caller, s->offset, w, inspect_report_share(r, s->weight),
		        s->hot ? ", hot" : "");
		for (size_t k = 0; k < s->n_callees && k < callees_shown; k++) {
			const pgo_site_callee *c = &r->sites.callees[s->callees_at + k];
			short_name(callee, sizeof callee, str(r, c->callee), WIDTH - 30);
			format_weight(r, w, sizeof w, c->weight);
			size_t len;
			const char *full = pgo_string(r->p, c->callee, &len);
			fprintf(f, "       %c %6.2f%% %9s  %s%s\n", k == 0 ? '*' : ' ',
			        s->weight ? pgo_weight_percent(c->weight, s->weight) : 0.0, w, callee,
			        pgo_pseudo_callee(full, len) ? "  (a runtime entry, not a call)" : "");
		}
		if (s->pseudo_heaviest)
			fprintf(f, "         the heaviest is not a call: the compiler devirtualizes nothing here\n");
		if (s->n_callees > callees_shown)
			fprintf(f, "         ... %zu more callees\n", s->n_callees - callees_shown);
	}
}

static void text_findings(const inspect_report *r, FILE *f)
{
	if (!r->n_findings) {
		fprintf(f, "\nNo warnings.\n");
		return;
	}
	fprintf(f, "\nWarnings: %zu%s\n", r->n_findings, r->build_fails ? " (go build -pgo fails with this profile)" : "");
	for (size_t i = 0; i < r->n_findings; i++) {
		const pgo_finding *x = &r->findings[i];
		char lead[64];
		snprintf(lead, sizeof lead, "  %s [%s]: ", x->build_fails ? "error" : "warning", x->code);
		wrap(f, lead, 4, x->message);
		wrap(f, "    what to do: ", 6, x->advice);
	}
}

/* --binary: the staleness section prints as the rest of the report does. */
static void stale_weight(const void *ctx, char *buf, size_t n, int64_t w)
{
	format_weight(ctx, buf, n, w);
}

static void text_stale(const inspect_report *r, const inspect_stale *stale, FILE *f)
{
	inspect_stale_format fmt = {.weight = stale_weight, .name = short_name, .ctx = r};
	inspect_stale_text(stale, r->p, &r->edges, r->top, WIDTH, &fmt, f);
}

/* stale: the --binary section, when stale->bin is set. */
static void report_text(const inspect_report *r, const inspect_stale *stale, FILE *f)
{
	text_summary(r, f);
	if (r->have_edges && r->edges.n_edges == 0)
		fprintf(f, "\nNo call edges: the compiler learns nothing from this profile.\n");
	if (r->have_edges && r->edges.n_edges) {
		text_hot_sites(r, f);
		text_hot_callees(r, f);
		text_multi_sites(r, f);
	}
	text_findings(r, f);
	if (stale->bin)
		text_stale(r, stale, f);
}

/* ---- the command ------------------------------------------------- */

/* Reads a percentage as Go's strconv.ParseFloat would, 0 to 100. */
static bool parse_threshold(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	/* strtod skips leading spaces, ParseFloat does not */
	if (!*s || isspace((unsigned char)*s) || *end || errno || !(v >= 0 && v <= 100))
		return false;
	*out = v;
	return true;
}

/* Reads a share, 0 to 1, for --fail-below. */
static bool parse_share(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (!*s || *end || errno || !(v >= 0 && v <= 1))
		return false;
	*out = v;
	return true;
}

/* The JSON document: the report's, and --binary's section after the rest. */
static pgo_status render_json(const inspect_report *r, const inspect_stale *stale, char **out, size_t *out_size,
                              pgo_error *err)
{
	json_t *doc;
	pgo_status st = inspect_report_to_json(r, &doc, err);
	if (st)
		return st;
	if (stale->bin) {
		json_t *section = inspect_stale_json(stale, r->p, &r->edges, r->top, report_json_bytes);
		/* json_object_set_new takes the section's reference, also when it fails */
		if (!section || json_object_set_new(doc, "staleness", section)) {
			json_decref(doc);
			return pgo_fail(err, PGO_ERR_NOMEM, "out of memory writing the JSON report");
		}
	}
	st = report_json_text(doc, INSPECT_REPORT_JSON_FLAGS, out, out_size, err);
	json_decref(doc);
	return st;
}

/* Renders the report into a malloc'd buffer. */
static pgo_status render(const inspect_report *r, const inspect_stale *stale, char **out, size_t *out_size,
                         pgo_error *err)
{
	*out = NULL;
	*out_size = 0;
	if (opt.json)
		return render_json(r, stale, out, out_size, err);
	FILE *f = open_memstream(out, out_size);
	if (!f)
		return pgo_fail(err, PGO_ERR_NOMEM, "out of memory writing the report");
	report_text(r, stale, f);
	if (fclose(f)) {
		free(*out);
		*out = NULL;
		return pgo_fail(err, PGO_ERR_NOMEM, "out of memory writing the report");
	}
	return PGO_OK;
}

static int run(int argc, char **argv)
{
	flag_list args = {0};
	char message[256];
	int rc = EXIT_FAILURE_;
	pgo_error err = {0};
	pgo_input_list raw = {0};
	pgo_profile *p = NULL;
	inspect_report r = {0};
	inspect_stale stale = {0};
	double threshold = PGO_DEFAULT_HOT_THRESHOLD;
	char *text = NULL;
	size_t text_size = 0;

	memset(&opt, 0, sizeof opt);
	opt.top = -1;
	int parsed = flags_parse(inspect_flags, argc, argv, &args, message, sizeof message);
	if (parsed > 0) {
		cli_print_help(&cmd_inspect, stdout);
		rc = EXIT_OK;
		goto done;
	}
	if (parsed < 0) {
		rc = cli_usage_error(&cmd_inspect, message);
		goto done;
	}
	if (opt.threshold && !parse_threshold(opt.threshold, &threshold)) {
		snprintf(message, sizeof message, "--threshold %s: give a percentage from 0 to 100 (the compiler's default is 99)",
		         opt.threshold);
		rc = cli_usage_error(&cmd_inspect, message);
		goto done;
	}
	size_t top = opt.top >= 0 ? (size_t)opt.top : opt.json ? 0 : DEFAULT_TOP;
	/* --binary, --fail-below */
	double fail_below = -1;
	if (opt.fail_below && !opt.binary) {
		rc = cli_usage_error(&cmd_inspect,
		                     "--fail-below needs --binary BIN: the share is of the hot weight that BIN matches");
		goto done;
	}
	if (opt.fail_below && !parse_share(opt.fail_below, &fail_below)) {
		snprintf(message, sizeof message, "--fail-below %s: give a share from 0 to 1 (0.9 fails under 90%%)",
		         opt.fail_below);
		rc = cli_usage_error(&cmd_inspect, message);
		goto done;
	}
	if (args.n != 1) {
		rc = cli_usage_error(&cmd_inspect, args.n ? "give exactly one FILE" : "no input profile");
		goto done;
	}
	pgo_limits limits;
	pgo_limits_default(&limits);
	if (pgo_read_inputs(args.items[0], limits.max_decompressed_bytes, true, &raw, &err))
		goto fail;
	if (raw.n != 1) {
		err.status = PGO_ERR_ARGUMENT;
		snprintf(err.message, sizeof err.message,
		         "%s: %zu profiles (a zip archive or a directory); merge them first (pgotool merge -o merged.pprof %s)",
		         args.items[0], raw.n, args.items[0]);
		goto fail;
	}
	if (report_decode(raw.items[0].data, raw.items[0].size, raw.items[0].name, &limits, &p, &err))
		goto fail;
	pgo_input_release(&raw.items[0]);
	if (inspect_report_build(&r, p, raw.items[0].name, threshold, top, &err)) {
		rc = cli_fail_in(&cmd_inspect, raw.items[0].name, &err);
		goto done;
	}
	if (opt.binary && inspect_stale_build(&stale, opt.binary, p, &r.edges, &r.hot, &err))
		goto fail; /* the message names the binary */
	if (render(&r, &stale, &text, &text_size, &err) ||
	    cli_write_output(opt.output, text, text_size, false, &err)) {
		rc = cli_fail_in(&cmd_inspect, raw.items[0].name, &err);
		goto done;
	}
	rc = EXIT_OK;
	if (stale.bin && stale.s.matched_share < fail_below) {
		char got[32];
		inspect_stale_share(got, sizeof got, stale.s.matched_share);
		fprintf(stderr, "pgotool inspect: %s is stale: %s of its hot weight matches %s, below --fail-below %s\n",
		        raw.items[0].name, got, opt.binary, opt.fail_below);
		rc = EXIT_FAILURE_;
	}
	goto done;
fail:
	rc = cli_fail(&cmd_inspect, &err);
done:
	free(text);
	inspect_stale_free(&stale);
	inspect_report_free(&r);
	pgo_profile_free(p);
	pgo_input_list_free(&raw);
	flag_list_free(&args);
	return rc;
}
