/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A binary min-heap of events keyed by (time, insertion sequence). The
 * sequence makes the order of simultaneous events the order they were
 * scheduled in, so every run of the simulator is reproducible.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hintsim.h"

static inline bool ev_before(const struct sim_event *a, const struct sim_event *b)
{
	return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

int sim_heap_init(struct sim_heap *h, size_t cap)
{
	memset(h, 0, sizeof(*h));
	if (cap < 16)
		cap = 16;
	h->ev = malloc(sizeof(*h->ev) * cap);
	if (h->ev == NULL)
		return -ENOMEM;
	h->cap = cap;
	return 0;
}

void sim_heap_free(struct sim_heap *h)
{
	free(h->ev);
	memset(h, 0, sizeof(*h));
}

static int heap_grow(struct sim_heap *h)
{
	size_t cap = h->cap * 2;
	struct sim_event *ev = realloc(h->ev, sizeof(*ev) * cap);

	if (ev == NULL)
		return -ENOMEM;
	h->ev = ev;
	h->cap = cap;
	return 0;
}

int sim_heap_push(struct sim_heap *h, uint64_t time, uint32_t type, uint32_t a, uint64_t b)
{
	struct sim_event e = {.time = time, .seq = h->next_seq++, .type = type, .a = a, .b = b};
	size_t i;

	if (h->n == h->cap && heap_grow(h) != 0)
		return -ENOMEM;
	/* Sift up: move parents down until e fits. */
	i = h->n++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!ev_before(&e, &h->ev[parent]))
			break;
		h->ev[i] = h->ev[parent];
		i = parent;
	}
	h->ev[i] = e;
	return 0;
}

bool sim_heap_pop(struct sim_heap *h, struct sim_event *out)
{
	struct sim_event last;
	size_t i = 0;

	if (h->n == 0)
		return false;
	*out = h->ev[0];
	last = h->ev[--h->n];
	/* Sift down: move the smaller child up until last fits. */
	for (;;) {
		size_t child = 2 * i + 1;

		if (child >= h->n)
			break;
		if (child + 1 < h->n && ev_before(&h->ev[child + 1], &h->ev[child]))
			child++;
		if (!ev_before(&h->ev[child], &last))
			break;
		h->ev[i] = h->ev[child];
		i = child;
	}
	if (h->n > 0)
		h->ev[i] = last;
	return true;
}
