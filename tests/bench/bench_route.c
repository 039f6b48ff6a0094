/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Routing core benchmark (one core): decisions per second on the hint-hit
 * and fallback paths for each policy (and the fallback when no replica reports
 * hints, as nginx replicas do; and the queue path: bench_memif's one replica
 * with a deep queue), hint table lookups, Maglev builds.
 * Prints `name: value unit` lines; each figure is the median of RUNS runs.
 * `bench_route WORD` runs only the figures whose name contains WORD.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>

#include "hintlb/route.h"
#include "route_priv.h"

#define RUNS         9
#define N_REPLICAS   64
#define N_HINTS      10000
#define SEQ_LEN      (1u << 16) /* request sequence, replayed */
#define RUN_TARGET_S 0.1        /* each timed run lasts about this long */
#define MAGLEV_M     HL_MAGLEV_SIZE_DEFAULT
#define Q_MODELS     8   /* the queue path: bench_memif's models ... */
#define Q_HELD       4   /* ... the ones its one replica advertises ... */
#define Q_INFLIGHT   256 /* ... and its client's connections */

static char hint_buf[N_HINTS][16], miss_buf[N_HINTS][16];
static uint32_t seq[SEQ_LEN], qseq[SEQ_LEN];

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(v[0]), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* 64 replicas; hint h on replica h % 64, every 4th also on another one:
 * about 196 hints per replica, 12500 (replica, hint) pairs. */
static bool no_hints;    /* replicas that never report hints (hints_kind none) */
static const char *only; /* run only the figures whose name contains this */

static bool wanted(const char *name)
{
	return only == NULL || strstr(name, only) != NULL;
}

/* Replica @id reports @list (@n hints) after dropping models to load them,
 * as a replica whose slots are all in use does: before @list it reports @n
 * others. */
static int report_full(struct hl_router *r, uint32_t id, const char **list, size_t *lens,
		       unsigned n)
{
	static char names[HL_HINTS_PER_REPLICA_MAX][16];
	static const char *before[HL_HINTS_PER_REPLICA_MAX];
	static size_t before_lens[HL_HINTS_PER_REPLICA_MAX];

	for (unsigned k = 0; k < n && k < HL_HINTS_PER_REPLICA_MAX; k++) {
		snprintf(names[k], sizeof(names[k]), "evicted-%05u", k);
		before[k] = names[k];
		before_lens[k] = strlen(names[k]);
	}
	if (hl_hints_replace(r, id, HL_HINTS_LIST, before, before_lens, n) != (int)n)
		return -1;
	return hl_hints_replace(r, id, HL_HINTS_LIST, list, lens, n);
}

static struct hl_router *router_setup(enum hl_route_policy policy)
{
	static const char *list[HL_HINTS_PER_REPLICA_MAX];
	static size_t lens[HL_HINTS_PER_REPLICA_MAX];
	char err[HL_ROUTE_ERR_MAX], name[16];
	struct hl_router_params p = {.policy = policy};
	struct hl_router *r = hl_router_create(&p, err, sizeof(err));

	if (r == NULL) {
		fprintf(stderr, "bench_route: %s\n", err);
		exit(1);
	}
	for (uint32_t i = 0; i < N_REPLICAS; i++) {
		snprintf(name, sizeof(name), "gpu-%u", i);
		struct hl_replica_params rp = {.name = name, .weight = 1};
		if (hl_replica_add(r, &rp, err, sizeof(err)) != (int)i) {
			fprintf(stderr, "bench_route: %s\n", err);
			exit(1);
		}
	}
	for (uint32_t i = 0; i < N_REPLICAS && !no_hints; i++) {
		unsigned n = 0;
		for (uint32_t h = 0; h < N_HINTS; h++) {
			uint32_t second =
				(h + 1 + (h / N_REPLICAS) % (N_REPLICAS - 1)) % N_REPLICAS;
			bool mine = h % N_REPLICAS == i || (h % 4 == 0 && second == i);
			if (!mine)
				continue;
			list[n] = hint_buf[h];
			lens[n++] = strlen(hint_buf[h]);
		}
		int rc = report_full(r, i, list, lens, n);
		if (rc != (int)n) {
			fprintf(stderr, "bench_route: replica %u: %d of %u hints\n", i, rc, n);
			exit(1);
		}
	}
	hl_router_reclaim(r);
	return r;
}

/* Decide and complete @n requests from the sequence; returns seconds. */
static double decide_run(struct hl_route_worker *w, char (*hints)[16], uint32_t n,
			 uint64_t *clock_ns)
{
	struct hl_route_result res;
	struct hl_route_req req = {0};
	double t0 = now_s();

	for (uint32_t k = 0; k < n; k++) {
		const char *h = hints[seq[k % SEQ_LEN]];
		req.hint = h;
		req.hint_len = strlen(h);
		req.client_key = k;
		req.now_ns = (*clock_ns += 1000);
		if (hl_route_decide(w, &req, &res) == 0)
			hl_route_complete(w, &res, 0);
	}
	return now_s() - t0;
}

static void bench_decide(enum hl_route_policy policy, const char *path, char (*hints)[16])
{
	const char *pol = hl_route_policy_name(policy);
	struct hl_route_worker w;
	uint64_t clock_ns = 1;
	double ns[RUNS];
	char name[64];

	snprintf(name, sizeof(name), "route_decide_%s_%s", path, pol);
	if (!wanted(name))
		return;
	struct hl_router *r = router_setup(policy);
	if (hl_route_worker_init(r, &w, false) != 0) {
		fprintf(stderr, "bench_route: worker init failed\n");
		exit(1);
	}
	/* warm up and size the runs */
	uint32_t n = 2000;
	double t = decide_run(&w, hints, n, &clock_ns);
	n = (uint32_t)(RUN_TARGET_S / (t / n));
	if (n < 1000)
		n = 1000;
	for (int i = 0; i < RUNS; i++)
		ns[i] = decide_run(&w, hints, n, &clock_ns) * 1e9 / n;
	double med = median(ns, RUNS);
	printf("%s: %.1f ns/decision\n", name, med);
	printf("%s: %.2f Mdecisions/s\n", name, 1e3 / med);
	/* the path measured is the path named */
	enum hl_route_reason want = hints == hint_buf ? HL_ROUTE_HINT_HIT : HL_ROUTE_FALLBACK_HINT;
	uint64_t total = 0;
	for (int k = 0; k < HL_ROUTE_REASON_COUNT; k++)
		total += w.stats.reason[k];
	if (w.stats.reason[want] * 100 < total * 99)
		fprintf(stderr, "bench_route: %s_%s: only %" PRIu64 " of %" PRIu64 " were %s\n",
			path, pol, w.stats.reason[want], total, hl_route_reason_name(want));
	hl_route_worker_fini(&w);
	hl_router_free(r);
}

/* bench_memif's routing: one replica advertising model-0..3, requests for
 * model-0..7 (Zipf 1.0) with Q_INFLIGHT of them in flight (each completes,
 * with its latency, Q_INFLIGHT decisions later), so the replica's queue is
 * deep and a quarter of the requests load a model. */
static double queue_run(struct hl_route_worker *w, struct hl_route_result *ring, uint32_t n,
			uint64_t *k0, uint64_t *clock_ns)
{
	struct hl_route_req req = {0};
	double t0 = now_s();

	for (uint64_t k = *k0; k < *k0 + n; k++) {
		struct hl_route_result *res = &ring[k % Q_INFLIGHT];
		if (k >= Q_INFLIGHT && res->replica >= 0)
			hl_route_complete(w, res, *clock_ns - res->decided_ns);
		const char *h = hint_buf[qseq[k % SEQ_LEN]];
		req.hint = h;
		req.hint_len = strlen(h);
		req.client_key = k;
		req.now_ns = (*clock_ns += 1000);
		if (hl_route_decide(w, &req, res) != 0)
			res->replica = -1;
	}
	*k0 += n;
	return now_s() - t0;
}

static void bench_queue(enum hl_route_policy policy)
{
	static struct hl_route_result ring[Q_INFLIGHT];
	const char *pol = hl_route_policy_name(policy), *list[Q_HELD];
	char err[HL_ROUTE_ERR_MAX], name[64];
	struct hl_router_params p = {.policy = policy};
	struct hl_replica_params rp = {.name = "gpu-0", .weight = 1};
	struct hl_route_worker w;
	uint64_t clock_ns = 1, k = 0;
	size_t lens[Q_HELD];
	double ns[RUNS];

	snprintf(name, sizeof(name), "route_decide_queue_%s", pol);
	if (!wanted(name))
		return;
	struct hl_router *r = hl_router_create(&p, err, sizeof(err));
	if (r == NULL || hl_replica_add(r, &rp, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_route: %s\n", err);
		exit(1);
	}
	for (uint32_t h = 0; h < Q_HELD; h++) {
		list[h] = hint_buf[h];
		lens[h] = strlen(hint_buf[h]);
	}
	if (report_full(r, 0, list, lens, Q_HELD) != Q_HELD ||
	    hl_route_worker_init(r, &w, false) != 0) {
		fprintf(stderr, "bench_route: queue setup failed\n");
		exit(1);
	}
	hl_router_reclaim(r);
	uint32_t n = 20000;
	double t = queue_run(&w, ring, n, &k, &clock_ns);
	n = (uint32_t)(RUN_TARGET_S / (t / n));
	if (n < 1000)
		n = 1000;
	for (int i = 0; i < RUNS; i++)
		ns[i] = queue_run(&w, ring, n, &k, &clock_ns) * 1e9 / n;
	double med = median(ns, RUNS);
	printf("%s: %.1f ns/decision\n", name, med);
	printf("%s: %.2f Mdecisions/s\n", name, 1e3 / med);
	hl_route_worker_fini(&w);
	hl_router_free(r);
}

static void bench_lookup(void)
{
	static struct hint_key keys[N_HINTS];
	double ns[RUNS];
	uint64_t found = 0;

	if (!wanted("hint_table_lookup"))
		return;
	struct hl_router *r = router_setup(HL_POLICY_BOUNDED);
	for (uint32_t h = 0; h < N_HINTS; h++)
		hint_key_of(hint_buf[h], strlen(hint_buf[h]), &keys[h]);
	uint32_t n = 1u << 22;
	for (int i = 0; i < RUNS; i++) {
		double t0 = now_s();
		for (uint32_t k = 0; k < n; k++) {
			uint32_t h = seq[k % SEQ_LEN];
			bool clash = false;
			found += hint_table_lookup(r, &keys[h], hint_buf[h], strlen(hint_buf[h]),
						   &clash) != NULL;
		}
		ns[i] = (now_s() - t0) * 1e9 / n;
	}
	if (found != (uint64_t)n * RUNS)
		fprintf(stderr, "bench_route: %" PRIu64 " lookups missed\n",
			(uint64_t)n * RUNS - found);
	double med = median(ns, RUNS);
	printf("hint_table_lookup: %.1f ns/lookup\n", med);
	printf("hint_table_lookup: %.2f Mlookups/s\n", 1e3 / med);
	hl_router_free(r);
}

static void bench_maglev(uint32_t n)
{
	static char name_buf[1000][16];
	static const char *names[1000];
	static uint32_t weights[1000];
	double ms[RUNS];
	char name[32];

	snprintf(name, sizeof(name), "maglev_build_%u", n);
	if (!wanted(name))
		return;
	for (uint32_t i = 0; i < n; i++) {
		snprintf(name_buf[i], sizeof(name_buf[i]), "gpu-%u", i);
		names[i] = name_buf[i];
		weights[i] = 1;
	}
	for (int i = 0; i < RUNS; i++) {
		double t0 = now_s();
		struct maglev_table *t = maglev_build(MAGLEV_M, names, weights, n);
		ms[i] = (now_s() - t0) * 1e3;
		if (t == NULL) {
			fprintf(stderr, "bench_route: maglev_build: %s\n", strerror(errno));
			exit(1);
		}
		free(t);
	}
	printf("%s: %.3f ms\n", name, median(ms, RUNS));
}

int main(int argc, char **argv)
{
	only = argc > 1 ? argv[1] : NULL;
	/* DPDK 22.11 refuses --in-memory with --no-huge (it implies legacy
	 * memory); --no-shconf keeps the EAL off the filesystem instead. */
	char *eal[] = {argv[0], "--no-huge", "--no-shconf",       "--no-pci",
		       "-l",    "0,1",       "--log-level=error", "--no-telemetry"};
	uint64_t rng = 0x9e3779b97f4a7c15ULL;

	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0) {
		fprintf(stderr, "bench_route: cannot initialise the EAL\n");
		return 1;
	}
	for (uint32_t h = 0; h < N_HINTS; h++) {
		snprintf(hint_buf[h], sizeof(hint_buf[h]), "model-%05u", h);
		snprintf(miss_buf[h], sizeof(miss_buf[h]), "other-%05u", h);
	}
	for (uint32_t k = 0; k < SEQ_LEN; k++)
		seq[k] = (uint32_t)(xorshift(&rng) % N_HINTS);
	double zipf[Q_MODELS], sum = 0;
	for (uint32_t m = 0; m < Q_MODELS; m++)
		sum = zipf[m] = sum + 1.0 / (m + 1);
	for (uint32_t k = 0; k < SEQ_LEN; k++) {
		double u = (double)(xorshift(&rng) >> 11) / (double)(1ull << 53) * sum;
		uint32_t m = 0;
		while (m + 1 < Q_MODELS && zipf[m] <= u)
			m++;
		qseq[k] = m;
	}

	const enum hl_route_policy policies[] = {HL_POLICY_BOUNDED, HL_POLICY_ECT};
	for (size_t p = 0; p < RTE_DIM(policies); p++) {
		bench_decide(policies[p], "hit", hint_buf);
		bench_decide(policies[p], "fallback", miss_buf);
		no_hints = true;
		bench_decide(policies[p], "nohints", miss_buf);
		no_hints = false;
		bench_queue(policies[p]);
	}
	bench_lookup();
	bench_maglev(10);
	bench_maglev(100);
	bench_maglev(1000);
	rte_eal_cleanup();
	return 0;
}
