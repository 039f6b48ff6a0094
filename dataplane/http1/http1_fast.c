/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Whole-line fast path: the start line and the field lines that lie complete in one buffer,
 * which is nearly every line of nearly every head. A line is first found whole and checked
 * with vector scans (name, value, CRLF), then recorded at once, with per-line state in locals.
 *
 * It only takes lines that are well formed and within the limits; for anything else (a line
 * that goes on in the next buffer, a limit reached, a byte the grammar does not allow there,
 * a rare form) it stops at the start of that line without having changed the parser, and the
 * resumable byte-wise path (http1_request.c, http1_response.c, http1_fields.c) parses it and
 * reports its error. The values of the recognised fields go through the same interpreters
 * (http1_value.c) as on that path, so both give the same result for any cut of the input.
 */
#include "http1_scan.h"

static inline int is_ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* CR at buf[cr] ending a start line that began at offset 0 of the message; within max_line? */
static inline int line_fits(const struct hl_http1_parser *p, size_t cr)
{
	return cr <= p->cfg->max_line;
}

/* "HTTP/1.0" or "HTTP/1.1" at s (8 bytes readable); returns the minor version or -1. */
static inline int version_11(const uint8_t *s)
{
	uint64_t w = hl_load(s, 8);
	uint64_t v10, v11;

	memcpy(&v10, "HTTP/1.0", 8);
	memcpy(&v11, "HTTP/1.1", 8);
	return w == v11 ? 1 : w == v10 ? 0 : -1;
}

long hl_http1_fast_request_line(struct hl_http1_parser *p, const uint8_t *buf, size_t len)
{
	struct hl_http1_msg *m = &p->msg;
	size_t sp, t, cr;
	enum hl_http1_method method;
	int v;

	/* The start of the message (no empty lines skipped), origin-form target. */
	if (p->off != 0)
		return 0;
	sp = hl_scan_class(buf, 0, len, HL_NIB_TCHAR, C_TCHAR);
	if (sp == 0 || sp + 1 >= len || buf[sp] != ' ' || buf[sp + 1] != '/')
		return 0;
	t = hl_scan_class(buf, sp + 2, len, HL_NIB_TARGET, C_TARGET);
	cr = t + 9;
	if (cr + 1 >= len || buf[t] != ' ' || buf[cr] != '\r' || buf[cr + 1] != '\n' ||
	    !line_fits(p, cr))
		return 0;
	v = version_11(buf + t + 1);
	method = hl_http1_method_lookup(buf, sp);
	if (v < 0 || method == HL_HTTP1_M_CONNECT)
		return 0;
	m->method = (uint8_t)method;
	m->method_span.off = 0;
	m->method_span.len = (uint32_t)sp;
	m->target.off = (uint32_t)sp + 1;
	m->target.len = (uint32_t)(t - sp - 1);
	m->form = HL_HTTP1_T_ORIGIN;
	m->version = (uint8_t)v;
	p->state = S_FIELD;
	return (long)cr + 2;
}

long hl_http1_fast_status_line(struct hl_http1_parser *p, const uint8_t *buf, size_t len)
{
	struct hl_http1_msg *m = &p->msg;
	unsigned int status;
	size_t cr, rs;
	int v;

	if (p->off != 0 || len < 14)
		return 0;
	v = version_11(buf);
	if (v < 0 || buf[8] != ' ' || !hl_is(buf[9], C_DIGIT) || !hl_is(buf[10], C_DIGIT) ||
	    !hl_is(buf[11], C_DIGIT))
		return 0;
	status = (buf[9] - '0') * 100u + (buf[10] - '0') * 10u + (buf[11] - '0');
	if (status < 100 || status > 599)
		return 0;
	if (buf[12] == ' ') {
		rs = 13;
		cr = hl_scan_value(buf, rs, len);
	} else {
		rs = cr = 12; /* no SP when the reason is empty */
	}
	if (cr + 1 >= len || buf[cr] != '\r' || buf[cr + 1] != '\n' || !line_fits(p, cr))
		return 0;
	m->version = (uint8_t)v;
	m->status = (uint16_t)status;
	m->reason.off = (uint32_t)rs;
	m->reason.len = (uint32_t)(cr - rs);
	p->state = S_FIELD;
	return (long)cr + 2;
}

long hl_http1_fast_fields(struct hl_http1_parser *p, const uint8_t *buf, size_t len)
{
	struct hl_http1_field *fields = p->fields;
	const uint32_t base = p->off, max = p->max_fields;
	uint32_t nf = p->msg.nfields;
	size_t i = 0;
#if defined(HL_SCAN_PAIR)
	struct hl_pair_k k;

	hl_pair_init(&k);
#endif
	for (;;) {
		struct hl_http1_field *f = &fields[nf];
		enum hl_http1_hdr id;
		size_t colon, v, cr, e;

		/*
		 * The line's end first: name, colon and OWS are all bytes a value may hold, so the
		 * first byte from the line start that a value may not hold is where the line ends.
		 * That keeps the chain from one line to the next to this one scan; the rest of the
		 * line's work does not hold up the next line's.
		 */
#if defined(HL_SCAN_PAIR)
		if (HL_LIKELY(len - i >= HL_SCAN_PAIR)) {
			uint32_t bad, ntok;

			/* A name shorter than the vector (its end, a CR at worst, is in it). */
			hl_scan_pair(&k, buf + i, &bad, &ntok);
			cr = bad ? i + (size_t)__builtin_ctz(bad)
				 : hl_scan_value(buf, i + HL_SCAN_PAIR, len);
			colon = ntok ? i + (size_t)__builtin_ctz(ntok)
				     : hl_scan_class(buf, i + HL_SCAN_PAIR, cr, HL_NIB_TCHAR,
						     C_TCHAR);
		} else
#endif
		{
			cr = hl_scan_value(buf, i, len);
			colon = hl_scan_class(buf, i, cr, HL_NIB_TCHAR, C_TCHAR);
		}
		if (cr + 1 >= len || buf[cr] != '\r' || buf[cr + 1] != '\n')
			break;
		if (cr == i) {
			p->msg.nfields = nf;
			p->state = S_DONE;
			return (long)i + 2;
		}
		if (nf == max || colon == i || buf[colon] != ':')
			break;
		/* Usually one SP before the value and no OWS after it (buf[colon] is no OWS). */
		v = colon + 1;
		v += buf[v] == ' ';
		if (HL_UNLIKELY(is_ows(buf[v])))
			while (is_ows(buf[++v]))
				;
		e = cr;
		if (HL_UNLIKELY(is_ows(buf[e - 1])))
			while (e > v && is_ows(buf[e - 1]))
				e--;
		f->name.off = base + (uint32_t)i;
		f->name.len = (uint32_t)(colon - i);
		f->value.off = base + (uint32_t)v;
		f->value.len = (uint32_t)(e - v);
		f->flags = 0;
		id = hl_classify(p, buf + i, colon - i);
		f->id = (uint8_t)id;
		nf++;
		if (id != HL_HTTP1_H_OTHER) {
			/* As at the end of the line on the byte-wise path. */
			p->msg.nfields = nf;
			if (hl_http1_value_whole(p, f, buf + v, cr - v))
				return -EBADMSG;
		}
		i = cr + 2;
	}
	p->msg.nfields = nf;
	return (long)i;
}
