// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Replacement payloads (see payload.h). The packet is checked as the
 * receive path checks one from a TUN (ipv4_validate), after its lengths and
 * header checksum are set, so that a replaced packet is never something the
 * router would have dropped on arrival; then the transport checksum is
 * computed in full (the consumer may have changed anything it covers).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include "core/csum.h"
#include "core/ipv4.h"
#include "queue/payload.h"

/* The transport checksum of p, stored at off inside the transport header. */
static void queue_payload_l4_csum(struct pkt *p, unsigned int off, bool pseudo)
{
	const struct iphdr *ip = ipv4_hdr(p);
	uint8_t *l4 = p->data + p->l4_off;
	uint16_t len = (uint16_t)(p->len - p->l4_off), sum;
	uint32_t s = pseudo ? csum_pseudo(ip->saddr, ip->daddr, ip->protocol, len) : 0;

	memset(l4 + off, 0, 2);
	sum = csum_fold(csum_partial(l4, len, s));
	if (sum == 0 && ip->protocol == IPPROTO_UDP)
		sum = 0xffff; /* 0 means "no checksum" in UDP */
	memcpy(l4 + off, &sum, 2);
}

static int queue_payload_l4(struct pkt *p)
{
	const struct iphdr *ip = ipv4_hdr(p);
	uint32_t len = p->len - p->l4_off;
	uint8_t *l4 = p->data + p->l4_off;
	struct udphdr uh;
	struct tcphdr th;

	/* A fragment carries part of the transport data: its checksum
	 * covers bytes that are not here, so it is left as it is. */
	if (ipv4_is_fragment(ip))
		return 0;
	switch (ip->protocol) {
	case IPPROTO_TCP:
		if (len < sizeof(th))
			return -EINVAL;
		memcpy(&th, l4, sizeof(th));
		if (th.doff < 5 || th.doff * 4u > len)
			return -EINVAL;
		queue_payload_l4_csum(p, offsetof(struct tcphdr, check), true);
		return 0;
	case IPPROTO_UDP:
		if (len < sizeof(uh))
			return -EINVAL;
		memcpy(&uh, l4, sizeof(uh));
		uh.len = htons((uint16_t)len);
		memcpy(l4, &uh, sizeof(uh));
		if (uh.check)
			queue_payload_l4_csum(p, offsetof(struct udphdr, check), true);
		return 0;
	case IPPROTO_ICMP:
		if (len < 8)
			return -EINVAL;
		queue_payload_l4_csum(p, offsetof(struct icmphdr, checksum), false);
		return 0;
	default:
		return 0;
	}
}

int queue_payload_replace(struct pkt *p, const uint8_t *buf, uint32_t len)
{
	enum tf_drop why;
	struct iphdr *ip;

	if (len < IPV4_HDR_MIN || len > PKT_MAX_LEN || buf[0] >> 4 != 4 ||
	    (buf[0] & 0x0f) * 4u < IPV4_HDR_MIN || (buf[0] & 0x0f) * 4u > len)
		return -EINVAL;
	/* Room: a longer packet may not fit after data if data moved on;
	 * from the standard headroom every buffer holds PKT_MAX_LEN. */
	if (len > pkt_tailroom(p) + p->len)
		p->data = p->head + PKT_HEADROOM;
	memcpy(p->data, buf, len);
	p->len = len;
	ip = ipv4_hdr(p);
	ip->tot_len = htons((uint16_t)len);
	ipv4_set_csum(ip);
	if (ipv4_validate(p, &why) < 0)
		return -EINVAL;
	/* Offload metadata described the old packet. */
	p->flags &= (uint8_t)~PKT_F_VNET;
	memset(&p->vnet, 0, sizeof(p->vnet));
	return queue_payload_l4(p);
}
