/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP proxy as the daemon and the worker loop see it (docs/ARCHITECTURE.md,
 * "The HTTP proxy"). One proxy per worker, created before launch, driven by
 * the TCP stack's callbacks (hl_proxy_client_app) and by hl_proxy_timers()
 * once per loop iteration.
 */
#ifndef HINTLB_PROXY_H
#define HINTLB_PROXY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_mempool.h>
#include <rte_ring.h>

#include "hintlb/config.h"
#include "hintlb/ctrl_msg.h"
#include "hintlb/tcp.h"

struct hl_worker;
struct hl_proxy;

/* What the workers' proxies share: the control thread's ring and message pool. */
struct hl_proxy_shared {
	struct rte_ring *to_ctrl; /* MP/SC: struct hl_ctrl_msg pointers */
	struct rte_mempool *msgs; /* MP/MC: struct hl_ctrl_msg */
	int wake_fd;              /* eventfd: a worker queued a message (-1: none) */
};

/* Latency buckets: [2^i, 2^(i+1)) µs. */
#define HL_PROXY_LAT_BUCKETS 32

/* Per worker and replica; written by the worker, read relaxed by the main thread. */
struct hl_proxy_replica_stats { /* only uint64_t fields: summed word by word */
	uint64_t requests;      /* requests sent to it (retries included) */
	uint64_t hint_hits;     /* of them, sent because it advertised their hint */
	uint64_t status[6];     /* responses by class: [1] 1xx .. [5] 5xx, [0] none */
	uint64_t errors;        /* requests that failed there (reset, timeout, bad response) */
	uint64_t bytes_out;     /* request bytes queued to it */
	uint64_t bytes_in;      /* response bytes from it */
	uint64_t conns_opened;  /* connections opened to it */
	uint64_t conns_reused;  /* requests that took an idle pooled connection */
	uint64_t lat[HL_PROXY_LAT_BUCKETS];
	uint64_t lat_sum_us; /* the sum of what lat[] counts, µs */
};

/* The listener application of `mode = http` (ctx: the worker's struct hl_proxy). */
extern const struct hl_tcp_app hl_proxy_client_app;

/*
 * Worker @p w's proxy: request, client and replica-connection pools (sizes
 * from [http] and [tcp]), the replica table from the configuration. Not on
 * the packet path. @return the proxy, or NULL (ENOMEM, EINVAL) with @p err
 * naming what failed.
 */
struct hl_proxy *hl_proxy_create(struct hl_worker *w, const struct hl_config *cfg,
				 struct hl_proxy_shared *shared, char *err, size_t errlen);

/* Abort every connection of the proxy (the TCP stack is freed first) and free it. NULL ok. */
void hl_proxy_free(struct hl_proxy *px);

/* Expire timeouts due at w->now. Called once per worker loop iteration. */
void hl_proxy_timers(struct hl_proxy *px);

/* "worker N proxy_NAME V" and per-replica lines for the SIGUSR1 report (main thread, relaxed). */
void hl_proxy_print(const struct hl_proxy *px, unsigned worker, FILE *f);

struct hl_metrics_buf;
/* Per-replica Prometheus series of worker @p worker (control thread, relaxed reads). When
 * @p help, the HELP/TYPE lines first (once per scrape: the caller passes it for worker 0). */
void hl_proxy_metrics(const struct hl_proxy *px, unsigned worker, struct hl_metrics_buf *b,
		      bool help);

/*
 * Control thread, before the router hands out id @p id (hl_replica_add): the replica's
 * name and address (network order; port host order) on this worker. @p id is the next one
 * (or the last again, after a failed add). @return 0 or -EINVAL (beyond max_replicas).
 */
int hl_proxy_replica_add(struct hl_proxy *px, uint32_t id, const char *name, uint32_t addr,
			 uint16_t port);

/* Graceful stop (the worker, once): idle clients closed now, the others after the response
 * in progress, which says Connection: close. */
void hl_proxy_drain(struct hl_proxy *px);

/* Add worker @p px's counters of replica @p id to @p acc (another thread, relaxed reads).
 * @return 0, or -ENOENT when this worker does not know the id. */
int hl_proxy_replica_stats_add(const struct hl_proxy *px, uint32_t id,
			       struct hl_proxy_replica_stats *acc);

/* Objects in use (clients, servers, requests): tests check they return to 0. */
void hl_proxy_in_use(const struct hl_proxy *px, uint32_t *clients, uint32_t *servers,
		     uint32_t *reqs);

/* The shared ring and pool (the daemon, once). @return 0 or -ENOMEM. */
/**
 * New timeouts ([http] *_timeout_ms, [health] check_*_ms) from the control
 * thread (reload): timers armed from now on use them; running ones keep their
 * deadline.
 */
void hl_proxy_set_timeouts(struct hl_proxy *px, const struct hl_cfg_http *h,
			   const struct hl_cfg_health *hc);

int hl_proxy_shared_create(struct hl_proxy_shared *s, int socket);
void hl_proxy_shared_free(struct hl_proxy_shared *s);

#endif /* HINTLB_PROXY_H */
