/* Weights of weighted merges, as users write them on the command line. */
#ifndef PGO_CLI_WEIGHT_H
#define PGO_CLI_WEIGHT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Parses the len bytes at s as a weight: a positive decimal number, digits
 * with an optional fraction ("2", "0.5", "1.25", ".5"). No sign, exponent,
 * "nan" or "inf"; 0 and numbers too large for a double are refused.
 */
bool weight_parse(const char *s, size_t len, double *out);

/* What a weight looks like, for usage errors. */
#define WEIGHT_EXPECTED "a positive decimal number such as 2, 0.5 or 1.25"

/*
 * Where a weight suffix starts in a fetch QUERY: the offset of its last '@'
 * when what follows looks like a number (digits, '.', signs, e or E, and at
 * least one digit), else len. "service:api@2" has one; a query that ends in
 * an attribute, "@metrics.core_cpu_cores:>1", has none.
 */
size_t weight_suffix_at(const char *query, size_t len);

#endif
