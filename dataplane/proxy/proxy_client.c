/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client connections of `mode = http` listeners: read a request head,
 * route it, hand it to a replica connection (proxy_server.c), stream its
 * body, and once the response is delivered go on with the next request of
 * the connection (keep-alive, pipelining) or close.
 *
 * Receive window: every received byte is held until it is consumed. Head
 * bytes are released when the head has been rewritten; body bytes when
 * they were forwarded and the replica connection's send queue is under
 * [http] queue_bytes, else when it drains (px_client_release from the
 * replica's sent()); pipelined requests wait unread, so a client that
 * pipelines more than a window stops itself. Memory per client is thus at
 * most one receive window plus queue_bytes.
 *
 * Errors the proxy answers itself (400, 408, 413, 414, 417, 431, 501, 502,
 * 503, 504, 505) carry a short text body and close the connection; one
 * counter each (hintlb/counters.h), parser refusals also by reason.
 */
#include <errno.h>
#include <string.h>

#include <rte_hash_crc.h>

#include "hintlb/log.h"
#include "proxy_priv.h"

#define PX_SEGS_MAX 64

static void count_status(struct hl_worker *w, unsigned status)
{
	static const enum hl_counter by_class[6] = {HL_CTR_HTTP_RESP_5XX, HL_CTR_HTTP_RESP_1XX,
						    HL_CTR_HTTP_RESP_2XX, HL_CTR_HTTP_RESP_3XX,
						    HL_CTR_HTTP_RESP_4XX, HL_CTR_HTTP_RESP_5XX};
	unsigned c = status / 100;

	w->ctr[by_class[c < 6 ? c : 0]]++;
}

/* Reopen the window by @p n bytes (the caller moves them out of held or deferred). */
static void client_recved(struct px_client *cl, uint32_t n)
{
	if (n == 0)
		return;
	hl_tcp_recved(cl->px->w->tcp, cl->conn, n);
}

/* Reopen the window for the forwarded body bytes once the replica's queue is under [http]
 * queue_bytes. @return true: nothing is held back any more. */
static bool client_unhold(struct px_client *cl)
{
	struct px_req *req = cl->req;

	if (cl->deferred != 0 &&
	    (req == NULL || req->sv == NULL ||
	     hl_tcp_send_queued(req->sv->conn) <= cl->px->cfg->http.queue_bytes)) {
		client_recved(cl, cl->deferred);
		cl->deferred = 0;
	}
	return cl->deferred == 0;
}

void px_client_release(struct px_client *cl)
{
	struct px_req *req = cl->req;

	if (cl->deferred == 0 || !client_unhold(cl))
		return;
	/* the client may send again: a gap in its body counts from now (client_body() stops
	 * the timer while the replica's queue holds it back) */
	if (req != NULL && cl->state == PXC_BODY && !req->body_done && !req->expect_wait)
		px_timer_arm(cl->px, &cl->timer, PX_T_CLIENT_HEAD);
}

/* Stop reading: discard what is buffered, release its window, close after the queue. */
static void client_close(struct px_client *cl)
{
	struct hl_proxy *px = cl->px;

	px_timer_stop(px, &cl->timer);
	cl->state = PXC_CLOSING;
	px_buf_free(&cl->in);
	client_recved(cl, cl->held + cl->deferred);
	cl->held = 0;
	cl->deferred = 0;
	hl_tcp_shutdown(px->w->tcp, cl->conn);
}

/* The request in progress goes away (its connection, its routing slot). */
static void client_drop_req(struct px_client *cl)
{
	struct px_req *req = cl->req;

	if (req == NULL)
		return;
	cl->req = NULL;
	if (req->sv != NULL)
		px_server_abandon(req);
	px_req_free(cl->px, req, 0);
}

void px_client_error(struct px_client *cl, unsigned status, const char *why)
{
	struct hl_proxy *px = cl->px;
	struct px_req *req = cl->req;
	struct rte_mbuf *m;

	if (req != NULL && req->resp_started) {
		/* part of a response went out: a status cannot follow it */
		HL_COUNT(px->w, HTTP_RESP_TRUNCATED);
		client_drop_req(cl);
		hl_tcp_abort(px->w->tcp, cl->conn); /* client_closed frees cl */
		return;
	}
	m = px_canned(px, status, why, req != NULL && req->head_method);
	client_drop_req(cl);
	count_status(px->w, status);
	if (m != NULL) {
		HL_COUNT_N(px->w, HTTP_BYTES_OUT, m->pkt_len);
		hl_tcp_send(px->w->tcp, cl->conn, m);
	}
	client_close(cl);
}

/* The hint of the parsed head into req->hint. */
static void keep_hint(struct px_req *req, const struct hl_http1_seg *segs, unsigned n)
{
	const struct hl_http1_msg *msg = &req->reqp.msg;
	int len;

	req->hint_len = 0;
	if (!(msg->flags & HL_HTTP1_F_HINT))
		return;
	len = hl_http1_span_copy(segs, n, 0, msg->hint, req->hint, sizeof(req->hint));
	if (len > 0)
		req->hint_len = (uint8_t)len;
}

int px_route(struct hl_proxy *px, struct px_req *req, int avoid)
{
	struct hl_route_req rr = {
		.hint = req->hint_len != 0 ? req->hint : NULL,
		.hint_len = req->hint_len,
		.client_key = req->cl->key,
		.retry_of = avoid >= 0 ? (uint32_t)avoid + 1 : 0,
	};

	if (hl_route_decide(&px->w->route, &rr, &req->route) != 0) {
		/* the failed replica is the only usable one: a new connection to it
		 * (the failure may have been a stale pooled connection's) */
		rr.retry_of = 0;
		if (avoid < 0 || hl_route_decide(&px->w->route, &rr, &req->route) != 0)
			return -EAGAIN;
	}
	req->routed = true;
	req->tries++;
	req->replica = (uint32_t)req->route.replica;
	if (req->replica >= __atomic_load_n(&px->n_replicas, __ATOMIC_ACQUIRE)) { /* not yet here */
		hl_route_complete(&px->w->route, &req->route, 0);
		req->routed = false;
		return -EAGAIN;
	}
	return 0;
}

static bool body_too_large(const struct hl_proxy *px, uint64_t bytes)
{
	uint64_t max = (uint64_t)px->cfg->http.max_body_kib * 1024;

	return max != 0 && bytes > max;
}

/* A whole head is parsed: check what the proxy refuses, rewrite, route. */
static bool client_head_done(struct px_client *cl, struct px_req *req)
{
	struct hl_proxy *px = cl->px;
	const struct hl_http1_msg *msg = &req->reqp.msg;
	struct hl_http1_seg segs[PX_SEGS_MAX];
	unsigned n = px_buf_segs(&cl->in, 0, segs, PX_SEGS_MAX);
	uint32_t head_len = msg->head_len;

	HL_COUNT(px->w, HTTP_REQUESTS);
	px_timer_stop(px, &cl->timer);
	req->http10 = msg->version == 0;
	req->head_method = msg->method == HL_HTTP1_M_HEAD;
	req->client_keep = (msg->flags & HL_HTTP1_F_KEEP_ALIVE) != 0;
	req->body_done = msg->framing == HL_HTTP1_FRAMING_NONE;
	hl_http1_set_request_method(&req->resp, (enum hl_http1_method)msg->method);
	if (msg->flags & HL_HTTP1_F_EXPECT_OTHER) {
		HL_COUNT(px->w, HTTP_417);
		px_client_error(cl, 417, "only Expect: 100-continue is supported");
		return false;
	}
	if (msg->framing == HL_HTTP1_FRAMING_LENGTH && body_too_large(px, msg->content_length)) {
		HL_COUNT(px->w, HTTP_413);
		px_client_error(cl, 413, "request body over [http] max_body_kib");
		return false;
	}
	if (msg->flags & HL_HTTP1_F_UPGRADE)
		HL_COUNT(px->w, HTTP_UPGRADE_IGNORED);
	keep_hint(req, segs, n);
	/* route first: the rewritten head names the replica when it adds Host */
	if (px_route(px, req, -1) != 0) {
		HL_COUNT(px->w, HTTP_503_NO_REPLICA);
		px_client_error(cl, 503, "no replica available");
		return false;
	}
	req->pending = px_head_request(px, req, &cl->in);
	if (req->pending == NULL) {
		HL_COUNT(px->w, HTTP_503_NO_MEMORY);
		px_client_error(cl, 503, "out of packet buffers");
		return false;
	}
	px_buf_drop(&cl->in, head_len);
	cl->held -= RTE_MIN(head_len, cl->held);
	client_recved(cl, head_len);
	cl->state = req->body_done ? PXC_WAIT : PXC_BODY;
	/* a client that asked Expect: 100-continue waits for the replica: the response
	 * timeout bounds that wait, the body gaps count from the 100 (or its first byte) */
	req->expect_wait = !req->body_done && (msg->flags & HL_HTTP1_F_EXPECT_CONTINUE);
	if (!req->body_done && !req->expect_wait)
		px_timer_arm(px, &cl->timer, PX_T_CLIENT_HEAD); /* a gap in the body */
	px_server_dispatch(px, req);
	return cl->req == req;
}

/* Parse what arrived of a head. @return true when the head is done and the request went on. */
static bool client_parse_head(struct px_client *cl)
{
	struct hl_proxy *px = cl->px;
	struct px_req *req = cl->req;
	struct hl_http1_seg segs[PX_SEGS_MAX];
	unsigned n;
	size_t used;
	int rc;

	do {
		n = px_buf_segs(&cl->in, req->head_fed, segs, PX_SEGS_MAX);
		if (n == 0)
			return false;
		rc = hl_http1_parse_head(&req->reqp, segs, n, &used);
		req->head_fed += (uint32_t)used;
	} while (rc == -EAGAIN && n == PX_SEGS_MAX);
	if (rc == -EAGAIN)
		return false;
	if (rc == 0 && !px_buf_within(&cl->in, req->reqp.msg.head_len, PX_SEGS_MAX))
		rc = -E2BIG; /* more mbufs than the rewriting sees: it would lose fields */
	if (rc != 0) {
		enum hl_http1_err e =
			rc == -E2BIG ? HL_HTTP1_ERR_HEAD_TOO_LARGE : hl_http1_error(&req->reqp);
		unsigned status = rc == -E2BIG ? 431 : hl_http1_status(&req->reqp);

		HL_COUNT(px->w, HTTP_REQ_REJECTED);
		px->req_err[e < HL_HTTP1_ERR__COUNT ? e : 0]++;
		px_client_error(cl, status != 0 ? status : 400, hl_http1_err_name(e));
		return false;
	}
	return client_head_done(cl, req);
}

/*
 * Forward request body bytes from the client's input while the request is
 * on a connection. Each mbuf goes by reference; one that also holds the
 * next request is split (an indirect mbuf for the body part).
 */
static void client_body(struct px_client *cl)
{
	struct hl_proxy *px = cl->px;
	struct px_req *req = cl->req;
	struct hl_http1_body res;
	int rc = -EAGAIN;

	if (req->expect_wait && cl->in.head != NULL && req->sv != NULL)
		px_server_expect_done(req); /* it did not wait for the 100 (curl waits 1 s) */
	while (cl->in.head != NULL && req->sv != NULL && !req->body_done) {
		struct rte_mbuf *m = cl->in.head, *piece;

		rc = hl_http1_parse_body(&req->reqp, rte_pktmbuf_mtod(m, const uint8_t *),
					 m->data_len, &res);
		if (rc == -EBADMSG) {
			enum hl_http1_err e = hl_http1_error(&req->reqp);

			HL_COUNT(px->w, HTTP_REQ_REJECTED);
			px->req_err[e < HL_HTTP1_ERR__COUNT ? e : 0]++;
			px_client_error(cl, 400, hl_http1_err_name(e));
			return;
		}
		if (res.consumed == m->data_len) {
			piece = px_buf_pop(&cl->in);
		} else {
			piece = res.consumed != 0 ? rte_pktmbuf_clone(m, px->w->pool) : NULL;
			if (res.consumed != 0 && piece == NULL) {
				HL_COUNT(px->w, HTTP_503_NO_MEMORY);
				px_client_error(cl, 503, "out of packet buffers");
				return;
			}
			if (piece != NULL)
				rte_pktmbuf_trim(piece, (uint16_t)(m->data_len - res.consumed));
			px_buf_drop(&cl->in, (uint32_t)res.consumed);
		}
		cl->held -= RTE_MIN((uint32_t)res.consumed, cl->held);
		cl->deferred += (uint32_t)res.consumed;
		req->body_in += res.payload;
		if (body_too_large(px, req->body_in)) {
			/* chunked (a Content-Length was checked with the head): the part
			 * sent dies with the replica's connection, the client hears 413
			 * unless the replica already answered (then it is reset) */
			if (piece != NULL)
				rte_pktmbuf_free(piece);
			HL_COUNT(px->w, HTTP_413);
			px_client_error(cl, 413, "request body over [http] max_body_kib");
			return;
		}
		if (piece != NULL)
			px_server_send(req, piece);
		if (rc == 0)
			req->body_done = true;
		if (cl->req != req)
			return; /* the connection failed under the send */
	}
	client_unhold(cl); /* the timer is set below, once */
	if (req->body_done) {
		px_timer_stop(px, &cl->timer);
		cl->state = PXC_WAIT;
		px_server_request_sent(req);
	} else if (cl->deferred != 0) {
		/* held for the replica (client_unhold): its queue is full, the client's
		 * pause is ours, not a gap in its body */
		px_timer_stop(px, &cl->timer);
	} else if (!req->expect_wait && (rc != -EAGAIN || cl->in.head == NULL)) {
		px_timer_arm(px, &cl->timer, PX_T_CLIENT_HEAD);
	}
}

void px_client_drive(struct px_client *cl)
{
	struct hl_proxy *px = cl->px;

	for (;;) {
		switch (cl->state) {
		case PXC_IDLE:
			if (cl->in.bytes == 0)
				return;
			cl->req = px_req_new(px, cl);
			if (cl->req == NULL) {
				HL_COUNT(px->w, HTTP_503_NO_MEMORY);
				px_client_error(cl, 503, "too many requests in progress");
				return;
			}
			cl->state = PXC_HEAD;
			px_timer_arm(px, &cl->timer, PX_T_CLIENT_HEAD);
			break;
		case PXC_HEAD:
			if (!client_parse_head(cl))
				return;
			break;
		case PXC_BODY:
			if (cl->req->sv != NULL)
				client_body(cl);
			return;
		case PXC_CLOSING:
			px_buf_free(&cl->in);
			client_recved(cl, cl->held + cl->deferred);
			cl->held = 0;
			cl->deferred = 0;
			return;
		default: /* PXC_WAIT: pipelined bytes wait for the response */
			return;
		}
	}
}

void px_client_request_done(struct px_client *cl, bool keep)
{
	struct hl_proxy *px = cl->px;

	cl->req = NULL;
	client_recved(cl, cl->deferred); /* the request's body is over: all of it */
	cl->deferred = 0;
	if (!keep || cl->close_after || cl->peer_fin || cl->state == PXC_BODY) {
		client_close(cl);
		return;
	}
	cl->state = PXC_IDLE;
	px_timer_arm(px, &cl->timer, PX_T_CLIENT_IDLE);
	px_client_drive(cl);
}

/*
 * Graceful stop: close every client between requests (kept alive, or new and silent).
 * A response not begun yet says Connection: close and its connection closes after it
 * (px->draining). One whose head already said keep-alive cannot take that back: the
 * client may send its next request as soon as it has read it, so closing right after
 * would race with that request. Its connection stays open, idle, for at most
 * PX_DRAIN_IDLE_MS; a request arriving meanwhile is served, with Connection: close.
 */
void hl_proxy_drain(struct hl_proxy *px)
{
	static const enum px_timer_kind kinds[] = {PX_T_CLIENT_IDLE, PX_T_CLIENT_HEAD};
	uint64_t linger = rte_get_tsc_hz() / 1000 * PX_DRAIN_IDLE_MS;

	px->draining = true;
	if (px->timeout[PX_T_CLIENT_IDLE] > linger)
		__atomic_store_n(&px->timeout[PX_T_CLIENT_IDLE], linger, __ATOMIC_RELAXED);
	for (unsigned k = 0; k < RTE_DIM(kinds); k++) {
		struct px_timer *t = TAILQ_FIRST(&px->timers[kinds[k]]), *next;

		for (; t != NULL; t = next) {
			struct px_client *cl = (struct px_client *)t;

			next = TAILQ_NEXT(t, node);
			if (cl->state == PXC_IDLE && cl->req == NULL && cl->in.bytes == 0) {
				HL_COUNT(px->w, HTTP_DRAIN_CLOSED);
				client_close(cl);
			}
		}
	}
}

void px_client_timeout(struct px_client *cl, enum px_timer_kind kind)
{
	struct hl_proxy *px = cl->px;

	if (kind == PX_T_CLIENT_IDLE || (cl->req == NULL && cl->in.bytes == 0)) {
		/* nothing asked: close without a word (a fresh connection too) */
		HL_COUNT(px->w, HTTP_CLIENT_IDLE_CLOSED);
		client_close(cl);
		return;
	}
	HL_COUNT(px->w, HTTP_408);
	px_client_error(cl, 408, "request not received in time");
}

/* ---- the TCP application ---- */

static void client_established(struct hl_tcp *t, struct hl_tcp_conn *c, void *ctx)
{
	struct hl_proxy *px = ctx;
	struct px_client *cl;
	uint32_t laddr;
	uint16_t lport;

	if (rte_mempool_get(px->clients, (void **)&cl) != 0) {
		HL_COUNT(px->w, HTTP_CLIENT_NO_MEMORY);
		hl_tcp_abort(t, c);
		return;
	}
	memset(cl, 0, sizeof(*cl));
	cl->px = px;
	cl->conn = c;
	hl_tcp_conn_endpoints(c, &cl->raddr, &cl->rport, &laddr, &lport);
	/* the key of requests without a hint (Maglev of the client's address), once */
	cl->key = hl_route_client_key(cl->raddr);
	hl_tcp_conn_set_ctx(c, cl);
	px->n_clients++;
	HL_COUNT(px->w, HTTP_ACCEPTED);
	cl->state = PXC_IDLE;
	/* the first request must come within the head timeout */
	px_timer_arm(px, &cl->timer, PX_T_CLIENT_HEAD);
}

static void client_recv(struct hl_tcp *t, struct hl_tcp_conn *c, struct rte_mbuf *m)
{
	struct px_client *cl = hl_tcp_conn_ctx(c);

	(void)t;
	cl->held += m->pkt_len;
	HL_COUNT_N(cl->px->w, HTTP_BYTES_IN, m->pkt_len);
	px_buf_push(&cl->in, m);
	px_client_drive(cl);
}

static void client_peer_fin(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	struct px_client *cl = hl_tcp_conn_ctx(c);

	(void)t;
	cl->peer_fin = true;
	switch (cl->state) {
	case PXC_IDLE:
		client_close(cl);
		break;
	case PXC_HEAD:
		/* a head cut short: the client can still read the parser's verdict (400) */
		if (cl->req != NULL && hl_http1_parse_eof(&cl->req->reqp) != 0) {
			enum hl_http1_err e = hl_http1_error(&cl->req->reqp);

			HL_COUNT(cl->px->w, HTTP_CLIENT_TRUNCATED);
			HL_COUNT(cl->px->w, HTTP_REQ_REJECTED);
			cl->px->req_err[e < HL_HTTP1_ERR__COUNT ? e : 0]++;
			px_client_error(cl, 400, hl_http1_err_name(e));
			break;
		}
		client_drop_req(cl);
		client_close(cl);
		break;
	case PXC_BODY:
		/* the body can never be whole: the replica's connection goes too */
		HL_COUNT(cl->px->w, HTTP_CLIENT_TRUNCATED);
		client_drop_req(cl);
		client_close(cl);
		break;
	default: /* PXC_WAIT: answer, then close; PXC_CLOSING: closing already */
		break;
	}
}

/* The client acknowledged response bytes: the replica may send more. */
static void client_sent(struct hl_tcp *t, struct hl_tcp_conn *c, uint32_t bytes)
{
	struct px_client *cl = hl_tcp_conn_ctx(c);

	(void)t;
	(void)bytes;
	if (cl->req != NULL && cl->req->sv != NULL)
		px_server_release(cl->req->sv);
}

static void client_closed(struct hl_tcp *t, struct hl_tcp_conn *c, int err)
{
	struct px_client *cl = hl_tcp_conn_ctx(c);
	struct hl_proxy *px;

	(void)t;
	(void)err;
	if (cl == NULL)
		return;
	px = cl->px;
	if (cl->req != NULL)
		HL_COUNT(px->w, HTTP_CLIENT_ABORTED);
	client_drop_req(cl);
	px_timer_stop(px, &cl->timer);
	px_buf_free(&cl->in);
	px->n_clients--;
	rte_mempool_put(px->clients, cl);
}

const struct hl_tcp_app hl_proxy_client_app = {
	.established = client_established,
	.recv = client_recv,
	.peer_fin = client_peer_fin,
	.sent = client_sent,
	.closed = client_closed,
};

/* Status classes the replica side counts for responses it passes on. */
void px_client_count_status(struct hl_proxy *px, unsigned status)
{
	count_status(px->w, status);
}
