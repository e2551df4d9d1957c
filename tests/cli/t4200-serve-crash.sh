#!/usr/bin/env bash
# Crash durability of pgotool serve: an upload answered 200 is on disk.
# Four curl loops upload concurrently, each upload with a unique seq: tag,
# recording which got HTTP 200; the store is killed with SIGKILL in the
# middle, restarted on the same data directory, loaded and killed again.
# After every restart each upload that got a 200 must be found exactly once
# (list by its tag) under the profile id it was given, and its download must
# be a readable zip whose cpu.pprof is the profile that was sent. Every
# profile the store lists, acknowledged or not, must download whole.
. "$(dirname "$0")/lib.sh"
. "$PGO_SRC/tests/cli/serve-lib.sh"
serve_require_tools
watchdog 420

ROUNDS=3
WORKERS=4
PER_WORKER=150   # uploads per worker and round at most
API=crash-api
APP=crash-app
KEYS=(-H "DD-API-KEY: $API" -H "DD-APPLICATION-KEY: $APP")
JSON=(-H "Content-Type: application/json")

EX=$PGO_SRC/examples/profiles
cp "$EX/burn-1.pprof" p0
cp "$EX/burn-2.pprof" p1
gzip -dc p0 >p0.raw
gzip -dc p1 >p1.raw
zstd -q -3 p1.raw -o p2
cp p1.raw p2.raw
mkdir data

# worker ROUND W: uploads until the stop file appears; one line per upload
# in acks.ROUND.W: "SEQ STATUS PROFILE-ID EVENT-ID PAYLOAD".
worker() {
	local r=$1 w=$2 n code body pl
	for n in $(seq 1 $PER_WORKER); do
		[ -e "stop.$r" ] && break
		pl=p$(((n + w) % 3))
		event_json "ev.$r.$w" "$(iso -60 5)" "$(iso 0 5)" "service:crash,seq:$r-$w-$n,worker:$w"
		code=$(curl -s --max-time 10 -o "resp.$r.$w" -w '%{http_code}' \
			-F "event=@ev.$r.$w;type=application/json;filename=event.json" \
			-F "cpu.pprof=@$pl;type=application/octet-stream;filename=cpu.pprof" \
			"$URL/profiling/v1/input" 2>/dev/null)
		body=$(cat "resp.$r.$w" 2>/dev/null)
		echo "$r-$w-$n ${code:-000} $(json_str "resp.$r.$w" profile_id) $(json_str "resp.$r.$w" event_id) $pl" >>"acks.$r.$w"
		[ "$code" = 200 ] || sleep 0.05
	done
}

acked() { cat acks.* 2>/dev/null | awk '$2 == 200' | wc -l; }

# verify ROUND: every upload acknowledged so far is stored, once, whole.
verify() {
	local r=$1
	search_json "$(iso -86400)" "$(iso 3600)" "service:crash" timestamp asc 1000 >all.req
	http "list.$r" POST /api/unstable/profiles/list "${KEYS[@]}" "${JSON[@]}" --data-binary @all.req
	if [ "$CODE" != 200 ]; then
		fail "after restart $r: list service:crash (HTTP $CODE)"
		show "list.$r"
		return
	fi
	# "SEQ PROFILE-ID EVENT-ID" for every stored upload
	items "list.$r.body" | while read -r e; do
		echo "$(printf '%s' "$e" | grep -o '"seq:[0-9-]*"' | tr -d '"' | sed 's/^seq://') $(printf '%s' "$e" |
			grep -o '"attributes":{"id":"[^"]*"' | sed 's/.*"id":"//; s/"$//') $(item_str "$e" id)"
	done | sort >"stored.$r"
	local n_stored n_acked missing=0 wrong=0 dup
	n_stored=$(wc -l <"stored.$r")
	cat acks.* | awk '$2 == 200' | sort >"acked.$r"
	n_acked=$(wc -l <"acked.$r")
	dup=$(awk '{ print $1 }' "stored.$r" | uniq -d | head -5)
	while read -r seq code pid eid pl; do
		line=$(grep "^$seq " "stored.$r")
		if [ -z "$line" ]; then
			missing=$((missing + 1))
			[ $missing -le 5 ] && echo "acknowledged upload seq:$seq (profile $pid) is missing after restart $r" | say
		elif [ "$line" != "$seq $pid $eid" ]; then
			wrong=$((wrong + 1))
			[ $wrong -le 5 ] && echo "seq:$seq acknowledged as $pid $eid, stored as: $line" | say
		fi
	done <"acked.$r"
	check "restart $r: all $n_acked acknowledged uploads are listed ($n_stored stored in all)" [ $missing = 0 ]
	check "restart $r: each under the profile and event ids it was given" [ $wrong = 0 ]
	check "restart $r: no upload is stored twice${dup:+ (seq: $dup)}" [ -z "$dup" ]

	# one seq: query per acknowledged upload of round r, as a user would search
	local bad_q=0 k=0
	while read -r seq code pid eid pl; do
		case $seq in "$r"-*) ;; *) continue ;; esac
		k=$((k + 1))
		search_json "$(iso -86400)" "$(iso 3600)" "seq:$seq" >q.req
		http q POST /api/unstable/profiles/list "${KEYS[@]}" "${JSON[@]}" --data-binary @q.req
		if [ "$CODE" != 200 ] || [ "$(items q.body | wc -l)" != 1 ] || ! grep -q "\"attributes\":{\"id\":\"$pid\"" q.body; then
			bad_q=$((bad_q + 1))
			[ $bad_q -le 5 ] && { echo "list seq:$seq:" | say; show q; }
		fi
	done <"acked.$r"
	[ $k -gt 0 ] && check "restart $r: list seq:TAG finds each of the $k uploads acknowledged in round $r" [ $bad_q = 0 ]

	# every stored upload downloads whole; acknowledged ones are the profile sent
	local bad_d=0 bad_p=0 seq pid eid pl
	while read -r seq pid eid; do
		http dl GET "/api/ui/profiling/profiles/$pid/download?eventId=$eid" "${KEYS[@]}"
		rm -rf dl.d && mkdir dl.d
		if [ "$CODE" != 200 ] || ! unzip -tqq dl.body >/dev/null 2>&1 || ! (cd dl.d && unzip -qq ../dl.body cpu.pprof 2>/dev/null) ||
			! valid_pprof dl.d/cpu.pprof; then
			bad_d=$((bad_d + 1))
			[ $bad_d -le 5 ] && { echo "download of seq:$seq ($pid, event $eid):" | say; show dl; }
			continue
		fi
		pl=$(grep "^$seq " "acked.$r" | awk '{ print $5 }')
		if [ -n "$pl" ] && ! gzip -dc dl.d/cpu.pprof 2>/dev/null | cmp -s - "$pl.raw"; then
			bad_p=$((bad_p + 1))
			[ $bad_p -le 5 ] && echo "seq:$seq: the downloaded cpu.pprof is not the $pl that was sent" | say
		fi
	done <"stored.$r"
	check "restart $r: all $n_stored stored uploads download as a zip with a valid cpu.pprof" [ $bad_d = 0 ]
	check "restart $r: each acknowledged upload's cpu.pprof is the profile that was sent" [ $bad_p = 0 ]
}

for r in $(seq 1 $ROUNDS); do
	start_server "srv.$r" --data data --api-key "$API" --app-key "$APP" || { fail "start $r"; done_testing; }
	SRV=$PID
	n_before=$(acked)
	if [ "$r" -gt 1 ]; then
		check "restart $((r - 1)): the store opens after SIGKILL and counts at least the $n_before acknowledged uploads" \
			grep -Eq "\\(([0-9]+) profiles\\)" "srv.$r.log"
		count=$(sed -n '1s/.*(\([0-9]*\) profiles).*/\1/p' "srv.$r.log")
		check "restart $((r - 1)): $count profiles >= $n_before acknowledged" [ "${count:-0}" -ge "$n_before" ]
		verify $((r - 1))
	fi
	pids=()
	for w in $(seq 1 $WORKERS); do
		worker "$r" "$w" &
		pids+=($!)
		track $!
	done
	# SIGKILL once this round has some acknowledged uploads (or after 10 s),
	# while the loops are still sending
	t0=$(date +%s)
	while [ $(($(acked) - n_before)) -lt $((20 + 15 * r)) ] && [ $(($(date +%s) - t0)) -lt 10 ]; do
		sleep 0.05
	done
	kill -KILL "$SRV"
	wait "$SRV" 2>/dev/null
	sleep 0.3
	touch "stop.$r"
	for p in "${pids[@]}"; do wait "$p"; done
	n_round=$(($(acked) - n_before))
	n_lost=$(cat acks."$r".* | awk '$2 != 200' | wc -l)
	check "round $r: uploads were acknowledged before the SIGKILL ($n_round acknowledged, $n_lost not)" [ "$n_round" -gt 0 ]
	check "round $r: the server left no sanitizer report before the SIGKILL" sanitizer_clean "srv.$r"
	codes=$(cat acks."$r".* | awk '$2 != 200 && $2 != "000" { print $2 }' | sort | uniq -c | tr '\n' ' ')
	check "round $r: every upload got 200 or no answer at all${codes:+ (other statuses: $codes)}" [ -z "$codes" ]
done

start_server final --data data --api-key "$API" --app-key "$APP" || { fail "the final restart"; done_testing; }
SRV=$PID
n_all=$(acked)
count=$(sed -n '1s/.*(\([0-9]*\) profiles).*/\1/p' final.log)
check "final restart: $count profiles >= $n_all acknowledged" [ "${count:-0}" -ge "$n_all" ]
verify $ROUNDS
stop_server "$SRV"
check "final: SIGTERM exits 0 (got $STATUS)" [ "$STATUS" = 0 ]
check "final: no sanitizer report" sanitizer_clean final

done_testing
