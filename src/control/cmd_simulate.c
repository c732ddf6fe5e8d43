// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tunfilter simulate (see cmd_simulate.h). The route decisions copy
 * router.c's order (router_route_input, router_forward,
 * router_local_out_finish) without its side effects: no ICMP error is
 * sent, nothing is counted, the packet lives in a private buffer.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "control/cmd_iptables.h"
#include "control/cmd_simulate.h"
#include "core/csum.h"
#include "core/ipv4.h"
#include "core/route.h"
#include "core/router.h"
#include "tables/table.h"

#define SIM_MAX_STEPS 256u

struct sim_opts {
	int in, out;                   /* interface indices, -1: none */
	uint32_t src, dst;             /* network order */
	bool have_src, have_dst;
	uint8_t proto, ttl, tos, tcpflags, icmp_type, icmp_code;
	uint16_t sport, dport;
	uint32_t mark, length;
};

struct sim_ctx {
	struct router *r;
	const struct ruleset *rs;
	struct pkt *p;
	struct out *o;
	struct table_step steps[SIM_MAX_STEPS];
};

/* ---- options ---- */

static int sim_u32(struct out *e, const char *opt, const char *arg, uint32_t max, uint32_t *v)
{
	unsigned long long x;
	char *end;

	errno = 0;
	x = strtoull(arg, &end, 0);
	if (!isdigit((unsigned char)arg[0]) || *end || errno || x > max)
		return cmd_iptables_fail(e, 2, "simulate: %s: \"%s\" is not a number from 0 to %u",
					 opt, arg, max);
	*v = (uint32_t)x;
	return 0;
}

static int sim_iface(struct router *r, struct out *e, const char *opt, const char *name,
		     int *idx)
{
	const struct iface *ifc = router_iface_by_name(r, name);

	if (!ifc)
		return cmd_iptables_fail(e, 2, "simulate: %s: no interface \"%s\"", opt, name);
	*idx = ifc->idx;
	return 0;
}

static int sim_addr(struct out *e, const char *opt, const char *arg, uint32_t *a)
{
	struct in_addr in;

	if (inet_pton(AF_INET, arg, &in) != 1)
		return cmd_iptables_fail(e, 2, "simulate: %s: \"%s\" is not an IPv4 address "
					 "(names are not resolved)", opt, arg);
	*a = in.s_addr;
	return 0;
}

static int sim_proto(struct out *e, const char *arg, uint8_t *proto)
{
	struct protoent pe, *res = NULL;
	char buf[1024];
	uint32_t v;

	if (isdigit((unsigned char)arg[0])) {
		if (sim_u32(e, "-p", arg, 255, &v))
			return 2;
		*proto = (uint8_t)v;
		return 0;
	}
	if (!strcasecmp(arg, "tcp") || !strcasecmp(arg, "udp") || !strcasecmp(arg, "icmp")) {
		*proto = tolower((unsigned char)arg[0]) == 't' ? IPPROTO_TCP :
			 tolower((unsigned char)arg[0]) == 'u' ? IPPROTO_UDP : IPPROTO_ICMP;
		return 0;
	}
	if (getprotobyname_r(arg, &pe, buf, sizeof(buf), &res) == 0 && res) {
		*proto = (uint8_t)res->p_proto;
		return 0;
	}
	return cmd_iptables_fail(e, 2, "simulate: unknown protocol \"%s\"", arg);
}

static int sim_icmp_type(struct out *e, const char *arg, struct sim_opts *so)
{
	static const struct { const char *name; uint8_t type, code; } names[] = {
		{ "echo-reply", 0, 0 }, { "destination-unreachable", 3, 0 },
		{ "network-unreachable", 3, 0 }, { "host-unreachable", 3, 1 },
		{ "protocol-unreachable", 3, 2 }, { "port-unreachable", 3, 3 },
		{ "fragmentation-needed", 3, 4 }, { "source-quench", 4, 0 }, { "redirect", 5, 0 },
		{ "echo-request", 8, 0 }, { "time-exceeded", 11, 0 },
		{ "parameter-problem", 12, 0 }, { "timestamp-request", 13, 0 },
		{ "timestamp-reply", 14, 0 },
	};
	unsigned int i, t, c = 0;
	char tail;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcasecmp(arg, names[i].name)) {
			so->icmp_type = names[i].type;
			so->icmp_code = names[i].code;
			return 0;
		}
	}
	if ((sscanf(arg, "%u%c", &t, &tail) == 1 ||
	     (sscanf(arg, "%u/%u%c", &t, &c, &tail) == 2)) && t <= 255 && c <= 255) {
		so->icmp_type = (uint8_t)t;
		so->icmp_code = (uint8_t)c;
		return 0;
	}
	return cmd_iptables_fail(e, 2, "simulate: --icmp-type: \"%s\" is not TYPE[/CODE] or a "
				 "known name", arg);
}

static int sim_tcpflags(struct out *e, const char *arg, uint8_t *flags)
{
	static const char *const names[] = { "FIN", "SYN", "RST", "PSH", "ACK", "URG",
					     "ECE", "CWR" };
	const char *p = arg;
	unsigned int i;

	*flags = 0;
	if (!strcasecmp(arg, "NONE"))
		return 0;
	while (*p) {
		size_t n = strcspn(p, ",");

		for (i = 0; i < 8; i++)
			if (strlen(names[i]) == n && !strncasecmp(p, names[i], n))
				break;
		if (i == 8)
			return cmd_iptables_fail(e, 2, "simulate: --tcp-flags: unknown flag in "
						 "\"%s\"", arg);
		*flags |= (uint8_t)(1u << i);
		p += n;
		p += *p == ',';
	}
	return 0;
}

/* One option and its argument. */
static int sim_option(struct router *r, struct out *e, const char *opt, const char *arg,
		      struct sim_opts *so)
{
	uint32_t v;
	int ret = 0;

	if (!strcmp(opt, "-i")) {
		ret = sim_iface(r, e, opt, arg, &so->in);
	} else if (!strcmp(opt, "-o")) {
		ret = sim_iface(r, e, opt, arg, &so->out);
	} else if (!strcmp(opt, "-s")) {
		ret = sim_addr(e, opt, arg, &so->src);
		so->have_src = true;
	} else if (!strcmp(opt, "-d")) {
		ret = sim_addr(e, opt, arg, &so->dst);
		so->have_dst = true;
	} else if (!strcmp(opt, "-p")) {
		ret = sim_proto(e, arg, &so->proto);
	} else if (!strcmp(opt, "--sport") || !strcmp(opt, "--dport")) {
		ret = sim_u32(e, opt, arg, 65535, &v);
		*(opt[2] == 's' ? &so->sport : &so->dport) = (uint16_t)v;
	} else if (!strcmp(opt, "--icmp-type")) {
		ret = sim_icmp_type(e, arg, so);
	} else if (!strcmp(opt, "--tcp-flags")) {
		ret = sim_tcpflags(e, arg, &so->tcpflags);
	} else if (!strcmp(opt, "--mark")) {
		ret = sim_u32(e, opt, arg, 0xffffffffu, &so->mark);
	} else if (!strcmp(opt, "--length")) {
		ret = sim_u32(e, opt, arg, 65535, &so->length);
	} else if (!strcmp(opt, "--ttl") || !strcmp(opt, "--tos")) {
		ret = sim_u32(e, opt, arg, 255, &v);
		*(opt[3] == 't' ? &so->ttl : &so->tos) = (uint8_t)v;
	} else {
		ret = cmd_iptables_fail(e, 2, "simulate: unknown option \"%s\"", opt);
	}
	return ret;
}

static int sim_args(struct router *r, int argc, const char *const *argv, struct sim_opts *so,
		    struct out *e)
{
	int i, ret;

	so->in = so->out = -1;
	so->proto = IPPROTO_ICMP;
	so->ttl = 64;
	so->tcpflags = 0x02; /* SYN */
	so->icmp_type = 8;
	so->sport = 1024;
	so->dport = 80;
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--syn")) {
			so->tcpflags = 0x02;
			continue;
		}
		if (i + 1 == argc)
			return cmd_iptables_fail(e, 2, "simulate: option \"%s\" requires an "
						 "argument", argv[i]);
		ret = sim_option(r, e, argv[i], argv[i + 1], so);
		if (ret)
			return ret;
		i++;
	}
	if (!so->have_dst)
		return cmd_iptables_fail(e, 2, "simulate: -d ADDRESS is required");
	if (so->in >= 0 && !so->have_src)
		return cmd_iptables_fail(e, 2, "simulate: -s ADDRESS is required with -i");
	return 0;
}

/* ---- the packet ---- */

static unsigned int sim_l4_len(uint8_t proto)
{
	return proto == IPPROTO_TCP ? 20 : proto == IPPROTO_UDP || proto == IPPROTO_ICMP ? 8 : 0;
}

static void sim_build(struct pkt *p, const struct sim_opts *so)
{
	struct iphdr *ip = (struct iphdr *)p->data;
	uint8_t *l4 = p->data + sizeof(*ip);
	unsigned int len = sizeof(*ip) + sim_l4_len(so->proto);

	if (so->length > len)
		len = so->length;
	memset(p->data, 0, len);
	p->len = len;
	p->l4_off = sizeof(*ip);
	p->mark = so->mark;
	ip->version = 4;
	ip->ihl = 5;
	ip->tos = so->tos;
	ip->tot_len = htons((uint16_t)len);
	ip->ttl = so->ttl;
	ip->protocol = so->proto;
	ip->saddr = so->src;
	ip->daddr = so->dst;
	ipv4_set_csum(ip);
	if (so->proto == IPPROTO_TCP || so->proto == IPPROTO_UDP) {
		l4[0] = (uint8_t)(so->sport >> 8);
		l4[1] = (uint8_t)so->sport;
		l4[2] = (uint8_t)(so->dport >> 8);
		l4[3] = (uint8_t)so->dport;
	}
	if (so->proto == IPPROTO_TCP) {
		l4[12] = 5 << 4;
		l4[13] = so->tcpflags;
	} else if (so->proto == IPPROTO_UDP) {
		l4[4] = (uint8_t)((len - sizeof(*ip)) >> 8);
		l4[5] = (uint8_t)(len - sizeof(*ip));
	} else if (so->proto == IPPROTO_ICMP) {
		l4[0] = so->icmp_type;
		l4[1] = so->icmp_code;
	}
}

/* ---- printing ---- */

static const char *sim_ifname(const struct router *r, int idx)
{
	return idx >= 0 && idx < ROUTER_MAX_IFACES && r->ifaces[idx].used ? r->ifaces[idx].name :
	       NULL;
}

static void sim_print_packet(const struct sim_ctx *c, const struct sim_opts *so)
{
	const struct iphdr *ip = ipv4_hdr(c->p);
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
	struct out *o = c->o;

	inet_ntop(AF_INET, &ip->saddr, src, sizeof(src));
	inet_ntop(AF_INET, &ip->daddr, dst, sizeof(dst));
	out_obj_open(o, "packet");
	out_text(o, "packet      ");
	out_str(o, "in", sim_ifname(c->r, so->in) ? " in=%s" : NULL, sim_ifname(c->r, so->in));
	out_str(o, "out", sim_ifname(c->r, so->out) ? " out=%s" : NULL,
		sim_ifname(c->r, so->out));
	out_str(o, "src", " %s", src);
	out_str(o, "dst", " > %s", dst);
	out_u64(o, "proto", " proto %" PRIu64, so->proto);
	if (so->proto == IPPROTO_TCP || so->proto == IPPROTO_UDP) {
		out_u64(o, "sport", " sport %" PRIu64, so->sport);
		out_u64(o, "dport", " dport %" PRIu64, so->dport);
	}
	if (so->proto == IPPROTO_TCP)
		out_u64(o, "tcp_flags", " flags 0x%02" PRIx64, so->tcpflags);
	if (so->proto == IPPROTO_ICMP) {
		out_u64(o, "icmp_type", " type %" PRIu64, so->icmp_type);
		out_u64(o, "icmp_code", " code %" PRIu64, so->icmp_code);
	}
	out_u64(o, "len", " len %" PRIu64, c->p->len);
	out_u64(o, "ttl", " ttl %" PRIu64, ip->ttl);
	out_u64(o, "mark", " mark 0x%" PRIx64, so->mark);
	out_nl(o);
	out_obj_close(o);
	out_text(o, "%-12s %-8s %-16s %-5s %s\n", "hook", "table", "chain", "rule", "what");
}

static void sim_print_step(struct out *o, const struct table_step *st)
{
	bool rule = strncmp(st->what, "policy ", 7) != 0;

	out_obj_open(o, NULL);
	out_str(o, "hook", "%-12s ", xt_hook_chain_name(st->hook));
	out_str(o, "table", "%-8s ", xt_table_name(st->table));
	out_str(o, "chain", "%-16s ", st->chain);
	if (rule) {
		out_u64(o, "rule", "%-5" PRIu64 " ", st->rulenum);
	} else {
		out_text(o, "%-5s ", "-");
		out_str(o, "rule", NULL, NULL);
	}
	out_str(o, "what", "%s", st->what);
	out_nl(o);
	out_obj_close(o);
}

/* A decision of the router's own (routing, TTL...), as a step. */
static void sim_print_route(struct out *o, const char *what, const char *ifname)
{
	out_obj_open(o, NULL);
	out_str(o, "hook", "%-12s ", "route");
	out_str(o, "what", "%s", what);
	out_str(o, "out", ifname ? " out=%s" : NULL, ifname);
	out_nl(o);
	out_obj_close(o);
}

static const char *sim_verdict_name(unsigned int v)
{
	switch (v) {
	case TF_ACCEPT:
		return "ACCEPT";
	case TF_DROP:
		return "DROP";
	case TF_STOLEN:
		return "STOLEN";
	case TF_QUEUE:
		return "QUEUE";
	default:
		return "?";
	}
}

/* ---- the path ---- */

static unsigned int sim_hook(struct sim_ctx *c, enum tf_hook hook)
{
	struct table_sim sim = { .steps = c->steps, .max = SIM_MAX_STEPS };
	unsigned int v, i;

	v = table_simulate(c->r, c->rs, c->p, hook, &sim);
	for (i = 0; i < sim.n; i++)
		sim_print_step(c->o, &sim.steps[i]);
	if (sim.truncated)
		sim_print_route(c->o, "(more steps than shown)", NULL);
	return v;
}

/* The end of the path: the steps array closes, the verdict follows. */
static void sim_result(struct sim_ctx *c, unsigned int v, const char *how, const char *ifname)
{
	struct out *o = c->o;

	out_arr_close(o);
	out_str(o, "verdict", "%-12s ", sim_verdict_name(v));
	out_str(o, "result", "%s", how);
	out_str(o, "out", ifname ? " %s" : NULL, ifname);
	out_nl(o);
}

static const char *sim_stop(unsigned int v, enum tf_hook hook)
{
	static const char *const why[HOOK_MAX] = {
		[HOOK_PRE_ROUTING] = "stopped at PREROUTING", [HOOK_LOCAL_IN] = "stopped at INPUT",
		[HOOK_FORWARD] = "stopped at FORWARD", [HOOK_LOCAL_OUT] = "stopped at OUTPUT",
		[HOOK_POST_ROUTING] = "stopped at POSTROUTING",
	};

	return v == TF_QUEUE ? "queued" : why[hook];
}

/* Both ends: POSTROUTING, then out of the interface. */
static void sim_output(struct sim_ctx *c, int oif)
{
	const char *name = sim_ifname(c->r, oif);
	unsigned int v;

	c->p->oif = (int16_t)oif;
	v = sim_hook(c, HOOK_POST_ROUTING);
	sim_result(c, v, v == TF_ACCEPT ? "sent out" : sim_stop(v, HOOK_POST_ROUTING),
		   v == TF_ACCEPT ? name : NULL);
}

static const struct route *sim_lookup(const struct router *r, uint32_t daddr)
{
	return r->fib ? route_lookup(r->fib, ntohl(daddr)) : NULL;
}

static void sim_forward(struct sim_ctx *c, const struct sim_opts *so, const struct route *rt)
{
	struct iphdr *ip = ipv4_hdr(c->p);
	int oif = so->out >= 0 ? so->out : rt->oif;
	unsigned int v;

	c->p->oif = (int16_t)oif;
	sim_print_route(c->o, "forward", sim_ifname(c->r, oif));
	if (ip->ttl <= 1) {
		sim_result(c, TF_DROP, "TTL expired (the router sends ICMP time exceeded)", NULL);
		return;
	}
	if (c->p->len > c->r->ifaces[oif].mtu && (ip->frag_off & htons(IPV4_F_DF))) {
		sim_result(c, TF_DROP, "too big with DF (the router sends ICMP fragmentation "
			   "needed)", NULL);
		return;
	}
	ipv4_dec_ttl(ip);
	v = sim_hook(c, HOOK_FORWARD);
	if (v != TF_ACCEPT) {
		sim_result(c, v, sim_stop(v, HOOK_FORWARD), NULL);
		return;
	}
	sim_output(c, oif);
}

static void sim_local_in(struct sim_ctx *c)
{
	unsigned int v;

	sim_print_route(c->o, "local delivery", NULL);
	v = sim_hook(c, HOOK_LOCAL_IN);
	sim_result(c, v, v == TF_ACCEPT ? "delivered to the router" : sim_stop(v, HOOK_LOCAL_IN),
		   NULL);
}

/* router_route_input's checks, in its order. */
static void sim_received(struct sim_ctx *c, const struct sim_opts *so)
{
	const struct iphdr *ip;
	const struct route *rt, *src;
	unsigned int v;

	c->p->iif = (int16_t)so->in;
	c->p->oif = -1;
	v = sim_hook(c, HOOK_PRE_ROUTING);
	if (v != TF_ACCEPT) {
		sim_result(c, v, sim_stop(v, HOOK_PRE_ROUTING), NULL);
		return;
	}
	ip = ipv4_hdr(c->p);
	if (ipv4_addr_is_lbcast(ip->daddr)) {
		sim_local_in(c);
		return;
	}
	if (ipv4_addr_is_multicast(ip->saddr) || ipv4_addr_is_lbcast(ip->saddr) ||
	    ipv4_addr_is_zeronet(ip->saddr) || ipv4_addr_is_loopback(ip->saddr)) {
		sim_result(c, TF_DROP, "martian source", NULL);
		return;
	}
	if (ipv4_addr_is_zeronet(ip->daddr) || ipv4_addr_is_loopback(ip->daddr) ||
	    ipv4_addr_is_multicast(ip->daddr)) {
		sim_result(c, TF_DROP, "martian destination", NULL);
		return;
	}
	src = sim_lookup(c->r, ip->saddr);
	if (src && (src->kind == ROUTE_LOCAL || src->kind == ROUTE_BROADCAST)) {
		sim_result(c, TF_DROP, "martian source (one of the router's addresses)", NULL);
		return;
	}
	rt = sim_lookup(c->r, ip->daddr);
	if (!rt) {
		sim_result(c, TF_DROP, "no route (the router sends ICMP net unreachable)", NULL);
		return;
	}
	if (rt->kind == ROUTE_LOCAL || rt->kind == ROUTE_BROADCAST)
		sim_local_in(c);
	else
		sim_forward(c, so, rt);
}

/* router_local_out + router_local_out_finish. */
static void sim_local_out(struct sim_ctx *c, const struct sim_opts *so)
{
	const struct route *rt;
	unsigned int v;

	c->p->iif = -1;
	c->p->oif = (int16_t)so->out;
	c->p->flags |= PKT_F_LOCAL_ORIGIN;
	v = sim_hook(c, HOOK_LOCAL_OUT);
	if (v != TF_ACCEPT) {
		sim_result(c, v, sim_stop(v, HOOK_LOCAL_OUT), NULL);
		return;
	}
	rt = sim_lookup(c->r, ipv4_hdr(c->p)->daddr);
	if (!rt) {
		sim_result(c, TF_DROP, "no route", NULL);
		return;
	}
	if (rt->kind == ROUTE_LOCAL) {
		sim_result(c, TF_DROP, "addressed to the router itself", NULL);
		return;
	}
	sim_print_route(c->o, "output", sim_ifname(c->r, so->out >= 0 ? so->out : rt->oif));
	sim_output(c, so->out >= 0 ? so->out : rt->oif);
}

/* Without -s, a packet of the router's own leaves from its interface's address. */
static void sim_default_src(const struct router *r, struct sim_opts *so)
{
	const struct route *rt;
	int oif = so->out;

	if (so->have_src)
		return;
	if (oif < 0 && (rt = sim_lookup(r, so->dst)) != NULL)
		oif = rt->oif;
	if (oif >= 0 && oif < ROUTER_MAX_IFACES)
		so->src = r->ifaces[oif].addr;
}

int cmd_simulate_run(struct router *r, int argc, const char *const *argv, struct out *o,
		     struct out *e)
{
	struct sim_opts so = { 0 };
	struct sim_ctx *c;
	struct pkt p = { 0 };
	int ret;

	ret = sim_args(r, argc, argv, &so, e);
	if (ret)
		return ret;
	if (!r->ruleset)
		return cmd_iptables_fail(e, 1, "the tables are not initialised");
	if (!ruleset_compiled(r->ruleset))
		return cmd_iptables_fail(e, 1, "the ruleset is not compiled");
	sim_default_src(r, &so);
	c = calloc(1, sizeof(*c));
	p.head = malloc(PKT_BUF_SIZE);
	if (!c || !p.head) {
		free(c);
		free(p.head);
		return cmd_iptables_fail(e, 1, "out of memory");
	}
	p.data = p.head + PKT_HEADROOM;
	p.size = PKT_BUF_SIZE;
	p.iif = p.oif = -1;
	p.tstamp_ms = r->now_ms;
	sim_build(&p, &so);
	c->r = r;
	c->rs = r->ruleset;
	c->p = &p;
	c->o = o;
	out_obj_open(o, NULL);
	sim_print_packet(c, &so);
	out_arr_open(o, "steps");
	if (so.in >= 0)
		sim_received(c, &so);
	else
		sim_local_out(c, &so);
	out_obj_close(o);
	free(p.head);
	free(c);
	return 0;
}
