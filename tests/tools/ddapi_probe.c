/*
 * ddapi_probe: what src/ddapi makes of inputs that must match Go exactly;
 * tests/cli/t0400-ddapi-go.sh compares its output with tests/go/cmd/apiprobe.
 *
 *     ddapi_probe request NOW_UNIX_NS WINDOW LIMIT QUERY...
 *     ddapi_probe duration TEXT...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddapi.h"
#include "timefmt.h"

int main(int argc, char **argv)
{
	if (argc >= 5 && !strcmp(argv[1], "request")) {
		int64_t now = strtoll(argv[2], NULL, 10), window;
		if (go_duration_parse(argv[3], &window)) {
			fprintf(stderr, "ddapi_probe: bad window %s\n", argv[3]);
			return 2;
		}
		size_t n = (size_t)(argc - 5);
		dd_search *s = calloc(n + 1, sizeof *s);
		for (size_t i = 0; s && i < n; i++)
			if (dd_search_for_go(argv[5 + i], now, window, strtoll(argv[4], NULL, 10), &s[i]))
				return 1;
		char *body = s ? dd_gopgo_request(s, n) : NULL;
		if (!body)
			return 1;
		printf("%s\n", body);
		free(body);
		for (size_t i = 0; i < n; i++)
			dd_search_free(&s[i]);
		free(s);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "duration")) {
		for (int i = 2; i < argc; i++) {
			int64_t ns;
			char text[64];
			if (go_duration_parse(argv[i], &ns)) {
				printf("error\n");
				continue;
			}
			go_duration_format(ns, text, sizeof text);
			printf("%lld %s\n", (long long)ns, text);
		}
		return 0;
	}
	fprintf(stderr, "usage: ddapi_probe request NOW_NS WINDOW LIMIT QUERY... | ddapi_probe duration TEXT...\n");
	return 2;
}
