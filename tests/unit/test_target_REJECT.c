// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * REJECT: option text (every name, alias and prefix iptables takes), the
 * checks, and the answers. The answers are compared byte for byte with
 * those the kernel sent for the same packets (iptables 1.8.9, nft back end,
 * Linux 6.18: the packets written into a TUN of a namespace router, the
 * answers read back from it), except the ICMP error's IP ID, which the
 * kernel draws at random.
 *
 *   10.1.0.2 --- if0 [10.1.0.1/24]  router  [10.2.0.1/24, mtu 1280] if1 --- 10.2.0.2
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/ip_icmp.h>
#include "core/hook.h"
#include "core/ipv4.h"
#include "target_harness.h"

static void expect_print(const char *text, const char *saved)
{
	char *s = th_roundtrip("REJECT", text);

	cr_expect_str_eq(s, saved, "REJECT %s", text);
	free(s);
}

Test(target_REJECT, default_is_port_unreachable)
{
	expect_print("", " --reject-with icmp-port-unreachable");
}

Test(target_REJECT, every_name_and_alias)
{
	static const char *const names[][2] = {
		{ "icmp-net-unreachable", "net-unreach" },
		{ "icmp-host-unreachable", "host-unreach" },
		{ "icmp-proto-unreachable", "proto-unreach" },
		{ "icmp-port-unreachable", "port-unreach" },
		{ "icmp-net-prohibited", "net-prohib" },
		{ "icmp-host-prohibited", "host-prohib" },
		{ "icmp-admin-prohibited", "admin-prohib" },
		{ "tcp-reset", "tcp-rst" },
	};
	char text[128], saved[128];
	unsigned int i, j;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(saved, sizeof(saved), " --reject-with %s", names[i][0]);
		for (j = 0; j < 2; j++) {
			snprintf(text, sizeof(text), "--reject-with %s", names[i][j]);
			expect_print(text, saved);
		}
	}
}

/* As iptables 1.8.9 reads them (checked with iptables-save). */
Test(target_REJECT, prefixes_and_case_as_iptables)
{
	expect_print("--reject-with icmp-", " --reject-with icmp-net-unreachable");
	expect_print("--reject-with icmp-host", " --reject-with icmp-host-unreachable");
	expect_print("--reject-with h", " --reject-with icmp-host-unreachable");
	expect_print("--reject-with TCP", " --reject-with tcp-reset");
	expect_print("--reject-with Admin", " --reject-with icmp-admin-prohibited");
	expect_print("--reject-with PORT-UNREACH", " --reject-with icmp-port-unreachable");
	expect_print("--reject-with \"\"", " --reject-with icmp-net-unreachable");
}

Test(target_REJECT, bad_options)
{
	cr_expect_str_eq(th_error("REJECT", "--reject-with foo"), "unknown reject type \"foo\"");
	cr_expect_str_eq(th_error("REJECT", "--reject-with icmp-port-unreachablex"),
			 "unknown reject type \"icmp-port-unreachablex\"");
	cr_expect_str_eq(th_error("REJECT", "--reject-with echo-reply"),
			 "unknown reject type \"echo-reply\"");
	cr_expect_str_eq(th_error("REJECT", "--reject-with tcp-reset --reject-with tcp-reset"),
			 "REJECT: option \"--reject-with\" can only be used once");
}

Test(target_REJECT, filter_table_only)
{
	static const enum xt_table bad[] = { XT_TABLE_RAW, XT_TABLE_MANGLE, XT_TABLE_NAT };
	static const char *const msg[] = {
		"REJECT target: only valid in filter table, not raw",
		"REJECT target: only valid in filter table, not mangle",
		"REJECT target: only valid in filter table, not nat",
	};
	struct th_target t;
	unsigned int i;

	cr_assert_eq(th_parse(&t, "REJECT", ""), 0);
	for (i = 0; i < 3; i++) {
		cr_expect_neq(th_check(&t, bad[i], 1u << HOOK_LOCAL_IN, 0, false), 0);
		cr_expect_str_eq(t.err, msg[i]);
	}
	cr_expect_eq(th_check(&t, XT_TABLE_FILTER, 1u << HOOK_FORWARD | 1u << HOOK_LOCAL_OUT, 0,
			      false), 0);
	th_free(&t);
}

Test(target_REJECT, tcp_reset_needs_p_tcp)
{
	const char *msg = "REJECT: --reject-with tcp-reset is only valid with -p tcp";
	struct th_target t;

	cr_assert_eq(th_parse(&t, "REJECT", "--reject-with tcp-reset"), 0);
	cr_expect_neq(th_check(&t, XT_TABLE_FILTER, 1u << HOOK_LOCAL_IN, 0, false), 0);
	cr_expect_str_eq(t.err, msg);
	cr_expect_neq(th_check(&t, XT_TABLE_FILTER, 1u << HOOK_LOCAL_IN, IPPROTO_UDP, false), 0);
	cr_expect_neq(th_check(&t, XT_TABLE_FILTER, 1u << HOOK_LOCAL_IN, IPPROTO_TCP, true), 0);
	cr_expect_str_eq(t.err, msg);
	cr_expect_eq(th_check(&t, XT_TABLE_FILTER, 1u << HOOK_LOCAL_IN, IPPROTO_TCP, false), 0);
	th_free(&t);
}

/* ---- answers, against the kernel's ---- */

struct reject_vector {
	const char *name;
	enum tf_hook hook;
	const char *opts;
	const char *in;        /* as written into the router's if0 */
	const char *answer;    /* what the kernel sent back on if0, or NULL */
};

static const struct reject_vector vectors[] = {
	{ "rej-default", HOOK_FORWARD, "",
		"4500002604d20000401161ef0a0100020a0200029c4003e80012005075757575"
		"757575757575",
		"45c00042c02f00004001a5c70a0100010a010002030311270000000045000026"
		"04d200003f1162ef0a0100020a0200029c4003e8001200507575757575757575"
		"7575" },
	{ "rej-net", HOOK_FORWARD, "--reject-with icmp-net-unreachable",
		"4500002604d20000401161ef0a0100020a0200029c4003e90012004f75757575"
		"757575757575",
		"45c00042c03300004001a5c30a0100010a0100020300112a0000000045000026"
		"04d200003f1162ef0a0100020a0200029c4003e90012004f7575757575757575"
		"7575" },
	{ "rej-host", HOOK_FORWARD, "--reject-with icmp-host-unreachable",
		"4500002604d20000401161ef0a0100020a0200029c4003ea0012004e75757575"
		"757575757575",
		"45c00042c03600004001a5c00a0100010a010002030111290000000045000026"
		"04d200003f1162ef0a0100020a0200029c4003ea0012004e7575757575757575"
		"7575" },
	{ "rej-proto", HOOK_FORWARD, "--reject-with icmp-proto-unreachable",
		"4500002604d20000401161ef0a0100020a0200029c4003eb0012004d75757575"
		"757575757575",
		"45c00042c04f00004001a5a70a0100010a010002030211280000000045000026"
		"04d200003f1162ef0a0100020a0200029c4003eb0012004d7575757575757575"
		"7575" },
	{ "rej-netprohib", HOOK_FORWARD, "--reject-with icmp-net-prohibited",
		"4500002604d20000401161ef0a0100020a0200029c4003ec0012004c75757575"
		"757575757575",
		"45c00042c06300004001a5930a0100010a010002030911210000000045000026"
		"04d200003f1162ef0a0100020a0200029c4003ec0012004c7575757575757575"
		"7575" },
	{ "rej-hostprohib", HOOK_FORWARD, "--reject-with icmp-host-prohibited",
		"4500002604d20000401161ef0a0100020a0200029c4003ed0012004b75757575"
		"757575757575",
		"45c00042c06600004001a5900a0100010a010002030a11200000000045000026"
		"04d200003f1162ef0a0100020a0200029c4003ed0012004b7575757575757575"
		"7575" },
	{ "rej-admin", HOOK_FORWARD, "--reject-with icmp-admin-prohibited",
		"4500002604d20000401161ef0a0100020a0200029c4003ee0012004a75757575"
		"757575757575",
		"45c00042c07800004001a57e0a0100010a010002030d111d0000000045000026"
		"04d200003f1162ef0a0100020a0200029c4003ee0012004a7575757575757575"
		"7575" },
	{ "rej-udp-badsum", HOOK_FORWARD, "",
		"4500002604d20000401161ef0a0100020a0200029c4003e80012005075757575"
		"757575757520",
		NULL },
	{ "rej-udp-nosum", HOOK_FORWARD, "",
		"4500002104d20000401161f40a0100020a0200029c4003e8000d00007a7a7a7a"
		"7a",
		"45c0003dc09700004001a5640a0100010a0100020303edd10000000045000021"
		"04d200003f1162f40a0100020a0200029c4003e8000d00007a7a7a7a7a" },
	{ "rej-udp-frag0", HOOK_FORWARD, "",
		"4500002604d22000401141ef0a0100020a0200029c4003e80012005075757575"
		"757575757575",
		"45c00042c09f00004001a5570a0100010a010002030311270000000045000026"
		"04d220003f1142ef0a0100020a0200029c4003e8001200507575757575757575"
		"7575" },
	{ "rej-big", HOOK_FORWARD, "",
		"4500031c04d2000040115ef90a0100020a0200029c4003e8030804f000010203"
		"0405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"
		"2425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f40414243"
		"4445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f60616263"
		"6465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f80818283"
		"8485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3"
		"a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3"
		"c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3"
		"e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff00010203"
		"0405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"
		"2425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f40414243"
		"4445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f60616263"
		"6465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f80818283"
		"8485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3"
		"a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3"
		"c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3"
		"e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff00010203"
		"0405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"
		"2425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f40414243"
		"4445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f60616263"
		"6465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f80818283"
		"8485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3"
		"a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3"
		"c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3"
		"e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
		"45c00240c0a000004001a3580a0100010a0100020303c84c000000004500031c"
		"04d200003f115ff90a0100020a0200029c4003e8030804f00001020304050607"
		"08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222324252627"
		"28292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f4041424344454647"
		"48494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f6061626364656667"
		"68696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f8081828384858687"
		"88898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7"
		"a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7"
		"c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7"
		"e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff0001020304050607"
		"08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222324252627"
		"28292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f4041424344454647"
		"48494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f6061626364656667"
		"68696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f8081828384858687"
		"88898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7"
		"a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7"
		"c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7"
		"e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff0001020304050607" },
	{ "rej-icmp", HOOK_FORWARD, "",
		"4500002404d20000400162010a0100020a020002080062670001000265656565"
		"65656565",
		"45c00040c0b400004001a5440a0100010a0100020303fcfc0000000045000024"
		"04d200003f0163010a0100020a02000208006267000100026565656565656565" },
	{ "rej-icmp-badsum", HOOK_FORWARD, "",
		"4500002404d20000400162010a0100020a020002080062670001000265656565"
		"65656530",
		NULL },
	{ "rej-icmp-err", HOOK_FORWARD, "",
		"4500003804d20000400161ed0a0100020a02000203035c720000000045000026"
		"04d20000401161ef0a0100020a0200029c4000090012042f",
		NULL },
	{ "rej-253-random", HOOK_FORWARD, "",
		"4500001b04d2000040fd610e0a0100020a02000272616e646f6d21",
		NULL },
	{ "rej-253-zero", HOOK_FORWARD, "",
		"4500001804d2000040fd61110a0100020a020002ffff0000",
		"45c00034c0b800004001a54c0a0100010a0100020303fcfc0000000045000018"
		"04d200003ffd62110a0100020a020002ffff0000" },
	{ "rej-tcp-icmp", HOOK_FORWARD, "",
		"4500002804d20000400661f80a0100020a0200029c4107d1000003e800000000"
		"5002721081d10000",
		"45c00044c0ff00004001a4f50a0100010a0100020303111e0000000045000028"
		"04d200003f0662f80a0100020a0200029c4107d1000003e80000000050027210"
		"81d10000" },
	{ "rej-local-udp", HOOK_LOCAL_IN, "",
		"4500001d04d20000401161fa0a0100020a0100019c4003ef0009dfa76c",
		"45c00039c0e700004001a5180a0100010a0100020303111c000000004500001d"
		"04d20000401161fa0a0100020a0100019c4003ef0009dfa76c" },
	{ "rst-syn", HOOK_FORWARD, "--reject-with tcp-reset",
		"4500002c04d20000400661f40a0100020a0200029c4107d0000003e800000000"
		"600272106a160000020405b4",
		"4500002800004000400626ca0a0200020a01000207d09c4100000000000003e9"
		"50140000f3cf0000" },
	{ "rst-syn-data", HOOK_FORWARD, "--reject-with tcp-reset",
		"4500002d04d20000400661f30a0100020a0200029c4107d0000003e800000000"
		"500272103dfb000068656c6c6f",
		"4500002800004000400626ca0a0200020a01000207d09c4100000000000003ee"
		"50140000f3ca0000" },
	{ "rst-synfin", HOOK_FORWARD, "--reject-with tcp-reset",
		"4500002804d20000400661f80a0100020a0200029c4107d0000003e800000000"
		"5003721081d10000",
		"4500002800004000400626ca0a0200020a01000207d09c4100000000000003ea"
		"50140000f3ce0000" },
	{ "rst-ack", HOOK_FORWARD, "--reject-with tcp-reset",
		"4500002b04d20000400661f50a0100020a0200029c4107d00000000511223344"
		"501872107cd30000616263",
		"4500002800004000400626ca0a0200020a01000207d09c411122334400000000"
		"50040000b3620000" },
	{ "rst-rst", HOOK_FORWARD, "--reject-with tcp-reset",
		"4500002804d20000400661f80a0100020a0200029c4107d0000003e800000000"
		"5004721081d00000",
		NULL },
	{ "rst-badsum", HOOK_FORWARD, "--reject-with tcp-reset",
		"4500002904d20000400661f70a0100020a0200029c4107d0000003e800000000"
		"5002721009d100002d",
		NULL },
	{ "rst-tos", HOOK_FORWARD, "--reject-with tcp-reset",
		"45b8002804d200001e0683400a0100020a0200029c4107d0000003e800000000"
		"5002721081d20000",
		"4500002800004000400626ca0a0200020a01000207d09c4100000000000003e9"
		"50140000f3cf0000" },
	{ "rst-local", HOOK_LOCAL_IN, "--reject-with tcp-reset",
		"4500002804d20000400661fa0a0100020a0100019c4107d2000003e800000000"
		"5002721081d20000",
		"4500002800004000400626cc0a0100010a01000207d29c4100000000000003e9"
		"50140000f3cf0000" },
	{ "rst-bcast", HOOK_LOCAL_IN, "--reject-with tcp-reset",
		"4500002804d20000400660fc0a0100020a0100ff9c4107d2000003e800000000"
		"5002721080d40000",
		NULL },
};

TestSuite(target_REJECT_run, .init = th_router_setup, .fini = th_router_teardown);

/* The packet as the FORWARD or INPUT chain sees it: TTL already lowered
 * when forwarded, as ip_forward does before the hook. */
static struct pkt *vector_pkt(const struct reject_vector *v)
{
	struct pkt *p = th_pkt_hex(v->in);

	p->iif = 0;
	if (v->hook == HOOK_FORWARD) {
		p->oif = 1;
		ipv4_dec_ttl(ipv4_hdr(p));
	}
	return p;
}

static void run_vector(const struct reject_vector *v)
{
	uint8_t want[2048];
	struct th_target t;
	struct xt_ctx ctx;
	struct pkt *p;
	size_t n;

	memset(&th_cap, 0, sizeof(th_cap));
	cr_assert_eq(th_parse(&t, "REJECT", v->opts), 0, "%s: %s", v->name, t.err);
	p = vector_pkt(v);
	ctx = th_ctx(p, v->hook, XT_TABLE_FILTER);
	cr_expect_eq(th_run(&t, &ctx), TF_DROP, "%s: REJECT answers DROP", v->name);
	pkt_free(&th_r.pool, p);
	router_flush(&th_r);
	th_free(&t);
	if (!v->answer) {
		cr_expect_eq(th_cap.n, 0, "%s: no answer, as the kernel", v->name);
		return;
	}
	cr_assert_eq(th_cap.n, 1, "%s: one answer", v->name);
	cr_expect_eq(th_cap.oif[0], 0, "%s: back where it came from", v->name);
	n = th_hex(v->answer, want, sizeof(want));
	cr_assert_eq(th_cap.len[0], n, "%s: answer of %zu bytes, got %u", v->name, n,
		     th_cap.len[0]);
	cr_expect(th_ip_csum_ok(th_cap.data[0]), "%s: IP checksum", v->name);
	cr_expect(th_l4_csum_ok(th_cap.data[0], n), "%s: TCP/ICMP checksum", v->name);
	if (want[9] == IPPROTO_ICMP) {
		/* The kernel's ICMP errors take a random IP ID: skip it and the
		 * header checksum that covers it. */
		memcpy(want + 4, th_cap.data[0] + 4, 2);
		memcpy(want + 10, th_cap.data[0] + 10, 2);
	}
	cr_expect(memcmp(th_cap.data[0], want, n) == 0, "%s: answer as the kernel's", v->name);
}

Test(target_REJECT_run, answers_as_the_kernel)
{
	unsigned int i;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		run_vector(&vectors[i]);
}

Test(target_REJECT_run, no_answer_about_a_later_fragment)
{
	static const char payload[16] = "later fragment";
	struct th_target t;
	struct pkt *p;
	struct xt_ctx ctx;

	cr_assert_eq(th_parse(&t, "REJECT", ""), 0);
	p = th_pkt("10.1.0.2", "10.2.0.2", IPPROTO_UDP, 0, 63, 3, payload, sizeof(payload));
	p->iif = 0;
	p->oif = 1;
	ctx = th_ctx(p, HOOK_FORWARD, XT_TABLE_FILTER);
	cr_expect_eq(th_run(&t, &ctx), TF_DROP);
	pkt_free(&th_r.pool, p);
	router_flush(&th_r);
	cr_expect_eq(th_cap.n, 0);
	th_free(&t);
}

Test(target_REJECT_run, checksum_vouched_by_vnet_header_is_not_checked)
{
	/* rej-udp-badsum, but the TUN's virtio header says NEEDS_CSUM. */
	struct th_target t;
	struct xt_ctx ctx;
	struct pkt *p;

	cr_assert_eq(th_parse(&t, "REJECT", ""), 0);
	p = th_pkt_hex("4500002604d20000401161ef0a0100020a0200029c4003e800120050757575757575"
		       "75757520");
	p->iif = 0;
	p->oif = 1;
	p->flags |= PKT_F_VNET;
	p->vnet.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	ctx = th_ctx(p, HOOK_FORWARD, XT_TABLE_FILTER);
	th_run(&t, &ctx);
	pkt_free(&th_r.pool, p);
	router_flush(&th_r);
	cr_expect_eq(th_cap.n, 1);
	th_free(&t);
}

Test(target_REJECT_run, dry_run_sends_nothing)
{
	struct th_target t;
	struct xt_ctx ctx;
	struct pkt *p;

	cr_assert_eq(th_parse(&t, "REJECT", "--reject-with tcp-reset"), 0);
	p = th_tcp("10.1.0.2", "10.2.0.2", 40000, 22, 1, 0, 0x02, NULL, 0, NULL, 0);
	p->iif = 0;
	p->oif = 1;
	ctx = th_ctx(p, HOOK_FORWARD, XT_TABLE_FILTER);
	ctx.dry_run = true;
	cr_expect_eq(th_run(&t, &ctx), TF_DROP);
	th_free(&t);
	cr_assert_eq(th_parse(&t, "REJECT", ""), 0);
	cr_expect_eq(th_run(&t, &ctx), TF_DROP);
	pkt_free(&th_r.pool, p);
	router_flush(&th_r);
	cr_expect_eq(th_cap.n, 0);
	th_free(&t);
}

Test(target_REJECT_run, rst_to_a_subnet_broadcast_or_multicast_is_not_sent)
{
	static const char *const dst[] = { "10.2.0.255", "224.0.0.9", "255.255.255.255" };
	struct th_target t;
	unsigned int i;

	cr_assert_eq(th_parse(&t, "REJECT", "--reject-with tcp-reset"), 0);
	for (i = 0; i < 3; i++) {
		struct pkt *p = th_tcp("10.1.0.2", dst[i], 1, 2, 3, 0, 0x02, NULL, 0, NULL, 0);
		struct xt_ctx ctx;

		p->iif = 0;
		ctx = th_ctx(p, HOOK_LOCAL_IN, XT_TABLE_FILTER);
		th_run(&t, &ctx);
		pkt_free(&th_r.pool, p);
	}
	router_flush(&th_r);
	cr_expect_eq(th_cap.n, 0);
	th_free(&t);
}
