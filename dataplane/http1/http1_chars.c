/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Byte classes of RFC 9110/9112/3986, as constant tables: one load classifies a byte on the
 * hot path. Built from the grammar's own definitions by constant expressions.
 */
#include "http1_priv.h"

#define IS_ALPHA(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define IS_HEX(c)   (IS_DIGIT(c) || ((c) >= 'a' && (c) <= 'f') || ((c) >= 'A' && (c) <= 'F'))
#define IS_UNRESERVED(c)                                                                           \
	(IS_ALPHA(c) || IS_DIGIT(c) || (c) == '-' || (c) == '.' || (c) == '_' || (c) == '~')
#define IS_SUB_DELIM(c)                                                                            \
	((c) == '!' || (c) == '$' || (c) == '&' || (c) == '\'' || (c) == '(' || (c) == ')' ||      \
	 (c) == '*' || (c) == '+' || (c) == ',' || (c) == ';' || (c) == '=')
/* tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" /
 * "~" / DIGIT / ALPHA */
#define IS_TCHAR(c)                                                                                \
	(IS_ALPHA(c) || IS_DIGIT(c) || (c) == '!' || (c) == '#' || (c) == '$' || (c) == '%' ||     \
	 (c) == '&' || (c) == '\'' || (c) == '*' || (c) == '+' || (c) == '-' || (c) == '.' ||      \
	 (c) == '^' || (c) == '_' || (c) == '`' || (c) == '|' || (c) == '~')
/* pchar / "/" / "?" plus "%" (pct-encoded) and "[" "]" (IP-literal of an absolute-form). */
#define IS_TARGET(c)                                                                               \
	(IS_UNRESERVED(c) || IS_SUB_DELIM(c) || (c) == ':' || (c) == '@' || (c) == '/' ||          \
	 (c) == '?' || (c) == '%' || (c) == '[' || (c) == ']')
#define IS_HOST(c)                                                                                 \
	(IS_UNRESERVED(c) || IS_SUB_DELIM(c) || (c) == ':' || (c) == '%' || (c) == '[' ||          \
	 (c) == ']')
#define IS_VALUE(c)  ((c) == '\t' || ((c) >= 0x20 && (c) != 0x7f))
#define IS_SCHEME(c) (IS_ALPHA(c) || IS_DIGIT(c) || (c) == '+' || (c) == '-' || (c) == '.')
#define IS_QDTEXT(c) (IS_VALUE(c) && (c) != '"' && (c) != '\\')

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

/*
 * The same classes as nibble tables for a vector lookup (http1_scan.h): bit h of
 * [low nibble l] is set when byte (h << 4 | l), h < 8, is in the class. No class has a byte
 * of 0x80 or more.
 */
#define NIB(IS, l)                                                                                 \
	(uint8_t)(IS(l) << 0 | IS(0x10 | (l)) << 1 | IS(0x20 | (l)) << 2 | IS(0x30 | (l)) << 3 |   \
		  IS(0x40 | (l)) << 4 | IS(0x50 | (l)) << 5 | IS(0x60 | (l)) << 6 |                \
		  IS(0x70 | (l)) << 7)
#define NIB16(IS)                                                                                  \
	{                                                                                          \
		NIB(IS, 0), NIB(IS, 1), NIB(IS, 2), NIB(IS, 3), NIB(IS, 4), NIB(IS, 5),            \
			NIB(IS, 6), NIB(IS, 7), NIB(IS, 8), NIB(IS, 9), NIB(IS, 10), NIB(IS, 11),  \
			NIB(IS, 12), NIB(IS, 13), NIB(IS, 14), NIB(IS, 15)                         \
	}

const uint8_t hl_http1_nib[HL_NIB__COUNT][16] = {
	[HL_NIB_TCHAR] = NIB16(IS_TCHAR),
	[HL_NIB_TARGET] = NIB16(IS_TARGET),
	[HL_NIB_HOST] = NIB16(IS_HOST),
};
