/* pgotool edges: the compiler's view of a profile, as go tool preprofile prints it. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "input.h"

static struct {
	const char *output;
} opt;

static const flag_def edges_flags[] = {
	{"output", 'o', FLAG_STRING, &opt.output, "FILE", "write to FILE (atomically) instead of stdout", 0, 0, NULL},
	{NULL, 0, 0, NULL, NULL, NULL, 0, 0, NULL},
};

static const flag_def *flags(void)
{
	return edges_flags;
}

static int run(int argc, char **argv);

const command cmd_edges = {
	.name = "edges",
	.run = run,
	.summary = "print the call edges the Go compiler takes from a profile",
	.synopsis = "pgotool edges [-o OUT] FILE",
	.description =
		"Prints the named call-edge map that the Go compiler builds from a PGO\n"
		"profile, in the format of `go tool preprofile` (and byte for byte what it\n"
		"prints): a \"GO PREPROFILE V1\" line, then caller, callee, and \"offset\n"
		"weight\" for each edge, heaviest first. FILE is a pprof file (raw, gzip or\n"
		"zstd) or - for standard input. Two profiles with the same edges give\n"
		"identical builds.",
	.flags = flags,
};

static int run(int argc, char **argv)
{
	flag_list args = {0};
	char message[256];
	int rc = EXIT_FAILURE_;
	pgo_error err = {0};
	pgo_input_list raw = {0};
	pgo_profile *p = NULL;
	pgo_edges edges = {0};
	char *text = NULL;
	size_t text_size = 0;

	memset(&opt, 0, sizeof opt);
	int parsed = flags_parse(edges_flags, argc, argv, &args, message, sizeof message);
	if (parsed > 0) {
		cli_print_help(&cmd_edges, stdout);
		rc = EXIT_OK;
		goto done;
	}
	if (parsed < 0) {
		rc = cli_usage_error(&cmd_edges, message);
		goto done;
	}
	if (args.n != 1) {
		rc = cli_usage_error(&cmd_edges, args.n ? "give exactly one FILE" : "no input profile");
		goto done;
	}
	pgo_limits limits;
	pgo_limits_default(&limits);
	if (pgo_read_inputs(args.items[0], limits.max_decompressed_bytes, true, &raw, &err))
		goto fail;
	if (raw.n != 1) {
		err.status = PGO_ERR_ARGUMENT;
		snprintf(err.message, sizeof err.message, "%s: %zu profiles (a zip archive or a directory); merge them first",
		         args.items[0], raw.n);
		goto fail;
	}
	/* The compiler reads only a sample's leaf and its caller. */
	pgo_decode_options dopt = {.limits = &limits, .keep_frames = 2};
	pgo_status st = pgo_decode_with(raw.items[0].data, raw.items[0].size, raw.items[0].name, &dopt, &p, &err);
	if (st == PGO_ERR_EMPTY) {
		/* The compiler treats an empty file as a profile with no samples. */
		p = pgo_profile_new();
		if (!p) {
			snprintf(err.message, sizeof err.message, "out of memory");
			goto fail;
		}
	} else if (st) {
		goto fail;
	}
	if (pgo_edges_compute(p, &edges, &err) || pgo_edges_format(p, &edges, &text, &text_size, &err) ||
	    cli_write_output(opt.output, text, text_size, false, &err)) {
		rc = cli_fail_in(&cmd_edges, raw.items[0].name, &err);
		goto done;
	}
	rc = EXIT_OK;
	goto done;
fail:
	rc = cli_fail(&cmd_edges, &err);
done:
	free(text);
	pgo_edges_free(&edges);
	pgo_profile_free(p);
	pgo_input_list_free(&raw);
	flag_list_free(&args);
	return rc;
}
