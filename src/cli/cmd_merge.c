/* pgotool merge: many profiles in, one default.pgo out. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "input.h"
#include "keep.h"
#include "prefetch.h"
#include "weight.h"

static struct {
	const char *output;
	bool compact, keep_labels, no_noinline, any_type, normalize;
	flag_list noinline, weights;
	double keep_if_unchanged; /* -1: off */
	int64_t level, threads;   /* 0: the defaults */
} opt;

static const flag_def merge_flags[] = {
	{"output", 'o', FLAG_STRING, &opt.output, "FILE", "write to FILE (atomically) instead of stdout", 0, 0, NULL},
	{"compact", 0, FLAG_BOOL, &opt.compact, NULL,
	 "write the smallest profile with the same compiler edge map", 0, 0, NULL},
	{"keep-labels", 0, FLAG_BOOL, &opt.keep_labels, NULL, "keep sample labels (dropped by default)", 0, 0, NULL},
	{"noinline", 0, FLAG_LIST, &opt.noinline, "NAME",
	 "also protect function NAME from inlining (repeatable)", 0, 0, NULL},
	{"no-noinline", 0, FLAG_BOOL, &opt.no_noinline, NULL, "do not rename any function", 0, 0, NULL},
	{"weight", 0, FLAG_LIST, &opt.weights, "W:FILE",
	 "merge FILE with its values multiplied by W, a positive decimal number (repeatable)", 0, 0, NULL},
	{"normalize", 0, FLAG_BOOL, &opt.normalize, NULL,
	 "scale every input to the same total before its weight applies", 0, 0, NULL},
	{"any-type", 0, FLAG_BOOL, &opt.any_type, NULL,
	 "merge profiles of any kind (heap, block, ...), for uses other than PGO: the output is not checked", 0, 0, NULL},
	{"keep-if-unchanged", 0, FLAG_FLOAT, &opt.keep_if_unchanged, "X",
	 "leave OUT untouched when the compiler would decide the same with it and the overlap is at least X "
	 "(default 0.95)", 0, 1000000, FLAG_IMPLICIT("0.95")},
	{"level", 0, FLAG_INT, &opt.level, "N", CLI_LEVEL_HELP, 1, 12, NULL},
	{"threads", 0, FLAG_INT, &opt.threads, "N",
	 "use N threads (default: PGOTOOL_THREADS, else the machine's cores): with 2 or more the next input "
	 "decodes while one merges, and the output compresses on up to 8; the bytes are the same at any N",
	 1, CLI_MAX_THREADS, NULL},
	{NULL, 0, 0, NULL, NULL, NULL, 0, 0, NULL},
};

static const flag_def *flags(void)
{
	return merge_flags;
}

static int run(int argc, char **argv);

const command cmd_merge = {
	.name = "merge",
	.run = run,
	.summary = "merge pprof profiles into one (a default.pgo)",
	.synopsis = "pgotool merge [-o OUT] [--compact] [--keep-labels] [--noinline NAME]... [--no-noinline] [--any-type] "
	            "[--weight W:FILE]... [--normalize] [--keep-if-unchanged[=X]] [--level N] [--threads N] INPUT...",
	.description =
		"Merges CPU profiles the way `go tool pprof -proto` does, and writes one gzip\n"
		"pprof. An INPUT is a pprof file (raw, gzip or zstd), a zip archive of\n"
		"pprofs, a directory (its files, not hidden ones nor subdirectories), or -\n"
		"for standard input. The output depends only on the set of inputs, not\n"
		"their order.\n\n"
		"Like datadog-pgo, merge drops sample labels and renames functions that must\n"
		"not be inlined when they are a sample's leaf frame, to \"DO NOT INLINE: NAME\":\n"
		"google.golang.org/grpc/internal/transport.(*loopyWriter).processData\n"
		"(golang/go#65532) and runtime.gopark (golang/go#74045).\n\n"
		"With --compact the output keeps only what the Go compiler reads: one\n"
		"two-frame sample per call edge. `go tool preprofile` prints the same for\n"
		"it as for the full merge, so builds are identical, and it is far smaller.\n\n"
		"The output is for `go build -pgo`, so merge refuses to write one the compiler\n"
		"would reject: not a CPU profile (no samples/count or cpu/nanoseconds), no\n"
		"function start lines, or only zero values. --any-type merges other kinds of\n"
		"profiles for other uses. In a zip archive or a directory, entries that are\n"
		"not pprof files (metrics.json, execution traces) and, without --any-type,\n"
		"profiles that are not CPU profiles (delta-heap.pprof, ...) are skipped with\n"
		"a warning that names them, so that a download of a whole upload, zipped or\n"
		"not, merges its cpu.pprof.\n\n"
		"Weighted merges: --weight W:FILE merges FILE (a pprof or a zip, whose\n"
		"profiles all take W) with every value multiplied by W; INPUTs have weight 1.\n"
		"W is a positive decimal number (2, 0.5, 1.25); FILE is all after the first\n"
		"':', so it may hold ':' itself. Each value v becomes round(v * W), computed\n"
		"in double precision and rounded half away from zero, as pprof's\n"
		"Profile.Scale does; a sample that rounds to 0 is dropped. --normalize first\n"
		"scales every input (each FILE or INPUT argument, a zip with all its\n"
		"profiles) to the same total of the column the compiler reads (samples/count\n"
		"or cpu/nanoseconds): the largest input's, so that no input loses\n"
		"resolution; then W applies. Use them when one binary serves several\n"
		"workloads, or a fleet's regions see different traffic, and one busy input\n"
		"must not drown out the others. A weighted merge refuses, naming the input,\n"
		"a weighted input with a negative value, an input whose total is 0 under\n"
		"--normalize, and any value or sum beyond a 64-bit integer. Its output too\n"
		"depends only on the set of inputs and their weights.\n\n"
		"With --keep-if-unchanged[=X] and -o OUT, an OUT that exists is left untouched\n"
		"(the same bytes, mtime and inode) when the compiler would decide the same\n"
		"with the new profile (see `pgotool diff`) and the two overlap at least X\n"
		"(default 0.95); stderr says why OUT was kept or replaced. The Go build cache\n"
		"is keyed by the preprocessed profile, so a kept OUT keeps it warm, and a\n"
		"committed default.pgo changes only when it matters.\n\n"
		"--threads N, or PGOTOOL_THREADS=N (default: the number of CPUs), sets the\n"
		"threads merge uses: with 2 or more, input i+1 is decompressed and decoded\n"
		"while input i merges (memory holds one decoded input more), and the output\n"
		"compresses on up to 8; 1 does everything on one thread. The output is the\n"
		"same bytes either way; anything but 1 to 1024 is a usage error.\n\n"
		"Exit status: 0 on success, 1 on failure (OUT is then untouched), 2 on a\n"
		"usage error.",
	.flags = flags,
};

/*
 * Drops archive entries that are not pprof files at all (metrics.json, a Go
 * execution trace), naming each on stderr. Returns -1 when nothing is left.
 */
static int skip_foreign_entries(pgo_input_list *raw, size_t *arg_of)
{
	size_t kept = 0;
	for (size_t i = 0; i < raw->n; i++) {
		pgo_input *in = &raw->items[i];
		if (in->entry_at && !pgo_looks_like_pprof(in->data, in->size)) {
			fprintf(stderr, "pgotool merge: warning: skipped %s: not a pprof profile\n", in->name);
			free(in->name);
			pgo_input_release(in);
			continue;
		}
		arg_of[kept] = arg_of[i];
		raw->items[kept++] = *in;
	}
	raw->n = kept;
	return kept ? 0 : -1;
}

/* ---- weighted merges ------------------------------------------------- */

/* One INPUT or --weight argument: a file, or a zip whose profiles share it all. */
typedef struct merge_arg {
	const char *path;
	double weight;
	int64_t total;   /* --normalize: the compiler's column over its merged profiles */
	double factor;   /* what its values are multiplied by */
} merge_arg;

/* Splits "W:FILE" at its first ':'; false when W is not a weight. */
static bool parse_weight_arg(const char *text, merge_arg *a)
{
	const char *colon = strchr(text, ':');
	if (!colon || !colon[1] || !weight_parse(text, (size_t)(colon - text), &a->weight))
		return false;
	a->path = colon + 1;
	return true;
}

/* Whether the merge skips this decoded input (an upload's heap profile in a zip). */
static bool skipped_kind(const pgo_input *in, const pgo_profile *p)
{
	pgo_error why;
	return in->entry_at && !opt.any_type && pgo_check_for_compiler(p, in->name, &why) == PGO_ERR_NO_VALUE;
}

/*
 * --normalize: each argument's total of the compiler's column, and the
 * factor that brings it to the largest total before its weight applies.
 * The largest, not a fixed number: values only grow, so none loses
 * resolution to rounding.
 */
static pgo_status normalize(const pgo_input_list *raw, const size_t *arg_of, merge_arg *args, size_t n_args,
                            const pgo_limits *limits, pgo_error *err)
{
	/* The column's values are all it needs: two frames a sample are enough to decode. */
	pgo_decode_options dopt = {.limits = limits, .keep_frames = 1};
	for (size_t i = 0; i < raw->n; i++) {
		const pgo_input *in = &raw->items[i];
		pgo_profile *p = NULL;
		int64_t t = 0;
		pgo_status st = pgo_decode_with(in->data, in->size, in->name, &dopt, &p, err);
		if (!st && !skipped_kind(in, p))
			st = pgo_compiler_total(p, in->name, &t, err);
		pgo_profile_free(p);
		if (st == PGO_ERR_NO_VALUE) {
			char why[sizeof err->message];
			snprintf(why, sizeof why, "%s", err->message);
			return pgo_fail(err, st, "%s; --normalize compares inputs by that column", why);
		}
		if (st)
			return st;
		merge_arg *a = &args[arg_of[i]];
		if (__builtin_add_overflow(a->total, t, &a->total))
			return pgo_fail(err, PGO_ERR_LIMIT, "%s: its profiles' values add up to more than a 64-bit integer holds",
			                a->path);
	}
	int64_t most = 0;
	for (size_t a = 0; a < n_args; a++) {
		if (args[a].total == 0)
			return pgo_fail(err, PGO_ERR_UNUSABLE,
			                "%s: its samples add up to 0, so --normalize cannot scale it to the others; leave it "
			                "out",
			                args[a].path);
		if (args[a].total > most)
			most = args[a].total;
	}
	for (size_t a = 0; a < n_args; a++)
		args[a].factor = args[a].weight * ((double)most / (double)args[a].total);
	return PGO_OK;
}

typedef struct weighted_input {
	pgo_fingerprint fp;
	double factor;
	size_t index;
} weighted_input;

static int by_content_then_factor(const void *a, const void *b)
{
	const weighted_input *x = a, *y = b;
	int c = pgo_fingerprint_cmp(&x->fp, &y->fp);
	if (c)
		return c;
	/* The same content under two weights: where their samples round to 0
	 * differs, and with it which one brings a stack first; fix the order. */
	if (x->factor != y->factor)
		return x->factor < y->factor ? -1 : 1;
	return (x->index > y->index) - (x->index < y->index);
}

/* The canonical order (pgo_canonical_order's), with equal contents ordered by their factors. */
static pgo_status weighted_order(const pgo_input_list *raw, const size_t *arg_of, const merge_arg *args,
                                 size_t *order)
{
	weighted_input *w = calloc(raw->n, sizeof *w);
	if (!w)
		return PGO_ERR_NOMEM;
	for (size_t i = 0; i < raw->n; i++) {
		w[i].factor = args[arg_of[i]].factor;
		w[i].index = i;
		if (pgo_fingerprint_input(raw->items[i].data, raw->items[i].size, &w[i].fp)) {
			free(w);
			return PGO_ERR_NOMEM;
		}
	}
	qsort(w, raw->n, sizeof *w, by_content_then_factor);
	/* Runs of equal CRCs and sizes: the full hashes decide. */
	for (size_t i = 0, j; i < raw->n; i = j) {
		for (j = i + 1; j < raw->n && pgo_fingerprint_cmp(&w[i].fp, &w[j].fp) == 0; j++)
			;
		if (j - i < 2)
			continue;
		for (size_t k = i; k < j; k++) {
			const pgo_input *in = &raw->items[w[k].index];
			if (pgo_fingerprint_refine(in->data, in->size, &w[k].fp)) {
				free(w);
				return PGO_ERR_NOMEM;
			}
		}
		qsort(w + i, j - i, sizeof *w, by_content_then_factor);
	}
	for (size_t i = 0; i < raw->n; i++)
		order[i] = w[i].index;
	free(w);
	return PGO_OK;
}

/* What the prefetching decoder needs to decode the i-th input in the merge's order. */
typedef struct decode_job {
	pgo_input_list *raw;
	const size_t *order;
	const pgo_limits *limits;
} decode_job;

/* Decodes (and decompresses) one input, then drops its bytes. */
static pgo_status decode_one(void *ctx, size_t i, void **item, pgo_error *err)
{
	decode_job *job = ctx;
	pgo_input *in = &job->raw->items[job->order[i]];
	pgo_profile *p = NULL;
	pgo_status st = pgo_decode(in->data, in->size, in->name, job->limits, &p, err);
	pgo_input_release(in);
	*item = p;
	return st;
}

static void free_profile(void *p)
{
	pgo_profile_free(p);
}

static int run(int argc, char **argv)
{
	flag_list inputs = {0};
	char message[256];
	int rc = EXIT_FAILURE_;
	pgo_error err = {0};
	pgo_input_list raw = {0};
	const char **noinline = NULL;
	const uint8_t **datas = NULL;
	size_t *sizes = NULL, *order = NULL;
	pgo_merger *merger = NULL;
	pgo_profile *merged = NULL;
	uint8_t *out = NULL;
	size_t out_size = 0, skipped = 0;
	merge_arg *args = NULL;
	size_t n_args = 0, *arg_of = NULL;
	prefetch pf = {0};

	memset(&opt, 0, sizeof opt);
	opt.keep_if_unchanged = -1;
	int parsed = flags_parse(merge_flags, argc, argv, &inputs, message, sizeof message);
	if (parsed > 0) {
		cli_print_help(&cmd_merge, stdout);
		rc = EXIT_OK;
		goto done;
	}
	if (parsed < 0) {
		rc = cli_usage_error(&cmd_merge, message);
		goto done;
	}
	if (inputs.n + opt.weights.n == 0) {
		rc = cli_usage_error(&cmd_merge, "no input profiles");
		goto done;
	}
	unsigned threads = opt.threads ? (unsigned)opt.threads : cli_threads();
	if (!threads) {
		rc = cli_usage_error(&cmd_merge, "PGOTOOL_THREADS must be a whole number from 1 to 1024");
		goto done;
	}
	bool weighted = opt.weights.n > 0 || opt.normalize;
	args = calloc(inputs.n + opt.weights.n, sizeof *args);
	if (!args)
		goto oom;
	for (size_t i = 0; i < inputs.n; i++)
		args[n_args++] = (merge_arg){.path = inputs.items[i], .weight = 1, .factor = 1};
	for (size_t i = 0; i < opt.weights.n; i++, n_args++)
		if (!parse_weight_arg(opt.weights.items[i], &args[n_args])) {
			snprintf(message, sizeof message, "--weight %s: want W:FILE, W %s", opt.weights.items[i],
			         WEIGHT_EXPECTED);
			rc = cli_usage_error(&cmd_merge, message);
			goto done;
		} else
			args[n_args].factor = args[n_args].weight;
	if (opt.keep_if_unchanged >= 0 && (!opt.output || !strcmp(opt.output, "-"))) {
		rc = cli_usage_error(&cmd_merge, "--keep-if-unchanged needs -o OUT: it compares with OUT's profile");
		goto done;
	}
	pgo_limits limits;
	pgo_limits_default(&limits);
	for (size_t a = 0; a < n_args; a++) {
		size_t before = raw.n;
		if (pgo_read_inputs(args[a].path, limits.max_decompressed_bytes, true, &raw, &err))
			goto fail;
		size_t *grown = realloc(arg_of, (raw.n ? raw.n : 1) * sizeof *arg_of);
		if (!grown)
			goto oom;
		arg_of = grown;
		for (size_t i = before; i < raw.n; i++)
			arg_of[i] = a;
	}
	if (skip_foreign_entries(&raw, arg_of)) {
		err.status = PGO_ERR_EMPTY;
		snprintf(err.message, sizeof err.message, "no profiles to merge: every input was skipped");
		goto fail;
	}

	/* Merge in an order fixed by the inputs' bytes, so that the output does
	 * not depend on the order of the arguments. */
	datas = calloc(raw.n, sizeof *datas);
	sizes = calloc(raw.n, sizeof *sizes);
	order = calloc(raw.n, sizeof *order);
	noinline = cli_noinline_names(opt.no_noinline, &opt.noinline);
	if (!datas || !sizes || !order || (!opt.no_noinline && !noinline))
		goto oom;
	for (size_t i = 0; i < raw.n; i++) {
		datas[i] = raw.items[i].data;
		sizes[i] = raw.items[i].size;
	}
	if (weighted) {
		if (opt.normalize && normalize(&raw, arg_of, args, n_args, &limits, &err))
			goto fail;
		if (weighted_order(&raw, arg_of, args, order))
			goto oom;
	} else if (pgo_canonical_order(datas, sizes, raw.n, order))
		goto oom;

	pgo_merge_options mo = {.keep_labels = opt.keep_labels, .noinline = noinline};
	if (pgo_merger_new(&mo, &merger, &err))
		goto fail;
	/* Input i+1 decodes on a second thread while input i merges; one
	 * decoded input ahead at most keeps peak memory near the output's size. */
	decode_job job = {.raw = &raw, .order = order, .limits = &limits};
	prefetch_start(&pf, raw.n, threads, decode_one, free_profile, &job);
	for (size_t i = 0; i < raw.n; i++) {
		pgo_input *in = &raw.items[order[i]];
		double factor = args[arg_of[order[i]]].factor;
		void *item;
		if (prefetch_next(&pf, &item, &err))
			goto fail;
		pgo_profile *p = item;
		/* An upload's other profiles sit beside its cpu.pprof in a download. */
		pgo_error why;
		if (in->entry_at && !opt.any_type && pgo_check_for_compiler(p, in->name, &why) == PGO_ERR_NO_VALUE) {
			fprintf(stderr, "pgotool merge: warning: skipped %s\n", why.message);
			pgo_profile_free(p);
			skipped++;
			continue;
		}
		pgo_status st = weighted ? pgo_merger_add_scaled(merger, p, in->name, factor, &err)
		                         : pgo_merger_add(merger, p, in->name, &err);
		pgo_profile_free(p);
		if (st)
			goto fail;
	}
	prefetch_end(&pf);
	if (skipped == raw.n) {
		err.status = PGO_ERR_UNUSABLE;
		snprintf(err.message, sizeof err.message,
		         "no CPU profiles among the inputs; use --any-type to merge other kinds of profiles");
		goto fail;
	}
	if (pgo_merger_finish(merger, &merged, &err))
		goto fail;
	/* its indexes are as big as the profile: free them before encoding */
	pgo_merger_free(merger);
	merger = NULL;
	if (!opt.any_type) {
		pgo_status st = pgo_check_for_compiler(merged, "the merged profile", &err);
		if (st == PGO_ERR_EMPTY)
			fprintf(stderr, "pgotool merge: warning: %s\n", err.message);
		else if (st) {
			size_t len = strlen(err.message);
			snprintf(err.message + len, sizeof err.message - len, "; refusing to write it (--any-type merges it anyway)");
			goto fail;
		}
	}
	if (opt.compact) {
		pgo_profile *compact = NULL;
		if (pgo_compact(merged, &compact, &err)) {
			rc = cli_fail_in(&cmd_merge, "cannot compact the merged profile", &err);
			goto done;
		}
		pgo_profile_free(merged);
		merged = compact;
	}
	keep_verdict keep = {0};
	if (opt.keep_if_unchanged >= 0) {
		if (keep_check(opt.output, merged, opt.keep_if_unchanged, &keep, &err))
			goto fail;
		if (keep.keep) {
			fprintf(stderr, "pgotool merge: kept %s as it is: %s\n", opt.output, keep.reason);
			rc = EXIT_OK;
			goto done;
		}
	}
	if (pgo_encode_threads(merged, opt.level ? (int)opt.level : CLI_DEFAULT_LEVEL,
	                       cli_gzip_threads(threads), &out, &out_size, &err) ||
	    cli_write_output(opt.output, out, out_size, true, &err))
		goto fail;
	if (opt.keep_if_unchanged >= 0)
		fprintf(stderr, "pgotool merge: %s %s: %s\n", keep.existed ? "replaced" : "wrote", opt.output, keep.reason);
	rc = EXIT_OK;
	goto done;
oom:
	err.status = PGO_ERR_NOMEM;
	snprintf(err.message, sizeof err.message, "out of memory");
fail:
	rc = cli_fail(&cmd_merge, &err);
done:
	prefetch_end(&pf);
	pgo_merger_free(merger);
	free(datas);
	free(sizes);
	free(order);
	free(args);
	free(arg_of);
	free(noinline);
	pgo_profile_free(merged);
	free(out);
	pgo_input_list_free(&raw);
	flag_list_free(&inputs);
	flag_list_free(&opt.noinline);
	flag_list_free(&opt.weights);
	return rc;
}
