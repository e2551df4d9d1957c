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

# ---- a quiet machine --------------------------------------------------------
# These machines may be shared: a timed run waits for a quiet second first.
# The caller sets QUIET_WAIT (seconds) and SPID (its server's pid, which does
# not count as another process), and has a `say`.

CLK_TCK=$(getconf CLK_TCK)
NOT_QUIET=0   # how many waits ended without a quiet second

# CPU seconds all processes have used (user, nice, system, irq, softirq, steal).
total_cpu() { awk -v t="$CLK_TCK" '/^cpu / { printf "%.2f", ($2 + $3 + $4 + $7 + $8 + $9) / t }' /proc/stat; }

# Other processes busy on a CPU now, from one top-like sample of ps.
busy_others() {
	ps -eo pid=,pcpu=,comm= | awk -v self=$$ -v s="${SPID:-}" '$1 != self && $1 != s && $2 >= 10 {
		printf "%s%s (%s%%)", sep, $3, $2; sep = ", " }'
}

# Waits (at most QUIET_WAIT s) for a second with less than 15% of one CPU in use.
wait_quiet() {
	local i a b
	for ((i = 0; i < QUIET_WAIT; i++)); do
		a=$(total_cpu)
		sleep 1
		b=$(total_cpu)
		awk -v a="$a" -v b="$b" 'BEGIN { exit !(b - a < 0.15) }' && return 0
		[ "$i" = 0 ] && say "  waiting for the CPUs to be idle (at most $QUIET_WAIT s): $(busy_others)"
	done
	say "  the machine did not become quiet; measuring anyway"
	NOT_QUIET=$((NOT_QUIET + 1))
}
