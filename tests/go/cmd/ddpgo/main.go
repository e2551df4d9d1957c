// Command ddpgo is the project's stand-in for Datadog's datadog-pgo: a client
// of the profile query API that fetches a default.pgo for `go build -pgo`.
// tests/cli/t5000-serve-real-clients.sh runs it against `pgotool serve` when
// the Go module proxy will not serve github.com/DataDog/datadog-pgo. It is
// written from the protocol as this project documents it (the query API and
// the command line datadog-pgo users script against), not from datadog-pgo's
// code, and it uses the standard library only.
//
//	ddpgo [-fail] [-from 72h] [-profiles 5] [-timeout 1m] [-json] [-v] QUERY... DEST
//
// Environment: DD_API_KEY and DD_APP_KEY (both required), DD_SITE (default
// datadoghq.com). The base URL is always https://app.$DD_SITE; requests go
// through Go's http.DefaultClient, so HTTPS_PROXY, NO_PROXY, SSL_CERT_FILE and
// SSL_CERT_DIR apply.
//
// A QUERY that contains neither language:go nor runtime:go gets " runtime:go"
// appended. Each QUERY becomes a search object
//
//	{"filter": {"from": NOW-FROM, "to": NOW, "query": QUERY},
//	 "sort": {"order": "desc", "field": "@metrics.core_cpu_cores"},
//	 "limit": PROFILES}
//
// with times in UTC, whole seconds, trailing Z. Every request carries
// DD-API-KEY, DD-APPLICATION-KEY and Content-Type: application/json.
//
//  1. POST /api/unstable/profiles/list with each search object; one log line
//     per profile found: profile id, cpu cores, duration, age.
//  2. POST /api/unstable/profiles/gopgo with {"queries": [all of them]}; the
//     answer is a zip with one CPU profile per entry, named by profile id.
//     Every entry must be a gzip or raw pprof (zstd is refused) of a CPU
//     profile, i.e. one the Go compiler takes: a sample type samples/count
//     or cpu/nanoseconds.
//  3. DEST is written atomically (a temporary file in DEST's directory, then
//     a rename): with one entry, that entry as it is; with several, by
//     running `$PGOTOOL merge -o DEST ZIP` (ddpgo has no pprof library to
//     merge with). Without PGOTOOL, several entries are a failure. A single
//     entry is not rewritten, so it does not get the "DO NOT INLINE:"
//     renaming that datadog-pgo and pgotool merge apply.
//  4. A last line "wrote PGO file" with path, samples, bytes, the total
//     duration of the profiles and the debug query profile-id:(ID OR ...).
//
// Logs go to stdout: text, or JSON lines with -json; -v adds debug lines.
// Usage errors exit 2. Every failure after argument parsing is logged; with
// -fail ddpgo then exits 1, without it a warning follows and it exits 0, so
// a build goes on without PGO. A non-2xx answer is reported with its status
// and body and a reminder to check DD_API_KEY, DD_APP_KEY and DD_SITE. On
// failure DEST is left as it was.
package main

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

const version = "0.1.0 (pgotool's stand-in for datadog-pgo)"

// Limits on what is read from the network and decompressed.
const (
	maxBody    = 1 << 30
	maxProfile = 512 << 20
)

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
	fs.DurationVar(&o.timeout, "timeout", time.Minute, "time limit for the whole fetch")
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
	log.Info("ddpgo", "version", version)

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
		query += " runtime:go"
	}
	const layout = "2006-01-02T15:04:05Z" // whole seconds; times are UTC
	var q searchQuery
	q.Filter.From = now.Add(-o.from).UTC().Format(layout)
	q.Filter.To = now.UTC().Format(layout)
	q.Filter.Query = query
	q.Sort.Order = "desc"
	q.Sort.Field = "@metrics.core_cpu_cores"
	q.Limit = o.profiles
	return q
}

// listTime is a profile's timestamp as the list answer gives it.
type listTime struct{ time.Time }

func (t *listTime) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("timestamp %s: %w", b, err)
	}
	v, err := time.Parse("2006-01-02T15:04:05.999999999Z", s)
	if err != nil {
		return fmt.Errorf("timestamp %q: %w", s, err)
	}
	t.Time = v
	return nil
}

// listAnswer is the part of a profiles/list answer that ddpgo reads.
type listAnswer struct {
	Data *[]struct {
		ID         string `json:"id"`
		Type       string `json:"type"`
		Attributes struct {
			ID            string   `json:"id"`
			Service       string   `json:"service"`
			DurationNanos float64  `json:"duration_nanos"`
			Timestamp     listTime `json:"timestamp"`
			Custom        struct {
				Metrics struct {
					CoreCPUCores float64 `json:"core_cpu_cores"`
				} `json:"metrics"`
			} `json:"custom"`
		} `json:"attributes"`
	} `json:"data"`
}

type client struct {
	base, site     string
	apiKey, appKey string
	log            *slog.Logger
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
	c := &client{base: "https://app." + site, site: site, apiKey: apiKey, appKey: appKey, log: log}

	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	now := time.Now()
	var searches []searchQuery
	for _, q := range queries {
		searches = append(searches, newSearch(q, now, o))
	}

	// 1. What each query finds.
	listed := map[string]bool{}
	for _, s := range searches {
		data, err := c.post(ctx, "/api/unstable/profiles/list", s)
		if err != nil {
			return err
		}
		var ans listAnswer
		if err := json.Unmarshal(data, &ans); err != nil {
			return fmt.Errorf("profiles/list answer for %q: %w", s.Filter.Query, err)
		}
		if ans.Data == nil {
			return fmt.Errorf("profiles/list answer for %q has no data: %s", s.Filter.Query, snippet(data))
		}
		if len(*ans.Data) == 0 {
			log.Warn("no profiles match", "query", s.Filter.Query, "from", s.Filter.From, "to", s.Filter.To)
		}
		for _, d := range *ans.Data {
			a := d.Attributes
			if a.ID == "" {
				return fmt.Errorf("profiles/list answer for %q: an entry without a profile id", s.Filter.Query)
			}
			listed[a.ID] = true
			log.Info("found profile", "profile-id", a.ID, "cpu-cores", a.Custom.Metrics.CoreCPUCores,
				"duration", time.Duration(a.DurationNanos).String(),
				"age", now.Sub(a.Timestamp.Time).Round(time.Second).String(),
				"service", a.Service, "event-id", d.ID)
		}
	}

	// 2. The profiles themselves.
	zipData, err := c.post(ctx, "/api/unstable/profiles/gopgo", map[string]any{"queries": searches})
	if err != nil {
		return err
	}
	entries, err := readProfiles(zipData)
	if err != nil {
		return fmt.Errorf("profiles/gopgo answer: %w", err)
	}
	var ids []string
	var total time.Duration
	for _, e := range entries {
		ids = append(ids, e.name)
		total += time.Duration(e.info.durationNanos)
		if !listed[e.name] {
			log.Warn("profiles/gopgo gave a profile that profiles/list did not", "profile-id", e.name)
		}
		log.Debug("profile", "profile-id", e.name, "format", e.format, "samples", e.info.samples,
			"duration", time.Duration(e.info.durationNanos).String())
	}

	// 3. DEST.
	if len(entries) == 1 {
		if err := writeAtomic(dest, entries[0].data); err != nil {
			return err
		}
	} else if err := mergeInto(ctx, dest, zipData, len(entries)); err != nil {
		return err
	}
	out, err := os.ReadFile(dest)
	if err != nil {
		return err
	}
	info, _, err := parseProfile(out)
	if err != nil {
		return fmt.Errorf("%s after writing: %w", dest, err)
	}
	log.Info("wrote PGO file", "path", dest, "samples", info.samples, "bytes", len(out),
		"duration", total.String(), "debug-query", "profile-id:("+strings.Join(ids, " OR ")+")")
	return nil
}

type entry struct {
	name   string
	format string // "gzip" or "raw"
	data   []byte // as in the zip
	info   pprofInfo
}

// readProfiles checks a gopgo zip: at least one entry, each a CPU profile,
// named by a profile id. The entries come back sorted by name.
func readProfiles(zipData []byte) ([]entry, error) {
	zr, err := zip.NewReader(bytes.NewReader(zipData), int64(len(zipData)))
	if err != nil {
		return nil, fmt.Errorf("not a zip archive (%d bytes, starting %x): %w", len(zipData), head(zipData), err)
	}
	if len(zr.File) == 0 {
		return nil, errors.New("the zip has no profiles")
	}
	seen := map[string]bool{}
	var out []entry
	for _, f := range zr.File {
		if f.Name == "" || strings.ContainsAny(f.Name, "/\\ ()") || strings.HasPrefix(f.Name, ".") {
			return nil, fmt.Errorf("entry %q is not named by a profile id", f.Name)
		}
		if seen[f.Name] {
			return nil, fmt.Errorf("entry %q appears twice", f.Name)
		}
		seen[f.Name] = true
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("entry %s: %w", f.Name, err)
		}
		data, err := io.ReadAll(io.LimitReader(rc, maxProfile+1))
		rc.Close()
		if err == nil && len(data) > maxProfile {
			err = fmt.Errorf("larger than %d bytes", maxProfile)
		}
		if err != nil {
			return nil, fmt.Errorf("entry %s: %w", f.Name, err)
		}
		info, format, err := parseProfile(data)
		if err != nil {
			return nil, fmt.Errorf("entry %s: %w", f.Name, err)
		}
		out = append(out, entry{name: f.Name, format: format, data: data, info: info})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

func head(b []byte) []byte {
	if len(b) > 8 {
		return b[:8]
	}
	return b
}

// parseProfile checks that b is a gzip or raw pprof of a profile the Go
// compiler takes for PGO; it returns what it read and the format.
func parseProfile(b []byte) (pprofInfo, string, error) {
	format := "raw"
	switch {
	case bytes.HasPrefix(b, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return pprofInfo{}, "", errors.New("zstd-compressed; a PGO profile must be gzip or raw pprof")
	case bytes.HasPrefix(b, []byte{0x1f, 0x8b}):
		format = "gzip"
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return pprofInfo{}, "", fmt.Errorf("gzip: %w", err)
		}
		raw, err := io.ReadAll(io.LimitReader(zr, maxProfile+1))
		if err == nil && len(raw) > maxProfile {
			err = fmt.Errorf("larger than %d bytes decompressed", maxProfile)
		}
		if err != nil {
			return pprofInfo{}, "", fmt.Errorf("gzip: %w", err)
		}
		b = raw
	}
	info, err := parsePprof(b)
	if err != nil {
		return info, "", fmt.Errorf("not a pprof profile (%s): %w", format, err)
	}
	return info, format, nil
}

// pprofInfo is what ddpgo reads of a pprof Profile message.
type pprofInfo struct {
	samples       int
	durationNanos int64
	sampleTypes   [][2]uint64 // string table indices of type and unit
	strings       []string
}

// Wire types of the perftools.profiles.Profile fields, by field number.
var profileWire = map[uint64]uint64{
	1: 2, 2: 2, 3: 2, 4: 2, 5: 2, 6: 2, // sample_type, sample, mapping, location, function, string_table
	7: 0, 8: 0, 9: 0, 10: 0, 11: 2, 12: 0, 14: 0, // drop/keep_frames, time, duration, period_type, period, default_sample_type
}

// fields walks a protobuf message, calling f for each field; f gets the
// varint value or the bytes of a length-delimited field.
func fields(b []byte, f func(num, wire, v uint64, data []byte) error) error {
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return errors.New("bad field key")
		}
		b = b[n:]
		num, wire := key>>3, key&7
		if num == 0 {
			return errors.New("field number 0")
		}
		var v uint64
		var data []byte
		switch wire {
		case 0:
			v, n = binary.Uvarint(b)
			if n <= 0 {
				return fmt.Errorf("field %d: bad varint", num)
			}
			b = b[n:]
		case 1, 5:
			size := 8
			if wire == 5 {
				size = 4
			}
			if len(b) < size {
				return fmt.Errorf("field %d: truncated", num)
			}
			b = b[size:]
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return fmt.Errorf("field %d: bad length", num)
			}
			data = b[n : n+int(l)]
			b = b[n+int(l):]
		default:
			return fmt.Errorf("field %d: wire type %d", num, wire)
		}
		if err := f(num, wire, v, data); err != nil {
			return err
		}
	}
	return nil
}

func parsePprof(b []byte) (pprofInfo, error) {
	var p pprofInfo
	err := fields(b, func(num, wire, v uint64, data []byte) error {
		if w, ok := profileWire[num]; ok && w != wire {
			return fmt.Errorf("field %d has wire type %d, want %d", num, wire, w)
		}
		switch num {
		case 1:
			var vt [2]uint64
			if err := fields(data, func(n, w, v uint64, _ []byte) error {
				if (n == 1 || n == 2) && w == 0 {
					vt[n-1] = v
				}
				return nil
			}); err != nil {
				return fmt.Errorf("sample_type: %w", err)
			}
			p.sampleTypes = append(p.sampleTypes, vt)
		case 2:
			p.samples++
		case 6:
			p.strings = append(p.strings, string(data))
		case 10:
			p.durationNanos = int64(v)
		}
		return nil
	})
	if err != nil {
		return p, err
	}
	if len(p.strings) == 0 || p.strings[0] != "" {
		return p, errors.New("the string table does not start with the empty string")
	}
	cpu := false
	for _, vt := range p.sampleTypes {
		if vt[0] >= uint64(len(p.strings)) || vt[1] >= uint64(len(p.strings)) {
			return p, errors.New("a sample type refers past the string table")
		}
		t, u := p.strings[vt[0]], p.strings[vt[1]]
		if (t == "samples" && u == "count") || (t == "cpu" && u == "nanoseconds") {
			cpu = true
		}
	}
	if !cpu {
		return p, errors.New("not a CPU profile (no sample type samples/count or cpu/nanoseconds)")
	}
	return p, nil
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

// mergeInto merges the n profiles of a gopgo zip into dest with
// `$PGOTOOL merge`, which writes its output atomically.
func mergeInto(ctx context.Context, dest string, zipData []byte, n int) error {
	pgotool := os.Getenv("PGOTOOL")
	if pgotool == "" {
		return fmt.Errorf("%d profiles to merge and ddpgo cannot merge pprof itself; set PGOTOOL to a pgotool binary", n)
	}
	f, err := os.CreateTemp("", "ddpgo-*.zip")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(zipData); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	out, err := exec.CommandContext(ctx, pgotool, "merge", "-o", dest, f.Name()).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s merge of %d profiles: %w: %s", pgotool, n, err, snippet(out))
	}
	return nil
}
