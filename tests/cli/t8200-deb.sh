#!/usr/bin/env bash
# The Debian packages: cpack builds pgotool_VERSION_ARCH.deb (and libpgo's
# two) from the build directory into $TEST_TMP; their control fields and
# files are as Debian expects, pgotool's Depends line names the package of
# every library the binary links (dpkg-shlibdeps reads them from the ELF
# file), and scripts/deb-check.sh installs them with apt-get in a clean
# Debian 12 root bootstrapped from the mirror (so apt brings exactly those
# dependencies), then runs `pgotool --version` and a `pgotool serve` that
# answers GET /info and stops on SIGTERM. Everything, the root included, is made under
# $TEST_TMP and removed with it.
#
# The root takes minutes and the Debian mirror: outside CI the test skips
# when debootstrap, root or the mirror is missing; in CI (CI=true) it is
# mandatory.
. "$(dirname "$0")/lib.sh"

# skip MESSAGE: the rest cannot run here; a failure so far still fails.
skip() {
	echo "SKIP: $test_name: $*"
	[ "$n_fail" -eq 0 ] || done_testing
	exit 77
}
skip_or_fail() {
	if [ "${CI:-}" = "true" ]; then
		echo "FATAL: $test_name: $* (mandatory in CI)"
		exit 1
	fi
	skip "$@"
}

# The package is made from the release build; a sanitizer's build would
# package its runtime too.
if grep -aq '__asan_init\|__tsan_init' "$PGOTOOL"; then
	skip "$PGOTOOL is a sanitizer build; the package is made from the release build (make deb)"
fi
for tool in cpack dpkg-deb dpkg-shlibdeps objdump file; do
	command -v "$tool" >/dev/null 2>&1 || skip_or_fail "$tool is missing (scripts/install-deps.sh installs it)"
done

# ---- the package
started=$(date +%s)
(cd "$PGO_BUILD" && cpack -G DEB -B "$TEST_TMP/deb") >cpack.log 2>&1
rc=$?
version=$("$PGOTOOL" --version | sed -n 's/^pgotool \([0-9][0-9.]*\).*/\1/p')
arch=$(dpkg --print-architecture)
deb=$TEST_TMP/deb/pgotool_${version}_$arch.deb
if [ "$rc" -ne 0 ] || [ ! -f "$deb" ]; then
	fail "cpack -G DEB builds $(basename "$deb") (exit $rc)"
	tail -n 30 cpack.log
	done_testing
fi
check "cpack builds $(basename "$deb") in $(($(date +%s) - started))s" test -f "$deb"
soversion=$(echo "$version" | sed 's/^\(0\.[0-9]*\).*/\1/; s/^\([1-9][0-9]*\)\..*/\1/')
lib_deb=$TEST_TMP/deb/libpgo${soversion}_${version}_$arch.deb
dev_deb=$TEST_TMP/deb/libpgo-dev_${version}_$arch.deb
check "... and libpgo's: $(basename "$lib_deb") and $(basename "$dev_deb")" test -f "$lib_deb" -a -f "$dev_deb"
all_debs=("$deb")
[ -f "$lib_deb" ] && all_debs+=("$lib_deb")
[ -f "$dev_deb" ] && all_debs+=("$dev_deb")

dpkg-deb -I "$deb" >info.txt
dpkg-deb --fsys-tarfile "$deb" | tar -t | grep -v '/$' >files.txt
sed 's/^/# /' info.txt
field() { dpkg-deb --field "$deb" "$1"; }
check "Package: pgotool, Version: $version, Architecture: $arch" \
	[ "$(field Package)" = pgotool -a "$(field Version)" = "$version" -a "$(field Architecture)" = "$arch" ]
check "a Maintainer, a Section and a Description" \
	[ -n "$(field Maintainer)" -a -n "$(field Section)" -a -n "$(field Description)" ]
for f in ./usr/bin/pgotool ./usr/share/doc/pgotool/copyright ./usr/share/doc/pgotool/changelog.gz \
	./usr/share/doc/pgotool/README.md; do
	check "it ships $f" grep -qx "$f" files.txt
done
check "it ships the zsh completion where Debian's zsh looks (/usr/share/zsh/vendor-completions)" \
	grep -qx './usr/share/zsh/vendor-completions/_pgotool' files.txt
check "it ships the bash completion" grep -qx './usr/share/bash-completion/completions/pgotool' files.txt
check "it ships the systemd unit in /lib/systemd/system or /usr/lib/systemd/system" \
	grep -Eqx '\./(usr/)?lib/systemd/system/pgotool-serve\.service' files.txt
check "the unit it ships runs /usr/bin/pgotool" \
	sh -c "dpkg-deb --fsys-tarfile '$deb' | tar -xO --wildcards '*/systemd/system/pgotool-serve.service' |
		grep -q '^ExecStart=/usr/bin/pgotool serve --data /var/lib/pgotool '"
check "no file outside /usr" [ -z "$(grep -v '^\./usr/' files.txt)" ]
check "its man pages are gzipped ($(grep -c '^\./usr/share/man/' files.txt))" \
	sh -c "grep -q '^\./usr/share/man/man1/pgotool\.1\.gz$' files.txt && ! grep '^\./usr/share/man/' files.txt | grep -qv '\.gz$'"
check "it holds no part of libpgo (libpgo's packages do)" [ -z "$(grep -E '/libpgo|/pgo\.h$' files.txt)" ]
for s in postinst prerm postrm; do
	check "its $s is a shell script that never fails the install" \
		sh -c "dpkg-deb --ctrl-tarfile '$deb' | tar -xO ./$s | sh -n && dpkg-deb --ctrl-tarfile '$deb' | tar -xO ./$s | grep -q '^exit 0$'"
done

# Depends: the package of every library the binary links (NEEDED), as dpkg
# knows them on this machine, each with a version bound except where the
# library gives none.
depends=$(field Depends)
check "Depends is not empty" [ -n "$depends" ]
dpkg-deb -x "$deb" root
needed=$(objdump -p root/usr/bin/pgotool | awk '$1 == "NEEDED" { print $2 }')
check "the binary links libraries ($(echo $needed))" [ -n "$needed" ]
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
for lib in $needed; do
	path=$(ldconfig -p | awk -v l="$lib" -v m="/$multiarch/" '$1 == l && index($NF, m) { print $NF; exit }')
	pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -n 1 | cut -d: -f1)
	[ -n "$pkg" ] || pkg=$(dpkg -S "$path" 2>/dev/null | head -n 1 | cut -d: -f1)
	check "Depends names $pkg, for $lib" sh -c 'printf "%s\n" "$1" | tr "," "\n" | sed "s/^ *//" | grep -q "^$2\( \|$\)"' sh "$depends" "$pkg"
done
check "... and libc6 with a version (>= ...)" sh -c 'printf "%s" "$1" | grep -q "libc6 (>= [0-9]"' sh "$depends"

if [ -f "$lib_deb" ] && [ -f "$dev_deb" ]; then
	check "$(basename "$lib_deb"): the shared library, its shlibs and an ldconfig trigger" \
		sh -c "dpkg-deb --fsys-tarfile '$lib_deb' | tar -t | grep -q '/libpgo\.so\.$soversion\$' &&
			dpkg-deb --ctrl-tarfile '$lib_deb' | tar -xO ./shlibs | grep -q '^libpgo $soversion libpgo$soversion (= $version)' &&
			dpkg-deb --ctrl-tarfile '$lib_deb' | tar -xO ./triggers | grep -qx 'activate-noawait ldconfig'"
	check "$(basename "$dev_deb"): pgo.h, libpgo.a, libpgo.so and libpgo.pc, and Depends: libpgo$soversion (= $version) and the -dev packages of libpgo.pc's Requires.private" \
		sh -c "dpkg-deb --fsys-tarfile '$dev_deb' | tar -t >dev-files.txt &&
			grep -q '/include/pgo\.h$' dev-files.txt && grep -q '/libpgo\.a$' dev-files.txt &&
			grep -q '/libpgo\.so$' dev-files.txt && grep -q '/pkgconfig/libpgo\.pc$' dev-files.txt &&
			[ \"\$(dpkg-deb --field '$dev_deb' Depends)\" = 'libpgo$soversion (= $version), libdeflate-dev, zlib1g-dev, libzstd-dev' ]"
	for d in "$lib_deb" "$dev_deb"; do
		p=$(dpkg-deb --field "$d" Package)
		check "$p ships its copyright and changelog.gz" \
			sh -c "dpkg-deb --fsys-tarfile '$d' | tar -t | grep -c '^\./usr/share/doc/$p/\(copyright\|changelog\.gz\)$' | grep -qx 2"
	done
fi

if command -v lintian >/dev/null 2>&1; then
	lintian "${all_debs[@]}" >lintian.out 2>&1
	sed 's/^/# lintian: /' lintian.out
	check "lintian finds no error" sh -c '! grep -q "^E: " lintian.out'
fi

# ---- a clean Debian root
[ "$(id -u)" -eq 0 ] || skip_or_fail "a clean Debian root needs root (debootstrap, chroot, namespaces)"
# Inside a root that scripts/fresh-check.sh made (it sets PGO_FRESH_CHECK),
# mounting and chroot are taken away: no root can be made in it, CI or not.
# Anywhere else in CI, a machine without them fails the test.
cap_eff=$(awk '$1 == "CapEff:" { print $2 }' /proc/self/status)
if [ $(((0x${cap_eff:-0} >> 21) & 1)) -eq 0 ] || [ $(((0x${cap_eff:-0} >> 18) & 1)) -eq 0 ]; then
	why="no CAP_SYS_ADMIN or CAP_SYS_CHROOT here (CapEff $cap_eff): no clean root can be made"
	if [ "${PGO_FRESH_CHECK:-}" = 1 ]; then
		skip "$why (in a fresh-check root)"
	fi
	skip_or_fail "$why"
fi
for tool in debootstrap unshare chroot; do
	command -v "$tool" >/dev/null 2>&1 || skip_or_fail "$tool is missing (scripts/install-deps.sh installs debootstrap)"
done
prog=$test_name
die() { echo "$prog: $*" >&2; exit 1; }
say() { echo "# $*"; }
. "$PGO_SRC/scripts/debroot.sh"
mirror=$(find_mirror | head -n 1 || true)
[ -n "$mirror" ] || skip_or_fail "this machine has no bookworm 'deb' source in /etc/apt/sources.list{,.d}"
if ! curl -sfI --max-time 20 -o /dev/null "$mirror/dists/bookworm/InRelease"; then
	skip_or_fail "the Debian mirror $mirror does not answer ($mirror/dists/bookworm/InRelease)"
fi

started=$(date +%s)
"$PGO_SRC/scripts/deb-check.sh" --tmpdir "$TEST_TMP" --mirror "$mirror" "${all_debs[@]}" >deb-check.log 2>&1
rc=$?
secs=$(($(date +%s) - started))
grep -E '^(ok|not ok) - ' deb-check.log | while IFS= read -r line; do echo "$line (in the clean root)"; done
n_ok=$(grep -c '^ok - ' deb-check.log)
n_nok=$(grep -c '^not ok - ' deb-check.log)
n_pass=$((n_pass + n_ok))
n_fail=$((n_fail + n_nok))
sed -n '/^=* deb-check summary/,/^====/p' deb-check.log | sed 's/^/# /'
if [ "$rc" -eq 0 ] && [ "$n_nok" -eq 0 ] && [ "$n_ok" -ge 15 ]; then
	pass "scripts/deb-check.sh: the packages install and work in a clean Debian 12 root (${secs}s)"
else
	fail "scripts/deb-check.sh: the packages install and work in a clean Debian 12 root (exit $rc, ${secs}s)"
	tail -n 40 deb-check.log | sed 's/^/# /'
fi

done_testing
