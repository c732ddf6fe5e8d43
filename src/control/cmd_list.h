/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The listings of the iptables command line: `-L` (the table of
 * iptables -L -n [-v] [-x] [--line-numbers], or JSON with -j), `-S` (the
 * rules as commands) and the one-line echo of a changed rule that
 * iptables -v prints. Every value goes through one out_* call that carries
 * its JSON key and its text format, so text and JSON cannot drift.
 *
 * Counts come from a snapshot indexed by counters slot (counters.h), so
 * that one listing is consistent; NULL lists zeros.
 *
 * tunfilter never resolves names: -L always prints what iptables -L -n
 * prints (addresses, protocol and port numbers).
 */
#ifndef TF_CONTROL_CMD_LIST_H
#define TF_CONTROL_CMD_LIST_H

#include <stdint.h>
#include "control/out.h"
#include "tables/ruleset.h"

enum {
	CMD_LIST_VERBOSE = 1u << 0,  /* -v: counters, in and out columns */
	CMD_LIST_EXACT = 1u << 1,    /* -x: counters without K/M/G */
	CMD_LIST_LINENUMS = 1u << 2, /* --line-numbers */
	CMD_LIST_COUNTERS = 1u << 3, /* -S -v: "-c PKTS BYTES" */
};

/* The counts a listing shows for a slot. */
struct cmd_list_counts {
	const struct rule_counts *snap;  /* indexed by slot; NULL: all zero */
	uint32_t n;                      /* entries in snap */
};

/*
 * -L [CHAIN [RULENUM]] of table t. chain NULL lists every chain; rulenum
 * (with a chain) prints that rule's line alone, as iptables does (nothing
 * when the chain is shorter). 0, or -ENOENT with no output when the chain
 * does not exist.
 */
int cmd_list_table(const struct ruleset *rs, enum xt_table t, const char *chain,
		   unsigned int rulenum, unsigned int flags, const struct cmd_list_counts *k,
		   struct out *o);

/* -S [CHAIN [RULENUM]]: "-P"/"-N" lines and "-A" lines. Same returns. */
int cmd_list_spec(const struct ruleset *rs, enum xt_table t, const char *chain,
		  unsigned int rulenum, unsigned int flags, const struct cmd_list_counts *k,
		  struct out *o);

/* The line iptables -v prints for a rule it appended, inserted, replaced,
 * deleted or checked (text only). */
void cmd_list_echo(const struct rule *r, struct out *o);

/* The -L text of a rule's matches and target, each part starting with a
 * space (" tcp dpt:22 reject-with icmp-port-unreachable"), into o (text).
 * Exposed for the tests. */
void cmd_list_options(const struct rule *r, struct out *o);

/* xtables_print_num: a counter in its column ("%8llu " with -x, else
 * "%5llu " or "%4lluK "...), into buf. notable: without the padding, as in
 * the "Chain INPUT (policy ACCEPT 0 packets, 0 bytes)" line. */
void cmd_list_num(uint64_t v, unsigned int flags, bool notable, char *buf, size_t len);

#endif
