/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to ctrl/config*.c: value parsers and the error formatter. Every
 * parser writes "[SECTION] KEY: 'VALUE' <why>" into err on failure.
 */
#ifndef HINTLB_CONFIG_PRIV_H
#define HINTLB_CONFIG_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hintlb/config.h"

/* Where a value came from, for messages: section as written ("port hl0"), key. */
struct cfg_where {
	const char *section;
	const char *key;
	char *err;
	size_t errlen;
};

/* "[SECTION] KEY: " + formatted message. @return -EINVAL. */
int cfg_errf(const struct cfg_where *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int cfg_parse_u32(const struct cfg_where *w, const char *v, uint32_t min, uint32_t max,
		  uint32_t *out);
int cfg_parse_double(const struct cfg_where *w, const char *v, double min, double *out);
int cfg_parse_bool(const struct cfg_where *w, const char *v, bool *out);
/* A unicast host address: not 0.0.0.0, loopback, multicast or broadcast. */
int cfg_parse_host(const struct cfg_where *w, const char *v, uint32_t *out);
/* "A.B.C.D/LEN", LEN 1..32; the address must be a host of its subnet. */
int cfg_parse_cidr(const struct cfg_where *w, const char *v, uint32_t *addr, uint8_t *len);
/* "A.B.C.D:PORT", PORT 1..65535. */
int cfg_parse_endpoint(const struct cfg_where *w, const char *v, uint32_t *addr, uint16_t *port);
/* An HTTP field name (RFC 9110 token), 1..HL_CFG_HEADER_MAX-1 bytes. */
int cfg_parse_header(const struct cfg_where *w, const char *v, char *out, size_t outlen);
/* One of names[0..n-1]; *out = its index. */
int cfg_parse_enum(const struct cfg_where *w, const char *v, const char *const *names, unsigned n,
		   unsigned *out);

bool cfg_is_prime(uint32_t n);
/* Network-order mask of a prefix length 0..32. */
uint32_t cfg_prefix_mask(uint8_t len);
/* "A.B.C.D" of a network-order address into buf (>= 16 bytes). */
const char *cfg_ip_str(uint32_t addr, char *buf);

/* Parse `[eal] args` (already joined) into cfg->eal_argv and cfg->devs. */
int cfg_eal_args(struct hl_config *cfg, const char *args, char *err, size_t errlen);
/* Fill port->iface and port->xdp_prog from the device's devargs in the EAL args. */
int cfg_eal_port_devargs(const struct hl_config *cfg, struct hl_cfg_port *port, char *err,
			 size_t errlen);
/* Is @p name a device the EAL args create or allow (or may probe)? */
bool cfg_eal_has_dev(const struct hl_config *cfg, const char *name);

/* config_reload.c, for its unit test: entry @p i of the reload table (when i is in
 * range). @return the number of entries. */
unsigned hl_config_reload_keys(const char **section, const char **key, bool *live, unsigned i);

#endif /* HINTLB_CONFIG_PRIV_H */
