/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Maglev consistent hashing (Eisenbud et al., NSDI 2016, section 3.4).
 *
 * Each replica has a permutation of the table's slots given by (offset,
 * skip) derived from its name; replicas take turns claiming their next free
 * preferred slot until the table is full. Weights: in every round a replica
 * claims slots in proportion to weight / max weight, so its share of the
 * table follows its weight. Built off to the side; the caller publishes it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "route_priv.h"

bool maglev_size_ok(uint32_t size)
{
	if (size < 3 || size % 2 == 0)
		return size == 2;
	for (uint32_t d = 3; (uint64_t)d * d <= size; d += 2)
		if (size % d == 0)
			return false;
	return true;
}

struct maglev_perm {
	uint32_t pos;    /* next slot of this replica's permutation */
	uint32_t skip;   /* 1..size-1 */
	uint64_t credit; /* weight accumulated, in units of max weight */
};

/* Advance @p to its first free slot, claim it, return it. */
static uint32_t claim_next(struct maglev_perm *p, uint16_t *entry, uint32_t size, uint16_t id)
{
	while (entry[p->pos] != UINT16_MAX) {
		p->pos += p->skip;
		if (p->pos >= size)
			p->pos -= size;
	}
	uint32_t slot = p->pos;
	entry[slot] = id;
	return slot;
}

struct maglev_table *maglev_build(uint32_t size, const char *const *names, const uint32_t *weights,
				  uint32_t n)
{
	struct maglev_table *t = NULL;
	struct maglev_perm *perm = NULL;
	uint32_t max_w = 0, members = 0;

	for (uint32_t i = 0; i < n; i++) {
		if (weights[i] > max_w)
			max_w = weights[i];
		members += weights[i] > 0;
	}
	if (members == 0 || n > UINT16_MAX) {
		errno = members == 0 ? ENOENT : EINVAL;
		return NULL;
	}
	t = malloc(sizeof(*t) + (size_t)size * sizeof(t->entry[0]));
	perm = calloc(n, sizeof(*perm));
	if (t == NULL || perm == NULL)
		goto fail;
	t->size = size;
	t->n_backends = members;
	memset(t->entry, 0xff, (size_t)size * sizeof(t->entry[0]));

	for (uint32_t i = 0; i < n; i++) {
		struct hint_key k;
		hint_key_of(names[i], strlen(names[i]), &k);
		perm[i].pos = (uint32_t)(k.lo % size);
		perm[i].skip = (uint32_t)(k.hi % (size - 1)) + 1;
	}

	/* Rounds: each replica earns weight/max_w of a slot per round and
	 * claims one slot per whole unit earned. */
	uint32_t filled = 0;
	while (filled < size) {
		for (uint32_t i = 0; i < n && filled < size; i++) {
			if (weights[i] == 0)
				continue;
			perm[i].credit += weights[i];
			while (perm[i].credit >= max_w && filled < size) {
				perm[i].credit -= max_w;
				claim_next(&perm[i], t->entry, size, (uint16_t)i);
				filled++;
			}
		}
	}
	free(perm);
	return t;
fail:
	free(perm);
	free(t);
	errno = ENOMEM;
	return NULL;
}
