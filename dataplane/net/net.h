/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The L2/L3 layers of a worker: Ethernet, ARP, IPv4, ICMP; and the entry
 * points of the TCP stack above them (dataplane/tcp/). Each input takes
 * packets a layer below handed it and *consumes* them: a packet is passed up,
 * turned into a reply and queued for tx, or dropped with a named counter.
 * Outputs consume too. `port` is always the index into the worker's netconf.
 *
 * Where an mbuf's data starts: hl_eth_input at the Ethernet header; every
 * other input and hl_ipv4_output at its own header (the Ethernet header has
 * been stripped with rte_pktmbuf_adj and is prepended again on output).
 */
#ifndef HINTLB_NET_H
#define HINTLB_NET_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "worker.h"

/* Ethernet input for a burst received on @p port. Consumes all @p n packets. */
void hl_eth_input(struct hl_worker *w, unsigned port, struct rte_mbuf **pkts, uint16_t n);

/*
 * Prepend an Ethernet header (our MAC as source) and queue the frame on
 * @p port. Consumes @p m (dropped and counted when there is no headroom).
 */
void hl_eth_output(struct hl_worker *w, unsigned port, struct rte_mbuf *m,
		   const struct rte_ether_addr *dst, uint16_t ethertype);

/* ARP input (data at the ARP header). Consumes @p m. */
void hl_arp_input(struct hl_worker *w, unsigned port, struct rte_mbuf *m);

/*
 * Send an IPv4 packet to next hop @p nexthop on @p port: at once when the
 * neighbour is known, else queued (bounded) while a request goes out.
 * Consumes @p m.
 */
void hl_arp_output(struct hl_worker *w, unsigned port, uint32_t nexthop, struct rte_mbuf *m);

/*
 * Keep (port, ip) resolved ahead of use (gateways, replicas): resolved at the
 * next timer pass and refreshed before it goes stale. @return 0, -ENOSPC.
 */
int hl_arp_want(struct hl_worker *w, unsigned port, uint32_t ip);

/* Timer pass: retry, expire, drop what never resolved, refresh wanted neighbours. */
void hl_arp_tick(struct hl_worker *w);

/* Apply what peer workers learned (their ARP input saw the answer). */
void hl_arp_drain_shared(struct hl_worker *w);

/* IPv4 input (data at the IPv4 header). Consumes @p m. */
void hl_ipv4_input(struct hl_worker *w, unsigned port, struct rte_mbuf *m);

/*
 * Route and send an IPv4 packet whose header is complete except the checksum
 * (computed here). Egress by connected subnet, else the gateway. Consumes @p m.
 */
void hl_ipv4_output(struct hl_worker *w, struct rte_mbuf *m);

/* ICMP input (data at the IPv4 header, validated, destination ours). Consumes @p m. */
void hl_icmp_input(struct hl_worker *w, unsigned port, struct rte_mbuf *m);

/*
 * TCP input (data at the IPv4 header, validated, destination ours; l3_len
 * set), dataplane/tcp/tcp_in.c. Needs w->tcp. Consumes @p m.
 */
void hl_tcp_input(struct hl_worker *w, unsigned port, struct rte_mbuf *m);

/* The TCP timer pass: expire what is due on the wheel at w->now. */
void hl_tcp_timers(struct hl_tcp *t);
/* Process the segments other workers handed to this one (w->tcp_ring_in). @return how many. */
unsigned hl_tcp_handoff_drain(struct hl_worker *w);

#endif /* HINTLB_NET_H */
