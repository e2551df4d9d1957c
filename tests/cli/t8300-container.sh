#!/usr/bin/env bash
# packaging/Containerfile: its build stage installs every library the build
# looks for with pkg-config, and its run stage is what the README promises
# (a non-root USER, VOLUME /var/lib/pgotool, EXPOSE 8126, ENTRYPOINT pgotool,
# serve by default). Where a container engine runs (docker with a daemon, or
# podman), the image is built and run: serve answers GET /info on the
# published port as a non-root user, the health check passes, `docker stop`
# stops it cleanly, and `run IMAGE fetch` from another container gets a
# default.pgo out of it, as a CI runner would. Without an engine the test
# skips after the static checks, saying which was missing.
. "$(dirname "$0")/lib.sh"

CF=$PGO_SRC/packaging/Containerfile

# ---- the recipe itself
check "packaging/Containerfile exists" test -f "$CF"
inst() { grep -E "^$1" "$CF"; }
check "a build stage on debian:bookworm" sh -c "grep -Eq '^FROM debian:bookworm AS build\$' '$CF'"
check "a run stage on Debian bookworm that takes only the packages from the build stage" \
	sh -c "grep -Eq '^FROM debian:bookworm(-slim)?\$' '$CF' && grep -q '^COPY --from=build /build/deb/' '$CF'"
user=$(inst 'USER ' | tail -n 1 | awk '{ print $2 }')
check "USER is not root ($user)" sh -c "[ -n '$user' ] && ! printf '%s' '$user' | grep -Eq '^(root|0)(:|\$)'"
check "VOLUME /var/lib/pgotool" sh -c "grep -qx 'VOLUME /var/lib/pgotool' '$CF'"
check "EXPOSE 8126" sh -c "grep -qx 'EXPOSE 8126' '$CF'"
check "ENTRYPOINT pgotool" sh -c "grep -qx 'ENTRYPOINT \\[\"pgotool\"\\]' '$CF'"
check "CMD serve --data /var/lib/pgotool --listen 0.0.0.0:8126" \
	sh -c "grep -qx 'CMD \\[\"serve\", \"--data\", \"/var/lib/pgotool\", \"--listen\", \"0.0.0.0:8126\"\\]' '$CF'"
check "the build context leaves out build directories and .git (.dockerignore)" \
	sh -c "grep -qx 'build-\\*' '$PGO_SRC/.dockerignore' && grep -qx '.git' '$PGO_SRC/.dockerignore'"

# Every pkg-config module CMakeLists.txt asks for comes, on this machine,
# from a -dev package that the build stage installs: a library added to the
# build without it fails here rather than in someone's image build.
build_pkgs=$(sed -n '/^FROM debian:bookworm AS build/,/^FROM /p' "$CF" | tr -s ' \t\\' '\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' | sort -u)
modules=$(grep -ho 'pkg_check_modules([A-Z_]* REQUIRED IMPORTED_TARGET [^)]*)' "$PGO_SRC/CMakeLists.txt" "$PGO_SRC"/cmake/*.cmake |
	awk '{ print $NF }' | tr -d ')' | sort -u)
check "CMakeLists.txt asks pkg-config for libraries ($(echo $modules))" [ -n "$modules" ]
for m in $modules; do
	pc=$(pkg-config --variable=pcfiledir "$m" 2>/dev/null)/$m.pc
	pkg=$(dpkg -S "$(readlink -f "$pc")" 2>/dev/null | head -n 1 | cut -d: -f1)
	[ -n "$pkg" ] || pkg=$(dpkg -S "$pc" 2>/dev/null | head -n 1 | cut -d: -f1)
	check "the build stage installs $pkg, for pkg-config's $m" \
		sh -c "[ -n '$pkg' ] && printf '%s\n' \"\$1\" | grep -qx '$pkg'" sh "$build_pkgs"
done
check "... and file, which cpack needs to read ELF files" sh -c 'printf "%s\n" "$1" | grep -qx file' sh "$build_pkgs"

# ---- a container engine
engine=""
why=""
if command -v docker >/dev/null 2>&1; then
	if docker info >docker-info.out 2>&1; then
		engine=docker
	else
		why="docker is only a client here: docker info says $(grep -m1 -iE 'cannot connect|error' docker-info.out || tail -n 1 docker-info.out)"
	fi
else
	why="docker is not installed"
fi
if [ -z "$engine" ]; then
	if command -v podman >/dev/null 2>&1 && podman info >podman-info.out 2>&1; then
		engine=podman
	elif command -v podman >/dev/null 2>&1; then
		why="$why; podman info fails: $(tail -n 1 podman-info.out)"
	else
		why="$why; podman is not installed"
	fi
fi
if [ -z "$engine" ]; then
	echo "SKIP: $test_name: no container engine ($why); the image was not built or run"
	[ "$n_fail" -eq 0 ] || done_testing
	exit 77
fi
echo "# container engine: $engine"

tag=pgotool-test-$$-$RANDOM
serve_name=$tag-serve
cleanup() {
	"$engine" rm -f "$serve_name" >/dev/null 2>&1
	"$engine" rmi -f "$tag" >/dev/null 2>&1
	rm -rf "$TEST_TMP"
}
trap cleanup EXIT

started=$(date +%s)
if ! "$engine" build -f "$CF" -t "$tag" "$PGO_SRC" >build.log 2>&1; then
	fail "$engine build -f packaging/Containerfile builds the image"
	tail -n 40 build.log | sed 's/^/# /'
	done_testing
fi
pass "$engine build -f packaging/Containerfile builds the image in $(($(date +%s) - started))s"

check "run IMAGE --version: $("$engine" run --rm "$tag" --version 2>&1 | head -n 1)" \
	sh -c "'$engine' run --rm '$tag' --version | grep -q '^pgotool [0-9]'"
uid=$("$engine" run --rm --entrypoint id "$tag" -u 2>&1)
check "it runs as a user other than root (id -u: $uid)" sh -c '[ -n "$1" ] && [ "$1" -ne 0 ] 2>/dev/null' sh "$uid"

"$engine" run -d --name "$serve_name" -p 127.0.0.1::8126 \
	-e PGOTOOL_API_KEY=ct-api -e PGOTOOL_APP_KEY=ct-app "$tag" >run.out 2>&1
check "run -d IMAGE starts serve" [ $? -eq 0 ]
port=$("$engine" port "$serve_name" 8126/tcp 2>/dev/null | head -n 1 | sed 's/.*://')
code=000
for i in $(seq 1 100); do
	code=$(curl -s -o info.body -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/info" 2>/dev/null)
	[ "$code" = 200 ] && break
	sleep 0.3
done
check "GET /info on the published port answers 200 (port ${port:-none}, got $code)" [ "$code" = 200 ]

# An upload from the host, and fetch from another container, as a CI job would.
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
then=$(date -u -d "@$(($(date +%s) - 60))" +%Y-%m-%dT%H:%M:%SZ)
printf '{"start":"%s","end":"%s","attachments":["cpu.pprof"],"tags_profiler":"service:ct,env:test,runtime:go","family":"go","version":"4"}\n' \
	"$then" "$now" >event.json
code=$(curl -s -o up.body -w '%{http_code}' --max-time 30 \
	-F "event=@event.json;type=application/json;filename=event.json" \
	-F "cpu.pprof=@$PGO_SRC/examples/profiles/burn-1.pprof;type=application/octet-stream;filename=cpu.pprof" \
	"http://127.0.0.1:$port/profiling/v1/input")
check "an upload to the container is stored (HTTP $code)" [ "$code" = 200 ]
mkdir -m 777 out
"$engine" run --rm --network host -v "$TEST_TMP/out:/work" -e DD_API_KEY=ct-api -e DD_APP_KEY=ct-app \
	"$tag" fetch -api "http://127.0.0.1:$port" -fail 'service:ct env:test' default.pgo >fetch.log 2>&1
rc=$?
check "run IMAGE fetch -api ... writes a default.pgo from it (exit $rc)" sh -c "[ $rc -eq 0 ] && [ -s out/default.pgo ]"
[ "$rc" -eq 0 ] || sed 's/^/# /' fetch.log
check "... that pgotool reads as a profile" "$PGOTOOL" edges out/default.pgo

if "$engine" inspect --format '{{json .State.Health}}' "$serve_name" 2>/dev/null | grep -q Status; then
	health=""
	for i in $(seq 1 30); do
		health=$("$engine" inspect --format '{{.State.Health.Status}}' "$serve_name" 2>/dev/null)
		[ "$health" = healthy ] && break
		sleep 2
	done
	check "the HEALTHCHECK says healthy (got $health)" [ "$health" = healthy ]
else
	pass "the HEALTHCHECK # SKIP: $engine does not report health for this image"
fi

started=$(date +%s)
"$engine" stop -t 20 "$serve_name" >/dev/null 2>&1
secs=$(($(date +%s) - started))
exit_code=$("$engine" inspect --format '{{.State.ExitCode}}' "$serve_name" 2>/dev/null)
check "stop (SIGTERM) stops serve cleanly: exit $exit_code in ${secs}s" sh -c "[ '$exit_code' = 0 ] && [ $secs -lt 15 ]"
"$engine" logs "$serve_name" >serve.log 2>&1
check "... and it says so" grep -q 'SIGTERM: stopping' serve.log

done_testing
