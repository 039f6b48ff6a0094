/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Header parsing for XDP programs: a cursor over [pos, end) and one pull per
 * header, each with its bounds check before any access (the verifier insists,
 * and so do truncated frames). A pull that fails leaves the cursor where it
 * was and returns NULL. Modelled on xdp-tutorial's parsing_helpers.h.
 */
#ifndef HL_BPF_PARSING_H
#define HL_BPF_PARSING_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct hl_cursor {
	void *pos;
	void *end;
};

/* ARP header (RFC 826), the part common to every hardware/protocol pair. */
struct hl_arphdr {
	__be16 htype;
	__be16 ptype;
	__u8 hlen;
	__u8 plen;
	__be16 oper;
} __attribute__((packed));

/* The addresses that follow for Ethernet (hlen 6) and IPv4 (plen 4). */
struct hl_arp_eth_ipv4 {
	__u8 sha[ETH_ALEN];
	__be32 spa;
	__u8 tha[ETH_ALEN];
	__be32 tpa;
} __attribute__((packed));

#define HL_ARPHRD_ETHER 1
#define HL_VLAN_HLEN    4

/* Returns len bytes at the cursor and advances past them, or NULL (cursor
 * unchanged) when fewer than len bytes remain. */
static __always_inline void *hl_pull(struct hl_cursor *c, __u32 len)
{
	void *p = c->pos;

	if (p + len > c->end)
		return NULL;
	c->pos = p + len;
	return p;
}

/* Ethernet header; *proto gets the ethertype in host byte order. */
static __always_inline struct ethhdr *hl_parse_eth(struct hl_cursor *c, __u16 *proto)
{
	struct ethhdr *eth = hl_pull(c, sizeof(*eth));

	if (eth)
		*proto = bpf_ntohs(eth->h_proto);
	return eth;
}

/* One 802.1Q/802.1ad tag (TCI and inner ethertype); NULL when truncated. */
static __always_inline void *hl_parse_vlan(struct hl_cursor *c)
{
	return hl_pull(c, HL_VLAN_HLEN);
}

static __always_inline struct hl_arphdr *hl_parse_arp(struct hl_cursor *c)
{
	return hl_pull(c, sizeof(struct hl_arphdr));
}

/* Ethernet/IPv4 ARP addresses; call after hl_parse_arp() checked the sizes. */
static __always_inline struct hl_arp_eth_ipv4 *hl_parse_arp_eth_ipv4(struct hl_cursor *c)
{
	return hl_pull(c, sizeof(struct hl_arp_eth_ipv4));
}

/* The fixed 20 bytes of an IPv4 header. Options and total length are the
 * caller's to check (against c->end), the cursor stays after the fixed part. */
static __always_inline struct iphdr *hl_parse_ipv4(struct hl_cursor *c)
{
	return hl_pull(c, sizeof(struct iphdr));
}

#endif /* HL_BPF_PARSING_H */
