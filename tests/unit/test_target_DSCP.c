// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * DSCP: option text as iptables 1.8.9 reads and saves it, the mangle-only
 * check, and the action against packets the kernel forwarded for the same
 * rules (TUN namespace router, Linux 6.18), byte for byte.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/ipv4.h"
#include "target_harness.h"

static void expect_print(const char *text, const char *saved)
{
	char *s = th_roundtrip("DSCP", text);

	cr_expect_str_eq(s, saved, "DSCP %s", text);
	free(s);
}

Test(target_DSCP, saved_as_iptables_saves)
{
	expect_print("--set-dscp 10", " --set-dscp 0x0a");
	expect_print("--set-dscp 0x2e", " --set-dscp 0x2e");
	expect_print("--set-dscp 63", " --set-dscp 0x3f");
	expect_print("--set-dscp-class EF", " --set-dscp 0x2e");
	expect_print("--set-dscp-class af41", " --set-dscp 0x22");
	expect_print("--set-dscp-class cs7", " --set-dscp 0x38");
	expect_print("--set-dscp-class be", " --set-dscp 0x00");
	/* As libxt_DSCP: the argument only has to start with a class name. */
	expect_print("--set-dscp-class af411", " --set-dscp 0x22");
}

Test(target_DSCP, every_class)
{
	static const struct {
		const char *name;
		const char *saved;
	} classes[] = {
		{ "CS0", " --set-dscp 0x00" },  { "CS1", " --set-dscp 0x08" },
		{ "CS2", " --set-dscp 0x10" },  { "CS3", " --set-dscp 0x18" },
		{ "CS4", " --set-dscp 0x20" },  { "CS5", " --set-dscp 0x28" },
		{ "CS6", " --set-dscp 0x30" },  { "CS7", " --set-dscp 0x38" },
		{ "AF11", " --set-dscp 0x0a" }, { "AF12", " --set-dscp 0x0c" },
		{ "AF13", " --set-dscp 0x0e" }, { "AF21", " --set-dscp 0x12" },
		{ "AF22", " --set-dscp 0x14" }, { "AF23", " --set-dscp 0x16" },
		{ "AF31", " --set-dscp 0x1a" }, { "AF32", " --set-dscp 0x1c" },
		{ "AF33", " --set-dscp 0x1e" }, { "AF41", " --set-dscp 0x22" },
		{ "AF42", " --set-dscp 0x24" }, { "AF43", " --set-dscp 0x26" },
		{ "EF", " --set-dscp 0x2e" },   { "BE", " --set-dscp 0x00" },
	};
	char text[64];
	unsigned int i;

	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		snprintf(text, sizeof(text), "--set-dscp-class %s", classes[i].name);
		expect_print(text, classes[i].saved);
	}
}

Test(target_DSCP, bad_options)
{
	cr_expect_str_eq(th_error("DSCP", ""), "DSCP target: Parameter --set-dscp is required");
	cr_expect_str_eq(th_error("DSCP", "--set-dscp 64"),
			 "\"64\" is not a valid value for --set-dscp (expected 0 to 63)");
	cr_expect_str_eq(th_error("DSCP", "--set-dscp-class le"), "Invalid DSCP value \"le\"");
	cr_expect_str_eq(th_error("DSCP", "--set-dscp-class af1"), "Invalid DSCP value \"af1\"");
	cr_expect_str_eq(th_error("DSCP", "--set-dscp 1 --set-dscp-class ef"),
			 "DSCP: option \"--set-dscp\" cannot be used together with "
			 "\"--set-dscp-class\"");
	cr_expect_str_eq(th_error("DSCP", "--set-dscp-class ef --set-dscp 1"),
			 "DSCP: option \"--set-dscp\" cannot be used together with "
			 "\"--set-dscp-class\"");
	cr_expect_str_eq(th_error("DSCP", "--set-dscp 1 --set-dscp 1"),
			 "DSCP: option \"--set-dscp\" can only be used once");
}

Test(target_DSCP, mangle_table_only)
{
	struct th_target t;

	cr_assert_eq(th_parse(&t, "DSCP", "--set-dscp 1"), 0);
	cr_expect_neq(th_check(&t, XT_TABLE_FILTER, 1u << HOOK_LOCAL_IN, 0, false), 0);
	cr_expect_str_eq(t.err, "DSCP target: only valid in mangle table, not filter");
	cr_expect_eq(th_check(&t, XT_TABLE_MANGLE, 1u << HOOK_PRE_ROUTING, 0, false), 0);
	th_free(&t);
}

static const struct {
	const char *name, *opts, *in, *out;
} vectors[] = {
	{ "dscp-ef", "--set-dscp-class EF",
		"4503002604d20000401161ec0a0100020a0200029c400fa60012f49175757575"
		"757575757575",
		"45bb002604d200003f1162340a0100020a0200029c400fa60012f49175757575"
		"757575757575" },
	{ "dscp-0", "--set-dscp 0",
		"45ff002604d20000401160f00a0100020a0200029c400fa70012f49075757575"
		"757575757575",
		"4503002604d200003f1162ec0a0100020a0200029c400fa70012f49075757575"
		"757575757575" },
};

TestSuite(target_DSCP_run, .init = th_router_setup, .fini = th_router_teardown);

Test(target_DSCP_run, as_the_kernel_forwards_it)
{
	unsigned int i;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		th_forward_vector(vectors[i].name, "DSCP", vectors[i].opts, HOOK_FORWARD,
				  vectors[i].in, vectors[i].out);
}

/* Every DSCP on every TOS: ECN kept, checksum equal to a recomputation. */
Test(target_DSCP_run, every_dscp_on_every_tos)
{
	static const uint8_t payload[8];
	struct pkt *p = th_pkt("10.1.0.2", "10.2.0.2", 17, 0, 64, 0, payload, sizeof(payload));
	struct xt_ctx ctx = th_ctx(p, HOOK_FORWARD, XT_TABLE_MANGLE);
	unsigned int dscp, tos;

	for (dscp = 0; dscp < 64; dscp++) {
		struct th_target t;
		char text[32];

		snprintf(text, sizeof(text), "--set-dscp %u", dscp);
		cr_assert_eq(th_parse(&t, "DSCP", text), 0);
		for (tos = 0; tos < 256; tos++) {
			struct iphdr *ip = ipv4_hdr(p);
			uint16_t sum;

			ip->tos = (uint8_t)tos;
			ip->id = (uint16_t)(tos * 257 + dscp);
			ipv4_set_csum(ip);
			th_run(&t, &ctx);
			cr_assert_eq(ip->tos, (uint8_t)(dscp << 2 | (tos & 3)));
			sum = ip->check;
			ipv4_set_csum(ip);
			cr_assert_eq(sum, ip->check, "dscp %u on tos 0x%02x: checksum", dscp, tos);
		}
		th_free(&t);
	}
	pkt_free(&th_r.pool, p);
}
