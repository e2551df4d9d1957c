#!/usr/bin/env bash
# merge writes only what `go build -pgo` takes: an output the compiler would
# reject is refused (exit 1, OUT untouched) unless --any-type; in a zip
# archive, entries that are not pprof files, and profiles that are not CPU
# profiles, are skipped and named. Where Go is installed, `go tool
# preprofile` confirms each verdict.
. "$(dirname "$0")/lib.sh"

P=$PGOTOOL
EX="$PGO_SRC/examples/profiles"
HEAP="$PGO_SRC/tests/data/heap.pprof"
MKBAD="$PGO_TOOLS/mkbad"
have_go=false
command -v go >/dev/null 2>&1 && have_go=true
[ "${CI:-}" = true ] && ! $have_go && { echo "FATAL: go is required in CI but is not on PATH"; exit 1; }

# refused DESC WANT-IN-MESSAGE INPUT...: exit 1, one error line with WANT, OUT untouched.
refused() {
	local desc=$1 want=$2
	shift 2
	echo "previous default.pgo" >out.pgo
	"$P" merge -o out.pgo "$@" 2>err.txt
	local rc=$?
	check "$desc: exit 1" test "$rc" -eq 1
	check "$desc: the error says why ($want)" grep -q "error: .*$want" err.txt
	check "$desc: and that --any-type would merge it" grep -q -- '--any-type' err.txt
	check "$desc: OUT is untouched" test "$(cat out.pgo)" = "previous default.pgo"
}

# go_rejects DESC FILE / go_accepts DESC FILE: the compiler's own verdict.
go_rejects() { $have_go && check "$1: go tool preprofile rejects it too" bash -c "! go tool preprofile -i '$2' >/dev/null 2>&1"; }
go_accepts() { $have_go && check "$1: go tool preprofile accepts it" bash -c "go tool preprofile -i '$2' >/dev/null 2>&1"; }

# --- a heap profile (real, from the Go runtime) is not for PGO
refused "a heap profile" "not a CPU profile" "$HEAP"
go_rejects "a heap profile" "$HEAP"
check "--any-type merges a heap profile" "$P" merge --any-type -o heap-any.pgo "$HEAP"
check "... and the result decodes as a profile" "$P" merge --any-type -o heap-again.pgo heap-any.pgo
refused "two heap profiles" "not a CPU profile" "$HEAP" "$HEAP"

# --- profiles the compiler rejects although they are CPU profiles
"$MKBAD" no-start-line nsl.pb
refused "no function start lines" "no function has a start line" nsl.pb
go_rejects "no function start lines" nsl.pb

# --- all values zero: the merge has no samples, which the compiler takes (and ignores)
"$MKBAD" zero-values zero.pb
"$P" merge -o zero.pgo zero.pb 2>err.txt
rc=$?
check "only zero values: exit 0" test "$rc" -eq 0
check "... with a warning that the compiler learns nothing" grep -q 'warning: .*no samples' err.txt
go_accepts "the empty merge" zero.pgo
go_rejects "the all-zero input itself (Go 1.26)" zero.pb

# --- a download of a whole upload: cpu.pprof with its other attachments
mkdir dl
cp "$EX/burn-1.pprof" dl/cpu.pprof
cp "$HEAP" dl/delta-heap.pprof
printf '{"go_goroutines": 12, "go_gc_pause_total_nanoseconds": 1000}\n' >dl/metrics.json
printf 'go 1.23 trace\0\0\0\1\2\3' >dl/go.trace
(cd dl && zip -q ../upload.zip cpu.pprof delta-heap.pprof metrics.json go.trace)
"$P" merge -o upload.pgo upload.zip 2>err.txt
rc=$?
"$P" merge -o cpu-only.pgo "$EX/burn-1.pprof"
check "a download zip merges: exit 0" test "$rc" -eq 0
check "... from its cpu.pprof alone" cmp -s upload.pgo cpu-only.pgo
check "... naming metrics.json as skipped" grep -q 'skipped upload.zip:metrics.json: not a pprof profile' err.txt
check "... naming go.trace as skipped" grep -q 'skipped upload.zip:go.trace: not a pprof profile' err.txt
check "... naming delta-heap.pprof as skipped" grep -q 'skipped upload.zip:delta-heap.pprof: not a CPU profile' err.txt
check "... and nothing else" test "$(wc -l <err.txt)" -eq 3

# The same download from a dd-trace-go v2.4+ service: every attachment zstd.
mkdir dlz
for f in cpu.pprof delta-heap.pprof metrics.json go.trace; do
	# raw pprof under zstd, as the profiler recompresses runtime/pprof's gzip
	if [ "$(head -c2 dl/$f | od -An -tx1 | tr -d ' ')" = 1f8b ]; then gzip -dc dl/$f; else cat dl/$f; fi |
		zstd -q -o dlz/$f
done
(cd dlz && zip -q ../upload-zstd.zip cpu.pprof delta-heap.pprof metrics.json go.trace)
"$P" merge -o upload-zstd.pgo upload-zstd.zip 2>err.txt
rc=$?
check "a download zip of zstd attachments merges: exit 0" test "$rc" -eq 0
check "... from its cpu.pprof alone" cmp -s upload-zstd.pgo cpu-only.pgo
check "... naming the zstd metrics.json as skipped" grep -q 'skipped upload-zstd.zip:metrics.json: not a pprof profile' err.txt
check "... and the zstd go.trace" grep -q 'skipped upload-zstd.zip:go.trace: not a pprof profile' err.txt
check "... and nothing else but delta-heap.pprof" test "$(wc -l <err.txt)" -eq 3

# The same download unzipped: merge DIR takes its files, in name order.
mkdir dl/.git dl/sub
printf 'not read\n' >dl/.hidden
cp "$EX/burn-2.pprof" dl/sub/not-read.pprof
"$P" merge -o dir.pgo dl 2>err.txt
rc=$?
check "merge DIR of an unzipped download: exit 0" test "$rc" -eq 0
check "... from its cpu.pprof alone" cmp -s dir.pgo cpu-only.pgo
check "... naming metrics.json as skipped" grep -q 'skipped dl/metrics.json: not a pprof profile' err.txt
check "... naming go.trace as skipped" grep -q 'skipped dl/go.trace: not a pprof profile' err.txt
check "... naming delta-heap.pprof as skipped" grep -q 'skipped dl/delta-heap.pprof: not a CPU profile' err.txt
check "... and nothing else: hidden files and subdirectories are not read" test "$(wc -l <err.txt)" -eq 3
mkdir two
cp "$EX/burn-1.pprof" two/b.pprof
cp "$EX/burn-2.pprof" two/a.pprof
"$P" merge -o two.pgo two/ && "$P" merge -o two-args.pgo "$EX/burn-2.pprof" "$EX/burn-1.pprof"
check "merge DIR/ of two profiles writes what merging them by name does" cmp -s two.pgo two-args.pgo
mkdir nothing
"$P" merge -o out.pgo nothing 2>err.txt
check "an empty directory exits 1" test $? -eq 1
check "... saying so and what to do" grep -q "nothing: a directory with no files in it.*give the profiles' paths" err.txt
"$P" edges two >out.txt 2>err.txt
check "edges of a directory of two profiles says to merge them" grep -q "two: 2 profiles (a zip archive or a directory); merge them first" err.txt

(cd dl && zip -q ../no-cpu.zip delta-heap.pprof metrics.json)
refused "a zip with no CPU profile" "no CPU profiles" no-cpu.zip
(cd dl && zip -q ../json-only.zip metrics.json)
"$P" merge -o out.pgo json-only.zip 2>err.txt
check "a zip of JSON alone exits 1" test $? -eq 1
check "... saying that nothing was left" grep -q 'every input was skipped' err.txt

# --any-type takes the heap entry too, and then the kinds clash.
"$P" merge --any-type -o out.pgo upload.zip 2>err.txt
check "--any-type merges the download's pprof entries, which do not mix" grep -q 'only profiles of one kind merge' err.txt

# --- a heap profile given as a file beside CPU profiles is an error, not a skip
"$P" merge -o out.pgo "$EX/burn-1.pprof" "$HEAP" 2>err.txt
check "a heap file beside a CPU profile exits 1" test $? -eq 1
check "... naming it" grep -q 'heap.pprof' err.txt

done_testing
