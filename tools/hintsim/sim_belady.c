/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lower bound: Belady's optimal eviction (evict the model whose next
 * request is farthest away) on ONE pooled cache of replicas x slots over the
 * trace's request order.
 *
 * Why it bounds every policy: each replica starts its requests in arrival
 * order, so a cluster run is a cache of N*K slots split in N groups that sees
 * the trace in order and loads only on a group miss. The union of the groups
 * is a demand-paging cache of N*K slots whose misses are at most the
 * cluster's loads, and Belady's misses are at most those.
 */
#include <stdlib.h>

#include "hintsim.h"

/* next[i] = the index of the next request for trace->model[i]; for the last
 * request of a model, n + model (past every index, distinct per model). */
static uint64_t *next_use(const struct sim_trace *t)
{
	uint64_t *next = malloc(sizeof(*next) * t->n);
	uint64_t *last = malloc(sizeof(*last) * t->n_models);
	uint64_t i;
	uint32_t m;

	if (next == NULL || last == NULL) {
		free(next);
		free(last);
		return NULL;
	}
	for (m = 0; m < t->n_models; m++)
		last[m] = t->n + m;
	for (i = t->n; i-- > 0;) {
		next[i] = last[t->model[i]];
		last[t->model[i]] = i;
	}
	free(last);
	return next;
}

/* Drop the stale entries once they outnumber the live ones, so the heap
 * stays O(capacity) instead of O(requests). Keys are distinct, so the order
 * of the rebuilt heap does not depend on the new sequence numbers. */
static void compact(struct sim_heap *h, const bool *held, const uint64_t *cur_next)
{
	size_t i, live = 0;

	for (i = 0; i < h->n; i++) {
		const struct sim_event *e = &h->ev[i];

		if (held[e->a] && cur_next[e->a] == e->b)
			h->ev[live++] = *e;
	}
	h->n = 0;
	for (i = 0; i < live; i++) {
		struct sim_event e = h->ev[i];

		/* Pushing the i-th entry sifts within [0, i]: cannot fail or clobber. */
		(void)sim_heap_push(h, e.time, e.type, e.a, e.b);
	}
}

/*
 * The cache keeps, per model, whether it is held and its current next use.
 * A max-heap of (next use, model) picks the victim; entries whose next use is
 * no longer current are stale and skipped (lazy deletion). The event heap is
 * a min-heap, so the key is UINT64_MAX - next use.
 */
static uint64_t simulate(const struct sim_trace *t, const uint64_t *next, uint64_t capacity,
			 bool *held, uint64_t *cur_next, struct sim_heap *h)
{
	uint64_t i, loads = 0, size = 0;
	struct sim_event victim;

	for (i = 0; i < t->n; i++) {
		uint32_t m = t->model[i];

		if (!held[m]) {
			loads++;
			while (size == capacity && sim_heap_pop(h, &victim)) {
				if (!held[victim.a] || cur_next[victim.a] != victim.b)
					continue; /* stale */
				held[victim.a] = false;
				size--;
			}
			held[m] = true;
			size++;
		}
		cur_next[m] = next[i];
		if (h->n >= 4 * capacity + 1024)
			compact(h, held, cur_next);
		if (sim_heap_push(h, UINT64_MAX - next[i], 0, m, next[i]) != 0)
			return UINT64_MAX;
	}
	return loads;
}

uint64_t sim_belady_loads(const struct sim_trace *t, uint64_t capacity)
{
	uint64_t *next = next_use(t);
	bool *held = calloc(t->n_models, sizeof(*held));
	uint64_t *cur_next = calloc(t->n_models, sizeof(*cur_next));
	uint64_t loads = UINT64_MAX;
	struct sim_heap h;

	if (next != NULL && held != NULL && cur_next != NULL && capacity > 0 &&
	    sim_heap_init(&h, 1024) == 0) {
		loads = simulate(t, next, capacity, held, cur_next, &h);
		sim_heap_free(&h);
	}
	free(cur_next);
	free(held);
	free(next);
	return loads;
}
