// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * -m addrtype: the route type of the source and/or destination address,
 * as the kernel's xt_addrtype.c (revision 1) with inet_dev_addr_type().
 * Options, messages and save text of iptables' libxt_addrtype.c; the
 * types print in the kernel's RTN_* order ("UNICAST,LOCAL").
 *
 * Classification (__inet_dev_addr_type in net/ipv4/fib_frontend.c, and
 * checked against a kernel router in a namespace):
 *   0.0.0.0 and 255.255.255.255           BROADCAST
 *   224.0.0.0/4                           MULTICAST
 *   the FIB's longest match is LOCAL or   LOCAL or BROADCAST, but with
 *   BROADCAST (our addresses, subnet      --limit-iface-in/out only when the
 *   broadcasts)                           route's interface is that one
 *   127.0.0.0/8 (the kernel's lo)         LOCAL (127.255.255.255 BROADCAST),
 *                                         UNICAST with a limit (not on lo)
 *   anything else, with or without a      UNICAST: the kernel answers
 *   route                                 UNICAST when its lookup finds
 *                                         nothing, and unreachable,
 *                                         blackhole and prohibit routes
 *                                         are lookup errors, so UNICAST too.
 * Our FIB has no route of the other kernel types, so UNSPEC, ANYCAST,
 * BLACKHOLE, UNREACHABLE, PROHIBIT, THROW, NAT and XRESOLVE are accepted
 * (a saved kernel ruleset loads) but no address has them: "--dst-type
 * BLACKHOLE" never matches and "! --dst-type BLACKHOLE" always does, which
 * is what the kernel does with a main-table-only FIB like ours.
 *
 * Type names are compared whole (any case); iptables also takes a prefix
 * ("loc" for LOCAL), which is refused here.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include "core/ipv4.h"
#include "core/route.h"
#include "core/router.h"
#include "tables/xt.h"

/* linux/rtnetlink.h's RTN_* order: bit n of a mask is type n. */
enum {
	ADDRTYPE_UNSPEC = 0,
	ADDRTYPE_UNICAST,
	ADDRTYPE_LOCAL,
	ADDRTYPE_BROADCAST,
	ADDRTYPE_ANYCAST,
	ADDRTYPE_MULTICAST,
	ADDRTYPE_BLACKHOLE,
	ADDRTYPE_UNREACHABLE,
	ADDRTYPE_PROHIBIT,
	ADDRTYPE_THROW,
	ADDRTYPE_NAT,
	ADDRTYPE_XRESOLVE,
	ADDRTYPE_MAX,
};

static const char *const addrtype_names[ADDRTYPE_MAX] = {
	"UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST", "MULTICAST",
	"BLACKHOLE", "UNREACHABLE", "PROHIBIT", "THROW", "NAT", "XRESOLVE",
};

/* XT_ADDRTYPE_* flags. */
enum {
	ADDRTYPE_F_INV_SRC = 1u << 0,
	ADDRTYPE_F_INV_DST = 1u << 1,
	ADDRTYPE_F_LIMIT_IN = 1u << 2,
	ADDRTYPE_F_LIMIT_OUT = 1u << 3,
};

enum {
	ADDRTYPE_O_SRC = 1,
	ADDRTYPE_O_DST,
	ADDRTYPE_O_LIMIT_IN,
	ADDRTYPE_O_LIMIT_OUT,
};

/* The kernel's struct xt_addrtype_info_v1; every byte defined. */
struct addrtype_match {
	uint16_t source; /* type mask, 0: not given */
	uint16_t dest;
	uint8_t flags;   /* ADDRTYPE_F_* */
	uint8_t seen;    /* 1 << ADDRTYPE_O_* given (parsing only) */
	uint8_t pad[2];
};

static const struct xt_option addrtype_opts[] = {
	{ .name = "--src-type", .id = ADDRTYPE_O_SRC, .has_arg = true, .invertible = true },
	{ .name = "--dst-type", .id = ADDRTYPE_O_DST, .has_arg = true, .invertible = true },
	{ .name = "--limit-iface-in", .id = ADDRTYPE_O_LIMIT_IN },
	{ .name = "--limit-iface-out", .id = ADDRTYPE_O_LIMIT_OUT },
	{ .name = NULL },
};

static const char *addrtype_opt_name(int id)
{
	return addrtype_opts[id - 1].name;
}

/* "LOCAL,UNICAST" -> mask. */
static int addrtype_parse_types(const char *arg, uint16_t *mask, struct xt_parse *ps)
{
	const char *s = arg;

	for (;;) {
		size_t n = strcspn(s, ",");
		unsigned int i;

		for (i = 0; i < ADDRTYPE_MAX; i++)
			if (n && strlen(addrtype_names[i]) == n &&
			    strncasecmp(s, addrtype_names[i], n) == 0)
				break;
		if (i == ADDRTYPE_MAX && !strchr(arg, ','))
			return xt_error(ps, "addrtype: bad type \"%s\"", arg);
		if (i == ADDRTYPE_MAX)
			return xt_error(ps, "addrtype: bad type \"%.*s\" in \"%s\"", (int)n, s,
					arg);
		*mask |= (uint16_t)(1u << i);
		if (!s[n])
			return 0;
		s += n + 1;
	}
}

static int addrtype_parse(void *data, int id, const char *arg, bool invert, struct xt_parse *ps)
{
	struct addrtype_match *m = data;

	if (id < ADDRTYPE_O_SRC || id > ADDRTYPE_O_LIMIT_OUT)
		return xt_error(ps, "addrtype: unknown option id %d", id);
	if (m->seen & (1u << id))
		return xt_error(ps, "addrtype: option \"%s\" can only be used once",
				addrtype_opt_name(id));
	if ((id == ADDRTYPE_O_LIMIT_IN && (m->seen & (1u << ADDRTYPE_O_LIMIT_OUT))) ||
	    (id == ADDRTYPE_O_LIMIT_OUT && (m->seen & (1u << ADDRTYPE_O_LIMIT_IN))))
		return xt_error(ps, "addrtype: option \"%s\" cannot be used together with \"%s\"",
				addrtype_opt_name(id),
				addrtype_opt_name(id == ADDRTYPE_O_LIMIT_IN ? ADDRTYPE_O_LIMIT_OUT :
					     ADDRTYPE_O_LIMIT_IN));
	m->seen |= (uint8_t)(1u << id);
	switch (id) {
	case ADDRTYPE_O_SRC:
		if (invert)
			m->flags |= ADDRTYPE_F_INV_SRC;
		return addrtype_parse_types(arg, &m->source, ps);
	case ADDRTYPE_O_DST:
		if (invert)
			m->flags |= ADDRTYPE_F_INV_DST;
		return addrtype_parse_types(arg, &m->dest, ps);
	case ADDRTYPE_O_LIMIT_IN:
		m->flags |= ADDRTYPE_F_LIMIT_IN;
		return 0;
	default:
		m->flags |= ADDRTYPE_F_LIMIT_OUT;
		return 0;
	}
}

static int addrtype_final(void *data, struct xt_parse *ps)
{
	struct addrtype_match *m = data;

	if (!(m->seen & ((1u << ADDRTYPE_O_SRC) | (1u << ADDRTYPE_O_DST))))
		return xt_error(ps, "addrtype: you must specify --src-type or --dst-type");
	m->seen = 0;
	return 0;
}

/* addrtype_mt_checkentry_v1: a limit only on the hooks that have that
 * interface (FORWARD has both). */
static int addrtype_check(const void *data, const struct xt_check *chk)
{
	const struct addrtype_match *m = data;
	const unsigned int in_hooks = (1u << HOOK_PRE_ROUTING) | (1u << HOOK_LOCAL_IN);
	const unsigned int out_hooks = (1u << HOOK_POST_ROUTING) | (1u << HOOK_LOCAL_OUT);

	if ((m->flags & ADDRTYPE_F_LIMIT_IN) && (m->flags & ADDRTYPE_F_LIMIT_OUT))
		return xt_error(chk->ps, "addrtype: both incoming and outgoing interface "
				"limitation cannot be selected");
	if ((chk->hook_mask & in_hooks) && (m->flags & ADDRTYPE_F_LIMIT_OUT))
		return xt_error(chk->ps, "addrtype: output interface limitation not valid in "
				"PREROUTING and INPUT (--limit-iface-out)");
	if ((chk->hook_mask & out_hooks) && (m->flags & ADDRTYPE_F_LIMIT_IN))
		return xt_error(chk->ps, "addrtype: input interface limitation not valid in "
				"POSTROUTING and OUTPUT (--limit-iface-in)");
	return 0;
}

/* inet_dev_addr_type() on our FIB; addr in network order, dev NULL for
 * every interface. */
static unsigned int addrtype_classify(const struct router *r, uint32_t addr,
				      const struct iface *dev)
{
	uint32_t h = ntohl(addr);
	const struct route *rt;

	if (addr == 0 || ipv4_addr_is_lbcast(addr))
		return ADDRTYPE_BROADCAST;
	if (ipv4_addr_is_multicast(addr))
		return ADDRTYPE_MULTICAST;
	if (ipv4_addr_is_loopback(addr)) {
		/* The kernel's lo: "local 127.0.0.0/8", "broadcast
		 * 127.255.255.255"; lo is never a TUN of ours. */
		if (dev)
			return ADDRTYPE_UNICAST;
		return h == 0x7fffffffu ? ADDRTYPE_BROADCAST : ADDRTYPE_LOCAL;
	}
	rt = route_lookup(r->fib, h);
	if (!rt || (dev && rt->oif != dev->idx))
		return ADDRTYPE_UNICAST;
	switch (rt->kind) {
	case ROUTE_LOCAL:
		return ADDRTYPE_LOCAL;
	case ROUTE_BROADCAST:
		return ADDRTYPE_BROADCAST;
	default:
		return ADDRTYPE_UNICAST;
	}
}

/* Whether addr's type is in mask, XOR the inversion. */
static bool addrtype_test(const struct xt_ctx *ctx, uint16_t mask, bool inv, uint32_t addr,
			  const struct iface *dev)
{
	return !!(mask & (1u << addrtype_classify(ctx->r, addr, dev))) != inv;
}

static bool addrtype_match(const void *data, void *state, struct xt_ctx *ctx)
{
	const struct addrtype_match *m = data;
	const struct iphdr *ip = ipv4_hdr(ctx->p);
	const struct iface *dev = NULL;

	if (m->flags & ADDRTYPE_F_LIMIT_IN)
		dev = ctx->in;
	else if (m->flags & ADDRTYPE_F_LIMIT_OUT)
		dev = ctx->out;
	if (m->source &&
	    !addrtype_test(ctx, m->source, m->flags & ADDRTYPE_F_INV_SRC, ip->saddr, dev))
		return false;
	if (m->dest && !addrtype_test(ctx, m->dest, m->flags & ADDRTYPE_F_INV_DST, ip->daddr, dev))
		return false;
	return true;
}

static void addrtype_print_types(struct out *o, uint16_t mask)
{
	const char *sep = "";
	unsigned int i;

	for (i = 0; i < ADDRTYPE_MAX; i++) {
		if (mask & (1u << i)) {
			out_text(o, "%s%s", sep, addrtype_names[i]);
			sep = ",";
		}
	}
}

static void addrtype_print(const void *data, struct out *o)
{
	const struct addrtype_match *m = data;

	if (m->source) {
		out_text(o, "%s --src-type ", (m->flags & ADDRTYPE_F_INV_SRC) ? " !" : "");
		addrtype_print_types(o, m->source);
	}
	if (m->dest) {
		out_text(o, "%s --dst-type ", (m->flags & ADDRTYPE_F_INV_DST) ? " !" : "");
		addrtype_print_types(o, m->dest);
	}
	if (m->flags & ADDRTYPE_F_LIMIT_IN)
		out_text(o, " --limit-iface-in");
	if (m->flags & ADDRTYPE_F_LIMIT_OUT)
		out_text(o, " --limit-iface-out");
}

const struct xt_match_ops match_addrtype_ops = {
	.name = "addrtype",
	.size = sizeof(struct addrtype_match),
	.opts = addrtype_opts,
	.parse = addrtype_parse,
	.final = addrtype_final,
	.check = addrtype_check,
	.match = addrtype_match,
	.print = addrtype_print,
};
