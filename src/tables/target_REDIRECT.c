// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * REDIRECT: DNAT to the router itself (nf_nat_redirect_ipv4), in
 * PREROUTING and OUTPUT of nat: to the address of the interface the packet
 * came in by; for OUTPUT, as the kernel, to 127.0.0.1 (the router's own
 * stack; without a local stack such packets have nowhere to go). Options as
 * libxt_REDIRECT 1.8.9: --to-ports p[-q], --random.
 */
#include <arpa/inet.h>
#include <errno.h>
#include "core/hook.h"
#include "core/router.h"
#include "nat/nat.h"

enum { O_TO_PORTS, O_RANDOM };

static const struct xt_option redir_opts[] = {
	{ .name = "--to-ports", .id = O_TO_PORTS, .has_arg = true },
	{ .name = "--random", .id = O_RANDOM },
	{ .name = NULL },
};

static int redir_parse(void *data, int id, const char *arg, bool invert, struct xt_parse *ps)
{
	struct nat_range *r = data;

	if (r->seen & (1u << id))
		return xt_error(ps, "REDIRECT: option \"%s\" can only be used once",
				redir_opts[id].name);
	r->seen |= (uint8_t)(1u << id);
	if (id == O_RANDOM) {
		r->flags |= NAT_F_RANDOM;
		return 0;
	}
	return nat_range_parse_ports(r, arg, ps);
}

static int redir_final(void *data, struct xt_parse *ps)
{
	struct nat_range *r = data;

	r->seen = 0;
	return nat_range_check_proto(r, ps);
}

static int redir_check(const void *data, const struct xt_check *chk)
{
	return nat_range_check_hooks("REDIRECT", chk,
				     1u << HOOK_PRE_ROUTING | 1u << HOOK_LOCAL_OUT);
}

static void redir_print(const void *data, struct out *o)
{
	nat_range_print(data, NULL, o);
}

static unsigned int redir_target(const void *data, void *state, struct xt_ctx *ctx)
{
	struct nat_range r = *(const struct nat_range *)data;
	uint32_t addr;

	if (ctx->hook == HOOK_LOCAL_OUT)
		addr = htonl(INADDR_LOOPBACK);
	else
		addr = ctx->in ? ctx->in->addr : 0;
	if (!addr) {
		if (ctx->dry_run)
			return TF_DROP;
		router_drop(ctx->r, ctx->p, DROP_NAT_NO_ADDRESS);
		return TF_STOLEN;
	}
	r.flags |= NAT_F_MAP_IPS;
	r.min_addr = r.max_addr = addr;
	return nat_target(ctx, &r, NAT_MANIP_DST, -1);
}

const struct xt_target_ops target_REDIRECT_ops = {
	.name = "REDIRECT",
	.size = sizeof(struct nat_range),
	.opts = redir_opts,
	.parse = redir_parse,
	.final = redir_final,
	.check = redir_check,
	.target = redir_target,
	.print = redir_print,
	.needs_ct = true,
};
