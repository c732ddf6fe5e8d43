// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * NAT range options (see range.h). Messages are iptables 1.8.9's
 * (libxt_NAT.c), checked against it; the proto check is done at final()
 * as iptables does it at parse time, since it needs the rule's -p.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/hook.h"
#include "nat/range.h"

/* "80", "http"; false when neither. */
static bool nat_range_port(const char *s, const char **end, unsigned int *port)
{
	char *e;
	unsigned long v;

	if (*s >= '0' && *s <= '9') {
		v = strtoul(s, &e, 0);
		if (v > 65535)
			return false;
		*port = (unsigned int)v;
		*end = e;
		return true;
	}
	return false;
}

int nat_range_parse_ports(struct nat_range *r, const char *arg, struct xt_parse *ps)
{
	unsigned int lo, hi;
	const char *end;

	if (!nat_range_port(arg, &end, &lo))
		return xt_error(ps, "Port `%s' not valid", arg);
	r->flags |= NAT_F_PROTO_SPECIFIED;
	switch (*end) {
	case '\0':
		r->min_port = r->max_port = (uint16_t)lo;
		return 0;
	case '-':
		break;
	case ':':
		return xt_error(ps, "Invalid port:port syntax - use dash");
	default:
		return xt_error(ps, "Garbage after port value: `%s'", end);
	}
	arg = end + 1;
	if (!nat_range_port(arg, &end, &hi))
		return xt_error(ps, "Port `%s' not valid", arg);
	if (hi < lo)
		return xt_error(ps, "Port range `%s' funky", arg);
	if (*end)
		return xt_error(ps, "Garbage after port range: `%s'", end);
	r->min_port = (uint16_t)lo;
	r->max_port = (uint16_t)hi;
	return 0;
}

static int nat_range_addr(const char *s, uint32_t *addr, struct xt_parse *ps)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return xt_error(ps, "Bad IP address \"%s\"", s);
	*addr = a.s_addr;
	return 0;
}

int nat_range_parse_to(struct nat_range *r, const char *arg, struct xt_parse *ps)
{
	char buf[64];
	char *colon, *dash;

	if (strlen(arg) >= sizeof(buf))
		return xt_error(ps, "Bad IP address \"%s\"", arg);
	strcpy(buf, arg);
	colon = strchr(buf, ':');
	if (colon) {
		if (nat_range_parse_ports(r, colon + 1, ps) < 0)
			return -EINVAL;
		if (colon == buf)
			return 0;
		*colon = '\0';
	}
	r->flags |= NAT_F_MAP_IPS;
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (nat_range_addr(buf, &r->min_addr, ps) < 0)
		return -EINVAL;
	r->max_addr = r->min_addr;
	if (dash && nat_range_addr(dash + 1, &r->max_addr, ps) < 0)
		return -EINVAL;
	return 0;
}

int nat_range_check_proto(const struct nat_range *r, struct xt_parse *ps)
{
	bool portok = !ps->proto_inv &&
		      (ps->proto == IPPROTO_TCP || ps->proto == IPPROTO_UDP ||
		       ps->proto == IPPROTO_SCTP || ps->proto == IPPROTO_DCCP ||
		       ps->proto == IPPROTO_ICMP);

	if ((r->flags & NAT_F_PROTO_SPECIFIED) && !portok)
		return xt_error(ps, "Need TCP, UDP, SCTP or DCCP with port specification");
	return 0;
}

void nat_range_print(const struct nat_range *r, const char *opt, struct out *o)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	if (opt) {
		out_text(o, " %s ", opt);
		if (r->flags & NAT_F_MAP_IPS) {
			inet_ntop(AF_INET, &r->min_addr, a, sizeof(a));
			out_text(o, "%s", a);
			if (r->max_addr != r->min_addr) {
				inet_ntop(AF_INET, &r->max_addr, b, sizeof(b));
				out_text(o, "-%s", b);
			}
		}
		if (r->flags & NAT_F_PROTO_SPECIFIED)
			out_text(o, ":");
	} else if (r->flags & NAT_F_PROTO_SPECIFIED) {
		out_text(o, " --to-ports ");
	}
	if (r->flags & NAT_F_PROTO_SPECIFIED) {
		out_text(o, "%u", r->min_port);
		if (r->max_port != r->min_port)
			out_text(o, "-%u", r->max_port);
	}
	if (r->flags & NAT_F_RANDOM)
		out_text(o, " --random");
	if (r->flags & NAT_F_RANDOM_FULLY)
		out_text(o, " --random-fully");
	if (r->flags & NAT_F_PERSISTENT)
		out_text(o, " --persistent");
}

static size_t nat_range_hooks_text(char *buf, size_t len, unsigned int mask)
{
	const char *sep = "";
	size_t n = 0;
	unsigned int h;

	buf[0] = '\0';
	for (h = 0; h < HOOK_MAX && n < len; h++) {
		if (!(mask & (1u << h)))
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s", sep, xt_hook_chain_name(h));
		sep = "/";
	}
	return n;
}

int nat_range_check_hooks(const char *target, const struct xt_check *chk, unsigned int allowed)
{
	char used[64], ok[64];

	if (chk->table != XT_TABLE_NAT)
		return xt_error(chk->ps, "%s target: only valid in nat table, not %s", target,
				xt_table_name(chk->table));
	if (chk->hook_mask & ~allowed) {
		nat_range_hooks_text(used, sizeof(used), chk->hook_mask);
		nat_range_hooks_text(ok, sizeof(ok), allowed);
		return xt_error(chk->ps, "%s target: used from hooks %s, but only usable from %s",
				target, used, ok);
	}
	return 0;
}
