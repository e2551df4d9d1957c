#!/usr/bin/env bash
# pgotool serve end to end, with curl against a real server (spec
# datadog-protocols.md §1-§3): uploads as dd-trace-go and the agent send
# them, on all three intake paths; agent endpoints answered harmlessly;
# profiles/list (window, sort, limit, search syntax), profiles/gopgo and
# downloads as datadog-pgo uses them; auth; keys from flags, the environment
# and DATA/keys; JSON logs; SIGTERM; retention; data kept across a restart.
. "$(dirname "$0")/lib.sh"
. "$PGO_SRC/tests/cli/serve-lib.sh"
serve_require_tools
watchdog 400

EX=$PGO_SRC/examples/profiles
for f in burn-1 burn-2 grpc-anon; do
	[ -f "$EX/$f.pprof" ] || { echo "FATAL: $EX/$f.pprof is missing"; exit 1; }
done
cp "$EX/burn-1.pprof" one.pprof
cp "$EX/burn-2.pprof" two.pprof
cp "$EX/grpc-anon.pprof" three.pprof
gzip -dc one.pprof >one.raw
zstd -q -19 one.raw -o one.zst
[ "$(magic one.zst)" = 28b5 ] || { echo "FATAL: zstd did not write a zstd frame"; exit 1; }
printf '{"go_goroutines":12,"go_gc_cpu_fraction":0.01}' >metrics.json
zstd -q metrics.json -o metrics.json.zst

API=test-api-key
APP=test-app-key
KEYS=(-H "DD-API-KEY: $API" -H "DD-APPLICATION-KEY: $APP")
JSON=(-H "Content-Type: application/json")
FAR_FROM=$(iso -864000)   # 10 days ago: every upload below
FAR_TO=$(iso 3600)

mkdir data
start_server main --data data --api-key "$API" --app-key "$APP" || { fail "the server starts"; done_testing; }
pass "the server starts and logs its random port ($PORT)"
MAIN_PID=$PID

# ---- uploads ----------------------------------------------------------

declare -A PIDS EIDS START
upload_case() { # CASE PATH FILE START-OFFSET TAGS [CURL-ARG]...
	local c=$1 path=$2 file=$3 off=$4 tags=$5
	shift 5
	START[$c]=$(iso "$off" 123456789)
	event_json "$c.event.json" "${START[$c]}" "$(iso $((off + 60)) 123456789)" "$tags" "${EXTRA_EVENT:-}"
	upload "up-$c" "$path" "$c.event.json" "$file" "$@"
	if [ "$CODE" = 200 ] && [ -n "$PROFILE_ID" ] && [ -n "$EVENT_ID" ]; then
		pass "upload $c to $path: 200 with profile_id and event_id"
	else
		fail "upload $c to $path (HTTP $CODE)"
		show "up-$c"
	fi
	PIDS[$c]=$PROFILE_ID
	EIDS[$c]=$EVENT_ID
}

upload_case one /profiling/v1/input one.pprof -10800 \
	"service:alpha,env:prod,version:1.0,host:h1,runtime:go,pgo:false,case:one"
# no env: the agent's default_env supplies it; the agent's tags are kept
upload_case two /api/v2/profile two.pprof -7200 \
	"service:alpha,version:1.1,host:h2,runtime:go,pgo:true,case:two" \
	-H "X-Datadog-Additional-Tags: host:agent-1,default_env:staging,agent_version:7.99.0"
# env given: default_env does not override it; more attachments; unknown event fields
EXTRA_EVENT='"endpoint_counts":{"GET /x":3},"custom_attributes":["a"],"info":{"profiler":{"ssi":{"mechanism":"none"}}},"process_tags":"entrypoint.name:x"' \
	upload_case three /v1/input three.pprof -3600 \
	"service:beta,env:prod,host:db-1,runtime:go,region:us east,case:three" \
	-H "X-Datadog-Additional-Tags: default_env:staging" \
	-F "delta-heap.pprof=@two.pprof;type=application/octet-stream;filename=delta-heap.pprof" \
	-F "metrics.json=@metrics.json;type=application/octet-stream;filename=metrics.json"
# zstd (dd-trace-go >= 2.4), and a doubled leading slash
upload_case zstd //profiling/v1/input one.zst -1800 \
	"service:gamma,env:prod,host:web-1,runtime:go,pgo:true,case:zstd" \
	-F "metrics.json=@metrics.json.zst;type=application/octet-stream;filename=metrics.json"
# older than datadog-pgo's default 72h window, inside the retention
upload_case old /profiling/v1/input two.pprof -360000 \
	"service:old,env:prod,host:a:b,runtime:go,case:old"
if grep -q ' POST /profiling/v1/input 200 ' main.log && ! grep -q ' POST //profiling' main.log; then
	pass "a doubled leading slash is the same intake path"
else
	fail "a doubled leading slash is the same intake path"
	say <main.log
fi

# ---- agent endpoints: answered, nothing stored --------------------------

http info GET /info
if [ "$CODE" = 200 ] && grep -q '"endpoints"' info.body && grep -q '/profiling/v1/input' info.body; then
	pass "GET /info: 200 with the endpoints"
else
	fail "GET /info"
	show info
fi
printf '\x90' >empty.msgpack
http traces POST /v0.4/traces -H "Content-Type: application/msgpack" -H "X-Datadog-Trace-Count: 0" \
	--data-binary @empty.msgpack
case $CODE in 200 | 202) pass "POST /v0.4/traces: $CODE" ;; *) fail "POST /v0.4/traces (HTTP $CODE)"; show traces ;; esac
http traces5 PUT /v0.5/traces -H "Content-Type: application/msgpack" --data-binary @empty.msgpack
case $CODE in 200 | 202) pass "PUT /v0.5/traces: $CODE" ;; *) fail "PUT /v0.5/traces (HTTP $CODE)"; show traces5 ;; esac
http telemetry POST /telemetry/proxy/api/v2/apmtelemetry "${JSON[@]}" -d '{"request_type":"app-heartbeat"}'
case $CODE in 200 | 202) pass "POST /telemetry/proxy/...: $CODE" ;; *) fail "telemetry (HTTP $CODE)"; show telemetry ;; esac

# ---- list ---------------------------------------------------------------

# list_cases OUT QUERY [SORT-FIELD ORDER] [LIMIT] [FROM TO]: the case: tags
# of the answer, in order, space-separated, in LIST.
list() {
	local out=$1 q=$2 field=${3:-} order=${4:-} limit=${5:-100} from=${6:-$FAR_FROM} to=${7:-$FAR_TO}
	search_json "$from" "$to" "$q" "$field" "$order" "$limit" >"$out.req"
	http "$out" POST /api/unstable/profiles/list "${KEYS[@]}" "${JSON[@]}" --data-binary "@$out.req"
	LIST=$(items "$out.body" | grep -o '"case:[a-z]*"' | sed 's/"case:\(.*\)"/\1/' | tr '\n' ' ' | sed 's/ $//')
}
# expect_list DESCRIPTION WANT OUT QUERY ...: LIST (in order) is WANT.
expect_list() {
	local desc=$1 want=$2
	shift 2
	list "$@"
	if [ "$CODE" = 200 ] && [ "$LIST" = "$want" ]; then
		pass "$desc"
	else
		fail "$desc: got [$LIST], want [$want]"
		echo "request: $(cat "$1.req")" | say
		show "$1"
	fi
}
# expect_set: the same, ignoring order.
expect_set() {
	local desc=$1 want=$2
	shift 2
	list "$@"
	local got
	got=$(printf '%s\n' $LIST | sort | tr '\n' ' ' | sed 's/ $//')
	want=$(printf '%s\n' $want | sort | tr '\n' ' ' | sed 's/ $//')
	if [ "$CODE" = 200 ] && [ "$got" = "$want" ]; then
		pass "$desc"
	else
		fail "$desc: got [$got], want [$want]"
		echo "request: $(cat "$1.req")" | say
		show "$1"
	fi
}

expect_set "list: every upload, and nothing from the agent endpoints" "one two three zstd old" all ""

# One entry's shape: id = event id, attributes.id = profile id, service,
# duration_nanos, timestamp (whole seconds, Z), tags, custom.metrics.
entry_of() { items all.body | grep -F "\"case:$1\"" | head -1; }
check_entry() { # CASE SERVICE CORES-LOW CORES-HIGH
	local c=$1 e ok=1 why=""
	e=$(entry_of "$c")
	[ "$(item_str "$e" id)" = "${EIDS[$c]}" ] || { ok=0; why="$why id!=event_id"; }
	printf '%s' "$e" | grep -q "\"type\":\"profile\",\"attributes\":{\"id\":\"${PIDS[$c]}\"" || { ok=0; why="$why attributes.id"; }
	[ "$(item_str "$e" service)" = "$2" ] || { ok=0; why="$why service"; }
	local ts=${START[$c]}
	# RFC 3339 UTC: the start as sent, or its whole seconds
	case $(item_str "$e" timestamp) in
	"$ts" | "${ts%.*}Z") ;;
	*) ok=0; why="$why timestamp($(item_str "$e" timestamp) vs $ts)" ;;
	esac
	local d cores total
	d=$(item_num "$e" duration_nanos)
	cores=$(item_num "$e" core_cpu_cores)
	total=$(item_num "$e" core_cpu_time_total)
	[ -n "$d" ] && [ "$d" -gt 0 ] 2>/dev/null || { ok=0; why="$why duration_nanos=$d"; }
	awk -v x="$cores" -v lo="$3" -v hi="$4" 'BEGIN { exit !(x != "" && x + 0 > lo && x + 0 < hi) }' ||
		{ ok=0; why="$why core_cpu_cores=$cores"; }
	# core_cpu_cores = core_cpu_time_total / duration_nanos
	awk -v c="$cores" -v t="$total" -v d="$d" 'BEGIN { exit !(d > 0 && (t / d - c) < 1e-9 && (c - t / d) < 1e-9) }' ||
		{ ok=0; why="$why cores!=total/duration($total/$d)"; }
	for t in "service:$2" "case:$c" "language:go" "runtime:go" "profile-id:${PIDS[$c]}"; do
		printf '%s' "$e" | grep -qF "\"$t\"" || { ok=0; why="$why no-tag:$t"; }
	done
	if [ $ok = 1 ]; then
		pass "list entry for $c: ids, service, timestamp, duration, metrics, tags"
	else
		fail "list entry for $c:$why"
		echo "$e" | say
	fi
}
check_entry one alpha 0.905 0.915
check_entry two alpha 0.895 0.905
check_entry three beta 6.6 6.7
check_entry zstd gamma 0.905 0.915
check_entry old old 0.895 0.905
z1=$(item_num "$(entry_of one)" core_cpu_cores)
z2=$(item_num "$(entry_of zstd)" core_cpu_cores)
check_sh "a zstd upload has the same metrics as its gzip twin" '[ -n "$z1" ] && [ "$z1" = "$z2" ]'

# tags from tags_profiler and X-Datadog-Additional-Tags
e=$(entry_of two)
ok=1
for t in env:staging host:h2 host:agent-1 agent_version:7.99.0 version:1.1 pgo:true; do
	printf '%s' "$e" | grep -qF "\"$t\"" || { ok=0; echo "two lacks $t" | say; }
done
check "tags: the agent's tags are added, default_env supplies env when the profiler sent none" [ $ok = 1 ]
e=$(entry_of three)
if printf '%s' "$e" | grep -qF '"env:prod"' && ! printf '%s' "$e" | grep -qF '"env:staging"' &&
	printf '%s' "$e" | grep -qF '"region:us east"'; then
	pass "tags: default_env does not override the profiler's env; values keep their spaces"
else
	fail "tags: default_env does not override the profiler's env; values keep their spaces"
	echo "$e" | say
fi
check "tags: a value with ':' is kept whole" grep -qF '"host:a:b"' all.body

# sort and limit (cores: three 6.6 > one = zstd 0.910 > two = old 0.900)
expect_list "sort: @metrics.core_cpu_cores desc" "three one two" s1 "service:(alpha OR beta)" @metrics.core_cpu_cores desc
expect_list "sort: @metrics.core_cpu_cores asc" "two one three" s2 "service:(alpha OR beta)" @metrics.core_cpu_cores asc
expect_list "sort: the default is core_cpu_cores desc" "three one two" s3 "service:(alpha OR beta)"
expect_list "sort: timestamp desc" "zstd three two one old" s4 "" timestamp desc
expect_list "sort: timestamp asc" "old one two three zstd" s5 "" timestamp asc
expect_list "limit: the best 2 by cores" "three one" s6 "service:(alpha OR beta)" @metrics.core_cpu_cores desc 2
expect_list "limit: the newest 1" "zstd" s7 "" timestamp desc 1
expect_list "limit: the oldest 1" "old" s8 "" timestamp asc 1
list s9 "" @metrics.core_cpu_cores desc 1000
check "limit: 1000 is allowed" [ "$CODE" = 200 ]
for bad in 0 1001 '"5"' -1 1.5; do
	printf '{"filter":{"from":"%s","to":"%s","query":""},"limit":%s}' "$FAR_FROM" "$FAR_TO" "$bad" >badlimit.req
	http badlimit POST /api/unstable/profiles/list "${KEYS[@]}" "${JSON[@]}" --data-binary @badlimit.req
	expect_error badlimit 400 "limit $bad: 400"
done
printf '{"filter":{"from":"%s","to":"%s","query":""},"sort":{"field":"@metrics.nope","order":"desc"}}' "$FAR_FROM" "$FAR_TO" >badsort.req
http badsort POST /api/unstable/profiles/list "${KEYS[@]}" "${JSON[@]}" --data-binary @badsort.req
expect_error badsort 400 "sort by an unknown field: 400"
printf '{"filter":{"from":"%s","to":"%s","query":""},"sort":{"field":"timestamp","order":"up"}}' "$FAR_FROM" "$FAR_TO" >badorder.req
http badorder POST /api/unstable/profiles/list "${KEYS[@]}" "${JSON[@]}" --data-binary @badorder.req
expect_error badorder 400 "sort order other than asc/desc: 400"
printf '{"filter":{"from":"yesterday","to":"%s","query":""}}' "$FAR_TO" >badfrom.req
http badfrom POST /api/unstable/profiles/list "${KEYS[@]}" "${JSON[@]}" --data-binary @badfrom.req
expect_error badfrom 400 "filter.from not RFC 3339: 400"

# time window: start in [from, to], both inclusive; datadog-pgo's 72h default
expect_set "window: datadog-pgo's default from = now-72h leaves out older profiles" "one two three zstd" w1 "" \
	"" "" 100 "$(iso -259200)" "$(iso 0)"
two_s=${START[two]%.*}Z
three_s=${START[three]%.*}Z
three_next=$(date -u -d "@$(($(date -u -d "$three_s" +%s) + 1))" +%Y-%m-%dT%H:%M:%SZ)
expect_set "window: from is inclusive, a start after to is out" "two" w2 "" "" "" 100 "$two_s" "$three_s"
expect_set "window: [start of two, start of three + 1s]" "two three" w3 "" "" "" 100 "$two_s" "$three_next"
expect_set "window: a window in the future is empty" "" w4 "" "" "" 100 "$(iso 7200)" "$(iso 9000)"
expect_set "window: from after to is empty" "" w5 "" "" "" 100 "$FAR_TO" "$FAR_FROM"

# ---- search syntax end to end ---------------------------------------------

while IFS='|' read -r q want; do
	[ -n "$q" ] || continue
	expect_set "search: $q" "$want" srch "$q"
done <<EOF
service:alpha|one two
service:alpha env:prod|one
service:alpha AND env:prod|one
env:staging|two
env:prod|one three zstd old
service:beta OR service:alpha env:staging|three two
(service:beta OR service:alpha) env:staging|two
service:(alpha OR gamma)|one two zstd
-service:alpha|three zstd old
NOT service:alpha|three zstd old
runtime:go -pgo:true|one three old
service:alpha env:prod runtime:go|one
pgo:*|one two zstd
-pgo:*|three old
host:web-*|zstd
host:h?|one two
host:a\:b|old
region:"us east"|three
"us east"|three
alpha|one two
version:1.0|one
language:go|one two three zstd old
agent_version:*|two
missing:*|
@metrics.core_cpu_cores:>1.5|three
@metrics.core_cpu_cores:>=0.905|one three zstd
@metrics.core_cpu_cores:<0.905|two old
@metrics.core_cpu_cores:<=0.905|two old
@metrics.core_cpu_cores:[0.905 TO 1]|one zstd
@metrics.core_cpu_cores:{0.5 TO 0.905}|two old
service:alpha @metrics.core_cpu_cores:>0.905|one
case:*|one two three zstd old
EOF
expect_set "search: profile-id:ID" "one" srch "profile-id:${PIDS[one]}"
expect_set "search: profile-id:(ID1 OR ID2), datadog-pgo's debug query" "one three" srch \
	"profile-id:(${PIDS[one]} OR ${PIDS[three]})"

# a query that does not parse: 400 naming the position
list perr "service:(alpha OR beta"
if [ "$CODE" = 400 ] && is_error_json perr.body && grep -q 'position 22' perr.body; then
	pass "a query parse error: 400 naming the position"
else
	fail "a query parse error: 400 naming the position (22)"
	show perr
fi
list perr2 "@metrics.core_cpu_cores:[1 5]"
if [ "$CODE" = 400 ] && is_error_json perr2.body && grep -q "position 27" perr2.body; then
	pass "a range without TO: 400 naming the position"
else
	fail "a range without TO: 400 naming the position (27)"
	show perr2
fi

# ---- gopgo --------------------------------------------------------------

gopgo() { # OUT QUERY-JSON...
	local out=$1 body="" q
	shift
	for q in "$@"; do body="$body${body:+,}$q"; done
	printf '{"queries":[%s]}' "$body" >"$out.req"
	http "$out" POST /api/unstable/profiles/gopgo "${KEYS[@]}" "${JSON[@]}" --data-binary "@$out.req"
}
zip_names() { unzip -Z1 "$1" 2>/dev/null | sort | tr '\n' ' ' | sed 's/ $//'; }
sorted() { printf '%s\n' "$@" | sort | tr '\n' ' ' | sed 's/ $//'; }

gopgo g1 "$(search_json "$FAR_FROM" "$FAR_TO" "service:alpha" @metrics.core_cpu_cores desc 5)" \
	"$(search_json "$FAR_FROM" "$FAR_TO" "service:gamma" @metrics.core_cpu_cores desc 5)"
if [ "$CODE" = 200 ] && grep -qi '^content-type: application/zip' g1.hdr && unzip -tqq g1.body >/dev/null 2>&1; then
	pass "gopgo: 200, a valid zip"
else
	fail "gopgo: 200, a valid zip"
	show g1
fi
names=$(zip_names g1.body)
want=$(sorted "${PIDS[one]}" "${PIDS[two]}" "${PIDS[zstd]}")
check "gopgo: one entry per matching profile, named by its profile id" [ "$names" = "$want" ]
mkdir g1
ok=1
for c in one two zstd; do
	unzip -p g1.body "${PIDS[$c]}" >"g1/$c" 2>/dev/null
	[ "$(magic "g1/$c")" = 1f8b ] || { ok=0; echo "gopgo entry $c starts with $(magic "g1/$c"), not gzip" | say; }
	valid_pprof "g1/$c" || { ok=0; echo "gopgo entry $c: $(cat "g1/$c.err")" | say; }
done
check "gopgo: every entry is a gzip CPU profile (never zstd)" [ $ok = 1 ]
check "gopgo: a gzip upload comes back as uploaded" cmp -s g1/one one.pprof
if gzip -dc g1/zstd >g1/zstd.raw 2>/dev/null && cmp -s g1/zstd.raw one.raw; then
	pass "gopgo: a zstd upload comes back as gzip of the same profile"
else
	fail "gopgo: a zstd upload comes back as gzip of the same profile"
fi
check "gopgo: pgotool merge reads the archive" "$PGOTOOL" merge -o g1.pgo g1.body
gopgo g1b "$(search_json "$FAR_FROM" "$FAR_TO" "service:alpha" @metrics.core_cpu_cores desc 5)" \
	"$(search_json "$FAR_FROM" "$FAR_TO" "service:gamma" @metrics.core_cpu_cores desc 5)"
check "gopgo: the same request gives the same bytes" cmp -s g1.body g1b.body

gopgo g2 "$(search_json "$FAR_FROM" "$FAR_TO" "service:alpha")" "$(search_json "$FAR_FROM" "$FAR_TO" "service:alpha")"
check_sh "gopgo: a profile that two queries match is in the zip once" '[ "$CODE" = 200 ] && [ "$(zip_names g2.body)" = "$(sorted "${PIDS[one]}" "${PIDS[two]}")" ]'
gopgo g3 "$(search_json "$FAR_FROM" "$FAR_TO" "runtime:go" @metrics.core_cpu_cores desc 1)"
check_sh "gopgo: limit 1 gives the profile with the most cores" '[ "$CODE" = 200 ] && [ "$(zip_names g3.body)" = "${PIDS[three]}" ]'
gopgo g4 "$(search_json "$(iso -259200)" "$(iso 0)" "service:old runtime:go" @metrics.core_cpu_cores desc 5)"
expect_error g4 404 "gopgo: 404 when nothing matches (outside the window)"
gopgo g5 "$(search_json "$FAR_FROM" "$FAR_TO" "missing:*")"
expect_error g5 404 "gopgo: 404 when nothing matches (no such tag)"
gopgo g6
expect_error g6 400 "gopgo: no queries: 400"
gopgo g7 "$(search_json "$FAR_FROM" "$FAR_TO" "service:alpha")" "$(search_json "$FAR_FROM" "$FAR_TO" "service:(alpha")"
if [ "$CODE" = 400 ] && is_error_json g7.body && grep -q 'queries\[1\]' g7.body && grep -q 'position 14' g7.body; then
	pass "gopgo: a parse error names the query and the position"
else
	fail "gopgo: a parse error names the query (queries[1]) and the position (14)"
	show g7
fi

# ---- download -------------------------------------------------------------

download() { # OUT PROFILE-ID EVENT-ID [CURL-ARG]...
	local out=$1 pid=$2 eid=$3
	shift 3
	http "$out" GET "/api/ui/profiling/profiles/$pid/download?eventId=$eid" "$@"
}
download d1 "${PIDS[three]}" "${EIDS[three]}" "${KEYS[@]}"
if [ "$CODE" = 200 ] && [ "$(zip_names d1.body)" = "cpu.pprof delta-heap.pprof metrics.json" ]; then
	pass "download: 200, a zip of the upload's attachments"
else
	fail "download: 200, a zip of cpu.pprof, delta-heap.pprof and metrics.json"
	show d1
	unzip -l d1.body 2>&1 | say
fi
mkdir d1
(cd d1 && unzip -qq ../d1.body 2>/dev/null)
if cmp -s d1/cpu.pprof three.pprof && cmp -s d1/delta-heap.pprof two.pprof && cmp -s d1/metrics.json metrics.json; then
	pass "download: the attachments byte for byte as uploaded"
else
	fail "download: the attachments byte for byte as uploaded"
fi
download d2 "${PIDS[zstd]}" "${EIDS[zstd]}" "${KEYS[@]}"
mkdir d2
(cd d2 && unzip -qq ../d2.body 2>/dev/null)
# Datadog's clients read gzip or raw pprof, never zstd: a zstd attachment
# comes back as gzip (a .pprof) or decompressed (anything else).
if [ "$CODE" = 200 ] && [ "$(zip_names d2.body)" = "cpu.pprof metrics.json" ] &&
	[ "$(magic d2/cpu.pprof)" = 1f8b ] && gzip -dc d2/cpu.pprof 2>/dev/null | cmp -s - one.raw &&
	valid_pprof d2/cpu.pprof; then
	pass "download: a zstd cpu.pprof comes back as gzip of the same profile"
else
	fail "download: a zstd cpu.pprof comes back as gzip of the same profile (starts with $(magic d2/cpu.pprof))"
	show d2
	unzip -l d2.body 2>&1 | say
fi
check "download: a zstd metrics.json comes back decompressed" cmp -s d2/metrics.json metrics.json
download d3 "${PIDS[three]}" "${EIDS[one]}" "${KEYS[@]}"
expect_error d3 404 "download: another upload's event id: 404"
download d4 00000000-0000-4000-8000-000000000000 "${EIDS[one]}" "${KEYS[@]}"
expect_error d4 404 "download: an unknown profile id: 404"
http d5 GET "/api/ui/profiling/profiles/${PIDS[one]}/view?eventId=${EIDS[one]}" "${KEYS[@]}"
expect_error d5 404 "download: a path other than .../download: 404"

# ---- auth ---------------------------------------------------------------

search_json "$FAR_FROM" "$FAR_TO" "" >auth.req
auth_case() { # DESCRIPTION WANT CURL-ARG...
	local desc=$1 want=$2
	shift 2
	http auth POST /api/unstable/profiles/list "${JSON[@]}" --data-binary @auth.req "$@"
	if [ "$want" = 200 ]; then expect_code auth 200 "auth: $desc"; else expect_error auth "$want" "auth: $desc"; fi
}
auth_case "no keys: 403" 403
auth_case "only the API key: 403" 403 -H "DD-API-KEY: $API"
auth_case "only the application key: 403" 403 -H "DD-APPLICATION-KEY: $APP"
auth_case "wrong API key: 403" 403 -H "DD-API-KEY: wrong" -H "DD-APPLICATION-KEY: $APP"
auth_case "wrong application key: 403" 403 -H "DD-API-KEY: $API" -H "DD-APPLICATION-KEY: wrong"
auth_case "keys swapped: 403" 403 -H "DD-API-KEY: $APP" -H "DD-APPLICATION-KEY: $API"
auth_case "an API key with a suffix: 403" 403 -H "DD-API-KEY: ${API}x" -H "DD-APPLICATION-KEY: $APP"
auth_case "an API key prefix: 403" 403 -H "DD-API-KEY: ${API%?}" -H "DD-APPLICATION-KEY: $APP"
auth_case "an empty API key: 403" 403 -H "DD-API-KEY;" -H "DD-APPLICATION-KEY: $APP"
auth_case "right keys: 200" 200 "${KEYS[@]}"
auth_case "header names are case-insensitive: 200" 200 -H "dd-api-key: $API" -H "dd-application-key: $APP"
gopgo_noauth() {
	printf '{"queries":[%s]}' "$(search_json "$FAR_FROM" "$FAR_TO" "")" >ga.req
	http ga POST /api/unstable/profiles/gopgo "${JSON[@]}" --data-binary @ga.req "$@"
}
gopgo_noauth
expect_error ga 403 "auth: gopgo without keys: 403"
gopgo_noauth -H "DD-API-KEY: $API" -H "DD-APPLICATION-KEY: wrong"
expect_error ga 403 "auth: gopgo with a wrong application key: 403"
download da "${PIDS[one]}" "${EIDS[one]}"
expect_error da 403 "auth: download without keys: 403"
download da "${PIDS[one]}" "${EIDS[one]}" -H "DD-API-KEY: wrong" -H "DD-APPLICATION-KEY: $APP"
expect_error da 403 "auth: download with a wrong API key: 403"

# ---- stop, then restart on the same data --------------------------------

# Only the thread in sigwait may take SIGINT and SIGTERM: every other thread
# (the store's writer above all, which starts first) must block both, or a
# stop signal that lands on it kills the server without a clean stop.
unblocked=""
for st in /proc/"$MAIN_PID"/task/*/status; do
	tid=$(basename "$(dirname "$st")")
	[ "$tid" = "$MAIN_PID" ] && continue
	blk=$(sed -n 's/^SigBlk:[[:space:]]*//p' "$st")
	[ $((0x$blk & 0x4002)) -eq $((0x4002)) ] || unblocked="$unblocked $tid($(sed -n 's/^Name:[[:space:]]*//p' "$st"))"
done
check "every thread but the main one blocks SIGINT and SIGTERM (unblocked:${unblocked:- none})" [ -z "$unblocked" ]

stop_server "$MAIN_PID"
check "SIGTERM: exit status 0 (got $STATUS)" [ "$STATUS" = 0 ]
check "SIGTERM: the log says stopping, then stopped" grep -q 'SIGTERM: stopping' main.log
check "SIGTERM: the last line says 'stopped'" sh -c "tail -1 main.log | grep -q ' stopped (request bodies held at most '"
check "main server: no sanitizer report" sanitizer_clean main
got=$(request_lines main.log)
if [ "$got" = "$N_REQ" ]; then
	pass "log: one line per request ($N_REQ)"
else
	fail "log: one line per request: $got lines for $N_REQ requests"
	say <main.log
fi
check "log: the upload to //profiling/v1/input is logged" grep -q ' POST /profiling/v1/input 200 in=' main.log
check "log: a download is logged with its status" grep -Eq ' GET /api/ui/profiling/profiles/[^ ]+/download 200 ' main.log

start_server main2 --data data --api-key "$API" --app-key "$APP" || fail "restart on the same data"
check "restart: the first log line counts the 5 stored profiles" grep -q '(5 profiles)' main2.log
expect_set "restart: every upload is still there" "one two three zstd old" all ""
download d6 "${PIDS[three]}" "${EIDS[three]}" "${KEYS[@]}"
mkdir d6
(cd d6 && unzip -qq ../d6.body 2>/dev/null)
check "restart: downloads still give the uploaded bytes" cmp -s d6/cpu.pprof three.pprof
stop_server "$PID"
check "restart: SIGTERM exits 0 (got $STATUS)" [ "$STATUS" = 0 ]
check "restarted server: no sanitizer report" sanitizer_clean main2

# ---- --intake-key ---------------------------------------------------------

mkdir data-ik
start_server ik --data data-ik --api-key "$API" --app-key "$APP" --intake-key || fail "start with --intake-key"
event_json ik.event.json "$(iso -60)" "$(iso 0)" "service:ik,case:ik"
upload ik1 /profiling/v1/input ik.event.json one.pprof
expect_error ik1 403 "--intake-key: an upload without DD-API-KEY: 403"
upload ik2 /profiling/v1/input ik.event.json one.pprof -H "DD-API-KEY: wrong"
expect_error ik2 403 "--intake-key: an upload with a wrong DD-API-KEY: 403"
upload ik3 /api/v2/profile ik.event.json one.pprof -H "DD-API-KEY: $APP"
expect_error ik3 403 "--intake-key: the application key is not the API key: 403"
upload ik4 /profiling/v1/input ik.event.json one.pprof -H "DD-API-KEY: $API"
expect_code ik4 200 "--intake-key: an upload with the API key: 200"
expect_set "--intake-key: only the accepted upload is stored" "ik" ikl ""
http ikinfo GET /info
expect_code ikinfo 200 "--intake-key: GET /info needs no key"
upload ik5 /profiling/v1/input ik.event.json one.pprof
check "--intake-key: the 403's message says no key was sent and why it is needed" \
	grep -q 'no API key (DD-API-KEY), and this store takes uploads only with it (--intake-key)' ik5.body
check "--intake-key: the log warns of the key-less source once, with what to do" \
	eval '[ "$(grep -c "WARN  uploads from 127.0.0.1 .*carry no API key.*set DD_API_KEY in that service.s environment" ik.log)" = 1 ]'
check "--intake-key: a wrong key is told apart from none" grep -q 'a wrong API key' ik2.body
# Twelve more addresses (all of 127/8 is this machine): ten warnings a minute in all.
for i in $(seq 2 13); do upload ik-from$i /profiling/v1/input ik.event.json one.pprof --interface 127.0.0.$i; done
check "--intake-key: every address is warned of, but at most ten warnings a minute in all" bash -c "
	grep -q 'uploads from 127.0.0.10 ' ik.log && ! grep -q 'uploads from 127.0.0.11 ' ik.log &&
	[ \$(grep -c 'WARN  uploads from' ik.log) = 10 ] && [ \$(grep -c ' 403 .*no API key' ik.log) -ge 14 ]"
check "--intake-key: the 200's log line names the service and the profile id" \
	grep -q "POST /profiling/v1/input 200 .* service=ik profile=$(json_str ik4.body profile_id)" ik.log
stop_server "$PID"
check_sh "--intake-key server: exit 0, no sanitizer report" '[ "$STATUS" = 0 ] && sanitizer_clean ik'

# ---- keys: DATA/keys, then the environment ------------------------------

start_server kf --data data-kf || fail "start without keys"
if [ -f data-kf/keys ] && [ "$(stat -c %a data-kf/keys)" = 600 ]; then
	pass "keys file: DATA/keys is created with mode 0600"
else
	fail "keys file: DATA/keys is created with mode 0600"
	ls -l data-kf 2>&1 | say
fi
check "keys file: the log gives its path" grep -q "keys created in data-kf/keys" kf.log
FAPI=$(sed -n 's/^api-key: //p' data-kf/keys 2>/dev/null)
FAPP=$(sed -n 's/^app-key: //p' data-kf/keys 2>/dev/null)
check_sh "keys file: an api-key and an app-key line, distinct" '[ -n "$FAPI" ] && [ -n "$FAPP" ] && [ "$FAPI" != "$FAPP" ]'
cp data-kf/keys keys.before
search_json "$FAR_FROM" "$FAR_TO" "" >kf.req
http kf1 POST /api/unstable/profiles/list "${JSON[@]}" --data-binary @kf.req -H "DD-API-KEY: $FAPI" -H "DD-APPLICATION-KEY: $FAPP"
expect_code kf1 200 "keys file: its keys are accepted"
http kf2 POST /api/unstable/profiles/list "${JSON[@]}" --data-binary @kf.req "${KEYS[@]}"
expect_error kf2 403 "keys file: other keys are refused"
http kf3 POST /api/unstable/profiles/list "${JSON[@]}" --data-binary @kf.req -H "DD-API-KEY: " -H "DD-APPLICATION-KEY: "
expect_error kf3 403 "keys file: empty keys are refused"
stop_server "$PID"
check_sh "keys file server: exit 0, no sanitizer report" '[ "$STATUS" = 0 ] && sanitizer_clean kf'
start_server kf2 --data data-kf || fail "restart without keys"
check "keys file: a restart reads it and says so" grep -q "keys read from data-kf/keys" kf2.log
check "keys file: a restart leaves it as it was" cmp -s keys.before data-kf/keys
http kf4 POST /api/unstable/profiles/list "${JSON[@]}" --data-binary @kf.req -H "DD-API-KEY: $FAPI" -H "DD-APPLICATION-KEY: $FAPP"
expect_code kf4 200 "keys file: its keys still work after a restart"
stop_server "$PID"
check_sh "keys file server (restart): exit 0, no sanitizer report" '[ "$STATUS" = 0 ] && sanitizer_clean kf2'

SERVE_ENV=(PGOTOOL_API_KEY=env-api PGOTOOL_APP_KEY=env-app)
start_server ke --data data-ke || fail "start with PGOTOOL_API_KEY/PGOTOOL_APP_KEY"
http ke1 POST /api/unstable/profiles/list "${JSON[@]}" --data-binary @kf.req -H "DD-API-KEY: env-api" -H "DD-APPLICATION-KEY: env-app"
expect_code ke1 200 "PGOTOOL_API_KEY/PGOTOOL_APP_KEY: those keys are accepted"
http ke2 POST /api/unstable/profiles/list "${JSON[@]}" --data-binary @kf.req "${KEYS[@]}"
expect_error ke2 403 "PGOTOOL_API_KEY/PGOTOOL_APP_KEY: other keys are refused"
check "PGOTOOL_API_KEY/PGOTOOL_APP_KEY: no keys file is written" [ ! -e data-ke/keys ]
stop_server "$PID"
check_sh "env keys server: exit 0, no sanitizer report" '[ "$STATUS" = 0 ] && sanitizer_clean ke'
start_server kef --data data-ke --api-key "$API" --app-key "$APP" || fail "start with flags and env keys"
http ke3 POST /api/unstable/profiles/list "${JSON[@]}" --data-binary @kf.req "${KEYS[@]}"
expect_code ke3 200 "--api-key/--app-key win over the environment"
http ke4 POST /api/unstable/profiles/list "${JSON[@]}" --data-binary @kf.req -H "DD-API-KEY: env-api" -H "DD-APPLICATION-KEY: env-app"
expect_error ke4 403 "the environment's keys are unused when flags are given"
stop_server "$PID"
check_sh "flags+env server: exit 0, no sanitizer report" '[ "$STATUS" = 0 ] && sanitizer_clean kef'
SERVE_ENV=(PGOTOOL_API_KEY=env-api)
start_server khalf --data data-khalf 2>/dev/null
st=$?
if [ $st != 0 ] && ! kill -0 "$PID" 2>/dev/null && [ -s khalf.err ]; then
	pass "only one of PGOTOOL_API_KEY/PGOTOOL_APP_KEY: refuses to start, with an error"
else
	fail "only one of PGOTOOL_API_KEY/PGOTOOL_APP_KEY: refuses to start, with an error"
	[ $st = 0 ] && stop_server "$PID"
fi
SERVE_ENV=()

# ---- --json logs ------------------------------------------------------------

# --listen takes a host name too (the later --listen wins over start_server's)
start_server lh --data data-lh --api-key "$API" --app-key "$APP" --listen localhost:0 ||
	fail "start with --listen localhost:0"
http lh GET /info
expect_code lh 200 "--listen localhost:0 listens on 127.0.0.1 ($PORT)"
# A port in use: one line that says so, and nothing made (the socket is bound first)
"$PGOTOOL" serve --listen "127.0.0.1:$PORT" --data data-inuse --api-key "$API" --app-key "$APP" >inuse.out 2>inuse.err
INUSE_RC=$?
check "a port in use: exit 1 (got $INUSE_RC)" [ "$INUSE_RC" = 1 ]
check "... with one line that names the address and says what to do" \
	eval '[ "$(wc -l <inuse.err)" = 1 ] && grep -q "cannot listen on 127.0.0.1:$PORT: Address already in use (another process listens there.*pick another --listen" inuse.err'
check "... and no data directory made" [ ! -e data-inuse ]
stop_server "$PID"
"$PGOTOOL" serve --listen nosuchhost.invalid:8126 --data data-nohost >nohost.out 2>nohost.err
NOHOST_RC=$?
check "--listen with a host that does not resolve: exit 2 (got $NOHOST_RC), saying what it takes" \
	eval '[ $NOHOST_RC -eq 2 ] && grep -q "expected ADDR:PORT or HOST:PORT" nohost.err && [ ! -e data-nohost ]'

# --data that is a file, and a database this process cannot write: refused at startup, saying why
printf 'x\n' >a-file
"$PGOTOOL" serve --listen 127.0.0.1:0 --data a-file --api-key "$API" --app-key "$APP" >df.out 2>df.err
DF_RC=$?
check "--data naming a file: exit 1 (got $DF_RC), saying it is not a directory" \
	eval '[ $DF_RC = 1 ] && grep -q "a-file: not a directory; --data names the directory that holds profiles.db" df.err'
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null 2>&1; then
	chmod 755 "$TEST_TMP" data
	chmod 644 data/profiles.db
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups -- "$PGOTOOL" serve --listen 127.0.0.1:0 \
		--data data --api-key "$API" --app-key "$APP" >ro.out 2>ro.err
	RO_RC=$?
	check "a database the server cannot write: exit 1 (got $RO_RC) before it listens" \
		eval '[ $RO_RC = 1 ] && ! grep -q listening ro.out'
	check "... saying it is read-only and what to do" \
		grep -q "data/profiles.db: the database is read-only to this process.*give the user it runs as write access" ro.err
	chmod 700 data
elif [ "${CI:-}" = "true" ]; then
	fail "the read-only database case needs the user nobody and setpriv (util-linux)"
fi

start_server js --data data-js --api-key "$API" --app-key "$APP" --json || fail "start with --json"
N_REQ=0
http j1 GET /info
upload j2 /profiling/v1/input ik.event.json one.pprof
http j3 POST /api/unstable/profiles/list "${JSON[@]}" --data-binary @kf.req "${KEYS[@]}"
http j4 POST /api/unstable/profiles/list "${JSON[@]}" --data-binary @kf.req
http j5 GET /no/such/path
stop_server "$PID"
check_sh "--json server: exit 0 (got $STATUS), no sanitizer report" '[ "$STATUS" = 0 ] && sanitizer_clean js'
bad=$(grep -cv '^{".*}$' js.log)
if [ "$bad" = 0 ] && [ -s js.log ]; then
	pass "--json: every log line is a JSON object"
else
	fail "--json: every log line is a JSON object ($bad are not)"
	say <js.log
fi
if command -v python3 >/dev/null 2>&1; then
	check "--json: every line parses as JSON (python3)" python3 -c '
import json, sys
for line in open(sys.argv[1]):
    assert isinstance(json.loads(line), dict)' js.log
fi
reqs=$(grep -c '"method":' js.log)
check "--json: one line per request ($reqs for $N_REQ)" [ "$reqs" = "$N_REQ" ]
ok=1
for want in '"method":"GET","path":"/info","status":200' '"method":"POST","path":"/profiling/v1/input","status":200' \
	'"method":"POST","path":"/api/unstable/profiles/list","status":200' \
	'"method":"POST","path":"/api/unstable/profiles/list","status":403' '"path":"/no/such/path","status":404'; do
	grep -qF "$want" js.log || { ok=0; echo "no log line with $want" | say; }
done
check "--json: request lines carry method, path and status" [ $ok = 1 ]
check "--json: the startup line is JSON with the port" grep -q "^{.*listening on http://127.0.0.1:[0-9]*,.*}\$" js.log

# ---- retention ----------------------------------------------------------------

# Retention counts from when the store received an upload, not from the start
# the uploader claims: a claimed start cannot keep a profile forever, nor get
# one deleted at once.
start_server ret --data data-ret --api-key "$API" --app-key "$APP" --retention 4s || fail "start with --retention 4s"
event_json ret-old.event.json "$(iso -3600 5)" "$(iso -3540 5)" "service:ret,case:old"
event_json ret-new.event.json "$(iso -60 123)" "$(iso 0 123)" "service:ret,case:new"
upload ret1 /profiling/v1/input ret-old.event.json one.pprof
expect_code ret1 200 "retention: an upload that started an hour ago is accepted"
OLD_PID=$PROFILE_ID
OLD_EID=$EVENT_ID
sleep 2
expect_set "retention: 2 s after receipt it is still there, though it started an hour ago" "old" retl0 "service:ret"
sleep 2.5
upload ret2 /profiling/v1/input ret-new.event.json two.pprof
expect_code ret2 200 "retention: a recent upload is accepted"
gone=0
for i in $(seq 1 30); do
	list retl "service:ret"
	if [ "$CODE" = 200 ] && [ "$LIST" = "new" ]; then
		gone=1
		break
	fi
	sleep 0.1
done
check "retention: the first upload is purged once 4 s have passed since it arrived, the second stays" [ $gone = 1 ]
download retd "$OLD_PID" "$OLD_EID" "${KEYS[@]}"
expect_error retd 404 "retention: the purged upload's download is 404"
check "retention: the log says what was deleted" grep -q 'retention: deleted 1 profiles' ret.log

# Times that no profiler sends are refused, so that none can dodge retention or rank.
event_json ret-2200.event.json "2200-01-01T00:00:00Z" "2200-01-01T00:01:00Z" "service:ret,case:future"
upload retf /profiling/v1/input ret-2200.event.json one.pprof
expect_error retf 400 "an upload dated in the year 2200: 400"
check "... saying it is more than a day ahead" grep -q 'more than a day after the store' retf.body
check "... and its log line names the service and the reason" \
	grep -q 'POST /profiling/v1/input 400 .* service=ret: .*more than a day after the store' ret.log
event_json ret-back.event.json "$(iso -60)" "$(iso -120)" "service:ret,case:backwards"
upload retb /profiling/v1/input ret-back.event.json one.pprof
expect_error retb 400 "an upload whose end is before its start: 400"
event_json ret-long.event.json "$(iso -90000)" "$(iso 0)" "service:ret,case:long"
upload retlong /profiling/v1/input ret-long.event.json one.pprof
expect_error retlong 400 "an upload whose period is over 24 h: 400"
check "... saying so" grep -q 'more than 24h' retlong.body
stop_server "$PID"
check_sh "retention server: exit 0 (got $STATUS), no sanitizer report" '[ "$STATUS" = 0 ] && sanitizer_clean ret'

done_testing
