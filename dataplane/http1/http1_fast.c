/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Whole-line fast path: the start line and the field lines that lie complete in one buffer,
 * which is nearly every line of nearly every head. The buffer's control bytes are classified
 * 64 at a time as the lines reach them (struct ctl_cur), so a line's end is a bit count; its
 * name is checked with one vector load; then it is recorded at once, with state in locals.
 * The start line goes straight on into the field lines with the same classification.
 *
 * It only takes lines that are well formed and within the limits; for anything else (a line
 * that goes on in the next buffer, a limit reached, a byte the grammar does not allow there,
 * a rare form) it stops at the start of that line without having changed the parser, and the
 * resumable byte-wise path (http1_request.c, http1_response.c, http1_fields.c) parses it and
 * reports its error. The values of the recognised fields go through the same interpreters
 * (http1_value.c) as on that path, so both give the same result for any cut of the input.
 */
#include "http1_scan.h"

/*
 * Control bytes of the buffer, one 64-byte block at a time, classified when first needed:
 * bit k of m is set when buf[b + k] is a control byte or DEL, or lies at or past len. Since
 * every line ends at its first control byte (HTAB apart), finding the next line is a shift
 * and a count of trailing zeros; the chain from one line to the next is that alone.
 */
struct ctl_cur {
	uint64_t m;
	size_t b;
};

/* The mask of the block at b that is not whole in the buffer: once a head, not inlined. */
static __attribute__((noinline)) uint64_t ctl_part(const uint8_t *buf, size_t b, size_t len)
{
	if (b >= len)
		return ~0ull;
	return hl_ctl_tail(buf, b, len) | ~0ull << (len - b);
}

static inline uint64_t ctl_block(const uint8_t *buf, size_t b, size_t len)
{
	if (HL_LIKELY(b + 64 <= len))
		return hl_ctl64(buf + b);
	return ctl_part(buf, b, len);
}

static inline void ctl_init(struct ctl_cur *c, const uint8_t *buf, size_t len)
{
	c->b = 0;
	c->m = ctl_block(buf, 0, len);
}

/*
 * The first control byte at or after pos (pos >= c->b), or a position >= len. Moving to the
 * next block happens once every 64 bytes; the cursor stays in registers.
 */
static inline __attribute__((always_inline)) size_t ctl_next(struct ctl_cur *c, const uint8_t *buf,
							     size_t len, size_t pos)
{
	size_t d = pos - c->b;
	uint64_t m;

	if (HL_LIKELY(d < 64)) {
		m = c->m >> d;
		if (HL_LIKELY(m))
			return pos + (unsigned int)__builtin_ctzll(m);
	}
	c->b += d >= 64 ? d & ~(size_t)63 : 64;
	for (;;) {
		c->m = ctl_block(buf, c->b, len);
		m = pos > c->b ? c->m >> (pos - c->b) : c->m;
		if (m)
			return (pos > c->b ? pos : c->b) + (unsigned int)__builtin_ctzll(m);
		c->b += 64;
	}
}

static inline int is_crlf(const uint8_t *s)
{
	return hl_load(s, 2) == hl_load("\r\n", 2);
}

/* line_end() once the first control byte from the line's start, at cr, is no CRLF. */
static inline size_t line_end_ht(struct ctl_cur *c, const uint8_t *buf, size_t len, size_t cr)
{
	while (cr + 1 < len && buf[cr] == '\t') {
		cr = ctl_next(c, buf, len, cr + 1);
		if (cr + 1 < len && is_crlf(buf + cr))
			return cr;
	}
	return len;
}

/*
 * The CR of the CRLF that ends the line going on at pos, HTABs stepped over; len when the
 * line's first other control byte is not such a CR (a bare CR or LF, a CTL, the buffer's end).
 */
static inline __attribute__((always_inline)) size_t line_end(struct ctl_cur *c, const uint8_t *buf,
							     size_t len, size_t pos)
{
	size_t cr = ctl_next(c, buf, len, pos);

	if (HL_LIKELY(cr + 1 < len && is_crlf(buf + cr)))
		return cr;
	return line_end_ht(c, buf, len, cr);
}

/* "HTTP/1.0" or "HTTP/1.1" at s (8 bytes readable); returns the minor version or -1. */
static inline int version_11(const uint8_t *s)
{
	uint64_t w = hl_load(s, 8);

	return w == hl_load("HTTP/1.1", 8) ? 1 : w == hl_load("HTTP/1.0", 8) ? 0 : -1;
}

/* Where the name of the field line buf[i..cr) ends: its first byte that is no token character. */
static inline size_t name_end(const uint8_t *buf, size_t len, size_t i, size_t cr)
{
#if defined(HL_TOK_WIN)
	uint32_t miss;

	if (HL_LIKELY(i + HL_TOK_WIN <= len) && HL_LIKELY(miss = hl_tok_miss(buf + i)))
		return i + (unsigned int)__builtin_ctz(miss);
#else
	(void)len;
#endif
	return hl_scan_class(buf, i, cr, HL_NIB_TCHAR, C_TCHAR);
}

/*
 * The field lines from buf[i], a line start, to the end of the head or the first line the
 * fast path leaves; cur has classified buf up to i. Returns the bytes of buf parsed (all the
 * lines before the one it stopped at) or -EBADMSG.
 */
static long fields_from(struct hl_http1_parser *p, const uint8_t *buf, size_t len, size_t i,
			struct ctl_cur cur)
{
	struct hl_http1_field *f = p->fields + p->msg.nfields;
	struct hl_http1_field *const fend = p->fields + p->max_fields;
	const uint32_t base = p->off;
	const size_t hint_len = hl_names_of(p).hint_len;
	struct ctl_cur c = cur;

	for (;;) {
		size_t cr = ctl_next(&c, buf, len, i), colon, v, e, n;
		enum hl_http1_hdr id;

		if (HL_UNLIKELY(cr + 1 >= len || !is_crlf(buf + cr))) {
			cr = line_end_ht(&c, buf, len, cr);
			if (cr >= len)
				break;
		}
		if (cr == i) {
			p->msg.nfields = (uint32_t)(f - p->fields);
			p->state = S_DONE;
			return (long)i + 2;
		}
		colon = name_end(buf, len, i, cr);
		if (f == fend || colon == i || buf[colon] != ':')
			break;
		/*
		 * Usually one SP before the value and no OWS after it. Up to the CR the line holds
		 * no control byte but HTAB, so a byte <= SP there is OWS; buf[colon] is none.
		 */
		v = colon + 1;
		v += buf[v] == ' ';
		if (HL_UNLIKELY(buf[v] <= ' '))
			while (v < cr && buf[v] <= ' ')
				v++;
		e = cr;
		if (HL_UNLIKELY(buf[e - 1] <= ' '))
			while (e > v && buf[e - 1] <= ' ')
				e--;
		/* Most names are known to be none of the recognised ones by length and first byte.
		 */
		n = colon - i;
		id = HL_HTTP1_H_OTHER;
		if (HL_UNLIKELY((hl_http1_known_first[n & 31] >> (buf[i] & 31) & 1) ||
				n == hint_len))
			id = hl_classify(p, buf + i, n);
		f->name.off = base + (uint32_t)i;
		f->name.len = (uint32_t)n;
		f->value.off = base + (uint32_t)v;
		f->value.len = (uint32_t)(e - v);
		f->id = (uint8_t)id;
		f->flags = 0;
		f++;
		if (id == HL_HTTP1_H_KEEP_ALIVE) {
			/* Hop-by-hop, value not interpreted (as hl_http1_value_whole()). */
			f[-1].flags = HL_HTTP1_FF_HOP;
		} else if (id != HL_HTTP1_H_OTHER) {
			/* As at the end of the line on the byte-wise path. */
			p->msg.nfields = (uint32_t)(f - p->fields);
			if (hl_http1_value_whole(p, f - 1, buf + v, cr - v))
				return -EBADMSG;
		}
		i = cr + 2;
	}
	p->msg.nfields = (uint32_t)(f - p->fields);
	return (long)i;
}

long hl_http1_fast_request_line(struct hl_http1_parser *p, const uint8_t *buf, size_t len)
{
	struct hl_http1_msg *m = &p->msg;
	enum hl_http1_method method;
	struct ctl_cur c;
	size_t cr, sp, t;
	uint32_t w;
	int v;

	/* The start of the message (no empty lines skipped), origin-form target. */
	if (p->off != 0)
		return 0;
	ctl_init(&c, buf, len);
	cr = line_end(&c, buf, len, 0);
	/* method SP "/" SP "HTTP/1.x": at least 12 bytes before the CR. */
	if (cr >= len || cr < 12 || cr > p->cfg->max_line)
		return 0;
	t = cr - 9;
	v = version_11(buf + t + 1);
	if (v < 0 || buf[t] != ' ')
		return 0;
	w = (uint32_t)hl_load(buf, 4);
	if (w == (uint32_t)hl_load("GET ", 4)) {
		sp = 3;
		method = HL_HTTP1_M_GET;
	} else if (w == (uint32_t)hl_load("POST", 4) && buf[4] == ' ') {
		sp = 4;
		method = HL_HTTP1_M_POST;
	} else {
		sp = hl_scan_class(buf, 0, t, HL_NIB_TCHAR, C_TCHAR);
		method = hl_http1_method_lookup(buf, sp);
		if (sp == 0 || buf[sp] != ' ' || method == HL_HTTP1_M_CONNECT)
			return 0;
	}
	/* buf[t] is a SP, so a "/" at sp + 1 is before it. */
	if (buf[sp + 1] != '/' || hl_scan_class(buf, sp + 2, t, HL_NIB_TARGET, C_TARGET) != t)
		return 0;
	m->method = (uint8_t)method;
	m->method_span.off = 0;
	m->method_span.len = (uint32_t)sp;
	m->target.off = (uint32_t)sp + 1;
	m->target.len = (uint32_t)(t - sp - 1);
	m->form = HL_HTTP1_T_ORIGIN;
	m->version = (uint8_t)v;
	p->state = S_FIELD;
	return fields_from(p, buf, len, cr + 2, c);
}

long hl_http1_fast_status_line(struct hl_http1_parser *p, const uint8_t *buf, size_t len)
{
	struct hl_http1_msg *m = &p->msg;
	unsigned int status;
	struct ctl_cur c;
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
	ctl_init(&c, buf, len);
	cr = line_end(&c, buf, len, 12);
	if (cr >= len || cr > p->cfg->max_line)
		return 0;
	if (buf[12] == ' ')
		rs = 13;
	else if (cr == 12)
		rs = 12; /* no SP when the reason is empty */
	else
		return 0;
	m->version = (uint8_t)v;
	m->status = (uint16_t)status;
	m->reason.off = (uint32_t)rs;
	m->reason.len = (uint32_t)(cr - rs);
	p->state = S_FIELD;
	return fields_from(p, buf, len, cr + 2, c);
}

long hl_http1_fast_fields(struct hl_http1_parser *p, const uint8_t *buf, size_t len)
{
	struct ctl_cur c;

	ctl_init(&c, buf, len);
	return fields_from(p, buf, len, 0, c);
}
