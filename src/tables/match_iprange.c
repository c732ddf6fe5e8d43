// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * -m iprange: the source and/or destination address within [min, max],
 * each invertible; revision 1 of the kernel's xt_iprange.c (iprange_mt4),
 * options and save text of iptables' libxt_iprange.c.
 *
 * An address is read as xtables_numeric_to_ipaddr() reads it: up to four
 * dot-separated numbers 0..255 in C syntax (so "010" is 8), missing
 * trailing ones zero ("10.1" is 10.1.0.0). "A" alone is the range A-A. A
 * reversed range is accepted, as by iptables, and never matches (the
 * inverted one always does); the kernel only logs a warning about it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/ipv4.h"
#include "tables/xt.h"

enum {
	IPRANGE_O_SRC = 1,
	IPRANGE_O_DST,
};

/* The kernel's IPRANGE_* flags. */
enum {
	IPRANGE_SRC = 1u << 0,
	IPRANGE_DST = 1u << 1,
	IPRANGE_SRC_INV = 1u << 4,
	IPRANGE_DST_INV = 1u << 5,
};

/* struct xt_iprange_mtinfo for IPv4, addresses in host order. */
struct iprange_match {
	uint32_t src_min, src_max;
	uint32_t dst_min, dst_max;
	uint8_t flags;  /* IPRANGE_*; also says which options were given */
	uint8_t pad[3];
};

static const struct xt_option iprange_opts[] = {
	{ .name = "--src-range", .id = IPRANGE_O_SRC, .has_arg = true, .invertible = true },
	{ .name = "--dst-range", .id = IPRANGE_O_DST, .has_arg = true, .invertible = true },
	{ .name = NULL },
};

static int iprange_addr(const char *s, uint32_t *addr)
{
	char buf[20];
	char *p = buf, *dot;
	uint32_t b;
	unsigned int i;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	*addr = 0;
	for (i = 0; i < 4; i++) {
		dot = i < 3 ? strchr(p, '.') : NULL;
		if (dot)
			*dot = '\0';
		if (xt_strtou32(p, 255, &b) < 0)
			return -EINVAL;
		*addr |= b << (24 - 8 * i);
		if (!dot)
			return 0;
		p = dot + 1;
	}
	return 0;
}

static int iprange_parse_range(const char *opt, const char *arg, uint32_t *lo, uint32_t *hi,
			       struct xt_parse *ps)
{
	char buf[64];
	char *dash;

	if (strlen(arg) >= sizeof(buf))
		return xt_error(ps, "\"%s\" is not a valid address range for %s", arg, opt);
	strcpy(buf, arg);
	dash = strchr(buf, '-');
	if (dash)
		*dash++ = '\0';
	if (iprange_addr(buf, lo) < 0)
		return xt_error(ps, "\"%s\" is not a valid address for %s", buf, opt);
	if (!dash) {
		*hi = *lo;
		return 0;
	}
	if (iprange_addr(dash, hi) < 0)
		return xt_error(ps, "\"%s\" is not a valid address for %s", dash, opt);
	return 0;
}

static int iprange_parse(void *data, int id, const char *arg, bool invert,
			 struct xt_parse *ps)
{
	struct iprange_match *m = data;
	bool src = id == IPRANGE_O_SRC;
	const char *opt = src ? "--src-range" : "--dst-range";
	uint8_t flag = src ? IPRANGE_SRC : IPRANGE_DST;

	if (id != IPRANGE_O_SRC && id != IPRANGE_O_DST)
		return xt_error(ps, "iprange: unknown option id %d", id);
	if (m->flags & flag)
		return xt_error(ps, "iprange: option \"%s\" can only be used once", opt);
	if (iprange_parse_range(opt, arg, src ? &m->src_min : &m->dst_min,
				src ? &m->src_max : &m->dst_max, ps) < 0)
		return -EINVAL;
	m->flags |= flag;
	if (invert)
		m->flags |= src ? IPRANGE_SRC_INV : IPRANGE_DST_INV;
	return 0;
}

static int iprange_final(void *data, struct xt_parse *ps)
{
	const struct iprange_match *m = data;

	if (!(m->flags & (IPRANGE_SRC | IPRANGE_DST)))
		return xt_error(ps, "iprange match: you must specify \"--src-range\" or "
				    "\"--dst-range\"");
	return 0;
}

static bool iprange_in(uint32_t addr, uint32_t lo, uint32_t hi, bool invert)
{
	return (addr >= lo && addr <= hi) ^ invert;
}

static bool iprange_match(const void *data, void *state, struct xt_ctx *ctx)
{
	const struct iprange_match *m = data;
	const struct iphdr *ip = ipv4_hdr(ctx->p);

	if ((m->flags & IPRANGE_SRC) &&
	    !iprange_in(ntohl(ip->saddr), m->src_min, m->src_max, m->flags & IPRANGE_SRC_INV))
		return false;
	if ((m->flags & IPRANGE_DST) &&
	    !iprange_in(ntohl(ip->daddr), m->dst_min, m->dst_max, m->flags & IPRANGE_DST_INV))
		return false;
	return true;
}

static void iprange_print_one(struct out *o, const char *opt, uint32_t lo, uint32_t hi,
			      bool invert)
{
	out_text(o, "%s %s %u.%u.%u.%u-%u.%u.%u.%u", invert ? " !" : "", opt, lo >> 24,
		 (lo >> 16) & 0xff, (lo >> 8) & 0xff, lo & 0xff, hi >> 24, (hi >> 16) & 0xff,
		 (hi >> 8) & 0xff, hi & 0xff);
}

static void iprange_print(const void *data, struct out *o)
{
	const struct iprange_match *m = data;

	if (m->flags & IPRANGE_SRC)
		iprange_print_one(o, "--src-range", m->src_min, m->src_max,
				  m->flags & IPRANGE_SRC_INV);
	if (m->flags & IPRANGE_DST)
		iprange_print_one(o, "--dst-range", m->dst_min, m->dst_max,
				  m->flags & IPRANGE_DST_INV);
}

const struct xt_match_ops match_iprange_ops = {
	.name = "iprange",
	.size = sizeof(struct iprange_match),
	.opts = iprange_opts,
	.parse = iprange_parse,
	.final = iprange_final,
	.match = iprange_match,
	.print = iprange_print,
};
