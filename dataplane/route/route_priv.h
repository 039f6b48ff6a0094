/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to dataplane/route/: the router's layout, shared between the
 * writer (control thread) files and the reader (worker) files.
 */
#ifndef HL_ROUTE_PRIV_H
#define HL_ROUTE_PRIV_H

#include <assert.h>
#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_hash.h>
#include <rte_rcu_qsbr.h>

#include "hintlb/route.h"

/* ---- hint keys (hint_key.c) ---- */

/* The hash table key: a 128-bit hash of the hint bytes. The entry keeps the
 * bytes too, so a clash of 128-bit keys is detected, never mis-routed. */
struct hint_key {
	uint64_t lo;
	uint64_t hi;
};

void hint_key_of(const char *hint, size_t len, struct hint_key *key);
bool hint_is_token(const char *s, size_t len);
bool hint_is_list_entry(const char *s, size_t len);
int hint_key_cmp(const struct hint_key *a, const struct hint_key *b);

/* splitmix64 finaliser: a cheap, good 64-bit mixer. */
static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* ---- Maglev (maglev.c) ---- */

struct maglev_table {
	uint32_t size;       /* prime */
	uint32_t n_backends; /* replicas with weight > 0 when built */
	uint16_t entry[];    /* replica ids */
};

/* Build a table of @size entries over replicas 0..n-1 with the given names
 * and weights (weight 0: not in the table). Returns owned memory (free()),
 * or NULL: ENOMEM, or ENOENT when no replica has weight > 0. */
struct maglev_table *maglev_build(uint32_t size, const char *const *names, const uint32_t *weights,
				  uint32_t n);

/* Index of the i-th preference of a key: i = 0 is the Maglev lookup itself;
 * further ones rehash the key, so a failed primary's keys spread evenly. */
static inline uint32_t maglev_slot(const struct maglev_table *t, uint64_t key, uint32_t i)
{
	uint64_t h = i == 0 ? key : mix64(key + i * 0x9e3779b97f4a7c15ULL);
	return (uint32_t)(((h >> 32) * t->size) >> 32);
}

static inline uint16_t maglev_pick(const struct maglev_table *t, uint64_t key, uint32_t i)
{
	return t->entry[maglev_slot(t, key, i)];
}

bool maglev_size_ok(uint32_t size);

/* ---- replicas (replica.c) ---- */

/* A replica's advertised hints as readers see them (low 64 bits of each
 * key). Immutable once published; replaced whole, freed after a grace period. */
struct replica_hints {
	uint32_t n;
	uint64_t key[];
};

/* Read-mostly, written by the control thread, read by workers. */
struct replica_conf {
	uint8_t state;      /* enum hl_replica_state; atomic */
	uint8_t hints_kind; /* enum hl_hints_kind; atomic */
	uint8_t slots_full; /* atomic; it dropped a model: slots_seen is all it has */
	uint32_t weight;
	uint32_t concurrency;
	uint32_t slots_seen;         /* longest list it ever advertised: its model slots once
				      * slots_full (before, it may have more) */
	struct replica_hints *hints; /* RCU-published; NULL = none */
};

/* Loads a replica was recently sent (ECT): any worker can see that a
 * replica is already loading a hint and join that load instead of starting
 * another one before the replica's next response advertises the hint. Deep
 * queues hold many loads: the residency of a replica whose queue is long is
 * only predicted right when every load queued there is known. */
#define HL_LOADING_MARKS 16

/* The hints most recently sent to a replica by any worker (ECT): the order
 * in which the replica will have used them, so its LRU victim is predicted
 * alike by every worker. Kept only for replicas that hold at most this many
 * models; longer lists are sampled anyway (route_policy.c). */
#define HL_RECENT_SLOTS 8

/* When the replica's last completions happened (ECT), by completion count:
 * a request that waited in the replica's queue started at one of them, so
 * its time in service is known and teaches the estimates even when every
 * request queues (replicas serve their queue in order). */
#define HL_DONE_RING 32

/* Written by workers (atomics), cache-line aligned per replica. The first
 * line holds what every ECT hit reads (in flight, pending work, whether any
 * load may be in progress). */
struct replica_load {
	alignas(RTE_CACHE_LINE_SIZE) uint32_t inflight;
	uint32_t loading_next; /* next mark to overwrite */
	uint64_t pending_ns;   /* sum of est_cost_ns of in-flight requests */
	uint64_t busy_since;   /* when the request in service started, as far as we know */
	uint64_t loading_last; /* the latest deadline any mark was given */
	uint32_t done;         /* completions counted (ECT), for done_ns */
	alignas(RTE_CACHE_LINE_SIZE) uint64_t loading_until[HL_LOADING_MARKS];
	uint64_t loading_key[HL_LOADING_MARKS];
	uint64_t recent_key[HL_RECENT_SLOTS];
	uint64_t recent_ns[HL_RECENT_SLOTS];
	uint64_t done_ns[HL_DONE_RING]; /* completion i ended at done_ns[i % HL_DONE_RING] */
};

/* Note that @key was sent now: refresh its entry or replace the oldest.
 * Two workers racing may lose one update or pair a key with the other's
 * time for a moment: one victim mispredicted, nothing breaks. */
static inline void replica_note_sent(struct replica_load *l, uint64_t key, uint64_t now)
{
	uint32_t i, slot = 0;
	uint64_t oldest_ns = UINT64_MAX;

	for (i = 0; i < HL_RECENT_SLOTS; i++) {
		if (__atomic_load_n(&l->recent_key[i], __ATOMIC_RELAXED) == key) {
			__atomic_store_n(&l->recent_ns[i], now, __ATOMIC_RELAXED);
			return;
		}
		uint64_t t = __atomic_load_n(&l->recent_ns[i], __ATOMIC_RELAXED);
		if (t < oldest_ns) {
			oldest_ns = t;
			slot = i;
		}
	}
	__atomic_store_n(&l->recent_key[slot], key, __ATOMIC_RELAXED);
	__atomic_store_n(&l->recent_ns[slot], now, __ATOMIC_RELAXED);
}

/* When @key was last sent to the replica by any worker; 0 = not recently. */
static inline uint64_t replica_sent_at(const struct replica_load *l, uint64_t key)
{
	for (uint32_t i = 0; i < HL_RECENT_SLOTS; i++)
		if (__atomic_load_n(&l->recent_key[i], __ATOMIC_RELAXED) == key)
			return __atomic_load_n(&l->recent_ns[i], __ATOMIC_RELAXED);
	return 0;
}

static inline void replica_mark_loading(struct replica_load *l, uint64_t key, uint64_t until)
{
	uint32_t i = __atomic_fetch_add(&l->loading_next, 1, __ATOMIC_RELAXED) % HL_LOADING_MARKS;
	/* A reader may pair a new key with an old deadline for a moment: it
	 * then joins or skips one load by mistake; nothing breaks. */
	__atomic_store_n(&l->loading_key[i], key, __ATOMIC_RELAXED);
	__atomic_store_n(&l->loading_until[i], until, __ATOMIC_RELEASE);
	/* Two workers racing may keep the earlier deadline: a hit then trusts
	 * the advertised list for a moment, as it would without marks. */
	if (__atomic_load_n(&l->loading_last, __ATOMIC_RELAXED) < until)
		__atomic_store_n(&l->loading_last, until, __ATOMIC_RELAXED);
}

/* The load of @key ended: the replica's response said what it holds now. */
static inline void replica_clear_loading(struct replica_load *l, uint64_t key)
{
	for (uint32_t i = 0; i < HL_LOADING_MARKS; i++)
		if (__atomic_load_n(&l->loading_key[i], __ATOMIC_RELAXED) == key)
			__atomic_store_n(&l->loading_until[i], 0, __ATOMIC_RELEASE);
}

/* May a load be in progress on the replica? One word of the first line: the
 * latest deadline any mark was given. Clearing a mark does not lower it, so
 * "yes" may be stale (the caller then reads the marks); "no" is right but
 * for the race replica_mark_loading() tolerates. */
static inline bool replica_any_loading(const struct replica_load *l, uint64_t now)
{
	return __atomic_load_n(&l->loading_last, __ATOMIC_RELAXED) > now;
}

static inline bool replica_is_loading(const struct replica_load *l, uint64_t key, uint64_t now)
{
	for (uint32_t i = 0; i < HL_LOADING_MARKS; i++)
		if (__atomic_load_n(&l->loading_key[i], __ATOMIC_RELAXED) == key &&
		    __atomic_load_n(&l->loading_until[i], __ATOMIC_ACQUIRE) > now)
			return true;
	return false;
}

/* Control thread only. */
struct replica_ctl {
	char name[HL_REPLICA_NAME_MAX];
	uint32_t ipv4;
	uint16_t port;
	uint32_t n_keys;
	uint32_t cap_keys;
	struct hint_key *keys; /* sorted: the hints this replica advertises */
};

/* ---- hint table (hint_table.c) ---- */

/* The value of one hint: the replicas advertising it. Immutable once
 * published; a writer replaces it whole and frees the old one after a grace
 * period. */
struct hint_entry {
	uint16_t len;   /* hint bytes */
	uint16_t n;     /* replica ids */
	uint32_t ids[]; /* then the hint bytes */
};

static inline const char *hint_entry_bytes(const struct hint_entry *e)
{
	return (const char *)&e->ids[e->n];
}

/* ---- the router ---- */

struct route_policy_ops;

#define HL_READERS_MAX 1024 /* reader (QSBR) ids per router */

struct hl_router {
	struct hl_router_params p;
	const struct route_policy_ops *ops;

	/* shared with readers */
	struct rte_hash *hints;
	struct replica_conf *conf;
	struct replica_load *load;
	struct maglev_table *maglev; /* RCU-published; NULL when no weight */
	uint32_t n_replicas;         /* atomic: ids 0..n-1 exist */
	uint32_t n_usable;           /* atomic: replicas UP */
	uint32_t n_generalists;      /* atomic: replicas whose hint kind is EMPTY */
	uint32_t usable_slots;       /* atomic: concurrency summed over the replicas UP */
	/* atomic: requests in flight router-wide (low 32 bits) and busy
	 * concurrency slots, min(in flight, concurrency) summed over replicas
	 * (high 32 bits), moved together by one atomic add per request */
	alignas(RTE_CACHE_LINE_SIZE) uint64_t inflight_busy;
	alignas(RTE_CACHE_LINE_SIZE) uint64_t est_service_ns; /* atomic, ECT */
	uint64_t est_load_ns;                                 /* atomic, ECT */

	/* control thread only */
	alignas(RTE_CACHE_LINE_SIZE) struct rte_rcu_qsbr *qsbr;
	struct rte_rcu_qsbr_dq *dq;
	struct replica_ctl *ctl;
	struct hl_router_counters counters;
	uint64_t reader_used[HL_READERS_MAX / 64]; /* atomic bitmap of QSBR ids */
	uint32_t n_hints;                          /* distinct hints in the table */
	uint64_t tsc_mult;                         /* ns = (tsc * tsc_mult) >> 32 */
};

/* Writers: hint_table.c */
int hint_table_create(struct hl_router *r, const char *name, char *err, size_t errlen);
void hint_table_free(struct hl_router *r);
void route_defer_free(struct hl_router *r, void *obj, int32_t key_pos);

/* Readers: the replicas advertising @hint, or NULL. */
static inline const struct hint_entry *hint_table_lookup(const struct hl_router *r,
							 const struct hint_key *key,
							 const char *hint, size_t len, bool *clash)
{
	void *data;

	if (rte_hash_lookup_with_hash_data(r->hints, key, (hash_sig_t)key->lo, &data) < 0)
		return NULL;
	const struct hint_entry *e = data;
	if (unlikely(e->len != len || memcmp(hint_entry_bytes(e), hint, len) != 0)) {
		*clash = true;
		return NULL;
	}
	return e;
}

/* replica.c */
int replica_publish_maglev(struct hl_router *r);

static inline bool replica_usable(const struct hl_router *r, uint32_t id)
{
	return __atomic_load_n(&r->conf[id].state, __ATOMIC_RELAXED) == HL_REPLICA_UP;
}

static inline uint32_t replica_inflight(const struct hl_router *r, uint32_t id)
{
	return __atomic_load_n(&r->load[id].inflight, __ATOMIC_RELAXED);
}

#define ROUTE_BUSY_ONE (1ull << 32) /* one busy slot in hl_router.inflight_busy */

static inline uint32_t router_total_inflight(const struct hl_router *r)
{
	return (uint32_t)__atomic_load_n(&r->inflight_busy, __ATOMIC_RELAXED);
}

static inline uint32_t router_busy_slots(const struct hl_router *r)
{
	return (uint32_t)(__atomic_load_n(&r->inflight_busy, __ATOMIC_RELAXED) >> 32);
}

/* A router parameter the control thread may change while workers read it
 * (hl_router_set_balance()): one aligned 8-byte load. */
static inline double route_param(const double *p)
{
	double v;

	__atomic_load(p, &v, __ATOMIC_RELAXED);
	return v;
}

/* The bounded-load cap: a replica may take a request while its in-flight
 * count + 1 <= ceil(balance_factor * (total in-flight + 1) / usable). */
static inline uint32_t route_cap(const struct hl_router *r)
{
	uint32_t usable = __atomic_load_n(&r->n_usable, __ATOMIC_RELAXED);
	uint64_t total = router_total_inflight(r);

	if (usable == 0)
		return 0;
	double cap = route_param(&r->p.balance_factor) * (double)(total + 1) / usable;
	uint32_t c = (uint32_t)cap;
	return (double)c < cap ? c + 1 : c;
}

#endif /* HL_ROUTE_PRIV_H */
