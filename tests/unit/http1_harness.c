/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http1_harness.h"

#define MAX_PIECES 4096
#define MAX_FIELDS 256

struct ctx {
	struct h1_run *r;
	size_t npieces;
	size_t pi, po;       /* next unread byte: piece index and offset in it */
	size_t abs;          /* stream offset of that byte */
	size_t msg_start;    /* stream offset of the current message */
	uint64_t payload;    /* body content bytes of the current message */
	const char *methods; /* next request method (responses) */
	size_t sum_len, tr_len;
	int head_done; /* the current message's head was reported */
	struct hl_http1_parser p;
	struct hl_http1_field fields[MAX_FIELDS];
	struct hl_http1_seg pieces[MAX_PIECES];
};

static void out(char *dst, size_t cap, size_t *len, const char *fmt, va_list ap)
{
	int n;

	if (*len >= cap - 1)
		return;
	n = vsnprintf(dst + *len, cap - *len, fmt, ap);
	if (n > 0)
		*len += (size_t)n < cap - *len ? (size_t)n : cap - *len - 1;
}

__attribute__((format(printf, 2, 3))) static void sum(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	out(c->r->summary, sizeof(c->r->summary), &c->sum_len, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3))) static void tr(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	out(c->r->transcript, sizeof(c->r->transcript), &c->tr_len, fmt, ap);
	va_end(ap);
}

/* The bytes of span in the flat stream; checks the span helpers over the pieces. */
static const char *span_str(struct ctx *c, struct hl_http1_span s, int *len)
{
	static char tmp[8192];
	const struct h1_run *r = c->r;
	const uint8_t *flat = r->buf + c->msg_start + s.off;
	const uint8_t *ptr;
	int n;

	if (c->msg_start + s.off + s.len > r->len) {
		c->r->bugs++;
		*len = 0;
		return "";
	}
	n = hl_http1_span_copy(c->pieces, (unsigned int)c->npieces, c->msg_start, s, tmp,
			       sizeof(tmp));
	if (n >= 0 && ((size_t)n != s.len || memcmp(tmp, flat, s.len)))
		c->r->bugs++;
	ptr = hl_http1_span_ptr(c->pieces, (unsigned int)c->npieces, c->msg_start, s);
	if (ptr && memcmp(ptr, flat, s.len))
		c->r->bugs++;
	*len = (int)s.len;
	return (const char *)flat;
}

#define SPAN(c, s, n) span_str(c, s, &n)

static void sum_span(struct ctx *c, const char *label, struct hl_http1_span s)
{
	int n;
	const char *v = SPAN(c, s, n);

	sum(c, " %s=%.*s", label, n, v);
}

static void sum_list(struct ctx *c, const char *label, const struct hl_http1_span *s,
		     unsigned int n)
{
	sum(c, " %s=[", label);
	for (unsigned int i = 0; i < n; i++) {
		int len;
		const char *v = SPAN(c, s[i], len);

		sum(c, "%s%.*s", i ? "," : "", len, v);
	}
	sum(c, "]");
}

static const char *framing_name(unsigned int f)
{
	static const char *const names[] = {"none", "len", "chunked", "close"};

	return f < 4 ? names[f] : "?";
}

static void sum_flags(struct ctx *c, const struct hl_http1_msg *m)
{
	static const struct {
		uint32_t flag;
		const char *name;
	} names[] = {
		{HL_HTTP1_F_CONN_UPGRADE, "conn-upgrade"}, {HL_HTTP1_F_EXPECT_CONTINUE, "continue"},
		{HL_HTTP1_F_EXPECT_OTHER, "expect-other"}, {HL_HTTP1_F_HINT_TOO_LONG, "hint-long"},
		{HL_HTTP1_F_HINT_DUP, "hint-dup"},         {HL_HTTP1_F_CL_DUP, "cl-dup"},
		{HL_HTTP1_F_INTERIM, "interim"},           {HL_HTTP1_F_SWITCH, "switch"},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (m->flags & names[i].flag)
			sum(c, " %s", names[i].name);
}

static void sum_head(struct ctx *c, const struct hl_http1_msg *m)
{
	int n;
	const char *v;

	if (c->r->dir == HL_HTTP1_REQUEST) {
		v = SPAN(c, m->method_span, n);
		sum(c, "%.*s ", n, v);
		v = SPAN(c, m->target, n);
		sum(c, "%.*s 1.%u", n, v, m->version);
	} else {
		sum(c, "%u 1.%u", m->status, m->version);
	}
	sum(c, " %s", framing_name(m->framing));
	if (m->framing == HL_HTTP1_FRAMING_LENGTH)
		sum(c, "=%llu", (unsigned long long)m->content_length);
	sum(c, " %s", m->flags & HL_HTTP1_F_KEEP_ALIVE ? "ka" : "close");
	if (m->form == HL_HTTP1_T_ABSOLUTE)
		sum_span(c, "abs", m->authority);
	if (m->flags & HL_HTTP1_F_HINT)
		sum_span(c, "hint", m->hint);
	if (m->flags & HL_HTTP1_F_UPGRADE)
		sum_span(c, "upgrade", m->upgrade);
	if (m->nconn_opts)
		sum_list(c, "opts", m->conn_opts, m->nconn_opts);
	if (m->hints_state == HL_HTTP1_HINTS_EMPTY)
		sum(c, " hints=empty");
	else if (m->hints_state == HL_HTTP1_HINTS_LIST)
		sum_list(c, "hints", m->hints, m->nhints);
	if (m->hints_dropped)
		sum(c, " dropped=%u", m->hints_dropped);
	if (m->hints_overflow)
		sum(c, " overflow=%u", m->hints_overflow);
	sum_flags(c, m);
}

static void tr_head(struct ctx *c, const struct hl_http1_msg *m)
{
	tr(c, "head @%zu len=%u flags=%#x v=%u m=%u form=%u fr=%u st=%u cl=%llu\n", c->msg_start,
	   m->head_len, m->flags, m->version, m->method, m->form, m->framing, m->status,
	   (unsigned long long)m->content_length);
	tr(c, " spans m=%u+%u t=%u+%u a=%u+%u r=%u+%u h=%u+%u hint=%u+%u up=%u+%u\n",
	   m->method_span.off, m->method_span.len, m->target.off, m->target.len, m->authority.off,
	   m->authority.len, m->reason.off, m->reason.len, m->host.off, m->host.len, m->hint.off,
	   m->hint.len, m->upgrade.off, m->upgrade.len);
	for (uint32_t i = 0; i < m->nfields; i++) {
		const struct hl_http1_field *f = &m->fields[i];
		int nl, vl;
		const char *nv = SPAN(c, f->name, nl);
		const char *vv = SPAN(c, f->value, vl);

		tr(c, " f %u %u %.*s: [%.*s]\n", f->id, f->flags, nl, nv, vl, vv);
	}
}

/* Consume n bytes from the current position. */
static void advance(struct ctx *c, size_t n)
{
	c->abs += n;
	while (n > 0 && c->pi < c->npieces) {
		size_t left = c->pieces[c->pi].len - c->po;

		if (n < left) {
			c->po += n;
			return;
		}
		n -= left;
		c->pi++;
		c->po = 0;
	}
	while (c->pi < c->npieces && c->po == c->pieces[c->pi].len) {
		c->pi++;
		c->po = 0;
	}
}

static void next_method(struct ctx *c)
{
	const char *s = c->methods;
	size_t n;

	while (*s == ' ')
		s++;
	n = strcspn(s, " ");
	if (n == 0) {
		hl_http1_set_request_method(&c->p, HL_HTTP1_M_GET);
	} else {
		char tmp[16] = {0};

		memcpy(tmp, s, n < 15 ? n : 15);
		hl_http1_set_request_method(&c->p, strcmp(tmp, "HEAD") == 0 ? HL_HTTP1_M_HEAD
									    : HL_HTTP1_M_GET);
	}
	c->methods = s + n;
}

static void fail(struct ctx *c)
{
	if (c->head_done)
		sum(c, " b=%llu", (unsigned long long)c->payload);
	sum(c, "%sE%u:%s",
	    !c->sum_len    ? ""
	    : c->head_done ? " "
			   : " | ",
	    hl_http1_status(&c->p), hl_http1_err_name(hl_http1_error(&c->p)));
	tr(c, "error %s\n", hl_http1_err_name(hl_http1_error(&c->p)));
}

static void msg_end(struct ctx *c)
{
	if (c->p.msg.framing != HL_HTTP1_FRAMING_NONE)
		sum(c, " b=%llu", (unsigned long long)c->payload);
	tr(c, "end @%zu payload=%llu\n", c->abs, (unsigned long long)c->payload);
	c->msg_start = c->abs;
	c->payload = 0;
	c->head_done = 0;
	if (c->r->dir == HL_HTTP1_RESPONSE && !(c->p.msg.flags & HL_HTTP1_F_INTERIM))
		next_method(c);
}

/* One hl_http1_parse_head() call; returns 1 to go on, 0 to stop. */
static int head_call(struct ctx *c)
{
	struct hl_http1_seg segs[MAX_PIECES];
	unsigned int n = 0, max = c->r->group ? c->r->group : MAX_PIECES;
	size_t used, total = 0;
	int rc;

	for (size_t i = c->pi; i < c->npieces && n < max; i++, n++) {
		segs[n] = c->pieces[i];
		if (i == c->pi) {
			segs[n].data += c->po;
			segs[n].len -= c->po;
		}
		total += segs[n].len;
	}
	rc = hl_http1_parse_head(&c->p, segs, n, &used);
	if (used > total || (rc == -EAGAIN && used != total))
		c->r->bugs++;
	advance(c, used);
	if (rc == -EAGAIN)
		return 1;
	if (rc != 0) {
		fail(c);
		return 0;
	}
	if (c->msg_start != c->abs - c->p.msg.head_len)
		c->r->bugs++;
	sum(c, "%s", c->msg_start ? " | " : "");
	sum_head(c, &c->p.msg);
	tr_head(c, &c->p.msg);
	c->head_done = 1;
	if (!hl_http1_in_body(&c->p)) {
		msg_end(c);
		if (c->p.msg.flags & HL_HTTP1_F_SWITCH) {
			tr(c, "tunnel %zu\n", c->r->len - c->abs);
			return 0;
		}
	}
	return 1;
}

/* One hl_http1_parse_body() call on the rest of the current piece. */
static int body_call(struct ctx *c)
{
	const struct hl_http1_seg *s = &c->pieces[c->pi];
	struct hl_http1_body res;
	int rc = hl_http1_parse_body(&c->p, s->data + c->po, s->len - c->po, &res);

	if (res.consumed > s->len - c->po || res.payload > res.consumed ||
	    (rc == -EAGAIN && res.consumed != s->len - c->po))
		c->r->bugs++;
	c->payload += res.payload;
	advance(c, res.consumed);
	if (rc == -EAGAIN)
		return 1;
	if (rc != 0) {
		fail(c);
		return 0;
	}
	msg_end(c);
	return 1;
}

static void make_pieces(struct ctx *c)
{
	const struct h1_run *r = c->r;
	size_t prev = 0;

	c->npieces = 0;
	for (size_t i = 0; i < r->ncuts && c->npieces < MAX_PIECES - 1; i++) {
		size_t cut = r->cuts[i] > r->len ? r->len : r->cuts[i];

		if (cut < prev)
			cut = prev;
		c->pieces[c->npieces].data = r->buf + prev;
		c->pieces[c->npieces++].len = cut - prev;
		prev = cut;
	}
	c->pieces[c->npieces].data = r->buf + prev;
	c->pieces[c->npieces++].len = r->len - prev;
}

void h1_run(struct h1_run *r)
{
	static struct ctx c; /* large; tests are single-threaded */
	int go = 1;

	memset(&c, 0, offsetof(struct ctx, p));
	c.r = r;
	c.methods = r->methods ? r->methods : "";
	r->bugs = 0;
	r->summary[0] = r->transcript[0] = '\0';
	make_pieces(&c);
	if (hl_http1_parser_init(&c.p, r->cfg, r->dir, c.fields, MAX_FIELDS)) {
		r->bugs++;
		return;
	}
	next_method(&c);
	advance(&c, 0);
	while (go && c.pi < c.npieces)
		go = hl_http1_in_body(&c.p) ? body_call(&c) : head_call(&c);
	if (!go)
		return;
	if (hl_http1_parse_eof(&c.p) == 0) {
		if (c.abs != c.msg_start)
			msg_end(&c);
	} else {
		fail(&c);
	}
}

size_t h1_random_cuts(uint64_t *seed, size_t len, size_t *cuts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cuts[i] = len ? (size_t)(h1_rand(seed) % (len + 1)) : 0;
	for (size_t i = 1; i < n; i++) {
		size_t v = cuts[i], j = i;

		for (; j > 0 && cuts[j - 1] > v; j--)
			cuts[j] = cuts[j - 1];
		cuts[j] = v;
	}
	return n;
}
