#!/usr/bin/env bash
# pgotool diff, and -keep-if-unchanged for merge and fetch, on fresh CPU
# profiles of tests/go/cmd/burn:
#  - diff: a profile against itself scores exactly 1; against a profile of
#    another workload (-mode shapes vs -mode tree) it scores low and
#    --fail-above trips (exit 1); against a fresh profile of the same
#    workload it scores high. The overlap and the decisions (hot call
#    sites, hot callees, devirtualization targets) are checked against an
#    independent computation from `go tool preprofile`'s output. --json is
#    one JSON document; --help; usage errors exit 2.
#  - merge -o OUT --keep-if-unchanged: OUT missing is written; the same
#    edges at twice the weight (bytes that differ) leave OUT's bytes, mtime
#    and inode alone and stderr says kept; another workload replaces it and
#    says why; a garbage OUT is replaced; without -o it is a usage error.
#  - fetch -keep-if-unchanged against a real `pgotool serve`: the same, in
#    its text and JSON logs; the fetch exits 0 throughout.
# Needs go (mandatory in CI), python3, curl.
. "$(dirname "$0")/lib.sh"
. "$PGO_SRC/tests/cli/serve-lib.sh"
serve_require_tools
require_go
command -v python3 >/dev/null 2>&1 || { echo "SKIP: $test_name: python3 is not installed"; exit 77; }
watchdog 600

P=$PGOTOOL
LOG=$TEST_TMP/go.log
bail() {
	fail "$*"
	done_testing
}
export PPROF_BINARY_PATH="$TEST_TMP/no-binaries"

(cd "$PGO_SRC/tests/go" && go build -o "$TEST_TMP/burn" ./cmd/burn) 2>"$LOG" ||
	{ say <"$LOG"; bail "build tests/go/cmd/burn"; }
# Two runs of one workload, one of another; one at a time, each has the CPU.
# Sampled at 1000 Hz: at the runtime's 100 Hz a 3 s profile holds a few hundred
# samples, and sampling noise alone keeps two of one workload apart.
burn() { ./burn -duration 3s -workers 2 -hz 1000 -seed 1 "$@"; }
burn -mode tree -cpuprofile tree1.pprof 2>"$LOG" &&
	burn -mode tree -cpuprofile tree2.pprof 2>>"$LOG" &&
	burn -mode shapes -cpuprofile shapes.pprof 2>>"$LOG" ||
	{ say <"$LOG"; bail "record CPU profiles with tests/go/cmd/burn"; }

# ---- diff --------------------------------------------------------------------

# overlap_of FILE: the overlap of a text report.
overlap_of() { sed -n '1s/^overlap \([0-9.]*\), drift .*/\1/p' "$1"; }

"$P" diff tree1.pprof tree1.pprof >self.txt 2>self.err
rc=$?
check "diff of a profile with itself exits 0" [ "$rc" = 0 ]
check "a profile against itself scores exactly 1" grep -qx \
	'overlap 1.0000, drift 0.0000 (1 - overlap; overlap = sum of min(OLD share, NEW share) per edge)' self.txt
check "a profile against itself: the compiler would decide the same" grep -qx 'the compiler would decide the same' self.txt
"$P" diff --json tree1.pprof tree1.pprof >self.json
check "--json: the overlap of itself is exactly 1.0, the drift exactly 0" python3 -c '
import json, sys
d = json.load(open("self.json"))
sys.exit(not (d["overlap"] == 1.0 and d["drift"] == 0.0 and d["decisions_equal"] is True and not d["shifts"]))'
"$P" diff --fail-above 0 tree1.pprof tree1.pprof >/dev/null
check "--fail-above 0 does not trip on itself" [ $? = 0 ]

"$P" diff tree1.pprof shapes.pprof >other.txt 2>other.err
rc=$?
other=$(overlap_of other.txt)
"$P" diff tree1.pprof tree2.pprof >fresh.txt 2>fresh.err
fresh=$(overlap_of fresh.txt)
echo "# overlap: tree vs shapes $other; tree vs a fresh profile of tree $fresh" >&2
check "diff without --fail-above exits 0 however far apart" [ "$rc" = 0 ]
check "another workload scores low (tree vs shapes: $other < 0.2)" python3 -c "import sys; sys.exit(not $other < 0.2)"
# Sampling noise still keeps fresh profiles of one workload apart, the more so on a loaded machine,
# where a profile holds fewer samples: 0.75 to 0.85 with about 600 samples each (load 9 on 2
# cores), while other workloads stay near 0.05.
check "a fresh profile of the same workload scores high (tree vs tree: $fresh >= 0.6, and 4 times $other)" \
	python3 -c "import sys; sys.exit(not ($fresh >= 0.6 and $fresh >= 4 * $other))"
check "another workload: the compiler would decide differently" grep -q '^the compiler would decide differently: ' other.txt
"$P" diff --fail-above 0.6 tree1.pprof shapes.pprof >trip.txt 2>trip.err
rc=$?
check "--fail-above 0.6 trips on another workload (exit 1, says so)" \
	bash -c "[ $rc = 1 ] && grep -q '^FAIL: the drift 0\.[0-9]* exceeds --fail-above 0.6$' trip.txt && [ ! -s trip.err ]"
"$P" diff --fail-above 0.6 tree1.pprof tree2.pprof >notrip.txt
check "--fail-above 0.6 passes a fresh profile of the same workload" [ $? = 0 ]
"$P" diff --json --fail-above 0.6 tree1.pprof shapes.pprof >trip.json
rc=$?
check "--json --fail-above: exit 1, and the document says failed" python3 -c "
import json, sys
d = json.load(open('trip.json'))
sys.exit(not ($rc == 1 and d['failed'] is True and d['fail_above'] == 0.6))"
check "the text report fits in 100 columns" bash -c "! awk 'length(\$0) > 100' self.txt other.txt fresh.txt | grep -q ."
# Names long enough to be cut in every section, whatever the fresh profiles hold.
MK="$PGO_TOOLS/mkprofile"
long=main.$(printf 'x%.0s' $(seq 200))
"$MK" short.pb "main.main;main.a;main.b=90/900000000" "main.main;main.c=10/100000000" &&
	"$MK" long.pb "main.main;$long;${long}Callee=90/900000000" "main.main;main.c=10/100000000" ||
	bail "mkprofile"
"$P" diff short.pb long.pb >long.txt && "$P" diff long.pb short.pb >>long.txt
check "long names: the report still fits in 100 columns" bash -c "! awk 'length(\$0) > 100' long.txt | grep -q ."
check "... and cuts them from the left" bash -c "grep -q '^ *0.00% -> *90.00%  \.\.\.x* +2$' long.txt &&
	grep -q '^  \.\.\.x*Callee$' long.txt && grep -q ' +2 -> \.\.\.x*Callee$' long.txt"

# The overlap and the decisions, computed apart from pgotool from what the Go
# toolchain itself takes from each profile (go tool preprofile).
cat >oracle.py <<'EOF'
import json, sys
from fractions import Fraction

def edges(path):
    lines = open(path).read().split("\n")
    assert lines[0] == "GO PREPROFILE V1", path
    out = []
    for i in range(1, len(lines) - 2, 3):
        off, w = lines[i + 2].split()
        out.append((lines[i], lines[i + 1], int(off), int(w)))
    return out

def decisions(es, threshold=99.0):
    total = sum(w for *_, w in es)
    hot, cum = len(es), 0
    for i, e in enumerate(es):
        cum += e[3]
        if cum / total * 100 > threshold:  # as the inliner, in float64
            hot = i + 1
            break
    sites = {(c, o) for c, _, o, _ in es[:hot]}
    callees = {d for _, d, _, _ in es[:hot]}
    by_site = {}
    for c, d, o, w in es:
        by_site.setdefault((c, o), []).append((d, w))
    # devirtualization: the heaviest, the first name on a tie
    target = {s: min(v, key=lambda x: (-x[1], x[0]))[0] for s, v in by_site.items()}
    return total, sites, callees, by_site, target

old, new, report = edges(sys.argv[1]), edges(sys.argv[2]), json.load(open(sys.argv[3]))
to, so, co, bo, go_ = decisions(old)
tn, sn, cn, bn, gn = decisions(new)
p = {(c, d, o): Fraction(w, to) for c, d, o, w in old}
q = {(c, d, o): Fraction(w, tn) for c, d, o, w in new}
overlap = sum(min(p.get(k, 0), q.get(k, 0)) for k in set(p) | set(q))
problems = []
if abs(float(overlap) - report["overlap"]) > 1e-12:
    problems.append("overlap %r, want %r" % (report["overlap"], float(overlap)))
got = lambda key: sorted((x["caller"], x["offset"]) for x in report[key])
if got("hot_call_sites_added") != sorted(sn - so):
    problems.append("hot call sites added")
if got("hot_call_sites_removed") != sorted(so - sn):
    problems.append("hot call sites removed")
if sorted(report["hot_callees_added"]) != sorted(cn - co) or sorted(report["hot_callees_removed"]) != sorted(co - cn):
    problems.append("hot callees")
several = {s for s in set(bo) | set(bn) if len(bo.get(s, [])) > 1 or len(bn.get(s, [])) > 1}
changed = sorted(s for s in several if go_.get(s) != gn.get(s))
if sorted((x["caller"], x["offset"]) for x in report["devirtualization_changes"]) != changed:
    problems.append("devirtualization targets: %r" % changed)
for x in report["devirtualization_changes"]:
    s = (x["caller"], x["offset"])
    if x["old_callee"] != go_.get(s) or x["new_callee"] != gn.get(s):
        problems.append("the target at %r" % (s,))
equal = sn == so and cn == co and not changed
if report["decisions_equal"] != equal:
    problems.append("decisions_equal")
print("overlap %.6f; hot sites +%d -%d; hot callees +%d -%d; targets changed %d" % (
    float(overlap), len(sn - so), len(so - sn), len(cn - co), len(co - cn), len(changed)))
sys.exit("; ".join(problems) if problems else 0)
EOF
for f in tree1 tree2 shapes; do
	go tool preprofile -i $f.pprof -o $f.pre 2>"$LOG" || { say <"$LOG"; bail "go tool preprofile $f.pprof"; }
done
for pair in "tree1 tree2" "tree1 shapes" "shapes tree2"; do
	set -- $pair
	"$P" diff --json --top 1000000 $1.pprof $2.pprof >$1-$2.json
	python3 oracle.py $1.pre $2.pre $1-$2.json >oracle.out 2>oracle.err
	rc=$?
	echo "# $1 vs $2 (from go tool preprofile): $(cat oracle.out)" >&2
	check "diff $1 $2 agrees with the overlap and decisions computed from go tool preprofile" [ "$rc" = 0 ]
	[ "$rc" = 0 ] || say <oracle.err
done

check "diff --help" bash -c "'$P' diff --help | grep -q 'min(p(e), q(e))'"
check "help lists diff" bash -c "'$P' --help | grep -q '^  diff '"
expect_usage() {
	local desc=$1
	shift
	"$P" "$@" >out.txt 2>err.txt
	local rc=$?
	if [ "$rc" -eq 2 ] && grep -q '^usage: ' err.txt && [ ! -s out.txt ]; then pass "$desc"; else
		fail "$desc (exit $rc)"
		cat err.txt
	fi
}
expect_usage "diff with one profile" diff tree1.pprof
expect_usage "diff --fail-above 1.5" diff --fail-above 1.5 tree1.pprof tree2.pprof
expect_usage "diff --fail-above nan" diff --fail-above nan tree1.pprof tree2.pprof
expect_usage "diff --threshold 101" diff --threshold 101 tree1.pprof tree2.pprof
printf 'junk' >junk.pprof
"$P" diff tree1.pprof junk.pprof >out.txt 2>err.txt
check "diff of an unreadable profile exits 1, naming it" bash -c "[ $? = 1 ] && grep -q 'junk.pprof' err.txt"

# ---- merge --keep-if-unchanged -----------------------------------------------

# stamp FILE: inode, size and mtime to the nanosecond.
stamp() { stat -c '%i %s %y' "$1"; }
expect_usage "merge --keep-if-unchanged without -o" merge --keep-if-unchanged tree1.pprof
expect_usage "merge --keep-if-unchanged=1.5" merge -o x.pgo --keep-if-unchanged=1.5 tree1.pprof

"$P" merge -o keep.pgo --keep-if-unchanged tree1.pprof 2>m1.err
check "a missing OUT is written, and stderr says so" bash -c "[ $? = 0 ] && '$P' edges keep.pgo >/dev/null &&
	grep -qx 'pgotool merge: wrote keep.pgo: there was no previous file' m1.err"
cp -p keep.pgo keep.orig
before=$(stamp keep.pgo)
"$P" merge -o doubled.pgo tree1.pprof tree1.pprof
check "(the same edges at twice the weight are other bytes)" bash -c "! cmp -s doubled.pgo keep.pgo"
sleep 0.05
# A bare flag takes its default and leaves the next argument an input.
"$P" merge -o keep.pgo -keep-if-unchanged tree1.pprof tree1.pprof 2>m2.err
rc=$?
check "nothing material changed: OUT keeps its bytes" cmp -s keep.pgo keep.orig
check "nothing material changed: OUT keeps its inode and mtime" [ "$(stamp keep.pgo)" = "$before" ]
check "nothing material changed: exit 0 and stderr says kept, and why" bash -c "[ $rc = 0 ] &&
	grep -qx 'pgotool merge: kept keep.pgo as it is: the compiler would decide the same, and the overlap 1.0000 is at least 0.95' m2.err"
"$P" merge -o keep.pgo --keep-if-unchanged=1 tree1.pprof tree1.pprof 2>m3.err
check "--keep-if-unchanged=1 keeps an overlap of exactly 1" bash -c "[ '$(stamp keep.pgo)' = '$before' ] && grep -q 'kept' m3.err"
"$P" merge -o keep.pgo --keep-if-unchanged shapes.pprof 2>m4.err
check "another workload replaces OUT" cmp -s keep.pgo <("$P" merge shapes.pprof)
check "... and stderr says why" grep -Eq \
	'^pgotool merge: replaced keep.pgo: the compiler would decide differently: .* \(overlap 0\.[0-9]{4}\)$' m4.err
printf 'not a profile' >keep.pgo
"$P" merge -o keep.pgo --keep-if-unchanged=0.9 tree1.pprof 2>m5.err
check "a garbage OUT is replaced, and stderr says it was not a profile" bash -c "[ $? = 0 ] &&
	cmp -s keep.pgo keep.orig && grep -q '^pgotool merge: replaced keep.pgo: the previous file is not a usable profile' m5.err"

# ---- fetch -keep-if-unchanged against a real store ---------------------------

API_KEY=t6100-api-$RANDOM$RANDOM
APP_KEY=t6100-app-$RANDOM$RANDOM
mkdir data
start_server store --data data --api-key "$API_KEY" --app-key "$APP_KEY" || bail "pgotool serve starts"
n=0
# tree1 twice, shapes once; the queries below pick them by version.
for u in "tree1.pprof -3600 1.0" "tree1.pprof -3000 1.1" "shapes.pprof -7200 2.0"; do
	set -- $u
	event_json ev.json "$(iso "$2")" "$(iso $(($2 + 60)))" "service:keep,env:prod,version:$3,runtime:go"
	upload up /profiling/v1/input ev.json "$1"
	[ "$CODE" = 200 ] && [ -n "$PROFILE_ID" ] && n=$((n + 1))
done
[ "$n" = 3 ] || bail "the store takes the uploads"
fetch() { # NAME ARG...: stdout in NAME.out; exit status in RC
	local name=$1
	shift
	env -u DD_SITE -u PGOTOOL_API DD_API_KEY="$API_KEY" DD_APP_KEY="$APP_KEY" NO_COLOR=1 \
		timeout 120 "$P" fetch -api "$URL" "$@" >"$name.out" 2>"$name.err"
	RC=$?
}
fetch f1 -keep-if-unchanged 'service:keep version:1.0' d.pgo
check "fetch: a missing DEST is written, and the log says why" bash -c "[ $RC = 0 ] && '$P' edges d.pgo >/dev/null &&
	tail -n1 f1.out | grep -q 'INF wrote PGO file path=d.pgo .* reason=\"there was no previous file\"$'"
cp -p d.pgo d.orig
before=$(stamp d.pgo)
fetch plain 'service:keep version:1.0' plain.pgo
fetch both 'service:keep version:(1.0 OR 1.1)' both.pgo
check "(both tree1 uploads merge to other bytes than one)" bash -c "! cmp -s both.pgo d.pgo"
fetch f3 -keep-if-unchanged 'service:keep version:(1.0 OR 1.1)' d.pgo
check "fetch: nothing material changed: DEST keeps its bytes, inode and mtime" \
	bash -c "[ $RC = 0 ] && cmp -s d.pgo d.orig && [ '$(stamp d.pgo)' = '$before' ]"
check "fetch: the log says kept, with the overlap and why" bash -c "tail -n1 f3.out | grep -q \
	'INF kept PGO file path=d.pgo overlap=1 reason=\"the compiler would decide the same, and the overlap 1.0000 is at least 0.95\" samples='"
fetch f4 -json -keep-if-unchanged=0.99 'service:keep version:(1.0 OR 1.1)' d.pgo
check "fetch -json: the kept record" python3 -c "
import json, sys
r = json.loads(open('f4.out').read().splitlines()[-1])
sys.exit(not ($RC == 0 and r['msg'] == 'kept PGO file' and r['path'] == 'd.pgo' and r['overlap'] == 1 and
              r['reason'].startswith('the compiler would decide the same')))"
check "fetch -json: DEST untouched" bash -c "[ '$(stamp d.pgo)' = '$before' ]"
fetch f5 -keep-if-unchanged 'service:keep version:2.0' d.pgo
check "fetch: another workload replaces DEST" bash -c "[ $RC = 0 ] && ! cmp -s d.pgo d.orig && '$P' edges d.pgo >/dev/null"
check "fetch: the log says why it was replaced" bash -c "tail -n1 f5.out | grep -Eq \
	'INF wrote PGO file path=d.pgo .* overlap=0\.[0-9]+ reason=\"the compiler would decide differently: .*\(overlap 0\.[0-9]{4}\)\"$'"
printf 'garbage' >d.pgo
fetch f6 -keep-if-unchanged 'service:keep version:1.0' d.pgo
check "fetch: a garbage DEST is replaced, and the log says it was not a profile" bash -c "[ $RC = 0 ] &&
	cmp -s d.pgo d.orig && tail -n1 f6.out | grep -q 'reason=\"the previous file is not a usable profile'"
check "fetch --help documents -keep-if-unchanged" bash -c "'$P' fetch --help | grep -q -- '--keep-if-unchanged\[=X\]'"

done_testing
