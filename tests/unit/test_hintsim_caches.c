/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hintsim's pooled caches (tools/hintsim): Belady's lower bound and the LRU
 * references, on traces small enough to count by hand, and against a
 * brute-force LRU on a random trace.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hintsim.h"

static struct sim_trace make_trace(uint32_t *model, uint64_t n, uint32_t n_models)
{
	struct sim_trace t = {.n = n, .model = model, .n_models = n_models};
	return t;
}

/* A B C A B C with 2 slots: LRU misses every time; Belady keeps A for its
 * second use, then C; pinning A leaves one LRU slot for B and C. */
static void test_by_hand(void **state)
{
	uint32_t seq[] = {0, 1, 2, 0, 1, 2};
	struct sim_trace t = make_trace(seq, 6, 3);

	(void)state;
	assert_int_equal(sim_pooled_lru_loads(&t, 2, 0), 6);
	assert_int_equal(sim_belady_loads(&t, 2), 4);
	assert_int_equal(sim_pooled_lru_loads(&t, 2, 1), 5);
	/* every model fits: compulsory loads only */
	assert_int_equal(sim_pooled_lru_loads(&t, 3, 0), 3);
	assert_int_equal(sim_pooled_lru_loads(&t, 3, 2), 3);
	assert_int_equal(sim_belady_loads(&t, 3), 3);
}

/* A hot pinned model survives a scan that would flush it from plain LRU. */
static void test_pinned_survives_scan(void **state)
{
	uint32_t seq[] = {0, 1, 2, 3, 0, 1, 2, 3, 0};
	struct sim_trace t = make_trace(seq, 9, 4);

	(void)state;
	assert_int_equal(sim_pooled_lru_loads(&t, 2, 0), 9);
	/* A once; B C D cycle through one slot: 1 + 6 */
	assert_int_equal(sim_pooled_lru_loads(&t, 2, 1), 7);
}

static uint64_t brute_lru(const uint32_t *seq, uint64_t n, uint32_t n_models, uint64_t cap)
{
	uint64_t *last = calloc(n_models, sizeof(*last));
	bool *held = calloc(n_models, sizeof(*held));
	uint64_t loads = 0, size = 0;

	assert_non_null(last);
	assert_non_null(held);
	for (uint64_t i = 0; i < n; i++) {
		uint32_t m = seq[i];
		if (!held[m]) {
			loads++;
			if (size == cap) {
				uint32_t v = UINT32_MAX;
				for (uint32_t k = 0; k < n_models; k++)
					if (held[k] && (v == UINT32_MAX || last[k] < last[v]))
						v = k;
				held[v] = false;
				size--;
			}
			held[m] = true;
			size++;
		}
		last[m] = i + 1;
	}
	free(held);
	free(last);
	return loads;
}

static void test_random_trace(void **state)
{
	enum { N = 20000, MODELS = 50, CAP = 12 };
	uint32_t *seq = malloc(sizeof(*seq) * N);
	struct sim_rng rng;
	uint64_t belady, lru;

	(void)state;
	assert_non_null(seq);
	sim_rng_seed(&rng, 7);
	for (int i = 0; i < N; i++) /* skewed: low ids more often */
		seq[i] = (uint32_t)(sim_rng_double(&rng) * sim_rng_double(&rng) * MODELS);
	struct sim_trace t = make_trace(seq, N, MODELS);

	lru = sim_pooled_lru_loads(&t, CAP, 0);
	belady = sim_belady_loads(&t, CAP);
	assert_int_equal(lru, brute_lru(seq, N, MODELS, CAP));
	assert_true(belady < lru);
	/* pinning the hot ids helps on a skewed trace, never beats Belady */
	for (uint32_t p = 1; p < CAP; p++) {
		uint64_t pinned = sim_pooled_lru_loads(&t, CAP, p);
		assert_true(pinned >= belady);
		assert_true(pinned < lru);
	}
	free(seq);
}

static void test_bad_args(void **state)
{
	uint32_t seq[] = {0, 1};
	struct sim_trace t = make_trace(seq, 2, 2);
	struct sim_references ref;

	(void)state;
	assert_int_equal(sim_pooled_lru_loads(&t, 0, 0), UINT64_MAX);
	assert_int_equal(sim_pooled_lru_loads(&t, 2, 2), UINT64_MAX);
	/* one slot: only plain LRU can be computed */
	assert_int_equal(sim_references_compute(&ref, &t, 1), 0);
	assert_int_equal(ref.n, 1);
	assert_int_equal(ref.pinned[0], 0);
	assert_int_equal(ref.loads[0], 2);
}

static void test_references(void **state)
{
	uint32_t seq[] = {0, 1, 2, 0, 1, 2};
	struct sim_trace t = make_trace(seq, 6, 3);
	struct sim_references ref;

	(void)state;
	/* 24 slots, 3 models: pinned counts past the models are skipped */
	assert_int_equal(sim_references_compute(&ref, &t, 24), 0);
	assert_int_equal(ref.n, 1);
	assert_int_equal(ref.loads[0], 3);
	/* 2 slots: 0 and capacity - 1 */
	assert_int_equal(sim_references_compute(&ref, &t, 2), 0);
	assert_int_equal(ref.n, 2);
	assert_int_equal(ref.pinned[1], 1);
	assert_int_equal(ref.loads[1], 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_by_hand),      cmocka_unit_test(test_pinned_survives_scan),
		cmocka_unit_test(test_random_trace), cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_references),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
