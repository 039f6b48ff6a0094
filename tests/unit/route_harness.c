/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the routing core's unit tests; see route_harness.h. */
#include <stdio.h>

#include <rte_common.h>
#include <rte_eal.h>

#include "route_harness.h"

static struct hl_router *rh_routers[RH_MAX];
static struct hl_route_worker rh_workers[RH_MAX];
static bool rh_worker_used[RH_MAX];

struct hl_router *rh_router_track(struct hl_router *r)
{
	for (int i = 0; r != NULL && i < RH_MAX; i++) {
		if (rh_routers[i] == NULL) {
			rh_routers[i] = r;
			return r;
		}
	}
	if (r != NULL)
		fail_msg("more than %d routers in one test", RH_MAX);
	return r;
}

void rh_router_done(struct hl_router *r)
{
	for (int i = 0; i < RH_MAX; i++)
		if (rh_routers[i] == r)
			rh_routers[i] = NULL;
	hl_router_free(r);
}

struct hl_route_worker *rh_worker_try(struct hl_router *r, bool qsbr, int *rc)
{
	for (int i = 0; i < RH_MAX; i++) {
		if (rh_worker_used[i])
			continue;
		*rc = hl_route_worker_init(r, &rh_workers[i], qsbr);
		if (*rc != 0)
			return NULL;
		rh_worker_used[i] = true;
		return &rh_workers[i];
	}
	fail_msg("more than %d workers in one test", RH_MAX);
	return NULL;
}

struct hl_route_worker *rh_worker_new(struct hl_router *r, bool qsbr)
{
	int rc = 0;
	struct hl_route_worker *w = rh_worker_try(r, qsbr, &rc);
	if (w == NULL)
		fail_msg("hl_route_worker_init: %d", rc);
	return w;
}

void rh_worker_done(struct hl_route_worker *w)
{
	hl_route_worker_fini(w);
	rh_worker_used[w - rh_workers] = false;
}

int rh_teardown(void **state)
{
	(void)state;
	for (int i = 0; i < RH_MAX; i++)
		if (rh_worker_used[i])
			rh_worker_done(&rh_workers[i]);
	for (int i = 0; i < RH_MAX; i++)
		if (rh_routers[i] != NULL)
			rh_router_done(rh_routers[i]);
	return 0;
}

int rh_main(const char *name, char *argv0, const struct CMUnitTest *tests, size_t n)
{
	/* DPDK 22.11 refuses --in-memory with --no-huge (it implies legacy
	 * memory); --no-shconf keeps the EAL off the filesystem instead. Two
	 * lcores: concurrency tests launch a reader on lcore 1. */
	char *eal[] = {argv0, "--no-huge", "--no-shconf",       "--no-pci",
		       "-l",  "0,1",       "--log-level=error", "--no-telemetry"};

	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0) {
		fprintf(stderr, "%s: cannot initialise the EAL\n", name);
		return 1;
	}
	int rc = _cmocka_run_group_tests(name, tests, n, NULL, NULL);
	rte_eal_cleanup();
	return rc;
}
