// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tuple allocation (see alloc.h): nf_nat_setup_info, get_unique_tuple,
 * find_best_ips_proto and nf_nat_l4proto_unique_tuple, for IPv4.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include "conntrack/table.h"
#include "nat/alloc.h"

/* Would a connection translated to tuple t clash with a confirmed one?
 * Conntrack finds what comes in, so look for the answer to t. */
static bool nat_alloc_used(struct ct_table *tb, const struct ct_tuple *t,
			   const struct ct_entry *e)
{
	struct ct_tuple reply;

	if (!ct_tuple_invert(&reply, t))
		return false;
	return ct_table_tuple_taken(tb, &reply, e);
}

/* The layer 4 value a manipulation changes, or NULL when the protocol has
 * none (ICMP: the identifier, whichever side is manipulated). */
static uint16_t *nat_alloc_key(struct ct_tuple *t, enum nat_manip m)
{
	switch (t->proto) {
	case IPPROTO_ICMP:
		return &t->s.id;
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
	case IPPROTO_UDPLITE:
		return m == NAT_MANIP_SRC ? &t->s.port : &t->d.port;
	default:
		return NULL;
	}
}

static bool nat_alloc_l4_in_range(struct ct_tuple *t, const struct nat_range *r,
				  enum nat_manip m)
{
	uint16_t *key = nat_alloc_key(t, m);

	if (!(r->flags & NAT_F_PROTO_SPECIFIED) || !key)
		return true;
	return ntohs(*key) >= r->min_port && ntohs(*key) <= r->max_port;
}

static bool nat_alloc_in_range(struct ct_tuple *t, const struct nat_range *r, enum nat_manip m)
{
	uint32_t a = ntohl(m == NAT_MANIP_SRC ? t->src : t->dst);

	if ((r->flags & NAT_F_MAP_IPS) && (a < ntohl(r->min_addr) || a > ntohl(r->max_addr)))
		return false;
	return nat_alloc_l4_in_range(t, r, m);
}

/* A small integer mix of the addresses (find_best_ips_proto's jhash). */
static uint32_t nat_alloc_mix(uint32_t a, uint32_t b)
{
	uint64_t x = ((uint64_t)a << 32 | b) * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(x >> 32) ^ (uint32_t)x;
}

static void nat_alloc_best_ip(struct ct_tuple *t, const struct nat_range *r, enum nat_manip m)
{
	uint32_t *var = m == NAT_MANIP_SRC ? &t->src : &t->dst;
	uint32_t lo = ntohl(r->min_addr), hi = ntohl(r->max_addr), j;
	uint64_t dist;

	if (!(r->flags & NAT_F_MAP_IPS))
		return;
	if (lo >= hi) {
		*var = r->min_addr;
		return;
	}
	dist = (uint64_t)hi - lo + 1;
	j = nat_alloc_mix(t->src, r->flags & NAT_F_PERSISTENT ? 0 : t->dst);
	*var = htonl(lo + (uint32_t)(((uint64_t)j * dist) >> 32));
}

/* nf_nat_l4proto_unique_tuple, searching the whole range. */
static bool nat_alloc_unique_l4(struct ct_table *tb, const struct ct_entry *e,
				struct ct_tuple *t, const struct nat_range *r, enum nat_manip m,
				uint32_t rnd)
{
	uint16_t *key = nat_alloc_key(t, m);
	uint32_t min, size, off, i;

	if (!key)
		return !nat_alloc_used(tb, t, e);
	if (t->proto == IPPROTO_ICMP && !(r->flags & NAT_F_PROTO_SPECIFIED)) {
		min = 0;
		size = 65536;
	} else if (!(r->flags & NAT_F_PROTO_SPECIFIED)) {
		/* A destination port is what the client asked for. */
		if (m == NAT_MANIP_DST)
			return !nat_alloc_used(tb, t, e);
		if (ntohs(*key) < 512) {
			min = 1;
			size = 511;
		} else if (ntohs(*key) < 1024) {
			min = 600;
			size = 1024 - 600;
		} else {
			min = 1024;
			size = 65536 - 1024;
		}
	} else {
		min = r->min_port;
		size = (uint32_t)r->max_port - r->min_port + 1;
	}
	off = (r->flags & NAT_F_RANDOM_ALL) || m != NAT_MANIP_DST ? rnd : 0;
	for (i = 0; i < size; i++) {
		*key = htons((uint16_t)(min + (off + i) % size));
		if (!nat_alloc_used(tb, t, e))
			return true;
	}
	return false;
}

/* get_unique_tuple: *out from orig (the tuple as the packet now is). */
static bool nat_alloc_unique(struct ct_table *tb, const struct ct_entry *e, struct ct_tuple *out,
			     const struct ct_tuple *orig, const struct nat_range *r,
			     enum nat_manip m, uint32_t rnd)
{
	*out = *orig;
	if (m == NAT_MANIP_SRC && !(r->flags & NAT_F_RANDOM_ALL) &&
	    nat_alloc_in_range(out, r, m) && !nat_alloc_used(tb, out, e))
		return true;
	nat_alloc_best_ip(out, r, m);
	if (!(r->flags & NAT_F_RANDOM_ALL)) {
		if (r->flags & NAT_F_PROTO_SPECIFIED) {
			if (nat_alloc_l4_in_range(out, r, m) &&
			    (r->min_port == r->max_port || !nat_alloc_used(tb, out, e)))
				return true;
		} else if (!nat_alloc_used(tb, out, e)) {
			return true;
		}
	}
	return nat_alloc_unique_l4(tb, e, out, r, m, rnd);
}

int nat_alloc_setup(struct ct_table *t, struct ct_entry *e, const struct nat_range *r,
		    enum nat_manip m, uint32_t rnd)
{
	struct ct_tuple curr, tuple, reply;
	int err;

	if (e->status & CT_S_CONFIRMED)
		return -EBUSY;
	/* The packet as it is now: an earlier binding (DNAT before SNAT)
	 * already shows in the reply tuple. */
	if (!ct_tuple_invert(&curr, &e->th[CT_DIR_REPLY].t))
		return -EINVAL;
	if (!nat_alloc_unique(t, e, &tuple, &curr, r, m, rnd))
		return -EADDRNOTAVAIL;
	if (!ct_tuple_eq(&tuple, &curr)) {
		if (!ct_tuple_invert(&reply, &tuple))
			return -EINVAL;
		err = ct_table_set_reply(t, e, &reply);
		if (err)
			return err;
		e->status |= m == NAT_MANIP_SRC ? CT_S_SRC_NAT : CT_S_DST_NAT;
	}
	e->status |= m == NAT_MANIP_SRC ? CT_S_SRC_NAT_DONE : CT_S_DST_NAT_DONE;
	return 0;
}

int nat_alloc_null(struct ct_table *t, struct ct_entry *e, enum nat_manip m, uint32_t rnd)
{
	const struct ct_tuple *rt = &e->th[CT_DIR_REPLY].t;
	struct nat_range r = { .flags = NAT_F_MAP_IPS };

	/* The address the other end sees stays what it is. */
	r.min_addr = r.max_addr = m == NAT_MANIP_SRC ? rt->dst : rt->src;
	return nat_alloc_setup(t, e, &r, m, rnd);
}
