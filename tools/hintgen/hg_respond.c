/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --respond: a replica that answers every HTTP/1.1 request at once (or
 * --delay-us later) with 200, a Content-Length body and the configured hint
 * list. Requests are delimited by hintlb's own parser (keep-alive,
 * pipelining, Content-Length and chunked bodies, HTTP/1.0, Connection:
 * close); their bytes are released to the window as soon as they are parsed
 * (nothing is held). Answers go out in request order: delayed ones wait in
 * one FIFO per worker, which is in deadline order because every delay is the
 * same. A request the parser refuses gets its status and the connection
 * closes after it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_mempool.h>

#include "hintgen.h"

#define RS_FIELDS   32
#define RS_FIFO     (1u << 16) /* delayed answers in flight, a power of two */
#define RS_HEAD_MAX (HG_HINTS_MAX_LEN + 256)

/* answer flags */
#define RS_A_CLOSE 0x01 /* Connection: close, then FIN */
#define RS_A_HEAD  0x02 /* HEAD: no body */
#define RS_A_KA10  0x04 /* HTTP/1.0 keep-alive: say so */
#define RS_A_BAD   0x08 /* the parser refused the request: its status, close */

struct rs_conn {
	struct hg_respond *r;
	struct hl_tcp_conn *tc; /* NULL while free */
	uint32_t gen;           /* bumped at each close: delayed answers check it */
	uint32_t pending;       /* delayed answers not sent yet */
	bool peer_fin;
	bool closing; /* a closing answer is queued: later input is ignored */
	struct hl_http1_parser p;
	struct hl_http1_field fields[RS_FIELDS];
};

struct rs_delayed {
	struct rs_conn *rc;
	uint32_t gen;
	uint16_t flags;
	uint16_t status;
	uint64_t due;
};

struct hg_respond {
	struct hg *g;
	struct rte_mempool *conns;
	struct hl_http1_config http;
	uint64_t delay_tsc;
	char hints_line[RS_HEAD_MAX]; /* "X-Fal-Runner-Hints: a,b\r\n" or "" */
	char first_line[RS_HEAD_MAX]; /* the first 200's (--hints-first), then "" */
	char *body;
	uint32_t body_len;
	uint32_t fifo_head, fifo_tail;
	struct rs_delayed *fifo;
	/* counters */
	uint64_t accepted, closed, requests, answers, bad, no_conn, send_failed, fifo_full;
	uint64_t last_requests;
};

static void rs_send(struct hg_respond *r, struct rs_conn *rc, unsigned flags, unsigned status);

/* Append @p len bytes to the chain ending at *tail. @return 0 or -ENOBUFS. */
static int chain_put(struct rte_mempool *pool, struct rte_mbuf *head, struct rte_mbuf **tail,
		     const void *data, size_t len)
{
	const uint8_t *d = data;

	while (len > 0) {
		uint16_t room = rte_pktmbuf_tailroom(*tail);
		size_t n;

		if (room == 0) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

			if (m == NULL || rte_pktmbuf_chain(head, m) != 0) {
				rte_pktmbuf_free(m);
				return -ENOBUFS;
			}
			*tail = m;
			continue;
		}
		n = RTE_MIN(len, (size_t)room);
		/* appends to the last segment, *tail, and counts it in the head */
		memcpy(rte_pktmbuf_append(head, (uint16_t)n), d, n);
		d += n;
		len -= n;
	}
	return 0;
}

static const char *status_text(unsigned status)
{
	switch (status) {
	case 200:
		return "200 OK";
	case 400:
		return "400 Bad Request";
	case 414:
		return "414 URI Too Long";
	case 431:
		return "431 Request Header Fields Too Large";
	case 501:
		return "501 Not Implemented";
	case 505:
		return "505 HTTP Version Not Supported";
	default:
		return "400 Bad Request";
	}
}

/* The answer as an mbuf chain. @return owned, or NULL (no mbufs). */
static struct rte_mbuf *rs_build(struct hg_respond *r, unsigned flags, unsigned status)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(r->g->pool), *tail = m;
	char head[RS_HEAD_MAX + 128];
	uint32_t body = (flags & RS_A_BAD) ? 0 : r->body_len;
	int n;

	if (m == NULL)
		return NULL;
	const char *hints = (flags & RS_A_BAD) ? ""
			    : r->first_line[0] ? r->first_line
					       : r->hints_line;

	n = snprintf(head, sizeof(head), "HTTP/1.1 %s\r\nContent-Length: %u\r\n%s%s\r\n",
		     status_text(status), body, hints,
		     (flags & RS_A_CLOSE)  ? "Connection: close\r\n"
		     : (flags & RS_A_KA10) ? "Connection: keep-alive\r\n"
					   : "");
	if (!(flags & RS_A_BAD))
		r->first_line[0] = '\0'; /* one answer carried it */
	if (chain_put(r->g->pool, m, &tail, head, (size_t)n) != 0 ||
	    (!(flags & RS_A_HEAD) && chain_put(r->g->pool, m, &tail, r->body, body) != 0)) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	return m;
}

static void rs_send(struct hg_respond *r, struct rs_conn *rc, unsigned flags, unsigned status)
{
	struct hl_tcp *t = r->g->w->tcp;
	struct rte_mbuf *m = rs_build(r, flags, status);

	if (m == NULL || hl_tcp_send(t, rc->tc, m) != 0) {
		r->send_failed++;
		hl_tcp_abort(t, rc->tc); /* closed() runs: rc is free after this */
		return;
	}
	r->answers++;
	if ((flags & RS_A_CLOSE) || (rc->peer_fin && rc->pending == 0))
		hl_tcp_shutdown(t, rc->tc);
}

/* A whole request: answer it now or queue the answer for later. */
static void rs_answer(struct hg_respond *r, struct rs_conn *rc, unsigned flags, unsigned status)
{
	r->requests++;
	if (flags & RS_A_CLOSE)
		rc->closing = true;
	if (r->delay_tsc == 0 || (flags & RS_A_BAD)) {
		if (rc->pending == 0) {
			rs_send(r, rc, flags, status);
			return;
		}
	}
	if (r->fifo_tail - r->fifo_head == RS_FIFO) {
		r->fifo_full++; /* answered at once: out of order with those queued */
		rs_send(r, rc, flags, status);
		return;
	}
	r->fifo[r->fifo_tail++ & (RS_FIFO - 1)] = (struct rs_delayed){
		.rc = rc,
		.gen = rc->gen,
		.flags = (uint16_t)flags,
		.status = (uint16_t)status,
		.due = rte_rdtsc() + r->delay_tsc,
	};
	rc->pending++;
}

unsigned hg_respond_tick(struct hg_respond *r, uint64_t now)
{
	unsigned n = 0;

	while (r->fifo_head != r->fifo_tail) {
		struct rs_delayed *d = &r->fifo[r->fifo_head & (RS_FIFO - 1)];

		if (d->due > now)
			break;
		r->fifo_head++;
		n++;
		if (d->rc->gen != d->gen || d->rc->tc == NULL)
			continue; /* the connection went meanwhile */
		d->rc->pending--;
		rs_send(r, d->rc, d->flags, d->status);
	}
	return n;
}

/* The request head @p msg is whole: what its answer says. */
static unsigned rs_flags(const struct hl_http1_msg *msg)
{
	unsigned f = 0;

	if (!(msg->flags & HL_HTTP1_F_KEEP_ALIVE))
		f |= RS_A_CLOSE;
	else if (msg->version == 0)
		f |= RS_A_KA10;
	if (msg->method == HL_HTTP1_M_HEAD)
		f |= RS_A_HEAD;
	return f;
}

/* Parse one piece of input; answer each request that ends in it. */
static void rs_parse(struct hg_respond *r, struct rs_conn *rc, const uint8_t *d, size_t len)
{
	while (len > 0 && !rc->closing && rc->tc != NULL) {
		if (!hl_http1_in_body(&rc->p)) {
			struct hl_http1_seg seg = {.data = d, .len = len};
			size_t used = 0;
			int rc2 = hl_http1_parse_head(&rc->p, &seg, 1, &used);

			if (rc2 == -EAGAIN)
				return;
			if (rc2 != 0) {
				r->bad++;
				rs_answer(r, rc, RS_A_BAD | RS_A_CLOSE, hl_http1_status(&rc->p));
				return;
			}
			d += used;
			len -= used;
			if (rc->p.msg.framing == HL_HTTP1_FRAMING_NONE)
				rs_answer(r, rc, rs_flags(&rc->p.msg), 200);
		} else {
			struct hl_http1_body res;
			int rc2 = hl_http1_parse_body(&rc->p, d, len, &res);

			d += res.consumed;
			len -= res.consumed;
			if (rc2 == -EAGAIN)
				return;
			if (rc2 != 0) {
				r->bad++;
				rs_answer(r, rc, RS_A_BAD | RS_A_CLOSE, 400);
				return;
			}
			rs_answer(r, rc, rs_flags(&rc->p.msg), 200);
		}
	}
}

static void rs_established(struct hl_tcp *t, struct hl_tcp_conn *c, void *ctx)
{
	struct hg_respond *r = ctx;
	struct rs_conn *rc;
	uint32_t gen;

	if (rte_mempool_get(r->conns, (void **)&rc) != 0) {
		r->no_conn++;
		hl_tcp_abort(t, c);
		return;
	}
	gen = rc->gen; /* kept across reuse: stale FIFO entries must not match */
	rc->r = r;
	rc->tc = c;
	rc->gen = gen;
	rc->pending = 0;
	rc->peer_fin = false;
	rc->closing = false;
	hl_http1_parser_init(&rc->p, &r->http, HL_HTTP1_REQUEST, rc->fields, RS_FIELDS);
	hl_tcp_conn_set_ctx(c, rc);
	r->accepted++;
}

static void rs_recv(struct hl_tcp *t, struct hl_tcp_conn *c, struct rte_mbuf *m)
{
	struct rs_conn *rc = hl_tcp_conn_ctx(c);
	uint32_t len = m->pkt_len;

	for (struct rte_mbuf *s = m; s != NULL && rc->tc != NULL; s = s->next)
		rs_parse(rc->r, rc, rte_pktmbuf_mtod(s, const uint8_t *), s->data_len);
	rte_pktmbuf_free(m);
	if (rc->tc != NULL)
		hl_tcp_recved(t, c, len);
}

static void rs_peer_fin(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	struct rs_conn *rc = hl_tcp_conn_ctx(c);

	rc->peer_fin = true;
	if (rc->pending == 0)
		hl_tcp_shutdown(t, c);
}

static void rs_closed(struct hl_tcp *t, struct hl_tcp_conn *c, int err)
{
	struct rs_conn *rc = hl_tcp_conn_ctx(c);

	(void)t;
	(void)err;
	if (rc == NULL)
		return;
	rc->tc = NULL;
	rc->gen++;
	rc->r->closed++;
	rte_mempool_put(rc->r->conns, rc);
}

static const struct hl_tcp_app rs_app = {
	.established = rs_established,
	.recv = rs_recv,
	.peer_fin = rs_peer_fin,
	.closed = rs_closed,
};

struct hg_respond *hg_respond_create(struct hg *g, char *err, size_t errlen)
{
	const struct hg_opts *o = g->o;
	struct hg_respond *r = rte_zmalloc("hg_respond", sizeof(*r), RTE_CACHE_LINE_SIZE);
	int rc;

	if (r == NULL)
		goto nomem;
	r->g = g;
	hl_http1_config_init(&r->http);
	r->http.max_fields = RS_FIELDS;
	r->delay_tsc = g->hz * o->delay_us / 1000000;
	if (o->hints_set)
		snprintf(r->hints_line, sizeof(r->hints_line), "%s: %s\r\n", o->hints_header,
			 o->hints);
	if (o->hints_first_set)
		snprintf(r->first_line, sizeof(r->first_line), "%s: %s\r\n", o->hints_header,
			 o->hints_first);
	r->body_len = o->body_bytes;
	r->body = rte_malloc("hg_body", r->body_len + 1, 0);
	r->fifo = rte_malloc("hg_fifo", sizeof(*r->fifo) * RS_FIFO, RTE_CACHE_LINE_SIZE);
	r->conns = rte_mempool_create("hg_rs_conns", o->max_conns, sizeof(struct rs_conn), 0, 0,
				      NULL, NULL, NULL, NULL, (int)rte_socket_id(),
				      RTE_MEMPOOL_F_SP_PUT | RTE_MEMPOOL_F_SC_GET);
	if (r->body == NULL || r->fifo == NULL || r->conns == NULL)
		goto nomem;
	for (uint32_t i = 0; i < r->body_len; i++)
		r->body[i] = "ok\n"[i % 3];
	rc = hl_tcp_listen(g->w->tcp, o->addr, o->listen_port, &rs_app, r);
	if (rc != 0) {
		snprintf(err, errlen, "--listen %u: %s", o->listen_port, strerror(-rc));
		hg_respond_free(r);
		return NULL;
	}
	return r;
nomem:
	snprintf(err, errlen,
		 "responder: out of memory for %u connections (--max-conns; give "
		 "the EAL more memory, -m)",
		 o->max_conns);
	hg_respond_free(r);
	return NULL;
}

void hg_respond_progress(struct hg_respond *r, FILE *f, double elapsed_s)
{
	fprintf(f,
		"hintgen respond: %6.1f s  %10" PRIu64 " req/s  %" PRIu64 " requests  %" PRIu64
		" open\n",
		elapsed_s, r->requests - r->last_requests, r->requests, r->accepted - r->closed);
	r->last_requests = r->requests;
}

void hg_respond_report(const struct hg_respond *r, FILE *f, bool json, double elapsed_s)
{
	if (json) {
		fprintf(f,
			"{\"mode\": \"respond\", \"elapsed_s\": %.3f, \"requests\": %" PRIu64
			", \"answers\": %" PRIu64 ", \"bad_requests\": %" PRIu64
			", \"connections_accepted\": %" PRIu64 ", \"connections_closed\": %" PRIu64
			", \"no_conn_object\": %" PRIu64 ", \"send_failed\": %" PRIu64
			", \"delay_fifo_full\": %" PRIu64 "}\n",
			elapsed_s, r->requests, r->answers, r->bad, r->accepted, r->closed,
			r->no_conn, r->send_failed, r->fifo_full);
		return;
	}
	fprintf(f,
		"responder: %.1f s\n  requests     %" PRIu64 "\n  answers      %" PRIu64
		"\n  bad          %" PRIu64 "\n  accepted     %" PRIu64 "\n  closed       %" PRIu64
		"\n  no_conn      %" PRIu64 "\n  send_failed  %" PRIu64 "\n  fifo_full    %" PRIu64
		"\n",
		elapsed_s, r->requests, r->answers, r->bad, r->accepted, r->closed, r->no_conn,
		r->send_failed, r->fifo_full);
}

void hg_respond_free(struct hg_respond *r)
{
	if (r == NULL)
		return;
	rte_mempool_free(r->conns);
	rte_free(r->fifo);
	rte_free(r->body);
	rte_free(r);
}
