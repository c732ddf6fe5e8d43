// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * NAT packet rewriting (see manip.h). Every field is at an even offset from
 * the start of the ICMP header it may be quoted in, so one RFC 1624 update
 * per changed word keeps the ICMP checksum right without summing the data.
 */
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include "core/csum.h"
#include "core/ipv4.h"
#include "nat/manip.h"

/* A 16-bit field (or a checksum field) changes: outer follows. */
static void nat_manip_set16(uint16_t *f, uint16_t v, uint16_t *outer)
{
	if (outer)
		csum_replace2(outer, *f, v);
	*f = v;
}

/* Checksum *sum covers a 16-bit (2) or 32-bit (4) field changing from old
 * to v; outer covers *sum. */
static void nat_manip_fix2(uint16_t *sum, uint16_t old, uint16_t v, uint16_t *outer)
{
	uint16_t s = *sum;

	csum_replace2(&s, old, v);
	nat_manip_set16(sum, s, outer);
}

static void nat_manip_fix4(uint16_t *sum, uint32_t old, uint32_t v, uint16_t *outer)
{
	uint16_t s = *sum;

	csum_replace4(&s, old, v);
	nat_manip_set16(sum, s, outer);
}

static bool nat_manip_is_query(uint8_t type)
{
	switch (type) {
	case ICMP_ECHO:
	case ICMP_ECHOREPLY:
	case ICMP_TIMESTAMP:
	case ICMP_TIMESTAMPREPLY:
	case ICMP_INFO_REQUEST:
	case ICMP_INFO_REPLY:
	case ICMP_ADDRESS:
	case ICMP_ADDRESSREPLY:
		return true;
	default:
		return false;
	}
}

/* The transport header at l4 (avail bytes): ports or identifier, and the
 * checksum for them and for the pseudo-header address old -> addr. */
static bool nat_manip_l4(uint8_t *l4, unsigned int avail, const struct ct_tuple *t,
			 enum nat_manip m, uint32_t old, uint32_t addr, uint16_t *outer)
{
	uint16_t *port = (uint16_t *)(l4 + (m == NAT_MANIP_SRC ? 0 : 2));
	uint16_t np = m == NAT_MANIP_SRC ? t->s.port : t->d.port;
	uint16_t *ck;

	switch (t->proto) {
	case IPPROTO_TCP:
		if (avail < 8)
			return false;
		/* A quoted header may stop before the checksum (8 bytes are
		 * all an ICMP error must carry). */
		if (avail >= 20) {
			ck = (uint16_t *)(l4 + 16);
			nat_manip_fix4(ck, old, addr, outer);
			nat_manip_fix2(ck, *port, np, outer);
		}
		nat_manip_set16(port, np, outer);
		return true;
	case IPPROTO_UDP:
		if (avail < 8)
			return false;
		ck = (uint16_t *)(l4 + 6);
		if (*ck) {
			nat_manip_fix4(ck, old, addr, outer);
			nat_manip_fix2(ck, *port, np, outer);
			if (!*ck)
				nat_manip_set16(ck, 0xffff, outer);
		}
		nat_manip_set16(port, np, outer);
		return true;
	case IPPROTO_ICMP:
		if (avail < 8)
			return false;
		if (!nat_manip_is_query(l4[0]))
			return true;
		ck = (uint16_t *)(l4 + 2);
		port = (uint16_t *)(l4 + 4);
		nat_manip_fix2(ck, *port, t->s.id, outer);
		nat_manip_set16(port, t->s.id, outer);
		return true;
	default:
		return true;
	}
}

static void nat_manip_addr(struct iphdr *ip, const struct ct_tuple *target, enum nat_manip m,
			   uint16_t *outer)
{
	uint32_t *a = m == NAT_MANIP_SRC ? &ip->saddr : &ip->daddr;
	uint32_t v = m == NAT_MANIP_SRC ? target->src : target->dst;

	if (*a == v)
		return;
	nat_manip_fix4(&ip->check, *a, v, outer);
	if (outer)
		csum_replace4(outer, *a, v);
	*a = v;
}

bool nat_manip_hdr(struct pkt *p, unsigned int off, const struct ct_tuple *target,
		   enum nat_manip m, uint16_t *outer)
{
	struct iphdr *ip = (struct iphdr *)(p->data + off);
	unsigned int hl;
	uint32_t old;

	if (off + sizeof(*ip) > p->len)
		return false;
	hl = ipv4_hdrlen(ip);
	if (hl < sizeof(*ip) || off + hl > p->len)
		return false;
	old = m == NAT_MANIP_SRC ? ip->saddr : ip->daddr;
	if (!nat_manip_l4(p->data + off + hl, p->len - off - hl, target, m, old,
			  m == NAT_MANIP_SRC ? target->src : target->dst, outer))
		return false;
	nat_manip_addr(ip, target, m, outer);
	return true;
}

static unsigned int nat_manip_statusbit(enum ct_dir dir, enum nat_manip m)
{
	unsigned int bit = m == NAT_MANIP_SRC ? CT_S_SRC_NAT : CT_S_DST_NAT;

	/* An answer undoes what was done to its connection's other side. */
	return dir == CT_DIR_REPLY ? bit ^ CT_S_NAT_MASK : bit;
}

bool nat_manip_packet(struct pkt *p, const struct ct_entry *e, enum ct_dir dir,
		      enum nat_manip m)
{
	struct ct_tuple target;

	if (!(e->status & nat_manip_statusbit(dir, m)))
		return true;
	/* Look like the answer to what the other direction expects. */
	if (!ct_tuple_invert(&target, &e->th[!dir].t))
		return false;
	return nat_manip_hdr(p, 0, &target, m, NULL);
}

bool nat_manip_icmp_error(struct pkt *p, const struct ct_entry *e, uint8_t ctinfo,
			  enum nat_manip m)
{
	struct iphdr *ip = ipv4_hdr(p);
	unsigned int hl = ipv4_hdrlen(ip);
	enum ct_dir dir = ct_info_dir(ctinfo);
	struct icmphdr *ih;
	struct ct_tuple target;

	if (p->len < hl + sizeof(*ih) + sizeof(struct iphdr))
		return false;
	ih = (struct icmphdr *)(p->data + hl);
	/* A redirect is only believed about a connection without NAT. */
	if (ih->type == ICMP_REDIRECT) {
		if ((e->status & (CT_S_SRC_NAT_DONE | CT_S_DST_NAT_DONE)) !=
		    (CT_S_SRC_NAT_DONE | CT_S_DST_NAT_DONE))
			return false;
		if (e->status & CT_S_NAT_MASK)
			return false;
	}
	if (!(e->status & nat_manip_statusbit(dir, m)))
		return true;
	/* The quoted packet went the other way: its other side, as the
	 * other direction's tuple has it. */
	if (!nat_manip_hdr(p, hl + sizeof(*ih), &e->th[!dir].t,
			   m == NAT_MANIP_SRC ? NAT_MANIP_DST : NAT_MANIP_SRC, &ih->checksum))
		return false;
	/* The error itself goes where an answer to that packet would. */
	if (!ct_tuple_invert(&target, &e->th[!dir].t))
		return false;
	nat_manip_addr(ip, &target, m, NULL);
	return true;
}
