/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A connection tuple: what identifies one direction of a connection, as
 * the kernel's struct nf_conntrack_tuple for IPv4. Every entry has two, the
 * original (as its first packet was seen) and the reply (what an answer
 * looks like); both are found in one hash table (table.h).
 *
 * The layer 4 part by protocol:
 *   tcp, udp   s.port, d.port (network order)
 *   icmp       s.id (network order), d.icmp.type and d.icmp.code
 *   others     zero (one connection per address pair and protocol)
 *
 * Tuples are compared and hashed as 16 bytes, so the pad bytes are always
 * zero: build them with memset or ct_tuple_from_l4, never field by field on
 * stack garbage.
 */
#ifndef TF_CONNTRACK_TUPLE_H
#define TF_CONNTRACK_TUPLE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

struct ct_tuple {
	uint32_t src;                      /* network order */
	uint32_t dst;
	union {
		uint16_t port;
		uint16_t id;               /* icmp: the identifier */
	} s;
	union {
		uint16_t port;
		struct {
			uint8_t type, code;
		} icmp;
	} d;
	uint8_t proto;
	uint8_t pad[3];                    /* zero */
};

_Static_assert(sizeof(struct ct_tuple) == 16, "a tuple is 16 bytes");

static inline bool ct_tuple_eq(const struct ct_tuple *a, const struct ct_tuple *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* The tuple's hash under seed (a random value chosen per table, so that
 * nobody outside can aim many connections at one bucket). */
uint32_t ct_tuple_hash(const struct ct_tuple *t, uint64_t seed);

/*
 * The tuple of a datagram: addresses from the IPv4 header ip, the layer 4
 * part from the len bytes of transport header at l4 (the protocol's tracker
 * decides what it needs). false when the header is too short for it.
 */
bool ct_tuple_from_l4(struct ct_tuple *t, uint32_t saddr, uint32_t daddr, uint8_t proto,
		      const uint8_t *l4, unsigned int len);

/* The tuple of an answer to t: addresses and ports swapped, ICMP request
 * types turned into their reply types. false when t has no answer (an ICMP
 * type that is not a request or reply). */
bool ct_tuple_invert(struct ct_tuple *inv, const struct ct_tuple *t);

#endif
