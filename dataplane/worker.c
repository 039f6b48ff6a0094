/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker loop: rx burst per queue, dispatch by layer, neighbours learned
 * by peers, timers, tx flush, RCU quiescent report, idle. One worker per
 * worker lcore; run to completion; nothing shared is written. The TCP
 * timer wheel runs every iteration (1 ms slots; a compare when idle).
 *
 * Adaptive idle: after HL_IDLE_SPIN empty polls the loop pauses between
 * polls; from HL_IDLE_PAUSE empty polls on it sleeps idle_sleep_us per empty
 * poll, and after 2000 such sleeps (a quiet spell of a few hundred ms) 1 ms
 * per poll. The first packet returns it to spinning. On a shared two-core
 * machine an idle worker then costs about 1-2 % of a core; the price is up to
 * 1 ms of extra latency on the first packet after a quiet spell (up to
 * idle_sleep_us while traffic trickles). `idle = poll` never sleeps.
 */
#include <time.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_pause.h>

#include "hintlb/log.h"

#include "net.h"
#include "proxy.h"
#include "worker.h"

#define HL_IDLE_SPIN    64                     /* empty polls before pausing */
#define HL_IDLE_PAUSE   1024                   /* empty polls (total) before sleeping */
#define HL_IDLE_DEEP    (HL_IDLE_PAUSE + 2000) /* empty polls before deep sleeps */
#define HL_IDLE_DEEP_US 1000                   /* deep sleep (or idle_sleep_us if longer) */
#define HL_TICK_MS      100                    /* timer pass period */

void hl_tx_stalled(struct hl_worker *w, unsigned p)
{
	struct hl_txbuf *b = &w->tx[p];

	b->stall_told = true;
	HL_COUNT(w, TX_STALLED);
	HL_LOG(WARNING,
	       "worker %u: port %s tx queue %u has taken no packet for 1 s (%u waiting; counted "
	       "tx_stalled): the peer stopped reading%s\n",
	       w->id, w->net->port[p].name, w->txq_id, b->n,
	       w->txq_id > 0 ? ", or has fewer queues than hintlb has workers (a net_memif "
			       "peer must open one queue pair per worker)"
			     : "");
}

void hl_worker_init(struct hl_worker *w)
{
	memset(w->ctr, 0, sizeof(w->ctr));
	memset(w->tx, 0, sizeof(w->tx));
	hl_arp_cache_init(&w->arp);
	w->tsc_hz = rte_get_tsc_hz();
	w->tick_tsc = w->tsc_hz * HL_TICK_MS / 1000;
	w->now = rte_rdtsc();
	w->next_tick = w->now;
	w->empty_polls = 0;
}

unsigned hl_worker_release(struct hl_worker *w)
{
	unsigned freed = hl_arp_cache_flush(&w->arp);

	for (unsigned p = 0; p < HL_PORTS_MAX; p++) {
		for (unsigned i = 0; i < w->tx[p].n; i++)
			rte_pktmbuf_free(w->tx[p].pkts[i]);
		freed += w->tx[p].n;
		w->tx[p].n = 0;
	}
	return freed;
}

/* Graceful stop: no new connections; clients closed once their response is out (idle
 * ones now; see hl_proxy_drain); publish what is left: client connections not closed
 * yet, requests in progress and mbufs not yet acknowledged by a peer (a response is
 * only delivered when acknowledged). */
static void worker_drain(struct hl_worker *w)
{
	uint32_t clients = 0, servers = 0, reqs = 0;

	if (!w->drain_seen) {
		w->drain_seen = true;
		if (w->tcp != NULL)
			hl_tcp_close_listeners(w->tcp);
		if (w->proxy != NULL)
			hl_proxy_drain(w->proxy);
	}
	if (w->proxy != NULL)
		hl_proxy_in_use(w->proxy, &clients, &servers, &reqs);
	/* client connections count until closed: a kept-alive one lingers briefly */
	__atomic_store_n(&w->drain_left,
			 clients + reqs + (w->tcp != NULL ? hl_tcp_unacked(w->tcp) : 0),
			 __ATOMIC_RELAXED);
}

unsigned hl_worker_poll(struct hl_worker *w)
{
	struct rte_mbuf *pkts[HL_RX_BURST];
	unsigned total = 0;

	w->now = rte_rdtsc();
	HL_COUNT(w, LOOPS);
	for (unsigned q = 0; q < w->n_rxq; q++) {
		const struct hl_rxq *rq = &w->rxq[q];
		uint64_t t0 = rte_rdtsc();
		uint16_t n = rte_eth_rx_burst(rq->port_id, rq->queue_id, pkts, HL_RX_BURST);

		if (n != 0) {
			HL_COUNT_N(w, PMD_CYCLES, rte_rdtsc() - t0);
			hl_eth_input(w, rq->port, pkts, n);
		}
		total += n;
	}
	if (w->tcp_ring_in != NULL)
		total += hl_tcp_handoff_drain(w);
	hl_arp_drain_shared(w);
	if (w->now >= w->next_tick) {
		hl_arp_tick(w);
		w->next_tick = w->now + w->tick_tsc;
	}
	if (w->tcp != NULL)
		hl_tcp_timers(w->tcp);
	if (w->proxy != NULL)
		hl_proxy_timers(w->proxy);
	hl_tx_flush(w);
	if (w->route_registered)
		hl_route_quiescent(&w->route);
	if (unlikely(w->draining != NULL && __atomic_load_n(w->draining, __ATOMIC_RELAXED)))
		worker_drain(w);
	if (total != 0) { /* cycles per request = busy_cycles / requests (bench_proxy.sh) */
		HL_COUNT_N(w, BUSY_CYCLES, rte_rdtsc() - w->now);
		HL_COUNT(w, BUSY_LOOPS);
	}
	return total;
}

void hl_worker_idle(struct hl_worker *w, unsigned got)
{
	struct timespec ts;

	if (got != 0 || w->idle == HL_IDLE_POLL) {
		w->empty_polls = 0;
		return;
	}
	if (++w->empty_polls < HL_IDLE_SPIN)
		return;
	if (w->empty_polls < HL_IDLE_PAUSE) {
		rte_pause();
		return;
	}
	if (w->empty_polls >= HL_IDLE_DEEP) {
		w->empty_polls = HL_IDLE_DEEP; /* no wrap */
		ts.tv_nsec = (long)RTE_MAX(w->idle_sleep_us, (uint32_t)HL_IDLE_DEEP_US) * 1000;
	} else {
		ts.tv_nsec = (long)w->idle_sleep_us * 1000;
	}
	ts.tv_sec = 0;
	HL_COUNT(w, IDLE_SLEEPS);
	nanosleep(&ts, NULL);
}

int hl_worker_main(void *arg)
{
	struct hl_worker *w = arg;

	while (!__atomic_load_n(w->stop, __ATOMIC_RELAXED))
		hl_worker_idle(w, hl_worker_poll(w));
	/* last flush: replies computed in the final iteration still go out */
	hl_tx_flush(w);
	return 0;
}
