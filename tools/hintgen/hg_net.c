/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hintgen's dataplane, built the way hintlb's daemon builds a worker
 * (dataplane/daemon.c) but for one port and one worker on the main lcore:
 * the packet pool, the port (hl_port_start: one queue pair), the read-only
 * address table, the worker struct and its TCP stack. The loop itself is
 * hl_worker_poll(); ARP, IPv4, ICMP and TCP are hintlb's.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
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

/*
 * The packet pool, made by hintlb's own hl_port_pool_create() for a one-port
 * configuration: on net_af_xdp it lays the pool out so DPDK 22.11's UMEM
 * covers every mbuf (see dataplane/port.c; a plain rte_pktmbuf_pool_create()
 * pool loses the frames of mbufs beyond the UMEM) and checks that the rx
 * queues' fill rings leave the client mbufs to work with.
 * @return owned, or NULL with @p err naming --mbufs.
 */
static struct rte_mempool *pool_create(const struct hg_opts *o, const char *port, char *err,
				       size_t errlen)
{
	struct hl_config *pc = calloc(1, sizeof(*pc));
	struct rte_mempool *mp;
	char why[256];

	if (pc == NULL) {
		snprintf(err, errlen, "--mbufs %u: out of memory", o->mbufs);
		return NULL;
	}
	pc->n_ports = 1;
	snprintf(pc->ports[0].name, sizeof(pc->ports[0].name), "%s", port);
	pc->worker.mbufs = o->mbufs;
	mp = hl_port_pool_create(pc, "hg_mbufs", (int)rte_socket_id(), o->queues, why, sizeof(why));
	free(pc);
	if (mp == NULL)
		snprintf(err, errlen, "--mbufs %u: %s", o->mbufs, why);
	return mp;
}

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
	g->pool = pool_create(o, cp.name, err, errlen);
	if (g->pool == NULL)
		return -ENOMEM;
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

/*
 * --idle yield: on a CPU shared with what is being measured (the replicas
 * beside the generator in bench_sweep.sh), hintlb's adaptive idle does not
 * help once requests go out every few tens of microseconds: it sleeps only
 * after 1024 empty polls in a row, so the loop spins, and the kernel's
 * scheduler gives the processes beside it the CPU in slices of
 * milliseconds, which the latencies then measure. sched_yield() after every
 * empty poll hands the CPU to whatever is runnable at once (docs/hintgen.md).
 */
void hg_net_idle(struct hg *g, unsigned work)
{
	if (!g->o->idle_yield) {
		hl_worker_idle(g->w, work);
		return;
	}
	if (work == 0)
		sched_yield();
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
