#!/usr/bin/env bash
# scripts/deb-check.sh: proves that the pgotool .deb (and libpgo's, when given)
# installs on a clean Debian 12 (bookworm) machine with nothing but apt, and
# works there: its Depends line must name every library the binary needs,
# since apt installs those and nothing else.
#
# How: it bootstraps a minimal root (debootstrap --variant=minbase bookworm)
# from this machine's own Debian mirror into a temporary directory
# (scripts/debroot.sh, shared with fresh-check.sh), copies the packages in,
# and then, chrooted into that root in private namespaces:
#     apt-get update && apt-get install ./pgotool_VERSION_ARCH.deb [./libpgo...]
# (apt resolves the dependencies from the mirror), and checks that
# `pgotool --version` runs, that the binary finds every library it links,
# that the unit and the copyright are where systemd and Debian look, and that
# `pgotool serve --data /tmp/x --listen 127.0.0.1:0` answers GET /info and
# stops cleanly on SIGTERM; with libpgo's packages, that the dynamic linker
# finds the shared library and pgo.h and libpgo.pc are there. Each check prints "ok - ..." or "not ok - ...";
# a summary gives the time of each phase and what apt installed. The
# temporary directory is removed at the end unless --keep is given.
#
# Needs: root; Linux with unshare(1) and chroot(8); debootstrap; network to
# the Debian mirror; about 1 GB of free disk; a few minutes.
#
# Usage: sudo scripts/deb-check.sh [options] PACKAGE.deb...   (see --help)
set -euo pipefail

prog=deb-check
usage() {
	cat <<'EOF'
Usage: scripts/deb-check.sh [options] PACKAGE.deb...

Bootstraps a clean Debian 12 root, installs the packages there with one
apt-get install (which brings their dependencies from the mirror) and checks
that pgotool runs and serves, and that libpgo is usable when its packages are
given. One of them must be pgotool_VERSION_ARCH.deb (make deb builds them
all). Exits 0 only if every check passed. Must run as root.

Options:
  --keep          keep the temporary directory (root and logs) and say where
  --mirror URL    Debian mirror (default: this machine's own, read from
                  /etc/apt/sources.list and /etc/apt/sources.list.d/)
  --tmpdir DIR    where to make the temporary directory (default: /var/tmp)
  -h, --help      show this help
EOF
}

die() { echo "$prog: error: $*" >&2; exit 1; }
say() { echo "$prog: $*"; }
. "$(dirname "${BASH_SOURCE[0]}")/debroot.sh"

keep=false
mirror=""
tmpbase=/var/tmp
debs=()
while [ $# -gt 0 ]; do
	case $1 in
	--keep) keep=true ;;
	--mirror)
		[ $# -ge 2 ] || die "--mirror needs a URL"
		mirror=$2; shift ;;
	--mirror=*) mirror=${1#--mirror=} ;;
	--tmpdir)
		[ $# -ge 2 ] || die "--tmpdir needs a directory"
		tmpbase=$2; shift ;;
	--tmpdir=*) tmpbase=${1#--tmpdir=} ;;
	-h|--help) usage; exit 0 ;;
	-*) die "unknown option: $1 (see --help)" ;;
	*) debs+=("$1") ;;
	esac
	shift
done
[ ${#debs[@]} -gt 0 ] || die "name the packages: scripts/deb-check.sh build/*.deb (make deb builds them)"
deb=""
names=()
for i in "${!debs[@]}"; do
	[ -f "${debs[$i]}" ] || die "${debs[$i]}: no such file"
	debs[$i]=$(realpath -e "${debs[$i]}")
	case $(basename "${debs[$i]}") in
	pgotool_*_*.deb) deb=${debs[$i]} ;;
	*_*_*.deb) ;;
	*) die "${debs[$i]}: not named PACKAGE_VERSION_ARCH.deb" ;;
	esac
	names+=("./$(basename "${debs[$i]}")")
done
[ -n "$deb" ] || die "none of the packages is pgotool_VERSION_ARCH.deb"

# ---------------------------------------------------------------- the host
debroot_host_check debootstrap dpkg-deb
check_null /dev/null "the host's" || die "refusing to start: fix the host's /dev/null first"
for d in "${debs[@]}"; do
	dpkg-deb --field "$d" Package >/dev/null 2>&1 || die "$d: not a Debian package (dpkg-deb cannot read it)"
done
if [ -z "$mirror" ]; then
	mirror=$(find_mirror | head -n 1 || true)
	[ -n "$mirror" ] || die "found no bookworm 'deb' source in /etc/apt/sources.list or /etc/apt/sources.list.d/; pass --mirror URL"
fi
case $mirror in
http://*|https://*) ;;
*) die "--mirror must be an http:// or https:// URL, not '$mirror'" ;;
esac

[ -d "$tmpbase" ] || die "--tmpdir $tmpbase is not a directory"
avail_kb=$(df -Pk "$tmpbase" | awk 'NR == 2 { print $4 }')
[ "${avail_kb:-0}" -ge $((1024 * 1024)) ] ||
	die "$tmpbase has $((avail_kb / 1024)) MiB free; the root needs about 1 GB (use --tmpdir)"

work=$(realpath -e "$(mktemp -d "$tmpbase/pgotool-deb-check.XXXXXX")")
root=$work/root
phase=setup
started=$(date +%s)
cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	if $keep; then
		say "kept $work"
	elif [ -d "$work" ]; then
		debroot_remove "$work" || rc=1
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "$prog: interrupted during $phase" >&2; exit 130' INT TERM HUP

fmt_time() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# ---------------------------------------------------------------- the root
phase=debootstrap
say "debootstrap bookworm (minbase) from $mirror into $root"
t0=$(date +%s)
# ca-certificates only when the mirror speaks HTTPS: apt needs them then.
debroot_bootstrap "$mirror" "$work/debootstrap.log" "$(case $mirror in https://*) echo ca-certificates ;; esac)"
[ -z "$(mounts_under "$work")" ] || die "debootstrap left mounts under $work"
debroot_check
debroot_network
t_boot=$(($(date +%s) - t0))
mkdir "$root/root/pkg"
cp -- "${debs[@]}" "$root/root/pkg/"

result=PASS
failed_phase=""
if [ "$n_cas" -gt 0 ] && [ -x "$root/usr/sbin/update-ca-certificates" ]; then
	phase=update-ca-certificates
	run_in_root / "$work/update-ca-certificates.log" update-ca-certificates >/dev/null ||
		die "update-ca-certificates failed in the root: $(tail -n 5 "$work/update-ca-certificates.log")"
fi

# ---------------------------------------------------------------- apt-get install
phase="apt-get install"
say "apt-get install ${names[*]} in the root"
t0=$(date +%s)
if ! run_in_root /root/pkg "$work/apt.log" \
	"apt-get update -qq && apt-get install -y --no-install-recommends ${names[*]}" \
	DEBIAN_FRONTEND=noninteractive >/dev/null; then
	tail -n 30 "$work/apt.log" >&2
	echo "not ok - apt-get install ${names[*]} (log above)"
	result=FAIL failed_phase="apt-get install"
else
	echo "ok - apt-get install ${names[*]} resolves their dependencies from $mirror"
fi
t_apt=$(($(date +%s) - t0))
debroot_after "$work" || { result=FAIL; failed_phase=${failed_phase:-"device check after apt-get"}; }
installed=$(sed -n '/^The following NEW packages will be installed:/,/^[0-9]* upgraded/{/^  /p}' "$work/apt.log" |
	tr -s ' \n' ' ' | sed 's/^ //; s/ $//')

# ---------------------------------------------------------------- the installed pgotool
# Runs in the root: each check prints "ok - ..." or "not ok - ...".
read -r -d '' checks <<'EOF' || true
n_fail=0
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; n_fail=$((n_fail + 1)); }
chk() { local d=$1; shift; if "$@"; then ok "$d"; else nok "$d"; fi; }

chk "the package is installed (dpkg-query: $(dpkg-query -W -f='${Status} ${Version}' pgotool 2>&1))" \
	sh -c "dpkg-query -W -f='\${Status}' pgotool | grep -qx 'install ok installed'"
chk "pgotool is /usr/bin/pgotool" [ "$(command -v pgotool)" = /usr/bin/pgotool ]
if v=$(pgotool --version 2>&1); then ok "pgotool --version: $v"; else nok "pgotool --version: $v"; fi
missing=$(ldd /usr/bin/pgotool 2>&1 | grep 'not found' || true)
chk "every library the binary links is installed${missing:+ (missing: $missing)}" [ -z "$missing" ]
unit=$(ls /lib/systemd/system/pgotool-serve.service /usr/lib/systemd/system/pgotool-serve.service 2>/dev/null | head -n 1)
chk "the systemd unit is where systemd looks (${unit:-none})" [ -n "$unit" ]
chk "... and runs the installed binary" grep -q '^ExecStart=/usr/bin/pgotool serve ' "${unit:-/nonexistent}"
chk "/usr/share/doc/pgotool holds the copyright and a README" \
	test -s /usr/share/doc/pgotool/copyright -a -s /usr/share/doc/pgotool/README.md

pgotool serve --data /tmp/x --listen 127.0.0.1:0 >/tmp/serve.log 2>/tmp/serve.err &
pid=$!
port=""
for i in $(seq 1 300); do
	port=$(sed -n '1s|.* listening on http://127\.0\.0\.1:\([0-9][0-9]*\), .*|\1|p' /tmp/serve.log)
	[ -n "$port" ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if [ -n "$port" ]; then
	ok "pgotool serve --data /tmp/x --listen 127.0.0.1:0 listens (port $port)"
	# No curl in a minimal root: bash's /dev/tcp (a name bash knows, not a device).
	answer=$(exec 3<>"/dev/tcp/127.0.0.1/$port" &&
		printf 'GET /info HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3 &&
		timeout 30 cat <&3)
	status=$(printf '%s\n' "$answer" | head -n 1 | tr -d '\r')
	chk "GET /info answers 200 ($status)" [ "${status#HTTP/1.1 200}" != "$status" ]
	chk "... with JSON that names its endpoints" sh -c 'printf "%s" "$1" | grep -q "\"endpoints\""' sh "$answer"
	kill -TERM "$pid"
	rc=0
	for i in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		nok "SIGTERM stops serve within 30 s"
	else
		wait "$pid" || rc=$?
		chk "SIGTERM stops serve cleanly (exit $rc)" [ "$rc" -eq 0 ]
		chk "... and it says so" grep -q 'SIGTERM: stopping' /tmp/serve.log
	fi
	chk "the data directory holds the store" test -f /tmp/x/profiles.db
else
	nok "pgotool serve --data /tmp/x --listen 127.0.0.1:0 listens"
	cat /tmp/serve.log /tmp/serve.err
fi

# libpgo, when its packages were installed too.
for p in $(dpkg-query -W -f='${Package}\n' 'libpgo*' 2>/dev/null); do
	dpkg-query -W -f='${Status}' "$p" | grep -qx 'install ok installed' || continue
	case $p in
	libpgo-dev)
		chk "$p: pgo.h and libpgo.pc are installed" \
			sh -c 'dpkg -L libpgo-dev | grep -q "/include/pgo\.h$" && dpkg -L libpgo-dev | grep -q "/pkgconfig/libpgo\.pc$"'
		# pkg-config --libs libpgo reads the .pc of each module it requires.
		pc=$(dpkg -L libpgo-dev | grep '/pkgconfig/libpgo\.pc$' | head -n 1)
		mods=$(sed -n 's/^Requires\(\.private\)\{0,1\}: *//p' "${pc:-/nonexistent}" | tr ',' '\n' | awk '{ print $1 }')
		chk "$p: libpgo.pc requires modules ($(echo $mods))" [ -n "$mods" ]
		for m in $mods; do
			chk "$p: $m.pc, which libpgo.pc requires, is installed" \
				sh -c 'ls /usr/lib/*/pkgconfig/"$1".pc /usr/lib/pkgconfig/"$1".pc /usr/share/pkgconfig/"$1".pc 2>/dev/null | grep -q .' sh "$m"
		done
		;;
	*)
		chk "$p: the dynamic linker's cache has libpgo (the ldconfig trigger ran)" \
			sh -c 'ldconfig -p | grep -q "^[[:space:]]*libpgo\.so\.[0-9]"'
		;;
	esac
done
exit "$((n_fail > 0))"
EOF

if [ "$result" = PASS ]; then
	phase="checks"
	t0=$(date +%s)
	printf '%s\n' "$checks" >"$root/root/checks.sh"
	if ! run_in_root /root "$work/checks.log" "bash /root/checks.sh"; then
		result=FAIL failed_phase=checks
	fi
	t_checks=$(($(date +%s) - t0))
	debroot_after "$work" || { result=FAIL; failed_phase=${failed_phase:-"device check after the checks"}; }
fi

# ---------------------------------------------------------------- summary
total=$(($(date +%s) - started))
echo
echo "================ deb-check summary ================"
echo "result:        $result${failed_phase:+ (failed in: $failed_phase)}"
echo "packages:      ${names[*]}"
echo "depends:       $(dpkg-deb --field "$deb" Depends)"
echo "root:          Debian bookworm minbase from $mirror"
echo "debootstrap:   $(fmt_time "$t_boot")"
echo "apt-get:       $(fmt_time "$t_apt")"
echo "checks:        $(fmt_time "${t_checks:-0}")"
echo "total:         $(fmt_time "$total")"
echo "apt installed: ${installed:-(nothing)}"
echo "==================================================="
[ "$result" = PASS ]
