/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Selection policies plug in through this ops table; route.c does the
 * common work (validate, look up, reserve, count) and never switches on the
 * policy.
 */
#ifndef HL_ROUTE_POLICY_H
#define HL_ROUTE_POLICY_H

#include "route_priv.h"

/* Initial ECT estimates before anything was observed. */
#define HL_EST_SERVICE_NS_INIT (100ull * 1000 * 1000)  /* 100 ms */
#define HL_EST_LOAD_NS_INIT    (5000ull * 1000 * 1000) /* 5 s */

struct ect_view;

/* One decision in progress. */
struct route_ctx {
	struct hl_router *r;
	struct hl_route_worker *w;
	const struct hint_entry *e; /* advertisers of the hint, or NULL */
	struct hint_key key;        /* valid when has_hint */
	uint64_t now;
	uint64_t est_service; /* snapshot of the estimates */
	uint64_t est_load;
	/* ECT, this decision only: the last view ect_warm() built (of
	 * replica view_id; NULL outside a hit), ect_cold()'s answer once
	 * asked (cold_done) */
	struct ect_view *view;
	uint64_t cold_cost;
	int32_t cold_id;
	uint32_t retry_of; /* hl_route_req.retry_of: 1 + a replica not to choose, 0: none */
	uint16_t view_id;  /* replica ids are below HL_REPLICAS_LIMIT */
	bool has_hint;
	bool picked_warm;   /* set by a policy: its pick is already loading the hint */
	bool picked_queued; /* set by ECT: its cold pick waits past ECT_WAIT_MAX */
	bool dry_run;       /* hl_route_explain(): decide, take nothing, count nothing */
	bool cold_done;
};

/* Zeroed per decision: past 96 bytes GCC 12 zeroes it with rep stos, which
 * costs the bounded policy ~5 ns a decision (bench_route). */
_Static_assert(sizeof(struct route_ctx) <= 96, "route_ctx grew past 96 bytes");

/* Usable for this decision: UP, and not the replica a retry failed on. */
static inline bool ctx_usable(const struct route_ctx *c, uint32_t id)
{
	return replica_usable(c->r, id) && id + 1 != c->retry_of;
}

struct route_policy_ops {
	const char *name;
	/* Choose among the advertisers (c->e != NULL, c->e->n > 0).
	 * Return a replica id, or -1 to spill to the fallback. */
	int (*select_hit)(struct route_ctx *c);
	/* Choose when nothing advertised qualifies; -1 = none available. */
	int (*select_fallback)(struct route_ctx *c);
	/* Keep the per-worker memory (popularity, last use) up to date. */
	bool learns;
};

const struct route_policy_ops *route_policy_ops(enum hl_route_policy policy);

/* Shared helpers for policies (route_policy.c). */
int fallback_maglev_walk(struct route_ctx *c, bool respect_cap);
/* How long a request sent to @id now waits before it starts: the queue's
 * estimated work per concurrency slot, less the time the request in
 * service has been running (at most one request's average estimate: it may
 * run late). */
static inline uint64_t replica_wait_ns(const struct hl_router *r, uint32_t id, uint64_t now)
{
	uint32_t inflight = replica_inflight(r, id);
	uint32_t conc = r->conf[id].concurrency;

	if (inflight < conc)
		return 0;
	uint64_t pending = __atomic_load_n(&r->load[id].pending_ns, __ATOMIC_RELAXED);
	uint64_t since = __atomic_load_n(&r->load[id].busy_since, __ATOMIC_RELAXED);
	uint64_t done = now > since ? now - since : 0, one = pending / inflight;
	return pending / conc - (done < one ? done : one);
}

/*
 * Per-worker memory (no sharing, no locks), used by the ECT policy:
 * - hint popularity: a count-min sketch of the hints this worker routed,
 *   halved every HL_POP_DECAY decisions;
 * - last use of (replica, hint): when this worker last sent the hint there,
 *   which predicts the replica's LRU victim.
 * - how busy the cluster is: an EWMA of the busy concurrency slots seen at
 *   this worker's decisions (arrivals see time averages, so it estimates the
 *   time-averaged count), which weighs the eviction penalty.
 * The first two are direct-mapped and lossy by design: a wrong guess costs
 * a model load, never a wrong answer.
 */
#define HL_POP_WIDTH       2048
#define HL_POP_DECAY       16384
#define HL_LASTUSE_SLOTS   8192
#define HL_BUSY_EWMA_SHIFT 6 /* weight 1/64 per decision */
struct hl_route_memory {
	uint32_t pop[2][HL_POP_WIDTH];
	uint32_t pop_total; /* decisions counted since the last halving */
	uint32_t pop_mass;  /* sum of one row: decayed count of all decisions */
	uint64_t busy_avg;  /* EWMA of the router's busy slots, x 2^16 */
	struct {
		uint64_t tag;
		uint64_t time;
	} lu[HL_LASTUSE_SLOTS]; /* a tag and its time on one cache line */
};

static inline uint32_t pop_get(const struct hl_route_memory *m, uint64_t key)
{
	uint32_t a = m->pop[0][key % HL_POP_WIDTH];
	uint32_t b = m->pop[1][(key >> 32) % HL_POP_WIDTH];
	return a < b ? a : b;
}

static inline uint32_t lastuse_slot(uint64_t key, uint32_t replica, uint64_t *tag)
{
	*tag = mix64(key ^ ((uint64_t)replica << 48 | replica));
	return (uint32_t)(*tag % HL_LASTUSE_SLOTS);
}

/* When this worker last sent @key to @replica; 0 = unknown (oldest). */
static inline uint64_t lastuse_get(const struct hl_route_memory *m, uint64_t key, uint32_t replica)
{
	uint64_t tag;
	uint32_t s = lastuse_slot(key, replica, &tag);
	return m->lu[s].tag == tag ? m->lu[s].time : 0;
}

#endif /* HL_ROUTE_POLICY_H */
