#!/usr/bin/env bash
# pgotool status against a real `pgotool serve`:
#  (1) uploads made here with curl, as dd-trace-go makes them, with start
#      times and tags chosen to pin down each PGO state (on, off, partly,
#      unknown, and a service whose newest profiles moved to pgo:true), the
#      order of the rows, the counts against what the store lists, CPU per
#      request from endpoint_counts, and paging: every profile counted once
#      whatever the page size, -max-profiles and more profiles at one instant
#      than a page holds reported as incomplete, never silently;
#  (2) Go programs uploading through dd-trace-go's profiler
#      (tests/go-ddtrace/cmd/ddprofclient), built plain (pgo:false) and with
#      -pgo (pgo:true): one service of each, and one run first plain then
#      with -pgo, with endpoint counting; status must report each one right,
#      in text and JSON, with the side-by-side indication for the third;
#  (3) -fail-if-missing, --help, usage errors, and failures (wrong key,
#      missing key, the store down) with exit 1 and a message.
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
go_minor=$(go env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
if [ "${go_minor:-0}" -lt 26 ]; then
	[ "${CI:-}" = "true" ] && { echo "FATAL: dd-trace-go v2 needs go >= 1.26, have $(go env GOVERSION)"; exit 1; }
	echo "SKIP: $test_name: dd-trace-go v2 needs go >= 1.26, have $(go env GOVERSION)"
	exit 77
fi
watchdog 900

bail() {
	fail "$*"
	done_testing
}

# Only the settings made here reach pgotool and the clients.
for v in $(env | sed -n 's/^\(DD_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
unset PGOTOOL_API HTTPS_PROXY https_proxy HTTP_PROXY http_proxy ALL_PROXY all_proxy NO_PROXY no_proxy
export DD_TRACE_STARTUP_LOGS=false
export PPROF_BINARY_PATH="$TEST_TMP/no-binaries"
API_KEY=t5200-api-$RANDOM$RANDOM
APP_KEY=t5200-app-$RANDOM$RANDOM
GO_DD=$PGO_SRC/tests/go-ddtrace
CPU=$PGO_SRC/examples/profiles/burn-1.pprof
LOG=$TEST_TMP/build.log

# status ARGS...: pgotool status against the store, with the keys; stdout in
# status.out, stderr in status.err, the exit status in RC.
status() {
	DD_API_KEY=$API_KEY DD_APP_KEY=$APP_KEY "$PGOTOOL" status -api "$URL" "$@" >status.out 2>status.err
	RC=$?
	cat status.err >>runs.err
}
py() { python3 - "$@"; }

start_server store --data data --api-key "$API_KEY" --app-key "$APP_KEY" || bail "start pgotool serve"

# ---- (1) uploads made here ---------------------------------------------------

NOW=$(date +%s)
ENV1=t5200-syn-$$
# at SECONDS-AGO [FRACTION]: an RFC 3339 start time.
at() { date -u -d "@$((NOW - $1))" "+%Y-%m-%dT%H:%M:%S.${2:-250000000}Z"; }
# up SERVICE AGO FRACTION TAGS [EXTRA-JSON]: one upload of burn-1.pprof.
N_UP=0
up() {
	local tags="service:$1,env:$ENV1,runtime:go${4:+,$4}"
	event_json ev.json "$(at "$2" "$3")" "$(at $(($2 - 60)) "$3")" "$tags" "${5:-}"
	upload up /profiling/v1/input ev.json "$CPU"
	if [ "$CODE" = 200 ]; then N_UP=$((N_UP + 1)); else echo "upload $1 $tags: HTTP $CODE" | say; fi
}
# syn-on: every profile with pgo:true.
for i in 0 1 2 3; do up syn-on $((100 + i * 60)) 1 "version:1,pgo:true"; done
# syn-off: every profile with pgo:false.
for i in 0 1 2; do up syn-off $((100 + i * 60)) 2 "version:1,pgo:false"; done
# syn-partly: two processes, the newest profile of one without PGO.
up syn-partly 100 3 "version:1,pgo:true"
up syn-partly 101 3 "version:1,pgo:false"
up syn-partly 700 3 "version:1,pgo:true"
# syn-rolled: pgo:false until 15 minutes ago, pgo:true since; requests counted.
for i in 0 1 2; do up syn-rolled $((900 + i * 60)) 4 "version:1,pgo:false" "\"endpoint_counts\":{\"GET /a\":$((100 + i)),\"GET /b\":10}"; done
for i in 0 1 2; do up syn-rolled $((100 + i * 60)) 4 "version:1,pgo:true" "\"endpoint_counts\":{\"GET /a\":$((200 + i))}"; done
# syn-notag: a profiler that sends no pgo tag.
up syn-notag 100 5 "version:1"
# syn-many: 25 profiles, 5 a second, for paging.
for s in 0 1 2 3 4; do for k in 1 2 3 4 5; do up syn-many $((200 + s)) "${k}00000000" "version:2,pgo:true"; done; done
check "the store took all $N_UP uploads" [ "$N_UP" = 42 ]

# The store's own count for a query, through profiles/list.
store_count() {
	http list POST /api/unstable/profiles/list -H "DD-API-KEY: $API_KEY" -H "DD-APPLICATION-KEY: $APP_KEY" \
		-H 'Content-Type: application/json' \
		--data-binary "$(search_json "$(iso -86400)" "$(iso 60)" "$1" timestamp desc 1000)"
	py list.body <<<'import json,sys; print(len(json.load(open(sys.argv[1]))["data"]))'
}

status -json "env:$ENV1"
check "status -json exits 0 without -fail-if-missing (got $RC)" [ "$RC" = 0 ]
cp status.out syn.json
if py syn.json "$ENV1" >syn-check.txt 2>&1 <<'EOF'; then
import json, sys
d = json.load(open(sys.argv[1])); env = sys.argv[2]
bad = []
want = [  # without PGO first, by service; then the rest
    ("syn-notag", "unknown", 1, 0), ("syn-off", "off", 3, 0), ("syn-partly", "partly", 3, 2),
    ("syn-many", "on", 25, 25), ("syn-on", "on", 4, 4), ("syn-rolled", "on", 6, 3)]
got = [(g["service"], g["pgo"], g["profiles"], g["pgo_true"]) for g in d["groups"]]
if got != want: bad.append("groups %s, want %s" % (got, want))
for g in d["groups"]:
    if g["env"] != env: bad.append("%s: env %r" % (g["service"], g["env"]))
    if g["runs_with_pgo"] != (g["pgo"] == "on"): bad.append("%s: runs_with_pgo %r" % (g["service"], g["runs_with_pgo"]))
    if not 95 <= g["newest_age_seconds"] <= 400: bad.append("%s: newest age %r" % (g["service"], g["newest_age_seconds"]))
if d["profiles"] != 42 or not d["complete"] or d["incomplete"] is not None: bad.append("profiles %r complete %r" % (d["profiles"], d["complete"]))
if d["without_pgo"] != 3 or d["pgo_everywhere"] is not False: bad.append("without_pgo %r" % d["without_pgo"])
if d["query"] != "env:%s runtime:go" % env: bad.append("query %r" % d["query"])
c = d["comparisons"]
if [(x["service"], x["measure"]) for x in c] != [("syn-partly", "cpu_cores"), ("syn-rolled", "cpu_seconds_per_request")]:
    bad.append("comparisons %s" % [(x["service"], x["measure"]) for x in c])
else:
    r = c[1]
    if (r["pgo_false"]["requests"], r["pgo_true"]["requests"]) != (3 * 110 + 3, 3 * 200 + 3):
        bad.append("requests %r %r" % (r["pgo_false"]["requests"], r["pgo_true"]["requests"]))
    if "not a measurement" not in r["note"]: bad.append("note %r" % r["note"])
    if "requests" in c[0]["pgo_false"]: bad.append("syn-partly has no endpoint_counts: %r" % c[0])
print("\n".join(bad) or "ok")
sys.exit(1 if bad else 0)
EOF
	pass "status -json: a row per service, env and version, each state right, without PGO first, counts, comparisons"
else
	fail "status -json: a row per service, env and version, each state right, without PGO first, counts, comparisons"
	say <syn-check.txt
fi
# CPU per request: the list answer's CPU time over its endpoint_counts, per side.
http list POST /api/unstable/profiles/list -H "DD-API-KEY: $API_KEY" -H "DD-APPLICATION-KEY: $APP_KEY" \
	-H 'Content-Type: application/json' \
	--data-binary "$(search_json "$(iso -86400)" "$(iso 60)" "service:syn-rolled" timestamp desc 1000)"
if py list.body syn.json >cpr.txt 2>&1 <<'EOF'; then
import json, sys
data = json.load(open(sys.argv[1]))["data"]
cmp = [c for c in json.load(open(sys.argv[2]))["comparisons"] if c["service"] == "syn-rolled"][0]
for side in ("false", "true"):
    ps = [d["attributes"] for d in data if "pgo:" + side in d["attributes"]["tags"]]
    cpu = sum(a["custom"]["metrics"]["core_cpu_time_total"] for a in ps) / 1e9
    req = sum(sum(a["endpoint_counts"].values()) for a in ps)
    got = cmp["pgo_" + side]["cpu_seconds_per_request"]
    print(side, cpu, req, cpu / req, got)
    if abs(got - cpu / req) > 1e-9 * cpu / req: sys.exit(1)
EOF
	pass "CPU per request is the CPU time the store lists over the requests of endpoint_counts, per side"
else
	fail "CPU per request is the CPU time the store lists over the requests of endpoint_counts, per side"
	say <cpr.txt
fi

status "env:$ENV1"
cp status.out syn.txt
if py syn.txt <<'EOF'; then
import sys
lines = open(sys.argv[1]).read().split("\n")
head = lines[0].split()
assert head == ["SERVICE", "ENV", "VERSION", "PGO", "PROFILES", "PGO:TRUE", "CPU", "CORES", "NEWEST"], head
rows = [l.split() for l in lines[1:7]]
assert [(r[0], r[3], r[4], r[5]) for r in rows] == [
    ("syn-notag", "unknown", "1", "0"), ("syn-off", "off", "3", "0"), ("syn-partly", "partly", "3", "2"),
    ("syn-many", "on", "25", "25"), ("syn-on", "on", "4", "4"), ("syn-rolled", "on", "6", "3")], rows
# aligned: each column starts at the same offset on every row
starts = [lines[0].index("PGO "), lines[0].index("NEWEST")]
for l in lines[1:7]:
    assert l[starts[0] - 2:starts[0]] == "  " and l[starts[0]] != " ", l
    assert l[starts[1] - 2:starts[1]] == "  " and l[starts[1]] != " ", l
assert lines[7] == "", lines[7]
assert lines[8].startswith("3 of 6 groups (service, env, version) run without PGO: syn-notag 1 in "), lines[8]
text = "\n".join(lines)
assert "an indication, not a measurement of PGO's effect" in text
assert "syn-rolled" in text.split("side by side")[1] and "cpu/request" in text.split("side by side")[1]
EOF
	pass "status text: aligned table, rows in order, summary, side-by-side indication labelled"
else
	fail "status text: aligned table, rows in order, summary, side-by-side indication labelled"
	say <syn.txt
fi

# Paging: every profile once, whatever the page size.
n_many=$(store_count "service:syn-many")
for page in 1 3 7 10 1000; do
	status -json -page "$page" "service:syn-many"
	got=$(py status.out <<<'import json,sys; d=json.load(open(sys.argv[1])); print(d["profiles"], d["groups"][0]["profiles"], d["complete"], d["requests"])')
	set -- $got
	if [ "$RC" = 0 ] && [ "$1" = "$n_many" ] && [ "$2" = "$n_many" ] && [ "$3" = True ]; then
		pass "-page $page: all $n_many profiles of the store counted once, in $4 requests"
	else
		fail "-page $page: all $n_many profiles counted once (got: $got, exit $RC)"
		say <status.err
	fi
done
status -json -page 5 -max-profiles 12 "service:syn-many"
if [ "$RC" = 0 ] && py status.out <<<'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["profiles"] == 12 and d["complete"] is False and "-max-profiles" in d["incomplete"] else 1)'; then
	pass "-max-profiles 12 stops at 12 and the JSON says it is incomplete"
else
	fail "-max-profiles 12 stops at 12 and the JSON says it is incomplete"
	say <status.out
fi
status -max-profiles 12 "service:syn-many"
check "-max-profiles: the text says it stopped" grep -q '^note: stopped after 12 profiles (-max-profiles)' status.out
# More profiles at one instant than a page holds: said, not hidden.
for k in 1 2 3 4; do up syn-same 150 777000000 "version:1,pgo:true"; done
status -json -page 3 "service:syn-same"
if [ "$RC" = 0 ] && py status.out <<<'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["profiles"] == 3 and d["complete"] is False and "may not be counted" in d["incomplete"] else 1)'; then
	pass "4 profiles at one instant, -page 3: 3 counted, and the output says some may be missing"
else
	fail "4 profiles at one instant, -page 3: 3 counted, and the output says some may be missing"
	say <status.out
fi
status -json -page 5 "service:syn-same"
check "the same with -page 5: all 4, complete" py status.out <<<'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["profiles"] == 4 and d["complete"] else 1)'

# ---- (2) Go programs through dd-trace-go's profiler -------------------------------

(cd "$GO_DD" && timeout 600 go build -o "$TEST_TMP/client" ./cmd/ddprofclient) 2>"$LOG" ||
	{ say <"$LOG"; bail "build tests/go-ddtrace/cmd/ddprofclient"; }
cp "$CPU" seed.pgo
(cd "$GO_DD" && timeout 600 go build -pgo="$TEST_TMP/seed.pgo" -o "$TEST_TMP/client-pgo" ./cmd/ddprofclient) 2>"$LOG" ||
	{ say <"$LOG"; bail "build ddprofclient with -pgo"; }
check "the plain client is not built with PGO" bash -c "! go version -m client | grep -q -- '-pgo='"
check "the PGO client is built with PGO" bash -c "go version -m client-pgo | grep -q -- '-pgo='"

ENV2=t5200-go-$$
# client BINARY SERVICE VERSION [ARGS]: one run of ddprofclient uploading to the store.
client() {
	local bin=$1 svc=$2 ver=$3
	shift 3
	DD_TRACE_AGENT_URL=$URL DD_ENV=$ENV2 DD_VERSION=$ver timeout 120 "./$bin" -service "$svc" -period 2s -burn 5s \
		"$@" >"$svc-$ver.log" 2>&1
}
client client go-plain 1.0 &
p1=$!
track $p1
client client-pgo go-pgo 2.0 &
p2=$!
track $p2
client client go-both 1.0 -endpoint "GET /work" &
p3=$!
track $p3
wait $p1; r1=$?
wait $p2; r2=$?
wait $p3; r3=$?
client client-pgo go-both 1.1 -endpoint "GET /work"
r4=$?
check "the four client runs exit 0 ($r1 $r2 $r3 $r4)" [ "$r1$r2$r3$r4" = 0000 ]

status -json "env:$ENV2"
cp status.out go.json
declare -A want_n
for g in "go-plain 1.0" "go-pgo 2.0" "go-both 1.0" "go-both 1.1"; do
	set -- $g
	want_n[$1-$2]=$(store_count "service:$1 version:$2 env:$ENV2")
done
echo "store counts: go-plain ${want_n[go-plain-1.0]}, go-pgo ${want_n[go-pgo-2.0]}, go-both ${want_n[go-both-1.0]} + ${want_n[go-both-1.1]}" | say
http list POST /api/unstable/profiles/list -H "DD-API-KEY: $API_KEY" -H "DD-APPLICATION-KEY: $APP_KEY" \
	-H 'Content-Type: application/json' \
	--data-binary "$(search_json "$(iso -86400)" "$(iso 60)" "service:go-both" timestamp desc 1000)"
if py go.json list.body "${want_n[go-both-1.0]}" "${want_n[go-plain-1.0]}" "${want_n[go-both-1.1]}" "${want_n[go-pgo-2.0]}" \
	>go-check.txt 2>&1 <<'EOF'; then
import json, sys
d = json.load(open(sys.argv[1])); listed = json.load(open(sys.argv[2]))["data"]
n = [int(x) for x in sys.argv[3:]]
bad = []
want = [("go-both", "1.0", "off", n[0], 0), ("go-plain", "1.0", "off", n[1], 0),
        ("go-both", "1.1", "on", n[2], n[2]), ("go-pgo", "2.0", "on", n[3], n[3])]
got = [(g["service"], g["version"], g["pgo"], g["profiles"], g["pgo_true"]) for g in d["groups"]]
if got != want: bad.append("groups %s, want %s" % (got, want))
if min(n) < 2: bad.append("each run uploaded at least 2 profiles: %s" % n)
for g in d["groups"]:
    if g["cpu_cores"] <= 0: bad.append("%s %s: cpu_cores %r" % (g["service"], g["version"], g["cpu_cores"]))
    if not 0 <= g["newest_age_seconds"] < 120: bad.append("%s: age %r" % (g["service"], g["newest_age_seconds"]))
if not d["complete"] or d["profiles"] != sum(n): bad.append("profiles %r, want %d" % (d["profiles"], sum(n)))
c = d["comparisons"]
if [x["service"] for x in c] != ["go-both"]: bad.append("comparisons for %s, want go-both" % [x["service"] for x in c])
else:
    c = c[0]
    if c["measure"] != "cpu_seconds_per_request": bad.append("measure %r" % c["measure"])
    for side in ("false", "true"):
        req = sum(sum(a["attributes"].get("endpoint_counts", {}).values()) for a in listed if "pgo:" + side in a["attributes"]["tags"])
        s = c["pgo_" + side]
        if not req > 0 or s.get("requests") != req: bad.append("pgo:%s requests %r, the store lists %d" % (side, s.get("requests"), req))
        if not s.get("cpu_seconds_per_request", 0) > 0: bad.append("pgo:%s cpu per request %r" % (side, s.get("cpu_seconds_per_request")))
    print("go-both: pgo:false %.3g s/request over %d requests, pgo:true %.3g s/request over %d (change %+.1f%%)" % (
        c["pgo_false"]["cpu_seconds_per_request"], c["pgo_false"]["requests"],
        c["pgo_true"]["cpu_seconds_per_request"], c["pgo_true"]["requests"], 100 * c["change"]))
print("\n".join(bad) or "ok")
sys.exit(1 if bad else 0)
EOF
	pass "dd-trace-go uploads: plain builds off, -pgo builds on, counts as the store lists, CPU per request side by side"
	say <go-check.txt
else
	fail "dd-trace-go uploads: plain builds off, -pgo builds on, counts as the store lists, CPU per request side by side"
	say <go-check.txt
fi

status "env:$ENV2"
cp status.out go.txt
echo "status 'env:$ENV2':" | say
say <go.txt
check "text: the rows without PGO come first" \
	bash -c "sed -n '2p;3p' go.txt | awk '{print \$1, \$4}' | tr '\n' ' ' | grep -qx 'go-both off go-plain off '"
check "text: the rows with PGO after them" \
	bash -c "sed -n '4p;5p' go.txt | awk '{print \$1, \$4}' | tr '\n' ' ' | grep -qx 'go-both on go-pgo on '"
check "text: the side-by-side for go-both is per request and labelled an indication" \
	bash -c "grep -q '^go-both .* cpu/request ' go.txt && grep -q 'an indication, not a measurement' go.txt"

# ---- (3) exit codes, help, failures ----------------------------------------------

status -fail-if-missing "env:$ENV2"
check "-fail-if-missing exits 1 when a service runs without PGO (got $RC)" [ "$RC" = 1 ]
check "-fail-if-missing still prints the table" grep -q '^go-plain ' status.out
status -fail-if-missing "service:go-pgo env:$ENV2"
check "-fail-if-missing exits 0 when only the PGO service matches (got $RC)" [ "$RC" = 0 ]
check "... and says PGO is on everywhere" grep -q '^PGO is on everywhere: all 1 groups' status.out
status -fail-if-missing "service:go-both version:1.1"
check "-fail-if-missing exits 0 for go-both's PGO version (got $RC)" [ "$RC" = 0 ]
status -fail-if-missing "service:no-such-service"
check "-fail-if-missing exits 1 when nothing matches (got $RC), and says what to check" \
	bash -c "[ $RC = 1 ] && grep -q '^No profiles match' status.out && grep -q 'QUERY and -from' status.out"
status "service:no-such-service"
check "without -fail-if-missing, nothing matching exits 0 (got $RC)" [ "$RC" = 0 ]
status -from 1s "env:$ENV1"
check "-from 1s: the synthetic uploads (100 s old and more) are outside the window" grep -q '^No profiles match' status.out

DD_API_KEY=$API_KEY DD_APP_KEY=$APP_KEY PGOTOOL_API=$URL "$PGOTOOL" status -json "service:go-pgo" >env.out 2>&1
check "\$PGOTOOL_API stands for -api" py env.out <<<'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if [g["pgo"] for g in d["groups"]] == ["on"] else 1)'

"$PGOTOOL" status --help >help.out 2>&1
rc=$?
check "status --help exits 0 and documents its options" \
	bash -c "[ $rc = 0 ] && grep -q '^usage: pgotool status' help.out && grep -q -- '-fail-if-missing' help.out && grep -q -- '-max-profiles' help.out"
"$PGOTOOL" help status >help2.out 2>&1
check "pgotool help status prints the same" cmp -s help.out help2.out
"$PGOTOOL" --help >help3.out 2>&1
check "pgotool --help lists status" grep -q '^  status ' help3.out
status -page 0
check "-page 0 is a usage error: exit 2 (got $RC)" bash -c "[ $RC = 2 ] && grep -q 'flag -page' status.err"
status -no-such-flag
check "an unknown flag is a usage error: exit 2 (got $RC)" [ "$RC" = 2 ]
status -json runtime:go -fail-if-missing
check "flags end at the QUERY, Go style: a later -fail-if-missing is part of the query (exit $RC)" \
	py status.out <<<'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["query"] == "runtime:go -fail-if-missing" else 1)'

DD_API_KEY=wrong DD_APP_KEY=$APP_KEY "$PGOTOOL" status -api "$URL" >bad.out 2>bad.err
rc=$?
check "a wrong key: exit 1 (got $rc), a 403 message that names the keys, nothing on stdout" \
	bash -c "[ $rc = 1 ] && grep -q '403' bad.err && grep -q 'DD_API_KEY and DD_APP_KEY' bad.err && [ ! -s bad.out ]"
env -u DD_APP_KEY DD_API_KEY=$API_KEY "$PGOTOOL" status -api "$URL" >bad.out 2>bad.err
rc=$?
check "no DD_APP_KEY: exit 1 (got $rc) and says to export it" bash -c "[ $rc = 1 ] && grep -q 'DD_APP_KEY is not set' bad.err"
OLD_URL=$URL
stop_server "$PID"
DD_API_KEY=$API_KEY DD_APP_KEY=$APP_KEY "$PGOTOOL" status -api "$OLD_URL" -timeout 5s >bad.out 2>bad.err
rc=$?
check "the store down: exit 1 (got $rc) with the URL and what to check" \
	bash -c "[ $rc = 1 ] && grep -q 'profiles/list' bad.err && grep -q 'is the server up' bad.err"
check "the store stopped cleanly (exit $STATUS)" [ "$STATUS" = 0 ]
check "the store logged no sanitizer report" sanitizer_clean store
check "no run of status made a sanitizer report" sanitizer_clean runs
done_testing
