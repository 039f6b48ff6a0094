/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * LD_PRELOAD shim for tcp_workers.sh: makes a multi-queue veth answer
 * ETHTOOL_GCHANNELS with "combined" channels, so that DPDK 22.11's
 * net_af_xdp accepts queue_count=N on it.
 *
 * Why: veth really has N rx and N tx queues (numrxqueues/numtxqueues), and
 * AF_XDP sockets bind to them like to any NIC's, but veth reports them as
 * separate rx/tx channels (max_combined 0). net_af_xdp takes max_combined
 * 0 to mean "one queue" and refuses queue_count > 1. This shim changes only
 * that answer, and only for the interfaces named in HL_VETH_COMBINED
 * (space-separated): combined = min(rx, tx). Everything else — the queues,
 * the XDP program, the sockets — is the real thing. Test-only; hintlb never
 * links it.
 */
#include <dlfcn.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

static int (*real_ioctl)(int, unsigned long, ...);

static int named(const char *ifname)
{
	const char *list = getenv("HL_VETH_COMBINED");
	size_t n = strlen(ifname);

	for (const char *p = list; p != NULL && *p != '\0';) {
		size_t len = strcspn(p, " ");

		if (len == n && strncmp(p, ifname, n) == 0)
			return 1;
		p += len + (p[len] == ' ');
	}
	return 0;
}

int ioctl(int fd, unsigned long req, ...)
{
	struct ifreq *ifr;
	va_list ap;
	int rc;

	va_start(ap, req);
	ifr = va_arg(ap, struct ifreq *);
	va_end(ap);
	if (real_ioctl == NULL)
		real_ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	rc = real_ioctl(fd, req, ifr);
	if (rc == 0 && req == SIOCETHTOOL && ifr != NULL && named(ifr->ifr_name)) {
		struct ethtool_channels *ch = (struct ethtool_channels *)ifr->ifr_data;

		if (ch->cmd == ETHTOOL_GCHANNELS && ch->max_combined == 0) {
			ch->max_combined = ch->max_rx < ch->max_tx ? ch->max_rx : ch->max_tx;
			ch->combined_count =
				ch->rx_count < ch->tx_count ? ch->rx_count : ch->tx_count;
		}
	}
	return rc;
}
