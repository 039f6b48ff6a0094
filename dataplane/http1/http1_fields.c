/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Field lines of the header section (RFC 9112 section 5, RFC 9110 section 5.5):
 *
 *   field-line = field-name ":" OWS field-value OWS CRLF
 *
 * The hot loop of the parser. A line that lies inside one buffer runs straight through: the
 * name by a table loop, the value by a vector scan for its end. When a buffer ends inside a
 * line the state is saved and the next call resumes at the labels below, without going back
 * over earlier bytes. Field names and values are recorded as spans; the values of the fields
 * the proxy needs are interpreted as they stream by (http1_value.c).
 */
#include "http1_scan.h"

/* Name bytes of a name that straddles buffers, kept for its classification. */
static void save_name(struct hl_http1_parser *p, const uint8_t *s, size_t n)
{
	size_t have = p->name_len;

	if (have + n > HL_HTTP1_NAME_MAX)
		n = have < HL_HTTP1_NAME_MAX ? HL_HTTP1_NAME_MAX - have : 0;
	memcpy(p->name_buf + have, s, n);
	p->name_len = (uint8_t)(have + n);
}

/* A byte that cannot start a field line. */
static int bad_line_start(struct hl_http1_parser *p, uint8_t c)
{
	if (c == ' ' || c == '\t')
		return hl_http1_fail(p, p->msg.nfields ? HL_HTTP1_ERR_OBS_FOLD
						       : HL_HTTP1_ERR_WS_BEFORE_FIELD);
	return hl_http1_fail(p, c == '\n' ? HL_HTTP1_ERR_BARE_LF : HL_HTTP1_ERR_FIELD_NAME);
}

/* The name ended at buf[i] == ':'; s is where its bytes in this buffer begin. */
static void name_done(struct hl_http1_parser *p, const uint8_t *buf, size_t s, size_t i)
{
	struct hl_http1_field *f = &p->fields[p->msg.nfields];
	uint32_t n = p->off + (uint32_t)i - p->tok_start;
	enum hl_http1_hdr id;

	if (p->tok_start >= p->off) {
		id = hl_classify(p, buf + s, n);
	} else {
		save_name(p, buf + s, i - s);
		id = n <= HL_HTTP1_NAME_MAX ? hl_classify(p, p->name_buf, n) : HL_HTTP1_H_OTHER;
	}
	f->name.off = p->tok_start;
	f->name.len = n;
	f->id = (uint8_t)id;
	f->flags = 0;
	p->hdr = (uint8_t)id;
	if (id != HL_HTTP1_H_OTHER)
		hl_http1_value_begin(p);
}

/* The value's bytes in this buffer are buf[s..i): interpret them and track the OWS trim. */
static int value_piece(struct hl_http1_parser *p, const uint8_t *buf, size_t s, size_t i)
{
	size_t j = i;

	if (i == s)
		return 0;
	if (p->hdr != HL_HTTP1_H_OTHER &&
	    hl_http1_value_feed(p, buf + s, i - s, p->off + (uint32_t)s))
		return -EBADMSG;
	while (j > s && (buf[j - 1] == ' ' || buf[j - 1] == '\t'))
		j--;
	if (j > s)
		p->tok_end = p->off + (uint32_t)j;
	return 0;
}

/* The line ended: record the value span and finish its interpretation. */
static int line_done(struct hl_http1_parser *p)
{
	struct hl_http1_field *f = &p->fields[p->msg.nfields++];

	f->value.off = p->tok_start;
	f->value.len = p->tok_end - p->tok_start;
	if (p->hdr != HL_HTTP1_H_OTHER)
		return hl_http1_value_end(p, f);
	return 0;
}

long hl_http1_fields(struct hl_http1_parser *p, const uint8_t *buf, size_t len)
{
	size_t i = 0, s = 0;

	switch (p->state) {
	case S_NAME:
		goto name;
	case S_OWS:
		goto ows;
	case S_VALUE:
		goto value;
	case S_VALUE_LF:
		goto value_lf;
	case S_END_LF:
		goto end_lf;
	default:
		break;
	}
	if (i == len) {
		p->state = S_FIELD;
		return (long)i;
	}
	if (buf[i] == '\r') {
		i++;
		goto end_lf;
	}
	if (HL_UNLIKELY(!hl_is(buf[i], C_TCHAR)))
		return bad_line_start(p, buf[i]);
	if (HL_UNLIKELY(p->msg.nfields == p->max_fields))
		return hl_http1_fail(p, HL_HTTP1_ERR_TOO_MANY_FIELDS);
	p->tok_start = p->off + (uint32_t)i;
	p->name_len = 0;
	s = i++;
name:
	i = hl_span_class(buf, i, len, C_TCHAR);
	if (HL_UNLIKELY(i == len)) {
		save_name(p, buf + s, i - s);
		p->state = S_NAME;
		return (long)i;
	}
	if (HL_UNLIKELY(buf[i] != ':'))
		return hl_http1_fail(p, buf[i] == ' ' || buf[i] == '\t' ? HL_HTTP1_ERR_NAME_WS
									: HL_HTTP1_ERR_FIELD_NAME);
	name_done(p, buf, s, i);
	i++;
ows:
	while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	if (HL_UNLIKELY(i == len)) {
		p->state = S_OWS;
		return (long)i;
	}
	p->tok_start = p->tok_end = p->off + (uint32_t)i;
value:
	s = i;
	i = hl_scan_value(buf, i, len);
	if (value_piece(p, buf, s, i))
		return -EBADMSG;
	if (HL_UNLIKELY(i == len)) {
		p->state = S_VALUE;
		return (long)i;
	}
	if (HL_UNLIKELY(buf[i] != '\r'))
		return hl_http1_fail(p, buf[i] == '\n' ? HL_HTTP1_ERR_BARE_LF
						       : HL_HTTP1_ERR_FIELD_VALUE);
	i++;
value_lf:
	if (HL_UNLIKELY(i == len)) {
		p->state = S_VALUE_LF;
		return (long)i;
	}
	if (HL_UNLIKELY(buf[i] != '\n'))
		return hl_http1_fail(p, HL_HTTP1_ERR_BARE_CR);
	i++;
	if (line_done(p))
		return -EBADMSG;
	/* Back to the driver, which tries the next line on the fast path (http1_fast.c). */
	p->state = S_FIELD;
	return (long)i;
end_lf:
	if (i == len) {
		p->state = S_END_LF;
		return (long)i;
	}
	if (buf[i] != '\n')
		return hl_http1_fail(p, HL_HTTP1_ERR_BARE_CR);
	p->state = S_DONE;
	return (long)i + 1;
}
