// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TCPMSS: lower the MSS option of TCP segments (xt_TCPMSS.c; options as
 * libxt_TCPMSS).
 *
 *   --set-mss N            0..65515
 *   --clamp-mss-to-pmtu    the path MTU less 40: the smaller of the output
 *                          interface's MTU and that of the route back to
 *                          the source; only from FORWARD, OUTPUT and
 *                          POSTROUTING
 *
 * Both may be given; the last one counts, as in iptables. The rule needs
 * -p tcp (the kernel's .proto). iptables-legacy also wants a SYN match in
 * the rule ("--tcp-flags SYN,RST SYN" or "--syn"); the nft back end, the
 * reference here, does not (xt_TCPMSS skips that check under nft_compat),
 * and then, as there, every matching segment is handled as below.
 *
 * On a segment (the kernel's tcpmss_mangle_packet):
 *  - an MSS option larger than the new value is lowered (never raised),
 *    with an incremental TCP checksum update;
 *  - with no MSS option and no payload, an MSS option is added in front of
 *    the other options, of min(new value, 536) (RFC 1122's default when a
 *    SYN carries none), the header growing by 4 bytes (the buffer always
 *    has tailroom), total length, IP and TCP checksums updated
 *    incrementally; not when the header is already 60 bytes;
 *  - a truncated or malformed TCP header (shorter than 20 bytes or than
 *    its data offset) drops the packet, as does an unusable path MTU
 *    (40 bytes or less); non-first fragments are left alone.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include "core/csum.h"
#include "core/hook.h"
#include "core/ipv4.h"
#include "core/router.h"
#include "tables/xt.h"

#define TCPMSS_CLAMP_PMTU 0xffffu   /* the kernel's XT_TCPMSS_CLAMP_PMTU */
#define TCPMSS_MAX 65515u           /* 65535 less the IP and TCP headers */
#define TCPMSS_MINLEN 40u           /* IP + TCP headers, taken off the MTU */
#define TCPMSS_DEFAULT 536u         /* RFC 1122 4.2.2.6 */
#define TCPOPT_MSS_KIND 2u
#define TCPOPT_MSS_LEN 4u

enum { O_SET_MSS, O_CLAMP_MSS };

struct tcpmss_info {
	uint16_t mss;      /* or TCPMSS_CLAMP_PMTU */
	uint8_t seen;      /* options given (parsing only) */
};

static const struct xt_option tcpmss_opts[] = {
	{ .name = "--set-mss", .id = O_SET_MSS, .has_arg = true },
	{ .name = "--clamp-mss-to-pmtu", .id = O_CLAMP_MSS },
	{ .name = NULL },
};

static int tcpmss_parse(void *data, int id, const char *arg, bool invert, struct xt_parse *ps)
{
	struct tcpmss_info *t = data;
	uint32_t v;

	if (t->seen & (1u << id))
		return xt_error(ps, "TCPMSS: option \"%s\" can only be used once",
				tcpmss_opts[id].name);
	t->seen |= (uint8_t)(1u << id);
	if (id == O_CLAMP_MSS) {
		t->mss = TCPMSS_CLAMP_PMTU;
		return 0;
	}
	if (xt_parse_u32(ps, "--set-mss", arg, 0, TCPMSS_MAX, &v) < 0)
		return -EINVAL;
	t->mss = (uint16_t)v;
	return 0;
}

static int tcpmss_final(void *data, struct xt_parse *ps)
{
	struct tcpmss_info *t = data;

	if (!t->seen)
		return xt_error(ps, "TCPMSS target: At least one parameter is required");
	t->seen = 0;
	return 0;
}

static int tcpmss_check(const void *data, const struct xt_check *chk)
{
	const struct tcpmss_info *t = data;
	const unsigned int pmtu_hooks = 1u << HOOK_FORWARD | 1u << HOOK_LOCAL_OUT |
					1u << HOOK_POST_ROUTING;

	if (chk->proto != IPPROTO_TCP || chk->proto_inv)
		return xt_error(chk->ps, "TCPMSS target: only valid for protocol 6");
	if (t->mss == TCPMSS_CLAMP_PMTU && (chk->hook_mask & ~pmtu_hooks))
		return xt_error(chk->ps, "TCPMSS target: path-MTU clamping only supported in "
				"FORWARD, OUTPUT and POSTROUTING hooks");
	return 0;
}

static void tcpmss_print(const void *data, struct out *o)
{
	const struct tcpmss_info *t = data;

	if (t->mss == TCPMSS_CLAMP_PMTU)
		out_text(o, " --clamp-mss-to-pmtu");
	else
		out_text(o, " --set-mss %u", (unsigned int)t->mss);
}

/* MTU of the route to addr (network order), ~0 when unknown or local
 * (the kernel's local routes have the loopback's 64 KiB MTU). */
static uint32_t tcpmss_route_mtu(const struct router *r, uint32_t addr)
{
	const struct route *rt = route_lookup(r->fib, ntohl(addr));

	if (!rt || rt->kind == ROUTE_LOCAL || rt->oif < 0 || (unsigned int)rt->oif >= r->n_ifaces)
		return ~0u;
	return r->ifaces[rt->oif].mtu;
}

/* The path MTU of --clamp-mss-to-pmtu: min(output MTU, reverse MTU). At
 * OUTPUT the route is not taken yet here, so it is looked up. */
static uint32_t tcpmss_pmtu(const struct xt_ctx *ctx, const struct iphdr *ip)
{
	uint32_t out = ctx->out ? ctx->out->mtu : tcpmss_route_mtu(ctx->r, ip->daddr);
	uint32_t back = tcpmss_route_mtu(ctx->r, ip->saddr);

	return out < back ? out : back;
}

/* The kernel's optlen(): a zero length must still make progress. */
static unsigned int tcpmss_optlen(const uint8_t *opt, unsigned int i)
{
	return opt[i] <= 1 || opt[i + 1] == 0 ? 1 : opt[i + 1];
}

/*
 * A segment whose checksum is still to be computed downstream (the TUN's
 * virtio header says NEEDS_CSUM: a local sender behind it offloaded it)
 * holds only the pseudo-header's sum, uncomplemented, in its checksum
 * field: changes to the segment's bytes leave it alone, a change of
 * length goes into it (inet_proto_csum_replace* with CHECKSUM_PARTIAL).
 */
static bool tcpmss_csum_partial(const struct pkt *p)
{
	return (p->flags & PKT_F_VNET) && (p->vnet.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM);
}

/* Insert an MSS option of mss in front of the options of the header at
 * th (tcplen bytes, no payload): the caller checked tailroom and doff. */
static void tcpmss_add(struct pkt *p, uint8_t *th, unsigned int tcplen, uint16_t mss)
{
	struct iphdr *ip = ipv4_hdr(p);
	uint16_t *check = (uint16_t *)(th + 16);
	uint16_t old_len = htons((uint16_t)tcplen);
	uint16_t new_len = htons((uint16_t)(tcplen + TCPOPT_MSS_LEN));
	uint16_t old_off, new_off, tot, c;
	uint8_t opt[4] = { TCPOPT_MSS_KIND, TCPOPT_MSS_LEN, (uint8_t)(mss >> 8), (uint8_t)mss };
	uint32_t w;

	memmove(th + 20 + TCPOPT_MSS_LEN, th + 20, tcplen - 20);
	memcpy(th + 20, opt, sizeof(opt));
	memcpy(&old_off, th + 12, sizeof(old_off));
	th[12] = (uint8_t)(th[12] + (TCPOPT_MSS_LEN / 4 << 4));
	memcpy(&new_off, th + 12, sizeof(new_off));
	p->len += TCPOPT_MSS_LEN;
	if (tcpmss_csum_partial(p)) {
		c = (uint16_t)~*check;
		csum_replace2(&c, old_len, new_len);
		*check = (uint16_t)~c;
	} else {
		/* The pseudo-header's length, the new option, the data offset. */
		csum_replace2(check, old_len, new_len);
		memcpy(&w, opt, sizeof(w));
		csum_replace4(check, 0, w);
		csum_replace2(check, old_off, new_off);
	}
	tot = htons((uint16_t)(ntohs(ip->tot_len) + TCPOPT_MSS_LEN));
	csum_replace2(&ip->check, ip->tot_len, tot);
	ip->tot_len = tot;
}

static unsigned int tcpmss_target(const void *data, void *state, struct xt_ctx *ctx)
{
	const struct tcpmss_info *t = data;
	struct pkt *p = ctx->p;
	struct iphdr *ip = ipv4_hdr(p);
	unsigned int i, hl, len, newmss = t->mss;
	uint8_t *th;
	uint32_t mtu;

	if (ctx->fragoff)
		return XT_CONTINUE;
	len = p->len - ctx->thoff;
	if (p->len < ctx->thoff || len < 20)
		return TF_DROP;
	th = p->data + ctx->thoff;
	hl = (th[12] >> 4) * 4u;
	if (len < hl || hl < 20)
		return TF_DROP;
	if (t->mss == TCPMSS_CLAMP_PMTU) {
		mtu = tcpmss_pmtu(ctx, ip);
		if (mtu <= TCPMSS_MINLEN)
			return TF_DROP;
		newmss = mtu - TCPMSS_MINLEN > 0xffff ? 0xffff : mtu - TCPMSS_MINLEN;
	}
	for (i = 20; i + TCPOPT_MSS_LEN <= hl; i += tcpmss_optlen(th, i)) {
		if (th[i] == TCPOPT_MSS_KIND && th[i + 1] == TCPOPT_MSS_LEN) {
			uint16_t oldmss = (uint16_t)(th[i + 2] << 8 | th[i + 3]);
			uint16_t o = htons(oldmss), n = htons((uint16_t)newmss);

			/* Never raise it: hosts rely on the MSS they announced. */
			if (oldmss <= newmss)
				return XT_CONTINUE;
			th[i + 2] = (uint8_t)(newmss >> 8);
			th[i + 3] = (uint8_t)newmss;
			if (!tcpmss_csum_partial(p))
				csum_replace2((uint16_t *)(th + 16), o, n);
			return XT_CONTINUE;
		}
	}
	/* Payload behind the header: adding the option would mean moving it,
	 * and could make the segment too large. A full header has no room. */
	if (len > hl || hl >= 60 || pkt_tailroom(p) < TCPOPT_MSS_LEN)
		return XT_CONTINUE;
	tcpmss_add(p, th, hl, (uint16_t)(newmss < TCPMSS_DEFAULT ? newmss : TCPMSS_DEFAULT));
	return XT_CONTINUE;
}

const struct xt_target_ops target_TCPMSS_ops = {
	.name = "TCPMSS",
	.size = sizeof(struct tcpmss_info),
	.opts = tcpmss_opts,
	.parse = tcpmss_parse,
	.final = tcpmss_final,
	.check = tcpmss_check,
	.target = tcpmss_target,
	.print = tcpmss_print,
};
