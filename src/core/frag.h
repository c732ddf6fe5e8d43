/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IPv4 fragmentation (RFC 791 section 3.2, as ip_do_fragment): the payload
 * is split on 8-byte boundaries so that each fragment fits mtu; options
 * marked "copied" go into every fragment, the others only into the first;
 * MF and offsets follow the original's (a fragment can be fragmented again).
 */
#ifndef TF_CORE_FRAG_H
#define TF_CORE_FRAG_H

#include <stdint.h>
#include "core/pkt.h"

/*
 * Fragment p for mtu. On success returns the number of fragments and links
 * them through ->next starting at *out (each a pool buffer carrying the
 * metadata of p: iif, oif, mark, hook, nexthop, flags, ct, tstamp_ms); p is
 * consumed: it becomes the first fragment (*out == p), so the caller must
 * treat only the list as its own. A p that already fits mtu is returned
 * alone (count 1). DF is not looked at: that is the caller's decision.
 * Offload metadata (vnet) is cleared: resolve checksum offload first.
 * -EMSGSIZE if mtu is too small for the header plus 8 bytes, -ENOBUFS if
 * the pool ran out (every fragment made so far is freed), -EINVAL for a
 * malformed header; on error p is left untouched and still owned by the
 * caller.
 */
int frag_split(struct pkt_pool *pool, struct pkt *p, unsigned int mtu, struct pkt **out);

#endif
