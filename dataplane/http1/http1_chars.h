/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Byte classes of RFC 9110/9112/3986 as constant expressions, for the tables of
 * http1_chars.c and the vector constants of http1_scan.h.
 */
#ifndef HL_HTTP1_CHARS_H
#define HL_HTTP1_CHARS_H

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

/*
 * The classes as nibble tables for a vector lookup (http1_scan.h): bit h of [low nibble l] is
 * set when byte (h << 4 | l), h < 8, is in the class. No class has a byte of 0x80 or more.
 */
#define NIB(IS, l)                                                                                 \
	(uint8_t)(IS(l) << 0 | IS(0x10 | (l)) << 1 | IS(0x20 | (l)) << 2 | IS(0x30 | (l)) << 3 |   \
		  IS(0x40 | (l)) << 4 | IS(0x50 | (l)) << 5 | IS(0x60 | (l)) << 6 |                \
		  IS(0x70 | (l)) << 7)
#define NIB16(IS)                                                                                  \
	NIB(IS, 0), NIB(IS, 1), NIB(IS, 2), NIB(IS, 3), NIB(IS, 4), NIB(IS, 5), NIB(IS, 6),        \
		NIB(IS, 7), NIB(IS, 8), NIB(IS, 9), NIB(IS, 10), NIB(IS, 11), NIB(IS, 12),         \
		NIB(IS, 13), NIB(IS, 14), NIB(IS, 15)

#endif /* HL_HTTP1_CHARS_H */
