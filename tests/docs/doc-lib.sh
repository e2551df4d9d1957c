# Runs the shell blocks of a page of docs/, so that the page cannot rot.
# Source it after tests/cli/lib.sh:  . "$PGO_SRC/tests/docs/doc-lib.sh"
#
# A page's blocks fenced ```sh are commands a reader runs, in order, in one
# shell: doc_run runs them exactly as written (set -e -o pipefail), in the
# current directory, and passes a check for each block that completes.
# Blocks fenced otherwise (```console, ```text, ```yaml, ...) are output,
# files or recipes the page shows; a test checks those its own way.

# doc_blocks PAGE: every ```sh block of PAGE, each followed by a marker
# naming the line it starts on.
doc_blocks() {
	awk '
		/^```sh[ \t]*$/ { inside = 1; start = NR + 1; next }
		inside && /^```[ \t]*$/ { inside = 0; printf "echo \"__doc_block_done__ %d\"\n", start; next }
		inside { print }
		END { if (inside) { print "echo \"__doc_unclosed__ " start "\""; exit 1 } }
	' "$1"
}

# doc_run PAGE [NAME]: runs PAGE's ```sh blocks; one check per block,
# "NAME:LINE: ..." (NAME defaults to the page's file name). On a failure
# the block's output is shown, and the blocks after it are failed too.
doc_run() {
	local page=$1 name=${2:-$(basename "$1")} script out lines line
	script=$(mktemp "$TEST_TMP/doc-script.XXXXXX")
	out=$(mktemp "$TEST_TMP/doc-out.XXXXXX")
	doc_blocks "$page" >"$script" || { fail "$name: a \`\`\`sh block is not closed"; return 1; }
	lines=$(grep -o '^echo "__doc_block_done__ [0-9]*"$' "$script" | grep -o '[0-9]*')
	[ -n "$lines" ] || { fail "$name: no \`\`\`sh block to run"; return 1; }
	bash -e -o pipefail "$script" >"$out" 2>&1
	local rc=$? done_lines failed=0
	done_lines=$(sed -n 's/^__doc_block_done__ \([0-9]*\)$/\1/p' "$out")
	for line in $lines; do
		if [ "$failed" = 0 ] && grep -qx "$line" <<<"$done_lines"; then
			pass "$name:$line: the block runs"
		elif [ "$failed" = 0 ]; then
			failed=1
			fail "$name:$line: the block runs (the page's commands exited $rc; their output ends:)"
			tail -n 30 "$out" | sed 's/^/#   /'
		else
			fail "$name:$line: not run, after the block that failed"
		fi
	done
	DOC_OUTPUT=$out
	return "$failed"
}
