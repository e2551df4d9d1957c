/*
 * genprofiles: writes large, realistic Go CPU profiles for the benchmark.
 *
 *     genprofiles [--family realistic|varied|distinct] OUTDIR COUNT SEED
 *
 * writes OUTDIR/p000.pprof ... (gzip, libpgo's encoder at level 6) and
 * prints one line of statistics per profile.
 *
 * "varied" and "distinct" are large, varied call graphs that compress under
 * 2:1 and share few stacks (see generate_varied). The default, "realistic":
 *
 * The profiles look like what dd-trace-go uploads for one traced Go service
 * (an HTTP + gRPC API called "orders-api"): a 60 s CPU profile sampled at
 * 100 Hz, sample types samples/count and cpu/nanoseconds, a PIE main binary
 * mapped at a different base in every profile (ASLR) plus [vdso], functions
 * with Go-like names, files and start lines, locations with inlined frames,
 * stacks up to 64 locations deep, and on request samples the labels
 * "local root span id", "span id" and "trace endpoint".
 *
 * All profiles of one run are drawn from one pool of functions and one call
 * graph built from SEED, so they overlap heavily (a few hot paths, chosen
 * with Zipf-like weights, and a long tail), as profiles of the same service
 * do. Everything is deterministic: our own splitmix64 generator, no rand(),
 * no clock, no hash-table iteration order. The first K profiles of a run of
 * COUNT >= K are the same bytes as a run of K.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime, mkdir */
#endif
#include "pgo.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

/* ------------------------------------------------------------------ */
/* Small utilities.                                                    */

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("genprofiles: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		die("out of memory");
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = xmalloc(n);
	memcpy(d, s, n);
	return d;
}

static char *xprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("vsnprintf failed");
	char *s = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* Grows a typed array: GROW(arr, cap, need). */
#define GROW(arr, cap, need)                                                   \
	do {                                                                   \
		if ((size_t)(need) > (cap)) {                                  \
			size_t nc_ = (cap) ? (cap) : 16;                       \
			while (nc_ < (size_t)(need))                           \
				nc_ *= 2;                                      \
			(arr) = xrealloc((arr), nc_ * sizeof *(arr));          \
			(cap) = nc_;                                           \
		}                                                              \
	} while (0)

static void check(pgo_status st, const char *what)
{
	if (st != PGO_OK)
		die("%s: %s", what, pgo_status_name(st));
}

/* ------------------------------------------------------------------ */
/* Deterministic randomness: splitmix64.                               */

typedef struct rng {
	uint64_t s;
} rng;

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnext(rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

static rng rseed(uint64_t seed, uint64_t stream)
{
	rng r = {mix64(seed ^ mix64(stream + 0x632be59bd9b4e019ULL))};
	return r;
}

/* Uniform in [0, n), n > 0. */
static uint32_t rbelow(rng *r, uint32_t n)
{
	return (uint32_t)(((rnext(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [lo, hi]. */
static int32_t rrange(rng *r, int32_t lo, int32_t hi)
{
	return lo + (int32_t)rbelow(r, (uint32_t)(hi - lo + 1));
}

/* Uniform in [0, 1). */
static double runit(rng *r)
{
	return (double)(rnext(r) >> 11) * 0x1p-53;
}

/* A power-law pick in [0, n): small indexes are much more likely. */
static uint32_t rskew(rng *r, uint32_t n, double power)
{
	uint32_t i = (uint32_t)((double)n * pow(runit(r), power));
	return i < n ? i : n - 1;
}

/* Number of failures before the first success, p = success probability. */
static uint32_t rgeom(rng *r, double p, uint32_t cap)
{
	uint32_t k = 0;
	while (k < cap && runit(r) >= p)
		k++;
	return k;
}

/* Picks an index from cumulative weights cum[0..n-1]. */
static uint32_t rpick(rng *r, const double *cum, uint32_t n)
{
	double x = runit(r) * cum[n - 1];
	uint32_t lo = 0, hi = n - 1;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (cum[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return mix64(h);
}

/* ------------------------------------------------------------------ */
/* A uint64 -> uint32 open-addressing map (key 0 is remapped).          */

typedef struct u64map {
	uint64_t *keys;
	uint32_t *vals;
	size_t mask, count;
} u64map;

static void u64map_init(u64map *m, size_t expected)
{
	size_t cap = 64;
	while (cap < expected * 2)
		cap *= 2;
	m->keys = xcalloc(cap, sizeof *m->keys);
	m->vals = xcalloc(cap, sizeof *m->vals);
	m->mask = cap - 1;
	m->count = 0;
}

static void u64map_free(u64map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}

static uint64_t u64map_fix(uint64_t k)
{
	return k ? k : 0x5bd1e995ULL;
}

static bool u64map_get(const u64map *m, uint64_t k, uint32_t *v)
{
	k = u64map_fix(k);
	for (size_t i = mix64(k) & m->mask;; i = (i + 1) & m->mask) {
		if (m->keys[i] == k) {
			*v = m->vals[i];
			return true;
		}
		if (!m->keys[i])
			return false;
	}
}

static void u64map_put(u64map *m, uint64_t k, uint32_t v);

static void u64map_rehash(u64map *m)
{
	u64map old = *m;
	u64map_init(m, (old.mask + 1));
	for (size_t i = 0; i <= old.mask; i++)
		if (old.keys[i])
			u64map_put(m, old.keys[i], old.vals[i]);
	free(old.keys);
	free(old.vals);
}

static void u64map_put(u64map *m, uint64_t k, uint32_t v)
{
	k = u64map_fix(k);
	if ((m->count + 1) * 2 > m->mask + 1)
		u64map_rehash(m);
	size_t i = mix64(k) & m->mask;
	while (m->keys[i] && m->keys[i] != k)
		i = (i + 1) & m->mask;
	if (!m->keys[i])
		m->count++;
	m->keys[i] = k;
	m->vals[i] = v;
}

/* ------------------------------------------------------------------ */
/* The pool: function identities and call-graph nodes.                 */

#define GOROOT "/usr/local/go/src/"
#define MODCACHE "/root/go/pkg/mod/"
#define APPMOD "github.com/acme/orders-api"
#define APPDIR "/app/"

enum kind { K_HAND, K_SVC, K_THIRD, K_STD };

/* Call-graph layers of synthesized code; level 0 holds the endpoint handlers.
 * A function calls functions of deeper layers (or itself), and runtime and
 * stdlib entry points from the hand-written table. */
#define L_SVC_HI 6
#define L_THIRD_LO 7
#define L_THIRD_HI 10
#define L_STD_LO 11
#define L_STD_HI 14

/* A function as the profile sees it: name, file, start line. */
typedef struct gfunc {
	char *name;
	char *file;
	int64_t start_line;
	int32_t length;        /* lines */
	int32_t dispatch_line; /* the line of a dynamic call (f(), iface.M()) */
	uint64_t text_off;     /* offset of its code in the main mapping */
	uint32_t text_size;
	uint32_t next_pc;      /* next free PC slot for a new inline chain */
} gfunc;

typedef struct callsite {
	uint32_t callee;  /* node index */
	int32_t line;
	bool inlined;     /* callee's frame shares the caller's location */
} callsite;

/* A vertex of the call graph. Several nodes may share one function (for
 * trampolines such as runtime.systemstack whose callee depends on context). */
typedef struct gnode {
	uint32_t fn;
	int kind;
	int level;
	bool inlinable;
	bool trampoline; /* every call site uses the function's dispatch line */
	bool vdso;       /* may continue into a [vdso] frame */
	double stop;     /* probability of stopping here (self time) */
	uint32_t cs_at, n_cs;
	uint32_t self_at, n_self;
	char *callee_spec; /* hand nodes: comma-separated callee names, until resolved */
} gnode;

typedef struct pool {
	gfunc *funcs;
	size_t n_funcs, cap_funcs;
	gnode *nodes;
	size_t n_nodes, cap_nodes;
	callsite *cs;
	double *cs_cum; /* cumulative weights per node's call sites */
	size_t n_cs, cap_cs;
	int32_t *self_lines;
	double *self_cum;
	size_t n_self, cap_self;
	u64map func_by_name;  /* hash(name) -> func index */
	u64map node_by_name;  /* hash(node name incl. #tag) -> node index */
	uint32_t *level_nodes[16];
	size_t n_level[16], cap_level[16];
	/* runtime/stdlib entry points that synthesized code calls */
	uint32_t *api;
	double *api_cum;
	size_t n_api;
	uint64_t text_size;
} pool;

static uint32_t func_lookup_or_add(pool *P, rng *r, const char *name, const char *file,
                                   int64_t start_line)
{
	uint32_t idx;
	uint64_t h = hash_str(name);
	if (u64map_get(&P->func_by_name, h, &idx))
		return idx;
	GROW(P->funcs, P->cap_funcs, P->n_funcs + 1);
	gfunc *f = &P->funcs[P->n_funcs];
	memset(f, 0, sizeof *f);
	f->name = xstrdup(name);
	f->file = xstrdup(file);
	f->start_line = start_line > 0 ? start_line : rrange(r, 20, 1800);
	f->length = rrange(r, 12, 160);
	f->dispatch_line = rrange(r, 2, f->length - 1);
	f->text_size = 0x400u << rbelow(r, 3); /* 1, 2 or 4 KiB */
	f->text_off = 0x1000 + P->text_size;
	P->text_size += f->text_size;
	idx = (uint32_t)P->n_funcs++;
	u64map_put(&P->func_by_name, h, idx);
	return idx;
}

static bool name_taken(pool *P, const char *name)
{
	uint32_t idx;
	return u64map_get(&P->func_by_name, hash_str(name), &idx);
}

static uint32_t node_new(pool *P, uint32_t fn, int kind, int level)
{
	GROW(P->nodes, P->cap_nodes, P->n_nodes + 1);
	gnode *n = &P->nodes[P->n_nodes];
	memset(n, 0, sizeof *n);
	n->fn = fn;
	n->kind = kind;
	n->level = level;
	if (level >= 0 && level < 16) {
		GROW(P->level_nodes[level], P->cap_level[level], P->n_level[level] + 1);
		P->level_nodes[level][P->n_level[level]++] = (uint32_t)P->n_nodes;
	}
	return (uint32_t)P->n_nodes++;
}

/* Distinct line offsets inside a function, for call sites and self PCs. */
static int32_t fresh_line(rng *r, const gfunc *f, const int32_t *used, size_t n_used)
{
	for (int tries = 0; tries < 64; tries++) {
		int32_t line = (int32_t)f->start_line + rrange(r, 1, f->length);
		bool dup = line == (int32_t)f->start_line + f->dispatch_line;
		for (size_t i = 0; i < n_used && !dup; i++)
			dup = used[i] == line;
		if (!dup)
			return line;
	}
	return (int32_t)f->start_line + f->length + (int32_t)n_used + 1;
}

/* Gives node ni its call sites (callees already chosen) and self lines. */
static void node_finish(pool *P, rng *r, uint32_t ni, const uint32_t *callees, uint32_t n_callees,
                        uint32_t n_self, double zipf)
{
	gnode *n = &P->nodes[ni];
	const gfunc *f = &P->funcs[n->fn];
	int32_t used[64] = {0};
	size_t n_used = 0;

	GROW(P->cs, P->cap_cs, P->n_cs + n_callees);
	P->cs_cum = xrealloc(P->cs_cum, P->cap_cs * sizeof *P->cs_cum);
	n->cs_at = (uint32_t)P->n_cs;
	n->n_cs = n_callees;
	double cum = 0;
	for (uint32_t i = 0; i < n_callees; i++) {
		callsite *c = &P->cs[P->n_cs + i];
		c->callee = callees[i];
		if (n->trampoline) {
			c->line = (int32_t)f->start_line + f->dispatch_line;
		} else {
			c->line = fresh_line(r, f, used, n_used);
			if (n_used < 64)
				used[n_used++] = c->line;
		}
		const gnode *callee = &P->nodes[callees[i]];
		c->inlined = callee->inlinable && callees[i] != ni && !n->trampoline;
		cum += 1.0 / pow((double)i + 1.0, zipf);
		P->cs_cum[P->n_cs + i] = cum;
	}
	P->n_cs += n_callees;

	GROW(P->self_lines, P->cap_self, P->n_self + n_self);
	P->self_cum = xrealloc(P->self_cum, P->cap_self * sizeof *P->self_cum);
	n->self_at = (uint32_t)P->n_self;
	n->n_self = n_self;
	cum = 0;
	for (uint32_t i = 0; i < n_self; i++) {
		int32_t line = fresh_line(r, f, used, n_used);
		if (n_used < 64)
			used[n_used++] = line;
		P->self_lines[P->n_self + i] = line;
		cum += 1.0 / pow((double)i + 1.0, 1.0);
		P->self_cum[P->n_self + i] = cum;
	}
	P->n_self += n_self;
}

/* ------------------------------------------------------------------ */
/* Hand-written part of the graph: runtime, syscalls, net/http, gRPC,   */
/* tracer, router and a few service entry points.                      */
/*                                                                     */
/* "name[#tag]|file|start|flags|stop|callee,callee,..."                 */
/* file: "/abs", "@module@version/path" (module cache) or GOROOT-relative. */
/* flags: i inlinable, t trampoline, v may run into [vdso].             */
/* callees: node names, or @svc / @third / @std for a synthesized node. */

#define DD "@github.com/DataDog/dd-trace-go/v2@v2.3.0/"
#define DDHTTP "@github.com/DataDog/dd-trace-go/contrib/net/http/v2@v2.3.0/"
#define DDCHI "@github.com/DataDog/dd-trace-go/contrib/go-chi/chi.v5/v2@v2.3.0/"
#define DDGRPC "@github.com/DataDog/dd-trace-go/contrib/google.golang.org/grpc/v2@v2.3.0/"
#define GRPC "@google.golang.org/grpc@v1.67.1/"
#define PB "@google.golang.org/protobuf@v1.35.1/"
#define XNET "@golang.org/x/net@v0.30.0/"
#define CHI "@github.com/go-chi/chi/v5@v5.1.0/"
#define PROM "@github.com/prometheus/client_golang@v1.20.5/"
#define MSGP "@github.com/tinylib/msgp@v1.2.4/"
#define TR "github.com/DataDog/dd-trace-go/v2/ddtrace/tracer."
#define TP "google.golang.org/grpc/internal/transport."
#define IMPL "google.golang.org/protobuf/internal/impl."
#define MAPS "internal/runtime/maps."

static const char *const hand_table[] = {
	/* scheduler and machine start */
	"runtime.goexit|runtime/asm_amd64.s|1693|t|0|",
	"runtime.mcall|runtime/asm_amd64.s|458|t|0|runtime.park_m,runtime.goexit0,runtime.gosched_m",
	"runtime.park_m|runtime/proc.go|4121||0.05|runtime.schedule,runtime.casgstatus",
	"runtime.goexit0|runtime/proc.go|4337||0.1|runtime.schedule,runtime.gdestroy",
	"runtime.gosched_m|runtime/proc.go|4061||0|runtime.goschedImpl",
	"runtime.goschedImpl|runtime/proc.go|4031||0.1|runtime.schedule,runtime.globrunqput",
	"runtime.globrunqput|runtime/proc.go|6618|i|1|",
	"runtime.gdestroy|runtime/proc.go|4346||1|",
	"runtime.schedule|runtime/proc.go|3989||0.05|runtime.findRunnable,runtime.execute,runtime.resetspinning",
	"runtime.findRunnable|runtime/proc.go|3270||0.2|runtime.netpoll,runtime.stealWork,runtime.stopm,"
	"runtime.checkTimers,runtime.runqget,runtime.lock2,runtime.nanotime1",
	"runtime.runqget|runtime/proc.go|6778|i|1|",
	"runtime.execute|runtime/proc.go|3178||0.3|runtime.gogo,runtime.casgstatus",
	"runtime.gogo|runtime/asm_amd64.s|402||1|",
	"runtime.casgstatus|runtime/proc.go|1108||1|",
	"runtime.resetspinning|runtime/proc.go|3936||0.2|runtime.wakep",
	"runtime.wakep|runtime/proc.go|3095||0.2|runtime.startm",
	"runtime.startm|runtime/proc.go|2870||0.2|runtime.notewakeup,runtime.lock2,runtime.newm",
	"runtime.newm|runtime/proc.go|2720||0.3|runtime.newm1",
	"runtime.newm1|runtime/proc.go|2764||0.1|runtime.newosproc",
	"runtime.newosproc|runtime/os_linux.go|172||0.1|runtime.clone",
	"runtime.clone|runtime/sys_linux_amd64.s|544||1|",
	"runtime.notewakeup|runtime/lock_futex.go|28||0.1|runtime.futexwakeup",
	"runtime.futexwakeup|runtime/os_linux.go|90||0.05|runtime.futex",
	"runtime.futex|runtime/sys_linux_amd64.s|557||1|",
	"runtime.netpoll|runtime/netpoll_epoll.go|99||0.3|internal/runtime/syscall.EpollWait,runtime.netpollready",
	"runtime.netpollready|runtime/netpoll.go|479|i|1|",
	"runtime.stealWork|runtime/proc.go|3640||0.4|runtime.runqsteal,runtime.checkTimers,runtime.nanotime1",
	"runtime.runqsteal|runtime/proc.go|6836||0.2|runtime.runqgrab",
	"runtime.runqgrab|runtime/proc.go|6793||0.6|runtime.usleep",
	"runtime.usleep|runtime/sys_linux_amd64.s|135||1|",
	"runtime.stopm|runtime/proc.go|2819||0.1|runtime.mPark,runtime.lock2",
	"runtime.mPark|runtime/proc.go|1911||0.05|runtime.notesleep",
	"runtime.notesleep|runtime/lock_futex.go|47||0.1|runtime.futexsleep",
	"runtime.futexsleep|runtime/os_linux.go|69||0.05|runtime.futex",
	"runtime.checkTimers|runtime/proc.go|4010||0.3|runtime.(*timers).run,runtime.nanotime1",
	"runtime.(*timers).run|runtime/time.go|1100||0.3|runtime.(*timer).unlockAndRun",
	"runtime.(*timer).unlockAndRun|runtime/time.go|1019||0.3|runtime.goroutineReady,runtime.lock2",
	"runtime.goroutineReady|runtime/sema.go|703||0|runtime.ready",
	"runtime.nanotime1|runtime/sys_linux_amd64.s|227|v|1|",
	"runtime.walltime|runtime/sys_linux_amd64.s|187|v|1|",
	"runtime.lock2|runtime/lock_futex.go|58||0.6|runtime.procyield,runtime.futexsleep,runtime.osyield",
	"runtime.unlock2|runtime/lock_futex.go|115||0.7|runtime.futexwakeup",
	"runtime.procyield|runtime/asm_amd64.s|807||1|",
	"runtime.osyield|runtime/sys_linux_amd64.s|640||1|",
	"runtime.mstart|runtime/asm_amd64.s|394|t|0|runtime.mstart0",
	"runtime.mstart0|runtime/proc.go|1773||0|runtime.mstart1",
	"runtime.mstart1|runtime/proc.go|1818||0|runtime.sysmon,runtime.schedule",
	"runtime.sysmon|runtime/proc.go|6106||0.2|runtime.usleep,runtime.nanotime1,runtime.retake,runtime.netpoll",
	"runtime.retake|runtime/proc.go|6285||0.5|runtime.lock2,runtime.preemptone",
	"runtime.preemptone|runtime/proc.go|6420||0.3|runtime.preemptM",
	"runtime.preemptM|runtime/signal_unix.go|373||0.2|runtime.signalM",
	"runtime.signalM|runtime/os_linux.go|565||0.2|runtime.tgkill",
	"runtime.tgkill|runtime/sys_linux_amd64.s|175||1|",
	"runtime._System|runtime/proc.go|5614|t|0|runtime._ExternalCode,runtime._GC,runtime._VDSO",
	"runtime._ExternalCode|runtime/proc.go|5611||1|",
	"runtime._GC|runtime/proc.go|5617||1|",
	"runtime._VDSO|runtime/proc.go|5620||1|",

	/* allocation */
	"runtime.newobject|runtime/malloc.go|1710||0.1|runtime.mallocgc",
	"runtime.newarray|runtime/malloc.go|1727||0.1|runtime.mallocgc",
	"runtime.makeslice|runtime/slice.go|88||0.1|runtime.mallocgc",
	"runtime.growslice|runtime/slice.go|155||0.25|runtime.mallocgc,runtime.memmove,runtime.memclrNoHeapPointers",
	"runtime.concatstrings|runtime/string.go|21||0.3|runtime.rawstringtmp,runtime.memmove",
	"runtime.concatstring2|runtime/string.go|59|i|0|runtime.concatstrings",
	"runtime.rawstringtmp|runtime/string.go|169|i|0.1|runtime.rawstring",
	"runtime.rawstring|runtime/string.go|305||0.1|runtime.mallocgc",
	"runtime.slicebytetostring|runtime/string.go|81||0.3|runtime.mallocgc,runtime.memmove",
	"runtime.stringtoslicebyte|runtime/string.go|173||0.3|runtime.rawbyteslice,runtime.memmove",
	"runtime.rawbyteslice|runtime/string.go|320||0.1|runtime.mallocgc",
	"runtime.convTstring|runtime/iface.go|387||0.2|runtime.mallocgc",
	"runtime.convTslice|runtime/iface.go|401||0.2|runtime.mallocgc",
	"runtime.convT64|runtime/iface.go|372||0.2|runtime.mallocgc",
	"runtime.convT|runtime/iface.go|344||0.2|runtime.mallocgc,runtime.typedmemmove",
	"runtime.mallocgc|runtime/malloc.go|1010||0.12|runtime.mallocgcSmallNoscan,runtime.mallocgcSmallScanNoHeader,"
	"runtime.mallocgcTiny,runtime.deductAssistCredit,runtime.mallocgcSmallScanHeader,runtime.mallocgcLarge",
	"runtime.mallocgcSmallNoscan|runtime/malloc.go|1195||0.35|runtime.nextFreeFast,runtime.(*mcache).nextFree,"
	"runtime.memclrNoHeapPointers",
	"runtime.mallocgcSmallScanNoHeader|runtime/malloc.go|1265||0.35|runtime.nextFreeFast,runtime.(*mcache).nextFree,"
	"runtime.heapSetTypeNoHeader,runtime.memclrNoHeapPointers",
	"runtime.mallocgcSmallScanHeader|runtime/malloc.go|1352||0.3|runtime.nextFreeFast,runtime.(*mcache).nextFree,"
	"runtime.heapSetTypeSmallHeader,runtime.memclrNoHeapPointers",
	"runtime.mallocgcTiny|runtime/malloc.go|1098||0.4|runtime.nextFreeFast,runtime.(*mcache).nextFree",
	"runtime.mallocgcLarge|runtime/malloc.go|1444||0.2|runtime.(*mcache).allocLarge,runtime.memclrNoHeapPointersChunked",
	"runtime.nextFreeFast|runtime/malloc.go|932|i|1|",
	"runtime.heapSetTypeNoHeader|runtime/mbitmap.go|638|i|0.3|runtime.(*mspan).writeHeapBitsSmall",
	"runtime.(*mspan).writeHeapBitsSmall|runtime/mbitmap.go|572||1|",
	"runtime.heapSetTypeSmallHeader|runtime/mbitmap.go|645|i|1|",
	"runtime.(*mcache).nextFree|runtime/malloc.go|962||0.2|runtime.(*mcache).refill,runtime.(*mspan).nextFreeIndex",
	"runtime.(*mspan).nextFreeIndex|runtime/mbitmap.go|147||0.7|runtime.(*mspan).refillAllocCache",
	"runtime.(*mspan).refillAllocCache|runtime/mbitmap.go|127|i|1|",
	"runtime.(*mcache).refill|runtime/mcache.go|148||0.1|runtime.(*mcentral).cacheSpan,runtime.(*mcentral).uncacheSpan",
	"runtime.(*mcentral).cacheSpan|runtime/mcentral.go|84||0.2|runtime.(*mcentral).grow,runtime.(*spanSet).pop,"
	"runtime.(*sweepLocked).sweep,runtime.deductSweepCredit",
	"runtime.(*mcentral).uncacheSpan|runtime/mcentral.go|213||0.5|runtime.(*spanSet).push",
	"runtime.(*spanSet).pop|runtime/mspanset.go|185||1|",
	"runtime.(*spanSet).push|runtime/mspanset.go|85||1|",
	"runtime.(*mcentral).grow|runtime/mcentral.go|249||0.1|runtime.(*mheap).alloc,runtime.(*mspan).initHeapBits",
	"runtime.(*mspan).initHeapBits|runtime/mbitmap.go|518||0.5|runtime.memclrNoHeapPointers",
	"runtime.(*mheap).alloc|runtime/mheap.go|963||0|runtime.systemstack#alloc",
	"runtime.systemstack#alloc|runtime/asm_amd64.s|493|t|0|runtime.(*mheap).alloc.func1",
	"runtime.(*mheap).alloc.func1|runtime/mheap.go|969||0.1|runtime.(*mheap).allocSpan",
	"runtime.(*mheap).allocSpan|runtime/mheap.go|1169||0.4|runtime.lock2,runtime.(*pageAlloc).alloc,runtime.sysUsed",
	"runtime.sysUsed|runtime/mem.go|77||0|runtime.sysUsedOS",
	"runtime.sysUsedOS|runtime/mem_linux.go|72||0.1|runtime.madvise",
	"runtime.(*pageAlloc).alloc|runtime/mpagealloc.go|833||0.6|runtime.(*pageAlloc).allocRange",
	"runtime.(*pageAlloc).allocRange|runtime/mpagealloc.go|598||1|",
	"runtime.(*mcache).allocLarge|runtime/mcache.go|230||0.2|runtime.(*mheap).alloc",
	"runtime.memclrNoHeapPointersChunked|runtime/malloc.go|1540||0.1|runtime.memclrNoHeapPointers",
	"runtime.memclrNoHeapPointers|runtime/memclr_amd64.s|13||1|",
	"runtime.memmove|runtime/memmove_amd64.s|33||1|",
	"runtime.typedmemmove|runtime/mbarrier.go|153||0.5|runtime.memmove,runtime.bulkBarrierPreWrite",
	"runtime.typedslicecopy|runtime/mbarrier.go|294||0.5|runtime.memmove,runtime.bulkBarrierPreWrite",
	"runtime.bulkBarrierPreWrite|runtime/mbitmap.go|391||0.6|runtime.wbBufFlush",
	"runtime.gcWriteBarrier2|runtime/asm_amd64.s|1810||0.6|runtime.wbBufFlush",
	"runtime.wbBufFlush|runtime/mwbbuf.go|169||0|runtime.systemstack#wb",
	"runtime.systemstack#wb|runtime/asm_amd64.s|493|t|0|runtime.wbBufFlush.func1",
	"runtime.wbBufFlush.func1|runtime/mwbbuf.go|190||0.1|runtime.wbBufFlush1",
	"runtime.wbBufFlush1|runtime/mwbbuf.go|208||0.4|runtime.findObject,runtime.greyobject",
	"runtime.deductSweepCredit|runtime/mgcsweep.go|900||0.3|runtime.sweepone",
	"runtime.sweepone|runtime/mgcsweep.go|377||0.2|runtime.(*sweepLocked).sweep,runtime.(*mheap).nextSpanForSweep",
	"runtime.(*mheap).nextSpanForSweep|runtime/mgcsweep.go|99||1|",
	"runtime.(*sweepLocked).sweep|runtime/mgcsweep.go|527||0.6|runtime.(*mspan).countAlloc,runtime.(*mheap).freeSpan",
	"runtime.(*mspan).countAlloc|runtime/mbitmap.go|1434||1|",
	"runtime.(*mheap).freeSpan|runtime/mheap.go|1525||0|runtime.systemstack#free",
	"runtime.systemstack#free|runtime/asm_amd64.s|493|t|0|runtime.(*mheap).freeSpan.func1",
	"runtime.(*mheap).freeSpan.func1|runtime/mheap.go|1526||0.3|runtime.lock2,runtime.(*mheap).freeSpanLocked",
	"runtime.(*mheap).freeSpanLocked|runtime/mheap.go|1560||1|",
	"runtime.deductAssistCredit|runtime/malloc.go|1599|i|0.1|runtime.gcAssistAlloc",
	"runtime.gcAssistAlloc|runtime/mgcmark.go|416||0.1|runtime.systemstack#assist",
	"runtime.systemstack#assist|runtime/asm_amd64.s|493|t|0|runtime.gcAssistAlloc.func2",
	"runtime.gcAssistAlloc.func2|runtime/mgcmark.go|519||0|runtime.gcAssistAlloc1",
	"runtime.gcAssistAlloc1|runtime/mgcmark.go|556||0.1|runtime.gcDrainN",
	"runtime.gcDrainN|runtime/mgcmark.go|1343||0.2|runtime.scanobject,runtime.markroot,runtime.(*gcWork).tryGet",

	/* garbage collector */
	"runtime.gcBgMarkWorker|runtime/mgc.go|1383||0.02|runtime.systemstack#mark",
	"runtime.systemstack#mark|runtime/asm_amd64.s|493|t|0|runtime.gcBgMarkWorker.func2",
	"runtime.gcBgMarkWorker.func2|runtime/mgc.go|1483||0.02|runtime.gcDrainMarkWorkerDedicated,"
	"runtime.gcDrainMarkWorkerIdle,runtime.gcDrainMarkWorkerFractional",
	"runtime.gcDrainMarkWorkerDedicated|runtime/mgcmark.go|1119|i|0|runtime.gcDrain",
	"runtime.gcDrainMarkWorkerIdle|runtime/mgcmark.go|1105|i|0|runtime.gcDrain",
	"runtime.gcDrainMarkWorkerFractional|runtime/mgcmark.go|1133|i|0|runtime.gcDrain",
	"runtime.gcDrain|runtime/mgcmark.go|1184||0.1|runtime.scanobject,runtime.markroot,runtime.(*gcWork).tryGet,"
	"runtime.(*gcWork).balance,runtime.pollWork",
	"runtime.pollWork|runtime/proc.go|3881|i|1|",
	"runtime.scanobject|runtime/mgcmark.go|1433||0.5|runtime.findObject,runtime.greyobject,runtime.typePointers.next,"
	"runtime.spanOf,runtime.spanOfUnchecked",
	"runtime.spanOf|runtime/mheap.go|727|i|1|",
	"runtime.spanOfUnchecked|runtime/mheap.go|759|i|1|",
	"runtime.findObject|runtime/mbitmap.go|1310||0.9|runtime.spanOf",
	"runtime.greyobject|runtime/mgcmark.go|1631||0.8|runtime.(*gcWork).put",
	"runtime.(*gcWork).put|runtime/mgcwork.go|115||0.7|runtime.getempty",
	"runtime.getempty|runtime/mgcwork.go|357||1|",
	"runtime.typePointers.next|runtime/mbitmap.go|255||1|",
	"runtime.markroot|runtime/mgcmark.go|165||0.1|runtime.markrootBlock,runtime.markrootSpans,runtime.markroot.func1",
	"runtime.markrootBlock|runtime/mgcmark.go|258||0.2|runtime.scanblock",
	"runtime.scanblock|runtime/mgcmark.go|1370||0.5|runtime.greyobject,runtime.findObject",
	"runtime.markrootSpans|runtime/mgcmark.go|350||0.8|runtime.scanblock",
	"runtime.markroot.func1|runtime/mgcmark.go|238||0.05|runtime.scanstack",
	"runtime.scanstack|runtime/mgcmark.go|885||0.2|runtime.(*unwinder).next,runtime.scanframeworker",
	"runtime.scanframeworker|runtime/mgcmark.go|1058||0.3|runtime.scanblock,runtime.pcdatavalue",
	"runtime.pcdatavalue|runtime/symtab.go|1185||0.2|runtime.pcvalue",
	"runtime.pcvalue|runtime/symtab.go|924||0.7|runtime.step",
	"runtime.step|runtime/symtab.go|1273||1|",
	"runtime.(*unwinder).next|runtime/traceback.go|458||0.4|runtime.(*unwinder).resolveInternal,runtime.findfunc",
	"runtime.(*unwinder).resolveInternal|runtime/traceback.go|367||0.5|runtime.pcvalue",
	"runtime.findfunc|runtime/symtab.go|880||1|",
	"runtime.(*gcWork).tryGet|runtime/mgcwork.go|184||0.6|runtime.trygetfull",
	"runtime.trygetfull|runtime/mgcwork.go|399||1|",
	"runtime.(*gcWork).balance|runtime/mgcwork.go|285||0.5|runtime.handoff",
	"runtime.handoff|runtime/mgcwork.go|420||0.5|runtime.getempty",
	"runtime.bgsweep|runtime/mgcsweep.go|279||0.05|runtime.sweepone,runtime.goschedIfBusy",
	"runtime.goschedIfBusy|runtime/proc.go|401||1|",
	"runtime.bgscavenge|runtime/mgcscavenge.go|658||0.05|runtime.(*scavengerState).run",
	"runtime.(*scavengerState).run|runtime/mgcscavenge.go|496||0.1|runtime.(*pageAlloc).scavenge",
	"runtime.(*pageAlloc).scavenge|runtime/mgcscavenge.go|575||0.2|runtime.sysUnused",
	"runtime.sysUnused|runtime/mem.go|58||0|runtime.sysUnusedOS",
	"runtime.sysUnusedOS|runtime/mem_linux.go|40||0.1|runtime.madvise",
	"runtime.madvise|runtime/sys_linux_amd64.s|513||1|",

	/* channels, select, semaphores, goroutines */
	"runtime.gopark|runtime/proc.go|430||1|",
	"runtime.selectgo|runtime/select.go|121||0.6|runtime.sellock,runtime.selunlock,runtime.gopark",
	"runtime.selectnbsend|runtime/chan.go|720||0|runtime.chansend",
	"runtime.sellock|runtime/select.go|33||0.3|runtime.lock2",
	"runtime.selunlock|runtime/select.go|44||0.4|runtime.unlock2",
	"runtime.chansend1|runtime/chan.go|160||0|runtime.chansend",
	"runtime.chansend|runtime/chan.go|176||0.4|runtime.lock2,runtime.send,runtime.gopark",
	"runtime.send|runtime/chan.go|303||0.2|runtime.goready",
	"runtime.goready|runtime/proc.go|438||0|runtime.systemstack#ready",
	"runtime.systemstack#ready|runtime/asm_amd64.s|493|t|0|runtime.goready.func1",
	"runtime.goready.func1|runtime/proc.go|439||0|runtime.ready",
	"runtime.ready|runtime/proc.go|1009||0.3|runtime.runqput,runtime.wakep",
	"runtime.runqput|runtime/proc.go|6656|i|1|",
	"runtime.chanrecv1|runtime/chan.go|506||0|runtime.chanrecv",
	"runtime.chanrecv2|runtime/chan.go|511||0|runtime.chanrecv",
	"runtime.chanrecv|runtime/chan.go|527||0.4|runtime.lock2,runtime.recv,runtime.gopark",
	"runtime.recv|runtime/chan.go|695||0.3|runtime.goready,runtime.typedmemmove",
	"runtime.semacquire1|runtime/sema.go|160||0.3|runtime.gopark,runtime.lock2,runtime.(*semaRoot).queue",
	"runtime.(*semaRoot).queue|runtime/sema.go|303||1|",
	"runtime.semrelease1|runtime/sema.go|238||0.3|runtime.readyWithTime,runtime.lock2",
	"runtime.readyWithTime|runtime/sema.go|291|i|0|runtime.goready",
	"runtime.newproc|runtime/proc.go|5000||0|runtime.systemstack#newproc",
	"runtime.systemstack#newproc|runtime/asm_amd64.s|493|t|0|runtime.newproc.func1",
	"runtime.newproc.func1|runtime/proc.go|5005||0|runtime.newproc1",
	"runtime.newproc1|runtime/proc.go|5020||0.4|runtime.gfget,runtime.runqput,runtime.memclrNoHeapPointers",
	"runtime.gfget|runtime/proc.go|5175||1|",
	"runtime.deferreturn|runtime/panic.go|589||0.5|runtime.(*_panic).nextDefer",
	"runtime.(*_panic).nextDefer|runtime/panic.go|913||1|",

	/* maps, interfaces, strings */
	MAPS "runtime_mapaccess1_faststr|internal/runtime/maps/runtime_faststr_swiss.go|103||0.55|"
	"runtime.aeshashbody," MAPS "(*Map).getWithoutKeySmallFastStr,runtime.memequal",
	MAPS "runtime_mapaccess2_faststr|internal/runtime/maps/runtime_faststr_swiss.go|162||0.55|"
	"runtime.aeshashbody," MAPS "(*Map).getWithoutKeySmallFastStr,runtime.memequal",
	MAPS "(*Map).getWithoutKeySmallFastStr|internal/runtime/maps/runtime_faststr_swiss.go|17|i|1|",
	MAPS "runtime_mapassign_faststr|internal/runtime/maps/runtime_faststr_swiss.go|221||0.4|"
	"runtime.aeshashbody," MAPS "(*Map).growToTable," MAPS "(*table).rehash,runtime.newobject",
	MAPS "(*Map).growToTable|internal/runtime/maps/map.go|567||0.3|runtime.newobject,runtime.newarray",
	MAPS "(*table).rehash|internal/runtime/maps/table.go|670||0.2|" MAPS "(*table).grow",
	MAPS "(*table).grow|internal/runtime/maps/table.go|706||0.5|runtime.newarray,runtime.typedmemmove",
	MAPS "runtime_mapaccess2|internal/runtime/maps/runtime_swiss.go|125||0.6|runtime.memhash64,runtime.memequal",
	"runtime.memhash64|runtime/hash64.go|69||1|",
	"runtime.mapiterinit|runtime/map_swiss.go|153||0|" MAPS "(*Iter).Init",
	MAPS "(*Iter).Init|internal/runtime/maps/table.go|760||1|",
	"runtime.mapiternext|runtime/map_swiss.go|174||0|" MAPS "(*Iter).Next",
	MAPS "(*Iter).Next|internal/runtime/maps/table.go|922||1|",
	"runtime.aeshashbody|runtime/asm_amd64.s|1117||1|",
	"runtime.memequal|internal/bytealg/equal_amd64.s|10||1|",
	"runtime.cmpstring|internal/bytealg/compare_amd64.s|25||1|",
	"indexbytebody|internal/bytealg/indexbyte_amd64.s|29||1|",
	"runtime.decoderune|runtime/utf8.go|60||1|",
	"runtime.assertE2I|runtime/iface.go|435||0.3|runtime.typeAssert",
	"runtime.typeAssert|runtime/iface.go|455||0.4|runtime.getitab",
	"runtime.getitab|runtime/iface.go|44||0.6|runtime.(*itabTableType).find",
	"runtime.(*itabTableType).find|runtime/iface.go|118||1|",

	/* time, sync */
	"time.Now|time/time.go|1145||0.3|time.now",
	"time.now|runtime/timestub.go|15||0.1|runtime.walltime,runtime.nanotime1",
	"time.Since|time/time.go|1163||0.2|runtime.nanotime1",
	"sync.(*Mutex).Lock|sync/mutex.go|46|i|0.7|internal/sync.(*Mutex).lockSlow",
	"internal/sync.(*Mutex).lockSlow|internal/sync/mutex.go|78||0.4|internal/sync.runtime_SemacquireMutex,runtime.procyield",
	"internal/sync.runtime_SemacquireMutex|runtime/sema.go|95||0|runtime.semacquire1",
	"sync.(*Mutex).Unlock|sync/mutex.go|63|i|0.9|internal/sync.(*Mutex).unlockSlow",
	"internal/sync.(*Mutex).unlockSlow|internal/sync/mutex.go|185||0.2|internal/sync.runtime_Semrelease",
	"internal/sync.runtime_Semrelease|runtime/sema.go|85||0|runtime.semrelease1",
	"sync.(*RWMutex).RLock|sync/rwmutex.go|63|i|1|",
	"sync.(*RWMutex).RUnlock|sync/rwmutex.go|87|i|1|",
	"sync.(*Pool).Get|sync/pool.go|124||0.5|sync.(*Pool).pin,sync.(*Pool).getSlow",
	"sync.(*Pool).pin|sync/pool.go|200||1|",
	"sync.(*Pool).getSlow|sync/pool.go|153||0.7|sync.(*poolChain).popTail",
	"sync.(*poolChain).popTail|sync/poolqueue.go|262||1|",
	"sync.(*Pool).Put|sync/pool.go|88||0.6|sync.(*Pool).pin",
	"sync/atomic.(*Int64).Add|sync/atomic/type.go|169|i|1|",
	"context.WithValue|context/context.go|731||0.3|runtime.newobject",

	/* network I/O */
	"net.(*conn).Read|net/net.go|179||0.1|net.(*netFD).Read",
	"net.(*netFD).Read|net/fd_posix.go|54|i|0|internal/poll.(*FD).Read",
	"net.(*conn).Write|net/net.go|191||0.1|net.(*netFD).Write",
	"net.(*netFD).Write|net/fd_posix.go|95|i|0|internal/poll.(*FD).Write",
	"internal/poll.(*FD).Read|internal/poll/fd_unix.go|141||0.1|internal/poll.(*FD).readLock,"
	"internal/poll.ignoringEINTRIO#read,internal/poll.(*pollDesc).waitRead,internal/poll.(*FD).readUnlock",
	"internal/poll.ignoringEINTRIO#read|internal/poll/fd_unix.go|735|it|0|syscall.Read",
	"internal/poll.(*FD).Write|internal/poll/fd_unix.go|370||0.1|internal/poll.(*FD).writeLock,"
	"internal/poll.ignoringEINTRIO#write,internal/poll.(*FD).writeUnlock",
	"internal/poll.ignoringEINTRIO#write|internal/poll/fd_unix.go|735|it|0|syscall.Write",
	"internal/poll.(*FD).readLock|internal/poll/fd_mutex.go|218|i|0.5|internal/poll.(*fdMutex).rwlock",
	"internal/poll.(*FD).readUnlock|internal/poll/fd_mutex.go|229|i|0.5|internal/poll.(*fdMutex).rwunlock",
	"internal/poll.(*FD).writeLock|internal/poll/fd_mutex.go|238|i|0.5|internal/poll.(*fdMutex).rwlock",
	"internal/poll.(*FD).writeUnlock|internal/poll/fd_mutex.go|247|i|0.5|internal/poll.(*fdMutex).rwunlock",
	"internal/poll.(*fdMutex).rwlock|internal/poll/fd_mutex.go|147||1|",
	"internal/poll.(*fdMutex).rwunlock|internal/poll/fd_mutex.go|182||1|",
	"internal/poll.(*pollDesc).waitRead|internal/poll/fd_poll_runtime.go|88|i|0|internal/poll.(*pollDesc).wait",
	"internal/poll.(*pollDesc).wait|internal/poll/fd_poll_runtime.go|73||0.1|internal/poll.runtime_pollWait",
	"internal/poll.runtime_pollWait|runtime/netpoll.go|340||0.2|runtime.netpollblock",
	"runtime.netpollblock|runtime/netpoll.go|557||0.3|runtime.gopark",
	"syscall.Read|syscall/syscall_unix.go|181|i|0|syscall.read",
	"syscall.read|syscall/zsyscall_linux_amd64.go|721||0.05|syscall.Syscall",
	"syscall.Write|syscall/syscall_unix.go|206|i|0|syscall.write",
	"syscall.write|syscall/zsyscall_linux_amd64.go|964||0.05|syscall.Syscall",
	"syscall.Syscall|syscall/syscall_linux.go|73||0.05|runtime.entersyscall,internal/runtime/syscall.Syscall6,"
	"runtime.exitsyscall",
	"internal/runtime/syscall.Syscall6|internal/runtime/syscall/asm_linux_amd64.s|36||1|",
	"internal/runtime/syscall.EpollWait|internal/runtime/syscall/syscall_linux.go|32||0.05|"
	"internal/runtime/syscall.Syscall6",
	"runtime.entersyscall|runtime/proc.go|4484||0|runtime.reentersyscall",
	"runtime.reentersyscall|runtime/proc.go|4394||1|",
	"runtime.exitsyscall|runtime/proc.go|4634||1|",

	/* net/http server */
	"net/http.(*conn).serve|net/http/server.go|1996||0.02|"
	"net/http.(*conn).readRequest,net/http.(*response).finishRequest,net/http.(*conn).setState",
	"net/http.(*conn).setState|net/http/server.go|1876||0.6|sync.(*Mutex).Lock,sync.(*Mutex).Unlock",
	"net/http.serverHandler.ServeHTTP|net/http/server.go|3301||0|",
	"net/http.(*conn).readRequest|net/http/server.go|1005||0.1|net/http.readRequest,net/http.(*conn).hijacked,"
	"context.WithValue,runtime.newobject",
	"net/http.(*conn).hijacked|net/http/server.go|315||1|",
	"net/http.readRequest|net/http/request.go|1070||0.2|net/textproto.(*Reader).ReadMIMEHeader,"
	"net/textproto.(*Reader).ReadLine,net/url.ParseRequestURI,runtime.newobject",
	"net/url.ParseRequestURI|net/url/url.go|537||0.3|net/url.parse",
	"net/url.parse|net/url/url.go|548||0.5|net/url.unescape,net/url.getScheme,runtime.newobject",
	"net/url.unescape|net/url/url.go|199||1|",
	"net/url.getScheme|net/url/url.go|452||1|",
	"net/textproto.(*Reader).ReadMIMEHeader|net/textproto/reader.go|486||0|net/textproto.readMIMEHeader",
	"net/textproto.readMIMEHeader|net/textproto/reader.go|496||0.3|net/textproto.(*Reader).readContinuedLineSlice,"
	"net/textproto.canonicalMIMEHeaderKey," MAPS "runtime_mapassign_faststr,runtime.slicebytetostring",
	"net/textproto.(*Reader).readContinuedLineSlice|net/textproto/reader.go|153||0.3|"
	"net/textproto.(*Reader).readLineSlice",
	"net/textproto.(*Reader).ReadLine|net/textproto/reader.go|40|i|0|net/textproto.(*Reader).readLineSlice",
	"net/textproto.(*Reader).readLineSlice|net/textproto/reader.go|56||0.3|bufio.(*Reader).ReadLine",
	"net/textproto.canonicalMIMEHeaderKey|net/textproto/reader.go|682||1|",
	"bufio.(*Reader).ReadLine|bufio/bufio.go|376||0.3|bufio.(*Reader).ReadSlice",
	"bufio.(*Reader).ReadSlice|bufio/bufio.go|340||0.4|bufio.(*Reader).fill,indexbytebody",
	"bufio.(*Reader).fill|bufio/bufio.go|100||0.1|net/http.(*connReader).Read",
	"bufio.(*Reader).Read|bufio/bufio.go|197||0.3|net.(*conn).Read,runtime.memmove",
	"net/http.(*connReader).Read|net/http/server.go|798||0.1|net.(*conn).Read,sync.(*Mutex).Lock",
	"net/http.(*response).finishRequest|net/http/server.go|1714||0.1|bufio.(*Writer).Flush,"
	"net/http.(*chunkWriter).close,sync.(*Pool).Put",
	"net/http.(*chunkWriter).close|net/http/server.go|1645||0.3|net/http.(*chunkWriter).writeHeader",
	"net/http.(*chunkWriter).writeHeader|net/http/server.go|1354||0.3|net/http.Header.writeSubset,time.Now",
	"net/http.Header.writeSubset|net/http/header.go|199||0.4|net/http.Header.sortedKeyValues,"
	"strings.(*Replacer).WriteString",
	"net/http.Header.sortedKeyValues|net/http/header.go|169||0.5|runtime.growslice,sort.Sort",
	"sort.Sort|sort/sort.go|45||0.3|sort.pdqsort",
	"sort.pdqsort|sort/zsortinterface.go|61||0.5|sort.pdqsort,sort.insertionSort",
	"sort.insertionSort|sort/zsortinterface.go|12||1|",
	"strings.(*Replacer).WriteString|strings/replace.go|113||0.4|strings.(*genericReplacer).WriteString",
	"strings.(*genericReplacer).WriteString|strings/replace.go|257||1|",
	"bufio.(*Writer).Flush|bufio/bufio.go|641||0.1|net/http.checkConnErrorWriter.Write",
	"net/http.checkConnErrorWriter.Write|net/http/server.go|3852||0.05|net.(*conn).Write",

	/* router and middleware (the HTTP request prefix) */
	"net/http.HandlerFunc.ServeHTTP|net/http/server.go|2284||0|",
	"github.com/go-chi/chi/v5.(*Mux).ServeHTTP|" CHI "mux.go|63||0.05|sync.(*Pool).Get,"
	"github.com/go-chi/chi/v5.(*Context).Reset,sync.(*Pool).Put,context.WithValue",
	"github.com/go-chi/chi/v5.(*Context).Reset|" CHI "context.go|81||1|",
	"github.com/go-chi/chi/v5/middleware.RequestID.func1|" CHI "middleware/request_id.go|67||0.1|"
	"context.WithValue,sync/atomic.(*Int64).Add,net/http.Header.Get",
	"net/http.Header.Get|net/http/header.go|50||0.3|net/textproto.MIMEHeader.Get",
	"net/textproto.MIMEHeader.Get|net/textproto/header.go|34||0.4|" MAPS "runtime_mapaccess1_faststr",
	"github.com/DataDog/dd-trace-go/contrib/go-chi/chi.v5/v2.Middleware.func1.1|" DDCHI "chi.go|50||0.1|"
	"github.com/go-chi/chi/v5.RouteContext,runtime.newobject,runtime.concatstrings",
	"github.com/go-chi/chi/v5.RouteContext|" CHI "context.go|19||1|",
	"github.com/DataDog/dd-trace-go/v2/instrumentation/httptrace.TraceAndServe|" DD
	"instrumentation/httptrace/httptrace.go|180||0.05|"
	"github.com/DataDog/dd-trace-go/v2/instrumentation/httptrace.StartRequestSpan," TR "(*Span).Finish,"
	"github.com/DataDog/dd-trace-go/v2/instrumentation/httptrace.FinishRequestSpan",
	"github.com/DataDog/dd-trace-go/v2/instrumentation/httptrace.StartRequestSpan|" DD
	"instrumentation/httptrace/httptrace.go|45||0.2|" TR "StartSpanFromContext,net/http.Header.Get,"
	"runtime.concatstrings,github.com/DataDog/dd-trace-go/v2/instrumentation/httptrace.urlFromRequest",
	"github.com/DataDog/dd-trace-go/v2/instrumentation/httptrace.urlFromRequest|" DD
	"instrumentation/httptrace/httptrace.go|120||0.5|strings.(*Builder).WriteString,runtime.concatstrings",
	"strings.(*Builder).WriteString|strings/builder.go|108||0.4|runtime.growslice,runtime.memmove",
	"github.com/DataDog/dd-trace-go/v2/instrumentation/httptrace.FinishRequestSpan|" DD
	"instrumentation/httptrace/httptrace.go|150||0.3|" TR "(*Span).SetTag,strconv.Itoa",
	"strconv.Itoa|strconv/itoa.go|34|i|0|strconv.FormatInt",
	"strconv.FormatInt|strconv/itoa.go|28||0.5|strconv.small,strconv.formatBits",
	"strconv.small|strconv/itoa.go|62|i|1|",
	"strconv.formatBits|strconv/itoa.go|105||0.7|runtime.slicebytetostring",
	TR "StartSpanFromContext|" DD "ddtrace/tracer/context.go|48||0.1|" TR "(*tracer).StartSpan,context.WithValue",
	TR "(*tracer).StartSpan|" DD "ddtrace/tracer/tracer.go|560||0.25|runtime.newobject,time.Now,"
	TR "(*tracer).applyPPROFLabels," TR "generateSpanID," TR "(*trace).push",
	TR "generateSpanID|" DD "ddtrace/tracer/rand.go|20||0.7|math/rand/v2.Uint64",
	"math/rand/v2.Uint64|math/rand/v2/rand.go|302||0.3|runtime.rand",
	"runtime.rand|runtime/rand.go|131||1|",
	TR "(*trace).push|" DD "ddtrace/tracer/spancontext.go|400||0.4|sync.(*Mutex).Lock,sync.(*Mutex).Unlock,"
	"runtime.growslice",
	TR "(*tracer).applyPPROFLabels|" DD "ddtrace/tracer/tracer.go|720||0.2|runtime/pprof.WithLabels,"
	"runtime/pprof.SetGoroutineLabels,strconv.FormatUint",
	"strconv.FormatUint|strconv/itoa.go|20||0.5|strconv.formatBits",
	"runtime/pprof.WithLabels|runtime/pprof/label.go|61||0.3|runtime.growslice,runtime.newobject,slices.SortFunc",
	"slices.SortFunc|slices/sort.go|29||0.4|slices.pdqsortCmpFunc",
	"slices.pdqsortCmpFunc|slices/zsortanyfunc.go|61||0.6|slices.pdqsortCmpFunc,slices.insertionSortCmpFunc",
	"slices.insertionSortCmpFunc|slices/zsortanyfunc.go|12||1|",
	"runtime/pprof.SetGoroutineLabels|runtime/pprof/label.go|11||1|",
	TR "(*Span).Finish|" DD "ddtrace/tracer/span.go|600||0.1|" TR "(*Span).finish,time.Now",
	TR "(*Span).finish|" DD "ddtrace/tracer/span.go|640||0.3|" TR "(*trace).finishedOne,time.Now",
	TR "(*trace).finishedOne|" DD "ddtrace/tracer/spancontext.go|470||0.3|sync.(*Mutex).Lock,"
	"sync.(*Mutex).Unlock," TR "(*tracer).submitChunk",
	TR "(*tracer).submitChunk|" DD "ddtrace/tracer/tracer.go|480||0.4|runtime.selectnbsend",
	TR "(*Span).SetTag|" DD "ddtrace/tracer/span.go|170||0.4|" TR "(*Span).setMeta",
	TR "(*Span).setMeta|" DD "ddtrace/tracer/span.go|420||0.5|" MAPS "runtime_mapassign_faststr",
	"github.com/go-chi/chi/v5/middleware.Recoverer.func1|" CHI "middleware/recoverer.go|21||0.02|runtime.deferreturn",
	APPMOD "/internal/api.(*Server).authMiddleware.func1|" APPDIR "internal/api/middleware.go|41||0.05|"
	APPMOD "/internal/auth.(*Verifier).Verify,net/http.Header.Get",
	APPMOD "/internal/auth.(*Verifier).Verify|" APPDIR "internal/auth/jwt.go|88||0.15|@svc,@third,@std,@std",
	APPMOD "/internal/api.(*Server).metricsMiddleware.func1|" APPDIR "internal/api/middleware.go|77||0.05|"
	"time.Now,time.Since,github.com/prometheus/client_golang/prometheus.(*histogram).Observe",
	"github.com/prometheus/client_golang/prometheus.(*histogram).Observe|" PROM "prometheus/histogram.go|716||0.2|"
	"github.com/prometheus/client_golang/prometheus.(*histogram).findBucket,"
	"github.com/prometheus/client_golang/prometheus.(*histogram).observe",
	"github.com/prometheus/client_golang/prometheus.(*histogram).findBucket|" PROM "prometheus/histogram.go|728|i|1|",
	"github.com/prometheus/client_golang/prometheus.(*histogram).observe|" PROM "prometheus/histogram.go|760||1|",
	"github.com/go-chi/chi/v5.(*Mux).routeHTTP|" CHI "mux.go|427||0.05|github.com/go-chi/chi/v5.(*node).FindRoute",
	"github.com/go-chi/chi/v5.(*node).FindRoute|" CHI "tree.go|368||0.2|github.com/go-chi/chi/v5.(*node).findRoute,"
	"runtime.growslice",
	"github.com/go-chi/chi/v5.(*node).findRoute|" CHI "tree.go|394||0.45|github.com/go-chi/chi/v5.(*node).findRoute,"
	"indexbytebody,runtime.growslice,github.com/go-chi/chi/v5.(*node).findEdge",
	"github.com/go-chi/chi/v5.(*node).findEdge|" CHI "tree.go|507||1|",

	/* gRPC server (the gRPC request prefix) */
	"google.golang.org/grpc.(*Server).serveStreams.func2.1|" GRPC "server.go|1029||0|"
	"google.golang.org/grpc.(*Server).handleStream",
	"google.golang.org/grpc.(*Server).handleStream|" GRPC "server.go|1723||0.05|"
	"google.golang.org/grpc.(*Server).processUnaryRPC,strings.LastIndex",
	"strings.LastIndex|strings/strings.go|82||1|",
	"google.golang.org/grpc.(*Server).processUnaryRPC|" GRPC "server.go|1214||0.05|"
	"google.golang.org/grpc.(*Server).sendResponse,google.golang.org/grpc.recvAndDecompress,"
	TP "(*http2Server).WriteStatus",
	TP "(*http2Server).WriteStatus|" GRPC "internal/transport/http2_server.go|1060||0.3|"
	TP "(*controlBuffer).put,google.golang.org/grpc/internal/status.(*Status).Proto",
	"google.golang.org/grpc/internal/status.(*Status).Proto|" GRPC "internal/status/status.go|135||0.4|"
	"google.golang.org/protobuf/proto.Clone",
	"google.golang.org/protobuf/proto.Clone|" PB "proto/merge.go|47||0.3|runtime.newobject,runtime.typedmemmove",
	"google.golang.org/grpc.(*Server).sendResponse|" GRPC "server.go|1137||0.1|google.golang.org/grpc.encode,"
	TP "(*http2Server).Write",
	"google.golang.org/grpc.encode|" GRPC "rpc_util.go|677||0.05|"
	"google.golang.org/grpc/encoding/proto.(*codecV2).Marshal",
	"google.golang.org/grpc/encoding/proto.(*codecV2).Marshal|" GRPC "encoding/proto/proto.go|47||0.1|"
	"google.golang.org/protobuf/proto.MarshalOptions.marshal,runtime.makeslice",
	"google.golang.org/protobuf/proto.MarshalOptions.marshal|" PB "proto/encode.go|166||0.1|"
	IMPL "(*MessageInfo).marshal," IMPL "(*MessageInfo).size",
	IMPL "(*MessageInfo).size|" PB "internal/impl/encode.go|74||0.1|" IMPL "(*MessageInfo).sizePointer",
	IMPL "(*MessageInfo).sizePointer|" PB "internal/impl/encode.go|87||0.5|" IMPL "(*MessageInfo).sizePointer,"
	IMPL "sizeStringValidateUTF8",
	IMPL "sizeStringValidateUTF8|" PB "internal/impl/codec_gen.go|5414||1|",
	IMPL "(*MessageInfo).marshal|" PB "internal/impl/encode.go|107||0.1|" IMPL "(*MessageInfo).marshalAppendPointer",
	IMPL "(*MessageInfo).marshalAppendPointer|" PB "internal/impl/encode.go|125||0.4|"
	IMPL "appendMessageInfo," IMPL "appendStringValidateUTF8," IMPL "appendMessageSliceInfo,runtime.growslice",
	IMPL "appendMessageInfo|" PB "internal/impl/codec_field.go|380||0.2|" IMPL "(*MessageInfo).marshalAppendPointer",
	IMPL "appendMessageSliceInfo|" PB "internal/impl/codec_field.go|553||0.2|"
	IMPL "(*MessageInfo).marshalAppendPointer",
	IMPL "appendStringValidateUTF8|" PB "internal/impl/codec_gen.go|5430||0.5|unicode/utf8.ValidString",
	"unicode/utf8.ValidString|unicode/utf8/utf8.go|531||1|",
	"google.golang.org/grpc.recvAndDecompress|" GRPC "rpc_util.go|830||0.1|google.golang.org/grpc.(*parser).recvMsg",
	"google.golang.org/grpc.(*parser).recvMsg|" GRPC "rpc_util.go|600||0.3|runtime.makeslice,runtime.memmove,"
	"google.golang.org/grpc/mem.(*tieredBufferPool).Get",
	"google.golang.org/grpc/mem.(*tieredBufferPool).Get|" GRPC "mem/buffer_pool.go|75||0.3|sync.(*Pool).Get",
	TP "(*http2Server).Write|" GRPC "internal/transport/http2_server.go|1120||0.2|" TP "(*controlBuffer).put",
	TP "(*controlBuffer).put|" GRPC "internal/transport/controlbuf.go|353|i|0|" TP "(*controlBuffer).executeAndPut",
	TP "(*controlBuffer).executeAndPut|" GRPC "internal/transport/controlbuf.go|357||0.4|sync.(*Mutex).Lock,"
	"sync.(*Mutex).Unlock,runtime.selectnbsend",
	"google.golang.org/grpc.chainUnaryInterceptors.func1|" GRPC "server.go|1195||0|",
	"github.com/DataDog/dd-trace-go/contrib/google.golang.org/grpc/v2.UnaryServerInterceptor.func1|" DDGRPC
	"server.go|316||0.05|" TR "StartSpanFromContext," TR "(*Span).Finish,"
	"google.golang.org/grpc/metadata.FromIncomingContext",
	"google.golang.org/grpc/metadata.FromIncomingContext|" GRPC "metadata/metadata.go|202||0.4|"
	"runtime.makeslice,strings.ToLower",
	"strings.ToLower|strings/strings.go|657||0.6|strings.(*Builder).WriteString",
	"google.golang.org/grpc.getChainUnaryHandler.func1|" GRPC "server.go|1209||0|",
	APPMOD "/internal/grpcapi.metricsInterceptor|" APPDIR "internal/grpcapi/interceptors.go|30||0.05|time.Now,time.Since,"
	"github.com/prometheus/client_golang/prometheus.(*histogram).Observe",

	/* gRPC transport goroutines */
	TP "NewServerTransport.func2|" GRPC "internal/transport/http2_server.go|345||0|" TP "(*loopyWriter).run",
	TP "(*loopyWriter).run|" GRPC "internal/transport/controlbuf.go|546||0.1|" TP "(*loopyWriter).processData,"
	TP "(*controlBuffer).get," TP "(*loopyWriter).handle," TP "(*bufWriter).Flush",
	TP "(*loopyWriter).processData|" GRPC "internal/transport/controlbuf.go|909||0.5|"
	"golang.org/x/net/http2.(*Framer).WriteData,runtime.memmove",
	"golang.org/x/net/http2.(*Framer).WriteData|" XNET "http2/frame.go|699|i|0|"
	"golang.org/x/net/http2.(*Framer).WriteDataPadded",
	"golang.org/x/net/http2.(*Framer).WriteDataPadded|" XNET "http2/frame.go|709||0.2|"
	"golang.org/x/net/http2.(*Framer).endWrite,runtime.growslice",
	"golang.org/x/net/http2.(*Framer).endWrite|" XNET "http2/frame.go|374||0.2|" TP "(*bufWriter).Write",
	TP "(*bufWriter).Write|" GRPC "internal/transport/http_util.go|324||0.5|runtime.memmove," TP "(*bufWriter).flushKeepBuffer",
	TP "(*bufWriter).Flush|" GRPC "internal/transport/http_util.go|346|i|0|" TP "(*bufWriter).flushKeepBuffer",
	TP "(*bufWriter).flushKeepBuffer|" GRPC "internal/transport/http_util.go|356||0.05|net.(*conn).Write",
	TP "(*controlBuffer).get|" GRPC "internal/transport/controlbuf.go|411||0.2|runtime.selectgo,sync.(*Mutex).Lock,"
	"sync.(*Mutex).Unlock",
	TP "(*loopyWriter).handle|" GRPC "internal/transport/controlbuf.go|780||0.4|" TP "(*loopyWriter).headerHandler",
	TP "(*loopyWriter).headerHandler|" GRPC "internal/transport/controlbuf.go|676||0.2|" TP "(*loopyWriter).writeHeader",
	TP "(*loopyWriter).writeHeader|" GRPC "internal/transport/controlbuf.go|730||0.3|"
	"golang.org/x/net/http2/hpack.(*Encoder).WriteField,golang.org/x/net/http2.(*Framer).WriteHeaders",
	"golang.org/x/net/http2.(*Framer).WriteHeaders|" XNET "http2/frame.go|1010||0.3|"
	"golang.org/x/net/http2.(*Framer).endWrite",
	"golang.org/x/net/http2/hpack.(*Encoder).WriteField|" XNET "http2/hpack/encode.go|62||0.4|"
	"golang.org/x/net/http2/hpack.(*headerFieldTable).search,golang.org/x/net/http2/hpack.appendHpackString",
	"golang.org/x/net/http2/hpack.(*headerFieldTable).search|" XNET "http2/hpack/tables.go|94||0.5|"
	MAPS "runtime_mapaccess2_faststr",
	"golang.org/x/net/http2/hpack.appendHpackString|" XNET "http2/hpack/encode.go|204||0.4|"
	"golang.org/x/net/http2/hpack.AppendHuffmanString",
	"golang.org/x/net/http2/hpack.AppendHuffmanString|" XNET "http2/hpack/huffman.go|119||1|",
	"google.golang.org/grpc.(*Server).handleRawConn.func1|" GRPC "server.go|946||0|",
	"google.golang.org/grpc.(*Server).serveStreams|" GRPC "server.go|1007||0.05|" TP "(*http2Server).HandleStreams",
	TP "(*http2Server).HandleStreams|" GRPC "internal/transport/http2_server.go|631||0.1|"
	"golang.org/x/net/http2.(*Framer).ReadFrame," TP "(*http2Server).operateHeaders," TP "(*http2Server).handleData",
	"golang.org/x/net/http2.(*Framer).ReadFrame|" XNET "http2/frame.go|497||0.2|"
	"golang.org/x/net/http2.readFrameHeader,golang.org/x/net/http2.parseDataFrame,"
	"golang.org/x/net/http2.(*Framer).readMetaFrame",
	"golang.org/x/net/http2.readFrameHeader|" XNET "http2/frame.go|237||0.2|io.ReadFull",
	"io.ReadFull|io/io.go|335|i|0|io.ReadAtLeast",
	"io.ReadAtLeast|io/io.go|314||0.1|bufio.(*Reader).Read",
	"golang.org/x/net/http2.parseDataFrame|" XNET "http2/frame.go|638||1|",
	"golang.org/x/net/http2.(*Framer).readMetaFrame|" XNET "http2/frame.go|1580||0.3|"
	"golang.org/x/net/http2/hpack.(*Decoder).Write",
	"golang.org/x/net/http2/hpack.(*Decoder).Write|" XNET "http2/hpack/hpack.go|379||0.3|"
	"golang.org/x/net/http2/hpack.(*Decoder).parseHeaderList",
	"golang.org/x/net/http2/hpack.(*Decoder).parseHeaderList|" XNET "http2/hpack/hpack.go|421||0.5|"
	"golang.org/x/net/http2/hpack.huffmanDecode,runtime.slicebytetostring",
	"golang.org/x/net/http2/hpack.huffmanDecode|" XNET "http2/hpack/huffman.go|48||1|",
	TP "(*http2Server).operateHeaders|" GRPC "internal/transport/http2_server.go|357||0.3|runtime.newproc,"
	"context.WithValue,runtime.newobject," MAPS "runtime_mapassign_faststr",
	TP "(*http2Server).handleData|" GRPC "internal/transport/http2_server.go|790||0.3|"
	"google.golang.org/grpc/mem.(*tieredBufferPool).Get,runtime.memmove,runtime.chansend1",

	/* tracer and service background goroutines */
	TR "(*tracer).worker|" DD "ddtrace/tracer/tracer.go|420||0.05|" TR "(*agentTraceWriter).add,runtime.selectgo,"
	TR "(*agentTraceWriter).flush",
	TR "(*agentTraceWriter).add|" DD "ddtrace/tracer/writer.go|70||0.1|" TR "(*payload).push",
	TR "(*payload).push|" DD "ddtrace/tracer/payload.go|75||0.1|" TR "spanList.EncodeMsg",
	TR "spanList.EncodeMsg|" DD "ddtrace/tracer/span_msgp.go|40||0.05|" TR "(*Span).EncodeMsg",
	TR "(*Span).EncodeMsg|" DD "ddtrace/tracer/span_msgp.go|120||0.3|"
	"github.com/tinylib/msgp/msgp.(*Writer).WriteString,github.com/tinylib/msgp/msgp.(*Writer).WriteInt64,"
	"github.com/tinylib/msgp/msgp.(*Writer).WriteMapHeader",
	"github.com/tinylib/msgp/msgp.(*Writer).WriteString|" MSGP "msgp/write.go|600||0.6|runtime.memmove,"
	"github.com/tinylib/msgp/msgp.(*Writer).grow",
	"github.com/tinylib/msgp/msgp.(*Writer).WriteInt64|" MSGP "msgp/write.go|420||1|",
	"github.com/tinylib/msgp/msgp.(*Writer).WriteMapHeader|" MSGP "msgp/write.go|333||1|",
	"github.com/tinylib/msgp/msgp.(*Writer).grow|" MSGP "msgp/write.go|220||0.5|runtime.makeslice",
	TR "(*agentTraceWriter).flush|" DD "ddtrace/tracer/writer.go|90||0.1|runtime.newproc,bytes.(*Buffer).grow",
	"bytes.(*Buffer).grow|bytes/buffer.go|119||0.4|runtime.makeslice,runtime.memmove",
	APPMOD "/internal/events.(*Consumer).run|" APPDIR "internal/events/consumer.go|55||0.03|@svc,@svc,@third,"
	"runtime.selectgo,time.Now",
	APPMOD "/internal/cache.(*Refresher).loop|" APPDIR "internal/cache/refresh.go|40||0.03|@svc,@third,@std,"
	"runtime.selectgo",
	NULL,
};

/* Callees that synthesized code calls into, with weights. */
static const struct {
	const char *name;
	double weight;
} api_table[] = {
	{"runtime.newobject", 20},       {"runtime.makeslice", 8},
	{"runtime.growslice", 10},       {"runtime.memmove", 8},
	{MAPS "runtime_mapaccess2_faststr", 6}, {MAPS "runtime_mapaccess1_faststr", 5},
	{MAPS "runtime_mapassign_faststr", 4},  {MAPS "runtime_mapaccess2", 2},
	{"runtime.mapiternext", 2},      {"runtime.mapiterinit", 1},
	{"runtime.convTstring", 3},      {"runtime.convT64", 2},
	{"runtime.convT", 2},            {"runtime.convTslice", 1},
	{"runtime.concatstrings", 2},    {"runtime.concatstring2", 2},
	{"runtime.slicebytetostring", 4}, {"runtime.stringtoslicebyte", 2},
	{"runtime.selectgo", 2},         {"runtime.chansend1", 1},
	{"runtime.chanrecv1", 1},        {"runtime.chanrecv2", 1},
	{"runtime.assertE2I", 2},        {"runtime.typeAssert", 1},
	{"runtime.memequal", 2},         {"runtime.cmpstring", 2},
	{"runtime.typedmemmove", 2},     {"runtime.typedslicecopy", 1},
	{"runtime.gcWriteBarrier2", 2},  {"runtime.deferreturn", 1},
	{"runtime.newproc", 0.5},        {"runtime.memclrNoHeapPointers", 2},
	{"runtime.newarray", 1},         {"indexbytebody", 1},
	{"runtime.decoderune", 1},       {"time.Now", 3},
	{"time.Since", 1},               {"sync.(*Mutex).Lock", 3},
	{"sync.(*Mutex).Unlock", 3},     {"sync.(*RWMutex).RLock", 1},
	{"sync.(*RWMutex).RUnlock", 1},  {"sync.(*Pool).Get", 2},
	{"sync.(*Pool).Put", 1},         {"sync/atomic.(*Int64).Add", 1},
	{"net.(*conn).Write", 1},        {"net.(*conn).Read", 1},
	{"context.WithValue", 1},        {"strconv.Itoa", 1},
	{"strconv.FormatInt", 1},        {"strings.(*Builder).WriteString", 1},
	{"bytes.(*Buffer).grow", 1},     {"sort.Sort", 0.5},
	{"slices.SortFunc", 0.5},        {"unicode/utf8.ValidString", 0.5},
	{"google.golang.org/protobuf/proto.Clone", 0.5},
};

/* Module-cache paths escape upper-case letters as "!" + lower case. */
static char *modcache_path(const char *rel)
{
	size_t n = strlen(rel);
	char *out = xmalloc(strlen(MODCACHE) + 2 * n + 1);
	char *o = out + sprintf(out, "%s", MODCACHE);
	for (size_t i = 0; i < n; i++) {
		char c = rel[i];
		if (c >= 'A' && c <= 'Z') {
			*o++ = '!';
			*o++ = (char)(c - 'A' + 'a');
		} else {
			*o++ = c;
		}
	}
	*o = 0;
	return out;
}

static char *expand_file(const char *spec)
{
	if (spec[0] == '/')
		return xstrdup(spec);
	if (spec[0] == '@')
		return modcache_path(spec + 1);
	return xprintf("%s%s", GOROOT, spec);
}

static void hand_parse(pool *P, rng *r)
{
	for (size_t t = 0; hand_table[t]; t++) {
		char *line = xstrdup(hand_table[t]);
		char *field[6] = {0};
		char *s = line;
		for (int k = 0; k < 6; k++) {
			field[k] = s;
			char *bar = k < 5 ? strchr(s, '|') : NULL;
			if (k < 5 && !bar)
				die("hand table entry %zu: missing field %d: %s", t, k + 1, hand_table[t]);
			if (bar) {
				*bar = 0;
				s = bar + 1;
			}
		}
		const char *node_name = field[0];
		char fname[512];
		snprintf(fname, sizeof fname, "%s", node_name);
		char *hash = strchr(fname, '#');
		if (hash)
			*hash = 0;
		char *file = expand_file(field[1]);
		uint32_t fn = func_lookup_or_add(P, r, fname, file, strtoll(field[2], NULL, 10));
		free(file);
		uint32_t ni = node_new(P, fn, K_HAND, -1);
		gnode *n = &P->nodes[ni];
		n->inlinable = strchr(field[3], 'i') != NULL;
		n->trampoline = strchr(field[3], 't') != NULL;
		n->vdso = strchr(field[3], 'v') != NULL;
		n->stop = strtod(field[4], NULL);
		n->callee_spec = xstrdup(field[5]);
		uint32_t dummy;
		if (u64map_get(&P->node_by_name, hash_str(node_name), &dummy))
			die("hand table: duplicate node %s", node_name);
		u64map_put(&P->node_by_name, hash_str(node_name), ni);
		free(line);
	}
}

static uint32_t node_by_name(pool *P, const char *name)
{
	uint32_t ni;
	if (!u64map_get(&P->node_by_name, hash_str(name), &ni))
		die("no node named %s", name);
	return ni;
}

/* A synthesized node of one kind, popular ones more likely. */
static uint32_t pick_synth(pool *P, rng *r, int lo_level, int hi_level)
{
	int level = lo_level + (int)rbelow(r, (uint32_t)(hi_level - lo_level + 1));
	size_t n = P->n_level[level];
	return P->level_nodes[level][rskew(r, (uint32_t)n, 2.5)];
}

static void hand_resolve(pool *P, rng *r)
{
	for (size_t ni = 0; ni < P->n_nodes; ni++) {
		if (P->nodes[ni].kind != K_HAND)
			continue;
		uint32_t callees[32];
		uint32_t nc = 0;
		char *spec = P->nodes[ni].callee_spec;
		for (char *tok = strtok(spec, ","); tok; tok = strtok(NULL, ",")) {
			if (nc == 32)
				die("too many callees");
			if (strcmp(tok, "@svc") == 0)
				callees[nc++] = pick_synth(P, r, 1, 2);
			else if (strcmp(tok, "@third") == 0)
				callees[nc++] = pick_synth(P, r, L_THIRD_LO, L_THIRD_LO);
			else if (strcmp(tok, "@std") == 0)
				callees[nc++] = pick_synth(P, r, L_STD_LO, L_STD_LO);
			else
				callees[nc++] = node_by_name(P, tok);
		}
		const gnode *n = &P->nodes[ni];
		uint32_t n_self = n->stop > 0 ? (uint32_t)rrange(r, 1, 5) : 1;
		node_finish(P, r, (uint32_t)ni, callees, nc, n_self, 1.1);
		free(P->nodes[ni].callee_spec);
		P->nodes[ni].callee_spec = NULL;
	}
}

/* ------------------------------------------------------------------ */
/* Synthesized part: service, third-party and standard-library code.   */

typedef struct pkgdef {
	const char *path;  /* import path */
	const char *dir;   /* file path prefix (expanded) */
} pkgdef;

static const char *const std_pkgs[] = {
	"encoding/json", "net/http", "net", "bufio", "bytes", "strings", "strconv", "fmt",
	"sort", "slices", "context", "time", "crypto/tls", "crypto/sha256",
	"crypto/internal/fips140/sha256", "crypto/internal/fips140/aes/gcm", "crypto/hmac",
	"compress/gzip", "compress/flate", "database/sql", "database/sql/driver", "reflect",
	"regexp", "regexp/syntax", "text/template", "html/template", "unicode/utf8",
	"encoding/base64", "encoding/binary", "encoding/hex", "net/url", "mime/multipart",
	"log/slog", "errors", "io", "os", "math/big", "hash/crc32", "container/heap", "sync",
	"unique", "net/netip", "encoding/csv", "path", "maps", "iter",
};

static const char *const third_pkgs[] = {
	"google.golang.org/grpc@v1.67.1|google.golang.org/grpc",
	"google.golang.org/grpc@v1.67.1|google.golang.org/grpc/internal/transport",
	"google.golang.org/grpc@v1.67.1|google.golang.org/grpc/metadata",
	"google.golang.org/grpc@v1.67.1|google.golang.org/grpc/status",
	"google.golang.org/protobuf@v1.35.1|google.golang.org/protobuf/proto",
	"google.golang.org/protobuf@v1.35.1|google.golang.org/protobuf/internal/impl",
	"google.golang.org/protobuf@v1.35.1|google.golang.org/protobuf/encoding/protojson",
	"google.golang.org/protobuf@v1.35.1|google.golang.org/protobuf/encoding/protowire",
	"google.golang.org/protobuf@v1.35.1|google.golang.org/protobuf/reflect/protoreflect",
	"github.com/jackc/pgx/v5@v5.7.1|github.com/jackc/pgx/v5",
	"github.com/jackc/pgx/v5@v5.7.1|github.com/jackc/pgx/v5/pgconn",
	"github.com/jackc/pgx/v5@v5.7.1|github.com/jackc/pgx/v5/pgtype",
	"github.com/jackc/pgx/v5@v5.7.1|github.com/jackc/pgx/v5/pgproto3",
	"github.com/jackc/pgx/v5@v5.7.1|github.com/jackc/pgx/v5/pgxpool",
	"github.com/jackc/pgx/v5@v5.7.1|github.com/jackc/pgx/v5/internal/stmtcache",
	"github.com/redis/go-redis/v9@v9.7.0|github.com/redis/go-redis/v9",
	"github.com/redis/go-redis/v9@v9.7.0|github.com/redis/go-redis/v9/internal/pool",
	"github.com/redis/go-redis/v9@v9.7.0|github.com/redis/go-redis/v9/internal/proto",
	"go.uber.org/zap@v1.27.0|go.uber.org/zap",
	"go.uber.org/zap@v1.27.0|go.uber.org/zap/zapcore",
	"go.uber.org/zap@v1.27.0|go.uber.org/zap/buffer",
	"github.com/DataDog/dd-trace-go/v2@v2.3.0|github.com/DataDog/dd-trace-go/v2/ddtrace/tracer",
	"github.com/DataDog/dd-trace-go/v2@v2.3.0|github.com/DataDog/dd-trace-go/v2/internal/telemetry",
	"github.com/prometheus/client_golang@v1.20.5|github.com/prometheus/client_golang/prometheus",
	"golang.org/x/net@v0.30.0|golang.org/x/net/http2",
	"golang.org/x/net@v0.30.0|golang.org/x/net/http2/hpack",
	"github.com/klauspost/compress@v1.17.11|github.com/klauspost/compress/zstd",
	"github.com/klauspost/compress@v1.17.11|github.com/klauspost/compress/s2",
	"github.com/json-iterator/go@v1.1.12|github.com/json-iterator/go",
	"github.com/google/uuid@v1.6.0|github.com/google/uuid",
	"github.com/go-playground/validator/v10@v10.22.1|github.com/go-playground/validator/v10",
	"github.com/segmentio/kafka-go@v0.4.47|github.com/segmentio/kafka-go",
	"github.com/segmentio/kafka-go@v0.4.47|github.com/segmentio/kafka-go/protocol",
	"github.com/golang-jwt/jwt/v5@v5.2.1|github.com/golang-jwt/jwt/v5",
	"github.com/tinylib/msgp@v1.2.4|github.com/tinylib/msgp/msgp",
	"github.com/aws/aws-sdk-go-v2/service/s3@v1.66.0|github.com/aws/aws-sdk-go-v2/service/s3",
	"github.com/aws/smithy-go@v1.22.0|github.com/aws/smithy-go/middleware",
};

static const char *const svc_pkgs[] = {
	"internal/api", "internal/grpcapi", "internal/users", "internal/orders", "internal/billing",
	"internal/payments", "internal/auth", "internal/catalog", "internal/inventory",
	"internal/search", "internal/search/index", "internal/cache", "internal/store",
	"internal/store/postgres", "internal/store/redis", "internal/model", "internal/validate",
	"internal/events", "internal/pricing", "internal/recommend", "internal/session",
	"internal/ratelimit", "internal/flags", "internal/audit", "internal/notify", "pkg/httpx",
	"pkg/money", "pkg/geo", "pkg/idgen", "pkg/retry", "pkg/slicesx", "gen/ordersv1",
};

static const char *const types[] = {
	"User", "Order", "Item", "Cart", "Invoice", "Payment", "Account", "Session", "Token",
	"Store", "Repo", "Client", "Conn", "Pool", "Cache", "Entry", "Index", "Shard", "Query",
	"Row", "Rows", "Batch", "Tx", "Encoder", "Decoder", "Writer", "Reader", "Buffer",
	"Handler", "Router", "Service", "Server", "Worker", "Queue", "Event", "Consumer",
	"Producer", "Limiter", "Bucket", "Policy", "Rule", "Matcher", "Filter", "Scorer",
	"Ranker", "Price", "Quote", "Money", "Address", "Region", "Product", "Catalog", "Stock",
	"Reservation", "Notifier", "Template", "Config", "Registry", "Meter", "Histogram",
	"Counter", "Field", "Schema", "Validator", "Plan", "Node", "Tree", "Iterator", "Cursor",
	"Snapshot", "Builder", "Codec", "Frame", "Message", "Stream", "Header", "Options",
	"state", "decodeState", "encodeState", "conn", "pipeline", "loader", "resolver",
};

static const char *const verbs[] = {
	"Get", "Put", "Set", "Load", "Store", "Save", "Find", "List", "Update", "Delete",
	"Create", "Insert", "Upsert", "Fetch", "Lookup", "Resolve", "Validate", "Check",
	"Parse", "Format", "Encode", "Decode", "Marshal", "Unmarshal", "Scan", "Write", "Read",
	"Flush", "Close", "Open", "Next", "Reset", "Apply", "Merge", "Build", "Compute",
	"Score", "Rank", "Match", "Filter", "Sort", "Index", "Search", "Query", "Exec",
	"Handle", "Process", "Dispatch", "Publish", "Consume", "Emit", "Record", "Observe",
	"Acquire", "Release", "Refresh", "Expire", "Evict", "Normalize", "Convert", "Append",
	"Copy", "Hash", "Sign", "Verify", "Encrypt", "Decrypt", "Compress", "Split", "Join",
	"Render", "Send", "Receive", "Retry", "Wait", "Notify", "Walk", "Visit", "Collect",
};

static const char *const nouns[] = {
	"", "", "", "", "ByID", "ByEmail", "Batch", "All", "Items", "Rows", "Fields", "Header",
	"Body", "Token", "Key", "Value", "Entry", "Page", "Range", "Prefix", "Slice", "Map",
	"String", "Bytes", "JSON", "Proto", "Context", "Request", "Response", "Result",
	"Error", "Status", "Limits", "Stats", "Metrics", "Labels", "Tags", "Attrs", "Config",
	"Locked", "Slow", "Fast", "Once", "Value", "Int", "Float", "Time", "Duration",
};

static const char *const shapes[] = {
	"go.shape.string", "go.shape.int", "go.shape.int64", "go.shape.uint64",
	"go.shape.*uint8", "go.shape.struct { Key go.shape.string; Value go.shape.int }",
	"go.shape.interface {}", "go.shape.[]uint8",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *pick(rng *r, const char *const *arr, size_t n)
{
	return arr[rbelow(r, (uint32_t)n)];
}

static void lowerfirst(char *s)
{
	if (s[0] >= 'A' && s[0] <= 'Z')
		s[0] = (char)(s[0] - 'A' + 'a');
}

static char *synth_name(rng *r, const char *pkg)
{
	char base[256];
	const char *T = pick(r, types, NELEM(types));
	const char *V = pick(r, verbs, NELEM(verbs));
	const char *N = pick(r, nouns, NELEM(nouns));
	double u = runit(r);
	if (u < 0.42) {
		snprintf(base, sizeof base, "(*%s).%s%s", T, V, N);
	} else if (u < 0.55) {
		snprintf(base, sizeof base, "%s.%s%s", T, V, N);
	} else if (u < 0.75) {
		char fn[128];
		snprintf(fn, sizeof fn, "%s%s", V, N);
		lowerfirst(fn);
		snprintf(base, sizeof base, "%s%s", fn, runit(r) < 0.3 ? T : "");
	} else if (u < 0.88) {
		snprintf(base, sizeof base, "%s%s", V, N);
	} else if (u < 0.96) {
		snprintf(base, sizeof base, "(*%s).%s%s.func%d", T, V, N, rrange(r, 1, 4));
	} else {
		const char *s1 = pick(r, shapes, NELEM(shapes));
		if (runit(r) < 0.5)
			snprintf(base, sizeof base, "(*%s[%s]).%s%s", T, s1, V, N);
		else
			snprintf(base, sizeof base, "%s%s[%s]", V, N, s1);
	}
	return xprintf("%s.%s", pkg, base);
}

static char *file_for(rng *r, int kind, const char *pkg, const char *modver, const char *fn_name)
{
	/* A file named after a word in the function's name, like real code. */
	const char *T = pick(r, types, NELEM(types));
	(void)fn_name;
	char file[64];
	snprintf(file, sizeof file, "%s", T);
	for (char *c = file; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	const char *suffix = rbelow(r, 8) == 0 ? "_util" : "";
	switch (kind) {
	case K_STD:
		return xprintf("%s%s/%s%s.go", GOROOT, pkg, file, suffix);
	case K_THIRD: {
		/* modver = "module@version"; pkg begins with module path */
		const char *at = strchr(modver, '@');
		size_t modlen = (size_t)(at - modver);
		const char *sub = pkg + modlen; /* "" or "/sub/dir" */
		char *rel = xprintf("%s%s/%s%s.go", modver, sub, file, suffix);
		char *full = modcache_path(rel);
		free(rel);
		return full;
	}
	default:
		if (strncmp(pkg, "gen/", 4) == 0)
			return xprintf("%s%s/orders.pb.go", APPDIR, pkg);
		return xprintf("%s%s/%s%s.go", APPDIR, pkg, file, suffix);
	}
}

typedef struct synth_spec {
	int kind;
	int lo_level, hi_level;
	int per_level;
} synth_spec;

static void synth_create(pool *P, rng *r, const synth_spec *sp)
{
	for (int level = sp->lo_level; level <= sp->hi_level; level++) {
		for (int i = 0; i < sp->per_level; i++) {
			char pkgbuf[256];
			const char *pkg, *modver = NULL;
			char modbuf[256];
			if (sp->kind == K_STD) {
				pkg = std_pkgs[rskew(r, NELEM(std_pkgs), 1.6)];
			} else if (sp->kind == K_THIRD) {
				const char *e = third_pkgs[rskew(r, NELEM(third_pkgs), 1.4)];
				const char *bar = strchr(e, '|');
				snprintf(modbuf, sizeof modbuf, "%.*s", (int)(bar - e), e);
				modver = modbuf;
				pkg = bar + 1;
			} else {
				snprintf(pkgbuf, sizeof pkgbuf, "%s/%s", APPMOD,
				         svc_pkgs[rskew(r, NELEM(svc_pkgs), 1.3)]);
				pkg = pkgbuf;
			}
			char *name = NULL;
			for (int tries = 0; tries < 50; tries++) {
				free(name);
				name = synth_name(r, pkg);
				if (!name_taken(P, name))
					break;
			}
			if (name_taken(P, name)) {
				char *n2 = xprintf("%s.func%d", name, (int)P->n_funcs);
				free(name);
				name = n2;
			}
			const char *relpkg = sp->kind == K_SVC ? pkg + strlen(APPMOD) + 1 : pkg;
			char *file = file_for(r, sp->kind, relpkg, modver, name);
			uint32_t fn = func_lookup_or_add(P, r, name, file, 0);
			free(name);
			free(file);
			uint32_t ni = node_new(P, fn, sp->kind, level);
			P->nodes[ni].inlinable = runit(r) < 0.12;
		}
	}
}

static uint32_t pick_api(pool *P, rng *r)
{
	return P->api[rpick(r, P->api_cum, (uint32_t)P->n_api)];
}

#define MAX_LEVEL L_STD_HI
#define CS_ZIPF 0.7       /* call-site choice: weight 1/(rank+1)^CS_ZIPF */
#define CALLEE_SKEW 1.6   /* callee popularity: index = n * u^CALLEE_SKEW */
#define TICKS_MIN 70000   /* 100 Hz samples per minute: 12 to 20 busy cores */
#define TICKS_SPREAD 50000
/*
 * Each stack is one of a finite, shared set of call paths: a tick picks a
 * path rank (power law: rank = n * u^PATH_SKEW, so low ranks are hot) in the
 * universe of its endpoint or goroutine kind, and the walk is seeded by that
 * path. The long tail is then shared across profiles, as it is for one real
 * service, instead of being new in every profile.
 */
#define PATHS_PER_ENDPOINT 6000
#define PATHS_PER_BG_WEIGHT 500 /* per unit of a background kind's weight */
#define PATH_SKEW 2.0

/* Wires the call sites of synthesized nodes (levels 1..MAX_LEVEL). */
static void synth_wire(pool *P, rng *r)
{
	for (int level = 1; level <= MAX_LEVEL; level++) {
		for (size_t k = 0; k < P->n_level[level]; k++) {
			uint32_t ni = P->level_nodes[level][k];
			gnode *n = &P->nodes[ni];
			uint32_t callees[32];
			uint32_t nc;
			double p_api;
			switch (n->kind) {
			case K_SVC:
				nc = (uint32_t)rrange(r, 2, 12);
				p_api = 0.05;
				n->stop = 0.03;
				break;
			case K_THIRD:
				nc = (uint32_t)rrange(r, 1, 9);
				p_api = 0.12;
				n->stop = 0.06;
				break;
			default:
				nc = (uint32_t)rrange(r, 1, 8);
				p_api = 0.22;
				n->stop = 0.10;
				break;
			}
			if (n->inlinable) {
				nc = runit(r) < 0.3 ? 0 : 1 + rbelow(r, 3);
				n->stop = 0.3;
			}
			bool recursive = !n->inlinable && runit(r) < 0.05;
			bool deep = recursive && runit(r) < 0.3;
			uint32_t i = 0;
			if (deep) {
				callees[i++] = ni; /* hottest call site: itself */
				n->stop = 0.04;
			}
			for (; i < nc; i++) {
				if (level == MAX_LEVEL || runit(r) < p_api) {
					callees[i] = pick_api(P, r);
					continue;
				}
				int target = level + 1 + (int)rgeom(r, 0.75, 4);
				if (n->kind == K_SVC && level < L_SVC_HI && target > L_SVC_HI && runit(r) < 0.5)
					target = level + 1;
				if (target > MAX_LEVEL)
					target = MAX_LEVEL;
				callees[i] = P->level_nodes[target][rskew(r, (uint32_t)P->n_level[target], CALLEE_SKEW)];
			}
			if (recursive && !deep && nc > 0)
				callees[rbelow(r, nc)] = ni;
			/* A deep recursion (tree walk, nested encoder) mostly calls itself. */
			node_finish(P, r, ni, callees, nc, (uint32_t)rrange(r, 1, 6), deep ? 4.0 : CS_ZIPF);
		}
	}
}

/* ------------------------------------------------------------------ */
/* Endpoints and goroutine kinds.                                      */

typedef struct endpoint {
	char *label;       /* "trace endpoint" value */
	bool grpc;
	uint32_t handler;  /* node, level 0 */
	uint32_t h_node;   /* gRPC: generated _Handler node */
	uint32_t h1_node;  /* gRPC: generated _Handler.func1 node */
	double ticks_mean; /* CPU ticks per request */
} endpoint;

static const char *const http_routes[][2] = {
	{"GET /api/v1/users/{id}", "getUser"},
	{"GET /api/v1/orders/{id}", "getOrder"},
	{"GET /api/v1/orders", "listOrders"},
	{"POST /api/v1/orders", "createOrder"},
	{"GET /api/v1/catalog/products", "listProducts"},
	{"GET /api/v1/catalog/products/{sku}", "getProduct"},
	{"GET /api/v1/search", "search"},
	{"POST /api/v1/cart/items", "addCartItem"},
	{"GET /api/v1/cart", "getCart"},
	{"POST /api/v1/checkout", "checkout"},
	{"GET /api/v1/users/{id}/orders", "listUserOrders"},
	{"PUT /api/v1/users/{id}", "updateUser"},
	{"GET /api/v1/recommendations", "getRecommendations"},
	{"POST /api/v1/payments", "createPayment"},
	{"GET /api/v1/inventory/{sku}", "getInventory"},
	{"POST /api/v1/auth/token", "issueToken"},
	{"GET /api/v1/invoices/{id}", "getInvoice"},
	{"GET /api/v1/pricing/quote", "quote"},
	{"DELETE /api/v1/cart/items/{id}", "removeCartItem"},
	{"GET /healthz", "healthz"},
	{"GET /metrics", "metrics"},
	{"POST /api/v1/events", "ingestEvents"},
	{"GET /api/v1/orders/{id}/status", "getOrderStatus"},
	{"PATCH /api/v1/orders/{id}", "patchOrder"},
	{"GET /api/v1/stores/nearby", "nearbyStores"},
	{"POST /api/v1/users", "createUser"},
	{"GET /api/v1/flags", "listFlags"},
	{"POST /api/v1/orders/{id}/refund", "refundOrder"},
};

static const char *const grpc_methods[][2] = {
	{"OrderService", "GetOrder"},      {"OrderService", "ListOrders"},
	{"OrderService", "CreateOrder"},   {"OrderService", "UpdateOrderStatus"},
	{"UserService", "GetUser"},        {"UserService", "BatchGetUsers"},
	{"CatalogService", "GetProduct"},  {"CatalogService", "SearchProducts"},
	{"InventoryService", "Reserve"},   {"InventoryService", "Release"},
	{"PricingService", "Quote"},       {"PaymentService", "Authorize"},
	{"PaymentService", "Capture"},     {"RecommendService", "Recommend"},
};

typedef struct world {
	pool P;
	endpoint *eps;
	size_t n_eps;
	double *ep_cum;
	/* prefixes */
	uint32_t http_prefix[32];
	size_t n_http_prefix;
	uint32_t grpc_pre[8], grpc_mid[8];
	size_t n_grpc_pre, n_grpc_mid;
	uint32_t goexit;
	/* background kinds */
	struct bg {
		double weight;
		uint32_t prefix[4];
		size_t n_prefix;
		uint32_t start;
	} bg[16];
	size_t n_bg;
	double bg_cum[16];
	uint64_t build_seed;
} world;

static void add_bg(world *W, double weight, const char *const *prefix, size_t n_prefix, const char *start)
{
	struct bg *b = &W->bg[W->n_bg];
	b->weight = weight;
	b->n_prefix = n_prefix;
	for (size_t i = 0; i < n_prefix; i++)
		b->prefix[i] = node_by_name(&W->P, prefix[i]);
	b->start = node_by_name(&W->P, start);
	W->bg_cum[W->n_bg] = (W->n_bg ? W->bg_cum[W->n_bg - 1] : 0) + weight;
	W->n_bg++;
}

static void world_build(world *W, uint64_t seed)
{
	pool *P = &W->P;
	memset(W, 0, sizeof *W);
	rng r = rseed(seed, 1);
	W->build_seed = seed;
	u64map_init(&P->func_by_name, 1 << 14);
	u64map_init(&P->node_by_name, 1 << 10);

	hand_parse(P, &r);

	/* Synthesized code in layers: service, then third party, then stdlib. */
	static const synth_spec specs[] = {
		{K_SVC, 1, L_SVC_HI, 420},
		{K_THIRD, L_THIRD_LO, L_THIRD_HI, 450},
		{K_STD, L_STD_LO, L_STD_HI, 450},
	};
	for (size_t i = 0; i < NELEM(specs); i++)
		synth_create(P, &r, &specs[i]);

	/* API entry points. */
	P->n_api = NELEM(api_table);
	P->api = xmalloc(P->n_api * sizeof *P->api);
	P->api_cum = xmalloc(P->n_api * sizeof *P->api_cum);
	double cum = 0;
	for (size_t i = 0; i < P->n_api; i++) {
		P->api[i] = node_by_name(P, api_table[i].name);
		cum += api_table[i].weight;
		P->api_cum[i] = cum;
	}

	hand_resolve(P, &r);
	synth_wire(P, &r);

	/* Endpoints: handlers at level 0. */
	size_t n_http = NELEM(http_routes), n_grpc = NELEM(grpc_methods);
	W->n_eps = n_http + n_grpc;
	W->eps = xcalloc(W->n_eps, sizeof *W->eps);
	W->ep_cum = xmalloc(W->n_eps * sizeof *W->ep_cum);
	uint32_t *order = xmalloc(W->n_eps * sizeof *order);
	for (size_t i = 0; i < W->n_eps; i++)
		order[i] = (uint32_t)i;
	for (size_t i = W->n_eps; i > 1; i--) { /* popularity rank: a shuffle */
		uint32_t j = rbelow(&r, (uint32_t)i);
		uint32_t t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
	for (size_t i = 0; i < W->n_eps; i++) {
		endpoint *e = &W->eps[i];
		char *name, *file;
		if (i < n_http) {
			e->label = xstrdup(http_routes[i][0]);
			name = xprintf(APPMOD "/internal/api.(*Server).%s", http_routes[i][1]);
			file = xprintf(APPDIR "internal/api/handlers_%c.go", http_routes[i][1][0]);
		} else {
			const char *svc = grpc_methods[i - n_http][0], *m = grpc_methods[i - n_http][1];
			e->grpc = true;
			e->label = xprintf("/acme.orders.v1.%s/%s", svc, m);
			name = xprintf(APPMOD "/internal/grpcapi.(*%s).%s", svc, m);
			file = xprintf(APPDIR "internal/grpcapi/%c%s.go", svc[0] - 'A' + 'a', svc + 1);
			char *hn = xprintf(APPMOD "/gen/ordersv1._%s_%s_Handler", svc, m);
			char *h1 = xprintf("%s.func1", hn);
			const char *gf = APPDIR "gen/ordersv1/orders_grpc.pb.go";
			e->h_node = node_new(P, func_lookup_or_add(P, &r, hn, gf, 0), K_HAND, -1);
			node_finish(P, &r, e->h_node, NULL, 0, 1, 1.0);
			P->nodes[e->h_node].stop = 0;
			e->h1_node = node_new(P, func_lookup_or_add(P, &r, h1, gf, 0), K_HAND, -1);
			node_finish(P, &r, e->h1_node, NULL, 0, 1, 1.0);
			P->nodes[e->h1_node].stop = 0;
			free(hn);
			free(h1);
		}
		uint32_t fn = func_lookup_or_add(P, &r, name, file, 0);
		free(name);
		free(file);
		e->handler = node_new(P, fn, K_SVC, 0);
		P->nodes[e->handler].stop = 0.06;
		uint32_t callees[12];
		uint32_t nc = (uint32_t)rrange(&r, 4, 12);
		for (uint32_t k = 0; k < nc; k++) {
			if (runit(&r) < 0.15)
				callees[k] = pick_api(P, &r);
			else
				callees[k] = pick_synth(P, &r, 1, 2);
		}
		node_finish(P, &r, e->handler, callees, nc, (uint32_t)rrange(&r, 1, 4), 1.0);
		e->ticks_mean = 0.6 + 6.0 * runit(&r) * runit(&r);
		double w = 1.0 / pow((double)order[i] + 1.0, 1.1);
		W->ep_cum[i] = (i ? W->ep_cum[i - 1] : 0) + w;
	}
	free(order);

	static const char *const http_prefix[] = {
		"runtime.goexit",
		"net/http.(*conn).serve",
		"net/http.serverHandler.ServeHTTP",
		"github.com/go-chi/chi/v5.(*Mux).ServeHTTP",
		"net/http.HandlerFunc.ServeHTTP",
		"github.com/go-chi/chi/v5/middleware.RequestID.func1",
		"net/http.HandlerFunc.ServeHTTP",
		"github.com/DataDog/dd-trace-go/contrib/go-chi/chi.v5/v2.Middleware.func1.1",
		"github.com/DataDog/dd-trace-go/v2/instrumentation/httptrace.TraceAndServe",
		"net/http.HandlerFunc.ServeHTTP",
		"github.com/go-chi/chi/v5/middleware.Recoverer.func1",
		"net/http.HandlerFunc.ServeHTTP",
		APPMOD "/internal/api.(*Server).authMiddleware.func1",
		"net/http.HandlerFunc.ServeHTTP",
		APPMOD "/internal/api.(*Server).metricsMiddleware.func1",
		"net/http.HandlerFunc.ServeHTTP",
		"github.com/go-chi/chi/v5.(*Mux).routeHTTP",
		"net/http.HandlerFunc.ServeHTTP",
	};
	W->n_http_prefix = NELEM(http_prefix);
	for (size_t i = 0; i < NELEM(http_prefix); i++)
		W->http_prefix[i] = node_by_name(P, http_prefix[i]);
	static const char *const grpc_pre[] = {
		"runtime.goexit",
		"google.golang.org/grpc.(*Server).serveStreams.func2.1",
		"google.golang.org/grpc.(*Server).handleStream",
		"google.golang.org/grpc.(*Server).processUnaryRPC",
	};
	static const char *const grpc_mid[] = {
		"google.golang.org/grpc.chainUnaryInterceptors.func1",
		"github.com/DataDog/dd-trace-go/contrib/google.golang.org/grpc/v2.UnaryServerInterceptor.func1",
		"google.golang.org/grpc.getChainUnaryHandler.func1",
		APPMOD "/internal/grpcapi.metricsInterceptor",
		"google.golang.org/grpc.getChainUnaryHandler.func1",
	};
	W->n_grpc_pre = NELEM(grpc_pre);
	for (size_t i = 0; i < NELEM(grpc_pre); i++)
		W->grpc_pre[i] = node_by_name(P, grpc_pre[i]);
	W->n_grpc_mid = NELEM(grpc_mid);
	for (size_t i = 0; i < NELEM(grpc_mid); i++)
		W->grpc_mid[i] = node_by_name(P, grpc_mid[i]);
	W->goexit = node_by_name(P, "runtime.goexit");

	static const char *const pre_goexit[] = {"runtime.goexit"};
	static const char *const pre_grpc_reader[] = {"runtime.goexit",
	                                              "google.golang.org/grpc.(*Server).handleRawConn.func1"};
	add_bg(W, 17, pre_goexit, 1, "runtime.gcBgMarkWorker");
	add_bg(W, 6, NULL, 0, "runtime.mcall");
	add_bg(W, 1, NULL, 0, "runtime.mstart");
	add_bg(W, 1.2, pre_goexit, 1, "runtime.bgsweep");
	add_bg(W, 0.5, pre_goexit, 1, "runtime.bgscavenge");
	add_bg(W, 3, pre_goexit, 1, TP "NewServerTransport.func2");
	add_bg(W, 3, pre_grpc_reader, 2, "google.golang.org/grpc.(*Server).serveStreams");
	add_bg(W, 4, pre_goexit, 1, "net/http.(*conn).serve");
	add_bg(W, 2, pre_goexit, 1, TR "(*tracer).worker");
	add_bg(W, 4, pre_goexit, 1, APPMOD "/internal/events.(*Consumer).run");
	add_bg(W, 1.5, pre_goexit, 1, APPMOD "/internal/cache.(*Refresher).loop");
	add_bg(W, 0.6, NULL, 0, "runtime._System");
}

/* ------------------------------------------------------------------ */
/* Stacks: frames, inline chains, locations.                           */

#define MAX_FRAMES 256
#define MAX_DEPTH 64 /* locations per sample, as runtime/pprof records */

typedef struct frame {
	uint32_t fn;
	int32_t line;
	bool inlined; /* this frame is inlined into the previous (outer) one */
} frame;

/* A distinct inline chain: the PC it maps to. Shared by all profiles. */
typedef struct chain {
	uint64_t addr;   /* offset inside the main mapping, or vdso offset */
	bool vdso;
	uint32_t at, n;  /* frames in chain_frames, outermost first */
} chain;

typedef struct chains {
	chain *v;
	size_t n, cap;
	frame *frames;
	size_t n_frames, cap_frames;
	u64map by_hash;
} chains;

static uint32_t chain_get(world *W, chains *C, const frame *f, uint32_t n, bool vdso, uint64_t vdso_off)
{
	uint64_t h = vdso ? mix64(0x76d50 ^ vdso_off) : 0x9ae16a3b2f90404fULL;
	for (uint32_t i = 0; i < n; i++)
		h = mix64(h ^ ((uint64_t)f[i].fn << 32 | (uint32_t)f[i].line)) + i;
	uint32_t id;
	if (u64map_get(&C->by_hash, h, &id))
		return id;
	GROW(C->v, C->cap, C->n + 1);
	GROW(C->frames, C->cap_frames, C->n_frames + n);
	chain *c = &C->v[C->n];
	c->vdso = vdso;
	c->at = (uint32_t)C->n_frames;
	c->n = n;
	if (n)
		memcpy(C->frames + C->n_frames, f, n * sizeof *f);
	C->n_frames += n;
	if (vdso) {
		c->addr = vdso_off;
	} else {
		gfunc *phys = &W->P.funcs[f[0].fn];
		uint32_t slots = phys->text_size / 4 - 1;
		c->addr = phys->text_off + 4 * (1 + phys->next_pc % slots);
		phys->next_pc++;
	}
	id = (uint32_t)C->n++;
	u64map_put(&C->by_hash, h, id);
	return id;
}

typedef struct walker {
	frame f[MAX_FRAMES];
	uint32_t n;
} walker;

static void push_frame(walker *w, uint32_t fn, int32_t line, bool inlined)
{
	if (w->n < MAX_FRAMES) {
		w->f[w->n].fn = fn;
		w->f[w->n].line = line;
		w->f[w->n].inlined = inlined;
		w->n++;
	}
}

/* Appends the frame of node `from` calling node `to` (a fixed prefix step). */
static bool push_call(const pool *P, walker *w, uint32_t from, uint32_t to, bool *next_inlined)
{
	const gnode *n = &P->nodes[from];
	const gfunc *f = &P->funcs[n->fn];
	int32_t line = (int32_t)f->start_line + f->dispatch_line;
	bool inl = false;
	for (uint32_t i = 0; i < n->n_cs; i++)
		if (P->cs[n->cs_at + i].callee == to) {
			line = P->cs[n->cs_at + i].line;
			inl = P->cs[n->cs_at + i].inlined;
			break;
		}
	bool this_inlined = *next_inlined;
	push_frame(w, n->fn, line, this_inlined);
	*next_inlined = inl;
	return true;
}

/* Random walk from node `cur` down the call graph until a self PC. */
static uint32_t walk_from(const pool *P, rng *r, walker *w, uint32_t cur, bool inlined)
{
	for (;;) {
		const gnode *n = &P->nodes[cur];
		if (w->n >= MAX_FRAMES - 1 || n->n_cs == 0 || runit(r) < n->stop) {
			int32_t line;
			if (n->n_self)
				line = P->self_lines[n->self_at + rpick(r, P->self_cum + n->self_at, n->n_self)];
			else
				line = (int32_t)P->funcs[n->fn].start_line + 1;
			push_frame(w, n->fn, line, inlined);
			return cur;
		}
		uint32_t k = rpick(r, P->cs_cum + n->cs_at, n->n_cs);
		const callsite *c = &P->cs[n->cs_at + k];
		push_frame(w, n->fn, c->line, inlined);
		inlined = c->inlined;
		cur = c->callee;
	}
}

/* ------------------------------------------------------------------ */
/* One profile.                                                        */

typedef struct srec {
	uint64_t hash;
	uint32_t locs_at, n_locs;
	pgo_str lab[3]; /* local root span id, span id, trace endpoint (0 = none) */
	int64_t count;
} srec;

typedef struct gen {
	world *W;
	chains *C;
	pgo_profile *p;
	uint32_t map_main, map_vdso;
	uint64_t main_base, vdso_base;
	/* pool function -> profile function index + 1 */
	uint32_t *fn_idx;
	/* chain -> profile location index + 1 */
	uint32_t *loc_idx;
	size_t loc_idx_cap;
	/* samples being aggregated */
	srec *s;
	size_t n_s, cap_s;
	uint32_t *sl;
	size_t n_sl, cap_sl;
	size_t *slots; /* open addressing over s: index + 1 */
	size_t slot_mask;
	u64map stacks; /* distinct location lists */
	uint32_t max_depth;
	uint64_t frames_total, locs_total;
	u64map *all_stacks; /* distinct stacks over all profiles so far (by chain ids) */
} gen;

static uint32_t prof_func(gen *g, uint32_t fn)
{
	if (g->fn_idx[fn])
		return g->fn_idx[fn] - 1;
	const gfunc *f = &g->W->P.funcs[fn];
	uint32_t idx;
	check(pgo_add_function(g->p, f->name, f->name, f->file, f->start_line, &idx), "pgo_add_function");
	g->fn_idx[fn] = idx + 1;
	return idx;
}

static uint32_t prof_loc(gen *g, uint32_t chain_id)
{
	if (chain_id >= g->loc_idx_cap) {
		size_t nc = g->loc_idx_cap ? g->loc_idx_cap : 1024;
		while (nc <= chain_id)
			nc *= 2;
		g->loc_idx = xrealloc(g->loc_idx, nc * sizeof *g->loc_idx);
		memset(g->loc_idx + g->loc_idx_cap, 0, (nc - g->loc_idx_cap) * sizeof *g->loc_idx);
		g->loc_idx_cap = nc;
	}
	if (g->loc_idx[chain_id])
		return g->loc_idx[chain_id] - 1;
	const chain *c = &g->C->v[chain_id];
	uint32_t idx;
	if (c->vdso) {
		check(pgo_add_location(g->p, g->map_vdso, g->vdso_base + c->addr, NULL, 0, &idx),
		      "pgo_add_location");
	} else {
		pgo_line lines[MAX_FRAMES];
		for (uint32_t i = 0; i < c->n; i++) { /* innermost first */
			const frame *f = &g->C->frames[c->at + c->n - 1 - i];
			lines[i].function = prof_func(g, f->fn);
			lines[i].line = f->line;
			lines[i].column = 0;
		}
		check(pgo_add_location(g->p, g->map_main, g->main_base + c->addr, lines, c->n, &idx),
		      "pgo_add_location");
	}
	g->loc_idx[chain_id] = idx + 1;
	return idx;
}

/* Turns the walker's frames (root first) into location indexes, leaf first. */
static uint32_t frames_to_locs(gen *g, const walker *w, bool vdso_leaf, uint64_t vdso_off, uint32_t *locs)
{
	uint32_t groups[MAX_FRAMES][2]; /* start, count */
	uint32_t ng = 0;
	for (uint32_t i = 0; i < w->n; i++) {
		if (i == 0 || !w->f[i].inlined) {
			groups[ng][0] = i;
			groups[ng][1] = 1;
			ng++;
		} else {
			groups[ng - 1][1]++;
		}
	}
	uint32_t n = 0;
	uint64_t h = 0x1f83d9abfb41bd6bULL;
	if (vdso_leaf) {
		uint32_t id = chain_get(g->W, g->C, NULL, 0, true, vdso_off);
		h = mix64(h ^ id);
		locs[n++] = prof_loc(g, id);
	}
	for (uint32_t k = ng; k-- > 0 && n < MAX_DEPTH;) {
		uint32_t id = chain_get(g->W, g->C, w->f + groups[k][0], groups[k][1], false, 0);
		h = mix64(h ^ id) + n;
		locs[n++] = prof_loc(g, id);
	}
	u64map_put(g->all_stacks, h, 1);
	return n;
}

static bool srec_eq(const gen *g, const srec *s, uint64_t h, const uint32_t *locs, uint32_t n,
                    const pgo_str *lab)
{
	return s->hash == h && s->n_locs == n && s->lab[0] == lab[0] && s->lab[1] == lab[1] &&
	       s->lab[2] == lab[2] && memcmp(g->sl + s->locs_at, locs, n * sizeof *locs) == 0;
}

static void slots_rehash(gen *g)
{
	size_t cap = (g->slot_mask + 1) * 2;
	free(g->slots);
	g->slots = xcalloc(cap, sizeof *g->slots);
	g->slot_mask = cap - 1;
	for (size_t i = 0; i < g->n_s; i++) {
		size_t j = g->s[i].hash & g->slot_mask;
		while (g->slots[j])
			j = (j + 1) & g->slot_mask;
		g->slots[j] = i + 1;
	}
}

static void record(gen *g, const uint32_t *locs, uint32_t n, const pgo_str *lab)
{
	uint64_t hs = 0x243f6a8885a308d3ULL;
	for (uint32_t i = 0; i < n; i++)
		hs = mix64(hs ^ locs[i]) + i;
	u64map_put(&g->stacks, hs, 1);
	if (n > g->max_depth)
		g->max_depth = n;
	uint64_t h = mix64(hs ^ mix64((uint64_t)lab[0] << 32 ^ lab[1]) ^ lab[2]);
	size_t j = h & g->slot_mask;
	while (g->slots[j]) {
		srec *s = &g->s[g->slots[j] - 1];
		if (srec_eq(g, s, h, locs, n, lab)) {
			s->count++;
			return;
		}
		j = (j + 1) & g->slot_mask;
	}
	GROW(g->s, g->cap_s, g->n_s + 1);
	GROW(g->sl, g->cap_sl, g->n_sl + n);
	srec *s = &g->s[g->n_s];
	s->hash = h;
	s->locs_at = (uint32_t)g->n_sl;
	s->n_locs = n;
	memcpy(s->lab, lab, sizeof s->lab);
	s->count = 1;
	memcpy(g->sl + g->n_sl, locs, n * sizeof *locs);
	g->n_sl += n;
	g->slots[j] = ++g->n_s;
	if (g->n_s * 2 > g->slot_mask + 1)
		slots_rehash(g);
}

static pgo_str intern(pgo_profile *p, const char *s)
{
	pgo_str out;
	check(pgo_intern(p, s, strlen(s), &out), "pgo_intern");
	return out;
}

static pgo_str intern_u64(pgo_profile *p, uint64_t v)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%" PRIu64, v);
	return intern(p, buf);
}

/* Generates one tick's stack into w; returns the leaf node. */
static uint32_t request_stack(world *W, rng *r, walker *w, const endpoint *e)
{
	const pool *P = &W->P;
	uint32_t seq[32];
	size_t n = 0;
	if (!e->grpc) {
		memcpy(seq, W->http_prefix, W->n_http_prefix * sizeof *seq);
		n = W->n_http_prefix;
	} else {
		memcpy(seq, W->grpc_pre, W->n_grpc_pre * sizeof *seq);
		n = W->n_grpc_pre;
		seq[n++] = e->h_node;
		memcpy(seq + n, W->grpc_mid, W->n_grpc_mid * sizeof *seq);
		n += W->n_grpc_mid;
		seq[n++] = e->h1_node;
	}
	seq[n++] = e->handler;
	/* Usually run the handler; sometimes stop in the framework on the way. */
	size_t cut = n - 1;
	if (runit(r) < 0.10) {
		size_t k = 3 + rbelow(r, (uint32_t)(n - 4));
		if (P->nodes[seq[k]].n_cs > 0)
			cut = k;
	}
	bool inl = false;
	for (size_t i = 0; i < cut; i++)
		push_call(P, w, seq[i], seq[i + 1], &inl);
	return walk_from(P, r, w, seq[cut], inl);
}

static uint32_t background_stack(world *W, rng *r, walker *w, size_t kind)
{
	const struct bg *b = &W->bg[kind];
	bool inl = false;
	for (size_t i = 0; i < b->n_prefix; i++)
		push_call(&W->P, w, b->prefix[i], i + 1 < b->n_prefix ? b->prefix[i + 1] : b->start, &inl);
	return walk_from(&W->P, r, w, b->start, inl);
}

typedef struct pstats {
	size_t gz_bytes, raw_bytes;
	uint32_t samples, stacks, locations, functions, max_depth;
	uint64_t ticks;
	double mean_frames, mean_depth;
} pstats;

static void generate_one(world *W, chains *C, u64map *all_stacks, uint64_t seed, unsigned index,
                         const char *path, pstats *st)
{
	rng r = rseed(seed, 1000 + index);
	pool *P = &W->P;
	gen g;
	memset(&g, 0, sizeof g);
	g.W = W;
	g.C = C;
	g.all_stacks = all_stacks;
	g.p = pgo_profile_new();
	if (!g.p)
		die("out of memory");
	g.fn_idx = xcalloc(P->n_funcs, sizeof *g.fn_idx);
	g.slot_mask = (1u << 16) - 1;
	g.slots = xcalloc(g.slot_mask + 1, sizeof *g.slots);
	u64map_init(&g.stacks, 1 << 15);

	pgo_profile *p = g.p;
	check(pgo_add_sample_type(p, "samples", "count"), "pgo_add_sample_type");
	check(pgo_add_sample_type(p, "cpu", "nanoseconds"), "pgo_add_sample_type");
	p->period_type.type = intern(p, "cpu");
	p->period_type.unit = intern(p, "nanoseconds");
	p->period = 10000000;
	p->duration_nanos = 60000000000LL;
	/* Consecutive minutes, as a continuous profiler uploads them. */
	p->time_nanos = 1732492800000000000LL + (int64_t)(seed % 1000) * 3600000000000LL +
	                (int64_t)index * 60000000000LL + (int64_t)rbelow(&r, 1000000000u);

	/* Mappings: the PIE main binary at a random base, and [vdso]. */
	char build_id[41];
	rng br = rseed(W->build_seed, 7);
	for (int i = 0; i < 40; i += 16)
		snprintf(build_id + i, sizeof build_id - (size_t)i, "%016" PRIx64, rnext(&br));
	build_id[40] = 0;
	g.main_base = 0x555555554000ULL + ((uint64_t)rbelow(&r, 1u << 20) << 12);
	pgo_mapping m;
	memset(&m, 0, sizeof m);
	m.memory_start = g.main_base;
	m.memory_limit = g.main_base + ((0x1000 + P->text_size + 0xfff) & ~(uint64_t)0xfff);
	m.file_offset = 0;
	m.filename = intern(p, "/app/orders-api");
	m.build_id = intern(p, build_id);
	m.has_functions = m.has_filenames = m.has_line_numbers = m.has_inline_frames = true;
	check(pgo_add_mapping(p, &m, &g.map_main), "pgo_add_mapping");
	g.vdso_base = 0x7ffc00000000ULL + ((uint64_t)rbelow(&r, 1u << 22) << 12);
	memset(&m, 0, sizeof m);
	m.memory_start = g.vdso_base;
	m.memory_limit = g.vdso_base + 0x2000;
	m.filename = intern(p, "[vdso]");
	m.build_id = intern(p, "");
	check(pgo_add_mapping(p, &m, &g.map_vdso), "pgo_add_mapping");

	pgo_str k_lrs = intern(p, "local root span id");
	pgo_str k_span = intern(p, "span id");
	pgo_str k_ep = intern(p, "trace endpoint");
	pgo_str *ep_str = xmalloc(W->n_eps * sizeof *ep_str);
	for (size_t i = 0; i < W->n_eps; i++)
		ep_str[i] = 0; /* interned on first use */

	/* About 16 busy cores for a minute at 100 Hz, give or take. */
	uint64_t ticks = TICKS_MIN + rbelow(&r, TICKS_SPREAD);
	double bg_share = 0.26 + 0.08 * runit(&r);

	const endpoint *req_ep = NULL;
	uint64_t req_lrs = 0, req_spans[4] = {0};
	uint32_t req_nspans = 0, req_left = 0;
	uint32_t locs[MAX_DEPTH + 1];
	walker w;

	for (uint64_t t = 0; t < ticks; t++) {
		w.n = 0;
		pgo_str lab[3] = {0, 0, 0};
		uint32_t leaf;
		uint64_t path_kind;
		uint32_t universe;
		size_t bg_kind = 0;
		bool bg = runit(&r) < bg_share;
		if (bg) {
			bg_kind = rpick(&r, W->bg_cum, (uint32_t)W->n_bg);
			path_kind = 1000 + bg_kind;
			universe = 50 + (uint32_t)(W->bg[bg_kind].weight * PATHS_PER_BG_WEIGHT);
		} else {
			if (req_left == 0) {
				uint32_t ei = rpick(&r, W->ep_cum, (uint32_t)W->n_eps);
				req_ep = &W->eps[ei];
				req_lrs = rnext(&r) >> 1;
				req_nspans = 1 + rbelow(&r, 4);
				req_spans[0] = req_lrs;
				for (uint32_t k = 1; k < req_nspans; k++)
					req_spans[k] = rnext(&r) >> 1;
				req_left = 1 + rgeom(&r, 1.0 / (1.0 + req_ep->ticks_mean), 200);
				if (!ep_str[ei])
					ep_str[ei] = intern(p, req_ep->label);
			}
			req_left--;
			lab[0] = intern_u64(p, req_lrs);
			lab[1] = intern_u64(p, req_spans[rbelow(&r, req_nspans)]);
			lab[2] = ep_str[req_ep - W->eps];
			path_kind = (uint64_t)(req_ep - W->eps);
			universe = PATHS_PER_ENDPOINT;
		}
		uint32_t rank = rskew(&r, universe, PATH_SKEW);
		rng pr = rseed(W->build_seed ^ 0x70a7b5eedULL, path_kind << 32 | rank);
		if (bg)
			leaf = background_stack(W, &pr, &w, bg_kind);
		else
			leaf = request_stack(W, &pr, &w, req_ep);
		bool vdso = P->nodes[leaf].vdso && runit(&pr) < 0.7;
		uint64_t vdso_off = 0x700 + 0x40 * (uint64_t)(P->nodes[leaf].fn % 4) + 4 * rbelow(&pr, 6);
		g.frames_total += w.n;
		uint32_t n = frames_to_locs(&g, &w, vdso, vdso_off, locs);
		g.locs_total += n;
		record(&g, locs, n, lab);
	}

	/* Emit samples in first-seen order, labels sorted by key. */
	for (size_t i = 0; i < g.n_s; i++) {
		const srec *s = &g.s[i];
		int64_t values[2] = {s->count, s->count * p->period};
		pgo_label labels[3];
		uint32_t nl = 0;
		if (s->lab[0]) {
			memset(labels, 0, sizeof labels);
			labels[0].key = k_lrs;
			labels[0].str = s->lab[0];
			labels[1].key = k_span;
			labels[1].str = s->lab[1];
			labels[2].key = k_ep;
			labels[2].str = s->lab[2];
			nl = 3;
		}
		check(pgo_add_sample(p, g.sl + s->locs_at, s->n_locs, values, nl ? labels : NULL, nl),
		      "pgo_add_sample");
	}

	pgo_error err;
	uint8_t *raw = NULL, *gz = NULL;
	size_t raw_size = 0, gz_size = 0;
	if (pgo_encode(p, 0, &raw, &raw_size, &err) != PGO_OK)
		die("pgo_encode: %s", err.message);
	if (pgo_encode(p, 6, &gz, &gz_size, &err) != PGO_OK)
		die("pgo_encode: %s", err.message);
	FILE *f = fopen(path, "wb");
	if (!f)
		die("%s: %s", path, strerror(errno));
	if (fwrite(gz, 1, gz_size, f) != gz_size || fclose(f) != 0)
		die("%s: write failed", path);

	st->gz_bytes = gz_size;
	st->raw_bytes = raw_size;
	st->samples = p->n_samples;
	st->stacks = (uint32_t)g.stacks.count;
	st->locations = p->n_locations;
	st->functions = p->n_functions;
	st->max_depth = g.max_depth;
	st->ticks = ticks;
	st->mean_frames = (double)g.frames_total / (double)ticks;
	st->mean_depth = (double)g.locs_total / (double)ticks;

	free(raw);
	free(gz);
	free(ep_str);
	free(g.fn_idx);
	free(g.loc_idx);
	free(g.s);
	free(g.sl);
	free(g.slots);
	u64map_free(&g.stacks);
	pgo_profile_free(p);
}

static void world_free(world *W)
{
	pool *P = &W->P;
	for (size_t i = 0; i < P->n_funcs; i++) {
		free(P->funcs[i].name);
		free(P->funcs[i].file);
	}
	free(P->funcs);
	free(P->nodes);
	free(P->cs);
	free(P->cs_cum);
	free(P->self_lines);
	free(P->self_cum);
	u64map_free(&P->func_by_name);
	u64map_free(&P->node_by_name);
	for (int i = 0; i < 16; i++)
		free(P->level_nodes[i]);
	free(P->api);
	free(P->api_cum);
	for (size_t i = 0; i < W->n_eps; i++)
		free(W->eps[i].label);
	free(W->eps);
	free(W->ep_cum);
}

/* ------------------------------------------------------------------ */
/* The varied families: large, varied call graphs that share little.   */
/*
 * A service with a large code base (a monorepo binary, many RPC handlers,
 * generated code): V_FUNCS functions, each calling up to V_FANOUT others
 * picked uniformly, so that random walks of depth up to 64 rarely meet
 * twice. "varied": a share of each profile's ticks follow V_HOT paths that
 * every profile shares (so the merge still deduplicates some stacks), the
 * rest are fresh walks. "distinct": every tick is a fresh walk, so almost
 * every stack is distinct, within a profile and across profiles. No labels:
 * the stacks alone make the profile large. Function names carry a hex
 * number and addresses are spread, so the profile compresses under 2:1.
 */
#define V_FUNCS 12000
#define V_FANOUT 6   /* call sites per function, at most */
#define V_SELF 2     /* leaf lines per function */
#define V_SITES (V_FANOUT + V_SELF)
#define V_ROOTS 400  /* goroutine entry functions */
#define V_HOT 4000   /* paths shared by every "varied" profile */
#define V_HOT_SHARE 0.35
#define V_MIN_DEPTH 8

typedef struct vfunc {
	char *name, *file;
	int32_t start_line;
	uint32_t fanout;
	uint32_t callee[V_FANOUT];
	int32_t line[V_SITES]; /* call-site lines, then leaf lines */
} vfunc;

typedef struct vworld {
	vfunc *f;
	uint64_t seed;
	uint64_t text_size;
} vworld;

static void vworld_build(vworld *V, uint64_t seed)
{
	rng r = rseed(seed, 0x7a71ed);
	V->seed = seed;
	V->f = xcalloc(V_FUNCS, sizeof *V->f);
	for (uint32_t i = 0; i < V_FUNCS; i++) {
		vfunc *f = &V->f[i];
		const char *T = pick(&r, types, NELEM(types));
		const char *Vb = pick(&r, verbs, NELEM(verbs));
		const char *N = pick(&r, nouns, NELEM(nouns));
		uint32_t svc = rbelow(&r, 97), pkg = rbelow(&r, 1000);
		uint32_t tag = (uint32_t)(rnext(&r) >> 40);
		if (i < V_ROOTS)
			f->name = xprintf("github.com/acme/mono/svc%02u/handler%03u.(*%s).Serve%s%06x", svc, pkg,
			                  T, N, tag);
		else if (runit(&r) < 0.5)
			f->name = xprintf("github.com/acme/mono/svc%02u/pkg%03u.(*%s%06x).%s%s", svc, pkg, T, tag,
			                  Vb, N);
		else
			f->name = xprintf("github.com/acme/mono/svc%02u/pkg%03u.%s%s%06x", svc, pkg, Vb, N, tag);
		f->file = xprintf("/src/mono/svc%02u/pkg%03u/%s_%06x.go", svc, pkg, N, tag & 0xfff);
		f->start_line = rrange(&r, 10, 4000);
		f->fanout = 1 + rbelow(&r, V_FANOUT);
		for (uint32_t k = 0; k < f->fanout; k++)
			f->callee[k] = V_ROOTS + rbelow(&r, V_FUNCS - V_ROOTS);
		for (uint32_t k = 0; k < V_SITES; k++)
			f->line[k] = f->start_line + 1 + (int32_t)rbelow(&r, 300);
	}
	V->text_size = (uint64_t)V_FUNCS * 0x400;
}

static void vworld_free(vworld *V)
{
	for (uint32_t i = 0; i < V_FUNCS; i++) {
		free(V->f[i].name);
		free(V->f[i].file);
	}
	free(V->f);
}

/* A walk: sites[i] = function * V_SITES + site, root first. Returns the depth. */
static uint32_t vwalk(const vworld *V, rng *r, uint32_t *sites)
{
	uint32_t depth = V_MIN_DEPTH + rbelow(r, MAX_DEPTH - V_MIN_DEPTH + 1);
	uint32_t fn = rbelow(r, V_ROOTS);
	for (uint32_t i = 0; i + 1 < depth; i++) {
		uint32_t k = rbelow(r, V->f[fn].fanout);
		sites[i] = fn * V_SITES + k;
		fn = V->f[fn].callee[k];
	}
	sites[depth - 1] = fn * V_SITES + V_FANOUT + rbelow(r, V_SELF);
	return depth;
}

typedef struct vgen {
	const vworld *V;
	pgo_profile *p;
	uint32_t *fn_idx;  /* function -> profile index + 1 */
	uint32_t *loc_idx; /* site -> profile index + 1 */
	uint32_t map_main;
	uint64_t main_base;
} vgen;

static uint32_t vfunc_idx(vgen *g, uint32_t fn)
{
	if (!g->fn_idx[fn]) {
		const vfunc *f = &g->V->f[fn];
		uint32_t idx;
		check(pgo_add_function(g->p, f->name, f->name, f->file, f->start_line, &idx), "pgo_add_function");
		g->fn_idx[fn] = idx + 1;
	}
	return g->fn_idx[fn] - 1;
}

/* One location per call site; one in five also has an inlined frame. */
static uint32_t vloc_idx(vgen *g, uint32_t site)
{
	if (!g->loc_idx[site]) {
		uint32_t fn = site / V_SITES, k = site % V_SITES;
		pgo_line lines[2];
		uint32_t n = 0;
		uint64_t h = mix64(g->V->seed ^ site);
		if (h % 5 == 0) {
			uint32_t in = V_ROOTS + (uint32_t)(h >> 32) % (V_FUNCS - V_ROOTS);
			lines[n++] = (pgo_line){vfunc_idx(g, in), g->V->f[in].line[(h >> 8) % V_SITES], 0};
		}
		lines[n++] = (pgo_line){vfunc_idx(g, fn), g->V->f[fn].line[k], 0};
		uint64_t addr = g->main_base + 0x1000 + (uint64_t)fn * 0x400 + 0x10 * k + (h >> 16) % 16;
		uint32_t idx;
		check(pgo_add_location(g->p, g->map_main, addr, lines, n, &idx), "pgo_add_location");
		g->loc_idx[site] = idx + 1;
	}
	return g->loc_idx[site] - 1;
}

static void generate_varied(const vworld *V, bool distinct, u64map *all_stacks, unsigned index,
                            const char *path, pstats *st)
{
	rng r = rseed(V->seed, 2000 + index);
	vgen g = {V, pgo_profile_new(), NULL, NULL, 0, 0};
	if (!g.p)
		die("out of memory");
	g.fn_idx = xcalloc(V_FUNCS, sizeof *g.fn_idx);
	g.loc_idx = xcalloc((size_t)V_FUNCS * V_SITES, sizeof *g.loc_idx);
	pgo_profile *p = g.p;
	check(pgo_add_sample_type(p, "samples", "count"), "pgo_add_sample_type");
	check(pgo_add_sample_type(p, "cpu", "nanoseconds"), "pgo_add_sample_type");
	p->period_type.type = intern(p, "cpu");
	p->period_type.unit = intern(p, "nanoseconds");
	p->period = 10000000;
	p->duration_nanos = 60000000000LL;
	p->time_nanos = 1732492800000000000LL + (int64_t)(V->seed % 1000) * 3600000000000LL +
	                (int64_t)index * 60000000000LL + (int64_t)rbelow(&r, 1000000000u);
	g.main_base = 0x555555554000ULL + ((uint64_t)rbelow(&r, 1u << 20) << 12);
	pgo_mapping m;
	memset(&m, 0, sizeof m);
	m.memory_start = g.main_base;
	m.memory_limit = g.main_base + ((0x1000 + V->text_size + 0xfff) & ~(uint64_t)0xfff);
	m.filename = intern(p, "/app/mono");
	m.build_id = intern(p, "5f0c1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b");
	m.has_functions = m.has_filenames = m.has_line_numbers = m.has_inline_frames = true;
	check(pgo_add_mapping(p, &m, &g.map_main), "pgo_add_mapping");

	uint64_t ticks = distinct ? 60000 + rbelow(&r, 5000) : 86000 + rbelow(&r, 8000);
	u64map seen;
	u64map_init(&seen, (size_t)ticks);
	uint32_t *counts = xcalloc((size_t)ticks, sizeof *counts);
	uint32_t **stacks = xcalloc((size_t)ticks, sizeof *stacks);
	uint32_t *depths = xcalloc((size_t)ticks, sizeof *depths);
	uint32_t n_s = 0, max_depth = 0;
	uint32_t sites[MAX_DEPTH], locs[MAX_DEPTH];
	for (uint64_t t = 0; t < ticks; t++) {
		uint32_t depth;
		if (!distinct && runit(&r) < V_HOT_SHARE) {
			rng hr = rseed(V->seed ^ 0x407, rskew(&r, V_HOT, 2.0));
			depth = vwalk(V, &hr, sites);
		} else {
			depth = vwalk(V, &r, sites);
		}
		uint64_t h = 0x243f6a8885a308d3ULL;
		for (uint32_t i = 0; i < depth; i++) /* leaf first, as profiles store them */
			h = mix64(h ^ sites[depth - 1 - i]) + i;
		u64map_put(all_stacks, h, 1);
		uint32_t at;
		if (u64map_get(&seen, h, &at)) {
			counts[at]++;
			continue;
		}
		u64map_put(&seen, h, n_s);
		stacks[n_s] = xmalloc(depth * sizeof(uint32_t));
		for (uint32_t i = 0; i < depth; i++)
			stacks[n_s][i] = sites[depth - 1 - i];
		depths[n_s] = depth;
		counts[n_s++] = 1;
		if (depth > max_depth)
			max_depth = depth;
	}
	uint64_t ticks_depth = 0;
	for (uint32_t i = 0; i < n_s; i++) {
		for (uint32_t j = 0; j < depths[i]; j++)
			locs[j] = vloc_idx(&g, stacks[i][j]);
		int64_t values[2] = {counts[i], (int64_t)counts[i] * p->period};
		check(pgo_add_sample(p, locs, depths[i], values, NULL, 0), "pgo_add_sample");
		ticks_depth += (uint64_t)depths[i] * counts[i];
		free(stacks[i]);
	}

	pgo_error err;
	uint8_t *raw = NULL, *gz = NULL;
	size_t raw_size = 0, gz_size = 0;
	if (pgo_encode(p, 0, &raw, &raw_size, &err) != PGO_OK || pgo_encode(p, 6, &gz, &gz_size, &err) != PGO_OK)
		die("pgo_encode: %s", err.message);
	FILE *f = fopen(path, "wb");
	if (!f)
		die("%s: %s", path, strerror(errno));
	if (fwrite(gz, 1, gz_size, f) != gz_size || fclose(f) != 0)
		die("%s: write failed", path);
	st->gz_bytes = gz_size;
	st->raw_bytes = raw_size;
	st->samples = p->n_samples;
	st->stacks = n_s;
	st->locations = p->n_locations;
	st->functions = p->n_functions;
	st->max_depth = max_depth;
	st->ticks = ticks;
	st->mean_depth = (double)ticks_depth / (double)ticks;
	st->mean_frames = st->mean_depth; /* inlined frames not counted */
	free(raw);
	free(gz);
	free(counts);
	free(stacks);
	free(depths);
	free(g.fn_idx);
	free(g.loc_idx);
	u64map_free(&seen);
	pgo_profile_free(p);
}

static unsigned long long parse_u64(const char *s, const char *what)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || !*s || *end || s[0] == '-')
		die("%s: not a non-negative integer: %s", what, s);
	return v;
}

static int main_varied(const char *outdir, unsigned count, uint64_t seed, bool distinct)
{
	vworld V;
	vworld_build(&V, seed);
	u64map all_stacks;
	u64map_init(&all_stacks, 1 << 20);
	printf("# pool: %u functions with up to %u call sites each, %u goroutine roots, %s\n", V_FUNCS, V_FANOUT,
	       V_ROOTS, distinct ? "every stack a fresh walk" : "a share of stacks on paths all profiles share");
	printf("# file gzip_bytes raw_bytes ticks samples stacks locations functions max_depth "
	       "mean_depth mean_frames union_stacks\n");
	size_t gz = 0, raw = 0;
	for (unsigned i = 0; i < count; i++) {
		char *path = xprintf("%s/p%03u.pprof", outdir, i);
		pstats st;
		generate_varied(&V, distinct, &all_stacks, i, path, &st);
		printf("p%03u.pprof %zu %zu %" PRIu64 " %u %u %u %u %u %.1f %.1f %zu\n", i, st.gz_bytes,
		       st.raw_bytes, st.ticks, st.samples, st.stacks, st.locations, st.functions,
		       st.max_depth, st.mean_depth, st.mean_frames, all_stacks.count);
		fflush(stdout);
		gz += st.gz_bytes;
		raw += st.raw_bytes;
		free(path);
	}
	printf("# total: %u profiles, %.1f MB gzip, %.1f MB raw, gzip ratio %.2f\n", count, gz / 1e6, raw / 1e6,
	       gz ? (double)raw / (double)gz : 0.0);
	u64map_free(&all_stacks);
	vworld_free(&V);
	return 0;
}

int main(int argc, char **argv)
{
	const char *family = "realistic";
	if (argc == 6 && strcmp(argv[1], "--family") == 0) {
		family = argv[2];
		argv += 2;
		argc -= 2;
	}
	bool varied = strcmp(family, "varied") == 0, distinct = strcmp(family, "distinct") == 0;
	if (argc != 4 || (!varied && !distinct && strcmp(family, "realistic") != 0)) {
		fprintf(stderr, "usage: genprofiles [--family realistic|varied|distinct] OUTDIR COUNT SEED\n"
		                "writes OUTDIR/p000.pprof ... : COUNT gzip'd Go CPU profiles of one service\n");
		return 2;
	}
	const char *outdir = argv[1];
	unsigned long long count = parse_u64(argv[2], "COUNT");
	uint64_t seed = parse_u64(argv[3], "SEED");
	if (count == 0 || count > 1000)
		die("COUNT must be 1..1000");
	if (mkdir(outdir, 0777) != 0 && errno != EEXIST)
		die("%s: %s", outdir, strerror(errno));
	if (varied || distinct)
		return main_varied(outdir, (unsigned)count, seed, distinct);

	world *W = xcalloc(1, sizeof *W);
	world_build(W, seed);
	chains C;
	memset(&C, 0, sizeof C);
	u64map_init(&C.by_hash, 1 << 16);
	u64map all_stacks;
	u64map_init(&all_stacks, 1 << 16);

	printf("# pool: %zu functions, %zu graph nodes, %zu call sites, %zu endpoints\n",
	       W->P.n_funcs, W->P.n_nodes, W->P.n_cs, W->n_eps);
	printf("# file gzip_bytes raw_bytes ticks samples stacks locations functions max_depth "
	       "mean_depth mean_frames union_stacks\n");
	pstats total;
	memset(&total, 0, sizeof total);
	for (unsigned i = 0; i < count; i++) {
		char *path = xprintf("%s/p%03u.pprof", outdir, i);
		pstats st;
		generate_one(W, &C, &all_stacks, seed, i, path, &st);
		printf("p%03u.pprof %zu %zu %" PRIu64 " %u %u %u %u %u %.1f %.1f %zu\n", i, st.gz_bytes,
		       st.raw_bytes, st.ticks, st.samples, st.stacks, st.locations, st.functions,
		       st.max_depth, st.mean_depth, st.mean_frames, all_stacks.count);
		fflush(stdout);
		total.gz_bytes += st.gz_bytes;
		total.raw_bytes += st.raw_bytes;
		total.samples += st.samples;
		total.stacks += st.stacks;
		free(path);
	}
	printf("# total: %llu profiles, %.1f MB gzip, %.1f MB raw, %u samples, %u stacks (sum of "
	       "per-profile distinct), %zu distinct inline chains overall\n",
	       count, total.gz_bytes / 1e6, total.raw_bytes / 1e6, total.samples, total.stacks, C.n);

	u64map_free(&all_stacks);
	free(C.v);
	free(C.frames);
	u64map_free(&C.by_hash);
	world_free(W);
	free(W);
	return 0;
}
