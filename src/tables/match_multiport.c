// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * -m multiport: up to 15 ports or ranges, compared with the source port,
 * the destination port, or either. Revision 1 of the kernel's
 * xt_multiport.c (ranges, "!"), option names, messages and save text of
 * iptables' libxt_multiport.c.
 *
 * The list holds XT_MULTI_PORTS (15) slots: a port takes one, a range
 * "lo:hi" two (pflags[i] set on the first), and a range needs lo < hi.
 * Only the first four bytes of the transport header are read, where TCP,
 * UDP, UDP-Lite, SCTP and DCCP all keep their ports, hence the protocols
 * the match accepts.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include "tables/xt.h"

#define MULTIPORT_MAX 15u

enum {
	MP_O_SPORTS = 1,
	MP_O_DPORTS,
	MP_O_PORTS,
};

/* The kernel's XT_MULTIPORT_* "flags" values. */
enum {
	MP_SOURCE = 0,
	MP_DESTINATION = 1,
	MP_EITHER = 2,
};

/* The kernel's struct xt_multiport_v1; every byte defined. */
struct multiport_match {
	uint16_t ports[MULTIPORT_MAX];
	uint8_t pflags[MULTIPORT_MAX]; /* 1: ports[i]:ports[i + 1] is a range */
	uint8_t flags;                 /* MP_SOURCE, MP_DESTINATION, MP_EITHER */
	uint8_t count;                 /* slots used */
	uint8_t invert;
	uint8_t seen;                  /* the option's id while parsing, 0 once parsed */
	uint8_t pad;
};

static const struct xt_option multiport_opts[] = {
	{ .name = "--sports", .id = MP_O_SPORTS, .has_arg = true, .invertible = true },
	{ .name = "--source-ports", .id = MP_O_SPORTS, .has_arg = true, .invertible = true },
	{ .name = "--dports", .id = MP_O_DPORTS, .has_arg = true, .invertible = true },
	{ .name = "--destination-ports", .id = MP_O_DPORTS, .has_arg = true,
	  .invertible = true },
	{ .name = "--ports", .id = MP_O_PORTS, .has_arg = true, .invertible = true },
	{ .name = NULL },
};

static const char *const multiport_opt_names[] = {
	[MP_O_SPORTS] = "--sports",
	[MP_O_DPORTS] = "--dports",
	[MP_O_PORTS] = "--ports",
};

/* The name /etc/services knows the protocol by, or NULL if the match does
 * not apply to it. */
static const char *multiport_proto_name(uint16_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_UDPLITE:
		return "udplite";
	case IPPROTO_SCTP:
		return "sctp";
	case IPPROTO_DCCP:
		return "dccp";
	}
	return NULL;
}

/* libxt_multiport's check_proto(): the same words, from the parser (which
 * has seen the -p before -m multiport) and again from check(). */
static int multiport_proto_ok(struct xt_parse *ps, uint16_t proto, bool inv)
{
	if (!inv && multiport_proto_name(proto))
		return 0;
	if (!inv && !proto)
		return xt_error(ps, "multiport needs \"-p tcp\", \"-p udp\", \"-p udplite\", "
				    "\"-p sctp\" or \"-p dccp\"");
	return xt_error(ps, "multiport only works with TCP, UDP, UDPLITE, SCTP and DCCP");
}

static int multiport_parse_list(struct multiport_match *m, const char *opt, const char *arg,
				const char *proto, struct xt_parse *ps)
{
	char buf[256];
	char *cp, *next, *range;
	unsigned int i = 0;

	if (strlen(arg) >= sizeof(buf))
		return xt_error(ps, "too many ports specified in \"%s\"", arg);
	strcpy(buf, arg);
	for (cp = buf; cp; cp = next, i++) {
		if (i == MULTIPORT_MAX)
			return xt_error(ps, "too many ports specified in \"%s\" (at most %u, "
					    "a range counts 2)", arg, MULTIPORT_MAX);
		next = strchr(cp, ',');
		if (next)
			*next++ = '\0';
		range = strchr(cp, ':');
		if (range) {
			if (i == MULTIPORT_MAX - 1)
				return xt_error(ps, "too many ports specified in \"%s\" (at most "
						    "%u, a range counts 2)", arg, MULTIPORT_MAX);
			*range++ = '\0';
		}
		if (xt_parse_port(ps, opt, cp, proto, &m->ports[i]) < 0)
			return -EINVAL;
		if (!range)
			continue;
		m->pflags[i] = 1;
		if (xt_parse_port(ps, opt, range, proto, &m->ports[++i]) < 0)
			return -EINVAL;
		if (m->ports[i - 1] >= m->ports[i])
			return xt_error(ps, "invalid port range \"%s:%s\" for %s (min >= max)", cp,
					range, opt);
	}
	m->count = (uint8_t)i;
	return 0;
}

static int multiport_parse(void *data, int id, const char *arg, bool invert,
			   struct xt_parse *ps)
{
	struct multiport_match *m = data;

	if (id < MP_O_SPORTS || id > MP_O_PORTS)
		return xt_error(ps, "multiport: unknown option id %d", id);
	if (m->seen == id)
		return xt_error(ps, "multiport: option \"%s\" can only be used once",
				multiport_opt_names[id]);
	if (m->seen)
		return xt_error(ps, "multiport: option \"%s\" cannot be used together with \"%s\"",
				multiport_opt_names[m->seen], multiport_opt_names[id]);
	m->seen = (uint8_t)id;
	if (multiport_proto_ok(ps, ps->proto, ps->proto_inv) < 0 ||
	    multiport_parse_list(m, multiport_opt_names[id], arg,
				 multiport_proto_name(ps->proto), ps) < 0)
		return -EINVAL;
	m->flags = id == MP_O_SPORTS ? MP_SOURCE : id == MP_O_DPORTS ? MP_DESTINATION : MP_EITHER;
	m->invert = invert;
	return 0;
}

static int multiport_final(void *data, struct xt_parse *ps)
{
	struct multiport_match *m = data;

	if (!m->seen)
		return xt_error(ps, "multiport needs one of --sports, --dports or --ports");
	m->seen = 0;
	return 0;
}

static int multiport_check(const void *data, const struct xt_check *chk)
{
	const struct multiport_match *m = data;

	if (m->count > MULTIPORT_MAX || m->flags > MP_EITHER)
		return xt_error(chk->ps, "multiport: bad port list");
	return multiport_proto_ok(chk->ps, chk->proto, chk->proto_inv);
}

/* ports_match_v1(): the first slot that holds the port decides. */
static bool multiport_ports_match(const struct multiport_match *m, uint16_t src, uint16_t dst)
{
	unsigned int i;
	uint16_t s, e;

	for (i = 0; i < m->count; i++) {
		s = m->ports[i];
		e = m->pflags[i] && i + 1 < m->count ? m->ports[++i] : s;
		if ((m->flags != MP_DESTINATION && src >= s && src <= e) ||
		    (m->flags != MP_SOURCE && dst >= s && dst <= e))
			return !m->invert;
	}
	return m->invert;
}

static bool multiport_match(const void *data, void *state, struct xt_ctx *ctx)
{
	const struct multiport_match *m = data;
	const uint8_t *pp;

	if (ctx->fragoff)
		return false;
	pp = xt_l4(ctx, 4);
	if (!pp) {
		ctx->hotdrop = true;
		return false;
	}
	return multiport_ports_match(m, (uint16_t)(pp[0] << 8 | pp[1]),
				     (uint16_t)(pp[2] << 8 | pp[3]));
}

static void multiport_print(const void *data, struct out *o)
{
	static const char *const opt[] = { "--sports", "--dports", "--ports" };
	const struct multiport_match *m = data;
	unsigned int i;

	out_text(o, "%s %s ", m->invert ? " !" : "", opt[m->flags <= MP_EITHER ? m->flags : 0]);
	for (i = 0; i < m->count; i++) {
		out_text(o, "%s%u", i ? "," : "", m->ports[i]);
		if (m->pflags[i] && i + 1 < m->count)
			out_text(o, ":%u", m->ports[++i]);
	}
}

const struct xt_match_ops match_multiport_ops = {
	.name = "multiport",
	.size = sizeof(struct multiport_match),
	.opts = multiport_opts,
	.parse = multiport_parse,
	.final = multiport_final,
	.check = multiport_check,
	.match = multiport_match,
	.print = multiport_print,
};
