/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookies (RFC 4987 3.6): when the half-open budget is full, a SYN is
 * answered with a SYN-ACK whose ISN carries the state the connection needs,
 * and nothing is kept. The ISN (32 bits):
 *
 *   31..27  time counter, mod 32 (one count = 65.536 s of the worker clock)
 *   26..24  index into ck_mss[] (the largest entry not above the peer's MSS)
 *   23..0   SipHash-2-4(secret, 4-tuple, peer ISN, full counter), low 24 bits
 *
 * The ACK that completes the handshake acknowledges ISN + 1: it is accepted
 * when the counter is the current or the previous one (so a cookie lives
 * 65 to 131 s) and the hash matches. The secret is per worker, from
 * rte_rand(), one per counter parity: it is replaced when its counter comes
 * round again, so an old secret dies after two periods.
 *
 * Timestamps carry what the ISN has no room for (as Linux does): when the
 * SYN had them, our TSval's low 5 bits are the peer's window scale (15:
 * none) and SACK-permitted, and the final ACK's TSecr gives them back.
 * Without timestamps a cookie connection has no window scaling and no SACK.
 */
#include <rte_random.h>

#include "net.h"
#include "tcp_priv.h"

#define CK_COUNT_SHIFT 16 /* ms per counter step: 2^16 */
#define CK_TS_BITS     5
#define CK_TS_MASK     ((1u << CK_TS_BITS) - 1)

/* MSS values a cookie can carry (the peer's MSS rounds down to one). */
static const uint16_t ck_mss[8] = {64, 536, 1220, 1360, 1400, 1440, 1460, 8960};

#define ROTL64(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND(v0, v1, v2, v3)                                                                   \
	do {                                                                                       \
		v0 += v1;                                                                          \
		v1 = ROTL64(v1, 13);                                                               \
		v1 ^= v0;                                                                          \
		v0 = ROTL64(v0, 32);                                                               \
		v2 += v3;                                                                          \
		v3 = ROTL64(v3, 16);                                                               \
		v3 ^= v2;                                                                          \
		v0 += v3;                                                                          \
		v3 = ROTL64(v3, 21);                                                               \
		v3 ^= v0;                                                                          \
		v2 += v1;                                                                          \
		v1 = ROTL64(v1, 17);                                                               \
		v1 ^= v2;                                                                          \
		v2 = ROTL64(v2, 32);                                                               \
	} while (0)

/* SipHash-2-4 of @p n 64-bit words (the message is n * 8 bytes). */
static uint64_t siphash24(const uint64_t k[2], const uint64_t *w, unsigned n)
{
	uint64_t v0 = k[0] ^ 0x736f6d6570736575ull, v1 = k[1] ^ 0x646f72616e646f6dull;
	uint64_t v2 = k[0] ^ 0x6c7967656e657261ull, v3 = k[1] ^ 0x7465646279746573ull;
	uint64_t b = (uint64_t)(n * 8) << 56;

	for (unsigned i = 0; i < n; i++) {
		v3 ^= w[i];
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= w[i];
	}
	v3 ^= b;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	for (unsigned i = 0; i < 4; i++)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

static void ck_words(const struct hl_tcp_key *k, uint64_t w[2])
{
	w[0] = (uint64_t)k->raddr << 32 | k->laddr;
	w[1] = (uint64_t)k->rport << 48 | (uint64_t)k->lport << 32;
}

void tcp_syncookie_init(struct hl_tcp *t)
{
	t->ts_key[0] = rte_rand();
	t->ts_key[1] = rte_rand();
	t->ck_epoch[0] = t->ck_epoch[1] = UINT32_MAX; /* no secret yet */
}

uint32_t tcp_ts_offset(const struct hl_tcp *t, const struct hl_tcp_key *k)
{
	uint64_t w[2];

	ck_words(k, w);
	return (uint32_t)siphash24(t->ts_key, w, 2);
}

/* The secret for counter @p cnt; a current one is made when missing. NULL: expired. */
static const uint64_t *ck_secret(struct hl_tcp *t, uint32_t cnt, bool current)
{
	unsigned slot = cnt & 1;

	if (t->ck_epoch[slot] != cnt) {
		if (!current)
			return NULL;
		t->ck_key[slot][0] = rte_rand();
		t->ck_key[slot][1] = rte_rand();
		t->ck_epoch[slot] = cnt;
	}
	return t->ck_key[slot];
}

static uint32_t ck_hash(const uint64_t *key, const struct hl_tcp_key *k, uint32_t peer_isn,
			uint32_t cnt)
{
	uint64_t w[3];

	ck_words(k, w);
	w[1] |= peer_isn;
	w[2] = cnt;
	return (uint32_t)siphash24(key, w, 3) & 0xffffff;
}

uint32_t tcp_syncookie_make(struct hl_tcp *t, const struct hl_tcp_key *k, uint32_t peer_isn,
			    uint16_t mss)
{
	uint32_t cnt = t->now >> CK_COUNT_SHIFT, idx = 0;

	for (unsigned i = 1; i < RTE_DIM(ck_mss); i++)
		if (ck_mss[i] <= mss)
			idx = i;
	t->ck_sent_at = t->now;
	t->ck_used = true;
	return (cnt & 31) << 27 | idx << 24 | ck_hash(ck_secret(t, cnt, true), k, peer_isn, cnt);
}

int tcp_syncookie_check(struct hl_tcp *t, const struct hl_tcp_key *k, uint32_t peer_isn,
			uint32_t cookie)
{
	uint32_t cnt = t->now >> CK_COUNT_SHIFT, age = (cnt - (cookie >> 27)) & 31;
	const uint64_t *key;

	if (age > 1)
		return -1;
	key = ck_secret(t, cnt - age, age == 0);
	if (key == NULL || ck_hash(key, k, peer_isn, cnt - age) != (cookie & 0xffffff))
		return -1;
	return ck_mss[(cookie >> 24) & 7];
}

bool tcp_syncookie_recent(const struct hl_tcp *t)
{
	return t->ck_used && t->now - t->ck_sent_at < (2u << CK_COUNT_SHIFT);
}

uint32_t tcp_syncookie_tsval(const struct hl_tcp *t, uint32_t ts_off, uint8_t ws, bool sack)
{
	uint32_t opts = (ws <= 14 ? ws : 15u) | (sack ? 16u : 0u);

	/* below the clock, so the TSvals that follow never go back */
	return ((t->now + ts_off - (CK_TS_MASK + 1)) & ~CK_TS_MASK) | opts;
}

void tcp_syncookie_ts_opts(uint32_t tsecr, uint8_t *ws, bool *sack)
{
	*ws = (uint8_t)(tsecr & 15);
	*sack = (tsecr & 16) != 0;
}
