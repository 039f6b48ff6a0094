/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hintlb policy: the real routing core (dataplane/route), driven the way
 * the dataplane drives it. The simulator plays both the worker (decide,
 * complete, quiescent) and the control thread (hints_replace, reclaim); it is
 * single threaded, so both run on the same thread.
 *
 * Replicas report their full hint list after each response, as fal replicas
 * do: at each completion the router first learns the list (or that the
 * replica holds nothing), then hears that the request ended, with the latency
 * a load balancer measures (dispatch to response end, queueing included).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hintsim.h"

#define HINTLB_ROUTER_NAME "hintsim"
/* The router's default hint table size; larger tables only when needed. */
#define HINTLB_DEFAULT_HINTS 65536

struct hintlb_state {
	struct hl_router *router;
	struct hl_route_worker w;
	bool worker_ready;
	struct hl_route_result *res; /**< per request: its decision */
	const char **names;          /**< scratch for one hint list (slots entries) */
	size_t *lens;
	enum hl_route_policy policy;
	uint64_t hint_errors; /**< hl_hints_replace() failures */
};

static int add_replicas(struct hintlb_state *st, const struct sim_cluster *c, char *err,
			size_t errlen)
{
	char name[HL_REPLICA_NAME_MAX], why[HL_ROUTE_ERR_MAX] = "";
	uint32_t i;
	int id;

	for (i = 0; i < c->n; i++) {
		struct hl_replica_params rp = {
			.name = name,
			.ipv4 = 0x0a000001u + i, /* 10.0.0.1 and up */
			.port = 8000,
			.weight = 1,
			.concurrency = c->cfg->concurrency,
		};

		snprintf(name, sizeof(name), "replica-%u", i);
		id = hl_replica_add(st->router, &rp, why, sizeof(why));
		if (id < 0) {
			snprintf(err, errlen, "hintlb: adding %s: %s (%s)", name, why,
				 strerror(-id));
			return id;
		}
		if ((uint32_t)id != i) {
			snprintf(err, errlen, "hintlb: %s got id %d, expected %u", name, id, i);
			return -EINVAL;
		}
	}
	return 0;
}

static int create_router(struct hintlb_state *st, const struct sim_cluster *c, char *err,
			 size_t errlen)
{
	const struct sim_config *cfg = c->cfg;
	uint64_t held = (uint64_t)cfg->replicas * cfg->slots;
	char why[HL_ROUTE_ERR_MAX] = "";
	struct hl_router_params rp = {
		.name = HINTLB_ROUTER_NAME,
		.max_replicas = cfg->replicas,
		.balance_factor = cfg->balance_factor,
		.max_readers = 1,
		.load_wait = cfg->load_wait,
	};

	/* Left 0 unless --policy is given: the router's own default. */
	if (cfg->route_policy >= 0)
		rp.policy = (enum hl_route_policy)cfg->route_policy;
	if (held > cfg->models)
		held = cfg->models;
	if (held > HINTLB_DEFAULT_HINTS)
		rp.max_hints = (uint32_t)held;
	rp.no_generalist_preference = cfg->no_generalist_preference;
	st->policy = rp.policy;
	st->router = hl_router_create(&rp, why, sizeof(why));
	if (st->router == NULL) {
		snprintf(err, errlen, "hintlb: creating the router: %s (%s)", why, strerror(errno));
		return errno ? -errno : -EINVAL;
	}
	return 0;
}

static void hintlb_fini(struct sim_policy *p)
{
	struct hintlb_state *st = p->priv;

	if (st == NULL)
		return;
	if (st->worker_ready)
		hl_route_worker_fini(&st->w);
	if (st->router != NULL) {
		hl_router_reclaim(st->router);
		hl_router_free(st->router);
	}
	free(st->res);
	free(st->names);
	free(st->lens);
	free(st);
	p->priv = NULL;
}

static int hintlb_init(struct sim_policy *p, const struct sim_cluster *c, char *err, size_t errlen)
{
	struct hintlb_state *st = calloc(1, sizeof(*st));
	int rc;

	p->priv = st;
	if (st == NULL)
		goto nomem;
	st->res = calloc(c->trace->n, sizeof(*st->res));
	st->names = calloc(c->cfg->slots, sizeof(*st->names));
	st->lens = calloc(c->cfg->slots, sizeof(*st->lens));
	if (st->res == NULL || st->names == NULL || st->lens == NULL)
		goto nomem;
	rc = create_router(st, c, err, errlen);
	if (rc == 0)
		rc = add_replicas(st, c, err, errlen);
	/* Replicas start empty and say so (a fal runner reports an empty hint
	 * list before it has loaded anything): generalists until their first
	 * load. */
	for (uint32_t i = 0; rc == 0 && i < c->cfg->replicas; i++)
		rc = hl_hints_replace(st->router, i, HL_HINTS_EMPTY, NULL, NULL, 0);
	if (rc == 0) {
		rc = hl_route_worker_init(st->router, &st->w, c->cfg->qsbr);
		if (rc != 0)
			snprintf(err, errlen, "hintlb: worker init: %s", strerror(-rc));
	}
	if (rc != 0) {
		hintlb_fini(p);
		return rc;
	}
	st->worker_ready = true;
	/* Power-of-two choices draw from the worker's random state: seed it
	 * from the trace seed so a run is reproducible. */
	hl_route_worker_seed(&st->w, c->cfg->seed ^ 0x68696e746c62ULL);
	return 0;
nomem:
	hintlb_fini(p);
	snprintf(err, errlen, "hintlb: out of memory");
	return -ENOMEM;
}

static int32_t hintlb_pick(struct sim_policy *p, const struct sim_cluster *c, uint64_t req)
{
	struct hintlb_state *st = p->priv;
	uint32_t m = c->trace->model[req];
	struct hl_route_req rq = {
		.hint = c->trace->names[m],
		.hint_len = c->trace->name_len[m],
		.client_key = req,
		/* The simulated clock; 0 would mean "read the TSC". */
		.now_ns = c->trace->arrival_ns[req] ? c->trace->arrival_ns[req] : 1,
	};

	if (hl_route_decide(&st->w, &rq, &st->res[req]) != 0)
		return -1;
	return st->res[req].replica;
}

static void hintlb_complete(struct sim_policy *p, const struct sim_cluster *c, uint64_t req,
			    uint32_t r, uint64_t now)
{
	struct hintlb_state *st = p->priv;
	unsigned n = sim_replica_hints(c, r, now, st->names, st->lens);
	int rc;

	rc = hl_hints_replace(st->router, r, n ? HL_HINTS_LIST : HL_HINTS_EMPTY, st->names,
			      st->lens, n);
	if (rc < 0)
		st->hint_errors++;
	hl_route_complete(&st->w, &st->res[req], now - c->trace->arrival_ns[req]);
}

static void hintlb_tick(struct sim_policy *p)
{
	struct hintlb_state *st = p->priv;

	hl_route_quiescent(&st->w);
	hl_router_reclaim(st->router);
}

static void hintlb_stats(struct sim_policy *p, struct sim_result *res)
{
	struct hintlb_state *st = p->priv;

	memcpy(res->reason, st->w.stats.reason, sizeof(res->reason));
	res->has_reasons = true;
	res->route_policy = hl_route_policy_name(st->policy);
	res->hint_errors = st->hint_errors;
}

const struct sim_policy_ops sim_policy_hintlb = {
	.name = "hintlb",
	.init = hintlb_init,
	.pick = hintlb_pick,
	.complete = hintlb_complete,
	.tick = hintlb_tick,
	.stats = hintlb_stats,
	.fini = hintlb_fini,
};
