#!/usr/bin/env bash
# pgotool serve --scrape FILE against real Go services (tests/go/cmd/pprofserve
# burns CPU and serves net/http/pprof):
#  (1) the targets' CPU profiles are stored with their labels, source:scraper
#      and runtime:go; pgotool fetch merges them and go build -pgo takes the
#      result;
#  (2) a target that goes down is logged once as down, backed off, and
#      scraped again when it comes back;
#  (3) SIGHUP reads the file again: a target added is scraped, one removed
#      is not; a bad file is refused in the log and the targets stay;
#  (3b) a bearer token (from a file), basic auth, and HTTPS with the test CA
#      (tls_config.ca_file) each get profiles; without the token the target
#      is down with HTTP 401, and HTTPS without the CA with a certificate error;
#  (4) hostile targets (a slow body, an endless body, a gzip bomb, random
#      bytes, a heap profile, a 500) are each logged down with the reason,
#      nothing of them is stored, the server stays small, and the good
#      target beside them is still scraped;
#  (5) a bad file at startup is refused with FILE:LINE:COLUMN and the rule.
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
API_KEY=t5400-api-$RANDOM$RANDOM
APP_KEY=t5400-app-$RANDOM$RANDOM
GO_PROGS=$PGO_SRC/tests/go
LOG=$TEST_TMP/build.log
py() { python3 - "$@"; }

(cd "$GO_PROGS" && timeout 600 go build -o "$TEST_TMP/pprofserve" ./cmd/pprofserve) 2>"$LOG" ||
	{ say <"$LOG"; bail "build tests/go/cmd/pprofserve"; }

# service NAME [LISTEN]: starts pprofserve; sets SVC_PID and SVC_ADDR.
service() {
	rm -f "$1.addr"
	"$TEST_TMP/pprofserve" -listen "${2:-127.0.0.1:0}" -addr-file "$1.addr" >"$1.svc.log" 2>&1 &
	SVC_PID=$!
	track $SVC_PID
	for _ in $(seq 100); do
		[ -s "$1.addr" ] && break
		sleep 0.1
	done
	SVC_ADDR=$(cat "$1.addr" 2>/dev/null)
	[ -n "$SVC_ADDR" ]
}

# list OUT QUERY: the store's list answer for QUERY over the last hour; N is its length.
list() {
	http "$1" POST /api/unstable/profiles/list -H "DD-API-KEY: $API_KEY" -H "DD-APPLICATION-KEY: $APP_KEY" \
		-H 'Content-Type: application/json' \
		-d "{\"filter\":{\"from\":\"$(iso -3600)\",\"to\":\"$(iso 3600)\",\"query\":\"$2\"},\"limit\":1000}"
	N=$(py "$1.body" <<'EOF' 2>/dev/null || echo -1
import json, sys
print(len(json.load(open(sys.argv[1]))["data"]))
EOF
)
}

# wait_for SECONDS COMMAND...: polls COMMAND every 0.5 s until it succeeds.
wait_for() {
	local s=$1
	shift
	for _ in $(seq $((s * 2))); do
		"$@" && return 0
		sleep 0.5
	done
	"$@"
}
at_least() { list w "$1"; [ "$N" -ge "$2" ]; }
# n_of OUT: how many profiles the list answer in OUT.body has.
n_of() {
	py "$1.body" <<'EOF'
import json, sys
print(len(json.load(open(sys.argv[1]))["data"]))
EOF
}
logged() { grep -qE "$1" store.log; }
log_count() { grep -cE "$1" store.log; }

service a || bail "start pprofserve a"
A=$SVC_ADDR
A_PID=$SVC_PID
service b || bail "start pprofserve b"
B=$SVC_ADDR

cat >scrape.yaml <<EOF
# the burner, every 2 s, a 1 s profile
scrape_configs:
  - job_name: burner
    scrape_interval: 2s
    profile_seconds: 1
    static_configs:
      - targets: ["$A"]
        labels:
          env: test
          version: "2.0"
          pgo: "true"
EOF
start_server store --data data --api-key "$API_KEY" --app-key "$APP_KEY" --scrape scrape.yaml ||
	bail "start pgotool serve --scrape"
check "the log says what it scrapes" logged "scraping 1 targets from scrape.yaml"

# ---- (1) profiles stored, tagged, merged, built with ----------------------------
wait_for 30 at_least service:burner 2
check "two scrapes of the burner are stored (got $N)" test "$N" -ge 2
py w.body >tags <<'EOF'
import json, sys
print("\n".join(sorted({t for d in json.load(open(sys.argv[1]))["data"] for t in d["attributes"]["tags"]})))
EOF
for t in service:burner env:test version:2.0 pgo:true source:scraper runtime:go language:go; do
	check "... tagged $t" grep -qxF "$t" tags
done
check "... and the target logged up once" test "$(log_count "scrape http://$A/debug/pprof/profile\\?seconds=1 \\(job burner\\): up")" -eq 1
DD_API_KEY=$API_KEY DD_APP_KEY=$APP_KEY timeout 120 "$PGOTOOL" fetch -api "$URL" service:burner default.pgo \
	>fetch.out 2>fetch.err
check "pgotool fetch merges the scraped profiles" test -s default.pgo
[ -s default.pgo ] || say <fetch.err
mkdir -p pgobuild && cp default.pgo pgobuild/
(cd "$GO_PROGS" && timeout 600 go build -pgo="$TEST_TMP/pgobuild/default.pgo" -o "$TEST_TMP/pprofserve-pgo" \
	./cmd/pprofserve) 2>"$LOG"
check "go build -pgo accepts it" test -x "$TEST_TMP/pprofserve-pgo"
[ -x "$TEST_TMP/pprofserve-pgo" ] || say <"$LOG"
"$PGOTOOL" edges default.pgo >edges.out 2>&1
check "its hot edges are the service's CPU loop" grep -q 'mix\.' edges.out

# ---- (2) down, backed off, back -----------------------------------------------
kill "$A_PID"
wait "$A_PID" 2>/dev/null
wait_for 20 logged "scrape http://$A/.*\\(job burner\\): down: "
check "a target that went away is logged down, with the reason" \
	logged "scrape http://$A/.*\\(job burner\\): down: .*(refused|[Cc]onnect)"
sleep 6
check "... once, not at every failed try" test "$(log_count "\\(job burner\\): down")" -eq 1
list before-back service:burner
before=$N
service a2 "$A" || bail "restart pprofserve a on $A"
wait_for 40 logged "scrape http://$A/.*\\(job burner\\): up" && [ "$(log_count '\(job burner\): up')" -ge 2 ]
wait_for 40 at_least service:burner $((before + 1))
check "back up: logged up again and scraped again ($before, then $N)" test "$N" -gt "$before"

# ---- (3) SIGHUP -----------------------------------------------------------------
cat >scrape.yaml <<EOF
scrape_configs:
  - job_name: second
    scrape_interval: 2s
    profile_seconds: 1
    static_configs:
      - targets: ["$B"]
        labels: {env: test}
EOF
kill -HUP "$PID"
wait_for 10 logged "SIGHUP: read scrape.yaml: 1 scrape targets \\(1 before\\)"
check "SIGHUP reads the file again" logged "SIGHUP: read scrape.yaml: 1 scrape targets"
wait_for 30 at_least service:second 1
check "a target added by the reload is scraped (got $N)" test "$N" -ge 1
sleep 3 # a scrape of the burner in flight may still land
list removed1 service:burner
sleep 5
list removed2 service:burner
check "a target removed by the reload is scraped no more" test "$(n_of removed1)" = "$(n_of removed2)"
printf 'scrape_configs:\n  - job_name: broken\n    scrape_interval: soon\n    static_configs: [{targets: ["x:1"]}]\n' >scrape.yaml
kill -HUP "$PID"
wait_for 10 logged "SIGHUP: scrape.yaml:3:22: scrape_interval 'soon'"
check "a bad file on SIGHUP is refused in the log, naming line and column" \
	logged "ERROR SIGHUP: scrape.yaml:3:22: scrape_interval 'soon': want a duration"
check "... and the targets in force stay" logged "the 1 targets in force stay"
list second1 service:second
wait_for 20 at_least service:second $((N + 1))
check "... still scraped after the bad file" test "$N" -gt "$(n_of second1)"

# ---- (3b) auth and TLS ---------------------------------------------------------------
make_tls tls localhost pgotool-t5400-ca || { say <tls/openssl.log; bail "make a test CA"; }
printf 'tok-%s\n' "$RANDOM$RANDOM" >token.txt
# One service each: a Go process runs one CPU profile at a time, and a second
# request meanwhile gets a 500.
start_svc() {
	local name=$1
	shift
	"$TEST_TMP/pprofserve" -addr-file "$name.addr" "$@" >"$name.svc.log" 2>&1 &
	track $!
	for _ in $(seq 100); do
		[ -s "$name.addr" ] && break
		sleep 0.1
	done
}
start_svc c1 -token "$(cat token.txt)"
start_svc c2 -user scraper -password "pw-$$"
start_svc c3 -tls-cert tls/server.pem -tls-key tls/server.key -tls-addr-file c3.tls
C1=$(cat c1.addr)
C2=$(cat c2.addr)
C_TLS=localhost:$(sed 's/.*://' c3.tls)
cat >scrape.yaml <<EOF
scrape_configs:
  - job_name: bearer
    scrape_interval: 2s
    profile_seconds: 1
    profile_path: /auth/debug/pprof/profile
    bearer_token_file: token.txt
    static_configs: [{targets: ["$C1"]}]
  - job_name: basic
    scrape_interval: 2s
    profile_seconds: 1
    profile_path: /auth/debug/pprof/profile
    basic_auth: {username: scraper, password: pw-$$}
    static_configs: [{targets: ["$C2"]}]
  - job_name: noauth
    scrape_interval: 2s
    profile_seconds: 1
    profile_path: /auth2/debug/pprof/profile
    static_configs: [{targets: ["$C2"]}]
  - job_name: https
    scrape_interval: 2s
    profile_seconds: 1
    scheme: https
    tls_config: {ca_file: tls/ca.pem}
    static_configs: [{targets: ["$C_TLS"]}]
  - job_name: untrusted
    scrape_interval: 2s
    profile_seconds: 1
    scheme: https
    profile_path: /heap/debug/pprof/profile
    static_configs: [{targets: ["$C_TLS"]}]
EOF
kill -HUP "$PID"
wait_for 10 logged "SIGHUP: read scrape.yaml: 5 scrape targets"
for j in bearer basic https; do
	wait_for 30 at_least "service:$j" 1
	check "scraped with $j: stored ($N)" test "$N" -ge 1
	[ "$N" -ge 1 ] || grep "(job $j)" store.log | say
done
wait_for 30 logged "\\(job noauth\\): down: "
check "no credentials: down with HTTP 401" logged "\\(job noauth\\): down: HTTP 401: unauthorized"
wait_for 30 logged "\\(job untrusted\\): down: "
check "HTTPS with a certificate no CA of ours signed: down, saying so" \
	logged "\\(job untrusted\\): down: .*(certificate|SSL)"
logged "\\(job untrusted\\): down: .*(certificate|SSL)" || grep "(job untrusted)" store.log | say

# ---- (4) hostile targets ----------------------------------------------------------
# Each is scraped first at a point of its 20 s interval; the slow one takes 31 s to fail.
{
	echo "scrape_configs:"
	for k in slow endless bomb junk heap status; do
		printf '  - job_name: %s\n    scrape_interval: 20s\n    profile_seconds: 1\n    profile_path: /%s/debug/pprof/profile\n    static_configs: [{targets: ["%s"]}]\n' "$k" "$k" "$B"
	done
	printf '  - job_name: good\n    scrape_interval: 2s\n    profile_seconds: 1\n    static_configs: [{targets: ["%s"]}]\n' "$B"
} >scrape.yaml
kill -HUP "$PID"
wait_for 10 logged "SIGHUP: read scrape.yaml: 7 scrape targets"
# hostile DESC JOB REGEX: JOB is logged down with REGEX as the reason, within 60 s.
hostile() {
	wait_for 60 logged "\\(job $2\\): down: "
	check "$1" logged "\\(job $2\\): down: $3"
	logged "\\(job $2\\): down: $3" || grep "(job $2)" store.log | say
}
hostile "a slow body: down, no whole answer in time" slow "no whole answer within 31 s"
hostile "an endless body: down, over --max-body" endless "the answer is over [0-9]+ bytes"
hostile "a gzip bomb: down, refused as it inflates" bomb "the answer: offset 0 of the decompressed data"
hostile "random bytes: down, not a profile" junk "the answer"
hostile "a heap profile: down, not a CPU profile" heap "the answer is a profile without cpu/nanoseconds"
hostile "a 500: down, with its status and text" status "HTTP 500: profiling is switched off on this instance"
for k in slow endless bomb junk heap status; do
	list "h-$k" "service:$k"
	check "nothing stored from $k" test "$N" -eq 0
done
list good1 service:good
g1=$N
wait_for 20 at_least service:good $((g1 + 1))
check "the good target beside them is still scraped ($g1, then $N)" test "$N" -gt "$g1"
rss=$(ps -o rss= -p "$PID" | tr -d ' ')
check_rss "the server stays small after them (RSS ${rss} KB, under 300 MB)" '[ "${rss:-999999}" -lt 307200 ]'

stop_server "$PID"
check "the server stops cleanly" test "$STATUS" -eq 0
sanitizer_clean store

# ---- (5) a bad file at startup ---------------------------------------------------------
bad_start() {
	local desc=$1 want=$2
	timeout 10 "$PGOTOOL" serve --listen 127.0.0.1:0 --data data2 --scrape bad.yaml >bad.out 2>bad.err
	local rc=$?
	check "$desc: exit 1" test "$rc" -eq 1
	check "... saying $want" grep -qF "$want" bad.err
	check "... before it listens" bash -c '! grep -q listening bad.out'
}
printf 'scrape_configs:\n  - job_name: x\n    static_configs:\n      - targets: ["h:1"]\n        labels: {env: a, bad key: b}\n' >bad.yaml
bad_start "a label name with a space" "bad.yaml:5:26: label name 'bad key'"
printf 'scrape_configs:\n  - job_name: x\n    scrape_intervall: 5s\n    static_configs: [{targets: ["h:1"]}]\n' >bad.yaml
bad_start "a misspelt key" "bad.yaml:3:5: a scrape_configs entry: unknown key 'scrape_intervall'"
printf 'scrape_configs:\n  - job_name: x\n    static_configs: [{targets: ["http://h:1/x"]}]\n' >bad.yaml
bad_start "a URL where host:port belongs" "target 'http://h:1/x': want host:port"
printf 'scrape_configs:\n  - job_name: x\n    profile_seconds: 30\n    static_configs: [{targets: ["h:1"]}]\n  - job_name: y\n    static_configs: [{targets: ["h:1"]}]\n' >bad.yaml
bad_start "the same target twice" "listed twice (jobs x and y)"
printf 'scrape_configs:\n  - job_name: x\n    static_configs: [{targets: ["h:"]}]\n' >bad.yaml
bad_start "a target without a port" "target 'h:': want host:port"
printf 'a: &x [1]\nb: *x\n' >bad.yaml
bad_start "aliases" "aliases (*name) are not allowed"
printf 'scrape_configs: [\n' >bad.yaml
bad_start "not YAML" "not YAML"
timeout 10 "$PGOTOOL" serve --listen 127.0.0.1:0 --data data2 --scrape missing.yaml >bad.out 2>bad.err
check "a missing file: exit 1" test $? -eq 1
check "... naming it" grep -q 'missing.yaml: cannot open it' bad.err
check "no data directory was made for a refused start" test ! -e data2/profiles.db

done_testing
