// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The tracker's hooks and life (see ct.h): lookup at PRE_ROUTING and
 * LOCAL_OUT, confirmation at POST_ROUTING and LOCAL_IN, the ICMP errors the
 * router makes attached to the connection they are about, expiry from
 * router_tick.
 *
 * The lookup (nf_conntrack_in), for a packet without an entry yet:
 *   1. later fragments have no ports: INVALID (defrag runs first, so only a
 *      fragment that could not be reassembled gets here);
 *   2. the tracker's error check: INVALID, or an ICMP error made RELATED;
 *   3. the tuple; the entry with it, or a new unconfirmed one (table full
 *      and nothing evictable: the packet is dropped, conntrack_full);
 *   4. the tracker's state machine: INVALID (the packet keeps no entry; a
 *      new entry dies with the reference), a reopened TCP connection (look
 *      up again, once), or tracked: p->ct and p->ctinfo set.
 * The packet path never allocates: entries come from the table's store.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "conntrack/clash.h"
#include "conntrack/ct.h"
#include "conntrack/proto.h"
#include "conntrack/table.h"
#include "core/hook.h"
#include "core/ipv4.h"
#include "core/router.h"

static const char *const ct_timeout_names[CT_TO_MAX] = {
	[CT_TO_TCP_SYN_SENT] = "tcp_timeout_syn_sent",
	[CT_TO_TCP_SYN_RECV] = "tcp_timeout_syn_recv",
	[CT_TO_TCP_ESTABLISHED] = "tcp_timeout_established",
	[CT_TO_TCP_FIN_WAIT] = "tcp_timeout_fin_wait",
	[CT_TO_TCP_CLOSE_WAIT] = "tcp_timeout_close_wait",
	[CT_TO_TCP_LAST_ACK] = "tcp_timeout_last_ack",
	[CT_TO_TCP_TIME_WAIT] = "tcp_timeout_time_wait",
	[CT_TO_TCP_CLOSE] = "tcp_timeout_close",
	[CT_TO_TCP_SYN_SENT2] = "tcp_timeout_syn_sent2",
	[CT_TO_TCP_MAX_RETRANS] = "tcp_timeout_max_retrans",
	[CT_TO_TCP_UNACK] = "tcp_timeout_unacknowledged",
	[CT_TO_UDP] = "udp_timeout",
	[CT_TO_UDP_STREAM] = "udp_timeout_stream",
	[CT_TO_ICMP] = "icmp_timeout",
	[CT_TO_GENERIC] = "generic_timeout",
};

/* The kernel's defaults, in seconds. */
static const uint32_t ct_timeout_defaults[CT_TO_MAX] = {
	[CT_TO_TCP_SYN_SENT] = 120,
	[CT_TO_TCP_SYN_RECV] = 60,
	[CT_TO_TCP_ESTABLISHED] = 5 * 24 * 3600,
	[CT_TO_TCP_FIN_WAIT] = 120,
	[CT_TO_TCP_CLOSE_WAIT] = 60,
	[CT_TO_TCP_LAST_ACK] = 30,
	[CT_TO_TCP_TIME_WAIT] = 120,
	[CT_TO_TCP_CLOSE] = 10,
	[CT_TO_TCP_SYN_SENT2] = 120,
	[CT_TO_TCP_MAX_RETRANS] = 300,
	[CT_TO_TCP_UNACK] = 300,
	[CT_TO_UDP] = 30,
	[CT_TO_UDP_STREAM] = 120,
	[CT_TO_ICMP] = 30,
	[CT_TO_GENERIC] = 600,
};

void ct_config_defaults(struct ct_config *cfg)
{
	unsigned int i;

	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = CT_MODE_AUTO;
	cfg->tcp_loose = true;
	cfg->checksum = true;
	cfg->max_entries = 262144;
	cfg->tcp_max_retrans = 3;
	for (i = 0; i < CT_TO_MAX; i++)
		cfg->timeout_ms[i] = ct_timeout_defaults[i] * 1000u;
}

const char *ct_timeout_name(enum ct_timeout to)
{
	return (unsigned int)to < CT_TO_MAX ? ct_timeout_names[to] : "?";
}

/* ---- references held by packets ---- */

static void ct_pkt_get(void *ct)
{
	ct_table_get(ct);
}

static void ct_pkt_put(void *arg, void *ct)
{
	ct_table_put(arg, ct);
}

static const struct pkt_ct_ops ct_pkt_ops = { .get = ct_pkt_get, .put = ct_pkt_put };

/* ---- lookup ---- */

static uint8_t ct_ctinfo(const struct ct_entry *e, enum ct_dir dir)
{
	if (dir == CT_DIR_REPLY)
		return CT_ESTABLISHED_REPLY;
	if (e->status & CT_S_SEEN_REPLY)
		return CT_ESTABLISHED;
	return e->status & CT_S_EXPECTED ? CT_RELATED : CT_NEW;
}

/* init_conntrack: an unconfirmed entry for tuple, or NULL (*full says if
 * for want of room). */
static struct ct_entry *ct_new(const struct ct_l4_ctx *c, const struct ct_proto_ops *ops,
			       const struct ct_tuple *tuple, bool *full)
{
	struct ct_tuple reply;
	struct ct_entry *e;

	*full = false;
	if (!ct_tuple_invert(&reply, tuple))
		return NULL;
	e = ct_table_alloc(c->t, ct_tuple_hash(tuple, c->t->seed));
	if (!e) {
		*full = true;
		return NULL;
	}
	e->th[CT_DIR_ORIGINAL].t = *tuple;
	e->th[CT_DIR_REPLY].t = reply;
	if (ops->new && !ops->new(e, c)) {
		ct_table_put(c->t, e);
		return NULL;
	}
	return e;
}

static unsigned int ct_invalid(struct ct_table *t)
{
	t->st.invalid++;
	return TF_ACCEPT;
}

static unsigned int ct_in(struct ct_table *t, struct pkt *p, struct router *r)
{
	const struct iphdr *ip = ipv4_hdr(p);
	unsigned int hl = ipv4_hdrlen(ip);
	const struct ct_proto_ops *ops = ct_proto_find(ip->protocol);
	struct ct_l4_ctx c = { t, p, p->data + hl, p->len - hl, p->hook, r->now_ms };
	struct ct_tuple tuple;
	struct ct_entry *e;
	enum ct_dir dir;
	bool repeated = false, full;
	int ret;

	t->now = r->now_ms;
	if (ipv4_frag_offset(ip))
		return ct_invalid(t);
	if (ops->error) {
		ret = ops->error(&c);
		if (ret == CT_R_HANDLED)
			return TF_ACCEPT;
		if (ret != CT_R_ACCEPT)
			return ct_invalid(t);
	}
	if (!ct_tuple_from_l4(&tuple, ip->saddr, ip->daddr, ip->protocol, c.l4, c.l4len))
		return ct_invalid(t);
again:
	e = ct_table_find(t, &tuple, &dir);
	if (e) {
		t->st.found++;
		ct_table_get(e);
	} else {
		e = ct_new(&c, ops, &tuple, &full);
		if (!e && full) {
			router_drop(r, p, DROP_CT_TABLE_FULL);
			return TF_STOLEN;
		}
		if (!e)
			return ct_invalid(t);
		dir = CT_DIR_ORIGINAL;
	}
	p->ct = e;
	p->ctinfo = ct_ctinfo(e, dir);
	ret = ops->packet(e, &c, dir, p->ctinfo);
	if (ret != CT_R_ACCEPT) {
		pkt_ct_release(&r->pool, p);
		if (ret == CT_R_REPEAT && !repeated) {
			repeated = true;
			goto again;
		}
		return ct_invalid(t);
	}
	if (dir == CT_DIR_REPLY && !(e->status & CT_S_SEEN_REPLY)) {
		e->status |= CT_S_SEEN_REPLY;
		e->ecache |= CT_EC_STATUS;
	}
	e->packets[dir]++;
	e->bytes[dir] += p->len;
	return TF_ACCEPT;
}

static unsigned int ct_hook_in(void *priv, struct pkt *p, struct router *r)
{
	/* Already decided: an answer the router attached (ct_attach), or
	 * the raw table said NOTRACK. */
	if (p->ct || p->ctinfo == CT_UNTRACKED)
		return TF_ACCEPT;
	return ct_in(priv, p, r);
}

/* ---- confirmation ---- */

static unsigned int ct_hook_confirm(void *priv, struct pkt *p, struct router *r)
{
	struct ct_table *t = priv;
	struct ct_entry *e = p->ct, *o;

	if (!e)
		return TF_ACCEPT;
	t->now = r->now_ms;
	if (!(e->status & CT_S_CONFIRMED)) {
		/* Only the packet that made the entry confirms it; an answer
		 * attached to it (RELATED_REPLY) does not. */
		if (ct_info_dir(p->ctinfo) != CT_DIR_ORIGINAL)
			return TF_ACCEPT;
		switch (ct_table_insert(t, e, &o)) {
		case 0:
			return TF_ACCEPT;
		case -EEXIST:
			/* The same connection confirmed meanwhile (its first
			 * packets raced through a queue). */
			if (ct_clash_resolve(t, p, o) == 0) {
				e = p->ct;
				break;
			}
			/* fall through */
		default:
			t->st.insert_failed++;
			t->st.drop++;
			router_drop(r, p, DROP_CT_INSERT_FAILED);
			return TF_STOLEN;
		}
	}
	if (e->ecache && (e->status & (CT_S_CONFIRMED | CT_S_DYING)) == CT_S_CONFIRMED) {
		e->ecache = 0;
		ct_table_event(t, CT_EV_UPDATE, e);
	}
	return TF_ACCEPT;
}

/* ---- what the router asks ---- */

/* nf_ct_attach: an answer travels against the packet it answers. */
static void ct_attach(struct router *r, struct pkt *n, const struct pkt *orig)
{
	pkt_ct_copy(&r->pool, n, orig);
	n->ctinfo = ct_info_dir(orig->ctinfo) == CT_DIR_ORIGINAL ? CT_RELATED_REPLY : CT_RELATED;
	n->nat_done = 0;
}

static void ct_tick(struct router *r)
{
	ct_table_expire(r->ct, r->now_ms);
}

static const struct router_ct_ops ct_router_ops = { .tick = ct_tick, .attach = ct_attach };

/* ---- life ---- */

struct ct_hook_def {
	enum tf_hook hook;
	int priority;
	hook_fn fn;
};

static const struct ct_hook_def ct_hooks[] = {
	{ HOOK_PRE_ROUTING, HOOK_PRI_CONNTRACK, ct_hook_in },
	{ HOOK_LOCAL_OUT, HOOK_PRI_CONNTRACK, ct_hook_in },
	{ HOOK_POST_ROUTING, HOOK_PRI_CONNTRACK_CONFIRM, ct_hook_confirm },
	{ HOOK_LOCAL_IN, HOOK_PRI_CONNTRACK_CONFIRM, ct_hook_confirm },
};

#define CT_N_HOOKS (sizeof(ct_hooks) / sizeof(ct_hooks[0]))

static void ct_unhook(struct router *r, struct ct_table *t)
{
	unsigned int i;

	for (i = 0; i < CT_N_HOOKS; i++)
		hook_unregister(&r->hooks, ct_hooks[i].hook, ct_hooks[i].fn, t);
	router_ct_set(r, NULL, NULL);
}

static int ct_hook(struct router *r, struct ct_table *t)
{
	unsigned int i;
	int err;

	for (i = 0; i < CT_N_HOOKS; i++) {
		err = hook_register(&r->hooks, ct_hooks[i].hook, ct_hooks[i].priority,
				    ct_hooks[i].fn, t);
		if (err)
			goto fail;
	}
	err = router_ct_set(r, t, &ct_router_ops);
	if (err)
		goto fail;
	return 0;
fail:
	ct_unhook(r, t);
	return err;
}

/* The table, on or off: while tracking is off it stays (empty), since
 * packets parked elsewhere may still give references back to it. The
 * pool's reference operations lead to it. */
static struct ct_table *ct_of(const struct router *r)
{
	return r->pool.ct_ops == &ct_pkt_ops ? r->pool.ct_arg : NULL;
}

struct ct_table *ct_router_table(const struct router *r)
{
	struct ct_table *t = ct_of(r);

	return t && t->cfg.mode != CT_MODE_OFF ? t : NULL;
}

/* Auto mode: the first ruleset that needs tracking starts it. */
static int ct_start(struct router *r)
{
	struct ct_table *t = ct_of(r);

	if (!t)
		return -ENOENT;
	if (r->ct)
		return 0;
	t->now = r->now_ms;
	return ct_hook(r, t);
}

int ct_init(struct router *r, const struct ct_config *cfg)
{
	struct ct_table *t;
	int err;

	if (cfg->mode == CT_MODE_OFF)
		return 0;
	t = malloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	err = ct_table_init(t, cfg, r->now_ms);
	if (err) {
		free(t);
		return err;
	}
	r->pool.ct_ops = &ct_pkt_ops;
	r->pool.ct_arg = t;
	r->ct_start = cfg->mode == CT_MODE_AUTO ? ct_start : NULL;
	err = cfg->mode == CT_MODE_ON || r->ct_wanted ? ct_hook(r, t) : 0;
	if (err) {
		r->ct_start = NULL;
		r->pool.ct_ops = NULL;
		r->pool.ct_arg = NULL;
		ct_table_fini(t);
		free(t);
	}
	return err;
}

void ct_fini(struct router *r)
{
	struct ct_table *t = ct_of(r);

	if (!t)
		return;
	if (r->ct)
		ct_unhook(r, t);
	r->ct_start = NULL;
	/* Packets still out forget their entries (pkt_ct_release without
	 * operations): the store goes away with the table. */
	r->pool.ct_ops = NULL;
	r->pool.ct_arg = NULL;
	ct_table_fini(t);
	free(t);
}

int ct_configure(struct router *r, const struct ct_config *cfg)
{
	struct ct_table *t = ct_of(r);
	int err;

	if (!t)
		return ct_init(r, cfg);
	if (cfg->mode == CT_MODE_OFF) {
		if (r->ct) {
			ct_unhook(r, t);
			ct_table_flush(t);
		}
		t->cfg.mode = CT_MODE_OFF;
		r->ct_start = NULL;
		return 0;
	}
	err = ct_table_configure(t, cfg);
	if (err)
		return err;
	/* Auto never stops tracking that runs (see enum ct_mode). */
	r->ct_start = cfg->mode == CT_MODE_AUTO ? ct_start : NULL;
	if (!r->ct && (cfg->mode == CT_MODE_ON || r->ct_wanted)) {
		t->now = r->now_ms;
		err = ct_hook(r, t);
	}
	return err;
}
