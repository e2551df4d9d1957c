#!/usr/bin/env bash
# What pgotool serve keeps, and the only three things that delete:
#  (1) --keep NAMES stores only those attachments (the others are dropped
#      unread), and a download has only them;
#  (2) PGO-aware downsampling keeps, of the profiles older than
#      --downsample-after, exactly the --downsample-keep with the most CPU per
#      service, env, version and hour; younger ones and other groups are
#      untouched, and the result survives a restart;
#  (3) --max-disk deletes the oldest profiles first until the database is
#      within the bound, the newest stay, the log says so, and a restart
#      keeps it.
# Needs python3, curl.
. "$(dirname "$0")/lib.sh"
. "$PGO_SRC/tests/cli/serve-lib.sh"
serve_require_tools
command -v python3 >/dev/null 2>&1 || {
	[ "${CI:-}" = "true" ] && { echo "FATAL: $test_name needs python3"; exit 1; }
	echo "SKIP: $test_name: python3 is not installed"
	exit 77
}
watchdog 600

bail() {
	fail "$*"
	done_testing
}
py() { python3 - "$@"; }
MK="$PGO_TOOLS/mkprofile"
API_KEY=t4300-api-$RANDOM$RANDOM
APP_KEY=t4300-app-$RANDOM$RANDOM
KEYS=(--api-key "$API_KEY" --app-key "$APP_KEY")

# profile_for CORES: a CPU profile with CORES * 60 s of CPU, so that a 60 s
# upload of it has core_cpu_cores = CORES.
profile_for() {
	[ -f "cpu-$1.pb" ] || "$MK" "cpu-$1.pb" "main.main;main.work=$1/$(($1 * 60))000000000" || bail "mkprofile"
	echo "cpu-$1.pb"
}

# put NAME TAGS CORES START [CURL-ARG...]: a 60 s upload starting START
# (Unix seconds) of a profile of CORES cores; NAME.id gets its profile id.
put() {
	local name=$1 tags=$2 cores=$3 start=$4
	shift 4
	event_json "$name.event" "$(date -u -d "@$start" +%Y-%m-%dT%H:%M:%SZ)" \
		"$(date -u -d "@$((start + 60))" +%Y-%m-%dT%H:%M:%SZ)" "$tags"
	upload "$name" /profiling/v1/input "$name.event" "$(profile_for "$cores")" "$@"
	[ "$CODE" = 200 ] || { show "$name"; return 1; }
	echo "$PROFILE_ID" >"$name.id"
}

# ids OUT: the profile ids the store lists over the last three days, sorted.
ids() {
	http "$1" POST /api/unstable/profiles/list -H "DD-API-KEY: $API_KEY" -H "DD-APPLICATION-KEY: $APP_KEY" \
		-H 'Content-Type: application/json' \
		-d "{\"filter\":{\"from\":\"$(iso -259200)\",\"to\":\"$(iso 3600)\",\"query\":\"*\"},\"limit\":1000}"
	py "$1.body" <<'EOF' | sort
import json, sys
for d in json.load(open(sys.argv[1]))["data"]:
    print(d["attributes"]["id"])
EOF
}
wait_log() {
	for _ in $(seq 40); do
		grep -qE "$1" store.log && return 0
		sleep 0.25
	done
	return 1
}

# ---- (1) --keep --------------------------------------------------------------------
start_server store --data keep "${KEYS[@]}" --keep cpu.pprof,metrics.json || bail "start --keep"
printf '{"go_goroutines": 3}\n' >metrics.json
printf 'not gzip at all' | cat <(printf '\037\213\010\000') - >broken.gz
event_json ev "$(iso -60)" "$(iso 0)" "service:keep"
upload kept /profiling/v1/input ev "$(profile_for 1)" -F "metrics.json=@metrics.json;filename=metrics.json" \
	-F "trace.gz=@broken.gz;filename=trace.gz"
expect_code kept 200 "--keep cpu.pprof,metrics.json: an upload with an attachment not kept, even a broken one, is taken"
http dl GET "/api/ui/profiling/profiles/$PROFILE_ID/download?eventId=$EVENT_ID" -H "DD-API-KEY: $API_KEY" \
	-H "DD-APPLICATION-KEY: $APP_KEY"
unzip -Z1 dl.body 2>/dev/null | sort >dl.names
check "... and its download holds only the kept attachments" \
	bash -c '[ "$(tr "\n" " " <dl.names)" = "cpu.pprof metrics.json " ]'
stop_server "$PID"
start_server store --data keep-all "${KEYS[@]}" || bail "start without --keep"
upload all /profiling/v1/input ev "$(profile_for 1)" -F "trace.gz=@broken.gz;filename=trace.gz"
expect_error all 400 "without --keep, the broken attachment is checked and refused"
stop_server "$PID"
for bad in "" "a,,b" "a/b" ","; do
	"$PGOTOOL" serve --keep "$bad" --data x >bad.out 2>bad.err
	check "--keep '$bad' is a usage error" test $? -eq 2
done

# ---- (2) downsampling ----------------------------------------------------------------
# Three hours ago and two hours ago, in whole hours; uploads start 1 min into them.
h1=$((($(date +%s) / 3600 - 3) * 3600 + 60))
h2=$((h1 + 3600))
start_server store --data ds "${KEYS[@]}" --downsample-keep 0 || bail "start for downsampling"
# group (a, prod, 1, h1): 4 profiles, 1 to 4 cores; keep 2 -> 4 and 3
for c in 1 2 3 4; do put "a1h1c$c" "service:a,env:prod,version:1" "$c" "$h1"; done
# (a, prod, 1, h2): 1 profile; kept
put a1h2 "service:a,env:prod,version:1" 1 "$h2"
# (a, prod, 2, h1): 3 profiles; keep 7 and 5
for c in 5 6 7; do put "a2h1c$c" "service:a,env:prod,version:2" "$c" "$((h1 + 120))"; done
# (b, prod, 1, h1): 3 profiles; keep 9 and 8
for c in 2 8 9; do put "b1h1c$c" "service:b,env:prod,version:1" "$c" "$h1"; done
# (a, staging, 1, h1): 2 profiles; both kept
for c in 1 2; do put "as1h1c$c" "service:a,env:staging,version:1" "$c" "$h1"; done
ids before >before.ids
check "13 profiles before downsampling" test "$(wc -l <before.ids)" -eq 13
stop_server "$PID"
sleep 2
start_server store --data ds "${KEYS[@]}" --downsample-after 1s --downsample-keep 2 || bail "restart with downsampling"
wait_log "downsampling: deleted 4 profiles received more than 1s ago, keeping the 2 with the most CPU of each of 5 service/env/version/hour groups"
check "the log says what downsampling deleted, and from how many groups" \
	grep -q "downsampling: deleted 4 profiles received more than 1s ago, keeping the 2 with the most CPU of each of 5" store.log
cat a1h1c4.id a1h1c3.id a1h2.id a2h1c7.id a2h1c6.id b1h1c9.id b1h1c8.id as1h1c1.id as1h1c2.id | sort >want.ids
ids after >after.ids
check "exactly the 2 with the most CPU of each group stay, and nothing else went" cmp -s want.ids after.ids
cmp -s want.ids after.ids || diff want.ids after.ids | say
# Younger ones wait for their age.
for c in 1 2 3; do put "new$c" "service:a,env:prod,version:1" "$c" "$(date +%s)"; done
ids young >young.ids
check "profiles younger than --downsample-after are untouched" test "$(wc -l <young.ids)" -eq 12
sleep 3
ids aged >aged.ids
check "... until they are older: then the group keeps its 2 (12 - 1 = 11)" test "$(wc -l <aged.ids)" -eq 11
check "... the one with the least CPU went" bash -c "! grep -qxF \"\$(cat new1.id)\" aged.ids"
stop_server "$PID"
start_server store --data ds "${KEYS[@]}" --downsample-keep 0 || bail "restart after downsampling"
ids restarted >restarted.ids
check "a restart keeps the downsampled store as it was" cmp -s aged.ids restarted.ids
stop_server "$PID"

# ---- (3) --max-disk ---------------------------------------------------------------------
head -c 300000 /dev/urandom >blob.bin
start_server store --data disk "${KEYS[@]}" --max-disk 2M --downsample-keep 0 || bail "start with --max-disk"
for i in $(seq -w 1 20); do
	put "d$i" "service:disk" 1 "$(($(date +%s) - 600))" -F "blob.bin=@blob.bin;filename=blob.bin" || break
	sleep 0.1
done
wait_log "max-disk: the store used"
sleep 2
check "the log says that --max-disk deleted the oldest" \
	grep -qE "max-disk: the store used [0-9.]+ MiB of its 2.0 MiB; deleted the [0-9]+ oldest profiles" store.log
ids disk >disk.ids
n=$(wc -l <disk.ids)
check "some profiles stayed, fewer than 20 ($n)" test "$n" -ge 1 -a "$n" -lt 20
for i in $(seq -w 1 20); do cat "d$i.id"; done | tail -n "$n" | sort >newest.ids
check "the ones that stayed are the newest" cmp -s newest.ids disk.ids
db=$(ls disk/profiles.db)
check "the database's pages in use are within the bound" python3 -c "
import sqlite3
c = sqlite3.connect('file:$db?mode=ro', uri=True)
n = c.execute('pragma page_count').fetchone()[0] - c.execute('pragma freelist_count').fetchone()[0]
s = c.execute('pragma page_size').fetchone()[0]
raise SystemExit(0 if n * s <= 2 << 20 else 1)"
stop_server "$PID"
start_server store --data disk "${KEYS[@]}" --downsample-keep 0 || bail "restart after --max-disk"
ids disk2 >disk2.ids
check "a restart keeps what --max-disk left" cmp -s disk.ids disk2.ids
stop_server "$PID"
check "the server stops cleanly" test "$STATUS" -eq 0
sanitizer_clean store
done_testing
