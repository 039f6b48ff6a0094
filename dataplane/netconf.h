/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The addresses the dataplane owns and how it leaves: one struct built at
 * start from the configuration and the started ports, then only read by
 * every worker (never written after the workers launch).
 *
 * Per-packet lookups are static inline here; build lives in netconf.c.
 * Addresses are network byte order.
 */
#ifndef HINTLB_NETCONF_H
#define HINTLB_NETCONF_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

#include "hintlb/config.h"

struct hl_rss;

#define HL_PORTS_MAX HL_CFG_PORTS_MAX
#define HL_VIPS_MAX  HL_CFG_LISTENERS_MAX

/* One port as the network layers see it. */
struct hl_net_port {
	uint16_t port_id; /* DPDK ethdev id */
	uint16_t mtu;
	struct rte_ether_addr mac;
	uint32_t addr;
	uint32_t mask;
	uint32_t gateway; /* 0: none */
	char name[HL_CFG_NAME_MAX];
};

struct hl_netconf {
	unsigned n_ports;
	struct hl_net_port port[HL_PORTS_MAX];
	unsigned n_vips;
	uint32_t vip[HL_VIPS_MAX]; /* distinct listener VIPs, answered on every port */
	unsigned n_workers;        /* TCP flows are owned by one of them (hl_tcp_flow_owner) */
	/* Per port: the NIC's RSS when it could be read (NULL: none), and the NIC rx queue
	 * of worker 0's queue (net_af_xdp start_queue); worker i polls rss_queue0 + i. */
	const struct hl_rss *rss[HL_PORTS_MAX];
	uint16_t rss_queue0[HL_PORTS_MAX];
};

/*
 * Fill @p nc from @p cfg: ports in config order (port_id and mac are left for
 * the port setup to fill), VIPs de-duplicated. @return 0 (cannot fail today).
 */
int hl_netconf_build(struct hl_netconf *nc, const struct hl_config *cfg);

static inline bool hl_net_is_vip(const struct hl_netconf *nc, uint32_t ip)
{
	for (unsigned i = 0; i < nc->n_vips; i++)
		if (nc->vip[i] == ip)
			return true;
	return false;
}

/* Does ARP on port @p p answer for @p ip? Its own address and every VIP. */
static inline bool hl_net_arp_owns(const struct hl_netconf *nc, unsigned p, uint32_t ip)
{
	return nc->port[p].addr == ip || hl_net_is_vip(nc, ip);
}

/* Is @p ip one of ours (any port's address or a VIP)? IPv4 input accepts these. */
static inline bool hl_net_is_local(const struct hl_netconf *nc, uint32_t ip)
{
	for (unsigned i = 0; i < nc->n_ports; i++)
		if (nc->port[i].addr == ip)
			return true;
	return hl_net_is_vip(nc, ip);
}

/*
 * Egress for @p dst: the port whose connected subnet holds it (next hop =
 * dst), else the first port (config order) with a gateway (next hop = the
 * gateway). Subnets never overlap (the config refuses it).
 * @return the port index, or -1 (no route).
 */
static inline int hl_net_egress(const struct hl_netconf *nc, uint32_t dst, uint32_t *nexthop)
{
	for (unsigned i = 0; i < nc->n_ports; i++) {
		if ((dst & nc->port[i].mask) == (nc->port[i].addr & nc->port[i].mask)) {
			*nexthop = dst;
			return (int)i;
		}
	}
	for (unsigned i = 0; i < nc->n_ports; i++) {
		if (nc->port[i].gateway != 0) {
			*nexthop = nc->port[i].gateway;
			return (int)i;
		}
	}
	return -1;
}

#endif /* HINTLB_NETCONF_H */
