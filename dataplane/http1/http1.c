/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parser set-up, the head driver that walks segments and enforces the head size limit, end of
 * input, rejection bookkeeping, and span helpers.
 */
#include <stddef.h>

#include "hintlb/zero.h"
#include "http1_priv.h"

static const char *const err_names[HL_HTTP1_ERR__COUNT] = {
	[HL_HTTP1_OK] = "ok",
	[HL_HTTP1_ERR_METHOD] = "method",
	[HL_HTTP1_ERR_TARGET] = "target",
	[HL_HTTP1_ERR_TARGET_FORM] = "target_form",
	[HL_HTTP1_ERR_CONNECT] = "connect",
	[HL_HTTP1_ERR_START_LINE] = "start_line",
	[HL_HTTP1_ERR_VERSION] = "version",
	[HL_HTTP1_ERR_VERSION_UNSUP] = "version_unsupported",
	[HL_HTTP1_ERR_HTTP09] = "http09",
	[HL_HTTP1_ERR_STATUS] = "status",
	[HL_HTTP1_ERR_LINE_TOO_LONG] = "line_too_long",
	[HL_HTTP1_ERR_HEAD_TOO_LARGE] = "head_too_large",
	[HL_HTTP1_ERR_TOO_MANY_FIELDS] = "too_many_fields",
	[HL_HTTP1_ERR_FIELD_NAME] = "field_name",
	[HL_HTTP1_ERR_NAME_WS] = "name_ws",
	[HL_HTTP1_ERR_FIELD_VALUE] = "field_value",
	[HL_HTTP1_ERR_BARE_CR] = "bare_cr",
	[HL_HTTP1_ERR_BARE_LF] = "bare_lf",
	[HL_HTTP1_ERR_OBS_FOLD] = "obs_fold",
	[HL_HTTP1_ERR_WS_BEFORE_FIELD] = "ws_before_field",
	[HL_HTTP1_ERR_CL_INVALID] = "cl_invalid",
	[HL_HTTP1_ERR_CL_MISMATCH] = "cl_mismatch",
	[HL_HTTP1_ERR_CL_TE] = "cl_te",
	[HL_HTTP1_ERR_TE_INVALID] = "te_invalid",
	[HL_HTTP1_ERR_TE_NOT_CHUNKED] = "te_not_chunked",
	[HL_HTTP1_ERR_TE_UNSUPPORTED] = "te_unsupported",
	[HL_HTTP1_ERR_TE_HTTP10] = "te_http10",
	[HL_HTTP1_ERR_HOST_MISSING] = "host_missing",
	[HL_HTTP1_ERR_HOST_DUP] = "host_dup",
	[HL_HTTP1_ERR_HOST_INVALID] = "host_invalid",
	[HL_HTTP1_ERR_CONNECTION] = "connection",
	[HL_HTTP1_ERR_CHUNK_SIZE] = "chunk_size",
	[HL_HTTP1_ERR_CHUNK_OVERFLOW] = "chunk_overflow",
	[HL_HTTP1_ERR_CHUNK_EXT] = "chunk_ext",
	[HL_HTTP1_ERR_CHUNK_DATA] = "chunk_data",
	[HL_HTTP1_ERR_TRAILER] = "trailer",
	[HL_HTTP1_ERR_TRAILER_TOO_LARGE] = "trailer_too_large",
	[HL_HTTP1_ERR_TRUNCATED] = "truncated",
};

const char *hl_http1_err_name(enum hl_http1_err err)
{
	if ((unsigned int)err >= HL_HTTP1_ERR__COUNT)
		return "?";
	return err_names[err];
}

/* Status a server sends for a rejected request (RFC 9110 section 15, RFC 9112). */
static uint16_t request_status(enum hl_http1_err err)
{
	switch (err) {
	case HL_HTTP1_ERR_LINE_TOO_LONG:
		return 414;
	case HL_HTTP1_ERR_HEAD_TOO_LARGE:
	case HL_HTTP1_ERR_TOO_MANY_FIELDS:
		return 431;
	case HL_HTTP1_ERR_VERSION_UNSUP:
	case HL_HTTP1_ERR_HTTP09:
		return 505;
	case HL_HTTP1_ERR_CONNECT:
	case HL_HTTP1_ERR_TE_UNSUPPORTED:
		return 501;
	default:
		return 400;
	}
}

int hl_http1_fail(struct hl_http1_parser *p, enum hl_http1_err err)
{
	p->phase = PH_FAILED;
	p->err = (uint8_t)err;
	/* A replica response the proxy cannot trust becomes a 502 for the client. */
	p->err_status = p->dir == HL_HTTP1_RESPONSE ? 502 : request_status(err);
	return -EBADMSG;
}

void hl_http1_config_init(struct hl_http1_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_line = 8192;
	cfg->max_head = 32768;
	cfg->max_fields = 100;
	cfg->max_trailer = 8192;
	cfg->max_chunk_ext = 1024;
	hl_http1_config_set_name(cfg, 0, "X-Fal-Runner-Hint");
	hl_http1_config_set_name(cfg, 1, "X-Fal-Runner-Hints");
}

int hl_http1_config_set_name(struct hl_http1_config *cfg, int which, const char *name)
{
	size_t n = strlen(name);
	char *dst = which ? cfg->hints_name : cfg->hint_name;

	if (n == 0 || n > HL_HTTP1_NAME_MAX || (which != 0 && which != 1))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!hl_is((uint8_t)name[i], C_TCHAR))
			return -EINVAL;
	for (size_t i = 0; i < n; i++)
		dst[i] = (char)hl_http1_lower[(uint8_t)name[i]];
	if (which)
		cfg->hints_name_len = (uint8_t)n;
	else
		cfg->hint_name_len = (uint8_t)n;
	return 0;
}

int hl_http1_parser_init(struct hl_http1_parser *p, const struct hl_http1_config *cfg,
			 enum hl_http1_dir dir, struct hl_http1_field *fields, uint32_t cap)
{
	if (!cfg->max_line || !cfg->max_head || !cfg->max_fields || cap < cfg->max_fields ||
	    (dir != HL_HTTP1_REQUEST && dir != HL_HTTP1_RESPONSE))
		return -EINVAL;
	hl_zero(p, offsetof(struct hl_http1_parser, msg));
	p->cfg = cfg;
	p->fields = fields;
	p->max_fields = cfg->max_fields;
	p->dir = (uint8_t)dir;
	hl_http1_parser_reset(p);
	return 0;
}

void hl_http1_parser_reset(struct hl_http1_parser *p)
{
	p->phase = PH_IDLE;
	p->err = HL_HTTP1_OK;
	p->err_status = 0;
	p->off = 0;
}

/* Start a message: clear what the previous one left (not the hint spans past nhints). */
static void msg_begin(struct hl_http1_parser *p)
{
	hl_zero(&p->msg, offsetof(struct hl_http1_msg, hints));
	p->msg.fields = p->fields;
	p->msg.nfields = 0;
	p->phase = PH_HEAD;
	p->state = p->dir == HL_HTTP1_REQUEST ? S_START : S_VERSION;
	p->off = 0;
	p->line_start = 0;
	p->tok_start = 0;
	p->vidx = 0;
	p->hint_count = 0;
	p->te_chunked = 0;
	p->te_last_chunked = 0;
	p->te_unknown = 0;
	p->te_bad = 0;
}

/* One step of the head over buf[0..len): returns bytes consumed or -EBADMSG. */
static long head_step(struct hl_http1_parser *p, const uint8_t *buf, size_t len)
{
	uint32_t room = p->cfg->max_head - p->off;
	long n;

	if (room == 0)
		return hl_http1_fail(p, HL_HTTP1_ERR_HEAD_TOO_LARGE);
	if (len > room)
		len = room;
	/* Whole lines first; the byte-wise path takes a line the fast path leaves (n == 0). */
	if (p->state == S_FIELD)
		n = hl_http1_fast_fields(p, buf, len);
	else if (p->state == (p->dir == HL_HTTP1_REQUEST ? S_START : S_VERSION) && p->off == 0)
		n = p->dir == HL_HTTP1_REQUEST ? hl_http1_fast_request_line(p, buf, len)
					       : hl_http1_fast_status_line(p, buf, len);
	else
		n = 0;
	if (n == 0) {
		if (p->state >= S_FIELD)
			n = hl_http1_fields(p, buf, len);
		else if (p->dir == HL_HTTP1_REQUEST)
			n = hl_http1_request_line(p, buf, len);
		else
			n = hl_http1_status_line(p, buf, len);
	}
	if (n < 0)
		return n;
	p->off += (uint32_t)n;
	if (p->state == S_DONE) {
		p->msg.head_len = p->off;
		if (p->dir == HL_HTTP1_REQUEST ? hl_http1_request_done(p)
					       : hl_http1_response_done(p))
			return -EBADMSG;
	}
	return n;
}

int hl_http1_parse_head(struct hl_http1_parser *p, const struct hl_http1_seg *segs,
			unsigned int nseg, size_t *used)
{
	size_t total = 0;

	*used = 0;
	if (p->phase == PH_FAILED)
		return -EBADMSG;
	if (p->phase == PH_BODY)
		return -EINVAL;
	for (unsigned int s = 0; s < nseg; s++) {
		const uint8_t *b = segs[s].data;
		size_t len = segs[s].len;

		if (len && p->phase == PH_IDLE)
			msg_begin(p);
		while (len > 0) {
			long n = head_step(p, b, len);

			if (n < 0) {
				*used = total;
				return -EBADMSG;
			}
			total += (size_t)n;
			b += n;
			len -= (size_t)n;
			if (p->phase != PH_HEAD) {
				*used = total;
				return 0;
			}
		}
	}
	*used = total;
	return -EAGAIN;
}

int hl_http1_parse_eof(struct hl_http1_parser *p)
{
	switch (p->phase) {
	case PH_IDLE:
		return 0;
	case PH_HEAD:
		if (p->off == 0)
			return 0;
		break;
	case PH_BODY:
		if (p->state == B_CLOSE) {
			p->phase = PH_IDLE;
			return 0;
		}
		break;
	default:
		return -EBADMSG;
	}
	return hl_http1_fail(p, HL_HTTP1_ERR_TRUNCATED);
}

/* Find the segment holding stream offset *off; on return *off is relative to it. */
static int seg_find(const struct hl_http1_seg *segs, unsigned int nseg, size_t *off)
{
	for (unsigned int i = 0; i < nseg; i++) {
		if (*off < segs[i].len)
			return (int)i;
		*off -= segs[i].len;
	}
	return -1;
}

const uint8_t *hl_http1_span_ptr(const struct hl_http1_seg *segs, unsigned int nseg, size_t msg_off,
				 struct hl_http1_span span)
{
	size_t off = msg_off + span.off;
	int i = seg_find(segs, nseg, &off);

	if (i < 0 || segs[i].len - off < span.len)
		return NULL;
	return segs[i].data + off;
}

int hl_http1_span_copy(const struct hl_http1_seg *segs, unsigned int nseg, size_t msg_off,
		       struct hl_http1_span span, void *dst, size_t cap)
{
	size_t off = msg_off + span.off, done = 0;
	int i;

	if (span.len > cap)
		return -ENOSPC;
	if (span.len == 0)
		return 0;
	i = seg_find(segs, nseg, &off);
	if (i < 0)
		return -ERANGE;
	for (; (unsigned int)i < nseg && done < span.len; i++, off = 0) {
		size_t n = segs[i].len - off;

		if (n > span.len - done)
			n = span.len - done;
		memcpy((uint8_t *)dst + done, segs[i].data + off, n);
		done += n;
	}
	return done == span.len ? (int)done : -ERANGE;
}
