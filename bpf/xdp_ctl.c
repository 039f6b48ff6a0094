/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Userspace side of the XDP stage (include/hintlb/xdp.h). DPDK 22.11's
 * net_af_xdp loads xdp_prog= with bpf_object__open_file(path, NULL) +
 * bpf_object__load() and attaches it with XDP_FLAGS_UPDATE_IF_NOEXIST; it pins
 * nothing and keeps the bpf_object to itself. So the maps are found from the
 * interface: attached program id -> program info -> map ids -> maps by name,
 * and pinned here. BTF `pinning` attributes cannot do it: with NULL open
 * options libbpf pins by name in /sys/fs/bpf itself, not under hintlb/.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "hintlb/xdp.h"

#define BPFFS_DIR "/sys/fs/bpf"

_Static_assert((int)HL_XDP_V_ABORTED == (int)XDP_ABORTED && (int)HL_XDP_V_DROP == (int)XDP_DROP &&
		       (int)HL_XDP_V_PASS == (int)XDP_PASS && (int)HL_XDP_V_TX == (int)XDP_TX &&
		       (int)HL_XDP_V_REDIRECT == (int)XDP_REDIRECT,
	       "verdicts are XDP actions");
_Static_assert(HL_XDP_REASON_MAX <= HL_XDP_REASON_SLOTS, "hl_counters has a row per reason");

/* The maps this library uses, in handle order; pinned ones first. */
enum { M_COUNTERS, M_ADDRS, M_DENY, M_PINNED, M_XSKS = M_PINNED, M_N };

static const struct map_spec {
	const char *name;
	__u32 type, key_size, value_size, max_entries;
} map_specs[M_N] = {
	[M_COUNTERS] = {HL_XDP_MAP_COUNTERS, BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32),
			sizeof(struct hl_xdp_count), HL_XDP_COUNTERS_MAX},
	[M_ADDRS] = {HL_XDP_MAP_ADDRS, BPF_MAP_TYPE_ARRAY, sizeof(__u32),
		     sizeof(struct hl_xdp_addr_bucket), HL_XDP_ADDR_BUCKETS},
	[M_DENY] = {HL_XDP_MAP_DENY, BPF_MAP_TYPE_LPM_TRIE, sizeof(struct hl_xdp_deny_key),
		    sizeof(__u32), HL_XDP_DENY_MAX},
	[M_XSKS] = {HL_XDP_MAP_XSKS, BPF_MAP_TYPE_XSKMAP, sizeof(__u32), sizeof(__u32),
		    HL_XDP_XSKS_MAX},
};

struct hl_xdp {
	char ifname[IF_NAMESIZE];
	char dir[sizeof(HL_XDP_PIN_ROOT) + IF_NAMESIZE]; /* HL_XDP_PIN_ROOT/<ifname> */
	int fd[M_N];
	__u32 id[M_N];
	int ncpus;
	struct hl_xdp_count *percpu; /* ncpus cells, for hl_xdp_read_counters() */
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int resolve_ifindex(const char *ifname, char *err, size_t errlen)
{
	unsigned int ifindex;

	if (!ifname || !*ifname || strlen(ifname) >= IF_NAMESIZE) {
		set_err(err, errlen, "interface name '%s' is not valid", ifname ? ifname : "");
		return -EINVAL;
	}
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		set_err(err, errlen, "%s: no such interface", ifname);
		return -ENODEV;
	}
	return (int)ifindex;
}

/* The XDP program ids attached to ifindex: driver, generic, offloaded. */
static int attached_ids(int ifindex, __u32 ids[3])
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int rc = bpf_xdp_query(ifindex, 0, &q);

	if (rc)
		return rc;
	ids[0] = q.drv_prog_id;
	ids[1] = q.skb_prog_id;
	ids[2] = q.hw_prog_id;
	return 0;
}

/* The ifindex of @ifname and the ids of the XDP programs attached to it
 * (driver, generic, offload; 0 = none). -errno with @err filled. */
static int query_ifname(const char *ifname, __u32 ids[3], char *err, size_t errlen)
{
	int ifindex = resolve_ifindex(ifname, err, errlen);
	int rc;

	if (ifindex < 0)
		return ifindex;
	rc = attached_ids(ifindex, ids);
	if (rc) {
		set_err(err, errlen, "%s: query XDP program: %s", ifname, strerror(-rc));
		return rc;
	}
	return ifindex;
}

/* An fd for program id if its name is HL_XDP_PROG_NAME; -EINVAL if another
 * program; info gets its info (map ids not requested). */
static int open_our_prog(__u32 id, struct bpf_prog_info *info)
{
	__u32 len = sizeof(*info);
	int fd = bpf_prog_get_fd_by_id(id);
	int rc;

	if (fd < 0)
		return fd;
	memset(info, 0, sizeof(*info));
	rc = bpf_obj_get_info_by_fd(fd, info, &len);
	if (rc == 0 && strcmp(info->name, HL_XDP_PROG_NAME) != 0)
		rc = -EINVAL;
	if (rc) {
		close(fd);
		return rc;
	}
	return fd;
}

static int map_info(int fd, struct bpf_map_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len);
}

/* Fill x->fd/x->id with the program's maps, matched by name and checked
 * against map_specs (a stale steer.bpf.o fails here, not later). */
static int find_maps(struct hl_xdp *x, int prog_fd, __u32 nr_maps, char *err, size_t errlen)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	__u32 *ids;
	int rc = 0;

	ids = calloc(nr_maps ? nr_maps : 1, sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = nr_maps;
	info.map_ids = (__u64)(unsigned long)ids;
	rc = bpf_obj_get_info_by_fd(prog_fd, &info, &len);
	if (rc) {
		set_err(err, errlen, "%s: program info: %s", x->ifname, strerror(-rc));
		goto out;
	}
	for (__u32 i = 0; i < info.nr_map_ids && i < nr_maps; i++) {
		struct bpf_map_info mi;
		int fd = bpf_map_get_fd_by_id(ids[i]);

		rc = fd < 0 ? fd : map_info(fd, &mi);
		if (rc) {
			set_err(err, errlen, "%s: map id %u: %s", x->ifname, ids[i], strerror(-rc));
			if (fd >= 0)
				close(fd);
			goto out;
		}
		for (int m = 0; m < M_N; m++) {
			const struct map_spec *s = &map_specs[m];

			if (strcmp(mi.name, s->name) != 0 || x->fd[m] >= 0)
				continue;
			if (mi.type != s->type || mi.key_size != s->key_size ||
			    mi.value_size != s->value_size || mi.max_entries != s->max_entries) {
				set_err(err, errlen,
					"%s: map %s does not match hintlb/xdp_abi.h "
					"(stale steer.bpf.o?)",
					x->ifname, s->name);
				close(fd);
				rc = -EPROTO;
				goto out;
			}
			x->fd[m] = fd;
			x->id[m] = mi.id;
			fd = -1;
			break;
		}
		if (fd >= 0)
			close(fd);
	}
	for (int m = 0; m < M_N; m++) {
		if (x->fd[m] < 0) {
			set_err(err, errlen, "%s: program %s has no map %s", x->ifname,
				HL_XDP_PROG_NAME, map_specs[m].name);
			rc = -EPROTO;
			goto out;
		}
	}
out:
	free(ids);
	return rc;
}

static int ensure_bpffs(char *err, size_t errlen)
{
	struct statfs st;

	if (statfs(BPFFS_DIR, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mkdir(BPFFS_DIR, 0755) && errno != EEXIST)
		goto fail;
	if (mount("bpf", BPFFS_DIR, "bpf", 0, "mode=0700"))
		goto fail;
	return 0;
fail:
	set_err(err, errlen, "mount bpffs at " BPFFS_DIR ": %s", strerror(errno));
	return -errno;
}

static int make_dir(const char *path, char *err, size_t errlen)
{
	if (mkdir(path, 0700) == 0 || errno == EEXIST)
		return 0;
	set_err(err, errlen, "mkdir %s: %s", path, strerror(errno));
	return -errno;
}

/* Id of the map pinned at path; -ENOENT when nothing is pinned there. */
static int pinned_id(const char *path, __u32 *id)
{
	struct bpf_map_info mi;
	int fd = bpf_obj_get(path);
	int rc;

	if (fd < 0)
		return fd;
	rc = map_info(fd, &mi);
	close(fd);
	if (rc)
		return rc;
	*id = mi.id;
	return 0;
}

/* Pin map m at dir/name: keep a pin of this very map, replace anything else
 * (a pin from an earlier run, whose map the current program does not use). */
static int pin_map(struct hl_xdp *x, int m, char *err, size_t errlen)
{
	char path[sizeof(x->dir) + BPF_OBJ_NAME_LEN + 1];
	int rc = 0;

	snprintf(path, sizeof(path), "%s/%s", x->dir, map_specs[m].name);
	for (int attempt = 0; attempt < 2; attempt++) {
		__u32 id = 0;

		if (pinned_id(path, &id) == 0 && id == x->id[m])
			return 0;
		if (unlink(path) && errno != ENOENT) {
			rc = -errno;
			break;
		}
		rc = bpf_obj_pin(x->fd[m], path);
		if (rc != -EEXIST) /* EEXIST: another opener raced us; look again */
			break;
	}
	if (rc)
		set_err(err, errlen, "pin %s: %s", path, strerror(-rc));
	return rc;
}

int hl_xdp_open(const char *ifname, struct hl_xdp **out, char *err, size_t errlen)
{
	struct bpf_prog_info info;
	struct hl_xdp *x = NULL;
	int ifindex, prog_fd = -1, rc;
	__u32 ids[3], prog_id = 0;

	*out = NULL;
	ifindex = query_ifname(ifname, ids, err, errlen);
	if (ifindex < 0)
		return ifindex;
	for (int i = 0; i < 3 && !prog_id; i++)
		prog_id = ids[i];
	if (!prog_id) {
		set_err(err, errlen, "%s: no XDP program attached", ifname);
		return -ENOENT;
	}
	prog_fd = open_our_prog(prog_id, &info);
	if (prog_fd < 0) {
		rc = prog_fd;
		if (rc == -EINVAL)
			set_err(err, errlen, "%s: XDP program '%s' (id %u) is not %s", ifname,
				info.name, prog_id, HL_XDP_PROG_NAME);
		else
			set_err(err, errlen, "%s: XDP program id %u: %s", ifname, prog_id,
				strerror(-rc));
		return rc;
	}

	rc = -ENOMEM;
	x = calloc(1, sizeof(*x));
	if (!x)
		goto fail;
	for (int m = 0; m < M_N; m++)
		x->fd[m] = -1;
	snprintf(x->ifname, sizeof(x->ifname), "%s", ifname);
	snprintf(x->dir, sizeof(x->dir), "%s/%s", HL_XDP_PIN_ROOT, ifname);
	x->ncpus = libbpf_num_possible_cpus();
	if (x->ncpus <= 0) {
		rc = x->ncpus ? x->ncpus : -EINVAL;
		set_err(err, errlen, "cannot count possible CPUs: %s", strerror(-rc));
		goto fail;
	}
	x->percpu = calloc((size_t)x->ncpus, sizeof(*x->percpu));
	if (!x->percpu)
		goto fail;

	rc = find_maps(x, prog_fd, info.nr_map_ids, err, errlen);
	if (rc)
		goto fail;
	rc = ensure_bpffs(err, errlen);
	if (rc)
		goto fail;
	rc = make_dir(HL_XDP_PIN_ROOT, err, errlen);
	if (rc)
		goto fail;
	rc = make_dir(x->dir, err, errlen);
	if (rc)
		goto fail;
	for (int m = 0; m < M_PINNED; m++) {
		rc = pin_map(x, m, err, errlen);
		if (rc)
			goto fail;
	}
	close(prog_fd);
	*out = x;
	return 0;

fail:
	if (rc == -ENOMEM)
		set_err(err, errlen, "out of memory");
	hl_xdp_close(x, false);
	close(prog_fd);
	return rc;
}

/* Read-modify-write of addr's bucket (one writer per interface). The kernel
 * copies the new bucket over the old in place: a packet racing the copy may
 * see the changing way half-written and be classified as if that address were
 * absent. Other ways do not change. */
static int update_addr(struct hl_xdp *x, uint32_t addr, bool add)
{
	struct hl_xdp_addr_bucket b;
	__u32 key = hl_xdp_addr_bucket_of(addr);
	int rc;

	if (!addr)
		return add ? -EINVAL : -ENOENT;
	rc = bpf_map_lookup_elem(x->fd[M_ADDRS], &key, &b);
	if (rc)
		return rc;
	if (add ? hl_xdp_bucket_add(&b, addr) : hl_xdp_bucket_del(&b, addr))
		return add ? -ENOSPC : -ENOENT;
	return bpf_map_update_elem(x->fd[M_ADDRS], &key, &b, BPF_ANY);
}

int hl_xdp_add_addr(struct hl_xdp *x, uint32_t ipv4_be)
{
	return update_addr(x, ipv4_be, true);
}

int hl_xdp_del_addr(struct hl_xdp *x, uint32_t ipv4_be)
{
	return update_addr(x, ipv4_be, false);
}

static int deny_key(struct hl_xdp_deny_key *k, uint32_t prefix_be, uint8_t prefix_len)
{
	uint32_t mask;

	if (prefix_len > 32)
		return -EINVAL;
	mask = prefix_len ? htonl(~0u << (32 - prefix_len)) : 0;
	k->prefixlen = prefix_len;
	k->addr = prefix_be & mask;
	return 0;
}

int hl_xdp_deny_add(struct hl_xdp *x, uint32_t prefix_be, uint8_t prefix_len)
{
	struct hl_xdp_deny_key k;
	__u32 one = 1;
	int rc = deny_key(&k, prefix_be, prefix_len);

	return rc ? rc : bpf_map_update_elem(x->fd[M_DENY], &k, &one, BPF_ANY);
}

int hl_xdp_deny_del(struct hl_xdp *x, uint32_t prefix_be, uint8_t prefix_len)
{
	struct hl_xdp_deny_key k;
	int rc = deny_key(&k, prefix_be, prefix_len);

	return rc ? rc : bpf_map_delete_elem(x->fd[M_DENY], &k);
}

int hl_xdp_read_counters(struct hl_xdp *x, struct hl_xdp_counters *out)
{
	memset(out, 0, sizeof(*out));
	for (__u32 r = 0; r < HL_XDP_REASON_MAX; r++) {
		for (__u32 v = 0; v < HL_XDP_VERDICT_MAX; v++) {
			__u32 idx = hl_xdp_counter_idx(r, v);
			struct hl_xdp_count *sum = &out->by[r][v];
			int rc = bpf_map_lookup_elem(x->fd[M_COUNTERS], &idx, x->percpu);

			if (rc) {
				memset(out, 0, sizeof(*out));
				return rc;
			}
			for (int c = 0; c < x->ncpus; c++) {
				sum->packets += x->percpu[c].packets;
				sum->bytes += x->percpu[c].bytes;
			}
		}
	}
	return 0;
}

void hl_xdp_close(struct hl_xdp *x, bool unpin)
{
	if (!x)
		return;
	for (int m = 0; m < M_N; m++) {
		if (unpin && m < M_PINNED && x->fd[m] >= 0) {
			char path[sizeof(x->dir) + BPF_OBJ_NAME_LEN + 1];
			__u32 id;

			snprintf(path, sizeof(path), "%s/%s", x->dir, map_specs[m].name);
			if (pinned_id(path, &id) == 0 && id == x->id[m])
				unlink(path);
		}
		if (x->fd[m] >= 0)
			close(x->fd[m]);
	}
	if (unpin) {
		rmdir(x->dir); /* fails while other pins remain: fine */
		rmdir(HL_XDP_PIN_ROOT);
	}
	free(x->percpu);
	free(x);
}

int hl_xdp_detach_stale(const char *ifname, char *err, size_t errlen)
{
	static const __u32 mode[3] = {XDP_FLAGS_DRV_MODE, XDP_FLAGS_SKB_MODE, XDP_FLAGS_HW_MODE};
	int ifindex, rc, detached = 0;
	__u32 ids[3];

	ifindex = query_ifname(ifname, ids, err, errlen);
	if (ifindex < 0)
		return ifindex;
	for (int i = 0; i < 3; i++) {
		struct bpf_prog_info info;
		int fd;

		if (!ids[i])
			continue;
		fd = open_our_prog(ids[i], &info);
		if (fd == -EINVAL || fd == -ENOENT) /* not ours, or just went away */
			continue;
		if (fd < 0) {
			set_err(err, errlen, "%s: XDP program id %u: %s", ifname, ids[i],
				strerror(-fd));
			return fd;
		}
		/* old_prog_fd: detach only if it is still this program. */
		LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = fd);
		rc = bpf_xdp_detach(ifindex, mode[i], &o);
		close(fd);
		if (rc) {
			set_err(err, errlen, "%s: detach %s (id %u): %s", ifname, HL_XDP_PROG_NAME,
				ids[i], strerror(-rc));
			return rc;
		}
		detached = 1;
	}
	return detached;
}
