// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The packet path. See router.h for the picture; the order of checks
 * follows the kernel so that a test against it sees the same things:
 *
 *  - martian sources and destinations are dropped by the route lookup, after
 *    PRE_ROUTING (ip_route_input_slow);
 *  - TTL expiry and "fragmentation needed" are decided before FORWARD runs
 *    (ip_forward), so a FORWARD rule never sees a packet that dies there;
 *  - local delivery always reassembles (ip_local_deliver), forwarding only
 *    when defrag is on (the kernel: only when conntrack is loaded);
 *  - a reassembled packet leaves in fragments no larger than the largest it
 *    arrived in (IPCB frag_max_size), so forwarded fragments keep their shape.
 *
 * Each hook has a continuation (the kernel's okfn), found through
 * router_okfn[] by hook number, so that a packet parked by QUEUE can resume
 * with router_reinject() knowing only its hook and handler index.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/csum.h"
#include "core/frag.h"
#include "core/ipv4.h"
#include "core/local.h"
#include "core/router.h"

static void router_hook(struct router *r, struct pkt *p, enum tf_hook hook);
static void router_hook_resume(struct router *r, struct pkt *p);
static void router_icmp_error_via(struct router *r, const struct pkt *p, uint8_t type,
				  uint8_t code, uint32_t info, uint32_t src);

void router_drop(struct router *r, struct pkt *p, enum tf_drop reason)
{
	drop_count(&r->drops, reason);
	pkt_free(&r->pool, p);
}

/* ---- defrag as a hook (PRE_ROUTING and LOCAL_OUT, priority -400) ---- */

static unsigned int router_defrag_hook(void *priv, struct pkt *p, struct router *r)
{
	if (!ipv4_is_fragment(ipv4_hdr(p)))
		return TF_ACCEPT;
	/* 0: p is now the whole datagram. Otherwise defrag kept p, or dropped,
	 * counted and freed it: either way it is no longer ours. */
	return defrag_add(r->defrag, p, r->now_ms) == 0 ? TF_ACCEPT : TF_STOLEN;
}

static void router_defrag_timeout(void *arg, const struct pkt *first)
{
	struct router *r = arg;

	/* RFC 792: time exceeded, code 1, when the first fragment was seen. */
	router_icmp_error(r, first, 11, 1, 0);
}

static int router_defrag_hooks(struct router *r, bool on)
{
	int err;

	if (on == r->defrag_hooked)
		return 0;
	if (!on) {
		hook_unregister(&r->hooks, HOOK_PRE_ROUTING, router_defrag_hook, r);
		hook_unregister(&r->hooks, HOOK_LOCAL_OUT, router_defrag_hook, r);
		r->defrag_hooked = false;
		return 0;
	}
	err = hook_register(&r->hooks, HOOK_PRE_ROUTING, HOOK_PRI_DEFRAG, router_defrag_hook, r);
	if (err)
		return err;
	err = hook_register(&r->hooks, HOOK_LOCAL_OUT, HOOK_PRI_DEFRAG, router_defrag_hook, r);
	if (err) {
		hook_unregister(&r->hooks, HOOK_PRE_ROUTING, router_defrag_hook, r);
		return err;
	}
	r->defrag_hooked = true;
	return 0;
}

/* ---- set-up ---- */

int router_init(struct router *r, const struct router_config *cfg, const struct router_ops *ops,
		void *ops_arg)
{
	struct timespec ts;
	unsigned int i;
	int err;

	memset(r, 0, sizeof(*r));
	r->host_if = -1;
	r->cfg = *cfg;
	r->ops = ops;
	r->ops_arg = ops_arg;
	for (i = 0; i < ROUTER_MAX_IFACES; i++) {
		r->ifaces[i].fd = -1;
		r->ifaces[i].idx = (int16_t)i;
	}
	hooks_init(&r->hooks);
	err = pkt_pool_init(&r->pool, cfg->pool_size);
	if (err)
		goto fail_pool;
	err = -ENOMEM;
	r->fib = route_table_new();
	if (!r->fib)
		goto fail_fib;
	r->defrag = defrag_new(&cfg->defrag_cfg, &r->pool, &r->drops);
	if (!r->defrag)
		goto fail_defrag;
	defrag_set_timeout_cb(r->defrag, router_defrag_timeout, r);
	icmp_limiter_init(&r->icmp_limit, &cfg->icmp);
	err = router_defrag_hooks(r, cfg->defrag);
	if (err)
		goto fail_hooks;
	/* IP IDs of our own packets start somewhere unpredictable. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	r->ip_id = (uint16_t)(ts.tv_nsec ^ (ts.tv_nsec >> 16));
	return 0;

fail_hooks:
	defrag_free(r->defrag);
fail_defrag:
	route_table_free(r->fib);
fail_fib:
	pkt_pool_fini(&r->pool);
fail_pool:
	hooks_fini(&r->hooks);
	return err;
}

void router_fini(struct router *r)
{
	unsigned int i;

	for (i = 0; i < ROUTER_MAX_IFACES; i++)
		if (r->ifaces[i].used)
			router_iface_remove(r, (int)i);
	defrag_free(r->defrag);
	route_table_free(r->fib);
	hooks_fini(&r->hooks);
	pkt_pool_fini(&r->pool);
}

int router_configure(struct router *r, const struct router_config *cfg)
{
	struct defrag *d;
	int err;

	/* The pool cannot change size while packets are out; keep the old one. */
	if (cfg->defrag_cfg.max_memory != r->cfg.defrag_cfg.max_memory ||
	    cfg->defrag_cfg.timeout_ms != r->cfg.defrag_cfg.timeout_ms ||
	    cfg->defrag_cfg.max_queues != r->cfg.defrag_cfg.max_queues) {
		d = defrag_new(&cfg->defrag_cfg, &r->pool, &r->drops);
		if (!d)
			return -ENOMEM;
		defrag_set_timeout_cb(d, router_defrag_timeout, r);
		/* Datagrams half reassembled under the old limits are dropped. */
		defrag_free(r->defrag);
		r->defrag = d;
		r->cfg.defrag_cfg = cfg->defrag_cfg;
	}
	/* Conntrack needs whole datagrams: defrag stays hooked while it runs. */
	err = router_defrag_hooks(r, cfg->defrag || r->ct);
	if (err)
		return err;
	r->cfg.defrag = cfg->defrag;
	r->cfg.icmp = cfg->icmp;
	icmp_limiter_init(&r->icmp_limit, &cfg->icmp);
	return 0;
}

int router_ct_set(struct router *r, struct ct_table *ct, const struct router_ct_ops *ops)
{
	int err = router_defrag_hooks(r, r->cfg.defrag || ct);

	if (err)
		return err;
	r->ct = ct;
	r->ct_ops = ct ? ops : NULL;
	return 0;
}

void router_ct_attach(struct router *r, struct pkt *n, const struct pkt *orig)
{
	if (r->ct_ops && orig->ct)
		r->ct_ops->attach(r, n, orig);
}

int router_iface_add(struct router *r, const char *name, uint32_t addr, uint8_t plen, uint32_t mtu,
		     int fd)
{
	struct iface *ifc;
	unsigned int i;

	if (strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	if (router_iface_by_name(r, name))
		return -EEXIST;
	for (i = 0; i < ROUTER_MAX_IFACES && r->ifaces[i].used; i++)
		;
	if (i == ROUTER_MAX_IFACES)
		return -ENOSPC;
	ifc = &r->ifaces[i];
	memset(ifc, 0, sizeof(*ifc));
	ifc->idx = (int16_t)i;
	ifc->used = true;
	ifc->up = true; /* until the kernel says otherwise */
	strcpy(ifc->name, name);
	ifc->addr = addr;
	ifc->plen = plen;
	ifc->mtu = mtu;
	ifc->fd = fd;
	ifc->txq_tail = &ifc->txq;
	if (i + 1 > r->n_ifaces)
		r->n_ifaces = i + 1;
	return (int)i;
}

struct iface *router_iface_by_name(struct router *r, const char *name)
{
	unsigned int i;

	for (i = 0; i < r->n_ifaces; i++)
		if (r->ifaces[i].used && strcmp(r->ifaces[i].name, name) == 0)
			return &r->ifaces[i];
	return NULL;
}

void router_iface_remove(struct router *r, int idx)
{
	struct iface *ifc = &r->ifaces[idx];
	struct pkt *p, *n;

	for (p = ifc->txq; p; p = n) {
		n = p->next;
		router_drop(r, p, DROP_IF_DOWN);
	}
	memset(ifc, 0, sizeof(*ifc));
	ifc->idx = (int16_t)idx;
	ifc->fd = -1;
	if (r->host_if == idx)
		r->host_if = -1;
	while (r->n_ifaces && !r->ifaces[r->n_ifaces - 1].used)
		r->n_ifaces--;
}

int router_fib_add_connected(const struct router *r, struct route_table *t)
{
	unsigned int i;
	int err;

	for (i = 0; i < r->n_ifaces; i++) {
		const struct iface *ifc = &r->ifaces[i];
		uint32_t a = ntohl(ifc->addr), m = ipv4_mask(ifc->plen);

		if (!ifc->used || !ifc->addr)
			continue;
		err = route_add(t, a & m, ifc->plen, ROUTE_CONNECTED, (int)i);
		/* Local and broadcast entries are added after the connected one
		 * so that they replace it where they coincide (/32). */
		if (!err && ifc->plen < 31)
			err = route_add(t, a | ~m, 32, ROUTE_BROADCAST, (int)i);
		if (!err)
			err = route_add(t, a, 32, ROUTE_LOCAL, (int)i);
		if (err)
			return err;
	}
	return 0;
}

void router_host_set(struct router *r, int idx)
{
	r->host_if = idx;
}

void router_fib_replace(struct router *r, struct route_table *t)
{
	route_table_free(r->fib);
	r->fib = t;
}

void router_set_clock(struct router *r, uint64_t mono_ms, uint32_t ms_of_day)
{
	r->now_ms = mono_ms;
	r->ms_of_day = ms_of_day;
}

/* ---- output ---- */

static void router_enqueue(struct router *r, struct iface *ifc, struct pkt *p)
{
	p->next = NULL;
	*ifc->txq_tail = p;
	ifc->txq_tail = &p->next;
	ifc->txq_len++;
}

void router_flush(struct router *r)
{
	unsigned int i;

	for (i = 0; i < r->n_ifaces; i++) {
		struct iface *ifc = &r->ifaces[i];
		struct pkt *p = ifc->txq, *n;

		if (!p)
			continue;
		ifc->txq = NULL;
		ifc->txq_tail = &ifc->txq;
		ifc->txq_len = 0;
		for (; p; p = n) {
			n = p->next;
			p->next = NULL;
			if (r->ops->xmit(r, ifc, p) < 0) {
				ifc->st.tx_dropped++;
				drop_count(&r->drops, DROP_TX_ERROR);
			}
		}
	}
}

/* POST_ROUTING accepted: fragment if needed and queue for the link. */
static void router_output(struct router *r, struct pkt *p)
{
	struct iface *ifc = &r->ifaces[p->oif];
	struct iphdr *ip = ipv4_hdr(p);
	unsigned int limit = ifc->mtu;
	struct pkt *frags, *n;
	int err;

	if (!ifc->used || !ifc->up) {
		ifc->st.tx_dropped++;
		router_drop(r, p, DROP_IF_DOWN);
		return;
	}
	if ((p->flags & PKT_F_REASSEMBLED) && p->frag_max && p->frag_max < limit)
		limit = p->frag_max;
	if (p->len <= limit) {
		router_enqueue(r, ifc, p);
		return;
	}
	if ((ip->frag_off & htons(IPV4_F_DF)) && !(p->flags & PKT_F_REASSEMBLED)) {
		/* A hook grew a DF packet past the MTU (ip_fragment). */
		if (!(p->flags & PKT_F_LOCAL_ORIGIN))
			router_icmp_error(r, p, 3, 4, ifc->mtu);
		router_drop(r, p, DROP_FRAG_NEEDED);
		return;
	}
	err = frag_split(&r->pool, p, limit, &frags);
	if (err < 0) {
		router_drop(r, p, err == -ENOBUFS ? DROP_NO_BUFFER : DROP_FRAG_FAILED);
		return;
	}
	for (; frags; frags = n) {
		n = frags->next;
		router_enqueue(r, ifc, frags);
	}
}

static void router_post_routing(struct router *r, struct pkt *p)
{
	router_hook(r, p, HOOK_POST_ROUTING);
}

/* LOCAL_OUT accepted: route (again: a handler may have changed the
 * destination) and go to POST_ROUTING. */
static void router_local_out_finish(struct router *r, struct pkt *p)
{
	const struct iphdr *ip = ipv4_hdr(p);
	const struct route *rt = route_lookup(r->fib, ntohl(ip->daddr));

	/* REDIRECT in OUTPUT sends to 127.0.0.1, the kernel's loopback: never
	 * a link's business, whatever the default route says. */
	if (ipv4_addr_is_loopback(ip->daddr)) {
		router_drop(r, p, DROP_MARTIAN_DST);
		return;
	}
	if (!rt) {
		router_drop(r, p, DROP_NO_ROUTE);
		return;
	}
	if (rt->kind == ROUTE_LOCAL) {
		/* Our own stack talking to itself has nothing to say. */
		router_drop(r, p, DROP_MARTIAN_DST);
		return;
	}
	p->oif = rt->oif;
	p->nexthop = ip->daddr;
	p->flags |= PKT_F_ROUTED;
	router_post_routing(r, p);
}

/* host: from the host TUN, whose kernel has routed the packet already (to
 * us, by its default route), so a destination we have no route for may
 * still be made reachable by a DNAT in OUTPUT. */
static void router_local_out_start(struct router *r, struct pkt *p, bool host)
{
	const struct route *rt = route_lookup(r->fib, ntohl(ipv4_hdr(p)->daddr));

	p->flags |= PKT_F_LOCAL_ORIGIN;
	p->iif = -1;
	p->l4_off = (uint16_t)ipv4_hdrlen(ipv4_hdr(p));
	p->tstamp_ms = r->now_ms;
	/* As a socket's ip_route_output: a packet with no route back is never
	 * sent, so no OUTPUT rule sees or counts it. LOCAL_OUT may still change
	 * the destination; router_local_out_finish routes again after it. */
	if ((!rt && !host) || (rt && rt->kind == ROUTE_LOCAL)) {
		router_drop(r, p, rt ? DROP_MARTIAN_DST : DROP_NO_ROUTE);
		return;
	}
	p->oif = rt ? rt->oif : -1;
	r->local_out++;
	router_hook(r, p, HOOK_LOCAL_OUT);
}

void router_local_out(struct router *r, struct pkt *p)
{
	router_local_out_start(r, p, false);
}

/* ---- ICMP errors ---- */

void router_icmp_error(struct router *r, const struct pkt *p, uint8_t type, uint8_t code,
		       uint32_t info)
{
	const struct iphdr *ip = ipv4_hdr(p);
	const struct route *back, *to;

	if (!icmp_error_allowed(p))
		return;
	/* RFC 1812 4.3.2.7: nothing about a packet sent to a subnet broadcast. */
	to = route_lookup(r->fib, ntohl(ip->daddr));
	if (to && to->kind == ROUTE_BROADCAST)
		return;
	/* The error comes from the address it is about when that is ours (as
	 * icmp_send with RTCF_LOCAL); otherwise from the address of the link
	 * the error leaves by. */
	if (to && to->kind == ROUTE_LOCAL) {
		router_icmp_error_via(r, p, type, code, info, ip->daddr);
		return;
	}
	/* Measured against Linux 6.18: a destination unreachable (no route,
	 * REJECT in FORWARD) about a passing packet whose options the router
	 * has already filled in (record route or timestamp slot, overflow
	 * count) is never sent; time exceeded and parameter problem are. */
	if (type == 3 && (p->ipopt.flags & PKT_OPT_CHANGED))
		return;
	/* Only to a unicast source (icmp_send: inet_addr_type != RTN_UNICAST). */
	back = route_lookup(r->fib, ntohl(ip->saddr));
	if (!back || back->kind == ROUTE_LOCAL || back->kind == ROUTE_BROADCAST)
		return;
	router_icmp_error_via(r, p, type, code, info, r->ifaces[back->oif].addr);
}

static void router_icmp_error_via(struct router *r, const struct pkt *p, uint8_t type,
				  uint8_t code, uint32_t info, uint32_t src)
{
	struct pkt *e;
	int err;

	if (!icmp_limiter_allow_code(&r->icmp_limit, ipv4_hdr(p)->saddr, type, code, r->now_ms)) {
		drop_count(&r->drops, DROP_ICMP_RATELIMIT);
		return;
	}
	err = icmp_error_build_opts(&r->pool, p, type, code, info, src, htons(++r->ip_id),
				    r->ms_of_day, &e);
	if (err == -ENOBUFS)
		drop_count(&r->drops, DROP_NO_BUFFER);
	/* -EINVAL: its options cannot be echoed; __icmp_send gives up too. */
	if (err)
		return;
	router_ct_attach(r, e, p);
	router_local_out(r, e);
}

/* ---- input ---- */

/*
 * ip_forward_options: the record route and timestamp slots that option
 * processing filled with the input side's address get the address of the
 * link the packet leaves by, and the checksum, stale since then, is
 * recomputed. The slot offsets were checked by ipv4_options_compile; they
 * are checked again in case a queue consumer replaced the header.
 */
static void router_forward_options(struct router *r, struct pkt *p)
{
	struct pkt_ipopt *o = &p->ipopt;
	uint32_t src = r->ifaces[p->oif].addr;
	unsigned int hl = ipv4_hdrlen(ipv4_hdr(p));
	uint8_t *iph = p->data;

	if (!o->optlen)
		return;
	if ((o->flags & PKT_OPT_RR_NEEDADDR) && o->rr + 3u <= hl && iph[o->rr + 2] >= 8 &&
	    o->rr + iph[o->rr + 2] - 1u <= hl) {
		memcpy(iph + o->rr + iph[o->rr + 2] - 5, &src, 4);
		o->flags |= PKT_OPT_CHANGED;
	}
	if ((o->flags & PKT_OPT_TS_NEEDADDR) && o->ts + 3u <= hl && iph[o->ts + 2] >= 13 &&
	    o->ts + iph[o->ts + 2] - 1u <= hl) {
		memcpy(iph + o->ts + iph[o->ts + 2] - 9, &src, 4);
		o->flags |= PKT_OPT_CHANGED;
	}
	if (o->flags & PKT_OPT_CHANGED) {
		o->flags &= (uint8_t)~PKT_OPT_CHANGED;
		ipv4_set_csum(ipv4_hdr(p));
	}
}

static void router_forward_finish(struct router *r, struct pkt *p)
{
	router_forward_options(r, p);
	r->forwarded++;
	router_post_routing(r, p);
}

/* ip_forward: the checks that come before the FORWARD hook. */
static void router_forward(struct router *r, struct pkt *p)
{
	struct iphdr *ip = ipv4_hdr(p);
	const struct iface *out = &r->ifaces[p->oif];

	if (ip->ttl <= 1) {
		router_icmp_error(r, p, 11, 0, 0);
		router_drop(r, p, DROP_TTL_EXPIRED);
		return;
	}
	/* ip_exceeds_mtu: a reassembled packet counts by its largest fragment. */
	if (p->len > out->mtu && (ip->frag_off & htons(IPV4_F_DF)) &&
	    !((p->flags & PKT_F_REASSEMBLED) && p->frag_max && p->frag_max <= out->mtu)) {
		router_icmp_error(r, p, 3, 4, out->mtu);
		router_drop(r, p, DROP_FRAG_NEEDED);
		return;
	}
	ipv4_dec_ttl(ip);
	router_hook(r, p, HOOK_FORWARD);
}

/* With a host stack, the built-in one keeps only what it answers itself
 * (echo and timestamp requests); everything else, TCP, UDP, ICMP errors and
 * replies, is for the programs on the gateway. */
static bool router_local_builtin(const struct pkt *p)
{
	const struct iphdr *ip = ipv4_hdr(p);
	const uint8_t *l4 = p->data + ipv4_hdrlen(ip);

	if (ip->protocol != IPPROTO_ICMP || p->len < ipv4_hdrlen(ip) + 1u)
		return false;
	return l4[0] == 8 || l4[0] == 13;
}

/* LOCAL_IN accepted: the built-in local stack answers, or the host's. */
static void router_local_in_finish(struct router *r, struct pkt *p)
{
	const struct iphdr *ip = ipv4_hdr(p);
	const struct route *rt = route_lookup(r->fib, ntohl(ip->daddr));
	uint32_t local = ip->daddr;
	struct local_result res;

	r->local_in++;
	/* Nothing sent to a broadcast address gets an answer: no ICMP errors
	 * (RFC 1812 4.3.2.7), no RST, and no echo reply either, as Linux with
	 * its default icmp_echo_ignore_broadcasts=1. */
	if (!rt || rt->kind != ROUTE_LOCAL) {
		router_drop(r, p, DROP_LOCAL_PROTO);
		return;
	}
	if (r->host_if >= 0 && !router_local_builtin(p)) {
		/* POST_ROUTING has no part in this, as in the kernel: delivered. */
		p->oif = (int16_t)r->host_if;
		router_output(r, p);
		return;
	}
	if (local_deliver(&r->pool, p, local, htons(++r->ip_id), r->ms_of_day, &res) < 0) {
		router_drop(r, p, DROP_NO_BUFFER);
		return;
	}
	switch (res.action) {
	case LOCAL_CONSUMED:
		router_drop(r, p, DROP_LOCAL_PROTO);
		break;
	case LOCAL_REPLY_INPLACE:
		/* A new packet now: the request's conntrack entry is not its own. */
		pkt_ct_release(&r->pool, p);
		router_local_out(r, p);
		break;
	case LOCAL_REPLY_NEW:
		pkt_free(&r->pool, p);
		router_local_out(r, res.reply);
		break;
	case LOCAL_SEND_ICMP:
		router_icmp_error_via(r, p, res.icmp_type, res.icmp_code, 0, local);
		pkt_free(&r->pool, p);
		break;
	}
}

/* ip_local_deliver: whole datagrams only, whatever the defrag setting. */
static void router_local_deliver(struct router *r, struct pkt *p)
{
	if (ipv4_is_fragment(ipv4_hdr(p)) && defrag_add(r->defrag, p, r->now_ms) != 0)
		return;
	router_hook(r, p, HOOK_LOCAL_IN);
}

/* fib_validate_source with rp_filter 0 (tunfilter's reverse-path checks
 * are the rpfilter match): only a source that is one of our own addresses
 * is a martian. */
static bool router_src_is_ours(const struct router *r, uint32_t saddr)
{
	const struct route *src = route_lookup(r->fib, ntohl(saddr));

	return src && src->kind == ROUTE_LOCAL;
}

/* inet_addr_type != RTN_UNICAST: ours, a broadcast, a multicast or 0/8. */
static bool router_addr_is_ours(void *arg, uint32_t addr)
{
	const struct router *r = arg;
	const struct route *rt;

	if (ipv4_addr_is_zeronet(addr) || ipv4_addr_is_lbcast(addr) ||
	    ipv4_addr_is_multicast(addr))
		return true;
	rt = route_lookup(r->fib, ntohl(addr));
	return rt && (rt->kind == ROUTE_LOCAL || rt->kind == ROUTE_BROADCAST);
}

/*
 * ip_rcv_options, once the route is known (rt may be NULL: no route):
 * malformed options get a parameter problem pointing at the bad byte;
 * source routes are dropped (accept_source_route 0, the default). The
 * address recorded is the destination for our own, else the one we would
 * answer the source from (fib_compute_spec_dst). False: p is gone.
 */
static bool router_rx_options(struct router *r, struct pkt *p, const struct route *rt)
{
	const struct iphdr *ip = ipv4_hdr(p);
	struct ipv4_opt_env env = {
		.ms_of_day = r->ms_of_day, .addr_is_ours = router_addr_is_ours, .arg = r,
	};
	const struct route *back;
	int ptr;

	if (ipv4_hdrlen(ip) <= IPV4_HDR_MIN)
		return true;
	back = route_lookup(r->fib, ntohl(ip->saddr));
	if (rt && rt->kind == ROUTE_LOCAL)
		env.spec_dst = ip->daddr;
	else if (back && (back->kind == ROUTE_CONNECTED || back->kind == ROUTE_STATIC))
		env.spec_dst = r->ifaces[back->oif].addr;
	else
		env.spec_dst = r->ifaces[p->iif].addr;
	ptr = ipv4_options_compile(p, &env);
	if (ptr) {
		router_icmp_error(r, p, 12, 0, (uint32_t)ptr);
		router_drop(r, p, DROP_BAD_OPTIONS);
		return false;
	}
	if (p->ipopt.srr) {
		router_drop(r, p, DROP_SOURCE_ROUTE);
		return false;
	}
	return true;
}

#define ROUTER_ALL_HOSTS 0xe0000001u /* 224.0.0.1 */

/* A multicast destination (ip_route_input_mc). The router is a member of
 * the all-hosts group on every link, as any Linux host is, and of nothing
 * else (there is no multicast routing). */
static void router_route_input_mc(struct router *r, struct pkt *p)
{
	const struct iphdr *ip = ipv4_hdr(p);

	if (ntohl(ip->daddr) != ROUTER_ALL_HOSTS) {
		router_drop(r, p, DROP_MARTIAN_DST);
		return;
	}
	if (ipv4_addr_is_multicast(ip->saddr) || ipv4_addr_is_lbcast(ip->saddr) ||
	    ipv4_addr_is_loopback(ip->saddr) ||
	    (!ipv4_addr_is_zeronet(ip->saddr) && router_src_is_ours(r, ip->saddr))) {
		router_drop(r, p, DROP_MARTIAN_SRC);
		return;
	}
	/* A zero source is fine towards 224.0.0.0/24 (link-local groups). */
	if (router_rx_options(r, p, NULL))
		router_local_deliver(r, p);
}

/* PRE_ROUTING accepted: ip_route_input_slow, its checks in its order. */
static void router_route_input(struct router *r, struct pkt *p)
{
	const struct iphdr *ip = ipv4_hdr(p);
	const struct route *rt;

	if (ipv4_addr_is_multicast(ip->daddr)) {
		router_route_input_mc(r, p);
		return;
	}
	if (ipv4_addr_is_multicast(ip->saddr) || ipv4_addr_is_lbcast(ip->saddr)) {
		router_drop(r, p, DROP_MARTIAN_SRC);
		return;
	}
	if (ipv4_addr_is_lbcast(ip->daddr) || (!ip->saddr && !ip->daddr)) {
		if (ip->saddr && router_src_is_ours(r, ip->saddr))
			router_drop(r, p, DROP_MARTIAN_SRC);
		else if (router_rx_options(r, p, NULL))
			router_local_deliver(r, p);
		return;
	}
	if (ipv4_addr_is_zeronet(ip->saddr) || ipv4_addr_is_loopback(ip->saddr)) {
		router_drop(r, p, ipv4_addr_is_loopback(ip->daddr) ? DROP_MARTIAN_DST
								  : DROP_MARTIAN_SRC);
		return;
	}
	if (ipv4_addr_is_zeronet(ip->daddr) || ipv4_addr_is_loopback(ip->daddr)) {
		router_drop(r, p, DROP_MARTIAN_DST);
		return;
	}
	if (router_src_is_ours(r, ip->saddr)) {
		router_drop(r, p, DROP_MARTIAN_SRC);
		return;
	}
	rt = route_lookup(r->fib, ntohl(ip->daddr));
	if (!router_rx_options(r, p, rt))
		return;
	if (!rt) {
		router_icmp_error(r, p, 3, 0, 0);
		router_drop(r, p, DROP_NO_ROUTE);
		return;
	}
	if (rt->kind == ROUTE_LOCAL || rt->kind == ROUTE_BROADCAST) {
		router_local_deliver(r, p);
		return;
	}
	p->oif = rt->oif;
	p->nexthop = ip->daddr;
	p->flags |= PKT_F_ROUTED;
	router_forward(r, p);
}

void router_rx(struct router *r, struct pkt *p, int iif)
{
	struct iface *ifc = &r->ifaces[iif];
	enum tf_drop why;

	ifc->st.rx_packets++;
	ifc->st.rx_bytes += p->len;
	p->iif = (int16_t)iif;
	p->tstamp_ms = r->now_ms;
	/* Options wait for the route (router_rx_options). */
	if (ipv4_validate_header(p, &why) < 0) {
		ifc->st.rx_dropped++;
		router_drop(r, p, why);
		return;
	}
	/* The gateway's own programs: their packets are locally generated. */
	if (iif == r->host_if) {
		router_local_out_start(r, p, true);
		return;
	}
	router_hook(r, p, HOOK_PRE_ROUTING);
}

/* ---- hook traversal and reinjection ---- */

typedef void (*router_okfn_t)(struct router *r, struct pkt *p);

static const router_okfn_t router_okfn[HOOK_MAX] = {
	[HOOK_PRE_ROUTING] = router_route_input,
	[HOOK_LOCAL_IN] = router_local_in_finish,
	[HOOK_FORWARD] = router_forward_finish,
	[HOOK_LOCAL_OUT] = router_local_out_finish,
	[HOOK_POST_ROUTING] = router_output,
};

static void router_hook_resume(struct router *r, struct pkt *p)
{
	int why = DROP_HOOK_DROP;

	switch (hook_run(&r->hooks, p, r, &why)) {
	case TF_ACCEPT:
		router_okfn[p->hook](r, p);
		break;
	case TF_STOLEN:
		break;
	case TF_QUEUE:
		if (r->queue) {
			r->queue(r->queue_arg, r, p);
			break;
		}
		/* No queue subsystem: nobody can take it. --queue-bypass asks
		 * for the packet to go on instead. */
		if (p->flags & PKT_F_QUEUE_BYPASS) {
			p->flags &= (uint8_t)~PKT_F_QUEUE_BYPASS;
			router_reinject(r, p, TF_ACCEPT);
			break;
		}
		router_drop(r, p, DROP_QUEUE_NO_CONSUMER);
		break;
	default:
		router_drop(r, p, (enum tf_drop)why);
		break;
	}
}

static void router_hook(struct router *r, struct pkt *p, enum tf_hook hook)
{
	p->hook = (uint8_t)hook;
	p->hook_idx = 0;
	p->repeat = 0;
	router_hook_resume(r, p);
}

void router_reinject(struct router *r, struct pkt *p, unsigned int verdict)
{
	switch (verdict) {
	case TF_ACCEPT:
		p->hook_idx++;
		p->repeat = 0;
		router_hook_resume(r, p);
		break;
	case TF_REPEAT:
		router_hook_resume(r, p);
		break;
	case TF_DROP:
		router_drop(r, p, DROP_HOOK_DROP);
		break;
	default:
		router_drop(r, p, DROP_BAD_VERDICT);
		break;
	}
}

void router_tick(struct router *r)
{
	defrag_expire(r->defrag, r->now_ms);
	if (r->ct_ops)
		r->ct_ops->tick(r);
}
