/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Status line (RFC 9112 section 4) and response body framing (RFC 9112 section 6.3).
 *
 *   status-line = HTTP-version SP status-code SP [ reason-phrase ] CRLF
 *
 * The SP after the status code may be missing when the reason is empty (tolerated: it
 * cannot change framing). Any rejection of a response is a 502 for the client.
 */
#include "http1_scan.h"

/* Bytes of the line that may still be read before it is over max_line (CR included). */
static size_t line_room(const struct hl_http1_parser *p, size_t len)
{
	uint64_t lim = (uint64_t)p->cfg->max_line + 1;

	if (lim <= p->off)
		return 0;
	return lim - p->off < len ? (size_t)(lim - p->off) : len;
}

static long st_version(struct hl_http1_parser *p, const uint8_t *buf, size_t end)
{
	size_t i = 0;

	for (; i < end && p->vidx < 8; i++)
		if (hl_http1_version_byte(p, buf[i]))
			return -EBADMSG;
	if (i == end)
		return (long)i;
	if (buf[i] != ' ')
		return hl_http1_fail(p, HL_HTTP1_ERR_START_LINE);
	p->vidx = 0;
	p->state = S_CODE;
	return (long)i + 1;
}

/* status-code = 3DIGIT, 100..599; then SP, or CR when there is no reason phrase. */
static long st_code(struct hl_http1_parser *p, const uint8_t *buf, size_t end)
{
	struct hl_http1_msg *m = &p->msg;
	size_t i = 0;

	for (; i < end && p->vidx < 3; i++) {
		if (!hl_is(buf[i], C_DIGIT))
			return hl_http1_fail(p, HL_HTTP1_ERR_STATUS);
		m->status = (uint16_t)(m->status * 10 + (buf[i] - '0'));
		p->vidx++;
	}
	if (i == end)
		return (long)i;
	if (m->status < 100 || m->status > 599)
		return hl_http1_fail(p, HL_HTTP1_ERR_STATUS);
	p->tok_start = p->tok_end = p->off + (uint32_t)i + 1;
	if (buf[i] == ' ') {
		p->state = S_REASON;
	} else if (buf[i] == '\r') {
		p->tok_start = p->tok_end = p->off + (uint32_t)i;
		p->state = S_LINE_LF;
	} else {
		return hl_http1_fail(p, hl_is(buf[i], C_DIGIT) ? HL_HTTP1_ERR_STATUS
							       : HL_HTTP1_ERR_START_LINE);
	}
	return (long)i + 1;
}

static long st_reason(struct hl_http1_parser *p, const uint8_t *buf, size_t end)
{
	size_t i = hl_scan_value(buf, 0, end);

	if (i == end)
		return (long)i;
	if (buf[i] != '\r')
		return hl_http1_fail(p, buf[i] == '\n' ? HL_HTTP1_ERR_BARE_LF
						       : HL_HTTP1_ERR_FIELD_VALUE);
	p->tok_end = p->off + (uint32_t)i;
	p->state = S_LINE_LF;
	return (long)i + 1;
}

long hl_http1_status_line(struct hl_http1_parser *p, const uint8_t *buf, size_t len)
{
	size_t end;

	if (p->state == S_LINE_LF) {
		if (buf[0] != '\n')
			return hl_http1_fail(p, HL_HTTP1_ERR_BARE_CR);
		p->msg.reason.off = p->tok_start;
		p->msg.reason.len = p->tok_end - p->tok_start;
		p->state = S_FIELD;
		return 1;
	}
	end = line_room(p, len);
	if (end == 0)
		return hl_http1_fail(p, HL_HTTP1_ERR_LINE_TOO_LONG);
	if (end < len)
		len = end;
	switch (p->state) {
	case S_VERSION:
		return st_version(p, buf, len);
	case S_CODE:
		return st_code(p, buf, len);
	default:
		return st_reason(p, buf, len);
	}
}

/* Transfer-Encoding of a response: any codings, chunked at most once and only last. */
static int response_te(struct hl_http1_parser *p)
{
	if (p->msg.flags & HL_HTTP1_F_CL)
		return hl_http1_fail(p, HL_HTTP1_ERR_CL_TE);
	if (p->msg.version == 0)
		return hl_http1_fail(p, HL_HTTP1_ERR_TE_HTTP10);
	if (p->te_bad || p->te_chunked > 1 || p->te_chunked + p->te_unknown == 0 ||
	    (p->te_chunked && !p->te_last_chunked))
		return hl_http1_fail(p, HL_HTTP1_ERR_TE_INVALID);
	return 0;
}

/* RFC 9112 section 6.3, items 1, 4, 6 and 8, in that order. */
static uint8_t response_framing(const struct hl_http1_parser *p)
{
	const struct hl_http1_msg *m = &p->msg;

	if (m->status < 200 || m->status == 204 || m->status == 304 ||
	    p->req_method == HL_HTTP1_M_HEAD)
		return HL_HTTP1_FRAMING_NONE;
	if (m->flags & HL_HTTP1_F_TE)
		return p->te_last_chunked ? HL_HTTP1_FRAMING_CHUNKED : HL_HTTP1_FRAMING_CLOSE;
	if (m->flags & HL_HTTP1_F_CL)
		return m->content_length ? HL_HTTP1_FRAMING_LENGTH : HL_HTTP1_FRAMING_NONE;
	return HL_HTTP1_FRAMING_CLOSE;
}

int hl_http1_response_done(struct hl_http1_parser *p)
{
	struct hl_http1_msg *m = &p->msg;

	if ((m->flags & HL_HTTP1_F_TE) && response_te(p))
		return -EBADMSG;
	m->framing = response_framing(p);
	if (m->status == 101)
		m->flags |= HL_HTTP1_F_SWITCH;
	else if (m->status < 200)
		m->flags |= HL_HTTP1_F_INTERIM;
	if (!(m->flags & (HL_HTTP1_F_CONN_CLOSE | HL_HTTP1_F_SWITCH)) &&
	    m->framing != HL_HTTP1_FRAMING_CLOSE &&
	    (m->version == 1 || (m->flags & HL_HTTP1_F_CONN_KEEP_ALIVE)))
		m->flags |= HL_HTTP1_F_KEEP_ALIVE;
	switch (m->framing) {
	case HL_HTTP1_FRAMING_NONE:
		p->phase = PH_IDLE;
		return 0;
	case HL_HTTP1_FRAMING_LENGTH:
		p->state = B_LENGTH;
		break;
	case HL_HTTP1_FRAMING_CHUNKED:
		p->state = B_SIZE0;
		break;
	default:
		p->state = B_CLOSE;
		break;
	}
	p->phase = PH_BODY;
	p->remaining = m->content_length;
	return 0;
}
