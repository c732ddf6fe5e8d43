// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The iptables command line against the real iptables (1.8.9, nft back
 * end), whose answers are stored in tests/data:
 *
 *   iptables-list.txt     171 single rules: the -L -n, -L -n -v -x
 *                         --line-numbers, -S and -v echo lines of each
 *   iptables-session.txt  a session of about 180 command lines (the fail2ban
 *                         sequence, listings with K/M/G counters, -v echoes,
 *                         zeroing, long options, bad parameters): stdout,
 *                         exit status and stderr of each, byte for byte
 *
 * and further: the option/command legality matrix measured with iptables,
 * -L -j JSON, -L -Z under concurrent increments (nothing lost), save and
 * restore (identity, all or nothing, --test, -T), simulate on a router with
 * a FIB, and the monitor's event line.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "control/cmd_iptables.h"
#include "control/cmd_list.h"
#include "control/cmd_restore.h"
#include "control/cmd_save.h"
#include "control/cmd_simulate.h"
#include "control/cmd_trace.h"
#include "core/ipv4.h"
#include "core/router.h"
#include "tables/parse.h"
#include "tables/ruleset.h"
#include "tables/tables.h"

static struct router r;
static struct counters *ctr;
static char err[RULESET_ERR_MAX];

static void setup(void)
{
	memset(&r, 0, sizeof(r));
	ctr = counters_new();
	cr_assert_not_null(ctr);
	r.ruleset = ruleset_new(ctr);
	cr_assert_not_null(r.ruleset);
	cr_assert_eq(ruleset_compile(r.ruleset, err, sizeof(err)), 0, "%s", err);
}

static void teardown(void)
{
	ruleset_free(r.ruleset);
	counters_free(ctr);
}

TestSuite(ipt, .init = setup, .fini = teardown);

/* Run one command line (shell-like words, "iptables" first) as the session
 * file shows it: "  o|" lines, "  rc=N", "  e|" lines. */
static void run_line(const char *line, bool json, struct out *shown)
{
	struct xt_parse ps = { .err = err, .errlen = sizeof(err) };
	struct parse_tokens t;
	struct out o, e;
	int rc;

	cr_assert_eq(parse_tokenize(line, &t, &ps), 0, "%s", line);
	out_init(&o, json);
	out_init(&e, false);
	rc = cmd_iptables_run(&r, t.argc - 1, (const char *const *)t.argv + 1, &o, &e);
	out_text(shown, "$ %s\n", line);
	for (const char *s = o.buf ? o.buf : ""; *s;) {
		size_t n = strcspn(s, "\n");

		out_text(shown, "  o|%.*s\n", (int)n, s);
		s += n + (s[n] == '\n');
	}
	out_text(shown, "  rc=%d\n", rc);
	for (const char *s = e.buf ? e.buf : ""; *s;) {
		size_t n = strcspn(s, "\n");

		out_text(shown, "  e|%.*s\n", (int)n, s);
		s += n + (s[n] == '\n');
	}
	out_free(&o);
	out_free(&e);
	parse_tokens_free(&t);
}

/* Run a command; its status, output in o (text) and messages in e. */
static int ipt(struct out *o, struct out *e, const char *line)
{
	struct xt_parse ps = { .err = err, .errlen = sizeof(err) };
	struct parse_tokens t;
	int rc;

	cr_assert_eq(parse_tokenize(line, &t, &ps), 0, "%s", line);
	out_free(o);
	out_free(e);
	rc = cmd_iptables_run(&r, t.argc, (const char *const *)t.argv, o, e);
	parse_tokens_free(&t);
	return rc;
}

static const char *S(const struct out *o)
{
	return o->buf ? o->buf : "";
}

/* ---- the session, replayed ---- */

Test(ipt, session_as_iptables)
{
	char *want = harness_slurp("iptables-session.txt"), *p = want, *block;
	unsigned int n = 0;

	/* Blocks start at "$ "; the header comment comes first. */
	while (*p == '#' || *p == '\n')
		p += strcspn(p, "\n") + 1;
	while (*p) {
		char *next = strstr(p + 1, "\n$ ");
		size_t len = next ? (size_t)(next + 1 - p) : strlen(p);
		struct out got;
		char cmd[1024];

		block = strndup(p, len);
		snprintf(cmd, sizeof(cmd), "%.*s", (int)strcspn(block + 2, "\n"), block + 2);
		out_init(&got, false);
		run_line(cmd, false, &got);
		cr_expect_str_eq(S(&got), block, "command %u: %s", n + 1, cmd);
		out_free(&got);
		free(block);
		n++;
		p += len;
	}
	cr_expect_gt(n, 150);
	free(want);
}

/* ---- single rules: -L, -L -v -x --line-numbers, -S, the -v echo ---- */

static char *field(char *line)
{
	char *bar = strrchr(line, '|');

	cr_assert_not_null(bar, "no | at the end of %s", line);
	*bar = '\0';
	return line + 3;
}

static void expect_listing(const struct ruleset *rs, enum xt_table t, const char *chain,
			   unsigned int flags, bool spec, const char *want, const char *rule)
{
	struct out o;
	char line[2048];

	out_init(&o, false);
	if (spec)
		cmd_list_spec(rs, t, chain, 1, flags, NULL, &o);
	else
		cmd_list_table(rs, t, chain, 1, flags, NULL, &o);
	snprintf(line, sizeof(line), "%s\n", want);
	cr_expect_str_eq(S(&o), line, "%s (flags %#x)", rule, flags);
	out_free(&o);
}

static void check_record(const char *tc, char *s, const char *l, const char *x, const char *v)
{
	struct xt_parse ps = { .err = err, .errlen = sizeof(err) };
	char table[16], chain[32], echo[2048];
	struct parse_tokens t;
	struct ruleset *rs = ruleset_new(ctr);
	struct rule *rule;
	struct out o;

	cr_assert_eq(sscanf(tc, "%15s %31s", table, chain), 2);
	ps.table = (uint8_t)xt_table_by_name(table);
	cr_assert_eq(parse_tokenize(s, &t, &ps), 0);
	cr_assert_eq(parse_rule(t.argc - 2, t.argv + 2, &ps, &rule), 0, "%s: %s", s, err);
	out_init(&o, false);
	cmd_list_echo(rule, &o);
	snprintf(echo, sizeof(echo), "%s\n", v);
	cr_expect_str_eq(S(&o), echo, "-v echo of %s", s);
	out_free(&o);
	cr_assert_eq(ruleset_append(rs, ps.table, chain, rule, err, sizeof(err)), 0, "%s", err);
	expect_listing(rs, ps.table, chain, 0, false, l, s);
	expect_listing(rs, ps.table, chain, CMD_LIST_VERBOSE | CMD_LIST_EXACT | CMD_LIST_LINENUMS,
		       false, x, s);
	expect_listing(rs, ps.table, chain, 0, true, s, s);
	parse_tokens_free(&t);
	ruleset_free(rs);
}

Test(ipt, every_extension_lists_as_iptables)
{
	char *data = harness_slurp("iptables-list.txt"), *save = NULL, *line;
	char *tc = NULL, *s = NULL, *l = NULL, *x = NULL;
	unsigned int n = 0;

	for (line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "T: ", 3))
			tc = line + 3;
		else if (!strncmp(line, "S: ", 3))
			s = field(line);
		else if (!strncmp(line, "L: ", 3))
			l = field(line);
		else if (!strncmp(line, "X: ", 3))
			x = field(line);
		else if (!strncmp(line, "V: ", 3) && tc && s && l && x) {
			check_record(tc, s, l, x, field(line));
			n++;
		}
	}
	cr_expect_geq(n, 170, "records read: %u", n);
	free(data);
}

/* A match or target without an iptables -L form shows its save options. */
Test(ipt, unknown_extension_falls_back_to_save_syntax)
{
	struct out o, e;

	out_init(&o, false);
	out_init(&e, false);
	if (!xt_match_find("ipv4options"))
		cr_skip_test("no ipv4options match registered");
	cr_assert_eq(ipt(&o, &e, "-A INPUT -m ipv4options --any --flags 7"), 0, "%s", S(&e));
	cr_assert_eq(ipt(&o, &e, "-L INPUT 1"), 0);
	cr_expect_not_null(strstr(S(&o), " ipv4options --"), "%s", S(&o));
	out_free(&o);
	out_free(&e);
}

/* ---- which options each command allows ---- */

/* Measured with iptables 1.8.9: for each command, whether each option is
 * "Illegal option ... with this command" ('x'). */
Test(ipt, option_matrix_as_iptables)
{
	static const struct { const char *cmd, *legal; } cmds[] = {
		/*                              n v x 0 c s d p j i o f */
		{ "-A u", "x.xx........" }, { "-D u", "x.xxx......." },
		{ "-D u 1", "x.xxxxxxxxxx" }, { "-R u 1", "x.xx........" },
		{ "-I u", "x.xx........" }, { "-L u", "....xxxxxxxx" },
		{ "-S u", "x.xxxxxxxxxx" }, { "-F u", "x.xxxxxxxxxx" },
		{ "-Z u", "x.xxxxxxxxxx" }, { "-Z u 1", "x.xxxxxxxxxx" },
		{ "-N v", "x.xxxxxxxxxx" }, { "-X v", "x.xxxxxxxxxx" },
		{ "-P INPUT ACCEPT", "x.xx.xxxxxxx" }, { "-E v w", "x.xxxxxxxxxx" },
		{ "-C u", "x.xxx......." },
	};
	static const char *const opts[] = { "-n", "-v", "-x", "--line-numbers", "-c 1 2",
					    "-s 1.1.1.1", "-d 1.1.1.1", "-p tcp", "-j RETURN",
					    "-i eth0", "-o eth0", "-f" };
	struct out o, e;
	char line[128];
	unsigned int i, j;

	out_init(&o, false);
	out_init(&e, false);
	cr_assert_eq(ipt(&o, &e, "-N u"), 0);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		for (j = 0; j < 12; j++) {
			bool illegal;

			snprintf(line, sizeof(line), "%s %s", cmds[i].cmd, opts[j]);
			ipt(&o, &e, line);
			illegal = strstr(S(&e), "Illegal option") != NULL;
			cr_expect_eq(illegal, cmds[i].legal[j] == 'x', "%s: %s", line, S(&e));
		}
	}
	out_free(&o);
	out_free(&e);
}

Test(ipt, getopt_clusters_and_optional_arguments)
{
	struct out o, e;

	out_init(&o, false);
	out_init(&e, false);
	cr_assert_eq(ipt(&o, &e, "-N web"), 0);
	cr_expect_eq(ipt(&o, &e, "-nvxLweb"), 0, "%s", S(&e));
	cr_expect_not_null(strstr(S(&o), "Chain web (0 references)"));
	cr_expect_not_null(strstr(S(&o), "    pkts      bytes target"), "%s", S(&o));
	/* -L takes the next word only when it is no option. */
	cr_expect_eq(ipt(&o, &e, "-L -v web"), 2);
	cr_expect_str_eq(S(&e), "Bad argument `web'\nTry `tunfilter -h' or 'tunfilter --help' "
			 "for more information.\n");
	/* An option's argument is taken whatever it looks like. */
	cr_expect_eq(ipt(&o, &e, "-A web -m comment --comment -v -j ACCEPT"), 0, "%s", S(&e));
	cr_expect_eq(ipt(&o, &e, "-S web"), 0);
	cr_expect_str_eq(S(&o), "-N web\n-A web -m comment --comment -v -j ACCEPT\n");
	/* "-vs ADDR" is -v and -s ADDR. */
	cr_expect_eq(ipt(&o, &e, "-A web -vs 10.0.0.1"), 0, "%s", S(&e));
	cr_expect_str_eq(S(&o), "  all opt -- in * out *  10.0.0.1  -> 0.0.0.0/0  \n");
	/* No abbreviations of long options. */
	cr_expect_eq(ipt(&o, &e, "--line -L"), 2);
	out_free(&o);
	out_free(&e);
}

/* ---- JSON ---- */

Test(ipt, list_json)
{
	struct out o, e;
	const char *want =
		"{\"table\":\"filter\",\"chains\":[{\"chain\":\"INPUT\",\"policy\":\"ACCEPT\","
		"\"pkts\":0,\"bytes\":0,\"rules\":[{\"num\":1,\"pkts\":3,\"bytes\":180,"
		"\"target\":\"ACCEPT\",\"prot\":\"6\",\"opt\":\"--\",\"in\":\"eth0\",\"out\":\"*\","
		"\"source\":\"!10.0.0.0/8\",\"destination\":\"0.0.0.0/0\",\"goto\":false,"
		"\"options\":\"tcp dpt:22\",\"rule\":\"! -s 10.0.0.0/8 -i eth0 -p tcp -m tcp "
		"--dport 22 -j ACCEPT\"}]}]}\n";

	out_init(&o, false);
	out_init(&e, false);
	cr_assert_eq(ipt(&o, &e, "-A INPUT -c 3 180 ! -s 10.0.0.0/8 -i eth0 -p tcp --dport 22 "
			 "-j ACCEPT"), 0, "%s", S(&e));
	/* A -j with nothing after it, after -L, asks for JSON. */
	cr_assert_eq(ipt(&o, &e, "-L INPUT -j"), 0, "%s", S(&e));
	cr_expect_str_eq(S(&o), want);
	out_free(&o);
	out_init(&o, true);
	cr_assert_eq(ipt(&o, &e, "-L INPUT"), 0, "%s", S(&e));
	cr_expect_str_eq(S(&o), want);
	out_free(&o);
	out_init(&o, false);
	cr_expect_eq(ipt(&o, &e, "-S INPUT --json"), 0);
	cr_expect_str_eq(S(&o), "[\"-P INPUT ACCEPT\",\"-A INPUT ! -s 10.0.0.0/8 -i eth0 -p tcp "
			 "-m tcp --dport 22 -j ACCEPT\"]\n");
	/* Elsewhere -j still needs its target. */
	cr_expect_eq(ipt(&o, &e, "-A INPUT -j"), 2);
	out_free(&o);
	out_free(&e);
}

/* ---- -L -Z under concurrent increments ---- */

struct adder {
	struct counters *ctr;
	uint32_t slot;
	atomic_bool stop;
	uint64_t added;
};

static void *adder_run(void *arg)
{
	struct adder *a = arg;

	while (!atomic_load(&a->stop)) {
		counters_add(a->ctr, a->slot, 100);
		a->added++;
	}
	return NULL;
}

Test(ipt, list_zero_loses_no_increment)
{
	struct adder a = { .ctr = NULL };
	uint64_t listed = 0, bytes = 0, p, b;
	struct rule_counts rest;
	pthread_t th;
	struct out o, e;
	unsigned int i;

	out_init(&o, false);
	out_init(&e, false);
	cr_assert_eq(ipt(&o, &e, "-A FORWARD -j ACCEPT"), 0);
	a.ctr = ctr;
	a.slot = ruleset_chain_find(r.ruleset, XT_TABLE_FILTER, "FORWARD")->rules[0]->slot;
	cr_assert_eq(pthread_create(&th, NULL, adder_run, &a), 0);
	for (i = 0; i < 300; i++) {
		cr_assert_eq(ipt(&o, &e, "-L FORWARD 1 -v -x -n -Z"), 0, "%s", S(&e));
		cr_assert_eq(sscanf(S(&o), "%" SCNu64 " %" SCNu64, &p, &b), 2, "%s", S(&o));
		listed += p;
		bytes += b;
	}
	atomic_store(&a.stop, true);
	pthread_join(th, NULL);
	counters_read(ctr, a.slot, &rest);
	cr_expect_eq(listed + rest.pkts, a.added, "listed %" PRIu64 " + left %" PRIu64
		     " != added %" PRIu64, listed, rest.pkts, a.added);
	cr_expect_eq(bytes + rest.bytes, a.added * 100);
	out_free(&o);
	out_free(&e);
}

Test(ipt, changes_are_atomic)
{
	struct ruleset *before = r.ruleset;
	struct out o, e;

	out_init(&o, false);
	out_init(&e, false);
	/* A rule that does not validate: refused, the live ruleset untouched. */
	cr_expect_eq(ipt(&o, &e, "-A INPUT -j nochain"), 2);
	cr_expect_eq(r.ruleset, before);
	cr_expect_eq(ipt(&o, &e, "-A INPUT -j ACCEPT"), 0);
	cr_expect_neq(r.ruleset, before, "a change commits a new ruleset");
	out_free(&o);
	out_free(&e);
}

/* ---- save and restore ---- */

static const char rules_text[] =
	"*mangle\n"
	":PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n"
	":OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
	"-A PREROUTING -j TTL --ttl-set 64\n"
	"COMMIT\n"
	"*filter\n"
	":INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:f2b-sshd - [0:0]\n"
	"-A INPUT -p tcp -m multiport --dports 22 -j f2b-sshd\n"
	"-A FORWARD -s 10.1.0.0/24 -p icmp -m icmp --icmp-type 8 -j ACCEPT\n"
	"-A f2b-sshd -s 10.1.0.2/32 -j REJECT --reject-with icmp-port-unreachable\n"
	"-A f2b-sshd -j RETURN\n"
	"COMMIT\n";

static void save_text(struct out *o, const char *args)
{
	struct xt_parse ps = { .err = err, .errlen = sizeof(err) };
	struct parse_tokens t;
	struct out e;

	cr_assert_eq(parse_tokenize(args, &t, &ps), 0);
	out_free(o);
	out_init(&e, false);
	cr_assert_eq(cmd_save_run(&r, t.argc, (const char *const *)t.argv, o, &e), 0, "%s",
		     S(&e));
	out_free(&e);
	parse_tokens_free(&t);
}

static int restore(const char *args, const char *text, struct out *e)
{
	struct xt_parse ps = { .err = err, .errlen = sizeof(err) };
	struct parse_tokens t;
	struct out o;
	int rc;

	cr_assert_eq(parse_tokenize(args, &t, &ps), 0);
	out_init(&o, false);
	out_free(e);
	rc = cmd_restore_run(&r, t.argc, (const char *const *)t.argv, text, strlen(text), &o, e);
	out_free(&o);
	parse_tokens_free(&t);
	return rc;
}

/* The save text without its dated comment lines. */
static char *undated(const struct out *o)
{
	char *s = strdup(S(o)), *p = s, *w = s;

	while (*p) {
		size_t n = strcspn(p, "\n") + (p[strcspn(p, "\n")] == '\n');

		if (*p != '#') {
			memmove(w, p, n);
			w += n;
		}
		p += n;
	}
	*w = '\0';
	return s;
}

Test(ipt, save_restore_identity)
{
	struct out o, e;
	char *first, *second;

	out_init(&o, false);
	out_init(&e, false);
	cr_assert_eq(restore("", rules_text, &e), 0, "%s", S(&e));
	save_text(&o, "");
	first = undated(&o);
	cr_expect_str_eq(first, rules_text);
	cr_assert_eq(restore("", first, &e), 0, "%s", S(&e));
	save_text(&o, "");
	second = undated(&o);
	cr_expect_str_eq(second, first);
	save_text(&o, "-t mangle");
	cr_expect_null(strstr(S(&o), "*filter"));
	cr_expect_not_null(strstr(S(&o), "*mangle"));
	free(first);
	free(second);
	out_free(&o);
	out_free(&e);
}

Test(ipt, restore_is_all_or_nothing)
{
	struct ruleset *before;
	struct out o, e;

	out_init(&o, false);
	out_init(&e, false);
	cr_assert_eq(restore("", rules_text, &e), 0, "%s", S(&e));
	before = r.ruleset;
	/* The mangle table is fine; the filter table's line 4 is not. */
	cr_expect_eq(restore("", "*mangle\n-F\nCOMMIT\n*filter\n-A INPUT -j nochain\nCOMMIT\n",
			     &e), 1);
	cr_expect_not_null(strstr(S(&e), "tunfilter: stdin:5: "), "%s", S(&e));
	cr_expect_eq(r.ruleset, before, "nothing committed");
	cr_expect_eq(restore("rules.v4", "*filter\n-A INPUT --dprot 22\nCOMMIT\n", &e), 1);
	cr_expect_not_null(strstr(S(&e), "tunfilter: rules.v4:2: "), "%s", S(&e));
	/* --test validates only. */
	cr_expect_eq(restore("--test", "*filter\n-F\nCOMMIT\n", &e), 0, "%s", S(&e));
	cr_expect_eq(r.ruleset, before);
	/* -T: that table of the text alone, the others left as they are. */
	cr_expect_eq(restore("-T mangle", "*filter\n-F\nCOMMIT\n*mangle\n-F\nCOMMIT\n", &e), 0,
		     "%s", S(&e));
	cr_expect_eq(ruleset_chain_find(r.ruleset, XT_TABLE_FILTER, "INPUT")->n_rules, 1);
	cr_expect_eq(ruleset_chain_find(r.ruleset, XT_TABLE_MANGLE, "PREROUTING")->n_rules, 0);
	/* --noflush adds to what is there. */
	cr_expect_eq(restore("--noflush", "*filter\n-A INPUT -j DROP\nCOMMIT\n", &e), 0, "%s",
		     S(&e));
	cr_expect_eq(ruleset_chain_find(r.ruleset, XT_TABLE_FILTER, "INPUT")->n_rules, 2);
	cr_expect_eq(restore("--frob", "", &e), 2);
	out_free(&o);
	out_free(&e);
}

Test(ipt, restore_counters)
{
	struct out o, e;

	out_init(&o, false);
	out_init(&e, false);
	cr_assert_eq(restore("--counters", "*filter\n:INPUT DROP [7:700]\n"
			     "[5:300] -A INPUT -j ACCEPT\nCOMMIT\n", &e), 0, "%s", S(&e));
	cr_assert_eq(ipt(&o, &e, "-L INPUT -v -x -n"), 0);
	cr_expect_str_eq(S(&o), "Chain INPUT (policy DROP 7 packets, 700 bytes)\n"
			 "    pkts      bytes target     prot opt in     out     source      "
			 "         destination         \n"
			 "       5      300 ACCEPT     0    --  *      *       0.0.0.0/0         "
			 "   0.0.0.0/0           \n");
	save_text(&o, "-c");
	cr_expect_not_null(strstr(S(&o), "[5:300] -A INPUT -j ACCEPT\n"), "%s", S(&o));
	out_free(&o);
	out_free(&e);
}

/* ---- simulate ---- */

static int xmit_free(struct router *rt, struct iface *ifc, struct pkt *p)
{
	pkt_free(&rt->pool, p);
	return 0;
}

static const struct router_ops sim_ops = { .xmit = xmit_free };

static uint32_t A(const char *s)
{
	struct in_addr a;

	cr_assert_eq(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static struct router rt;

static void sim_setup(void)
{
	struct router_config cfg = {
		.pool_size = 16,
		.defrag_cfg = { .max_memory = 1 << 20, .timeout_ms = 30000, .max_queues = 64 },
		.icmp = { 0, 0, 50, 0x1818 },
	};
	struct route_table *t;

	memset(&rt, 0, sizeof(rt));
	cr_assert_eq(router_init(&rt, &cfg, &sim_ops, NULL), 0);
	cr_assert_eq(router_iface_add(&rt, "lan0", A("10.1.0.1"), 24, 1500, -1), 0);
	cr_assert_eq(router_iface_add(&rt, "wan0", A("10.2.0.1"), 24, 1500, -1), 1);
	t = route_table_new();
	cr_assert_eq(route_add(t, 0, 0, ROUTE_STATIC, 1), 0);
	cr_assert_eq(router_fib_add_connected(&rt, t), 0);
	router_fib_replace(&rt, t);
	cr_assert_eq(tables_init(&rt), 0);
}

static void sim_teardown(void)
{
	tables_fini(&rt);
	router_fini(&rt);
}

static int simulate(struct out *o, struct out *e, const char *args)
{
	struct xt_parse ps = { .err = err, .errlen = sizeof(err) };
	struct parse_tokens t;
	int rc;

	cr_assert_eq(parse_tokenize(args, &t, &ps), 0);
	out_free(o);
	out_free(e);
	rc = cmd_simulate_run(&rt, t.argc, (const char *const *)t.argv, o, e);
	parse_tokens_free(&t);
	return rc;
}

static void rt_ipt(const char *line)
{
	struct xt_parse ps = { .err = err, .errlen = sizeof(err) };
	struct parse_tokens t;
	struct out o, e;

	cr_assert_eq(parse_tokenize(line, &t, &ps), 0);
	out_init(&o, false);
	out_init(&e, false);
	cr_assert_eq(cmd_iptables_run(&rt, t.argc, (const char *const *)t.argv, &o, &e), 0, "%s: %s",
		     line, S(&e));
	out_free(&o);
	out_free(&e);
	parse_tokens_free(&t);
}

TestSuite(sim, .init = sim_setup, .fini = sim_teardown);

Test(sim, forward_path_and_verdict)
{
	struct out o, e;

	out_init(&o, false);
	out_init(&e, false);
	rt_ipt("-N f2b-sshd");
	rt_ipt("-A f2b-sshd -s 10.1.0.2 -j REJECT");
	rt_ipt("-A FORWARD -p tcp --dport 22 -j f2b-sshd");
	rt_ipt("-P FORWARD DROP");
	rt_ipt("-A FORWARD -p icmp -j ACCEPT");
	cr_assert_eq(simulate(&o, &e, "-i lan0 -s 10.1.0.2 -d 10.2.0.2 -p tcp --dport 22"), 0,
		     "%s", S(&e));
	cr_expect_str_eq(S(&o),
		"packet       in=lan0 10.1.0.2 > 10.2.0.2 proto 6 sport 1024 dport 22 flags 0x02 "
		"len 40 ttl 64 mark 0x0\n"
		"hook         table    chain            rule  what\n"
		"PREROUTING   raw      PREROUTING       -     policy ACCEPT\n"
		"PREROUTING   mangle   PREROUTING       -     policy ACCEPT\n"
		"route        forward out=wan0\n"
		"FORWARD      mangle   FORWARD          -     policy ACCEPT\n"
		"FORWARD      filter   FORWARD          1     jump f2b-sshd\n"
		"FORWARD      filter   f2b-sshd         1     REJECT (DROP)\n"
		"DROP         stopped at FORWARD\n");
	/* Another source: through f2b-sshd and back, then the policy. */
	cr_assert_eq(simulate(&o, &e, "-i lan0 -s 10.1.0.3 -d 10.2.0.2 -p tcp --dport 22"), 0);
	cr_expect_not_null(strstr(S(&o), "FORWARD      filter   f2b-sshd         2     return\n"
				  "FORWARD      filter   FORWARD          -     policy DROP\n"), "%s",
			   S(&o));
	cr_assert_eq(simulate(&o, &e, "-i lan0 -s 10.1.0.3 -d 10.2.0.2 -p icmp"), 0);
	cr_expect_not_null(strstr(S(&o), "FORWARD      filter   FORWARD          2     ACCEPT\n"
				  "POSTROUTING  mangle   POSTROUTING      -     policy ACCEPT\n"
				  "ACCEPT       sent out wan0\n"), "%s", S(&o));
	/* Nothing counted. */
	cr_expect_eq(simulate(&o, &e, "-i lan0 -s 10.1.0.3 -d 10.2.0.2 -p udp"), 0);
	cr_expect_not_null(strstr(S(&o), "policy DROP\nDROP "), "%s", S(&o));
	out_free(&o);
	out_init(&o, false);
	cr_assert_eq(cmd_iptables_run(&rt, 3, (const char *const[]){ "-L", "-v", "-x" }, &o, &e),
		     0);
	cr_expect_null(strstr(S(&o), "       1 "), "counted: %s", S(&o));
	out_free(&o);
	out_free(&e);
}

Test(sim, local_and_own_packets)
{
	struct out o, e;

	out_init(&o, false);
	out_init(&e, false);
	rt_ipt("-A INPUT -p icmp --icmp-type echo-request -j DROP");
	rt_ipt("-A OUTPUT -d 10.2.0.9 -j REJECT");
	cr_assert_eq(simulate(&o, &e, "-i lan0 -s 10.1.0.2 -d 10.1.0.1"), 0, "%s", S(&e));
	cr_expect_not_null(strstr(S(&o), "route        local delivery\n"), "%s", S(&o));
	cr_expect_not_null(strstr(S(&o), "INPUT        filter   INPUT            1     DROP\n"
				  "DROP         stopped at INPUT\n"), "%s", S(&o));
	/* From the router itself: OUTPUT, route, POSTROUTING; -s defaults to wan0's. */
	cr_assert_eq(simulate(&o, &e, "-d 10.2.0.2 -p udp --dport 53"), 0, "%s", S(&e));
	cr_expect_not_null(strstr(S(&o), " 10.2.0.1 > 10.2.0.2 proto 17"), "%s", S(&o));
	cr_expect_not_null(strstr(S(&o), "OUTPUT       filter   OUTPUT           -     policy "
				  "ACCEPT\nroute        output out=wan0\n"), "%s", S(&o));
	cr_expect_not_null(strstr(S(&o), "ACCEPT       sent out wan0\n"), "%s", S(&o));
	cr_assert_eq(simulate(&o, &e, "-d 10.2.0.9"), 0);
	cr_expect_not_null(strstr(S(&o), "DROP         stopped at OUTPUT\n"), "%s", S(&o));
	/* JSON from the same calls. */
	out_free(&o);
	out_init(&o, true);
	cr_assert_eq(simulate(&o, &e, "-d 10.2.0.9"), 0);
	cr_expect_not_null(strstr(S(&o), "\"steps\":[{\"hook\":\"OUTPUT\",\"table\":\"raw\","
				  "\"chain\":\"OUTPUT\",\"rule\":null,\"what\":\"policy ACCEPT\"}"),
			   "%s", S(&o));
	cr_expect_not_null(strstr(S(&o), "\"verdict\":\"DROP\",\"result\":\"stopped at OUTPUT\","
				  "\"out\":null}\n"), "%s", S(&o));
	out_free(&o);
	out_init(&o, false);
	cr_expect_eq(simulate(&o, &e, "-i nope -s 1.2.3.4 -d 10.2.0.2"), 2);
	cr_expect_eq(simulate(&o, &e, "-i lan0 -d 10.2.0.2"), 2);
	cr_expect_eq(simulate(&o, &e, "-d 10.2.0.2 --frob 1"), 2);
	out_free(&o);
	out_free(&e);
}

/* ---- the monitor's line ---- */

Test(sim, trace_event_line)
{
	uint8_t buf[PKT_BUF_SIZE];
	struct pkt p = { .head = buf, .data = buf + PKT_HEADROOM, .size = sizeof(buf) };
	struct iphdr *ip = (struct iphdr *)p.data;
	struct out o;
	char want[512], id[9];

	memset(buf, 0, sizeof(buf));
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 63;
	ip->protocol = 1;
	ip->saddr = A("10.1.0.2");
	ip->daddr = A("10.2.0.2");
	p.data[20] = 8;
	p.len = 84;
	p.iif = 0;
	p.oif = 1;
	p.hook = HOOK_FORWARD;
	out_init(&o, false);
	cmd_trace_format(&rt, &p, "filter", "FORWARD", 3, "ACCEPT", &o);
	cr_assert_eq(sscanf(S(&o), "trace id %8s", id), 1);
	snprintf(want, sizeof(want), "trace id %s filter FORWARD rule 3 (ACCEPT) in=lan0 out=wan0 "
		 "10.1.0.2 > 10.2.0.2 proto icmp type 8 code 0 len 84\n", id);
	cr_expect_str_eq(S(&o), want);
	out_free(&o);
	cmd_trace_format(&rt, &p, "filter", "FORWARD", 4, "policy DROP", &o);
	cr_expect_not_null(strstr(S(&o), " filter FORWARD policy (DROP) in=lan0"), "%s", S(&o));
	cr_expect_not_null(strstr(S(&o), id), "the same id for the same packet");
	out_free(&o);
	out_init(&o, true);
	cmd_trace_format(&rt, &p, "filter", "FORWARD", 3, "ACCEPT", &o);
	snprintf(want, sizeof(want), "{\"id\":\"%s\",\"table\":\"filter\",\"chain\":\"FORWARD\","
		 "\"hook\":\"FORWARD\",\"rule\":3,\"verdict\":\"ACCEPT\",\"in\":\"lan0\","
		 "\"out\":\"wan0\",\"src\":\"10.1.0.2\",\"dst\":\"10.2.0.2\",\"proto\":\"icmp\","
		 "\"type\":8,\"code\":0,\"len\":84,\"mark\":0}\n", id);
	cr_expect_str_eq(S(&o), want);
	out_free(&o);
}
