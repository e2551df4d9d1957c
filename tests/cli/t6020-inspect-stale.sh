#!/usr/bin/env bash
# pgotool inspect --binary: is a profile stale against today's code?
# A CPU profile of tests/go/cmd/burn is compared with Go binaries built
# without PGO from copies of its source:
#  (a) the same code: the matched share is 1 and --fail-below passes;
#  (b) the hottest plain function renamed: its hot edges are listed as
#      caller-missing, the share is exactly what their weight leaves, and
#      --fail-below fails;
#  (c) the same function moved two lines down: its edges are listed as
#      caller-moved, with the profile's start line and the binary's;
#  (d) generic code and closures (tests/go/cmd/genburn): the same code
#      matches whole, and moved generic code is listed;
# plus binaries it cannot use (no DWARF, not ELF, not Go, truncated), a
# binary built with PGO, and the flags' usage errors.
# Diagnostics for failures go to stderr, prefixed "# ".
. "$(dirname "$0")/lib.sh"
require_go
set -o pipefail

P=$PGOTOOL
LOG="$TEST_TMP/stderr.log"
say() { sed 's/^/# /' >&2; }
bail() {
	fail "$*"
	done_testing
}
# json FILE EXPR: prints the Python expression EXPR over the document d.
json() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# build SRC OUT [go build flags]: builds SRC/cmd/burn (SRC/$CMD).
CMD=cmd/burn
build() {
	local src=$1 out=$2; shift 2
	if (cd "$src" && go build "$@" -o "$out" "./$CMD") 2>"$LOG"; then return 0; fi
	say <"$LOG"
	return 1
}

# ---- the profile and a binary of the same code
cp -r "$PGO_SRC/tests/go" same || bail "copy tests/go"
build same "$TEST_TMP/burn" || bail "build burn"
./burn -duration 1s -cpuprofile burn.pprof 2>"$LOG" || { say <"$LOG"; bail "record a CPU profile with burn"; }
build same "$TEST_TMP/same-nopgo" -pgo=off || bail "build burn -pgo=off"

"$P" inspect --binary same-nopgo --fail-below 0.99 burn.pprof >same.txt 2>"$LOG"
rc=$?
share=$(sed -n 's/^  matched share  \([0-9.]*\) .*/\1/p' same.txt)
echo "# same code: matched share $share" >&2
if [ "$rc" -eq 0 ] && [ "$share" = "1.0000" ]; then
	pass "same code: matched share 1.0000, --fail-below 0.99 exits 0"
else
	fail "same code: matched share 1.0000, --fail-below 0.99 exits 0 (exit $rc, share '$share')"
	say <"$LOG"
fi
"$P" inspect --json --binary same-nopgo burn.pprof >same.json 2>"$LOG" || { say <"$LOG"; bail "inspect --json --binary"; }
check "same code, JSON: share 1, every hot edge matched, none listed" test "$(json same.json \
	'(d["staleness"]["matched_share"], d["staleness"]["matched"] == d["staleness"]["hot_edges"] == d["summary"]["hot_edges"] > 0, d["staleness"]["stale_edges"])')" = "(1.0, True, [])"

# What pgotool merge writes for go build (DO NOT INLINE renames included)
# is no more stale than its input.
"$PGOTOOL" merge -o merged.pgo burn.pprof 2>"$LOG" || { say <"$LOG"; bail "pgotool merge"; }
"$P" inspect --binary same-nopgo --fail-below 1 merged.pgo >merged.txt 2>"$LOG"
check "same code, the merge of the profile: matched share 1.0000" \
	test $? -eq 0 -a -n "$(grep '^  matched share  1.0000 ' merged.txt)"

# The hottest edge whose caller is a plain function of the test packages:
# renaming and moving it is a sed away.
read -r FULL PKG FUNC < <(json same.json '[(e["caller"], e["caller"].split("/")[-1].split(".")[0], e["caller"].split(".")[-1])
	for e in d["hot_call_sites"]
	if __import__("re").fullmatch(r"pgotool\.test/progs/internal/(mix|shapes|tree)\.[A-Z]\w*", e["caller"])][0]' |
	tr -d "()',")
[ -n "${FUNC:-}" ] || bail "no hot edge has a plain function of tests/go/internal as its caller"
START=$(json same.json "[e['caller_start_line'] for e in d['hot_call_sites'] if e['caller'] == '$FULL'][0]")
SHORT=${FULL##*/} # as the text prints it
echo "# the function to rename and move: $FULL, line $START of internal/$PKG" >&2
check "the profile's start line of $FULL is its func line in the source" \
	grep -qE "^func $FUNC\(" <(sed -n "${START}p" "same/internal/$PKG/$PKG.go")

# expect_stale DIR STATUS: the stale edges of DIR.json are exactly the hot
# edges whose caller is FULL (renamed) or that moved by 2 lines, with STATUS,
# and the share is what the rest of the hot weight makes it.
expect_stale() {
	local dir=$1 status=$2
	python3 - same.json "$dir.json" "$FULL" "$status" <<'EOF' 2>&1 | say
import json, sys
same, got, full, status = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3], sys.argv[4]
hot = same["hot_call_sites"]
s = got["staleness"]
stale = s["stale_edges"]
key = lambda e: (e["caller"], e["offset"], e["callee"])
listed = {key(e) for e in stale}
want = {key(e) for e in hot if e["caller"] == full}
errors = []
if not want <= listed:
    errors.append("not listed: %s" % sorted(want - listed))
if status == "caller-missing" and listed != want:
    errors.append("listed but not renamed: %s" % sorted(listed - want))
for e in stale:
    if e["status"] != status:
        errors.append("%s: status %s" % (key(e), e["status"]))
    if status == "caller-moved" and e["binary_start_line"] != e["profile_start_line"] + 2:
        errors.append("%s: lines %s -> %s, not moved by 2" % (key(e), e["profile_start_line"], e["binary_start_line"]))
    if status == "caller-missing" and e["binary_start_line"] is not None:
        errors.append("%s: a line in the binary" % (key(e),))
weights = [e["weight"] for e in stale]
if weights != sorted(weights, reverse=True):
    errors.append("not most weight first: %s" % weights)
total = sum(e["weight"] for e in hot)
lost = sum(e["weight"] for e in hot if key(e) in listed)
if s["hot_weight"] != total or abs(s["matched_share"] - (total - lost) / total) > 1e-12:
    errors.append("share %r, want %r" % (s["matched_share"], (total - lost) / total))
if not 0 <= s["matched_share"] < 1:
    errors.append("share %r is not below 1" % s["matched_share"])
for m in errors:
    print(m)
sys.exit(1 if errors else 0)
EOF
}

# ---- (b) the function renamed
cp -r same renamed
sed -i -E "s/\b$FUNC\b/${FUNC}Renamed/g" renamed/cmd/burn/main.go renamed/internal/*/*.go
build renamed "$TEST_TMP/renamed-nopgo" -pgo=off || bail "build burn with $FUNC renamed"
"$P" inspect --json --binary renamed-nopgo burn.pprof >renamed.json 2>"$LOG" || { say <"$LOG"; bail "inspect renamed"; }
if expect_stale renamed caller-missing; then
	pass "renamed: exactly the edges of $FULL are caller-missing, and the share drops by their weight"
else
	fail "renamed: exactly the edges of $FULL are caller-missing, and the share drops by their weight"
fi
"$P" inspect --binary renamed-nopgo --fail-below 1 burn.pprof >renamed.txt 2>renamed.err
rc=$?
share=$(sed -n 's/^  matched share  \([0-9.]*\) .*/\1/p' renamed.txt)
echo "# renamed: matched share $share" >&2
check "renamed: --fail-below 1 exits 1 and says why" \
	test "$rc" -eq 1 -a -n "$(grep "burn.pprof is stale: $share of its hot weight matches renamed-nopgo" renamed.err)"
check "renamed: the text lists $SHORT as caller missing, with its start line" \
	grep -qF "caller missing  $SHORT +" renamed.txt
check "renamed: ... line $START in the profile; no such function in the binary" \
	grep -q "line $START in the profile; no such function in the binary" renamed.txt
"$P" inspect --binary renamed-nopgo --fail-below 0 burn.pprof >/dev/null 2>&1
check "renamed: --fail-below 0 exits 0" test $? -eq 0

# ---- (c) the function moved two lines down
cp -r same moved
sed -i -E "${START}i // moved\n// down" "moved/internal/$PKG/$PKG.go"
build moved "$TEST_TMP/moved-nopgo" -pgo=off || bail "build burn with $FUNC moved"
"$P" inspect --json --binary moved-nopgo burn.pprof >moved.json 2>"$LOG" || { say <"$LOG"; bail "inspect moved"; }
if expect_stale moved caller-moved; then
	pass "moved: the edges of $FULL (and of the functions below it) are caller-moved by 2 lines"
else
	fail "moved: the edges of $FULL (and of the functions below it) are caller-moved by 2 lines"
fi
"$P" inspect --binary moved-nopgo --fail-below 1 burn.pprof >moved.txt 2>"$LOG"
rc=$?
echo "# moved: matched share $(sed -n 's/^  matched share  \([0-9.]*\) .*/\1/p' moved.txt)" >&2
check "moved: --fail-below 1 exits 1" test "$rc" -eq 1
check "moved: the text lists $SHORT as caller moved" grep -qF "caller moved    $SHORT +" moved.txt
check "moved: ... line $START in the profile, $((START + 2)) in the binary" \
	grep -q "line $START in the profile, $((START + 2)) in the binary" moved.txt

# A production profile (anonymized names) against the test program: nearly
# every hot caller is missing, and long names keep the text within 100 columns.
"$P" inspect --top 0 --binary same-nopgo "$GRPC_PPROF" >grpc.txt 2>"$LOG"
check "grpc-anon.pprof: reported (exit 0 without --fail-below)" test $? -eq 0
widest=$(awk '{ if (length($0) > m) m = length($0) } END { print m }' grpc.txt)
check "grpc-anon.pprof: text within 100 columns ($widest)" test "$widest" -le 100
"$PGO_TOOLS/mkinspect" long-names long.pprof || fail "mkinspect long-names"
"$P" inspect --binary same-nopgo long.pprof >long.txt 2>"$LOG"
widest=$(awk '{ if (length($0) > m) m = length($0) } END { print m }' long.txt)
check "names of 300 bytes: the stale edge within 100 columns ($widest), keeping the names' ends" \
	test "$widest" -le 100 -a -n "$(grep '^ *1 .* caller missing  \.\.\.a*Tail +2$' long.txt)"
"$P" inspect --json --binary same-nopgo "$GRPC_PPROF" >grpc.json 2>"$LOG"
check "grpc-anon.pprof, JSON: the counts add up, and the listed edges are the unmatched ones" test "$(json grpc.json \
	'(lambda s: (s["matched"] + s["caller_moved"] + s["caller_missing"] == s["hot_edges"] == d["summary"]["hot_edges"],
	            len(s["stale_edges"]) == s["hot_edges"] - s["matched"] > 0, s["matched_share"] < 0.5))(d["staleness"])')" = \
	"(True, True, True)"
check "grpc-anon.pprof: --top 0 lists every unmatched edge in the text" \
	test "$(grep -c '^ *[0-9]*  *[0-9.]*%  *[0-9]*  caller m' grpc.txt)" -eq "$(json grpc.json 'len(d["staleness"]["stale_edges"])')"

# ---- (d) generic code and closures (tests/go/cmd/genburn): the profile, the
# compiler and DWARF all name an instance by its shape, with the package
# path escaped ("gen%2ev2.Sum[go.shape.int64]"), and closures by their
# enclosing function
CMD=cmd/genburn
build same "$TEST_TMP/genburn" || bail "build genburn"
./genburn -duration 1s -cpuprofile gen.pprof 2>"$LOG" || { say <"$LOG"; bail "record a CPU profile with genburn"; }
build same "$TEST_TMP/gen-nopgo" -pgo=off || bail "build genburn -pgo=off"
GEN=pgotool.test/progs/internal/gen%2ev2
TOTAL_FUNC1="$GEN.(*Bag[go.shape.int64]).Total.func1"
"$P" inspect --json --binary gen-nopgo gen.pprof >gen.json 2>"$LOG" || { say <"$LOG"; bail "inspect genburn"; }
check "generics, same code: every hot edge matched, callers $TOTAL_FUNC1 and main.main.func1 among them" \
	test "$(json gen.json '(d["staleness"]["matched_share"], d["staleness"]["matched"] == d["staleness"]["hot_edges"],
		sorted({e["caller"] for e in d["hot_call_sites"]} & {"'"$TOTAL_FUNC1"'", "main.main.func1"}))')" = \
	"(1.0, True, ['main.main.func1', '$TOTAL_FUNC1'])"
check "generics, same code: the hot callees $GEN.Sum[go.shape.int64] and [go.shape.float64] are in the binary" \
	test "$(json gen.json '(d["staleness"]["callee_missing"], sorted({e["callee"] for e in d["hot_call_sites"]} &
		{"'"$GEN"'.Sum[go.shape.int64]", "'"$GEN"'.Sum[go.shape.float64]"}))')" = \
	"(0, ['$GEN.Sum[go.shape.float64]', '$GEN.Sum[go.shape.int64]'])"
check "generics: hot edges of at least two callers in gen.v2, for the move below" \
	test "$(json gen.json 'len({e["caller"] for e in d["hot_call_sites"] if e["caller"].startswith("'"$GEN"'.")})')" -ge 2
cp -r same gen-moved
sed -i 's|^// Sum adds|// (moved)\n// (down)\n// Sum adds|' gen-moved/internal/gen.v2/gen.go
build gen-moved "$TEST_TMP/gen-moved-nopgo" -pgo=off || bail "build genburn with Sum moved"
"$P" inspect --json --binary gen-moved-nopgo gen.pprof >gen-moved.json 2>"$LOG" || { say <"$LOG"; bail "inspect genburn moved"; }
check "generics, Sum moved: every edge of the generic code is caller-moved by 2 lines, and only those" \
	test "$(json gen-moved.json '(sorted({e["caller"] for e in d["staleness"]["stale_edges"]}),
		all(e["status"] == "caller-moved" and e["binary_start_line"] == e["profile_start_line"] + 2
		    for e in d["staleness"]["stale_edges"]))')" = \
	"($(json gen.json 'sorted({e["caller"] for e in d["hot_call_sites"] if e["caller"].startswith("'"$GEN"'.")})'), True)"

CMD=cmd/burn

# ---- binaries it cannot use: exit 1, an error that names the file and says what to build
expect_bad() { # DESC WANT BINARY
	"$P" inspect --binary "$3" --fail-below 0.5 burn.pprof >out.txt 2>err.txt
	local rc=$?
	if [ "$rc" -eq 1 ] && [ ! -s out.txt ] && grep -qF -- "$3: $2" err.txt &&
		grep -qF 'go build -pgo=off -o app-nopgo ./cmd/app' err.txt; then
		pass "unusable binary: $1"
	else
		fail "unusable binary: $1 (exit $rc)"
		say <err.txt
	fi
}
build same "$TEST_TMP/nodwarf" -pgo=off -ldflags=-w || bail "build burn -ldflags=-w"
expect_bad "-ldflags=-w: no DWARF" "a Go binary without DWARF (built with -ldflags=-w or -s" nodwarf
expect_bad "a pprof file" "not an ELF file" burn.pprof
printf 'not a binary\n' >text.txt
expect_bad "a text file" "not an ELF file" text.txt
: >empty
expect_bad "an empty file" "an empty file" empty
expect_bad "an ELF file not built by Go" "an ELF file but not a Go program" "$P"
head -c 100000 same-nopgo >cut-early
expect_bad "an ELF file cut at 100 kB" "a truncated ELF file" cut-early
head -c "$(($(stat -c %s same-nopgo) - 1000))" same-nopgo >cut-late
expect_bad "an ELF file without its last kB" "a truncated ELF file" cut-late
head -c 64 same-nopgo >cut-header
expect_bad "an ELF header alone" "a truncated ELF file" cut-header
expect_bad "a directory" "not a regular file" same
# A compressed .debug_info whose header claims 64 GiB: refused before libdw
# inflates anything.
python3 - same-nopgo bomb <<'EOF' || fail "make a binary whose DWARF claims 64 GiB"
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
shoff, = struct.unpack_from("<Q", b, 0x28)
shentsize, shnum, shstrndx = struct.unpack_from("<HHH", b, 0x3A)
def sh(i):
    return struct.unpack_from("<IIQQQQIIQQ", b, shoff + i * shentsize)
strtab = sh(shstrndx)[4]
for i in range(shnum):
    name, _, flags, _, off = sh(i)[:5]
    if b[strtab + name:].startswith(b".debug_info\0"):
        assert flags & 0x800, "Go compresses its DWARF by default"
        struct.pack_into("<Q", b, off + 8, 64 << 30)  # Elf64_Chdr.ch_size
open(sys.argv[2], "wb").write(b)
EOF
"$P" inspect --binary bomb burn.pprof >out.txt 2>err.txt
check "a DWARF bomb: exit 1, refused by its declared size" \
	test $? -eq 1 -a -n "$(grep 'bomb: its compressed DWARF sections declare 687[0-9]\{8\} bytes in all, more than' err.txt)"
"$P" inspect --binary missing-file burn.pprof >out.txt 2>err.txt
check "a missing binary: exit 1, named" test $? -eq 1 -a -n "$(grep -F 'missing-file: cannot open' err.txt)"

# ---- a binary built with PGO: compared, with a warning
build same "$TEST_TMP/with-pgo" -pgo="$TEST_TMP/burn.pprof" || bail "build burn -pgo"
"$P" inspect --binary with-pgo burn.pprof >with-pgo.txt 2>"$LOG"
check "built with -pgo: a warning that names the profile" \
	grep -qF "warning        built with -pgo=$TEST_TMP/burn.pprof; compare with a build without PGO" with-pgo.txt
"$P" inspect --json --binary with-pgo burn.pprof >with-pgo.json 2>"$LOG"
check "built with -pgo, JSON: built_with_pgo" test "$(json with-pgo.json 'd["staleness"]["built_with_pgo"]')" = "$TEST_TMP/burn.pprof"
check "same code, JSON: built_with_pgo is null" test "$(json same.json 'd["staleness"]["built_with_pgo"]')" = None

# ---- usage errors: exit 2
for args in "--fail-below 0.5" "--binary same-nopgo --fail-below 1.5" "--binary same-nopgo --fail-below -0.1" \
	"--binary same-nopgo --fail-below x" "--binary same-nopgo --fail-below="; do
	# shellcheck disable=SC2086
	"$P" inspect $args burn.pprof >out.txt 2>err.txt
	rc=$?
	check "usage error: $args" test "$rc" -eq 2 -a ! -s out.txt -a -n "$(grep '^usage: pgotool inspect' err.txt)"
done
check "the --fail-below message says what it takes" grep -q 'give a share from 0 to 1' \
	<("$P" inspect --binary same-nopgo --fail-below 2 burn.pprof 2>&1)
check "inspect --help documents --binary and --fail-below" bash -c \
	"'$P' inspect --help | grep -q -- '--binary BIN' && '$P' inspect --help | grep -q -- '--fail-below SHARE'"

done_testing
