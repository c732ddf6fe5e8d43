// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * MASQUERADE: SNAT to the address of the interface the packet leaves by
 * (nf_nat_masquerade_ipv4), in POSTROUTING of nat. The binding remembers
 * the interface, so that it is forgotten when the interface goes down or
 * changes its address (src/nat/nat.h). Options as libxt_MASQUERADE 1.8.9:
 * --to-ports p[-q], --random, --random-fully.
 */
#include <errno.h>
#include "core/hook.h"
#include "core/router.h"
#include "nat/nat.h"

enum { O_TO_PORTS, O_RANDOM, O_RANDOM_FULLY };

static const struct xt_option masq_opts[] = {
	{ .name = "--to-ports", .id = O_TO_PORTS, .has_arg = true },
	{ .name = "--random", .id = O_RANDOM },
	{ .name = "--random-fully", .id = O_RANDOM_FULLY },
	{ .name = NULL },
};

static int masq_parse(void *data, int id, const char *arg, bool invert, struct xt_parse *ps)
{
	struct nat_range *r = data;

	if (r->seen & (1u << id))
		return xt_error(ps, "MASQUERADE: option \"%s\" can only be used once",
				masq_opts[id].name);
	r->seen |= (uint8_t)(1u << id);
	if (id == O_RANDOM)
		r->flags |= NAT_F_RANDOM;
	else if (id == O_RANDOM_FULLY)
		r->flags |= NAT_F_RANDOM_FULLY;
	else
		return nat_range_parse_ports(r, arg, ps);
	return 0;
}

static int masq_final(void *data, struct xt_parse *ps)
{
	struct nat_range *r = data;

	r->seen = 0;
	return nat_range_check_proto(r, ps);
}

static int masq_check(const void *data, const struct xt_check *chk)
{
	return nat_range_check_hooks("MASQUERADE", chk, 1u << HOOK_POST_ROUTING);
}

static void masq_print(const void *data, struct out *o)
{
	nat_range_print(data, NULL, o);
}

static unsigned int masq_target(const void *data, void *state, struct xt_ctx *ctx)
{
	struct nat_range r = *(const struct nat_range *)data;

	if (!ctx->out || !ctx->out->addr) {
		if (ctx->dry_run)
			return TF_DROP;
		router_drop(ctx->r, ctx->p, DROP_NAT_NO_ADDRESS);
		return TF_STOLEN;
	}
	r.flags |= NAT_F_MAP_IPS;
	r.min_addr = r.max_addr = ctx->out->addr;
	return nat_target(ctx, &r, NAT_MANIP_SRC, ctx->out->idx);
}

const struct xt_target_ops target_MASQUERADE_ops = {
	.name = "MASQUERADE",
	.size = sizeof(struct nat_range),
	.opts = masq_opts,
	.parse = masq_parse,
	.final = masq_final,
	.check = masq_check,
	.target = masq_target,
	.print = masq_print,
	.needs_ct = true,
};
