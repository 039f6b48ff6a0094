#!/usr/bin/env bash
# ARP both ways.
# 1. hintlb resolves its peers itself: the client and a replica are given a
#    static neighbour entry for hintlb, so hintlb never sees an ARP request
#    from them (nothing to learn from); their pings are still answered, and
#    the capture on the peer's interface shows hintlb's ARP request for the
#    peer ("who-has 10.77.0.1 tell 10.77.0.2") and the peer's answer.
# 2. hintlb answers ARP requests for its addresses (10.77.0.2 and the VIP on
#    hl0, 10.77.1.2 on hl1) with the port's MAC, and the client's neighbour
#    table learns them from ordinary traffic.
# 3. The kernel still answers ARP for its own address on hl0, and nobody
#    answers for an address of the subnet that no one holds.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
hl_init "$@"
for t in arping tcpdump; do
	command -v "$t" >/dev/null || hl_fail "'$t' not installed"
done
hl_topo_up
mac0=$(hl_mac hl-lb hl0)
mac1=$(hl_mac hl-lb hl1)
cmac=$(hl_mac hl-client hlc0)

# capture NS IF FILE: tcpdump of ARP and ICMP on IF into FILE, in the
# background; returns once tcpdump has opened the interface.
capture() {
	hl_bg ip netns exec "$1" tcpdump -n -U -i "$2" -w "$3" 'arp or icmp' 2>/dev/null
	local _
	for _ in $(seq 50); do
		[ -s "$3" ] && return 0
		sleep 0.1
	done
	hl_fail "tcpdump on $2 did not start"
}
stop_captures() {
	sleep 0.3
	local p
	for p in "${HL_BG_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${HL_BG_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	HL_BG_PIDS=()
}

# --- 1. hintlb resolves the peers ----------------------------------------
hl_client ip neigh replace "$HL_PORT0_IP" lladdr "$mac0" dev hlc0 nud permanent
hl_client ip neigh replace "$HL_VIP" lladdr "$mac0" dev hlc0 nud permanent
hl_replica ip neigh replace "$HL_PORT1_IP" lladdr "$mac1" dev hlr0 nud permanent
capture hl-client hlc0 "$HL_WORK/hlc0.pcap"
capture hl-replica hlr0 "$HL_WORK/hlr0.pcap"

hl_start
hl_wait_ready 30
hl_client ping -c 3 -i 0.1 -W1 -q "$HL_VIP" >/dev/null || hl_fail "VIP does not answer ping"
hl_replica ping -c 3 -i 0.1 -W2 -q -I 10.77.1.11 "$HL_PORT1_IP" >/dev/null ||
	hl_fail "$HL_PORT1_IP does not answer ping from 10.77.1.11"
stop_captures

arp0=$(tcpdump -n -e -r "$HL_WORK/hlc0.pcap" arp 2>/dev/null)
arp1=$(tcpdump -n -e -r "$HL_WORK/hlr0.pcap" arp 2>/dev/null)
grep -q "^.*$mac0 > ff:ff:ff:ff:ff:ff.*Request who-has $HL_CLIENT_IP tell $HL_PORT0_IP" <<<"$arp0" ||
	hl_fail "no ARP request from hintlb ($mac0) for $HL_CLIENT_IP on hlc0; ARP seen: ${arp0:-none}"
grep -q "$cmac > $mac0.*Reply $HL_CLIENT_IP is-at $cmac" <<<"$arp0" ||
	hl_fail "the client did not answer hintlb's ARP request; ARP seen: $arp0"
grep -q "$mac1 > ff:ff:ff:ff:ff:ff.*Request who-has 10.77.1.11 tell $HL_PORT1_IP" <<<"$arp1" ||
	hl_fail "no ARP request from hintlb ($mac1) for 10.77.1.11 on hlr0; ARP seen: ${arp1:-none}"
# Echo replies go to the peers' MACs.
replies=$(tcpdump -n -e -r "$HL_WORK/hlc0.pcap" 'icmp[icmptype] = icmp-echoreply' 2>/dev/null)
grep -q "$mac0 > $cmac.*$HL_VIP > $HL_CLIENT_IP: ICMP echo reply" <<<"$replies" ||
	hl_fail "no echo reply $mac0 > $cmac from $HL_VIP; seen: ${replies:-none}"
hl_log "hintlb resolved $HL_CLIENT_IP and 10.77.1.11 by ARP"

# --- 2. hintlb answers ARP ------------------------------------------------
hl_client ip neigh flush dev hlc0
hl_replica ip neigh flush dev hlr0

# arping_mac NS IF SRC TARGET: the MAC in the first ARP reply, or "" (arping
# exits non-zero when nobody answers).
arping_mac() {
	{ ip netns exec "$1" arping -c 2 -w 3 -I "$2" -s "$3" "$4" 2>/dev/null || true; } |
		sed -n 's/.*\[\([0-9a-fA-F:]\{17\}\)\].*/\1/p' | head -n1 | tr 'A-F' 'a-f'
}
for ip in "$HL_PORT0_IP" "$HL_VIP"; do
	got=$(arping_mac hl-client hlc0 "$HL_CLIENT_IP" "$ip")
	[ "$got" = "$mac0" ] || hl_fail "ARP for $ip from hl-client: reply MAC '$got', want hl0's $mac0"
	hl_log "ARP $ip is-at $got"
done
got=$(arping_mac hl-replica hlr0 10.77.1.12 "$HL_PORT1_IP")
[ "$got" = "$mac1" ] || hl_fail "ARP for $HL_PORT1_IP from hl-replica: reply MAC '$got', want hl1's $mac1"
hl_log "ARP $HL_PORT1_IP is-at $got"

hl_client ip neigh flush dev hlc0
for ip in "$HL_PORT0_IP" "$HL_VIP"; do
	hl_client ping -c1 -W2 -q "$ip" >/dev/null || hl_fail "ping $ip after neighbour flush"
	got=$(hl_client ip neigh show "$ip" dev hlc0 | awk '{print $3}')
	[ "$got" = "$mac0" ] || hl_fail "client neighbour entry for $ip is '$got', want $mac0"
done

# --- 3. the kernel's ARP, and nobody's ------------------------------------
got=$(arping_mac hl-client hlc0 "$HL_CLIENT_IP" "$HL_KERNEL0_IP")
[ "$got" = "$mac0" ] || hl_fail "ARP for kernel address $HL_KERNEL0_IP: reply '$got', want $mac0"
got=$(arping_mac hl-client hlc0 "$HL_CLIENT_IP" 10.77.0.99)
[ -z "$got" ] || hl_fail "ARP for unowned 10.77.0.99 answered by $got"
hl_alive || hl_fail "hintlb exited"
echo "PASS"
