/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hint table (writer side): hint -> replicas advertising it.
 *
 * An rte_hash with lock-free readers (RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF)
 * keyed by a 128-bit hash of the hint. Values are immutable hint_entry
 * objects: the control thread builds a new one, swaps it in with
 * rte_hash_add_key_with_hash_data() (an atomic pointer store for an existing
 * key) and frees the old one after an RCU grace period.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>

#include "route_priv.h"

static uint32_t key_hash(const void *key, uint32_t len, uint32_t init)
{
	(void)len;
	(void)init;
	return (uint32_t)((const struct hint_key *)key)->lo;
}

int hint_table_create(struct hl_router *r, const char *name, char *err, size_t errlen)
{
	char hname[RTE_HASH_NAMESIZE];

	snprintf(hname, sizeof(hname), "%s_hints", name);
	/* max_hints is enforced by our own count (n_hints). The table has a
	 * quarter more slots: cuckoo tables may refuse inserts a little before
	 * they are full, and a deleted hint holds its slot for a grace period. */
	struct rte_hash_parameters hp = {
		.name = hname,
		.entries = r->p.max_hints + r->p.max_hints / 4,
		.key_len = sizeof(struct hint_key),
		.hash_func = key_hash,
		.socket_id = r->p.socket_id,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	r->hints = rte_hash_create(&hp);
	if (r->hints == NULL) {
		snprintf(err, errlen, "router %s: cannot create the hint table: %s", name,
			 rte_errno == EEXIST ? "name taken" : strerror(rte_errno));
		return rte_errno == EEXIST ? -EEXIST : -ENOMEM;
	}
	return 0;
}

void hint_table_free(struct hl_router *r)
{
	const void *key;
	void *data;
	uint32_t next = 0;

	if (r->hints == NULL)
		return;
	while (rte_hash_iterate(r->hints, &key, &data, &next) >= 0)
		free(data);
	rte_hash_free(r->hints);
	r->hints = NULL;
}

static struct hint_entry *entry_alloc(const char *hint, size_t len, uint32_t n)
{
	struct hint_entry *e = malloc(sizeof(*e) + n * sizeof(e->ids[0]) + len);
	if (e == NULL)
		return NULL;
	e->len = (uint16_t)len;
	e->n = (uint16_t)n;
	memcpy((char *)&e->ids[n], hint, len);
	return e;
}

/* Publish @e for @key; the old value (if any) is freed after a grace period. */
static int entry_publish(struct hl_router *r, const struct hint_key *key, struct hint_entry *e,
			 struct hint_entry *old)
{
	int rc = rte_hash_add_key_with_hash_data(r->hints, key, (hash_sig_t)key->lo, e);
	if (rc == -ENOSPC) {
		/* Slots of deleted hints come back only after a grace period:
		 * reclaim what can be, then try once more. */
		hl_router_reclaim(r);
		rc = rte_hash_add_key_with_hash_data(r->hints, key, (hash_sig_t)key->lo, e);
	}
	if (rc < 0) {
		free(e);
		return rc;
	}
	if (old == NULL)
		r->n_hints++;
	route_defer_free(r, old, -1);
	return 0;
}

static struct hint_entry *entry_find(struct hl_router *r, const struct hint_key *key)
{
	void *data;
	if (rte_hash_lookup_with_hash_data(r->hints, key, (hash_sig_t)key->lo, &data) < 0)
		return NULL;
	return data;
}

/* Add replica @id to the set of @hint. */
static int entry_add_replica(struct hl_router *r, const struct hint_key *key, const char *hint,
			     size_t len, uint32_t id)
{
	struct hint_entry *old = entry_find(r, key), *e;
	uint32_t n = old ? old->n : 0, i, j;

	if (old != NULL && (old->len != len || memcmp(hint_entry_bytes(old), hint, len) != 0)) {
		r->counters.drop[HL_DROP_HINT_KEY_CLASH]++;
		return -EEXIST;
	}
	for (i = 0; i < n; i++)
		if (old->ids[i] == id)
			return 0;
	if (old == NULL && r->n_hints >= r->p.max_hints)
		return -ENOSPC;
	e = entry_alloc(hint, len, n + 1);
	if (e == NULL)
		return -ENOMEM;
	/* ids stay sorted: deterministic order for every reader */
	for (i = 0, j = 0; i < n && old->ids[i] < id; i++)
		e->ids[j++] = old->ids[i];
	e->ids[j++] = id;
	for (; i < n; i++)
		e->ids[j++] = old->ids[i];
	return entry_publish(r, key, e, old);
}

/* Remove replica @id from the set of the hint with @key. */
static void entry_remove_replica(struct hl_router *r, const struct hint_key *key, uint32_t id)
{
	struct hint_entry *old = entry_find(r, key), *e;

	if (old == NULL)
		return;
	if (old->n == 1 && old->ids[0] == id) {
		int32_t pos = rte_hash_del_key_with_hash(r->hints, key, (hash_sig_t)key->lo);
		if (pos >= 0) {
			r->n_hints--;
			route_defer_free(r, old, pos);
		}
		return;
	}
	e = entry_alloc(hint_entry_bytes(old), old->len, old->n - 1u);
	if (e == NULL)
		return; /* the replica stays listed; harmless, and retried next report */
	uint32_t j = 0;
	for (uint32_t i = 0; i < old->n; i++)
		if (old->ids[i] != id)
			e->ids[j++] = old->ids[i];
	if (j != e->n) { /* id was not in the set */
		free(e);
		return;
	}
	entry_publish(r, key, e, old);
}

struct new_hint {
	struct hint_key key;
	const char *s;
	size_t len;
};

static int new_hint_cmp(const void *a, const void *b)
{
	return hint_key_cmp(&((const struct new_hint *)a)->key, &((const struct new_hint *)b)->key);
}

/* Validate, hash, sort and de-duplicate a list. Returns how many are kept. */
static uint32_t collect(struct hl_router *r, const char *const *hints, const size_t *lens,
			unsigned n, struct new_hint *out)
{
	uint32_t k = 0;

	for (unsigned i = 0; i < n; i++) {
		const char *s = hints[i];
		size_t len = lens[i];
		enum hl_route_drop why;

		if (hl_hint_check(s, len, &s, &len, &why) < 0) {
			r->counters.drop[why]++;
			continue;
		}
		if (!hint_is_list_entry(s, len)) { /* tokens, and '/' for model paths */
			r->counters.drop[HL_DROP_HINT_BAD_BYTE]++;
			continue;
		}
		if (k == HL_HINTS_PER_REPLICA_MAX) {
			r->counters.drop[HL_DROP_HINTS_TOO_MANY]++;
			continue;
		}
		out[k].s = s;
		out[k].len = len;
		hint_key_of(s, len, &out[k].key);
		k++;
	}
	qsort(out, k, sizeof(out[0]), new_hint_cmp);
	uint32_t u = 0;
	for (uint32_t i = 0; i < k; i++) {
		if (u > 0 && hint_key_cmp(&out[u - 1].key, &out[i].key) == 0) {
			r->counters.drop[HL_DROP_HINTS_DUPLICATE]++;
			continue;
		}
		out[u++] = out[i];
	}
	return u;
}

/* Publish the replica's list for readers (ECT's victim prediction). */
static void replica_hints_publish(struct hl_router *r, uint32_t id, const struct hint_key *keys,
				  uint32_t n)
{
	struct replica_hints *h = NULL, *old = r->conf[id].hints;

	if (n > 0) {
		h = malloc(sizeof(*h) + n * sizeof(h->key[0]));
		if (h == NULL)
			return; /* readers keep the old list: a worse guess, not an error */
		h->n = n;
		for (uint32_t i = 0; i < n; i++)
			h->key[i] = keys[i].lo;
	}
	if (n > r->conf[id].slots_seen)
		__atomic_store_n(&r->conf[id].slots_seen, n, __ATOMIC_RELAXED);
	__atomic_store_n(&r->conf[id].hints, h, __ATOMIC_RELEASE);
	route_defer_free(r, old, -1);
}

int hl_hints_replace(struct hl_router *r, uint32_t id, enum hl_hints_kind kind,
		     const char *const *hints, const size_t *lens, unsigned n)
{
	struct new_hint add[HL_HINTS_PER_REPLICA_MAX];
	struct hint_key kept[HL_HINTS_PER_REPLICA_MAX];
	uint32_t n_add, n_kept = 0, i = 0, j = 0;
	bool dropped = false;
	int rc = 0;

	if (id >= hl_router_replica_count(r))
		return -ENOENT;
	if ((unsigned)kind > HL_HINTS_LIST || (kind != HL_HINTS_LIST && n != 0) ||
	    (n > 0 && (hints == NULL || lens == NULL)))
		return -EINVAL;

	struct replica_ctl *c = &r->ctl[id];
	n_add = collect(r, hints, lens, n, add);

	/* Merge the two sorted key lists: drop what is gone, add what is new. */
	while (i < c->n_keys || j < n_add) {
		int cmp = i == c->n_keys ? 1
			  : j == n_add   ? -1
					 : hint_key_cmp(&c->keys[i], &add[j].key);
		if (cmp < 0) {
			entry_remove_replica(r, &c->keys[i++], id);
			dropped = true;
		} else if (cmp > 0) {
			int e = entry_add_replica(r, &add[j].key, add[j].s, add[j].len, id);
			if (e == 0)
				kept[n_kept++] = add[j].key;
			else if (e == -ENOSPC) {
				r->counters.drop[HL_DROP_HINT_TABLE_FULL]++;
				rc = -ENOSPC;
			}
			j++;
		} else {
			kept[n_kept++] = c->keys[i++];
			j++;
		}
	}
	if (n_kept > c->cap_keys) {
		struct hint_key *k = realloc(c->keys, n_kept * sizeof(*k));
		if (k == NULL)
			return -ENOMEM; /* unreachable in practice: keys[] only grows here */
		c->keys = k;
		c->cap_keys = n_kept;
	}
	if (n_kept > 0)
		memcpy(c->keys, kept, n_kept * sizeof(kept[0]));
	c->n_keys = n_kept;
	replica_hints_publish(r, id, kept, n_kept);
	/* A replica drops a model it holds to make room for another: until it
	 * has, nothing says it is full (an empty list is a reset, not that). */
	if (dropped && n_kept > 0)
		__atomic_store_n(&r->conf[id].slots_full, 1, __ATOMIC_RELAXED);

	enum hl_hints_kind now = n_kept > 0              ? HL_HINTS_LIST
				 : kind == HL_HINTS_NONE ? HL_HINTS_NONE
							 : HL_HINTS_EMPTY;
	uint8_t was = r->conf[id].hints_kind;
	__atomic_store_n(&r->conf[id].hints_kind, (uint8_t)now, __ATOMIC_RELEASE);
	if (was != HL_HINTS_EMPTY && now == HL_HINTS_EMPTY)
		__atomic_fetch_add(&r->n_generalists, 1, __ATOMIC_RELAXED);
	else if (was == HL_HINTS_EMPTY && now != HL_HINTS_EMPTY)
		__atomic_fetch_sub(&r->n_generalists, 1, __ATOMIC_RELAXED);
	return rc < 0 ? rc : (int)n_kept;
}

int hl_hints_replace_header(struct hl_router *r, uint32_t id, const char *value, size_t len)
{
	const char *item[HL_HINTS_PER_REPLICA_MAX + 1];
	size_t lens[HL_HINTS_PER_REPLICA_MAX + 1];
	unsigned n = 0;

	if (value == NULL)
		return hl_hints_replace(r, id, HL_HINTS_NONE, NULL, NULL, 0);
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && value[i] != ',')
			continue;
		const char *s = value + start;
		size_t l = i - start;
		start = i + 1;
		while (l > 0 && (*s == ' ' || *s == '\t')) {
			s++;
			l--;
		}
		while (l > 0 && (s[l - 1] == ' ' || s[l - 1] == '\t'))
			l--;
		if (l == 0) /* RFC 9110 5.6.1: empty list elements are ignored */
			continue;
		if (n == HL_HINTS_PER_REPLICA_MAX + 1) {
			r->counters.drop[HL_DROP_HINTS_TOO_MANY]++;
			continue;
		}
		item[n] = s;
		lens[n++] = l;
	}
	if (n == 0)
		return hl_hints_replace(r, id, HL_HINTS_EMPTY, NULL, NULL, 0);
	return hl_hints_replace(r, id, HL_HINTS_LIST, item, lens, n);
}

int hl_hints_get(const struct hl_router *r, uint32_t id, hl_hint_visit_fn *fn, void *arg)
{
	if (id >= hl_router_replica_count(r))
		return -ENOENT;
	const struct replica_ctl *c = &r->ctl[id];
	for (uint32_t i = 0; i < c->n_keys; i++) {
		const struct hint_entry *e = entry_find((struct hl_router *)r, &c->keys[i]);

		if (e != NULL) /* always, but for a table that refused the key */
			fn(hint_entry_bytes(e), e->len, arg);
	}
	return (int)c->n_keys;
}
