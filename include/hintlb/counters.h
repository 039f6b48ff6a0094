/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Per-worker dataplane counters: one enum, one name per entry.
 *
 * Every drop and every error path on a worker bumps exactly one of these.
 * The values are part of the control protocol and of saved metrics: entries
 * are only ever appended, never renumbered or removed (retire one by leaving
 * it in place). Names are stable too: tests and dashboards match them.
 */
#ifndef HINTLB_COUNTERS_H
#define HINTLB_COUNTERS_H

#ifdef __cplusplus
extern "C" {
#endif

/* X(ENUM_SUFFIX, "name"): append only. */
#define HL_COUNTERS(X)                                                                             \
	X(RX_PKTS, "rx_pkts")                   /* packets received (all ports) */                 \
	X(RX_BYTES, "rx_bytes")                 /* bytes received */                               \
	X(TX_PKTS, "tx_pkts")                   /* packets the PMD accepted */                     \
	X(TX_BYTES, "tx_bytes")                 /* bytes the PMD accepted */                       \
	X(TX_DROP_FULL, "tx_drop_full")         /* tx buffer full and PMD busy: freed */           \
	X(LOOPS, "loops")                       /* worker loop iterations */                       \
	X(IDLE_SLEEPS, "idle_sleeps")           /* adaptive idle: sleeps taken */                  \
	X(ETH_TOO_SHORT, "eth_too_short")       /* shorter than an Ethernet header */              \
	X(ETH_NOT_FOR_US, "eth_not_for_us")     /* dst MAC neither ours nor broadcast */           \
	X(ETH_UNKNOWN_TYPE, "eth_unknown_type") /* neither ARP nor IPv4 (VLAN, IPv6, ...) */       \
	X(ETH_NO_HEADROOM, "eth_no_headroom")   /* output: no room to prepend the header */        \
	X(ARP_IN, "arp_in")                     /* ARP packets received */                         \
	X(ARP_MALFORMED, "arp_malformed")       /* not Ethernet/IPv4 ARP, or short */              \
	X(ARP_NOT_FOR_US, "arp_not_for_us")     /* target is none of our addresses */              \
	X(ARP_REQUEST_IN, "arp_request_in")     /* requests for our addresses */                   \
	X(ARP_REPLY_IN, "arp_reply_in")         /* replies to us */                                \
	X(ARP_REPLY_OUT, "arp_reply_out")       /* replies sent */                                 \
	X(ARP_REQUEST_OUT, "arp_request_out")   /* requests sent (resolution, refresh) */          \
	X(ARP_LEARNED, "arp_learned")           /* neighbour entries created or changed */         \
	X(ARP_CACHE_FULL, "arp_cache_full")     /* no room for a new neighbour */                  \
	X(ARP_PENDING_FULL, "arp_pending_full") /* packet awaiting resolution: queue full */       \
	X(ARP_UNRESOLVED, "arp_unresolved")     /* packet dropped: neighbour never answered */     \
	X(ARP_NO_MBUF, "arp_no_mbuf")           /* could not allocate a request */                 \
	X(ARP_SHARE_FULL, "arp_share_full")     /* a peer worker's neighbour ring was full */      \
	X(IPV4_IN, "ipv4_in")                   /* IPv4 packets received */                        \
	X(IPV4_TOO_SHORT, "ipv4_too_short")     /* shorter than an IPv4 header */                  \
	X(IPV4_BAD_VERSION, "ipv4_bad_version") /* version is not 4 */                             \
	X(IPV4_BAD_HLEN, "ipv4_bad_hlen")       /* IHL < 5 or beyond the packet */                 \
	X(IPV4_BAD_LEN, "ipv4_bad_len")         /* total length < IHL or beyond the frame */       \
	X(IPV4_BAD_CKSUM, "ipv4_bad_cksum")     /* header checksum wrong */                        \
	X(IPV4_TTL_ZERO, "ipv4_ttl_zero")       /* TTL 0 */                                        \
	X(IPV4_FRAGMENT, "ipv4_fragment")       /* MF set or offset > 0: not reassembled */        \
	X(IPV4_BAD_SRC, "ipv4_bad_src")         /* source 0/loopback/multicast/broadcast/ours */   \
	X(IPV4_NOT_LOCAL, "ipv4_not_local")     /* destination is none of our addresses */         \
	X(IPV4_NO_ROUTE, "ipv4_no_route")       /* output: no connected subnet, no gateway */      \
	X(IPV4_PROTO_UNSUPPORTED, "ipv4_proto_unsupported") /* not ICMP or TCP */                  \
	X(IPV4_TCP_NO_STACK, "ipv4_tcp_no_stack")           /* TCP: the stack is not there yet */  \
	X(IPV4_MULTISEG, "ipv4_multiseg")                   /* header not in the first segment */  \
	X(ICMP_IN, "icmp_in")                               /* ICMP messages received */           \
	X(ICMP_TOO_SHORT, "icmp_too_short")                 /* shorter than an ICMP header */      \
	X(ICMP_BAD_CKSUM, "icmp_bad_cksum")                 /* ICMP checksum wrong */              \
	X(ICMP_ECHO_REPLIED, "icmp_echo_replied")           /* echo requests answered */           \
	X(ICMP_OTHER, "icmp_other")                         /* types we do not handle: dropped */  \
	X(TCP_IN, "tcp_in")                                 /* segments received */                \
	X(TCP_TOO_SHORT, "tcp_too_short")                   /* shorter than a TCP header */        \
	X(TCP_MULTISEG, "tcp_multiseg")       /* TCP header not in the first mbuf segment */       \
	X(TCP_BAD_DOFF, "tcp_bad_doff")       /* data offset < 5 words or beyond the segment */    \
	X(TCP_BAD_CKSUM, "tcp_bad_cksum")     /* TCP checksum wrong */                             \
	X(TCP_BAD_FLAGS, "tcp_bad_flags")     /* SYN with FIN or RST */                            \
	X(TCP_BAD_OPTIONS, "tcp_bad_options") /* SYN options run past the header */                \
	X(TCP_NO_LISTENER, "tcp_no_listener") /* no listener on the address/port: RST sent */      \
	X(TCP_NO_CONN, "tcp_no_conn")         /* no connection (ACK: RST sent; else dropped) */    \
	X(TCP_RST_NO_CONN, "tcp_rst_no_conn") /* RST for no connection: ignored */                 \
	X(TCP_RST_IN, "tcp_rst_in")           /* RST accepted (exact sequence number) */           \
	X(TCP_RST_IGNORED, "tcp_rst_ignored") /* RST outside the window: ignored */                \
	X(TCP_RST_OUT, "tcp_rst_out")         /* RSTs sent */                                      \
	X(TCP_CHALLENGE_ACK,                                                                       \
	  "tcp_challenge_ack") /* RFC 5961 challenge ACKs sent (RST, SYN, ACK out of range) */     \
	X(TCP_OUT_OF_WINDOW,                                                                       \
	  "tcp_out_of_window")        /* segment outside the receive window: ACKed, dropped */     \
	X(TCP_NO_ACK, "tcp_no_ack")   /* segment without ACK on a connection: dropped */           \
	X(TCP_BAD_ACK, "tcp_bad_ack") /* SYN-RECEIVED: ACK not for our SYN-ACK: RST sent */        \
	X(TCP_ACK_UNSENT, "tcp_ack_unsent") /* ACK for data never sent: ACKed, dropped */          \
	X(TCP_ACK_TOO_OLD,                                                                         \
	  "tcp_ack_too_old")            /* ACK below SND.UNA - MAX.SND.WND: ACKed, dropped */      \
	X(TCP_OOO_DROP, "tcp_ooo_drop") /* out-of-order segment beyond the queue caps: dropped */  \
	X(TCP_DATA_AFTER_FIN, "tcp_data_after_fin") /* data beyond the peer's FIN: ignored */      \
	X(TCP_SYN_REPEATED, "tcp_syn_repeated") /* SYN repeated in SYN-RECEIVED: SYN-ACK again */  \
	X(TCP_SYN_BACKLOG_FULL,                                                                    \
	  "tcp_syn_backlog_full") /* SYN dropped: too many half-open connections */                \
	X(TCP_CONN_POOL_EMPTY, "tcp_conn_pool_empty") /* SYN dropped: no connection object left */ \
	X(TCP_TABLE_FULL,                                                                          \
	  "tcp_table_full")           /* always 0: the table has 2x max_conns slots (name kept) */ \
	X(TCP_NO_MBUF, "tcp_no_mbuf") /* segment not sent: packet pool empty */                    \
	X(TCP_ACCEPTED, "tcp_accepted") /* connections established (passive open) */               \
	X(TCP_CLOSED, "tcp_closed")     /* connections freed (any reason) */                       \
	X(TCP_TW_RECYCLED,                                                                         \
	  "tcp_tw_recycled")            /* TIME-WAIT connections recycled early (pool bound) */    \
	X(TCP_SEG_OUT, "tcp_seg_out")   /* segments sent */                                        \
	X(TCP_BYTES_IN, "tcp_bytes_in") /* payload bytes delivered in order */                     \
	X(TCP_RETRANSMIT, "tcp_retransmit") /* segments sent again */                              \
	X(TCP_RTO, "tcp_rto")               /* retransmission timeouts (incl. SYN-ACK) */          \
	X(TCP_RTO_GIVEUP, "tcp_rto_giveup") /* connections dropped after too many RTOs */          \
	X(TCP_SYNACK_GIVEUP,                                                                       \
	  "tcp_synack_giveup") /* half-open connections dropped: SYN-ACK never ACKed */            \
	X(TCP_FAST_RETRANSMIT, "tcp_fast_retransmit") /* fast retransmits (third duplicate ACK) */ \
	X(TCP_DUPACK, "tcp_dupack")                   /* duplicate ACKs received */                \
	X(TCP_DELACK_SENT, "tcp_delack_sent")         /* ACKs sent by the delayed-ACK timer */     \
	X(TCP_PERSIST_PROBE, "tcp_persist_probe")     /* zero-window probes sent */                \
	X(TCP_FIN_WAIT2_TIMEOUT,                                                                   \
	  "tcp_fin_wait2_timeout") /* FIN-WAIT-2 connections dropped: peer never closed */         \
	X(TCP_OOO_QUEUED, "tcp_ooo_queued") /* out-of-order segments kept for reassembly */        \
	X(TCP_PAWS_DROP,                                                                           \
	  "tcp_paws_drop") /* segment with an old timestamp (PAWS): ACKed, dropped */              \
	X(TCP_SACK_RETRANSMIT,                                                                     \
	  "tcp_sack_retransmit") /* holes retransmitted from the SACK scoreboard */                \
	X(TCP_SYNCOOKIE_SENT, "tcp_syncookie_sent") /* SYN-ACKs with a cookie (backlog full) */    \
	X(TCP_SYNCOOKIE_OK, "tcp_syncookie_ok")     /* connections opened by a valid cookie */     \
	X(TCP_SYNCOOKIE_BAD,                                                                       \
	  "tcp_syncookie_bad")            /* ACKs with an invalid or expired cookie: RST */        \
	X(TX_PMD_BUSY, "tx_pmd_busy")     /* PMD took part of a burst: rest kept, retried */       \
	X(TCP_CONNECT, "tcp_connect")     /* active opens attempted (hl_tcp_connect) */            \
	X(TCP_CONNECTED, "tcp_connected") /* active opens established */                           \
	X(TCP_CONNECT_REFUSED, "tcp_connect_refused") /* active opens answered with RST */         \
	X(TCP_CONNECT_TIMEOUT, "tcp_connect_timeout") /* active opens never answered */            \
	X(TCP_CONNECT_NO_PORT,                                                                     \
	  "tcp_connect_no_port") /* active opens failed: no free source port for the peer */       \
	X(TCP_CONNECT_NO_ROUTE, "tcp_connect_no_route") /* active opens failed: no port routes */  \
	X(TCP_HANDOFF_OUT,                                                                         \
	  "tcp_handoff_out") /* segments passed to the worker that owns their flow */              \
	X(TCP_HANDOFF_IN, "tcp_handoff_in") /* segments received from another worker's queue */    \
	X(TCP_HANDOFF_FULL,                                                                        \
	  "tcp_handoff_full")           /* segments dropped: the owner's hand-off ring was full */ \
	X(RELAY_OPENED, "relay_opened") /* relay: client connections given a replica connection */ \
	X(RELAY_CONNECTED, "relay_connected") /* relay: replica connections established */         \
	X(RELAY_CONNECT_FAILED,                                                                    \
	  "relay_connect_failed") /* relay: replica refused, never answered, or no source port */  \
	X(RELAY_NO_REPLICA, "relay_no_replica") /* relay: no replica available: client reset */    \
	X(RELAY_NO_MEMORY, "relay_no_memory")   /* relay: no pair object left: client reset */     \
	X(RELAY_UNDELIVERED,                                                                       \
	  "relay_undelivered") /* relay: bytes for a side already gone: that side reset */         \
	X(TCP_CHALLENGE_ACK_SUPPRESSED,                                                            \
	  "tcp_challenge_ack_suppressed") /* RFC 5961 7: challenge ACK not sent, budget spent */   \
	X(TCP_KEEPALIVE_SENT, "tcp_keepalive_sent") /* keepalive probes sent */                    \
	X(TCP_KEEPALIVE_TIMEOUT,                                                                   \
	  "tcp_keepalive_timeout") /* connections reset: keepalive probes unanswered */            \
	X(TCP_RX_MEM_DROP,                                                                         \
	  "tcp_rx_mem_drop") /* in-order data dropped: send queues hold their share of mbufs */    \
	X(TCP_DSACK_IN, "tcp_dsack_in") /* D-SACKs received (RFC 2883: data that came twice) */    \
	X(TCP_SPURIOUS_UNDO,                                                                       \
	  "tcp_spurious_undo") /* fast retransmits undone: D-SACKs showed them all unneeded */     \
	X(TCP_SACK_LOSS,                                                                           \
	  "tcp_sack_loss") /* fast retransmits the scoreboard started (RFC 6675 IsLost) */         \
	X(TCP_REO_WAIT,                                                                            \
	  "tcp_reo_wait") /* suspected losses that first waited a reordering window */             \
	X(TCP_REO_TIMEOUT,                                                                         \
	  "tcp_reo_timeout") /* ... whose window passed with the segment still missing */          \
	X(HTTP_ACCEPTED, "http_accepted")                 /* proxy: client connections taken */    \
	X(HTTP_CLIENT_NO_MEMORY, "http_client_no_memory") /* no client object: reset */            \
	X(HTTP_REQUESTS, "http_requests")                 /* request heads read whole */           \
	X(HTTP_REQ_REJECTED,                                                                       \
	  "http_req_rejected")            /* heads the parser refused (by reason: report) */       \
	X(HTTP_RESP_1XX, "http_resp_1xx") /* interim responses passed to clients */                \
	X(HTTP_RESP_2XX, "http_resp_2xx") /* final responses to clients, by class (ours too) */    \
	X(HTTP_RESP_3XX, "http_resp_3xx")                                                          \
	X(HTTP_RESP_4XX, "http_resp_4xx")                                                          \
	X(HTTP_RESP_5XX, "http_resp_5xx")                                                          \
	X(HTTP_408, "http_408_client_timeout")         /* head (or a body gap) too slow */         \
	X(HTTP_413, "http_413_body_too_large")         /* request body over [http] max_body_kib */ \
	X(HTTP_417, "http_417_expectation")            /* Expect other than 100-continue */        \
	X(HTTP_502_CONNECT, "http_502_connect_failed") /* replica refused or silent */             \
	X(HTTP_502_RESET, "http_502_replica_reset")    /* replica reset or closed mid-request */   \
	X(HTTP_502_BAD_RESPONSE, "http_502_bad_response")   /* unparseable response */             \
	X(HTTP_503_NO_REPLICA, "http_503_no_replica")       /* no usable replica */                \
	X(HTTP_503_NO_MEMORY, "http_503_no_memory")         /* request objects or mbufs ran out */ \
	X(HTTP_503_QUEUE_TIMEOUT, "http_503_queue_timeout") /* no pooled connection in time */     \
	X(HTTP_504, "http_504_replica_timeout")             /* no response head in time */         \
	X(HTTP_RETRIES, "http_retries") /* requests sent again (nothing of them had reached) */    \
	X(HTTP_CLIENT_ABORTED, "http_client_aborted") /* client gone before its response */        \
	X(HTTP_CLIENT_IDLE_CLOSED, "http_client_idle_closed") /* keep-alive idle timeout */        \
	X(HTTP_CLIENT_TRUNCATED, "http_client_truncated")     /* FIN inside a request */           \
	X(HTTP_RESP_TRUNCATED, "http_resp_truncated")   /* replica failed mid-response: reset */   \
	X(HTTP_EARLY_RESPONSE, "http_early_response")   /* response before the request body */     \
	X(HTTP_UPGRADE_IGNORED, "http_upgrade_ignored") /* Upgrade removed (not supported) */      \
	X(HTTP_CHUNKED_TO_HTTP10, "http_chunked_to_http10") /* chunked response, 1.0 client */     \
	X(HTTP_BYTES_IN, "http_bytes_in")                   /* bytes from clients */               \
	X(HTTP_BYTES_OUT, "http_bytes_out")                 /* bytes queued to clients */          \
	X(HTTP_POOL_OPENED, "http_pool_opened")             /* replica connections opened */       \
	X(HTTP_POOL_REUSED, "http_pool_reused") /* requests on an idle pooled connection */        \
	X(HTTP_POOL_WAITED, "http_pool_waited") /* requests that waited for a connection */        \
	X(HTTP_POOL_IDLE_CLOSED, "http_pool_idle_closed") /* idle pooled: our timeout */           \
	X(HTTP_POOL_PEER_CLOSED, "http_pool_peer_closed") /* idle pooled: closed by replica */     \
	X(HTTP_POOL_UNSOLICITED, "http_pool_unsolicited") /* bytes on an idle connection */        \
	X(HINTS_UNCHANGED, "hints_unchanged") /* hints header as last passed on: a compare */      \
	X(HINTS_PASSED, "hints_passed")       /* changed hint lists sent to the control thread */  \
	X(HINTS_TRUNCATED, "hints_truncated") /* lists cut to fit one message */                   \
	X(HEALTH_EVENTS, "health_events")     /* failures/recoveries sent to the control thread */ \
	X(CTRL_MSG_DROPPED, "ctrl_msg_dropped") /* control ring full or no message left */         \
	X(BUSY_CYCLES, "busy_cycles") /* TSC cycles of loop iterations that had packets */         \
	X(PMD_CYCLES, "pmd_cycles")   /* of them, inside rx/tx bursts (AF_XDP: kernel work) */     \
	X(CTRL_WAKE_FAILED, "ctrl_wake_failed")       /* eventfd write refused (counter at max) */ \
	X(TCP_LISTENER_CLOSED, "tcp_listener_closed") /* stopping: SYN to a listener, RST */       \
	X(HTTP_DRAIN_CLOSED, "http_drain_closed") /* stopping: idle keep-alive client closed */    \
	X(TX_STALLED, "tx_stalled") /* a port's tx queue took nothing for 1 s (logged once) */     \
	X(BUSY_LOOPS, "busy_loops") /* loop iterations that had packets (busy_cycles' count) */    \
	X(TCP_ZERO_WINDOW_TIMEOUT,                                                                 \
	  "tcp_zero_window_timeout") /* connections reset: peer window closed too long */

/** Counter ids. Never renumbered. */
enum hl_counter {
#define HL_COUNTER_ENUM_(id, name) HL_CTR_##id,
	HL_COUNTERS(HL_COUNTER_ENUM_)
#undef HL_COUNTER_ENUM_
		HL_CTR_COUNT
};

/** The stable name of a counter ("ipv4_bad_cksum"), or "?" when out of range. */
static inline const char *hl_counter_name(unsigned id)
{
	static const char *const names[] = {
#define HL_COUNTER_NAME_(id, name) name,
		HL_COUNTERS(HL_COUNTER_NAME_)
#undef HL_COUNTER_NAME_
	};
	return id < HL_CTR_COUNT ? names[id] : "?";
}

#ifdef __cplusplus
}
#endif
#endif /* HINTLB_COUNTERS_H */
