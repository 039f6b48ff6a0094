/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to ctrl/config*.c: one loader per section type, and the cross-section checks. */
#ifndef HINTLB_CONFIG_SECTION_H
#define HINTLB_CONFIG_SECTION_H

#include <stddef.h>

#include <rte_cfgfile.h>

#include "hintlb/config.h"

/* One section as rte_cfgfile read it. */
struct cfg_sec {
	char display[CFG_NAME_LEN]; /* "port net_af_xdp0", as written */
	const char *name;           /* into display: "net_af_xdp0", or "" */
	struct rte_cfgfile_entry *e;
	int n;
};

/* The value of @p key in @p s (first occurrence), or NULL. */
const char *cfg_get(const struct cfg_sec *s, const char *key);

int cfg_load_eal(struct hl_config *cfg, const struct cfg_sec *s, char *err, size_t errlen);
int cfg_load_port(struct hl_config *cfg, const struct cfg_sec *s, char *err, size_t errlen);
int cfg_load_listener(struct hl_config *cfg, const struct cfg_sec *s, char *err, size_t errlen);
int cfg_load_routing(struct hl_config *cfg, const struct cfg_sec *s, char *err, size_t errlen);
int cfg_load_replica(struct hl_config *cfg, const struct cfg_sec *s, char *err, size_t errlen);
int cfg_load_worker(struct hl_config *cfg, const struct cfg_sec *s, char *err, size_t errlen);
int cfg_load_tcp(struct hl_config *cfg, const struct cfg_sec *s, char *err, size_t errlen);
int cfg_load_ctrl(struct hl_config *cfg, const struct cfg_sec *s, char *err, size_t errlen);
int cfg_load_http(struct hl_config *cfg, const struct cfg_sec *s, char *err, size_t errlen);
int cfg_load_health(struct hl_config *cfg, const struct cfg_sec *s, char *err, size_t errlen);

/* Checks across sections, once all are loaded. */
int cfg_check_all(struct hl_config *cfg, char *err, size_t errlen);

#endif /* HINTLB_CONFIG_SECTION_H */
