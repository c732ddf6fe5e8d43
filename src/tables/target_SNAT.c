// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SNAT: source address translation, in POSTROUTING and INPUT of nat
 * (xt_nat.c; options and messages as libxt_NAT 1.8.9). The binding itself
 * is src/nat/'s: the nat hooks run this chain only for the first packet of
 * a connection.
 */
#include <errno.h>
#include "core/hook.h"
#include "nat/nat.h"

enum { O_TO, O_RANDOM, O_RANDOM_FULLY, O_PERSISTENT };

static const struct xt_option snat_opts[] = {
	{ .name = "--to-source", .id = O_TO, .has_arg = true },
	{ .name = "--random", .id = O_RANDOM },
	{ .name = "--random-fully", .id = O_RANDOM_FULLY },
	{ .name = "--persistent", .id = O_PERSISTENT },
	{ .name = NULL },
};

static int snat_parse(void *data, int id, const char *arg, bool invert, struct xt_parse *ps)
{
	static const uint8_t flag[] = { 0, NAT_F_RANDOM, NAT_F_RANDOM_FULLY, NAT_F_PERSISTENT };
	struct nat_range *r = data;
	const char *name = id == O_TO ? "--to-source" : id == O_RANDOM ? "--random" :
			   id == O_RANDOM_FULLY ? "--random-fully" : "--persistent";

	if (r->seen & (1u << id))
		return xt_error(ps, "SNAT: option \"%s\" can only be used once", name);
	r->seen |= (uint8_t)(1u << id);
	if (id != O_TO) {
		r->flags |= flag[id];
		return 0;
	}
	return nat_range_parse_to(r, arg, ps);
}

static int snat_final(void *data, struct xt_parse *ps)
{
	struct nat_range *r = data;

	if (!(r->seen & (1u << O_TO)))
		return xt_error(ps, "SNAT: option \"--to-source\" must be specified");
	r->seen = 0;
	return nat_range_check_proto(r, ps);
}

static int snat_check(const void *data, const struct xt_check *chk)
{
	return nat_range_check_hooks("SNAT", chk, 1u << HOOK_POST_ROUTING | 1u << HOOK_LOCAL_IN);
}

static void snat_print(const void *data, struct out *o)
{
	nat_range_print(data, "--to-source", o);
}

static unsigned int snat_target(const void *data, void *state, struct xt_ctx *ctx)
{
	return nat_target(ctx, data, NAT_MANIP_SRC, -1);
}

const struct xt_target_ops target_SNAT_ops = {
	.name = "SNAT",
	.size = sizeof(struct nat_range),
	.opts = snat_opts,
	.parse = snat_parse,
	.final = snat_final,
	.check = snat_check,
	.target = snat_target,
	.print = snat_print,
	.needs_ct = true,
};
