#!/usr/bin/env python3
"""A TCP client that stops reading (tcp_zero_window.sh; stdlib only).

  zero_window_client.py VIP PORT --hold S

Connects with a 16 KiB receive buffer to an echo service and sends until the
peer has taken nothing for 1 s: the echo fills our receive queue, our window
closes, then the peer's window closes in turn. Then it reads nothing and
watches the receive queue (FIONREAD) and the socket's state (TCP_INFO) every
20 ms, for at most --hold s after the queue last grew. When the connection
was reset meanwhile, that is the outcome; otherwise it reads everything
back and compares it with what it sent.

Output, one line of key=value (times in s since the receive queue last grew,
i.e. since our window closed):
  reset after=T sent=N queued=Q err=ERRNO-NAME
  held hold=T sent=N queued=Q readback=N match=yes|no
"""
import argparse
import errno
import fcntl
import os
import socket
import struct
import termios
import time

TCP_CLOSE = 7


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("vip")
    ap.add_argument("port", type=int)
    ap.add_argument("--hold", type=float, required=True)
    a = ap.parse_args()

    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    s.settimeout(5)
    s.connect((a.vip, a.port))
    s.setblocking(False)

    payload = os.urandom(4 << 20)
    sent, last = 0, time.monotonic()
    while sent < len(payload) and time.monotonic() - last < 1.0:
        try:
            n = s.send(payload[sent:sent + 65536])
            sent += n
            last = time.monotonic()
        except BlockingIOError:
            time.sleep(0.01)

    def queued():
        b = fcntl.ioctl(s.fileno(), termios.FIONREAD, struct.pack("i", 0))
        return struct.unpack("i", b)[0]

    q, full = queued(), time.monotonic()
    while True:
        now = time.monotonic()
        state = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)[0]
        if state == TCP_CLOSE:
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            print("reset after=%.3f sent=%d queued=%d err=%s"
                  % (now - full, sent, q, errno.errorcode.get(err, str(err))))
            return 0
        if now - full > a.hold:
            break
        n = queued()
        if n > q:
            q, full = n, now
        time.sleep(0.02)

    held = time.monotonic() - full
    s.setblocking(True)
    s.settimeout(10)
    back = bytearray()
    try:
        while len(back) < sent:
            d = s.recv(65536)
            if not d:
                break
            back += d
    except OSError as e:
        print("held hold=%.3f sent=%d queued=%d readback=%d err=%s"
              % (held, sent, q, len(back), e))
        return 1
    print("held hold=%.3f sent=%d queued=%d readback=%d match=%s"
          % (held, sent, q, len(back), "yes" if bytes(back) == payload[:sent] else "no"))
    s.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
