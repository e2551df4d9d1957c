#!/usr/bin/env bash
# docs/ci.md: its two recipes, GitHub Actions and GitLab CI, parsed as YAML
# and run on this machine by tests/docs/ci_emulate.py: their shell steps
# verbatim and in order, in a workspace that holds a small Go service, with
# the settings the page names pointed at a real `pgotool serve` that holds two
# CPU profiles of that service, and pgotool's source cloned from this
# checkout's HEAD at the tag the recipes name. The recipes' apt-get calls go
# to a stand-in that installs nothing and fails unless every package named is
# installed (this machine is Debian 12, as the recipes' image is).
#
# Each recipe runs three times, in the same workspace path with the CI
# service's cache kept between runs:
#   1. default.pgo is fetched, the cache key is the hash of its edges, the
#      build uses -pgo and the cache is saved;
#   2. the same profiles: default.pgo is kept (fetch -keep-if-unchanged),
#      the key is the same, the cache hits and `go build -x` compiles nothing;
#   3. the store is down: the job still succeeds; GitHub's run builds with
#      the last default.pgo from its cache, GitLab's (with its cache emptied)
#      without a profile, and says so.
# Then the page's claim about the key: the edges of a profile merged in
# another order or compacted give the same key, and go builds nothing anew
# for them; a profile with other edges gives another key.
. "$(dirname "$0")/../cli/lib.sh" || exit 1
. "$PGO_SRC/tests/cli/serve-lib.sh" || exit 1
serve_require_tools
require_go
for tool in python3 git cmake dpkg-query sha256sum; do
	command -v $tool >/dev/null 2>&1 && continue
	[ "${CI:-}" = "true" ] && { echo "FATAL: $test_name needs $tool"; exit 1; }
	echo "SKIP: $test_name: $tool is not installed"
	exit 77
done
watchdog 1500
set -o pipefail

PAGE=$PGO_SRC/docs/ci.md
EMU=$PGO_SRC/tests/docs/ci_emulate.py
for v in $(env | sed -n 's/^\(DD_[A-Za-z0-9_]*\|PGOTOOL_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
bail() {
	fail "$*"
	done_testing
}

# ---- the recipes ----
awk -v dir="$TEST_TMP" '
	/^```yaml[ \t]*$/ { n++; f = dir "/block-" n ".yaml"; next }
	/^```[ \t]*$/ { f = "" }
	f { print > f }
' "$PAGE"
n_blocks=$(ls block-*.yaml 2>/dev/null | wc -l)
check "docs/ci.md has two yaml blocks (got $n_blocks)" [ "$n_blocks" = 2 ]
GH="" GL=""
for f in block-*.yaml; do
	if grep -q '^jobs:' "$f" && grep -q 'runs-on:' "$f"; then GH=$f; elif grep -q '^  script:' "$f"; then GL=$f; fi
done
[ -n "$GH" ] && [ -n "$GL" ] || bail "one block is a GitHub workflow (jobs:, runs-on:) and one a GitLab job (script:)"
pass "one block is a GitHub workflow, one a GitLab job"

# Parse both; where PyYAML is there, the emulator's own reader must agree
# with it (it stands in for PyYAML where python3-yaml is missing).
for f in "$GH" "$GL"; do
	if python3 "$EMU" parse "$f" >"$f.json" 2>"$f.err" && python3 - "$f.json" >"$f.cmp" 2>&1 <<'EOF'; then
import json, sys
d = json.load(open(sys.argv[1]))
a, b = d["pyyaml"], d["mini"]
if a is None:
    print("no PyYAML: the emulator's reader alone")
    sys.exit(0 if isinstance(b, dict) else 1)
if "jobs" in a:  # YAML 1.1 reads the key "on" as true: compare the jobs
    a, b = a["jobs"], b.get("jobs")
print("PyYAML and the emulator's reader agree" if a == b else "PyYAML and the emulator's reader differ")
sys.exit(0 if a == b else 1)
EOF
		pass "$f parses as YAML: $(head -n 1 "$f.cmp")"
	else
		fail "$f parses as YAML, the same with PyYAML and the emulator's reader"
		cat "$f.err" "$f.cmp" 2>/dev/null | head -n 20 | say
	fi
done
read -r GH_IMAGE GH_REF GL_IMAGE GL_REF < <(python3 - "$GH.json" "$GL.json" <<'EOF'
import json, sys
gh, gl = (json.load(open(f)) for f in sys.argv[1:])
gh = gh["pyyaml"] or gh["mini"]
gl = gl["pyyaml"] or gl["mini"]
job = next(iter(gh["jobs"].values()))
ref = [s["with"].get("ref", "") for s in job["steps"] if s.get("with", {}).get("repository")]
glj = gl["build"]
print(job.get("container", "-"), (ref or ["-"])[0], glj.get("image", "-"), gl["variables"].get("PGOTOOL_REF", "-"))
EOF
)
os=$(. /etc/os-release && echo "$ID $VERSION_ID")
check "both recipes run in golang:*-bookworm (Debian 12: $GH_IMAGE, $GL_IMAGE)" \
	bash -c "[[ '$GH_IMAGE' == golang:*-bookworm && '$GL_IMAGE' == golang:*-bookworm ]]"
[ "$os" = "debian 12" ] || echo "# note: this machine is $os, not Debian 12: the package names are checked against it"
check "both recipes build pgotool at one tag ($GH_REF, $GL_REF)" bash -c "[ '$GH_REF' = '$GL_REF' ] && [ '$GH_REF' != - ]"

# ---- what the jobs need around them ----
# apt-get: installs nothing; `install` fails unless every package is installed.
mkdir -p shim
cat >shim/apt-get <<'EOF'
#!/bin/sh
echo "apt-get $*" >>"${APT_LOG:?}"
[ "$1" = update ] && exit 0
[ "$1" = install ] || { echo "apt-get stand-in: only update and install" >&2; exit 100; }
shift
missing=""
for p in "$@"; do
	case $p in -*) continue ;; esac
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "E: not installed on this machine:$missing" >&2
exit 100
EOF
chmod +x shim/apt-get
export APT_LOG=$TEST_TMP/apt.log

# pgotool's repository: this checkout's HEAD, tagged as the recipes ask.
git init -q origin && git -C origin fetch -q "$PGO_SRC" HEAD && git -C origin tag "$GH_REF" FETCH_HEAD ||
	bail "a repository with $PGO_SRC's HEAD tagged $GH_REF"
ORIGIN=file://$TEST_TMP/origin

# The service: a Go module with its main package in ./cmd/hello, a git
# repository (go build stamps the commit) with a fixed commit date.
mkdir -p app/cmd/hello
printf 'module example.com/hello\n\ngo 1.21\n' >app/go.mod
cat >app/cmd/hello/main.go <<'EOF'
// Command hello keeps a core busy for -seconds, writing a CPU profile with
// -cpuprofile: the service of the CI recipes' test.
package main

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime/pprof"
	"sort"
	"strings"
	"time"
)

func main() {
	profile := flag.String("cpuprofile", "", "write a CPU profile here")
	seconds := flag.Float64("seconds", 0.1, "how long to work")
	flag.Parse()
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	deadline := time.Now().Add(time.Duration(*seconds * float64(time.Second)))
	var sum [32]byte
	for n := 1; time.Now().Before(deadline); n++ {
		sum = words(20000+n, sum)
	}
	fmt.Printf("%x\n", sum[:4])
}

func words(n int, seed [32]byte) [32]byte {
	counts := map[string]int{}
	x := uint32(n) ^ uint32(seed[0])
	for i := 0; i < n; i++ {
		x = next(x)
		counts[word(x)]++
	}
	list := make([]string, 0, len(counts))
	for k := range counts {
		list = append(list, k)
	}
	sort.Slice(list, func(a, b int) bool {
		if counts[list[a]] != counts[list[b]] {
			return counts[list[a]] > counts[list[b]]
		}
		return list[a] < list[b]
	})
	return sha256.Sum256([]byte(strings.Join(list, " ")))
}

func next(x uint32) uint32 {
	x ^= x << 13
	x ^= x >> 17
	x ^= x << 5
	return x
}

func word(x uint32) string {
	var b [5]byte
	for i := range b {
		b[i] = "etaoinsh"[x%8]
		x /= 8
	}
	return string(b[:])
}
EOF
(cd app && git init -q && git add -A &&
	GIT_AUTHOR_DATE=2026-01-01T00:00:00Z GIT_COMMITTER_DATE=2026-01-01T00:00:00Z \
		git -c user.name=ci -c user.email=ci@example.com commit -q -m hello) || bail "the service's repository"

# Two CPU profiles of it, in a store with keys.
(cd app && go build -o "$TEST_TMP/hello-plain" ./cmd/hello) 2>build.err || { say <build.err; bail "build the service"; }
for i in 1 2; do
	./hello-plain -cpuprofile "prof-$i.pprof" -seconds 2 >/dev/null || bail "profile the service ($i)"
done
API_KEY=api-$RANDOM$RANDOM
APP_KEY=app-$RANDOM$RANDOM
start_server store --data store-data --api-key "$API_KEY" --app-key "$APP_KEY" || bail "start pgotool serve"
STORE_PID=$PID
for i in 1 2; do
	event_json ev.json "$(iso -$((10 * i)))" "$(iso -$((10 * i - 2)))" "service:hello,env:prod,version:1.0.0,runtime:go,pgo:false"
	upload up "/profiling/v1/input" ev.json "prof-$i.pprof"
	expect_code up 200 "upload profile $i of the service"
done
STORE_URL=$URL

# ---- running a recipe ----
# ci KIND RUN-NAME RUN-ID CACHE-DIR [ci_emulate options]: runs the recipe of
# KIND in the workspace ws-KIND (emptied first, as a new runner's), with the
# CI service's cache in CACHE-DIR. Sets OUT (its output) and REPORT.
ci() {
	local kind=$1 name=$2 id=$3 cache=$4 recipe sets
	shift 4
	rm -rf "ws-$kind" "home-$kind"
	OUT=$TEST_TMP/$name.out
	REPORT=$TEST_TMP/$name.json
	if [ "$kind" = github ]; then
		recipe=$GH
		sets=(--set "secrets.PGOTOOL_API_KEY=$API_KEY" --set "secrets.PGOTOOL_APP_KEY=$APP_KEY"
			--set "vars.PGOTOOL_API=$STORE_URL" --repo "your-org/pgotool=$ORIGIN")
	else
		recipe=$GL
		sets=(--set "DD_API_KEY=$API_KEY" --set "DD_APP_KEY=$APP_KEY" --set "PGOTOOL_API=$STORE_URL"
			--set "PGOTOOL_GIT=$ORIGIN")
	fi
	timeout 900 python3 "$EMU" "$kind" "$recipe" --workspace "$TEST_TMP/ws-$kind" --app "$TEST_TMP/app" \
		--cache "$TEST_TMP/$cache" --home "$TEST_TMP/home-$kind" --run-id "$id" --report "$REPORT" \
		--env "PATH=$TEST_TMP/shim:$PATH" "${sets[@]}" "$@" >"$OUT" 2>&1
}
# ran DESCRIPTION: the last run succeeded (else its output's end is shown).
ran() {
	if python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["ok"] else 1)' "$REPORT" 2>/dev/null; then
		pass "$1"
	else
		fail "$1"
		tail -n 30 "$OUT" | say
	fi
}
# report EXPR: a value of the last run's report (python expression on r).
report() { python3 -c "import json,sys; r = json.load(open(sys.argv[1])); print($1)" "$REPORT" 2>/dev/null; }
# edges_key FILE: the recipes' cache key of FILE, or a word that is no key.
edges_key() {
	if "$PGOTOOL" edges -o "$TEST_TMP/key.edges" "$1" 2>/dev/null; then
		sha256sum <"$TEST_TMP/key.edges" | cut -c1-16
	else
		echo "unreadable"
	fi
}
pgo_of() { go version -m "$1" 2>/dev/null | sed -n 's/^[[:space:]]*build[[:space:]]*-pgo=//p'; }
compiles() { grep -c '/compile -o ' "$OUT"; }

# ---- GitHub Actions ----
ci github gh1 1 gh-cache --env "GOFLAGS=${GOFLAGS:-} -x"
ran "GitHub run 1: every step succeeds"
WS=$TEST_TMP/ws-github
PGO=$WS/cmd/hello/default.pgo
check "GitHub run 1: apt-get was asked for packages that are all installed here" \
	bash -c "grep -q '^apt-get install ' apt.log && ! grep -q '^E: not installed' '$OUT'"
check "GitHub run 1: pgotool was built and installed from $GH_REF" test -x "$WS/.pgotool/bin/pgotool"
check "GitHub run 1: fetch wrote default.pgo" grep -q 'INF wrote PGO file path=./cmd/hello/default.pgo ' "$OUT"
if "$PGOTOOL" edges "$PGO" 2>/dev/null | grep -q '^main\.words$'; then
	pass "GitHub run 1: default.pgo is a CPU profile of the service (main.words)"
else
	fail "GitHub run 1: default.pgo is a CPU profile of the service (main.words)"
fi
KEY=$(edges_key "$PGO" 2>/dev/null)
gh_key=$(report 'r["outputs"]["pgo"]["key"]')
check "GitHub run 1: the step's key is the hash of the edges ($gh_key = $KEY)" bash -c "[ -n '$KEY' ] && [ '$gh_key' = '$KEY' ]"
check "GitHub run 1: the Go cache is saved under the key" \
	bash -c "[[ '$(report '" ".join(r["saved"])')' == *go--pgo-$KEY* ]]"
check "GitHub run 1: hello is built with -pgo=$(pgo_of "$WS/hello")" [ "$(pgo_of "$WS/hello")" = "$PGO" ]
check "GitHub run 1: the build log shows the -pgo= line" grep -Eq "build[[:space:]]+-pgo=$PGO\$" "$OUT"
n1=$(compiles)
check "GitHub run 1: go build -x compiled the packages, with the profile ($n1 compiles)" [ "$n1" -gt 0 ]

ci github gh2 2 gh-cache --env "GOFLAGS=${GOFLAGS:-} -x"
ran "GitHub run 2 (the same profiles): every step succeeds"
check "GitHub run 2: the last default.pgo came back from the cache" \
	bash -c "[ '$(report 'r["caches"][0]["restored"]')' = pgo-main-1 ]"
check "GitHub run 2: fetch kept it" grep -q 'INF kept PGO file path=./cmd/hello/default.pgo ' "$OUT"
check "GitHub run 2: the same key ($(report 'r["outputs"]["pgo"]["key"]'))" [ "$(report 'r["outputs"]["pgo"]["key"]')" = "$KEY" ]
check "GitHub run 2: the Go cache hits on it" bash -c "[ '$(report 'r["caches"][1]["hit"]')' = True ]"
n2=$(compiles)
check "GitHub run 2: go build -x compiles nothing ($n2 compiles) and links hello" \
	bash -c "[ '$n2' = 0 ] && grep -q '/link -o ' '$OUT'"
check "GitHub run 2: hello is built with -pgo=" [ "$(pgo_of "$WS/hello")" = "$PGO" ]

# The page's claim about the key, on this workspace and its Go cache.
"$PGOTOOL" merge --compact -o compact.pgo "$PGO" 2>merge.err &&
	"$PGOTOOL" merge -o reordered.pgo prof-2.pprof prof-1.pprof 2>>merge.err &&
	"$PGOTOOL" merge -o one.pgo prof-1.pprof 2>>merge.err || { say <merge.err; fail "merge the profiles for the key checks"; }
check "the key: a compacted default.pgo, other bytes, has the same key" \
	bash -c "! cmp -s compact.pgo '$PGO' && [ '$(edges_key compact.pgo)' = '$KEY' ]"
check "the key: the profiles merged in the other order have the same key" [ "$(edges_key reordered.pgo)" = "$KEY" ]
one_key=$(edges_key one.pgo)
check "the key: a profile with other edges (one of the two) has another key ($one_key)" \
	bash -c "[ '$one_key' != unreadable ] && [ '$one_key' != '$KEY' ]"
check "the key: its edges are what go tool preprofile prints" \
	bash -c "go tool preprofile -i compact.pgo | cmp -s - <('$PGOTOOL' edges '$PGO')"
cp compact.pgo "$PGO"
(cd "$WS" && GOCACHE=$WS/.cache/go-build go build -x -o hello-compact ./cmd/hello) >compact-build.out 2>&1
nc=$(grep -c '/compile -o ' compact-build.out)
check "the key: go build with the compacted profile compiles nothing ($nc compiles)" \
	bash -c "[ '$nc' = 0 ] && grep -q '/link -o ' compact-build.out"

# ---- GitLab CI ----
ci gitlab gl1 1 gl-cache
ran "GitLab run 1: the job succeeds"
WS=$TEST_TMP/ws-gitlab
PGO=$WS/cmd/hello/default.pgo
check "GitLab run 1: fetch wrote default.pgo" grep -q 'INF wrote PGO file path=./cmd/hello/default.pgo ' "$OUT"
KEY=$(edges_key "$PGO" 2>/dev/null)
check "GitLab run 1: the Go build cache is in .cache/go-build/$KEY, the hash of the edges, alone" \
	bash -c "[ -n '$KEY' ] && [ \"\$(ls '$WS/.cache/go-build')\" = '$KEY' ]"
check "GitLab run 1: default.pgo is kept in the cache for the next run" cmp -s "$PGO" "$WS/.cache/pgo/default.pgo"
check "GitLab run 1: hello is built with -pgo=" [ "$(pgo_of "$WS/hello")" = "$PGO" ]

ci gitlab gl2 2 gl-cache --env "GOFLAGS=${GOFLAGS:-} -x"
ran "GitLab run 2 (the same profiles): the job succeeds"
check "GitLab run 2: the cache came back" bash -c "[ '$(report 'r["caches"][0]["hit"]')' = True ]"
check "GitLab run 2: fetch kept default.pgo" grep -q 'INF kept PGO file path=./cmd/hello/default.pgo ' "$OUT"
n2=$(compiles)
check "GitLab run 2: go build -x compiles nothing ($n2 compiles) and links hello" \
	bash -c "[ '$n2' = 0 ] && grep -q '/link -o ' '$OUT'"
check "GitLab run 2: hello is built with -pgo=" [ "$(pgo_of "$WS/hello")" = "$PGO" ]

# ---- the store is down: the build goes on ----
stop_server "$STORE_PID"
ci github gh3 3 gh-cache
ran "GitHub run 3 (store down): every step succeeds"
WS=$TEST_TMP/ws-github
check "GitHub run 3: fetch logged the failure and went on" grep -q 'pgotool fetch failed, but -fail is not set' "$OUT"
check "GitHub run 3: hello is built with the last default.pgo, from the cache" \
	bash -c "[ '$(pgo_of "$WS/hello")' = '$WS/cmd/hello/default.pgo' ] && [ '$(report 'r["caches"][1]["hit"]')' = True ]"

ci gitlab gl3 3 gl-cache-empty
ran "GitLab run 3 (store down, no cache): the job succeeds"
WS=$TEST_TMP/ws-gitlab
check "GitLab run 3: fetch logged the failure and went on" grep -q 'pgotool fetch failed, but -fail is not set' "$OUT"
check "GitLab run 3: hello is built without a profile" bash -c "[ -x '$WS/hello' ] && [ -z '$(pgo_of "$WS/hello")' ]"
check "GitLab run 3: the job says it built without PGO" grep -q '^warning, built without PGO' "$OUT"
check "GitLab run 3: its Go build cache is .cache/go-build/none" test -d "$WS/.cache/go-build/none"
done_testing
