/* Scraping net/http/pprof; see scraper.h. */
#define _DEFAULT_SOURCE
#include "scraper.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pgo.h"

#define NS_PER_S 1000000000LL
#define MAX_BACKOFF_NS (300 * NS_PER_S)
#define INFLATED_MAX ((size_t)64 << 20) /* as for an upload's attachments */

typedef enum target_state { STATE_NEW, STATE_UP, STATE_DOWN } target_state;

typedef struct job {
	scrape_target t;
	int64_t next_due;        /* monotonic ns */
	CURL *easy;              /* the scrape in flight, or NULL */
	struct curl_slist *headers;
	uint8_t *data;
	size_t len, cap;
	size_t max_body;
	bool too_big;
	int64_t started_wall;
	char curl_err[CURL_ERROR_SIZE];
	int failures;
	target_state state;
} job;

struct scraper {
	CURLM *multi;
	job **jobs;
	size_t n;
	size_t max_body;
	scrape_result *pending; /* results made but not yet handed out */
	size_t n_pending, cap_pending, next_pending;
};

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static int64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* Where in its interval a target's scrapes fall: fixed by its URL. */
static int64_t phase(const scrape_target *t)
{
	uint64_t h = 1469598103934665603ull;
	for (const char *p = t->url; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ull;
	return (int64_t)(h % (uint64_t)t->interval_ns);
}

static void stop_transfer(scraper *s, job *j)
{
	if (j->easy) {
		curl_multi_remove_handle(s->multi, j->easy);
		curl_easy_cleanup(j->easy);
		j->easy = NULL;
	}
	curl_slist_free_all(j->headers);
	j->headers = NULL;
	free(j->data);
	j->data = NULL;
	j->len = j->cap = 0;
	j->too_big = false;
}

static void job_free(scraper *s, job *j)
{
	stop_transfer(s, j);
	scrape_target_free(&j->t);
	free(j);
}

static job *job_new(scrape_target *t, int64_t now)
{
	job *j = calloc(1, sizeof *j);
	if (!j)
		return NULL;
	j->t = *t;
	memset(t, 0, sizeof *t);
	j->next_due = now + phase(&j->t);
	return j;
}

scraper *scraper_new(scrape_config *cfg, size_t max_body)
{
	scraper *s = calloc(1, sizeof *s);
	if (!s || !(s->multi = curl_multi_init())) {
		free(s);
		return NULL;
	}
	curl_multi_setopt(s->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, 2048L);
	s->max_body = max_body;
	scraper_replace(s, cfg);
	return s;
}

static void drop_pending(scraper *s)
{
	for (size_t i = s->next_pending; i < s->n_pending; i++)
		free(s->pending[i].data);
	s->n_pending = s->next_pending = 0;
}

void scraper_free(scraper *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		job_free(s, s->jobs[i]);
	free(s->jobs);
	drop_pending(s);
	free(s->pending);
	curl_multi_cleanup(s->multi);
	free(s);
}

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool same_target(const scrape_target *a, const scrape_target *b)
{
	if (strcmp(a->url, b->url) || !str_eq(a->job, b->job) || a->n_tags != b->n_tags ||
	    a->interval_ns != b->interval_ns || a->profile_seconds != b->profile_seconds ||
	    !str_eq(a->bearer_token, b->bearer_token) || !str_eq(a->username, b->username) ||
	    !str_eq(a->password, b->password) || !str_eq(a->ca_file, b->ca_file) || !str_eq(a->cert_file, b->cert_file) ||
	    !str_eq(a->key_file, b->key_file) || a->insecure_skip_verify != b->insecure_skip_verify)
		return false;
	for (size_t i = 0; i < a->n_tags; i++)
		if (strcmp(a->tags[i], b->tags[i]))
			return false;
	return true;
}

void scraper_replace(scraper *s, scrape_config *cfg)
{
	int64_t now = mono_ns();
	job **jobs = calloc(cfg->n_targets ? cfg->n_targets : 1, sizeof *jobs);
	if (!jobs) {
		scrape_config_free(cfg);
		return; /* the old targets stay */
	}
	size_t n = 0;
	for (size_t i = 0; i < cfg->n_targets; i++) {
		scrape_target *t = &cfg->targets[i];
		job *kept = NULL;
		for (size_t k = 0; k < s->n && !kept; k++)
			if (s->jobs[k] && same_target(&s->jobs[k]->t, t)) {
				kept = s->jobs[k];
				s->jobs[k] = NULL;
			}
		if (kept) {
			scrape_target_free(t);
			memset(t, 0, sizeof *t);
		} else if (!(kept = job_new(t, now))) {
			scrape_target_free(t);
			memset(t, 0, sizeof *t);
			continue;
		}
		jobs[n++] = kept;
	}
	/* Results not yet handed out: those of targets that go are dropped. */
	size_t w = s->next_pending;
	for (size_t i = s->next_pending; i < s->n_pending; i++) {
		bool stays = false;
		for (size_t k = 0; k < n && !stays; k++)
			stays = s->pending[i].target == &jobs[k]->t;
		if (stays)
			s->pending[w++] = s->pending[i];
		else
			free(s->pending[i].data);
	}
	s->n_pending = w;
	for (size_t k = 0; k < s->n; k++)
		if (s->jobs[k])
			job_free(s, s->jobs[k]);
	free(s->jobs);
	s->jobs = jobs;
	s->n = n;
	free(cfg->targets);
	cfg->targets = NULL;
	cfg->n_targets = 0;
}

size_t scraper_count(const scraper *s)
{
	return s->n;
}

/* The answer, kept within max_body: past it the transfer stops. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
	job *j = ctx;
	size_t n = size * nmemb;
	if (n > j->max_body - j->len) {
		j->too_big = true;
		return 0;
	}
	if (n > j->cap - j->len) {
		size_t cap = j->cap ? j->cap : 64 * 1024;
		while (cap - j->len < n)
			cap = cap > j->max_body / 2 ? j->max_body : cap * 2;
		uint8_t *d = realloc(j->data, cap);
		if (!d)
			return 0;
		j->data = d;
		j->cap = cap;
	}
	memcpy(j->data + j->len, data, n);
	j->len += n;
	return n;
}

static bool start_transfer(scraper *s, job *j)
{
	CURL *e = curl_easy_init();
	if (!e)
		return false;
	j->curl_err[0] = '\0';
	j->max_body = s->max_body;
	curl_easy_setopt(e, CURLOPT_URL, j->t.url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, j);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, j->curl_err);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_PROXY, ""); /* targets are reached directly, whatever the environment says */
	curl_easy_setopt(e, CURLOPT_USERAGENT, "pgotool-scraper");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	/* The profile takes profile_seconds; a body still coming 30 s later is stalling. */
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(j->t.profile_seconds + 30) * 1000L);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s->max_body);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
	if (j->t.bearer_token) {
		char h[4200];
		snprintf(h, sizeof h, "Authorization: Bearer %s", j->t.bearer_token);
		j->headers = curl_slist_append(NULL, h);
		if (!j->headers) {
			curl_easy_cleanup(e);
			return false;
		}
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, j->headers);
	}
	if (j->t.username) {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(e, CURLOPT_USERNAME, j->t.username);
		curl_easy_setopt(e, CURLOPT_PASSWORD, j->t.password);
	}
	if (j->t.ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, j->t.ca_file);
	if (j->t.cert_file) {
		curl_easy_setopt(e, CURLOPT_SSLCERT, j->t.cert_file);
		curl_easy_setopt(e, CURLOPT_SSLKEY, j->t.key_file);
	}
	if (j->t.insecure_skip_verify) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (curl_multi_add_handle(s->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		curl_slist_free_all(j->headers);
		j->headers = NULL;
		return false;
	}
	j->easy = e;
	j->started_wall = wall_ns();
	return true;
}

static scrape_result *new_result(scraper *s, job *j, scrape_event ev)
{
	if (s->n_pending == s->cap_pending) {
		size_t cap = s->cap_pending ? s->cap_pending * 2 : 8;
		scrape_result *p = realloc(s->pending, cap * sizeof *p);
		if (!p)
			return NULL;
		s->pending = p;
		s->cap_pending = cap;
	}
	scrape_result *r = &s->pending[s->n_pending++];
	memset(r, 0, sizeof *r);
	r->event = ev;
	r->target = &j->t;
	return r;
}

/* Why the bytes are not a CPU profile, or "" when they are one; fills the period. */
static void check_profile(job *j, char *why, size_t size, int64_t *start, int64_t *end)
{
	pgo_limits limits;
	pgo_limits_default(&limits);
	limits.max_decompressed_bytes = INFLATED_MAX;
	pgo_value_sums sums;
	pgo_error err = {0};
	why[0] = '\0';
	if (pgo_sum_values(j->data, j->len, "the answer", &limits, &sums, &err)) {
		snprintf(why, size, "%.280s", err.message);
		return;
	}
	bool cpu = false;
	for (uint32_t i = 0; i < sums.n_sample_types; i++)
		cpu |= !strcmp(sums.columns[i].type, "cpu") && !strcmp(sums.columns[i].unit, "nanoseconds");
	if (!cpu)
		snprintf(why, size, "the answer is a profile without cpu/nanoseconds, not a CPU profile: is the path "
		         "/debug/pprof/profile?");
	*start = sums.time_nanos > 0 ? sums.time_nanos : j->started_wall;
	*end = *start + (sums.duration_nanos > 0 ? sums.duration_nanos : (int64_t)j->t.profile_seconds * NS_PER_S);
	pgo_value_sums_free(&sums);
}

static void finish_transfer(scraper *s, job *j, CURLcode rc)
{
	char why[300] = "";
	long status = 0;
	curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
	int64_t start = 0, end = 0;
	if (rc == CURLE_FILESIZE_EXCEEDED || j->too_big)
		snprintf(why, sizeof why, "the answer is over %zu bytes (--max-body)", s->max_body);
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		snprintf(why, sizeof why, "no whole answer within %d s (profile_seconds + 30 s)", j->t.profile_seconds + 30);
	else if (rc != CURLE_OK)
		snprintf(why, sizeof why, "%.280s", j->curl_err[0] ? j->curl_err : curl_easy_strerror(rc));
	else if (status != 200) {
		/* net/http/pprof says what went wrong in a line of text. */
		size_t n = j->len < 120 ? j->len : 120;
		char text[121];
		for (size_t i = 0; i < n; i++)
			text[i] = (j->data[i] >= 0x20 && j->data[i] < 0x7f) ? (char)j->data[i] : ' ';
		text[n] = '\0';
		snprintf(why, sizeof why, "HTTP %ld%s%s", status, n ? ": " : "", text);
	} else
		check_profile(j, why, sizeof why, &start, &end);
	int64_t now = mono_ns();
	if (why[0]) {
		j->failures++;
		int64_t delay = j->t.interval_ns;
		for (int k = 1; k < j->failures && delay < MAX_BACKOFF_NS; k++)
			delay *= 2;
		int64_t most = j->t.interval_ns > MAX_BACKOFF_NS ? j->t.interval_ns : MAX_BACKOFF_NS;
		if (delay > most)
			delay = most;
		j->next_due = now + delay;
		if (j->state != STATE_DOWN) {
			j->state = STATE_DOWN;
			scrape_result *r = new_result(s, j, SCRAPE_DOWN);
			if (r) {
				snprintf(r->reason, sizeof r->reason, "%.300s", why);
				r->failures = j->failures;
				r->retry_in = (double)delay / NS_PER_S;
			}
		}
		stop_transfer(s, j);
		return;
	}
	j->failures = 0;
	j->next_due += j->t.interval_ns;
	if (j->next_due < now)
		j->next_due = now;
	if (j->state != STATE_UP) {
		j->state = STATE_UP;
		new_result(s, j, SCRAPE_UP);
	}
	scrape_result *r = new_result(s, j, SCRAPE_PROFILE);
	if (r) {
		r->data = j->data;
		r->size = j->len;
		r->start_ns = start;
		r->end_ns = end;
		j->data = NULL;
	}
	stop_transfer(s, j);
}

int scraper_next(scraper *s, int timeout_ms, scrape_result *out)
{
	int64_t until = mono_ns() + (int64_t)timeout_ms * 1000000;
	for (;;) {
		if (s->next_pending < s->n_pending) {
			*out = s->pending[s->next_pending++];
			if (s->next_pending == s->n_pending)
				s->n_pending = s->next_pending = 0;
			return 1;
		}
		int64_t now = mono_ns(), wake = until;
		for (size_t i = 0; i < s->n; i++) {
			job *j = s->jobs[i];
			if (j->easy)
				continue;
			if (j->next_due <= now && !start_transfer(s, j))
				j->next_due = now + NS_PER_S; /* out of memory: try again soon */
			if (!j->easy && j->next_due < wake)
				wake = j->next_due;
		}
		if (now >= until)
			return 0;
		int wait_ms = (int)((wake - now + 999999) / 1000000);
		if (wait_ms > 1000)
			wait_ms = 1000;
		curl_multi_poll(s->multi, NULL, 0, wait_ms < 0 ? 0 : wait_ms, NULL);
		int running;
		curl_multi_perform(s->multi, &running);
		CURLMsg *m;
		int left;
		while ((m = curl_multi_info_read(s->multi, &left)))
			if (m->msg == CURLMSG_DONE) {
				job *j = NULL;
				curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&j);
				if (j)
					finish_transfer(s, j, m->data.result);
			}
	}
}
