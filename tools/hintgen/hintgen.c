/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hintgen: main, signals and the polling loop (see hintgen.h, docs/hintgen.md).
 *
 * The loop runs on the EAL main lcore: the mode's tick (what is due now),
 * hl_worker_poll() (rx, ARP/IPv4/TCP, the timer wheel, tx flush), then the
 * worker's idle policy with the tick's work counted as work, so `--idle
 * adaptive` never sleeps while requests are being sent. Once a second a
 * progress line goes to stderr.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "hintgen.h"

static volatile int got_stop;

static void on_signal(int sig)
{
	(void)sig;
	got_stop = 1;
}

static void ip_str(uint32_t be, char *buf, size_t len)
{
	uint32_t a = rte_be_to_cpu_32(be);

	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

static int run_respond(struct hg *g)
{
	const struct hg_opts *o = g->o;
	char err[512], ip[16];
	struct hg_respond *r = hg_respond_create(g, err, sizeof(err));
	uint64_t start, now, next_progress, end;
	double elapsed;

	if (r == NULL) {
		fprintf(stderr, "hintgen: %s\n", err);
		return 1;
	}
	ip_str(o->addr, ip, sizeof(ip));
	/* stderr: stdout is the report alone (--json parses as one object) */
	fprintf(stderr, "hintgen respond: listening on %s:%u (%s)\n", ip, o->listen_port,
		g->net.port[0].name);
	start = rte_rdtsc();
	next_progress = start + g->hz;
	end = o->duration_s > 0 ? start + (uint64_t)(o->duration_s * (double)g->hz) : UINT64_MAX;
	while (!got_stop) {
		unsigned work;

		now = rte_rdtsc();
		if (now >= end)
			break;
		work = hg_respond_tick(r, now);
		hg_net_idle(g, hg_net_poll(g) + work);
		if (now >= next_progress) {
			if (!o->quiet)
				hg_respond_progress(r, stderr,
						    (double)(now - start) / (double)g->hz);
			next_progress += g->hz;
		}
	}
	elapsed = (double)(rte_rdtsc() - start) / (double)g->hz;
	hg_respond_report(r, stdout, o->json, elapsed);
	fflush(stdout);
	hl_tcp_close_listeners(g->w->tcp);
	hl_tcp_free(g->w); /* every connection's closed() runs before the objects go */
	hg_respond_free(r);
	return 0;
}

static int run_client(struct hg *g)
{
	const struct hg_opts *o = g->o;
	char err[512], ip[16];
	struct hg_client *c = hg_client_create(g, err, sizeof(err));
	uint64_t now, next_progress;
	int rc;

	if (c == NULL) {
		fprintf(stderr, "hintgen: %s\n", err);
		return 1;
	}
	ip_str(o->target_addr, ip, sizeof(ip));
	rc = hg_net_wait_link(g, 30000, &got_stop);
	if (rc == 0)
		rc = hg_net_resolve(g, o->target_addr, 10000, &got_stop);
	if (rc != 0) {
		fprintf(stderr, "hintgen: %s %s: %s\n", g->net.port[0].name,
			rc == -EHOSTUNREACH ? "has no route to" : "could not reach (link, ARP)",
			ip);
		hg_client_free(c);
		return 1;
	}
	if (!o->quiet)
		fprintf(stderr, "hintgen: %s up, %s resolved: starting\n", g->net.port[0].name, ip);
	now = rte_rdtsc();
	hg_client_start(c, now);
	next_progress = now + g->hz;
	while (!got_stop) {
		unsigned work;

		now = rte_rdtsc();
		work = hg_client_tick(c, now);
		hg_net_idle(g, hg_net_poll(g) + work);
		if (hg_client_done(c, now))
			break;
		if (now >= next_progress) {
			if (!o->quiet)
				hg_client_progress(c, stderr, now);
			next_progress += g->hz;
		}
	}
	hg_client_close_all(c);
	hg_client_report(c, stdout, o->json);
	fflush(stdout);
	rc = hg_client_failed(c) ? 3 : 0;
	hl_tcp_free(g->w);
	hg_client_free(c);
	return rc;
}

int main(int argc, char **argv)
{
	static struct hg_opts o;
	static struct hg g;
	char *eal_argv[HG_EAL_ARGS_MAX + 2];
	char err[512];
	struct sigaction sa;
	int rc;

	rc = hg_opts_parse(&o, argc, argv);
	if (rc != 0) {
		hg_opts_free(&o);
		return rc == 1 ? 0 : 2;
	}
	/* rte_eal_init permutes and overwrites argv entries: give it a copy */
	memcpy(eal_argv, o.eal_argv, sizeof(eal_argv));
	if (rte_eal_init(o.eal_argc, eal_argv) < 0) {
		fprintf(stderr, "hintgen: --eal: rte_eal_init failed: %s\n",
			rte_strerror(rte_errno));
		hg_opts_free(&o);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	g.o = &o;
	rc = hg_net_start(&g, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "hintgen: %s\n", err);
		rc = 1;
	} else {
		rc = o.mode == HG_MODE_RESPOND ? run_respond(&g) : run_client(&g);
	}
	hg_net_stop(&g);
	rte_eal_cleanup();
	hg_opts_free(&o);
	return rc;
}
