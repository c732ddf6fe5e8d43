// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CT, raw table only (xt_CT.c): "-j CT --notrack" (as NOTRACK,
 * target_NOTRACK.c) makes the packet UNTRACKED, so conntrack passes it by and
 * the state matches see UNTRACKED. A packet that has an entry already (an
 * ICMP error the router attached to its connection) keeps it, as with
 * the kernel's notrack_tg. "-j CT" without options does nothing (the
 * zones, helpers and timeout policies of the kernel's CT are not
 * implemented). Saved as "-j CT --notrack" or "-j CT".
 */
#include "conntrack/entry.h"
#include "tables/xt.h"

enum { CT_O_NOTRACK = 1 };

struct ct_target_info {
	uint8_t notrack;
	uint8_t pad[3];
};

static const struct xt_option ct_target_opts[] = {
	{ .name = "--notrack", .id = CT_O_NOTRACK },
	{ .name = NULL },
};

static int ct_target_parse(void *data, int id, const char *arg, bool invert,
			   struct xt_parse *ps)
{
	struct ct_target_info *ct = data;

	if (ct->notrack)
		return xt_error(ps, "CT: option \"--notrack\" can only be used once");
	ct->notrack = 1;
	return 0;
}

static int ct_target_check(const void *data, const struct xt_check *chk)
{
	if (chk->table != XT_TABLE_RAW)
		return xt_error(chk->ps, "CT target: only valid in raw table, not %s",
				xt_table_name(chk->table));
	return 0;
}

static unsigned int ct_target(const void *data, void *state, struct xt_ctx *ctx)
{
	const struct ct_target_info *ct = data;

	if (ct->notrack && !ctx->p->ct)
		ctx->p->ctinfo = CT_UNTRACKED;
	return XT_CONTINUE;
}

static void ct_target_print(const void *data, struct out *o)
{
	const struct ct_target_info *ct = data;

	if (ct->notrack)
		out_text(o, " --notrack");
}

const struct xt_target_ops target_CT_ops = {
	.name = "CT",
	.size = sizeof(struct ct_target_info),
	.opts = ct_target_opts,
	.parse = ct_target_parse,
	.check = ct_target_check,
	.target = ct_target,
	.print = ct_target_print,
};

