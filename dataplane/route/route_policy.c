/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Selection policies.
 *
 * bounded: DESIGN.md's policy. Least in-flight among the advertisers (power
 *   of two choices above P2C_MIN of them); spill when that pick is over the
 *   bounded-load cap; fallback walks the Maglev preference order past down,
 *   draining and over-cap replicas.
 *
 * ect: least expected completion time. For each candidate, the work queued
 *   ahead of the request plus the service time, plus the load time when the
 *   candidate does not hold the hint; both times are learned online from
 *   completed requests (route.c). Candidates are the advertisers and the
 *   first usable Maglev preferences of the hint, so a request waits behind a
 *   warm replica while that is cheaper than loading the model elsewhere.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "route_policy.h"

#define P2C_MIN             4  /* sets larger than this use power of two choices */
#define MAGLEV_WALK         16 /* preferences tried before a linear scan */
#define ECT_COLD_CANDIDATES 8  /* distinct replicas an ECT miss prices */
#define ECT_COLD_WALK       64 /* Maglev preferences walked to find them */
#define ECT_VICTIM_SAMPLES  8  /* hints sampled to predict a replica's LRU victim */
/* Eviction penalty (see evict_penalty()); tuned with hintsim, see
 * docs/ARCHITECTURE.md "Policy choice". */
#define ECT_HORIZON      30.0 /* requests a victim would otherwise have lived for */
#define ECT_EVICT_WEIGHT 6.0  /* load times a victim sure to be missed is worth */
#define ECT_EVICT_MIN    0.01 /* least penalty for evicting anything, in loads */

static inline uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

uint64_t replica_wait_ns(const struct hl_router *r, uint32_t id)
{
	uint32_t inflight = replica_inflight(r, id);
	uint32_t conc = r->conf[id].concurrency;

	if (inflight < conc)
		return 0;
	return __atomic_load_n(&r->load[id].pending_ns, __ATOMIC_RELAXED) / conc;
}

/* A replica with a free concurrency slot is never over the cap: with
 * concurrency 1 and few requests in flight the cap is 1, and waiting behind
 * one request is cheaper than loading a model elsewhere. */
static inline bool under_cap(const struct hl_router *r, uint32_t id, uint32_t cap)
{
	uint32_t conc = r->conf[id].concurrency;
	return replica_inflight(r, id) + 1 <= (cap > conc ? cap : conc);
}

/* Least-loaded usable replica over all ids, starting at a key-dependent
 * offset so ties spread; replicas with weight > 0 first, weight-0 ones only
 * when no weighted replica is usable. Used when Maglev has nothing (no
 * weights) or every preference tried is unusable. */
static int scan_least_loaded(struct route_ctx *c, bool respect_cap)
{
	const struct hl_router *r = c->r;
	uint32_t n = hl_router_replica_count(r), cap = route_cap(r);
	int best = -1;
	uint64_t best_rank = UINT64_MAX;

	for (uint32_t k = 0; k < n; k++) {
		uint32_t id = (uint32_t)((c->key.lo + k) % n);
		if (!replica_usable(r, id))
			continue;
		bool weighted = r->conf[id].weight > 0;
		if (respect_cap && weighted && under_cap(r, id, cap))
			return (int)id; /* first weighted under cap in key order */
		/* rank: weighted before unweighted, then least in flight */
		uint64_t rank = ((uint64_t)!weighted << 32) | replica_inflight(r, id);
		if (rank < best_rank) {
			best_rank = rank;
			best = (int)id;
		}
	}
	return best;
}

int fallback_maglev_walk(struct route_ctx *c, bool respect_cap)
{
	const struct hl_router *r = c->r;
	const struct maglev_table *t = __atomic_load_n(&r->maglev, __ATOMIC_ACQUIRE);
	uint32_t cap = route_cap(r);

	if (t != NULL) {
		for (uint32_t i = 0; i < MAGLEV_WALK; i++) {
			uint16_t id = maglev_pick(t, c->key.lo, i);
			if (replica_usable(r, id) && (!respect_cap || under_cap(r, id, cap)))
				return id;
		}
	}
	return scan_least_loaded(c, respect_cap);
}

/* Generalists (hint kind EMPTY) hold nothing: loading there evicts nothing.
 * The first usable generalist under the cap in the key's preference order. */
static int fallback_generalist(struct route_ctx *c)
{
	const struct hl_router *r = c->r;
	const struct maglev_table *t = __atomic_load_n(&r->maglev, __ATOMIC_ACQUIRE);
	uint32_t n = hl_router_replica_count(r), cap = route_cap(r);

	if (r->p.no_generalist_preference || !c->has_hint ||
	    __atomic_load_n(&r->n_generalists, __ATOMIC_RELAXED) == 0)
		return -1;
	if (t != NULL) {
		for (uint32_t i = 0; i < MAGLEV_WALK; i++) {
			uint16_t id = maglev_pick(t, c->key.lo, i);
			if (r->conf[id].hints_kind == HL_HINTS_EMPTY && replica_usable(r, id) &&
			    under_cap(r, id, cap))
				return id;
		}
	}
	for (uint32_t k = 0; k < n; k++) {
		uint32_t id = (uint32_t)((c->key.lo + k) % n);
		if (r->conf[id].hints_kind == HL_HINTS_EMPTY && replica_usable(r, id) &&
		    under_cap(r, id, cap))
			return (int)id;
	}
	return -1;
}

/* ---- bounded ---- */

static int bounded_select_hit(struct route_ctx *c)
{
	const struct hl_router *r = c->r;
	const struct hint_entry *e = c->e;
	int best = -1;
	uint32_t best_load = UINT32_MAX;

	if (e->n > P2C_MIN) {
		/* Two random advertisers; a few extra draws find usable ones. */
		for (int k = 0; k < 4 && best < 0; k++) {
			uint64_t x = xorshift64(&c->w->rng);
			uint32_t a = e->ids[(uint32_t)x % e->n];
			uint32_t b = e->ids[(uint32_t)(x >> 32) % e->n];
			bool ua = replica_usable(r, a), ub = replica_usable(r, b);
			if (ua && (!ub || replica_inflight(r, a) <= replica_inflight(r, b)))
				best = (int)a;
			else if (ub)
				best = (int)b;
		}
		if (best >= 0)
			best_load = replica_inflight(r, (uint32_t)best);
	}
	if (best < 0) {
		for (uint32_t i = 0; i < e->n; i++) {
			uint32_t id = e->ids[i];
			if (!replica_usable(r, id))
				continue;
			uint32_t load = replica_inflight(r, id);
			if (load < best_load) {
				best_load = load;
				best = (int)id;
			}
		}
	}
	if (best < 0 || !under_cap(r, (uint32_t)best, route_cap(r)))
		return -1;
	return best;
}

static int bounded_select_fallback(struct route_ctx *c)
{
	int id = fallback_generalist(c);
	return id >= 0 ? id : fallback_maglev_walk(c, true);
}

/* ---- ect ---- */

static inline uint64_t ect_cost(const struct route_ctx *c, uint32_t id, bool warm)
{
	return replica_wait_ns(c->r, id) + c->est_service + (warm ? 0 : c->est_load);
}

/* What loading a model on @id is expected to cost later. A free slot (the
 * replica advertises fewer hints than it ever did, or reported an empty
 * list) costs nothing. Otherwise the replica evicts its LRU model; we
 * predict it as the least recently sent there by this worker among up to
 * ECT_VICTIM_SAMPLES of its hints (sampled LRU, as Redis approximates LRU),
 * and charge the chance it is asked for again soon, 1 - exp(-share *
 * ECT_HORIZON) with share its fraction of recent decisions, times
 * ECT_EVICT_WEIGHT load times; never less than ECT_EVICT_MIN of a load, so
 * a free slot always wins a tie. Hot victims cost several loads, tail
 * victims next to nothing: misses for the tail go where they evict the tail. */
static uint64_t evict_penalty(const struct route_ctx *c, uint32_t id)
{
	const struct hl_router *r = c->r;
	const struct hl_route_memory *m = c->w->memory;
	const struct replica_hints *h = __atomic_load_n(&r->conf[id].hints, __ATOMIC_ACQUIRE);
	double floor = ECT_EVICT_MIN * (double)c->est_load;

	uint8_t kind = __atomic_load_n(&r->conf[id].hints_kind, __ATOMIC_RELAXED);
	if (kind == HL_HINTS_NONE) /* does not report hints: nothing to predict */
		return (uint64_t)floor;
	if (h == NULL || h->n < r->conf[id].slots_seen) /* generalist or free slot */
		return r->p.no_generalist_preference ? (uint64_t)floor : 0;
	if (m->pop_mass == 0)
		return (uint64_t)floor;
	uint32_t n = h->n < ECT_VICTIM_SAMPLES ? h->n : ECT_VICTIM_SAMPLES;
	uint32_t start = h->n > n ? (uint32_t)(c->key.hi % h->n) : 0;
	uint64_t oldest = UINT64_MAX, victim = 0;
	for (uint32_t k = 0; k < n; k++) {
		uint64_t key = h->key[(start + k) % h->n];
		uint64_t t = lastuse_get(m, key, id);
		if (t < oldest) {
			oldest = t;
			victim = key;
		}
	}
	double share = (double)pop_get(m, victim) / m->pop_mass;
	double cost = ECT_EVICT_WEIGHT * (1.0 - exp(-share * ECT_HORIZON)) * (double)c->est_load;
	return (uint64_t)(cost > floor ? cost : floor);
}

/* The cheapest cold candidate: least wait + service + load + eviction
 * penalty over the first ECT_COLD_CANDIDATES distinct usable replicas of the
 * key's Maglev preference order (weight-0 replicas are not in it), earlier
 * preferences winning ties, so workers and nodes agree while nothing tells
 * the candidates apart and a down replica's keys spread over all others. */
static int ect_cold(struct route_ctx *c, uint64_t *cost)
{
	const struct hl_router *r = c->r;
	const struct maglev_table *t = __atomic_load_n(&r->maglev, __ATOMIC_ACQUIRE);
	uint32_t seen[ECT_COLD_CANDIDATES], found = 0;
	int best = -1;

	for (uint32_t i = 0; t != NULL && i < ECT_COLD_WALK && found < ECT_COLD_CANDIDATES; i++) {
		uint32_t id = maglev_pick(t, c->key.lo, i), k;
		for (k = 0; k < found && seen[k] != id; k++)
			;
		if (k < found || !replica_usable(r, id))
			continue;
		seen[found++] = id;
		bool loading = c->has_hint && replica_is_loading(&r->load[id], c->key.lo, c->now);
		uint64_t cost_id = loading ? ect_cost(c, id, true)
					   : ect_cost(c, id, false) + evict_penalty(c, id);
		if (best < 0 || cost_id < *cost) {
			best = (int)id;
			*cost = cost_id;
			c->picked_warm = loading;
		}
	}
	if (best < 0) { /* no weights, or every preference tried is unusable */
		c->picked_warm = false;
		best = scan_least_loaded(c, false);
		if (best >= 0)
			*cost = ect_cost(c, (uint32_t)best, false) +
				evict_penalty(c, (uint32_t)best);
	}
	return best;
}

static int ect_select_hit(struct route_ctx *c)
{
	const struct hint_entry *e = c->e;
	int best = -1;
	uint64_t best_cost = UINT64_MAX, cold_cost = UINT64_MAX;

	for (uint32_t i = 0; i < e->n; i++) {
		uint32_t id = e->ids[i];
		if (!replica_usable(c->r, id))
			continue;
		uint64_t k = ect_cost(c, id, true);
		if (k < best_cost) {
			best_cost = k;
			best = (int)id;
		}
	}
	if (best < 0)
		return -1;
	/* A cold candidate costs at least service + load: only a warm wait
	 * longer than a load can lose, and only then is it worth pricing one. */
	if (best_cost - c->est_service <= c->est_load)
		return best;
	int cold = ect_cold(c, &cold_cost);
	if (cold >= 0 && cold_cost < best_cost)
		return -1; /* loading elsewhere finishes sooner than waiting */
	return best;
}

static int ect_select_fallback(struct route_ctx *c)
{
	uint64_t cost = UINT64_MAX;

	if (!c->has_hint) /* no model to load: plain Maglev under the cap */
		return fallback_maglev_walk(c, true);
	return ect_cold(c, &cost);
}

static const struct route_policy_ops policies[HL_POLICY_COUNT] = {
	[HL_POLICY_BOUNDED] =
		{
			.name = "bounded",
			.select_hit = bounded_select_hit,
			.select_fallback = bounded_select_fallback,
		},
	[HL_POLICY_ECT] =
		{
			.name = "ect",
			.select_hit = ect_select_hit,
			.select_fallback = ect_select_fallback,
			.learns = true,
		},
};

const struct route_policy_ops *route_policy_ops(enum hl_route_policy policy)
{
	return &policies[policy];
}

const char *hl_route_policy_name(enum hl_route_policy policy)
{
	return (unsigned)policy < HL_POLICY_COUNT ? policies[policy].name : "unknown";
}

int hl_route_policy_parse(const char *name)
{
	for (int i = 0; i < HL_POLICY_COUNT; i++)
		if (name != NULL && strcmp(name, policies[i].name) == 0)
			return i;
	return -EINVAL;
}
