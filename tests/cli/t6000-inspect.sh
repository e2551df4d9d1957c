#!/usr/bin/env bash
# pgotool inspect without the Go toolchain: help and usage errors, inputs it
# cannot read, the hot set against `pgotool edges` (itself checked against
# go tool preprofile in t3000), --top and --threshold, the text layout, and
# each warning on a profile made to raise it (tests/tools/mkinspect, mkbad),
# a heap profile and the production profile grpc-anon.pprof.
# t6010 checks the hot sets against the Go compiler itself.
. "$(dirname "$0")/lib.sh"

P=$PGOTOOL
MKBAD="$PGO_TOOLS/mkbad"
MKINSPECT="$PGO_TOOLS/mkinspect"
EX="$PGO_SRC/examples/profiles"
HEAP="$PGO_SRC/tests/data/heap.pprof"
PROCESS_DATA='google.golang.org/grpc/internal/transport.(*loopyWriter).processData'

# json FILE EXPR: prints the Python expression EXPR over the document d.
json() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# --- help
check "inspect --help shows usage and the flags" bash -c \
	"'$P' inspect --help | grep -q '^usage: pgotool inspect' && '$P' inspect --help | grep -q -- '--threshold PERCENT'"
check "help inspect" bash -c "'$P' help inspect | grep -q 'Exit status'"
check "pgotool --help lists inspect" bash -c "'$P' --help | grep -q '^  inspect '"

# --- usage errors: exit 2, usage on stderr, nothing on stdout
expect_usage() {
	local desc=$1; shift
	"$P" inspect "$@" >out.txt 2>err.txt
	local rc=$?
	if [ "$rc" -eq 2 ] && grep -q '^usage: pgotool inspect' err.txt && [ ! -s out.txt ]; then
		pass "usage error: $desc"
	else
		fail "usage error: $desc (exit $rc)"; cat err.txt
	fi
}
"$MKINSPECT" busy busy.pprof || fail "mkinspect busy"
expect_usage "no file"
expect_usage "two files" busy.pprof busy.pprof
expect_usage "--threshold 100.5" --threshold 100.5 busy.pprof
expect_usage "--threshold -1" --threshold=-1 busy.pprof
expect_usage "--threshold abc" --threshold abc busy.pprof
expect_usage "--threshold empty" --threshold= busy.pprof
expect_usage "--threshold with a leading space (Go's ParseFloat refuses it)" --threshold ' 50' busy.pprof
expect_usage "--top -1" --top -1 busy.pprof
expect_usage "--top x" --top x busy.pprof
expect_usage "unknown flag" --frob busy.pprof
check "the threshold message says what it takes" grep -q 'percentage from 0 to 100' <("$P" inspect --threshold 101 busy.pprof 2>&1)

# --- inputs that cannot be read: exit 1, one error line
expect_error() { # DESC WANT FILE
	"$P" inspect "$3" >out.txt 2>err.txt
	local rc=$?
	if [ "$rc" -eq 1 ] && grep -q -- "$2" err.txt && [ ! -s out.txt ]; then
		pass "cannot read: $1"
	else
		fail "cannot read: $1 (exit $rc)"; cat err.txt
	fi
}
"$MKBAD" junk junk.pprof >/dev/null
"$MKBAD" trunc-gzip trunc.pprof.gz >/dev/null
"$MKBAD" good-zip2 two.zip >/dev/null
expect_error "a missing file" "missing.pprof" missing.pprof
expect_error "junk" "not a pprof profile" junk.pprof
expect_error "truncated gzip" "trunc.pprof.gz" trunc.pprof.gz
expect_error "a zip of two profiles" "merge them first" two.zip

# --- the hot set is the prefix of the compiler's edges that first exceeds the threshold
# hot_prefix JSON EDGES THRESHOLD: the JSON's hot sites are the first edges of
# `pgotool edges` in order, with their weights and cumulative shares, the last one
# crossing the threshold and the one before not.
hot_prefix() {
	python3 - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().split("\n")[1:]
edges = [(lines[i], lines[i + 1], int(lines[i + 2].split()[0]), int(lines[i + 2].split()[1]))
         for i in range(0, len(lines) - 2, 3)]
thr = float(sys.argv[3])
hot = [(s["caller"], s["callee"], s["offset"], s["weight"]) for s in d["hot_call_sites"]]
total = sum(e[3] for e in edges)
assert d["summary"]["total_weight"] == total, "total weight"
assert d["summary"]["edges"] == len(edges), "edge count"
assert len(hot) == d["summary"]["hot_edges"] > 0, "hot count"
assert hot == edges[:len(hot)], "hot sites are not the first edges"
cum = 0
for i, s in enumerate(d["hot_call_sites"]):
    cum += s["weight"]
    assert abs(s["cumulative_share"] - cum / total * 100) < 1e-9, "cumulative share"
last = d["hot_call_sites"][-1]["cumulative_share"]
before = last - d["hot_call_sites"][-1]["share"]
if len(hot) < len(edges):
    assert last > thr and before <= thr + 1e-9, "threshold crossing"
    assert d["summary"]["hot_threshold_share"] == d["hot_call_sites"][-1]["share"]
print(len(hot), "of", len(edges))
PY
}
for f in "$EX/burn-1.pprof" "$GRPC_PPROF"; do
	b=$(basename "$f" .pprof)
	"$P" edges "$f" >$b.edges || fail "edges $b"
	for t in 99 80 50; do
		"$P" inspect --json --threshold $t "$f" >$b-$t.json || fail "inspect --json $b"
		if n=$(hot_prefix $b-$t.json $b.edges $t 2>err.txt); then
			pass "$b at $t%: the hot call sites are the first $n edges, crossing the threshold"
		else
			fail "$b at $t%: hot call sites"; cat err.txt
		fi
	done
	h99=$(json $b-99.json 'd["summary"]["hot_edges"]') h80=$(json $b-80.json 'd["summary"]["hot_edges"]')
	check "$b: a lower threshold gives fewer hot edges ($h80 < $h99)" test "$h80" -lt "$h99"
done
# A wrong expectation is detected: the hot set at 80% is not the one at 99%.
if ! hot_prefix burn-1-80.json burn-1.edges 99 >/dev/null 2>&1; then
	pass "negative: the 80% hot set fails the 99% check"
else
	fail "negative: the 80% hot set fails the 99% check"
fi
"$P" inspect --json --threshold 100 "$EX/burn-1.pprof" >t100.json
check "at 100% every edge is hot and the compiler's share is 0" test \
	"$(json t100.json 'd["summary"]["hot_edges"] == d["summary"]["edges"] and d["summary"]["hot_threshold_share"] == 0')" = True
"$P" inspect --json --threshold 0 "$EX/burn-1.pprof" >t0.json
check "at 0% the heaviest edge alone is hot" test "$(json t0.json 'd["summary"]["hot_edges"]')" = 1

# --- --top, stdin, -o
"$P" inspect --json --top 3 "$GRPC_PPROF" >top3.json
check "--json --top 3: three rows per list, the counts whole" test \
	"$(json top3.json 'len(d["hot_call_sites"]), len(d["hot_callees"]), len(d["multi_callee_sites"]), d["summary"]["hot_edges"]')" \
	= "(3, 3, 3, 842)"
check "--json lists everything by default" test \
	"$(json grpc-anon-99.json 'len(d["hot_call_sites"]) == d["summary"]["hot_edges"] and len(d["hot_callees"]) == d["summary"]["hot_callees"]')" = True
"$P" inspect "$GRPC_PPROF" >grpc.txt
check "text lists 20 hot call sites by default" test "$(sed -n '/^Hot call sites/,/^$/p' grpc.txt | grep -c '^ *[0-9]')" -eq 20
check "a row too wide puts its callee on a line of its own" bash -c \
	"grep -A1 ' transport.(\*http2Server).HandleStreams +43\$' grpc.txt | grep -q '^ *-> transport.(\*http2Server).handleData\$'"
"$P" inspect --top 0 "$GRPC_PPROF" >grpc-all.txt
check "text --top 0 lists all 842 hot call sites" test "$(sed -n '/^Hot call sites/,/^$/p' grpc-all.txt | grep -c '^ *[0-9]')" -eq 842
widest() { awk '{ if (length($0) > m) m = length($0) } END { print m }' "$@"; }
check "text fits in 100 columns ($(widest grpc-all.txt grpc.txt))" test "$(widest grpc-all.txt grpc.txt)" -le 100
"$P" inspect - <"$GRPC_PPROF" >stdin.txt
check "- reads standard input" bash -c "sed 1d stdin.txt | cmp -s - <(sed 1d grpc.txt)"
"$P" inspect -o out.json --json "$GRPC_PPROF" >stdout.txt
check "-o writes the report to a file" bash -c "! test -s stdout.txt && cmp -s out.json <(\"$P\" inspect --json \"$GRPC_PPROF\")"
check "the text names what +N and the weight mean" grep -q "the call is N lines below the caller's first line; weight: samples/count" grpc.txt
check "short names in text, whole names in JSON" bash -c \
	"grep -Eq ' transport.\(\*http2Server\).HandleStreams \+43( |$)' grpc.txt &&
	 grep -q '\"caller\": \"google.golang.org/grpc/internal/transport.(\*http2Server).HandleStreams\"' grpc-anon-99.json"
check "hot sites carry the caller's start line" test \
	"$(json grpc-anon-99.json 'all(s["caller_start_line"] is not None for s in d["hot_call_sites"])')" = True

# --- devirtualization candidates: heaviest first, shares of the site
"$P" inspect --json busy.pprof >busy.json
check "busy: one multi-callee site, callees heaviest first with shares of the site" test \
	"$(json busy.json '[(c["name"].split(".")[-2], c["weight"], round(c["site_share"], 2)) for c in d["multi_callee_sites"][0]["callees"]] if len(d["multi_callee_sites"]) == 1 else None')" \
	= "[('(*Circle)', 2500, 56.82), ('(*Square)', 1500, 34.09), ('(*Poly)', 400, 9.09)]"
"$P" inspect busy.pprof >busy.txt
check "busy: the text marks the heaviest callee" grep -q '^ *\* *56.82% *2500  shapes.(\*Circle).Area$' busy.txt
check "busy: the text says what the compiler does with it" grep -q 'adds a direct call to the heaviest callee' busy.txt

# --- warnings: code in JSON, a line in text, exit 0 either way
# warns KIND-DESC FILE CODES BUILD_FAILS: the JSON's warning codes (space-separated, in order)
warns() {
	local desc=$1 file=$2 want=$3 fails=$4 rc got
	"$P" inspect --json "$file" >w.json 2>err.txt
	rc=$?
	"$P" inspect "$file" >w.txt 2>>err.txt
	got=$(json w.json '" ".join(w["code"] for w in d["warnings"]) + " " + str(d["build_fails"])')
	if [ $rc -eq 0 ] && [ "$got" = "$want $fails" ] &&
		if [ -z "$want" ]; then grep -q '^No warnings\.$' w.txt; else
			grep -q "^  \(warning\|error\) \[${want%% *}\]: " w.txt && grep -q '^    what to do: ' w.txt; fi; then
		pass "warnings of $desc: [${want}] build_fails=$fails"
	else
		fail "warnings of $desc: want [$want] $fails, got [$got] (exit $rc)"; cat err.txt
	fi
}
for k in cpp java cgo unsymbolized single-frame processdata renamed; do
	"$MKINSPECT" $k $k.pprof || fail "mkinspect $k"
done
"$MKBAD" zero-values zero.pprof >/dev/null
"$MKBAD" no-start-line nostart.pprof >/dev/null
"$MKBAD" empty empty.pprof >/dev/null
: >zero-bytes.pprof
warns "a busy Go profile" busy.pprof "" False
warns "C++ names" cpp.pprof "non-go" False
warns "Java names" java.pprof "non-go" False
warns "a Go program calling C" cgo.pprof "" False
warns "half the weight unsymbolized" unsymbolized.pprof "unsymbolized" False
warns "single frames" single-frame.pprof "no-edges" False
warns "processData hot" processdata.pprof "bad-inline-target" False
warns "processData renamed DO NOT INLINE" renamed.pprof "" False
warns "all-zero values" zero.pprof "all-zero" True
warns "no start lines (and 9 samples)" nostart.pprof "no-start-line" True
warns "no samples" empty.pprof "empty" False
warns "an empty file" zero-bytes.pprof "empty" False
warns "a heap profile" "$HEAP" "no-sample-type" True
warns "a short burn profile" "$EX/burn-1.pprof" "few-samples" False
warns "grpc-anon.pprof" "$GRPC_PPROF" "bad-inline-target" False
"$P" inspect cpp.pprof >cpp.txt
check "non-go names an example" grep -q 'e.g.$\|e.g. "app::Server' cpp.txt
"$P" inspect processdata.pprof >pd.txt
check "bad-inline-target names the function and says pgotool merge renames it" bash -c \
	"grep -qF '$PROCESS_DATA' pd.txt && tr '\n' ' ' <pd.txt | grep -q 'pgotool merge. output: it renames the function'"
"$P" merge -o grpc-merged.pprof "$GRPC_PPROF" && warns "grpc-anon after pgotool merge" grpc-merged.pprof "" False
"$P" inspect --top 0 grpc-merged.pprof >grpc-merged.txt
check "the renamed processData is listed as a hot callee that matches no function" \
	grep -q '  DO NOT INLINE: transport.(\*loopyWriter).processData  (renamed: matches no function)$' grpc-merged.txt
"$MKINSPECT" latin1 latin1.pprof
"$P" inspect --json latin1.pprof >latin1.json
check "a name that is not UTF-8 is valid JSON, its bad byte U+FFFD" test \
	"$(json latin1.json 'd["hot_call_sites"][0]["caller"] == "main.caf\ufffd"')" = True
"$MKINSPECT" long-names long.pprof
"$P" inspect long.pprof >long.txt
"$P" inspect --json long.pprof >long.json
check "names of 300 bytes: text within 100 columns, keeping their ends ($(widest long.txt))" bash -c \
	"test $(widest long.txt) -le 100 && grep -q '^ *1 .*\.\.\.a*Tail +2\$' long.txt && grep -q '^ *-> \.\.\.a*Tail\$' long.txt"
check "names of 300 bytes: whole in JSON" test \
	"$(json long.json 'len(d["hot_call_sites"][0]["caller"]), len(d["hot_call_sites"][0]["callee"])')" = "(300, 300)"
"$MKINSPECT" cancel cancel.pprof
"$P" inspect --json cancel.pprof >cancel.json
check "a negative total weight: both edges hot, the last with 200% (as the compiler computes it)" test \
	"$(json cancel.json 'd["summary"]["total_weight"], d["summary"]["hot_edges"], d["summary"]["hot_threshold_share"]')" = "(-5, 2, 200.0)"
"$P" inspect --json zero.pprof >zero.json
check "a rejected profile still gets its summary" test \
	"$(json zero.json 'd["summary"]["sample_records"], d["summary"]["edges"], d["hot_call_sites"]')" = "(3, 0, [])"

# Names come from whoever wrote the profile: text output never passes a control character on.
"$PGO_TOOLS/mkprofile" esc.pb "main.main;main.ev$(printf '\033')[31mil=10/100" "main.main;main.ok=5/50"
"$P" inspect esc.pb >esc.txt
check "a name with an escape sequence: printed with ? in its place" grep -q 'main\.ev?\[31mil' esc.txt
check "... and no control character reaches the terminal" bash -c "! LC_ALL=C grep -q '[[:cntrl:]]' <(tr -d '\n' <esc.txt)"
"$P" inspect --json esc.pb >esc.json
check "... while --json keeps the name whole" test "$(json esc.json 'd["hot_call_sites"][0]["callee"]')" = "$(printf 'main.ev\033[31mil')"
done_testing
