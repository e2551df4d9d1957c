/* Shared pieces of the pgotool subcommands. */
#ifndef PGO_CLI_H
#define PGO_CLI_H

#include <stdio.h>

#include "flags.h"
#include "pgo.h"

enum { EXIT_OK = 0, EXIT_FAILURE_ = 1, EXIT_USAGE = 2 };

typedef struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
	const char *synopsis;             /* "pgotool merge [OPTIONS] INPUT..." */
	const char *description;          /* a paragraph for --help */
	const flag_def *(*flags)(void);   /* for --help; may be NULL */
	bool server;                      /* runs for long, in many threads: keeps glibc's allocator policy */
} command;

extern const command cmd_merge;
extern const command cmd_edges;
extern const command cmd_diff;
extern const command cmd_inspect;
extern const command cmd_serve;
extern const command cmd_fetch;
extern const command cmd_status;

/* Prints "pgotool CMD: message" and a usage hint; returns EXIT_USAGE. */
int cli_usage_error(const command *cmd, const char *message);
/* Prints "pgotool CMD: error message"; returns EXIT_FAILURE_. */
int cli_fail(const command *cmd, const pgo_error *err);
/* The same, with context before the message ("cannot compact: ..."). */
int cli_fail_in(const command *cmd, const char *context, const pgo_error *err);
void cli_print_help(const command *cmd, FILE *f);

/* The noinline names: the defaults plus extra, NULL-terminated (free the
 * array, not the names); NULL when none is wanted or out of memory. */
const char **cli_noinline_names(bool none, const flag_list *extra);

/* The output's gzip level when --level is not given: 6 takes a fifth of
 * level 9's CPU and a ninth of 12's, for a file 1% and 3% larger
 * (docs/benchmarks.md, "Output compression level"). */
#define CLI_DEFAULT_LEVEL 6
#define CLI_LEVEL_HELP "gzip level of the output, 1 (fastest) to 12 (smallest); default 6: the levels above " \
	"take up to 9x its time for a file at most 3% smaller"
/* The threads merge and fetch use: PGOTOOL_THREADS when set (a whole
 * number from 1 to CLI_MAX_THREADS), else the online CPUs; 0 when
 * PGOTOOL_THREADS is set to anything else. With 2 or more, the next input
 * decodes while one merges. The output's bytes do not depend on it. */
#define CLI_MAX_THREADS 1024
unsigned cli_threads(void);
/* Of those, the threads that compress the output: at most PGO_GZIP_MAX_THREADS. */
int cli_gzip_threads(unsigned threads);

/* Writes data to path atomically, or to stdout when path is NULL or "-". */
pgo_status cli_write_output(const char *path, const void *data, size_t size, bool binary, pgo_error *err);

#endif
