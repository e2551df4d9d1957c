#!/usr/bin/env bash
# Pyroscope's push (POST /ingest) into a real `pgotool serve`:
#  (1) Go programs using grafana/pyroscope-go v1.5.0 (tests/go-pyroscope/cmd/
#      pyroclient) push CPU and allocation profiles with a bearer token and
#      with basic auth: the CPU profiles are listed under service:APP with
#      the SDK's tags, the others are refused with a 422 that says why, a
#      client without the key stores nothing, and `pgotool fetch` merges the
#      stored profiles into a default.pgo that `go build -pgo` accepts;
#  (2) pushes made here with curl, for what the SDK does not send: a legacy
#      APP.cpu name, times in seconds, and bad names, times and bodies, each
#      refused with a 4xx naming the rule, and nothing stored for them.
# Needs go (mandatory in CI), python3, curl.
. "$(dirname "$0")/lib.sh"
. "$PGO_SRC/tests/cli/serve-lib.sh"
serve_require_tools
require_go
command -v python3 >/dev/null 2>&1 || {
	[ "${CI:-}" = "true" ] && { echo "FATAL: $test_name needs python3"; exit 1; }
	echo "SKIP: $test_name: python3 is not installed"
	exit 77
}
watchdog 900

bail() {
	fail "$*"
	done_testing
}

unset PGOTOOL_API HTTPS_PROXY https_proxy HTTP_PROXY http_proxy ALL_PROXY all_proxy NO_PROXY no_proxy
for v in $(env | sed -n 's/^\(DD_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
API_KEY=t5300-api-$RANDOM$RANDOM
APP_KEY=t5300-app-$RANDOM$RANDOM
GO_PYRO=$PGO_SRC/tests/go-pyroscope
CPU=$PGO_SRC/examples/profiles/burn-1.pprof
HEAP=$PGO_SRC/tests/data/heap.pprof
LOG=$TEST_TMP/build.log
py() { python3 - "$@"; }

(cd "$GO_PYRO" && timeout 600 go build -o "$TEST_TMP/pyroclient" ./cmd/pyroclient) 2>"$LOG" ||
	{ say <"$LOG"; bail "build tests/go-pyroscope/cmd/pyroclient with pyroscope-go"; }

start_server store --data data --intake-key --api-key "$API_KEY" --app-key "$APP_KEY" || bail "start pgotool serve"

# list OUT QUERY: the store's list answer for QUERY over the last hour.
list() {
	local from to
	from=$(iso -3600)
	to=$(iso 3600)
	http "$1" POST /api/unstable/profiles/list -H "DD-API-KEY: $API_KEY" -H "DD-APPLICATION-KEY: $APP_KEY" \
		-H 'Content-Type: application/json' \
		-d "{\"filter\":{\"from\":\"$from\",\"to\":\"$to\",\"query\":\"$2\"},\"limit\":1000}"
}
count() {
	py "$1" <<'EOF'
import json, sys
print(len(json.load(open(sys.argv[1]))["data"]))
EOF
}
# tags_of OUT: the tags of every listed profile, one a line, sorted and unique.
tags_of() {
	py "$1" <<'EOF'
import json, sys
print("\n".join(sorted({t for d in json.load(open(sys.argv[1]))["data"] for t in d["attributes"]["tags"]})))
EOF
}

# ---- (1) the real SDK --------------------------------------------------------------
"$TEST_TMP/pyroclient" -server "$URL" -app pyroapp -token "$API_KEY" -tags env=test,version=1.4.2,pgo=true \
	-types cpu,alloc -for 7s -upload 2s >bearer.out 2>&1 &
B1=$!
"$TEST_TMP/pyroclient" -server "$URL" -app pyrobasic -user anyone -password "$API_KEY" -tags env=test \
	-types cpu -for 7s -upload 2s >basic.out 2>&1 &
B2=$!
"$TEST_TMP/pyroclient" -server "$URL" -app pyronokey -tags env=test -types cpu -for 5s -upload 2s \
	>nokey.out 2>&1 &
B3=$!
track $B1
track $B2
track $B3
wait $B1 $B2 $B3

list bearer service:pyroapp
n=$(count bearer.body 2>/dev/null || echo 0)
check "pyroscope-go with a bearer token: its CPU profiles are stored (got $n, want at least 2)" test "$n" -ge 2
[ "$n" -ge 2 ] || { say <bearer.out; say <store.log; }
tags_of bearer.body >bearer.tags 2>/dev/null
for t in service:pyroapp env:test version:1.4.2 pgo:true source:pyroscope runtime:go language:go \
	process.runtime.name:go otel.scope.name:com.grafana.pyroscope/go; do
	check "... tagged $t" grep -qxF "$t" bearer.tags
done
check "... and the name's labels become no tag of their own" bash -c '! grep -q "{" bearer.tags'
check "the allocation profiles are refused with 422" grep -q 'POST /ingest 422' store.log
check "... saying the store keeps CPU profiles only" \
	grep -q 'not cpu/nanoseconds: the store keeps CPU profiles only' store.log
list basic service:pyrobasic
n=$(count basic.body 2>/dev/null || echo 0)
check "pyroscope-go with basic auth (the key as password): stored (got $n)" test "$n" -ge 2
list nokey service:pyronokey
n=$(count nokey.body 2>/dev/null || echo 1)
check "pyroscope-go without the key under --intake-key: nothing stored (got $n)" test "$n" -eq 0
check "... and the store said why" grep -q 'POST /ingest 40[13]' store.log

DD_API_KEY=$API_KEY DD_APP_KEY=$APP_KEY timeout 120 "$PGOTOOL" fetch -api "$URL" service:pyroapp default.pgo \
	>fetch.out 2>fetch.err
check "pgotool fetch merges the pushed profiles into default.pgo" test -s default.pgo
[ -s default.pgo ] || say <fetch.err
mkdir -p pgobuild
cp default.pgo pgobuild/
(cd "$GO_PYRO" && timeout 600 go build -pgo="$TEST_TMP/pgobuild/default.pgo" -o "$TEST_TMP/pyro-pgo" \
	./cmd/pyroclient) 2>"$LOG"
check "go build -pgo accepts it" test -x "$TEST_TMP/pyro-pgo"
[ -x "$TEST_TMP/pyro-pgo" ] || say <"$LOG"
"$PGOTOOL" edges default.pgo >edges.out 2>edges.err
check "its hot edges include the client's CPU loop" grep -q 'main.hashLoop' edges.out

# ---- (2) crafted pushes --------------------------------------------------------------
now=$(date +%s)
# push OUT QUERY [FILE]: a push of FILE (default: a CPU profile) as the SDK sends it.
push() {
	http "$1" POST "/ingest?$2" -H "Authorization: Bearer $API_KEY" \
		-F "profile=@${3:-$CPU};type=application/octet-stream;filename=profile.pprof"
}
push legacy "name=legacy.cpu%7Bregion%3Deu%7D&from=$now&until=$((now + 10))&spyName=gospy"
expect_code legacy 200 "a legacy APP.cpu name with times in seconds is stored"
list legacy-list service:legacy
check "... under service:legacy, with its label" bash -c "[ \"\$(python3 -c 'import json,sys; d=json.load(open(\"legacy-list.body\"))[\"data\"]; print(len(d), \"region:eu\" in d[0][\"attributes\"][\"tags\"] if d else False)')\" = '1 True' ]"
check "... at the time the push gave" grep -q "\"timestamp\": *\"$(date -u -d "@$now" +%Y-%m-%dT%H:%M:%S)" legacy-list.body

push noname "from=$now"
expect_error noname 400 "no name=: 400"
check "... saying what to send" grep -q 'want name=APP' noname.body
push open "name=x%7Ba%3Db"
expect_error open 400 "labels without their closing brace: 400"
push nokv "name=x%7Bab%7D"
expect_error nokv 400 "a label that is not key=value: 400"
push colon "name=x%7Ba%3Ab%3Dc%7D"
expect_error colon 400 "a label key with ':': 400"
push ctl "name=x%01y"
expect_error ctl 400 "a control character in the name: 400"
push badtime "name=t&from=yesterday"
expect_error badtime 400 "from= that is not a number: 400"
check "... naming the units it takes" grep -q 'seconds, milliseconds, microseconds or nanoseconds' badtime.body
push backwards "name=t&from=$((now + 10))&until=$now"
expect_error backwards 400 "until= before from=: 400"
push ahead "name=t&from=$((now + 3 * 86400))&until=$((now + 3 * 86400 + 10))"
expect_error ahead 400 "times days ahead of the store's clock: 400"
push junk "name=t&from=$now" "$PGO_SRC/README.md"
expect_error junk 400 "a profile part that is not pprof: 400"
check "... naming the part, and what it holds" grep -q 'profile: this is text, not a pprof profile (offset ' junk.body
check "... and the store's log line names the service (t) and the reason" \
	grep -q 'POST /ingest 400 .* service=t: .*this is text, not a pprof profile' store.log
push heap "name=t&from=$now" "$HEAP"
expect_error heap 422 "a heap profile: 422"
check "... listing its sample types" grep -q 'alloc_objects/count' heap.body
http nopart POST "/ingest?name=t" -H "Authorization: Bearer $API_KEY" -F "other=@$CPU;filename=x"
expect_error nopart 400 "no 'profile' part: 400"
http raw POST "/ingest?name=t" -H "Authorization: Bearer $API_KEY" -H 'Content-Type: application/octet-stream' \
	--data-binary "@$CPU"
expect_error raw 415 "a body that is not multipart: 415"
http wrongkey POST "/ingest?name=t" -H "Authorization: Bearer wrong" -F "profile=@$CPU;filename=profile.pprof"
check "a wrong bearer token: refused ($CODE)" test "$CODE" = 401 -o "$CODE" = 403
list t-list service:t
check "nothing refused was stored" test "$(count t-list.body)" -eq 0

stop_server "$PID"
check "the server stops cleanly" test "$STATUS" -eq 0
sanitizer_clean store
done_testing
