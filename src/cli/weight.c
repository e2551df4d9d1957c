/* Weights of weighted merges, as users write them on the command line. */
#include "weight.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

bool weight_parse(const char *s, size_t len, double *out)
{
	size_t digits = 0, dots = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else if (s[i] == '.' && dots == 0)
			dots++;
		else
			return false;
	}
	if (digits == 0 || len > 64)
		return false;
	char buf[65];
	memcpy(buf, s, len);
	buf[len] = '\0';
	/* Only digits and one '.' reach strtod: no locale or hex forms apply. */
	double w = strtod(buf, NULL);
	if (!isfinite(w) || !(w > 0))
		return false;
	*out = w;
	return true;
}

size_t weight_suffix_at(const char *query, size_t len)
{
	const char *at = NULL;
	for (size_t i = len; i-- > 0;)
		if (query[i] == '@') {
			at = query + i;
			break;
		}
	if (!at)
		return len;
	size_t n = (size_t)(query + len - at - 1), digits = 0;
	for (size_t i = 1; i <= n; i++) {
		char c = at[i];
		if (c >= '0' && c <= '9')
			digits++;
		else if (!c || !strchr(".+-eE", c))
			return len;
	}
	return digits ? (size_t)(at - query) : len;
}
