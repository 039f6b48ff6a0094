/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared body of the HTTP/1 libFuzzer targets: the input is a byte stream of messages. It is
 * parsed whole and cut at pseudo-random points derived from its content, under the default
 * limits and small ones; every run must report no inconsistency (spans in bounds, counts
 * that add up) and the same transcript as the whole-stream run. Any difference aborts.
 */
#ifndef HL_FUZZ_HTTP1_H
#define HL_FUZZ_HTTP1_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http1_harness.h"

#define FUZZ_SPLITS 3

static uint64_t fuzz_hash(const uint8_t *d, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ d[i]) * 0x100000001b3ull;
	return h | 1;
}

static void fuzz_check(const struct h1_run *ref, const struct h1_run *r)
{
	if (ref->bugs || r->bugs || strcmp(ref->transcript, r->transcript)) {
		fprintf(stderr, "bugs %u/%u\n--- whole\n%s--- cut\n%s", ref->bugs, r->bugs,
			ref->transcript, r->transcript);
		abort();
	}
}

static void fuzz_one(enum hl_http1_dir dir, const uint8_t *data, size_t size)
{
	static struct hl_http1_config cfg[2];
	static struct h1_run ref, r;
	static size_t cuts[16];
	static int ready;
	uint64_t seed = fuzz_hash(data, size);

	if (!ready) {
		hl_http1_config_init(&cfg[0]);
		hl_http1_config_init(&cfg[1]);
		cfg[1].max_line = 40;
		cfg[1].max_head = 200;
		cfg[1].max_fields = 5;
		cfg[1].max_trailer = 24;
		cfg[1].max_chunk_ext = 10;
		ready = 1;
	}
	for (int c = 0; c < 2; c++) {
		memset(&ref, 0, offsetof(struct h1_run, bugs));
		ref.cfg = &cfg[c];
		ref.dir = dir;
		ref.methods = seed & 2 ? "HEAD GET" : "GET";
		ref.buf = data;
		ref.len = size;
		h1_run(&ref);
		for (int i = 0; i < FUZZ_SPLITS; i++) {
			size_t n = 1 + h1_rand(&seed) % (sizeof(cuts) / sizeof(cuts[0]));

			memcpy(&r, &ref, offsetof(struct h1_run, bugs));
			r.cuts = cuts;
			r.ncuts = h1_random_cuts(&seed, size, cuts, n);
			r.group = (unsigned int)(h1_rand(&seed) % 4);
			h1_run(&r);
			fuzz_check(&ref, &r);
		}
	}
}

#endif /* HL_FUZZ_HTTP1_H */
