/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the proxy learns from responses, handed to the control thread, the
 * routing core's only writer (hintlb/ctrl_msg.h).
 *
 * Hints: replicas send their full list on every response. The worker keeps,
 * per replica, a hash of the last value it passed on (its state — absent,
 * empty, a list — and the valid entries in order); a response whose value
 * hashes the same costs that hash and a compare (hints_unchanged), one that
 * differs becomes one message (hints_passed). Two workers that see the same
 * change both pass it on: replacing a list by itself is harmless. A message
 * that cannot be queued is counted (ctrl_msg_dropped) and the hash is not
 * updated, so the next response tries again.
 *
 * Health: failures of requests (refused or silent connects, resets, response
 * timeouts, 5xx) go to the control thread one by one; a success goes only
 * after a failure, to end the run. The control thread decides what is down.
 */
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_hash_crc.h>

#include "crc32c.h"
#include "proxy_priv.h"

static struct hl_ctrl_msg *msg_get(struct hl_proxy *px)
{
	struct hl_ctrl_msg *m;

	if (px->shared == NULL || rte_mempool_get(px->shared->msgs, (void **)&m) != 0) {
		HL_COUNT(px->w, CTRL_MSG_DROPPED);
		return NULL;
	}
	return m;
}

static bool msg_put(struct hl_proxy *px, struct hl_ctrl_msg *m)
{
	m->worker = (uint16_t)px->w->id;
	m->tsc = rte_rdtsc();
	uint64_t one = 1;

	if (rte_ring_mp_enqueue(px->shared->to_ctrl, m) != 0) {
		rte_mempool_put(px->shared->msgs, m);
		HL_COUNT(px->w, CTRL_MSG_DROPPED);
		return false;
	}
	if (px->shared->wake_fd >= 0 && write(px->shared->wake_fd, &one, sizeof(one)) < 0)
		HL_COUNT(px->w, CTRL_WAKE_FAILED); /* the next poll (<= 10 ms) takes it */
	return true;
}

/* One entry's bytes (at most HL_HTTP1_HINT_MAX; *@p len <= 0: none) where they lie in the
 * message's segments, or copied into @p buf when a segment boundary cuts them. */
static const char *entry(const struct hl_http1_seg *segs, unsigned n, struct hl_http1_span span,
			 char *buf, int *len)
{
	const uint8_t *p =
		span.len <= HL_HTTP1_HINT_MAX ? hl_http1_span_ptr(segs, n, 0, span) : NULL;

	if (p != NULL) {
		*len = (int)span.len;
		return (const char *)p;
	}
	*len = hl_http1_span_copy(segs, n, 0, span, buf, HL_HTTP1_HINT_MAX);
	return buf;
}

void px_learn_hints(struct hl_proxy *px, struct px_req *req, const struct px_buf *in)
{
	const struct hl_http1_msg *msg = &req->resp.msg;
	struct px_replica *rep = &px->rep[req->replica];
	struct hl_http1_seg segs[64];
	unsigned n = px_buf_segs(in, 0, segs, 64);
	char buf[HL_HTTP1_HINT_MAX];
	enum hl_hints_kind kind = msg->hints_state == HL_HTTP1_HINTS_ABSENT  ? HL_HINTS_NONE
				  : msg->hints_state == HL_HTTP1_HINTS_EMPTY ? HL_HINTS_EMPTY
									     : HL_HINTS_LIST;
	uint32_t lo = rte_hash_crc_4byte(kind, 0x68696e74), hi = rte_hash_crc_4byte(kind, 0x4c42);
	struct hl_ctrl_msg *m;
	uint64_t h;

	for (unsigned i = 0; i < msg->nhints; i++) {
		int len;
		const char *e = entry(segs, n, msg->hints[i], buf, &len);

		if (len > 0) { /* the length too: "ab","c" differs from "a","bc" */
			lo = hl_crc32c(e, (uint32_t)len, rte_hash_crc_4byte((uint32_t)len, lo));
			hi = hl_crc32c(e, (uint32_t)len, hi ^ 0x9e3779b9u);
		}
	}
	h = ((uint64_t)hi << 32 | lo) | 1; /* 0 means nothing passed on yet */
	if (h == rep->hints_hash) {
		HL_COUNT(px->w, HINTS_UNCHANGED);
		return;
	}
	m = msg_get(px);
	if (m == NULL)
		return;
	m->type = HL_CTRL_MSG_HINTS;
	m->kind = (uint8_t)kind;
	m->replica = req->replica;
	m->len = 0;
	for (unsigned i = 0; i < msg->nhints; i++) {
		int len;
		const char *e = entry(segs, n, msg->hints[i], buf, &len);

		if (len <= 0)
			continue;
		if (m->len + (uint32_t)len + 1 > sizeof(m->value)) {
			HL_COUNT(px->w, HINTS_TRUNCATED);
			break;
		}
		if (m->len != 0)
			m->value[m->len++] = ',';
		memcpy(m->value + m->len, e, (size_t)len);
		m->len += (uint32_t)len;
	}
	if (msg->hints_overflow != 0)
		HL_COUNT(px->w, HINTS_TRUNCATED);
	if (msg_put(px, m)) {
		rep->hints_hash = h;
		HL_COUNT(px->w, HINTS_PASSED);
	}
}

void px_learn_health(struct hl_proxy *px, uint32_t replica, enum hl_ctrl_health_event ev)
{
	struct px_replica *rep = &px->rep[replica];
	struct hl_ctrl_msg *m;

	if (ev == HL_CTRL_HEALTH_OK && !rep->health_bad)
		return;
	m = msg_get(px);
	if (m == NULL)
		return;
	m->type = HL_CTRL_MSG_HEALTH;
	m->kind = (uint8_t)ev;
	m->replica = replica;
	m->len = 0;
	if (msg_put(px, m)) {
		if (ev < HL_CTRL_HEALTH_CHECK_OK) /* traffic, not active checks */
			rep->health_bad = ev != HL_CTRL_HEALTH_OK;
		HL_COUNT(px->w, HEALTH_EVENTS);
	}
}
