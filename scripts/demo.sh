#!/usr/bin/env bash
# make demo: the main job end to end on the bundled sample profiles.
# Merges production-style CPU profiles into a default.pgo, shows what the Go
# compiler will take from it, compacts it losslessly, and builds a Go program
# with it when a Go toolchain is present.
set -euo pipefail
cd "$(dirname "$0")/.."
pgotool=${1:-build/pgotool}
out=out/demo
mkdir -p "$out"

step() { printf '\n== %s\n' "$*"; }

step "merge two CPU profiles of tests/go/cmd/burn into $out/default.pgo"
"$pgotool" merge -o "$out/default.pgo" examples/profiles/burn-1.pprof examples/profiles/burn-2.pprof
ls -l "$out/default.pgo" | awk '{print $5 " bytes"}'

step "the hottest call edges the Go compiler will see (pgotool edges)"
"$pgotool" edges -o "$out/edges.txt" "$out/default.pgo"
sed -n '2,16p' "$out/edges.txt" | paste - - - |
	awk -F'\t' '{split($3, w, " "); printf "  %-44s -> %-46s line +%-3s weight %s\n", $1, $2, w[1], w[2]}'

step "what the compiler does with it, and what could hurt the build (pgotool inspect)"
"$pgotool" inspect --top 3 "$out/default.pgo" | sed 's/^/  /'

step "lossless compaction (--compact): same edges, fewer bytes"
"$pgotool" merge --compact -o "$out/default.compact.pgo" examples/profiles/burn-*.pprof
full=$(wc -c <"$out/default.pgo")
small=$(wc -c <"$out/default.compact.pgo")
echo "  full $full bytes, compact $small bytes"
if cmp -s <("$pgotool" edges "$out/default.pgo") <("$pgotool" edges "$out/default.compact.pgo"); then
	echo "  edge maps identical"
else
	echo "  edge maps differ" >&2
	exit 1
fi

step "the datadog-pgo inlining guard on a real gRPC service profile"
"$pgotool" inspect examples/profiles/grpc-anon.pprof | sed -n '/^Warnings/,$p' | sed 's/^/  /'
"$pgotool" merge -o "$out/grpc.pgo" examples/profiles/grpc-anon.pprof
renamed=$("$pgotool" edges "$out/grpc.pgo" | sed -n '2,$p' | paste - - - | awk -F'\t' '$2 ~ /^DO NOT INLINE: /' | wc -l)
echo "  $renamed call edges now lead to 'DO NOT INLINE: ...(*loopyWriter).processData', which the compiler cannot inline"

step "the embedded store: upload as a Go service's profiler would, then pgotool fetch (datadog-pgo's job)"
data=$(mktemp -d "${TMPDIR:-/tmp}/pgotool-demo.XXXXXX")
"$pgotool" serve --listen 127.0.0.1:0 --data "$data" --api-key demo-api --app-key demo-app >"$data/log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$data"' EXIT
port=""
for _ in $(seq 50); do
	port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$data/log")
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || { cat "$data/log" >&2; exit 1; }
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
for f in examples/profiles/burn-1.pprof examples/profiles/burn-2.pprof; do
	printf '{"start":"%s","end":"%s","attachments":["cpu.pprof"],"tags_profiler":"service:burn,env:demo,runtime:go,pgo:false","family":"go","version":"4"}' \
		"$now" "$now" >"$data/event.json"
	curl -sf -o /dev/null -F "event=@$data/event.json;filename=event.json;type=application/json" \
		-F "cpu.pprof=@$f;filename=cpu.pprof;type=application/octet-stream" \
		"http://127.0.0.1:$port/profiling/v1/input"
done
echo "  uploaded 2 profiles to http://127.0.0.1:$port/profiling/v1/input"
echo "  pgotool fetch, as CI would run it before go build:"
DD_API_KEY=demo-api DD_APP_KEY=demo-app "$pgotool" fetch -api "http://127.0.0.1:$port" -fail \
	'service:burn env:demo' "$out/fetched.pgo" | sed 's/^/    /'
if cmp -s <("$pgotool" edges "$out/fetched.pgo") <("$pgotool" edges "$out/default.pgo"); then
	echo "  fetch merged both; $out/fetched.pgo has the same edges as the local merge"
else
	echo "  the fetched profiles merge to different edges than the local ones" >&2
	exit 1
fi

if command -v go >/dev/null 2>&1; then
	step "go build -pgo with the merged profile ($(go version | awk '{print $3}'))"
	if cmp -s <("$pgotool" edges "$out/default.pgo") <(go tool preprofile -i "$out/default.pgo"); then
		echo "  pgotool edges == go tool preprofile"
	else
		echo "  pgotool edges differs from go tool preprofile" >&2
		exit 1
	fi
	(cd tests/go && GOFLAGS=-mod=mod GOTOOLCHAIN=local go build -trimpath -pgo="$PWD/../../$out/default.pgo" \
		-o "../../$out/burn" ./cmd/burn)
	echo "  built $out/burn with PGO"
else
	step "go is not installed: skipping the go build step"
fi
printf '\ndemo done: %s\n' "$out/default.pgo"
