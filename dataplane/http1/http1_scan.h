/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Vector scans over a buffer s[0..n): the first byte from i on that is not of a class.
 *
 *  - hl_scan_value(): field values and reason phrases, i.e. HTAB, SP..~ and obs-text; the
 *    first other byte is a CTL (CR ends the value, the caller rejects the rest) or DEL.
 *    A range test: SSE2 (x86-64 baseline), AVX2 when the build targets it.
 *  - hl_scan_class(): token characters (field names, methods), request-target and Host
 *    characters: sets of bytes with holes, looked up by nibble (PSHUFB, SSSE3; AVX2 when the
 *    build targets it); a table loop otherwise (plain SSE2 builds, other machines).
 *
 * A scan that comes within 16 bytes of n finishes with one load ending at n that overlaps
 * bytes already seen (masked off), so a short tail is not read a byte at a time; s[0..n)
 * must be readable, which is all that is ever read. HL_HTTP1_SCALAR forces the table loops,
 * to test them on x86.
 */
#ifndef HL_HTTP1_SCAN_H
#define HL_HTTP1_SCAN_H

#include "http1_priv.h"

#if defined(HL_HTTP1_SCALAR)
#undef HL_SCAN_SSE2
#elif defined(__SSE2__)
#define HL_SCAN_SSE2 1
#include <immintrin.h>
#if defined(__SSSE3__)
#define HL_SCAN_SSSE3 1
#endif
#if defined(__AVX2__)
#define HL_SCAN_AVX2 1
#endif
#endif

#if defined(HL_SCAN_SSE2)
/* Bit k set where v[k] may not appear in a field value. */
static inline uint32_t hl_value_bad16(__m128i v)
{
	__m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
	__m128i bad = _mm_or_si128(_mm_andnot_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(0x09)), ctl),
				   _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)));

	return (uint32_t)_mm_movemask_epi8(bad);
}
#endif

#if defined(HL_SCAN_AVX2)
/* Bit k set where v[k] may not appear in a field value. */
static inline uint32_t hl_value_bad32(__m256i v)
{
	__m256i ctl = _mm256_cmpeq_epi8(_mm256_min_epu8(v, _mm256_set1_epi8(0x1f)), v);
	__m256i bad = _mm256_or_si256(
		_mm256_andnot_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(0x09)), ctl),
		_mm256_cmpeq_epi8(v, _mm256_set1_epi8(0x7f)));

	return (uint32_t)_mm256_movemask_epi8(bad);
}
#endif

/* Index of the first byte in s[i..n) that may not appear in a field value, or n. */
static inline size_t hl_scan_value(const uint8_t *s, size_t i, size_t n)
{
#if defined(HL_SCAN_AVX2)
	for (; i + 32 <= n; i += 32) {
		uint32_t m = hl_value_bad32(_mm256_loadu_si256((const __m256i *)(s + i)));

		if (m)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
#if defined(HL_SCAN_SSE2)
	for (; i + 16 <= n; i += 16) {
		uint32_t m = hl_value_bad16(_mm_loadu_si128((const __m128i *)(s + i)));

		if (m)
			return i + (size_t)__builtin_ctz(m);
	}
	if (i < n && n >= 16) {
		uint32_t m = hl_value_bad16(_mm_loadu_si128((const __m128i *)(s + n - 16)));

		m >>= 16 - (n - i);
		return m ? i + (size_t)__builtin_ctz(m) : n;
	}
#endif
	while (i < n && hl_is(s[i], C_VALUE))
		i++;
	return i;
}

#if defined(HL_SCAN_SSSE3)
/* Bit k set where v[k] is not in the class of nibble table t. */
static inline uint32_t hl_class_miss16(__m128i v, __m128i t)
{
	const __m128i hibit = _mm_setr_epi8(1, 2, 4, 8, 16, 32, 64, -128, 0, 0, 0, 0, 0, 0, 0, 0);
	const __m128i k0f = _mm_set1_epi8(0x0f);
	__m128i lo = _mm_shuffle_epi8(t, _mm_and_si128(v, k0f));
	__m128i hi = _mm_shuffle_epi8(hibit, _mm_and_si128(_mm_srli_epi16(v, 4), k0f));

	return (uint32_t)_mm_movemask_epi8(
		_mm_cmpeq_epi8(_mm_and_si128(lo, hi), _mm_setzero_si128()));
}
#endif

/*
 * Index of the first byte in s[i..n) not of class cls, or n; nib is the HL_NIB_* table of the
 * same class (C_TCHAR, C_TARGET or C_HOST).
 */
static inline size_t hl_scan_class(const uint8_t *s, size_t i, size_t n, unsigned int nib,
				   uint8_t cls)
{
#if defined(HL_SCAN_SSSE3)
	const __m128i t = _mm_loadu_si128((const __m128i *)hl_http1_nib[nib]);

#if defined(HL_SCAN_AVX2)
	if (i + 32 <= n) {
		const __m256i hibit =
			_mm256_setr_epi8(1, 2, 4, 8, 16, 32, 64, -128, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2,
					 4, 8, 16, 32, 64, -128, 0, 0, 0, 0, 0, 0, 0, 0);
		const __m256i k0f = _mm256_set1_epi8(0x0f);
		const __m256i t2 = _mm256_broadcastsi128_si256(t);

		do {
			__m256i v = _mm256_loadu_si256((const __m256i *)(s + i));
			__m256i lo = _mm256_shuffle_epi8(t2, _mm256_and_si256(v, k0f));
			__m256i hi = _mm256_shuffle_epi8(
				hibit, _mm256_and_si256(_mm256_srli_epi16(v, 4), k0f));
			uint32_t m = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(
				_mm256_and_si256(lo, hi), _mm256_setzero_si256()));

			if (m)
				return i + (size_t)__builtin_ctz(m);
			i += 32;
		} while (i + 32 <= n);
	}
#endif
	for (; i + 16 <= n; i += 16) {
		uint32_t m = hl_class_miss16(_mm_loadu_si128((const __m128i *)(s + i)), t);

		if (m)
			return i + (size_t)__builtin_ctz(m);
	}
	if (i < n && n >= 16) {
		uint32_t m = hl_class_miss16(_mm_loadu_si128((const __m128i *)(s + n - 16)), t);

		m >>= 16 - (n - i);
		return m ? i + (size_t)__builtin_ctz(m) : n;
	}
	(void)cls;
#else
	(void)nib;
	i = hl_span_class(s, i, n, cls);
#endif
	while (i < n && hl_is(s[i], cls))
		i++;
	return i;
}

/* The masks of hl_scan_masks64() for s[0..n), n <= 64, a byte at a time; bits from n on 0. */
static inline void hl_scan_masks_short(const uint8_t *s, size_t n, uint64_t *bad, uint64_t *ntok)
{
	uint64_t b = 0, t = 0;

	for (size_t k = 0; k < n; k++) {
		uint8_t c = hl_http1_cclass[s[k]];

		b |= (uint64_t) !(c & C_VALUE) << k;
		t |= (uint64_t) !(c & C_TCHAR) << k;
	}
	*bad = b;
	*ntok = t;
}

/*
 * Bit masks of 64 bytes: bit k of *bad is set when s[k] may not appear in a field value,
 * bit k of *ntok when s[k] is not a token character. Reads s[0..64).
 */
static inline void hl_scan_masks64(const uint8_t *s, uint64_t *bad, uint64_t *ntok)
{
#if defined(HL_SCAN_AVX2)
	const __m256i k1f = _mm256_set1_epi8(0x1f), ht = _mm256_set1_epi8(0x09);
	const __m256i del = _mm256_set1_epi8(0x7f), k0f = _mm256_set1_epi8(0x0f);
	const __m256i hibit =
		_mm256_setr_epi8(1, 2, 4, 8, 16, 32, 64, -128, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 4, 8,
				 16, 32, 64, -128, 0, 0, 0, 0, 0, 0, 0, 0);
	const __m256i t = _mm256_broadcastsi128_si256(
		_mm_loadu_si128((const __m128i *)hl_http1_nib[HL_NIB_TCHAR]));
	uint64_t b[2], n[2];

	for (int h = 0; h < 2; h++) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(s + 32 * h));
		__m256i ctl = _mm256_cmpeq_epi8(_mm256_min_epu8(v, k1f), v);
		__m256i bv = _mm256_or_si256(_mm256_andnot_si256(_mm256_cmpeq_epi8(v, ht), ctl),
					     _mm256_cmpeq_epi8(v, del));
		__m256i lo = _mm256_shuffle_epi8(t, _mm256_and_si256(v, k0f));
		__m256i hi =
			_mm256_shuffle_epi8(hibit, _mm256_and_si256(_mm256_srli_epi16(v, 4), k0f));

		b[h] = (uint32_t)_mm256_movemask_epi8(bv);
		n[h] = (uint32_t)_mm256_movemask_epi8(
			_mm256_cmpeq_epi8(_mm256_and_si256(lo, hi), _mm256_setzero_si256()));
	}
	*bad = b[0] | b[1] << 32;
	*ntok = n[0] | n[1] << 32;
#elif defined(HL_SCAN_SSSE3)
	const __m128i t = _mm_loadu_si128((const __m128i *)hl_http1_nib[HL_NIB_TCHAR]);
	uint64_t b = 0, n = 0;

	for (int q = 0; q < 4; q++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(s + 16 * q));

		b |= (uint64_t)hl_value_bad16(v) << (16 * q);
		n |= (uint64_t)hl_class_miss16(v, t) << (16 * q);
	}
	*bad = b;
	*ntok = n;
#else
	hl_scan_masks_short(s, 64, bad, ntok);
#endif
}

/*
 * Both masks of hl_scan_masks64() for the HL_SCAN_PAIR bytes at s (32 with AVX2, 16 with
 * SSSE3): one load gives a line's end and its name's end when both are that close. The
 * constants come from hl_pair_init() through an empty asm, so that the compiler keeps them in
 * registers across a loop instead of building them again on each use.
 */
#if defined(HL_SCAN_AVX2)
#define HL_SCAN_PAIR 32
struct hl_pair_k {
	__m256i k1f, ht, del, k0f, tbl, hibit;
};

static inline void hl_pair_init(struct hl_pair_k *k)
{
	k->k1f = _mm256_set1_epi8(0x1f);
	k->ht = _mm256_set1_epi8(0x09);
	k->del = _mm256_set1_epi8(0x7f);
	k->k0f = _mm256_set1_epi8(0x0f);
	k->tbl = _mm256_broadcastsi128_si256(
		_mm_loadu_si128((const __m128i *)hl_http1_nib[HL_NIB_TCHAR]));
	k->hibit = _mm256_setr_epi8(1, 2, 4, 8, 16, 32, 64, -128, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 4,
				    8, 16, 32, 64, -128, 0, 0, 0, 0, 0, 0, 0, 0);
	__asm__(""
		: "+x"(k->k1f), "+x"(k->ht), "+x"(k->del), "+x"(k->k0f), "+x"(k->tbl),
		  "+x"(k->hibit));
}

static inline void hl_scan_pair(const struct hl_pair_k *k, const uint8_t *s, uint32_t *bad,
				uint32_t *ntok)
{
	__m256i v = _mm256_loadu_si256((const __m256i *)s);
	__m256i ctl = _mm256_cmpeq_epi8(_mm256_min_epu8(v, k->k1f), v);
	__m256i b = _mm256_or_si256(_mm256_andnot_si256(_mm256_cmpeq_epi8(v, k->ht), ctl),
				    _mm256_cmpeq_epi8(v, k->del));
	__m256i lo = _mm256_shuffle_epi8(k->tbl, _mm256_and_si256(v, k->k0f));
	__m256i hi =
		_mm256_shuffle_epi8(k->hibit, _mm256_and_si256(_mm256_srli_epi16(v, 4), k->k0f));

	*bad = (uint32_t)_mm256_movemask_epi8(b);
	*ntok = (uint32_t)_mm256_movemask_epi8(
		_mm256_cmpeq_epi8(_mm256_and_si256(lo, hi), _mm256_setzero_si256()));
}
#elif defined(HL_SCAN_SSSE3)
#define HL_SCAN_PAIR 16
struct hl_pair_k {
	__m128i tbl;
};

static inline void hl_pair_init(struct hl_pair_k *k)
{
	k->tbl = _mm_loadu_si128((const __m128i *)hl_http1_nib[HL_NIB_TCHAR]);
}

static inline void hl_scan_pair(const struct hl_pair_k *k, const uint8_t *s, uint32_t *bad,
				uint32_t *ntok)
{
	__m128i v = _mm_loadu_si128((const __m128i *)s);

	*bad = hl_value_bad16(v);
	*ntok = hl_class_miss16(v, k->tbl);
}
#endif

#endif /* HL_HTTP1_SCAN_H */
