// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Local stack tests: what a Linux host with no sockets answers. RSTs are
 * compared byte for byte with segments built by hand here (naive checksum,
 * independent of csum.c); UDP, other protocols and ICMP by the action
 * local_deliver chooses.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <criterion/criterion.h>

#include "core/local.h"
#include "core/pkt.h"

#define POOL_SIZE 8u

static struct pkt_pool pool;

static void pool_setup(void)
{
	cr_assert_eq(pkt_pool_init(&pool, POOL_SIZE), 0);
}

static void pool_teardown(void)
{
	cr_expect_eq(pool.avail, POOL_SIZE, "buffers leaked: %u of %u free", pool.avail,
		     POOL_SIZE);
	pkt_pool_fini(&pool);
}

TestSuite(local, .init = pool_setup, .fini = pool_teardown);

/* ---- byte builder and naive checksums ---- */

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

static uint32_t ref_sum(const uint8_t *buf, size_t len, uint32_t s)
{
	for (size_t i = 0; i < len; i += 2) {
		s += (uint32_t)buf[i] << 8;
		if (i + 1 < len)
			s += buf[i + 1];
	}
	return s;
}

static uint16_t ref_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void poke16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_ip(struct bb *b, uint8_t tos, uint16_t totlen, uint16_t id, uint16_t frag,
		   uint8_t ttl, uint8_t proto, uint32_t src, uint32_t dst)
{
	size_t start = b->n;

	put8(b, 0x45);
	put8(b, tos);
	put16(b, totlen);
	put16(b, id);
	put16(b, frag);
	put8(b, ttl);
	put8(b, proto);
	put16(b, 0);
	put32(b, src);
	put32(b, dst);
	poke16(b->b + start + 10, ref_fold(ref_sum(b->b + start, 20, 0)));
}

/* The TCP/UDP checksum of the segment at off (the IP header is at 0). */
static uint16_t ref_l4_csum(const struct bb *b, size_t off, size_t len, uint8_t proto)
{
	uint32_t s = ref_sum(b->b + 12, 8, 0); /* addresses */

	s += proto;
	s += (uint32_t)len;
	return ref_fold(ref_sum(b->b + off, len, s));
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

enum { F_FIN = 0x01, F_SYN = 0x02, F_RST = 0x04, F_PSH = 0x08, F_ACK = 0x10 };

struct seg {
	uint32_t seq, ack;
	uint8_t flags;
	uint8_t optlen;  /* TCP options, multiple of 4 */
	uint16_t datalen;
	uint8_t tos;
	uint32_t dst;    /* 0: A_ROUTER */
};

/* A TCP segment 10.0.0.1:40000 -> dst:80, checksum right. */
static void put_seg(struct bb *b, const struct seg *s)
{
	size_t tl = 20u + s->optlen + s->datalen;

	put_ip(b, s->tos, (uint16_t)(20 + tl), 0x3333, 0x4000, 64, 6, A_HOST,
	       s->dst ? s->dst : A_ROUTER);
	put16(b, 40000);
	put16(b, 80);
	put32(b, s->seq);
	put32(b, s->ack);
	put8(b, (uint8_t)(((20 + s->optlen) / 4) << 4));
	put8(b, s->flags);
	put16(b, 64240);
	put16(b, 0);
	put16(b, 0);
	for (unsigned int i = 0; i < s->optlen; i += 4)
		put32(b, 0x020405b4); /* MSS 1460 */
	for (unsigned int i = 0; i < s->datalen; i++)
		put8(b, (uint8_t)('a' + i % 26));
	poke16(b->b + 36, ref_l4_csum(b, 20, tl, 6));
}

/* The RST tcp_v4_send_reset sends back. */
static void expected_rst(struct bb *want, uint8_t tos, uint32_t seq, uint32_t ack, uint8_t flags)
{
	put_ip(want, tos, 40, 0, 0x4000, 64, 6, A_ROUTER, A_HOST);
	put16(want, 80);
	put16(want, 40000);
	put32(want, seq);
	put32(want, ack);
	put8(want, 0x50);
	put8(want, flags);
	put16(want, 0); /* window */
	put16(want, 0); /* checksum, below */
	put16(want, 0); /* urgent */
	poke16(want->b + 36, ref_l4_csum(want, 20, 20, 6));
}

static void deliver(struct pkt *p, struct local_result *res)
{
	cr_assert_eq(local_deliver(&pool, p, htonl(A_ROUTER), htons(0x4445), 1234, res), 0);
}

static void check_rst(const struct seg *s, uint8_t tos, uint32_t seq, uint32_t ack, uint8_t flags)
{
	struct bb in = { .n = 0 }, want = { .n = 0 };
	struct local_result res;
	struct pkt *p;

	put_seg(&in, s);
	p = to_pkt(&in);
	deliver(p, &res);
	cr_assert_eq(res.action, LOCAL_REPLY_NEW);
	cr_assert_not_null(res.reply);
	expected_rst(&want, tos, seq, ack, flags);
	expect_bytes(res.reply, &want);
	cr_assert_eq(res.reply->flags, PKT_F_LOCAL_ORIGIN);
	cr_assert_eq(res.reply->l4_off, 20);
	cr_assert_eq(res.reply->hook, HOOK_LOCAL_OUT);
	/* The request is untouched: the caller frees it. */
	expect_bytes(p, &in);
	pkt_free(&pool, res.reply);
	pkt_free(&pool, p);
}

/* ---- TCP ---- */

Test(local, rst_for_syn)
{
	/* No ACK: seq 0, ack = seq + 1 for the SYN, RST|ACK. The MSS option
	 * is not counted; ECN bits of the TOS are dropped. */
	struct seg s = { .seq = 1000, .flags = F_SYN, .optlen = 4, .tos = 0x12 };

	check_rst(&s, 0x10, 0, 1001, F_RST | F_ACK);
}

Test(local, rst_for_ack_segment)
{
	/* ACK set: seq = its ack_seq, RST alone. */
	struct seg s = { .seq = 77, .ack = 5555, .flags = F_ACK | F_PSH, .datalen = 10 };

	check_rst(&s, 0, 5555, 0, F_RST);
}

Test(local, rst_for_data_without_ack)
{
	/* SYN + FIN + 13 bytes of data occupy 15 sequence numbers, and the
	 * sequence space wraps. */
	struct seg s = { .seq = 0xfffffff8u, .flags = F_SYN | F_FIN, .datalen = 13 };

	check_rst(&s, 0, 0, 0xfffffff8u + 15, F_RST | F_ACK);
}

Test(local, rst_direct_call)
{
	struct seg s = { .seq = 1, .flags = F_SYN };
	struct bb in = { .n = 0 }, want = { .n = 0 };
	struct pkt *p, *r = NULL;

	put_seg(&in, &s);
	p = to_pkt(&in);
	cr_assert_eq(local_tcp_reset(&pool, p, htonl(A_ROUTER), htons(9), &r), 0);
	expected_rst(&want, 0, 0, 2, F_RST | F_ACK);
	expect_bytes(r, &want);
	pkt_free(&pool, r);
	pkt_free(&pool, p);
}

static void check_consumed(const struct bb *in)
{
	struct local_result res;
	struct pkt *p = to_pkt(in);

	deliver(p, &res);
	cr_assert_eq(res.action, LOCAL_CONSUMED);
	cr_assert_null(res.reply);
	cr_assert_eq(pool.avail, POOL_SIZE - 1, "a reply was allocated and leaked");
	pkt_free(&pool, p);
}

Test(local, no_rst_for_rst)
{
	struct bb in = { .n = 0 };
	struct seg s = { .seq = 1, .ack = 2, .flags = F_RST | F_ACK };
	struct pkt *p, *r = NULL;

	put_seg(&in, &s);
	check_consumed(&in);
	p = to_pkt(&in);
	cr_assert_eq(local_tcp_reset(&pool, p, htonl(A_ROUTER), htons(1), &r), -EINVAL);
	cr_assert_null(r);
	pkt_free(&pool, p);
}

Test(local, tcp_bad_checksum_consumed)
{
	struct bb in = { .n = 0 };
	struct seg s = { .seq = 1, .flags = F_SYN, .datalen = 3 };

	put_seg(&in, &s);
	in.b[in.n - 1] ^= 0x20; /* payload */
	check_consumed(&in);
	in.b[in.n - 1] ^= 0x20;
	in.b[36] ^= 0x01; /* the checksum itself */
	check_consumed(&in);
}

Test(local, tcp_malformed_consumed)
{
	struct seg s = { .seq = 1, .flags = F_SYN };
	struct bb in;

	/* Data offset below 5. */
	in.n = 0;
	put_seg(&in, &s);
	in.b[32] = 0x40;
	poke16(in.b + 36, 0);
	poke16(in.b + 36, ref_l4_csum(&in, 20, 20, 6));
	check_consumed(&in);

	/* Data offset past the end of the segment. */
	in.n = 0;
	put_seg(&in, &s);
	in.b[32] = 0x60;
	poke16(in.b + 36, 0);
	poke16(in.b + 36, ref_l4_csum(&in, 20, 20, 6));
	check_consumed(&in);

	/* Shorter than a TCP header. */
	in.n = 0;
	put_ip(&in, 0, 30, 1, 0, 64, 6, A_HOST, A_ROUTER);
	for (int i = 0; i < 10; i++)
		put8(&in, 0);
	check_consumed(&in);
}

Test(local, tcp_to_broadcast_or_multicast_consumed)
{
	struct seg s = { .seq = 1, .flags = F_SYN, .dst = 0xffffffffu };
	struct bb in = { .n = 0 };

	put_seg(&in, &s);
	check_consumed(&in);
	in.n = 0;
	s.dst = 0xe0000001u;
	put_seg(&in, &s);
	check_consumed(&in);
}

Test(local, tcp_no_buffer)
{
	struct seg s = { .seq = 1, .flags = F_SYN };
	struct bb in = { .n = 0 };
	struct pkt *p, *held[POOL_SIZE];
	struct local_result res;
	unsigned int n = 0;

	put_seg(&in, &s);
	p = to_pkt(&in);
	while ((held[n] = pkt_alloc(&pool)))
		n++;
	cr_assert_eq(local_deliver(&pool, p, htonl(A_ROUTER), htons(1), 0, &res), -ENOBUFS);
	cr_assert_eq(res.action, LOCAL_CONSUMED);
	cr_assert_null(res.reply);
	while (n)
		pkt_free(&pool, held[--n]);
	pkt_free(&pool, p);
}

/* ---- UDP and other protocols ---- */

/* A UDP datagram with the given length field, payload bytes and checksum
 * (computed right over ulen bytes unless zero_csum). */
static void put_udp(struct bb *b, uint16_t ulen, size_t bytes, bool zero_csum)
{
	put_ip(b, 0, (uint16_t)(20 + bytes), 1, 0, 64, 17, A_HOST, A_ROUTER);
	put16(b, 5353);
	put16(b, 9);
	put16(b, ulen);
	put16(b, 0);
	for (size_t i = 8; i < bytes; i++)
		put8(b, (uint8_t)i);
	if (!zero_csum && ulen >= 8 && ulen <= bytes) {
		uint16_t c = ref_l4_csum(b, 20, ulen, 17);

		poke16(b->b + 26, c ? c : 0xffff);
	}
}

static void check_icmp_action(const struct bb *in, uint8_t type, uint8_t code)
{
	struct local_result res;
	struct pkt *p = to_pkt(in);

	deliver(p, &res);
	cr_assert_eq(res.action, LOCAL_SEND_ICMP);
	cr_assert_eq(res.icmp_type, type);
	cr_assert_eq(res.icmp_code, code);
	cr_assert_null(res.reply);
	/* p is not consumed: the caller builds the error about it. */
	expect_bytes(p, in);
	pkt_free(&pool, p);
}

Test(local, udp_port_unreachable)
{
	struct bb in = { .n = 0 };

	put_udp(&in, 108, 108, false);
	check_icmp_action(&in, 3, 3);
	/* No checksum at all (zero): still port unreachable. */
	in.n = 0;
	put_udp(&in, 108, 108, true);
	check_icmp_action(&in, 3, 3);
	/* Trailing bytes past the UDP length are trimmed, not an error. */
	in.n = 0;
	put_udp(&in, 20, 30, false);
	check_icmp_action(&in, 3, 3);
	/* Odd length. */
	in.n = 0;
	put_udp(&in, 9, 9, false);
	check_icmp_action(&in, 3, 3);
}

Test(local, no_errors_about_broadcast_or_bad_sources)
{
	struct bb in = { .n = 0 };

	/* UDP to the limited broadcast: multicast delivery, no error. */
	put_ip(&in, 0, 28, 1, 0, 64, 17, A_HOST, 0xffffffffu);
	put16(&in, 68);
	put16(&in, 67);
	put16(&in, 8);
	put16(&in, 0);
	check_consumed(&in);
	/* GRE to a multicast group. */
	in.n = 0;
	put_ip(&in, 0, 28, 1, 0, 64, 47, A_HOST, 0xe0000005u);
	put32(&in, 0x00000800);
	put32(&in, 0);
	check_consumed(&in);
	/* UDP from 0.0.0.0 (a DHCP client) to the router. */
	in.n = 0;
	put_ip(&in, 0, 28, 1, 0, 64, 17, 0, A_ROUTER);
	put16(&in, 68);
	put16(&in, 67);
	put16(&in, 8);
	put16(&in, 0);
	check_consumed(&in);
}

Test(local, udp_bad_consumed)
{
	struct bb in = { .n = 0 };

	/* Wrong nonzero checksum: dropped before the port lookup. */
	put_udp(&in, 40, 40, false);
	in.b[in.n - 1] ^= 0xff;
	check_consumed(&in);
	/* Length field past the datagram. */
	in.n = 0;
	put_udp(&in, 41, 40, true);
	check_consumed(&in);
	/* Length field below the header. */
	in.n = 0;
	put_udp(&in, 7, 40, true);
	check_consumed(&in);
	/* Fewer than 8 bytes of UDP. */
	in.n = 0;
	put_ip(&in, 0, 26, 1, 0, 64, 17, A_HOST, A_ROUTER);
	put32(&in, 0x14e90009);
	put16(&in, 6);
	check_consumed(&in);
}

Test(local, other_protocols)
{
	struct bb in = { .n = 0 };

	/* GRE: protocol unreachable. */
	put_ip(&in, 0, 28, 1, 0, 64, 47, A_HOST, A_ROUTER);
	put32(&in, 0x00000800);
	put32(&in, 0);
	check_icmp_action(&in, 3, 2);
	/* SCTP too. */
	in.n = 0;
	put_ip(&in, 0, 32, 1, 0, 64, 132, A_HOST, A_ROUTER);
	for (int i = 0; i < 12; i++)
		put8(&in, 0);
	check_icmp_action(&in, 3, 2);
	/* IGMP is the kernel's own business: no error. */
	in.n = 0;
	put_ip(&in, 0, 28, 1, 0, 1, 2, A_HOST, A_ROUTER);
	put32(&in, 0x11640000);
	put32(&in, 0);
	check_consumed(&in);
}

/* ---- ICMP ---- */

static void put_icmp(struct bb *b, uint8_t type, uint8_t code, size_t datalen)
{
	put_ip(b, 0, (uint16_t)(28 + datalen), 0x5555, 0, 64, 1, A_HOST, A_ROUTER);
	put8(b, type);
	put8(b, code);
	put16(b, 0);
	put16(b, 0x0102);
	put16(b, 0x0304);
	for (size_t i = 0; i < datalen; i++)
		put8(b, (uint8_t)i);
	poke16(b->b + 22, ref_fold(ref_sum(b->b + 20, 8 + datalen, 0)));
}

Test(local, echo_request_answered_in_place)
{
	struct bb in = { .n = 0 }, want = { .n = 0 };
	struct local_result res;
	struct pkt *p;

	put_icmp(&in, 8, 0, 24);
	p = to_pkt(&in);
	deliver(p, &res);
	cr_assert_eq(res.action, LOCAL_REPLY_INPLACE);
	cr_assert_null(res.reply);

	put_ip(&want, 0, 52, 0x4445, 0, 64, 1, A_ROUTER, A_HOST);
	put8(&want, 0);
	put8(&want, 0);
	put16(&want, 0);
	put16(&want, 0x0102);
	put16(&want, 0x0304);
	for (size_t i = 0; i < 24; i++)
		put8(&want, (uint8_t)i);
	poke16(want.b + 22, ref_fold(ref_sum(want.b + 20, 32, 0)));
	expect_bytes(p, &want);
	cr_assert_eq(pool.avail, POOL_SIZE - 1);
	pkt_free(&pool, p);
}

Test(local, timestamp_request_answered_in_place)
{
	struct bb in = { .n = 0 };
	struct local_result res;
	struct pkt *p;

	put_icmp(&in, 13, 0, 12);
	p = to_pkt(&in);
	deliver(p, &res);
	cr_assert_eq(res.action, LOCAL_REPLY_INPLACE);
	cr_assert_eq(p->data[20], 14);
	/* receive and transmit = 1234 ms, as passed to local_deliver */
	cr_assert_eq(p->data[32] << 24 | p->data[33] << 16 | p->data[34] << 8 | p->data[35], 1234);
	cr_assert_eq(p->data[36] << 24 | p->data[37] << 16 | p->data[38] << 8 | p->data[39], 1234);
	pkt_free(&pool, p);
}

Test(local, other_icmp_consumed)
{
	const uint8_t types[] = { 0, 3, 11, 14, 17, 42, 255 };
	struct bb in;

	for (size_t i = 0; i < sizeof(types); i++) {
		in.n = 0;
		put_icmp(&in, types[i], 0, 8);
		check_consumed(&in);
	}
	/* A malformed request: bad checksum. */
	in.n = 0;
	put_icmp(&in, 8, 0, 8);
	in.b[in.n - 1] ^= 1;
	check_consumed(&in);
}
