/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CRC32-C of a byte range (the SSE4.2 instruction through DPDK's
 * rte_hash_crc_*byte), the same value as rte_hash_crc() for the same bytes.
 * rte_hash_crc() itself reads its input through uint64_t/uint32_t pointer
 * casts: undefined for a 4-byte-aligned struct or bytes inside an mbuf
 * (UBSan's alignment check aborts), and with link-time optimisation GCC may
 * reorder those reads before the stores that wrote the bytes (strict
 * aliasing: a 12-byte key on the stack hashed to garbage). Here every word
 * is loaded with memcpy, which is neither.
 */
#ifndef HINTLB_CRC32C_H
#define HINTLB_CRC32C_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_hash_crc.h>

static inline uint32_t hl_crc32c(const void *data, size_t len, uint32_t init)
{
	const uint8_t *p = data;
	uint64_t w8;
	uint32_t w4;
	uint16_t w2;

	for (; len >= 8; len -= 8, p += 8) {
		memcpy(&w8, p, 8);
		init = rte_hash_crc_8byte(w8, init);
	}
	if (len >= 4) {
		memcpy(&w4, p, 4);
		init = rte_hash_crc_4byte(w4, init);
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&w2, p, 2);
		init = rte_hash_crc_2byte(w2, init);
		p += 2;
		len -= 2;
	}
	if (len != 0)
		init = rte_hash_crc_1byte(*p, init);
	return init;
}

#endif /* HINTLB_CRC32C_H */
