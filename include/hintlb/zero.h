/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Zeroing of a small object on a hot path. GCC 12 zeroes anything past
 * about 128 bytes with `rep stos`, whose start-up costs some 30 cycles
 * whatever the size; a request cleared four such regions (its two parsers
 * and their messages). With a size known at compile time this is a few
 * 16-byte stores instead.
 */
#ifndef HINTLB_ZERO_H
#define HINTLB_ZERO_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/** Zero [@p p, +@p n). */
static inline __attribute__((always_inline)) void hl_zero(void *p, size_t n)
{
#if defined(__SSE2__)
	uint8_t *b = p;
	const __m128i z = _mm_setzero_si128();

	if (n < 16) {
		memset(p, 0, n);
		return;
	}
#pragma GCC unroll 16
	for (size_t i = 0; i + 16 <= n; i += 16)
		_mm_storeu_si128((__m128i *)(void *)(b + i), z);
	if (n % 16 != 0) /* the last 16 bytes again, overlapping */
		_mm_storeu_si128((__m128i *)(void *)(b + n - 16), z);
#else
	memset(p, 0, n);
#endif
}

#endif
