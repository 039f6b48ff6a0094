/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's lifecycle on the main lcore: build the routing core from the
 * configuration, start ports and workers, stop them all again. main.c
 * drives it; nothing here runs on a worker.
 */
#ifndef HINTLB_DAEMON_H
#define HINTLB_DAEMON_H

#include <stdbool.h>
#include <stdio.h>

#include <rte_lcore.h>

#include "hintlb/config.h"
#include "hintlb/route.h"
#include "hintlb/ctrl.h"
#include "hintlb/tcp.h"
#include "netconf.h"
#include "proxy.h"
#include "rss.h"
#include "worker.h"

struct hl_xdp;

struct hl_daemon {
	const struct hl_config *cfg; /* borrowed */
	/* the same, for `reload` on the control thread: it alone writes the live keys
	 * (config_reload.c), which no worker reads from here */
	struct hl_config *cfg_live;
	struct hl_netconf net;
	struct rte_mempool *pool;
	struct hl_router *router;
	unsigned n_workers;
	struct hl_worker *workers[RTE_MAX_LCORE];
	struct rte_ring *share[RTE_MAX_LCORE];
	struct rte_ring *tcp_ring[RTE_MAX_LCORE]; /* TCP hand-off, by owner (several workers) */
	struct hl_relay *relay[RTE_MAX_LCORE];    /* `mode = relay` state, per worker */
	struct hl_proxy *proxy[RTE_MAX_LCORE];    /* `mode = http` state, per worker */
	struct hl_proxy_shared shared;            /* workers -> control thread */
	struct hl_ctrl *ctrl;                     /* the control thread's state */
	struct hl_rss rss[HL_PORTS_MAX];          /* each port's NIC RSS, when readable */
	unsigned n_started;                       /* ports started, in config order */
	struct hl_xdp *xdp[HL_PORTS_MAX];
	bool launched;
	bool stop;     /* written by the main thread, read by workers */
	bool draining; /* graceful stop begun (hl_daemon_drain) */
};

/*
 * Create a router and add every replica, as the daemon does at start: the
 * routing core's own checks apply (hl_router_create, hl_replica_add). The EAL
 * must be initialised. @return 0, or -errno with @p err naming the section,
 * key and value.
 */
int hl_daemon_router_create(const struct hl_config *cfg, struct hl_router **out, char *err,
			    size_t errlen);

/*
 * The TCP stack's parameters for `[tcp]` @p ct, as every worker's stack gets them: seconds
 * in ms, and a limit the config turns off with 0 (challenge_ack_limit,
 * zero_window_timeout_ms) is UINT32_MAX, which hl_tcp_params reads as none.
 */
void hl_daemon_tcp_params(const struct hl_cfg_tcp *ct, struct hl_tcp_params *p);

/* Start everything (EAL initialised with cfg's args). On failure what was started is stopped. */
int hl_daemon_start(struct hl_daemon *d, struct hl_config *cfg, char *err, size_t errlen);

/*
 * Graceful stop, first half: every worker closes its listeners (a SYN gets a RST),
 * closes idle keep-alive clients and answers the rest with Connection: close.
 * hl_daemon_drain_left() is then what is still in flight, summed over workers
 * (requests in progress + mbufs not yet acknowledged; UINT32_MAX per worker that
 * has not seen the drain yet): 0 when everything was delivered.
 */
void hl_daemon_drain(struct hl_daemon *d);
uint64_t hl_daemon_drain_left(const struct hl_daemon *d);

/* Stop workers, ports, the XDP stage; free everything. Safe on a partly started daemon. */
void hl_daemon_stop(struct hl_daemon *d);

/* One pass of the control thread: wait up to @p timeout_ms for a worker's
 * message (or a signal), then hl_ctrl_poll. @return messages applied. */
unsigned hl_daemon_ctrl_poll(struct hl_daemon *d, int timeout_ms);

/* The daemon's Prometheus series (metrics.c), for hl_ctrl_set_metrics_fn(). */
void hl_daemon_metrics(void *arg, struct hl_metrics_buf *b);

/* Print every worker's non-zero counters and the XDP stage's, "worker N name value" lines. */
void hl_daemon_print_counters(const struct hl_daemon *d, FILE *f);

/*
 * DPDK telemetry (telemetry.c): /hintlb/stats, /hintlb/replicas, /hintlb/ctrl and
 * /hintlb/xdp for dpdk-telemetry.py. Start registers them (once per process; nothing
 * when [eal] args has --no-telemetry) and publishes @p d; @return 0 or -errno with @p err.
 * Serve runs on the control thread each pass: it takes the snapshot a command waits for.
 * Stop unpublishes @p d (commands then answer null); call it before freeing anything.
 */
int hl_telemetry_start(struct hl_daemon *d, char *err, size_t errlen);
void hl_telemetry_serve(struct hl_daemon *d);
void hl_telemetry_stop(struct hl_daemon *d);

/* The XDP stage (xdp_stage.c): attach our maps to each xdp_prog= port. */
void hl_xdp_stage_detach_stale(const struct hl_config *cfg);
/* Before the EAL: each net_af_xdp port's kernel needs (hl_xdp_kernel_check());
 * prints one line naming what is missing. @return 0 or -1. */
int hl_xdp_stage_check_kernel(const struct hl_config *cfg);
int hl_xdp_stage_open(struct hl_daemon *d, char *err, size_t errlen);
void hl_xdp_stage_close(struct hl_daemon *d);
void hl_xdp_stage_print(const struct hl_daemon *d, FILE *f);

#endif /* HINTLB_DAEMON_H */
