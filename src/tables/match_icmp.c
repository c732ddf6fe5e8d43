// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * -m icmp (loaded implicitly by "-p icmp --icmp-type ..."): the type and a
 * range of codes. Semantics of the kernel's ip_tables.c icmp_match(), the
 * names and the save text of iptables' libxt_icmp: a name is any
 * unambiguous prefix of one in icmp_names (case-insensitive), otherwise
 * TYPE or TYPE/CODE with numbers in C syntax (8, 0x8, 010). Type 255 is
 * "any": it matches every ICMP packet whatever its code, and is saved as
 * "any". iptables-save prints numbers, never names: "port-unreachable" is
 * saved as "3/3".
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "tables/xt.h"

enum {
	ICMP_O_TYPE = 1,
};

#define ICMP_ANY 0xffu

/* The kernel's struct ipt_icmp; every byte defined. */
struct icmp_match {
	uint8_t type;
	uint8_t code[2];  /* min, max */
	uint8_t invert;
	uint8_t seen;     /* --icmp-type given (parsing only) */
	uint8_t pad[3];
};

static const struct xt_option icmp_opts[] = {
	{ .name = "--icmp-type", .id = ICMP_O_TYPE, .has_arg = true, .invertible = true },
	{ .name = NULL },
};

/* libxt_icmp.h's icmp_codes[], in its order (which decides the names an
 * ambiguity message offers). */
static const struct {
	const char *name;
	uint8_t type, code_min, code_max;
} icmp_names[] = {
	{ "any", ICMP_ANY, 0, 0xff },
	{ "echo-reply", 0, 0, 0xff },
	{ "pong", 0, 0, 0xff },
	{ "destination-unreachable", 3, 0, 0xff },
	{ "network-unreachable", 3, 0, 0 },
	{ "host-unreachable", 3, 1, 1 },
	{ "protocol-unreachable", 3, 2, 2 },
	{ "port-unreachable", 3, 3, 3 },
	{ "fragmentation-needed", 3, 4, 4 },
	{ "source-route-failed", 3, 5, 5 },
	{ "network-unknown", 3, 6, 6 },
	{ "host-unknown", 3, 7, 7 },
	{ "network-prohibited", 3, 9, 9 },
	{ "host-prohibited", 3, 10, 10 },
	{ "TOS-network-unreachable", 3, 11, 11 },
	{ "TOS-host-unreachable", 3, 12, 12 },
	{ "communication-prohibited", 3, 13, 13 },
	{ "host-precedence-violation", 3, 14, 14 },
	{ "precedence-cutoff", 3, 15, 15 },
	{ "source-quench", 4, 0, 0xff },
	{ "redirect", 5, 0, 0xff },
	{ "network-redirect", 5, 0, 0 },
	{ "host-redirect", 5, 1, 1 },
	{ "TOS-network-redirect", 5, 2, 2 },
	{ "TOS-host-redirect", 5, 3, 3 },
	{ "echo-request", 8, 0, 0xff },
	{ "ping", 8, 0, 0xff },
	{ "router-advertisement", 9, 0, 0xff },
	{ "router-solicitation", 10, 0, 0xff },
	{ "time-exceeded", 11, 0, 0xff },
	{ "ttl-exceeded", 11, 0, 0xff },
	{ "ttl-zero-during-transit", 11, 0, 0 },
	{ "ttl-zero-during-reassembly", 11, 1, 1 },
	{ "parameter-problem", 12, 0, 0xff },
	{ "ip-header-bad", 12, 0, 0 },
	{ "required-option-missing", 12, 1, 1 },
	{ "timestamp-request", 13, 0, 0xff },
	{ "timestamp-reply", 14, 0, 0xff },
	{ "address-mask-request", 17, 0, 0xff },
	{ "address-mask-reply", 18, 0, 0xff },
};

#define ICMP_N_NAMES (sizeof(icmp_names) / sizeof(icmp_names[0]))

/* A number 0..255 in C syntax, nothing else (no sign, blank or junk). */
static int icmp_number(const char *s, uint8_t *out)
{
	uint32_t v;

	if (xt_strtou32(s, 255, &v) < 0)
		return -EINVAL;
	*out = (uint8_t)v;
	return 0;
}

/* 1: arg names a type (set in i); 0: no name fits; -EINVAL: ambiguous. */
static int icmp_by_name(const char *arg, unsigned int *idx, struct xt_parse *ps)
{
	size_t n = strlen(arg);
	unsigned int i, found = ICMP_N_NAMES;

	if (!n)
		return 0;
	for (i = 0; i < ICMP_N_NAMES; i++) {
		if (strncasecmp(icmp_names[i].name, arg, n) != 0)
			continue;
		if (found != ICMP_N_NAMES)
			return xt_error(ps, "ambiguous ICMP type \"%s\": \"%s\" or \"%s\"?", arg,
					icmp_names[found].name, icmp_names[i].name);
		found = i;
	}
	if (found == ICMP_N_NAMES)
		return 0;
	*idx = found;
	return 1;
}

static int icmp_parse_type(struct icmp_match *m, const char *arg, struct xt_parse *ps)
{
	char buf[32];
	char *slash;
	unsigned int i = 0;
	int ret;

	ret = icmp_by_name(arg, &i, ps);
	if (ret < 0)
		return ret;
	if (ret) {
		m->type = icmp_names[i].type;
		m->code[0] = icmp_names[i].code_min;
		m->code[1] = icmp_names[i].code_max;
		return 0;
	}
	if (strlen(arg) >= sizeof(buf))
		return xt_error(ps, "unknown ICMP type \"%s\"", arg);
	strcpy(buf, arg);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (icmp_number(buf, &m->type) < 0)
		return xt_error(ps, "unknown ICMP type \"%s\"", arg);
	if (!slash) {
		m->code[0] = 0;
		m->code[1] = 0xff;
		return 0;
	}
	if (icmp_number(slash, &m->code[0]) < 0)
		return xt_error(ps, "unknown ICMP code \"%s\"", arg);
	m->code[1] = m->code[0];
	return 0;
}

static int icmp_parse(void *data, int id, const char *arg, bool invert, struct xt_parse *ps)
{
	struct icmp_match *m = data;

	if (id != ICMP_O_TYPE)
		return xt_error(ps, "icmp: unknown option id %d", id);
	if (m->seen)
		return xt_error(ps, "icmp: option \"--icmp-type\" can only be used once");
	m->seen = 1;
	if (icmp_parse_type(m, arg, ps) < 0)
		return -EINVAL;
	m->invert = invert;
	return 0;
}

static int icmp_final(void *data, struct xt_parse *ps)
{
	struct icmp_match *m = data;

	if (!m->seen)
		return xt_error(ps, "icmp: option \"--icmp-type\" must be specified");
	/* "255/4" matches what "any" matches, and is saved as "any". */
	if (m->type == ICMP_ANY) {
		m->code[0] = 0;
		m->code[1] = 0xff;
	}
	m->seen = 0;
	return 0;
}

static int icmp_check(const void *data, const struct xt_check *chk)
{
	if (chk->proto != IPPROTO_ICMP || chk->proto_inv)
		return xt_error(chk->ps, "ICMP match requires '-p icmp'");
	return 0;
}

static bool icmp_match(const void *data, void *state, struct xt_ctx *ctx)
{
	const struct icmp_match *m = data;
	const struct icmphdr *ic;
	bool hit;

	if (ctx->fragoff)
		return false;
	ic = xt_l4(ctx, sizeof(*ic));
	if (!ic) {
		/* Asked to examine a packet it cannot: the kernel drops. */
		ctx->hotdrop = true;
		return false;
	}
	hit = m->type == ICMP_ANY ||
	      (ic->type == m->type && ic->code >= m->code[0] && ic->code <= m->code[1]);
	return hit ^ !!m->invert;
}

static void icmp_print(const void *data, struct out *o)
{
	const struct icmp_match *m = data;

	if (m->invert)
		out_text(o, " !");
	if (m->type == ICMP_ANY) {
		out_text(o, " --icmp-type any");
		return;
	}
	out_text(o, " --icmp-type %u", m->type);
	if (m->code[0] != 0 || m->code[1] != 0xff)
		out_text(o, "/%u", m->code[0]);
}

const struct xt_match_ops match_icmp_ops = {
	.name = "icmp",
	.size = sizeof(struct icmp_match),
	.proto = IPPROTO_ICMP,
	.opts = icmp_opts,
	.parse = icmp_parse,
	.final = icmp_final,
	.check = icmp_check,
	.match = icmp_match,
	.print = icmp_print,
};
