// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IPv4 header validation and small header edits.
 *
 * ipv4_validate() applies the checks of the kernel's ip_rcv_core() and
 * ip_options_compile() in a fixed order, so that each malformed header maps
 * to exactly one drop reason:
 *
 *   version nibble != 4 (or nothing read)  NOT_IPV4
 *   fewer than 20 bytes                    TRUNCATED
 *   IHL < 5 or IHL*4 past the bytes read   BAD_IHL
 *   total length < IHL*4 or past the bytes BAD_TOTLEN
 *   header checksum                        BAD_CSUM
 *   option lengths and pointers            BAD_OPTIONS
 *
 * (The kernel checks the checksum before the total length; both drop, only
 * the counter differs, and lengths first means the checksum is only ever
 * computed over bytes that exist and were claimed.)
 *
 * Options are checked, never rewritten: the kernel's compile step also
 * records addresses and timestamps, which belongs to whoever forwards with
 * options, not to validation.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "core/csum.h"
#include "core/ipv4.h"

/* Option types (RFC 791, RFC 2113), as in <netinet/ip.h> but spelled here
 * so that the checks read without a second header open. */
enum {
	IPV4_OPT_EOL = 0,
	IPV4_OPT_NOP = 1,
	IPV4_OPT_RR = 7,
	IPV4_OPT_TS = 68,
	IPV4_OPT_LSRR = 131,
	IPV4_OPT_SSRR = 137,
	IPV4_OPT_RA = 148,
};

/* Timestamp option flags (low nibble of its fourth byte). */
enum {
	IPV4_TS_TSONLY = 0,
	IPV4_TS_TSANDADDR = 1,
	IPV4_TS_PRESPEC = 3,
};

/*
 * One walk over the options, as ip_options_compile() does it on a received
 * packet. With env NULL it only checks (nothing is written); otherwise it
 * also does what the kernel does on receive: pads after EOL with EOL,
 * records env->spec_dst in a free record-route slot, stamps a timestamp
 * slot, bumps a full timestamp's overflow count, and advances the
 * pointers. The header checksum is left stale, as the kernel leaves it
 * until ip_forward_options(); PKT_OPT_CHANGED says so.
 *
 * Each check returns 0 or the offset from the IP header of the byte to
 * blame (the parameter problem pointer, the kernel's pp_ptr); the offsets
 * of the options seen so far stay in *o, since an error answer echoes them.
 */
struct ipv4_opt_walk {
	uint8_t *iph;
	struct pkt_ipopt *o;
	const struct ipv4_opt_env *env;
};

static int ipv4_opt_at(const struct ipv4_opt_walk *w, const uint8_t *b)
{
	return (int)(b - w->iph);
}

static void ipv4_opt_put32(uint8_t *dst, uint32_t v)
{
	memcpy(dst, &v, 4);
}

/* Source routes: one per packet (RFC 1812 5.2.4.1), pointer at or past the
 * first address slot. */
static int ipv4_opt_srr(struct ipv4_opt_walk *w, uint8_t *o, unsigned int olen)
{
	if (olen < 3)
		return ipv4_opt_at(w, o + 1);
	if (o[2] < 4)
		return ipv4_opt_at(w, o + 2);
	if (w->o->srr)
		return ipv4_opt_at(w, o);
	if (o[0] == IPV4_OPT_SSRR)
		w->o->flags |= PKT_OPT_STRICT;
	w->o->srr = (uint8_t)ipv4_opt_at(w, o);
	return 0;
}

/* Record route: while not full, the slot the pointer names must fit; we
 * record our address there and move the pointer on. */
static int ipv4_opt_rr(struct ipv4_opt_walk *w, uint8_t *o, unsigned int olen)
{
	if (w->o->rr)
		return ipv4_opt_at(w, o);
	if (olen < 3)
		return ipv4_opt_at(w, o + 1);
	if (o[2] < 4)
		return ipv4_opt_at(w, o + 2);
	if (o[2] <= olen) {
		if (o[2] + 3u > olen)
			return ipv4_opt_at(w, o + 2);
		if (w->env) {
			ipv4_opt_put32(&o[o[2] - 1], w->env->spec_dst);
			o[2] += 4;
			w->o->flags |= PKT_OPT_CHANGED;
		}
		w->o->flags |= PKT_OPT_RR_NEEDADDR;
	}
	w->o->rr = (uint8_t)ipv4_opt_at(w, o);
	return 0;
}

/* A timestamp option with a free slot: which fields the slot takes. */
static int ipv4_opt_ts_slot(struct ipv4_opt_walk *w, uint8_t *o, unsigned int olen)
{
	const struct ipv4_opt_env *env = w->env;
	uint8_t *timeptr = NULL;
	uint32_t addr;

	switch (o[3] & 0x0fu) {
	case IPV4_TS_TSONLY:
		timeptr = &o[o[2] - 1];
		w->o->flags |= PKT_OPT_TS_NEEDTIME;
		break;
	case IPV4_TS_TSANDADDR:
		if (o[2] + 7u > olen)
			return ipv4_opt_at(w, o + 2);
		if (env)
			ipv4_opt_put32(&o[o[2] - 1], env->spec_dst);
		timeptr = &o[o[2] + 3];
		w->o->flags |= PKT_OPT_TS_NEEDADDR | PKT_OPT_TS_NEEDTIME;
		break;
	case IPV4_TS_PRESPEC:
		if (o[2] + 7u > olen)
			return ipv4_opt_at(w, o + 2);
		/* Only the hop the slot names stamps it (inet_addr_type). */
		memcpy(&addr, &o[o[2] - 1], 4);
		if (!env || !env->addr_is_ours(env->arg, addr))
			return 0;
		timeptr = &o[o[2] + 3];
		w->o->flags |= PKT_OPT_TS_NEEDTIME;
		break;
	default:
		return 0; /* unknown flags: passed on untouched */
	}
	if (env) {
		ipv4_opt_put32(timeptr, htonl(env->ms_of_day));
		o[2] += (o[3] & 0x0fu) == IPV4_TS_TSONLY ? 4 : 8;
		w->o->flags |= PKT_OPT_CHANGED;
	}
	return 0;
}

/*
 * Timestamp: while not full, the next slot must fit (4 bytes, or 8 for the
 * address+time forms). When full, the overflow counter is bumped by every
 * hop, and one that has already reached 15 cannot be (RFC 791).
 */
static int ipv4_opt_ts(struct ipv4_opt_walk *w, uint8_t *o, unsigned int olen)
{
	unsigned int overflow;
	int err;

	if (w->o->ts)
		return ipv4_opt_at(w, o);
	if (olen < 4)
		return ipv4_opt_at(w, o + 1);
	if (o[2] < 5)
		return ipv4_opt_at(w, o + 2);
	if (o[2] <= olen) {
		if (o[2] + 3u > olen)
			return ipv4_opt_at(w, o + 2);
		err = ipv4_opt_ts_slot(w, o, olen);
		if (err)
			return err;
	} else if ((o[3] & 0x0fu) != IPV4_TS_PRESPEC) {
		overflow = o[3] >> 4;
		if (overflow == 15)
			return ipv4_opt_at(w, o + 3);
		if (w->env) {
			o[3] = (uint8_t)((o[3] & 0x0fu) | (overflow + 1) << 4);
			w->o->flags |= PKT_OPT_CHANGED;
		}
	}
	w->o->ts = (uint8_t)ipv4_opt_at(w, o);
	return 0;
}

/* The rest after EOL is padding: the kernel makes it EOL. */
static void ipv4_opt_eol(struct ipv4_opt_walk *w, uint8_t *opt, unsigned int len)
{
	for (opt++, len--; len > 0; opt++, len--) {
		if (*opt != IPV4_OPT_EOL && w->env) {
			*opt = IPV4_OPT_EOL;
			w->o->flags |= PKT_OPT_CHANGED;
		}
	}
}

static int ipv4_opt_one(struct ipv4_opt_walk *w, uint8_t *opt, unsigned int olen)
{
	switch (opt[0]) {
	case IPV4_OPT_LSRR:
	case IPV4_OPT_SSRR:
		return ipv4_opt_srr(w, opt, olen);
	case IPV4_OPT_RR:
		return ipv4_opt_rr(w, opt, olen);
	case IPV4_OPT_TS:
		return ipv4_opt_ts(w, opt, olen);
	case IPV4_OPT_RA:
		return olen < 4 ? ipv4_opt_at(w, opt + 1) : 0;
	default:
		/* Security, stream id, CIPSO and unknown options: the
		 * kernel passes them on receive; so do we. */
		return 0;
	}
}

/* Walk the options of one header: each multi-byte option must carry a
 * length of at least 2 that stays inside the header. */
static int ipv4_opt_walk(struct ipv4_opt_walk *w, unsigned int hlen)
{
	uint8_t *opt = w->iph + IPV4_HDR_MIN;
	unsigned int len = hlen - IPV4_HDR_MIN, olen;
	int err;

	memset(w->o, 0, sizeof(*w->o));
	w->o->optlen = (uint8_t)len;
	while (len > 0) {
		if (opt[0] == IPV4_OPT_EOL) {
			ipv4_opt_eol(w, opt, len);
			return 0;
		}
		if (opt[0] == IPV4_OPT_NOP) {
			opt++;
			len--;
			continue;
		}
		if (len < 2)
			return ipv4_opt_at(w, opt);
		olen = opt[1];
		if (olen < 2 || olen > len)
			return ipv4_opt_at(w, opt);
		err = ipv4_opt_one(w, opt, olen);
		if (err)
			return err;
		opt += olen;
		len -= olen;
	}
	return 0;
}

static int ipv4_options_check(const struct pkt *p, unsigned int hlen)
{
	struct pkt_ipopt o;
	struct ipv4_opt_walk w = { .iph = p->data, .o = &o, .env = NULL };

	return ipv4_opt_walk(&w, hlen);
}

int ipv4_options_compile(struct pkt *p, const struct ipv4_opt_env *env)
{
	struct ipv4_opt_walk w = { .iph = p->data, .o = &p->ipopt, .env = env };
	unsigned int hlen = ipv4_hdrlen(ipv4_hdr(p));

	if (hlen <= IPV4_HDR_MIN) {
		memset(&p->ipopt, 0, sizeof(p->ipopt));
		return 0;
	}
	return ipv4_opt_walk(&w, hlen);
}

static enum tf_drop ipv4_check(const struct pkt *p, bool options)
{
	const struct iphdr *ip = ipv4_hdr(p);
	unsigned int hlen, tot;

	if (p->len < 1 || (p->data[0] >> 4) != 4)
		return DROP_NOT_IPV4;
	if (p->len < IPV4_HDR_MIN)
		return DROP_TRUNCATED;
	hlen = ipv4_hdrlen(ip);
	if (hlen < IPV4_HDR_MIN || hlen > p->len)
		return DROP_BAD_IHL;
	tot = ntohs(ip->tot_len);
	if (tot < hlen || tot > p->len)
		return DROP_BAD_TOTLEN;
	/* A correct header sums to 0xffff, so its checksum comes out 0. */
	if (csum_buf(ip, hlen) != 0)
		return DROP_BAD_CSUM;
	if (options && hlen > IPV4_HDR_MIN && ipv4_options_check(p, hlen))
		return DROP_BAD_OPTIONS;
	return DROP_MAX;
}

static int ipv4_validate_opt(struct pkt *p, enum tf_drop *why, bool options)
{
	enum tf_drop r = ipv4_check(p, options);

	if (r != DROP_MAX) {
		*why = r;
		return -EINVAL;
	}
	/* Link-layer padding or a short datagram in a longer read: the bytes
	 * past the total length are not part of the packet. */
	p->len = ntohs(ipv4_hdr(p)->tot_len);
	p->l4_off = (uint16_t)ipv4_hdrlen(ipv4_hdr(p));
	return 0;
}

int ipv4_validate(struct pkt *p, enum tf_drop *why)
{
	return ipv4_validate_opt(p, why, true);
}

int ipv4_validate_header(struct pkt *p, enum tf_drop *why)
{
	return ipv4_validate_opt(p, why, false);
}

void ipv4_set_csum(struct iphdr *ip)
{
	ip->check = 0;
	ip->check = csum_buf(ip, ipv4_hdrlen(ip));
}

/* The TTL shares a 16-bit checksum word with the protocol. The caller has
 * already checked that the TTL is above 1 (expiry is its decision). */
void ipv4_dec_ttl(struct iphdr *ip)
{
	uint16_t old = htons((uint16_t)(ip->ttl << 8 | ip->protocol));

	ip->ttl--;
	csum_replace2(&ip->check, old, htons((uint16_t)(ip->ttl << 8 | ip->protocol)));
}

bool ipv4_addr_is_multicast(uint32_t addr)
{
	return (ntohl(addr) & 0xf0000000u) == 0xe0000000u;
}

bool ipv4_addr_is_lbcast(uint32_t addr)
{
	return addr == 0xffffffffu;
}

bool ipv4_addr_is_loopback(uint32_t addr)
{
	return (ntohl(addr) >> 24) == 127;
}

bool ipv4_addr_is_zeronet(uint32_t addr)
{
	return (ntohl(addr) >> 24) == 0;
}

/* The prefix length: one or two decimal digits, 0..32, nothing after. */
static int ipv4_parse_plen(const char *s, uint8_t *plen)
{
	unsigned int v = 0;
	size_t n;

	for (n = 0; s[n] >= '0' && s[n] <= '9'; n++)
		v = v * 10 + (unsigned int)(s[n] - '0');
	if (n == 0 || n > 2 || s[n] != '\0' || v > 32)
		return -EINVAL;
	*plen = (uint8_t)v;
	return 0;
}

int ipv4_parse_prefix(const char *s, uint32_t *addr, uint8_t *plen)
{
	char buf[INET_ADDRSTRLEN];
	const char *slash;
	struct in_addr a;
	uint8_t len = 32;
	size_t n;

	if (!s)
		return -EINVAL;
	slash = strchr(s, '/');
	n = slash ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	/* inet_pton takes exactly four decimal parts: no hex, octal, short
	 * forms or surrounding blanks, unlike inet_aton. */
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -EINVAL;
	if (slash && ipv4_parse_plen(slash + 1, &len))
		return -EINVAL;
	*addr = ntohl(a.s_addr);
	*plen = len;
	return 0;
}
