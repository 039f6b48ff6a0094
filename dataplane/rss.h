/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A model of the NIC's receive-side scaling: which rx queue the NIC puts an
 * IPv4/TCP segment on. The NIC hashes the 4-tuple with Toeplitz and its key,
 * then indexes its indirection table with the hash's low bits. The kernel
 * driver owns both (ethtool -x IF); hl_rss_query reads them once at start,
 * and the per-flow lookups below are pure functions of that copy.
 *
 * What the model cannot see: ntuple filters and extra RSS contexts (ethtool
 * -N / -X context N) steer flows before this table does, and a later change
 * of the device's configuration is not noticed (query again).
 *
 * Addresses and ports are network byte order; hashes are host order.
 */
#ifndef HINTLB_RSS_H
#define HINTLB_RSS_H

#include <stddef.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_thash.h>

struct ethtool_rxfh;

/*
 * Longest key kept: i40e and ice use 52 bytes, most others 40. A longer
 * device key is kept truncated, which changes nothing for IPv4/TCP: its
 * 12-byte input reaches only the first 16 key bytes (IPv6/TCP the first 40).
 */
#define HL_RSS_KEY_MAX 52
/* Shortest key accepted: an IPv4/TCP hash reads 16 key bytes. */
#define HL_RSS_KEY_MIN 16
/*
 * Largest indirection table: ice PFs use 2048 entries (ICE_LUT_PF_SIZE),
 * i40e PFs 512, mlx5 256 and more with many channels, ixgbe, ENA and
 * virtio-net (QEMU) 128. A larger table is refused (-E2BIG).
 */
#define HL_RSS_TABLE_MAX 2048

/*
 * ethtool_rxfh.hfunc bits. The kernel's ETH_RSS_HASH_TOP/XOR/CRC32 live in its
 * internal include/linux/ethtool.h, not in the uapi header; userspace ethtool
 * learns the names from the ETH_SS_RSS_HASH_FUNCS string set, in bit order.
 */
#define HL_RSS_HFUNC_TOP   (1u << 0) /* Toeplitz */
#define HL_RSS_HFUNC_XOR   (1u << 1)
#define HL_RSS_HFUNC_CRC32 (1u << 2)

/* For hl_rss_from_ethtool: the driver does not report its hashed fields. */
#define HL_RSS_FIELDS_UNKNOWN UINT64_MAX

struct hl_rss {
	/*
	 * key as rte_convert_rss_key() leaves it, zero-padded: what rte_softrss_be
	 * reads, as aligned 32-bit words, converted once here instead of per hash.
	 */
	uint32_t key_conv[HL_RSS_KEY_MAX / 4];
	uint8_t key[HL_RSS_KEY_MAX]; /* as the device reports it; zero past key_len */
	uint8_t key_len;             /* bytes of the device key held (at most HL_RSS_KEY_MAX) */
	uint16_t n_table;            /* a power of two, 1..HL_RSS_TABLE_MAX */
	uint16_t table[HL_RSS_TABLE_MAX]; /* NIC rx queue per indirection entry */
};

/*
 * Read @p ifname's RSS hash key and indirection table (context 0) through
 * the SIOCETHTOOL ioctl: ETHTOOL_GRSSH, first with sizes 0 to learn them,
 * then ETHTOOL_GRXFH for the fields hashed on TCP/IPv4. Setup time only.
 * @return 0 with @p out filled, or -errno with @p err naming the interface
 *   and what was missing, @p out untouched:
 *   -ENODEV     no such interface;
 *   -EOPNOTSUPP the device has no RSS (veth, lo), or it reports no key or no
 *               indirection table (virtio-net without the RSS feature), or its
 *               hash function (hfunc) is not Toeplitz, or it transforms the
 *               input (symmetric-xor), or it hashes TCP/IPv4 on other fields
 *               than the 4-tuple, or its table size is not a power of two;
 *   -E2BIG      the table has more than HL_RSS_TABLE_MAX entries;
 *   -ERANGE     a table entry names a queue above 65535;
 *   other -errno from socket() or the ioctl (-EINVAL when the
 *   configuration changed between the two calls: query again).
 *   A driver that does not answer ETHTOOL_GRXFH is taken to hash the
 *   4-tuple, the usual default (ethtool -n IF rx-flow-hash tcp4).
 *   Neither veth nor lo has RSS: on them this is always -EOPNOTSUPP.
 */
int hl_rss_query(const char *ifname, struct hl_rss *out, char *err, size_t errlen);

/*
 * The checks hl_rss_query applies to the device's answer, apart so tests can
 * feed answers that no device here gives. @p rx is a full ETHTOOL_GRSSH reply
 * (header, indir_size u32 entries, key_size key bytes); @p tcp4_fields is the
 * ETHTOOL_GRXFH TCP_V4_FLOW answer, or HL_RSS_FIELDS_UNKNOWN.
 * @return as hl_rss_query, without -ENODEV and the ioctl's own errors.
 */
int hl_rss_from_ethtool(const char *ifname, const struct ethtool_rxfh *rx, uint64_t tcp4_fields,
			struct hl_rss *out, char *err, size_t errlen);

/*
 * Fill @p r with @p key (@p key_len bytes, HL_RSS_KEY_MIN..HL_RSS_KEY_MAX)
 * and a table of @p n_table entries (a power of two up to HL_RSS_TABLE_MAX)
 * filled round robin over queues 0..@p n_queues-1, as Linux's default
 * (ethtool_rxfh_indir_default: entry i -> queue i % n). For tests, and for
 * devices whose configuration we set ourselves.
 * @return 0, or -EINVAL (@p r untouched) for a size out of those bounds or
 *   @p n_queues not in 1..65536.
 */
int hl_rss_init(struct hl_rss *r, const uint8_t *key, unsigned key_len, unsigned n_table,
		unsigned n_queues);

/*
 * The Toeplitz hash the NIC computes for an IPv4 TCP segment from
 * @p saddr:@p sport to @p daddr:@p dport, input in the order of Microsoft's
 * RSS spec: source address, destination address, source port, destination
 * port. For the replies to a connection we open, the peer is the source.
 * DPDK's rte_softrss_be over the converted key.
 */
static inline uint32_t hl_rss_hash_ipv4_tcp(const struct hl_rss *r, uint32_t saddr, uint32_t daddr,
					    uint16_t sport, uint16_t dport)
{
	struct rte_ipv4_tuple t = {
		.src_addr = rte_be_to_cpu_32(saddr),
		.dst_addr = rte_be_to_cpu_32(daddr),
		.sport = rte_be_to_cpu_16(sport),
		.dport = rte_be_to_cpu_16(dport),
	};

	return rte_softrss_be((uint32_t *)&t, RTE_THASH_V4_L4_LEN, (const uint8_t *)r->key_conv);
}

/* The rx queue the NIC picks for @p hash: the table entry its low bits index. */
static inline uint16_t hl_rss_queue(const struct hl_rss *r, uint32_t hash)
{
	return r->table[hash & (r->n_table - 1u)];
}

#endif /* HINTLB_RSS_H */
