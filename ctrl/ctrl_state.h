/* SPDX-License-Identifier: BSD-3-Clause */
/* The control thread's state, private to ctrl/ctrl_*.c (API: include/hintlb/ctrl.h). */
#ifndef HINTLB_CTRL_STATE_H
#define HINTLB_CTRL_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>
#include <rte_ring.h>

#include "ctrl_priv.h"
#include "hintlb/ctrl.h"

struct ctrl_replica {
	uint32_t fails;      /* passive: the current run of failures */
	uint32_t check_ok;   /* active: successes in a row */
	uint32_t check_bad;  /* active: failures in a row */
	uint64_t down_until; /* TSC; 0: not in a passive backoff */
	bool down;           /* we marked it down */
	bool removed;        /* `replica remove`: health leaves it alone, nothing routes there */
};

/* An address of hintlb's own ([port] address, [listener] vip): no replica may have it. */
struct ctrl_own_addr {
	uint32_t addr;                   /* network order */
	char what[HL_CFG_NAME_MAX + 16]; /* "[port NAME]'s address", "[listener NAME]'s VIP" */
};

struct hl_ctrl {
	struct hl_router *r;
	struct ctrl_own_addr own[HL_CFG_PORTS_MAX + HL_CFG_LISTENERS_MAX];
	unsigned n_own;
	const struct hl_cfg_health *h; /* &health */
	struct hl_cfg_health health;   /* [health], replaced by reload */
	struct rte_ring *ring;
	struct rte_mempool *msgs;
	uint64_t backoff_tsc;
	uint64_t tsc_per_us;
	uint32_t n_replicas;
	struct ctrl_replica *rep;
	struct hl_ctrl_stats st;
	struct ctrl_sock sock;
	hl_ctrl_stats_fn *stats_fn; /* the daemon's part of `stats` */
	void *stats_arg;
	struct MHD_Daemon *mhd; /* [ctrl] metrics, NULL: off */
	uint64_t metrics_requests;
	hl_ctrl_metrics_fn *metrics_fn; /* the daemon's series */
	void *metrics_arg;
	const struct hl_ctrl_daemon_ops *dops;
	void *dops_arg;
	struct hl_route_worker rw; /* `route`: hl_route_explain() from this thread */
	bool rw_ok;
};

/* ctrl_metrics.c */
void ctrl_metrics_close(struct hl_ctrl *c);
unsigned ctrl_metrics_fds(const struct hl_ctrl *c, struct pollfd *fds, unsigned max);
void ctrl_metrics_serve(struct hl_ctrl *c);
void ctrl_metrics_render(struct hl_ctrl *c, struct hl_metrics_buf *b);

/* ctrl_replicas.c: add replica @p p (the workers first, then the router). @return its id, or
 * -errno with @p err saying why. */
int ctrl_replica_add(struct hl_ctrl *c, const struct hl_cfg_replica *p, char *err, size_t errlen);
/*
 * What is wrong with a new replica at @p addr (network order):@p port for the
 * control socket's `replica add`: hintlb's own address, or a live replica's
 * (the config file's checks, which a reload has already passed). @return
 * NULL, or the reason written to @p buf.
 */
const char *ctrl_replica_addr_problem(const struct hl_ctrl *c, uint32_t addr, uint16_t port,
				      char *buf, size_t len);
/* Down for good, weight 0, no hints; health leaves it alone. */
void ctrl_replica_remove(struct hl_ctrl *c, uint32_t id);

/* The command table (ctrl_cmd.c): the control socket's handler. */
json_t *ctrl_dispatch(void *arg, json_t *req);

#endif /* HINTLB_CTRL_STATE_H */
