// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * -m ttl: compare the IP TTL with a value, as the kernel's ipt_ttl.c
 * ttl_mt(): equal, not equal ("! --ttl-eq"), less than, greater than.
 * Options, messages and save text of iptables' libipt_ttl.c: exactly one
 * of --ttl-eq, --ttl-lt, --ttl-gt; only --ttl-eq may be inverted.
 */
#include <errno.h>
#include "core/ipv4.h"
#include "tables/xt.h"

/* The kernel's IPT_TTL_* modes. */
enum {
	TTL_EQ = 0,
	TTL_NE,
	TTL_LT,
	TTL_GT,
};

enum {
	TTL_O_EQ = 1,
	TTL_O_LT,
	TTL_O_GT,
};

/* The kernel's struct ipt_ttl_info; every byte defined. */
struct ttl_match {
	uint8_t mode;
	uint8_t ttl;
	uint8_t seen;    /* the TTL_O_* given (parsing only) */
	uint8_t pad;
};

static const struct xt_option ttl_opts[] = {
	{ .name = "--ttl-eq", .id = TTL_O_EQ, .has_arg = true, .invertible = true },
	{ .name = "--ttl-lt", .id = TTL_O_LT, .has_arg = true },
	{ .name = "--ttl-gt", .id = TTL_O_GT, .has_arg = true },
	{ .name = NULL },
};

static const char *ttl_opt_name(int id)
{
	return id == TTL_O_EQ ? "--ttl-eq" : id == TTL_O_LT ? "--ttl-lt" : "--ttl-gt";
}

static int ttl_parse(void *data, int id, const char *arg, bool invert, struct xt_parse *ps)
{
	struct ttl_match *m = data;
	const char *opt = ttl_opt_name(id);
	uint32_t v;

	if (id < TTL_O_EQ || id > TTL_O_GT)
		return xt_error(ps, "ttl: unknown option id %d", id);
	if (m->seen == id)
		return xt_error(ps, "ttl: option \"%s\" can only be used once", opt);
	if (m->seen)
		return xt_error(ps, "ttl: option \"%s\" cannot be used together with \"%s\"", opt,
				ttl_opt_name(m->seen));
	m->seen = (uint8_t)id;
	if (xt_parse_u32(ps, opt, arg, 0, 255, &v) < 0)
		return -EINVAL;
	m->ttl = (uint8_t)v;
	switch (id) {
	case TTL_O_EQ:
		m->mode = invert ? TTL_NE : TTL_EQ;
		break;
	case TTL_O_LT:
		m->mode = TTL_LT;
		break;
	default:
		m->mode = TTL_GT;
		break;
	}
	return 0;
}

static int ttl_final(void *data, struct xt_parse *ps)
{
	struct ttl_match *m = data;

	if (!m->seen)
		return xt_error(ps, "TTL match: You must specify one of \"--ttl-eq\", "
				"\"--ttl-lt\", \"--ttl-gt\"");
	m->seen = 0;
	return 0;
}

static bool ttl_match(const void *data, void *state, struct xt_ctx *ctx)
{
	const struct ttl_match *m = data;
	uint8_t ttl = ipv4_hdr(ctx->p)->ttl;

	switch (m->mode) {
	case TTL_EQ:
		return ttl == m->ttl;
	case TTL_NE:
		return ttl != m->ttl;
	case TTL_LT:
		return ttl < m->ttl;
	default:
		return ttl > m->ttl;
	}
}

static void ttl_print(const void *data, struct out *o)
{
	const struct ttl_match *m = data;

	switch (m->mode) {
	case TTL_EQ:
		out_text(o, " --ttl-eq %u", m->ttl);
		break;
	case TTL_NE:
		out_text(o, " ! --ttl-eq %u", m->ttl);
		break;
	case TTL_LT:
		out_text(o, " --ttl-lt %u", m->ttl);
		break;
	default:
		out_text(o, " --ttl-gt %u", m->ttl);
		break;
	}
}

const struct xt_match_ops match_ttl_ops = {
	.name = "ttl",
	.size = sizeof(struct ttl_match),
	.opts = ttl_opts,
	.parse = ttl_parse,
	.final = ttl_final,
	.match = ttl_match,
	.print = ttl_print,
};
