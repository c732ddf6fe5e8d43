// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * NOTRACK, raw table only: the old name of "CT --notrack" (target_CT.c),
 * kept by the kernel as an alias (xt_CT.c notrack_tg): the packet is
 * UNTRACKED unless it has an entry already. No options; saved as
 * "-j NOTRACK".
 */
#include "conntrack/entry.h"
#include "tables/xt.h"

static const struct xt_option notrack_opts[] = {
	{ .name = NULL },
};

static int notrack_check(const void *data, const struct xt_check *chk)
{
	if (chk->table != XT_TABLE_RAW)
		return xt_error(chk->ps, "NOTRACK target: only valid in raw table, not %s",
				xt_table_name(chk->table));
	return 0;
}

static unsigned int notrack_target(const void *data, void *state, struct xt_ctx *ctx)
{
	if (!ctx->p->ct)
		ctx->p->ctinfo = CT_UNTRACKED;
	return XT_CONTINUE;
}

static void notrack_print(const void *data, struct out *o)
{
}

const struct xt_target_ops target_NOTRACK_ops = {
	.name = "NOTRACK",
	.opts = notrack_opts,
	.check = notrack_check,
	.target = notrack_target,
	.print = notrack_print,
};
