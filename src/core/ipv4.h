/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IPv4 header access and validation. The checks mirror ip_rcv_core() in the
 * kernel: version, IHL, total length against the bytes read, header
 * checksum, then the options' own lengths (ip_options_compile). A packet
 * with more bytes than its total length is trimmed, as the kernel does.
 */
#ifndef TF_CORE_IPV4_H
#define TF_CORE_IPV4_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/ip.h>
#include "core/drop.h"
#include "core/pkt.h"

#define IPV4_HDR_MIN 20u
#define IPV4_HDR_MAX 60u

/* Fragment offset field bits (host order after ntohs). */
#define IPV4_F_RF 0x8000u
#define IPV4_F_DF 0x4000u
#define IPV4_F_MF 0x2000u
#define IPV4_OFFMASK 0x1fffu

static inline struct iphdr *ipv4_hdr(const struct pkt *p)
{
	return (struct iphdr *)p->data;
}

static inline unsigned int ipv4_hdrlen(const struct iphdr *ip)
{
	return (unsigned int)ip->ihl * 4u;
}

/* True for any fragment (MF set or offset nonzero). */
static inline bool ipv4_is_fragment(const struct iphdr *ip)
{
	return (ip->frag_off & __builtin_bswap16(IPV4_F_MF | IPV4_OFFMASK)) != 0;
}

/* Fragment offset in bytes. */
static inline unsigned int ipv4_frag_offset(const struct iphdr *ip)
{
	return ((unsigned int)__builtin_bswap16(ip->frag_off) & IPV4_OFFMASK) * 8u;
}

/*
 * Validate the IPv4 packet in p (p->data, p->len). On success returns 0,
 * trims p->len to the total length and sets p->l4_off. Otherwise returns
 * -EINVAL and stores the drop reason in *why.
 */
int ipv4_validate(struct pkt *p, enum tf_drop *why);

/* ipv4_validate without the option checks: ip_rcv_core's part. The
 * kernel looks at options only after PRE_ROUTING and the route lookup
 * (ip_rcv_options); ipv4_options_compile does that part. */
int ipv4_validate_header(struct pkt *p, enum tf_drop *why);

/* What option processing on receive needs to know about the router. */
struct ipv4_opt_env {
	uint32_t spec_dst;  /* address recorded by RR and TS (network order) */
	uint32_t ms_of_day; /* timestamp value: ms since midnight UT */
	/* True unless addr is a unicast address not ours (inet_addr_type
	 * != RTN_UNICAST): a prespecified timestamp slot naming it is ours. */
	bool (*addr_is_ours)(void *arg, uint32_t addr);
	void *arg;
};

/*
 * ip_options_compile() on a received packet: check the options, fill in
 * record route and timestamp slots and move their pointers (header
 * checksum left stale, PKT_OPT_CHANGED set), and note in p->ipopt where
 * each option is. Returns 0, or the offset from the IP header of the
 * offending byte (always >= 20): the parameter problem pointer.
 */
int ipv4_options_compile(struct pkt *p, const struct ipv4_opt_env *env);

/* Recompute the header checksum from scratch. */
void ipv4_set_csum(struct iphdr *ip);

/* Decrement TTL, updating the checksum incrementally (RFC 1624). */
void ipv4_dec_ttl(struct iphdr *ip);

/* Address classes, network order in. */
bool ipv4_addr_is_multicast(uint32_t addr);
bool ipv4_addr_is_lbcast(uint32_t addr);   /* 255.255.255.255 */
bool ipv4_addr_is_loopback(uint32_t addr); /* 127/8 */
bool ipv4_addr_is_zeronet(uint32_t addr);  /* 0/8 */

/* Parse "a.b.c.d" or "a.b.c.d/len" (len defaults to 32), host order out.
 * 0 or -EINVAL. Host bits are kept; callers mask when they need to. */
int ipv4_parse_prefix(const char *s, uint32_t *addr, uint8_t *plen);

/* Mask for a prefix length, host order. */
static inline uint32_t ipv4_mask(unsigned int plen)
{
	return plen ? 0xffffffffu << (32 - plen) : 0;
}

#endif
