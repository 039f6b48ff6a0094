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

#include "http1_chars.h"

/*
 * The nibble tables as constants of the file (twice over, for 32-byte lookups), so that a
 * lookup needs no address of another object; and the high-nibble bits they are tested with.
 */
static const uint8_t hl_nib32[HL_NIB__COUNT][32] __attribute__((aligned(32))) = {
	[HL_NIB_TCHAR] = {NIB16(IS_TCHAR), NIB16(IS_TCHAR)},
	[HL_NIB_TARGET] = {NIB16(IS_TARGET), NIB16(IS_TARGET)},
	[HL_NIB_HOST] = {NIB16(IS_HOST), NIB16(IS_HOST)},
};
static const uint8_t hl_hibit32[32] __attribute__((aligned(32))) = {
	1, 2, 4, 8, 16, 32, 64, 128, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 2, 4, 8, 16, 32, 64, 128, 0, 0, 0, 0, 0, 0, 0, 0,
};
static const uint8_t hl_k0f32[32] __attribute__((aligned(32))) = {
	15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,
	15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,
};

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
#if defined(__AVX512BW__)
#define HL_SCAN_AVX512 1
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
	const __m128i hibit = _mm_load_si128((const __m128i *)hl_hibit32);
	const __m128i k0f = _mm_load_si128((const __m128i *)hl_k0f32);
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
	const __m128i t = _mm_load_si128((const __m128i *)hl_nib32[nib]);

#if defined(HL_SCAN_AVX2)
	if (i + 32 <= n) {
		const __m256i hibit = _mm256_load_si256((const __m256i *)hl_hibit32);
		const __m256i k0f = _mm256_set1_epi8(0x0f);
		const __m256i t2 = _mm256_load_si256((const __m256i *)hl_nib32[nib]);

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

/*
 * Line ends, 64 bytes at a time: bit k of the mask of s[0..64) is set when s[k] is a control
 * byte (0x00-0x1f) or DEL. Those are the bytes a field value, a reason phrase or a start line
 * may not hold, HTAB apart (the caller steps over it), CR included: the first of them from a
 * line's start is where that line ends. One pass over a head classifies each byte once.
 */
#if defined(HL_SCAN_SSE2)
static inline uint32_t hl_ctl16(__m128i v)
{
	return (uint32_t)_mm_movemask_epi8(
		_mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v),
			     _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f))));
}
#endif

static inline int hl_is_ctl(uint8_t c)
{
	return c < 0x20 || c == 0x7f;
}

/* The control-byte mask of s[0..64). */
static inline uint64_t hl_ctl64(const uint8_t *s)
{
#if defined(HL_SCAN_AVX512)
	__m512i v = _mm512_loadu_si512((const void *)s);

	return _mm512_cmple_epu8_mask(v, _mm512_set1_epi8(0x1f)) |
	       _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0x7f));
#elif defined(HL_SCAN_AVX2)
	uint64_t m[2];

	for (int h = 0; h < 2; h++) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(s + 32 * h));

		m[h] = (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(
			_mm256_cmpeq_epi8(_mm256_min_epu8(v, _mm256_set1_epi8(0x1f)), v),
			_mm256_cmpeq_epi8(v, _mm256_set1_epi8(0x7f))));
	}
	return m[0] | m[1] << 32;
#elif defined(HL_SCAN_SSE2)
	uint64_t m0 = hl_ctl16(_mm_loadu_si128((const __m128i *)s));
	uint64_t m1 = hl_ctl16(_mm_loadu_si128((const __m128i *)(s + 16)));
	uint64_t m2 = hl_ctl16(_mm_loadu_si128((const __m128i *)(s + 32)));
	uint64_t m3 = hl_ctl16(_mm_loadu_si128((const __m128i *)(s + 48)));

	return m0 | m1 << 16 | m2 << 32 | m3 << 48;
#else
	uint64_t m = 0;

	for (int k = 0; k < 64; k++)
		m |= (uint64_t)hl_is_ctl(s[k]) << k;
	return m;
#endif
}

/*
 * The control-byte mask of buf[b..len), len - b < 64, bits from len - b on clear. Reads only
 * buf[0..len): a whole load that ends at len when there are 64 bytes, else 16 at a time.
 */
static inline uint64_t hl_ctl_tail(const uint8_t *buf, size_t b, size_t len)
{
	size_t n = len - b, k = 0;
	uint64_t m = 0;

#if defined(HL_SCAN_AVX512)
	__mmask64 in = (1ull << n) - 1;
	__m512i v = _mm512_maskz_loadu_epi8(in, buf + b);

	(void)k;
	(void)m;
	return (_mm512_cmple_epu8_mask(v, _mm512_set1_epi8(0x1f)) |
		_mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0x7f))) &
	       in;
#else
	if (n == 0)
		return 0;
	if (len >= 64)
		return hl_ctl64(buf + len - 64) >> (64 - n);
#if defined(HL_SCAN_SSE2)
	for (; k + 16 <= n; k += 16)
		m |= (uint64_t)hl_ctl16(_mm_loadu_si128((const __m128i *)(buf + b + k))) << k;
	if (k < n && len >= 16) {
		uint32_t t = hl_ctl16(_mm_loadu_si128((const __m128i *)(buf + len - 16)));

		return m | (uint64_t)(t >> (16 - (n - k))) << k;
	}
#endif
	for (; k < n; k++)
		m |= (uint64_t)hl_is_ctl(buf[b + k]) << k;
	return m;
#endif
}

/*
 * Where a name ends: bit k set where s[k], k < HL_TOK_WIN, is not a token character. One load
 * finds the end of a usual name.
 */
#if defined(HL_SCAN_AVX2)
#define HL_TOK_WIN 32
static inline uint32_t hl_tok_miss(const uint8_t *s)
{
	const __m256i hibit = _mm256_load_si256((const __m256i *)hl_hibit32);
	const __m256i k0f = _mm256_load_si256((const __m256i *)hl_k0f32);
	const __m256i t = _mm256_load_si256((const __m256i *)hl_nib32[HL_NIB_TCHAR]);
	__m256i v = _mm256_loadu_si256((const __m256i *)s);
	__m256i lo = _mm256_shuffle_epi8(t, _mm256_and_si256(v, k0f));
	__m256i hi = _mm256_shuffle_epi8(hibit, _mm256_and_si256(_mm256_srli_epi16(v, 4), k0f));

	return (uint32_t)_mm256_movemask_epi8(
		_mm256_cmpeq_epi8(_mm256_and_si256(lo, hi), _mm256_setzero_si256()));
}
#elif defined(HL_SCAN_SSSE3)
#define HL_TOK_WIN 16
static inline uint32_t hl_tok_miss(const uint8_t *s)
{
	return hl_class_miss16(_mm_loadu_si128((const __m128i *)s),
			       _mm_load_si128((const __m128i *)hl_nib32[HL_NIB_TCHAR]));
}
#endif

#endif /* HL_HTTP1_SCAN_H */
