/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration loading: the contract example parses to the right values;
 * every bad configuration is refused with a message naming the section, the
 * key and the bad value; the routing core's own checks run through
 * hl_daemon_router_create (EAL without devices).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <rte_eal.h>

#include "config_priv.h"
#include "daemon.h"
#include "hintlb/config.h"
#include "hintlb/tcp.h"

static char t_path[64];

/* The example, with a device the EAL args create. */
#define EAL_PORT                                                                                   \
	"[eal]\nargs = -l 0,1 --in-memory --no-pci "                                               \
	"--vdev=net_af_xdp0,iface=hl0\n"                                                           \
	"[port net_af_xdp0]\naddress = 10.77.0.2/24\n"

static const char *const good =
	"; the contract example\n"
	"# hash comments without an equals sign are skipped too\n"
	"[eal]\n"
	"args = -l 0,1 --in-memory --no-pci --vdev=net_af_xdp0,iface=hl0\n"
	"[port net_af_xdp0]\n"
	"address = 10.77.0.2/24\n"
	"gateway = 10.77.0.1        ; optional\n"
	"[listener web]\n"
	"vip = 10.77.0.100\n"
	"port = 80\n"
	"mode = http                ; http (the proxy), echo, discard (diagnostics)\n"
	"[routing]\n"
	"hint_header = X-Fal-Runner-Hint\n"
	"hints_header = X-Fal-Runner-Hints\n"
	"balance_factor = 1.25\n"
	"maglev_size = 65537\n"
	"[replica gpu-1]\n"
	"address = 10.77.1.11:8000\n"
	"weight = 1\n"
	"[replica gpu-2]\n"
	"address = 10.77.1.12:8001\n"
	"weight = 3\n"
	"concurrency = 4\n"
	"[worker]\n"
	"idle = adaptive            ; adaptive | poll\n"
	"[ctrl]\n"
	"socket = /run/hintlb/ctrl.sock\n";

static void write_file(const char *text)
{
	FILE *f;

	snprintf(t_path, sizeof(t_path), "/tmp/hl_test_config.XXXXXX");
	int fd = mkstemp(t_path);

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int load(const char *text, struct hl_config *cfg, char *err, size_t errlen)
{
	int rc;

	write_file(text);
	err[0] = '\0';
	rc = hl_config_load(t_path, cfg, err, errlen);
	unlink(t_path);
	return rc;
}

static uint32_t ip(const char *s)
{
	return inet_addr(s);
}

static void test_good(void **state)
{
	struct hl_config cfg;
	char err[HL_CFG_ERR_MAX];
	struct hl_router *r = NULL;

	(void)state;
	assert_int_equal(load(good, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.eal_argc, 6);
	assert_string_equal(cfg.eal_argv[0], "hintlb");
	assert_string_equal(cfg.eal_argv[5], "--vdev=net_af_xdp0,iface=hl0");
	assert_null(cfg.eal_argv[6]);
	assert_int_equal(cfg.n_ports, 1);
	assert_string_equal(cfg.ports[0].name, "net_af_xdp0");
	assert_string_equal(cfg.ports[0].iface, "hl0");
	assert_false(cfg.ports[0].xdp_prog);
	assert_int_equal(cfg.ports[0].addr, ip("10.77.0.2"));
	assert_int_equal(cfg.ports[0].prefix_len, 24);
	assert_int_equal(cfg.ports[0].gateway, ip("10.77.0.1"));
	assert_int_equal(cfg.n_listeners, 1);
	assert_int_equal(cfg.listeners[0].vip, ip("10.77.0.100"));
	assert_int_equal(cfg.listeners[0].port, 80);
	assert_int_equal(cfg.listeners[0].mode, HL_LISTEN_HTTP);
	assert_string_equal(cfg.routing.hint_header, "X-Fal-Runner-Hint");
	assert_true(cfg.routing.balance_factor == 1.25);
	assert_int_equal(cfg.routing.maglev_size, 65537);
	assert_int_equal(cfg.n_replicas, 2);
	assert_string_equal(cfg.replicas[1].name, "gpu-2");
	assert_int_equal(cfg.replicas[1].addr, ip("10.77.1.12"));
	assert_int_equal(cfg.replicas[1].port, 8001);
	assert_int_equal(cfg.replicas[1].weight, 3);
	assert_int_equal(cfg.replicas[1].concurrency, 4);
	assert_int_equal(cfg.worker.idle, HL_IDLE_ADAPTIVE);
	assert_int_equal(cfg.tcp.zero_window_timeout_ms, 60000);
	assert_string_equal(cfg.ctrl_socket, "/run/hintlb/ctrl.sock");

	assert_int_equal(hl_daemon_router_create(&cfg, &r, err, sizeof(err)), 0);
	assert_int_equal(hl_router_replica_count(r), 2);
	hl_router_free(r);
	hl_config_free(&cfg);
}

static void test_args_repeat_and_xdp_prog(void **state)
{
	struct hl_config cfg;
	char err[HL_CFG_ERR_MAX], text[1024];

	(void)state;
	/* xdp_prog= must name a readable file */
	snprintf(text, sizeof(text),
		 "[eal]\nargs = -l 0,1 --no-pci\nargs = --vdev=net_af_xdp0,iface=hl0,"
		 "start_queue=3,queue_count=2,xdp_prog=/etc/passwd\nargs = --vdev net_null0\n"
		 "[port net_af_xdp0]\naddress = 10.77.0.2/24\n"
		 "[port net_null0]\naddress = 10.78.0.2/16\nmtu = 1500\n"
		 "[worker]\nidle = poll\nidle_sleep_us = 50\nmbufs = 4095\nrx_desc = 512\n"
		 "[listener a]\nvip = 10.77.0.100\nport = 80\nmode = echo\n"
		 "[listener b]\nvip = 10.77.0.100\nport = 81\nmode = discard\n"
		 "[tcp]\nmax_conns = 1000\nsyn_backlog = 100\ntime_wait = 10\nrcv_buf = 65536\n"
		 "source_ports = 20000-20999\nsource_address = 10.78.0.2\n"
		 "congestion_control = cubic\nchallenge_ack_limit = 0\nkeepalive = yes\n"
		 "keepalive_idle_s = 60\nkeepalive_interval_s = 5\nkeepalive_probes = 3\n"
		 "syn_retries = 2\nsynack_retries = 1\nzero_window_timeout_ms = 30000\n");
	assert_int_equal(load(text, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.eal_argc, 7); /* args lines are joined */
	assert_int_equal(cfg.n_devs, 2);
	assert_true(cfg.ports[0].xdp_prog);
	assert_int_equal(cfg.ports[0].start_queue, 3);
	assert_int_equal(cfg.ports[0].queue_count, 2);
	assert_string_equal(cfg.ports[0].xdp_prog_path, "/etc/passwd");
	assert_int_equal(cfg.ports[1].queue_count, 1);
	assert_string_equal(cfg.ports[1].iface, "");
	assert_int_equal(cfg.ports[1].mtu, 1500);
	assert_int_equal(cfg.worker.idle, HL_IDLE_POLL);
	assert_int_equal(cfg.worker.mbufs, 4095);
	assert_int_equal(cfg.listeners[1].mode, HL_LISTEN_DISCARD);
	assert_int_equal(cfg.tcp.max_conns, 1000);
	assert_int_equal(cfg.tcp.syn_backlog, 100);
	assert_int_equal(cfg.tcp.time_wait, 10);
	assert_int_equal(cfg.tcp.rcv_buf, 65536);
	assert_int_equal(cfg.tcp.sport_lo, 20000);
	assert_int_equal(cfg.tcp.sport_hi, 20999);
	assert_int_equal(cfg.tcp.source, rte_cpu_to_be_32(0x0a4e0002));
	assert_int_equal(cfg.tcp.cc, HL_TCP_CC_CUBIC);
	assert_int_equal(cfg.tcp.challenge_ack_limit, 0);
	assert_true(cfg.tcp.keepalive);
	assert_int_equal(cfg.tcp.keepalive_idle_s, 60);
	assert_int_equal(cfg.tcp.keepalive_interval_s, 5);
	assert_int_equal(cfg.tcp.keepalive_probes, 3);
	assert_int_equal(cfg.tcp.syn_retries, 2);
	assert_int_equal(cfg.tcp.synack_retries, 1);
	assert_int_equal(cfg.tcp.zero_window_timeout_ms, 30000);
	hl_config_free(&cfg);
}

/* A bad configuration and what its message must contain (section, key, value). */
struct bad_case {
	const char *text;
	const char *want[3];
};

static const struct bad_case bad[] = {
	/* values */
	{EAL_PORT "gateway = 10.77.0.300\n", {"[port net_af_xdp0]", "gateway", "'10.77.0.300'"}},
	{EAL_PORT "gateway = 10.78.0.1\n", {"[port net_af_xdp0]", "gateway", "10.78.0.1"}},
	{EAL_PORT "gateway = 10.77.0.2\n", {"[port net_af_xdp0]", "gateway", "own address"}},
	{"[eal]\nargs = --no-pci --vdev=net_af_xdp0\n[port net_af_xdp0]\naddress = 10.77.0.2/33\n",
	 {"[port net_af_xdp0]", "address", "'10.77.0.2/33'"}},
	{"[eal]\nargs = --no-pci --vdev=net_af_xdp0\n[port net_af_xdp0]\naddress = 10.77.0.2\n",
	 {"[port net_af_xdp0]", "address", "'10.77.0.2'"}},
	{"[eal]\nargs = --no-pci --vdev=net_af_xdp0\n[port net_af_xdp0]\naddress = 10.77.0.0/24\n",
	 {"[port net_af_xdp0]", "address", "network or broadcast"}},
	{"[eal]\nargs = --no-pci --vdev=net_af_xdp0\n[port net_af_xdp0]\naddress = 010.77.0.2/24\n",
	 {"[port net_af_xdp0]", "address", "'010.77.0.2/24'"}},
	{EAL_PORT "mtu = 100\n", {"[port net_af_xdp0]", "mtu", "'100'"}},
	{EAL_PORT "[listener web]\nvip = 10.77.0.2\nport = 80\n",
	 {"[listener web]", "vip", "'10.77.0.2' is the address of [port net_af_xdp0]"}},
	{EAL_PORT "[listener web]\nvip = 224.0.0.1\nport = 80\n",
	 {"[listener web]", "vip", "multicast"}},
	{EAL_PORT "[listener web]\nvip = 10.77.0.100\nport = 0\n",
	 {"[listener web]", "port", "'0'"}},
	{EAL_PORT "[listener web]\nvip = 10.77.0.100\nport = 65536\n",
	 {"[listener web]", "port", "'65536'"}},
	{EAL_PORT "[listener web]\nvip = 10.77.0.100\nport = 80\nmode = proxy\n",
	 {"[listener web]", "mode", "'proxy'"}},
	{EAL_PORT "[listener web]\nvip = 10.77.0.100\n", {"[listener web]", "port", "missing"}},
	{EAL_PORT "[listener a]\nvip = 10.77.0.100\nport = 80\nmode = echo\n[listener b]\n"
		  "vip = 10.77.0.100\nport = 80\nmode = echo\n",
	 {"[listener b]", "vip", "[listener a]"}},
	{EAL_PORT "[listener web]\nvip = 10.77.0.100\nport = 80\n",
	 {"[listener web]", "mode", "http needs at least one [replica NAME]"}},
	{EAL_PORT "[http]\nclient_head_timeout_ms = 0\n",
	 {"[http]", "client_head_timeout_ms", "'0'"}},
	{EAL_PORT "[http]\nmax_fields = 4\n", {"[http]", "max_fields", "'4'"}},
	{EAL_PORT "[http]\nmax_body_kib = -1\n", {"[http]", "max_body_kib", "'-1'"}},
	{EAL_PORT "[http]\nmax_body_kib = 4294967296\n",
	 {"[http]", "max_body_kib", "'4294967296'"}},
	{EAL_PORT "[http]\nx_forwarded_for = maybe\n", {"[http]", "x_forwarded_for", "'maybe'"}},
	{EAL_PORT "[http]\nlinger = 5\n", {"[http]", "linger", "unknown"}},
	{EAL_PORT "[health]\ncheck_path = healthz\n", {"[health]", "check_path", "'healthz'"}},
	{EAL_PORT "[health]\ncheck_interval_ms = 100\ncheck_timeout_ms = 200\n",
	 {"[health]", "check_timeout_ms", "'200' is above check_interval_ms"}},
	{EAL_PORT "[ctrl]\nmetrics = localhost:9464\n", {"[ctrl]", "metrics", "'localhost:9464'"}},
	{EAL_PORT "[ctrl]\nmetrics = 127.0.0.1:0\n", {"[ctrl]", "metrics", "A.B.C.D:PORT"}},
	{EAL_PORT "[routing]\nload_wait = 101\n", {"[routing]", "load_wait", "'101' is above 100"}},
	{EAL_PORT "[routing]\nload_wait = -1\n", {"[routing]", "load_wait", "'-1'"}},
	{EAL_PORT "[routing]\nexplain_header = X Route\n",
	 {"[routing]", "explain_header", "'X Route'"}},
	{EAL_PORT "[routing]\nbalance_factor = 0.99\n", {"[routing]", "balance_factor", "'0.99'"}},
	{EAL_PORT "[routing]\nbalance_factor = fast\n", {"[routing]", "balance_factor", "'fast'"}},
	{EAL_PORT "[routing]\nmaglev_size = 65536\n", {"[routing]", "maglev_size", "'65536'"}},
	{EAL_PORT "[routing]\nmaglev_size = 251\n", {"[routing]", "maglev_size", "'251'"}},
	{EAL_PORT "[routing]\nhint_header = X Hint\n", {"[routing]", "hint_header", "'X Hint'"}},
	{EAL_PORT "[routing]\nhints_header = x-fal-runner-hint\n",
	 {"[routing]", "hints_header", "'x-fal-runner-hint'"}},
	{EAL_PORT "[routing]\npolicy = random\n", {"[routing]", "policy", "'random'"}},
	{EAL_PORT "[routing]\nmax_replicas = 1\n[replica a]\naddress = 10.9.0.1:80\n[replica b]\n"
		  "address = 10.9.0.2:80\n",
	 {"[routing]", "max_replicas", "'1'"}},
	{EAL_PORT "[replica gpu-3]\naddress = 10.0.0.300:80\n",
	 {"[replica gpu-3]", "address", "'10.0.0.300:80'"}},
	{EAL_PORT "[replica gpu-3]\naddress = 10.0.0.3:0\n",
	 {"[replica gpu-3]", "address", "'10.0.0.3:0'"}},
	{EAL_PORT "[replica gpu-3]\naddress = 10.0.0.3\n",
	 {"[replica gpu-3]", "address", "'10.0.0.3'"}},
	{EAL_PORT "[replica gpu-3]\naddress = 10.0.0.3:80\nweight = -1\n",
	 {"[replica gpu-3]", "weight", "'-1'"}},
	{EAL_PORT "[replica gpu-3]\naddress = 10.0.0.3:80\nweight = 1.5\n",
	 {"[replica gpu-3]", "weight", "'1.5'"}},
	{EAL_PORT "[replica gpu-3]\naddress = 10.77.0.2:80\n",
	 {"[replica gpu-3]", "address", "[port net_af_xdp0]"}},
	{EAL_PORT "[replica a]\naddress = 10.9.0.1:80\n[replica b]\naddress = 10.9.0.1:80\n",
	 {"[replica b]", "address", "'10.9.0.1:80' is also [replica a]'s"}},
	{EAL_PORT "[replica gpu-3]\nweight = 1\n", {"[replica gpu-3]", "address", "missing"}},
	{EAL_PORT "[worker]\nidle = sleepy\n", {"[worker]", "idle", "'sleepy'"}},
	{EAL_PORT "[worker]\nrx_desc = 1000\n", {"[worker]", "rx_desc", "'1000'"}},
	{EAL_PORT "[ctrl]\nsocket = run/ctrl.sock\n", {"[ctrl]", "socket", "'run/ctrl.sock'"}},
	{EAL_PORT "[tcp]\nsource_ports = 60000\n", {"[tcp]", "source_ports", "'60000'"}},
	{EAL_PORT "[tcp]\nsource_ports = 50000-40000\n",
	 {"[tcp]", "source_ports", "'50000-40000'"}},
	{EAL_PORT "[tcp]\nsource_ports = 80-1000\n", {"[tcp]", "source_ports", "1024 <= LO"}},
	{EAL_PORT "[tcp]\nsource_ports = 40000-x\n", {"[tcp]", "source_ports", "'40000-x'"}},
	{EAL_PORT "[tcp]\nrcv_buf = 1000\n", {"[tcp]", "rcv_buf", "'1000'"}},
	{EAL_PORT "[tcp]\ncongestion_control = bbr\n", {"[tcp]", "congestion_control", "'bbr'"}},
	{EAL_PORT "[tcp]\nkeepalive_probes = 200\n", {"[tcp]", "keepalive_probes", "'200'"}},
	{EAL_PORT "[tcp]\nsyn_retries = 0\n", {"[tcp]", "syn_retries", "'0'"}},
	{EAL_PORT "[tcp]\nsynack_retries = 11\n", {"[tcp]", "synack_retries", "'11'"}},
	{EAL_PORT "[tcp]\nkeepalive = maybe\n", {"[tcp]", "keepalive", "'maybe'"}},
	{EAL_PORT "[tcp]\nzero_window_timeout_ms = 999\n",
	 {"[tcp]", "zero_window_timeout_ms", "'999' is neither 0 (off) nor in range"}},
	{EAL_PORT "[tcp]\nzero_window_timeout_ms = 86400001\n",
	 {"[tcp]", "zero_window_timeout_ms", "'86400001'"}},
	{EAL_PORT "[tcp]\nzero_window_timeout_ms = 1m\n",
	 {"[tcp]", "zero_window_timeout_ms", "'1m'"}},
	{EAL_PORT "[tcp]\nmax_conns = 1\n", {"[tcp]", "max_conns", "'1'"}},
	{EAL_PORT "[tcp]\nmax_conns = 100\nsyn_backlog = 200\n",
	 {"[tcp]", "syn_backlog", "above max_conns"}},
	{EAL_PORT "[tcp]\nsource_address = 10.77.0.9\n",
	 {"[tcp]", "source_address", "'10.77.0.9' is not the address of a [port]"}},
	{EAL_PORT "[listener web]\nvip = 10.77.0.100\nport = 40000\n",
	 {"[listener web]", "port", "inside [tcp] source_ports 32768-60999"}},
	{EAL_PORT "[listener web]\nvip = 10.77.0.100\nport = 80\nmode = relay\n",
	 {"[listener web]", "mode", "[replica NAME]"}},
	/* structure */
	{EAL_PORT "[port net_af_xdp0]\naddress = 10.77.0.3/24\n",
	 {"[port net_af_xdp0]", "given twice", ""}},
	{EAL_PORT "[replica a]\naddress = 10.9.0.1:80\n[replica a]\naddress = 10.9.0.2:80\n",
	 {"[replica a]", "given twice", ""}},
	{EAL_PORT "address = 10.77.0.4/24\n",
	 {"[port net_af_xdp0]", "address", "'10.77.0.2/24' and '10.77.0.4/24'"}},
	{EAL_PORT "colour = blue\n", {"[port net_af_xdp0]", "colour", "'blue'"}},
	{EAL_PORT "[backend x]\naddress = 1.2.3.4:5\n", {"[backend x]", "unknown section", ""}},
	{EAL_PORT "[replica]\naddress = 1.2.3.4:5\n", {"[replica]", "needs a name", ""}},
	{EAL_PORT "[routing fast]\n", {"[routing fast]", "takes no name", ""}},
	{"[eal]\nargs = -l 0,1 --no-pci --vdev=net_null0\n[port net_af_xdp0]\naddress = "
	 "10.7.0.2/24\n",
	 {"[port net_af_xdp0]", "no device 'net_af_xdp0'", "[eal] args"}},
	{"[eal]\nargs = --no-pci --vdev=net_null0,iface=hl0 --vdev=net_null1\n[port net_null0]\n"
	 "address = 10.7.0.2/24\n[port net_null1]\naddress = 10.7.1.2/16\n",
	 {"[port net_null1]", "address", "overlaps [port net_null0]"}},
	{"[eal]\nargs = --no-pci --vdev=net_af_xdp0,iface=hl0,xdp_prog=/nonexistent/steer.bpf.o\n"
	 "[port net_af_xdp0]\naddress = 10.7.0.2/24\n",
	 {"[eal] args", "net_af_xdp0", "'/nonexistent/steer.bpf.o'"}},
	{"[eal]\nargs = --no-pci --vdev=net_af_xdp0,iface=hl0,start_queue=x\n"
	 "[port net_af_xdp0]\naddress = 10.7.0.2/24\n",
	 {"[eal] args", "net_af_xdp0", "start_queue 'x'"}},
	{"[eal]\nargs = --no-pci --vdev=net_af_xdp0,iface=hl0,queue_count=0\n"
	 "[port net_af_xdp0]\naddress = 10.7.0.2/24\n",
	 {"[eal] args", "net_af_xdp0", "queue_count '0' is not 1..65535"}},
	{"[port net_null0]\naddress = 10.7.0.2/24\n", {"[eal]", "missing", ""}},
	{"[eal]\nargs = --no-pci\n", {"[port DEVICE]", "missing", ""}},
	/* syntax, named by line */
	{EAL_PORT "idle adaptive\n", {":5:", "'idle adaptive'", "neither"}},
	{"idle = poll\n" EAL_PORT, {":1:", "'idle = poll'", "before any [section]"}},
	{EAL_PORT "# gateway = 10.77.0.1\n", {":5:", "'# gateway = 10.77.0.1'", "use ';'"}},
	{EAL_PORT "gateway =\n", {":5:", "'gateway ='", "empty value"}},
	{EAL_PORT "[worker\n", {":5:", "'[worker'", "']'"}},
};

static void test_bad(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct hl_config cfg;
		char err[HL_CFG_ERR_MAX];
		int rc = load(bad[i].text, &cfg, err, sizeof(err));

		if (rc != -EINVAL)
			fail_msg("case %u: rc %d, want -EINVAL (err '%s')\n%s", i, rc, err,
				 bad[i].text);
		for (unsigned k = 0; k < 3; k++)
			if (strstr(err, bad[i].want[k]) == NULL)
				fail_msg("case %u: message '%s' lacks '%s'", i, err,
					 bad[i].want[k]);
	}
}

static void test_missing_file(void **state)
{
	struct hl_config cfg;
	char err[HL_CFG_ERR_MAX];

	(void)state;
	assert_int_equal(hl_config_load("/nonexistent/hintlb.conf", &cfg, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/hintlb.conf"));
}

static void test_router_refuses(void **state)
{
	struct hl_config cfg;
	char err[HL_CFG_ERR_MAX];
	struct hl_router *r = NULL;
	char text[512];

	(void)state;
	/* a replica name over the routing core's limit: the config allows it, the core does not */
	snprintf(text, sizeof(text), EAL_PORT "[replica %s]\naddress = 10.9.0.1:80\n",
		 "r23456789012345678901234567890123456789012345678901234");
	assert_int_equal(load(text, &cfg, err, sizeof(err)), 0);
	hl_config_free(&cfg);
	/* weights of zero everywhere still build (Maglev has nobody): accepted */
	snprintf(text, sizeof(text), EAL_PORT "[replica a]\naddress = 10.9.0.1:80\nweight = 0\n");
	assert_int_equal(load(text, &cfg, err, sizeof(err)), 0);
	assert_int_equal(hl_daemon_router_create(&cfg, &r, err, sizeof(err)), 0);
	hl_router_free(r);
	hl_config_free(&cfg);
}

/* [tcp] to the stack's parameters: the config's 0 for "no limit" is UINT32_MAX there. */
static void test_tcp_params(void **state)
{
	static const struct {
		const char *tcp;
		uint32_t zw, chack;
	} rows[] = {
		{"", 60000, 1000},
		{"zero_window_timeout_ms = 1000\n", 1000, 1000},
		{"zero_window_timeout_ms = 86400000\nchallenge_ack_limit = 5\n", 86400000, 5},
		{"zero_window_timeout_ms = 0\nchallenge_ack_limit = 0\n", UINT32_MAX, UINT32_MAX},
	};
	struct hl_config cfg;
	struct hl_tcp_params p;
	char err[HL_CFG_ERR_MAX], text[512];

	(void)state;
	for (unsigned i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(text, sizeof(text), EAL_PORT "[tcp]\nkeepalive_idle_s = 60\n%s",
			 rows[i].tcp);
		if (load(text, &cfg, err, sizeof(err)) != 0)
			fail_msg("row %u: %s", i, err);
		hl_daemon_tcp_params(&cfg.tcp, &p);
		assert_int_equal(p.zero_window_timeout_ms, rows[i].zw);
		assert_int_equal(p.challenge_ack_limit, rows[i].chack);
		assert_int_equal(p.keepalive_idle_ms, 60000);
		assert_int_equal(p.max_conns, 16384);
		hl_config_free(&cfg);
	}
}

/* reload: every key, changed alone, is either taken (live) or refused with its name. */
static const struct {
	const char *section, *key, *value;
	bool live;
} reload_rows[] = {
	{"routing", "hint_header", "X-Other-Hint", false},
	{"routing", "hints_header", "X-Other-Hints", false},
	{"routing", "balance_factor", "2", true},
	{"routing", "maglev_size", "257", false},
	{"routing", "policy", "bounded", false},
	{"routing", "max_hints", "1024", false},
	{"routing", "max_replicas", "16", false},
	{"routing", "strip_hints", "no", false},
	{"routing", "load_wait", "1.5", true},
	{"routing", "explain_header", "X-Route", false},
	{"http", "client_head_timeout_ms", "1234", true},
	{"http", "client_idle_timeout_ms", "1234", true},
	{"http", "replica_connect_timeout_ms", "1234", true},
	{"http", "replica_response_timeout_ms", "1234", true},
	{"http", "replica_idle_timeout_ms", "1234", true},
	{"http", "replica_queue_timeout_ms", "1234", true},
	{"http", "replica_conns_max", "7", false},
	{"http", "max_requests", "100", false},
	{"http", "max_head", "4096", false},
	{"http", "max_fields", "50", false},
	{"http", "max_body_kib", "1024", false},
	{"http", "queue_bytes", "100000", false},
	{"http", "x_forwarded_for", "no", false},
	{"health", "passive_fall", "5", true},
	{"health", "down_backoff_ms", "1234", true},
	{"health", "check_path", "/healthz", false},
	{"health", "check_interval_ms", "1234", true},
	{"health", "check_timeout_ms", "500", true},
	{"health", "rise", "4", true},
	{"health", "fall", "5", true},
	{"worker", "idle", "poll", false},
	{"worker", "idle_sleep_us", "50", false},
	{"worker", "mbufs", "4095", false},
	{"worker", "rx_desc", "512", false},
	{"worker", "tx_desc", "512", false},
	{"tcp", "max_conns", "8192", false},
	{"tcp", "syn_backlog", "100", false},
	{"tcp", "time_wait", "100", false},
	{"tcp", "rcv_buf", "65536", false},
	{"tcp", "ooo_per_conn", "10", false},
	{"tcp", "ooo_max", "100", false},
	{"tcp", "source_ports", "40000-41000", false},
	{"tcp", "source_address", "10.77.0.2", false},
	{"tcp", "congestion_control", "cubic", false},
	{"tcp", "challenge_ack_limit", "10", false},
	{"tcp", "keepalive", "yes", false},
	{"tcp", "keepalive_idle_s", "60", false},
	{"tcp", "keepalive_interval_s", "10", false},
	{"tcp", "keepalive_probes", "3", false},
	{"tcp", "syn_retries", "2", false},
	{"tcp", "synack_retries", "2", false},
	{"tcp", "zero_window_timeout_ms", "0", false},
	{"ctrl", "socket", "/run/hintlb/other.sock", false},
	{"ctrl", "group", "daemon", false},
	{"ctrl", "max_clients", "4", false},
	{"ctrl", "metrics", "off", false},
	{"ctrl", "grace_ms", "500", true},
};

#define RELOAD_BASE EAL_PORT "[listener web]\nvip = 10.77.0.100\nport = 80\nmode = echo\n"

static void test_reload_every_key(void **state)
{
	struct hl_config run, next;
	char err[HL_CFG_ERR_MAX], text[1024], want[96];

	(void)state;
	assert_int_equal(load(RELOAD_BASE, &run, err, sizeof(err)), 0);
	for (unsigned i = 0; i < sizeof(reload_rows) / sizeof(reload_rows[0]); i++) {
		snprintf(text, sizeof(text), RELOAD_BASE "[%s]\n%s = %s\n", reload_rows[i].section,
			 reload_rows[i].key, reload_rows[i].value);
		if (load(text, &next, err, sizeof(err)) != 0)
			fail_msg("row %u: %s", i, err);
		int rc = hl_config_reload_check(&run, &next, err, sizeof(err));
		snprintf(want, sizeof(want), "[%s] %s: ", reload_rows[i].section,
			 reload_rows[i].key);
		if (reload_rows[i].live && rc != 0)
			fail_msg("[%s] %s is live, reload refused it: %s", reload_rows[i].section,
				 reload_rows[i].key, err);
		if (!reload_rows[i].live && (rc != -EINVAL || strstr(err, want) == NULL ||
					     strstr(err, "needs a restart") == NULL))
			fail_msg("[%s] %s changed: rc %d, '%s'", reload_rows[i].section,
				 reload_rows[i].key, rc, rc ? err : "");
		hl_config_free(&next);
	}
	/* every entry of the reload table has a row here */
	const char *sec, *key;
	bool live;
	unsigned n = hl_config_reload_keys(&sec, &key, &live, 0);
	for (unsigned k = 0; k < n; k++) {
		bool found = false;

		hl_config_reload_keys(&sec, &key, &live, k);
		for (unsigned i = 0; i < sizeof(reload_rows) / sizeof(reload_rows[0]); i++)
			if (strcmp(sec, reload_rows[i].section) == 0 &&
			    strcmp(key, reload_rows[i].key) == 0) {
				assert_int_equal(live, reload_rows[i].live);
				found = true;
			}
		if (!found)
			fail_msg("reload table entry [%s] %s has no test row", sec, key);
	}
	hl_config_free(&run);
}

/* Ports, listeners and EAL args are named; replicas are taken, and move over. */
static void test_reload_sections(void **state)
{
	static const struct {
		const char *text, *want;
	} refused[] = {
		{"[eal]\nargs = -l 0,1 --in-memory --no-pci --vdev=net_af_xdp0,iface=hl1\n"
		 "[port net_af_xdp0]\naddress = 10.77.0.2/24\n"
		 "[listener web]\nvip = 10.77.0.100\nport = 80\nmode = echo\n",
		 "[eal] args"},
		{EAL_PORT "gateway = 10.77.0.1\n[listener web]\nvip = 10.77.0.100\nport = 80\n"
			  "mode = echo\n",
		 "[port net_af_xdp0]: changed"},
		{EAL_PORT "[listener web]\nvip = 10.77.0.100\nport = 81\nmode = echo\n",
		 "[listener web]: changed"},
		{RELOAD_BASE "[listener diag]\nvip = 10.77.0.100\nport = 7\nmode = echo\n",
		 "[listener diag]: added"},
		{EAL_PORT, "[listener web]: removed"},
	};
	struct hl_config run, next;
	char err[HL_CFG_ERR_MAX];

	(void)state;
	assert_int_equal(
		load(RELOAD_BASE "[replica a]\naddress = 10.9.0.1:80\n", &run, err, sizeof(err)),
		0);
	for (unsigned i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		if (load(refused[i].text, &next, err, sizeof(err)) != 0)
			fail_msg("case %u: %s", i, err);
		assert_int_equal(hl_config_reload_check(&run, &next, err, sizeof(err)), -EINVAL);
		if (strstr(err, refused[i].want) == NULL)
			fail_msg("case %u: '%s' lacks '%s'", i, err, refused[i].want);
		hl_config_free(&next);
	}
	assert_int_equal(load(RELOAD_BASE "[replica a]\naddress = 10.9.0.1:80\nweight = 5\n"
					  "[replica b]\naddress = 10.9.0.2:80\n[http]\n"
					  "client_idle_timeout_ms = 777\n",
			      &next, err, sizeof(err)),
			 0);
	assert_int_equal(hl_config_reload_check(&run, &next, err, sizeof(err)), 0);
	hl_config_take_live(&run, &next);
	assert_int_equal(run.n_replicas, 2);
	assert_int_equal(run.replicas[0].weight, 5);
	assert_string_equal(run.replicas[1].name, "b");
	assert_int_equal(run.http.client_idle_timeout_ms, 777);
	assert_int_equal(next.n_replicas, 1); /* the old list, freed with next */
	hl_config_free(&next);
	hl_config_free(&run);
}

static int group_setup(void **state)
{
	char *argv[] = {"test", "--no-huge", "--no-shconf",       "--no-pci",
			"-l",   "0",         "--log-level=error", NULL};

	(void)state;
	return rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0 ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_args_repeat_and_xdp_prog),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_router_refuses),
		cmocka_unit_test(test_tcp_params),
		cmocka_unit_test(test_reload_every_key),
		cmocka_unit_test(test_reload_sections),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
