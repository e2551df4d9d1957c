/* pgotool merge: many profiles in, one default.pgo out. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "input.h"

static struct {
	const char *output;
	bool compact, keep_labels, no_noinline;
	flag_list noinline;
} opt;

static const flag_def merge_flags[] = {
	{"output", 'o', FLAG_STRING, &opt.output, "FILE", "write to FILE (atomically) instead of stdout"},
	{"compact", 0, FLAG_BOOL, &opt.compact, NULL,
	 "write the smallest profile with the same compiler edge map"},
	{"keep-labels", 0, FLAG_BOOL, &opt.keep_labels, NULL, "keep sample labels (dropped by default)"},
	{"noinline", 0, FLAG_LIST, &opt.noinline, "NAME",
	 "also protect function NAME from inlining (repeatable)"},
	{"no-noinline", 0, FLAG_BOOL, &opt.no_noinline, NULL, "do not rename any function"},
	{NULL, 0, 0, NULL, NULL, NULL},
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
	.synopsis = "pgotool merge [-o OUT] [--compact] [--keep-labels] [--noinline NAME]... [--no-noinline] INPUT...",
	.description =
		"Merges CPU profiles the way `go tool pprof -proto` does, and writes one gzip\n"
		"pprof. An INPUT is a pprof file (raw, gzip or zstd), a zip archive of\n"
		"pprofs, or - for standard input. The output depends only on the set of\n"
		"inputs, not their order.\n\n"
		"Like datadog-pgo, merge drops sample labels and renames functions that must\n"
		"not be inlined when they are a sample's leaf frame, to \"DO NOT INLINE: NAME\":\n"
		"google.golang.org/grpc/internal/transport.(*loopyWriter).processData\n"
		"(golang/go#65532) and runtime.gopark (golang/go#74045).\n\n"
		"With --compact the output keeps only what the Go compiler reads: one\n"
		"two-frame sample per call edge. `go tool preprofile` prints the same for\n"
		"it as for the full merge, so builds are identical, and it is far smaller.\n\n"
		"Exit status: 0 on success, 1 on failure (OUT is then untouched), 2 on a\n"
		"usage error.",
	.flags = flags,
};

static int run(int argc, char **argv)
{
	flag_list inputs = {0};
	char message[256];
	int rc = EXIT_FAILURE_;
	pgo_error err = {0};
	pgo_input_list raw = {0};
	pgo_profile **profiles = NULL;
	const char **names = NULL;
	const char **noinline = NULL;
	pgo_profile *merged = NULL;
	uint8_t *out = NULL;
	size_t out_size = 0;
	size_t n_profiles = 0;

	memset(&opt, 0, sizeof opt);
	if (flags_parse(merge_flags, argc, argv, &inputs, message, sizeof message)) {
		rc = cli_usage_error(&cmd_merge, message);
		goto done;
	}
	if (inputs.n == 0) {
		rc = cli_usage_error(&cmd_merge, "no input profiles");
		goto done;
	}
	pgo_limits limits;
	pgo_limits_default(&limits);
	for (size_t i = 0; i < inputs.n; i++)
		if (pgo_read_inputs(inputs.items[i], limits.max_decompressed_bytes, &raw, &err))
			goto fail;

	profiles = calloc(raw.n, sizeof *profiles);
	names = calloc(raw.n + 1, sizeof *names);
	if (!profiles || !names)
		goto oom;
	for (size_t i = 0; i < raw.n; i++) {
		names[i] = raw.items[i].name;
		if (pgo_decode(raw.items[i].data, raw.items[i].size, raw.items[i].name, &limits, &profiles[i], &err))
			goto fail;
		n_profiles++;
		/* The bytes are not needed once decoded; free them early for peak memory. */
		free(raw.items[i].data);
		raw.items[i].data = NULL;
	}

	if (!opt.no_noinline) {
		size_t n_default = 0;
		while (pgo_default_noinline[n_default])
			n_default++;
		noinline = calloc(n_default + opt.noinline.n + 1, sizeof *noinline);
		if (!noinline)
			goto oom;
		memcpy(noinline, pgo_default_noinline, n_default * sizeof *noinline);
		memcpy(noinline + n_default, opt.noinline.items, opt.noinline.n * sizeof *noinline);
	}
	pgo_merge_options mo = {.keep_labels = opt.keep_labels, .noinline = noinline, .names = names};
	if (pgo_merge(profiles, n_profiles, &mo, &merged, &err))
		goto fail;
	for (size_t i = 0; i < n_profiles; i++) {
		pgo_profile_free(profiles[i]);
		profiles[i] = NULL;
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
	if (pgo_encode(merged, 6, &out, &out_size, &err) ||
	    cli_write_output(opt.output, out, out_size, true, &err))
		goto fail;
	rc = EXIT_OK;
	goto done;
oom:
	err.status = PGO_ERR_NOMEM;
	snprintf(err.message, sizeof err.message, "out of memory");
fail:
	rc = cli_fail(&cmd_merge, &err);
done:
	for (size_t i = 0; profiles && i < raw.n; i++)
		pgo_profile_free(profiles[i]);
	free(profiles);
	free(names);
	free(noinline);
	pgo_profile_free(merged);
	free(out);
	pgo_input_list_free(&raw);
	flag_list_free(&inputs);
	flag_list_free(&opt.noinline);
	return rc;
}
