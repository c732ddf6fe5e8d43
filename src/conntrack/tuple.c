// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tuples: hashing, building from a packet, inverting. The layer 4 parts
 * are the trackers' (proto.h); this file only dispatches.
 *
 * The hash mixes the 16 bytes as two 64-bit words with the table's random
 * seed, multiply-xorshift style (the finaliser of MurmurHash3 / SplitMix64):
 * every input bit reaches every output bit, which the naive-reference test
 * checks by the spread of random tuples over buckets.
 */
#include <string.h>
#include "conntrack/proto.h"
#include "conntrack/tuple.h"
#include "core/hash.h"

uint32_t ct_tuple_hash(const struct ct_tuple *t, uint64_t seed)
{
	uint64_t a, b;

	a = (uint64_t)t->src << 32 | t->dst;
	b = (uint64_t)t->s.port << 32 | (uint64_t)t->d.port << 16 | t->proto;
	a = hash_mix64(a ^ seed);
	b = hash_mix64(b ^ (seed * 0x9e3779b97f4a7c15ull) ^ a);
	return (uint32_t)(b ^ (b >> 32));
}

bool ct_tuple_from_l4(struct ct_tuple *t, uint32_t saddr, uint32_t daddr, uint8_t proto,
		      const uint8_t *l4, unsigned int len)
{
	memset(t, 0, sizeof(*t));
	t->src = saddr;
	t->dst = daddr;
	t->proto = proto;
	return ct_proto_find(proto)->tuple(t, l4, len);
}

bool ct_tuple_invert(struct ct_tuple *inv, const struct ct_tuple *t)
{
	memset(inv, 0, sizeof(*inv));
	inv->src = t->dst;
	inv->dst = t->src;
	inv->proto = t->proto;
	return ct_proto_find(t->proto)->invert(inv, t);
}
