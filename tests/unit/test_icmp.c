// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ICMP tests: the rate limiter against tables of time steps (global burst
 * and refill, per-destination credit, types that bypass, 0 = off); the
 * RFC 1812 rules over a table of packets; errors, echo and timestamp
 * replies compared byte for byte with packets built by hand here, with a
 * naive checksum, independently of the code under test.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <criterion/criterion.h>

#include "core/icmp.h"
#include "core/pkt.h"

#define POOL_SIZE 8u

static struct pkt_pool pool;

static void pool_setup(void)
{
	cr_assert_eq(pkt_pool_init(&pool, POOL_SIZE), 0);
}

/* Every test must hand back what it took. */
static void pool_teardown(void)
{
	cr_expect_eq(pool.avail, POOL_SIZE, "buffers leaked: %u of %u free", pool.avail,
		     POOL_SIZE);
	pkt_pool_fini(&pool);
}

TestSuite(icmp, .init = pool_setup, .fini = pool_teardown);

/* ---- byte builder and naive RFC 1071 checksum ---- */

struct bb {
	uint8_t b[2048];
	size_t n;
};

static void put8(struct bb *b, uint8_t v)
{
	b->b[b->n++] = v;
}

static void put16(struct bb *b, uint16_t v)
{
	put8(b, (uint8_t)(v >> 8));
	put8(b, (uint8_t)v);
}

static void put32(struct bb *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b, (uint16_t)v);
}

static void putn(struct bb *b, const void *src, size_t n)
{
	memcpy(b->b + b->n, src, n);
	b->n += n;
}

/* Big-endian 16-bit words, carries wrapped: returns the field value. */
static uint16_t ref_csum(const uint8_t *buf, size_t len)
{
	uint32_t s = 0;

	for (size_t i = 0; i < len; i += 2) {
		s += (uint32_t)buf[i] << 8;
		if (i + 1 < len)
			s += buf[i + 1];
	}
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void poke16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* An IPv4 header at b->n, checksum filled; options optional. */
static void put_ip(struct bb *b, uint8_t tos, uint16_t totlen, uint16_t id, uint16_t frag,
		   uint8_t ttl, uint8_t proto, uint32_t src, uint32_t dst, const uint8_t *opt,
		   size_t optlen)
{
	size_t start = b->n;

	put8(b, (uint8_t)(0x40 | ((20 + optlen) / 4)));
	put8(b, tos);
	put16(b, totlen);
	put16(b, id);
	put16(b, frag);
	put8(b, ttl);
	put8(b, proto);
	put16(b, 0);
	put32(b, src);
	put32(b, dst);
	if (optlen)
		putn(b, opt, optlen);
	poke16(b->b + start + 10, ref_csum(b->b + start, 20 + optlen));
}

/* Fill in the checksum of an ICMP message at off..end. */
static void fix_icmp_csum(struct bb *b, size_t off)
{
	poke16(b->b + off + 2, 0);
	poke16(b->b + off + 2, ref_csum(b->b + off, b->n - off));
}

static struct pkt *to_pkt(const struct bb *b)
{
	struct pkt *p = pkt_alloc(&pool);

	cr_assert_not_null(p);
	memcpy(p->data, b->b, b->n);
	p->len = (uint32_t)b->n;
	p->l4_off = (uint16_t)((b->b[0] & 0x0f) * 4);
	return p;
}

static void expect_bytes(const struct pkt *p, const struct bb *want)
{
	cr_assert_eq(p->len, want->n, "length %u, want %zu", p->len, want->n);
	for (size_t i = 0; i < want->n; i++)
		cr_assert_eq(p->data[i], want->b[i], "byte %zu: %02x, want %02x", i, p->data[i],
			     want->b[i]);
}

#define A_HOST 0x0a000001u   /* 10.0.0.1 */
#define A_ROUTER 0x0a0000feu /* 10.0.0.254 */
#define A_FAR 0x0a020005u    /* 10.2.0.5 */

/* A UDP datagram with payload bytes 0, 1, 2, ... (checksum not needed). */
static void put_udp_pkt(struct bb *b, uint8_t tos, uint8_t ttl, size_t payload)
{
	put_ip(b, tos, (uint16_t)(20 + 8 + payload), 0x4242, 0x4000, ttl, 17, A_HOST, A_FAR,
	       NULL, 0);
	put16(b, 5353);
	put16(b, 33434);
	put16(b, (uint16_t)(8 + payload));
	put16(b, 0);
	for (size_t i = 0; i < payload; i++)
		put8(b, (uint8_t)i);
}

/* ---- rate limiter ---- */

struct lim_step {
	uint64_t now;
	uint32_t dst; /* host order */
	uint8_t type, code;
	bool allow;
};

static void run_steps(struct icmp_limiter *l, const struct lim_step *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool got = icmp_limiter_allow_code(l, htonl(s[i].dst), s[i].type, s[i].code,
						   s[i].now);

		cr_assert_eq(got, s[i].allow, "step %zu (t=%llu dst=%08x type %u/%u): got %d",
			     i, (unsigned long long)s[i].now, s[i].dst, s[i].type, s[i].code, got);
	}
}

Test(icmp, global_burst_then_refill)
{
	/* 100 messages a second = one per 10 ms; burst 5; no per-host limit.
	 * Different destinations each time so only the global bucket acts. */
	struct icmp_limit_config cfg = { .ratelimit_ms = 0, .msgs_per_sec = 100,
					 .msgs_burst = 5, .ratemask = 0x1818 };
	const struct lim_step steps[] = {
		{ 0, 1, 11, 0, true }, { 0, 2, 11, 0, true }, { 0, 3, 3, 1, true },
		{ 0, 4, 11, 0, true }, { 0, 5, 12, 0, true },
		{ 0, 6, 11, 0, false },     /* burst spent */
		{ 5, 7, 11, 0, false },     /* half a message of credit */
		{ 10, 8, 11, 0, true },     /* 10 ms: one message */
		{ 10, 9, 11, 0, false },
		{ 29, 10, 11, 0, true },    /* 19 ms: one, 9 ms left over */
		{ 29, 11, 11, 0, false },
		{ 30, 12, 11, 0, true },    /* the 9 ms were kept: 10 ms again */
		{ 30, 12, 11, 0, false },
		{ 5000, 13, 11, 0, true },  /* long idle: refilled to the burst only */
		{ 5000, 14, 11, 0, true }, { 5000, 15, 11, 0, true },
		{ 5000, 16, 11, 0, true }, { 5000, 17, 11, 0, true },
		{ 5000, 18, 11, 0, false },
	};
	struct icmp_limiter l;

	icmp_limiter_init(&l, &cfg);
	run_steps(&l, steps, sizeof(steps) / sizeof(steps[0]));
}

Test(icmp, per_destination_credit)
{
	/* 1 s interval, credit for 6; no global limit. */
	struct icmp_limit_config cfg = { .ratelimit_ms = 1000, .msgs_per_sec = 0,
					 .msgs_burst = 0, .ratemask = 0x1818 };
	const struct lim_step steps[] = {
		{ 100, 1, 11, 0, true }, { 100, 1, 11, 0, true }, { 100, 1, 3, 3, true },
		{ 100, 1, 11, 0, true }, { 100, 1, 11, 0, true }, { 100, 1, 11, 0, true },
		{ 100, 1, 11, 0, false },  /* six used up */
		{ 100, 2, 11, 0, true },   /* another destination has its own */
		{ 600, 1, 11, 0, false },  /* 500 ms of credit */
		{ 1100, 1, 11, 0, true },  /* 1000 ms: one */
		{ 1100, 1, 11, 0, false },
		{ 2099, 1, 11, 0, false }, /* 999 ms */
		{ 2100, 1, 11, 0, true },
		{ 2100, 2, 11, 0, true },  /* 2 still had five left */
		{ 60000, 1, 11, 0, true }, /* idle: capped at six again */
		{ 60000, 1, 11, 0, true }, { 60000, 1, 11, 0, true },
		{ 60000, 1, 11, 0, true }, { 60000, 1, 11, 0, true },
		{ 60000, 1, 11, 0, true }, { 60000, 1, 11, 0, false },
	};
	struct icmp_limiter l;

	icmp_limiter_init(&l, &cfg);
	run_steps(&l, steps, sizeof(steps) / sizeof(steps[0]));
}

Test(icmp, subnet_hosts_do_not_evict_each_other)
{
	/* Every host of one /24 keeps its own slot: each gets its six and
	 * then nothing, which a collision (a fresh slot) would break. */
	struct icmp_limit_config cfg = { .ratelimit_ms = 1000, .msgs_per_sec = 0,
					 .msgs_burst = 0, .ratemask = 0x1818 };
	struct icmp_limiter l;
	uint32_t h;
	int i;

	icmp_limiter_init(&l, &cfg);
	for (h = 0; h < 256; h++)
		for (i = 0; i < 6; i++)
			cr_assert(icmp_limiter_allow(&l, htonl(0xc0a80500u | h), 11, 0));
	for (h = 0; h < 256; h++)
		cr_assert_not(icmp_limiter_allow(&l, htonl(0xc0a80500u | h), 11, 0),
			      "192.168.5.%u was evicted", h);
}

Test(icmp, mask_bypass)
{
	/* Both limits as tight as they go: burst 1, one per 10 s. */
	struct icmp_limit_config cfg = { .ratelimit_ms = 10000, .msgs_per_sec = 1,
					 .msgs_burst = 1, .ratemask = 0x1818 };
	struct icmp_limiter l;

	icmp_limiter_init(&l, &cfg);
	for (int i = 0; i < 1000; i++) {
		/* Echo reply (0), not in the mask. */
		cr_assert(icmp_limiter_allow(&l, htonl(A_HOST), 0, 0));
		/* Fragmentation needed: never limited (PMTU discovery). */
		cr_assert(icmp_limiter_allow_code(&l, htonl(A_HOST), 3, 4, 0));
		/* Unknown types are never limited. */
		cr_assert(icmp_limiter_allow(&l, htonl(A_HOST), 40, 0));
		/* Timestamp reply (14), not in the mask. */
		cr_assert(icmp_limiter_allow(&l, htonl(A_HOST), 14, 0));
	}
	/* The bypasses consumed nothing: the one masked message still goes. */
	cr_assert(icmp_limiter_allow(&l, htonl(A_HOST), 11, 0));
	cr_assert_not(icmp_limiter_allow(&l, htonl(A_FAR), 11, 0));
	/* icmp_limiter_allow does not know the code: type 3 is limited. */
	cr_assert_not(icmp_limiter_allow(&l, htonl(A_HOST), 3, 0));

	/* An empty mask limits nothing. */
	cfg.ratemask = 0;
	icmp_limiter_init(&l, &cfg);
	for (int i = 0; i < 100; i++)
		cr_assert(icmp_limiter_allow(&l, htonl(A_HOST), 11, 0));
}

Test(icmp, zero_turns_limits_off)
{
	struct icmp_limit_config cfg = { .ratelimit_ms = 0, .msgs_per_sec = 0,
					 .msgs_burst = 0, .ratemask = 0x1818 };
	struct icmp_limiter l;

	icmp_limiter_init(&l, &cfg);
	for (int i = 0; i < 10000; i++)
		cr_assert(icmp_limiter_allow(&l, htonl(A_HOST), 11, 0), "message %d", i);

	/* Per-destination off, global on: only the global bucket counts. */
	cfg.msgs_per_sec = 1000;
	cfg.msgs_burst = 3;
	icmp_limiter_init(&l, &cfg);
	for (int i = 0; i < 3; i++)
		cr_assert(icmp_limiter_allow(&l, htonl(A_HOST), 11, 0));
	cr_assert_not(icmp_limiter_allow(&l, htonl(A_HOST), 11, 0));
}

Test(icmp, host_limited_does_not_drain_global)
{
	/* As since icmp_global_consume() moved after the per-host check: a
	 * destination over its own limit costs the global bucket nothing. */
	struct icmp_limit_config cfg = { .ratelimit_ms = 1000, .msgs_per_sec = 1,
					 .msgs_burst = 10, .ratemask = 0x1818 };
	struct icmp_limiter l;
	int i;

	icmp_limiter_init(&l, &cfg);
	for (i = 0; i < 6; i++)
		cr_assert(icmp_limiter_allow(&l, htonl(A_HOST), 11, 0));
	for (i = 0; i < 50; i++)
		cr_assert_not(icmp_limiter_allow(&l, htonl(A_HOST), 11, 0));
	for (i = 0; i < 4; i++)
		cr_assert(icmp_limiter_allow(&l, htonl(A_FAR), 11, 0), "message %d", i);
	cr_assert_not(icmp_limiter_allow(&l, htonl(A_FAR), 11, 0));
}

Test(icmp, defaults_macro)
{
	struct icmp_limit_config cfg = ICMP_LIMIT_DEFAULTS;
	struct icmp_limiter l;
	int n = 0;

	icmp_limiter_init(&l, &cfg);
	/* Kernel defaults: six to one host at once, then one a second. */
	for (int i = 0; i < 20; i++)
		n += icmp_limiter_allow(&l, htonl(A_HOST), 3, 0);
	cr_assert_eq(n, 6);
	cr_assert(icmp_limiter_allow(&l, htonl(A_HOST), 3, 1000));
}

/* ---- RFC 1812 4.3.2.7 ---- */

struct allow_case {
	const char *name;
	uint8_t proto;
	uint32_t src, dst;
	uint16_t frag;
	int icmp_type; /* -1: no ICMP header at all */
	bool allowed;
};

Test(icmp, error_allowed_table)
{
	const struct allow_case cases[] = {
		{ "udp unicast", 17, A_HOST, A_FAR, 0x4000, 0, true },
		{ "echo request", 1, A_HOST, A_FAR, 0, 8, true },
		{ "echo reply", 1, A_HOST, A_FAR, 0, 0, true },
		{ "timestamp request", 1, A_HOST, A_FAR, 0, 13, true },
		{ "about dest unreachable", 1, A_HOST, A_FAR, 0, 3, false },
		{ "about source quench", 1, A_HOST, A_FAR, 0, 4, false },
		{ "about redirect", 1, A_HOST, A_FAR, 0, 5, false },
		{ "about time exceeded", 1, A_HOST, A_FAR, 0, 11, false },
		{ "about parameter problem", 1, A_HOST, A_FAR, 0, 12, false },
		{ "about unknown type 19", 1, A_HOST, A_FAR, 0, 19, false },
		{ "about unknown type 200", 1, A_HOST, A_FAR, 0, 200, false },
		{ "icmp without its type byte", 1, A_HOST, A_FAR, 0, -1, false },
		{ "first fragment", 17, A_HOST, A_FAR, 0x2000, 0, true },
		{ "non-first fragment", 17, A_HOST, A_FAR, 0x2000 | 185, 0, false },
		{ "last fragment", 17, A_HOST, A_FAR, 1, 0, false },
		{ "src 0.0.0.0", 17, 0x00000000, A_FAR, 0, 0, false },
		{ "src 0.1.2.3", 17, 0x00010203, A_FAR, 0, 0, false },
		{ "src 127.0.0.1", 17, 0x7f000001, A_FAR, 0, 0, false },
		{ "src 127.255.0.9", 17, 0x7fff0009, A_FAR, 0, 0, false },
		{ "src 224.0.0.1", 17, 0xe0000001, A_FAR, 0, 0, false },
		{ "src 239.255.255.250", 17, 0xeffffffa, A_FAR, 0, 0, false },
		{ "src 255.255.255.255", 17, 0xffffffff, A_FAR, 0, 0, false },
		{ "src 240.0.0.1", 17, 0xf0000001, A_FAR, 0, 0, false },
		{ "src 1.0.0.1", 17, 0x01000001, A_FAR, 0, 0, true },
		{ "src 223.255.255.254", 17, 0xdffffffe, A_FAR, 0, 0, true },
		{ "dst 224.0.0.5", 17, A_HOST, 0xe0000005, 0, 0, false },
		{ "dst 239.1.1.1", 17, A_HOST, 0xef010101, 0, 0, false },
		{ "dst 255.255.255.255", 17, A_HOST, 0xffffffff, 0, 0, false },
		{ "dst 240.0.0.1 (not ours to judge)", 17, A_HOST, 0xf0000001, 0, 0, true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct allow_case *c = &cases[i];
		struct bb b = { .n = 0 };
		size_t l4 = c->proto == 1 ? (c->icmp_type < 0 ? 0 : 8) : 8;
		struct pkt *p;

		put_ip(&b, 0, (uint16_t)(20 + l4), 1, c->frag, 64, c->proto, c->src, c->dst,
		       NULL, 0);
		if (l4) {
			put8(&b, (uint8_t)(c->proto == 1 ? c->icmp_type : 0));
			for (int k = 1; k < 8; k++)
				put8(&b, 0);
		}
		p = to_pkt(&b);
		cr_expect_eq(icmp_error_allowed(p), c->allowed, "%s", c->name);
		pkt_free(&pool, p);
	}
}

Test(icmp, error_allowed_truncated)
{
	struct bb b = { .n = 0 };
	struct pkt *p;

	put_udp_pkt(&b, 0, 64, 0);
	p = to_pkt(&b);
	p->len = 19;
	cr_assert_not(icmp_error_allowed(p));
	pkt_free(&pool, p);
}

/* ---- error construction ---- */

/* The error the kernel's __icmp_send would emit about orig. */
static void build_expected_error(struct bb *want, const struct bb *orig, uint8_t tos,
				 uint16_t id, uint8_t type, uint8_t code, uint32_t rest)
{
	size_t quote = orig->n > 548 ? 548 : orig->n;

	put_ip(want, tos, (uint16_t)(28 + quote), id, 0, 64, 1, A_ROUTER, A_HOST, NULL, 0);
	put8(want, type);
	put8(want, code);
	put16(want, 0);
	put32(want, rest);
	putn(want, orig->b, quote);
	fix_icmp_csum(want, 20);
}

static void check_error_meta(const struct pkt *e)
{
	cr_assert_eq(e->flags, PKT_F_LOCAL_ORIGIN);
	cr_assert_eq(e->iif, -1);
	cr_assert_eq(e->oif, -1);
	cr_assert_eq(e->hook, HOOK_LOCAL_OUT);
	cr_assert_eq(e->l4_off, 20);
}

Test(icmp, error_time_exceeded_bytes)
{
	struct bb orig = { .n = 0 }, want = { .n = 0 };
	struct pkt *p, *e = NULL;

	/* TOS 0x2b: precedence 1, TOS bits 0x0a, ECN 3. The error keeps the
	 * TOS bits and takes precedence "internetwork control": 0xca. */
	put_udp_pkt(&orig, 0x2b, 1, 100);
	p = to_pkt(&orig);
	cr_assert_eq(icmp_error_build(&pool, p, 11, 0, 0, htonl(A_ROUTER), htons(0x1234), &e), 0);
	build_expected_error(&want, &orig, 0xca, 0x1234, 11, 0, 0);
	expect_bytes(e, &want);
	check_error_meta(e);
	cr_assert_eq(e->data, e->head + PKT_HEADROOM);
	pkt_free(&pool, e);
	pkt_free(&pool, p);
}

Test(icmp, error_frag_needed_mtu)
{
	struct bb orig = { .n = 0 }, want = { .n = 0 };
	struct pkt *p, *e = NULL;

	put_udp_pkt(&orig, 0, 63, 300);
	p = to_pkt(&orig);
	cr_assert_eq(icmp_error_build(&pool, p, 3, 4, 1400, htonl(A_ROUTER), htons(7), &e), 0);
	/* RFC 1191: unused 16 bits, then the next-hop MTU. */
	build_expected_error(&want, &orig, 0xc0, 7, 3, 4, 1400);
	expect_bytes(e, &want);
	cr_assert_eq(e->data[24], 0x00);
	cr_assert_eq(e->data[25], 0x00);
	cr_assert_eq(e->data[26], 0x05);
	cr_assert_eq(e->data[27], 0x78);
	pkt_free(&pool, e);
	pkt_free(&pool, p);
}

Test(icmp, error_rest_of_header)
{
	struct bb orig = { .n = 0 };
	struct pkt *p, *e = NULL;

	put_udp_pkt(&orig, 0, 63, 10);
	p = to_pkt(&orig);
	/* Parameter problem: the pointer is the first byte. */
	cr_assert_eq(icmp_error_build(&pool, p, 12, 0, 20, htonl(A_ROUTER), htons(1), &e), 0);
	cr_assert_eq(e->data[24], 20);
	cr_assert_eq(e->data[25] | e->data[26] | e->data[27], 0);
	pkt_free(&pool, e);
	/* Other unreachables carry no info, whatever the caller passed. */
	cr_assert_eq(icmp_error_build(&pool, p, 3, 3, 0xdeadbeef, htonl(A_ROUTER), htons(1), &e),
		     0);
	cr_assert_eq(e->data[24] | e->data[25] | e->data[26] | e->data[27], 0);
	pkt_free(&pool, e);
	pkt_free(&pool, p);
}

Test(icmp, error_truncated_to_576)
{
	struct bb orig = { .n = 0 }, want = { .n = 0 };
	struct pkt *p, *e = NULL;

	put_udp_pkt(&orig, 0, 1, 1472);
	p = to_pkt(&orig);
	cr_assert_eq(p->len, 1500);
	cr_assert_eq(icmp_error_build(&pool, p, 11, 0, 0, htonl(A_ROUTER), htons(9), &e), 0);
	cr_assert_eq(e->len, 576);
	build_expected_error(&want, &orig, 0xc0, 9, 11, 0, 0);
	expect_bytes(e, &want);
	pkt_free(&pool, e);

	/* Exactly at the edge: 548 bytes quoted in full, 549 cut to 548. */
	p->len = 548;
	cr_assert_eq(icmp_error_build(&pool, p, 11, 0, 0, htonl(A_ROUTER), htons(9), &e), 0);
	cr_assert_eq(e->len, 576);
	pkt_free(&pool, e);
	p->len = 549;
	cr_assert_eq(icmp_error_build(&pool, p, 11, 0, 0, htonl(A_ROUTER), htons(9), &e), 0);
	cr_assert_eq(e->len, 576);
	pkt_free(&pool, e);
	pkt_free(&pool, p);
}

Test(icmp, error_no_buffer)
{
	struct bb orig = { .n = 0 };
	struct pkt *p, *held[POOL_SIZE], *e = NULL;
	unsigned int n = 0;

	put_udp_pkt(&orig, 0, 1, 10);
	p = to_pkt(&orig);
	while ((held[n] = pkt_alloc(&pool)))
		n++;
	cr_assert_eq(icmp_error_build(&pool, p, 11, 0, 0, htonl(A_ROUTER), htons(1), &e), -ENOBUFS);
	while (n)
		pkt_free(&pool, held[--n]);
	pkt_free(&pool, p);
}

/* ---- echo and timestamp replies ---- */

static void put_echo(struct bb *b, uint8_t type, uint8_t code, size_t datalen, const uint8_t *opt,
		     size_t optlen)
{
	size_t off;

	put_ip(b, 0x10, (uint16_t)(20 + optlen + 8 + datalen), 0x1111, 0x4000, 63, 1, A_HOST,
	       A_ROUTER, opt, optlen);
	off = b->n;
	put8(b, type);
	put8(b, code);
	put16(b, 0);
	put16(b, 0xbeef);
	put16(b, 7);
	for (size_t i = 0; i < datalen; i++)
		put8(b, (uint8_t)(0xa0 + i));
	fix_icmp_csum(b, off);
}

static void expected_echo_reply(struct bb *want, uint8_t code, size_t datalen, uint16_t id)
{
	put_ip(want, 0x10, (uint16_t)(28 + datalen), id, 0, 64, 1, A_ROUTER, A_HOST, NULL, 0);
	put8(want, 0);
	put8(want, code);
	put16(want, 0);
	put16(want, 0xbeef);
	put16(want, 7);
	for (size_t i = 0; i < datalen; i++)
		put8(want, (uint8_t)(0xa0 + i));
	fix_icmp_csum(want, 20);
}

Test(icmp, echo_reply_bytes)
{
	struct bb req = { .n = 0 }, want = { .n = 0 };
	struct pkt *p;

	put_echo(&req, 8, 0, 56, NULL, 0);
	p = to_pkt(&req);
	p->iif = 2;
	p->mark = 99;
	cr_assert_eq(icmp_reply(p, htonl(A_ROUTER), htons(0x0102), 0), 0);
	expected_echo_reply(&want, 0, 56, 0x0102);
	expect_bytes(p, &want);
	check_error_meta(p);
	cr_assert_eq(p->mark, 0);
	pkt_free(&pool, p);
}

Test(icmp, echo_reply_odd_length_and_code)
{
	struct bb req = { .n = 0 }, want = { .n = 0 };
	struct pkt *p;

	/* icmp_echo copies the request's code; odd data length. */
	put_echo(&req, 8, 5, 33, NULL, 0);
	p = to_pkt(&req);
	cr_assert_eq(icmp_reply(p, htonl(A_ROUTER), htons(0xffff), 0), 0);
	expected_echo_reply(&want, 5, 33, 0xffff);
	expect_bytes(p, &want);
	pkt_free(&pool, p);
}

Test(icmp, echo_reply_strips_options)
{
	/* Record route (7), length 11, pointer 4, two free slots; then EOL. */
	const uint8_t opt[12] = { 7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct bb req = { .n = 0 }, want = { .n = 0 };
	struct pkt *p;

	put_echo(&req, 8, 0, 16, opt, sizeof(opt));
	p = to_pkt(&req);
	cr_assert_eq(p->l4_off, 32);
	cr_assert_eq(icmp_reply(p, htonl(A_ROUTER), htons(3), 0), 0);
	expected_echo_reply(&want, 0, 16, 3);
	expect_bytes(p, &want);
	cr_assert_eq(p->l4_off, 20);
	pkt_free(&pool, p);
}

Test(icmp, echo_bad_checksum_rejected)
{
	struct bb req = { .n = 0 };
	struct pkt *p;

	put_echo(&req, 8, 0, 20, NULL, 0);
	req.b[req.n - 1] ^= 0x01; /* corrupt the data, not the IP header */
	p = to_pkt(&req);
	cr_assert_eq(icmp_reply(p, htonl(A_ROUTER), htons(1), 0), -EINVAL);
	/* Untouched. */
	expect_bytes(p, &req);
	pkt_free(&pool, p);
}

Test(icmp, reply_rejects_non_requests)
{
	struct bb b = { .n = 0 };
	struct pkt *p;

	/* An echo reply is not answered. */
	put_echo(&b, 0, 0, 8, NULL, 0);
	p = to_pkt(&b);
	cr_assert_eq(icmp_reply(p, htonl(A_ROUTER), htons(1), 0), -EINVAL);
	pkt_free(&pool, p);

	/* Shorter than an ICMP header. */
	b.n = 0;
	put_ip(&b, 0, 24, 1, 0, 64, 1, A_HOST, A_ROUTER, NULL, 0);
	put32(&b, 0x0800f7ff);
	p = to_pkt(&b);
	cr_assert_eq(icmp_reply(p, htonl(A_ROUTER), htons(1), 0), -EINVAL);
	pkt_free(&pool, p);

	/* Not ICMP at all. */
	b.n = 0;
	put_udp_pkt(&b, 0, 64, 8);
	p = to_pkt(&b);
	cr_assert_eq(icmp_reply(p, htonl(A_ROUTER), htons(1), 0), -EINVAL);
	pkt_free(&pool, p);
}

static void put_timestamp(struct bb *b, size_t icmplen)
{
	size_t off;

	put_ip(b, 0, (uint16_t)(20 + icmplen), 0x2222, 0, 63, 1, A_HOST, A_ROUTER, NULL, 0);
	off = b->n;
	put8(b, 13);
	put8(b, 3); /* a nonzero code: the reply's is 0 */
	put16(b, 0);
	put16(b, 0x0a0b);
	put16(b, 0x0c0d);
	for (size_t i = 8; i < icmplen; i++)
		put8(b, (uint8_t)(0x10 + i)); /* originate 18 19 1a 1b ... */
	fix_icmp_csum(b, off);
}

static void expected_ts_reply(struct bb *want, uint32_t ms, uint16_t id)
{
	put_ip(want, 0, 40, id, 0, 64, 1, A_ROUTER, A_HOST, NULL, 0);
	put8(want, 14);
	put8(want, 0);
	put16(want, 0);
	put16(want, 0x0a0b);
	put16(want, 0x0c0d);
	put32(want, 0x18191a1b); /* originate kept */
	put32(want, ms);
	put32(want, ms);
	fix_icmp_csum(want, 20);
}

Test(icmp, timestamp_reply_bytes)
{
	const uint32_t ms = 45296789; /* 12:34:56.789 */
	const size_t lens[] = { 20, 12, 16, 40 };

	/* The kernel answers anything with the originate field present, and
	 * always with exactly the 20-byte message. */
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct bb req = { .n = 0 }, want = { .n = 0 };
		struct pkt *p;

		put_timestamp(&req, lens[i]);
		p = to_pkt(&req);
		cr_assert_eq(icmp_reply(p, htonl(A_ROUTER), htons(0x55aa), ms), 0, "length %zu",
			     lens[i]);
		expected_ts_reply(&want, ms, 0x55aa);
		expect_bytes(p, &want);
		pkt_free(&pool, p);
	}
}

Test(icmp, timestamp_too_short_rejected)
{
	struct bb req = { .n = 0 };
	struct pkt *p;

	put_timestamp(&req, 11);
	p = to_pkt(&req);
	cr_assert_eq(icmp_reply(p, htonl(A_ROUTER), htons(1), 0), -EINVAL);
	pkt_free(&pool, p);
}
