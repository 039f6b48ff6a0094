#!/usr/bin/env bash
# The HTTP proxy against nginx replicas (Debian's nginx-light, one process
# on 10.77.1.11-14:8080 in hl-replica): curl and wrk in hl-client talk to
# the VIP's `mode = http` listener; assertions on what nginx logged and what
# the clients got.
#   - GET: the body names the replica; nginx saw X-Forwarded-For: 10.77.0.1
#     and not the hop-by-hop fields (X-Secret named by Connection,
#     Keep-Alive); the response carries no hints field
#   - HEAD: headers, no body; HTTP/1.0: answered, `Connection: close`, closed
#   - keep-alive: 40 requests on one client connection reach the replicas on
#     fewer connections than requests (reused from the pool)
#   - pipelining over a raw socket: three requests in one write, answered in
#     order
#   - wrk, 64 connections, 10 s: no socket error, no non-2xx, and hintlb's
#     counters: requests in = 2xx responses out, nothing in flight after
set -euo pipefail
. "$(dirname "$0")/lib.sh"
hl_init "$@"
hl_topo_up
command -v wrk >/dev/null || hl_fail "'wrk' not installed"
hl_nginx_replicas 8080
LOG=$HL_WORK/nginx/access.log

hl_write_config "$HL_WORK/hintlb.conf"
hl_start "$HL_WORK/hintlb.conf"
hl_wait_ready 30

# GET
out=$(hl_curl -i -H 'Connection: X-Secret, keep-alive' -H 'X-Secret: 42' -H 'Keep-Alive: 5' \
	"http://$HL_VIP/hello") || hl_fail "GET: no answer"
grep -q '^HTTP/1.1 200' <<<"$out" || hl_fail "GET: $out"
grep -Eq '^10\.77\.1\.1[1-4] /hello' <<<"$out" || hl_fail "GET: body does not name a replica: $out"
grep -qi '^x-fal-runner-hints' <<<"$out" && hl_fail "GET: the hints field reached the client"
line=$(grep ' /hello ' "$LOG" | tail -n1)
read -r _ _ xff method uri status secret <<<"$line"
[ "$xff" = "$HL_CLIENT_IP" ] || hl_fail "nginx saw X-Forwarded-For '$xff', want $HL_CLIENT_IP: $line"
[ "$secret" = "-" ] || hl_fail "the field named by Connection reached nginx: $line"
hl_log "GET: $(head -n1 <<<"$out" | tr -d '\r'); nginx: $line"

# HEAD
out=$(hl_curl -I "http://$HL_VIP/head") || hl_fail "HEAD: no answer"
grep -q '^HTTP/1.1 200' <<<"$out" || hl_fail "HEAD: $out"
grep -qi '^content-length: [1-9]' <<<"$out" || hl_fail "HEAD: no Content-Length: $out"

# HTTP/1.0, no keep-alive: answered, then closed by hintlb
out=$(hl_curl -0 -v "http://$HL_VIP/ten" 2>&1) || hl_fail "HTTP/1.0: no answer: $out"
grep -q '< HTTP/1.1 200' <<<"$out" || hl_fail "HTTP/1.0: $out"
grep -qi '< connection: close' <<<"$out" || hl_fail "HTTP/1.0: no Connection: close: $out"
grep -q ' /ten' <<<"$out" || hl_fail "HTTP/1.0: wrong body: $out"

# keep-alive: one client connection, replica connections from the pool
: >"$HL_WORK/urls"
for i in $(seq 40); do echo "url = \"http://$HL_VIP/ka$i\""; done >"$HL_WORK/urls"
out=$(hl_curl -K "$HL_WORK/urls" -w '%{num_connects}\n' -o /dev/null) || hl_fail "keep-alive: $out"
[ "$(grep -c '^1$' <<<"$out")" -le 1 ] || hl_fail "keep-alive: curl opened more than one connection"
n=$(grep -c ' /ka[0-9]* ' "$LOG")
conns=$(grep ' /ka[0-9]* ' "$LOG" | awk '{print $1, $2}' | sort -u | wc -l)
[ "$n" -eq 40 ] || hl_fail "keep-alive: nginx logged $n of 40 requests"
[ "$conns" -lt "$n" ] || hl_fail "keep-alive: $n requests on $conns replica connections (no reuse)"
hl_log "keep-alive: 40 requests on 1 client connection, $conns replica connections"

# pipelining: three requests in one write, three answers in order
out=$(hl_client python3 - "$HL_VIP" <<'PY'
import socket, sys
s = socket.create_connection((sys.argv[1], 80), timeout=10)
reqs = b"".join(b"GET /p%d HTTP/1.1\r\nHost: t\r\n\r\n" % i for i in (1, 2, 3))
s.sendall(reqs)
data, bodies = b"", []
def whole():  # the complete responses at the start of data (a head and its
    # body may arrive in different segments)
    out, rest = [], data
    while b"\r\n\r\n" in rest:
        head, body = rest.split(b"\r\n\r\n", 1)
        n = [int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
        if not n or len(body) < n[0]:
            break
        out.append(body[:n[0]])
        rest = body[n[0]:]
    return out
while len(bodies) < 3:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
    bodies = whole()
print(" ".join(w.decode() for b in bodies for w in b.split() if w.startswith(b"/p")))
PY
) || hl_fail "pipelining: $out"
[ "$out" = "/p1 /p2 /p3" ] || hl_fail "pipelining: answers '$out', want '/p1 /p2 /p3'"
hl_log "pipelining: $out"

# wrk: 64 connections, 10 s
c0=$(hl_counters)
out=$(hl_client wrk -t2 -c64 -d10s --timeout 5s "http://$HL_VIP/wrk" 2>&1) || hl_fail "wrk: $out"
hl_log "wrk: $(grep -E 'Requests/sec|Latency' <<<"$out" | tr -s ' ' | tr '\n' ';')"
grep -q 'Socket errors' <<<"$out" && hl_fail "wrk: socket errors: $out"
grep -q 'Non-2xx' <<<"$out" && hl_fail "wrk: non-2xx responses: $out"
sleep 1
c1=$(hl_counters)
d() { echo $(($(hl_ctr "$1" <(echo "$c1")) - $(hl_ctr "$1" <(echo "$c0")))); }
req=$(d http_requests)
ok=$(d http_resp_2xx)
total=$(awk '/requests in/ { print $1 }' <<<"$out")
[ "$req" -gt 1000 ] || hl_fail "wrk: only $req requests counted"
[ "$req" -eq "$ok" ] || hl_fail "wrk: $req requests in, $ok 2xx out"
[ "$req" -ge "$total" ] || hl_fail "wrk: it counted $total answers, hintlb $req requests"
for c in http_resp_5xx http_resp_4xx http_502_replica_reset http_503_no_memory; do
	[ "$(d "$c")" -eq 0 ] || hl_fail "wrk: $c = $(d "$c")"
done
inflight=$(hl_report_get worker 0 proxy_inflight)
[ "${inflight:-0}" -eq 0 ] || hl_fail "wrk: $inflight requests still in flight after the run"
hl_log "wrk: $req requests in, $ok 2xx out, nothing in flight"

hl_stop_clean 10
echo "PASS"
