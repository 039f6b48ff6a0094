/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Per-worker dataplane counters: one enum, one name per entry.
 *
 * Every drop and every error path on a worker bumps exactly one of these.
 * The values are part of the control protocol and of saved metrics: entries
 * are only ever appended, never renumbered or removed (retire one by leaving
 * it in place). Names are stable too: tests and dashboards match them.
 */
#ifndef HINTLB_COUNTERS_H
#define HINTLB_COUNTERS_H

#ifdef __cplusplus
extern "C" {
#endif

/* X(ENUM_SUFFIX, "name"): append only. */
#define HL_COUNTERS(X)                                                                             \
	X(RX_PKTS, "rx_pkts")                   /* packets received (all ports) */                 \
	X(RX_BYTES, "rx_bytes")                 /* bytes received */                               \
	X(TX_PKTS, "tx_pkts")                   /* packets the PMD accepted */                     \
	X(TX_BYTES, "tx_bytes")                 /* bytes the PMD accepted */                       \
	X(TX_DROP_FULL, "tx_drop_full")         /* tx buffer full and PMD busy: freed */           \
	X(LOOPS, "loops")                       /* worker loop iterations */                       \
	X(IDLE_SLEEPS, "idle_sleeps")           /* adaptive idle: sleeps taken */                  \
	X(ETH_TOO_SHORT, "eth_too_short")       /* shorter than an Ethernet header */              \
	X(ETH_NOT_FOR_US, "eth_not_for_us")     /* dst MAC neither ours nor broadcast */           \
	X(ETH_UNKNOWN_TYPE, "eth_unknown_type") /* neither ARP nor IPv4 (VLAN, IPv6, ...) */       \
	X(ETH_NO_HEADROOM, "eth_no_headroom")   /* output: no room to prepend the header */        \
	X(ARP_IN, "arp_in")                     /* ARP packets received */                         \
	X(ARP_MALFORMED, "arp_malformed")       /* not Ethernet/IPv4 ARP, or short */              \
	X(ARP_NOT_FOR_US, "arp_not_for_us")     /* target is none of our addresses */              \
	X(ARP_REQUEST_IN, "arp_request_in")     /* requests for our addresses */                   \
	X(ARP_REPLY_IN, "arp_reply_in")         /* replies to us */                                \
	X(ARP_REPLY_OUT, "arp_reply_out")       /* replies sent */                                 \
	X(ARP_REQUEST_OUT, "arp_request_out")   /* requests sent (resolution, refresh) */          \
	X(ARP_LEARNED, "arp_learned")           /* neighbour entries created or changed */         \
	X(ARP_CACHE_FULL, "arp_cache_full")     /* no room for a new neighbour */                  \
	X(ARP_PENDING_FULL, "arp_pending_full") /* packet awaiting resolution: queue full */       \
	X(ARP_UNRESOLVED, "arp_unresolved")     /* packet dropped: neighbour never answered */     \
	X(ARP_NO_MBUF, "arp_no_mbuf")           /* could not allocate a request */                 \
	X(ARP_SHARE_FULL, "arp_share_full")     /* a peer worker's neighbour ring was full */      \
	X(IPV4_IN, "ipv4_in")                   /* IPv4 packets received */                        \
	X(IPV4_TOO_SHORT, "ipv4_too_short")     /* shorter than an IPv4 header */                  \
	X(IPV4_BAD_VERSION, "ipv4_bad_version") /* version is not 4 */                             \
	X(IPV4_BAD_HLEN, "ipv4_bad_hlen")       /* IHL < 5 or beyond the packet */                 \
	X(IPV4_BAD_LEN, "ipv4_bad_len")         /* total length < IHL or beyond the frame */       \
	X(IPV4_BAD_CKSUM, "ipv4_bad_cksum")     /* header checksum wrong */                        \
	X(IPV4_TTL_ZERO, "ipv4_ttl_zero")       /* TTL 0 */                                        \
	X(IPV4_FRAGMENT, "ipv4_fragment")       /* MF set or offset > 0: not reassembled */        \
	X(IPV4_BAD_SRC, "ipv4_bad_src")         /* source 0/loopback/multicast/broadcast/ours */   \
	X(IPV4_NOT_LOCAL, "ipv4_not_local")     /* destination is none of our addresses */         \
	X(IPV4_NO_ROUTE, "ipv4_no_route")       /* output: no connected subnet, no gateway */      \
	X(IPV4_PROTO_UNSUPPORTED, "ipv4_proto_unsupported") /* not ICMP or TCP */                  \
	X(IPV4_TCP_NO_STACK, "ipv4_tcp_no_stack")           /* TCP: the stack is not there yet */  \
	X(IPV4_MULTISEG, "ipv4_multiseg")                   /* header not in the first segment */  \
	X(ICMP_IN, "icmp_in")                               /* ICMP messages received */           \
	X(ICMP_TOO_SHORT, "icmp_too_short")                 /* shorter than an ICMP header */      \
	X(ICMP_BAD_CKSUM, "icmp_bad_cksum")                 /* ICMP checksum wrong */              \
	X(ICMP_ECHO_REPLIED, "icmp_echo_replied")           /* echo requests answered */           \
	X(ICMP_OTHER, "icmp_other")                         /* types we do not handle: dropped */

/** Counter ids. Never renumbered. */
enum hl_counter {
#define HL_COUNTER_ENUM_(id, name) HL_CTR_##id,
	HL_COUNTERS(HL_COUNTER_ENUM_)
#undef HL_COUNTER_ENUM_
		HL_CTR_COUNT
};

/** The stable name of a counter ("ipv4_bad_cksum"), or "?" when out of range. */
static inline const char *hl_counter_name(unsigned id)
{
	static const char *const names[] = {
#define HL_COUNTER_NAME_(id, name) name,
		HL_COUNTERS(HL_COUNTER_NAME_)
#undef HL_COUNTER_NAME_
	};
	return id < HL_CTR_COUNT ? names[id] : "?";
}

#ifdef __cplusplus
}
#endif
#endif /* HINTLB_COUNTERS_H */
