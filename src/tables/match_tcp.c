// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * -m tcp (loaded implicitly by "-p tcp" and one of its options): source and
 * destination port ranges, the flags byte under a mask, and the presence of
 * one TCP option. Option names and save text of iptables' libxt_tcp.c.
 *
 * It runs as the nft back end of iptables (the reference) runs it: as
 * native nf_tables loads and compares (see xt.c) unless the match has
 * --tcp-option or tests nothing at all; those stay x_tables matches with
 * the semantics of the kernel's xt_tcpudp.c tcp_mt(), hotdrops included.
 *
 * Inputs the two iptables back ends disagree on are normalised by final()
 * the way the nft back end runs and prints them, so that what print()
 * shows is exactly what match() does:
 *   "! --sport 0:65535"  the full range inverted tests nothing;
 *   "--tcp-flags NONE X" a zero mask tests nothing, inverted or not;
 * both are then absent from the saved text, as iptables-save shows; and
 *   "! --sport :1024"    is saved as "--sport 1025:65535" (same packets).
 * One difference is left: iptables-nft emits no expression at all for a
 * match reduced to nothing that way, so it takes every TCP packet, even a
 * truncated one or a fragment; here it is the x_tables match that tests
 * nothing (what its saved text "-p tcp -m tcp" loads), which drops a
 * truncated header and passes over fragments.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <strings.h>
#include "tables/xt.h"

enum {
	TCP_O_SPORT = 1,
	TCP_O_DPORT,
	TCP_O_FLAGS,
	TCP_O_SYN,
	TCP_O_OPTION,
};

/* The kernel's XT_TCP_INV_* bits. */
enum {
	TCP_INV_SRCPT = 1u << 0,
	TCP_INV_DSTPT = 1u << 1,
	TCP_INV_FLAGS = 1u << 2,
	TCP_INV_OPTION = 1u << 3,
};

/* Options already given on this match (parsing only; final() clears). */
enum {
	TCP_SEEN_SPORT = 1u << 0,
	TCP_SEEN_DPORT = 1u << 1,
	TCP_SEEN_FLAGS = 1u << 2, /* --tcp-flags or --syn */
	TCP_SEEN_OPTION = 1u << 3,
};

#define TCP_FLAGS_ALL 0x3fu
/* --syn: SYN set with FIN, RST and ACK clear. */
#define TCP_SYN_MASK 0x17u
#define TCP_SYN_CMP 0x02u

/* The kernel's struct xt_tcp; every byte defined, so equal rules compare
 * equal with memcmp. */
struct tcp_match {
	uint16_t spts[2];
	uint16_t dpts[2];
	uint8_t option;   /* 0: no --tcp-option */
	uint8_t flg_mask;
	uint8_t flg_cmp;
	uint8_t invflags; /* TCP_INV_* */
	uint8_t seen;     /* TCP_SEEN_*, zero once parsed */
	uint8_t pad[3];
};

static const struct xt_option tcp_opts[] = {
	{ .name = "--sport", .id = TCP_O_SPORT, .has_arg = true, .invertible = true },
	{ .name = "--source-port", .id = TCP_O_SPORT, .has_arg = true, .invertible = true },
	{ .name = "--dport", .id = TCP_O_DPORT, .has_arg = true, .invertible = true },
	{ .name = "--destination-port", .id = TCP_O_DPORT, .has_arg = true,
	  .invertible = true },
	{ .name = "--tcp-flags", .id = TCP_O_FLAGS, .has_arg = true, .invertible = true,
	  .two_args = true },
	{ .name = "--syn", .id = TCP_O_SYN, .invertible = true },
	{ .name = "--tcp-option", .id = TCP_O_OPTION, .has_arg = true, .invertible = true },
	{ .name = NULL },
};

/* libxt_tcp's names, in the order iptables prints them; ALL and NONE are
 * accepted in input only. */
static const struct {
	const char *name;
	uint8_t flag;
} tcp_flag_names[] = {
	{ "FIN", 0x01 }, { "SYN", 0x02 }, { "RST", 0x04 }, { "PSH", 0x08 },
	{ "ACK", 0x10 }, { "URG", 0x20 }, { "ALL", TCP_FLAGS_ALL }, { "NONE", 0 },
};

#define TCP_N_FLAG_NAMES (sizeof(tcp_flag_names) / sizeof(tcp_flag_names[0]))

/* A comma-separated list of flag names, case-insensitive; empty items are
 * skipped as iptables' strtok() does. */
static int tcp_parse_flag_list(struct xt_parse *ps, char *list, uint8_t *out)
{
	char *save = NULL, *tok;
	unsigned int i;

	*out = 0;
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < TCP_N_FLAG_NAMES; i++)
			if (strcasecmp(tcp_flag_names[i].name, tok) == 0)
				break;
		if (i == TCP_N_FLAG_NAMES)
			return xt_error(ps, "unknown TCP flag \"%s\"", tok);
		*out |= tcp_flag_names[i].flag;
	}
	return 0;
}

static int tcp_parse_flags(struct tcp_match *t, const char *arg, struct xt_parse *ps)
{
	char buf[128];
	char *space;

	if (strlen(arg) >= sizeof(buf))
		return xt_error(ps, "\"%s\" is not a valid argument for --tcp-flags", arg);
	strcpy(buf, arg);
	space = strchr(buf, ' ');
	if (!space)
		return xt_error(ps, "--tcp-flags requires two args (MASK COMP), got \"%s\"", arg);
	*space++ = '\0';
	if (strchr(space, ' '))
		return xt_error(ps, "--tcp-flags requires two args (MASK COMP), got \"%s\"", arg);
	if (tcp_parse_flag_list(ps, buf, &t->flg_mask) < 0 ||
	    tcp_parse_flag_list(ps, space, &t->flg_cmp) < 0)
		return -EINVAL;
	return 0;
}

static int tcp_once(struct tcp_match *t, uint8_t bit, const char *opt, struct xt_parse *ps)
{
	if (t->seen & bit) {
		if (bit == TCP_SEEN_FLAGS)
			return xt_error(ps, "only one of \"--syn\" or \"--tcp-flags\" allowed");
		return xt_error(ps, "tcp: option \"%s\" can only be used once", opt);
	}
	t->seen |= bit;
	return 0;
}

static int tcp_parse(void *data, int id, const char *arg, bool invert, struct xt_parse *ps)
{
	struct tcp_match *t = data;
	uint32_t v;

	switch (id) {
	case TCP_O_SPORT:
		if (tcp_once(t, TCP_SEEN_SPORT, "--sport", ps) < 0 ||
		    xt_parse_port_range_proto(ps, "--sport", arg, "tcp", &t->spts[0],
					      &t->spts[1]) < 0)
			return -EINVAL;
		if (invert)
			t->invflags |= TCP_INV_SRCPT;
		return 0;
	case TCP_O_DPORT:
		if (tcp_once(t, TCP_SEEN_DPORT, "--dport", ps) < 0 ||
		    xt_parse_port_range_proto(ps, "--dport", arg, "tcp", &t->dpts[0],
					      &t->dpts[1]) < 0)
			return -EINVAL;
		if (invert)
			t->invflags |= TCP_INV_DSTPT;
		return 0;
	case TCP_O_FLAGS:
		if (tcp_once(t, TCP_SEEN_FLAGS, "--tcp-flags", ps) < 0 ||
		    tcp_parse_flags(t, arg, ps) < 0)
			return -EINVAL;
		if (invert)
			t->invflags |= TCP_INV_FLAGS;
		return 0;
	case TCP_O_SYN:
		if (tcp_once(t, TCP_SEEN_FLAGS, "--syn", ps) < 0)
			return -EINVAL;
		t->flg_mask = TCP_SYN_MASK;
		t->flg_cmp = TCP_SYN_CMP;
		if (invert)
			t->invflags |= TCP_INV_FLAGS;
		return 0;
	case TCP_O_OPTION:
		if (tcp_once(t, TCP_SEEN_OPTION, "--tcp-option", ps) < 0 ||
		    xt_parse_u32(ps, "--tcp-option", arg, 1, 255, &v) < 0)
			return -EINVAL;
		t->option = (uint8_t)v;
		if (invert)
			t->invflags |= TCP_INV_OPTION;
		return 0;
	}
	return xt_error(ps, "tcp: unknown option id %d", id);
}

static int tcp_final(void *data, struct xt_parse *ps)
{
	struct tcp_match *t = data;

	if (!(t->seen & TCP_SEEN_SPORT))
		t->spts[1] = 0xffff;
	if (!(t->seen & TCP_SEEN_DPORT))
		t->dpts[1] = 0xffff;
	xt_ports_norm_range(t->spts, &t->invflags, TCP_INV_SRCPT, !t->option);
	xt_ports_norm_range(t->dpts, &t->invflags, TCP_INV_DSTPT, !t->option);
	if (!t->flg_mask) {
		t->flg_cmp = 0;
		t->invflags &= (uint8_t)~TCP_INV_FLAGS;
	}
	t->seen = 0;
	return 0;
}

/* x_tables refuses the match unless the rule says "-p tcp" (not inverted). */
static int tcp_check(const void *data, const struct xt_check *chk)
{
	if (chk->proto != IPPROTO_TCP || chk->proto_inv)
		return xt_error(chk->ps, "TCP match requires '-p tcp'");
	return 0;
}

/*
 * Walk the options as the kernel's tcp_find_option(): kinds 0 and 1 are
 * one byte, any other takes its length byte, and a length of 0 (or one
 * missing at the end) advances by one so the walk always ends. A malformed
 * length is not an error; it only ends the walk early.
 */
static bool tcp_find_option(const uint8_t *op, unsigned int optlen, uint8_t option)
{
	unsigned int i = 0;

	while (i < optlen) {
		if (op[i] == option)
			return true;
		if (op[i] < 2 || i + 1 >= optlen || op[i + 1] == 0)
			i++;
		else
			i += op[i + 1];
	}
	return false;
}

/* Stays an x_tables match under iptables-nft (add_nft_tcp()). */
static bool tcp_is_xt(const struct tcp_match *t)
{
	return t->option || (t->invflags & TCP_INV_OPTION) ||
	       (xt_ports_full(t->spts) && xt_ports_full(t->dpts) && !t->flg_mask && !t->invflags);
}

/* The kernel's tcp_mt(). */
static bool tcp_match_xt(const struct tcp_match *t, struct xt_ctx *ctx)
{
	const struct tcphdr *th;
	unsigned int hlen, optlen;
	bool flags_ok, found;

	if (ctx->fragoff) {
		/* A fragment at offset 8 could overwrite the flags of the
		 * first one: the kernel drops it (xt_tcpudp's "evil TCP
		 * offset=1 frag"; its fragoff counts 8-byte units). */
		if (ctx->fragoff == 8)
			ctx->hotdrop = true;
		return false;
	}
	th = xt_l4(ctx, sizeof(*th));
	if (!th) {
		ctx->hotdrop = true;
		return false;
	}
	if (!xt_port_in(t->spts, ntohs(th->source), t->invflags & TCP_INV_SRCPT) ||
	    !xt_port_in(t->dpts, ntohs(th->dest), t->invflags & TCP_INV_DSTPT))
		return false;
	flags_ok = (((const uint8_t *)th)[13] & t->flg_mask) == t->flg_cmp;
	if (flags_ok == !!(t->invflags & TCP_INV_FLAGS))
		return false;
	if (!t->option)
		return true;
	hlen = (unsigned int)th->doff * 4u;
	if (hlen < sizeof(*th)) {
		ctx->hotdrop = true;
		return false;
	}
	optlen = hlen - (unsigned int)sizeof(*th);
	if (!optlen)
		return !!(t->invflags & TCP_INV_OPTION);
	if (ctx->thoff + hlen > ctx->p->len) {
		ctx->hotdrop = true;
		return false;
	}
	found = tcp_find_option((const uint8_t *)th + sizeof(*th), optlen, t->option);
	return found ^ !!(t->invflags & TCP_INV_OPTION);
}

/* add_nft_tcp(): "tcp flags & mask ==/!= cmp", then the ports; every
 * field loaded alone, a missing one fails the rule without a drop. */
static bool tcp_match_nft(const struct tcp_match *t, const struct xt_ctx *ctx)
{
	const uint8_t *th = ctx->p->data + ctx->thoff;
	unsigned int avail = ctx->p->len > ctx->thoff ? ctx->p->len - ctx->thoff : 0;

	if (ctx->fragoff)
		return false;
	if (t->flg_mask) {
		if (avail < 14)
			return false;
		if (((th[13] & t->flg_mask) == t->flg_cmp) == !!(t->invflags & TCP_INV_FLAGS))
			return false;
	}
	return xt_ports_nft_match(t->spts, t->invflags & TCP_INV_SRCPT, t->dpts,
				t->invflags & TCP_INV_DSTPT, th, avail);
}

static bool tcp_match(const void *data, void *state, struct xt_ctx *ctx)
{
	const struct tcp_match *t = data;

	return tcp_is_xt(t) ? tcp_match_xt(t, ctx) : tcp_match_nft(t, ctx);
}

static void tcp_print_flags(struct out *o, uint8_t flags)
{
	unsigned int i;
	bool first = true;

	if (!flags) {
		out_text(o, "NONE");
		return;
	}
	for (i = 0; i < 6; i++) {
		if (!(flags & tcp_flag_names[i].flag))
			continue;
		out_text(o, "%s%s", first ? "" : ",", tcp_flag_names[i].name);
		first = false;
	}
}

static void tcp_print(const void *data, struct out *o)
{
	const struct tcp_match *t = data;

	xt_ports_print(o, "--sport", t->spts, t->invflags & TCP_INV_SRCPT);
	xt_ports_print(o, "--dport", t->dpts, t->invflags & TCP_INV_DSTPT);
	if (t->option || (t->invflags & TCP_INV_OPTION))
		out_text(o, "%s --tcp-option %u", t->invflags & TCP_INV_OPTION ? " !" : "",
			 t->option);
	if (t->flg_mask || (t->invflags & TCP_INV_FLAGS)) {
		out_text(o, "%s --tcp-flags ", t->invflags & TCP_INV_FLAGS ? " !" : "");
		tcp_print_flags(o, t->flg_mask);
		out_text(o, " ");
		tcp_print_flags(o, t->flg_cmp);
	}
}

const struct xt_match_ops match_tcp_ops = {
	.name = "tcp",
	.size = sizeof(struct tcp_match),
	.proto = IPPROTO_TCP,
	.opts = tcp_opts,
	.parse = tcp_parse,
	.final = tcp_final,
	.check = tcp_check,
	.match = tcp_match,
	.print = tcp_print,
};
