// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * DNAT: destination address translation, in PREROUTING and OUTPUT of nat
 * (xt_nat.c; options and messages as libxt_NAT 1.8.9). The binding itself
 * is src/nat/'s: the nat hooks run this chain only for the first packet of
 * a connection.
 */
#include <errno.h>
#include "core/hook.h"
#include "nat/nat.h"

enum { O_TO, O_RANDOM, O_RANDOM_FULLY, O_PERSISTENT };

static const struct xt_option dnat_opts[] = {
	{ .name = "--to-destination", .id = O_TO, .has_arg = true },
	{ .name = "--random", .id = O_RANDOM },
	{ .name = "--persistent", .id = O_PERSISTENT },
	{ .name = NULL },
};

static int dnat_parse(void *data, int id, const char *arg, bool invert, struct xt_parse *ps)
{
	static const uint8_t flag[] = { 0, NAT_F_RANDOM, NAT_F_RANDOM_FULLY, NAT_F_PERSISTENT };
	struct nat_range *r = data;
	const char *name = id == O_TO ? "--to-destination" : id == O_RANDOM ? "--random" :
			   id == O_RANDOM_FULLY ? "--random-fully" : "--persistent";

	if (r->seen & (1u << id))
		return xt_error(ps, "DNAT: option \"%s\" can only be used once", name);
	r->seen |= (uint8_t)(1u << id);
	if (id != O_TO) {
		r->flags |= flag[id];
		return 0;
	}
	return nat_range_parse_to(r, arg, ps);
}

static int dnat_final(void *data, struct xt_parse *ps)
{
	struct nat_range *r = data;

	if (!(r->seen & (1u << O_TO)))
		return xt_error(ps, "DNAT: option \"--to-destination\" must be specified");
	r->seen = 0;
	return nat_range_check_proto(r, ps);
}

static int dnat_check(const void *data, const struct xt_check *chk)
{
	return nat_range_check_hooks("DNAT", chk, 1u << HOOK_PRE_ROUTING | 1u << HOOK_LOCAL_OUT);
}

static void dnat_print(const void *data, struct out *o)
{
	nat_range_print(data, "--to-destination", o);
}

static unsigned int dnat_target(const void *data, void *state, struct xt_ctx *ctx)
{
	return nat_target(ctx, data, NAT_MANIP_DST, -1);
}

const struct xt_target_ops target_DNAT_ops = {
	.name = "DNAT",
	.size = sizeof(struct nat_range),
	.opts = dnat_opts,
	.parse = dnat_parse,
	.final = dnat_final,
	.check = dnat_check,
	.target = dnat_target,
	.print = dnat_print,
	.needs_ct = true,
};
