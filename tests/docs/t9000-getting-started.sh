#!/usr/bin/env bash
# docs/getting-started.md, as a reader runs it: its ```sh blocks in order, in
# one shell, in an empty directory, with pgotool on PATH and the two
# addresses it lets the reader choose set to free ports. They start a real
# pgotool serve (--intake-key), write, build and run the page's Go service
# with dd-trace-go's profiler, fetch default.pgo, build with it and check
# pgotool status. Then the outcome is checked from outside: the uploads of
# both builds stored, default.pgo a profile of the service's own code,
# `go version -m` showing -pgo=, status saying off then on, and the page's
# scrape file accepted by pgotool serve --scrape.
. "$(dirname "$0")/../cli/lib.sh"
. "$PGO_SRC/tests/docs/doc-lib.sh"
require_go
set -o pipefail

say() { sed 's/^/# /' >&2; }
PAGE=$PGO_SRC/docs/getting-started.md
for tool in curl python3 timeout; do
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

# Every process the page leaves behind (after a failed block) carries this
# variable, and is found by it and stopped on exit.
MARK="PGO_DOC_RUN=$TEST_TMP"
# PGO_KEEP_TMP=1 keeps the work directory.
doc_cleanup() {
	local e pid
	for e in /proc/[0-9]*/environ; do
		pid=${e#/proc/}
		pid=${pid%/environ}
		grep -qzxF "$MARK" "$e" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	done
	[ -n "$spid" ] && kill -KILL "$spid" 2>/dev/null
	if [ -n "${PGO_KEEP_TMP:-}" ]; then
		echo "keeping $TEST_TMP" | say
	else
		cd / && rm -rf "$TEST_TMP"
	fi
}
spid=""
trap doc_cleanup EXIT

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The reader's environment: pgotool on PATH, no DD_* or PGOTOOL_* settings
# of the caller's, and free ports for the two addresses the page takes.
mkdir -p "$TEST_TMP/bin" "$TEST_TMP/reader"
ln -s "$PGOTOOL" "$TEST_TMP/bin/pgotool"
for v in $(env | sed -n 's/^\(DD_[A-Za-z0-9_]*\|PGOTOOL_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
export DD_TRACE_STARTUP_LOGS=false
STORE_ADDR=127.0.0.1:$(free_port)
HELLO_ADDR=127.0.0.1:$(free_port)
cd "$TEST_TMP/reader"
PATH=$TEST_TMP/bin:$PATH STORE_ADDR=$STORE_ADDR HELLO_ADDR=$HELLO_ADDR PGO_DOC_RUN=$TEST_TMP \
	doc_run "$PAGE"
cp "$DOC_OUTPUT" "$TEST_TMP/page-output.txt"
cd "$TEST_TMP"
R=$TEST_TMP/reader

# ---- the outcome, checked from outside ----
log=$R/pgotool-serve.log
check "the store listened where the page said ($STORE_ADDR)" grep -q " listening on http://$STORE_ADDR, " "$log"
check "the store made the keys the page exported" test -s "$R/pgotool-data/keys"
n_up=$(grep -c 'POST /profiling/v1/input 200 ' "$log")
check "the store took both builds' uploads with the API key (--intake-key): $n_up with 200" [ "$n_up" -ge 2 ]
if grep 'POST /profiling/v1/input' "$log" | grep -v ' 200 ' | grep -q .; then
	fail "no upload was refused"
	grep 'POST /profiling/v1/input' "$log" | grep -v ' 200 ' | head -n 5 | say
else
	pass "no upload was refused"
fi
check "the service logged no upload failure" bash -c "! grep -Eiq 'failed to upload|error' '$R'/hello/hello-*.log"

pgo=$R/hello/default.pgo
if "$PGOTOOL" edges "$pgo" >edges.txt 2>edges.err && grep -q '^main\.words$' edges.txt; then
	pass "default.pgo is a CPU profile of the service: main.words among its callers"
else
	fail "default.pgo is a CPU profile of the service: main.words among its callers"
	head -c 600 edges.txt edges.err 2>/dev/null | say
fi
check "fetch logged the file it wrote" grep -q 'INF wrote PGO file path=./default.pgo ' page-output.txt
if go version -m "$R/hello/hello" 2>/dev/null | grep -q -- "-pgo=$R/hello/default.pgo\$"; then
	pass "go version -m shows hello was built with -pgo=.../hello/default.pgo"
else
	fail "go version -m shows hello was built with -pgo=.../hello/default.pgo"
	go version -m "$R/hello/hello" 2>&1 | grep build | say
fi
check "the page printed the build's -pgo= line" grep -Eq "^[[:space:]]*build[[:space:]]+-pgo=$R/hello/default\\.pgo\$" page-output.txt

# start_store NAME [OPTION]...: pgotool serve on a free port, output in
# NAME.log; sets spid and sport, or fails.
start_store() {
	local name=$1
	shift
	"$PGOTOOL" serve --listen 127.0.0.1:0 "$@" >"$name.log" 2>&1 &
	spid=$!
	sport=""
	for _ in $(seq 100); do
		sport=$(sed -n 's|.* listening on http://127\.0\.0\.1:\([0-9]*\), .*|\1|p' "$name.log")
		[ -n "$sport" ] && return 0
		kill -0 "$spid" 2>/dev/null || break
		sleep 0.1
	done
	say <"$name.log"
	return 1
}
stop_store() { kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; spid=""; }

# status, as the store answers it again on the page's data: 1.0.0 off, 1.0.1 on.
if start_store again --data "$R/pgotool-data"; then
	DD_API_KEY=$(sed -n 's/^api-key: //p' "$R/pgotool-data/keys") DD_APP_KEY=$(sed -n 's/^app-key: //p' "$R/pgotool-data/keys") \
		"$PGOTOOL" status -json -api "http://127.0.0.1:$sport" 'service:hello' >status.json 2>status.err
	stop_store
else
	: >status.json
fi
if python3 - status.json >status-check.txt 2>&1 <<'EOF'; then
import json, sys
doc = json.load(open(sys.argv[1]))
got = {(g["service"], g["env"], g["version"]): g["pgo"] for g in doc["groups"]}
want = {("hello", "prod", "1.0.0"): "off", ("hello", "prod", "1.0.1"): "on"}
print("groups:", got)
sys.exit(0 if got == want else 1)
EOF
	pass "pgotool status: hello 1.0.0 runs without PGO, 1.0.1 with it"
else
	fail "pgotool status: hello 1.0.0 runs without PGO, 1.0.1 with it"
	cat status-check.txt status.err | say
fi
check "the page's status table showed 1.0.1 on" grep -Eq '^hello +prod +1\.0\.1 +on ' page-output.txt
if pgrep -f -- "serve --listen $STORE_ADDR " >/dev/null; then
	fail "the page's last block stopped the store"
else
	pass "the page's last block stopped the store"
fi

# The scrape file the page shows: pgotool serve --scrape takes it (a bad
# file is refused before the server listens).
awk '/^```yaml[ \t]*$/ { inside = 1; next } inside && /^```[ \t]*$/ { exit } inside { print }' "$PAGE" >targets.yaml
if ! grep -q '^scrape_configs:' targets.yaml; then
	fail "the page shows a scrape_configs file"
elif start_store scrape --data scrape-data --api-key a --app-key b --scrape targets.yaml; then
	pass "pgotool serve --scrape accepts the page's targets file"
	stop_store
else
	fail "pgotool serve --scrape accepts the page's targets file"
fi
done_testing
