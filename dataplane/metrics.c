/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's Prometheus series ([ctrl] metrics; served by ctrl/ctrl_metrics.c on the
 * control thread): every worker counter as hintlb_NAME_total{worker}, routing decisions by
 * reason, the proxy's per replica (requests, responses by status class, errors, bytes,
 * connections, a latency histogram) and the XDP stage's packets by interface, reason and
 * verdict. Workers write their counters plainly; this reads them relaxed.
 */
#include <inttypes.h>

#include "daemon.h"
#include "hintlb/xdp.h"

static uint64_t rd(const uint64_t *v)
{
	return __atomic_load_n(v, __ATOMIC_RELAXED);
}

static void worker_counters(const struct hl_daemon *d, struct hl_metrics_buf *b)
{
	for (unsigned c = 0; c < HL_CTR_COUNT; c++) {
		hl_metrics_printf(
			b,
			"# HELP hintlb_%s_total Worker counter %s (include/hintlb/counters.h).\n"
			"# TYPE hintlb_%s_total counter\n",
			hl_counter_name(c), hl_counter_name(c), hl_counter_name(c));
		for (unsigned i = 0; i < d->n_workers; i++)
			if (d->workers[i] != NULL)
				hl_metrics_printf(b, "hintlb_%s_total{worker=\"%u\"} %" PRIu64 "\n",
						  hl_counter_name(c), i,
						  rd(&d->workers[i]->ctr[c]));
	}
	hl_metrics_printf(b, "# HELP hintlb_route_decisions_total Routing decisions by reason.\n"
			     "# TYPE hintlb_route_decisions_total counter\n");
	for (unsigned i = 0; i < d->n_workers; i++)
		for (unsigned r = 0; r < HL_ROUTE_REASON_COUNT && d->workers[i] != NULL; r++)
			hl_metrics_printf(
				b,
				"hintlb_route_decisions_total{worker=\"%u\",reason=\"%s\"} %" PRIu64
				"\n",
				i, hl_route_reason_name((enum hl_route_reason)r),
				rd(&d->workers[i]->route.stats.reason[r]));
}

static void xdp_counters(const struct hl_daemon *d, struct hl_metrics_buf *b)
{
	struct hl_xdp_counters c;
	bool help = true;

	for (unsigned p = 0; p < HL_PORTS_MAX; p++) {
		if (d->xdp[p] == NULL || hl_xdp_read_counters(d->xdp[p], &c) != 0)
			continue;
		if (help)
			hl_metrics_printf(b,
					  "# HELP hintlb_xdp_packets_total Packets the XDP stage "
					  "saw, by reason and verdict.\n"
					  "# TYPE hintlb_xdp_packets_total counter\n");
		help = false;
		for (unsigned r = 0; r < HL_XDP_REASON_SLOTS; r++)
			for (unsigned v = 0; v < HL_XDP_VERDICT_MAX; v++)
				if (c.by[r][v].packets != 0 && hl_xdp_reason_name(r) != NULL &&
				    hl_xdp_verdict_name(v) != NULL)
					hl_metrics_printf(b,
							  "hintlb_xdp_packets_total{iface=\"%s\","
							  "reason=\"%s\","
							  "verdict=\"%s\"} %llu\n",
							  d->cfg->ports[p].iface,
							  hl_xdp_reason_name(r),
							  hl_xdp_verdict_name(v),
							  (unsigned long long)c.by[r][v].packets);
	}
}

void hl_daemon_metrics(void *arg, struct hl_metrics_buf *b)
{
	const struct hl_daemon *d = arg;
	bool help = true;

	worker_counters(d, b);
	for (unsigned i = 0; i < d->n_workers; i++)
		if (d->proxy[i] != NULL) {
			hl_proxy_metrics(d->proxy[i], i, b, help);
			help = false;
		}
	xdp_counters(d, b);
}
