/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Connection tracking, registered at the kernel's places:
 *
 *   PRE_ROUTING   defrag (-400)  lookup (-200)  ...
 *   LOCAL_OUT     defrag (-400)  lookup (-200)  ...
 *   POST_ROUTING  ...  confirm (INT_MAX)
 *   LOCAL_IN      ...  confirm (INT_MAX)
 *
 * The lookup attaches an entry to the packet (p->ct with a reference,
 * p->ctinfo); a new entry is confirmed (made findable) only when its first
 * packet reaches the confirm hook, so dropped packets create nothing (see
 * entry.h). Defragmentation is hooked whenever tracking is on, as the
 * kernel's nf_defrag_ipv4 is whenever nf_conntrack is.
 *
 * Settings come from the INI [conntrack] section (tunfilter.conf(5)).
 */
#ifndef TF_CONNTRACK_CT_H
#define TF_CONNTRACK_CT_H

#include <stdbool.h>
#include <stdint.h>

/* Timeouts, each settable in [conntrack] (the kernel's defaults in
 * ct_config_defaults). */
enum ct_timeout {
	CT_TO_TCP_SYN_SENT = 0,  /* indexed as enum ct_tcp_state - 1 up to SYN_SENT2 */
	CT_TO_TCP_SYN_RECV,
	CT_TO_TCP_ESTABLISHED,
	CT_TO_TCP_FIN_WAIT,
	CT_TO_TCP_CLOSE_WAIT,
	CT_TO_TCP_LAST_ACK,
	CT_TO_TCP_TIME_WAIT,
	CT_TO_TCP_CLOSE,
	CT_TO_TCP_SYN_SENT2,
	CT_TO_TCP_MAX_RETRANS,   /* after tcp_max_retrans retransmissions */
	CT_TO_TCP_UNACK,         /* while data is unacknowledged */
	CT_TO_UDP,
	CT_TO_UDP_STREAM,
	CT_TO_ICMP,
	CT_TO_GENERIC,
	CT_TO_MAX,
};

/* Bounds of [conntrack] values. */
#define CT_MAX_ENTRIES_LIMIT (1u << 24)
#define CT_TIMEOUT_MAX_S 4294967u   /* ms must fit 32 bits */

/* [conntrack] enable: yes, no, or auto (the default): tracking starts when
 * the committed ruleset first needs it, as the kernel registers its
 * conntrack hooks in a namespace only once a rule or the nat table asks for
 * them (nf_ct_netns_get); it then stays on, so that no live connection
 * loses its entry because a rule was deleted and added again. */
enum ct_mode {
	CT_MODE_OFF,
	CT_MODE_ON,
	CT_MODE_AUTO,
};

struct ct_config {
	enum ct_mode mode;       /* track: off, on, or when a rule needs it */
	bool tcp_liberal;        /* no window checks (nf_conntrack_tcp_be_liberal) */
	bool tcp_loose;          /* pick up connections already running (default yes) */
	bool checksum;           /* INVALID on a bad transport checksum (default yes) */
	uint32_t max_entries;    /* entries at most (nf_conntrack_max) */
	uint32_t tcp_max_retrans;
	uint32_t timeout_ms[CT_TO_MAX];
};

void ct_config_defaults(struct ct_config *cfg);
/* "tcp_timeout_established" for CT_TO_TCP_ESTABLISHED... */
const char *ct_timeout_name(enum ct_timeout to);

struct router;
struct pkt;

/*
 * Start tracking on r as cfg says (nothing when cfg->mode is off): the
 * table, the hooks, defrag, the pool's reference operations. In auto mode
 * the table is made but the hooks wait for r->ct_wanted (a ruleset that
 * needs tracking; ruleset_commit starts them through r->ct_start). 0 or
 * -errno, and nothing is left behind on failure.
 */
int ct_init(struct router *r, const struct ct_config *cfg);
/* Stop and free everything; r->ct is NULL afterwards. Safe without ct_init. */
void ct_fini(struct router *r);
/* Apply new settings (reload): tracking on or off (off flushes the table),
 * limits and timeouts. On failure nothing changed. 0 or -errno. */
int ct_configure(struct router *r, const struct ct_config *cfg);
/* The table, whether its hooks run yet or not (auto mode before a rule
 * needs it: empty); NULL when tracking is off. For the control commands. */
struct ct_table *ct_router_table(const struct router *r);

#endif
