/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Value parsers for the configuration. Strict: no trailing garbage, no
 * leading '+' or '-', no silent truncation; the message quotes the value.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include <rte_common.h>

#include "config_priv.h"

int cfg_errf(const struct cfg_where *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->err == NULL || w->errlen == 0)
		return -EINVAL;
	if (w->key != NULL)
		n = snprintf(w->err, w->errlen, "[%s] %s: ", w->section, w->key);
	else
		n = snprintf(w->err, w->errlen, "[%s]: ", w->section);
	if (n < 0 || (size_t)n >= w->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(w->err + n, w->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int cfg_parse_u32(const struct cfg_where *w, const char *v, uint32_t min, uint32_t max,
		  uint32_t *out)
{
	unsigned long long x;
	char *end;

	if (!isdigit((unsigned char)v[0]))
		return cfg_errf(w, "'%s' is not a number (%u..%u)", v, min, max);
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno != 0 || *end != '\0')
		return cfg_errf(w, "'%s' is not a number (%u..%u)", v, min, max);
	if (x < min || x > max)
		return cfg_errf(w, "'%s' is out of range (%u..%u)", v, min, max);
	*out = (uint32_t)x;
	return 0;
}

int cfg_parse_double(const struct cfg_where *w, const char *v, double min, double *out)
{
	char *end;
	double x;

	if (!isdigit((unsigned char)v[0]))
		return cfg_errf(w, "'%s' is not a number", v);
	errno = 0;
	x = strtod(v, &end);
	if (errno != 0 || *end != '\0' || !isfinite(x))
		return cfg_errf(w, "'%s' is not a number", v);
	if (x < min)
		return cfg_errf(w, "'%s' is below %g", v, min);
	*out = x;
	return 0;
}

int cfg_parse_bool(const struct cfg_where *w, const char *v, bool *out)
{
	static const char *const names[] = {"no", "yes", "false", "true", "off", "on", "0", "1"};
	unsigned i;

	for (i = 0; i < RTE_DIM(names); i++) {
		if (strcmp(v, names[i]) == 0) {
			*out = (i & 1) != 0;
			return 0;
		}
	}
	return cfg_errf(w, "'%s' is not yes or no", v);
}

int hl_parse_ipv4(const char *s, uint32_t *out)
{
	uint32_t addr = 0;
	int i;

	for (i = 0; i < 4; i++) {
		unsigned octet = 0, digits = 0;

		while (isdigit((unsigned char)*s)) {
			if (digits > 0 && octet == 0)
				return -EINVAL; /* leading zero: octal in inet_aton, refuse */
			octet = octet * 10 + (unsigned)(*s - '0');
			if (++digits > 3 || octet > 255)
				return -EINVAL;
			s++;
		}
		if (digits == 0)
			return -EINVAL;
		addr = addr << 8 | octet;
		if (i < 3 && *s++ != '.')
			return -EINVAL;
	}
	if (*s != '\0')
		return -EINVAL;
	*out = htonl(addr);
	return 0;
}

uint32_t cfg_prefix_mask(uint8_t len)
{
	return len == 0 ? 0 : htonl(~0u << (32 - len));
}

const char *cfg_ip_str(uint32_t addr, char *buf)
{
	uint32_t h = ntohl(addr);

	snprintf(buf, 16, "%u.%u.%u.%u", h >> 24, (h >> 16) & 0xff, (h >> 8) & 0xff, h & 0xff);
	return buf;
}

const char *hl_host_problem(uint32_t addr)
{
	uint32_t h = ntohl(addr);

	if (h == 0)
		return "is the unspecified address";
	if (h >> 24 == 127)
		return "is a loopback address";
	if (h >> 28 == 0xe)
		return "is a multicast address";
	if (h >> 28 == 0xf)
		return "is a reserved or broadcast address";
	return NULL;
}

int cfg_parse_host(const struct cfg_where *w, const char *v, uint32_t *out)
{
	const char *why;

	if (hl_parse_ipv4(v, out) != 0)
		return cfg_errf(w, "'%s' is not an IPv4 address (A.B.C.D)", v);
	why = hl_host_problem(*out);
	if (why != NULL)
		return cfg_errf(w, "'%s' %s", v, why);
	return 0;
}

int cfg_parse_cidr(const struct cfg_where *w, const char *v, uint32_t *addr, uint8_t *len)
{
	char ip[16];
	const char *slash = strchr(v, '/');
	uint32_t plen, mask;
	const char *why;

	if (slash == NULL || (size_t)(slash - v) >= sizeof(ip))
		return cfg_errf(w, "'%s' is not A.B.C.D/LEN", v);
	memcpy(ip, v, (size_t)(slash - v));
	ip[slash - v] = '\0';
	if (hl_parse_ipv4(ip, addr) != 0)
		return cfg_errf(w, "'%s' is not A.B.C.D/LEN", v);
	if (!isdigit((unsigned char)slash[1]) || strlen(slash + 1) > 2)
		return cfg_errf(w, "'%s': prefix length is not 1..32", v);
	plen = (uint32_t)atoi(slash + 1);
	if (plen < 1 || plen > 32)
		return cfg_errf(w, "'%s': prefix length is not 1..32", v);
	why = hl_host_problem(*addr);
	if (why != NULL)
		return cfg_errf(w, "'%s': the address %s", v, why);
	mask = cfg_prefix_mask((uint8_t)plen);
	if (plen <= 30 && ((*addr & ~mask) == 0 || (*addr | mask) == 0xffffffffu))
		return cfg_errf(w, "'%s' is the network or broadcast address of its subnet", v);
	*len = (uint8_t)plen;
	return 0;
}

int hl_parse_endpoint(const char *s, uint32_t *addr, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	char ip[16];
	unsigned long p = 0;
	size_t n;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, s, (size_t)(colon - s));
	ip[colon - s] = '\0';
	n = strlen(colon + 1);
	if (n == 0 || n > 5 || strspn(colon + 1, "0123456789") != n)
		return -EINVAL;
	p = strtoul(colon + 1, NULL, 10);
	if (p < 1 || p > 65535 || hl_parse_ipv4(ip, addr) != 0)
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}

int cfg_parse_endpoint(const struct cfg_where *w, const char *v, uint32_t *addr, uint16_t *port)
{
	const char *why;

	if (hl_parse_endpoint(v, addr, port) != 0)
		return cfg_errf(w, "'%s' is not IPv4:PORT (PORT 1..65535)", v);
	why = hl_host_problem(*addr);
	if (why != NULL)
		return cfg_errf(w, "'%s': the address %s", v, why);
	return 0;
}

int cfg_parse_header(const struct cfg_where *w, const char *v, char *out, size_t outlen)
{
	/* tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
	 *         "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA  (RFC 9110 5.6.2) */
	size_t n = strlen(v);

	if (n == 0 || n >= outlen)
		return cfg_errf(w, "'%s' is not 1..%zu bytes", v, outlen - 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (!isalnum(c) && strchr("!#$%&'*+-.^_`|~", c) == NULL)
			return cfg_errf(w, "'%s' is not an HTTP field name (byte %zu)", v, i);
	}
	memcpy(out, v, n + 1);
	return 0;
}

int cfg_parse_enum(const struct cfg_where *w, const char *v, const char *const *names, unsigned n,
		   unsigned *out)
{
	char list[128];
	size_t off = 0;

	for (unsigned i = 0; i < n; i++) {
		if (strcmp(v, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	list[0] = '\0';
	for (unsigned i = 0; i < n && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? " | " : "",
					names[i]);
	return cfg_errf(w, "'%s' is not one of %s", v, list);
}

bool cfg_is_prime(uint32_t n)
{
	if (n < 2)
		return false;
	if (n % 2 == 0)
		return n == 2;
	for (uint32_t d = 3; (uint64_t)d * d <= n; d += 2)
		if (n % d == 0)
			return false;
	return true;
}
