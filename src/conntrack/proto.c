// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The trackers by protocol number: tcp, udp and icmp have their own,
 * every other protocol is tracked by addresses alone (generic).
 */
#include <netinet/in.h>
#include "conntrack/proto.h"
#include "conntrack/table.h"
#include "core/csum.h"
#include "core/ipv4.h"

const struct ct_proto_ops *ct_proto_find(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return &ct_tcp_ops;
	case IPPROTO_UDP:
		return &ct_udp_ops;
	case IPPROTO_ICMP:
		return &ct_icmp_ops;
	default:
		return &ct_generic_ops;
	}
}

/*
 * nf_checksum() as the trackers use it: only at PRE_ROUTING (what we send
 * ourselves is assumed right), only with the checksum setting on, and not
 * when the TUN's virtio header vouched for it (skb_csum_unnecessary).
 * pseudo: whether the pseudo-header is covered (tcp, udp).
 */
bool ct_proto_csum_bad(const struct ct_l4_ctx *c, bool pseudo)
{
	const struct pkt *p = c->p;
	const struct iphdr *ip = ipv4_hdr(p);
	uint32_t sum = 0;

	if (!c->t->cfg.checksum || c->hook != HOOK_PRE_ROUTING)
		return false;
	if ((p->flags & PKT_F_VNET) &&
	    (p->vnet.flags & (VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID)))
		return false;
	if (pseudo)
		sum = csum_pseudo(ip->saddr, ip->daddr, ip->protocol, (uint16_t)c->l4len);
	return csum_fold(csum_partial(c->l4, c->l4len, sum)) != 0;
}
