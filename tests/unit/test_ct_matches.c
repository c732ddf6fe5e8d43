// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The conntrack extensions: -m state, -m conntrack, -m connmark, and the
 * CONNMARK, CT and NOTRACK targets.
 *
 *   golden   rule text in, the save text out. The expected lines are what
 *            iptables-save (iptables 1.8.9, nft back end) printed for the
 *            same rules in a scratch namespace on this machine;
 *   errors   the messages, with file and line;
 *   rules    the extensions at work in a router with connection tracking
 *            (ct_harness.h): a stateful FORWARD, INVALID dropped,
 *            connmark saved and restored, NOTRACK, --ctdir, --ctstatus,
 *            SNAT/DNAT states.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conntrack/entry.h"
#include "ct_harness.h"
#include "tables/restore.h"
#include "tables/ruleset.h"
#include "tables/save.h"
#include "tables/tables.h"

/* ---- golden text ---- */

static struct counters *ctr;
static char err[RULESET_ERR_MAX];

static void text_setup(void)
{
	ctr = counters_new();
	cr_assert_not_null(ctr);
}

static void text_teardown(void)
{
	counters_free(ctr);
}

TestSuite(ct_text, .init = text_setup, .fini = text_teardown);

static char *save_table(const struct ruleset *rs, int table)
{
	struct out o;
	char *s;

	out_init(&o, false);
	save_ruleset(rs, table, SAVE_NO_COMMENTS, 0, &o);
	out_append(&o, "", 1);
	cr_assert_not(o.oom);
	s = strdup(o.buf);
	out_free(&o);
	return s;
}

/* "-A CHAIN in" in table saves as "-A CHAIN out", and that reads back
 * into the same line. */
static void golden(const char *table, const char *chain, const char *in, const char *out)
{
	char text[2048], want[2048], *got, *line, *again;
	int t = xt_table_by_name(table);
	struct ruleset *rs, *rs2;

	snprintf(text, sizeof(text), "*%s\n-A %s %s\nCOMMIT\n", table, chain, in);
	rs = ruleset_new(ctr);
	cr_assert_not_null(rs);
	cr_assert_eq(restore_text(rs, text, strlen(text), "t.v4", 0, err, sizeof(err)), 0,
		     "%s: %s", in, err);
	got = save_table(rs, t);
	snprintf(want, sizeof(want), "-A %s %s\n", chain, out);
	line = strstr(got, want);
	cr_expect_not_null(line, "\"%s\": want \"%s\" in\n%s", in, want, got);
	/* The saved text restores to the same. */
	rs2 = ruleset_new(ctr);
	cr_assert_not_null(rs2);
	cr_assert_eq(restore_text(rs2, got, strlen(got), "t.v4", 0, err, sizeof(err)), 0, "%s",
		     err);
	again = save_table(rs2, t);
	cr_expect_str_eq(again, got);
	free(again);
	free(got);
	ruleset_free(rs2);
	ruleset_free(rs);
}

Test(ct_text, state)
{
	golden("filter", "INPUT",
	       "-m state --state NEW,ESTABLISHED,RELATED,INVALID,UNTRACKED -j ACCEPT",
	       "-m state --state INVALID,NEW,RELATED,ESTABLISHED,UNTRACKED -j ACCEPT");
	golden("filter", "INPUT", "-m state ! --state INVALID -j ACCEPT",
	       "-m state ! --state INVALID -j ACCEPT");
	golden("filter", "INPUT", "-m state --state ESTABLISHED -j ACCEPT",
	       "-m state --state ESTABLISHED -j ACCEPT");
	golden("filter", "INPUT", "-m state --state NEW -m conntrack --ctstate NEW -j ACCEPT",
	       "-m state --state NEW -m conntrack --ctstate NEW -j ACCEPT");
}

Test(ct_text, conntrack)
{
	golden("filter", "INPUT",
	       "-m conntrack --ctstate NEW,ESTABLISHED,RELATED,INVALID,UNTRACKED,SNAT,DNAT "
	       "-j ACCEPT",
	       "-m conntrack --ctstate INVALID,NEW,RELATED,ESTABLISHED,UNTRACKED,SNAT,DNAT "
	       "-j ACCEPT");
	golden("filter", "INPUT", "-m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
	       "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
	golden("filter", "INPUT", "-m conntrack ! --ctstate INVALID -j ACCEPT",
	       "-m conntrack ! --ctstate INVALID -j ACCEPT");
	golden("filter", "INPUT",
	       "-m conntrack --ctproto tcp --ctorigsrc 10.0.0.0/8 --ctorigdst 1.2.3.4 "
	       "--ctreplsrc 5.6.7.8/32 --ctrepldst 9.9.0.0/16 -j ACCEPT",
	       "-m conntrack --ctproto 6 --ctorigsrc 10.0.0.0/8 --ctorigdst 1.2.3.4 "
	       "--ctreplsrc 5.6.7.8 --ctrepldst 9.9.0.0/16 -j ACCEPT");
	golden("filter", "INPUT",
	       "-m conntrack --ctproto 6 --ctorigsrcport 10 --ctorigdstport 20:30 "
	       "--ctreplsrcport 40 --ctrepldstport 50 -j ACCEPT",
	       "-m conntrack --ctproto 6 --ctorigsrcport 10 --ctorigdstport 20:30 "
	       "--ctreplsrcport 40 --ctrepldstport 50 -j ACCEPT");
	golden("filter", "INPUT",
	       "-m conntrack --ctstatus ASSURED,SEEN_REPLY,CONFIRMED,EXPECTED,NONE -j ACCEPT",
	       "-m conntrack --ctstatus EXPECTED,SEEN_REPLY,ASSURED,CONFIRMED -j ACCEPT");
	golden("filter", "INPUT", "-m conntrack --ctdir ORIGINAL -j ACCEPT",
	       "-m conntrack --ctdir ORIGINAL -j ACCEPT");
	golden("filter", "INPUT", "-m conntrack --ctdir REPLY -j ACCEPT",
	       "-m conntrack --ctdir REPLY -j ACCEPT");
	golden("filter", "INPUT",
	       "-m conntrack ! --ctproto udp ! --ctorigsrc 1.1.1.1 ! --ctstatus NONE -j ACCEPT",
	       "-m conntrack ! --ctproto 17 ! --ctorigsrc 1.1.1.1 ! --ctstatus NONE -j ACCEPT");
	golden("filter", "INPUT", "-m conntrack --ctexpire 10:20 -j ACCEPT",
	       "-m conntrack --ctexpire 10:20 -j ACCEPT");
	/* Options in any order come out in iptables' order. */
	golden("filter", "INPUT",
	       "-m conntrack --ctdir REPLY --ctexpire 5 --ctstatus ASSURED --ctrepldstport 50 "
	       "--ctreplsrcport 40 --ctorigdstport :30 --ctorigsrcport 10: --ctrepldst "
	       "9.9.0.0/16 --ctreplsrc 5.6.7.8/32 --ctorigdst 1.2.3.4 --ctorigsrc 10.0.0.0/8 "
	       "--ctproto tcp --ctstate NEW -j ACCEPT",
	       "-m conntrack --ctstate NEW --ctproto 6 --ctorigsrc 10.0.0.0/8 --ctorigdst 1.2.3.4 "
	       "--ctreplsrc 5.6.7.8 --ctrepldst 9.9.0.0/16 --ctorigsrcport 10:65535 "
	       "--ctorigdstport 0:30 --ctreplsrcport 40 --ctrepldstport 50 --ctstatus ASSURED "
	       "--ctexpire 5 --ctdir REPLY -j ACCEPT");
	golden("filter", "INPUT", "-m conntrack ! --ctorigsrcport 10 --ctdir ORIGINAL -j ACCEPT",
	       "-m conntrack ! --ctorigsrcport 10 --ctdir ORIGINAL -j ACCEPT");
	golden("filter", "INPUT", "-m conntrack --ctstate new,established -j ACCEPT",
	       "-m conntrack --ctstate NEW,ESTABLISHED -j ACCEPT");
	golden("filter", "INPUT", "-p tcp -m conntrack --ctproto udp -j ACCEPT",
	       "-p tcp -m conntrack --ctproto 17 -j ACCEPT");
	golden("filter", "INPUT", "-m conntrack --ctproto all -j ACCEPT",
	       "-m conntrack --ctproto 0 -j ACCEPT");
	golden("filter", "INPUT", "-m conntrack --ctorigsrc 10.1.2.3/8 -j ACCEPT",
	       "-m conntrack --ctorigsrc 10.1.2.3/8 -j ACCEPT");
	golden("filter", "INPUT", "-m conntrack --ctstatus none -j ACCEPT",
	       "-m conntrack --ctstatus NONE -j ACCEPT");
}

Test(ct_text, connmark)
{
	golden("filter", "INPUT", "-m connmark --mark 0x5 -j ACCEPT",
	       "-m connmark --mark 0x5 -j ACCEPT");
	golden("filter", "INPUT", "-m connmark ! --mark 0x5/0xff -j ACCEPT",
	       "-m connmark ! --mark 0x5/0xff -j ACCEPT");
	golden("filter", "INPUT", "-m connmark --mark 0x5/0xffffffff -j ACCEPT",
	       "-m connmark --mark 0x5 -j ACCEPT");
	golden("filter", "INPUT", "-m connmark --mark 5 -j ACCEPT",
	       "-m connmark --mark 0x5 -j ACCEPT");
}

Test(ct_text, CONNMARK)
{
	static const char *const cases[][2] = {
		{ "--set-mark 0x5", "--set-xmark 0x5/0xffffffff" },
		{ "--set-mark 0x5/0xf", "--set-xmark 0x5/0xf" },
		{ "--set-mark 0x5/0x3", "--set-xmark 0x5/0x7" },
		{ "--set-xmark 0x5/0xf", "--set-xmark 0x5/0xf" },
		{ "--save-mark", "--save-mark --nfmask 0xffffffff --ctmask 0xffffffff" },
		{ "--save-mark --nfmask 0xff --ctmask 0xf0",
		  "--save-mark --nfmask 0xff --ctmask 0xf0" },
		{ "--restore-mark", "--restore-mark --nfmask 0xffffffff --ctmask 0xffffffff" },
		{ "--restore-mark --mask 0xff", "--restore-mark --nfmask 0xff --ctmask 0xff" },
		{ "--restore-mark --nfmask 0xf --ctmask 0xff",
		  "--restore-mark --nfmask 0xf --ctmask 0xff" },
		{ "--and-mark 0xf", "--set-xmark 0x0/0xfffffff0" },
		{ "--or-mark 0xf", "--set-xmark 0xf/0xf" },
		{ "--xor-mark 0xf", "--set-xmark 0xf/0x0" },
	};
	char in[128], out[128];
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(in, sizeof(in), "-j CONNMARK %s", cases[i][0]);
		snprintf(out, sizeof(out), "-j CONNMARK %s", cases[i][1]);
		golden("filter", "INPUT", in, out);
	}
}

Test(ct_text, CT_and_NOTRACK)
{
	golden("raw", "PREROUTING", "-j CT --notrack", "-j CT --notrack");
	golden("raw", "PREROUTING", "-j NOTRACK", "-j NOTRACK");
	golden("raw", "OUTPUT", "-p tcp -j CT --notrack", "-p tcp -j CT --notrack");
	golden("raw", "PREROUTING", "-j CT", "-j CT");
}

/* The message for a rule that must not load. */
static void bad(const char *table, const char *rule, const char *msg)
{
	char text[1024], want[512];
	struct ruleset *rs = ruleset_new(ctr);
	int rc;

	snprintf(text, sizeof(text), "*%s\n-A %s\nCOMMIT\n", table, rule);
	rc = restore_text(rs, text, strlen(text), "t.v4", 0, err, sizeof(err));
	if (rc == 0)
		rc = ruleset_compile(rs, err, sizeof(err));
	cr_expect_neq(rc, 0, "\"%s\" loaded", rule);
	snprintf(want, sizeof(want), "t.v4:2: %s", msg);
	cr_expect_str_eq(err, want, "\"%s\"", rule);
	ruleset_free(rs);
}

Test(ct_text, errors)
{
	bad("filter", "INPUT -m state -j ACCEPT", "state: option \"--state\" must be specified");
	bad("filter", "INPUT -m state --state SNAT -j ACCEPT", "Bad state \"SNAT\"");
	bad("filter", "INPUT -m conntrack -j ACCEPT", "conntrack: At least one option is required");
	bad("filter", "INPUT -m conntrack --ctstate FOO -j ACCEPT", "Bad ctstate \"FOO\"");
	bad("filter", "INPUT -m conntrack --ctstate NEW --ctstate NEW -j ACCEPT",
	    "conntrack: option \"--ctstate\" can only be used once");
	bad("filter", "INPUT -m conntrack --ctdir FOO -j ACCEPT",
	    "conntrack: Bad value for \"--ctdir\" option: \"FOO\"");
	bad("filter", "INPUT -m conntrack ! --ctdir REPLY -j ACCEPT",
	    "\"!\" is not allowed before --ctdir");
	bad("filter", "INPUT -m conntrack --ctstatus FOO -j ACCEPT", "Bad ctstatus \"FOO\"");
	bad("filter", "INPUT -m conntrack --ctproto foo -j ACCEPT",
	    "unknown protocol \"foo\" specified");
	bad("filter", "INPUT -m connmark -j ACCEPT",
	    "connmark: option \"--mark\" must be specified");
	bad("filter", "INPUT -j CONNMARK", "CONNMARK target: No operation specified");
	bad("filter", "INPUT -j CONNMARK --set-mark 1 --save-mark",
	    "CONNMARK: option \"--set-mark\" cannot be used together with \"--save-mark\"");
	bad("filter", "INPUT -j CONNMARK --set-mark 1 --mask 0xff",
	    "CONNMARK: --mask, --ctmask and --nfmask go with --save-mark or --restore-mark only");
	bad("filter", "INPUT -j CT --notrack", "CT target: only valid in raw table, not filter");
	bad("mangle", "PREROUTING -j NOTRACK",
	    "NOTRACK target: only valid in raw table, not mangle");
}

/* ---- the rules at work ---- */

TestSuite(ct_rules, .init = ch_setup_tables, .fini = ch_teardown_tables);

Test(ct_rules, stateful_forward)
{
	ch_load("*filter\n:FORWARD DROP [0:0]\n"
	     "-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
	     "-A FORWARD -i if0 -m state --state NEW -j ACCEPT\n"
	     "COMMIT\n");
	/* The LAN starts, the WAN answers. */
	cr_expect_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0), 1);
	cr_expect_eq(ch_send(ch_udp("10.2.0.2", "10.1.0.2", 53, 1111), 1), 1);
	cr_expect_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0), 1);
	/* The WAN cannot start anything. */
	cr_expect_eq(ch_send(ch_udp("10.2.0.2", "10.1.0.2", 53, 2222), 1), 0);
	cr_expect_null(ch_find_udp("10.2.0.2", "10.1.0.2", 53, 2222), "dropped: no entry");
	/* An error about the LAN's flow is RELATED and comes in. */
	cr_expect_eq(ch_send(ch_icmp("10.2.0.2", "10.1.0.2", ICMP_DEST_UNREACH, 3, 0,
				     ch_cap.data[0], 28), 1), 1);
	/* TCP: the handshake and data both ways. */
	cr_expect_eq(ch_send(ch_tcp("10.1.0.2", "10.2.0.2", 40000, 80, 100, 0, TH_SYN, 1000, 0),
			     0), 1);
	cr_expect_eq(ch_send(ch_tcp("10.2.0.2", "10.1.0.2", 80, 40000, 900, 101, TH_SYN | TH_ACK,
				    1000, 0), 1), 1);
	cr_expect_eq(ch_send(ch_tcp("10.1.0.2", "10.2.0.2", 40000, 80, 101, 901, TH_ACK, 1000, 50),
			     0), 1);
	cr_expect_eq(ch_send(ch_tcp("10.2.0.2", "10.1.0.2", 80, 40000, 901, 151, TH_ACK, 1000, 50),
			     1), 1);
	/* A SYN from the WAN is NEW there: dropped. */
	cr_expect_eq(ch_send(ch_tcp("10.2.0.2", "10.1.0.2", 4444, 22, 1, 0, TH_SYN, 1000, 0), 1),
		     0);
}

Test(ct_rules, invalid_dropped)
{
	ch_load("*filter\n"
	     "-A FORWARD -m state --state INVALID -j DROP\n"
	     "COMMIT\n");
	cr_assert_eq(ch_send(ch_tcp("10.1.0.2", "10.2.0.2", 40000, 80, 100, 0, TH_SYN, 1000, 0),
			     0), 1);
	cr_assert_eq(ch_send(ch_tcp("10.2.0.2", "10.1.0.2", 80, 40000, 900, 101, TH_SYN | TH_ACK,
				    1000, 0), 1), 1);
	cr_assert_eq(ch_send(ch_tcp("10.1.0.2", "10.2.0.2", 40000, 80, 101, 901, TH_ACK, 1000, 0),
			     0), 1);
	/* A stray ACK: it acknowledges what the server never sent. */
	cr_expect_eq(ch_send(ch_tcp("10.1.0.2", "10.2.0.2", 40000, 80, 101, 77777, TH_ACK, 1000, 0),
			     0), 0);
	/* Impossible flags. */
	cr_expect_eq(ch_send(ch_tcp("10.1.0.2", "10.2.0.2", 40001, 80, 1, 0, TH_SYN | TH_FIN, 1000,
				    0), 0), 0);
	/* The connection itself goes on. */
	cr_expect_eq(ch_send(ch_tcp("10.1.0.2", "10.2.0.2", 40000, 80, 101, 901, TH_ACK, 1000, 10),
			     0), 1);
}

Test(ct_rules, connmark_save_and_restore)
{
	ch_load("*mangle\n"
	     "-A PREROUTING -j CONNMARK --restore-mark\n"
	     "-A PREROUTING -m mark --mark 0 -i if0 -j MARK --set-mark 0x5\n"
	     "-A PREROUTING -j CONNMARK --save-mark --nfmask 0xff --ctmask 0xff\n"
	     "COMMIT\n"
	     "*filter\n:FORWARD DROP [0:0]\n"
	     "-A FORWARD -m mark --mark 0x5 -m connmark --mark 0x5 -j ACCEPT\n"
	     "COMMIT\n");
	cr_expect_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0), 1);
	cr_expect_eq(ch_find_udp("10.1.0.2", "10.2.0.2", 1111, 53)->mark, 0x5);
	/* The answer gets the connection's mark back: it passes too. */
	cr_expect_eq(ch_send(ch_udp("10.2.0.2", "10.1.0.2", 53, 1111), 1), 1);
	/* A WAN flow has no mark: dropped. */
	cr_expect_eq(ch_send(ch_udp("10.2.0.2", "10.1.0.2", 53, 2222), 1), 0);
}

Test(ct_rules, connmark_set_is_an_update_event)
{
	ch_load("*mangle\n"
	     "-A FORWARD -j CONNMARK --set-xmark 0x30/0xf0\n"
	     "-A FORWARD -j CONNMARK --or-mark 0x1\n"
	     "COMMIT\n");
	cr_expect_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0), 1);
	cr_expect_eq(ch_find_udp("10.1.0.2", "10.2.0.2", 1111, 53)->mark, 0x31);
}

Test(ct_rules, notrack)
{
	ch_load("*raw\n"
	     "-A PREROUTING -p udp --dport 53 -j CT --notrack\n"
	     "-A PREROUTING -p udp --dport 54 -j NOTRACK\n"
	     "COMMIT\n"
	     "*filter\n:FORWARD DROP [0:0]\n"
	     "-A FORWARD -m state --state UNTRACKED -j ACCEPT\n"
	     "COMMIT\n");
	cr_expect_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0), 1);
	cr_expect_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 54), 0), 1);
	cr_expect_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 55), 0), 0, "tracked: NEW");
	cr_expect_eq(ch_table()->count, 0);
}

Test(ct_rules, direction_status_addresses)
{
	struct ct_entry *e;

	ch_load("*filter\n"
	     "-A FORWARD -m conntrack --ctdir REPLY --ctstatus ASSURED -j DROP\n"
	     "-A FORWARD -m conntrack --ctorigsrc 10.1.0.0/24 --ctrepldst 10.1.0.2 "
	     "--ctorigdstport 53 --ctproto udp -j ACCEPT\n"
	     "-A FORWARD -j DROP\n"
	     "COMMIT\n");
	cr_expect_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0), 1);
	cr_expect_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 54), 0), 0, "other port");
	cr_expect_eq(ch_send(ch_udp("10.2.0.2", "10.1.0.2", 53, 1111), 1), 1, "the reply");
	ch_clock(ch_now + 3000);
	cr_expect_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0), 1, "ASSURED now");
	e = ch_find_udp("10.1.0.2", "10.2.0.2", 1111, 53);
	cr_assert(e->status & CT_S_ASSURED);
	cr_expect_eq(ch_send(ch_udp("10.2.0.2", "10.1.0.2", 53, 1111), 1), 0, "assured reply");
	cr_expect_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0), 1, "original still");
}

Test(ct_rules, nat_states)
{
	struct ct_entry *e;

	ch_load("*filter\n"
	     "-A FORWARD -m conntrack --ctstate SNAT -j DROP\n"
	     "-A FORWARD -m conntrack ! --ctstate DNAT -j ACCEPT\n"
	     "-A FORWARD -j DROP\n"
	     "COMMIT\n");
	cr_expect_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0), 1);
	e = ch_find_udp("10.1.0.2", "10.2.0.2", 1111, 53);
	e->status |= CT_S_SRC_NAT;
	cr_expect_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0), 0, "SNAT");
	e->status ^= CT_S_SRC_NAT | CT_S_DST_NAT;
	cr_expect_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0), 0, "DNAT");
	e->status &= (uint16_t)~CT_S_DST_NAT;
	cr_expect_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0), 1, "neither");
}

Test(ct_rules, ctexpire)
{
	ch_load("*filter\n"
	     "-A FORWARD -m conntrack --ctexpire 0:20 -j DROP\n"
	     "COMMIT\n");
	cr_expect_eq(ch_send(ch_tcp("10.1.0.2", "10.2.0.2", 40000, 80, 100, 0, TH_SYN, 1000, 0),
			     0), 1, "120 s left");
	/* A retransmitted SYN does not refresh the entry: 19 s left. */
	ch_clock(ch_now + 101000);
	cr_expect_eq(ch_send(ch_tcp("10.1.0.2", "10.2.0.2", 40000, 80, 100, 0, TH_SYN, 1000, 0),
			     0), 0, "19 s left");
}

/* ---- [conntrack] enable = auto ---- */

static void auto_setup(void)
{
	struct ct_config c;

	ct_config_defaults(&c);
	cr_assert_eq(c.mode, CT_MODE_AUTO, "auto is the default");
	ch_setup(&c);
	cr_assert_eq(tables_init(&ch_r), 0);
}

TestSuite(ct_auto, .init = auto_setup, .fini = ch_teardown_tables);

Test(ct_auto, starts_with_the_first_rule_that_needs_it)
{
	cr_expect_null(ch_r.ct, "no rules: nothing tracked");
	cr_expect_not_null(ct_router_table(&ch_r), "the table is there for the control commands");
	cr_expect_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0), 1);
	cr_expect_not(ch_cap.has_ct[0], "not tracked");
	cr_expect_not(ch_r.defrag_hooked, "no forced defragmentation either");

	/* Rules that need no tracking, and NOTRACK, leave it off. */
	ch_load("*raw\n-A PREROUTING -p udp --dport 9 -j NOTRACK\n"
	     "-A PREROUTING -p udp --dport 7 -j CT --notrack\nCOMMIT\n"
	     "*filter\n-A FORWARD -p udp --dport 53 -j ACCEPT\nCOMMIT\n");
	cr_expect_null(ch_r.ct);
	cr_expect_not(ch_r.ct_wanted);

	ch_load("*filter\n-A FORWARD -m state --state INVALID -j DROP\nCOMMIT\n");
	cr_assert_not_null(ch_r.ct, "a state match starts tracking");
	cr_expect(ch_r.defrag_hooked);
	cr_expect_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0), 1);
	cr_expect(ch_cap.has_ct[1]);
	cr_expect_not_null(ch_find_udp("10.1.0.2", "10.2.0.2", 1111, 53));

	/* The rule deleted from a clone (as tunfilter -D does): tracking stays,
	 * entries and all. */
	struct ruleset *rs = ruleset_clone(ch_r.ruleset);

	cr_assert_not_null(rs);
	cr_assert_eq(ruleset_delete_num(rs, XT_TABLE_FILTER, "FORWARD", 1, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(ruleset_commit(&ch_r, rs, err, sizeof(err)), 0, "%s", err);
	cr_expect_not(ch_r.ct_wanted, "the edited ruleset needs no tracking");
	cr_assert_not_null(ch_r.ct, "auto never stops tracking that runs");
	cr_expect_not_null(ch_find_udp("10.1.0.2", "10.2.0.2", 1111, 53));
}

Test(ct_auto, any_nat_rule_starts_it)
{
	ch_load("*nat\n-A POSTROUTING -o if1 -j ACCEPT\nCOMMIT\n");
	cr_expect_not_null(ch_r.ct, "the nat table sees first packets only: it needs tracking");
}

Test(ct_auto, each_extension_that_needs_it)
{
	static const char *const rules[] = {
		"*filter\n-A FORWARD -m conntrack --ctstate NEW\nCOMMIT\n",
		"*filter\n-A FORWARD -m connmark --mark 1\nCOMMIT\n",
		"*mangle\n-A PREROUTING -j CONNMARK --restore-mark\nCOMMIT\n",
		"*nat\n-A POSTROUTING -o if1 -j MASQUERADE\nCOMMIT\n",
	};

	for (unsigned int i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		struct ct_config c;

		ct_config_defaults(&c);
		c.mode = CT_MODE_OFF;
		cr_assert_eq(ct_configure(&ch_r, &c), 0);
		ch_load("*raw\nCOMMIT\n*mangle\nCOMMIT\n*nat\nCOMMIT\n*filter\nCOMMIT\n");
		c.mode = CT_MODE_AUTO;
		cr_assert_eq(ct_configure(&ch_r, &c), 0);
		cr_assert_null(ch_r.ct);
		ch_load(rules[i]);
		cr_expect_not_null(ch_r.ct, "%s", rules[i]);
	}
}

Test(ct_auto, reload_to_auto_follows_the_running_rules)
{
	struct ct_config c;

	ct_config_defaults(&c);
	c.mode = CT_MODE_OFF;
	cr_assert_eq(ct_configure(&ch_r, &c), 0);
	ch_load("*filter\n-A FORWARD -m state --state NEW\nCOMMIT\n");
	cr_expect_null(ch_r.ct, "off means off, whatever the rules");
	c.mode = CT_MODE_AUTO;
	cr_assert_eq(ct_configure(&ch_r, &c), 0);
	cr_expect_not_null(ch_r.ct, "back to auto with a rule that needs it: on");
}
