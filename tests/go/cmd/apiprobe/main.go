// Command apiprobe prints what Go itself makes of the inputs that pgotool's
// src/ddapi must treat exactly as datadog-pgo does, so that
// tests/cli/t0400-ddapi-go.sh can compare them byte for byte with
// tests/tools/ddapi_probe:
//
//	apiprobe request NOW_UNIX_NS WINDOW LIMIT QUERY...
//	    the body of a gopgo request for QUERY... at time NOW, built with
//	    encoding/json from types shaped as datadog-pgo's: the " runtime:go"
//	    rule, times rounded to the second, Go's escaping
//	apiprobe duration TEXT...
//	    one line per TEXT: time.ParseDuration's value in ns and its String(),
//	    or "error"
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

type jsonTime struct{ time.Time }

func (t jsonTime) MarshalJSON() ([]byte, error) {
	return json.Marshal(t.UTC().Round(time.Second).Format("2006-01-02T15:04:05.999999999Z"))
}

type search struct {
	Filter struct {
		From  jsonTime `json:"from"`
		To    jsonTime `json:"to"`
		Query string   `json:"query"`
	} `json:"filter"`
	Sort struct {
		Order string `json:"order"`
		Field string `json:"field"`
	} `json:"sort"`
	Limit int `json:"limit"`
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: apiprobe request NOW_NS WINDOW LIMIT QUERY... | apiprobe duration TEXT...")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "request":
		nowNS, err1 := strconv.ParseInt(os.Args[2], 10, 64)
		window, err2 := time.ParseDuration(os.Args[3])
		limit, err3 := strconv.Atoi(os.Args[4])
		if err1 != nil || err2 != nil || err3 != nil {
			fmt.Fprintln(os.Stderr, "apiprobe: bad arguments")
			os.Exit(2)
		}
		now := time.Unix(0, nowNS)
		var body struct {
			Queries []search `json:"queries"`
		}
		for _, q := range os.Args[5:] {
			if !strings.Contains(q, "language:go") && !strings.Contains(q, "runtime:go") {
				q = strings.TrimSpace(q) + " runtime:go"
			}
			var s search
			s.Filter.From = jsonTime{now.Add(-window)}
			s.Filter.To = jsonTime{now}
			s.Filter.Query = q
			s.Sort.Order = "desc"
			s.Sort.Field = "@metrics.core_cpu_cores"
			s.Limit = limit
			body.Queries = append(body.Queries, s)
		}
		out, err := json.Marshal(body)
		if err != nil {
			fmt.Fprintln(os.Stderr, "apiprobe:", err)
			os.Exit(1)
		}
		os.Stdout.Write(append(out, '\n'))
	case "duration":
		for _, t := range os.Args[2:] {
			d, err := time.ParseDuration(t)
			if err != nil {
				fmt.Println("error")
				continue
			}
			fmt.Printf("%d %s\n", int64(d), d.String())
		}
	default:
		fmt.Fprintln(os.Stderr, "apiprobe: unknown mode", os.Args[1])
		os.Exit(2)
	}
}
