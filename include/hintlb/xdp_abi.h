/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The XDP stage's wire format: map names and layouts, the reason and verdict
 * enums and their printable names. The ONE header shared by bpf/steer.bpf.c
 * (clang -target bpf), the userspace loader (bpf/xdp_ctl.c), the dataplane
 * and the tools; it includes nothing but <linux/types.h> so both sides can use
 * it. Reasons and their values are never renumbered: new ones are appended.
 * See docs/xdp.md.
 */
#ifndef HINTLB_XDP_ABI_H
#define HINTLB_XDP_ABI_H

#include <linux/types.h>

/** Name of the XDP program (its function) in steer.bpf.o. */
#define HL_XDP_PROG_NAME "hl_steer"

/** XSKMAP, key = rx queue index, value = AF_XDP socket fd. The name is the one
 *  DPDK's net_af_xdp requires with xdp_prog=; one per interface, never pinned. */
#define HL_XDP_MAP_XSKS "xsks_map"
/** PERCPU_ARRAY of struct hl_xdp_count, key = hl_xdp_counter_idx(). */
#define HL_XDP_MAP_COUNTERS "hl_counters"
/** ARRAY of struct hl_xdp_addr_bucket, key = hl_xdp_addr_bucket_of(address):
 *  the set of hintlb's addresses (a HASH map costs ~20 ns more per packet). */
#define HL_XDP_MAP_ADDRS "hl_addrs"
/** LPM_TRIE, key = struct hl_xdp_deny_key, value = __u32 (unused, 1). */
#define HL_XDP_MAP_DENY "hl_deny"

/** Pinned maps live in HL_XDP_PIN_ROOT/<ifname>/<map name>. */
#define HL_XDP_PIN_ROOT "/sys/fs/bpf/hintlb"

#define HL_XDP_XSKS_MAX     64    /**< rx queues an interface may steer to */
#define HL_XDP_ADDR_BUCKETS 1024  /**< hl_addrs entries, a power of two */
#define HL_XDP_ADDR_WAYS    8     /**< addresses per bucket (32 bytes) */
#define HL_XDP_DENY_MAX     65536 /**< denied source prefixes */

/** One hl_addrs entry: up to HL_XDP_ADDR_WAYS addresses (network byte order)
 *  whose hl_xdp_addr_bucket_of() is this bucket; 0 marks a free way, so
 *  0.0.0.0 is never ours. */
struct hl_xdp_addr_bucket {
	__be32 addr[HL_XDP_ADDR_WAYS];
};

/** hl_addrs key of an address (network byte order, as stored in a __u32):
 *  murmur3's 32-bit finaliser: contiguous addresses spread evenly (all 1024
 *  of a /22 fit, at most 6 per bucket). */
static inline __u32 hl_xdp_addr_bucket_of(__u32 addr_be)
{
	__u32 h = addr_be;

	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h & (HL_XDP_ADDR_BUCKETS - 1);
}

/** hl_deny key: the layout BPF_MAP_TYPE_LPM_TRIE requires. */
struct hl_xdp_deny_key {
	__u32 prefixlen; /**< 0..32 */
	__u32 addr;      /**< IPv4 prefix, network byte order, host bits zero */
};

/** One counter cell (per CPU in the map; summed by the reader). */
struct hl_xdp_count {
	__u64 packets;
	__u64 bytes; /**< frame length as XDP sees it (no FCS) */
};

/**
 * Verdicts: the XDP action the program returned, numerically equal to
 * enum xdp_action (XDP_ABORTED .. XDP_REDIRECT).
 */
enum hl_xdp_verdict {
	HL_XDP_V_ABORTED = 0,
	HL_XDP_V_DROP = 1,
	HL_XDP_V_PASS = 2,
	HL_XDP_V_TX = 3,
	HL_XDP_V_REDIRECT = 4,
	HL_XDP_VERDICT_MAX = 5,
};

/*
 * Reasons: why the program chose its verdict, one per packet.
 * X(enum suffix, value, printable name, intended verdict). The intended
 * verdict is what the program returns for that reason, except that STEER
 * reasons fall back to PASS when xsks_map has no socket for the rx queue
 * (counted as that reason with verdict PASS, so it stays visible).
 */
#define HL_XDP_REASONS(X)                                                                          \
	X(NOT_IP, 0, "not_ip", PASS)                  /* ethertype not ARP/IPv4/IPv6/VLAN */       \
	X(IPV6, 1, "ipv6", PASS)                      /* hintlb is IPv4 only */                    \
	X(VLAN, 2, "vlan", PASS)                      /* 802.1Q/802.1ad tagged: the kernel's */    \
	X(ARP_NOT_OURS, 3, "arp_not_ours", PASS)      /* target not ours, or not Eth/IPv4 ARP */   \
	X(IPV4_NOT_OURS, 4, "ipv4_not_ours", PASS)    /* destination not ours */                   \
	X(ARP_OURS, 5, "arp_ours", REDIRECT)          /* ARP whose target is ours */               \
	X(IPV4_OURS, 6, "ipv4_ours", REDIRECT)        /* IPv4 to ours, source not denied */        \
	X(DENIED, 7, "denied", DROP)                  /* IPv4 to ours from a denied prefix */      \
	X(MALFORMED_ETH, 8, "malformed_eth", DROP)    /* shorter than an Ethernet header */        \
	X(MALFORMED_VLAN, 9, "malformed_vlan", DROP)  /* truncated VLAN tag */                     \
	X(MALFORMED_ARP, 10, "malformed_arp", DROP)   /* truncated ARP */                          \
	X(IPV4_TRUNCATED, 11, "ipv4_truncated", DROP) /* fewer than 20 header bytes */             \
	X(IPV4_BAD_VERSION, 12, "ipv4_bad_version", DROP) /* version field != 4 */                 \
	X(IPV4_BAD_IHL, 13, "ipv4_bad_ihl", DROP)         /* ihl < 5, or options past the frame */ \
	X(IPV4_BAD_LENGTH, 14, "ipv4_bad_length", DROP)   /* tot_len < ihl*4 or past the frame */

enum hl_xdp_reason {
#define HL_XDP_REASON_ENUM_(name, val, str, verdict) HL_XDP_R_##name = val,
	HL_XDP_REASONS(HL_XDP_REASON_ENUM_)
#undef HL_XDP_REASON_ENUM_
};

/** Number of reasons in use (values are 0..HL_XDP_REASON_MAX-1, no gaps). */
#define HL_XDP_REASON_ONE_(name, val, str, verdict) +1
#define HL_XDP_REASON_MAX                           (0 HL_XDP_REASONS(HL_XDP_REASON_ONE_))

/** Rows reserved in hl_counters, so the map's size survives new reasons. */
#define HL_XDP_REASON_SLOTS 32
#define HL_XDP_COUNTERS_MAX (HL_XDP_REASON_SLOTS * HL_XDP_VERDICT_MAX)

/** hl_counters index of (reason, verdict). */
static inline __u32 hl_xdp_counter_idx(__u32 reason, __u32 verdict)
{
	return reason * HL_XDP_VERDICT_MAX + verdict;
}

#define HL_XDP_REASON_IF_(want, val, verdict)                                                      \
	| ((HL_XDP_V_##verdict == HL_XDP_V_##want) ? (1u << (val)) : 0u)
#define HL_XDP_REASON_DROP_(name, val, str, verdict)     HL_XDP_REASON_IF_(DROP, val, verdict)
#define HL_XDP_REASON_REDIRECT_(name, val, str, verdict) HL_XDP_REASON_IF_(REDIRECT, val, verdict)
/** Bit r set: reason r drops / steers into AF_XDP. */
#define HL_XDP_REASONS_DROP     (0u HL_XDP_REASONS(HL_XDP_REASON_DROP_))
#define HL_XDP_REASONS_REDIRECT (0u HL_XDP_REASONS(HL_XDP_REASON_REDIRECT_))

/** The verdict the program aims for with this reason (see HL_XDP_REASONS).
 *  Two constant masks, no table: the BPF program calls it per packet. */
static inline __u32 hl_xdp_reason_verdict(__u32 reason)
{
	if (reason >= HL_XDP_REASON_MAX)
		return HL_XDP_V_ABORTED;
	if ((HL_XDP_REASONS_DROP >> reason) & 1u)
		return HL_XDP_V_DROP;
	if ((HL_XDP_REASONS_REDIRECT >> reason) & 1u)
		return HL_XDP_V_REDIRECT;
	return HL_XDP_V_PASS;
}

/** Printable reason name ("arp_ours"); NULL when the reason is unknown. */
static inline const char *hl_xdp_reason_name(__u32 reason)
{
	switch (reason) {
#define HL_XDP_REASON_NAME_(name, val, str, verdict)                                               \
	case val:                                                                                  \
		return str;
		HL_XDP_REASONS(HL_XDP_REASON_NAME_)
#undef HL_XDP_REASON_NAME_
	}
	return (const char *)0;
}

/** Printable verdict name ("redirect"); NULL when out of range. */
static inline const char *hl_xdp_verdict_name(__u32 verdict)
{
	switch (verdict) {
	case HL_XDP_V_ABORTED:
		return "aborted";
	case HL_XDP_V_DROP:
		return "drop";
	case HL_XDP_V_PASS:
		return "pass";
	case HL_XDP_V_TX:
		return "tx";
	case HL_XDP_V_REDIRECT:
		return "redirect";
	}
	return (const char *)0;
}

#endif /* HINTLB_XDP_ABI_H */
