#!/usr/bin/env python3
"""flood: many connections that each send a large body to pgotool serve's
intake, while well-formed uploads are sent at the same time; reports what
each got and the server's peak RSS.

  flood.py PORT SERVER-PID ATTACKERS CHUNKED BODY-BYTES GOOD GOOD-BODY-FILE BOUNDARY

ATTACKERS connections post a multipart body of BODY-BYTES (one go.trace part
of zeros, no event part); CHUNKED of them without a Content-Length. GOOD
uploads (GOOD-BODY-FILE, a whole multipart body with BOUNDARY) are sent one
after another on fresh connections while the attackers send. Prints
"attackers: STATUS=COUNT ...", "good: STATUS=COUNT ...", "peak_rss_kb=N".
"""
import collections
import socket
import sys
import threading
import time

port, pid, n_att, n_chunked, size, n_good, good_file, boundary = (
    int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]),
    int(sys.argv[5]), int(sys.argv[6]), sys.argv[7], sys.argv[8])
good_body = open(good_file, "rb").read()
results = collections.Counter()
good_results = collections.Counter()
lock = threading.Lock()
done = threading.Event()
peak = [0]


def status_of(s):
    data = b""
    s.settimeout(120)
    try:
        while b"\r\n" not in data:
            piece = s.recv(4096)
            if not piece:
                break
            data += piece
    except OSError:
        pass
    line = data.split(b"\r\n", 1)[0].split()
    return line[1].decode() if len(line) > 1 else "reset"


def attacker(i):
    chunked = i < n_chunked
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"go.trace\"; filename=\"go.trace\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    zeros = size - len(head) - len(tail)
    req = (f"POST /profiling/v1/input HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
           f"Content-Type: multipart/form-data; boundary={boundary}\r\n")
    req += "Transfer-Encoding: chunked\r\n\r\n" if chunked else f"Content-Length: {size}\r\n\r\n"
    block = b"\0" * (1 << 20)
    st = "reset"
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=120)
        s.sendall(req.encode())
        pieces = [head] + [block] * (zeros // len(block)) + [block[: zeros % len(block)], tail]
        try:
            for p in pieces:
                if not p:
                    continue
                s.sendall(b"%x\r\n" % len(p) + p + b"\r\n" if chunked else p)
            if chunked:
                s.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # answered (and closed) before the body was all sent
        st = status_of(s)
        s.close()
    except OSError:
        pass
    with lock:
        results[st] += 1


def good():
    time.sleep(0.5)
    for _ in range(n_good):
        st = "reset"
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=120)
            s.sendall((f"POST /profiling/v1/input HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                       f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                       f"Content-Length: {len(good_body)}\r\n\r\n").encode() + good_body)
            st = status_of(s)
            s.close()
        except OSError:
            pass
        with lock:
            good_results[st] += 1
        time.sleep(0.05)


def watch():
    while not done.is_set():
        try:
            for line in open(f"/proc/{pid}/status"):
                if line.startswith("VmRSS:"):
                    peak[0] = max(peak[0], int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.01)


w = threading.Thread(target=watch)
w.start()
threads = [threading.Thread(target=attacker, args=(i,)) for i in range(n_att)]
g = threading.Thread(target=good)
t0 = time.time()
for t in threads:
    t.start()
g.start()
for t in threads + [g]:
    t.join()
done.set()
w.join()
fmt = lambda c: " ".join(f"{k}={v}" for k, v in sorted(c.items()))
print(f"attackers: {fmt(results)}")
print(f"good: {fmt(good_results)}")
print(f"peak_rss_kb={peak[0]} seconds={time.time() - t0:.1f}")
