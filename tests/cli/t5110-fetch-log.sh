#!/usr/bin/env bash
# fetch's log, as datadog-pgo users read and parse it: coloured on a
# terminal only, never with NO_COLOR; plain when piped; the same lines in
# both; -v adds one line per request attempt. A port nothing listens on is
# the backend, so every run fails the same way (and fails open).
. "$(dirname "$0")/lib.sh"

P=$PGOTOOL
export DD_API_KEY=k DD_APP_KEY=a
unset NO_COLOR PGOTOOL_API
# A free port: bind one, note it, let it go.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ARGS=(fetch -api "http://127.0.0.1:$PORT" -timeout 2s 'service:x' "$TEST_TMP/default.pgo")
ESC=$(printf '\033')

if ! command -v script >/dev/null 2>&1; then
	[ "${CI:-}" = true ] && { echo "FATAL: script (bsdutils) is needed to give fetch a terminal"; exit 1; }
	echo "SKIP: $test_name: no script(1) to run fetch on a terminal"
	exit 77
fi

# on a terminal (script gives the command a pty)
script -qec "$(printf '%q ' "$P" "${ARGS[@]}")" /dev/null >tty.out 2>&1
check "on a terminal the log is coloured" grep -q "${ESC}\[" tty.out
check "... the level in its colour (INF green)" grep -q "${ESC}\[92mINF${ESC}\[0m" tty.out
check "... ERR in red" grep -q "${ESC}\[91mERR${ESC}\[0m" tty.out

NO_COLOR=1 script -qec "$(printf '%q ' "$P" "${ARGS[@]}")" /dev/null >nocolor.out 2>&1
check "NO_COLOR=1 on a terminal: no escape sequences" bash -c "! grep -q \$'\\033' nocolor.out"
check "... the same lines otherwise" test "$(wc -l <nocolor.out)" -eq "$(wc -l <tty.out)"
NO_COLOR= script -qec "$(printf '%q ' "$P" "${ARGS[@]}")" /dev/null >empty-nocolor.out 2>&1
check "an empty NO_COLOR does not turn colour off" grep -q "${ESC}\[" empty-nocolor.out

# piped
"$P" "${ARGS[@]}" >pipe.out 2>pipe.err
rc=$?
check "piped: exit 0 (fails open)" test "$rc" -eq 0
check "piped: no escape sequences" bash -c "! grep -q \$'\\033' pipe.out"
check "piped: nothing on stderr" test ! -s pipe.err
check "the first line gives the version" bash -c "head -n1 pipe.out | grep -Eq '^[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8}\.[0-9]{3} INF pgotool fetch version=[0-9.]+$'"
check "one ERR line" test "$(grep -c ' ERR ' pipe.out)" -eq 1
check "the last line says the build goes on without PGO" \
	bash -c "tail -n1 pipe.out | grep -q 'WRN pgotool fetch failed, but -fail is not set, returning exit code 0 to continue without PGO'"
check "retries are logged as warnings" grep -q 'WRN request failed .*attempt=1 .*retry-in=' pipe.out
check "without -v there are no debug lines" bash -c "! grep -q ' DBG ' pipe.out"

"$P" fetch -v -api "http://127.0.0.1:$PORT" -timeout 2s 'service:x' "$TEST_TMP/default.pgo" >v.out
check "-v logs the search" grep -q 'DBG searching profiles query="service:x runtime:go" by=@metrics.core_cpu_cores from=' v.out
check "-v logs the last attempt too" grep -q 'DBG request failed .*attempt=4' v.out

# -json: the same events, one object per line
"$P" fetch -json -api "http://127.0.0.1:$PORT" -timeout 2s 'service:x' "$TEST_TMP/default.pgo" >json.out
check "-json: every line is a JSON object with time, level and msg" python3 -c '
import json, sys
lines = open("json.out").read().splitlines()
assert lines
for l in lines:
    o = json.loads(l)
    assert set(["time", "level", "msg"]) <= set(o), l
    assert o["level"] in ("DEBUG", "INFO", "WARN", "ERROR"), l
assert json.loads(lines[0])["msg"] == "pgotool fetch"
assert any(json.loads(l)["level"] == "ERROR" for l in lines)
retry = [json.loads(l) for l in lines if "retry-in" in l]
assert retry and all(isinstance(r["retry-in"], int) for r in retry), "durations are integer ns"
'
script -qec "$(printf '%q ' "$P" fetch -json -api "http://127.0.0.1:$PORT" -timeout 1s q "$TEST_TMP/d.pgo")" /dev/null \
	>json-tty.out 2>&1
check "-json on a terminal: JSON lines" grep -q '^{"time":' json-tty.out
check "... without escape sequences" bash -c "! grep -q \$'\\033' json-tty.out"

# A DEST that looks like an option is a DEST, as in datadog-pgo, with a warning.
(cd "$TEST_TMP" && "$P" fetch -api "http://127.0.0.1:$PORT" -timeout 1s 'service:x' -fail >opt.out 2>&1)
rc=$?
check "'QUERY -fail': -fail is DEST, so the failure exits 0" test "$rc" -eq 0
check "... with a warning that DEST looks like an option" grep -q 'WRN DEST looks like an option; options go before the QUERY arguments dest=-fail' "$TEST_TMP/opt.out"

done_testing
