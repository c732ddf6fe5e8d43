/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Packet rewriting for NAT (the kernel's nf_nat_packet,
 * nf_nat_ipv4_manip_pkt and nf_nat_icmp_reply_translation).
 *
 * A connection's binding is in its conntrack entry (alloc.h): a packet
 * going in direction dir is made to look like the answer to the other
 * direction's tuple. The source side is rewritten at POST_ROUTING and
 * LOCAL_IN, the destination side at PRE_ROUTING and LOCAL_OUT; in the
 * reply direction the roles swap (an SNATed connection's answers get their
 * destination put back at PRE_ROUTING).
 *
 * Checksums are updated incrementally (RFC 1624): the IPv4 header's, the
 * TCP and UDP checksums for the port and the pseudo-header address (a UDP
 * checksum of zero means none and stays zero; an update that comes to zero
 * is written 0xffff), the ICMP echo checksum for the identifier. For an
 * ICMP error every word changed in the quoted packet (addresses, ports, its
 * checksums) is carried into the error's own checksum the same way.
 */
#ifndef TF_NAT_MANIP_H
#define TF_NAT_MANIP_H

#include <stdbool.h>
#include "conntrack/entry.h"
#include "core/pkt.h"
#include "nat/alloc.h"

/* Rewrite the header at off (0: the packet's; else a quoted one) so that
 * its m side is target's. outer: a checksum covering these bytes too, or
 * NULL. false when the headers are too short to rewrite. */
bool nat_manip_hdr(struct pkt *p, unsigned int off, const struct ct_tuple *target,
		   enum nat_manip m, uint16_t *outer);
/* Rewrite a packet of e going in dir, for m, if the binding asks. */
bool nat_manip_packet(struct pkt *p, const struct ct_entry *e, enum ct_dir dir,
		      enum nat_manip m);
/* Rewrite an ICMP error RELATED to e (ctinfo says which way), quoted
 * packet and all. false: malformed, drop it. */
bool nat_manip_icmp_error(struct pkt *p, const struct ct_entry *e, uint8_t ctinfo,
			  enum nat_manip m);

#endif
