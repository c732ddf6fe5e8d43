/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One tracked connection (the kernel's struct nf_conn), 192 bytes.
 *
 * Life of an entry:
 *   - the lookup hook (PRE_ROUTING, LOCAL_OUT) meets a packet that matches
 *     no tuple: a new, unconfirmed entry is taken from the table's store
 *     and attached to the packet (p->ct, p->ctinfo = CT_NEW). It is in no
 *     hash chain yet: nothing else can find it;
 *   - the confirm hook (POST_ROUTING, LOCAL_IN, last) inserts it: both
 *     tuples go into the hash table, the timer starts, CT_S_CONFIRMED is
 *     set. A packet dropped on the way never gets there, and its entry dies
 *     with its last reference (pkt_free), so dropped packets create nothing;
 *   - later packets of either direction find it by either tuple;
 *   - it dies when its timeout passes, when the TCP tracker sees the
 *     connection reopened, or when `tunfilter conntrack -D/-F` removes it
 *     (CT_S_DYING, out of the hash and the timer wheel), and is freed when
 *     the last packet holding it lets go.
 *
 * A clash loser (CT_S_NAT_CLASH, the kernel's IPS_NAT_CLASH on the bit it
 * shares with IPS_UNTRACKED): a UDP entry whose first packet raced another
 * of the same flow to confirmation and lost, after NAT gave the two
 * different reply tuples. Only its reply tuple is hashed (th[ORIGINAL] is
 * on no chain), so the original direction keeps finding the winner while
 * answers to the loser's translation still find the loser; it lives one
 * second (CT_S_FIXED_TIMEOUT), is never ASSURED and is not listed. See
 * ct_table_insert_clash() and clash.c.
 *
 * References (use): one for the table while the entry is confirmed and not
 * dying, one for each packet whose p->ct points to it. The packet path is
 * single threaded: a reference is only needed to outlive a packet that is
 * parked (QUEUE) or queued for output while the entry is removed.
 *
 * For NAT (src/nat/): as in the kernel, the reply tuple is what NAT
 * rewrites. A binding made on the first packet (entry not yet confirmed)
 * replaces th[CT_DIR_REPLY].t with ct_table_set_reply() (the translated
 * answer: for SNAT its destination is the new source, for DNAT its source
 * is the new destination), and sets CT_S_SRC_NAT / CT_S_DST_NAT; every
 * later packet is rewritten by comparing the two tuples. CT_S_*_NAT_DONE
 * say that the binding for that manipulation was made (the nat table is
 * not consulted again), and struct ct_nat is room owned by src/nat/.
 */
#ifndef TF_CONNTRACK_ENTRY_H
#define TF_CONNTRACK_ENTRY_H

#include <stdint.h>
#include "conntrack/tuple.h"

enum ct_dir {
	CT_DIR_ORIGINAL = 0,
	CT_DIR_REPLY = 1,
};

/* p->ctinfo: the kernel's enum ip_conntrack_info, number for number. With
 * p->ct NULL, a packet is INVALID, or UNTRACKED when ctinfo says so (raw
 * table: CT --notrack, NOTRACK). */
enum ct_info {
	CT_ESTABLISHED = 0,       /* original direction, after a reply was seen */
	CT_RELATED = 1,           /* ICMP error about the connection (original dir) */
	CT_NEW = 2,               /* original direction, no reply seen yet */
	CT_IS_REPLY = 3,
	CT_ESTABLISHED_REPLY = CT_IS_REPLY,
	CT_RELATED_REPLY = CT_IS_REPLY + CT_RELATED,
	CT_UNTRACKED = 7,
};

static inline enum ct_dir ct_info_dir(uint8_t ctinfo)
{
	return ctinfo >= CT_IS_REPLY && ctinfo != CT_UNTRACKED ? CT_DIR_REPLY : CT_DIR_ORIGINAL;
}

/* Status bits: the kernel's IPS_* (so --ctstatus masks mean the same). */
enum {
	CT_S_EXPECTED = 1u << 0,       /* (expectations are not implemented) */
	CT_S_SEEN_REPLY = 1u << 1,     /* a packet in the reply direction was seen */
	CT_S_ASSURED = 1u << 2,        /* never evicted when the table is full */
	CT_S_CONFIRMED = 1u << 3,      /* in the hash table */
	CT_S_SRC_NAT = 1u << 4,        /* NAT: the reply tuple's dst differs (SNAT) */
	CT_S_DST_NAT = 1u << 5,        /* NAT: the reply tuple's src differs (DNAT) */
	CT_S_SRC_NAT_DONE = 1u << 7,   /* NAT: the source binding was made */
	CT_S_DST_NAT_DONE = 1u << 8,   /* NAT: the destination binding was made */
	CT_S_DYING = 1u << 9,          /* removed; freed with the last reference */
	CT_S_FIXED_TIMEOUT = 1u << 10, /* packets do not move its expiry */
	CT_S_NAT_CLASH = 1u << 12,     /* a clash loser, findable by its reply only */
};

#define CT_S_NAT_MASK (CT_S_SRC_NAT | CT_S_DST_NAT)

/* Pending UPDATE reasons (ecache), delivered at the confirm hook. */
enum {
	CT_EC_STATUS = 1u << 0,        /* SEEN_REPLY or ASSURED set */
	CT_EC_PROTOINFO = 1u << 1,     /* TCP state changed */
	CT_EC_MARK = 1u << 2,          /* connmark changed */
};

/* One direction's tuple on a hash chain. next: the next node, as
 * (entry index << 1 | direction) + 1; 0 ends the chain. */
struct ct_thash {
	struct ct_tuple t;
	uint32_t next;
};

/* TCP window tracking of one side (ip_ct_tcp_state). */
struct ct_tcp_peer {
	uint32_t td_end;      /* max of seq + len */
	uint32_t td_maxend;   /* max of ack + max(win, 1) */
	uint32_t td_maxwin;   /* max(win) */
	uint32_t td_maxack;   /* max of ack */
	uint8_t td_scale;     /* window scale factor */
	uint8_t flags;        /* CT_TCP_F_* */
	uint8_t pad[2];
};

struct ct_tcp {
	struct ct_tcp_peer seen[2];
	uint32_t last_seq, last_ack, last_end;
	uint16_t last_win;
	uint8_t state;        /* enum ct_tcp_state */
	uint8_t last_dir;
	uint8_t last_index;   /* enum ct_tcp_index of the last packet */
	uint8_t last_wscale;
	uint8_t last_flags;
	uint8_t retrans;      /* retransmissions of the last segment */
};

struct ct_udp {
	uint64_t stream_ms;   /* a reply seen after this makes it a stream */
};

/* Owned by NAT (src/nat/); conntrack only initialises it (masq_oif -1). */
struct ct_nat {
	int16_t masq_oif;     /* MASQUERADE: the interface whose address was taken */
	uint8_t flags;
	uint8_t pad;
	uint32_t spare[3];
};

struct ct_entry {
	struct ct_thash th[2];     /* [CT_DIR_ORIGINAL], [CT_DIR_REPLY] */
	uint32_t wnext, wprev;     /* timer wheel list (table.c) */
	uint32_t wslot;            /* the wheel slot it is on */
	uint32_t use;              /* references */
	uint64_t expires;          /* router clock, ms */
	uint32_t id;               /* stable for its life, for listings */
	uint32_t mark;             /* connmark */
	uint16_t status;           /* CT_S_* */
	uint8_t ecache;            /* CT_EC_*: UPDATE pending */
	uint8_t pad;
	union {
		struct ct_tcp tcp;
		struct ct_udp udp;
	} proto;
	uint64_t packets[2], bytes[2]; /* per direction */
	struct ct_nat nat;
};

static inline const struct ct_tuple *ct_entry_tuple(const struct ct_entry *e, enum ct_dir dir)
{
	return &e->th[dir].t;
}

static inline uint8_t ct_entry_proto(const struct ct_entry *e)
{
	return e->th[CT_DIR_ORIGINAL].t.proto;
}

#endif
