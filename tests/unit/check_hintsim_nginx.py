#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""hintsim's policy `nginx` places every hint where nginx itself does.

usage: check_hintsim_nginx.py PATH_TO_HINTSIM [NGINX]

Starts Debian's nginx on loopback as the load balancer the mission benchmark
measures (`hash $http_x_fal_runner_hint consistent` over 6 servers, each of
them a server block of the same nginx answering with its own port), sends one
request per hint (model-1 .. model-50, and a few other shapes), and checks
that hintsim, given the same server names (--server-names), sends a lone
request for that hint to the same server. Exit 0 when all agree, 1 with the
disagreements listed, 77 (skipped) without nginx.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

SERVERS = 6
HINTS = ["model-%d" % i for i in range(1, 51)] + ["flux-dev", "sdxl", "a", "llama-3-70b-instruct"]


def free_ports(n):
    """n ports on 127.0.0.1 nothing listens on now."""
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def nginx_conf(work, front, backs):
    servers = "".join("\t\tserver 127.0.0.1:%d;\n" % p for p in backs)
    blocks = "".join("\tserver { listen 127.0.0.1:%d; return 200 \"%d\"; }\n" % (p, p)
                     for p in backs)
    return """user root;
worker_processes 1;
daemon off;
pid %(w)s/nginx.pid;
error_log %(w)s/error.log warn;
events { worker_connections 256; }
http {
	access_log off;
	client_body_temp_path %(w)s/body;
	proxy_temp_path %(w)s/proxy;
	fastcgi_temp_path %(w)s/fcgi;
	uwsgi_temp_path %(w)s/uwsgi;
	scgi_temp_path %(w)s/scgi;
	upstream replicas {
		hash $http_x_fal_runner_hint consistent;
%(servers)s	}
	server { listen 127.0.0.1:%(front)d; location / { proxy_pass http://replicas; } }
%(blocks)s}
""" % {"w": work, "servers": servers, "front": front, "blocks": blocks}


def ask_nginx(front, hint):
    req = urllib.request.Request("http://127.0.0.1:%d/" % front,
                                 headers={"X-Fal-Runner-Hint": hint})
    with urllib.request.urlopen(req, timeout=5) as r:
        return int(r.read())


def ask_hintsim(exe, work, names, hint):
    trace = os.path.join(work, "one.trace")
    with open(trace, "w") as f:
        f.write("0 %s\n" % hint)
    p = subprocess.run([exe, "--json", "--trace", trace, "--replicas", str(len(names)),
                        "--server-names", ",".join(names)],
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise SystemExit("hintsim exited %d: %s" % (p.returncode, p.stderr))
    pol = next(x for x in json.loads(p.stdout)["policies"] if x["name"] == "nginx")
    return pol["replica_requests"].index(1)


def main():
    exe = sys.argv[1]
    nginx = sys.argv[2] if len(sys.argv) > 2 else shutil.which("nginx")
    if not nginx or not os.access(nginx, os.X_OK):
        print("skipped: nginx not installed")
        return 77
    ports = free_ports(SERVERS + 1)
    front, backs = ports[0], ports[1:]
    names = ["127.0.0.1:%d" % p for p in backs]
    with tempfile.TemporaryDirectory(prefix="hintsim-nginx.") as work:
        conf = os.path.join(work, "nginx.conf")
        with open(conf, "w") as f:
            f.write(nginx_conf(work, front, backs))
        proc = subprocess.Popen([nginx, "-c", conf], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        try:
            for _ in range(100):
                try:
                    ask_nginx(front, "x")
                    break
                except OSError:
                    if proc.poll() is not None:
                        raise SystemExit("nginx exited %d: %s" % (proc.returncode,
                                                                   proc.stderr.read()))
                    time.sleep(0.05)
            wrong, seen = [], set()
            for hint in HINTS:
                got = backs.index(ask_nginx(front, hint))
                want = ask_hintsim(exe, work, names, hint)
                seen.add(got)
                if got != want:
                    wrong.append("%s: nginx sent it to server %d, hintsim to %d" %
                                 (hint, got + 1, want + 1))
        finally:
            proc.send_signal(signal.SIGQUIT)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    for w in wrong:
        print("FAIL: " + w)
    if len(seen) < 3:
        print("FAIL: nginx used only %d of %d servers: the check proves little" %
              (len(seen), SERVERS))
        return 1
    if wrong:
        return 1
    print("ok: %d hints placed as nginx places them (%d servers used)" % (len(HINTS), len(seen)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
