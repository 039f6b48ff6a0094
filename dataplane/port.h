/* SPDX-License-Identifier: BSD-3-Clause */
/* Ethdev setup and teardown for one configured port (setup time only). */
#ifndef HINTLB_PORT_H
#define HINTLB_PORT_H

#include <stddef.h>
#include <stdint.h>

#include <rte_mempool.h>

#include "hintlb/config.h"
#include "netconf.h"

/*
 * Find the device named by @p cp (rte_eth_dev_get_port_by_name), configure
 * @p nb_queues rx and tx queue pairs (queue i belongs to worker i), start it,
 * and fill @p np's port_id, mac and mtu.
 * @return 0, or -errno with @p err naming the port and what failed. On
 *   failure a device that was configured is closed again.
 */
int hl_port_start(const struct hl_cfg_port *cp, const struct hl_cfg_worker *wk, uint16_t nb_queues,
		  struct rte_mempool *pool, struct hl_net_port *np, char *err, size_t errlen);

#define HL_POOL_CACHE 256 /* per-lcore mbuf cache */

/*
 * The packet pool: cfg->worker.mbufs mbufs of RTE_MBUF_DEFAULT_BUF_SIZE on
 * @p socket. When every port is net_af_xdp, laid out without page padding so
 * the driver's UMEM covers every mbuf (see port.c). Refused when the
 * net_af_xdp ports' @p n_queues rx queues each would take 2048 of them at
 * setup and leave the workers less than a quarter. Call after the EAL made
 * the devices, before hl_port_start.
 * @return owned, or NULL with @p err naming [worker] mbufs and the reason.
 */
struct rte_mempool *hl_port_pool_create(const struct hl_config *cfg, const char *name, int socket,
					unsigned n_queues, char *err, size_t errlen);

/* Stop and close the port (net_af_xdp detaches its XDP program in close). */
void hl_port_stop(uint16_t port_id);

#endif /* HINTLB_PORT_H */
