// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * -m udp (loaded implicitly by "-p udp" and one of its options): source and
 * destination port ranges; option names and save text of iptables'
 * libxt_udp.c. It runs as the nft back end of iptables runs it: native
 * loads and compares (see xt.c), or, when it tests nothing, the
 * kernel's xt_tcpudp.c udp_mt() (which still wants a whole 8-byte header).
 *
 * Port arguments are checked as libxt_tcp checks them (a port above 65535
 * or a range with min > max is an error); iptables 1.8.9's udp parser
 * silently truncates the first and keeps the second, which is never what
 * the rule's author meant. "! --sport 0:65535" tests nothing, as the nft
 * back end runs it, and is absent from the saved text; "! --sport :1024"
 * is saved as "--sport 1025:65535", as iptables-save (nft) prints it. (As
 * for tcp, iptables-nft runs a match reduced to nothing as no expression at
 * all; here it is x_tables' empty udp match, as its saved text loads it.)
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include "tables/xt.h"

enum {
	UDP_O_SPORT = 1,
	UDP_O_DPORT,
};

/* The kernel's XT_UDP_INV_* bits. */
enum {
	UDP_INV_SRCPT = 1u << 0,
	UDP_INV_DSTPT = 1u << 1,
};

enum {
	UDP_SEEN_SPORT = 1u << 0,
	UDP_SEEN_DPORT = 1u << 1,
};

/* The kernel's struct xt_udp; every byte defined. */
struct udp_match {
	uint16_t spts[2];
	uint16_t dpts[2];
	uint8_t invflags; /* UDP_INV_* */
	uint8_t seen;     /* UDP_SEEN_* while parsing, zero once parsed */
	uint8_t pad[2];
};

static const struct xt_option udp_opts[] = {
	{ .name = "--sport", .id = UDP_O_SPORT, .has_arg = true, .invertible = true },
	{ .name = "--source-port", .id = UDP_O_SPORT, .has_arg = true, .invertible = true },
	{ .name = "--dport", .id = UDP_O_DPORT, .has_arg = true, .invertible = true },
	{ .name = "--destination-port", .id = UDP_O_DPORT, .has_arg = true,
	  .invertible = true },
	{ .name = NULL },
};

static int udp_parse(void *data, int id, const char *arg, bool invert, struct xt_parse *ps)
{
	struct udp_match *u = data;
	const char *opt = id == UDP_O_SPORT ? "--sport" : "--dport";
	uint8_t seen = id == UDP_O_SPORT ? UDP_SEEN_SPORT : UDP_SEEN_DPORT;
	uint8_t inv = id == UDP_O_SPORT ? UDP_INV_SRCPT : UDP_INV_DSTPT;
	uint16_t *pts = id == UDP_O_SPORT ? u->spts : u->dpts;

	if (id != UDP_O_SPORT && id != UDP_O_DPORT)
		return xt_error(ps, "udp: unknown option id %d", id);
	if (u->seen & seen)
		return xt_error(ps, "udp: option \"%s\" can only be used once", opt);
	u->seen |= seen;
	if (xt_parse_port_range_proto(ps, opt, arg, "udp", &pts[0], &pts[1]) < 0)
		return -EINVAL;
	if (invert)
		u->invflags |= inv;
	return 0;
}

static int udp_final(void *data, struct xt_parse *ps)
{
	struct udp_match *u = data;

	if (!(u->seen & UDP_SEEN_SPORT))
		u->spts[1] = 0xffff;
	if (!(u->seen & UDP_SEEN_DPORT))
		u->dpts[1] = 0xffff;
	xt_ports_norm_range(u->spts, &u->invflags, UDP_INV_SRCPT, true);
	xt_ports_norm_range(u->dpts, &u->invflags, UDP_INV_DSTPT, true);
	u->seen = 0;
	return 0;
}

static int udp_check(const void *data, const struct xt_check *chk)
{
	if (chk->proto != IPPROTO_UDP || chk->proto_inv)
		return xt_error(chk->ps, "UDP match requires '-p udp'");
	return 0;
}

static bool udp_match(const void *data, void *state, struct xt_ctx *ctx)
{
	const struct udp_match *u = data;
	const uint8_t *uh = ctx->p->data + ctx->thoff;
	unsigned int avail = ctx->p->len > ctx->thoff ? ctx->p->len - ctx->thoff : 0;

	if (ctx->fragoff)
		return false;
	if (xt_ports_full(u->spts) && xt_ports_full(u->dpts)) {
		/* Tests nothing: left to x_tables, whose udp_mt() drops a
		 * packet without a whole header. */
		if (avail < sizeof(struct udphdr)) {
			ctx->hotdrop = true;
			return false;
		}
		return true;
	}
	return xt_ports_nft_match(u->spts, u->invflags & UDP_INV_SRCPT, u->dpts,
				u->invflags & UDP_INV_DSTPT, uh, avail);
}

static void udp_print(const void *data, struct out *o)
{
	const struct udp_match *u = data;

	xt_ports_print(o, "--sport", u->spts, u->invflags & UDP_INV_SRCPT);
	xt_ports_print(o, "--dport", u->dpts, u->invflags & UDP_INV_DSTPT);
}

const struct xt_match_ops match_udp_ops = {
	.name = "udp",
	.size = sizeof(struct udp_match),
	.proto = IPPROTO_UDP,
	.opts = udp_opts,
	.parse = udp_parse,
	.final = udp_final,
	.check = udp_check,
	.match = udp_match,
	.print = udp_print,
};
