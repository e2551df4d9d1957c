# Thin wrapper over CMake. `make`, `make test`, `make demo` and `make bench`
# install missing Debian packages first (scripts/install-deps.sh).
BUILD      ?= build
BUILD_SAN  ?= build-sanitize
BUILD_FUZZ ?= build-fuzz
BUILD_TSAN ?= build-tsan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 60
FUZZ_LONG_SECONDS ?= 3600
FUZZERS    := fuzz_decode fuzz_query fuzz_ddapi fuzz_intake fuzz_push fuzz_scrape_config fuzz_gobinary
export FUZZ_JOBS

.PHONY: all deps build test test-sanitize test-tsan fuzz fuzz-long demo bench bench-serve bench-fetch bench-storage bench-ui deb clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory

# make install [PREFIX=/usr/local] [DESTDIR=]: pgotool, its man pages and bash
# and zsh completion, and libpgo (libpgo.a, libpgo.so, pgo.h, libpgo.pc), by
# cmake/install.cmake's rules. It builds what is missing and runs no test.
PREFIX ?= /usr/local
.PHONY: install
install: build
	@cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD)

# In CI the whole suite also runs under ASan+UBSan, the threaded tests under
# TSan, and the fuzzer runs briefly.
test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
ifeq ($(CI),true)
	@$(MAKE) --no-print-directory test-sanitize test-tsan fuzz
endif

test-sanitize: deps
	@cmake -S . -B $(BUILD_SAN) -DCMAKE_BUILD_TYPE=Debug -DPGO_SANITIZE=ON >/dev/null
	@cmake --build $(BUILD_SAN) -j $(JOBS) -- --no-print-directory
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --test-dir $(BUILD_SAN) --output-on-failure -j $(JOBS)

# The tests that run threads (the server, fetch's downloads, the store's
# writer, libpgo's decode and merge, merge's prefetching decoder and its
# output's compression) under ThreadSanitizer.
TSAN_TESTS ?= ^(unit/|cli/t03[15]|cli/t[45])
test-tsan: deps
	@cmake -S . -B $(BUILD_TSAN) -DCMAKE_BUILD_TYPE=Debug -DPGO_TSAN=ON >/dev/null
	@cmake --build $(BUILD_TSAN) -j $(JOBS) -- --no-print-directory
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:exitcode=66:suppressions=$(CURDIR)/tests/tsan.supp \
		ctest --test-dir $(BUILD_TSAN) --output-on-failure -j $(JOBS) -R '$(TSAN_TESTS)'

fuzz: deps
	@cmake -S . -B $(BUILD_FUZZ) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
		-DPGO_FUZZ=ON >/dev/null
	@cmake --build $(BUILD_FUZZ) -j $(JOBS) --target $(FUZZERS) -- --no-print-directory
	@for f in $(FUZZERS); do tests/fuzz/run.sh $(BUILD_FUZZ)/tests/fuzz/$$f $(FUZZ_SECONDS) || exit 1; done

# Long runs, for before a release: every target for FUZZ_LONG_SECONDS
# (default an hour) on every core.
fuzz-long:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_LONG_SECONDS) FUZZ_JOBS=$(JOBS)

# The demo needs the command alone: build only it, and show the build's
# output only when it fails.
demo: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@echo "building $(BUILD)/pgotool: cmake --build $(BUILD) --target pgotool"
	@log=$$(mktemp) && { cmake --build $(BUILD) -j $(JOBS) --target pgotool >"$$log" 2>&1 || \
		{ cat "$$log"; rm -f "$$log"; exit 1; }; } && rm -f "$$log"
	@scripts/demo.sh $(BUILD)/pgotool

bench: build
	@bench/run.sh $(BUILD)/pgotool

bench-serve: build
	@bench/serve.sh $(BUILD)/pgotool

bench-fetch: build
	@bench/fetch.sh $(BUILD)/pgotool

bench-storage: build
	@bench/storage.sh $(BUILD)/pgotool

bench-ui: build
	@bench/ui.sh $(BUILD)/pgotool

# The Debian packages, pgotool_VERSION_ARCH.deb and libpgo's, in $(BUILD) (cmake/packaging.cmake).
deb: build
	@cd $(BUILD) && cpack -G DEB

clean:
	rm -rf $(BUILD) $(BUILD_SAN) $(BUILD_TSAN) $(BUILD_FUZZ)
