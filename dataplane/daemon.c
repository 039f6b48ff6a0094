/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Start and stop, on the main lcore. Start order: routing core, mbuf pool,
 * ports, XDP stage, workers (state, TCP stack and listeners, neighbour
 * rings, wanted neighbours), telemetry, packet capture (rte_pdump), launch.
 * Stop runs the reverse, from whatever point start reached (packet capture
 * ends after the workers, before the ports).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pdump.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "daemon.h"
#include "hintlb/log.h"
#include "hintlb/xdp.h"
#include "hintlb/tcp.h"
#include "net.h"
#include "port.h"
#include "relay.h"

#define HL_SHARE_RING_SIZE       1024
#define HL_TCP_HANDOFF_RING_SIZE 2048 /* segments in flight to one owner */

int hl_daemon_router_create(const struct hl_config *cfg, struct hl_router **out, char *err,
			    size_t errlen)
{
	struct hl_router_params rp = {
		.name = "hintlb",
		.max_replicas = cfg->routing.max_replicas,
		.max_hints = cfg->routing.max_hints,
		.maglev_size = cfg->routing.maglev_size,
		.balance_factor = cfg->routing.balance_factor,
		.load_wait = cfg->routing.load_wait,
	};
	char why[HL_ROUTE_ERR_MAX] = "";
	struct hl_router *r;
	int policy = hl_route_policy_parse(cfg->routing.policy);

	if (policy < 0) {
		snprintf(err, errlen, "[routing] policy: '%s' is not a policy the routing core has",
			 cfg->routing.policy);
		return -EINVAL;
	}
	rp.policy = (enum hl_route_policy)policy;
	r = hl_router_create(&rp, why, sizeof(why));
	if (r == NULL) {
		int rc = errno != 0 ? -errno : -EINVAL;

		snprintf(err, errlen, "[routing]: the routing core refused it: %s",
			 why[0] ? why : strerror(-rc));
		return rc;
	}
	for (unsigned i = 0; i < cfg->n_replicas; i++) {
		const struct hl_cfg_replica *c = &cfg->replicas[i];
		struct hl_replica_params p = {
			.name = c->name,
			.ipv4 = rte_be_to_cpu_32(c->addr),
			.port = c->port,
			.weight = c->weight,
			.concurrency = c->concurrency,
		};
		int rc = hl_replica_add(r, &p, why, sizeof(why));

		if (rc < 0) {
			snprintf(err, errlen, "[replica %s]: the routing core refused it: %s",
				 c->name, why[0] ? why : strerror(-rc));
			hl_router_free(r);
			return rc;
		}
	}
	*out = r;
	return 0;
}

/* Free a hand-off ring and the segments still in it (after the workers stopped). */
static void hl_tcp_ring_free(struct rte_ring *r)
{
	void *m;

	if (r == NULL)
		return;
	while (rte_ring_sc_dequeue(r, &m) == 0)
		rte_pktmbuf_free(m);
	rte_ring_free(r);
}

/* The latency (µs) below which fraction @p q of the histogram's requests ended: the upper
 * bound of the bucket that holds it. 0 without requests. */
static uint64_t lat_quantile(const struct hl_proxy_replica_stats *s, double q)
{
	uint64_t n = 0, acc = 0;

	for (unsigned i = 0; i < HL_PROXY_LAT_BUCKETS; i++)
		n += s->lat[i];
	for (unsigned i = 0; i < HL_PROXY_LAT_BUCKETS && n != 0; i++) {
		acc += s->lat[i];
		if ((double)acc >= q * (double)n)
			return 2ull << i;
	}
	return 0;
}

/* Per replica, every worker's proxy counters added up (hintctl top). */
static json_t *replica_stats_json(const struct hl_daemon *d)
{
	json_t *list = json_array();
	struct hl_replica_info info;

	for (uint32_t id = 0; id < hl_router_replica_count(d->router); id++) {
		struct hl_proxy_replica_stats s;
		uint64_t n = 0;

		memset(&s, 0, sizeof(s));
		if (hl_replica_get(d->router, id, &info) != 0 ||
		    (d->ctrl != NULL && hl_ctrl_replica_removed(d->ctrl, id)))
			continue;
		for (unsigned i = 0; i < d->n_workers; i++)
			if (d->proxy[i] != NULL)
				hl_proxy_replica_stats_add(d->proxy[i], id, &s);
		json_t *buckets = json_array();

		for (unsigned i = 0; i < HL_PROXY_LAT_BUCKETS; i++) {
			n += s.lat[i];
			json_array_append_new(buckets, json_integer((json_int_t)s.lat[i]));
		}
		json_t *one = json_pack(
			"{s:s, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I}, s:I, s:I, s:I, "
			"s:I, s:i}",
			"name", info.name, "requests", (json_int_t)s.requests, "hint_hits",
			(json_int_t)s.hint_hits, "errors", (json_int_t)s.errors, "responses", "1xx",
			(json_int_t)s.status[1], "2xx", (json_int_t)s.status[2], "3xx",
			(json_int_t)s.status[3], "4xx", (json_int_t)s.status[4], "5xx",
			(json_int_t)s.status[5], "latency_count", (json_int_t)n, "latency_us_sum",
			(json_int_t)s.lat_sum_us, "latency_us_p50",
			(json_int_t)lat_quantile(&s, 0.5), "latency_us_p99",
			(json_int_t)lat_quantile(&s, 0.99), "inflight", (int)info.inflight);

		json_object_set_new(one, "latency_buckets", buckets); /* [2^i, 2^(i+1)) µs */
		json_array_append_new(list, one);
	}
	return list;
}

/* The `stats` command's per-worker part: every non-zero counter and routing reason. */
static void daemon_stats(void *arg, json_t *out)
{
	const struct hl_daemon *d = arg;
	json_t *workers = json_array();

	for (unsigned i = 0; i < d->n_workers; i++) {
		const struct hl_worker *w = d->workers[i];
		json_t *ctr = json_object(), *route = json_object();

		if (w == NULL)
			continue;
		for (unsigned c = 0; c < HL_CTR_COUNT; c++) {
			uint64_t v = __atomic_load_n(&w->ctr[c], __ATOMIC_RELAXED);

			if (v != 0)
				json_object_set_new(ctr, hl_counter_name(c),
						    json_integer((json_int_t)v));
		}
		for (unsigned r = 0; r < HL_ROUTE_REASON_COUNT; r++)
			json_object_set_new(route, hl_route_reason_name((enum hl_route_reason)r),
					    json_integer((json_int_t)__atomic_load_n(
						    &w->route.stats.reason[r], __ATOMIC_RELAXED)));
		json_array_append_new(workers, json_pack("{s:i, s:o, s:o}", "id", (int)i,
							 "counters", ctr, "routing", route));
	}
	json_object_set_new(out, "workers", workers);
	json_object_set_new(out, "replicas", replica_stats_json(d));
}

static int daemon_replica_added(void *arg, uint32_t id, const char *name, uint32_t addr,
				uint16_t port)
{
	struct hl_daemon *d = arg;

	for (unsigned i = 0; i < d->n_workers; i++) {
		if (d->proxy[i] != NULL &&
		    hl_proxy_replica_add(d->proxy[i], id, name, addr, port) != 0)
			return -EINVAL;
		if (d->relay[i] != NULL && hl_relay_replica_add(d->relay[i], id, addr, port) != 0)
			return -EINVAL;
	}
	return 0;
}

static json_t *config_json(const struct hl_config *cfg)
{
	json_t *l = json_array();
	char vip[16];

	for (unsigned i = 0; i < cfg->n_listeners; i++) {
		uint32_t h = rte_be_to_cpu_32(cfg->listeners[i].vip);

		snprintf(vip, sizeof(vip), "%u.%u.%u.%u", h >> 24, (h >> 16) & 255, (h >> 8) & 255,
			 h & 255);
		json_array_append_new(l, json_pack("{s:s, s:s, s:i, s:s}", "name",
						   cfg->listeners[i].name, "vip", vip, "port",
						   cfg->listeners[i].port, "mode",
						   hl_listener_mode_name(cfg->listeners[i].mode)));
	}
	return json_pack(
		"{s:b, s:s, s:o, s:{s:s, s:s, s:s, s:f, s:f, s:i, s:i, s:s, s:b}, "
		"s:{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:b}, "
		"s:{s:i, s:i, s:s, s:i, s:i, s:i, s:i}, s:{s:s, s:s, s:i}}",
		"ok", 1, "file", cfg->path, "listeners", l, "routing", "policy",
		cfg->routing.policy, "hint_header", cfg->routing.hint_header, "hints_header",
		cfg->routing.hints_header, "balance_factor", cfg->routing.balance_factor,
		"load_wait", cfg->routing.load_wait, "maglev_size", (int)cfg->routing.maglev_size,
		"max_replicas", (int)cfg->routing.max_replicas, "explain_header",
		cfg->routing.explain_header, "strip_hints", cfg->routing.strip_hints, "http",
		"client_head_timeout_ms", (int)cfg->http.client_head_timeout_ms,
		"client_idle_timeout_ms", (int)cfg->http.client_idle_timeout_ms,
		"replica_connect_timeout_ms", (int)cfg->http.replica_connect_timeout_ms,
		"replica_response_timeout_ms", (int)cfg->http.replica_response_timeout_ms,
		"replica_idle_timeout_ms", (int)cfg->http.replica_idle_timeout_ms,
		"replica_queue_timeout_ms", (int)cfg->http.replica_queue_timeout_ms,
		"replica_conns_max", (int)cfg->http.replica_conns_max, "max_requests",
		(int)cfg->http.max_requests, "max_head", (int)cfg->http.max_head, "max_fields",
		(int)cfg->http.max_fields, "queue_bytes", (int)cfg->http.queue_bytes,
		"x_forwarded_for", cfg->http.x_forwarded_for, "health", "passive_fall",
		(int)cfg->health.passive_fall, "down_backoff_ms", (int)cfg->health.down_backoff_ms,
		"check_path", cfg->health.check_path, "check_interval_ms",
		(int)cfg->health.check_interval_ms, "check_timeout_ms",
		(int)cfg->health.check_timeout_ms, "rise", (int)cfg->health.rise, "fall",
		(int)cfg->health.fall, "ctrl", "socket", cfg->ctrl_socket, "metrics",
		cfg->ctrl_metrics, "max_clients", (int)cfg->ctrl_max_clients);
}

static json_t *xdp_json(const struct hl_daemon *d)
{
	json_t *ports = json_array();
	struct hl_xdp_counters c;

	for (unsigned p = 0; p < HL_PORTS_MAX; p++) {
		json_t *rows = json_array();

		if (d->xdp[p] == NULL || hl_xdp_read_counters(d->xdp[p], &c) != 0)
			continue;
		for (unsigned r = 0; r < HL_XDP_REASON_SLOTS; r++)
			for (unsigned v = 0; v < HL_XDP_VERDICT_MAX; v++)
				if (c.by[r][v].packets != 0 && hl_xdp_reason_name(r) != NULL &&
				    hl_xdp_verdict_name(v) != NULL)
					json_array_append_new(
						rows,
						json_pack("{s:s, s:s, s:I, s:I}", "reason",
							  hl_xdp_reason_name(r), "verdict",
							  hl_xdp_verdict_name(v), "packets",
							  (json_int_t)c.by[r][v].packets, "bytes",
							  (json_int_t)c.by[r][v].bytes));
		json_array_append_new(ports, json_pack("{s:s, s:o}", "iface",
						       d->cfg->ports[p].iface, "counters", rows));
	}
	return json_pack("{s:b, s:o}", "ok", 1, "ports", ports);
}

static json_t *error_json(const char *msg)
{
	return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
}

static void live_change(void *arg, const char *line)
{
	HL_LOG(NOTICE, "reload: %s\n", line);
	json_array_append_new(arg, json_string(line));
}

/*
 * `reload`: read the file again; refuse (nothing applied) anything that needs a
 * restart, naming the key; else apply the replica list, [routing]
 * balance_factor/load_wait and [health] (control thread), the timeouts (each
 * worker's proxy, whole words), and keep the new values for `config`.
 */
static json_t *daemon_reload(struct hl_daemon *d)
{
	struct hl_config next;
	char err[HL_CFG_ERR_MAX];
	json_t *changes;
	int rc;

	rc = hl_config_load(d->cfg_live->path, &next, err, sizeof(err));
	if (rc != 0)
		return error_json(err);
	if (hl_config_reload_check(d->cfg_live, &next, err, sizeof(err)) != 0 ||
	    hl_ctrl_reload_check(d->ctrl, &next, err, sizeof(err)) != 0) {
		hl_config_free(&next);
		HL_LOG(WARNING, "reload refused: %s\n", err);
		return error_json(err);
	}
	changes = json_array();
	rc = hl_ctrl_reload_apply(d->ctrl, &next, changes, err, sizeof(err));
	if (rc != 0) {
		json_decref(changes);
		hl_config_free(&next);
		HL_LOG(WARNING, "reload stopped half way: %s\n", err);
		return error_json(err);
	}
	hl_config_live_changes(d->cfg_live, &next, live_change, changes);
	for (unsigned i = 0; i < d->n_workers; i++)
		if (d->proxy[i] != NULL)
			hl_proxy_set_timeouts(d->proxy[i], &next.http, &next.health);
	hl_config_take_live(d->cfg_live, &next);
	hl_config_free(&next);
	HL_LOG(NOTICE, "reload: %s: %zu change(s)\n", d->cfg_live->path, json_array_size(changes));
	return json_pack("{s:b, s:s, s:o}", "ok", 1, "file", d->cfg_live->path, "changes", changes);
}

static json_t *daemon_command(void *arg, const char *cmd, json_t *req)
{
	struct hl_daemon *d = arg;

	(void)req;
	if (strcmp(cmd, "config") == 0)
		return config_json(d->cfg);
	if (strcmp(cmd, "xdp") == 0)
		return xdp_json(d);
	if (strcmp(cmd, "reload") == 0)
		return daemon_reload(d);
	return NULL;
}

static const struct hl_route_worker *daemon_route_worker(void *arg, unsigned i)
{
	const struct hl_daemon *d = arg;

	return i < d->n_workers && d->workers[i] != NULL ? &d->workers[i]->route : NULL;
}

static const struct hl_ctrl_daemon_ops daemon_ops = {
	.replica_added = daemon_replica_added,
	.command = daemon_command,
	.route_worker = daemon_route_worker,
};

/* The control thread's state and the ring workers reach it through. */
static int create_ctrl(struct hl_daemon *d, char *err, size_t errlen)
{
	int rc;

	if (hl_proxy_shared_create(&d->shared, (int)rte_socket_id()) != 0) {
		snprintf(err, errlen, "control ring and messages: %s", rte_strerror(rte_errno));
		return -ENOMEM;
	}
	d->ctrl = hl_ctrl_create(d->router, d->cfg, d->shared.to_ctrl, d->shared.msgs);
	if (d->ctrl == NULL) {
		snprintf(err, errlen, "control thread state: out of memory");
		return -ENOMEM;
	}
	hl_ctrl_set_stats_fn(d->ctrl, daemon_stats, d);
	hl_ctrl_set_metrics_fn(d->ctrl, hl_daemon_metrics, d);
	hl_ctrl_set_daemon_ops(d->ctrl, &daemon_ops, d);
	rc = hl_ctrl_open_socket(d->ctrl, d->cfg, err, errlen);
	if (rc == 0)
		rc = hl_ctrl_open_metrics(d->ctrl, d->cfg->ctrl_metrics, err, errlen);
	return rc;
}

unsigned hl_daemon_ctrl_poll(struct hl_daemon *d, int timeout_ms)
{
	unsigned n = hl_ctrl_wait(d->ctrl, d->shared.wake_fd, timeout_ms);

	hl_telemetry_serve(d);
	return n;
}

static int create_pool(struct hl_daemon *d, char *err, size_t errlen)
{
	d->pool = hl_port_pool_create(d->cfg, "hl_mbufs", (int)rte_socket_id(), d->n_workers, err,
				      errlen);
	return d->pool != NULL ? 0 : -ENOMEM;
}

static int start_ports(struct hl_daemon *d, char *err, size_t errlen)
{
	const struct hl_config *cfg = d->cfg;

	for (unsigned i = 0; i < cfg->n_ports; i++) {
		int rc = hl_port_start(&cfg->ports[i], &cfg->worker, (uint16_t)d->n_workers,
				       d->pool, &d->net.port[i], err, errlen);
		if (rc != 0)
			return rc;
		d->n_started++;
	}
	return 0;
}

/* The context of listener @p l's application on worker @p w (relay and proxy state). */
static int listener_ctx(struct hl_daemon *d, struct hl_worker *w, const struct hl_cfg_listener *l,
			uint32_t max_conns, void **ctx, char *err, size_t errlen)
{
	*ctx = NULL;
	if (l->mode == HL_LISTEN_RELAY) {
		if (d->relay[w->id] == NULL)
			d->relay[w->id] = hl_relay_create(w, d->cfg, max_conns / 2);
		if (d->relay[w->id] == NULL) {
			snprintf(err, errlen,
				 "worker %u: relay: no memory for %u connection pairs "
				 "([tcp] max_conns / 2; with --no-huge the EAL has 64 MiB "
				 "unless -m says more)",
				 w->id, max_conns / 2);
			return -ENOMEM;
		}
		*ctx = d->relay[w->id];
	} else if (l->mode == HL_LISTEN_HTTP) {
		if (d->proxy[w->id] == NULL)
			d->proxy[w->id] = hl_proxy_create(w, d->cfg, &d->shared, err, errlen);
		if (d->proxy[w->id] == NULL)
			return -ENOMEM;
		w->proxy = d->proxy[w->id];
		*ctx = d->proxy[w->id];
	}
	return 0;
}

void hl_daemon_tcp_params(const struct hl_cfg_tcp *ct, struct hl_tcp_params *p)
{
	*p = (struct hl_tcp_params){
		.max_conns = ct->max_conns,
		.max_syn_rcvd = ct->syn_backlog,
		.max_time_wait = ct->time_wait,
		.rcv_buf = ct->rcv_buf,
		.ooo_max_conn = ct->ooo_per_conn,
		.ooo_max = ct->ooo_max,
		.sport_lo = ct->sport_lo,
		.sport_hi = ct->sport_hi,
		.cc = (enum hl_tcp_cc)ct->cc,
		.challenge_ack_limit =
			ct->challenge_ack_limit != 0 ? ct->challenge_ack_limit : UINT32_MAX,
		.keepalive = ct->keepalive,
		.keepalive_idle_ms = ct->keepalive_idle_s * 1000,
		.keepalive_intvl_ms = ct->keepalive_interval_s * 1000,
		.keepalive_probes = ct->keepalive_probes,
		.syn_retries = (uint8_t)ct->syn_retries,
		.synack_retries = (uint8_t)ct->synack_retries,
		.zero_window_timeout_ms =
			ct->zero_window_timeout_ms != 0 ? ct->zero_window_timeout_ms : UINT32_MAX};
}

/*
 * Worker @p w's TCP stack and its listeners: `http` (the proxy), `echo`,
 * `discard`, `relay`. No listener, no stack.
 */
static int create_tcp(struct hl_daemon *d, struct hl_worker *w, char *err, size_t errlen)
{
	struct hl_tcp_params p;
	int rc;

	if (d->cfg->n_listeners == 0)
		return 0;
	hl_daemon_tcp_params(&d->cfg->tcp, &p);
	rc = hl_tcp_create(w, &p);
	if (rc != 0) {
		snprintf(err, errlen, "worker %u: TCP stack ([tcp] max_conns %u): %s", w->id,
			 p.max_conns, strerror(-rc));
		return rc;
	}
	for (unsigned i = 0; i < d->cfg->n_listeners; i++) {
		const struct hl_cfg_listener *l = &d->cfg->listeners[i];
		const struct hl_tcp_app *app = l->mode == HL_LISTEN_ECHO      ? &hl_tcp_app_echo
					       : l->mode == HL_LISTEN_DISCARD ? &hl_tcp_app_discard
					       : l->mode == HL_LISTEN_RELAY   ? &hl_relay_client_app
									    : &hl_proxy_client_app;
		void *ctx;

		rc = listener_ctx(d, w, l, p.max_conns, &ctx, err, errlen);
		if (rc != 0)
			return rc;
		rc = hl_tcp_listen(w->tcp, l->vip, l->port, app, ctx);
		if (rc != 0) {
			snprintf(err, errlen, "[listener %s]: cannot listen: %s", l->name,
				 strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* Worker state for lcore @p lcore, worker @p id: rx queue id on every port. */
static int create_worker(struct hl_daemon *d, unsigned id, unsigned lcore, char *err, size_t errlen)
{
	struct hl_worker *w;
	char name[RTE_RING_NAMESIZE];
	int rc;

	w = rte_zmalloc_socket("hl_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
			       (int)rte_lcore_to_socket_id(lcore));
	if (w == NULL) {
		snprintf(err, errlen, "worker %u: out of memory", id);
		return -ENOMEM;
	}
	d->workers[id] = w;
	w->id = id;
	w->lcore = lcore;
	w->net = &d->net;
	w->pool = d->pool;
	w->stop = &d->stop;
	w->draining = &d->draining;
	w->txq_id = (uint16_t)id;
	w->idle = d->cfg->worker.idle;
	w->idle_sleep_us = d->cfg->worker.idle_sleep_us;
	w->transmit = true;
	for (unsigned p = 0; p < d->net.n_ports; p++) {
		w->rxq[p].port = (uint16_t)p;
		w->rxq[p].port_id = d->net.port[p].port_id;
		w->rxq[p].queue_id = (uint16_t)id;
	}
	w->n_rxq = d->net.n_ports;
	hl_worker_init(w);
	rc = create_tcp(d, w, err, errlen);
	if (rc != 0)
		return rc;
	rc = hl_route_worker_init(d->router, &w->route, true);
	if (rc != 0) {
		snprintf(err, errlen, "worker %u: routing core reader: %s", id, strerror(-rc));
		return rc;
	}
	w->route_registered = true;
	if (d->n_workers > 1 && w->tcp != NULL) {
		snprintf(name, sizeof(name), "hl_tcp_ho_%u", id);
		d->tcp_ring[id] =
			rte_ring_create(name, HL_TCP_HANDOFF_RING_SIZE,
					(int)rte_lcore_to_socket_id(lcore), RING_F_SC_DEQ);
		if (d->tcp_ring[id] == NULL) {
			snprintf(err, errlen, "worker %u: TCP hand-off ring: %s", id,
				 rte_strerror(rte_errno));
			return -ENOMEM;
		}
		w->tcp_ring_in = d->tcp_ring[id];
		w->tcp_rings = d->tcp_ring;
	}
	if (d->n_workers > 1) {
		snprintf(name, sizeof(name), "hl_share_%u", id);
		d->share[id] =
			rte_ring_create_elem(name, sizeof(struct hl_arp_share), HL_SHARE_RING_SIZE,
					     (int)rte_lcore_to_socket_id(lcore), RING_F_SC_DEQ);
		if (d->share[id] == NULL) {
			snprintf(err, errlen, "worker %u: neighbour ring: %s", id,
				 rte_strerror(rte_errno));
			return -ENOMEM;
		}
		w->arp.share_in = d->share[id];
	}
	return 0;
}

/*
 * Several workers: read each port's RSS (Toeplitz key and indirection table,
 * through ethtool) so that a flow's owner is the worker polling the queue the
 * NIC picks for it. Where it cannot be read (veth, virtio without RSS, a
 * non-Toeplitz hash) flows are owned by hash and about (N-1)/N of segments
 * are handed between workers.
 */
static void read_rss(struct hl_daemon *d)
{
	char why[256];

	if (d->n_workers < 2)
		return;
	for (unsigned p = 0; p < d->net.n_ports; p++) {
		const struct hl_cfg_port *cp = &d->cfg->ports[p];
		int rc = cp->iface[0] != '\0'
				 ? hl_rss_query(cp->iface, &d->rss[p], why, sizeof(why))
				 : -ENODEV;

		if (rc == 0) {
			d->net.rss[p] = &d->rss[p];
			d->net.rss_queue0[p] = cp->start_queue;
			HL_LOG(NOTICE,
			       "port %s: RSS Toeplitz (%u-entry table): a TCP flow belongs to the "
			       "worker polling the queue the NIC picks\n",
			       cp->name, d->rss[p].n_table);
		} else {
			HL_LOG(NOTICE,
			       "port %s: %s; TCP flows belong to workers by hash, segments that "
			       "reach another worker are handed over (tcp_handoff_*)\n",
			       cp->name,
			       cp->iface[0] != '\0' ? why : "no interface name to read RSS from");
		}
	}
}

/* Worker 0 keeps gateways and the replicas' next hops resolved; peers learn from it. */
static void want_neighbours(struct hl_daemon *d)
{
	struct hl_worker *w = d->workers[0];
	uint32_t nh;

	for (unsigned p = 0; p < d->net.n_ports; p++)
		if (d->net.port[p].gateway != 0)
			hl_arp_want(w, p, d->net.port[p].gateway);
	for (unsigned i = 0; i < d->cfg->n_replicas; i++) {
		int p = hl_net_egress(&d->net, d->cfg->replicas[i].addr, &nh);

		if (p >= 0 && hl_arp_want(w, (unsigned)p, nh) != 0)
			break; /* the rest resolve on first use */
	}
}

static int create_workers(struct hl_daemon *d, char *err, size_t errlen)
{
	unsigned lcore, id = 0;
	int rc;

	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		rc = create_worker(d, id++, lcore, err, errlen);
		if (rc != 0)
			return rc;
	}
	for (unsigned i = 0; i < d->n_workers; i++)
		for (unsigned j = 0; j < d->n_workers; j++)
			if (i != j)
				d->workers[i]->arp.share_out[d->workers[i]->arp.n_share_out++] =
					d->share[j];
	want_neighbours(d);
	return 0;
}

static void say_what_is_missing(const struct hl_config *cfg)
{
	char a[16];

	for (unsigned i = 0; i < cfg->n_listeners; i++) {
		const struct hl_cfg_listener *l = &cfg->listeners[i];
		uint32_t h = rte_be_to_cpu_32(l->vip);

		snprintf(a, sizeof(a), "%u.%u.%u.%u", h >> 24, (h >> 16) & 0xff, (h >> 8) & 0xff,
			 h & 0xff);
		HL_LOG(NOTICE, "listener %s: mode %s on %s:%u\n", l->name,
		       hl_listener_mode_name(l->mode), a, l->port);
	}
	HL_LOG(NOTICE, "control socket %s (hintctl -s %s)\n", cfg->ctrl_socket, cfg->ctrl_socket);
}

int hl_daemon_start(struct hl_daemon *d, struct hl_config *cfg, char *err, size_t errlen)
{
	int rc;

	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	d->cfg_live = cfg;
	d->n_workers = rte_lcore_count() - 1;
	if (d->n_workers == 0) {
		snprintf(err, errlen,
			 "[eal] args: no worker lcore (the first lcore of -l is the "
			 "main lcore; use e.g. -l 0,1)");
		return -EINVAL;
	}
	hl_netconf_build(&d->net, cfg);
	d->net.n_workers = d->n_workers;
	rc = hl_daemon_router_create(cfg, &d->router, err, errlen);
	if (rc == 0)
		rc = create_ctrl(d, err, errlen);
	if (rc == 0)
		rc = create_pool(d, err, errlen);
	if (rc == 0)
		rc = start_ports(d, err, errlen);
	if (rc == 0)
		rc = hl_xdp_stage_open(d, err, errlen);
	if (rc == 0) {
		read_rss(d);
		rc = create_workers(d, err, errlen);
	}
	if (rc == 0)
		rc = hl_telemetry_start(d, err, errlen);
	/* dpdk-dumpcap and dpdk-pdump (secondary processes) ask this process to copy what its
	 * ports receive and send (docs/dpdk-tools.md); without a shared config (--no-shconf,
	 * --in-memory) nobody can ask, and this only reserves a memzone */
	if (rc == 0 && rte_pdump_init() != 0)
		HL_LOG(WARNING, "rte_pdump_init: %s: dpdk-dumpcap cannot capture\n",
		       rte_strerror(rte_errno));
	if (rc != 0) {
		hl_daemon_stop(d);
		return rc;
	}
	say_what_is_missing(cfg);
	for (unsigned i = 0; i < d->n_workers; i++) {
		rc = rte_eal_remote_launch(hl_worker_main, d->workers[i], d->workers[i]->lcore);
		if (rc != 0) {
			snprintf(err, errlen, "worker %u: cannot launch on lcore %u: %s", i,
				 d->workers[i]->lcore, rte_strerror(-rc));
			hl_daemon_stop(d);
			return rc;
		}
		d->launched = true;
	}
	return 0;
}

void hl_daemon_drain(struct hl_daemon *d)
{
	for (unsigned i = 0; i < d->n_workers; i++)
		if (d->workers[i] != NULL)
			__atomic_store_n(&d->workers[i]->drain_left, UINT32_MAX, __ATOMIC_RELAXED);
	__atomic_store_n(&d->draining, true, __ATOMIC_RELEASE);
}

uint64_t hl_daemon_drain_left(const struct hl_daemon *d)
{
	uint64_t left = 0;

	for (unsigned i = 0; i < d->n_workers; i++)
		if (d->workers[i] != NULL)
			left += __atomic_load_n(&d->workers[i]->drain_left, __ATOMIC_RELAXED);
	return left;
}

void hl_daemon_stop(struct hl_daemon *d)
{
	hl_telemetry_stop(d); /* telemetry threads read workers: first */
	__atomic_store_n(&d->stop, true, __ATOMIC_RELAXED);
	if (d->launched)
		rte_eal_mp_wait_lcore();
	d->launched = false;
	for (unsigned i = 0; i < d->n_workers; i++) {
		struct hl_worker *w = d->workers[i];

		if (w == NULL)
			continue;
		hl_tcp_free(w); /* every connection's closed() runs: proxy objects go back */
		hl_relay_free(d->relay[i]);
		d->relay[i] = NULL;
		hl_proxy_free(d->proxy[i]);
		d->proxy[i] = NULL;
		w->proxy = NULL;
		hl_worker_release(w);
		if (w->route_registered)
			hl_route_worker_fini(&w->route);
	}
	hl_xdp_stage_close(d);
	/* A capture's callbacks stay on the queues and count into rte_pdump's memzone, which
	 * uninit frees (DPDK 22.11 pdump_rx/pdump_tx dereference it): only once no worker
	 * polls. Before the ports close: no capture request may race their close. */
	rte_pdump_uninit();
	for (unsigned i = 0; i < d->n_started; i++)
		hl_port_stop(d->net.port[i].port_id);
	d->n_started = 0;
	for (unsigned i = 0; i < d->n_workers; i++) {
		rte_free(d->workers[i]);
		d->workers[i] = NULL;
		rte_ring_free(d->share[i]);
		d->share[i] = NULL;
		hl_tcp_ring_free(d->tcp_ring[i]);
		d->tcp_ring[i] = NULL;
	}
	rte_mempool_free(d->pool);
	d->pool = NULL;
	hl_ctrl_free(d->ctrl);
	d->ctrl = NULL;
	hl_proxy_shared_free(&d->shared);
	hl_router_free(d->router);
	d->router = NULL;
}

void hl_daemon_print_counters(const struct hl_daemon *d, FILE *f)
{
	fprintf(f, "tsc_hz %" PRIu64 "\n", rte_get_tsc_hz());
	for (unsigned i = 0; i < d->n_workers; i++) {
		const struct hl_worker *w = d->workers[i];

		if (w == NULL)
			continue;
		for (unsigned c = 0; c < HL_CTR_COUNT; c++) {
			uint64_t v = __atomic_load_n(&w->ctr[c], __ATOMIC_RELAXED);

			if (v != 0)
				fprintf(f, "worker %u %s %" PRIu64 "\n", i, hl_counter_name(c), v);
		}
		for (unsigned r = 0; r < HL_ROUTE_REASON_COUNT; r++) {
			uint64_t v = __atomic_load_n(&w->route.stats.reason[r], __ATOMIC_RELAXED);

			if (v != 0)
				fprintf(f, "worker %u route_%s %" PRIu64 "\n", i,
					hl_route_reason_name((enum hl_route_reason)r), v);
		}
		if (d->proxy[i] != NULL)
			hl_proxy_print(d->proxy[i], i, f);
	}
	for (unsigned p = 0; p < d->n_started; p++) {
		struct rte_eth_stats st;

		if (rte_eth_stats_get(d->net.port[p].port_id, &st) != 0)
			continue;
		/* the PMD's view, to hold against the kernel's (ip -s link) */
		fprintf(f,
			"port %s opackets %" PRIu64 "\nport %s oerrors %" PRIu64
			"\nport %s ipackets %" PRIu64 "\nport %s imissed %" PRIu64 "\n",
			d->cfg->ports[p].name, st.opackets, d->cfg->ports[p].name, st.oerrors,
			d->cfg->ports[p].name, st.ipackets, d->cfg->ports[p].name, st.imissed);
	}
	hl_xdp_stage_print(d, f);
	if (d->ctrl != NULL)
		hl_ctrl_print(d->ctrl, f);
	fflush(f);
}
