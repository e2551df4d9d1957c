/*
 * The per-process hash seed (lib/hashseed.c): every process draws its own
 * from AT_RANDOM, the lookup tables use it, and no output depends on it.
 */
#include "internal.h"
#include "pbwriter.h"
#include "testutil.h"

#include <inttypes.h>
#include <sys/wait.h>
#include <unistd.h>

#define N_FUNCS 3000

/* A CPU profile with thousands of strings (the string index grows and is
 * rehashed) and sparse function and location IDs (the ID maps are hash
 * indexes). Profiles of different variants share some functions. */
static void write_profile(pbw *b, int variant)
{
	static char names[N_FUNCS][48];
	const char *fixed[] = {"", "samples", "count", "cpu", "nanoseconds", "main.go"};
	size_t n_fixed = sizeof fixed / sizeof *fixed;
	pbw_value_type(b, 1, 1, 2);
	pbw_value_type(b, 1, 3, 4);
	for (uint64_t i = 0; i < N_FUNCS; i++) {
		uint64_t locs[3] = {((i + 1) << 40) + 7, (((i + 1) % N_FUNCS + 1) << 40) + 7,
		                    (((i + 2) % N_FUNCS + 1) << 40) + 7};
		int64_t v[2] = {(int64_t)(1 + (i + (uint64_t)variant) % 7), (int64_t)(1 + (i + (uint64_t)variant) % 7) * 10000000};
		pbw_sample(b, locs, 3, v, 2);
	}
	for (uint64_t i = 0; i < N_FUNCS; i++)
		pbw_location1(b, ((i + 1) << 40) + 7, 0, 0x400000 + i * 16, (i + 1) * 0x100000001ull, (int64_t)(10 + i % 5));
	for (uint64_t i = 0; i < N_FUNCS; i++)
		pbw_function(b, (i + 1) * 0x100000001ull, n_fixed + i, n_fixed + i, 5, 9);
	pbw_strings(b, fixed, n_fixed);
	for (int i = 0; i < N_FUNCS; i++) {
		/* a third of the names differ between variants */
		snprintf(names[i], sizeof names[i], "pkg%d.fn%d", i % 3 == 0 ? variant : 0, i);
		pbw_str(b, 6, names[i]);
	}
	pbw_value_type(b, 11, 3, 4);
	pbw_uint(b, 12, 10000000);
}

typedef struct outputs {
	uint8_t *merged, *compact;
	char *edges;
	size_t n_merged, n_compact, n_edges;
	uint64_t *slots; /* the string index of the first input, as laid out */
	uint32_t n_slots;
	size_t order[3]; /* pgo_canonical_order of the encoded inputs */
} outputs;

static void free_outputs(outputs *o)
{
	free(o->merged);
	free(o->compact);
	free(o->edges);
	free(o->slots);
	memset(o, 0, sizeof *o);
}

/* Decodes three profiles, merges them, compacts and prints the edges, all
 * under one seed. */
static void run_with_seed(uint64_t seed, outputs *o)
{
	pgo_set_hash_seed(seed);
	CHECK(pgo_hash_seed() == seed);
	pgo_profile *in[3] = {NULL, NULL, NULL};
	pbw b[3] = {{0}};
	const uint8_t *data[3];
	size_t sizes[3];
	for (int v = 0; v < 3; v++) {
		write_profile(&b[v], v);
		data[v] = b[v].data;
		sizes[v] = b[v].len;
		pgo_error err = {0};
		CHECK_OK(pgo_decode(b[v].data, b[v].len, "seeded.pprof", NULL, &in[v], &err));
		if (!in[v])
			fprintf(stderr, "  decode: %s\n", err.message);
	}
	CHECK_OK(pgo_canonical_order(data, sizes, 3, o->order));
	for (int v = 0; v < 3; v++)
		pbw_free(&b[v]);
	if (!in[0] || !in[1] || !in[2])
		goto done;
	o->n_slots = in[0]->strings.mask + 1;
	o->slots = malloc(o->n_slots * sizeof *o->slots);
	memcpy(o->slots, in[0]->strings.slots, o->n_slots * sizeof *o->slots);
	pgo_merge_options mo = {.noinline = pgo_default_noinline};
	pgo_profile *m = NULL, *c = NULL;
	CHECK_OK(pgo_merge(in, 3, &mo, &m, NULL));
	if (m) {
		CHECK_OK(pgo_encode(m, 0, &o->merged, &o->n_merged, NULL));
		CHECK_OK(pgo_compact(m, &c, NULL));
		if (c)
			CHECK_OK(pgo_encode(c, 0, &o->compact, &o->n_compact, NULL));
		pgo_edges e = {0};
		CHECK_OK(pgo_edges_compute(m, &e, NULL));
		CHECK_OK(pgo_edges_format(m, &e, &o->edges, &o->n_edges, NULL));
		pgo_edges_free(&e);
	}
	pgo_profile_free(c);
	pgo_profile_free(m);
done:
	for (int v = 0; v < 3; v++)
		pgo_profile_free(in[v]);
}

static bool same(const void *a, size_t na, const void *b, size_t nb)
{
	return a && b && na == nb && memcmp(a, b, na) == 0;
}

/* ---- every table of merge, compact and edges ------------------------ */

#define N_PROFILES 6
#define POOL 1200

static uint64_t next_rand(uint64_t *x)
{
	*x = *x * 6364136223846793005ull + 1442695040888963407ull;
	return *x >> 33;
}

static void must(pgo_status st)
{
	if (st != PGO_OK) {
		fprintf(stderr, "building a profile failed: %d\n", (int)st);
		abort();
	}
}

/*
 * Profile `variant` of a set that overlaps and differs everywhere the
 * merger, compactor and edge graph keep a table: a main binary moved by
 * ASLR, a shared library, a mapping only some have and one known by its
 * file name alone; functions shared, renamed per variant and one the
 * noinline list renames (into a duplicate); locations with inlined lines,
 * columns, folding, no mapping, and shared addresses; stacks that repeat
 * (samples add up) and cancel (zero samples); string and numeric labels.
 */
static pgo_profile *rich_profile(int variant)
{
	static const char *const types[] = {"samples", "count", "cpu", "nanoseconds", NULL};
	pgo_profile *p = tu_profile(types);
	uint64_t shift = (uint64_t)variant * 0x10000;
	pgo_mapping maps[4] = {
		{.memory_start = 0x400000 + shift, .memory_limit = 0x900000 + shift, .has_functions = true},
		{.memory_start = 0x7f0000000000 + shift * 3, .memory_limit = 0x7f0000200000 + shift * 3,
		 .file_offset = 0x1000, .has_functions = true},
		{.memory_start = 0x7e0000000000, .memory_limit = 0x7e0000100000},
		{.memory_start = 0x7d0000000000 + shift, .memory_limit = 0x7d0000080000 + shift},
	};
	maps[0].filename = tu_intern(p, "/bin/service");
	maps[0].build_id = tu_intern(p, "main-build-id");
	maps[1].filename = tu_intern(p, "/lib/libc.so.6");
	maps[1].build_id = tu_intern(p, "libc-build-id");
	char name[64];
	snprintf(name, sizeof name, "/opt/plugin%d.so", variant % 3);
	maps[2].filename = tu_intern(p, name);
	maps[2].build_id = tu_intern(p, variant % 2 ? "plugin-odd" : "plugin-even");
	maps[3].filename = tu_intern(p, "/opt/no-build-id.so");
	uint32_t n_maps = variant % 2 ? 4 : 3;
	uint32_t mi[4];
	for (uint32_t i = 0; i < n_maps; i++)
		must(pgo_add_mapping(p, &maps[i], &mi[i]));

	uint32_t fn[POOL];
	for (int i = 0; i < POOL; i++) {
		char fname[48], sys[64], file[32];
		if (i == 7)
			snprintf(fname, sizeof fname, "runtime.gopark");
		else if (i == 8)
			snprintf(fname, sizeof fname, "runtime.gopark.(noinline)");
		else
			snprintf(fname, sizeof fname, "pkg%d.fn%d", i % 5 == 0 ? variant : 0, i);
		snprintf(sys, sizeof sys, "%s%s", fname, i % 11 == 0 ? ".abi0" : "");
		snprintf(file, sizeof file, "pkg%d/file%d.go", i % 17, i % 3);
		must(pgo_add_function(p, fname, sys, file, 10 + i % 97 + (i % 13 == 0 ? variant : 0), &fn[i]));
	}
	uint32_t loc[POOL];
	for (int i = 0; i < POOL; i++) {
		uint32_t m = i % 10 == 9 ? PGO_NONE : mi[i % 7 == 0 ? 1 : i % 23 == 0 ? 2 : i % 29 == 0 && n_maps > 3 ? 3 : 0];
		uint64_t base = m == PGO_NONE ? 0x1000 : p->mappings[m].memory_start;
		/* a few locations share an address (different inlining) */
		uint64_t address = base + (uint64_t)(i % 50 == 1 ? i - 1 : i) * 16 + 0x40;
		pgo_line ln[3];
		uint32_t n = i % 4 == 0 ? 3 : i % 3 == 0 ? 2 : 1;
		for (uint32_t j = 0; j < n; j++)
			ln[j] = (pgo_line){.function = fn[(i + (int)j * 31) % POOL], .line = 20 + i % 61 + (int64_t)j,
			                   .column = i % 6 == 0 ? (int64_t)j + 3 : 0};
		must(pgo_add_location(p, m, address, ln, n, &loc[i]));
		if (i % 37 == 0)
			p->locations[loc[i]].is_folded = true;
	}
	pgo_str span = tu_intern(p, "span"), bytes = tu_intern(p, "bytes"), unit = tu_intern(p, "bytes");
	pgo_str spans[4];
	for (int k = 0; k < 4; k++) {
		snprintf(name, sizeof name, "span-%d", (k + variant) % 6);
		spans[k] = tu_intern(p, name);
	}
	uint64_t r = 0x5eed0000u + (uint64_t)variant % 4; /* variants 0 and 4 share stacks */
	for (int i = 0; i < 2500; i++) {
		uint32_t stack[12];
		uint32_t depth = 2 + (uint32_t)(next_rand(&r) % 10);
		for (uint32_t d = 0; d < depth; d++)
			stack[d] = loc[next_rand(&r) % (d < 2 ? 300 : POOL)];
		int64_t w = (int64_t)(1 + next_rand(&r) % 9);
		if (i % 97 == 0)
			w = -w; /* cancels its twin below */
		int64_t v[2] = {w, w * 10000000};
		pgo_label labels[2];
		uint32_t n_labels = 0;
		if (i % 3 == 0)
			labels[n_labels++] = (pgo_label){.key = span, .str = spans[i % 4]};
		if (i % 5 == 0)
			labels[n_labels++] = (pgo_label){.key = bytes, .num = i % 7, .num_unit = unit};
		must(pgo_add_sample(p, stack, depth, v, labels, n_labels));
		if (i % 97 == 0) {
			int64_t back[2] = {-w, -w * 10000000};
			must(pgo_add_sample(p, stack, depth, back, labels, n_labels));
		}
	}
	p->period = 10000000;
	p->time_nanos = 1700000000000000000 + variant;
	p->duration_nanos = 1000000000;
	return p;
}

typedef struct rich_outputs {
	uint8_t *merged, *merged_nolabels, *compact;
	char *edges;
	size_t n_merged, n_merged_nolabels, n_compact, n_edges;
	size_t order[N_PROFILES];
} rich_outputs;

static void free_rich(rich_outputs *o)
{
	free(o->merged);
	free(o->merged_nolabels);
	free(o->compact);
	free(o->edges);
	memset(o, 0, sizeof *o);
}

/* Builds, encodes and decodes the set, then merges (with and without
 * labels), compacts and prints the edges, all under one seed. */
static void run_rich(uint64_t seed, rich_outputs *o)
{
	pgo_set_hash_seed(seed);
	pgo_profile *in[N_PROFILES] = {NULL};
	uint8_t *data[N_PROFILES] = {NULL};
	size_t sizes[N_PROFILES] = {0};
	for (int v = 0; v < N_PROFILES; v++) {
		pgo_profile *built = rich_profile(v);
		CHECK_OK(pgo_encode(built, 0, &data[v], &sizes[v], NULL));
		pgo_profile_free(built);
		CHECK_OK(pgo_decode(data[v], sizes[v], "rich.pprof", NULL, &in[v], NULL));
		if (!in[v])
			goto done;
	}
	CHECK_OK(pgo_canonical_order((const uint8_t *const *)data, sizes, N_PROFILES, o->order));
	pgo_merge_options labelled = {.keep_labels = true, .noinline = pgo_default_noinline};
	pgo_merge_options plain = {.noinline = pgo_default_noinline};
	pgo_profile *m = NULL, *c = NULL, *m2 = NULL;
	CHECK_OK(pgo_merge(in, N_PROFILES, &plain, &m2, NULL));
	if (m2)
		CHECK_OK(pgo_encode(m2, 0, &o->merged_nolabels, &o->n_merged_nolabels, NULL));
	CHECK_OK(pgo_merge(in, N_PROFILES, &labelled, &m, NULL));
	if (m) {
		CHECK_OK(pgo_encode(m, 0, &o->merged, &o->n_merged, NULL));
		CHECK_OK(pgo_compact(m, &c, NULL));
		if (c)
			CHECK_OK(pgo_encode(c, 0, &o->compact, &o->n_compact, NULL));
		pgo_edges e = {0};
		CHECK_OK(pgo_edges_compute(m, &e, NULL));
		CHECK_OK(pgo_edges_format(m, &e, &o->edges, &o->n_edges, NULL));
		pgo_edges_free(&e);
	}
	pgo_profile_free(c);
	pgo_profile_free(m);
	pgo_profile_free(m2);
done:
	for (int v = 0; v < N_PROFILES; v++) {
		pgo_profile_free(in[v]);
		free(data[v]);
	}
}

static void test_rich_outputs_do_not_depend_on_seed(void)
{
	uint64_t mine = pgo_hash_seed();
	const uint64_t seeds[] = {mine, 0, 1, UINT64_MAX, 0x8bb84b93962eacc9ull, 0x2d358dccaa6c78a5ull, mine ^ 0xa5a5};
	rich_outputs first = {0};
	run_rich(seeds[0], &first);
	CHECK(first.n_merged > 0 && first.n_merged_nolabels > 0 && first.n_compact > 0 && first.n_edges > 1000);
	for (size_t i = 1; i < sizeof seeds / sizeof *seeds; i++) {
		rich_outputs o = {0};
		run_rich(seeds[i], &o);
		CHECK(same(first.merged, first.n_merged, o.merged, o.n_merged));
		CHECK(same(first.merged_nolabels, first.n_merged_nolabels, o.merged_nolabels, o.n_merged_nolabels));
		CHECK(same(first.compact, first.n_compact, o.compact, o.n_compact));
		CHECK(same(first.edges, first.n_edges, o.edges, o.n_edges));
		CHECK(same(first.order, sizeof first.order, o.order, sizeof o.order));
		free_rich(&o);
	}
	free_rich(&first);
	pgo_set_hash_seed(mine);
}

/* ---- the seed cannot be cancelled ----------------------------------- */

/* The longest run of occupied slots in p's string index. */
static uint32_t longest_run(const pgo_profile *p)
{
	uint32_t best = 0, run = 0;
	for (uint32_t i = 0; i <= 2 * p->strings.mask + 1; i++) {
		run = p->strings.slots[i & p->strings.mask] ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best;
}

/*
 * A word equal to pgo_mix's second constant zeroes an unkeyed fold, and
 * with it the seed: strings "xxxxxxxx" + that word + a fixed tail would
 * all land in one slot whatever the seed. Keyed, they spread.
 */
static void test_strings_cannot_cancel_the_seed(void)
{
	const uint64_t zeroing = 0x8bb84b93962eacc9ull;
	pgo_profile *p = pgo_profile_new();
	CHECK(p != NULL);
	if (!p)
		return;
	for (uint32_t i = 0; i < 4000; i++) {
		uint8_t s[20];
		uint64_t head = 0x3030303030303030ull + i;
		memcpy(s, &head, 8);
		memcpy(s + 8, &zeroing, 8);
		memcpy(s + 16, "tail", 4);
		pgo_str id;
		CHECK_OK(pgo_intern(p, (const char *)s, sizeof s, &id));
	}
	uint32_t run = longest_run(p);
	if (run >= 200)
		fprintf(stderr, "  %u strings in one run of slots\n", run);
	CHECK(run < 200);
	pgo_profile_free(p);
}

/* The map of addresses is laid out by the seed. */
static void test_u64map_is_seeded(void)
{
	uint64_t mine = pgo_hash_seed();
	pgo_u64map a, b;
	pgo_set_hash_seed(1);
	CHECK_OK(pgo_u64map_init(&a, 1000));
	pgo_set_hash_seed(2);
	CHECK_OK(pgo_u64map_init(&b, 1000));
	pgo_set_hash_seed(mine);
	for (uint32_t i = 0; i < 3000; i++) {
		uint32_t *v;
		bool fresh;
		CHECK_OK(pgo_u64map_upsert(&a, 0x400000 + (uint64_t)i * 16, i, &v, &fresh));
		CHECK_OK(pgo_u64map_upsert(&b, 0x400000 + (uint64_t)i * 16, i, &v, &fresh));
	}
	bool differ = false;
	for (uint32_t i = 0; a.mask == b.mask && i <= a.mask; i++)
		differ |= a.slots[i].key != b.slots[i].key; /* fieldwise: slots have padding */
	CHECK(a.mask == b.mask && differ);
	for (uint32_t i = 0; i < 3000; i++) {
		uint32_t *v;
		bool fresh;
		CHECK_OK(pgo_u64map_upsert(&b, 0x400000 + (uint64_t)i * 16, 0, &v, &fresh));
		CHECK(!fresh && *v == i);
	}
	pgo_u64map_free(&a);
	pgo_u64map_free(&b);
}

static void test_output_does_not_depend_on_seed(void)
{
	uint64_t mine = pgo_hash_seed();
	const uint64_t seeds[] = {mine, 0, 1, UINT64_MAX, 0x9e3779b97f4a7c15ull, mine ^ 0x5555};
	outputs first = {0};
	run_with_seed(seeds[0], &first);
	CHECK(first.n_merged > 0 && first.n_compact > 0 && first.n_edges > 100);
	bool layouts_differ = false;
	for (size_t i = 1; i < sizeof seeds / sizeof *seeds; i++) {
		outputs o = {0};
		run_with_seed(seeds[i], &o);
		CHECK(same(first.merged, first.n_merged, o.merged, o.n_merged));
		CHECK(same(first.compact, first.n_compact, o.compact, o.n_compact));
		CHECK(same(first.edges, first.n_edges, o.edges, o.n_edges));
		CHECK(same(first.order, sizeof first.order, o.order, sizeof o.order));
		if (!same(first.slots, first.n_slots * sizeof *first.slots, o.slots, o.n_slots * sizeof *o.slots))
			layouts_differ = true;
		free_outputs(&o);
	}
	/* and the seed is used: the string index is laid out differently */
	CHECK(layouts_differ);
	free_outputs(&first);
	pgo_set_hash_seed(mine);
}

/* Another process (this program again, a new exec) prints its seed. */
static uint64_t seed_of_child(void)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	int fd[2];
	CHECK(n > 0 && pipe(fd) == 0);
	if (n <= 0)
		return 0;
	self[n] = '\0';
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		execl(self, self, "--print-seed", (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	char text[64] = {0};
	ssize_t got = read(fd[0], text, sizeof text - 1);
	close(fd[0]);
	int status = 0;
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	uint64_t s = 0;
	CHECK(got > 0 && sscanf(text, "%" SCNx64, &s) == 1);
	return s;
}

static void test_seed_per_process(void)
{
	uint64_t mine = pgo_hash_seed();
	CHECK(pgo_hash_seed() == mine);
	uint64_t a = seed_of_child(), b = seed_of_child();
	CHECK(a != b && a != mine && b != mine);
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--print-seed") == 0) {
		printf("%" PRIx64 "\n", pgo_hash_seed());
		return 0;
	}
	RUN_TESTS("hashseed", test_seed_per_process, test_output_does_not_depend_on_seed,
	          test_rich_outputs_do_not_depend_on_seed, test_strings_cannot_cancel_the_seed, test_u64map_is_seeded);
}
