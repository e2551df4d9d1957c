#!/usr/bin/env bash
# merge compresses a large output on several threads (1 MiB gzip members,
# each on whichever thread), and the bytes are the same at any thread count
# and when a thread cannot start. --level picks the gzip level (default 6);
# a level outside 1..12 is a usage error.
. "$(dirname "$0")/lib.sh"

P=$PGOTOOL
GEN=$PGO_BUILD/bench/genprofiles
SHIM=${PGO_FAILTHREAD:-$PGO_TOOLS/libfailthread.so}
[ -x "$GEN" ] || { echo "FATAL: $GEN is not built (bench/genprofiles.c)"; exit 1; }
[ -f "$SHIM" ] || { echo "FATAL: $SHIM is not built (tests/preload/failthread.c)"; exit 1; }
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

# Two large generated profiles: their merge with labels is several MiB raw.
"$GEN" gen 2 7 >gen.txt 2>&1 || { fail "genprofiles writes two profiles"; done_testing; }
IN=(--keep-labels gen/p000.pprof gen/p001.pprof)

"$P" merge --threads 1 -o t1.pgo "${IN[@]}"
check "merge on one thread exits 0" test $? -eq 0
raw=$(gzip -dc t1.pgo | wc -c)
check "the output is large enough for threads ($raw bytes raw, over 6 MiB)" test "$raw" -gt $((6 << 20))

for t in 2 3 8; do
	"$P" merge --threads $t -o t$t.pgo "${IN[@]}"
	check "--threads $t: the same bytes as one thread" cmp -s t1.pgo t$t.pgo
done
"$P" merge -o td.pgo "${IN[@]}"
check "the default thread count: the same bytes" cmp -s t1.pgo td.pgo
"$P" merge --level 6 -o l6.pgo "${IN[@]}"
check "--level 6 is the default" cmp -s t1.pgo l6.pgo

# The Nth thread the process starts fails (decoding starts some, the
# output's compression one), whichever it is: the same bytes.
for n in 1 2 3 4 5 6 7 8; do
	LD_PRELOAD="$SHIM" PGO_FAIL_THREAD=$n "$P" merge --threads 2 -o f$n.pgo "${IN[@]}"
	check "thread $n cannot start: exit 0 and the same bytes" cmp -s t1.pgo f$n.pgo
done

"$P" merge --level 1 --threads 1 -o l1.pgo "${IN[@]}"
"$P" merge --level 1 --threads 2 -o l1t2.pgo "${IN[@]}"
check "--level 1: the same bytes on 2 threads" cmp -s l1.pgo l1t2.pgo
check "--level 1 writes a larger file than the default" test "$(stat -c %s l1.pgo)" -gt "$(stat -c %s t1.pgo)"
gzip -dc l1.pgo >l1.raw
gzip -dc t1.pgo >t1.raw
check "--level 1 holds the same profile" cmp -s l1.raw t1.raw

for bad in 0 13 x; do
	"$P" merge --level $bad -o bad.pgo "${IN[@]}" 2>bad.txt
	rc=$?
	check "--level $bad: usage error (exit 2, got $rc)" test $rc -eq 2
	check "--level $bad: the message names --level" grep -q -- 'level' bad.txt
	check "--level $bad: no output" test ! -e bad.pgo
done
"$P" merge --help >help.txt
check "the help names --level and its default" grep -q -- '--level N.*default 6' help.txt
done_testing
