/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the control socket: the bytes a client sends, cut
 * into reads at points the input chooses, go through the line reader
 * (ctrl_client_feed) into the real command table (ctrl_dispatch) on a real
 * router and struct hl_ctrl, made afresh for each input so that no run
 * inherits another's replicas.
 *
 * Input: byte 0 chooses the cuts (low 7 bits: 0 = one read, else the seed of
 * read sizes 1..97) and whether a long line follows (high bit: the rest is
 * sent, then HL_CTRL_LINE_MAX spaces without a '\n', then the rest again,
 * which must go unanswered); the rest is what the client sends.
 *
 * What must hold whatever the bytes:
 *   - every line gets exactly one answer, in order, a JSON object with a
 *     boolean "ok" and, when false, a string "error"; a line that reaches
 *     HL_CTRL_LINE_MAX bytes gets one error and nothing after it is read;
 *   - the reader keeps the client unless its answers fill HL_CTRL_OUT_MAX;
 *   - the workers (daemon ops) hear only of replicas the router then takes:
 *     a valid name not taken, a host address, the next id;
 *   - ASan/UBSan: no memory error, no leak once everything is freed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <rte_common.h>
#include <rte_eal.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "ctrl_state.h"
#include "hintlb/ctrl_msg.h"
#include "hintlb/route.h"

#define N_START      3
#define MAX_REPLICAS 8
#define NOW          1000

static struct rte_ring *ring;
static struct rte_mempool *msgs;
static struct hl_config cfg;
static uint8_t spaces[HL_CTRL_LINE_MAX]; /* the long line */

struct run {
	struct hl_router *r;
	struct hl_ctrl *c;
	struct ctrl_client cl;
	unsigned added; /* replicas the workers were told of */
	/* what the reader must have done, from our own scan of the bytes */
	size_t line_len;   /* bytes of the line in progress */
	unsigned expected; /* answers */
	bool too_long;     /* a line reached HL_CTRL_LINE_MAX: nothing after it counts */
	unsigned answers;
	bool dropped; /* the reader let the client go: its answers filled HL_CTRL_OUT_MAX */
	uint64_t rng;
};

static int on_replica_added(void *arg, uint32_t id, const char *name, uint32_t addr, uint16_t port)
{
	struct run *run = arg;

	if (!hl_replica_name_ok(name) || hl_replica_find(run->r, name) >= 0 ||
	    id != hl_router_replica_count(run->r) || id >= MAX_REPLICAS ||
	    hl_host_problem(addr) != NULL || port == 0)
		abort();
	run->added++;
	return 0;
}

static json_t *on_command(void *arg, const char *cmd, json_t *req)
{
	(void)arg;
	(void)req;
	/* the daemon's own commands; anything else is unknown */
	return strcmp(cmd, "config") == 0 ? json_pack("{s:b}", "ok", 1) : NULL;
}

static const struct hl_ctrl_daemon_ops ops = {.replica_added = on_replica_added,
					      .command = on_command};

/* What the reader must answer for @p n more bytes, by the rule and not by its code. */
static void expect(struct run *run, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n && !run->too_long; i++) {
		if (p[i] == '\n') {
			run->expected++;
			run->line_len = 0;
		} else if (++run->line_len == HL_CTRL_LINE_MAX) {
			run->expected++; /* the error */
			run->too_long = true;
		}
	}
}

/* Take the queued answers (as if written) and check each. */
static void take_answers(struct run *run)
{
	size_t off = 0;

	while (off < run->cl.out_len) {
		const char *line = run->cl.out + off;
		const char *nl = memchr(line, '\n', run->cl.out_len - off);
		json_t *j, *ok;

		if (nl == NULL)
			abort(); /* answers are whole lines */
		j = json_loadb(line, (size_t)(nl - line), 0, NULL);
		ok = json_object_get(j, "ok");
		if (!json_is_object(j) || !json_is_boolean(ok) ||
		    (json_is_false(ok) && !json_is_string(json_object_get(j, "error"))))
			abort();
		json_decref(j);
		run->answers++;
		off = (size_t)(nl + 1 - run->cl.out);
	}
	run->cl.out_len = run->cl.out_off = 0;
}

static void send_bytes(struct run *run, const uint8_t *p, size_t n, unsigned cuts)
{
	while (n > 0 && !run->dropped) {
		size_t step = n;

		if (cuts != 0) {
			run->rng ^= run->rng << 13;
			run->rng ^= run->rng >> 7;
			run->rng ^= run->rng << 17;
			step = RTE_MIN(n, (size_t)(run->rng % 97) + 1);
		}
		expect(run, p, step);
		if (!ctrl_client_feed(&run->c->sock, &run->cl, (const char *)p, step, NOW)) {
			if (run->cl.out_len + HL_CTRL_LINE_MAX < HL_CTRL_OUT_MAX)
				abort(); /* dropped with room left */
			run->dropped = true;
		}
		take_answers(run);
		p += step;
		n -= step;
	}
}

static struct hl_router *router_new(void)
{
	struct hl_router_params rp = {
		.name = "fuzz_ctrl",
		.max_replicas = MAX_REPLICAS,
		.max_hints = 64, /* small: the table fills */
		.maglev_size = 251,
		.max_readers = 1,
	};
	char why[HL_ROUTE_ERR_MAX], name[8];
	struct hl_router *r = hl_router_create(&rp, why, sizeof(why));

	if (r == NULL)
		abort();
	for (uint32_t i = 0; i < N_START; i++) {
		struct hl_replica_params p = {
			.name = name, .ipv4 = 0x0a000001 + i, .port = 8000, .weight = 1};

		snprintf(name, sizeof(name), "r%u", i);
		if (hl_replica_add(r, &p, why, sizeof(why)) != (int)i)
			abort();
	}
	return r;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal[] = {"fuzz_ctrl", "--no-huge", "--no-shconf", "--no-pci",          "-l",
		       "0",         "-m",        "64",          "--log-level=error", NULL};

	(void)argc;
	(void)argv;
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0)
		abort();
	/* nothing is ever enqueued: the control state only needs them to exist */
	ring = rte_ring_create("fuzz_ctrl", 64, SOCKET_ID_ANY, RING_F_SC_DEQ);
	msgs = rte_mempool_create("fuzz_ctrl", 63, sizeof(struct hl_ctrl_msg), 0, 0, NULL, NULL,
				  NULL, NULL, SOCKET_ID_ANY, 0);
	if (ring == NULL || msgs == NULL)
		abort();
	cfg.routing.max_replicas = MAX_REPLICAS;
	memset(spaces, ' ', sizeof(spaces));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run run = {.cl = {.fd = -1}};
	unsigned cuts;
	bool long_line;

	if (size < 1)
		return 0;
	cuts = data[0] & 0x7f;
	long_line = (data[0] & 0x80) != 0;
	run.rng = 0x9e3779b97f4a7c15ull * (cuts + 1);
	run.r = router_new();
	run.c = hl_ctrl_create(run.r, &cfg, ring, msgs);
	if (run.c == NULL)
		abort();
	run.c->sock.handler = ctrl_dispatch; /* as hl_ctrl_open_socket() sets it */
	run.c->sock.arg = run.c;
	hl_ctrl_set_daemon_ops(run.c, &ops, &run);
	send_bytes(&run, data + 1, size - 1, cuts);
	if (long_line) {
		send_bytes(&run, spaces, sizeof(spaces), cuts);
		send_bytes(&run, data + 1, size - 1, cuts);
		if (!run.too_long && !run.dropped)
			abort(); /* our own scan says so too */
	}
	if (!run.dropped &&
	    (run.answers != run.expected || run.cl.closing != run.too_long ||
	     run.c->sock.st.too_long != (run.too_long ? 1u : 0u) ||
	     run.c->sock.st.requests != run.expected - run.c->sock.st.too_long ||
	     (run.too_long ? run.cl.in_len != HL_CTRL_LINE_MAX : run.cl.in_len != run.line_len)))
		abort();
	if (run.added != hl_router_replica_count(run.r) - N_START)
		abort(); /* the router took every replica the workers heard of */
	hl_ctrl_poll(run.c, 0);
	ctrl_client_release(&run.cl);
	hl_ctrl_free(run.c);
	hl_router_free(run.r);
	return 0;
}
