#!/usr/bin/env bash
# When the kernel gives no random bytes (getrandom fails; a test shim makes
# it), pgotool serve must not make keys or ids from whatever is in memory:
# without keys it refuses to start, and an upload gets a 500 and is not
# stored.
. "$(dirname "$0")/lib.sh"
. "$PGO_SRC/tests/cli/serve-lib.sh"
serve_require_tools
watchdog 120

SHIM=${PGO_FAILRANDOM:-$PGO_TOOLS/libfailrandom.so}
[ -f "$SHIM" ] || { echo "FATAL: $SHIM is not built (tests/preload/failrandom.c)"; exit 1; }
# The sanitizer runtime must come first among the libraries; the shim only
# replaces getrandom, so the order does not matter to what is tested.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

# 1. No keys given: they would be made from random bytes, so serve refuses to start.
LD_PRELOAD=$SHIM timeout 30 "$PGOTOOL" serve --listen 127.0.0.1:0 --data nokeys >nokeys.out 2>nokeys.err
rc=$?
check "without random bytes, serve does not start when it must make keys (exit $rc)" [ "$rc" -eq 1 ]
check "... and says why" grep -q 'cannot make keys: the kernel gave no random bytes (getrandom: Function not implemented)' nokeys.err
check "... and writes no key file" test ! -e nokeys/keys

# 2. Keys given: serve starts, but an upload cannot get an id.
SERVE_ENV=(LD_PRELOAD="$SHIM")
start_server srv --data data --api-key k-api --app-key k-app || { fail "serve starts with given keys"; done_testing; }
SERVE_ENV=()
now=$(iso 0)
event_json ev.json "$(iso -60)" "$now" "service:norandom,env:test,runtime:go"
upload up /profiling/v1/input ev.json "$PGO_SRC/examples/profiles/burn-1.pprof"
expect_error up 500 "an upload without random bytes for its id: 500 with a JSON error"
check "... that says why" grep -q 'cannot make an id: the kernel gave no random bytes' up.body
search='{"filter":{"from":"'$(iso -3600)'","to":"'$(iso 60)'","query":"service:norandom"},"limit":10}'
http ls POST /api/unstable/profiles/list -H "DD-API-KEY: k-api" -H "DD-APPLICATION-KEY: k-app" \
	-H "Content-Type: application/json" --data-binary "$search"
check "... and nothing was stored" grep -qx '{"data":\[\]}' ls.body
stop_server "$PID"
check "serve stops cleanly (got $STATUS)" [ "$STATUS" = 0 ]
check "no sanitizer report" sanitizer_clean srv

done_testing
