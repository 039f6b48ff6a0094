/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a net_af_xdp port needs from the running kernel, checked before the
 * EAL probes the port (include/hintlb/xdp.h, hl_xdp_kernel_check()). Without
 * it a missing feature shows up as a libbpf verifier dump and a vdev that
 * silently is not created; with it the daemon stops with one line naming
 * what is missing and what to do. docs/kernel.md lists the features and the
 * oldest kernel known to offer each.
 */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_xdp.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/bpf.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "hintlb/xdp.h"

#ifndef AF_XDP
#define AF_XDP 44
#endif

/* The last line libbpf printed while loading (the verifier's verdict). */
static __thread char kc_last_line[256];

static int kc_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *buf = NULL, *line, *save = NULL;

	if (level == LIBBPF_DEBUG || vasprintf(&buf, fmt, ap) < 0)
		return 0;
	/* the verifier's verdict is the last line before its statistics */
	for (line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, "libbpf:", 7) != 0 && strncmp(line, "-- END", 6) != 0 &&
		    strncmp(line, "processed ", 10) != 0 &&
		    strncmp(line, "verification time", 17) != 0 &&
		    strncmp(line, "stack depth", 11) != 0)
			snprintf(kc_last_line, sizeof(kc_last_line), "%s", line);
	free(buf);
	return 0;
}

static int kc_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* AF_XDP sockets: what net_af_xdp is built on. */
static int kc_af_xdp(char *err, size_t errlen)
{
	int fd = socket(AF_XDP, SOCK_RAW, 0);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno == EAFNOSUPPORT)
		return kc_fail(err, errlen, -EOPNOTSUPP,
			       "the kernel has no AF_XDP sockets (CONFIG_XDP_SOCKETS, Linux >= "
			       "4.18): net_af_xdp cannot run; use the NIC's own PMD");
	if (errno == EPERM)
		return kc_fail(err, errlen, -EPERM,
			       "AF_XDP sockets need CAP_NET_RAW and CAP_BPF (run as root)");
	return kc_fail(err, errlen, -errno, "AF_XDP socket: %s", strerror(errno));
}

int hl_xdp_kernel_check_bpf(char *err, size_t errlen)
{
	static const struct {
		enum bpf_map_type type;
		const char *name, *since;
	} maps[] = {
		{BPF_MAP_TYPE_XSKMAP, "BPF_MAP_TYPE_XSKMAP", "4.18"},
		{BPF_MAP_TYPE_LPM_TRIE, "BPF_MAP_TYPE_LPM_TRIE", "4.11"},
		{BPF_MAP_TYPE_PERCPU_ARRAY, "BPF_MAP_TYPE_PERCPU_ARRAY", "4.6"},
		{BPF_MAP_TYPE_ARRAY, "BPF_MAP_TYPE_ARRAY", "3.19"},
	};

	if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_XDP, NULL) != 1)
		return kc_fail(
			err, errlen, -EOPNOTSUPP,
			"the kernel runs no XDP programs (Linux >= 4.8, CONFIG_BPF_SYSCALL)");
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		if (libbpf_probe_bpf_map_type(maps[i].type, NULL) != 1)
			return kc_fail(
				err, errlen, -EOPNOTSUPP,
				"the kernel has no %s (Linux >= %s), which the XDP stage uses",
				maps[i].name, maps[i].since);
	if (libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP, BPF_FUNC_redirect_map, NULL) != 1)
		return kc_fail(
			err, errlen, -EOPNOTSUPP,
			"the kernel refuses bpf_redirect_map in XDP programs (Linux >= 4.14)");
	return 0;
}

int hl_xdp_object_load(struct bpf_object *obj, char *err, size_t errlen)
{
	libbpf_print_fn_t old = libbpf_set_print(kc_print);
	int rc;

	kc_last_line[0] = '\0';
	rc = bpf_object__load(obj);
	libbpf_set_print(old);
	if (rc != 0)
		kc_fail(err, errlen, rc, "%s",
			kc_last_line[0] != '\0' ? kc_last_line : strerror(-rc));
	return rc;
}

/* Load the program as net_af_xdp will, and throw it away. */
static int kc_trial_load(const char *prog_path, char *err, size_t errlen)
{
	struct bpf_object *obj = bpf_object__open_file(prog_path, NULL);
	char why[256] = "";
	int rc;

	rc = obj == NULL ? -errno : hl_xdp_object_load(obj, why, sizeof(why));
	bpf_object__close(obj);
	if (rc == 0)
		return 0;
	return kc_fail(err, errlen, rc, "the kernel refused %s: %s", prog_path,
		       why[0] != '\0' ? why : strerror(-rc));
}

/*
 * The interface's queues as DPDK 22.11's net_af_xdp counts them: the
 * combined channels of ETHTOOL_GCHANNELS, or one when the driver answers
 * EOPNOTSUPP or reports no combined channel (veth, for one).
 */
static int kc_channels(const char *ifname, unsigned first_queue, unsigned n_queues, char *err,
		       size_t errlen)
{
	struct ethtool_channels ch = {.cmd = ETHTOOL_GCHANNELS};
	struct ifreq ifr;
	unsigned have = 1;
	int fd, rc = 0;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return kc_fail(err, errlen, -errno, "socket for SIOCETHTOOL: %s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&ch;
	if (ioctl(fd, SIOCETHTOOL, &ifr) != 0 && errno != EOPNOTSUPP)
		rc = errno == ENODEV ? kc_fail(err, errlen, -ENODEV, "no interface %s", ifname)
				     : kc_fail(err, errlen, -errno, "%s: ETHTOOL_GCHANNELS: %s",
					       ifname, strerror(errno));
	else if (ch.combined_count > 0)
		have = ch.combined_count;
	close(fd);
	if (rc == 0 && first_queue + n_queues > have)
		rc = kc_fail(err, errlen, -EINVAL,
			     "%s has %u combined channel(s), start_queue=%u + queue_count=%u needs "
			     "%u (ethtool -L %s combined %u; veth reports none and counts as 1)",
			     ifname, have, first_queue, n_queues, first_queue + n_queues, ifname,
			     first_queue + n_queues);
	return rc;
}

int hl_xdp_kernel_check(const char *ifname, const char *prog_path, unsigned first_queue,
			unsigned n_queues, char *err, size_t errlen)
{
	int rc;

	rc = kc_af_xdp(err, errlen);
	if (rc == 0 && ifname != NULL && ifname[0] != '\0')
		rc = kc_channels(ifname, first_queue, n_queues, err, errlen);
	if (rc != 0 || prog_path == NULL)
		return rc;
	rc = hl_xdp_kernel_check_bpf(err, errlen);
	if (rc == 0)
		rc = kc_trial_load(prog_path, err, errlen);
	return rc;
}
