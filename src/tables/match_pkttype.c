// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * -m pkttype: the link-layer packet type, as the kernel's xt_pkttype.c;
 * options, names and save text of iptables' libxt_pkttype.c (unicast,
 * broadcast, multicast, otherhost; aliases host, bcast, mcast; any case;
 * saved by the first name of the type).
 *
 * A TUN has no link layer, so there is no link-layer destination to read
 * the type from. The kernel itself marks everything read from a TUN
 * PACKET_HOST; here the type is what an Ethernet sender on the input link
 * would have chosen for the IP destination, which is what a kernel router
 * on a real link (and the differential harness's veth router) sees:
 *   224.0.0.0/4                                    multicast
 *   255.255.255.255, or the subnet broadcast of    broadcast
 *     the interface the packet came in on
 *   anything else                                  unicast
 * "otherhost" (a frame for another station's MAC) never matches.
 * Packets the router sends itself are PACKET_HOST in the kernel until
 * they leave, so at OUTPUT and POSTROUTING they are unicast here too;
 * forwarded packets keep the type they came in with at every hook.
 */
#include <errno.h>
#include <strings.h>
#include "core/ipv4.h"
#include "core/router.h"
#include "tables/xt.h"

/* linux/if_packet.h's PACKET_* values. */
enum {
	PKTTYPE_HOST = 0,
	PKTTYPE_BROADCAST = 1,
	PKTTYPE_MULTICAST = 2,
	PKTTYPE_OTHERHOST = 3,
};

enum {
	PKTTYPE_O_TYPE = 1,
};

/* The kernel's struct xt_pkttype_info; every byte defined. */
struct pkttype_match {
	uint8_t type;
	uint8_t invert;
	uint8_t seen;    /* --pkt-type given (parsing only) */
	uint8_t pad;
};

/* libxt_pkttype.c's supported_types: the first name of a type is the one
 * printed. */
static const struct {
	const char *name;
	uint8_t type;
} pkttype_names[] = {
	{ "unicast", PKTTYPE_HOST },
	{ "broadcast", PKTTYPE_BROADCAST },
	{ "multicast", PKTTYPE_MULTICAST },
	{ "otherhost", PKTTYPE_OTHERHOST },
	{ "bcast", PKTTYPE_BROADCAST },
	{ "mcast", PKTTYPE_MULTICAST },
	{ "host", PKTTYPE_HOST },
};

#define PKTTYPE_N_NAMES (sizeof(pkttype_names) / sizeof(pkttype_names[0]))

static const struct xt_option pkttype_opts[] = {
	{ .name = "--pkt-type", .id = PKTTYPE_O_TYPE, .has_arg = true, .invertible = true },
	{ .name = NULL },
};

static int pkttype_parse(void *data, int id, const char *arg, bool invert, struct xt_parse *ps)
{
	struct pkttype_match *m = data;
	unsigned int i;

	if (id != PKTTYPE_O_TYPE)
		return xt_error(ps, "pkttype: unknown option id %d", id);
	if (m->seen)
		return xt_error(ps, "pkttype: option \"--pkt-type\" can only be used once");
	m->seen = 1;
	m->invert = invert;
	for (i = 0; i < PKTTYPE_N_NAMES; i++) {
		if (strcasecmp(arg, pkttype_names[i].name) == 0) {
			m->type = pkttype_names[i].type;
			return 0;
		}
	}
	return xt_error(ps, "pkttype: Bad packet type \"%s\"", arg);
}

static int pkttype_final(void *data, struct xt_parse *ps)
{
	struct pkttype_match *m = data;

	if (!m->seen)
		return xt_error(ps, "pkttype: option \"--pkt-type\" must be specified");
	m->seen = 0;
	return 0;
}

/* The type of p, from its IP destination and input interface. */
static uint8_t pkttype_classify(const struct xt_ctx *ctx)
{
	const struct pkt *p = ctx->p;
	uint32_t daddr = ipv4_hdr(p)->daddr;
	const struct iface *ifc;
	uint32_t a, mask;

	if ((p->flags & PKT_F_LOCAL_ORIGIN) || p->iif < 0 || p->iif >= ROUTER_MAX_IFACES)
		return PKTTYPE_HOST;
	if (ipv4_addr_is_multicast(daddr))
		return PKTTYPE_MULTICAST;
	if (ipv4_addr_is_lbcast(daddr))
		return PKTTYPE_BROADCAST;
	ifc = &ctx->r->ifaces[p->iif];
	if (!ifc->used || !ifc->addr || ifc->plen >= 31)
		return PKTTYPE_HOST;
	a = ntohl(ifc->addr);
	mask = ipv4_mask(ifc->plen);
	return ntohl(daddr) == (a | ~mask) ? PKTTYPE_BROADCAST : PKTTYPE_HOST;
}

static bool pkttype_match(const void *data, void *state, struct xt_ctx *ctx)
{
	const struct pkttype_match *m = data;

	return (pkttype_classify(ctx) == m->type) ^ !!m->invert;
}

static void pkttype_print(const void *data, struct out *o)
{
	const struct pkttype_match *m = data;
	unsigned int i;

	out_text(o, "%s --pkt-type ", m->invert ? " !" : "");
	for (i = 0; i < PKTTYPE_N_NAMES; i++) {
		if (pkttype_names[i].type == m->type) {
			out_text(o, "%s", pkttype_names[i].name);
			return;
		}
	}
	out_text(o, "%u", m->type);
}

const struct xt_match_ops match_pkttype_ops = {
	.name = "pkttype",
	.size = sizeof(struct pkttype_match),
	.opts = pkttype_opts,
	.parse = pkttype_parse,
	.final = pkttype_final,
	.match = pkttype_match,
	.print = pkttype_print,
};
