/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The routing core: which replica serves a request.
 *
 * One router holds the replica table, the hint table (hint -> replicas that
 * advertise it, an rte_hash read lock-free by workers) and the Maglev table.
 * Exactly one thread (the control thread) calls the writer functions; any
 * number of worker threads call the reader functions concurrently with it.
 * Memory a writer unlinks is freed only after every registered reader has
 * reported a quiescent state (rte_rcu_qsbr), so readers never touch freed
 * memory and never take a lock.
 *
 * Decision for one request (see docs/ARCHITECTURE.md, "Routing core"):
 *  1. hint hit: the hint is advertised by usable replicas -> the policy picks
 *     one of them (least in-flight, power of two choices when the set is
 *     large; or least expected completion time);
 *  2. spill: the pick is over the bounded-load cap -> go to 3;
 *  3. fallback: Maglev keyed by the hint's hash (or by the client key when
 *     there is no hint), walking the key's preference order past replicas
 *     that are down, draining or over the cap.
 */
#ifndef HINTLB_ROUTE_H
#define HINTLB_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_hash_crc.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Longest hint, in bytes, after trimming optional whitespace. */
#define HL_HINT_MAX_LEN 255
/** Longest replica name, including the terminating NUL. */
#define HL_REPLICA_NAME_MAX 64
/** Default Maglev table size (a prime, as the Maglev paper requires). */
#define HL_MAGLEV_SIZE_DEFAULT 65537
/** Largest replica id + 1 a router can hold (Maglev entries are 16 bits). */
#define HL_REPLICAS_LIMIT 65535
/** Default bounded-load factor ("consistent hashing with bounded loads"). */
#define HL_BALANCE_FACTOR_DEFAULT 1.25
/** Most hints one replica may advertise at once; the rest of a list is dropped and counted. */
#define HL_HINTS_PER_REPLICA_MAX 256
/** Size of an error buffer that fits every message the router writes. */
#define HL_ROUTE_ERR_MAX 160

/** Health of a replica as the control thread sees it. */
enum hl_replica_state {
	HL_REPLICA_UP = 0,   /**< takes new requests */
	HL_REPLICA_DOWN,     /**< takes nothing */
	HL_REPLICA_DRAINING, /**< finishes what it has, takes nothing new */
};

/** What a replica has told us about the hints it holds. */
enum hl_hints_kind {
	HL_HINTS_NONE = 0, /**< never reported: it does not implement hints */
	HL_HINTS_EMPTY,    /**< reported an empty list: a generalist holding nothing yet */
	HL_HINTS_LIST,     /**< reported a non-empty list */
};

/** Why a decision went where it went. Never renumbered. */
enum hl_route_reason {
	HL_ROUTE_HINT_HIT = 0,    /**< a replica advertising the hint */
	HL_ROUTE_HINT_SPILL,      /**< advertisers over the cap; Maglev fallback */
	HL_ROUTE_FALLBACK_HINT,   /**< nobody advertises the hint; Maglev of the hint */
	HL_ROUTE_FALLBACK_NOHINT, /**< no (valid) hint; Maglev of the client key */
	HL_ROUTE_NONE_AVAILABLE,  /**< no usable replica at all */
	HL_ROUTE_REASON_COUNT
};

/** Bad input the router refused, counted per worker or per router. Never renumbered. */
enum hl_route_drop {
	HL_DROP_HINT_EMPTY = 0,  /**< empty after trimming OWS */
	HL_DROP_HINT_TOO_LONG,   /**< longer than HL_HINT_MAX_LEN */
	HL_DROP_HINT_BAD_BYTE,   /**< a byte that cannot appear in a header value / token */
	HL_DROP_HINT_TABLE_FULL, /**< writer: the hint table had no room */
	HL_DROP_HINT_KEY_CLASH,  /**< reader: 128-bit key matched, bytes did not */
	HL_DROP_HINTS_DUPLICATE, /**< writer: the same hint twice in one list */
	HL_DROP_HINTS_TOO_MANY,  /**< writer: more than HL_HINTS_PER_REPLICA_MAX in one list */
	HL_DROP_REASON_COUNT
};

/** Selection policy among usable replicas (see docs/ARCHITECTURE.md). */
enum hl_route_policy {
	/**
	 * The default: least expected completion time (queue ahead + service,
	 * + load time when the replica will lack the hint, + the expected cost
	 * of what the load evicts, predicted from the replica's reported hints
	 * and the loads sent to it since, weighted by how busy the cluster is),
	 * times learned online. A load goes to a replica that can start it at
	 * once while one of its candidates can (see hl_router_params.load_wait),
	 * else to one with at most ~1.5 load times queued while one exists.
	 */
	HL_POLICY_ECT = 0,
	/** DESIGN.md's: least in-flight among advertisers, spill over the bounded-load cap. */
	HL_POLICY_BOUNDED,
	HL_POLICY_COUNT
};

/** How a router is created. Zero fields take the defaults. */
struct hl_router_params {
	const char *name;      /**< unique among routers in the process (rte_hash name) */
	uint32_t max_replicas; /**< replica ids are 0..max_replicas-1; default 256 */
	uint32_t max_hints;    /**< distinct hints held at once; default 65536 */
	uint32_t maglev_size;  /**< a prime > max_replicas; default 65537 */
	double balance_factor; /**< >= 1.0; default 1.25 */
	uint32_t max_readers;  /**< worker threads that may register; default RTE_MAX_LCORE */
	enum hl_route_policy policy;
	int socket_id; /**< NUMA socket for the hint table; default SOCKET_ID_ANY */
	/**
	 * Generalists (replicas that reported an empty list) are preferred for
	 * hints nobody holds. See docs/ARCHITECTURE.md for why this is the default.
	 */
	bool no_generalist_preference;
	/**
	 * ECT: the most queue, in model load times, a load may be sent behind
	 * while another candidate could start it at once, to evict a less
	 * valuable model there. 0 (the default): never; requests then wait
	 * only when every candidate is busy, so the p99 stays that of the
	 * cluster's own queueing, at the price of more loads. Larger values
	 * trade latency for loads, from about the reference load up (hintsim's
	 * reference cluster at 1 req/s: 0 gives ~1.78x the lower bound and a
	 * p99 of ~11 s, 1.5 ~1.64x and ~21 s; docs/ARCHITECTURE.md, "Policy
	 * choice"). 0..100.
	 */
	double load_wait;
};

/** One replica to add. */
struct hl_replica_params {
	const char *name;     /**< unique, < HL_REPLICA_NAME_MAX bytes */
	uint32_t ipv4;        /**< host byte order */
	uint16_t port;        /**< host byte order */
	uint32_t weight;      /**< 0 = never chosen by Maglev; hint hits still may */
	uint32_t concurrency; /**< requests it serves at once (fal max_multiplexing); default 1 */
};

/** Per-worker decision counters. Plain, written only by the owning worker. */
struct hl_route_stats {
	uint64_t reason[HL_ROUTE_REASON_COUNT];
	uint64_t drop[HL_DROP_REASON_COUNT];
};

/**
 * A reader's (worker's) context: its QSBR id, its counters, its random state.
 * One per thread; never shared. Embed it in the worker's own state.
 */
struct hl_route_worker {
	struct hl_router *router;
	int qsbr_id;  /**< -1 when not registered with QSBR */
	uint64_t rng; /**< xorshift state for power-of-two choices */
	struct hl_route_stats stats;
	uint64_t *per_replica; /**< decisions per replica id, max_replicas entries (owned) */
	struct hl_route_memory *memory; /**< what the ECT policy learns per worker, owned */
};

/** A request as the router sees it. */
struct hl_route_req {
	const char *hint;    /**< borrowed; need not be NUL terminated; may be NULL */
	size_t hint_len;     /**< 0 = no hint */
	uint64_t client_key; /**< used for Maglev when there is no valid hint */
	/**
	 * The caller's clock (ns; any epoch, monotonic). Policies that remember
	 * recent decisions (ECT) age them with it; 0 = read the TSC.
	 */
	uint64_t now_ns;
	/**
	 * A retry: 1 + the id of the replica the request failed on, which this
	 * decision does not choose (the routing core's next choice); 0 (the
	 * default) for a first try. When that replica is the only usable one the
	 * decision is HL_ROUTE_NONE_AVAILABLE.
	 */
	uint32_t retry_of;
};

/** A decision. Pass it back to hl_route_complete() when the request ends. */
struct hl_route_result {
	int32_t replica; /**< replica id, -1 with HL_ROUTE_NONE_AVAILABLE */
	enum hl_route_reason reason;
	bool expect_warm; /**< the chosen replica advertised the hint, or is loading it */
	bool joins_load;  /**< expect_warm only because a load of the hint is in progress there */
	uint64_t est_cost_ns;  /**< the work this request added to the replica's estimate */
	uint64_t key_hash;     /**< hash of the hint (or client key) used for Maglev */
	uint32_t queued_ahead; /**< the replica's in-flight count before this request */
	uint32_t done_seen;    /**< the replica's completions counted at the decision */
	uint64_t decided_ns;   /**< the decision's clock (hl_route_req.now_ns, or the TSC's) */
};

/** Snapshot of one replica for the control plane and tools. */
struct hl_replica_info {
	uint32_t id;
	char name[HL_REPLICA_NAME_MAX];
	uint32_t ipv4;
	uint16_t port;
	uint32_t weight;
	uint32_t concurrency;
	enum hl_replica_state state;
	enum hl_hints_kind hints_kind;
	uint32_t n_hints;
	uint32_t inflight;
};

/** Router-wide counters kept by the writer. */
struct hl_router_counters {
	uint64_t drop[HL_DROP_REASON_COUNT]; /**< bad entries refused by writers */
	uint64_t hints;                      /**< distinct hints in the table now */
	uint64_t maglev_builds;
	uint64_t reclaimed;      /**< objects freed after a grace period */
	uint64_t est_service_ns; /**< ECT: learned service time */
	uint64_t est_load_ns;    /**< ECT: learned model load time */
};

/* ------------------------------------------------------------------ */
/* Lifecycle (control thread). The EAL must be initialised.           */

/**
 * Create a router.
 * @return the router, or NULL with errno set and @p err filled:
 *   EINVAL (a parameter is out of range; @p err names it), ENOMEM, EEXIST (name taken).
 */
struct hl_router *hl_router_create(const struct hl_router_params *params, char *err, size_t errlen);

/** Free a router. No reader may use it any more. NULL is accepted. */
void hl_router_free(struct hl_router *r);

/* ------------------------------------------------------------------ */
/* Writers (control thread only).                                     */

/**
 * Add a replica. It starts UP with hint kind NONE. The Maglev table is
 * rebuilt and published before this returns.
 * @return the new replica id (>= 0), or -EINVAL (bad parameter, named in
 *   @p err), -EEXIST (name taken), -ENOSPC (max_replicas reached), -ENOMEM.
 */
int hl_replica_add(struct hl_router *r, const struct hl_replica_params *p, char *err,
		   size_t errlen);

/** Whether hl_replica_add() takes @p name: 1..HL_REPLICA_NAME_MAX-1 token characters. */
bool hl_replica_name_ok(const char *name);

/** Look a replica up by name. @return its id, or -ENOENT. */
int hl_replica_find(const struct hl_router *r, const char *name);

/** Set a replica's health. @return 0, -ENOENT (no such id), -EINVAL (bad state). */
int hl_replica_set_state(struct hl_router *r, uint32_t id, enum hl_replica_state state);

/**
 * Change a replica's Maglev weight; the table is rebuilt off to the side and
 * published. @return 0, -ENOENT, -ENOMEM.
 */
int hl_replica_set_weight(struct hl_router *r, uint32_t id, uint32_t weight);

/**
 * Change how many requests a replica serves at once (1..65535). Requests in
 * flight keep going; the bounded-load and ECT estimates use the new value from
 * the next decision. @return 0, -ENOENT, -EINVAL.
 */
int hl_replica_set_concurrency(struct hl_router *r, uint32_t id, uint32_t concurrency);

/**
 * Change the bounded-load factor (1..100) and ECT's load_wait (0..100) while
 * workers route (see hl_router_params). @return 0 or -EINVAL (nothing changed).
 */
int hl_router_set_balance(struct hl_router *r, double balance_factor, double load_wait);

/**
 * Replace everything the router knows about a replica's hints, the meaning of
 * one `X-Fal-Runner-Hints` response header.
 * @param kind  HL_HINTS_NONE or HL_HINTS_EMPTY (then @p n must be 0), or HL_HINTS_LIST.
 * @param hints borrowed; @p n (pointer, length) pairs.
 * Entries that are empty, too long, hold bytes other than token characters
 * and '/' (model paths such as "fal-ai/flux-dev"), or repeat are
 * dropped and counted; the rest are applied at once. A list whose entries are
 * all dropped becomes HL_HINTS_EMPTY.
 * @return the number of hints now held for the replica, or -ENOENT, -EINVAL,
 *   -ENOSPC (hint table full: the replica keeps what fitted; counted).
 */
int hl_hints_replace(struct hl_router *r, uint32_t id, enum hl_hints_kind kind,
		     const char *const *hints, const size_t *lens, unsigned n);

/**
 * hl_hints_replace() from the raw value of the hints response header
 * (comma-separated, OWS around entries). @p value NULL means the header was
 * absent (HL_HINTS_NONE); an empty or all-blank value means HL_HINTS_EMPTY.
 */
int hl_hints_replace_header(struct hl_router *r, uint32_t id, const char *value, size_t len);

/**
 * Free what readers can no longer see. Cheap; call it from the control loop.
 * @return objects freed.
 */
unsigned hl_router_reclaim(struct hl_router *r);

/** Copy a replica's state out. @return 0 or -ENOENT. */
int hl_replica_get(const struct hl_router *r, uint32_t id, struct hl_replica_info *out);

/**
 * The routing key of requests without a hint from client address @p addr
 * (network order): the proxy's Maglev key, so one client's requests land on
 * one replica while the replica set is stable.
 */
static inline uint64_t hl_route_client_key(uint32_t addr)
{
	return (uint64_t)rte_hash_crc_4byte(addr, 0x48494e54) << 32 |
	       rte_hash_crc_4byte(addr, 0x4c42);
}

/**
 * Make @p w (the control thread's context) decide as @p like (a worker's)
 * would: copy what that worker's policy learned (ECT's popularity, busy
 * average, last uses), word by word while it runs, so a torn value can only
 * skew an explanation. Then hl_route_explain(@p w, ...).
 */
void hl_route_worker_mimic(struct hl_route_worker *w, const struct hl_route_worker *like);

/** What hl_hints_get() calls for each hint (bytes not NUL terminated). */
typedef void hl_hint_visit_fn(const char *hint, size_t len, void *arg);

/**
 * The hints replica @p id advertises now, one call of @p fn each (in the
 * order of their 128-bit keys, not the order the replica sent them).
 * @return how many, or -ENOENT.
 */
int hl_hints_get(const struct hl_router *r, uint32_t id, hl_hint_visit_fn *fn, void *arg);

/**
 * The Maglev table's share: @p entries[id] = entries owned by replica id, for
 * ids below @p n (the rest are not counted). @return the table's size, 0 when
 * there is none (no replica has weight).
 */
uint32_t hl_maglev_entries(const struct hl_router *r, uint32_t *entries, uint32_t n);

/** Number of replica ids in use (0..n-1). */
uint32_t hl_router_replica_count(const struct hl_router *r);

/** Router-wide counters. */
void hl_router_get_counters(const struct hl_router *r, struct hl_router_counters *out);

/* ------------------------------------------------------------------ */
/* Readers (workers).                                                 */

/**
 * Set up a worker context. When @p register_qsbr, the calling thread is
 * registered with the router's QSBR variable and must call
 * hl_route_quiescent() regularly (once per loop) or writers cannot free.
 * @return 0, -ENOMEM, -ENOSPC (more than max_readers).
 */
int hl_route_worker_init(struct hl_router *r, struct hl_route_worker *w, bool register_qsbr);

/** Seed the worker's random state (power of two choices); for reproducible runs. */
void hl_route_worker_seed(struct hl_route_worker *w, uint64_t seed);

/** Undo hl_route_worker_init(). */
void hl_route_worker_fini(struct hl_route_worker *w);

/** Report a quiescent state: the worker holds no router pointer across this call. */
void hl_route_quiescent(struct hl_route_worker *w);

/**
 * Decide where a request goes and reserve a slot on that replica (its
 * in-flight count goes up). Every result except HL_ROUTE_NONE_AVAILABLE must
 * be given back through hl_route_complete().
 * A hint that is too long or holds bad bytes is treated as no hint and counted.
 * @return 0, or -EAGAIN with HL_ROUTE_NONE_AVAILABLE.
 */
int hl_route_decide(struct hl_route_worker *w, const struct hl_route_req *req,
		    struct hl_route_result *res);

/**
 * hl_route_decide() without taking anything: where a request would go now and why, for the
 * control plane (`hintctl route HINT`). Nothing is reserved, counted, remembered or marked
 * as loading; do not pass the result to hl_route_complete(). queued_ahead is the replica's
 * in-flight count now. The writer thread may call it with a worker context of its own
 * (hl_route_worker_init without QSBR).
 * @return 0, or -EAGAIN with HL_ROUTE_NONE_AVAILABLE.
 */
int hl_route_explain(struct hl_route_worker *w, const struct hl_route_req *req,
		     struct hl_route_result *res);

/**
 * A request ends (response complete, or failed). @p latency_ns is what the
 * worker measured from sending the request to the end of the response; 0 when
 * unknown (failures). It trains the ECT policy's service and load estimates
 * and tells it when the next queued request started. Apply the response's
 * hint list (hl_hints_replace_header()) first: a request that loaded a model
 * stops marking the replica as loading it here, so from then on the list
 * says whether the replica holds it.
 */
void hl_route_complete(struct hl_route_worker *w, const struct hl_route_result *res,
		       uint64_t latency_ns);

/** Name of a reason ("hint_hit", ...). */
const char *hl_route_reason_name(enum hl_route_reason reason);
/** Name of a drop reason ("hint_too_long", ...). */
const char *hl_route_drop_name(enum hl_route_drop drop);
/** Name of a policy ("bounded", "ect"); parse with hl_route_policy_parse(). */
const char *hl_route_policy_name(enum hl_route_policy policy);
/** @return the policy, or -EINVAL. */
int hl_route_policy_parse(const char *name);

/**
 * Validate and trim a request hint as the router does: OWS (SP, HTAB) trimmed
 * at both ends; what is left must be 1..HL_HINT_MAX_LEN bytes of a header
 * field value (VCHAR, obs-text, inner SP/HTAB; no CTL, no NUL).
 * @param out,out_len the trimmed hint, pointing into @p hint (borrowed).
 * @param why when not NULL and the hint is refused, the drop reason.
 * @return 0, or -EINVAL.
 */
int hl_hint_check(const char *hint, size_t len, const char **out, size_t *out_len,
		  enum hl_route_drop *why);

/**
 * Whether a (trimmed) hint can appear as an entry of a replica's hint list:
 * 1..HL_HINT_MAX_LEN token characters and '/'. A request hint that is not
 * one is still routed (by Maglev), but no replica can ever advertise it.
 */
bool hl_hint_is_list_entry(const char *hint, size_t len);

/** The 64-bit hash of a hint the router uses for Maglev (stable across nodes). */
uint64_t hl_hint_hash64(const char *hint, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* HINTLB_ROUTE_H */
