/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAT: the nat table's hooks, at the kernel's places and priorities:
 *
 *   PRE_ROUTING   conntrack (-200)  ...  nat dst (-100)  ...
 *   LOCAL_OUT     conntrack (-200)  ...  nat dst (-100)  ...
 *   LOCAL_IN      ...  nat src (100)  ...  confirm (INT_MAX)
 *   POST_ROUTING  ...  nat src (100)  ...  confirm (INT_MAX)
 *
 * (nf_nat_inet_fn). Only the first packet of a connection runs the nat
 * table's chain of the hook, and only until a binding of that hook's kind
 * (source or destination) is made; a chain that makes none leaves the
 * null binding, which changes nothing but still keeps the tuple unique.
 * Every packet of a tracked connection, either direction, is then
 * rewritten to match (manip.h), and ICMP errors about it too. The router
 * routes after PRE_ROUTING and again after LOCAL_OUT, so a new destination
 * is routed on.
 *
 * MASQUERADE bindings remember their interface (ct_nat.masq_oif): one whose
 * interface went away, went down or changed its address is killed when a
 * packet of it is seen (and at once by nat_masq_forget, which the link
 * state and reload paths call), as is one whose packets now leave by
 * another interface (nf_nat_oif_changed).
 */
#ifndef TF_NAT_NAT_H
#define TF_NAT_NAT_H

#include "nat/alloc.h"
#include "tables/xt.h"

struct router;

/* Register the nat hooks on r (they do nothing while tracking is off). */
int nat_register(struct router *r);
void nat_unregister(struct router *r);

/* For the targets: bind the packet's connection for m within rg. The
 * verdict: TF_ACCEPT once bound; TF_STOLEN when the packet was dropped
 * (no free tuple: nat_no_free_tuple). oif >= 0: a MASQUERADE binding
 * on that interface. */
unsigned int nat_target(struct xt_ctx *ctx, const struct nat_range *rg, enum nat_manip m,
			int oif);

/* Forget the MASQUERADE connections of interface idx (it went down or its
 * address changed). Returns how many. */
unsigned int nat_masq_forget(struct router *r, int idx);

#endif
