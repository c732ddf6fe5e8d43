/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The router the packet, queue and control harnesses share:
 *
 *   10.1.0.0/24 --- lan0 [10.1.0.1/24, mtu 1500]  router  [10.2.0.1/24, mtu M] wan0
 *                                                  10.20.0.0/16 and default via wan0
 *
 * Its output (fuzznet_ops) is checked, then freed: whatever leaves the
 * router has a valid IPv4 header whose total length is the packet's, fits
 * the link's MTU, and, when the router wrote it itself (ICMP errors and
 * replies, RSTs) and it is not a fragment, has a right transport checksum.
 */
#ifndef TF_FUZZNET_H
#define TF_FUZZNET_H

#include <stdint.h>
#include "core/router.h"

extern const struct router_ops fuzznet_ops;

/* An address in network order. */
uint32_t fuzznet_addr(const char *s);
/* router_init with fuzznet_ops, the two links (wan0's MTU given), the
 * routes, the clock at 1000 s, and the tables. Aborts on failure. */
void fuzznet_up(struct router *r, const struct router_config *cfg, uint32_t wan_mtu);
/* Restore text into a new ruleset and commit it. Aborts on failure. */
void fuzznet_rules(struct router *r, const char *text);
/* Make an IPv4 header of len bytes pass validation: version 4, an IHL that
 * fits, the total length, the checksum. */
void fuzznet_fix_ip(uint8_t *d, uint32_t len);
/* Make the TCP, UDP or ICMP checksum right (not in fragments). */
void fuzznet_fix_l4(uint8_t *d, uint32_t len);

#endif
