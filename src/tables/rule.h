/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One rule and one chain, as the parser builds them and the traversal runs
 * them. Both are read-only for everything outside src/tables/ (listings,
 * simulate); they change only through the ruleset_* commands, on a clone.
 *
 * A rule is the kernel's ipt_entry in spirit: the "ip part" (addresses
 * with masks, interfaces with the '+' wildcard, protocol, fragment flag,
 * each invertible) checked inline, then the extension matches in the order
 * given, then one target.
 */
#ifndef TF_TABLES_RULE_H
#define TF_TABLES_RULE_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include "tables/counters.h"
#include "tables/xt.h"

/* iptables: chain names must be under 29 characters (XT_EXTENSION_MAXNAMELEN). */
#define RULE_CHAIN_NAME_MAX 28u

/* Inversion bits (the kernel's IPT_INV_*). */
enum {
	RULE_INV_SRC = 1u << 0,
	RULE_INV_DST = 1u << 1,
	RULE_INV_IN = 1u << 2,
	RULE_INV_OUT = 1u << 3,
	RULE_INV_PROTO = 1u << 4,
	RULE_INV_FRAG = 1u << 5,
};

/* Which parts of the ip part are present. */
enum {
	RULE_F_SRC = 1u << 0,
	RULE_F_DST = 1u << 1,
	RULE_F_IN = 1u << 2,
	RULE_F_OUT = 1u << 3,
	RULE_F_PROTO = 1u << 4,
	RULE_F_FRAG = 1u << 5,     /* -f or ! -f */
	RULE_F_COUNTS = 1u << 6,   /* -c / [p:b] given: start from rule->init */
};

/* What the rule does when it matches. */
enum rule_verdict {
	RULE_V_NONE = 0,   /* no -j: the rule only counts */
	RULE_V_ACCEPT,
	RULE_V_DROP,
	RULE_V_RETURN,
	RULE_V_JUMP,       /* -j CHAIN */
	RULE_V_GOTO,       /* -g CHAIN */
	RULE_V_TARGET,     /* an extension: rule->target */
};

struct rule_match {
	const struct xt_match_ops *ops;
	void *data;        /* ops->size bytes */
	void *state;       /* ops->state_size bytes, or NULL */
};

struct rule {
	/* ip part; addresses and masks in network order, address pre-masked */
	uint32_t src, smsk, dst, dmsk;
	char iniface[IFNAMSIZ], outiface[IFNAMSIZ];
	uint8_t inlen, outlen;     /* bytes to compare: strlen + 1, or strlen for "eth+" */
	uint16_t proto;            /* 0 = all */
	uint8_t flags;             /* RULE_F_* */
	uint8_t invflags;          /* RULE_INV_* */

	struct rule_match *matches;
	unsigned int n_matches;

	enum rule_verdict verdict;
	char jump[RULE_CHAIN_NAME_MAX + 1];   /* JUMP/GOTO: the chain's name */
	unsigned int jump_idx;                /* compiled: index in the table's chains */
	const struct xt_target_ops *target;   /* RULE_V_TARGET */
	void *tdata;
	void *tstate;

	uint32_t slot;             /* counters slot, owned by the ruleset holding it */
	struct rule_counts init;   /* RULE_F_COUNTS: the counts to start from */

	/* Where the rule came from, for validation messages; file NULL for
	 * the command line. */
	char *file;
	int line;
};

struct chain {
	char name[RULE_CHAIN_NAME_MAX + 1];
	bool builtin;
	uint8_t hook;              /* built-in: enum tf_hook */
	uint8_t policy;            /* built-in: TF_ACCEPT or TF_DROP */
	uint32_t policy_slot;      /* built-in: counters slot of the policy */
	struct rule **rules;
	unsigned int n_rules, cap;
	unsigned int refs;         /* rules of this table jumping or going here */
	unsigned int hook_mask;    /* compiled: 1u << HOOK_* it is reachable from */
};

/* Free a rule that no ruleset holds (its slot, if any, is the ruleset's). */
void rule_free(struct rule *r);
/* Deep copy (matches, target data, state, file); the slot is copied as is:
 * the caller takes a reference. NULL on -ENOMEM. */
struct rule *rule_clone(const struct rule *r);
/* Same rule for -D/-C: same ip part, the same matches with equal data in
 * the same order, the same target and target data. Counters, file and
 * line do not count. */
bool rule_equal(const struct rule *a, const struct rule *b);
/* The target's name as listings print it: "ACCEPT", "DROP", "RETURN", the
 * chain's name, the extension's name, or "" for none. */
const char *rule_target_name(const struct rule *r);

#endif
