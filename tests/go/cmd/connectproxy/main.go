// Command connectproxy is a minimal HTTP CONNECT proxy for tests: it lets a
// client that only speaks https://app.<site> (datadog-pgo, which uses Go's
// http.DefaultClient and so honours HTTPS_PROXY) reach a local server without
// touching /etc/hosts or DNS.
//
//	connectproxy -allow app.pgotool.test:443 -to 127.0.0.1:8443
//
// It listens on a loopback address only (default 127.0.0.1:0, a free port)
// and prints "connectproxy listening on 127.0.0.1:PORT" as its first line.
// A CONNECT to exactly the -allow host:port is tunnelled to -to; any other
// destination gets 403, any other method 405. One line per request is
// logged on stdout. It exits on SIGINT or SIGTERM.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
)

var logMu sync.Mutex

func logf(format string, args ...any) {
	logMu.Lock()
	defer logMu.Unlock()
	fmt.Printf(format+"\n", args...)
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "loopback address to listen on")
	allow := flag.String("allow", "", "the one CONNECT destination (host:port) to accept")
	to := flag.String("to", "", "where to tunnel it (a loopback host:port)")
	flag.Parse()
	if *allow == "" || *to == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: connectproxy [-listen 127.0.0.1:0] -allow HOST:PORT -to 127.0.0.1:PORT")
		os.Exit(2)
	}
	for _, a := range []string{*listen, *to} {
		if !isLoopback(a) {
			fmt.Fprintf(os.Stderr, "connectproxy: %s is not a loopback address\n", a)
			os.Exit(2)
		}
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "connectproxy:", err)
		os.Exit(1)
	}
	logf("connectproxy listening on %s", ln.Addr())

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-sig
		ln.Close()
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			return
		}
		go serve(c, strings.ToLower(*allow), *to)
	}
}

func isLoopback(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func serve(c net.Conn, allow, to string) {
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil {
		logf("bad request from %s: %v", c.RemoteAddr(), err)
		return
	}
	if req.Method != http.MethodConnect {
		logf("%s %s: 405", req.Method, req.RequestURI)
		io.WriteString(c, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return
	}
	if strings.ToLower(req.RequestURI) != allow {
		logf("CONNECT %s: 403", req.RequestURI)
		io.WriteString(c, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return
	}
	up, err := net.DialTimeout("tcp", to, 10*time.Second)
	if err != nil {
		logf("CONNECT %s: 502 (%v)", req.RequestURI, err)
		io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return
	}
	defer up.Close()
	c.SetReadDeadline(time.Time{})
	if _, err := io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	logf("CONNECT %s: 200, tunnel to %s", req.RequestURI, to)
	// Bytes the client sent after the request head are already buffered.
	if n := br.Buffered(); n > 0 {
		b, _ := br.Peek(n)
		if _, err := up.Write(b); err != nil {
			return
		}
	}
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, c); closeWrite(up); done <- struct{}{} }()
	go func() { io.Copy(c, up); closeWrite(c); done <- struct{}{} }()
	<-done
	<-done
}

func closeWrite(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
}
