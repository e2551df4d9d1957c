/*
 * A profile's summary and the findings of `pgotool inspect`: what would
 * make `go build -pgo` fail, and what would make the profile mislead it.
 * The checks mirror cmd/internal/pgo and cmd/compile/internal/pgoir (see
 * check.c); the non-Go guess is deliberately conservative: it speaks only
 * when no function looks like Go at all.
 */
#include "internal.h"

#include <inttypes.h>
#include <stdio.h>

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);
	return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

static bool starts_with(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && memcmp(s, prefix, n) == 0;
}

static bool contains(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(s + i, needle, n) == 0)
			return true;
	return false;
}

/* Every Go function has a .go (or assembly .s) file and a package-qualified
 * name; runtime and main functions are in every Go program's CPU profile. */
static bool looks_go(const char *name, size_t len, const char *file, size_t flen)
{
	return ends_with(file, flen, ".go") || starts_with(name, len, "runtime.") || starts_with(name, len, "main.");
}

static const char *const foreign_files[] = {
	".c", ".cc", ".cpp", ".cxx", ".h", ".hh", ".hpp", ".java", ".kt", ".scala", ".py", ".rb",
	".rs", ".js", ".ts", ".cs", ".swift", ".php", NULL,
};
static const char *const foreign_prefixes[] = {
	"java.", "javax.", "jdk.", "sun.", "kotlin.", "scala.", "java/", "Ljava/", NULL,
};

/* Names no Go toolchain produces: C++ and Rust paths ("::"), Java packages,
 * Python's "<module>", a C++ parameter list ("f(int)"; Go writes receivers
 * as ".(*T)"), and names without a package ("malloc"). */
static bool looks_foreign(const char *name, size_t len, const char *file, size_t flen)
{
	for (const char *const *f = foreign_files; *f; f++)
		if (ends_with(file, flen, *f))
			return true;
	for (const char *const *f = foreign_prefixes; *f; f++)
		if (starts_with(name, len, *f))
			return true;
	if (contains(name, len, "::") || contains(name, len, "<module>") || !memchr(name, '.', len))
		return true;
	for (size_t i = 1; i < len; i++)
		if (name[i] == '(' && name[i - 1] != '.')
			return true;
	return false;
}

static void guess_origin(const pgo_profile *p, pgo_summary *s)
{
	for (uint32_t i = 0; i < p->n_functions; i++) {
		size_t len, flen;
		const char *name = pgo_string(p, p->functions[i].name, &len);
		const char *file = pgo_string(p, p->functions[i].filename, &flen);
		if (!len)
			continue;
		s->n_functions++;
		if (looks_go(name, len, file, flen))
			s->n_go++;
		else if (looks_foreign(name, len, file, flen)) {
			if (!s->n_foreign)
				s->foreign_example = p->functions[i].name;
			s->n_foreign++;
		}
	}
	s->non_go = s->n_go == 0 && s->n_foreign > 0;
}

/* Whether a location names a function in any of its lines. */
static bool named_location(const pgo_profile *p, const pgo_location *l)
{
	for (uint32_t k = 0; k < l->n_lines; k++) {
		uint32_t fn = p->lines[l->lines_at + k].function;
		if (fn != PGO_NONE && p->functions[fn].name != 0)
			return true;
	}
	return false;
}

pgo_status pgo_summarize(const pgo_profile *p, pgo_summary *out, pgo_error *err)
{
	if (!p || !out)
		return pgo_fail(err, PGO_ERR_ARGUMENT, "pgo_summarize: NULL argument");
	memset(out, 0, sizeof *out);
	out->value_index = pgo_compiler_value_index(p);
	out->count_index = -1;
	for (uint32_t i = 0; i < p->n_sample_types && out->count_index < 0; i++) {
		size_t tl, ul;
		const char *t = pgo_string(p, p->sample_types[i].type, &tl);
		const char *u = pgo_string(p, p->sample_types[i].unit, &ul);
		if (tl == 7 && ul == 5 && !memcmp(t, "samples", 7) && !memcmp(u, "count", 5))
			out->count_index = (int)i;
	}
	out->n_samples = p->n_samples;
	int vi = out->value_index, ci = out->count_index;
	for (uint32_t i = 0; i < p->n_samples; i++) {
		const int64_t *v = p->values + (size_t)i * p->n_sample_types;
		if (ci >= 0)
			out->count_total = pgo_wrap_add(out->count_total, v[ci]);
		if (vi < 0 || v[vi] == 0)
			continue;
		out->n_weighted++;
		out->value_total = pgo_wrap_add(out->value_total, v[vi]);
		const pgo_sample *sm = &p->samples[i];
		if (!sm->n_locations ||
		    !named_location(p, &p->locations[p->sample_locations[sm->locations_at]]))
			out->unsymbolized_weight = pgo_wrap_add(out->unsymbolized_weight, v[vi]);
	}
	out->all_zero = vi >= 0 && p->n_samples > 0 && out->n_weighted == 0;
	out->has_start_line = vi >= 0 && pgo_has_start_line(p, vi);
	guess_origin(p, out);
	return PGO_OK;
}

/* ---- findings ------------------------------------------------------ */

typedef struct finding_list {
	pgo_finding *items;
	uint32_t n, cap;
} finding_list;

static pgo_finding *add(finding_list *l, pgo_finding_kind kind, const char *code, bool fails)
{
	if (PGO_GROW(l->items, l->cap, (uint64_t)l->n + 1))
		return NULL;
	pgo_finding *f = &l->items[l->n++];
	memset(f, 0, sizeof *f);
	f->kind = kind;
	f->code = code;
	f->build_fails = fails;
	return f;
}

/* A name for a message: at most max bytes of it, with "..." when cut. */
static void quote_name(char *buf, size_t n, const char *s, size_t len)
{
	size_t max = 120;
	if (len > max)
		snprintf(buf, n, "%.*s...", (int)max, s);
	else
		snprintf(buf, n, "%.*s", (int)len, s);
}

static bool listed(const char *name, size_t len, const char *const *names)
{
	for (; *names; names++)
		if (strlen(*names) == len && memcmp(*names, name, len) == 0)
			return true;
	return false;
}

pgo_status pgo_findings(const pgo_profile *p, const pgo_summary *s, const pgo_edges *e,
                        const pgo_hot_callee *hot_callees, size_t n_hot_callees, const char *const *noinline,
                        pgo_finding **out, size_t *n_out, pgo_error *err)
{
	if (!p || !s || !out || !n_out || (n_hot_callees && !hot_callees))
		return pgo_fail(err, PGO_ERR_ARGUMENT, "pgo_findings: NULL argument");
	*out = NULL;
	*n_out = 0;
	if (!noinline)
		noinline = pgo_default_noinline;
	finding_list l = {0};
	pgo_finding *f;
	char types[200], name[160];
	pgo_describe_types(p, types, sizeof types);

	if (s->n_samples > 0 && s->value_index < 0) {
		if (!(f = add(&l, PGO_FINDING_NO_VALUE, "no-sample-type", true)))
			goto nomem;
		snprintf(f->message, sizeof f->message,
		         "no usable sample type (it has [%s]): go build -pgo needs samples/count or "
		         "cpu/nanoseconds and fails; this is not a CPU profile",
		         types);
		snprintf(f->advice, sizeof f->advice,
		         "use a CPU profile (Go: pprof.StartCPUProfile, /debug/pprof/profile, or the "
		         "Datadog profiler's cpu.pprof), not a heap, block, mutex or goroutine profile");
	}
	if (s->all_zero) {
		if (!(f = add(&l, PGO_FINDING_ALL_ZERO, "all-zero", true)))
			goto nomem;
		snprintf(f->message, sizeof f->message,
		         "every sample's %s value is zero: Go 1.26 and older fail (\"profile missing "
		         "Function.start_line data\"), Go 1.27 accepts it and learns nothing",
		         pgo_string(p, p->sample_types[s->value_index].type, NULL));
		snprintf(f->advice, sizeof f->advice,
		         "record the profile again while the program is busy, or drop it from the merge");
	} else if (s->n_weighted > 0 && !s->has_start_line) {
		if (!(f = add(&l, PGO_FINDING_NO_START_LINE, "no-start-line", true)))
			goto nomem;
		snprintf(f->message, sizeof f->message,
		         "no function has a start line (Function.start_line): go build -pgo fails with "
		         "\"profile missing Function.start_line data\"");
		snprintf(f->advice, sizeof f->advice,
		         "record the profile with Go 1.20 or later (runtime/pprof writes start lines since "
		         "then); profiles converted by other tools, or by pprof before 2023, lack them");
	}
	if (s->n_samples == 0) {
		if (!(f = add(&l, PGO_FINDING_EMPTY, "empty", false)))
			goto nomem;
		snprintf(f->message, sizeof f->message,
		         "no samples: go build -pgo accepts the profile and optimizes nothing");
		snprintf(f->advice, sizeof f->advice, "record a CPU profile while the program is under load");
	}
	if (e && e->n_edges == 0 && s->n_weighted > 0 && s->value_index >= 0 && s->has_start_line) {
		if (!(f = add(&l, PGO_FINDING_NO_EDGES, "no-edges", false)))
			goto nomem;
		if (s->value_total == 0) {
			snprintf(f->message, sizeof f->message,
			         "no call edges: the sample values add up to zero (negative values cancel the "
			         "positive ones), and the compiler ignores such a profile");
			snprintf(f->advice, sizeof f->advice,
			         "use a profile as the Go runtime writes it: CPU sample values are never negative");
		} else {
			snprintf(f->message, sizeof f->message,
			         "no call edges: every weighted sample is a single frame, so the compiler finds no "
			         "call to inline or devirtualize");
			snprintf(f->advice, sizeof f->advice,
			         "record the profile with call stacks (runtime/pprof always writes them)");
		}
	}
	if (s->non_go) {
		size_t len;
		const char *ex = pgo_string(p, s->foreign_example, &len);
		quote_name(name, sizeof name, ex, len);
		if (!(f = add(&l, PGO_FINDING_NON_GO, "non-go", false)))
			goto nomem;
		snprintf(f->message, sizeof f->message,
		         "not from a Go program, it seems: none of its %" PRIu32 " functions looks like Go (no "
		         ".go file, no runtime. or main. function) and %" PRIu32 " look like another language "
		         "(e.g. \"%s\"): they match no Go function and the compiler ignores them",
		         s->n_functions, s->n_foreign, name);
		snprintf(f->advice, sizeof f->advice,
		         "use a profile of the Go program being built");
	}
	if (s->value_total != 0 && s->unsymbolized_weight != 0) {
		double share = pgo_weight_percent(s->unsymbolized_weight, s->value_total);
		if (share >= 10) {
			if (!(f = add(&l, PGO_FINDING_UNSYMBOLIZED, "unsymbolized", false)))
				goto nomem;
			snprintf(f->message, sizeof f->message,
			         "%.1f%% of the weight is on leaf frames without a function name (unsymbolized "
			         "addresses): the compiler cannot match them to any function",
			         share);
			snprintf(f->advice, sizeof f->advice,
			         "symbolize the profile (go tool pprof -proto -symbolize=local BINARY PROFILE) or "
			         "record it with runtime/pprof, which writes names");
		}
	}
	for (size_t i = 0; i < n_hot_callees; i++) {
		size_t len;
		const char *callee = pgo_string(p, hot_callees[i].name, &len);
		if (!listed(callee, len, noinline))
			continue;
		quote_name(name, sizeof name, callee, len);
		if (!(f = add(&l, PGO_FINDING_NOINLINE_HOT, "bad-inline-target", false)))
			goto nomem;
		snprintf(f->message, sizeof f->message,
		         "%s is a hot callee, and a known bad inlining target (inlined, it raises memory or "
		         "can hang: golang/go#65532, #74045)",
		         name);
		snprintf(f->advice, sizeof f->advice,
		         "build from `pgotool merge` output: it renames the function \"DO NOT INLINE: ...\" "
		         "so that the compiler never inlines it (--no-noinline turns that off)");
	}
	/* about the hot set: only where there is one */
	if (s->value_index >= 0 && s->n_weighted > 0 && s->has_start_line && (!e || e->n_edges > 0)) {
		uint64_t events = s->count_index >= 0 && s->count_total > 0 ? (uint64_t)s->count_total : s->n_weighted;
		if (events < PGO_FEW_SAMPLES) {
			if (!(f = add(&l, PGO_FINDING_FEW_SAMPLES, "few-samples", false)))
				goto nomem;
			snprintf(f->message, sizeof f->message,
			         "only %" PRIu64 " %s: with fewer than %d, which call sites make the hot set is "
			         "mostly chance, and it changes from one profile to the next",
			         events, s->count_index >= 0 && s->count_total > 0 ? "samples" : "sample records",
			         PGO_FEW_SAMPLES);
			snprintf(f->advice, sizeof f->advice,
			         "profile for longer (at 100 Hz, 10 s of one busy CPU gives 1000 samples) or "
			         "merge several profiles with `pgotool merge`");
		}
	}
	*out = l.items;
	*n_out = l.n;
	return PGO_OK;
nomem:
	free(l.items);
	return pgo_fail(err, PGO_ERR_NOMEM, "out of memory listing findings");
}
