// Command pyroclient burns CPU while Grafana's pyroscope-go SDK pushes its
// profiles to -server, as a service instrumented for Pyroscope does.
//
//	pyroclient -server URL -app NAME [-tags k=v,k=v] [-types cpu,alloc] [-for 6s]
package main

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/grafana/pyroscope-go"
)

var sink [32]byte

//go:noinline
func hashLoop(n int) {
	b := []byte("pgotool")
	for i := 0; i < n; i++ {
		sink = sha256.Sum256(append(b, sink[:]...))
	}
}

//go:noinline
func allocLoop(n int) [][]byte {
	var keep [][]byte
	for i := 0; i < n; i++ {
		keep = append(keep, make([]byte, 1024))
	}
	return keep
}

func main() {
	server := flag.String("server", "", "the store's URL")
	app := flag.String("app", "pyroclient", "the application name")
	tags := flag.String("tags", "", "k=v,k=v: tags for every profile")
	types := flag.String("types", "cpu", "profile types: cpu, alloc")
	token := flag.String("token", "", "sent as a bearer token")
	user := flag.String("user", "", "basic auth user")
	password := flag.String("password", "", "basic auth password")
	dur := flag.Duration("for", 6*time.Second, "how long to run")
	upload := flag.Duration("upload", 2*time.Second, "upload interval")
	flag.Parse()
	cfg := pyroscope.Config{
		ApplicationName:   *app,
		ServerAddress:     *server,
		AuthToken:         *token,
		BasicAuthUser:     *user,
		BasicAuthPassword: *password,
		UploadRate:        *upload,
		Tags:              map[string]string{},
		Logger:            pyroscope.StandardLogger,
	}
	for _, kv := range strings.Split(*tags, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			cfg.Tags[k] = v
		}
	}
	for _, t := range strings.Split(*types, ",") {
		switch t {
		case "cpu":
			cfg.ProfileTypes = append(cfg.ProfileTypes, pyroscope.ProfileCPU)
		case "alloc":
			cfg.ProfileTypes = append(cfg.ProfileTypes, pyroscope.ProfileAllocObjects, pyroscope.ProfileAllocSpace)
		}
	}
	p, err := pyroscope.Start(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pyroclient:", err)
		os.Exit(1)
	}
	end := time.Now().Add(*dur)
	for time.Now().Before(end) {
		hashLoop(20000)
		_ = allocLoop(100)
	}
	if err := p.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "pyroclient: stop:", err)
	}
}
