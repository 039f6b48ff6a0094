/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to dataplane/http1: byte classes, parser states and the helpers the files share. */
#ifndef HL_HTTP1_PRIV_H
#define HL_HTTP1_PRIV_H

#include <errno.h>
#include <string.h>

#include "hintlb/http1.h"

#define HL_LIKELY(x)   __builtin_expect(!!(x), 1)
#define HL_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Byte classes (hl_http1_cclass). */
#define C_TCHAR  0x01 /* token character (RFC 9110 section 5.6.2) */
#define C_TARGET 0x02 /* allowed in a request-target (RFC 3986 characters, see docs) */
#define C_VALUE  0x04 /* field-vchar / SP / HTAB / obs-text: allowed in a field value */
#define C_HOST   0x08 /* allowed in a Host value: uri-host [ ":" port ] */
#define C_HEX    0x10
#define C_DIGIT  0x20
#define C_SCHEME 0x40 /* ALPHA / DIGIT / "+" / "-" / "." */
#define C_QDTEXT 0x80 /* qdtext of a quoted-string */

extern const uint8_t hl_http1_cclass[256];
extern const uint8_t hl_http1_lower[256];

/* Nibble tables of the classes the vector scans look up (http1_scan.h). */
enum { HL_NIB_TCHAR = 0, HL_NIB_TARGET, HL_NIB_HOST, HL_NIB__COUNT };

static inline int hl_is(uint8_t c, uint8_t cls)
{
	return hl_http1_cclass[c] & cls;
}

/* Index of the first byte in s[i..n) not of class cls, or n: four bytes per test. */
static inline size_t hl_span_class(const uint8_t *s, size_t i, size_t n, uint8_t cls)
{
	const uint8_t *t = hl_http1_cclass;

	while (i + 4 <= n && (t[s[i]] & t[s[i + 1]] & t[s[i + 2]] & t[s[i + 3]] & cls))
		i += 4;
	while (i < n && (t[s[i]] & cls))
		i++;
	return i;
}

/* Parser phases (hl_http1_parser.phase). */
enum { PH_HEAD = 0, PH_IDLE = 1, PH_BODY = 2, PH_FAILED = 3 };

/* Head states (hl_http1_parser.state while phase is PH_HEAD). */
enum {
	S_START = 0, /* before the start line: empty lines are skipped */
	S_START_LF,  /* CR of an empty line seen */
	S_METHOD,    /* request: in the method */
	S_TARGET,    /* request: in the target */
	S_VERSION,   /* in the HTTP-version (request: after the target) */
	S_LINE_LF,   /* CR ending the start line seen */
	S_CODE,      /* response: in the status code */
	S_CODE_SP,   /* response: after the status code */
	S_REASON,    /* response: in the reason phrase */
	S_FIELD,     /* at the start of a field line or of the final empty line */
	S_NAME,      /* in a field name */
	S_OWS,       /* after the colon */
	S_VALUE,     /* in a field value */
	S_VALUE_LF,  /* CR ending a field line seen */
	S_END_LF,    /* CR of the final empty line seen */
	S_DONE,      /* the head is complete */
};

/* Body states (hl_http1_parser.state while phase is PH_BODY). */
enum {
	B_LENGTH = 0, /* remaining bytes of a Content-Length body */
	B_CLOSE,      /* until the connection closes */
	B_SIZE0,      /* first hex digit of a chunk-size */
	B_SIZE,       /* more hex digits */
	B_EXT_WS,     /* BWS before ";" */
	B_EXT_NAME0,  /* after ";" and BWS: first byte of a chunk-ext-name */
	B_EXT_NAME,   /* in a chunk-ext-name */
	B_EXT_EQ_WS,  /* BWS after a chunk-ext-name */
	B_EXT_VAL0,   /* after "=" and BWS */
	B_EXT_TOKEN,  /* in a token chunk-ext-val */
	B_EXT_QUOTED, /* in a quoted-string chunk-ext-val */
	B_EXT_QPAIR,  /* after a backslash in a quoted-string */
	B_EXT_QEND,   /* after the closing quote */
	B_SIZE_LF,    /* CR ending a chunk-size line seen */
	B_DATA,       /* in chunk data */
	B_DATA_CR,    /* after chunk data */
	B_DATA_LF,    /* CR after chunk data seen */
	B_TR_LINE,    /* at the start of a trailer line or of the final empty line */
	B_TR_NAME,    /* in a trailer field name */
	B_TR_VALUE,   /* in a trailer field value */
	B_TR_LF,      /* CR ending a trailer field line seen */
	B_TR_END_LF,  /* CR of the final empty line seen */
};

/* Records a rejection; returns -EBADMSG for tail calls. */
int hl_http1_fail(struct hl_http1_parser *p, enum hl_http1_err err);

/*
 * Whole-line fast path (http1_fast.c) for lines that lie complete in one buffer. Each starts
 * at a line start and returns the bytes of the lines it parsed, 0 when the first line is not
 * one it handles (incomplete, unusual or malformed: the byte-wise path takes it from there and
 * reports any error), or -EBADMSG for an error in a value it interpreted.
 */
long hl_http1_fast_request_line(struct hl_http1_parser *p, const uint8_t *buf, size_t len);
long hl_http1_fast_status_line(struct hl_http1_parser *p, const uint8_t *buf, size_t len);
long hl_http1_fast_fields(struct hl_http1_parser *p, const uint8_t *buf, size_t len);

/* Head files: each returns bytes consumed of buf[0..len), or -EBADMSG; on completion of its
 * part it moves p->state on and returns early. */
long hl_http1_request_line(struct hl_http1_parser *p, const uint8_t *buf, size_t len);
long hl_http1_status_line(struct hl_http1_parser *p, const uint8_t *buf, size_t len);
long hl_http1_fields(struct hl_http1_parser *p, const uint8_t *buf, size_t len);

/* Shared start-line pieces (http1_request.c). */
int hl_http1_version_byte(struct hl_http1_parser *p, uint8_t c);
enum hl_http1_method hl_http1_method_lookup(const uint8_t *s, size_t n);

/* Called once the final CRLF of the head is consumed: checks and framing. */
int hl_http1_request_done(struct hl_http1_parser *p);
int hl_http1_response_done(struct hl_http1_parser *p);

/* Field value interpreters (http1_value.c). */
void hl_http1_value_begin(struct hl_http1_parser *p);
int hl_http1_value_feed(struct hl_http1_parser *p, const uint8_t *s, size_t n, uint32_t off);
int hl_http1_value_end(struct hl_http1_parser *p, struct hl_http1_field *f);
/*
 * The same for a value whole in one buffer: f is recorded (id, spans, flags 0) and v[0..n) is
 * the value from its first byte to its CR, trailing OWS included. Same results as
 * hl_http1_value_begin(), _feed() and _end() over it.
 */
int hl_http1_value_whole(struct hl_http1_parser *p, struct hl_http1_field *f, const uint8_t *v,
			 size_t n);

/* Eight bytes with 'A'..'Z' turned to lower case, the others unchanged (SWAR). */
static inline uint64_t hl_lower8(uint64_t x)
{
	const uint64_t k7f = 0x7f7f7f7f7f7f7f7full, k80 = 0x8080808080808080ull;
	uint64_t b = x & k7f;
	uint64_t ge_a = b + 0x3f3f3f3f3f3f3f3full; /* 0x80 set where b >= 'A' */
	uint64_t gt_z = b + 0x2525252525252525ull; /* 0x80 set where b > 'Z' */
	uint64_t upper = (ge_a ^ gt_z) & ~x & k80;

	return x | (upper >> 2);
}

/* s[0..n), n <= 8, as a little-endian-ordered word; one load (or a constant) for n 1, 2, 4, 8. */
static inline uint64_t hl_load(const void *s, size_t n)
{
	uint64_t w = 0;
	uint32_t w4;
	uint16_t w2;

	switch (n) {
	case 8:
		memcpy(&w, s, 8);
		return w;
	case 4:
		memcpy(&w4, s, 4);
		return w4;
	case 2:
		memcpy(&w2, s, 2);
		return w2;
	case 1:
		return *(const uint8_t *)s;
	}
	memcpy(&w, s, n);
	return w;
}

/* Case-insensitive comparison of s[0..n) with lower-case lit[0..n); reads only those bytes. */
static inline int hl_lc_eq(const uint8_t *s, const char *lit, size_t n)
{
	size_t i = 0;

	if (n < 8) {
		/* Two overlapping words of 4, 2 or 1 bytes. */
		size_t w = n >= 4 ? 4 : n >= 2 ? 2 : 1;

		if (n == 0)
			return 1;
		return hl_lower8(hl_load(s, w)) == hl_load(lit, w) &&
		       hl_lower8(hl_load(s + n - w, w)) == hl_load(lit + n - w, w);
	}
	for (; i + 8 < n; i += 8)
		if (hl_lower8(hl_load(s + i, 8)) != hl_load(lit + i, 8))
			return 0;
	return hl_lower8(hl_load(s + n - 8, 8)) == hl_load(lit + n - 8, 8);
}

/*
 * hl_lc_eq() for a token s[0..n) and a literal of lower-case letters, digits and "-": setting
 * bit 0x20 of each byte lowers the letters, and no other token byte becomes one of those.
 */
static inline __attribute__((always_inline)) int hl_tok_eq(const uint8_t *s, const char *lit,
							   size_t n)
{
	const uint64_t k20 = 0x2020202020202020ull;
	size_t w = n >= 8 ? 8 : n >= 4 ? 4 : 2;

	if (n > 16 && (hl_load(s + 8, 8) | k20) != hl_load(lit + 8, 8))
		return 0;
	return ((hl_load(s, w) | k20) & (~0ull >> (64 - 8 * w))) == hl_load(lit, w) &&
	       ((hl_load(s + n - w, w) | k20) & (~0ull >> (64 - 8 * w))) == hl_load(lit + n - w, w);
}

extern const uint32_t hl_http1_known_first[32];

/* May a name of n bytes starting with c be one hl_classify() knows (other than the hint)? */
static inline int hl_known_len(size_t n, uint8_t c)
{
	return n < 32 && (hl_http1_known_first[n] & (1u << (c & 31)));
}

/* The hint field name of the parser's direction, for hl_classify_in(). */
struct hl_names {
	const char *hint; /* the direction's hint field name, lower case */
	size_t hint_len;
	int req;
};

static inline struct hl_names hl_names_of(const struct hl_http1_parser *p)
{
	const struct hl_http1_config *cfg = p->cfg;
	int req = p->dir == HL_HTTP1_REQUEST;

	return (struct hl_names){req ? cfg->hint_name : cfg->hints_name,
				 req ? cfg->hint_name_len : cfg->hints_name_len, req};
}

/*
 * Id of the field named s[0..n). A name whose length and first letter match none of the
 * recognised names, nor the configured hint name's length, is HL_HTTP1_H_OTHER at once.
 */
static inline enum hl_http1_hdr hl_classify_in(struct hl_names nm, const uint8_t *s, size_t n)
{
	int req = nm.req;

	if (!(hl_known_len(n, s[0]) || n == nm.hint_len))
		return HL_HTTP1_H_OTHER;
	switch (n) {
	case 2:
		if (hl_tok_eq(s, "te", 2))
			return HL_HTTP1_H_TE;
		break;
	case 4:
		if (req && hl_tok_eq(s, "host", 4))
			return HL_HTTP1_H_HOST;
		break;
	case 6:
		if (req && hl_tok_eq(s, "expect", 6))
			return HL_HTTP1_H_EXPECT;
		break;
	case 7:
		if (hl_tok_eq(s, "upgrade", 7))
			return HL_HTTP1_H_UPGRADE;
		break;
	case 10:
		if (hl_tok_eq(s, "connection", 10))
			return HL_HTTP1_H_CONNECTION;
		if (hl_tok_eq(s, "keep-alive", 10))
			return HL_HTTP1_H_KEEP_ALIVE;
		break;
	case 14:
		if (hl_tok_eq(s, "content-length", 14))
			return HL_HTTP1_H_CONTENT_LENGTH;
		break;
	case 16:
		if (hl_tok_eq(s, "proxy-connection", 16))
			return HL_HTTP1_H_PROXY_CONNECTION;
		break;
	case 17:
		if (hl_tok_eq(s, "transfer-encoding", 17))
			return HL_HTTP1_H_TRANSFER_ENCODING;
		break;
	}
	if (n == nm.hint_len && hl_lc_eq(s, nm.hint, n))
		return req ? HL_HTTP1_H_HINT : HL_HTTP1_H_HINTS;
	return HL_HTTP1_H_OTHER;
}

static inline enum hl_http1_hdr hl_classify(const struct hl_http1_parser *p, const uint8_t *s,
					    size_t n)
{
	return hl_classify_in(hl_names_of(p), s, n);
}

#endif /* HL_HTTP1_PRIV_H */
