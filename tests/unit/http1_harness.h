/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test driver for the HTTP/1 parser, shared by the unit tests and the fuzz targets: feeds a
 * byte stream cut into pieces through hl_http1_parse_head()/hl_http1_parse_body() the way the
 * proxy does (pipelined messages, several segments per call, end of input), and writes
 *  - a summary: one short line per message, what the case tables assert;
 *  - a transcript: everything the parser reported (spans, fields, byte counts), which must
 *    not depend on how the stream was cut.
 */
#ifndef HL_TEST_HTTP1_HARNESS_H
#define HL_TEST_HTTP1_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "hintlb/http1.h"

#define H1_SUMMARY_MAX    1024
#define H1_TRANSCRIPT_MAX 16384

struct h1_run {
	/* in */
	const struct hl_http1_config *cfg;
	enum hl_http1_dir dir;
	const char *methods; /* responses: request methods, space separated ("GET HEAD") */
	const uint8_t *buf;
	size_t len;
	const size_t *cuts; /* piece boundaries, non-decreasing, each in [0, len] */
	size_t ncuts;
	unsigned int group; /* most segments per hl_http1_parse_head() call; 0: all */
	/* out */
	unsigned int bugs; /* harness-detected parser inconsistencies */
	char summary[H1_SUMMARY_MAX];
	char transcript[H1_TRANSCRIPT_MAX];
};

/* Run the stream in r through a fresh parser; fills the out fields. */
void h1_run(struct h1_run *r);

/* Deterministic xorshift64* generator for splits. */
static inline uint64_t h1_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

/* Fill cuts[0..n) with sorted random boundaries in [0, len]; returns n. */
size_t h1_random_cuts(uint64_t *seed, size_t len, size_t *cuts, size_t n);

#endif /* HL_TEST_HTTP1_HARNESS_H */
