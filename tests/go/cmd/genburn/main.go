// Command genburn burns CPU in generic code and closures and writes a CPU
// profile, for the staleness test (t6020): the profile names generic
// instances by shape, as the compiler and the binary's DWARF do.
//
//	genburn -duration 1s -cpuprofile out.pprof
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	gen "pgotool.test/progs/internal/gen.v2"
)

var sink float64

func main() {
	duration := flag.Duration("duration", time.Second, "how long to burn CPU")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	flag.Parse()
	f, err := os.Create(*cpuprofile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "genburn:", err)
		os.Exit(1)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "genburn:", err)
		os.Exit(1)
	}
	ints := make([]int64, 256)
	floats := make([]float64, 256)
	for i := range ints {
		ints[i] = int64(i)
		floats[i] = float64(i) / 3
	}
	bag := &gen.Bag[int64]{Items: ints}
	step := func(rounds int) float64 { // a closure of main
		return float64(gen.Sum(ints, rounds)) + gen.Sum(floats, rounds) + float64(bag.Total(rounds))
	}
	for deadline := time.Now().Add(*duration); time.Now().Before(deadline); {
		sink += step(50)
	}
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "genburn:", err)
		os.Exit(1)
	}
}
