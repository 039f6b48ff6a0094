/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client connections: read requests with the project's HTTP/1.1 parser (dataplane/http1/),
 * hand each to the scheduler, write the responses in order.
 *
 * A connection reads into a fixed input buffer and parses one request at a time: the next
 * pipelined request stays in the buffer until the current one is answered (and while more
 * than REP_OUT_HIGH bytes of output wait for the client). Reading stops when the buffer is
 * full, so a client that pipelines without reading is not buffered without bound. Request
 * bodies are checksummed as they stream by and dropped. A refused request gets its status
 * (400 mostly) and Connection: close; after the last response the connection is shut down
 * for writing and its input drained until the client closes or REP_LINGER_NS passes, so
 * the client reads the response instead of a reset.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

#include "hintreplica.h"

/* Set up a connection on accepted socket @p fd. @return 0, or -1 after closing @p fd. */
static int conn_new(struct rep_server *srv, int fd)
{
	const struct hl_http1_config *cfg = &srv->opts->http;
	struct epoll_event ev = {.events = EPOLLIN};
	struct rep_conn *c = calloc(1, sizeof(*c) + cfg->max_fields * sizeof(c->fields[0]));
	const char *why = "out of memory";
	int one = 1;

	if (c == NULL || (c->in = malloc(REP_IN_CAP)) == NULL)
		goto fail;
	/* cannot fail: the field array has max_fields entries */
	hl_http1_parser_init(&c->parser, cfg, HL_HTTP1_REQUEST, c->fields, cfg->max_fields);
	ev.data.ptr = c;
	if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		why = strerror(errno);
		goto fail;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->kind = REP_FD_CONN;
	c->fd = fd;
	c->srv = srv;
	c->events = EPOLLIN;
	c->id = ++srv->next_conn_id;
	TAILQ_INSERT_TAIL(&srv->conns, c, link);
	srv->st.conns_accepted++;
	srv->st.conns_open++;
	return 0;
fail:
	fprintf(stderr, "hintreplica %s: connection dropped: %s\n", srv->name, why);
	if (c != NULL)
		free(c->in);
	free(c);
	close(fd);
	return -1;
}

void rep_conn_accept(struct rep_server *srv, struct rep_listener *l)
{
	int fd;

	for (;;) {
		fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			conn_new(srv, fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			fprintf(stderr, "hintreplica %s: accept on %s: %s\n", srv->name, l->addr,
				strerror(errno));
		return;
	}
}

void rep_conn_close(struct rep_conn *c)
{
	struct rep_server *srv = c->srv;

	rep_sched_cancel(&srv->sched, &c->req.job);
	if (c->state == REP_C_LINGER)
		TAILQ_REMOVE(&srv->lingering, c, linger_link);
	TAILQ_REMOVE(&srv->conns, c, link);
	close(c->fd);
	srv->st.conns_open--;
	free(c->in);
	free(c->out);
	free(c);
}

/* Client output is written, no request follows: shut down for writing and drain. */
static int conn_linger(struct rep_conn *c)
{
	if (c->peer_eof || shutdown(c->fd, SHUT_WR) != 0) {
		rep_conn_close(c);
		return -1;
	}
	c->state = REP_C_LINGER;
	c->linger_until = rep_now_ns() + REP_LINGER_NS;
	c->start = c->scan = c->len = 0;
	TAILQ_INSERT_TAIL(&c->srv->lingering, c, linger_link);
	return 0;
}

/* Write what the output holds. @return 0, or -1 when the connection was closed. */
static int conn_flush(struct rep_conn *c)
{
	const struct rep_server *srv = c->srv;

	while (c->out_off < c->out_len || c->body_left) {
		size_t head = c->out_len - c->out_off, p = c->body_pos % REP_PATTERN_LEN;
		struct iovec iov[2];
		struct msghdr mh = {.msg_iov = iov};
		ssize_t w;

		if (head)
			iov[mh.msg_iovlen++] = (struct iovec){c->out + c->out_off, head};
		if (c->body_left) {
			size_t k = srv->pattern_len - p;

			iov[mh.msg_iovlen++] = (struct iovec){(void *)(srv->pattern + p),
							      c->body_left < k ? c->body_left : k};
		}
		w = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (w < 0) {
			rep_conn_close(c);
			return -1;
		}
		if ((size_t)w < head) {
			c->out_off += (size_t)w;
			continue;
		}
		c->out_off = c->out_len = 0;
		c->body_left -= (size_t)w - head;
		c->body_pos += (size_t)w - head;
	}
	if (c->state == REP_C_CLOSING && c->out_len == 0 && c->body_left == 0)
		return conn_linger(c);
	return 0;
}

/* Read what the socket has into the input buffer. @return 0, or -1 when closed. */
static int conn_read(struct rep_conn *c)
{
	ssize_t n;

	if (c->start > 0) {
		memmove(c->in, c->in + c->start, c->len - c->start);
		c->scan -= c->start;
		c->len -= c->start;
		c->start = 0;
	}
	if (c->len == REP_IN_CAP || c->peer_eof)
		return 0;
	n = recv(c->fd, c->in + c->len, REP_IN_CAP - c->len, 0);
	if (n > 0) {
		if (c->state == REP_C_LINGER)
			return 0; /* dropped: the buffer stays empty */
		c->len += (uint32_t)n;
	} else if (n == 0) {
		c->peer_eof = true;
		if (c->state == REP_C_LINGER) {
			rep_conn_close(c);
			return -1;
		}
	} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		rep_conn_close(c);
		return -1;
	}
	return 0;
}

/* The request is answered (or refused): read the next one, or close after it. */
static void exchange_done(struct rep_conn *c, bool close)
{
	memset(&c->req, 0, sizeof(c->req));
	c->state = close ? REP_C_CLOSING : REP_C_HEAD;
}

/*
 * End the exchange with @p rp: the connection reads the next request, or closes after this.
 * @return 0, or -1 when the connection was closed (out of memory).
 */
static int reply(struct rep_conn *c, const struct rep_reply *rp)
{
	exchange_done(c, rp->close);
	if (rep_respond(c, rp) == 0)
		return 0;
	rep_conn_close(c);
	return -1;
}

static bool name_is(const uint8_t *base, const struct hl_http1_field *f, const char *name)
{
	return f->name.len == strlen(name) &&
	       strncasecmp((const char *)base + f->name.off, name, f->name.len) == 0;
}

/* A header value of 1..@p digits decimal digits. @return it, or -1. */
static long value_num(const uint8_t *base, const struct hl_http1_field *f, unsigned int digits)
{
	long v = 0;
	uint32_t i;

	if (f->value.len == 0 || f->value.len > digits)
		return -1;
	for (i = 0; i < f->value.len; i++) {
		uint8_t ch = base[f->value.off + i];

		if (ch < '0' || ch > '9')
			return -1;
		v = v * 10 + (ch - '0');
	}
	return v;
}

/* X-Replica-Delay-Ms and X-Replica-Status; a bad value is refused after the body. */
static void replica_fields(struct rep_req *r, const uint8_t *base, const struct hl_http1_msg *m)
{
	uint32_t i;
	long v;

	for (i = 0; i < m->nfields; i++) {
		const struct hl_http1_field *f = &m->fields[i];

		if (name_is(base, f, "x-replica-delay-ms")) {
			v = value_num(base, f, 7);
			if (v < 0 || v > (long)REP_MS_MAX)
				r->bad = "X-Replica-Delay-Ms is not a number of ms in 0..3600000";
			else
				r->job.delay_ms = (uint32_t)v;
		} else if (name_is(base, f, "x-replica-status")) {
			v = value_num(base, f, 3);
			if (v < 200 || v > 599)
				r->bad = "X-Replica-Status is not a status in 200..599";
			else
				r->status = (uint16_t)v;
		}
	}
}

static void copy_span(char *dst, size_t cap, const uint8_t *base, struct hl_http1_span s)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;

	memcpy(dst, base + s.off, n);
	dst[n] = '\0';
}

/* Take what the request needs from its head, which is then dropped from the buffer. */
static void head_done(struct rep_conn *c)
{
	const struct hl_http1_msg *m = &c->parser.msg;
	const uint8_t *base = c->in + c->start;
	struct rep_req *r = &c->req;

	memset(r, 0, sizeof(*r));
	r->method = m->method;
	r->keep_alive = m->flags & HL_HTTP1_F_KEEP_ALIVE;
	r->http10 = m->version == 0;
	/* Content-Length: 0 is a body too, an empty one */
	r->has_body =
		m->framing != HL_HTTP1_FRAMING_NONE || (m->flags & (HL_HTTP1_F_CL | HL_HTTP1_F_TE));
	r->status = 200;
	r->body_crc = (uint32_t)crc32(0, NULL, 0);
	copy_span(r->method_name, sizeof(r->method_name), base, m->method_span);
	copy_span(r->target, sizeof(r->target), base, m->target);
	if (m->flags & HL_HTTP1_F_HINT) {
		r->job.has_hint = true;
		r->job.hint_len = (uint16_t)m->hint.len;
		copy_span(r->job.hint, sizeof(r->job.hint), base, m->hint);
	}
	r->is_stats = (m->method == HL_HTTP1_M_GET || m->method == HL_HTTP1_M_HEAD) &&
		      m->target.len >= 6 && memcmp(base + m->target.off, "/stats", 6) == 0 &&
		      (m->target.len == 6 || base[m->target.off + 6] == '?');
	replica_fields(r, base, m);
	c->start = c->scan;
}

/*
 * Give the parser body bytes d[0, n) and checksum the content among them. The parser says how
 * many bytes of a buffer are content, not where they are; a piece mixing content and chunk
 * framing is given again, on a copy of the parser from before it, cut in half, until every
 * piece is all content or all framing (one byte is). Content-Length bodies never mix.
 * @return 0 when the body ended (*used bytes were its), -EAGAIN after all n, or -EBADMSG.
 */
static int feed_body(struct rep_conn *c, const uint8_t *d, size_t n, size_t *used)
{
	struct rep_req *r = &c->req;
	size_t off = 0;
	int rc = -EAGAIN;

	while (off < n && rc == -EAGAIN) {
		struct hl_http1_parser saved = c->parser;
		struct hl_http1_body res;
		size_t len = n - off;

		for (;;) {
			rc = hl_http1_parse_body(&c->parser, d + off, len, &res);
			if (rc == -EBADMSG || res.payload == 0 || res.payload == res.consumed)
				break;
			c->parser = saved;
			len /= 2;
		}
		if (res.payload) {
			r->body_crc = (uint32_t)crc32(r->body_crc, d + off, (uInt)res.payload);
			r->body_len += res.payload;
			c->srv->st.body_bytes += res.payload;
		}
		off += res.consumed;
	}
	*used = off;
	return rc;
}

static const char *status_text(unsigned int s)
{
	switch (s) {
	case 400:
		return "bad request";
	case 414:
		return "request target too long";
	case 431:
		return "request header fields too large";
	case 501:
		return "not implemented";
	case 505:
		return "HTTP version not supported";
	}
	return "refused";
}

/* Answer @p status with a short body naming @p why, and close. @return 1 (stop reading). */
static int refuse(struct rep_conn *c, unsigned int status, const char *why)
{
	char body[160];
	struct rep_reply rp = {.status = (uint16_t)status, .close = true, .ctype = "text/plain"};
	int n = snprintf(body, sizeof(body), "%s: %s\n", status_text(status), why);

	rp.body = body;
	rp.body_len = n < (int)sizeof(body) ? (size_t)n : sizeof(body) - 1;
	rp.hints_ns = rep_now_ns();
	c->srv->st.bad_requests++;
	return reply(c, &rp) < 0 ? -1 : 1;
}

static int answer_stats(struct rep_conn *c)
{
	struct rep_req *r = &c->req;
	uint64_t now = rep_now_ns();
	struct rep_reply rp = {.status = 200,
			       .close = !r->keep_alive,
			       .http10 = r->http10,
			       .head_only = r->method == HL_HTTP1_M_HEAD,
			       .ctype = "application/json",
			       .hints_ns = now};
	char *json;
	int rc;

	c->srv->st.stats_requests++;
	rep_sched_pump(&c->srv->sched, now); /* requests read in this loop turn have started */
	json = rep_stats_json(c->srv, now);
	if (json == NULL) {
		rep_conn_close(c);
		return -1;
	}
	rp.body = json;
	rp.body_len = strlen(json);
	rc = reply(c, &rp);
	free(json);
	return rc;
}

/* The request and its body are in: answer /stats and refusals, queue the rest. */
static int request_complete(struct rep_conn *c)
{
	struct rep_req *r = &c->req;

	c->state = REP_C_WAIT;
	if (r->bad)
		return refuse(c, 400, r->bad);
	if (r->is_stats)
		return answer_stats(c);
	rep_sched_submit(&c->srv->sched, &r->job, rep_now_ns());
	return 1;
}

/* Output waits for the client: do not read another request yet. */
static bool out_busy(const struct rep_conn *c)
{
	return c->body_left > 0 || c->out_len - c->out_off >= REP_OUT_HIGH;
}

/* One step of reading a head. @return 0 to go on, 1 to wait for input, -1 if closed. */
static int step_head(struct rep_conn *c)
{
	struct hl_http1_seg seg = {c->in + c->scan, c->len - c->scan};
	size_t used = 0;
	int rc;

	if (out_busy(c))
		return 1;
	if (seg.len == 0) {
		if (c->peer_eof) /* a head cut short is dropped without an answer */
			exchange_done(c, true);
		return 1;
	}
	rc = hl_http1_parse_head(&c->parser, &seg, 1, &used);
	c->scan += (uint32_t)used;
	if (rc == -EAGAIN && c->start == 0 && c->len == REP_IN_CAP)
		return refuse(c, 431, "request head does not fit the input buffer");
	if (rc == -EAGAIN)
		return 1;
	if (rc != 0)
		return refuse(c, hl_http1_status(&c->parser) ?: 400,
			      hl_http1_err_name(hl_http1_error(&c->parser)));
	head_done(c);
	if (c->parser.msg.framing == HL_HTTP1_FRAMING_NONE)
		return request_complete(c);
	if ((c->parser.msg.flags & HL_HTTP1_F_EXPECT_CONTINUE) && !c->req.http10 &&
	    rep_out_append(c, "HTTP/1.1 100 Continue\r\n\r\n", 25) != 0) {
		rep_conn_close(c);
		return -1;
	}
	c->state = REP_C_BODY;
	return 0;
}

/* One step of reading a body. @return 0 to go on, 1 to wait for input, -1 if closed. */
static int step_body(struct rep_conn *c)
{
	size_t used = 0;
	int rc;

	if (c->scan == c->len) {
		if (c->peer_eof)
			exchange_done(c, true);
		return 1;
	}
	rc = feed_body(c, c->in + c->scan, c->len - c->scan, &used);
	c->scan += (uint32_t)used;
	c->start = c->scan;
	if (rc == -EAGAIN)
		return 1;
	if (rc != 0)
		return refuse(c, hl_http1_status(&c->parser) ?: 400,
			      hl_http1_err_name(hl_http1_error(&c->parser)));
	return request_complete(c);
}

/* Register for input while there is room and for output while output waits. */
static void conn_update_events(struct rep_conn *c)
{
	struct epoll_event ev = {.data.ptr = c};
	bool room = c->len - c->start < REP_IN_CAP && !c->peer_eof;

	if (c->state == REP_C_LINGER || (room && c->state != REP_C_CLOSING))
		ev.events |= EPOLLIN;
	if (c->out_len > c->out_off || c->body_left)
		ev.events |= EPOLLOUT;
	if (ev.events != c->events && epoll_ctl(c->srv->epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->events = ev.events;
}

/* Parse and answer what the input holds, write, and wait for the next event. */
static void conn_advance(struct rep_conn *c)
{
	int rc;

	do {
		rc = 0;
		while (rc == 0) {
			if (c->state == REP_C_HEAD)
				rc = step_head(c);
			else if (c->state == REP_C_BODY)
				rc = step_body(c);
			else
				rc = 1;
		}
		if (rc < 0 || conn_flush(c) < 0)
			return;
		/* a written response may let the next pipelined request in */
	} while (c->state == REP_C_HEAD && !out_busy(c) && (c->scan < c->len || c->peer_eof));
	conn_update_events(c);
}

void rep_conn_event(struct rep_conn *c, uint32_t events)
{
	if (events & EPOLLERR) {
		rep_conn_close(c);
		return;
	}
	if ((events & (EPOLLIN | EPOLLHUP)) && conn_read(c) < 0)
		return;
	conn_advance(c);
}

void rep_conn_job_done(struct rep_conn *c)
{
	struct rep_server *srv = c->srv;
	struct rep_req *r = &c->req;
	uint16_t s = r->status;
	struct rep_reply rp = {.status = s,
			       .cache = r->job.cache,
			       .close = !r->keep_alive,
			       .http10 = r->http10,
			       .head_only = r->method == HL_HTTP1_M_HEAD,
			       .echo_body = r->has_body,
			       .body_len_in = r->body_len,
			       .body_crc_in = r->body_crc,
			       .pattern_len = srv->opts->body_bytes,
			       .ctype = "text/plain",
			       .hints_ns = r->job.done_ns};

	srv->st.requests++;
	rep_log_request(srv, c, s);
	if (reply(c, &rp) == 0)
		conn_advance(c);
}

void rep_conn_linger_check(struct rep_server *srv, uint64_t now, uint64_t *next)
{
	struct rep_conn *c, *tmp;

	for (c = TAILQ_FIRST(&srv->lingering); c != NULL; c = tmp) {
		tmp = TAILQ_NEXT(c, linger_link);
		if (c->linger_until <= now)
			rep_conn_close(c);
		else if (c->linger_until < *next)
			*next = c->linger_until;
	}
}
