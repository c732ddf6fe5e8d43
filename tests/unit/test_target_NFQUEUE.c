// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * NFQUEUE, QUEUE and TRACE: option text as iptables 1.8.9 reads and saves
 * it, and what each leaves on the packet. The balance hash is checked
 * against Bob Jenkins' lookup3 hashword() for three words, the function
 * the kernel's jhash_3words computes, written here from lookup3.c's
 * definition rather than the kernel's macro.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/hook.h"
#include "core/ipv4.h"
#include "target_harness.h"

static void expect_print(const char *name, const char *text, const char *saved)
{
	char *s = th_roundtrip(name, text);

	cr_expect_str_eq(s, saved, "%s %s", name, text);
	free(s);
}

Test(target_NFQUEUE, saved_as_iptables_saves)
{
	expect_print("NFQUEUE", "", " --queue-num 0");
	expect_print("NFQUEUE", "--queue-num 5", " --queue-num 5");
	expect_print("NFQUEUE", "--queue-num 65535", " --queue-num 65535");
	expect_print("NFQUEUE", "--queue-num 0x10", " --queue-num 16");
	expect_print("NFQUEUE", "--queue-balance 2:5", " --queue-balance 2:5");
	expect_print("NFQUEUE", "--queue-balance 0x2:0x5", " --queue-balance 2:5");
	expect_print("NFQUEUE", "--queue-balance :5", " --queue-balance 0:5");
	expect_print("NFQUEUE", "--queue-balance 2:", " --queue-balance 2:65535");
	expect_print("NFQUEUE", "--queue-balance 65534:65535", " --queue-balance 65534:65535");
	expect_print("NFQUEUE", "--queue-bypass", " --queue-num 0 --queue-bypass");
	expect_print("NFQUEUE", "--queue-num 3 --queue-bypass", " --queue-num 3 --queue-bypass");
	expect_print("NFQUEUE", "--queue-bypass --queue-balance 2:5",
		     " --queue-balance 2:5 --queue-bypass");
}

Test(target_NFQUEUE, bad_options)
{
	cr_expect_str_eq(th_error("NFQUEUE", "--queue-num 65536"),
			 "\"65536\" is not a valid value for --queue-num (expected 0 to 65535)");
	cr_expect_str_eq(th_error("NFQUEUE", "--queue-num -1"),
			 "\"-1\" is not a valid value for --queue-num (expected 0 to 65535)");
	cr_expect_str_eq(th_error("NFQUEUE", "--queue-balance 5:2"), "5 should be less than 2");
	cr_expect_str_eq(th_error("NFQUEUE", "--queue-balance 5:5"), "5 should be less than 5");
	cr_expect_str_eq(th_error("NFQUEUE", "--queue-balance 5"),
			 "NFQUEUE: bad range \"5\" for --queue-balance (expected A:B)");
	cr_expect_str_eq(th_error("NFQUEUE", "--queue-balance 1:70000"),
			 "NFQUEUE: bad value for option \"--queue-balance\" near \"1:70000\", or out "
			 "of range (0-65535)");
	cr_expect_str_eq(th_error("NFQUEUE", "--queue-balance a:b"),
			 "NFQUEUE: bad value for option \"--queue-balance\" near \"a:b\", or out of "
			 "range (0-65535)");
	cr_expect_str_eq(th_error("NFQUEUE", "--queue-balance 0:65535"),
			 "NFQUEUE: --queue-balance \"0:65535\" spans 65536 queues (at most 65535)");
	cr_expect_str_eq(th_error("NFQUEUE", "--queue-balance 2:5 --queue-num 3"),
			 "NFQUEUE: option \"--queue-num\" cannot be used together with "
			 "\"--queue-balance\"");
	cr_expect_str_eq(th_error("NFQUEUE", "--queue-num 3 --queue-balance 2:5"),
			 "NFQUEUE: option \"--queue-num\" cannot be used together with "
			 "\"--queue-balance\"");
	cr_expect_str_eq(th_error("NFQUEUE", "--queue-bypass --queue-bypass"),
			 "NFQUEUE: option \"--queue-bypass\" can only be used once");
	cr_expect_str_eq(th_error("NFQUEUE", "--queue-num 1 --queue-num 2"),
			 "NFQUEUE: option \"--queue-num\" can only be used once");
	cr_expect_str_eq(th_error("NFQUEUE", "--queue-balance 2:5 --queue-cpu-fanout"),
			 "NFQUEUE: --queue-cpu-fanout is not supported: tunfilterd runs the packet "
			 "path on one thread");
}

Test(target_QUEUE, no_options_and_nothing_printed)
{
	expect_print("QUEUE", "", "");
	cr_expect_str_eq(th_error("QUEUE", "--queue-num 3"), "unknown option \"--queue-num\"");
}

Test(target_TRACE, no_options_and_nothing_printed)
{
	struct th_target t;

	expect_print("TRACE", "", "");
	cr_expect_str_eq(th_error("TRACE", "--foo"), "unknown option \"--foo\"");
	/* Any table: the nft back end turns TRACE into "meta nftrace set 1". */
	cr_assert_eq(th_parse(&t, "TRACE", ""), 0);
	cr_expect_eq(th_check(&t, XT_TABLE_FILTER, 1u << HOOK_LOCAL_IN, 0, false), 0);
	cr_expect_eq(th_check(&t, XT_TABLE_MANGLE, 1u << HOOK_PRE_ROUTING, 0, false), 0);
	cr_expect_eq(th_check(&t, XT_TABLE_RAW, 1u << HOOK_PRE_ROUTING, 0, false), 0);
	th_free(&t);
}

TestSuite(target_NFQUEUE_run, .init = th_router_setup, .fini = th_router_teardown);

static struct pkt *udp_pkt(const char *src, const char *dst, uint8_t proto)
{
	static const uint8_t payload[8];

	return th_pkt(src, dst, proto, 0, 64, 0, payload, sizeof(payload));
}

static unsigned int run(const char *name, const char *opts, struct pkt *p, enum tf_hook hook)
{
	struct th_target t;
	struct xt_ctx ctx;
	unsigned int v;

	cr_assert_eq(th_parse(&t, name, opts), 0, "%s", t.err);
	ctx = th_ctx(p, hook, XT_TABLE_FILTER);
	v = th_run(&t, &ctx);
	th_free(&t);
	return v;
}

Test(target_NFQUEUE_run, queue_number_and_bypass)
{
	struct pkt *p = udp_pkt("10.1.0.2", "10.2.0.2", 17);

	cr_expect_eq(run("NFQUEUE", "--queue-num 7", p, HOOK_FORWARD), TF_QUEUE);
	cr_expect_eq(p->queue_num, 7);
	cr_expect_eq(p->flags & PKT_F_QUEUE_BYPASS, 0);
	cr_expect_eq(run("NFQUEUE", "--queue-num 9 --queue-bypass", p, HOOK_FORWARD), TF_QUEUE);
	cr_expect_eq(p->queue_num, 9);
	cr_expect_neq(p->flags & PKT_F_QUEUE_BYPASS, 0);
	p->queue_num = 5;
	cr_expect_eq(run("QUEUE", "", p, HOOK_FORWARD), TF_QUEUE);
	cr_expect_eq(p->queue_num, 0);
	pkt_free(&th_r.pool, p);
}

Test(target_NFQUEUE_run, trace_marks_the_packet_and_goes_on)
{
	struct pkt *p = udp_pkt("10.1.0.2", "10.2.0.2", 17);

	cr_expect_eq(run("TRACE", "", p, HOOK_PRE_ROUTING), XT_CONTINUE);
	cr_expect_neq(p->flags & PKT_F_TRACE, 0);
	pkt_free(&th_r.pool, p);
}

/* lookup3.c: rot, final, and hashword() for a 3-word key. */
#define ROT(x, k) (((x) << (k)) | ((x) >> (32 - (k))))

static uint32_t lookup3_hashword3(const uint32_t k[3], uint32_t initval)
{
	uint32_t a, b, c;

	a = b = c = 0xdeadbeef + (3u << 2) + initval;
	a += k[0];
	b += k[1];
	c += k[2];
	c ^= b; c -= ROT(b, 14);
	a ^= c; a -= ROT(c, 11);
	b ^= a; b -= ROT(a, 25);
	c ^= b; c -= ROT(b, 16);
	a ^= c; a -= ROT(c, 4);
	b ^= a; b -= ROT(a, 14);
	c ^= b; c -= ROT(b, 24);
	return c;
}

Test(target_NFQUEUE_run, balance_as_nfqueue_hash_and_the_same_both_ways)
{
	unsigned int hits[4] = { 0 };
	unsigned int i;
	struct th_target t;

	cr_assert_eq(th_parse(&t, "NFQUEUE", "--queue-balance 10:13"), 0);
	srand(5);
	for (i = 0; i < 4000; i++) {
		char a[16], b[16];
		uint8_t proto = (uint8_t[]){ 6, 17, 1 }[i % 3];
		struct pkt *p, *q;
		struct xt_ctx ctx;
		uint32_t k[3], h;

		snprintf(a, sizeof(a), "10.1.%d.%d", rand() % 256, rand() % 256);
		snprintf(b, sizeof(b), "10.2.%d.%d", rand() % 256, rand() % 256);
		p = udp_pkt(a, b, proto);
		q = udp_pkt(b, a, proto);
		ctx = th_ctx(p, HOOK_FORWARD, XT_TABLE_FILTER);
		cr_assert_eq(th_run(&t, &ctx), TF_QUEUE);
		ctx = th_ctx(q, HOOK_FORWARD, XT_TABLE_FILTER);
		cr_assert_eq(th_run(&t, &ctx), TF_QUEUE);
		cr_assert_eq(p->queue_num, q->queue_num, "%s <-> %s: one queue both ways", a, b);
		k[0] = ipv4_hdr(p)->saddr < ipv4_hdr(p)->daddr ? ipv4_hdr(p)->saddr :
								  ipv4_hdr(p)->daddr;
		k[1] = ipv4_hdr(p)->saddr < ipv4_hdr(p)->daddr ? ipv4_hdr(p)->daddr :
								  ipv4_hdr(p)->saddr;
		k[2] = proto;
		h = lookup3_hashword3(k, 0);
		cr_assert_eq(p->queue_num, 10 + (uint32_t)(((uint64_t)h * 4) >> 32));
		hits[p->queue_num - 10]++;
		pkt_free(&th_r.pool, p);
		pkt_free(&th_r.pool, q);
	}
	for (i = 0; i < 4; i++)
		cr_expect(hits[i] > 800 && hits[i] < 1200, "queue %u got %u of 4000", 10 + i,
			  hits[i]);
	th_free(&t);
}
