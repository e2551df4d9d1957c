#!/usr/bin/env bash
# pgotool fetch against a datadog-pgo client, end to end, from a local pgotool serve.
#
#     bench/fetch.sh PGOTOOL            (what `make bench-fetch` runs)
#
# 1. Profiles: the 50 production-sized Go CPU profiles of bench/run.sh (bench/genprofiles,
#    cached in bench/data/seed-SEED, shared with `make bench`).
# 2. A fresh `pgotool serve --api-key K --app-key K2` on 127.0.0.1 (data under
#    bench/work/fetch-*, deleted at the end); the 50 profiles are uploaded through the agent
#    intake (POST /profiling/v1/input, multipart: event.json + cpu.pprof, as dd-trace-go
#    sends them) with the tags service:orders-api env:prod runtime:go (plus host, version,
#    runtime-id, ...) and distinct 60 s windows within the last hour.
# 3. ddpgo, the project's datadog-pgo-compatible client (tests/go-ddpgo: one gopgo request,
#    google/pprof's profile.Parse and profile.Merge, as datadog-pgo v1.0.0), is built.
# 4. For N = 5 and N = 50, in this one run, after one warm-up run of each command, BENCH_REPEATS
#    rounds, each running every command once (A B A B ...: background load hits all alike):
#      pgotool fetch -fail -api http://127.0.0.1:PORT -profiles N 'service:orders-api env:prod' OUT
#      DDPGO_BASE_URL=http://127.0.0.1:PORT ddpgo -fail -profiles N 'service:orders-api env:prod' OUT2
#      curl of the same gopgo request to a file (the floor: network and server, no client work)
#    under /usr/bin/time -f '%e %M' (wall time from bash's $EPOCHREALTIME around the same run,
#    less the median cost of timing `true`; peak RSS from %M). Medians are reported.
# 5. Checks that `pgotool edges` prints the same for OUT and OUT2, prints a table and replaces
#    the "## pgotool fetch" section of docs/benchmarks.md (between <!-- fetch:begin --> and
#    <!-- fetch:end -->; appended if absent; the rest of the file is left alone).
#
# Environment: BENCH_REPEATS (5), BENCH_SEED (20241125), BENCH_DOC (docs/benchmarks.md),
# BENCH_QUIET_WAIT (30), GENPROFILES (default: next to PGOTOOL in the build tree), DDPGO (a
# built ddpgo, not under bench/work; default: built from tests/go-ddpgo with the go on PATH,
# which must be >= 1.26).
#
# Files go to bench/work/fetch-* (flat files; bench/run.sh empties bench/work with rm -f).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
export LC_ALL=C # decimal points in $EPOCHREALTIME and awk

if [ $# -ne 1 ]; then
	echo "usage: bench/fetch.sh PGOTOOL" >&2
	exit 2
fi

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PGOTOOL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
BUILD=$(dirname "$PGOTOOL")
GEN=${GENPROFILES:-$BUILD/bench/genprofiles}
REPS=${BENCH_REPEATS:-5}
SEED=${BENCH_SEED:-20241125}
DOC=${BENCH_DOC:-$ROOT/docs/benchmarks.md}
QUIET_WAIT=${BENCH_QUIET_WAIT:-30}
TIME=/usr/bin/time
COUNT=50
SIZES=(5 50)
SERVICE=orders-api
QUERY="service:$SERVICE env:prod"
API_KEY=bench-fetch-api-key
APP_KEY=bench-fetch-app-key
# Targets at 50 profiles: ddpgo / pgotool.
T_TIME=3
T_MEM=3

die() { echo "bench-fetch: $*" >&2; exit 1; }
say() { echo "bench-fetch: $*" >&2; }

[ -x "$PGOTOOL" ] || die "no pgotool at $PGOTOOL (run make first)"
"$PGOTOOL" fetch --help 2>&1 | grep -q -- '-profiles' || die "$PGOTOOL has no fetch command"
[ -x "$GEN" ] || die "no genprofiles at $GEN (bench/CMakeLists.txt builds it)"
[ -x "$TIME" ] || die "$TIME is missing (apt-get install time; scripts/install-deps.sh does it)"
for t in curl unzip; do
	command -v $t >/dev/null 2>&1 || die "$t is missing (scripts/install-deps.sh installs it)"
done
[ -n "${DDPGO:-}" ] || command -v go >/dev/null 2>&1 || die "no 'go' on PATH to build ddpgo (go 1.26 or later), and no DDPGO"

WORK=$ROOT/bench/work
DATA=$ROOT/bench/data/seed-$SEED
mkdir -p "$WORK" "$DATA"
rm -rf "$WORK"/fetch-*

SPID=
cleanup() {
	if [ -n "$SPID" ] && kill -0 "$SPID" 2>/dev/null; then
		kill -TERM "$SPID" 2>/dev/null || true
		wait "$SPID" 2>/dev/null || true
	fi
	rm -rf "$WORK"/fetch-data "$WORK"/fetch-section.md "$WORK"/fetch-event.json "$WORK"/fetch-out-curl-*.zip
}
trap cleanup EXIT

# Only the settings made here reach the clients: no proxies, no other site, base URL or keys.
for v in $(env | sed -n 's/^\(DD_[A-Za-z0-9_]*\|DDPGO_[A-Za-z0-9_]*\|PGOTOOL_[A-Za-z0-9_]*\|[Hh][Tt][Tt][Pp][Ss]*_[Pp][Rr][Oo][Xx][Yy]\|[Aa][Ll][Ll]_[Pp][Rr][Oo][Xx][Yy]\|[Nn][Oo]_[Pp][Rr][Oo][Xx][Yy]\)=.*/\1/p'); do
	unset "$v"
done
export NO_PROXY='*' no_proxy='*'

# ---------------------------------------------------------------------------
# 1. Profiles (cached, with the same stamp as bench/run.sh, so the two share them).

stamp="genprofiles.c $(sha256sum "$ROOT/bench/genprofiles.c" | cut -c1-16) count=$COUNT seed=$SEED"
if [ ! -f "$DATA/stamp" ] || [ "$(cat "$DATA/stamp")" != "$stamp" ] ||
	[ ! -f "$DATA/p$(printf %03d $((COUNT - 1))).pprof" ]; then
	say "generating $COUNT profiles in ${DATA#"$ROOT"/} (seed $SEED) ..."
	rm -f "$DATA"/p*.pprof "$DATA"/stats.txt "$DATA"/stamp
	"$GEN" "$DATA" "$COUNT" "$SEED" >"$DATA/stats.txt.tmp"
	mv "$DATA/stats.txt.tmp" "$DATA/stats.txt"
	echo "$stamp" >"$DATA/stamp"
else
	say "using cached profiles in ${DATA#"$ROOT"/}"
fi

# ---------------------------------------------------------------------------
# 2. The client to compare with.

if [ -n "${DDPGO:-}" ]; then
	DDPGO_BIN=$(cd "$(dirname "$DDPGO")" && pwd)/$(basename "$DDPGO")
	[ -x "$DDPGO_BIN" ] || die "DDPGO=$DDPGO is not an executable"
else
	say "building ddpgo from tests/go-ddpgo ..."
	DDPGO_BIN=$WORK/fetch-ddpgo
	(cd "$ROOT/tests/go-ddpgo" && GOTOOLCHAIN=${GOTOOLCHAIN:-local} go build -o "$DDPGO_BIN" .) >"$WORK/fetch-build.log" 2>&1 ||
		die "building tests/go-ddpgo failed (it needs go >= 1.26): $(tail -n 5 "$WORK/fetch-build.log")"
fi
DDPGO_GO=$(go version -m "$DDPGO_BIN" 2>/dev/null | awk 'NR == 1 { print $2 }' || true)
DDPGO_PPROF=$(go version -m "$DDPGO_BIN" 2>/dev/null | awk '$1 == "dep" && $2 == "github.com/google/pprof" { print $3 }' || true)

# ---------------------------------------------------------------------------
# 3. The store, filled through the intake.

"$PGOTOOL" serve --listen 127.0.0.1:0 --data "$WORK/fetch-data" --api-key "$API_KEY" --app-key "$APP_KEY" \
	>"$WORK/fetch-serve.log" 2>&1 &
SPID=$!
PORT=
for ((i = 0; i < 200; i++)); do
	PORT=$(grep -m1 -o 'listening on http://127\.0\.0\.1:[0-9]*' "$WORK/fetch-serve.log" 2>/dev/null | sed 's/.*://') || true
	[ -n "$PORT" ] && break
	kill -0 "$SPID" 2>/dev/null || die "pgotool serve exited: $(cat "$WORK/fetch-serve.log")"
	sleep 0.05
done
[ -n "$PORT" ] || die "pgotool serve did not say where it listens: $(cat "$WORK/fetch-serve.log")"
URL=http://127.0.0.1:$PORT
export DD_API_KEY=$API_KEY DD_APP_KEY=$APP_KEY DDPGO_BASE_URL=$URL

iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%S.%NZ; }
say "uploading $COUNT profiles to $URL/profiling/v1/input ..."
NOW=$(date +%s)
t0=$EPOCHREALTIME
upload_bytes=0
for ((i = 0; i < COUNT; i++)); do
	f=$(printf '%s/p%03d.pprof' "$DATA" "$i")
	# One 60 s profile every 70 s, the first starting 59 min 50 s ago; 10 replicas.
	start=$((NOW - 3590 + 70 * i))
	host=$SERVICE-7d9f8c6b5-$(printf '%05x' $((i % 10 * 4099 + 4096)))
	tags="service:$SERVICE,env:prod,version:2026.11.3,host:$host,runtime:go,runtime_version:go1.26.8"
	tags+=",runtime_os:linux,runtime_arch:amd64,profiler_version:v2.4.0,pgo:false"
	tags+=",runtime-id:$(printf '5f0e3c1a-%04x-4b7e-9c2d-%012x' $((i % 10)) $((i % 10 * 7919)))"
	tags+=",process_id:$((1000 + i % 10)),profile_seq:$((i / 10))"
	printf '{"start":"%s","end":"%s","attachments":["cpu.pprof"],"tags_profiler":"%s","family":"go","version":"4"}\n' \
		"$(iso "$start")" "$(iso $((start + 60)))" "$tags" >"$WORK/fetch-event.json"
	st=$(curl -sS --max-time 60 -o "$WORK/fetch-upload.out" -w '%{http_code}' \
		-F "event=@$WORK/fetch-event.json;type=application/json;filename=event.json" \
		-F "cpu.pprof=@$f;type=application/octet-stream;filename=cpu.pprof" \
		"$URL/profiling/v1/input") || st=000
	[ "$st" = 200 ] || die "upload of $f answered $st: $(head -c 300 "$WORK/fetch-upload.out")"
	upload_bytes=$((upload_bytes + $(stat -c %s "$f")))
done
UPLOAD_S=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
say "  $COUNT uploads ($(awk -v b="$upload_bytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB) in $UPLOAD_S s"

# The gopgo request both clients send for QUERY (" runtime:go" appended), for the floor.
gopgo_body() { # LIMIT
	printf '{"queries":[{"filter":{"from":"%s","to":"%s","query":"%s runtime:go"},"sort":{"order":"desc","field":"@metrics.core_cpu_cores"},"limit":%s}]}' \
		"$(date -u -d "@$((NOW - 72 * 3600))" +%Y-%m-%dT%H:%M:%SZ)" "$(date -u -d "@$((NOW + 600))" +%Y-%m-%dT%H:%M:%SZ)" \
		"$QUERY" "$1"
}
declare -A ZIP_BYTES ZIP_ENTRIES
for n in "${SIZES[@]}"; do
	gopgo_body "$n" >"$WORK/fetch-gopgo-$n.json"
	st=$(curl -sS --max-time 60 -o "$WORK/fetch-check-$n.zip" -w '%{http_code}' -H "DD-API-KEY: $API_KEY" \
		-H "DD-APPLICATION-KEY: $APP_KEY" -H 'Content-Type: application/json' \
		--data-binary "@$WORK/fetch-gopgo-$n.json" "$URL/api/unstable/profiles/gopgo") || st=000
	[ "$st" = 200 ] || die "gopgo with limit $n answered $st"
	ZIP_ENTRIES[$n]=$(unzip -Z1 "$WORK/fetch-check-$n.zip" | wc -l)
	ZIP_BYTES[$n]=$(stat -c %s "$WORK/fetch-check-$n.zip")
	[ "${ZIP_ENTRIES[$n]}" = "$n" ] || die "gopgo with limit $n gave ${ZIP_ENTRIES[$n]} profiles"
	rm -f "$WORK/fetch-check-$n.zip"
done

# ---------------------------------------------------------------------------
# 4. Timing.

declare -A SEC KB RUNS RUNS_KB
ORDER=()
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
add_cmd() { # NAME CMD...
	ORDER+=("$1")
	shift
	declare -ga "CMD_${#ORDER[@]}"
	local -n ref="CMD_${#ORDER[@]}"
	ref=("$@")
}
run_one() { # INDEX: runs the command; "seconds KB" on stdout
	local -n cmd="CMD_$1"
	local name=${ORDER[$1 - 1]} tf=$WORK/fetch-time.txt t0 t1 s k
	t0=${EPOCHREALTIME:-}
	if ! "$TIME" -f '%e %M' -o "$tf" "${cmd[@]}" >"$WORK/fetch-$name.log" 2>&1; then
		tail -n 20 "$WORK/fetch-$name.log" >&2
		die "$name failed: ${cmd[*]}"
	fi
	t1=${EPOCHREALTIME:-}
	read -r s k < <(tail -n 1 "$tf") || die "cannot read $tf"
	if [ -n "$t0" ] && [ -n "$t1" ]; then
		s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
	fi
	echo "$s $k"
}
calibrate() { # the median cost of timing `true` the same way
	local i s k runs=""
	add_cmd calibrate true
	local idx=${#ORDER[@]}
	for ((i = 0; i < 11; i++)); do
		read -r s k < <(run_one "$idx")
		runs+="$s "
	done
	unset 'ORDER[idx-1]'
	OVERHEAD=$(printf '%s\n' $runs | median)
}


for n in "${SIZES[@]}"; do
	add_cmd "pgotool-$n" "$PGOTOOL" fetch -fail -api "$URL" -profiles "$n" "$QUERY" "$WORK/fetch-out-pgotool-$n.pgo"
	add_cmd "ddpgo-$n" "$DDPGO_BIN" -fail -profiles "$n" "$QUERY" "$WORK/fetch-out-ddpgo-$n.pgo"
	add_cmd "curl-$n" curl -sS --fail --max-time 60 -o "$WORK/fetch-out-curl-$n.zip" -H "DD-API-KEY: $API_KEY" \
		-H "DD-APPLICATION-KEY: $APP_KEY" -H 'Content-Type: application/json' \
		--data-binary "@$WORK/fetch-gopgo-$n.json" "$URL/api/unstable/profiles/gopgo"
done

say "timing: a warm-up run of each command, then $REPS rounds of ${#ORDER[@]} commands ..."
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
wait_quiet
OTHERS=$(busy_others)
calibrate
CPU0=$(total_cpu)
T_TIMING=$EPOCHREALTIME
for ((i = 1; i <= ${#ORDER[@]}; i++)); do
	run_one "$i" >/dev/null
done
for ((r = 1; r <= REPS; r++)); do
	[ "$r" = 1 ] || wait_quiet
	for ((i = 1; i <= ${#ORDER[@]}; i++)); do
		name=${ORDER[$i - 1]}
		read -r s k < <(run_one "$i")
		RUNS[$name]+="$s "
		RUNS_KB[$name]+="$k "
	done
	say "  round $r/$REPS: $(for n in "${SIZES[@]}"; do
		printf '%s: pgotool %s s, ddpgo %s s, curl %s s; ' "$n" \
			"$(echo "${RUNS[pgotool-$n]}" | awk '{ print $NF }')" "$(echo "${RUNS[ddpgo-$n]}" | awk '{ print $NF }')" \
			"$(echo "${RUNS[curl-$n]}" | awk '{ print $NF }')"
	done)"
done
TIMING_S=$(awk -v a="$T_TIMING" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
for name in "${ORDER[@]}"; do
	SEC[$name]=$(printf '%s\n' ${RUNS[$name]} | median | awk -v o="$OVERHEAD" '{ v = $1 - o; printf "%.3f", (v > 0 ? v : 0) }')
	KB[$name]=$(printf '%s\n' ${RUNS_KB[$name]} | median)
done

# ---------------------------------------------------------------------------
# 5. Checks and report.

declare -A EDGES_SAME NEDGES OUT_BYTES_P OUT_BYTES_D
for n in "${SIZES[@]}"; do
	"$PGOTOOL" edges -o "$WORK/fetch-edges-pgotool-$n.txt" "$WORK/fetch-out-pgotool-$n.pgo" ||
		die "pgotool edges of pgotool fetch's output failed"
	"$PGOTOOL" edges -o "$WORK/fetch-edges-ddpgo-$n.txt" "$WORK/fetch-out-ddpgo-$n.pgo" ||
		die "pgotool edges of ddpgo's output failed"
	if cmp -s "$WORK/fetch-edges-pgotool-$n.txt" "$WORK/fetch-edges-ddpgo-$n.txt"; then
		EDGES_SAME[$n]=yes
	else
		EDGES_SAME[$n]="**no**"
	fi
	NEDGES[$n]=$(($(wc -l <"$WORK/fetch-edges-pgotool-$n.txt") / 3))
	OUT_BYTES_P[$n]=$(stat -c %s "$WORK/fetch-out-pgotool-$n.pgo")
	OUT_BYTES_D[$n]=$(stat -c %s "$WORK/fetch-out-ddpgo-$n.pgo")
done

mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }
kbmb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "?" }'; }
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v != "?" && v + 0 >= t) ? "met" : "**missed**" }'; }
spread() { # NAME: slowest run over fastest, in percent
	printf '%s\n' ${RUNS[$1]} | sort -g | awk '{ v[NR] = $1 } END { printf "%.0f%%", (v[1] > 0 ? (v[NR] / v[1] - 1) * 100 : 0) }'
}
declare -A RT RM
for n in "${SIZES[@]}"; do
	RT[$n]=$(ratio "${SEC[ddpgo-$n]}" "${SEC[pgotool-$n]}")
	RM[$n]=$(ratio "${KB[ddpgo-$n]}" "${KB[pgotool-$n]}")
done
L=$COUNT
ok_time=$(verdict "${RT[$L]}" $T_TIME)
ok_mem=$(verdict "${RM[$L]}" $T_MEM)

CPU_MODEL=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
NPROC=$(nproc)
MEM_GIB=$(awk '/^MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
GO_VERSION=$(go version 2>/dev/null | awk '{ print $3 }' || echo "?")
STORE_VERSION=$("$PGOTOOL" --version 2>&1 | head -n 1)
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "?")
[ -z "$(git -C "$ROOT" status --porcelain -- src lib include 2>/dev/null)" ] || COMMIT="$COMMIT, with uncommitted changes"
BUILD_TYPE=$(awk -F= '/^CMAKE_BUILD_TYPE:/ { print $2 }' "$BUILD/CMakeCache.txt" 2>/dev/null || echo "?")
GZ_TOTAL=$(awk '!/^#/ { s += $2 } END { printf "%.1f", s / 1e6 }' "$DATA/stats.txt")
GZ_MEAN=$(awk '!/^#/ { s += $2; n++ } END { printf "%.2f", s / n / 1e6 }' "$DATA/stats.txt")
RAW_MEAN=$(awk '!/^#/ { s += $3; n++ } END { printf "%.1f", s / n / 1e6 }' "$DATA/stats.txt")
SAMPLES_MEAN=$(awk '!/^#/ { s += $5; n++ } END { printf "%d", s / n }' "$DATA/stats.txt")

row() { # N
	local n=$1
	printf '| %s | %s MB | %s s, %s MB | %s s, %s MB | %s s, %s MB | **%sx** | **%sx** |\n' "$n" "$(mb "${ZIP_BYTES[$n]}")" \
		"${SEC[curl-$n]}" "$(kbmb "${KB[curl-$n]}")" \
		"${SEC[pgotool-$n]}" "$(kbmb "${KB[pgotool-$n]}")" "${SEC[ddpgo-$n]}" "$(kbmb "${KB[ddpgo-$n]}")" \
		"${RT[$n]}" "${RM[$n]}"
}
above() { # N: a client's time above the floor
	awk -v a="$1" -v f="$2" 'BEGIN { printf "%.3f", (a - f > 0 ? a - f : 0) }'
}

section() {
	cat <<EOF
<!-- fetch:begin -->
## pgotool fetch

Generated by \`make bench-fetch\` (which runs \`bench/fetch.sh build/pgotool\`); do not edit by hand.
An end-to-end fetch of a default.pgo from a local \`pgotool serve\`, by \`pgotool fetch\` and by ddpgo
(tests/go-ddpgo), the project's datadog-pgo-compatible client: one gopgo request, then google/pprof's
\`profile.Parse\` and pairwise \`profile.Merge\`, as datadog-pgo v1.0.0 does. Same store, same profiles,
same run; all traffic is to 127.0.0.1.

| target, $L profiles | measured | |
|---|---|---|
| \`pgotool fetch\` ≥${T_TIME}x faster than ddpgo | ${RT[$L]}x | $ok_time |
| \`pgotool fetch\` ≥${T_MEM}x less peak memory than ddpgo | ${RM[$L]}x | $ok_mem |

| profiles | gopgo zip | floor: curl of the gopgo request | \`pgotool fetch\` | ddpgo | time ratio (ddpgo/pgotool) | peak RSS ratio (ddpgo/pgotool) |
|---|---|---|---|---|---|---|
$(for n in "${SIZES[@]}"; do row "$n"; done)

The floor is what no client avoids: the server finding the profiles and sending the zip, over loopback,
received by curl into a file. Above it, \`pgotool fetch\` spends $(above "${SEC[pgotool-5]}" "${SEC[curl-5]}") s (5 profiles) and
$(above "${SEC[pgotool-$L]}" "${SEC[curl-$L]}") s ($L profiles) reading, merging and writing; ddpgo $(above "${SEC[ddpgo-5]}" "${SEC[curl-5]}") s and $(above "${SEC[ddpgo-$L]}" "${SEC[curl-$L]}") s.

Checks made in the same run:

- \`pgotool edges\` prints the same for both outputs: ${EDGES_SAME[5]} (5), ${EDGES_SAME[$L]} ($L); ${NEDGES[5]} and ${NEDGES[$L]} call edges.
- Output size: \`pgotool fetch\` $(mb "${OUT_BYTES_P[5]}") MB and $(mb "${OUT_BYTES_P[$L]}") MB, ddpgo $(mb "${OUT_BYTES_D[5]}") MB and $(mb "${OUT_BYTES_D[$L]}") MB (5, $L profiles;
  ddpgo keeps numeric labels, as datadog-pgo does).
- Every gopgo answer had the requested number of profiles (${ZIP_ENTRIES[5]}, ${ZIP_ENTRIES[$L]}); every timed run exited 0 with \`-fail\`.

Commands timed (N = 5 and $L; the keys in DD_API_KEY and DD_APP_KEY):

\`\`\`
pgotool fetch -fail -api http://127.0.0.1:PORT -profiles N '$QUERY' OUT
DDPGO_BASE_URL=http://127.0.0.1:PORT ddpgo -fail -profiles N '$QUERY' OUT2
curl -sS --fail -o ZIP -H 'DD-API-KEY: ...' -H 'DD-APPLICATION-KEY: ...' -H 'Content-Type: application/json' \\
    --data-binary '{"queries":[{"filter":{...,"query":"$QUERY runtime:go"},...,"limit":N}]}' \\
    http://127.0.0.1:PORT/api/unstable/profiles/gopgo
\`\`\`

The store: a fresh \`pgotool serve\` ($STORE_VERSION), filled through its agent intake (POST
/profiling/v1/input, multipart event.json + cpu.pprof, as dd-trace-go sends them) with the $COUNT profiles of
\`bench/genprofiles DIR $COUNT $SEED\` (the input of \`make bench\`: 60 s at 100 Hz, $GZ_MEAN MB gzip and
$RAW_MEAN MB raw per profile on average, $SAMPLES_MEAN samples each, span labels on request samples; $GZ_TOTAL MB
in all), tagged service:$SERVICE env:prod runtime:go (and host, version, runtime-id, ... over 10
replicas), one every 70 s over the last hour; the uploads took $UPLOAD_S s. Both clients ask for the
N profiles with the most CPU (\`@metrics.core_cpu_cores\` desc) of the last 72 h.

Each command runs once as a warm-up, then all of them run in $REPS rounds (each round runs every
command once, so background load hits all alike) under \`/usr/bin/time -f '%e %M'\`; the tables give
medians. Peak RSS is time's \`%M\`; wall time is measured around the same runs with bash's
\`\$EPOCHREALTIME\`, less the median of the same measurement around \`true\` ($OVERHEAD s). The slowest run of
a command was at most $(for n in "${ORDER[@]}"; do spread "$n"; echo " $n"; done | sort -g | tail -n 1 | sed 's/ / (/; s/$/)/') slower than its fastest.
Timing took $TIMING_S s; load average (1, 5, 15 min) before: $LOAD_BEFORE; after: $LOAD_AFTER.
$(if [ -n "$OTHERS" ]; then echo "Other processes were using CPU when timing started: $OTHERS."; else echo "No other process was using a CPU when timing started."; fi
if [ "$NOT_QUIET" -gt 0 ]; then echo "$NOT_QUIET of the rounds started without a quiet second first (waited $QUIET_WAIT s)."; fi)

Machine: $NPROC CPUs ($CPU_MODEL), $MEM_GIB GiB memory, $(uname -sr). Go: $GO_VERSION (ddpgo built
with ${DDPGO_GO:-?}, google/pprof ${DDPGO_PPROF:-?}). pgotool from commit $COMMIT, CMake build type $BUILD_TYPE.

| run | wall seconds of each round | peak RSS KB of each round |
|---|---|---|
$(for name in "${ORDER[@]}"; do printf '| %s | %s | %s |\n' "$name" "${RUNS[$name]% }" "${RUNS_KB[$name]% }"; done)

\`\`\`
make bench-fetch     # or: bench/fetch.sh build/pgotool
\`\`\`

BENCH_REPEATS ($REPS), BENCH_SEED ($SEED) and BENCH_QUIET_WAIT ($QUIET_WAIT) change the run. Logs of the last run
stay in bench/work/fetch-*.
<!-- fetch:end -->
EOF
}

section >"$WORK/fetch-section.md"
doc_replace_section "$DOC" fetch "$WORK/fetch-section.md"

# The table, on the terminal.
echo
printf '%-12s %14s %22s %22s %22s %10s %10s\n' profiles "gopgo zip" "floor (curl)" "pgotool fetch" ddpgo "time x" "RSS x"
for n in "${SIZES[@]}"; do
	printf '%-12s %11s MB %14s s %4s MB %14s s %4s MB %14s s %4s MB %9sx %9sx\n' "$n" "$(mb "${ZIP_BYTES[$n]}")" \
		"${SEC[curl-$n]}" "$(kbmb "${KB[curl-$n]}")" "${SEC[pgotool-$n]}" "$(kbmb "${KB[pgotool-$n]}")" \
		"${SEC[ddpgo-$n]}" "$(kbmb "${KB[ddpgo-$n]}")" "${RT[$n]}" "${RM[$n]}"
done
echo
echo "edges identical: ${EDGES_SAME[5]} (5), ${EDGES_SAME[$L]} ($L)"
echo "targets at $L profiles: >= ${T_TIME}x faster: $ok_time; >= ${T_MEM}x less memory: $ok_mem"
echo "bench-fetch: wrote ${DOC#"$ROOT"/} (section \"## pgotool fetch\"); logs in ${WORK#"$ROOT"/}/fetch-*"
