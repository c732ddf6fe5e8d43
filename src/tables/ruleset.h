/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A ruleset: the four tables (raw, mangle, nat, filter) with their chains
 * and rules. Once committed it is immutable; a change is made on a clone
 * and committed in its place (a pointer swap in the router), so a packet
 * always runs through one whole ruleset, old or new.
 *
 * The control commands are the iptables commands as operations on a
 * (cloned) ruleset:
 *
 *   rs = ruleset_clone(r->ruleset);
 *   err = parse_rule(argc, argv, &ps, &rule);          // parse.h
 *   err = ruleset_append(rs, XT_TABLE_FILTER, "INPUT", rule, msg, sizeof(msg));
 *   err = ruleset_commit(r, rs, msg, sizeof(msg));      // validates, swaps
 *   if (err) ruleset_free(rs);
 *
 * Every command returns 0 or -errno and, on failure, writes one message
 * worded as iptables-nft words it, without the program name (the caller
 * prints "tunfilter: " in front), e.g. "Chain already exists.":
 *
 *   -EINVAL      bad parameter (iptables exit status 2): a bad chain name,
 *                a rule that does not validate
 *   -ENOENT      "No chain/target/match by that name." / "Bad rule (does a
 *                matching rule exist in that chain?)." / "Bad policy name."
 *   -EEXIST      "Chain already exists." / "File exists." (rename)
 *   -E2BIG       "Index of insertion too big." (deletion, replacement)
 *   -ENOTEMPTY   "Directory not empty." (-X of a chain with rules)
 *   -EMLINK      "Too many links." (-X of a chain something jumps to)
 *   -EPERM       "Bad built-in chain name." (-P on a user chain),
 *                "Invalid argument." (-X of a built-in chain)
 *   -ENOMEM
 * (all but -EINVAL: exit status 1). ruleset_exit_status() maps them.
 *
 * Counters (counters.h) are shared by a ruleset and its clones: the rules
 * a clone keeps count on in the same slots, so a commit loses no count;
 * new and replaced rules start from zero (or their -c counts).
 * ruleset_zero() acts on the counters at once, on any ruleset (the live
 * one included) without a commit, as iptables -Z does.
 *
 * Chain order, as iptables-nft-save lists it: the built-in chains in hook
 * order, then the user chains sorted by name (strcmp).
 */
#ifndef TF_TABLES_RULESET_H
#define TF_TABLES_RULESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tables/counters.h"
#include "tables/rule.h"
#include "tables/xt.h"

struct router;

/* Nesting of -j CHAIN calls a packet may make (the kernel's jump stack is
 * as deep as the table's chain count; we bound it). Deeper drops the
 * packet. */
#define RULESET_MAX_DEPTH 64u
#define RULESET_ERR_MAX 512u

struct ruleset;

/* All four tables with their built-in chains (raw PREROUTING OUTPUT;
 * mangle all five; nat PREROUTING INPUT OUTPUT POSTROUTING; filter INPUT
 * FORWARD OUTPUT), policies ACCEPT, no rules. The counters store is
 * shared, not owned. NULL on -ENOMEM. */
struct ruleset *ruleset_new(struct counters *ctr);
/* A deep copy sharing ctr and the slots of every rule and policy. */
struct ruleset *ruleset_clone(const struct ruleset *rs);
void ruleset_free(struct ruleset *rs);
struct counters *ruleset_counters(const struct ruleset *rs);

/* Whether table t has built-in chain for hook (raw has no INPUT...). */
bool ruleset_table_has_hook(enum xt_table t, unsigned int hook);

/* ---- reading (listings, save, simulate) ---- */

unsigned int ruleset_chain_count(const struct ruleset *rs, enum xt_table t);
/* In listing order (see above); NULL past the end. */
const struct chain *ruleset_chain_at(const struct ruleset *rs, enum xt_table t, unsigned int i);
const struct chain *ruleset_chain_find(const struct ruleset *rs, enum xt_table t,
				       const char *name);
/* The built-in chain of table t at hook, or NULL. */
const struct chain *ruleset_hook_chain(const struct ruleset *rs, enum xt_table t,
				       unsigned int hook);
/* Whether a table differs from ruleset_new's (rules, user chains, a DROP
 * policy): save prints filter always, the others only when touched. */
bool ruleset_table_used(const struct ruleset *rs, enum xt_table t);

/* Current counts of a rule / a built-in chain's policy. For a listing of
 * many rules take one counters_snapshot() instead and index it by slot. */
void ruleset_rule_counts(const struct ruleset *rs, const struct rule *r, struct rule_counts *out);
void ruleset_policy_counts(const struct ruleset *rs, const struct chain *c,
			   struct rule_counts *out);

/* ---- the iptables commands ---- */

/* -A: takes ownership of r on success (r's file/line are kept for
 * validation messages; the rule gets a fresh slot, starting from r->init
 * when RULE_F_COUNTS). */
int ruleset_append(struct ruleset *rs, enum xt_table t, const char *chain, struct rule *r,
		   char *err, size_t errlen);
/* -I CHAIN [N]: num is 1-based; num = n_rules + 1 appends. */
int ruleset_insert(struct ruleset *rs, enum xt_table t, const char *chain, unsigned int num,
		   struct rule *r, char *err, size_t errlen);
/* -R CHAIN N: the new rule starts from zero counts (or r->init). */
int ruleset_replace(struct ruleset *rs, enum xt_table t, const char *chain, unsigned int num,
		    struct rule *r, char *err, size_t errlen);
/* -D CHAIN spec (the first equal rule) / -D CHAIN N. spec stays the caller's. */
int ruleset_delete(struct ruleset *rs, enum xt_table t, const char *chain,
		   const struct rule *spec, char *err, size_t errlen);
int ruleset_delete_num(struct ruleset *rs, enum xt_table t, const char *chain, unsigned int num,
		       char *err, size_t errlen);
/* -C CHAIN spec: 0 when an equal rule exists, -ENOENT with "Bad rule (does
 * a matching rule exist in that chain?)." otherwise. */
int ruleset_check(const struct ruleset *rs, enum xt_table t, const char *chain,
		  const struct rule *spec, char *err, size_t errlen);
/* -F [CHAIN]: chain NULL flushes every chain of the table. */
int ruleset_flush(struct ruleset *rs, enum xt_table t, const char *chain, char *err,
		  size_t errlen);
/* -Z [CHAIN [N]]: chain NULL = the whole table (policies too), num 0 = the
 * whole chain (its policy too). Acts on the counters at once. */
int ruleset_zero(struct ruleset *rs, enum xt_table t, const char *chain, unsigned int num,
		 char *err, size_t errlen);
/* -N NAME. The name is checked as iptables does (length, leading '-',
 * spaces, clash with a target name): -EINVAL with its message. */
int ruleset_new_chain(struct ruleset *rs, enum xt_table t, const char *name, char *err,
		      size_t errlen);
/* -X [NAME]: name NULL deletes every user chain of the table (all or
 * none: each must be empty and unreferenced, as with a name). */
int ruleset_delete_chain(struct ruleset *rs, enum xt_table t, const char *name, char *err,
			 size_t errlen);
/* -P CHAIN ACCEPT|DROP; counts (may be NULL) set the policy counters
 * (iptables -P ... -c P B, restore --counters). */
int ruleset_set_policy(struct ruleset *rs, enum xt_table t, const char *chain,
		       const char *policy, const struct rule_counts *counts, char *err,
		       size_t errlen);
/* -E OLD NEW: jumps to OLD follow the new name. */
int ruleset_rename_chain(struct ruleset *rs, enum xt_table t, const char *oldname,
			 const char *newname, char *err, size_t errlen);

/* Put table t back to its ruleset_new() state (restore without
 * --noflush). The policies get new counters slots, so the live ruleset
 * keeps its counts until the swap. 0 or -ENOMEM. */
int ruleset_reset_table(struct ruleset *rs, enum xt_table t);

/* ---- validate, compile, commit ---- */

/*
 * Validate and compile every table: a jump or goto to a missing chain
 * (or a built-in one), a jump loop, -i in OUTPUT/POSTROUTING or -o in
 * PREROUTING/INPUT ("Can't use -i with OUTPUT"), and ops->check of every
 * match and target with the hook mask of its chain (computed from
 * reachability) and the table. Resolves jumps to chain indices. The
 * message names FILE:LINE of the rule when it came from a file.
 * 0 or -EINVAL (-ENOMEM).
 */
int ruleset_compile(struct ruleset *rs, char *err, size_t errlen);
bool ruleset_compiled(const struct ruleset *rs);

/*
 * Compile rs (unless already) and make it the router's ruleset. On
 * success the router owns rs and the old ruleset is freed (no packet is in
 * a traversal between two events of the one packet thread). On failure
 * nothing changed and rs is still the caller's.
 */
int ruleset_commit(struct router *r, struct ruleset *rs, char *err, size_t errlen);

/* iptables' exit status for a command's return value: 0, 1 or 2. */
int ruleset_exit_status(int err);

#endif
