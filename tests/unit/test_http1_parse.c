/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Table-driven tests of the HTTP/1 request and response parsers (http1_cases_*.h). Each case
 * is one cmocka test: the whole stream at once must give the expected summary, and the same
 * stream cut at every byte boundary, a byte at a time, and at random multi-segment cuts must
 * give the identical transcript.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http1_cases_request.h"
#include "http1_cases_response.h"
#include "http1_harness.h"

#define RANDOM_SPLITS 200

struct tcase {
	const struct h1_case *c;
	enum hl_http1_dir dir;
};

static struct hl_http1_config cfgs[3];

static void setup_cfgs(void)
{
	for (int i = 0; i < 3; i++)
		hl_http1_config_init(&cfgs[i]);
	cfgs[CFG_SMALL].max_line = 32;
	cfgs[CFG_SMALL].max_head = 128;
	cfgs[CFG_SMALL].max_fields = 4;
	cfgs[CFG_SMALL].max_trailer = 16;
	cfgs[CFG_SMALL].max_chunk_ext = 8;
	assert_int_equal(hl_http1_config_set_name(&cfgs[CFG_NAMES], 0, "X-Model"), 0);
	assert_int_equal(hl_http1_config_set_name(&cfgs[CFG_NAMES], 1, "X-Models"), 0);
}

static void run(const struct tcase *t, struct h1_run *r, const size_t *cuts, size_t ncuts,
		unsigned int group)
{
	const struct h1_case *c = t->c;

	memset(r, 0, offsetof(struct h1_run, bugs));
	r->cfg = &cfgs[c->cfg];
	r->dir = t->dir;
	r->methods = c->methods;
	r->buf = (const uint8_t *)c->in;
	r->len = c->len ? c->len : strlen(c->in);
	r->cuts = cuts;
	r->ncuts = ncuts;
	r->group = group;
	h1_run(r);
}

static void same(const struct h1_run *ref, const struct h1_run *r, const char *how, size_t at)
{
	if (r->bugs || strcmp(ref->transcript, r->transcript)) {
		print_error("cut %s at %zu:\n--- whole\n%s--- cut\n%s", how, at, ref->transcript,
			    r->transcript);
		fail();
	}
}

static void test_case(void **state)
{
	const struct tcase *t = *state;
	static struct h1_run ref, r;
	static size_t cuts[8192];
	size_t len = t->c->len ? t->c->len : strlen(t->c->in);
	uint64_t seed = 0x9e3779b97f4a7c15ull ^ len;

	run(t, &ref, NULL, 0, 0);
	if (ref.bugs || strcmp(ref.summary, t->c->want)) {
		print_error("[%s] %s\n want: %s\n  got: %s (bugs %u)\n", t->c->sect, t->c->name,
			    t->c->want, ref.summary, ref.bugs);
		fail();
	}
	/* Every single cut, with the head parsed one segment or two segments per call. */
	for (size_t k = 0; k <= len; k++) {
		cuts[0] = k;
		run(t, &r, cuts, 1, 1);
		same(&ref, &r, "once", k);
		run(t, &r, cuts, 1, 0);
		same(&ref, &r, "once, one call", k);
	}
	/* A byte at a time, one and three segments per call. */
	for (size_t k = 0; k + 1 < len && k < sizeof(cuts) / sizeof(cuts[0]); k++)
		cuts[k] = k + 1;
	run(t, &r, cuts, len ? len - 1 : 0, 1);
	same(&ref, &r, "bytewise", 0);
	run(t, &r, cuts, len ? len - 1 : 0, 3);
	same(&ref, &r, "bytewise, 3 per call", 0);
	/* Random cuts, empty segments included. */
	for (int i = 0; i < RANDOM_SPLITS; i++) {
		size_t n = 1 + h1_rand(&seed) % 12;

		h1_random_cuts(&seed, len, cuts, n);
		run(t, &r, cuts, n, (unsigned int)(h1_rand(&seed) % 5));
		same(&ref, &r, "random", (size_t)i);
	}
}

#define NREQ  (sizeof(request_cases) / sizeof(request_cases[0]))
#define NRESP (sizeof(response_cases) / sizeof(response_cases[0]))

int main(void)
{
	static struct tcase tc[NREQ + NRESP];
	static struct CMUnitTest tests[NREQ + NRESP];
	static char names[NREQ + NRESP][160];
	size_t n = 0;

	setup_cfgs();
	for (size_t i = 0; i < NREQ + NRESP; i++, n++) {
		int req = i < NREQ;

		tc[n].c = req ? &request_cases[i] : &response_cases[i - NREQ];
		tc[n].dir = req ? HL_HTTP1_REQUEST : HL_HTTP1_RESPONSE;
		snprintf(names[n], sizeof(names[n]), "%s %s: %s", req ? "request" : "response",
			 tc[n].c->sect, tc[n].c->name);
		tests[n] = (struct CMUnitTest){names[n], test_case, NULL, NULL, &tc[n]};
	}
	return _cmocka_run_group_tests("http1_parse", tests, n, NULL, NULL);
}
