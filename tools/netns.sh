#!/usr/bin/env bash
# tools/netns.sh up|down|status — the standard hintlb test topology.
#
# Used by the integration tests (tests/integration/), the demo and the
# benchmarks. Needs root, iproute2 and ethtool. `up` and `down` are
# idempotent: `up` completes whatever part is missing, `down` removes whatever
# part exists. Both exit non-zero with a message naming what failed.
#
#   netns hl-client              netns hl-lb                  netns hl-replica
#  +----------------+      +---------------------------+     +------------------+
#  | hlc0           |      | hl0             hl1       |     |           hlr0   |
#  | 10.77.0.1/24   |<---->| kernel 10.77.0.3/24       |<--->| 10.77.1.11/24    |
#  |                | veth | dataplane 10.77.0.2/24    |veth |  + .12 .13 .14   |
#  | (curl, ping)   |      |   VIP 10.77.0.100         |     | (replicas)       |
#  |                |      |       kernel 10.77.1.3/24 |     |                  |
#  |                |      |    dataplane 10.77.1.2/24 |     |                  |
#  +----------------+      +---------------------------+     +------------------+
#
# hintlb runs in hl-lb on net_af_xdp ports over hl0 (client side) and hl1
# (replica side), its XDP program attached to each in native (driver) mode.
# The dataplane's addresses (10.77.0.2, VIP 10.77.0.100, 10.77.1.2) are NOT
# assigned to the kernel: hintlb answers ARP and ICMP for them itself. The
# kernel of hl-lb keeps its own addresses (10.77.0.3, 10.77.1.3) on the same
# interfaces; the XDP program passes their traffic to it. Clients reach the
# VIP on-link (10.77.0.0/24) and replicas reach hintlb on-link (10.77.1.0/24):
# no routes beyond the connected ones.
#
# Link settings (see docs/topology.md for why each is there):
#  - the peers hlc0 and hlr0 have TX checksum offload, TSO and GSO off, so
#    the frames hintlb receives carry real checksums and are at most one MTU;
#  - MTU 1500 everywhere (veth native XDP needs the peer MTU below a page);
#  - in hl-lb arp_ignore=1 and arp_announce=2, so the kernel only answers ARP
#    for its own address on the interface that holds it;
#  - bpffs is mounted at /sys/fs/bpf (hintlb pins its maps under
#    /sys/fs/bpf/hintlb/).
# No XDP program is needed on the peers: hintlb's frames reach them through
# the AF_XDP copy-mode transmit path (an ordinary veth xmit), not through
# XDP_REDIRECT into the veth.
set -euo pipefail

NS_LB=hl-lb
NS_CLIENT=hl-client
NS_REPLICA=hl-replica
MTU=1500
# HL_QUEUES=N: every veth end gets N rx and N tx queues (several workers,
# one AF_XDP queue each: net_af_xdp queue_count=N). Default 1.
QUEUES=${HL_QUEUES:-1}

die() {
	echo "netns.sh: $*" >&2
	exit 1
}

# run DESCRIPTION CMD...: run a command, dying with its output when it fails.
run() {
	local what=$1 out
	shift
	if ! out=$("$@" 2>&1); then
		die "$what failed: $* : $out"
	fi
}

ns_exists() { [ -e "/run/netns/$1" ]; }
link_exists() { ip -n "$1" link show dev "$2" >/dev/null 2>&1; }

need_tools() {
	[ "$(id -u)" -eq 0 ] || die "must run as root"
	local t
	for t in ip ethtool; do
		command -v "$t" >/dev/null || die "'$t' not found (install iproute2 and ethtool)"
	done
}

mount_bpffs() {
	if ! mountpoint -q /sys/fs/bpf; then
		run "mounting bpffs" mount -t bpf bpf /sys/fs/bpf
	fi
}

ensure_ns() {
	local ns=$1
	if ! ns_exists "$ns"; then
		run "creating netns $ns" ip netns add "$ns"
	fi
	run "bringing up lo in $ns" ip -n "$ns" link set lo up
}

# ensure_veth NS_A IF_A NS_B IF_B: a veth pair IF_A (in NS_A) <-> IF_B (in NS_B).
ensure_veth() {
	local ns_a=$1 if_a=$2 ns_b=$3 if_b=$4
	if link_exists "$ns_a" "$if_a" && link_exists "$ns_b" "$if_b" &&
		[ "$(rx_queues "$ns_a" "$if_a")" = "$QUEUES" ]; then
		return 0
	fi
	# A half-made pair (one end moved or renamed by hand): start again.
	ip -n "$ns_a" link del "$if_a" 2>/dev/null || true
	ip -n "$ns_b" link del "$if_b" 2>/dev/null || true
	run "creating veth $if_a<->$if_b" \
		ip link add "$if_a" netns "$ns_a" numrxqueues "$QUEUES" numtxqueues "$QUEUES" \
		type veth peer name "$if_b" netns "$ns_b" numrxqueues "$QUEUES" numtxqueues "$QUEUES"
}

# rx_queues NS IF: the number of rx queues of IF.
rx_queues() {
	ip -n "$1" -d link show dev "$2" | sed -n 's/.*numrxqueues \([0-9]*\).*/\1/p'
}

# ensure_addr NS IF ADDR/LEN: ADDR on IF (replace is idempotent).
ensure_addr() {
	run "adding $3 to $2 in $1" ip -n "$1" addr replace "$3" dev "$2"
}

# peer_settings NS IF: settings on a peer (client or replica) interface.
peer_settings() {
	local ns=$1 dev=$2
	run "setting mtu on $dev" ip -n "$ns" link set dev "$dev" mtu "$MTU"
	# Real checksums and wire-sized frames toward hintlb: with checksum
	# offload the veth hands over CHECKSUM_PARTIAL frames whose TCP/UDP
	# checksum field is not filled in, which a kernel-bypass stack sees as
	# corrupt; with TSO/GSO it would hand over 64 KiB super-frames.
	run "disabling offloads on $dev" \
		ip netns exec "$ns" ethtool -K "$dev" tx off tso off gso off
	run "bringing up $dev" ip -n "$ns" link set dev "$dev" up
}

lb_settings() {
	local dev=$1
	run "setting mtu on $dev" ip -n "$NS_LB" link set dev "$dev" mtu "$MTU"
	run "bringing up $dev" ip -n "$NS_LB" link set dev "$dev" up
}

up() {
	need_tools
	mount_bpffs
	ensure_ns "$NS_LB"
	ensure_ns "$NS_CLIENT"
	ensure_ns "$NS_REPLICA"

	ensure_veth "$NS_LB" hl0 "$NS_CLIENT" hlc0
	ensure_veth "$NS_LB" hl1 "$NS_REPLICA" hlr0

	# The kernel of hl-lb answers ARP only for an address held by the
	# interface the request came in on, and sources its own ARP requests
	# from that interface's address.
	run "setting arp sysctls in $NS_LB" ip netns exec "$NS_LB" sh -c '
		for k in all default; do
			sysctl -qw net.ipv4.conf.$k.arp_ignore=1
			sysctl -qw net.ipv4.conf.$k.arp_announce=2
		done'

	lb_settings hl0
	lb_settings hl1
	peer_settings "$NS_CLIENT" hlc0
	peer_settings "$NS_REPLICA" hlr0

	ensure_addr "$NS_LB" hl0 10.77.0.3/24
	ensure_addr "$NS_LB" hl1 10.77.1.3/24
	ensure_addr "$NS_CLIENT" hlc0 10.77.0.1/24
	local a
	for a in 11 12 13 14; do
		ensure_addr "$NS_REPLICA" hlr0 "10.77.1.$a/24"
	done
	check_up
}

# check_up: exit non-zero unless every part of the topology is there.
check_up() {
	local ns
	for ns in "$NS_LB" "$NS_CLIENT" "$NS_REPLICA"; do
		ns_exists "$ns" || die "netns $ns missing"
	done
	link_exists "$NS_LB" hl0 || die "hl0 missing in $NS_LB"
	link_exists "$NS_LB" hl1 || die "hl1 missing in $NS_LB"
	link_exists "$NS_CLIENT" hlc0 || die "hlc0 missing in $NS_CLIENT"
	link_exists "$NS_REPLICA" hlr0 || die "hlr0 missing in $NS_REPLICA"
	ip -n "$NS_CLIENT" -4 addr show dev hlc0 | grep -q 'inet 10.77.0.1/24' ||
		die "10.77.0.1/24 missing on hlc0"
	ip -n "$NS_REPLICA" -4 addr show dev hlr0 | grep -q 'inet 10.77.1.14/24' ||
		die "10.77.1.14/24 missing on hlr0"
	mountpoint -q /sys/fs/bpf || die "bpffs not mounted at /sys/fs/bpf"
}

down() {
	[ "$(id -u)" -eq 0 ] || die "must run as root"
	local ns pids
	# Deleting a namespace deletes its veth ends (and their peers) and
	# detaches any XDP program from them, unless a process still runs in
	# it: then the namespace and its links live on, unnamed, until that
	# process exits. Say so; ending it is its owner's business.
	for ns in "$NS_LB" "$NS_CLIENT" "$NS_REPLICA"; do
		ns_exists "$ns" || continue
		pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
		if [ -n "$pids" ]; then
			echo "netns.sh: warning: processes still in $ns: $pids(it outlives 'down')" >&2
		fi
		run "deleting netns $ns" ip netns del "$ns"
	done
	# hintlb's pins under /sys/fs/bpf/hintlb are hintlb's to manage: left alone.
}

status() {
	local ns
	for ns in "$NS_LB" "$NS_CLIENT" "$NS_REPLICA"; do
		if ns_exists "$ns"; then
			echo "== $ns"
			ip -n "$ns" -br addr
			ip -n "$ns" -d link show 2>/dev/null | grep -E '^[0-9]+:|prog/xdp' || true
		else
			echo "== $ns: absent"
		fi
	done
}

case "${1:-}" in
up) up ;;
down) down ;;
status) status ;;
*)
	echo "usage: $0 up|down|status" >&2
	exit 2
	;;
esac
