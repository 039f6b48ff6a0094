/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread (include/hintlb/ctrl.h): applies hint lists and
 * health events from the workers, and decides replica health.
 *
 * Passive health: each failure event (refused or silent connect, reset,
 * response timeout, 5xx) extends the replica's run of failures; a response
 * without failure ends it. A run of [health] passive_fall marks the replica
 * down for down_backoff_ms: it leaves the Maglev walk and its hints stop
 * matching (the router skips replicas that are not UP). After the backoff
 * it is tried again with a run of passive_fall - 1, so the first failure
 * sends it back down.
 *
 * Active health (when [health] check_path is set): worker 0 sends a GET to
 * each replica every check_interval_ms (proxy_check.c) and reports the
 * outcome; `fall` failures in a row mark it down, `rise` successes in a row
 * bring it up. A replica that is draining stays draining whatever health
 * says. Every change is logged and counted.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "ctrl_state.h"
#include "hintlb/ctrl_msg.h"
#include "hintlb/log.h"

struct hl_ctrl *hl_ctrl_create(struct hl_router *r, const struct hl_config *cfg,
			       struct rte_ring *ring, struct rte_mempool *msgs)
{
	struct hl_ctrl *c = calloc(1, sizeof(*c));
	uint32_t n = cfg->routing.max_replicas != 0 ? cfg->routing.max_replicas : 256;

	if (c == NULL)
		return NULL;
	c->rep = calloc(n, sizeof(c->rep[0]));
	if (c->rep == NULL) {
		free(c);
		return NULL;
	}
	c->r = r;
	for (unsigned i = 0; i < cfg->n_ports; i++, c->n_own++) {
		c->own[c->n_own].addr = cfg->ports[i].addr;
		snprintf(c->own[c->n_own].what, sizeof(c->own[0].what), "[port %s]'s address",
			 cfg->ports[i].name);
	}
	for (unsigned i = 0; i < cfg->n_listeners; i++, c->n_own++) {
		c->own[c->n_own].addr = cfg->listeners[i].vip;
		snprintf(c->own[c->n_own].what, sizeof(c->own[0].what), "[listener %s]'s VIP",
			 cfg->listeners[i].name);
	}
	c->health = cfg->health;
	c->h = &c->health;
	c->ring = ring;
	c->msgs = msgs;
	c->n_replicas = n;
	c->tsc_per_us = RTE_MAX(rte_get_tsc_hz() / 1000000, (uint64_t)1);
	c->backoff_tsc = (uint64_t)cfg->health.down_backoff_ms * 1000 * c->tsc_per_us;
	c->sock.lfd = -1;
	c->rw_ok = hl_route_worker_init(r, &c->rw, false) == 0;
	return c;
}

void hl_ctrl_set_health(struct hl_ctrl *c, const struct hl_cfg_health *h)
{
	c->health = *h;
	c->backoff_tsc = (uint64_t)h->down_backoff_ms * 1000 * c->tsc_per_us;
}

void hl_ctrl_free(struct hl_ctrl *c)
{
	if (c == NULL)
		return;
	ctrl_sock_close(&c->sock);
	ctrl_metrics_close(c);
	if (c->rw_ok)
		hl_route_worker_fini(&c->rw);
	free(c->rep);
	free(c);
}

/* Mark @p id up or down (never over draining). */
static void set_health(struct hl_ctrl *c, uint32_t id, bool up, const char *why)
{
	struct hl_replica_info info;
	struct ctrl_replica *cr = &c->rep[id];

	if (hl_replica_get(c->r, id, &info) != 0 || info.state == HL_REPLICA_DRAINING ||
	    cr->removed)
		return;
	if (up && info.state == HL_REPLICA_DOWN && cr->down) {
		hl_replica_set_state(c->r, id, HL_REPLICA_UP);
		cr->down = false;
		c->st.marked_up++;
		HL_LOG(NOTICE, "replica %s: up (%s)\n", info.name, why);
	} else if (!up && info.state == HL_REPLICA_UP) {
		hl_replica_set_state(c->r, id, HL_REPLICA_DOWN);
		cr->down = true;
		c->st.marked_down++;
		HL_LOG(NOTICE, "replica %s: down (%s)\n", info.name, why);
	}
}

static const char *event_name(unsigned ev)
{
	static const char *const names[HL_CTRL_HEALTH_EVENT_COUNT] = {
		"ok",  "connect failed", "reset",       "response timeout",
		"5xx", "check ok",       "check failed"};

	return ev < HL_CTRL_HEALTH_EVENT_COUNT ? names[ev] : "?";
}

static void apply_health(struct hl_ctrl *c, const struct hl_ctrl_msg *m, uint64_t now)
{
	struct ctrl_replica *cr = &c->rep[m->replica];
	char why[96];

	c->st.health_events++;
	switch (m->kind) {
	case HL_CTRL_HEALTH_OK:
		cr->fails = 0;
		return;
	case HL_CTRL_HEALTH_CHECK_OK:
		cr->check_bad = 0;
		if (++cr->check_ok >= c->h->rise && cr->down) {
			snprintf(why, sizeof(why), "%u checks passed", cr->check_ok);
			cr->down_until = 0;
			cr->fails = 0;
			set_health(c, m->replica, true, why);
		}
		return;
	case HL_CTRL_HEALTH_CHECK_FAIL:
		cr->check_ok = 0;
		if (++cr->check_bad >= c->h->fall) {
			snprintf(why, sizeof(why), "%u checks failed", cr->check_bad);
			set_health(c, m->replica, false, why);
		}
		return;
	default:
		break;
	}
	if (c->h->passive_fall == 0 || m->kind >= HL_CTRL_HEALTH_EVENT_COUNT)
		return;
	if (++cr->fails >= c->h->passive_fall) {
		snprintf(why, sizeof(why), "%u failures in a row, the last: %s; retry in %u ms",
			 cr->fails, event_name(m->kind), c->h->down_backoff_ms);
		cr->down_until = now + c->backoff_tsc;
		set_health(c, m->replica, false, why);
	}
}

static void apply_hints(struct hl_ctrl *c, const struct hl_ctrl_msg *m, uint64_t now)
{
	int rc;
	uint64_t ns;
	unsigned b;

	if (m->kind == HL_HINTS_NONE)
		rc = hl_hints_replace_header(c->r, m->replica, NULL, 0);
	else
		rc = hl_hints_replace_header(c->r, m->replica, m->value,
					     m->kind == HL_HINTS_EMPTY ? 0 : m->len);
	if (rc < 0) {
		c->st.hints_refused++;
		return;
	}
	c->st.hints_applied++;
	ns = now > m->tsc ? (now - m->tsc) * 1000 / c->tsc_per_us : 0;
	b = ns == 0 ? 0 : (unsigned)(63 - __builtin_clzll(ns));
	c->st.hints_lat[RTE_MIN(b, (unsigned)RTE_DIM(c->st.hints_lat) - 1)]++;
}

/* Passive backoffs that ended: try the replica again. */
static void end_backoffs(struct hl_ctrl *c, uint64_t now)
{
	uint32_t n = RTE_MIN(c->n_replicas, hl_router_replica_count(c->r));

	for (uint32_t id = 0; id < n; id++) {
		struct ctrl_replica *cr = &c->rep[id];

		if (cr->down_until == 0 || now < cr->down_until || cr->removed)
			continue;
		cr->down_until = 0;
		/* active checks, when on, decide when it comes back */
		if (c->h->check_path[0] != '\0' && cr->check_bad >= c->h->fall)
			continue;
		cr->fails = c->h->passive_fall > 0 ? c->h->passive_fall - 1 : 0;
		set_health(c, id, true, "backoff over, trying again");
	}
}

unsigned hl_ctrl_poll(struct hl_ctrl *c, uint64_t now)
{
	void *objs[64];
	unsigned n, total = 0;

	do {
		n = rte_ring_sc_dequeue_burst(c->ring, objs, RTE_DIM(objs), NULL);
		for (unsigned i = 0; i < n; i++) {
			struct hl_ctrl_msg *m = objs[i];

			c->st.msgs++;
			if (m->replica >= c->n_replicas ||
			    m->replica >= hl_router_replica_count(c->r))
				c->st.bad_msgs++;
			else if (m->type == HL_CTRL_MSG_HINTS)
				apply_hints(c, m, rte_rdtsc());
			else if (m->type == HL_CTRL_MSG_HEALTH)
				apply_health(c, m, now);
			else
				c->st.bad_msgs++;
			rte_mempool_put(c->msgs, m);
		}
		total += n;
	} while (n == RTE_DIM(objs));
	end_backoffs(c, now);
	hl_router_reclaim(c->r);
	return total;
}

int hl_ctrl_open_socket(struct hl_ctrl *c, const struct hl_config *cfg, char *err, size_t errlen)
{
	int rc = ctrl_sock_open(&c->sock, cfg, err, errlen);

	c->sock.handler = ctrl_dispatch;
	c->sock.arg = c;
	return rc;
}

void hl_ctrl_set_daemon_ops(struct hl_ctrl *c, const struct hl_ctrl_daemon_ops *ops, void *arg)
{
	c->dops = ops;
	c->dops_arg = arg;
}

void hl_ctrl_set_metrics_fn(struct hl_ctrl *c, hl_ctrl_metrics_fn *fn, void *arg)
{
	c->metrics_fn = fn;
	c->metrics_arg = arg;
}

void hl_ctrl_set_stats_fn(struct hl_ctrl *c, hl_ctrl_stats_fn *fn, void *arg)
{
	c->stats_fn = fn;
	c->stats_arg = arg;
}

unsigned hl_ctrl_wait(struct hl_ctrl *c, int wake_fd, int timeout_ms)
{
	struct pollfd fds[1 + 1 + 1024];
	unsigned n = 0;
	uint64_t v;

	if (wake_fd >= 0)
		fds[n++] = (struct pollfd){.fd = wake_fd, .events = POLLIN};
	n += ctrl_sock_fds(&c->sock, fds + n, RTE_DIM(fds) - n);
	n += ctrl_metrics_fds(c, fds + n, RTE_DIM(fds) - n);
	if (poll(fds, n, timeout_ms) > 0 && wake_fd >= 0 && (fds[0].revents & POLLIN) &&
	    read(wake_fd, &v, sizeof(v)) < 0)
		v = 0; /* EAGAIN: nothing to take */
	ctrl_sock_serve(&c->sock);
	ctrl_metrics_serve(c);
	return hl_ctrl_poll(c, rte_rdtsc());
}

uint64_t hl_ctrl_hints_latency(const struct hl_ctrl *c, double q)
{
	uint64_t total = 0, seen = 0;

	for (unsigned i = 0; i < RTE_DIM(c->st.hints_lat); i++)
		total += c->st.hints_lat[i];
	if (total == 0)
		return 0;
	for (unsigned i = 0; i < RTE_DIM(c->st.hints_lat); i++) {
		seen += c->st.hints_lat[i];
		if ((double)seen >= q * (double)total)
			return (uint64_t)2 << i;
	}
	return UINT64_MAX;
}

void hl_ctrl_get_report(const struct hl_ctrl *c, struct hl_ctrl_report *out)
{
	const struct ctrl_sock_stats *k = &c->sock.st;

	*out = (struct hl_ctrl_report){
		.st = c->st,
		.hints_apply_ns_p50 = hl_ctrl_hints_latency(c, 0.5),
		.hints_apply_ns_p99 = hl_ctrl_hints_latency(c, 0.99),
		.hints_apply_ns_max = hl_ctrl_hints_latency(c, 1.0),
		.sock_accepted = k->accepted,
		.sock_refused_full = k->refused_full,
		.sock_requests = k->requests,
		.sock_errors = k->errors,
		.sock_bad_json = k->bad_json,
		.sock_too_long = k->too_long,
		.sock_timeouts = k->timeouts,
		.sock_clients = c->sock.n_clients,
		.metrics_requests = c->metrics_requests,
	};
}

void hl_ctrl_print(const struct hl_ctrl *c, FILE *f)
{
	const struct hl_ctrl_stats *s = &c->st;
	struct hl_replica_info info;

	fprintf(f,
		"ctrl sock_accepted %" PRIu64 "\nctrl sock_refused_full %" PRIu64
		"\nctrl sock_requests %" PRIu64 "\nctrl sock_errors %" PRIu64
		"\nctrl sock_bad_json %" PRIu64 "\nctrl sock_too_long %" PRIu64
		"\nctrl sock_timeouts %" PRIu64 "\n",
		c->sock.st.accepted, c->sock.st.refused_full, c->sock.st.requests,
		c->sock.st.errors, c->sock.st.bad_json, c->sock.st.too_long, c->sock.st.timeouts);
	fprintf(f,
		"ctrl msgs %" PRIu64 "\nctrl hints_applied %" PRIu64 "\nctrl hints_refused %" PRIu64
		"\nctrl health_events %" PRIu64 "\nctrl marked_down %" PRIu64
		"\nctrl marked_up %" PRIu64 "\nctrl bad_msgs %" PRIu64
		"\nctrl hints_apply_ns_p50 %" PRIu64 "\nctrl hints_apply_ns_p99 %" PRIu64
		"\nctrl hints_apply_ns_max %" PRIu64 "\n",
		s->msgs, s->hints_applied, s->hints_refused, s->health_events, s->marked_down,
		s->marked_up, s->bad_msgs, hl_ctrl_hints_latency(c, 0.5),
		hl_ctrl_hints_latency(c, 0.99), hl_ctrl_hints_latency(c, 1.0));
	for (uint32_t id = 0; id < hl_router_replica_count(c->r); id++) {
		static const char *const states[] = {"up", "down", "draining"};
		static const char *const kinds[] = {"none", "empty", "list"};

		if (hl_replica_get(c->r, id, &info) != 0)
			continue;
		fprintf(f,
			"replica %s state %s\nreplica %s hints_kind %s\nreplica %s hints %u\n"
			"replica %s inflight %u\n",
			info.name, states[info.state % 3], info.name, kinds[info.hints_kind % 3],
			info.name, info.n_hints, info.name, info.inflight);
	}
}
