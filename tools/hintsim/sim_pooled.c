/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reference points between the lower bound and the policies: what ONE pooled
 * cache of replicas x slots would load on the trace with online eviction and
 * nothing else in the way (no replicas to choose, no queues, no load time).
 *
 *   - LRU over all slots: what per-replica LRU could at best add up to if
 *     the cluster behaved as one LRU cache;
 *   - LRU with the T most popular models pinned (loaded once, never
 *     evicted) and the other slots shared LRU: what a cluster achieves when
 *     every load evicts a model outside the top T. T uses the trace's true
 *     popularity ranks (model 0 is the most popular), which no balancer
 *     knows, so these are optimistic.
 *
 * They show how much a policy has to protect the popular models from the
 * replicas' LRU to reach a given multiple of the lower bound.
 */
#include <stdlib.h>

#include "hintsim.h"

#define NIL UINT32_MAX

/* A doubly linked LRU list over model ids: O(1) touch, insert and evict. */
struct lru {
	uint32_t *prev, *next;
	bool *held;
	uint32_t head, tail; /* most / least recently used */
	uint64_t size;
};

static void lru_unlink(struct lru *l, uint32_t m)
{
	if (l->prev[m] != NIL)
		l->next[l->prev[m]] = l->next[m];
	else
		l->head = l->next[m];
	if (l->next[m] != NIL)
		l->prev[l->next[m]] = l->prev[m];
	else
		l->tail = l->prev[m];
}

static void lru_push_front(struct lru *l, uint32_t m)
{
	l->prev[m] = NIL;
	l->next[m] = l->head;
	if (l->head != NIL)
		l->prev[l->head] = m;
	l->head = m;
	if (l->tail == NIL)
		l->tail = m;
}

/* Loads of one pooled cache: models below @pinned stay once loaded, the
 * others share @scratch slots in LRU order. */
static uint64_t simulate(const struct sim_trace *t, struct lru *l, uint32_t pinned,
			 uint64_t scratch)
{
	uint64_t i, loads = 0;

	for (i = 0; i < t->n; i++) {
		uint32_t m = t->model[i];

		if (l->held[m]) {
			if (m >= pinned) {
				lru_unlink(l, m);
				lru_push_front(l, m);
			}
			continue;
		}
		loads++;
		l->held[m] = true;
		if (m < pinned)
			continue;
		if (l->size == scratch) {
			uint32_t victim = l->tail;

			lru_unlink(l, victim);
			l->held[victim] = false;
			l->size--;
		}
		lru_push_front(l, m);
		l->size++;
	}
	return loads;
}

uint64_t sim_pooled_lru_loads(const struct sim_trace *t, uint64_t capacity, uint32_t pinned)
{
	struct lru l = {.head = NIL, .tail = NIL};
	uint64_t loads = UINT64_MAX;

	if (capacity == 0 || pinned >= capacity)
		return UINT64_MAX;
	l.prev = malloc(sizeof(*l.prev) * t->n_models);
	l.next = malloc(sizeof(*l.next) * t->n_models);
	l.held = calloc(t->n_models, sizeof(*l.held));
	if (l.prev != NULL && l.next != NULL && l.held != NULL)
		loads = simulate(t, &l, pinned, capacity - pinned);
	free(l.held);
	free(l.next);
	free(l.prev);
	return loads;
}

int sim_references_compute(struct sim_references *ref, const struct sim_trace *t, uint64_t capacity)
{
	/* T = 0 (plain LRU), then a third, half, two thirds, five sixths of the
	 * slots, and all but one */
	const uint64_t num[] = {0, 1, 1, 2, 5}, den[] = {1, 3, 2, 3, 6};
	unsigned i;

	ref->capacity = capacity;
	ref->n = 0;
	for (i = 0; i <= sizeof(num) / sizeof(num[0]); i++) {
		uint64_t pinned = i < sizeof(num) / sizeof(num[0]) ? capacity * num[i] / den[i]
								   : capacity - 1;
		if (pinned >= capacity || pinned > t->n_models ||
		    (ref->n > 0 && pinned <= ref->pinned[ref->n - 1]))
			continue;
		ref->pinned[ref->n] = (uint32_t)pinned;
		ref->loads[ref->n] = sim_pooled_lru_loads(t, capacity, (uint32_t)pinned);
		if (ref->loads[ref->n] == UINT64_MAX)
			return -1;
		ref->n++;
	}
	return 0;
}
