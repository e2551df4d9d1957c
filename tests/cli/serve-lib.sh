# Helpers for the `pgotool serve` shell tests (t4xxx). Source it after lib.sh:
#   . "$(dirname "$0")/lib.sh"; . "$PGO_SRC/tests/cli/serve-lib.sh"
# Servers listen on random ports (--listen 127.0.0.1:0; the port is read from
# the first log line); every server, curl loop and the watchdog started here
# is killed on exit. Diagnostics go to stderr, prefixed "# ".

say() { sed 's/^/# /' >&2; }

# The tools these tests drive the server with (scripts/install-deps.sh
# installs them). Mandatory in CI; elsewhere the test skips without them.
serve_require_tools() {
	local t missing=""
	for t in curl unzip zstd gzip od; do
		command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
	done
	[ -z "$missing" ] && return 0
	if [ "${CI:-}" = "true" ]; then
		echo "FATAL: the serve tests need:$missing"
		exit 1
	fi
	echo "SKIP: $test_name: missing$missing"
	exit 77
}

: >"$TEST_TMP/pids"   # every background process we start, one pid a line
WATCHDOG_PID=""

serve_cleanup() {
	local p
	[ -n "$WATCHDOG_PID" ] && kill "$WATCHDOG_PID" 2>/dev/null
	while read -r p; do
		[ -n "$p" ] && kill -KILL "$p" 2>/dev/null
	done <"$TEST_TMP/pids"
	wait 2>/dev/null
	cd / && rm -rf "$TEST_TMP"
}
trap serve_cleanup EXIT
trap 'exit 1' TERM INT

# watchdog SECONDS: bounds the whole test. When it fires it kills the servers
# (so that nothing waits on them), says so, and stops the test.
watchdog() {
	local secs=$1 me=$$
	(
		trap 'kill "$s" 2>/dev/null; exit 0' TERM
		sleep "$secs" >/dev/null 2>&1 </dev/null &
		s=$!
		wait "$s" || exit 0
		echo "not ok - $test_name: watchdog: the test ran longer than ${secs}s"
		while read -r p; do kill -KILL "$p" 2>/dev/null; done <"$TEST_TMP/pids"
		kill -TERM "$me" 2>/dev/null
	) &
	WATCHDOG_PID=$!
}

# track PID: kill PID on exit.
track() { echo "$1" >>"$TEST_TMP/pids"; }

SERVE_ENV=()   # extra VAR=VALUE settings for the next start_server

# start_server NAME [OPTION]...: runs `pgotool serve --listen 127.0.0.1:0
# OPTION...` with stdout in NAME.log and stderr in NAME.err, without
# PGOTOOL_* variables from the caller's environment (plus SERVE_ENV). Sets
# PID, PORT and URL. Fails (with the log) if it does not listen within 30 s.
start_server() {
	local name=$1 i
	shift
	env -u PGOTOOL_API_KEY -u PGOTOOL_APP_KEY -u PGOTOOL_DATA ${SERVE_ENV[@]+"${SERVE_ENV[@]}"} \
		"$PGOTOOL" serve --listen 127.0.0.1:0 "$@" >"$name.log" 2>"$name.err" &
	PID=$!
	track "$PID"
	PORT=""
	URL=""
	for i in $(seq 1 300); do
		PORT=$(sed -n '1s|.* listening on http://127\.0\.0\.1:\([0-9][0-9]*\), .*|\1|p' "$name.log" 2>/dev/null)
		[ -n "$PORT" ] && break
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$PORT" ]; then
		{
			echo "pgotool serve $* did not start listening; stdout:"
			cat "$name.log"
			echo "stderr:"
			cat "$name.err"
		} | say
		return 1
	fi
	URL="http://127.0.0.1:$PORT"
}

# stop_server PID [SIGNAL]: signals the server (TERM by default) and waits up
# to 30 s for it; sets STATUS to its exit status (124 if it had to be killed).
stop_server() {
	local pid=$1 sig=${2:-TERM} i
	kill "-$sig" "$pid" 2>/dev/null
	for i in $(seq 1 300); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		STATUS=124
		return 1
	fi
	wait "$pid" 2>/dev/null
	STATUS=$?
	return 0
}

# sanitizer_clean NAME: NAME.err holds no AddressSanitizer, LeakSanitizer or
# UndefinedBehaviorSanitizer report (shown when there is one).
sanitizer_clean() {
	if grep -Eq 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:|ThreadSanitizer' "$1.err"; then
		echo "sanitizer report in $1.err:" | say
		head -60 "$1.err" | say
		return 1
	fi
	return 0
}

N_REQ=0   # requests made with http, for the one-log-line-per-request checks

# http OUT METHOD PATH [CURL-ARG]...: one request to $URL$PATH; the body goes
# to OUT.body and the response headers to OUT.hdr; CODE is the status
# (000 when there was no response).
http() {
	local out=$1 method=$2 path=$3
	shift 3
	CODE=$(curl -sS --max-time 30 -o "$out.body" -D "$out.hdr" -w '%{http_code}' -X "$method" "$@" \
		"$URL$path" 2>"$out.curlerr")
	[ -n "$CODE" ] || CODE=000
	N_REQ=$((N_REQ + 1))
}

# show OUT: what a failed check saw.
show() {
	{
		echo "status $CODE; response headers:"
		tr -d '\r' <"$1.hdr" 2>/dev/null
		echo "body:"
		head -c 2000 "$1.body" 2>/dev/null | tr -c '[:print:]\n' '.'
		echo
		[ -s "$1.curlerr" ] && cat "$1.curlerr"
	} | say
}

# expect_code OUT WANT DESCRIPTION: CODE is WANT (else show the response).
expect_code() {
	if [ "$CODE" = "$2" ]; then
		pass "$3"
	else
		fail "$3 (HTTP $CODE, want $2)"
		show "$1"
	fi
}

# is_error_json FILE: a body like {"errors":["..."]}.
is_error_json() {
	grep -Eq '^\{"errors": ?\["[^"]' "$1"
}

# expect_error OUT WANT DESCRIPTION: status WANT with a {"errors": [...]} body.
expect_error() {
	if [ "$CODE" = "$2" ] && is_error_json "$1.body"; then
		pass "$3"
	else
		fail "$3 (HTTP $CODE, want $2 with {\"errors\":[...]})"
		show "$1"
	fi
}

# iso SECONDS [FRACTION]: now + SECONDS as RFC 3339 UTC, with ".FRACTION"
# when given (e.g. 123456789).
iso() {
	local t=$(($(date +%s) + $1))
	if [ -n "${2:-}" ]; then
		date -u -d "@$t" "+%Y-%m-%dT%H:%M:%S.${2}Z"
	else
		date -u -d "@$t" "+%Y-%m-%dT%H:%M:%SZ"
	fi
}

# event_json FILE START END TAGS [EXTRA-JSON-MEMBERS]: a dd-trace-go event.json.
event_json() {
	printf '{"start":"%s","end":"%s","attachments":["cpu.pprof"],"tags_profiler":"%s","family":"go","version":"4"%s}\n' \
		"$2" "$3" "$4" "${5:+,$5}" >"$1"
}

# upload OUT PATH EVENT-JSON CPU-PPROF [CURL-ARG]...: a multipart upload as
# dd-trace-go sends it: the event part (event.json, application/json), then
# cpu.pprof (application/octet-stream). Sets PROFILE_ID and EVENT_ID from a
# 200 answer.
upload() {
	local out=$1 path=$2 ev=$3 cpu=$4
	shift 4
	http "$out" POST "$path" \
		-F "event=@$ev;type=application/json;filename=event.json" \
		-F "cpu.pprof=@$cpu;type=application/octet-stream;filename=cpu.pprof" "$@"
	PROFILE_ID=$(json_str "$out.body" profile_id)
	EVENT_ID=$(json_str "$out.body" event_id)
}

# json_str FILE KEY: the first "KEY":"value" string in FILE.
json_str() {
	grep -o "\"$2\":\"[^\"]*\"" "$1" 2>/dev/null | head -1 | sed 's/^"[^"]*":"//; s/"$//'
}

# items FILE: the entries of a profiles/list answer, one a line (the server
# writes compact JSON; each entry starts with {"id":").
items() {
	sed 's/^{"data":\[//; s/\]}$//; s/}}}},{"id":"/}}}}\n{"id":"/g' "$1" | grep '^{"id":"'
}

# item_field LINE FIELD: a string or number member of one entry.
item_str() { printf '%s' "$1" | grep -o "\"$2\":\"[^\"]*\"" | head -1 | sed 's/^"[^"]*":"//; s/"$//'; }
item_num() { printf '%s' "$1" | grep -o "\"$2\":[-0-9.eE+]*" | head -1 | sed 's/^"[^"]*"://'; }

# search BODY-FILE: the JSON search object for list or gopgo.
# search_json FROM TO QUERY [SORT-FIELD ORDER] [LIMIT]
search_json() {
	local q=${3//\\/\\\\}
	q=${q//\"/\\\"}
	local s="{\"filter\":{\"from\":\"$1\",\"to\":\"$2\",\"query\":\"$q\"}"
	[ -n "${4:-}" ] && s="$s,\"sort\":{\"field\":\"$4\",\"order\":\"$5\"}"
	[ -n "${6:-}" ] && s="$s,\"limit\":$6"
	printf '%s}' "$s"
}

# magic FILE: the first two bytes in hex ("1f8b" for gzip, "28b5" for zstd).
magic() { head -c 2 "$1" | od -An -tx1 | tr -d ' \n'; }

# valid_pprof FILE: pgotool can read FILE as a profile (gzip, zstd or raw).
valid_pprof() { "$PGOTOOL" edges "$1" >/dev/null 2>"$1.err"; }

# request_lines LOG: request lines of a text log ("... METHOD PATH STATUS in=N out=N ...").
request_lines() { grep -Ec '^[^ ]+ INFO +[A-Z]+ [^ ]+ [0-9]{3} in=[0-9]+ out=[0-9]+ ' "$1"; }

# check_sh DESCRIPTION 'SHELL-CONDITION': passes when the condition (eval'd) holds.
check_sh() {
	local desc=$1
	shift
	if eval "$*"; then pass "$desc"; else fail "$desc"; fi
}

# measured_rss: whether RSS means anything for this build: under ASan or
# TSan, shadow memory and the quarantine of freed blocks dwarf what the
# server holds, so memory bounds are checked only in uninstrumented builds.
measured_rss() { ! grep -aq '__asan_init\|__tsan_init' "$PGOTOOL"; }

# check_rss DESCRIPTION 'SHELL-CONDITION': check_sh, or a skip under a sanitizer.
check_rss() {
	if measured_rss; then
		check_sh "$@"
	else
		pass "$1 # SKIP: RSS is not the server's under a sanitizer"
	fi
}
