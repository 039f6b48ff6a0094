/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target on the HTTP proxy (`mode = http`): the real proxy on the real TCP stack
 * through tests/unit/proxy_harness.c (two replicas, [http] limits and timeouts of ph_config(),
 * a virtual clock), the fuzz input playing clients and replicas: what they send (raw bytes or
 * one of a few well-formed requests and responses, so the deep states are near), when they
 * close, reset, stop or resume reading, how a replica answers the proxy's SYNs, and time.
 * Each input gets a fresh worker, stack and proxy. Afterwards every client closes, every
 * window opens and the clock runs until pooled connections and TIME-WAIT are gone: then no
 * connection, proxy object (client, server, request), routing slot, mbuf or control message
 * may be left (a leak aborts), and what a client received must be a response (it starts
 * with "HTTP/1.", as far as it came). The harness's own checks (segments only inside the window
 * hintlb advertised, data sent past a hole, a pump that does not settle) abort too: cmocka's
 * assertions abort outside a test run (CMOCKA_TEST_ABORT=1).
 *
 * Input: one byte of configuration (CF_* below: one replica, one connection per replica,
 * two requests at most, the explain header, the hints header kept, no X-Forwarded-For),
 * then records of two bytes, op then arg, and for the sending ops arg bytes of data:
 *   op & 15   what: 0 a new client (6 at most); 1 client k sends arg bytes; 2 replica
 *             connection k sends arg bytes; 3/4 client k FIN/RST; 5/6 replica k FIN/RST;
 *             7 the clock moves arg * 20 ms; 8 replicas answer SYNs by k % 3 (accept,
 *             refuse, silent); 9 client k's window: arg & 1 ? open : zero; 10 the same for
 *             replica k; 11 client k sends request template arg % N_REQ; 12 replica k sends
 *             response template arg % N_RESP
 *   op >> 4   k, taken modulo the clients (connections to replicas) there are
 * Data goes out in segments of at most 64 * (k + 1) bytes and never past the window edge
 * (the rest is dropped). Input stops being read once 22 connections exist (the harness
 * keeps 32).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_tcp.h>

#include "proxy_harness.h"

/* The first input byte: the configuration (ph_config(2) but for what its bits say). */
#define CF_ONE_REPLICA  0x01 /* one replica (a retry goes to the same one) */
#define CF_ONE_CONN     0x02 /* replica_conns_max 1: requests wait for the connection */
#define CF_FEW_REQUESTS 0x04 /* max_requests 2: 503 beyond */
#define CF_EXPLAIN      0x08 /* [routing] explain_header on */
#define CF_KEEP_HINTS   0x10 /* the hints header reaches the client */
#define CF_NO_XFF       0x20 /* no X-Forwarded-For */

#define MAX_CLIENTS 6
#define MAX_EPS     22

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_proxy: check failed at %s:%d: %s\n", __FILE__,       \
				__LINE__, #cond);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static const char *const req_tpl[] = {
	"GET /a HTTP/1.1\r\nHost: h\r\nX-Fal-Runner-Hint: m1\r\n\r\n",
	"GET /b HTTP/1.1\r\nHost: h\r\n\r\nGET /c HTTP/1.1\r\nHost: h\r\nX-Fal-Runner-Hint: "
	"m2\r\n\r\n",
	"POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
	"POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
	"POST /e HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
	"GET /0 HTTP/1.0\r\n\r\n",
	"HEAD /h HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
	"GET /u HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: upgrade, x-a\r\nX-A: "
	"1\r\n\r\n",
	"POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\n",
};
#define N_REQ (sizeof(req_tpl) / sizeof(req_tpl[0]))

static const char *const resp_tpl[] = {
	"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Fal-Runner-Hints: m1,m2\r\n\r\nhello",
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
	"HTTP/1.1 204 No Content\r\nX-Fal-Runner-Hints:\r\n\r\n",
	"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
	"HTTP/1.1 100 Continue\r\n\r\n",
	"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end",
	"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
	"HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n",
	"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n",
	"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n",
};
#define N_RESP (sizeof(resp_tpl) / sizeof(resp_tpl[0]))

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("CMOCKA_TEST_ABORT", "1", 1); /* a harness assertion aborts: a crash */
	CHECK(t_net_group_setup(NULL) == 0);
	return 0;
}

static bool ep_open(const struct ph_ep *e)
{
	return !e->rst_in && !e->rst_out && !e->fin_out && !(e->fin_in && e->fin_out);
}

/* The k-th (modulo) client or replica connection, NULL when there is none. */
static struct ph_ep *pick(bool replica, unsigned k)
{
	unsigned n = 0, i;

	for (i = 0; i < ph_n_eps; i++)
		n += ph_eps[i].replica == replica;
	if (n == 0)
		return NULL;
	k %= n;
	for (i = 0; i < ph_n_eps; i++)
		if (ph_eps[i].replica == replica && k-- == 0)
			return &ph_eps[i];
	return NULL;
}

/* @p len bytes from @p e, in segments of at most @p seg, as far as hintlb's window takes. */
static void send_some(struct ph_ep *e, const uint8_t *p, size_t len, size_t seg)
{
	if (e == NULL || !ep_open(e))
		return;
	while (len != 0) {
		int32_t room = (int32_t)(e->edge - e->seq);
		uint16_t n = (uint16_t)RTE_MIN(len, seg);

		if (room <= 0)
			return;
		n = (uint16_t)RTE_MIN((uint32_t)n, (uint32_t)room);
		ph_seg(e, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, p, n);
		ph_pump();
		if (!ep_open(e))
			return;
		p += n;
		len -= n;
	}
}

static void set_wnd(struct ph_ep *e, bool open)
{
	if (e != NULL && ep_open(e))
		ph_set_wnd(e, open ? 65535 : 0);
}

/* Clients close, windows open, time passes: nothing may be left. */
static void settle(void)
{
	uint32_t cl, sv, rq;

	for (unsigned i = 0; i < ph_n_eps; i++) {
		struct ph_ep *e = &ph_eps[i];

		/* a peer that closed its side may still read: open its window too */
		if (!e->rst_in && !e->rst_out && !(e->fin_in && e->fin_out) && e->wnd == 0)
			ph_set_wnd(e, 65535);
		e->len = 0; /* what it received was checked as it came */
	}
	for (unsigned i = 0; i < ph_n_eps; i++)
		if (!ph_eps[i].replica && ep_open(&ph_eps[i]))
			ph_fin(&ph_eps[i]);
	for (unsigned ms = 0; ms < 200000; ms += 500) {
		ph_advance(500);
		hl_proxy_in_use(ph_px, &cl, &sv, &rq);
		if (t_tcp_conns() == 0 && cl == 0 && sv == 0 && rq == 0)
			return;
	}
	fprintf(stderr,
		"fuzz_proxy: not settled: %u connections, %u clients, %u servers, %u requests\n",
		t_tcp_conns(), cl, sv, rq);
	for (unsigned i = 0; i < ph_n_eps; i++) {
		const struct ph_ep *e = &ph_eps[i];

		fprintf(stderr,
			"  %s %u <-> %u: fin in %d out %d, rst in %d out %d, window %u, %u bytes "
			"received\n",
			e->replica ? "replica" : "client", e->hport, e->pport, e->fin_in,
			e->fin_out, e->rst_in, e->rst_out, e->wnd, e->len);
	}
	abort();
}

/* Every byte a client received is a response: a status line first. */
static void check_clients(void)
{
	for (unsigned i = 0; i < ph_n_eps; i++) {
		struct ph_ep *e = &ph_eps[i];

		if (!e->replica &&
		    e->len != 0) /* (a zero window's probes bring a byte at a time) */
			CHECK(memcmp(e->rx, "HTTP/1.", RTE_MIN(e->len, 7u)) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i = 1;
	unsigned n_clients = 0, cf = size != 0 ? data[0] : 0;

	ph_config(cf & CF_ONE_REPLICA ? 1 : 2);
	if (cf & CF_ONE_CONN)
		ph_cfg.http.replica_conns_max = 1;
	if (cf & CF_FEW_REQUESTS)
		ph_cfg.http.max_requests = 2;
	if (cf & CF_EXPLAIN)
		snprintf(ph_cfg.routing.explain_header, sizeof(ph_cfg.routing.explain_header),
			 "X-Hintlb-Explain");
	if (cf & CF_KEEP_HINTS)
		ph_cfg.routing.strip_hints = false;
	if (cf & CF_NO_XFF)
		ph_cfg.http.x_forwarded_for = false;
	CHECK(ph_setup(NULL) == 0);
	while (i + 2 <= size && ph_n_eps < MAX_EPS) {
		unsigned op = data[i] & 15, k = data[i] >> 4, arg = data[i + 1];
		size_t seg = 64 * (k + 1);
		const uint8_t *p = data + i + 2;
		size_t len = 0;
		const char *s;

		i += 2;
		if (op == 1 || op == 2) {
			len = RTE_MIN((size_t)arg, size - i);
			i += len;
		}
		switch (op) {
		case 0:
			if (n_clients < MAX_CLIENTS) {
				ph_client();
				n_clients++;
			}
			break;
		case 1:
			send_some(pick(false, k), p, len, seg);
			break;
		case 2:
			send_some(pick(true, k), p, len, seg);
			break;
		case 3:
		case 5:
			if (pick(op == 5, k) != NULL && ep_open(pick(op == 5, k)))
				ph_fin(pick(op == 5, k));
			break;
		case 4:
		case 6:
			if (pick(op == 6, k) != NULL && ep_open(pick(op == 6, k)))
				ph_rst(pick(op == 6, k));
			break;
		case 7:
			ph_advance(arg * 20u);
			break;
		case 8:
			ph_rep_mode = (enum ph_rep_mode)(k % 3);
			break;
		case 9:
		case 10:
			set_wnd(pick(op == 10, k), arg & 1);
			break;
		case 11:
			s = req_tpl[arg % N_REQ];
			send_some(pick(false, k), (const uint8_t *)s, strlen(s), seg);
			break;
		case 12:
			s = resp_tpl[arg % N_RESP];
			send_some(pick(true, k), (const uint8_t *)s, strlen(s), seg);
			break;
		default:
			break;
		}
		check_clients();
	}
	ph_rep_mode = PH_REP_ACCEPT;
	settle();
	CHECK(ph_teardown(NULL) == 0);
	return 0;
}
