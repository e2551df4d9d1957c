# The four steps of cmake/cli-docs.sh, by -v mode=...: POSIX awk (mawk too).
#
# mode=parse, -v cmd=CMD (empty for `pgotool --help`): reads a help text as
# src/cli/main.c and flags.c print it and writes its parts, one a line,
# fields separated by tabs:
#   U CMD SYNOPSIS                     the usage line, without "usage: "
#   D CMD LINE                         a line of the description, as it is
#   C NAME SUMMARY                     a command (pgotool --help only)
#   E CMD LINE                         a line after the command list
#   F CMD SHORT LONG KIND ARG HELP     an option: KIND is none (a boolean),
#                                      value (takes ARG) or optional ([=ARG])
# A help text this cannot read is an error that names the line, so that a
# change to the help's layout fails the build instead of a wrong page.
#
# mode=man, -v page=CMD (empty for pgotool(1)) -v version=V: a man page from
# the parsed top-level help and, for a command, its parsed help.
# mode=bash, mode=zsh: the completion, from the parsed top-level help and
# every command's.

function die(msg) {
	printf "cli-docs: %s\n", msg > "/dev/stderr"
	failed = 1
	exit 1
}

function where() {
	return "`pgotool " (cmd == "" ? "" : cmd " ") "--help`, line " FNR " (\"" $0 "\")"
}

# ---- parse ----

function parse_flag(line,    s, short, name, kind, arg, rest, left, e) {
	if (substr(line, 1, 2) != "  ")
		die(where() ": an option line starts with two spaces")
	s = substr(line, 3)
	short = ""
	if (s ~ /^-[a-zA-Z0-9], --/)
		short = substr(s, 2, 1)
	else if (s !~ /^    --/)
		die(where() ": an option line is \"  -X, --NAME\" or \"      --NAME\"")
	s = substr(s, 5)
	if (!match(s, /^--[a-zA-Z0-9][-a-zA-Z0-9_.]*/))
		die(where() ": no option name")
	name = substr(s, 3, RLENGTH - 2)
	rest = substr(s, RLENGTH + 1)
	left = 4 + RLENGTH
	kind = "none"
	arg = ""
	if (substr(rest, 1, 2) == "[=") {
		e = index(rest, "]")
		if (e < 4)
			die(where() ": an implicit value is \"[=ARG]\"")
		kind = "optional"
		arg = substr(rest, 3, e - 3)
		rest = substr(rest, e + 1)
	} else if (rest ~ /^ [^ ]/) {
		# flags_print_help pads "-X, --NAME ARG" to 26 columns and adds one
		# space; only a boolean whose "    --NAME" fills them is followed by
		# a single space too.
		if (left >= 26)
			die(where() ": cannot tell whether --" name " takes a value: its name fills the option column")
		kind = "value"
		rest = substr(rest, 2)
		match(rest, /^[^ ]+/)
		arg = substr(rest, 1, RLENGTH)
		rest = substr(rest, RLENGTH + 1)
	}
	if (rest !~ /^ +[^ ]/)
		die(where() ": no help after the option")
	sub(/^ +/, "", rest)
	print "F\t" cmd "\t" short "\t" name "\t" kind "\t" arg "\t" rest
}

mode == "parse" && index($0, "\t") {
	die(where() ": a tab")
}

mode == "parse" && FNR == 1 {
	if (substr($0, 1, 7) != "usage: ")
		die(where() ": the first line is not \"usage: ...\"")
	print "U\t" cmd "\t" substr($0, 8)
	section = "desc"
	next
}

mode == "parse" {
	if ($0 == "Options:" && section == "desc") {
		section = "options"
		next
	}
	if ($0 == "Commands:" && section == "desc" && cmd == "") {
		section = "commands"
		next
	}
	if (section == "desc") {
		desc[++n_desc] = $0
	} else if (section == "options") {
		parse_flag($0)
	} else if (section == "commands") {
		if ($0 == "") {
			section = "epilogue"
		} else if (match($0, /^  [a-z][-a-z0-9]* +/)) {
			name = substr($0, 3, RLENGTH - 2)
			sub(/ +$/, "", name)
			print "C\t" name "\t" substr($0, RLENGTH + 1)
		} else {
			die(where() ": a command line is \"  NAME  SUMMARY\"")
		}
	} else if ($0 != "" || n_epi) {
		epi[++n_epi] = $0
	}
	next
}

# ---- the writers: read the parsed records ----

mode != "parse" {
	n = split($0, f, "\t")
	if (f[1] == "U") {
		synopsis[f[2]] = f[3]
	} else if (f[1] == "D") {
		dline[f[2], ++n_dline[f[2]]] = f[3]
	} else if (f[1] == "C") {
		cmds[++n_cmds] = f[2]
		summary[f[2]] = f[3]
	} else if (f[1] == "E") {
		epi[++n_epi] = f[3]
	} else if (f[1] == "F") {
		c = f[2]
		i = ++n_flags[c]
		fshort[c, i] = f[3]
		flong[c, i] = f[4]
		fkind[c, i] = f[5]
		farg[c, i] = f[6]
		fhelp[c, i] = f[7]
	} else {
		die(FILENAME ", line " FNR ": not a parsed help line")
	}
}

# ---- man ----

# Text as roff shows it: every - a minus, which terminals show and copy as
# "-", quotes that stay straight, and no line that reads as a request.
function roff(s,    out, i, ch) {
	out = ""
	for (i = 1; i <= length(s); i++) {
		ch = substr(s, i, 1)
		if (ch == "\\")
			out = out "\\e"
		else if (ch == "-")
			out = out "\\-"
		else if (ch == "'")
			out = out "\\(aq"
		else if (ch == "`")
			out = out "\\(ga"
		else
			out = out ch
	}
	if (substr(out, 1, 1) == ".")
		out = "\\&" out
	return out
}

# Description lines as paragraphs; lines that start with a space (examples)
# as they are, indented.
function man_text(c,    i, l, pre, pp) {
	pre = 0
	pp = 0
	for (i = 1; i <= n_dline[c]; i++) {
		l = dline[c, i]
		if (l == "") {
			if (pre)
				print ".fi\n.RE"
			pre = 0
			pp = 1
			continue
		}
		if (l ~ /^[ ]/) {
			if (!pre)
				print (pp ? ".PP\n" : "") ".RS 4\n.nf"
			pre = 1
			pp = 0
			sub(/^    /, "", l)
			print roff(l)
			continue
		}
		if (pre) {
			print ".fi\n.RE"
			pre = 0
			pp = 1
		}
		if (pp)
			print ".PP"
		pp = 0
		print roff(l)
	}
	if (pre)
		print ".fi\n.RE"
}

function man_header(title, name, what) {
	print ".\\\" Generated from `" what "` by cmake/cli-docs.sh: edit the help text in src/cli, not this page."
	printf ".TH %s 1 \"\" \"pgotool %s\" \"pgotool manual\"\n", roff(toupper(title)), roff(version)
	print ".SH NAME"
	print roff(title) " \\- " roff(name)
}

# The usage line, the command in bold.
function man_synopsis(s, c,    head) {
	head = c == "" ? "pgotool" : "pgotool " c
	if (substr(s, 1, length(head)) != head)
		die("the usage line of `" head " --help` does not start with \"" head "\"")
	print ".SH SYNOPSIS"
	print "\\fB" roff(head) "\\fR" roff(substr(s, length(head) + 1))
}

function man_page(c,    i, tag, what, all) {
	if (c == "") {
		# "Continuous profile-guided optimization for Go: merge ..." names it.
		what = dline["", 1]
		sub(/[:.].*/, "", what)
		what = tolower(substr(what, 1, 1)) substr(what, 2)
		man_header("pgotool", what, "pgotool --help")
	} else {
		if (!(c in summary))
			die("`pgotool --help` does not list the command " c)
		man_header("pgotool-" c, summary[c], "pgotool " c " --help")
	}
	man_synopsis(synopsis[c], c)
	print ".SH DESCRIPTION"
	man_text(c)
	if (c == "") {
		print ".SH COMMANDS"
		for (i = 1; i <= n_cmds; i++)
			print ".TP\n.B " roff(cmds[i]) "\n" roff(summary[cmds[i]])
		if (n_epi) {
			print ".PP"
			for (i = 1; i <= n_epi; i++)
				print roff(epi[i])
		}
		print ".SH OPTIONS"
		print ".TP\n.B \\-\\-help\nPrint the list of commands."
		print ".TP\n.B \\-\\-version\nPrint the version of pgotool."
		print ".SH SEE ALSO"
		for (i = 1; i <= n_cmds; i++)
			print ".BR pgotool\\-" roff(cmds[i]) " (1)" (i < n_cmds ? "," : "")
		return
	}
	if (n_flags[c]) {
		print ".SH OPTIONS"
		for (i = 1; i <= n_flags[c]; i++) {
			tag = fshort[c, i] != "" ? "\\fB\\-" roff(fshort[c, i]) "\\fR, " : ""
			tag = tag "\\fB\\-\\-" roff(flong[c, i]) "\\fR"
			if (fkind[c, i] == "value")
				tag = tag " \\fI" roff(farg[c, i]) "\\fR"
			else if (fkind[c, i] == "optional")
				tag = tag "[=\\fI" roff(farg[c, i]) "\\fR]"
			print ".TP\n" tag "\n" roff(fhelp[c, i])
		}
	}
	print ".SH SEE ALSO"
	print ".BR pgotool (1)"
}

# ---- completion ----

# How an option's value completes: files, dirs, words (from "a|b") or none.
function value_type(arg) {
	if (index(arg, "|"))
		return "words"
	if (arg ~ /DIR$/)
		return "dirs"
	if (arg ~ /FILE$/ || arg == "OUT" || arg == "BIN")
		return "files"
	return "none"
}

function repeatable(c, i) {
	return index(fhelp[c, i], "(repeatable)") > 0
}

function sq(s) {
	gsub(/'/, "'\\''", s)
	return "'" s "'"
}

function bash_completion(    i, j, c, names, list, vt, words) {
	print "# bash completion for pgotool. Generated from the help texts of `pgotool --help`"
	print "# and `pgotool COMMAND --help` by cmake/cli-docs.sh: edit those, not this file."
	print ""
	print "# The options of a command, as its --help lists them."
	print "_pgotool_options() {"
	print "\tcase $1 in"
	for (j = 1; j <= n_cmds; j++) {
		c = cmds[j]
		list = ""
		for (i = 1; i <= n_flags[c]; i++)
			list = list (fshort[c, i] != "" ? "-" fshort[c, i] " " : "") "--" flong[c, i] " "
		print "\t" c ") echo " sq(list "--help") " ;;"
	}
	print "\tesac"
	print "}"
	print ""
	print "# How the value of option $2 of command $1 completes: files, dirs, none, or"
	print "# \"words\" and the words; nothing when the option takes no separate value."
	print "_pgotool_value() {"
	print "\tcase $1:$2 in"
	for (j = 1; j <= n_cmds; j++) {
		c = cmds[j]
		for (i = 1; i <= n_flags[c]; i++) {
			if (fkind[c, i] != "value")
				continue
			names = c ":" flong[c, i]
			if (fshort[c, i] != "")
				names = names "|" c ":" fshort[c, i]
			vt = value_type(farg[c, i])
			if (vt == "words") {
				words = farg[c, i]
				gsub(/\|/, " ", words)
				vt = "words " words
			}
			print "\t" names ") echo " sq(vt) " ;;"
		}
	}
	print "\tesac"
	print "}"
	print ""
	list = ""
	for (j = 1; j <= n_cmds; j++)
		list = list cmds[j] " "
	print "_pgotool() {"
	print "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev= opt= value= how= eq="
	print "\tlocal commands=" sq(list "help version")
	print "\tCOMPREPLY=()"
	print "\t(( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD - 1]}"
	print "\tif (( COMP_CWORD == 1 )); then"
	print "\t\tif [[ $cur == -* ]]; then"
	print "\t\t\tCOMPREPLY=($(compgen -W '--help --version' -- \"$cur\"))"
	print "\t\telse"
	print "\t\t\tCOMPREPLY=($(compgen -W \"$commands\" -- \"$cur\"))"
	print "\t\tfi"
	print "\t\treturn 0"
	print "\tfi"
	print "\tlocal cmd=${COMP_WORDS[1]}"
	print "\tcase $cmd in"
	print "\thelp)"
	print "\t\t(( COMP_CWORD == 2 )) && COMPREPLY=($(compgen -W \"${commands% help version}\" -- \"$cur\"))"
	print "\t\treturn 0 ;;"
	print "\tversion) return 0 ;;"
	print "\tesac"
	print "\t# The option whose value is being typed: \"--opt value\", \"--opt=value\", or"
	print "\t# \"--opt\" \"=\" \"value\" when COMP_WORDBREAKS splits at '=', as by default."
	print "\tif [[ $cur == = && $prev == -* ]]; then"
	print "\t\topt=$prev"
	print "\telif [[ $prev == = ]] && (( COMP_CWORD > 2 )) && [[ ${COMP_WORDS[COMP_CWORD - 2]} == -* ]]; then"
	print "\t\topt=${COMP_WORDS[COMP_CWORD - 2]} value=$cur"
	print "\telif [[ $cur == -*=* ]]; then"
	print "\t\topt=${cur%%=*} value=${cur#*=} eq=${cur%%=*}="
	print "\telif [[ $prev == -* ]]; then"
	print "\t\topt=$prev value=$cur"
	print "\tfi"
	print "\tif [[ -n $opt ]]; then"
	print "\t\topt=${opt#-}"
	print "\t\thow=$(_pgotool_value \"$cmd\" \"${opt#-}\")"
	print "\tfi"
	print "\tcase $how in"
	print "\tfiles) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$value\")) ;;"
	print "\tdirs) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- \"$value\")) ;;"
	print "\tnone) compopt +o default +o bashdefault 2>/dev/null ;;"
	print "\twords\\ *) COMPREPLY=($(compgen -P \"$eq\" -W \"${how#words }\" -- \"$value\")) ;;"
	print "\t*)"
	print "\t\tif [[ $cur == -* ]]; then"
	print "\t\t\tCOMPREPLY=($(compgen -W \"$(_pgotool_options \"$cmd\")\" -- \"$cur\"))"
	print "\t\telse"
	print "\t\t\tcompopt -o filenames 2>/dev/null"
	print "\t\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))"
	print "\t\tfi ;;"
	print "\tesac"
	print "\treturn 0"
	print "}"
	print "complete -o bashdefault -o default -F _pgotool pgotool"
}

# Text for a zsh _arguments description, in [...] within single quotes.
function zdesc(s) {
	gsub(/\\/, "\\\\", s)
	gsub(/\[/, "\\[", s)
	gsub(/\]/, "\\]", s)
	gsub(/'/, "'\\''", s)
	return s
}

function zsh_completion(    i, j, c, spec, names, excl, action, vt, words) {
	print "#compdef pgotool"
	print "# zsh completion for pgotool. Generated from the help texts of `pgotool --help`"
	print "# and `pgotool COMMAND --help` by cmake/cli-docs.sh: edit those, not this file."
	print ""
	print "_pgotool_commands() {"
	print "\tlocal -a commands=("
	for (j = 1; j <= n_cmds; j++)
		print "\t\t" sq(cmds[j] ":" summary[cmds[j]])
	print "\t\t'help:show the options of a command'"
	print "\t\t'version:print the version of pgotool'"
	print "\t)"
	print "\t_describe -t commands 'pgotool command' commands"
	print "}"
	print ""
	print "_pgotool() {"
	print "\tlocal curcontext=$curcontext state state_descr line ret=1"
	print "\ttypeset -A opt_args"
	print "\t_arguments -C \\"
	print "\t\t'(- :)--help[print the list of commands]' \\"
	print "\t\t'(- :)--version[print the version of pgotool]' \\"
	print "\t\t'1:command:_pgotool_commands' \\"
	print "\t\t'*::argument:->argument' && ret=0"
	print "\t[[ $state == argument ]] || return ret"
	print "\tcurcontext=${curcontext%:*:*}:pgotool-$words[1]:"
	print "\tcase $words[1] in"
	for (j = 1; j <= n_cmds; j++) {
		c = cmds[j]
		print "\t(" c ")"
		print "\t\t_arguments -S \\"
		for (i = 1; i <= n_flags[c]; i++) {
			vt = value_type(farg[c, i])
			if (fkind[c, i] == "none")
				action = ""
			else if (vt == "files")
				action = ":" zdesc(farg[c, i]) ":_files"
			else if (vt == "dirs")
				action = ":" zdesc(farg[c, i]) ":_files -/"
			else if (vt == "words") {
				words = farg[c, i]
				gsub(/\|/, " ", words)
				action = ":" zdesc(farg[c, i]) ":(" words ")"
			} else
				action = ":" zdesc(farg[c, i]) ": "
			if (fkind[c, i] == "optional")
				action = ":" action
			# --name=value and --name value, or only --name=value when the
			# value is optional.
			eq = fkind[c, i] == "value" ? "=" : fkind[c, i] == "optional" ? "=-" : ""
			excl = repeatable(c, i) ? "*" : ""
			if (fshort[c, i] != "") {
				if (!repeatable(c, i))
					excl = "(-" fshort[c, i] " --" flong[c, i] ")"
				spec = "'" excl "'{-" fshort[c, i] eq ",--" flong[c, i] eq "}'"
			} else {
				spec = "'" excl "--" flong[c, i] eq
			}
			print "\t\t\t" spec "[" zdesc(fhelp[c, i]) "]" action "' \\"
		}
		print "\t\t\t'(- *)--help[print the options of " c "]' \\"
		print "\t\t\t'*:argument:_files' && ret=0 ;;"
	}
	print "\t(help)"
	print "\t\t_arguments '1:command:_pgotool_commands' && ret=0 ;;"
	print "\tesac"
	print "\treturn ret"
	print "}"
	print ""
	print "_pgotool \"$@\""
}

END {
	if (failed)
		exit 1
	if (mode == "parse") {
		# The description, without the blank lines around it.
		while (n_desc && desc[n_desc] == "")
			n_desc--
		for (i = 1; i <= n_desc && desc[i] == ""; i++)
			;
		for (; i <= n_desc; i++)
			print "D\t" cmd "\t" desc[i]
		while (n_epi && epi[n_epi] == "")
			n_epi--
		for (i = 1; i <= n_epi; i++)
			print "E\t" cmd "\t" epi[i]
		if (cmd != "" && section != "options" && section != "desc")
			die("`pgotool " cmd " --help` has a section other than Options")
	} else if (mode == "man") {
		if (!(page in synopsis))
			die("no usage line for " (page == "" ? "pgotool" : "pgotool " page))
		man_page(page)
	} else if (mode == "bash") {
		bash_completion()
	} else if (mode == "zsh") {
		zsh_completion()
	} else {
		die("unknown mode \"" mode "\"")
	}
}
