#!/usr/bin/env bash
# Active open, through listener mode relay: the Linux client in hl-client
# connects to VIP:9000; hintlb picks a replica (Maglev on the client's
# address and port), opens its own connection to the kernel echo server
# in hl-replica (tests/integration/echo_server.py on 10.77.1.11-14:8080)
# and relays both directions. 20 MiB through one relayed connection and
# 32 concurrent ones, SHA-256 compared; half-close passed on; the server
# must have seen hintlb's replica address 10.77.1.2 and source ports from
# [tcp] source_ports; a replica that refuses (no server) resets the client,
# and so does one that never answers (its addresses removed in hl-replica,
# so the SYNs hintlb sends to the cached MAC are dropped): [tcp] syn_retries
# = 1 gives up after 1 + 2 s.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
hl_init "$@"
hl_topo_up

PEERS=$HL_WORK/peers.log
hl_echo_servers "$PEERS" 10.77.1.11:8080 10.77.1.12:8080 10.77.1.13:8080 10.77.1.14:8080

CONF=$HL_WORK/hintlb.conf
hl_write_config "$CONF" \
	"[listener relay]" "vip = $HL_VIP" "port = 9000" "mode = relay" \
	"[tcp]" "source_ports = 40000-40999" "syn_retries = 1"
hl_start "$CONF"
hl_wait_ready 30

run() {
	local what=$1 limit=$2 out l
	shift 2
	out=$(hl_echo_client 120 "$HL_VIP" --port 9000 --io-timeout "$limit" --deadline 110 "$@" 2>&1) ||
		hl_fail "$what: $out"
	while IFS= read -r l; do
		hl_log "$what: $l"
	done <<<"$out"
}

run "relay big" 30 --size $((20 << 20))
run "relay concurrent" 30 --conns 32 --size $((256 << 10)) --chunk 8192
run "relay half-close" 10 --size 11000 --sequential

# what the replicas saw: hintlb's address, ports from the configured range, several replicas
n=$(wc -l <"$PEERS")
[ "$n" -eq 34 ] || hl_fail "the replicas saw $n connections, want 34: $(cat "$PEERS")"
bad=$(awk '{ split($2, a, ":"); if (a[1] != "10.77.1.2" || a[2] < 40000 || a[2] > 40999) print }' "$PEERS")
[ -z "$bad" ] || hl_fail "connections not from 10.77.1.2:40000-40999: $bad"
used=$(awk '{ split($1, a, ":"); print a[1] }' "$PEERS" | sort -u | wc -l)
[ "$used" -ge 2 ] || hl_fail "32+ connections all went to one replica"
hl_log "replicas used: $used of 4; source ports $(awk '{ split($2, a, ":"); print a[2] }' "$PEERS" | sort -n | sed -n '1p;$p' | tr '\n' ' ')"

# the replicas go away: the relay's connect is refused (RST), the client is reset
kill "$HL_ECHO_SERVERS_PID"
wait "$HL_ECHO_SERVERS_PID" 2>/dev/null || true
if out=$(hl_echo_client 30 "$HL_VIP" --port 9000 --io-timeout 10 --deadline 20 --size 1000 2>&1); then
	hl_fail "relay to a closed replica port succeeded: $out"
fi
# the RST may come before the first send (ECONNRESET) or be reported on a later one (EPIPE)
grep -qiE "reset|broken pipe" <<<"$out" || hl_fail "expected a reset, got: $out"
hl_log "refused replica: $(tail -1 <<<"$out")"

# the replicas vanish without a word: SYNs unanswered, given up after 3 s (syn_retries = 1)
ip -n hl-replica addr flush dev hlr0 # every test rebuilds the topology (hl_topo_up)
t0=$(date +%s.%N)
if out=$(hl_echo_client 30 "$HL_VIP" --port 9000 --io-timeout 15 --deadline 20 --size 1000 2>&1); then
	hl_fail "relay to a silent replica succeeded: $out"
fi
took=$(echo "$(date +%s.%N) - $t0" | bc)
grep -qiE "reset|broken pipe" <<<"$out" || hl_fail "silent replica: expected a reset, got: $out"
hl_log "silent replica: reset after $took s: $(tail -1 <<<"$out")"
awk -v t="$took" 'BEGIN { exit !(t >= 2.5 && t < 8) }' ||
	hl_fail "silent replica: reset after $took s, want ~3 s (syn_retries = 1: 1 + 2 s)"

ctr() { hl_ctr "$1"; }
[ "$(ctr tcp_connect_timeout)" -eq 1 ] || hl_fail "tcp_connect_timeout $(ctr tcp_connect_timeout), want 1"
[ "$(ctr relay_connect_failed)" -ge 2 ] || hl_fail "relay_connect_failed $(ctr relay_connect_failed), want >= 2"
[ "$(ctr tcp_connect_refused)" -ge 1 ] || hl_fail "tcp_connect_refused not counted"
[ "$(ctr tcp_connected)" -ge 34 ] || hl_fail "tcp_connected $(ctr tcp_connected), want >= 34"
[ "$(ctr tcp_bad_cksum)" -eq 0 ] || hl_fail "tcp_bad_cksum $(ctr tcp_bad_cksum)"
for c in relay_opened relay_connected relay_connect_failed tcp_connect tcp_connected \
	tcp_connect_refused tcp_connect_timeout tcp_retransmit tcp_rto; do
	hl_log "$c $(ctr $c)"
done
hl_stop_clean 10
echo "PASS"
