// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * MARK: every form prints back as iptables-save prints it (iptables
 * 1.8.9), and each changes the mark as its own definition says, checked
 * on random marks against a naive formula per form.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include "target_harness.h"

static void expect_print(const char *text, const char *saved)
{
	char *s = th_roundtrip("MARK", text);

	cr_expect_str_eq(s, saved, "MARK %s", text);
	free(s);
}

Test(target_MARK, saved_as_iptables_saves)
{
	expect_print("--set-mark 5", " --set-xmark 0x5/0xffffffff");
	expect_print("--set-mark 5/0xff", " --set-xmark 0x5/0xff");
	expect_print("--set-mark 0x100/0xff", " --set-xmark 0x100/0x1ff");
	expect_print("--set-xmark 5", " --set-xmark 0x5/0xffffffff");
	expect_print("--set-xmark 5/0xff", " --set-xmark 0x5/0xff");
	expect_print("--and-mark 0xf0", " --set-xmark 0x0/0xffffff0f");
	expect_print("--or-mark 0x10", " --set-xmark 0x10/0x10");
	expect_print("--xor-mark 0x10", " --set-xmark 0x10/0x0");
	expect_print("--set-mark 0", " --set-xmark 0x0/0xffffffff");
	expect_print("--set-mark 0xffffffff", " --set-xmark 0xffffffff/0xffffffff");
	expect_print("--set-mark 010", " --set-xmark 0x8/0xffffffff");
}

Test(target_MARK, bad_options)
{
	cr_expect_str_eq(th_error("MARK", ""),
			 "MARK: One of the --set-xmark, --{and,or,xor,set}-mark options is required");
	cr_expect_str_eq(th_error("MARK", "--set-mark 4294967296"),
			 "\"4294967296\" is not a valid mark for --set-mark");
	cr_expect_str_eq(th_error("MARK", "--set-mark abc"),
			 "\"abc\" is not a valid mark for --set-mark");
	cr_expect_str_eq(th_error("MARK", "--set-mark 1/"), "\"1/\" is not a valid mark for --set-mark");
	cr_expect_str_eq(th_error("MARK", "--set-mark /1"), "\"/1\" is not a valid mark for --set-mark");
	cr_expect_str_eq(th_error("MARK", "--set-mark -1"), "\"-1\" is not a valid mark for --set-mark");
	cr_expect_str_eq(th_error("MARK", "--and-mark 5/5"),
			 "\"5/5\" is not a valid value for --and-mark (expected 0 to 4294967295)");
	cr_expect_str_eq(th_error("MARK", "--set-mark 1 --or-mark 2"),
			 "MARK: option \"--set-mark\" cannot be used together with \"--or-mark\"");
	cr_expect_str_eq(th_error("MARK", "--or-mark 2 --set-mark 1"),
			 "MARK: option \"--set-mark\" cannot be used together with \"--or-mark\"");
	cr_expect_str_eq(th_error("MARK", "--set-mark 1 --set-mark 2"),
			 "MARK: option \"--set-mark\" can only be used once");
	cr_expect_str_eq(th_error("MARK", "! --set-mark 1"),
			 "\"!\" is not allowed before --set-mark");
}

TestSuite(target_MARK_run, .init = th_router_setup, .fini = th_router_teardown);

static uint32_t rnd32(void)
{
	return (uint32_t)rand() << 16 ^ (uint32_t)rand();
}

Test(target_MARK_run, each_form_against_its_definition)
{
	static const uint8_t payload[8];
	struct pkt *p = th_pkt("10.1.0.2", "10.2.0.2", 17, 0, 64, 0, payload, sizeof(payload));
	struct xt_ctx ctx = th_ctx(p, HOOK_PRE_ROUTING, XT_TABLE_MANGLE);
	unsigned int i, form;

	srand(1);
	for (i = 0; i < 2000; i++) {
		uint32_t mark = rnd32(), v = rnd32(), m = rnd32(), want = 0;
		struct th_target t;
		char text[64];

		form = i % 5;
		switch (form) {
		case 0:
			snprintf(text, sizeof(text), "--set-xmark 0x%x/0x%x", v, m);
			want = (mark & ~m) ^ v;
			break;
		case 1:
			snprintf(text, sizeof(text), "--set-mark 0x%x/0x%x", v, m);
			want = (mark & ~m) | v;  /* clear the mask's bits, then set v */
			break;
		case 2:
			snprintf(text, sizeof(text), "--and-mark 0x%x", m);
			want = mark & m;
			break;
		case 3:
			snprintf(text, sizeof(text), "--or-mark 0x%x", m);
			want = mark | m;
			break;
		case 4:
			snprintf(text, sizeof(text), "--xor-mark 0x%x", m);
			want = mark ^ m;
			break;
		}
		cr_assert_eq(th_parse(&t, "MARK", text), 0, "%s", t.err);
		p->mark = mark;
		cr_assert_eq(th_run(&t, &ctx), XT_CONTINUE);
		cr_assert_eq(p->mark, want, "%s on 0x%x: 0x%x, want 0x%x", text, mark, p->mark,
			     want);
		th_free(&t);
	}
	pkt_free(&th_r.pool, p);
}
