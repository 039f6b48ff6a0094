/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The replica table (writer side): add, state, weight, and publishing the
 * Maglev table built over the replicas' names and weights.
 *
 * Replica ids are dense and never reused in a router's life, so readers can
 * index the conf/load arrays (sized at create) without RCU; only the Maglev
 * table is swapped by pointer and freed after a grace period.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "route_priv.h"

int replica_publish_maglev(struct hl_router *r)
{
	uint32_t n = hl_router_replica_count(r);
	const char **names = malloc(sizeof(*names) * (n ? n : 1));
	uint32_t *weights = malloc(sizeof(*weights) * (n ? n : 1));
	struct maglev_table *t = NULL;
	int rc = 0;

	if (names == NULL || weights == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < n; i++) {
		names[i] = r->ctl[i].name;
		weights[i] = r->conf[i].weight;
	}
	t = n ? maglev_build(r->p.maglev_size, names, weights, n) : NULL;
	if (t == NULL && n > 0 && errno == ENOMEM) {
		rc = -ENOMEM;
		goto out;
	}
	/* t == NULL: nobody has weight; fallback then picks the least loaded. */
	struct maglev_table *old = r->maglev;
	__atomic_store_n(&r->maglev, t, __ATOMIC_RELEASE);
	route_defer_free(r, old, -1);
	r->counters.maglev_builds++;
out:
	free(names);
	free(weights);
	return rc;
}

bool hl_replica_name_ok(const char *s)
{
	size_t len = s ? strlen(s) : 0;
	return len > 0 && len < HL_REPLICA_NAME_MAX && hint_is_token(s, len);
}

int hl_replica_find(const struct hl_router *r, const char *name)
{
	uint32_t n = hl_router_replica_count(r);
	for (uint32_t i = 0; i < n; i++)
		if (strcmp(r->ctl[i].name, name) == 0)
			return (int)i;
	return -ENOENT;
}

int hl_replica_add(struct hl_router *r, const struct hl_replica_params *p, char *err, size_t errlen)
{
	uint32_t id = hl_router_replica_count(r);

	if (p == NULL || !hl_replica_name_ok(p->name)) {
		snprintf(err, errlen, "replica name '%s' must be 1..%d token characters",
			 p && p->name ? p->name : "", HL_REPLICA_NAME_MAX - 1);
		return -EINVAL;
	}
	if (hl_replica_find(r, p->name) >= 0) {
		snprintf(err, errlen, "replica %s: name already in use", p->name);
		return -EEXIST;
	}
	if (id >= r->p.max_replicas) {
		snprintf(err, errlen, "replica %s: the router holds at most %u replicas", p->name,
			 r->p.max_replicas);
		return -ENOSPC;
	}
	struct replica_ctl *c = &r->ctl[id];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", p->name);
	c->ipv4 = p->ipv4;
	c->port = p->port;
	r->conf[id].weight = p->weight;
	r->conf[id].concurrency = p->concurrency ? p->concurrency : 1;
	r->conf[id].hints_kind = HL_HINTS_NONE;
	r->conf[id].state = HL_REPLICA_UP;
	memset(&r->load[id], 0, sizeof(r->load[id]));

	/* Publish the id, then the table that may name it. */
	__atomic_store_n(&r->n_replicas, id + 1, __ATOMIC_RELEASE);
	__atomic_fetch_add(&r->n_usable, 1, __ATOMIC_RELEASE);
	__atomic_fetch_add(&r->usable_slots, r->conf[id].concurrency, __ATOMIC_RELAXED);
	int rc = replica_publish_maglev(r);
	if (rc < 0) {
		snprintf(err, errlen, "replica %s: out of memory building the Maglev table",
			 p->name);
		return rc;
	}
	return (int)id;
}

int hl_replica_set_state(struct hl_router *r, uint32_t id, enum hl_replica_state state)
{
	if (id >= hl_router_replica_count(r))
		return -ENOENT;
	if ((unsigned)state > HL_REPLICA_DRAINING)
		return -EINVAL;
	uint8_t old = r->conf[id].state;
	if (old == state)
		return 0;
	__atomic_store_n(&r->conf[id].state, (uint8_t)state, __ATOMIC_RELEASE);
	if (old == HL_REPLICA_UP) {
		__atomic_fetch_sub(&r->n_usable, 1, __ATOMIC_RELEASE);
		__atomic_fetch_sub(&r->usable_slots, r->conf[id].concurrency, __ATOMIC_RELAXED);
	} else if (state == HL_REPLICA_UP) {
		__atomic_fetch_add(&r->n_usable, 1, __ATOMIC_RELEASE);
		__atomic_fetch_add(&r->usable_slots, r->conf[id].concurrency, __ATOMIC_RELAXED);
	}
	return 0;
}

int hl_replica_set_weight(struct hl_router *r, uint32_t id, uint32_t weight)
{
	if (id >= hl_router_replica_count(r))
		return -ENOENT;
	if (r->conf[id].weight == weight)
		return 0;
	uint32_t old = r->conf[id].weight;
	r->conf[id].weight = weight;
	int rc = replica_publish_maglev(r);
	if (rc < 0)
		r->conf[id].weight = old;
	return rc;
}

int hl_replica_get(const struct hl_router *r, uint32_t id, struct hl_replica_info *out)
{
	if (id >= hl_router_replica_count(r))
		return -ENOENT;
	const struct replica_ctl *c = &r->ctl[id];
	memset(out, 0, sizeof(*out));
	out->id = id;
	snprintf(out->name, sizeof(out->name), "%s", c->name);
	out->ipv4 = c->ipv4;
	out->port = c->port;
	out->weight = r->conf[id].weight;
	out->concurrency = r->conf[id].concurrency;
	out->state = (enum hl_replica_state)r->conf[id].state;
	out->hints_kind = (enum hl_hints_kind)r->conf[id].hints_kind;
	out->n_hints = c->n_keys;
	out->inflight = replica_inflight(r, id);
	return 0;
}

int hl_replica_set_concurrency(struct hl_router *r, uint32_t id, uint32_t concurrency)
{
	if (id >= hl_router_replica_count(r))
		return -ENOENT;
	if (concurrency == 0 || concurrency > 65535)
		return -EINVAL;
	uint32_t old = r->conf[id].concurrency;
	if (old == concurrency)
		return 0;
	__atomic_store_n(&r->conf[id].concurrency, concurrency, __ATOMIC_RELAXED);
	if (r->conf[id].state == HL_REPLICA_UP) {
		if (concurrency > old)
			__atomic_fetch_add(&r->usable_slots, concurrency - old, __ATOMIC_RELAXED);
		else
			__atomic_fetch_sub(&r->usable_slots, old - concurrency, __ATOMIC_RELAXED);
	}
	/* The busy-slot estimate counted min(in flight, old) for this replica; completions
	 * will take min(left, new) off. Move it by the difference now, so it does not
	 * drift; a request deciding or completing meanwhile may leave it one off, which
	 * the utilisation estimate (ECT's weight) tolerates. */
	uint32_t inflight = replica_inflight(r, id);
	uint32_t was = RTE_MIN(inflight, old), now = RTE_MIN(inflight, concurrency);
	if (now > was)
		__atomic_fetch_add(&r->inflight_busy, (uint64_t)(now - was) * ROUTE_BUSY_ONE,
				   __ATOMIC_RELAXED);
	else if (was > now)
		__atomic_fetch_sub(&r->inflight_busy, (uint64_t)(was - now) * ROUTE_BUSY_ONE,
				   __ATOMIC_RELAXED);
	return 0;
}

uint32_t hl_maglev_entries(const struct hl_router *r, uint32_t *entries, uint32_t n)
{
	const struct maglev_table *t = r->maglev; /* the writer's own pointer */

	memset(entries, 0, sizeof(*entries) * n);
	if (t == NULL)
		return 0;
	for (uint32_t i = 0; i < t->size; i++)
		if (t->entry[i] < n)
			entries[t->entry[i]]++;
	return t->size;
}
