/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethernet: accept frames for our MAC or broadcast, hand ARP and IPv4 up
 * with the header stripped; prepend the header on the way out.
 */
#include <rte_byteorder.h>

#include "net.h"

static void eth_input_one(struct hl_worker *w, unsigned port, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh;
	uint16_t type;

	HL_COUNT(w, RX_PKTS);
	HL_COUNT_N(w, RX_BYTES, m->pkt_len);
	if (unlikely(m->data_len < sizeof(*eh))) {
		HL_DROP(w, ETH_TOO_SHORT, m);
		return;
	}
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (!rte_is_same_ether_addr(&eh->dst_addr, &w->net->port[port].mac) &&
	    !rte_is_broadcast_ether_addr(&eh->dst_addr)) {
		HL_DROP(w, ETH_NOT_FOR_US, m);
		return;
	}
	type = eh->ether_type;
	m->l2_len = sizeof(*eh);
	rte_pktmbuf_adj(m, sizeof(*eh));
	if (type == RTE_BE16(RTE_ETHER_TYPE_IPV4))
		hl_ipv4_input(w, port, m);
	else if (type == RTE_BE16(RTE_ETHER_TYPE_ARP))
		hl_arp_input(w, port, m);
	else
		HL_DROP(w, ETH_UNKNOWN_TYPE, m);
}

void hl_eth_input(struct hl_worker *w, unsigned port, struct rte_mbuf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		eth_input_one(w, port, pkts[i]);
	}
}

void hl_eth_output(struct hl_worker *w, unsigned port, struct rte_mbuf *m,
		   const struct rte_ether_addr *dst, uint16_t ethertype)
{
	struct rte_ether_hdr *eh;

	eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eh));
	if (unlikely(eh == NULL)) {
		HL_DROP(w, ETH_NO_HEADROOM, m);
		return;
	}
	rte_ether_addr_copy(dst, &eh->dst_addr);
	rte_ether_addr_copy(&w->net->port[port].mac, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(ethertype);
	m->l2_len = sizeof(*eh);
	hl_tx_enqueue(w, port, m);
}
