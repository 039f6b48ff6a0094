#!/usr/bin/env python3
"""Send each refusal case of the parser's table to an HTTP server and say what it did.

usage: http_smuggle.py CASES_TSV HOST:PORT

CASES_TSV: SECTION<TAB>NAME<TAB>HEX(INPUT)<TAB>WANT lines (http1_cases_dump). For each
case: connect, send the bytes, half-close, read until the server closes (or 3 s).
Prints one line per case: INDEX<TAB>STATUS<TAB>CLOSED, STATUS the first status code
("-" when nothing came back), CLOSED "closed" or "open" (still open after 3 s).
Standard library only.
"""
import socket
import sys
import time


def one(host, port, data):
    s = socket.create_connection((host, port), timeout=5)
    try:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        got = b""
        deadline = time.time() + 3
        closed = False
        while time.time() < deadline:
            s.settimeout(max(0.05, deadline - time.time()))
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not b:
                closed = True
                break
            got += b
        status = "-"
        if got.startswith(b"HTTP/1."):
            status = got.split(b" ", 2)[1].decode()
        return status, "closed" if closed else "open"
    finally:
        s.close()


def main():
    cases, target = sys.argv[1], sys.argv[2]
    host, port = target.rsplit(":", 1)
    with open(cases) as f:
        for i, line in enumerate(f):
            sect, name, hexin, want = line.rstrip("\n").split("\t")
            status, closed = one(host, int(port), bytes.fromhex(hexin))
            print("%d\t%s\t%s" % (i, status, closed), flush=True)


if __name__ == "__main__":
    main()
