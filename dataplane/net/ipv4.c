/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 input validation (RFC 791, RFC 1122 3.2.1) and output. Input checks,
 * in order, each with its own counter: header length, version, IHL, total
 * length against the frame (Ethernet padding is trimmed), header checksum,
 * TTL, fragments (not reassembled: dropped and counted), source sanity,
 * destination ours. Then ICMP and TCP go up (TCP only when the worker has
 * a stack: no listeners, no stack, `ipv4_tcp_no_stack`).
 */
#include <rte_ip.h>

#include "cksum.h"
#include "net.h"

/* Sources no host may use: 0/8, 127/8, multicast, 240/4 and broadcast. */
static inline bool bad_source(const struct hl_netconf *nc, uint32_t src)
{
	uint32_t h = rte_be_to_cpu_32(src);

	return (h >> 24) == 0 || (h >> 24) == 127 || (h >> 28) >= 0xe || hl_net_is_local(nc, src);
}

void hl_ipv4_input(struct hl_worker *w, unsigned port, struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip;
	uint16_t hlen, tlen;

	HL_COUNT(w, IPV4_IN);
	if (unlikely(m->pkt_len < sizeof(*ip))) {
		HL_DROP(w, IPV4_TOO_SHORT, m);
		return;
	}
	if (unlikely(m->data_len < sizeof(*ip))) {
		HL_DROP(w, IPV4_MULTISEG, m);
		return;
	}
	ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	if (unlikely((ip->version_ihl >> 4) != 4)) {
		HL_DROP(w, IPV4_BAD_VERSION, m);
		return;
	}
	hlen = rte_ipv4_hdr_len(ip);
	if (unlikely(hlen < sizeof(*ip) || hlen > m->data_len)) {
		HL_DROP(w, IPV4_BAD_HLEN, m);
		return;
	}
	tlen = rte_be_to_cpu_16(ip->total_length);
	if (unlikely(tlen < hlen || tlen > m->pkt_len)) {
		HL_DROP(w, IPV4_BAD_LEN, m);
		return;
	}
	if (!(m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_GOOD) && unlikely(hl_ipv4_hdr_cksum(ip) != 0)) {
		/* the checksum over a header holding its checksum yields 0 when valid */
		HL_DROP(w, IPV4_BAD_CKSUM, m);
		return;
	}
	if (unlikely(ip->time_to_live == 0)) {
		HL_DROP(w, IPV4_TTL_ZERO, m);
		return;
	}
	if (unlikely((ip->fragment_offset &
		      RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0)) {
		HL_DROP(w, IPV4_FRAGMENT, m);
		return;
	}
	if (unlikely(bad_source(w->net, ip->src_addr))) {
		HL_DROP(w, IPV4_BAD_SRC, m);
		return;
	}
	if (unlikely(!hl_net_is_local(w->net, ip->dst_addr))) {
		HL_DROP(w, IPV4_NOT_LOCAL, m);
		return;
	}
	if (tlen < m->pkt_len)
		rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - tlen));
	m->l3_len = hlen;
	switch (ip->next_proto_id) {
	case IPPROTO_ICMP:
		hl_icmp_input(w, port, m);
		break;
	case IPPROTO_TCP:
		if (likely(w->tcp != NULL))
			hl_tcp_input(w, port, m);
		else
			HL_DROP(w, IPV4_TCP_NO_STACK, m);
		break;
	default:
		HL_DROP(w, IPV4_PROTO_UNSUPPORTED, m);
		break;
	}
}

void hl_ipv4_output(struct hl_worker *w, struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint32_t nexthop;
	int port = hl_net_egress(w->net, ip->dst_addr, &nexthop);

	if (unlikely(port < 0)) {
		HL_DROP(w, IPV4_NO_ROUTE, m);
		return;
	}
	ip->hdr_checksum = 0;
	ip->hdr_checksum = hl_ipv4_hdr_cksum(ip);
	m->l3_len = rte_ipv4_hdr_len(ip);
	hl_arp_output(w, (unsigned)port, nexthop, m);
}
