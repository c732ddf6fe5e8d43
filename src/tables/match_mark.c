// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * -m mark: (packet mark & mask) == value, as the kernel's xt_mark.c
 * mark_mt(); option and save text of iptables' libxt_mark.c ("0x1",
 * "0x10/0xff": the mask is printed unless it is 0xffffffff). The value is
 * kept as given, even with bits outside the mask ("0xff/0xf" never
 * matches, in the kernel too).
 */
#include <errno.h>
#include "tables/xt.h"

enum {
	MARK_O_MARK = 1,
};

/* The kernel's struct xt_mark_mtinfo1; every byte defined. */
struct mark_match {
	uint32_t mark;
	uint32_t mask;
	uint8_t invert;
	uint8_t seen;    /* --mark given (parsing only) */
	uint8_t pad[2];
};

static const struct xt_option mark_opts[] = {
	{ .name = "--mark", .id = MARK_O_MARK, .has_arg = true, .invertible = true },
	{ .name = NULL },
};

static int mark_parse(void *data, int id, const char *arg, bool invert, struct xt_parse *ps)
{
	struct mark_match *m = data;

	if (id != MARK_O_MARK)
		return xt_error(ps, "mark: unknown option id %d", id);
	if (m->seen)
		return xt_error(ps, "mark: option \"--mark\" can only be used once");
	m->seen = 1;
	if (xt_parse_mark(ps, "--mark", arg, &m->mark, &m->mask) < 0)
		return -EINVAL;
	m->invert = invert;
	return 0;
}

static int mark_final(void *data, struct xt_parse *ps)
{
	struct mark_match *m = data;

	if (!m->seen)
		return xt_error(ps, "mark: option \"--mark\" must be specified");
	m->seen = 0;
	return 0;
}

static bool mark_match(const void *data, void *state, struct xt_ctx *ctx)
{
	const struct mark_match *m = data;

	return ((ctx->p->mark & m->mask) == m->mark) ^ !!m->invert;
}

static void mark_print(const void *data, struct out *o)
{
	const struct mark_match *m = data;

	out_text(o, "%s --mark 0x%x", m->invert ? " !" : "", m->mark);
	if (m->mask != 0xffffffffu)
		out_text(o, "/0x%x", m->mask);
}

const struct xt_match_ops match_mark_ops = {
	.name = "mark",
	.size = sizeof(struct mark_match),
	.opts = mark_opts,
	.parse = mark_parse,
	.final = mark_final,
	.match = mark_match,
	.print = mark_print,
};
