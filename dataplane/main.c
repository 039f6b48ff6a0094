/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hintlb --config FILE [--check]
 *
 * --check loads and checks the configuration (every error names the
 * section, key and value), builds the routing core on a private EAL with no
 * devices (--no-huge --no-pci), and exits 0 or 1 without touching a port.
 * Without it: EAL from `[eal] args`, start, run until SIGINT/SIGTERM, stop
 * cleanly (workers, ports, XDP stage), print the counters, exit 0.
 * SIGUSR1 prints the counters while running. Exit 1: config error;
 * 2: usage; 3: start failed.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "daemon.h"
#include "hintlb/config.h"
#include "hintlb/log.h"

static volatile sig_atomic_t got_stop;
static volatile sig_atomic_t got_usr1;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_stop = sig;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: hintlb --config FILE [--check]\n"
		   "  --config FILE  the configuration (docs/CONFIG.md)\n"
		   "  --check        check the configuration and exit (0 ok, 1 error)\n"
		   "signals: SIGINT/SIGTERM stop cleanly; SIGUSR1 prints counters\n");
}

/* A private EAL with no devices, so --check can run the routing core's checks. */
static int check_eal_init(void)
{
	char *argv[] = {"hintlb-check", "--no-huge",         "--no-shconf",
			"--no-pci",     "--no-telemetry",    "-m",
			"256",          "--log-level=error", NULL};
	char lcores[32];
	cpu_set_t set;
	int cpu = 0;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		while (cpu < CPU_SETSIZE - 1 && !CPU_ISSET(cpu, &set))
			cpu++;
	snprintf(lcores, sizeof(lcores), "--lcores=0@%d", cpu);
	char *full[RTE_DIM(argv) + 1];
	int n = 0;

	for (unsigned i = 0; argv[i] != NULL; i++)
		full[n++] = argv[i];
	full[n++] = lcores;
	full[n] = NULL;
	return rte_eal_init(n, full);
}

static int run_check(const struct hl_config *cfg)
{
	struct hl_router *r = NULL;
	char err[HL_CFG_ERR_MAX];

	if (check_eal_init() < 0) {
		fprintf(stderr,
			"hintlb: --check: cannot start a private EAL for the routing core "
			"checks: %s\n",
			rte_strerror(rte_errno));
		return 3;
	}
	if (hl_daemon_router_create(cfg, &r, err, sizeof(err)) != 0) {
		fprintf(stderr, "hintlb: %s: %s\n", cfg->path, err);
		rte_eal_cleanup();
		return 1;
	}
	hl_router_free(r);
	rte_eal_cleanup();
	printf("%s: ok (%u port(s), %u listener(s), %u replica(s), idle %s)\n", cfg->path,
	       cfg->n_ports, cfg->n_listeners, cfg->n_replicas,
	       hl_idle_mode_name(cfg->worker.idle));
	return 0;
}

static int run_daemon(const struct hl_config *cfg)
{
	static struct hl_daemon d; /* main thread only; large */
	char err[HL_CFG_ERR_MAX];
	struct sigaction sa;
	int rc;

	/* rte_eal_init permutes and overwrites argv entries: give it a copy */
	char *eal_argv[HL_CFG_EAL_ARGS_MAX + 2];

	memcpy(eal_argv, cfg->eal_argv, sizeof(eal_argv));
	hl_xdp_stage_detach_stale(cfg);
	if (hl_xdp_stage_check_kernel(cfg) != 0)
		return 3;
	if (rte_eal_init(cfg->eal_argc, eal_argv) < 0) {
		fprintf(stderr, "hintlb: [eal] args: rte_eal_init failed: %s\n",
			rte_strerror(rte_errno));
		return 3;
	}
	hl_log_init();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);

	rc = hl_daemon_start(&d, cfg, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "hintlb: %s\n", err);
		rte_eal_cleanup();
		return 3;
	}
	printf("hintlb: ready: %u worker(s), %u port(s), %u VIP(s)\n", d.n_workers, cfg->n_ports,
	       d.net.n_vips);
	fflush(stdout);
	/* the control thread: apply what workers sent as it comes (they wake it
	 * through an eventfd), end health backoffs, reclaim; at least every 10 ms */
	while (!got_stop) {
		hl_daemon_ctrl_poll(&d, 10);
		if (got_usr1) {
			got_usr1 = 0;
			hl_daemon_print_counters(&d, stdout);
		}
	}
	HL_LOG(NOTICE, "%s: stopping\n", strsignal(got_stop));
	/* read the XDP counters before the stage is closed */
	hl_daemon_print_counters(&d, stdout);
	hl_daemon_stop(&d);
	rte_eal_cleanup();
	printf("hintlb: stopped\n");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check", no_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static struct hl_config cfg;
	const char *path = NULL;
	char err[HL_CFG_ERR_MAX];
	bool check = false;
	int c, rc;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'k':
			check = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (path == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	rc = hl_config_load(path, &cfg, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "hintlb: %s\n", err);
		return 1;
	}
	rc = check ? run_check(&cfg) : run_daemon(&cfg);
	hl_config_free(&cfg);
	return rc;
}
