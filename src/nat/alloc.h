/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAT bindings: choosing the translated tuple of a new connection and
 * storing it in its conntrack entry (the kernel's nf_nat_setup_info and
 * get_unique_tuple).
 *
 * A binding is made once per manipulation type (source, destination) on
 * the first packet of a connection, before its entry is confirmed. The
 * entry's reply tuple becomes the answer to the translated packet; the
 * translated tuple must be unique, that is, no confirmed entry may already
 * expect that answer: otherwise two connections would share one reply and
 * the second could never be told apart.
 *
 * Port choice, as the kernel:
 *   - SNAT keeps the connection's own source (address and port) when it
 *     is in the range and unused, unless --random/--random-fully;
 *   - otherwise the address is picked from the range by a hash of the
 *     source and (without --persistent) destination addresses, so that a
 *     client keeps its address across connections;
 *   - then the port (ICMP: the echo identifier) is kept if unused, else
 *     searched in the range from a random offset (from 0 for DNAT without
 *     --random). Without a range, a source port keeps its class: 1-511,
 *     600-1023 (the kernel's numbers), 1024-65535; a destination port is
 *     never changed; the ICMP identifier may take any value.
 * Unlike the kernel, which tries at most 128 random ports and then lets the
 * insertion clash, the search here covers the whole range, so it fails
 * only when every port is taken (the caller drops: nat_no_free_tuple).
 */
#ifndef TF_NAT_ALLOC_H
#define TF_NAT_ALLOC_H

#include <stdbool.h>
#include <stdint.h>
#include "conntrack/entry.h"
#include "nat/range.h"

struct ct_table;

enum nat_manip {
	NAT_MANIP_SRC = 0,
	NAT_MANIP_DST = 1,
};

static inline bool nat_alloc_done(const struct ct_entry *e, enum nat_manip m)
{
	return e->status & (m == NAT_MANIP_SRC ? CT_S_SRC_NAT_DONE : CT_S_DST_NAT_DONE);
}

/*
 * Bind the unconfirmed entry e for manipulation m within r; rnd is a
 * random value (the search offset). 0; -EADDRNOTAVAIL when no unique tuple
 * is left in the range; -EBUSY when e is confirmed already.
 */
int nat_alloc_setup(struct ct_table *t, struct ct_entry *e, const struct nat_range *r,
		    enum nat_manip m, uint32_t rnd);
/* The binding that changes nothing (nf_nat_alloc_null_binding): the
 * address stays, but a clash still moves the port. */
int nat_alloc_null(struct ct_table *t, struct ct_entry *e, enum nat_manip m, uint32_t rnd);

#endif
