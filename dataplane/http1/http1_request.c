/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Request line (RFC 9112 section 3) and the request checks and body framing done once the
 * header section is complete (RFC 9112 sections 6.1 and 6.3, RFC 9110 section 7.2).
 *
 *   request-line = method SP request-target SP HTTP-version CRLF
 *
 * Exactly one SP between the parts; empty lines before the request line are skipped
 * (section 2.2). The line, without CRLF, may be at most cfg->max_line bytes (414).
 */
#include "http1_priv.h"

/* Target form tracking for targets that do not start with "/" (rare: a byte at a time). */
enum { T_SCHEME = 0, T_COLON, T_SLASH, T_AUTH, T_PATH, T_OTHER };

enum hl_http1_method hl_http1_method_lookup(const uint8_t *s, size_t n)
{
	switch (n) {
	case 3:
		if (!memcmp(s, "GET", 3))
			return HL_HTTP1_M_GET;
		if (!memcmp(s, "PUT", 3))
			return HL_HTTP1_M_PUT;
		break;
	case 4:
		if (!memcmp(s, "POST", 4))
			return HL_HTTP1_M_POST;
		if (!memcmp(s, "HEAD", 4))
			return HL_HTTP1_M_HEAD;
		break;
	case 5:
		if (!memcmp(s, "PATCH", 5))
			return HL_HTTP1_M_PATCH;
		if (!memcmp(s, "TRACE", 5))
			return HL_HTTP1_M_TRACE;
		break;
	case 6:
		if (!memcmp(s, "DELETE", 6))
			return HL_HTTP1_M_DELETE;
		break;
	case 7:
		if (!memcmp(s, "OPTIONS", 7))
			return HL_HTTP1_M_OPTIONS;
		if (!memcmp(s, "CONNECT", 7))
			return HL_HTTP1_M_CONNECT;
		break;
	}
	return HL_HTTP1_M_OTHER;
}

/*
 * One byte of "HTTP/" DIGIT "." DIGIT (case-sensitive, RFC 9112 section 2.3). Malformed is a
 * 400; a well-formed version other than 1.0 and 1.1 is a 505.
 */
int hl_http1_version_byte(struct hl_http1_parser *p, uint8_t c)
{
	static const char want[] = "HTTP/";
	unsigned int i = p->vidx;

	if (i < 5 ? c != (uint8_t)want[i] : i == 6 ? c != '.' : !hl_is(c, C_DIGIT))
		return hl_http1_fail(p, HL_HTTP1_ERR_VERSION);
	p->vbuf[i] = c;
	p->vidx = (uint8_t)(i + 1);
	if (i == 7) {
		if (p->vbuf[5] != '1' || (c != '0' && c != '1'))
			return hl_http1_fail(p, HL_HTTP1_ERR_VERSION_UNSUP);
		p->msg.version = (uint8_t)(c - '0');
	}
	return 0;
}

/* Keep the bytes of a method or field name that straddles buffers, for its lookup. */
static void save_piece(struct hl_http1_parser *p, const uint8_t *s, size_t n)
{
	size_t have = p->name_len;

	if (have + n > HL_HTTP1_NAME_MAX)
		n = have < HL_HTTP1_NAME_MAX ? HL_HTTP1_NAME_MAX - have : 0;
	memcpy(p->name_buf + have, s, n);
	p->name_len = (uint8_t)(have + n);
}

/* Track the form of a target that does not start with "/" over target[0..n). */
static void target_track(struct hl_http1_parser *p, const uint8_t *s, size_t n, uint32_t off)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];

		switch (p->lst_state) {
		case T_SCHEME:
			if (off + i == p->tok_start) {
				/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
				if ((c | 0x20) < 'a' || (c | 0x20) > 'z')
					p->lst_state = T_OTHER;
			} else if (c == ':') {
				p->lst_state = T_COLON;
			} else if (!hl_is(c, C_SCHEME)) {
				p->lst_state = T_OTHER;
			}
			break;
		case T_COLON:
		case T_SLASH:
			p->lst_state = c == '/' ? p->lst_state + 1 : T_OTHER;
			if (p->lst_state == T_AUTH)
				p->el_start = p->el_end = off + (uint32_t)i + 1;
			break;
		case T_AUTH:
			if (c == '/' || c == '?')
				p->lst_state = T_PATH;
			else
				p->el_end = off + (uint32_t)i + 1;
			break;
		}
	}
}

/* The target ended at message offset end: decide its form and whether the method allows it. */
static int target_done(struct hl_http1_parser *p, uint32_t end)
{
	struct hl_http1_msg *m = &p->msg;

	m->target.off = p->tok_start;
	m->target.len = end - p->tok_start;
	if (m->target.len == 0)
		return hl_http1_fail(p, HL_HTTP1_ERR_TARGET);
	if (m->method == HL_HTTP1_M_CONNECT)
		return hl_http1_fail(p, HL_HTTP1_ERR_CONNECT);
	if (p->vbuf[0] == '/')
		return 0;
	if (p->lst_state == T_AUTH || p->lst_state == T_PATH) {
		m->form = HL_HTTP1_T_ABSOLUTE;
		m->authority.off = p->el_start;
		m->authority.len = p->el_end - p->el_start;
		if (m->authority.len == 0)
			return hl_http1_fail(p, HL_HTTP1_ERR_TARGET);
		return 0;
	}
	if (p->vbuf[0] == '*' && m->target.len == 1) {
		m->form = HL_HTTP1_T_ASTERISK;
		if (m->method == HL_HTTP1_M_OPTIONS)
			return 0;
	} else {
		m->form = HL_HTTP1_T_AUTHORITY;
	}
	return hl_http1_fail(p, HL_HTTP1_ERR_TARGET_FORM);
}

/* The method ended at buf[i] (a SP). */
static int method_done(struct hl_http1_parser *p, const uint8_t *buf, size_t s, size_t i)
{
	struct hl_http1_msg *m = &p->msg;
	uint32_t n = p->off + (uint32_t)i - p->tok_start;

	if (n == 0)
		return hl_http1_fail(p, HL_HTTP1_ERR_METHOD);
	m->method_span.off = p->tok_start;
	m->method_span.len = n;
	if (p->tok_start >= p->off) {
		m->method = (uint8_t)hl_http1_method_lookup(buf + s, n);
	} else {
		save_piece(p, buf + s, i - s);
		m->method = n <= HL_HTTP1_NAME_MAX ? (uint8_t)hl_http1_method_lookup(p->name_buf, n)
						   : HL_HTTP1_M_OTHER;
	}
	return 0;
}

/* Bytes of the line that may still be read before it is over max_line (CR included). */
static size_t line_room(const struct hl_http1_parser *p, size_t len)
{
	uint64_t lim = (uint64_t)p->line_start + p->cfg->max_line + 1;

	if (lim <= p->off)
		return 0;
	return lim - p->off < len ? (size_t)(lim - p->off) : len;
}

/* Empty lines before the request line: CRLF pairs, skipped. */
static long st_start(struct hl_http1_parser *p, const uint8_t *buf, size_t len)
{
	size_t i = 0;

	while (i < len) {
		if (p->state == S_START_LF) {
			if (buf[i] != '\n')
				return hl_http1_fail(p, HL_HTTP1_ERR_BARE_CR);
			p->state = S_START;
		} else if (buf[i] == '\r') {
			p->state = S_START_LF;
		} else if (buf[i] == '\n') {
			return hl_http1_fail(p, HL_HTTP1_ERR_BARE_LF);
		} else {
			p->line_start = p->tok_start = p->off + (uint32_t)i;
			p->name_len = 0;
			p->state = S_METHOD;
			return (long)i;
		}
		i++;
	}
	return (long)i;
}

static long st_method(struct hl_http1_parser *p, const uint8_t *buf, size_t len, size_t end)
{
	size_t i = 0;

	while (i < end && hl_is(buf[i], C_TCHAR))
		i++;
	if (i == end) {
		if (end < len)
			return hl_http1_fail(p, HL_HTTP1_ERR_LINE_TOO_LONG);
		save_piece(p, buf, i);
		return (long)i;
	}
	if (buf[i] != ' ')
		return hl_http1_fail(p, buf[i] == '\r' || buf[i] == '\n' ? HL_HTTP1_ERR_START_LINE
									 : HL_HTTP1_ERR_METHOD);
	if (method_done(p, buf, p->tok_start >= p->off ? p->tok_start - p->off : 0, i))
		return -EBADMSG;
	i++;
	p->tok_start = p->off + (uint32_t)i;
	p->lst_state = T_SCHEME;
	p->state = S_TARGET;
	return (long)i;
}

static long st_target(struct hl_http1_parser *p, const uint8_t *buf, size_t len, size_t end)
{
	size_t i = 0;

	i = hl_span_class(buf, 0, end, C_TARGET);
	if (i > 0 && p->tok_start == p->off)
		p->vbuf[0] = buf[0];
	if (p->vbuf[0] != '/')
		target_track(p, buf, i, p->off);
	if (i == end) {
		if (end < len)
			return hl_http1_fail(p, HL_HTTP1_ERR_LINE_TOO_LONG);
		return (long)i;
	}
	if (buf[i] == '\r' || buf[i] == '\n')
		return hl_http1_fail(p, p->tok_start == p->off + i ? HL_HTTP1_ERR_TARGET
								   : HL_HTTP1_ERR_HTTP09);
	if (buf[i] != ' ')
		return hl_http1_fail(p, HL_HTTP1_ERR_TARGET);
	if (target_done(p, p->off + (uint32_t)i))
		return -EBADMSG;
	p->vidx = 0;
	p->state = S_VERSION;
	return (long)i + 1;
}

static long st_version(struct hl_http1_parser *p, const uint8_t *buf, size_t len, size_t end)
{
	size_t i = 0;

	/* The whole version in this buffer: compare it at once. */
	if (p->vidx == 0 && end >= 9 && !memcmp(buf, "HTTP/1.", 7) &&
	    (buf[7] == '1' || buf[7] == '0')) {
		p->msg.version = (uint8_t)(buf[7] - '0');
		p->vidx = 8;
		i = 8;
	}
	for (; i < end && p->vidx < 8; i++)
		if (hl_http1_version_byte(p, buf[i]))
			return -EBADMSG;
	if (i == end) {
		if (end < len)
			return hl_http1_fail(p, HL_HTTP1_ERR_LINE_TOO_LONG);
		return (long)i;
	}
	if (buf[i] != '\r')
		return hl_http1_fail(p,
				     buf[i] == '\n' ? HL_HTTP1_ERR_BARE_LF : HL_HTTP1_ERR_VERSION);
	p->state = S_LINE_LF;
	return (long)i + 1;
}

long hl_http1_request_line(struct hl_http1_parser *p, const uint8_t *buf, size_t len)
{
	size_t end;

	switch (p->state) {
	case S_START:
	case S_START_LF:
		return st_start(p, buf, len);
	case S_LINE_LF:
		if (buf[0] != '\n')
			return hl_http1_fail(p, HL_HTTP1_ERR_BARE_CR);
		p->state = S_FIELD;
		return 1;
	}
	end = line_room(p, len);
	if (end == 0)
		return hl_http1_fail(p, HL_HTTP1_ERR_LINE_TOO_LONG);
	switch (p->state) {
	case S_METHOD:
		return st_method(p, buf, len, end);
	case S_TARGET:
		return st_target(p, buf, len, end);
	default:
		return st_version(p, buf, len, end);
	}
}

/* Transfer-Encoding of a request (RFC 9112 sections 6.1 and 6.3 item 4). */
static int request_te(struct hl_http1_parser *p)
{
	if (p->msg.flags & HL_HTTP1_F_CL)
		return hl_http1_fail(p, HL_HTTP1_ERR_CL_TE);
	if (p->msg.version == 0)
		return hl_http1_fail(p, HL_HTTP1_ERR_TE_HTTP10);
	if (p->te_bad || p->te_chunked > 1 || p->te_chunked + p->te_unknown == 0)
		return hl_http1_fail(p, HL_HTTP1_ERR_TE_INVALID);
	if (!p->te_last_chunked)
		return hl_http1_fail(p, HL_HTTP1_ERR_TE_NOT_CHUNKED);
	if (p->te_unknown)
		return hl_http1_fail(p, HL_HTTP1_ERR_TE_UNSUPPORTED);
	p->msg.framing = HL_HTTP1_FRAMING_CHUNKED;
	return 0;
}

int hl_http1_request_done(struct hl_http1_parser *p)
{
	struct hl_http1_msg *m = &p->msg;

	if (m->flags & HL_HTTP1_F_TE) {
		if (request_te(p))
			return -EBADMSG;
	} else if ((m->flags & HL_HTTP1_F_CL) && m->content_length > 0) {
		m->framing = HL_HTTP1_FRAMING_LENGTH;
	}
	if (m->version == 1 && !(m->flags & HL_HTTP1_F_HOST))
		return hl_http1_fail(p, HL_HTTP1_ERR_HOST_MISSING);
	if (!(m->flags & HL_HTTP1_F_CONN_CLOSE) &&
	    (m->version == 1 || (m->flags & HL_HTTP1_F_CONN_KEEP_ALIVE)))
		m->flags |= HL_HTTP1_F_KEEP_ALIVE;
	if (m->framing == HL_HTTP1_FRAMING_NONE) {
		p->phase = PH_IDLE;
	} else {
		p->phase = PH_BODY;
		p->state = m->framing == HL_HTTP1_FRAMING_LENGTH ? B_LENGTH : B_SIZE0;
		p->remaining = m->content_length;
	}
	return 0;
}
