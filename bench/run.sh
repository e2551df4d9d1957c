#!/usr/bin/env bash
# pgotool against the Go toolchain on large generated profiles.
#
#     bench/run.sh PGOTOOL            (what `make bench` runs)
#
# 1. Generates 50 realistic Go CPU profiles of one service with
#    bench/genprofiles (deterministic; cached in bench/data/, gitignored).
#    The 5-profile set is the first 5 of them.
# 2. On those same files, in this one run, times (wall seconds and peak RSS,
#    /usr/bin/time -f '%e %M', median of BENCH_REPEATS runs after one
#    warm-up run of every command):
#      pgotool merge -o OUT FILES...          vs  go tool pprof -proto FILES... > OUT
#      pgotool edges MERGED                   vs  go tool preprofile -i MERGED -o OUT
#      pgotool merge --compact -o OUT FILES...   (size against the full merge)
# 3. Runs bench/gzip_compare (zlib vs libdeflate) on a profile.
# 4. Prints a table and writes docs/benchmarks.md.
#
# Environment: BENCH_REPEATS (5), BENCH_SEED (20241125), BENCH_DOC (docs/benchmarks.md),
# GENPROFILES and GZIP_COMPARE (default: next to PGOTOOL in the build tree).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
export LC_ALL=C # decimal points in $EPOCHREALTIME and awk

if [ $# -ne 1 ]; then
	echo "usage: bench/run.sh PGOTOOL" >&2
	exit 2
fi

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PGOTOOL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
BUILD=$(dirname "$PGOTOOL")
GEN=${GENPROFILES:-$BUILD/bench/genprofiles}
GZC=${GZIP_COMPARE:-$BUILD/bench/gzip_compare}
REPS=${BENCH_REPEATS:-5}
SEED=${BENCH_SEED:-20241125}
DOC=${BENCH_DOC:-$ROOT/docs/benchmarks.md}
TIME=/usr/bin/time
COUNT=50
SMALL=5

die() { echo "bench: $*" >&2; exit 1; }

[ -x "$PGOTOOL" ] || die "no pgotool at $PGOTOOL (run make first)"
[ -x "$GEN" ] || die "no genprofiles at $GEN (bench/CMakeLists.txt builds it)"
[ -x "$TIME" ] || die "$TIME is missing (apt-get install time; scripts/install-deps.sh does it)"
command -v go >/dev/null 2>&1 || die "no 'go' on PATH: the comparison needs the Go toolchain (1.21 or later)"

DATA=$ROOT/bench/data/seed-$SEED
WORK=$ROOT/bench/work
mkdir -p "$DATA" "$WORK"
rm -f "$WORK"/*

# ---------------------------------------------------------------------------
# 1. Profiles (cached). The stamp names what they were generated from.

stamp="genprofiles.c $(sha256sum "$ROOT/bench/genprofiles.c" | cut -c1-16) count=$COUNT seed=$SEED"
if [ ! -f "$DATA/stamp" ] || [ "$(cat "$DATA/stamp")" != "$stamp" ] ||
	[ ! -f "$DATA/p$(printf %03d $((COUNT - 1))).pprof" ]; then
	echo "bench: generating $COUNT profiles in ${DATA#"$ROOT"/} (seed $SEED) ..."
	rm -f "$DATA"/p*.pprof "$DATA"/stats.txt "$DATA"/stamp
	"$GEN" "$DATA" "$COUNT" "$SEED" >"$DATA/stats.txt.tmp"
	mv "$DATA/stats.txt.tmp" "$DATA/stats.txt"
	echo "$stamp" >"$DATA/stamp"
else
	echo "bench: using cached profiles in ${DATA#"$ROOT"/}"
fi

files_for() { # N -> the first N profile paths
	local i
	for ((i = 0; i < $1; i++)); do printf '%s/p%03d.pprof\n' "$DATA" "$i"; done
}
mapfile -t FILES_SMALL < <(files_for $SMALL)
mapfile -t FILES_LARGE < <(files_for $COUNT)

# Per-set statistics from genprofiles' output: "file gz raw ticks samples stacks locs funcs maxdepth ...".
# Columns: file gzip_bytes raw_bytes ticks samples stacks locations functions
# max_depth mean_depth mean_frames union_stacks (distinct stacks in files so far).
set_stats() { # N -> "gzMB meanMB minMB maxMB samples meanSamples meanStacks minStacks maxStacks meanDepth union"
	awk -v n="$1" '!/^#/ {
		if (k >= n) next
		k++; gz += $2; s += $5; st += $6; d += $10; u = $12
		if (k == 1 || $2 < mn) mn = $2; if ($2 > mx) mx = $2
		if (k == 1 || $6 < smn) smn = $6; if ($6 > smx) smx = $6
	} END {
		printf "%.1f %.2f %.2f %.2f %d %d %d %d %d %.1f %d\n", gz/1e6, gz/k/1e6, mn/1e6, mx/1e6, s, s/k, st/k, smn, smx, d/k, u
	}' "$DATA/stats.txt"
}

# ---------------------------------------------------------------------------
# 2. Timing.

# Commands are registered with add_cmd NAME CMD..., then run_all runs each
# once as a warm-up (in registration order, so a merge exists before its
# edges are timed) and then REPS rounds, each round running every command
# once in the same order: background load then affects pgotool and Go alike,
# instead of whichever command happened to be running. Each run is under
# /usr/bin/time -f '%e %M'. Peak RSS is time's %M. Wall time is taken around
# the same run from bash's $EPOCHREALTIME (microseconds), because %e has a
# resolution of 10 ms, too coarse for the ratio of two sub-second commands;
# it includes the fork and exec of /usr/bin/time itself (about 1 ms). %e is
# used if bash has no EPOCHREALTIME. Results: medians in SEC and KB.
declare -A SEC KB RUNS RUNS_KB
ORDER=()
median() { sort -g | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
add_cmd() {
	local name=$1
	shift
	ORDER+=("$name")
	declare -ga "CMD_${#ORDER[@]}"
	local -n ref="CMD_${#ORDER[@]}"
	ref=("$@")
}
run_one() { # INDEX -> runs the command, "seconds KB" on stdout
	local -n cmd="CMD_$1"
	local tf=$WORK/time.txt t0=${EPOCHREALTIME:-} t1 s k
	if ! "$TIME" -f '%e %M' -o "$tf" "${cmd[@]}" >/dev/null 2>"$WORK/stderr.txt"; then
		cat "$WORK/stderr.txt" >&2
		die "${ORDER[$1 - 1]} failed: ${cmd[*]}"
	fi
	t1=${EPOCHREALTIME:-}
	read -r s k < <(tail -n 1 "$tf") || die "cannot read $tf"
	if [ -n "$t0" ] && [ -n "$t1" ]; then
		s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
	fi
	echo "$s $k"
}
# The fork and exec of /usr/bin/time and of the command cost a few ms here
# (a VM), which is noise for Go's runs but a tenth of pgotool's edges: the
# median time of /usr/bin/time running `true` is measured the same way and
# subtracted from every median (the raw runs are listed as measured).
calibrate() {
	local i s k runs=""
	add_cmd calibrate-true true
	local idx=${#ORDER[@]}
	for ((i = 0; i < 11; i++)); do
		read -r s k < <(run_one "$idx")
		runs+="$s "
	done
	unset 'ORDER[idx-1]'
	OVERHEAD=$(printf '%s\n' $runs | median)
	echo "  timing overhead (median of /usr/bin/time true): ${OVERHEAD} s"
}
run_all() {
	local i r name s k
	calibrate
	for ((i = 1; i <= ${#ORDER[@]}; i++)); do
		run_one "$i" >/dev/null
	done
	for ((r = 1; r <= REPS; r++)); do
		for ((i = 1; i <= ${#ORDER[@]}; i++)); do
			name=${ORDER[$i - 1]}
			read -r s k < <(run_one "$i")
			RUNS[$name]+="$s "
			RUNS_KB[$name]+="$k "
		done
		echo "  round $r of $REPS done"
	done
	for name in "${ORDER[@]}"; do
		SEC[$name]=$(printf '%s\n' ${RUNS[$name]} | median | awk -v o="$OVERHEAD" '{ v = $1 - o; printf "%.4f", (v > 0 ? v : 0) }')
		KB[$name]=$(printf '%s\n' ${RUNS_KB[$name]} | median)
		printf '  %-22s %8.3f s %10d KB   (runs: %ss)\n' "$name" "${SEC[$name]}" "${KB[$name]}" "${RUNS[$name]}"
	done
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "inf" }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r >= t) ? "met" : "MISSED" }'; }

GO_VERSION=$(go version | awk '{print $3}')
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
# Other processes busy on a CPU when timing starts (ps: CPU share over each one's lifetime).
OTHERS=$(ps -eo pid=,pcpu=,comm= | awk -v self=$$ '$1 != self && $2 >= 20 { printf "%s%s (%s%% CPU)", sep, $3, $2; sep = ", " }')
echo "bench: $GO_VERSION; $REPS timed runs per command after one warm-up; medians"

declare -A SIZE EDGES_SAME COMPACT_SAME NEDGES ONE_SAME
for n in $SMALL $COUNT; do
	if [ "$n" = $SMALL ]; then FILES=("${FILES_SMALL[@]}"); else FILES=("${FILES_LARGE[@]}"); fi
	m_pgo=$WORK/merge-pgotool-$n.pgo
	add_cmd "merge-pgotool-$n" "$PGOTOOL" merge -o "$m_pgo" "${FILES[@]}"
	# The same merge on one thread: what decoding the next input while one merges gains.
	add_cmd "merge1-pgotool-$n" env PGOTOOL_THREADS=1 "$PGOTOOL" merge -o "$WORK/merge1-pgotool-$n.pgo" "${FILES[@]}"
	# go tool pprof writes the merged profile to its standard output.
	add_cmd "merge-go-$n" sh -c 'out=$1; shift; exec go tool pprof -proto "$@" >"$out"' sh \
		"$WORK/merge-go-$n.pgo" "${FILES[@]}"
	add_cmd "compact-pgotool-$n" "$PGOTOOL" merge --compact -o "$WORK/merge-compact-$n.pgo" "${FILES[@]}"
	add_cmd "edges-pgotool-$n" "$PGOTOOL" edges -o "$WORK/edges-pgotool-$n.txt" "$m_pgo"
	add_cmd "edges-go-$n" go tool preprofile -i "$m_pgo" -o "$WORK/edges-go-$n.txt"
done
echo "bench: timing ${#ORDER[@]} commands"
run_all

for n in $SMALL $COUNT; do
	m_pgo=$WORK/merge-pgotool-$n.pgo
	m_cmp=$WORK/merge-compact-$n.pgo
	go tool preprofile -i "$m_cmp" -o "$WORK/edges-compact-$n.txt"
	SIZE[full-$n]=$(stat -c %s "$m_pgo")
	SIZE[go-$n]=$(stat -c %s "$WORK/merge-go-$n.pgo")
	SIZE[compact-$n]=$(stat -c %s "$m_cmp")
	NEDGES[$n]=$(($(wc -l <"$WORK/edges-go-$n.txt") / 3))
	cmp -s "$WORK/edges-pgotool-$n.txt" "$WORK/edges-go-$n.txt" && EDGES_SAME[$n]=yes || EDGES_SAME[$n]=NO
	cmp -s "$m_pgo" "$WORK/merge1-pgotool-$n.pgo" && ONE_SAME[$n]=yes || ONE_SAME[$n]=NO
	cmp -s "$WORK/edges-compact-$n.txt" "$WORK/edges-go-$n.txt" && COMPACT_SAME[$n]=yes || COMPACT_SAME[$n]=NO
done

# Conformance aside: with renaming off, pgotool's merge has the same edge map
# as go tool pprof's merge of the same files.
"$PGOTOOL" merge --no-noinline -o "$WORK/merge-plain-$COUNT.pgo" "${FILES_LARGE[@]}"
go tool preprofile -i "$WORK/merge-plain-$COUNT.pgo" -o "$WORK/edges-plain-$COUNT.txt"
go tool preprofile -i "$WORK/merge-go-$COUNT.pgo" -o "$WORK/edges-gomerge-$COUNT.txt"
cmp -s "$WORK/edges-plain-$COUNT.txt" "$WORK/edges-gomerge-$COUNT.txt" && PLAIN_SAME=yes || PLAIN_SAME=NO

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
# Noise: the largest max/min ratio among each command's timed runs.
SPREAD=$(for name in "${ORDER[@]}"; do
	printf '%s %s\n' "$name" "${RUNS[$name]}"
done | awk '{ mn = $2; mx = $2; for (i = 3; i <= NF; i++) { if ($i < mn) mn = $i; if ($i > mx) mx = $i }
	r = mn > 0 ? mx / mn : 1; if (r > worst) { worst = r; who = $1 } }
	END { printf "%.0f%% (%s)", (worst - 1) * 100, who }')

# ---------------------------------------------------------------------------
# 3. gzip: zlib against libdeflate.

GZ_P0="" GZ_MERGED=""
if [ -x "$GZC" ]; then
	echo "bench: gzip_compare"
	GZ_P0=$("$GZC" "${FILES_SMALL[0]}" 5)
	GZ_MERGED=$("$GZC" "$WORK/merge-pgotool-$COUNT.pgo" 5)
	printf '%s\n' "$GZ_P0" "$GZ_MERGED"
fi

# ---------------------------------------------------------------------------
# 4. Report.

mb() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1e6 }'; }
row() { # set n -> markdown rows for merge, edges
	local n=$1
	local mt mr et er cs
	mt=$(ratio "${SEC[merge-go-$n]}" "${SEC[merge-pgotool-$n]}")
	mr=$(ratio "${KB[merge-go-$n]}" "${KB[merge-pgotool-$n]}")
	et=$(ratio "${SEC[edges-go-$n]}" "${SEC[edges-pgotool-$n]}")
	er=$(ratio "${KB[edges-go-$n]}" "${KB[edges-pgotool-$n]}")
	printf '| merge, %d profiles | %.3f s, %d MB | %.3f s, %d MB | **%sx** | **%sx** |\n' "$n" \
		"${SEC[merge-pgotool-$n]}" $((${KB[merge-pgotool-$n]} / 1024)) \
		"${SEC[merge-go-$n]}" $((${KB[merge-go-$n]} / 1024)) "$mt" "$mr"
	printf '| merge on one thread (`PGOTOOL_THREADS=1`) | %.3f s, %d MB | | %sx the time on %d CPUs | |\n' \
		"${SEC[merge1-pgotool-$n]}" $((${KB[merge1-pgotool-$n]} / 1024)) \
		"$(awk -v a="${SEC[merge1-pgotool-$n]}" -v b="${SEC[merge-pgotool-$n]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')" \
		"$NPROC"
	printf '| edges of that merge | %.3f s, %d MB | %.3f s, %d MB | **%sx** | %sx |\n' \
		"${SEC[edges-pgotool-$n]}" $((${KB[edges-pgotool-$n]} / 1024)) \
		"${SEC[edges-go-$n]}" $((${KB[edges-go-$n]} / 1024)) "$et" "$er"
}

read -r S_GZ S_MEAN S_MIN S_MAX S_SAMPLES S_MSAMPLES S_MSTACKS S_MINSTACKS S_MAXSTACKS S_DEPTH S_UNION <<<"$(set_stats $SMALL)"
read -r L_GZ L_MEAN L_MIN L_MAX L_SAMPLES L_MSAMPLES L_MSTACKS L_MINSTACKS L_MAXSTACKS L_DEPTH L_UNION <<<"$(set_stats $COUNT)"
POOL=$(grep '^# pool' "$DATA/stats.txt" | sed 's/^# pool: //')

CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
MEM_GB=$(awk '/MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
NPROC=$(nproc)
KERNEL=$(uname -sr)
CC_VERSION=$( (cc --version 2>/dev/null || true) | head -1)
BUILD_TYPE=$(grep -m1 '^CMAKE_BUILD_TYPE' "$BUILD/CMakeCache.txt" 2>/dev/null | cut -d= -f2 || true)

L=$COUNT S=$SMALL
T_MERGE=$(ratio "${SEC[merge-go-$L]}" "${SEC[merge-pgotool-$L]}")
T_MEM=$(ratio "${KB[merge-go-$L]}" "${KB[merge-pgotool-$L]}")
T_EDGES=$(ratio "${SEC[edges-go-$L]}" "${SEC[edges-pgotool-$L]}")
T_COMPACT=$(ratio "${SIZE[full-$L]}" "${SIZE[compact-$L]}")
S_MERGE=$(ratio "${SEC[merge-go-$S]}" "${SEC[merge-pgotool-$S]}")
S_MEM=$(ratio "${KB[merge-go-$S]}" "${KB[merge-pgotool-$S]}")
S_EDGES=$(ratio "${SEC[edges-go-$S]}" "${SEC[edges-pgotool-$S]}")
S_COMPACT=$(ratio "${SIZE[full-$S]}" "${SIZE[compact-$S]}")

gz_line() { # table lib level -> "bytes c_ms d_ms"
	printf '%s\n' "$1" | awk -v lib="$2" -v lvl="$3" '$1 == lib && $2 == lvl { print $3, $5, $7 }'
}
gz_table() {
	printf '%s\n' "$1" | awk -F'\t' '
		/^# input/ { next }
		/^#/ { next }
		{ printf "| %s | %s | %.2f MB | %.2f | %.1f ms (%s MB/s) | %.1f ms (%s MB/s) |\n", $1, $2, $3 / 1e6, $4, $5, $6, $7, $8 }'
}
gz_verdict() {
	[ -n "$GZ_MERGED" ] || { echo "gzip_compare was not built (no zlib): no comparison."; return; }
	local z d zc dc zd dd
	read -r z zc zd <<<"$(gz_line "$GZ_MERGED" zlib 6)"
	read -r d dc dd <<<"$(gz_line "$GZ_MERGED" libdeflate 6)"
	awk -v z="$z" -v d="$d" -v zc="$zc" -v dc="$dc" -v zd="$zd" -v dd="$dd" 'BEGIN {
		printf "At level 6 on the merged profile, libdeflate compresses %.1fx as fast as zlib,", zc / dc
		printf " its output is %.2f%% %s,", (d > z ? (d - z) : (z - d)) * 100 / z, (d <= z ? "smaller" : "larger")
		printf " and it decompresses %.1fx as fast.\n\n", zd / dd
		if (dc < zc && dd < zd && d <= z * 1.02) {
			print "Decision: libdeflate, as libpgo already uses (level 6 for default.pgo), to compress and to"
			print "inflate gzip members whole (pgotool'"'"'s own blocks, small single members). libpgo also links"
			print "zlib: other gzip input streams through it, 1 MiB at a time, so that a profile'"'"'s shape is"
			print "checked as it decompresses and a bomb or junk stops early."
		} else {
			print "Decision: these figures do not favour libdeflate on every count; see the table before"
			print "keeping it (libpgo currently uses libdeflate)."
		}
	}'
}

TMP_DOC=$DOC.tmp.$$
mkdir -p "$(dirname "$DOC")"
{
	cat <<EOF
# Benchmarks

Generated by \`make bench\` (which runs \`bench/run.sh build/pgotool\`); do not edit by hand.
Every figure below comes from one run, on the same input files for pgotool and for Go.

## Result

Against the targets, on the $COUNT-profile set:

| target | measured | |
|---|---|---|
| merge ≥10x faster than \`go tool pprof -proto\` | ${T_MERGE}x | $(verdict "$T_MERGE" 10) |
| merge ≥4x less peak memory than \`go tool pprof -proto\` | ${T_MEM}x | $(verdict "$T_MEM" 4) |
| edges ≥10x faster than \`go tool preprofile\` | ${T_EDGES}x | $(verdict "$T_EDGES" 10) |
| \`merge --compact\` ≥10x smaller than the full merge | ${T_COMPACT}x | $(verdict "$T_COMPACT" 10) |

On the $SMALL-profile set: merge ${S_MERGE}x faster with ${S_MEM}x less memory, edges ${S_EDGES}x faster,
compact ${S_COMPACT}x smaller.

| | pgotool | Go | time ratio (Go/pgotool) | peak RSS ratio (Go/pgotool) |
|---|---|---|---|---|
$(row $SMALL)
$(row $COUNT)

Each command runs once as a warm-up (page cache, and Go's build cache: since Go 1.24 \`go tool pprof\`
is built on first use and then cached), then all commands run in $REPS rounds (each round runs
every command once, so background load hits pgotool and Go alike) under
\`/usr/bin/time -f '%e %M'\`; the tables give medians. Peak RSS is time's \`%M\`; wall time is measured around the same runs with
bash's \`\$EPOCHREALTIME\` because \`%e\` only has 10 ms resolution, less the median time of the same
measurement around \`true\` (${OVERHEAD} s: the fork and exec of \`/usr/bin/time\`), which is subtracted from
every median. Go's times include the \`go\`
command that launches the tool, as a user running \`go tool ...\` sees them (about 10 ms here for
\`go tool preprofile -h\`). The slowest timed run of a command was at most $SPREAD slower than
its fastest; every run is listed at the end. Load average (1, 5, 15 min) on the $NPROC CPUs before
timing: $LOAD_BEFORE (it still counts this script's build and profile generation); after: $LOAD_AFTER.
$(if [ -n "$OTHERS" ]; then echo "Other processes were using CPU when timing started: $OTHERS. Go's runtime is multi-threaded (parallel GC), and pgotool's merge uses a second thread, so a busy CPU costs both more."; else echo "No other process was using a CPU when timing started."; fi)

| output | $SMALL profiles | $COUNT profiles |
|---|---|---|
| \`pgotool merge\` (labels dropped, gzip) | $(mb "${SIZE[full-$S]}") MB | $(mb "${SIZE[full-$L]}") MB |
| \`go tool pprof -proto\` (labels kept, gzip) | $(mb "${SIZE[go-$S]}") MB | $(mb "${SIZE[go-$L]}") MB |
| \`pgotool merge --compact\` | $(mb "${SIZE[compact-$S]}") MB | $(mb "${SIZE[compact-$L]}") MB |
| full / compact | **${S_COMPACT}x** | **${T_COMPACT}x** |
| named call edges | ${NEDGES[$S]} | ${NEDGES[$L]} |

Checks made in the same run:

- \`pgotool merge\` on one thread (\`PGOTOOL_THREADS=1\`) writes the same bytes as on $NPROC: ${ONE_SAME[$S]} ($SMALL), ${ONE_SAME[$L]} ($COUNT).
- \`pgotool edges\` output byte-identical to \`go tool preprofile\` on the merged profile: ${EDGES_SAME[$S]} ($SMALL), ${EDGES_SAME[$L]} ($COUNT).
- \`go tool preprofile\` prints the same for the compact profile as for the full merge: ${COMPACT_SAME[$S]} ($SMALL), ${COMPACT_SAME[$L]} ($COUNT).
- With renaming off (\`--no-noinline\`), pgotool's merge of the $COUNT profiles has the same edge map as
  \`go tool pprof -proto\`'s: $PLAIN_SAME.

## Commands timed

\`\`\`
pgotool merge -o OUT p000.pprof ... p0NN.pprof
PGOTOOL_THREADS=1 pgotool merge -o OUT p000.pprof ... p0NN.pprof
go tool pprof -proto p000.pprof ... p0NN.pprof > OUT
pgotool edges -o OUT MERGED            # MERGED = pgotool's merge output
go tool preprofile -i MERGED -o OUT
pgotool merge --compact -o OUT p000.pprof ... p0NN.pprof
\`\`\`

## Input profiles

\`bench/genprofiles DIR $COUNT $SEED\` writes $COUNT gzip'd Go CPU profiles of one simulated service
(an HTTP and gRPC API traced by dd-trace-go): 60 s at 100 Hz, samples/count and cpu/nanoseconds,
a PIE main binary at a different base address in each profile plus \`[vdso]\`, Go-like function names,
files and start lines, inlined frames, stacks up to 64 locations deep, and the labels
\`local root span id\`, \`span id\` and \`trace endpoint\` on request samples. All profiles draw
on one pool ($POOL): every stack is one of a finite set of call paths of its endpoint or goroutine
kind, picked with power-law weights (a few hot paths, a long tail), so profiles overlap the way
production profiles of one service do and the merge deduplicates. Deterministic (own splitmix64,
fixed seed); the $SMALL-profile set is the first $SMALL files of the $COUNT.

| set | gzip total | per profile, MB (mean, min-max) | samples (per profile) | distinct stacks per profile (mean, min-max) | distinct stacks in the set | mean depth |
|---|---|---|---|---|---|---|
| $SMALL profiles | $S_GZ MB | $S_MEAN ($S_MIN-$S_MAX) | $S_SAMPLES ($S_MSAMPLES) | $S_MSTACKS ($S_MINSTACKS-$S_MAXSTACKS) | $S_UNION | $S_DEPTH |
| $COUNT profiles | $L_GZ MB | $L_MEAN ($L_MIN-$L_MAX) | $L_SAMPLES ($L_MSAMPLES) | $L_MSTACKS ($L_MINSTACKS-$L_MAXSTACKS) | $L_UNION | $L_DEPTH |

A sample is a distinct (stack, labels) pair with its count, as runtime/pprof writes them; a stack is a
distinct list of locations (leaf first, at most 64); depth counts locations. Most samples differ only
by their span labels, which the merge drops.

## gzip: zlib or libdeflate

libpgo gzips its output and gunzips its inputs. \`bench/gzip_compare FILE 5\` (built from
bench/gzip_compare.c, linked with both libraries) decompresses FILE if needed, then compresses the
raw protobuf with each library at comparable levels and decompresses it again; median of 5 runs,
one-shot buffer APIs for both (libdeflate's compressor allocation counted).

EOF
	if [ -n "$GZ_MERGED" ]; then
		echo "The merged default.pgo of the $COUNT profiles ($(printf '%s\n' "$GZ_MERGED" | awk '/^# input/ { printf "%.2f MB raw", $4 / 1e6 }')):"
		echo
		echo "| library | level | gzip size | ratio | compress | decompress |"
		echo "|---|---|---|---|---|---|"
		gz_table "$GZ_MERGED"
		echo
		echo "One generated input profile ($(printf '%s\n' "$GZ_P0" | awk '/^# input/ { printf "%.2f MB raw", $4 / 1e6 }')):"
		echo
		echo "| library | level | gzip size | ratio | compress | decompress |"
		echo "|---|---|---|---|---|---|"
		gz_table "$GZ_P0"
		echo
		printf '%s\n' "$GZ_P0" | sed -n 's/^# input.*; \(zlib .*\)$/Versions: \1./p'
		echo
		gz_verdict
	else
		echo "gzip_compare was not built (zlib development files missing), so no comparison ran."
	fi
	cat <<EOF

## Machine

- CPU: $CPU, $NPROC logical CPUs (nproc)
- Memory: $MEM_GB GiB
- OS: $KERNEL
- Go: $GO_VERSION
- C compiler: $CC_VERSION; CMake build type ${BUILD_TYPE:-unknown}

## Reproduce

\`\`\`
make bench
\`\`\`

BENCH_REPEATS (default 5) and BENCH_SEED (default 20241125) change the number of timed runs and the
generated profiles. Generated profiles are cached in bench/data/ (regenerated when genprofiles.c,
the count or the seed changes); outputs of the last run are in bench/work/. Both are gitignored.

## All timed runs

| command | wall seconds | peak RSS, KB |
|---|---|---|
$(for name in "${ORDER[@]}"; do printf '| %s | %s| %s|\n' "$name" "${RUNS[$name]}" "${RUNS_KB[$name]}"; done)
EOF
} >"$TMP_DOC"
# Keep the sections the other bench scripts write (serve, fetch).
doc_sections "$DOC" >>"$TMP_DOC"
mv "$TMP_DOC" "$DOC"

echo
echo "                         pgotool              go                 go/pgotool"
for n in $SMALL $COUNT; do
	printf 'merge %2d profiles   %7.3f s %7d KB  %7.3f s %8d KB   time %5sx  rss %5sx\n' "$n" \
		"${SEC[merge-pgotool-$n]}" "${KB[merge-pgotool-$n]}" "${SEC[merge-go-$n]}" "${KB[merge-go-$n]}" \
		"$(ratio "${SEC[merge-go-$n]}" "${SEC[merge-pgotool-$n]}")" "$(ratio "${KB[merge-go-$n]}" "${KB[merge-pgotool-$n]}")"
	printf 'edges %2d profiles   %7.3f s %7d KB  %7.3f s %8d KB   time %5sx  rss %5sx\n' "$n" \
		"${SEC[edges-pgotool-$n]}" "${KB[edges-pgotool-$n]}" "${SEC[edges-go-$n]}" "${KB[edges-go-$n]}" \
		"$(ratio "${SEC[edges-go-$n]}" "${SEC[edges-pgotool-$n]}")" "$(ratio "${KB[edges-go-$n]}" "${KB[edges-pgotool-$n]}")"
	printf 'compact %2d profiles full %s MB, compact %s MB: %sx smaller\n' "$n" "$(mb "${SIZE[full-$n]}")" \
		"$(mb "${SIZE[compact-$n]}")" "$(ratio "${SIZE[full-$n]}" "${SIZE[compact-$n]}")"
done
echo
echo "targets ($COUNT profiles): merge time ${T_MERGE}x ($(verdict "$T_MERGE" 10)), merge memory ${T_MEM}x ($(verdict "$T_MEM" 4)),"
echo "  edges time ${T_EDGES}x ($(verdict "$T_EDGES" 10)), compact ${T_COMPACT}x ($(verdict "$T_COMPACT" 10))"
echo "checks: edges identical ${EDGES_SAME[$S]}/${EDGES_SAME[$L]}, compact identical ${COMPACT_SAME[$S]}/${COMPACT_SAME[$L]}, merge edge map = go's: $PLAIN_SAME"
echo "bench: wrote ${DOC#"$ROOT"/}"
