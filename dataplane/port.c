/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethdev setup: one rx/tx queue pair per worker on every port, the device's
 * IPv4 checksum offload when it has one, the configured MTU; and the packet
 * pool, laid out so net_af_xdp can use all of it. The tx side (per-worker
 * buffers, flush) is in worker.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>

#include "hintlb/log.h"
#include "port.h"

/* Every configured port is a net_af_xdp device (the EAL created them all). */
#define HL_AF_XDP_FILL 2048 /* mbufs net_af_xdp puts on a queue's fill ring at setup */

static bool all_af_xdp(const struct hl_config *cfg)
{
	struct rte_eth_dev_info info;
	uint16_t port_id;

	for (unsigned i = 0; i < cfg->n_ports; i++)
		if (rte_eth_dev_get_port_by_name(cfg->ports[i].name, &port_id) != 0 ||
		    rte_eth_dev_info_get(port_id, &info) != 0 ||
		    strcmp(info.driver_name, "net_af_xdp") != 0)
			return false;
	return cfg->n_ports != 0;
}

static void obj_end(struct rte_mempool *mp, void *arg, void *obj, unsigned idx)
{
	uintptr_t *end = arg, e = (uintptr_t)obj + mp->elt_size + mp->trailer_size;

	(void)idx;
	if (e > *end)
		*end = e;
}

/*
 * Does net_af_xdp's UMEM cover every mbuf of @p mp? DPDK 22.11 registers
 * [first chunk's page, + populated_size * object size) (xdp_umem_configure).
 * @return 0, or -EINVAL with @p err saying by how much it falls short.
 */
static int check_umem_span(struct rte_mempool *mp, char *err, size_t errlen)
{
	const struct rte_mempool_memhdr *h = STAILQ_FIRST(&mp->mem_list);
	uintptr_t base = (uintptr_t)h->addr & ~((uintptr_t)getpagesize() - 1), end = 0;
	uint64_t umem = (uint64_t)mp->populated_size *
				rte_mempool_calc_obj_size(mp->elt_size, mp->flags, NULL) +
			((uintptr_t)h->addr - base);

	rte_mempool_obj_iter(mp, obj_end, &end);
	if (mp->nb_mem_chunks == 1 && end - base <= umem)
		return 0;
	snprintf(err, errlen,
		 "[worker] mbufs: the packet pool spans %zu bytes in %u chunk(s) but net_af_xdp "
		 "registers only %" PRIu64 " as its UMEM: frames in mbufs beyond it would be "
		 "lost (give the EAL more memory, -m)",
		 (size_t)(end - base), mp->nb_mem_chunks, umem);
	return -EINVAL;
}

/*
 * Workaround for DPDK 22.11 net_af_xdp ("zero copy between umem and mbuf"):
 * it registers the mbuf pool as the AF_XDP UMEM, sized populated_size x
 * object size from the first chunk's page, as if objects were packed.
 * rte_pktmbuf_pool_create() keeps objects from crossing page boundaries:
 * with 4 KiB pages (--no-huge) that is one 2368-byte mbuf per page, so the
 * pool spans 1.7x the UMEM. A frame in an mbuf past the UMEM is an invalid
 * tx descriptor: the kernel skips it (XDP_STATISTICS tx_invalid_descs), the
 * frame never leaves and the mbuf never completes (a leak); such an mbuf on
 * the fill ring is skipped too. Under load (TCP queues hold thousands of
 * mbufs) the pool hands out those mbufs and ~20 % of frames vanished after
 * rte_eth_tx_burst() had accepted them. DPDK 24.07 sizes the UMEM from
 * rte_mempool_get_mem_range() instead. Here, when every port is net_af_xdp,
 * the pool is created without page padding (RTE_MEMPOOL_F_NO_IOVA_CONTIG:
 * AF_XDP copies through the kernel and needs no IOVA) and checked.
 */
struct rte_mempool *hl_port_pool_create(const struct hl_config *cfg, const char *name, int socket,
					unsigned n_queues, char *err, size_t errlen)
{
	struct rte_pktmbuf_pool_private priv = {.mbuf_data_room_size = RTE_MBUF_DEFAULT_BUF_SIZE};
	unsigned n = cfg->worker.mbufs, need = 0;
	struct rte_mempool *mp;

	/* net_af_xdp fills each rx queue's fill ring with 2048 mbufs at setup; the rest
	 * is what the workers work with (a quarter of the pool at least) */
	for (unsigned i = 0; i < cfg->n_ports; i++)
		if (strncmp(cfg->ports[i].name, "net_af_xdp", 10) == 0)
			need += n_queues * HL_AF_XDP_FILL;
	if (need != 0 && n < need + need / 3) {
		snprintf(err, errlen,
			 "[worker] mbufs: %u is too few: the net_af_xdp ports' %u rx queues take "
			 "%u at start (%u each) and the workers need room too; give at least %u",
			 n, need / HL_AF_XDP_FILL, need, HL_AF_XDP_FILL, need + need / 3);
		return NULL;
	}
	if (!all_af_xdp(cfg)) {
		mp = rte_pktmbuf_pool_create(name, n, HL_POOL_CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					     socket);
		if (mp == NULL)
			goto fail;
		return mp;
	}
	mp = rte_mempool_create_empty(name, n, sizeof(struct rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE,
				      HL_POOL_CACHE, sizeof(priv), socket,
				      RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	if (mp == NULL)
		goto fail;
	if (rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), NULL) != 0)
		goto fail_free;
	rte_pktmbuf_pool_init(mp, &priv);
	if (rte_mempool_populate_default(mp) < 0)
		goto fail_free;
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	if (check_umem_span(mp, err, errlen) != 0) {
		rte_mempool_free(mp);
		return NULL;
	}
	return mp;

fail_free:
	rte_mempool_free(mp);
fail:
	snprintf(err, errlen,
		 "[worker] mbufs: cannot create a pool of %u mbufs: %s (with --no-huge "
		 "the EAL has 64 MiB unless -m says more)",
		 n, rte_strerror(rte_errno));
	return NULL;
}

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
	/* DPDK 22.11's memif connects min(ours, the peer's) queue pairs and does not
	 * say how many; a queue beyond them reads and writes the region's first ring
	 * (rte_eth_memif.c: the ring offset is only set for connected rings), so a
	 * worker without a peer queue steals worker 0's packets and its own never
	 * leave. Nothing here can see the peer's count: say what it must be. */
	if (nb_queues > 1 && info.driver_name != NULL && strcmp(info.driver_name, "net_memif") == 0)
		HL_LOG(WARNING,
		       "port %s: net_memif with %u queue pairs: its peer must open %u too "
		       "(hintgen --queues %u); with fewer, workers 1.. stall (tx_stalled)\n",
		       cp->name, nb_queues, nb_queues, nb_queues);
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
