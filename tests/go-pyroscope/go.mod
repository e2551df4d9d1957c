// Go programs for the pgotool serve tests that need grafana/pyroscope-go
// (tests/go stays stdlib-only). tests/cli/t5300-serve-pyroscope.sh builds them.
module pgotool.test/pyroscope

go 1.25.0

require github.com/grafana/pyroscope-go v1.5.0

require (
	github.com/grafana/pyroscope-go/godeltaprof v0.1.12 // indirect
	github.com/klauspost/compress v1.20.2 // indirect
)
