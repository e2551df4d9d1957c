// Command ddpgo is the project's stand-in for Datadog's datadog-pgo: a client
// of the profile query API that fetches a default.pgo for `go build -pgo`.
// tests/cli/t5000-serve-real-clients.sh runs it against `pgotool serve` when
// the Go module proxy will not serve github.com/DataDog/datadog-pgo, and
// bench/fetch.sh times it against `pgotool fetch`. It is written from the
// protocol as this project documents it (the query API and the command line
// datadog-pgo users script against), and it merges the way datadog-pgo
// v1.0.0 does, with google/pprof's profile package, so that it costs what
// datadog-pgo costs. It lives in a module of its own (go 1.26, google/pprof)
// so that tests/go stays stdlib-only and builds with older toolchains.
//
//	ddpgo [-fail] [-from 72h] [-profiles 5] [-timeout 1m] [-json] [-v] QUERY... DEST
//
// Environment: DD_API_KEY and DD_APP_KEY (both required), DD_SITE (default
// datadoghq.com). The base URL is https://app.$DD_SITE; requests go through
// Go's http.DefaultClient, so HTTPS_PROXY, NO_PROXY, SSL_CERT_FILE and
// SSL_CERT_DIR apply.
//
// DDPGO_BASE_URL, when set, replaces https://app.$DD_SITE as the base URL
// (for example http://127.0.0.1:PORT of a local `pgotool serve`). It is a
// knob for the tests and benchmarks only; datadog-pgo has no such setting.
//
// A QUERY that contains neither language:go nor runtime:go gets " runtime:go"
// appended (after trimming spaces). Each QUERY becomes a search object
//
//	{"filter": {"from": NOW-FROM, "to": NOW, "query": QUERY},
//	 "sort": {"order": "desc", "field": "@metrics.core_cpu_cores"},
//	 "limit": PROFILES}
//
// with times in UTC, whole seconds, trailing Z. Every request carries
// DD-API-KEY, DD-APPLICATION-KEY, Content-Type: application/json and a
// User-Agent naming ddpgo.
//
//  1. One POST /api/unstable/profiles/gopgo with {"queries": [all of them]};
//     the answer is a zip with one CPU profile per entry, named by profile id.
//  2. Each entry, in the zip's order, is parsed with google/pprof's
//     profile.Parse parser (profile.ParseData: what Parse runs on the bytes
//     it reads; ddpgo gunzips first, within a size limit, and so holds the
//     same copies of an entry as datadog-pgo). It must be a gzip or raw
//     pprof (zstd is refused) of a CPU profile, i.e. one the Go compiler
//     takes: a sample type samples/count or cpu/nanoseconds. One log line
//     per profile: profile id, cpu cores (cpu nanoseconds over the
//     profile's duration), duration and age (from the profile's own time).
//  3. As in datadog-pgo v1.0.0, string labels are dropped (numeric labels
//     are kept) and the profiles are merged pairwise in entry order with
//     profile.Merge: ((p1 + p2) + p3) + ...
//  4. The "DO NOT INLINE:" rename (golang/go#65532): the function of the
//     leaf frame (first line of the first location) of a sample is renamed
//     "DO NOT INLINE: <name>" when it is gRPC's (*loopyWriter).processData
//     or runtime.gopark. datadog-pgo v1.0.0 renames the first only; its
//     main branch and pgotool rename both.
//  5. DEST gets the merged profile as gzip pprof, written atomically (a
//     temporary file in DEST's directory, then a rename), where datadog-pgo
//     writes DEST in place. A last line "wrote PGO file" with path, samples,
//     bytes, the total duration of the profiles and the debug query
//     profile-id:(ID OR ...).
//
// Logs go to stdout: text, or JSON lines with -json; -v adds debug lines.
// Usage errors exit 2. Every failure after argument parsing is logged; with
// -fail ddpgo then exits 1, without it a warning follows and it exits 0, so
// a build goes on without PGO. A non-2xx answer is reported with its status
// and body and a reminder to check DD_API_KEY, DD_APP_KEY and DD_SITE. An
// empty zip is an error (datadog-pgo panics on it). On failure DEST is left
// as it was.
package main

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/google/pprof/profile"
)

const version = "0.2.0 (pgotool's stand-in for datadog-pgo)"

// Limits on what is read from the network and decompressed.
const (
	maxBody    = 1 << 30
	maxProfile = 512 << 20
)

// The leaf functions whose samples get the "DO NOT INLINE:" rename.
var noInlineFuncs = []string{
	"google.golang.org/grpc/internal/transport.(*loopyWriter).processData",
	"runtime.gopark",
}

const noInlinePrefix = "DO NOT INLINE: "

type options struct {
	fail     bool
	from     time.Duration
	profiles int
	timeout  time.Duration
	json     bool
	verbose  bool
}

func main() {
	var o options
	fs := flag.NewFlagSet("ddpgo", flag.ContinueOnError)
	fs.BoolVar(&o.fail, "fail", false, "exit 1 on failure (by default a failure is logged and the exit code is 0)")
	fs.DurationVar(&o.from, "from", 72*time.Hour, "search profiles from this long ago until now")
	fs.IntVar(&o.profiles, "profiles", 5, "profiles per query (those with the most CPU)")
	fs.DurationVar(&o.timeout, "timeout", time.Minute, "time limit for the request and reading its answer")
	fs.BoolVar(&o.json, "json", false, "log JSON lines")
	fs.BoolVar(&o.verbose, "v", false, "log debug lines")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: ddpgo [-fail] [-from 72h] [-profiles 5] [-timeout 1m] [-json] [-v] QUERY... DEST")
		fmt.Fprintln(fs.Output(), "environment: DD_API_KEY, DD_APP_KEY (required), DD_SITE (default datadoghq.com)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(2)
	}
	args := fs.Args()
	if msg := checkArgs(args, o); msg != "" {
		fmt.Fprintln(os.Stderr, "ddpgo:", msg)
		fs.Usage()
		os.Exit(2)
	}

	level := slog.LevelInfo
	if o.verbose {
		level = slog.LevelDebug
	}
	hopts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(os.Stdout, hopts)
	if o.json {
		h = slog.NewJSONHandler(os.Stdout, hopts)
	}
	log := slog.New(h)
	log.Info("ddpgo", "version", version, "go-version", runtime.Version())

	if err := run(log, o, args[:len(args)-1], args[len(args)-1]); err != nil {
		log.Error("failed to fetch a PGO profile", "error", err.Error())
		if o.fail {
			os.Exit(1)
		}
		log.Warn("no PGO file written; returning exit code 0 so the build goes on without PGO (use -fail to make this an error)")
	}
}

func checkArgs(args []string, o options) string {
	switch {
	case len(args) < 2:
		return "need at least one QUERY and a DEST"
	case o.profiles < 1:
		return "-profiles must be at least 1"
	case o.from <= 0 || o.timeout <= 0:
		return "-from and -timeout must be positive"
	}
	return ""
}

// searchQuery is the search object of the query API.
type searchQuery struct {
	Filter struct {
		From  string `json:"from"`
		To    string `json:"to"`
		Query string `json:"query"`
	} `json:"filter"`
	Sort struct {
		Order string `json:"order"`
		Field string `json:"field"`
	} `json:"sort"`
	Limit int `json:"limit"`
}

func newSearch(query string, now time.Time, o options) searchQuery {
	if !strings.Contains(query, "language:go") && !strings.Contains(query, "runtime:go") {
		query = strings.TrimSpace(query) + " runtime:go"
	}
	const layout = "2006-01-02T15:04:05Z" // whole seconds; times are UTC
	var q searchQuery
	q.Filter.From = now.Add(-o.from).UTC().Round(time.Second).Format(layout)
	q.Filter.To = now.UTC().Round(time.Second).Format(layout)
	q.Filter.Query = query
	q.Sort.Order = "desc"
	q.Sort.Field = "@metrics.core_cpu_cores"
	q.Limit = o.profiles
	return q
}

type client struct {
	base, site     string
	apiKey, appKey string
	log            *slog.Logger
}

// baseURL is https://app.SITE, or DDPGO_BASE_URL when that is set.
func baseURL(site string) (string, error) {
	b := os.Getenv("DDPGO_BASE_URL")
	if b == "" {
		return "https://app." + site, nil
	}
	u, err := url.Parse(b)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("DDPGO_BASE_URL=%q is not a base URL like http://127.0.0.1:8080", b)
	}
	return strings.TrimRight(b, "/"), nil
}

// post sends body as JSON to path and returns the answer of a 2xx status.
func (c *client) post(ctx context.Context, path string, body any) ([]byte, error) {
	js, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	url := c.base + path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(js))
	if err != nil {
		return nil, err
	}
	req.Header.Set("DD-API-KEY", c.apiKey)
	req.Header.Set("DD-APPLICATION-KEY", c.appKey)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ddpgo/"+strings.Fields(version)[0])
	c.log.Debug("request", "method", req.Method, "url", url, "body", string(js))
	t0 := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err // a *url.Error: it names the method and URL
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err == nil && len(data) > maxBody {
		err = fmt.Errorf("answer larger than %d bytes", maxBody)
	}
	c.log.Debug("response", "url", url, "status", resp.Status, "content-type", resp.Header.Get("Content-Type"),
		"bytes", len(data), "took", time.Since(t0).Round(time.Millisecond))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("POST %s: %s: %s; check DD_API_KEY, DD_APP_KEY and DD_SITE (%s), and that profiles match the query",
			url, resp.Status, snippet(data), c.site)
	}
	if err != nil {
		return nil, fmt.Errorf("POST %s: reading the answer: %w", url, err)
	}
	return data, nil
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	if s == "" {
		s = "(empty body)"
	}
	return s
}

func run(log *slog.Logger, o options, queries []string, dest string) error {
	apiKey, appKey := os.Getenv("DD_API_KEY"), os.Getenv("DD_APP_KEY")
	var missing []string
	if apiKey == "" {
		missing = append(missing, "DD_API_KEY")
	}
	if appKey == "" {
		missing = append(missing, "DD_APP_KEY")
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s not set", strings.Join(missing, " and "))
	}
	site := os.Getenv("DD_SITE")
	if site == "" {
		site = "datadoghq.com"
	}
	if strings.ContainsAny(site, "/:@?# ") {
		return fmt.Errorf("DD_SITE=%q is not a host name like datadoghq.com", site)
	}
	base, err := baseURL(site)
	if err != nil {
		return err
	}
	c := &client{base: base, site: site, apiKey: apiKey, appKey: appKey, log: log}

	now := time.Now()
	var searches []searchQuery
	for _, q := range queries {
		searches = append(searches, newSearch(q, now, o))
	}

	// 1. The profiles, in one request; the timeout bounds it and the read
	// of its answer, not the merge.
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	zipData, err := c.post(ctx, "/api/unstable/profiles/gopgo", map[string]any{"queries": searches})
	cancel()
	if err != nil {
		return err
	}

	// 2, 3. Parse and merge.
	merged, ids, total, err := mergeZip(log, zipData, now)
	if err != nil {
		return fmt.Errorf("profiles/gopgo answer: %w", err)
	}

	// 4. The rename.
	renamed := noInline(merged)
	if len(renamed) > 0 {
		log.Debug("renamed leaf functions", "functions", strings.Join(renamed, ", "))
	}

	// 5. DEST.
	var buf bytes.Buffer
	if err := merged.Write(&buf); err != nil {
		return fmt.Errorf("encoding the merged profile: %w", err)
	}
	if err := writeAtomic(dest, buf.Bytes()); err != nil {
		return err
	}
	log.Info("wrote PGO file", "path", dest, "samples", len(merged.Sample), "bytes", buf.Len(),
		"duration", total.String(), "debug-query", "profile-id:("+strings.Join(ids, " OR ")+")")
	return nil
}

// mergeZip parses the profiles of a gopgo zip, in entry order, drops their
// string labels and merges them pairwise. It returns the merged profile, the
// profile ids in entry order and the sum of the profiles' durations.
func mergeZip(log *slog.Logger, zipData []byte, now time.Time) (*profile.Profile, []string, time.Duration, error) {
	zr, err := zip.NewReader(bytes.NewReader(zipData), int64(len(zipData)))
	if err != nil {
		return nil, nil, 0, fmt.Errorf("not a zip archive (%d bytes, starting %x): %w", len(zipData), head(zipData), err)
	}
	if len(zr.File) == 0 {
		return nil, nil, 0, errors.New("the zip has no profiles")
	}
	seen := map[string]bool{}
	var (
		merged *profile.Profile
		ids    []string
		total  time.Duration
	)
	for _, f := range zr.File {
		if f.Name == "" || strings.ContainsAny(f.Name, "/\\ ()") || strings.HasPrefix(f.Name, ".") {
			return nil, nil, 0, fmt.Errorf("entry %q is not named by a profile id", f.Name)
		}
		if seen[f.Name] {
			return nil, nil, 0, fmt.Errorf("entry %q appears twice", f.Name)
		}
		seen[f.Name] = true
		p, format, err := readEntry(f)
		if err != nil {
			return nil, nil, 0, fmt.Errorf("entry %s: %w", f.Name, err)
		}
		dur := time.Duration(p.DurationNanos)
		log.Info("found profile", "profile-id", f.Name, "cpu-cores", cpuCores(p), "duration", dur.String(),
			"age", now.Sub(time.Unix(0, p.TimeNanos)).Round(time.Second).String())
		log.Debug("profile", "profile-id", f.Name, "format", format, "samples", len(p.Sample))
		ids = append(ids, f.Name)
		total += dur

		for _, s := range p.Sample {
			s.Label = nil // as datadog-pgo: string labels go, numeric labels stay
		}
		if merged == nil {
			merged = p
			continue
		}
		if merged, err = profile.Merge([]*profile.Profile{merged, p}); err != nil {
			return nil, nil, 0, fmt.Errorf("merging entry %s: %w", f.Name, err)
		}
	}
	return merged, ids, total, nil
}

// readEntry reads one zip entry, a gzip or raw pprof of a CPU profile, and
// parses it with profile.ParseData (profile.Parse without its read, which
// would copy the bytes once more); it returns the profile and the format.
func readEntry(f *zip.File) (*profile.Profile, string, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, "", err
	}
	data, err := readLimited(rc, "")
	rc.Close()
	if err != nil {
		return nil, "", err
	}
	format := "raw"
	switch {
	case bytes.HasPrefix(data, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return nil, "", errors.New("zstd-compressed; a PGO profile must be gzip or raw pprof")
	case bytes.HasPrefix(data, []byte{0x1f, 0x8b}):
		// Decompressed here, within the limit, rather than by ParseData.
		format = "gzip"
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, "", fmt.Errorf("gzip: %w", err)
		}
		if data, err = readLimited(zr, " decompressed"); err != nil {
			return nil, "", fmt.Errorf("gzip: %w", err)
		}
	}
	p, err := profile.ParseData(data)
	if err != nil {
		return nil, "", fmt.Errorf("not a pprof profile (%s): %w", format, err)
	}
	cpu := false
	for _, st := range p.SampleType {
		if (st.Type == "samples" && st.Unit == "count") || (st.Type == "cpu" && st.Unit == "nanoseconds") {
			cpu = true
		}
	}
	if !cpu {
		return nil, "", errors.New("not a CPU profile (no sample type samples/count or cpu/nanoseconds)")
	}
	return p, format, nil
}

func readLimited(r io.Reader, what string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxProfile+1))
	if err == nil && len(data) > maxProfile {
		err = fmt.Errorf("larger than %d bytes%s", maxProfile, what)
	}
	return data, err
}

// cpuCores is the average number of cores busy during the profile: its
// cpu/nanoseconds values over its duration, to two decimals; 0 when the
// profile has no such values or no duration.
func cpuCores(p *profile.Profile) float64 {
	idx := -1
	for i, st := range p.SampleType {
		if st.Type == "cpu" && st.Unit == "nanoseconds" {
			idx = i
			break
		}
	}
	if idx < 0 || p.DurationNanos <= 0 {
		return 0
	}
	var sum int64
	for _, s := range p.Sample {
		if idx < len(s.Value) {
			sum += s.Value[idx]
		}
	}
	return math.Round(float64(sum)/float64(p.DurationNanos)*100) / 100
}

// noInline renames the leaf function of the samples whose leaf is one of
// noInlineFuncs; it returns the names it renamed. Functions are shared
// between samples, so each is renamed once.
func noInline(p *profile.Profile) []string {
	var renamed []string
	for _, s := range p.Sample {
		if len(s.Location) == 0 || len(s.Location[0].Line) == 0 {
			continue
		}
		fn := s.Location[0].Line[0].Function
		if fn == nil {
			continue
		}
		for _, name := range noInlineFuncs {
			if fn.Name == name {
				fn.Name = noInlinePrefix + name
				renamed = append(renamed, name)
				break
			}
		}
	}
	return renamed
}

func head(b []byte) []byte {
	if len(b) > 8 {
		return b[:8]
	}
	return b
}

// writeAtomic replaces dest with data, or leaves it as it was.
func writeAtomic(dest string, data []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), dest)
}
