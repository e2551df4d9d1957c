#!/usr/bin/env bash
# pgotool inspect against the Go compiler: for a CPU profile of
# tests/go/cmd/burn, the hot call sites and hot callees that inspect lists are
# those that `go build -a -pgo=PROFILE -gcflags=all=-d=pgodebug=1` acts on, at
# the default threshold (99) and at 80 (-d=pgoinlinecdfthreshold=80):
#  - hot-callsite-thres-from-CDF=X equals the share of inspect's last hot site;
#  - every function that gets "hot-node enabled increased budget" is one of
#    inspect's hot callees, and every hot callee in the program's packages gets it;
#  - every "hot-budget check allows" / "hot-big check disallows" decision is at
#    one of inspect's hot call sites (caller, line - caller's start line);
#  - at inspect's multi-callee sites, the devirtualizer's hottest callee
#    (-d=pgodebug=2) is one of the site's callees, and a runtime entry where
#    inspect says it devirtualizes nothing.
# tests/tools/pgodebug_check.py does the comparing. Each check is also run
# against a wrong expectation (the other threshold's report, shifted offsets, a
# dropped callee), which must fail. Last, "build_fails" is checked against
# go build on profiles that break it and one that does not.
. "$(dirname "$0")/lib.sh"
require_go
set -o pipefail

GO_PROGS="$PGO_SRC/tests/go"
CHECKER="$PGO_SRC/tests/tools/pgodebug_check.py"
PROFILE_TIME=${PGO_GO_PROFILE_TIME:-2s}
LOG="$TEST_TMP/stderr.log"
LOCAL=(main. pgotool.test/progs/)

say() { sed 's/^/# /' >&2; }
bail() {
	fail "$*"
	done_testing
}

# checker DESC CHECK JSON DEBUG [PREFIX...]: passes when the check passes.
checker() {
	local desc=$1 out
	shift
	if out=$(python3 "$CHECKER" "$@" 2>"$LOG"); then
		pass "$desc: $out"
	else
		fail "$desc"
		head -n 15 "$LOG" | say
	fi
}

# checker_fails DESC CHECK JSON DEBUG [PREFIX...]: passes when the check fails (exit 1).
checker_fails() {
	local desc=$1 rc
	shift
	python3 "$CHECKER" "$@" >/dev/null 2>&1
	rc=$?
	if [ $rc -eq 1 ]; then pass "negative: $desc"; else fail "negative: $desc (exit $rc)"; fi
}

# pgodebug PROFILE OUT [DEBUG-FLAGS]: the compiler's hot-site decisions for the whole
# build, and in the program's packages its devirtualization choices too (level 2).
pgodebug() {
	(cd "$GO_PROGS" && go build -a -pgo="$1" -gcflags="all=-d=pgodebug=1${3:+,$3}" \
		-gcflags="pgotool.test/progs/...=-d=pgodebug=2${3:+,$3}" -o "$TEST_TMP/burn-pgo" \
		./cmd/burn) >"$2" 2>&1 || { head -n 20 "$2" | say; return 1; }
}

(cd "$GO_PROGS" && go build -o "$TEST_TMP/burn" ./cmd/burn) 2>"$LOG" || { say <"$LOG"; bail "build tests/go/cmd/burn"; }
./burn -duration "$PROFILE_TIME" -mode mixed -seed 3 -cpuprofile burn.pprof 2>"$LOG" ||
	{ say <"$LOG"; bail "record a CPU profile of burn"; }

for t in 99 80; do
	"$PGOTOOL" inspect --json --threshold $t burn.pprof >inspect-$t.json 2>"$LOG" ||
		{ say <"$LOG"; bail "pgotool inspect --json --threshold $t"; }
done
pgodebug "$TEST_TMP/burn.pprof" debug-99.txt || bail "go build -pgo -gcflags=all=-d=pgodebug=1"
pgodebug "$TEST_TMP/burn.pprof" debug-80.txt pgoinlinecdfthreshold=80 ||
	bail "go build -pgo -gcflags=all=-d=pgodebug=1,pgoinlinecdfthreshold=80"

for t in 99 80; do
	checker "$t%: the compiler's threshold share" threshold inspect-$t.json debug-$t.txt
	checker "$t%: hot callees = functions given the hot budget" callees inspect-$t.json debug-$t.txt "${LOCAL[@]}"
	checker "$t%: hot-budget/hot-big decisions at hot call sites" sites inspect-$t.json debug-$t.txt
done

checker "devirtualization: the compiler's hottest callee at each multi-callee site is one of inspect's" \
	devirt inspect-99.json debug-99.txt allow-none

# The same on the bundled burn profiles (fixed, so the sites are known): a
# site where runtime.asyncPreempt is the heaviest callee, whose calls the
# compiler leaves indirect.
"$PGOTOOL" merge -o examples.pprof "$PGO_SRC/examples/profiles/burn-1.pprof" "$PGO_SRC/examples/profiles/burn-2.pprof" &&
	"$PGOTOOL" inspect --json examples.pprof >examples.json || bail "merge and inspect the bundled burn profiles"
if (cd "$GO_PROGS" && go build -a -pgo="$TEST_TMP/examples.pprof" -gcflags='pgotool.test/progs/...=-d=pgodebug=2' \
	-o "$TEST_TMP/burn-x" ./cmd/burn) >debug-examples.txt 2>&1; then
	if out=$(python3 "$CHECKER" devirt examples.json debug-examples.txt 2>"$LOG") && ! grep -q '(0 at sites' <<<"$out"; then
		pass "devirtualization on the bundled profiles: $out"
	else
		fail "devirtualization on the bundled profiles: $out"; head -n 15 "$LOG" | say
	fi
else
	fail "go build -pgo with the bundled profiles"; head -n 5 debug-examples.txt | say
fi

# The two thresholds must give different sets, or the comparisons above prove little.
nodes() { grep -c '^hot-node enabled' "$1"; }
decisions() { grep -Ec '^(hot-budget check allows|hot-big check disallows)' "$1"; }
check "80% makes fewer functions hot than 99% ($(nodes debug-80.txt) < $(nodes debug-99.txt))" \
	test "$(nodes debug-80.txt)" -lt "$(nodes debug-99.txt)"
check "80% makes fewer hot-budget decisions than 99% ($(decisions debug-80.txt) < $(decisions debug-99.txt))" \
	test "$(decisions debug-80.txt)" -lt "$(decisions debug-99.txt)"
local_nodes=$(grep -Ec '^hot-node enabled increased budget=2000 for func=(main\.|pgotool\.test/progs/)' debug-99.txt)
check "the program's own functions get the hot budget ($local_nodes)" test "$local_nodes" -gt 3

# Wrong expectations are detected.
checker_fails "the 80% report against the 99% build (callees)" callees inspect-80.json debug-99.txt "${LOCAL[@]}"
checker_fails "the 80% report against the 99% build (sites)" sites inspect-80.json debug-99.txt
python3 - inspect-99.json <<'PY' || fail "write wrong reports"
import json, sys
d = json.load(open(sys.argv[1]))
shifted = json.loads(json.dumps(d))
for s in shifted["hot_call_sites"]:
    s["offset"] += 1
json.dump(shifted, open("shifted.json", "w"))
dropped = json.loads(json.dumps(d))
local = [c for c in dropped["hot_callees"] if c["name"].startswith("pgotool.test/progs/")]
dropped["hot_callees"].remove(local[0])
dropped["summary"]["hot_callees"] -= 1
json.dump(dropped, open("dropped.json", "w"))
reweighted = json.loads(json.dumps(d))
for s in reweighted["multi_callee_sites"]:
    for c in s["callees"]:
        c["weight"] += 1
json.dump(reweighted, open("reweighted.json", "w"))
# The compiler's share, one float step away: the comparison is exact.
off = json.loads(json.dumps(d))
share = off["summary"]["hot_threshold_share"]
off["summary"]["hot_threshold_share"] = off["hot_call_sites"][-1]["share"] = share + share * 2**-52
json.dump(off, open("share-off.json", "w"))
PY
checker_fails "the threshold share one float step off" threshold share-off.json debug-99.txt
checker_fails "hot call sites one line off" sites shifted.json debug-99.txt
checker_fails "multi-callee sites with other weights" devirt reweighted.json debug-99.txt
checker_fails "a hot callee of the program left out" callees dropped.json debug-99.txt "${LOCAL[@]}"

# Negative sample values (hand-made: edges of 5 and -10) give a negative total
# weight and shares above 100: the compiler prints the same share.
"$PGO_TOOLS/mkinspect" cancel cancel.pprof
"$PGOTOOL" inspect --json cancel.pprof >cancel.json
if (cd "$GO_PROGS" && go build -a -pgo="$TEST_TMP/cancel.pprof" -gcflags='pgotool.test/progs/internal/mix=-d=pgodebug=1' \
	-o "$TEST_TMP/burn-x" ./cmd/burn) >debug-cancel.txt 2>&1; then
	checker "a negative total weight: the compiler's threshold share" threshold cancel.json debug-cancel.txt
else
	fail "go build -pgo with negative values"; head -n 5 debug-cancel.txt | say
fi

# build_fails says what go build does.
# builds PROFILE: 0 when go build -pgo=PROFILE succeeds.
builds() { (cd "$GO_PROGS" && go build -pgo="$TEST_TMP/$1" -o "$TEST_TMP/burn-x" ./cmd/burn) >"$1.log" 2>&1; }
"$PGO_TOOLS/mkbad" zero-values zero.pprof >/dev/null
"$PGO_TOOLS/mkbad" no-start-line nostart.pprof >/dev/null
"$PGO_TOOLS/mkinspect" cpp cpp.pprof
cp "$PGO_SRC/tests/data/heap.pprof" heap.pprof
for f in heap zero nostart cpp burn; do
	"$PGOTOOL" inspect --json $f.pprof >$f.json 2>"$LOG" || { say <"$LOG"; fail "inspect $f.pprof"; continue; }
	want=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["build_fails"])' $f.json)
	if builds $f.pprof; then got=False; else got=True; fi
	if [ "$want" = "$got" ]; then
		pass "$f.pprof: build_fails=$want, and go build -pgo $([ $got = True ] && echo fails || echo succeeds)"
	else
		fail "$f.pprof: build_fails=$want, but go build -pgo says $got"
		head -n 5 $f.pprof.log | say
	fi
done
done_testing
