#!/usr/bin/env bash
# Ping from hl-client to hintlb's client port address and to the VIP, and
# from hl-replica to its replica port address: the replies come from hintlb
# (the kernel of hl-lb holds none of these addresses: nobody answers before
# hintlb starts or after it stops), the XDP stage, attached in native mode,
# counts the requests it steered (pinned hl_counters), and hintlb counts the
# replies it sent.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
hl_init "$@"
hl_topo_up

# Before hintlb: nobody answers for the dataplane's addresses.
if hl_client ping -c1 -W1 -q "$HL_PORT0_IP" >/dev/null 2>&1; then
	hl_fail "$HL_PORT0_IP answered before hintlb started (kernel holds it?)"
fi

hl_start
hl_wait_ready 30

# XDP programs attached to both ports, maps pinned.
[ -n "$(hl_xdp_prog hl-lb hl0)" ] || hl_fail "no XDP program on hl0"
[ -n "$(hl_xdp_prog hl-lb hl1)" ] || hl_fail "no XDP program on hl1"
hl_xdp_native hl-lb hl0 || hl_fail "XDP program on hl0 not in native (driver) mode"
hl_xdp_native hl-lb hl1 || hl_fail "XDP program on hl1 not in native (driver) mode"
for dev in hl0 hl1; do
	[ -e "$HL_PIN_DIR/$dev/hl_counters" ] || hl_fail "no $HL_PIN_DIR/$dev/hl_counters pinned"
done

steered0=$(hl_xdp_count hl0 ipv4_ours redirect)
steered1=$(hl_xdp_count hl1 ipv4_ours redirect)
n=20
for dst in "$HL_PORT0_IP" "$HL_VIP"; do
	out=$(hl_client ping -c "$n" -i 0.05 -W1 -q "$dst") ||
		hl_fail "ping $dst: $out"
	grep -q " $n received" <<<"$out" || hl_fail "ping $dst lost replies: $out"
	hl_log "ping $dst: $n/$n answered"
done

# Replica side: hintlb's replica port address answers too.
out=$(hl_replica ping -c 5 -i 0.05 -W1 -q -I 10.77.1.11 "$HL_PORT1_IP") ||
	hl_fail "ping $HL_PORT1_IP from hl-replica: $out"
grep -q " 5 received" <<<"$out" || hl_fail "ping $HL_PORT1_IP lost replies: $out"

# The XDP stage steered every echo request into AF_XDP: 2n on hl0, 5 on hl1.
d0=$(($(hl_xdp_count hl0 ipv4_ours redirect) - steered0))
d1=$(($(hl_xdp_count hl1 ipv4_ours redirect) - steered1))
[ $d0 -ge $((2 * n)) ] || hl_fail "hl0 ipv4_ours/redirect grew by $d0 for $((2 * n)) pings"
[ $d1 -ge 5 ] || hl_fail "hl1 ipv4_ours/redirect grew by $d1 for 5 pings"
hl_log "XDP ipv4_ours/redirect: hl0 +$d0, hl1 +$d1"

# The replies really were hintlb's: its own counters (printed on exit, one
# "worker N NAME VALUE" line each) count them, and once it stops nobody
# answers.
hl_stop_clean 5
replied=$(awk '$1 == "worker" && $3 == "icmp_echo_replied" { s += $4 } END { print s + 0 }' "$HL_LOG")
[ "$replied" -ge $((2 * n + 5)) ] ||
	hl_fail "hintlb counted $replied icmp_echo_replied for $((2 * n + 5)) pings"
hl_log "hintlb icmp_echo_replied: $replied"
if hl_client ping -c1 -W1 -q "$HL_VIP" >/dev/null 2>&1; then
	hl_fail "$HL_VIP still answered after hintlb exited"
fi
echo "PASS"
