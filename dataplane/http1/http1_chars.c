/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Byte classes of RFC 9110/9112/3986, as constant tables: one load classifies a byte on the
 * hot path. Built from the grammar's own definitions by constant expressions.
 */
#include "http1_chars.h"

#define CLS(c)                                                                                     \
	((IS_TCHAR(c) ? C_TCHAR : 0) | (IS_TARGET(c) ? C_TARGET : 0) |                             \
	 (IS_VALUE(c) ? C_VALUE : 0) | (IS_HOST(c) ? C_HOST : 0) | (IS_HEX(c) ? C_HEX : 0) |       \
	 (IS_DIGIT(c) ? C_DIGIT : 0) | (IS_SCHEME(c) ? C_SCHEME : 0) |                             \
	 (IS_QDTEXT(c) ? C_QDTEXT : 0))
#define LOWER(c) ((uint8_t)((c) >= 'A' && (c) <= 'Z' ? (c) + 32 : (c)))

#define R4(f, b)  f(b), f((b) + 1), f((b) + 2), f((b) + 3)
#define R16(f, b) R4(f, b), R4(f, (b) + 4), R4(f, (b) + 8), R4(f, (b) + 12)
#define R64(f, b) R16(f, b), R16(f, (b) + 16), R16(f, (b) + 32), R16(f, (b) + 48)
#define R256(f)   R64(f, 0), R64(f, 64), R64(f, 128), R64(f, 192)

const uint8_t hl_http1_cclass[256] = {R256(CLS)};
const uint8_t hl_http1_lower[256] = {R256(LOWER)};
