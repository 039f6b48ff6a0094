/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hintsim: a trace-driven simulator that runs the real routing core (and the
 * baselines users would otherwise run) against simulated GPU replicas.
 *
 * One trace (Poisson arrivals, Zipf hints) is generated once and replayed for
 * every policy. Replicas hold K models with LRU eviction; a request for a
 * model the replica does not hold loads it first. Time is simulated in
 * nanoseconds on a binary heap of events, ties broken by insertion order, so
 * a run is a pure function of the flags.
 */
#ifndef HINTSIM_H
#define HINTSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hintlb/route.h>

#define SIM_NS_PER_MS 1000000ULL
#define SIM_NS_PER_S  1000000000ULL
/** Size of the error buffers the simulator fills. */
#define SIM_ERR_MAX 256

/* ------------------------------------------------------------------ */
/* Configuration (sim_opts.c)                                          */

struct sim_config {
	uint32_t replicas;
	uint32_t slots;       /**< model slots per replica (K) */
	uint32_t models;      /**< distinct models (M) */
	uint32_t concurrency; /**< requests a replica serves at once */
	double zipf;          /**< Zipf exponent s >= 0 */
	uint64_t requests;
	double rate;         /**< arrivals per second, whole cluster */
	uint64_t load_ns;    /**< time to load a model */
	uint64_t service_ns; /**< time to serve a request once the model is loaded */
	uint64_t path_ns;    /**< network path per request: half before the replica, half after */
	uint64_t seed;
	double balance_factor; /**< router and chash_bounded */
	int route_policy;      /**< enum hl_route_policy, or -1: the router's default */
	double load_wait;      /**< hl_router_params.load_wait (ECT), load times */
	bool json;
	bool qsbr;                     /**< register the hintlb worker with QSBR */
	bool no_generalist_preference; /**< hl_router_params.no_generalist_preference */
	const char *trace_path;        /**< --trace: replay this file instead of generating */
	const char *write_trace_path;  /**< --write-trace: save the trace the run uses */
	const char *server_names; /**< --server-names: nginx's names of the replicas, or NULL */
};

/** Longest name --server-names takes (nginx's server names). */
#define SIM_SERVER_NAME_MAX 255

/** Most requests one trace may hold (generated or read). */
#define SIM_TRACE_REQUESTS_MAX 100000000ULL

/**
 * Parse the command line into @p cfg (defaults: the reference workload).
 * @return 0 to run, 1 when --help was printed, 2 on a bad flag (message on stderr).
 */
int sim_opts_parse(struct sim_config *cfg, int argc, char **argv);

/* ------------------------------------------------------------------ */
/* Random numbers and the trace (sim_trace.c)                          */

/** xoshiro256** state, seeded through splitmix64. */
struct sim_rng {
	uint64_t s[4];
};

void sim_rng_seed(struct sim_rng *rng, uint64_t seed);
uint64_t sim_rng_next(struct sim_rng *rng);
/** Uniform in [0, 1). */
double sim_rng_double(struct sim_rng *rng);
/** A strong 64-bit mixer (splitmix64 finaliser); used for hashing. */
uint64_t sim_mix64(uint64_t x);
/** FNV-1a over bytes, then sim_mix64: the baselines' hash of a hint. */
uint64_t sim_hash_bytes(const void *data, size_t len);

/** The request sequence every policy replays. */
struct sim_trace {
	uint64_t n;
	uint64_t *arrival_ns; /**< non-decreasing */
	uint32_t *model;      /**< 0-based; 0 is the most popular (rank 1) */
	uint32_t n_models;
	char **names; /**< "model-007" for model 6 */
	size_t *name_len;
};

/** Build the trace for @p cfg. @return 0 or -ENOMEM. */
int sim_trace_build(struct sim_trace *t, const struct sim_config *cfg);
/**
 * Read a trace file (format: sim_tracefile.c, docs in --help).
 * @return 0, or -errno with @p err naming the file and line.
 */
int sim_trace_read(struct sim_trace *t, const char *path, char *err, size_t errlen);
/** Write @p t in the format sim_trace_read() takes. @return 0 or -errno with @p err. */
int sim_trace_write(const struct sim_trace *t, const char *path, char *err, size_t errlen);
/** Free what sim_trace_build() or sim_trace_read() allocated. Safe on a zeroed or partial trace. */
void sim_trace_free(struct sim_trace *t);

/* ------------------------------------------------------------------ */
/* Event heap (sim_heap.c)                                             */

struct sim_event {
	uint64_t time;
	uint64_t seq; /**< insertion order: breaks ties between equal times */
	uint32_t type;
	uint32_t a;
	uint64_t b;
};

/** A binary min-heap of events ordered by (time, seq). */
struct sim_heap {
	struct sim_event *ev;
	size_t n;
	size_t cap;
	uint64_t next_seq;
};

int sim_heap_init(struct sim_heap *h, size_t cap);
void sim_heap_free(struct sim_heap *h);
/** @return 0 or -ENOMEM. */
int sim_heap_push(struct sim_heap *h, uint64_t time, uint32_t type, uint32_t a, uint64_t b);
/** Pop the earliest event. @return false when empty. */
bool sim_heap_pop(struct sim_heap *h, struct sim_event *out);

/* ------------------------------------------------------------------ */
/* Simulated replicas (sim_replica.c)                                  */

struct sim_slot {
	uint32_t model;
	bool used;         /**< holds (or is loading) a model */
	uint32_t pins;     /**< started requests using it: not evictable */
	uint64_t ready_ns; /**< load completes at; loading while now < ready_ns */
	uint64_t last_use; /**< LRU stamp */
};

/** One replica: its slots, its FIFO of requests not started yet. */
struct sim_replica {
	struct sim_slot *slots;
	uint32_t active;   /**< started, not done (<= concurrency) */
	uint64_t inflight; /**< dispatched to it, not done (queued + active) */
	uint64_t *queue;   /**< ring of request indices */
	size_t q_head;
	size_t q_len;
	size_t q_cap;
	uint64_t busy_ns; /**< sum over its requests of start -> done */
	uint64_t loads;
	uint64_t requests; /**< dispatched to it */
};

/** The replicas plus what every run shares. */
struct sim_cluster {
	const struct sim_config *cfg;
	const struct sim_trace *trace;
	struct sim_replica *rep;
	uint32_t n;
	uint64_t total_inflight; /**< sum of the replicas' inflight */
	uint64_t lru_clock;
};

int sim_cluster_init(struct sim_cluster *c, const struct sim_config *cfg,
		     const struct sim_trace *trace);
void sim_cluster_free(struct sim_cluster *c);
/** Count a request as sent to replica @p r: in flight from now (the
 * balancer's view), counted in its requests. */
void sim_replica_dispatch(struct sim_cluster *c, uint32_t r);
/** Queue request @p req, dispatched earlier, on replica @p r (it has
 * reached it). @return 0 or -ENOMEM. */
int sim_replica_enqueue(struct sim_cluster *c, uint32_t r, uint64_t req);

/** A request the replica started: when it will be done. */
struct sim_start {
	uint64_t req;
	uint64_t done_ns;
	uint32_t slot;
	bool loaded; /**< it loaded its model (a miss) */
};

/**
 * Start the next queued request on replica @p r if it has a free concurrency
 * slot and a model slot it may use. @return true and @p out filled, or false.
 */
bool sim_replica_start_next(struct sim_cluster *c, uint32_t r, uint64_t now, struct sim_start *out);
/** A started request finished: release its concurrency slot and model pin. */
void sim_replica_finish(struct sim_cluster *c, uint32_t r, uint32_t slot, uint64_t busy_ns);
/**
 * The models replica @p r holds loaded at @p now, most recently used first,
 * as borrowed names into the trace. @return how many (<= slots).
 */
unsigned sim_replica_hints(const struct sim_cluster *c, uint32_t r, uint64_t now,
			   const char **names, size_t *lens);

/* ------------------------------------------------------------------ */
/* Policies (policy_*.c)                                               */

struct sim_policy;
struct sim_result;

/** What a policy plugs into the event loop. */
struct sim_policy_ops {
	const char *name;
	/** Set up private state in p->priv. @return 0, or -errno with @p err filled. */
	int (*init)(struct sim_policy *p, const struct sim_cluster *c, char *err, size_t errlen);
	/** Pick a replica for request @p req. @return its id, or -1: unroutable. */
	int32_t (*pick)(struct sim_policy *p, const struct sim_cluster *c, uint64_t req);
	/** Request @p req on replica @p r completed at @p now (optional). */
	void (*complete)(struct sim_policy *p, const struct sim_cluster *c, uint64_t req,
			 uint32_t r, uint64_t now);
	/** Called once per event (optional). */
	void (*tick)(struct sim_policy *p);
	/** Copy policy-specific counters into @p res (optional). */
	void (*stats)(struct sim_policy *p, struct sim_result *res);
	void (*fini)(struct sim_policy *p);
};

struct sim_policy {
	const struct sim_policy_ops *ops;
	void *priv;
};

extern const struct sim_policy_ops sim_policy_round_robin;
extern const struct sim_policy_ops sim_policy_least_inflight;
extern const struct sim_policy_ops sim_policy_chash_bounded;
extern const struct sim_policy_ops sim_policy_chash;
extern const struct sim_policy_ops sim_policy_haproxy;
extern const struct sim_policy_ops sim_policy_nginx;
extern const struct sim_policy_ops sim_policy_hintlb;

/* ------------------------------------------------------------------ */
/* Runs and results (sim_run.c, sim_belady.c, sim_pooled.c, sim_report.c) */

struct sim_result {
	const char *name;
	uint64_t requests;   /**< completed */
	uint64_t unroutable; /**< the policy found no replica */
	uint64_t loads;
	double miss_rate;
	double p50_ms;
	double p99_ms;
	double max_mean_load;
	uint64_t *replica_requests; /**< per replica, malloc'd (sim_result_free), or NULL */
	double wall_s;
	bool has_reasons;
	uint64_t reason[HL_ROUTE_REASON_COUNT];
	const char *route_policy; /**< hintlb: the router policy's name */
	uint64_t hint_errors;     /**< hintlb: hint lists the router refused */
};

/** Free what sim_run() allocated in @p res. */
void sim_result_free(struct sim_result *res);

/** Replay the trace through @p ops. @return 0, or -errno with @p err filled. */
int sim_run(const struct sim_config *cfg, const struct sim_trace *trace,
	    const struct sim_policy_ops *ops, struct sim_result *res, char *err, size_t errlen);

/**
 * Belady's optimal eviction on one pooled cache of @p capacity slots over the
 * trace's request order: a lower bound on the loads of any policy.
 * @return the loads, or UINT64_MAX on allocation failure.
 */
uint64_t sim_belady_loads(const struct sim_trace *t, uint64_t capacity);

/** Reference points: one pooled cache with online eviction (sim_pooled.c). */
#define SIM_REFERENCES_MAX 6
struct sim_references {
	uint64_t capacity; /**< pooled slots: replicas x slots */
	unsigned n;
	uint32_t
		pinned[SIM_REFERENCES_MAX]; /**< most popular models never evicted; 0 = plain LRU */
	uint64_t loads[SIM_REFERENCES_MAX];
};

/**
 * Loads of one pooled cache of @p capacity slots over the trace's request
 * order that keeps the @p pinned most popular models (true ranks) once loaded
 * and runs LRU on the other capacity - pinned slots.
 * @return the loads, or UINT64_MAX on allocation failure or pinned >= capacity.
 */
uint64_t sim_pooled_lru_loads(const struct sim_trace *t, uint64_t capacity, uint32_t pinned);
/** Fill @p ref for a few values of pinned, 0 first. @return 0 or -1 (no memory). */
int sim_references_compute(struct sim_references *ref, const struct sim_trace *t,
			   uint64_t capacity);

/** Print the results as a table, or as one JSON object. @return 0 or -ENOMEM. */
int sim_report(const struct sim_config *cfg, const struct sim_result *res, unsigned n,
	       uint64_t lower_bound, const struct sim_references *ref, double wall_s);

#endif /* HINTSIM_H */
