/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hintsim main: parse flags, build the trace, bring up the EAL the router
 * needs, replay the trace through every policy, compute the lower bound and
 * the pooled references, and print the comparison.
 *
 *   hintsim                      the reference workload, as a table
 *   hintsim --json --seed 2      one JSON object
 *   hintsim --trace FILE         replay recorded requests
 *
 * Exit status: 0 done, 1 runtime failure, 2 bad flags or a bad trace file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "hintsim.h"

/* Every policy, in the order they are printed; hintlb first. */
static const struct sim_policy_ops *const policies[] = {
	&sim_policy_hintlb,        &sim_policy_round_robin, &sim_policy_least_inflight,
	&sim_policy_chash_bounded, &sim_policy_chash,       &sim_policy_haproxy,
	&sim_policy_nginx,
};
#define N_POLICIES (sizeof(policies) / sizeof(policies[0]))

/*
 * The router uses rte_hash and rte_rcu: it needs an EAL, but no NIC, no
 * hugepages and no files. DPDK 22.11 refuses --in-memory with --no-huge
 * ("--legacy-mem is not compatible with --in-memory": --no-huge implies
 * legacy memory), so --no-shconf is what keeps the EAL off the filesystem.
 */
static int eal_start(void)
{
	char *eal_argv[] = {
		"hintsim", "--no-huge", "--no-shconf",       "--no-pci",       "-l", "0",
		"-m",      "256",       "--log-level=error", "--no-telemetry", NULL,
	};
	int eal_argc = (int)(sizeof(eal_argv) / sizeof(eal_argv[0])) - 1;

	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "hintsim: EAL init failed: %s\n", strerror(rte_errno));
		return -1;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Replay the trace through every policy. @return 0 or -1 after a message. */
static int run_all(const struct sim_config *cfg, const struct sim_trace *trace,
		   struct sim_result *res)
{
	char err[SIM_ERR_MAX];
	size_t i;

	for (i = 0; i < N_POLICIES; i++) {
		err[0] = '\0';
		if (sim_run(cfg, trace, policies[i], &res[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "hintsim: %s\n", err[0] ? err : policies[i]->name);
			return -1;
		}
	}
	return 0;
}

/* Generate the trace or read it (then the workload is what the file holds),
 * and save it when asked. @return 0, or the exit status after a message. */
static int load_trace(struct sim_config *cfg, struct sim_trace *trace)
{
	char err[SIM_ERR_MAX] = "";
	int rc;

	if (cfg->trace_path == NULL) {
		if (sim_trace_build(trace, cfg) != 0) {
			fprintf(stderr, "hintsim: out of memory building the trace\n");
			return EXIT_FAILURE;
		}
	} else {
		rc = sim_trace_read(trace, cfg->trace_path, err, sizeof(err));
		if (rc != 0) {
			fprintf(stderr, "hintsim: %s\n", err);
			/* the file's content or name is wrong: like a bad flag */
			return rc == -ENOMEM || rc == -EIO ? EXIT_FAILURE : 2;
		}
		uint64_t span = trace->arrival_ns[trace->n - 1];
		cfg->models = trace->n_models;
		cfg->requests = trace->n;
		cfg->rate = span ? (double)trace->n * SIM_NS_PER_S / (double)span : 0.0;
	}
	if (cfg->write_trace_path != NULL &&
	    sim_trace_write(trace, cfg->write_trace_path, err, sizeof(err)) != 0) {
		fprintf(stderr, "hintsim: %s\n", err);
		return EXIT_FAILURE;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sim_result res[N_POLICIES] = {0};
	struct sim_trace trace = {0};
	struct sim_references ref;
	struct sim_config cfg;
	uint64_t lower_bound;
	bool eal_up = false;
	double t0 = now_s();
	int rc;

	rc = sim_opts_parse(&cfg, argc, argv);
	if (rc != 0)
		return rc == 1 ? EXIT_SUCCESS : 2;
	rc = load_trace(&cfg, &trace);
	if (rc != 0)
		goto out;
	rc = EXIT_FAILURE;
	lower_bound = sim_belady_loads(&trace, (uint64_t)cfg.replicas * cfg.slots);
	if (lower_bound == UINT64_MAX) {
		fprintf(stderr, "hintsim: out of memory computing the lower bound\n");
		goto out;
	}
	if (sim_references_compute(&ref, &trace, (uint64_t)cfg.replicas * cfg.slots) != 0) {
		fprintf(stderr, "hintsim: out of memory computing the pooled references\n");
		goto out;
	}
	if (eal_start() != 0)
		goto out;
	eal_up = true;
	if (run_all(&cfg, &trace, res) != 0)
		goto out;
	if (sim_report(&cfg, res, N_POLICIES, lower_bound, &ref, now_s() - t0) != 0) {
		fprintf(stderr, "hintsim: writing the report failed\n");
		goto out;
	}
	rc = EXIT_SUCCESS;
out:
	for (size_t i = 0; i < N_POLICIES; i++)
		sim_result_free(&res[i]);
	if (eal_up)
		rte_eal_cleanup();
	sim_trace_free(&trace);
	return rc;
}
