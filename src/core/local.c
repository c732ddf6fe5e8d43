// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The router's built-in local stack: what a Linux host with no listening
 * sockets does with a datagram addressed to it (ip_local_deliver_finish and
 * the protocol handlers behind it).
 *
 *   ICMP echo/timestamp request -> reply in place (icmp_echo, icmp_timestamp)
 *   other ICMP                  -> consumed (icmp_rcv: replies, errors)
 *   TCP                         -> RST, unless the segment is malformed, has
 *                                  a bad checksum or is itself a RST
 *                                  (tcp_v4_rcv -> tcp_v4_send_reset)
 *   UDP                         -> port unreachable, unless malformed or the
 *                                  checksum is wrong (__udp4_lib_rcv)
 *   IGMP                        -> consumed (the kernel handles it itself)
 *   anything else               -> protocol unreachable
 *
 * An ICMP error is asked for only when icmp_error_allowed() agrees, and a
 * RST only for a unicast destination. Subnet broadcasts need the FIB: the
 * caller must not send errors or RSTs for those.
 *
 * The checksums are verified before answering, as the kernel does: a
 * corrupted segment must not draw a RST or an ICMP error that its sender
 * would take for the truth.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>

#include "core/csum.h"
#include "core/icmp.h"
#include "core/ipv4.h"
#include "core/local.h"

#define LOCAL_TCP_HDR_LEN 20u
#define LOCAL_UDP_HDR_LEN 8u
/* The two ECN bits of the TOS byte (RFC 3168). */
#define LOCAL_ECN_MASK 0x03u

/* Transport length of p, or -EINVAL when the IP header does not fit. */
static int local_l4_len(const struct pkt *p)
{
	unsigned int hl;

	if (p->len < IPV4_HDR_MIN)
		return -EINVAL;
	hl = ipv4_hdrlen(ipv4_hdr(p));
	if (hl < IPV4_HDR_MIN || hl > p->len)
		return -EINVAL;
	return (int)(p->len - hl);
}

/* Does the transport checksum of len bytes at l4 verify? */
static bool local_l4_csum_ok(const struct iphdr *ip, const void *l4, uint16_t len, uint8_t proto)
{
	uint32_t sum = csum_pseudo(ip->saddr, ip->daddr, proto, len);

	return csum_fold(csum_partial(l4, len, sum)) == 0;
}

/*
 * tcp_v4_rcv's checks before a RST is due: a whole header, a sane data
 * offset, a good checksum, not a RST, not to a broadcast or multicast
 * address (tcp_v4_send_reset answers RTN_LOCAL only; subnet broadcasts
 * need the FIB and are the caller's).
 */
static const struct tcphdr *local_tcp_check(const struct pkt *p)
{
	const struct iphdr *ip = ipv4_hdr(p);
	const struct tcphdr *th;
	int len = local_l4_len(p);

	if (len < (int)LOCAL_TCP_HDR_LEN || ip->protocol != IPPROTO_TCP || ipv4_is_fragment(ip))
		return NULL;
	th = (const struct tcphdr *)(p->data + ipv4_hdrlen(ip));
	if (th->doff * 4u < LOCAL_TCP_HDR_LEN || th->doff * 4u > (unsigned int)len)
		return NULL;
	if (!local_l4_csum_ok(ip, th, (uint16_t)len, IPPROTO_TCP))
		return NULL;
	if (th->rst)
		return NULL;
	if (ipv4_addr_is_multicast(ip->daddr) || ipv4_addr_is_lbcast(ip->daddr))
		return NULL;
	return th;
}

/* The RST's TCP header, as tcp_v4_send_reset fills it. */
static void local_tcp_fill_rst(struct tcphdr *rep, const struct tcphdr *th, uint32_t seglen)
{
	memset(rep, 0, sizeof(*rep));
	rep->source = th->dest;
	rep->dest = th->source;
	rep->doff = LOCAL_TCP_HDR_LEN / 4;
	rep->rst = 1;
	if (th->ack) {
		rep->seq = th->ack_seq;
	} else {
		/* Acknowledge everything the segment occupied in sequence
		 * space, so that the peer accepts the RST. */
		rep->ack = 1;
		rep->ack_seq = htonl(ntohl(th->seq) + th->syn + th->fin + seglen - th->doff * 4u);
	}
}

int local_tcp_reset(struct pkt_pool *pool, const struct pkt *p, uint32_t src, uint16_t ip_id,
		    struct pkt **out)
{
	const struct iphdr *ip = ipv4_hdr(p);
	const struct tcphdr *th = local_tcp_check(p);
	struct tcphdr *rep;
	struct iphdr *rip;
	struct pkt *r;

	if (!th)
		return -EINVAL;
	r = pkt_alloc(pool);
	if (!r)
		return -ENOBUFS;
	r->len = IPV4_HDR_MIN + LOCAL_TCP_HDR_LEN;
	r->l4_off = IPV4_HDR_MIN;
	r->flags = PKT_F_LOCAL_ORIGIN;
	r->hook = HOOK_LOCAL_OUT;

	rep = (struct tcphdr *)(r->data + IPV4_HDR_MIN);
	local_tcp_fill_rst(rep, th, (uint32_t)local_l4_len(p));
	rep->check = csum_fold(csum_partial(rep, LOCAL_TCP_HDR_LEN,
					    csum_pseudo(src, ip->saddr, IPPROTO_TCP,
							LOCAL_TCP_HDR_LEN)));

	/*
	 * ip_send_unicast_reply on the TCP control socket: that socket is
	 * IP_PMTUDISC_DO ("enforce IP_DF and IPID==0 for RST"), and
	 * ip_select_ident gives a DF packet of an unconnected socket ID 0.
	 * So ip_id is not used here. The TOS is the segment's without ECN.
	 */
	rip = ipv4_hdr(r);
	rip->version = 4;
	rip->ihl = IPV4_HDR_MIN / 4;
	rip->tos = (uint8_t)(ip->tos & ~LOCAL_ECN_MASK);
	rip->tot_len = htons((uint16_t)r->len);
	rip->id = 0;
	rip->frag_off = htons(IPV4_F_DF);
	rip->ttl = 64;
	rip->protocol = IPPROTO_TCP;
	rip->saddr = src;
	rip->daddr = ip->saddr;
	ipv4_set_csum(rip);
	*out = r;
	return 0;
}

/*
 * __udp4_lib_rcv: the header must be there and its length must fit in the
 * datagram (more bytes than it says are trimmed, so the checksum covers
 * uh->len bytes); a zero checksum means none; a wrong one is dropped
 * before the port lookup. Otherwise no socket: port unreachable.
 */
static void local_udp(const struct pkt *p, struct local_result *res)
{
	const struct iphdr *ip = ipv4_hdr(p);
	const struct udphdr *uh;
	int len = local_l4_len(p);
	unsigned int ulen;

	if (len < (int)LOCAL_UDP_HDR_LEN || ipv4_is_fragment(ip))
		return;
	uh = (const struct udphdr *)(p->data + ipv4_hdrlen(ip));
	ulen = ntohs(uh->len);
	if (ulen < LOCAL_UDP_HDR_LEN || ulen > (unsigned int)len)
		return;
	if (uh->check && !local_l4_csum_ok(ip, uh, (uint16_t)ulen, IPPROTO_UDP))
		return;
	res->action = LOCAL_SEND_ICMP;
	res->icmp_type = ICMP_DEST_UNREACH;
	res->icmp_code = ICMP_PORT_UNREACH;
}

/* Echo and timestamp requests are answered in place; any other ICMP
 * (replies, errors, unknown types) ends here, as in icmp_rcv. */
static void local_icmp(struct pkt *p, uint32_t local_addr, uint16_t ip_id, uint32_t ms_of_day,
		       struct local_result *res)
{
	if (icmp_reply(p, local_addr, ip_id, ms_of_day) == 0)
		res->action = LOCAL_REPLY_INPLACE;
}

int local_deliver(struct pkt_pool *pool, struct pkt *p, uint32_t local_addr, uint16_t ip_id,
		  uint32_t ms_of_day, struct local_result *res)
{
	int err;

	memset(res, 0, sizeof(*res));
	res->action = LOCAL_CONSUMED;
	if (local_l4_len(p) < 0)
		return 0;
	switch (ipv4_hdr(p)->protocol) {
	case IPPROTO_ICMP:
		local_icmp(p, local_addr, ip_id, ms_of_day, res);
		return 0;
	case IPPROTO_TCP:
		err = local_tcp_reset(pool, p, local_addr, ip_id, &res->reply);
		if (err == 0)
			res->action = LOCAL_REPLY_NEW;
		/* -EINVAL: no RST due, consumed. -ENOBUFS: the caller counts. */
		return err == -ENOBUFS ? err : 0;
	case IPPROTO_UDP:
		local_udp(p, res);
		break;
	case IPPROTO_IGMP:
		return 0;
	default:
		res->action = LOCAL_SEND_ICMP;
		res->icmp_type = ICMP_DEST_UNREACH;
		res->icmp_code = ICMP_PROT_UNREACH;
		break;
	}
	/* __icmp_send's own rules hold for these errors too: none for a
	 * datagram to a multicast or limited broadcast address (UDP hands
	 * those to multicast delivery, never to the port unreachable path)
	 * or from a source that is not one host. */
	if (res->action == LOCAL_SEND_ICMP && !icmp_error_allowed(p))
		res->action = LOCAL_CONSUMED;
	return 0;
}
