#!/usr/bin/env bash
# What pgotool serve keeps on disk for one service, with and without --keep and
# PGO-aware downsampling.
#
#     bench/storage.sh PGOTOOL          (what `make bench-storage` runs)
#
# One service (env prod, one version) on STORAGE_INSTANCES instances, each
# uploading every 60 s as dd-trace-go does, for STORAGE_HOURS hours of start
# times: STORAGE_INSTANCES * 60 * STORAGE_HOURS uploads. Each upload is what a Go
# service sends: cpu.pprof (the real production profile in shared/testdata, about
# 150 KB), delta-heap.pprof, metrics.json, and a 1 MB go.trace (an execution trace
# stand-in, incompressible). The same uploads go to three stores:
#   1. everything kept (the default);
#   2. --keep cpu.pprof;
#   3. --keep cpu.pprof with downsampling (--downsample-after 1s, --downsample-keep 5),
#      which then keeps 5 profiles per hour of start times.
# For each, the database's bytes in use (SQLite pages not on the free list) are
# measured, divided by the profiles held, and scaled to a 30-day month: stores 1
# and 2 hold every upload of the month, store 3 holds 5 per hour (720 hours), so
# its month is 3600 profiles whatever the number of instances. The measured
# counts are checked (store 3 must hold exactly 5 per hour).
#
# Environment: STORAGE_INSTANCES (2), STORAGE_HOURS (4), BENCH_DOC.
# Writes the "## Storage" section of docs/benchmarks.md (between
# <!-- storage:begin --> and <!-- storage:end -->).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
export LC_ALL=C

if [ $# -ne 1 ]; then
	echo "usage: bench/storage.sh PGOTOOL" >&2
	exit 2
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PGOTOOL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
INSTANCES=${STORAGE_INSTANCES:-2}
HOURS=${STORAGE_HOURS:-4}
DOC=${BENCH_DOC:-$ROOT/docs/benchmarks.md}
CPU=$ROOT/../shared/testdata/grpc-anon.pprof
[ -f "$CPU" ] || CPU=$ROOT/examples/profiles/grpc-anon.pprof
HEAP=$ROOT/tests/data/heap.pprof
WORK=$ROOT/bench/work/storage
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK"
say() { echo "bench-storage: $*" >&2; }

head -c 1048576 /dev/urandom >go.trace
printf '{"go_goroutines": 120, "go_gc_pauses": 3}\n' >metrics.json
N=$((INSTANCES * 60 * HOURS))
# The first hour starts a whole hour back, so that the hours are whole.
FIRST=$((($(date +%s) / 3600 - HOURS - 1) * 3600))

used_bytes() {
	python3 - "$1/profiles.db" <<'EOF'
import sqlite3, sys
c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
n = c.execute("pragma page_count").fetchone()[0] - c.execute("pragma freelist_count").fetchone()[0]
print(n * c.execute("pragma page_size").fetchone()[0])
EOF
}

# run NAME [SERVE OPTION]...: N uploads into a fresh store; prints "profiles bytes".
run() {
	local name=$1
	shift
	"$PGOTOOL" serve --listen 127.0.0.1:0 --data "$name" --api-key a --app-key b "$@" >"$name.log" 2>&1 &
	local pid=$! port=""
	for _ in $(seq 100); do
		port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\),.*/\1/p' "$name.log" | head -1)
		[ -n "$port" ] && break
		sleep 0.1
	done
	[ -n "$port" ] || { cat "$name.log" >&2; exit 1; }
	local i=0
	for ((m = 0; m < 60 * HOURS; m++)); do
		for ((h = 0; h < INSTANCES; h++)); do
			local start=$((FIRST + m * 60 + h))
			printf '{"start":"%s","end":"%s","attachments":["cpu.pprof","delta-heap.pprof","metrics.json","go.trace"],"tags_profiler":"service:storage-bench,env:prod,version:1.0,host:host-%d,runtime:go","family":"go","version":"4"}' \
				"$(date -u -d "@$start" +%Y-%m-%dT%H:%M:%SZ)" "$(date -u -d "@$((start + 60))" +%Y-%m-%dT%H:%M:%SZ)" "$h" >ev.json
			curl -sf -o /dev/null "http://127.0.0.1:$port/profiling/v1/input" \
				-F "event=@ev.json;type=application/json;filename=event.json" \
				-F "cpu.pprof=@$CPU;filename=cpu.pprof" -F "delta-heap.pprof=@$HEAP;filename=delta-heap.pprof" \
				-F "metrics.json=@metrics.json;filename=metrics.json" -F "go.trace=@go.trace;filename=go.trace" ||
				{ say "upload $i to $name failed"; exit 1; }
			i=$((i + 1))
		done
	done
	# Downsampling runs at most a second after the uploads are a second old.
	if [ "$name" = downsampled ]; then
		for _ in $(seq 60); do
			grep -q "downsampling: deleted" "$name.log" && break
			sleep 0.5
		done
		sleep 3 # a sweep a second: the last uploads are then past the age too
	fi
	kill "$pid"
	wait "$pid" || true
	local held
	held=$(python3 -c "
import sqlite3
print(sqlite3.connect('file:$name/profiles.db?mode=ro', uri=True).execute('select count(*) from uploads').fetchone()[0])")
	echo "$held $(used_bytes "$name")"
}

say "$N uploads ($INSTANCES instances, every 60 s, $HOURS hours) into each of 3 stores"
read -r all_n all_b < <(run all --downsample-keep 0)
read -r cpu_n cpu_b < <(run cpu --downsample-keep 0 --keep cpu.pprof)
read -r ds_n ds_b < <(run downsampled --keep cpu.pprof --downsample-after 1s --downsample-keep 5)
[ "$all_n" -eq "$N" ] && [ "$cpu_n" -eq "$N" ] || { say "a store lost uploads: $all_n, $cpu_n of $N"; exit 1; }
[ "$ds_n" -eq $((5 * HOURS)) ] || { say "downsampling kept $ds_n, not 5 per hour ($((5 * HOURS)))"; exit 1; }

MONTH=$((INSTANCES * 60 * 24 * 30))
python3 - "$all_n" "$all_b" "$cpu_n" "$cpu_b" "$ds_n" "$ds_b" "$MONTH" "$INSTANCES" "$HOURS" \
	"$(stat -c %s "$CPU")" >section.md <<'EOF'
import sys
all_n, all_b, cpu_n, cpu_b, ds_n, ds_b, month, inst, hours, cpu_size = map(int, sys.argv[1:])
MB = 1 << 20
def gb(x): return "%.1f GB" % (x / 1e9) if x >= 1e9 else "%.0f MB" % (x / 1e6)
rows = [
    ("everything kept (default)", all_n, all_b, month),
    ("`--keep cpu.pprof`", cpu_n, cpu_b, month),
    ("`--keep cpu.pprof`, downsampled (5 per hour)", ds_n, ds_b, 5 * 24 * 30),
]
print("<!-- storage:begin -->")
print("## Storage: disk per service and month")
print()
print("Generated by `make bench-storage` (which runs `bench/storage.sh build/pgotool`); do not edit by hand.")
print()
print("One service (one env, one version) on %d instances, each uploading every 60 s as dd-trace-go does: "
      "cpu.pprof (the production profile in shared/testdata, %.0f KB), delta-heap.pprof, metrics.json and a 1 MB "
      "execution trace. %d uploads, %d hours of start times, into three stores; the database's bytes in use are "
      "measured, divided by the profiles it holds, and scaled to a 30-day month (%d uploads; the downsampled store "
      "holds 5 profiles an hour, 3600 a month, whatever the number of instances)." % (inst, cpu_size / 1024, all_n, hours, month))
print()
print("| store | profiles held | measured in use | per profile | a month of one service |")
print("|---|---|---|---|---|")
for name, n, b, m in rows:
    print("| %s | %d | %.1f MiB | %.0f KB | **%s** |" % (name, n, b / MB, b / n / 1024, gb(b / n * m)))
full, ds = all_b / all_n * month, ds_b / ds_n * 5 * 24 * 30
print()
print("Downsampling with `--keep cpu.pprof` stores %.0fx less than keeping everything, and %.0fx less than "
      "`--keep cpu.pprof` alone; with more instances the gap grows, since the downsampled month stays at "
      "3600 profiles per service and version." % (full / ds, (cpu_b / cpu_n * month) / ds))
print("<!-- storage:end -->")
EOF
cat section.md
doc_replace_section "$DOC" storage "$WORK/section.md"
cd "$ROOT"
rm -rf "$WORK"
