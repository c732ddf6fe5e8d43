/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a NAT target asks for (the kernel's struct nf_nat_range2 for IPv4):
 * an address range, a port (or ICMP identifier) range, and flags; and the
 * parsing and printing of its options, shared by SNAT, DNAT, MASQUERADE and
 * REDIRECT as libxt_NAT shares them.
 */
#ifndef TF_NAT_RANGE_H
#define TF_NAT_RANGE_H

#include <stdbool.h>
#include <stdint.h>
#include "tables/xt.h"

/* The kernel's NF_NAT_RANGE_* bits, same values. */
enum {
	NAT_F_MAP_IPS = 1u << 0,         /* the address range applies */
	NAT_F_PROTO_SPECIFIED = 1u << 1, /* the port range applies */
	NAT_F_RANDOM = 1u << 2,          /* --random */
	NAT_F_PERSISTENT = 1u << 3,      /* --persistent */
	NAT_F_RANDOM_FULLY = 1u << 4,    /* --random-fully */
};

#define NAT_F_RANDOM_ALL (NAT_F_RANDOM | NAT_F_RANDOM_FULLY)

struct nat_range {
	uint32_t min_addr, max_addr;  /* network order */
	uint16_t min_port, max_port;  /* host order */
	uint8_t flags;                /* NAT_F_* */
	uint8_t seen;                 /* options given (parsing only), target-defined bits */
};

/* "A[-B][:p[-q]]" of --to-source / --to-destination into r (libxt_NAT's
 * parse_to, its messages). */
int nat_range_parse_to(struct nat_range *r, const char *arg, struct xt_parse *ps);
/* "p[-q]" of --to-ports. */
int nat_range_parse_ports(struct nat_range *r, const char *arg, struct xt_parse *ps);
/* " --to-source 1.2.3.4-1.2.3.9:1000-2000", as iptables-save (opt NULL:
 * the address part is not printed, ports as " --to-ports p[-q]"). */
void nat_range_print(const struct nat_range *r, const char *opt, struct out *o);
/* The rule must say -p tcp, udp, sctp, dccp or icmp for a port range. */
int nat_range_check_proto(const struct nat_range *r, struct xt_parse *ps);
/* x_tables' table and hook checks of a NAT target: only in nat, only
 * from the hooks in allowed (1u << HOOK_*). */
int nat_range_check_hooks(const char *target, const struct xt_check *chk, unsigned int allowed);

#endif
