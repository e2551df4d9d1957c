#!/usr/bin/env bash
# scripts/fresh-check.sh: proves that `CI=true make test` passes on a clean
# Debian 12 (bookworm) machine after nothing but scripts/install-deps.sh, so
# that what a development machine happens to have installed cannot hide a
# missing package.
#
# How: it bootstraps a minimal root (debootstrap --variant=minbase
# --include=gpgv,ca-certificates bookworm) from this machine's own Debian
# mirror into a temporary directory, copies in this machine's network
# settings (/etc/resolv.conf and its local CA certificates in
# /usr/local/share/ca-certificates), its Go toolchain
# (`go env GOROOT`, as /usr/local/go) and Node.js with npm (as /usr/local/bin/node
# and npm), a fresh clone of the repository's
# committed HEAD (as /src/pgotool; uncommitted changes are not tested) and
# ../shared beside it when it exists, then runs, chrooted into that root:
#     cd /src/pgotool && scripts/install-deps.sh && CI=true make test
# Each phase runs in its own mount, PID, UTS and IPC namespaces with a fresh
# /proc, a private devpts, and tmpfs on /tmp and /dev/shm; the root's /dev
# holds only the device nodes debootstrap makes (the host's /dev is never
# mounted into it), and capabilities such as CAP_SYS_ADMIN and
# CAP_SYS_CHROOT are dropped inside. It prints a summary (pass/fail, the time
# of each phase, the packages install-deps installed) and removes the
# temporary directory at the end unless --keep is given.
#
# Needs: root; Linux with unshare(1) and chroot(8); debootstrap (installed
# with apt-get when missing); git; Go (the Go tests need 1.26); network to the
# Debian mirror and to the Go module proxy (the root shares this machine's
# network and /etc/resolv.conf); about 6 GB of free disk under the temporary
# directory; up to 30-40 minutes on 2 cores, most of it in make test.
#
# It is not part of .ci/run: run it by hand when install-deps.sh or the
# build's requirements change.
#
# Usage: sudo scripts/fresh-check.sh [options]   (see --help)
set -euo pipefail

prog=fresh-check
usage() {
	cat <<'EOF'
Usage: scripts/fresh-check.sh [options]

Bootstraps a clean Debian 12 root, clones this repository's committed HEAD
into it and runs `scripts/install-deps.sh && CI=true make test` there.
Exits 0 only if everything passed. Must run as root.

Options:
  --keep            keep the temporary directory (root and logs) and say where
  --bootstrap-only  only bootstrap and check a root, keep it, print its
                    directory and exit; pass that directory to --root later
  --root DIR        start from a copy of the root in DIR (a directory made by
                    --bootstrap-only) instead of running debootstrap; DIR
                    itself is never changed
  --mirror URL      Debian mirror (default: this machine's own, read from
                    /etc/apt/sources.list and /etc/apt/sources.list.d/)
  --tmpdir DIR      where to make the temporary directory (default: /var/tmp)
  -h, --help        show this help

Environment: GOPROXY, GOFLAGS, GOSUMDB, GONOSUMDB, GOPRIVATE, GONOPROXY,
GOINSECURE and GOTOOLCHAIN are passed into the root as `go env` reports them
on this machine.
EOF
}

die() { echo "$prog: error: $*" >&2; exit 1; }
say() { echo "$prog: $*"; }
# The clean root and the namespaces it runs in, shared with deb-check.sh.
. "$(dirname "${BASH_SOURCE[0]}")/debroot.sh"

keep=false
bootstrap_only=false
from_root=""
mirror=""
tmpbase=/var/tmp
while [ $# -gt 0 ]; do
	case $1 in
	--keep) keep=true ;;
	--bootstrap-only) bootstrap_only=true ;;
	--root)
		[ $# -ge 2 ] || die "--root needs a directory"
		from_root=$2; shift ;;
	--root=*) from_root=${1#--root=} ;;
	--mirror)
		[ $# -ge 2 ] || die "--mirror needs a URL"
		mirror=$2; shift ;;
	--mirror=*) mirror=${1#--mirror=} ;;
	--tmpdir)
		[ $# -ge 2 ] || die "--tmpdir needs a directory"
		tmpbase=$2; shift ;;
	--tmpdir=*) tmpbase=${1#--tmpdir=} ;;
	-h|--help) usage; exit 0 ;;
	*) die "unknown argument: $1 (see --help)" ;;
	esac
	shift
done
if $bootstrap_only && [ -n "$from_root" ]; then
	die "--bootstrap-only and --root do not go together"
fi

# ---------------------------------------------------------------- the host
debroot_host_check git

# The host's /dev/null must be the null device before and after.
check_null /dev/null "the host's" || die "refusing to start: fix the host's /dev/null first"

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(git -C "$script_dir/.." rev-parse --show-toplevel 2>/dev/null) ||
	die "$script_dir/.. is not in a git repository"
shared=$(dirname "$repo")/shared

go_bin=$(command -v go || true)
[ -n "$go_bin" ] || { [ -x /usr/local/go/bin/go ] && go_bin=/usr/local/go/bin/go; } ||
	die "no Go toolchain: put go on PATH (the Go tests need Go 1.26)"
goroot=$("$go_bin" env GOROOT)
[ -x "$goroot/bin/go" ] || die "go env GOROOT ($goroot) has no bin/go"
go_version=$("$goroot/bin/go" env GOVERSION)
# Go settings of this machine that the root should share (module proxy etc.).
go_env=()
for var in GOPROXY GOFLAGS GOSUMDB GONOSUMDB GOPRIVATE GONOPROXY GOINSECURE GOTOOLCHAIN; do
	val=$("$go_bin" env "$var")
	[ -z "$val" ] || go_env+=("$var=$val")
done

if [ -z "$mirror" ] && [ -z "$from_root" ]; then
	mirror=$(find_mirror | head -n 1 || true)
	[ -n "$mirror" ] || die "found no bookworm 'deb' source in /etc/apt/sources.list or /etc/apt/sources.list.d/; pass --mirror URL"
fi
case $mirror in
""|http://*|https://*) ;;
*) die "--mirror must be an http:// or https:// URL, not '$mirror'" ;;
esac

# ---------------------------------------------------------------- the work directory
[ -d "$tmpbase" ] || die "--tmpdir $tmpbase is not a directory"
avail_kb=$(df -Pk "$tmpbase" | awk 'NR == 2 { print $4 }')
[ "${avail_kb:-0}" -ge $((6 * 1024 * 1024)) ] ||
	die "$tmpbase has $((avail_kb / 1024)) MiB free; the root, three builds and the Go caches need about 6 GB (use --tmpdir)"

work=$(realpath -e "$(mktemp -d "$tmpbase/pgotool-fresh-check.XXXXXX")")
root=$work/root
phase=setup
started=$(date +%s)

cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	if $keep || { $bootstrap_only && [ "$rc" -eq 0 ]; }; then
		say "kept $work"
	elif [ -d "$work" ]; then
		debroot_remove "$work" || rc=1
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "$prog: interrupted during $phase" >&2; exit 130' INT TERM HUP

fmt_time() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# ---------------------------------------------------------------- phase 1: the root
t0=$(date +%s)
if [ -n "$from_root" ]; then
	phase="copying the root"
	src=$(realpath -e "$from_root" 2>/dev/null) || die "--root $from_root does not exist"
	[ -f "$src/bootstrapped" ] && [ -d "$src/root" ] && [ -f "$src/root/etc/debian_version" ] ||
		die "--root $src was not made by '$0 --bootstrap-only' (no bootstrapped marker and root/)"
	[ -z "$(mounts_under "$src")" ] || die "something is mounted under $src"
	say "copying the root from $src/root"
	cp -a --one-file-system -- "$src/root" "$root"
	mirror=$(sed -n 's/^mirror=//p' "$src/bootstrapped")
	boot_label="copy of $src"
else
	phase=debootstrap
	if ! command -v debootstrap >/dev/null 2>&1; then
		say "installing debootstrap on this machine"
		command -v apt-get >/dev/null 2>&1 || die "debootstrap is not installed and there is no apt-get"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null ||
			die "apt-get install debootstrap failed"
	fi
	say "debootstrap bookworm from $mirror into $root"
	debroot_bootstrap "$mirror" "$work/debootstrap.log" gpgv,ca-certificates
	boot_label=debootstrap
fi
[ -z "$(mounts_under "$work")" ] || die "debootstrap left mounts under $work"
debroot_check
t_boot=$(($(date +%s) - t0))

if $bootstrap_only; then
	printf 'mirror=%s\ndate=%s\n' "$mirror" "$(date -u +%FT%TZ)" >"$work/bootstrapped"
	say "bootstrapped in $(fmt_time "$t_boot"); use: $0 --root $work"
	exit 0
fi

# ---------------------------------------------------------------- the files
phase="copying files into the root"
# Name resolution and certificate authorities as the host has them: the root
# uses the host's network, so it trusts what the host trusts (added with
# update-ca-certificates in the root below).
debroot_network

say "copying Go $go_version from $goroot"
[ ! -e "$root/usr/local/go" ] || die "$root/usr/local/go already exists"
mkdir "$root/usr/local/go"
cp -a -- "$goroot/." "$root/usr/local/go/"

# Node.js too, as the machines have it before a session starts (Debian 12's
# is 18; the browser tests' playwright-core needs 20): the binary and npm,
# into /usr/local, where install-deps.sh finds them on PATH.
node_bin=$(command -v node || true)
if [ -n "$node_bin" ]; then
	node_prefix=$(cd "$(dirname "$(readlink -f "$node_bin")")/.." && pwd)
	say "copying Node.js $("$node_bin" --version) from $node_prefix"
	mkdir -p "$root/usr/local/bin" "$root/usr/local/lib/node_modules"
	cp -a -- "$(readlink -f "$node_bin")" "$root/usr/local/bin/node"
	if [ -d "$node_prefix/lib/node_modules/npm" ]; then
		cp -a -- "$node_prefix/lib/node_modules/npm" "$root/usr/local/lib/node_modules/"
		ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
	fi
else
	say "no node on this machine: install-deps.sh will install Debian's"
fi

head_commit=$(git -C "$repo" rev-parse HEAD)
say "cloning $repo at $head_commit"
[ ! -e "$root/src" ] || die "$root/src already exists"
mkdir "$root/src"
git clone --quiet --no-hardlinks -- "$repo" "$root/src/pgotool"
git -C "$root/src/pgotool" checkout --quiet --detach "$head_commit"
if [ -d "$shared" ]; then
	say "copying $shared (read-only, as CI has it)"
	cp -a -- "$shared" "$root/src/shared"
	chmod -R a-w -- "$root/src/shared"
fi

# ---------------------------------------------------------------- running in the root
run_in() { # LOG COMMAND: in the clone, with CI=true and this machine's Go settings
	# PGO_FRESH_CHECK tells t8200 why it cannot make a root of its own here.
	run_in_root /src/pgotool "$1" "$2" CI=true PGO_FRESH_CHECK=1 ${go_env[@]+"${go_env[@]}"}
}
after_phase() { debroot_after "$work"; }

result=PASS
failed_phase=""
t_deps=0 t_test=0

if [ "$n_cas" -gt 0 ]; then
	phase=update-ca-certificates
	run_in "$work/update-ca-certificates.log" update-ca-certificates >/dev/null ||
		die "update-ca-certificates failed in the root: $(tail -n 5 "$work/update-ca-certificates.log")"
fi

phase=install-deps
say "running scripts/install-deps.sh in the root"
t0=$(date +%s)
if ! run_in "$work/install-deps.log" scripts/install-deps.sh; then
	result=FAIL failed_phase=install-deps
fi
t_deps=$(($(date +%s) - t0))
after_phase || { result=FAIL; failed_phase=${failed_phase:-"device check after install-deps"}; }

if [ "$result" = PASS ]; then
	phase="make test"
	say "running CI=true make test in the root"
	t0=$(date +%s)
	if ! run_in "$work/make-test.log" "CI=true make test"; then
		result=FAIL failed_phase="make test"
	fi
	t_test=$(($(date +%s) - t0))
	after_phase || { result=FAIL; failed_phase=${failed_phase:-"device check after make test"}; }
fi

# ---------------------------------------------------------------- summary
phase=summary
total=$(($(date +%s) - started))
installed=$(grep -h '^install-deps: installing ' "$work/install-deps.log" 2>/dev/null | sed 's/^install-deps: installing //' || true)
echo
echo "================ fresh-check summary ================"
echo "result:        $result${failed_phase:+ (failed in: $failed_phase)}"
echo "tested:        $head_commit (committed HEAD of $repo)"
echo "root:          Debian bookworm minbase from $mirror ($boot_label)"
echo "go:            $go_version${go_env[*]:+ with ${go_env[*]}}"
echo "root setup:    $(fmt_time "$t_boot")"
echo "install-deps:  $(fmt_time "$t_deps")"
echo "make test:     $(fmt_time "$t_test")"
echo "total:         $(fmt_time "$total")"
echo "installed:     ${installed:-(nothing: install-deps found every package present)}"
if [ -f "$work/make-test.log" ]; then
	# ctest's closing lines (the plain build, then ASan+UBSan) and the fuzzers'.
	awk '/tests passed|tests failed/ { n++; printf "%-15s%s\n", (n == 1 ? "ctest:" : n == 2 ? "ctest (ASan):" : "ctest:"), $0 }
		/^fuzz_[a-z_]+: / { printf "%-15s%s\n", "fuzz:", $0 }' "$work/make-test.log"
fi
echo "====================================================="
[ "$result" = PASS ]
