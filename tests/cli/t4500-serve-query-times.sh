#!/usr/bin/env bash
# The query API's relative times, against a real `pgotool serve`: filter.from
# and filter.to of profiles/list and of each gopgo query take "now" and
# "now-N" with a unit s, m, h, d or w (as Datadog's search APIs do) next to
# RFC 3339, counted from the store's clock at the request. Relative windows
# include and exclude uploads by their start; `now` as `to` leaves out a
# profile that starts later; every malformed time is a 400 that names the
# field, its rule and the value; a relative time past 100 years is refused
# without overflow.
. "$(dirname "$0")/lib.sh"
. "$PGO_SRC/tests/cli/serve-lib.sh"
serve_require_tools
watchdog 300

EX=$PGO_SRC/examples/profiles
[ -f "$EX/burn-1.pprof" ] || { echo "FATAL: $EX/burn-1.pprof is missing"; exit 1; }
cp "$EX/burn-1.pprof" cpu.pprof

API=test-api-key
APP=test-app-key
KEYS=(-H "DD-API-KEY: $API" -H "DD-APPLICATION-KEY: $APP")
JSON=(-H "Content-Type: application/json")

mkdir data
start_server main --data data --api-key "$API" --app-key "$APP" || { fail "the server starts"; done_testing; }
pass "the server starts ($PORT)"
MAIN_PID=$PID

# Uploads through the intake, by the start of their profile:
#   week: 5 days ago, day2: 2 hours ago, recent: 5 minutes ago, ahead: in 30 minutes
# (intake takes a start up to a day ahead of its clock).
declare -A PIDS
upload_case() { # CASE START-OFFSET-SECONDS
	local c=$1 off=$2
	event_json "$c.event.json" "$(iso "$off")" "$(iso $((off + 60)))" "service:times,env:prod,runtime:go,case:$c"
	upload "up-$c" /profiling/v1/input "$c.event.json" cpu.pprof
	if [ "$CODE" = 200 ] && [ -n "$PROFILE_ID" ]; then
		pass "upload $c (start ${off}s from now): 200"
	else
		fail "upload $c (HTTP $CODE)"
		show "up-$c"
	fi
	PIDS[$c]=$PROFILE_ID
}
upload_case week -432000
upload_case day2 -7200
upload_case recent -300
upload_case ahead 1800

# list OUT FROM-JSON TO-JSON: a list request whose filter.from and filter.to
# are the JSON tokens given; LIST is the case: tags of the answer, sorted.
list() {
	printf '{"filter":{"from":%s,"to":%s,"query":"service:times"},"limit":100}' "$2" "$3" >"$1.req"
	http "$1" POST /api/unstable/profiles/list "${KEYS[@]}" "${JSON[@]}" --data-binary "@$1.req"
	LIST=$(items "$1.body" | grep -o '"case:[a-z0-9]*"' | sed 's/"case:\(.*\)"/\1/' | sort | tr '\n' ' ' | sed 's/ $//')
}
# expect_window FROM TO WANT: the list of that window holds the cases WANT.
n_win=0
expect_window() {
	local want
	n_win=$((n_win + 1))
	list "win$n_win" "\"$1\"" "\"$2\""
	want=$(printf '%s\n' $3 | sort | tr '\n' ' ' | sed 's/ $//')
	if [ "$CODE" = 200 ] && [ "$LIST" = "$want" ]; then
		pass "list from $1 to $2: [$want]"
	else
		fail "list from $1 to $2: got [$LIST] (HTTP $CODE), want [$want]"
		show "win$n_win"
	fi
}

expect_window "$(iso -864000)" "$(iso 7200)" "week day2 recent ahead"
expect_window now-72h now "day2 recent"
expect_window now-3d now "day2 recent"
expect_window now-4320m now "day2 recent"
expect_window now-259200s now "day2 recent"
expect_window now-7d now "week day2 recent"
expect_window now-1w now "week day2 recent"
expect_window now-6d now-1d "week"
expect_window now-3h now-1h "day2"
expect_window now-15m now "recent"
expect_window now-90s now ""
expect_window now-0s now ""
expect_window now-007d now "week day2 recent"
# now as to leaves out what starts after the request; an RFC 3339 to takes it in
expect_window now-15m "$(iso 3600)" "recent ahead"
expect_window "$(iso -259200)" now "day2 recent"
expect_window now-72h "$(iso 3600)" "day2 recent ahead"
# a window whose from is after its to is empty, as with RFC 3339 times
expect_window now now-72h ""
# the longest relative time: 100 years
expect_window now-36500d now "week day2 recent"
expect_window now-5214w now "week day2 recent"

# ---- gopgo: each query's times, one now for all ----------------------------

gopgo() { # OUT QUERY-JSON...
	local out=$1 body="" q
	shift
	for q in "$@"; do body="$body${body:+,}$q"; done
	printf '{"queries":[%s]}' "$body" >"$out.req"
	http "$out" POST /api/unstable/profiles/gopgo "${KEYS[@]}" "${JSON[@]}" --data-binary "@$out.req"
}
zip_names() { unzip -Z1 "$1" 2>/dev/null | sort | tr '\n' ' ' | sed 's/ $//'; }
sorted() { printf '%s\n' "$@" | sort | tr '\n' ' ' | sed 's/ $//'; }

gopgo g1 "$(search_json now-15m now "service:times")" "$(search_json now-6d now-1d "service:times")"
if [ "$CODE" = 200 ] && [ "$(zip_names g1.body)" = "$(sorted "${PIDS[recent]}" "${PIDS[week]}")" ]; then
	pass "gopgo: two relative queries, the profiles of both windows"
else
	fail "gopgo: two relative queries: got [$(zip_names g1.body)] (HTTP $CODE)"
	show g1
fi
unzip -p g1.body "${PIDS[recent]}" >g1.recent.pprof 2>/dev/null
check "gopgo: its entry is a profile pgotool reads" valid_pprof g1.recent.pprof
gopgo g2 "$(search_json now-72h now "service:times")"
check_sh "gopgo: now-72h to now" \
	'[ "$CODE" = 200 ] && [ "$(zip_names g2.body)" = "$(sorted "${PIDS[day2]}" "${PIDS[recent]}")" ]'
gopgo g3 "$(search_json now-90s now "service:times")"
expect_error g3 404 "gopgo: a relative window with nothing in it: 404"
gopgo g4 "$(search_json now-72h now "service:times")" "$(search_json now-1y now "service:times")"
if [ "$CODE" = 400 ] && is_error_json g4.body &&
	grep -qF 'gopgo: queries[1]: filter.from must be an RFC 3339 time like 2026-11-22T09:00:00Z, or now, or now-N with a unit s, m, h, d or w like now-72h; not \"now-1y\"' g4.body; then
	pass "gopgo: a malformed time names the query, the field, the rule and the value"
else
	fail "gopgo: a malformed time in queries[1]: 400 naming queries[1].filter.from (HTTP $CODE)"
	show g4
fi
gopgo g5 "$(search_json now-72h now-99999999999999d "service:times")"
if [ "$CODE" = 400 ] && grep -qF 'gopgo: queries[0]: filter.to: \"now-99999999999999d\" reaches back more than 100 years (now-36500d); write a shorter window like now-8d' g5.body; then
	pass "gopgo: now-99999999999999d in to: 400 naming the bound"
else
	fail "gopgo: now-99999999999999d in to: 400 naming the bound (HTTP $CODE)"
	show g5
fi

# ---- malformed times: 400, naming the field, the rule and the value ---------

RULE='must be an RFC 3339 time like 2026-11-22T09:00:00Z, or now, or now-N with a unit s, m, h, d or w like now-72h'
RULE_TO='must be an RFC 3339 time like 2026-11-25T09:00:00Z, or now, or now-N with a unit s, m, h, d or w like now-72h'
n_bad=0
# expect_bad FIELD JSON-TOKEN WANT-TAIL: the field set to the token is refused
# with 400 and "list: filter.FIELD RULE; WANT-TAIL".
expect_bad() {
	local field=$1 tok=$2 tail=$3 rule=$RULE out
	n_bad=$((n_bad + 1))
	out=bad$n_bad
	if [ "$field" = from ]; then
		list "$out" "$tok" '"now"'
	else
		rule=$RULE_TO
		list "$out" '"now-72h"' "$tok"
	fi
	if [ "$CODE" = 400 ] && is_error_json "$out.body" && grep -qF "list: filter.$field $rule; $tail" "$out.body"; then
		pass "filter.$field $tok: 400 naming the field, the rule and the value"
	else
		fail "filter.$field $tok: 400 with \"list: filter.$field $rule; $tail\" (HTTP $CODE)"
		show "$out"
	fi
}
for v in yesterday '' now- now-1 now-h now-1x now-1ms now-1mo now-1M now-1y now+1h 'now -1h' now--1h \
	now-1.5h now-1h30m NOW Now now/d nowish ' now' 'now ' now-1hh 2026-11-30 1764524400000 \
	2026-02-29T00:00:00Z 2026-02-31T00:00:00Z 2026-04-31T00:00:00Z 2100-02-29T00:00:00Z \
	2026-11-30T00:00:00+24:00 2026-11-30T00:00:00-05:60; do
	expect_bad from "\"$v\"" "not \\\"$v\\\""
	expect_bad to "\"$v\"" "not \\\"$v\\\""
done
expect_bad from 1764524400000 "not a JSON number"
expect_bad from null "not a JSON null"
expect_bad to true "not a JSON boolean"
expect_bad to '{}' "not a JSON object"
# Leap days are days: 2024 and 2000 have a February 29th.
for v in 2024-02-29T00:00:00Z 2000-02-29T12:00:00+23:59; do
	n_bad=$((n_bad + 1))
	list "leap$n_bad" "\"$v\"" '"now"'
	check "filter.from $v: accepted (HTTP $CODE)" test "$CODE" = 200
done
printf '{"filter":{"to":"now","query":""}}' >nofrom.req
http nofrom POST /api/unstable/profiles/list "${KEYS[@]}" "${JSON[@]}" --data-binary @nofrom.req
if [ "$CODE" = 400 ] && grep -qF "list: filter.from $RULE; and it is missing" nofrom.body; then
	pass "a missing filter.from: 400 saying so"
else
	fail "a missing filter.from: 400 saying so (HTTP $CODE)"
	show nofrom
fi

# Far back: refused, however many digits, and nothing overflows into a window.
for v in now-99999999999999d now-36501d now-5215w now-9223372036854775807s now-18446744073709551617w \
	now-99999999999999999999999999999999999999999999999999m; do
	n_bad=$((n_bad + 1))
	list "bad$n_bad" "\"$v\"" '"now"'
	if [ "$CODE" = 400 ] &&
		grep -qF "list: filter.from: \\\"$v\\\" reaches back more than 100 years (now-36500d); write a shorter window like now-8d, or an RFC 3339 time like 2026-11-22T09:00:00Z" "bad$n_bad.body"; then
		pass "filter.from $v: 400, more than 100 years back"
	else
		fail "filter.from $v: 400, more than 100 years back (HTTP $CODE)"
		show "bad$n_bad"
	fi
done

# The server is still up and answers as before.
expect_window now-72h now "day2 recent"
stop_server "$MAIN_PID"
check_sh "the server exits 0 (got $STATUS), no sanitizer report" '[ "$STATUS" = 0 ] && sanitizer_clean main'

done_testing
