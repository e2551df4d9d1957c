// Command burn burns CPU for a configurable time and writes a CPU profile.
// pgotool's Go conformance test runs it with different -mode/-seed values to
// get different but overlapping profiles, then merges them.
//
//	burn -duration 1s -mode mixed -seed 3 -cpuprofile out.pprof
//
// It exercises inlining (small hot helpers in internal/mix), interface calls
// with several implementations (internal/shapes), recursion and function
// values/closures (internal/tree), and goroutines (a channel pipeline). Each
// worker runs under pprof labels, so profiles carry labels too.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"pgotool.test/progs/internal/mix"
	"pgotool.test/progs/internal/shapes"
	"pgotool.test/progs/internal/tree"
)

var sink atomic.Uint64

func main() {
	duration := flag.Duration("duration", time.Second, "how long to burn CPU")
	seed := flag.Int64("seed", 1, "seed: changes the mix of shapes, tree sizes and function values")
	mode := flag.String("mode", "mixed", "workload: shapes, tree, pipeline or mixed")
	workers := flag.Int("workers", 2, "number of worker goroutines")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	verbose := flag.Bool("v", false, "print a checksum")
	hz := flag.Int("hz", 0, "CPU profile sampling rate (default: the runtime's 100 Hz); more samples, less noise")
	flag.Parse()

	var tasks []func(*mix.Rand) uint64
	switch *mode {
	case "shapes":
		tasks = []func(*mix.Rand) uint64{shapeTask(*seed)}
	case "tree":
		tasks = []func(*mix.Rand) uint64{treeTask(*seed)}
	case "pipeline":
		tasks = []func(*mix.Rand) uint64{pipelineTask}
	case "mixed":
		tasks = []func(*mix.Rand) uint64{shapeTask(*seed), treeTask(*seed), pipelineTask}
	default:
		fmt.Fprintf(os.Stderr, "burn: unknown -mode %q\n", *mode)
		os.Exit(2)
	}
	if *workers < 1 {
		fmt.Fprintln(os.Stderr, "burn: -workers must be at least 1")
		os.Exit(2)
	}

	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "burn:", err)
			os.Exit(1)
		}
		if *hz > 0 {
			// Set before StartCPUProfile, which then keeps it (and warns that it
			// cannot set its own 100 Hz).
			runtime.SetCPUProfileRate(*hz)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "burn:", err)
			os.Exit(1)
		}
		defer func() {
			pprof.StopCPUProfile()
			if err := f.Close(); err != nil {
				fmt.Fprintln(os.Stderr, "burn:", err)
				os.Exit(1)
			}
		}()
	}

	deadline := time.Now().Add(*duration)
	var wg sync.WaitGroup
	for w := 0; w < *workers; w++ {
		w := w
		wg.Add(1)
		go func() {
			defer wg.Done()
			labels := pprof.Labels("worker", strconv.Itoa(w), "mode", *mode)
			pprof.Do(context.Background(), labels, func(context.Context) {
				r := mix.NewRand(*seed*1000 + int64(w))
				var acc uint64
				for i := 0; time.Now().Before(deadline); i++ {
					acc ^= tasks[(i+w)%len(tasks)](r)
				}
				sink.Add(acc)
			})
		}()
	}
	wg.Wait()
	if *verbose {
		fmt.Println(sink.Load())
	}
}

// shapeTask returns a task whose dominant shape type depends on seed.
func shapeTask(seed int64) func(*mix.Rand) uint64 {
	weights := [4]int{1, 1, 1, 1}
	weights[int(seed)%4] = 12
	weights[int(seed+1)%4] = 3
	return func(r *mix.Rand) uint64 {
		s := shapes.Make(r, 64, weights)
		var acc float64
		for k := 0; k < 40; k++ {
			acc += shapes.TotalArea(s)
			acc += shapes.Fitness(s, 1+float64(k)/64)
		}
		return uint64(acc)
	}
}

// treeTask returns a task whose hottest function value depends on seed.
func treeTask(seed int64) func(*mix.Rand) uint64 {
	ops := tree.Ops(uint64(seed))
	hot := int(seed) % len(ops)
	return func(r *mix.Rand) uint64 {
		root := tree.Build(r, 200+int(seed%7)*20)
		acc := uint64(tree.Depth(root))
		for k := 0; k < 12; k++ {
			op := ops[hot]
			if k%4 == 3 {
				op = ops[r.Intn(len(ops))]
			}
			acc += tree.Fold(root, op)
		}
		return acc
	}
}

// pipelineTask fans batches out to goroutines over channels.
func pipelineTask(r *mix.Rand) uint64 {
	const stages = 3
	in := make(chan []uint64)
	out := make(chan uint64)
	var wg sync.WaitGroup
	for i := 0; i < stages; i++ {
		wg.Add(1)
		go func(salt uint64) {
			defer wg.Done()
			for buf := range in {
				out <- mix.Checksum(buf, salt)
			}
		}(uint64(i))
	}
	go func() {
		for b := 0; b < 24; b++ {
			buf := make([]uint64, 256)
			mix.Fill(buf, r)
			in <- buf
		}
		close(in)
		wg.Wait()
		close(out)
	}()
	var acc uint64
	for v := range out {
		acc = mix.Rotl(acc, 5) ^ v
	}
	return acc
}
