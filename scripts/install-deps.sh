#!/usr/bin/env bash
# Installs the Debian packages that the build, the sanitizer build, the fuzz
# build and every test need, on a machine that has nothing else: what a
# development machine happens to have must not matter (scripts/fresh-check.sh
# proves it in a clean Debian root). Idempotent: it asks dpkg first and calls
# apt-get only for what is missing. Recommended packages are not installed,
# so every one the project needs is named here.
set -euo pipefail

packages=(
	build-essential cmake pkg-config
	zlib1g-dev libdeflate-dev libzstd-dev libzip-dev
	libdw-dev        # pgotool inspect --binary: reads Go binaries' DWARF (elfutils)
	libsqlite3-dev libmicrohttpd-dev libjansson-dev   # pgotool serve
	libyaml-dev      # pgotool serve --scrape: the targets file
	libcurl4-openssl-dev                              # pgotool fetch
	clang libclang-rt-dev   # libFuzzer targets: clang's fuzzer and sanitizer runtimes are a separate package
	libc6-dbg        # make test-tsan: names glibc's internal functions, which tests/tsan.supp matches
	openssl curl ca-certificates   # tests: a test CA and certificates, HTTP requests, the Go module proxy
	python3          # serve tests parse JSON answers and logs
	sqlite3          # docs/operating.md's online backup (VACUUM INTO), which t9300 runs
	procps util-linux   # tests: ps; setpriv runs the output tests as an unprivileged user
	zip unzip zstd   # shell tests build zip and zstd inputs
	git              # go build stamps VCS data from the checkout the Go tests build in
	time             # peak-memory figures in the benchmark
	chromium fonts-dejavu-core   # t7000: the web UI in headless Chromium, with fonts for its screenshots
	systemd strace   # t8100: systemd-analyze checks the unit; strace, what serve calls against its system call filter
	groff-base man-db zsh   # t8000: the man pages render without warnings (groff, lexgrog); zsh runs its completion
	file debootstrap   # make deb: cpack reads ELF files with file(1); t8200 installs the .deb in a clean root
)
# t7000's browser tests run on Node.js (20 or later, for playwright-core); the
# machines come with it, so Debian's is only a fallback.
command -v node >/dev/null 2>&1 || packages+=(nodejs npm)

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

# playwright-core for t7000, exactly as tests/ui/package-lock.json pins it;
# it drives Debian's chromium and never downloads a browser.
ui=$(cd "$(dirname "$0")/.." && pwd)/tests/ui
if [ ! -f "$ui/node_modules/.package-lock.json" ] || [ "$ui/package-lock.json" -nt "$ui/node_modules/.package-lock.json" ]; then
	if command -v npm >/dev/null 2>&1; then
		echo "install-deps: npm ci in tests/ui"
		# Node.js trusts only its own CA list; the system's also holds any
		# CA a local proxy or mirror needs (Go and curl use it already).
		ca=/etc/ssl/certs/ca-certificates.crt
		(cd "$ui" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 NODE_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS:-$([ -f $ca ] && echo $ca)} \
			npm ci --no-audit --no-fund --loglevel=error >/dev/null)
	else
		echo "install-deps: warning: no 'npm' on PATH; the browser tests (t7000) need tests/ui/node_modules" >&2
	fi
fi
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
	echo "install-deps: warning: the browser tests (t7000) need Node.js 20 or later, have $(node --version 2>/dev/null || echo none)" >&2
fi

if ! command -v go >/dev/null 2>&1; then
	# Debian's golang-go predates PGO (Go 1.21), so it would not help.
	echo "install-deps: warning: no 'go' on PATH; the Go conformance tests need Go 1.21 or later" >&2
fi
