/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hl_steer: the XDP stage in front of net_af_xdp. ARP and IPv4 for hintlb's
 * addresses (hl_addrs, filled by the daemon) go to the AF_XDP socket of the rx
 * queue through xsks_map; everything else goes to the kernel (fail open).
 * Malformed Ethernet/VLAN/ARP/IPv4 headers are dropped, so is IPv4 to our
 * addresses from a prefix in hl_deny. Every packet is counted once, by
 * (reason, verdict), in hl_counters at the single exit.
 *
 * Loaded by DPDK's net_af_xdp (xdp_prog=): it must stay the object's first
 * and only program and keep the map name xsks_map. Layouts: hintlb/xdp_abi.h.
 * Not checked here, left to the dataplane: IPv4 header checksum, fragments,
 * L4 headers.
 */
#include "parsing.h"

#include "hintlb/xdp_abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, HL_XDP_XSKS_MAX);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HL_XDP_COUNTERS_MAX);
	__type(key, __u32);
	__type(value, struct hl_xdp_count);
} hl_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, HL_XDP_ADDR_BUCKETS);
	__type(key, __u32);
	__type(value, struct hl_xdp_addr_bucket);
} hl_addrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, HL_XDP_DENY_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct hl_xdp_deny_key);
	__type(value, __u32);
} hl_deny SEC(".maps");

/* One inlined array lookup and HL_XDP_ADDR_WAYS compares, no branches. */
static __always_inline int is_ours(__be32 addr)
{
	__u32 key = hl_xdp_addr_bucket_of(addr);
	struct hl_xdp_addr_bucket *b = bpf_map_lookup_elem(&hl_addrs, &key);
	int hit = 0;

	if (!b || !addr)
		return 0;
#pragma unroll
	for (int i = 0; i < HL_XDP_ADDR_WAYS; i++)
		hit |= b->addr[i] == addr;
	return hit;
}

/* ARP: ours when the target protocol address is ours. Requests, replies and
 * ARP from denied sources alike (the deny list is for IPv4 only). ARP for
 * other hardware/protocol pairs is not ours. */
static __always_inline __u32 steer_arp(struct hl_cursor *c)
{
	struct hl_arp_eth_ipv4 *body;
	struct hl_arphdr *arp;

	arp = hl_parse_arp(c);
	if (!arp)
		return HL_XDP_R_MALFORMED_ARP;
	if (arp->htype != bpf_htons(HL_ARPHRD_ETHER) || arp->ptype != bpf_htons(ETH_P_IP) ||
	    arp->hlen != ETH_ALEN || arp->plen != 4)
		return HL_XDP_R_ARP_NOT_OURS;
	body = hl_parse_arp_eth_ipv4(c);
	if (!body)
		return HL_XDP_R_MALFORMED_ARP;
	return is_ours(body->tpa) ? HL_XDP_R_ARP_OURS : HL_XDP_R_ARP_NOT_OURS;
}

/* IPv4: the header must be sane whoever it is for (the kernel would drop it
 * too); then ours by destination, denied by source. Ethernet padding after
 * tot_len is fine. */
static __always_inline __u32 steer_ipv4(struct hl_cursor *c)
{
	struct hl_xdp_deny_key deny;
	struct iphdr *ip;
	__u32 hlen, tot;
	__u8 vihl;

	ip = hl_parse_ipv4(c);
	if (!ip)
		return HL_XDP_R_IPV4_TRUNCATED;
	vihl = *(__u8 *)ip;
	if (vihl >> 4 != 4)
		return HL_XDP_R_IPV4_BAD_VERSION;
	hlen = (vihl & 0xf) * 4;
	if (hlen < sizeof(*ip) || (void *)ip + hlen > c->end)
		return HL_XDP_R_IPV4_BAD_IHL;
	tot = bpf_ntohs(ip->tot_len);
	if (tot < hlen || (void *)ip + tot > c->end)
		return HL_XDP_R_IPV4_BAD_LENGTH;
	if (!is_ours(ip->daddr))
		return HL_XDP_R_IPV4_NOT_OURS;
	deny.prefixlen = 32;
	deny.addr = ip->saddr;
	if (bpf_map_lookup_elem(&hl_deny, &deny))
		return HL_XDP_R_DENIED;
	return HL_XDP_R_IPV4_OURS;
}

SEC("xdp")
int hl_steer(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct hl_cursor c = {.pos = data, .end = data_end};
	struct hl_xdp_count *cnt;
	__u32 reason, verdict, idx;
	__u16 proto;

	reason = HL_XDP_R_MALFORMED_ETH;
	if (!hl_parse_eth(&c, &proto))
		goto out;

	switch (proto) {
	case ETH_P_ARP:
		reason = steer_arp(&c);
		break;
	case ETH_P_IP:
		reason = steer_ipv4(&c);
		break;
	case ETH_P_IPV6:
		reason = HL_XDP_R_IPV6;
		break;
	case ETH_P_8021Q:
	case ETH_P_8021AD:
		/* hintlb has no VLANs: tagged frames are the kernel's (a VLAN
		 * device may own them). Only a truncated tag is dropped. */
		reason = hl_parse_vlan(&c) ? HL_XDP_R_VLAN : HL_XDP_R_MALFORMED_VLAN;
		break;
	default:
		reason = HL_XDP_R_NOT_IP;
		break;
	}

out:
	verdict = hl_xdp_reason_verdict(reason);
	/* No socket on this rx queue (not bound yet, or a queue the daemon
	 * does not use): the kernel gets it, counted as (reason, pass). */
	if (verdict == HL_XDP_V_REDIRECT)
		verdict = bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
	idx = hl_xdp_counter_idx(reason, verdict);
	cnt = bpf_map_lookup_elem(&hl_counters, &idx);
	if (cnt) {
		cnt->packets++;
		cnt->bytes += data_end - data;
	}
	return verdict;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
