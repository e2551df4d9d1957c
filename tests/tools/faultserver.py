#!/usr/bin/env python3
"""faultserver: an HTTP server that answers each request with a scripted fault,
for the tests of `pgotool fetch` (retries, timeouts, truncated and refused
answers).

usage: faultserver.py --port-file F [--upstream URL] [--log FILE]
                      [--lifetime SECONDS] RESPONSE...

The i-th request gets the i-th RESPONSE; the last RESPONSE repeats for every
later request. RESPONSE is one of:

  proxy                  forward the request (method, path, query, headers,
                         body) to --upstream, e.g. a `pgotool serve`, and relay
                         its status, headers and body
  status:CODE[:retry-after=VALUE]
                         answer CODE with the body {"errors":["injected CODE"]}
                         (Content-Type application/json), and a Retry-After
                         header with VALUE when given
  body:FILE              answer 200, Content-Type application/zip, FILE's bytes
  truncate:FILE          answer 200 with the Content-Length of all of FILE but
                         send only its first half, then close the connection
  slow:SECONDS           wait SECONDS, then act as proxy
  hang                   read the request and never answer (until the client
                         closes the connection or the lifetime ends)
  reset                  close the connection without answering (with a TCP
                         reset: SO_LINGER 0)

It listens on 127.0.0.1 only, on a port the system picks, and writes that
port (a number and a newline) to --port-file once it accepts connections. It
exits by itself after --lifetime seconds (default 300), so a test that dies
does not leave it behind; SIGTERM and SIGINT stop it at once. With --log, each
request adds one JSON line to FILE as it arrives, before it is answered:
{"n": N, "time": UNIX_SECONDS, "method": ..., "path": PATH_AND_QUERY,
 "headers": {NAME: VALUE}, "body": TEXT, "body_encoding": "text" or "base64",
 "response": RESPONSE}.
Python 3 standard library only.
"""

import argparse
import base64
import http.client
import http.server
import json
import os
import select
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse

# Headers that belong to one connection, not to the message (RFC 9110 7.6.1).
HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
    "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
}

MAX_BODY = 1 << 30


def parse_response(spec, upstream):
    """Checks one RESPONSE argument; returns (kind, argument) or raises ValueError."""
    kind, _, rest = spec.partition(":")
    if kind in ("proxy", "hang", "reset"):
        if rest:
            raise ValueError("%s takes no argument" % kind)
        if kind == "proxy" and not upstream:
            raise ValueError("proxy needs --upstream")
        return kind, None
    if kind == "status":
        code, _, opt = rest.partition(":")
        if not code.isdigit() or not 100 <= int(code) <= 599:
            raise ValueError("status needs a code from 100 to 599")
        retry = None
        if opt:
            if not opt.startswith("retry-after="):
                raise ValueError("status option must be retry-after=VALUE")
            retry = opt[len("retry-after="):]
            if not retry or any(c in retry for c in "\r\n"):
                raise ValueError("bad retry-after value")
        return kind, (int(code), retry)
    if kind in ("body", "truncate"):
        if not rest or not os.path.isfile(rest):
            raise ValueError("%s needs an existing FILE" % kind)
        return kind, rest
    if kind == "slow":
        try:
            secs = float(rest)
        except ValueError:
            raise ValueError("slow needs SECONDS") from None
        if secs < 0:
            raise ValueError("slow needs SECONDS >= 0")
        if not upstream:
            raise ValueError("slow needs --upstream (it proxies after the wait)")
        return kind, secs
    raise ValueError("unknown response kind %r" % kind)


class Script:
    """The responses, handed out in request order."""

    def __init__(self, specs, parsed):
        self.specs = specs
        self.parsed = parsed
        self.count = 0
        self.lock = threading.Lock()

    def next(self):
        with self.lock:
            n = self.count
            self.count += 1
        i = min(n, len(self.parsed) - 1)
        return n + 1, self.specs[i], self.parsed[i]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers do
    server_version = "faultserver"
    sys_version = ""

    def log_message(self, fmt, *args):  # quiet; --log records requests
        pass

    # Every method goes through one place.
    def do_any(self):
        srv = self.server
        try:
            body = self.read_body()
        except ValueError as e:
            self.close_connection = True
            self.answer(400, {"Content-Type": "application/json"},
                        json.dumps({"errors": ["faultserver: %s" % e]}).encode())
            return
        n, spec, (kind, arg) = srv.script.next()
        srv.log_request_line(n, self, body, spec)
        if kind == "proxy":
            self.proxy(body)
        elif kind == "slow":
            if srv.stop.wait(arg):
                self.close_connection = True
                return
            self.proxy(body)
        elif kind == "status":
            code, retry = arg
            headers = {"Content-Type": "application/json"}
            if retry is not None:
                headers["Retry-After"] = retry
            self.answer(code, headers, json.dumps({"errors": ["injected %d" % code]}).encode())
        elif kind == "body":
            with open(arg, "rb") as f:
                data = f.read()
            self.answer(200, {"Content-Type": "application/zip"}, data)
        elif kind == "truncate":
            with open(arg, "rb") as f:
                data = f.read()
            self.send_response(200)
            self.send_header("Content-Type", "application/zip")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
        elif kind == "hang":
            self.hang()
        elif kind == "reset":
            self.reset()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = do_any

    def read_body(self):
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            out = bytearray()
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    raise ValueError("truncated chunked body")
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return bytes(out)
                if len(out) + size > MAX_BODY:
                    raise ValueError("body too large")
                out += self.rfile.read(size)
                self.rfile.readline(65537)
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        if not length.strip().isdigit() or int(length) > MAX_BODY:
            raise ValueError("bad Content-Length %r" % length)
        data = self.rfile.read(int(length))
        if len(data) != int(length):
            raise ValueError("truncated body")
        return data

    def answer(self, code, headers, data):
        self.send_response(code)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def proxy(self, body):
        up = self.server.upstream
        conn_cls = http.client.HTTPSConnection if up.scheme == "https" else http.client.HTTPConnection
        conn = conn_cls(up.netloc, timeout=self.server.lifetime)
        try:
            conn.putrequest(self.command, up.path.rstrip("/") + self.path,
                            skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", up.netloc)
            for k, v in self.headers.items():
                lk = k.lower()
                if lk in HOP_BY_HOP or lk in ("host", "content-length"):
                    continue
                conn.putheader(k, v)
            if body or "Content-Length" in self.headers or "Transfer-Encoding" in self.headers:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            resp = conn.getresponse()
            data = resp.read()
            headers = [(k, v) for k, v in resp.getheaders()
                       if k.lower() not in HOP_BY_HOP and k.lower() != "content-length"]
            code, reason = resp.status, resp.reason
        except (OSError, http.client.HTTPException) as e:
            self.answer(502, {"Content-Type": "application/json"},
                        json.dumps({"errors": ["faultserver: upstream: %s" % e]}).encode())
            return
        finally:
            conn.close()
        self.send_response(code, reason)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def hang(self):
        """Never answer; return when the client closes or at the end of the lifetime."""
        self.close_connection = True
        sock = self.connection
        while not self.server.stop.is_set():
            try:
                r, _, _ = select.select([sock], [], [], 0.2)
                if r and not sock.recv(1, socket.MSG_PEEK):
                    return  # the client closed the connection
                if r:
                    time.sleep(0.2)  # it sent more; still no answer
            except (OSError, ValueError):
                return

    def reset(self):
        """Close the connection without a word: a TCP RST, not a FIN."""
        self.close_connection = True
        sock = self.connection
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            os.close(sock.detach())
        except OSError:
            pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False

    def __init__(self, script, upstream, log_path, lifetime):
        self.script = script
        self.upstream = upstream
        self.lifetime = lifetime
        self.stop = threading.Event()
        self.log_lock = threading.Lock()
        self.log_file = open(log_path, "a", encoding="utf-8") if log_path else None
        super().__init__(("127.0.0.1", 0), Handler)

    def log_request_line(self, n, h, body, spec):
        if not self.log_file:
            return
        headers = {}
        for k, v in h.headers.items():
            headers[k] = headers[k] + ", " + v if k in headers else v
        try:
            text, enc = body.decode("utf-8"), "text"
        except UnicodeDecodeError:
            text, enc = base64.b64encode(body).decode("ascii"), "base64"
        rec = {"n": n, "time": time.time(), "method": h.command, "path": h.path,
               "headers": headers, "body": text, "body_encoding": enc, "response": spec}
        with self.log_lock:
            self.log_file.write(json.dumps(rec) + "\n")
            self.log_file.flush()

    def handle_error(self, request, client_address):
        pass  # a client that went away is part of the game


def main():
    ap = argparse.ArgumentParser(
        description="HTTP server answering each request with a scripted fault (see the module docstring).")
    ap.add_argument("--port-file", required=True, help="where to write the port it listens on")
    ap.add_argument("--upstream", help="base URL that proxy and slow forward to")
    ap.add_argument("--log", help="append one JSON line per request to this file")
    ap.add_argument("--lifetime", type=float, default=300, help="exit after this many seconds (default 300)")
    ap.add_argument("responses", nargs="+", metavar="RESPONSE")
    a = ap.parse_args()

    upstream = None
    if a.upstream:
        upstream = urllib.parse.urlsplit(a.upstream)
        if upstream.scheme not in ("http", "https") or not upstream.netloc or upstream.query:
            ap.error("--upstream must be a base URL like http://127.0.0.1:8080")
    if a.lifetime <= 0:
        ap.error("--lifetime must be positive")
    parsed = []
    for spec in a.responses:
        try:
            parsed.append(parse_response(spec, upstream))
        except ValueError as e:
            ap.error("RESPONSE %r: %s" % (spec, e))

    srv = Server(Script(a.responses, parsed), upstream, a.log, a.lifetime)

    def stop(*_):
        srv.stop.set()
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    timer = threading.Timer(a.lifetime, stop)
    timer.daemon = True
    timer.start()

    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.replace(tmp, a.port_file)

    srv.serve_forever(poll_interval=0.2)
    srv.stop.set()
    srv.server_close()
    if srv.log_file:
        srv.log_file.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
