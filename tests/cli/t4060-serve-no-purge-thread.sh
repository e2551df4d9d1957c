#!/usr/bin/env bash
# When the retention purge's thread cannot start (a test shim makes the
# server's third pthread_create fail, as at a thread limit), pgotool serve
# says so in its log, at level ERROR, and goes on storing and answering: it
# must not run silently with nothing ever deleted.
. "$(dirname "$0")/lib.sh"
. "$PGO_SRC/tests/cli/serve-lib.sh"
serve_require_tools
watchdog 120

SHIM=${PGO_FAILTHREAD:-$PGO_TOOLS/libfailthread.so}
[ -f "$SHIM" ] || { echo "FATAL: $SHIM is not built (tests/preload/failthread.c)"; exit 1; }
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

# Threads in start order: the store's writer, the HTTP daemon's, the purge.
SERVE_ENV=(LD_PRELOAD="$SHIM" PGO_FAIL_THREAD=3)
start_server srv --data data --api-key k-api --app-key k-app || { fail "serve starts"; done_testing; }
SERVE_ENV=()
check "the log says the retention purge could not start, at level ERROR" \
	grep -Eq 'ERROR +cannot start the retention purge \(Resource temporarily unavailable\): nothing will be deleted until a restart' srv.log
event_json ev.json "$(iso -60)" "$(iso 0)" "service:nopurge,env:test"
upload up /profiling/v1/input ev.json "$PGO_SRC/examples/profiles/burn-1.pprof"
expect_code up 200 "uploads are still stored"
stop_server "$PID"
check "the server stops with 0 on SIGTERM ($STATUS)" [ "$STATUS" = 0 ]
check "no sanitizer report" sanitizer_clean srv
done_testing
