// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * -m conntrack (xt_conntrack.c, revision 3): tests on the packet's
 * connection tracking entry.
 *
 *   --ctstate STATES        INVALID NEW RELATED ESTABLISHED UNTRACKED SNAT DNAT
 *   --ctproto PROTO         the entry's protocol ("all" is 0: never)
 *   --ctorigsrc/--ctorigdst/--ctreplsrc/--ctrepldst ADDR[/MASK]
 *                           the tuples' addresses; host bits are kept and
 *                           compared under the mask, as the kernel does
 *   --ctorigsrcport/--ctorigdstport/--ctreplsrcport/--ctrepldstport N[:M]
 *   --ctstatus STATUSES     NONE EXPECTED SEEN_REPLY ASSURED CONFIRMED: any set
 *   --ctexpire N[:M]        seconds left
 *   --ctdir ORIGINAL|REPLY  (not invertible)
 * Every option but --ctdir takes "!". Without an entry (INVALID,
 * UNTRACKED) the other tests are not made: the rule matches if it has a
 * --ctstate that matched, and never without one (as the kernel).
 *
 * Saved as iptables-nft 1.8.9 prints it (checked with the real iptables):
 * options in the order above, the protocol as a number, /32 dropped, port
 * ranges in full ("10:65535"), the states and statuses in the kernel's
 * order (see match_conntrack_print_states).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "conntrack/entry.h"
#include "conntrack/table.h"
#include "core/router.h"
#include "tables/match_conntrack.h"

/* xt_conntrack's XT_CONNTRACK_* flags, used as option ids too. */
enum {
	CTM_STATE = 1u << 0,
	CTM_PROTO = 1u << 1,
	CTM_ORIGSRC = 1u << 2,
	CTM_ORIGDST = 1u << 3,
	CTM_REPLSRC = 1u << 4,
	CTM_REPLDST = 1u << 5,
	CTM_STATUS = 1u << 6,
	CTM_EXPIRES = 1u << 7,
	CTM_ORIGSRC_PORT = 1u << 8,
	CTM_ORIGDST_PORT = 1u << 9,
	CTM_REPLSRC_PORT = 1u << 10,
	CTM_REPLDST_PORT = 1u << 11,
	CTM_DIRECTION = 1u << 12,
};

/* The four addresses and the four ports, in print order. */
enum { CTM_A_ORIGSRC, CTM_A_ORIGDST, CTM_A_REPLSRC, CTM_A_REPLDST, CTM_A_MAX };

struct ct_match {
	uint16_t flags;            /* CTM_*: the tests given */
	uint16_t invflags;
	uint16_t state_mask;       /* MATCH_CT_* */
	uint16_t status_mask;      /* CT_S_* */
	uint8_t l4proto;
	uint8_t dir;               /* enum ct_dir */
	uint8_t pad[2];
	uint32_t addr[CTM_A_MAX];  /* network order */
	uint32_t mask[CTM_A_MAX];
	uint16_t port[CTM_A_MAX][2];
	uint32_t expires[2];
};

static const struct xt_option ct_opts[] = {
	{ .name = "--ctstate", .id = CTM_STATE, .has_arg = true, .invertible = true },
	{ .name = "--ctproto", .id = CTM_PROTO, .has_arg = true, .invertible = true },
	{ .name = "--ctorigsrc", .id = CTM_ORIGSRC, .has_arg = true, .invertible = true },
	{ .name = "--ctorigdst", .id = CTM_ORIGDST, .has_arg = true, .invertible = true },
	{ .name = "--ctreplsrc", .id = CTM_REPLSRC, .has_arg = true, .invertible = true },
	{ .name = "--ctrepldst", .id = CTM_REPLDST, .has_arg = true, .invertible = true },
	{ .name = "--ctstatus", .id = CTM_STATUS, .has_arg = true, .invertible = true },
	{ .name = "--ctexpire", .id = CTM_EXPIRES, .has_arg = true, .invertible = true },
	{ .name = "--ctorigsrcport", .id = CTM_ORIGSRC_PORT, .has_arg = true, .invertible = true },
	{ .name = "--ctorigdstport", .id = CTM_ORIGDST_PORT, .has_arg = true, .invertible = true },
	{ .name = "--ctreplsrcport", .id = CTM_REPLSRC_PORT, .has_arg = true, .invertible = true },
	{ .name = "--ctrepldstport", .id = CTM_REPLDST_PORT, .has_arg = true, .invertible = true },
	{ .name = "--ctdir", .id = CTM_DIRECTION, .has_arg = true },
	{ .name = NULL },
};

static const char *ct_opt_name(int id)
{
	const struct xt_option *o;

	for (o = ct_opts; o->name; o++)
		if (o->id == id)
			return o->name;
	return "?";
}

/* ---- shared with -m state ---- */

static const struct {
	const char *name;
	uint16_t bit;
} ct_state_names[] = {
	/* iptables' print order */
	{ "INVALID", MATCH_CT_INVALID },
	{ "NEW", MATCH_CT_NEW },
	{ "RELATED", MATCH_CT_RELATED },
	{ "ESTABLISHED", MATCH_CT_ESTABLISHED },
	{ "UNTRACKED", MATCH_CT_UNTRACKED },
	{ "SNAT", MATCH_CT_SNAT },
	{ "DNAT", MATCH_CT_DNAT },
};

#define CT_N_STATES (sizeof(ct_state_names) / sizeof(ct_state_names[0]))

uint16_t match_conntrack_state(const struct xt_ctx *ctx, bool nat)
{
	const struct ct_entry *e = ctx->p->ct;
	uint16_t bits;

	if (!e)
		return ctx->p->ctinfo == CT_UNTRACKED || !ctx->r || !ctx->r->ct ?
			       MATCH_CT_UNTRACKED : MATCH_CT_INVALID;
	/* XT_CONNTRACK_STATE_BIT: ESTABLISHED, RELATED, NEW either way. */
	bits = (uint16_t)(1u << (ctx->p->ctinfo % CT_IS_REPLY + 1u));
	if (nat && (e->status & CT_S_SRC_NAT))
		bits |= MATCH_CT_SNAT;
	if (nat && (e->status & CT_S_DST_NAT))
		bits |= MATCH_CT_DNAT;
	return bits;
}

int match_conntrack_parse_states(struct xt_parse *ps, const char *what, const char *arg,
				 bool nat, uint16_t *mask)
{
	const char *s = arg;
	unsigned int i;

	*mask = 0;
	do {
		size_t n = strcspn(s, ",");

		for (i = 0; i < CT_N_STATES; i++)
			if (strlen(ct_state_names[i].name) == n &&
			    !strncasecmp(s, ct_state_names[i].name, n) &&
			    (nat || !(ct_state_names[i].bit & (MATCH_CT_SNAT | MATCH_CT_DNAT))))
				break;
		if (i == CT_N_STATES)
			return xt_error(ps, "Bad %s \"%.*s\"", what, (int)n, s);
		*mask |= ct_state_names[i].bit;
		s += n;
	} while (*s++ == ',');
	return 0;
}

void match_conntrack_print_states(struct out *o, uint16_t mask)
{
	const char *sep = " ";
	unsigned int i;

	for (i = 0; i < CT_N_STATES; i++) {
		if (mask & ct_state_names[i].bit) {
			out_text(o, "%s%s", sep, ct_state_names[i].name);
			sep = ",";
		}
	}
}

/* ---- parsing ---- */

static const struct {
	const char *name;
	uint16_t bit;
} ct_status_names[] = {
	{ "EXPECTED", CT_S_EXPECTED },
	{ "SEEN_REPLY", CT_S_SEEN_REPLY },
	{ "ASSURED", CT_S_ASSURED },
	{ "CONFIRMED", CT_S_CONFIRMED },
};

#define CT_N_STATUS (sizeof(ct_status_names) / sizeof(ct_status_names[0]))

static int ct_parse_status(struct xt_parse *ps, const char *arg, uint16_t *mask)
{
	const char *s = arg;
	unsigned int i;

	*mask = 0;
	do {
		size_t n = strcspn(s, ",");

		if (n == 4 && !strncasecmp(s, "NONE", 4)) {
			s += n;
			continue;
		}
		for (i = 0; i < CT_N_STATUS; i++)
			if (strlen(ct_status_names[i].name) == n &&
			    !strncasecmp(s, ct_status_names[i].name, n))
				break;
		if (i == CT_N_STATUS)
			return xt_error(ps, "Bad ctstatus \"%.*s\"", (int)n, s);
		*mask |= ct_status_names[i].bit;
		s += n;
	} while (*s++ == ',');
	return 0;
}

static int ct_parse_proto(struct xt_parse *ps, const char *arg, uint8_t *out)
{
	struct protoent pe, *res = NULL;
	char buf[1024];
	uint32_t v;

	if (!strcasecmp(arg, "all")) {
		*out = 0;
		return 0;
	}
	if (isdigit((unsigned char)arg[0])) {
		if (xt_parse_u32(ps, "--ctproto", arg, 0, 255, &v) < 0)
			return -EINVAL;
		*out = (uint8_t)v;
		return 0;
	}
	if (getprotobyname_r(arg, &pe, buf, sizeof(buf), &res) == 0 && res) {
		*out = (uint8_t)res->p_proto;
		return 0;
	}
	/* Known without /etc/protocols. */
	if (!strcasecmp(arg, "tcp") || !strcasecmp(arg, "udp") || !strcasecmp(arg, "icmp")) {
		*out = arg[0] == 't' || arg[0] == 'T' ? 6 : arg[0] == 'u' || arg[0] == 'U' ? 17 : 1;
		return 0;
	}
	return xt_error(ps, "unknown protocol \"%s\" specified", arg);
}

/* A.B.C.D[/LEN|/A.B.C.D]; the address is kept as written (host bits too). */
static int ct_parse_addr(struct xt_parse *ps, const char *opt, const char *arg, uint32_t *addr,
			 uint32_t *mask)
{
	char buf[64], *slash;
	struct in_addr a;
	uint32_t plen;

	if (strlen(arg) >= sizeof(buf))
		return xt_error(ps, "\"%s\" is not a valid address for %s", arg, opt);
	strcpy(buf, arg);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1)
		return xt_error(ps, "\"%s\" is not a valid address for %s", arg, opt);
	*addr = a.s_addr;
	*mask = 0xffffffffu;
	if (!slash)
		return 0;
	if (strchr(slash, '.')) {
		if (inet_pton(AF_INET, slash, &a) != 1)
			return xt_error(ps, "\"%s\" is not a valid mask for %s", slash, opt);
		*mask = a.s_addr;
		return 0;
	}
	if (xt_parse_u32(ps, opt, slash, 0, 32, &plen) < 0)
		return -EINVAL;
	*mask = htonl(plen ? 0xffffffffu << (32 - plen) : 0);
	return 0;
}

static int ct_parse_range(struct xt_parse *ps, const char *opt, const char *arg, uint32_t *v)
{
	char buf[32], *colon;

	if (strlen(arg) >= sizeof(buf))
		return xt_error(ps, "\"%s\" is not a valid range for %s", arg, opt);
	strcpy(buf, arg);
	colon = strchr(buf, ':');
	if (colon)
		*colon++ = '\0';
	if (xt_parse_u32(ps, opt, buf, 0, UINT32_MAX, &v[0]) < 0)
		return -EINVAL;
	v[1] = v[0];
	if (colon && xt_parse_u32(ps, opt, colon, 0, UINT32_MAX, &v[1]) < 0)
		return -EINVAL;
	if (v[0] > v[1])
		return xt_error(ps, "\"%s\": invalid range for %s (min > max)", arg, opt);
	return 0;
}

static int ct_addr_index(int id)
{
	switch (id) {
	case CTM_ORIGSRC:
	case CTM_ORIGSRC_PORT:
		return CTM_A_ORIGSRC;
	case CTM_ORIGDST:
	case CTM_ORIGDST_PORT:
		return CTM_A_ORIGDST;
	case CTM_REPLSRC:
	case CTM_REPLSRC_PORT:
		return CTM_A_REPLSRC;
	default:
		return CTM_A_REPLDST;
	}
}

static int ct_parse(void *data, int id, const char *arg, bool invert, struct xt_parse *ps)
{
	struct ct_match *m = data;
	const char *opt = ct_opt_name(id);
	int a = ct_addr_index(id);

	if (m->flags & id)
		return xt_error(ps, "conntrack: option \"%s\" can only be used once", opt);
	m->flags |= (uint16_t)id;
	if (invert)
		m->invflags |= (uint16_t)id;
	switch (id) {
	case CTM_STATE:
		return match_conntrack_parse_states(ps, "ctstate", arg, true, &m->state_mask);
	case CTM_PROTO:
		return ct_parse_proto(ps, arg, &m->l4proto);
	case CTM_ORIGSRC:
	case CTM_ORIGDST:
	case CTM_REPLSRC:
	case CTM_REPLDST:
		return ct_parse_addr(ps, opt, arg, &m->addr[a], &m->mask[a]);
	case CTM_STATUS:
		return ct_parse_status(ps, arg, &m->status_mask);
	case CTM_EXPIRES:
		return ct_parse_range(ps, opt, arg, m->expires);
	case CTM_DIRECTION:
		if (!strcasecmp(arg, "ORIGINAL"))
			m->dir = CT_DIR_ORIGINAL;
		else if (!strcasecmp(arg, "REPLY"))
			m->dir = CT_DIR_REPLY;
		else
			return xt_error(ps, "conntrack: Bad value for \"--ctdir\" option: \"%s\"",
					arg);
		return 0;
	default:
		return xt_parse_port_range(ps, opt, arg, &m->port[a][0], &m->port[a][1]);
	}
}

static int ct_final(void *data, struct xt_parse *ps)
{
	const struct ct_match *m = data;

	if (!m->flags)
		return xt_error(ps, "conntrack: At least one option is required");
	return 0;
}

/* ---- matching ---- */

static bool ct_test(const struct ct_match *m, unsigned int flag, bool ok)
{
	return !(m->flags & flag) || ok != !!(m->invflags & flag);
}

static bool ct_addr_ok(const struct ct_match *m, int a, uint32_t addr)
{
	return ((addr ^ m->addr[a]) & m->mask[a]) == 0;
}

static bool ct_port_ok(const struct ct_match *m, int a, uint16_t port_be)
{
	uint16_t port = ntohs(port_be);

	return port >= m->port[a][0] && port <= m->port[a][1];
}

static bool ct_match(const void *data, void *state, struct xt_ctx *ctx)
{
	const struct ct_match *m = data;
	const struct ct_entry *e = ctx->p->ct;
	const struct ct_tuple *o, *r;
	uint32_t left;

	if (!ct_test(m, CTM_STATE, !!(match_conntrack_state(ctx, true) & m->state_mask)))
		return false;
	/* No entry: the state test alone decides (the kernel's rule). */
	if (!e)
		return (m->flags & CTM_STATE) != 0;
	o = ct_entry_tuple(e, CT_DIR_ORIGINAL);
	r = ct_entry_tuple(e, CT_DIR_REPLY);
	if ((m->flags & CTM_DIRECTION) && ct_info_dir(ctx->p->ctinfo) != m->dir)
		return false;
	if (!ct_test(m, CTM_ORIGSRC, ct_addr_ok(m, CTM_A_ORIGSRC, o->src)) ||
	    !ct_test(m, CTM_ORIGDST, ct_addr_ok(m, CTM_A_ORIGDST, o->dst)) ||
	    !ct_test(m, CTM_REPLSRC, ct_addr_ok(m, CTM_A_REPLSRC, r->src)) ||
	    !ct_test(m, CTM_REPLDST, ct_addr_ok(m, CTM_A_REPLDST, r->dst)))
		return false;
	if (!ct_test(m, CTM_PROTO, o->proto == m->l4proto) ||
	    !ct_test(m, CTM_ORIGSRC_PORT, ct_port_ok(m, CTM_A_ORIGSRC, o->s.port)) ||
	    !ct_test(m, CTM_ORIGDST_PORT, ct_port_ok(m, CTM_A_ORIGDST, o->d.port)) ||
	    !ct_test(m, CTM_REPLSRC_PORT, ct_port_ok(m, CTM_A_REPLSRC, r->s.port)) ||
	    !ct_test(m, CTM_REPLDST_PORT, ct_port_ok(m, CTM_A_REPLDST, r->d.port)))
		return false;
	if (!ct_test(m, CTM_STATUS, !!(e->status & m->status_mask)))
		return false;
	if (m->flags & CTM_EXPIRES) {
		left = ctx->r && ctx->r->ct ? ct_table_timeout_left(ctx->r->ct, e) : 0;
		if (!ct_test(m, CTM_EXPIRES, left >= m->expires[0] && left <= m->expires[1]))
			return false;
	}
	return true;
}

/* ---- printing ---- */

static void ct_print_opt(struct out *o, const struct ct_match *m, unsigned int flag)
{
	out_text(o, "%s %s", m->invflags & flag ? " !" : "", ct_opt_name((int)flag));
}

static void ct_print_addr(struct out *o, uint32_t addr, uint32_t mask)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	uint32_t hm = ntohl(mask);
	unsigned int plen = 0;

	inet_ntop(AF_INET, &addr, a, sizeof(a));
	while (plen < 32 && (hm & (0x80000000u >> plen)))
		plen++;
	if (plen == 32)
		out_text(o, " %s", a);
	else if (plen == 0 ? hm == 0 : hm == 0xffffffffu << (32 - plen))
		out_text(o, " %s/%u", a, plen);
	else
		out_text(o, " %s/%s", a, inet_ntop(AF_INET, &mask, b, sizeof(b)));
}

static void ct_print(const void *data, struct out *o)
{
	const struct ct_match *m = data;
	unsigned int a, i;

	if (m->flags & CTM_STATE) {
		ct_print_opt(o, m, CTM_STATE);
		match_conntrack_print_states(o, m->state_mask);
	}
	if (m->flags & CTM_PROTO) {
		ct_print_opt(o, m, CTM_PROTO);
		out_text(o, " %u", m->l4proto);
	}
	for (a = 0; a < CTM_A_MAX; a++) {
		if (!(m->flags & (CTM_ORIGSRC << a)))
			continue;
		ct_print_opt(o, m, CTM_ORIGSRC << a);
		ct_print_addr(o, m->addr[a], m->mask[a]);
	}
	for (a = 0; a < CTM_A_MAX; a++) {
		if (!(m->flags & (CTM_ORIGSRC_PORT << a)))
			continue;
		ct_print_opt(o, m, CTM_ORIGSRC_PORT << a);
		out_text(o, " %u", m->port[a][0]);
		if (m->port[a][0] != m->port[a][1])
			out_text(o, ":%u", m->port[a][1]);
	}
	if (m->flags & CTM_STATUS) {
		const char *sep = " ";

		ct_print_opt(o, m, CTM_STATUS);
		for (i = 0; i < CT_N_STATUS; i++) {
			if (m->status_mask & ct_status_names[i].bit) {
				out_text(o, "%s%s", sep, ct_status_names[i].name);
				sep = ",";
			}
		}
		if (!m->status_mask)
			out_text(o, " NONE");
	}
	if (m->flags & CTM_EXPIRES) {
		ct_print_opt(o, m, CTM_EXPIRES);
		out_text(o, " %u", m->expires[0]);
		if (m->expires[0] != m->expires[1])
			out_text(o, ":%u", m->expires[1]);
	}
	if (m->flags & CTM_DIRECTION)
		out_text(o, " --ctdir %s", m->dir == CT_DIR_REPLY ? "REPLY" : "ORIGINAL");
}

const struct xt_match_ops match_conntrack_ops = {
	.name = "conntrack",
	.size = sizeof(struct ct_match),
	.opts = ct_opts,
	.parse = ct_parse,
	.final = ct_final,
	.match = ct_match,
	.print = ct_print,
	.needs_ct = true,
};
