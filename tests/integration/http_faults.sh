#!/usr/bin/env bash
# Faults through the proxy, with hintreplica replicas:
#   - a replica killed (SIGKILL) under load (wrk, 32 connections, hints
#     drawn from 32 models): no client hangs (wrk's timeouts stay 0), every
#     failure is a counted 502/503, requests whose connection failed before
#     any byte reached the replica are retried, the replica is marked down;
#     restarted, it is tried again after [health] down_backoff_ms and takes
#     requests again
#   - a replica that accepts and never answers: 504 after
#     [http] replica_response_timeout_ms
#   - nothing listening: the connection is refused and the request retried
#     on the routing core's next choice (here the silent one: 504); with no
#     other replica, on a new connection to the same one, then 502
#   - a client that sends half a head and stops: 408 after
#     [http] client_head_timeout_ms, and the connection is closed
#   - active checks ([health] check_path, no traffic): a replica killed is
#     marked down after `fall` failed checks, restarted it is up again after
#     `rise` passed ones
set -euo pipefail
. "$(dirname "$0")/lib.sh"
hl_init "$@"
hl_topo_up
command -v wrk >/dev/null || hl_fail "'wrk' not installed"

cat >"$HL_WORK/hints.lua" <<'LUA'
math.randomseed(7)
request = function()
	return wrk.format("GET", "/", {["X-Fal-Runner-Hint"] = "m" .. math.random(1, 32)})
end
LUA
start() { # start CONF: the standard config with fault-test timeouts
	hl_write_config "$1" "[http]" "replica_response_timeout_ms = 1500" \
		"client_head_timeout_ms = 1000" "replica_connect_timeout_ms = 1000" \
		"[health]" "passive_fall = 3" "down_backoff_ms = 2000"
	hl_start "$1"
	hl_wait_ready 30
}

# ---- a replica dies under load ----
hl_hintreplicas --slots 8 --concurrency 16 --service-ms 2
start "$HL_WORK/hintlb.conf"
c0=$(hl_counters)
hl_client wrk -t2 -c32 -d8s --timeout 4s -s "$HL_WORK/hints.lua" "http://$HL_VIP/" \
	>"$HL_WORK/wrk.out" 2>&1 &
WRK=$!
sleep 3
kill -KILL "${HL_REPLICA_PIDS[2]}"
wait "${HL_REPLICA_PIDS[2]}" 2>/dev/null || true
hl_log "r2 killed under load"
wait "$WRK" || hl_fail "wrk: $(cat "$HL_WORK/wrk.out")"
c1=$(hl_counters)
d() { echo $(($(hl_ctr "$1" <(echo "$c1")) - $(hl_ctr "$1" <(echo "$c0")))); }
hl_log "wrk: $(grep -E 'requests in|Socket|Non-2xx|Requests/sec' "$HL_WORK/wrk.out" | tr -s ' ' | tr '\n' ';')"
if grep -q 'Socket errors' "$HL_WORK/wrk.out"; then
	t=$(sed -n 's/.*timeout \([0-9]*\).*/\1/p' "$HL_WORK/wrk.out")
	[ "${t:-0}" -eq 0 ] || hl_fail "wrk: $t requests timed out (a client hung)"
fi
e5=$(d http_resp_5xx)
counted=$(($(d http_502_connect_failed) + $(d http_502_replica_reset) + $(d http_503_no_replica) +
	$(d http_502_bad_response) + $(d http_503_queue_timeout)))
hl_log "after the kill: 5xx $e5 (counted by reason: $counted), retries $(d http_retries)," \
	"502 connect $(d http_502_connect_failed), 502 reset $(d http_502_replica_reset)," \
	"health events $(d health_events)"
[ "$e5" -eq "$counted" ] || hl_fail "5xx responses $e5, by reason $counted"
[ "$(d http_requests)" -eq $(($(d http_resp_2xx) + e5 + $(d http_client_aborted))) ] ||
	hl_fail "requests $(d http_requests) != 2xx $(d http_resp_2xx) + 5xx $e5 + aborted $(d http_client_aborted)"
[ "$(hl_report_get replica r2 state)" = down ] ||
	hl_fail "r2 is '$(hl_report_get replica r2 state)' after its death, want down"
[ "$(hl_report_get ctrl marked_down)" -ge 1 ] || hl_fail "nothing was marked down"
grep -q 'replica r2: down' "$HL_LOG" || hl_fail "no log line for r2 going down"
# back: restarted, tried again after the backoff, serving
hl_hintreplica 2 --slots 8 --concurrency 16
sleep 2.5
[ "$(hl_report_get replica r2 state)" = up ] || hl_fail "r2 not back up: $(hl_report_get replica r2 state)"
# the models r2 advertised before it died are hint hits on it again
for i in $(seq 32); do
	hl_curl -o /dev/null -H "X-Fal-Runner-Hint: m$i" "http://$HL_VIP/" || true
done
n=$(hl_replica_stat 2 requests)
[ "$n" -ge 1 ] || hl_fail "r2 is up but took none of 32 requests for the models it advertised"
hl_log "r2 back: up, took $n of 32 requests"
grep -q 'replica r2: up' "$HL_LOG" || hl_fail "no log line for r2 coming back"
hl_stop_clean 10
for i in 1 2 3 4; do kill "${HL_REPLICA_PIDS[$i]}" 2>/dev/null || true; done

# ---- a refused request is retried on the next choice; silent: 504; refused: 502 ----
hl_bg ip netns exec hl-replica python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.77.1.11", 8080)); s.listen(64); held = []
print("ready", flush=True)
while True:
    c, _ = s.accept(); held.append(c)  # read nothing back, answer nothing
' >"$HL_WORK/silent.out" 2>&1
SILENT=$!
for _ in $(seq 50); do grep -q ready "$HL_WORK/silent.out" && break; sleep 0.1; done
# two replicas, r1 silent, r2 refusing (nothing listens on .12): a request
# routed to r2 is retried on r1, the routing core's next choice
hl_write_config "$HL_WORK/two.conf" "[http]" "replica_response_timeout_ms = 1500" \
	"client_head_timeout_ms = 1000" "[health]" "passive_fall = 0"
sed -i '/^\[replica r[34]\]/,/^address/d' "$HL_WORK/two.conf"
sed -i "/^\[routing\]$/a explain_header = X-Route" "$HL_WORK/two.conf"
hl_start "$HL_WORK/two.conf"
hl_wait_ready 30
for i in $(seq 40); do
	code=$(hl_client curl -s -m 10 -o "$HL_WORK/body" -w '%{http_code}' -H "X-Fal-Runner-Hint: s$i" \
		"http://$HL_VIP/") || true
	[ "$code" = 504 ] || hl_fail "silent + refused replicas answered $code: $(cat "$HL_WORK/body")"
	[ "$(hl_ctr http_retries)" -ge 1 ] && break
done
[ "$(hl_ctr http_retries)" -ge 1 ] || hl_fail "no request routed to the refusing r2 was retried"
[ "$(hl_ctr http_502_connect_failed)" -eq 0 ] || hl_fail "a refused request got 502, not its retry"
[ "$(hl_ctr http_504_replica_timeout)" -ge 1 ] || hl_fail "504 not counted"
hl_log "silent r1 + refusing r2: every answer 504 (r1), refused requests retried on r1: $(hl_ctr http_retries)"
hl_stop_clean 10
# the refusing replica alone: retried on it (a new connection), then 502
hl_write_config "$HL_WORK/one.conf" "[http]" "client_head_timeout_ms = 1000" "[health]" \
	"passive_fall = 0"
sed -i '/^\[replica r[134]\]/,/^address/d' "$HL_WORK/one.conf"
hl_start "$HL_WORK/one.conf"
hl_wait_ready 30
code=$(hl_client curl -s -m 10 -o "$HL_WORK/body" -w '%{http_code}' "http://$HL_VIP/") || true
[ "$code" = 502 ] || hl_fail "the refusing replica alone: $code, want 502"
[ "$(hl_ctr http_retries)" -eq 1 ] || hl_fail "retries $(hl_ctr http_retries), want 1"
[ "$(hl_ctr http_502_connect_failed)" -eq 1 ] || hl_fail "502 connect not counted"
hl_log "refusing replica alone: 502 after 1 retry"

# ---- half a head: 408, closed ----
out=$(hl_client python3 -c '
import socket, sys, time
s = socket.create_connection((sys.argv[1], 80), timeout=10)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
t = time.time(); data = b""
while True:
    b = s.recv(4096)
    if not b: break
    data += b
print("%.1f" % (time.time() - t), data.split(b"\r\n")[0].decode())
' "$HL_VIP") || hl_fail "half head: $out"
read -r secs status <<<"$out"
[ "$status" = "HTTP/1.1 408 Request Timeout" ] || hl_fail "half head: '$out'"
python3 -c "import sys; sys.exit(0 if 0.8 <= float('$secs') <= 5 else 1)" ||
	hl_fail "half head: 408 after $secs s, want about 1 s"
hl_log "half head: '$status' after $secs s, then closed"
[ "$(hl_ctr http_408_client_timeout)" -eq 1 ] || hl_fail "408 counted $(hl_ctr http_408_client_timeout) times"
hl_stop_clean 10
kill "$SILENT"
wait "$SILENT" 2>/dev/null || true

# ---- active checks ----
hl_hintreplicas
hl_write_config "$HL_WORK/check.conf" "[health]" "passive_fall = 0" "check_path = /healthz" \
	"check_interval_ms = 300" "check_timeout_ms = 250" "rise = 2" "fall = 2"
hl_start "$HL_WORK/check.conf"
hl_wait_ready 30
# wait_state R STATE SECS: replica R reaches STATE within SECS
wait_state() {
	local i
	for i in $(seq $(($3 * 10))); do
		[ "$(hl_report_get replica "$1" state)" = "$2" ] && return 0
		sleep 0.1
	done
	hl_fail "$1 did not become $2 within $3 s (is $(hl_report_get replica "$1" state))"
}
sleep 1
[ "$(hl_replica_stat 3 requests)" -ge 2 ] || hl_fail "r3 got no health checks"
kill "${HL_REPLICA_PIDS[3]}"
t0=$SECONDS
wait_state r3 down 5
hl_log "active checks: r3 stopped, down after ~$((SECONDS - t0)) s: $(grep 'replica r3: down' "$HL_LOG" | tail -n1)"
hl_hintreplica 3
wait_state r3 up 5
hl_log "active checks: r3 restarted, up: $(grep 'replica r3: up' "$HL_LOG" | tail -n1)"
for r in r1 r2 r4; do [ "$(hl_report_get replica $r state)" = up ] || hl_fail "$r went down"; done
hl_stop_clean 10
echo "PASS"
