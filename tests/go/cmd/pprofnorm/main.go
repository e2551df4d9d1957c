// Command pprofnorm turns the text of `go tool pprof -raw` into a canonical
// form in which two profiles with the same decoded content print the same
// bytes, whatever their IDs, sample order or mapping start addresses.
//
//	go tool pprof -raw -symbolize=none X | pprofnorm [-sum] [-nolabels] [-noinline] > X.norm
//	pprofnorm -header X.pprof
//
// Output: header lines ("H ..."), the mappings ("M ...", sorted, referenced
// or not), then one line per sample ("S ..."), sorted:
//
//	S <values> | <labels> | <leaf location> ; <caller location> ; ...
//
// A location prints as <mapping>+<offset in mapping> [F] {<line> / <line> ...},
// lines innermost first exactly as pprof prints them (function name, file,
// line, column, start line, and the system name when it differs). The
// mapping prints as size/file-offset/file/build-id/flags, so the start
// address, which a merge may rebase, does not matter.
//
// By default every sample prints on its own line, so duplicate samples in a
// merged profile show up. -sum adds up the values of samples with equal
// stacks and labels (what a merge does). -nolabels drops labels, then sums.
// -noinline applies datadog-pgo's workaround to the decoded profile: every
// function that is the leaf frame (location[0].line[0]) of a sample and is
// named google.golang.org/grpc/internal/transport.(*loopyWriter).processData
// or runtime.gopark gets the name "DO NOT INLINE: <name>" everywhere it
// occurs (its system name stays).
//
// -header instead prints the profile-level fields of a pprof file (raw or
// gzip), decoded from the protobuf: -raw truncates the duration and omits
// drop/keep frames. Exit status 1 on malformed input.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

var noInlineNames = []string{
	"google.golang.org/grpc/internal/transport.(*loopyWriter).processData",
	"runtime.gopark",
}

const doNotInline = "DO NOT INLINE: "

type location struct {
	addr    uint64
	mapping uint64 // 0 = none
	folded  bool
	lines   []string
}

type mapping struct {
	start, limit, offset uint64
	rest                 string // file, build id, flag bits
}

type sample struct {
	values []int64
	locs   []uint64
	labels []string
}

var (
	sampleRe   = regexp.MustCompile(`^\s*(-?\d+(?:\s+-?\d+)*): ((?:\d+ )*)$`)
	locationRe = regexp.MustCompile(`^\s*(\d+): 0x([0-9a-f]+) (?:M=(\d+) )?(\[F\] )?(.*)$`)
	mappingRe  = regexp.MustCompile(`^(\d+): 0x([0-9a-f]+)/0x([0-9a-f]+)/0x([0-9a-f]+) (.*)$`)
	// The part of a line entry after the function name: file:line:column s=start, then
	// "(system name)" when it differs from the name.
	lineRe = regexp.MustCompile(`^(.*):(-?\d+):(-?\d+) s=(-?\d+)(\(.*\))?$`)
)

func main() {
	sum := flag.Bool("sum", false, "add up samples with equal stacks and labels")
	noLabels := flag.Bool("nolabels", false, "drop labels (implies -sum)")
	noInline := flag.Bool("noinline", false, "apply datadog-pgo's DO NOT INLINE renaming")
	headerOnly := flag.Bool("header", false, "print the header fields of the pprof file FILE")
	flag.Parse()
	if *headerOnly {
		if flag.NArg() != 1 {
			fatalf("usage: pprofnorm -header FILE")
		}
		if err := printHeader(flag.Arg(0), os.Stdout); err != nil {
			fatalf("%v", err)
		}
		return
	}
	var in io.Reader = os.Stdin
	if flag.NArg() > 1 {
		fatalf("usage: pprofnorm [-sum] [-nolabels] [-noinline] [FILE] | pprofnorm -header FILE")
	}
	if flag.NArg() == 1 {
		f, err := os.Open(flag.Arg(0))
		if err != nil {
			fatalf("%v", err)
		}
		defer f.Close()
		in = f
	}
	if err := run(in, os.Stdout, *sum || *noLabels, *noLabels, *noInline); err != nil {
		fatalf("%v", err)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pprofnorm: "+format+"\n", args...)
	os.Exit(1)
}

func run(in io.Reader, out io.Writer, sum, noLabels, noInline bool) error {
	var (
		header   []string
		samples  []*sample
		locs     = map[uint64]*location{}
		maps     = map[uint64]*mapping{}
		section  = "header"
		lastLoc  *location
		nValues  = -1
		lineNo   = 0
		scanner  = bufio.NewScanner(in)
		sawTypes = false
	)
	scanner.Buffer(make([]byte, 1<<20), 1<<26)
	for scanner.Scan() {
		line := scanner.Text()
		lineNo++
		bad := func(what string) error { return fmt.Errorf("line %d: %s: %q", lineNo, what, line) }
		switch {
		case line == "Samples:" && section == "header":
			section = "samples"
			continue
		case line == "Locations" && section == "samples":
			section = "locations"
			continue
		case line == "Mappings" && section == "locations":
			section = "mappings"
			continue
		}
		switch section {
		case "header":
			header = append(header, "H "+line)
		case "samples":
			if !sawTypes {
				sawTypes = true
				header = append(header, "H SampleTypes: "+line)
				nValues = len(strings.Fields(line))
				continue
			}
			// Sample lines start with at most 10 spaces ("%10d"); the
			// label lines under a sample are indented by 16.
			if strings.HasPrefix(line, strings.Repeat(" ", 16)) {
				if len(samples) == 0 {
					return bad("labels before any sample")
				}
				s := samples[len(samples)-1]
				s.labels = append(s.labels, strings.TrimLeft(line, " "))
				continue
			}
			m := sampleRe.FindStringSubmatch(line)
			if m == nil {
				return bad("bad sample line")
			}
			s := &sample{}
			for _, f := range strings.Fields(m[1]) {
				v, err := strconv.ParseInt(f, 10, 64)
				if err != nil {
					return bad("bad value")
				}
				s.values = append(s.values, v)
			}
			if len(s.values) != nValues {
				return bad("value count differs from the sample types")
			}
			for _, f := range strings.Fields(m[2]) {
				id, _ := strconv.ParseUint(f, 10, 64)
				s.locs = append(s.locs, id)
			}
			samples = append(samples, s)
		case "locations":
			// Continuation lines (more inlined frames) are indented by 13.
			if strings.HasPrefix(line, strings.Repeat(" ", 13)) {
				if lastLoc == nil {
					return bad("line entry before any location")
				}
				lastLoc.lines = append(lastLoc.lines, strings.TrimPrefix(line, strings.Repeat(" ", 13)))
				continue
			}
			m := locationRe.FindStringSubmatch(line)
			if m == nil {
				return bad("bad location line")
			}
			id, _ := strconv.ParseUint(m[1], 10, 64)
			l := &location{folded: m[4] != ""}
			l.addr, _ = strconv.ParseUint(m[2], 16, 64)
			if m[3] != "" {
				l.mapping, _ = strconv.ParseUint(m[3], 10, 64)
			}
			if m[5] != "" {
				l.lines = append(l.lines, m[5])
			}
			if locs[id] != nil {
				return bad("duplicate location id")
			}
			locs[id] = l
			lastLoc = l
		case "mappings":
			if line == "" {
				continue
			}
			m := mappingRe.FindStringSubmatch(line)
			if m == nil {
				return bad("bad mapping line")
			}
			id, _ := strconv.ParseUint(m[1], 10, 64)
			mp := &mapping{rest: m[5]}
			mp.start, _ = strconv.ParseUint(m[2], 16, 64)
			mp.limit, _ = strconv.ParseUint(m[3], 16, 64)
			mp.offset, _ = strconv.ParseUint(m[4], 16, 64)
			if maps[id] != nil {
				return bad("duplicate mapping id")
			}
			maps[id] = mp
		}
	}
	if err := scanner.Err(); err != nil {
		return err
	}
	if section != "mappings" {
		return fmt.Errorf("truncated input: no %q section", map[string]string{
			"header": "Samples:", "samples": "Locations", "locations": "Mappings"}[section])
	}

	if noInline {
		renameNoInline(samples, locs)
	}

	// Print every location once, by value.
	locText := map[uint64]string{}
	for id, l := range locs {
		var b strings.Builder
		if l.mapping != 0 {
			mp := maps[l.mapping]
			if mp == nil {
				return fmt.Errorf("location %d: unknown mapping %d", id, l.mapping)
			}
			fmt.Fprintf(&b, "[%s]+%#x", mapText(mp), l.addr-mp.start)
		} else {
			fmt.Fprintf(&b, "[-]+%#x", l.addr)
		}
		if l.folded {
			b.WriteString(" [F]")
		}
		b.WriteString(" {" + strings.Join(l.lines, " / ") + "}")
		locText[id] = b.String()
	}

	type entry struct {
		key    string
		values []int64
	}
	var entries []*entry
	byKey := map[string]*entry{}
	for _, s := range samples {
		stack := make([]string, len(s.locs))
		for i, id := range s.locs {
			t, ok := locText[id]
			if !ok {
				return fmt.Errorf("sample refers to unknown location %d", id)
			}
			stack[i] = t
		}
		labels := ""
		if !noLabels {
			labels = strings.Join(s.labels, " ")
		}
		key := labels + " | " + strings.Join(stack, " ; ")
		if e := byKey[key]; e != nil {
			for i, v := range s.values {
				e.values[i] += v
			}
			continue
		}
		e := &entry{key: key, values: append([]int64(nil), s.values...)}
		if sum {
			byKey[key] = e
		}
		entries = append(entries, e)
	}
	lines := make([]string, 0, len(entries))
	for _, e := range entries {
		lines = append(lines, "S "+fmtValues(e.values)+" | "+e.key)
	}
	sort.Strings(lines)
	// The mapping table, referenced or not, without start addresses.
	var mapLines []string
	for _, mp := range maps {
		mapLines = append(mapLines, "M "+mapText(mp))
	}
	sort.Strings(mapLines)
	w := bufio.NewWriter(out)
	for _, h := range header {
		fmt.Fprintln(w, h)
	}
	for _, m := range mapLines {
		fmt.Fprintln(w, m)
	}
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	return w.Flush()
}

func mapText(mp *mapping) string {
	return fmt.Sprintf("%#x/%#x/%s", mp.limit-mp.start, mp.offset, mp.rest)
}

func fmtValues(values []int64) string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = strconv.FormatInt(v, 10)
	}
	return strings.Join(s, " ")
}

// funcKey looks at a line entry whose function has one of the noinline names.
// It returns the function's identity (name, file, start line, system name:
// what a merge deduplicates functions by), its name, the entry after the
// name, and the printed system name ("" when it equals the name); ok=false
// for any other entry.
func funcKey(entry string) (key, name, rest, sys string, ok bool) {
	for _, n := range noInlineNames {
		if strings.HasPrefix(entry, n+" ") {
			rest = entry[len(n)+1:]
			m := lineRe.FindStringSubmatch(rest)
			if m == nil {
				return "", "", "", "", false
			}
			return n + "\x00" + m[1] + "\x00" + m[4] + "\x00" + m[5], n, rest, m[5], true
		}
	}
	return "", "", "", "", false
}

func renameNoInline(samples []*sample, locs map[uint64]*location) {
	targets := map[string]bool{}
	for _, s := range samples {
		if len(s.locs) == 0 {
			continue
		}
		l := locs[s.locs[0]]
		if l == nil || len(l.lines) == 0 {
			continue
		}
		if key, _, _, _, ok := funcKey(l.lines[0]); ok {
			targets[key] = true
		}
	}
	if len(targets) == 0 {
		return
	}
	for _, l := range locs {
		for i, e := range l.lines {
			key, name, rest, sys, ok := funcKey(e)
			if !ok || !targets[key] {
				continue
			}
			e = doNotInline + name + " " + rest
			if sys == "" {
				// The system name used to equal the name, so pprof did not
				// print it; now that the name changed, it does.
				e += "(" + name + ")"
			}
			l.lines[i] = e
		}
	}
}
