/*
 * Command-line flags in the style of Go's flag package, which users know
 * from go tools and datadog-pgo: -name and --name are the same flag, values
 * follow as -name=value or -name value, and booleans take -name or
 * -name=false. Unlike Go, flags may follow positional arguments; "--" ends
 * them and "-" alone is a positional argument (standard input).
 */
#ifndef PGO_FLAGS_H
#define PGO_FLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Kinds, and their targets:
 *  - FLAG_BOOL (bool), FLAG_STRING (const char *), FLAG_LIST (flag_list);
 *  - FLAG_INT (int64_t): a whole number as Go's flag package reads one
 *    (0x, 0o, 0b prefixes), within [min, max];
 *  - FLAG_SIZE (size_t): bytes, with K, M, G or T (binary, "64M", "1GiB"),
 *    within [min, max];
 *  - FLAG_DURATION (int64_t, ns): a Go duration ("72h", "1m30s"), or a
 *    number of days ("7d"), within [min, max];
 *  - FLAG_ENUM (const char *): one of choices;
 *  - FLAG_FLOAT (double): a finite decimal number, within [min, max]
 *    counted in millionths (0 and 1000000 for 0 to 1).
 * A value out of bounds or of the wrong form is a usage error that names
 * the flag and what it takes. min = max = 0 means no bound.
 *
 * A flag of any kind but FLAG_ENUM and FLAG_BOOL may have an implicit
 * value, given as FLAG_IMPLICIT("0.95") in place of choices: it takes it
 * when it stands bare, as Go's boolean flags take "true". -name means
 * -name=IMPLICIT, -name=V sets V, and the argument after a bare -name is
 * never its value.
 */
typedef enum flag_kind {
	FLAG_BOOL, FLAG_STRING, FLAG_LIST, FLAG_INT, FLAG_SIZE, FLAG_DURATION, FLAG_ENUM, FLAG_FLOAT
} flag_kind;

typedef struct flag_list {
	const char **items;
	size_t n, cap;
} flag_list;

typedef struct flag_def {
	const char *name;   /* long name, without dashes */
	char short_name;    /* one-letter alias, or 0 */
	flag_kind kind;
	void *target;       /* bool *, const char **, or flag_list * */
	const char *arg;    /* the value's name in help, e.g. "FILE" */
	const char *help;
	int64_t min, max;   /* FLAG_INT, FLAG_SIZE, FLAG_DURATION */
	const char *const *choices; /* FLAG_ENUM, NULL-terminated; else NULL or the implicit value */
} flag_def;

#define FLAG_IMPLICIT(value) .choices = (const char *const[]){(value), NULL}

/*
 * Parses argv (without the command name) against defs, terminated by an
 * entry with a NULL name. Positional arguments are collected in order into
 * *positional (pointers into argv). Returns 0; 1 when -h, -help or --help
 * stands where a flag may (not as a flag's value); or -1 after writing one
 * line to *message on a usage error.
 */
int flags_parse(const flag_def *defs, int argc, char **argv, flag_list *positional,
                char *message, size_t message_size);

/*
 * As flags_parse, but exactly as Go's flag package parses: the first
 * positional argument ends the flags, and everything after it is
 * positional, however it looks. For drop-in replacements of Go tools,
 * whose users' command lines must mean what they meant there.
 */
int flags_parse_go(const flag_def *defs, int argc, char **argv, flag_list *positional,
                   char *message, size_t message_size);

void flags_print_help(const flag_def *defs, void *stream);
void flag_list_free(flag_list *list);

#endif
