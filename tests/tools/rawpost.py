#!/usr/bin/env python3
"""rawpost: sends one HTTP request whose body is generated, and reports how
the server answered and how much of the body it let us send.

  rawpost.py PORT METHOD PATH BODY-BYTES [HEADER]...

The body is BODY-BYTES bytes of 'x' (or, with RAWPOST_BODY=FILE, FILE's
bytes repeated). Content-Length is sent unless a header says
"Transfer-Encoding: chunked" (then the body goes in 64 KiB chunks).
Headers are "Name: value". Sending stops as soon as the server answers or
closes. Prints one line:  status=NNN sent=BYTES retry_after=S allow=M
(status=000 when no answer came).
"""
import os
import select
import socket
import sys
import time


def main():
    port, method, path, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
    headers = sys.argv[5:]
    chunked = any(h.lower().replace(" ", "") == "transfer-encoding:chunked" for h in headers)
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    if not chunked:
        head += f"Content-Length: {n}\r\n"
    head += "".join(h + "\r\n" for h in headers) + "\r\n"
    pattern = open(os.environ["RAWPOST_BODY"], "rb").read() if os.environ.get("RAWPOST_BODY") else b"x" * 65536
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
    s.sendall(head.encode())
    sent, answer, closed = 0, b"", False
    deadline = time.time() + 60
    while time.time() < deadline:
        r, w, _ = select.select([s], [s] if sent < n and not closed else [], [], 1.0)
        if r:
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            answer += data
            if b"\r\n\r\n" in answer:
                break
        if w and sent < n:
            piece = pattern[: min(len(pattern), n - sent)]
            if sent + len(piece) > n:
                piece = piece[: n - sent]
            try:
                if chunked:
                    s.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
                else:
                    s.sendall(piece)
                sent += len(piece)
            except OSError:
                closed = True
            if sent >= n and chunked:
                try:
                    s.sendall(b"0\r\n\r\n")
                except OSError:
                    closed = True
        if not r and not w and (sent >= n or closed):
            continue
    s.close()
    status, retry, allow = "000", "-", "-"
    lines = answer.split(b"\r\n")
    if lines and lines[0].startswith(b"HTTP/1."):
        status = lines[0].split()[1].decode()
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"retry-after":
            retry = v.strip().decode()
        if k.strip().lower() == b"allow":
            allow = v.strip().decode().replace(" ", "")
    print(f"status={status} sent={sent} retry_after={retry} allow={allow}")


if __name__ == "__main__":
    main()
