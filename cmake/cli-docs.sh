#!/bin/sh
# Writes pgotool's man pages and its bash and zsh completion from the help
# texts of the built binary, so that they say exactly what --help says:
#   cmake/cli-docs.sh OUTDIR [RUNNER...] PGOTOOL
# OUTDIR/man1/pgotool.1 and pgotool-CMD.1 for each command `pgotool --help`
# lists, OUTDIR/completion/pgotool (bash) and OUTDIR/completion/_pgotool (zsh).
# RUNNER is a cross-compiling emulator, when there is one.
set -eu

if [ $# -lt 2 ]; then
	echo "usage: $0 OUTDIR [RUNNER...] PGOTOOL" >&2
	exit 2
fi
out=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
awk_prog=$here/cli-docs.awk
[ -r "$awk_prog" ] || { echo "$0: $awk_prog is missing" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cli-docs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The help texts, and from them one parsed form (see cli-docs.awk) that the
# three writers read.
"$@" --help >"$tmp/top.help"
version=$("$@" --version)
version=${version#pgotool }
awk -v mode=parse -v cmd= -f "$awk_prog" "$tmp/top.help" >"$tmp/top.parsed"
commands=$(sed -n 's/^C	\([^	]*\)	.*/\1/p' "$tmp/top.parsed")
[ -n "$commands" ] || { echo "$0: found no commands in \`pgotool --help\`" >&2; exit 1; }
: >"$tmp/all.parsed"
for c in $commands; do
	"$@" "$c" --help >"$tmp/$c.help"
	awk -v mode=parse -v cmd="$c" -f "$awk_prog" "$tmp/$c.help" >"$tmp/$c.parsed"
	cat "$tmp/$c.parsed" >>"$tmp/all.parsed"
done

rm -rf "$out/man1" "$out/completion"
mkdir -p "$out/man1" "$out/completion"
awk -v mode=man -v page= -v version="$version" -f "$awk_prog" "$tmp/top.parsed" >"$out/man1/pgotool.1"
for c in $commands; do
	awk -v mode=man -v page="$c" -v version="$version" -f "$awk_prog" "$tmp/top.parsed" "$tmp/$c.parsed" \
		>"$out/man1/pgotool-$c.1"
done
awk -v mode=bash -f "$awk_prog" "$tmp/top.parsed" "$tmp/all.parsed" >"$out/completion/pgotool"
awk -v mode=zsh -f "$awk_prog" "$tmp/top.parsed" "$tmp/all.parsed" >"$out/completion/_pgotool"
