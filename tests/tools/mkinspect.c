/*
 * mkinspect KIND OUTFILE: writes a small CPU profile (samples/count,
 * cpu/nanoseconds, gzip) for the `pgotool inspect` tests, each KIND made to
 * raise one finding, or none:
 *   busy          a Go profile, 5000 samples, an interface call site with
 *                 three callees: no warning;
 *   cpp           C++ names in .cc files: non-go;
 *   java          Java names in .java files: non-go;
 *   cgo           a Go program calling C (runtime. names and C names): no
 *                 non-go warning;
 *   unsymbolized  half the weight on leaf frames without a function;
 *   single-frame  every sample a single frame: no call edges;
 *   processdata   grpc's loopyWriter.processData a hot leaf;
 *   renamed       the same, after pgotool merge's rename: no warning;
 *   latin1        a caller named in Latin-1 ("main.caf\xe9"), not UTF-8;
 *   long-names    a caller and callee of 300 bytes, ending "Tail";
 *   cancel        two edges of weights 5 and -10: a negative total weight.
 * `mkinspect list` prints every KIND.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgo.h"

static const char *const kinds[] = {
	"busy", "cpp", "java", "cgo", "unsymbolized", "single-frame", "processdata", "renamed", "latin1", "long-names", "cancel", NULL,
};

static void check(pgo_status st, const char *what)
{
	if (st) {
		fprintf(stderr, "mkinspect: %s: %s\n", what, pgo_status_name(st));
		exit(2);
	}
}

static uint32_t fn(pgo_profile *p, const char *name, const char *file, int64_t start)
{
	uint32_t i;
	check(pgo_add_function(p, name, name, file, start, &i), "add function");
	return i;
}

static uint64_t next_address = 0x401000;

static uint32_t loc(pgo_profile *p, uint32_t function, int64_t line)
{
	pgo_line ln = {.function = function, .line = line};
	uint32_t i;
	check(pgo_add_location(p, PGO_NONE, next_address, &ln, function == PGO_NONE ? 0 : 1, &i), "add location");
	next_address += 0x10;
	return i;
}

/* A sample of count samples (10 ms each), leaf first. */
static void sample(pgo_profile *p, uint32_t leaf, uint32_t caller, int64_t count)
{
	uint32_t locs[2] = {leaf, caller};
	int64_t v[2] = {count, count * 10000000};
	check(pgo_add_sample(p, locs, caller == PGO_NONE ? 1 : 2, v, NULL, 0), "add sample");
}

/* A caller calling n callees at one line, with the given counts. */
static void fan(pgo_profile *p, const char *caller, const char *file, int64_t start, int64_t line,
                const char *const *callees, const int64_t *counts, size_t n)
{
	uint32_t c = loc(p, fn(p, caller, file, start), line);
	for (size_t i = 0; i < n; i++)
		sample(p, loc(p, fn(p, callees[i], file, 100 + 10 * (int64_t)i), 101 + 10 * (int64_t)i), c, counts[i]);
}

static void build(pgo_profile *p, const char *kind)
{
	if (!strcmp(kind, "busy") || !strcmp(kind, "unsymbolized")) {
		static const char *const shapes[] = {"example.com/app/shapes.(*Circle).Area",
		                                     "example.com/app/shapes.(*Square).Area",
		                                     "example.com/app/shapes.(*Poly).Area"};
		static const int64_t counts[] = {2500, 1500, 400};
		fan(p, "example.com/app/shapes.Total", "shapes/shapes.go", 20, 24, shapes, counts, 3);
		static const char *const alloc[] = {"runtime.mallocgc"};
		static const int64_t n_alloc[] = {600};
		fan(p, "main.main", "main.go", 10, 15, alloc, n_alloc, 1);
		if (!strcmp(kind, "unsymbolized"))
			sample(p, loc(p, PGO_NONE, 0), loc(p, PGO_NONE, 0), 6000);
	} else if (!strcmp(kind, "cpp")) {
		static const char *const callees[] = {"std::vector<int>::push_back(int const&)", "malloc"};
		static const int64_t counts[] = {1200, 800};
		fan(p, "app::Server::Handle(Request const&)", "server.cc", 40, 52, callees, counts, 2);
	} else if (!strcmp(kind, "java")) {
		static const char *const callees[] = {"java.util.HashMap.get", "com.example.Cache.load"};
		static const int64_t counts[] = {1500, 500};
		fan(p, "com.example.Server.handle", "Server.java", 30, 33, callees, counts, 2);
	} else if (!strcmp(kind, "cgo")) {
		static const char *const go[] = {"runtime.cgocall"};
		static const int64_t n_go[] = {900};
		fan(p, "main.query", "main.go", 10, 12, go, n_go, 1);
		static const char *const c[] = {"sqlite3VdbeExec", "memcpy"};
		static const int64_t n_c[] = {1500, 300};
		fan(p, "sqlite3_step", "sqlite3.c", 500, 510, c, n_c, 2);
	} else if (!strcmp(kind, "single-frame")) {
		sample(p, loc(p, fn(p, "main.spin", "main.go", 5), 7), PGO_NONE, 3000);
	} else if (!strcmp(kind, "long-names")) {
		char caller[320], callee[320];
		memset(caller, 'a', 300);
		memcpy(caller, "main.", 5);
		memcpy(caller + 296, "Tail", 5);
		memcpy(callee, caller, 301);
		callee[5] = 'b';
		const char *callees[] = {callee};
		static const int64_t counts[] = {2000};
		fan(p, caller, "main.go", 10, 12, callees, counts, 1);
	} else if (!strcmp(kind, "cancel")) {
		static const char *const up[] = {"main.up"}, *const down[] = {"main.down"};
		static const int64_t plus[] = {5}, minus[] = {-10};
		fan(p, "main.a", "main.go", 10, 12, up, plus, 1);
		fan(p, "main.b", "main.go", 20, 22, down, minus, 1);
	} else if (!strcmp(kind, "latin1")) {
		static const char *const callees[] = {"main.work"};
		static const int64_t counts[] = {2000};
		fan(p, "main.caf\xe9", "main.go", 10, 12, callees, counts, 1);
	} else if (!strcmp(kind, "processdata") || !strcmp(kind, "renamed")) {
		const char *pd = !strcmp(kind, "renamed")
		                         ? "DO NOT INLINE: google.golang.org/grpc/internal/transport.(*loopyWriter).processData"
		                         : "google.golang.org/grpc/internal/transport.(*loopyWriter).processData";
		const char *callees[] = {pd, "google.golang.org/grpc/internal/transport.(*loopyWriter).handle"};
		static const int64_t counts[] = {2000, 1000};
		fan(p, "google.golang.org/grpc/internal/transport.(*loopyWriter).run",
		    "google.golang.org/grpc/internal/transport/controlbuf.go", 900, 920, callees, counts, 2);
	}
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "list")) {
		for (const char *const *k = kinds; *k; k++)
			puts(*k);
		return 0;
	}
	const char *const *k = kinds;
	while (argc == 3 && *k && strcmp(*k, argv[1]))
		k++;
	if (argc != 3 || !*k) {
		fprintf(stderr, "usage: mkinspect KIND OUTFILE (mkinspect list: the kinds)\n");
		return 2;
	}
	pgo_profile *p = pgo_profile_new();
	if (!p)
		return 2;
	check(pgo_add_sample_type(p, "samples", "count"), "sample type");
	check(pgo_add_sample_type(p, "cpu", "nanoseconds"), "sample type");
	check(pgo_intern(p, "cpu", 3, &p->period_type.type), "intern");
	check(pgo_intern(p, "nanoseconds", 11, &p->period_type.unit), "intern");
	p->period = 10000000;
	p->duration_nanos = 60000000000;
	build(p, argv[1]);
	uint8_t *out;
	size_t size;
	check(pgo_encode(p, 6, &out, &size, NULL), "encode");
	FILE *f = fopen(argv[2], "wb");
	if (!f || fwrite(out, 1, size, f) != size || fclose(f)) {
		fprintf(stderr, "mkinspect: cannot write %s\n", argv[2]);
		return 2;
	}
	free(out);
	pgo_profile_free(p);
	return 0;
}
