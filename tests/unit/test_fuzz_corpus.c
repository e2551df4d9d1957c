/*
 * The fuzz target's properties (tests/fuzz/fuzz_decode.c) on every file of
 * the seed corpus, without libFuzzer: a regression check that runs in every
 * ctest run, and under ASan/UBSan in the sanitizer build. A broken property
 * aborts; the file being run is named first.
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#include "../fuzz/fuzz_decode.c"

static const char *current;

static void on_abort(int sig)
{
	static const char msg[] = "test_fuzz_corpus: aborted while running ";
	if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0 ||
	    write(STDERR_FILENO, current, strlen(current)) < 0 || write(STDERR_FILENO, "\n", 1) < 0)
		_exit(134);
	signal(sig, SIG_DFL);
	raise(sig);
}

static char corpus_dir[4096];

/* tests/fuzz/corpus: beside $PGO_TESTDATA (tests/data, which need not
 * exist), or else relative to this source file. */
static void find_corpus(void)
{
	const char *data = getenv("PGO_TESTDATA");
	if (data && strlen(data) < sizeof corpus_dir - 32) {
		snprintf(corpus_dir, sizeof corpus_dir, "%s", data);
		char *slash = strrchr(corpus_dir, '/');
		if (slash) {
			strcpy(slash, "/fuzz/corpus");
			if (access(corpus_dir, R_OK) == 0)
				return;
		}
	}
	snprintf(corpus_dir, sizeof corpus_dir, "%s", __FILE__);
	char *slash = strrchr(corpus_dir, '/');
	if (slash)
		slash[1] = '\0';
	else
		corpus_dir[0] = '\0';
	strncat(corpus_dir, "../fuzz/corpus", sizeof corpus_dir - strlen(corpus_dir) - 1);
}

static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);
	for (;;) {
		if (!buf)
			break;
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		uint8_t *nb = realloc(buf, cap * 2);
		if (!nb) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	fclose(f);
	*size = n;
	return buf;
}

static void test_corpus(void)
{
	find_corpus();
	DIR *dir = opendir(corpus_dir);
	CHECK(dir != NULL);
	if (!dir) {
		fprintf(stderr, "test_fuzz_corpus: cannot open %s\n", corpus_dir);
		return;
	}
	int files = 0, good = 0;
	struct dirent *de;
	char path[8192];
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", corpus_dir, de->d_name);
		size_t size = 0;
		uint8_t *data = read_file(path, &size);
		CHECK(data != NULL);
		if (!data)
			continue;
		current = path;
		LLVMFuzzerTestOneInput(data, size);
		/* count the inputs that decode, to make sure the valid seeds are valid */
		pgo_profile *p = NULL;
		pgo_limits limits;
		tight_limits(&limits);
		if (pgo_decode(data, size, NAME, &limits, &p, NULL) == PGO_OK)
			good++;
		pgo_profile_free(p);
		free(data);
		files++;
	}
	closedir(dir);
	/* the corpus holds valid profiles as well as broken ones */
	CHECK(files >= 10);
	CHECK(good >= 5);
	CHECK(good < files);
}

int main(void)
{
	signal(SIGABRT, on_abort);
	RUN_TESTS("fuzz_corpus", test_corpus);
}
