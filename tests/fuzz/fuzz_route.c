/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the routing core: the input is a program of writer
 * and reader operations on one router, so the fuzzer drives the replica
 * table, the raw `X-Fal-Runner-Hints` header parser, the hint table with RCU
 * reclamation, Maglev rebuilds and both policies' decisions with hostile
 * hints, in any order.
 *
 * Each operation is one byte (op % OP_COUNT) followed by its arguments.
 * After every decision, and at the end, what must hold whatever the input:
 *   - rc 0 with a replica id in range that is UP, or -EAGAIN with
 *     none_available and replica -1;
 *   - a hint the router refuses (hl_hint_check) never routes as a hint, and
 *     is counted as a drop; an accepted one never routes as "no hint";
 *   - a hint hit goes to a replica that reported a list;
 *   - once every decision is completed, no replica has anything in flight;
 *   - ASan/UBSan: no memory error, no leak after the router is freed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_eal.h>

#include <hintlb/route.h>

#define MAX_REPLICAS 12
#define MAX_PENDING  64

enum op { OP_ADD = 0, OP_STATE, OP_WEIGHT, OP_HINTS, OP_DECIDE, OP_COMPLETE, OP_RECLAIM, OP_COUNT };

struct input {
	const uint8_t *p;
	size_t left;
};

static uint8_t take(struct input *in)
{
	if (in->left == 0)
		return 0;
	in->left--;
	return *in->p++;
}

/* Up to @max bytes, the count given by the next byte (two, little endian,
 * when @max is over 255); borrowed from the input. */
static const char *take_bytes(struct input *in, size_t max, size_t *len)
{
	size_t n = take(in);
	if (max > 255)
		n |= (size_t)take(in) << 8;
	n %= max + 1;
	const char *s = (const char *)in->p;

	if (n > in->left)
		n = in->left;
	in->p += n;
	in->left -= n;
	*len = n;
	return s;
}

struct run {
	struct hl_router *r;
	struct hl_route_worker w;
	struct hl_route_result pending[MAX_PENDING];
	unsigned n_pending;
	uint64_t now;
};

static void check_decision(struct run *run, const char *hint, size_t len, int rc,
			   const struct hl_route_result *res, uint64_t drops_before)
{
	const char *t;
	size_t tl;
	bool valid = len > 0 && hl_hint_check(hint, len, &t, &tl, NULL) == 0;
	uint64_t drops = 0;
	struct hl_replica_info info;

	for (int i = 0; i < HL_DROP_REASON_COUNT; i++)
		drops += run->w.stats.drop[i];
	if (rc != 0) {
		if (rc != -EAGAIN || res->reason != HL_ROUTE_NONE_AVAILABLE || res->replica != -1)
			abort();
		return;
	}
	if (res->replica < 0 || (uint32_t)res->replica >= hl_router_replica_count(run->r) ||
	    res->reason >= HL_ROUTE_NONE_AVAILABLE)
		abort();
	if (hl_replica_get(run->r, (uint32_t)res->replica, &info) != 0 ||
	    info.state != HL_REPLICA_UP)
		abort();
	if (len > 0 && !valid && (res->reason != HL_ROUTE_FALLBACK_NOHINT || drops == drops_before))
		abort();
	if (valid && res->reason == HL_ROUTE_FALLBACK_NOHINT)
		abort();
	if (res->reason == HL_ROUTE_HINT_HIT && info.hints_kind != HL_HINTS_LIST)
		abort();
}

static void do_decide(struct run *run, struct input *in)
{
	struct hl_route_req rq = {0};
	struct hl_route_result res;
	uint64_t drops = 0;
	int rc;

	rq.hint = take_bytes(in, HL_HINT_MAX_LEN + 8, &rq.hint_len);
	rq.client_key = take(in);
	run->now += (uint64_t)take(in) * 50000000ull; /* up to 12.75 s per step */
	rq.now_ns = run->now;
	for (int i = 0; i < HL_DROP_REASON_COUNT; i++)
		drops += run->w.stats.drop[i];
	rc = hl_route_decide(&run->w, &rq, &res);
	check_decision(run, rq.hint, rq.hint_len, rc, &res, drops);
	if (rc != 0)
		return;
	if (run->n_pending == MAX_PENDING) { /* full: complete the oldest first */
		hl_route_complete(&run->w, &run->pending[0], 0);
		memmove(run->pending, run->pending + 1,
			sizeof(run->pending[0]) * (MAX_PENDING - 1));
		run->n_pending--;
	}
	run->pending[run->n_pending++] = res;
}

static void do_complete(struct run *run, struct input *in)
{
	unsigned i;
	uint64_t latency;

	if (run->n_pending == 0)
		return;
	i = take(in) % run->n_pending;
	latency = (uint64_t)take(in) * 100000000ull; /* 0 (failure) .. 25.5 s */
	hl_route_complete(&run->w, &run->pending[i], latency);
	run->pending[i] = run->pending[--run->n_pending];
}

static void do_op(struct run *run, struct input *in)
{
	uint32_t n = hl_router_replica_count(run->r);
	uint8_t op = take(in) % OP_COUNT;
	char why[HL_ROUTE_ERR_MAX], name[16];
	size_t len;
	const char *v;

	switch (op) {
	case OP_ADD: {
		struct hl_replica_params p = {
			.name = name,
			.ipv4 = 0x0a000001u + n,
			.port = 8000,
			.weight = take(in) % 4,
			.concurrency = take(in) % 3,
		};
		snprintf(name, sizeof(name), "r%u", n);
		int id = hl_replica_add(run->r, &p, why, sizeof(why));
		if (n < MAX_REPLICAS ? id != (int)n : id != -ENOSPC) /* room: the next id */
			abort();
		break;
	}
	case OP_STATE: {
		uint32_t id = take(in) % (n + 1); /* n: no such replica */
		int st = take(in) % 4;            /* 3: not a state */
		int rc = hl_replica_set_state(run->r, id, (enum hl_replica_state)st);
		if (rc != (id >= n ? -ENOENT : st > 2 ? -EINVAL : 0))
			abort();
		break;
	}
	case OP_WEIGHT: {
		uint32_t id = take(in) % (n + 1);
		int rc = hl_replica_set_weight(run->r, id, take(in) % 5);
		if (id >= n ? rc != -ENOENT : rc != 0)
			abort();
		break;
	}
	case OP_HINTS: {
		uint32_t id = take(in) % (n + 1);
		uint8_t absent = take(in);
		v = take_bytes(in, 255, &len);
		int rc = hl_hints_replace_header(run->r, id, absent == 0xff ? NULL : v, len);
		if (id >= n ? rc != -ENOENT : (rc < 0 && rc != -ENOSPC))
			abort();
		break;
	}
	case OP_DECIDE:
		do_decide(run, in);
		break;
	case OP_COMPLETE:
		do_complete(run, in);
		break;
	case OP_RECLAIM:
		hl_route_quiescent(&run->w);
		hl_router_reclaim(run->r);
		break;
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal[] = {"fuzz_route", "--no-huge", "--no-shconf", "--no-pci",          "-l",
		       "0",          "-m",        "64",          "--log-level=error", NULL};

	(void)argc;
	(void)argv;
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {.p = data, .left = size};
	struct run run = {.now = 1};
	char why[HL_ROUTE_ERR_MAX];
	struct hl_router_params rp = {
		.name = "fuzz",
		.max_replicas = MAX_REPLICAS,
		.max_hints = 64, /* small: the table fills */
		.maglev_size = 251,
		.max_readers = 1,
	};
	struct hl_replica_info info;

	if (size < 1)
		return 0;
	rp.policy = (enum hl_route_policy)(take(&in) % HL_POLICY_COUNT);
	run.r = hl_router_create(&rp, why, sizeof(why));
	if (run.r == NULL || hl_route_worker_init(run.r, &run.w, true) != 0)
		abort();
	hl_route_worker_seed(&run.w, 1);
	while (in.left > 0)
		do_op(&run, &in);
	while (run.n_pending > 0)
		hl_route_complete(&run.w, &run.pending[--run.n_pending], 0);
	for (uint32_t id = 0; id < hl_router_replica_count(run.r); id++)
		if (hl_replica_get(run.r, id, &info) != 0 || info.inflight != 0)
			abort();
	hl_route_worker_fini(&run.w);
	hl_router_reclaim(run.r);
	hl_router_free(run.r);
	return 0;
}
