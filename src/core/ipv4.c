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

/* Which of the options that may appear only once have been seen. */
struct ipv4_opt_seen {
	bool srr, rr, ts;
};

/* Source routes: at least a pointer byte, pointing at or past the first
 * address slot; one source route per packet (RFC 1812 5.2.4.1). */
static int ipv4_opt_srr(const uint8_t *o, unsigned int olen, struct ipv4_opt_seen *seen)
{
	if (olen < 3 || o[2] < 4 || seen->srr)
		return -EINVAL;
	seen->srr = true;
	return 0;
}

/* Record route: while not full, the slot the pointer names must fit. */
static int ipv4_opt_rr(const uint8_t *o, unsigned int olen, struct ipv4_opt_seen *seen)
{
	if (seen->rr || olen < 3 || o[2] < 4)
		return -EINVAL;
	if (o[2] <= olen && o[2] + 3u > olen)
		return -EINVAL;
	seen->rr = true;
	return 0;
}

/*
 * Timestamp: while not full, the next slot must fit (4 bytes, or 8 for the
 * address+time forms). When full, the overflow counter is bumped by every
 * hop, and one that has already reached 15 cannot be (RFC 791).
 */
static int ipv4_opt_ts(const uint8_t *o, unsigned int olen, struct ipv4_opt_seen *seen)
{
	unsigned int flags;

	if (seen->ts || olen < 4 || o[2] < 5)
		return -EINVAL;
	flags = o[3] & 0x0fu;
	if (o[2] <= olen) {
		if (o[2] + 3u > olen)
			return -EINVAL;
		if ((flags == IPV4_TS_TSANDADDR || flags == IPV4_TS_PRESPEC) &&
		    o[2] + 7u > olen)
			return -EINVAL;
	} else if (flags != IPV4_TS_PRESPEC && (o[3] >> 4) == 15) {
		return -EINVAL;
	}
	seen->ts = true;
	return 0;
}

/* Walk the options of one header: each multi-byte option must carry a
 * length of at least 2 that stays inside the header. */
static int ipv4_options_check(const uint8_t *opt, unsigned int len)
{
	struct ipv4_opt_seen seen = { 0 };

	while (len > 0) {
		unsigned int olen;
		int err = 0;

		if (opt[0] == IPV4_OPT_EOL)
			return 0; /* the rest is padding, whatever it holds */
		if (opt[0] == IPV4_OPT_NOP) {
			opt++;
			len--;
			continue;
		}
		if (len < 2)
			return -EINVAL;
		olen = opt[1];
		if (olen < 2 || olen > len)
			return -EINVAL;
		switch (opt[0]) {
		case IPV4_OPT_LSRR:
		case IPV4_OPT_SSRR:
			err = ipv4_opt_srr(opt, olen, &seen);
			break;
		case IPV4_OPT_RR:
			err = ipv4_opt_rr(opt, olen, &seen);
			break;
		case IPV4_OPT_TS:
			err = ipv4_opt_ts(opt, olen, &seen);
			break;
		case IPV4_OPT_RA:
			err = olen < 4 ? -EINVAL : 0;
			break;
		default:
			/* Security, stream id, CIPSO and unknown options: the
			 * kernel passes them on receive; so do we. */
			break;
		}
		if (err)
			return err;
		opt += olen;
		len -= olen;
	}
	return 0;
}

static enum tf_drop ipv4_check(const struct pkt *p)
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
	if (hlen > IPV4_HDR_MIN &&
	    ipv4_options_check(p->data + IPV4_HDR_MIN, hlen - IPV4_HDR_MIN))
		return DROP_BAD_OPTIONS;
	return DROP_MAX;
}

int ipv4_validate(struct pkt *p, enum tf_drop *why)
{
	enum tf_drop r = ipv4_check(p);

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
