// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
 *
 * The one's complement sum does not depend on byte order (RFC 1071 2(B)):
 * summing the buffer as native 16-bit words and storing the folded result
 * as a native 16-bit word puts the right bytes in the header on both
 * little- and big-endian hosts. So every value here is "as it sits in the
 * packet" and nothing is byte-swapped except the host-order numbers of the
 * pseudo-header.
 *
 * Speed: csum_partial adds 32-bit words into a 64-bit accumulator, which
 * cannot overflow below 16 GiB of input, and folds once at the end
 * (RFC 1071 2(C), "deferred carries"). Loads go through memcpy so that
 * unaligned buffers are fine; the compiler turns them into plain loads.
 */
#include <arpa/inet.h>
#include <string.h>

#include "core/csum.h"

static inline uint32_t csum_load32(const uint8_t *p)
{
	uint32_t w;

	memcpy(&w, p, sizeof(w));
	return w;
}

/* 64-bit accumulator to a 32-bit value with the same residue mod 0xffff,
 * nonzero whenever the input is nonzero. */
static inline uint32_t csum_fold64(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

uint32_t csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t a = sum, b = 0;

	/* Two accumulators, eight words a round: keeps two adders busy. */
	while (len >= 32) {
		a += csum_load32(p) + (uint64_t)csum_load32(p + 4);
		b += csum_load32(p + 8) + (uint64_t)csum_load32(p + 12);
		a += csum_load32(p + 16) + (uint64_t)csum_load32(p + 20);
		b += csum_load32(p + 24) + (uint64_t)csum_load32(p + 28);
		p += 32;
		len -= 32;
	}
	while (len >= 4) {
		a += csum_load32(p);
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t w;

		memcpy(&w, p, 2);
		a += w;
		p += 2;
		len -= 2;
	}
	if (len) {
		/* The odd byte is the first byte of a zero-padded word. */
		uint16_t w = 0;

		memcpy(&w, p, 1);
		a += w;
	}
	return csum_fold64(a + b);
}

uint16_t csum_fold(uint32_t sum)
{
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t csum_buf(const void *buf, size_t len)
{
	return csum_fold(csum_partial(buf, len, 0));
}

uint32_t csum_pseudo(uint32_t saddr, uint32_t daddr, uint8_t proto, uint16_t l4len)
{
	uint64_t s = (uint64_t)saddr + daddr;

	/* The pseudo-header's zero byte, protocol and length, as the 16-bit
	 * words they would be in memory. */
	s += htons(proto);
	s += htons(l4len);
	return csum_fold64(s);
}

/*
 * RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). Unlike eqn. 2 it never produces
 * 0xffff from a checksum that was computed in full, so the result matches
 * a recomputation bit for bit (the one exception being a header that is
 * all zeros after the change, which an IPv4 header never is).
 */
void csum_replace2(uint16_t *sum, uint16_t old, uint16_t new_)
{
	uint32_t s = (uint16_t)~*sum;

	s += (uint16_t)~old;
	s += new_;
	*sum = csum_fold(s);
}

void csum_replace4(uint16_t *sum, uint32_t old, uint32_t new_)
{
	uint64_t s = (uint16_t)~*sum;

	s += (uint32_t)~old;
	s += new_;
	*sum = csum_fold(csum_fold64(s));
}
