// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Rulesets and the iptables commands on them. A ruleset is changed only
 * before it is committed (on a clone of the live one); every change
 * clears `compiled`, and ruleset_compile() (validate.c-like checks, here)
 * must pass again before a commit.
 *
 * What must hold between commands, so that compile only confirms it:
 * every -j/-g names an existing user chain of the same table (checked when
 * the rule is added), chain->refs counts the rules that jump or go there
 * (kept as rules come and go), and user chains stay sorted by name after
 * the built-in ones.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/hook.h"
#include "core/router.h"
#include "tables/ruleset.h"

struct rs_table {
	struct chain **chains;   /* built-ins in hook order, then user chains by name */
	unsigned int n, cap;
	unsigned int n_builtin;
};

struct ruleset {
	struct counters *ctr;
	struct rs_table t[XT_TABLE_MAX];
	bool compiled;
	bool needs_ct;   /* compiled: some rule needs connection tracking */
	/* compiled: each table's built-in chain at each hook, or NULL; the
	 * packet path asks for it at every table of every hook. */
	const struct chain *hook_chain[XT_TABLE_MAX][HOOK_MAX];
};

/* The built-in chains of each table, as bits of hooks. */
static const unsigned int ruleset_hooks[XT_TABLE_MAX] = {
	[XT_TABLE_RAW] = 1u << HOOK_PRE_ROUTING | 1u << HOOK_LOCAL_OUT,
	[XT_TABLE_MANGLE] = (1u << HOOK_MAX) - 1,
	[XT_TABLE_NAT] = 1u << HOOK_PRE_ROUTING | 1u << HOOK_LOCAL_IN | 1u << HOOK_LOCAL_OUT |
			 1u << HOOK_POST_ROUTING,
	[XT_TABLE_FILTER] = 1u << HOOK_LOCAL_IN | 1u << HOOK_FORWARD | 1u << HOOK_LOCAL_OUT,
};

bool ruleset_table_has_hook(enum xt_table t, unsigned int hook)
{
	return (unsigned int)t < XT_TABLE_MAX && hook < HOOK_MAX && (ruleset_hooks[t] >> hook & 1);
}

/* Write a message, prefixed with the rule's origin when it has one. */
static int __attribute__((format(printf, 5, 6)))
ruleset_err(char *err, size_t errlen, const struct rule *r, int ret, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (!err || !errlen)
		return ret;
	if (r && r->file)
		n = snprintf(err, errlen, "%s:%d: ", r->file, r->line);
	if (n < 0 || (size_t)n >= errlen)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return ret;
}

/* ---- chains ---- */

static void ruleset_rule_release(struct ruleset *rs, struct rule *r)
{
	counters_unref(rs->ctr, r->slot);
	rule_free(r);
}

static void ruleset_chain_free(struct ruleset *rs, struct chain *c)
{
	unsigned int i;

	for (i = 0; i < c->n_rules; i++)
		ruleset_rule_release(rs, c->rules[i]);
	free(c->rules);
	if (c->builtin)
		counters_unref(rs->ctr, c->policy_slot);
	free(c);
}

static int ruleset_table_reserve(struct rs_table *tb)
{
	struct chain **v;
	unsigned int cap;

	if (tb->n < tb->cap)
		return 0;
	cap = tb->cap ? tb->cap * 2 : 8;
	v = realloc(tb->chains, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	tb->chains = v;
	tb->cap = cap;
	return 0;
}

/* Position of a user chain named name in sorted order. */
static unsigned int ruleset_user_pos(const struct rs_table *tb, const char *name)
{
	unsigned int lo = tb->n_builtin, hi = tb->n;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (strcmp(tb->chains[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int ruleset_chain_index(const struct ruleset *rs, enum xt_table t, const char *name)
{
	const struct rs_table *tb = &rs->t[t];
	unsigned int i;

	for (i = 0; i < tb->n_builtin; i++)
		if (strcmp(tb->chains[i]->name, name) == 0)
			return (int)i;
	i = ruleset_user_pos(tb, name);
	if (i < tb->n && strcmp(tb->chains[i]->name, name) == 0)
		return (int)i;
	return -1;
}

static struct chain *ruleset_chain_get(struct ruleset *rs, enum xt_table t, const char *name)
{
	int i;

	if ((unsigned int)t >= XT_TABLE_MAX || !name)
		return NULL;
	i = ruleset_chain_index(rs, t, name);
	return i < 0 ? NULL : rs->t[t].chains[i];
}

static int ruleset_add_builtin(struct ruleset *rs, enum xt_table t, unsigned int hook)
{
	struct rs_table *tb = &rs->t[t];
	struct chain *c;
	int err;

	err = ruleset_table_reserve(tb);
	if (err)
		return err;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	err = counters_alloc(rs->ctr, &c->policy_slot);
	if (err) {
		free(c);
		return err;
	}
	snprintf(c->name, sizeof(c->name), "%s", xt_hook_chain_name(hook));
	c->builtin = true;
	c->hook = (uint8_t)hook;
	c->policy = TF_ACCEPT;
	c->hook_mask = 1u << hook;
	tb->chains[tb->n++] = c;
	tb->n_builtin++;
	return 0;
}

/* The built-in chains of table t, empty, policies ACCEPT. */
static int ruleset_table_init(struct ruleset *rs, enum xt_table t)
{
	unsigned int hook;
	int err;

	for (hook = 0; hook < HOOK_MAX; hook++) {
		if (!ruleset_table_has_hook(t, hook))
			continue;
		err = ruleset_add_builtin(rs, t, hook);
		if (err)
			return err;
	}
	return 0;
}

static void ruleset_table_free(struct ruleset *rs, enum xt_table t)
{
	struct rs_table *tb = &rs->t[t];
	unsigned int i;

	for (i = 0; i < tb->n; i++)
		ruleset_chain_free(rs, tb->chains[i]);
	free(tb->chains);
	memset(tb, 0, sizeof(*tb));
}

struct ruleset *ruleset_new(struct counters *ctr)
{
	struct ruleset *rs = calloc(1, sizeof(*rs));
	unsigned int t;

	if (!rs)
		return NULL;
	rs->ctr = ctr;
	for (t = 0; t < XT_TABLE_MAX; t++) {
		if (ruleset_table_init(rs, t) < 0) {
			ruleset_free(rs);
			return NULL;
		}
	}
	return rs;
}

void ruleset_free(struct ruleset *rs)
{
	unsigned int t;

	if (!rs)
		return;
	for (t = 0; t < XT_TABLE_MAX; t++)
		ruleset_table_free(rs, t);
	free(rs);
}

struct counters *ruleset_counters(const struct ruleset *rs)
{
	return rs->ctr;
}

static struct chain *ruleset_chain_clone(struct ruleset *rs, const struct chain *c)
{
	struct chain *n = calloc(1, sizeof(*n));
	unsigned int i;

	if (!n)
		return NULL;
	*n = *c;
	n->rules = NULL;
	n->n_rules = n->cap = 0;
	if (c->builtin)
		counters_ref(rs->ctr, c->policy_slot);
	if (c->n_rules) {
		n->rules = malloc(c->n_rules * sizeof(*n->rules));
		if (!n->rules)
			goto fail;
		n->cap = c->n_rules;
	}
	for (i = 0; i < c->n_rules; i++) {
		n->rules[i] = rule_clone(c->rules[i]);
		if (!n->rules[i])
			goto fail;
		counters_ref(rs->ctr, n->rules[i]->slot);
		n->n_rules++;
	}
	return n;
fail:
	ruleset_chain_free(rs, n);
	return NULL;
}

static void ruleset_index_hooks(struct ruleset *rs);

struct ruleset *ruleset_clone(const struct ruleset *rs)
{
	struct ruleset *n = calloc(1, sizeof(*n));
	unsigned int t, i;

	if (!n)
		return NULL;
	n->ctr = rs->ctr;
	n->compiled = rs->compiled;
	for (t = 0; t < XT_TABLE_MAX; t++) {
		const struct rs_table *src = &rs->t[t];
		struct rs_table *dst = &n->t[t];

		dst->chains = calloc(src->n ? src->n : 1, sizeof(*dst->chains));
		if (!dst->chains)
			goto fail;
		dst->cap = src->n ? src->n : 1;
		for (i = 0; i < src->n; i++) {
			dst->chains[i] = ruleset_chain_clone(n, src->chains[i]);
			if (!dst->chains[i])
				goto fail;
			dst->n++;
		}
		dst->n_builtin = src->n_builtin;
	}
	n->needs_ct = rs->needs_ct;
	if (n->compiled)
		ruleset_index_hooks(n);
	return n;
fail:
	ruleset_free(n);
	return NULL;
}

/* ---- reading ---- */

unsigned int ruleset_chain_count(const struct ruleset *rs, enum xt_table t)
{
	return (unsigned int)t < XT_TABLE_MAX ? rs->t[t].n : 0;
}

const struct chain *ruleset_chain_at(const struct ruleset *rs, enum xt_table t, unsigned int i)
{
	if ((unsigned int)t >= XT_TABLE_MAX || i >= rs->t[t].n)
		return NULL;
	return rs->t[t].chains[i];
}

const struct chain *ruleset_chain_find(const struct ruleset *rs, enum xt_table t,
				       const char *name)
{
	return ruleset_chain_get((struct ruleset *)rs, t, name);
}

/* The built-in chain of table t at hook, looked for. */
static const struct chain *ruleset_find_hook_chain(const struct ruleset *rs, enum xt_table t,
						   unsigned int hook)
{
	const struct rs_table *tb;
	unsigned int i;

	if (!ruleset_table_has_hook(t, hook))
		return NULL;
	tb = &rs->t[t];
	for (i = 0; i < tb->n_builtin; i++)
		if (tb->chains[i]->hook == hook)
			return tb->chains[i];
	return NULL;
}

/* For a compiled ruleset (and its clones, whose chains are new). */
static void ruleset_index_hooks(struct ruleset *rs)
{
	unsigned int t, h;

	for (t = 0; t < XT_TABLE_MAX; t++)
		for (h = 0; h < HOOK_MAX; h++)
			rs->hook_chain[t][h] = ruleset_find_hook_chain(rs, t, h);
}

const struct chain *ruleset_hook_chain(const struct ruleset *rs, enum xt_table t,
				       unsigned int hook)
{
	if (rs->compiled)
		return (unsigned int)t < XT_TABLE_MAX && hook < HOOK_MAX ? rs->hook_chain[t][hook]
									  : NULL;
	return ruleset_find_hook_chain(rs, t, hook);
}

bool ruleset_table_used(const struct ruleset *rs, enum xt_table t)
{
	const struct rs_table *tb = &rs->t[t];
	unsigned int i;

	if (tb->n > tb->n_builtin)
		return true;
	for (i = 0; i < tb->n; i++)
		if (tb->chains[i]->n_rules || tb->chains[i]->policy != TF_ACCEPT)
			return true;
	return false;
}

void ruleset_rule_counts(const struct ruleset *rs, const struct rule *r, struct rule_counts *out)
{
	counters_read(rs->ctr, r->slot, out);
}

void ruleset_policy_counts(const struct ruleset *rs, const struct chain *c,
			   struct rule_counts *out)
{
	if (!c->builtin) {
		out->pkts = out->bytes = 0;
		return;
	}
	counters_read(rs->ctr, c->policy_slot, out);
}

/* ---- rules in chains ---- */

#define ERR_NOCHAIN "No chain/target/match by that name."

static struct chain *ruleset_need_chain(struct ruleset *rs, enum xt_table t, const char *chain,
					char *err, size_t errlen)
{
	struct chain *c = ruleset_chain_get(rs, t, chain);

	if (!c)
		ruleset_err(err, errlen, NULL, -ENOENT, ERR_NOCHAIN);
	return c;
}

/* The chain a rule jumps or goes to, which must be a user chain. */
static int ruleset_jump_target(struct ruleset *rs, enum xt_table t, const struct rule *r,
			       struct chain **out, char *err, size_t errlen)
{
	struct chain *c;

	*out = NULL;
	if (r->verdict != RULE_V_JUMP && r->verdict != RULE_V_GOTO)
		return 0;
	c = ruleset_chain_get(rs, t, r->jump);
	if (!c)
		return ruleset_err(err, errlen, r, -EINVAL, "unknown target \"%s\"", r->jump);
	if (c->builtin)
		return ruleset_err(err, errlen, r, -EINVAL,
				   "can't %s built-in chain \"%s\" (only user chains)",
				   r->verdict == RULE_V_JUMP ? "jump to" : "go to", r->jump);
	*out = c;
	return 0;
}

static void ruleset_unlink_jump(struct ruleset *rs, enum xt_table t, const struct rule *r)
{
	struct chain *c;

	if (r->verdict != RULE_V_JUMP && r->verdict != RULE_V_GOTO)
		return;
	c = ruleset_chain_get(rs, t, r->jump);
	if (c && c->refs)
		c->refs--;
}

/* Put r at index pos of c: a fresh slot (with -c counts), the jump target's
 * reference. Takes ownership of r on success. */
static int ruleset_place(struct ruleset *rs, enum xt_table t, struct chain *c, unsigned int pos,
			 struct rule *r, char *err, size_t errlen)
{
	struct chain *to;
	int e;

	e = ruleset_jump_target(rs, t, r, &to, err, errlen);
	if (e)
		return e;
	if (c->n_rules == c->cap) {
		unsigned int cap = c->cap ? c->cap * 2 : 8;
		struct rule **v = realloc(c->rules, cap * sizeof(*v));

		if (!v)
			return ruleset_err(err, errlen, NULL, -ENOMEM, "out of memory");
		c->rules = v;
		c->cap = cap;
	}
	e = counters_alloc(rs->ctr, &r->slot);
	if (e)
		return ruleset_err(err, errlen, NULL, e, "out of counters");
	if (r->flags & RULE_F_COUNTS)
		counters_set(rs->ctr, r->slot, &r->init);
	memmove(&c->rules[pos + 1], &c->rules[pos], (c->n_rules - pos) * sizeof(*c->rules));
	c->rules[pos] = r;
	c->n_rules++;
	if (to)
		to->refs++;
	rs->compiled = false;
	return 0;
}

static void ruleset_remove_at(struct ruleset *rs, enum xt_table t, struct chain *c,
			      unsigned int pos)
{
	struct rule *r = c->rules[pos];

	ruleset_unlink_jump(rs, t, r);
	ruleset_rule_release(rs, r);
	memmove(&c->rules[pos], &c->rules[pos + 1], (c->n_rules - pos - 1) * sizeof(*c->rules));
	c->n_rules--;
	rs->compiled = false;
}

int ruleset_append(struct ruleset *rs, enum xt_table t, const char *chain, struct rule *r,
		   char *err, size_t errlen)
{
	struct chain *c = ruleset_need_chain(rs, t, chain, err, errlen);

	if (!c)
		return -ENOENT;
	return ruleset_place(rs, t, c, c->n_rules, r, err, errlen);
}

int ruleset_insert(struct ruleset *rs, enum xt_table t, const char *chain, unsigned int num,
		   struct rule *r, char *err, size_t errlen)
{
	struct chain *c = ruleset_need_chain(rs, t, chain, err, errlen);

	if (!c)
		return -ENOENT;
	if (num == 0)
		return ruleset_err(err, errlen, NULL, -EINVAL, "Invalid rule number `0'");
	if (num > c->n_rules + 1)
		return ruleset_err(err, errlen, NULL, -E2BIG, "Index of insertion too big.");
	return ruleset_place(rs, t, c, num - 1, r, err, errlen);
}

int ruleset_replace(struct ruleset *rs, enum xt_table t, const char *chain, unsigned int num,
		    struct rule *r, char *err, size_t errlen)
{
	struct chain *c = ruleset_need_chain(rs, t, chain, err, errlen);
	int e;

	if (!c)
		return -ENOENT;
	if (num == 0)
		return ruleset_err(err, errlen, NULL, -EINVAL, "Invalid rule number `0'");
	if (num > c->n_rules)
		return ruleset_err(err, errlen, NULL, -E2BIG, "Index of replacement too big.");
	/* Place the new rule first: if that fails, nothing changed. */
	e = ruleset_place(rs, t, c, num - 1, r, err, errlen);
	if (e)
		return e;
	ruleset_remove_at(rs, t, c, num);
	return 0;
}

#define ERR_BADRULE "Bad rule (does a matching rule exist in that chain?)."

static int ruleset_find_rule(const struct chain *c, const struct rule *spec)
{
	unsigned int i;

	for (i = 0; i < c->n_rules; i++)
		if (rule_equal(c->rules[i], spec))
			return (int)i;
	return -1;
}

int ruleset_delete(struct ruleset *rs, enum xt_table t, const char *chain,
		   const struct rule *spec, char *err, size_t errlen)
{
	struct chain *c = ruleset_need_chain(rs, t, chain, err, errlen);
	int i;

	if (!c)
		return -ENOENT;
	i = ruleset_find_rule(c, spec);
	if (i < 0)
		return ruleset_err(err, errlen, NULL, -ENOENT, ERR_BADRULE);
	ruleset_remove_at(rs, t, c, (unsigned int)i);
	return 0;
}

int ruleset_delete_num(struct ruleset *rs, enum xt_table t, const char *chain, unsigned int num,
		       char *err, size_t errlen)
{
	struct chain *c = ruleset_need_chain(rs, t, chain, err, errlen);

	if (!c)
		return -ENOENT;
	if (num == 0)
		return ruleset_err(err, errlen, NULL, -EINVAL, "Invalid rule number `0'");
	if (num > c->n_rules)
		return ruleset_err(err, errlen, NULL, -E2BIG, "Index of deletion too big.");
	ruleset_remove_at(rs, t, c, num - 1);
	return 0;
}

int ruleset_check(const struct ruleset *rs, enum xt_table t, const char *chain,
		  const struct rule *spec, char *err, size_t errlen)
{
	const struct chain *c = ruleset_chain_find(rs, t, chain);

	if (!c)
		return ruleset_err(err, errlen, NULL, -ENOENT, ERR_NOCHAIN);
	if (ruleset_find_rule(c, spec) < 0)
		return ruleset_err(err, errlen, NULL, -ENOENT, ERR_BADRULE);
	return 0;
}

static void ruleset_chain_flush(struct ruleset *rs, enum xt_table t, struct chain *c)
{
	while (c->n_rules)
		ruleset_remove_at(rs, t, c, c->n_rules - 1);
}

int ruleset_flush(struct ruleset *rs, enum xt_table t, const char *chain, char *err,
		  size_t errlen)
{
	struct chain *c;
	unsigned int i;

	if ((unsigned int)t >= XT_TABLE_MAX)
		return ruleset_err(err, errlen, NULL, -EINVAL, "no such table");
	if (!chain) {
		for (i = 0; i < rs->t[t].n; i++)
			ruleset_chain_flush(rs, t, rs->t[t].chains[i]);
		return 0;
	}
	c = ruleset_need_chain(rs, t, chain, err, errlen);
	if (!c)
		return -ENOENT;
	ruleset_chain_flush(rs, t, c);
	return 0;
}

static void ruleset_chain_zero(struct ruleset *rs, struct chain *c)
{
	struct rule_counts dummy;
	unsigned int i;

	if (c->builtin)
		counters_read_zero(rs->ctr, c->policy_slot, &dummy);
	for (i = 0; i < c->n_rules; i++)
		counters_read_zero(rs->ctr, c->rules[i]->slot, &dummy);
}

int ruleset_zero(struct ruleset *rs, enum xt_table t, const char *chain, unsigned int num,
		 char *err, size_t errlen)
{
	struct rule_counts dummy;
	struct chain *c;
	unsigned int i;

	if ((unsigned int)t >= XT_TABLE_MAX)
		return ruleset_err(err, errlen, NULL, -EINVAL, "no such table");
	if (!chain) {
		for (i = 0; i < rs->t[t].n; i++)
			ruleset_chain_zero(rs, rs->t[t].chains[i]);
		return 0;
	}
	c = ruleset_need_chain(rs, t, chain, err, errlen);
	if (!c)
		return -ENOENT;
	if (!num) {
		ruleset_chain_zero(rs, c);
		return 0;
	}
	if (num > c->n_rules)
		return ruleset_err(err, errlen, NULL, -E2BIG, "Index of counter too big.");
	counters_read_zero(rs->ctr, c->rules[num - 1]->slot, &dummy);
	return 0;
}

/* ---- user chains ---- */

static bool ruleset_is_target_name(const char *name)
{
	static const char *const std[] = { "ACCEPT", "DROP", "RETURN", "QUEUE", NULL };
	unsigned int i;

	for (i = 0; std[i]; i++)
		if (strcmp(std[i], name) == 0)
			return true;
	return xt_target_find(name) != NULL;
}

/* The checks iptables makes on a new chain name, with its messages. */
static int ruleset_check_name(const char *name, char *err, size_t errlen)
{
	const char *s;

	if (strlen(name) > RULE_CHAIN_NAME_MAX)
		return ruleset_err(err, errlen, NULL, -EINVAL,
				   "chain name `%s' too long (must be under %u chars)", name,
				   RULE_CHAIN_NAME_MAX + 1);
	if (name[0] == '-')
		return ruleset_err(err, errlen, NULL, -EINVAL,
				   "chain name not allowed to start with `-'");
	if (!name[0])
		return ruleset_err(err, errlen, NULL, -EINVAL, "Invalid chain name `'");
	for (s = name; *s; s++)
		if (isspace((unsigned char)*s) || !isprint((unsigned char)*s))
			return ruleset_err(err, errlen, NULL, -EINVAL, "Invalid chain name `%s'",
					   name);
	if (ruleset_is_target_name(name))
		return ruleset_err(err, errlen, NULL, -EINVAL,
				   "chain name may not clash with target name");
	return 0;
}

int ruleset_new_chain(struct ruleset *rs, enum xt_table t, const char *name, char *err,
		      size_t errlen)
{
	struct rs_table *tb;
	struct chain *c;
	unsigned int pos;
	int e;

	if ((unsigned int)t >= XT_TABLE_MAX)
		return ruleset_err(err, errlen, NULL, -EINVAL, "no such table");
	e = ruleset_check_name(name, err, errlen);
	if (e)
		return e;
	if (ruleset_chain_get(rs, t, name))
		return ruleset_err(err, errlen, NULL, -EEXIST, "Chain already exists.");
	tb = &rs->t[t];
	if (ruleset_table_reserve(tb) < 0)
		return ruleset_err(err, errlen, NULL, -ENOMEM, "out of memory");
	c = calloc(1, sizeof(*c));
	if (!c)
		return ruleset_err(err, errlen, NULL, -ENOMEM, "out of memory");
	snprintf(c->name, sizeof(c->name), "%s", name);
	pos = ruleset_user_pos(tb, name);
	memmove(&tb->chains[pos + 1], &tb->chains[pos], (tb->n - pos) * sizeof(*tb->chains));
	tb->chains[pos] = c;
	tb->n++;
	rs->compiled = false;
	return 0;
}

static int ruleset_deletable(const struct chain *c, char *err, size_t errlen)
{
	if (c->builtin)
		return ruleset_err(err, errlen, NULL, -EPERM, "Invalid argument.");
	if (c->refs)
		return ruleset_err(err, errlen, NULL, -EMLINK, "Too many links.");
	if (c->n_rules)
		return ruleset_err(err, errlen, NULL, -ENOTEMPTY, "Directory not empty.");
	return 0;
}

static void ruleset_chain_remove(struct ruleset *rs, enum xt_table t, unsigned int i)
{
	struct rs_table *tb = &rs->t[t];

	ruleset_chain_free(rs, tb->chains[i]);
	memmove(&tb->chains[i], &tb->chains[i + 1], (tb->n - i - 1) * sizeof(*tb->chains));
	tb->n--;
	rs->compiled = false;
}

int ruleset_delete_chain(struct ruleset *rs, enum xt_table t, const char *name, char *err,
			 size_t errlen)
{
	struct rs_table *tb;
	unsigned int i;
	int idx, e;

	if ((unsigned int)t >= XT_TABLE_MAX)
		return ruleset_err(err, errlen, NULL, -EINVAL, "no such table");
	tb = &rs->t[t];
	if (!name) {
		for (i = tb->n_builtin; i < tb->n; i++) {
			e = ruleset_deletable(tb->chains[i], err, errlen);
			if (e)
				return e;
		}
		while (tb->n > tb->n_builtin)
			ruleset_chain_remove(rs, t, tb->n - 1);
		return 0;
	}
	idx = ruleset_chain_index(rs, t, name);
	if (idx < 0)
		return ruleset_err(err, errlen, NULL, -ENOENT, ERR_NOCHAIN);
	e = ruleset_deletable(tb->chains[idx], err, errlen);
	if (e)
		return e;
	ruleset_chain_remove(rs, t, (unsigned int)idx);
	return 0;
}

int ruleset_set_policy(struct ruleset *rs, enum xt_table t, const char *chain,
		       const char *policy, const struct rule_counts *counts, char *err,
		       size_t errlen)
{
	struct chain *c = ruleset_need_chain(rs, t, chain, err, errlen);
	uint8_t v;
	uint32_t slot;
	int e;

	if (!c)
		return -ENOENT;
	if (!c->builtin)
		return ruleset_err(err, errlen, NULL, -EPERM, "Bad built-in chain name.");
	if (strcmp(policy, "ACCEPT") == 0)
		v = TF_ACCEPT;
	else if (strcmp(policy, "DROP") == 0)
		v = TF_DROP;
	else
		return ruleset_err(err, errlen, NULL, -ENOENT, "Bad policy name.");
	if (counts) {
		/* New counts go to a new slot: the live ruleset keeps counting in
		 * the old one until this is committed. */
		e = counters_alloc(rs->ctr, &slot);
		if (e)
			return ruleset_err(err, errlen, NULL, e, "out of counters");
		counters_set(rs->ctr, slot, counts);
		counters_unref(rs->ctr, c->policy_slot);
		c->policy_slot = slot;
	}
	c->policy = v;
	rs->compiled = false;
	return 0;
}

int ruleset_rename_chain(struct ruleset *rs, enum xt_table t, const char *oldname,
			 const char *newname, char *err, size_t errlen)
{
	struct rs_table *tb;
	struct chain *c;
	unsigned int i, j, pos;
	int idx, e;

	if ((unsigned int)t >= XT_TABLE_MAX)
		return ruleset_err(err, errlen, NULL, -EINVAL, "no such table");
	tb = &rs->t[t];
	idx = ruleset_chain_index(rs, t, oldname);
	if (idx < 0 || tb->chains[idx]->builtin)
		return ruleset_err(err, errlen, NULL, -ENOENT, ERR_NOCHAIN);
	e = ruleset_check_name(newname, err, errlen);
	if (e)
		return e;
	if (ruleset_chain_get(rs, t, newname))
		return ruleset_err(err, errlen, NULL, -EEXIST, "File exists.");
	c = tb->chains[idx];
	for (i = 0; i < tb->n; i++) {
		for (j = 0; j < tb->chains[i]->n_rules; j++) {
			struct rule *r = tb->chains[i]->rules[j];

			if ((r->verdict == RULE_V_JUMP || r->verdict == RULE_V_GOTO) &&
			    strcmp(r->jump, oldname) == 0)
				snprintf(r->jump, sizeof(r->jump), "%s", newname);
		}
	}
	/* Take it out, rename, put it back in sorted order. */
	memmove(&tb->chains[idx], &tb->chains[idx + 1], (tb->n - (unsigned int)idx - 1) *
		sizeof(*tb->chains));
	tb->n--;
	snprintf(c->name, sizeof(c->name), "%s", newname);
	pos = ruleset_user_pos(tb, newname);
	memmove(&tb->chains[pos + 1], &tb->chains[pos], (tb->n - pos) * sizeof(*tb->chains));
	tb->chains[pos] = c;
	tb->n++;
	rs->compiled = false;
	return 0;
}

int ruleset_reset_table(struct ruleset *rs, enum xt_table t)
{
	ruleset_table_free(rs, t);
	rs->compiled = false;
	return ruleset_table_init(rs, t);
}

/* ---- compile ---- */

/* iptables refuses -i where no packet has an input interface and -o where
 * none has an output one, by the built-in chain's name (xshared.c). */
static int ruleset_check_ifaces(const struct chain *c, const struct rule *r, char *err,
				size_t errlen)
{
	if (!c->builtin)
		return 0;
	if ((r->flags & RULE_F_IN) &&
	    (c->hook == HOOK_LOCAL_OUT || c->hook == HOOK_POST_ROUTING))
		return ruleset_err(err, errlen, r, -EINVAL, "Can't use -i with %s", c->name);
	if ((r->flags & RULE_F_OUT) &&
	    (c->hook == HOOK_PRE_ROUTING || c->hook == HOOK_LOCAL_IN))
		return ruleset_err(err, errlen, r, -EINVAL, "Can't use -o with %s", c->name);
	return 0;
}

/* Resolve every jump of table t to a chain index and recount refs. */
static int ruleset_resolve(struct ruleset *rs, enum xt_table t, char *err, size_t errlen)
{
	struct rs_table *tb = &rs->t[t];
	unsigned int i, j;
	int e, idx;

	for (i = 0; i < tb->n; i++)
		tb->chains[i]->refs = 0;
	for (i = 0; i < tb->n; i++) {
		struct chain *c = tb->chains[i];

		for (j = 0; j < c->n_rules; j++) {
			struct rule *r = c->rules[j];
			struct chain *to;

			e = ruleset_check_ifaces(c, r, err, errlen);
			if (e)
				return e;
			e = ruleset_jump_target(rs, t, r, &to, err, errlen);
			if (e)
				return e;
			if (!to)
				continue;
			idx = ruleset_chain_index(rs, t, to->name);
			r->jump_idx = (unsigned int)idx;
			to->refs++;
		}
	}
	return 0;
}

/* Depth-first walk for loops: state 0 unseen, 1 on the path, 2 done. The
 * loop is reported at the rule that closes it, with the path. */
struct ruleset_walk {
	struct rs_table *tb;
	uint8_t *state;
	unsigned int *path;    /* chain indices on the current path */
	unsigned int depth;
	char *err;
	size_t errlen;
};

static int ruleset_loop_report(struct ruleset_walk *w, const struct rule *r, unsigned int to)
{
	char buf[256];
	size_t n = 0;
	unsigned int i, start = 0;

	for (i = 0; i < w->depth; i++)
		if (w->path[i] == to)
			start = i;
	buf[0] = '\0';
	for (i = start; i < w->depth && n < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s -> ",
				      w->tb->chains[w->path[i]]->name);
	if (n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - n, "%s", w->tb->chains[to]->name);
	return ruleset_err(w->err, w->errlen, r, -EINVAL, "jump loop: %s", buf);
}

static int ruleset_walk_chain(struct ruleset_walk *w, unsigned int ci)
{
	struct chain *c = w->tb->chains[ci];
	unsigned int j;
	int e;

	w->state[ci] = 1;
	w->path[w->depth++] = ci;
	for (j = 0; j < c->n_rules; j++) {
		const struct rule *r = c->rules[j];

		if (r->verdict != RULE_V_JUMP && r->verdict != RULE_V_GOTO)
			continue;
		if (w->state[r->jump_idx] == 1)
			return ruleset_loop_report(w, r, r->jump_idx);
		if (w->state[r->jump_idx] == 0) {
			e = ruleset_walk_chain(w, r->jump_idx);
			if (e)
				return e;
		}
	}
	w->depth--;
	w->state[ci] = 2;
	return 0;
}

/* Propagate the hook mask of every chain to the chains it reaches. The
 * graph has no loops by now; chains reached from nowhere keep mask 0 (as
 * x_tables checks unreachable rules with hook mask 0). */
static void ruleset_spread_mask(struct rs_table *tb, unsigned int ci, unsigned int mask)
{
	struct chain *c = tb->chains[ci];
	unsigned int j;

	if ((c->hook_mask & mask) == mask && !c->builtin)
		return;
	c->hook_mask |= mask;
	for (j = 0; j < c->n_rules; j++) {
		const struct rule *r = c->rules[j];

		if (r->verdict == RULE_V_JUMP || r->verdict == RULE_V_GOTO)
			ruleset_spread_mask(tb, r->jump_idx, mask);
	}
}

static int ruleset_check_rule(const struct chain *c, const struct rule *r, enum xt_table t,
			      char *err, size_t errlen)
{
	struct xt_parse ps = {
		.file = r->file, .line = r->line, .err = err, .errlen = errlen,
		.proto = r->proto, .proto_inv = !!(r->invflags & RULE_INV_PROTO),
		.table = (uint8_t)t,
	};
	struct xt_check chk = {
		.ps = &ps, .table = (uint8_t)t, .hook_mask = c->hook_mask, .proto = r->proto,
		.proto_inv = !!(r->invflags & RULE_INV_PROTO),
		.frag = (r->flags & RULE_F_FRAG) && !(r->invflags & RULE_INV_FRAG),
		.inv_frag = (r->flags & RULE_F_FRAG) && (r->invflags & RULE_INV_FRAG),
	};
	unsigned int i;

	for (i = 0; i < r->n_matches; i++) {
		const struct rule_match *m = &r->matches[i];

		if (m->ops->check && m->ops->check(m->data, &chk) < 0)
			goto fail;
	}
	if (r->verdict == RULE_V_TARGET && r->target->check && r->target->check(r->tdata, &chk) < 0)
		goto fail;
	return 0;
fail:
	if (!ps.failed)
		ruleset_err(err, errlen, r, -EINVAL, "rule refused by its extension");
	return -EINVAL;
}

static bool ruleset_rule_needs_ct(const struct rule *r)
{
	unsigned int i;

	for (i = 0; i < r->n_matches; i++)
		if (r->matches[i].ops->needs_ct)
			return true;
	return r->verdict == RULE_V_TARGET && r->target->needs_ct;
}

static int ruleset_compile_table(struct ruleset *rs, enum xt_table t, char *err, size_t errlen)
{
	struct rs_table *tb = &rs->t[t];
	struct ruleset_walk w = { .tb = tb, .err = err, .errlen = errlen };
	unsigned int i, j;
	int e;

	e = ruleset_resolve(rs, t, err, errlen);
	if (e)
		return e;
	w.state = calloc(tb->n, 1);
	w.path = calloc(tb->n, sizeof(*w.path));
	e = -ENOMEM;
	if (!w.state || !w.path)
		goto out;
	for (i = 0, e = 0; i < tb->n && !e; i++)
		if (!w.state[i])
			e = ruleset_walk_chain(&w, i);
	if (e)
		goto out;
	for (i = 0; i < tb->n; i++)
		tb->chains[i]->hook_mask = tb->chains[i]->builtin ? 1u << tb->chains[i]->hook : 0;
	for (i = 0; i < tb->n_builtin; i++)
		ruleset_spread_mask(tb, i, tb->chains[i]->hook_mask);
	for (i = 0; i < tb->n && !e; i++)
		for (j = 0; j < tb->chains[i]->n_rules && !e; j++) {
			const struct rule *ru = tb->chains[i]->rules[j];

			e = ruleset_check_rule(tb->chains[i], ru, t, err, errlen);
			/* The nat table sees only a connection's first packet:
			 * any rule in it needs tracking, as iptable_nat does. */
			if (t == XT_TABLE_NAT || ruleset_rule_needs_ct(ru))
				rs->needs_ct = true;
		}
out:
	free(w.state);
	free(w.path);
	return e;
}

int ruleset_compile(struct ruleset *rs, char *err, size_t errlen)
{
	unsigned int t;
	int e;

	if (rs->compiled)
		return 0;
	/* A clone edited since (a rule deleted) may need tracking no more. */
	rs->needs_ct = false;
	for (t = 0; t < XT_TABLE_MAX; t++) {
		e = ruleset_compile_table(rs, t, err, errlen);
		if (e)
			return e;
	}
	ruleset_index_hooks(rs);
	rs->compiled = true;
	return 0;
}

bool ruleset_compiled(const struct ruleset *rs)
{
	return rs->compiled;
}

int ruleset_commit(struct router *r, struct ruleset *rs, char *err, size_t errlen)
{
	struct ruleset *old = r->ruleset;
	int e;

	if (old && old->ctr != rs->ctr)
		return ruleset_err(err, errlen, NULL, -EINVAL,
				   "ruleset does not share the router's counters");
	e = ruleset_compile(rs, err, errlen);
	if (e)
		return e;
	/* Tracking in auto mode starts before the first ruleset that needs
	 * it is in force, so that its first packet is already tracked. */
	if (rs->needs_ct && !r->ct && r->ct_start) {
		e = r->ct_start(r);
		if (e)
			return ruleset_err(err, errlen, NULL, e,
					   "cannot start connection tracking: %s", strerror(-e));
	}
	r->ct_wanted = rs->needs_ct;
	/* One packet thread: no packet is inside a traversal now, so the old
	 * ruleset can go at once. A second worker thread would need a grace
	 * period here (RCU-like) before the free. */
	r->ruleset = rs;
	ruleset_free(old);
	return 0;
}

int ruleset_exit_status(int err)
{
	if (!err)
		return 0;
	return err == -EINVAL ? 2 : 1;
}
