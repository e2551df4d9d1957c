/* The closest known name to a typo; see suggest.h. */
#include "suggest.h"

#include <string.h>

#define MAX_NAME 64

/* Optimal string alignment distance (Damerau-Levenshtein without repeated
 * edits of one substring): a swapped pair of letters is one edit. */
static size_t distance(const char *a, size_t la, const char *b, size_t lb)
{
	size_t d[MAX_NAME + 1][MAX_NAME + 1];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < best)
				best = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[la][lb];
}

const char *suggest(const char *given, size_t len, const char *const *names, size_t n)
{
	if (len == 0 || len > MAX_NAME)
		return NULL;
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	for (size_t i = 0; i < n; i++) {
		size_t ln = strlen(names[i]);
		if (ln > MAX_NAME)
			continue;
		size_t d = distance(given, len, names[i], ln);
		size_t most = ln <= 4 ? 1 : ln <= 8 ? 2 : 3;
		if (d <= most && d < best_d) {
			best = names[i];
			best_d = d;
		}
	}
	return best;
}
