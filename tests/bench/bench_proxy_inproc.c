/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proxy's own cost per request, with no NIC and no kernel: the real TCP
 * stack and proxy (tests/unit/proxy_harness.c) on one core, a client with a
 * keep-alive connection sending `GET` with a hint and a replica answering
 * with its hints header, both played in-process. Counts the TSC cycles spent
 * inside hl_eth_input() (every segment in, and what the stack and the proxy
 * send in reply, up to the tx buffer): the dataplane's work per request
 * without the PMD (on net_af_xdp over veth, the kernel's). The peer model's
 * own work is outside. Prints the median of RUNS runs of REQUESTS requests:
 *   proxy_inproc_cycles_per_req, proxy_inproc_ns_per_req,
 *   proxy_inproc_segments_per_req (segments hintlb received per request)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include <rte_cycles.h>

#include "proxy_harness.h"

#define RUNS 7

static const char req[] = "GET /infer HTTP/1.1\r\nHost: lb\r\nUser-Agent: bench\r\n"
			  "X-Fal-Runner-Hint: model-3\r\nAccept: */*\r\n\r\n";
static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
			   "X-Fal-Runner-Hints: model-3, model-7\r\nContent-Length: 16\r\n\r\n"
			   "0123456789abcde\n";

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(void)
{
	double cyc[RUNS], segs = 0;
	struct ph_ep *c, *r;
	/* BENCH_REQUESTS: fewer under valgrind (callgrind --toggle-collect='hl_eth_input*': LTO
	 * renames it) */
	int REQUESTS = getenv("BENCH_REQUESTS") != NULL ? atoi(getenv("BENCH_REQUESTS")) : 20000;

	if (t_net_group_setup(NULL) != 0) {
		fprintf(stderr, "bench_proxy_inproc: EAL setup failed\n");
		return 1;
	}
	ph_config(1);
	if (ph_setup(NULL) != 0)
		return 1;
	c = ph_client();
	ph_send(c, req);
	r = ph_rep(0);
	/* what the control thread does with the first response's list: from then on
	 * every request is a hint hit, and the workers pass nothing on (unchanged) */
	r->len = 0;
	ph_send(r, resp);
	hl_hints_replace_header(ph_router, 0, "model-3, model-7", 16);
	c->len = 0;
	ph_send(c, req);
	for (int run = 0; run < RUNS; run++) {
		uint64_t c0 = t_rx_cycles, rx0 = t_ctr(HL_CTR_RX_PKTS);

		for (int i = 0; i < REQUESTS; i++) {
			r->len = 0;
			ph_send(r, resp); /* answers the request in flight */
			c->len = 0;
			ph_send(c, req); /* the next one */
		}
		cyc[run] = (double)(t_rx_cycles - c0) / REQUESTS;
		segs = (double)(t_ctr(HL_CTR_RX_PKTS) - rx0) / REQUESTS;
	}
	qsort(cyc, RUNS, sizeof(cyc[0]), cmp);
	printf("proxy_inproc_cycles_per_req: %.0f cycles\n", cyc[RUNS / 2]);
	printf("proxy_inproc_ns_per_req: %.0f ns\n",
	       cyc[RUNS / 2] * 1e9 / (double)rte_get_tsc_hz());
	printf("proxy_inproc_segments_per_req: %.2f segments\n", segs);
	return 0;
}
