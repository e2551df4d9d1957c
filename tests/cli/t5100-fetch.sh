#!/usr/bin/env bash
# pgotool fetch, datadog-pgo's job, end to end against a real `pgotool serve`
# fed through its intake with real Go CPU profiles (examples/profiles, the
# shared production profile, fresh profiles of tests/go/cmd/burn; gzip and
# zstd uploads):
#  - happy paths: gopgo and -endpoint list give the same bytes; several
#    QUERY arguments; -profiles (top N by cpu); -from; -api, PGOTOOL_API;
#    DD_SITE over TLS through a CONNECT proxy (tests/go/cmd/connectproxy)
#    with a CA made for the test; text and JSON logs; deterministic output
#    (same bytes on a refetch, whatever the order profiles arrive in, and
#    the bytes of `pgotool merge` of the uploaded files); the DEST drives
#    `go build -pgo` of the test program (pgodebug reports hot call sites);
#  - failures, each run without and with -fail (exit 0 / 1, one ERR line
#    that says what went wrong, DEST left byte for byte with its mtime and
#    inode, no temporary file beside it): the store down, wrong keys, keys
#    missing, nothing matches, 5xx and 429 (retried, Retry-After honoured),
#    a slow server past -timeout, a truncated answer, not a zip, an empty
#    zip, unusable profiles (a bad one among good ones is skipped), a heap
#    profile, an untrusted certificate; answers a real store never gives
#    come from tests/tools/faultserver.py in front of the store;
#  - usage: -h, unknown flags, too few arguments, Go flag semantics (a
#    trailing -fail is the DEST, a QUERY may start with '-');
#  - side by side with tests/go-ddpgo (datadog-pgo's merge, google/pprof):
#    the same command line gives the same `pgotool edges` of DEST.
# Needs go (mandatory in CI), python3, openssl, zip, curl, zstd.
# PGO_KEEP_TMP=1 keeps the work directory; diagnostics go to stderr as "# ".
. "$(dirname "$0")/lib.sh"
. "$PGO_SRC/tests/cli/serve-lib.sh"
serve_require_tools
require_go
for tool in python3 openssl zip; do
	command -v $tool >/dev/null 2>&1 && continue
	[ "${CI:-}" = "true" ] && { echo "FATAL: $test_name needs $tool"; exit 1; }
	echo "SKIP: $test_name: $tool is not installed"
	exit 77
done
if [ -n "${PGO_KEEP_TMP:-}" ]; then
	keep_cleanup() {
		local p
		[ -n "$WATCHDOG_PID" ] && kill "$WATCHDOG_PID" 2>/dev/null
		while read -r p; do [ -n "$p" ] && kill -KILL "$p" 2>/dev/null; done <"$TEST_TMP/pids"
		echo "keeping $TEST_TMP" | say
	}
	trap keep_cleanup EXIT
fi
watchdog 600
T0=$(date +%s)

bail() {
	fail "$*"
	done_testing
}

# Only the settings made here reach pgotool and ddpgo.
for v in $(env | sed -n 's/^\(DD_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
unset PGOTOOL_API DDPGO_BASE_URL HTTPS_PROXY https_proxy HTTP_PROXY http_proxy ALL_PROXY all_proxy \
	NO_PROXY no_proxy SSL_CERT_FILE SSL_CERT_DIR NO_COLOR
export PPROF_BINARY_PATH="$TEST_TMP/no-binaries"

GO_PROGS=$PGO_SRC/tests/go
GO_DDPGO=$PGO_SRC/tests/go-ddpgo
FAULTSERVER=$PGO_SRC/tests/tools/faultserver.py
EX=$PGO_SRC/examples/profiles
API_KEY=t5100-api-$RANDOM$RANDOM
APP_KEY=t5100-app-$RANDOM$RANDOM
SITE=pgotool.test
LOG=$TEST_TMP/build.log

# ---- tools and profiles ----------------------------------------------------

(cd "$GO_PROGS" && go build -o "$TEST_TMP/burn" ./cmd/burn && go build -o "$TEST_TMP/connectproxy" ./cmd/connectproxy) \
	2>"$LOG" || { say <"$LOG"; bail "build tests/go/cmd/burn and tests/go/cmd/connectproxy"; }
# ddpgo (google/pprof) needs go 1.26, as in t5000.
HAVE_DDPGO=false
go_minor=$(go env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
if [ "${go_minor:-0}" -ge 26 ]; then
	(cd "$GO_DDPGO" && timeout 300 go build -o "$TEST_TMP/ddpgo" .) 2>"$LOG" ||
		{ say <"$LOG"; bail "build tests/go-ddpgo (ddpgo)"; }
	HAVE_DDPGO=true
elif [ "${CI:-}" = "true" ]; then
	bail "tests/go-ddpgo needs go >= 1.26, have $(go env GOVERSION)"
else
	echo "note: tests/go-ddpgo needs go >= 1.26, have $(go env GOVERSION); the side-by-side checks do not run"
fi
# A heap profile, as runtime/pprof writes it (alloc_* and inuse_* sample types).
mkdir heapprog
printf 'module pgotool.test/heapprog\n\ngo 1.21\n' >heapprog/go.mod
cat >heapprog/main.go <<'EOF'
// Command heapprog writes a heap profile of a few thousand allocations to os.Args[1].
package main

import (
	"os"
	"runtime"
	"runtime/pprof"
)

var keep [][]byte

func main() {
	runtime.MemProfileRate = 1
	for i := 0; i < 2000; i++ {
		keep = append(keep, make([]byte, 1024+i))
	}
	runtime.GC()
	f, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
}
EOF
(cd heapprog && go build -o "$TEST_TMP/heapprog.bin" .) 2>"$LOG" || { say <"$LOG"; bail "build a heap-profile writer"; }
./heapprog.bin heap.pprof 2>"$LOG" || { say <"$LOG"; bail "write a heap profile"; }
go tool pprof -raw heap.pprof >heap.raw 2>"$LOG"
check "the heap profile is a real pprof with alloc and inuse sample types" \
	grep -q '^alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/bytes' heap.raw

# Fresh CPU profiles of the test program, one run at a time (each has the CPU).
./burn -duration 1s -workers 2 -mode mixed -seed 3 -cpuprofile burnA.pprof 2>"$LOG" &&
	./burn -duration 1s -workers 2 -mode shapes -seed 1 -cpuprofile burnB.pprof 2>>"$LOG" &&
	./burn -duration 1s -workers 2 -mode pipeline -seed 5 -cpuprofile burnC.pprof 2>>"$LOG" ||
	{ say <"$LOG"; bail "record CPU profiles with tests/go/cmd/burn"; }
cp "$EX/burn-1.pprof" burn1.pprof
cp "$EX/burn-2.pprof" burn2.pprof
cp "$GRPC_PPROF" grpc.pprof || bail "copy $GRPC_PPROF"
# zstd twins: the pprof bytes, zstd-compressed (dd-trace-go >= 2.4 uploads these)
for p in burn2 burnB burnC grpc burn1; do
	gzip -dc $p.pprof | zstd -q -o $p.zst || bail "zstd $p.pprof"
done
ok=true
for p in burn1.pprof burn2.pprof burnA.pprof burnB.pprof burnC.pprof grpc.pprof; do
	[ "$(magic $p)" = 1f8b ] || ok=false
done
for p in burn2 burnB burnC grpc burn1; do [ "$(magic $p.zst)" = 28b5 ] || ok=false; done
check "the inputs: six gzip CPU profiles and five zstd twins" $ok

# ---- the store, fed through its intake -------------------------------------

mkdir data
start_server store --data data --api-key "$API_KEY" --app-key "$APP_KEY" || bail "pgotool serve starts"
STORE_URL=$URL
STORE_PID=$PID

declare -A ID SRC
# up KEY FILE OFFSET TAGS: FILE uploaded as cpu.pprof, started OFFSET seconds from now.
up() {
	local key=$1 file=$2 off=$3
	event_json "ev-$key.json" "$(iso "$off")" "$(iso $((off + 60)))" "$4"
	upload "up-$key" /profiling/v1/input "ev-$key.json" "$file"
	if [ "$CODE" = 200 ] && [ -n "$PROFILE_ID" ]; then
		ID[$key]=$PROFILE_ID
		SRC[$key]=$file
		return 0
	fi
	show "up-$key"
	return 1
}
n_up=0
up a1 burn1.pprof -10800 "service:alpha,env:prod,version:1.0,runtime:go" && n_up=$((n_up + 1))
up a2 burn2.zst -7200 "service:alpha,env:prod,version:1.1,runtime:go" && n_up=$((n_up + 1))
up a3 burnA.pprof -3600 "service:alpha,env:prod,version:1.2,runtime:go" && n_up=$((n_up + 1))
up a4 burnB.zst -2400 "service:alpha,env:prod,version:1.3,runtime:go" && n_up=$((n_up + 1))
up b1 grpc.pprof -5400 "service:beta,env:prod,version:2.0,runtime:go" && n_up=$((n_up + 1))
up b2 burnC.zst -3000 "service:beta,env:prod,version:2.1,runtime:go" && n_up=$((n_up + 1))
up t1 grpc.zst -1800 "service:top,env:staging,version:3.0,runtime:go" && n_up=$((n_up + 1))
up t2 burn1.pprof -1500 "service:top,env:staging,version:3.1,runtime:go" && n_up=$((n_up + 1))
up t3 burn2.pprof -1200 "service:top,env:staging,version:3.2,runtime:go" && n_up=$((n_up + 1))
up g1 burn2.pprof -3660 "service:aged,env:aged,version:4.0,runtime:go" && n_up=$((n_up + 1))
up g2 burn1.zst -18000 "service:aged,env:aged,version:4.1,runtime:go" && n_up=$((n_up + 1))
up g3 burnA.pprof -288000 "service:aged,env:aged,version:4.2,runtime:go" && n_up=$((n_up + 1))
up h1 heap.pprof -600 "service:heapy,env:staging,version:5.0,runtime:go" && n_up=$((n_up + 1))
[ "$n_up" = 13 ] || bail "the store takes the 13 uploads (gzip and zstd) through /profiling/v1/input ($n_up)"
pass "the store takes the 13 uploads (gzip and zstd) through /profiling/v1/input"

# ---- running pgotool fetch and reading its log ---------------------------------

FETCH_KEYS=("DD_API_KEY=$API_KEY" "DD_APP_KEY=$APP_KEY")
FETCH_ENV=()  # more VAR=VALUE settings for the next fetches
RUNS=()       # every fetch run, for the stderr checks at the end
# fetch NAME [ARG]...: pgotool fetch ARG..., stdout in NAME.out, stderr in
# NAME.err; its exit status in RC and its wall time in MS (milliseconds).
fetch() {
	local name=$1 t
	shift
	RUNS+=("$name")
	t=$(date +%s%N)
	env -u DD_API_KEY -u DD_APP_KEY -u DD_SITE -u PGOTOOL_API ${FETCH_KEYS[@]+"${FETCH_KEYS[@]}"} \
		${FETCH_ENV[@]+"${FETCH_ENV[@]}"} timeout 120 "$PGOTOOL" fetch "$@" >"$name.out" 2>"$name.err"
	RC=$?
	MS=$((($(date +%s%N) - t) / 1000000))
}

# A text log line starts like "Nov 30 19:18:07.575 ".
LOGRE='^[A-Z][a-z]{2} +[0-9]{1,2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} '
# n_log NAME ERE: how many lines of NAME.out match LOGRE then ERE.
n_log() { grep -Ec -- "$LOGRE$2" "$1.out"; }
# extracted NAME: the profile ids of the "extracted profile" lines, in order.
extracted() { grep -E -- "${LOGRE}INF extracted profile " "$1.out" | sed -E 's/.* profile-id=([^ ]+).*/\1/'; }
# debug_ids FILE: the ids of the debug query of a "wrote PGO file" line (any client), one a line.
debug_ids() {
	grep -E 'wrote PGO file' "$1" | tail -n 1 | sed -E 's/.*debug-query="?profile-id:\(([^)]*)\)"?.*/\1/' |
		sed 's/ OR /\n/g'
}
# ids KEY...: the profile ids of these uploads, sorted, one a line.
ids() {
	local k
	for k in "$@"; do echo "${ID[$k]}"; done | sort
}
# keys_of: profile ids on stdin mapped back to upload keys (for messages).
keys_of() {
	local i k
	while read -r i; do
		for k in "${!ID[@]}"; do [ "${ID[$k]}" = "$i" ] && { printf '%s ' "$k"; continue 2; }; done
		printf '%s ' "$i"
	done
}
# show_run NAME: what a failed check saw.
show_run() {
	{
		echo "exit $RC after ${MS}ms; stdout:"
		head -c 4000 "$1.out"
		echo "stderr:"
		head -c 2000 "$1.err"
	} | say
}
# size FILE
size() { stat -c %s "$1"; }

# good_run NAME DEST: the checks every successful fetch passes: exit 0;
# first line "INF pgotool fetch version=..."; last line "INF wrote PGO file
# path=DEST samples=N bytes=SIZE total-duration=... debug-query=..."; no
# ERR line; nothing on stderr; the debug query names exactly the extracted
# profiles; pgotool edges reads DEST. WHY says what failed.
good_run() {
	local name=$1 dest=$2
	WHY=""
	[ "$RC" = 0 ] || WHY="$WHY exit=$RC"
	head -n 1 "$name.out" | grep -Eq -- "${LOGRE}INF pgotool fetch version=[^ ]+$" || WHY="$WHY first-line"
	if [ -f "$dest" ]; then
		tail -n 1 "$name.out" | grep -Eq -- "${LOGRE}INF wrote PGO file path=$dest samples=[1-9][0-9]* bytes=$(size "$dest") total-duration=[0-9][^ ]* debug-query=\"?profile-id:\([^)]+\)\"?$" ||
			WHY="$WHY last-line"
		"$PGOTOOL" edges "$dest" >"$name.edges" 2>"$name.edges-err" && grep -q '^GO PREPROFILE V1$' "$name.edges" ||
			WHY="$WHY DEST-not-a-profile"
	else
		WHY="$WHY no-DEST"
	fi
	[ "$(n_log "$name" 'ERR ')" = 0 ] || WHY="$WHY ERR-line"
	[ -s "$name.err" ] && WHY="$WHY stderr"
	[ "$(extracted "$name" | sort)" = "$(debug_ids "$name.out" | sort)" ] || WHY="$WHY debug-query!=extracted"
	[ -z "$WHY" ]
}

# ok_fetch DESC NAME DEST [ARG]...: fetch ARG... DEST succeeds (good_run).
ok_fetch() {
	local desc=$1 name=$2 dest=$3
	shift 3
	fetch "$name" "$@" "$dest"
	if good_run "$name" "$dest"; then
		pass "$desc"
		return 0
	fi
	fail "$desc:$WHY"
	show_run "$name"
	return 1
}

# expect_ids DESC NAME KEY...: the extracted profiles of run NAME are exactly these uploads.
expect_ids() {
	local desc=$1 name=$2
	shift 2
	local got want
	got=$(extracted "$name" | sort)
	want=$(ids "$@")
	if [ "$got" = "$want" ]; then
		pass "$desc"
	else
		fail "$desc: got [$(keys_of <<<"$got")], want [$*]"
	fi
}

# same DESC FILE1 FILE2: byte-identical.
same() {
	if [ -s "$2" ] && cmp -s "$2" "$3"; then
		pass "$1"
	else
		fail "$1 ($2: $(size "$2" 2>&1) bytes, $3: $(size "$3" 2>&1) bytes)"
	fi
}

# merged OUT FILE...: what `pgotool merge` makes of the uploaded files.
merged() {
	local out=$1
	shift
	"$PGOTOOL" merge -o "$out" "$@" 2>"$out.err" || { say <"$out.err"; return 1; }
}

# ---- happy paths: one service, both endpoints ----------------------------------

ok_fetch "fetch 'service:alpha' (gopgo): writes DEST, logs the first and the last line" \
	alpha alpha.pgo -api "$STORE_URL" service:alpha
expect_ids "gopgo: the four alpha uploads (2 gzip, 2 zstd) are extracted, nothing else" alpha a1 a2 a3 a4
check "gopgo: one request to the store's gopgo endpoint" \
	[ "$(grep -c 'POST /api/unstable/profiles/gopgo 200 ' store.log)" = 1 ]
merged merge-alpha.pgo "${SRC[a1]}" "${SRC[a2]}" "${SRC[a3]}" "${SRC[a4]}"
same "gopgo: DEST is pgotool merge of the four uploaded files, byte for byte" alpha.pgo merge-alpha.pgo

# go build -pgo with it, in the background while the rest runs (PGO rebuilds the standard library).
mkdir gobuild
cp alpha.pgo gobuild/default.pgo
go -C "$GO_PROGS" build -pgo="$TEST_TMP/gobuild/default.pgo" -gcflags='pgotool.test/progs/...=-m -d=pgodebug=1' \
	-o "$TEST_TMP/gobuild/burn" ./cmd/burn >gobuild.log 2>&1 &
GOBUILD_PID=$!
track "$GOBUILD_PID"

ok_fetch "fetch -endpoint list 'service:alpha': writes DEST" alpha-list alpha-list.pgo \
	-api "$STORE_URL" -endpoint list service:alpha
expect_ids "list: the same four profiles" alpha-list a1 a2 a3 a4
same "gopgo and -endpoint list write identical bytes (gzip answers vs zstd downloads)" alpha.pgo alpha-list.pgo
check "list: one search, then one download per profile" \
	[ "$(grep -c 'POST /api/unstable/profiles/list 200 ' store.log)" = 1 -a \
	"$(grep -Ec 'GET /api/ui/profiling/profiles/[^ /]+/download 200 ' store.log)" = 4 ]
# list mode knows each profile's service, version and timestamp
a1_line=$(grep -F "profile-id=${ID[a1]} " alpha-list.out)
check_sh "list: the line of an upload names its service and version, and its age from its start (3h)" \
	'printf "%s" "$a1_line" | grep -Eq " age=3h0m[0-9]+s profile-id=${ID[a1]} service=alpha version=1\.0$"'
ok_fetch "fetch again (gopgo)" alpha-2 alpha-2.pgo -api "$STORE_URL" service:alpha
same "fetching twice gives identical bytes" alpha.pgo alpha-2.pgo
ok_fetch "fetch -level 1 (gopgo)" alpha-l1 alpha-l1.pgo -api "$STORE_URL" -level 1 service:alpha
merged merge-alpha-l1.pgo --level 1 "${SRC[a1]}" "${SRC[a2]}" "${SRC[a3]}" "${SRC[a4]}"
same "-level 1: DEST is pgotool merge --level 1 of the four uploads, byte for byte" alpha-l1.pgo merge-alpha-l1.pgo
check_sh "-level 1: other bytes than the default level 6" "! cmp -s alpha.pgo alpha-l1.pgo"

# ---- several queries, -profiles, -from -------------------------------------------

ok_fetch "fetch 'service:alpha' 'service:beta': two QUERY arguments" ab ab.pgo -api "$STORE_URL" service:alpha service:beta
expect_ids "two queries: the union of both services' profiles (6)" ab a1 a2 a3 a4 b1 b2
merged merge-ab.pgo "${SRC[a1]}" "${SRC[a2]}" "${SRC[a3]}" "${SRC[a4]}" "${SRC[b1]}" "${SRC[b2]}"
same "two queries: DEST is the merge of all six uploads" ab.pgo merge-ab.pgo
ok_fetch "-endpoint list with two queries" ab-list ab-list.pgo -api "$STORE_URL" -endpoint list service:alpha service:beta
same "two queries: gopgo and list give identical bytes" ab.pgo ab-list.pgo

ok_fetch "fetch 'service:top' (3 profiles: 6.6, 0.91 and 0.90 cores)" top top.pgo -api "$STORE_URL" service:top
check_sh "extracted lines come in the store's order, most CPU first, with their cpu cores" \
	'[ "$(extracted top | tr "\n" " ")" = "${ID[t1]} ${ID[t2]} ${ID[t3]} " ] && grep -Fq "cpu-cores=6.6 " top.out'
ok_fetch "fetch -profiles 2 'service:top'" top2 top2.pgo -api "$STORE_URL" -profiles 2 service:top
check "-profiles 2: two extracted-profile lines" [ "$(n_log top2 'INF extracted profile ')" = 2 ]
expect_ids "-profiles 2: the two with the most CPU (grpc 6.6, burn-1 0.91)" top2 t1 t2
merged merge-top2.pgo "${SRC[t1]}" "${SRC[t2]}"
same "-profiles 2: DEST is the merge of those two" top2.pgo merge-top2.pgo
ok_fetch "fetch -profiles=1 -endpoint list 'service:top'" top1-list top1-list.pgo -api "$STORE_URL" -profiles=1 \
	-endpoint list service:top
expect_ids "-profiles 1, list: only the profile with the most CPU" top1-list t1
ok_fetch "fetch -profiles 2 -endpoint list 'service:top'" top2-list top2-list.pgo -api "$STORE_URL" -profiles 2 \
	-endpoint list service:top
same "-profiles 2: list and gopgo give identical bytes" top2.pgo top2-list.pgo

# The default is 5 profiles per query: 'env:prod' matches 6.
search_json "$(iso -259200)" "$(iso 60)" "env:prod runtime:go" "@metrics.core_cpu_cores" desc 100 >prod.req
http prod-list POST /api/unstable/profiles/list -H "DD-API-KEY: $API_KEY" -H "DD-APPLICATION-KEY: $APP_KEY" \
	-H "Content-Type: application/json" --data-binary @prod.req
mapfile -t PROD_RANKED < <(items prod-list.body | sed -E 's/.*"attributes":\{"id":"([^"]+)".*/\1/')
check "the store ranks the 6 env:prod profiles by cpu cores" [ "$CODE" = 200 -a "${#PROD_RANKED[@]}" = 6 ]
ok_fetch "fetch 'env:prod' (6 match)" prod prod.pgo -api "$STORE_URL" env:prod
check "default -profiles 5: five extracted-profile lines" [ "$(n_log prod 'INF extracted profile ')" = 5 ]
check_sh "default -profiles 5: the five with the most CPU, as the store ranks them" \
	'[ "$(extracted prod | tr "\n" " ")" = "$(printf "%s " "${PROD_RANKED[@]:0:5}")" ]'

# -from: aged has uploads 1h, 5h and 80h old.
ok_fetch "fetch 'service:aged' (default -from 72h)" aged aged.pgo -api "$STORE_URL" service:aged
expect_ids "-from 72h (default): the 80h-old upload is left out" aged g1 g2
ok_fetch "fetch -from 4h 'service:aged' -v" aged4 aged4.pgo -api "$STORE_URL" -from 4h -v service:aged
expect_ids "-from 4h: only the 1h-old upload" aged4 g1
window=$(sed -En 's/.* DBG searching profiles .* from=([^ ]+) to=([^ ]+) .*/\1 \2/p' aged4.out | head -n 1)
check_sh "-from 4h: the search window is 4h long, ending now ($window)" \
	'set -- $window; [ $(( $(date -d "$2" +%s) - $(date -d "$1" +%s) )) = 14400 ] && [ $(( $(date +%s) - $(date -d "$2" +%s) )) -le 5 ]'
ok_fetch "fetch -from=6h 'service:aged'" aged6 aged6.pgo -api "$STORE_URL" -from=6h service:aged
expect_ids "-from 6h: the 1h- and 5h-old uploads" aged6 g1 g2
ok_fetch "fetch --from 100h -endpoint list 'service:aged'" aged100 aged100.pgo -api "$STORE_URL" --from 100h \
	-endpoint list service:aged
expect_ids "-from 100h, list: all three" aged100 g1 g2 g3

# ---- -api and PGOTOOL_API -------------------------------------------------------

FETCH_ENV=("PGOTOOL_API=$STORE_URL")
ok_fetch "PGOTOOL_API instead of -api" env-api env-api.pgo service:alpha
same "PGOTOOL_API: the same bytes as with -api" alpha.pgo env-api.pgo
DEAD_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
FETCH_ENV=("PGOTOOL_API=http://127.0.0.1:$DEAD_PORT")
ok_fetch "-api=URL wins over PGOTOOL_API" api-wins api-wins.pgo -api="$STORE_URL" service:alpha
same "-api over PGOTOOL_API: the same bytes" alpha.pgo api-wins.pgo
FETCH_ENV=()

# ---- logs -------------------------------------------------------------------------

fetch alpha-json -api "$STORE_URL" -json service:alpha alpha-json.pgo
check "fetch -json 'service:alpha': exit 0, nothing on stderr (exit $RC)" [ "$RC" = 0 -a ! -s alpha-json.err ]
same "-json: the same bytes as the text-log run" alpha.pgo alpha-json.pgo
if python3 - alpha-json.out alpha-json.pgo "$(ids a1 a2 a3 a4 | tr '\n' ' ')" >json-check.txt 2>&1 <<'EOF'; then
import json, os, re, sys
out, dest, want = sys.argv[1], sys.argv[2], sorted(sys.argv[3].split())
recs = []
for n, line in enumerate(open(out, encoding="utf-8"), 1):
    r = json.loads(line)
    if not isinstance(r, dict): sys.exit("line %d is not an object" % n)
    for k in ("time", "level", "msg"):
        if not isinstance(r.get(k), str): sys.exit("line %d: no string %r" % (n, k))
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)", r["time"]):
        sys.exit("line %d: time %r" % (n, r["time"]))
    if r["level"] not in ("DEBUG", "INFO", "WARN", "ERROR"): sys.exit("line %d: level %r" % (n, r["level"]))
    recs.append(r)
if recs[0]["msg"] != "pgotool fetch" or not recs[0].get("version"): sys.exit("first record %r" % recs[0])
ex = [r for r in recs if r["msg"] == "extracted profile"]
if sorted(r["profile-id"] for r in ex) != want: sys.exit("extracted %r" % ex)
for r in ex:
    if not (isinstance(r.get("cpu-cores"), (int, float)) and isinstance(r.get("duration"), int) and r["duration"] > 0):
        sys.exit("extracted record %r: cpu-cores a number, duration integer nanoseconds" % r)
w = recs[-1]
if w["msg"] != "wrote PGO file" or w["level"] != "INFO": sys.exit("last record %r" % w)
if w.get("path") != dest or w.get("bytes") != os.path.getsize(dest) or not w.get("samples", 0) > 0:
    sys.exit("wrote record %r" % w)
m = re.fullmatch(r"profile-id:\((.*)\)", w.get("debug-query", ""))
if not m or sorted(m.group(1).split(" OR ")) != want: sys.exit("debug-query %r" % w.get("debug-query"))
if any(r["level"] == "ERROR" for r in recs): sys.exit("an ERROR record")
print("ok: %d records" % len(recs))
EOF
	pass "-json: every line is a JSON object with time, level and msg; extracted and wrote records as datadog-pgo's"
else
	fail "-json: every line is a JSON object with time, level and msg; extracted and wrote records"
	say <json-check.txt
fi
fetch nomatch-json -json -fail -api "$STORE_URL" service:nobody nomatch-json.pgo
if [ "$RC" = 1 ] && [ ! -e nomatch-json.pgo ] && python3 - nomatch-json.out >json-check2.txt 2>&1 <<'EOF'; then
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert all(isinstance(r, dict) and all(isinstance(r.get(k), str) for k in ("time", "level", "msg")) for r in recs), recs
errs = [r for r in recs if r["level"] == "ERROR"]
assert len(errs) == 1 and "no profiles match" in errs[0]["msg"], errs
assert recs[-1] is errs[0], recs[-1]
EOF
	pass "-json -fail on a failure: exit 1, JSON lines, one ERROR record saying no profiles match"
else
	fail "-json -fail on a failure: exit 1, JSON lines, one ERROR record saying no profiles match"
	say <json-check2.txt
	show_run nomatch-json
fi

# ---- Go flag semantics -------------------------------------------------------------

ok_fetch "a QUERY that starts with '-' after the first QUERY is a QUERY: 'service:top' '-env:staging'" neg neg.pgo \
	-api "$STORE_URL" -v -profiles 10 service:top -env:staging
expect_ids "'service:top' '-env:staging': top's 3 and every non-staging profile within 72h (11)" neg \
	t1 t2 t3 a1 a2 a3 a4 b1 b2 g1 g2
check "'-env:staging' is searched as a query" grep -Fq 'DBG searching profiles query="-env:staging runtime:go"' neg.out
mkdir trail
(cd trail && env "DD_API_KEY=$API_KEY" "DD_APP_KEY=$APP_KEY" timeout 120 "$PGOTOOL" fetch -api "$STORE_URL" service:top -fail \
	>../trail.out 2>../trail.err)
RC=$?
RUNS+=(trail)
if [ "$RC" = 0 ] && cmp -s trail/-fail top.pgo && [ "$(ls -A trail)" = "-fail" ] &&
	grep -Eq -- "${LOGRE}WRN DEST looks like an option; options go before the QUERY arguments dest=-fail$" trail.out &&
	tail -n 1 trail.out | grep -Fq 'INF wrote PGO file path=-fail '; then
	pass "a trailing -fail is the DEST (Go flag semantics): file '-fail' written, with a warning that it looks like an option"
else
	fail "a trailing -fail is the DEST: file '-fail' written, with a warning that it looks like an option"
	MS=0
	show_run trail
fi
# ... and so -fail is not set: a failure exits 0.
mkdir trail2
(cd trail2 && env "DD_API_KEY=$API_KEY" "DD_APP_KEY=$APP_KEY" timeout 120 "$PGOTOOL" fetch -api "$STORE_URL" service:nobody -fail \
	>../trail2.out 2>../trail2.err)
RC=$?
RUNS+=(trail2)
check_sh "with a trailing -fail (the DEST), a failure still exits 0 and writes nothing" \
	'[ "$RC" = 0 ] && [ -z "$(ls -A trail2)" ] && grep -Fq "WRN pgotool fetch failed, but -fail is not set" trail2.out &&
	grep -Fq "WRN DEST looks like an option" trail2.out'

# DEST "-" is a file named "-" for datadog-pgo (os.Create); the logs own stdout.
mkdir dash
(cd dash && env "DD_API_KEY=$API_KEY" "DD_APP_KEY=$APP_KEY" timeout 120 "$PGOTOOL" fetch -api "$STORE_URL" service:top - \
	>../dash.out 2>../dash.err)
RC=$?
RUNS+=(dash)
n_nonlog=$(LC_ALL=C grep -Evac -- "$LOGRE" dash.out)
if [ "$RC" = 0 ] && [ "$n_nonlog" = 0 ] && cmp -s dash/- top.pgo && tail -n 1 dash.out | grep -Fq 'INF wrote PGO file path=- '; then
	pass "DEST '-' is a file named '-', as with datadog-pgo; stdout holds only log lines"
else
	fail "DEST '-' is a file named '-', as with datadog-pgo; stdout holds only log lines (exit $RC, $n_nonlog non-log lines on stdout, $(size dash.out) bytes; in the directory: $(ls -A dash | tr '\n' ' '))"
fi

# ---- usage ----------------------------------------------------------------------------

"$PGOTOOL" fetch -h >help.out 2>help.err
RC=$?
check_sh "-h: exit 0 with the usage" \
	'[ "$RC" = 0 ] && cat help.out help.err | grep -Fq "usage: pgotool fetch [OPTIONS]... QUERY... DEST" &&
	cat help.out help.err | grep -q -- "-profiles N"'
# usage_error DESC ARG...: exit 2, a message on stderr, no log on stdout, no DEST.
usage_error() {
	local desc=$1
	shift
	rm -rf usage-dir
	mkdir usage-dir
	(cd usage-dir && env "DD_API_KEY=$API_KEY" "DD_APP_KEY=$APP_KEY" timeout 60 "$PGOTOOL" fetch "$@" >../usage.out 2>../usage.err)
	RC=$?
	if [ "$RC" = 2 ] && [ -s usage.err ] && [ ! -s usage.out ] && [ -z "$(ls -A usage-dir)" ] && sanitizer_clean usage; then
		pass "$desc"
	else
		fail "$desc (exit $RC)"
		{ cat usage.out usage.err; ls -A usage-dir; } | say
	fi
}
usage_error "an unknown flag exits 2" -bogus -api "$STORE_URL" service:alpha d.pgo
check "the unknown flag is named" grep -Fq -- '-bogus' usage.err
usage_error "one positional (no DEST) exits 2" -api "$STORE_URL" service:alpha
usage_error "no positional exits 2" -api "$STORE_URL"
usage_error "-from that is not a duration exits 2" -from 3days -api "$STORE_URL" service:alpha d.pgo
usage_error "-profiles that is not a number exits 2" -profiles five -api "$STORE_URL" service:alpha d.pgo
usage_error "-timeout that is not a duration exits 2" -timeout soon -api "$STORE_URL" service:alpha d.pgo
usage_error "an unknown -endpoint exits 2" -endpoint search -api "$STORE_URL" service:alpha d.pgo

# ---- failures ----------------------------------------------------------------------------

PREV=$EX/burn-2.pprof  # DEST before each failing fetch: a previous default.pgo
# make_dest DIR: DIR/default.pgo with known bytes and an old mtime; its stat in DIR.stat.
make_dest() {
	rm -rf "$1"
	mkdir "$1"
	cp "$PREV" "$1/default.pgo"
	touch -d '2001-02-03 04:05:06.123456789' "$1/default.pgo"
	stat -c '%i %.Y %s' "$1/default.pgo" >"$1.stat"
}
# dest_kept DIR: DIR/default.pgo has the same bytes, inode and mtime, and nothing else is in DIR.
dest_kept() {
	cmp -s "$PREV" "$1/default.pgo" && [ "$(stat -c '%i %.Y %s' "$1/default.pgo")" = "$(cat "$1.stat")" ] &&
		[ "$(ls -A "$1")" = default.pgo ]
}

FAULT=""  # faultserver RESPONSEs for the next expect_* (one fresh server per run)
FS_URL=""
FS_PID=""
# fault NAME RESPONSE...: the fault server in front of the store, logging to NAME.fslog.
fault() {
	local name=$1 i
	shift
	rm -f "$name.port" "$name.fslog"
	python3 "$FAULTSERVER" --port-file "$name.port" --upstream "$STORE_URL" --log "$name.fslog" --lifetime 120 "$@" \
		>"$name.fsout" 2>&1 &
	FS_PID=$!
	track "$FS_PID"
	for i in $(seq 1 100); do
		[ -s "$name.port" ] && break
		kill -0 "$FS_PID" 2>/dev/null || break
		sleep 0.05
	done
	if [ ! -s "$name.port" ]; then
		say <"$name.fsout"
		return 1
	fi
	FS_URL=http://127.0.0.1:$(cat "$name.port")
}
unfault() {
	kill -TERM "$FS_PID" 2>/dev/null
	wait "$FS_PID" 2>/dev/null
}
# fs_requests NAME: how many requests the fault server of run NAME saw.
fs_requests() { if [ -f "$1.fslog" ]; then wc -l <"$1.fslog"; else echo 0; fi; }

OPEN_WRN="WRN pgotool fetch failed, but -fail is not set, returning exit code 0 to continue without PGO"
# Knobs of the next expect_failure (reset by it): RETRIES, the "WRN request
# failed" lines a run logs; FS_REQS, the requests its fault server sees;
# MIN_MS and MAX_MS, bounds of its run time.
RETRIES=0 FS_REQS="" MIN_MS="" MAX_MS=""
# expect_failure NAME ERR-ERE [ARG]...: `pgotool fetch ARG... DIR/default.pgo`
# must fail, without -fail (exit 0, ERR then the WRN that says so) and with
# it (exit 1, ERR last): exactly one ERR line, matching ERR-ERE; DEST as it
# was; nothing on stderr. @FS@ in an ARG is the fault server's URL.
expect_failure() {
	local name=$1 ere=$2 mode run dir label want_rc why errs fs_url
	shift 2
	for mode in open fail; do
		run=$name-$mode
		dir=dest-$run
		make_dest "$dir"
		fs_url=""
		if [ -n "$FAULT" ]; then
			# shellcheck disable=SC2086
			fault "$run" $FAULT || { fail "$run: the fault server starts"; continue; }
			fs_url=$FS_URL
		fi
		if [ $mode = open ]; then
			label="$name, without -fail"
			want_rc=0
			fetch "$run" "${@//@FS@/$fs_url}" "$dir/default.pgo"
		else
			label="$name, with -fail"
			want_rc=1
			fetch "$run" -fail "${@//@FS@/$fs_url}" "$dir/default.pgo"
		fi
		[ -n "$FAULT" ] && unfault
		why=""
		[ "$RC" = "$want_rc" ] || why="$why exit=$RC(want $want_rc)"
		errs=$(grep -E -- "${LOGRE}ERR " "$run.out")
		[ "$(n_log "$run" 'ERR ')" = 1 ] || why="$why ERR-lines=$(n_log "$run" 'ERR ')"
		printf '%s' "$errs" | grep -Eq -- "$ere" || why="$why ERR-message"
		if [ $mode = open ]; then
			tail -n 2 "$run.out" | head -n 1 | grep -Eq -- "${LOGRE}ERR " || why="$why ERR-not-before-WRN"
			tail -n 1 "$run.out" | grep -Eq -- "$LOGRE$OPEN_WRN$" || why="$why no-last-WRN"
		else
			tail -n 1 "$run.out" | grep -Eq -- "${LOGRE}ERR " || why="$why ERR-not-last"
			grep -Fq -- "-fail is not set" "$run.out" && why="$why WRN-with-fail"
		fi
		head -n 1 "$run.out" | grep -Eq -- "${LOGRE}INF pgotool fetch version=" || why="$why first-line"
		grep -Fq 'wrote PGO file' "$run.out" && why="$why wrote"
		[ -s "$run.err" ] && why="$why stderr"
		[ "$(n_log "$run" 'WRN request failed')" = "$RETRIES" ] ||
			why="$why retries=$(n_log "$run" 'WRN request failed')(want $RETRIES)"
		[ -n "$FS_REQS" ] && [ "$(fs_requests "$run")" != "$FS_REQS" ] &&
			why="$why requests=$(fs_requests "$run")(want $FS_REQS)"
		[ -n "$MIN_MS" ] && [ "$MS" -lt "$MIN_MS" ] && why="$why ${MS}ms<${MIN_MS}ms"
		[ -n "$MAX_MS" ] && [ "$MS" -gt "$MAX_MS" ] && why="$why ${MS}ms>${MAX_MS}ms"
		if [ -z "$why" ]; then
			pass "$label: exit $want_rc, one ERR line /$ere/"
		else
			fail "$label:$why"
			show_run "$run"
		fi
		if dest_kept "$dir"; then
			pass "$label: DEST keeps its bytes, inode and mtime; no temporary file beside it"
		else
			fail "$label: DEST keeps its bytes, inode and mtime; no temporary file beside it"
			{ cat "$dir.stat"; stat -c '%i %.Y %s' "$dir/default.pgo"; ls -lA "$dir"; } | say
		fi
	done
	RETRIES=0 FS_REQS="" MIN_MS="" MAX_MS=""
}

# expect_fault_success NAME EXPECTED [ARG]...: with the fault server ($FAULT)
# the fetch (with -fail) succeeds and replaces an existing DEST with EXPECTED's bytes.
expect_fault_success() {
	local name=$1 want=$2 dir=dest-$1
	shift 2
	make_dest "$dir"
	fault "$name" $FAULT || { fail "$name: the fault server starts"; return 1; }
	fetch "$name" -fail "${@//@FS@/$FS_URL}" "$dir/default.pgo"
	unfault
	if good_run "$name" "$dir/default.pgo" && cmp -s "$want" "$dir/default.pgo" && [ "$(ls -A "$dir")" = default.pgo ]; then
		pass "$name: DEST replaced with the expected bytes, no temporary file left"
	else
		fail "$name: DEST replaced with the expected bytes:$WHY (DEST $(size "$dir/default.pgo") bytes, want $(size "$want"))"
		show_run "$name"
	fi
}

# The store, or the network to it, fails.
RETRIES=3 MIN_MS=850
expect_failure down "POST http://127\.0\.0\.1:$DEAD_PORT/api/unstable/profiles/gopgo: .*Couldn't connect.*is the server up" \
	-api "http://127.0.0.1:$DEAD_PORT" service:alpha
check "store down: connection errors are retried, attempts 1 to 3 logged with their retry-in" \
	grep -Eq -- "${LOGRE}WRN request failed method=POST .* attempt=3 error=.* retry-in=[0-9]" down-fail.out

n_before=$(request_lines store.log)
FETCH_KEYS=("DD_API_KEY=wrong-$API_KEY" "DD_APP_KEY=$APP_KEY")
expect_failure wrong-api-key "403 Forbidden: the keys were refused.*DD_API_KEY and DD_APP_KEY" -api "$STORE_URL" service:alpha
FETCH_KEYS=("DD_API_KEY=$API_KEY" "DD_APP_KEY=wrong-$APP_KEY")
expect_failure wrong-app-key "403 Forbidden: the keys were refused" -api "$STORE_URL" -endpoint list service:alpha
check "wrong keys: one request per run, not retried (4 runs, 4 answers 403)" \
	[ "$(($(request_lines store.log) - n_before))" = 4 -a "$(grep -c ' 403 in=' store.log)" = 4 ]
n_before=$(request_lines store.log)
FETCH_KEYS=("DD_APP_KEY=$APP_KEY")
expect_failure no-api-key "DD_API_KEY is not set" -api "$STORE_URL" service:alpha
FETCH_KEYS=("DD_API_KEY=" "DD_APP_KEY=$APP_KEY")
expect_failure empty-api-key "DD_API_KEY is not set" -api "$STORE_URL" service:alpha
FETCH_KEYS=("DD_API_KEY=$API_KEY")
expect_failure no-app-key "DD_APP_KEY is not set" -api "$STORE_URL" service:alpha
FETCH_KEYS=("DD_API_KEY=$API_KEY" "DD_APP_KEY=$APP_KEY")
check "missing keys: no request is made" [ "$(request_lines store.log)" = "$n_before" ]
n_404=$(grep -c 'POST /api/unstable/profiles/gopgo 404 ' store.log)
expect_failure nomatch "no profiles match: POST .*/api/unstable/profiles/gopgo answered 404" \
	-api "$STORE_URL" service:nobody
expect_failure nomatch-list "no profiles match the query" -api "$STORE_URL" -endpoint list service:nobody
check "nothing matches: the 404 is not retried (one request per run)" \
	[ "$(($(grep -c 'POST /api/unstable/profiles/gopgo 404 ' store.log) - n_404))" = 2 ]
expect_failure heap-store "the only profile is not usable for PGO .*not a CPU profile" -api "$STORE_URL" service:heapy
check "a heap profile uploaded as cpu.pprof: a WRN names it, not a CPU profile" \
	grep -Eq -- "${LOGRE}WRN skipped profile profile-id=${ID[h1]} reason=\"profile ${ID[h1]}: not a CPU profile" heap-store-fail.out
# -timeout 0 is a valid duration that has run out before the first request: datadog-pgo fails open on it too.
expect_failure timeout-zero "timed out after 0s \(-timeout\)" -timeout 0 -api "$STORE_URL" service:alpha

# Answers a real store never gives, from the fault server.
FAULT="status:500" RETRIES=3 FS_REQS=4
expect_failure all-500 "server error 500 Internal Server Error after 4 attempts: injected 500" -api @FS@ service:alpha
FAULT="status:429" RETRIES=3 FS_REQS=4
expect_failure all-429 "429 Too Many Requests after 4 attempts: rate limited" -api @FS@ service:alpha
FAULT="status:429:retry-after=30" FS_REQS=1 MAX_MS=10000
expect_failure 429-past-timeout "429 Too Many Requests" -timeout 5s -api @FS@ service:alpha
FAULT="slow:10" FS_REQS=1 MIN_MS=1900 MAX_MS=5000
expect_failure slow "timed out after 2s \(-timeout\)" -timeout 2s -api @FS@ service:alpha
# the store's own gopgo answer for alpha, for the zip cases
search_json "$(iso -259200)" "$(iso 60)" "service:alpha runtime:go" "@metrics.core_cpu_cores" desc 5 >alpha-q.json
printf '{"queries":[%s]}' "$(cat alpha-q.json)" >alpha-gopgo.req
http alpha-store POST /api/unstable/profiles/gopgo -H "DD-API-KEY: $API_KEY" -H "DD-APPLICATION-KEY: $APP_KEY" \
	-H "Content-Type: application/json" --data-binary @alpha-gopgo.req
mv alpha-store.body alpha-store.zip
check "the store's gopgo answer for alpha is a zip of 4 entries" \
	bash -c "[ '$CODE' = 200 ] && [ \$(unzip -Z1 alpha-store.zip | wc -l) = 4 ]"
FAULT="truncate:$TEST_TMP/alpha-store.zip" RETRIES=3 FS_REQS=4
expect_failure truncated "the answer was cut short after [0-9]+ bytes .*on every attempt" -api @FS@ service:alpha
printf '<html><body>Sign in</body></html>\n' >notzip.html
FAULT="body:$TEST_TMP/notzip.html" FS_REQS=1
expect_failure not-a-zip "the gopgo answer is not a zip archive \($(size notzip.html) bytes, starting 3c 68 74 6d" \
	-api @FS@ service:alpha
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1], "w").close()' empty.zip
FAULT="body:$TEST_TMP/empty.zip" FS_REQS=1
expect_failure empty-zip "the gopgo answer is an empty zip: it holds no profiles" -api @FS@ service:alpha

# zips of profiles; entry names are profile ids
mkdir -p zip
cp "${SRC[a1]}" "zip/${ID[a1]}"
cp "${SRC[a2]}" "zip/${ID[a2]}"
head -c 3000 burn1.pprof >zip/bad00000-trunc-gzip
printf 'this is not a profile\n' >zip/bad00001-text
cp heap.pprof zip/bad00002-heap
(cd zip && zip -q -X ../mixed.zip "${ID[a1]}" bad00000-trunc-gzip "${ID[a2]}" bad00001-text &&
	zip -q -X ../allbad.zip bad00000-trunc-gzip bad00001-text bad00002-heap &&
	zip -q -X ../withheap.zip bad00002-heap "${ID[a1]}" &&
	zip -q -X ../onlyheap.zip bad00002-heap) || bail "make zips of profiles"
merged merge-a12.pgo "${SRC[a1]}" "${SRC[a2]}"
merged merge-a1.pgo "${SRC[a1]}"
FAULT="body:$TEST_TMP/mixed.zip"
expect_fault_success mixed-zip merge-a12.pgo -api @FS@ service:alpha
expect_ids "a zip with bad profiles among good ones: the good ones are merged" mixed-zip a1 a2
check_sh "... and a WRN skipped-profile line names each bad one with its reason" \
	'[ "$(n_log mixed-zip "WRN skipped profile ")" = 2 ] &&
	grep -Eq -- "${LOGRE}WRN skipped profile profile-id=bad00000-trunc-gzip reason=\"[^\"]*(corrupt|truncated)" mixed-zip.out &&
	grep -Eq -- "${LOGRE}WRN skipped profile profile-id=bad00001-text reason=" mixed-zip.out'
FAULT="body:$TEST_TMP/allbad.zip"
expect_failure all-bad-zip "none of the 3 profiles is usable for PGO" -api @FS@ service:alpha
check "only unusable profiles: each is named in a WRN line" [ "$(n_log all-bad-zip-fail 'WRN skipped profile profile-id=bad0000[0-2]-')" = 3 ]
FAULT="body:$TEST_TMP/withheap.zip"
expect_fault_success heap-zip merge-a1.pgo -api @FS@ service:alpha
check "a heap profile in the zip is skipped: not a CPU profile" \
	grep -Eq -- "${LOGRE}WRN skipped profile profile-id=bad00002-heap reason=\"profile bad00002-heap: not a CPU profile \(sample types \[alloc_objects/count" heap-zip.out
FAULT="body:$TEST_TMP/onlyheap.zip"
expect_failure heap-only-zip "the only profile is not usable for PGO \(profile bad00002-heap: not a CPU profile" -api @FS@ service:alpha

# Transient failures, then success: retried, and DEST is the store's.
FAULT="status:500 proxy"
expect_fault_success retry-500 alpha.pgo -api @FS@ service:alpha
check_sh "a 500 then success: the retry is logged (attempt 1, status 500) and the store answers the second request" \
	'[ "$(n_log retry-500 "WRN request failed, retrying method=POST url=$FS_URL/api/unstable/profiles/gopgo attempt=1 status=500 ")" = 1 ] &&
	[ "$(fs_requests retry-500)" = 2 ]'
if python3 - retry-500.fslog "$API_KEY" "$APP_KEY" >fslog-check.txt 2>&1 <<'EOF'; then
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
assert len(reqs) == 2, reqs
for r in reqs:
    h = {k.lower(): v for k, v in r["headers"].items()}
    assert r["method"] == "POST" and r["path"] == "/api/unstable/profiles/gopgo", r
    assert h.get("dd-api-key") == sys.argv[2] and h.get("dd-application-key") == sys.argv[3], h
    assert h.get("content-type") == "application/json" and h.get("user-agent", "").startswith("pgotool/"), h
assert reqs[0]["body"] == reqs[1]["body"], "the retry sends another body"
q = json.loads(reqs[0]["body"])["queries"]
assert len(q) == 1 and q[0]["filter"]["query"] == "service:alpha runtime:go", q
assert q[0]["sort"] == {"order": "desc", "field": "@metrics.core_cpu_cores"} and q[0]["limit"] == 5, q
EOF
	pass "the request: POST gopgo with the keys, JSON, a pgotool User-Agent; the retry sends the same body"
else
	fail "the request: POST gopgo with the keys, JSON, a pgotool User-Agent; the retry sends the same body"
	say <fslog-check.txt
fi
FAULT="status:429:retry-after=1 proxy"
expect_fault_success retry-429 alpha.pgo -api @FS@ service:alpha
gap=$(python3 -c 'import json, sys; t = [json.loads(l)["time"] for l in open(sys.argv[1])]; print("%.3f" % (t[1] - t[0]) if len(t) == 2 else "none")' retry-429.fslog)
check_sh "a 429 with Retry-After: 1: the client waits 1 s before the second request (${gap}s apart)" \
	'[ "$gap" != none ] && awk -v g="$gap" "BEGIN { exit !(g >= 1.0 && g < 3.0) }" &&
	grep -Eq -- "${LOGRE}WRN request failed, retrying .* status=429 .*retry-in=1s$" retry-429.out'
FAULT="reset proxy"
expect_fault_success retry-reset alpha.pgo -api @FS@ service:alpha
check "a connection reset then success: retried once" [ "$(n_log retry-reset 'WRN request failed ')" = 1 ]

# The order profiles arrive in does not matter.
python3 - alpha-store.zip alpha-rev.zip <<'EOF' || fail "reverse the store's zip"
import sys, zipfile
src = zipfile.ZipFile(sys.argv[1])
with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as out:
    for i in reversed(src.infolist()):
        out.writestr(i.filename, src.read(i))
EOF
FAULT="body:$TEST_TMP/alpha-rev.zip"
expect_fault_success reversed-zip alpha.pgo -api @FS@ service:alpha
check_sh "the store's answer in reverse order: profiles logged in the answer's order, DEST the same bytes" \
	'[ "$(extracted reversed-zip | tr "\n" " ")" = "$(unzip -Z1 alpha-rev.zip | tr "\n" " ")" ]'
cp "${SRC[a3]}" "zip/${ID[a3]}"
cp "${SRC[a4]}" "zip/${ID[a4]}"
(cd zip && zip -q -X ../alpha-orig.zip "${ID[a4]}" "${ID[a1]}" "${ID[a3]}" "${ID[a2]}")
FAULT="body:$TEST_TMP/alpha-orig.zip"
expect_fault_success original-bytes-zip alpha.pgo -api @FS@ service:alpha
FAULT=""

# ---- the same request as datadog-pgo's, and the same DEST as its merge ----------------

if $HAVE_DDPGO; then
	# ddpgo ARGS...: the datadog-pgo-compatible client on the store, logs in $DDOUT.
	ddpgo() {
		env -u DD_SITE "DD_API_KEY=$API_KEY" "DD_APP_KEY=$APP_KEY" ${DDPGO_ENV[@]+"${DDPGO_ENV[@]}"} \
			timeout 120 ./ddpgo "$@" >"$DDOUT" 2>&1
	}
	fault ddreq proxy || bail "start the fault server"
	DDPGO_ENV=("DDPGO_BASE_URL=$FS_URL")
	DDOUT=ddreq-dd.out
	ddpgo -fail -profiles 3 -from 10h service:alpha 'service:beta env:prod' ddreq-dd.pgo
	dd_rc=$?
	FETCH_ENV=("PGOTOOL_API=$FS_URL")
	fetch ddreq -fail -profiles 3 -from 10h service:alpha 'service:beta env:prod' ddreq.pgo
	FETCH_ENV=()
	unfault
	if [ "$dd_rc" = 0 ] && [ "$RC" = 0 ] && python3 - ddreq.fslog >ddreq-check.txt 2>&1 <<'EOF'; then
import datetime, json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
assert len(reqs) == 2, "want 2 requests, got %d" % len(reqs)
bodies = [json.loads(r["body"]) for r in reqs]
def times(b):
    return [(q["filter"].pop("from"), q["filter"].pop("to")) for q in b["queries"]]
def sec(s):
    assert s.endswith("Z") and len(s) == 20, s
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").timestamp()
t0, t1 = times(bodies[0]), times(bodies[1])
assert bodies[0] == bodies[1], bodies
for (f0, e0), (f1, e1) in zip(t0, t1):
    assert abs(sec(f0) - sec(f1)) <= 3 and abs(sec(e0) - sec(e1)) <= 3, (t0, t1)
    assert sec(e0) - sec(f0) == 36000, t0
assert [q["filter"]["query"] for q in bodies[0]["queries"]] == ["service:alpha runtime:go", "service:beta env:prod runtime:go"], bodies
for r in reqs:
    assert r["method"] == "POST" and r["path"] == "/api/unstable/profiles/gopgo", r
EOF
		pass "pgotool fetch sends ddpgo's request: same path, queries, sort and limit (times aside)"
	else
		fail "pgotool fetch sends ddpgo's request (ddpgo exit $dd_rc, fetch exit $RC)"
		say <ddreq-check.txt
	fi

	# side NAME ARG...: ddpgo and pgotool fetch with the same ARGs (and DEST
	# NAME-dd.pgo / NAME.pgo), on the same store: the same edges of DEST, the
	# same profiles. SIDE_HOW says how they reach the store.
	SIDE_HOW="on http://127.0.0.1 (DDPGO_BASE_URL, PGOTOOL_API)"
	side() {
		local name=$1 dd_rc
		shift
		WHY=""
		DDOUT=$name-dd.out
		ddpgo "$@" "$name-dd.pgo"
		dd_rc=$?
		fetch "$name" "$@" "$name.pgo"
		if [ "$dd_rc" = 0 ] && good_run "$name" "$name.pgo" && "$PGOTOOL" edges "$name-dd.pgo" >"$name-dd.edges" 2>&1 &&
			cmp -s "$name.edges" "$name-dd.edges" && [ -s "$name.edges" ] &&
			[ "$(debug_ids "$name-dd.out" | sort)" = "$(debug_ids "$name.out" | sort)" ]; then
			pass "side by side $SIDE_HOW, $*: the same profiles, the same pgotool edges of DEST ($(($(wc -l <"$name.edges") / 3)) edges)"
		else
			fail "side by side $SIDE_HOW, $*: ddpgo exit $dd_rc:$WHY"
			{
				echo "ddpgo:"
				head -c 3000 "$DDOUT"
				diff "$name.edges" "$name-dd.edges" 2>&1 | head -n 10
			} | say
			show_run "$name"
		fi
	}
	DDPGO_ENV=("DDPGO_BASE_URL=$STORE_URL")
	FETCH_ENV=("PGOTOOL_API=$STORE_URL")
	side side-ab -fail service:alpha service:beta
	same "side by side: pgotool's DEST is the one fetched with -api" side-ab.pgo ab.pgo
	side side-top2 -fail -profiles 2 service:top
	side side-prod -v env:prod
	side side-aged -from 6h service:aged
	FETCH_ENV=()
fi

# ---- the go build with DEST ------------------------------------------------------------

wait "$GOBUILD_PID"
gb_rc=$?
hot=$(grep -c 'hot-budget check allows inlining for call pgotool\.test/progs/' gobuild.log)
devirt=$(grep -c 'PGO devirtualizing' gobuild.log)
if [ "$gb_rc" = 0 ] && go version -m gobuild/burn | grep -Fq -- "-pgo=$TEST_TMP/gobuild/default.pgo"; then
	pass "go build -pgo=DEST of tests/go/cmd/burn succeeds; go version -m shows -pgo="
else
	fail "go build -pgo=DEST of tests/go/cmd/burn succeeds; go version -m shows -pgo= (exit $gb_rc)"
	tail -n 20 gobuild.log | say
fi
check "pgodebug: DEST drives the compiler ($hot hot call sites inlined, $devirt devirtualized)" \
	[ "$hot" -gt 0 -a "$devirt" -gt 0 ]

# ---- DD_SITE: https://app.$DD_SITE over TLS, through a CONNECT proxy --------------------

stop_server "$STORE_PID"
check "the plain store stops on SIGTERM with exit 0 (got $STATUS)" [ "$STATUS" = 0 ]
{ make_tls tls "app.$SITE" "pgotool t5100 throwaway CA" &&
	(cd tls && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other-ca.key \
		-out other-ca.pem -days 2 -subj "/CN=pgotool t5100 other CA" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign") >>tls/openssl.log 2>&1; } ||
	{ say <tls/openssl.log; bail "make a CA and a certificate for app.$SITE"; }

env -u PGOTOOL_API_KEY -u PGOTOOL_APP_KEY -u PGOTOOL_DATA "$PGOTOOL" serve --listen 127.0.0.1:0 --data data \
	--api-key "$API_KEY" --app-key "$APP_KEY" --tls-cert tls/server.pem --tls-key tls/server.key >tls-store.log 2>tls-store.err &
STORE_PID=$!
track "$STORE_PID"
TLS_PORT=""
for i in $(seq 1 300); do
	TLS_PORT=$(sed -n '1s|.* listening on https://127\.0\.0\.1:\([0-9][0-9]*\), .*|\1|p' tls-store.log 2>/dev/null)
	[ -n "$TLS_PORT" ] && break
	kill -0 "$STORE_PID" 2>/dev/null || break
	sleep 0.1
done
[ -n "$TLS_PORT" ] || { cat tls-store.log tls-store.err | say; bail "pgotool serve starts with TLS"; }
check "the TLS store has the 13 profiles" grep -q "(13 profiles)" tls-store.log
./connectproxy -allow "app.$SITE:443" -to "127.0.0.1:$TLS_PORT" >proxy.log 2>&1 &
PROXY_PID=$!
track "$PROXY_PID"
for i in $(seq 1 100); do
	grep -q 'listening on 127\.0\.0\.1:[0-9]' proxy.log 2>/dev/null && break
	sleep 0.1
done
PROXY=http://$(sed -En 's/.*listening on (127\.0\.0\.1:[0-9]+).*/\1/p' proxy.log | head -n 1)
[ "$PROXY" != "http://" ] || { say <proxy.log; bail "start connectproxy"; }

TLS_ENV=("DD_SITE=$SITE" "HTTPS_PROXY=$PROXY" "SSL_CERT_FILE=$TEST_TMP/tls/ca.pem" "SSL_CERT_DIR=$TEST_TMP/no-certs"
	"NO_PROXY=" "no_proxy=")
FETCH_ENV=("${TLS_ENV[@]}")
ok_fetch "DD_SITE=$SITE, no -api: fetch over HTTPS through the proxy, the test CA trusted" tls-ab tls-ab.pgo \
	-v service:alpha service:beta
check "over TLS: the base URL is https://app.$SITE" grep -Fq " api=https://app.$SITE" tls-ab.out
check "over TLS: the request went through the proxy to app.$SITE:443" grep -q "CONNECT app.$SITE:443: 200" proxy.log
check "over TLS: the store answered the gopgo request" grep -Eq 'POST /api/unstable/profiles/gopgo 200 ' tls-store.log
same "over TLS: the same bytes as over plain HTTP with -api" tls-ab.pgo ab.pgo
ok_fetch "DD_SITE over TLS, -endpoint list" tls-list tls-list.pgo -endpoint list service:alpha
same "over TLS, list: the same bytes" tls-list.pgo alpha.pgo
if $HAVE_DDPGO; then
	DDPGO_ENV=("${TLS_ENV[@]}")
	SIDE_HOW="over TLS (DD_SITE, HTTPS_PROXY, SSL_CERT_FILE; the same command line)"
	side tls-side -fail service:alpha service:beta
fi
FETCH_ENV=("DD_SITE=$SITE" "HTTPS_PROXY=$PROXY" "SSL_CERT_FILE=$TEST_TMP/tls/other-ca.pem" "SSL_CERT_DIR=$TEST_TMP/no-certs"
	"NO_PROXY=" "no_proxy=")
expect_failure tls-untrusted "POST https://app\.$SITE/api/unstable/profiles/gopgo: the server's TLS certificate is not trusted.*SSL_CERT_FILE" \
	service:alpha
# Without DD_SITE the base URL is https://app.datadoghq.com; the proxy refuses it (no request leaves the machine).
FETCH_ENV=("HTTPS_PROXY=$PROXY" "NO_PROXY=" "no_proxy=")
fetch default-site -timeout 5s service:alpha default-site.pgo
check_sh "without DD_SITE: https://app.datadoghq.com (asked of the proxy, which refuses), exit 0, nothing written" \
	'[ "$RC" = 0 ] && grep -q "CONNECT app.datadoghq.com:443: 403" proxy.log && [ ! -e default-site.pgo ] &&
	[ "$(n_log default-site "ERR POST https://app\.datadoghq\.com/api/unstable/profiles/gopgo: ")" = 1 ]'
FETCH_ENV=()

stop_server "$PROXY_PID"
stop_server "$STORE_PID"
check "the TLS store stops on SIGTERM with exit 0 (got $STATUS)" [ "$STATUS" = 0 ]

# ---- every run ------------------------------------------------------------------------

bad=""
for r in "${RUNS[@]}"; do
	sanitizer_clean "$r" || bad="$bad $r"
done
check "no sanitizer report on the stderr of the ${#RUNS[@]} fetch runs${bad:+ (reports:$bad)}" [ -z "$bad" ]
bad=""
for r in "${RUNS[@]}"; do
	[ -s "$r.err" ] && bad="$bad $r"
done
check "nothing on stderr from any fetch run${bad:+ (stderr:$bad)}" [ -z "$bad" ]
check "no sanitizer report from the plain store" sanitizer_clean store
check "no sanitizer report from the TLS store" sanitizer_clean tls-store
if grep -Eq ' 5[0-9][0-9] in=' store.log tls-store.log; then
	fail "the store answered no request with a 5xx"
	grep -E ' 5[0-9][0-9] in=' store.log tls-store.log | say
else
	pass "the store answered no request with a 5xx"
fi
echo "run took $(($(date +%s) - T0))s" | say
done_testing
