# scripts/debroot.sh: a clean Debian 12 (bookworm) root to run commands in,
# shared by scripts/fresh-check.sh and scripts/deb-check.sh. Source it; it
# runs nothing by itself.
#
# The root is bootstrapped with debootstrap (variant minbase) from this
# machine's own Debian mirror, and every command runs chrooted into it in its
# own mount, PID, UTS and IPC namespaces, with a fresh /proc, a private devpts
# and tmpfs on /tmp and /dev/shm, and with capabilities such as
# CAP_SYS_ADMIN and CAP_SYS_CHROOT dropped. The root's /dev holds only the
# device nodes debootstrap makes (the host's /dev is never mounted into it),
# and the host's /dev/null is checked before and after. The root shares the
# host's network.
#
# The caller sets, before calling these functions:
#   prog   its name, for messages
#   root   the root's directory (an absolute path with no symlinks)
# and defines die MESSAGE (exits) and say MESSAGE.

# debroot_host_check TOOL...: Linux, root, and the tools named (besides the
# ones every function here needs).
debroot_host_check() {
	local tool
	[ "$(uname -s)" = Linux ] || die "needs Linux"
	[ "$(id -u)" -eq 0 ] || die "must run as root (it runs debootstrap, mount and chroot)"
	for tool in unshare chroot mount realpath findmnt stat "$@"; do
		command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not installed"
	done
}

# check_null PATH LABEL: PATH is the null character device (1,3).
check_null() {
	if [ -L "$1" ] || [ ! -c "$1" ] || [ "$(stat -c '%t,%T' "$1")" != "1,3" ]; then
		echo "$prog: FATAL: $2 $1 is no longer the null character device (1,3): $(ls -l "$1" 2>&1)" >&2
		return 1
	fi
}

# find_mirror: the machine's own Debian mirror: the first bookworm "deb" source.
find_mirror() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '{ sub(/#.*/, "") } $1 == "deb" {
			i = 2
			if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
			if ($(i + 1) == "bookworm") { print $i; exit }
		}' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk 'BEGIN { RS = ""; FS = "\n" } {
			types = ""; uris = ""; suites = ""; enabled = "yes"
			for (i = 1; i <= NF; i++) {
				line = $i
				if (line ~ /^#/) continue
				if (tolower(line) ~ /^types:/) { sub(/^[^:]*:[ \t]*/, "", line); types = line }
				else if (tolower(line) ~ /^uris:/) { sub(/^[^:]*:[ \t]*/, "", line); uris = line }
				else if (tolower(line) ~ /^suites:/) { sub(/^[^:]*:[ \t]*/, "", line); suites = line }
				else if (tolower(line) ~ /^enabled:/) { sub(/^[^:]*:[ \t]*/, "", line); enabled = tolower(line) }
			}
			if (enabled != "no" && (" " types " ") ~ / deb / && (" " suites " ") ~ / bookworm /) {
				split(uris, u, /[ \t]+/); print u[1]; exit
			}
		}' "$f"
	done
}

# mounts_under DIR: mount points under DIR in this (the host's) mount namespace.
mounts_under() {
	awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo
}

# inside_root_dir PATH: a directory inside the root that is really there (not
# a symlink that could lead out of it).
inside_root_dir() {
	local p=$root/$1
	[ -d "$p" ] && [ ! -L "$p" ] && [ "$(realpath -e "$p")" = "$p" ]
}

# debroot_bootstrap MIRROR LOG [PACKAGE,...]: debootstrap --variant=minbase
# bookworm into $root (which must not exist), with the packages named added.
# In private namespaces, so that nothing debootstrap mounts is seen outside
# it or outlives it.
debroot_bootstrap() {
	local mirror=$1 log=$2 include=${3:-}
	mkdir "$root"
	unshare --mount --propagation private --pid --fork --kill-child -- \
		debootstrap --variant=minbase ${include:+--include="$include"} bookworm "$root" "$mirror" \
		>"$log" 2>&1 || {
		tail -n 30 "$log" >&2
		die "debootstrap failed (log above)"
	}
}

# debroot_check: the root is complete, and its /dev holds the device nodes it
# needs. Debootstrap makes them itself (with mknod); anything missing or not
# a character device is made here, inside the root's /dev only.
debroot_check() {
	local d spec name maj min mode p
	[ -x "$root/bin/bash" ] && [ -x "$root/usr/bin/env" ] || die "$root has no bash: bootstrap incomplete"
	[ -x "$root/usr/bin/setpriv" ] || die "$root has no setpriv (util-linux)"
	for d in proc tmp etc root usr usr/local; do
		inside_root_dir "$d" || die "$root/$d is not a directory"
	done
	inside_root_dir dev || die "$root/dev is not a directory"
	for spec in null:1:3:666 zero:1:5:666 full:1:7:666 random:1:8:666 urandom:1:9:666 \
		tty:5:0:666 console:5:1:600 ptmx:5:2:666; do
		IFS=: read -r name maj min mode <<<"$spec"
		p=$root/dev/$name
		if [ -L "$p" ] || [ ! -c "$p" ] || [ "$(stat -c '%t,%T' "$p")" != "$(printf '%x,%x' "$maj" "$min")" ]; then
			if [ -e "$p" ] || [ -L "$p" ]; then
				say "root's /dev/$name is $(stat -c '%F' "$p"), making it a character device"
				rm -rf --one-file-system -- "$p"
			fi
			mknod -m "$mode" "$p" c "$maj" "$min"
		fi
	done
	mkdir -p "$root/dev/pts" "$root/dev/shm"
	[ -L "$root/dev/fd" ] || ln -s /proc/self/fd "$root/dev/fd"
}

# debroot_network: name resolution as the host has it, and localhost as any
# machine has it; the host's own certificate authorities (a site CA, or the
# CA of a TLS-intercepting proxy) into /usr/local/share/ca-certificates, for
# update-ca-certificates in the root. Sets n_cas to how many were copied.
debroot_network() {
	local host_cas=/usr/local/share/ca-certificates
	rm -f -- "$root/etc/resolv.conf"
	cp -L -- /etc/resolv.conf "$root/etc/resolv.conf"
	if ! grep -qs '^127\.0\.0\.1[[:space:]].*localhost' "$root/etc/hosts"; then
		rm -f -- "$root/etc/hosts"
		printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
	fi
	n_cas=0
	if [ -d "$host_cas" ]; then
		n_cas=$(find -L "$host_cas" -type f -name '*.crt' | wc -l)
	fi
	if [ "$n_cas" -gt 0 ]; then
		inside_root_dir usr/local/share || die "$root/usr/local/share is not a directory"
		mkdir -p "$root/usr/local/share/ca-certificates"
		inside_root_dir usr/local/share/ca-certificates || die "$root$host_cas is not a directory"
		say "copying the host's $n_cas local CA certificate(s) from $host_cas"
		cp -RL -- "$host_cas/." "$root/usr/local/share/ca-certificates/"
	fi
}

# in_namespace ROOT DIR COMMAND [VAR=VALUE...]: runs inside the new
# namespaces (see run_in_root): mounts a fresh /proc, a private devpts and
# tmpfs on /tmp (device nodes allowed: a test makes one) and /dev/shm inside
# the root, then chroots, drops the capabilities nothing there needs
# (mounting, chroot, modules, raw I/O, ...) and runs `cd DIR && COMMAND` in a
# clean environment plus the settings given.
in_namespace() {
	set -euo pipefail
	local root=$1 dir=$2 cmd=$3 d
	shift 3
	for d in proc dev/pts dev/shm tmp; do
		if [ ! -d "$root/$d" ] || [ -L "$root/$d" ] || [ "$(realpath -e "$root/$d")" != "$root/$d" ]; then
			echo "debroot: $root/$d is not a directory inside the root" >&2
			exit 1
		fi
	done
	mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
	mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5,nosuid,noexec devpts "$root/dev/pts"
	mount -t tmpfs -o mode=1777,size=8g,nosuid tmpfs "$root/tmp"
	mount -t tmpfs -o mode=1777,size=1g,nosuid,nodev tmpfs "$root/dev/shm"
	exec chroot "$root" /usr/bin/setpriv \
		--bounding-set=-sys_admin,-sys_chroot,-sys_module,-sys_rawio,-sys_boot,-sys_time,-sys_pacct,-mac_admin,-mac_override,-syslog,-net_admin,-linux_immutable,-wake_alarm,-block_suspend,-audit_control \
		-- /usr/bin/env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash TERM=dumb \
		PATH=/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		"$@" /bin/bash -c "cd $dir && $cmd"
}

# run_in_root DIR LOG COMMAND [VAR=VALUE...]: `cd DIR && COMMAND` in the root,
# in new mount, PID, UTS and IPC namespaces; its output goes to the terminal
# and to LOG. Its status is COMMAND's.
run_in_root() {
	local dir=$1 log=$2 cmd=$3
	shift 3
	unshare --mount --propagation private --pid --fork --kill-child --uts --ipc -- \
		bash -c "$(declare -f in_namespace); in_namespace \"\$@\"" in_namespace \
		"$root" "$dir" "$cmd" "$@" 2>&1 | tee "$log"
}

# debroot_after WORK: after each command: both /dev/null are still the null
# device, and nothing is left mounted under WORK.
debroot_after() {
	local ok=0
	check_null /dev/null "the host's" || ok=1
	check_null "$root/dev/null" "the root's" || ok=1
	[ -z "$(mounts_under "$1")" ] || { echo "$prog: FATAL: mounts left under $1" >&2; ok=1; }
	return "$ok"
}

# debroot_remove WORK: removes WORK, unless something is still mounted under
# it (then it says what, and leaves it).
debroot_remove() {
	if [ -n "$(mounts_under "$1")" ]; then
		echo "$prog: something is still mounted under $1; NOT removing it:" >&2
		mounts_under "$1" >&2
		return 1
	fi
	rm -rf --one-file-system -- "$1" || { echo "$prog: could not remove $1" >&2; return 1; }
}
