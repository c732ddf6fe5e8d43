// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * -m ipv4options: which IP options the header carries, the options
 * filtering of xtables-addons' xt_ipv4options.c / libxt_ipv4options.c
 * (revision 1):
 *
 *   --flags [!]OPT[,[!]OPT...]   OPT a name or an option number (1..31,
 *                                the low five bits of the type byte)
 *   --any                        at least one OPT holds, not all of them
 *
 * An OPT holds when the option is present (or absent, for "!OPT"). With
 * no --flags every packet matches (nothing is required), unless --any is
 * given (nothing can hold). The save text is numeric, as libxt's save:
 * "--flags 3,!7 --any". Names: nop 1, security 2, lsrr 3, timestamp 4,
 * record-route 7, ssrr 9, mtu-probe 11, mtu-reply 12, traceroute 18,
 * router-alert 20; and, as the older ipt_ipv4options spelled them, rr 7,
 * ts 4, ra 20. --flags may be repeated; the sets add up, and an option
 * once named with "!" stays inverted (libxt does both).
 *
 * The options are walked within the header length and the packet, and
 * the walk stops at End of Options or at the first option whose length
 * byte is short, missing or runs past the header: what was seen until
 * then counts, nothing is dropped (the kernel module does the same; the
 * router has already refused such headers when they arrived, as
 * ip_options_compile does, so only a header a target rewrote gets here).
 * One deliberate difference: the module never records No Operation (it
 * steps over it), so "--flags nop" could never match there, against its
 * own manual; here a NOP counts as present.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/ipv4.h"
#include "tables/xt.h"

#define IPV4OPT_END 0
#define IPV4OPT_NOP 1
#define IPV4OPT_NUM(type) ((type) & 0x1fu)

/* XT_V4OPTS_* flags. */
enum {
	IPV4OPTS_F_ALL = 1u << 0, /* (never set by iptables; the default) */
	IPV4OPTS_F_ANY = 1u << 1,
};

enum {
	IPV4OPTS_O_FLAGS = 1,
	IPV4OPTS_O_ANY,
};

/* The module's struct xt_ipv4options_mtinfo1; every byte defined. */
struct ipv4options_match {
	uint32_t map;    /* bit n: option number n is named */
	uint32_t invert; /* bit n: ... as "!n" (must be absent) */
	uint8_t flags;   /* IPV4OPTS_F_* */
	uint8_t pad[3];
};

static const struct {
	const char *name;
	uint8_t num;
} ipv4options_names[] = {
	{ "nop", 1 }, { "security", 2 }, { "lsrr", 3 }, { "timestamp", 4 },
	{ "record-route", 7 }, { "ssrr", 9 }, { "mtu-probe", 11 }, { "mtu-reply", 12 },
	{ "traceroute", 18 }, { "router-alert", 20 },
	{ "rr", 7 }, { "ts", 4 }, { "ra", 20 },
};

static const struct xt_option ipv4options_opts[] = {
	{ .name = "--flags", .id = IPV4OPTS_O_FLAGS, .has_arg = true },
	{ .name = "--any", .id = IPV4OPTS_O_ANY },
	{ .name = NULL },
};

/* One OPT of a --flags list (len bytes at s, no '!'). */
static int ipv4options_parse_one(const char *s, size_t len, unsigned int *num,
				 struct xt_parse *ps)
{
	char buf[32];
	unsigned long v;
	unsigned int i;
	char *end;

	for (i = 0; i < sizeof(ipv4options_names) / sizeof(ipv4options_names[0]); i++) {
		if (strlen(ipv4options_names[i].name) == len &&
		    strncmp(s, ipv4options_names[i].name, len) == 0) {
			*num = ipv4options_names[i].num;
			return 0;
		}
	}
	if (len == 0 || len >= sizeof(buf) || s[0] < '0' || s[0] > '9')
		return xt_error(ps, "ipv4options: Bad option value \"%.*s\"", (int)len, s);
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	v = strtoul(buf, &end, 0);
	if (errno || *end)
		return xt_error(ps, "ipv4options: Bad option value \"%s\"", buf);
	if (v == 0)
		return xt_error(ps, "ipv4options: Option value may not be zero");
	if (v > 31)
		return xt_error(ps, "ipv4options: option number \"%s\" out of range (1-31: the "
				"type byte's low five bits)", buf);
	*num = (unsigned int)v;
	return 0;
}

static int ipv4options_parse_flags(struct ipv4options_match *m, const char *arg,
				   struct xt_parse *ps)
{
	const char *s = arg;

	for (;;) {
		size_t n = strcspn(s, ",");
		bool inv = (n > 0 && s[0] == '!');
		unsigned int num = 0;

		if (ipv4options_parse_one(s + inv, n - inv, &num, ps) < 0)
			return -EINVAL;
		m->map |= 1u << num;
		if (inv)
			m->invert |= 1u << num;
		if (!s[n])
			return 0;
		s += n + 1;
	}
}

static int ipv4options_parse(void *data, int id, const char *arg, bool invert,
			     struct xt_parse *ps)
{
	struct ipv4options_match *m = data;

	switch (id) {
	case IPV4OPTS_O_FLAGS:
		return ipv4options_parse_flags(m, arg, ps);
	case IPV4OPTS_O_ANY:
		m->flags |= IPV4OPTS_F_ANY;
		return 0;
	default:
		return xt_error(ps, "ipv4options: unknown option id %d", id);
	}
}

/* Bit n set for each option number n present in the header. */
static uint32_t ipv4options_present(const struct pkt *p)
{
	const uint8_t *o = p->data + IPV4_HDR_MIN;
	unsigned int hl = ipv4_hdrlen(ipv4_hdr(p));
	unsigned int len, optlen;
	uint32_t seen = 0;

	if (hl > p->len)
		hl = p->len;
	len = hl > IPV4_HDR_MIN ? hl - IPV4_HDR_MIN : 0;
	while (len > 0) {
		if (o[0] == IPV4OPT_END)
			break;
		if (o[0] == IPV4OPT_NOP) {
			seen |= 1u << IPV4OPT_NOP;
			o++;
			len--;
			continue;
		}
		if (len < 2)
			break;
		optlen = o[1];
		if (optlen < 2 || optlen > len)
			break;
		seen |= 1u << IPV4OPT_NUM(o[0]);
		o += optlen;
		len -= optlen;
	}
	return seen;
}

static bool ipv4options_match(const void *data, void *state, struct xt_ctx *ctx)
{
	const struct ipv4options_match *m = data;
	uint32_t held = (ipv4options_present(ctx->p) ^ m->invert) & m->map;

	return (m->flags & IPV4OPTS_F_ANY) ? held != 0 : held == m->map;
}

static void ipv4options_print(const void *data, struct out *o)
{
	const struct ipv4options_match *m = data;
	const char *sep = " --flags ";
	unsigned int i;

	for (i = 1; i < 32; i++) {
		if (m->map & (1u << i)) {
			out_text(o, "%s%s%u", sep, (m->invert & (1u << i)) ? "!" : "", i);
			sep = ",";
		}
	}
	if (m->flags & IPV4OPTS_F_ANY)
		out_text(o, " --any");
}

const struct xt_match_ops match_ipv4options_ops = {
	.name = "ipv4options",
	.size = sizeof(struct ipv4options_match),
	.opts = ipv4options_opts,
	.parse = ipv4options_parse,
	.match = ipv4options_match,
	.print = ipv4options_print,
};
