/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The header fields the proxy needs: recognised by name, their values interpreted as they
 * stream by, a byte at a time (they are short), so that no value needs to be contiguous:
 *
 *   Content-Length     1*DIGIT, repeated only with the same value (RFC 9110 section 8.6)
 *   Transfer-Encoding  #transfer-coding, all fields together (RFC 9112 section 6.1)
 *   Connection         #connection-option (RFC 9110 section 7.6.1)
 *   Expect             100-continue or another expectation (RFC 9110 section 10.1.1)
 *   Host               uri-host [ ":" port ], exactly once (RFC 9110 section 7.2)
 *   hint / hints       the request hint (a span) and the replica's hint list
 *
 * List elements (RFC 9110 section 5.6.1) are split on commas with OWS around them; each
 * element is checked to be a token (hint entries: token characters and "/") and its first 16
 * bytes are kept in lower case to be compared with the names above.
 */
#include "http1_scan.h"

enum { L_PRE = 0, L_EL, L_POST };           /* list element states */
enum { V_START = 0, V_IN, V_TRAIL, V_BAD }; /* Content-Length and Host states */

/* By id: hop-by-hop per RFC 9110 section 7.6.1, and which direction interprets it. */
static const uint8_t hop[] = {
	[HL_HTTP1_H_TRANSFER_ENCODING] = 1,
	[HL_HTTP1_H_CONNECTION] = 1,
	[HL_HTTP1_H_KEEP_ALIVE] = 1,
	[HL_HTTP1_H_PROXY_CONNECTION] = 1,
	[HL_HTTP1_H_TE] = 1,
	[HL_HTTP1_H_UPGRADE] = 1,
	[HL_HTTP1_H_HINTS] = 0,
};

/*
 * Lengths and first letters of the names hl_classify() knows: bit (c & 31) of [len] is set
 * for each first letter c (either case).
 */
#define B(c) (1u << ((c)&31))
const uint32_t hl_http1_known_first[32] = {
	[2] = B('t'),           [4] = B('h'),  [6] = B('e'),  [7] = B('u'),
	[10] = B('c') | B('k'), [14] = B('c'), [16] = B('p'), [17] = B('t'),
};
#undef B

void hl_http1_value_begin(struct hl_http1_parser *p)
{
	p->lst_state = L_PRE;
	p->cl_state = V_START;
	p->cl_acc = 0;
	if (p->hdr == HL_HTTP1_H_HINTS && p->msg.hints_state == HL_HTTP1_HINTS_ABSENT)
		p->msg.hints_state = HL_HTTP1_HINTS_EMPTY;
}

/* Compare the current list element with lower-case lit. */
static int el_is(const struct hl_http1_parser *p, const char *lit, size_t n)
{
	return !p->lst_bad && p->lc_len == n && !memcmp(p->lc, lit, n);
}

/* A list element is complete: p->el_start..el_end, lst_bad, lc. */
static int el_emit(struct hl_http1_parser *p)
{
	struct hl_http1_msg *m = &p->msg;
	struct hl_http1_span sp = {p->el_start, p->el_end - p->el_start};

	switch (p->hdr) {
	case HL_HTTP1_H_TRANSFER_ENCODING:
		if (p->lst_bad)
			p->te_bad = 1;
		p->te_last_chunked = el_is(p, "chunked", 7);
		if (p->te_last_chunked)
			p->te_chunked++;
		else
			p->te_unknown++;
		break;
	case HL_HTTP1_H_CONNECTION:
		if (p->lst_bad)
			return hl_http1_fail(p, HL_HTTP1_ERR_CONNECTION);
		if (el_is(p, "close", 5))
			m->flags |= HL_HTTP1_F_CONN_CLOSE;
		else if (el_is(p, "keep-alive", 10))
			m->flags |= HL_HTTP1_F_CONN_KEEP_ALIVE;
		else if (el_is(p, "upgrade", 7))
			m->flags |= HL_HTTP1_F_CONN_UPGRADE;
		else if (m->nconn_opts == HL_HTTP1_MAX_CONN_OPTS)
			return hl_http1_fail(p, HL_HTTP1_ERR_CONNECTION);
		else
			m->conn_opts[m->nconn_opts++] = sp;
		break;
	case HL_HTTP1_H_EXPECT:
		m->flags |= el_is(p, "100-continue", 12) ? HL_HTTP1_F_EXPECT_CONTINUE
							 : HL_HTTP1_F_EXPECT_OTHER;
		break;
	case HL_HTTP1_H_HINTS:
		m->hints_state = HL_HTTP1_HINTS_LIST;
		if (p->lst_bad || sp.len > HL_HTTP1_HINT_MAX)
			m->hints_dropped++;
		else if (m->nhints == HL_HTTP1_MAX_HINTS)
			m->hints_overflow++;
		else
			m->hints[m->nhints++] = sp;
		break;
	}
	return 0;
}

/*
 * A byte allowed in a list element: a token character; in a replica hint entry also "/",
 * since hints name models by path ("fal-ai/flux-dev").
 */
static inline int el_ok(const struct hl_http1_parser *p, uint8_t c)
{
	return hl_is(c, C_TCHAR) || (c == '/' && p->hdr == HL_HTTP1_H_HINTS);
}

static void el_byte(struct hl_http1_parser *p, uint8_t c, uint32_t off)
{
	if (!el_ok(p, c))
		p->lst_bad = 1;
	if (p->lc_len < sizeof(p->lc))
		p->lc[p->lc_len] = hl_http1_lower[c];
	if (p->lc_len <= sizeof(p->lc))
		p->lc_len++;
	p->el_end = off + 1;
}

/* One byte of a comma-separated list. */
static int list_byte(struct hl_http1_parser *p, uint8_t c, uint32_t off)
{
	int ws = c == ' ' || c == '\t';

	switch (p->lst_state) {
	case L_PRE:
		if (ws)
			return 0;
		if (c == ',') {
			/* An empty element: ignored (section 5.6.1), but not in framing. */
			if (p->hdr == HL_HTTP1_H_TRANSFER_ENCODING)
				p->te_bad = 1;
			return 0;
		}
		p->el_start = off;
		p->lc_len = 0;
		p->lst_bad = 0;
		p->lst_state = L_EL;
		el_byte(p, c, off);
		return 0;
	case L_EL:
	case L_POST:
		if (c == ',') {
			p->lst_state = L_PRE;
			return el_emit(p);
		}
		if (ws) {
			p->lst_state = L_POST;
			return 0;
		}
		if (p->lst_state == L_POST)
			p->lst_bad = 1; /* whitespace inside an element */
		p->lst_state = L_EL;
		el_byte(p, c, off);
		return 0;
	}
	return 0;
}

static void cl_byte(struct hl_http1_parser *p, uint8_t c)
{
	if (hl_is(c, C_DIGIT) && p->cl_state <= V_IN) {
		uint64_t d = (uint64_t)(c - '0');

		if (p->cl_acc > (UINT64_MAX - d) / 10) {
			p->cl_state = V_BAD;
			return;
		}
		p->cl_acc = p->cl_acc * 10 + d;
		p->cl_state = V_IN;
	} else if ((c == ' ' || c == '\t') && p->cl_state != V_START) {
		if (p->cl_state == V_IN)
			p->cl_state = V_TRAIL;
	} else {
		p->cl_state = V_BAD;
	}
}

/* Host: host characters, then only trailing OWS. Reuses the Content-Length states. */
static void host_byte(struct hl_http1_parser *p, uint8_t c)
{
	if (c == ' ' || c == '\t') {
		if (p->cl_state != V_BAD)
			p->cl_state = V_TRAIL;
	} else if (!hl_is(c, C_HOST) || p->cl_state == V_TRAIL) {
		p->cl_state = V_BAD;
	}
}

/* A run of token bytes s[0..n) inside a list element. */
static void el_run(struct hl_http1_parser *p, const uint8_t *s, size_t n, uint32_t off)
{
	size_t room = p->lc_len < sizeof(p->lc) ? sizeof(p->lc) - p->lc_len : 0;
	size_t k = n < room ? n : room;

	for (size_t i = 0; i < k; i++)
		p->lc[p->lc_len + i] = hl_http1_lower[s[i]];
	p->lc_len = (uint8_t)(p->lc_len + k);
	if (n > k)
		p->lc_len = sizeof(p->lc) + 1; /* longer than any name compared */
	p->el_end = off + (uint32_t)n;
}

static int list_feed(struct hl_http1_parser *p, const uint8_t *s, size_t n, uint32_t off)
{
	size_t i = 0;

	while (i < n) {
		if (p->lst_state == L_EL && el_ok(p, s[i])) {
			size_t j = i + 1;

			while (j < n && el_ok(p, s[j]))
				j++;
			el_run(p, s + i, j - i, off + (uint32_t)i);
			i = j;
			continue;
		}
		if (list_byte(p, s[i], off + (uint32_t)i))
			return -EBADMSG;
		i++;
	}
	return 0;
}

int hl_http1_value_feed(struct hl_http1_parser *p, const uint8_t *s, size_t n, uint32_t off)
{
	size_t i = 0;

	switch (p->hdr) {
	case HL_HTTP1_H_CONTENT_LENGTH:
		for (; i < n; i++)
			cl_byte(p, s[i]);
		return 0;
	case HL_HTTP1_H_HOST:
		if (p->cl_state == V_START)
			i = hl_scan_class(s, 0, n, HL_NIB_HOST, C_HOST);
		for (; i < n; i++)
			host_byte(p, s[i]);
		return 0;
	case HL_HTTP1_H_TRANSFER_ENCODING:
	case HL_HTTP1_H_CONNECTION:
	case HL_HTTP1_H_EXPECT:
	case HL_HTTP1_H_HINTS:
		return list_feed(p, s, n, off);
	default:
		return 0;
	}
}

static int cl_end(struct hl_http1_parser *p)
{
	struct hl_http1_msg *m = &p->msg;

	if (p->cl_state == V_START || p->cl_state == V_BAD)
		return hl_http1_fail(p, HL_HTTP1_ERR_CL_INVALID);
	if (m->flags & HL_HTTP1_F_CL) {
		if (m->content_length != p->cl_acc)
			return hl_http1_fail(p, HL_HTTP1_ERR_CL_MISMATCH);
		m->flags |= HL_HTTP1_F_CL_DUP;
		return 0;
	}
	m->flags |= HL_HTTP1_F_CL;
	m->content_length = p->cl_acc;
	return 0;
}

static void hint_end(struct hl_http1_parser *p, const struct hl_http1_field *f)
{
	struct hl_http1_msg *m = &p->msg;

	if (p->hint_count < 255)
		p->hint_count++;
	if (p->hint_count > 1) {
		m->flags = (m->flags & ~HL_HTTP1_F_HINT) | HL_HTTP1_F_HINT_DUP;
	} else if (f->value.len > HL_HTTP1_HINT_MAX) {
		m->flags |= HL_HTTP1_F_HINT_TOO_LONG;
	} else if (f->value.len > 0) {
		m->flags |= HL_HTTP1_F_HINT;
		m->hint = f->value;
	}
}

int hl_http1_value_end(struct hl_http1_parser *p, struct hl_http1_field *f)
{
	struct hl_http1_msg *m = &p->msg;

	f->flags = hop[p->hdr < sizeof(hop) ? p->hdr : 0] ? HL_HTTP1_FF_HOP : 0;
	switch (p->hdr) {
	case HL_HTTP1_H_CONTENT_LENGTH:
		return cl_end(p);
	case HL_HTTP1_H_HOST:
		if (m->flags & HL_HTTP1_F_HOST)
			return hl_http1_fail(p, HL_HTTP1_ERR_HOST_DUP);
		if (p->cl_state == V_BAD)
			return hl_http1_fail(p, HL_HTTP1_ERR_HOST_INVALID);
		m->flags |= HL_HTTP1_F_HOST;
		m->host = f->value;
		return 0;
	case HL_HTTP1_H_HINT:
		hint_end(p, f);
		return 0;
	case HL_HTTP1_H_UPGRADE:
		if (!(m->flags & HL_HTTP1_F_UPGRADE))
			m->upgrade = f->value;
		m->flags |= HL_HTTP1_F_UPGRADE;
		return 0;
	case HL_HTTP1_H_TRANSFER_ENCODING:
		m->flags |= HL_HTTP1_F_TE;
		if (f->value.len == 0)
			p->te_bad = 1;
		break;
	case HL_HTTP1_H_CONNECTION:
	case HL_HTTP1_H_EXPECT:
	case HL_HTTP1_H_HINTS:
		break;
	default:
		return 0;
	}
	/* Close the last list element; a new field continues the same list. */
	if (p->lst_state != L_PRE) {
		p->lst_state = L_PRE;
		return el_emit(p);
	}
	return 0;
}

/* Content-Length of 1 to 19 digits (cannot overflow), OWS trimmed; -1 for any other form. */
static int64_t cl_digits(const uint8_t *v, size_t n)
{
	uint64_t acc = 0;

	if (n == 0 || n > 19)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!hl_is(v[i], C_DIGIT))
			return -1;
		acc = acc * 10 + (uint64_t)(v[i] - '0');
	}
	return acc > INT64_MAX ? -1 : (int64_t)acc;
}

/*
 * A list value v[0..n) whole in one buffer, at message offset off: each element found at once
 * (a vector scan over its token characters) and given to el_emit() as list_byte() would.
 */
static int list_whole(struct hl_http1_parser *p, const uint8_t *v, size_t n, uint32_t off)
{
	size_t i = 0;

	while (i < n) {
		size_t j, e, len;
		int bad = 0;

		if (v[i] == ' ' || v[i] == '\t') {
			i++;
			continue;
		}
		if (v[i] == ',') {
			/* An empty element: ignored (section 5.6.1), but not in framing. */
			if (p->hdr == HL_HTTP1_H_TRANSFER_ENCODING)
				p->te_bad = 1;
			i++;
			continue;
		}
		j = hl_scan_class(v, i, n, HL_NIB_TCHAR, C_TCHAR);
		while (j < n && v[j] == '/' && p->hdr == HL_HTTP1_H_HINTS)
			j = hl_scan_class(v, j + 1, n, HL_NIB_TCHAR, C_TCHAR);
		/* Then OWS up to a comma or the end; any other byte makes the element invalid. */
		for (e = j; j < n && v[j] != ','; j++) {
			if (v[j] != ' ' && v[j] != '\t') {
				bad = 1;
				e = j + 1;
			}
		}
		len = e - i;
		p->el_start = off + (uint32_t)i;
		p->el_end = off + (uint32_t)e;
		p->lst_bad = (uint8_t)bad;
		p->lc_len = (uint8_t)(len > sizeof(p->lc) ? sizeof(p->lc) + 1 : len);
		if (!bad && p->hdr != HL_HTTP1_H_HINTS)
			for (size_t k = 0; k < len && k < sizeof(p->lc); k++)
				p->lc[k] = hl_http1_lower[v[i + k]];
		if (el_emit(p))
			return -EBADMSG;
		i = j + 1;
	}
	return 0;
}

int hl_http1_value_whole(struct hl_http1_parser *p, struct hl_http1_field *f, const uint8_t *v,
			 size_t n)
{
	struct hl_http1_msg *m = &p->msg;
	size_t t = f->value.len; /* v[t..n) is trailing OWS */
	int64_t cl;

	switch (f->id) {
	case HL_HTTP1_H_HOST:
		if (m->flags & HL_HTTP1_F_HOST)
			return hl_http1_fail(p, HL_HTTP1_ERR_HOST_DUP);
		if (hl_scan_class(v, 0, t, HL_NIB_HOST, C_HOST) != t)
			return hl_http1_fail(p, HL_HTTP1_ERR_HOST_INVALID);
		m->flags |= HL_HTTP1_F_HOST;
		m->host = f->value;
		return 0;
	case HL_HTTP1_H_CONTENT_LENGTH:
		cl = cl_digits(v, t);
		if (cl < 0)
			break;
		p->cl_state = V_IN;
		p->cl_acc = (uint64_t)cl;
		return cl_end(p);
	case HL_HTTP1_H_HINT:
		hint_end(p, f);
		return 0;
	case HL_HTTP1_H_KEEP_ALIVE:
	case HL_HTTP1_H_PROXY_CONNECTION:
	case HL_HTTP1_H_TE:
		/* Hop-by-hop, value not interpreted. */
		f->flags = HL_HTTP1_FF_HOP;
		return 0;
	case HL_HTTP1_H_CONNECTION:
		/*
		 * One option, the usual one. hl_tok_eq() holds for a value too: it has no CTL but
		 * HTAB, so only a letter ORed with 0x20 gives a letter, and only "-" gives "-".
		 */
		if (t == 10 && hl_tok_eq(v, "keep-alive", 10))
			m->flags |= HL_HTTP1_F_CONN_KEEP_ALIVE;
		else if (t == 5 && hl_tok_eq(v, "close", 5))
			m->flags |= HL_HTTP1_F_CONN_CLOSE;
		else
			break;
		f->flags = HL_HTTP1_FF_HOP;
		return 0;
	}
	p->hdr = f->id;
	hl_http1_value_begin(p);
	switch (f->id) {
	case HL_HTTP1_H_TRANSFER_ENCODING:
	case HL_HTTP1_H_CONNECTION:
	case HL_HTTP1_H_EXPECT:
	case HL_HTTP1_H_HINTS:
		/* Elements end at a comma or the end of v[0..t): the last one is emitted here. */
		if (list_whole(p, v, t, f->value.off))
			return -EBADMSG;
		break;
	default:
		if (n && hl_http1_value_feed(p, v, n, f->value.off))
			return -EBADMSG;
	}
	return hl_http1_value_end(p, f);
}
