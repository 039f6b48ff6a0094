/* SPDX-License-Identifier: BSD-3-Clause */
/* The neighbour cache's table: insert, delete (backward shift), flush. */
#include <string.h>

#include "arp_cache.h"

#define MASK (HL_ARP_CACHE_SIZE - 1)

static inline uint32_t home(const struct hl_arp_entry *e)
{
	return ((e->ip * 0x9E3779B1u) ^ e->port) & MASK;
}

void hl_arp_cache_init(struct hl_arp_cache *c)
{
	c->n = 0;
	c->n_pending = 0;
	memset(c->slot, 0, sizeof(c->slot));
}

struct hl_arp_entry *hl_arp_cache_insert(struct hl_arp_cache *c, unsigned port, uint32_t ip)
{
	uint32_t i = ((ip * 0x9E3779B1u) ^ port) & MASK;

	if (c->n >= HL_ARP_CACHE_FILL)
		return NULL;
	while (c->slot[i].state != HL_ARP_FREE)
		i = (i + 1) & MASK;
	memset(&c->slot[i], 0, sizeof(c->slot[i]));
	c->slot[i].ip = ip;
	c->slot[i].port = (uint8_t)port;
	c->slot[i].state = HL_ARP_INCOMPLETE;
	c->n++;
	return &c->slot[i];
}

void hl_arp_cache_delete(struct hl_arp_cache *c, struct hl_arp_entry *e)
{
	uint32_t hole = (uint32_t)(e - c->slot);
	uint32_t i = hole;

	/* Backward shift: pull later entries of the probe run into the hole
	 * when the hole lies between their home slot and where they sit. */
	for (;;) {
		i = (i + 1) & MASK;
		if (c->slot[i].state == HL_ARP_FREE)
			break;
		uint32_t h = home(&c->slot[i]);

		if (((i - h) & MASK) >= ((i - hole) & MASK)) {
			c->slot[hole] = c->slot[i];
			hole = i;
		}
	}
	memset(&c->slot[hole], 0, sizeof(c->slot[hole]));
	c->n--;
}

unsigned hl_arp_cache_flush(struct hl_arp_cache *c)
{
	unsigned freed = 0;

	for (unsigned i = 0; i < HL_ARP_CACHE_SIZE; i++) {
		struct hl_arp_entry *e = &c->slot[i];

		for (unsigned k = 0; k < e->n_pending; k++) {
			rte_pktmbuf_free(e->pending[k]);
			freed++;
		}
	}
	hl_arp_cache_init(c);
	return freed;
}
