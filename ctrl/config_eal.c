/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `[eal] args`: split on whitespace (no quoting), and read what the config
 * checks need without initialising the EAL: the device names (--vdev NAME,...
 * and -a/--allow NAME), --no-pci, and each vdev's devargs (iface=, xdp_prog=).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_priv.h"

/* The value of option @p opt at argv[*i] ("--opt=V", "--opt V", "-aV", "-a V"), or NULL. */
static const char *opt_value(struct hl_config *cfg, int *i, const char *opt)
{
	const char *a = cfg->eal_argv[*i];
	size_t n = strlen(opt);

	if (strncmp(a, opt, n) != 0)
		return NULL;
	if (a[n] == '=' && opt[1] == '-')
		return a + n + 1;
	if (a[n] == '\0') {
		if (*i + 1 >= cfg->eal_argc)
			return NULL;
		return cfg->eal_argv[++*i];
	}
	if (opt[1] != '-') /* short option glued to its value: -a0000:01:00.0 */
		return a + n;
	return NULL;
}

static int add_dev(struct hl_config *cfg, const char *devargs, char *err, size_t errlen)
{
	size_t n = strcspn(devargs, ",");

	if (n == 0 || n >= HL_CFG_NAME_MAX) {
		snprintf(err, errlen, "[eal] args: device '%s' has no name or a name over %d bytes",
			 devargs, HL_CFG_NAME_MAX - 1);
		return -EINVAL;
	}
	if (cfg->n_devs >= (unsigned)(sizeof(cfg->devs) / sizeof(cfg->devs[0]))) {
		snprintf(err, errlen, "[eal] args: more than %u devices",
			 (unsigned)(sizeof(cfg->devs) / sizeof(cfg->devs[0])));
		return -EINVAL;
	}
	memcpy(cfg->devs[cfg->n_devs], devargs, n);
	cfg->devs[cfg->n_devs][n] = '\0';
	cfg->dev_args[cfg->n_devs] = devargs[n] == ',' ? devargs + n + 1 : devargs + n;
	for (unsigned i = 0; i < cfg->n_devs; i++) {
		if (strcmp(cfg->devs[i], cfg->devs[cfg->n_devs]) == 0) {
			snprintf(err, errlen, "[eal] args: device '%s' is given twice",
				 cfg->devs[i]);
			return -EINVAL;
		}
	}
	cfg->n_devs++;
	return 0;
}

int cfg_eal_args(struct hl_config *cfg, const char *args, char *err, size_t errlen)
{
	const char *p = args;

	cfg->eal_argv[0] = strdup("hintlb");
	if (cfg->eal_argv[0] == NULL)
		return -ENOMEM;
	cfg->eal_argc = 1;
	while (*p != '\0') {
		size_t n;

		p += strspn(p, " \t");
		n = strcspn(p, " \t");
		if (n == 0)
			break;
		if (cfg->eal_argc > HL_CFG_EAL_ARGS_MAX) {
			snprintf(err, errlen, "[eal] args: more than %d words",
				 HL_CFG_EAL_ARGS_MAX);
			return -EINVAL;
		}
		cfg->eal_argv[cfg->eal_argc] = strndup(p, n);
		if (cfg->eal_argv[cfg->eal_argc] == NULL)
			return -ENOMEM;
		cfg->eal_argc++;
		p += n;
	}
	cfg->eal_argv[cfg->eal_argc] = NULL;

	for (int i = 1; i < cfg->eal_argc; i++) {
		const char *v;
		int rc;

		if (strcmp(cfg->eal_argv[i], "--no-pci") == 0) {
			cfg->eal_no_pci = true;
			continue;
		}
		v = opt_value(cfg, &i, "--vdev");
		if (v == NULL)
			v = opt_value(cfg, &i, "--allow");
		if (v == NULL)
			v = opt_value(cfg, &i, "-a");
		if (v == NULL)
			continue;
		rc = add_dev(cfg, v, err, errlen);
		if (rc != 0)
			return rc;
	}
	return 0;
}

bool cfg_eal_has_dev(const struct hl_config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->n_devs; i++)
		if (strcmp(cfg->devs[i], name) == 0)
			return true;
	/* Without --no-pci the EAL probes every PCI device: a PCI address is
	 * plausible; the daemon checks it exists at start. */
	return !cfg->eal_no_pci && strchr(name, ':') != NULL;
}

/* The devargs after "NAME," of device @p name in the EAL args, or NULL. */
static const char *find_devargs(const struct hl_config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->n_devs; i++)
		if (strcmp(cfg->devs[i], name) == 0)
			return cfg->dev_args[i];
	return NULL;
}

/* Copy the value of devarg KEY from a "k=v,k=v" list; @return its length or -1. */
static int devarg(const char *list, const char *key, char *out, size_t outlen)
{
	size_t kn = strlen(key);

	while (list != NULL && *list != '\0') {
		size_t n = strcspn(list, ",");

		if (n > kn && strncmp(list, key, kn) == 0 && list[kn] == '=') {
			size_t vn = n - kn - 1;

			if (vn >= outlen)
				return -1;
			memcpy(out, list + kn + 1, vn);
			out[vn] = '\0';
			return (int)vn;
		}
		list += n;
		if (*list == ',')
			list++;
	}
	return -1;
}

/*
 * The numeric devarg KEY of device @p dev, in [lo, hi]: @return it, 0 when
 * absent, or -1 with @p err filled.
 */
static long devarg_num(const char *dev, const char *list, const char *key, unsigned long lo,
		       unsigned long hi, char *err, size_t errlen)
{
	char val[256]; /* rte_cfgfile values are shorter: nothing is cut */
	char *end;
	unsigned long v;

	if (devarg(list, key, val, sizeof(val)) < 0)
		return 0;
	v = strtoul(val, &end, 10);
	if (val[0] != '\0' && *end == '\0' && v >= lo && v <= hi)
		return (long)v;
	snprintf(err, errlen, "[eal] args: device %s: %s '%s' is not %lu..%lu", dev, key, val, lo,
		 hi);
	return -1;
}

int cfg_eal_port_devargs(const struct hl_config *cfg, struct hl_cfg_port *port, char *err,
			 size_t errlen)
{
	const char *args = find_devargs(cfg, port->name);
	char prog[HL_CFG_PATH_MAX * 4];

	port->iface[0] = '\0';
	port->xdp_prog = false;
	port->start_queue = 0;
	port->queue_count = 1;
	port->xdp_prog_path[0] = '\0';
	if (args == NULL)
		return 0;
	if (strstr(args, "iface=") != NULL &&
	    devarg(args, "iface", port->iface, sizeof(port->iface)) < 1) {
		snprintf(err, errlen, "[eal] args: device %s: iface= is empty or over %d bytes",
			 port->name, HL_CFG_IFNAME_MAX - 1);
		return -EINVAL;
	}
	if (strncmp(port->name, "net_af_xdp", 10) == 0 &&
	    devarg(args, "xdp_prog", prog, sizeof(prog)) >= 0) {
		if (access(prog, R_OK) != 0) {
			snprintf(err, errlen, "[eal] args: device %s: xdp_prog '%s': %s",
				 port->name, prog, strerror(errno));
			return -EINVAL;
		}
		port->xdp_prog = true;
		snprintf(port->xdp_prog_path, sizeof(port->xdp_prog_path), "%s", prog);
	}
	if (strncmp(port->name, "net_af_xdp", 10) == 0) {
		long q = devarg_num(port->name, args, "start_queue", 0, 65535, err, errlen);
		long n = q < 0 ? q
			       : devarg_num(port->name, args, "queue_count", 1, 65535, err, errlen);

		if (q < 0 || n < 0)
			return -EINVAL;
		port->start_queue = (uint16_t)q;
		port->queue_count = (uint16_t)(n == 0 ? 1 : n);
	}
	return 0;
}
