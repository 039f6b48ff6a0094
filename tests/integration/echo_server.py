#!/usr/bin/env python3
"""Kernel TCP echo server for the integration tests (stdlib only).

  echo_server.py PEERS_FILE ADDR:PORT [ADDR:PORT ...]

Listens on every ADDR:PORT; each connection gets back what it sends, and
when the peer half-closes (EOF) the server sends the rest and closes too.
Appends one line per accepted connection to PEERS_FILE:
  LOCAL_ADDR:LOCAL_PORT PEER_ADDR:PEER_PORT
Prints "ready" on stdout once listening. Runs until killed.
"""
import socket
import sys
import threading


def serve(conn, peers_file, lock):
    la, lp = conn.getsockname()
    pa, pp = conn.getpeername()
    with lock, open(peers_file, "a") as f:
        f.write(f"{la}:{lp} {pa}:{pp}\n")
    try:
        while True:
            b = conn.recv(65536)
            if not b:
                break
            conn.sendall(b)
        conn.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    finally:
        conn.close()


def accept_loop(ls, peers_file, lock):
    while True:
        conn, _ = ls.accept()
        threading.Thread(target=serve, args=(conn, peers_file, lock), daemon=True).start()


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    peers_file, lock, threads = sys.argv[1], threading.Lock(), []
    for ep in sys.argv[2:]:
        addr, port = ep.rsplit(":", 1)
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((addr, int(port)))
        ls.listen(256)
        t = threading.Thread(target=accept_loop, args=(ls, peers_file, lock), daemon=True)
        t.start()
        threads.append(t)
    print("ready", flush=True)
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
