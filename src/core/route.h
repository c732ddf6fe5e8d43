/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The FIB: longest-prefix match over IPv4 routes. Each route names an output
 * interface (router interface index) and a kind: connected (from an
 * interface address), static (from [routes]) or local (a router address,
 * /32). Lookups are O(32) in the worst case whatever the route count; the
 * tests compare every lookup with a naive linear scan.
 *
 * Addresses and prefixes are in host byte order here.
 */
#ifndef TF_CORE_ROUTE_H
#define TF_CORE_ROUTE_H

#include <stdint.h>
#include <stddef.h>

enum route_kind {
	ROUTE_CONNECTED = 0,
	ROUTE_STATIC,
	ROUTE_LOCAL,     /* an address of the router itself */
	ROUTE_BROADCAST, /* a subnet broadcast address of a router link */
};

struct route {
	uint32_t prefix;   /* host order, masked */
	uint8_t plen;      /* 0..32 */
	uint8_t kind;      /* enum route_kind */
	int16_t oif;       /* router interface index */
};

struct route_table;

struct route_table *route_table_new(void);
void route_table_free(struct route_table *t);

/* Add or replace the route for prefix/plen (the prefix is masked here).
 * 0, -EINVAL (plen > 32), -ENOMEM. */
int route_add(struct route_table *t, uint32_t prefix, uint8_t plen, enum route_kind kind, int oif);
/* 0 or -ENOENT. */
int route_del(struct route_table *t, uint32_t prefix, uint8_t plen);
/* Longest match for addr, or NULL. The pointer is valid until the next change. */
const struct route *route_lookup(const struct route_table *t, uint32_t addr);
/* Number of routes. */
size_t route_count(const struct route_table *t);
/* Call fn for every route in ascending (prefix, plen) order; stops on nonzero. */
int route_walk(const struct route_table *t, int (*fn)(const struct route *r, void *arg), void *arg);

const char *route_kind_name(enum route_kind kind);

#endif
