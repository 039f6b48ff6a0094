/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hint bytes: validation and hashing. The hashes are seeded with constants,
 * never at random, so every worker and every hintlb node maps a hint to the
 * same Maglev slot.
 */
#include <errno.h>
#include <string.h>

#include "route_priv.h"

/* RFC 9110 tchar: "!#$%&'*+-.^_`|~" DIGIT ALPHA */
static const uint8_t tchar[256] = {
	['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['+'] = 1,
	['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1,  ['~'] = 1, ['0'] = 1,
	['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1,  ['7'] = 1, ['8'] = 1,
	['9'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1,  ['F'] = 1, ['G'] = 1,
	['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1,  ['N'] = 1, ['O'] = 1,
	['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,  ['V'] = 1, ['W'] = 1,
	['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1,  ['d'] = 1, ['e'] = 1,
	['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1,  ['l'] = 1, ['m'] = 1,
	['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1,  ['t'] = 1, ['u'] = 1,
	['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

/* A hint list entry: token characters and '/', so that model paths such as
 * "fal-ai/flux-dev" can be advertised (RFC 9110 tokens exclude '/'). */
bool hint_is_list_entry(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!tchar[(uint8_t)s[i]] && s[i] != '/')
			return false;
	return len > 0;
}

bool hl_hint_is_list_entry(const char *hint, size_t len)
{
	return len <= HL_HINT_MAX_LEN && hint_is_list_entry(hint, len);
}

bool hint_is_token(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!tchar[(uint8_t)s[i]])
			return false;
	return len > 0;
}

/* field-value bytes (RFC 9110 5.5): VCHAR, obs-text, SP and HTAB inside. */
static inline bool field_vchar(uint8_t c)
{
	return (c > 0x20 && c != 0x7f) || c == ' ' || c == '\t';
}

int hl_hint_check(const char *hint, size_t len, const char **out, size_t *out_len,
		  enum hl_route_drop *why)
{
	enum hl_route_drop reason;

	if (hint == NULL)
		len = 0;
	while (len > 0 && (hint[0] == ' ' || hint[0] == '\t')) {
		hint++;
		len--;
	}
	while (len > 0 && (hint[len - 1] == ' ' || hint[len - 1] == '\t'))
		len--;
	if (len == 0) {
		reason = HL_DROP_HINT_EMPTY;
		goto refuse;
	}
	if (len > HL_HINT_MAX_LEN) {
		reason = HL_DROP_HINT_TOO_LONG;
		goto refuse;
	}
	for (size_t i = 0; i < len; i++) {
		if (!field_vchar((uint8_t)hint[i])) {
			reason = HL_DROP_HINT_BAD_BYTE;
			goto refuse;
		}
	}
	*out = hint;
	*out_len = len;
	return 0;
refuse:
	if (why != NULL)
		*why = reason;
	return -EINVAL;
}

static inline uint64_t load64(const char *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* Two 64-bit lanes over 8-byte words, each a multiply-rotate chain with its
 * own constants, finished with a full avalanche; the tail is read with one
 * overlapping load when len >= 8. Good enough for a table key that is
 * verified against the bytes on a hit. */
void hint_key_of(const char *s, size_t len, struct hint_key *key)
{
	uint64_t a = 0x243f6a8885a308d3ULL ^ len;
	uint64_t b = 0x13198a2e03707344ULL ^ (len * 0x9e3779b97f4a7c15ULL);
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w = load64(s + i);
		a = (a ^ w) * 0x9e3779b97f4a7c15ULL;
		a = (a << 31) | (a >> 33);
		b = (b ^ w) * 0xc2b2ae3d27d4eb4fULL;
		b = (b << 29) | (b >> 35);
	}
	if (i < len) {
		uint64_t w = 0;
		if (len >= 8)
			w = load64(s + len - 8);
		else
			memcpy(&w, s + i, len - i);
		a = (a ^ w) * 0x9e3779b97f4a7c15ULL;
		b = (b ^ w) * 0xc2b2ae3d27d4eb4fULL;
	}
	key->lo = mix64(a ^ (b >> 17));
	key->hi = mix64(b + a);
}

uint64_t hl_hint_hash64(const char *hint, size_t len)
{
	struct hint_key k;
	hint_key_of(hint, len, &k);
	return k.lo;
}

int hint_key_cmp(const struct hint_key *a, const struct hint_key *b)
{
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	return 0;
}
