/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The event of `tunfilter monitor trace` for one step of a traced packet,
 * in the style of `nft monitor trace`, one line of text:
 *
 *   trace id ID TABLE CHAIN rule N (WHAT) [in=IF] [out=IF] SRC > DST proto P
 *     [sport N dport N [flags F] | type N code N] len N [mark 0xN]
 *
 * ("policy (ACCEPT)" in place of "rule N (WHAT)" for a built-in chain's
 * policy; WHAT as table.h reports it: ACCEPT, DROP, jump NAME, goto NAME,
 * return, REJECT (DROP), LOG (continue)...), or one JSON object with the
 * keys id, table, chain, hook, rule (null for a policy), verdict, in, out,
 * src, dst, proto, sport, dport, flags, type, code, len, mark. ID (8 hex
 * digits) is the same for every step of one packet.
 */
#ifndef TF_CONTROL_CMD_TRACE_H
#define TF_CONTROL_CMD_TRACE_H

#include "control/out.h"

struct router;
struct pkt;

void cmd_trace_format(const struct router *r, const struct pkt *p, const char *table,
		      const char *chain, unsigned int rulenum, const char *what, struct out *o);

#endif
