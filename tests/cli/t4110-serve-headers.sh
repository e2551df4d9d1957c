#!/usr/bin/env bash
# pgotool serve decides on a request's headers, before it reads the body:
# missing keys (403), a wrong method (405 with Allow), a Content-Length over
# the limit (413), a wrong Content-Type (415) and no room in --max-memory
# (503 with Retry-After) are answered with none of the body read, which the
# request log shows (in=0). Bytes held for refused requests are given back,
# so well-formed uploads still go through.
. "$(dirname "$0")/lib.sh"
. "$PGO_SRC/tests/cli/serve-lib.sh"
serve_require_tools
watchdog 300
RAWPOST=$PGO_SRC/tests/tools/rawpost.py

cp "$PGO_SRC/examples/profiles/burn-1.pprof" good.pprof
API=k-api
APP=k-app
KEYS=(-H "DD-API-KEY: $API" -H "DD-APPLICATION-KEY: $APP")
event_json ev.json "$(iso -60 5)" "$(iso 0 5)" "service:headers,env:test"
MB=$((1 << 20))

mkdir data
start_server srv --data data --api-key "$API" --app-key "$APP" --intake-key --max-memory 4M ||
	{ fail "the server starts"; done_testing; }
SRV=$PID

# post NAME METHOD PATH BYTES [HEADER]...: sets STATUS, SENT, RETRY, ALLOW,
# and IN (body bytes the server says it read, from its log line).
post() {
	local name=$1 method=$2 path=$3 bytes=$4 line i
	shift 4
	local before
	before=$(wc -l <srv.log)
	line=$(python3 "$RAWPOST" "$PORT" "$method" "$path" "$bytes" "$@")
	STATUS=$(printf '%s' "$line" | sed 's/.*status=\([0-9]*\).*/\1/')
	SENT=$(printf '%s' "$line" | sed 's/.*sent=\([0-9]*\).*/\1/')
	RETRY=$(printf '%s' "$line" | sed 's/.*retry_after=\([^ ]*\).*/\1/')
	ALLOW=$(printf '%s' "$line" | sed 's/.*allow=\([^ ]*\).*/\1/')
	IN=""
	for i in $(seq 1 100); do
		line=$(tail -n +$((before + 1)) srv.log | grep -E " $method ${path%%\?*} [0-9]{3} in=" | head -1)
		[ -n "$line" ] && break
		sleep 0.05
	done
	IN=$(printf '%s' "$line" | sed -n 's/.* in=\([0-9]*\) .*/\1/p')
	printf '%s: status=%s sent=%s in=%s retry=%s allow=%s\n' "$name" "$STATUS" "$SENT" "${IN:-?}" "$RETRY" "$ALLOW" | say
}
read_little() { # DESCRIPTION: the log says less than 1 MB of the body was read
	check "$1: the log shows less than 1 MB of the body read (in=${IN:-none})" [ -n "$IN" ] && [ "${IN:-0}" -lt $MB ]
}

# ---- 403 on the headers -------------------------------------------------------------
post k1 POST /api/unstable/profiles/list $((50 * MB)) "Content-Type: application/json"
check "a 50 MB query POST without keys: 403 ($STATUS)" [ "$STATUS" = 403 ]
read_little "... 50 MB without keys"
post k2 POST /profiling/v1/input $((50 * MB)) "Content-Type: multipart/form-data; boundary=XYZ"
check "a 50 MB upload without DD-API-KEY under --intake-key: 403 ($STATUS)" [ "$STATUS" = 403 ]
read_little "... 50 MB upload without DD-API-KEY"
post k3 POST /profiling/v1/input $((50 * MB)) "Content-Type: multipart/form-data; boundary=XYZ" "DD-API-KEY: wrong"
check "a 50 MB upload with a wrong key: 403 ($STATUS)" [ "$STATUS" = 403 ]
read_little "... 50 MB upload with a wrong key"

# ---- 405 with Allow -----------------------------------------------------------------
post m1 GET /profiling/v1/input 0
check "GET on the intake: 405 ($STATUS) with Allow: POST ($ALLOW)" [ "$STATUS" = 405 ] && [ "$ALLOW" = POST ]
post m2 DELETE /api/unstable/profiles/list $((8 * MB)) "DD-API-KEY: $API" "DD-APPLICATION-KEY: $APP"
check "DELETE with an 8 MB body on list: 405 ($STATUS) with Allow: POST ($ALLOW)" [ "$STATUS" = 405 ] && [ "$ALLOW" = POST ]
read_little "... DELETE on list"
post m3 GET /v0.4/traces 0
check "GET on the traces endpoint: 405 ($STATUS) with Allow: POST,PUT ($ALLOW)" [ "$STATUS" = 405 ] && [ "$ALLOW" = POST,PUT ]
post m4 GET /no/such/path 0
check "an unknown path: 404 ($STATUS)" [ "$STATUS" = 404 ]

# ---- 413 and 415 on the headers -----------------------------------------------------------
post l1 POST /api/unstable/profiles/list $((2 * MB)) "Content-Type: application/json" "DD-API-KEY: $API" "DD-APPLICATION-KEY: $APP"
check "a 2 MB query body (the API's limit is 1 MiB): 413 ($STATUS)" [ "$STATUS" = 413 ]
read_little "... 2 MB query body"
post l2 POST /profiling/v1/input $((65 * MB)) "Content-Type: multipart/form-data; boundary=XYZ" "DD-API-KEY: $API"
check "a 65 MB upload (over --max-body 64M): 413 ($STATUS)" [ "$STATUS" = 413 ]
read_little "... 65 MB upload"
post l3 GET /info $((2 * MB))
check "a GET /info with a 2 MB body: 413 ($STATUS)" [ "$STATUS" = 413 ]
read_little "... GET with a body"
post t1 POST /api/unstable/profiles/list $((MB / 2)) "Content-Type: text/plain" "DD-API-KEY: $API" "DD-APPLICATION-KEY: $APP"
check "a query body as text/plain: 415 ($STATUS)" [ "$STATUS" = 415 ]
read_little "... text/plain query"
post t2 POST /profiling/v1/input $((3 * MB)) "Content-Type: application/json" "DD-API-KEY: $API"
check "an upload as application/json: 415 ($STATUS)" [ "$STATUS" = 415 ]
read_little "... application/json upload"
post t3 POST /profiling/v1/input $((3 * MB)) "Content-Type: multipart/form-data" "DD-API-KEY: $API"
check "an upload without a multipart boundary: 400 ($STATUS)" [ "$STATUS" = 400 ]
read_little "... multipart without a boundary"

# ---- 503 with Retry-After past --max-memory ------------------------------------------------
post b1 POST /profiling/v1/input $((5 * MB)) "Content-Type: multipart/form-data; boundary=XYZ" "DD-API-KEY: $API"
check "a 5 MB upload past --max-memory 4M: 503 ($STATUS)" [ "$STATUS" = 503 ]
check "... with Retry-After ($RETRY)" [ "$RETRY" != - ]
read_little "... 5 MB upload past --max-memory"
# chunked: no Content-Length to decide on. Junk before any boundary is kept
# nowhere (400 at its end); a part that outgrows the budget is refused (503).
post b2 POST /profiling/v1/input $((6 * MB)) "Content-Type: multipart/form-data; boundary=XYZ" "DD-API-KEY: $API" "Transfer-Encoding: chunked"
check "a chunked 6 MB body with no boundary in it: 400 ($STATUS)" [ "$STATUS" = 400 ]
printf -- '--XYZ\r\nContent-Disposition: form-data; name="cpu.pprof"; filename="cpu.pprof"\r\n\r\n' >big-part.bin
head -c $((6 * MB)) /dev/zero >>big-part.bin
export RAWPOST_BODY=big-part.bin
post b3 POST /profiling/v1/input $(($(wc -c <big-part.bin))) "Content-Type: multipart/form-data; boundary=XYZ" "DD-API-KEY: $API" "Transfer-Encoding: chunked"
unset RAWPOST_BODY
check "a chunked body whose one part outgrows --max-memory 4M: 503 ($STATUS)" [ "$STATUS" = 503 ]
check "... with Retry-After ($RETRY)" [ "$RETRY" != - ]

# ---- what was held is given back ------------------------------------------------------
for i in 1 2 3; do
	upload ok$i /profiling/v1/input ev.json good.pprof -H "DD-API-KEY: $API"
	expect_code ok$i 200 "a well-formed upload after the refusals ($i)"
done

stop_server "$SRV"
check "the server stops with 0 on SIGTERM ($STATUS)" [ "$STATUS" = 0 ]
check "no sanitizer report" sanitizer_clean srv
done_testing
