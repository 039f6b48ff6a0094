/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading the NIC's RSS configuration (key, indirection table, hash
 * function, hashed fields) through the ethtool ioctl, and refusing every
 * configuration the model in rss.h would predict wrongly. Setup time only.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "rss.h"

/*
 * Linux 6.8 named the first reserved byte of struct ethtool_rxfh input_xfrm
 * (symmetric-xor RSS) and copies it back on ETHTOOL_GRSSH; older uapi headers
 * (Debian 12 ships 6.1's) still call that byte rsvd8[0].
 */
#ifdef RXH_XFRM_SYM_XOR
#define RXFH_INPUT_XFRM(rx) ((rx)->input_xfrm)
#else
#define RXFH_INPUT_XFRM(rx) ((rx)->rsvd8[0])
#endif

/* What the model hashes for TCP/IPv4: addresses and ports, nothing else. */
#define TCP4_FIELDS (RXH_IP_SRC | RXH_IP_DST | RXH_L4_B_0_1 | RXH_L4_B_2_3)

static bool is_pow2(unsigned n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

static const char *hfunc_name(unsigned hfunc)
{
	switch (hfunc) {
	case HL_RSS_HFUNC_XOR:
		return "xor";
	case HL_RSS_HFUNC_CRC32:
		return "crc32";
	default:
		return "unknown";
	}
}

/* Keep up to HL_RSS_KEY_MAX bytes of @p key, zero-padded, and its converted form. */
static void set_key(struct hl_rss *r, const uint8_t *key, unsigned len)
{
	if (len > HL_RSS_KEY_MAX)
		len = HL_RSS_KEY_MAX;
	memset(r->key, 0, sizeof(r->key));
	memcpy(r->key, key, len);
	r->key_len = (uint8_t)len;
	/* r->key is 4-aligned: it follows key_conv. */
	rte_convert_rss_key((const uint32_t *)r->key, r->key_conv, HL_RSS_KEY_MAX);
}

/*
 * The checks that need only the reply's header: is there a Toeplitz hash
 * over an untransformed input, with a key and a table we can hold?
 */
static int check_header(const char *ifname, const struct ethtool_rxfh *rx, char *err, size_t errlen)
{
	if (rx->indir_size == 0 || rx->key_size == 0) {
		snprintf(err, errlen,
			 "interface %s: the driver reports no RSS %s%s%s, so the rx queue of a "
			 "flow cannot be predicted",
			 ifname, rx->indir_size == 0 ? "indirection table" : "",
			 rx->indir_size == 0 && rx->key_size == 0 ? " and no " : "",
			 rx->key_size == 0 ? "hash key" : "");
		return -EOPNOTSUPP;
	}
	if (rx->hfunc != HL_RSS_HFUNC_TOP) {
		if (rx->hfunc == 0)
			snprintf(err, errlen,
				 "interface %s: the driver does not say which RSS hash function "
				 "it uses (hfunc 0); only Toeplitz can be predicted",
				 ifname);
		else
			snprintf(err, errlen,
				 "interface %s: the RSS hash function is %s (hfunc 0x%x), not "
				 "Toeplitz (ethtool -X %s hfunc toeplitz)",
				 ifname, hfunc_name(rx->hfunc), rx->hfunc, ifname);
		return -EOPNOTSUPP;
	}
	if (RXFH_INPUT_XFRM(rx) != 0) {
		snprintf(err, errlen,
			 "interface %s: RSS transforms the hash input (input_xfrm 0x%x, "
			 "symmetric-xor); only plain Toeplitz can be predicted (ethtool -X %s "
			 "xfrm none)",
			 ifname, RXFH_INPUT_XFRM(rx), ifname);
		return -EOPNOTSUPP;
	}
	if (rx->key_size < HL_RSS_KEY_MIN) {
		snprintf(err, errlen,
			 "interface %s: the RSS key has %u bytes; an IPv4/TCP Toeplitz hash "
			 "needs %u",
			 ifname, rx->key_size, HL_RSS_KEY_MIN);
		return -EOPNOTSUPP;
	}
	if (rx->indir_size > HL_RSS_TABLE_MAX) {
		snprintf(err, errlen,
			 "interface %s: the RSS indirection table has %u entries; hintlb holds "
			 "at most %u",
			 ifname, rx->indir_size, HL_RSS_TABLE_MAX);
		return -E2BIG;
	}
	if (!is_pow2(rx->indir_size)) {
		snprintf(err, errlen,
			 "interface %s: the RSS indirection table has %u entries, not a power "
			 "of two, so how the NIC indexes it is unknown",
			 ifname, rx->indir_size);
		return -EOPNOTSUPP;
	}
	return 0;
}

int hl_rss_from_ethtool(const char *ifname, const struct ethtool_rxfh *rx, uint64_t tcp4_fields,
			struct hl_rss *out, char *err, size_t errlen)
{
	int rc = check_header(ifname, rx, err, errlen);

	if (rc)
		return rc;
	if (tcp4_fields != HL_RSS_FIELDS_UNKNOWN && tcp4_fields != TCP4_FIELDS) {
		snprintf(err, errlen,
			 "interface %s: RSS hashes TCP/IPv4 on fields 0x%llx, not source and "
			 "destination address and port (ethtool -N %s rx-flow-hash tcp4 sdfn)",
			 ifname, (unsigned long long)tcp4_fields, ifname);
		return -EOPNOTSUPP;
	}
	for (unsigned i = 0; i < rx->indir_size; i++) {
		if (rx->rss_config[i] > UINT16_MAX) {
			snprintf(err, errlen,
				 "interface %s: RSS indirection entry %u names rx queue %u, above "
				 "%u",
				 ifname, i, rx->rss_config[i], UINT16_MAX);
			return -ERANGE;
		}
	}
	memset(out, 0, sizeof(*out));
	set_key(out, (const uint8_t *)&rx->rss_config[rx->indir_size], rx->key_size);
	out->n_table = (uint16_t)rx->indir_size;
	for (unsigned i = 0; i < rx->indir_size; i++)
		out->table[i] = (uint16_t)rx->rss_config[i];
	return 0;
}

/* One SIOCETHTOOL request. @return 0 or -errno. */
static int ethtool_ioctl(int fd, const char *ifname, void *data)
{
	struct ifreq ifr = {0};

	memcpy(ifr.ifr_name, ifname, strlen(ifname) + 1); /* checked < IFNAMSIZ */
	ifr.ifr_data = data;
	return ioctl(fd, SIOCETHTOOL, &ifr) == 0 ? 0 : -errno;
}

static void ioctl_error(const char *ifname, const char *what, int rc, char *err, size_t errlen)
{
	if (rc == -ENODEV)
		snprintf(err, errlen, "interface %s: no such interface", ifname);
	else if (rc == -EOPNOTSUPP)
		snprintf(err, errlen,
			 "interface %s: the driver has no RSS configuration to read (%s: %s), "
			 "so the rx queue of a flow cannot be predicted",
			 ifname, what, strerror(-rc));
	else
		snprintf(err, errlen, "interface %s: %s: %s", ifname, what, strerror(-rc));
}

int hl_rss_query(const char *ifname, struct hl_rss *out, char *err, size_t errlen)
{
	struct ethtool_rxfh sizes = {.cmd = ETHTOOL_GRSSH};
	struct ethtool_rxnfc fields = {.cmd = ETHTOOL_GRXFH, .flow_type = TCP_V4_FLOW};
	uint64_t tcp4_fields = HL_RSS_FIELDS_UNKNOWN;
	struct ethtool_rxfh *rx = NULL;
	int fd, rc;

	if (strlen(ifname) >= IFNAMSIZ) {
		snprintf(err, errlen,
			 "interface %s: no such interface (names are at most %d bytes)", ifname,
			 IFNAMSIZ - 1);
		return -ENODEV;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "interface %s: socket for SIOCETHTOOL: %s", ifname,
			 strerror(-rc));
		return rc;
	}
	/* Sizes 0: the kernel fills in the sizes and hfunc, copies no table. */
	rc = ethtool_ioctl(fd, ifname, &sizes);
	if (rc) {
		ioctl_error(ifname, "ETHTOOL_GRSSH", rc, err, errlen);
		goto out;
	}
	rc = check_header(ifname, &sizes, err, errlen);
	if (rc)
		goto out;
	rx = calloc(1, sizeof(*rx) + sizes.indir_size * sizeof(rx->rss_config[0]) + sizes.key_size);
	if (!rx) {
		rc = -ENOMEM;
		snprintf(err, errlen, "interface %s: no memory for the RSS table", ifname);
		goto out;
	}
	rx->cmd = ETHTOOL_GRSSH;
	rx->indir_size = sizes.indir_size;
	rx->key_size = sizes.key_size;
	rc = ethtool_ioctl(fd, ifname, rx);
	if (rc) {
		ioctl_error(ifname, "ETHTOOL_GRSSH", rc, err, errlen);
		goto out;
	}
	rc = ethtool_ioctl(fd, ifname, &fields);
	if (rc == 0)
		tcp4_fields = fields.data;
	else if (rc != -EOPNOTSUPP) {
		ioctl_error(ifname, "ETHTOOL_GRXFH tcp4", rc, err, errlen);
		goto out;
	}
	rc = hl_rss_from_ethtool(ifname, rx, tcp4_fields, out, err, errlen);
out:
	free(rx);
	close(fd);
	return rc;
}

int hl_rss_init(struct hl_rss *r, const uint8_t *key, unsigned key_len, unsigned n_table,
		unsigned n_queues)
{
	if (key_len < HL_RSS_KEY_MIN || key_len > HL_RSS_KEY_MAX || !is_pow2(n_table) ||
	    n_table > HL_RSS_TABLE_MAX || n_queues == 0 || n_queues > UINT16_MAX + 1u)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	set_key(r, key, key_len);
	r->n_table = (uint16_t)n_table;
	for (unsigned i = 0; i < n_table; i++)
		r->table[i] = (uint16_t)(i % n_queues);
	return 0;
}
