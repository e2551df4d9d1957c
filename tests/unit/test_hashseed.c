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
	uint32_t *slots; /* the string index of the first input, as laid out */
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
	RUN_TESTS("hashseed", test_seed_per_process, test_output_does_not_depend_on_seed);
}
