#!/usr/bin/env bash
# What one upload or one query may cost pgotool serve: every compressed
# attachment must inflate within 64 MiB at intake (not only cpu.pprof), a
# download holds one attachment at a time rather than all of them and two
# more copies for the zip, and gopgo answers at most 1000 profiles, streamed
# one at a time.
. "$(dirname "$0")/lib.sh"
. "$PGO_SRC/tests/cli/serve-lib.sh"
serve_require_tools
watchdog 600

cp "$PGO_SRC/examples/profiles/burn-1.pprof" good.pprof
API=k-api
APP=k-app
KEYS=(-H "DD-API-KEY: $API" -H "DD-APPLICATION-KEY: $APP")
JSON=(-H "Content-Type: application/json")
event_json ev.json "$(iso -60 5)" "$(iso 0 5)" "service:bounds,env:test"
MB=$((1 << 20))

mkdir data
start_server srv --data data --api-key "$API" --app-key "$APP" || { fail "the server starts"; done_testing; }
SRV=$PID
hwm() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$SRV/status"; }

# ---- attachments that inflate past 64 MiB are refused at intake -----------------------------
head -c $((65 * MB)) /dev/zero | zstd -q -19 -c >bomb.zst
upload b1 /profiling/v1/input ev.json good.pprof -F "metrics.json=@bomb.zst;type=application/octet-stream;filename=metrics.json"
expect_error b1 400 "a metrics.json that inflates to 65 MiB ($(wc -c <bomb.zst) bytes of zstd): 400"
check "... the error names the 64 MiB rule" grep -q 'at most 64 MiB' b1.body
head -c $((65 * MB)) /dev/zero | gzip -9 -c >bomb.gz
upload b2 /profiling/v1/input ev.json good.pprof -F "go.trace=@bomb.gz;type=application/octet-stream;filename=go.trace"
expect_error b2 400 "a go.trace that inflates to 65 MiB ($(wc -c <bomb.gz) bytes of gzip): 400"
head -c 3000 /dev/urandom >junk.bin
printf '\x28\xb5\x2f\xfd' | cat - junk.bin >notzstd.bin
upload b3 /profiling/v1/input ev.json good.pprof -F "heap.pprof=@notzstd.bin;type=application/octet-stream;filename=heap.pprof"
expect_error b3 400 "an attachment with zstd's magic that is not zstd: 400"

# ---- a download holds one attachment at a time -------------------------------------------
head -c $((60 * MB)) /dev/zero | zstd -q -19 -c >big.zst
upload d1 /profiling/v1/input ev.json good.pprof \
	-F "a.json=@big.zst;filename=a.json" -F "b.json=@big.zst;filename=b.json" \
	-F "c.json=@big.zst;filename=c.json" -F "d.json=@big.zst;filename=d.json"
expect_code d1 200 "an upload with four attachments that inflate to 60 MiB each is taken"
before=$(hwm)
http dl GET "/api/ui/profiling/profiles/$PROFILE_ID/download" "${KEYS[@]}"
after=$(hwm)
expect_code dl 200 "its download"
mkdir dl && (cd dl && unzip -q ../dl.body) 2>/dev/null
check "... holds the five attachments, each inflated ($(ls dl 2>/dev/null | tr '\n' ' '))" \
	[ "$(ls dl | wc -l)" = 5 ] && [ "$(wc -c <dl/d.json)" = $((60 * MB)) ] && cmp -s dl/cpu.pprof good.pprof
echo "server peak RSS: $before kB before the 240 MiB download, $after kB after" | say
check_rss "... and the server's peak RSS stays under 200 MiB (${after} kB)" '[ "$after" -lt $((200 * 1024)) ]'

# ---- gopgo: at most 1000 profiles, streamed ---------------------------------------------
# 1001 more uploads, four at a time: 501 tagged part:a, 500 part:b
event_json ev-a.json "$(iso -60 5)" "$(iso 0 5)" "service:bounds,env:test,part:a"
event_json ev-b.json "$(iso -60 5)" "$(iso 0 5)" "service:bounds,env:test,part:b"
{ seq 1 501 | sed 's/.*/a/'; seq 1 500 | sed 's/.*/b/'; } | xargs -P 4 -I{} curl -s -o /dev/null -w '%{http_code}\n' \
	-F "event=@ev-{}.json;type=application/json;filename=event.json" \
	-F "cpu.pprof=@good.pprof;type=application/octet-stream;filename=cpu.pprof" "$URL/profiling/v1/input" >codes.txt
check "1001 more uploads were taken ($(sort codes.txt | uniq -c | tr '\n' ' '))" [ "$(grep -c '^200$' codes.txt)" = 1001 ]
FROM=$(iso -3600)
TO=$(iso 3600)
q() { # ORDER LIMIT [QUERY]
	printf '{"filter":{"from":"%s","to":"%s","query":"%s"},"sort":{"field":"timestamp","order":"%s"},"limit":%s}' \
		"$FROM" "$TO" "${3:-service:bounds}" "$1" "$2"
}
printf '{"queries":[%s]}' "$(q desc 1000)" >g1.req
before=$(hwm)
http g1 POST /api/unstable/profiles/gopgo "${KEYS[@]}" "${JSON[@]}" --data-binary @g1.req
expect_code g1 200 "gopgo for 1000 profiles"
check "... a zip of 1000 CPU profiles" [ "$(unzip -Z1 g1.body 2>/dev/null | wc -l)" = 1000 ]
printf '{"queries":[%s,%s]}' "$(q desc 1000 part:a)" "$(q desc 1000 part:b)" >g2.req
http g2 POST /api/unstable/profiles/gopgo "${KEYS[@]}" "${JSON[@]}" --data-binary @g2.req
expect_error g2 400 "gopgo whose two queries match 1001 different profiles: 400"
check "... the error names the bound" grep -q 'more than 1000 profiles' g2.body
printf '{"queries":[%s,%s,%s]}' "$(q desc 600)" "$(q desc 1000)" "$(q desc 1000)" >g3.req
http g3 POST /api/unstable/profiles/gopgo "${KEYS[@]}" "${JSON[@]}" --data-binary @g3.req
expect_code g3 200 "gopgo whose three queries overlap to 1000 profiles: each profile once"
check "... 1000 entries, no repeats" [ "$(unzip -Z1 g3.body 2>/dev/null | sort -u | wc -l)" = 1000 ] &&
	[ "$(unzip -Z1 g3.body | wc -l)" = 1000 ]
check "... in the order of the queries (the first 600 as the first query gives them)" \
	[ "$(unzip -Z1 g3.body | head -600)" = "$(unzip -Z1 g1.body | head -600)" ]

stop_server "$SRV"
check "the server stops with 0 on SIGTERM ($STATUS)" [ "$STATUS" = 0 ]
check "no sanitizer report" sanitizer_clean srv
done_testing
