#!/usr/bin/env bash
# The web UI's server side, with curl against a real `pgotool serve` fed through
# its intake: the embedded files and their security headers, sign-in (session
# cookie flags, wrong key, cross-site requests, CSRF on sign-out, expiry), the
# JSON endpoints (services and their PGO state, search with fetch's pick,
# profile, compare, download) against what `pgotool fetch`, `inspect --json` and
# `diff --json` compute for the same profiles, the endpoints' auth and limits,
# escaping of echoed input, a Secure cookie under TLS, and --ui=false.
# (The pages themselves are tested in a real browser by t7000-ui.)
. "$(dirname "$0")/lib.sh"
. "$PGO_SRC/tests/cli/serve-lib.sh"
serve_require_tools
command -v python3 >/dev/null 2>&1 || { echo "SKIP: $test_name: python3 is not installed"; exit 77; }
watchdog 300

EX=$PGO_SRC/examples/profiles
API=t4400-api-key
APP=t4400-app-key
KEYS=(-H "DD-API-KEY: $API" -H "DD-APPLICATION-KEY: $APP")
JSON=(-H "Content-Type: application/json")
py() { python3 - "$@"; }

mkdir data
start_server main --data data --api-key "$API" --app-key "$APP" || { fail "the server starts"; done_testing; }
pass "the server starts ($PORT)"

# up NAME SERVICE PGO FILE MINUTES-AGO [EXTRA-TAGS]: one upload as dd-trace-go makes it.
declare -A ID
up() {
	local name=$1 svc=$2 pgo=$3 file=$4 ago=$5 extra=${6:-}
	event_json "$name.event" "$(iso $((-ago * 60)))" "$(iso $((-ago * 60 + 60)))" \
		"service:$svc,env:prod,version:1.0,pgo:$pgo,runtime:go,language:go$extra"
	upload "up-$name" /profiling/v1/input "$name.event" "$file"
	[ "$CODE" = 200 ] || { fail "upload $name (HTTP $CODE)"; show "up-$name"; }
	ID[$name]=$PROFILE_ID
}
up c1 checkout false "$EX/burn-1.pprof" 10
up c2 checkout false "$EX/burn-2.pprof" 20
up b1 billing true "$EX/burn-2.pprof" 5
up b2 billing true "$EX/grpc-anon.pprof" 30
up x1 'tricky' false "$EX/burn-1.pprof" 40 ',note:x\"><img src=x onerror=alert(1)>'
check "five uploads stored" [ "${#ID[@]}" = 5 ]

# ---- files and headers ------------------------------------------------------

CSP="default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
has_header() { tr -d '\r' <"$1.hdr" | grep -qiF "$2"; }
http root GET /
expect_code root 302 "GET / redirects"
check "to /ui/" has_header root "Location: /ui/"
for f in "" index.html app.js app.css favicon.svg; do
	http file GET "/ui/$f"
	expect_code file 200 "GET /ui/$f"
	check "/ui/$f carries the Content-Security-Policy" has_header file "Content-Security-Policy: $CSP"
	check "/ui/$f carries nosniff and DENY" eval 'has_header file "X-Content-Type-Options: nosniff" && has_header file "X-Frame-Options: DENY"'
done
http file GET /ui/
check "index.html holds no inline script, style or event handler" \
	eval '! grep -Eiq "<script[^>]*>[^<]|<style|[[:space:]]style=|[[:space:]]on[a-z]+=" file.body'
ETAG=$(tr -d '\r' <file.hdr | sed -n 's/^ETag: //Ip')
http file GET /ui/ -H "If-None-Match: $ETAG"
expect_code file 304 "an unchanged file is answered 304 to its ETag"
http nofile GET /ui/nothing.js
expect_error nofile 404 "an unknown file under /ui/ is 404"
check "a 404 of the UI carries the CSP too" has_header nofile "Content-Security-Policy:"
http put PUT /ui/api/session
expect_error put 405 "PUT /ui/api/session is 405"
check "with Allow: POST, GET, DELETE" has_header put "Allow: POST, GET, DELETE"

# ---- auth --------------------------------------------------------------------

for ep in services search "profile?id=${ID[c1]}" "compare?a=${ID[c1]}&b=${ID[b1]}" "download?id=${ID[c1]}"; do
	http noauth GET "/ui/api/$ep"
	expect_error noauth 401 "/ui/api/$ep without a session or keys is 401"
	http wrong GET "/ui/api/$ep" -H "DD-API-KEY: $API" -H "DD-APPLICATION-KEY: wrong"
	expect_error wrong 401 "/ui/api/$ep with a wrong application key is 401"
	http badcookie GET "/ui/api/$ep" -b "pgotool_session=$(printf '%064d' 0)"
	expect_error badcookie 401 "/ui/api/$ep with a made-up session is 401"
done

http s GET /ui/api/session
expect_error s 401 "GET /ui/api/session without a cookie is 401"
http s POST /ui/api/session "${JSON[@]}" -d '{"app_key":"wrong"}'
expect_error s 403 "a wrong key does not sign in"
check "and sets no cookie" eval '! has_header s "Set-Cookie"'
http s POST /ui/api/session "${JSON[@]}" -d '{}'
expect_error s 403 "a sign-in without a key is refused"
http s POST /ui/api/session "${JSON[@]}" -d 'not json'
expect_error s 403 "a sign-in that is not JSON is refused"
http s POST /ui/api/session "${JSON[@]}" -d "{\"app_key\":\"$API\"}"
expect_error s 403 "the API key is not the application key"
http s POST /ui/api/session -H "Content-Type: text/plain" -d "{\"app_key\":\"$APP\"}"
expect_error s 415 "a sign-in as text/plain (what a cross-site form sends) is 415"
http s POST /ui/api/session "${JSON[@]}" -H "Origin: https://evil.example" -d "{\"app_key\":\"$APP\"}"
expect_error s 403 "a sign-in with another site's Origin is refused"
check "and sets no cookie" eval '! has_header s "Set-Cookie"'
http s POST /ui/api/session "${JSON[@]}" -H "Sec-Fetch-Site: cross-site" -d "{\"app_key\":\"$APP\"}"
expect_error s 403 "a sign-in with Sec-Fetch-Site: cross-site is refused"
http s POST /ui/api/session "${JSON[@]}" -H "Origin: $URL" -H "Sec-Fetch-Site: same-origin" -d "{\"app_key\":\"$APP\"}"
expect_code s 200 "the application key signs in from the UI's own origin"
COOKIE=$(tr -d '\r' <s.hdr | sed -n 's/^Set-Cookie: //Ip')
TOKEN=$(printf '%s' "$COOKIE" | sed -n 's/^pgotool_session=\([0-9a-f]*\);.*/\1/p')
check "the cookie is a 256-bit random token" [ "${#TOKEN}" = 64 ]
for flag in "Path=/ui" "HttpOnly" "SameSite=Strict" "Max-Age=43200"; do
	check "the cookie has $flag" eval 'printf "%s" "$COOKIE" | grep -qF "; $flag"'
done
check "no Secure without TLS" eval '! printf "%s" "$COOKIE" | grep -q Secure'
CSRF=$(json_str s.body csrf)
check "the answer carries a CSRF token" [ "${#CSRF}" = 64 ]
http s GET /ui/api/session -b "pgotool_session=$TOKEN"
expect_code s 200 "GET /ui/api/session with the cookie"
check "gives the same CSRF token" [ "$(json_str s.body csrf)" = "$CSRF" ]
http svc GET /ui/api/services -b "pgotool_session=$TOKEN"
expect_code svc 200 "the session cookie reads the services"
http s DELETE /ui/api/session -b "pgotool_session=$TOKEN"
expect_error s 403 "sign-out without X-CSRF-Token is refused"
http s DELETE /ui/api/session -b "pgotool_session=$TOKEN" -H "X-CSRF-Token: $(printf '%064d' 1)"
expect_error s 403 "sign-out with a wrong X-CSRF-Token is refused"
http s DELETE /ui/api/session -b "pgotool_session=$TOKEN" -H "X-CSRF-Token: $CSRF" -H "Origin: https://evil.example"
expect_error s 403 "sign-out from another site is refused"
http s DELETE /ui/api/session -b "pgotool_session=$TOKEN" -H "X-CSRF-Token: $CSRF"
expect_code s 204 "sign-out with the token"
check "clears the cookie" has_header s "Max-Age=0"
http svc GET /ui/api/services -b "pgotool_session=$TOKEN"
expect_error svc 401 "the session is over after sign-out"

# ---- services ----------------------------------------------------------------

http svc GET /ui/api/services "${KEYS[@]}"
expect_code svc 200 "the services, with the keys"
check "no-store" has_header svc "Cache-Control: no-store"
check "services: each with its PGO state, without PGO first" py svc.body <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
rows = [(r["service"], r["state"], r["profiles"], r["pgo_true"], r["pgo_share"]) for r in d["services"]]
want = [("checkout", "off", 2, 0, 0.0), ("tricky", "off", 1, 0, 0.0), ("billing", "on", 2, 2, 1.0)]
assert rows == want, rows
assert d["profiles"] == 5 and d["window"] == "72h"
assert all(r["newest_age_s"] >= 0 and r["cpu_cores"] > 0 for r in d["services"])
EOF
http svc GET "/ui/api/services?window=15m" "${KEYS[@]}"
check "a 15m window holds only the profiles started within it" py svc.body <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["profiles"] == 2, d
assert sorted(r["service"] for r in d["services"]) == ["billing", "checkout"]
EOF
http svc GET "/ui/api/services?window=lots" "${KEYS[@]}"
expect_error svc 400 "a window that is not a duration is 400"

# ---- search ------------------------------------------------------------------

http se GET "/ui/api/search?q=service:checkout" "${KEYS[@]}"
expect_code se 200 "search service:checkout"
check "narrows to its two profiles, newest first" py se.body "${ID[c1]}" "${ID[c2]}" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["total"] == 2 and [p["profile_id"] for p in d["profiles"]] == sys.argv[2:4], d
assert all("service:checkout" in p["tags"] for p in d["profiles"])
EOF
DD_API_KEY=$API DD_APP_KEY=$APP "$PGOTOOL" fetch -api "$URL" -profiles 1 'service:checkout' fetched1.pgo >fetch1.err 2>&1
FETCHED=$(sed -n 's/.*debug-query="*profile-id:(\([0-9a-f-]*\))"*$/\1/p' fetch1.err)
http se GET "/ui/api/search?q=service:checkout&top=1" "${KEYS[@]}"
check "the profile marked picked is the one pgotool fetch -profiles 1 merges ($FETCHED)" py se.body "$FETCHED" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert sys.argv[2] and d["picked"] == [sys.argv[2]], (d["picked"], sys.argv[2])
assert [p["profile_id"] for p in d["profiles"] if p["picked"]] == [sys.argv[2]]
EOF
http se GET "/ui/api/search?per_page=2&page=1" "${KEYS[@]}"
check "paging: page 1 of 2 a page holds the 3rd and 4th newest of 5" py se.body "${ID[c2]}" "${ID[b2]}" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["total"] == 5 and [p["profile_id"] for p in d["profiles"]] == sys.argv[2:4], d
EOF
http se GET "/ui/api/search?per_page=0" "${KEYS[@]}"
expect_error se 400 "per_page 0 is 400"
http se GET "/ui/api/search?q=service:(a%20OR" "${KEYS[@]}"
expect_error se 400 "a search syntax error is 400"
http se GET "/ui/api/search?q=%3Cscript%3Ealert(1)%3C/script%3E" "${KEYS[@]}"
check "a query with <script> is not echoed as markup" eval '! grep -qi "<script\|</script" se.body && grep -q "u003cscript" se.body'
http se GET "/ui/api/search?q=%22%3Cscript%3E" "${KEYS[@]}"
check "nor in a syntax error's message (HTTP $CODE)" eval '[ "$CODE" = 400 ] && ! grep -qi "<script" se.body'
http se GET "/ui/api/search?q=service:tricky" "${KEYS[@]}"
check "a tag with quotes and angle brackets comes back whole, escaped" py se.body <<'EOF'
import json, sys
raw = open(sys.argv[1]).read()
assert "<img" not in raw and "\\u003cimg" in raw, raw
d = json.loads(raw)
assert 'note:x"><img src=x onerror=alert(1)>' in d["profiles"][0]["tags"], d
EOF

# ---- download, profile, compare against the CLI ------------------------------------

DD_API_KEY=$API DD_APP_KEY=$APP "$PGOTOOL" fetch -api "$URL" 'service:billing' fetched.pgo >fetch.err 2>&1
http dl GET "/ui/api/download?q=service:billing" "${KEYS[@]}"
expect_code dl 200 "download of the query's pick"
check "as an attachment named default.pgo" has_header dl 'Content-Disposition: attachment; filename="default.pgo"'
check "the same bytes as pgotool fetch writes for the query" cmp dl.body fetched.pgo
http dl2 GET "/ui/api/download?id=${ID[b2]}&id=${ID[b1]}&id=${ID[b1]}" "${KEYS[@]}"
check "ids in any order, repeated, give the same download" cmp dl2.body fetched.pgo

http pr GET "/ui/api/profile?q=service:billing" "${KEYS[@]}"
expect_code pr 200 "the profile page's JSON for the query"
"$PGOTOOL" inspect --json --top 100 fetched.pgo >inspect.json
"$PGOTOOL" inspect --json fetched.pgo >inspect-all.json
http prall GET "/ui/api/profile?q=service:billing&rows=0" "${KEYS[@]}"
for v in ":inspect.json:--top 100" "all:inspect-all.json:"; do
	IFS=: read -r sfx file top <<<"$v"
	check "its inspect${sfx:+ with rows=0} is pgotool inspect --json${top:+ $top}'s (but the name)" py pr$sfx.body "$file" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1])); want = json.load(open(sys.argv[2]))
got = d["inspect"]; got.pop("file"); want.pop("file")
assert got == want, "differs"
assert d["sample_type"] == {"type": "cpu", "unit": "nanoseconds"} and d["duration_s"] > 0
EOF
done
check "rows=0 lists more hot call sites than the default 100" py pr.body prall.body <<'EOF'
import json, sys
a = json.load(open(sys.argv[1]))["inspect"]["hot_call_sites"]; b = json.load(open(sys.argv[2]))["inspect"]["hot_call_sites"]
assert len(a) == 100 < len(b) and b[:100] == a, (len(a), len(b))
EOF
check "its flame graph: a preorder tree whose root holds every sample's CPU time" py pr.body fetched.pgo <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))["flame"]
nodes, names = d["nodes"], d["names"]
assert nodes[0][1] == -1 and names[nodes[0][0]] == "root" and nodes[0][2] == d["total"] > 0
total = [0] * len(nodes)
for i, (nm, parent, tot, self_) in enumerate(nodes[1:], 1):
    assert 0 <= parent < i and 0 <= self_ <= tot
    total[parent] += tot
for i, n in enumerate(nodes):
    assert n[2] == n[3] + total[i], (i, n, total[i])  # total = self + children
assert d["unit"] == "nanoseconds" and len(nodes) > 100
EOF

http cmp GET "/ui/api/compare?aq=service:checkout&bq=service:billing" "${KEYS[@]}"
expect_code cmp 200 "compare two queries"
DD_API_KEY=$API DD_APP_KEY=$APP "$PGOTOOL" fetch -api "$URL" 'service:checkout' checkout.pgo >>fetch.err 2>&1
"$PGOTOOL" diff --json checkout.pgo fetched.pgo >diff.json
"$PGOTOOL" diff --json --top 50 checkout.pgo fetched.pgo >diff50.json
http cmp50 GET "/ui/api/compare?aq=service:checkout&bq=service:billing&rows=50" "${KEYS[@]}"
for n in "" 50; do
	check "its diff${n:+ with rows=$n} is pgotool diff --json${n:+ --top $n}'s (but the names)" py cmp$n.body diff$n.json <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))["diff"]; want = json.load(open(sys.argv[2]))
for x in (d, want):
    x["old"].pop("file"); x["new"].pop("file")
assert d == want, "differs"
assert len(d["shifts"]) > 0
EOF
done
check "rows=50 gives more shifts than the default" py cmp.body cmp50.body <<'EOF'
import json, sys
a = json.load(open(sys.argv[1]))["diff"]["shifts"]; b = json.load(open(sys.argv[2]))["diff"]["shifts"]
assert len(a) == 10 and len(b) > 10 and b[:10] == a, (len(a), len(b))
EOF

many=""
for i in $(seq 1 51); do many="$many&id=$(printf '%08d-0000-4000-8000-%012d' "$i" "$i")"; done
http lim GET "/ui/api/profile?${many#&}" "${KEYS[@]}"
expect_error lim 400 "51 profiles at once is 400"
http lim GET "/ui/api/profile?id=../etc" "${KEYS[@]}"
expect_error lim 400 "an id that is not a profile id is 400"
http lim GET "/ui/api/profile?id=00000000-0000-4000-8000-000000000000" "${KEYS[@]}"
expect_error lim 404 "an unknown profile is 404"
http lim GET "/ui/api/profile" "${KEYS[@]}"
expect_error lim 400 "no profiles named is 400"
http lim GET "/ui/api/profile?q=service:nobody" "${KEYS[@]}"
expect_error lim 400 "a query that picks nothing is 400"

stop_server "$PID"
check "the server stops cleanly (exit $STATUS)" [ "$STATUS" = 0 ]
check "no sanitizer report" sanitizer_clean main

# ---- --ui-session, --ui=false, and TLS ----------------------------------------------

start_server short --data data --api-key "$API" --app-key "$APP" --ui-session 2s || fail "start with --ui-session 2s"
http s POST /ui/api/session "${JSON[@]}" -d "{\"app_key\":\"$APP\"}"
TOKEN=$(tr -d '\r' <s.hdr | sed -n 's/^Set-Cookie: pgotool_session=\([0-9a-f]*\);.*/\1/p')
check "--ui-session 2s: the cookie says Max-Age=2" eval 'tr -d "\r" <s.hdr | grep -Eq "^Set-Cookie: .*; Max-Age=2(;|\$)"'
started=$(date +%s%N)
http svc GET /ui/api/services -b "pgotool_session=$TOKEN"
# Under a sanitizer the first request may itself take a while: only a read
# that surely came within the 2 s counts.
if [ $(($(date +%s%N) - started)) -lt 1500000000 ]; then
	expect_code svc 200 "a new session reads"
fi
sleep 2.2
http svc GET /ui/api/services -b "pgotool_session=$TOKEN"
expect_error svc 401 "and is refused once --ui-session (2s) has passed"
stop_server "$PID"

start_server off --data data --api-key "$API" --app-key "$APP" --ui=false || fail "start with --ui=false"
for p in / /ui/ /ui/app.js /ui/api/session "/ui/api/services"; do
	http off GET "$p" "${KEYS[@]}"
	expect_error off 404 "--ui=false: GET $p is 404"
done
stop_server "$PID"

make_tls tls localhost "pgotool t4400 throwaway CA" || { say <tls/openssl.log; fail "make a certificate"; }
env -u PGOTOOL_API_KEY -u PGOTOOL_APP_KEY -u PGOTOOL_DATA "$PGOTOOL" serve --listen 127.0.0.1:0 --data data \
	--api-key "$API" --app-key "$APP" --tls-cert tls/server.pem --tls-key tls/server.key >tls.log 2>tls.err &
TLS_PID=$!
track "$TLS_PID"
TLS_PORT=""
for i in $(seq 1 300); do
	TLS_PORT=$(sed -n '1s|.* listening on https://127\.0\.0\.1:\([0-9][0-9]*\), .*|\1|p' tls.log 2>/dev/null)
	[ -n "$TLS_PORT" ] && break
	sleep 0.1
done
curl -sS --cacert tls/ca.pem --resolve "localhost:$TLS_PORT:127.0.0.1" -D tls.hdr -o tls.body \
	-H "Content-Type: application/json" -H "Origin: https://localhost:$TLS_PORT" \
	-d "{\"app_key\":\"$APP\"}" "https://localhost:$TLS_PORT/ui/api/session" 2>tls.curlerr
check "under TLS the session cookie is Secure" eval 'tr -d "\r" <tls.hdr | grep -i "^Set-Cookie: pgotool_session=" | grep -q "; Secure"'
stop_server "$TLS_PID"

done_testing
