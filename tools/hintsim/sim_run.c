/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The event loop: replays the trace through one policy against a fresh
 * cluster and turns what happened into a sim_result.
 *
 * Three kinds of events: an arrival (the policy dispatches the request to a
 * replica), a delivery (the replica queues it: at once, or half the
 * --path-ms later) and a completion (the replica frees a slot, the policy
 * hears about it, the replica starts what it has queued; the client has the
 * answer the other half of the path later). Arrivals are scheduled one at a
 * time, so the heap holds at most one arrival plus the requests on the path
 * and in service.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hintsim.h"

enum sim_ev_type {
	EV_ARRIVAL = 0, /**< b = request index */
	EV_DELIVER,     /**< a = replica, b = request index */
	EV_DONE,        /**< a = replica, b = request index */
};

struct run_state {
	const struct sim_config *cfg;
	const struct sim_trace *trace;
	struct sim_cluster cluster;
	struct sim_heap heap;
	struct sim_policy pol;
	uint64_t *start_ns; /**< per request: when it started on its replica */
	uint32_t *slot;     /**< per request: the model slot it pinned */
	uint64_t *latency;  /**< completed requests' arrival -> done, in ns */
	uint64_t n_done;
	uint64_t unroutable;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Start whatever replica @p r can start now and schedule its completions. */
static int start_ready(struct run_state *rs, uint32_t r, uint64_t now)
{
	struct sim_start st;

	while (sim_replica_start_next(&rs->cluster, r, now, &st)) {
		rs->start_ns[st.req] = now;
		rs->slot[st.req] = st.slot;
		if (sim_heap_push(&rs->heap, st.done_ns, EV_DONE, r, st.req) != 0)
			return -ENOMEM;
	}
	return 0;
}

static int on_arrival(struct run_state *rs, const struct sim_event *ev)
{
	uint64_t req = ev->b;
	int32_t r;

	if (req + 1 < rs->trace->n &&
	    sim_heap_push(&rs->heap, rs->trace->arrival_ns[req + 1], EV_ARRIVAL, 0, req + 1) != 0)
		return -ENOMEM;
	r = rs->pol.ops->pick(&rs->pol, &rs->cluster, req);
	if (r < 0 || (uint32_t)r >= rs->cluster.n) {
		rs->unroutable++;
		return 0;
	}
	sim_replica_dispatch(&rs->cluster, (uint32_t)r);
	if (rs->cfg->path_ns / 2 != 0)
		return sim_heap_push(&rs->heap, ev->time + rs->cfg->path_ns / 2, EV_DELIVER,
				     (uint32_t)r, req);
	if (sim_replica_enqueue(&rs->cluster, (uint32_t)r, req) != 0)
		return -ENOMEM;
	return start_ready(rs, (uint32_t)r, ev->time);
}

static int on_deliver(struct run_state *rs, const struct sim_event *ev)
{
	if (sim_replica_enqueue(&rs->cluster, ev->a, ev->b) != 0)
		return -ENOMEM;
	return start_ready(rs, ev->a, ev->time);
}

static int on_done(struct run_state *rs, const struct sim_event *ev)
{
	uint64_t req = ev->b;
	uint32_t r = ev->a;

	sim_replica_finish(&rs->cluster, r, rs->slot[req], ev->time - rs->start_ns[req]);
	rs->latency[rs->n_done++] =
		ev->time + (rs->cfg->path_ns - rs->cfg->path_ns / 2) - rs->trace->arrival_ns[req];
	if (rs->pol.ops->complete != NULL)
		rs->pol.ops->complete(&rs->pol, &rs->cluster, req, r, ev->time);
	return start_ready(rs, r, ev->time);
}

static int run_events(struct run_state *rs)
{
	struct sim_event ev;
	int rc = 0;

	if (sim_heap_push(&rs->heap, rs->trace->arrival_ns[0], EV_ARRIVAL, 0, 0) != 0)
		return -ENOMEM;
	while (rc == 0 && sim_heap_pop(&rs->heap, &ev)) {
		rc = ev.type == EV_ARRIVAL   ? on_arrival(rs, &ev)
		     : ev.type == EV_DELIVER ? on_deliver(rs, &ev)
					     : on_done(rs, &ev);
		if (rs->pol.ops->tick != NULL)
			rs->pol.ops->tick(&rs->pol);
	}
	return rc;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile (@p pct in 1..100) of sorted @p v, in ms. */
static double percentile_ms(const uint64_t *v, uint64_t n, unsigned pct)
{
	uint64_t rank = (n * pct + 99) / 100; /* ceil(n * pct / 100), exact */

	if (n == 0)
		return 0.0;
	if (rank < 1)
		rank = 1;
	return (double)v[rank - 1] / (double)SIM_NS_PER_MS;
}

static void summarise(struct run_state *rs, struct sim_result *res)
{
	const struct sim_cluster *c = &rs->cluster;
	uint64_t max_busy = 0, sum_busy = 0;
	uint32_t i;

	res->requests = rs->n_done;
	res->unroutable = rs->unroutable;
	res->loads = 0;
	for (i = 0; i < c->n; i++) {
		res->loads += c->rep[i].loads;
		sum_busy += c->rep[i].busy_ns;
		if (c->rep[i].busy_ns > max_busy)
			max_busy = c->rep[i].busy_ns;
	}
	res->replica_requests = malloc(sizeof(*res->replica_requests) * c->n);
	for (i = 0; res->replica_requests != NULL && i < c->n; i++)
		res->replica_requests[i] = c->rep[i].requests;
	res->miss_rate = (double)res->loads / (double)rs->trace->n;
	res->max_mean_load = sum_busy ? (double)max_busy * c->n / (double)sum_busy : 1.0;
	qsort(rs->latency, rs->n_done, sizeof(*rs->latency), cmp_u64);
	res->p50_ms = percentile_ms(rs->latency, rs->n_done, 50);
	res->p99_ms = percentile_ms(rs->latency, rs->n_done, 99);
}

void sim_result_free(struct sim_result *res)
{
	free(res->replica_requests);
	res->replica_requests = NULL;
}

static int alloc_state(struct run_state *rs, const struct sim_config *cfg,
		       const struct sim_trace *trace)
{
	memset(rs, 0, sizeof(*rs));
	rs->cfg = cfg;
	rs->trace = trace;
	rs->start_ns = malloc(sizeof(*rs->start_ns) * trace->n);
	rs->slot = malloc(sizeof(*rs->slot) * trace->n);
	rs->latency = malloc(sizeof(*rs->latency) * trace->n);
	if (rs->start_ns == NULL || rs->slot == NULL || rs->latency == NULL)
		return -ENOMEM;
	if (sim_heap_init(&rs->heap, (size_t)cfg->replicas * cfg->concurrency + 16) != 0)
		return -ENOMEM;
	return sim_cluster_init(&rs->cluster, cfg, trace);
}

static void free_state(struct run_state *rs)
{
	sim_cluster_free(&rs->cluster);
	sim_heap_free(&rs->heap);
	free(rs->latency);
	free(rs->slot);
	free(rs->start_ns);
}

int sim_run(const struct sim_config *cfg, const struct sim_trace *trace,
	    const struct sim_policy_ops *ops, struct sim_result *res, char *err, size_t errlen)
{
	struct run_state rs;
	double t0 = now_s();
	bool pol_ready = false;
	int rc;

	memset(res, 0, sizeof(*res));
	res->name = ops->name;
	rc = alloc_state(&rs, cfg, trace);
	if (rc != 0) {
		snprintf(err, errlen, "%s: out of memory", ops->name);
		goto out;
	}
	rs.pol.ops = ops;
	rc = ops->init(&rs.pol, &rs.cluster, err, errlen);
	if (rc != 0)
		goto out;
	pol_ready = true;
	rc = run_events(&rs);
	if (rc != 0) {
		snprintf(err, errlen, "%s: out of memory", ops->name);
		goto out;
	}
	summarise(&rs, res);
	if (ops->stats != NULL)
		ops->stats(&rs.pol, res);
	res->wall_s = now_s() - t0;
out:
	if (pol_ready)
		ops->fini(&rs.pol);
	free_state(&rs);
	return rc;
}
