// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Checksum tests: known vectors, csum_partial against a byte-at-a-time
 * reference on random (odd-length, unaligned) buffers, and the RFC 1624
 * incremental updates against a full recomputation on random data.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "core/csum.h"

/* xorshift64*, fixed seed: failures reproduce. */
static uint64_t rng_state;

static void rng_seed(uint64_t seed)
{
	rng_state = seed ? seed : 1;
}

static uint32_t rng32(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static void rng_fill(uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)rng32();
}

/* RFC 1071 done the slow, obvious way: big-endian 16-bit words, carry
 * wrapped at every step. Returns the folded sum in host order. */
static uint16_t ref_sum(const uint8_t *buf, size_t len)
{
	uint32_t s = 0;

	for (size_t i = 0; i < len; i += 2) {
		uint16_t w = (uint16_t)(buf[i] << 8);

		if (i + 1 < len)
			w |= buf[i + 1];
		s += w;
		s = (s & 0xffff) + (s >> 16);
	}
	return (uint16_t)s;
}

/* The checksum a full recomputation stores, host order. */
static uint16_t ref_csum(const uint8_t *buf, size_t len)
{
	return (uint16_t)~ref_sum(buf, len);
}

Test(csum, rfc1071_example)
{
	/* RFC 1071 section 3: the sum of these bytes is 0xddf2. */
	static const uint8_t v[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	uint16_t c = csum_buf(v, sizeof(v));

	cr_assert_eq(ntohs(c), 0x220d, "got %#x", ntohs(c));
	cr_assert_eq(ntohs((uint16_t)~csum_fold(csum_partial(v, sizeof(v), 0))), 0xddf2);
	/* Odd length: the lone byte is the high byte of a padded word. */
	cr_assert_eq(ntohs(csum_buf(v, 7)), (uint16_t)~0xdcfb);
}

Test(csum, ipv4_header_vector)
{
	/* A well-known captured header whose checksum is 0xb861. */
	uint8_t h[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
			  0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	uint16_t c = csum_buf(h, sizeof(h));

	cr_assert_eq(ntohs(c), 0xb861, "got %#x", ntohs(c));
	memcpy(h + 10, &c, 2);
	/* A valid header sums to 0xffff, so its checksum over itself is 0. */
	cr_assert_eq(csum_buf(h, sizeof(h)), 0);
}

Test(csum, empty_and_zero)
{
	uint8_t z[8] = { 0 };

	cr_assert_eq(csum_partial(z, 0, 0), 0);
	cr_assert_eq(csum_buf(z, 0), 0xffff);
	cr_assert_eq(csum_buf(z, sizeof(z)), 0xffff);
	cr_assert_eq(csum_fold(0xffff), 0);
	cr_assert_eq(csum_fold(0xffffffffu), 0);
	cr_assert_eq(ntohs(csum_fold(0x0001fffeu)), 0);
}

Test(csum, random_against_reference)
{
	static uint8_t buf[4096 + 8];

	rng_seed(0x1071);
	for (int i = 0; i < 4000; i++) {
		size_t off = rng32() % 8, len = rng32() % 4097;

		if (i % 4 == 0)
			len = rng32() % 80; /* many short tails */
		rng_fill(buf + off, len);
		uint16_t got = ntohs(csum_buf(buf + off, len));
		uint16_t want = ref_csum(buf + off, len);

		cr_assert_eq(got, want, "case %d off %zu len %zu: %#x != %#x", i, off, len,
			     got, want);
	}
}

Test(csum, all_ones_data)
{
	/* Large sums of 0xffffffff words exercise the carries of the 64-bit
	 * accumulator. */
	static uint8_t buf[65536 + 1];

	memset(buf, 0xff, sizeof(buf));
	for (size_t len = 65530; len <= sizeof(buf); len++)
		cr_assert_eq(ntohs(csum_buf(buf, len)), ref_csum(buf, len), "len %zu", len);
}

Test(csum, chained_pieces)
{
	static uint8_t buf[3000];

	rng_seed(0xc4a1);
	for (int i = 0; i < 2000; i++) {
		size_t len = rng32() % sizeof(buf), cut = (rng32() % (len + 1)) & ~(size_t)1;

		rng_fill(buf, len);
		uint32_t s = csum_partial(buf, cut, 0);

		s = csum_partial(buf + cut, len - cut, s);
		cr_assert_eq(csum_fold(s), csum_buf(buf, len), "len %zu cut %zu", len, cut);
	}
}

Test(csum, pseudo_header)
{
	rng_seed(0x5eed);
	for (int i = 0; i < 2000; i++) {
		uint8_t ph[12 + 64];
		uint32_t sa = rng32(), da = rng32();
		uint8_t proto = (uint8_t)rng32();
		uint16_t l4len = (uint16_t)(rng32() % 65);

		/* The pseudo-header laid out in memory, followed by a payload. */
		memcpy(ph, &sa, 4);
		memcpy(ph + 4, &da, 4);
		ph[8] = 0;
		ph[9] = proto;
		ph[10] = (uint8_t)(l4len >> 8);
		ph[11] = (uint8_t)l4len;
		rng_fill(ph + 12, l4len);

		uint32_t s = csum_pseudo(sa, da, proto, l4len);
		uint16_t got = ntohs(csum_fold(csum_partial(ph + 12, l4len, s)));

		cr_assert_eq(got, ref_csum(ph, 12u + l4len), "case %d", i);
	}
}

/* A new field value: often one of the edge values, sometimes the one that
 * makes the full sum 0xffff (checksum 0x0000). */
static uint16_t pick16(uint16_t other_sum)
{
	switch (rng32() % 6) {
	case 0:
		return 0x0000;
	case 1:
		return 0xffff;
	case 2:
		return htons((uint16_t)~other_sum);
	default:
		return (uint16_t)rng32();
	}
}

/* Host-order one's complement sum of buf without the 16-bit words at a
 * and b (the checksum and the field about to change). */
static uint16_t other_sum(uint8_t *buf, size_t len, size_t a, size_t b)
{
	uint8_t sa[2], sb[2];
	uint16_t s;

	memcpy(sa, buf + a, 2);
	memcpy(sb, buf + b, 2);
	memset(buf + a, 0, 2);
	memset(buf + b, 0, 2);
	s = ref_sum(buf, len);
	memcpy(buf + a, sa, 2);
	memcpy(buf + b, sb, 2);
	return s;
}

static bool all_zero(const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i])
			return false;
	return true;
}

/* Fill buf with random words, some forced to 0x0000 or 0xffff. */
static void fill_edgy(uint8_t *buf, size_t len)
{
	rng_fill(buf, len);
	for (size_t i = 0; i + 1 < len; i += 2) {
		uint32_t r = rng32() % 8;

		if (r == 0)
			memset(buf + i, 0, 2);
		else if (r == 1)
			memset(buf + i, 0xff, 2);
	}
}

Test(csum, replace2_matches_recompute)
{
	uint8_t buf[64];
	int seen_zero = 0;

	rng_seed(0x1624);
	for (int i = 0; i < 20000; i++) {
		size_t len = 2 * (2 + rng32() % 31);
		size_t cpos = 2 * (rng32() % (len / 2)), fpos;
		uint16_t c, old, new_;

		fill_edgy(buf, len);
		do
			fpos = 2 * (rng32() % (len / 2));
		while (fpos == cpos);
		memset(buf + cpos, 0, 2);
		c = csum_buf(buf, len);
		memcpy(buf + cpos, &c, 2);

		memcpy(&old, buf + fpos, 2);
		new_ = pick16(other_sum(buf, len, cpos, fpos));
		memcpy(buf + fpos, &new_, 2);
		csum_replace2(&c, old, new_);

		memset(buf + cpos, 0, 2);
		if (all_zero(buf, len))
			continue; /* see csum_replace2: never an IPv4 header */
		uint16_t full = csum_buf(buf, len);

		cr_assert_eq(c, full, "case %d len %zu cpos %zu fpos %zu old %#x new %#x: "
			     "%#x != %#x", i, len, cpos, fpos, ntohs(old), ntohs(new_),
			     ntohs(c), ntohs(full));
		seen_zero += full == 0;
	}
	cr_assert_gt(seen_zero, 100, "the 0x0000 checksum edge was not exercised");
}

Test(csum, replace4_matches_recompute)
{
	uint8_t buf[64];
	int seen_zero = 0;

	rng_seed(0x4444);
	for (int i = 0; i < 20000; i++) {
		size_t len = 2 * (4 + rng32() % 29);
		size_t cpos = 2 * (rng32() % (len / 2)), fpos;
		uint16_t c;
		uint32_t old, new_;

		fill_edgy(buf, len);
		/* A 32-bit field on any 16-bit boundary, clear of the checksum. */
		do
			fpos = 2 * (rng32() % (len / 2 - 1));
		while (fpos + 4 > cpos && fpos < cpos + 2);
		memset(buf + cpos, 0, 2);
		c = csum_buf(buf, len);
		memcpy(buf + cpos, &c, 2);

		memcpy(&old, buf + fpos, 4);
		switch (rng32() % 5) {
		case 0:
			new_ = 0;
			break;
		case 1:
			new_ = 0xffffffffu;
			break;
		case 2: {
			/* Make the new full sum 0xffff: checksum 0x0000. */
			uint16_t s;

			memset(buf + cpos, 0, 2);
			memset(buf + fpos, 0, 4);
			s = ref_sum(buf, len);
			memcpy(buf + fpos, &old, 4);
			memcpy(buf + cpos, &c, 2);
			new_ = htonl((uint32_t)(uint16_t)~s);
			break;
		}
		default:
			new_ = rng32();
		}
		memcpy(buf + fpos, &new_, 4);
		csum_replace4(&c, old, new_);

		memset(buf + cpos, 0, 2);
		if (all_zero(buf, len))
			continue;
		uint16_t full = csum_buf(buf, len);

		cr_assert_eq(c, full, "case %d len %zu cpos %zu fpos %zu: %#x != %#x", i, len,
			     cpos, fpos, ntohs(c), ntohs(full));
		seen_zero += full == 0;
	}
	cr_assert_gt(seen_zero, 100, "the 0x0000 checksum edge was not exercised");
}

Test(csum, replace_edge_values)
{
	/* Words 0xff00 + 0x00ff sum to 0xffff: the stored checksum is 0x0000.
	 * Move through the edges and back, checking each step. */
	uint8_t h[6] = { 0xff, 0x00, 0x00, 0xff, 0, 0 };
	static const uint16_t vals[] = { 0xff00, 0xffff, 0x0000, 0x00ff, 0xff00, 0x1234, 0xff00 };
	uint16_t c = csum_buf(h, sizeof(h)), old;

	cr_assert_eq(c, 0x0000);
	for (size_t i = 1; i < sizeof(vals) / sizeof(vals[0]); i++) {
		uint16_t nv = htons(vals[i]);

		memcpy(&old, h, 2);
		memcpy(h, &nv, 2);
		csum_replace2(&c, old, nv);
		memset(h + 4, 0, 2);
		cr_assert_eq(c, csum_buf(h, sizeof(h)), "step %zu: %#x", i, ntohs(c));
		memcpy(h + 4, &c, 2);
		cr_assert_eq(csum_buf(h, sizeof(h)), 0, "step %zu does not verify", i);
	}
}
