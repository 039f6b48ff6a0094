/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Heads as they leave the proxy, and the responses it makes itself.
 *
 * A forwarded head is rebuilt into fresh mbufs from the parsed spans: the
 * start line (HTTP/1.1 towards the replica), every field but the
 * hop-by-hop ones (RFC 9110 7.6.1: Connection, Keep-Alive,
 * Proxy-Connection, TE, Upgrade, and the fields Connection names) and, in
 * responses, the replica's hints field (unless [routing] strip_hints = no);
 * then what the proxy adds: X-Forwarded-For and, for an HTTP/1.0 request
 * without one, Host towards the replica; the explain field and Connection
 * towards the client. Transfer-Encoding is hop-by-hop too, but the body is
 * forwarded with its framing unchanged, so it stays. No Via field is added
 * (as HAProxy and nginx do by default).
 *
 * Rebuilding copies the kept head bytes once (a few hundred, into one mbuf)
 * instead of a chain of indirect mbufs around each removed field; the TCP
 * stack copies the send queue into frames anyway (net_af_xdp takes no
 * multi-segment mbufs). Bodies are never copied: they go by reference.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <rte_mbuf.h>

#include "proxy_priv.h"

#define PX_SEGS_MAX 64

/* An mbuf chain being written: bytes go at w, room left in tail; the tail's data_len
 * and the head's pkt_len are set when the tail is full or the chain is done. */
struct px_out {
	struct rte_mempool *pool;
	struct rte_mbuf *head, *tail;
	uint8_t *w;
	uint32_t room;
	uint32_t closed; /* bytes in the mbufs before tail */
	bool fail;
};

/* Close the tail (its data_len) and chain a fresh mbuf after it. */
static void out_grow(struct px_out *o)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(o->pool);

	if (m == NULL) {
		o->fail = true;
		return;
	}
	if (o->tail != NULL) {
		o->tail->data_len = (uint16_t)(o->w - rte_pktmbuf_mtod(o->tail, uint8_t *));
		o->closed += o->tail->data_len;
		o->tail->next = m;
		o->head->nb_segs++;
	} else {
		o->head = m;
	}
	o->tail = m;
	o->w = rte_pktmbuf_mtod(m, uint8_t *);
	o->room = rte_pktmbuf_tailroom(m);
}

static __attribute__((noinline)) void out_put_slow(struct px_out *o, const uint8_t *p, size_t len)
{
	while (len != 0 && !o->fail) {
		size_t n = RTE_MIN(len, (size_t)o->room);

		if (n == 0) {
			out_grow(o);
			continue;
		}
		memcpy(o->w, p, n);
		o->w += n;
		o->room -= (uint32_t)n;
		p += n;
		len -= n;
	}
}

/* A chain of one empty mbuf from @p pool (o->fail when there is none). */
static void out_init(struct px_out *o, struct rte_mempool *pool)
{
	*o = (struct px_out){.pool = pool};
	out_grow(o);
}

/* Nearly every call fits in the room left: a compare and a copy. (len 0 takes the slow
 * path, which copies nothing: o->w is NULL when out_init() found no mbuf.) */
static inline void out_put(struct px_out *o, const void *data, size_t len)
{
	if (likely(len - 1 < (size_t)o->room)) {
		memcpy(o->w, data, len);
		o->w += len;
		o->room -= (uint32_t)len;
		return;
	}
	out_put_slow(o, data, len);
}

static void out_str(struct px_out *o, const char *s)
{
	out_put(o, s, strlen(s));
}

/* Bytes [span.off, +len) of the message at the start of @p segs. */
static void out_span(struct px_out *o, const struct hl_http1_seg *segs, unsigned n,
		     struct hl_http1_span span)
{
	uint32_t off = span.off, len = span.len;

	for (unsigned i = 0; i < n && len != 0; i++) {
		if (off >= segs[i].len) {
			off -= (uint32_t)segs[i].len;
			continue;
		}
		uint32_t k = RTE_MIN(len, (uint32_t)segs[i].len - off);

		out_put(o, segs[i].data + off, k);
		len -= k;
		off = 0;
	}
}

static struct rte_mbuf *out_done(struct px_out *o)
{
	if (o->fail) {
		rte_pktmbuf_free(o->head);
		return NULL;
	}
	if (o->tail != NULL) {
		o->tail->data_len = (uint16_t)(o->w - rte_pktmbuf_mtod(o->tail, uint8_t *));
		o->head->pkt_len = o->closed + o->tail->data_len;
	}
	return o->head;
}

/* Is field @p f named by one of the message's Connection options? */
static bool named_by_connection(const struct hl_http1_msg *msg, const struct hl_http1_seg *segs,
				unsigned n, const struct hl_http1_field *f)
{
	char a[HL_HTTP1_NAME_MAX], b[HL_HTTP1_NAME_MAX];
	int la, lb;

	if (msg->nconn_opts == 0 || f->name.len >= sizeof(a))
		return false;
	la = hl_http1_span_copy(segs, n, 0, f->name, a, sizeof(a));
	for (unsigned i = 0; i < msg->nconn_opts; i++) {
		if (msg->conn_opts[i].len != f->name.len)
			continue;
		lb = hl_http1_span_copy(segs, n, 0, msg->conn_opts[i], b, sizeof(b));
		if (la > 0 && la == lb && strncasecmp(a, b, (size_t)la) == 0)
			return true;
	}
	return false;
}

/* The fields of @p msg that go on: not hop-by-hop (but Transfer-Encoding when @p keep_te:
 * the body keeps its framing), not named by Connection, not the hints field when it is
 * stripped. Runs of kept field lines are copied as they came, CRLFs included (a line ends
 * where the next begins: the parser refuses bare LF and obs-fold); @p end is where the
 * last line ends (the final CRLF). */
static void out_fields(struct px_out *o, const struct hl_http1_msg *msg,
		       const struct hl_http1_seg *segs, unsigned n, bool strip_hints, bool keep_te,
		       uint32_t end)
{
	uint32_t run = UINT32_MAX;

	for (uint32_t i = 0; i < msg->nfields; i++) {
		const struct hl_http1_field *f = &msg->fields[i];
		bool te = keep_te && f->id == HL_HTTP1_H_TRANSFER_ENCODING;
		bool keep = !((f->flags & HL_HTTP1_FF_HOP) && !te) &&
			    !(strip_hints && f->id == HL_HTTP1_H_HINTS) &&
			    !named_by_connection(msg, segs, n, f);

		if (keep && run == UINT32_MAX) {
			run = f->name.off;
		} else if (!keep && run != UINT32_MAX) {
			out_span(o, segs, n, (struct hl_http1_span){run, f->name.off - run});
			run = UINT32_MAX;
		}
	}
	if (run != UINT32_MAX)
		out_span(o, segs, n, (struct hl_http1_span){run, end - run});
}

/* Where the start line's CRLF ends: the first field's line, or the final CRLF. */
static uint32_t start_line_end(const struct hl_http1_msg *msg)
{
	return msg->nfields != 0 ? msg->fields[0].name.off : msg->head_len - 2;
}

/* Decimal @p v into @p p. @return the byte after it. (snprintf per request cost ~10 % of
 * the proxy's work in bench_proxy_inproc.) */
static char *dec(char *p, unsigned v)
{
	char t[10];
	int n = 0;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		*p++ = t[--n];
	return p;
}

/* Decimal @p v < 256 into @p p without a loop (X-Forwarded-For on every request). */
static inline char *dec_octet(char *p, unsigned v)
{
	if (v >= 100) {
		*p++ = (char)('0' + v / 100);
		v %= 100;
		*p++ = (char)('0' + v / 10);
	} else if (v >= 10) {
		*p++ = (char)('0' + v / 10);
	}
	*p++ = (char)('0' + v % 10);
	return p;
}

char *px_fmt_ipv4(char *p, uint32_t be, int port)
{
	const uint8_t *b = (const uint8_t *)&be;

	for (int i = 0; i < 4; i++) {
		p = dec_octet(p, b[i]);
		*p++ = i < 3 ? '.' : ':';
	}
	return port > 0 ? dec(p, (unsigned)port) : p - 1;
}

/* @p s (a literal) at @p p. @return the byte after it. */
#define PUT_LIT(p, s) ((char *)memcpy((p), (s), sizeof(s) - 1) + sizeof(s) - 1)

struct rte_mbuf *px_head_request(struct hl_proxy *px, struct px_req *req, const struct px_buf *in)
{
	const struct hl_http1_msg *msg = &req->reqp.msg;
	struct px_out o;
	struct hl_http1_seg segs[PX_SEGS_MAX];
	unsigned n = px_buf_segs(in, 0, segs, PX_SEGS_MAX);

	out_init(&o, px->w->pool);
	if (msg->version == 1) { /* the request line as it came */
		out_span(&o, segs, n,
			 (struct hl_http1_span){msg->method_span.off,
						start_line_end(msg) - msg->method_span.off});
	} else {
		out_span(&o, segs, n, msg->method_span);
		out_put(&o, " ", 1);
		out_span(&o, segs, n, msg->target);
		out_str(&o, " HTTP/1.1\r\n");
	}
	out_fields(&o, msg, segs, n, false, true, msg->head_len - 2);
	/* what the proxy adds, written once: Host 29 bytes at most, X-Forwarded-For 34, CRLF */
	char add[80], *p = add;
	if (!(msg->flags & HL_HTTP1_F_HOST)) { /* HTTP/1.0: HTTP/1.1 needs one */
		p = PUT_LIT(p, "Host: ");
		p = px_fmt_ipv4(p, px->rep[req->replica].addr, px->rep[req->replica].port);
		p = PUT_LIT(p, "\r\n");
	}
	if (px->cfg->http.x_forwarded_for) {
		p = PUT_LIT(p, "X-Forwarded-For: ");
		p = px_fmt_ipv4(p, req->cl->raddr, 0);
		p = PUT_LIT(p, "\r\n");
	}
	p = PUT_LIT(p, "\r\n");
	out_put(&o, add, (size_t)(p - add));
	return out_done(&o);
}

struct rte_mbuf *px_head_response(struct hl_proxy *px, struct px_req *req, const struct px_buf *in,
				  bool close_client)
{
	const struct hl_http1_msg *msg = &req->resp.msg;
	struct px_out o;
	struct hl_http1_seg segs[PX_SEGS_MAX];
	unsigned n = px_buf_segs(in, 0, segs, PX_SEGS_MAX);
	char line[64];

	out_init(&o, px->w->pool);
	if (msg->version == 1 && msg->reason.off + msg->reason.len + 2 == start_line_end(msg)) {
		out_span(&o, segs, n, (struct hl_http1_span){0, start_line_end(msg)});
	} else { /* HTTP/1.0, or leading empty lines: a status line of ours */
		snprintf(line, sizeof(line), "HTTP/1.1 %03u ", msg->status);
		out_str(&o, line);
		out_span(&o, segs, n, msg->reason);
		out_put(&o, "\r\n", 2);
	}
	out_fields(&o, msg, segs, n, px->cfg->routing.strip_hints, !req->dechunk,
		   msg->head_len - 2);
	if (px->explain_len != 0 && !(msg->flags & HL_HTTP1_F_INTERIM)) {
		out_put(&o, px->explain, px->explain_len);
		out_str(&o, ": replica=");
		out_str(&o, px->rep[req->replica].name);
		out_str(&o, "; reason=");
		out_str(&o, hl_route_reason_name(req->route.reason));
		out_put(&o, "\r\n", 2);
	}
	if (!(msg->flags & HL_HTTP1_F_INTERIM)) {
		if (close_client)
			out_str(&o, "Connection: close\r\n");
		else if (req->http10)
			out_str(&o, "Connection: keep-alive\r\n");
	}
	out_put(&o, "\r\n", 2);
	return out_done(&o);
}

const char *px_reason_phrase(unsigned status)
{
	switch (status) {
	case 400:
		return "Bad Request";
	case 408:
		return "Request Timeout";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 417:
		return "Expectation Failed";
	case 431:
		return "Request Header Fields Too Large";
	case 501:
		return "Not Implemented";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Error";
	}
}

struct rte_mbuf *px_canned(struct hl_proxy *px, unsigned status, const char *why, bool head_only)
{
	struct px_out o;
	char head[256];
	int body = (int)strlen(why) + 1;

	out_init(&o, px->w->pool);
	snprintf(head, sizeof(head),
		 "HTTP/1.1 %u %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
		 "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
		 status, px_reason_phrase(status), body);
	out_str(&o, head);
	if (!head_only) {
		out_str(&o, why);
		out_put(&o, "\n", 1);
	}
	return out_done(&o);
}
