#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need. Idempotent: it
# asks dpkg first and calls apt-get only for what is missing.
set -euo pipefail

packages=(
	build-essential cmake pkg-config
	zlib1g-dev libdeflate-dev libzstd-dev libzip-dev
	libsqlite3-dev libmicrohttpd-dev libjansson-dev   # pgotool serve
	openssl curl     # serve tests: a test CA and certificates, HTTP requests
	clang            # libFuzzer targets
	zip unzip zstd   # shell tests build zip and zstd inputs
	time             # peak-memory figures in the benchmark
)

missing=()
for pkg in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$pkg")
	fi
done

if [ "${#missing[@]}" -gt 0 ]; then
	echo "install-deps: installing ${missing[*]}"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v go >/dev/null 2>&1; then
	# Debian's golang-go predates PGO (Go 1.21), so it would not help.
	echo "install-deps: warning: no 'go' on PATH; the Go conformance tests need Go 1.21 or later" >&2
fi
