// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ICMP (nf_conntrack_proto_icmp).
 *
 * Queries and their replies are connections keyed by identifier: an echo
 * request (or timestamp, information, address mask request) starts one,
 * the matching reply type answers it; icmp_timeout (30 s) after each
 * packet. A reply with no request, or any other type, creates nothing:
 * INVALID.
 *
 * Errors (destination unreachable, source quench, redirect, time exceeded,
 * parameter problem) carry the header of the packet they are about. The
 * tuple of that inner header, inverted, is looked up: the error belongs
 * to the connection found (RELATED, or RELATED_REPLY when it travels in
 * the reply direction), if the outer destination is where that direction
 * goes; otherwise it is INVALID. An error never creates an entry.
 */
#include <arpa/inet.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include "conntrack/proto.h"
#include "conntrack/table.h"
#include "core/icmp.h"
#include "core/ipv4.h"

#define CT_ICMP_NR_TYPES 18u

static bool ct_icmp_tuple(struct ct_tuple *t, const uint8_t *l4, unsigned int len)
{
	const struct icmphdr *ih = (const struct icmphdr *)l4;

	if (len < sizeof(*ih))
		return false;
	t->s.id = ih->un.echo.id;
	t->d.icmp.type = ih->type;
	t->d.icmp.code = ih->code;
	return true;
}

/* Request <-> reply, as the kernel's invmap (0: no answer). */
static uint8_t ct_icmp_answer(uint8_t type)
{
	static const uint8_t inv[] = {
		[ICMP_ECHO] = ICMP_ECHOREPLY + 1,
		[ICMP_ECHOREPLY] = ICMP_ECHO + 1,
		[ICMP_TIMESTAMP] = ICMP_TIMESTAMPREPLY + 1,
		[ICMP_TIMESTAMPREPLY] = ICMP_TIMESTAMP + 1,
		[ICMP_INFO_REQUEST] = ICMP_INFO_REPLY + 1,
		[ICMP_INFO_REPLY] = ICMP_INFO_REQUEST + 1,
		[ICMP_ADDRESS] = ICMP_ADDRESSREPLY + 1,
		[ICMP_ADDRESSREPLY] = ICMP_ADDRESS + 1,
	};

	return type < sizeof(inv) ? inv[type] : 0;
}

static bool ct_icmp_invert(struct ct_tuple *inv, const struct ct_tuple *t)
{
	uint8_t a = ct_icmp_answer(t->d.icmp.type);

	if (!a)
		return false;
	inv->s.id = t->s.id;
	inv->d.icmp.type = (uint8_t)(a - 1u);
	inv->d.icmp.code = t->d.icmp.code;
	return true;
}

/* nf_conntrack_inet_error: which connection is the error about? */
static int ct_icmp_related(const struct ct_l4_ctx *c)
{
	const uint8_t *in = c->l4 + sizeof(struct icmphdr);
	unsigned int len = c->l4len - (unsigned int)sizeof(struct icmphdr), ihl;
	const struct iphdr *iip = (const struct iphdr *)in;
	struct ct_tuple orig, inner;
	struct ct_entry *e;
	enum ct_dir dir;

	/* The quoted header: whole, not a later fragment, with its ports. */
	if (len < sizeof(*iip) || iip->ihl < 5 || (ihl = iip->ihl * 4u) > len ||
	    (ntohs(iip->frag_off) & IPV4_OFFMASK))
		return CT_R_INVALID;
	if (!ct_tuple_from_l4(&orig, iip->saddr, iip->daddr, iip->protocol, in + ihl, len - ihl))
		return CT_R_INVALID;
	/* The quoted packet went the other way: its answer is ours. */
	if (!ct_tuple_invert(&inner, &orig))
		return CT_R_INVALID;
	e = ct_table_find(c->t, &inner, &dir);
	if (!e)
		return CT_R_INVALID;
	/* An error from B about T's packet to B must go to T; anything else
	 * only pretends to belong here. */
	if (e->th[dir].t.dst != ipv4_hdr(c->p)->daddr)
		return CT_R_INVALID;
	ct_table_get(e);
	c->p->ct = e;
	c->p->ctinfo = dir == CT_DIR_REPLY ? CT_RELATED_REPLY : CT_RELATED;
	return CT_R_HANDLED;
}

static int ct_icmp_error(const struct ct_l4_ctx *c)
{
	const struct icmphdr *ih = (const struct icmphdr *)c->l4;

	if (c->l4len < sizeof(*ih) || ct_proto_csum_bad(c, false) || ih->type > CT_ICMP_NR_TYPES)
		goto bad;
	if (!icmp_is_err(ih->type))
		return CT_R_ACCEPT;
	if (ct_icmp_related(c) == CT_R_HANDLED)
		return CT_R_HANDLED;
bad:
	/* As the kernel: counted as error, not invalid, and no entry. */
	c->t->st.error++;
	return CT_R_HANDLED;
}

static int ct_icmp_packet(struct ct_entry *e, const struct ct_l4_ctx *c, enum ct_dir dir,
			  uint8_t ctinfo)
{
	switch (e->th[CT_DIR_ORIGINAL].t.d.icmp.type) {
	case ICMP_ECHO:
	case ICMP_TIMESTAMP:
	case ICMP_INFO_REQUEST:
	case ICMP_ADDRESS:
		break;
	default:
		return CT_R_INVALID; /* a reply (or anything else) cannot start one */
	}
	ct_table_refresh(c->t, e, c->t->cfg.timeout_ms[CT_TO_ICMP]);
	return CT_R_ACCEPT;
}

const struct ct_proto_ops ct_icmp_ops = {
	.proto = IPPROTO_ICMP,
	.name = "icmp",
	.tuple = ct_icmp_tuple,
	.invert = ct_icmp_invert,
	.error = ct_icmp_error,
	.packet = ct_icmp_packet,
};
