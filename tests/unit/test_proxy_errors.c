/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP proxy's error paths (proxy_harness.h: the real proxy on the
 * real TCP stack, the test playing clients and replicas, segments in and
 * out, a virtual clock): every status the proxy answers itself (400, 408,
 * 413, 414, 417, 431, 501, 502, 503, 504, 505) with its counter, nothing of a
 * refused request reaching a replica; replicas that refuse, ignore, reset,
 * close or answer nonsense, with the one retry where nothing had reached
 * them and the health events sent to the control thread; clients that go
 * away; the pool's wait queue; the keep-alive timeouts on both sides.
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

#define ACK RTE_TCP_ACK_FLAG
#define RST RTE_TCP_RST_FLAG
#define FIN RTE_TCP_FIN_FLAG
#define PSH RTE_TCP_PSH_FLAG

/* One connection per replica at most: requests wait for it. */
static int setup1_conn(void **state)
{
	ph_config(1);
	ph_cfg.http.replica_conns_max = 1;
	return ph_setup(state);
}

/* ---- errors the proxy answers itself ---- */

/* @p req gets @p status (its status line and Connection: close), then FIN; nothing reaches a
 * replica. */
static void expect_refused(const char *req, unsigned status, const char *reason)
{
	char line[128];
	struct ph_ep *c = ph_client();
	unsigned syns = ph_syns;

	ph_send(c, req);
	snprintf(line, sizeof(line), "HTTP/1.1 %u %s\r\nContent-Type: text/plain\r\n", status,
		 reason);
	assert_true(c->len > strlen(line));
	assert_memory_equal(c->rx, line, strlen(line));
	assert_non_null(strstr(c->rx, "\r\nConnection: close\r\n"));
	assert_true(c->fin_in);
	assert_int_equal(ph_syns, syns);
	c->len = 0;
	c->rx[0] = '\0';
}

/* A head the parser refuses: 400 with the reason, counted, and no SYN at all. */
static void test_400(void **state)
{
	(void)state;
	expect_refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
		       "Transfer-Encoding: chunked\r\n\r\n",
		       400, "Bad Request");
	assert_int_equal(t_ctr(HL_CTR_HTTP_REQ_REJECTED), 1);
	assert_int_equal(t_ctr(HL_CTR_HTTP_RESP_4XX), 1);
	ph_expect_report("http_req_rejected_cl_te", 1);
	assert_int_equal(t_ctr(HL_CTR_HTTP_REQUESTS), 0);
	/* RFC 9112 6.3: a request whose final coding is not chunked is a 400 too */
	expect_refused("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", 400,
		       "Bad Request");
	ph_expect_report("http_req_rejected_te_not_chunked", 1);
	ph_settle();
}

static void test_400_body(void **state)
{
	struct ph_ep *c, *r;

	(void)state;
	c = ph_client();
	ph_send(c, "GET /x HTTP/1.1\r\nHost: h\r\nContent-Length: x\r\n\r\n");
	assert_non_null(strstr(c->rx, "cl_invalid\n"));
	c->len = 0;
	/* a malformed chunk after the head went on: 400, and the replica's connection drops */
	c = ph_client();
	ph_send(c, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
	r = ph_rep(0);
	ph_send(c, "zz\r\n");
	assert_memory_equal(c->rx, "HTTP/1.1 400 Bad Request\r\n", 26);
	assert_non_null(strstr(c->rx, "chunk_size\n"));
	assert_true(c->fin_in);
	assert_true(r->rst_in);
	assert_int_equal(t_ctr(HL_CTR_HTTP_REQ_REJECTED), 2);
	ph_settle();
}

/* "GET /aaa... HTTP/1.0" with a request line of @p line bytes, and the final CRLF. */
static const char *long_get(unsigned line)
{
	static char req[1200];

	assert_true(line + 4 < sizeof(req));
	memcpy(req, "GET /", 5);
	memset(req + 5, 'a', line - 14);
	memcpy(req + line - 9, " HTTP/1.0\r\n\r\n", 14);
	return req;
}

/*
 * Limits (max_head 1024, max_fields 16): a request line too long to fit in
 * the head is a 414, too many fields or too big a head a 431.
 */
static void test_414_431(void **state)
{
	static char req[1200];
	char *p;

	(void)state;
	expect_refused(long_get(1100), 414, "URI Too Long");
	/* the longest line that fits, with its CRLF and the final one */
	assert_int_equal(strlen(long_get(1020)), 1024);
	ph_send(ph_client(), long_get(1020));
	assert_int_equal(ph_syns, 1);
	assert_int_equal(ph_rep(0)->len, 1020 + 2 + 21 + 27 + 2); /* + Host, X-Forwarded-For */
	ph_send(ph_rep(0), PH_RESP_OK);
	expect_refused(long_get(1021), 414, "URI Too Long");
	p = req + sprintf(req, "GET / HTTP/1.1\r\nHost: h\r\n");
	for (unsigned i = 0; i < 16; i++)
		p += sprintf(p, "F%u: v\r\n", i);
	sprintf(p, "\r\n");
	expect_refused(req, 431, "Request Header Fields Too Large");
	p = req + sprintf(req, "GET / HTTP/1.1\r\nHost: h\r\nBig: ");
	memset(p, 'b', 1000);
	sprintf(p + 1000, "\r\n\r\n");
	expect_refused(req, 431, "Request Header Fields Too Large");
	ph_expect_report("http_req_rejected_line_too_long", 2);
	ph_expect_report("http_req_rejected_too_many_fields", 1);
	ph_expect_report("http_req_rejected_head_too_large", 1);
	ph_settle();
}

static void test_501_505(void **state)
{
	(void)state;
	expect_refused("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
		       501, "Not Implemented");
	expect_refused("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n", 501, "Not Implemented");
	expect_refused("GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505, "HTTP Version Not Supported");
	assert_int_equal(t_ctr(HL_CTR_HTTP_RESP_5XX), 3);
	ph_expect_report("http_req_rejected_te_unsupported", 1);
	ph_settle();
}

/* Half a head and then nothing: 408 after client_head_timeout_ms. A connection that sends
 * nothing at all is closed silently. */
static void test_408(void **state)
{
	struct ph_ep *c, *quiet;

	(void)state;
	quiet = ph_client();
	c = ph_client();
	ph_send(c, "GET / HTTP/1.1\r\nHost");
	ph_advance(PH_HEAD_MS - 1);
	assert_int_equal(c->len, 0);
	assert_false(quiet->fin_in);
	ph_advance(1);
	assert_memory_equal(c->rx, "HTTP/1.1 408 Request Timeout\r\n", 30);
	assert_true(c->fin_in);
	assert_true(quiet->fin_in);
	assert_int_equal(quiet->len, 0);
	assert_int_equal(t_ctr(HL_CTR_HTTP_408), 1);
	assert_int_equal(t_ctr(HL_CTR_HTTP_CLIENT_IDLE_CLOSED), 1);
	assert_int_equal(ph_syns, 0);
	/* a body that stops: 408 too, and the replica's connection is dropped */
	c = ph_client();
	ph_send(c, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9\r\n\r\nabc");
	ph_advance(PH_HEAD_MS);
	assert_memory_equal(c->rx, "HTTP/1.1 408 Request Timeout\r\n", 30);
	assert_true(ph_rep(0)->rst_in);
	assert_int_equal(t_ctr(HL_CTR_HTTP_408), 2);
	ph_settle();
}

static void test_417(void **state)
{
	struct ph_ep *c;

	(void)state;
	expect_refused("PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nExpect: 200-ok\r\n\r\n",
		       417, "Expectation Failed");
	assert_int_equal(t_ctr(HL_CTR_HTTP_417), 1);
	/* a HEAD gets the head of the answer only */
	c = ph_client();
	ph_send(c, "HEAD / HTTP/1.1\r\nHost: h\r\nExpect: x\r\n\r\n");
	assert_memory_equal(c->rx, "HTTP/1.1 417 Expectation Failed\r\n", 33);
	assert_int_equal(strcmp(c->rx + c->len - 4, "\r\n\r\n"), 0);
	assert_non_null(strstr(c->rx, "Content-Length: 39\r\n")); /* the body it lacks */
	assert_true(c->fin_in);
	ph_settle();
}

/* [http] max_body_kib 1: up to 1024 bytes of request body. */
static int setup_body_limit(void **state)
{
	ph_config(1);
	ph_cfg.http.max_body_kib = 1;
	return ph_setup(state);
}

/*
 * A Content-Length over the limit is a 413 before any replica hears of it;
 * exactly the limit goes through; a chunked body is counted as it streams,
 * and the chunk that passes the limit gets a 413 while the replica's
 * connection, holding half a request, is reset.
 */
static void test_413(void **state)
{
	static char buf[2048];
	struct ph_ep *c, *r;
	size_t n;

	(void)state;
	expect_refused("PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 1025\r\n\r\n", 413,
		       "Content Too Large");
	assert_int_equal(t_ctr(HL_CTR_HTTP_413), 1);
	assert_int_equal(t_ctr(HL_CTR_HTTP_RESP_4XX), 1);

	c = ph_client();
	ph_send(c, "PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 1024\r\n\r\n");
	memset(buf, 'b', 1024);
	ph_send_segs(c, buf, 1024, 512);
	r = ph_rep_with_rx();
	assert_non_null(strstr(r->rx, "Content-Length: 1024\r\n"));
	assert_int_equal(memcmp(r->rx + r->len - 1024, buf, 1024), 0);
	ph_answer(PH_RESP_OK);
	ph_expect_rx(c, PH_RESP_OK);

	c = ph_client();
	ph_send(c, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
	n = (size_t)snprintf(buf, sizeof(buf), "400\r\n");
	memset(buf + n, 'c', 1024);
	memcpy(buf + n + 1024, "\r\n", 2);
	ph_send_segs(c, buf, n + 1026, 512); /* 1024: the limit, still fine */
	assert_false(c->fin_in);
	assert_int_equal(t_ctr(HL_CTR_HTTP_413), 1);
	r = ph_rep_with_rx();
	ph_send(c, "1\r\nx\r\n"); /* 1025 */
	assert_memory_equal(c->rx, "HTTP/1.1 413 Content Too Large\r\n", 32);
	assert_true(c->fin_in);
	assert_true(r->rst_in);
	assert_int_equal(t_ctr(HL_CTR_HTTP_413), 2);
	ph_settle();
}

/* No usable replica: 503 and no SYN. */
static void test_503_no_replica(void **state)
{
	(void)state;
	assert_int_equal(hl_replica_set_state(ph_router, 0, HL_REPLICA_DOWN), 0);
	expect_refused("GET / HTTP/1.1\r\nHost: h\r\n\r\n", 503, "Service Unavailable");
	assert_int_equal(t_ctr(HL_CTR_HTTP_503_NO_REPLICA), 1);
	ph_settle();
}

/* More requests in progress than [http] max_requests (8): 503 for the ninth. */
static void test_503_max_requests(void **state)
{
	struct ph_ep *c[9];

	(void)state;
	for (unsigned i = 0; i < 9; i++) {
		c[i] = ph_client();
		ph_send(c[i], "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
	}
	assert_int_equal(ph_syns, 4); /* replica_conns_max; four requests wait */
	assert_int_equal(t_ctr(HL_CTR_HTTP_POOL_WAITED), 4);
	assert_memory_equal(c[8]->rx, "HTTP/1.1 503 Service Unavailable\r\n", 34);
	assert_true(c[8]->fin_in);
	assert_int_equal(t_ctr(HL_CTR_HTTP_503_NO_MEMORY), 1);
	for (unsigned done = 0, round = 0; done < 8; round++) {
		assert_true(round < 8);
		for (unsigned i = 0; i < ph_n_eps; i++) {
			if (ph_eps[i].replica && ph_eps[i].len != 0) {
				ph_eps[i].len = 0;
				ph_send(&ph_eps[i], PH_RESP_OK);
				done++;
			}
		}
	}
	for (unsigned i = 0; i < 8; i++)
		ph_expect_rx(c[i], PH_RESP_OK);
	ph_settle();
}

/* ---- the replica fails ---- */

/* The replica refuses: one retry (a second SYN), then 502; both failures go to the control
 * thread. */
static void test_502_refused(void **state)
{
	struct ph_ep *c;

	(void)state;
	ph_rep_mode = PH_REP_REFUSE;
	c = ph_client();
	ph_send(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_int_equal(ph_syns, 2);
	assert_int_equal(ph_n_reps(), 2);
	assert_int_equal(t_ctr(HL_CTR_HTTP_RETRIES), 1);
	assert_int_equal(t_ctr(HL_CTR_HTTP_502_CONNECT), 1);
	assert_memory_equal(c->rx, "HTTP/1.1 502 Bad Gateway\r\n", 26);
	assert_true(c->fin_in);
	ph_expect_health(0, HL_CTRL_HEALTH_CONNECT_FAIL);
	ph_expect_health(0, HL_CTRL_HEALTH_CONNECT_FAIL);
	ph_expect_no_msg();
	assert_int_equal(t_ctr(HL_CTR_HEALTH_EVENTS), 2);
	ph_expect_report("replica r0 errors", 2);
	/* the next success ends the run */
	ph_rep_mode = PH_REP_ACCEPT;
	ph_get_ok(ph_client(), NULL);
	ph_expect_hints(0, HL_HINTS_NONE, "");
	ph_expect_health(0, HL_CTRL_HEALTH_OK);
	ph_expect_no_msg();
	ph_settle();
}

/* The replica ignores the SYN: the connect timeout, one retry, then 502. */
static void test_502_connect_timeout(void **state)
{
	struct ph_ep *c;

	(void)state;
	ph_rep_mode = PH_REP_SILENT;
	c = ph_client();
	ph_send(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_int_equal(ph_syns, 1);
	ph_advance(PH_CONNECT_MS - 1);
	assert_int_equal(ph_syns, 1);
	ph_advance(1);
	assert_int_equal(ph_syns, 2);
	assert_int_equal(t_ctr(HL_CTR_HTTP_RETRIES), 1);
	assert_int_equal(c->len, 0);
	ph_advance(PH_CONNECT_MS);
	assert_memory_equal(c->rx, "HTTP/1.1 502 Bad Gateway\r\n", 26);
	assert_int_equal(t_ctr(HL_CTR_HTTP_502_CONNECT), 1);
	ph_expect_health(0, HL_CTRL_HEALTH_CONNECT_FAIL);
	ph_expect_health(0, HL_CTRL_HEALTH_CONNECT_FAIL);
	ph_settle();
	assert_int_equal(ph_syns, 2); /* the aborted opens sent nothing more */
}

/* The same with a body that came with the head (both kinds of framing): the retry sends the
 * head and the body again from the references kept; nothing of it is lost or leaked
 * (ph_teardown counts the mbufs). Found by fuzz_proxy. */
static void test_502_connect_timeout_body(void **state)
{
	static const char *const reqs[] = {
		"POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
		"POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: "
		"chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
	};

	(void)state;
	ph_rep_mode = PH_REP_SILENT;
	for (unsigned i = 0; i < 2; i++) {
		struct ph_ep *c = ph_client();

		ph_send(c, reqs[i]);
		ph_advance(2 * PH_CONNECT_MS);
		assert_int_equal(t_ctr(HL_CTR_HTTP_RETRIES), i + 1);
		assert_memory_equal(c->rx, "HTTP/1.1 502 Bad Gateway\r\n", 26);
		assert_int_equal(t_ctr(HL_CTR_HTTP_502_CONNECT), i + 1);
		ph_expect_health(0, HL_CTRL_HEALTH_CONNECT_FAIL);
		ph_expect_health(0, HL_CTRL_HEALTH_CONNECT_FAIL);
	}
	ph_settle();
}

/* An unparseable response: 502 (not retried: the request reached the replica), the
 * replica's connection closed, a 5xx health event. */
static void test_502_bad_response(void **state)
{
	struct ph_ep *c, *r;

	(void)state;
	c = ph_client();
	r = ph_get(c, NULL, "HTTP/1.1 20 OK\r\n\r\n");
	assert_memory_equal(c->rx, "HTTP/1.1 502 Bad Gateway\r\n", 26);
	assert_true(c->fin_in);
	assert_true(r->fin_in);
	assert_int_equal(ph_syns, 1);
	assert_int_equal(t_ctr(HL_CTR_HTTP_502_BAD_RESPONSE), 1);
	assert_int_equal(t_ctr(HL_CTR_HTTP_RETRIES), 0);
	ph_expect_report("http_resp_rejected_status", 1);
	ph_expect_health(0, HL_CTRL_HEALTH_5XX);
	ph_expect_no_msg();
	/* a bad chunk in a response body that already started: the client is reset */
	c = ph_client();
	r = ph_get(c, NULL, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n");
	ph_send(r, "x\r\n");
	assert_true(c->rst_in);
	assert_true(r->fin_in);
	assert_int_equal(t_ctr(HL_CTR_HTTP_RESP_TRUNCATED), 1);
	ph_settle();
}

/* 101 to a request whose Upgrade the proxy removed: the replica broke the protocol, 502. */
static void test_502_switching(void **state)
{
	struct ph_ep *c;

	(void)state;
	c = ph_client();
	ph_get(c, NULL, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n");
	assert_memory_equal(c->rx, "HTTP/1.1 502 Bad Gateway\r\n", 26);
	assert_true(c->fin_in);
	assert_int_equal(t_ctr(HL_CTR_HTTP_502_BAD_RESPONSE), 1);
	ph_settle();
}

/* A chunked response to an HTTP/1.0 client: HTTP/1.0 has no chunked coding, so the
 * content goes on without its framing (chunk sizes, extensions and trailers dropped, cut
 * where the segments fall), Transfer-Encoding is removed and the close ends the body; the
 * replica's connection, whose framing was whole, stays in the pool. */
static void test_http10_chunked(void **state)
{
	struct ph_ep *c, *r;

	(void)state;
	c = ph_client();
	ph_send(c, "GET / HTTP/1.0\r\nHost: h\r\n\r\n");
	r = ph_rep(0);
	ph_send(r, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: "
		   "1\r\n\r\n2\r\nok\r\n3;e=1\r\n an");
	ph_send(r, "\r\n4\r\nswer\r\n0\r\nT: 1\r\n\r\n");
	ph_expect_rx(c, "HTTP/1.1 200 OK\r\nX-A: 1\r\nConnection: close\r\n\r\nok answer");
	assert_true(c->fin_in);
	assert_false(r->fin_in);
	assert_int_equal(t_ctr(HL_CTR_HTTP_CHUNKED_TO_HTTP10), 1);
	assert_int_equal(t_ctr(HL_CTR_HTTP_502_BAD_RESPONSE), 0);
	ph_expect_hints(0, HL_HINTS_NONE, "");
	ph_expect_no_msg();
	ph_settle();
}

/* A 5xx from the replica is passed on and reported as a health event. */
static void test_5xx_health(void **state)
{
	struct ph_ep *c, *r;

	(void)state;
	c = ph_client();
	r = ph_get(c, NULL, "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n");
	ph_expect_rx(c, "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n");
	ph_expect_hints(0, HL_HINTS_NONE, "");
	ph_expect_health(0, HL_CTRL_HEALTH_5XX);
	ph_get_ok(c, r);
	ph_expect_health(0, HL_CTRL_HEALTH_OK);
	ph_expect_no_msg();
	assert_int_equal(t_ctr(HL_CTR_HTTP_RESP_5XX), 1);
	ph_settle();
}

/* The replica accepts and never answers: 504 after replica_response_timeout_ms, its
 * connection reset. */
static void test_504(void **state)
{
	struct ph_ep *c;

	(void)state;
	c = ph_client();
	ph_send(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
	ph_advance(PH_RESP_MS - 1);
	assert_int_equal(c->len, 0);
	ph_advance(1);
	assert_memory_equal(c->rx, "HTTP/1.1 504 Gateway Timeout\r\n", 30);
	assert_true(c->fin_in);
	assert_true(ph_rep(0)->rst_in);
	assert_int_equal(t_ctr(HL_CTR_HTTP_504), 1);
	assert_int_equal(t_ctr(HL_CTR_HTTP_RETRIES), 0);
	ph_expect_health(0, HL_CTRL_HEALTH_TIMEOUT);
	/* half a response head is no answer either */
	c = ph_client();
	ph_send(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
	ph_send(ph_rep(1), "HTTP/1.1 200 OK\r\nConte");
	ph_advance(PH_RESP_MS);
	assert_memory_equal(c->rx, "HTTP/1.1 504 Gateway Timeout\r\n", 30);
	assert_int_equal(t_ctr(HL_CTR_HTTP_504), 2);
	ph_settle();
}

/* The replica resets in the middle of a response: the client is reset too. */
static void test_replica_reset_mid_response(void **state)
{
	struct ph_ep *c, *r;

	(void)state;
	c = ph_client();
	r = ph_get(c, NULL, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345");
	ph_expect_rx(c, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345");
	ph_rst(r);
	assert_true(c->rst_in);
	assert_int_equal(t_ctr(HL_CTR_HTTP_RESP_TRUNCATED), 1);
	ph_expect_hints(0, HL_HINTS_NONE, "");
	ph_expect_health(0, HL_CTRL_HEALTH_RESET);
	/* a FIN in the middle of a response is the same */
	c = ph_client();
	r = ph_get(c, NULL, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345");
	ph_fin(r);
	assert_true(c->rst_in);
	assert_int_equal(t_ctr(HL_CTR_HTTP_RESP_TRUNCATED), 2);
	ph_settle();
}

/* The replica resets after the request reached it, before any response: 502, no retry. */
static void test_502_reset_before_response(void **state)
{
	struct ph_ep *c;

	(void)state;
	c = ph_client();
	ph_send(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
	ph_rst(ph_rep(0));
	assert_memory_equal(c->rx, "HTTP/1.1 502 Bad Gateway\r\n", 26);
	assert_int_equal(t_ctr(HL_CTR_HTTP_502_RESET), 1);
	assert_int_equal(t_ctr(HL_CTR_HTTP_RETRIES), 0);
	assert_int_equal(ph_syns, 1);
	ph_settle();
}

/*
 * A request on a pooled connection the replica was closing (RST or FIN
 * before it acknowledged any of the request) is sent again on a new
 * connection: the client never sees the race.
 */
static void test_retry_pooled(void **state)
{
	static uint8_t big[9000];
	struct ph_ep *c, *r;

	(void)state;
	c = ph_client();
	r = ph_get_ok(c, NULL);
	ph_hold_acks(r);
	ph_send(c, "GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_int_equal(t_ctr(HL_CTR_HTTP_POOL_REUSED), 1);
	ph_rst(r);
	assert_int_equal(t_ctr(HL_CTR_HTTP_RETRIES), 1);
	assert_int_equal(ph_syns, 2);
	r = ph_rep(1);
	ph_expect_rx(r, "GET /x HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.0.0.7\r\n\r\n");
	ph_send(r, PH_RESP_OK);
	ph_expect_rx(c, PH_RESP_OK);
	/* FIN instead of RST */
	ph_hold_acks(r);
	ph_send(c, "GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
	ph_fin(r);
	assert_int_equal(t_ctr(HL_CTR_HTTP_RETRIES), 2);
	assert_int_equal(ph_syns, 3);
	r->hold_ack = false; /* the old connection may go now */
	ph_seg(r, ACK, NULL, 0);
	ph_pump();
	r = ph_rep(2);
	ph_expect_rx(r, "GET /x HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.0.0.7\r\n\r\n");
	ph_send(r, PH_RESP_OK);
	ph_expect_rx(c, PH_RESP_OK);
	assert_int_equal(t_ctr(HL_CTR_HTTP_RESP_5XX), 0);
	ph_expect_hints(0, HL_HINTS_NONE, "");
	ph_expect_health(0, HL_CTRL_HEALTH_RESET);
	ph_expect_health(0, HL_CTRL_HEALTH_OK);
	ph_expect_health(0, HL_CTRL_HEALTH_RESET);
	ph_expect_health(0, HL_CTRL_HEALTH_OK);
	ph_expect_no_msg();
	/* part of a body went out unacknowledged: head and part are sent again, the rest
	 * follows on the new connection */
	ph_hold_acks(r);
	ph_send(c, "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n01234");
	ph_rst(r);
	assert_int_equal(t_ctr(HL_CTR_HTTP_RETRIES), 3);
	r = ph_rep(3);
	ph_send(c, "56789");
	ph_expect_rx(r, "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n"
			"X-Forwarded-For: 10.0.0.7\r\n\r\n0123456789");
	ph_send(r, PH_RESP_OK);
	ph_expect_rx(c, PH_RESP_OK);
	/* more pieces than the proxy keeps for a replay (8): no retry, 502 */
	ph_hold_acks(r);
	ph_send(c, "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 9000\r\n\r\n");
	ph_send_segs(c, big, sizeof(big), 1000);
	ph_rst(r);
	assert_int_equal(t_ctr(HL_CTR_HTTP_RETRIES), 3);
	assert_memory_equal(c->rx, "HTTP/1.1 502 Bad Gateway\r\n", 26);
	assert_int_equal(t_ctr(HL_CTR_HTTP_502_RESET), 1);
	assert_int_equal(ph_syns, 4);
	ph_settle();
}

/* One connection per replica: a second request waits for it, or gets 503 after
 * replica_queue_timeout_ms. */
static void test_pool_wait(void **state)
{
	struct ph_ep *c1, *c2, *r;

	(void)state;
	c1 = ph_client();
	c2 = ph_client();
	ph_send(c1, "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n");
	r = ph_rep(0);
	ph_send(c2, "GET /2 HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_int_equal(ph_syns, 1);
	assert_int_equal(t_ctr(HL_CTR_HTTP_POOL_WAITED), 1);
	ph_expect_rx(r, "GET /1 HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.0.0.7\r\n\r\n");
	ph_send(r, PH_RESP_OK);
	ph_expect_rx(c1, PH_RESP_OK);
	ph_expect_rx(r, "GET /2 HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.0.0.7\r\n\r\n");
	ph_send(r, PH_RESP_OK);
	ph_expect_rx(c2, PH_RESP_OK);
	/* the connection stays busy: the waiter times out */
	ph_send(c1, "GET /3 HTTP/1.1\r\nHost: h\r\n\r\n");
	ph_send(c2, "GET /4 HTTP/1.1\r\nHost: h\r\n\r\n");
	ph_advance(PH_QUEUE_MS);
	assert_memory_equal(c2->rx, "HTTP/1.1 503 Service Unavailable\r\n", 34);
	assert_true(c2->fin_in);
	assert_int_equal(t_ctr(HL_CTR_HTTP_503_QUEUE_TIMEOUT), 1);
	ph_expect_rx(r, "GET /3 HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.0.0.7\r\n\r\n");
	ph_send(r, PH_RESP_OK);
	ph_expect_rx(c1, PH_RESP_OK);
	/* a request waiting for a connection is not a slow client: its body waits with it */
	c2 = ph_client();
	ph_send(c1, "GET /5 HTTP/1.1\r\nHost: h\r\n\r\n");
	ph_send(c2, "POST /6 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc");
	ph_advance(PH_HEAD_MS + 100);
	assert_int_equal(c2->len, 0);
	assert_int_equal(t_ctr(HL_CTR_HTTP_408), 0);
	ph_expect_rx(r, "GET /5 HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.0.0.7\r\n\r\n");
	ph_send(r, PH_RESP_OK);
	ph_expect_rx(c1, PH_RESP_OK);
	ph_expect_rx(r, "POST /6 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
			"X-Forwarded-For: 10.0.0.7\r\n\r\nabc");
	ph_send(r, PH_RESP_OK);
	ph_expect_rx(c2, PH_RESP_OK);
	/* a client that goes away while its request waits */
	c2 = ph_client();
	ph_send(c1, "GET /7 HTTP/1.1\r\nHost: h\r\n\r\n");
	ph_send(c2, "GET /8 HTTP/1.1\r\nHost: h\r\n\r\n");
	ph_rst(c2);
	assert_int_equal(t_ctr(HL_CTR_HTTP_CLIENT_ABORTED), 1);
	ph_expect_rx(r, "GET /7 HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.0.0.7\r\n\r\n");
	ph_send(r, PH_RESP_OK);
	ph_expect_rx(c1, PH_RESP_OK);
	assert_int_equal(r->len, 0);
	/* the connection fails under a request: the waiting one gets a new connection */
	c2 = ph_client();
	ph_send(c1, "GET /9 HTTP/1.1\r\nHost: h\r\n\r\n");
	ph_send(c2, "GET /10 HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_int_equal(ph_syns, 1);
	ph_rst(r);
	assert_memory_equal(c1->rx, "HTTP/1.1 502 Bad Gateway\r\n", 26);
	assert_int_equal(ph_syns, 2);
	r = ph_rep(1);
	ph_expect_rx(r, "GET /10 HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.0.0.7\r\n\r\n");
	ph_send(r, PH_RESP_OK);
	ph_expect_rx(c2, PH_RESP_OK);
	ph_settle();
}

/* The client goes away mid-request (RST, or FIN inside the body): the replica's connection
 * is dropped with it. */
static void test_client_aborted(void **state)
{
	struct ph_ep *c, *r;

	(void)state;
	c = ph_client();
	ph_send(c, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nabc");
	r = ph_rep(0);
	ph_rst(c);
	assert_true(r->rst_in);
	assert_int_equal(t_ctr(HL_CTR_HTTP_CLIENT_ABORTED), 1);
	/* waiting for the response */
	c = ph_client();
	ph_send(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
	r = ph_rep(1);
	ph_rst(c);
	assert_true(r->rst_in);
	assert_int_equal(t_ctr(HL_CTR_HTTP_CLIENT_ABORTED), 2);
	/* in the middle of the response body */
	c = ph_client();
	r = ph_get(c, NULL, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345");
	ph_rst(c);
	assert_true(r->rst_in);
	assert_int_equal(t_ctr(HL_CTR_HTTP_CLIENT_ABORTED), 3);
	/* FIN inside the body: the request can never be whole */
	c = ph_client();
	ph_send(c, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nabc");
	r = ph_rep(3);
	ph_fin(c);
	assert_true(r->rst_in);
	assert_true(c->fin_in);
	assert_int_equal(t_ctr(HL_CTR_HTTP_CLIENT_TRUNCATED), 1);
	/* FIN after a whole request: it is answered, then the connection closes */
	c = ph_client();
	ph_send(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
	r = ph_rep(4);
	ph_fin(c);
	ph_send(r, PH_RESP_OK);
	ph_expect_rx(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
	assert_true(c->fin_in);
	ph_settle();
}

/*
 * The packet pool runs dry while a response body is split from bytes that
 * follow it: what cannot be passed on must not pass for the whole body, so
 * the client is reset (it got the head already) rather than left to take
 * the next response for the rest of this one.
 */
static void test_no_mbufs(void **state)
{
	struct rte_mbuf *hoard[1024], *m;
	struct ph_ep *c, *r;
	unsigned n = 0;

	(void)state;
	c = ph_client();
	r = ph_get(c, NULL, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
	ph_expect_rx(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
	m = ph_frame(r, ACK | PSH, "helloEXTRA", 10);
	while (n < RTE_DIM(hoard) && (hoard[n] = rte_pktmbuf_alloc(t_pool)) != NULL)
		n++;
	t_rx(m);
	rte_pktmbuf_free_bulk(hoard, n);
	assert_int_equal(t_ctr(HL_CTR_HTTP_RESP_TRUNCATED), 1);
	assert_int_equal(t_ctr(HL_CTR_HTTP_503_NO_MEMORY), 1);
	/* the reset found no mbuf either: the client learns it from its next segment */
	ph_pump();
	ph_send(c, "GET /next HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_true(c->rst_in);
	assert_int_equal(c->len, 0);
	assert_int_equal(r->len, 0);
	ph_settle();
}

/* ---- timeouts ---- */

/*
 * After a 100 Continue the body may take longer than the response timeout to
 * arrive (a large upload): the timeout runs from the end of the request.
 */
static void test_expect_continue_slow_body(void **state)
{
	struct ph_ep *c, *r;

	(void)state;
	c = ph_client();
	ph_send(c, "PUT /b HTTP/1.1\r\nHost: h\r\nContent-Length: 8\r\n"
		   "Expect: 100-continue\r\n\r\n");
	r = ph_rep(0);
	r->len = 0;
	ph_send(r, "HTTP/1.1 100 Continue\r\n\r\n");
	ph_expect_rx(c, "HTTP/1.1 100 Continue\r\n\r\n");
	for (unsigned i = 0; i < 8; i++) { /* a byte every 0.9 s: 7.2 s in all */
		ph_advance(PH_HEAD_MS - 100);
		ph_send(c, "x");
	}
	assert_int_equal(t_ctr(HL_CTR_HTTP_504), 0);
	ph_expect_rx(r, "xxxxxxxx");
	assert_int_equal(c->len, 0);
	ph_advance(PH_RESP_MS - 1);
	assert_int_equal(c->len, 0);
	ph_advance(1);
	assert_int_equal(t_ctr(HL_CTR_HTTP_504), 1);
	ph_settle();
}

/* Expect: 100-continue and a replica slow to say 100: the client waits for it without a 408
 * (the body gaps count from the 100); a replica that never answers gives 504 after
 * replica_response_timeout_ms. */
static void test_expect_slow_100(void **state)
{
	struct ph_ep *c, *r;

	(void)state;
	c = ph_client();
	ph_send(c, "PUT /b HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n"
		   "Expect: 100-continue\r\n\r\n");
	r = ph_rep(0);
	r->len = 0;
	ph_advance(PH_HEAD_MS * 2); /* longer than a body gap may be */
	assert_int_equal(t_ctr(HL_CTR_HTTP_408), 0);
	assert_int_equal(c->len, 0);
	ph_send(r, "HTTP/1.1 100 Continue\r\n\r\n");
	ph_expect_rx(c, "HTTP/1.1 100 Continue\r\n\r\n");
	ph_send(c, "ok");
	ph_expect_rx(r, "ok");
	ph_send(r, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	ph_expect_rx(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	ph_expect_hints(0, HL_HINTS_NONE, "");
	/* the same, and the replica never answers */
	ph_send(c, "PUT /b HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n"
		   "Expect: 100-continue\r\n\r\n");
	ph_advance(PH_RESP_MS - 100);
	assert_int_equal(t_ctr(HL_CTR_HTTP_504), 0);
	ph_advance(200);
	assert_int_equal(t_ctr(HL_CTR_HTTP_504), 1);
	assert_true(c->fin_in);
	ph_settle();
}

/* A replica that stops in the middle of a response body: after replica_response_timeout_ms
 * without a byte the client is reset (its response is cut: http_resp_truncated). */
static void test_body_stall(void **state)
{
	struct ph_ep *c, *r;

	(void)state;
	c = ph_client();
	ph_send(c, "GET /s HTTP/1.1\r\nHost: h\r\n\r\n");
	r = ph_rep(0);
	ph_send(r, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345");
	ph_advance(PH_RESP_MS - 100);
	ph_send(r, "678"); /* progress: the timeout starts again */
	ph_advance(PH_RESP_MS - 100);
	assert_int_equal(t_ctr(HL_CTR_HTTP_RESP_TRUNCATED), 0);
	ph_advance(200);
	assert_int_equal(t_ctr(HL_CTR_HTTP_RESP_TRUNCATED), 1);
	assert_int_equal(t_ctr(HL_CTR_HTTP_504), 0); /* no 504 was sent: the client is reset */
	assert_true(c->rst_in);
	ph_expect_hints(0, HL_HINTS_NONE, "");
	ph_expect_health(0, HL_CTRL_HEALTH_TIMEOUT);
	/* a head alone, then nothing: the body's first byte must come in time too */
	c = ph_client();
	ph_send(c, "GET /s HTTP/1.1\r\nHost: h\r\n\r\n");
	ph_send(ph_rep(1), "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n");
	assert_memory_equal(c->rx, "HTTP/1.1 200 OK\r\n", 17);
	ph_advance(PH_RESP_MS - 100);
	assert_false(c->rst_in);
	ph_advance(200);
	assert_int_equal(t_ctr(HL_CTR_HTTP_RESP_TRUNCATED), 2);
	assert_true(c->rst_in);
	ph_expect_health(0, HL_CTRL_HEALTH_TIMEOUT);
	ph_settle();
}

/*
 * A client that stops reading in the middle of a response: once its queue is full the proxy
 * holds the replica's window closed, so the replica's silence is the proxy's doing, not the
 * replica's: no response timeout, no health event, the client is not reset. When the client
 * reads again the replica's time runs again: a stall of its own then times out as usual.
 */
static void test_slow_reader(void **state)
{
	static uint8_t big[200000];
	const char *head = "HTTP/1.1 200 OK\r\nContent-Length: 200000\r\n\r\n";
	const uint32_t hl = (uint32_t)strlen(head), short_by = 10;
	struct ph_ep *c, *r;
	uint32_t off = 0;

	(void)state;
	t_pattern(big, 0, sizeof(big));
	c = ph_client();
	ph_send(c, "GET /big HTTP/1.1\r\nHost: h\r\n\r\n");
	r = ph_rep(0);
	r->len = 0;
	ph_set_wnd(c, 0);
	ph_send(r, head);
	ph_send_window(r, big, &off, sizeof(big));
	assert_true(off < sizeof(big) - short_by); /* the replica is held */
	ph_advance(2 * PH_RESP_MS);
	assert_int_equal(t_ctr(HL_CTR_HTTP_RESP_TRUNCATED), 0);
	assert_false(c->rst_in);
	assert_false(r->rst_in);
	ph_expect_hints(0, HL_HINTS_NONE, "");
	ph_expect_no_msg(); /* no HL_CTRL_HEALTH_TIMEOUT */
	/* the client reads again: all of it arrives, and the replica is timed again */
	ph_set_wnd(c, 65535);
	ph_send_rest(r, big, &off, sizeof(big) - short_by);
	assert_int_equal(c->len, hl + sizeof(big) - short_by);
	assert_memory_equal(c->rx, head, hl);
	assert_memory_equal(c->rx + hl, big, sizeof(big) - short_by);
	ph_advance(PH_RESP_MS + 100);
	assert_int_equal(t_ctr(HL_CTR_HTTP_RESP_TRUNCATED), 1);
	assert_true(c->rst_in);
	ph_expect_health(0, HL_CTRL_HEALTH_TIMEOUT);
	ph_settle();
}

/*
 * The other way: a replica that does not read an upload. Once its queue is full the proxy
 * holds the client's window closed, so the client's pause is not a gap in its body: no 408.
 * When the replica reads again the client's time runs again: a pause of its own then gets
 * 408 as usual.
 */
static void test_slow_replica_upload(void **state)
{
	static uint8_t big[200000];
	const uint32_t short_by = 10;
	struct ph_ep *c, *r;
	uint32_t off = 0;

	(void)state;
	t_pattern(big, 0, sizeof(big));
	c = ph_client();
	ph_send(c, "POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 200000\r\n\r\n");
	r = ph_rep(0);
	ph_set_wnd(r, 0);
	ph_send_window(c, big, &off, sizeof(big));
	assert_true(off < sizeof(big) - short_by); /* the client is held */
	ph_advance(3 * PH_HEAD_MS);
	assert_int_equal(t_ctr(HL_CTR_HTTP_408), 0);
	assert_int_equal(c->len, 0);
	assert_false(c->fin_in);
	ph_set_wnd(r, 65535);
	ph_send_rest(c, big, &off, sizeof(big) - short_by);
	assert_memory_equal(r->rx + r->len - (sizeof(big) - short_by), big, sizeof(big) - short_by);
	ph_advance(PH_HEAD_MS + 100);
	assert_int_equal(t_ctr(HL_CTR_HTTP_408), 1);
	assert_memory_equal(c->rx, "HTTP/1.1 408 ", 13);
	ph_settle();
}

/*
 * A replica that closes its side in the middle of an upload it stopped reading: the request
 * fails (502: part of it reached the replica, no retry) and the rest of it, still queued,
 * is not kept waiting for a window the replica need never open: the connection is reset
 * at once (a FIN would wait behind the queue for ever). Found by fuzz_proxy.
 */
static void test_replica_fin_upload_queued(void **state)
{
	static uint8_t big[200000];
	struct ph_ep *c, *r;
	uint32_t off = 0;

	(void)state;
	t_pattern(big, 0, sizeof(big));
	c = ph_client();
	ph_send(c, "POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 200000\r\n\r\n");
	r = ph_rep(0);
	ph_set_wnd(r, 0);
	ph_send_window(c, big, &off, sizeof(big));
	ph_fin(r);
	assert_true(r->rst_in);
	assert_memory_equal(c->rx, "HTTP/1.1 502 Bad Gateway\r\n", 26);
	assert_int_equal(t_ctr(HL_CTR_HTTP_502_RESET), 1);
	ph_expect_health(0, HL_CTRL_HEALTH_RESET);
	ph_settle();
}

/* Keep-alive idle: the client is closed after client_idle_timeout_ms without a request; the
 * pooled replica connection after replica_idle_timeout_ms. */
static void test_idle_timeouts(void **state)
{
	struct ph_ep *c, *r;

	(void)state;
	c = ph_client();
	r = ph_get_ok(c, NULL);
	ph_advance(PH_IDLE_MS - 1);
	assert_false(c->fin_in);
	ph_advance(1);
	assert_true(c->fin_in);
	assert_int_equal(c->len, 0);
	assert_int_equal(t_ctr(HL_CTR_HTTP_CLIENT_IDLE_CLOSED), 1);
	assert_false(r->fin_in);
	ph_advance(PH_POOL_IDLE_MS - PH_IDLE_MS - 1);
	assert_false(r->fin_in);
	ph_advance(1);
	assert_true(r->fin_in);
	assert_int_equal(t_ctr(HL_CTR_HTTP_POOL_IDLE_CLOSED), 1);
	/* a pooled connection is idle from the end of its last response */
	c = ph_client();
	r = ph_get_ok(c, NULL);
	ph_advance(PH_POOL_IDLE_MS - 100);
	ph_get_ok(ph_client(), r);
	ph_advance(PH_POOL_IDLE_MS - 1);
	assert_false(r->fin_in);
	ph_advance(1);
	assert_true(r->fin_in);
	assert_int_equal(t_ctr(HL_CTR_HTTP_POOL_IDLE_CLOSED), 2);
	ph_settle();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_400, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_400_body, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_414_431, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_501_505, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_408, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_417, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_413, setup_body_limit, ph_teardown),
		cmocka_unit_test_setup_teardown(test_503_no_replica, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_503_max_requests, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_502_refused, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_502_connect_timeout, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_502_connect_timeout_body, ph_setup1,
						ph_teardown),
		cmocka_unit_test_setup_teardown(test_502_bad_response, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_502_switching, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_http10_chunked, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_expect_slow_100, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_body_stall, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_5xx_health, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_504, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_replica_reset_mid_response, ph_setup1,
						ph_teardown),
		cmocka_unit_test_setup_teardown(test_502_reset_before_response, ph_setup1,
						ph_teardown),
		cmocka_unit_test_setup_teardown(test_retry_pooled, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_pool_wait, setup1_conn, ph_teardown),
		cmocka_unit_test_setup_teardown(test_client_aborted, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_no_mbufs, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_expect_continue_slow_body, ph_setup1,
						ph_teardown),
		cmocka_unit_test_setup_teardown(test_idle_timeouts, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_slow_reader, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_slow_replica_upload, ph_setup1, ph_teardown),
		cmocka_unit_test_setup_teardown(test_replica_fin_upload_queued, ph_setup1,
						ph_teardown),
	};

	return cmocka_run_group_tests(tests, t_net_group_setup, t_net_group_teardown);
}
