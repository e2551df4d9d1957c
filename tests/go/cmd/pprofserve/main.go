// Command pprofserve is a Go service for pgotool's scrape tests: it burns
// CPU and serves net/http/pprof, as a production service with pprof
// mounted does, and beside it the answers a hostile or broken target
// gives, each under its own path prefix:
//
//	/debug/pprof/profile           the real handler
//	/slow/debug/pprof/profile      a 200, then a byte a second, forever
//	/endless/debug/pprof/profile   a 200, then bytes as fast as they go, forever
//	/bomb/debug/pprof/profile      a gzip stream (64 members) that inflates to 4 GiB of zeros
//	/junk/debug/pprof/profile      random bytes
//	/heap/debug/pprof/profile      a heap profile, not a CPU profile
//	/status/debug/pprof/profile    a 500 with a line of text
//	/auth/debug/pprof/profile      the real handler behind -token or -user/-password, else a 401
//	/auth2/debug/pprof/profile     the same again
//
//	pprofserve -listen 127.0.0.1:0 -addr-file FILE [-token T] [-user U -password P]
//	           [-tls-cert PEM -tls-key PEM -tls-addr-file FILE]
//
// It writes the address it listens on to -addr-file once it listens, and
// with -tls-cert the address of a second, HTTPS listener to -tls-addr-file.
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"math/rand"
	"net"
	"net/http"
	httppprof "net/http/pprof"
	"os"
	"runtime/pprof"
	"time"

	"pgotool.test/progs/internal/mix"
	"pgotool.test/progs/internal/shapes"
)

var sink uint64

func burn() {
	r := mix.NewRand(1)
	buf := make([]uint64, 4096)
	for {
		mix.Fill(buf, r)
		sink += mix.Checksum(buf, sink)
		sink += uint64(shapes.TotalArea(shapes.Make(r, 64, [4]int{1, 2, 3, 4})))
	}
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	addrFile := flag.String("addr-file", "", "write the address here once listening")
	token := flag.String("token", "", "the bearer token /auth/ takes")
	user := flag.String("user", "", "the basic-auth user /auth/ takes")
	password := flag.String("password", "", "and its password")
	tlsCert := flag.String("tls-cert", "", "also serve HTTPS with this certificate")
	tlsKey := flag.String("tls-key", "", "and this key")
	tlsAddrFile := flag.String("tls-addr-file", "", "write the HTTPS address here")
	flag.Parse()
	auth := func(w http.ResponseWriter, r *http.Request) {
		u, p, basic := r.BasicAuth()
		if (*token != "" && r.Header.Get("Authorization") == "Bearer "+*token) ||
			(basic && *user != "" && u == *user && p == *password) {
			httppprof.Profile(w, r)
			return
		}
		http.Error(w, "unauthorized", http.StatusUnauthorized)
	}
	http.HandleFunc("/auth/debug/pprof/profile", auth)
	http.HandleFunc("/auth2/debug/pprof/profile", auth)
	http.HandleFunc("/slow/debug/pprof/profile", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		for {
			if _, err := w.Write([]byte{0x0a}); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(time.Second):
			}
		}
	})
	http.HandleFunc("/endless/debug/pprof/profile", func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 64<<10)
		for {
			if _, err := w.Write(buf); err != nil {
				return
			}
		}
	})
	// One gzip member of 64 MiB of zeros, made once; 64 of them are one
	// gzip stream of 4 GiB, sent in about 4 MB.
	var member bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	zw.Write(make([]byte, 64<<20))
	zw.Close()
	http.HandleFunc("/bomb/debug/pprof/profile", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 64; i++ {
			if _, err := w.Write(member.Bytes()); err != nil {
				return
			}
		}
	})
	http.HandleFunc("/junk/debug/pprof/profile", func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 100<<10)
		rand.New(rand.NewSource(1)).Read(b)
		w.Write(b)
	})
	http.HandleFunc("/heap/debug/pprof/profile", func(w http.ResponseWriter, r *http.Request) {
		pprof.Lookup("heap").WriteTo(w, 0)
	})
	http.HandleFunc("/status/debug/pprof/profile", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "profiling is switched off on this instance", http.StatusInternalServerError)
	})
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pprofserve:", err)
		os.Exit(1)
	}
	go burn()
	if *tlsCert != "" {
		tln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, "pprofserve:", err)
			os.Exit(1)
		}
		go func() {
			if err := http.ServeTLS(tln, nil, *tlsCert, *tlsKey); err != nil {
				fmt.Fprintln(os.Stderr, "pprofserve: https:", err)
				os.Exit(1)
			}
		}()
		writeAddr(*tlsAddrFile, tln.Addr().String())
	}
	writeAddr(*addrFile, ln.Addr().String())
	if err := http.Serve(ln, nil); err != nil {
		fmt.Fprintln(os.Stderr, "pprofserve:", err)
		os.Exit(1)
	}
}

// writeAddr puts addr in file (if named) whole, by rename.
func writeAddr(file, addr string) {
	if file == "" {
		return
	}
	tmp := file + ".tmp"
	os.WriteFile(tmp, []byte(addr+"\n"), 0o644)
	os.Rename(tmp, file)
}
