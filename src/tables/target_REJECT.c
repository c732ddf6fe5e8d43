// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * REJECT: drop the packet and answer its sender (ipt_REJECT.c with
 * nf_reject_ipv4.c; options as libipt_REJECT).
 *
 *   --reject-with TYPE   icmp-net-unreachable icmp-host-unreachable
 *                        icmp-proto-unreachable icmp-port-unreachable
 *                        (default) icmp-net-prohibited icmp-host-prohibited
 *                        icmp-admin-prohibited tcp-reset, or the aliases
 *                        net-unreach host-unreach proto-unreach port-unreach
 *                        net-prohib host-prohib admin-prohib tcp-rst.
 *                        As iptables, any case and any prefix of a name
 *                        or alias is taken, the first in that order
 *                        winning ("tcp" is tcp-reset, "icmp-" is
 *                        icmp-net-unreachable), so that every rule iptables
 *                        reads reads the same here.
 *
 * Only in the filter table (x_tables checks ipt_REJECT's .table), and
 * tcp-reset only for a -p tcp rule.
 *
 * The answers, as the kernel's:
 *  - ICMP (nf_send_unreach): none about a non-first fragment, nor when the
 *    transport checksum is wrong (a corrupted packet must not draw an
 *    answer its sender would believe); protocols whose checksum is not a
 *    plain one's complement sum of the payload (UDP without checksum,
 *    GRE, AH, ESP, SCTP, UDP-Lite, DCCP) are not checked. The error itself
 *    goes through router_icmp_error as icmp_send: the RFC 1812 rules (no
 *    error about an error, to a broadcast...) and the rate limits.
 *  - tcp-reset (nf_send_reset): none for a RST, a non-first fragment, a
 *    bad checksum, or a segment to a broadcast or multicast address. The
 *    RST comes from the segment's destination (even when that is not us)
 *    to its source, TOS 0, TTL 64, DF, IP ID 0, window 0; it acknowledges
 *    the segment unless the segment carried an ACK, whose number it then
 *    takes as its sequence. It leaves through LOCAL_OUT.
 * Checksums are not verified when the TUN's virtio header vouched for them
 * (NEEDS_CSUM or DATA_VALID: the kernel's skb_csum_unnecessary).
 *
 * A dry run (tunfilter simulate) answers DROP and sends nothing.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include "core/csum.h"
#include "core/hook.h"
#include "core/ipv4.h"
#include "core/router.h"
#include "tables/xt.h"

#define REJECT_TCP_HDR 20u
#define REJECT_TTL 64u   /* ip4_dst_hoplimit: net.ipv4.ip_default_ttl */

/* The kernel's enum ipt_reject_with; 4 was the long gone echo-reply. */
enum reject_with {
	REJECT_NET_UNREACH = 0,
	REJECT_HOST_UNREACH,
	REJECT_PROTO_UNREACH,
	REJECT_PORT_UNREACH,
	REJECT_ECHOREPLY,
	REJECT_NET_PROHIB,
	REJECT_HOST_PROHIB,
	REJECT_TCP_RESET,
	REJECT_ADMIN_PROHIB,
	REJECT_MAX,
};

static const struct {
	const char *name;
	const char *alias;
	uint8_t code;          /* ICMP destination unreachable code */
} reject_types[REJECT_MAX] = {
	[REJECT_NET_UNREACH] = { "icmp-net-unreachable", "net-unreach", ICMP_NET_UNREACH },
	[REJECT_HOST_UNREACH] = { "icmp-host-unreachable", "host-unreach", ICMP_HOST_UNREACH },
	[REJECT_PROTO_UNREACH] = { "icmp-proto-unreachable", "proto-unreach", ICMP_PROT_UNREACH },
	[REJECT_PORT_UNREACH] = { "icmp-port-unreachable", "port-unreach", ICMP_PORT_UNREACH },
	[REJECT_NET_PROHIB] = { "icmp-net-prohibited", "net-prohib", ICMP_NET_ANO },
	[REJECT_HOST_PROHIB] = { "icmp-host-prohibited", "host-prohib", ICMP_HOST_ANO },
	[REJECT_TCP_RESET] = { "tcp-reset", "tcp-rst", 0 },
	[REJECT_ADMIN_PROHIB] = { "icmp-admin-prohibited", "admin-prohib", ICMP_PKT_FILTERED },
};

struct reject_info {
	uint8_t with;      /* enum reject_with */
	uint8_t seen;      /* --reject-with given (parsing only) */
};

enum { O_REJECT_WITH };

static const struct xt_option reject_opts[] = {
	{ .name = "--reject-with", .id = O_REJECT_WITH, .has_arg = true },
	{ .name = NULL },
};

static int reject_parse(void *data, int id, const char *arg, bool invert, struct xt_parse *ps)
{
	struct reject_info *ri = data;
	size_t n = strlen(arg);
	unsigned int i;

	if (ri->seen)
		return xt_error(ps, "REJECT: option \"--reject-with\" can only be used once");
	ri->seen = 1;
	for (i = 0; i < REJECT_MAX; i++) {
		if (!reject_types[i].name)
			continue;
		if (strncasecmp(reject_types[i].name, arg, n) == 0 ||
		    strncasecmp(reject_types[i].alias, arg, n) == 0) {
			ri->with = (uint8_t)i;
			return 0;
		}
	}
	return xt_error(ps, "unknown reject type \"%s\"", arg);
}

static int reject_final(void *data, struct xt_parse *ps)
{
	struct reject_info *ri = data;

	if (!ri->seen)
		ri->with = REJECT_PORT_UNREACH;
	ri->seen = 0;
	return 0;
}

static int reject_check(const void *data, const struct xt_check *chk)
{
	const struct reject_info *ri = data;

	if (chk->table != XT_TABLE_FILTER)
		return xt_error(chk->ps, "REJECT target: only valid in filter table, not %s",
				xt_table_name(chk->table));
	if (ri->with == REJECT_TCP_RESET && (chk->proto != IPPROTO_TCP || chk->proto_inv))
		return xt_error(chk->ps, "REJECT: --reject-with tcp-reset is only valid with -p tcp");
	return 0;
}

static void reject_print(const void *data, struct out *o)
{
	const struct reject_info *ri = data;

	out_text(o, " --reject-with %s", reject_types[ri->with].name);
}

/* skb_csum_unnecessary: the TUN's virtio header said the checksum is
 * fine (DATA_VALID) or still to be filled in (NEEDS_CSUM, a local sender
 * behind the TUN). */
static bool reject_csum_unnecessary(const struct pkt *p)
{
	return (p->flags & PKT_F_VNET) &&
	       (p->vnet.flags & (VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID));
}

/* nf_reject_verify_csum: is the payload covered by a plain checksum? */
static bool reject_verify_csum(const struct pkt *p, unsigned int hl, uint8_t proto)
{
	switch (proto) {
	case IPPROTO_UDP:
		/* A UDP checksum of 0 means none was computed. */
		if (p->len >= hl + sizeof(struct udphdr))
			return ((const struct udphdr *)(p->data + hl))->check != 0;
		return true;
	case IPPROTO_GRE:
	case IPPROTO_AH:
	case IPPROTO_ESP:
	case IPPROTO_SCTP:
	case IPPROTO_UDPLITE:
	case IPPROTO_DCCP:
		return false;
	default:
		return true;
	}
}

/* nf_ip_checksum on the whole payload: with the pseudo-header for TCP and
 * UDP, alone for the others (ICMP, IGMP...). */
static bool reject_csum_ok(const struct pkt *p, unsigned int hl, uint8_t proto)
{
	const struct iphdr *ip = ipv4_hdr(p);
	uint32_t len = p->len - hl;
	uint32_t sum = 0;

	if (reject_csum_unnecessary(p))
		return true;
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP)
		sum = csum_pseudo(ip->saddr, ip->daddr, proto, (uint16_t)len);
	return csum_fold(csum_partial(p->data + hl, len, sum)) == 0;
}

static void reject_send_unreach(struct xt_ctx *ctx, uint8_t code)
{
	const struct pkt *p = ctx->p;
	const struct iphdr *ip = ipv4_hdr(p);
	unsigned int hl = ipv4_hdrlen(ip);

	if (ip->frag_off & htons(IPV4_OFFMASK))
		return;
	if (reject_verify_csum(p, hl, ip->protocol) && !reject_csum_ok(p, hl, ip->protocol))
		return;
	router_icmp_error(ctx->r, p, ICMP_DEST_UNREACH, code, 0);
}

/* The segment went to a broadcast or multicast address (the kernel looks
 * at its route's RTCF_BROADCAST / RTCF_MULTICAST). */
static bool reject_to_broadcast(const struct router *r, uint32_t daddr)
{
	const struct route *rt;

	if (ipv4_addr_is_multicast(daddr) || ipv4_addr_is_lbcast(daddr))
		return true;
	rt = route_lookup(r->fib, ntohl(daddr));
	return rt && rt->kind == ROUTE_BROADCAST;
}

/* nf_reject_iphdr_put + nf_reject_ip_tcphdr_put. */
static void reject_fill_rst(struct pkt *n, const struct pkt *p, const struct tcphdr *th)
{
	const struct iphdr *oip = ipv4_hdr(p);
	struct iphdr *ip = ipv4_hdr(n);
	struct tcphdr *t = (struct tcphdr *)(n->data + IPV4_HDR_MIN);

	n->len = IPV4_HDR_MIN + REJECT_TCP_HDR;
	n->l4_off = IPV4_HDR_MIN;
	memset(n->data, 0, n->len);
	ip->version = 4;
	ip->ihl = IPV4_HDR_MIN / 4;
	ip->tot_len = htons((uint16_t)n->len);
	ip->frag_off = htons(IPV4_F_DF);
	ip->ttl = REJECT_TTL;
	ip->protocol = IPPROTO_TCP;
	ip->saddr = oip->daddr;
	ip->daddr = oip->saddr;
	ipv4_set_csum(ip);

	t->source = th->dest;
	t->dest = th->source;
	t->doff = REJECT_TCP_HDR / 4;
	if (th->ack) {
		t->seq = th->ack_seq;
	} else {
		/* Acknowledge all the segment took of sequence space. */
		t->ack_seq = htonl(ntohl(th->seq) + th->syn + th->fin + p->len -
				   ipv4_hdrlen(oip) - th->doff * 4u);
		t->ack = 1;
	}
	t->rst = 1;
	t->check = csum_fold(csum_partial(t, REJECT_TCP_HDR,
					  csum_pseudo(ip->saddr, ip->daddr, IPPROTO_TCP,
						      REJECT_TCP_HDR)));
}

static void reject_send_reset(struct xt_ctx *ctx)
{
	const struct pkt *p = ctx->p;
	const struct iphdr *ip = ipv4_hdr(p);
	unsigned int hl = ipv4_hdrlen(ip);
	const struct tcphdr *th;
	struct pkt *n;

	if ((ip->frag_off & htons(IPV4_OFFMASK)) || ip->protocol != IPPROTO_TCP ||
	    p->len < hl + REJECT_TCP_HDR)
		return;
	th = (const struct tcphdr *)(p->data + hl);
	if (th->rst || !reject_csum_ok(p, hl, IPPROTO_TCP))
		return;
	if (reject_to_broadcast(ctx->r, ip->daddr))
		return;
	n = pkt_alloc(&ctx->r->pool);
	if (!n) {
		drop_count(&ctx->r->drops, DROP_NO_BUFFER);
		return;
	}
	reject_fill_rst(n, p, th);
	router_ct_attach(ctx->r, n, p); /* RELATED to what it answers (nf_send_reset) */
	router_local_out(ctx->r, n);
}

static unsigned int reject_target(const void *data, void *state, struct xt_ctx *ctx)
{
	const struct reject_info *ri = data;

	if (ctx->dry_run)
		return TF_DROP;
	if (ri->with == REJECT_TCP_RESET)
		reject_send_reset(ctx);
	else
		reject_send_unreach(ctx, reject_types[ri->with].code);
	return TF_DROP;
}

const struct xt_target_ops target_REJECT_ops = {
	.name = "REJECT",
	.size = sizeof(struct reject_info),
	.opts = reject_opts,
	.parse = reject_parse,
	.final = reject_final,
	.check = reject_check,
	.target = reject_target,
	.print = reject_print,
};
