/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Control of the XDP stage (bpf/steer.bpf.o) once net_af_xdp attached it:
 * find its maps, pin them under HL_XDP_PIN_ROOT/<ifname>/, fill the address
 * and deny maps, read the counters. Used by the daemon and hintctl.
 *
 * DPDK 22.11's net_af_xdp loads xdp_prog= itself with libbpf (no pinning, one
 * fresh bpf_object per port) and detaches it in rte_eth_dev_close(); this
 * library never attaches or detaches the running program. Not thread-safe per
 * handle; handles for different interfaces are independent. Functions return
 * 0 or -errno and never print. See docs/xdp.md.
 */
#ifndef HINTLB_XDP_H
#define HINTLB_XDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hintlb/xdp_abi.h"

struct hl_xdp;

/** Counters of one interface, summed over CPUs. by[reason][verdict];
 *  reasons >= HL_XDP_REASON_MAX stay zero. */
struct hl_xdp_counters {
	struct hl_xdp_count by[HL_XDP_REASON_SLOTS][HL_XDP_VERDICT_MAX];
};

/** Put addr (network byte order, not 0) in bucket b: 0 added or already
 *  there, -1 bucket full. For the library and tests that fill hl_addrs. */
static inline int hl_xdp_bucket_add(struct hl_xdp_addr_bucket *b, uint32_t addr)
{
	int free_way = -1;

	for (int i = 0; i < HL_XDP_ADDR_WAYS; i++) {
		if (b->addr[i] == addr)
			return 0;
		if (!b->addr[i] && free_way < 0)
			free_way = i;
	}
	if (free_way < 0)
		return -1;
	b->addr[free_way] = addr;
	return 0;
}

/** Take addr out of bucket b: 0 removed, -1 not there. */
static inline int hl_xdp_bucket_del(struct hl_xdp_addr_bucket *b, uint32_t addr)
{
	for (int i = 0; i < HL_XDP_ADDR_WAYS; i++) {
		if (b->addr[i] == addr) {
			b->addr[i] = 0;
			return 0;
		}
	}
	return -1;
}

/**
 * After the PMD attached steer.bpf.o to ifname: find its maps (program
 * HL_XDP_PROG_NAME attached to ifname, maps matched by name and checked
 * against xdp_abi.h), mount bpffs at /sys/fs/bpf if it is not, and pin
 * hl_counters, hl_addrs and hl_deny as HL_XDP_PIN_ROOT/<ifname>/<map>.
 * A pin that already names the running program's map is reused (a second
 * opener, e.g. hintctl); a pin left by an earlier run (another map) is
 * replaced. xsks_map is never pinned.
 * @param out  receives an owned handle on success (free with hl_xdp_close())
 * @param err  receives a reason naming what failed ("veth0: no XDP program
 *             attached"); may be NULL
 * @return 0; -ENODEV no such interface; -ENOENT no XDP program attached;
 *         -EINVAL the attached program is not hl_steer; -EPROTO its maps do
 *         not match xdp_abi.h (stale object); other -errno from bpf(2),
 *         mount(2), mkdir(2).
 */
int hl_xdp_open(const char *ifname, struct hl_xdp **out, char *err, size_t errlen);

/** Steer ARP and IPv4 for this address (network byte order) into AF_XDP on
 *  this interface. 0 (also when already set); -EINVAL for 0.0.0.0; -ENOSPC
 *  when its bucket already holds HL_XDP_ADDR_WAYS addresses (about one
 *  chance in 2000 with 1000 random addresses; a whole /22 fits). One writer per
 *  interface (the daemon): updates read-modify-write a bucket. */
int hl_xdp_add_addr(struct hl_xdp *x, uint32_t ipv4_be);
/** Stop steering this address. 0, or -ENOENT when it was not set. */
int hl_xdp_del_addr(struct hl_xdp *x, uint32_t ipv4_be);

/** Drop IPv4 to hintlb's addresses from prefix_be/prefix_len (network byte
 *  order; host bits are ignored). 0, -EINVAL for prefix_len > 32. */
int hl_xdp_deny_add(struct hl_xdp *x, uint32_t prefix_be, uint8_t prefix_len);
/** Remove a deny prefix. 0, -ENOENT when absent, -EINVAL for prefix_len > 32. */
int hl_xdp_deny_del(struct hl_xdp *x, uint32_t prefix_be, uint8_t prefix_len);

/** Sum the per-CPU counters: packets and bytes per reason and verdict, for
 *  this interface. 0 or -errno (out is then zeroed). */
int hl_xdp_read_counters(struct hl_xdp *x, struct hl_xdp_counters *out);

/** Detach nothing (the PMD detaches its program); with unpin, remove the pins
 *  that still name this handle's maps, and the directories when empty.
 *  NULL ok. */
void hl_xdp_close(struct hl_xdp *x, bool unpin);

/**
 * Recovery after a crash (SIGKILL leaves the program attached, and
 * net_af_xdp then fails to attach with -EBUSY): detach the XDP program from
 * ifname if, and only if, it is hl_steer. Call before the EAL probes the port.
 * @return 1 detached, 0 nothing of ours attached, -ENODEV no such interface,
 *         other -errno from bpf(2)/netlink.
 */
int hl_xdp_detach_stale(const char *ifname, char *err, size_t errlen);

struct bpf_object;

/**
 * bpf_object__load() with what went wrong in one line: when the kernel
 * refuses a program, @p err gets the verifier's verdict (the last line of its
 * log before the statistics: "program of this type cannot use helper
 * bpf_xdp_adjust_meta#54"), not the whole log; otherwise strerror.
 * @return bpf_object__load()'s result.
 */
int hl_xdp_object_load(struct bpf_object *obj, char *err, size_t errlen);

/**
 * Whether the running kernel runs XDP programs and offers the map types and
 * helpers bpf/steer.bpf.c uses (part of hl_xdp_kernel_check(); also for
 * tests that load the program themselves).
 * @return 0, or -EOPNOTSUPP with @p err naming the first thing missing.
 */
int hl_xdp_kernel_check_bpf(char *err, size_t errlen);

/**
 * Before the EAL probes a net_af_xdp port: check that the running kernel
 * offers what the port and its XDP stage need (docs/kernel.md): AF_XDP
 * sockets; when @p ifname is set, start_queue + queue_count within the
 * interface's combined channels as net_af_xdp counts them; when
 * @p prog_path is set (xdp_prog=), XDP programs, the map types and helpers
 * of bpf/steer.bpf.c, and a trial load of @p prog_path itself (loaded and
 * freed, never attached).
 * @param err  receives one line naming what is missing and what to do
 *             ("the kernel has no AF_XDP sockets (CONFIG_XDP_SOCKETS, ...");
 *             for a refused program, the verifier's last line); may be NULL
 * @return 0; -EOPNOTSUPP a feature is missing; -EPERM not privileged;
 *         -ENODEV no such interface; -EINVAL too few channels; other -errno
 *         from the trial load.
 */
int hl_xdp_kernel_check(const char *ifname, const char *prog_path, unsigned first_queue,
			unsigned n_queues, char *err, size_t errlen);

#endif /* HINTLB_XDP_H */
