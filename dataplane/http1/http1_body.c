/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Message body delimiting (RFC 9112 sections 6 and 7): counts Content-Length bodies, decodes
 * the chunked framing as a stream and tells, for each buffer, how many of its bytes belong to
 * the message and how many of those are content. The body itself is never copied: chunk data
 * is skipped by its size. The usual chunk-size lines and the empty trailer section are taken
 * whole when they lie in one buffer; the rest (chunk-ext, trailers, lines cut by a buffer's
 * end) is read a byte at a time.
 *
 *   chunked-body   = *chunk last-chunk trailer-section CRLF
 *   chunk          = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *   chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
 *   chunk-ext-val  = token / quoted-string
 */
#include "http1_priv.h"

static int is_ws(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static int hexval(uint8_t c)
{
	if (hl_is(c, C_DIGIT))
		return c - '0';
	return (c | 0x20) - 'a' + 10;
}

/* Line ends inside chunk framing: CR goes on, LF alone and anything else are rejected. */
static int line_end(struct hl_http1_parser *p, uint8_t c, enum hl_http1_err err)
{
	if (c == '\r') {
		p->state = B_SIZE_LF;
		return 0;
	}
	return hl_http1_fail(p, c == '\n' ? HL_HTTP1_ERR_BARE_LF : err);
}

static int size_byte(struct hl_http1_parser *p, uint8_t c)
{
	if (hl_is(c, C_HEX)) {
		if (p->remaining > (UINT64_MAX >> 4))
			return hl_http1_fail(p, HL_HTTP1_ERR_CHUNK_OVERFLOW);
		p->remaining = (p->remaining << 4) | (uint64_t)hexval(c);
		p->state = B_SIZE;
		return 0;
	}
	if (p->state == B_SIZE0)
		return hl_http1_fail(p, c == '\n' ? HL_HTTP1_ERR_BARE_LF : HL_HTTP1_ERR_CHUNK_SIZE);
	p->aux = 0;
	if (c == ';') {
		p->state = B_EXT_NAME0;
		return 0;
	}
	if (is_ws(c)) {
		p->state = B_EXT_WS;
		return 0;
	}
	return line_end(p, c, HL_HTTP1_ERR_CHUNK_SIZE);
}

/* One byte of the chunk extensions; ext bytes are bounded by max_chunk_ext. */
static int ext_byte(struct hl_http1_parser *p, uint8_t c)
{
	int tc = hl_is(c, C_TCHAR);

	if (++p->aux > p->cfg->max_chunk_ext)
		return hl_http1_fail(p, HL_HTTP1_ERR_CHUNK_EXT);
	if (p->state == B_EXT_TOKEN) {
		if (tc)
			return 0;
		p->state = B_EXT_QEND; /* the same bytes may follow as after a quoted-string */
	}
	switch (p->state) {
	case B_EXT_WS:
	case B_EXT_QEND:
		if (is_ws(c))
			p->state = B_EXT_WS;
		else if (c == ';')
			p->state = B_EXT_NAME0;
		else if (p->state == B_EXT_QEND)
			return line_end(p, c, HL_HTTP1_ERR_CHUNK_EXT);
		else
			return hl_http1_fail(p, HL_HTTP1_ERR_CHUNK_EXT);
		return 0;
	case B_EXT_NAME0:
		if (tc)
			p->state = B_EXT_NAME;
		else if (!is_ws(c))
			return hl_http1_fail(p, HL_HTTP1_ERR_CHUNK_EXT);
		return 0;
	case B_EXT_NAME:
	case B_EXT_EQ_WS:
		if (tc && p->state == B_EXT_NAME)
			return 0;
		if (c == '=')
			p->state = B_EXT_VAL0;
		else if (c == ';')
			p->state = B_EXT_NAME0;
		else if (is_ws(c))
			p->state = B_EXT_EQ_WS;
		else if (p->state == B_EXT_NAME)
			return line_end(p, c, HL_HTTP1_ERR_CHUNK_EXT);
		else
			return hl_http1_fail(p, HL_HTTP1_ERR_CHUNK_EXT);
		return 0;
	case B_EXT_VAL0:
		if (c == '"')
			p->state = B_EXT_QUOTED;
		else if (tc)
			p->state = B_EXT_TOKEN;
		else if (!is_ws(c))
			return hl_http1_fail(p, HL_HTTP1_ERR_CHUNK_EXT);
		return 0;
	case B_EXT_QUOTED:
		if (c == '"')
			p->state = B_EXT_QEND;
		else if (c == '\\')
			p->state = B_EXT_QPAIR;
		else if (!hl_is(c, C_QDTEXT))
			return hl_http1_fail(p, HL_HTTP1_ERR_CHUNK_EXT);
		return 0;
	default: /* B_EXT_QPAIR: quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ) */
		if (!hl_is(c, C_VALUE))
			return hl_http1_fail(p, HL_HTTP1_ERR_CHUNK_EXT);
		p->state = B_EXT_QUOTED;
		return 0;
	}
}

/* One byte of the trailer section; returns 1 when the message ends with it. */
static int trailer_byte(struct hl_http1_parser *p, uint8_t c)
{
	if (++p->aux > p->cfg->max_trailer)
		return hl_http1_fail(p, HL_HTTP1_ERR_TRAILER_TOO_LARGE);
	switch (p->state) {
	case B_TR_LINE:
		if (c == '\r')
			p->state = B_TR_END_LF;
		else if (hl_is(c, C_TCHAR))
			p->state = B_TR_NAME;
		else
			return hl_http1_fail(p, is_ws(c)    ? HL_HTTP1_ERR_OBS_FOLD
						: c == '\n' ? HL_HTTP1_ERR_BARE_LF
							    : HL_HTTP1_ERR_TRAILER);
		return 0;
	case B_TR_NAME:
		if (c == ':')
			p->state = B_TR_VALUE;
		else if (!hl_is(c, C_TCHAR))
			return hl_http1_fail(p, is_ws(c) ? HL_HTTP1_ERR_NAME_WS
							 : HL_HTTP1_ERR_TRAILER);
		return 0;
	case B_TR_VALUE:
		if (c == '\r')
			p->state = B_TR_LF;
		else if (!hl_is(c, C_VALUE))
			return hl_http1_fail(p, c == '\n' ? HL_HTTP1_ERR_BARE_LF
							  : HL_HTTP1_ERR_FIELD_VALUE);
		return 0;
	case B_TR_LF:
	case B_TR_END_LF:
		if (c != '\n')
			return hl_http1_fail(p, HL_HTTP1_ERR_BARE_CR);
		if (p->state == B_TR_END_LF)
			return 1;
		p->state = B_TR_LINE;
		return 0;
	}
	return 0;
}

/* One byte of chunk framing (not data); returns 1 when the message ends with it. */
static int framing_byte(struct hl_http1_parser *p, uint8_t c)
{
	switch (p->state) {
	case B_SIZE0:
	case B_SIZE:
		return size_byte(p, c);
	case B_SIZE_LF:
		if (c != '\n')
			return hl_http1_fail(p, HL_HTTP1_ERR_BARE_CR);
		p->aux = 0;
		p->state = p->remaining ? B_DATA : B_TR_LINE;
		return 0;
	case B_DATA_CR:
		if (c != '\r')
			return hl_http1_fail(p, HL_HTTP1_ERR_CHUNK_DATA);
		p->state = B_DATA_LF;
		return 0;
	case B_DATA_LF:
		if (c != '\n')
			return hl_http1_fail(p, HL_HTTP1_ERR_CHUNK_DATA);
		p->state = B_SIZE0;
		p->remaining = 0;
		return 0;
	default:
		if (p->state >= B_TR_LINE)
			return trailer_byte(p, c);
		return ext_byte(p, c);
	}
}

static int is_crlf(const uint8_t *s)
{
	return s[0] == '\r' && s[1] == '\n';
}

/*
 * The usual framing whole in d[0..n): the CRLF after chunk data, a chunk-size line of at most
 * 15 hex digits without chunk-ext, the final CRLF of an empty trailer section. Returns the
 * bytes it took (the state moved on as framing_byte() would), 0 for the byte-wise path, or -1
 * when the message ends with them.
 */
static long framing_fast(struct hl_http1_parser *p, const uint8_t *d, size_t n)
{
	uint64_t v = 0;
	size_t k = 0;

	switch (p->state) {
	case B_DATA_CR:
		if (n < 2 || !is_crlf(d))
			return 0;
		p->state = B_SIZE0;
		p->remaining = 0;
		return 2;
	case B_SIZE0:
		for (; k < n && k < 16 && hl_is(d[k], C_HEX); k++)
			v = v << 4 | (uint64_t)hexval(d[k]);
		if (k == 0 || k == 16 || k + 2 > n || !is_crlf(d + k))
			return 0;
		p->aux = 0;
		p->remaining = v;
		p->state = v ? B_DATA : B_TR_LINE;
		return (long)k + 2;
	case B_TR_LINE:
		if (n < 2 || !is_crlf(d) || p->aux + 2 > p->cfg->max_trailer)
			return 0;
		p->aux += 2;
		return -1;
	}
	return 0;
}

static int chunked(struct hl_http1_parser *p, const uint8_t *d, size_t len,
		   struct hl_http1_body *res)
{
	size_t i = 0;

	while (i < len) {
		long f;
		int r;

		if (p->state == B_DATA) {
			size_t n = len - i < p->remaining ? len - i : (size_t)p->remaining;

			i += n;
			res->payload += n;
			p->remaining -= n;
			if (p->remaining == 0)
				p->state = B_DATA_CR;
			continue;
		}
		f = framing_fast(p, d + i, len - i);
		if (f > 0) {
			i += (size_t)f;
			continue;
		}
		if (f < 0) {
			p->phase = PH_IDLE;
			res->consumed = i + 2;
			return 0;
		}
		r = framing_byte(p, d[i++]);
		if (r < 0) {
			res->consumed = i - 1;
			return -EBADMSG;
		}
		if (r == 1) {
			p->phase = PH_IDLE;
			res->consumed = i;
			return 0;
		}
	}
	res->consumed = i;
	return -EAGAIN;
}

uint64_t hl_http1_body_content_ahead(const struct hl_http1_parser *p)
{
	if (p->phase != PH_BODY || p->err != HL_HTTP1_OK)
		return 0;
	return p->state == B_LENGTH || p->state == B_DATA ? p->remaining : 0;
}

int hl_http1_parse_body(struct hl_http1_parser *p, const uint8_t *data, size_t len,
			struct hl_http1_body *res)
{
	res->consumed = 0;
	res->payload = 0;
	switch (p->phase) {
	case PH_FAILED:
		return -EBADMSG;
	case PH_HEAD:
		return -EINVAL;
	case PH_IDLE:
		return 0;
	}
	if (p->state == B_LENGTH) {
		size_t n = len < p->remaining ? len : (size_t)p->remaining;

		res->consumed = res->payload = n;
		p->remaining -= n;
		if (p->remaining)
			return -EAGAIN;
		p->phase = PH_IDLE;
		return 0;
	}
	if (p->state == B_CLOSE) {
		res->consumed = res->payload = len;
		return -EAGAIN;
	}
	return chunked(p, data, len, res);
}
