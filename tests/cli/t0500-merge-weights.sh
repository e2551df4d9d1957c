#!/usr/bin/env bash
# Weighted merges: --weight W:FILE scales an input's values by W (round half
# away from zero), --normalize brings every input to the same total first.
# Exact values are read back with `pgotool edges` (the compiler's column)
# and, where Go is installed, `go tool pprof -raw` (both columns); the
# output's bytes do not depend on the order of the arguments.
. "$(dirname "$0")/lib.sh"

P=$PGOTOOL
MK="$PGO_TOOLS/mkprofile"
have_go=false
command -v go >/dev/null 2>&1 && have_go=true
[ "${CI:-}" = true ] && ! $have_go && { echo "FATAL: go is required in CI but is not on PATH"; exit 1; }

# values FILE: one line per sample, "COUNT NS STACK" (root first), sorted,
# from go tool pprof -raw.
values() {
	go tool pprof -raw "$1" 2>/dev/null | awk '
		/^Samples:/ { s = 1; next }
		/^Locations/ { s = 0; l = 1; next }
		/^Mappings/ { l = 0 }
		s && /:/ { sub(/:/, ""); st = ""; for (i = NF; i > 2; i--) st = st (st ? ";" : "") $i; v[++n] = $1 " " $2 " " st }
		l && /^ *[0-9]+:/ { id = $1; sub(/:/, "", id); fn[id] = $4 }
		END { for (i = 1; i <= n; i++) { k = split(v[i], f, " "); m = split(f[3], ids, ";"); st = "";
			for (j = 1; j <= m; j++) st = st (j > 1 ? ";" : "") fn[ids[j]]; print f[1], f[2], st } }' | sort
}

# edge_weights FILE: "CALLER>CALLEE WEIGHT" per edge, sorted, from pgotool edges.
edge_weights() {
	"$P" edges "$1" | awk 'NR > 1 { if (NR % 3 == 2) c = $0; else if (NR % 3 == 0) e = $0; else print c ">" e, $2 }' | sort
}

# expect_edges DESC FILE "LINE" ...: the edge weights are exactly these.
expect_edges() {
	local desc=$1 file=$2
	shift 2
	printf '%s\n' "$@" | sort >want.txt
	edge_weights "$file" >got.txt
	check "$desc" cmp -s want.txt got.txt
	cmp -s want.txt got.txt || { echo "# want:"; cat want.txt; echo "# got:"; cat got.txt; }
}

expect_values() {
	local desc=$1 file=$2
	shift 2
	$have_go || return 0
	printf '%s\n' "$@" | sort >want.txt
	values "$file" >got.txt
	check "$desc (go tool pprof -raw)" cmp -s want.txt got.txt
	cmp -s want.txt got.txt || { echo "# want:"; cat want.txt; echo "# got:"; cat got.txt; }
}

"$MK" a.pb 'main.main;main.work=3/30' 'main.main;main.idle=5/50' 'main.main;main.rare=1/1'
"$MK" b.pb 'main.main;main.work=7/70' 'main.main;main.serve=2/1000000007'
"$MK" c.pb 'main.main;main.work=1/10' 'main.main;main.serve=2/20'

# --- exact values: 3*0.5 = 1.5 -> 2, 5*0.5 = 2.5 -> 3 (not the banker's 2), 1*0.5 -> 1
check "--weight 0.5:a --weight 2:b: exit 0" "$P" merge -o ab.pgo --weight 0.5:a.pb --weight 2:b.pb
expect_edges "weighted edges are exact" ab.pgo "main.main>main.work 16" "main.main>main.idle 3" \
	"main.main>main.rare 1" "main.main>main.serve 4"
expect_values "weighted values are exact in both columns" ab.pgo "16 155 main.main;main.work" \
	"3 25 main.main;main.idle" "1 1 main.main;main.rare" "4 2000000014 main.main;main.serve"

# a sample whose values all round to 0 is dropped: 1 * 0.4 = 0.4 -> 0
check "--weight 0.4:a: exit 0" "$P" merge -o a04.pgo --weight 0.4:a.pb
expect_edges "0.4: what rounds to 0 is gone" a04.pgo "main.main>main.work 1" "main.main>main.idle 2"
expect_values "0.4: values" a04.pgo "1 12 main.main;main.work" "2 20 main.main;main.idle"

# --- a plain INPUT has weight 1; weight 1 everywhere is the unweighted merge, byte for byte
"$P" merge -o plain.pgo a.pb b.pb
"$P" merge -o ones.pgo --weight 1:a.pb --weight 1:b.pb
check "weight 1 on every input gives the unweighted merge's bytes" cmp -s plain.pgo ones.pgo
"$P" merge -o mixed.pgo a.pb --weight 2:b.pb
"$P" merge -o mixed1.pgo --weight 1:a.pb --weight 2.0:b.pb
check "a plain INPUT is --weight 1:INPUT" cmp -s mixed.pgo mixed1.pgo

# --- order independence, with the same content under two weights (where
# rounding to 0 differs, so which copy comes first would show)
"$MK" skew.pb 'main.main;main.once=1/1' 'main.main;main.hot=100/1000'
cp skew.pb skew-copy.pb
args=("--weight 0.1:skew.pb" "--weight 1:skew-copy.pb" "--weight 2:a.pb" "c.pb")
perms=("0 1 2 3" "1 0 2 3" "3 2 1 0" "2 3 0 1" "1 3 0 2" "3 0 2 1")
i=0
for perm in "${perms[@]}"; do
	set --
	for k in $perm; do set -- "$@" ${args[$k]}; done
	"$P" merge -o "perm$i.pgo" "$@" || fail "merge in order $perm"
	i=$((i + 1))
done
same=true
for j in 1 2 3 4 5; do cmp -s perm0.pgo "perm$j.pgo" || same=false; done
check "the same bytes for ${#perms[@]} orders of the arguments" $same
# 0.1: once 0.1 -> 0, hot 10/100; 1: once 1/1, hot 100/1000
expect_values "... and the values are the weighted sums" perm0.pgo "1 1 main.main;main.once" \
	"110 1100 main.main;main.hot" "7 70 main.main;main.work" "10 100 main.main;main.idle" \
	"2 2 main.main;main.rare" "2 20 main.main;main.serve"

# --- a zip counts as one input: W applies to each of its profiles
zip -q ab.zip a.pb b.pb
"$P" merge -o zip2.pgo --weight 2:ab.zip
"$P" merge -o files2.pgo --weight 2:a.pb --weight 2:b.pb
check "--weight 2:ZIP = --weight 2 on each of its profiles" cmp -s zip2.pgo files2.pgo

# --- a FILE may hold ':' (split at the first one)
cp a.pb 'x:y.pb'
check "--weight 2:x:y.pb reads x:y.pb" "$P" merge -o colon.pgo '--weight=2:x:y.pb'
expect_edges "... with its values doubled" colon.pgo "main.main>main.work 6" "main.main>main.idle 10" \
	"main.main>main.rare 2"

# --- --normalize: totals (samples/count) a 9, c 3: c is scaled by 3 to a's total
check "--normalize a c: exit 0" "$P" merge -o norm.pgo --normalize a.pb c.pb
expect_edges "--normalize: each input weighs the same" norm.pgo "main.main>main.work 6" \
	"main.main>main.idle 5" "main.main>main.rare 1" "main.main>main.serve 6"
expect_values "--normalize: values" norm.pgo "6 60 main.main;main.work" "5 50 main.main;main.idle" \
	"1 1 main.main;main.rare" "6 60 main.main;main.serve"
check "--normalize with --weight 2:c: exit 0" "$P" merge -o norm2.pgo --normalize a.pb --weight 2:c.pb
expect_edges "--normalize, then the weight" norm2.pgo "main.main>main.work 9" "main.main>main.idle 5" \
	"main.main>main.rare 1" "main.main>main.serve 12"
"$P" merge -o norm-rev.pgo --weight 2:c.pb --normalize a.pb
check "--normalize: the same bytes in another order" cmp -s norm2.pgo norm-rev.pgo
# a zip is one input: a + c total 12, d 4, so d is scaled by 3
"$MK" d.pb 'main.main;main.other=4/40'
zip -q ac.zip a.pb c.pb
"$P" merge -o normzip.pgo --normalize ac.zip d.pb
expect_edges "--normalize: a zip's total is all its profiles'" normzip.pgo "main.main>main.work 4" \
	"main.main>main.idle 5" "main.main>main.rare 1" "main.main>main.serve 2" "main.main>main.other 12"

if $have_go; then
	go tool preprofile -i norm2.pgo -o pre.txt 2>/dev/null
	"$P" edges norm2.pgo >ours.txt
	check "go tool preprofile reads the weighted merge as pgotool edges does" cmp -s pre.txt ours.txt
fi

# --- refused, naming the input: exit 1, OUT untouched
refused() {
	local desc=$1 want=$2
	shift 2
	echo "previous" >out.pgo
	"$P" merge -o out.pgo "$@" 2>err.txt
	local rc=$?
	check "$desc: exit 1" test "$rc" -eq 1
	check "$desc: the error says so ($want)" grep -q "error: .*$want" err.txt
	grep -q "error: .*$want" err.txt || cat err.txt
	check "$desc: OUT untouched" test "$(cat out.pgo)" = previous
}
"$MK" zero.pb 'main.main;main.work=0/0'
refused "--normalize with an input of total 0" "zero.pb: its samples add up to 0" --normalize a.pb zero.pb
refused "--normalize of a heap profile" "heap.pprof: no samples/count or cpu/nanoseconds.*--normalize" \
	--any-type --normalize "$PGO_SRC/tests/data/heap.pprof"
"$MK" neg.pb 'main.main;main.work=1/-10'
refused "a negative value under a weight" "neg.pb: sample 1 has the negative cpu value -10" --weight 2:neg.pb
"$MK" huge.pb 'main.main;main.work=1/4611686018427387904'
refused "a product beyond int64" "huge.pb: sample 1 cpu value 4611686018427387904 times the weight 2 does not fit" \
	--weight 2:huge.pb
cp huge.pb huge2.pb
refused "a sum beyond int64" "huge.*pb: adding its cpu value 6917529027641081856 .* overflows" \
	--weight 1.5:huge.pb --weight 1.5:huge2.pb

# --- usage errors: exit 2, saying what W must be
for bad in 0:a.pb 0.0:a.pb -1:a.pb nan:a.pb inf:a.pb 1e999:a.pb 1e3:a.pb abc:a.pb a.pb 2: :a.pb 1.2.3:a.pb; do
	"$P" merge -o out.pgo "--weight=$bad" 2>err.txt
	rc=$?
	check "--weight $bad: exit 2" test "$rc" -eq 2
	check "--weight $bad: says what W is" grep -q "want W:FILE, W a positive decimal number" err.txt
done

"$P" merge --help >help.txt
check "--help documents --weight" grep -q -- '--weight W:FILE' help.txt
check "--help documents --normalize" grep -q -- '--normalize' help.txt
check "--help says how values round" grep -q 'half away from zero' help.txt

done_testing
