/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hint table: hl_hints_replace()/hl_hints_replace_header() semantics,
 * the entries refused and counted, capacity, RCU reclamation, and readers
 * deciding on another lcore while the control thread rewrites the table.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "hintlb/route.h"
#include "route_harness.h"
#include "route_priv.h"

static struct hl_router *router_new_policy(uint32_t n_replicas, uint32_t max_hints,
					   enum hl_route_policy policy)
{
	struct hl_router_params p = {.max_hints = max_hints, .policy = policy};
	char err[HL_ROUTE_ERR_MAX], name[16];

	struct hl_router *r = rh_router_track(hl_router_create(&p, err, sizeof(err)));
	if (r == NULL)
		fail_msg("hl_router_create: %s", err);
	for (uint32_t i = 0; i < n_replicas; i++) {
		snprintf(name, sizeof(name), "r%u", i);
		struct hl_replica_params rp = {.name = name, .weight = 1};
		int id = hl_replica_add(r, &rp, err, sizeof(err));
		if (id != (int)i)
			fail_msg("hl_replica_add %s: %d %s", name, id, err);
	}
	return r;
}

/* Replace from a NULL-terminated list of C strings. */
static int replace(struct hl_router *r, uint32_t id, const char *const *list)
{
	size_t lens[HL_HINTS_PER_REPLICA_MAX * 2];
	unsigned n = 0;

	while (list[n] != NULL) {
		lens[n] = strlen(list[n]);
		n++;
	}
	return hl_hints_replace(r, id, HL_HINTS_LIST, list, lens, n);
}

static int replace_hdr(struct hl_router *r, uint32_t id, const char *value)
{
	return hl_hints_replace_header(r, id, value, value ? strlen(value) : 0);
}

static struct hl_router *router_new(uint32_t n_replicas, uint32_t max_hints)
{
	return router_new_policy(n_replicas, max_hints, HL_POLICY_BOUNDED);
}

static struct hl_replica_info info(const struct hl_router *r, uint32_t id)
{
	struct hl_replica_info i;
	assert_int_equal(hl_replica_get(r, id, &i), 0);
	return i;
}

static struct hl_router_counters counters(const struct hl_router *r)
{
	struct hl_router_counters c;
	hl_router_get_counters(r, &c);
	return c;
}

/* Distinct hints held, once everything unlinked is reclaimed (no reader is
 * registered in the tests that use it). */
static uint64_t held_hints(struct hl_router *r)
{
	hl_router_reclaim(r);
	return counters(r).hints;
}

/* Decide for @hint and complete at once; returns the replica, reason in *why. */
static int32_t decide(struct hl_route_worker *w, const char *hint, enum hl_route_reason *why)
{
	struct hl_route_req req = {.hint = hint, .hint_len = strlen(hint), .now_ns = 1};
	struct hl_route_result res;

	int rc = hl_route_decide(w, &req, &res);
	if (why != NULL)
		*why = res.reason;
	if (rc == 0)
		hl_route_complete(w, &res, 0);
	return res.replica;
}

/* The replica a hint hits, or -1 when the decision is not a hint hit. */
static int32_t hit(struct hl_route_worker *w, const char *hint)
{
	enum hl_route_reason why;
	int32_t id = decide(w, hint, &why);
	return why == HL_ROUTE_HINT_HIT ? id : -1;
}

static void test_replace_semantics(void **state)
{
	(void)state;
	struct hl_router *r = router_new(4, 0);
	struct hl_route_worker *w = rh_worker_new(r, false);

	assert_int_equal(replace(r, 0, (const char *[]){"a", "b", "c", NULL}), 3);
	assert_int_equal(info(r, 0).n_hints, 3);
	assert_int_equal(info(r, 0).hints_kind, HL_HINTS_LIST);
	assert_int_equal(held_hints(r), 3);
	assert_int_equal(hit(w, "a"), 0);
	assert_int_equal(hit(w, "b"), 0);
	assert_int_equal(hit(w, "c"), 0);
	assert_int_equal(hit(w, "d"), -1);

	/* the new list replaces the old one: a and b are gone, d is new */
	assert_int_equal(replace(r, 0, (const char *[]){"c", "d", NULL}), 2);
	assert_int_equal(info(r, 0).n_hints, 2);
	assert_int_equal(held_hints(r), 2);
	assert_int_equal(hit(w, "a"), -1);
	assert_int_equal(hit(w, "b"), -1);
	assert_int_equal(hit(w, "c"), 0);
	assert_int_equal(hit(w, "d"), 0);

	/* a second advertiser of c; distinct hints are counted once */
	assert_int_equal(replace(r, 1, (const char *[]){"c", "e", NULL}), 2);
	assert_int_equal(held_hints(r), 3);
	for (int k = 0; k < 20; k++) {
		int32_t id = hit(w, "c");
		assert_true(id == 0 || id == 1);
	}
	/* the same list again changes nothing */
	assert_int_equal(replace(r, 1, (const char *[]){"e", "c", NULL}), 2);
	assert_int_equal(held_hints(r), 3);

	/* replica 0 stops advertising: c is left to replica 1, d to nobody */
	assert_int_equal(hl_hints_replace(r, 0, HL_HINTS_NONE, NULL, NULL, 0), 0);
	assert_int_equal(info(r, 0).n_hints, 0);
	assert_int_equal(info(r, 0).hints_kind, HL_HINTS_NONE);
	assert_int_equal(held_hints(r), 2);
	for (int k = 0; k < 20; k++)
		assert_int_equal(hit(w, "c"), 1);
	assert_int_equal(hit(w, "d"), -1);
	assert_int_equal(hit(w, "e"), 1);

	rh_worker_done(w);
	rh_router_done(r);
}

static void test_kinds(void **state)
{
	(void)state;
	struct hl_router *r = router_new(3, 0);
	const char *one[] = {"x"};
	size_t one_len[] = {1};

	assert_int_equal(info(r, 0).hints_kind, HL_HINTS_NONE);
	assert_int_equal(info(r, 0).n_hints, 0);
	assert_int_equal(r->n_generalists, 0);

	assert_int_equal(hl_hints_replace(r, 0, HL_HINTS_EMPTY, NULL, NULL, 0), 0);
	assert_int_equal(info(r, 0).hints_kind, HL_HINTS_EMPTY);
	assert_int_equal(r->n_generalists, 1);
	assert_int_equal(hl_hints_replace(r, 0, HL_HINTS_EMPTY, NULL, NULL, 0), 0);
	assert_int_equal(r->n_generalists, 1);

	assert_int_equal(hl_hints_replace(r, 0, HL_HINTS_LIST, one, one_len, 1), 1);
	assert_int_equal(info(r, 0).hints_kind, HL_HINTS_LIST);
	assert_int_equal(info(r, 0).n_hints, 1);
	assert_int_equal(r->n_generalists, 0);

	/* an empty LIST, or one whose entries are all refused, is EMPTY */
	assert_int_equal(hl_hints_replace(r, 0, HL_HINTS_LIST, NULL, NULL, 0), 0);
	assert_int_equal(info(r, 0).hints_kind, HL_HINTS_EMPTY);
	assert_int_equal(info(r, 0).n_hints, 0);
	assert_int_equal(r->n_generalists, 1);
	const char *bad[] = {"a b"};
	size_t bad_len[] = {3};
	assert_int_equal(hl_hints_replace(r, 1, HL_HINTS_LIST, bad, bad_len, 1), 0);
	assert_int_equal(info(r, 1).hints_kind, HL_HINTS_EMPTY);
	assert_int_equal(r->n_generalists, 2);

	assert_int_equal(hl_hints_replace(r, 0, HL_HINTS_NONE, NULL, NULL, 0), 0);
	assert_int_equal(info(r, 0).hints_kind, HL_HINTS_NONE);
	assert_int_equal(r->n_generalists, 1);

	/* refused calls change nothing */
	assert_int_equal(hl_hints_replace(r, 1, HL_HINTS_EMPTY, one, one_len, 1), -EINVAL);
	assert_int_equal(hl_hints_replace(r, 1, HL_HINTS_NONE, one, one_len, 1), -EINVAL);
	assert_int_equal(hl_hints_replace(r, 1, (enum hl_hints_kind)7, NULL, NULL, 0), -EINVAL);
	assert_int_equal(hl_hints_replace(r, 1, HL_HINTS_LIST, NULL, one_len, 1), -EINVAL);
	assert_int_equal(hl_hints_replace(r, 1, HL_HINTS_LIST, one, NULL, 1), -EINVAL);
	assert_int_equal(hl_hints_replace(r, 3, HL_HINTS_LIST, one, one_len, 1), -ENOENT);
	assert_int_equal(hl_hints_replace_header(r, 99, "a", 1), -ENOENT);
	assert_int_equal(info(r, 1).hints_kind, HL_HINTS_EMPTY);
	assert_int_equal(r->n_generalists, 1);
	assert_int_equal(hl_replica_get(r, 3, &(struct hl_replica_info){0}), -ENOENT);

	rh_router_done(r);
}

static void test_header_parsing(void **state)
{
	(void)state;
	struct hl_router *r = router_new(2, 0);
	struct hl_route_worker *w = rh_worker_new(r, false);
	struct hl_router_counters c0 = counters(r);

	assert_int_equal(replace_hdr(r, 0, "a, b ,c"), 3);
	assert_int_equal(info(r, 0).hints_kind, HL_HINTS_LIST);
	assert_int_equal(info(r, 0).n_hints, 3);
	assert_int_equal(hit(w, "a"), 0);
	assert_int_equal(hit(w, "b"), 0);
	assert_int_equal(hit(w, "c"), 0);
	assert_int_equal(hit(w, "b "), 0); /* the request hint is trimmed too */

	assert_int_equal(replace_hdr(r, 0, ""), 0);
	assert_int_equal(info(r, 0).hints_kind, HL_HINTS_EMPTY);
	assert_int_equal(hit(w, "a"), -1);

	assert_int_equal(replace_hdr(r, 0, "a"), 1);
	assert_int_equal(replace_hdr(r, 0, "  "), 0);
	assert_int_equal(info(r, 0).hints_kind, HL_HINTS_EMPTY);
	assert_int_equal(info(r, 0).n_hints, 0);

	assert_int_equal(replace_hdr(r, 0, ",,a,"), 1);
	assert_int_equal(info(r, 0).hints_kind, HL_HINTS_LIST);
	assert_int_equal(hit(w, "a"), 0);

	assert_int_equal(replace_hdr(r, 0, "\tm-1 ,\t, n.2\t"), 2);
	assert_int_equal(hit(w, "m-1"), 0);
	assert_int_equal(hit(w, "n.2"), 0);
	assert_int_equal(hit(w, "a"), -1);

	/* only @len bytes are read */
	assert_int_equal(hl_hints_replace_header(r, 0, "p,q,r", 3), 2);
	assert_int_equal(hit(w, "p"), 0);
	assert_int_equal(hit(w, "r"), -1);

	assert_int_equal(replace_hdr(r, 0, NULL), 0);
	assert_int_equal(info(r, 0).hints_kind, HL_HINTS_NONE);
	assert_int_equal(held_hints(r), 0);

	/* empty list elements are ignored, not counted */
	struct hl_router_counters c1 = counters(r);
	assert_memory_equal(c0.drop, c1.drop, sizeof(c0.drop));

	rh_worker_done(w);
	rh_router_done(r);
}

static void test_bad_entries_counted(void **state)
{
	(void)state;
	struct hl_router *r = router_new(2, 0);
	struct hl_route_worker *w = rh_worker_new(r, false);
	char long_hint[HL_HINT_MAX_LEN + 2], max_hint[HL_HINT_MAX_LEN + 1];

	memset(long_hint, 'L', sizeof(long_hint) - 1);
	long_hint[sizeof(long_hint) - 1] = '\0';
	memset(max_hint, 'M', sizeof(max_hint) - 1);
	max_hint[sizeof(max_hint) - 1] = '\0';

	const char *list[] = {"",   "   ", long_hint, "a b",    "a\x01", "a\"b", "a,b",
			      "ok", "ok",  " ok ",    max_hint, "ok2",   NULL};
	assert_int_equal(replace(r, 0, list), 3);
	struct hl_router_counters c = counters(r);
	assert_int_equal(c.drop[HL_DROP_HINT_EMPTY], 2);
	assert_int_equal(c.drop[HL_DROP_HINT_TOO_LONG], 1);
	assert_int_equal(c.drop[HL_DROP_HINT_BAD_BYTE], 4);
	assert_int_equal(c.drop[HL_DROP_HINTS_DUPLICATE], 2);
	assert_int_equal(c.drop[HL_DROP_HINTS_TOO_MANY], 0);
	assert_int_equal(info(r, 0).n_hints, 3);
	assert_int_equal(hit(w, "ok"), 0);
	assert_int_equal(hit(w, "ok2"), 0);
	assert_int_equal(hit(w, max_hint), 0);
	assert_int_equal(hit(w, "a b"), -1);

	/* a NUL inside an entry */
	const char *nul[] = {"x\0y"};
	size_t nul_len[] = {3};
	assert_int_equal(hl_hints_replace(r, 1, HL_HINTS_LIST, nul, nul_len, 1), 0);
	assert_int_equal(counters(r).drop[HL_DROP_HINT_BAD_BYTE], 5);

	/* the same refusals through the header */
	assert_int_equal(replace_hdr(r, 1, "ok, a b, ok, x\"y, z\x7f, k"), 2);
	c = counters(r);
	assert_int_equal(c.drop[HL_DROP_HINT_BAD_BYTE], 8);
	assert_int_equal(c.drop[HL_DROP_HINTS_DUPLICATE], 3);
	assert_int_equal(info(r, 1).n_hints, 2);

	/* model paths: '/' is allowed, ';' and '@' are not */
	assert_int_equal(replace_hdr(r, 1, "fal-ai/flux-dev, a;b, a@b"), 1);
	assert_int_equal(counters(r).drop[HL_DROP_HINT_BAD_BYTE], 10);
	assert_int_equal(hit(w, "fal-ai/flux-dev"), 1);

	rh_worker_done(w);
	rh_router_done(r);
}

static void test_too_many_per_replica(void **state)
{
	(void)state;
	enum { N = HL_HINTS_PER_REPLICA_MAX + 44 };
	struct hl_router *r = router_new(2, 0);
	static char buf[N][12];
	static const char *list[N + 1];
	static char hdr[N * 12];
	size_t off = 0;

	for (unsigned i = 0; i < N; i++) {
		snprintf(buf[i], sizeof(buf[i]), "h%u", i);
		list[i] = buf[i];
		off += (size_t)snprintf(hdr + off, sizeof(hdr) - off, "%sh%u", i ? ", " : "", i);
	}
	list[N] = NULL;
	assert_int_equal(replace(r, 0, list), HL_HINTS_PER_REPLICA_MAX);
	assert_int_equal(info(r, 0).n_hints, HL_HINTS_PER_REPLICA_MAX);
	assert_int_equal(counters(r).drop[HL_DROP_HINTS_TOO_MANY], N - HL_HINTS_PER_REPLICA_MAX);
	assert_int_equal(held_hints(r), HL_HINTS_PER_REPLICA_MAX);

	assert_int_equal(replace_hdr(r, 1, hdr), HL_HINTS_PER_REPLICA_MAX);
	assert_int_equal(info(r, 1).n_hints, HL_HINTS_PER_REPLICA_MAX);
	assert_int_equal(counters(r).drop[HL_DROP_HINTS_TOO_MANY],
			 2 * (N - HL_HINTS_PER_REPLICA_MAX));

	/* exactly the maximum is fine */
	list[HL_HINTS_PER_REPLICA_MAX] = NULL;
	assert_int_equal(replace(r, 0, list), HL_HINTS_PER_REPLICA_MAX);
	assert_int_equal(counters(r).drop[HL_DROP_HINTS_TOO_MANY],
			 2 * (N - HL_HINTS_PER_REPLICA_MAX));
	rh_router_done(r);
}

/* max_hints is the number of distinct hints the router holds at once. */
static void test_table_capacity(void **state)
{
	(void)state;
	enum { MAX = 8, N = 12 };
	struct hl_router *r = router_new(2, MAX);
	struct hl_route_worker *w = rh_worker_new(r, false);
	char buf[N][8];
	const char *list[N + 1];

	for (unsigned i = 0; i < N; i++) {
		snprintf(buf[i], sizeof(buf[i]), "cap%u", i);
		list[i] = buf[i];
	}
	list[N] = NULL;
	assert_int_equal(replace(r, 0, list), -ENOSPC);
	struct hl_router_counters c = counters(r);
	uint32_t held = info(r, 0).n_hints;
	printf("  max_hints %u: %u of %u distinct hints held, %" PRIu64 " refused\n", MAX, held, N,
	       c.drop[HL_DROP_HINT_TABLE_FULL]);
	/* the replica keeps what fitted, and those (only those) route to it */
	unsigned hits = 0;
	for (unsigned i = 0; i < N; i++)
		hits += hit(w, list[i]) == 0;
	assert_int_equal(hits, held);
	assert_int_equal(c.hints, held);
	assert_int_equal(c.drop[HL_DROP_HINT_TABLE_FULL], N - held);
	assert_int_equal(held, MAX);

	/* a full table still takes a new advertiser of a hint it holds */
	const char *held_hint = NULL;
	for (unsigned i = 0; i < N && held_hint == NULL; i++)
		if (hit(w, list[i]) == 0)
			held_hint = list[i];
	assert_non_null(held_hint);
	assert_int_equal(replace(r, 1, (const char *[]){held_hint, NULL}), 1);
	assert_int_equal(replace(r, 1, (const char *[]){held_hint, "new-one", NULL}), -ENOSPC);
	assert_int_equal(info(r, 1).n_hints, 1);

	/* once the hints are dropped and reclaimed, there is room again */
	assert_int_equal(hl_hints_replace(r, 0, HL_HINTS_NONE, NULL, NULL, 0), 0);
	assert_int_equal(hl_hints_replace(r, 1, HL_HINTS_NONE, NULL, NULL, 0), 0);
	assert_int_equal(held_hints(r), 0);
	hl_router_reclaim(r);
	list[MAX] = NULL;
	assert_int_equal(replace(r, 1, list), MAX);
	for (unsigned i = 0; i < MAX; i++)
		assert_int_equal(hit(w, list[i]), 1);

	rh_worker_done(w);
	rh_router_done(r);
}

/* Reclaim all that can be, and return what is still waiting. */
static unsigned dq_pending(struct hl_router *r)
{
	unsigned freed = 0, pending = 0, avail = 0;
	rte_rcu_qsbr_dq_reclaim(r->dq, UINT32_MAX, &freed, &pending, &avail);
	return pending;
}

static void test_reclaim(void **state)
{
	(void)state;
	struct hl_router *r = router_new(2, 0);
	hl_router_reclaim(r); /* Maglev tables of the adds */
	uint64_t before = counters(r).reclaimed;

	/* four entries unlinked (a, b deleted; c republished twice) */
	assert_int_equal(replace(r, 0, (const char *[]){"a", "b", "c", NULL}), 3);
	assert_int_equal(replace(r, 1, (const char *[]){"c", NULL}), 1);
	assert_int_equal(replace(r, 0, (const char *[]){"c", "d", NULL}), 2);
	unsigned freed = hl_router_reclaim(r);
	assert_true(freed >= 4);
	assert_int_equal(counters(r).reclaimed - before, freed);
	assert_int_equal(hl_router_reclaim(r), 0);

	/* a registered reader that has not been quiescent holds frees back */
	struct hl_route_worker *w = rh_worker_new(r, true);
	assert_true(w->qsbr_id >= 0);
	assert_int_equal(replace(r, 0, (const char *[]){"e", NULL}), 1);
	before = counters(r).reclaimed;
	assert_int_equal(hl_router_reclaim(r), 0);
	assert_int_equal(counters(r).reclaimed, before);
	hl_route_quiescent(w);
	assert_true(hl_router_reclaim(r) > 0);
	assert_true(counters(r).reclaimed > before);
	assert_int_equal(dq_pending(r), 0);

	/* an offline (finished) reader holds nothing back */
	rh_worker_done(w);
	assert_int_equal(replace(r, 0, (const char *[]){"f", NULL}), 1);
	assert_true(hl_router_reclaim(r) > 0);
	rh_router_done(r);
}

/* counters.hints is "distinct hints in the table now": a hint nobody
 * advertises any more is not counted, reclaimed or not. */
static void test_hints_counter_is_current(void **state)
{
	(void)state;
	struct hl_router *r = router_new(1, 0);

	assert_int_equal(replace(r, 0, (const char *[]){"a", "b", "c", NULL}), 3);
	assert_int_equal(counters(r).hints, 3);
	assert_int_equal(replace(r, 0, (const char *[]){"c", NULL}), 1);
	assert_int_equal(counters(r).hints, 1);
	assert_int_equal(hl_hints_replace(r, 0, HL_HINTS_NONE, NULL, NULL, 0), 0);
	assert_int_equal(counters(r).hints, 0);
	rh_router_done(r);
}

/* A replica whose hints change over time never holds more than max_hints
 * distinct hints, so its updates must keep fitting: keys deleted earlier
 * (their slots wait for a grace period) must not use up the table. No
 * reader is registered, so every grace period is already over. */
static void test_capacity_under_churn(void **state)
{
	(void)state;
	enum { MAX = 8, ROUNDS = 20 };
	struct hl_router *r = router_new(1, MAX);
	char buf[MAX][16];
	const char *list[MAX + 1];

	for (unsigned round = 0; round < ROUNDS; round++) {
		for (unsigned i = 0; i < MAX; i++) {
			snprintf(buf[i], sizeof(buf[i]), "g%u-%u", round, i);
			list[i] = buf[i];
		}
		list[MAX] = NULL;
		int rc = replace(r, 0, list);
		if (rc != MAX)
			fail_msg("round %u: %d distinct hints on the only replica: %d", round, MAX,
				 rc);
		assert_int_equal(hl_hints_replace(r, 0, HL_HINTS_NONE, NULL, NULL, 0), 0);
	}
	rh_router_done(r);
}

/* A worker that stops and starts again (init/fini cycles) must not use up
 * the router's reader slots: only max_readers at once are limited. */
static void test_reader_slots_reused(void **state)
{
	(void)state;
	struct hl_router_params p = {.max_readers = 2};
	char err[HL_ROUTE_ERR_MAX];
	struct hl_router *r = rh_router_track(hl_router_create(&p, err, sizeof(err)));
	assert_non_null(r);
	int rc = 0;

	struct hl_route_worker *a = rh_worker_new(r, true);
	struct hl_route_worker *b = rh_worker_new(r, true);
	assert_null(rh_worker_try(r, true, &rc));
	assert_int_equal(rc, -ENOSPC);
	rh_worker_done(b);
	for (int k = 0; k < 4; k++) {
		b = rh_worker_try(r, true, &rc);
		if (b == NULL)
			fail_msg("registering again after a fini, round %d: %d", k, rc);
		rh_worker_done(b);
	}
	rh_worker_done(a);
	rh_router_done(r);
}

/* ---- concurrency ---- */

#define CC_REPLICAS 8
#define CC_HINTS    32
#define CC_POOLS    4 /* replica i may advertise hint k when k % 4 == i % 4 */
#define CC_ROUNDS   40000
#define CC_FINAL_ID 3
/* Room for the hints and for deleted ones waiting for their grace period
 * (see test_capacity_under_churn). */
#define CC_MAX_HINTS 1024

static char cc_hint[CC_HINTS + 2][16];

struct cc_reader {
	struct hl_router *r;
	uint32_t stop; /* atomic: the writer is done and the final sets are published */
	int init_rc;
	uint64_t decisions;
	uint64_t bad_rc, bad_id, bad_hit, hits;
	uint64_t final_bad; /* final-set checks that failed */
	char first_error[160];
};

static void cc_error(struct cc_reader *c, const char *fmt, ...)
{
	va_list ap;

	if (c->first_error[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(c->first_error, sizeof(c->first_error), fmt, ap);
	va_end(ap);
}

static bool cc_allowed(uint32_t hint, int32_t replica)
{
	return hint < CC_HINTS && replica >= 0 && (uint32_t)replica % CC_POOLS == hint % CC_POOLS;
}

/* The final sets: hint k only on replica k % CC_REPLICAS, the "final" hint
 * (index CC_HINTS + 1) only on CC_FINAL_ID. Returns the failures. */
static unsigned cc_check_final(struct hl_route_worker *w, struct cc_reader *c)
{
	unsigned bad = 0;

	for (uint32_t k = 0; k < CC_HINTS; k++) {
		enum hl_route_reason why;
		int32_t id = decide(w, cc_hint[k], &why);
		if (why != HL_ROUTE_HINT_HIT || id != (int32_t)(k % CC_REPLICAS)) {
			cc_error(c, "final: hint %s went to %d (%s), want %u", cc_hint[k], id,
				 hl_route_reason_name(why), k % CC_REPLICAS);
			bad++;
		}
	}
	enum hl_route_reason why;
	int32_t id = decide(w, cc_hint[CC_HINTS + 1], &why);
	if (why != HL_ROUTE_HINT_HIT || id != CC_FINAL_ID) {
		cc_error(c, "final: hint %s went to %d (%s)", cc_hint[CC_HINTS + 1], id,
			 hl_route_reason_name(why));
		bad++;
	}
	return bad;
}

static int cc_reader_main(void *arg)
{
	struct cc_reader *c = arg;
	struct hl_route_worker w;
	uint64_t rng = 88172645463325252ULL;

	c->init_rc = hl_route_worker_init(c->r, &w, true);
	if (c->init_rc != 0)
		return -1;
	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		/* CC_HINTS is a hint nobody ever advertises */
		uint32_t k = (uint32_t)(rng % (CC_HINTS + 1));
		struct hl_route_req req = {
			.hint = cc_hint[k], .hint_len = strlen(cc_hint[k]), .now_ns = 1};
		struct hl_route_result res;
		int rc = hl_route_decide(&w, &req, &res);
		c->decisions++;
		if (rc != 0) {
			c->bad_rc++;
			cc_error(c, "decide %s: rc %d", cc_hint[k], rc);
		} else if (res.replica < 0 || res.replica >= CC_REPLICAS) {
			c->bad_id++;
			cc_error(c, "decide %s: replica %d", cc_hint[k], res.replica);
		} else if (res.reason == HL_ROUTE_HINT_HIT) {
			c->hits++;
			if (!cc_allowed(k, res.replica)) {
				c->bad_hit++;
				cc_error(c, "hint %s hit replica %d, which never advertised it",
					 cc_hint[k], res.replica);
			}
		}
		if (rc == 0)
			hl_route_complete(&w, &res, 0);
		hl_route_quiescent(&w);
	}
	c->final_bad = cc_check_final(&w, c);
	hl_route_worker_fini(&w);
	return 0;
}

/* Publish the final sets (see cc_check_final). Returns 0 or an error; it must
 * not fail an assertion while the reader runs. */
static int cc_set_final(struct hl_router *r)
{
	for (uint32_t i = 0; i < CC_REPLICAS; i++) {
		const char *list[CC_HINTS + 2];
		size_t lens[CC_HINTS + 2];
		unsigned n = 0;
		for (uint32_t k = i; k < CC_HINTS; k += CC_REPLICAS)
			list[n++] = cc_hint[k];
		if (i == CC_FINAL_ID)
			list[n++] = cc_hint[CC_HINTS + 1];
		for (unsigned j = 0; j < n; j++)
			lens[j] = strlen(list[j]);
		if (hl_hints_replace(r, i, HL_HINTS_LIST, list, lens, n) != (int)n ||
		    hl_replica_set_state(r, i, HL_REPLICA_UP) != 0 ||
		    hl_replica_set_weight(r, i, 1) != 0)
			return -1;
	}
	return 0;
}

static void cc_run(enum hl_route_policy policy)
{
	unsigned reader_lcore = rte_get_next_lcore(rte_lcore_id(), 1, 0);
	if (reader_lcore >= RTE_MAX_LCORE)
		fail_msg("the test needs a second lcore (-l 0,1)");
	for (uint32_t k = 0; k < CC_HINTS; k++)
		snprintf(cc_hint[k], sizeof(cc_hint[k]), "model-%02u", k);
	snprintf(cc_hint[CC_HINTS], sizeof(cc_hint[0]), "never");
	snprintf(cc_hint[CC_HINTS + 1], sizeof(cc_hint[0]), "final-x");

	struct hl_router *r = router_new_policy(CC_REPLICAS, CC_MAX_HINTS, policy);
	static struct cc_reader c;
	memset(&c, 0, sizeof(c));
	c.r = r;
	assert_int_equal(rte_eal_remote_launch(cc_reader_main, &c, reader_lcore), 0);

	uint64_t rng = 0x2545f4914f6cdd1dULL;
	char hdr[CC_HINTS * 16], werr[128] = "";
	for (unsigned round = 0; round < CC_ROUNDS; round++) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		uint32_t id = (uint32_t)(rng % CC_REPLICAS);
		uint64_t pick = rng >> 8;
		const char *list[CC_HINTS];
		size_t lens[CC_HINTS];
		unsigned n = 0;
		size_t off = 0;
		/* a random subset of the replica's pool */
		for (uint32_t k = id % CC_POOLS; k < CC_HINTS; k += CC_POOLS, pick >>= 1) {
			if (!(pick & 1))
				continue;
			list[n] = cc_hint[k];
			lens[n++] = strlen(cc_hint[k]);
			off += (size_t)snprintf(hdr + off, sizeof(hdr) - off, "%s%s",
						off ? ", " : "", cc_hint[k]);
		}
		int rc = round % 2 ? hl_hints_replace(r, id, HL_HINTS_LIST, list, lens, n)
				   : hl_hints_replace_header(r, id, hdr, off);
		if (rc != (int)n) {
			snprintf(werr, sizeof(werr),
				 "round %u: replace replica %u with %u hints: %d", round, id, n,
				 rc);
			break;
		}
		/* republish Maglev now and then: its tables are freed under RCU too */
		if (round % 64 == 0 &&
		    hl_replica_set_weight(r, id, 1 + (uint32_t)(rng >> 60)) != 0) {
			snprintf(werr, sizeof(werr), "round %u: set_weight failed", round);
			break;
		}
		if (round % 512 == 0)
			hl_replica_set_state(r, id,
					     round % 1024 ? HL_REPLICA_UP : HL_REPLICA_DRAINING);
		if (round % 16 == 0)
			hl_router_reclaim(r);
	}
	if (werr[0] == '\0' && cc_set_final(r) != 0)
		snprintf(werr, sizeof(werr), "publishing the final sets failed");
	/* the reader must stop before anything here can fail */
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	assert_int_equal(rte_eal_wait_lcore(reader_lcore), 0);
	if (werr[0] != '\0')
		fail_msg("writer: %s", werr);

	printf("  %s reader: %" PRIu64 " decisions (%" PRIu64 " hint hits) during %u replaces\n",
	       hl_route_policy_name(policy), c.decisions, c.hits, CC_ROUNDS);
	if (c.first_error[0] != '\0')
		printf("  reader's first error: %s\n", c.first_error);
	assert_int_equal(c.init_rc, 0);
	assert_true(c.decisions > 0);
	assert_true(c.hits > 0);
	assert_int_equal(c.bad_rc, 0);
	assert_int_equal(c.bad_id, 0);
	assert_int_equal(c.bad_hit, 0);
	assert_int_equal(c.final_bad, 0);

	/* the control thread sees the final sets too */
	struct hl_route_worker *w = rh_worker_new(r, false);
	assert_int_equal(cc_check_final(w, &c), 0);
	rh_worker_done(w);

	/* pools back to their start: nothing in flight, nothing advertised,
	 * nothing waiting for a grace period */
	for (uint32_t i = 0; i < CC_REPLICAS; i++) {
		assert_int_equal(info(r, i).inflight, 0);
		assert_int_equal(hl_hints_replace(r, i, HL_HINTS_NONE, NULL, NULL, 0), 0);
	}
	assert_int_equal(r->inflight_busy, 0);
	assert_int_equal(held_hints(r), 0);
	hl_router_reclaim(r);
	assert_int_equal(dq_pending(r), 0);
	rh_router_done(r);
}

static void test_concurrent_reader_bounded(void **state)
{
	(void)state;
	cc_run(HL_POLICY_BOUNDED);
}

/* ECT also reads each replica's published hint list (RCU) */
static void test_concurrent_reader_ect(void **state)
{
	(void)state;
	cc_run(HL_POLICY_ECT);
}

int main(int argc, char **argv)
{
	(void)argc;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_replace_semantics, rh_teardown),
		cmocka_unit_test_teardown(test_kinds, rh_teardown),
		cmocka_unit_test_teardown(test_header_parsing, rh_teardown),
		cmocka_unit_test_teardown(test_bad_entries_counted, rh_teardown),
		cmocka_unit_test_teardown(test_too_many_per_replica, rh_teardown),
		cmocka_unit_test_teardown(test_table_capacity, rh_teardown),
		cmocka_unit_test_teardown(test_reclaim, rh_teardown),
		cmocka_unit_test_teardown(test_hints_counter_is_current, rh_teardown),
		cmocka_unit_test_teardown(test_capacity_under_churn, rh_teardown),
		cmocka_unit_test_teardown(test_reader_slots_reused, rh_teardown),
		cmocka_unit_test_teardown(test_concurrent_reader_bounded, rh_teardown),
		cmocka_unit_test_teardown(test_concurrent_reader_ect, rh_teardown),
	};

	return rh_main("test_hint_table", argv[0], tests, RTE_DIM(tests));
}
