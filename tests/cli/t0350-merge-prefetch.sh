#!/usr/bin/env bash
# merge decodes input i+1 on a second thread while input i merges
# (--threads or PGOTOOL_THREADS sets the threads; 1 decodes and merges on one). The
# output must be the same bytes, and stderr the same lines, at any thread
# count and when the second thread cannot start; an error in an input gives
# the same message and exit status as on one thread, the error of the first
# bad input in the merge's order (a merge error before a decode error, and
# the reverse), and leaves OUT untouched.
. "$(dirname "$0")/lib.sh"

P=$PGOTOOL
EX="$PGO_SRC/examples/profiles"
HEAP="$PGO_SRC/tests/data/heap.pprof"
MKBAD="$PGO_TOOLS/mkbad"
GEN="$PGO_BUILD/bench/genprofiles"
SHIM=${PGO_FAILTHREAD:-$PGO_TOOLS/libfailthread.so}
# The shim comes first in LD_PRELOAD; AddressSanitizer's runtime is linked in.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
for tool in "$MKBAD" "$GEN" "$SHIM"; do
	[ -e "$tool" ] || { echo "FATAL: $tool is not built"; exit 1; }
done

say() { sed 's/^/# /' >&2; }

# Four large generated profiles of one service (blocked gzip, thousands of
# stacks), which overlap as a fleet's do, and real ones beside them.
mkdir gen
"$GEN" gen 4 20241201 >/dev/null || { echo "FATAL: genprofiles failed"; exit 1; }
GENS=(gen/p000.pprof gen/p001.pprof gen/p002.pprof gen/p003.pprof)
"$MKBAD" good good.pb >/dev/null
"$MKBAD" good-zip2 good2.zip >/dev/null
# A download of an upload: cpu.pprof beside entries merge skips.
mkdir dl
cp "$EX/burn-2.pprof" dl/cpu.pprof
cp "$HEAP" dl/delta-heap.pprof
printf '{"go_goroutines": 12}\n' >dl/metrics.json
(cd dl && zip -q ../upload.zip cpu.pprof delta-heap.pprof metrics.json)

# merge_at THREADS NAME ARGS...: merges ARGS into NAME.pgo with PGOTOOL_THREADS=THREADS
# ("" leaves it unset) and standard input from stdin.pb; NAME.err gets stderr, NAME.rc the status.
merge_at() {
	local threads=$1 name=$2
	shift 2
	if [ -n "$threads" ]; then
		PGOTOOL_THREADS=$threads "$P" merge -o "$name.pgo" "$@" <stdin.pb 2>"$name.err"
	else
		(unset PGOTOOL_THREADS; "$P" merge -o "$name.pgo" "$@" <stdin.pb 2>"$name.err")
	fi
	echo $? >"$name.rc"
}

# same_bytes DESC ARGS...: the merge succeeds with 1, 2 and the default
# threads, with the same bytes and the same stderr.
same_bytes() {
	local desc=$1 t
	shift
	for t in 1 2 ""; do
		rm -f "t$t.pgo"
		merge_at "$t" "t$t" "$@"
	done
	check "$desc: exit 0 on 1 thread" test "$(cat t1.rc)" -eq 0
	check "$desc: exit 0 on 2 threads" test "$(cat t2.rc)" -eq 0
	check "$desc: exit 0 on the default threads" test "$(cat t.rc)" -eq 0
	check "$desc: the same bytes on 1 and 2 threads" cmp -s t1.pgo t2.pgo
	check "$desc: the same bytes on 1 and the default threads" cmp -s t1.pgo t.pgo
	check "$desc: the same stderr on 1 and 2 threads" cmp -s t1.err t2.err
	[ "$(cat t1.rc)" -eq 0 ] || say <t1.err
}

cp "$EX/burn-1.pprof" stdin.pb
same_bytes "four generated profiles" "${GENS[@]}"
cp t1.pgo gen4.pgo
same_bytes "generated and real profiles, and standard input" "${GENS[@]:0:2}" "$EX/burn-2.pprof" \
	"$GRPC_PPROF" good.pb -
same_bytes "--compact" --compact "${GENS[@]:1}" "$EX/burn-2.pprof"
same_bytes "--keep-labels" --keep-labels "${GENS[@]:0:3}" "$EX/burn-1.pprof"
same_bytes "zips with skipped entries" upload.zip good2.zip "${GENS[@]:0:2}"
check "... which named what they skipped" grep -q 'skipped upload.zip:delta-heap.pprof: not a CPU profile' t2.err
same_bytes "--weight" --weight 2:gen/p001.pprof --weight 0.5:"$EX/burn-2.pprof" "${GENS[@]:2}"
same_bytes "--normalize" --normalize --weight 3:upload.zip "${GENS[@]:0:2}" "$EX/burn-1.pprof"
same_bytes "--any-type" --any-type "$HEAP" "$HEAP"
# The argument order does not matter, at any thread count.
same_bytes "four generated profiles, reversed" gen/p003.pprof gen/p002.pprof gen/p001.pprof gen/p000.pprof
check "... the same bytes as in order" cmp -s t2.pgo gen4.pgo

# --keep-if-unchanged keeps OUT alike whatever the threads.
for t in 1 2; do
	cp gen4.pgo "keep$t.pgo"
	PGOTOOL_THREADS=$t "$P" merge --keep-if-unchanged -o "keep$t.pgo" "${GENS[@]}" 2>"keep$t.err"
	check "--keep-if-unchanged on $t thread(s): exit 0" test $? -eq 0
done
check "--keep-if-unchanged: OUT kept" grep -q '^pgotool merge: kept keep2.pgo as it is' keep2.err
check "--keep-if-unchanged: the same verdict on 1 and 2 threads" \
	test "$(sed 's/keep[12]/keepN/' keep1.err)" = "$(sed 's/keep[12]/keepN/' keep2.err)"

# When a thread cannot start (the Nth pthread_create fails, for every N a
# merge makes: the fingerprints', the decoders' and the prefetcher's), the
# merge still works, on one thread where it must, with the same bytes.
for n in 1 2 3 4 5; do
	LD_PRELOAD=$SHIM PGO_FAIL_THREAD=$n PGOTOOL_THREADS=2 "$P" merge -o nothread.pgo "${GENS[@]}" 2>nothread.err
	rc=$?
	check "pthread_create number $n fails: exit 0" test "$rc" -eq 0
	check "pthread_create number $n fails: the same bytes" cmp -s nothread.pgo gen4.pgo
	[ "$rc" -eq 0 ] || say <nothread.err
done

# --- errors: one line, the same at any thread count, OUT untouched.
for k in other-period gzip-crc len-overrun junk random wire-type-7 missing-function; do
	"$MKBAD" "$k" "$k.pb" >/dev/null
done
cp gen4.pgo prev.pgo
# fails_alike DESC WANT ARGS...: exit 1 and one error line naming WANT on 1
# and 2 threads, the same line, and OUT as it was.
fails_alike() {
	local desc=$1 want=$2 t
	shift 2
	for t in 1 2; do
		cp prev.pgo "e$t.pgo"
		merge_at "$t" "e$t" "$@"
		check "$desc: exit 1 on $t thread(s)" test "$(cat "e$t.rc")" -eq 1
		check "$desc: OUT untouched on $t thread(s)" cmp -s "e$t.pgo" prev.pgo
	done
	check "$desc: one line naming $want" \
		bash -c "[ \$(wc -l <e1.err) -eq 1 ] && grep -q '^pgotool merge: error: $want: ' e1.err"
	check "$desc: the same message on 1 and 2 threads" cmp -s e1.err e2.err
	[ "$(cat e1.rc)" -eq 1 ] || say <e1.err
}
# The merge's order is by content: the CRC-32 of each input's protobuf
# bytes (of the bytes themselves for what does not decompress), which puts
# these inputs in this order:
#   p003  wire-type-7.pb  random.pb  p000  p001  other-period.pb
#   p002  missing-function.pb  len-overrun.pb  gzip-crc.pb  good.pb  junk.pb
# A merge error names the later of two profiles that do not merge, so the
# merge errors here come from other-period.pb. The first bad input in that
# order is the one named, whichever fails first on the second thread.
fails_alike "a later input that does not decode" len-overrun.pb "${GENS[@]:0:3}" good.pb len-overrun.pb
fails_alike "a later input that does not merge" other-period.pb "${GENS[@]:0:3}" good.pb other-period.pb
fails_alike "a later input that does not merge, first in the arguments" other-period.pb other-period.pb \
	"${GENS[@]:0:3}" good.pb
fails_alike "a merge error before a decode error" other-period.pb "${GENS[@]:0:2}" good.pb \
	other-period.pb gzip-crc.pb
fails_alike "a decode error before a merge error" wire-type-7.pb "${GENS[3]}" good.pb \
	other-period.pb wire-type-7.pb
fails_alike "a merge error before a decode error, junk" other-period.pb "${GENS[@]:0:2}" good.pb \
	other-period.pb junk.pb
fails_alike "a decode error before a merge error, junk" random.pb "${GENS[3]}" good.pb \
	other-period.pb random.pb
fails_alike "a merge error before a decode error, a missing function" other-period.pb \
	"${GENS[@]:0:2}" good.pb other-period.pb missing-function.pb
fails_alike "a bad entry in a zip" len-overrun.pb good2.zip "${GENS[@]:0:2}" len-overrun.pb

# PGOTOOL_THREADS must be a number of threads.
for bad in 0 x 1x -1 "" 1025; do
	PGOTOOL_THREADS=$bad "$P" merge -o bad.pgo "${GENS[0]}" 2>bad.err
	check "PGOTOOL_THREADS='$bad' is a usage error" test $? -eq 2
	check "... saying so" grep -q 'PGOTOOL_THREADS must be' bad.err
done

# --threads N sets the same number, and wins over PGOTOOL_THREADS.
PGOTOOL_THREADS=x "$P" merge --threads 1 -o flag1.pgo "${GENS[@]}" 2>flag1.err
check "--threads 1 over a bad PGOTOOL_THREADS: exit 0 and the same bytes" cmp -s flag1.pgo gen4.pgo
PGOTOOL_THREADS=1 "$P" merge --threads 2 -o flag2.pgo "${GENS[@]}" 2>flag2.err
check "--threads 2 over PGOTOOL_THREADS=1: the same bytes" cmp -s flag2.pgo gen4.pgo

done_testing
