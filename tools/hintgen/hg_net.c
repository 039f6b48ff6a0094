/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hintgen's dataplane, built the way hintlb's daemon builds a worker
 * (dataplane/daemon.c) but for one port and one worker on the main lcore:
 * the packet pool, the port (hl_port_start: one queue pair), the read-only
 * address table, the worker struct and its TCP stack. The loop itself is
 * hl_worker_poll(); ARP, IPv4, ICMP and TCP are hintlb's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "arp_cache.h"
#include "hintgen.h"
#include "net.h"
#include "port.h"

int hg_net_start(struct hg *g, char *err, size_t errlen)
{
	const struct hg_opts *o = g->o;
	struct hl_cfg_port cp = {0};
	struct hl_cfg_worker wk = {.rx_desc = 1024, .tx_desc = 1024};
	struct hl_tcp_params tp = HL_TCP_PARAMS_DEFAULT;
	struct hl_net_port *np = &g->net.port[0];
	uint16_t port_id;
	int rc;

	g->hz = rte_get_tsc_hz();
	if (rte_eth_dev_count_avail() != 1) {
		snprintf(err, errlen,
			 "--eal: the EAL made %u ports; hintgen drives exactly one (one --vdev, "
			 "or -a for one PCI device with --no-pci for the rest)",
			 rte_eth_dev_count_avail());
		return -EINVAL;
	}
	RTE_ETH_FOREACH_DEV(port_id)
	break;
	if (rte_eth_dev_get_name_by_port(port_id, cp.name) != 0) {
		snprintf(err, errlen, "port %u: no name", port_id);
		return -ENODEV;
	}
	g->pool = rte_pktmbuf_pool_create("hg_mbufs", o->mbufs, HL_POOL_CACHE, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (g->pool == NULL) {
		snprintf(err, errlen,
			 "--mbufs %u: cannot create the packet pool: %s (give the EAL "
			 "more memory, -m)",
			 o->mbufs, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	memset(&g->net, 0, sizeof(g->net));
	g->net.n_ports = 1;
	g->net.n_workers = 1;
	rc = hl_port_start(&cp, &wk, o->queues, g->pool, np, err, errlen);
	if (rc != 0)
		return rc;
	g->port_started = true;
	np->addr = o->addr;
	np->mask = o->mask;
	np->gateway = o->gateway;
	snprintf(np->name, sizeof(np->name), "%s", cp.name);

	g->w = rte_zmalloc("hg_worker", sizeof(*g->w), RTE_CACHE_LINE_SIZE);
	if (g->w == NULL) {
		snprintf(err, errlen, "worker: out of memory");
		return -ENOMEM;
	}
	g->w->id = 0;
	g->w->lcore = rte_lcore_id();
	g->w->net = &g->net;
	g->w->pool = g->pool;
	g->w->stop = &g->stop;
	g->w->n_rxq = o->queues;
	for (uint16_t q = 0; q < o->queues; q++)
		g->w->rxq[q] = (struct hl_rxq){.port = 0, .port_id = np->port_id, .queue_id = q};
	g->w->txq_id = 0;
	g->w->idle = o->idle;
	g->w->idle_sleep_us = 50;
	g->w->transmit = true;
	hl_worker_init(g->w);
	tp.max_conns = o->max_conns;
	tp.max_syn_rcvd = RTE_MIN(o->max_conns, 16384u);
	/* the client closes first (it is the active closer of --new-connection):
	 * TIME-WAIT must leave the pool room for live connections, the oldest is
	 * recycled beyond this */
	tp.max_time_wait = RTE_MAX(16u, RTE_MIN(o->max_conns / 4, 16384u));
	rc = hl_tcp_create(g->w, &tp);
	if (rc != 0) {
		snprintf(err, errlen, "TCP stack (--max-conns %u): %s", o->max_conns,
			 strerror(-rc));
		return rc;
	}
	return 0;
}

unsigned hg_net_poll(struct hg *g)
{
	return hl_worker_poll(g->w);
}

int hg_net_wait_link(struct hg *g, unsigned timeout_ms, const volatile int *stop)
{
	uint64_t end = rte_rdtsc() + g->hz * timeout_ms / 1000;
	struct rte_eth_link link;

	while (rte_rdtsc() < end && !*stop) {
		if (rte_eth_link_get_nowait(g->net.port[0].port_id, &link) == 0 &&
		    link.link_status == RTE_ETH_LINK_UP)
			return 0;
		hg_net_poll(g);
		rte_delay_us_sleep(1000);
	}
	return -ETIMEDOUT;
}

int hg_net_resolve(struct hg *g, uint32_t ip, unsigned timeout_ms, const volatile int *stop)
{
	uint64_t end = rte_rdtsc() + g->hz * timeout_ms / 1000;
	uint32_t nh;
	int p = hl_net_egress(&g->net, ip, &nh);

	if (p < 0)
		return -EHOSTUNREACH;
	if (hl_arp_want(g->w, (unsigned)p, nh) != 0)
		return -ENOSPC;
	while (rte_rdtsc() < end && !*stop) {
		const struct hl_arp_entry *e = hl_arp_cache_find(&g->w->arp, (unsigned)p, nh);

		if (e != NULL && e->state == HL_ARP_REACHABLE)
			return 0;
		hg_net_poll(g);
		rte_delay_us_sleep(200);
	}
	return -ETIMEDOUT;
}

void hg_net_stop(struct hg *g)
{
	if (g->w != NULL) {
		hl_tcp_free(g->w);
		hl_worker_release(g->w);
		rte_free(g->w);
		g->w = NULL;
	}
	if (g->port_started)
		hl_port_stop(g->net.port[0].port_id);
	g->port_started = false;
	rte_mempool_free(g->pool);
	g->pool = NULL;
}
