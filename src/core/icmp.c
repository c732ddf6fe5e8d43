// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ICMP as a router sends it: the two rate limits, the RFC 1812 rules on
 * when an error must not be sent, error construction, and in-place answers
 * to echo and timestamp requests. The behaviour follows net/ipv4/icmp.c:
 * __icmp_send(), icmp_echo(), icmp_timestamp(), icmpv4_global_allow() and
 * icmpv4_xrlim_allow() with inet_peer_xrlim_allow().
 *
 * Rate limiting, in the order the kernel applies it:
 *
 *   type not limited (unknown type, fragmentation needed, or not in the
 *   ratemask)                                  -> send, nothing consumed
 *   global bucket empty                        -> suppress
 *   per-destination bucket short of one message -> suppress
 *   otherwise                                  -> send, one global credit
 *                                                 and one per-destination
 *                                                 interval consumed
 *
 * The global credit is consumed only once the per-destination check has
 * passed (as since the kernel moved icmp_global_consume() into
 * icmpv4_xrlim_allow()), so one host being limited does not drain the
 * budget of the others. The kernel takes a random 0..2 credits per message
 * to blur a side channel (CVE-2020-25705: inferring open UDP ports from the
 * shared budget); a router with no sockets has no open ports to reveal, so
 * we take exactly one, the kernel's average, which keeps tests exact.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>

#include "core/csum.h"
#include "core/icmp.h"
#include "core/ipv4.h"

/* inet_peer_xrlim_allow: a destination may save up six intervals. */
#define ICMP_XRLIM_BURST_FACTOR 6u
/* RFC 1812 4.3.2.3: an error is at most 576 bytes, IP header included. */
#define ICMP_ERROR_MAX 576u
#define ICMP_HDR_LEN 8u
/* Timestamp message: header, then originate, receive, transmit. */
#define ICMP_TS_LEN 20u
/* The global credit counts messages in thousandths. */
#define ICMP_CREDIT_UNIT 1000u
/* icmp_global_allow refills from at most one second of elapsed time. */
#define ICMP_GLOBAL_MAX_DELTA_MS 1000u

/*
 * Error types as in the kernel's icmp_pointers[].error. Types past
 * NR_ICMP_TYPES (18) count as errors too: __icmp_send "assumes any unknown
 * ICMP type is an error", so that no error is ever sent about one.
 */
static bool icmp_type_is_error(uint8_t type)
{
	return icmp_is_err(type) || type > NR_ICMP_TYPES;
}

static uint32_t icmp_global_cap(const struct icmp_limit_config *cfg)
{
	uint64_t cap = (uint64_t)cfg->msgs_burst * ICMP_CREDIT_UNIT;

	return cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
}

void icmp_limiter_init(struct icmp_limiter *l, const struct icmp_limit_config *cfg)
{
	memset(l, 0, sizeof(*l));
	l->cfg = *cfg;
	/* Six intervals of credit must fit the slot's 32-bit counter. */
	if (l->cfg.ratelimit_ms > UINT32_MAX / ICMP_XRLIM_BURST_FACTOR)
		l->cfg.ratelimit_ms = UINT32_MAX / ICMP_XRLIM_BURST_FACTOR;
	/* The kernel's bucket starts at zero with a stamp long past, so the
	 * first message refills it: in effect it starts full. */
	l->global_credit = icmp_global_cap(&l->cfg);
}

/*
 * icmpv4_mask_allow: true when the type is exempt from both limits.
 * Fragmentation needed is never limited: suppressing it would black-hole
 * path MTU discovery.
 */
static bool icmp_limit_exempt(const struct icmp_limit_config *cfg, uint8_t type, uint8_t code)
{
	if (type > NR_ICMP_TYPES)
		return true;
	if (type == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED)
		return true;
	return !(cfg->ratemask & (1u << type));
}

/* icmp_global_allow: refill, then is a whole message's credit there? */
static bool icmp_global_check(struct icmp_limiter *l, uint64_t now_ms)
{
	uint64_t delta, credit;

	if (!l->cfg.msgs_per_sec)
		return true;
	delta = now_ms > l->global_last_ms ? now_ms - l->global_last_ms : 0;
	if (delta > ICMP_GLOBAL_MAX_DELTA_MS)
		delta = ICMP_GLOBAL_MAX_DELTA_MS;
	l->global_last_ms = now_ms;
	/* msgs_per_sec messages a second is msgs_per_sec thousandths a ms. */
	credit = l->global_credit + delta * l->cfg.msgs_per_sec;
	if (credit > icmp_global_cap(&l->cfg))
		credit = icmp_global_cap(&l->cfg);
	l->global_credit = (uint32_t)credit;
	return l->global_credit >= ICMP_CREDIT_UNIT;
}

/*
 * The slot of a destination: its last octet XORed with a mix (murmur3's
 * finaliser) of the other three. Within one /24 this is a bijection, so the
 * hosts of a directly attached subnet never evict each other; across
 * subnets the mix spreads them.
 */
static unsigned int icmp_slot_hash(uint32_t dst)
{
	uint32_t a = ntohl(dst), h = a >> 8;

	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return (a ^ h) % ICMP_LIMIT_SLOTS;
}

/*
 * inet_peer_xrlim_allow, with one direct-mapped slot per hash bucket in
 * place of the kernel's inet_peer tree. A destination that hashes onto a
 * slot held by another takes it over as a new peer, and a new peer starts
 * with full credit (the kernel back-dates rate_last by 60 s for that). So a
 * collision can only hand out more messages than the kernel would, never
 * fewer, and the global bucket still bounds the total.
 */
static bool icmp_peer_allow(struct icmp_limiter *l, uint32_t dst, uint64_t now_ms)
{
	uint32_t timeout = l->cfg.ratelimit_ms;
	uint32_t cap = ICMP_XRLIM_BURST_FACTOR * timeout;
	struct icmp_limit_slot *s = &l->slot[icmp_slot_hash(dst)];
	uint64_t tokens;

	if (!timeout)
		return true;
	if (s->dst != dst) {
		s->dst = dst;
		s->tokens = cap;
		s->last_ms = now_ms;
	}
	tokens = s->tokens;
	if (now_ms > s->last_ms)
		tokens += now_ms - s->last_ms;
	s->last_ms = now_ms;
	if (tokens > cap)
		tokens = cap;
	if (tokens < timeout) {
		s->tokens = (uint32_t)tokens;
		return false;
	}
	s->tokens = (uint32_t)(tokens - timeout);
	return true;
}

bool icmp_limiter_allow_code(struct icmp_limiter *l, uint32_t dst, uint8_t type, uint8_t code,
			     uint64_t now_ms)
{
	if (icmp_limit_exempt(&l->cfg, type, code))
		return true;
	if (!icmp_global_check(l, now_ms))
		return false;
	if (!icmp_peer_allow(l, dst, now_ms))
		return false;
	if (l->cfg.msgs_per_sec)
		l->global_credit -= ICMP_CREDIT_UNIT;
	return true;
}

bool icmp_limiter_allow(struct icmp_limiter *l, uint32_t dst, uint8_t type, uint64_t now_ms)
{
	return icmp_limiter_allow_code(l, dst, type, 0, now_ms);
}

/* A source that names one host: not 0/8, 127/8, multicast or class E
 * (which includes the limited broadcast). */
static bool icmp_src_is_host(uint32_t saddr)
{
	return !ipv4_addr_is_zeronet(saddr) && !ipv4_addr_is_loopback(saddr) &&
	       !ipv4_addr_is_multicast(saddr) && (ntohl(saddr) & 0xf0000000u) != 0xf0000000u;
}

bool icmp_error_allowed(const struct pkt *orig)
{
	const struct iphdr *ip = ipv4_hdr(orig);
	unsigned int hl;

	/* __icmp_send needs a whole IP header to answer. */
	if (orig->len < IPV4_HDR_MIN)
		return false;
	hl = ipv4_hdrlen(ip);
	if (hl < IPV4_HDR_MIN || hl > orig->len)
		return false;
	if (ip->frag_off & htons(IPV4_OFFMASK))
		return false;
	if (!icmp_src_is_host(ip->saddr))
		return false;
	if (ipv4_addr_is_multicast(ip->daddr) || ipv4_addr_is_lbcast(ip->daddr))
		return false;
	if (ip->protocol == IPPROTO_ICMP) {
		/* Like __icmp_send: when even the type byte is missing we
		 * cannot tell that it is not an error, so we send nothing. */
		if (orig->len < hl + 1)
			return false;
		if (icmp_type_is_error(orig->data[hl]))
			return false;
	}
	return true;
}

/* The 32-bit word after type, code and checksum, host order. */
static uint32_t icmp_error_rest(uint8_t type, uint8_t code, uint32_t info)
{
	if (type == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED)
		return info & 0xffffu; /* RFC 1191: next-hop MTU, low 16 bits */
	if (type == ICMP_PARAMETERPROB)
		return (info & 0xffu) << 24; /* RFC 792: pointer, first byte */
	return 0;
}

/* The fixed header; any options already sit after it and ihl counts them. */
static void icmp_set_ip(struct iphdr *ip, uint8_t tos, uint32_t len, uint16_t ip_id,
			uint32_t saddr, uint32_t daddr)
{
	ip->version = 4;
	ip->tos = tos;
	ip->tot_len = htons((uint16_t)len);
	ip->id = ip_id; /* network order, as the caller keeps it */
	/* The kernel's ICMP socket is IP_PMTUDISC_DONT: no DF. */
	ip->frag_off = 0;
	ip->ttl = 64;
	ip->protocol = IPPROTO_ICMP;
	ip->saddr = saddr;
	ip->daddr = daddr;
	ipv4_set_csum(ip);
}

/* ---- options of an answer (__ip_options_echo, then ip_options_build) ---- */

#define ICMP_OPT_MAX 40u

struct icmp_optecho {
	uint8_t *d;        /* the answer's options */
	unsigned int len;
	uint32_t src;      /* the answer's source, recorded where asked */
	uint32_t ms_of_day;
};

static void icmp_opt_put32(uint8_t *dst, uint32_t v)
{
	memcpy(dst, &v, 4);
}

/* An option at off of p, with its length, lies inside p's header. */
static bool icmp_opt_fits(const struct pkt *p, unsigned int off)
{
	unsigned int hl = ipv4_hdrlen(ipv4_hdr(p));

	return off + 3 <= hl && p->data[off + 1] >= 3 && off + p->data[off + 1] <= hl;
}

/* Record route: copied; a slot still free gets the answer's source. */
static int icmp_echo_rr(struct icmp_optecho *e, const uint8_t *s, uint8_t flags)
{
	unsigned int olen = s[1], off = s[2];
	uint8_t *d = e->d + e->len;

	if (e->len + olen > ICMP_OPT_MAX)
		return -EINVAL;
	memcpy(d, s, olen);
	if ((flags & PKT_OPT_RR_NEEDADDR) && off <= olen) {
		if (off + 3 > olen)
			return -EINVAL;
		d[2] = (uint8_t)(off + 4);
		icmp_opt_put32(&d[off - 1], e->src);
	}
	e->len += olen;
	return 0;
}

/* Timestamp: copied; the slot after ours is stamped for the answer. A
 * prespecified slot is taken as naming another host. */
static int icmp_echo_ts(struct icmp_optecho *e, const uint8_t *s, uint8_t flags)
{
	unsigned int olen = s[1], off = s[2];
	uint8_t *d = e->d + e->len;
	bool addr = false, time = false;

	if (e->len + olen > ICMP_OPT_MAX)
		return -EINVAL;
	memcpy(d, s, olen);
	if (off <= olen) {
		if (flags & PKT_OPT_TS_NEEDADDR) {
			if (off + 3 > olen)
				return -EINVAL;
			addr = true;
			off += 4;
		}
		if (flags & PKT_OPT_TS_NEEDTIME) {
			if (off + 3 > olen)
				return -EINVAL;
			if ((d[3] & 0x0fu) != 3) {
				time = true;
				off += 4;
			}
		}
		d[2] = (uint8_t)off;
		if (addr)
			icmp_opt_put32(&d[off - 9], e->src);
		if (time)
			icmp_opt_put32(&d[off - 5], htonl(e->ms_of_day));
	}
	e->len += olen;
	return 0;
}

/*
 * The options an answer to p carries: its record route and timestamp with
 * our slot filled, padded with EOL to a multiple of 4. Source routes are
 * not reversed: the router drops every packet carrying one before it could
 * answer, except with a parameter problem about a later option.
 * Returns the length, or -EINVAL where __ip_options_echo fails.
 */
static int icmp_options_echo(const struct pkt *p, uint32_t src, uint32_t ms_of_day,
			     uint8_t out[ICMP_OPT_MAX])
{
	const struct pkt_ipopt *o = &p->ipopt;
	struct icmp_optecho e = { .d = out, .src = src, .ms_of_day = ms_of_day };
	int err;

	if (!o->optlen)
		return 0;
	/* The offsets were checked on receive; a queue consumer may have
	 * replaced the header since, so check them against it again. */
	if ((o->rr && !icmp_opt_fits(p, o->rr)) || (o->ts && !icmp_opt_fits(p, o->ts)))
		return -EINVAL;
	if (o->rr) {
		err = icmp_echo_rr(&e, p->data + o->rr, o->flags);
		if (err)
			return err;
	}
	if (o->ts) {
		err = icmp_echo_ts(&e, p->data + o->ts, o->flags);
		if (err)
			return err;
	}
	while (e.len & 3)
		out[e.len++] = 0;
	return (int)e.len;
}

int icmp_error_build_opts(struct pkt_pool *pool, const struct pkt *orig, uint8_t type,
			  uint8_t code, uint32_t info, uint32_t src, uint16_t ip_id,
			  uint32_t ms_of_day, struct pkt **out)
{
	const struct iphdr *oip = ipv4_hdr(orig);
	uint8_t opts[ICMP_OPT_MAX];
	uint32_t quote = orig->len, hl, room;
	struct icmphdr *icmp;
	struct pkt *p;
	int optlen;
	uint8_t tos;

	optlen = icmp_options_echo(orig, src, ms_of_day, opts);
	if (optlen < 0)
		return optlen;
	hl = IPV4_HDR_MIN + (uint32_t)optlen;
	room = ICMP_ERROR_MAX - hl - ICMP_HDR_LEN;
	if (quote > room)
		quote = room;
	p = pkt_alloc(pool);
	if (!p)
		return -ENOBUFS;
	p->len = hl + ICMP_HDR_LEN + quote;
	p->l4_off = (uint16_t)hl;
	p->flags = PKT_F_LOCAL_ORIGIN;
	/* Generated packets start their traversal at LOCAL_OUT. */
	p->hook = HOOK_LOCAL_OUT;

	/* Errors go out as network control traffic (__icmp_send). */
	tos = oip->tos;
	if (icmp_type_is_error(type))
		tos = (uint8_t)((oip->tos & IPTOS_TOS_MASK) | IPTOS_PREC_INTERNETCONTROL);
	memcpy(p->data + IPV4_HDR_MIN, opts, (size_t)optlen);
	ipv4_hdr(p)->ihl = (uint8_t)(hl / 4);
	icmp_set_ip(ipv4_hdr(p), tos, p->len, ip_id, src, oip->saddr);

	icmp = (struct icmphdr *)(p->data + hl);
	icmp->type = type;
	icmp->code = code;
	icmp->checksum = 0;
	icmp->un.gateway = htonl(icmp_error_rest(type, code, info));
	memcpy(icmp + 1, orig->data, quote);
	icmp->checksum = csum_buf(icmp, ICMP_HDR_LEN + quote);
	*out = p;
	return 0;
}

int icmp_error_build(struct pkt_pool *pool, const struct pkt *orig, uint8_t type, uint8_t code,
		     uint32_t info, uint32_t src, uint16_t ip_id, struct pkt **out)
{
	return icmp_error_build_opts(pool, orig, type, code, info, src, ip_id, 0, out);
}

/* Check that p holds an echo or timestamp request with a good checksum
 * (icmp_rcv, icmp_timestamp). Returns the ICMP length or -EINVAL. */
static int icmp_request_check(const struct pkt *p)
{
	const struct iphdr *ip = ipv4_hdr(p);
	unsigned int hl, len;
	uint8_t type;

	if (p->len < IPV4_HDR_MIN)
		return -EINVAL;
	hl = ipv4_hdrlen(ip);
	if (hl < IPV4_HDR_MIN || p->len < hl + ICMP_HDR_LEN)
		return -EINVAL;
	if (ip->protocol != IPPROTO_ICMP || ipv4_is_fragment(ip))
		return -EINVAL;
	len = p->len - hl;
	type = p->data[hl];
	if (type != ICMP_ECHO && type != ICMP_TIMESTAMP)
		return -EINVAL;
	/* icmp_timestamp wants the originate field at least. */
	if (type == ICMP_TIMESTAMP && len < ICMP_HDR_LEN + 4)
		return -EINVAL;
	/* Room to grow a short timestamp request to the full reply. */
	if (type == ICMP_TIMESTAMP && len < ICMP_TS_LEN && pkt_tailroom(p) < ICMP_TS_LEN - len)
		return -EINVAL;
	if (csum_buf(p->data + hl, len) != 0)
		return -EINVAL;
	return (int)len;
}

/* Replace the request's IP options by those the reply echoes
 * (ip_options_echo), sliding the fixed header up over the difference: 20
 * bytes move instead of the whole payload. The echo is never longer than
 * the options it comes from. Returns the reply's header length or -EINVAL. */
static int icmp_reply_options(struct pkt *p, uint32_t src, uint32_t ms_of_day)
{
	unsigned int hl = ipv4_hdrlen(ipv4_hdr(p)), shift;
	uint8_t opts[ICMP_OPT_MAX];
	int optlen;

	optlen = icmp_options_echo(p, src, ms_of_day, opts);
	if (optlen < 0)
		return optlen;
	shift = hl - IPV4_HDR_MIN - (unsigned int)optlen;
	if (shift) {
		memmove(p->data + shift, p->data, IPV4_HDR_MIN);
		p->data += shift;
		p->len -= shift;
	}
	memcpy(p->data + IPV4_HDR_MIN, opts, (size_t)optlen);
	ipv4_hdr(p)->ihl = (uint8_t)((IPV4_HDR_MIN + (unsigned int)optlen) / 4);
	memset(&p->ipopt, 0, sizeof(p->ipopt));
	return (int)IPV4_HDR_MIN + optlen;
}

/* The reply is a new, locally generated packet in the request's buffer:
 * nothing about the request's path carries over. The conntrack fields are
 * left to their owner, which must release them. */
static void icmp_reply_reset_meta(struct pkt *p)
{
	p->l4_off = (uint16_t)ipv4_hdrlen(ipv4_hdr(p));
	p->frag_max = 0;
	p->iif = -1;
	p->oif = -1;
	p->hook = HOOK_LOCAL_OUT;
	p->flags = PKT_F_LOCAL_ORIGIN;
	p->hook_idx = 0;
	p->repeat = 0;
	p->mark = 0; /* IP4_REPLY_MARK with fwmark_reflect off */
	p->nexthop = 0;
	memset(&p->vnet, 0, sizeof(p->vnet));
}

int icmp_reply(struct pkt *p, uint32_t src, uint16_t ip_id, uint32_t ms_of_day)
{
	struct icmphdr *icmp;
	struct iphdr *ip;
	uint32_t stamp;
	int len, hl;

	len = icmp_request_check(p);
	if (len < 0)
		return len;
	/* The request's options come back (icmp_reply: ip_options_echo);
	 * where the kernel cannot echo them it does not answer. */
	hl = icmp_reply_options(p, src, ms_of_day);
	if (hl < 0)
		return hl;
	ip = ipv4_hdr(p);
	icmp = (struct icmphdr *)(p->data + hl);
	if (icmp->type == ICMP_ECHO) {
		/* icmp_echo keeps the code, identifier, sequence and data. */
		icmp->type = ICMP_ECHOREPLY;
	} else {
		/* icmp_timestamp always answers with exactly the 20-byte
		 * message: originate copied, receive = transmit = now, any
		 * extra data dropped, code 0. */
		p->len = (uint32_t)hl + ICMP_TS_LEN;
		icmp->type = ICMP_TIMESTAMPREPLY;
		icmp->code = 0;
		stamp = htonl(ms_of_day);
		memcpy(p->data + hl + ICMP_HDR_LEN + 4, &stamp, 4);
		memcpy(p->data + hl + ICMP_HDR_LEN + 8, &stamp, 4);
	}
	icmp->checksum = 0;
	icmp->checksum = csum_buf(icmp, p->len - (uint32_t)hl);
	/* icmp_reply keeps the request's TOS. */
	icmp_set_ip(ip, ip->tos, p->len, ip_id, src, ip->saddr);
	icmp_reply_reset_meta(p);
	return 0;
}
