/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The decision (reader side, workers): validate the hint, look up its
 * advertisers, let the policy choose, reserve a slot on the replica, count.
 * No locks, no allocation; the only shared writes are the chosen replica's
 * load counters (atomics).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "route_policy.h"

/* QSBR ids: a bitmap, so a worker that stops gives its id back. */
static int reader_id_take(struct hl_router *r)
{
	for (uint32_t id = 0; id < r->p.max_readers; id++) {
		uint64_t bit = 1ull << (id % 64);
		uint64_t old = __atomic_fetch_or(&r->reader_used[id / 64], bit, __ATOMIC_ACQ_REL);
		if (!(old & bit))
			return (int)id;
	}
	return -1;
}

static void reader_id_give(struct hl_router *r, unsigned id)
{
	__atomic_fetch_and(&r->reader_used[id / 64], ~(1ull << (id % 64)), __ATOMIC_ACQ_REL);
}

int hl_route_worker_init(struct hl_router *r, struct hl_route_worker *w, bool register_qsbr)
{
	memset(w, 0, sizeof(*w));
	w->router = r;
	w->qsbr_id = -1;
	w->per_replica = calloc(r->p.max_replicas, sizeof(*w->per_replica));
	w->memory = calloc(1, sizeof(*w->memory));
	if (w->per_replica == NULL || w->memory == NULL) {
		hl_route_worker_fini(w);
		return -ENOMEM;
	}
	if (register_qsbr) {
		int id = reader_id_take(r);
		if (id < 0 || rte_rcu_qsbr_thread_register(r->qsbr, (unsigned)id) != 0) {
			if (id >= 0)
				reader_id_give(r, (unsigned)id);
			hl_route_worker_fini(w);
			return -ENOSPC;
		}
		w->qsbr_id = id;
		rte_rcu_qsbr_thread_online(r->qsbr, (unsigned)id);
	}
	w->rng = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)(uintptr_t)w * 0xbf58476d1ce4e5b9ULL);
	if (w->rng == 0)
		w->rng = 1;
	return 0;
}

void hl_route_worker_seed(struct hl_route_worker *w, uint64_t seed)
{
	w->rng = mix64(seed) | 1;
}

void hl_route_worker_fini(struct hl_route_worker *w)
{
	if (w->qsbr_id >= 0) {
		rte_rcu_qsbr_thread_offline(w->router->qsbr, (unsigned)w->qsbr_id);
		rte_rcu_qsbr_thread_unregister(w->router->qsbr, (unsigned)w->qsbr_id);
		reader_id_give(w->router, (unsigned)w->qsbr_id);
		w->qsbr_id = -1;
	}
	free(w->per_replica);
	free(w->memory);
	w->per_replica = NULL;
	w->memory = NULL;
}

void hl_route_quiescent(struct hl_route_worker *w)
{
	if (w->qsbr_id >= 0)
		rte_rcu_qsbr_quiescent(w->router->qsbr, (unsigned)w->qsbr_id);
}

/* Count the hint and when it went to @id (policies that learn). */
static void memory_note(struct hl_route_memory *m, uint64_t key, uint32_t id, uint64_t now)
{
	uint64_t tag;
	uint32_t s = lastuse_slot(key, id, &tag);

	m->lu[s].tag = tag;
	m->lu[s].time = now;
	m->pop[0][key % HL_POP_WIDTH]++;
	m->pop[1][(key >> 32) % HL_POP_WIDTH]++;
	m->pop_mass++;
	if (++m->pop_total >= HL_POP_DECAY) {
		for (uint32_t i = 0; i < HL_POP_WIDTH; i++) {
			m->pop[0][i] >>= 1;
			m->pop[1][i] >>= 1;
		}
		m->pop_mass >>= 1;
		m->pop_total = 0;
	}
}

/* Sample how many concurrency slots are busy now (policies that learn). */
static inline void memory_sample_busy(struct hl_route_memory *m, const struct hl_router *r)
{
	uint64_t busy = (uint64_t)router_busy_slots(r) << 16;
	int64_t delta = (int64_t)(busy - m->busy_avg) >> HL_BUSY_EWMA_SHIFT;

	m->busy_avg = (uint64_t)((int64_t)m->busy_avg + delta);
}

static bool in_entry(const struct hint_entry *e, int id)
{
	if (e == NULL)
		return false;
	for (uint32_t i = 0; i < e->n; i++)
		if ((int)e->ids[i] == id)
			return true;
	return false;
}

/* Reserve a slot on @id and fill the result. */
static int route_take(struct route_ctx *c, int id, enum hl_route_reason reason, bool warm,
		      struct hl_route_result *res)
{
	struct hl_router *r = c->r;
	struct hl_route_worker *w = c->w;

	res->replica = id;
	res->expect_warm = warm;
	/* a hit went to an advertiser: no scan on the hit path */
	res->joins_load = warm && reason != HL_ROUTE_HINT_HIT && id >= 0 && !in_entry(c->e, id);
	if (id < 0) {
		res->reason = HL_ROUTE_NONE_AVAILABLE;
		res->est_cost_ns = 0;
		if (!c->dry_run)
			w->stats.reason[HL_ROUTE_NONE_AVAILABLE]++;
		return -EAGAIN;
	}
	res->reason = reason;
	res->est_cost_ns = c->est_service + (warm ? 0 : c->est_load);
	uint64_t wait = r->ops->learns && !warm ? replica_wait_ns(r, (uint32_t)id, c->now) : 0;
	res->decided_ns = c->now;
	if (c->dry_run) {
		res->queued_ahead = __atomic_load_n(&r->load[id].inflight, __ATOMIC_RELAXED);
		return 0;
	}
	res->queued_ahead = __atomic_fetch_add(&r->load[id].inflight, 1, __ATOMIC_RELAXED);
	res->done_seen = __atomic_load_n(&r->load[id].done, __ATOMIC_RELAXED);
	if (r->ops->learns && res->queued_ahead < r->conf[id].concurrency) /* starts now */
		__atomic_store_n(&r->load[id].busy_since, c->now, __ATOMIC_RELAXED);
	__atomic_fetch_add(&r->load[id].pending_ns, res->est_cost_ns, __ATOMIC_RELAXED);
	__atomic_fetch_add(&r->inflight_busy,
			   1 + (res->queued_ahead < r->conf[id].concurrency ? ROUTE_BUSY_ONE : 0),
			   __ATOMIC_RELAXED);
	w->stats.reason[reason]++;
	w->per_replica[id]++;
	if (c->has_hint && r->ops->learns) {
		memory_note(w->memory, c->key.lo, (uint32_t)id, c->now);
		if (r->conf[id].slots_seen <= HL_RECENT_SLOTS)
			replica_note_sent(&r->load[id], c->key.lo, c->now);
		/* The mark lasts until the load is surely over and reported:
		 * the queue ahead of it, then twice its own estimate. */
		if (!warm)
			replica_mark_loading(&r->load[id], c->key.lo,
					     c->now + wait + 2 * res->est_cost_ns);
	}
	return 0;
}

static int route_decide(struct hl_route_worker *w, const struct hl_route_req *req,
			struct hl_route_result *res, bool dry_run)
{
	struct hl_router *r = w->router;
	struct route_ctx c = {.r = r, .w = w, .retry_of = req->retry_of, .dry_run = dry_run};
	const char *hint;
	size_t len;
	enum hl_route_drop why;

	c.now = req->now_ns
			? req->now_ns
			: (uint64_t)(((unsigned __int128)rte_get_tsc_cycles() * r->tsc_mult) >> 32);
	c.est_service = __atomic_load_n(&r->est_service_ns, __ATOMIC_RELAXED);
	c.est_load = __atomic_load_n(&r->est_load_ns, __ATOMIC_RELAXED);
	res->queued_ahead = 0;
	if (r->ops->learns)
		memory_sample_busy(w->memory, r);

	if (req->hint_len > 0 && hl_hint_check(req->hint, req->hint_len, &hint, &len, &why) == 0) {
		c.has_hint = true;
		hint_key_of(hint, len, &c.key);
		res->key_hash = c.key.lo;
	} else {
		if (req->hint_len > 0)
			w->stats.drop[why]++;
		c.key.lo = mix64(req->client_key);
		res->key_hash = c.key.lo;
		return route_take(&c, r->ops->select_fallback(&c), HL_ROUTE_FALLBACK_NOHINT, false,
				  res);
	}

	bool clash = false;
	c.e = hint_table_lookup(r, &c.key, hint, len, &clash);
	if (unlikely(clash))
		w->stats.drop[HL_DROP_HINT_KEY_CLASH]++;
	if (c.e != NULL && c.e->n > 0) {
		int id = r->ops->select_hit(&c);
		if (id >= 0)
			return route_take(&c, id, HL_ROUTE_HINT_HIT, true, res);
		id = r->ops->select_fallback(&c);
		/* a policy that priced its pick says whether it holds the hint (an
		 * advertiser predicted to have evicted it does not) */
		return route_take(&c, id, HL_ROUTE_HINT_SPILL,
				  c.cold_done ? c.picked_warm : in_entry(c.e, id), res);
	}
	int id = r->ops->select_fallback(&c);
	return route_take(&c, id, HL_ROUTE_FALLBACK_HINT, id >= 0 && c.picked_warm, res);
}

int hl_route_decide(struct hl_route_worker *w, const struct hl_route_req *req,
		    struct hl_route_result *res)
{
	return route_decide(w, req, res, false);
}

void hl_route_worker_mimic(struct hl_route_worker *w, const struct hl_route_worker *like)
{
	const uint32_t *from = (const uint32_t *)like->memory;
	uint32_t *to = (uint32_t *)w->memory;

	RTE_BUILD_BUG_ON(sizeof(*w->memory) % sizeof(uint32_t) != 0);
	if (from == NULL || to == NULL)
		return;
	for (size_t i = 0; i < sizeof(*w->memory) / sizeof(uint32_t); i++)
		to[i] = __atomic_load_n(&from[i], __ATOMIC_RELAXED);
}

int hl_route_explain(struct hl_route_worker *w, const struct hl_route_req *req,
		     struct hl_route_result *res)
{
	return route_decide(w, req, res, true);
}

/* est += (sample - est) / 8 (integer ns); the first sample replaces the initial guess @p init (as
 * TCP's first RTT sample sets SRTT): a 5 s guess against 50 ms loads would otherwise
 * take some 25 samples to fade, while the policy prices every decision with it. Later samples
 * count as at most twice the estimate and at least half of it: a request the router expected
 * warm that found its model evicted by a concurrent load (the replica's last list was stale)
 * measured a load, and one expected cold that found it still held measured no load; each moves
 * the estimate by at most an eighth of it, while a real change is followed within tens of
 * samples. */
static void ewma_update(uint64_t *est, uint64_t init, uint64_t sample)
{
	uint64_t old = __atomic_load_n(est, __ATOMIC_RELAXED);
	/* the bound is relative: an estimate of 0 could never leave it (the
	 * mission benchmark's first cold request measured no load, and every
	 * later one was held to 0 with it: 884 model loads against 581) */
	if (sample == 0)
		return;
	if (old != init)
		sample = sample > 2 * old ? 2 * old : sample < old / 2 ? old / 2 : sample;
	int64_t delta = ((int64_t)sample - (int64_t)old) / (old == init ? 1 : 8);
	__atomic_store_n(est, (uint64_t)((int64_t)old + delta), __ATOMIC_RELAXED);
}

void hl_route_complete(struct hl_route_worker *w, const struct hl_route_result *res,
		       uint64_t latency_ns)
{
	struct hl_router *r = w->router;

	if (res->replica < 0)
		return;
	uint32_t id = (uint32_t)res->replica, conc = r->conf[id].concurrency;
	uint32_t left = __atomic_sub_fetch(&r->load[id].inflight, 1, __ATOMIC_RELAXED);
	uint64_t started = res->decided_ns, done_ns = res->decided_ns + latency_ns;
	bool learn = latency_ns != 0 && !res->joins_load;
	if (r->ops->learns && latency_ns != 0) {
		/* A request that queued started at the completion that freed a
		 * slot for it: the (queued_ahead - concurrency + 1)-th after its
		 * decision, if it is still in the ring. */
		struct replica_load *l = &r->load[id];
		uint32_t k = __atomic_fetch_add(&l->done, 1, __ATOMIC_RELAXED);
		if (res->queued_ahead >= conc) {
			uint32_t j = res->done_seen + (res->queued_ahead - conc);
			learn = learn && k - j - 1 < HL_DONE_RING - 1; /* j before k, still kept */
			if (learn)
				started = __atomic_load_n(&l->done_ns[j % HL_DONE_RING],
							  __ATOMIC_RELAXED);
			learn = learn && started >= res->decided_ns && started <= done_ns;
		}
		__atomic_store_n(&l->done_ns[k % HL_DONE_RING], done_ns, __ATOMIC_RELAXED);
	} else if (res->queued_ahead >= conc) {
		learn = false;
	}
	if (r->ops->learns) {
		/* A load ended (or failed): the response's hint list, applied
		 * before this call, says whether the replica holds the model. */
		if (!res->expect_warm)
			replica_clear_loading(&r->load[id], res->key_hash);
		/* The next queued request starts when this one ends. */
		if (latency_ns != 0 && left >= r->conf[id].concurrency)
			__atomic_store_n(&r->load[id].busy_since, res->decided_ns + latency_ns,
					 __ATOMIC_RELAXED);
	}
	__atomic_fetch_sub(&r->load[id].pending_ns, res->est_cost_ns, __ATOMIC_RELAXED);
	/* the slot stays busy when a queued request takes it */
	__atomic_fetch_sub(&r->inflight_busy,
			   1 + (left < r->conf[id].concurrency ? ROUTE_BUSY_ONE : 0),
			   __ATOMIC_RELAXED);

	/* Learn from the time the request spent in service, from its start
	 * (its decision, when nothing was queued ahead of it): service (warm)
	 * or load + service. Not from a request that joined a load in
	 * progress: it measured the rest of that load. */
	if (!learn)
		return;
	uint64_t served = done_ns - started;
	if (res->expect_warm) {
		ewma_update(&r->est_service_ns, HL_EST_SERVICE_NS_INIT, served);
	} else {
		uint64_t s = __atomic_load_n(&r->est_service_ns, __ATOMIC_RELAXED);
		/* no longer than a service: the model was there after all (or the
		 * service estimate is still its first guess), no load to learn */
		if (served > s)
			ewma_update(&r->est_load_ns, HL_EST_LOAD_NS_INIT, served - s);
	}
}
