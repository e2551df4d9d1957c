#!/usr/bin/env bash
# How pgotool's output fares with older Go releases. Not part of `make test`:
# it downloads toolchains through the Go module proxy (GOTOOLCHAIN=goX.Y.Z).
#
#   scripts/go-releases.sh [-p PGOTOOL] [RELEASE...]
#
# RELEASE defaults to the latest patch release of go1.21 ... go1.25. The
# profiles are recorded once, with the installed Go, from tests/go/cmd/burn
# (three 1 s runs). For each release the script checks:
#   preprofile  whether `go tool preprofile` exists (it appeared in Go 1.23);
#   edges       whether `pgotool edges X` prints what that release's
#               `go tool preprofile -i X` prints, for the inputs, the merges
#               and grpc-anon.pprof;
#   full=go     whether `go build -a -trimpath -pgo=default.pgo` gives the same
#               binary with pgotool's merge (--no-noinline) and with
#               `go tool pprof -proto`'s merge of the same inputs: "same"
#               (bytes), "same code, build ID differs" (the build ID hashes
#               the profile's bytes before Go 1.23), or "DIFFERENT";
#   compact     the same with pgotool's --compact merge against the full merge.
#               Go 1.21 and 1.22 walked whole stacks (not just the last two
#               frames), so a difference there is a finding, not a failure.
# Prints a Markdown table. Exit 0 when every check that applies ran (whatever
# it found), 1 when a toolchain or a build could not be run.
set -u -o pipefail

usage() { echo "usage: $0 [-p PGOTOOL] [RELEASE...]" >&2; exit 2; }

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PGOTOOL="$ROOT/build/pgotool"
while getopts p:h opt; do
	case $opt in
	p) PGOTOOL=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
case $PGOTOOL in /*) ;; *) PGOTOOL="$PWD/$PGOTOOL" ;; esac
[ -x "$PGOTOOL" ] || { echo "$0: no pgotool at $PGOTOOL (run make, or pass -p)" >&2; exit 1; }
command -v go >/dev/null || { echo "$0: go is not on PATH" >&2; exit 1; }
command -v perl >/dev/null || { echo "$0: perl is needed to compare binaries" >&2; exit 1; }

GRPC="$ROOT/../shared/testdata/grpc-anon.pprof"
[ -f "$GRPC" ] || GRPC="$ROOT/tests/data/shared/grpc-anon.pprof"
[ -f "$GRPC" ] || { echo "$0: grpc-anon.pprof not found" >&2; exit 1; }
PROGS="$ROOT/tests/go"

export GOFLAGS="-mod=mod"
export PPROF_BINARY_PATH=/nonexistent
LOCAL_GO=$(GOTOOLCHAIN=local go env GOVERSION)

# Latest patch release of each minor version, from the module proxy's list of
# toolchain modules; a fixed list if that fails.
latest_releases() {
	local plat list
	plat="$(go env GOHOSTOS)-$(go env GOHOSTARCH)"
	list=$(GOTOOLCHAIN=local go list -m -versions golang.org/toolchain 2>/dev/null | tr ' ' '\n' |
		sed -n "s/^v0\.0\.1-\(go1\.[0-9]*\.[0-9]*\)\.$plat\$/\1/p")
	if [ -z "$list" ]; then
		echo "note: could not list toolchains from the module proxy; using a fixed list" >&2
		echo go1.21.13 go1.22.12 go1.23.12 go1.24.13 go1.25.14
		return
	fi
	local minor
	for minor in 21 22 23 24 25; do
		echo "$list" | grep "^go1\.$minor\." | sort -t. -k3,3n | tail -n 1
	done
}

if [ $# -gt 0 ]; then
	RELEASES="$*"
else
	RELEASES=$(latest_releases | tr '\n' ' ')
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pgotool-go-releases.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
status=0

# ---- profiles and merges, with the installed Go ----
(cd "$PROGS" && GOTOOLCHAIN=local go build -trimpath -o "$WORK/burn" ./cmd/burn) ||
	{ echo "$0: could not build tests/go/cmd/burn" >&2; exit 1; }
./burn -duration 1s -mode shapes -seed 1 -cpuprofile a.pprof &&
	./burn -duration 1s -mode tree -seed 2 -cpuprofile b.pprof &&
	./burn -duration 1s -mode mixed -seed 3 -cpuprofile c.pprof ||
	{ echo "$0: could not record profiles" >&2; exit 1; }
cp "$GRPC" grpc.pprof
"$PGOTOOL" merge --no-noinline -o full.pprof a.pprof b.pprof c.pprof &&
	"$PGOTOOL" merge --no-noinline --compact -o compact.pprof a.pprof b.pprof c.pprof &&
	"$PGOTOOL" merge -o grpc-merged.pprof grpc.pprof &&
	"$PGOTOOL" merge --compact -o grpc-compact.pprof grpc.pprof &&
	GOTOOLCHAIN=local go tool pprof -proto -symbolize=none a.pprof b.pprof c.pprof >go.pprof 2>/dev/null ||
	{ echo "$0: could not merge the profiles" >&2; exit 1; }
EDGE_INPUTS="a b c grpc full compact go grpc-merged grpc-compact"
n_edge_inputs=$(echo $EDGE_INPUTS | wc -w)

# blank FILE BUILDID: FILE with every occurrence of its Go build ID dashed out.
blank() { ID="$2" perl -0777 -pe 's/\Q$ENV{ID}\E/"-" x length($ENV{ID})/ge' "$1"; }

# compare BIN1 BIN2: "same" (bytes), "same code, build ID differs", or "DIFFERENT".
# Go 1.21 and 1.22 hash the -pgo file's bytes into the build ID, so two
# profiles with the same edges give binaries that differ only there.
compare() {
	local id1 id2
	if cmp -s "$1" "$2"; then echo same; return; fi
	if id1=$(GOTOOLCHAIN=local go tool buildid "$1") && id2=$(GOTOOLCHAIN=local go tool buildid "$2") &&
		blank "$1" "$id1" >"$1.blank" && blank "$2" "$id2" >"$2.blank" && cmp -s "$1.blank" "$2.blank"; then
		echo "same code, build ID differs"
	else
		echo DIFFERENT
	fi
}

# build RELEASE PROFILE OUT: build burn with that release, always with the
# same -pgo path (the build info records it).
build() {
	mkdir -p "$WORK/pgo" && cp "$2" "$WORK/pgo/default.pgo" &&
		(cd "$PROGS" && GOTOOLCHAIN=$1 go build -a -trimpath -pgo="$WORK/pgo/default.pgo" \
			-o "$WORK/$3" ./cmd/burn) 2>"$WORK/build.log"
}

echo "pgotool: $PGOTOOL"
echo "profiles recorded and merged with $LOCAL_GO; full.pprof $(wc -c <full.pprof) bytes," \
	"compact.pprof $(wc -c <compact.pprof) bytes"
echo
echo "| release | go tool preprofile | pgotool edges = preprofile | binary: pgotool merge = go tool pprof merge | binary: --compact = full merge |"
echo "|---|---|---|---|---|"
for r in $RELEASES; do
	if ! v=$(GOTOOLCHAIN=$r go env GOVERSION 2>"$WORK/dl.log") || [ "$v" != "$r" ]; then
		echo "| $r | toolchain download failed: $(tail -n 1 "$WORK/dl.log") | - | - | - |"
		status=1
		continue
	fi
	pre="no" edges="-"
	if GOTOOLCHAIN=$r go tool -n preprofile >/dev/null 2>&1; then
		pre="yes"
		ok=0 bad=""
		for f in $EDGE_INPUTS; do
			if GOTOOLCHAIN=$r go tool preprofile -i $f.pprof -o $f.$r.pre 2>/dev/null &&
				"$PGOTOOL" edges $f.pprof >$f.edges && cmp -s $f.edges $f.$r.pre; then
				ok=$((ok + 1))
			else
				bad="$bad $f"
			fi
		done
		if [ -z "$bad" ]; then edges="yes ($ok/$n_edge_inputs)"; else edges="NO, differs for:$bad"; fi
	fi
	if build "$r" full.pprof full.$r && build "$r" go.pprof go.$r && build "$r" compact.pprof compact.$r; then
		same_go=$(compare full.$r go.$r)
		same_compact=$(compare compact.$r full.$r)
	else
		same_go="build failed: $(tail -n 1 "$WORK/build.log")" same_compact="-"
		status=1
	fi
	echo "| $r | $pre | $edges | $same_go | $same_compact |"
done
exit $status
