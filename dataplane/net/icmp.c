/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP (RFC 792): echo requests to any of our addresses (port addresses and
 * VIPs) are answered from the address they were sent to; everything else is
 * counted and dropped. The reply reuses the request's mbuf and its payload is
 * never touched: the ICMP checksum is updated incrementally (RFC 1624).
 */
#include <rte_icmp.h>
#include <rte_ip.h>

#include "net.h"

void hl_icmp_input(struct hl_worker *w, unsigned port, struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint16_t hlen = m->l3_len;
	uint32_t len = m->pkt_len - hlen, sum;
	struct rte_icmp_hdr *icmp;
	uint16_t raw;

	(void)port;
	HL_COUNT(w, ICMP_IN);
	if (unlikely(len < sizeof(*icmp))) {
		HL_DROP(w, ICMP_TOO_SHORT, m);
		return;
	}
	if (unlikely(m->data_len < hlen + sizeof(*icmp))) {
		HL_DROP(w, IPV4_MULTISEG, m);
		return;
	}
	if (unlikely(rte_raw_cksum_mbuf(m, hlen, len, &raw) != 0 || raw != 0xffff)) {
		HL_DROP(w, ICMP_BAD_CKSUM, m);
		return;
	}
	icmp = rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, hlen);
	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || icmp->icmp_code != 0) {
		HL_DROP(w, ICMP_OTHER, m);
		return;
	}
	/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'); the 16-bit word holding
	 * type and code goes from 0x0800 to 0x0000. */
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	sum = (uint32_t)(~rte_be_to_cpu_16(icmp->icmp_cksum) & 0xffff) + (~0x0800u & 0xffff);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	icmp->icmp_cksum = rte_cpu_to_be_16((uint16_t)~sum);

	uint32_t src = ip->src_addr;

	ip->src_addr = ip->dst_addr;
	ip->dst_addr = src;
	ip->time_to_live = 64;
	ip->fragment_offset = 0;
	HL_COUNT(w, ICMP_ECHO_REPLIED);
	hl_ipv4_output(w, m);
}
