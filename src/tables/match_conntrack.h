/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What -m state and -m conntrack share: the state of a packet as bits
 * (xt_conntrack's XT_CONNTRACK_STATE_*), their names, parsing and the order
 * iptables prints them in.
 */
#ifndef TF_TABLES_MATCH_CONNTRACK_H
#define TF_TABLES_MATCH_CONNTRACK_H

#include <stdbool.h>
#include <stdint.h>
#include "tables/xt.h"

enum {
	MATCH_CT_INVALID = 1u << 0,
	MATCH_CT_ESTABLISHED = 1u << 1,
	MATCH_CT_RELATED = 1u << 2,
	MATCH_CT_NEW = 1u << 3,
	MATCH_CT_SNAT = 1u << 8,
	MATCH_CT_DNAT = 1u << 9,
	MATCH_CT_UNTRACKED = 1u << 10,
};

/*
 * The packet's state bits: ESTABLISHED, RELATED or NEW from its ctinfo
 * (either direction), INVALID without an entry, UNTRACKED when the raw
 * table said so, or when tracking is off ([conntrack] enable = no: nothing
 * is tracked). With nat, SNAT and DNAT from the entry's status too.
 */
uint16_t match_conntrack_state(const struct xt_ctx *ctx, bool nat);

/* "NEW,ESTABLISHED" (any case) into bits; SNAT and DNAT only if nat.
 * what names the kind in messages ("state", "ctstate"). */
int match_conntrack_parse_states(struct xt_parse *ps, const char *what, const char *arg,
				 bool nat, uint16_t *mask);
/* " INVALID,NEW,..." in iptables' order. */
void match_conntrack_print_states(struct out *o, uint16_t mask);

#endif
