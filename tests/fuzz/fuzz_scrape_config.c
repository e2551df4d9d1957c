/*
 * libFuzzer target for the scrape targets file (scrape_config.c, libyaml):
 * the input is the file. Properties: it is accepted or refused with a
 * message that names the file; an accepted one has 1 to SCRAPE_MAX_TARGETS
 * targets, each with an http(s) URL, service first among its tags, and an
 * interval longer than its profile; nothing leaks or overruns.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scrape_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *what)
{
	fprintf(stderr, "property broken: %s\n", what);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	if (!path[0])
		snprintf(path, sizeof path, "/tmp/fuzz_scrape_config.%d.yaml", (int)getpid());
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	scrape_config c;
	char err[512];
	if (scrape_config_load(path, &c, err, sizeof err)) {
		if (strncmp(err, path, strlen(path)))
			broken("a refusal that does not name the file");
		if (c.n_targets || c.targets)
			broken("a refused file left targets");
		return 0;
	}
	if (c.n_targets < 1 || c.n_targets > SCRAPE_MAX_TARGETS)
		broken("target count");
	for (size_t i = 0; i < c.n_targets; i++) {
		const scrape_target *t = &c.targets[i];
		if (strncmp(t->url, "http://", 7) && strncmp(t->url, "https://", 8))
			broken("a URL that is not http or https");
		if (t->n_tags < 1 || strncmp(t->tags[0], "service:", 8))
			broken("service is not the first tag");
		if (t->interval_ns <= (int64_t)t->profile_seconds * 1000000000)
			broken("a profile as long as its interval");
	}
	scrape_config_free(&c);
	return 0;
}
