// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IPv4 tests: a table of malformed headers, each with the one drop reason
 * it must give; good packets (options, trailing bytes); TTL decrement
 * against a full checksum; address classes; prefix parsing.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/csum.h"
#include "core/ipv4.h"

#define BUF_LEN 128

/*
 * One test header: version and IHL, total length, bytes handed to the
 * validator, option bytes (the rest of the option area is zero, i.e.
 * EOL), and whether to spoil the checksum after computing it.
 */
struct hdr_case {
	const char *name;
	uint8_t ver, ihl;
	uint16_t tot_len;
	uint32_t len;
	uint8_t opts[40];
	uint8_t nopts;
	bool bad_csum;
	int want; /* an enum tf_drop, or -1 for accepted */
};

/* Aligned as a pool buffer's data is. */
static _Alignas(8) uint8_t test_buf[BUF_LEN];

static struct pkt build(const struct hdr_case *c)
{
	struct pkt p = { .head = test_buf, .data = test_buf, .len = c->len, .size = BUF_LEN };
	struct iphdr *ip = (struct iphdr *)test_buf;
	unsigned int hlen = c->ihl * 4u;

	memset(test_buf, 0xa5, sizeof(test_buf)); /* payload and trailing junk */
	test_buf[0] = (uint8_t)(c->ver << 4 | c->ihl);
	test_buf[1] = 0;
	ip->tot_len = htons(c->tot_len);
	ip->id = htons(0x1234);
	ip->frag_off = htons(IPV4_F_DF);
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = htonl(0x0a000001);
	ip->daddr = htonl(0x0a000102);
	if (hlen > IPV4_HDR_MIN) {
		memset(test_buf + IPV4_HDR_MIN, 0, hlen - IPV4_HDR_MIN);
		memcpy(test_buf + IPV4_HDR_MIN, c->opts, c->nopts);
	}
	ip->check = 0;
	ip->check = csum_buf(ip, hlen < IPV4_HDR_MIN ? IPV4_HDR_MIN : hlen);
	if (c->bad_csum)
		ip->check ^= htons(0x0100);
	return p;
}

#define O(...) .opts = { __VA_ARGS__ }, .nopts = sizeof((uint8_t[]){ __VA_ARGS__ })
#define OK -1

static const struct hdr_case hdr_cases[] = {
	/* Not IPv4 at all. */
	{ "empty read", 4, 5, 20, 0, .want = DROP_NOT_IPV4 },
	{ "version 6", 6, 5, 20, 40, .want = DROP_NOT_IPV4 },
	{ "version 0", 0, 5, 20, 20, .want = DROP_NOT_IPV4 },
	{ "version 15", 15, 5, 20, 20, .want = DROP_NOT_IPV4 },
	{ "version 6, 1 byte", 6, 0, 0, 1, .want = DROP_NOT_IPV4 },
	/* Shorter than a minimal header. */
	{ "1 byte", 4, 5, 20, 1, .want = DROP_TRUNCATED },
	{ "19 bytes", 4, 5, 20, 19, .want = DROP_TRUNCATED },
	{ "19 bytes, bad ihl", 4, 2, 20, 19, .want = DROP_TRUNCATED },
	/* Header length. */
	{ "ihl 0", 4, 0, 20, 20, .want = DROP_BAD_IHL },
	{ "ihl 4", 4, 4, 20, 20, .want = DROP_BAD_IHL },
	{ "ihl 6 in 20 bytes", 4, 6, 24, 20, .want = DROP_BAD_IHL },
	{ "ihl 15 in 56 bytes", 4, 15, 60, 56, .want = DROP_BAD_IHL },
	{ "ihl 4, bad csum", 4, 4, 20, 20, .bad_csum = true, .want = DROP_BAD_IHL },
	/* Total length. */
	{ "tot_len 0", 4, 5, 0, 20, .want = DROP_BAD_TOTLEN },
	{ "tot_len 19", 4, 5, 19, 40, .want = DROP_BAD_TOTLEN },
	{ "tot_len below ihl", 4, 6, 20, 40, O(1, 1, 1, 1), .want = DROP_BAD_TOTLEN },
	{ "tot_len past read", 4, 5, 41, 40, .want = DROP_BAD_TOTLEN },
	{ "tot_len 65535", 4, 5, 65535, 100, .want = DROP_BAD_TOTLEN },
	{ "tot_len past read, bad csum", 4, 5, 41, 40, .bad_csum = true,
	  .want = DROP_BAD_TOTLEN },
	/* Checksum. */
	{ "bad csum", 4, 5, 20, 20, .bad_csum = true, .want = DROP_BAD_CSUM },
	{ "bad csum, options", 4, 6, 24, 24, O(1, 1, 1, 0), .bad_csum = true,
	  .want = DROP_BAD_CSUM },
	{ "bad csum, bad options", 4, 6, 24, 24, O(0x44, 0), .bad_csum = true,
	  .want = DROP_BAD_CSUM },
	/* Option lengths. */
	{ "opt len 0", 4, 6, 24, 24, O(0x82, 0), .want = DROP_BAD_OPTIONS },
	{ "opt len 1", 4, 6, 24, 24, O(0x82, 1), .want = DROP_BAD_OPTIONS },
	{ "opt len past header", 4, 6, 24, 24, O(0x82, 5), .want = DROP_BAD_OPTIONS },
	{ "opt len past header after nop", 4, 6, 24, 24, O(1, 0x82, 4),
	  .want = DROP_BAD_OPTIONS },
	{ "lone type byte at the end", 4, 6, 24, 24, O(1, 1, 1, 0x94),
	  .want = DROP_BAD_OPTIONS },
	{ "second option runs over", 4, 7, 28, 28, O(0x82, 4, 0, 0, 0x88, 5),
	  .want = DROP_BAD_OPTIONS },
	/* Source routes. */
	{ "lsrr len 2", 4, 6, 24, 24, O(131, 2, 1, 0), .want = DROP_BAD_OPTIONS },
	{ "lsrr ptr 3", 4, 7, 28, 28, O(131, 7, 3, 1, 2, 3, 4), .want = DROP_BAD_OPTIONS },
	{ "ssrr ptr 0", 4, 7, 28, 28, O(137, 7, 0, 1, 2, 3, 4), .want = DROP_BAD_OPTIONS },
	{ "two source routes", 4, 9, 36, 36, O(131, 7, 4, 1, 2, 3, 4, 137, 7, 4, 1, 2, 3, 4),
	  .want = DROP_BAD_OPTIONS },
	/* Record route. */
	{ "rr len 2", 4, 6, 24, 24, O(7, 2, 1, 0), .want = DROP_BAD_OPTIONS },
	{ "rr ptr 3", 4, 7, 28, 28, O(7, 7, 3, 0, 0, 0, 0), .want = DROP_BAD_OPTIONS },
	{ "rr slot cut short", 4, 7, 28, 28, O(7, 6, 4, 0, 0, 0), .want = DROP_BAD_OPTIONS },
	{ "rr twice", 4, 9, 36, 36, O(7, 7, 4, 0, 0, 0, 0, 7, 7, 4, 0, 0, 0, 0),
	  .want = DROP_BAD_OPTIONS },
	/* Timestamp. */
	{ "ts len 3", 4, 6, 24, 24, O(68, 3, 5, 0), .want = DROP_BAD_OPTIONS },
	{ "ts ptr 4", 4, 7, 28, 28, O(68, 8, 4, 0), .want = DROP_BAD_OPTIONS },
	{ "ts slot cut short", 4, 7, 28, 28, O(68, 7, 5, 0), .want = DROP_BAD_OPTIONS },
	{ "ts addr+time slot short", 4, 8, 32, 32, O(68, 11, 5, 1),
	  .want = DROP_BAD_OPTIONS },
	{ "ts prespec slot short", 4, 8, 32, 32, O(68, 11, 5, 3), .want = DROP_BAD_OPTIONS },
	{ "ts full, overflow 15", 4, 7, 28, 28, O(68, 8, 9, 0xf0),
	  .want = DROP_BAD_OPTIONS },
	{ "ts twice", 4, 9, 36, 36, O(68, 8, 5, 0, 0, 0, 0, 0, 68, 8, 5, 0, 0, 0, 0, 0),
	  .want = DROP_BAD_OPTIONS },
	/* Router alert. */
	{ "ra len 2", 4, 6, 24, 24, O(148, 2, 1, 0), .want = DROP_BAD_OPTIONS },
	{ "ra len 3", 4, 6, 24, 24, O(148, 3, 0, 0), .want = DROP_BAD_OPTIONS },

	/* Accepted. */
	{ "minimal", 4, 5, 20, 20, .want = OK },
	{ "payload", 4, 5, 100, 100, .want = OK },
	{ "trailing bytes", 4, 5, 60, 100, .want = OK },
	{ "nops and eol", 4, 6, 24, 24, O(1, 1, 1, 0), .want = OK },
	{ "eol then junk", 4, 6, 24, 24, O(0, 0x44, 0xff, 9), .want = OK },
	{ "all nops", 4, 15, 60, 64, O(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
				      1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
				      1, 1, 1, 1), .want = OK },
	{ "ra", 4, 6, 24, 24, O(148, 4, 0, 0), .want = OK },
	{ "lsrr", 4, 8, 32, 32, O(131, 7, 4, 10, 0, 0, 9), .want = OK },
	{ "ssrr past the end", 4, 8, 32, 32, O(137, 7, 8, 10, 0, 0, 9), .want = OK },
	{ "rr empty", 4, 8, 32, 40, O(7, 11, 4), .want = OK },
	{ "rr full", 4, 7, 28, 28, O(7, 7, 8, 1, 2, 3, 4), .want = OK },
	{ "ts", 4, 8, 32, 32, O(68, 12, 5, 0), .want = OK },
	{ "ts addr+time", 4, 8, 32, 32, O(68, 12, 5, 1), .want = OK },
	{ "ts full, overflow 14", 4, 7, 28, 28, O(68, 8, 9, 0xe0), .want = OK },
	{ "ts prespec full, overflow 15", 4, 7, 28, 28, O(68, 8, 9, 0xf3), .want = OK },
	{ "unknown option", 4, 6, 24, 24, O(0x99, 4, 0xde, 0xad), .want = OK },
	{ "rr and ts and ra", 4, 15, 60, 60,
	  O(7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 68, 12, 5, 1, 0, 0, 0, 0, 0, 0, 0, 0,
	    148, 4, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0), .want = OK },
};

Test(ipv4, header_table)
{
	for (size_t i = 0; i < sizeof(hdr_cases) / sizeof(hdr_cases[0]); i++) {
		const struct hdr_case *c = &hdr_cases[i];
		struct pkt p = build(c);
		enum tf_drop why = DROP_MAX;
		uint8_t before[BUF_LEN];
		int ret;

		memcpy(before, test_buf, sizeof(before));
		ret = ipv4_validate(&p, &why);
		cr_assert_eq(memcmp(before, test_buf, sizeof(before)), 0,
			     "%s: validation changed the packet", c->name);
		if (c->want == OK) {
			cr_assert_eq(ret, 0, "%s: dropped as %s", c->name, drop_name(why));
			cr_assert_eq(p.len, c->tot_len, "%s: len %u", c->name, p.len);
			cr_assert_eq(p.l4_off, c->ihl * 4u, "%s: l4_off %u", c->name, p.l4_off);
			continue;
		}
		cr_assert_eq(ret, -EINVAL, "%s: returned %d", c->name, ret);
		cr_assert_eq((int)why, c->want, "%s: %s, want %s", c->name, drop_name(why),
			     drop_name((enum tf_drop)c->want));
		cr_assert_eq(p.len, c->len, "%s: len changed on a drop", c->name);
	}
}

Test(ipv4, every_ihl_and_length)
{
	/* Sweep IHL and the bytes read around every boundary: the reason is
	 * the first failing check, the packet is never read past len (ASan
	 * sees to that through the heap copy). */
	for (unsigned int ihl = 0; ihl < 16; ihl++) {
		for (uint32_t len = 1; len <= 64; len++) {
			struct hdr_case c = { .name = "sweep", .ver = 4, .ihl = (uint8_t)ihl,
					      .tot_len = (uint16_t)len, .len = len };
			struct pkt p = build(&c);
			uint8_t *copy = malloc(len);
			enum tf_drop why = DROP_MAX, want;
			int ret;

			memcpy(copy, test_buf, len);
			p.head = p.data = copy;
			ret = ipv4_validate(&p, &why);
			free(copy);
			if (len < 20)
				want = DROP_TRUNCATED;
			else if (ihl < 5 || ihl * 4 > len)
				want = DROP_BAD_IHL;
			else
				want = DROP_MAX; /* zeroed options are all EOL: fine */
			if (want == DROP_MAX)
				cr_assert_eq(ret, 0, "ihl %u len %u: %s", ihl, len, drop_name(why));
			else
				cr_assert_eq(why, want, "ihl %u len %u: %s", ihl, len,
					     drop_name(why));
		}
	}
}

Test(ipv4, set_csum)
{
	struct hdr_case c = { "csum", 4, 7, 28, 28, O(7, 7, 4, 1, 2, 3, 4) };
	struct pkt p = build(&c);
	struct iphdr *ip = ipv4_hdr(&p);
	uint16_t good = ip->check;
	enum tf_drop why;

	ip->check = 0x5555;
	ipv4_set_csum(ip);
	cr_assert_eq(ip->check, good);
	cr_assert_eq(ipv4_validate(&p, &why), 0);
}

static uint64_t rng_state = 0x7777;

static uint32_t rng32(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

Test(ipv4, dec_ttl_matches_recompute)
{
	int zero = 0;

	for (int i = 0; i < 20000; i++) {
		uint8_t buf[60] __attribute__((aligned(4)));
		struct iphdr *ip = (struct iphdr *)buf;
		unsigned int ihl = 5 + rng32() % 11;
		uint16_t check;
		uint8_t ttl;

		for (size_t j = 0; j < sizeof(buf); j++)
			buf[j] = (uint8_t)rng32();
		buf[0] = (uint8_t)(0x40 | ihl);
		/* Edges: TTL 255 and 2, and headers whose checksum is 0x0000
		 * before or after (found by tuning the id field). */
		ttl = (uint8_t)(2 + rng32() % 254);
		if (i % 10 == 0)
			ttl = 255;
		else if (i % 10 == 1)
			ttl = 2;
		ip->ttl = ttl;
		if (i % 5 == 2) {
			ip->id = 0;
			ip->check = 0;
			ip->id = (uint16_t)~csum_fold(csum_partial(buf, ihl * 4, 0)) ^ 0xffff;
			ip->id = (uint16_t)(i % 2 ? ip->id : ip->id + htons(0x0100));
		}
		ipv4_set_csum(ip);
		ipv4_dec_ttl(ip);
		cr_assert_eq(ip->ttl, ttl - 1);
		check = ip->check;
		ipv4_set_csum(ip);
		cr_assert_eq(check, ip->check, "case %d ttl %u: %#x != %#x", i, ttl, ntohs(check),
			     ntohs(ip->check));
		zero += check == 0;
	}
	cr_assert_gt(zero, 100, "the 0x0000 checksum edge was not exercised");
}

Test(ipv4, addr_classes)
{
	cr_assert(ipv4_addr_is_multicast(htonl(0xe0000001)));
	cr_assert(ipv4_addr_is_multicast(htonl(0xefffffff)));
	cr_assert_not(ipv4_addr_is_multicast(htonl(0xdfffffff)));
	cr_assert_not(ipv4_addr_is_multicast(htonl(0xf0000000)));
	cr_assert(ipv4_addr_is_lbcast(htonl(0xffffffff)));
	cr_assert_not(ipv4_addr_is_lbcast(htonl(0xfffffffe)));
	cr_assert(ipv4_addr_is_loopback(htonl(0x7f000001)));
	cr_assert(ipv4_addr_is_loopback(htonl(0x7fffffff)));
	cr_assert_not(ipv4_addr_is_loopback(htonl(0x80000001)));
	cr_assert_not(ipv4_addr_is_loopback(htonl(0x0000007f)));
	cr_assert(ipv4_addr_is_zeronet(htonl(0x00000000)));
	cr_assert(ipv4_addr_is_zeronet(htonl(0x00ffffff)));
	cr_assert_not(ipv4_addr_is_zeronet(htonl(0x01000000)));
	cr_assert_not(ipv4_addr_is_zeronet(htonl(0x0a000000)));
}

struct prefix_case {
	const char *s;
	int ret;
	uint32_t addr;
	uint8_t plen;
};

static const struct prefix_case prefix_cases[] = {
	{ "10.0.0.1", 0, 0x0a000001, 32 },
	{ "10.0.0.0/8", 0, 0x0a000000, 8 },
	{ "10.1.2.3/8", 0, 0x0a010203, 8 }, /* host bits kept */
	{ "0.0.0.0/0", 0, 0, 0 },
	{ "255.255.255.255/32", 0, 0xffffffff, 32 },
	{ "192.168.1.0/24", 0, 0xc0a80100, 24 },
	{ "172.16.0.0/12", 0, 0xac100000, 12 },
	{ "1.2.3.4/00", 0, 0x01020304, 0 },
	{ "", -EINVAL, 0, 0 },
	{ "/8", -EINVAL, 0, 0 },
	{ "10.0.0.0/", -EINVAL, 0, 0 },
	{ "10.0.0.0/33", -EINVAL, 0, 0 },
	{ "10.0.0.0/100", -EINVAL, 0, 0 },
	{ "10.0.0.0/032", -EINVAL, 0, 0 },
	{ "10.0.0.0/-1", -EINVAL, 0, 0 },
	{ "10.0.0.0/+8", -EINVAL, 0, 0 },
	{ "10.0.0.0/8 ", -EINVAL, 0, 0 },
	{ "10.0.0.0/8x", -EINVAL, 0, 0 },
	{ "10.0.0.0/8/8", -EINVAL, 0, 0 },
	{ " 10.0.0.0", -EINVAL, 0, 0 },
	{ "10.0.0.0 ", -EINVAL, 0, 0 },
	{ "x10.0.0.0", -EINVAL, 0, 0 },
	{ "10.0.0", -EINVAL, 0, 0 },
	{ "10.0.0.0.0", -EINVAL, 0, 0 },
	{ "10.0.0.256", -EINVAL, 0, 0 },
	{ "0x0a.0.0.1", -EINVAL, 0, 0 },
	{ "010.0.0.1", -EINVAL, 0, 0 },
	{ "10", -EINVAL, 0, 0 },
	{ "10.0.0.1 /8", -EINVAL, 0, 0 },
	{ "1111.2.3.4", -EINVAL, 0, 0 },
	{ "100.100.100.100.100/8", -EINVAL, 0, 0 },
	{ "::1", -EINVAL, 0, 0 },
};

Test(ipv4, parse_prefix)
{
	for (size_t i = 0; i < sizeof(prefix_cases) / sizeof(prefix_cases[0]); i++) {
		const struct prefix_case *c = &prefix_cases[i];
		uint32_t addr = 0xdeadbeef;
		uint8_t plen = 99;
		int ret = ipv4_parse_prefix(c->s, &addr, &plen);

		cr_assert_eq(ret, c->ret, "\"%s\": %d", c->s, ret);
		if (ret == 0) {
			cr_assert_eq(addr, c->addr, "\"%s\": %#x", c->s, addr);
			cr_assert_eq(plen, c->plen, "\"%s\": /%u", c->s, plen);
		} else {
			cr_assert_eq(addr, 0xdeadbeef, "\"%s\": addr written on error", c->s);
			cr_assert_eq(plen, 99, "\"%s\": plen written on error", c->s);
		}
	}
	cr_assert_eq(ipv4_parse_prefix(NULL, &(uint32_t){ 0 }, &(uint8_t){ 0 }), -EINVAL);
}

Test(ipv4, mask)
{
	cr_assert_eq(ipv4_mask(0), 0);
	cr_assert_eq(ipv4_mask(1), 0x80000000u);
	cr_assert_eq(ipv4_mask(24), 0xffffff00u);
	cr_assert_eq(ipv4_mask(32), 0xffffffffu);
}

/* ---- ipv4_options_compile: receive-side processing ---- */

static bool compile_ours(void *arg, uint32_t addr)
{
	return addr == htonl(0x0a000101);
}

static const struct ipv4_opt_env compile_env = {
	.spec_dst = 0x0100000a, /* 10.0.0.1 as stored (network order on little endian) */
	.ms_of_day = 0x01020304,
	.addr_is_ours = compile_ours,
};

/* A packet of ihl with the given option bytes, checksum set. */
static struct pkt compile_build(uint8_t ihl, const uint8_t *opts, size_t n)
{
	struct hdr_case c = { .name = "compile", .ver = 4, .ihl = ihl,
			      .tot_len = (uint16_t)(ihl * 4u), .len = ihl * 4u };
	struct pkt p;

	memcpy(c.opts, opts, n);
	c.nopts = (uint8_t)n;
	p = build(&c);
	return p;
}

Test(ipv4, compile_fills_record_route_and_leaves_checksum_stale)
{
	static const uint8_t rr[] = { 7, 11, 4 };
	struct pkt p = compile_build(8, rr, sizeof(rr));
	uint32_t spec = compile_env.spec_dst;

	cr_assert_eq(ipv4_options_compile(&p, &compile_env), 0);
	cr_assert_eq(test_buf[22], 8, "pointer moved past the filled slot");
	cr_assert_eq(memcmp(test_buf + 23, &spec, 4), 0, "our address in slot 1");
	cr_assert_eq(p.ipopt.rr, 20);
	cr_assert_eq(p.ipopt.optlen, 12);
	cr_assert(p.ipopt.flags & PKT_OPT_RR_NEEDADDR);
	cr_assert(p.ipopt.flags & PKT_OPT_CHANGED);
	cr_assert_neq(csum_buf(test_buf, 32), 0, "checksum is fixed by whoever forwards");
}

Test(ipv4, compile_full_record_route_is_left_alone)
{
	static const uint8_t rr[] = { 7, 7, 8, 1, 2, 3, 4 };
	struct pkt p = compile_build(7, rr, sizeof(rr));

	cr_assert_eq(ipv4_options_compile(&p, &compile_env), 0);
	cr_assert_eq(p.ipopt.rr, 20);
	cr_assert_eq(p.ipopt.flags, 0);
	cr_assert_eq(csum_buf(test_buf, 28), 0);
}

Test(ipv4, compile_timestamps)
{
	static const uint8_t ts[] = { 68, 12, 5, 0 }, tsaddr[] = { 68, 12, 5, 1 },
			     full[] = { 68, 8, 9, 0x20 },
			     pre_ours[] = { 68, 12, 5, 3, 10, 0, 1, 1 },
			     pre_other[] = { 68, 12, 5, 3, 10, 0, 1, 2 };
	uint32_t t = htonl(compile_env.ms_of_day), spec = compile_env.spec_dst;
	struct pkt p = compile_build(8, ts, sizeof(ts));

	cr_assert_eq(ipv4_options_compile(&p, &compile_env), 0);
	cr_assert_eq(test_buf[22], 9);
	cr_assert_eq(memcmp(test_buf + 24, &t, 4), 0);
	cr_assert_eq(p.ipopt.flags, PKT_OPT_TS_NEEDTIME | PKT_OPT_CHANGED);

	p = compile_build(8, tsaddr, sizeof(tsaddr));
	cr_assert_eq(ipv4_options_compile(&p, &compile_env), 0);
	cr_assert_eq(test_buf[22], 13);
	cr_assert_eq(memcmp(test_buf + 24, &spec, 4), 0);
	cr_assert_eq(memcmp(test_buf + 28, &t, 4), 0);
	cr_assert(p.ipopt.flags & PKT_OPT_TS_NEEDADDR);

	p = compile_build(7, full, sizeof(full));
	cr_assert_eq(ipv4_options_compile(&p, &compile_env), 0);
	cr_assert_eq(test_buf[23], 0x30, "overflow counted");

	p = compile_build(8, pre_ours, sizeof(pre_ours));
	cr_assert_eq(ipv4_options_compile(&p, &compile_env), 0);
	cr_assert_eq(test_buf[22], 13, "a slot naming us is stamped");
	cr_assert_eq(memcmp(test_buf + 28, &t, 4), 0);

	p = compile_build(8, pre_other, sizeof(pre_other));
	cr_assert_eq(ipv4_options_compile(&p, &compile_env), 0);
	cr_assert_eq(test_buf[22], 5, "a slot naming another is not");
	cr_assert_eq(p.ipopt.ts, 20);
}

/* The parameter problem pointer of ip_options_compile, case by case. */
Test(ipv4, compile_points_at_the_offending_byte)
{
	static const struct {
		const char *name;
		uint8_t opts[12];
		uint8_t n, ihl;
		int ptr;
	} cases[] = {
		{ "ts len 4", { 68, 4, 4, 0 }, 4, 6, 22 },
		{ "ts len 3", { 68, 3, 5, 0 }, 4, 6, 21 },
		{ "ts overflow 15", { 68, 8, 9, 0xf0 }, 4, 7, 23 },
		{ "ra len 3", { 148, 3, 0, 0 }, 4, 6, 21 },
		{ "length past the header", { 7, 11, 3, 0 }, 4, 6, 20 },
		{ "length 0", { 7, 0 }, 2, 6, 20 },
		{ "no room for a length", { 1, 1, 1, 7 }, 4, 6, 23 },
		{ "rr ptr 3", { 7, 7, 3 }, 3, 7, 22 },
		{ "rr twice", { 7, 3, 4, 7, 3, 4 }, 6, 7, 23 },
		{ "lsrr len 2", { 131, 2, 1, 0 }, 4, 6, 21 },
		{ "srr twice", { 131, 3, 4, 137, 3, 4 }, 6, 7, 23 },
		{ "after eol, nothing", { 0, 7, 0, 0 }, 4, 6, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pkt p = compile_build(cases[i].ihl, cases[i].opts, cases[i].n);

		cr_assert_eq(ipv4_options_compile(&p, &compile_env), cases[i].ptr, "%s",
			     cases[i].name);
	}
}

/* Validation (check only) and compile agree on every random option area,
 * and validation never writes. */
Test(ipv4, compile_agrees_with_validation_on_random_options)
{
	static const uint8_t kinds[] = { 0, 1, 7, 68, 131, 137, 148, 0x88 };
	unsigned int seed = 7;

	for (int i = 0; i < 20000; i++) {
		uint8_t opts[40], ihl = (uint8_t)(6 + rand_r(&seed) % 10);
		enum tf_drop why = DROP_MAX;
		struct pkt p;
		int v, c;

		for (unsigned int j = 0; j < sizeof(opts); j++)
			opts[j] = (uint8_t)(rand_r(&seed) % 4 ? rand_r(&seed) % 16
							       : kinds[rand_r(&seed) % 8]);
		p = compile_build(ihl, opts, (ihl - 5) * 4u);
		v = ipv4_validate(&p, &why);
		p = compile_build(ihl, opts, (ihl - 5) * 4u);
		c = ipv4_options_compile(&p, &compile_env);
		cr_assert_eq(v != 0, c != 0, "case %d: validate %d compile %d", i, v, c);
		if (c)
			cr_assert(c >= 20 && c < ihl * 4, "pointer %d inside the options", c);
	}
}
