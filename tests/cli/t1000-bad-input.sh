#!/usr/bin/env bash
# Bad inputs. For each malformed, hostile or incompatible input,
# `pgotool merge -o OUT` must exit 1 with exactly one line on stderr,
# "pgotool merge: error: NAME: [offset N: ]RULE", naming the input (and the
# byte offset where mkbad knows one), print nothing on stdout, leave an
# existing OUT byte for byte as it was, not create a missing OUT, and leave
# no temporary file in OUT's directory. `pgotool edges` must fail the same
# way, except on an empty file (an empty profile: only the header, as
# `go tool preprofile` prints). Neither may use more than 256 MB of memory
# (peak RSS) on any of them: a bomb or junk is refused after a few MB of
# decompressed data, not at the 1 GiB limit. A valid merge must still work
# afterwards, and give the same bytes in every process, whatever the
# process's hash seed.
# The inputs are made at test time by tests/tools/mkbad.c (mkbad KIND OUT).
# Diagnostics for failures go to stderr, prefixed "# ".
. "$(dirname "$0")/lib.sh"

P=$PGOTOOL
MKBAD=$PGO_TOOLS/mkbad
if [ ! -x "$MKBAD" ]; then
	echo "FATAL: $MKBAD is not built (tests/tools/mkbad.c)"
	exit 1
fi
# GNU time measures peak RSS (Debian package time; scripts/install-deps.sh installs it).
TIME=/usr/bin/time
if ! "$TIME" -f %M -o /dev/null true 2>/dev/null; then
	echo "FATAL: $TIME (GNU time) is missing: apt-get install time"
	exit 1
fi
RSS_MAX_KB=$((256 * 1024))

say() { sed 's/^/# /' >&2; }

mkdir in out fresh eout
declare -A OFFSET
STDIN_FROM=/dev/null   # what merge_fails feeds pgotool on standard input

# make KIND FILE: writes FILE with mkbad and records the defect's offset, if any.
make_input() {
	local out
	if ! out=$("$MKBAD" "$1" "$2" 2>&1); then
		echo "mkbad $1 failed: $out" | say
		fail "mkbad $1"
		return 1
	fi
	OFFSET[$2]=${out#offset }
}

for k in good good-gzip good-zstd other-types other-period; do
	make_input "$k" "in/$k.pprof"
done
make_input good-zip in/good.zip
make_input good-zip2 in/good2.zip

# A previous default.pgo that failed merges must not touch.
if ! "$P" merge -o out/default.pgo in/good.pprof 2>err.txt || [ -s err.txt ]; then
	fail "a valid merge works before the bad inputs"
	say <err.txt
	done_testing
fi
cp out/default.pgo prev.pgo
"$P" edges in/good.pprof >good.edges 2>/dev/null

# err_line FILE PREFIX [OFFSET] [KEYWORD]: FILE is exactly one
# newline-terminated line that starts with PREFIX ": " (PREFIX ": offset N: "
# when OFFSET is given, or for data that looks like something else,
# PREFIX ": this is KIND, not a pprof profile (offset N: ") and matches the
# extended regex KEYWORD (any case).
err_line() {
	local file=$1 prefix=$2 offset=${3:-} keyword=${4:-}
	[ "$(wc -l <"$file")" -eq 1 ] && [ "$(awk 'END { print NR }' "$file")" -eq 1 ] || {
		why="stderr is not exactly one line"
		return 1
	}
	local line kind_prefix="$prefix: this is "
	line=$(cat "$file")
	[ -n "$offset" ] && prefix="$prefix: offset $offset"
	case "$line" in
	"$prefix: "*) ;;
	"$kind_prefix"*", not a pprof profile (offset $offset: "*) [ -n "$offset" ] || {
		why="stderr says what the data looks like, but the test expects no offset"
		return 1
	} ;;
	*)
		why="stderr does not start with '$prefix: '"
		return 1
		;;
	esac
	if [ -n "$keyword" ] && ! grep -Eqi -- "$keyword" "$file"; then
		why="stderr does not match /$keyword/"
		return 1
	fi
	return 0
}

# no_stray DIR EXPECTED: DIR holds exactly the files listed in EXPECTED.
no_stray() {
	local have
	have=$(cd "$1" && ls -A | tr '\n' ' ')
	[ "$have" = "$2" ] || {
		why="$1 holds [$have], expected [$2]"
		return 1
	}
}

# measured CMD...: runs CMD under GNU time; its peak RSS goes to $rss (KB).
measured() {
	"$TIME" -f %M -o rss.txt "$@"
	local rc=$?
	rss=$(tail -n 1 rss.txt)
	return $rc
}

# rss_ok: the last measured command stayed under RSS_MAX_KB.
rss_ok() {
	[[ $rss =~ ^[0-9]+$ ]] && [ "$rss" -le "$RSS_MAX_KB" ] || {
		why="peak RSS ${rss} KB, more than $RSS_MAX_KB KB"
		return 1
	}
}

# merge_fails DESC NAME KEYWORD INPUT...: the merge of INPUT... fails,
# blaming NAME (with the offset mkbad reported for it, if any).
merge_fails() {
	local desc=$1 name=$2 keyword=$3 rc
	shift 3
	why=
	local offset=${OFFSET[$name]:-}
	# an existing OUT stays as it was
	measured "$P" merge -o out/default.pgo "$@" <"$STDIN_FROM" >stdout.txt 2>stderr.txt
	rc=$?
	if [ "$rc" -ne 1 ]; then
		why="exit status $rc, expected 1"
	elif ! rss_ok; then
		:
	elif [ -s stdout.txt ]; then
		why="output on stdout"
	elif ! err_line stderr.txt "pgotool merge: error: $name" "$offset" "$keyword"; then
		:
	elif ! cmp -s out/default.pgo prev.pgo; then
		why="OUT was changed"
	elif ! no_stray out "default.pgo "; then
		:
	else
		# a missing OUT is not created
		"$P" merge -o fresh/default.pgo "$@" <"$STDIN_FROM" >stdout.txt 2>stderr2.txt
		rc=$?
		if [ "$rc" -ne 1 ]; then
			why="exit status $rc without OUT, expected 1"
		elif ! cmp -s stderr.txt stderr2.txt; then
			why="a different message when OUT is missing"
		else
			no_stray fresh ""
		fi
	fi
	if [ -z "$why" ]; then
		pass "merge: $desc"
	else
		fail "merge: $desc: $why"
		{ echo "command: pgotool merge -o OUT $*"; head -c 2000 stderr.txt; } | say
		rm -f out/* fresh/*
		cp prev.pgo out/default.pgo
	fi
}

# edges_fails DESC NAME INPUT: pgotool edges fails on INPUT, naming NAME,
# and leaves an existing -o file alone.
edges_fails() {
	local desc=$1 name=$2 input=$3 rc
	why=
	echo "previous edges" >eout/edges.txt
	measured "$P" edges -o eout/edges.txt "$input" >stdout.txt 2>stderr.txt
	rc=$?
	if [ "$rc" -ne 1 ]; then
		why="exit status $rc, expected 1"
	elif ! rss_ok; then
		:
	elif [ -s stdout.txt ]; then
		why="output on stdout"
	elif ! err_line stderr.txt "pgotool edges: error: $name" "${OFFSET[$name]:-}"; then
		:
	elif [ "$(cat eout/edges.txt)" != "previous edges" ]; then
		why="the -o file was changed"
	else
		no_stray eout "edges.txt "
	fi
	if [ -z "$why" ]; then
		pass "edges: $desc"
	else
		fail "edges: $desc: $why"
		{ echo "command: pgotool edges -o OUT $input"; head -c 2000 stderr.txt; } | say
		rm -f eout/*
	fi
}

# bad KIND KEYWORD DESC: one bad input, after a good one (and alone for edges).
bad() {
	local kind=$1 keyword=$2 desc=$3 f="in/$1.pprof"
	make_input "$kind" "$f" || return
	merge_fails "$desc" "$f" "$keyword" in/good.pprof "$f"
	edges_fails "$desc" "$f" "$f"
}

# --- compression
bad trunc-gzip     'gzip'                  "truncated gzip"
bad gzip-crc       'gzip'                  "gzip with a bad CRC"
bad gzip-trailing  'gzip|trailing'         "gzip followed by garbage"
bad trunc-zstd     'zstd'                  "truncated zstd"

# --- hostile input: refused at its first bad field while it streams in,
# with the offset in the decompressed data (zeros are field number 0)
notpb='field number 0.*not a pprof profile'
bad gzip-bomb      "$notpb"                "gzip bomb (1.1 GiB of zeros in 1.1 MB)"
bad zstd-bomb      "$notpb"                "zstd bomb (1.1 GiB of zeros in 35 KB)"
bad gzip-bomb-4g   "$notpb"                "gzip bomb (4 GiB of zeros in 4 MB)"
bad zstd-bomb-4g   "$notpb"                "zstd bomb (4 GiB of zeros in 128 KB)"
bad gzip-bomb-string 'string_table.*1048576243 bytes.*not a pprof profile' \
	"gzip bomb: a valid profile, then a string of 1000 MiB of zeros (1 MB)"
bad gzip-json      'this is JSON, not a pprof profile \(offset 0 of the decompressed data: .*wire type 3' "8 MiB of JSON, gzipped"
bad junk           'not a pprof profile'   "8 MiB of junk"
bad gzip-bomb-samples 'more than [0-9]+ samples' \
	"gzip bomb: empty samples to past 1 GiB (1.2 MB)"
bad gzip-bomb-singular 'time_nanos.*not a pprof profile' \
	"gzip bomb: time_nanos, over and over, to past 1 GiB (1.2 MB)"
bad gzip-bomb-unknown 'unknown fields.*not a pprof profile' \
	"gzip bomb: an unknown field, over and over, to past 1 GiB (1.2 MB)"

# offset_under FILE MAX: the offset FILE's message names is below MAX, so
# the input was refused after at most about that much decompressed data.
offset_under() {
	local at
	at=$(sed -n 's/.*: offset \([0-9]*\) of the decompressed data: .*/\1/p' "$1")
	[ -n "$at" ] && [ "$at" -lt "$2" ]
}

# junk after a valid profile: where it stops depends on the junk, so the
# test reads the offset from the message
make_input gzip-junk in/gzip-junk.pprof
merge_fails "a valid profile, then 8 MiB of junk, gzipped" in/gzip-junk.pprof 'not a pprof profile' \
	in/good.pprof in/gzip-junk.pprof
check "merge: ... refused within its first 4 MiB" offset_under stderr.txt $((4 << 20))
edges_fails "a valid profile, then 8 MiB of junk, gzipped" in/gzip-junk.pprof in/gzip-junk.pprof
check "edges: ... refused within its first 4 MiB" offset_under stderr.txt $((4 << 20))

# an executable, gzipped: 0x7f "ELF" is field 15 of wire type 7
if command -v gzip >/dev/null; then
	gzip -c <"$P" >in/elf.pprof
	OFFSET[in/elf.pprof]="0 of the decompressed data"
	merge_fails "an ELF executable, gzipped" in/elf.pprof 'this is an ELF binary .*, not a pprof profile \(offset 0.*wire type 7' in/good.pprof in/elf.pprof
	edges_fails "an ELF executable, gzipped" in/elf.pprof in/elf.pprof
else
	fail "gzip (the command) is missing"
fi

# --- the protobuf wire format
bad varint-11         'varint'                 "11-byte varint"
bad varint-eof        'varint'                 "varint running past the end of the file"
bad varint-11-nested  'varint'                 "11-byte varint inside a Line"
bad varint-eof-nested 'varint'                 "varint running past the end of a Line"
bad len-overrun       'byte|length|remain'     "length-delimited field longer than the file"
bad group             'wire type|group'        "group wire type (3) at the top level"
bad group-nested      'wire type|group'        "group wire type inside a Function"
bad wire-type-7       'wire type'              "wire type 7"
bad field-zero        'field'                  "field number 0"

# --- pprof validity
bad string0            'string'                "string_table[0] is not empty"
bad string-index       'string'                "out-of-range string index"
bad string-index-huge  'string'                "string index of 2^63"
bad label-string-index 'string'                "out-of-range string index in a label"
bad zero-id-location   'location.*ID|ID.*location' "location with ID 0"
bad zero-id-function   'function.*ID|ID.*function' "function with ID 0"
bad zero-id-mapping    'mapping.*ID|ID.*mapping'   "mapping with ID 0"
bad dup-id-location    'location.*ID|ID.*location' "two locations with one ID"
bad dup-id-location-sparse 'location.*ID|ID.*location' "two locations with one sparse ID"
bad dup-id-function    'function.*ID|ID.*function' "two functions with one ID"
bad dup-id-mapping     'mapping.*ID|ID.*mapping'   "two mappings with one ID"
bad missing-function   'function 9'            "location referencing a missing function"
bad missing-mapping    'mapping 7'             "location referencing a missing mapping"
bad missing-location   'location 99'           "sample referencing a missing location"
bad missing-location-sparse 'location'         "sample referencing a missing sparse location"
bad missing-location-unpacked 'location 55'    "sample referencing a missing location (unpacked ids)"
bad values-few         'value'                 "sample with fewer values than sample types"
bad values-many        'value'                 "sample with more values than sample types"
bad samples-no-types   'sample type'           "samples without sample types"

# --- not a profile at all
bad script  ''  "a shell script"
bad text    ''  "a line of text"
bad random  ''  "4 KiB of random bytes"

# --- zip archives
# zipbad KIND NAME EDGES-NAME KEYWORD DESC: NAME is what merge blames
# (archive:entry for a bad entry), EDGES-NAME what edges blames (edges
# takes one profile, so it refuses an archive of two before decoding).
zipbad() {
	local kind=$1 name=$2 ename=$3 keyword=$4 desc=$5 f="in/$1.zip"
	make_input "$kind" "$f" || return
	# an offset mkbad reports is in the entry
	if [ -n "${OFFSET[$f]:-}" ]; then
		OFFSET[$name]=${OFFSET[$f]}
		OFFSET[$ename]=${OFFSET[$f]}
	fi
	merge_fails "$desc" "$name" "$keyword" in/good.pprof "$f"
	edges_fails "$desc" "$ename" "$f"
}
Z=in/zip
zipbad zip-empty     $Z-empty.zip               $Z-empty.zip               'zip|no profile' "empty zip archive"
zipbad zip-dir-only  $Z-dir-only.zip            $Z-dir-only.zip            'zip|no profile' "zip archive holding only a directory"
zipbad zip-truncated $Z-truncated.zip           $Z-truncated.zip           'zip'            "truncated zip archive"
zipbad zip-corrupt   $Z-corrupt.zip:cpu.pprof   $Z-corrupt.zip:cpu.pprof   'crc|corrupt'    "zip entry with a bad CRC"
zipbad zip-bad-entry $Z-bad-entry.zip:bad.pprof $Z-bad-entry.zip           'gzip'           "zip archive with a truncated gzip entry"

# eight 1000 MiB entries of zeros in an 8 MB archive: refused from the sizes
# the archive declares, before anything is inflated
zipbad zip-bomb      $Z-bomb.zip                $Z-bomb.zip                'limit'          "zip bomb (8 x 1000 MiB in 8 MB)"

# one entry of raw bytes that inflates to about 1 GiB, in an archive of 1 to
# 4 MB: refused as it inflates, at its first bad field, with the offset in
# the entry; a file that is not a profile at all (merge skips a small one,
# as metrics.json) from the size it declares
zipbad zip-zeros      $Z-zeros.zip:cpu.pprof      $Z-zeros.zip:cpu.pprof \
	'not a pprof profile.*more than the 67108864' "zip entry of 992 MiB of zeros (1 MB)"
zipbad zip-huge-field $Z-huge-field.zip:cpu.pprof $Z-huge-field.zip:cpu.pprof \
	'string_table entry.*claims 1048575985 bytes.*not a pprof profile' \
	"zip entry: a valid raw profile, then a string of 1000 MiB of zeros (1 MB)"

# junk: where it stops depends on the junk, so the test reads the offset
# from the message
entry_offset_under() { # FILE MAX: the offset in the entry FILE's message names is below MAX
	local at
	at=$(sed -n 's/^[^ ]* [^ ]* error: [^ ]*: offset \([0-9]*\): .*/\1/p' "$1")
	[ -n "$at" ] && [ "$at" -lt "$2" ]
}
make_input zip-junk in/zip-junk.zip
merge_fails "zip entry of 1000 MiB of junk (4 MB)" $Z-junk.zip:cpu.pprof 'not a pprof profile' \
	in/good.pprof in/zip-junk.zip
check "merge: ... refused within its first MiB" entry_offset_under stderr.txt $((1 << 20))
edges_fails "zip entry of 1000 MiB of junk (4 MB)" $Z-junk.zip:cpu.pprof in/zip-junk.zip
check "edges: ... refused within its first MiB" entry_offset_under stderr.txt $((1 << 20))

# a gzip entry whose deflate blocks are stored: 300 MiB of zeros that the zip
# deflates to 0.3 MB. Compressed data does not compress again, so it is
# refused from the sizes the archive declares, before it is read whole.
python3 - in/zip-gzip-stored.zip <<'PY'
import struct, sys, zipfile, zlib
n = 300 << 20
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z, z.open("cpu.pprof", "w") as f:
    f.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff")
    block, left, crc = bytes(65535), n, 0
    while left:
        k = min(65535, left)
        left -= k
        f.write(bytes([left == 0]) + struct.pack("<HH", k, k ^ 0xFFFF) + block[:k])
        crc = zlib.crc32(block[:k], crc)
    f.write(struct.pack("<II", crc, n & 0xFFFFFFFF))
PY
merge_fails "zip entry of gzip with stored blocks: 300 MiB of zeros in 0.3 MB" $Z-gzip-stored.zip:cpu.pprof \
	'compressed data does not compress again' in/good.pprof in/zip-gzip-stored.zip
edges_fails "zip entry of gzip with stored blocks: 300 MiB of zeros in 0.3 MB" $Z-gzip-stored.zip:cpu.pprof \
	in/zip-gzip-stored.zip

# --- empty inputs: merge fails, edges prints the bare header like go tool preprofile
for kind in empty empty-gzip; do
	f="in/$kind.pprof"
	make_input "$kind" "$f" || continue
	merge_fails "$kind file" "$f" 'empty|no profile' in/good.pprof "$f"
	"$P" edges "$f" >stdout.txt 2>stderr.txt
	rc=$?
	if [ "$rc" -eq 0 ] && [ ! -s stderr.txt ] && cmp -s stdout.txt <(printf 'GO PREPROFILE V1\n'); then
		pass "edges: $kind file is an empty profile"
	else
		fail "edges: $kind file is an empty profile (exit $rc)"
		head -c 2000 stderr.txt | say
	fi
done

# --- standard input is named <stdin>
stdin_name="<stdin>"
make_input varint-11 in/stdin.pprof
OFFSET[$stdin_name]=${OFFSET[in/stdin.pprof]}
STDIN_FROM=in/stdin.pprof
merge_fails "bad input on stdin" "$stdin_name" 'varint' -
STDIN_FROM=/dev/null
"$P" edges - <in/stdin.pprof >stdout.txt 2>stderr.txt
rc=$?
why=
if [ "$rc" -eq 1 ] && [ ! -s stdout.txt ] &&
	err_line stderr.txt "pgotool edges: error: $stdin_name" "${OFFSET[$stdin_name]}" varint; then
	pass "edges: bad input on stdin"
else
	fail "edges: bad input on stdin (exit $rc) $why"
	head -c 2000 stderr.txt | say
fi

# --- valid profiles that cannot be merged with each other
for other in other-types:'sample type' other-period:'period'; do
	kind=${other%%:*} keyword=${other#*:}
	for order in 1 2; do
		if [ $order = 1 ]; then set -- in/good.pprof "in/$kind.pprof"; else set -- "in/$kind.pprof" in/good.pprof; fi
		"$P" merge -o out/default.pgo "$@" >stdout.txt 2>stderr.txt
		rc=$?
		why=
		# the message names one input and compares it with the other
		if [ "$rc" -ne 1 ]; then
			why="exit status $rc, expected 1"
		elif err_line stderr.txt "pgotool merge: error: in/$kind.pprof" "" "$keyword" ||
			err_line stderr.txt "pgotool merge: error: in/good.pprof" "" "$keyword"; then
			why=
			if ! grep -qF "in/good.pprof" stderr.txt || ! grep -qF "in/$kind.pprof" stderr.txt; then
				why="stderr does not name both inputs"
			elif ! cmp -s out/default.pgo prev.pgo; then
				why="OUT was changed"
			else
				no_stray out "default.pgo "
			fi
		fi
		if [ -z "$why" ]; then
			pass "merge: incompatible $kind ($order)"
		else
			fail "merge: incompatible $kind ($order): $why"
			head -c 2000 stderr.txt | say
			rm -f out/* && cp prev.pgo out/default.pgo
		fi
	done
	check "edges: $kind alone is fine" bash -c "'$P' edges in/$kind.pprof >/dev/null"
done

# --- after all that, a valid merge still works and replaces OUT
"$P" merge -o out/default.pgo in/good.pprof in/good-gzip.pprof in/good-zstd.pprof in/good2.zip \
	>stdout.txt 2>stderr.txt
rc=$?
check "a valid merge afterwards exits 0 quietly" bash -c "[ $rc -eq 0 ] && [ ! -s stdout.txt ] && [ ! -s stderr.txt ]"
check "and replaces OUT" bash -c "! cmp -s out/default.pgo prev.pgo"
why=
check "and leaves no temporary file" no_stray out "default.pgo "
# five copies of one profile: every edge weighs five times as much
awk 'NR > 1 && (NR - 1) % 3 == 0 { $2 *= 5 } { print }' good.edges >want.edges
"$P" edges out/default.pgo >got.edges 2>stderr.txt
check "and its edges are five times those of one copy" cmp -s got.edges want.edges
check "the good profile has edges at all" bash -c "[ \$(wc -l <good.edges) -ge 4 ]"
"$P" edges in/good.zip >zip.edges 2>/dev/null
check "edges of a one-profile zip archive" cmp -s zip.edges good.edges

# --- hash seeds: each process seeds its lookup tables (interned strings,
# sparse ID maps) from the kernel's AT_RANDOM, so that a profile cannot be
# written to make them collide. Outputs must not depend on it: the same
# merge in separate processes (different seeds) gives the same bytes.
make_input good-sparse in/good-sparse.pprof
seeded=(in/good.pprof in/good-sparse.pprof in/good-zstd.pprof "$GRPC_PPROF")
for f in "$PGO_SRC"/examples/profiles/burn-*.pprof; do seeded+=("$f"); done
same_in_runs() { # DESC CMD...: three runs of CMD print the same bytes
	local desc=$1 i ok=true
	shift
	for i in 1 2 3; do
		"$@" >"seed$i.out" 2>"seed$i.err" || ok=false
	done
	if $ok && [ -s seed1.out ] && cmp -s seed1.out seed2.out && cmp -s seed1.out seed3.out; then
		pass "$desc: the same bytes in three processes"
	else
		fail "$desc: the same bytes in three processes"
		cat seed1.err | say
	fi
}
same_in_runs "merge" "$P" merge "${seeded[@]}"
same_in_runs "merge --compact" "$P" merge --compact "${seeded[@]}"
same_in_runs "merge --keep-labels" "$P" merge --keep-labels "${seeded[@]}"
"$P" merge -o seeded.pgo "${seeded[@]}" 2>/dev/null
same_in_runs "edges of the merge" "$P" edges seeded.pgo
same_in_runs "edges of a profile with sparse IDs" "$P" edges in/good-sparse.pprof

done_testing
