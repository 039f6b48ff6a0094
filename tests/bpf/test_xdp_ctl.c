/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The XDP control library (include/hintlb/xdp.h) against the real program:
 * steer.bpf.o attached in generic mode to lo of a private network namespace,
 * pins in a private bpffs (a private mount namespace, with /sys/fs/bpf
 * unmounted first so hl_xdp_open() has to mount it). Checks that maps are
 * found and pinned, reused by a second opener, replaced when stale, removed
 * on close; that real UDP over lo is counted, steered by address and denied
 * by prefix; and hl_xdp_detach_stale(). Needs root; skips otherwise.
 */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <netinet/in.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "hintlb/xdp.h"
#include "steer.skel.h"

#define LO         "lo"
#define PIN_DIR    HL_XDP_PIN_ROOT "/" LO
#define UDP_BYTES  16
#define FRAME_LEN  (14 + 20 + 8 + UDP_BYTES) /* what XDP counts for one datagram */
#define LOOPBACK   htonl(INADDR_LOOPBACK)    /* 127.0.0.1 */
#define LOOPBACK_2 htonl(INADDR_LOOPBACK + 1)

static const char *const pinned_maps[] = {HL_XDP_MAP_COUNTERS, HL_XDP_MAP_ADDRS, HL_XDP_MAP_DENY};

static struct steer_bpf *skel;
static int lo_ifindex;

static __u32 fd_map_id(int fd)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	return info.id;
}

/* Id of the map pinned at PIN_DIR/name, 0 when nothing is pinned there. */
static __u32 pinned_id(const char *name)
{
	char path[256];
	__u32 id;
	int fd;

	snprintf(path, sizeof(path), PIN_DIR "/%s", name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	id = fd_map_id(fd);
	close(fd);
	return id;
}

static void assert_pins_name(struct steer_bpf *s)
{
	assert_int_equal(pinned_id(HL_XDP_MAP_COUNTERS),
			 fd_map_id(bpf_map__fd(s->maps.hl_counters)));
	assert_int_equal(pinned_id(HL_XDP_MAP_ADDRS), fd_map_id(bpf_map__fd(s->maps.hl_addrs)));
	assert_int_equal(pinned_id(HL_XDP_MAP_DENY), fd_map_id(bpf_map__fd(s->maps.hl_deny)));
	assert_int_equal(pinned_id(HL_XDP_MAP_XSKS), 0);
}

static struct steer_bpf *load_and_attach(void)
{
	struct steer_bpf *s = steer_bpf__open_and_load();

	assert_non_null(s);
	assert_int_equal(bpf_xdp_attach(lo_ifindex, bpf_program__fd(s->progs.hl_steer),
					XDP_FLAGS_SKB_MODE, NULL),
			 0);
	return s;
}

static void detach_lo(void)
{
	bpf_xdp_detach(lo_ifindex, XDP_FLAGS_SKB_MODE, NULL);
}

static struct hl_xdp *open_lo(void)
{
	struct hl_xdp *x = NULL;
	char err[256] = "";
	int rc = hl_xdp_open(LO, &x, err, sizeof(err));

	if (rc)
		fail_msg("hl_xdp_open: %d %s", rc, err);
	assert_non_null(x);
	return x;
}

/* Send one UDP datagram to dst over lo; true if rx_fd received it. */
static bool udp_through(uint32_t dst_be, int rx_fd)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = dst_be};
	socklen_t tolen = sizeof(to);
	char buf[UDP_BYTES];
	struct pollfd pfd = {.fd = rx_fd, .events = POLLIN};
	int tx;

	assert_int_equal(getsockname(rx_fd, (struct sockaddr *)&to, &tolen), 0);
	to.sin_addr.s_addr = dst_be;
	tx = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(tx >= 0);
	memset(buf, 'u', sizeof(buf));
	assert_int_equal(sendto(tx, buf, sizeof(buf), 0, (struct sockaddr *)&to, sizeof(to)),
			 sizeof(buf));
	close(tx);
	if (poll(&pfd, 1, 200) != 1)
		return false;
	assert_int_equal(recv(rx_fd, buf, sizeof(buf), 0), sizeof(buf));
	return true;
}

static int udp_listener(void)
{
	struct sockaddr_in any = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&any, sizeof(any)), 0);
	return fd;
}

static struct hl_xdp_count cell(struct hl_xdp *x, uint32_t reason, uint32_t verdict)
{
	static struct hl_xdp_counters c;

	assert_int_equal(hl_xdp_read_counters(x, &c), 0);
	return c.by[reason][verdict];
}

/* ---- tests --------------------------------------------------------------- */

static void test_open_mounts_bpffs_and_pins(void **state)
{
	struct statfs st;
	struct hl_xdp *x;

	(void)state;
	x = open_lo();
	assert_int_equal(statfs("/sys/fs/bpf", &st), 0);
	assert_true(st.f_type == BPF_FS_MAGIC);
	assert_pins_name(skel);
	hl_xdp_close(x, true);
	for (size_t i = 0; i < sizeof(pinned_maps) / sizeof(pinned_maps[0]); i++)
		assert_int_equal(pinned_id(pinned_maps[i]), 0);
	assert_int_equal(access(PIN_DIR, F_OK), -1);
	assert_int_equal(access(HL_XDP_PIN_ROOT, F_OK), -1);
}

static void test_traffic_on_lo_counted_steered_denied(void **state)
{
	struct hl_xdp *x;
	int rx = udp_listener();

	(void)state;
	x = open_lo();
	assert_int_equal(hl_xdp_add_addr(x, LOOPBACK), 0);

	/* Ours: steered, but lo has no AF_XDP socket, so the kernel gets it. */
	assert_true(udp_through(LOOPBACK, rx));
	assert_int_equal(cell(x, HL_XDP_R_IPV4_OURS, HL_XDP_V_PASS).packets, 1);
	assert_int_equal(cell(x, HL_XDP_R_IPV4_OURS, HL_XDP_V_PASS).bytes, FRAME_LEN);
	assert_true(udp_through(LOOPBACK_2, rx));
	assert_int_equal(cell(x, HL_XDP_R_IPV4_NOT_OURS, HL_XDP_V_PASS).packets, 1);

	assert_int_equal(hl_xdp_deny_add(x, htonl(0x7f123456), 8), 0); /* host bits ignored */
	assert_false(udp_through(LOOPBACK, rx));
	assert_int_equal(cell(x, HL_XDP_R_DENIED, HL_XDP_V_DROP).packets, 1);
	assert_true(udp_through(LOOPBACK_2, rx)); /* not ours: the deny list does not apply */
	assert_int_equal(hl_xdp_deny_del(x, htonl(0x7f000000), 8), 0);
	assert_true(udp_through(LOOPBACK, rx));
	assert_int_equal(cell(x, HL_XDP_R_IPV4_OURS, HL_XDP_V_PASS).packets, 2);

	assert_int_equal(hl_xdp_del_addr(x, LOOPBACK), 0);
	assert_true(udp_through(LOOPBACK, rx));
	assert_int_equal(cell(x, HL_XDP_R_IPV4_NOT_OURS, HL_XDP_V_PASS).packets, 3);

	assert_int_equal(hl_xdp_deny_add(x, 0, 33), -EINVAL);
	assert_int_equal(hl_xdp_deny_del(x, htonl(0x0a000000), 8), -ENOENT);
	assert_int_equal(hl_xdp_del_addr(x, LOOPBACK), -ENOENT);
	hl_xdp_close(x, true);
	close(rx);
}

/* hintctl opens while the daemon runs: same maps, pins untouched. */
static void test_second_open_reuses_pins(void **state)
{
	struct hl_xdp *a, *b;
	int rx = udp_listener();

	(void)state;
	a = open_lo();
	b = open_lo();
	assert_pins_name(skel);
	assert_int_equal(hl_xdp_add_addr(a, LOOPBACK), 0);
	assert_true(udp_through(LOOPBACK, rx));
	assert_int_equal(cell(b, HL_XDP_R_IPV4_OURS, HL_XDP_V_PASS).packets, 1);
	hl_xdp_close(b, false);
	assert_pins_name(skel);
	hl_xdp_close(a, true);
	assert_int_equal(access(PIN_DIR, F_OK), -1);
	close(rx);
}

/* A crash leaves pins; the next start's program has new maps: pins follow. */
static void test_stale_pins_replaced(void **state)
{
	struct steer_bpf *next;
	struct hl_xdp *old, *x;

	(void)state;
	old = open_lo();
	assert_pins_name(skel);
	detach_lo();
	next = load_and_attach();
	x = open_lo();
	assert_pins_name(next);
	/* Closing a handle on the old maps leaves the new pins alone. */
	hl_xdp_close(old, true);
	assert_pins_name(next);
	hl_xdp_close(x, true);
	assert_int_equal(pinned_id(HL_XDP_MAP_COUNTERS), 0);
	detach_lo();
	steer_bpf__destroy(next);
}

static void test_open_errors(void **state)
{
	/* XDP_PASS; exit: somebody else's XDP program. */
	const struct bpf_insn other[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS},
		{.code = BPF_JMP | BPF_EXIT},
	};
	struct hl_xdp *x = (struct hl_xdp *)&x;
	char err[256];
	int fd;

	(void)state;
	assert_int_equal(hl_xdp_open("hl-nope0", &x, err, sizeof(err)), -ENODEV);
	assert_null(x);
	assert_non_null(strstr(err, "hl-nope0"));

	detach_lo();
	assert_int_equal(hl_xdp_open(LO, &x, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "no XDP program"));

	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "other", "GPL", other, 2, NULL);
	assert_true(fd >= 0);
	assert_int_equal(bpf_xdp_attach(lo_ifindex, fd, XDP_FLAGS_SKB_MODE, NULL), 0);
	assert_int_equal(hl_xdp_open(LO, &x, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "'other'"));
	/* Not ours: detach_stale leaves it alone. */
	assert_int_equal(hl_xdp_detach_stale(LO, err, sizeof(err)), 0);
	assert_int_equal(hl_xdp_open(LO, &x, NULL, 0), -EINVAL);
	detach_lo();
	close(fd);
	assert_int_equal(hl_xdp_detach_stale("hl-nope0", err, sizeof(err)), -ENODEV);
}

static void test_detach_stale(void **state)
{
	char err[256] = "";
	__u32 id = 1;

	(void)state;
	assert_int_equal(hl_xdp_detach_stale(LO, err, sizeof(err)), 1);
	assert_int_equal(bpf_xdp_query_id(lo_ifindex, 0, &id), 0);
	assert_int_equal(id, 0);
	assert_int_equal(hl_xdp_detach_stale(LO, err, sizeof(err)), 0);
}

/* Addresses are a bucketed set: 0.0.0.0 is refused, a bucket holds
 * HL_XDP_ADDR_WAYS addresses, a freed way is reused. */
static void test_addr_buckets(void **state)
{
	uint32_t same[HL_XDP_ADDR_WAYS + 1], bucket = hl_xdp_addr_bucket_of(LOOPBACK);
	struct hl_xdp *x;
	size_t n = 0;

	(void)state;
	for (uint32_t a = 0x0a000000; n < HL_XDP_ADDR_WAYS + 1; a++)
		if (hl_xdp_addr_bucket_of(htonl(a)) == bucket)
			same[n++] = htonl(a);
	x = open_lo();
	assert_int_equal(hl_xdp_add_addr(x, 0), -EINVAL);
	for (n = 0; n < HL_XDP_ADDR_WAYS; n++)
		assert_int_equal(hl_xdp_add_addr(x, same[n]), 0);
	assert_int_equal(hl_xdp_add_addr(x, same[0]), 0); /* already there */
	assert_int_equal(hl_xdp_add_addr(x, same[n]), -ENOSPC);
	assert_int_equal(hl_xdp_add_addr(x, LOOPBACK), -ENOSPC);
	assert_int_equal(hl_xdp_del_addr(x, same[2]), 0);
	assert_int_equal(hl_xdp_add_addr(x, LOOPBACK), 0);
	assert_int_equal(hl_xdp_add_addr(x, LOOPBACK_2), 0); /* another bucket */
	hl_xdp_close(x, true);
}

/* ---- fixtures ------------------------------------------------------------ */

static int attach(void **state)
{
	(void)state;
	skel = load_and_attach();
	return 0;
}

static int detach(void **state)
{
	(void)state;
	detach_lo();
	steer_bpf__destroy(skel);
	skel = NULL;
	for (size_t i = 0; i < sizeof(pinned_maps) / sizeof(pinned_maps[0]); i++) {
		char path[256];

		snprintf(path, sizeof(path), PIN_DIR "/%s", pinned_maps[i]);
		unlink(path);
	}
	rmdir(PIN_DIR);
	rmdir(HL_XDP_PIN_ROOT);
	return 0;
}

/* A private netns (its own lo) and mount namespace (its own bpffs, none at
 * first), so nothing here touches the host's interfaces or pins. */
static int enter_namespaces(void)
{
	struct ifreq ifr = {0};
	int s;

	if (unshare(CLONE_NEWNET | CLONE_NEWNS)) {
		fprintf(stderr, "test_xdp_ctl: unshare: %s\n", strerror(errno));
		return -1;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		fprintf(stderr, "test_xdp_ctl: make / private: %s\n", strerror(errno));
		return -1;
	}
	while (umount2("/sys/fs/bpf", MNT_DETACH) == 0)
		;
	s = socket(AF_INET, SOCK_DGRAM, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), LO);
	ifr.ifr_flags = IFF_UP;
	if (s < 0 || ioctl(s, SIOCSIFFLAGS, &ifr)) {
		fprintf(stderr, "test_xdp_ctl: set lo up: %s\n", strerror(errno));
		return -1;
	}
	close(s);
	lo_ifindex = (int)if_nametoindex(LO);
	return 0;
}

int main(void)
{
	char why[256];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_mounts_bpffs_and_pins, attach, detach),
		cmocka_unit_test_setup_teardown(test_traffic_on_lo_counted_steered_denied, attach,
						detach),
		cmocka_unit_test_setup_teardown(test_second_open_reuses_pins, attach, detach),
		cmocka_unit_test_setup_teardown(test_stale_pins_replaced, attach, detach),
		cmocka_unit_test_setup_teardown(test_open_errors, attach, detach),
		cmocka_unit_test_setup_teardown(test_detach_stale, attach, detach),
		cmocka_unit_test_setup_teardown(test_addr_buckets, attach, detach),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "test_xdp_ctl: skipped, needs root (bpf, netns, mounts)\n");
		return 77;
	}
	if (enter_namespaces())
		return 77;
	if (hl_xdp_kernel_check_bpf(why, sizeof(why)) != 0) {
		fprintf(stderr, "test_xdp_ctl: %s\n", why);
		return 1;
	}
	return cmocka_run_group_tests_name("xdp_ctl", tests, NULL, NULL);
}
