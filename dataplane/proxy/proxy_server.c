/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replica connections: a pool per worker and replica, the response of each
 * request, completion, failures and the one retry.
 *
 * Pool: a routed request takes the most recently used idle connection of
 * its replica, else opens one (hl_tcp_connect) while the replica has fewer
 * than [http] replica_conns_max, else waits in the replica's FIFO for the
 * next connection to come free (replica_queue_timeout_ms, then 503). A
 * connection goes back to the pool only when its response ended cleanly
 * and framed (keep-alive, nothing after it, the replica did not close);
 * an idle one is closed after replica_idle_timeout_ms, and one the replica
 * closes (FIN or RST) leaves the pool at once and is never reused.
 *
 * Retry: a request whose connection failed before the replica acknowledged
 * any of its bytes (refused, timed out, reset: the classic race with a
 * keep-alive connection the replica was closing) is routed once more and
 * sent again from the references kept in req->replay. One that reached
 * the replica is never sent twice: the client gets 502 (or 504).
 */
#include <errno.h>
#include <string.h>

#include "hintlb/log.h"
#include "proxy_priv.h"

#define PX_SEGS_MAX 64

extern const struct hl_tcp_app px_server_app;

static struct px_replica *rep_of(struct hl_proxy *px, const struct px_server *sv)
{
	return &px->rep[sv->replica];
}

/* Reopen the window by @p n bytes (the caller moves them out of held or deferred). */
static void server_recved(struct px_server *sv, uint32_t n)
{
	if (n == 0)
		return;
	hl_tcp_recved(sv->px->w->tcp, sv->conn, n);
}

/*
 * Reopen the window for the response bytes already forwarded once the client's queue is
 * under [http] queue_bytes. While it is not, the replica waits for the client, not the proxy
 * for the replica: its response timer runs only while nothing is held back (here and in
 * response_body()), so a client that stops reading never counts against the replica.
 * @return true: nothing is held back any more.
 */
static bool server_unhold(struct px_server *sv)
{
	struct px_req *req = sv->req;

	if (sv->deferred != 0 &&
	    (req == NULL || hl_tcp_send_queued(req->cl->conn) <= sv->px->cfg->http.queue_bytes)) {
		server_recved(sv, sv->deferred);
		sv->deferred = 0;
	}
	return sv->deferred == 0;
}

void px_server_release(struct px_server *sv)
{
	if (sv->deferred == 0 || !server_unhold(sv))
		return;
	if (sv->req != NULL) /* the replica may send again: the next piece must come in time */
		px_timer_arm(sv->px, &sv->timer, PX_T_SERVER_RESP);
}

static void kick_waiting(struct hl_proxy *px, uint32_t replica);

/* Never reuse @p sv: FIN after what is queued; closed() frees it. */
static void server_close(struct px_server *sv)
{
	struct hl_proxy *px = sv->px;

	if (sv->state == PXS_CLOSING)
		return;
	if (sv->state == PXS_IDLE) {
		LIST_REMOVE(sv, idle_node);
		rep_of(px, sv)->n_idle--;
	}
	sv->state = PXS_CLOSING;
	/* a closing connection is no longer one of the replica's: its FIN-WAIT (up to
	 * 60 s when the replica is slow to close) must not keep requests waiting */
	rep_of(px, sv)->n_conns--;
	px_timer_stop(px, &sv->timer);
	px_buf_free(&sv->in);
	server_recved(sv, sv->held + sv->deferred);
	sv->held = 0;
	sv->deferred = 0;
	hl_tcp_shutdown(px->w->tcp, sv->conn);
	kick_waiting(px, sv->replica);
}

void px_server_send(struct px_req *req, struct rte_mbuf *m)
{
	struct px_server *sv = req->sv;
	struct hl_proxy *px = sv->px;

	for (struct rte_mbuf *s = m; s != NULL && req->n_replay != 0xff; s = s->next) {
		if (req->n_replay == PX_REPLAY_MAX) {
			px_replay_drop(req); /* too much to keep: no retry */
			break;
		}
		rte_mbuf_refcnt_update(s, 1);
		req->replay[req->n_replay++] = s;
	}
	rep_of(px, sv)->st.bytes_out += m->pkt_len;
	hl_tcp_send(px->w->tcp, sv->conn, m); /* -EPIPE: closing; closed() will say */
}

void px_server_request_sent(struct px_req *req)
{
	struct px_server *sv = req->sv;

	if (sv != NULL && sv->established && req->phase == PXR_SENT &&
	    (req->body_done || req->expect_wait))
		px_timer_arm(sv->px, &sv->timer, PX_T_SERVER_RESP);
}

void px_server_expect_done(struct px_req *req)
{
	req->expect_wait = false;
	if (req->sv != NULL && req->sv->established && req->phase == PXR_SENT)
		px_timer_stop(req->sv->px, &req->sv->timer);
}

/* Bind @p req to @p sv and send what is pending; the client side streams the body. */
static void px_bind(struct px_server *sv, struct px_req *req)
{
	struct hl_proxy *px = sv->px;
	struct rte_mbuf *m = req->pending;

	sv->req = req;
	sv->state = PXS_BUSY;
	sv->uses++;
	req->sv = sv;
	req->phase = PXR_SENT;
	req->t_sent = px_now(px);
	req->pending = NULL;
	rep_of(px, sv)->st.requests++;
	if (req->route.reason == HL_ROUTE_HINT_HIT)
		rep_of(px, sv)->st.hint_hits++;
	if (sv->established)
		px_timer_stop(px, &sv->timer);
	if (m != NULL)
		px_server_send(req, m);
	px_server_request_sent(req);
}

/* Open a connection to @p replica. @return it, or NULL (errno: ENOMEM or the connect's). */
static struct px_server *server_open(struct hl_proxy *px, uint32_t replica)
{
	struct px_replica *rep = &px->rep[replica];
	struct px_server *sv;
	int rc;

	if (rte_mempool_get(px->servers, (void **)&sv) != 0) {
		errno = ENOMEM;
		return NULL;
	}
	memset(sv, 0, sizeof(*sv));
	sv->px = px;
	sv->replica = replica;
	sv->state = PXS_CONNECTING;
	rc = hl_tcp_connect(px->w->tcp, px->cfg->tcp.source, rep->addr, rep->port, &px_server_app,
			    sv, &sv->conn);
	if (rc != 0) {
		rte_mempool_put(px->servers, sv);
		errno = -rc;
		return NULL;
	}
	rep->n_conns++;
	px->n_servers++;
	rep->st.conns_opened++;
	HL_COUNT(px->w, HTTP_POOL_OPENED);
	px_timer_arm(px, &sv->timer, PX_T_SERVER_CONNECT);
	return sv;
}

static void request_failed(struct hl_proxy *px, struct px_req *req, enum hl_ctrl_health_event ev);

void px_server_dispatch(struct hl_proxy *px, struct px_req *req)
{
	struct px_replica *rep = &px->rep[req->replica];
	struct px_server *sv = LIST_FIRST(&rep->idle);
	struct px_client *cl = req->cl;

	if (sv != NULL) {
		LIST_REMOVE(sv, idle_node);
		rep->n_idle--;
		rep->st.conns_reused++;
		HL_COUNT(px->w, HTTP_POOL_REUSED);
	} else if (rep->n_conns < px->cfg->http.replica_conns_max) {
		sv = server_open(px, req->replica);
		if (sv == NULL) {
			request_failed(px, req, HL_CTRL_HEALTH_CONNECT_FAIL);
			return;
		}
	} else {
		req->phase = PXR_QUEUED;
		TAILQ_INSERT_TAIL(&rep->waiting, req, wait_node);
		px_timer_arm(px, &req->timer, PX_T_REQ_QUEUE);
		/* the client is not slow while its body waits for us: the body-gap timeout
		 * starts again when the body is read (client_body) */
		px_timer_stop(px, &cl->timer);
		HL_COUNT(px->w, HTTP_POOL_WAITED);
		return;
	}
	px_bind(sv, req);
	if (cl->req == req && cl->state == PXC_BODY)
		px_client_drive(cl);
}

/* @p sv is free again: the first waiting request of its replica, or the idle list. */
static void server_to_pool(struct px_server *sv)
{
	struct hl_proxy *px = sv->px;
	struct px_replica *rep = rep_of(px, sv);
	struct px_req *req = TAILQ_FIRST(&rep->waiting);

	if (req != NULL) {
		TAILQ_REMOVE(&rep->waiting, req, wait_node);
		px_timer_stop(px, &req->timer);
		rep->st.conns_reused++;
		HL_COUNT(px->w, HTTP_POOL_REUSED);
		px_bind(sv, req);
		if (req->cl->req == req && req->cl->state == PXC_BODY)
			px_client_drive(req->cl);
		return;
	}
	sv->state = PXS_IDLE;
	LIST_INSERT_HEAD(&rep->idle, sv, idle_node);
	rep->n_idle++;
	px_timer_arm(px, &sv->timer, PX_T_SERVER_IDLE);
}

/* A connection slot of @p replica came free: open one for a waiting request. */
static void kick_waiting(struct hl_proxy *px, uint32_t replica)
{
	struct px_replica *rep = &px->rep[replica];
	struct px_req *req = TAILQ_FIRST(&rep->waiting);

	if (req == NULL || rep->n_conns >= px->cfg->http.replica_conns_max)
		return;
	TAILQ_REMOVE(&rep->waiting, req, wait_node);
	px_timer_stop(px, &req->timer);
	req->phase = PXR_HEAD; /* off the wait list */
	px_server_dispatch(px, req);
}

/* Detach @p req from its connection (if any); the connection is not told. */
static struct px_server *unbind(struct px_req *req)
{
	struct px_server *sv = req->sv;

	if (sv != NULL) {
		sv->req = NULL;
		req->sv = NULL;
	}
	return sv;
}

void px_server_abandon(struct px_req *req)
{
	struct px_server *sv = unbind(req);

	if (sv != NULL)
		hl_tcp_abort(sv->px->w->tcp, sv->conn); /* server_closed frees it */
}

/*
 * The retry's chain: a new mbuf attached to each kept segment's data. Not the segments
 * themselves: the failed connection's send queue may still link them through their ->next
 * and unlinks them as it frees them (tcp_sq_free), which would cut a second queue's chain
 * made of the same mbufs (the body after a head went astray: found by fuzz_proxy). The kept
 * references are dropped. @return the chain, or NULL (no mbufs, or nothing kept).
 */
static struct rte_mbuf *replay_chain(struct hl_proxy *px, struct px_req *req)
{
	struct rte_mbuf *head = NULL, *tail = NULL, *m;
	bool short_of_mbufs = false;

	if (req->n_replay == 0xff)
		return NULL;
	for (unsigned i = 0; i < req->n_replay; i++) {
		m = short_of_mbufs ? NULL : rte_pktmbuf_alloc(px->w->pool);
		if (m == NULL) {
			short_of_mbufs = true;
		} else {
			rte_pktmbuf_attach(m, req->replay[i]);
			if (tail != NULL) {
				tail->next = m;
				head->nb_segs++;
				head->pkt_len += m->data_len;
			} else {
				head = m;
			}
			tail = m;
		}
		rte_pktmbuf_free_seg(req->replay[i]);
	}
	req->n_replay = 0;
	if (short_of_mbufs) { /* no retry */
		rte_pktmbuf_free(head);
		return NULL;
	}
	return head;
}

static bool retryable(const struct px_req *req)
{
	return req->tries < 2 && req->acked == 0 && !req->resp_started && req->n_replay != 0xff &&
	       (req->n_replay != 0 || req->pending != NULL);
}

/*
 * The request failed on its replica (connection refused, reset, timed
 * out, bad response); it is already unbound. Retry it once elsewhere when
 * nothing of it reached the replica, else answer the client.
 */
static void request_failed(struct hl_proxy *px, struct px_req *req, enum hl_ctrl_health_event ev)
{
	struct px_client *cl = req->cl;
	static const struct {
		unsigned status;
		enum hl_counter ctr;
		const char *why;
	} by_ev[HL_CTRL_HEALTH_EVENT_COUNT] = {
		[HL_CTRL_HEALTH_CONNECT_FAIL] =
			{502, HL_CTR_HTTP_502_CONNECT,
			 "replica refused or did not answer the connection"},
		[HL_CTRL_HEALTH_RESET] = {502, HL_CTR_HTTP_502_RESET,
					  "replica closed the connection during the request"},
		[HL_CTRL_HEALTH_TIMEOUT] = {504, HL_CTR_HTTP_504, "replica did not answer in time"},
		[HL_CTRL_HEALTH_5XX] = {502, HL_CTR_HTTP_502_BAD_RESPONSE,
					"replica sent an invalid response"},
	};

	px->rep[req->replica].st.errors++;
	px_learn_health(px, req->replica, ev);
	if (ev != HL_CTRL_HEALTH_TIMEOUT && ev != HL_CTRL_HEALTH_5XX && retryable(req)) {
		struct rte_mbuf *again =
			req->pending != NULL ? req->pending : replay_chain(px, req);

		req->pending = NULL;
		if (again != NULL) {
			hl_route_complete(&px->w->route, &req->route, 0);
			req->routed = false;
			if (px_route(px, req, (int)req->replica) == 0) {
				HL_COUNT(px->w, HTTP_RETRIES);
				req->pending = again;
				req->phase = PXR_HEAD;
				px_server_dispatch(px, req);
				return;
			}
			rte_pktmbuf_free(again);
		}
	}
	if (!req->resp_started) /* else the client is reset: http_resp_truncated */
		px->w->ctr[by_ev[ev].ctr]++;
	px_client_error(cl, by_ev[ev].status, by_ev[ev].why);
}

/* ---- responses ---- */

static void record_latency(struct hl_proxy *px, struct px_req *req, uint64_t tsc)
{
	uint64_t us = tsc / px->tsc_per_us;
	unsigned b = us == 0 ? 0 : (unsigned)(63 - __builtin_clzll(us));

	px->rep[req->replica].st.lat[RTE_MIN(b, HL_PROXY_LAT_BUCKETS - 1u)]++;
	px->rep[req->replica].st.lat_sum_us += us;
}

/* The response ended: give the routing slot back, pool or close, next client request. */
static void response_complete(struct px_server *sv)
{
	struct hl_proxy *px = sv->px;
	struct px_req *req = sv->req;
	struct px_client *cl = req->cl;
	uint64_t tsc = px_now(px) - req->t_sent;
	bool reuse = (req->resp.msg.flags & HL_HTTP1_F_KEEP_ALIVE) && req->body_done &&
		     sv->in.bytes == 0 && !sv->peer_fin && sv->state == PXS_BUSY;
	bool keep = req->client_keep && !cl->close_after;

	record_latency(px, req, tsc);
	if (px->rep[req->replica].health_bad && req->resp.msg.status < 500)
		px_learn_health(px, req->replica, HL_CTRL_HEALTH_OK);
	if (sv->in.bytes != 0)
		HL_COUNT(px->w, HTTP_POOL_UNSOLICITED);
	unbind(req);
	req->phase = PXR_DONE;
	cl->req = NULL;
	px_req_free(px, req, tsc * 1000 / px->tsc_per_us);
	server_recved(sv, sv->held + sv->deferred); /* all of it: the response is over */
	sv->held = 0;
	sv->deferred = 0;
	if (reuse)
		server_to_pool(sv);
	else
		server_close(sv);
	px_client_request_done(cl, keep);
}

/* Send @p m (consumes) to the request's client. */
static void to_client(struct hl_proxy *px, struct px_req *req, struct rte_mbuf *m)
{
	HL_COUNT_N(px->w, HTTP_BYTES_OUT, m->pkt_len);
	req->resp_started = true;
	hl_tcp_send(px->w->tcp, req->cl->conn, m);
}

/* A response head is whole. @return false when the request ended (error or done). */
static bool response_head(struct px_server *sv, struct px_req *req)
{
	struct hl_proxy *px = sv->px;
	struct px_client *cl = req->cl;
	const struct hl_http1_msg *msg = &req->resp.msg;
	uint32_t head_len = msg->head_len;
	bool close_client;
	struct rte_mbuf *m;

	if (msg->flags & HL_HTTP1_F_SWITCH) { /* 101 without an Upgrade of ours */
		unbind(req);
		request_failed(px, req, HL_CTRL_HEALTH_5XX);
		server_close(sv);
		return false;
	}
	if (msg->flags & HL_HTTP1_F_INTERIM) {
		if (!req->http10) {
			m = px_head_response(px, req, &sv->in, false);
			if (m != NULL) {
				HL_COUNT(px->w, HTTP_RESP_1XX);
				HL_COUNT_N(px->w, HTTP_BYTES_OUT, m->pkt_len);
				hl_tcp_send(px->w->tcp, cl->conn, m);
			}
		}
		px_buf_drop(&sv->in, head_len);
		sv->held -= RTE_MIN(head_len, sv->held);
		server_recved(sv, head_len);
		hl_http1_parser_reset(&req->resp);
		hl_http1_set_request_method(&req->resp, (enum hl_http1_method)req->reqp.msg.method);
		req->resp_fed = 0;
		/* the final response has the whole timeout again, from the end of the request
		 * (after a 100 Continue the body may still be on its way: the client's turn) */
		if (req->expect_wait && cl->state == PXC_BODY) {
			px_server_expect_done(req);
			px_timer_arm(px, &cl->timer, PX_T_CLIENT_HEAD);
		}
		px_server_request_sent(req);
		return true;
	}
	if (req->http10 && msg->framing == HL_HTTP1_FRAMING_CHUNKED) {
		/* HTTP/1.0 has no chunked coding: the content goes on, the close ends it */
		HL_COUNT(px->w, HTTP_CHUNKED_TO_HTTP10);
		req->dechunk = true;
	}
	px_learn_hints(px, req, &sv->in);
	px->rep[req->replica].st.status[RTE_MIN(msg->status / 100u, 5u)]++;
	px_client_count_status(px, msg->status);
	if (msg->status >= 500)
		px_learn_health(px, req->replica, HL_CTRL_HEALTH_5XX);
	if (!req->body_done) {
		HL_COUNT(px->w, HTTP_EARLY_RESPONSE);
		cl->close_after = true;
	}
	close_client = !req->client_keep || cl->close_after || cl->peer_fin ||
		       msg->framing == HL_HTTP1_FRAMING_CLOSE || req->dechunk || px->draining;
	if (close_client)
		cl->close_after = true;
	m = px_head_response(px, req, &sv->in, close_client);
	px_buf_drop(&sv->in, head_len);
	sv->held -= RTE_MIN(head_len, sv->held);
	server_recved(sv, head_len);
	if (m == NULL) {
		unbind(req);
		HL_COUNT(px->w, HTTP_503_NO_MEMORY);
		px_client_error(cl, 503, "out of packet buffers");
		server_close(sv);
		return false;
	}
	to_client(px, req, m);
	if (msg->framing == HL_HTTP1_FRAMING_NONE) {
		response_complete(sv);
		return false;
	}
	req->phase = PXR_RESP_BODY;
	/* the body's first byte must come in time too (a head alone, then silence) */
	px_timer_arm(px, &sv->timer, PX_T_SERVER_RESP);
	return true;
}

/*
 * Forward response body bytes by reference. For an HTTP/1.0 client a chunked
 * body is de-chunked on the way (req->dechunk): only chunk data goes on, cut
 * out of the mbufs with indirect ones, and the end of the response is the
 * close of the client connection. The response timeout bounds each pause of
 * the body too. @return false when the request ended.
 */
static bool response_body(struct px_server *sv, struct px_req *req)
{
	struct hl_proxy *px = sv->px;
	struct hl_http1_body res;

	while (sv->in.head != NULL) {
		struct rte_mbuf *m = sv->in.head, *piece = NULL;
		/* de-chunking: the content run ahead, else one framing byte at a time */
		uint64_t ahead =
			req->dechunk ? hl_http1_body_content_ahead(&req->resp) : UINT64_MAX;
		uint16_t n = ahead == 0 ? 1 : (uint16_t)RTE_MIN((uint64_t)m->data_len, ahead);
		int rc = hl_http1_parse_body(&req->resp, rte_pktmbuf_mtod(m, const uint8_t *), n,
					     &res);

		if (rc == -EBADMSG) {
			enum hl_http1_err e = hl_http1_error(&req->resp);

			px->resp_err[e < HL_HTTP1_ERR__COUNT ? e : 0]++;
			unbind(req);
			request_failed(px, req, HL_CTRL_HEALTH_5XX);
			server_close(sv);
			return false;
		}
		if (ahead != 0 && res.consumed == m->data_len) {
			piece = px_buf_pop(&sv->in);
		} else {
			if (ahead != 0 && res.consumed != 0) {
				piece = rte_pktmbuf_clone(m, px->w->pool);
				if (piece == NULL) {
					/* the end of the body is lost: the client must not take
					 * what follows for it (a reset, as it has the head) */
					unbind(req);
					HL_COUNT(px->w, HTTP_503_NO_MEMORY);
					px_client_error(req->cl, 503, "out of packet buffers");
					server_close(sv);
					return false;
				}
				rte_pktmbuf_trim(piece, (uint16_t)(m->data_len - res.consumed));
			}
			px_buf_drop(&sv->in, (uint32_t)res.consumed);
		}
		sv->held -= RTE_MIN((uint32_t)res.consumed, sv->held);
		sv->deferred += (uint32_t)res.consumed;
		if (piece != NULL)
			to_client(px, req, piece);
		if (rc == 0) {
			response_complete(sv);
			return false;
		}
	}
	if (server_unhold(sv)) /* the next piece must come in time */
		px_timer_arm(px, &sv->timer, PX_T_SERVER_RESP);
	else /* held for the client */
		px_timer_stop(px, &sv->timer);
	return true;
}

static void server_drive(struct px_server *sv)
{
	struct hl_proxy *px = sv->px;
	struct px_req *req = sv->req;
	struct hl_http1_seg segs[PX_SEGS_MAX];
	size_t used;
	unsigned n;
	int rc;

	while (sv->req == req && sv->in.head != NULL) {
		if (req->phase == PXR_RESP_BODY) {
			response_body(sv, req);
			return;
		}
		do {
			n = px_buf_segs(&sv->in, req->resp_fed, segs, PX_SEGS_MAX);
			if (n == 0)
				return;
			rc = hl_http1_parse_head(&req->resp, segs, n, &used);
			req->resp_fed += (uint32_t)used;
		} while (rc == -EAGAIN && n == PX_SEGS_MAX);
		if (rc == -EAGAIN)
			return;
		if (rc == 0 && !px_buf_within(&sv->in, req->resp.msg.head_len, PX_SEGS_MAX))
			rc = -E2BIG; /* more mbufs than the rewriting sees: it would lose fields */
		if (rc != 0) {
			enum hl_http1_err e = rc == -E2BIG ? HL_HTTP1_ERR_HEAD_TOO_LARGE
							   : hl_http1_error(&req->resp);

			px->resp_err[e < HL_HTTP1_ERR__COUNT ? e : 0]++;
			unbind(req);
			request_failed(px, req, HL_CTRL_HEALTH_5XX);
			server_close(sv);
			return;
		}
		px_timer_stop(px, &sv->timer);
		if (!response_head(sv, req))
			return;
	}
}

/* ---- the TCP application ---- */

static void server_established(struct hl_tcp *t, struct hl_tcp_conn *c, void *ctx)
{
	struct px_server *sv = ctx;

	(void)t;
	(void)c;
	sv->established = true;
	px_timer_stop(sv->px, &sv->timer);
	if (sv->req == NULL) { /* its request went away while it connected */
		server_to_pool(sv);
		return;
	}
	px_server_request_sent(sv->req);
}

static void server_recv(struct hl_tcp *t, struct hl_tcp_conn *c, struct rte_mbuf *m)
{
	struct px_server *sv = hl_tcp_conn_ctx(c);
	struct hl_proxy *px = sv->px;

	(void)t;
	sv->held += m->pkt_len;
	rep_of(px, sv)->st.bytes_in += m->pkt_len;
	if (sv->req == NULL || sv->state != PXS_BUSY) {
		/* nothing was asked: a replica that talks out of turn is not reused */
		HL_COUNT(px->w, HTTP_POOL_UNSOLICITED);
		rte_pktmbuf_free(m);
		server_close(sv);
		return;
	}
	px_buf_push(&sv->in, m);
	server_drive(sv);
}

static void server_peer_fin(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	struct px_server *sv = hl_tcp_conn_ctx(c);
	struct hl_proxy *px = sv->px;
	struct px_req *req = sv->req;

	(void)t;
	sv->peer_fin = true;
	if (req == NULL) { /* idle (or closing): the replica is done with it */
		if (sv->state == PXS_IDLE)
			HL_COUNT(px->w, HTTP_POOL_PEER_CLOSED);
		server_close(sv);
		return;
	}
	if (req->phase == PXR_RESP_BODY && hl_http1_parse_eof(&req->resp) == 0) {
		response_complete(sv); /* a close-delimited body ended */
		return;
	}
	unbind(req);
	request_failed(px, req, HL_CTRL_HEALTH_RESET);
	/* what is still queued of the request would only wait for a window the replica, done
	 * with this connection, need never open: reset rather than FIN after it */
	if (hl_tcp_send_queued(sv->conn) != 0)
		hl_tcp_abort(px->w->tcp, sv->conn); /* server_closed frees it */
	else
		server_close(sv);
}

static void server_sent(struct hl_tcp *t, struct hl_tcp_conn *c, uint32_t bytes)
{
	struct px_server *sv = hl_tcp_conn_ctx(c);
	struct px_req *req = sv->req;

	(void)t;
	if (req == NULL)
		return;
	if (req->acked == 0)
		px_replay_drop(req); /* it reached the replica: never sent twice */
	req->acked += bytes;
	px_client_release(req->cl);
}

static void server_closed(struct hl_tcp *t, struct hl_tcp_conn *c, int err)
{
	struct px_server *sv = hl_tcp_conn_ctx(c);
	struct hl_proxy *px = sv->px;
	struct px_replica *rep = rep_of(px, sv);
	struct px_req *req = sv->req;

	(void)t;
	if (req != NULL)
		unbind(req);
	if (sv->state == PXS_IDLE) {
		LIST_REMOVE(sv, idle_node);
		rep->n_idle--;
		HL_COUNT(px->w, HTTP_POOL_PEER_CLOSED);
	}
	if (sv->state != PXS_CLOSING) /* server_close() counted it out already */
		rep->n_conns--;
	sv->state = PXS_CLOSING;
	px_timer_stop(px, &sv->timer);
	px_buf_free(&sv->in);
	px->n_servers--;
	if (req != NULL)
		request_failed(px, req,
			       !sv->established && (err == -ECONNREFUSED || err == -ETIMEDOUT)
				       ? HL_CTRL_HEALTH_CONNECT_FAIL
				       : HL_CTRL_HEALTH_RESET);
	rte_mempool_put(px->servers, sv);
	kick_waiting(px, sv->replica);
}

const struct hl_tcp_app px_server_app = {
	.established = server_established,
	.recv = server_recv,
	.peer_fin = server_peer_fin,
	.sent = server_sent,
	.closed = server_closed,
};

/* ---- timeouts ---- */

void px_server_timeout(struct px_server *sv, enum px_timer_kind kind)
{
	struct hl_proxy *px = sv->px;
	struct px_req *req = sv->req;

	if (kind == PX_T_SERVER_IDLE) {
		HL_COUNT(px->w, HTTP_POOL_IDLE_CLOSED);
		server_close(sv);
		return;
	}
	if (req != NULL) {
		unbind(req);
		request_failed(px, req,
			       kind == PX_T_SERVER_CONNECT ? HL_CTRL_HEALTH_CONNECT_FAIL
							   : HL_CTRL_HEALTH_TIMEOUT);
	}
	hl_tcp_abort(px->w->tcp, sv->conn); /* server_closed frees it */
}

void px_req_queue_timeout(struct px_req *req)
{
	struct hl_proxy *px = req->cl->px;

	TAILQ_REMOVE(&px->rep[req->replica].waiting, req, wait_node);
	req->phase = PXR_HEAD;
	HL_COUNT(px->w, HTTP_503_QUEUE_TIMEOUT);
	px_client_error(req->cl, 503, "no connection to the replica came free in time");
}
