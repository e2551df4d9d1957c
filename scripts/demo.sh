#!/usr/bin/env bash
# make demo: continuous PGO end to end, as a short tutorial on sample data.
# Two recorded CPU profiles of tests/go/cmd/burn go into a local store as a
# Go service's profiler would send them, `pgotool fetch` turns them into a
# default.pgo as CI would, the output explains what the Go compiler takes
# from it and which call edges are hot, and burn is built with it.
#
# Usage: scripts/demo.sh [PGOTOOL [OUTDIR]]   (defaults: build/pgotool, out/demo)
set -euo pipefail
# Paths given are the caller's; the defaults are the checkout's.
pgotool=$(realpath -m -- "${1:-$(dirname "$0")/../build/pgotool}")
out=${2:-$(dirname "$0")/../out/demo}
mkdir -p "$out"
out=$(realpath -- "$out")
cd "$(dirname "$0")/.."
[ "$out" != "$PWD/out/demo" ] || out=out/demo # as the tutorial shows it
# tests/go's own module and the local toolchain, whatever the caller's settings.
export GOFLAGS=-mod=mod GOTOOLCHAIN=local
export NO_COLOR=1

step() { printf '\n== %s\n' "$*"; }
# say TEXT...: the tutorial's prose, one argument a line.
say() { printf '%s\n' "$@"; }
# show CMD...: the command as a reader would type it, then its output indented.
show() {
	local shown=("$@") i
	[ "${shown[0]}" = "$pgotool" ] && shown[0]=pgotool
	for i in "${!shown[@]}"; do
		[[ ${shown[i]} == *' '* ]] && shown[i]="'${shown[i]}'"
	done
	printf '  $ %s\n' "${shown[*]}"
	"$@" 2>&1 | sed 's/^/    /'
}

say "pgotool demo: production CPU profiles -> a store -> default.pgo -> go build -pgo."
say "The profiles are two recorded 2-second runs of tests/go/cmd/burn; files go to $out/."

step "1. Start the profile store (pgotool serve)"
say "Go services upload their CPU profiles to it as to a Datadog agent, and CI asks it for"
say "them as it would ask Datadog. Here it runs on a free port with a throwaway data directory."
data=$(mktemp -d "${TMPDIR:-/tmp}/pgotool-demo.XXXXXX")
"$pgotool" serve --listen 127.0.0.1:0 --data "$data" --api-key demo-api --app-key demo-app >"$data/log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$data"' EXIT
port=""
for _ in $(seq 100); do
	port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$data/log")
	[ -n "$port" ] && break
	kill -0 "$server" 2>/dev/null || break
	sleep 0.1
done
[ -n "$port" ] || { cat "$data/log" >&2; exit 1; }
store=http://127.0.0.1:$port
say "  $ pgotool serve --listen 127.0.0.1:0 --data $data --api-key demo-api --app-key demo-app"
say "    listening on $store"

step "2. Upload profiles, as dd-trace-go's profiler does"
say "A service with the profiler on (DD_TRACE_AGENT_URL=$store) POSTs a multipart upload every"
say "60 s: event.json with its tags, and cpu.pprof. curl sends the same form for two profiles."
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
for f in examples/profiles/burn-1.pprof examples/profiles/burn-2.pprof; do
	printf '{"start":"%s","end":"%s","attachments":["cpu.pprof"],"tags_profiler":"service:burn,env:demo,version:1.0,runtime:go,pgo:false","family":"go","version":"4"}' \
		"$now" "$now" >"$data/event.json"
	curl -sSf -o /dev/null -F "event=@$data/event.json;filename=event.json;type=application/json" \
		-F "cpu.pprof=@$f;filename=cpu.pprof;type=application/octet-stream" \
		"$store/profiling/v1/input"
	say "  uploaded $f (service:burn env:demo pgo:false) to $store/profiling/v1/input"
done

step "3. Fetch default.pgo, as CI does before go build (pgotool fetch)"
say "fetch asks for the service's most representative recent CPU profiles (the 5 with the most"
say "CPU in the last 72h), checks and merges them, and writes default.pgo atomically. It is"
say "datadog-pgo's job: against Datadog it takes DD_SITE, DD_API_KEY and DD_APP_KEY; -api names"
say "a pgotool serve instead. It never breaks a build: on any failure it logs why, leaves the old"
say "file alone and exits 0. -fail (exit 1) is for this demo, which should stop."
export DD_API_KEY=demo-api DD_APP_KEY=demo-app
show "$pgotool" fetch -api "$store" -fail 'service:burn env:demo' "$out/default.pgo"

step "4. What the Go compiler takes from it (pgotool edges)"
say "The compiler does not read whole stacks: of each sample it takes the top two frames, the"
say "running function and its caller, and adds the sample up per call edge. pgotool edges prints"
say "that map byte for byte as the compiler's own \`go tool preprofile\` does, heaviest first:"
"$pgotool" edges -o "$out/edges.txt" "$out/default.pgo"
say '  $ pgotool edges '"$out/default.pgo"' | head -7'
head -n 7 "$out/edges.txt" | sed 's/^/    /'
read -r caller callee offset weight < <(sed -n '2,4p' "$out/edges.txt" | paste -d' ' - - -)
"$pgotool" inspect --top 5 "$out/default.pgo" >"$out/inspect.txt"
unit=$(sed -n 's/^  sample type  *\([^ ,]*\).*/\1/p' "$out/inspect.txt")
say "Each edge is three lines: the caller, the callee, then \"N W\":"
say "  caller   $caller: the function that makes the call"
say "  callee   $callee: the function it calls"
say "  line +$offset  N: the call is $offset lines below the first line of the caller. The compiler"
say "           keys a call site by (caller, N), so lines added above a function move no site"
say "  weight   W, $weight: the CPU samples taken while this call was on top of the stack (the"
say "           callee running its own code), in the profile's unit: its first samples/count or"
say "           cpu/nanoseconds column, here $unit."
if [ "$unit" = samples/count ]; then
	say "           At Go's default 100 Hz a sample is 10 ms of CPU: $weight is about $((weight * 10)) ms."
fi
n_edges=$(($(wc -l <"$out/edges.txt") / 3))
say "$out/default.pgo has $n_edges edges. Two profiles with the same edge map give identical builds."
# go tool preprofile came with Go 1.23; PGO itself needs only 1.21.
if command -v go >/dev/null 2>&1 && go tool -n preprofile >/dev/null 2>&1; then
	if cmp -s "$out/edges.txt" <(go tool preprofile -i "$out/default.pgo"); then
		say "Checked: go tool preprofile prints the same $n_edges edges."
	else
		echo "pgotool edges differs from go tool preprofile for $out/default.pgo" >&2
		exit 1
	fi
fi

step "5. Which edges are hot, and why it matters (pgotool inspect)"
say "The inliner sorts the edges heaviest first and adds up their share of the total weight:"
say "the hot set is the shortest run of edges whose cumulative share exceeds 99% (the default of"
say "-gcflags=-d=pgoinlinecdfthreshold). A call at a hot site may be inlined up to cost 2000"
say "instead of 80. Devirtualization uses every edge, hot or not."
say '  $ pgotool inspect --top 5 '"$out/default.pgo"
sed -n '/^  total weight/,/^$/p; /^Hot call sites/,/^$/p' "$out/inspect.txt" | sed '/^$/d; s/^/    /'
hot=$(sed -n 's/^  hot  *\([0-9]*\) edges.*/\1/p' "$out/inspect.txt")
last=$(sed -n 's/.*the last hot edge has \([0-9.]*%\).*/\1/p' "$out/inspect.txt")
say "Here $hot of $n_edges edges are hot, down to an edge of $last of the weight: these profiles hold a"
say "few hundred samples, so the cut at 99% leaves out only the lightest edges. A production"
say "profile has a long tail of light edges, and the hot set is its heavy head."
sed -n '/^Warnings/,$p' "$out/inspect.txt" | sed 's/^/    /'

if command -v go >/dev/null 2>&1; then
	step "6. Build with it (go build -pgo=, $(go version | awk '{print $3}'))"
	say "With a default.pgo in the main package's directory, go build (Go 1.21+) uses it by itself"
	say "(-pgo=auto); here the file is elsewhere, so -pgo= names it. PGO applies to every package,"
	say "the standard library too: the first build with a new profile takes a while."
	bin=$(cd "$out" && pwd)/burn
	pgo=$(cd "$out" && pwd)/default.pgo
	say "  $ cd tests/go && go build -trimpath -pgo=$pgo -o $bin ./cmd/burn"
	(cd tests/go && go build -trimpath -pgo="$pgo" -o "$bin" ./cmd/burn)
	say "The profile is recorded in the binary's build info (the file name only, with -trimpath):"
	say "  \$ go version -m $bin | grep -- -pgo="
	go version -m "$bin" | grep -- '-pgo=' | sed 's/^[[:space:]]*/    /'
	say "dd-trace-go's profiler reads that line and tags the service's uploads pgo:true."
	say "What the compiler did with the profile in package main (-gcflags=-d=pgodebug=1):"
	(cd tests/go && go build -trimpath -pgo="$pgo" -gcflags=-d=pgodebug=1 -o "$bin.pgodebug" ./cmd/burn) \
		>"$out/pgodebug.txt" 2>&1 || { cat "$out/pgodebug.txt" >&2; exit 1; }
	rm -f "$bin.pgodebug"
	grep -m1 '^hot-callsite-thres-from-CDF=' "$out/pgodebug.txt" | sed 's/^/    /'
	grep '^hot-budget check allows inlining' "$out/pgodebug.txt" | sort -u | head -n 3 |
		sed 's#pgotool.test/progs/##g; s#internal/##g; s/^/    /'
	say "The threshold is the share of the last hot edge (inspect's $last). Each hot-budget line is a"
	say "call whose cost is over 80, inlined only because its call site is hot."
else
	step "6. go is not installed: the build with -pgo is skipped"
fi

step "7. Is PGO on in production? (pgotool status)"
say "status reads the same store: per service, env and version, whether the newest profiles"
say "come from a binary built with PGO (their pgo tag). The uploads above say pgo:false."
show "$pgotool" status -api "$store" 'service:burn'

step "8. Two more things"
"$pgotool" merge --compact -o "$out/default.compact.pgo" "$out/default.pgo"
full=$(wc -c <"$out/default.pgo")
small=$(wc -c <"$out/default.compact.pgo")
if ! cmp -s "$out/edges.txt" <("$pgotool" edges "$out/default.compact.pgo"); then
	echo "pgotool merge --compact changed the edges of $out/default.pgo" >&2
	exit 1
fi
say "- fetch -compact (or merge --compact) writes one two-frame sample per edge: $out/default.pgo"
say "  shrinks from $full to $small bytes with the same edges, so the same builds."
"$pgotool" merge -o "$out/grpc.pgo" examples/profiles/grpc-anon.pprof
renamed=$("$pgotool" edges "$out/grpc.pgo" | sed -n '2,$p' | paste - - - | awk -F'\t' '$2 ~ /^DO NOT INLINE: /' | wc -l)
say "- Some functions must never be inlined: gRPC's (*loopyWriter).processData (golang/go#65532)"
say "  and runtime.gopark (#74045). fetch and merge rename them where they run, as datadog-pgo"
say "  does: in examples/profiles/grpc-anon.pprof, $renamed call edges now lead to"
say "  'DO NOT INLINE: ...processData', which matches no function, so the compiler cannot inline it."

printf '\ndemo done: %s\n' "$out/default.pgo"
