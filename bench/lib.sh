# Shared by the bench scripts. Source it:  . "$(dirname "$0")/lib.sh"

# doc_replace_section DOC NAME FILE: puts FILE (which starts with
# "<!-- NAME:begin -->" and ends with "<!-- NAME:end -->") in place of that
# section of DOC, or appends it when DOC has none; the rest of DOC, written
# by the other bench scripts, is left alone. DOC is replaced by rename.
doc_replace_section() {
	local doc=$1 name=$2 file=$3 tmp="$1.tmp.$$"
	mkdir -p "$(dirname "$doc")"
	if [ -f "$doc" ] && grep -q "^<!-- $name:begin -->\$" "$doc" && grep -q "^<!-- $name:end -->\$" "$doc"; then
		awk -v sec="$file" -v b="<!-- $name:begin -->" -v e="<!-- $name:end -->" '
			$0 == b { while ((getline l < sec) > 0) print l; skip = 1; next }
			$0 == e { skip = 0; next }
			!skip { print }' "$doc" >"$tmp"
	else
		{
			if [ -f "$doc" ]; then
				cat "$doc"
				[ -z "$(tail -c 1 "$doc")" ] || echo
				echo
			fi
			cat "$file"
		} >"$tmp"
	fi
	mv "$tmp" "$doc"
}

# doc_sections DOC: every "<!-- NAME:begin -->" ... "<!-- NAME:end -->"
# section of DOC, each after a blank line, for a script that rewrites the
# rest of DOC and must keep what the others wrote.
doc_sections() {
	[ -f "$1" ] || return 0
	awk '/^<!-- [a-z0-9-]+:begin -->$/ { print ""; o = 1 } o { print } /^<!-- [a-z0-9-]+:end -->$/ { o = 0 }' "$1"
}
