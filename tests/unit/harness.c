#include "harness.h"

int harness_passed, harness_failed;

int harness_run(const char *suite, const harness_fn *tests, const char *const *names, int n)
{
	(void)names;
	for (int i = 0; i < n; i++) {
		int before = harness_failed;
		tests[i]();
		if (harness_failed != before)
			fprintf(stderr, "%s: test %d failed\n", suite, i + 1);
	}
	printf("%s: %d passed, %d failed\n", suite, harness_passed, harness_failed);
	return harness_failed ? 1 : 0;
}
