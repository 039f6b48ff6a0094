/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * netem_ctl: loads bpf/netem.bpf.o for the loss and reordering tests
 * (tests/integration/lib.sh hl_netem_up), test-only.
 *
 *   netem_ctl load OBJ PINDIR QSIZE
 *
 * checks that the kernel has what the injector needs, loads the object, pins
 * its programs under PINDIR/progs and its maps under PINDIR/maps, and gives
 * every online CPU (below the map's size) a netem_cpus entry of QSIZE frames
 * whose program is netem_cpumap. bpftool cannot do the last step (it puts
 * program fds only into program arrays), hence this tool.
 *
 * Whatever the kernel lacks is said in one line first ("netem: ..."), with
 * the verifier's last line when it refused a program, so a test on a kernel
 * without a feature fails with that line rather than a verifier dump alone.
 * Exit status: 0, 1 (the kernel lacks something or a step failed), 2 (usage).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "hintlb/xdp.h"

#define NETEM_MAX_CPUS 64 /* bpf/netem.bpf.c */

/* What netem.bpf.c needs from the kernel, each checked on its own. @return 0 or 1. */
static int check_kernel(void)
{
	static const struct {
		enum bpf_map_type type;
		const char *name, *since;
	} maps[] = {
		{BPF_MAP_TYPE_PERCPU_ARRAY, "BPF_MAP_TYPE_PERCPU_ARRAY", "4.6"},
		{BPF_MAP_TYPE_CPUMAP, "BPF_MAP_TYPE_CPUMAP", "4.15"},
	};
	static const struct {
		enum bpf_prog_type prog;
		enum bpf_func_id helper;
		const char *name, *since;
	} helpers[] = {
		{BPF_PROG_TYPE_XDP, BPF_FUNC_redirect_map, "bpf_redirect_map in XDP", "4.14"},
		{BPF_PROG_TYPE_XDP, BPF_FUNC_get_smp_processor_id,
		 "bpf_get_smp_processor_id in XDP", "4.8"},
		{BPF_PROG_TYPE_XDP, BPF_FUNC_get_prandom_u32, "bpf_get_prandom_u32 in XDP", "4.8"},
		{BPF_PROG_TYPE_SCHED_CLS, BPF_FUNC_skb_pull_data, "bpf_skb_pull_data in tc", "4.9"},
	};
	int bad = 0;

	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		if (libbpf_probe_bpf_map_type(maps[i].type, NULL) != 1) {
			fprintf(stderr, "netem: the kernel has no %s (Linux >= %s)\n", maps[i].name,
				maps[i].since);
			bad = 1;
		}
	for (size_t i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++)
		if (libbpf_probe_bpf_helper(helpers[i].prog, helpers[i].helper, NULL) != 1) {
			fprintf(stderr, "netem: the kernel refuses %s (Linux >= %s)\n",
				helpers[i].name, helpers[i].since);
			bad = 1;
		}
	return bad;
}

static int pin_all(struct bpf_object *obj, const char *dir)
{
	char path[4096];
	struct bpf_program *prog;
	int rc;

	snprintf(path, sizeof(path), "%s/maps", dir);
	rc = bpf_object__pin_maps(obj, path);
	if (rc != 0) {
		fprintf(stderr, "netem: pin maps under %s: %s\n", path, strerror(-rc));
		return 1;
	}
	bpf_object__for_each_program(prog, obj)
	{
		snprintf(path, sizeof(path), "%s/progs/%s", dir, bpf_program__name(prog));
		rc = bpf_program__pin(prog, path);
		if (rc != 0) {
			fprintf(stderr, "netem: pin %s: %s\n", path, strerror(-rc));
			return 1;
		}
	}
	return 0;
}

/* The online CPUs below NETEM_MAX_CPUS ("0-1,3" in sysfs) into @p online. @return 0 or -1. */
static int read_online(bool online[NETEM_MAX_CPUS])
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");
	char buf[1024], *p, *end;
	int rc = -1;

	memset(online, 0, NETEM_MAX_CPUS * sizeof(online[0]));
	if (f == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), f) == NULL)
		goto out;
	for (p = buf; *p != '\0' && *p != '\n'; p = end + (*end == ',')) {
		unsigned long lo = strtoul(p, &end, 10), hi = lo;

		if (end == p)
			goto out;
		if (*end == '-')
			hi = strtoul(end + 1, &end, 10);
		for (unsigned long c = lo; c <= hi && c < NETEM_MAX_CPUS; c++)
			online[c] = true;
	}
	rc = 0;
out:
	fclose(f);
	return rc;
}

/* One netem_cpus entry per online CPU, each with netem_cpumap. */
static int fill_cpus(struct bpf_object *obj, unsigned qsize)
{
	struct bpf_map *cpus = bpf_object__find_map_by_name(obj, "netem_cpus");
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, "netem_cpumap");
	bool online[NETEM_MAX_CPUS];
	int filled = 0;

	if (cpus == NULL || prog == NULL) {
		fprintf(stderr,
			"netem: the object has no netem_cpus map or netem_cpumap program\n");
		return 1;
	}
	if (read_online(online) != 0) {
		fprintf(stderr, "netem: cannot read /sys/devices/system/cpu/online\n");
		return 1;
	}
	for (int cpu = 0; cpu < NETEM_MAX_CPUS; cpu++) {
		struct bpf_cpumap_val val = {.qsize = qsize};
		__u32 key = (__u32)cpu;

		if (!online[cpu])
			continue;
		val.bpf_prog.fd = bpf_program__fd(prog);
		if (bpf_map_update_elem(bpf_map__fd(cpus), &key, &val, BPF_ANY) != 0) {
			int e = errno;

			if (e == EINVAL)
				fprintf(stderr,
					"netem: the kernel refuses a program on a cpumap entry "
					"(BPF_XDP_CPUMAP, Linux >= 5.9): %s\n",
					strerror(e));
			else
				fprintf(stderr, "netem: netem_cpus entry for CPU %d: %s\n", cpu,
					strerror(e));
			return 1;
		}
		filled++;
	}
	if (filled == 0) {
		fprintf(stderr, "netem: no online CPU below %d\n", NETEM_MAX_CPUS);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	unsigned long qsize;
	char why[256] = "";
	char *end;
	int rc;

	if (argc != 5 || strcmp(argv[1], "load") != 0) {
		fprintf(stderr, "usage: netem_ctl load OBJ PINDIR QSIZE\n");
		return 2;
	}
	qsize = strtoul(argv[4], &end, 10);
	if (*end != '\0' || qsize == 0 || qsize > 16384) {
		fprintf(stderr, "netem_ctl: QSIZE '%s' is not 1..16384\n", argv[4]);
		return 2;
	}
	if (check_kernel() != 0)
		return 1;
	obj = bpf_object__open_file(argv[2], NULL);
	if (obj == NULL) {
		fprintf(stderr, "netem: open %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	rc = hl_xdp_object_load(obj, why, sizeof(why));
	if (rc != 0) {
		const char *who = "?";

		bpf_object__for_each_program(prog, obj) if (bpf_program__fd(prog) < 0)
		{
			who = bpf_program__name(prog);
			break;
		}
		fprintf(stderr, "netem: the kernel refused %s's program %s: %s\n", argv[2], who,
			why);
		bpf_object__close(obj);
		return 1;
	}
	mkdir(argv[3], 0700);
	rc = pin_all(obj, argv[3]);
	if (rc == 0)
		rc = fill_cpus(obj, (unsigned)qsize);
	bpf_object__close(obj);
	return rc;
}
