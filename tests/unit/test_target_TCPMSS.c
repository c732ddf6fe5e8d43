// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TCPMSS: option text and checks as iptables 1.8.9 (nft back end) and the
 * kernel give them, and the action against segments the kernel forwarded
 * for the same rules (TUN namespace router, Linux 6.18, if1's MTU 1280),
 * byte for byte, checksums included; then random segments whose checksums
 * must still verify.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/csum.h"
#include "core/ipv4.h"
#include "target_harness.h"

static void expect_print(const char *text, const char *saved)
{
	char *s = th_roundtrip("TCPMSS", text);

	cr_expect_str_eq(s, saved, "TCPMSS %s", text);
	free(s);
}

Test(target_TCPMSS, saved_as_iptables_saves)
{
	expect_print("--set-mss 1400", " --set-mss 1400");
	expect_print("--clamp-mss-to-pmtu", " --clamp-mss-to-pmtu");
	expect_print("--set-mss 0", " --set-mss 0");
	expect_print("--set-mss 0x10", " --set-mss 16");
	expect_print("--set-mss 65515", " --set-mss 65515");
	/* Both given: the last counts, as in iptables. */
	expect_print("--set-mss 1400 --clamp-mss-to-pmtu", " --clamp-mss-to-pmtu");
	expect_print("--clamp-mss-to-pmtu --set-mss 1300", " --set-mss 1300");
}

Test(target_TCPMSS, bad_options)
{
	cr_expect_str_eq(th_error("TCPMSS", ""), "TCPMSS target: At least one parameter is required");
	cr_expect_str_eq(th_error("TCPMSS", "--set-mss 65535"),
			 "\"65535\" is not a valid value for --set-mss (expected 0 to 65515)");
	cr_expect_str_eq(th_error("TCPMSS", "--set-mss -1"),
			 "\"-1\" is not a valid value for --set-mss (expected 0 to 65515)");
	cr_expect_str_eq(th_error("TCPMSS", "--set-mss 1400 --set-mss 1300"),
			 "TCPMSS: option \"--set-mss\" can only be used once");
	cr_expect_str_eq(th_error("TCPMSS", "--clamp-mss-to-pmtu --clamp-mss-to-pmtu"),
			 "TCPMSS: option \"--clamp-mss-to-pmtu\" can only be used once");
}

Test(target_TCPMSS, checks)
{
	const unsigned int fwd = 1u << HOOK_FORWARD;
	struct th_target t;

	cr_assert_eq(th_parse(&t, "TCPMSS", "--set-mss 1400"), 0);
	cr_expect_neq(th_check(&t, XT_TABLE_MANGLE, fwd, 0, false), 0);
	cr_expect_str_eq(t.err, "TCPMSS target: only valid for protocol 6");
	cr_expect_neq(th_check(&t, XT_TABLE_MANGLE, fwd, IPPROTO_UDP, false), 0);
	cr_expect_neq(th_check(&t, XT_TABLE_MANGLE, fwd, IPPROTO_TCP, true), 0);
	/* No SYN match needed (nft back end), any table, any hook. */
	cr_expect_eq(th_check(&t, XT_TABLE_MANGLE, fwd, IPPROTO_TCP, false), 0);
	cr_expect_eq(th_check(&t, XT_TABLE_FILTER, fwd, IPPROTO_TCP, false), 0);
	cr_expect_eq(th_check(&t, XT_TABLE_RAW, 1u << HOOK_PRE_ROUTING, IPPROTO_TCP, false), 0);
	th_free(&t);

	cr_assert_eq(th_parse(&t, "TCPMSS", "--clamp-mss-to-pmtu"), 0);
	cr_expect_neq(th_check(&t, XT_TABLE_MANGLE, 1u << HOOK_PRE_ROUTING | fwd, IPPROTO_TCP,
			       false), 0);
	cr_expect_str_eq(t.err, "TCPMSS target: path-MTU clamping only supported in FORWARD, "
				"OUTPUT and POSTROUTING hooks");
	cr_expect_neq(th_check(&t, XT_TABLE_MANGLE, 1u << HOOK_LOCAL_IN, IPPROTO_TCP, false), 0);
	cr_expect_eq(th_check(&t, XT_TABLE_MANGLE,
			      fwd | 1u << HOOK_LOCAL_OUT | 1u << HOOK_POST_ROUTING, IPPROTO_TCP,
			      false), 0);
	th_free(&t);
}

static const struct {
	const char *name, *opts;
	enum tf_hook hook;
	const char *in, *out;
} vectors[] = {
	{ "mss-set", "--set-mss 1400", HOOK_FORWARD,
		"4500003804d20000400661e80a0100020a0200029c410bb8000003e800000000"
		"9002721047d40000020405b40402080a0001e24000000000",
		"4500003804d200003f0662e80a0100020a0200029c410bb8000003e800000000"
		"9002721048100000020405780402080a0001e24000000000" },
	{ "mss-set-lower", "--set-mss 1400", HOOK_FORWARD,
		"4500002c04d20000400661f40a0100020a0200029c410bb8000003e800000000"
		"6002721069e2000002040200",
		"4500002c04d200003f0662f40a0100020a0200029c410bb8000003e800000000"
		"6002721069e2000002040200" },
	{ "mss-add", "--set-mss 1400", HOOK_FORWARD,
		"4500002804d20000400661f80a0100020a0200029c410bb8000003e800000000"
		"500272107dea0000",
		"4500002c04d200003f0662f40a0100020a0200029c410bb8000003e800000000"
		"6002721069ca000002040218" },
	{ "mss-add-opts", "--set-mss 1400", HOOK_FORWARD,
		"4500003404d20000400661ec0a0100020a0200029c410bb8000003e800000000"
		"800272105f9000000402080a0001e24000000000",
		"4500003804d200003f0662e80a0100020a0200029c410bb8000003e800000000"
		"900272104b700000020402180402080a0001e24000000000" },
	{ "mss-add-small", "--set-mss 100", HOOK_FORWARD,
		"4500002804d20000400661f80a0100020a0200029c410bba000003e800000000"
		"500272107de80000",
		"4500002c04d200003f0662f40a0100020a0200029c410bba000003e800000000"
		"600272106b7c000002040064" },
	{ "mss-data", "--set-mss 1400", HOOK_FORWARD,
		"4500002c04d20000400661f40a0100020a0200029c410bb8000003e800000000"
		"50027210a523000064617461",
		"4500002c04d200003f0662f40a0100020a0200029c410bb8000003e800000000"
		"50027210a523000064617461" },
	{ "mss-clamp", "--clamp-mss-to-pmtu", HOOK_FORWARD,
		"4500002c04d20000400661f40a0100020a0200029c410bb9000003e800000000"
		"60027210662d0000020405b4",
		"4500002c04d200003f0662f40a0100020a0200029c410bb9000003e800000000"
		"6002721067090000020404d8" },
	{ "mss-clamp-add", "--clamp-mss-to-pmtu", HOOK_FORWARD,
		"4500002804d20000400661f80a0100020a0200029c410bb9000003e800000000"
		"500272107de90000",
		"4500002c04d200003f0662f40a0100020a0200029c410bb9000003e800000000"
		"6002721069c9000002040218" },
	{ "mss-ack", "--set-mss 1400", HOOK_FORWARD,
		"4500002804d20000400661f80a0100020a0200029c410bb80000000700000009"
		"5010721081b40000",
		"4500002c04d200003f0662f40a0100020a0200029c410bb80000000700000009"
		"601072106d94000002040218" },
	{ "mss-post", "--set-mss 600", HOOK_POST_ROUTING,
		"4500002c04d20000400661f40a0100020a0200029c410bbb000003e800000000"
		"60027210662b0000020405b4",
		"4500002c04d200003f0662f40a0100020a0200029c410bbb000003e800000000"
		"600272106987000002040258" },
	{ "mss-nop-mss", "--set-mss 1400", HOOK_FORWARD,
		"4500003004d20000400661f00a0100020a0200029c410bb8000003e800000000"
		"70027210552900000101020405b40000",
		"4500003004d200003f0662f00a0100020a0200029c410bb8000003e800000000"
		"70027210556500000101020405780000" },
	{ "mss-badlen", "--set-mss 1400", HOOK_FORWARD,
		"4500002c04d20000400661f40a0100020a0200029c410bb8000003e800000000"
		"6002721067de000002030405",
		"4500003004d200003f0662f00a0100020a0200029c410bb8000003e800000000"
		"7002721053be00000204021802030405" },
};

TestSuite(target_TCPMSS_run, .init = th_router_setup, .fini = th_router_teardown);

Test(target_TCPMSS_run, as_the_kernel_forwards_it)
{
	unsigned int i;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		th_forward_vector(vectors[i].name, "TCPMSS", vectors[i].opts, vectors[i].hook,
				  vectors[i].in, vectors[i].out);
}

static unsigned int run_on(const char *opts, struct pkt *p, enum tf_hook hook)
{
	struct th_target t;
	struct xt_ctx ctx;
	unsigned int v;

	cr_assert_eq(th_parse(&t, "TCPMSS", opts), 0);
	ctx = th_ctx(p, hook, XT_TABLE_MANGLE);
	v = th_run(&t, &ctx);
	th_free(&t);
	return v;
}

/* The MSS option's value in the segment, or -1. */
static int mss_of(const struct pkt *p)
{
	const uint8_t *th = p->data + 20;
	unsigned int i, hl = (th[12] >> 4) * 4u;

	for (i = 20; i + 4 <= hl; i += th[i] <= 1 || !th[i + 1] ? 1 : th[i + 1])
		if (th[i] == 2 && th[i + 1] == 4)
			return th[i + 2] << 8 | th[i + 3];
	return -1;
}

/* Random SYNs, with and without an MSS option among random other options
 * and with or without payload: the result against the rules, and the
 * checksums must verify. */
Test(target_TCPMSS_run, random_segments_keep_valid_checksums)
{
	unsigned int i;

	srand(11);
	for (i = 0; i < 3000; i++) {
		uint8_t opts[40], data[16];
		size_t optlen = 0, dlen = (i % 3 == 0) ? (size_t)(rand() % 16) : 0;
		int had = -1, set = rand() % 1600, want;
		char text[32];
		struct pkt *p;

		while (optlen + 4 <= (size_t)(rand() % 40)) {
			if (had < 0 && rand() % 3 == 0) {
				had = rand() % 65536;
				opts[optlen++] = 2;
				opts[optlen++] = 4;
				opts[optlen++] = (uint8_t)(had >> 8);
				opts[optlen++] = (uint8_t)had;
			} else {
				opts[optlen++] = 1;
				opts[optlen++] = 1;
				opts[optlen++] = 4;
				opts[optlen++] = 2;
			}
		}
		memset(data, 'd', sizeof(data));
		p = th_tcp("10.1.0.2", "10.2.0.2", 1000, 80, (uint32_t)rand(), 0, 0x02, opts,
			   optlen, data, dlen);
		p->iif = 0;
		p->oif = 1;
		snprintf(text, sizeof(text), "--set-mss %d", set);
		cr_assert_eq(run_on(text, p, HOOK_FORWARD), XT_CONTINUE);
		if (had >= 0)
			want = had > set ? set : had;
		else if (dlen || optlen + 20 >= 60)
			want = -1;
		else
			want = set < 536 ? set : 536;
		cr_assert_eq(mss_of(p), want, "segment %u: mss %d, want %d", i, mss_of(p), want);
		cr_assert_eq(p->len, ntohs(ipv4_hdr(p)->tot_len));
		cr_assert(th_ip_csum_ok(p->data), "segment %u: IP checksum", i);
		cr_assert(th_l4_csum_ok(p->data, p->len), "segment %u: TCP checksum", i);
		pkt_free(&th_r.pool, p);
	}
}

/* A segment from a sender that offloaded its checksum (virtio NEEDS_CSUM)
 * carries the pseudo-header sum only: the MSS change leaves it alone, the
 * added option's length goes into it. */
Test(target_TCPMSS_run, offloaded_checksum_gets_the_pseudo_header_only)
{
	static const uint8_t mss[4] = { 2, 4, 0x05, 0xb4 };
	struct pkt *p;
	uint16_t *check;

	p = th_tcp("10.1.0.2", "10.2.0.2", 1000, 80, 1, 0, 0x02, mss, 4, NULL, 0);
	p->iif = 0;
	p->oif = 1;
	p->flags |= PKT_F_VNET;
	p->vnet.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	check = (uint16_t *)(p->data + 36);
	*check = (uint16_t)~csum_fold(csum_pseudo(ipv4_hdr(p)->saddr, ipv4_hdr(p)->daddr, 6, 24));
	run_on("--set-mss 1000", p, HOOK_FORWARD);
	cr_expect_eq(mss_of(p), 1000);
	cr_expect_eq(*check,
		     (uint16_t)~csum_fold(csum_pseudo(ipv4_hdr(p)->saddr, ipv4_hdr(p)->daddr, 6, 24)));
	pkt_free(&th_r.pool, p);

	p = th_tcp("10.1.0.2", "10.2.0.2", 1000, 80, 1, 0, 0x02, NULL, 0, NULL, 0);
	p->iif = 0;
	p->oif = 1;
	p->flags |= PKT_F_VNET;
	p->vnet.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	check = (uint16_t *)(p->data + 36);
	*check = (uint16_t)~csum_fold(csum_pseudo(ipv4_hdr(p)->saddr, ipv4_hdr(p)->daddr, 6, 20));
	run_on("--set-mss 1000", p, HOOK_FORWARD);
	cr_expect_eq(mss_of(p), 536);
	cr_expect_eq(*check,
		     (uint16_t)~csum_fold(csum_pseudo(ipv4_hdr(p)->saddr, ipv4_hdr(p)->daddr, 6, 24)));
	cr_expect(th_ip_csum_ok(p->data));
	pkt_free(&th_r.pool, p);
}

/* At OUTPUT the route is not taken yet: the MTU is the route's. */
Test(target_TCPMSS_run, clamp_at_output_uses_the_route)
{
	static const uint8_t mss[4] = { 2, 4, 0x05, 0xb4 };
	struct pkt *p = th_tcp("10.1.0.1", "10.2.0.2", 1000, 80, 1, 0, 0x02, mss, 4, NULL, 0);

	cr_expect_eq(run_on("--clamp-mss-to-pmtu", p, HOOK_LOCAL_OUT), XT_CONTINUE);
	cr_expect_eq(mss_of(p), 1280 - 40);
	cr_expect(th_l4_csum_ok(p->data, p->len));
	pkt_free(&th_r.pool, p);
}

Test(target_TCPMSS_run, clamp_with_a_useless_mtu_drops)
{
	struct pkt *p = th_tcp("10.1.0.2", "10.2.0.2", 1000, 80, 1, 0, 0x02, NULL, 0, NULL, 0);

	p->iif = 0;
	p->oif = 1;
	th_r.ifaces[1].mtu = 40;
	cr_expect_eq(run_on("--clamp-mss-to-pmtu", p, HOOK_FORWARD), TF_DROP);
	pkt_free(&th_r.pool, p);
}

Test(target_TCPMSS_run, malformed_drops_and_fragments_pass)
{
	static const uint8_t junk[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	struct pkt *p;

	/* Fewer than 20 bytes of TCP header. */
	p = th_pkt("10.1.0.2", "10.2.0.2", 6, 0, 64, 0, junk, sizeof(junk));
	cr_expect_eq(run_on("--set-mss 1000", p, HOOK_FORWARD), TF_DROP);
	pkt_free(&th_r.pool, p);
	/* A data offset below 5 words, and one past the end. */
	p = th_tcp("10.1.0.2", "10.2.0.2", 1, 2, 3, 0, 0x02, NULL, 0, NULL, 0);
	p->data[32] = 0x40;
	cr_expect_eq(run_on("--set-mss 1000", p, HOOK_FORWARD), TF_DROP);
	p->data[32] = 0x60;
	cr_expect_eq(run_on("--set-mss 1000", p, HOOK_FORWARD), TF_DROP);
	pkt_free(&th_r.pool, p);
	/* A later fragment has no TCP header: left alone. */
	p = th_pkt("10.1.0.2", "10.2.0.2", 6, 0, 64, 0x0003, junk, sizeof(junk));
	cr_expect_eq(run_on("--set-mss 1000", p, HOOK_FORWARD), XT_CONTINUE);
	cr_expect_eq(p->len, 30);
	pkt_free(&th_r.pool, p);
}

Test(target_TCPMSS_run, full_header_gets_no_option)
{
	uint8_t nops[40];
	struct pkt *p;

	memset(nops, 1, sizeof(nops));
	p = th_tcp("10.1.0.2", "10.2.0.2", 1, 2, 3, 0, 0x02, nops, sizeof(nops), NULL, 0);
	cr_expect_eq(run_on("--set-mss 1000", p, HOOK_FORWARD), XT_CONTINUE);
	cr_expect_eq(p->len, 80);
	cr_expect_eq(mss_of(p), -1);
	pkt_free(&th_r.pool, p);
}
