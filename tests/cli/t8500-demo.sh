#!/usr/bin/env bash
# make demo: scripts/demo.sh runs end to end against the built pgotool, into
# a directory of the test's own, and its tutorial says what it did: the
# store, the fetch, the edges and what their fields mean, the 99% hot set,
# the build with -pgo= that `go version -m` shows, and status. The Makefile's
# demo target builds the pgotool target alone.
. "$(dirname "$0")/lib.sh"
require_go
set -o pipefail

say() { sed 's/^/# /' >&2; }
if ! command -v curl >/dev/null 2>&1; then
	[ "${CI:-}" = "true" ] && { echo "FATAL: curl is required in CI"; exit 1; }
	echo "SKIP: $test_name: curl is not installed"
	exit 77
fi

out=$TEST_TMP/out
mkdir -p "$TEST_TMP/tmp"
# The demo's store keeps its data under TMPDIR; it must be gone afterwards.
TMPDIR=$TEST_TMP/tmp timeout 900 bash "$PGO_SRC/scripts/demo.sh" "$PGOTOOL" "$out" >demo.txt 2>demo.err
rc=$?
if [ "$rc" = 0 ]; then
	pass "scripts/demo.sh exits 0"
else
	fail "scripts/demo.sh exits 0 (exit $rc)"
	tail -n 30 demo.txt | say
	say <demo.err
fi
check "the demo writes nothing on stderr" test ! -s demo.err
[ -s demo.err ] && head -n 20 demo.err | say

# has REGEX DESCRIPTION: a line of the demo's output matches.
has() {
	if grep -Eq -- "$1" demo.txt; then pass "the demo says $2"; else fail "the demo says $2 (no line matches /$1/)"; fi
}

# The steps, in order.
steps=$(sed -n 's/^== \([0-9]\)\..*/\1/p' demo.txt | tr -d '\n')
check "the demo has steps 1 to 8, in order (got '$steps')" [ "$steps" = 12345678 ]

# 1-3: the store, the uploads, pgotool fetch (not curl) into default.pgo.
has '^    listening on http://127\.0\.0\.1:[0-9]+$' "where the store listens"
has '^  uploaded examples/profiles/burn-1\.pprof .*/profiling/v1/input$' "it uploaded burn-1.pprof"
has "^  \\\$ pgotool fetch -api http://127\\.0\\.0\\.1:[0-9]+ -fail 'service:burn env:demo' $out/default\\.pgo\$" \
	"the pgotool fetch command it ran"
has 'never breaks a build' "that fetch never breaks a build"
has "INF wrote PGO file path=$out/default\\.pgo samples=" "fetch's log line for default.pgo"
"$PGOTOOL" merge -o local.pgo "$PGO_SRC/examples/profiles/burn-1.pprof" "$PGO_SRC/examples/profiles/burn-2.pprof" 2>merge.err
if "$PGOTOOL" edges "$out/default.pgo" >fetched.edges 2>edges.err &&
	"$PGOTOOL" edges local.pgo >local.edges && cmp -s fetched.edges local.edges; then
	pass "the fetched default.pgo has the edges of a local merge of the two profiles"
else
	fail "the fetched default.pgo has the edges of a local merge of the two profiles"
	cat merge.err edges.err 2>/dev/null | say
fi

# 4: the edges, and what caller, line +N and weight mean, for the heaviest edge.
read -r caller callee offset weight < <(sed -n '2,4p' local.edges | paste -d' ' - - -)
check "the demo shows pgotool edges' output from its header" \
	bash -c "grep -A7 '^  \\\$ pgotool edges ' demo.txt | sed -n 2,8p | sed 's/^    //' | cmp -s - <(head -n 7 local.edges)"
has "^  caller   $caller: the function that makes the call\$" "who the caller of the heaviest edge is"
has "^  callee   $callee: the function it calls\$" "who the callee of the heaviest edge is"
has "^  line \\+$offset  N: the call is $offset lines below the first line of the caller\\." "what line +$offset means"
has "^  weight   W, $weight: the CPU samples taken while this call was on top of the stack" "what weight $weight means"
has "here samples/count\\.\$" "the weight's unit"
has "^Checked: go tool preprofile prints the same $(($(wc -l <local.edges) / 3)) edges\\.\$" \
	"that go tool preprofile agrees"

# 5: the hot set, with inspect's figures.
"$PGOTOOL" inspect local.pgo >inspect.txt
hot=$(sed -n 's/^  hot  *\([0-9]*\) edges.*/\1/p' inspect.txt)
last=$(sed -n 's/.*the last hot edge has \([0-9.]*%\).*/\1/p' inspect.txt)
check "inspect gives the hot set's size and its last edge's share ($hot, $last)" [ -n "$hot" -a -n "$last" ]
has 'cumulative share exceeds 99%' "how the 99% threshold picks hot edges"
has 'may be inlined up to cost 2000' "what a hot call site gets"
has "^Here $hot of $(($(wc -l <local.edges) / 3)) edges are hot, down to an edge of $last of the weight" \
	"how many edges are hot ($hot)"
has '^        1   [0-9.]+%   [0-9.]+%  ' "inspect's hot call sites with their cumulative share"

# 6: the build with -pgo=, and what go version -m and the compiler say.
has "^  \\\$ cd tests/go && go build -trimpath -pgo=$out/default\\.pgo -o $out/burn ./cmd/burn\$" "the go build -pgo= command"
has "^  \\\$ go version -m $out/burn \\| grep -- -pgo=\$" "the go version -m command"
has '^    build	-pgo=default\.pgo$' "what go version -m shows: -pgo=default.pgo"
if go version -m "$out/burn" 2>/dev/null | grep -q -- '-pgo=default\.pgo'; then
	pass "go version -m shows the demo's binary was built with -pgo=default.pgo"
else
	fail "go version -m shows the demo's binary was built with -pgo=default.pgo"
	go version -m "$out/burn" 2>&1 | head -n 12 | say
fi
pct=${last%\%}
has "^    hot-callsite-thres-from-CDF=${pct//./\\.}" "the compiler's own hot threshold, inspect's $last"
has '^    hot-budget check allows inlining for call ' "a call inlined only because it is hot"

# 7, 8: status, compaction, the no-inline renaming.
has '^    burn     demo  1\.0      off         2         0 ' "that status finds burn without PGO"
has '^  shrinks from [0-9]+ to [0-9]+ bytes with the same edges' "what --compact saves"
has "^  does: in examples/profiles/grpc-anon\\.pprof, [1-9][0-9]* call edges now lead to\$" "that processData is renamed"
has "^demo done: $out/default\\.pgo\$" "that it is done"

# Nothing left behind: the store stopped and its data directory removed.
check "the demo's store data directory is removed" bash -c "! ls -d '$TEST_TMP/tmp/pgotool-demo.'* >/dev/null 2>&1"
# ("dem[o]": the pattern does not match pgrep's own command line.)
if pgrep -f -- "serve .*--data $TEST_TMP/tmp/pgotool-dem[o]" >/dev/null; then
	fail "the demo's pgotool serve is not running"
else
	pass "the demo's pgotool serve is not running"
fi

# make demo builds the pgotool target alone (make -n only prints the commands).
if make -n -C "$PGO_SRC" demo BUILD="$TEST_TMP/no-build" >make-n.txt 2>&1; then
	if grep -q -- "--build $TEST_TMP/no-build -j [0-9]* --target pgotool" make-n.txt &&
		! grep -Eq -- "--build $TEST_TMP/no-build -j [0-9]* -- " make-n.txt; then
		pass "make demo builds only the pgotool target"
	else
		fail "make demo builds only the pgotool target"
		say <make-n.txt
	fi
else
	fail "make -n demo"
	say <make-n.txt
fi
done_testing
