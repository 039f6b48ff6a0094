/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Simulated GPU replicas: K model slots with LRU eviction, a FIFO of
 * dispatched requests, and a concurrency limit.
 *
 * A request starts when a concurrency slot is free. If the replica holds its
 * model (loaded, or being loaded by an earlier request) it is served once the
 * model is ready; otherwise the least recently used model that no started
 * request is using is evicted and the model is loaded (a load, the number the
 * simulator is about). When every model slot is in use by started requests,
 * the head of the queue waits: requests start in arrival order per replica,
 * which is what makes Belady on the pooled cache a true lower bound.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hintsim.h"

int sim_cluster_init(struct sim_cluster *c, const struct sim_config *cfg,
		     const struct sim_trace *trace)
{
	uint32_t i;

	memset(c, 0, sizeof(*c));
	c->cfg = cfg;
	c->trace = trace;
	c->rep = calloc(cfg->replicas, sizeof(*c->rep));
	if (c->rep == NULL)
		return -ENOMEM;
	c->n = cfg->replicas;
	for (i = 0; i < c->n; i++) {
		c->rep[i].slots = calloc(cfg->slots, sizeof(*c->rep[i].slots));
		if (c->rep[i].slots == NULL) {
			sim_cluster_free(c);
			return -ENOMEM;
		}
	}
	return 0;
}

void sim_cluster_free(struct sim_cluster *c)
{
	uint32_t i;

	for (i = 0; c->rep != NULL && i < c->n; i++) {
		free(c->rep[i].slots);
		free(c->rep[i].queue);
	}
	free(c->rep);
	memset(c, 0, sizeof(*c));
}

/* Double the ring, unrolling it so the head is at index 0. */
static int queue_grow(struct sim_replica *rep)
{
	size_t cap = rep->q_cap ? rep->q_cap * 2 : 64;
	uint64_t *q = malloc(sizeof(*q) * cap);
	size_t i;

	if (q == NULL)
		return -ENOMEM;
	for (i = 0; i < rep->q_len; i++)
		q[i] = rep->queue[(rep->q_head + i) % rep->q_cap];
	free(rep->queue);
	rep->queue = q;
	rep->q_cap = cap;
	rep->q_head = 0;
	return 0;
}

void sim_replica_dispatch(struct sim_cluster *c, uint32_t r)
{
	struct sim_replica *rep = &c->rep[r];

	rep->requests++;
	rep->inflight++;
	c->total_inflight++;
}

int sim_replica_enqueue(struct sim_cluster *c, uint32_t r, uint64_t req)
{
	struct sim_replica *rep = &c->rep[r];

	if (rep->q_len == rep->q_cap && queue_grow(rep) != 0)
		return -ENOMEM;
	rep->queue[(rep->q_head + rep->q_len) % rep->q_cap] = req;
	rep->q_len++;
	return 0;
}

/* The slot holding (or loading) @p model, or -1. */
static int find_slot(const struct sim_replica *rep, uint32_t k, uint32_t model)
{
	uint32_t i;

	for (i = 0; i < k; i++) {
		if (rep->slots[i].used && rep->slots[i].model == model)
			return (int)i;
	}
	return -1;
}

/* An empty slot, else the least recently used one nobody is using, else -1. */
static int pick_victim(const struct sim_replica *rep, uint32_t k)
{
	int best = -1;
	uint32_t i;

	for (i = 0; i < k; i++) {
		const struct sim_slot *s = &rep->slots[i];

		if (!s->used)
			return (int)i;
		if (s->pins > 0)
			continue;
		if (best < 0 || s->last_use < rep->slots[best].last_use)
			best = (int)i;
	}
	return best;
}

bool sim_replica_start_next(struct sim_cluster *c, uint32_t r, uint64_t now, struct sim_start *out)
{
	const struct sim_config *cfg = c->cfg;
	struct sim_replica *rep = &c->rep[r];
	struct sim_slot *s;
	uint64_t req, ready;
	int slot;

	if (rep->active >= cfg->concurrency || rep->q_len == 0)
		return false;
	req = rep->queue[rep->q_head];
	slot = find_slot(rep, cfg->slots, c->trace->model[req]);
	out->loaded = slot < 0;
	if (slot < 0) {
		slot = pick_victim(rep, cfg->slots);
		if (slot < 0)
			return false; /* every model is in use: wait for a completion */
		s = &rep->slots[slot];
		s->model = c->trace->model[req];
		s->used = true;
		s->ready_ns = now + cfg->load_ns;
		rep->loads++;
	}
	s = &rep->slots[slot];
	s->pins++;
	s->last_use = ++c->lru_clock;
	ready = s->ready_ns > now ? s->ready_ns : now;

	rep->q_head = (rep->q_head + 1) % rep->q_cap;
	rep->q_len--;
	rep->active++;
	out->req = req;
	out->slot = (uint32_t)slot;
	out->done_ns = ready + cfg->service_ns;
	return true;
}

void sim_replica_finish(struct sim_cluster *c, uint32_t r, uint32_t slot, uint64_t busy_ns)
{
	struct sim_replica *rep = &c->rep[r];

	rep->slots[slot].pins--;
	rep->active--;
	rep->inflight--;
	c->total_inflight--;
	rep->busy_ns += busy_ns;
}

unsigned sim_replica_hints(const struct sim_cluster *c, uint32_t r, uint64_t now,
			   const char **names, size_t *lens)
{
	const struct sim_replica *rep = &c->rep[r];
	const struct sim_slot *held[c->cfg->slots];
	unsigned n = 0, i, j;

	/* Loaded models only; insertion sort, most recently used first. */
	for (i = 0; i < c->cfg->slots; i++) {
		const struct sim_slot *s = &rep->slots[i];

		if (!s->used || s->ready_ns > now)
			continue;
		for (j = n; j > 0 && held[j - 1]->last_use < s->last_use; j--)
			held[j] = held[j - 1];
		held[j] = s;
		n++;
	}
	for (i = 0; i < n; i++) {
		names[i] = c->trace->names[held[i]->model];
		lens[i] = c->trace->name_len[held[i]->model];
	}
	return n;
}
