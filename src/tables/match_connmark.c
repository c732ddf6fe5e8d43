// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * -m connmark --mark VALUE[/MASK]: (connmark & mask) == value, the mark of
 * the packet's conntrack entry (xt_connmark.c connmark_mt). No entry: no
 * match. Saved as "--mark 0x5" or "--mark 0x5/0xff" (the mask only when
 * it is not 0xffffffff), "! --mark" inverted.
 */
#include <errno.h>
#include "conntrack/entry.h"
#include "tables/xt.h"

enum { CONNMARK_O_MARK = 1 };

struct connmark_match {
	uint32_t mark;
	uint32_t mask;
	uint8_t invert;
	uint8_t seen;      /* parsing only */
	uint8_t pad[2];
};

static const struct xt_option connmark_opts[] = {
	{ .name = "--mark", .id = CONNMARK_O_MARK, .has_arg = true, .invertible = true },
	{ .name = NULL },
};

static int connmark_parse(void *data, int id, const char *arg, bool invert,
			  struct xt_parse *ps)
{
	struct connmark_match *m = data;

	if (m->seen)
		return xt_error(ps, "connmark: option \"--mark\" can only be used once");
	m->seen = 1;
	m->invert = invert;
	return xt_parse_mark(ps, "--mark", arg, &m->mark, &m->mask) < 0 ? -EINVAL : 0;
}

static int connmark_final(void *data, struct xt_parse *ps)
{
	struct connmark_match *m = data;

	if (!m->seen)
		return xt_error(ps, "connmark: option \"--mark\" must be specified");
	m->seen = 0;
	return 0;
}

static bool connmark_match(const void *data, void *state, struct xt_ctx *ctx)
{
	const struct connmark_match *m = data;
	const struct ct_entry *e = ctx->p->ct;

	if (!e)
		return false;
	return ((e->mark & m->mask) == m->mark) ^ !!m->invert;
}

static void connmark_print(const void *data, struct out *o)
{
	const struct connmark_match *m = data;

	out_text(o, "%s --mark 0x%x", m->invert ? " !" : "", m->mark);
	if (m->mask != 0xffffffffu)
		out_text(o, "/0x%x", m->mask);
}

const struct xt_match_ops match_connmark_ops = {
	.name = "connmark",
	.size = sizeof(struct connmark_match),
	.opts = connmark_opts,
	.parse = connmark_parse,
	.final = connmark_final,
	.match = connmark_match,
	.print = connmark_print,
	.needs_ct = true,
};
