#!/usr/bin/env bash
# pgotool serve with real peers, unmodified:
#  (1) dd-trace-go v2's profiler (tests/go-ddtrace/cmd/ddprofclient) uploads to
#      the store as to a Datadog agent, built twice: plain (uploads tagged
#      pgo:false) and with -pgo (pgo:true); the uploads are then found through
#      profiles/list (tags, cpu cores, times, sort, limit, search syntax),
#      fetched through profiles/gopgo (a zip of valid pprof files) and
#      downloaded (a zip of the upload's attachments);
#  (2) the store is stopped with SIGTERM and started again over HTTPS on the
#      same data, and a datadog-pgo client fetches a default.pgo from it the
#      way it fetches from Datadog: https://app.$DD_SITE, here reached through
#      tests/go/cmd/connectproxy (HTTPS_PROXY) with a CA made for the test
#      (SSL_CERT_FILE). The default.pgo must build the client with -pgo.
#      Wrong keys and empty results must make the client's -fail exit nonzero.
#      The client is the real, unmodified datadog-pgo when
#      `go install github.com/DataDog/datadog-pgo@latest` works. The module
#      proxy may refuse that module (it answers 403 "This module version is
#      not available" on this project's machines); then a "note:" line says
#      so and tests/go-ddpgo runs instead: the project's own stand-in,
#      written from the protocol (same command line, same request, merged
#      with google/pprof as datadog-pgo does). Check names say which client
#      ran.
# Needs go (mandatory in CI), python3, curl and openssl; Go modules come from
# the module proxy (cached in GOMODCACHE after the first run).
# PGO_KEEP_TMP=1 keeps the work directory; diagnostics go to stderr as "# ".
. "$(dirname "$0")/lib.sh"
require_go
set -o pipefail

say() { sed 's/^/# /' >&2; }
bail() {
	fail "$*"
	done_testing
}

for tool in python3 curl openssl; do
	if ! command -v $tool >/dev/null 2>&1; then
		[ "${CI:-}" = "true" ] && { echo "FATAL: $tool is required in CI"; exit 1; }
		echo "SKIP: $test_name: $tool is not installed"
		exit 77
	fi
done
# dd-trace-go v2.12 needs go 1.26.
go_minor=$(go env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
if [ "${go_minor:-0}" -lt 26 ]; then
	[ "${CI:-}" = "true" ] && { echo "FATAL: dd-trace-go v2 needs go >= 1.26, have $(go env GOVERSION)"; exit 1; }
	echo "SKIP: $test_name: dd-trace-go v2 needs go >= 1.26, have $(go env GOVERSION)"
	exit 77
fi

GO_DD="$PGO_SRC/tests/go-ddtrace"
GO_PROGS="$PGO_SRC/tests/go"
GO_DDPGO="$PGO_SRC/tests/go-ddpgo"
DPGO_MOD=github.com/DataDog/datadog-pgo
SEED_PGO="$PGO_SRC/examples/profiles/burn-1.pprof"
SERVICE=pgotool-test-client
DDENV=t5000-$$
API_KEY=api-$RANDOM$RANDOM
APP_KEY=app-$RANDOM$RANDOM
SITE=pgotool.test
PERIOD=2s
BURN=${PGO_T5000_BURN:-5s}
LOG="$TEST_TMP/stderr.log"
export PPROF_BINARY_PATH="$TEST_TMP/no-binaries"
# Only the settings made here reach the clients.
for v in $(env | sed -n 's/^\(DD_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
export DD_TRACE_STARTUP_LOGS=false

# ---- processes: every one we start is recorded and stopped on exit ----
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
	done
	if [ -n "${PGO_KEEP_TMP:-}" ]; then
		echo "keeping $TEST_TMP" | say
	else
		rm -rf "$TEST_TMP"
	fi
}
trap cleanup EXIT

# run CMD...: run a command with its stderr in $LOG; on failure show it.
run() {
	if "$@" 2>"$LOG"; then return 0; fi
	echo "command failed: $*" | say
	tail -n 20 "$LOG" | say
	return 1
}

# wait_for_line FILE REGEX SECONDS: until a line of FILE matches.
wait_for_line() {
	local i
	for i in $(seq $(($3 * 10))); do
		grep -Eq "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# stop_pid PID SECONDS: SIGTERM, wait at most SECONDS; the exit status (or
# "timeout") in STOP_RC.
STOP_RC=
stop_pid() {
	local i
	STOP_RC=timeout
	kill -TERM "$1" 2>/dev/null || { STOP_RC=gone; return 1; }
	for i in $(seq $(($2 * 10))); do
		if ! kill -0 "$1" 2>/dev/null; then
			wait "$1"
			STOP_RC=$?
			return 0
		fi
		sleep 0.1
	done
	return 1
}

STORE_PID=
STORE_URL=
# start_store LOGFILE [serve options]: start pgotool serve on a free port.
start_store() {
	local logf=$1; shift
	"$PGOTOOL" serve --listen 127.0.0.1:0 --data "$TEST_TMP/data" \
		--api-key "$API_KEY" --app-key "$APP_KEY" "$@" >"$logf" 2>&1 &
	STORE_PID=$!
	PIDS+=("$STORE_PID")
	if ! wait_for_line "$logf" 'listening on https?://127\.0\.0\.1:[0-9]+' 20; then
		echo "pgotool serve did not say where it listens:" | say
		say <"$logf"
		return 1
	fi
	STORE_URL=$(sed -En 's|.*listening on (https?://127\.0\.0\.1:[0-9]+).*|\1|p' "$logf" | head -n 1)
}

# iso SECONDS_FROM_NOW: a UTC time the way the query API takes it.
iso() { date -u -d "@$(($(date +%s) + $1))" +%Y-%m-%dT%H:%M:%SZ; }

# search QUERY LIMIT [FROM TO]: a search object as datadog-pgo builds it.
search() {
	printf '{"filter":{"from":"%s","to":"%s","query":"%s"},"sort":{"order":"desc","field":"@metrics.core_cpu_cores"},"limit":%s}' \
		"${3:-$(iso -3600)}" "${4:-$(iso 60)}" "$1" "$2"
}

# api METHOD PATH BODY OUT [curl options]: call the query API with the keys;
# prints the HTTP status.
api() {
	local method=$1 path=$2 body=$3 out=$4; shift 4
	local data=()
	[ -n "$body" ] && data=(--data-binary "$body")
	curl -sS --noproxy '*' --max-time 30 -o "$out" -w '%{http_code}' -X "$method" \
		-H "DD-API-KEY: $API_KEY" -H "DD-APPLICATION-KEY: $APP_KEY" \
		-H 'Content-Type: application/json' "${data[@]}" "$@" "$STORE_URL$path" 2>>"$LOG"
}

# list QUERY LIMIT OUT: profiles/list; passes on a 200.
list() {
	local st
	st=$(api POST /api/unstable/profiles/list "$(search "$1" "$2")" "$3")
	[ "$st" = 200 ] && return 0
	echo "profiles/list '$1' answered $st: $(head -c 300 "$3")" | say
	return 1
}

# py: python3 reading a program from stdin with the given arguments.
py() { python3 - "$@"; }

# ids FILE: the profile ids of a list answer, one a line, in answer order.
ids() {
	py "$1" <<'EOF'
import json, sys
for d in json.load(open(sys.argv[1]))["data"]:
    print(d["attributes"]["id"])
EOF
}

# count FILE: how many entries a list answer has.
count() {
	py "$1" <<'EOF'
import json, sys
print(len(json.load(open(sys.argv[1]))["data"]))
EOF
}

# ---- build: the client twice, the proxy, datadog-pgo ----
(cd "$GO_DD" && timeout 600 go build -o "$TEST_TMP/client" ./cmd/ddprofclient) 2>"$LOG" ||
	{ say <"$LOG"; bail "build tests/go-ddtrace/cmd/ddprofclient with dd-trace-go v2"; }
cp "$SEED_PGO" "$TEST_TMP/seed.pgo"
(cd "$GO_DD" && timeout 600 go build -pgo="$TEST_TMP/seed.pgo" -o "$TEST_TMP/client-pgo" ./cmd/ddprofclient) \
	2>"$LOG" || { say <"$LOG"; bail "build ddprofclient with -pgo"; }
(cd "$GO_PROGS" && timeout 300 go build -o "$TEST_TMP/connectproxy" ./cmd/connectproxy) 2>"$LOG" ||
	{ say <"$LOG"; bail "build tests/go/cmd/connectproxy"; }
# datadog-pgo: the real tool from the module proxy if it gives it out, else
# the project's stand-in. CLIENT names the one that runs in check names;
# FOUND_MSG is the message of its log line per profile (with profile-id).
use_standin() {
	(cd "$GO_DDPGO" && timeout 300 go build -o "$TEST_TMP/ddpgo" .) 2>"$LOG" ||
		{ say <"$LOG"; bail "build tests/go-ddpgo (ddpgo)"; }
	DPGO=$TEST_TMP/ddpgo
	CLIENT="ddpgo (stand-in)"
	FOUND_MSG="found profile"
	FAIL_EP=gopgo # its only request
}
if GOFLAGS=-mod=readonly GOBIN="$TEST_TMP/bin" timeout 300 go install "$DPGO_MOD@latest" >dpgo-install.log 2>&1; then
	DPGO=$TEST_TMP/bin/datadog-pgo
	CLIENT="datadog-pgo $(go version -m "$DPGO" | awk '$1 == "mod" { print $3; exit }')"
	FOUND_MSG="extracted profile"
	FAIL_EP=gopgo
	echo "# running the real $CLIENT from the module proxy"
else
	# "reading https://proxy.golang.org/...: 403 Forbidden" (404 and 410 too)
	refused=$(sed -En 's#.*reading https?://[^ ]*: (403|404|410) .*#\1#p' dpgo-install.log | head -n 1)
	if [ -n "$refused" ]; then
		echo "note: the Go module proxy refuses $DPGO_MOD ($refused); using tests/go-ddpgo, the project's stand-in that speaks its protocol"
	else
		fail "go install $DPGO_MOD@latest"
		tail -n 10 dpgo-install.log | say
		echo "note: go install $DPGO_MOD@latest failed; using tests/go-ddpgo, the project's stand-in that speaks its protocol"
	fi
	use_standin
fi
check "the plain client is not built with PGO" bash -c "! go version -m client | grep -q -- '-pgo='"
check "the PGO client is built with PGO" bash -c "go version -m client-pgo | grep -q -- '-pgo='"

# ---- (1) dd-trace-go uploads to the store as to an agent ----
start_store serve1.log || bail "start pgotool serve"
echo "store at $STORE_URL" | say
T0=$(date +%s)
DD_TRACE_AGENT_URL=$STORE_URL DD_ENV=$DDENV DD_TAGS=build:plain timeout 60 ./client -service $SERVICE -period $PERIOD -burn "$BURN" \
	>client.log 2>&1 &
PLAIN_PID=$!
PIDS+=("$PLAIN_PID")
DD_TRACE_AGENT_URL=$STORE_URL DD_ENV=$DDENV DD_TAGS=build:pgo timeout 60 ./client-pgo -service $SERVICE -period $PERIOD -burn "$BURN" \
	>client-pgo.log 2>&1 &
PGO_PID=$!
PIDS+=("$PGO_PID")
wait "$PLAIN_PID"; plain_rc=$?
wait "$PGO_PID"; pgo_rc=$?
T1=$(date +%s)
check "the plain client ran (exit $plain_rc)" [ "$plain_rc" = 0 ]
check "the PGO client ran (exit $pgo_rc)" [ "$pgo_rc" = 0 ]
if grep -Eiq 'failed to upload|error' client.log client-pgo.log; then
	fail "the clients logged no upload errors"
	grep -Ei 'failed to upload|error' client.log client-pgo.log | cut -c1-400 | say
else
	pass "the clients logged no upload errors"
fi
n_uploads=$(grep -Ec 'POST /profiling/v1/input 200' serve1.log)
check "the store answered 200 to the profiler's uploads ($n_uploads)" [ "$n_uploads" -ge 4 ]
if grep -E 'POST /profiling/v1/input' serve1.log | grep -Evq ' 200 '; then
	fail "no upload got another status"
	grep -E 'POST /profiling/v1/input' serve1.log | grep -Ev ' 200 ' | say
else
	pass "no upload got another status"
fi

# list: everything of this service and env, then check every entry.
list "service:$SERVICE env:$DDENV runtime:go" 100 all.json || bail "profiles/list answers"
n_all=$(count all.json)
check "profiles/list finds every upload ($n_all of $n_uploads)" [ "$n_all" = "$n_uploads" ]
if py all.json $SERVICE $DDENV $((T0 - 2)) $((T1 + 2)) >check-list.txt 2>&1 <<'EOF'; then
import json, sys, datetime
f, service, env, t0, t1 = sys.argv[1:]
t0, t1 = int(t0), int(t1)
data = json.load(open(f))["data"]
bad = []
def err(i, msg):
    bad.append("entry %d: %s" % (i, msg))
want = {"build:plain": "pgo:false", "build:pgo": "pgo:true"}
ids, eids, cores = set(), set(), []
per_build, rids = {}, {}
for i, d in enumerate(data):
    a = d.get("attributes", {})
    if d.get("type") != "profile": err(i, "type %r" % d.get("type"))
    if not d.get("id"): err(i, "no event id")
    if not a.get("id"): err(i, "no profile id")
    ids.add(a.get("id")); eids.add(d.get("id"))
    if a.get("service") != service: err(i, "service %r" % a.get("service"))
    tags = a.get("tags", [])
    for t in ("service:" + service, "env:" + env, "runtime:go", "profile-id:%s" % a.get("id")):
        if t not in tags: err(i, "no tag %s in %s" % (t, tags))
    builds = [t for t in tags if t.startswith("build:")]
    if len(builds) != 1 or builds[0] not in want:
        err(i, "DD_TAGS tags %s, want one of %s" % (builds, list(want)))
    else:
        b = builds[0]
        per_build[b] = per_build.get(b, 0) + 1
        rids.setdefault(b, set()).update(t for t in tags if t.startswith("runtime-id:"))
        other = "pgo:true" if want[b] == "pgo:false" else "pgo:false"
        if want[b] not in tags or other in tags:
            err(i, "%s: want %s, tags %s" % (b, want[b], tags))
    c = a.get("custom", {}).get("metrics", {}).get("core_cpu_cores")
    if not isinstance(c, (int, float)) or not c > 0: err(i, "core_cpu_cores %r" % c)
    else: cores.append(c)
    dn = a.get("duration_nanos")
    if not isinstance(dn, (int, float)) or not 0 < dn <= 10e9: err(i, "duration_nanos %r" % dn)
    ts = a.get("timestamp", "")
    try:
        if not ts.endswith("Z"): raise ValueError("no Z")
        sec = datetime.datetime.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc).timestamp()
        if not t0 <= sec <= t1: err(i, "timestamp %s not within the run [%d, %d]" % (ts, t0, t1))
    except ValueError as e:
        err(i, "timestamp %r: %s" % (ts, e))
if len(ids) != len(data) or len(eids) != len(data): bad.append("ids not unique")
if cores != sorted(cores, reverse=True): bad.append("not sorted by core_cpu_cores desc: %s" % cores)
for b in want:
    if per_build.get(b, 0) < 2: bad.append("%s (%s): %d uploads, want >= 2" % (b, want[b], per_build.get(b, 0)))
    if len(rids.get(b, ())) != 1: bad.append("%s: runtime-id tags %s, want one" % (b, rids.get(b)))
print("\n".join(bad) or "ok: %d profiles, %s, cores %s" % (len(data), per_build, cores))
sys.exit(1 if bad else 0)
EOF
	pass "list entries: service, env, runtime:go, pgo tag per build, cpu cores > 0, times, sort"
else
	fail "list entries: service, env, runtime:go, pgo tag per build, cpu cores > 0, times, sort"
	head -n 30 check-list.txt | say
fi

# counts of the builds' uploads
tagged() { # FILE TAG: how many entries of a list answer carry TAG
	py "$1" "$2" <<<'import json,sys; print(sum(sys.argv[2] in d["attributes"]["tags"] for d in json.load(open(sys.argv[1]))["data"]))'
}
n_plain=$(tagged all.json build:plain)
n_pgo=$(tagged all.json build:pgo)

# list with the search syntax
expect_list() { # DESC QUERY N [must-have tag]
	local desc=$1 q=$2 n=$3 tag=${4:-}
	if ! list "$q" 100 q.json; then fail "$desc"; return; fi
	local got ok=true
	got=$(count q.json)
	[ "$got" = "$n" ] || ok=false
	if [ -n "$tag" ] && [ "$got" != 0 ] &&
		! py q.json "$tag" <<<'import json,sys; sys.exit(0 if all(sys.argv[2] in d["attributes"]["tags"] for d in json.load(open(sys.argv[1]))["data"]) else 1)'; then
		ok=false
	fi
	if $ok; then pass "$desc"; else fail "$desc: '$q' found $got, want $n${tag:+ all with $tag}"; fi
}
expect_list "search 'runtime:go -pgo:true' finds only the plain build" \
	"runtime:go -pgo:true env:$DDENV" "$n_plain" pgo:false
expect_list "search 'pgo:true' finds only the PGO build" "pgo:true env:$DDENV" "$n_pgo" pgo:true
expect_list "search 'NOT pgo:false' finds only the PGO build" "service:$SERVICE NOT pgo:false" "$n_pgo" pgo:true
expect_list "search by a DD_TAGS tag: build:pgo" "build:pgo env:$DDENV" "$n_pgo" pgo:true
expect_list "search by both DD_TAGS tags: build:plain OR build:pgo" "env:$DDENV (build:plain OR build:pgo)" "$n_all"
expect_list "search with a wildcard: service:pgotool-test-*" "service:pgotool-test-* runtime:go" "$n_all"
expect_list "search with alternatives: pgo:(true OR false)" "env:$DDENV pgo:(true OR false)" "$n_all"
expect_list "search language:go (the other facet datadog-pgo accepts)" "language:go service:$SERVICE" "$n_all"
expect_list "search on a cpu metric: @metrics.core_cpu_cores:>0" "service:$SERVICE @metrics.core_cpu_cores:>0" "$n_all"
expect_list "search for another service finds nothing" "service:no-such-service runtime:go" 0
expect_list "search for another env finds nothing" "service:$SERVICE env:prod" 0
mapfile -t ALL_IDS < <(ids all.json)
expect_list "search profile-id:(A OR B), datadog-pgo's debug query" \
	"profile-id:(${ALL_IDS[0]} OR ${ALL_IDS[$((n_all - 1))]})" 2
if list "service:$SERVICE" 2 lim.json && [ "$(ids lim.json | tr '\n' ' ')" = "${ALL_IDS[0]} ${ALL_IDS[1]} " ]; then
	pass "limit 2 gives the first two of the full answer"
else
	fail "limit 2 gives the first two of the full answer"
fi
st=$(api POST /api/unstable/profiles/list "$(search "service:$SERVICE" 10 "$(iso -7200)" "$(iso -3600)")" old.json)
if [ "$st" = 200 ] && [ "$(count old.json)" = 0 ]; then
	pass "a time window before the uploads finds nothing"
else
	fail "a time window before the uploads finds nothing (HTTP $st: $(head -c 200 old.json))"
fi

# auth
for hdr in "wrong API key" "wrong app key" "no keys"; do
	case $hdr in
	"wrong API key") h=(-H "DD-API-KEY: nope" -H "DD-APPLICATION-KEY: $APP_KEY") ;;
	"wrong app key") h=(-H "DD-API-KEY: $API_KEY" -H "DD-APPLICATION-KEY: nope") ;;
	*) h=() ;;
	esac
	st=$(curl -sS --noproxy '*' --max-time 30 -o auth.json -w '%{http_code}' -X POST "${h[@]}" \
		-H 'Content-Type: application/json' --data-binary "$(search "service:$SERVICE" 5)" \
		"$STORE_URL/api/unstable/profiles/list" 2>>"$LOG")
	if [ "$st" = 403 ] && grep -q '"errors"' auth.json && ! grep -q "$SERVICE" auth.json; then
		pass "profiles/list with $hdr: 403 with an errors body"
	else
		fail "profiles/list with $hdr: 403 with an errors body (got $st: $(head -c 200 auth.json))"
	fi
done

# gopgo: the best 2 plain profiles and every PGO one, as a zip of pprof files
mapfile -t PLAIN_IDS < <(list "runtime:go -pgo:true env:$DDENV" 2 p2.json && ids p2.json)
mapfile -t PGO_IDS < <(list "pgo:true env:$DDENV" 100 p1.json && ids p1.json)
body="{\"queries\":[$(search "runtime:go -pgo:true env:$DDENV" 2),$(search "pgo:true env:$DDENV" 100)]}"
st=$(api POST /api/unstable/profiles/gopgo "$body" gopgo.zip)
check "profiles/gopgo answers 200 (got $st)" [ "$st" = 200 ]
mkdir -p gopgo
if py gopgo.zip gopgo >gopgo.names 2>"$LOG" <<'EOF'; then
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for i in z.infolist():
    if "/" in i.filename or i.filename.startswith("."):
        sys.exit("bad entry name %r" % i.filename)
    open(sys.argv[2] + "/" + i.filename, "wb").write(z.read(i))
    print(i.filename)
EOF
	want=$(printf '%s\n' "${PLAIN_IDS[@]}" "${PGO_IDS[@]}" | sort)
	got=$(sort gopgo.names)
	if [ "$got" = "$want" ] && [ "$(wc -l <gopgo.names)" = $((2 + n_pgo)) ]; then
		pass "gopgo zip has one entry per matching profile, named by profile id ($((2 + n_pgo)))"
	else
		fail "gopgo zip has one entry per matching profile, named by profile id"
		{ echo "want:"; echo "$want"; echo "got:"; echo "$got"; } | say
	fi
	n_ok=0
	n_main=0
	for f in gopgo/*; do
		magic=$(head -c 4 "$f" | od -An -tx1 | tr -d ' \n')
		if [ "$magic" != 28b52ffd ] && run go tool pprof -raw "$f" >"$f.raw" && run "$PGOTOOL" edges "$f" >"$f.edges" &&
			grep -q '^PeriodType: cpu nanoseconds' "$f.raw" && grep -q '^GO PREPROFILE V1' "$f.edges"; then
			n_ok=$((n_ok + 1))
			grep -q 'main\.fib' "$f.raw" && n_main=$((n_main + 1))
		else
			echo "$f: magic $magic" | say
		fi
	done
	check "every gopgo entry is a CPU pprof (not zstd) that go tool pprof and pgotool edges read ($n_ok)" \
		[ "$n_ok" = "$(wc -l <gopgo.names)" ]
	check "the gopgo profiles sample the client's hot function main.fib ($n_main)" [ "$n_main" -ge 1 ]
else
	say <"$LOG"
	fail "gopgo answer is a zip"
fi
body="{\"queries\":[$(search "service:no-such-service" 5)]}"
st=$(api POST /api/unstable/profiles/gopgo "$body" none.out)
check "gopgo with nothing matching answers 404 (got $st)" [ "$st" = 404 ]

# download: one upload's attachments
EVENT_ID=$(py all.json <<<'import json,sys; print(json.load(open(sys.argv[1]))["data"][0]["id"])')
st=$(api GET "/api/ui/profiling/profiles/${ALL_IDS[0]}/download?eventId=$EVENT_ID" "" dl.zip)
check "download answers 200 (got $st)" [ "$st" = 200 ]
mkdir -p dl
if py dl.zip dl >dl.names 2>"$LOG" <<'EOF'; then
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for i in z.infolist():
    if "/" in i.filename or i.filename.startswith("."):
        sys.exit("bad entry name %r" % i.filename)
    open(sys.argv[2] + "/" + i.filename, "wb").write(z.read(i))
    print(i.filename)
EOF
	check "the download has cpu.pprof, delta-heap.pprof and metrics.json ($(tr '\n' ' ' <dl.names))" \
		bash -c 'grep -qx cpu.pprof dl.names && grep -qx delta-heap.pprof dl.names && grep -qx metrics.json dl.names'
	# What datadog-pgo's download path does with it: google/pprof's profile.ParseData
	# (gzip or raw pprof), which go tool pprof uses too.
	if run go tool pprof -raw dl/cpu.pprof >dl/cpu.raw && grep -q 'main\.fib' dl/cpu.raw; then
		pass "the downloaded cpu.pprof is a profile go tool pprof reads (as datadog-pgo would parse it)"
	else
		fail "the downloaded cpu.pprof is a profile go tool pprof reads (as datadog-pgo would parse it)"
		echo "cpu.pprof starts with $(head -c 4 dl/cpu.pprof | od -An -tx1)" | say
	fi
	if py dl/metrics.json <<<'import json,sys; json.load(open(sys.argv[1]))' 2>"$LOG"; then
		pass "the downloaded metrics.json is JSON"
	else
		fail "the downloaded metrics.json is JSON"
		echo "metrics.json starts with $(head -c 4 dl/metrics.json | od -An -tx1)" | say
	fi
	check "pgotool edges reads the downloaded cpu.pprof" run "$PGOTOOL" edges -o dl/edges.txt dl/cpu.pprof
	check "the edges of the downloaded cpu.pprof are not empty" test "$(wc -l <dl/edges.txt)" -gt 4
else
	say <"$LOG"
	fail "download answer is a zip"
fi
st=$(api GET "/api/ui/profiling/profiles/${ALL_IDS[0]}/download?eventId=no-such-event" "" dl404.out)
check "download with a wrong eventId answers 404 (got $st)" [ "$st" = 404 ]
st=$(curl -sS --noproxy '*' --max-time 30 -o dl403.out -w '%{http_code}' -H "DD-API-KEY: nope" -H "DD-APPLICATION-KEY: $APP_KEY" \
	"$STORE_URL/api/ui/profiling/profiles/${ALL_IDS[0]}/download?eventId=$EVENT_ID" 2>>"$LOG")
check "download with a wrong API key answers 403 (got $st)" [ "$st" = 403 ]

# ---- (2) restart over HTTPS, datadog-pgo through a CONNECT proxy ----
stop_pid "$STORE_PID" 20
check "pgotool serve stops on SIGTERM with exit 0 (got $STOP_RC)" [ "$STOP_RC" = 0 ]

make_tls tls "app.$SITE" "pgotool t5000 throwaway CA" ||
	{ say <tls/openssl.log; bail "make a CA and a certificate for app.$SITE"; }

start_store serve2.log --tls-cert tls/server.pem --tls-key tls/server.key || bail "start pgotool serve with TLS"
check "the TLS store listens on https ($STORE_URL)" bash -c "[[ '$STORE_URL' == https://* ]]"
check "the restarted store has the $n_all profiles" grep -q "($n_all profiles)" serve2.log
STORE_PORT=${STORE_URL##*:}

./connectproxy -allow "app.$SITE:443" -to "127.0.0.1:$STORE_PORT" >proxy.log 2>&1 &
PROXY_PID=$!
PIDS+=("$PROXY_PID")
wait_for_line proxy.log 'listening on 127\.0\.0\.1:[0-9]+' 20 || { say <proxy.log; bail "start connectproxy"; }
PROXY=http://$(sed -En 's/.*listening on (127\.0\.0\.1:[0-9]+).*/\1/p' proxy.log | head -n 1)
echo "proxy at $PROXY" | say

APP=https://app.$SITE
st=$(curl -sS --max-time 30 --proxy "$PROXY" --cacert tls/ca.pem -o tls-list.json -w '%{http_code}' -X POST \
	-H "DD-API-KEY: $API_KEY" -H "DD-APPLICATION-KEY: $APP_KEY" -H 'Content-Type: application/json' \
	--data-binary "$(search "service:$SERVICE" 100)" "$APP/api/unstable/profiles/list" 2>"$LOG")
if [ "$st" = 200 ] && [ "$(count tls-list.json)" = "$n_all" ]; then
	pass "$APP/api/unstable/profiles/list through the proxy, certificate checked: all $n_all profiles"
else
	fail "$APP/api/unstable/profiles/list through the proxy (HTTP $st)"
	say <"$LOG"
fi
curl -sS --max-time 10 --proxy "$PROXY" -o /dev/null "https://other.$SITE/" >/dev/null 2>&1
check "the proxy refuses another destination" grep -q "CONNECT other.$SITE:443: 403" proxy.log

# datadog_pgo ARGS...: the client (datadog-pgo or the stand-in) against the
# store.
datadog_pgo() {
	DD_SITE=$SITE DD_API_KEY=${KEY:-$API_KEY} DD_APP_KEY=$APP_KEY HTTPS_PROXY=$PROXY \
		SSL_CERT_FILE="$TEST_TMP/tls/ca.pem" SSL_CERT_DIR=/nonexistent NO_PROXY= no_proxy= \
		timeout 120 "$DPGO" "$@"
}

datadog_pgo -fail -json "service:$SERVICE" default.pgo >dpgo.log 2>&1
rc=$?
if [ "$rc" = 0 ] && [ -s default.pgo ] && grep -q '"msg":"wrote PGO file"' dpgo.log; then
	pass "$CLIENT -fail 'service:$SERVICE' default.pgo"
else
	fail "$CLIENT -fail 'service:$SERVICE' default.pgo (exit $rc)"
	head -n 20 dpgo.log | cut -c1-400 | say
	tail -n 5 serve2.log | say
fi
check "$CLIENT went through the proxy to app.$SITE" grep -q "CONNECT app.$SITE:443: 200" proxy.log
check "the store answered $CLIENT's gopgo request" grep -Eq 'POST /api/unstable/profiles/gopgo 200' serve2.log
# The client asks for 5 profiles by core_cpu_cores desc: the first 5 of the list.
if py dpgo.log "$FOUND_MSG" "${ALL_IDS[@]:0:5}" >dpgo-check.txt 2>&1 <<'EOF'; then
import json, sys, re
want = sorted(sys.argv[3:])
extracted, q = [], None
for line in open(sys.argv[1]):
    try: r = json.loads(line)
    except ValueError: continue
    if r.get("msg") == sys.argv[2]: extracted.append(r.get("profile-id"))
    if r.get("msg") == "wrote PGO file":
        q = r.get("debug-query", "")
        if not r.get("samples", 0) > 0: sys.exit("samples %r" % r.get("samples"))
m = re.fullmatch(r"profile-id:\((.*)\)", q or "")
got = sorted(m.group(1).split(" OR ")) if m else None
print("want", want, "logged", sorted(extracted), "debug query", q)
sys.exit(0 if sorted(extracted) == want and got == want else 1)
EOF
	pass "$CLIENT used the 5 profiles with most CPU, as the list endpoint ranks them"
else
	fail "$CLIENT used the 5 profiles with most CPU, as the list endpoint ranks them"
	say <dpgo-check.txt
fi
if run "$PGOTOOL" edges default.pgo >default.edges && grep -q '^main\.fib$' default.edges; then
	pass "pgotool edges reads $CLIENT's default.pgo ($(($(wc -l <default.edges) / 3)) edges, main.fib among them)"
else
	fail "pgotool edges reads $CLIENT's default.pgo with the client's main.fib"
fi
if (cd "$GO_DD" && timeout 600 go build -pgo="$TEST_TMP/default.pgo" -o "$TEST_TMP/client-fetched-pgo" ./cmd/ddprofclient) \
	2>"$LOG" && go version -m client-fetched-pgo | grep -q -- "-pgo=$TEST_TMP/default.pgo"; then
	pass "go build -pgo=default.pgo of the client accepts $CLIENT's file"
else
	fail "go build -pgo=default.pgo of the client accepts $CLIENT's file"
	say <"$LOG"
fi

# The query that finds Go services not yet built with PGO, as datadog-pgo users send it.
rm -f notpgo.pgo
datadog_pgo -fail -json -profiles 100 'runtime:go -pgo:true' notpgo.pgo >dpgo2.log 2>&1
rc=$?
n_ex=$(grep -c "\"msg\":\"$FOUND_MSG\"" dpgo2.log)
if [ "$rc" = 0 ] && [ -s notpgo.pgo ] && [ "$n_ex" = "$n_plain" ] &&
	! grep -Fq -f <(printf '%s\n' "${PGO_IDS[@]}") dpgo2.log; then
	pass "$CLIENT 'runtime:go -pgo:true' uses only the plain build's $n_plain profiles"
else
	fail "$CLIENT 'runtime:go -pgo:true' uses only the plain build's $n_plain profiles (exit $rc, $n_ex profiles)"
	head -n 20 dpgo2.log | cut -c1-400 | say
fi

# Failures: nonzero with -fail, no DEST written; exit 0 without -fail.
rm -f bad.pgo
KEY=wrong-key datadog_pgo -fail "service:$SERVICE" bad.pgo >dpgo-bad.log 2>&1
rc=$?
if [ "$rc" != 0 ] && [ ! -e bad.pgo ] && grep -q '403' dpgo-bad.log; then
	pass "$CLIENT -fail with a wrong API key exits $rc on the 403 and writes nothing"
else
	fail "$CLIENT -fail with a wrong API key exits nonzero on a 403 (exit $rc)"
	head -n 10 dpgo-bad.log | say
fi
check "the store logged the 403 to $CLIENT's $FAIL_EP request" grep -Eq "POST /api/unstable/profiles/$FAIL_EP 403" serve2.log
KEY=wrong-key datadog_pgo "service:$SERVICE" bad.pgo >dpgo-bad2.log 2>&1
rc=$?
check "without -fail $CLIENT exits 0 after the 403 (got $rc), says so and writes nothing" \
	bash -c "[ $rc = 0 ] && [ ! -e bad.pgo ] && grep -q 'exit code 0' dpgo-bad2.log"
datadog_pgo -fail 'service:no-such-service' none.pgo >dpgo-none.log 2>&1
rc=$?
check "$CLIENT -fail with no matching profiles exits nonzero (got $rc) on the 404" \
	bash -c "[ $rc != 0 ] && [ ! -e none.pgo ] && grep -q '404' dpgo-none.log"

stop_pid "$PROXY_PID" 10
stop_pid "$STORE_PID" 20
check "the TLS store stops on SIGTERM with exit 0 (got $STOP_RC)" [ "$STOP_RC" = 0 ]
if grep -Eq ' (5[0-9][0-9]) in=' serve1.log serve2.log; then
	fail "the store answered no request with a 5xx"
	grep -E ' 5[0-9][0-9] in=' serve1.log serve2.log | say
else
	pass "the store answered no request with a 5xx"
fi
echo "run took $(($(date +%s) - T0))s after the builds" | say
done_testing
