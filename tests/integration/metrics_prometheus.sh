#!/usr/bin/env bash
# A real Prometheus server (Debian's prometheus 2.42) scrapes hintlb's
# [ctrl] metrics endpoint every second, in hintlb's network namespace. After
# a known amount of traffic, its query API returns for
# sum(hintlb_http_requests_total) exactly what the daemon's control socket
# counts, and the target is up; `promtool check metrics` on the scrape passes
# (but for the two known lint notes, see ctrl_socket.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
hl_init "$@"
hl_topo_up
command -v prometheus >/dev/null || hl_fail "'prometheus' not installed (Debian: prometheus)"
SOCK=$HL_WORK/ctrl.sock
HINTCTL=$(dirname "$HL_HINTREPLICA")/../hintctl/hintctl
[ -x "$HINTCTL" ] || hl_fail "hintctl not found next to hintreplica ($HINTCTL)"
ctl() { "$HINTCTL" -s "$SOCK" "$@"; }
lb() { nsenter --net=/run/netns/hl-lb -- "$@"; }

hl_hintreplicas --slots 4
hl_start
hl_wait_ready 30

for i in $(seq 37); do
	hl_curl -o /dev/null -H "X-Fal-Runner-Hint: m$((i % 5))" "http://$HL_VIP/$i" || hl_fail "request $i"
done
want=$(ctl --json stats | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sum(w["counters"].get("http_requests", 0) for w in d["workers"]))')
[ "$want" -eq 37 ] || hl_fail "the daemon counted $want requests, want 37"

cat >"$HL_WORK/prometheus.yml" <<'YML'
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: hintlb
    static_configs:
      - targets: ['127.0.0.1:9464']
YML
# nsenter execs prometheus: $! is prometheus itself, which the cleanup stops
nsenter --net=/run/netns/hl-lb -- prometheus --config.file="$HL_WORK/prometheus.yml" \
	--storage.tsdb.path="$HL_WORK/tsdb" --web.listen-address=127.0.0.1:9090 \
	>"$HL_WORK/prometheus.log" 2>&1 &
HL_BG_PIDS+=($!)
query() { # QUERY: the first result's value, or nothing
	{ lb curl -s -m 5 -G --data-urlencode "query=$1" http://127.0.0.1:9090/api/v1/query || true; } |
		python3 -c '
import json, sys
try:
    r = json.load(sys.stdin)["data"]["result"]
    print(r[0]["value"][1] if r else "")
except Exception:
    print("")'
}
got=
for _ in $(seq 60); do
	got=$(query 'sum(hintlb_http_requests_total)')
	[ "$got" = "$want" ] && break
	sleep 0.5
done
[ "$got" = "$want" ] || hl_fail "Prometheus says sum(hintlb_http_requests_total) = '$got', the daemon $want ($(tail -3 "$HL_WORK/prometheus.log"))"
[ "$(query 'up{job="hintlb"}')" = 1 ] || hl_fail "target not up"
hits=$(query 'sum(hintlb_route_decisions_total{reason="hint_hit"})')
[ "${hits:-0}" -ge 1 ] || hl_fail "no hint_hit decisions in Prometheus: '$hits'"
lat=$(query 'sum(hintlb_replica_latency_seconds_count)')
[ "$lat" = "$want" ] || hl_fail "latency histogram counts $lat requests, want $want"
hl_log "Prometheus 2.42 scraped hintlb: sum(hintlb_http_requests_total) = $got = the daemon's count; $hits hint hits"
hl_stop_clean
