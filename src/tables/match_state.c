// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * -m state --state STATES: the packet's conntrack state is one of STATES
 * (xt_state.c): INVALID, NEW, RELATED, ESTABLISHED, UNTRACKED. Saved as
 * iptables-nft 1.8.9 prints it: "-m state --state RELATED,ESTABLISHED",
 * the states in the order INVALID,NEW,RELATED,ESTABLISHED,UNTRACKED, and
 * "! --state" for an inverted one.
 */
#include <errno.h>
#include "tables/match_conntrack.h"

enum { STATE_O_STATE = 1 };

struct state_match {
	uint16_t mask;
	uint8_t invert;
	uint8_t seen;      /* --state given (parsing only) */
};

static const struct xt_option state_opts[] = {
	{ .name = "--state", .id = STATE_O_STATE, .has_arg = true, .invertible = true },
	{ .name = NULL },
};

static int state_parse(void *data, int id, const char *arg, bool invert, struct xt_parse *ps)
{
	struct state_match *m = data;

	if (m->seen)
		return xt_error(ps, "state: option \"--state\" can only be used once");
	m->seen = 1;
	m->invert = invert;
	return match_conntrack_parse_states(ps, "state", arg, false, &m->mask);
}

static int state_final(void *data, struct xt_parse *ps)
{
	struct state_match *m = data;

	if (!m->seen)
		return xt_error(ps, "state: option \"--state\" must be specified");
	m->seen = 0;
	return 0;
}

static bool state_match(const void *data, void *state, struct xt_ctx *ctx)
{
	const struct state_match *m = data;

	return !!(match_conntrack_state(ctx, false) & m->mask) ^ !!m->invert;
}

static void state_print(const void *data, struct out *o)
{
	const struct state_match *m = data;

	out_text(o, "%s --state", m->invert ? " !" : "");
	match_conntrack_print_states(o, m->mask);
}

const struct xt_match_ops match_state_ops = {
	.name = "state",
	.size = sizeof(struct state_match),
	.opts = state_opts,
	.parse = state_parse,
	.final = state_final,
	.match = state_match,
	.print = state_print,
	.needs_ct = true,
};
