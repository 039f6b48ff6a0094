/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP (RFC 826) for a worker: the responder (our port addresses and every
 * VIP), the resolver (cache, bounded pending queue, retries) and the timer
 * pass. Neighbours a worker learns are handed to its peers through rings so
 * an answer that lands on one worker's queue resolves them all.
 *
 * Timing, as multiples of the worker's TSC rate:
 *  - an unanswered request is retried every HL_ARP_RETRY_MS, HL_ARP_TRIES
 *    times, then the neighbour is dropped with its pending packets;
 *  - an answer is trusted for HL_ARP_REACHABLE_S; after that the entry is
 *    still used but each use (or the timer, for wanted neighbours) sends a
 *    refresh request, and HL_ARP_TRIES unanswered refreshes remove it;
 *  - an entry nobody refreshed goes away after HL_ARP_GC_S.
 */
#include <errno.h>

#include <rte_arp.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "net.h"

#define HL_ARP_RETRY_MS    1000
#define HL_ARP_TRIES       3
#define HL_ARP_REACHABLE_S 30
#define HL_ARP_GC_S        600

static void arp_send_request(struct hl_worker *w, unsigned port, uint32_t ip)
{
	const struct hl_net_port *p = &w->net->port[port];
	struct rte_arp_hdr *ah;
	struct rte_ether_addr bcast;
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);

	if (unlikely(m == NULL)) {
		HL_COUNT(w, ARP_NO_MBUF);
		return;
	}
	ah = (struct rte_arp_hdr *)rte_pktmbuf_append(m, sizeof(*ah));
	ah->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	ah->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ah->arp_hlen = RTE_ETHER_ADDR_LEN;
	ah->arp_plen = 4;
	ah->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(&p->mac, &ah->arp_data.arp_sha);
	ah->arp_data.arp_sip = p->addr;
	memset(&ah->arp_data.arp_tha, 0, sizeof(ah->arp_data.arp_tha));
	ah->arp_data.arp_tip = ip;
	memset(&bcast, 0xff, sizeof(bcast));
	HL_COUNT(w, ARP_REQUEST_OUT);
	hl_eth_output(w, port, m, &bcast, RTE_ETHER_TYPE_ARP);
}

static void arp_share(struct hl_worker *w, unsigned port, uint32_t ip,
		      const struct rte_ether_addr *mac)
{
	struct hl_arp_share s = {.ip = ip, .port = (uint16_t)port};

	rte_ether_addr_copy(mac, &s.mac);
	for (unsigned i = 0; i < w->arp.n_share_out; i++)
		if (rte_ring_enqueue_elem(w->arp.share_out[i], &s, sizeof(s)) != 0)
			HL_COUNT(w, ARP_SHARE_FULL);
}

/* Record an answer for (port, ip): create or update, then send what waited. */
static void arp_learn(struct hl_worker *w, unsigned port, uint32_t ip,
		      const struct rte_ether_addr *mac, struct hl_arp_entry *e, bool share)
{
	struct hl_arp_cache *c = &w->arp;
	unsigned n;

	if (e == NULL) {
		e = hl_arp_cache_insert(c, port, ip);
		if (e == NULL) {
			HL_COUNT(w, ARP_CACHE_FULL);
			return;
		}
	}
	if (e->state != HL_ARP_REACHABLE || !rte_is_same_ether_addr(&e->mac, mac))
		HL_COUNT(w, ARP_LEARNED);
	rte_ether_addr_copy(mac, &e->mac);
	e->state = HL_ARP_REACHABLE;
	e->confirmed = w->now;
	e->tries = 0;
	n = e->n_pending;
	e->n_pending = 0;
	c->n_pending -= n;
	for (unsigned k = 0; k < n; k++)
		hl_eth_output(w, port, e->pending[k], mac, RTE_ETHER_TYPE_IPV4);
	if (share)
		arp_share(w, port, ip, mac);
}

static bool arp_valid(const struct rte_arp_hdr *ah)
{
	const struct rte_ether_addr *sha = &ah->arp_data.arp_sha;

	return ah->arp_hardware == RTE_BE16(RTE_ARP_HRD_ETHER) &&
	       ah->arp_protocol == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
	       ah->arp_hlen == RTE_ETHER_ADDR_LEN && ah->arp_plen == 4 &&
	       (ah->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST) ||
		ah->arp_opcode == RTE_BE16(RTE_ARP_OP_REPLY)) &&
	       rte_is_valid_assigned_ether_addr(sha);
}

void hl_arp_input(struct hl_worker *w, unsigned port, struct rte_mbuf *m)
{
	const struct hl_net_port *p = &w->net->port[port];
	struct rte_arp_hdr *ah;
	struct hl_arp_entry *e = NULL;
	uint32_t sip, tip;

	HL_COUNT(w, ARP_IN);
	if (unlikely(m->data_len < sizeof(*ah))) {
		HL_DROP(w, ARP_MALFORMED, m);
		return;
	}
	ah = rte_pktmbuf_mtod(m, struct rte_arp_hdr *);
	if (unlikely(!arp_valid(ah))) {
		HL_DROP(w, ARP_MALFORMED, m);
		return;
	}
	sip = ah->arp_data.arp_sip;
	tip = ah->arp_data.arp_tip;
	/* RFC 826 "merge": refresh a neighbour we already know, whoever it asks for. */
	if (sip != 0)
		e = hl_arp_cache_find(&w->arp, port, sip);
	if (e != NULL)
		arp_learn(w, port, sip, &ah->arp_data.arp_sha, e, true);
	if (!hl_net_arp_owns(w->net, port, tip)) {
		HL_DROP(w, ARP_NOT_FOR_US, m);
		return;
	}
	/* Asked by (or answering) a host on our subnet: it will be a next hop. */
	if (e == NULL && sip != 0 && (sip & p->mask) == (p->addr & p->mask) && sip != p->addr)
		arp_learn(w, port, sip, &ah->arp_data.arp_sha, NULL, true);
	if (ah->arp_opcode == RTE_BE16(RTE_ARP_OP_REPLY)) {
		HL_COUNT(w, ARP_REPLY_IN);
		rte_pktmbuf_free(m);
		return;
	}
	HL_COUNT(w, ARP_REQUEST_IN);
	/* Answer in place: the requester becomes the target. */
	ah->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	rte_ether_addr_copy(&ah->arp_data.arp_sha, &ah->arp_data.arp_tha);
	ah->arp_data.arp_tip = sip;
	rte_ether_addr_copy(&p->mac, &ah->arp_data.arp_sha);
	ah->arp_data.arp_sip = tip;
	rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - sizeof(*ah))); /* drop Ethernet padding */
	HL_COUNT(w, ARP_REPLY_OUT);
	hl_eth_output(w, port, m, &ah->arp_data.arp_tha, RTE_ETHER_TYPE_ARP);
}

static uint64_t ms_tsc(const struct hl_worker *w, uint64_t ms)
{
	return w->tsc_hz * ms / 1000;
}

/* Send a request for @p e unless one went out less than a retry interval ago. */
static void arp_solicit(struct hl_worker *w, struct hl_arp_entry *e)
{
	if (e->tries != 0 && w->now - e->sent < ms_tsc(w, HL_ARP_RETRY_MS))
		return;
	if (e->tries >= HL_ARP_TRIES)
		return; /* given up: the timer pass removes it */
	e->tries++;
	e->sent = w->now;
	arp_send_request(w, e->port, e->ip);
}

static bool arp_stale(const struct hl_worker *w, const struct hl_arp_entry *e)
{
	return w->now - e->confirmed >= ms_tsc(w, HL_ARP_REACHABLE_S * 1000);
}

void hl_arp_output(struct hl_worker *w, unsigned port, uint32_t nexthop, struct rte_mbuf *m)
{
	struct hl_arp_cache *c = &w->arp;
	struct hl_arp_entry *e = hl_arp_cache_find(c, port, nexthop);

	if (likely(e != NULL && e->state == HL_ARP_REACHABLE)) {
		if (unlikely(arp_stale(w, e)))
			arp_solicit(w, e);
		hl_eth_output(w, port, m, &e->mac, RTE_ETHER_TYPE_IPV4);
		return;
	}
	if (e == NULL) {
		e = hl_arp_cache_insert(c, port, nexthop);
		if (e == NULL) {
			HL_DROP(w, ARP_CACHE_FULL, m);
			return;
		}
	}
	if (e->n_pending >= HL_ARP_PENDING_PER_NEIGH || c->n_pending >= HL_ARP_PENDING_MAX) {
		HL_DROP(w, ARP_PENDING_FULL, m);
	} else {
		e->pending[e->n_pending++] = m;
		c->n_pending++;
	}
	arp_solicit(w, e);
}

int hl_arp_want(struct hl_worker *w, unsigned port, uint32_t ip)
{
	struct hl_arp_cache *c = &w->arp;

	for (unsigned i = 0; i < c->n_want; i++)
		if (c->want[i].ip == ip && c->want[i].port == port)
			return 0;
	if (c->n_want >= HL_ARP_WANT_MAX)
		return -ENOSPC;
	c->want[c->n_want].ip = ip;
	c->want[c->n_want].port = (uint16_t)port;
	c->n_want++;
	return 0;
}

/* Timer work for one entry. @return true when the entry was deleted. */
static bool arp_tick_entry(struct hl_worker *w, struct hl_arp_entry *e)
{
	struct hl_arp_cache *c = &w->arp;
	bool retry_due = w->now - e->sent >= ms_tsc(w, HL_ARP_RETRY_MS);

	if (e->state == HL_ARP_INCOMPLETE && retry_due) {
		if (e->tries < HL_ARP_TRIES) {
			arp_solicit(w, e);
			return false;
		}
		for (unsigned k = 0; k < e->n_pending; k++)
			HL_DROP(w, ARP_UNRESOLVED, e->pending[k]);
		c->n_pending -= e->n_pending;
		e->n_pending = 0;
		hl_arp_cache_delete(c, e);
		return true;
	}
	if (e->state == HL_ARP_REACHABLE &&
	    ((e->tries >= HL_ARP_TRIES && retry_due) ||
	     w->now - e->confirmed >= ms_tsc(w, HL_ARP_GC_S * 1000))) {
		hl_arp_cache_delete(c, e);
		return true;
	}
	return false;
}

void hl_arp_tick(struct hl_worker *w)
{
	struct hl_arp_cache *c = &w->arp;
	unsigned i = 0;

	while (i < HL_ARP_CACHE_SIZE) {
		/* a delete shifts a later entry into slot i: look at it again */
		if (c->slot[i].state == HL_ARP_FREE || !arp_tick_entry(w, &c->slot[i]))
			i++;
	}
	for (unsigned k = 0; k < c->n_want; k++) {
		struct hl_arp_entry *e = hl_arp_cache_find(c, c->want[k].port, c->want[k].ip);

		if (e == NULL) {
			e = hl_arp_cache_insert(c, c->want[k].port, c->want[k].ip);
			if (e == NULL) {
				HL_COUNT(w, ARP_CACHE_FULL);
				continue;
			}
			arp_solicit(w, e);
		} else if (e->state == HL_ARP_REACHABLE && arp_stale(w, e)) {
			arp_solicit(w, e);
		}
	}
}

void hl_arp_drain_shared(struct hl_worker *w)
{
	struct hl_arp_share s[16];
	unsigned n;

	if (w->arp.share_in == NULL)
		return;
	n = rte_ring_dequeue_burst_elem(w->arp.share_in, s, sizeof(s[0]), RTE_DIM(s), NULL);
	for (unsigned i = 0; i < n; i++) {
		if (s[i].port >= w->net->n_ports)
			continue;
		arp_learn(w, s[i].port, s[i].ip, &s[i].mac,
			  hl_arp_cache_find(&w->arp, s[i].port, s[i].ip), false);
	}
}
