/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Layer 4 trackers: one const ops table per protocol (tcp.c, udp.c,
 * icmp.c, generic.c for everything else), found by ct_proto_find(), as the
 * kernel's nf_conntrack_l4proto.
 *
 * For one packet the lookup hook (ct.c) calls, in order:
 *   error    malformed packets (truncated, bad checksum, impossible flags)
 *            are INVALID; an ICMP error is attached to the connection it
 *            is about here (RELATED) and goes no further;
 *   tuple    the layer 4 part of the tuple;
 *   new      only for a packet that starts an entry: may it? (a TCP
 *            segment that cannot open a connection is INVALID and creates
 *            nothing);
 *   packet   every packet, the first too: the state machine; sets the
 *            timeout (ct_table_refresh) and may mark the entry ASSURED.
 * All run on the packet path: no allocation, no logging.
 */
#ifndef TF_CONNTRACK_PROTO_H
#define TF_CONNTRACK_PROTO_H

#include <stdbool.h>
#include <stdint.h>
#include "conntrack/entry.h"
#include "core/pkt.h"

struct ct_table;

/* What a tracker gets about the packet being tracked. */
struct ct_l4_ctx {
	struct ct_table *t;
	struct pkt *p;
	const uint8_t *l4;      /* transport header */
	unsigned int l4len;     /* bytes from l4 to the end of the datagram */
	uint8_t hook;           /* enum tf_hook */
	uint64_t now;           /* router clock, ms */
};

/* Results of error() and packet(). */
enum {
	CT_R_ACCEPT = 0,        /* go on (error: not an error; packet: tracked) */
	CT_R_INVALID = -1,      /* the packet is INVALID: no entry for it */
	CT_R_HANDLED = 1,       /* error(): done (ICMP error attached as RELATED) */
	CT_R_REPEAT = 2,        /* packet(): the entry was killed, look up again */
};

struct ct_proto_ops {
	uint8_t proto;
	const char *name;       /* "tcp", as conntrack(8) prints it */
	/* Layer 4 part of the tuple from len bytes of header; false: too short. */
	bool (*tuple)(struct ct_tuple *t, const uint8_t *l4, unsigned int len);
	/* Layer 4 part of the answer to t; false: there is none. */
	bool (*invert)(struct ct_tuple *inv, const struct ct_tuple *t);
	int (*error)(const struct ct_l4_ctx *c);                             /* may be NULL */
	bool (*new)(struct ct_entry *e, const struct ct_l4_ctx *c);          /* may be NULL */
	int (*packet)(struct ct_entry *e, const struct ct_l4_ctx *c, enum ct_dir dir,
		      uint8_t ctinfo);
	/* May the table evict it when full (beyond not being ASSURED)? NULL: yes. */
	bool (*can_early_drop)(const struct ct_entry *e);
	/* An insertion clash may be resolved rather than dropped (clash.c). */
	bool allow_clash;
};

const struct ct_proto_ops *ct_proto_find(uint8_t proto);
/* A transport checksum the trackers must call wrong (see proto.c);
 * pseudo: the pseudo-header is covered (tcp, udp). */
bool ct_proto_csum_bad(const struct ct_l4_ctx *c, bool pseudo);

extern const struct ct_proto_ops ct_tcp_ops, ct_udp_ops, ct_icmp_ops, ct_generic_ops;

/* ---- TCP (tcp.c) ---- */

/* The kernel's enum tcp_conntrack, in its order (the transition table and
 * the timeouts are indexed by it). */
enum ct_tcp_state {
	CT_TCP_NONE = 0,
	CT_TCP_SYN_SENT,
	CT_TCP_SYN_RECV,
	CT_TCP_ESTABLISHED,
	CT_TCP_FIN_WAIT,
	CT_TCP_CLOSE_WAIT,
	CT_TCP_LAST_ACK,
	CT_TCP_TIME_WAIT,
	CT_TCP_CLOSE,
	CT_TCP_SYN_SENT2,
	CT_TCP_MAX,             /* sIV: invalid */
	CT_TCP_IGNORE,          /* sIG: let through, change nothing */
};

/* The event a segment is, from its flags (get_conntrack_index). */
enum ct_tcp_index {
	CT_TCP_SYN_SET = 0,
	CT_TCP_SYNACK_SET,
	CT_TCP_FIN_SET,
	CT_TCP_ACK_SET,
	CT_TCP_RST_SET,
	CT_TCP_NONE_SET,
	CT_TCP_INDEX_MAX,
};

/* ct_tcp_peer.flags (IP_CT_TCP_FLAG_*). */
enum {
	CT_TCP_F_WINDOW_SCALE = 0x01,
	CT_TCP_F_SACK_PERM = 0x02,
	CT_TCP_F_CLOSE_INIT = 0x04,
	CT_TCP_F_BE_LIBERAL = 0x08,
	CT_TCP_F_DATA_UNACKNOWLEDGED = 0x10,
	CT_TCP_F_MAXACK_SET = 0x20,
};

/* The transition table: the state after a segment of event index in
 * direction dir, from state (CT_TCP_MAX: invalid, CT_TCP_IGNORE: ignored). */
enum ct_tcp_state ct_tcp_transition(enum ct_dir dir, enum ct_tcp_index index,
				    enum ct_tcp_state state);
enum ct_tcp_index ct_tcp_index(uint8_t tcp_flags);
/* "ESTABLISHED"; "NONE" for out of range. */
const char *ct_tcp_state_name(unsigned int state);
/* The state by name (case-insensitive), -1 if none. */
int ct_tcp_state_by_name(const char *name);

#endif
