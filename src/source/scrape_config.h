/*
 * The scrape targets of `pgotool serve --scrape FILE`: a YAML (or JSON)
 * file in the shape of Prometheus's scrape_configs with static_configs,
 * read with libyaml. Every problem is refused with FILE:LINE:COLUMN and
 * the rule, and nothing of a refused file is kept.
 *
 *   scrape_configs:
 *     - job_name: api                  # service: when the labels give none
 *       scrape_interval: 60s           # default 60s, from 1s to 24h
 *       profile_seconds: 10            # default 10, from 1 to 3600, below the interval
 *       scheme: http                   # or https
 *       profile_path: /debug/pprof/profile
 *       bearer_token: T                # or bearer_token_file: FILE
 *       basic_auth: {username: U, password: P}     # or password_file: FILE
 *       tls_config: {ca_file: F, cert_file: F, key_file: F, insecure_skip_verify: false}
 *       static_configs:
 *         - targets: ["10.0.0.5:6060"]
 *           labels: {env: prod, version: 1.4.2, pgo: "true"}
 */
#ifndef PGO_SCRAPE_CONFIG_H
#define PGO_SCRAPE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCRAPE_MAX_FILE (1u << 20)
#define SCRAPE_MAX_TARGETS 10000
#define SCRAPE_MAX_LABELS 64

typedef struct scrape_target {
	char *job;
	char *url;             /* scheme://host:port/path?seconds=N */
	char **tags;           /* "key:value", service first */
	size_t n_tags;
	int64_t interval_ns;
	int profile_seconds;
	char *bearer_token;    /* read from bearer_token_file when given there */
	char *username, *password;
	char *ca_file, *cert_file, *key_file;
	bool insecure_skip_verify;
} scrape_target;

typedef struct scrape_config {
	scrape_target *targets;
	size_t n_targets;
} scrape_config;

/* Reads and checks FILE. 0, or -1 with a message in err naming the file,
 * line and column and the rule. */
int scrape_config_load(const char *path, scrape_config *out, char *err, size_t err_size);
void scrape_config_free(scrape_config *c);
/* Frees what one target holds (not the target itself). */
void scrape_target_free(scrape_target *t);

#endif
