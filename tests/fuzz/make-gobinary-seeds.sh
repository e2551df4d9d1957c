#!/usr/bin/env bash
# tests/fuzz/make-gobinary-seeds.sh [DIR]: writes the seeds of fuzz_gobinary
# (default DIR: tests/fuzz/corpus-fuzz_gobinary). A real Go binary is a few
# MB, too big for a seed, so most seeds are small ELF objects whose DWARF is
# written by hand in assembly: a Go compile unit (DW_LANG_Go) with a few
# DW_TAG_subprogram entries, and the section that marks a file as built by
# Go (.go.buildinfo with a -pgo= line, .gopclntab or .note.go.buildid).
# Needs cc, as and objcopy (binutils). The output is the same on every run
# with the same tools.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/corpus-fuzz_gobinary}
mkdir -p "$out"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gobinary-seeds.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

# The DWARF of a Go package: VERSION (4 or 5) decides the unit header.
go_dwarf() {
	local version=$1
	cat <<EOF
	.section .debug_abbrev,"",@progbits
	.uleb128 1              # compile unit
	.uleb128 0x11
	.byte 1                 # with children
	.uleb128 0x03, 0x08     # DW_AT_name, DW_FORM_string
	.uleb128 0x13, 0x0b     # DW_AT_language, DW_FORM_data1
	.uleb128 0, 0
	.uleb128 2              # subprogram with a line
	.uleb128 0x2e
	.byte 0
	.uleb128 0x03, 0x08     # DW_AT_name, DW_FORM_string
	.uleb128 0x3b, 0x0f     # DW_AT_decl_line, DW_FORM_udata
	.uleb128 0x20, 0x0b     # DW_AT_inline, DW_FORM_data1
	.uleb128 0, 0
	.uleb128 3              # subprogram without a line (a wrapper)
	.uleb128 0x2e
	.byte 0
	.uleb128 0x03, 0x08
	.uleb128 0, 0
	.uleb128 4              # a variable: not a function
	.uleb128 0x34
	.byte 0
	.uleb128 0x03, 0x08
	.uleb128 0, 0
	.uleb128 0

	.section .debug_info,"",@progbits
	.long .Lend - .Lstart   # unit_length
.Lstart:
EOF
	if [ "$version" = 5 ]; then
		printf '\t.short 5\n\t.byte 1                 # DW_UT_compile\n\t.byte 8\n\t.long 0\n'
	else
		printf '\t.short 4\n\t.long 0                 # .debug_abbrev offset\n\t.byte 8\n'
	fi
	cat <<EOF
	.uleb128 1
	.asciz "example.com/app"
	.byte 0x16              # DW_LANG_Go
	.uleb128 2
	.asciz "main.main"
	.uleb128 12
	.byte 0
	.uleb128 2
	.asciz "example.com/app/internal/q.(*Queue).Push"
	.uleb128 300
	.byte 1                 # DW_INL_inlined
	.uleb128 4
	.asciz "main.counter"
	.uleb128 3
	.asciz "type:.eq.main.T"
	.uleb128 2
	.asciz "main.main.func1"
	.uleb128 40
	.byte 0
EOF
	# enough alike entries that compressing the DWARF pays
	for i in $(seq 1 24); do
		printf '\t.uleb128 2\n\t.asciz "example.com/app/internal/handlers.handle%d"\n\t.uleb128 %d\n\t.byte 0\n' \
			"$i" $((100 + 10 * i))
	done
	printf '\t.byte 0                 # end of the children\n.Lend:\n'
}

# The module information `go version -m` prints, as .go.buildinfo holds it
# (with a header like Go's, "\xff Go buildinf:").
buildinfo() {
	printf '\377 Go buildinf:\010\002'
	head -c 16 /dev/zero
	printf 'path\texample.com/app\nmod\texample.com/app\t(devel)\t\n'
	printf 'build\t-buildmode=exe\nbuild\t-compiler=gc\n'
	[ -n "${1:-}" ] && printf 'build\t-pgo=%s\n' "$1"
	printf 'build\tCGO_ENABLED=0\nbuild\tGOARCH=amd64\nbuild\tGOOS=linux\n'
}

go_dwarf 4 >go4.s
go_dwarf 5 >go5.s
as --64 -o go4.o go4.s
as --64 -o go5.o go5.s
as --32 -o go4-32.o go4.s
buildinfo /home/me/app/default.pgo >buildinfo-pgo
buildinfo >buildinfo-nopgo
printf 'go pclntab' >pclntab
printf '\004\000\000\000\010\000\000\000\004\000\000\000Go\000\000abcdefgh' >buildid

add() { # add IN OUT SECTION FILE
	objcopy --add-section "$3=$4" --set-section-flags "$3=alloc,readonly,data" "$1" "$2"
}

# Go, with DWARF: what the reader accepts.
add go4.o "$out/go-dwarf4-pgo.o" .go.buildinfo buildinfo-pgo
add go5.o "$out/go-dwarf5-nopgo.o" .go.buildinfo buildinfo-nopgo
add go4.o "$out/go-pclntab.o" .gopclntab pclntab
add go5.o "$out/go-buildid.o" .note.go.buildid buildid
add go4-32.o "$out/go-elf32-pgo.o" .go.buildinfo buildinfo-pgo
# Compressed DWARF: the ELF compression header (SHF_COMPRESSED), and the
# older GNU .zdebug sections when objcopy still writes them, and zstd (which
# a libdw built without zstd refuses).
objcopy --compress-debug-sections=zlib "$out/go-dwarf4-pgo.o" "$out/go-dwarf4-zlib.o"
objcopy --compress-debug-sections=zlib "$out/go-dwarf5-nopgo.o" "$out/go-dwarf5-zlib.o"
if objcopy --compress-debug-sections=zlib-gnu "$out/go-dwarf4-pgo.o" zgnu.o 2>/dev/null; then
	cp zgnu.o "$out/go-dwarf4-zlib-gnu.o"
fi
if objcopy --compress-debug-sections=zstd "$out/go-dwarf4-pgo.o" zstd.o 2>/dev/null &&
	readelf -SW zstd.o | grep -q 'debug_info.* C '; then
	cp zstd.o "$out/go-dwarf4-zstd.o"
fi
# Compressed sections that declare more than the reader's limit (2 GiB in
# all): a .zdebug header with 2 GiB + 1, and an ELF compression header
# (its ch_size at byte 8 of a 64-bit Elf64_Chdr) with 4 GiB.
objcopy --dump-section .zdebug_info=zinfo "$out/go-dwarf4-zlib-gnu.o" zgnu.o
{ printf 'ZLIB\000\000\000\000\200\000\000\001'; tail -c +13 zinfo; } >zbomb
objcopy --update-section .zdebug_info=zbomb "$out/go-dwarf4-zlib-gnu.o" "$out/go-zlib-gnu-bomb.o"
cp "$out/go-dwarf4-zlib.o" "$out/go-zlib-bomb.o"
at=$(readelf -SW "$out/go-zlib-bomb.o" | sed "s/^ *\[ *[0-9]*\]//" | awk '$1 == ".debug_info" { print $4 }')
printf '\000\000\000\000\001\000\000\000' |
	dd of="$out/go-zlib-bomb.o" bs=1 seek=$((0x$at + 8)) conv=notrunc status=none
# Go without DWARF (-ldflags=-w).
objcopy --strip-debug "$out/go-dwarf4-pgo.o" "$out/go-nodwarf.o"

# A DW_AT_sibling that points back, which would loop a reader that
# follows it: libdw refuses it.
cat >sibling.s <<EOF
	.section .debug_abbrev,"",@progbits
	.uleb128 1, 0x11
	.byte 1
	.uleb128 0x03, 0x08, 0x13, 0x0b, 0, 0
	.uleb128 2, 0x2e
	.byte 0
	.uleb128 0x03, 0x08, 0, 0
	.uleb128 3, 0x2e
	.byte 1
	.uleb128 0x03, 0x08, 0x01, 0x13, 0, 0
	.uleb128 0
	.section .debug_info,"",@progbits
.Lunit:
	.long .Lend - .Lstart
.Lstart:
	.short 4
	.long 0
	.byte 8
	.uleb128 1
	.asciz "example.com/app"
	.byte 0x16
.Lfirst:
	.uleb128 2
	.asciz "main.first"
	.uleb128 3
	.asciz "main.second"
	.long .Lfirst - .Lunit  # DW_AT_sibling, back to main.first
	.byte 0
	.byte 0
.Lend:
EOF
as --64 -o sibling.o sibling.s
add sibling.o "$out/go-sibling-back.o" .gopclntab pclntab

# C, from the compiler: not Go (refused early), and marked as Go but with
# no Go compile unit.
printf 'int add(int a, int b) { return a + b; }\n' >c.c
cc -g -O0 -fdebug-prefix-map="$tmp"=. -c -o c.o c.c
cp c.o "$out/c-dwarf.o"
add c.o "$out/c-marked-go.o" .go.buildinfo buildinfo-pgo
