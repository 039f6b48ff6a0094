/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame builders for the XDP stage's tests and benchmark: Ethernet, ARP,
 * IPv4 (with options), TCP/UDP headers, written into a caller's buffer in
 * network byte order. Each put_* returns the bytes written. Test-only code.
 */
#ifndef HL_TESTS_STEER_PKTS_H
#define HL_TESTS_STEER_PKTS_H

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <linux/if_ether.h>

#define PKT_MAX 256

/* The addresses the tables use (host byte order; A() converts). */
#define A(a, b, c, d) htonl(((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))
#define ADDR_SELF     A(10, 0, 0, 1)     /* the dataplane's own address */
#define ADDR_VIP      A(10, 0, 0, 100)   /* a VIP */
#define ADDR_KERNEL   A(10, 0, 0, 2)     /* the kernel's address, same interface */
#define ADDR_OTHER    A(10, 0, 0, 9)     /* another host on the link */
#define ADDR_CLIENT   A(192, 0, 2, 10)   /* an allowed client */
#define ADDR_DENY_NET A(198, 51, 100, 0) /* denied /24 */
#define ADDR_DENIED   A(198, 51, 100, 77)
#define ADDR_NEAR     A(198, 51, 101, 1) /* just outside the denied /24 */
#define ADDR_DENY_ONE A(203, 0, 113, 7)  /* denied /32 */

static inline size_t put_eth(uint8_t *p, uint16_t proto)
{
	static const uint8_t dst[ETH_ALEN] = {0x02, 0, 0, 0, 0, 0x01};
	static const uint8_t src[ETH_ALEN] = {0x02, 0, 0, 0, 0, 0x02};
	uint16_t be = htons(proto);

	memcpy(p, dst, ETH_ALEN);
	memcpy(p + ETH_ALEN, src, ETH_ALEN);
	memcpy(p + 2 * ETH_ALEN, &be, 2);
	return ETH_HLEN;
}

static inline size_t put_be16(uint8_t *p, uint16_t v)
{
	v = htons(v);
	memcpy(p, &v, 2);
	return 2;
}

/* Ethernet/IPv4 ARP (28 bytes); spa and tpa in network byte order. */
static inline size_t put_arp(uint8_t *p, uint16_t op, uint32_t spa, uint32_t tpa)
{
	static const uint8_t sha[ETH_ALEN] = {0x02, 0, 0, 0, 0, 0x02};
	size_t n = 0;

	n += put_be16(p + n, 1);        /* htype Ethernet */
	n += put_be16(p + n, ETH_P_IP); /* ptype */
	p[n++] = ETH_ALEN;
	p[n++] = 4;
	n += put_be16(p + n, op);
	memcpy(p + n, sha, ETH_ALEN);
	memcpy(p + n + 6, &spa, 4);
	memset(p + n + 10, 0, ETH_ALEN);
	memcpy(p + n + 16, &tpa, 4);
	return n + 20;
}

static inline uint16_t ip_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* IPv4 header with opt_words 32-bit words of options (NOPs and an EOL), a
 * correct checksum, tot_len = header + l4_len. */
static inline size_t put_ipv4(uint8_t *p, uint32_t src, uint32_t dst, uint8_t proto,
			      unsigned opt_words, size_t l4_len)
{
	size_t hlen = 20 + 4 * opt_words;
	uint16_t csum;

	memset(p, 0, hlen);
	p[0] = (uint8_t)(0x40 | (hlen / 4));
	put_be16(p + 2, (uint16_t)(hlen + l4_len));
	put_be16(p + 4, 0x1234); /* id */
	put_be16(p + 6, 0x4000); /* DF */
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, &src, 4);
	memcpy(p + 16, &dst, 4);
	memset(p + 20, 1, hlen - 20); /* NOPs */
	if (hlen > 20)
		p[hlen - 1] = 0; /* EOL */
	csum = ip_csum(p, hlen);
	memcpy(p + 10, &csum, 2);
	return hlen;
}

/* A TCP header without options (checksum left zero: nobody here checks it). */
static inline size_t put_tcp(uint8_t *p, uint16_t sport, uint16_t dport, uint8_t flags)
{
	memset(p, 0, 20);
	put_be16(p, sport);
	put_be16(p + 2, dport);
	p[12] = 5 << 4;
	p[13] = flags;
	put_be16(p + 14, 65535);
	return 20;
}

static inline size_t put_udp(uint8_t *p, uint16_t sport, uint16_t dport, size_t payload)
{
	put_be16(p, sport);
	put_be16(p + 2, dport);
	put_be16(p + 4, (uint16_t)(8 + payload));
	put_be16(p + 6, 0);
	memset(p + 8, 'x', payload);
	return 8 + payload;
}

/* Ethernet + IPv4 + TCP SYN, src -> dst:80. */
static inline size_t build_tcp_syn(uint8_t *p, uint32_t src, uint32_t dst, unsigned opt_words)
{
	size_t n = put_eth(p, ETH_P_IP);

	n += put_ipv4(p + n, src, dst, 6 /* TCP */, opt_words, 20);
	n += put_tcp(p + n, 40000, 80, 0x02);
	return n;
}

/* Ethernet + ARP request "who has tpa, tell spa". */
static inline size_t build_arp_request(uint8_t *p, uint32_t spa, uint32_t tpa)
{
	size_t n = put_eth(p, ETH_P_ARP);

	return n + put_arp(p + n, 1, spa, tpa);
}

#endif /* HL_TESTS_STEER_PKTS_H */
