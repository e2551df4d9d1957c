#!/usr/bin/env bash
# What -o does with each kind of path, as cp and gzip do it: a regular file is
# replaced atomically and keeps its mode and owner; a symlink is followed and
# its final target replaced in the target's own directory; a device or a FIFO
# is written in place and stays what it was. Everything happens in the test's
# temporary directory, as root and as an unprivileged user; the machine's own
# /dev is never used.
. "$(dirname "$0")/lib.sh"

EX="$PGO_SRC/examples/profiles"
PROFILE="$TEST_TMP/in.pprof"
cp "$EX/burn-1.pprof" "$PROFILE"

# The build directory may sit where another user cannot reach it, so the
# unprivileged runs use a copy of the binary in the test directory.
chmod 755 "$TEST_TMP"
cp "$PGOTOOL" "$TEST_TMP/pgotool"
chmod 755 "$TEST_TMP/pgotool"
chmod 644 "$PROFILE"

"$PGOTOOL" merge -o expected.pgo "$PROFILE"
"$PGOTOOL" edges -o expected.edges "$PROFILE"

no_temporaries() { ! ls -a "$1" | grep -q '\.tmp\.'; }

# as_user USER: sets AS to the command prefix that runs a command as USER.
as_user() {
	if [ "$1" = root ] || [ "$1" = "$(id -un)" ]; then
		AS=()
	else
		AS=(setpriv --reuid="$1" --regid="$(id -g "$1")" --clear-groups --)
	fi
}

users=()
if [ "$(id -u)" -eq 0 ]; then
	users=(root)
	if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null 2>&1; then
		users+=(nobody)
	elif [ "${CI:-}" = true ]; then
		echo "FATAL: the unprivileged cases need the user nobody and setpriv (util-linux)"
		exit 1
	fi
else
	users=("$(id -un)")
fi

for user in "${users[@]}"; do
	d="$TEST_TMP/as-$user"
	mkdir "$d"
	[ "$user" = root ] || chown "$user" "$d"
	P="$TEST_TMP/pgotool"
	as_user "$user"
	as() { "${AS[@]}" "$@"; }

	# --- a regular file: replaced, same mode (and, as root, same owner)
	as sh -c "echo old >'$d/reg.pgo'"
	chmod 640 "$d/reg.pgo"
	[ "$user" = root ] && chown nobody "$d/reg.pgo" 2>/dev/null
	owner_before=$(stat -c %U "$d/reg.pgo")
	check "[$user] a regular OUT is written" as "$P" merge -o "$d/reg.pgo" "$PROFILE"
	check "[$user] it holds the merge" cmp -s "$d/reg.pgo" expected.pgo
	check "[$user] it keeps its mode 0640" test "$(stat -c %a "$d/reg.pgo")" = 640
	check "[$user] it keeps its owner ($owner_before)" test "$(stat -c %U "$d/reg.pgo")" = "$owner_before"
	as "$P" merge -o "$d/new.pgo" "$PROFILE"
	check "[$user] a new OUT follows the umask (0644)" test "$(stat -c %a "$d/new.pgo")" = 644

	# --- a symlink: the target is replaced, the link stays
	mkdir "$d/shared" "$d/ci"
	[ "$user" = root ] || chown "$user" "$d/shared" "$d/ci"
	as sh -c "echo old >'$d/shared/default.pgo'"
	ln -s ../shared/default.pgo "$d/ci/default.pgo"
	check "[$user] OUT through a relative symlink" as "$P" merge -o "$d/ci/default.pgo" "$PROFILE"
	check "[$user] the link is still a link" test -L "$d/ci/default.pgo"
	check "[$user] its target holds the merge" cmp -s "$d/shared/default.pgo" expected.pgo
	check "[$user] no temporary file beside the link" no_temporaries "$d/ci"
	check "[$user] no temporary file beside the target" no_temporaries "$d/shared"

	ln -s "$d/ci/default.pgo" "$d/chain.pgo"
	as sh -c "echo old >'$d/shared/default.pgo'"
	check "[$user] a chain of symlinks (absolute, then relative)" as "$P" edges -o "$d/chain.pgo" "$PROFILE"
	check "[$user] both links stay links" test -L "$d/chain.pgo" -a -L "$d/ci/default.pgo"
	check "[$user] the final target holds the edges" cmp -s "$d/shared/default.pgo" expected.edges

	ln -s created.pgo "$d/dangling.pgo"
	check "[$user] a dangling symlink creates its target" as "$P" merge -o "$d/dangling.pgo" "$PROFILE"
	check "[$user] the dangling link now names the merge" \
		bash -c "test -L '$d/dangling.pgo' && cmp -s '$d/created.pgo' expected.pgo"

	ln -s loop-b "$d/loop-a"; ln -s loop-a "$d/loop-b"
	as "$P" merge -o "$d/loop-a" "$PROFILE" 2>err.txt
	rc=$?
	check "[$user] a symlink loop exits 1" test "$rc" -eq 1
	check "[$user] ... naming the path and the loop" grep -q "loop-a: .*symbolic links" err.txt

	# --- a FIFO: written in place, stays a FIFO
	mkfifo "$d/pipe"
	[ "$user" = root ] || chown "$user" "$d/pipe"
	timeout 60 cat "$d/pipe" >fifo.out &
	reader=$!
	check "[$user] OUT is a FIFO" timeout 60 "${AS[@]}" "$P" merge -o "$d/pipe" "$PROFILE"
	wait "$reader"
	check "[$user] the FIFO is still a FIFO" test -p "$d/pipe"
	check "[$user] the reader got the merge" cmp -s fifo.out expected.pgo
	check "[$user] no temporary file beside the FIFO" no_temporaries "$d"

	# --- a failed write leaves a regular OUT as it was
	if [ "$user" != root ]; then
		mkdir "$d/locked"
		echo keep >"$d/locked/out.pgo"
		chmod 755 "$d/locked"; chmod 666 "$d/locked/out.pgo"
		as "$P" merge -o "$d/locked/out.pgo" "$PROFILE" 2>err.txt
		rc=$?
		check "[$user] an unwritable directory exits 1" test "$rc" -eq 1
		check "[$user] ... with a message that says what to do" grep -q 'directory must be writable' err.txt
		check "[$user] ... and OUT is untouched" test "$(cat "$d/locked/out.pgo")" = keep
	fi
done

# --- a character device: created here, never the machine's /dev/null
if [ "$(id -u)" -eq 0 ]; then
	dev="$TEST_TMP/devices"
	mkdir "$dev"; chmod 755 "$dev"
	mknod -m 666 "$dev/null" c 1 3
	if echo probe >"$dev/null" 2>/dev/null; then
		for user in "${users[@]}"; do
			as_user "$user"
			check "[$user] merge -o a null device exits 0" "${AS[@]}" "$TEST_TMP/pgotool" merge -o "$dev/null" "$PROFILE"
			check "[$user] edges -o a null device exits 0" "${AS[@]}" "$TEST_TMP/pgotool" edges -o "$dev/null" "$PROFILE"
			check "[$user] the device is still a character device (1,3)" \
				test "$(stat -c '%F %t,%T' "$dev/null")" = "character special file 1,3"
			check "[$user] no temporary file beside the device" no_temporaries "$dev"
		done
		ln -s null "$dev/null-link"
		check "a symlink to a device writes the device" "$PGOTOOL" merge -o "$dev/null-link" "$PROFILE"
		check "the link and the device stay" \
			bash -c "test -L '$dev/null-link' && test -c '$dev/null'"
	else
		# A filesystem mounted nodev refuses device nodes even to root.
		echo "# SKIP: $TEST_TMP is on a filesystem mounted nodev: the device cases did not run"
		[ "${CI:-}" = true ] && fail "device cases need a temporary directory that allows device nodes (CI)"
	fi
fi

# --- a link into /proc's magic links (what /dev/stdout is): the kernel resolves it
ln -s /proc/self/fd/1 "$TEST_TMP/stdout-link"
"$PGOTOOL" merge -o "$TEST_TMP/stdout-link" "$PROFILE" >via-pipe.out 2>err.txt
check "OUT linked to /proc/self/fd/1 writes stdout (a file)" cmp -s via-pipe.out expected.pgo
"$PGOTOOL" merge -o "$TEST_TMP/stdout-link" "$PROFILE" 2>err.txt | cat >via-pipe2.out
check "... and stdout as a pipe" cmp -s via-pipe2.out expected.pgo
check "the link stays a link" test -L "$TEST_TMP/stdout-link"

# --- a directory as OUT
mkdir outdir
"$PGOTOOL" merge -o outdir "$PROFILE" 2>err.txt
rc=$?
check "a directory as OUT exits 1" test "$rc" -eq 1
check "... with a message that says to name a file inside it" grep -q 'name a file inside it' err.txt

done_testing
