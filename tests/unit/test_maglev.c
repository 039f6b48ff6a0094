/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Maglev consistent hashing: table size, fill, shares by weight, disruption
 * when a replica leaves, determinism. Exercised both on maglev_build()
 * directly and through a router (hl_replica_set_weight/set_state and the
 * fallback decision, which is Maglev's pick).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_eal.h>

#include "hintlb/route.h"
#include "route_harness.h"
#include "route_priv.h"

#define M          HL_MAGLEV_SIZE_DEFAULT
#define MAX_N      1000
#define N_KEYS     100000
#define SHARE_TOL  0.01 /* shares within 1% of the weight's share */
#define MOVE_SLACK 1.3  /* moved fraction <= 1/N * this */
#define STAY_MIN   0.95 /* keys not on the removed replica that stay */

static char name_buf[MAX_N][16];
static const char *names[MAX_N];
static uint32_t weights[MAX_N];

static void names_init(uint32_t n, uint32_t weight)
{
	for (uint32_t i = 0; i < n; i++) {
		snprintf(name_buf[i], sizeof(name_buf[i]), "gpu-%u", i);
		names[i] = name_buf[i];
		weights[i] = weight;
	}
}

static struct maglev_table *build(uint32_t size, uint32_t n)
{
	struct maglev_table *t = maglev_build(size, names, weights, n);
	assert_non_null(t);
	assert_int_equal(t->size, size);
	return t;
}

/* Entries per replica id; fails if an entry is not a valid id. */
static void count_entries(const struct maglev_table *t, uint32_t n, uint32_t *count)
{
	memset(count, 0, n * sizeof(*count));
	for (uint32_t s = 0; s < t->size; s++) {
		assert_true(t->entry[s] < n);
		count[t->entry[s]]++;
	}
}

static struct hl_router *router_new_policy(uint32_t maglev_size, enum hl_route_policy pol,
					   char *err)
{
	struct hl_router_params p = {
		.maglev_size = maglev_size, .max_replicas = 256, .policy = pol};
	return rh_router_track(hl_router_create(&p, err, HL_ROUTE_ERR_MAX));
}

static struct hl_router *router_new(uint32_t maglev_size, char *err)
{
	return router_new_policy(maglev_size, HL_POLICY_BOUNDED, err);
}

static void test_size_must_be_prime(void **state)
{
	(void)state;
	char err[HL_ROUTE_ERR_MAX] = "";

	assert_true(maglev_size_ok(2));
	assert_true(maglev_size_ok(3));
	assert_true(maglev_size_ok(257));
	assert_true(maglev_size_ok(65537));
	assert_false(maglev_size_ok(0));
	assert_false(maglev_size_ok(1));
	assert_false(maglev_size_ok(9));
	assert_false(maglev_size_ok(65535)); /* 3 * 5 * 17 * 257 */
	assert_false(maglev_size_ok(65536));
	assert_false(maglev_size_ok(65539 * 3u));

	errno = 0;
	assert_null(router_new(65536, err));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, "maglev_size"));

	/* a prime, but not above max_replicas */
	err[0] = '\0';
	assert_null(router_new(251, err));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, "maglev_size"));

	struct hl_router *r = router_new(65537, err);
	assert_non_null(r);
	rh_router_done(r);
	r = router_new(257, err);
	assert_non_null(r);
	rh_router_done(r);
}

static void test_every_entry_filled(void **state)
{
	(void)state;
	static uint32_t count[MAX_N];
	const uint32_t ns[] = {1, 2, 10, 100, 1000};

	for (size_t k = 0; k < RTE_DIM(ns); k++) {
		names_init(ns[k], 1);
		struct maglev_table *t = build(M, ns[k]);
		assert_int_equal(t->n_backends, ns[k]);
		count_entries(t, ns[k], count);
		for (uint32_t i = 0; i < ns[k]; i++)
			assert_true(count[i] > 0);
		free(t);
	}
	/* a small prime table is filled too */
	names_init(5, 1);
	struct maglev_table *t = build(7, 5);
	count_entries(t, 5, count);
	free(t);
}

static void check_shares(const struct maglev_table *t, uint32_t n, const char *what)
{
	static uint32_t count[MAX_N];
	uint64_t sum_w = 0;
	double worst = 0;

	for (uint32_t i = 0; i < n; i++)
		sum_w += weights[i];
	count_entries(t, n, count);
	for (uint32_t i = 0; i < n; i++) {
		double want = (double)weights[i] / (double)sum_w;
		double got = (double)count[i] / t->size;
		double dev = fabs(got / want - 1.0);
		if (dev > worst)
			worst = dev;
		if (dev > SHARE_TOL)
			fail_msg(
				"%s: replica %u (weight %u) has share %.5f, want %.5f (%.2f%% off)",
				what, i, weights[i], got, want, 100 * dev);
	}
	printf("  %s: worst share deviation %.3f%%\n", what, 100 * worst);
}

static void test_equal_weight_shares(void **state)
{
	(void)state;
	const uint32_t ns[] = {10, 50, 100};
	char what[64];

	for (size_t k = 0; k < RTE_DIM(ns); k++) {
		names_init(ns[k], 1);
		struct maglev_table *t = build(M, ns[k]);
		snprintf(what, sizeof(what), "N=%u equal weights", ns[k]);
		check_shares(t, ns[k], what);
		free(t);
		/* the weight's scale does not matter, only the ratios */
		names_init(ns[k], 7);
		t = build(M, ns[k]);
		snprintf(what, sizeof(what), "N=%u weights 7", ns[k]);
		check_shares(t, ns[k], what);
		free(t);
	}
}

static void test_unequal_weight_shares(void **state)
{
	(void)state;
	const uint32_t ns[] = {10, 20};
	char what[64];

	for (size_t k = 0; k < RTE_DIM(ns); k++) {
		names_init(ns[k], 1);
		for (uint32_t i = 0; i < ns[k]; i++)
			weights[i] = i + 1;
		struct maglev_table *t = build(M, ns[k]);
		snprintf(what, sizeof(what), "N=%u weights 1..%u", ns[k], ns[k]);
		check_shares(t, ns[k], what);
		free(t);
	}
	/* one heavy replica among light ones */
	names_init(10, 1);
	weights[4] = 5;
	struct maglev_table *t = build(M, 10);
	check_shares(t, 10, "N=10 one weight 5");
	free(t);
}

static void test_weight_zero_gets_nothing(void **state)
{
	(void)state;
	static uint32_t count[MAX_N];

	names_init(10, 1);
	weights[3] = 0;
	weights[7] = 0;
	struct maglev_table *t = build(M, 10);
	assert_int_equal(t->n_backends, 8);
	count_entries(t, 10, count);
	assert_int_equal(count[3], 0);
	assert_int_equal(count[7], 0);
	check_shares(t, 10, "N=10 two weights 0");
	free(t);

	for (uint32_t i = 0; i < 10; i++)
		weights[i] = 0;
	errno = 0;
	assert_null(maglev_build(M, names, weights, 10));
	assert_int_equal(errno, ENOENT);
}

/* Replica index that owns @key in @t, where @t was built over names[] minus
 * @removed (or over all of them when @removed >= n). */
static uint32_t owner(const struct maglev_table *t, uint64_t key, uint32_t removed)
{
	uint32_t id = maglev_pick(t, key, 0);
	return id >= removed ? id + 1 : id;
}

static void removal_case(uint32_t n)
{
	uint32_t x = n / 2, moved = 0, others = 0, stayed = 0;

	names_init(n, 1);
	struct maglev_table *full = build(M, n);
	/* the same names without x, in the same order */
	for (uint32_t i = x; i + 1 < n; i++)
		names[i] = names[i + 1];
	struct maglev_table *less = build(M, n - 1);

	for (uint32_t k = 0; k < N_KEYS; k++) {
		uint64_t key = mix64(k + 0x1234567ULL);
		uint32_t before = owner(full, key, UINT32_MAX);
		uint32_t after = owner(less, key, x);
		assert_true(after != x);
		moved += before != after;
		if (before != x) {
			others++;
			stayed += before == after;
		}
	}
	double moved_frac = (double)moved / N_KEYS, stay_frac = (double)stayed / others;
	printf("  N=%u remove one: moved %.4f of keys (1/N = %.4f, limit %.4f), "
	       "%.4f of the others stayed\n",
	       n, moved_frac, 1.0 / n, MOVE_SLACK / n, stay_frac);
	assert_true(moved_frac <= MOVE_SLACK / n);
	assert_true(moved_frac >= 0.5 / n); /* the removed replica's keys did move */
	assert_true(stay_frac >= STAY_MIN);
	free(full);
	free(less);
}

static void test_removal_disruption(void **state)
{
	(void)state;
	removal_case(10);
	removal_case(50);
}

static int add_replicas(struct hl_router *r, uint32_t n)
{
	char err[HL_ROUTE_ERR_MAX];

	for (uint32_t i = 0; i < n; i++) {
		struct hl_replica_params rp = {.name = names[i], .weight = weights[i]};
		int id = hl_replica_add(r, &rp, err, sizeof(err));
		if (id != (int)i)
			fail_msg("add %s: %d %s", names[i], id, err);
	}
	return 0;
}

/* Decide (and complete at once, so loads stay flat) for client keys
 * 0..N_KEYS-1 with no hint; returns the replica of each. */
static void decide_keys(struct hl_route_worker *w, int32_t *out)
{
	for (uint32_t k = 0; k < N_KEYS; k++) {
		struct hl_route_req req = {.client_key = k};
		struct hl_route_result res;
		assert_int_equal(hl_route_decide(w, &req, &res), 0);
		assert_int_equal(res.reason, HL_ROUTE_FALLBACK_NOHINT);
		out[k] = res.replica;
		hl_route_complete(w, &res, 0);
	}
}

/* Through the router: the fallback decision (flat load) is Maglev's pick;
 * weight 0 is removal from the table; DOWN moves only the replica's own
 * keys, and spreads them over the others (the key's preference order). */
static void check_router_removal(enum hl_route_policy pol)
{
	const uint32_t n = 10, x = 4;
	char err[HL_ROUTE_ERR_MAX];
	static int32_t before[N_KEYS], after[N_KEYS];
	uint32_t got[10] = {0};

	names_init(n, 1);
	struct hl_router *r = router_new_policy(M, pol, err);
	assert_non_null(r);
	add_replicas(r, n);
	struct hl_route_worker *w = rh_worker_new(r, false);

	decide_keys(w, before);
	struct maglev_table *t = build(M, n);
	for (uint32_t k = 0; k < N_KEYS; k++)
		assert_int_equal(before[k], maglev_pick(t, mix64(k), 0));
	free(t);

	/* DOWN: the keys of x move and spread, nobody else's move */
	assert_int_equal(hl_replica_set_state(r, x, HL_REPLICA_DOWN), 0);
	decide_keys(w, after);
	uint32_t on_x = 0;
	for (uint32_t k = 0; k < N_KEYS; k++) {
		assert_true(after[k] != (int32_t)x);
		if (before[k] != (int32_t)x) {
			assert_int_equal(after[k], before[k]);
			continue;
		}
		on_x++;
		got[after[k]]++;
	}
	uint32_t most = x == 0 ? 1 : 0;
	for (uint32_t i = 0; i < n; i++)
		if (i != x && got[i] > got[most])
			most = i;
	for (uint32_t i = 0; i < n; i++)
		if (i != x && got[i] < on_x / (n - 1) / 2)
			fail_msg("%s: replica %u took %u of the %u keys of down replica %u "
				 "(replica %u took %u)",
				 hl_route_policy_name(pol), i, got[i], on_x, x, most, got[most]);
	assert_int_equal(hl_replica_set_state(r, x, HL_REPLICA_UP), 0);

	/* weight 0: the table is rebuilt without x, as if x were removed */
	assert_int_equal(hl_replica_set_weight(r, x, 0), 0);
	decide_keys(w, after);
	weights[x] = 0;
	t = build(M, n);
	uint32_t moved = 0;
	for (uint32_t k = 0; k < N_KEYS; k++) {
		assert_int_equal(after[k], maglev_pick(t, mix64(k), 0));
		moved += after[k] != before[k];
	}
	free(t);
	printf("  router N=%u weight 0: moved %.4f of keys\n", n, (double)moved / N_KEYS);
	assert_true((double)moved / N_KEYS <= MOVE_SLACK / n);

	rh_worker_done(w);
	rh_router_done(r);
}

static void test_router_removal_bounded(void **state)
{
	(void)state;
	check_router_removal(HL_POLICY_BOUNDED);
}

static void test_router_removal_ect(void **state)
{
	(void)state;
	check_router_removal(HL_POLICY_ECT);
}

static void test_deterministic(void **state)
{
	(void)state;
	char err[HL_ROUTE_ERR_MAX];

	names_init(100, 1);
	weights[5] = 3;
	struct maglev_table *a = build(M, 100), *b = build(M, 100);
	assert_memory_equal(a->entry, b->entry, M * sizeof(a->entry[0]));
	free(b);

	/* two routers with the same replicas publish the same table */
	struct hl_router *r1 = router_new(M, err), *r2 = router_new(M, err);
	assert_non_null(r1);
	assert_non_null(r2);
	add_replicas(r1, 100);
	add_replicas(r2, 100);
	assert_non_null(r1->maglev);
	assert_non_null(r2->maglev);
	assert_memory_equal(r1->maglev->entry, a->entry, M * sizeof(a->entry[0]));
	assert_memory_equal(r2->maglev->entry, a->entry, M * sizeof(a->entry[0]));
	rh_router_done(r1);
	rh_router_done(r2);

	/* and the names matter: other names, another table */
	snprintf(name_buf[0], sizeof(name_buf[0]), "other-0");
	b = build(M, 100);
	assert_true(memcmp(a->entry, b->entry, M * sizeof(a->entry[0])) != 0);
	free(a);
	free(b);
}

int main(int argc, char **argv)
{
	(void)argc;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_size_must_be_prime, rh_teardown),
		cmocka_unit_test_teardown(test_every_entry_filled, rh_teardown),
		cmocka_unit_test_teardown(test_equal_weight_shares, rh_teardown),
		cmocka_unit_test_teardown(test_unequal_weight_shares, rh_teardown),
		cmocka_unit_test_teardown(test_weight_zero_gets_nothing, rh_teardown),
		cmocka_unit_test_teardown(test_removal_disruption, rh_teardown),
		cmocka_unit_test_teardown(test_router_removal_bounded, rh_teardown),
		cmocka_unit_test_teardown(test_router_removal_ect, rh_teardown),
		cmocka_unit_test_teardown(test_deterministic, rh_teardown),
	};

	return rh_main("test_maglev", argv[0], tests, RTE_DIM(tests));
}
