#!/usr/bin/env bash
# tests/fuzz/run.sh FUZZER SECONDS: runs a libFuzzer target for SECONDS on a
# scratch copy of the seed corpus (tests/fuzz/corpus is never written), with
# a 2 GiB RSS limit and inputs up to 64 KiB (or what FUZZER's NAME.options says). Exits 0 when no crash, leak,
# timeout or out-of-memory was found; otherwise prints the end of the log and
# the crashing input (path, and base64 when small), keeps them in
# FUZZER's directory under artifacts/, and exits nonzero.
# Environment: FUZZ_JOBS (default 1) runs that many fuzzers in parallel on
# the one corpus; FUZZ_ARGS adds libFuzzer flags.
set -u

if [ $# -ne 2 ] || ! [ "$2" -ge 1 ] 2>/dev/null; then
	echo "usage: $0 FUZZER SECONDS" >&2
	exit 2
fi
fuzzer=$1
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -x "$fuzzer" ]; then
	echo "$0: $fuzzer is not built" >&2
	exit 2
fi
name=$(basename "$fuzzer")
artifacts=$(cd "$(dirname "$fuzzer")" && pwd)/artifacts
mkdir -p "$artifacts"
work=$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
# Each target has its seeds in corpus-NAME; the decoder's are in corpus.
seeds="$here/corpus-$name"
[ -d "$seeds" ] || seeds="$here/corpus"
cp "$seeds/"* "$work/corpus/" 2>/dev/null
n_seeds=$(ls "$work/corpus" | wc -l)

dict=()
[ -f "$here/$name.dict" ] && dict=(-dict="$here/$name.dict")
# NAME.options: libFuzzer flags of one target (one line), after the defaults.
opts=()
[ -f "$here/$name.options" ] && read -ra opts <"$here/$name.options"
jobs=${FUZZ_JOBS:-1}
par=()
[ "$jobs" -gt 1 ] && par=(-jobs="$jobs" -workers="$jobs")

log=$work/fuzz.log
start=$(date +%s)
# detect_leaks: a leak is a failure too. abort_on_error gives core-less aborts.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	"$fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -timeout=30 \
	-print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" ${opts[@]+"${opts[@]}"} "${par[@]}" ${FUZZ_ARGS:-} \
	"$work/corpus" >"$log" 2>&1
rc=$?
elapsed=$(( $(date +%s) - start ))
# with -jobs the workers log to fuzz-N.log in the current directory
[ "$jobs" -gt 1 ] && cat fuzz-*.log >>"$log" 2>/dev/null && rm -f fuzz-*.log

# libFuzzer may print its final stats twice (on a crash); count each line once
runs=$(grep -h '^stat::number_of_executed_units:' "$log" | sort -u | awk '{ s += $2 } END { print s + 0 }')
speed=$(grep -h '^stat::average_exec_per_sec:' "$log" | sort -u | awk '{ s += $2 } END { print s + 0 }')
corpus_now=$(ls "$work/corpus" | wc -l)

if [ "$rc" -eq 0 ] && ! grep -q 'ERROR: libFuzzer\|ERROR: AddressSanitizer\|runtime error:' "$log"; then
	echo "$name: ok: $runs runs in ${elapsed}s ($speed exec/s), corpus $n_seeds -> $corpus_now inputs, no crash"
	exit 0
fi

echo "$name: FAILED (exit $rc) after $runs runs in ${elapsed}s"
grep -n 'ERROR:\|runtime error:\|SUMMARY:\|property broken\|last error' "$log" | head -n 20 | sed 's/^/  /'
echo "--- end of the log:"
tail -n 60 "$log"
cp "$log" "$artifacts/$name-$(date +%Y%m%d-%H%M%S).log"
for f in $(grep -ho "Test unit written to [^ ]*" "$log" | awk '{ print $NF }' | sort -u); do
	[ -f "$f" ] || continue
	echo "--- crashing input: $f ($(wc -c <"$f") bytes); reproduce with: $fuzzer $f"
	if [ "$(wc -c <"$f")" -le 4096 ]; then
		echo "base64:"
		base64 "$f"
	fi
done
[ "$rc" -ne 0 ] || rc=1
exit "$rc"
