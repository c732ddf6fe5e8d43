// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TRACE: mark the packet so that its path through the tables is reported
 * rule by rule (`tunfilter monitor trace`, as `nft monitor trace`). No
 * options.
 *
 * The kernel's xt_TRACE is valid in the raw table only, but the reference
 * here is iptables' nft back end, which turns TRACE into "meta nftrace set
 * 1" and takes it in any table and chain (checked with iptables 1.8.9:
 * "-t mangle -A PREROUTING -j TRACE" and "-A INPUT -j TRACE" load). So
 * TRACE is accepted everywhere; the trace starts at the rule that set it.
 */
#include "tables/xt.h"

static const struct xt_option trace_opts[] = {
	{ .name = NULL },
};

static unsigned int trace_target(const void *data, void *state, struct xt_ctx *ctx)
{
	ctx->p->flags |= PKT_F_TRACE;
	return XT_CONTINUE;
}

static void trace_print(const void *data, struct out *o)
{
}

const struct xt_target_ops target_TRACE_ops = {
	.name = "TRACE",
	.opts = trace_opts,
	.target = trace_target,
	.print = trace_print,
};
