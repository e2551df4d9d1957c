#!/usr/bin/env bash
# docs/datadog-pgo.md, run as a reader runs it: its ```sh blocks, verbatim and
# in order, make a CA and a certificate for app.$SITE, start a real
# `pgotool serve` over HTTPS, upload two CPU profiles through its intake, and
# fetch a default.pgo with datadog-pgo and with `pgotool fetch`, both with
# DD_SITE, the store's keys and SSL_CERT_FILE. The test sets the variables
# the page lets a reader set (SITE, LISTEN on a free port, PROFILES), and
# puts on the PATH `pgotool` and `datadog-pgo`: the real one when
# `go install github.com/DataDog/datadog-pgo@latest` works, else (a "note:"
# line says so) tests/go-ddpgo, the project's stand-in with the same command
# line and requests. It cannot add a DNS record or edit /etc/hosts, so, as the
# page says, it reaches app.$SITE:443 through an HTTPS proxy:
# tests/go/cmd/connectproxy, which tunnels only that name to the store.
# Then it checks what came out: two valid CPU profiles with the same edge
# map, made from the two uploads, fetched over TLS through the proxy.
# Needs go (mandatory in CI), curl, openssl and python3.
. "$(dirname "$0")/../cli/lib.sh" || exit 1
. "$PGO_SRC/tests/cli/serve-lib.sh" || exit 1
. "$PGO_SRC/tests/docs/doc-lib.sh" || exit 1
serve_require_tools
require_go
for tool in openssl python3; do
	command -v $tool >/dev/null 2>&1 && continue
	[ "${CI:-}" = "true" ] && { echo "FATAL: $test_name needs $tool"; exit 1; }
	echo "SKIP: $test_name: $tool is not installed"
	exit 77
done
go_minor=$(go env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
if [ "${go_minor:-0}" -lt 26 ]; then
	[ "${CI:-}" = "true" ] && { echo "FATAL: tests/go-ddpgo needs go >= 1.26, have $(go env GOVERSION)"; exit 1; }
	echo "SKIP: $test_name: tests/go-ddpgo needs go >= 1.26, have $(go env GOVERSION)"
	exit 77
fi
watchdog 900

PAGE=$PGO_SRC/docs/datadog-pgo.md
LOG=$TEST_TMP/build.log
bail() {
	fail "$*"
	done_testing
}

# What the page starts in the background (its store) is killed on exit, even
# when a block fails before the page stops it: every process that carries
# this test's mark in its environment, by its id. PGO_KEEP_TMP=1 keeps the
# work directory.
export PGO_DOC_MARK="$TEST_TMP"
page_cleanup() {
	local p pid
	if [ -n "${PGO_DOC_MARK:-}" ] && [ -d "$PGO_DOC_MARK" ]; then
		for p in /proc/[0-9]*; do
			pid=${p#/proc/}
			[ "$pid" != $$ ] && tr '\0' '\n' 2>/dev/null <"$p/environ" | grep -qxF "PGO_DOC_MARK=$PGO_DOC_MARK" &&
				kill -KILL "$pid" 2>/dev/null
		done
	fi
	if [ -n "${PGO_KEEP_TMP:-}" ]; then
		[ -n "$WATCHDOG_PID" ] && kill "$WATCHDOG_PID" 2>/dev/null
		while read -r p; do [ -n "$p" ] && kill -KILL "$p" 2>/dev/null; done <"$TEST_TMP/pids"
		echo "keeping $TEST_TMP" | say
	else
		serve_cleanup
	fi
}
trap page_cleanup EXIT

# ---- tools: the proxy, datadog-pgo (or the stand-in), pgotool on the PATH ----
mkdir -p bin
(cd "$PGO_SRC/tests/go" && timeout 300 go build -o "$TEST_TMP/connectproxy" ./cmd/connectproxy) 2>"$LOG" ||
	{ say <"$LOG"; bail "build tests/go/cmd/connectproxy"; }
DPGO_MOD=github.com/DataDog/datadog-pgo
if GOFLAGS=-mod=readonly GOBIN="$TEST_TMP/bin" timeout 300 go install "$DPGO_MOD@latest" >dpgo-install.log 2>&1; then
	CLIENT="datadog-pgo $(go version -m bin/datadog-pgo | awk '$1 == "mod" { print $3; exit }')"
	WROTE='wrote PGO file'
	echo "# running the real $CLIENT from the module proxy"
else
	refused=$(sed -En 's#.*reading https?://[^ ]*: (403|404|410) .*#\1#p' dpgo-install.log | head -n 1)
	if [ -n "$refused" ]; then
		echo "note: the Go module proxy refuses $DPGO_MOD ($refused); using tests/go-ddpgo, the project's stand-in that speaks its protocol"
	else
		fail "go install $DPGO_MOD@latest"
		tail -n 10 dpgo-install.log | say
		echo "note: go install $DPGO_MOD@latest failed; using tests/go-ddpgo, the project's stand-in that speaks its protocol"
	fi
	(cd "$PGO_SRC/tests/go-ddpgo" && GOFLAGS=-mod=readonly timeout 300 go build -o "$TEST_TMP/bin/datadog-pgo" .) 2>"$LOG" ||
		{ say <"$LOG"; bail "build tests/go-ddpgo"; }
	CLIENT="ddpgo (stand-in)"
	WROTE='msg="wrote PGO file"'
fi
ln -s "$PGOTOOL" bin/pgotool

# ---- what a reader sets, and the way to app.$SITE:443 ----
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SITE=pgotool-docs.test
./connectproxy -allow "app.$SITE:443" -to "127.0.0.1:$PORT" >proxy.log 2>&1 &
track $!
for i in $(seq 1 100); do
	grep -q 'listening on 127\.0\.0\.1:[0-9]' proxy.log 2>/dev/null && break
	sleep 0.1
done
PROXY=http://$(sed -En 's/.*listening on (127\.0\.0\.1:[0-9]+).*/\1/p' proxy.log | head -n 1)
[ "$PROXY" != "http://" ] || { say <proxy.log; bail "start connectproxy"; }

# Only what the page and this test set reaches the commands.
for v in $(env | sed -n 's/^\(DD_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
unset PGOTOOL_API PGOTOOL_API_KEY PGOTOOL_APP_KEY PGOTOOL_DATA DDPGO_BASE_URL HTTP_PROXY http_proxy \
	ALL_PROXY all_proxy NO_PROXY no_proxy SSL_CERT_FILE SSL_CERT_DIR CURL_CA_BUNDLE NO_COLOR
export PATH="$TEST_TMP/bin:$PATH" SITE LISTEN="127.0.0.1:$PORT" PROFILES="$PGO_SRC/examples/profiles"
export HTTPS_PROXY=$PROXY https_proxy=$PROXY
export PPROF_BINARY_PATH="$TEST_TMP/no-binaries"

# ---- the page ----
doc_run "$PAGE"
cp "$DOC_OUTPUT" page.out

# ---- what came out ----
check "the store served HTTPS on the reader's LISTEN (127.0.0.1:$PORT)" \
	grep -q " listening on https://127\.0\.0\.1:$PORT, " serve.log
check "the store made its keys in pgotool-data/keys, mode 0600" \
	bash -c '[ "$(stat -c %a pgotool-data/keys)" = 600 ] && grep -q "keys created in pgotool-data/keys" serve.log'
check "the certificate names app.$SITE in its subjectAltName" \
	bash -c "openssl x509 -in tls/store.pem -noout -ext subjectAltName | grep -q 'DNS:app\.$SITE'"
check "the certificate is the page's CA's" \
	bash -c 'openssl verify -CAfile tls/ca.pem tls/store.pem >/dev/null'
n_up=$(grep -c 'POST /profiling/v1/input 200 .* service=checkout profile=' serve.log)
check "the store took the page's two uploads over HTTPS (got $n_up)" [ "$n_up" = 2 ]
check "every request reached app.$SITE:443 through the proxy, none elsewhere" \
	bash -c "grep -q 'CONNECT app\.$SITE:443: 200' proxy.log && ! grep -q ': 403' proxy.log"
n_gopgo=$(grep -c 'POST /api/unstable/profiles/gopgo 200 ' serve.log)
check "the store answered two gopgo requests with 200 (datadog-pgo's and pgotool fetch's; got $n_gopgo)" \
	[ "$n_gopgo" = 2 ]

ids=$(sed -n 's/.* service=checkout profile=\([0-9a-f-]*\).*/\1/p' serve.log | sort | tr '\n' ' ')
# debug_ids LINE: the ids of a "profile-id:(A OR B)" debug query, sorted.
debug_ids() { sed -n 's/.*profile-id:(\([^)]*\)).*/\1/p' <<<"$1" | sed 's/ OR /\n/g' | sort | tr '\n' ' '; }
dd_line=$(grep -F "$WROTE" page.out | grep -v 'INF wrote PGO file path=fetched.pgo' | head -n 1)
check "$CLIENT wrote default.pgo from the two uploads (debug query: ${dd_line##*debug-query=})" \
	[ -n "$ids" -a "$(debug_ids "$dd_line")" = "$ids" ]
fetch_line=$(grep -F 'INF wrote PGO file path=fetched.pgo' page.out | head -n 1)
check "pgotool fetch wrote fetched.pgo from the same two" [ -n "$ids" -a "$(debug_ids "$fetch_line")" = "$ids" ]

for f in default.pgo fetched.pgo; do
	if "$PGOTOOL" edges "$f" >"$f.edges" 2>"$f.err" && [ "$(head -n 1 "$f.edges")" = "GO PREPROFILE V1" ] &&
		[ "$(wc -l <"$f.edges")" -gt 10 ]; then
		pass "$f is a CPU profile the Go compiler takes ($(($(wc -l <"$f.edges") / 3)) call edges)"
	else
		fail "$f is a CPU profile the Go compiler takes"
		say <"$f.err"
	fi
done
check "$CLIENT and pgotool fetch give the compiler the same edges" cmp -s default.pgo.edges fetched.pgo.edges
"$PGOTOOL" merge -o uploads.pgo "$PGO_SRC/examples/profiles/burn-1.pprof" "$PGO_SRC/examples/profiles/burn-2.pprof" 2>"$LOG" &&
	"$PGOTOOL" edges uploads.pgo >uploads.edges 2>>"$LOG" || say <"$LOG"
check "and the edges of the two uploaded profiles merged" cmp -s default.pgo.edges uploads.edges
check "the page stopped its store cleanly (SIGTERM)" grep -q 'INFO  stopped (' serve.log

done_testing
