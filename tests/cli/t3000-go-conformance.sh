#!/usr/bin/env bash
# Conformance with the installed Go toolchain, the oracle:
#  (a) the samples of `pgotool merge` equal those of `go tool pprof -proto`
#      (decoded and normalised by tests/go/cmd/pprofnorm, not compared as bytes),
#  (b) `pgotool edges` prints exactly what `go tool preprofile` prints,
#  (c) a --compact merge has the same preprofile output as the full merge,
#  (d) `go build -pgo` gives byte-identical binaries with pgotool's merge, Go's
#      merge and pgotool's compact merge,
#  (e) merge output bytes do not depend on the order of the inputs,
# plus datadog-pgo's DO NOT INLINE renaming on the production profile.
# Inputs: three CPU profiles of tests/go/cmd/burn (a, b, c: 1 s each), two of
# a position-independent build of it (d, e: 0.5 s each; ASLR loads them at
# different addresses, so a merge must rebase) and grpc-anon.pprof.
# Diagnostics for failures go to stderr, prefixed "# ".
. "$(dirname "$0")/lib.sh"
require_go
set -o pipefail

GO_PROGS="$PGO_SRC/tests/go"
PROFILE_TIME=${PGO_GO_PROFILE_TIME:-1s}
PIE_PROFILE_TIME=${PGO_GO_PIE_PROFILE_TIME:-500ms}
# Keep go tool pprof from swapping in local binaries (it looks them up by
# build ID under $PPROF_BINARY_PATH, default ~/pprof/binaries).
export PPROF_BINARY_PATH="$TEST_TMP/no-binaries"
PROCESS_DATA='google.golang.org/grpc/internal/transport.(*loopyWriter).processData'
LOG="$TEST_TMP/stderr.log"
# PGO_KEEP_TMP=1 keeps the work directory for a look after a failure.
if [ -n "${PGO_KEEP_TMP:-}" ]; then
	trap - EXIT
	echo "keeping $TEST_TMP" | sed 's/^/# /' >&2
fi

say() { sed 's/^/# /' >&2; }

# run CMD...: run a command with its stderr in $LOG; on failure show it.
run() {
	if "$@" 2>"$LOG"; then return 0; fi
	echo "command failed: $*" | say
	head -n 20 "$LOG" | say
	return 1
}

# same DESC FILE1 FILE2: passes when the files are byte-identical.
same() {
	if cmp -s "$2" "$3"; then
		pass "$1"
	else
		fail "$1"
		{ echo "$2 and $3 differ:"; diff "$2" "$3" | head -n 12 | cut -c1-400; } | say
	fi
}

# differ DESC FILE1 FILE2: passes when both files exist and differ.
differ() {
	if [ -s "$2" ] && [ -s "$3" ] && ! cmp -s "$2" "$3"; then pass "$1"; else fail "$1"; fi
}

bail() {
	fail "$*"
	done_testing
}

# gomerge OUT INPUT...: Go's merge.
gomerge() { local out=$1; shift; run go tool pprof -proto -symbolize=none "$@" >"$out"; }

# normalise PROFILE OUT [pprofnorm flags]: decoded, canonical text of a profile.
normalise() {
	local prof=$1 out=$2; shift 2
	run go tool pprof -raw -symbolize=none "$prof" >"$prof.raw" &&
		run ./pprofnorm "$@" "$prof.raw" >"$out"
}

# preprofile PROFILE OUT
preprofile() { run go tool preprofile -i "$1" -o "$2"; }

# merge OUT [options and inputs]: pgotool merge.
merge() { local out=$1; shift; run "$PGOTOOL" merge -o "$out" "$@"; }

# ---- setup: build the programs, record five profiles ----
(cd "$GO_PROGS" && go build -trimpath -o "$TEST_TMP/burn" ./cmd/burn &&
	go build -trimpath -buildmode=pie -o "$TEST_TMP/burn-pie" ./cmd/burn &&
	go build -o "$TEST_TMP/pprofnorm" ./cmd/pprofnorm) 2>"$LOG" ||
	{ say <"$LOG"; bail "build tests/go programs"; }
run ./burn -duration "$PROFILE_TIME" -mode shapes -seed 1 -cpuprofile a.pprof &&
	run ./burn -duration "$PROFILE_TIME" -mode tree -seed 2 -cpuprofile b.pprof &&
	run ./burn -duration "$PROFILE_TIME" -mode mixed -seed 3 -cpuprofile c.pprof &&
	run ./burn-pie -duration "$PIE_PROFILE_TIME" -mode shapes -seed 4 -cpuprofile d.pprof &&
	run ./burn-pie -duration "$PIE_PROFILE_TIME" -mode pipeline -seed 5 -cpuprofile e.pprof ||
	bail "record CPU profiles with tests/go/cmd/burn"
cp "$GRPC_PPROF" grpc.pprof || bail "copy $GRPC_PPROF"

# Each recorded profile must have samples and pprof labels, or the checks
# below would prove little.
for p in a b c d e; do
	normalise $p.pprof $p.norm || bail "decode $p.pprof"
	if grep -q '^S ' $p.norm && grep -q '^S [-0-9 ]* | [^|]*worker:\[' $p.norm; then
		pass "burn profile $p has $(grep -c '^S ' $p.norm) samples with labels"
	else
		fail "burn profile $p has samples with labels"
	fi
done

# ---- Go's merges, and proof that the normalised comparison can fail ----
declare -A SETS=(
	[abc]="a.pprof b.pprof c.pprof"
	[aba]="a.pprof b.pprof a.pprof"
	[de]="d.pprof e.pprof"
	[all]="a.pprof b.pprof c.pprof d.pprof e.pprof grpc.pprof"
	[g]="grpc.pprof"
)
SET_NAMES="abc aba de all g"
for s in $SET_NAMES; do
	# shellcheck disable=SC2086
	gomerge go-$s.pprof ${SETS[$s]} || bail "go tool pprof -proto ${SETS[$s]}"
	# -sum: a single input is not merged by go tool pprof.
	normalise go-$s.pprof go-$s.norm -sum &&
		normalise go-$s.pprof go-$s.nolabels.norm -nolabels &&
		normalise go-$s.pprof go-$s.noinline.norm -nolabels -noinline ||
		bail "normalise Go's merge of ${SETS[$s]}"
done
grep '^S ' go-abc.norm >go-abc.s
grep '^S ' a.norm >a.s
differ "negative: samples of a single input differ from the merge a b c" a.s go-abc.s
differ "negative: merges a b c and a b a differ" go-abc.norm go-aba.norm
gomerge go-abcc.pprof a.pprof b.pprof c.pprof c.pprof && normalise go-abcc.pprof go-abcc.norm -sum
grep '^S ' go-abcc.norm >go-abcc.s
sed 's/^S [-0-9 ]* |/S |/' go-abc.s | LC_ALL=C sort >go-abc.novalues
sed 's/^S [-0-9 ]* |/S |/' go-abcc.s | LC_ALL=C sort >go-abcc.novalues
if cmp -s go-abc.novalues go-abcc.novalues && ! cmp -s go-abc.s go-abcc.s; then
	pass "negative: merges a b c and a b c c differ only in values, and that is detected"
else
	fail "negative: merges a b c and a b c c differ only in values, and that is detected"
fi
./pprofnorm -header go-abc.pprof >go-abc.hdr && ./pprofnorm -header go-abcc.pprof >go-abcc.hdr
differ "negative: exact headers of merges a b c and a b c c differ (duration)" go-abc.hdr go-abcc.hdr
differ "negative: labels are compared (with and without labels differ)" go-abc.norm go-abc.nolabels.norm
differ "negative: the DO NOT INLINE renaming is visible in grpc-anon" go-g.nolabels.norm go-g.noinline.norm
# A duplicated sample (what an unmerged output would have) is caught without -sum.
awk '!d && /^ +[0-9]+ +[0-9]+: / { print; d = 1 } { print }' a.pprof.raw >dup.raw
./pprofnorm dup.raw >dup.norm 2>"$LOG" || say <"$LOG"
differ "negative: a duplicated sample is detected" a.norm dup.norm

# Where the PIE runs were loaded (the first mapping is the executable).
pie_start() { sed -n '/^Mappings$/{n;s/^1: \(0x[0-9a-f]*\)\/.*/\1/p;}' "$1"; }
if [ "$(pie_start d.pprof.raw)" != "$(pie_start e.pprof.raw)" ]; then
	PIE_NOTE="PIE runs at $(pie_start d.pprof.raw) and $(pie_start e.pprof.raw)"
else
	PIE_NOTE="note: both PIE runs at $(pie_start d.pprof.raw), is ASLR off?"
fi

[ -x "$PGOTOOL" ] || bail "pgotool binary exists at $PGOTOOL"

# ---- (a) decoded samples of pgotool merge = those of go tool pprof -proto ----
for s in $SET_NAMES; do
	in=${SETS[$s]}
	# shellcheck disable=SC2086
	{ merge pk-$s.pprof --no-noinline --keep-labels $in &&
		merge pn-$s.pprof --no-noinline $in &&
		merge pd-$s.pprof $in &&
		normalise pk-$s.pprof pk-$s.norm &&
		normalise pn-$s.pprof pn-$s.norm &&
		normalise pd-$s.pprof pd-$s.norm; } || { fail "merge and decode $in"; continue; }
	note=""
	[ $s = de ] && note=" ($PIE_NOTE)"
	# Header: what -raw prints, and the exact fields (-raw truncates durations).
	for v in go pk pn pd; do
		{ grep '^H ' $v-$s.norm && run ./pprofnorm -header $v-$s.pprof; } >$v-$s.h
	done
	cat pk-$s.h pn-$s.h pd-$s.h >p-$s.h
	cat go-$s.h go-$s.h go-$s.h >go3-$s.h
	same "(a) merge $in, all three modes: header = go tool pprof -proto" p-$s.h go3-$s.h
	# Mapping table (without start addresses). go tool pprof does not merge a
	# single input, so it keeps the unreferenced mappings there.
	if [ $s != g ]; then
		for v in go pk pn pd; do grep '^M ' $v-$s.norm >$v-$s.m; done
		cat pk-$s.m pn-$s.m pd-$s.m >p-$s.m
		cat go-$s.m go-$s.m go-$s.m >go3-$s.m
		same "(a) merge $in, all three modes: mappings = go tool pprof -proto" p-$s.m go3-$s.m
	fi
	grep '^S ' pk-$s.norm >pk-$s.s; grep '^S ' go-$s.norm >go-$s.s
	grep '^S ' pn-$s.norm >pn-$s.s; grep '^S ' go-$s.nolabels.norm >go-$s.nolabels.s
	grep '^S ' pd-$s.norm >pd-$s.s; grep '^S ' go-$s.noinline.norm >go-$s.noinline.s
	same "(a) merge --no-noinline --keep-labels $in: samples = go tool pprof -proto$note" pk-$s.s go-$s.s
	same "(a) merge --no-noinline $in: samples = Go's merge without labels" pn-$s.s go-$s.nolabels.s
	same "(a) merge $in: samples = Go's merge without labels, DO NOT INLINE applied" \
		pd-$s.s go-$s.noinline.s
done

# ---- (b) pgotool edges = go tool preprofile ----
merge cn-abc.pprof --no-noinline --compact a.pprof b.pprof c.pprof
merge cd-all.pprof --compact ${SETS[all]}
merge cd-g.pprof --compact grpc.pprof
for f in a b c d e grpc go-abc pk-abc pn-abc pn-de pd-all pn-g pd-g cn-abc cd-all; do
	if [ -s $f.pprof ] && preprofile $f.pprof $f.pre && run "$PGOTOOL" edges $f.pprof >$f.edges; then
		same "(b) pgotool edges $f.pprof = go tool preprofile" $f.edges $f.pre
	else
		fail "(b) pgotool edges $f.pprof = go tool preprofile (could not run)"
	fi
done

# ---- (c) --compact keeps the compiler's edge map, and is much smaller ----
# compact_vs FULL COMPACT N: also checks that COMPACT is at most 1/N of FULL.
# The 3-second burn merges are small, and their size varies with the
# machine's load, so N=1 there; grpc-anon is a real 60-second profile.
compact_vs() {
	local full=$1 compact=$2 n=$3 fs cs
	if preprofile $full.pprof $full.pre && preprofile $compact.pprof $compact.pre; then
		same "(c) preprofile of $compact.pprof = preprofile of $full.pprof" $compact.pre $full.pre
	else
		fail "(c) preprofile of $compact.pprof = preprofile of $full.pprof (could not run)"
	fi
	[ -s $full.pprof ] && [ -s $compact.pprof ] || { fail "(c) $compact.pprof is smaller (missing)"; return; }
	fs=$(wc -c <$full.pprof) cs=$(wc -c <$compact.pprof)
	check "(c) $compact.pprof ($cs bytes) is at most 1/$n of $full.pprof ($fs bytes)" \
		test $((cs * n)) -le "$fs"
}
compact_vs pn-abc cn-abc 1
compact_vs go-abc cn-abc 1
compact_vs pd-all cd-all 4
compact_vs pd-g cd-g 4

# ---- (d) go build -pgo: same binary from pgotool's, Go's and the compact merge ----
mkdir -p pgo
# build_with PROFILE OUT: always the same -pgo path; -a so that nothing comes
# from the build cache (since Go 1.23 its keys hash the preprofile output).
build_with() {
	cp "$1" pgo/default.pgo &&
		(cd "$GO_PROGS" && run go build -a -trimpath -pgo="$TEST_TMP/pgo/default.pgo" \
			-o "$TEST_TMP/$2" ./cmd/burn)
}
if build_with pn-abc.pprof burn.pgotool && build_with go-abc.pprof burn.go &&
	build_with cn-abc.pprof burn.compact; then
	same "(d) go build -pgo: pgotool merge and go tool pprof -proto give the same binary" \
		burn.pgotool burn.go
	same "(d) go build -pgo: pgotool merge --compact gives the same binary" burn.compact burn.go
	# The profile must change what the compiler does, or (d) proves nothing.
	cp pn-abc.pprof pgo/default.pgo
	(cd "$GO_PROGS" && go build -trimpath -pgo="$TEST_TMP/pgo/default.pgo" \
		-gcflags='pgotool.test/progs/...=-m -d=pgodebug=1' -o "$TEST_TMP/pgo/burn-debug" ./cmd/burn) >pgodebug.txt 2>&1
	devirt=$(grep -c 'PGO devirtualizing' pgodebug.txt) hot=$(grep -c 'hot-budget check allows inlining' pgodebug.txt)
	check "(d) the merged profile drives the compiler ($devirt PGO devirtualizations, $hot hot inlines)" \
		test "$devirt" -gt 0 -a "$hot" -gt 0
else
	fail "(d) go build -pgo with the merged profiles (could not build)"
fi

# ---- (e) output bytes do not depend on input order ----
# orders NAME OPTIONS -- ORDER1 -- ORDER2 ...: all orders give the same bytes.
orders() {
	local name=$1 i=0 first="" args=() opts=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	while [ $# -gt 0 ]; do
		shift
		args=()
		while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
		i=$((i + 1))
		merge order-$name-$i.pprof ${opts[@]+"${opts[@]}"} "${args[@]}" || { fail "(e) $name: merge ${args[*]}"; return; }
		if [ -z "$first" ]; then
			first="${args[*]}"
		else
			same "(e) merge ${opts[*]+${opts[*]} }${args[*]} = merge ${opts[*]+${opts[*]} }$first (bytes)" \
				order-$name-$i.pprof order-$name-1.pprof
		fi
	done
}
orders abc -- a.pprof b.pprof c.pprof -- c.pprof b.pprof a.pprof -- b.pprof c.pprof a.pprof
orders aba -- a.pprof b.pprof a.pprof -- a.pprof a.pprof b.pprof -- b.pprof a.pprof a.pprof
orders all --keep-labels -- grpc.pprof e.pprof c.pprof a.pprof d.pprof b.pprof \
	-- ${SETS[all]} -- b.pprof grpc.pprof d.pprof a.pprof e.pprof c.pprof
orders de -- d.pprof e.pprof -- e.pprof d.pprof
orders compact --compact -- a.pprof grpc.pprof b.pprof -- grpc.pprof b.pprof a.pprof
same "(e) merge a b c = the first order tried in (a)" order-abc-1.pprof pd-abc.pprof

# ---- DO NOT INLINE on grpc-anon.pprof ----
# Callee lines of the preprofile format: line 3, 6, 9, ...
awk 'NR > 1 && NR % 3 == 0' pd-g.edges >pd-g.callees 2>/dev/null
check "default merge of grpc-anon renames processData (DO NOT INLINE callee in edges)" \
	grep -qxF "DO NOT INLINE: $PROCESS_DATA" pd-g.callees
check "default merge of grpc-anon: processData is no callee in edges" \
	test "$(grep -cxF "$PROCESS_DATA" pd-g.callees)" -eq 0
same "merge --no-noinline grpc-anon: pgotool edges = go tool preprofile of the input" \
	pn-g.edges grpc.pre
done_testing
