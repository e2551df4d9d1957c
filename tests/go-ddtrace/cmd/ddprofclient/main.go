// Command ddprofclient is a Go service in miniature for the pgotool serve tests:
// it starts dd-trace-go v2's profiler, which uploads to the agent named by
// DD_TRACE_AGENT_URL (a pgotool store in the tests), burns CPU for a while and
// stops the profiler, which then uploads the last period too.
//
// The profiler tags every upload pgo:true or pgo:false depending on whether
// this binary was built with -pgo, so building it twice gives both kinds.
//
// With -endpoint, each round of work is a request: a root web span with that
// resource, traced by dd-trace-go's tracer, so that the profiler counts the
// requests of each period in the upload's endpoint_counts.
//
// Usage: ddprofclient [-service NAME] [-period D] [-burn D] [-endpoint RESOURCE]
// Environment: DD_TRACE_AGENT_URL, DD_ENV, and any other DD_* setting the
// profiler reads.
package main

import (
	"flag"
	"fmt"
	"hash/crc32"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/ext"
	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"github.com/DataDog/dd-trace-go/v2/profiler"
)

func main() {
	service := flag.String("service", "pgotool-test-client", "service name (profiler.WithService)")
	period := flag.Duration("period", 2*time.Second, "profiling period (profiler.WithPeriod)")
	burn := flag.Duration("burn", 5*time.Second, "how long to burn CPU")
	endpoint := flag.String("endpoint", "", "trace each round of work as a request to this endpoint (resource)")
	flag.Parse()

	// Stop uploads the batch in progress only with this set.
	if os.Getenv("DD_PROFILING_FLUSH_ON_EXIT") == "" {
		os.Setenv("DD_PROFILING_FLUSH_ON_EXIT", "true")
	}
	if *endpoint != "" {
		// The profiler counts requests only with this set (off by default).
		os.Setenv("DD_PROFILING_ENDPOINT_COUNT_ENABLED", "true")
		if err := tracer.Start(tracer.WithService(*service), tracer.WithProfilerEndpoints(true)); err != nil {
			fmt.Fprintln(os.Stderr, "ddprofclient: tracer.Start:", err)
			os.Exit(1)
		}
	}
	err := profiler.Start(
		profiler.WithService(*service),
		profiler.WithPeriod(*period),
		profiler.WithProfileTypes(profiler.CPUProfile, profiler.HeapProfile),
	)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ddprofclient: profiler.Start:", err)
		os.Exit(1)
	}
	sum := work(*burn, *endpoint)
	profiler.Stop()
	if *endpoint != "" {
		tracer.Stop()
	}
	fmt.Printf("ddprofclient: done, checksum %08x\n", sum)
}

// work keeps one core busy until d has passed with a mix of hot calls that
// PGO has something to say about: small functions called in loops, a sort
// with a comparison closure, string building and hashing.
// With an endpoint, each round is a request to it.
func work(d time.Duration, endpoint string) uint32 {
	deadline := time.Now().Add(d)
	var sum uint32
	words := make([]string, 512)
	for time.Now().Before(deadline) {
		var span *tracer.Span
		if endpoint != "" {
			// The endpoint is known when the span starts: that is when the profiler counts it.
			span = tracer.StartSpan("http.request", tracer.ResourceName(endpoint), tracer.SpanType(ext.SpanTypeWeb))
		}
		for i := range words {
			words[i] = word(i, sum)
		}
		sort.Slice(words, func(a, b int) bool { return less(words[a], words[b]) })
		sum = crc32.Update(sum, crc32.IEEETable, []byte(strings.Join(words[:64], ",")))
		sum += fib(20)
		if span != nil {
			span.Finish()
		}
	}
	return sum
}

func word(i int, seed uint32) string {
	var b strings.Builder
	x := uint32(i)*2654435761 + seed
	for j := 0; j < 8; j++ {
		b.WriteByte(byte('a' + mix(x, j)%26))
	}
	return b.String()
}

func mix(x uint32, j int) uint32 {
	x ^= x >> 13
	x *= 0x5bd1e995
	return x>>uint(j) ^ x<<uint(j&7)
}

func less(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func fib(n uint32) uint32 {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}
