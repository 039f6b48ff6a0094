#!/usr/bin/env bash
# The control socket and hintctl, with the proxy in front of hintreplica
# replicas:
#   - draining: a request in flight on a replica finishes after the replica
#     is drained; new requests for its hint go elsewhere; undrained, it takes
#     them again
#   - hintctl: replica list, weight, hints set/clear, stats; errors (unknown
#     replica, bad weight) exit 1 with the daemon's message
#   - bad clients cannot hold the daemon or each other: bad JSON, a non-object,
#     an unknown command, wrong types each get one error line; a line over
#     64 KiB gets an error and is closed; clients that send nothing or a byte
#     a second, and one that disconnects mid-request, while hintctl still
#     answers at once; [ctrl] max_clients: the next connection is closed
set -euo pipefail
. "$(dirname "$0")/lib.sh"
hl_init "$@"
hl_topo_up
SOCK=$HL_WORK/ctrl.sock
HINTCTL=$(dirname "$HL_HINTREPLICA")/../hintctl/hintctl
[ -x "$HINTCTL" ] || hl_fail "hintctl not found next to hintreplica ($HINTCTL)"
ctl() { "$HINTCTL" -s "$SOCK" "$@"; }

hl_hintreplicas --service-ms 5 --no-hints
hl_write_config "$HL_WORK/hintlb.conf"
sed -i "/^\[ctrl\]$/a max_clients = 4" "$HL_WORK/hintlb.conf"
sed -i "/^\[routing\]$/a explain_header = X-Route" "$HL_WORK/hintlb.conf"
hl_start "$HL_WORK/hintlb.conf"
hl_wait_ready 30

hl_replica_curl_stats() { # ADDR FIELD: a hintreplica's /stats field, asked directly
	hl_replica curl -s -m 5 "http://$1:8080/stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"
}
# where a request for HINT goes (the replica's name from the explain field)
route_of() {
	hl_curl -i -H "X-Fal-Runner-Hint: $1" "http://$HL_VIP/" | tr -d '\r' |
		sed -n 's/^X-Route: replica=\([^;]*\);.*/\1/p'
}

# ---- hintctl basics ----
out=$(ctl replica list) || hl_fail "replica list: $out"
[ "$(grep -c '^r[1-4] ' <<<"$out")" -eq 4 ] || hl_fail "replica list: $out"
ctl replica weight r1 5 >/dev/null || hl_fail "replica weight"
[ "$(ctl --json replica list | python3 -c 'import json,sys; print([r["weight"] for r in json.load(sys.stdin)["replicas"]][0])')" = 5 ] ||
	hl_fail "weight 5 not applied"
ctl replica weight r1 1 >/dev/null
if out=$(ctl replica drain nope 2>&1); then hl_fail "draining an unknown replica succeeded"; fi
grep -q "no replica 'nope'" <<<"$out" || hl_fail "unknown replica: '$out'"
if ctl replica weight r1 lots 2>/dev/null; then hl_fail "a bad weight was taken"; fi
ctl hints set r3 flux-dev sdxl >/dev/null || hl_fail "hints set"
out=$(ctl route flux-dev) || hl_fail "route: $out"
grep -q '^replica r3$' <<<"$out" && grep -q '^reason hint_hit$' <<<"$out" ||
	hl_fail "route flux-dev: $out"
[ "$(route_of flux-dev)" = r3 ] || hl_fail "a hint set by hintctl did not route to r3"
ctl hints clear r3 >/dev/null || hl_fail "hints clear"
ctl stats | grep -q '^workers 0 counters http_requests ' || hl_fail "stats has no worker counters"
ctl config | grep -q '^http replica_response_timeout_ms 120000$' || hl_fail "config: $(ctl config | head -3)"
ctl xdp | grep -q 'reason ipv4_ours' || hl_fail "xdp: $(ctl xdp | head -3)"
hl_log "hintctl: list, weight, hints set/clear, stats, config, xdp, errors"

# ---- a replica added and removed at runtime ----
# r5 listens on 10.77.1.15 (a fifth address in hl-replica)
ip -n hl-replica addr add 10.77.1.15/24 dev hlr0
ip netns exec hl-replica "$HL_HINTREPLICA" --listen 10.77.1.15:8080 --name r5 --no-hints \
	>"$HL_WORK/r5.out" 2>&1 &
HL_BG_PIDS+=($!)
for _ in $(seq 100); do grep -q 'listening on' "$HL_WORK/r5.out" && break; sleep 0.05; done
ctl replica add r5 10.77.1.15:8080 weight 1 >/dev/null || hl_fail "replica add r5"
if ctl replica add r5 10.77.1.15:8080 2>/dev/null; then hl_fail "r5 added twice"; fi
ctl hints set r5 only-on-r5 >/dev/null
[ "$(route_of only-on-r5)" = r5 ] || hl_fail "a request for r5's hint did not reach the added r5"
[ "$(hl_replica_curl_stats 10.77.1.15 requests)" -ge 1 ] || hl_fail "r5 saw no request"
ctl replica remove r5 >/dev/null || hl_fail "replica remove r5"
for i in $(seq 8); do
	[ "$(route_of "after-$i")" != r5 ] || hl_fail "a request went to the removed r5"
done
if ctl replica undrain r5 2>/dev/null; then hl_fail "a removed replica was undrained"; fi
hl_log "replica add/remove at runtime: r5 took its hint's request, none after removal"

# ---- draining ----
home=$(route_of drainme)
[ -n "$home" ] || hl_fail "no explain field"
n=${home#r}
before=$(hl_replica_stat "$n" requests)
# a slow request in flight on the home replica while it is drained
hl_client curl -s -m 20 -o "$HL_WORK/slow.body" -w '%{http_code}' -H 'X-Fal-Runner-Hint: drainme' \
	-H 'X-Replica-Delay-Ms: 1500' "http://$HL_VIP/slow" >"$HL_WORK/slow.code" &
SLOW=$!
sleep 0.5
ctl replica drain "$home" >/dev/null || hl_fail "drain $home"
[ "$(hl_report_get replica "$home" state)" = draining ] || hl_fail "$home is not draining"
for i in $(seq 10); do
	r=$(route_of drainme)
	[ "$r" != "$home" ] || hl_fail "request $i for drainme went to the draining $home"
done
wait "$SLOW"
[ "$(cat "$HL_WORK/slow.code")" = 200 ] || hl_fail "the in-flight request got $(cat "$HL_WORK/slow.code")"
after=$(hl_replica_stat "$n" requests)
[ "$after" -eq $((before + 1)) ] || hl_fail "$home served $((after - before)) requests while draining, want 1 (the one in flight)"
ctl replica undrain "$home" >/dev/null
[ "$(route_of drainme)" = "$home" ] || hl_fail "undrained $home does not take drainme again"
hl_log "draining: the in-flight request finished (200), 10 new ones went elsewhere, undrain took them back"

# ---- Prometheus ([ctrl] metrics, default 127.0.0.1:9464 in hintlb's namespace) ----
metrics() { nsenter --net=/run/netns/hl-lb -- curl -s -m 5 "$@"; }
metrics -o "$HL_WORK/metrics.txt" -w '%{http_code} %{content_type}\n' http://127.0.0.1:9464/metrics \
	>"$HL_WORK/metrics.code" || hl_fail "no answer on 127.0.0.1:9464"
grep -q '^200 text/plain; version=0.0.4' "$HL_WORK/metrics.code" || hl_fail "metrics: $(cat "$HL_WORK/metrics.code")"
command -v promtool >/dev/null || hl_fail "'promtool' not installed (Debian: prometheus)"
# promtool's lint reads "_us" as microseconds: arp_not_for_us and eth_not_for_us (stable
# counter names, "not for us") are the two known false positives; anything else fails
promtool check metrics <"$HL_WORK/metrics.txt" >"$HL_WORK/promtool.out" 2>&1 || true
if grep -v -E '^hintlb_(arp|eth)_not_for_us_total metric names should not contain abbreviated units$' \
	"$HL_WORK/promtool.out" | grep -q .; then
	hl_fail "promtool check metrics: $(head -5 "$HL_WORK/promtool.out")"
fi
req=$(awk '$1 == "hintlb_http_requests_total{worker=\"0\"}" { print $2 }' "$HL_WORK/metrics.txt")
[ "${req:-0}" -ge 10 ] || hl_fail "metrics: hintlb_http_requests_total = '$req'"
grep -q '^hintlb_route_decisions_total{worker="0",reason="fallback_hint"} [1-9]' "$HL_WORK/metrics.txt" ||
	hl_fail "metrics: no fallback_hint decisions"
grep -q "^hintlb_replica_latency_seconds_count{worker=\"0\",replica=\"$home\"} [1-9]" "$HL_WORK/metrics.txt" ||
	hl_fail "metrics: no latency histogram for $home"
grep -q '^hintlb_replica_state{replica="r1",state="up"} 1' "$HL_WORK/metrics.txt" ||
	hl_fail "metrics: r1 not up"
grep -q '^hintlb_xdp_packets_total{iface="hl0",reason="ipv4_ours",verdict="redirect"} [1-9]' \
	"$HL_WORK/metrics.txt" || hl_fail "metrics: no XDP counters"
[ "$(metrics -o /dev/null -w '%{http_code}' http://127.0.0.1:9464/other)" = 404 ] || hl_fail "metrics: /other not 404"
[ "$(metrics -o /dev/null -w '%{http_code}' -X POST http://127.0.0.1:9464/metrics)" = 405 ] ||
	hl_fail "metrics: POST not 405"
hl_log "metrics: $(wc -l <"$HL_WORK/metrics.txt") lines, promtool ok, $req requests counted"

# ---- clients that misbehave ----
python3 - "$SOCK" "$HINTCTL" <<'PY' || hl_fail "control socket robustness"
import json, socket, subprocess, sys, time
path, hintctl = sys.argv[1], sys.argv[2]

def conn():
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.settimeout(5)
    return s

def lines(s, n):
    buf = b""
    while buf.count(b"\n") < n:
        b = s.recv(65536)
        if not b:
            break
        buf += b
    return [json.loads(l) for l in buf.split(b"\n") if l]

def hintctl_ok():
    t = time.time()
    r = subprocess.run([hintctl, "-s", path, "replica", "list"], capture_output=True, timeout=10)
    assert r.returncode == 0, r.stderr
    return time.time() - t

s = conn()
s.sendall(b'{"cmd":\n[1]\n{"cmd":"nope"}\n{"cmd":"replica drain","name":7}\n{"cmd":"replica weight","name":"r1","weight":-1}\n')
got = lines(s, 5)
assert [g["ok"] for g in got] == [False] * 5, got
for g, want in zip(got, ["bad JSON", "JSON object", "unknown command 'nope'", "must be a string", "0..1000000"]):
    assert want in g["error"], (want, g)
s.close()
# a line over 64 KiB: an error, then closed
s = conn()
try:
    s.sendall(b"x" * (1 << 20))
except OSError:
    pass
g = lines(s, 1)
assert g and not g[0]["ok"] and "over 65536 bytes" in g[0]["error"], g
s.close()
# three bad clients at once (max_clients 4): silent, one byte, gone mid-request
silent, slow, gone = conn(), conn(), conn()
slow.sendall(b"{")
gone.sendall(b'{"cmd":"repl')
gone.close()
time.sleep(0.2)
dt = hintctl_ok()  # the 3 held + hintctl = 4
assert dt < 1.0, dt
# two more held (four in all): the fifth (hintctl) is closed at once
extra, extra2 = conn(), conn()
time.sleep(0.2)
r = subprocess.run([hintctl, "-s", path, "replica", "list"], capture_output=True, timeout=10)
assert r.returncode != 0, "max_clients not enforced"
for c in (silent, slow, extra, extra2):
    c.close()
time.sleep(0.2)
hintctl_ok()
print("ok: bad requests, long line, silent/slow/gone clients, max_clients")
PY
c=$(hl_report_get ctrl sock_refused_full)
[ "${c:-0}" -ge 1 ] || hl_fail "sock_refused_full = $c"
[ "$(hl_report_get ctrl sock_too_long)" -ge 1 ] || hl_fail "sock_too_long not counted"
hl_stop_clean 10
[ ! -e "$SOCK" ] || hl_fail "the socket file is left after stop"
echo "PASS"
