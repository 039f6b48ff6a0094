/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Internet checksum (RFC 1071) in software, for ports that offer no
 * offload (net_memif, net_af_xdp): every IPv4 header and TCP segment in and
 * out is summed here.
 *
 * DPDK 22.11's rte_raw_cksum adds one 16-bit word per step. RFC 1071 allows
 * any word size as long as the carries are folded back in the end: this sums
 * 32-bit words into a 64-bit accumulator (no carry handling in the loop; a
 * 64-bit sum of 32-bit words cannot overflow below 2^32 words), four per
 * step (with SSE2, eight 32-bit words into 64-bit vector lanes), and folds at the end. Words are
 * read in host order like rte_raw_cksum's, so results are in the same (network) byte order when
 * stored as they are; tests/unit/test_cksum.c checks both agree on every
 * length and alignment. (bench_proxy_inproc under callgrind: the checksums
 * were 14 % of the instructions per proxied request with rte_raw_cksum.)
 */
#ifndef HINTLB_CKSUM_H
#define HINTLB_CKSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* @p sum plus the ones'-complement words of [@p buf, +@p len), unfolded. */
static inline uint64_t hl_cksum_add(const void *buf, size_t len, uint64_t sum)
{
	const uint8_t *p = buf;
	uint32_t w[4];
	uint16_t h;

#if defined(__SSE2__)
	/* 32 bytes a step: each 32-bit word zero-extended into one of four 64-bit lanes */
	if (len >= 32) {
		const __m128i zero = _mm_setzero_si128();
		__m128i a = zero, b = zero;
		uint64_t lane[2];

		for (; len >= 32; p += 32, len -= 32) {
			__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
			__m128i y = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));

			a = _mm_add_epi64(a, _mm_unpacklo_epi32(x, zero));
			b = _mm_add_epi64(b, _mm_unpackhi_epi32(x, zero));
			a = _mm_add_epi64(a, _mm_unpacklo_epi32(y, zero));
			b = _mm_add_epi64(b, _mm_unpackhi_epi32(y, zero));
		}
		_mm_storeu_si128((__m128i *)(void *)lane, _mm_add_epi64(a, b));
		sum += lane[0] + lane[1];
	}
#endif
	for (; len >= 16; p += 16, len -= 16) {
		memcpy(w, p, 16);
		sum += (uint64_t)w[0] + w[1] + w[2] + w[3];
	}
	for (; len >= 4; p += 4, len -= 4) {
		memcpy(w, p, 4);
		sum += w[0];
	}
	if (len >= 2) {
		memcpy(&h, p, 2);
		sum += h;
		p += 2;
		len -= 2;
	}
	if (len != 0) { /* an odd byte is the high-order byte of a word padded with 0 */
		h = 0;
		memcpy(&h, p, 1);
		sum += h;
	}
	return sum;
}

/* @p sum folded to 16 bits (not complemented). */
static inline uint16_t hl_cksum_fold(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)sum;
}

/* The header checksum field's value for @p ip (as rte_ipv4_cksum: 0 over a
 * header that holds a valid one). */
static inline uint16_t hl_ipv4_hdr_cksum(const struct rte_ipv4_hdr *ip)
{
	return (uint16_t)~hl_cksum_fold(hl_cksum_add(ip, rte_ipv4_hdr_len(ip), 0));
}

/* The IPv4 pseudo-header's words of an @p l4len byte segment of @p ip. */
static inline uint64_t hl_ipv4_phdr_sum(const struct rte_ipv4_hdr *ip, uint32_t l4len)
{
	return (uint64_t)ip->src_addr + ip->dst_addr +
	       rte_cpu_to_be_16((uint16_t)ip->next_proto_id) + rte_cpu_to_be_16((uint16_t)l4len);
}

/* The TCP checksum field's value for the @p l4len bytes at @p l4 (whose own
 * field is 0) in @p ip (as rte_ipv4_udptcp_cksum). */
static inline uint16_t hl_ipv4_l4_cksum(const struct rte_ipv4_hdr *ip, const void *l4,
					uint32_t l4len)
{
	return (uint16_t)~hl_cksum_fold(hl_cksum_add(l4, l4len, hl_ipv4_phdr_sum(ip, l4len)));
}

/* Does the segment [@p l4, +@p l4len) of @p ip carry a valid checksum? */
static inline bool hl_ipv4_l4_cksum_ok(const struct rte_ipv4_hdr *ip, const void *l4,
				       uint32_t l4len)
{
	return hl_cksum_fold(hl_cksum_add(l4, l4len, hl_ipv4_phdr_sum(ip, l4len))) == 0xffff;
}

#endif
