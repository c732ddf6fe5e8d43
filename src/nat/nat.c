// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The nat hooks (see nat.h).
 */
#include <errno.h>
#include <netinet/in.h>
#include "conntrack/table.h"
#include "core/ipv4.h"
#include "core/router.h"
#include "nat/manip.h"
#include "nat/nat.h"
#include "tables/table.h"

struct nat_hook {
	enum tf_hook hook;
	int priority;
	enum nat_manip manip;
};

static const struct nat_hook nat_hooks[] = {
	{ HOOK_PRE_ROUTING, HOOK_PRI_NAT_DST, NAT_MANIP_DST },
	{ HOOK_LOCAL_OUT, HOOK_PRI_NAT_DST, NAT_MANIP_DST },
	{ HOOK_LOCAL_IN, HOOK_PRI_NAT_SRC, NAT_MANIP_SRC },
	{ HOOK_POST_ROUTING, HOOK_PRI_NAT_SRC, NAT_MANIP_SRC },
};

#define NAT_N_HOOKS (sizeof(nat_hooks) / sizeof(nat_hooks[0]))

/* A value for the port search to start from: the kernel takes a random
 * number; a seeded hash of the new connection, its id and the clock
 * serves without global state. */
static uint32_t nat_rnd(const struct router *r, const struct ct_entry *e)
{
	return ct_tuple_hash(&e->th[CT_DIR_ORIGINAL].t,
			     r->ct->seed ^ ((uint64_t)e->id << 32) ^ r->now_ms);
}

unsigned int nat_target(struct xt_ctx *ctx, const struct nat_range *rg, enum nat_manip m,
			int oif)
{
	struct router *r = ctx->r;
	struct ct_entry *e = ctx->p->ct;
	int err;

	if (ctx->dry_run)
		return TF_ACCEPT;
	/* Only reached from the nat hooks, with an entry not yet bound. */
	if (!e || !r->ct || nat_alloc_done(e, m))
		return TF_ACCEPT;
	err = nat_alloc_setup(r->ct, e, rg, m, nat_rnd(r, e));
	if (err == -EADDRNOTAVAIL) {
		router_drop(r, ctx->p, DROP_NAT_NO_TUPLE);
		return TF_STOLEN;
	}
	if (err)
		return TF_DROP;
	if (oif >= 0)
		e->nat.masq_oif = (int16_t)oif;
	return TF_ACCEPT;
}

/* A MASQUERADE binding whose address is no longer the interface's. */
static bool nat_masq_stale(const struct router *r, const struct ct_entry *e)
{
	const struct iface *ifc;

	if (e->nat.masq_oif < 0)
		return false;
	ifc = &r->ifaces[e->nat.masq_oif];
	return !ifc->used || !ifc->up || ifc->addr != e->th[CT_DIR_REPLY].t.dst;
}

/* nf_nat_oif_changed, and the stale check: kill the connection and drop
 * the packet; the next one starts afresh. */
static bool nat_masq_gone(struct router *r, struct pkt *p, struct ct_entry *e)
{
	if (e->nat.masq_oif < 0)
		return false;
	if (!nat_masq_stale(r, e) &&
	    !(p->hook == HOOK_POST_ROUTING && ct_info_dir(p->ctinfo) == CT_DIR_ORIGINAL &&
	      p->oif != e->nat.masq_oif))
		return false;
	if (e->status & CT_S_CONFIRMED)
		ct_table_kill(r->ct, e);
	router_drop(r, p, DROP_NAT_MASQ_GONE);
	return true;
}

static unsigned int nat_hook_fn(void *priv, struct pkt *p, struct router *r)
{
	const struct nat_hook *h = priv;
	struct ct_entry *e = p->ct;
	unsigned int v;

	if (!e || !r->ct)
		return TF_ACCEPT;
	switch (p->ctinfo) {
	case CT_RELATED:
	case CT_RELATED_REPLY:
		if (ipv4_hdr(p)->protocol == IPPROTO_ICMP) {
			if (nat_manip_icmp_error(p, e, p->ctinfo, h->manip))
				return TF_ACCEPT;
			router_drop(r, p, DROP_NAT_MALFORMED);
			return TF_STOLEN;
		}
		/* fall through */
	case CT_NEW:
		if (!nat_alloc_done(e, h->manip)) {
			v = r->ruleset ? table_run(r, r->ruleset, XT_TABLE_NAT, p) : TF_ACCEPT;
			if (v != TF_ACCEPT)
				return v;
			if (!nat_alloc_done(e, h->manip) &&
			    nat_alloc_null(r->ct, e, h->manip, nat_rnd(r, e)) < 0) {
				router_drop(r, p, DROP_NAT_NO_TUPLE);
				return TF_STOLEN;
			}
			break;
		}
		/* fall through */
	default:
		if (nat_masq_gone(r, p, e))
			return TF_STOLEN;
	}
	if (nat_manip_packet(p, e, ct_info_dir(p->ctinfo), h->manip))
		return TF_ACCEPT;
	router_drop(r, p, DROP_NAT_MALFORMED);
	return TF_STOLEN;
}

void nat_unregister(struct router *r)
{
	unsigned int i;

	for (i = 0; i < NAT_N_HOOKS; i++)
		hook_unregister(&r->hooks, nat_hooks[i].hook, nat_hook_fn, (void *)&nat_hooks[i]);
}

int nat_register(struct router *r)
{
	unsigned int i;
	int err;

	for (i = 0; i < NAT_N_HOOKS; i++) {
		err = hook_register(&r->hooks, nat_hooks[i].hook, nat_hooks[i].priority,
				    nat_hook_fn, (void *)&nat_hooks[i]);
		if (err) {
			nat_unregister(r);
			return err;
		}
	}
	return 0;
}

static int nat_masq_forget_one(struct ct_table *t, struct ct_entry *e, void *arg)
{
	unsigned int *n = arg;

	if (e->nat.masq_oif == (int16_t)n[0]) {
		ct_table_kill(t, e);
		n[1]++;
	}
	return 0;
}

unsigned int nat_masq_forget(struct router *r, int idx)
{
	unsigned int n[2] = { (unsigned int)idx, 0 };

	if (!r->ct)
		return 0;
	ct_table_walk(r->ct, nat_masq_forget_one, n);
	return n[1];
}
