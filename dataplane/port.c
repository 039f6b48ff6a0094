/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethdev setup: one rx/tx queue pair per worker on every port, the device's
 * IPv4 checksum offload when it has one, the configured MTU. The tx side
 * (per-worker buffers, flush) is in worker.h.
 */
#include <errno.h>
#include <stdio.h>

#include <rte_ethdev.h>

#include "hintlb/log.h"
#include "port.h"

int hl_port_start(const struct hl_cfg_port *cp, const struct hl_cfg_worker *wk, uint16_t nb_queues,
		  struct rte_mempool *pool, struct hl_net_port *np, char *err, size_t errlen)
{
	struct rte_eth_conf conf = {0};
	struct rte_eth_dev_info info;
	uint16_t port_id, nb_rxd = wk->rx_desc, nb_txd = wk->tx_desc, mtu;
	const char *what;
	int rc, socket;

	rc = rte_eth_dev_get_port_by_name(cp->name, &port_id);
	if (rc != 0) {
		snprintf(err, errlen,
			 "[port %s]: no such DPDK device (the EAL did not create it: "
			 "check [eal] args)",
			 cp->name);
		return -ENODEV;
	}
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc != 0) {
		what = "rte_eth_dev_info_get";
		goto fail;
	}
	if (info.max_rx_queues < nb_queues || info.max_tx_queues < nb_queues) {
		snprintf(err, errlen,
			 "[port %s]: has %u rx / %u tx queues, the %u workers need %u each (for "
			 "net_af_xdp add queue_count=%u to the vdev and give the interface as "
			 "many combined channels)",
			 cp->name, info.max_rx_queues, info.max_tx_queues, nb_queues, nb_queues,
			 nb_queues);
		return -EINVAL;
	}
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	if (cp->mtu != 0)
		conf.rxmode.mtu = cp->mtu;
	rc = rte_eth_dev_configure(port_id, nb_queues, nb_queues, &conf);
	if (rc != 0) {
		what = "rte_eth_dev_configure";
		goto fail;
	}
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nb_rxd, &nb_txd);
	if (rc != 0) {
		what = "rte_eth_dev_adjust_nb_rx_tx_desc";
		goto fail_close;
	}
	socket = rte_eth_dev_socket_id(port_id);
	for (uint16_t q = 0; q < nb_queues; q++) {
		rc = rte_eth_rx_queue_setup(port_id, q, nb_rxd, (unsigned)socket, NULL, pool);
		if (rc != 0) {
			what = "rte_eth_rx_queue_setup";
			goto fail_close;
		}
		rc = rte_eth_tx_queue_setup(port_id, q, nb_txd, (unsigned)socket, NULL);
		if (rc != 0) {
			what = "rte_eth_tx_queue_setup";
			goto fail_close;
		}
	}
	rc = rte_eth_dev_start(port_id);
	if (rc != 0) {
		what = "rte_eth_dev_start";
		goto fail_close;
	}
	np->port_id = port_id;
	rte_eth_macaddr_get(port_id, &np->mac);
	if (rte_eth_dev_get_mtu(port_id, &mtu) == 0)
		np->mtu = mtu;
	HL_LOG(INFO, "port %s: started (port id %u, %u queue pair(s), %u/%u descriptors)\n",
	       cp->name, port_id, nb_queues, nb_rxd, nb_txd);
	return 0;

fail_close:
	rte_eth_dev_close(port_id);
fail:
	snprintf(err, errlen, "[port %s]: %s: %s", cp->name, what, rte_strerror(-rc));
	return rc < 0 ? rc : -EIO;
}

void hl_port_stop(uint16_t port_id)
{
	int rc = rte_eth_dev_stop(port_id);

	if (rc != 0)
		HL_LOG(WARNING, "port id %u: stop: %s\n", port_id, rte_strerror(-rc));
	rc = rte_eth_dev_close(port_id);
	if (rc != 0)
		HL_LOG(WARNING, "port id %u: close: %s\n", port_id, rte_strerror(-rc));
}
