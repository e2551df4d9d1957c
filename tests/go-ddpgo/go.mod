// ddpgo, the project's datadog-pgo-compatible client (see main.go): a module
// of its own because it needs google/pprof and go 1.26, while tests/go stays
// stdlib-only for older toolchains. tests/cli/t5000-serve-real-clients.sh and
// bench/fetch.sh build it.
module pgotool.test/ddpgo

go 1.26.0

require github.com/google/pprof v0.0.0-20261105003125-4bf881d7fb0b
