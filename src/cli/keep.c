/* -keep-if-unchanged: compare the profile about to be written with DEST's. */
#include "keep.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

double keep_overlap_floor(double overlap)
{
	return floor(overlap * 10000) / 10000;
}

void keep_describe_decisions(const pgo_diff *d, char *out, size_t size)
{
	if (d->decisions_equal) {
		snprintf(out, size, "the compiler would decide the same");
		return;
	}
	char parts[3][80];
	size_t n = 0;
	if (d->n_hot_sites_added || d->n_hot_sites_removed)
		snprintf(parts[n++], sizeof parts[0], "%zu hot call site%s added, %zu removed", d->n_hot_sites_added,
		         d->n_hot_sites_added == 1 ? "" : "s", d->n_hot_sites_removed);
	if (d->n_hot_callees_added || d->n_hot_callees_removed)
		snprintf(parts[n++], sizeof parts[0], "%zu hot callee%s added, %zu removed", d->n_hot_callees_added,
		         d->n_hot_callees_added == 1 ? "" : "s", d->n_hot_callees_removed);
	if (d->n_target_changes)
		snprintf(parts[n++], sizeof parts[0], "%zu devirtualization target%s changed", d->n_target_changes,
		         d->n_target_changes == 1 ? "" : "s");
	snprintf(out, size, "the compiler would decide differently: %s%s%s%s%s", parts[0], n > 1 ? "; " : "",
	         n > 1 ? parts[1] : "", n > 2 ? "; " : "", n > 2 ? parts[2] : "");
}

/* Reads a regular file whole: 0; 1 when there is none; -1 when it cannot be read. *why says which. */
static int read_dest(const char *path, size_t max, uint8_t **data, size_t *size, char *why, size_t why_size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT) {
			snprintf(why, why_size, "there was no previous file");
			return 1;
		}
		snprintf(why, why_size, "the previous file could not be read (%s)", strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		bool stated = fstat(fd, &st) == 0;
		snprintf(why, why_size, "the previous file %s%s%s", !stated ? "could not be read (" : "",
		         !stated ? strerror(errno) : !S_ISREG(st.st_mode) ? "is not a regular file" : "is too large for a profile",
		         !stated ? ")" : "");
		close(fd);
		return -1;
	}
	uint8_t *b = malloc((size_t)st.st_size + 1);
	size_t done = 0;
	while (b && done < (size_t)st.st_size) {
		ssize_t n = read(fd, b + done, (size_t)st.st_size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	close(fd);
	if (!b || done != (size_t)st.st_size) {
		snprintf(why, why_size, "the previous file %s", !b ? "is too large to read" : "could not be read whole");
		free(b);
		return -1;
	}
	*data = b;
	*size = done;
	return 0;
}

pgo_status keep_check(const char *dest, const pgo_profile *next, double min_overlap, keep_verdict *out,
                      pgo_error *err)
{
	memset(out, 0, sizeof *out);
	pgo_edges next_e = {0}, old_e = {0};
	pgo_profile *old = NULL;
	uint8_t *data = NULL;
	size_t size = 0;
	pgo_diff d = {0};
	pgo_status st = pgo_edges_compute(next, &next_e, err);
	if (st)
		return st;
	pgo_limits limits;
	pgo_limits_default(&limits);
	char why[200];
	int missing = read_dest(dest, limits.max_decompressed_bytes, &data, &size, why, sizeof why);
	if (missing) {
		out->existed = missing < 0;
		snprintf(out->reason, sizeof out->reason, "%s", why);
		goto done;
	}
	out->existed = true;
	/* The compiler reads only a sample's leaf and its caller. */
	pgo_decode_options dopt = {.limits = &limits, .keep_frames = 2};
	pgo_error derr = {0};
	if (pgo_decode_with(data, size, dest, &dopt, &old, &derr) || pgo_edges_compute(old, &old_e, &derr)) {
		if (derr.status == PGO_ERR_NOMEM) {
			st = pgo_fail(err, PGO_ERR_NOMEM, "out of memory reading %s", dest);
			goto done;
		}
		snprintf(out->reason, sizeof out->reason, "the previous file is not a usable profile (%s)", derr.message);
		goto done;
	}
	if ((st = pgo_diff_compute(old, &old_e, next, &next_e, PGO_DEFAULT_HOT_THRESHOLD, &d, err)))
		goto done;
	out->compared = true;
	out->overlap = d.overlap;
	char decisions[300];
	keep_describe_decisions(&d, decisions, sizeof decisions);
	double shown = keep_overlap_floor(d.overlap);
	out->keep = d.decisions_equal && d.overlap >= min_overlap;
	if (out->keep)
		snprintf(out->reason, sizeof out->reason, "%s, and the overlap %.4f is at least %g", decisions, shown,
		         min_overlap);
	else if (!d.decisions_equal)
		snprintf(out->reason, sizeof out->reason, "%s (overlap %.4f)", decisions, shown);
	else
		snprintf(out->reason, sizeof out->reason, "the overlap %.4f is under %g, though %s", shown, min_overlap,
		         decisions);
done:
	pgo_diff_free(&d);
	pgo_edges_free(&old_e);
	pgo_edges_free(&next_e);
	pgo_profile_free(old);
	free(data);
	return st;
}
