#!/usr/bin/env bash
# make install, into a staged root under $TEST_TMP (cmake --install with
# DESTDIR and --prefix /usr, as `make install` runs it):
#  - the layout: each component (tool, lib, dev) installs exactly its files,
#    and a whole install holds them and only what the other rules install;
#    `make install` installs through cmake --install and runs no test;
#  - the installed pgotool runs (--version, --help);
#  - libpgo.pc: a C program built with `pkg-config --cflags --libs libpgo`
#    against the shared libpgo, and with --static against libpgo.a, decodes
#    a profile through pgo.h and prints what `pgotool edges` prints; the
#    shared library has its SONAME and exports pgo.h's functions only;
#  - the man pages: one per command `pgotool --help` lists; each renders
#    without a warning, its NAME is the command's summary, and it holds every
#    line of the command's --help; every option and command it names exists;
#  - bash completion completes commands and each command's options, exactly
#    those of its --help, and option values; zsh's compinit finds the zsh
#    completion, and an interactive zsh (on a pty) completes with it (when
#    zsh is installed: scripts/install-deps.sh installs it).
. "$(dirname "$0")/lib.sh"
# lexgrog (man-db) and zsh are optional outside CI.
for tool in cc pkg-config groff readelf nm $([ "${CI:-}" = true ] && echo lexgrog zsh); do
	command -v "$tool" >/dev/null 2>&1 && continue
	[ "${CI:-}" = "true" ] && { echo "FATAL: $test_name needs $tool (scripts/install-deps.sh installs it)"; exit 1; }
	echo "SKIP: $test_name: $tool is not installed"
	exit 77
done

P=$PGOTOOL
root=$TEST_TMP/root
bail() {
	fail "$*"
	done_testing
}

version=$("$P" --version) || bail "pgotool --version"
version=${version#pgotool }
# The SONAME's version: major.minor while the major version is 0.
major=${version%%.*}
minor=${version#*.}
minor=${minor%%.*}
if [ "$major" = 0 ]; then soversion=$major.$minor; else soversion=$major; fi
libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:[A-Z]*=//p' "$PGO_BUILD/CMakeCache.txt")
[ -n "$libdir" ] || bail "no CMAKE_INSTALL_LIBDIR in $PGO_BUILD/CMakeCache.txt"
# share/zsh/site-functions, or vendor-completions for /usr on Debian.
# This test installs to /usr: on Debian, whose zsh reads only that one.
zshdir=$(sed -n 's/^PGO_ZSH_DIR_USR:[A-Z]*=//p' "$PGO_BUILD/CMakeCache.txt")
want_zshdir=share/zsh/site-functions
[ -f /etc/debian_version ] && want_zshdir=share/zsh/vendor-completions
[ -n "$(sed -n 's/^PGO_ZSH_FUNCTIONS_DIR:[A-Z]*=\(.\)/\1/p' "$PGO_BUILD/CMakeCache.txt")" ] && want_zshdir=$zshdir
[ "$zshdir" = "$want_zshdir" ] ||
	bail "PGO_ZSH_DIR_USR in $PGO_BUILD/CMakeCache.txt is \"$zshdir\", not $want_zshdir"
# A sanitizer build installs an instrumented libpgo: programs built against
# it need the same runtime, and the runtime cannot be linked with -static.
sanitize=""
[ "$(sed -n 's/^PGO_SANITIZE:BOOL=//p' "$PGO_BUILD/CMakeCache.txt")" = ON ] && sanitize="-fsanitize=address,undefined"
commands=$("$P" --help | sed -n '/^Commands:$/,/^$/s/^  \([a-z][-a-z0-9]*\) .*/\1/p')
[ -n "$commands" ] || bail "pgotool --help lists no commands"

# ---- the layout --------------------------------------------------------------

# install_to DIR [--component C]: cmake --install into DIR with prefix /usr.
install_to() {
	local dir=$1; shift
	DESTDIR=$dir cmake --install "$PGO_BUILD" --prefix /usr "$@" >"$dir.log" 2>&1
}
# files DIR: its files and symlinks, relative, sorted (none when an install
# made no DIR: the component has no files).
files() { [ ! -d "$1" ] || (cd "$1" && find . ! -type d | sed 's|^\./||' | LC_ALL=C sort); }

{
	echo usr/bin/pgotool
	echo usr/share/man/man1/pgotool.1
	for c in $commands; do echo "usr/share/man/man1/pgotool-$c.1"; done
	echo usr/share/bash-completion/completions/pgotool
	echo "usr/$zshdir/_pgotool"
} | LC_ALL=C sort >want-tool
echo "usr/$libdir/libpgo.so.$version" >want-lib
[ "$soversion" = "$version" ] || echo "usr/$libdir/libpgo.so.$soversion" >>want-lib
LC_ALL=C sort -o want-lib want-lib
printf '%s\n' usr/include/pgo.h "usr/$libdir/libpgo.a" "usr/$libdir/libpgo.so" \
	"usr/$libdir/pkgconfig/libpgo.pc" | LC_ALL=C sort >want-dev

LC_ALL=C sort -u want-tool want-lib want-dev >want-all
# Each component holds its files and none of the others' (packaging may add
# files of its own to them).
for comp in tool lib dev Unspecified; do
	install_to "$TEST_TMP/c-$comp" --component "$comp" || { cat "$TEST_TMP/c-$comp.log"; bail "install $comp"; }
	files "$TEST_TMP/c-$comp" >"got-$comp"
	[ -f "want-$comp" ] || : >"want-$comp"
	missing=$(LC_ALL=C comm -23 "want-$comp" "got-$comp")
	[ "$comp" = Unspecified ] || # it has no files of its own: only the check for strays below applies
		check "the $comp component installs its files${missing:+ (not: $missing)}" test -z "$missing"
	stray=$(LC_ALL=C comm -12 <(LC_ALL=C comm -23 want-all "want-$comp") "got-$comp")
	check "the $comp component installs none of the others' files${stray:+ (but: $stray)}" test -z "$stray"
done

install_to "$root" || { cat "$root.log"; bail "cmake --install $PGO_BUILD --prefix /usr (DESTDIR=$root)"; }
files "$root" >got-all
LC_ALL=C sort -u got-tool got-lib got-dev got-Unspecified >got-components
check "a whole install holds every component's files, and nothing else" cmp -s got-components got-all
missing=$(LC_ALL=C comm -23 want-all got-all)
check "a whole install holds pgotool's and libpgo's files${missing:+ (not: $missing)}" test -z "$missing"
lib=$root/usr/$libdir
if [ -z "$(sed -n 's/^PGO_ZSH_FUNCTIONS_DIR:[A-Z]*=\(.\)/\1/p' "$PGO_BUILD/CMakeCache.txt")" ]; then
	DESTDIR=$TEST_TMP/local cmake --install "$PGO_BUILD" --prefix /usr/local --component tool >local.log 2>&1
	check "under the prefix /usr/local the zsh completion goes to share/zsh/site-functions, which zsh reads there" \
		test -f "$TEST_TMP/local/usr/local/share/zsh/site-functions/_pgotool"
fi
check "bin/pgotool is executable" test -x "$root/usr/bin/pgotool" -a ! -L "$root/usr/bin/pgotool"
check "libpgo.so.$soversion links to libpgo.so.$version" \
	test "$(readlink "$lib/libpgo.so.$soversion")" = "libpgo.so.$version" -o "$soversion" = "$version"
check "libpgo.so links to libpgo.so.$soversion" test "$(readlink "$lib/libpgo.so")" = "libpgo.so.$soversion"
check "libpgo's SONAME is libpgo.so.$soversion" \
	grep -q "(SONAME) *Library soname: \[libpgo.so.$soversion\]" <(readelf -d "$lib/libpgo.so.$version")
check "pgo.h is the source's" cmp -s "$root/usr/include/pgo.h" "$PGO_SRC/include/pgo.h"
check "libpgo.pc's prefix is the one installed to" grep -qx 'prefix=/usr' "$lib/pkgconfig/libpgo.pc"

# make install: the same cmake --install, and no test on the way.
make -n -C "$PGO_SRC" install BUILD="$PGO_BUILD" PREFIX=/opt/pgo DESTDIR="$TEST_TMP/make-root" >make-n.txt 2>&1
check "make install runs cmake --install with DESTDIR" grep -q "DESTDIR=\"\\?$TEST_TMP/make-root\"\\? cmake --install" make-n.txt
check "make install installs under PREFIX" grep -q "CMAKE_INSTALL_PREFIX=/opt/pgo" make-n.txt
check "make install runs no test" test -z "$(grep -E 'ctest|make.* test' make-n.txt)"

# ---- the installed binary ----------------------------------------------------

check "the installed pgotool --version says $version" test "$("$root/usr/bin/pgotool" --version)" = "pgotool $version"
"$root/usr/bin/pgotool" --help >installed-help.txt
check "the installed pgotool --help is the built one's" cmp -s installed-help.txt <("$P" --help)
"$root/usr/bin/pgotool" edges "$GRPC_PPROF" >installed-edges.txt
check "the installed pgotool runs a command" cmp -s installed-edges.txt <("$P" edges "$GRPC_PPROF")

# ---- libpgo through pkg-config ----------------------------------------------

cat >edges.c <<'EOF'
/* What `pgotool edges FILE` prints, through libpgo's public API. */
#include <pgo.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: edges PROFILE\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	static uint8_t data[16 << 20];
	size_t n = fread(data, 1, sizeof data, f);
	fclose(f);
	pgo_error err;
	pgo_profile *p = NULL;
	pgo_edges e;
	char *text;
	size_t size;
	if (pgo_decode(data, n, argv[1], NULL, &p, &err) != PGO_OK || pgo_edges_compute(p, &e, &err) != PGO_OK ||
	    pgo_edges_format(p, &e, &text, &size, &err) != PGO_OK) {
		fprintf(stderr, "libpgo %s: %s: %s\n", PGO_VERSION, pgo_status_name(err.status), err.message);
		return 1;
	}
	fwrite(text, 1, size, stdout);
	free(text);
	pgo_edges_free(&e);
	pgo_profile_free(p);
	return 0;
}
EOF
"$P" edges "$GRPC_PPROF" >want-edges.txt || bail "pgotool edges $GRPC_PPROF"
export PKG_CONFIG_PATH="$lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$root"
check "pkg-config knows libpgo $version" test "$(pkg-config --modversion libpgo)" = "$version"
cflags=$(pkg-config --cflags libpgo) && libs=$(pkg-config --libs libpgo) &&
	static_libs=$(pkg-config --static --libs libpgo) || bail "pkg-config --cflags --libs libpgo"
check "pkg-config --cflags points into the staged root" test "$(echo $cflags)" = "-I$root/usr/include"
# shellcheck disable=SC2086 # the flags are words
if cc -std=c17 -Wall -Wextra -Werror -pedantic $sanitize $cflags -o edges-shared edges.c $libs 2>cc-shared.err; then
	pass "a program builds with pkg-config --cflags --libs libpgo"
	check "it links the shared libpgo.so.$soversion" \
		grep -q "(NEEDED) *Shared library: \[libpgo.so.$soversion\]" <(readelf -d edges-shared)
	LD_LIBRARY_PATH=$lib ./edges-shared "$GRPC_PPROF" >shared-edges.txt 2>shared.err
	check "with the staged libpgo.so it prints what pgotool edges prints" cmp -s want-edges.txt shared-edges.txt
	check "and loads it from the staged root" \
		grep -q "libpgo.so.$soversion => $lib/libpgo.so.$soversion" <(LD_LIBRARY_PATH=$lib ldd ./edges-shared)
else
	cat cc-shared.err
	fail "a program builds with pkg-config --cflags --libs libpgo"
fi
# Under a sanitizer, libpgo.a by its path (the runtime is a shared library),
# and the rest of pkg-config --static's libraries.
static=-static
[ -n "$sanitize" ] && static="" && static_libs=$(echo " $static_libs " | sed "s| -lpgo | $lib/libpgo.a |")
# shellcheck disable=SC2086
if cc -std=c17 $static $sanitize $cflags -o edges-static edges.c $static_libs 2>cc-static.err; then
	pass "a static program builds with pkg-config --static --libs libpgo"
	if [ -z "$sanitize" ]; then
		check "it has no dynamic section" test -z "$(readelf -d edges-static 2>&1 | grep NEEDED)"
	else
		check "it holds libpgo.a, not libpgo.so (a sanitizer build)" test -z "$(readelf -d edges-static | grep 'libpgo\.so')"
	fi
	env -u LD_LIBRARY_PATH ./edges-static "$GRPC_PPROF" >static-edges.txt 2>static.err
	check "it prints what pgotool edges prints" cmp -s want-edges.txt static-edges.txt
else
	cat cc-static.err
	fail "a static program builds with pkg-config --static --libs libpgo"
fi
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR

# The shared library's interface is pgo.h: every function it declares, and
# none of lib/internal.h's.
nm -D --defined-only "$lib/libpgo.so.$version" | awk '$2 ~ /^[TDRB]$/ {print $3}' | LC_ALL=C sort >exported.txt
# pgo.h's declarations, without its comments (the preprocessor drops them):
# NAME( or NAME[ .
cc -fpreprocessed -dD -E -P "$PGO_SRC/include/pgo.h" | grep -oE '\bpgo_[a-z0-9_]+ *[[(]' |
	sed 's/ *[[(]$//' | LC_ALL=C sort -u >declared.txt
check "libpgo.so exports what pgo.h declares, and nothing else" cmp -s declared.txt exported.txt
check "libpgo.so keeps lib/internal.h's functions to itself (pgo_hash_seed)" test -z "$(grep -x pgo_hash_seed exported.txt)"
check "libpgo.so exports some 50 functions" test "$(wc -l <exported.txt)" -gt 50

# ---- man pages ---------------------------------------------------------------

man=$root/usr/share/man/man1
# Plain text: no overstriking, no hyphenation, typographic dashes and quotes
# back to ASCII; blanks folded to single spaces.
fold() { sed 's/\xe2\x80\x90/-/g; s/\xe2\x88\x92/-/g; s/\xe2\x80\x98/`/g; s/\xe2\x80\x99/'"'"'/g' | tr -s '[:space:]' ' '; }
render() { groff -man -Tutf8 -rHY=0 -rLL=100n -P-cbou "$1" 2>/dev/null; }

# check_page PAGE HELPFILE CMD: the page of CMD ("" for pgotool).
check_page() {
	local page=$1 help=$2 cmd=$3 name line missing= text warnings summary
	warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
	check "$(basename "$page") renders without a warning${warnings:+: $warnings}" test -z "$warnings"
	if command -v lexgrog >/dev/null 2>&1; then
		name=pgotool${cmd:+-$cmd}
		if [ -n "$cmd" ]; then
			summary=$(sed -n "s/^  $cmd  *//p" top-help.txt)
		else
			# "Continuous profile-guided optimization for Go: merge ..."
			summary=$(awk 'NR == 3 { sub(/:.*/, ""); print tolower(substr($0, 1, 1)) substr($0, 2) }' top-help.txt)
		fi
		check "$(basename "$page"): its NAME is \"$name - $summary\"" \
			test "$(lexgrog "$page")" = "$page: \"$name - $summary\""
	fi
	text=$(render "$page" | fold)
	while IFS= read -r line; do
		line=$(printf '%s' "${line#usage: }" | fold)
		line=${line# }
		line=${line% }
		case $line in "" | Options: | Commands:) continue ;; esac
		[[ $text == *"$line"* ]] || missing+="  $line"$'\n'
	done <"$help"
	check "$(basename "$page") holds every line of its --help" test -z "$missing"
	[ -z "$missing" ] || printf 'not in %s:\n%s' "$page" "$missing"
}

"$P" --help >top-help.txt
check_page "$man/pgotool.1" top-help.txt ""
for c in $commands; do
	"$P" "$c" --help >"help-$c.txt"
	check_page "$man/pgotool-$c.1" "help-$c.txt" "$c"
done

# Every command that pgotool(1) names (COMMANDS, SEE ALSO) exists.
render "$man/pgotool.1" >pgotool.1.txt
named=$( (sed -n '/^COMMANDS/,/^OPTIONS/s/^       \([a-z][-a-z0-9]*\)$/\1/p' pgotool.1.txt
	grep -oE 'pgotool-[a-z][-a-z0-9]*\(1\)' pgotool.1.txt | sed 's/^pgotool-//; s/(1)$//') | sort -u)
check "pgotool(1) names the commands" test "$(echo "$named" | wc -w)" -ge "$(echo "$commands" | wc -w)"
for c in $named; do
	check "pgotool(1) names $c, a command" eval '"$P" help "$c" >/dev/null 2>&1'
done

# Every option a page names exists: `pgotool CMD --OPT=@ --zz-not-a-flag` is
# a usage error about something else than --OPT.
"$P" merge --zz-nope=@ >/dev/null 2>unknown.err
check "an option that does not exist is a usage error that names it" grep -q 'unknown flag: -zz-nope' unknown.err
for c in $commands; do
	render "$man/pgotool-$c.1" | sed -n '/^OPTIONS/,/^SEE ALSO/p' |
		grep -oE '^       (-[a-zA-Z0-9], )?--[a-zA-Z0-9][-a-zA-Z0-9]*' | grep -oE -- '-[-a-zA-Z0-9]+' >"opts-$c.txt"
	[ -s "opts-$c.txt" ] || { fail "pgotool-$c(1) lists options"; continue; }
	bad=
	while read -r opt; do
		"$P" "$c" "$opt=@" --zz-not-a-flag >/dev/null 2>opt.err
		rc=$?
		if [ "$rc" != 2 ] || grep -qE "unknown flag: -${opt#"${opt%%[!-]*}"}(;|$)" opt.err; then
			bad+=" $opt"
		fi
	done <"opts-$c.txt"
	check "pgotool-$c(1) names only options pgotool $c takes${bad:+ (not:$bad)}" test -z "$bad"
done

# ---- bash completion ---------------------------------------------------------

bashcomp=$root/usr/share/bash-completion/completions/pgotool
# complete WORD...: the completions bash offers for the command line WORD...,
# the last word being the one completed, as bash calls the function.
complete_line() {
	bash -c '
		source "$1" || exit 1
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_pgotool pgotool "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		(( ${#COMPREPLY[@]} )) && printf "%s\n" "${COMPREPLY[@]}"' complete "$bashcomp" "$@" | LC_ALL=C sort | tr '\n' ' '
}
check "bash completes 'pgotool me' to merge" test "$(complete_line pgotool me)" = "merge "
check "bash completes 'pgotool merge --com' to --compact" test "$(complete_line pgotool merge --com)" = "--compact "
check "bash completes 'pgotool help ins' to inspect" test "$(complete_line pgotool help ins)" = "inspect "
check "bash completes 'pgotool fetch --endpoint ' to gopgo and list" \
	test "$(complete_line pgotool fetch --endpoint '')" = "gopgo list "
check "bash completes 'pgotool fetch --endpoint=g' (split at =) to gopgo" \
	test "$(complete_line pgotool fetch --endpoint = g)" = "gopgo "
check "bash completes 'pgotool serve --retention ' to nothing" test "$(complete_line pgotool serve --retention '')" = ""
mkdir -p pick/dir && touch pick/file
check "bash completes 'pgotool serve --data pick/' to directories" test "$(complete_line pgotool serve --data pick/)" = "pick/dir "
check "bash completes 'pgotool merge pick/f' to files" test "$(complete_line pgotool merge pick/f)" = "pick/file "
want=$(printf '%s\n' $commands help version | LC_ALL=C sort | tr '\n' ' ')
check "bash completes 'pgotool ' to every command" test "$(complete_line pgotool '')" = "$want"
for c in $commands; do
	want=$( (grep -oE '^  (-[a-zA-Z0-9], |    )--[a-zA-Z0-9][-a-zA-Z0-9]*' "help-$c.txt" | grep -oE -- '-[-a-zA-Z0-9]+'
		echo --help) | LC_ALL=C sort | tr '\n' ' ')
	check "bash completes 'pgotool $c -' to the options of its --help" test "$(complete_line pgotool "$c" -)" = "$want"
done

# ---- zsh completion ----------------------------------------------------------

zshcomp=$root/usr/$zshdir/_pgotool
if command -v zsh >/dev/null 2>&1; then
	check "the zsh completion parses" zsh -n "$zshcomp"
	check "zsh's compinit finds it for pgotool" test "$(zsh -f -c '
		fpath=("$1" $fpath)
		autoload -U compinit && compinit -u -d "$2"
		print -r -- $_comps[pgotool]' zsh "$(dirname "$zshcomp")" "$TEST_TMP/zcompdump")" = _pgotool
	# zsh_complete LINE: LINE after a TAB in an interactive zsh (on a pty).
	cat >zcomplete.zsh <<'EOF'
zmodload zsh/zpty || exit 1
zpty z zsh -f -i
zpty -w z "fpath=(${(q)1} \$fpath); autoload -U compinit; compinit -u -d ${(q)2}.dump"
zpty -w z "_t() { zle complete-word; print -r -- \"\$BUFFER\" >${(q)2}; exit }; zle -N _t; bindkey '^T' _t"
zpty -w z "$3"$'\x14'
for i in {1..100}; do [[ -s $2 ]] && break; sleep 0.1; done
zpty -d z
EOF
	zsh_complete() {
		local out
		out=$(mktemp "$TEST_TMP/zline.XXXXXX") && rm -f "$out"
		timeout 30 zsh -f zcomplete.zsh "$(dirname "$zshcomp")" "$out" "$1" >/dev/null 2>&1
		cat "$out" 2>/dev/null
	}
	check "zsh completes 'pgotool me' to merge" test "$(zsh_complete 'pgotool me')" = "pgotool merge "
	check "zsh completes 'pgotool merge --com' to --compact" \
		test "$(zsh_complete 'pgotool merge --com')" = "pgotool merge --compact "
	check "zsh completes 'pgotool fetch --endpoint=l' to list" \
		test "$(zsh_complete 'pgotool fetch --endpoint=l')" = "pgotool fetch --endpoint=list "
else
	echo "# zsh is not installed: its completion is not checked"
fi

done_testing
