#!/usr/bin/env bash
# pgotool against the Go toolchain on large generated profiles.
#
#     bench/run.sh PGOTOOL            (what `make bench` runs)
#
# 1. Generates 50 Go CPU profiles of each family with bench/genprofiles
#    (deterministic; cached in bench/data/, gitignored): "realistic" (one
#    service, profiles that share most stacks, about 4:1 gzip), "varied"
#    (large, varied call graphs: about 60,000 stacks per profile, under 2:1
#    gzip, little overlap) and "distinct" (the same, with almost every stack
#    distinct). The 5-profile set of a family is the first 5 of its files.
# 2. On those same files, in this one run, times (wall seconds and peak RSS,
#    /usr/bin/time -f '%e %M', median of BENCH_REPEATS runs after one
#    warm-up run of every command):
#      pgotool merge -o OUT FILES...          vs  go tool pprof -proto FILES... > OUT
#      floor -t T -l L RAW FILES...              (the merge's floor, see bench/floor.c)
#      pgotool edges MERGED                   vs  go tool preprofile -i MERGED -o OUT
#      pgotool merge --compact -o OUT FILES...   (size against the full merge)
#    Go's merge and edges of the 50 profiles of the varied families take
#    minutes: they run BENCH_SLOW_REPEATS times, without a warm-up (the
#    page cache and Go's build cache are warm from the other commands).
# 3. Runs bench/gzip_compare (zlib vs libdeflate) on a profile, and
#    bench/gzip_levels (every gzip level of the output) on two merges.
# 4. Prints a table and writes docs/benchmarks.md.
#
# Environment: BENCH_REPEATS (5), BENCH_SLOW_REPEATS (3), BENCH_SEED (20241125),
# BENCH_FAMILIES ("realistic varied distinct"), BENCH_COUNTS ("5 50": profile
# counts, ascending), BENCH_THREADS (nproc) and BENCH_LEVEL (6): the floor's
# threads and gzip level, BENCH_DOC (docs/benchmarks.md), GENPROFILES, FLOOR,
# GZIP_COMPARE and GZIP_LEVELS (default: next to PGOTOOL in the build tree).
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
GZL=${GZIP_LEVELS:-$BUILD/bench/gzip_levels}
FLOOR=${FLOOR:-$BUILD/bench/floor}
REPS=${BENCH_REPEATS:-5}
SLOW_REPS=${BENCH_SLOW_REPEATS:-3}
SEED=${BENCH_SEED:-20241125}
DOC=${BENCH_DOC:-$ROOT/docs/benchmarks.md}
TIME=/usr/bin/time
read -r -a FAMILIES <<<"${BENCH_FAMILIES:-realistic varied distinct}"
read -r -a COUNTS <<<"${BENCH_COUNTS:-5 50}"
COUNT=${COUNTS[${#COUNTS[@]} - 1]} # profiles generated per family
SMALL=${COUNTS[0]}
# The floor compresses with as many threads as pgotool's merge does (all CPUs)
# and at pgo_encode's level for default.pgo (src/cli/cmd_merge.c).
THREADS=${BENCH_THREADS:-$(nproc)}
LEVEL=${BENCH_LEVEL:-6}

die() { echo "bench: $*" >&2; exit 1; }

[ -x "$PGOTOOL" ] || die "no pgotool at $PGOTOOL (run make first)"
[ -x "$GEN" ] || die "no genprofiles at $GEN (bench/CMakeLists.txt builds it)"
[ -x "$FLOOR" ] || die "no floor at $FLOOR (bench/CMakeLists.txt builds it)"
[ ${#FAMILIES[@]} -gt 0 ] || die "BENCH_FAMILIES is empty"
for f in "${FAMILIES[@]}"; do
	case $f in realistic | varied | distinct) ;; *) die "unknown family '$f' in BENCH_FAMILIES (realistic, varied, distinct)" ;; esac
done
for n in "${COUNTS[@]}"; do
	[[ $n =~ ^[1-9][0-9]*$ ]] && [ "$n" -le 1000 ] || die "BENCH_COUNTS: '$n' is not a count of profiles (1..1000)"
	[ "$n" -ge "$SMALL" ] && [ "$n" -le "$COUNT" ] || die "BENCH_COUNTS must be ascending: ${COUNTS[*]}"
done
[ -x "$TIME" ] || die "$TIME is missing (apt-get install time; scripts/install-deps.sh does it)"
command -v go >/dev/null 2>&1 || die "no 'go' on PATH: the comparison needs the Go toolchain (1.21 or later)"

WORK=$ROOT/bench/work
mkdir -p "$WORK"
rm -f "$WORK"/*

# ---------------------------------------------------------------------------
# 1. Profiles (cached). The stamp names what they were generated from.

declare -A DATA
for f in "${FAMILIES[@]}"; do
	DATA[$f]=$ROOT/bench/data/$f-seed-$SEED
	d=${DATA[$f]}
	mkdir -p "$d"
	stamp="genprofiles.c $(sha256sum "$ROOT/bench/genprofiles.c" | cut -c1-16) family=$f count=$COUNT seed=$SEED"
	if [ ! -f "$d/stamp" ] || [ "$(cat "$d/stamp")" != "$stamp" ] ||
		[ ! -f "$d/p$(printf %03d $((COUNT - 1))).pprof" ]; then
		echo "bench: generating $COUNT $f profiles in ${d#"$ROOT"/} (seed $SEED) ..."
		rm -f "$d"/p*.pprof "$d"/stats.txt "$d"/stamp
		"$GEN" --family "$f" "$d" "$COUNT" "$SEED" >"$d/stats.txt.tmp"
		mv "$d/stats.txt.tmp" "$d/stats.txt"
		echo "$stamp" >"$d/stamp"
	else
		echo "bench: using cached $f profiles in ${d#"$ROOT"/}"
	fi
done

files_for() { # FAMILY N -> the first N profile paths
	local i
	for ((i = 0; i < $2; i++)); do printf '%s/p%03d.pprof\n' "${DATA[$1]}" "$i"; done
}

# Per-set statistics from genprofiles' output: "file gz raw ticks samples stacks locs funcs maxdepth ...".
# Columns: file gzip_bytes raw_bytes ticks samples stacks locations functions
# max_depth mean_depth mean_frames union_stacks (distinct stacks in files so far).
set_stats() { # FAMILY N -> "gzMB meanMB minMB maxMB samples meanSamples meanStacks minStacks maxStacks meanDepth union gzipRatio"
	awk -v n="$2" '!/^#/ {
		if (k >= n) next
		k++; gz += $2; raw += $3; s += $5; st += $6; d += $10; u = $12
		if (k == 1 || $2 < mn) mn = $2; if ($2 > mx) mx = $2
		if (k == 1 || $6 < smn) smn = $6; if ($6 > smx) smx = $6
	} END {
		printf "%.1f %.2f %.2f %.2f %d %d %d %d %d %.1f %d %.2f\n", gz/1e6, gz/k/1e6, mn/1e6, mx/1e6, s, s/k, st/k, smn, smx, d/k, u, raw/gz
	}' "${DATA[$1]}/stats.txt"
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
# A command added with add_slow_cmd has no warm-up and runs in the first
# SLOW_REPS rounds only.
declare -A SEC KB RUNS RUNS_KB
declare -A SLOW=()
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
add_slow_cmd() {
	add_cmd "$@"
	SLOW[$1]=1
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
		[ -n "${SLOW[${ORDER[$i - 1]}]:-}" ] || run_one "$i" >/dev/null
	done
	echo "  warm-up done"
	local rounds=$REPS
	[ ${#SLOW[@]} -eq 0 ] || [ "$SLOW_REPS" -le "$rounds" ] || rounds=$SLOW_REPS
	for ((r = 1; r <= rounds; r++)); do
		for ((i = 1; i <= ${#ORDER[@]}; i++)); do
			name=${ORDER[$i - 1]}
			if [ -n "${SLOW[$name]:-}" ]; then [ "$r" -le "$SLOW_REPS" ] || continue; else [ "$r" -le "$REPS" ] || continue; fi
			read -r s k < <(run_one "$i")
			RUNS[$name]+="$s "
			RUNS_KB[$name]+="$k "
		done
		echo "  round $r of $rounds done"
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

declare -A SIZE EDGES_SAME COMPACT_SAME NEDGES PLAIN_SAME FLOOR_SPLIT ONE_SAME
SETS=() # "family-n", in the order of the report
for f in "${FAMILIES[@]}"; do
	for n in "${COUNTS[@]}"; do
		SETS+=("$f-$n")
		mapfile -t FILES < <(files_for "$f" "$n")
		m_pgo=$WORK/merge-pgotool-$f-$n.pgo
		# The floor compresses the merge's own output: made once here, then
		# decompressed (untimed); the timed merges write the same bytes again.
		"$PGOTOOL" merge -o "$m_pgo" "${FILES[@]}"
		gzip -dc "$m_pgo" >"$WORK/merge-raw-$f-$n.pb"
		slow=add_cmd
		[ "$f" = realistic ] || [ "$n" -le "$SMALL" ] || slow=add_slow_cmd
		add_cmd "merge-pgotool-$f-$n" "$PGOTOOL" merge -o "$m_pgo" "${FILES[@]}"
		# The same merge on one thread: what the second thread (decoding the
		# next input while one merges, and compressing the output) gains.
		add_cmd "merge1-pgotool-$f-$n" "$PGOTOOL" merge --threads 1 -o "$WORK/merge1-pgotool-$f-$n.pgo" "${FILES[@]}"
		add_cmd "floor-$f-$n" "$FLOOR" -t "$THREADS" -l "$LEVEL" "$WORK/merge-raw-$f-$n.pb" "${FILES[@]}"
		# go tool pprof writes the merged profile to its standard output.
		$slow "merge-go-$f-$n" sh -c 'out=$1; shift; exec go tool pprof -proto "$@" >"$out"' sh \
			"$WORK/merge-go-$f-$n.pgo" "${FILES[@]}"
		add_cmd "compact-pgotool-$f-$n" "$PGOTOOL" merge --compact -o "$WORK/merge-compact-$f-$n.pgo" "${FILES[@]}"
		add_cmd "edges-pgotool-$f-$n" "$PGOTOOL" edges -o "$WORK/edges-pgotool-$f-$n.txt" "$m_pgo"
		$slow "edges-go-$f-$n" go tool preprofile -i "$m_pgo" -o "$WORK/edges-go-$f-$n.txt"
	done
done
echo "bench: timing ${#ORDER[@]} commands"
run_all

for set in "${SETS[@]}"; do
	f=${set%-*} n=${set##*-}
	m_pgo=$WORK/merge-pgotool-$set.pgo
	m_cmp=$WORK/merge-compact-$set.pgo
	go tool preprofile -i "$m_cmp" -o "$WORK/edges-compact-$set.txt"
	SIZE[full-$set]=$(stat -c %s "$m_pgo")
	SIZE[go-$set]=$(stat -c %s "$WORK/merge-go-$set.pgo")
	SIZE[compact-$set]=$(stat -c %s "$m_cmp")
	SIZE[raw-$set]=$(stat -c %s "$WORK/merge-raw-$set.pb")
	NEDGES[$set]=$(($(wc -l <"$WORK/edges-go-$set.txt") / 3))
	cmp -s "$WORK/edges-pgotool-$set.txt" "$WORK/edges-go-$set.txt" && EDGES_SAME[$set]=yes || EDGES_SAME[$set]=NO
	cmp -s "$WORK/edges-compact-$set.txt" "$WORK/edges-go-$set.txt" && COMPACT_SAME[$set]=yes || COMPACT_SAME[$set]=NO
	cmp -s "$m_pgo" "$WORK/merge1-pgotool-$set.pgo" && ONE_SAME[$set]=yes || ONE_SAME[$set]=NO
	# How the floor splits between its two phases (one untimed run).
	mapfile -t FILES < <(files_for "$f" "$n")
	FLOOR_SPLIT[$set]=$("$FLOOR" -t "$THREADS" -l "$LEVEL" "$WORK/merge-raw-$set.pb" "${FILES[@]}" |
		sed -n 's/.* raw in [0-9]* units, \([0-9.]*\) s; .* blocks), \([0-9.]*\) s;.*/\1 \2/p')
done

# Conformance aside: with renaming off, pgotool's merge of the largest set
# has the same edge map as go tool pprof's merge of the same files.
for f in "${FAMILIES[@]}"; do
	set=$f-$COUNT
	mapfile -t FILES < <(files_for "$f" "$COUNT")
	"$PGOTOOL" merge --no-noinline -o "$WORK/merge-plain-$set.pgo" "${FILES[@]}"
	go tool preprofile -i "$WORK/merge-plain-$set.pgo" -o "$WORK/edges-plain-$set.txt"
	go tool preprofile -i "$WORK/merge-go-$set.pgo" -o "$WORK/edges-gomerge-$set.txt"
	cmp -s "$WORK/edges-plain-$set.txt" "$WORK/edges-gomerge-$set.txt" && PLAIN_SAME[$f]=yes || PLAIN_SAME[$f]=NO
done

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
# Noise: the largest max/min ratio among each command's timed runs.
SPREAD=$(for name in "${ORDER[@]}"; do
	printf '%s %s\n' "$name" "${RUNS[$name]}"
done | awk '{ mn = $2; mx = $2; for (i = 3; i <= NF; i++) { if ($i < mn) mn = $i; if ($i > mx) mx = $i }
	r = mn > 0 ? mx / mn : 1; if (r > worst) { worst = r; who = $1 } }
	END { printf "%.0f%% (%s)", (worst - 1) * 100, who }')

# ---------------------------------------------------------------------------
# 3. gzip: zlib against libdeflate.

# On the first family (realistic by default).
GZ_FAMILY=${FAMILIES[0]}
GZ_P0="" GZ_MERGED=""
if [ -x "$GZC" ]; then
	echo "bench: gzip_compare ($GZ_FAMILY)"
	GZ_P0=$("$GZC" "${DATA[$GZ_FAMILY]}/p000.pprof" 5)
	GZ_MERGED=$("$GZC" "$WORK/merge-pgotool-$GZ_FAMILY-$COUNT.pgo" 5)
	printf '%s\n' "$GZ_P0" "$GZ_MERGED"
fi

# The output's gzip level: every level on the merge of the largest set of the
# first family (compressible) and of the smallest set of the last (large, and
# compressible least), compressed as pgotool writes it, on the merge's threads.
LV_SETS=("${FAMILIES[0]}-$COUNT" "${FAMILIES[${#FAMILIES[@]} - 1]}-$SMALL")
declare -A LEVELS
if [ -x "$GZL" ]; then
	for set in "${LV_SETS[@]}"; do
		echo "bench: gzip_levels ($set)"
		LEVELS[$set]=$("$GZL" "$WORK/merge-pgotool-$set.pgo" "$THREADS" 5)
		printf '%s\n' "${LEVELS[$set]}"
	done
fi

# ---------------------------------------------------------------------------
# 4. Report.

mb() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1e6 }'; }
# levels_section: the output's gzip level, from bench/gzip_levels on LV_SETS.
levels_section() {
	if [ -z "${LEVELS[${LV_SETS[0]}]:-}" ]; then
		printf '\n## Output compression level\n\nbench/gzip_levels was not built: no measurement.\n'
		return
	fi
	local a=${LV_SETS[0]} b=${LV_SETS[1]}
	cat <<EOF

## Output compression level

pgotool writes its output as 1 MiB gzip members on all cores (at most 8); the bytes are the same at any
thread count. \`bench/gzip_levels FILE $THREADS 5\` (bench/gzip_levels.c) takes the raw protobuf of
FILE and compresses it as pgotool does, on $THREADS threads, at each libdeflate level: the output size, and
the medians of 5 runs of the wall time and of the process's CPU time (all threads). FILE is pgotool's
merge of the $(set_name "$a") profiles ($(lv_raw "$a") MB raw, compressible) and of the
$(set_name "$b") ($(lv_raw "$b") MB raw, compressible least).

| level | $(set_name "$a"): gzip | vs 6 | CPU s | wall s | $(set_name "$b"): gzip | vs 6 | CPU s | wall s |
|---|---|---|---|---|---|---|---|---|
$(paste <(lv_rows "$a") <(lv_rows "$b") | awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", ($1 == 6 ? "**6**" : $1), $2, $3, $4, $5, $7, $8, $9, $10 }')

The CPU column is the compression's own work; the wall time also counts waits for a core.

Decision: level 6 is the default. It is the knee of the curve: the levels below it save part of the
compression's CPU for a file up to about 5% larger, and the levels above it cost from 1.4 to about 10
times its CPU for a file at most 3% smaller. A default.pgo committed to git is stored as it is: gzip
data neither compresses further nor deltas well, so each commit costs about the file's size, and a few
percent of it is not worth much more time on every merge. \`--level N\` (merge) and \`-level N\`
(fetch) choose the other trade-off: 12 for the smallest file where merges are rare, 1 for the fastest
merge.
EOF
}
# lv_raw SET: the raw size of its merge, MB.
lv_raw() { printf '%s\n' "${LEVELS[$1]}" | awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($(i + 1) == "raw") { printf "%.1f", $i / 1e6; exit } }'; }
# lv_rows SET: level, gzip MB, change against level 6, CPU s, wall s; tab-separated.
lv_rows() {
	printf '%s\n' "${LEVELS[$1]}" | awk -F'\t' '!/^#/ { n++; lv[n] = $1; by[n] = $2; wall[n] = $4; cpu[n] = $5; if ($1 == 6) six = $2 }
		END { for (i = 1; i <= n; i++) printf "%s\t%.2f MB\t%s\t%s\t%s\n", lv[i], by[i] / 1e6,
			(lv[i] == 6 ? "" : sprintf("%+.1f%%", (by[i] / six - 1) * 100)), cpu[i], wall[i] }'
}
at_most() { awk -v r="$1" -v t="$2" 'BEGIN { print (r != "inf" && r <= t) ? "met" : "MISSED" }'; }
set_name() { echo "${1%-*}, ${1##*-}"; } # "varied-5" -> "varied, 5"
row() { # SET -> markdown rows for merge, edges
	local set=$1 mt mr et er fr
	mt=$(ratio "${SEC[merge-go-$set]}" "${SEC[merge-pgotool-$set]}")
	mr=$(ratio "${KB[merge-go-$set]}" "${KB[merge-pgotool-$set]}")
	et=$(ratio "${SEC[edges-go-$set]}" "${SEC[edges-pgotool-$set]}")
	er=$(ratio "${KB[edges-go-$set]}" "${KB[edges-pgotool-$set]}")
	fr=$(ratio "${SEC[merge-pgotool-$set]}" "${SEC[floor-$set]}")
	printf '| %s: merge, %d profiles | %.3f s, %d MB | %.3f s, %d MB | **%sx** | **%sx** | %.3f s | **%sx** |\n' \
		"${set%-*}" "${set##*-}" "${SEC[merge-pgotool-$set]}" $((${KB[merge-pgotool-$set]} / 1024)) \
		"${SEC[merge-go-$set]}" $((${KB[merge-go-$set]} / 1024)) "$mt" "$mr" "${SEC[floor-$set]}" "$fr"
	printf '| %s: merge on one thread (`--threads 1`) | %.3f s, %d MB | | %sx the time on %d CPUs | | | |\n' \
		"${set%-*}" "${SEC[merge1-pgotool-$set]}" $((${KB[merge1-pgotool-$set]} / 1024)) \
		"$(awk -v a="${SEC[merge1-pgotool-$set]}" -v b="${SEC[merge-pgotool-$set]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')" \
		"$NPROC"
	printf '| %s: edges of that merge | %.3f s, %d MB | %.3f s, %d MB | **%sx** | %sx | | |\n' "${set%-*}" \
		"${SEC[edges-pgotool-$set]}" $((${KB[edges-pgotool-$set]} / 1024)) \
		"${SEC[edges-go-$set]}" $((${KB[edges-go-$set]} / 1024)) "$et" "$er"
}
# Per set: T_MERGE, T_MEM, T_FLOOR, T_EDGES, T_COMPACT.
declare -A T_MERGE T_MEM T_FLOOR T_EDGES T_COMPACT
for set in "${SETS[@]}"; do
	T_MERGE[$set]=$(ratio "${SEC[merge-go-$set]}" "${SEC[merge-pgotool-$set]}")
	T_MEM[$set]=$(ratio "${KB[merge-go-$set]}" "${KB[merge-pgotool-$set]}")
	T_FLOOR[$set]=$(ratio "${SEC[merge-pgotool-$set]}" "${SEC[floor-$set]}")
	T_EDGES[$set]=$(ratio "${SEC[edges-go-$set]}" "${SEC[edges-pgotool-$set]}")
	T_COMPACT[$set]=$(ratio "${SIZE[full-$set]}" "${SIZE[compact-$set]}")
done
cells() { # ARRAY-NAME THRESHOLD at_least|at_most -> "| 12.1x met | ..." over the sets
	local -n arr=$1
	local set out=""
	for set in "${SETS[@]}"; do
		if [ "$3" = at_most ]; then
			out+="| ${arr[$set]}x $(at_most "${arr[$set]}" "$2") "
		elif [ "$3" = large ] && [ "${set##*-}" -lt 50 ]; then
			out+="| ${arr[$set]}x (target at 50) "
		else
			out+="| ${arr[$set]}x $(verdict "${arr[$set]}" "$2") "
		fi
	done
	echo "$out|"
}
result_table() {
	local set head="| target " line="|---"
	for set in "${SETS[@]}"; do head+="| $(set_name "$set") "; line+="|---"; done
	echo "$head|"
	echo "$line|"
	echo "| merge ≥10x faster than \`go tool pprof -proto\` $(cells T_MERGE 10 at_least)"
	echo "| merge ≥4x less peak memory than \`go tool pprof -proto\` $(cells T_MEM 4 at_least)"
	echo "| merge time ≤3x the floor $(cells T_FLOOR 3 at_most)"
	echo "| edges ≥10x faster than \`go tool preprofile\` $(cells T_EDGES 10 at_least)"
	echo "| \`merge --compact\` ≥10x smaller than the full merge (at 50 profiles) $(cells T_COMPACT 10 large)"
}
sets_header() { # TITLE -> table header with one column per set
	local set head="| $1 " line="|---"
	for set in "${SETS[@]}"; do head+="| $(set_name "$set") "; line+="|---"; done
	echo "$head|"
	echo "$line|"
}
sets_row() { # TITLE FORMAT-FUNCTION -> one row over the sets
	local set out="| $1 "
	for set in "${SETS[@]}"; do out+="| $("$2" "$set") "; done
	echo "$out|"
}
c_full() { echo "$(mb "${SIZE[full-$1]}") MB"; }
c_go() { echo "$(mb "${SIZE[go-$1]}") MB"; }
c_compact() { echo "$(mb "${SIZE[compact-$1]}") MB"; }
c_ratio() { echo "**${T_COMPACT[$1]}x**"; }
c_raw() { echo "$(mb "${SIZE[raw-$1]}") MB"; }
c_edges() { echo "${NEDGES[$1]}"; }
c_split() { # the floor's two phases
	local i d
	read -r i d <<<"${FLOOR_SPLIT[$1]:-? ?}"
	echo "$i s + $d s"
}
stats_rows() { # one row per set of the inputs
	local set f n
	for set in "${SETS[@]}"; do
		f=${set%-*} n=${set##*-}
		read -r gz mean mn mx samples msamples mstacks minst maxst depth union gzr <<<"$(set_stats "$f" "$n")"
		echo "| $f | $n profiles | $gz MB | $mean ($mn-$mx) | $gzr | $samples ($msamples) | $mstacks ($minst-$maxst) | $union | $depth |"
	done
}
pool_lines() {
	local f
	for f in "${FAMILIES[@]}"; do
		echo "- $f: $(grep '^# pool' "${DATA[$f]}/stats.txt" | sed 's/^# pool: //')"
	done
}
checks() { # NAME-OF-ARRAY -> "yes (realistic, 5), ..."
	local -n arr=$1
	local set out="" sep=""
	for set in "${SETS[@]}"; do out+="$sep${arr[$set]} ($(set_name "$set"))"; sep=", "; done
	echo "$out"
}
plain_checks() {
	local f out="" sep=""
	for f in "${FAMILIES[@]}"; do out+="$sep${PLAIN_SAME[$f]} ($f)"; sep=", "; done
	echo "$out"
}
family_list() { local IFS=,; echo "${FAMILIES[*]}" | sed 's/,/, /g'; }

CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
MEM_GB=$(awk '/MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
NPROC=$(nproc)
KERNEL=$(uname -sr)
CC_VERSION=$( (cc --version 2>/dev/null || true) | head -1)
BUILD_TYPE=$(grep -m1 '^CMAKE_BUILD_TYPE' "$BUILD/CMakeCache.txt" 2>/dev/null | cut -d= -f2 || true)

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

Against the targets, on every family ($(family_list)) at each size: a target holds only if it
holds in every column.

$(result_table)

| | pgotool | Go | time ratio (Go/pgotool) | peak RSS ratio (Go/pgotool) | floor | merge ÷ floor |
|---|---|---|---|---|---|---|
$(for set in "${SETS[@]}"; do row "$set"; done)

The floor of a merge is the time \`bench/floor\` takes to read and decompress the same input files and
to gzip the merge's own output (decompressed beforehand) the way libpgo writes it: libdeflate at level
$LEVEL (what \`pgotool merge\` writes default.pgo with), independent gzip members of 1 MiB of input each,
on $THREADS threads (BENCH_THREADS: as many as pgotool's merge uses, all CPUs). It decodes, merges
and writes nothing, so no merge of these files can be faster with the same library, level and threads;
merge ÷ floor is how close pgotool's merge comes to it. The floor runs in the same rounds as the
other commands. Its two phases, from one more run after the timed rounds (decompress the inputs +
compress the output):

$(sets_header phase)
$(sets_row "floor: inputs + output" c_split)
$(sets_row "merged profile, raw" c_raw)

Each command runs once as a warm-up (page cache, and Go's build cache: since Go 1.24 \`go tool pprof\`
is built on first use and then cached), then all commands run in $REPS rounds (each round runs
every command once, so background load hits pgotool and Go alike) under
\`/usr/bin/time -f '%e %M'\`; the tables give medians.$(if [ ${#SLOW[@]} -gt 0 ]; then echo " Go's merge and edges of the $COUNT profiles of the varied families take minutes each: they run in the first $SLOW_REPS rounds only (BENCH_SLOW_REPEATS) and have no warm-up run of their own (the page cache holds their files after pgotool's runs, and Go's build cache is warm from the other Go runs)."; fi) Peak RSS is time's \`%M\`; wall time is measured around the same runs with
bash's \`\$EPOCHREALTIME\` because \`%e\` only has 10 ms resolution, less the median time of the same
measurement around \`true\` (${OVERHEAD} s: the fork and exec of \`/usr/bin/time\`), which is subtracted from
every median. Go's times include the \`go\`
command that launches the tool, as a user running \`go tool ...\` sees them (about 10 ms here for
\`go tool preprofile -h\`). The slowest timed run of a command was at most $SPREAD slower than
its fastest; every run is listed at the end. Load average (1, 5, 15 min) on the $NPROC CPUs before
timing: $LOAD_BEFORE (it still counts this script's build and profile generation); after: $LOAD_AFTER.
$(if [ -n "$OTHERS" ]; then echo "Other processes were using CPU when timing started: $OTHERS. Go's runtime is multi-threaded (parallel GC), and pgotool's merge uses a second thread, so a busy CPU costs both more."; else echo "No other process was using a CPU when timing started."; fi)

$(sets_header output)
$(sets_row "\`pgotool merge\` (labels dropped, gzip)" c_full)
$(sets_row "\`go tool pprof -proto\` (labels kept, gzip)" c_go)
$(sets_row "\`pgotool merge --compact\`" c_compact)
$(sets_row "full / compact" c_ratio)
$(sets_row "named call edges" c_edges)

Checks made in the same run:

- \`pgotool merge --threads 1\` writes the same bytes as on $NPROC threads: $(checks ONE_SAME).
- \`pgotool edges\` output byte-identical to \`go tool preprofile\` on the merged profile: $(checks EDGES_SAME).
- \`go tool preprofile\` prints the same for the compact profile as for the full merge: $(checks COMPACT_SAME).
- With renaming off (\`--no-noinline\`), pgotool's merge of the $COUNT profiles has the same edge map as
  \`go tool pprof -proto\`'s: $(plain_checks).

## Commands timed

\`\`\`
pgotool merge -o OUT p000.pprof ... p0NN.pprof
pgotool merge --threads 1 -o OUT p000.pprof ... p0NN.pprof
go tool pprof -proto p000.pprof ... p0NN.pprof > OUT
bench/floor -t $THREADS -l $LEVEL RAW p000.pprof ... p0NN.pprof   # RAW = pgotool's merge output, gunzipped
pgotool edges -o OUT MERGED            # MERGED = pgotool's merge output
go tool preprofile -i MERGED -o OUT
pgotool merge --compact -o OUT p000.pprof ... p0NN.pprof
\`\`\`

## Input profiles

\`bench/genprofiles --family FAMILY DIR $COUNT $SEED\` writes $COUNT gzip'd Go CPU profiles (60 s at
100 Hz, samples/count and cpu/nanoseconds, a PIE main binary at a different base address in each
profile, Go-like function names, files and start lines, inlined frames, stacks up to 64 locations
deep) of one family. Deterministic (own splitmix64, fixed seed); the $SMALL-profile set of a family
is the first $SMALL files of its $COUNT.

- **realistic**: one simulated service (an HTTP and gRPC API traced by dd-trace-go), plus \`[vdso]\`,
  and the labels \`local root span id\`, \`span id\` and \`trace endpoint\` on request samples. All
  profiles draw on one pool: every stack is one of a finite set of call paths of its endpoint or
  goroutine kind, picked with power-law weights (a few hot paths, a long tail), so profiles overlap
  the way production profiles of one service do and the merge deduplicates. About 4:1 gzip.
- **varied**: a service with a large, varied call graph (a monorepo binary: 12,000 functions, each
  calling up to 6 others picked at random, 400 goroutine entry points). A stack is a random walk of
  8 to 64 calls, so about 60,000 stacks per profile are distinct; a third of the samples follow
  4,000 paths that every profile shares, the rest are new, so profiles overlap little. No labels.
  Function names carry hex numbers and location ids are spread, so a profile compresses under 2:1
  (about 5.8 MB gzip, 8.9 MB raw).
- **distinct**: the varied call graph with every sample a fresh walk: almost every stack is
  distinct, within a profile and across profiles, so the merge deduplicates almost nothing but
  locations and functions.

Pools:

$(pool_lines)

| family | set | gzip total | per profile, MB (mean, min-max) | gzip ratio | samples (per profile) | distinct stacks per profile (mean, min-max) | distinct stacks in the set | mean depth |
|---|---|---|---|---|---|---|---|---|
$(stats_rows)

A sample is a distinct (stack, labels) pair with its count, as runtime/pprof writes them; a stack is a
distinct list of locations (leaf first, at most 64); depth counts locations. In the realistic family most
samples differ only by their span labels, which the merge drops.

## The floor

The floor of a merge is the time \`bench/floor\` (bench/floor.c) takes to read and decompress the
merge's input files and to gzip the merge's own output (decompressed beforehand) the way libpgo
writes it: libdeflate at the level \`pgotool merge\` writes default.pgo with (6; BENCH_LEVEL),
independent gzip members of 1 MiB of input each, on as many threads as pgotool's merge uses
(BENCH_THREADS, default: all CPUs); inputs in pgotool's block format are inflated member by member
on those threads too. It decodes, merges and writes nothing, so no merge of these files can be
faster with the same library, level and threads. It runs in the same rounds as the commands it is
the floor of, and the report gives merge ÷ floor for every family and size (target: at most 3x).

## gzip: zlib or libdeflate

libpgo gzips its output and gunzips its inputs. \`bench/gzip_compare FILE 5\` (built from
bench/gzip_compare.c, linked with both libraries) decompresses FILE if needed, then compresses the
raw protobuf with each library at comparable levels and decompresses it again; median of 5 runs,
one-shot buffer APIs for both (libdeflate's compressor allocation counted).

EOF
	if [ -n "$GZ_MERGED" ]; then
		echo "The merged default.pgo of the $COUNT $GZ_FAMILY profiles ($(printf '%s\n' "$GZ_MERGED" | awk '/^# input/ { printf "%.2f MB raw", $4 / 1e6 }')):"
		echo
		echo "| library | level | gzip size | ratio | compress | decompress |"
		echo "|---|---|---|---|---|---|"
		gz_table "$GZ_MERGED"
		echo
		echo "One generated $GZ_FAMILY input profile ($(printf '%s\n' "$GZ_P0" | awk '/^# input/ { printf "%.2f MB raw", $4 / 1e6 }')):"
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
	levels_section
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
generated profiles; BENCH_SLOW_REPEATS (default 3) the number of runs of Go's merge and edges of the
largest sets of the varied families. BENCH_FAMILIES (default \`realistic varied distinct\`) and
BENCH_COUNTS (default \`5 50\`) choose the sets, for a quick check of the script
(\`BENCH_REPEATS=1 BENCH_COUNTS=5 make bench\`); the targets are stated for the defaults.
BENCH_THREADS (default: nproc) and BENCH_LEVEL (default 6) are the floor's threads and gzip level.
Generated profiles are cached in bench/data/ (regenerated when genprofiles.c, the family, the count
or the seed changes); outputs of the last run are in bench/work/. Both are gitignored.

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
echo "                              pgotool              go                 go/pgotool            floor    merge/floor"
for set in "${SETS[@]}"; do
	printf 'merge %-18s %7.3f s %7d KB  %7.3f s %8d KB   time %5sx  rss %5sx  %7.3f s  %5sx\n' "$set" \
		"${SEC[merge-pgotool-$set]}" "${KB[merge-pgotool-$set]}" "${SEC[merge-go-$set]}" "${KB[merge-go-$set]}" \
		"${T_MERGE[$set]}" "${T_MEM[$set]}" "${SEC[floor-$set]}" "${T_FLOOR[$set]}"
	printf 'edges %-18s %7.3f s %7d KB  %7.3f s %8d KB   time %5sx  rss %5sx\n' "$set" \
		"${SEC[edges-pgotool-$set]}" "${KB[edges-pgotool-$set]}" "${SEC[edges-go-$set]}" "${KB[edges-go-$set]}" \
		"${T_EDGES[$set]}" "$(ratio "${KB[edges-go-$set]}" "${KB[edges-pgotool-$set]}")"
	printf 'compact %-16s full %s MB, compact %s MB: %sx smaller\n' "$set" "$(mb "${SIZE[full-$set]}")" \
		"$(mb "${SIZE[compact-$set]}")" "${T_COMPACT[$set]}"
done
echo
missed=0
for set in "${SETS[@]}"; do
	v="$(verdict "${T_MERGE[$set]}" 10) $(verdict "${T_MEM[$set]}" 4) $(at_most "${T_FLOOR[$set]}" 3) $(verdict "${T_EDGES[$set]}" 10)"
	[ "${set##*-}" -lt 50 ] || v+=" $(verdict "${T_COMPACT[$set]}" 10)"
	case $v in *MISSED*) missed=$((missed + 1)) ;; esac
	echo "targets $set: merge ${T_MERGE[$set]}x, memory ${T_MEM[$set]}x, merge/floor ${T_FLOOR[$set]}x, edges ${T_EDGES[$set]}x, compact ${T_COMPACT[$set]}x: $v"
done
echo "sets missing a target: $missed of ${#SETS[@]}"
echo "checks: edges identical: $(checks EDGES_SAME); compact identical: $(checks COMPACT_SAME); merge edge map = go's: $(plain_checks)"
echo "bench: wrote ${DOC#"$ROOT"/}"
