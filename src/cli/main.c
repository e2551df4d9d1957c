/* pgotool: the command table and top-level options. */
/* madvise and MADV_HUGEPAGE are outside strict POSIX. */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <string.h>
#if defined(__GLIBC__)
#include <malloc.h>
#include <stdint.h>
#include <sys/mman.h>
#endif

#include "cli.h"
#include "suggest.h"

/* Every subcommand, in the order `pgotool --help` lists them. */
static const command *const commands[] = {
	&cmd_fetch,
	&cmd_status,
	&cmd_merge,
	&cmd_edges,
	&cmd_inspect,
	&cmd_diff,
	&cmd_serve,
};
#define N_COMMANDS (sizeof commands / sizeof *commands)

static const command *find_command(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

/* "; did you mean 'merge'?" for a mistyped command, or "". */
static void did_you_mean(const char *given, char *out, size_t n)
{
	const char *names[N_COMMANDS + 2];
	for (size_t i = 0; i < N_COMMANDS; i++)
		names[i] = commands[i]->name;
	names[N_COMMANDS] = "help";
	names[N_COMMANDS + 1] = "version";
	const char *s = suggest(given, strlen(given), names, N_COMMANDS + 2);
	if (s)
		snprintf(out, n, "; did you mean '%s'?", s);
	else
		out[0] = '\0';
}

static void print_usage(FILE *f)
{
	fprintf(f, "usage: pgotool [--version] [--help] COMMAND [ARGS]\n\n"
	           "Continuous profile-guided optimization for Go: merge production CPU\n"
	           "profiles into the default.pgo that `go build` uses.\n\n"
	           "Commands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(f, "\nRun 'pgotool help COMMAND' or 'pgotool COMMAND --help' for a command's options.\n");
}

void cli_print_help(const command *cmd, FILE *f)
{
	fprintf(f, "usage: %s\n\n%s\n", cmd->synopsis, cmd->description);
	if (cmd->flags) {
		fprintf(f, "\nOptions:\n");
		flags_print_help(cmd->flags(), f);
	}
}

int cli_usage_error(const command *cmd, const char *message)
{
	fprintf(stderr, "pgotool %s: %s\nusage: %s\nRun 'pgotool %s --help' for more.\n", cmd->name, message,
	        cmd->synopsis, cmd->name);
	return EXIT_USAGE;
}

int cli_fail(const command *cmd, const pgo_error *err)
{
	fprintf(stderr, "pgotool %s: error: %s\n", cmd->name, err->message);
	return EXIT_FAILURE_;
}

int cli_fail_in(const command *cmd, const char *context, const pgo_error *err)
{
	fprintf(stderr, "pgotool %s: error: %s: %s\n", cmd->name, context, err->message);
	return EXIT_FAILURE_;
}

/*
 * A run allocates and frees a few large buffers in turn (the decompressed
 * input, the decoded profile, the edge graph). glibc would hand each one
 * back to the kernel and fault fresh pages in for the next, one 4 KiB page
 * at a time, which is slow in a VM. Instead the heap keeps freed memory,
 * and its first 192 MiB of address space is reserved up front and marked
 * for transparent huge pages: nothing is touched until used, and then a
 * fault brings in 2 MiB. This halves the system time of `pgotool edges`.
 * Not for serve, which would keep every arena's peak for good.
 */
static void tune_allocator(void)
{
#if defined(__GLIBC__)
	const size_t reserve = (size_t)192 << 20, huge = (size_t)2 << 20;
	mallopt(M_MMAP_THRESHOLD, 256 << 20);
	mallopt(M_TRIM_THRESHOLD, 1 << 30);
	mallopt(M_TOP_PAD, 16 << 20);
	char *p = malloc(reserve);
	if (!p)
		return;
	uintptr_t start = ((uintptr_t)p + huge - 1) & ~(uintptr_t)(huge - 1);
	uintptr_t end = ((uintptr_t)p + reserve) & ~(uintptr_t)(huge - 1);
	if (end > start)
		madvise((void *)start, end - start, MADV_HUGEPAGE);
	free(p);
#endif
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	const char *first = argv[1];
	if (!strcmp(first, "--help") || !strcmp(first, "-help") || !strcmp(first, "-h")) {
		print_usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(first, "--version") || !strcmp(first, "-version") || !strcmp(first, "version")) {
		printf("pgotool %s\n", PGO_VERSION);
		return EXIT_OK;
	}
	if (!strcmp(first, "help")) {
		if (argc < 3) {
			print_usage(stdout);
			return EXIT_OK;
		}
		const command *cmd = find_command(argv[2]);
		if (!cmd) {
			char hint[64];
			did_you_mean(argv[2], hint, sizeof hint);
			fprintf(stderr, "pgotool: unknown command '%s'%s\n", argv[2], hint);
			return EXIT_USAGE;
		}
		cli_print_help(cmd, stdout);
		return EXIT_OK;
	}
	const command *cmd = find_command(first);
	if (!cmd) {
		char hint[64];
		did_you_mean(first, hint, sizeof hint);
		fprintf(stderr, "pgotool: unknown command '%s'%s\n\n", first, hint);
		print_usage(stderr);
		return EXIT_USAGE;
	}
	/* A server's freed memory must go back to the kernel; a one-shot run's need not. */
	if (!cmd->server)
		tune_allocator();
	return cmd->run(argc - 2, argv + 2);
}
