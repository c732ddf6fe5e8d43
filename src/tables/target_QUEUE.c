// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QUEUE: the old standard verdict that hands the packet to queue 0, the
 * same as "NFQUEUE --queue-num 0". No options; saved as "-j QUEUE".
 *
 * iptables-legacy takes it (a standard verdict there); the nft back end
 * fails to load it (no such xt target in current kernels), but the issue
 * asks for QUEUE to be parsed, and old rule files still carry it, so it is
 * accepted with the meaning it always had.
 */
#include "core/hook.h"
#include "tables/xt.h"

static const struct xt_option queue_opts[] = {
	{ .name = NULL },
};

static unsigned int queue_target(const void *data, void *state, struct xt_ctx *ctx)
{
	ctx->p->queue_num = 0;
	return TF_QUEUE;
}

static void queue_print(const void *data, struct out *o)
{
}

const struct xt_target_ops target_QUEUE_ops = {
	.name = "QUEUE",
	.opts = queue_opts,
	.target = queue_target,
	.print = queue_print,
};
