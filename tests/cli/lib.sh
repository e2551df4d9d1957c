# Shared helpers for the shell tests. Source it first:  . "$(dirname "$0")/lib.sh"
# Environment (set by ctest): PGOTOOL, PGO_SRC, PGO_BUILD, PGO_TOOLS.
set -u
: "${PGO_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${PGO_BUILD:=$PGO_SRC/build}"
: "${PGOTOOL:=$PGO_BUILD/pgotool}"
: "${PGO_TOOLS:=$PGO_BUILD/tests}"
SHARED_TESTDATA="$PGO_SRC/../shared/testdata"
[ -f "$SHARED_TESTDATA/grpc-anon.pprof" ] || SHARED_TESTDATA="$PGO_SRC/examples/profiles"
GRPC_PPROF="$SHARED_TESTDATA/grpc-anon.pprof"

test_name=$(basename "$0" .sh)
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/pgotool-$test_name.XXXXXX")
trap 'rm -rf "$TEST_TMP"' EXIT
cd "$TEST_TMP"

n_pass=0
n_fail=0

pass() { n_pass=$((n_pass + 1)); echo "ok - $*"; }
fail() { n_fail=$((n_fail + 1)); echo "not ok - $*"; }

# check "description" command...: passes when the command exits 0.
check() {
	local desc=$1; shift
	if "$@"; then pass "$desc"; else fail "$desc"; fi
}

# Go-based tests are mandatory in CI; elsewhere they skip (exit 77) when go is missing.
require_go() {
	if command -v go >/dev/null 2>&1; then
		export GOFLAGS="${GOFLAGS:-} -mod=mod"
		export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
		return 0
	fi
	if [ "${CI:-}" = "true" ]; then
		echo "FATAL: go is required in CI but is not on PATH"
		exit 1
	fi
	echo "SKIP: $test_name: go is not installed; the Go-based tests did not run"
	exit 77
}

# make_tls DIR HOST CA-NAME: a throwaway CA (DIR/ca.pem, DIR/ca.key) and a
# certificate for HOST that it signs (DIR/server.pem, DIR/server.key), all
# valid for two days. openssl's output goes to DIR/openssl.log; returns
# nonzero when a step fails.
make_tls() {
	local dir=$1 host=$2 name=$3
	mkdir -p "$dir"
	(cd "$dir" &&
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
			-days 2 -subj "/CN=$name" \
			-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr \
			-subj "/CN=$host" &&
		printf 'subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' \
			"$host" >ext.cnf &&
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial "0x$(openssl rand -hex 8)" \
			-out server.pem -days 2 -extfile ext.cnf) >"$dir/openssl.log" 2>&1
}

done_testing() {
	echo "$test_name: $n_pass passed, $n_fail failed"
	[ "$n_fail" -eq 0 ]
	exit $?
}
