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
 *   ahead of the request plus the service time, plus the load time and the
 *   expected cost of the models it pushes toward eviction when the
 *   candidate will not hold the hint, that cost weighted by how busy the
 *   cluster is; both times are learned online from completed requests
 *   (route.c). Candidates are the advertisers and the first usable Maglev
 *   preferences of the hint, so a request waits behind a warm replica while
 *   that is cheaper than loading the model elsewhere, and a load goes where
 *   it evicts the least valuable models among the replicas that can start
 *   it at once (or, when none can, among those with a short queue).
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
#define ECT_VALUE_MEMO      16 /* victim values kept per decision (ect_value()) */
/* Eviction penalty and queue bound (see evict_penalty(), ect_cold()); tuned
 * with hintsim on seeds 1-3, see docs/ARCHITECTURE.md "Policy choice". */
#define ECT_HORIZON      60.0 /* requests a victim would otherwise have lived for */
#define ECT_EVICT_WEIGHT 7.0  /* load times a victim sure to be missed is worth */
#define ECT_CHAIN_DECAY  0.9  /* weight of each model further from eviction */
#define ECT_EVICT_MIN    0.01 /* least penalty for evicting anything, in loads */
#define ECT_WAIT_MAX     1.5  /* most queue a load may wait behind, in load times */
/* When every candidate queues past ECT_WAIT_MAX (an overloaded cluster), a
 * holder queued that far still loses to a load when the load finishes
 * sooner by this factor (see ect_cold()). */
#define ECT_FAR_RATIO 2.0
/* A hit never waits for its holder this many times longer than loading the
 * model on a replica that can start the load at once would take, whatever
 * that load evicts (see ect_cold(); 2.5 to 4 measured alike with hintsim,
 * docs/ARCHITECTURE.md "Policy choice"). */
#define ECT_IDLE_RATIO 3.0
/* The eviction penalty's weight follows the busy fraction u of the
 * cluster's concurrency slots; see ect_weight(). */
#define ECT_UTIL_REF   0.45  /* u at which the penalty has its full weight */
#define ECT_UTIL_CAP   0.95  /* u is read as at most this */
#define ECT_WEIGHT_MIN 0.005 /* still orders candidates that wait alike */
#define ECT_WEIGHT_MAX 2.0

static inline uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static bool in_entry(const struct hint_entry *e, uint32_t id)
{
	for (uint32_t i = 0; e != NULL && i < e->n; i++)
		if (e->ids[i] == id)
			return true;
	return false;
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
		if (!ctx_usable(c, id))
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
			if (ctx_usable(c, id) && (!respect_cap || under_cap(r, id, cap)))
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
			if (r->conf[id].hints_kind == HL_HINTS_EMPTY && ctx_usable(c, id) &&
			    under_cap(r, id, cap))
				return id;
		}
	}
	for (uint32_t k = 0; k < n; k++) {
		uint32_t id = (uint32_t)((c->key.lo + k) % n);
		if (r->conf[id].hints_kind == HL_HINTS_EMPTY && ctx_usable(c, id) &&
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
			bool ua = ctx_usable(c, a), ub = ctx_usable(c, b);
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
			if (!ctx_usable(c, id))
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
	return replica_wait_ns(c->r, id, c->now) + c->est_service + (warm ? 0 : c->est_load);
}

/* What a replica will hold when a request sent to it now starts, as far as
 * the balancer can tell: the hints it reported last plus the loads sent to
 * it and not reported yet (the loading marks), most recently used first by
 * when they were last sent there (the replica's recent hints, shared by the
 * workers, else this worker's own record; never sent counts as oldest, a
 * mark of unknown age as newest). Requests start in the order they were
 * sent, so this is the replica's LRU order once the queue has started. The
 * replica keeps slots_seen of them once it has dropped a model from its list
 * (before, it may have slots it never filled: nothing it holds is evicted):
 * `gone` are evicted by the loads queued ahead, the oldest one not in use
 * when each load starts (view_evict()), and the oldest one left not in use
 * when the request starts is the victim of another load. A replica with more
 * hints than ECT_VICTIM_SAMPLES is sampled.
 *
 * Built in two steps, as a decision needs them: ect_view() finds the
 * entries and how many are gone (enough to say whether a replica without
 * evictions ahead will hold the hint); view_order() looks up when each was
 * last sent and sorts them, only for a replica whose order matters. */
struct ect_view {
	uint32_t n;     /* entries: in the order found, newest first once ordered */
	uint32_t gone;  /* the last `gone` entries are evicted before the request starts */
	bool free;      /* a load now evicts nothing */
	bool shared;    /* the replica's recent hints are kept (few slots) */
	bool ordered;   /* view_order() ran */
	uint32_t marks; /* bit i (in the order found): entry i is a loading mark */
	uint64_t key[ECT_VICTIM_SAMPLES + HL_LOADING_MARKS];
	uint64_t used[ECT_VICTIM_SAMPLES + HL_LOADING_MARKS];
};

_Static_assert(ECT_VICTIM_SAMPLES + HL_LOADING_MARKS <= 32, "ect_view.marks is 32 bits");

/* Append @key; false when it is there already (the first one found stays). */
static inline bool view_put(struct ect_view *v, uint64_t key, bool mark)
{
	for (uint32_t i = 0; i < v->n; i++)
		if (v->key[i] == key)
			return false;
	v->marks |= (uint32_t)mark << v->n;
	v->key[v->n++] = key;
	return true;
}

/* The entries of @id's view and how many are gone, not yet ordered. Marks
 * are read only when replica_any_loading() says a load may be in progress
 * (a mark whose deadline passed does not count). */
static void ect_view(const struct route_ctx *c, uint32_t id, struct ect_view *v)
{
	const struct hl_router *r = c->r;
	const struct replica_hints *h = __atomic_load_n(&r->conf[id].hints, __ATOMIC_ACQUIRE);
	const struct replica_load *l = &r->load[id];
	uint32_t held = h != NULL ? h->n : 0, slots = r->conf[id].slots_seen;
	uint32_t n = held < ECT_VICTIM_SAMPLES ? held : ECT_VICTIM_SAMPLES;
	uint32_t start = held > n ? (uint32_t)(c->key.hi % held) : 0;
	bool any_loading = replica_any_loading(l, c->now);

	v->n = 0;
	v->marks = 0;
	v->ordered = false;
	v->shared = slots <= HL_RECENT_SLOTS;
	for (uint32_t k = 0, i = start; k < n; k++, i = i + 1 < held ? i + 1 : 0)
		view_put(v, h->key[i], false);
	for (uint32_t i = 0; any_loading && i < HL_LOADING_MARKS; i++) {
		uint64_t key = __atomic_load_n(&l->loading_key[i], __ATOMIC_RELAXED);
		if (__atomic_load_n(&l->loading_until[i], __ATOMIC_ACQUIRE) <= c->now)
			continue;
		/* not reported yet (a sampled list may hold it unseen: then
		 * one load too many is expected) */
		held += view_put(v, key, true);
	}
	/* slots_seen 0: never reported a list, a generalist so far; a replica
	 * that never dropped a model may have slots it never filled */
	v->free = held < slots || slots == 0 ||
		  !__atomic_load_n(&r->conf[id].slots_full, __ATOMIC_RELAXED);
	v->gone = held > slots && !v->free ? held - slots : 0;
	if (v->n > 0 && v->gone >= v->n) /* sampled: the oldest seen goes next */
		v->gone = v->n - 1;
}

static inline uint32_t low_bits(uint32_t n)
{
	return n >= 32 ? ~0u : (1u << n) - 1;
}

/* The lowest @count set bits of @m. */
static inline uint32_t first_bits(uint32_t m, uint32_t count)
{
	uint32_t out = 0;

	for (; count != 0 && m != 0; count--) {
		out |= m & -m;
		m &= m - 1;
	}
	return out;
}

/* Append the entries of @v in @m (ascending) to @key/@used/@marks at *@w. */
static inline void view_take(const struct ect_view *v, uint32_t m, uint64_t *key, uint64_t *used,
			     uint32_t *marks, uint32_t *w)
{
	for (; m != 0; m &= m - 1) {
		uint32_t k = (uint32_t)__builtin_ctz(m);

		key[*w] = v->key[k];
		used[*w] = v->used[k];
		*marks |= (v->marks >> k & 1) << *w;
		(*w)++;
	}
}

/* Which entries of @v (ordered newest first by when last sent) the loads
 * queued ahead evict, and which the next load would, on a replica of
 * concurrency @conc. A load evicts the least recently used model not in use
 * when it starts, and what is in use then is mostly the loads started just
 * before it: a load takes longer than a service, so of the conc - 1 other
 * requests running, the loads are the ones still there. So each of the
 * `gone` newest marks (the loads queued ahead, oldest first) evicts the
 * oldest entry sent before it that is not one of the conc - 1 marks sent just
 * before it; and when the request starts, the conc - 1 newest marks are in
 * use, never its load's victim. With concurrency 1 nothing is in use and
 * this is the order as sent. Moves the evicted entries to the end and the
 * marks in use when the request starts to the front; gone may shrink when
 * every older entry is in use (that load waits for one, which the view does
 * not model). */
static void view_evict(struct ect_view *v, uint32_t conc)
{
	const uint32_t pins = conc > 1 ? conc - 1 : 0, all = low_bits(v->n);
	const uint32_t marks = v->marks & all, n_marks = (uint32_t)__builtin_popcount(marks);
	uint32_t pos[ECT_VICTIM_SAMPLES + HL_LOADING_MARKS], np = 0, evicted = 0, done = 0;

	if (v->gone == 0 && pins == 0)
		return; /* nothing evicted, nothing in use: the order as sent */
	for (uint32_t m = marks; m != 0; m &= m - 1)
		pos[np++] = (uint32_t)__builtin_ctz(m); /* marks, newest first */
	/* evictions with no mark to name (a stale or sampled list) come first,
	 * by a load older than every entry: the oldest entries go; then each of
	 * the `gone` newest marks, oldest first, evicts the oldest entry older
	 * than itself that is neither evicted nor one of the `pins` marks sent
	 * just before it */
	uint32_t unnamed = v->gone > n_marks ? v->gone - n_marks : 0;
	for (uint32_t e = 0; e < v->gone; e++) {
		uint32_t cand = all & ~evicted;

		if (e >= unnamed) { /* older than its evictor, not one of the pins before it */
			cand &= ~low_bits(pos[v->gone - e - 1] + 1);
			cand &= ~first_bits(cand & marks, pins);
		}
		if (cand == 0)
			continue;
		evicted |= 1u << (31 - __builtin_clz(cand));
		done++;
	}
	/* kept entries first, the conc - 1 newest marks among them (in use
	 * when the request starts) ahead of the others, then the evicted */
	uint64_t key[ECT_VICTIM_SAMPLES + HL_LOADING_MARKS],
		used[ECT_VICTIM_SAMPLES + HL_LOADING_MARKS];
	uint32_t in_use = first_bits(marks & ~evicted, pins), out_marks = 0, w = 0;

	view_take(v, in_use, key, used, &out_marks, &w);
	view_take(v, all & ~evicted & ~in_use, key, used, &out_marks, &w);
	view_take(v, evicted, key, used, &out_marks, &w);
	/* whole arrays: a fixed size copies inline (entries past n are not read) */
	memcpy(v->key, key, sizeof(key));
	memcpy(v->used, used, sizeof(used));
	v->marks = out_marks;
	v->gone = done;
}

/* Order @v newest first by when each entry was last sent to @id: by any
 * worker while it is among the replica's recent hints (kept for replicas of
 * few slots, read once here), else by this one; 0 = never seen. Entries
 * used alike stay in the order found (a stable sort). Then view_evict(). */
#define RECENT_MAP   32 /* view_order()'s map of the recent keys: a power of two */
#define RECENT_CLASH 0xff
_Static_assert(HL_RECENT_SLOTS < RECENT_CLASH, "recent indexes fit a byte below the mark");

static void view_order(const struct route_ctx *c, uint32_t id, struct ect_view *v)
{
	const struct hl_route_memory *m = c->w->memory;
	const struct replica_load *l = &c->r->load[id];
	uint64_t recent_key[HL_RECENT_SLOTS], recent_ns[HL_RECENT_SLOTS];
	uint32_t n_recent = v->shared ? HL_RECENT_SLOTS : 0;

	if (v->ordered)
		return;
	v->ordered = true;
	/* where each recent key is, direct-mapped by its low bits: 1 + its first
	 * index, 0 none, RECENT_CLASH two different keys (then a scan) */
	uint8_t at[RECENT_MAP] = {0};
	for (uint32_t i = 0; i < n_recent; i++) {
		recent_key[i] = __atomic_load_n(&l->recent_key[i], __ATOMIC_RELAXED);
		recent_ns[i] = __atomic_load_n(&l->recent_ns[i], __ATOMIC_RELAXED);
		uint8_t *a = &at[recent_key[i] % RECENT_MAP];
		if (*a == 0)
			*a = (uint8_t)(i + 1);
		else if (*a != RECENT_CLASH && recent_key[*a - 1] != recent_key[i])
			*a = RECENT_CLASH;
	}
	for (uint32_t k = 0; k < v->n; k++) { /* independent loads first */
		uint64_t key = v->key[k], used = lastuse_get(m, key, id);
		uint32_t i = n_recent, a = n_recent != 0 ? at[key % RECENT_MAP] : 0;
		if (a == RECENT_CLASH)
			for (i = 0; i < n_recent && recent_key[i] != key; i++)
				;
		else if (a != 0 && recent_key[a - 1] == key)
			i = a - 1;
		if (i < n_recent && recent_ns[i] > used)
			used = recent_ns[i];
		if (used == 0 && (v->marks >> k & 1))
			used = c->now; /* a mark of unknown age: newest */
		v->used[k] = used;
	}
	/* a stable insertion sort; the mark bits move with their entries */
	uint8_t mark[ECT_VICTIM_SAMPLES + HL_LOADING_MARKS];
	for (uint32_t k = 0; k < v->n; k++)
		mark[k] = v->marks >> k & 1;
	for (uint32_t k = 1; k < v->n; k++) {
		uint64_t key = v->key[k], used = v->used[k];
		uint8_t mk = mark[k];
		uint32_t i;
		for (i = k; i > 0 && v->used[i - 1] < used; i--) {
			v->key[i] = v->key[i - 1];
			v->used[i] = v->used[i - 1];
			mark[i] = mark[i - 1];
		}
		v->key[i] = key;
		v->used[i] = used;
		mark[i] = mk;
	}
	v->marks = 0;
	for (uint32_t k = 0; k < v->n; k++)
		v->marks |= (uint32_t)mark[k] << k;
	view_evict(v, c->r->conf[id].concurrency);
}

/* Will the replica of view @v hold the hint when a request sent now
 * starts? Advertised or being loaded there, and not evicted by the loads
 * queued ahead. Orders the view only when the hint is in it and some
 * entries are gone. */
static bool view_holds(const struct route_ctx *c, uint32_t id, struct ect_view *v, bool advertised)
{
	uint32_t i;

	for (i = 0; i < v->n && v->key[i] != c->key.lo; i++)
		;
	if (i == v->n)
		return advertised; /* a long list, sampled without the hint: trust the report */
	if (v->gone == 0)
		return true;
	view_order(c, id, v);
	for (i = 0; v->key[i] != c->key.lo; i++)
		;
	return i < v->n - v->gone;
}

/* view_holds() without building the view when no load is in progress. The
 * view built is kept in c->view (when set) for ect_cold(): a hit's holder
 * is priced again among the cold candidates. */
static bool ect_warm(struct route_ctx *c, uint32_t id, bool advertised)
{
	struct ect_view local, *v = c->view != NULL ? c->view : &local;

	if (!replica_any_loading(&c->r->load[id], c->now))
		return advertised;
	ect_view(c, id, v);
	c->view_id = (uint16_t)id;
	return view_holds(c, id, v, advertised);
}

/* What losing a model counted @count times among this worker's recent
 * decisions costs later, in load times: the chance it is asked for again
 * soon, 1 - exp(-share * ECT_HORIZON) with share = count / pop_mass, times
 * ECT_EVICT_WEIGHT. Only the order of victims matters much; the weight sets
 * how much queueing a better victim is worth. pop_mass does not change
 * during a decision, so @memo keeps the values per count for the decision
 * (the same count, the same value; a count of 0 is worth exactly 0). */
struct ect_memo {
	uint32_t valid; /* bit i: entry i is set */
	uint32_t count[ECT_VALUE_MEMO];
	double value[ECT_VALUE_MEMO];
};

static double ect_value(const struct route_ctx *c, struct ect_memo *memo, uint32_t count)
{
	uint32_t slot = count % ECT_VALUE_MEMO;

	if (count == 0)
		return 0;
	if ((memo->valid >> slot & 1) && memo->count[slot] == count)
		return memo->value[slot];
	double share = (double)count / c->w->memory->pop_mass;
	double v = ECT_EVICT_WEIGHT * (1.0 - exp(-share * ECT_HORIZON));
	memo->valid |= 1u << slot;
	memo->count[slot] = count;
	memo->value[slot] = v;
	return v;
}

/* What loading a model on @id is expected to cost later: a load pushes
 * every model the replica keeps one step closer to eviction, the predicted
 * victim out and the others toward it, so it costs the value of each,
 * weighted by ECT_CHAIN_DECAY per step between it and the victim (over the
 * ECT_VICTIM_SAMPLES oldest), never less than ECT_EVICT_MIN of a load so a
 * free slot always wins a tie. A replica whose models are all valuable
 * keeps them; loads gather where they only churn unpopular models. A free
 * slot (or a generalist) costs nothing.
 *
 * evict_floor() says what it is without ordering the view when it can
 * (true), else a lower bound of it. */
static bool evict_floor(const struct route_ctx *c, uint32_t id, const struct ect_view *v,
			uint64_t *penalty)
{
	const struct hl_router *r = c->r;
	uint64_t floor = (uint64_t)(ECT_EVICT_MIN * (double)c->est_load);

	*penalty = floor;
	uint8_t kind = __atomic_load_n(&r->conf[id].hints_kind, __ATOMIC_RELAXED);
	if (kind == HL_HINTS_NONE) /* does not report hints: nothing to predict */
		return true;
	if (v->free || v->n == 0) { /* generalist or free slot */
		*penalty = r->p.no_generalist_preference ? floor : 0;
		return true;
	}
	return c->w->memory->pop_mass == 0;
}

/* evict_penalty() when evict_floor() did not know it. */
static uint64_t evict_chain(const struct route_ctx *c, uint32_t id, struct ect_view *v,
			    struct ect_memo *memo)
{
	const struct hl_route_memory *m = c->w->memory;
	double floor = ECT_EVICT_MIN * (double)c->est_load;
	uint32_t count[ECT_VICTIM_SAMPLES];

	view_order(c, id, v);
	uint32_t left = v->n - v->gone,
		 chain = left < ECT_VICTIM_SAMPLES ? left : ECT_VICTIM_SAMPLES;
	for (uint32_t k = 0; k < chain; k++) /* independent loads first */
		count[k] = pop_get(m, v->key[left - 1 - k]);
	double cost = 0, w = 1;
	for (uint32_t k = 0; k < chain; k++, w *= ECT_CHAIN_DECAY)
		cost += w * ect_value(c, memo, count[k]);
	cost *= (double)c->est_load;
	return (uint64_t)(cost > floor ? cost : floor);
}

static uint64_t evict_penalty(const struct route_ctx *c, uint32_t id, struct ect_view *v,
			      struct ect_memo *memo)
{
	uint64_t known;

	return evict_floor(c, id, v, &known) ? known : evict_chain(c, id, v, memo);
}

/* How much the eviction penalty weighs against waiting, from how busy the
 * cluster's concurrency slots have been: u, the busy fraction of the slots
 * of the replicas UP (this worker's EWMA; queued requests do not count, so
 * a queue behind one hot replica does not make every decision wait more).
 * An evicted model costs a load later; that load costs latency to others
 * only when it has to queue, which at light load it does not: there a
 * replica that can start a load now beats a better victim behind a queue,
 * and a hit whose holder is busy for more than a load time loads
 * elsewhere. Near capacity every load is work the whole cluster waits for.
 * With x = u / (1 - u) (about the requests in flight per slot of a queue
 * that busy), the weight is (x / x_ref)^3 in [ECT_WEIGHT_MIN,
 * ECT_WEIGHT_MAX], x_ref that of ECT_UTIL_REF: 1 at the reference load
 * (hintsim's reference cluster at 1 req/s keeps ~45 % of its slots busy),
 * ~0.03 at u 0.2, 1.8 at u 0.5, 2 above. The cube and the bounds are measured
 * with hintsim (docs/ARCHITECTURE.md, "Policy choice"). */
static double ect_weight(const struct route_ctx *c)
{
	uint32_t slots = __atomic_load_n(&c->r->usable_slots, __ATOMIC_RELAXED);
	double x_ref = ECT_UTIL_REF / (1.0 - ECT_UTIL_REF);

	if (slots == 0)
		return 1.0;
	double u = (double)c->w->memory->busy_avg / 65536.0 / slots;
	u = u < ECT_UTIL_CAP ? u : ECT_UTIL_CAP;
	double x = u / (1.0 - u) / x_ref, w = x * x * x;
	return w < ECT_WEIGHT_MIN ? ECT_WEIGHT_MIN : w > ECT_WEIGHT_MAX ? ECT_WEIGHT_MAX : w;
}

/* How far a cold candidate queues: 0 when it starts the load within
 * load_wait load times (at once, by default), 1 soon (within soon_max, see
 * ect_cold()), 2 within ECT_WAIT_MAX, 3 beyond. A candidate that will hold
 * the hint is never queued. */
static inline int ect_queue_class(uint64_t wait, uint64_t now_max, uint64_t soon_max,
				  uint64_t wait_max)
{
	return wait <= now_max ? 0 : wait <= soon_max ? 1 : wait <= wait_max ? 2 : 3;
}

/* The cheapest candidate over the first ECT_COLD_CANDIDATES distinct usable
 * replicas of the key's Maglev preference order (weight-0 replicas are not
 * in it), earlier preferences winning ties, so workers and nodes agree while
 * nothing tells the candidates apart and a down replica's keys spread over
 * all others. A candidate that will hold the hint costs its wait + service;
 * one that must load it, wait + service + load + the weighted
 * evict_penalty(), and competes only with the candidates of its queue class
 * while a lower class has any: a better victim is not worth making the
 * request wait when another replica can start the load now (load_wait), nor,
 * when none can, when another starts it soon (within a service time times
 * the utilisation weight over its cap: ~0 at light load, one service time
 * near capacity, where every replica is busy and the ones with short queues
 * are what keeps the queues balanced), nor worth queueing behind two loads
 * (ECT_WAIT_MAX, what sets the p99 near capacity). But when every cold
 * candidate queues past ECT_WAIT_MAX and so does the cheapest one that holds
 * the hint (an overloaded cluster), the cheapest load wins when it finishes
 * ECT_FAR_RATIO times sooner: otherwise a hot model's holders are the only
 * replicas its requests go to, and their queue grows without bound.
 *
 * On the hit path @hit_cost is what the cheapest holder costs (its wait +
 * service; 0 for a miss), and a load that can start at once (class 0) and
 * finishes ECT_IDLE_RATIO times sooner wins whatever its victims, the
 * cheapest of them by penalty. The penalty is an expectation of loads later,
 * the holder's queue a wait now: near capacity the weighted penalty of
 * popular victims (tens of load times) would otherwise keep a hot model's
 * hits queued in bursts behind its holder while other replicas sit idle.
 *
 * A candidate that cannot win (a higher class than the best so far, or a
 * cost with the least penalty it could have no lower) is not priced
 * further. The walk stops once it has seen every replica of the table. The
 * result is kept for the decision: a hit that spills to the fallback asks
 * again. */
static int ect_cold(struct route_ctx *c, uint64_t *cost, uint64_t hit_cost)
{
	const struct hl_router *r = c->r;
	const struct maglev_table *t;
	uint32_t seen[ECT_COLD_CANDIDATES], found = 0, all;
	struct ect_memo memo;
	uint64_t now_max, soon_max, wait_max;
	double weight;
	int best = -1, best_class = 0, far = -1, idle = -1;
	bool all_far = true; /* every cold candidate queues past wait_max */
	uint64_t far_cost = UINT64_MAX, best_wait = 0, idle_cost = UINT64_MAX, idle_done = 0;

	if (c->cold_done) {
		*cost = c->cold_cost;
		return c->cold_id;
	}
	memo.valid = 0;
	t = __atomic_load_n(&r->maglev, __ATOMIC_ACQUIRE);
	now_max = (uint64_t)(route_param(&r->p.load_wait) * (double)c->est_load);
	wait_max = (uint64_t)(ECT_WAIT_MAX * (double)c->est_load);
	weight = ect_weight(c);
	soon_max = (uint64_t)(weight / ECT_WEIGHT_MAX * (double)c->est_service);
	if (soon_max < now_max)
		soon_max = now_max;
	if (wait_max < soon_max)
		wait_max = soon_max;
	all = t != NULL && t->n_backends < ECT_COLD_CANDIDATES ? t->n_backends
							       : ECT_COLD_CANDIDATES;
	for (uint32_t i = 0, k, slot = t != NULL ? maglev_slot(t, c->key.lo, 0) : 0;
	     t != NULL && i < ECT_COLD_WALK && found < all; i++) {
		uint32_t id = t->entry[slot];
		/* the table is large: fetch the next preference while this one
		 * is priced */
		slot = maglev_slot(t, c->key.lo, i + 1);
		__builtin_prefetch(&t->entry[slot]);
		for (k = 0; k < found && seen[k] != id; k++)
			;
		if (k < found || !ctx_usable(c, id))
			continue;
		seen[found++] = id;
		struct ect_view local, *v = &local;
		uint64_t wait = replica_wait_ns(r, id, c->now), cost_id, penalty;
		if (c->view != NULL && c->view_id == id)
			v = c->view; /* built by ect_warm() for this decision */
		else
			ect_view(c, id, v);
		bool warm = view_holds(c, id, v, in_entry(c->e, id));
		int cls = warm ? 0 : ect_queue_class(wait, now_max, soon_max, wait_max);
		all_far = all_far && (warm || cls == 3);
		/* a holder queued past wait_max may lose to a load queued too */
		bool far_warm = best_class == 0 && c->picked_warm && best_wait > wait_max;
		if (best >= 0 && cls > best_class && !(cls == 3 && far_warm && all_far))
			continue;
		cost_id = wait + c->est_service;
		/* a load here beats the hit's holder whatever it evicts */
		bool beats_hit =
			!warm && cls == 0 &&
			ECT_IDLE_RATIO * (double)(cost_id + c->est_load) < (double)hit_cost;
		if (!warm) {
			bool exact = evict_floor(c, id, v, &penalty);
			uint64_t least =
				cost_id + c->est_load + (uint64_t)(weight * (double)penalty);
			if (best >= 0 && cls == best_class && least >= *cost &&
			    !(beats_hit && least < idle_cost))
				continue; /* cannot win: ties go to the earlier */
			if (best >= 0 && cls > best_class && least >= far_cost)
				continue;
			if (!exact)
				penalty = evict_chain(c, id, v, &memo);
			cost_id += c->est_load + (uint64_t)(weight * (double)penalty);
		}
		if (beats_hit && cost_id < idle_cost) {
			idle = (int)id;
			idle_cost = cost_id;
			idle_done = wait + c->est_service + c->est_load;
		}
		if (!warm && cls == 3 && cost_id < far_cost) {
			far = (int)id;
			far_cost = cost_id;
		}
		if (best < 0 || cls < best_class || (cls == best_class && cost_id < *cost)) {
			best = (int)id;
			best_class = cls;
			*cost = cost_id;
			c->picked_warm = warm;
			best_wait = wait;
		}
	}
	/* the hit's holder (or a cheaper warm candidate) waits too long: the
	 * load that can start at once with the cheapest victims wins, priced at
	 * when it finishes */
	if (idle >= 0 && (c->picked_warm || *cost >= hit_cost) &&
	    ECT_IDLE_RATIO * (double)idle_done < (double)*cost) {
		best = idle;
		best_class = 0;
		*cost = idle_done;
		c->picked_warm = false;
	}
	c->picked_queued = best_class == 3;
	if (far >= 0 && all_far && best_class == 0 && c->picked_warm && best_wait > wait_max &&
	    (double)*cost > ECT_FAR_RATIO * (double)far_cost) {
		best = far; /* overloaded: the holder's queue is what sets the p99 */
		*cost = far_cost;
		c->picked_warm = false;
		c->picked_queued = true;
	}
	if (best < 0) { /* no weights, or every preference tried is unusable */
		struct ect_view v;
		c->picked_warm = false;
		best = scan_least_loaded(c, false);
		if (best >= 0) {
			ect_view(c, (uint32_t)best, &v);
			*cost = ect_cost(c, (uint32_t)best, false) +
				(uint64_t)(weight *
					   (double)evict_penalty(c, (uint32_t)best, &v, &memo));
		}
	}
	c->cold_done = true;
	c->cold_id = best;
	c->cold_cost = *cost;
	return best;
}

static int ect_select_hit_view(struct route_ctx *c)
{
	const struct hint_entry *e = c->e;
	int best = -1;
	uint64_t best_cost = UINT64_MAX, cold_cost = UINT64_MAX;

	for (uint32_t i = 0; i < e->n; i++) {
		uint32_t id = e->ids[i];
		if (!ctx_usable(c, id))
			continue;
		uint64_t k = ect_cost(c, id, true);
		if (k < best_cost && ect_warm(c, id, true)) {
			best_cost = k;
			best = (int)id;
		}
	}
	/* A cold candidate costs at least service + load: only a warm wait
	 * longer than a load can lose, and only then is it worth pricing one. */
	if (best >= 0 && best_cost - c->est_service <= c->est_load)
		return best;
	int cold = ect_cold(c, &cold_cost, best >= 0 ? best_cost : 0);
	if (cold >= 0 && c->picked_warm && in_entry(e, cold))
		return cold;
	/* a load behind more than ECT_WAIT_MAX beats a warm advertiser only
	 * when it finishes ECT_FAR_RATIO times sooner (ect_cold()) */
	if (best >= 0 &&
	    (cold < 0 || cold_cost >= best_cost ||
	     (c->picked_queued && (double)best_cost <= ECT_FAR_RATIO * (double)cold_cost)))
		return best;
	return -1; /* loading elsewhere (or joining a load) finishes sooner */
}

static int ect_select_hit(struct route_ctx *c)
{
	struct ect_view view;

	c->view = &view;
	c->view_id = UINT16_MAX;
	int id = ect_select_hit_view(c);
	c->view = NULL; /* gone with this frame */
	return id;
}

static int ect_select_fallback(struct route_ctx *c)
{
	uint64_t cost = UINT64_MAX;

	if (!c->has_hint) /* no model to load: plain Maglev under the cap */
		return fallback_maglev_walk(c, true);
	return ect_cold(c, &cost, 0);
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
