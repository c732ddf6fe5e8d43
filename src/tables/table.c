// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The traversal (see table.h): ipt_do_table() with a bounded return
 * stack. Nothing here allocates or formats unless somebody listens to
 * TRACE or a simulation records its steps.
 *
 * The interfaces a rule sees are the kernel's at each hook:
 *   PRE_ROUTING, LOCAL_IN   in only
 *   FORWARD                 in and out
 *   LOCAL_OUT               out only: the kernel routes before LOCAL_OUT and
 *                           our router after it, so the route is looked up
 *                           here for -o (read-only; the router looks again)
 *   POST_ROUTING            out only
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "core/ipv4.h"
#include "core/route.h"
#include "core/router.h"
#include "tables/table.h"

/* What one traversal carries beside the packet. */
struct table_run_ctx {
	const struct ruleset *rs;
	struct counters *ctr;
	enum xt_table t;
	struct xt_ctx x;
	const char *inname, *outname;  /* "" when none */
	struct table_sim *sim;         /* dry run: record here */
};

static const char table_noname[IFNAMSIZ];

/* ---- reporting (TRACE and simulate) ---- */

static bool table_reporting(const struct table_run_ctx *c)
{
	return c->sim || ((c->x.p->flags & PKT_F_TRACE) && c->x.r->trace);
}

static void table_report(struct table_run_ctx *c, const struct chain *ch, unsigned int rulenum,
			 const char *what)
{
	struct table_sim *sim = c->sim;
	struct table_step *st;

	if (!sim) {
		c->x.r->trace(c->x.r->trace_arg, c->x.p, xt_table_name(c->t), ch->name, rulenum,
			      what);
		return;
	}
	if (sim->n >= sim->max) {
		sim->truncated = true;
		return;
	}
	st = &sim->steps[sim->n++];
	st->table = (uint8_t)c->t;
	st->hook = c->x.p->hook;
	snprintf(st->chain, sizeof(st->chain), "%s", ch->name);
	st->rulenum = rulenum;
	snprintf(st->what, sizeof(st->what), "%s", what);
}

static void table_report_rule(struct table_run_ctx *c, const struct chain *ch,
			      unsigned int rulenum, const struct rule *r, unsigned int v)
{
	char what[64];

	if (!table_reporting(c))
		return;
	switch (r->verdict) {
	case RULE_V_NONE:
		snprintf(what, sizeof(what), "continue");
		break;
	case RULE_V_JUMP:
		snprintf(what, sizeof(what), "jump %s", r->jump);
		break;
	case RULE_V_GOTO:
		snprintf(what, sizeof(what), "goto %s", r->jump);
		break;
	case RULE_V_RETURN:
		snprintf(what, sizeof(what), "return");
		break;
	case RULE_V_TARGET:
		if (v == XT_CONTINUE)
			snprintf(what, sizeof(what), "%s (continue)", r->target->name);
		else
			snprintf(what, sizeof(what), "%s (%s)", r->target->name,
				 v == TF_ACCEPT ? "ACCEPT" : v == TF_DROP ? "DROP" :
				 v == TF_STOLEN ? "STOLEN" : v == TF_QUEUE ? "QUEUE" : "verdict");
		break;
	default:
		snprintf(what, sizeof(what), "%s", rule_target_name(r));
		break;
	}
	table_report(c, ch, rulenum, what);
}

/* ---- matching ---- */

/* The ip part, as ip_packet_match(): each test inverted by its flag. */
static bool table_ip_match(const struct table_run_ctx *c, const struct rule *r,
			   const struct iphdr *ip)
{
	uint8_t inv = r->invflags;

	if (((ip->saddr & r->smsk) != r->src) != !!(inv & RULE_INV_SRC))
		return false;
	if (((ip->daddr & r->dmsk) != r->dst) != !!(inv & RULE_INV_DST))
		return false;
	if ((memcmp(c->inname, r->iniface, r->inlen) != 0) != !!(inv & RULE_INV_IN))
		return false;
	if ((memcmp(c->outname, r->outiface, r->outlen) != 0) != !!(inv & RULE_INV_OUT))
		return false;
	if (r->proto && (ip->protocol != r->proto) != !!(inv & RULE_INV_PROTO))
		return false;
	/* -f: only fragments after the first (they carry no transport header). */
	if ((r->flags & RULE_F_FRAG) && (c->x.fragoff == 0) != !!(inv & RULE_INV_FRAG))
		return false;
	return true;
}

static bool table_rule_match(struct table_run_ctx *c, const struct rule *r,
			     const struct iphdr *ip)
{
	unsigned int i;

	if (!table_ip_match(c, r, ip))
		return false;
	for (i = 0; i < r->n_matches; i++) {
		const struct rule_match *m = &r->matches[i];

		if (!m->ops->match(m->data, m->state, &c->x))
			return false;
		if (c->x.hotdrop)
			return false;
	}
	return true;
}

/* ---- traversal ---- */

struct table_frame {
	const struct chain *c;
	unsigned int next;   /* index of the rule to resume at */
};

static unsigned int table_policy(struct table_run_ctx *c, const struct chain *base)
{
	if (!c->sim)
		counters_add(c->ctr, base->policy_slot, c->x.p->len);
	if (table_reporting(c))
		table_report(c, base, base->n_rules + 1,
			     base->policy == TF_ACCEPT ? "policy ACCEPT" : "policy DROP");
	return base->policy;
}

static unsigned int table_traverse(struct table_run_ctx *c, const struct chain *base)
{
	struct table_frame stack[RULESET_MAX_DEPTH];
	const struct iphdr *ip = ipv4_hdr(c->x.p);
	const struct chain *ch = base;
	unsigned int sp = 0, i = 0, v;
	const struct rule *r;

	for (;;) {
		if (i >= ch->n_rules) {
			/* The end of a user chain returns; of a built-in one (or of
			 * a chain gone to from it), applies the policy. */
			if (ch->builtin || sp == 0)
				return table_policy(c, base);
			if (table_reporting(c))
				table_report(c, ch, ch->n_rules + 1, "return");
			sp--;
			ch = stack[sp].c;
			i = stack[sp].next;
			continue;
		}
		r = ch->rules[i];
		c->x.chain = ch->name;
		c->x.rulenum = i + 1;
		if (!table_rule_match(c, r, ip)) {
			if (c->x.hotdrop) {
				if (table_reporting(c))
					table_report(c, ch, i + 1, "hotdrop");
				return TF_DROP;
			}
			i++;
			continue;
		}
		if (!c->sim)
			counters_add(c->ctr, r->slot, c->x.p->len);
		switch (r->verdict) {
		case RULE_V_NONE:
			table_report_rule(c, ch, i + 1, r, 0);
			i++;
			break;
		case RULE_V_ACCEPT:
			table_report_rule(c, ch, i + 1, r, 0);
			return TF_ACCEPT;
		case RULE_V_DROP:
			table_report_rule(c, ch, i + 1, r, 0);
			return TF_DROP;
		case RULE_V_RETURN:
			table_report_rule(c, ch, i + 1, r, 0);
			if (sp == 0)
				return table_policy(c, base);
			sp--;
			ch = stack[sp].c;
			i = stack[sp].next;
			break;
		case RULE_V_JUMP:
			table_report_rule(c, ch, i + 1, r, 0);
			if (sp == RULESET_MAX_DEPTH) {
				if (table_reporting(c))
					table_report(c, ch, i + 1, "DROP (jump depth limit)");
				return TF_DROP;
			}
			stack[sp].c = ch;
			stack[sp].next = i + 1;
			sp++;
			ch = ruleset_chain_at(c->rs, c->t, r->jump_idx);
			i = 0;
			break;
		case RULE_V_GOTO:
			table_report_rule(c, ch, i + 1, r, 0);
			ch = ruleset_chain_at(c->rs, c->t, r->jump_idx);
			i = 0;
			break;
		case RULE_V_TARGET:
			v = r->target->target(r->tdata, r->tstate, &c->x);
			table_report_rule(c, ch, i + 1, r, c->x.hotdrop ? TF_DROP : v);
			if (c->x.hotdrop)
				return TF_DROP;
			if (v != XT_CONTINUE)
				return v;
			/* A target may have changed the header (TTL, TOS...). */
			ip = ipv4_hdr(c->x.p);
			i++;
			break;
		}
	}
}

static void table_ctx_init(struct table_run_ctx *c, struct router *r, const struct ruleset *rs,
			   enum xt_table t, struct pkt *p)
{
	const struct iphdr *ip = ipv4_hdr(p);
	const struct iface *in = NULL, *out = NULL;
	const struct route *rt;

	memset(c, 0, sizeof(*c));
	c->rs = rs;
	c->ctr = ruleset_counters(rs);
	c->t = t;
	switch (p->hook) {
	case HOOK_PRE_ROUTING:
	case HOOK_LOCAL_IN:
		in = p->iif >= 0 ? &r->ifaces[p->iif] : NULL;
		break;
	case HOOK_FORWARD:
		in = p->iif >= 0 ? &r->ifaces[p->iif] : NULL;
		out = p->oif >= 0 ? &r->ifaces[p->oif] : NULL;
		break;
	case HOOK_LOCAL_OUT:
		if (p->oif >= 0) {
			out = &r->ifaces[p->oif];
		} else if (r->fib) {
			rt = route_lookup(r->fib, ntohl(ip->daddr));
			out = rt && rt->oif >= 0 ? &r->ifaces[rt->oif] : NULL;
		}
		break;
	default:
		/* POST_ROUTING: the kernel passes the input device of a forwarded
		 * packet here too (ip_output's indev), so LOG prints IN= and OUT=. */
		in = p->iif >= 0 ? &r->ifaces[p->iif] : NULL;
		out = p->oif >= 0 ? &r->ifaces[p->oif] : NULL;
		break;
	}
	c->x.r = r;
	c->x.p = p;
	c->x.in = in;
	c->x.out = out;
	c->x.hook = p->hook;
	c->x.table = (uint8_t)t;
	c->x.thoff = (uint16_t)ipv4_hdrlen(ip);
	c->x.fragoff = (uint16_t)ipv4_frag_offset(ip);
	c->inname = in ? in->name : table_noname;
	c->outname = out ? out->name : table_noname;
}

unsigned int table_run(struct router *r, const struct ruleset *rs, enum xt_table t,
		       struct pkt *p)
{
	const struct chain *base = ruleset_hook_chain(rs, t, p->hook);
	struct table_run_ctx c;

	if (!base)
		return TF_ACCEPT;
	/* An empty built-in chain is its policy: count it and answer without
	 * setting up a traversal (most tables of most rulesets are empty, and
	 * this runs for each of them on every packet). A traced packet takes
	 * the long way, so that its policy step is reported. */
	if (!base->n_rules && !(p->flags & PKT_F_TRACE)) {
		counters_add(ruleset_counters(rs), base->policy_slot, p->len);
		return base->policy;
	}
	table_ctx_init(&c, r, rs, t, p);
	return table_traverse(&c, base);
}

/* ---- hooks ---- */

struct table_hook {
	enum xt_table t;
	int priority;
};

/* nat is absent: its chains are run by src/nat/ (nat.h). */
static const struct table_hook table_hooks[] = {
	{ XT_TABLE_RAW, HOOK_PRI_RAW },
	{ XT_TABLE_MANGLE, HOOK_PRI_MANGLE },
	{ XT_TABLE_FILTER, HOOK_PRI_FILTER },
};

#define TABLE_N_HOOKS (sizeof(table_hooks) / sizeof(table_hooks[0]))

static unsigned int table_hook_fn(void *priv, struct pkt *p, struct router *r)
{
	const struct table_hook *th = priv;

	if (!r->ruleset)
		return TF_ACCEPT;
	return table_run(r, r->ruleset, th->t, p);
}

int table_register(struct router *r)
{
	unsigned int i, hook;
	int err;

	for (i = 0; i < TABLE_N_HOOKS; i++) {
		for (hook = 0; hook < HOOK_MAX; hook++) {
			if (!ruleset_table_has_hook(table_hooks[i].t, hook))
				continue;
			err = hook_register(&r->hooks, hook, table_hooks[i].priority, table_hook_fn,
					    (void *)&table_hooks[i]);
			if (err) {
				table_unregister(r);
				return err;
			}
		}
	}
	return 0;
}

void table_unregister(struct router *r)
{
	unsigned int i, hook;

	for (i = 0; i < TABLE_N_HOOKS; i++)
		for (hook = 0; hook < HOOK_MAX; hook++)
			hook_unregister(&r->hooks, hook, table_hook_fn, (void *)&table_hooks[i]);
}

/* ---- dry run ---- */

unsigned int table_simulate(struct router *r, const struct ruleset *rs, struct pkt *p,
			    enum tf_hook hook, struct table_sim *sim)
{
	unsigned int i, v = TF_ACCEPT;

	p->hook = (uint8_t)hook;
	for (i = 0; i < TABLE_N_HOOKS && v == TF_ACCEPT; i++) {
		const struct chain *base = ruleset_hook_chain(rs, table_hooks[i].t, hook);
		struct table_run_ctx c;

		if (!base)
			continue;
		table_ctx_init(&c, r, rs, table_hooks[i].t, p);
		c.sim = sim;
		c.x.dry_run = true;
		v = table_traverse(&c, base);
	}
	return v;
}
