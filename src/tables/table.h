/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Running a table on a packet, as the kernel's ipt_do_table:
 *
 *   for each rule of the chain: the ip part (addresses with masks,
 *   interfaces with '+' wildcard, protocol, fragment flag, each
 *   invertible), then the matches in order; on a full match the rule's
 *   counters count the packet, then its verdict:
 *     ACCEPT / DROP          the table's answer
 *     -j CHAIN               push the next rule, run CHAIN from its start
 *     -g CHAIN               run CHAIN; its end returns to the caller's caller
 *     RETURN                 pop (in a built-in chain: its policy)
 *     extension target       a verdict, or XT_CONTINUE to go on
 *   the end of a user chain pops; the end of a built-in chain applies its
 *   policy and counts it. A match that sets ctx->hotdrop drops at once.
 *   A jump deeper than RULESET_MAX_DEPTH drops.
 *
 * The hooks: each table registers one handler per built-in chain at the
 * kernel's priority (raw -300, mangle -150, filter 0; nat's chains are
 * parsed and listed but not run before the NAT issue). The handler reads
 * router->ruleset for every packet, so a commit is a pointer swap.
 *
 * TRACE: a packet with PKT_F_TRACE is reported rule by rule through
 * router->trace (when set): table, chain, 1-based rule number and what
 * happened ("ACCEPT", "DROP", "jump NAME", "goto NAME", "return",
 * "policy ACCEPT", a target's name...). Nothing is formatted when nobody
 * listens.
 *
 * Dry run (tunfilter simulate): table_simulate runs a hook's tables on a
 * crafted packet with ctx->dry_run set: no counters change, no per-rule
 * state changes, and targets with effects beyond the packet (LOG, REJECT's
 * reply, queueing) are reported, not executed; every step is recorded.
 */
#ifndef TF_TABLES_TABLE_H
#define TF_TABLES_TABLE_H

#include <stdbool.h>
#include "core/hook.h"
#include "tables/ruleset.h"

struct router;

/* Run table t's built-in chain of p->hook on p. TF_ACCEPT, TF_DROP,
 * TF_STOLEN or TF_QUEUE. The ruleset must be compiled. */
unsigned int table_run(struct router *r, const struct ruleset *rs, enum xt_table t,
		       struct pkt *p);

/* Register / unregister the handlers of raw, mangle and filter. */
int table_register(struct router *r);
void table_unregister(struct router *r);

/* One step of a simulated path. */
struct table_step {
	uint8_t table;                           /* enum xt_table */
	uint8_t hook;                            /* enum tf_hook */
	char chain[RULE_CHAIN_NAME_MAX + 1];
	unsigned int rulenum;                    /* 1-based; 0: the chain's end */
	char what[64];                           /* as for trace, "LOG (not run)"... */
};

struct table_sim {
	struct table_step *steps;  /* caller's buffer */
	unsigned int max;
	unsigned int n;            /* steps recorded */
	bool truncated;            /* more steps than max */
};

/*
 * Run the tables registered at hook (raw, mangle, filter, in priority
 * order, stopping at the first that does not accept) on p, as the daemon
 * would, without side effects: steps go to sim. p may be changed (MARK,
 * TOS... run, so later rules see their effect) but is not consumed. The
 * caller sets p->iif/oif as the packet would have them at that hook.
 * Returns the verdict (TF_ACCEPT, TF_DROP, TF_QUEUE...).
 */
unsigned int table_simulate(struct router *r, const struct ruleset *rs, struct pkt *p,
			    enum tf_hook hook, struct table_sim *sim);

#endif
