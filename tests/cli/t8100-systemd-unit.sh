#!/usr/bin/env bash
# packaging/pgotool-serve.service: systemd accepts it (systemd-analyze
# verify, on a copy whose ExecStart is the built binary), its sandbox scores
# "OK" or better in `systemd-analyze security --offline=yes`, and its
# ExecStart line, expanded as systemd expands it with the settings that
# /etc/default/pgotool may hold, starts a server that answers and stops
# cleanly on SIGTERM. Nothing outside $TEST_TMP is read or changed: no unit is
# installed, loaded or started.
. "$(dirname "$0")/lib.sh"
. "$PGO_SRC/tests/cli/serve-lib.sh"
watchdog 120

UNIT_SRC=$PGO_SRC/packaging/pgotool-serve.service
# The highest exposure score accepted, in tenths (systemd-analyze's
# --threshold unit). The unit scores 1.1; systemd calls 1.0 to 1.9 "OK".
MAX_EXPOSURE=15

if ! command -v systemd-analyze >/dev/null 2>&1; then
	# scripts/install-deps.sh installs it, so in CI its absence is a failure.
	if [ "${CI:-}" = "true" ]; then
		echo "FATAL: systemd-analyze is required in CI (Debian's systemd package; scripts/install-deps.sh installs it)"
		exit 1
	fi
	echo "SKIP: $test_name: systemd-analyze is not installed (Debian's systemd package has it)"
	exit 77
fi
command -v curl >/dev/null 2>&1 || { echo "FATAL: curl is missing (scripts/install-deps.sh installs it)"; exit 1; }

# The unit as installed names /usr/bin/pgotool; the copy names the built one.
mkdir unit
sed "s|/usr/bin/pgotool|$PGOTOOL|g" "$UNIT_SRC" >unit/pgotool-serve.service
check "the copy's ExecStart is the built binary" grep -q "^ExecStart=$PGOTOOL serve " unit/pgotool-serve.service

for want in 'DynamicUser=yes' 'StateDirectory=pgotool' 'EnvironmentFile=-/etc/default/pgotool' \
	'Restart=on-failure' 'ProtectSystem=strict' 'CapabilityBoundingSet=' 'SystemCallFilter=@system-service' \
	'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' 'MemoryDenyWriteExecute=yes' 'NoNewPrivileges=yes'; do
	check "the unit sets $want" grep -qx "$want" "$UNIT_SRC"
done
check "ExecStart serves --data /var/lib/pgotool" grep -q '^ExecStart=/usr/bin/pgotool serve --data /var/lib/pgotool ' "$UNIT_SRC"

# verify exits 0 on an unknown or misspelt setting and only warns: any line
# it prints about the unit is a failure. Man pages are not checked: they are
# installed with the package, not on a test machine.
(cd unit && systemd-analyze verify --man=no pgotool-serve.service) >verify.out 2>&1
rc=$?
if [ "$rc" -eq 0 ] && ! grep -q 'pgotool-serve' verify.out; then
	pass "systemd-analyze verify accepts the unit"
else
	fail "systemd-analyze verify accepts the unit (exit $rc)"
	say <verify.out
fi
# ... and that check can fail: a misspelt setting is reported.
sed 's/^ProtectClock=yes/ProtectClok=yes/' unit/pgotool-serve.service >unit/pgotool-serve-typo.service
(cd unit && systemd-analyze verify --man=no pgotool-serve-typo.service) >typo.out 2>&1
check "... and reports a misspelt setting (ProtectClok=)" grep -q "Unknown key 'ProtectClok'" typo.out

if systemd-analyze security --help 2>&1 | grep -q -- '--offline'; then
	(cd unit && systemd-analyze security --offline=yes --threshold="$MAX_EXPOSURE" pgotool-serve.service) \
		>security.out 2>&1
	rc=$?
	score=$(sed -n 's/.*Overall exposure level for pgotool-serve.service: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p' security.out)
	echo "# exposure score: ${score:-none} (at most $((MAX_EXPOSURE / 10)).$((MAX_EXPOSURE % 10)) accepted)"
	if [ "$rc" -eq 0 ] && [ -n "$score" ]; then
		pass "systemd-analyze security --offline=yes: exposure $score"
	else
		fail "systemd-analyze security --offline=yes: exposure ${score:-unknown} over $MAX_EXPOSURE/10 (exit $rc)"
		grep -v '✓' security.out | say
	fi
else
	pass "systemd-analyze security --offline=yes # SKIP: systemd $(systemd-analyze --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p') has no --offline"
fi

# ExecStart, expanded as systemd does: ${VAR} is one word, $VAR splits on
# white space; Environment= sets defaults that EnvironmentFile= overrides.
cat >default-pgotool <<'END'
# what /etc/default/pgotool may hold
PGOTOOL_LISTEN=127.0.0.1:0
PGOTOOL_SERVE_ARGS="--retention 30d --keep cpu.pprof --max-memory 64M"
PGOTOOL_API_KEY=unit-api-key
PGOTOOL_APP_KEY=unit-app-key
END
exec_start=$(sed -n 's/^ExecStart=//p' unit/pgotool-serve.service)
exec_start=${exec_start//\/var\/lib\/pgotool/$TEST_TMP/state}
(
	set -a
	. ./default-pgotool
	for w in $exec_start; do
		case $w in
		'${'*'}') v=${w#??}; v=${v%?}; printf '%s\n' "${!v}" ;;
		'$'*) v=${w#?}; for x in ${!v}; do printf '%s\n' "$x"; done ;;
		*) printf '%s\n' "$w" ;;
		esac
	done
) >argv
mapfile -t cmd <argv
echo "# ExecStart expands to: ${cmd[*]}"
check "ExecStart expands to the built binary's serve with the settings' flags" \
	[ "${cmd[0]}" = "$PGOTOOL" -a "${cmd[1]}" = serve -a "${cmd[*]: -6}" = "--retention 30d --keep cpu.pprof --max-memory 64M" ]

# Run it as the unit runs it: as an unprivileged user that owns only the
# state directory (DynamicUser=, StateDirectoryMode=0700), and under strace
# when it is there, to hold what the server calls against the unit's
# SystemCallFilter= and RestrictAddressFamilies=.
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null 2>&1; then
	chmod 711 "$TEST_TMP"
	mkdir -m 700 state
	chown nobody: state
	AS=(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups --)
else
	[ "${CI:-}" = "true" ] && fail "running as the unit's unprivileged user needs root, the user nobody and setpriv"
	mkdir -m 700 state
	AS=()
fi
TRACE=()
if ! measured_rss; then
	trace_skip="the sanitizer runtime's own system calls are not the server's"
elif command -v strace >/dev/null 2>&1; then
	TRACE=(strace -f -qq -o "$TEST_TMP/trace")
elif [ "${CI:-}" = "true" ]; then
	trace_skip=""
	fail "strace is missing (scripts/install-deps.sh installs it)"
else
	trace_skip="strace is not installed"
fi
env -u PGOTOOL_DATA PGOTOOL_API_KEY=unit-api-key PGOTOOL_APP_KEY=unit-app-key \
	${TRACE[@]+"${TRACE[@]}"} ${AS[@]+"${AS[@]}"} "${cmd[@]}" >srv.log 2>srv.err &
PID=$!
track "$PID"
PORT=""
SRV=$PID
for i in $(seq 1 300); do
	# Under strace the server is strace's child (which strace does not
	# kill when it is killed), and strace exits with its status.
	if [ ${#TRACE[@]} -gt 0 ] && [ "$SRV" = "$PID" ]; then
		SRV=$(pgrep -P "$PID" || echo "$PID")
		[ "$SRV" = "$PID" ] || track "$SRV"
	fi
	PORT=$(sed -n '1s|.* listening on http://127\.0\.0\.1:\([0-9][0-9]*\), .*|\1|p' srv.log 2>/dev/null)
	[ -n "$PORT" ] && break
	kill -0 "$PID" 2>/dev/null || break
	sleep 0.1
done
if [ -z "$PORT" ]; then
	fail "the unit's ExecStart starts a server"
	{ cat srv.log; cat srv.err; } | say
	done_testing
fi
pass "the unit's ExecStart starts a server (port $PORT)"
URL="http://127.0.0.1:$PORT"
KEYS=(-H "DD-API-KEY: unit-api-key" -H "DD-APPLICATION-KEY: unit-app-key")
http info GET /info
expect_code info 200 "GET /info answers"
event_json ev.json "$(iso -60)" "$(iso 0)" "service:unit,env:test,runtime:go"
upload up /profiling/v1/input ev.json "$PGO_SRC/examples/profiles/burn-1.pprof"
expect_code up 200 "an upload is stored"
search_json "$(iso -3600)" "$(iso 60)" "service:unit" >q.json
http ls POST /api/unstable/profiles/list "${KEYS[@]}" -H "Content-Type: application/json" --data-binary @q.json
check "... and listed by the query API" grep -q '"service":"unit"' ls.body
printf '{"queries":[%s]}' "$(cat q.json)" >gopgo.json
http gopgo POST /api/unstable/profiles/gopgo "${KEYS[@]}" -H "Content-Type: application/json" --data-binary @gopgo.json
expect_code gopgo 200 "... and served by profiles/gopgo"
http ui GET '/ui/api/profile?q=service:unit&window=1h' "${KEYS[@]}"
expect_code ui 200 "... and drawn by the web UI's profile endpoint"
check "the data is in the state directory" test -f state/profiles.db
check "... with no key file: the keys came from the environment" test ! -e state/keys
kill -TERM "$SRV"
stop_server "$PID" 0
check "SIGTERM stops it cleanly (exit $STATUS)" [ "$STATUS" = 0 ]
check "... and it says so" grep -q 'SIGTERM: stopping' srv.log

# What the server called, from its execve on (not setpriv's calls before it),
# against the unit's filter: @system-service less @privileged and @resources.
if [ ${#TRACE[@]} -gt 0 ]; then
	expand() {
		local w
		for w in $(systemd-analyze syscall-filter "$1" | sed -n '/^ *[^# ]/p'); do
			[ "$w" = "$1" ] && continue
			case $w in @*) expand "$w" ;; *) echo "$w" ;; esac
		done
	}
	expand @system-service | sort -u >allowed
	{ expand @privileged; expand @resources; } | sort -u >denied
	comm -23 allowed denied >filter
	awk -v bin="$PGOTOOL" 'index($0, "execve(\"" bin "\"") { on = 1 } on' trace >server.trace
	sed -n 's/^[0-9]* *\([a-z_0-9]*\)(.*/\1/p' server.trace | sort -u >called
	check "the trace holds the server's system calls ($(wc -l <called) kinds)" [ "$(wc -l <called)" -gt 20 ]
	outside=$(comm -23 called filter | tr '\n' ' ')
	check "every one is allowed by SystemCallFilter=@system-service ~@privileged @resources${outside:+ (not: $outside)}" \
		[ -z "$outside" ]
	families=$(sed -n 's/^[0-9]* *socket(\(AF_[A-Z0-9]*\),.*/\1/p' server.trace | sort -u | tr '\n' ' ')
	check "its sockets are of RestrictAddressFamilies=' families (${families% })" \
		eval '[ -n "$families" ] && ! printf "%s\n" $families | grep -qvx "AF_INET\|AF_INET6\|AF_UNIX"'
elif [ -n "${trace_skip:-}" ]; then
	pass "the server's system calls against the unit's filter # SKIP: $trace_skip"
fi

done_testing
