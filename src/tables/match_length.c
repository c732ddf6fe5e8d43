// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * -m length: the IP total length (the header's tot_len, header included)
 * within [min, max], as the kernel's xt_length.c length_mt(). Options and
 * save text of iptables' libxt_length.c: "--length N" or "--length N:M"
 * ("N:" is N:65535, ":M" is 0:M, ":" is 0:65535), printed as "N" when
 * min == max and "N:M" otherwise. A range with min > max is accepted, as
 * iptables accepts it, and matches nothing (or everything when inverted).
 */
#include <errno.h>
#include <string.h>
#include "core/ipv4.h"
#include "tables/xt.h"

enum {
	LENGTH_O_LENGTH = 1,
};

/* The kernel's struct xt_length_info; every byte defined. */
struct length_match {
	uint16_t min, max;
	uint8_t invert;
	uint8_t seen;    /* --length given (parsing only) */
	uint8_t pad[2];
};

static const struct xt_option length_opts[] = {
	{ .name = "--length", .id = LENGTH_O_LENGTH, .has_arg = true, .invertible = true },
	{ .name = NULL },
};

static int length_parse_bound(struct xt_parse *ps, const char *s, uint16_t *out)
{
	uint32_t v;

	if (xt_parse_u32(ps, "--length", s, 0, 65535, &v) < 0)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

static int length_parse(void *data, int id, const char *arg, bool invert, struct xt_parse *ps)
{
	struct length_match *m = data;
	char buf[32];
	char *colon;

	if (id != LENGTH_O_LENGTH)
		return xt_error(ps, "length: unknown option id %d", id);
	if (m->seen)
		return xt_error(ps, "length: option \"--length\" can only be used once");
	m->seen = 1;
	m->invert = invert;
	if (strlen(arg) >= sizeof(buf))
		return xt_error(ps, "\"%s\" is not a valid value for --length", arg);
	strcpy(buf, arg);
	colon = strchr(buf, ':');
	if (!colon) {
		if (length_parse_bound(ps, buf, &m->min) < 0)
			return -EINVAL;
		m->max = m->min;
		return 0;
	}
	*colon = '\0';
	if (strchr(colon + 1, ':'))
		return xt_error(ps, "length: too many components for option \"--length\" in \"%s\""
				" (max: 2)", arg);
	m->min = 0;
	m->max = 65535;
	if (buf[0] && length_parse_bound(ps, buf, &m->min) < 0)
		return -EINVAL;
	if (colon[1] && length_parse_bound(ps, colon + 1, &m->max) < 0)
		return -EINVAL;
	return 0;
}

static int length_final(void *data, struct xt_parse *ps)
{
	struct length_match *m = data;

	if (!m->seen)
		return xt_error(ps, "length: option \"--length\" must be specified");
	m->seen = 0;
	return 0;
}

static bool length_match(const void *data, void *state, struct xt_ctx *ctx)
{
	const struct length_match *m = data;
	uint16_t len = ntohs(ipv4_hdr(ctx->p)->tot_len);

	return (len >= m->min && len <= m->max) ^ !!m->invert;
}

static void length_print(const void *data, struct out *o)
{
	const struct length_match *m = data;

	out_text(o, "%s --length %u", m->invert ? " !" : "", m->min);
	if (m->min != m->max)
		out_text(o, ":%u", m->max);
}

const struct xt_match_ops match_length_ops = {
	.name = "length",
	.size = sizeof(struct length_match),
	.opts = length_opts,
	.parse = length_parse,
	.final = length_final,
	.match = length_match,
	.print = length_print,
};
