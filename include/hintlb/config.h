/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The daemon's configuration: an INI file read with DPDK's rte_cfgfile.
 *
 * Every key is documented in docs/CONFIG.md. Loading checks everything that
 * can be checked without the EAL: syntax of every value, ranges, duplicate
 * names, cross references (a port section must name a device given in
 * `[eal] args`, a VIP must not be a port address, ...). Unknown sections and
 * keys are errors. Every error message names the section, the key and the bad
 * value: "[replica gpu-1] address: '10.0.0.300:80' is not IPv4:PORT".
 *
 * The routing-core checks (replicas added to a real router) need the EAL and
 * live in the daemon (hl_daemon_router_create()); `hintlb --check` runs both.
 */
#ifndef HINTLB_CONFIG_H
#define HINTLB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Longest section name after the type word ("[port NAME]"), with the NUL. */
#define HL_CFG_NAME_MAX 64
/** Most `[port ...]` sections. */
#define HL_CFG_PORTS_MAX 8
/** Most `[listener ...]` sections (each VIP is answered on every port). */
#define HL_CFG_LISTENERS_MAX 64
/** Most `[replica ...]` sections. */
#define HL_CFG_REPLICAS_MAX 4096
/** Most words in `[eal] args`. */
#define HL_CFG_EAL_ARGS_MAX 64
/** Longest header name (hint_header, hints_header), with the NUL. */
#define HL_CFG_HEADER_MAX 64
/** Longest `[ctrl] socket` path, with the NUL (sockaddr_un.sun_path). */
#define HL_CFG_PATH_MAX 108
/** Longest interface name, with the NUL (IFNAMSIZ). */
#define HL_CFG_IFNAME_MAX 16
/** Size of an error buffer that fits every message the config code writes. */
#define HL_CFG_ERR_MAX 512

/** What a listener does with the connections it accepts. */
enum hl_listener_mode {
	HL_LISTEN_HTTP = 0, /**< the proxy */
	HL_LISTEN_ECHO,     /**< diagnostics: echo the bytes back */
	HL_LISTEN_DISCARD,  /**< diagnostics: read and drop */
	HL_LISTEN_RELAY,    /**< diagnostics: relay bytes to a replica (L4, no HTTP) */
};

/** How a worker waits when its queues are empty. */
enum hl_idle_mode {
	HL_IDLE_ADAPTIVE = 0, /**< pause, then short sleeps (default; shared machines) */
	HL_IDLE_POLL,         /**< never sleep (dedicated cores) */
};

/** `[port NAME]`: one DPDK ethdev. Addresses are network byte order. */
struct hl_cfg_port {
	char name[HL_CFG_NAME_MAX]; /**< the DPDK device name, e.g. net_af_xdp0 */
	uint32_t addr;              /**< address = A.B.C.D/LEN */
	uint8_t prefix_len;
	uint32_t gateway; /**< 0 when absent */
	uint16_t mtu;     /**< 0: leave the device's */
	/** From the device's `iface=` devarg (net_af_xdp, net_af_packet); "" otherwise. */
	char iface[HL_CFG_IFNAME_MAX];
	/** The device is a net_af_xdp vdev with `xdp_prog=`: the XDP stage is ours. */
	bool xdp_prog;
	/** net_af_xdp `start_queue=`: the NIC rx queue of the device's queue 0. */
	uint16_t start_queue;
	/** net_af_xdp `queue_count=` (default 1): NIC queues from start_queue on. */
	uint16_t queue_count;
	/** The `xdp_prog=` path when xdp_prog is set. */
	char xdp_prog_path[HL_CFG_PATH_MAX * 4];
};

/** `[listener NAME]`. */
struct hl_cfg_listener {
	char name[HL_CFG_NAME_MAX];
	uint32_t vip;  /**< network byte order */
	uint16_t port; /**< host byte order */
	enum hl_listener_mode mode;
};

/** `[replica NAME]`. */
struct hl_cfg_replica {
	char name[HL_CFG_NAME_MAX];
	uint32_t addr; /**< network byte order */
	uint16_t port; /**< host byte order */
	uint32_t weight;
	uint32_t concurrency; /**< 0: the router's default */
};

/** `[routing]`. */
struct hl_cfg_routing {
	char hint_header[HL_CFG_HEADER_MAX];
	char hints_header[HL_CFG_HEADER_MAX];
	double balance_factor;
	uint32_t maglev_size;
	char policy[16]; /**< "ect" | "bounded"; checked by the routing core */
	uint32_t max_hints;
	uint32_t max_replicas; /**< 0: max(256, replicas) */
	bool strip_hints;      /**< strip the hints header from responses */
	/** ECT: most queue, in load times, a load may wait behind for a better victim */
	double load_wait;
	/** response field naming the replica and reason of each request; "" = off */
	char explain_header[HL_CFG_HEADER_MAX];
};

/** `[http]`: the proxy (listeners with mode = http). Times in ms. */
struct hl_cfg_http {
	uint32_t client_head_timeout_ms;      /**< first byte of a head to its end (408) */
	uint32_t client_idle_timeout_ms;      /**< keep-alive wait for the next request */
	uint32_t replica_connect_timeout_ms;  /**< a new replica connection's handshake */
	uint32_t replica_response_timeout_ms; /**< request sent to response head (504) */
	uint32_t replica_idle_timeout_ms;     /**< an idle pooled replica connection */
	uint32_t replica_queue_timeout_ms;    /**< waiting for a pooled connection (503) */
	uint32_t replica_conns_max;           /**< per worker and replica */
	uint32_t max_requests;                /**< requests in progress per worker */
	uint32_t max_head;                    /**< head bytes (431) */
	uint32_t max_fields;                  /**< header fields per head (431) */
	uint32_t max_body_kib;                /**< request body KiB (413); 0: no limit */
	uint32_t queue_bytes; /**< one side's send queue past this: the other's window stops */
	bool x_forwarded_for; /**< append X-Forwarded-For: <client address> */
};

/** `[health]`: passive (from traffic) and active (GET check_path) health checks. */
struct hl_cfg_health {
	uint32_t passive_fall;    /**< consecutive failures that mark a replica down; 0 = off */
	uint32_t down_backoff_ms; /**< a passively downed replica is tried again after this */
	char check_path[128];     /**< active check target ("" = no active checks) */
	uint32_t check_interval_ms;
	uint32_t check_timeout_ms;
	uint32_t rise; /**< consecutive successes to come up */
	uint32_t fall; /**< consecutive failures to go down */
};

/** `[worker]`. */
struct hl_cfg_worker {
	enum hl_idle_mode idle;
	uint32_t idle_sleep_us; /**< adaptive: longest sleep */
	uint32_t mbufs;         /**< mbufs in the packet pool */
	uint16_t rx_desc;
	uint16_t tx_desc;
};

/** `[tcp]`: the dataplane TCP stack, per worker. */
struct hl_cfg_tcp {
	uint32_t max_conns;    /**< connection objects, all states */
	uint32_t syn_backlog;  /**< half-open connections before SYN cookies */
	uint32_t time_wait;    /**< TIME-WAIT connections before the oldest is recycled */
	uint32_t rcv_buf;      /**< receive window per connection, bytes */
	uint32_t ooo_per_conn; /**< out-of-order mbufs per connection; 0: default */
	uint32_t ooo_max;      /**< out-of-order mbufs per worker; 0: default */
	uint16_t sport_lo;     /**< source ports of active opens, host order, inclusive */
	uint16_t sport_hi;
	/** source address of active opens (network order); 0: the egress port's */
	uint32_t source;
	unsigned cc;                  /**< enum hl_tcp_cc: 0 NewReno, 1 CUBIC */
	uint32_t challenge_ack_limit; /**< per second per worker; 0: no limit */
	bool keepalive;
	uint32_t keepalive_idle_s;
	uint32_t keepalive_interval_s;
	uint32_t keepalive_probes;
	uint32_t syn_retries;    /**< SYN retransmissions of an active open */
	uint32_t synack_retries; /**< SYN-ACK retransmissions of a half-open connection */
	/** how long a peer's window may stay at zero with our data waiting; 0: no limit */
	uint32_t zero_window_timeout_ms;
};

/** A loaded configuration. Owns its memory; free with hl_config_free(). */
struct hl_config {
	char *path;
	/** `[eal] args` split on whitespace, argv[0] = "hintlb", NULL-terminated. */
	int eal_argc;
	char *eal_argv[HL_CFG_EAL_ARGS_MAX + 2];
	/** Device names found in the EAL args (--vdev NAME,..., -a/--allow NAME). */
	unsigned n_devs;
	char devs[HL_CFG_PORTS_MAX * 2][HL_CFG_NAME_MAX];
	/** Each device's devargs after "NAME," (borrowed from eal_argv; "" when none). */
	const char *dev_args[HL_CFG_PORTS_MAX * 2];
	bool eal_no_pci; /**< --no-pci given: every port must be a vdev or allowed */

	unsigned n_ports;
	struct hl_cfg_port ports[HL_CFG_PORTS_MAX];
	unsigned n_listeners;
	struct hl_cfg_listener listeners[HL_CFG_LISTENERS_MAX];
	unsigned n_replicas;
	struct hl_cfg_replica *replicas; /**< n_replicas entries */
	struct hl_cfg_routing routing;
	struct hl_cfg_worker worker;
	struct hl_cfg_tcp tcp;
	struct hl_cfg_http http;
	struct hl_cfg_health health;
	char ctrl_socket[HL_CFG_PATH_MAX];
	char ctrl_group[32];       /**< `[ctrl] group`: the socket's group ("" = root's) */
	uint32_t ctrl_max_clients; /**< `[ctrl] max_clients`: connections at once */
	char ctrl_metrics[64];     /**< `[ctrl] metrics`: A.B.C.D:PORT, "" = off */
	/** `[ctrl] grace_ms`: SIGTERM lets requests in flight finish this long; 0: stop at once */
	uint32_t ctrl_grace_ms;
};

/**
 * Load and check a configuration file.
 * @param path the INI file.
 * @param cfg  filled on success; on failure left empty (nothing to free).
 * @param err  on failure, a message naming the section, the key and the bad
 *             value (or the file, for a file that cannot be read).
 * @return 0, or -ENOENT (cannot open), -EINVAL (bad content), -ENOMEM.
 */
int hl_config_load(const char *path, struct hl_config *cfg, char *err, size_t errlen);

/** Free what hl_config_load() allocated. Accepts a zeroed or freed config. */
void hl_config_free(struct hl_config *cfg);

/**
 * What `reload` may change in a running daemon (ctrl/config_reload.c): the
 * replicas, [routing] balance_factor and load_wait, the [http] *_timeout_ms
 * keys, [health] but check_path, [ctrl] grace_ms. @return 0 when @p next
 * differs from @p running in nothing else; -EINVAL with @p err naming the
 * first key that needs a restart ("[tcp] max_conns: 16384 -> 32768 needs a
 * restart").
 */
int hl_config_reload_check(const struct hl_config *running, const struct hl_config *next, char *err,
			   size_t errlen);

/** One "[SECTION] KEY: OLD -> NEW" line per live key that differs, to @p fn. */
void hl_config_live_changes(const struct hl_config *running, const struct hl_config *next,
			    void (*fn)(void *arg, const char *line), void *arg);

/**
 * After a reload was applied: move what may change from @p next into
 * @p running (the replica list, the live keys), so `config` shows it. @p next
 * keeps what @p running had; free it with hl_config_free().
 */
void hl_config_take_live(struct hl_config *running, struct hl_config *next);

/** "http", "echo", "discard", "relay". */
const char *hl_listener_mode_name(enum hl_listener_mode mode);
/** "adaptive", "poll". */
const char *hl_idle_mode_name(enum hl_idle_mode mode);

/**
 * Parse "A.B.C.D" (exactly four decimal octets, no leading zeros beyond "0").
 * @param out network byte order. @return 0 or -EINVAL.
 */
int hl_parse_ipv4(const char *s, uint32_t *out);

/**
 * Parse "A.B.C.D:PORT" (hl_parse_ipv4() and a decimal PORT 1..65535), any address.
 * @param addr network byte order. @param port host order. @return 0 or -EINVAL.
 */
int hl_parse_endpoint(const char *s, uint32_t *addr, uint16_t *port);

/**
 * Why @p addr (network byte order) cannot be another host's address ("is a loopback
 * address", ...), or NULL when it can. [replica] address and `replica add` refuse these.
 */
const char *hl_host_problem(uint32_t addr);

#ifdef __cplusplus
}
#endif
#endif /* HINTLB_CONFIG_H */
