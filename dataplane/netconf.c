/* SPDX-License-Identifier: BSD-3-Clause */
/* Building the dataplane's address table from the configuration. */
#include <string.h>

#include "netconf.h"

static uint32_t prefix_mask(uint8_t len)
{
	return len == 0 ? 0 : rte_cpu_to_be_32(~0u << (32 - len));
}

int hl_netconf_build(struct hl_netconf *nc, const struct hl_config *cfg)
{
	memset(nc, 0, sizeof(*nc));
	for (unsigned i = 0; i < cfg->n_ports && i < HL_PORTS_MAX; i++) {
		const struct hl_cfg_port *cp = &cfg->ports[i];
		struct hl_net_port *p = &nc->port[nc->n_ports++];

		p->addr = cp->addr;
		p->mask = prefix_mask(cp->prefix_len);
		p->gateway = cp->gateway;
		p->mtu = cp->mtu;
		memcpy(p->name, cp->name, sizeof(p->name));
	}
	for (unsigned i = 0; i < cfg->n_listeners; i++) {
		uint32_t vip = cfg->listeners[i].vip;

		if (!hl_net_is_vip(nc, vip) && nc->n_vips < HL_VIPS_MAX)
			nc->vip[nc->n_vips++] = vip;
	}
	return 0;
}
