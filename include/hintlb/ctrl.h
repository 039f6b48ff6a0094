/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The control thread's work (docs/ARCHITECTURE.md, "The control thread"):
 * the one writer of the routing core. It applies what workers send
 * (hintlb/ctrl_msg.h) — hint lists, health events — brings replicas that
 * were marked down back after their backoff, and frees what readers can no
 * longer see. It runs on the EAL main lcore's loop, never on a worker core.
 */
#ifndef HINTLB_CTRL_H
#define HINTLB_CTRL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "hintlb/config.h"
#include "hintlb/route.h"

#ifdef __cplusplus
extern "C" {
#endif

struct hl_ctrl;

/** Counters of the control thread (read by its own thread for the report). */
struct hl_ctrl_stats {
	uint64_t msgs;          /**< messages taken off the ring */
	uint64_t hints_applied; /**< hint lists given to the router */
	uint64_t hints_refused; /**< ... that the router refused (bad replica id, table full) */
	uint64_t health_events; /**< health events taken */
	uint64_t marked_down;   /**< replicas marked down (passive or active) */
	uint64_t marked_up;     /**< replicas brought back */
	uint64_t bad_msgs;      /**< unknown type or replica id */
	/** enqueue (worker's TSC) to applied, per hint list: log2 buckets of ns */
	uint64_t hints_lat[40];
};

/**
 * The control state for router @p r (borrowed), reading messages from
 * @p ring and giving them back to @p msgs. Health settings from
 * @p cfg->health. @return it, or NULL (ENOMEM).
 */
struct hl_ctrl *hl_ctrl_create(struct hl_router *r, const struct hl_config *cfg,
			       struct rte_ring *ring, struct rte_mempool *msgs);
void hl_ctrl_free(struct hl_ctrl *c);

/**
 * One pass: apply every queued message, end backoffs due at @p now_tsc,
 * reclaim router memory. Cheap when there is nothing to do.
 * @return messages applied.
 */
unsigned hl_ctrl_poll(struct hl_ctrl *c, uint64_t now_tsc);

/**
 * Open the control socket ([ctrl] socket, group, max_clients of @p cfg).
 * @return 0, or -errno with @p err naming the key and the cause.
 */
int hl_ctrl_open_socket(struct hl_ctrl *c, const struct hl_config *cfg, char *err, size_t errlen);

/** What the daemon adds to the `stats` command's answer (its workers' counters). */
typedef void hl_ctrl_stats_fn(void *arg, json_t *out);
void hl_ctrl_set_stats_fn(struct hl_ctrl *c, hl_ctrl_stats_fn *fn, void *arg);

/**
 * The daemon's side of the control socket: `replica_added` runs before the router gets a
 * new replica (id is the one it will take; addresses network order, port host order) so
 * the workers know its address first; `command` answers what the control thread does not
 * know itself (`config`, `xdp`, `reload`), or returns NULL for an unknown command.
 */
struct hl_ctrl_daemon_ops {
	int (*replica_added)(void *arg, uint32_t id, const char *name, uint32_t addr,
			     uint16_t port);
	json_t *(*command)(void *arg, const char *cmd, json_t *req);
	/* worker @p i's routing context (`route` decides as it would), NULL: no such worker */
	const struct hl_route_worker *(*route_worker)(void *arg, unsigned i);
};
void hl_ctrl_set_daemon_ops(struct hl_ctrl *c, const struct hl_ctrl_daemon_ops *ops, void *arg);

/**
 * `reload`, the control thread's part (ctrl_replicas.c). First check that
 * @p next's replica list can be applied (a replica keeps its address; new ones
 * fit in [routing] max_replicas): @return 0 or -errno with @p err naming the
 * replica and key, nothing applied.
 */
int hl_ctrl_reload_check(struct hl_ctrl *c, const struct hl_config *next, char *err, size_t errlen);
/**
 * Then apply it: replicas added, removed (those not in the file, including ones
 * added with `replica add`), brought back, re-weighted, their concurrency set;
 * [routing] balance_factor and load_wait; [health]. One line per change is
 * appended to @p changes (a JSON array) and logged. @return 0, or -errno with
 * @p err (what came before it stays applied).
 */
int hl_ctrl_reload_apply(struct hl_ctrl *c, const struct hl_config *next, json_t *changes,
			 char *err, size_t errlen);
/** Was replica @p id removed (`replica remove`, or a reload without it)? */
bool hl_ctrl_replica_removed(const struct hl_ctrl *c, uint32_t id);

/** Replace the [health] settings (reload). */
void hl_ctrl_set_health(struct hl_ctrl *c, const struct hl_cfg_health *h);

/** A text buffer the metrics renderers append to (ctrl_metrics.c). */
struct hl_metrics_buf;
/** Append printf-style text; on allocation failure the scrape answers nothing. */
void hl_metrics_printf(struct hl_metrics_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/** What the daemon adds to `GET /metrics` (workers, proxy, XDP stage). */
typedef void hl_ctrl_metrics_fn(void *arg, struct hl_metrics_buf *b);
void hl_ctrl_set_metrics_fn(struct hl_ctrl *c, hl_ctrl_metrics_fn *fn, void *arg);

/**
 * Serve Prometheus text on @p listen ("A.B.C.D:PORT"; NULL or "" = off) from
 * the control thread. @return 0, or -errno with @p err naming [ctrl] metrics.
 */
int hl_ctrl_open_metrics(struct hl_ctrl *c, const char *listen, char *err, size_t errlen);

/**
 * Wait up to @p timeout_ms for @p wake_fd (workers' eventfd; -1: none) or the
 * control socket, then serve the socket's clients and run hl_ctrl_poll().
 * A signal ends the wait early. @return messages applied.
 */
unsigned hl_ctrl_wait(struct hl_ctrl *c, int wake_fd, int timeout_ms);

/** The control thread's counters at one moment, for another thread to read (a copy). */
struct hl_ctrl_report {
	struct hl_ctrl_stats st;
	uint64_t hints_apply_ns_p50, hints_apply_ns_p99, hints_apply_ns_max;
	/** the control socket's: accepted, refused (max_clients), requests, error answers,
	 * bad JSON, lines too long, deadlines missed; clients connected now */
	uint64_t sock_accepted, sock_refused_full, sock_requests, sock_errors, sock_bad_json,
		sock_too_long, sock_timeouts;
	uint32_t sock_clients;
	uint64_t metrics_requests; /**< HTTP requests to [ctrl] metrics */
};

/** Copy the control thread's counters into @p out. Call it on the control thread. */
void hl_ctrl_get_report(const struct hl_ctrl *c, struct hl_ctrl_report *out);

/** "ctrl NAME V" lines for the report, with the hint-apply latency quantiles. */
void hl_ctrl_print(const struct hl_ctrl *c, FILE *f);

/** The latency (ns, bucket upper bound) below which fraction @p q of hint lists were applied. */
uint64_t hl_ctrl_hints_latency(const struct hl_ctrl *c, double q);

#ifdef __cplusplus
}
#endif
#endif /* HINTLB_CTRL_H */
