#!/usr/bin/env bash
# pgotool serve under load: intake throughput, and query latency over 100,000 profiles.
#
#     bench/serve.sh PGOTOOL            (what `make bench-serve` runs)
#
# 1. Intake. 4 large Go CPU profiles from bench/genprofiles are the raw material:
#    bench/serveload cuts 256 distinct uploads out of them (cpu.pprof of 90-240 KB,
#    delta-heap.pprof of 10-60 KB, metrics.json, and an event.json with dd-trace-go's
#    tags over 40 services), about 200 KB each, before the clock starts. Then
#    SERVE_CONNS keep-alive connections post them in a loop to /profiling/v1/input for
#    SERVE_SECONDS (capped at SERVE_INTAKE_MAX uploads, to bound the disk used), each
#    against a fresh data directory; it is repeated with each connection count of
#    SERVE_SWEEP for SERVE_SWEEP_SECONDS. After each run the server is killed with
#    SIGKILL, restarted on the same directory, and must hold every upload that got a
#    200: its startup count, and every returned profile_id looked up with list. On the
#    store of the first run, list and gopgo are timed too (gopgo of full-size profiles).
# 2. Queries. 100,000 (SERVE_PROFILES) small uploads (cpu.pprof of 5-20 KB, 2048
#    distinct) with fresh metadata each (40 services, Zipf-weighted; env, host,
#    version, runtime-id; start times uniform over the last 7 days), posted on 16
#    connections (itself timed). Then, one request at a time on one keep-alive
#    connection, SERVE_REQUESTS requests each of: list of datadog-pgo's query
#    (service:X env:prod runtime:go, the last 72 h, top 5 by
#    @metrics.core_cpu_cores), gopgo of the same query (a 5-profile zip), list with
#    OR / NOT / wildcards / a numeric range, and list of 100 newest first.
# 3. Uploads while list requests run: on that store, SERVE_CONNS upload connections for
#    SERVE_MIX_SECONDS (at most SERVE_MIX_MAX uploads) while each count of
#    SERVE_MIX_CLIENTS ("0 2 4") list clients sends requests back to back.
# 4. Prints a table and replaces the "## pgotool serve" section of docs/benchmarks.md
#    (between <!-- serve:begin --> and <!-- serve:end -->; appended if absent; the
#    rest of the file, which bench/run.sh writes, is left alone).
#
# Environment: SERVE_SECONDS (20), SERVE_CONNS (16), SERVE_SWEEP ("8 32"),
# SERVE_SWEEP_SECONDS (10), SERVE_INTAKE_MAX (18000), SERVE_PROFILES (100000),
# SERVE_REQUESTS (200), SERVE_MIX_CLIENTS ("0 2 4"), SERVE_MIX_SECONDS (8), SERVE_MIX_MAX (4000),
# SERVE_SEED (20261125), SERVE_QUIET_WAIT (30), SERVE_RETRIES (1),
# BENCH_DOC (docs/benchmarks.md), GENPROFILES and SERVELOAD (default: next to PGOTOOL
# in the build tree).
#
# The machine may be shared: each timed part waits (at most SERVE_QUIET_WAIT s) for a
# quiet second first, the CPU time other processes took meanwhile is reported, and an
# intake run they disturbed (more than 25% of a CPU) is repeated, at most SERVE_RETRIES
# times.
#
# Everything goes to bench/work/serve-* (gitignored): the data directories and source
# profiles are deleted at the end, the logs and raw results stay. No directory is left
# in bench/work, which bench/run.sh empties with rm -f.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
export LC_ALL=C

if [ $# -ne 1 ]; then
	echo "usage: bench/serve.sh PGOTOOL" >&2
	exit 2
fi

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PGOTOOL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
BUILD=$(dirname "$PGOTOOL")
GEN=${GENPROFILES:-$BUILD/bench/genprofiles}
LOAD=${SERVELOAD:-$BUILD/bench/serveload}
SECONDS_MAIN=${SERVE_SECONDS:-20}
CONNS=${SERVE_CONNS:-16}
SWEEP=${SERVE_SWEEP-8 32}
SWEEP_SECONDS=${SERVE_SWEEP_SECONDS:-10}
INTAKE_MAX=${SERVE_INTAKE_MAX:-18000}
PROFILES=${SERVE_PROFILES:-100000}
REQUESTS=${SERVE_REQUESTS:-200}
MIX_CLIENTS=${SERVE_MIX_CLIENTS-0 2 4}
MIX_SECONDS=${SERVE_MIX_SECONDS:-8}
MIX_MAX=${SERVE_MIX_MAX:-4000}
SEED=${SERVE_SEED:-20261125}
DOC=${BENCH_DOC:-$ROOT/docs/benchmarks.md}
API_KEY=bench-api-key
APP_KEY=bench-app-key

# Targets.
T_INTAKE=500   # uploads/s
T_LIST=50      # ms, p99
T_GOPGO=250    # ms, p99
T_UI=200       # ms, p99: the web UI's services and search answers
T_CPU_MS=1.5   # server CPU per durable upload, main intake run

die() { echo "bench-serve: $*" >&2; exit 1; }
say() { echo "bench-serve: $*" >&2; }

[ -x "$PGOTOOL" ] || die "no pgotool at $PGOTOOL (run make first)"
[ -x "$GEN" ] || die "no genprofiles at $GEN (bench/CMakeLists.txt builds it)"
[ -x "$LOAD" ] || die "no serveload at $LOAD (bench/CMakeLists.txt builds it)"

# Flat serve-* files only: bench/run.sh empties bench/work with rm -f, which a directory would stop.
WORK=$ROOT/bench/work
mkdir -p "$WORK"
rm -rf "$WORK"/serve-*
avail_kb=$(df -Pk "$WORK" | awk 'NR == 2 { print $4 }')
[ "$avail_kb" -gt $((6 * 1024 * 1024)) ] || die "needs 6 GB free under bench/work (has $((avail_kb / 1024)) MB)"

SPID=
PORT=
cleanup() {
	if [ -n "$SPID" ] && kill -0 "$SPID" 2>/dev/null; then
		kill -TERM "$SPID" 2>/dev/null || true
		wait "$SPID" 2>/dev/null || true
	fi
	rm -rf "$WORK"/serve-data-* "$WORK"/serve-src "$WORK"/serve-dsync.tmp "$WORK"/serve-section.md
}
trap cleanup EXIT

# start_server DATA LOG: starts pgotool serve on a free port; sets SPID and PORT.
start_server() {
	"$PGOTOOL" serve --listen 127.0.0.1:0 --data "$1" --api-key "$API_KEY" --app-key "$APP_KEY" >"$2" 2>&1 &
	SPID=$!
	local i
	for ((i = 0; i < 200; i++)); do
		PORT=$(grep -m1 -o 'listening on http://127\.0\.0\.1:[0-9]*' "$2" 2>/dev/null | sed 's/.*://') || true
		[ -n "$PORT" ] && return 0
		kill -0 "$SPID" 2>/dev/null || die "pgotool serve exited: $(cat "$2")"
		sleep 0.05
	done
	die "pgotool serve did not say where it listens: $(cat "$2")"
}

# stop_server SIGNAL
stop_server() {
	kill -"$1" "$SPID"
	wait "$SPID" 2>/dev/null || true
	SPID=
}

# CPU seconds the server has used (user + system); the name has no spaces.
server_cpu() { awk -v t="$CLK_TCK" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$SPID/stat"; }
server_rss_mb() { awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$SPID/status"; }

# This machine may be shared: wait_quiet (bench/lib.sh) waits at most SERVE_QUIET_WAIT s.
QUIET_WAIT=${SERVE_QUIET_WAIT:-30}

# CPU seconds as a share of one CPU over T seconds.
share() { awk -v c="$1" -v t="$2" 'BEGIN { printf("%.0f%% of a CPU", (t > 0 ? c / t * 100 : 0)) }'; }
# Other processes' CPU seconds: the machine's less the server's and serveload's.
others() { awk -v m="$1" -v s="$2" -v c="$3" 'BEGIN { x = m - s - c; printf("%.2f", (x < 0 ? 0 : x)) }'; }

# Results: "key value" lines, into R[prefix.key].
declare -A R
load_results() { # PREFIX FILE
	local k v
	while read -r k v; do R[$1.$k]=$v; done <"$2"
}
put() { R[$1]=$2; }

# ---------------------------------------------------------------------------
# Source profiles: 4 large ones, cut into uploads by serveload.

say "generating 4 source profiles with genprofiles ..."
"$GEN" "$WORK/serve-src" 4 "$SEED" >"$WORK/serve-src-stats.txt"
SRC=$WORK/serve-src/p000.pprof,$WORK/serve-src/p001.pprof,$WORK/serve-src/p002.pprof,$WORK/serve-src/p003.pprof

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
T_START=$(date +%s)

# ---------------------------------------------------------------------------
# 1. Intake.

RETRIES=${SERVE_RETRIES:-1}
# A run that other processes disturbed (more than 25% of a CPU) is repeated, at most RETRIES times.
intake_run() { # NAME CONNS SECONDS
	local a
	for ((a = 0; a <= RETRIES; a++)); do
		intake_attempt "$@"
		put "$1.attempts" $((a + 1))
		awk -v o="${R[$1.other_cpu_s]}" -v t="${R[$1.intake_seconds]}" 'BEGIN { exit !(o > 0.25 * t) }' || return 0
		[ "$a" -lt "$RETRIES" ] &&
			say "  other processes used $(share "${R[$1.other_cpu_s]}" "${R[$1.intake_seconds]}") meanwhile: once more"
	done
	return 0
}

intake_attempt() { # NAME CONNS SECONDS
	local name=$1 conns=$2 secs=$3 data=$WORK/serve-data-$1
	say "intake: $conns connections, $secs s (at most $INTAKE_MAX uploads) ..."
	wait_quiet
	start_server "$data" "$WORK/serve-$name.log"
	local cpu0
	cpu0=$(server_cpu)
	"$LOAD" intake "127.0.0.1:$PORT" --src "$SRC" --conns "$conns" --seconds "$secs" --count "$INTAKE_MAX" \
		--seed "$SEED" --ids "$WORK/serve-ids-$name.txt" >"$WORK/serve-result-$name.txt" 2>"$WORK/serve-load-$name.err" ||
		die "serveload intake failed: $(cat "$WORK/serve-load-$name.err")"
	load_results "$name" "$WORK/serve-result-$name.txt"
	put "$name.server_cpu_s" "$(awk -v a="$cpu0" -v b="$(server_cpu)" 'BEGIN { printf "%.2f", b - a }')"
	# Everything else: all CPU time less the server's and serveload's (bodies included).
	# Everything else during the timed part: the machine's CPU time less the server's
	# (which idles while serveload prepares its bodies) and serveload's.
	put "$name.other_cpu_s" "$(others "${R[$name.intake_machine_cpu_s]}" "${R[$name.server_cpu_s]}" \
		"${R[$name.intake_client_cpu_s]}")"
	put "$name.server_rss_mb" "$(server_rss_mb)"
	# No clean shutdown: what got a 200 must be on disk already.
	stop_server KILL
	put "$name.disk_mb" "$(du -sm "$data" | cut -f1)"
	start_server "$data" "$WORK/serve-$name-restart.log"
	put "$name.restart_count" "$(grep -m1 -o 'data in .* (\([0-9]*\) profiles)' "$WORK/serve-$name-restart.log" |
		sed 's/.*(\([0-9]*\) profiles)/\1/')"
	"$LOAD" verify "127.0.0.1:$PORT" --api-key "$API_KEY" --app-key "$APP_KEY" --ids "$WORK/serve-ids-$name.txt" \
		>"$WORK/serve-verify-$name.txt" 2>>"$WORK/serve-load-$name.err" || die "serveload verify failed"
	load_results "$name" "$WORK/serve-verify-$name.txt"
	if [ "$name" = "c$CONNS" ]; then
		# gopgo with full-size profiles: a zip of five ~160 KB cpu.pprof.
		"$LOAD" query "127.0.0.1:$PORT" --api-key "$API_KEY" --app-key "$APP_KEY" --requests "$REQUESTS" \
			--kinds list,gopgo --seed "$SEED" >"$WORK/serve-result-big.txt" 2>"$WORK/serve-load-big.err" ||
			die "serveload query failed: $(cat "$WORK/serve-load-big.err")"
		load_results big "$WORK/serve-result-big.txt"
	fi
	stop_server TERM
	rm -rf "$data"
	say "  ${R[$name.intake_per_s]} uploads/s, ${R[$name.intake_mb_per_s]} MB/s, p50 ${R[$name.intake_p50_ms]} ms," \
		"p99 ${R[$name.intake_p99_ms]} ms; ${R[$name.intake_ok]} got 200, ${R[$name.restart_count]} stored after" \
		"kill -9, ${R[$name.verify_missing]} missing"
}

RUNS=("c$CONNS")
intake_run "c$CONNS" "$CONNS" "$SECONDS_MAIN"
for c in $SWEEP; do
	[ "$c" = "$CONNS" ] && continue
	RUNS+=("c$c")
	intake_run "c$c" "$c" "$SWEEP_SECONDS"
done

# ---------------------------------------------------------------------------
# 2. 100,000 profiles, then queries.

say "populating $PROFILES profiles (small uploads, 16 connections) ..."
data=$WORK/serve-data-query
wait_quiet
start_server "$data" "$WORK/serve-query.log"
cpu0=$(server_cpu)
"$LOAD" populate "127.0.0.1:$PORT" --src "$SRC" --conns 16 --count "$PROFILES" --seed "$SEED" \
	>"$WORK/serve-result-populate.txt" 2>"$WORK/serve-load-populate.err" ||
	die "serveload populate failed: $(cat "$WORK/serve-load-populate.err")"
load_results pop "$WORK/serve-result-populate.txt"
put pop.server_cpu_s "$(awk -v a="$cpu0" -v b="$(server_cpu)" 'BEGIN { printf "%.2f", b - a }')"
put pop.other_cpu_s "$(others "${R[pop.populate_machine_cpu_s]}" "${R[pop.server_cpu_s]}" "${R[pop.populate_client_cpu_s]}")"
say "  ${R[pop.populate_per_s]} uploads/s; querying ($REQUESTS requests of each kind) ..."
wait_quiet
cpu0=$(server_cpu)
"$LOAD" query "127.0.0.1:$PORT" --api-key "$API_KEY" --app-key "$APP_KEY" --requests "$REQUESTS" --seed "$SEED" \
	>"$WORK/serve-result-query.txt" 2>"$WORK/serve-load-query.err" ||
	die "serveload query failed: $(cat "$WORK/serve-load-query.err")"
load_results q "$WORK/serve-result-query.txt"
put q.server_cpu_s "$(awk -v a="$cpu0" -v b="$(server_cpu)" 'BEGIN { printf "%.2f", b - a }')"
put q.other_cpu_s "$(others "${R[q.query_machine_cpu_s]}" "${R[q.server_cpu_s]}" "${R[q.query_client_cpu_s]}")"
put q.server_rss_mb "$(server_rss_mb)"
put q.disk_mb "$(du -sm "$data" | cut -f1)"

# 3. Uploads while list requests run, on the same store: 0, 2 and 4 clients sending
# list requests back to back (half datadog-pgo's, half a page of 100 newest first).
MIX_RUNS=()
for nq in $MIX_CLIENTS; do
	name=mix$nq
	MIX_RUNS+=("$name")
	say "intake with $nq list clients running: $CONNS connections, $MIX_SECONDS s (at most $MIX_MAX uploads) ..."
	wait_quiet
	cpu0=$(server_cpu)
	"$LOAD" intake "127.0.0.1:$PORT" --src "$SRC" --conns "$CONNS" --seconds "$MIX_SECONDS" --count "$MIX_MAX" \
		--seed "$SEED" --query-clients "$nq" --api-key "$API_KEY" --app-key "$APP_KEY" \
		>"$WORK/serve-result-$name.txt" 2>"$WORK/serve-load-$name.err" ||
		die "serveload intake failed: $(cat "$WORK/serve-load-$name.err")"
	load_results "$name" "$WORK/serve-result-$name.txt"
	put "$name.server_cpu_s" "$(awk -v a="$cpu0" -v b="$(server_cpu)" 'BEGIN { printf "%.2f", b - a }')"
	put "$name.other_cpu_s" "$(others "${R[$name.intake_machine_cpu_s]}" "${R[$name.server_cpu_s]}" \
		"${R[$name.intake_client_cpu_s]}")"
	say "  ${R[$name.intake_per_s]} uploads/s, p99 ${R[$name.intake_p99_ms]} ms, max ${R[$name.intake_max_ms]} ms"
done
put q.disk_mb_after "$(du -sm "$data" | cut -f1)"
stop_server TERM
# A restart reads every upload's metadata back into memory.
t0=$EPOCHREALTIME
start_server "$data" "$WORK/serve-query-restart.log"
put q.restart_s "$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')"
put q.restart_count "$(grep -m1 -o 'data in .* (\([0-9]*\) profiles)' "$WORK/serve-query-restart.log" |
	sed 's/.*(\([0-9]*\) profiles)/\1/')"
stop_server TERM
rm -rf "$data"

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
ELAPSED=$(($(date +%s) - T_START))

# ---------------------------------------------------------------------------
# 3. Report.

r() { echo "${R[$1]:-?}"; }
verdict() { # VALUE TARGET ge|lt
	awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN {
		ok = (op == "ge") ? (v + 0 >= t) : (v + 0 < t)
		print ok ? "met" : "**missed**" }'
}
row() { # KEY LABEL: one row of the query table
	printf '| %s | %s | %s | %s | %s | %s | %s B |' "$2" "$(r "q.$1_p50_ms")" "$(r "q.$1_p90_ms")" "$(r "q.$1_p99_ms")" \
		"$(r "q.$1_max_ms")" "$(r "q.$1_mean_results")" "$(r "q.$1_mean_bytes")"
}
mix_total() {
	local n t=0
	for n in "${MIX_RUNS[@]}"; do t=$((t + ${R[$n.intake_ok]:-0})); done
	echo "$t"
}
div() { awk -v a="$1" -v b="$2" 'BEGIN { printf (b > 0 ? "%.2f" : "?"), (b > 0 ? a / b : 0) }'; }
# Server CPU ms per durable upload: one that got a 200 and was there after kill -9.
cpu_per_upload() { awk -v c="$(r "$1.server_cpu_s")" -v n="$(r "$1.restart_count")" \
	'BEGIN { printf (n + 0 > 0 ? "%.2f" : "?"), (n + 0 > 0 ? c / n * 1000 : 0) }'; }

M=c$CONNS
ok_cpu=$(verdict "$(cpu_per_upload $M)" $T_CPU_MS lt)
[ "$(cpu_per_upload $M)" != "?" ] || ok_cpu="**missed**"
ok_intake=$(verdict "$(r $M.intake_per_s)" $T_INTAKE ge)
ok_list=$(verdict "$(r q.list_p99_ms)" $T_LIST lt)
ok_gopgo=$(verdict "$(r q.gopgo_p99_ms)" $T_GOPGO lt)
ok_gopgo_big=$(verdict "$(r big.gopgo_p99_ms)" $T_GOPGO lt)
durable=met
for n in "${RUNS[@]}"; do
	if [ "$(r "$n.restart_count")" != "$(r "$n.intake_ok")" ] || [ "$(r "$n.verify_missing")" != 0 ] ||
		[ "$(r "$n.verify_ids")" != "$(r "$n.intake_ok")" ]; then
		durable="**missed**"
	fi
done
bad_queries=$(($(r q.list_bad) + $(r q.gopgo_bad) + $(r q.list_complex_bad) + $(r q.list_100_bad) + $(r q.ui_services_bad) + $(r q.ui_search_bad)))
ok_ui=$(verdict "$(r q.ui_services_p99_ms)" $T_UI lt)
ok_ui_search=$(verdict "$(r q.ui_search_p99_ms)" $T_UI lt)

cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mem_gib=$(awk '/^MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
dev=$(df -P "$WORK" | awk 'NR == 2 { print $1 }')
blk=$(basename "$(readlink -f "$dev")")
fstype=$(df -PT "$WORK" | awk 'NR == 2 { print $2 }')
rota=$(cat "/sys/block/$blk/queue/rotational" 2>/dev/null || echo "?")
wcache=$(cat "/sys/block/$blk/queue/write_cache" 2>/dev/null || echo "?")
virt=$(lscpu 2>/dev/null | awk -F': *' '/^Hypervisor vendor/ { print $2 }' || true)
# One O_DSYNC 4 KiB write (what a commit's fsync costs here), averaged over 500.
dsync=$(dd if=/dev/zero of="$WORK/serve-dsync.tmp" bs=4k count=500 oflag=dsync 2>&1 |
	awk '/copied/ { for (i = 1; i <= NF; i++) if ($i == "s,") { printf "%.3f", $(i - 1) / 500 * 1000 } }')
rm -f "$WORK/serve-dsync.tmp"
sqlite_version=$(sqlite3 --version 2>/dev/null | cut -d' ' -f1 || true)
[ -n "$sqlite_version" ] || sqlite_version=$(pkg-config --modversion sqlite3 2>/dev/null || echo "?")
mhd_version=$(pkg-config --modversion libmicrohttpd 2>/dev/null || echo "?")
build_type=$(awk -F= '/^CMAKE_BUILD_TYPE:/ { print $2 }' "$BUILD/CMakeCache.txt" 2>/dev/null || echo "?")
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "?")
[ -z "$(git -C "$ROOT" status --porcelain -- src lib include 2>/dev/null)" ] || commit="$commit, with uncommitted changes to the server"

section() {
	cat <<EOF
<!-- serve:begin -->
## pgotool serve

Generated by \`make bench-serve\` (which runs \`bench/serve.sh build/pgotool\`); do not edit by hand.
The server and the load generator (bench/serveload) share this machine's 2 CPUs; all traffic is to 127.0.0.1.

| target | measured | |
|---|---|---|
| intake ≥ $T_INTAKE uploads/s of ~$(r $M.intake_mean_kb | cut -d. -f1) KB, durable ($CONNS connections) | $(r $M.intake_per_s) uploads/s, $(r $M.intake_mb_per_s) MB/s | $ok_intake |
| server CPU per durable upload < $T_CPU_MS ms ($CONNS connections) | $(cpu_per_upload $M) ms | $ok_cpu |
| every upload answered 200 is stored (after kill -9 and restart) | $(for n in "${RUNS[@]}"; do printf '%s/%s ' "$(r "$n.restart_count")" "$(r "$n.intake_ok")"; done)stored, $(for n in "${RUNS[@]}"; do printf '%s ' "$(r "$n.verify_missing")"; done)missing | $durable |
| list p99 < $T_LIST ms, $PROFILES profiles | $(r q.list_p99_ms) ms (p50 $(r q.list_p50_ms) ms) | $ok_list |
| gopgo (5-profile zip) p99 < $T_GOPGO ms, $PROFILES profiles | $(r q.gopgo_p99_ms) ms (p50 $(r q.gopgo_p50_ms) ms) | $ok_gopgo |
| web UI services page p99 < $T_UI ms, $PROFILES profiles | $(r q.ui_services_p99_ms) ms (p50 $(r q.ui_services_p50_ms) ms) | $ok_ui |
| web UI search page p99 < $T_UI ms, $PROFILES profiles | $(r q.ui_search_p99_ms) ms (p50 $(r q.ui_search_p50_ms) ms) | $ok_ui_search |
| the same with full-size profiles ($(awk -v b="$(r big.gopgo_mean_bytes)" 'BEGIN { printf "%.0f", b / 1000 }') KB zip), $(r $M.intake_ok) profiles | $(r big.gopgo_p99_ms) ms (p50 $(r big.gopgo_p50_ms) ms) | $ok_gopgo_big |

### Intake

Uploads of $(r $M.intake_body_min_kb)-$(r $M.intake_body_max_kb) KB (mean $(r $M.intake_body_mean_kb) KB: cpu.pprof
$(r $M.intake_cpu_mean_kb) KB, delta-heap.pprof $(r $M.intake_heap_mean_kb) KB, metrics.json, event.json), $(r $M.intake_bodies) distinct,
posted in a loop by keep-alive connections, each run against an empty data directory.

| connections | attempts | seconds | uploads | uploads/s | MB/s | p50 ms | p90 ms | p99 ms | max ms | errors | stored after kill -9 | missing (list) | server CPU ms per durable upload | server peak RSS | disk per upload | other processes' CPU |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
$(for n in "${RUNS[@]}"; do
	printf '| %s | %s | %s | %s | **%s** | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s MB | %s KB | %s |\n' \
		"$(r "$n.intake_conns")" "$(r "$n.attempts")" "$(r "$n.intake_seconds")" "$(r "$n.intake_ok")" "$(r "$n.intake_per_s")" \
		"$(r "$n.intake_mb_per_s")" "$(r "$n.intake_p50_ms")" "$(r "$n.intake_p90_ms")" "$(r "$n.intake_p99_ms")" \
		"$(r "$n.intake_max_ms")" "$(($(r "$n.intake_failed") + $(r "$n.intake_conn_errors")))" \
		"$(r "$n.restart_count")" "$(r "$n.verify_missing")" \
		"$(cpu_per_upload "$n")" \
		"$(r "$n.server_rss_mb")" \
		"$(awk -v d="$(r "$n.disk_mb")" -v n="$(r "$n.intake_ok")" 'BEGIN { printf "%.0f", n ? d * 1024 / n : 0 }')" \
		"$(share "$(r "$n.other_cpu_s")" "$(r "$n.intake_seconds")")"
done)

On the store the main run left ($(r $M.intake_ok) uploads, restarted), $REQUESTS requests each of datadog-pgo's query, one at a
time: list p50 $(r big.list_p50_ms) ms, p99 $(r big.list_p99_ms) ms; gopgo (a zip of five full-size cpu.pprof, $(r big.gopgo_mean_bytes) bytes on average)
p50 $(r big.gopgo_p50_ms) ms, p99 **$(r big.gopgo_p99_ms) ms**; $(($(r big.list_bad) + $(r big.gopgo_bad))) bad responses.

### Queries over $PROFILES profiles

The store was filled with $(r pop.populate_ok) small uploads (cpu.pprof of $(r pop.populate_cpu_mean_kb) KB on average,
$(r pop.populate_distinct) distinct; 40 services, 3 envs, hosts, versions, start times over the last 7 days) at
**$(r pop.populate_per_s) uploads/s** ($(r pop.populate_mb_per_s) MB/s; p50 $(r pop.populate_p50_ms) ms, p99 $(r pop.populate_p99_ms) ms;
16 connections; $(r pop.populate_failed) errors; other processes used $(share "$(r pop.other_cpu_s)" "$(r pop.populate_seconds)")). Then one request at a time, on one keep-alive connection, $REQUESTS of each
(window: the last 72 h; sort @metrics.core_cpu_cores desc unless said):

| request | p50 ms | p90 ms | p99 ms | max ms | mean results | mean response |
|---|---|---|---|---|---|---|
| list \`service:X env:prod runtime:go\`, limit 5 | $(r q.list_p50_ms) | $(r q.list_p90_ms) | **$(r q.list_p99_ms)** | $(r q.list_max_ms) | $(r q.list_mean_results) | $(r q.list_mean_bytes) B |
| gopgo, the same query, limit 5 (a zip of 5 cpu.pprof) | $(r q.gopgo_p50_ms) | $(r q.gopgo_p90_ms) | **$(r q.gopgo_p99_ms)** | $(r q.gopgo_max_ms) | $(r q.gopgo_mean_results) | $(r q.gopgo_mean_bytes) B |
$(row list_or 'list `service:(A OR B) env:prod runtime:go`')
$(row list_minus 'list `service:A env:prod runtime:go -version:V`')
$(row list_prefix_not 'list `service:ord* env:prod NOT host:orders-api-5bff*` (a prefix, less one replica set)')
$(row list_range 'list `env:prod runtime:go (service:A OR service:B) @metrics.core_cpu_cores:>0.5`')
$(row list_wild 'list `service:*-api env:(prod OR staging) NOT pgo:true`')
$(row list_host 'list `host:orders-api* -env:dev runtime_version:go1.2*`')
| list \`service:X env:prod\`, newest first, limit 100 | $(r q.list_100_p50_ms) | $(r q.list_100_p90_ms) | $(r q.list_100_p99_ms) | $(r q.list_100_max_ms) | $(r q.list_100_mean_results) | $(r q.list_100_mean_bytes) B |
| web UI: services page's JSON, every profile of 72 h or 8 days grouped | $(r q.ui_services_p50_ms) | $(r q.ui_services_p90_ms) | **$(r q.ui_services_p99_ms)** | $(r q.ui_services_max_ms) | $(r q.ui_services_mean_results) services | $(r q.ui_services_mean_bytes) B |
| web UI: search page's JSON, 8 days, everything or \`service:X env:prod\`, all matches counted, 50 newest shown | $(r q.ui_search_p50_ms) | $(r q.ui_search_p90_ms) | **$(r q.ui_search_p99_ms)** | $(r q.ui_search_max_ms) | $(r q.ui_search_mean_results) rows | $(r q.ui_search_mean_bytes) B |

X runs through all 40 services. Every response was checked: status 200, and for list and gopgo of
datadog-pgo's query exactly 5 results (list items, zip entries): $bad_queries bad responses in all.
Other processes used $(share "$(r q.other_cpu_s)" "$(r q.query_seconds)") while the queries ran. Server with $PROFILES profiles: peak RSS $(r q.server_rss_mb) MB, data directory $(r q.disk_mb) MB; a restart
(which loads every upload's metadata into memory) took $(r q.restart_s) s until it listened, and found $(r q.restart_count) profiles
($(r pop.populate_ok) populated + $(mix_total) uploaded during the runs below).
The six rows between them (limit 5 each; the services and versions named run through all services) show
the cost of OR, negation, wildcards and numeric ranges; those six forms together: p50 $(r q.list_complex_p50_ms) ms, p99 $(r q.list_complex_p99_ms) ms.

### Uploads while list requests run

On the store above ($PROFILES profiles and more), $CONNS upload connections for $MIX_SECONDS s (at most $MIX_MAX uploads)
while list clients send requests back to back on their own connections: half of them datadog-pgo's list
(\`service:X env:prod runtime:go\`, top 5), half a page of 100 newest first (\`service:X env:prod\`).

| list clients | uploads | uploads/s | p50 ms | p99 ms | max ms | datadog-pgo list: requests, p50, p99 ms | page of 100: requests, p50, p99 ms | other processes' CPU |
|---|---|---|---|---|---|---|---|---|
$(for n in "${MIX_RUNS[@]}"; do
	printf '| %s | %s | **%s** | %s | %s | **%s** | %s | %s | %s |\n' "${n#mix}" "$(r "$n.intake_ok")" "$(r "$n.intake_per_s")" \
		"$(r "$n.intake_p50_ms")" "$(r "$n.intake_p99_ms")" "$(r "$n.intake_max_ms")" \
		"$(if [ -n "${R[$n.intake_q_list_n]:-}" ]; then echo "$(r "$n.intake_q_list_n"), $(r "$n.intake_q_list_p50_ms"), $(r "$n.intake_q_list_p99_ms")"; else echo "-"; fi)" \
		"$(if [ -n "${R[$n.intake_q_list_100_n]:-}" ]; then echo "$(r "$n.intake_q_list_100_n"), $(r "$n.intake_q_list_100_p50_ms"), $(r "$n.intake_q_list_100_p99_ms")"; else echo "-"; fi)" \
		"$(share "$(r "$n.other_cpu_s")" "$(r "$n.intake_seconds")")"
done)

### How it was measured

\`bench/serve.sh\` starts \`pgotool serve --listen 127.0.0.1:0\` on a fresh data directory under bench/work/
(deleted at the end) and drives it with \`bench/serveload\` (C, one thread and one keep-alive HTTP/1.1
connection per client, TCP_NODELAY; request bodies are prepared before timing starts). Latency is taken
around each request, from before its first byte is written to after the last byte of the response is read;
percentiles are nearest-rank. Throughput is successful uploads divided by the time from the start to the
last response (requests in flight when time is up are finished and counted). The attachments are valid
gzip pprof, cut out of 4 profiles from bench/genprofiles (a random subset of samples with the locations,
functions, mappings and labels they use, CPU values rescaled to 0.02-8 cores, re-encoded at gzip level 6);
the server sums each cpu.pprof's values to compute core_cpu_cores (pgo_sum_values: a values-only pass that checks every byte as pgo_decode does). Durability check: after each intake run the
server is killed with SIGKILL (no clean shutdown), restarted on the same directory, and its startup count
must equal the number of 200s; then every profile_id answered is looked up through list
(\`profile-id:A OR profile-id:B ...\`, 64 per request). Server CPU is user + system time from /proc/PID/stat
over the run. The load generator's own CPU: $(r $M.intake_client_cpu_s) s in the $(r $M.intake_seconds) s main intake run.
"Other processes' CPU" is the machine's CPU time (/proc/stat) during the timed part less the server's and
serveload's. It includes interrupt and softirq time and the kernel's writeback threads, which work for this
benchmark (0-2% of a CPU during intake when nothing else runs); this machine may be shared, and each timed part starts only after a second with less than 15%
of a CPU in use (waiting at most ${QUIET_WAIT} s); a figure well above 0% means the run had to share the CPUs. An intake run during which other processes
used more than 25% of a CPU is repeated (SERVE_RETRIES=${RETRIES}: at most that many more attempts), and the last attempt
is reported.
Whole run: ${ELAPSED} s. Load average (1, 5, 15 min) before: $LOAD_BEFORE; after: $LOAD_AFTER.

Machine: $(nproc) CPUs ($cpu_model), ${mem_gib} GiB memory, $(uname -sr)${virt:+, a $virt virtual machine}.
Disk: $dev ($fstype; rotational=$rota, write cache: $wcache); a 4 KiB O_DSYNC write takes $dsync ms here
(\`dd oflag=dsync\`), so an fsync is cheap on this virtual disk: on a disk that really flushes, each group
commit would wait longer, and more uploads would share it. SQLite $sqlite_version (WAL, synchronous=FULL),
libmicrohttpd $mhd_version, CMake build type $build_type; pgotool from commit $commit.

\`\`\`
make bench-serve     # or: bench/serve.sh build/pgotool
\`\`\`

SERVE_SECONDS ($SECONDS_MAIN), SERVE_CONNS ($CONNS), SERVE_SWEEP ($SWEEP), SERVE_SWEEP_SECONDS ($SWEEP_SECONDS),
SERVE_INTAKE_MAX ($INTAKE_MAX), SERVE_PROFILES ($PROFILES), SERVE_REQUESTS ($REQUESTS), SERVE_MIX_CLIENTS ($MIX_CLIENTS),
SERVE_MIX_SECONDS ($MIX_SECONDS), SERVE_MIX_MAX ($MIX_MAX) and SERVE_SEED ($SEED) change the run.
Raw results and server logs of the last run stay in bench/work/serve-*.
<!-- serve:end -->
EOF
}

section >"$WORK/serve-section.md"
doc_replace_section "$DOC" serve "$WORK/serve-section.md"

# The table, on the terminal.
echo
printf '%-44s %12s %10s %10s %10s %16s\n' "" "per s" "MB/s" "p50 ms" "p99 ms" "server CPU ms/up"
for n in "${RUNS[@]}"; do
	printf '%-44s %12s %10s %10s %10s %16s\n' "intake, $(r "$n.intake_conns") connections, $(r "$n.intake_seconds") s" \
		"$(r "$n.intake_per_s")" "$(r "$n.intake_mb_per_s")" "$(r "$n.intake_p50_ms")" "$(r "$n.intake_p99_ms")" \
		"$(cpu_per_upload "$n")"
done
for n in "${MIX_RUNS[@]}"; do
	printf '%-44s %12s %10s %10s %10s\n' "intake with ${n#mix} list clients (max $(r "$n.intake_max_ms") ms)" \
		"$(r "$n.intake_per_s")" "$(r "$n.intake_mb_per_s")" "$(r "$n.intake_p50_ms")" "$(r "$n.intake_p99_ms")"
done
printf '%-44s %12s %10s %10s %10s\n' "populate $PROFILES small uploads" "$(r pop.populate_per_s)" \
	"$(r pop.populate_mb_per_s)" "$(r pop.populate_p50_ms)" "$(r pop.populate_p99_ms)"
printf '%-44s %12s %10s %10s %10s\n' "gopgo, full-size profiles ($(r $M.intake_ok))" "" "" "$(r big.gopgo_p50_ms)" \
	"$(r big.gopgo_p99_ms)"
for k in list gopgo list_or list_minus list_prefix_not list_range list_wild list_host list_100 ui_services ui_search; do
	printf '%-44s %12s %10s %10s %10s\n' "$k ($PROFILES profiles)" "" "" "$(r "q.${k}_p50_ms")" "$(r "q.${k}_p99_ms")"
done
echo
echo "server CPU per durable upload < $T_CPU_MS ms: $ok_cpu ($(cpu_per_upload "$M") ms, $CONNS connections)"
echo "intake >= $T_INTAKE/s: $ok_intake; durable: $durable; list p99 < $T_LIST ms: $ok_list;" \
	"gopgo p99 < $T_GOPGO ms: $ok_gopgo (full-size profiles: $ok_gopgo_big)"
echo "web UI services p99 < $T_UI ms: $ok_ui; web UI search p99 < $T_UI ms: $ok_ui_search"
echo "bench-serve: wrote ${DOC#"$ROOT"/} (section \"## pgotool serve\"); results and logs in ${WORK#"$ROOT"/}/serve-*"
