/* A minimal unit-test harness: CHECK records failures and goes on. */
#ifndef PGO_TEST_HARNESS_H
#define PGO_TEST_HARNESS_H
#include <stdio.h>

extern int harness_passed, harness_failed;

#define CHECK(cond) do { \
	if (cond) harness_passed++; \
	else { harness_failed++; fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define CHECK_OK(expr) do { \
	pgo_error check_err_ = {0}; (void)check_err_; \
	int check_st_ = (expr); \
	if (check_st_ == 0) harness_passed++; \
	else { harness_failed++; fprintf(stderr, "%s:%d: %s returned %d\n", __FILE__, __LINE__, #expr, check_st_); } \
} while (0)

typedef void (*harness_fn)(void);
int harness_run(const char *suite, const harness_fn *tests, const char *const *names, int n);
#define RUN_TESTS(suite, ...) do { \
	harness_fn fns_[] = {__VA_ARGS__}; \
	const char *names_[] = {#__VA_ARGS__}; \
	return harness_run(suite, fns_, names_, (int)(sizeof fns_ / sizeof fns_[0])); \
} while (0)

#endif
