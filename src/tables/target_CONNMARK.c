// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CONNMARK: the mark of the packet's conntrack entry (xt_CONNMARK.c;
 * options of libxt_CONNMARK revision 1). Three modes:
 *
 *   set      connmark = (connmark & ~ctmask) ^ ctmark
 *            --set-xmark V[/M] (ctmark V, ctmask M, default 0xffffffff),
 *            --set-mark V[/M] (ctmask V|M), --and-mark M (0, ~M),
 *            --or-mark M (M, M), --xor-mark M (M, 0)
 *   save     connmark = (connmark & ~ctmask) ^ (mark & nfmask)   --save-mark
 *   restore  mark = (mark & ~nfmask) ^ (connmark & ctmask)       --restore-mark
 *            with --nfmask, --ctmask, or --mask for both (default 0xffffffff)
 *
 * Saved as iptables prints them: "--set-xmark 0xV/0xM",
 * "--save-mark --nfmask 0xN --ctmask 0xC", "--restore-mark --nfmask ...".
 * Without an entry, nothing happens. A connmark change is an UPDATE event.
 * A dry run (simulate) leaves the entry alone.
 */
#include <errno.h>
#include "conntrack/entry.h"
#include "tables/xt.h"

enum {
	O_SET_XMARK, O_SET_MARK, O_AND_MARK, O_OR_MARK, O_XOR_MARK, O_SAVE_MARK, O_RESTORE_MARK,
	O_CTMASK, O_NFMASK, O_MASK,
};

enum { CONNMARK_SET, CONNMARK_SAVE, CONNMARK_RESTORE };

struct connmark_info {
	uint32_t ctmark;
	uint32_t ctmask;
	uint32_t nfmask;
	uint8_t mode;
	uint8_t op;        /* 1 + the operation option given (parsing only) */
	uint8_t masks;     /* bit per mask option given (parsing only) */
	uint8_t pad;
};

static const struct xt_option connmark_opts[] = {
	{ .name = "--set-xmark", .id = O_SET_XMARK, .has_arg = true },
	{ .name = "--set-mark", .id = O_SET_MARK, .has_arg = true },
	{ .name = "--and-mark", .id = O_AND_MARK, .has_arg = true },
	{ .name = "--or-mark", .id = O_OR_MARK, .has_arg = true },
	{ .name = "--xor-mark", .id = O_XOR_MARK, .has_arg = true },
	{ .name = "--save-mark", .id = O_SAVE_MARK },
	{ .name = "--restore-mark", .id = O_RESTORE_MARK },
	{ .name = "--ctmask", .id = O_CTMASK, .has_arg = true },
	{ .name = "--nfmask", .id = O_NFMASK, .has_arg = true },
	{ .name = "--mask", .id = O_MASK, .has_arg = true },
	{ .name = NULL },
};

static int connmark_parse_op(struct connmark_info *m, int id, const char *arg,
			     struct xt_parse *ps)
{
	const char *name = connmark_opts[id].name;
	uint32_t v, mask;
	int a, b;

	if (m->op == id + 1)
		return xt_error(ps, "CONNMARK: option \"%s\" can only be used once", name);
	if (m->op) {
		/* Named in the order of the option table, as iptables does. */
		a = m->op - 1 < id ? m->op - 1 : id;
		b = m->op - 1 < id ? id : m->op - 1;
		return xt_error(ps, "CONNMARK: option \"%s\" cannot be used together with \"%s\"",
				connmark_opts[a].name, connmark_opts[b].name);
	}
	m->op = (uint8_t)(id + 1);
	m->mode = id == O_SAVE_MARK ? CONNMARK_SAVE :
		  id == O_RESTORE_MARK ? CONNMARK_RESTORE : CONNMARK_SET;
	switch (id) {
	case O_SET_XMARK:
	case O_SET_MARK:
		if (xt_parse_mark(ps, name, arg, &v, &mask) < 0)
			return -EINVAL;
		m->ctmark = v;
		m->ctmask = id == O_SET_MARK ? v | mask : mask;
		return 0;
	case O_AND_MARK:
	case O_OR_MARK:
	case O_XOR_MARK:
		if (xt_parse_u32(ps, name, arg, 0, UINT32_MAX, &v) < 0)
			return -EINVAL;
		m->ctmark = id == O_AND_MARK ? 0 : v;
		m->ctmask = id == O_AND_MARK ? ~v : id == O_OR_MARK ? v : 0;
		return 0;
	default:
		return 0;
	}
}

static int connmark_parse(void *data, int id, const char *arg, bool invert, struct xt_parse *ps)
{
	struct connmark_info *m = data;
	const char *name = connmark_opts[id].name;
	uint8_t bit;
	uint32_t v;

	if (id < O_CTMASK)
		return connmark_parse_op(m, id, arg, ps);
	bit = (uint8_t)(1u << (id - O_CTMASK));
	if (m->masks & bit)
		return xt_error(ps, "CONNMARK: option \"%s\" can only be used once", name);
	if ((id == O_MASK && m->masks) ||
	    (id != O_MASK && (m->masks & (1u << (O_MASK - O_CTMASK)))))
		return xt_error(ps, "CONNMARK: option \"--mask\" cannot be used together with "
				"\"--ctmask\" or \"--nfmask\"");
	m->masks |= bit;
	if (xt_parse_u32(ps, name, arg, 0, UINT32_MAX, &v) < 0)
		return -EINVAL;
	if (id != O_NFMASK)
		m->ctmask = v;
	if (id != O_CTMASK)
		m->nfmask = v;
	return 0;
}

static int connmark_final(void *data, struct xt_parse *ps)
{
	struct connmark_info *m = data;

	if (!m->op)
		return xt_error(ps, "CONNMARK target: No operation specified");
	if (m->masks && m->mode == CONNMARK_SET)
		return xt_error(ps, "CONNMARK: --mask, --ctmask and --nfmask go with --save-mark "
				"or --restore-mark only");
	/* The masks the kernel uses when none was given (connmark_tg_init). */
	if (m->mode != CONNMARK_SET) {
		if (!(m->masks & (1u << (O_CTMASK - O_CTMASK) | 1u << (O_MASK - O_CTMASK))))
			m->ctmask = 0xffffffffu;
		if (!(m->masks & (1u << (O_NFMASK - O_CTMASK) | 1u << (O_MASK - O_CTMASK))))
			m->nfmask = 0xffffffffu;
	}
	m->op = 0;
	m->masks = 0;
	return 0;
}

static unsigned int connmark_target(const void *data, void *state, struct xt_ctx *ctx)
{
	const struct connmark_info *m = data;
	struct ct_entry *e = ctx->p->ct;
	uint32_t mark;

	if (!e)
		return XT_CONTINUE;
	switch (m->mode) {
	case CONNMARK_SET:
		mark = (e->mark & ~m->ctmask) ^ m->ctmark;
		break;
	case CONNMARK_SAVE:
		mark = (e->mark & ~m->ctmask) ^ (ctx->p->mark & m->nfmask);
		break;
	default:
		ctx->p->mark = (ctx->p->mark & ~m->nfmask) ^ (e->mark & m->ctmask);
		return XT_CONTINUE;
	}
	if (mark != e->mark && !ctx->dry_run) {
		e->mark = mark;
		e->ecache |= CT_EC_MARK;
	}
	return XT_CONTINUE;
}

static void connmark_print(const void *data, struct out *o)
{
	const struct connmark_info *m = data;

	switch (m->mode) {
	case CONNMARK_SET:
		out_text(o, " --set-xmark 0x%x/0x%x", m->ctmark, m->ctmask);
		break;
	case CONNMARK_SAVE:
		out_text(o, " --save-mark --nfmask 0x%x --ctmask 0x%x", m->nfmask, m->ctmask);
		break;
	default:
		out_text(o, " --restore-mark --nfmask 0x%x --ctmask 0x%x", m->nfmask, m->ctmask);
		break;
	}
}

const struct xt_target_ops target_CONNMARK_ops = {
	.name = "CONNMARK",
	.size = sizeof(struct connmark_info),
	.opts = connmark_opts,
	.parse = connmark_parse,
	.final = connmark_final,
	.target = connmark_target,
	.print = connmark_print,
	.needs_ct = true,
};
