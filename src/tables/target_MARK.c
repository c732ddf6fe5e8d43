// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * MARK: change the packet's mark (xt_MARK.c revision 2; options as
 * libxt_MARK). Every form is one operation, mark = (mark & ~mask) ^ value:
 *
 *   --set-xmark V[/M]   value V, mask M (default 0xffffffff)
 *   --set-mark V[/M]    value V, mask V|M: clear M, then set V
 *   --and-mark M        value 0, mask ~M
 *   --or-mark M         value M, mask M
 *   --xor-mark M        value M, mask 0
 *
 * so, as iptables-save, every rule is printed back as
 * "--set-xmark 0xV/0xM" (checked against iptables 1.8.9). Any table.
 */
#include <errno.h>
#include "tables/xt.h"

enum { O_SET_XMARK, O_SET_MARK, O_AND_MARK, O_OR_MARK, O_XOR_MARK };

struct mark_info {
	uint32_t value;
	uint32_t mask;
	uint8_t seen;      /* 1 + id of the option given (parsing only) */
};

static const struct xt_option mark_opts[] = {
	{ .name = "--set-xmark", .id = O_SET_XMARK, .has_arg = true },
	{ .name = "--set-mark", .id = O_SET_MARK, .has_arg = true },
	{ .name = "--and-mark", .id = O_AND_MARK, .has_arg = true },
	{ .name = "--or-mark", .id = O_OR_MARK, .has_arg = true },
	{ .name = "--xor-mark", .id = O_XOR_MARK, .has_arg = true },
	{ .name = NULL },
};

static int mark_parse(void *data, int id, const char *arg, bool invert, struct xt_parse *ps)
{
	struct mark_info *m = data;
	const char *name = mark_opts[id].name;
	uint32_t v, mask;

	if (m->seen == id + 1)
		return xt_error(ps, "MARK: option \"%s\" can only be used once", name);
	/* Named in the order of the option table, as iptables does. */
	if (m->seen)
		return xt_error(ps, "MARK: option \"%s\" cannot be used together with \"%s\"",
				mark_opts[m->seen - 1 < id ? m->seen - 1 : id].name,
				mark_opts[m->seen - 1 < id ? id : m->seen - 1].name);
	m->seen = (uint8_t)(id + 1);
	if (id == O_SET_XMARK || id == O_SET_MARK) {
		if (xt_parse_mark(ps, name, arg, &v, &mask) < 0)
			return -EINVAL;
		m->value = v;
		m->mask = id == O_SET_MARK ? v | mask : mask;
		return 0;
	}
	if (xt_parse_u32(ps, name, arg, 0, UINT32_MAX, &v) < 0)
		return -EINVAL;
	m->value = id == O_AND_MARK ? 0 : v;
	m->mask = id == O_AND_MARK ? ~v : id == O_OR_MARK ? v : 0;
	return 0;
}

static int mark_final(void *data, struct xt_parse *ps)
{
	struct mark_info *m = data;

	if (!m->seen)
		return xt_error(ps, "MARK: One of the --set-xmark, --{and,or,xor,set}-mark options "
				"is required");
	m->seen = 0;
	return 0;
}

static void mark_print(const void *data, struct out *o)
{
	const struct mark_info *m = data;

	out_text(o, " --set-xmark 0x%x/0x%x", m->value, m->mask);
}

static unsigned int mark_target(const void *data, void *state, struct xt_ctx *ctx)
{
	const struct mark_info *m = data;

	ctx->p->mark = (ctx->p->mark & ~m->mask) ^ m->value;
	return XT_CONTINUE;
}

const struct xt_target_ops target_MARK_ops = {
	.name = "MARK",
	.size = sizeof(struct mark_info),
	.opts = mark_opts,
	.parse = mark_parse,
	.final = mark_final,
	.target = mark_target,
	.print = mark_print,
};
