/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * HTTP/1.1 request and response parsing (RFC 9112, RFC 9110).
 *
 * The parser is a resumable state machine over input that arrives in pieces: on partial input
 * it consumes everything, says "need more" (-EAGAIN) and continues from where it stopped on
 * the next call, which gets only the new bytes; no byte is read again on a later call. Lines
 * that lie whole in one segment, nearly all of them, take a vectorised fast path; the result
 * does not depend on how the input was cut. Nothing is copied and nothing is allocated: the results
 * are offsets (spans) relative to the first byte of the message, valid for whatever segmentation
 * the bytes arrived in, so the proxy can parse mbuf chains in place and forward them by reference.
 *
 * A message is parsed in two phases:
 *  1. the head (start line and header section): hl_http1_parse_head() over an array of
 *     segments until it returns 0; the message is then in hl_http1_parser.msg;
 *  2. the body: hl_http1_parse_body() on each following buffer until it returns 0 (framing
 *     HL_HTTP1_FRAMING_NONE has no body phase). Bytes after the end of the message start the
 *     next message (pipelining): call hl_http1_parse_head() again with them.
 *
 * The policy is strict (see docs/http1.md): whatever could let a server behind hintlb frame
 * a message differently from hintlb is rejected with the status the proxy sends and a reason
 * the proxy counts. After a rejection the parser stays failed until hl_http1_parser_reset().
 */
#ifndef HINTLB_HTTP1_H
#define HINTLB_HTTP1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Longest configurable hint header name. */
#define HL_HTTP1_NAME_MAX 64
/** Longest request hint and longest replica hint entry (bytes, after trimming OWS). */
#define HL_HTTP1_HINT_MAX 255
/** Most replica hint entries kept from one response; further valid entries are counted. */
#define HL_HTTP1_MAX_HINTS 64
/** Most Connection options (other than close, keep-alive, upgrade) kept; more is a 400. */
#define HL_HTTP1_MAX_CONN_OPTS 8

/** One piece of input: borrowed, read only, never retained past the call. */
struct hl_http1_seg {
	const uint8_t *data;
	size_t len;
};

/** Bytes [off, off + len) of the message, counted from its first byte. */
struct hl_http1_span {
	uint32_t off;
	uint32_t len;
};

/** Parser limits and header names; shared read-only by any number of parsers. */
struct hl_http1_config {
	uint32_t max_line;      /**< request/status line, without CRLF (request: 414) */
	uint32_t max_head;      /**< head bytes, start line to final CRLF inclusive (431) */
	uint32_t max_fields;    /**< header fields per message (431) */
	uint32_t max_trailer;   /**< trailer section bytes of a chunked body */
	uint32_t max_chunk_ext; /**< chunk-ext bytes on one chunk-size line */
	uint8_t hint_name_len;
	uint8_t hints_name_len;
	char hint_name[HL_HTTP1_NAME_MAX];  /**< request hint field name, lower case */
	char hints_name[HL_HTTP1_NAME_MAX]; /**< response hints field name, lower case */
};

enum hl_http1_dir {
	HL_HTTP1_REQUEST = 0,
	HL_HTTP1_RESPONSE = 1,
};

enum hl_http1_method {
	HL_HTTP1_M_OTHER = 0, /**< any other token: allowed, the proxy decides */
	HL_HTTP1_M_GET,
	HL_HTTP1_M_HEAD,
	HL_HTTP1_M_POST,
	HL_HTTP1_M_PUT,
	HL_HTTP1_M_DELETE,
	HL_HTTP1_M_CONNECT,
	HL_HTTP1_M_OPTIONS,
	HL_HTTP1_M_TRACE,
	HL_HTTP1_M_PATCH,
};

enum hl_http1_target_form {
	HL_HTTP1_T_ORIGIN = 0, /**< "/path?query" */
	HL_HTTP1_T_ABSOLUTE,   /**< "http://authority/path"; msg.authority is set */
	HL_HTTP1_T_AUTHORITY,  /**< "host:port" (CONNECT only, which is refused) */
	HL_HTTP1_T_ASTERISK,   /**< "*" (OPTIONS only) */
};

/** How the message body is delimited (RFC 9112 section 6.3). */
enum hl_http1_framing {
	HL_HTTP1_FRAMING_NONE = 0, /**< no body: the message ends with its head */
	HL_HTTP1_FRAMING_LENGTH,   /**< msg.content_length bytes (> 0) */
	HL_HTTP1_FRAMING_CHUNKED,  /**< chunked transfer coding */
	HL_HTTP1_FRAMING_CLOSE,    /**< response only: until the connection closes */
};

/** Replica hints header (responses): absent, present with no element, or a list. */
enum hl_http1_hints_state {
	HL_HTTP1_HINTS_ABSENT = 0,
	HL_HTTP1_HINTS_EMPTY,
	HL_HTTP1_HINTS_LIST, /**< >= 1 element; hints_dropped of them were invalid */
};

/** Header fields the parser recognises (hl_http1_field.id). */
enum hl_http1_hdr {
	HL_HTTP1_H_OTHER = 0,
	HL_HTTP1_H_HOST,
	HL_HTTP1_H_CONTENT_LENGTH,
	HL_HTTP1_H_TRANSFER_ENCODING,
	HL_HTTP1_H_CONNECTION,
	HL_HTTP1_H_KEEP_ALIVE,
	HL_HTTP1_H_PROXY_CONNECTION,
	HL_HTTP1_H_TE,
	HL_HTTP1_H_UPGRADE,
	HL_HTTP1_H_EXPECT,
	HL_HTTP1_H_HINT,  /**< config hint_name (requests) */
	HL_HTTP1_H_HINTS, /**< config hints_name (responses) */
};

/** hl_http1_field.flags */
#define HL_HTTP1_FF_HOP 0x01 /**< hop-by-hop by name (RFC 9110 section 7.6.1) */

/** One header field line; value is trimmed of leading and trailing OWS. */
struct hl_http1_field {
	struct hl_http1_span name;
	struct hl_http1_span value;
	uint8_t id;    /**< enum hl_http1_hdr */
	uint8_t flags; /**< HL_HTTP1_FF_* */
};

/** hl_http1_msg.flags */
#define HL_HTTP1_F_KEEP_ALIVE      0x0001u /**< connection persists after this message */
#define HL_HTTP1_F_CONN_CLOSE      0x0002u /**< Connection lists "close" */
#define HL_HTTP1_F_CONN_KEEP_ALIVE 0x0004u /**< Connection lists "keep-alive" */
#define HL_HTTP1_F_CONN_UPGRADE    0x0008u /**< Connection lists "upgrade" */
#define HL_HTTP1_F_UPGRADE         0x0010u /**< Upgrade field present (msg.upgrade) */
#define HL_HTTP1_F_EXPECT_CONTINUE 0x0020u /**< Expect: 100-continue */
#define HL_HTTP1_F_EXPECT_OTHER    0x0040u /**< another expectation (the proxy may send 417) */
#define HL_HTTP1_F_HOST            0x0080u /**< Host present (msg.host) */
#define HL_HTTP1_F_HINT            0x0100u /**< usable hint in msg.hint */
#define HL_HTTP1_F_HINT_TOO_LONG   0x0200u /**< hint over HL_HTTP1_HINT_MAX: no hint */
#define HL_HTTP1_F_HINT_DUP        0x0400u /**< hint field repeated: no hint */
#define HL_HTTP1_F_CL_DUP          0x0800u /**< identical Content-Length fields repeated */
#define HL_HTTP1_F_INTERIM         0x1000u /**< 1xx other than 101: the final response follows */
#define HL_HTTP1_F_SWITCH          0x2000u /**< 101: what follows the head is not HTTP */
#define HL_HTTP1_F_TE              0x4000u /**< Transfer-Encoding present */
#define HL_HTTP1_F_CL              0x8000u /**< Content-Length present */

/** A parsed message head. Spans are relative to the message's first byte. */
struct hl_http1_msg {
	uint32_t head_len;   /**< bytes of the head, leading empty lines and final CRLF included */
	uint32_t flags;      /**< HL_HTTP1_F_* */
	uint8_t version;     /**< minor version: 0 or 1 */
	uint8_t method;      /**< request: enum hl_http1_method */
	uint8_t form;        /**< request: enum hl_http1_target_form */
	uint8_t framing;     /**< enum hl_http1_framing */
	uint16_t status;     /**< response: status code */
	uint8_t hints_state; /**< response: enum hl_http1_hints_state */
	uint8_t nconn_opts;  /**< Connection options kept in conn_opts */
	uint64_t content_length;
	struct hl_http1_span method_span;
	struct hl_http1_span target;
	struct hl_http1_span authority; /**< absolute-form target's authority */
	struct hl_http1_span reason;    /**< response reason phrase */
	struct hl_http1_span host;
	struct hl_http1_span hint;
	struct hl_http1_span upgrade; /**< value of the first Upgrade field */
	struct hl_http1_span conn_opts[HL_HTTP1_MAX_CONN_OPTS];
	uint16_t nhints;         /**< valid replica hints in hints[] */
	uint16_t hints_dropped;  /**< elements that were not tokens or were too long */
	uint16_t hints_overflow; /**< valid elements past HL_HTTP1_MAX_HINTS */
	struct hl_http1_span hints[HL_HTTP1_MAX_HINTS];
	struct hl_http1_field *fields; /**< the parser's field array (borrowed at init) */
	uint32_t nfields;
};

/** Why a message was rejected; counted by the proxy. Never renumbered. */
enum hl_http1_err {
	HL_HTTP1_OK = 0,
	HL_HTTP1_ERR_METHOD,          /**< empty method or byte not allowed in a token */
	HL_HTTP1_ERR_TARGET,          /**< empty target or byte not allowed in a target */
	HL_HTTP1_ERR_TARGET_FORM,     /**< target form not allowed with the method */
	HL_HTTP1_ERR_CONNECT,         /**< CONNECT is refused (501) */
	HL_HTTP1_ERR_START_LINE,      /**< request or status line malformed */
	HL_HTTP1_ERR_VERSION,         /**< HTTP-version malformed */
	HL_HTTP1_ERR_VERSION_UNSUP,   /**< well-formed version other than 1.0 and 1.1 (505) */
	HL_HTTP1_ERR_HTTP09,          /**< request line without version (505) */
	HL_HTTP1_ERR_STATUS,          /**< status code not three digits in 100..599 */
	HL_HTTP1_ERR_LINE_TOO_LONG,   /**< over max_line (414) */
	HL_HTTP1_ERR_HEAD_TOO_LARGE,  /**< over max_head (431) */
	HL_HTTP1_ERR_TOO_MANY_FIELDS, /**< over max_fields (431) */
	HL_HTTP1_ERR_FIELD_NAME,      /**< empty name or byte not allowed in a token */
	HL_HTTP1_ERR_NAME_WS,         /**< whitespace between field name and colon */
	HL_HTTP1_ERR_FIELD_VALUE,     /**< CTL (NUL, VT, FF, ...) or DEL in a field value */
	HL_HTTP1_ERR_BARE_CR,         /**< CR not followed by LF */
	HL_HTTP1_ERR_BARE_LF,         /**< LF not preceded by CR */
	HL_HTTP1_ERR_OBS_FOLD,        /**< field line continued by obs-fold */
	HL_HTTP1_ERR_WS_BEFORE_FIELD, /**< whitespace between start line and first field */
	HL_HTTP1_ERR_CL_INVALID,      /**< Content-Length not 1*DIGIT, or overflows */
	HL_HTTP1_ERR_CL_MISMATCH,     /**< Content-Length fields that differ */
	HL_HTTP1_ERR_CL_TE,           /**< Content-Length together with Transfer-Encoding */
	HL_HTTP1_ERR_TE_INVALID,      /**< Transfer-Encoding list malformed, or chunked twice */
	HL_HTTP1_ERR_TE_NOT_CHUNKED,  /**< request coding list whose final coding is not chunked */
	HL_HTTP1_ERR_TE_UNSUPPORTED,  /**< request coding hintlb does not implement (501) */
	HL_HTTP1_ERR_TE_HTTP10,       /**< Transfer-Encoding in an HTTP/1.0 message */
	HL_HTTP1_ERR_HOST_MISSING,    /**< HTTP/1.1 request without Host */
	HL_HTTP1_ERR_HOST_DUP,        /**< more than one Host field */
	HL_HTTP1_ERR_HOST_INVALID,    /**< Host value not uri-host [ ":" port ] characters */
	HL_HTTP1_ERR_CONNECTION,      /**< Connection element not a token, or too many */
	HL_HTTP1_ERR_CHUNK_SIZE,      /**< chunk-size line malformed */
	HL_HTTP1_ERR_CHUNK_OVERFLOW,  /**< chunk-size over 2^64 - 1 */
	HL_HTTP1_ERR_CHUNK_EXT,       /**< chunk-ext malformed or over max_chunk_ext */
	HL_HTTP1_ERR_CHUNK_DATA,      /**< chunk data not followed by CRLF */
	HL_HTTP1_ERR_TRAILER,         /**< trailer field line malformed */
	HL_HTTP1_ERR_TRAILER_TOO_LARGE, /**< trailer section over max_trailer */
	HL_HTTP1_ERR_TRUNCATED,         /**< connection closed inside a message */
	HL_HTTP1_ERR__COUNT
};

/** Parser state; embed one per connection direction. Fields are private. */
struct hl_http1_parser {
	const struct hl_http1_config *cfg;
	struct hl_http1_field *fields;
	uint32_t max_fields;
	uint8_t dir;
	uint8_t phase;
	uint8_t state;
	uint8_t err;
	uint16_t err_status;
	uint8_t req_method; /* responses: method of the request answered */
	uint8_t hdr;        /* id of the field being parsed */
	uint32_t off;       /* bytes of the current message consumed */
	uint32_t line_start;
	uint32_t tok_start;
	uint32_t tok_end;
	uint8_t name_len;
	uint8_t vidx;
	uint8_t vbuf[8];
	uint8_t name_buf[HL_HTTP1_NAME_MAX];
	/* field value interpreters */
	uint8_t lst_state;
	uint8_t lst_bad;
	uint8_t lc_len;
	uint8_t lc[16];
	uint32_t el_start;
	uint32_t el_end;
	uint8_t cl_state;
	uint8_t hint_count;
	uint8_t te_chunked;
	uint8_t te_last_chunked;
	uint8_t te_unknown;
	uint8_t te_bad;
	uint16_t pad0;
	uint64_t cl_acc;
	/* body */
	uint64_t remaining;
	uint32_t aux; /* chunk-ext or trailer bytes */
	struct hl_http1_msg msg;
};

/** Result of hl_http1_parse_body() on one buffer. */
struct hl_http1_body {
	size_t consumed; /**< bytes of the buffer that belong to this message */
	size_t payload;  /**< of those, body content (chunk framing and trailers excluded) */
};

/**
 * Fill @p cfg with the defaults: max_line 8192, max_head 32768, max_fields 100,
 * max_trailer 8192, max_chunk_ext 1024, hint "X-Fal-Runner-Hint", hints "X-Fal-Runner-Hints".
 */
void hl_http1_config_init(struct hl_http1_config *cfg);

/**
 * Set the request hint field name (@p which 0) or the response hints field name (1).
 * @return 0, or -EINVAL if @p name is empty, longer than HL_HTTP1_NAME_MAX or not a token.
 */
int hl_http1_config_set_name(struct hl_http1_config *cfg, int which, const char *name);

/**
 * Prepare @p p to parse messages in direction @p dir.
 * @param cfg    borrowed; must outlive the parser.
 * @param fields borrowed array of @p cap entries that receives each message's fields.
 * @return 0, or -EINVAL if a limit in @p cfg is 0 or @p cap < cfg->max_fields.
 */
int hl_http1_parser_init(struct hl_http1_parser *p, const struct hl_http1_config *cfg,
			 enum hl_http1_dir dir, struct hl_http1_field *fields, uint32_t cap);

/** Forget any message in progress and any error; the next byte starts a message. */
void hl_http1_parser_reset(struct hl_http1_parser *p);

/**
 * Responses: the method of the request the next response answers (HEAD responses have no
 * body). Kept until changed, so it also applies to the final response after a 1xx.
 */
static inline void hl_http1_set_request_method(struct hl_http1_parser *p, enum hl_http1_method m)
{
	p->req_method = (uint8_t)m;
}

/**
 * Parse the head of a message from @p nseg segments of new input.
 *
 * @param used set to the bytes consumed from the start of @p segs (over all segments).
 * @return 0 when the head is complete: p->msg holds it, *used may be less than the input
 *         (the rest is body or the next message);
 *         -EAGAIN when all input was consumed and the head is incomplete;
 *         -EBADMSG when the message is rejected: see hl_http1_error(), hl_http1_status();
 *         -EINVAL when the parser is in a body phase.
 */
int hl_http1_parse_head(struct hl_http1_parser *p, const struct hl_http1_seg *segs,
			unsigned int nseg, size_t *used);

/**
 * Delimit the body in one buffer of input that follows the head.
 *
 * @return 0 when the message ended: res->consumed bytes belonged to it, the rest starts the
 *         next message; -EAGAIN when all @p len bytes belonged to the body and it goes on;
 *         -EBADMSG on a malformed chunked body or after an earlier rejection;
 *         -EINVAL while a head is incomplete. With no body pending (framing NONE, or the
 *         message already ended) it returns 0 and consumes nothing.
 */
int hl_http1_parse_body(struct hl_http1_parser *p, const uint8_t *data, size_t len,
			struct hl_http1_body *res);

/**
 * The connection was closed by the peer.
 * @return 0 if no message was in progress or the body was close-delimited (then complete);
 *         -EBADMSG with HL_HTTP1_ERR_TRUNCATED if a message was cut short.
 */
int hl_http1_parse_eof(struct hl_http1_parser *p);

/**
 * Bytes of content that come next in the body being delimited, before any framing: the rest
 * of a Content-Length body or of the current chunk's data; 0 while chunk framing (a size
 * line, the CRLF after the data, trailers) comes next, or outside a body. A caller that must
 * remove the chunked coding (an HTTP/1.0 recipient) gives hl_http1_parse_body() that many
 * bytes, all content, and the framing between them in pieces of one byte.
 */
uint64_t hl_http1_body_content_ahead(const struct hl_http1_parser *p);

/** True while a message's body is being delimited (after its head, before its end). */
static inline bool hl_http1_in_body(const struct hl_http1_parser *p)
{
	return p->phase == 2;
}

/** Reason of the last rejection, HL_HTTP1_OK if none. */
static inline enum hl_http1_err hl_http1_error(const struct hl_http1_parser *p)
{
	return (enum hl_http1_err)p->err;
}

/** Status the proxy answers a rejected message with (responses: 502); 0 if none. */
static inline unsigned int hl_http1_status(const struct hl_http1_parser *p)
{
	return p->err_status;
}

/** Stable lower-case name of @p err for counters ("cl_te", ...); "?" if out of range. */
const char *hl_http1_err_name(enum hl_http1_err err);

/** Name of @p m ("GET", ...); "OTHER" for HL_HTTP1_M_OTHER. */
const char *hl_http1_method_name(enum hl_http1_method m);

/**
 * Pointer to @p span when the message, starting at @p msg_off of the byte stream @p segs,
 * holds it contiguously in one segment; NULL when the span straddles segments or lies outside.
 */
const uint8_t *hl_http1_span_ptr(const struct hl_http1_seg *segs, unsigned int nseg, size_t msg_off,
				 struct hl_http1_span span);

/**
 * Copy @p span (see hl_http1_span_ptr()) into @p dst of @p cap bytes.
 * @return the span length, or -ENOSPC if it does not fit, -ERANGE if it is not in @p segs.
 */
int hl_http1_span_copy(const struct hl_http1_seg *segs, unsigned int nseg, size_t msg_off,
		       struct hl_http1_span span, void *dst, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* HINTLB_HTTP1_H */
