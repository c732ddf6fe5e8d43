// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * UDP (nf_conntrack_proto_udp): by ports. udp_timeout (30 s) after each
 * packet until a reply is seen; once replies come, and the conversation is
 * still going two seconds after it started, it is a stream: ASSURED, and
 * udp_timeout_stream (120 s) after each packet.
 *
 * A clash loser (CT_S_NAT_CLASH, see clash.c) keeps its one-second fixed
 * timeout and never becomes ASSURED, as in the kernel's udp_packet.
 *
 * INVALID: a header cut short, a length field that disagrees with the
 * datagram, a wrong checksum (0 means none, and is fine).
 */
#include <arpa/inet.h>
#include <netinet/udp.h>
#include "conntrack/proto.h"
#include "conntrack/table.h"

#define CT_UDP_STREAM_MS 2000u

static bool ct_udp_tuple(struct ct_tuple *t, const uint8_t *l4, unsigned int len)
{
	const struct udphdr *uh = (const struct udphdr *)l4;

	/* The ports are enough (an ICMP error quotes only 8 bytes anyway). */
	if (len < 4)
		return false;
	t->s.port = uh->source;
	t->d.port = uh->dest;
	return true;
}

static bool ct_udp_invert(struct ct_tuple *inv, const struct ct_tuple *t)
{
	inv->s.port = t->d.port;
	inv->d.port = t->s.port;
	return true;
}

static int ct_udp_error(const struct ct_l4_ctx *c)
{
	const struct udphdr *uh = (const struct udphdr *)c->l4;

	if (c->l4len < sizeof(*uh) || ntohs(uh->len) > c->l4len || ntohs(uh->len) < sizeof(*uh))
		return CT_R_INVALID;
	if (uh->check && ct_proto_csum_bad(c, true))
		return CT_R_INVALID;
	return CT_R_ACCEPT;
}

static bool ct_udp_new(struct ct_entry *e, const struct ct_l4_ctx *c)
{
	e->proto.udp.stream_ms = c->now + CT_UDP_STREAM_MS;
	return true;
}

static int ct_udp_packet(struct ct_entry *e, const struct ct_l4_ctx *c, enum ct_dir dir,
			 uint8_t ctinfo)
{
	const uint32_t *to = c->t->cfg.timeout_ms;
	uint32_t timeout = to[CT_TO_UDP];
	bool stream = false;

	/* SEEN_REPLY is set after this, as in the kernel: the first reply
	 * still gets the short timeout. */
	if (e->status & CT_S_SEEN_REPLY) {
		if (c->now > e->proto.udp.stream_ms) {
			timeout = to[CT_TO_UDP_STREAM];
			stream = !(e->status & CT_S_ASSURED);
		}
	}
	ct_table_refresh(c->t, e, timeout);
	/* A clash loser (entry.h) is never ASSURED: it is to go within its
	 * second, and stay evictable until then. Its refresh above changed
	 * nothing (fixed timeout). */
	if (e->status & CT_S_NAT_CLASH)
		return CT_R_ACCEPT;
	if (stream) {
		e->status |= CT_S_ASSURED;
		e->ecache |= CT_EC_STATUS;
	}
	return CT_R_ACCEPT;
}

const struct ct_proto_ops ct_udp_ops = {
	.proto = IPPROTO_UDP,
	.name = "udp",
	.tuple = ct_udp_tuple,
	.invert = ct_udp_invert,
	.error = ct_udp_error,
	.new = ct_udp_new,
	.packet = ct_udp_packet,
	.allow_clash = true,
};
