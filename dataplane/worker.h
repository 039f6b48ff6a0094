/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker: the state one worker lcore owns, in one cache-aligned struct
 * passed explicitly to every layer (no globals on the packet path), and the
 * loop that runs it (worker.c).
 *
 * Written only by its own lcore while running, except `ctr`, which the main
 * thread reads (relaxed, approximate) to print counters.
 */
#ifndef HINTLB_WORKER_H
#define HINTLB_WORKER_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "hintlb/config.h"
#include "hintlb/counters.h"
#include "hintlb/route.h"
#include "arp_cache.h"
#include "netconf.h"

#define HL_RX_BURST 32
#define HL_TX_BURST 64 /* packets buffered per port before a flush */

/* The packets a worker has queued for one port, flushed once per loop. */
struct hl_txbuf {
	uint16_t n;
	bool stall_told;      /* tx_stalled counted and logged for this stall */
	uint64_t stall_since; /* TSC of the first flush the PMD took nothing of; 0: none */
	struct rte_mbuf *pkts[HL_TX_BURST];
};

/* One rx queue a worker polls. */
struct hl_rxq {
	uint16_t port;    /* index into netconf */
	uint16_t port_id; /* DPDK ethdev id */
	uint16_t queue_id;
};

struct hl_tcp;
struct hl_proxy;

struct hl_worker {
	/* Set before launch, then read-only. */
	unsigned id;    /* 0..n_workers-1 */
	unsigned lcore; /* EAL lcore id */
	const struct hl_netconf *net;
	struct rte_mempool *pool;
	const bool *stop; /* set by the main thread; read relaxed */
	/* graceful stop (hl_daemon_drain): set by the main thread, read relaxed; the
	 * worker then closes its listeners, asks its proxy to drain, and publishes
	 * in drain_left what is still in flight (requests + unacknowledged mbufs) */
	const bool *draining;
	bool drain_seen;
	uint32_t drain_left; /* atomic; UINT32_MAX until the worker saw the drain */
	unsigned n_rxq;
	struct hl_rxq rxq[HL_PORTS_MAX];
	uint16_t txq_id; /* this worker's tx queue on every port */
	enum hl_idle_mode idle;
	uint32_t idle_sleep_us;
	uint64_t tsc_hz;
	uint64_t tick_tsc; /* period of the timer pass */
	bool transmit;     /* false in unit tests: tx buffers are inspected, not sent */

	/* Written by the worker. */
	uint64_t now; /* rte_rdtsc() at the top of the loop iteration */
	uint64_t next_tick;
	uint32_t empty_polls;
	struct hl_route_worker route;
	bool route_registered;
	struct hl_tcp *tcp;     /* the TCP stack (hl_tcp_create), NULL without listeners */
	struct hl_proxy *proxy; /* the HTTP proxy (hl_proxy_create), NULL without http listeners */
	/* Several workers: segments others received for flows we own (MP/SC), and every
	 * worker's such ring by worker id (the daemon's array). NULL with one worker. */
	struct rte_ring *tcp_ring_in;
	struct rte_ring *const *tcp_rings;

	uint64_t ctr[HL_CTR_COUNT] __rte_cache_aligned;
	struct hl_txbuf tx[HL_PORTS_MAX] __rte_cache_aligned;
	struct hl_arp_cache arp __rte_cache_aligned;
} __rte_cache_aligned;

#define HL_COUNT(w, id)      ((w)->ctr[HL_CTR_##id]++)
#define HL_COUNT_N(w, id, n) ((w)->ctr[HL_CTR_##id] += (n))

/* Count a drop and free the packet. Consumes @p m. */
#define HL_DROP(w, id, m)                                                                          \
	do {                                                                                       \
		HL_COUNT(w, id);                                                                   \
		rte_pktmbuf_free(m);                                                               \
	} while (0)

/* Count and log (once per stall) a tx queue the PMD has taken nothing from
 * for a second: a peer that stopped reading, or a net_memif peer with fewer
 * queues than hintlb has workers (see hl_port_start). Cold path. */
void hl_tx_stalled(struct hl_worker *w, unsigned p);

/*
 * Send what port @p p's buffer holds; what the PMD refuses stays for the next
 * flush (counted tx_pmd_busy), never dropped here. TX_PKTS counts what
 * rte_eth_tx_burst() accepted; for net_af_xdp that is what reached its tx
 * ring, and every such frame leaves (see hl_port_pool_create for the one
 * case where it did not).
 */
static inline void hl_tx_flush_port(struct hl_worker *w, unsigned p)
{
	struct hl_txbuf *b = &w->tx[p];
	uint16_t sent, i;
	uint64_t bytes = 0;

	if (b->n == 0 || !w->transmit)
		return;
	uint64_t t0 = rte_rdtsc();

	for (i = 0; i < b->n; i++)
		bytes += b->pkts[i]->pkt_len;
	sent = rte_eth_tx_burst(w->net->port[p].port_id, w->txq_id, b->pkts, b->n);
	HL_COUNT_N(w, PMD_CYCLES, rte_rdtsc() - t0);
	for (i = sent; i < b->n; i++)
		bytes -= b->pkts[i]->pkt_len;
	HL_COUNT_N(w, TX_PKTS, sent);
	HL_COUNT_N(w, TX_BYTES, bytes);
	if (sent < b->n) {
		HL_COUNT(w, TX_PMD_BUSY);
		memmove(b->pkts, b->pkts + sent, (size_t)(b->n - sent) * sizeof(b->pkts[0]));
	}
	b->n = (uint16_t)(b->n - sent);
	if (sent > 0) {
		if (unlikely(b->stall_since != 0)) /* the usual flush writes nothing here */
			b->stall_since = 0, b->stall_told = false;
	} else if (b->stall_since == 0)
		b->stall_since = t0;
	else if (!b->stall_told && t0 - b->stall_since > w->tsc_hz)
		hl_tx_stalled(w, p);
}

/* Queue a finished frame for port @p p. Consumes @p m (sent later, or dropped and counted). */
static inline void hl_tx_enqueue(struct hl_worker *w, unsigned p, struct rte_mbuf *m)
{
	struct hl_txbuf *b = &w->tx[p];

	if (b->n == HL_TX_BURST)
		hl_tx_flush_port(w, p);
	if (b->n == HL_TX_BURST) {
		HL_DROP(w, TX_DROP_FULL, m);
		return;
	}
	b->pkts[b->n++] = m;
}

/* Flush every port's buffer. */
static inline void hl_tx_flush(struct hl_worker *w)
{
	for (unsigned p = 0; p < w->net->n_ports; p++)
		hl_tx_flush_port(w, p);
}

/*
 * Prepare a worker before launch: counters zero, empty cache and buffers.
 * The caller fills id, lcore, net, pool, stop, rxq, txq_id and idle first.
 */
void hl_worker_init(struct hl_worker *w);

/* Free every packet the worker still holds (tx buffers, ARP pending). @return packets freed. */
unsigned hl_worker_release(struct hl_worker *w);

/* The lcore entry point (rte_eal_remote_launch): loop until *w->stop. @p arg is the worker. */
int hl_worker_main(void *arg);

/* One loop iteration without idling: rx, dispatch, timers, tx flush, quiescence. @return packets
 * received. */
unsigned hl_worker_poll(struct hl_worker *w);

/*
 * The idle policy after a loop iteration that found @p got units of work
 * (packets, or anything else the caller did): nothing with `idle = poll` or
 * work; else spin, pause, then sleep as the file comment of worker.c says. For
 * loops other than hl_worker_main (hintgen's) that call hl_worker_poll().
 */
void hl_worker_idle(struct hl_worker *w, unsigned got);

#endif /* HINTLB_WORKER_H */
