/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's side of the XDP stage (bpf/, include/hintlb/xdp.h). For each
 * net_af_xdp port started with xdp_prog=: before the EAL probes, remove a
 * steer program a crashed run left attached; after the port starts, open the
 * program's maps and steer the port's address and every VIP to AF_XDP; at
 * stop, unpin the maps (the PMD detaches the program in rte_eth_dev_close).
 * Ports on other PMDs have no XDP stage.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>

#include "daemon.h"
#include "hintlb/log.h"
#include "hintlb/xdp.h"

void hl_xdp_stage_detach_stale(const struct hl_config *cfg)
{
	char err[256];

	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const struct hl_cfg_port *p = &cfg->ports[i];
		int rc;

		if (!p->xdp_prog || p->iface[0] == '\0')
			continue;
		rc = hl_xdp_detach_stale(p->iface, err, sizeof(err));
		if (rc == 1)
			fprintf(stderr,
				"hintlb: %s: removed a steer program left by an earlier run\n",
				p->iface);
		else if (rc < 0 && rc != -ENODEV)
			fprintf(stderr, "hintlb: %s: checking for a stale XDP program: %s\n",
				p->iface, err);
	}
}

int hl_xdp_stage_check_kernel(const struct hl_config *cfg)
{
	char err[512];

	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const struct hl_cfg_port *p = &cfg->ports[i];

		if (strncmp(p->name, "net_af_xdp", 10) != 0)
			continue;
		if (hl_xdp_kernel_check(p->iface, p->xdp_prog ? p->xdp_prog_path : NULL,
					p->start_queue, p->queue_count, err, sizeof(err)) != 0) {
			fprintf(stderr, "hintlb: [port %s]: %s\n", p->name, err);
			return -1;
		}
	}
	return 0;
}

int hl_xdp_stage_open(struct hl_daemon *d, char *err, size_t errlen)
{
	const struct hl_config *cfg = d->cfg;

	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const struct hl_cfg_port *p = &cfg->ports[i];
		char why[256] = "";
		int rc;

		if (!p->xdp_prog)
			continue;
		rc = hl_xdp_open(p->iface, &d->xdp[i], why, sizeof(why));
		if (rc != 0) {
			snprintf(err, errlen, "[port %s]: XDP stage on %s: %s", p->name, p->iface,
				 why[0] ? why : rte_strerror(-rc));
			return rc;
		}
		rc = hl_xdp_add_addr(d->xdp[i], d->net.port[i].addr);
		for (unsigned v = 0; v < d->net.n_vips && rc == 0; v++)
			rc = hl_xdp_add_addr(d->xdp[i], d->net.vip[v]);
		if (rc != 0) {
			snprintf(err, errlen, "[port %s]: XDP stage on %s: adding addresses: %s",
				 p->name, p->iface, rte_strerror(-rc));
			return rc;
		}
		HL_LOG(INFO, "port %s: XDP stage on %s steers %u address(es)\n", p->name, p->iface,
		       1 + d->net.n_vips);
	}
	return 0;
}

void hl_xdp_stage_close(struct hl_daemon *d)
{
	for (unsigned i = 0; i < HL_PORTS_MAX; i++) {
		hl_xdp_close(d->xdp[i], true);
		d->xdp[i] = NULL;
	}
}

static const char *name_or(const char *name)
{
	return name != NULL ? name : "?";
}

void hl_xdp_stage_print(const struct hl_daemon *d, FILE *f)
{
	struct hl_xdp_counters c;

	for (unsigned i = 0; i < HL_PORTS_MAX; i++) {
		struct rte_eth_stats st;
		uint64_t redirected = 0;

		if (d->xdp[i] == NULL || hl_xdp_read_counters(d->xdp[i], &c) != 0)
			continue;
		for (unsigned r = 0; r < HL_XDP_REASON_SLOTS; r++) {
			redirected += c.by[r][HL_XDP_V_REDIRECT].packets;
			for (unsigned v = 0; v < HL_XDP_VERDICT_MAX; v++)
				if (c.by[r][v].packets != 0)
					fprintf(f, "xdp %s %s %s %llu\n", d->cfg->ports[i].iface,
						name_or(hl_xdp_reason_name(r)),
						name_or(hl_xdp_verdict_name(v)),
						(unsigned long long)c.by[r][v].packets);
		}
		/* Frames the program redirected that the port never received: the AF_XDP
		 * rx ring was full (DPDK 22.11's imissed counts only the kernel's
		 * rx_dropped). Read a moment apart, so up to a ring's worth may still be
		 * on its way. */
		if (i < d->n_started && rte_eth_stats_get(d->net.port[i].port_id, &st) == 0 &&
		    redirected > st.ipackets)
			fprintf(f, "xdp %s redirected_not_received %llu\n", d->cfg->ports[i].iface,
				(unsigned long long)(redirected - st.ipackets));
	}
}
