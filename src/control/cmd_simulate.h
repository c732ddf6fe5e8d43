/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `tunfilter simulate [-i IF] [-o IF] [-s ADDR] -d ADDR [-p PROTO]
 *  [--sport N] [--dport N] [--icmp-type T[/C]] [--tcp-flags FLAGS|--syn]
 *  [--mark N] [--length N] [--ttl N] [--tos N]`
 *
 * Build one packet, take it along the path the router would (the same
 * decisions as router.c, read-only), and at each hook run the tables with
 * table_simulate(): no traffic, no counter or limit changes, LOG/REJECT
 * reported instead of done. Prints every step (hook, table, chain, rule
 * number, what happened), the route decisions and the final verdict.
 *
 *   -i given:  PREROUTING, route; local: INPUT; else FORWARD, POSTROUTING
 *   no -i:     from the router itself: OUTPUT, route, POSTROUTING
 *
 * -o overrides the output interface the FIB would choose (for a "what if");
 * -s defaults, without -i, to the address of the interface the packet
 * leaves by. Protocol defaults: icmp echo-request; tcp and udp ports 1024
 * to 80; tcp flags SYN; ttl 64; the length is the headers' unless given.
 */
#ifndef TF_CONTROL_CMD_SIMULATE_H
#define TF_CONTROL_CMD_SIMULATE_H

#include "control/out.h"

struct router;

/* argv: the words after "simulate". Exit status 0 (whatever the verdict),
 * 1 (no tables), 2 (a bad option). */
int cmd_simulate_run(struct router *r, int argc, const char *const *argv, struct out *o,
		     struct out *e);

#endif
