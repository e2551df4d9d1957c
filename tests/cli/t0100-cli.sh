#!/usr/bin/env bash
# The command line: help, version, usage errors, inputs of every kind,
# outputs to a file (atomically) or stdout, and order independence.
. "$(dirname "$0")/lib.sh"

P=$PGOTOOL
EX="$PGO_SRC/examples/profiles"

# --- help and version
check "--help exits 0 and lists merge" bash -c "'$P' --help | grep -q '^  merge '"
check "-h works too" bash -c "'$P' -h | grep -q 'Commands:'"
check "help merge shows merge usage" bash -c "'$P' help merge | grep -q '^usage: pgotool merge'"
check "merge --help shows options" bash -c "'$P' merge --help | grep -q -- '--compact'"
check "merge -help (one dash) shows options" bash -c "'$P' merge -help | grep -q -- '--keep-labels'"
check "edges --help" bash -c "'$P' edges --help | grep -q 'go tool preprofile'"
check "diff --help" bash -c "'$P' diff --help | grep -q 'sum over the union of edges'"
check "--version" bash -c "'$P' --version | grep -Eq '^pgotool [0-9]+\.[0-9]+\.[0-9]+$'"

# Every help text names only commands that exist: those `pgotool --help` lists.
"$P" --help | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p' | sort >commands.txt
for c in $(cat commands.txt); do "$P" "$c" --help; done >all-help.txt 2>&1
"$P" --help >>all-help.txt
grep -o 'pgotool [a-z][a-z-]*' all-help.txt | sed 's/^pgotool //' | grep -vx help | sort -u >named.txt
check "pgotool help COMMAND works as the help says" bash -c "'$P' help fetch | grep -q '^usage: pgotool fetch'"
check "the help lists the seven commands" bash -c "[ \$(wc -l <commands.txt) = 7 ]"
check "every help text names only commands that exist ($(comm -23 named.txt commands.txt | tr '\n' ' '))" \
	bash -c "[ -z \"\$(comm -23 named.txt commands.txt)\" ]"
check "every command's help names itself" bash -c 'for c in $(cat commands.txt); do
	"'"$P"'" $c --help | grep -q "^usage: pgotool $c" || exit 1; done'

# --- -h is help only where a flag may stand, never as an option's value
mkdir hv && (cd hv && "$P" merge -o -h "$EX/burn-1.pprof" >out.txt 2>err.txt)
check "merge -o -h writes a file named -h" bash -c "test -s hv/-h && ! grep -q '^usage' hv/out.txt"
(cd hv && "$P" edges -o --help "$EX/burn-1.pprof")
check "edges -o --help writes a file named --help" bash -c "head -n1 hv/--help | grep -qx 'GO PREPROFILE V1'"
check "merge -o x -h asks for help" bash -c "'$P' merge -o x.pgo -h | grep -q '^usage: pgotool merge'"
check "serve --data DIR --help asks for help" bash -c "'$P' serve --data hv --help | grep -q '^usage: pgotool serve'"
rm -rf hv

# --- usage errors exit 2 with short usage on stderr
expect_usage() {
	local desc=$1; shift
	"$P" "$@" >out.txt 2>err.txt
	local rc=$?
	if [ "$rc" -eq 2 ] && grep -q '^usage: ' err.txt && [ ! -s out.txt ]; then
		pass "$desc"
	else
		fail "$desc (exit $rc)"; cat err.txt
	fi
}
expect_usage "no command" 
expect_usage "unknown command" frobnicate
expect_usage "merge without inputs" merge -o x.pprof
expect_usage "merge with an unknown flag" merge --frob a.pprof
expect_usage "merge -o without a value" merge a.pprof -o
expect_usage "edges with two files" edges a b
expect_usage "bad boolean value" merge --compact=maybe a.pprof

# --- options that go in pairs are usage errors, found before the data directory is made
pair_usage() { # DESC WANT ARGS...
	local desc=$1 want=$2; shift 2
	env -u PGOTOOL_API_KEY -u PGOTOOL_APP_KEY "$@" --data pair-data >out.txt 2>err.txt
	local rc=$?
	if [ "$rc" -eq 2 ] && grep -qF -- "$want" err.txt && grep -q '^usage: ' err.txt && [ ! -e pair-data ]; then
		pass "$desc"
	else
		fail "$desc (exit $rc; pair-data $([ -e pair-data ] && echo made || echo not made))"; cat err.txt
	fi
	rm -rf pair-data
}
pair_usage "serve --api-key without --app-key" "an API key without an application key: give --app-key" "$P" serve --api-key k
pair_usage "serve --app-key without --api-key" "an application key without an API key: give --api-key" "$P" serve --app-key k
pair_usage "PGOTOOL_APP_KEY alone" "an application key without an API key" env PGOTOOL_APP_KEY=k "$P" serve
pair_usage "serve --tls-cert without --tls-key" "--tls-cert without --tls-key" "$P" serve --tls-cert c.pem
pair_usage "serve --tls-key without --tls-cert" "--tls-key without --tls-cert" "$P" serve --tls-key k.pem

# --- a typo gets a "did you mean", with the dashes as typed; a name far from any gets none
did_you_mean() { # WANT ARGS...
	local want=$1; shift
	"$P" "$@" >out.txt 2>err.txt
	local rc=$?
	if [ "$rc" -eq 2 ] && grep -qF -- "$want" err.txt; then
		pass "pgotool $*: $want"
	else
		fail "pgotool $* (exit $rc, want \"$want\")"; cat err.txt
	fi
}
did_you_mean "unknown command 'mrege'; did you mean 'merge'?" mrege a.pprof
did_you_mean "unknown command 'inpsect'; did you mean 'inspect'?" inpsect a.pprof
did_you_mean "unknown command 'mrege'; did you mean 'merge'?" help mrege
did_you_mean "unknown flag: -compcat; did you mean --compact?" merge --compcat a.pprof
did_you_mean "unknown flag: -profils; did you mean -profiles?" fetch -profils 3 q d.pgo
did_you_mean "unknown flag: -tls-certs; did you mean --tls-cert?" serve --tls-certs c.pem
"$P" frobnicate >out.txt 2>err.txt
check "no suggestion for a name far from any command" eval '! grep -q "did you mean" err.txt && grep -q "unknown command .frobnicate." err.txt'
"$P" merge --frob a.pprof >out.txt 2>err.txt
check "no suggestion for a flag far from any" eval '! grep -q "did you mean" err.txt && grep -q "unknown flag: -frob" err.txt'

# --- typed, bounded option values: a bad one is a usage error naming the flag and what it takes,
# never a wrapped or unlimited setting (serve is bounded by timeout in case it would start)
bad_value() { # DESC WANT-IN-MESSAGE ARGS...
	local desc=$1 want=$2
	shift 2
	timeout 10 "$P" "$@" >out.txt 2>err.txt
	local rc=$?
	if [ "$rc" -eq 2 ] && grep -q -- "$want" err.txt && [ ! -s out.txt ]; then
		pass "$desc"
	else
		fail "$desc (exit $rc)"; cat err.txt
	fi
}
mkdir -p serve-data
S=(serve --listen 127.0.0.1:0 --data serve-data)
bad_value "serve --max-body -1 (was: no limit)" 'flag -max-body: want a size' "${S[@]}" --max-body -1
bad_value "serve --max-body 17179869185G (was: wrapped to 1 GiB)" 'flag -max-body: want a size' "${S[@]}" --max-body 17179869185G
bad_value "serve --max-body past its bound names the bound" 'from 1K to 1G' "${S[@]}" --max-body 2G
bad_value "serve --max-memory under its bound names the bound" 'from 1M to 64G' "${S[@]}" --max-memory 512K
bad_value "serve --max-memory past its bound names the bound" 'from 1M to 64G' "${S[@]}" --max-memory 65G
bad_value "serve --max-memory -1" 'flag -max-memory: want a size' "${S[@]}" --max-memory -1
bad_value "serve --retention 1e30h (was: undefined behaviour)" 'flag -retention: want a duration' "${S[@]}" --retention 1e30h
bad_value "serve --retention 0s" 'from 1s to 876000h' "${S[@]}" --retention 0s
bad_value "serve --timeout 25h" 'from 1s to 24h' "${S[@]}" --timeout 25h
bad_value "serve --max-connections 0" 'from 1 to 100000' "${S[@]}" --max-connections 0
bad_value "serve --max-connections 1e3" 'want a whole number' "${S[@]}" --max-connections 1e3
bad_value "fetch -profiles 1.5" 'flag -profiles: want a whole number' fetch -profiles 1.5 q d.pgo
bad_value "fetch -from 3days" 'flag -from: want a duration' fetch -from 3days q d.pgo
bad_value "fetch -endpoint search" 'want gopgo or list' fetch -endpoint search q d.pgo
bad_value "fetch -keep-if-unchanged=1.5" 'flag -keep-if-unchanged: want a number from 0 to 1' \
	fetch -keep-if-unchanged=1.5 q d.pgo
bad_value "fetch -keep-if-unchanged=nan" 'flag -keep-if-unchanged: want a number' fetch -keep-if-unchanged=nan q d.pgo
bad_value "fetch -keep-if-unchanged=0x1p-1 (a hex float)" 'flag -keep-if-unchanged: want a number' \
	fetch -keep-if-unchanged=0x1p-1 q d.pgo
bad_value "merge --keep-if-unchanged= (empty)" 'flag -keep-if-unchanged: want a number' \
	merge -o x.pgo --keep-if-unchanged= a.pprof
bad_value "diff --threshold 99%" 'flag -threshold: want a number' diff --threshold 99% a b
rm -rf serve-data

# --- a flag with an implicit value: bare, it never takes the next argument as its value
bad_value "fetch -keep-if-unchanged QUERY: the QUERY stays a QUERY (and DEST is missing)" \
	'need a DEST after the QUERY' fetch -keep-if-unchanged q
bad_value "fetch --keep-if-unchanged 0.5 DEST: 0.5 is a QUERY" 'need a DEST after the QUERY' \
	fetch --keep-if-unchanged 0.5
check "merge --help shows the optional value" bash -c "'$P' merge --help | grep -q -- '--keep-if-unchanged\[=X\] '"

# --- one- and two-dash flags, = and separate values, flags after inputs
"$P" merge -o one.pgo "$EX/burn-1.pprof" "$EX/burn-2.pprof"
"$P" merge --output=two.pgo "$EX/burn-2.pprof" "$EX/burn-1.pprof"
"$P" merge "$EX/burn-1.pprof" -output three.pgo "$EX/burn-2.pprof"
check "flag spellings give the same output" cmp -s one.pgo two.pgo
check "flags after inputs work" cmp -s one.pgo three.pgo
"$P" merge -compact -o c1.pgo "$EX/burn-1.pprof"
"$P" merge --compact=true -o c2.pgo "$EX/burn-1.pprof"
check "-compact and --compact=true agree" cmp -s c1.pgo c2.pgo
"$P" merge --compact=false -o c3.pgo "$EX/burn-1.pprof"
check "--compact=false is a full merge" bash -c "[ \$(wc -c <c3.pgo) -gt \$(wc -c <c1.pgo) ]"

# --- output is gzip pprof; stdout works when redirected
check "output starts with the gzip magic" bash -c "head -c2 one.pgo | od -An -tx1 | grep -q '1f 8b'"
"$P" merge "$EX/burn-1.pprof" "$EX/burn-2.pprof" >stdout.pgo
check "stdout output equals -o output" cmp -s stdout.pgo one.pgo
"$P" merge -o dash.pgo - <"$EX/burn-1.pprof"
"$P" merge -o file.pgo "$EX/burn-1.pprof"
check "- reads standard input" cmp -s dash.pgo file.pgo

# --- input kinds: raw, gzip, zstd and zip archives give the same merge
gzip -dc "$EX/burn-1.pprof" >raw.pb
zstd -q -19 raw.pb -o z.pprof
"$P" merge -o from-raw.pgo raw.pb "$EX/burn-2.pprof"
"$P" merge -o from-zstd.pgo z.pprof "$EX/burn-2.pprof"
check "raw protobuf input" cmp -s from-raw.pgo one.pgo
check "zstd input" cmp -s from-zstd.pgo one.pgo
cp "$EX/burn-1.pprof" a.pprof; cp "$EX/burn-2.pprof" b.pprof
zip -q profiles.zip a.pprof b.pprof
"$P" merge -o from-zip.pgo profiles.zip
check "zip archive of profiles" cmp -s from-zip.pgo one.pgo
zip -q one.zip a.pprof
"$P" merge -o mixed.pgo one.zip b.pprof
check "zip and file together" cmp -s mixed.pgo one.pgo

# --- the same set of files in any order, with or without duplicates
"$P" merge -o o1.pgo a.pprof b.pprof "$GRPC_PPROF"
"$P" merge -o o2.pgo "$GRPC_PPROF" b.pprof a.pprof
"$P" merge -o o3.pgo b.pprof "$GRPC_PPROF" a.pprof
check "input order does not change the bytes (1)" cmp -s o1.pgo o2.pgo
check "input order does not change the bytes (2)" cmp -s o1.pgo o3.pgo
"$P" merge -o d1.pgo a.pprof b.pprof a.pprof
"$P" merge -o d2.pgo a.pprof a.pprof b.pprof
check "duplicates in any order" cmp -s d1.pgo d2.pgo
check "a duplicate counts twice" bash -c "! cmp -s d1.pgo one.pgo"

# --- a failed merge leaves OUT untouched and no temporary files
echo "previous default.pgo" >keep.pgo
cp keep.pgo keep.orig
printf 'not a profile' >junk.pprof
"$P" merge -o keep.pgo a.pprof junk.pprof 2>err.txt
rc=$?
check "a bad input exits 1" [ "$rc" -eq 1 ]
check "the error is one line naming the file" bash -c "[ \$(wc -l <err.txt) -eq 1 ] && grep -q 'junk.pprof' err.txt"
check "OUT is untouched" cmp -s keep.pgo keep.orig
check "no temporary files are left" bash -c "! ls keep.pgo.tmp.* 2>/dev/null | grep -q ."
"$P" merge -o missing-dir/out.pgo a.pprof 2>err.txt
rc=$?
check "an unwritable OUT exits 1 with a message naming it" \
	bash -c "[ $rc -eq 1 ] && grep -q 'missing-dir/out.pgo: cannot create' err.txt"

# --- edges: stdout, -o, stdin
"$P" edges "$EX/burn-1.pprof" >e1.txt
"$P" edges -o e2.txt "$EX/burn-1.pprof"
"$P" edges - <"$EX/burn-1.pprof" >e3.txt
check "edges starts with the preprofile header" bash -c "head -n1 e1.txt | grep -qx 'GO PREPROFILE V1'"
check "edges -o equals stdout" cmp -s e1.txt e2.txt
check "edges from stdin" cmp -s e1.txt e3.txt
check "edges of a zstd profile" bash -c "'$P' edges z.pprof | cmp -s - e1.txt"
: >empty.pprof
check "edges of an empty file is the bare header, like go tool preprofile" \
	bash -c "'$P' edges empty.pprof | cmp -s - <(printf 'GO PREPROFILE V1\n')"

done_testing
