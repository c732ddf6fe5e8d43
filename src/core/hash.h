/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The hash of the packet path's tables (reassembly queues, conntrack): a
 * seeded 64-bit finalizer (murmur3's fmix64). Not a cryptographic PRF; like
 * the kernel's jhash with a boot-time random seed, the seed mixed into the
 * key keeps an off-path sender from aiming at one bucket.
 */
#ifndef TF_CORE_HASH_H
#define TF_CORE_HASH_H

#include <stdint.h>

static inline uint64_t hash_mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

#endif
