/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Router lifecycle (control thread): create, free, reclaim, counters, names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "route_policy.h"
#include <rte_errno.h>

#include "route_priv.h"

#define HL_MAX_REPLICAS_DEFAULT 256
#define HL_MAX_HINTS_DEFAULT    65536
#define HL_MAGLEV_SIZE_MAX      16777213 /* a prime below 2^24 */

static uint32_t router_seq; /* unique default names; control threads only */

static int params_check(struct hl_router_params *p, char *err, size_t errlen)
{
	if (p->max_replicas == 0)
		p->max_replicas = HL_MAX_REPLICAS_DEFAULT;
	if (p->max_hints == 0)
		p->max_hints = HL_MAX_HINTS_DEFAULT;
	if (p->maglev_size == 0)
		p->maglev_size = HL_MAGLEV_SIZE_DEFAULT;
	if (p->balance_factor == 0)
		p->balance_factor = HL_BALANCE_FACTOR_DEFAULT;
	if (p->max_readers == 0)
		p->max_readers = RTE_MAX_LCORE;
	if (p->max_readers > HL_READERS_MAX) {
		snprintf(err, errlen, "max_readers %u is over the limit %u", p->max_readers,
			 HL_READERS_MAX);
		return -EINVAL;
	}

	if (p->max_replicas > HL_REPLICAS_LIMIT) {
		snprintf(err, errlen, "max_replicas %u is over the limit %u", p->max_replicas,
			 HL_REPLICAS_LIMIT);
		return -EINVAL;
	}
	if (p->max_hints < 8 || p->max_hints > (1u << 26)) {
		snprintf(err, errlen, "max_hints %u is not in 8..%u", p->max_hints, 1u << 26);
		return -EINVAL;
	}
	if (!maglev_size_ok(p->maglev_size) || p->maglev_size > HL_MAGLEV_SIZE_MAX ||
	    p->maglev_size <= p->max_replicas) {
		snprintf(err, errlen,
			 "maglev_size %u must be a prime above max_replicas (%u) and below %u",
			 p->maglev_size, p->max_replicas, HL_MAGLEV_SIZE_MAX + 1);
		return -EINVAL;
	}
	if (!(p->balance_factor >= 1.0 && p->balance_factor <= 100.0)) {
		snprintf(err, errlen, "balance_factor %g is not in 1.0..100", p->balance_factor);
		return -EINVAL;
	}
	if (!(p->load_wait >= 0.0 && p->load_wait <= 100.0)) {
		snprintf(err, errlen, "load_wait %g is not in 0..100 (load times)", p->load_wait);
		return -EINVAL;
	}
	if ((unsigned)p->policy >= HL_POLICY_COUNT) {
		snprintf(err, errlen, "policy %d is unknown", (int)p->policy);
		return -EINVAL;
	}
	return 0;
}

/* What waits for a grace period: an object to free and, for a deleted
 * hint, the hash key slot to give back (-1: none). With
 * RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF a deleted key's slot stays reserved
 * until rte_hash_free_key_with_position(), so a reader still probing it
 * never sees it reused. */
struct deferred {
	void *obj;
	int64_t key_pos;
};

static void dq_free(void *p, void *e, unsigned int n)
{
	struct hl_router *r = p;
	struct deferred *d = e;

	for (unsigned i = 0; i < n; i++) {
		free(d[i].obj);
		if (d[i].key_pos >= 0)
			rte_hash_free_key_with_position(r->hints, (int32_t)d[i].key_pos);
	}
	r->counters.reclaimed += n;
}

static int rcu_create(struct hl_router *r, const char *name, char *err, size_t errlen)
{
	size_t sz = rte_rcu_qsbr_get_memsize(r->p.max_readers);

	r->qsbr = rte_zmalloc_socket(NULL, sz, RTE_CACHE_LINE_SIZE, r->p.socket_id);
	if (r->qsbr == NULL || rte_rcu_qsbr_init(r->qsbr, r->p.max_readers) != 0) {
		snprintf(err, errlen, "router %s: cannot allocate RCU state", name);
		return -ENOMEM;
	}
	char dqname[RTE_RCU_QSBR_DQ_NAMESIZE];
	snprintf(dqname, sizeof(dqname), "%s_dq", name);
	struct rte_rcu_qsbr_dq_parameters dp = {
		.name = dqname,
		.flags = RTE_RCU_QSBR_DQ_MT_UNSAFE, /* the control thread alone enqueues */
		.size = r->p.max_hints * 2 + 64,
		.esize = sizeof(struct deferred),
		.trigger_reclaim_limit = 64,
		.max_reclaim_size = 256,
		.free_fn = dq_free,
		.p = r,
		.v = r->qsbr,
	};
	r->dq = rte_rcu_qsbr_dq_create(&dp);
	if (r->dq == NULL) {
		snprintf(err, errlen, "router %s: cannot create the RCU defer queue: %s", name,
			 strerror(rte_errno));
		return -ENOMEM;
	}
	return 0;
}

struct hl_router *hl_router_create(const struct hl_router_params *params, char *err, size_t errlen)
{
	struct hl_router_params p = params ? *params : (struct hl_router_params){0};
	char name[24];
	int rc;

	if (p.socket_id == 0)
		p.socket_id = SOCKET_ID_ANY;
	rc = params_check(&p, err, errlen);
	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	if (p.name == NULL || p.name[0] == '\0')
		snprintf(name, sizeof(name), "hlr%u", router_seq++);
	else if (snprintf(name, sizeof(name), "%s", p.name) >= (int)sizeof(name)) {
		snprintf(err, errlen, "router name '%s' is longer than %zu bytes", p.name,
			 sizeof(name) - 1);
		errno = EINVAL;
		return NULL;
	}

	char hname[RTE_HASH_NAMESIZE];
	snprintf(hname, sizeof(hname), "%s_hints", name);
	if (rte_hash_find_existing(hname) != NULL) {
		snprintf(err, errlen, "router name '%s' is already in use", name);
		errno = EEXIST;
		return NULL;
	}

	struct hl_router *r =
		rte_zmalloc_socket(NULL, sizeof(*r), RTE_CACHE_LINE_SIZE, p.socket_id);
	if (r == NULL)
		goto nomem;
	r->p = p;
	r->p.name = NULL; /* borrowed string; not kept */
	r->ops = route_policy_ops(p.policy);
	r->conf = rte_zmalloc_socket(NULL, sizeof(*r->conf) * p.max_replicas, RTE_CACHE_LINE_SIZE,
				     p.socket_id);
	r->load = rte_zmalloc_socket(NULL, sizeof(*r->load) * p.max_replicas, RTE_CACHE_LINE_SIZE,
				     p.socket_id);
	r->ctl = calloc(p.max_replicas, sizeof(*r->ctl));
	if (r->conf == NULL || r->load == NULL || r->ctl == NULL)
		goto nomem;
	r->tsc_mult = (uint64_t)(((unsigned __int128)NS_PER_S << 32) / rte_get_tsc_hz());
	r->est_service_ns = HL_EST_SERVICE_NS_INIT;
	r->est_load_ns = HL_EST_LOAD_NS_INIT;
	rc = rcu_create(r, name, err, errlen);
	if (rc < 0)
		goto fail;
	rc = hint_table_create(r, name, err, errlen);
	if (rc < 0)
		goto fail;
	return r;
nomem:
	snprintf(err, errlen, "router %s: out of memory", name);
	rc = -ENOMEM;
fail:
	hl_router_free(r);
	errno = -rc;
	return NULL;
}

void hl_router_free(struct hl_router *r)
{
	if (r == NULL)
		return;
	if (r->dq != NULL) {
		/* No reader may be left: everything queued can go. */
		rte_rcu_qsbr_dq_reclaim(r->dq, UINT32_MAX, NULL, NULL, NULL);
		rte_rcu_qsbr_dq_delete(r->dq);
	}
	hint_table_free(r); /* frees entries still in the table */
	free(r->maglev);
	if (r->conf != NULL)
		for (uint32_t i = 0; i < r->p.max_replicas; i++)
			free(r->conf[i].hints);
	if (r->ctl != NULL)
		for (uint32_t i = 0; i < r->p.max_replicas; i++)
			free(r->ctl[i].keys);
	free(r->ctl);
	rte_free(r->load);
	rte_free(r->conf);
	rte_free(r->qsbr);
	rte_free(r);
}

void route_defer_free(struct hl_router *r, void *obj, int32_t key_pos)
{
	struct deferred d = {.obj = obj, .key_pos = key_pos};

	if (obj == NULL && key_pos < 0)
		return;
	/* Enqueue reclaims on its own when the queue fills; if it still
	 * cannot take it, wait for a grace period and free now. */
	if (rte_rcu_qsbr_dq_enqueue(r->dq, &d) != 0) {
		rte_rcu_qsbr_synchronize(r->qsbr, RTE_QSBR_THRID_INVALID);
		dq_free(r, &d, 1);
	}
}

unsigned hl_router_reclaim(struct hl_router *r)
{
	unsigned freed = 0, pending = 0, avail = 0;

	rte_rcu_qsbr_dq_reclaim(r->dq, UINT32_MAX, &freed, &pending, &avail);
	return freed;
}

void hl_router_get_counters(const struct hl_router *r, struct hl_router_counters *out)
{
	*out = r->counters;
	out->hints = r->n_hints;
	out->est_service_ns = __atomic_load_n(&r->est_service_ns, __ATOMIC_RELAXED);
	out->est_load_ns = __atomic_load_n(&r->est_load_ns, __ATOMIC_RELAXED);
}

uint32_t hl_router_replica_count(const struct hl_router *r)
{
	return __atomic_load_n(&r->n_replicas, __ATOMIC_ACQUIRE);
}

static const char *const reason_names[HL_ROUTE_REASON_COUNT] = {
	[HL_ROUTE_HINT_HIT] = "hint_hit",
	[HL_ROUTE_HINT_SPILL] = "hint_spill",
	[HL_ROUTE_FALLBACK_HINT] = "fallback_hint",
	[HL_ROUTE_FALLBACK_NOHINT] = "fallback_nohint",
	[HL_ROUTE_NONE_AVAILABLE] = "none_available",
};

static const char *const drop_names[HL_DROP_REASON_COUNT] = {
	[HL_DROP_HINT_EMPTY] = "hint_empty",         [HL_DROP_HINT_TOO_LONG] = "hint_too_long",
	[HL_DROP_HINT_BAD_BYTE] = "hint_bad_byte",   [HL_DROP_HINT_TABLE_FULL] = "hint_table_full",
	[HL_DROP_HINT_KEY_CLASH] = "hint_key_clash", [HL_DROP_HINTS_DUPLICATE] = "hints_duplicate",
	[HL_DROP_HINTS_TOO_MANY] = "hints_too_many",
};

const char *hl_route_reason_name(enum hl_route_reason reason)
{
	return (unsigned)reason < HL_ROUTE_REASON_COUNT ? reason_names[reason] : "unknown";
}

const char *hl_route_drop_name(enum hl_route_drop drop)
{
	return (unsigned)drop < HL_DROP_REASON_COUNT ? drop_names[drop] : "unknown";
}

int hl_router_set_balance(struct hl_router *r, double balance_factor, double load_wait)
{
	if (!(balance_factor >= 1.0 && balance_factor <= 100.0) ||
	    !(load_wait >= 0.0 && load_wait <= 100.0))
		return -EINVAL;
	/* readers load each with route_param(): one aligned 8-byte access */
	__atomic_store(&r->p.balance_factor, &balance_factor, __ATOMIC_RELAXED);
	__atomic_store(&r->p.load_wait, &load_wait, __ATOMIC_RELAXED);
	return 0;
}
