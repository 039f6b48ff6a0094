/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker's neighbour cache: IPv4 next hop (per port) -> MAC, with the
 * packets waiting for a resolution. Owned by one worker; no locks.
 *
 * Open addressing, linear probing, backward-shift deletion; fixed capacity,
 * allocated with the worker. Bounded: HL_ARP_CACHE_FILL entries, at most
 * HL_ARP_PENDING_PER_NEIGH packets per unresolved neighbour and
 * HL_ARP_PENDING_MAX per worker; past a bound the packet is dropped and
 * counted (arp_cache_full, arp_pending_full).
 */
#ifndef HINTLB_ARP_CACHE_H
#define HINTLB_ARP_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#define HL_ARP_CACHE_SIZE        1024 /* slots, a power of two */
#define HL_ARP_CACHE_FILL        768  /* most entries (75 % load) */
#define HL_ARP_PENDING_PER_NEIGH 4
#define HL_ARP_PENDING_MAX       256
#define HL_ARP_WANT_MAX          64 /* neighbours kept resolved ahead of use */

enum hl_arp_state {
	HL_ARP_FREE = 0,
	HL_ARP_INCOMPLETE, /* request sent, no answer yet */
	HL_ARP_REACHABLE,  /* answered (maybe stale: see arp.c) */
};

/* One neighbour; one cache line. */
struct hl_arp_entry {
	uint32_t ip; /* network byte order */
	uint8_t port;
	uint8_t state; /* enum hl_arp_state */
	uint8_t tries; /* requests sent without an answer */
	uint8_t n_pending;
	struct rte_ether_addr mac;
	uint64_t confirmed; /* tsc of the last answer */
	uint64_t sent;      /* tsc of the last request */
	struct rte_mbuf *pending[HL_ARP_PENDING_PER_NEIGH];
} __rte_aligned(64);

/* A neighbour learned by one worker, handed to the others. */
struct hl_arp_share {
	uint32_t ip;
	uint16_t port;
	struct rte_ether_addr mac;
};

struct hl_arp_cache {
	unsigned n;         /* entries in use */
	unsigned n_pending; /* packets held over all entries */
	unsigned n_want;
	struct {
		uint32_t ip;
		uint16_t port;
	} want[HL_ARP_WANT_MAX];
	struct rte_ring *share_in;                 /* what peers learned (SC), may be NULL */
	struct rte_ring *share_out[RTE_MAX_LCORE]; /* peers' share_in (MP) */
	unsigned n_share_out;
	struct hl_arp_entry slot[HL_ARP_CACHE_SIZE];
};

/* Empty the cache (no pending packets held). */
void hl_arp_cache_init(struct hl_arp_cache *c);

/* The entry for (port, ip), or NULL. Borrowed: valid until the next insert/delete. */
static inline struct hl_arp_entry *hl_arp_cache_find(struct hl_arp_cache *c, unsigned port,
						     uint32_t ip)
{
	uint32_t i = ((ip * 0x9E3779B1u) ^ port) & (HL_ARP_CACHE_SIZE - 1);

	for (;;) {
		struct hl_arp_entry *e = &c->slot[i];

		if (e->state == HL_ARP_FREE)
			return NULL;
		if (e->ip == ip && e->port == port)
			return e;
		i = (i + 1) & (HL_ARP_CACHE_SIZE - 1);
	}
}

/* A new FREE-initialised entry for (port, ip) (which must be absent), or NULL when full. */
struct hl_arp_entry *hl_arp_cache_insert(struct hl_arp_cache *c, unsigned port, uint32_t ip);

/* Remove an entry. Its pending packets must have been taken out first. */
void hl_arp_cache_delete(struct hl_arp_cache *c, struct hl_arp_entry *e);

/* Free every pending packet and empty the cache. @return packets freed. */
unsigned hl_arp_cache_flush(struct hl_arp_cache *c);

#endif /* HINTLB_ARP_CACHE_H */
