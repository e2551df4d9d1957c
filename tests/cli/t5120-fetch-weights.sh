#!/usr/bin/env bash
# pgotool fetch with weights, against a real `pgotool serve` fed through its
# intake: QUERY@W scales a QUERY's profiles, -normalize gives every QUERY's
# profiles the same total; the exact values of DEST (pgotool edges), the
# bytes of `pgotool merge --weight` of the same files, gopgo and list alike,
# one gopgo request per QUERY, a profile two QUERYs match counted for each,
# whatever the QUERYs' order and the threads (PGOTOOL_THREADS); a trailing
# '@attribute' is part of the query; bad weights are usage errors.
. "$(dirname "$0")/lib.sh"
. "$PGO_SRC/tests/cli/serve-lib.sh"
serve_require_tools
watchdog 300

bail() {
	fail "$*"
	done_testing
}

for v in $(env | sed -n 's/^\(DD_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
unset PGOTOOL_API HTTPS_PROXY https_proxy HTTP_PROXY http_proxy ALL_PROXY all_proxy NO_PROXY no_proxy NO_COLOR
export DD_API_KEY=t5120-api-$RANDOM$RANDOM DD_APP_KEY=t5120-app-$RANDOM$RANDOM
MK="$PGO_TOOLS/mkprofile"

# Two regions of one service: us sees more traffic (count total 8), eu less (3).
"$MK" us.pb 'main.main;main.work=3/30' 'main.main;main.idle=5/50' || bail "mkprofile"
"$MK" eu.pb 'main.main;main.work=1/10' 'main.main;main.serve=2/20' || bail "mkprofile"
gzip -k us.pb eu.pb

mkdir data
start_server store --data data --api-key "$DD_API_KEY" --app-key "$DD_APP_KEY" || bail "pgotool serve starts"
export PGOTOOL_API=$URL
n_up=0
for r in us eu; do
	event_json "ev-$r.json" "$(iso -600)" "$(iso -540)" "service:alpha,env:prod,region:$r,runtime:go"
	upload "up-$r" /profiling/v1/input "ev-$r.json" "$r.pb.gz"
	[ "$CODE" = 200 ] && n_up=$((n_up + 1))
done
[ "$n_up" = 2 ] || { show up-us; show up-eu; bail "the store takes the two uploads"; }
pass "the store takes the two uploads"

# edge_weights FILE: "CALLER>CALLEE WEIGHT" per edge, sorted, from pgotool edges.
edge_weights() {
	"$PGOTOOL" edges "$1" | awk 'NR > 1 { if (NR % 3 == 2) c = $0; else if (NR % 3 == 0) e = $0; else print c ">" e, $2 }' | sort
}
expect_edges() {
	local desc=$1 file=$2
	shift 2
	printf '%s\n' "$@" | sort >want.txt
	edge_weights "$file" >got.txt 2>&1
	check "$desc" cmp -s want.txt got.txt
	cmp -s want.txt got.txt || { echo "want:"; cat want.txt; echo "got:"; cat got.txt; } | say
}
# fetch NAME ARG...: pgotool fetch -fail ARG..., log in NAME.out; RC its exit status.
fetch() {
	local name=$1
	shift
	timeout 60 "$PGOTOOL" fetch -fail "$@" >"$name.out" 2>"$name.err"
	RC=$?
	[ "$RC" = 0 ] || { cat "$name.out" "$name.err" | say; }
}

US='service:alpha region:us'
EU='service:alpha region:eu'

# --- QUERY@W: us doubled
fetch w -v "$US@2" "$EU" w.pgo
check "QUERY@2: exit 0" test "$RC" = 0
expect_edges "QUERY@2: exact values (us x2 + eu)" w.pgo "main.main>main.work 7" "main.main>main.idle 10" \
	"main.main>main.serve 2"
"$PGOTOOL" merge -o w-merge.pgo --weight 2:us.pb eu.pb
check "the same bytes as pgotool merge --weight 2:us eu" cmp -s w.pgo w-merge.pgo
check "the weight is not sent: the search is the QUERY before '@'" \
	grep -q 'DBG searching profiles query="service:alpha region:us runtime:go"' w.out
check "one gopgo request per QUERY" test "$(grep -c 'DBG request method=POST url=[^ ]*/gopgo' w.out)" = 2
check "each extracted profile says its weight" test "$(grep -Ec 'INF extracted profile .* weight=(2|1)$' w.out)" = 2
fetch wl -endpoint list "$US@2" "$EU" wl.pgo
check "-endpoint list gives the same bytes" cmp -s w.pgo wl.pgo
fetch ws "$US @2" "$EU" ws.pgo
check "a space before @W is allowed" cmp -s w.pgo ws.pgo

# --- -normalize: eu (3) is brought to us's total (8), factor 8/3:
# work 1*8/3 = 2.67 -> 3, serve 2*8/3 = 5.33 -> 5
fetch n -normalize "$US" "$EU" n.pgo
check "-normalize: exit 0" test "$RC" = 0
expect_edges "-normalize: exact values" n.pgo "main.main>main.work 6" "main.main>main.idle 5" \
	"main.main>main.serve 5"
"$PGOTOOL" merge -o n-merge.pgo --normalize us.pb eu.pb
check "-normalize: the same bytes as pgotool merge --normalize" cmp -s n.pgo n-merge.pgo
fetch nl -normalize -endpoint list "$EU" "$US" nl.pgo
check "-normalize: list mode, QUERYs swapped: the same bytes" cmp -s n.pgo nl.pgo
fetch nw -normalize "$US" "$EU@3" nw.pgo
expect_edges "-normalize, then @3" nw.pgo "main.main>main.work 11" "main.main>main.idle 5" \
	"main.main>main.serve 16"

# --- the next profile decodes on a second thread while one merges: the same
# bytes on one thread; a bad PGOTOOL_THREADS is a warning, never a failure
PGOTOOL_THREADS=1 fetch nw1 -normalize "$US" "$EU@3" nw1.pgo
check "PGOTOOL_THREADS=1: the same bytes" cmp -s nw.pgo nw1.pgo
PGOTOOL_THREADS=2 fetch nw2 -normalize -endpoint list "$US" "$EU@3" nw2.pgo
check "PGOTOOL_THREADS=2: the same bytes" cmp -s nw.pgo nw2.pgo
PGOTOOL_THREADS=lots fetch nwx -normalize "$US" "$EU@3" nwx.pgo
check "PGOTOOL_THREADS=lots: exit 0" test "$RC" = 0
check "... with a warning" grep -q 'WRN PGOTOOL_THREADS must be a whole number' nwx.out
check "... and the same bytes" cmp -s nw.pgo nwx.pgo

# --- overlapping QUERYs: us matches both, so it counts 1 + 2 times
fetch o "service:alpha@1" "$US@2" o.pgo
expect_edges "a profile two QUERYs match counts for each" o.pgo "main.main>main.work 10" \
	"main.main>main.idle 15" "main.main>main.serve 2"
check "... the debug query names each profile once" \
	bash -c "grep 'wrote PGO file' o.out | grep -Eq 'debug-query=\"profile-id:\([^ ]+ OR [^ ]+\)\"$'"
fetch o2 "$US@2" "service:alpha@1" o2.pgo
check "... the same bytes whatever the QUERYs' order" cmp -s o.pgo o2.pgo
fetch ol -endpoint list "service:alpha@1" "$US@2" ol.pgo
check "... and in list mode" cmp -s o.pgo ol.pgo

# --- a QUERY that matches nothing is a warning
fetch none "$US@2" "service:nobody@3" none.pgo
check "a weighted QUERY that matches nothing: exit 0" test "$RC" = 0
check "... with a warning naming it" grep -q 'WRN no profiles match query="service:nobody runtime:go"' none.out
fetch none2 "service:nobody@3" none2.pgo
check "no QUERY matches: the fetch fails" test "$RC" = 1
check "... saying so" grep -q 'ERR no profiles match the query' none2.out

# --- '@' inside a query: only a trailing @NUMBER is a weight
timeout 60 "$PGOTOOL" fetch -v "service:alpha @metrics.core_cpu_cores:>0" at.pgo >at.out 2>&1
check "a trailing @attribute stays in the query" \
	grep -q 'DBG searching profiles query="service:alpha @metrics.core_cpu_cores:>0 runtime:go"' at.out
check "... and the fetch is not weighted (no weight in the log)" \
	bash -c "! grep -q 'weight=' at.out"

# --- usage errors: exit 2, DEST untouched
echo previous >dest.pgo
for q in "$US@0" "$US@-1" "$US@1e3" "$US@1.2.3" "$US@00" "@2" " @2"; do
	timeout 60 "$PGOTOOL" fetch "$q" dest.pgo >bad.out 2>bad.err
	rc=$?
	check "QUERY '$q': exit 2" test "$rc" = 2
	check "QUERY '$q': says what is wrong" grep -Eq 'weight after its last .@. must be a positive decimal number|has a weight but no search' bad.err
done
check "DEST untouched by usage errors" test "$(cat dest.pgo)" = previous

"$PGOTOOL" fetch --help >help.txt
check "--help documents QUERY@W" grep -q 'a QUERY ending in @W' help.txt
check "--help documents -normalize" grep -q -- '-normalize' help.txt

stop_server "$PID"
check "the store stops cleanly" test "$STATUS" = 0
sanitizer_clean store
done_testing
