/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The XDP stage's steer path, per packet: bpf/steer.bpf.o run by the kernel
 * with BPF_PROG_TEST_RUN and a large repeat, for the hot cases. Wall time of
 * the syscall / repeat (the syscall's own cost is amortised away), median of
 * RUNS runs. xdp_test_run_floor is a program that only returns XDP_PASS: the
 * test-run loop's own cost, included in every other figure. Target: the steer
 * path <= 50 ns/pkt. Needs root; exits 77 (skip) otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "hintlb/xdp.h" /* the inline bucket helpers */
#include "steer.skel.h"
#include "steer_pkts.h"

#define RUNS       9
#define REPEAT     1000000
#define DENY_RULES 10000 /* a realistically large deny list for the LPM lookup */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median ns per packet of RUNS runs of REPEAT repetitions, as the kernel
 * times them (preemptions excluded: this machine is shared); -1 on error. */
static double ns_per_pkt(int prog_fd, const uint8_t *frame, size_t len, uint32_t want)
{
	double v[RUNS];

	for (int r = 0; r < RUNS; r++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = (uint32_t)len,
			    .repeat = REPEAT);

		if (bpf_prog_test_run_opts(prog_fd, &o) || o.retval != want)
			return -1;
		v[r] = o.duration;
	}
	qsort(v, RUNS, sizeof(v[0]), cmp_double);
	return v[RUNS / 2];
}

static int pass_prog(void)
{
	const struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS},
		{.code = BPF_JMP | BPF_EXIT},
	};

	return bpf_prog_load(BPF_PROG_TYPE_XDP, "floor", "GPL", insns, 2, NULL);
}

/* Our two addresses; ADDR_DENY_NET/24 and DENY_RULES random prefixes in
 * 198.0.0.0/8 (clients in 192.0.2.0/24 miss them all). */
static int fill_maps(struct steer_bpf *skel)
{
	const uint32_t ours[] = {ADDR_SELF, ADDR_VIP};
	struct hl_xdp_deny_key net = {.prefixlen = 24, .addr = ADDR_DENY_NET};
	uint32_t one = 1, seed = 12345;
	int rc;

	rc = bpf_map__update_elem(skel->maps.hl_deny, &net, sizeof(net), &one, 4, BPF_ANY);

	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]) && !rc; i++) {
		struct hl_xdp_addr_bucket b = {0};
		uint32_t key = hl_xdp_addr_bucket_of(ours[i]);

		rc = bpf_map__lookup_elem(skel->maps.hl_addrs, &key, 4, &b, sizeof(b), 0);
		if (!rc && hl_xdp_bucket_add(&b, ours[i]))
			rc = -ENOSPC;
		if (!rc)
			rc = bpf_map__update_elem(skel->maps.hl_addrs, &key, 4, &b, sizeof(b), 0);
	}
	for (int i = 0; i < DENY_RULES && !rc; i++) {
		struct hl_xdp_deny_key k;

		seed = seed * 1103515245u + 12345u;
		k.prefixlen = 16 + seed % 17; /* /16 .. /32 */
		k.addr = htonl((0xc6000000u | (seed >> 8)) & (~0u << (32 - k.prefixlen)));
		rc = bpf_map__update_elem(skel->maps.hl_deny, &k, sizeof(k), &one, 4, BPF_ANY);
	}
	return rc;
}

int main(void)
{
	const struct {
		const char *name;
		size_t (*build)(uint8_t *p, uint32_t src, uint32_t dst, unsigned opts);
		uint32_t src, dst, verdict;
	} cases[] = {
		/* No AF_XDP socket in test-run: steered frames fall back to PASS. */
		{"xdp_steer_vip_tcp", build_tcp_syn, ADDR_CLIENT, ADDR_VIP, XDP_PASS},
		{"xdp_steer_pass_not_ours", build_tcp_syn, ADDR_CLIENT, ADDR_KERNEL, XDP_PASS},
		{"xdp_steer_denied", build_tcp_syn, ADDR_DENIED, ADDR_VIP, XDP_DROP},
	};
	uint8_t frame[PKT_MAX];
	struct steer_bpf *skel;
	int floor_fd, fd, rc = 1;
	size_t len;
	double ns;

	if (geteuid() != 0) {
		fprintf(stderr, "bench_steer: skipped, BPF_PROG_TEST_RUN needs root\n");
		return 77;
	}
	skel = steer_bpf__open_and_load();
	floor_fd = pass_prog();
	if (!skel || floor_fd < 0 || fill_maps(skel)) {
		fprintf(stderr, "bench_steer: cannot load or fill steer.bpf.o: %s\n",
			strerror(errno));
		goto out;
	}
	fd = bpf_program__fd(skel->progs.hl_steer);

	len = build_tcp_syn(frame, ADDR_CLIENT, ADDR_VIP, 0);
	ns = ns_per_pkt(floor_fd, frame, len, XDP_PASS);
	if (ns < 0)
		goto fail;
	printf("xdp_test_run_floor: %.1f ns/pkt\n", ns);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = cases[i].build(frame, cases[i].src, cases[i].dst, 0);
		ns = ns_per_pkt(fd, frame, len, cases[i].verdict);
		if (ns < 0)
			goto fail;
		printf("%s: %.1f ns/pkt\n", cases[i].name, ns);
	}
	len = build_arp_request(frame, ADDR_OTHER, ADDR_VIP);
	ns = ns_per_pkt(fd, frame, len, XDP_PASS);
	if (ns < 0)
		goto fail;
	printf("xdp_steer_arp_ours: %.1f ns/pkt\n", ns);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "bench_steer: test run failed: %s\n", strerror(errno));
out:
	if (floor_fd >= 0)
		close(floor_fd);
	steer_bpf__destroy(skel);
	return rc;
}
