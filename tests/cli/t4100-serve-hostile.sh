#!/usr/bin/env bash
# pgotool serve against hostile and broken requests: malformed, truncated and
# oversized bodies, wrong content types, bad event.json and cpu.pprof, odd
# part names, decompression bombs, slow and half-open connections, bad
# query API bodies. Each must get a 4xx JSON error (or, for a client that
# vanished, nothing), be logged, and leave the server answering; at the end
# the server is still alive, stops with 0 on SIGTERM, and (in a sanitizer
# build) reported nothing.
. "$(dirname "$0")/lib.sh"
. "$PGO_SRC/tests/cli/serve-lib.sh"
serve_require_tools
watchdog 300

EX=$PGO_SRC/examples/profiles
cp "$EX/burn-1.pprof" good.pprof
API=k-api
APP=k-app
KEYS=(-H "DD-API-KEY: $API" -H "DD-APPLICATION-KEY: $APP")
JSON=(-H "Content-Type: application/json")
MAX=65536

mkdir data
start_server srv --data data --api-key "$API" --app-key "$APP" --max-body 64K --timeout 2s ||
	{ fail "the server starts"; done_testing; }
SRV=$PID

event_json ev.json "$(iso -60 5)" "$(iso 0 5)" "service:hostile,env:test"

# Each hostile step: mark where the log is, send, then `after` checks that
# a line matching PATTERN was logged since the mark and that GET /info works.
MARK=0
mark() { MARK=$(wc -l <srv.log); }
after() { # DESCRIPTION PATTERN
	local desc=$1 pattern=$2 i logged=0
	for i in $(seq 1 100); do
		if tail -n +$((MARK + 1)) srv.log | grep -Eq "$pattern"; then
			logged=1
			break
		fi
		sleep 0.05
	done
	if [ $logged = 1 ]; then
		pass "$desc: logged"
	else
		fail "$desc: no log line matching /$pattern/"
		tail -n +$((MARK + 1)) srv.log | say
	fi
	local code
	code=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "$URL/info")
	if [ "$code" = 200 ]; then
		pass "$desc: the server still answers"
	else
		fail "$desc: the server still answers (GET /info: $code)"
		tail -5 srv.err | say
		if ! kill -0 "$SRV" 2>/dev/null; then
			echo "the server is dead" | say
			say <srv.err
			done_testing
		fi
	fi
}

# intake_raw OUT CONTENT-TYPE BODY-FILE [CURL-ARG]...: a POST to the intake with this exact body.
intake_raw() {
	local out=$1 ctype=$2 body=$3
	shift 3
	http "$out" POST /profiling/v1/input -H "Content-Type: $ctype" --data-binary "@$body" "$@"
}

# multipart FILE BOUNDARY (NAME FILENAME CONTENT-FILE)...: writes a multipart/form-data body.
multipart() {
	local out=$1 b=$2
	shift 2
	: >"$out"
	while [ $# -ge 3 ]; do
		printf -- '--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\nContent-Type: application/octet-stream\r\n\r\n' \
			"$b" "$1" "$2" >>"$out"
		cat "$3" >>"$out"
		printf '\r\n' >>"$out"
		shift 3
	done
	printf -- '--%s--\r\n' "$b" >>"$out"
}

# rejected OUT WANT DESCRIPTION [LOG-PATTERN]: the answer is WANT with a JSON
# error; then the log and liveness checks.
rejected() {
	expect_error "$1" "$2" "$3: $2 with a JSON error"
	local pattern=${4:-}
	[ -n "$pattern" ] || pattern=' (POST|-) /profiling/v1/input [0-9]{3} '
	after "$3" "$pattern"
}

# ---- malformed multipart ------------------------------------------------------

head -c 4096 /dev/urandom >garbage.bin
mark
intake_raw m1 "multipart/form-data; boundary=XYZ" garbage.bin
rejected m1 400 "garbage with a multipart content type"

printf 'event=hello' >text.bin
mark
intake_raw m2 "multipart/form-data" text.bin
rejected m2 400 "multipart without a boundary"

mark
intake_raw m2b "multipart/form-data; boundary=" text.bin
rejected m2b 400 "multipart with an empty boundary"

multipart other-boundary.bin OTHER event event.json ev.json cpu.pprof cpu.pprof good.pprof
mark
intake_raw m3 "multipart/form-data; boundary=XYZ" other-boundary.bin
rejected m3 400 "a body whose boundary is not the declared one"

: >empty.bin
mark
intake_raw m4 "multipart/form-data; boundary=XYZ" empty.bin
rejected m4 400 "an empty multipart body"

# the closing boundary missing: Content-Length matches, the body is cut short
multipart full.bin XYZ event event.json ev.json cpu.pprof cpu.pprof good.pprof
head -c $(($(wc -c <full.bin) - 500)) full.bin >cut.bin
mark
intake_raw m5 "multipart/form-data; boundary=XYZ" cut.bin
rejected m5 400 "a multipart body cut short (no closing boundary)"
# the same body, whole, is fine: the multipart writer above is right
mark
intake_raw m6 "multipart/form-data; boundary=XYZ" full.bin
expect_code m6 200 "control: the same multipart body, whole, is accepted"
after "control upload" ' POST /profiling/v1/input 200 '

# ---- wrong content types ------------------------------------------------------

mark
intake_raw c1 "application/json" ev.json
rejected c1 415 "application/json to the intake"
mark
http c2 POST /profiling/v1/input -H "Content-Type:" --data-binary @full.bin
rejected c2 415 "no Content-Type at all"
mark
http c3 POST /api/v2/profile --data-urlencode "event@ev.json"
rejected c3 415 "application/x-www-form-urlencoded to the intake" " POST /api/v2/profile [0-9]{3} "
mark
intake_raw c4 "text/plain" full.bin
rejected c4 415 "text/plain to the intake"

# ---- bad event.json -------------------------------------------------------------

bad_event() { # OUT DESCRIPTION EVENT-CONTENT
	printf '%s' "$3" >"$1.event"
	mark
	http "$1" POST /profiling/v1/input -F "event=@$1.event;type=application/json;filename=event.json" \
		-F "cpu.pprof=@good.pprof;type=application/octet-stream;filename=cpu.pprof"
	rejected "$1" 400 "$2"
}
bad_event e1 "event.json not JSON" 'this is not json'
bad_event e2 "event.json a JSON array" '["start","end"]'
bad_event e3 "event.json truncated" '{"start":"2026-01-01T00:00:00Z","end":'
bad_event e4 "event.json without start" "{\"end\":\"$(iso 0)\",\"tags_profiler\":\"service:x\",\"family\":\"go\"}"
bad_event e5 "event.json without end" "{\"start\":\"$(iso 0)\",\"tags_profiler\":\"service:x\"}"
bad_event e6 "event.json with start not a time" "{\"start\":\"yesterday\",\"end\":\"$(iso 0)\"}"
bad_event e7 "event.json with a numeric start" "{\"start\":1700000000,\"end\":\"$(iso 0)\"}"
bad_event e8 "event.json with tags_profiler not a string" "{\"start\":\"$(iso -60)\",\"end\":\"$(iso 0)\",\"tags_profiler\":[\"service:x\"]}"
bad_event e9 "event.json with a NUL escape" "{\"start\":\"$(iso -60)\",\"end\":\"$(iso 0)\",\"tags_profiler\":\"service:a\\u0000b\"}"
bad_event e10 "event.json with a start in year 99999" "{\"start\":\"99999-01-01T00:00:00Z\",\"end\":\"$(iso 0)\"}"
grep -q 'event.json' e1.body && pass "event.json errors name event.json" || { fail "event.json errors name event.json"; show e1; }

mark
http e11 POST /profiling/v1/input -F "cpu.pprof=@good.pprof;type=application/octet-stream;filename=cpu.pprof"
rejected e11 400 "no event part"

# ---- bad cpu.pprof ------------------------------------------------------------------

bad_cpu() { # OUT DESCRIPTION CPU-FILE
	mark
	upload "$1" /profiling/v1/input ev.json "$3"
	rejected "$1" 400 "$2"
}
head -c 3000 /dev/urandom >random.pprof
bad_cpu p1 "cpu.pprof random bytes" random.pprof
head -c 1000 good.pprof >trunc.pprof.gz
bad_cpu p2 "cpu.pprof truncated gzip" trunc.pprof.gz
{ printf '\x28\xb5\x2f\xfd'; head -c 2000 /dev/urandom; } >bad.zst
bad_cpu p3 "cpu.pprof zstd magic then garbage" bad.zst
{ printf '\x1f\x8b\x08\x00'; head -c 2000 /dev/urandom; } >bad.gz
bad_cpu p4 "cpu.pprof gzip magic then garbage" bad.gz
printf '\x0a\xff\xff\xff\xff\x0f' >badproto.pprof
bad_cpu p5 "cpu.pprof a protobuf field longer than the data" badproto.pprof
# CPU time the uploader picks must not wrap (a crash under UBSan, a chosen rank under gopgo's sort)
for k in cpu-huge cpu-negative cpu-busy; do "$PGO_TOOLS/mkbad" "$k" "$k.pprof" >/dev/null; done
bad_cpu p6 "cpu.pprof whose CPU time adds up past int64" cpu-huge.pprof
check "... the error says so" grep -q 'adds up past 2^63 ns' p6.body
bad_cpu p7 "cpu.pprof with negative CPU time" cpu-negative.pprof
check "... the error names the sample" grep -q 'sample 1 has negative CPU time' p7.body
bad_cpu p8 "cpu.pprof with 15,000 cores busy for 10 s" cpu-busy.pprof
check "... the error names the bound" grep -q 'more than 4096 cores can spend' p8.body
# a decompression bomb: 1.1 GB of zeros in a few tens of KB of zstd
head -c 1100M /dev/zero | zstd -q -19 >bomb.zst
hwm() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/"$SRV"/status 2>/dev/null; }
if [ "$(wc -c <bomb.zst)" -lt $MAX ]; then
	hwm0=$(hwm)
	t0=$(date +%s)
	bad_cpu p6 "cpu.pprof a zstd bomb (1.1 GB of zeros)" bomb.zst
	check "the zstd bomb is refused within 20 s" [ $(($(date +%s) - t0)) -le 20 ]
	hwm1=$(hwm)
	# A real CPU profile decompresses to a few MB; a request of less than
	# --max-body must not be able to make the server hold a gigabyte.
	if [ -n "$hwm0" ] && [ -n "$hwm1" ]; then
		check "a $(wc -c <bomb.zst)-byte zstd bomb raises the server's peak RSS by less than 256 MB (${hwm0} kB -> ${hwm1} kB)" \
			[ $((hwm1 - hwm0)) -lt 262144 ]
	fi
fi
grep -q 'cpu.pprof' p1.body && pass "cpu.pprof errors name cpu.pprof" || { fail "cpu.pprof errors name cpu.pprof"; show p1; }

# ---- part names -----------------------------------------------------------------------

bad_part() { # OUT DESCRIPTION PART-NAME
	mark
	upload "$1" /profiling/v1/input ev.json good.pprof -F "$3=@good.pprof;type=application/octet-stream"
	rejected "$1" 400 "$2"
}
bad_part n1 "a part name with '/'" "../../evil.pprof"
bad_part n2 "a part name that is an absolute path" "/tmp/evil.pprof"
bad_part n3 "a part name '..'" ".."
bad_part n4 "a part name with a backslash" 'a\b.pprof'
bad_part n5 "a part name of 200 bytes" "$(printf 'x%.0s' $(seq 1 200))"
check "a bad part name is named in the error" grep -q 'not a plain file name' n1.body
check_sh "no file escaped the data directory" '[ ! -e evil.pprof ] && [ ! -e /tmp/evil.pprof ] && [ ! -e "$TEST_TMP/../evil.pprof" ]'

# more parts than the intake takes
printf '{}' >small.json
args=()
for i in $(seq 1 40); do args+=(-F "part$i.json=@small.json;type=application/octet-stream"); done
mark
upload n6 /profiling/v1/input ev.json good.pprof "${args[@]}"
rejected n6 400 "40 attachments"

# the same part name twice: a client error (4xx, final), or one of them kept;
# never a 5xx, which dd-trace-go would retry
mark
upload n7 /profiling/v1/input ev.json good.pprof -F "cpu.pprof=@good.pprof;type=application/octet-stream;filename=cpu.pprof"
case $CODE in
400) expect_error n7 400 "cpu.pprof twice: 400 with a JSON error" ;;
200) pass "cpu.pprof twice: 200" ;;
*) fail "cpu.pprof twice: HTTP $CODE, want 400 (or 200)"; show n7 ;;
esac
after "cpu.pprof twice" ' (POST|-) /profiling/v1/input [0-9]{3} '
mark
upload n8 /profiling/v1/input ev.json good.pprof -F "metrics.json=@ev.json;filename=metrics.json" \
	-F "metrics.json=@ev.json;filename=metrics.json"
case $CODE in
400) expect_error n8 400 "metrics.json twice: 400 with a JSON error" ;;
200) pass "metrics.json twice: 200" ;;
*) fail "metrics.json twice: HTTP $CODE, want 400 (or 200)"; show n8 ;;
esac
after "metrics.json twice" ' (POST|-) /profiling/v1/input [0-9]{3} '

# an attachment other than cpu.pprof that claims to be zstd but is not: the
# upload is refused, or it is stored and still downloads (never a poisoned
# upload whose every download fails)
mark
upload z1 /profiling/v1/input ev.json good.pprof -F "metrics.json=@bad.zst;type=application/octet-stream;filename=metrics.json"
after "metrics.json with zstd magic then garbage" ' (POST|-) /profiling/v1/input [0-9]{3} '
case $CODE in
400) expect_error z1 400 "metrics.json with zstd magic then garbage: refused with a JSON error" ;;
200)
	http z1d GET "/api/ui/profiling/profiles/$PROFILE_ID/download?eventId=$EVENT_ID" "${KEYS[@]}"
	if [ "$CODE" = 200 ] && unzip -tqq z1d.body >/dev/null 2>&1; then
		pass "metrics.json with zstd magic then garbage: accepted, and the upload downloads"
	else
		fail "metrics.json with zstd magic then garbage: accepted (200), but its download fails (HTTP $CODE)"
		show z1d
	fi
	;;
*) fail "metrics.json with zstd magic then garbage: HTTP $CODE"; show z1 ;;
esac

# ---- tags that try to be other tags -----------------------------------------------

search_json "$(iso -86400)" "$(iso 3600)" "forged:yes" >forged.req
event_json inj.event.json "$(iso -60)" "$(iso 0)" 'service:inj\nforged:yes,case:inj'
mark
upload t1 /profiling/v1/input inj.event.json good.pprof
after "a tag with a newline" ' (POST|-) /profiling/v1/input [0-9]{3} '
http t1l POST /api/unstable/profiles/list "${KEYS[@]}" "${JSON[@]}" --data-binary @forged.req
if [ "$CODE" = 200 ] && ! grep -q '"id"' t1l.body; then
	pass "a newline in a tag does not make a second tag"
else
	fail "a newline in a tag does not make a second tag (the upload got $(cat t1.body); list forged:yes got HTTP $CODE)"
	show t1l
fi
# a client cannot claim another profile's id
http victim POST /profiling/v1/input -F "event=@ev.json;type=application/json;filename=event.json" \
	-F "cpu.pprof=@good.pprof;type=application/octet-stream;filename=cpu.pprof"
VICTIM=$(json_str victim.body profile_id)
event_json claim.event.json "$(iso -60)" "$(iso 0)" "service:claim,profile-id:$VICTIM"
mark
upload t2 /profiling/v1/input claim.event.json good.pprof
after "a profile-id tag from the client" ' (POST|-) /profiling/v1/input [0-9]{3} '
search_json "$(iso -86400)" "$(iso 3600)" "profile-id:$VICTIM" >claim.req
http t2l POST /api/unstable/profiles/list "${KEYS[@]}" "${JSON[@]}" --data-binary @claim.req
n=$(items t2l.body | wc -l)
if [ -n "$VICTIM" ] && [ "$CODE" = 200 ] && [ "$n" = 1 ] && [ "$(items t2l.body | grep -o '"attributes":{"id":"[^"]*"')" = "\"attributes\":{\"id\":\"$VICTIM\"" ]; then
	pass "profile-id:ID finds only that profile, whatever tags clients send"
else
	fail "profile-id:ID finds only that profile, whatever tags clients send ($n entries)"
	show t2l
fi

# ---- tag limits: the store's own tags are always kept; past the limits, a 400 that names them

# 255 tags from the profiler and one from the agent make the 256 allowed
many=$(for i in $(seq 1 254); do printf ',k%d:v' "$i"; done)
event_json many.event.json "$(iso -60)" "$(iso 0)" "service:many$many"
upload tm /profiling/v1/input many.event.json good.pprof -H "X-Datadog-Additional-Tags: default_env:staging"
expect_code tm 200 "256 tags from the uploader, the limit, are taken"
MANY=$(json_str tm.body profile_id)
search_json "$(iso -86400)" "$(iso 3600)" "profile-id:$MANY env:staging" >many.req
http tml POST /api/unstable/profiles/list "${KEYS[@]}" "${JSON[@]}" --data-binary @many.req
check "... and the store's own profile-id and env tags are still there (found by both)" \
	test -n "$MANY" -a "$(items tml.body | wc -l)" = 1
event_json toomany.event.json "$(iso -60)" "$(iso 0)" "service:many$many,one:more"
mark
upload tt /profiling/v1/input toomany.event.json good.pprof -H "X-Datadog-Additional-Tags: default_env:staging"
rejected tt 400 "257 tags from the uploader"
check "... the error names the limit" grep -q 'more than 256 tags; the limit is 256' tt.body
long=$(head -c 600 /dev/zero | tr '\0' x)
event_json long.event.json "$(iso -60)" "$(iso 0)" "service:long,big:$long"
mark
upload tl /profiling/v1/input long.event.json good.pprof
rejected tl 400 "a 604-byte tag"
check "... the error names the limit" grep -q 'is 604 bytes; the limit is 512' tl.body
mark
upload tu /profiling/v1/input ev.json good.pprof -H "X-Datadog-Additional-Tags: host:web$(printf '\377')1"
rejected tu 400 "an agent tag that is not UTF-8 (it could be stored but never listed)"
check "... the error says so" grep -q 'is not UTF-8' tu.body

# ---- oversized bodies ---------------------------------------------------------------

head -c $((MAX + 1)) /dev/urandom >big.pprof
multipart big.bin XYZ event event.json ev.json cpu.pprof cpu.pprof big.pprof
mark
intake_raw o1 "multipart/form-data; boundary=XYZ" big.bin
rejected o1 413 "a body over --max-body"
mark
intake_raw o2 "multipart/form-data; boundary=XYZ" big.bin -H "Transfer-Encoding: chunked"
rejected o2 413 "a chunked body over --max-body"
mark
intake_raw o3 "multipart/form-data; boundary=XYZ" big.bin -H "Expect:"
rejected o3 413 "a body over --max-body, without Expect: 100-continue"
head -c $((MAX * 4)) /dev/zero | tr '\0' ' ' >big.json
mark
http o4 POST /api/unstable/profiles/list "${KEYS[@]}" "${JSON[@]}" --data-binary @big.json
rejected o4 413 "a query body over --max-body" " POST /api/unstable/profiles/list [0-9]{3} "

# ---- truncated and slow connections (raw sockets) -------------------------------------

# raw_send FILE [HOLD]: opens a connection, writes FILE, keeps it open HOLD
# seconds (default 0), then closes it without reading.
raw_send() {
	exec 3<>"/dev/tcp/127.0.0.1/$PORT" || return 1
	cat "$1" >&3 2>/dev/null
	[ -n "${2:-}" ] && sleep "$2"
	exec 3>&-
}
# raw_ask FILE OUT: sends FILE and reads the answer (10 s at most) into OUT.
raw_ask() {
	exec 3<>"/dev/tcp/127.0.0.1/$PORT" || return 1
	cat "$1" >&3 2>/dev/null
	timeout 10 cat <&3 >"$2" 2>/dev/null
	exec 3>&-
}
req_head() { # METHOD PATH CONTENT-LENGTH [EXTRA-HEADER-LINES]
	printf '%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=XYZ\r\nContent-Length: %s\r\n%s\r\n' \
		"$1" "$2" "$3" "${4:-}"
}

{ req_head POST /profiling/v1/input 50000; head -c 1000 full.bin; } >trunc.req
mark
raw_send trunc.req
after "Content-Length 50000, 1000 bytes sent, then closed" ' (POST|-) /profiling/v1/input [0-9]{3} '
{ req_head POST /profiling/v1/input 50000; head -c 1000 full.bin; } >trunc2.req
mark
t0=$(date +%s)
raw_send trunc2.req 4 &
RAW=$!
track $RAW
sleep 0.5
code=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "$URL/info")
check "a half-sent body does not block other requests (GET /info: $code)" [ "$code" = 200 ]
wait $RAW
after "Content-Length 50000, 1000 bytes sent, connection held past --timeout" ' (POST|-) /profiling/v1/input [0-9]{3} '

# headers never finished (slowloris): other requests still go through, and
# --timeout closes it
printf 'POST /profiling/v1/input HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Len' >slow.req
exec 4<>"/dev/tcp/127.0.0.1/$PORT"
cat slow.req >&4
code=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "$URL/info")
check "an unfinished request head does not block others (GET /info: $code)" [ "$code" = 200 ]
t0=$(date +%s)
timeout 15 cat <&4 >/dev/null 2>&1
t1=$(date +%s)
exec 4>&-
check "an idle half-sent request is closed by --timeout 2s (after $((t1 - t0)) s)" [ $((t1 - t0)) -le 10 ]

# not HTTP at all
head -c 2000 /dev/urandom >noise.bin
raw_ask noise.bin noise.out
code=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "$URL/info")
check "random bytes instead of HTTP: the server still answers ($code)" [ "$code" = 200 ]

# Requests that libmicrohttpd itself refuses, before the handlers see them:
# refused with a 4xx (or closed), still logged as requests, server fine.
# raw_refused FILE DESCRIPTION LOG-PATTERN
raw_refused() {
	mark
	raw_ask "$1" "$1.out"
	local status
	status=$(head -1 "$1.out" | tr -d '\r')
	case $status in
	"HTTP/1.1 4"*) pass "$2: refused ($status)" ;;
	"") pass "$2: connection closed" ;;
	*) fail "$2: $status" ;;
	esac
	after "$2" "$3"
}
printf 'GET /big-header HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\nConnection: close\r\n\r\n' "$(head -c 200000 /dev/zero | tr '\0' a)" >bighdr.req
# (the method of a request refused while its headers are read is unknown to the server: '-')
raw_refused bighdr.req "a 200 KB header" ' (GET|-) /big-header [0-9]{3} '
{ printf 'POST /profiling/v1/input HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=XYZ\r\nContent-Length: 99999999999999999999\r\nConnection: close\r\n\r\n'; cat full.bin; } >hugecl.req
raw_refused hugecl.req "Content-Length 99999999999999999999" ' (POST|-) /profiling/v1/input [0-9]{3} '
{ printf 'POST /profiling/v1/input HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=XYZ\r\nContent-Length: 12abc\r\nConnection: close\r\n\r\n'; cat full.bin; } >badcl.req
raw_refused badcl.req "Content-Length 12abc" ' (POST|-) /profiling/v1/input [0-9]{3} '

# ---- methods and paths ---------------------------------------------------------------

mark
http h1 GET /profiling/v1/input
rejected h1 405 "GET on the intake" " GET /profiling/v1/input [0-9]{3} "
mark
http h2 GET /no/such/thing
rejected h2 404 "an unknown path" " GET /no/such/thing [0-9]{3} "
mark
http h3 GET "/api/ui/profiling/profiles/..%2F..%2Fkeys/download?eventId=x" "${KEYS[@]}"
rejected h3 404 "a download id with an encoded ../" " GET /api/ui/profiling/profiles/[^ ]* [0-9]{3} "
mark
http h4 GET "/api/ui/profiling/profiles/$(printf 'a%.0s' $(seq 1 300))/download" "${KEYS[@]}"
rejected h4 404 "a 300-byte profile id" " GET /api/ui/profiling/profiles/[^ ]* [0-9]{3} "
mark
http h5 DELETE /api/unstable/profiles/list "${KEYS[@]}"
case $CODE in 404 | 405) expect_error h5 "$CODE" "DELETE on list: $CODE" ;; *) fail "DELETE on list: HTTP $CODE"; show h5 ;; esac
after "DELETE on list" ' DELETE /api/unstable/profiles/list 40[45] '

# ---- bad query API bodies ----------------------------------------------------------

bad_query() { # OUT ENDPOINT DESCRIPTION BODY [MUST-CONTAIN]
	printf '%s' "$4" >"$1.req"
	mark
	http "$1" POST "/api/unstable/profiles/$2" "${KEYS[@]}" "${JSON[@]}" --data-binary "@$1.req"
	expect_error "$1" 400 "$2: $3: 400 with a JSON error"
	if [ -n "${5:-}" ]; then
		grep -q "$5" "$1.body" && pass "$2: $3: the error says '$5'" || { fail "$2: $3: the error says '$5'"; show "$1"; }
	fi
	after "$2: $3" " POST /api/unstable/profiles/$2 [0-9]{3} "
}
F=$(iso -86400)
T=$(iso 3600)
bad_query q1 list "not JSON" 'nope'
bad_query q2 list "an empty body" ''
bad_query q3 list "a JSON array" '[]'
bad_query q4 list "no filter" '{"limit":5}'
bad_query q5 list "filter not an object" '{"filter":"service:x"}'
bad_query q6 list "query not a string" "{\"filter\":{\"from\":\"$F\",\"to\":\"$T\",\"query\":42}}"
long=$(printf 'a%.0s' $(seq 1 5000))
bad_query q7 list "a 5000-byte query" "{\"filter\":{\"from\":\"$F\",\"to\":\"$T\",\"query\":\"$long\"}}" "position 4096"
deep=$(printf '(%.0s' $(seq 1 100))a$(printf ')%.0s' $(seq 1 100))
bad_query q8 list "100 nested parentheses" "{\"filter\":{\"from\":\"$F\",\"to\":\"$T\",\"query\":\"$deep\"}}" "position 64"
bad_query q9 gopgo "queries not an array" '{"queries":{"filter":{}}}'
many=""
for i in $(seq 1 101); do many="$many${many:+,}{\"filter\":{\"from\":\"$F\",\"to\":\"$T\",\"query\":\"\"}}"; done
bad_query q10 gopgo "101 queries" "{\"queries\":[$many]}"
bad_query q11 list "a limit of 10^30" "{\"filter\":{\"from\":\"$F\",\"to\":\"$T\",\"query\":\"\"},\"limit\":1000000000000000000000000000000}"
bad_query q12 list "from in year 99999" "{\"filter\":{\"from\":\"99999-01-01T00:00:00Z\",\"to\":\"$T\",\"query\":\"\"}}"

# long chains the parser accepts must not exhaust the stack either
negs=$(printf -- '-%.0s' $(seq 1 4000))
printf '{"filter":{"from":"%s","to":"%s","query":"%sservice:hostile"}}' "$F" "$T" "$negs" >neg.req
mark
http q13 POST /api/unstable/profiles/list "${KEYS[@]}" "${JSON[@]}" --data-binary @neg.req
case $CODE in 200 | 400) pass "list: 4000 negations: $CODE" ;; *) fail "list: 4000 negations: HTTP $CODE"; show q13 ;; esac
after "list: 4000 negations" " POST /api/unstable/profiles/list (200|400) "
terms=$(for i in $(seq 1 800); do printf 'a:%d OR ' "$i"; done)
printf '{"filter":{"from":"%s","to":"%s","query":"%sservice:hostile"}}' "$F" "$T" "${terms:0:4000}" >or.req
mark
http q14 POST /api/unstable/profiles/list "${KEYS[@]}" "${JSON[@]}" --data-binary @or.req
case $CODE in 200 | 400) pass "list: a 4000-byte OR chain: $CODE" ;; *) fail "list: a 4000-byte OR chain: HTTP $CODE"; show q14 ;; esac
after "list: a 4000-byte OR chain" " POST /api/unstable/profiles/list (200|400) "

# ---- many hostile requests at once -----------------------------------------------------

pids=()
for i in $(seq 1 20); do
	curl -s --max-time 20 -o /dev/null -H "Content-Type: multipart/form-data; boundary=XYZ" \
		--data-binary @garbage.bin "$URL/profiling/v1/input" &
	pids+=($!)
	track $!
	curl -s --max-time 20 -o /dev/null -F "event=@e1.event;type=application/json;filename=event.json" \
		-F "cpu.pprof=@random.pprof;filename=cpu.pprof" "$URL/profiling/v1/input" &
	pids+=($!)
	track $!
done
for j in "${pids[@]}"; do wait "$j" || true; done
code=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "$URL/info")
check "40 concurrent bad uploads: the server still answers ($code)" [ "$code" = 200 ]

# ---- log forging: what a client sends cannot start a log line or break the JSON log ----

http lf1 GET "/x%0a2026-11-30T00:00:00.000Z%20INFO%20%20POST%20/forged%20200"
http lf2 GET "/y%0d%1b%5b31mred%ff%c0%af"
check "a %0a in the path is escaped in the log, not a new line" grep -q 'GET /x\\x0a2026-11-30T00:00:00.000Z INFO  POST /forged 200 404 in=0' srv.log
check "no log line starts with the forged time" bash -c "! grep -q '^2026-11-30T00:00:00.000Z' srv.log"
check "CR, ESC and bytes that are not UTF-8 are escaped" grep -q 'GET /y\\x0d\\x1b\[31mred\\xff\\xc0\\xaf 404' srv.log
check "... and the error body says the same in JSON" python3 -c '
import json, sys
body = json.load(open("lf2.body"))
assert body["errors"][0].startswith("GET /y\\x0d\\x1b[31mred\\xff\\xc0\\xaf"), body'

# ---- the end: alive, a clean stop, every request logged, nothing stored ---------------

http fin POST /api/unstable/profiles/list "${KEYS[@]}" "${JSON[@]}" --data-binary @forged.req
check "the server is alive at the end" kill -0 "$SRV"
search_json "$F" "$T" "service:hostile" >all.req
http all POST /api/unstable/profiles/list "${KEYS[@]}" "${JSON[@]}" --data-binary @all.req
n=$(items all.body | wc -l)
# the control upload, the victim, and the duplicate-part uploads if they were accepted
want=2
grep -q profile_id z1.body && want=$((want + 1))
[ "$(head -c 1 n7.body)" = "{" ] && grep -q profile_id n7.body && want=$((want + 1))
grep -q profile_id n8.body && want=$((want + 1))
check "only the valid uploads were stored ($n of service:hostile, want $want)" [ "$n" = "$want" ]
stop_server "$SRV"
check "SIGTERM: exit status 0 (got $STATUS)" [ "$STATUS" = 0 ]
check "no sanitizer report" sanitizer_clean srv
lines=$(request_lines srv.log)
check "log: one line per request we completed or abandoned (at least $N_REQ, got $lines)" [ "$lines" -ge "$N_REQ" ]
check "log: abandoned requests are logged with status 499" grep -q ' POST /profiling/v1/input 499 ' srv.log
if grep -Eq ' [A-Z]+ [^ ]+ 5[0-9][0-9] in=' srv.log; then
	fail "no request got a 5xx"
	grep -E ' [A-Z]+ [^ ]+ 5[0-9][0-9] in=' srv.log | say
else
	pass "no request got a 5xx"
fi

done_testing
