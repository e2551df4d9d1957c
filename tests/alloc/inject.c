/*
 * Modes, each over N = 1, 2, ... until a run completes without an
 * injected failure:
 *  - once: only allocation N fails; threads refused, so N names the same
 *    allocation every time;
 *  - persistent: N and every allocation after it fail (SQLite's mode);
 *  - threads: as once, with threads allowed, for the scenarios that start
 *    them; the order of allocations across threads varies, the rules hold.
 * The rules for each run: the call returns PGO_ERR_NOMEM with an error
 * that says so, or the reference outcome (the failed allocation had a
 * fallback): the same result bytes, or for an invalid input the same error
 * and message; every block allocated during the run is freed; no crash
 * (the sanitizer build also catches bad accesses); and the run that
 * completes makes as many allocations as the reference run.
 */
#include "inject.h"

#include "failalloc.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Far above any scenario's allocation count: a loop that gets here is a bug. */
#define MAX_POINTS 200000

typedef enum { MODE_ONCE, MODE_PERSISTENT, MODE_THREADS } mode;
static const char *const mode_names[] = {"once", "persistent", "threads"};

typedef struct result {
	uint64_t events, fired;
	int status;
	bool recovered;
	char problem[512];
} result;

pgo_status oom_bare(pgo_status st, pgo_error *err, const char *what)
{
	if (st)
		pgo_fail(err, st, "%s: %s", what, pgo_status_name(st));
	return st;
}

static void free_blob(oom_blob *b)
{
	if (!b->borrowed)
		free(b->data);
	*b = (oom_blob){0};
}

static bool same_blob(const oom_blob *a, const oom_blob *b)
{
	return a->size == b->size && (a->size == 0 || memcmp(a->data, b->data, a->size) == 0);
}

/* One injected run and its checks, in the calling (child) process. */
/* The reference run's outcome. */
typedef struct reference {
	oom_blob out;
	pgo_error err;
	uint64_t events;
} reference;

static void run_once(const oom_scenario *sc, void *ctx, const reference *ref, uint64_t n, mode m, result *r)
{
	oom_blob out = {0};
	pgo_error err = {0};
	fa_allow_threads(m == MODE_THREADS);
	fa_arm(n, m == MODE_PERSISTENT);
	pgo_status st = sc->run(ctx, &out, &err);
	fa_disarm();
	r->events = fa_events();
	r->fired = fa_fired();
	r->status = (int)st;
	size_t used = 0;
#define PROBLEM(...) \
	(used += (size_t)snprintf(r->problem + used, used < sizeof r->problem ? sizeof r->problem - used : 0, \
	                          __VA_ARGS__), used = used < sizeof r->problem ? used : sizeof r->problem)
	if (st == sc->expect) {
		if (st == PGO_OK && !same_blob(&out, &ref->out))
			PROBLEM("succeeded with a result (%zu bytes) unlike the reference (%zu bytes); ", out.size,
			        ref->out.size);
		if (st != PGO_OK && strcmp(err.message, ref->err.message) != 0)
			PROBLEM("returned %s as expected, but \"%s\", not \"%s\"; ", pgo_status_name(st), err.message,
			        ref->err.message);
		r->recovered = r->fired > 0;
		if (!r->fired && m != MODE_THREADS && r->events != ref->events)
			PROBLEM("made %" PRIu64 " allocations, the reference run %" PRIu64 "; ", r->events, ref->events);
	} else if (st != PGO_ERR_NOMEM) {
		PROBLEM("returned %s (%d), not out of memory or %s: %s; ", pgo_status_name(st), (int)st,
		        pgo_status_name(sc->expect), err.message);
	} else if (!r->fired) {
		PROBLEM("returned out of memory with no failed allocation; ");
	} else if (err.status != PGO_ERR_NOMEM || !strstr(err.message, "memory")) {
		PROBLEM("returned out of memory but the error says status %d, \"%s\"; ", (int)err.status, err.message);
	}
	if (st && out.data)
		PROBLEM("failed but left a result; ");
	free_blob(&out);
	uint64_t leaked[8];
	size_t n_leaked = fa_live_since_arm(leaked, 8);
	if (n_leaked) {
		PROBLEM("%zu blocks leaked, made by allocations", n_leaked);
		for (size_t i = 0; i < n_leaked && i < 8; i++)
			PROBLEM(" #%" PRIu64, leaked[i]);
		PROBLEM("; ");
	}
	if (fa_foreign_frees())
		PROBLEM("%" PRIu64 " frees of pointers never allocated; ", fa_foreign_frees());
#undef PROBLEM
}

static bool read_all(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;
	while (n) {
		ssize_t k = read(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		p += k;
		n -= (size_t)k;
	}
	return true;
}

static bool write_all(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		p += k;
		n -= (size_t)k;
	}
	return true;
}

/*
 * A child runs N = first, first + 1, ... in turn, sending each result,
 * until a run completes without a failed allocation. One fork serves a
 * whole mode (a fork per run costs more than the run under ASan); a crash
 * is reported for the N after the last result, and a new child goes on
 * from the next one. Returns the next N to run, or 0 when the mode is done.
 */
static uint64_t run_children(const oom_scenario *sc, void *ctx, const reference *ref, uint64_t first, mode m,
                             oom_stats *stats)
{
	int fds[2];
	if (pipe(fds) != 0) {
		fprintf(stderr, "%s: pipe: %s\n", sc->name, strerror(errno));
		stats->failures++;
		return 0;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "%s: fork: %s\n", sc->name, strerror(errno));
		stats->failures++;
		close(fds[0]);
		close(fds[1]);
		return 0;
	}
	if (pid == 0) {
		close(fds[0]);
		for (uint64_t n = first; n <= MAX_POINTS; n++) {
			result r = {0};
			run_once(sc, ctx, ref, n, m, &r);
			if (!write_all(fds[1], &r, sizeof r))
				_exit(3);
			if (r.fired == 0)
				break;
		}
		_exit(0); /* no atexit handlers: the leak checks above are the child's */
	}
	close(fds[1]);
	uint64_t n = first, next = 0;
	result r;
	for (;;) {
		if (!read_all(fds[0], &r, sizeof r)) {
			next = n + 1; /* no result for n: the child died running it */
			break;
		}
		stats->runs++;
		stats->recovered += r.recovered;
		if (r.recovered && getenv("OOM_VERBOSE"))
			fprintf(stderr, "%s [%s] allocation %" PRIu64 " failing: recovered, status %s\n", sc->name,
			        mode_names[m], n, pgo_status_name((pgo_status)r.status));
		if (r.problem[0]) {
			stats->failures++;
			fprintf(stderr, "%s [%s] allocation %" PRIu64 " failing: %s\n", sc->name, mode_names[m], n,
			        r.problem);
		}
		if (r.fired == 0)
			break; /* n is past the run's last allocation: done */
		if (n == MAX_POINTS) {
			stats->failures++;
			fprintf(stderr, "%s [%s]: still failing allocations after %d runs\n", sc->name, mode_names[m],
			        MAX_POINTS);
			break;
		}
		n++;
	}
	close(fds[0]);
	int ws = 0;
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	bool clean = WIFEXITED(ws) && WEXITSTATUS(ws) == 0;
	if (next || !clean) {
		stats->runs += next != 0;
		stats->failures++;
		if (WIFSIGNALED(ws))
			fprintf(stderr, "%s [%s] allocation %" PRIu64 " failing: crashed: signal %d (%s)\n", sc->name,
			        mode_names[m], n, WTERMSIG(ws), strsignal(WTERMSIG(ws)));
		else
			fprintf(stderr, "%s [%s] allocation %" PRIu64 " failing: the run exited with status %d\n", sc->name,
			        mode_names[m], n, WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
	}
	return next > MAX_POINTS ? 0 : next;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t oom_run(const oom_scenario *sc, oom_stats *stats)
{
	memset(stats, 0, sizeof *stats);
	double t0 = now();
	void *ctx = sc->setup();
	if (!ctx) {
		fprintf(stderr, "%s: setup failed\n", sc->name);
		stats->failures = 1;
		return 1;
	}
	/* The reference: no failures, no threads (the result must not depend on them). */
	reference ref = {0};
	fa_allow_threads(false);
	fa_arm(0, false);
	pgo_status st = sc->run(ctx, &ref.out, &ref.err);
	ref.events = fa_events();
	fa_disarm();
	if (st != sc->expect) {
		fprintf(stderr, "%s: the reference run returned %s, not %s: %s\n", sc->name, pgo_status_name(st),
		        pgo_status_name(sc->expect), ref.err.message);
		free_blob(&ref.out);
		sc->teardown(ctx);
		stats->failures = 1;
		return 1;
	}
	stats->points = ref.events;
	for (mode m = MODE_ONCE; m <= MODE_THREADS; m++) {
		if (m == MODE_THREADS && !sc->threaded)
			continue;
		for (uint64_t n = 1; n;)
			n = run_children(sc, ctx, &ref, n, m, stats);
	}
	free_blob(&ref.out);
	sc->teardown(ctx);
	fa_allow_threads(true);
	stats->seconds = now() - t0;
	return stats->failures;
}
