// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TTL: change the IPv4 TTL (xt_HL.c's ttl_tg; options as libipt_TTL).
 *
 *   --ttl-set N   0..255
 *   --ttl-dec N   1..255, stopping at 0
 *   --ttl-inc N   1..255, stopping at 255
 *
 * Mangle table only. A TTL brought to 0 is left at 0 and the packet goes
 * on: the kernel does not drop it either (a router after this one will).
 * The header checksum is updated incrementally, only when the TTL changes.
 */
#include <errno.h>
#include <string.h>
#include "core/csum.h"
#include "core/ipv4.h"
#include "tables/xt.h"

/* The kernel's IPT_TTL_SET / _INC / _DEC. */
enum { TTL_SET = 0, TTL_INC, TTL_DEC };
enum { O_TTL_SET, O_TTL_DEC, O_TTL_INC };

struct ttl_info {
	uint8_t mode;      /* TTL_* */
	uint8_t ttl;
	uint8_t seen;      /* 1 + id of the option given (parsing only) */
};

static const struct xt_option ttl_opts[] = {
	{ .name = "--ttl-set", .id = O_TTL_SET, .has_arg = true },
	{ .name = "--ttl-dec", .id = O_TTL_DEC, .has_arg = true },
	{ .name = "--ttl-inc", .id = O_TTL_INC, .has_arg = true },
	{ .name = NULL },
};

static int ttl_parse(void *data, int id, const char *arg, bool invert, struct xt_parse *ps)
{
	static const uint8_t mode_of[] = { [O_TTL_SET] = TTL_SET, [O_TTL_DEC] = TTL_DEC,
					   [O_TTL_INC] = TTL_INC };
	struct ttl_info *t = data;
	uint32_t v;

	if (t->seen == id + 1)
		return xt_error(ps, "TTL: option \"%s\" can only be used once", ttl_opts[id].name);
	/* Named in the order of the option table, as iptables does. */
	if (t->seen)
		return xt_error(ps, "TTL: option \"%s\" cannot be used together with \"%s\"",
				ttl_opts[t->seen - 1 < id ? t->seen - 1 : id].name,
				ttl_opts[t->seen - 1 < id ? id : t->seen - 1].name);
	t->seen = (uint8_t)(id + 1);
	/* Adding or taking away 0 would do nothing: iptables refuses it. */
	if (xt_parse_u32(ps, ttl_opts[id].name, arg, id == O_TTL_SET ? 0 : 1, 255, &v) < 0)
		return -EINVAL;
	t->mode = mode_of[id];
	t->ttl = (uint8_t)v;
	return 0;
}

static int ttl_final(void *data, struct xt_parse *ps)
{
	struct ttl_info *t = data;

	if (!t->seen)
		return xt_error(ps, "TTL: You must specify an action");
	t->seen = 0;
	return 0;
}

static int ttl_check(const void *data, const struct xt_check *chk)
{
	if (chk->table != XT_TABLE_MANGLE)
		return xt_error(chk->ps, "TTL target: only valid in mangle table, not %s",
				xt_table_name(chk->table));
	return 0;
}

static void ttl_print(const void *data, struct out *o)
{
	static const char *const names[] = { [TTL_SET] = "--ttl-set", [TTL_INC] = "--ttl-inc",
					     [TTL_DEC] = "--ttl-dec" };
	const struct ttl_info *t = data;

	out_text(o, " %s %u", names[t->mode], (unsigned int)t->ttl);
}

static unsigned int ttl_target(const void *data, void *state, struct xt_ctx *ctx)
{
	const struct ttl_info *t = data;
	struct iphdr *ip = ipv4_hdr(ctx->p);
	int nt = t->ttl;
	uint16_t old, new_;

	if (t->mode == TTL_INC)
		nt = ip->ttl + t->ttl > 255 ? 255 : ip->ttl + t->ttl;
	else if (t->mode == TTL_DEC)
		nt = ip->ttl < t->ttl ? 0 : ip->ttl - t->ttl;
	if (nt == ip->ttl)
		return XT_CONTINUE;
	/* The TTL shares its 16-bit word with the protocol. */
	memcpy(&old, &ip->ttl, sizeof(old));
	ip->ttl = (uint8_t)nt;
	memcpy(&new_, &ip->ttl, sizeof(new_));
	csum_replace2(&ip->check, old, new_);
	return XT_CONTINUE;
}

const struct xt_target_ops target_TTL_ops = {
	.name = "TTL",
	.size = sizeof(struct ttl_info),
	.opts = ttl_opts,
	.parse = ttl_parse,
	.final = ttl_final,
	.check = ttl_check,
	.target = ttl_target,
	.print = ttl_print,
};
