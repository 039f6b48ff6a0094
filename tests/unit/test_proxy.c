/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP proxy's request/response state machine, what it forwards
 * (proxy_harness.h: the real proxy on the real TCP stack, the test playing
 * clients and replicas, segments in and out, a virtual clock): hop-by-hop
 * fields removed and X-Forwarded-For added, the hints field stripped and
 * its list sent to the control thread (absent, empty, a list), keep-alive
 * and the replica connection pool, pipelining, HTTP/1.0, Connection: close
 * from either side, bodies (Content-Length, chunked, a body and the next
 * request in one segment, 100-continue, backpressure both ways), responses
 * without a body, close-delimited responses, heads in many pieces, routing
 * by hint. Errors, failures and timeouts: test_proxy_errors.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <rte_tcp.h>

#include "hintlb/http1.h"
#include "proxy_harness.h"
#include "proxy_priv.h"

#define ACK RTE_TCP_ACK_FLAG
#define RST RTE_TCP_RST_FLAG
#define FIN RTE_TCP_FIN_FLAG
#define PSH RTE_TCP_PSH_FLAG

/* Two replicas and the explain field on. */
static int setup2_explain(void **state)
{
	ph_config(2);
	snprintf(ph_cfg.routing.explain_header, sizeof(ph_cfg.routing.explain_header), "X-Route");
	return ph_setup(state);
}

/* One replica, heads up to 8 KiB (longer than one mbuf). */
static int setup1_long_heads(void **state)
{
	ph_config(1);
	ph_cfg.http.max_head = 8192;
	return ph_setup(state);
}

/* ---- forwarding ---- */

/*
 * A GET: the request line and the end-to-end fields go on, the hop-by-hop
 * ones do not (Connection and the field it names, Keep-Alive, TE, Upgrade),
 * X-Forwarded-For is appended. The response loses its hop-by-hop fields
 * and the hints field, whose list goes to the control thread.
 */
static void test_get_forwarded(void **state)
{
	struct ph_ep *c, *r;
	struct hl_replica_info info;

	(void)state;
	c = ph_client();
	assert_int_equal(t_ctr(HL_CTR_HTTP_ACCEPTED), 1);
	ph_send(c, "GET /v1/run?x=1 HTTP/1.1\r\n"
		   "Host: lb.example\r\n"
		   "Connection: Foo, keep-alive, upgrade\r\n"
		   "foo: bar\r\n"
		   "Keep-Alive: timeout=5\r\n"
		   "TE: trailers\r\n"
		   "Upgrade: websocket\r\n"
		   "User-Agent: t/1\r\n"
		   "\r\n");
	assert_int_equal(ph_syns, 1);
	r = ph_rep(0);
	assert_int_equal(r->pport, PH_REP_PORT);
	ph_expect_rx(r, "GET /v1/run?x=1 HTTP/1.1\r\n"
			"Host: lb.example\r\n"
			"User-Agent: t/1\r\n"
			"X-Forwarded-For: 10.0.0.7\r\n"
			"\r\n");
	assert_int_equal(t_ctr(HL_CTR_HTTP_REQUESTS), 1);
	assert_int_equal(t_ctr(HL_CTR_HTTP_UPGRADE_IGNORED), 1);
	assert_int_equal(t_ctr(HL_CTR_HTTP_POOL_OPENED), 1);
	assert_int_equal(hl_replica_get(ph_router, 0, &info), 0);
	assert_int_equal(info.inflight, 1); /* the routing slot is held until the response */
	assert_int_equal(c->len, 0);

	ph_send(r, "HTTP/1.1 200 OK\r\n"
		   "Content-Length: 5\r\n"
		   "X-Fal-Runner-Hints: model-a, model-b\r\n"
		   "Connection: keep-alive, X-Secret\r\n"
		   "X-Secret: 1\r\n"
		   "Keep-Alive: timeout=30\r\n"
		   "Server: r\r\n"
		   "\r\n"
		   "hello");
	ph_expect_rx(c, "HTTP/1.1 200 OK\r\n"
			"Content-Length: 5\r\n"
			"Server: r\r\n"
			"\r\n"
			"hello");
	assert_false(c->fin_in);
	assert_false(r->fin_in);
	ph_expect_hints(0, HL_HINTS_LIST, "model-a,model-b");
	ph_expect_no_msg();
	assert_int_equal(t_ctr(HL_CTR_HINTS_PASSED), 1);
	assert_int_equal(t_ctr(HL_CTR_HTTP_RESP_2XX), 1);
	assert_int_equal(hl_replica_get(ph_router, 0, &info), 0);
	assert_int_equal(info.inflight, 0);
	ph_expect_report("replica r0 requests", 1);
	ph_expect_report("replica r0 status_2xx", 1);
	ph_settle();
	/* the pooled connection went at its idle timeout, the client at its FIN */
	assert_int_equal(t_ctr(HL_CTR_HTTP_POOL_IDLE_CLOSED), 1);
	assert_true(r->fin_in);
}

/*
 * The hints field's three meanings reach the control thread as distinct
 * kinds; a value equal to the last one passed on sends nothing.
 */
static void test_hints_kinds(void **state)
{
	struct ph_ep *c, *r;

	(void)state;
	c = ph_client();
	r = ph_get(c, NULL,
		   "HTTP/1.1 200 OK\r\nX-Fal-Runner-Hints: a,b\r\nContent-Length: 0\r\n\r\n");
	ph_expect_rx(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	ph_expect_hints(0, HL_HINTS_LIST, "a,b");
	/* the same list, spelt differently: the entries are what counts */
	ph_get(c, r, "HTTP/1.1 200 OK\r\nX-Fal-Runner-Hints:  a , b \r\nContent-Length: 0\r\n\r\n");
	ph_expect_rx(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	ph_expect_no_msg();
	assert_int_equal(t_ctr(HL_CTR_HINTS_UNCHANGED), 1);
	/* a changed list; entries that are not tokens are left out */
	ph_get(c, r,
	       "HTTP/1.1 200 OK\r\nX-Fal-Runner-Hints: b, x y, fal-ai/c\r\n"
	       "Content-Length: 0\r\n\r\n");
	ph_expect_hints(0, HL_HINTS_LIST, "b,fal-ai/c");
	/* ab,c is not a,bc */
	ph_get(c, r, "HTTP/1.1 200 OK\r\nX-Fal-Runner-Hints: ab,c\r\nContent-Length: 0\r\n\r\n");
	ph_expect_hints(0, HL_HINTS_LIST, "ab,c");
	ph_get(c, r, "HTTP/1.1 200 OK\r\nX-Fal-Runner-Hints: a,bc\r\nContent-Length: 0\r\n\r\n");
	ph_expect_hints(0, HL_HINTS_LIST, "a,bc");
	/* empty: a generalist holding nothing */
	ph_get(c, r, "HTTP/1.1 200 OK\r\nX-Fal-Runner-Hints: \r\nContent-Length: 0\r\n\r\n");
	ph_expect_hints(0, HL_HINTS_EMPTY, "");
	ph_get(c, r, "HTTP/1.1 200 OK\r\nX-Fal-Runner-Hints:\r\nContent-Length: 0\r\n\r\n");
	ph_expect_no_msg();
	/* absent: the replica does not use hints */
	ph_get(c, r, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	ph_expect_hints(0, HL_HINTS_NONE, "");
	ph_get(c, r, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	ph_expect_no_msg();
	assert_int_equal(t_ctr(HL_CTR_HINTS_UNCHANGED), 3);
	assert_int_equal(t_ctr(HL_CTR_HINTS_PASSED), 6);
	assert_int_equal(c->len, strlen("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") * 7);
	assert_int_equal(ph_n_reps(), 1);
	/* an entry cut between two mbufs (segments over PX_COALESCE_MAX stay apart; the
	 * harness's max_head is 1024, so the body makes the second one long enough):
	 * copied out whole, the same as an entry read in place */
	{
		char pad1[561], pad2[201], body[301], resp[1400], fwd[1400];
		size_t cut;

		memset(pad1, 'p', 560);
		memset(pad2, 'q', 200);
		memset(body, 'b', 300);
		pad1[560] = pad2[200] = body[300] = '\0';
		snprintf(resp, sizeof(resp),
			 "HTTP/1.1 200 OK\r\nX-Pad: %s\r\nX-Fal-Runner-Hints: model-a, model-bb\r\n"
			 "X-Pad2: %s\r\nContent-Length: 300\r\n\r\n%s",
			 pad1, pad2, body);
		snprintf(fwd, sizeof(fwd),
			 "HTTP/1.1 200 OK\r\nX-Pad: %s\r\nX-Pad2: %s\r\nContent-Length: "
			 "300\r\n\r\n%s",
			 pad1, pad2, body);
		cut = (size_t)(strstr(resp, "model-bb") - resp) + 4; /* "mode" | "l-bb" */
		assert_true(cut > 512 && strlen(resp) - cut > 512);  /* PX_COALESCE_MAX */
		c->len = 0; /* the responses above, counted, not compared */
		c->rx[0] = '\0';
		ph_send(c, "GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
		ph_expect_rx(r, "GET /x HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.0.0.7\r\n\r\n");
		ph_send_segs(r, resp, strlen(resp), cut);
		ph_expect_rx(c, fwd);
		ph_expect_hints(0, HL_HINTS_LIST, "model-a,model-bb");
	}
	ph_settle();
}

/*
 * Heads longer than an mbuf's room are rebuilt into a chain: byte for byte
 * what a short head would give, the removed fields cut out wherever the
 * mbufs break (the 2 KiB boundaries fall inside the long fields).
 */
static void test_long_heads(void **state)
{
	struct ph_ep *c, *r;
	char pad[3][2101], req[8192], fwd[8192], resp[8192], back[8192];

	(void)state;
	for (int i = 0; i < 3; i++) {
		memset(pad[i], 'a' + i, 2100);
		pad[i][2100] = '\0';
	}
	snprintf(req, sizeof(req),
		 "GET /long HTTP/1.1\r\nHost: h\r\nX-A: %s\r\nConnection: X-B\r\nX-B: %s\r\n"
		 "X-C: %s\r\nTE: trailers\r\n\r\n",
		 pad[0], pad[1], pad[2]);
	snprintf(fwd, sizeof(fwd),
		 "GET /long HTTP/1.1\r\nHost: h\r\nX-A: %s\r\nX-C: %s\r\n"
		 "X-Forwarded-For: 10.0.0.7\r\n\r\n",
		 pad[0], pad[2]);
	snprintf(resp, sizeof(resp),
		 "HTTP/1.1 200 OK\r\nX-A: %s\r\nX-Fal-Runner-Hints: m1\r\nX-B: %s\r\n"
		 "Keep-Alive: timeout=5\r\nX-C: %s\r\nContent-Length: 0\r\n\r\n",
		 pad[0], pad[1], pad[2]);
	snprintf(back, sizeof(back),
		 "HTTP/1.1 200 OK\r\nX-A: %s\r\nX-B: %s\r\nX-C: %s\r\nContent-Length: "
		 "0\r\n\r\n",
		 pad[0], pad[1], pad[2]);
	assert_true(strlen(fwd) > 4200 && strlen(back) > 6300); /* three and four mbufs */
	c = ph_client();
	ph_send(c, req);
	r = ph_rep_with_rx();
	ph_expect_rx(r, fwd);
	ph_send(r, resp);
	ph_expect_rx(c, back);
	ph_expect_hints(0, HL_HINTS_LIST, "m1");
	assert_int_equal(t_ctr(HL_CTR_HTTP_RESP_2XX), 1);
	/* counted from the chain's pkt_len: every mbuf of it */
	assert_int_equal(t_ctr(HL_CTR_HTTP_BYTES_OUT), strlen(back));
	ph_settle();
}

/* ---- keep-alive and pipelining ---- */

static void test_keepalive_reuse(void **state)
{
	struct ph_ep *c, *r;

	(void)state;
	c = ph_client();
	r = ph_get_ok(c, NULL);
	ph_get_ok(c, r);
	assert_int_equal(ph_syns, 1);
	assert_int_equal(t_ctr(HL_CTR_HTTP_POOL_OPENED), 1);
	assert_int_equal(t_ctr(HL_CTR_HTTP_POOL_REUSED), 1);
	ph_expect_report("replica r0 conns_reused", 1);
	/* another client takes the same pooled connection */
	ph_get_ok(ph_client(), r);
	assert_int_equal(t_ctr(HL_CTR_HTTP_POOL_REUSED), 2);
	assert_int_equal(ph_syns, 1);
	ph_settle();
}

/* Two requests in one segment: the second goes on after the first's response, in order. */
static void test_pipelined(void **state)
{
	static const char two[] = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
				  "GET /2 HTTP/1.1\r\nHost: h\r\n\r\n";
	struct ph_ep *c, *r;

	(void)state;
	c = ph_client();
	ph_send_segs(c, two, strlen(two), 1400);
	r = ph_rep(0);
	ph_expect_rx(r, "GET /1 HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.0.0.7\r\n\r\n");
	ph_send(r, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1");
	ph_expect_rx(r, "GET /2 HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.0.0.7\r\n\r\n");
	ph_send(r, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2");
	ph_expect_rx(c, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1"
			"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2");
	assert_int_equal(t_ctr(HL_CTR_HTTP_REQUESTS), 2);
	assert_int_equal(ph_syns, 1);
	/* three, the last one cut between segments */
	ph_send(c, "GET /3 HTTP/1.1\r\nHost: h\r\n\r\nGET /4 HTTP/1.1\r\nHo");
	ph_expect_rx(r, "GET /3 HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.0.0.7\r\n\r\n");
	ph_send(c, "st: h\r\n\r\n");
	assert_int_equal(r->len, 0);
	ph_send(r, "HTTP/1.1 204 No Content\r\n\r\n");
	ph_expect_rx(r, "GET /4 HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.0.0.7\r\n\r\n");
	ph_send(r, "HTTP/1.1 204 No Content\r\n\r\n");
	ph_expect_rx(c, "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n");
	ph_settle();
}

/* HTTP/1.0 without keep-alive: Host added towards the replica, Connection: close, FIN. */
static void test_http10_close(void **state)
{
	struct ph_ep *c, *r;

	(void)state;
	c = ph_client();
	ph_send(c, "GET /a HTTP/1.0\r\nAccept: */*\r\n\r\n");
	r = ph_rep(0);
	ph_expect_rx(r, "GET /a HTTP/1.1\r\nAccept: */*\r\nHost: 10.0.0.7:8080\r\n"
			"X-Forwarded-For: 10.0.0.7\r\n\r\n");
	ph_send(r, PH_RESP_OK);
	ph_expect_rx(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
	assert_true(c->fin_in);
	assert_false(r->fin_in); /* the replica's connection is kept */
	ph_settle();
	assert_int_equal(t_ctr(HL_CTR_HTTP_POOL_IDLE_CLOSED), 1);
}

/* HTTP/1.0 with Connection: keep-alive: said back, the connection stays. */
static void test_http10_keepalive(void **state)
{
	static const char req[] = "GET /a HTTP/1.0\r\nHost: h\r\nConnection: keep-alive\r\n\r\n";
	static const char fwd[] = "GET /a HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.0.0.7\r\n\r\n";
	static const char resp[] =
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nhello";
	struct ph_ep *c, *r;

	(void)state;
	c = ph_client();
	ph_send(c, req);
	r = ph_rep(0);
	ph_expect_rx(r, fwd);
	ph_send(r, PH_RESP_OK);
	ph_expect_rx(c, resp);
	assert_false(c->fin_in);
	ph_send(c, req);
	ph_expect_rx(r, fwd);
	ph_send(r, PH_RESP_OK);
	ph_expect_rx(c, resp);
	assert_false(c->fin_in);
	/* a 1.0 request without keep-alive on the same connection ends it */
	ph_send(c, "GET /a HTTP/1.0\r\nHost: h\r\n\r\n");
	ph_expect_rx(r, fwd);
	ph_send(r, PH_RESP_OK);
	ph_expect_rx(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
	assert_true(c->fin_in);
	ph_settle();
}

/* Connection: close from the client: said back, FIN after the response; the replica's
 * connection stays pooled. */
static void test_client_close(void **state)
{
	struct ph_ep *c, *r;

	(void)state;
	c = ph_client();
	c->manual_close = true;
	ph_send(c, "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
		   "GET /next HTTP/1.1\r\nHost: h\r\n\r\n");
	r = ph_rep(0);
	ph_expect_rx(r, "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.0.0.7\r\n\r\n");
	ph_send(r, PH_RESP_OK);
	ph_expect_rx(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
	assert_true(c->fin_in);
	assert_false(r->fin_in);
	/* what the client sends after its close is not read */
	ph_send(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_int_equal(r->len, 0);
	assert_int_equal(t_ctr(HL_CTR_HTTP_REQUESTS), 1);
	ph_fin(c);
	ph_get_ok(ph_client(), r);
	assert_int_equal(t_ctr(HL_CTR_HTTP_POOL_REUSED), 1);
	ph_settle();
}

/* The replica says Connection: close: its connection is closed, never reused; the client's
 * stays open. */
static void test_replica_close(void **state)
{
	struct ph_ep *c, *r;

	(void)state;
	c = ph_client();
	r = ph_get(c, NULL,
		   "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
	ph_expect_rx(c, PH_RESP_OK);
	assert_false(c->fin_in);
	assert_true(r->fin_in); /* we close it */
	ph_get_ok(c, NULL);
	assert_int_equal(ph_syns, 2);
	assert_int_equal(t_ctr(HL_CTR_HTTP_POOL_REUSED), 0);
	ph_settle();
}

/* The replica closes an idle pooled connection (FIN, and FIN with the response): the next
 * request opens a new one. */
static void test_replica_fin(void **state)
{
	struct ph_ep *c, *r;

	(void)state;
	c = ph_client();
	r = ph_get_ok(c, NULL);
	ph_fin(r);
	assert_true(r->fin_in);
	assert_int_equal(t_ctr(HL_CTR_HTTP_POOL_PEER_CLOSED), 1);
	r = ph_get_ok(c, NULL);
	/* the response and the FIN in one segment */
	ph_send(c, "GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
	ph_expect_rx(r, "GET /x HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.0.0.7\r\n\r\n");
	r->fin_out = true;
	ph_seg(r, FIN | ACK | PSH, PH_RESP_OK, (uint16_t)strlen(PH_RESP_OK));
	ph_pump();
	ph_expect_rx(c, PH_RESP_OK);
	assert_true(r->fin_in);
	ph_get_ok(c, NULL);
	assert_int_equal(ph_syns, 3);
	assert_int_equal(t_ctr(HL_CTR_HTTP_POOL_REUSED), 1);
	assert_false(c->fin_in);
	ph_settle();
}

/* Bytes after a response that nobody asked for: the response is delivered intact, the
 * connection is not used again. */
static void test_unsolicited(void **state)
{
	struct ph_ep *c, *r;

	(void)state;
	c = ph_client();
	r = ph_get(c, NULL, PH_RESP_OK "EXTRA");
	ph_expect_rx(c, PH_RESP_OK);
	assert_true(r->fin_in);
	assert_int_equal(t_ctr(HL_CTR_HTTP_POOL_UNSOLICITED), 1);
	r = ph_get(c, NULL, "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\n\r\n");
	ph_expect_rx(c, "HTTP/1.1 204 No Content\r\n\r\n");
	assert_true(r->fin_in);
	/* on an idle pooled connection */
	r = ph_get_ok(c, NULL);
	ph_send(r, "surprise");
	assert_true(r->fin_in);
	assert_int_equal(t_ctr(HL_CTR_HTTP_POOL_UNSOLICITED), 3);
	ph_get_ok(c, NULL);
	assert_int_equal(ph_syns, 4);
	assert_int_equal(t_ctr(HL_CTR_HTTP_POOL_REUSED), 0);
	ph_settle();
}

/* ---- bodies ---- */

static uint8_t body[20000];

/* A Content-Length body in several segments reaches the replica intact, through a client
 * receive window smaller than the body. */
static void test_body_length(void **state)
{
	char head[128];
	struct ph_ep *c, *r;
	int n;

	(void)state;
	t_pattern(body, 0, sizeof(body));
	n = snprintf(head, sizeof(head),
		     "POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: %zu\r\n\r\n", sizeof(body));
	c = ph_client();
	ph_send(c, head);
	r = ph_rep(0);
	ph_expect_rx(r, "POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 20000\r\n"
			"X-Forwarded-For: 10.0.0.7\r\n\r\n");
	ph_send_segs(c, body, sizeof(body), 1000);
	assert_int_equal(r->len, sizeof(body));
	assert_memory_equal(r->rx, body, sizeof(body));
	r->len = 0;
	assert_int_equal(c->len, 0);
	ph_send(r, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
	ph_expect_rx(c, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(t_ctr(HL_CTR_HTTP_BYTES_IN), (uint64_t)n + sizeof(body));
	/* the response body, bigger than a window, the other way */
	n = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n",
		     sizeof(body));
	ph_send(c, "GET /down HTTP/1.1\r\nHost: h\r\n\r\n");
	r->len = 0;
	ph_send(r, head);
	ph_send_segs(r, body, sizeof(body), 1400);
	assert_int_equal(c->len, (uint32_t)n + sizeof(body));
	assert_memory_equal(c->rx, head, (size_t)n);
	assert_memory_equal(c->rx + n, body, sizeof(body));
	c->len = 0;
	ph_settle();
}

/* A chunked body goes on as it came, chunk framing and trailer included. */
static void test_body_chunked(void **state)
{
	static const char chunks[] = "5\r\nhello\r\n"
				     "1;ext=1\r\n \r\n"
				     "6\r\nworld!\r\n"
				     "0\r\nX-Trailer: t\r\n\r\n";
	struct ph_ep *c, *r;

	(void)state;
	c = ph_client();
	ph_send(c, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
	r = ph_rep(0);
	ph_expect_rx(r, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
			"X-Forwarded-For: 10.0.0.7\r\n\r\n");
	ph_send_segs(c, chunks, strlen(chunks), 7);
	ph_expect_rx(r, chunks);
	/* a chunked response, and the next request after it on the same connections */
	ph_send(r, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
	ph_send_segs(r, chunks, strlen(chunks), 9);
	ph_expect_rx(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			"5\r\nhello\r\n1;ext=1\r\n \r\n6\r\nworld!\r\n0\r\nX-Trailer: t\r\n\r\n");
	ph_get_ok(c, r);
	ph_settle();
}

/* A body and the next request in one segment: the body part goes on, the request waits. */
static void test_body_then_pipelined(void **state)
{
	static const char seg[] = "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n"
				  "0123456789"
				  "GET /g HTTP/1.1\r\nHost: h\r\n\r\n";
	struct ph_ep *c, *r;

	(void)state;
	c = ph_client();
	ph_send_segs(c, seg, strlen(seg), 1400);
	r = ph_rep(0);
	ph_expect_rx(r, "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n"
			"X-Forwarded-For: 10.0.0.7\r\n\r\n0123456789");
	ph_send(r, PH_RESP_OK);
	ph_expect_rx(r, "GET /g HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.0.0.7\r\n\r\n");
	ph_send(r, PH_RESP_OK);
	ph_expect_rx(c, PH_RESP_OK PH_RESP_OK);
	/* the split lands inside a chunked body's last segment too */
	ph_send(c, "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab");
	ph_send(c, "c\r\n0\r\n\r\nGET /h HTTP/1.1\r\nHost: h\r\n\r\n");
	ph_expect_rx(r, "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
			"X-Forwarded-For: 10.0.0.7\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
	ph_send(r, PH_RESP_OK);
	ph_expect_rx(r, "GET /h HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.0.0.7\r\n\r\n");
	ph_send(r, PH_RESP_OK);
	ph_expect_rx(c, PH_RESP_OK PH_RESP_OK);
	assert_int_equal(ph_syns, 1);
	ph_settle();
}

/* Expect: 100-continue: the replica's 100 reaches the client, then the body goes on. */
static void test_expect_continue(void **state)
{
	struct ph_ep *c, *r;

	(void)state;
	c = ph_client();
	ph_send(c, "PUT /b HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n"
		   "Expect: 100-continue\r\n\r\n");
	r = ph_rep(0);
	ph_expect_rx(r, "PUT /b HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n"
			"Expect: 100-continue\r\nX-Forwarded-For: 10.0.0.7\r\n\r\n");
	ph_send(r, "HTTP/1.1 100 Continue\r\n\r\n");
	ph_expect_rx(c, "HTTP/1.1 100 Continue\r\n\r\n");
	assert_int_equal(t_ctr(HL_CTR_HTTP_RESP_1XX), 1);
	ph_send(c, "data");
	ph_expect_rx(r, "data");
	ph_send(r, PH_RESP_OK);
	ph_expect_rx(c, PH_RESP_OK);
	ph_get_ok(c, r);
	/* an HTTP/1.0 client gets no interim response */
	ph_send(c, "PUT /b HTTP/1.0\r\nHost: h\r\nContent-Length: 4\r\n"
		   "Connection: keep-alive\r\n\r\nabcd");
	r->len = 0;
	ph_send(r, "HTTP/1.1 102 Processing\r\n\r\n" PH_RESP_OK);
	ph_expect_rx(c,
		     "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nhello");
	ph_settle();
}

/* HEAD, 204 and 304 have no body whatever their fields say; the next response follows. */
static void test_no_body_responses(void **state)
{
	struct ph_ep *c, *r;

	(void)state;
	c = ph_client();
	ph_send(c, "HEAD /h HTTP/1.1\r\nHost: h\r\n\r\n");
	r = ph_rep(0);
	ph_expect_rx(r, "HEAD /h HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.0.0.7\r\n\r\n");
	ph_send(r, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
	ph_expect_rx(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
	ph_get(c, r, "HTTP/1.1 204 No Content\r\n\r\n");
	ph_expect_rx(c, "HTTP/1.1 204 No Content\r\n\r\n");
	ph_get(c, r, "HTTP/1.1 304 Not Modified\r\nETag: \"1\"\r\n\r\n");
	ph_expect_rx(c, "HTTP/1.1 304 Not Modified\r\nETag: \"1\"\r\n\r\n");
	ph_get_ok(c, r);
	assert_int_equal(ph_syns, 1);
	assert_int_equal(t_ctr(HL_CTR_HTTP_RESP_2XX), 3);
	assert_int_equal(t_ctr(HL_CTR_HTTP_RESP_3XX), 1);
	ph_settle();
}

/* No length: the body ends with the replica's FIN, and the client's connection with it. */
static void test_close_delimited(void **state)
{
	struct ph_ep *c, *r;

	(void)state;
	c = ph_client();
	r = ph_get(c, NULL, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\npart one,");
	ph_expect_rx(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
			"part one,");
	ph_send(r, " part two");
	ph_expect_rx(c, " part two");
	assert_false(c->fin_in);
	ph_fin(r);
	assert_true(c->fin_in);
	assert_int_equal(c->len, 0);
	assert_false(c->rst_in);
	assert_int_equal(t_ctr(HL_CTR_HTTP_RESP_2XX), 1);
	ph_settle();
}

/* The replica answers before the request body is whole (413): the answer goes to the
 * client, then both connections close; the rest of the body is not read. */
static void test_early_response(void **state)
{
	struct ph_ep *c, *r;

	(void)state;
	c = ph_client();
	c->manual_close = true;
	ph_send(c, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n0123456789");
	r = ph_rep(0);
	r->len = 0;
	ph_send(r, "HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n\r\n");
	ph_expect_rx(c, "HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n"
			"Connection: close\r\n\r\n");
	assert_true(c->fin_in);
	assert_true(r->fin_in);
	assert_int_equal(t_ctr(HL_CTR_HTTP_EARLY_RESPONSE), 1);
	ph_send(c, "more body");
	assert_int_equal(r->len, 0);
	ph_fin(c);
	ph_settle();
}

/*
 * Heads that arrive in many small pieces, both ways, one byte per segment:
 * the proxy copies small segments together (px_buf_push), so they take an
 * mbuf per 2 KiB, not one per byte, and go on whole; what a burst of such
 * segments holds comes back to the pool (checked at teardown). A head in
 * more pieces than the rewriting sees at once (64 mbufs: only heads over
 * 64 KiB, which max_head refuses first) is refused rather than forwarded
 * with fields missing.
 */
static void test_split_heads(void **state)
{
	static const char req[] = "POST /split HTTP/1.1\r\nHost: h\r\n"
				  "X-Pad: 0123456789012345678901234567890123456789\r\n"
				  "Content-Length: 4\r\n\r\nbody";
	static const char resp[] = "HTTP/1.1 200 OK\r\nX-Fal-Runner-Hints: m\r\n"
				   "X-Pad: 0123456789012345678901234567890123456789\r\n"
				   "Content-Length: 2\r\n\r\nok";
	struct ph_ep *c, *r;

	unsigned before;

	(void)state;
	c = ph_client();
	before = rte_mempool_in_use_count(t_pool);
	ph_send_segs(c, req, 80, 1); /* 80 one-byte segments of an unfinished head */
	assert_in_range(rte_mempool_in_use_count(t_pool), before, before + 2);
	ph_send_segs(c, req + 80, strlen(req) - 80, 1);
	r = ph_rep(0);
	ph_expect_rx(r, "POST /split HTTP/1.1\r\nHost: h\r\n"
			"X-Pad: 0123456789012345678901234567890123456789\r\n"
			"Content-Length: 4\r\nX-Forwarded-For: 10.0.0.7\r\n\r\nbody");
	ph_send_segs(r, resp, strlen(resp), 1);
	ph_expect_rx(c, "HTTP/1.1 200 OK\r\nX-Pad: 0123456789012345678901234567890123456789\r\n"
			"Content-Length: 2\r\n\r\nok");
	ph_expect_hints(0, HL_HINTS_LIST, "m");
	assert_int_equal(ph_syns, 1);
	ph_settle();
}

/*
 * Backpressure both ways: while one peer does not read, the proxy holds at
 * most [http] queue_bytes (64 KiB) plus a window for it and stops opening
 * the other peer's window; when it reads again, everything arrives intact.
 */
static void test_backpressure(void **state)
{
	static uint8_t big[200000];
	const char *head = "HTTP/1.1 200 OK\r\nContent-Length: 200000\r\n\r\n";
	struct ph_ep *c, *r;
	uint32_t off = 0, hl = (uint32_t)strlen(head);

	(void)state;
	t_pattern(big, 0, sizeof(big));
	c = ph_client();
	ph_send(c, "GET /big HTTP/1.1\r\nHost: h\r\n\r\n");
	r = ph_rep(0);
	r->len = 0;
	ph_set_wnd(c, 0);
	ph_send(r, head);
	ph_send_window(r, big, &off, sizeof(big));
	assert_true(off >= ph_cfg.http.queue_bytes - hl);
	assert_true(off <= ph_cfg.http.queue_bytes + T_RCV_BUF);
	assert_int_equal(c->len, 0);
	ph_set_wnd(c, 65535);
	ph_send_rest(r, big, &off, sizeof(big));
	assert_int_equal(c->len, hl + sizeof(big));
	assert_memory_equal(c->rx, head, hl);
	assert_memory_equal(c->rx + hl, big, sizeof(big));
	c->len = 0;
	/* the other way: the replica does not read an upload */
	ph_send(c, "POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 200000\r\n\r\n");
	ph_set_wnd(r, 0);
	off = 0;
	ph_send_window(c, big, &off, sizeof(big));
	assert_true(off >= ph_cfg.http.queue_bytes);
	assert_true(off <= ph_cfg.http.queue_bytes + T_RCV_BUF);
	ph_set_wnd(r, 65535);
	ph_send_rest(c, big, &off, sizeof(big));
	assert_memory_equal(r->rx + r->len - sizeof(big), big, sizeof(big));
	ph_send(r, PH_RESP_OK);
	ph_expect_rx(c, PH_RESP_OK);
	ph_settle();
}

/* ---- routing ---- */

/* A GET whose hint is @p len bytes of 'a'. */
static const char *hint_req(unsigned len)
{
	static char req[512];
	int n = snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: h\r\nX-Fal-Runner-Hint: ");

	assert_true(n + len + 4 < sizeof(req));
	memset(req + n, 'a', len);
	memcpy(req + n + len, "\r\n\r\n", 5);
	return req;
}

#define RESP_Q "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Fal-Runner-Hints: q\r\n\r\n"

/*
 * A hinted request goes to the replica the routing core picks (the one that
 * advertises the hint); the same unknown hint goes to the same replica; a
 * list learned from a response, applied by the control side, routes the
 * next request.
 */
static void test_routing(void **state)
{
	struct hl_ctrl_msg m;
	struct ph_ep *c, *r;
	uint16_t port;

	(void)state;
	assert_int_equal(hl_hints_replace_header(ph_router, 1, "model-b", 7), 1);
	c = ph_client();
	ph_send(c, "GET / HTTP/1.1\r\nHost: h\r\nX-Fal-Runner-Hint: model-b\r\n\r\n");
	r = ph_rep_with_rx();
	assert_int_equal(r->pport, PH_REP_PORT + 1);
	ph_expect_rx(r, "GET / HTTP/1.1\r\nHost: h\r\nX-Fal-Runner-Hint: model-b\r\n"
			"X-Forwarded-For: 10.0.0.7\r\n\r\n");
	ph_send(r, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Fal-Runner-Hints: model-b\r\n\r\n");
	ph_expect_rx(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
			"X-Route: replica=r1; reason=hint_hit\r\n\r\n");
	ph_expect_hints(1, HL_HINTS_LIST, "model-b");
	/* a hint nobody holds: the same replica every time */
	ph_send(c, "GET / HTTP/1.1\r\nHost: h\r\nX-Fal-Runner-Hint: nobody\r\n\r\n");
	r = ph_rep_with_rx();
	port = r->pport;
	r->len = 0;
	ph_send(r, RESP_Q);
	assert_non_null(strstr(c->rx, "reason=fallback_hint\r\n"));
	c->len = 0;
	assert_true(ph_msg_take(&m));
	assert_int_equal(m.replica, port - PH_REP_PORT);
	for (unsigned i = 0; i < 3; i++) {
		struct ph_ep *c2 = ph_client();

		ph_send(c2, "GET / HTTP/1.1\r\nHost: h\r\nX-Fal-Runner-Hint: nobody\r\n\r\n");
		r = ph_rep_with_rx();
		assert_int_equal(r->pport, port);
		r->len = 0;
		ph_send(r, RESP_Q);
		assert_non_null(strstr(c2->rx, "reason=fallback_hint\r\n"));
	}
	ph_expect_no_msg();
	/* the control thread applies what the worker learned: "q" now routes there */
	assert_int_equal(hl_hints_replace_header(ph_router, m.replica, m.value, m.len), 1);
	ph_send(c, "GET / HTTP/1.1\r\nHost: h\r\nX-Fal-Runner-Hint: q\r\n\r\n");
	r = ph_rep_with_rx();
	assert_int_equal(r->pport, port);
	r->len = 0;
	ph_send(r, RESP_Q);
	assert_non_null(strstr(c->rx, "reason=hint_hit\r\n"));
	ph_expect_no_msg();
	/* no usable hint (too long, or given twice): Maglev of the client's address */
	c->len = 0;
	ph_send(c, hint_req(HL_HTTP1_HINT_MAX + 1));
	assert_non_null(strstr(ph_rep_with_rx()->rx, "X-Fal-Runner-Hint: aaaa"));
	ph_answer(RESP_Q);
	assert_non_null(strstr(c->rx, "reason=fallback_nohint\r\n"));
	c->len = 0;
	ph_send(c, "GET / HTTP/1.1\r\nHost: h\r\nX-Fal-Runner-Hint: q\r\n"
		   "X-Fal-Runner-Hint: q\r\n\r\n");
	ph_answer(RESP_Q);
	assert_non_null(strstr(c->rx, "reason=fallback_nohint\r\n"));
	c->len = 0;
	ph_send(c, hint_req(HL_HTTP1_HINT_MAX)); /* the longest hint is one */
	ph_answer(RESP_Q);
	assert_non_null(strstr(c->rx, "reason=fallback_hint\r\n"));
	ph_settle();
}

/* A configuration the proxy cannot use is refused with the reason. */
static void test_create_errors(void **state)
{
	char err[256] = "";

	(void)state;
	snprintf(ph_cfg.routing.hint_header, sizeof(ph_cfg.routing.hint_header), "X Hint");
	errno = 0;
	assert_null(hl_proxy_create(t_w, &ph_cfg, &ph_shared, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, "hint_header"));
	snprintf(ph_cfg.routing.hint_header, sizeof(ph_cfg.routing.hint_header),
		 "X-Fal-Runner-Hint");
	/* a working proxy (the listener's) is unaffected */
	ph_get_ok(ph_client(), NULL);
	ph_settle();
}

/* X-Forwarded-For's and Host's address formatter against snprintf: every octet value in
 * every position (1, 2 and 3 digits), with and without a port. */
static void test_fmt_ipv4(void **state)
{
	static const unsigned ports[] = {0, 1, 9, 10, 80, 8080, 65535};
	char got[32], want[32];

	(void)state;
	for (unsigned pos = 0; pos < 4; pos++)
		for (unsigned v = 0; v < 256; v++)
			for (unsigned k = 0; k < RTE_DIM(ports); k++) {
				uint8_t b[4] = {10, 0, 7, 255};
				uint32_t be;
				char *end;
				int n;

				b[pos] = (uint8_t)v;
				memcpy(&be, b, 4);
				end = px_fmt_ipv4(got, be, (int)ports[k]);
				*end = '\0';
				n = snprintf(want, sizeof(want), "%u.%u.%u.%u", b[0], b[1], b[2],
					     b[3]);
				if (ports[k] != 0)
					snprintf(want + n, sizeof(want) - (size_t)n, ":%u",
						 ports[k]);
				assert_string_equal(got, want);
				assert_true(end - got <= 21);
			}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_get_forwarded, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_hints_kinds, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_long_heads, setup1_long_heads, ph_teardown),
		cmocka_unit_test_setup_teardown(test_keepalive_reuse, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_pipelined, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_http10_close, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_http10_keepalive, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_client_close, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_replica_close, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_replica_fin, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_unsolicited, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_body_length, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_body_chunked, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_body_then_pipelined, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_expect_continue, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_no_body_responses, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_close_delimited, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_early_response, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_split_heads, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_backpressure, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_routing, setup2_explain, ph_teardown),
		cmocka_unit_test_setup_teardown(test_create_errors, ph_setup1, ph_teardown),
		cmocka_unit_test(test_fmt_ipv4),
	};

	return cmocka_run_group_tests(tests, t_net_group_setup, t_net_group_teardown);
}
