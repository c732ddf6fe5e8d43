// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * -m rpfilter: reverse-path (source address) validation inside the rules,
 * as the kernel's ipt_rpfilter.c rpfilter_mt(), so that spoofed packets
 * can be logged and counted before they are dropped. Options and save
 * text of iptables' libxt_rpfilter.c: --loose, --validmark, --accept-local,
 * --invert (match the packets that fail). Only in the raw and mangle
 * tables, and only reachable from PREROUTING (rpfilter_check and the
 * match's .hooks).
 *
 * The test, on our FIB (checked against a kernel router in a namespace):
 *   - source 0.0.0.0 to 255.255.255.255 or 224.0.0.0/24 (DHCP discovery,
 *     IGMP) passes;
 *   - otherwise look up the source: no route fails; the route must be
 *     unicast (connected or static), or one of our own addresses with
 *     --accept-local (127.0.0.0/8 counts as ours, on the kernel's lo,
 *     which is never the input interface); a subnet broadcast fails;
 *   - strict mode: the route must leave through the interface the packet
 *     came in on; --loose: any route will do.
 * --validmark parses and saves, but our FIB has no policy routing by
 * mark (nor by TOS), so it changes nothing.
 */
#include <errno.h>
#include <stdio.h>
#include "core/ipv4.h"
#include "core/route.h"
#include "core/router.h"
#include "tables/xt.h"

/* XT_RPFILTER_* flags. */
enum {
	RPFILTER_F_LOOSE = 1u << 0,
	RPFILTER_F_VALID_MARK = 1u << 1,
	RPFILTER_F_ACCEPT_LOCAL = 1u << 2,
	RPFILTER_F_INVERT = 1u << 3,
};

enum {
	RPFILTER_O_LOOSE = 1,
	RPFILTER_O_VALID_MARK,
	RPFILTER_O_ACCEPT_LOCAL,
	RPFILTER_O_INVERT,
};

/* The kernel's struct xt_rpfilter_info; every byte defined. The option id
 * n sets flag bit n - 1. */
struct rpfilter_match {
	uint8_t flags;   /* RPFILTER_F_* */
	uint8_t pad[3];
};

static const struct xt_option rpfilter_opts[] = {
	{ .name = "--loose", .id = RPFILTER_O_LOOSE },
	{ .name = "--validmark", .id = RPFILTER_O_VALID_MARK },
	{ .name = "--accept-local", .id = RPFILTER_O_ACCEPT_LOCAL },
	{ .name = "--invert", .id = RPFILTER_O_INVERT },
	{ .name = NULL },
};

static int rpfilter_parse(void *data, int id, const char *arg, bool invert, struct xt_parse *ps)
{
	struct rpfilter_match *m = data;
	uint8_t bit;

	if (id < RPFILTER_O_LOOSE || id > RPFILTER_O_INVERT)
		return xt_error(ps, "rpfilter: unknown option id %d", id);
	bit = (uint8_t)(1u << (id - 1));
	if (m->flags & bit)
		return xt_error(ps, "rpfilter: option \"%s\" can only be used once",
				rpfilter_opts[id - 1].name);
	m->flags |= bit;
	return 0;
}

/* x_tables checks the match's hooks before its checkentry looks at the
 * table, so an INPUT rule in filter hears about the hook. */
static int rpfilter_check(const void *data, const struct xt_check *chk)
{
	const char *sep = "";
	char hooks[64] = "";
	size_t n = 0;
	unsigned int h;

	if (chk->hook_mask & ~(1u << HOOK_PRE_ROUTING)) {
		/* x_tables' message, the hooks named as the chains. */
		for (h = 0; h < HOOK_MAX; h++) {
			if (!(chk->hook_mask & (1u << h)) || n >= sizeof(hooks))
				continue;
			n += (size_t)snprintf(hooks + n, sizeof(hooks) - n, "%s%s", sep,
					      xt_hook_chain_name(h));
			sep = "/";
		}
		return xt_error(chk->ps, "rpfilter match: used from hooks %s, but only valid "
				"from PREROUTING", hooks);
	}
	if (chk->table != XT_TABLE_RAW && chk->table != XT_TABLE_MANGLE)
		return xt_error(chk->ps, "rpfilter: only valid in \"raw\" or \"mangle\" table, "
				"not \"%s\"", xt_table_name(chk->table));
	return 0;
}

/* The kernel's rpfilter_lookup_reverse() on our FIB. */
static bool rpfilter_lookup_reverse(const struct xt_ctx *ctx, uint32_t saddr, uint8_t flags)
{
	const struct route *rt;
	int oif;

	if (ipv4_addr_is_loopback(saddr)) {
		/* "local 127.0.0.0/8 dev lo" (127.255.255.255 is broadcast):
		 * never a unicast route, and lo is not the input interface. */
		return (flags & RPFILTER_F_ACCEPT_LOCAL) && (flags & RPFILTER_F_LOOSE) &&
		       ntohl(saddr) != 0x7fffffffu;
	}
	rt = route_lookup(ctx->r->fib, ntohl(saddr));
	if (!rt)
		return false;
	switch (rt->kind) {
	case ROUTE_CONNECTED:
	case ROUTE_STATIC:
		break;
	case ROUTE_LOCAL:
		if (flags & RPFILTER_F_ACCEPT_LOCAL)
			break;
		return false;
	default:
		return false;
	}
	oif = rt->oif;
	return (flags & RPFILTER_F_LOOSE) || (ctx->in && ctx->in->idx == oif);
}

static bool rpfilter_match(const void *data, void *state, struct xt_ctx *ctx)
{
	const struct rpfilter_match *m = data;
	const struct iphdr *ip = ipv4_hdr(ctx->p);
	bool invert = m->flags & RPFILTER_F_INVERT;

	/* DHCP and IGMP from hosts that have no address yet. */
	if (ip->saddr == 0 && (ipv4_addr_is_lbcast(ip->daddr) ||
			       (ntohl(ip->daddr) & 0xffffff00u) == 0xe0000000u))
		return !invert;
	return rpfilter_lookup_reverse(ctx, ip->saddr, m->flags) != invert;
}

static void rpfilter_print(const void *data, struct out *o)
{
	const struct rpfilter_match *m = data;
	unsigned int i;

	for (i = 0; rpfilter_opts[i].name; i++)
		if (m->flags & (1u << i))
			out_text(o, " %s", rpfilter_opts[i].name);
}

const struct xt_match_ops match_rpfilter_ops = {
	.name = "rpfilter",
	.size = sizeof(struct rpfilter_match),
	.opts = rpfilter_opts,
	.parse = rpfilter_parse,
	.check = rpfilter_check,
	.match = rpfilter_match,
	.print = rpfilter_print,
};
