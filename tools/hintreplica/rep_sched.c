/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The replica model: K model slots with LRU eviction, a FIFO of requests in arrival order
 * (across connections) and a limit of C requests served at once. It is hintsim's replica
 * (tools/hintsim/sim_replica.c), so measured runs compare with its predictions:
 *
 * A request starts when it is at the head of the FIFO and fewer than C run. If a slot holds
 * its model (loaded, or being loaded for an earlier request) it is a hit, served once the
 * model is ready; otherwise it is a miss: the least recently used model that no running
 * request uses is evicted (an empty slot first) and the model loads for load-ms. When every
 * slot is in use by running requests, the head waits. A running request ends service-ms
 * (+ its X-Replica-Delay-Ms) after its model is ready. A request without a hint changes no
 * slot. Times are virtual where it matters: a request that starts when another ends starts
 * at that end time, not when the event loop gets to it, so a late loop does not stretch them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hintreplica.h"

#define NS_PER_MS 1000000ull

int rep_sched_init(struct rep_sched *s, const struct rep_opts *o, struct rep_stats *st)
{
	uint32_t i;

	memset(s, 0, sizeof(*s));
	s->slots = calloc(o->slots, sizeof(*s->slots));
	s->order = calloc(o->slots, sizeof(*s->order));
	if (s->slots == NULL || s->order == NULL) {
		rep_sched_free(s);
		return -ENOMEM;
	}
	s->nslots = o->slots;
	s->concurrency = o->concurrency;
	s->load_ns = o->load_ms * NS_PER_MS;
	s->service_ns = o->service_ms * NS_PER_MS;
	s->st = st;
	TAILQ_INIT(&s->queue);
	TAILQ_INIT(&s->running);
	/* --initial: loaded from the start, the first name the most recently used */
	for (i = 0; i < o->ninitial; i++) {
		struct rep_slot *sl = &s->slots[i];

		sl->used = true;
		sl->len = (uint16_t)strlen(o->initial[i]);
		memcpy(sl->model, o->initial[i], sl->len + 1u);
		sl->last_use = o->ninitial - i;
	}
	s->lru_clock = o->ninitial;
	return 0;
}

void rep_sched_free(struct rep_sched *s)
{
	free(s->slots);
	free(s->order);
	s->slots = NULL;
	s->order = NULL;
}

void rep_sched_submit(struct rep_sched *s, struct rep_job *j, uint64_t now)
{
	j->arrive_ns = now;
	j->slot = -1;
	j->cache = REP_CACHE_NONE;
	j->where = REP_JOB_QUEUED;
	TAILQ_INSERT_TAIL(&s->queue, j, link);
	s->queued++;
}

/* The slot holding or loading @p j's model, or -1. */
static int find_slot(const struct rep_sched *s, const struct rep_job *j)
{
	uint32_t i;

	for (i = 0; i < s->nslots; i++) {
		const struct rep_slot *sl = &s->slots[i];

		if (sl->used && sl->len == j->hint_len && !memcmp(sl->model, j->hint, j->hint_len))
			return (int)i;
	}
	return -1;
}

/* An empty slot, else the least recently used one no running request uses, else -1. */
static int pick_victim(const struct rep_sched *s)
{
	int best = -1;
	uint32_t i;

	for (i = 0; i < s->nslots; i++) {
		const struct rep_slot *sl = &s->slots[i];

		if (!sl->used)
			return (int)i;
		if (sl->pins == 0 && (best < 0 || sl->last_use < s->slots[best].last_use))
			best = (int)i;
	}
	return best;
}

/* Pin @p j's model for it, loading it on a miss. @return false if it must wait for a slot. */
static bool take_model(struct rep_sched *s, struct rep_job *j, uint64_t t, uint64_t *ready)
{
	struct rep_slot *sl;
	int i = find_slot(s, j);

	if (i < 0) {
		i = pick_victim(s);
		if (i < 0)
			return false;
		sl = &s->slots[i];
		if (sl->used)
			s->st->evictions++;
		sl->used = true;
		sl->len = j->hint_len;
		memcpy(sl->model, j->hint, j->hint_len);
		sl->model[j->hint_len] = '\0';
		sl->ready_ns = t + s->load_ns;
		s->st->misses++;
		j->cache = REP_CACHE_MISS;
	} else {
		sl = &s->slots[i];
		s->st->hits++;
		j->cache = REP_CACHE_HIT;
	}
	sl->pins++;
	sl->last_use = ++s->lru_clock;
	j->slot = i;
	*ready = sl->ready_ns > t ? sl->ready_ns : t;
	return true;
}

/* Start the head of the FIFO at @p t if the limits allow. @return true if it started. */
static bool start_head(struct rep_sched *s, uint64_t t)
{
	struct rep_job *j = TAILQ_FIRST(&s->queue);
	uint64_t ready = t, q;

	if (j == NULL || s->active >= s->concurrency)
		return false;
	if (t < j->arrive_ns)
		ready = t = j->arrive_ns;
	if (j->has_hint && !take_model(s, j, t, &ready))
		return false; /* every model is in use: the head waits */
	if (!j->has_hint)
		s->st->no_hint++;
	TAILQ_REMOVE(&s->queue, j, link);
	s->queued--;
	TAILQ_INSERT_TAIL(&s->running, j, link);
	s->active++;
	j->where = REP_JOB_RUNNING;
	j->start_ns = t;
	j->done_ns = ready + s->service_ns + (uint64_t)j->delay_ms * NS_PER_MS;
	q = t - j->arrive_ns;
	s->st->queue_ns_total += q;
	if (q > s->st->queue_ns_max)
		s->st->queue_ns_max = q;
	return true;
}

void rep_sched_pump(struct rep_sched *s, uint64_t t)
{
	while (start_head(s, t))
		;
}

/* Take @p j off the running list and unpin its model. */
static void finish(struct rep_sched *s, struct rep_job *j)
{
	TAILQ_REMOVE(&s->running, j, link);
	s->active--;
	if (j->slot >= 0)
		s->slots[j->slot].pins--;
	j->where = REP_JOB_IDLE;
}

void rep_sched_cancel(struct rep_sched *s, struct rep_job *j)
{
	if (j->where == REP_JOB_QUEUED) {
		TAILQ_REMOVE(&s->queue, j, link);
		s->queued--;
	} else if (j->where == REP_JOB_RUNNING) {
		finish(s, j);
	} else {
		return;
	}
	j->where = REP_JOB_IDLE;
	s->st->cancelled++;
}

struct rep_job *rep_sched_pop_done(struct rep_sched *s, uint64_t now)
{
	struct rep_job *j, *first = NULL;

	TAILQ_FOREACH(j, &s->running, link)
	if (first == NULL || j->done_ns < first->done_ns)
		first = j;
	if (first == NULL || first->done_ns > now)
		return NULL;
	finish(s, first);
	return first;
}

uint64_t rep_sched_next_ns(const struct rep_sched *s)
{
	const struct rep_job *j;
	uint64_t next = UINT64_MAX;

	TAILQ_FOREACH(j, &s->running, link)
	if (j->done_ns < next)
		next = j->done_ns;
	return next;
}

uint32_t rep_sched_held(struct rep_sched *s, uint64_t t, bool loading, const uint32_t **idx)
{
	uint32_t i, k, n = 0;

	/* insertion sort by last use, most recent first; K is small */
	for (i = 0; i < s->nslots; i++) {
		const struct rep_slot *sl = &s->slots[i];

		if (!sl->used || (sl->ready_ns > t) != loading)
			continue;
		for (k = n; k > 0 && s->slots[s->order[k - 1]].last_use < sl->last_use; k--)
			s->order[k] = s->order[k - 1];
		s->order[k] = i;
		n++;
	}
	*idx = s->order;
	return n;
}
