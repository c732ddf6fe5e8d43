/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The router: one struct that holds everything the packet path needs
 * (interfaces, FIB, hook lists, buffer pool, defrag, ICMP limiter, drop
 * counters, clock). It is passed explicitly; nothing on the packet path is
 * global, which keeps a second worker thread possible later.
 *
 * The path (mirrors ip_rcv -> ip_route_input -> ip_forward / ip_local_deliver
 * -> ip_output in the kernel):
 *
 *   router_rx: validate -> PRE_ROUTING -> route lookup
 *      local:      [reassemble] -> LOCAL_IN -> local stack -> replies via router_local_out
 *      forward:    TTL<=1: time exceeded; DF and > MTU: frag needed;
 *                  TTL-1 -> FORWARD -> POST_ROUTING -> [fragment] -> tx queue
 *      no route:   ICMP net unreachable
 *   router_local_out: LOCAL_OUT -> route (again, a handler may have changed
 *      the destination or mark) -> POST_ROUTING -> [fragment] -> tx queue
 *   router_flush: hand every queued packet to ops->xmit.
 *
 * I/O is not done here: the daemon reads TUNs and calls router_rx, and the
 * output goes through router_ops, so unit tests drive the same path.
 */
#ifndef TF_CORE_ROUTER_H
#define TF_CORE_ROUTER_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include "core/defrag.h"
#include "core/drop.h"
#include "core/hook.h"
#include "core/icmp.h"
#include "core/pkt.h"
#include "core/route.h"

#define ROUTER_MAX_IFACES 32

struct iface_stats {
	uint64_t rx_packets, rx_bytes;
	uint64_t tx_packets, tx_bytes;
	uint64_t rx_dropped; /* dropped before routing (validation, no buffer) */
	uint64_t tx_dropped; /* write failed or link down */
};

struct iface {
	char name[IFNAMSIZ];
	int16_t idx;        /* index in router->ifaces */
	bool used;
	bool up;            /* kernel link is up and running (netlink events) */
	uint32_t addr;      /* the router's own address on the link, network order */
	uint8_t plen;
	uint32_t mtu;
	int fd;             /* TUN fd; -1 in unit tests */
	void *io;           /* owned by the I/O layer */
	struct pkt *txq, **txq_tail;
	uint32_t txq_len;
	struct iface_stats st;
};

struct router;
struct ruleset;
struct ct_table;

/* What the router asks of connection tracking (src/conntrack/) while it
 * runs, without knowing its types. */
struct router_ct_ops {
	/* Housekeeping (expiry), from router_tick. */
	void (*tick)(struct router *r);
	/* n is an answer the router made about orig (an ICMP error, a RST):
	 * give it orig's entry as RELATED, as the kernel's nf_ct_attach. */
	void (*attach)(struct router *r, struct pkt *n, const struct pkt *orig);
};

/* Takes a packet a handler answered TF_QUEUE for (p->queue_num says which
 * queue) and owns it from then on: parks it for a consumer, or resumes or
 * drops it at once (no consumer, queue full). See src/queue/queue.h. */
typedef void (*router_queue_fn)(void *arg, struct router *r, struct pkt *p);

/* Reports the path of a packet marked by a TRACE rule (table.c). */
typedef void (*router_trace_fn)(void *arg, const struct pkt *p, const char *table,
				const char *chain, unsigned int rulenum, const char *what);

struct router_ops {
	/* Send p out of ifc. Owns p from here (frees it into r->pool).
	 * Returns 0 or -errno (counted as tx_error by the caller). */
	int (*xmit)(struct router *r, struct iface *ifc, struct pkt *p);
};

struct router_config {
	uint32_t pool_size;     /* packet buffers */
	bool defrag;            /* reassemble forwarded fragments at PRE_ROUTING */
	struct defrag_config defrag_cfg;
	struct icmp_limit_config icmp;
};

struct router {
	struct router_config cfg;
	const struct router_ops *ops;
	void *ops_arg;

	struct iface ifaces[ROUTER_MAX_IFACES];
	unsigned int n_ifaces;   /* highest used index + 1 */

	struct route_table *fib;
	struct hooks hooks;
	struct pkt_pool pool;
	struct defrag *defrag;   /* always present: local delivery reassembles */
	bool defrag_hooked;      /* defrag registered at PRE_ROUTING/LOCAL_OUT */
	struct icmp_limiter icmp_limit;
	struct drop_stats drops;

	uint64_t now_ms;         /* monotonic clock, updated per wakeup */
	uint32_t ms_of_day;      /* for ICMP timestamps */
	uint16_t ip_id;          /* IP ID of locally generated packets */
	unsigned int depth;      /* recursion guard: errors about errors */

	uint64_t forwarded, local_in, local_out;

	/* The committed ruleset (src/tables/): the table handlers read it for
	 * every packet, so a commit is a pointer swap. NULL before tables_init. */
	struct ruleset *ruleset;
	/* TRACE listener (tunfilter monitor trace); NULL: nobody listens. */
	router_trace_fn trace;
	void *trace_arg;
	/* The queue subsystem (src/queue/); NULL: none, so a QUEUE verdict
	 * drops the packet, or accepts it with --queue-bypass. */
	router_queue_fn queue;
	void *queue_arg;
	/* Connection tracking (src/conntrack/); NULL when it is off. Its
	 * hooks are registered in hooks; defragmentation runs whenever it is on. */
	struct ct_table *ct;
	const struct router_ct_ops *ct_ops;
	/* [conntrack] enable = auto: ruleset_commit calls ct_start before it
	 * swaps in the first ruleset that needs tracking (NULL in the other
	 * modes); ct_wanted says whether the committed ruleset needs it. */
	int (*ct_start)(struct router *r);
	bool ct_wanted;
	/* The [local] TUN whose other side is the gateway's own kernel stack,
	 * or -1. With one, what the built-in stack does not answer (all but
	 * ICMP echo and timestamp requests) leaves through it after LOCAL_IN,
	 * and what it reads starts at LOCAL_OUT as locally generated. */
	int host_if;
};

int router_init(struct router *r, const struct router_config *cfg, const struct router_ops *ops,
		void *ops_arg);
void router_fini(struct router *r);

/* Apply runtime settings (defrag on/off and limits, ICMP limits). */
int router_configure(struct router *r, const struct router_config *cfg);

/* Add an interface; returns its index or -errno (-ENOSPC, -EEXIST). */
int router_iface_add(struct router *r, const char *name, uint32_t addr, uint8_t plen, uint32_t mtu,
		     int fd);
struct iface *router_iface_by_name(struct router *r, const char *name);
void router_iface_remove(struct router *r, int idx);

/*
 * Replace the FIB. The router adds connected, local and broadcast routes for
 * every interface address to t itself (router_fib_build), so t holds the
 * static routes only. Takes ownership of t; the old table is freed.
 */
void router_fib_replace(struct router *r, struct route_table *t);
/* Make interface idx (added without an address) the local stack's TUN,
 * or none with -1. */
void router_host_set(struct router *r, int idx);
/* Add the connected/local/broadcast routes of every interface to t. */
int router_fib_add_connected(const struct router *r, struct route_table *t);

void router_set_clock(struct router *r, uint64_t mono_ms, uint32_t ms_of_day);

/* A packet read from interface iif (p->data/len set). Takes ownership. */
void router_rx(struct router *r, struct pkt *p, int iif);
/* A locally generated packet enters LOCAL_OUT. Takes ownership. */
void router_local_out(struct router *r, struct pkt *p);
/* Resume a packet that a handler queued (TF_QUEUE), with the consumer's
 * verdict, at the handler after the one that queued it. */
void router_reinject(struct router *r, struct pkt *p, unsigned int verdict);
/* Hand every queued output packet to ops->xmit. */
void router_flush(struct router *r);
/* Housekeeping: defrag and conntrack expiry. Call about once a second. */
void router_tick(struct router *r);

/* Send an ICMP error about p (rate limited, RFC 1812 rules). p is not consumed. */
void router_icmp_error(struct router *r, const struct pkt *p, uint8_t type, uint8_t code,
		       uint32_t info);

/* Drop p with reason: count and free. */
void router_drop(struct router *r, struct pkt *p, enum tf_drop reason);

/* Connection tracking starts (ct and ops set) or stops (NULL): defrag hooks
 * follow (on while tracking or the defrag setting is on). 0 or -errno. */
int router_ct_set(struct router *r, struct ct_table *ct, const struct router_ct_ops *ops);
/* n is an answer about orig (see router_ct_ops.attach); nothing without a tracker. */
void router_ct_attach(struct router *r, struct pkt *n, const struct pkt *orig);

#endif
