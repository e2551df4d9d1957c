#!/usr/bin/env bash
# pgotool serve under a flood: 256 connections that each send a 64 MB body
# (a quarter of them chunked) while 64 well-formed uploads arrive. The
# server's RSS stays under --max-memory + 64 MiB, every well-formed upload
# gets its 200 and is stored, the flood gets 503 (or 400 once read), and the
# memory goes back when the flood ends.
. "$(dirname "$0")/lib.sh"
. "$PGO_SRC/tests/cli/serve-lib.sh"
serve_require_tools
watchdog 600

API=k-api
APP=k-app
KEYS=(-H "DD-API-KEY: $API" -H "DD-APPLICATION-KEY: $APP")
event_json ev.json "$(iso -60 5)" "$(iso 0 5)" "service:flood,env:test"
{
	printf -- '--XYZ\r\nContent-Disposition: form-data; name="event"; filename="event.json"\r\nContent-Type: application/json\r\n\r\n'
	cat ev.json
	printf -- '\r\n--XYZ\r\nContent-Disposition: form-data; name="cpu.pprof"; filename="cpu.pprof"\r\n\r\n'
	cat "$PGO_SRC/examples/profiles/burn-1.pprof"
	printf -- '\r\n--XYZ--\r\n'
} >good.body
MB=$((1 << 20))
BUDGET_MB=256

mkdir data
start_server srv --data data --api-key "$API" --app-key "$APP" --max-memory ${BUDGET_MB}M ||
	{ fail "the server starts"; done_testing; }
SRV=$PID
python3 "$PGO_SRC/tests/tools/flood.py" "$PORT" "$SRV" 256 64 $((64 * MB - 4096)) 64 good.body XYZ >flood.out
say <flood.out
good=$(sed -n 's/^good: //p' flood.out)
attackers=$(sed -n 's/^attackers: //p' flood.out)
peak=$(sed -n 's/^peak_rss_kb=\([0-9]*\).*/\1/p' flood.out)
check "every well-formed upload got its 200 during the flood ($good)" [ "$good" = "200=64" ]
check "the flood got 503, or 400 once read ($attackers)" \
	[ -z "$(printf '%s\n' $attackers | grep -Ev '^(503|400)=')" ] && printf '%s' "$attackers" | grep -q '503='
check_rss "the server's RSS stayed under --max-memory ${BUDGET_MB}M + 64 MiB (peak ${peak} kB)" \
	'[ -n "$peak" ] && [ "$peak" -lt $(((BUDGET_MB + 64) * 1024)) ]'
rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$SRV/status")
check_rss "... and went back down after it (${rss} kB, under half its peak and 128 MiB)" \
	'[ "$rss" -lt $((peak / 2)) ] && [ "$rss" -lt $((128 * 1024)) ]'

search_json "$(iso -3600)" "$(iso 3600)" "service:flood" "" "" 1000 >list.req
http ls POST /api/unstable/profiles/list "${KEYS[@]}" -H "Content-Type: application/json" --data-binary @list.req
check "the store holds the 64 well-formed uploads, and nothing of the flood ($(items ls.body | wc -l))" \
	[ "$(items ls.body | wc -l)" = 64 ]

stop_server "$SRV"
check "the server stops with 0 on SIGTERM ($STATUS)" [ "$STATUS" = 0 ]
check "its last line says how much the bodies held at most" grep -q "request bodies held at most" srv.log
check "no sanitizer report" sanitizer_clean srv
done_testing
