// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The traversal on crafted packets: the ip part with inversions and
 * wildcards, jumps/goto/RETURN/policies with counters equal to the
 * packets, hotdrop, the jump depth limit, extension targets, TRACE and the
 * dry run; then the tables on a real router's hooks, loaded from a file.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/ipv4.h"
#include "core/router.h"
#include "tables/restore.h"
#include "tables/ruleset.h"
#include "tables/table.h"
#include "tables/tables.h"

static struct router r;
static struct counters *ctr;
static char err[RULESET_ERR_MAX];
static uint8_t buf[4096];
static struct pkt pk;

static void setup(void)
{
	memset(&r, 0, sizeof(r));
	snprintf(r.ifaces[0].name, IFNAMSIZ, "eth0");
	snprintf(r.ifaces[1].name, IFNAMSIZ, "wan0");
	snprintf(r.ifaces[2].name, IFNAMSIZ, "eth01");
	ctr = counters_new();
	cr_assert_not_null(ctr);
	r.ruleset = ruleset_new(ctr);
	cr_assert_not_null(r.ruleset);
}

static void teardown(void)
{
	ruleset_free(r.ruleset);
	counters_free(ctr);
}

TestSuite(ip, .init = setup, .fini = teardown);
TestSuite(flow, .init = setup, .fini = teardown);
TestSuite(ext, .init = setup, .fini = teardown);

static uint32_t A(const char *s)
{
	struct in_addr a;

	cr_assert_eq(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

/* A packet at hook, from iif to oif (-1: none), of len bytes. */
static struct pkt *mk(const char *src, const char *dst, uint8_t proto, uint16_t frag, int iif,
		      int oif, enum tf_hook hook, uint32_t len)
{
	struct iphdr *ip;

	memset(&pk, 0, sizeof(pk));
	memset(buf, 0, sizeof(buf));
	pk.head = buf;
	pk.data = buf + PKT_HEADROOM;
	pk.size = sizeof(buf);
	pk.len = len;
	pk.l4_off = 20;
	pk.iif = (int16_t)iif;
	pk.oif = (int16_t)oif;
	pk.hook = (uint8_t)hook;
	ip = (struct iphdr *)pk.data;
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons((uint16_t)len);
	ip->ttl = 64;
	ip->protocol = proto;
	ip->frag_off = htons(frag);
	ip->saddr = A(src);
	ip->daddr = A(dst);
	ipv4_set_csum(ip);
	return &pk;
}

static struct pkt *fwd(const char *src, const char *dst, uint8_t proto)
{
	return mk(src, dst, proto, 0, 0, 1, HOOK_FORWARD, 100);
}

/* Replace the ruleset with the filter table given (policies and rules),
 * committed. */
static void load(const char *filter)
{
	struct ruleset *rs = ruleset_new(ctr);
	char text[8192];

	cr_assert_not_null(rs);
	snprintf(text, sizeof(text), "*filter\n%sCOMMIT\n", filter);
	cr_assert_eq(restore_text(rs, text, strlen(text), "t.v4", 0, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(ruleset_commit(&r, rs, err, sizeof(err)), 0, "%s", err);
}

static unsigned int run(struct pkt *p)
{
	return table_run(&r, r.ruleset, XT_TABLE_FILTER, p);
}

static const struct chain *C(const char *name)
{
	return ruleset_chain_find(r.ruleset, XT_TABLE_FILTER, name);
}

/* Packets counted by a filter rule (rulenum 0: the chain's policy). */
static uint64_t pk_count_of(const struct ruleset *rs, const char *chain, unsigned int rulenum)
{
	const struct chain *c = ruleset_chain_find(rs, XT_TABLE_FILTER, chain);
	struct rule_counts k;

	cr_assert_not_null(c);
	if (rulenum == 0)
		ruleset_policy_counts(rs, c, &k);
	else
		ruleset_rule_counts(rs, c->rules[rulenum - 1], &k);
	return k.pkts;
}

static uint64_t pk_count(const char *chain, unsigned int rulenum)
{
	return pk_count_of(r.ruleset, chain, rulenum);
}

/* ---- the ip part ---- */

Test(ip, addresses)
{
	load(":FORWARD DROP [0:0]\n-A FORWARD -s 10.0.0.0/8 -d 192.168.1.0/255.255.255.0 "
	     "-j ACCEPT\n");
	cr_expect_eq(run(fwd("10.1.2.3", "192.168.1.7", 17)), TF_ACCEPT);
	cr_expect_eq(run(fwd("11.1.2.3", "192.168.1.7", 17)), TF_DROP);
	cr_expect_eq(run(fwd("10.1.2.3", "192.168.2.7", 17)), TF_DROP);
	load(":FORWARD DROP [0:0]\n-A FORWARD ! -s 10.0.0.0/8 -j ACCEPT\n");
	cr_expect_eq(run(fwd("10.1.2.3", "1.1.1.1", 17)), TF_DROP);
	cr_expect_eq(run(fwd("11.1.2.3", "1.1.1.1", 17)), TF_ACCEPT);
	load(":FORWARD DROP [0:0]\n-A FORWARD -d 10.0.255.0/255.0.255.0 -j ACCEPT\n");
	cr_expect_eq(run(fwd("1.1.1.1", "10.7.255.9", 17)), TF_ACCEPT, "non-prefix mask");
	cr_expect_eq(run(fwd("1.1.1.1", "10.7.254.9", 17)), TF_DROP);
}

Test(ip, interfaces)
{
	load(":FORWARD DROP [0:0]\n-A FORWARD -i eth+ -o wan0 -j ACCEPT\n");
	cr_expect_eq(run(mk("1.1.1.1", "2.2.2.2", 17, 0, 0, 1, HOOK_FORWARD, 60)), TF_ACCEPT);
	cr_expect_eq(run(mk("1.1.1.1", "2.2.2.2", 17, 0, 2, 1, HOOK_FORWARD, 60)), TF_ACCEPT,
		     "eth01 is eth+");
	cr_expect_eq(run(mk("1.1.1.1", "2.2.2.2", 17, 0, 1, 1, HOOK_FORWARD, 60)), TF_DROP);
	cr_expect_eq(run(mk("1.1.1.1", "2.2.2.2", 17, 0, 0, 0, HOOK_FORWARD, 60)), TF_DROP);
	load(":FORWARD DROP [0:0]\n-A FORWARD -i eth0 -j ACCEPT\n");
	cr_expect_eq(run(mk("1.1.1.1", "2.2.2.2", 17, 0, 0, 1, HOOK_FORWARD, 60)), TF_ACCEPT);
	cr_expect_eq(run(mk("1.1.1.1", "2.2.2.2", 17, 0, 2, 1, HOOK_FORWARD, 60)), TF_DROP,
		     "eth01 is not eth0");
	load(":FORWARD DROP [0:0]\n-A FORWARD ! -i eth+ -j ACCEPT\n");
	cr_expect_eq(run(mk("1.1.1.1", "2.2.2.2", 17, 0, 0, 1, HOOK_FORWARD, 60)), TF_DROP);
	cr_expect_eq(run(mk("1.1.1.1", "2.2.2.2", 17, 0, 1, 0, HOOK_FORWARD, 60)), TF_ACCEPT);
	load(":FORWARD DROP [0:0]\n-A FORWARD -i + -j ACCEPT\n");
	cr_expect_eq(run(mk("1.1.1.1", "2.2.2.2", 17, 0, 1, 0, HOOK_FORWARD, 60)), TF_ACCEPT);
}

Test(ip, interfaces_by_hook)
{
	/* INPUT has no output interface: "! -o x" is no test there but -o is
	 * refused; OUTPUT has no input one: "! -i" would always match. */
	load(":INPUT DROP [0:0]\n:OUTPUT DROP [0:0]\n-A INPUT -i eth0 -j ACCEPT\n"
	     "-A OUTPUT -o wan0 -j ACCEPT\n");
	cr_expect_eq(run(mk("1.1.1.1", "2.2.2.2", 17, 0, 0, 1, HOOK_LOCAL_IN, 60)), TF_ACCEPT);
	cr_expect_eq(run(mk("1.1.1.1", "2.2.2.2", 17, 0, 1, -1, HOOK_LOCAL_IN, 60)), TF_DROP);
	cr_expect_eq(run(mk("1.1.1.1", "2.2.2.2", 17, 0, -1, 1, HOOK_LOCAL_OUT, 60)), TF_ACCEPT);
	cr_expect_eq(run(mk("1.1.1.1", "2.2.2.2", 17, 0, -1, 0, HOOK_LOCAL_OUT, 60)), TF_DROP);
}

Test(ip, protocol)
{
	load(":FORWARD DROP [0:0]\n-A FORWARD -p udp -j ACCEPT\n");
	cr_expect_eq(run(fwd("1.1.1.1", "2.2.2.2", 17)), TF_ACCEPT);
	cr_expect_eq(run(fwd("1.1.1.1", "2.2.2.2", 6)), TF_DROP);
	load(":FORWARD DROP [0:0]\n-A FORWARD ! -p udp -j ACCEPT\n");
	cr_expect_eq(run(fwd("1.1.1.1", "2.2.2.2", 17)), TF_DROP);
	cr_expect_eq(run(fwd("1.1.1.1", "2.2.2.2", 47)), TF_ACCEPT);
	load(":FORWARD DROP [0:0]\n-A FORWARD -p all -j ACCEPT\n");
	cr_expect_eq(run(fwd("1.1.1.1", "2.2.2.2", 47)), TF_ACCEPT);
}

Test(ip, fragments)
{
	load(":FORWARD DROP [0:0]\n-A FORWARD -f -j ACCEPT\n");
	cr_expect_eq(run(mk("1.1.1.1", "2.2.2.2", 17, 0x2000 | 10, 0, 1, HOOK_FORWARD, 60)),
		     TF_ACCEPT, "a later fragment");
	cr_expect_eq(run(mk("1.1.1.1", "2.2.2.2", 17, 10, 0, 1, HOOK_FORWARD, 60)), TF_ACCEPT,
		     "the last fragment");
	cr_expect_eq(run(mk("1.1.1.1", "2.2.2.2", 17, 0x2000, 0, 1, HOOK_FORWARD, 60)), TF_DROP,
		     "the first fragment is not -f");
	cr_expect_eq(run(fwd("1.1.1.1", "2.2.2.2", 17)), TF_DROP);
	load(":FORWARD DROP [0:0]\n-A FORWARD ! -f -j ACCEPT\n");
	cr_expect_eq(run(mk("1.1.1.1", "2.2.2.2", 17, 0x2000 | 10, 0, 1, HOOK_FORWARD, 60)),
		     TF_DROP);
	cr_expect_eq(run(mk("1.1.1.1", "2.2.2.2", 17, 0x2000, 0, 1, HOOK_FORWARD, 60)),
		     TF_ACCEPT);
}

/* ---- jumps, goto, return, policy, counters ---- */

static const char jumps[] =
	":FORWARD DROP [0:0]\n"
	":A - [0:0]\n"
	":B - [0:0]\n"
	"-A FORWARD -s 10.0.0.9 -g A\n"
	"-A FORWARD -j A\n"
	"-A FORWARD -s 10.0.0.5 -j RETURN\n"
	"-A FORWARD -j ACCEPT\n"
	"-A A -s 10.0.0.1 -j DROP\n"
	"-A A -j B\n"
	"-A A -s 10.0.0.2 -j RETURN\n"
	"-A A -s 10.0.0.3 -j DROP\n"
	"-A B -s 10.0.0.4 -j ACCEPT\n"
	"-A B -s 10.0.0.3 -j RETURN\n"
	"-A B -s 10.0.0.6\n";

Test(flow, jumps_and_counters)
{
	load(jumps);
	cr_expect_eq(run(fwd("10.0.0.1", "1.1.1.1", 17)), TF_DROP);
	cr_expect_eq(run(fwd("10.0.0.2", "1.1.1.1", 17)), TF_ACCEPT, "RETURN from A");
	cr_expect_eq(run(fwd("10.0.0.3", "1.1.1.1", 17)), TF_DROP, "B returns into A");
	cr_expect_eq(run(fwd("10.0.0.4", "1.1.1.1", 17)), TF_ACCEPT);
	cr_expect_eq(run(fwd("10.0.0.5", "1.1.1.1", 17)), TF_DROP, "RETURN in FORWARD: policy");
	cr_expect_eq(run(fwd("10.0.0.6", "1.1.1.1", 17)), TF_ACCEPT, "a rule with no target");
	cr_expect_eq(run(fwd("10.0.0.9", "1.1.1.1", 17)), TF_DROP, "goto A ends: policy");
	cr_expect_eq(run(fwd("10.0.0.7", "1.1.1.1", 17)), TF_ACCEPT);

	cr_expect_eq(pk_count("FORWARD", 1), 1);
	cr_expect_eq(pk_count("FORWARD", 2), 7);
	cr_expect_eq(pk_count("FORWARD", 3), 1);
	cr_expect_eq(pk_count("FORWARD", 4), 3);
	cr_expect_eq(pk_count("FORWARD", 0), 2, "policy: 10.0.0.5 and 10.0.0.9");
	cr_expect_eq(pk_count("A", 1), 1);
	cr_expect_eq(pk_count("A", 2), 7, "B is called for all but .1");
	cr_expect_eq(pk_count("A", 3), 1);
	cr_expect_eq(pk_count("A", 4), 1);
	cr_expect_eq(pk_count("B", 1), 1);
	cr_expect_eq(pk_count("B", 2), 1);
	cr_expect_eq(pk_count("B", 3), 1);
}

Test(flow, bytes_counted)
{
	struct rule_counts k;

	load(":FORWARD ACCEPT [0:0]\n-A FORWARD -p udp\n");
	run(mk("1.1.1.1", "2.2.2.2", 17, 0, 0, 1, HOOK_FORWARD, 100));
	run(mk("1.1.1.1", "2.2.2.2", 17, 0, 0, 1, HOOK_FORWARD, 1500));
	run(mk("1.1.1.1", "2.2.2.2", 6, 0, 0, 1, HOOK_FORWARD, 40));
	ruleset_rule_counts(r.ruleset, C("FORWARD")->rules[0], &k);
	cr_expect_eq(k.pkts, 2);
	cr_expect_eq(k.bytes, 1600);
	ruleset_policy_counts(r.ruleset, C("FORWARD"), &k);
	cr_expect_eq(k.pkts, 3);
	cr_expect_eq(k.bytes, 1640);
}

/* Chains c0 -> c1 -> ... -> c{n-1} (-j each), the last accepts. */
static void chain_of(unsigned int n)
{
	char text[16384];
	size_t o = 0;
	unsigned int i;

	o += (size_t)snprintf(text + o, sizeof(text) - o, ":FORWARD DROP [0:0]\n");
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, ":c%u - [0:0]\n", i);
	o += (size_t)snprintf(text + o, sizeof(text) - o, "-A FORWARD -j c0\n");
	for (i = 0; i + 1 < n; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "-A c%u -j c%u\n", i, i + 1);
	snprintf(text + o, sizeof(text) - o, "-A c%u -j ACCEPT\n", n - 1);
	load(text);
}

Test(flow, depth_limit)
{
	chain_of(RULESET_MAX_DEPTH);
	cr_expect_eq(run(fwd("1.1.1.1", "2.2.2.2", 17)), TF_ACCEPT, "64 nested jumps are fine");
	chain_of(RULESET_MAX_DEPTH + 1);
	cr_expect_eq(run(fwd("1.1.1.1", "2.2.2.2", 17)), TF_DROP, "the 65th drops");
	cr_expect_eq(pk_count("FORWARD", 0), 0, "not by the policy");
}

Test(flow, tables_and_hooks)
{
	struct ruleset *rs = ruleset_new(ctr);
	const char *text = "*raw\n-A PREROUTING -s 1.1.1.1 -j DROP\nCOMMIT\n"
			   "*mangle\n-A FORWARD -s 2.2.2.2 -j DROP\nCOMMIT\n";

	cr_assert_eq(restore_text(rs, text, strlen(text), NULL, 0, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(ruleset_commit(&r, rs, err, sizeof(err)), 0);
	cr_expect_eq(table_run(&r, rs, XT_TABLE_RAW,
			       mk("1.1.1.1", "9.9.9.9", 17, 0, 0, -1, HOOK_PRE_ROUTING, 60)),
		     TF_DROP);
	cr_expect_eq(table_run(&r, rs, XT_TABLE_RAW,
			       mk("1.1.1.1", "9.9.9.9", 17, 0, 0, 1, HOOK_FORWARD, 60)),
		     TF_ACCEPT, "raw has no FORWARD chain");
	cr_expect_eq(table_run(&r, rs, XT_TABLE_MANGLE,
			       mk("2.2.2.2", "9.9.9.9", 17, 0, 0, 1, HOOK_FORWARD, 60)),
		     TF_DROP);
}

/* ---- extensions: hotdrop, targets, trace, dry run ---- */

struct probe {
	uint8_t hotdrop;
	uint8_t verdict;   /* target: 0 continue, 1 ACCEPT, 2 DROP */
};

static unsigned int target_calls;
static bool target_saw_dry_run;
static char target_chain[32];
static unsigned int target_rulenum;

static bool probe_match(const void *data, void *state, struct xt_ctx *ctx)
{
	const struct probe *pr = data;

	if (pr->hotdrop)
		ctx->hotdrop = true;
	return !pr->hotdrop;
}

static unsigned int probe_target(const void *data, void *state, struct xt_ctx *ctx)
{
	const struct probe *pr = data;

	target_calls++;
	target_saw_dry_run = ctx->dry_run;
	snprintf(target_chain, sizeof(target_chain), "%s", ctx->chain);
	target_rulenum = ctx->rulenum;
	ctx->p->mark = 77;
	return pr->verdict == 0 ? XT_CONTINUE : pr->verdict == 1 ? TF_ACCEPT : TF_DROP;
}

static void probe_print(const void *data, struct out *o)
{
}

static const struct xt_match_ops probe_match_ops = {
	.name = "probe", .size = sizeof(struct probe), .match = probe_match,
	.print = probe_print,
};

static const struct xt_target_ops probe_target_ops = {
	.name = "PROBE", .size = sizeof(struct probe), .target = probe_target,
	.print = probe_print,
};

static void add_probe(const char *chain, bool match, uint8_t hotdrop, uint8_t verdict)
{
	struct ruleset *rs = ruleset_clone(r.ruleset);
	struct rule *ru = calloc(1, sizeof(*ru));
	struct probe *pr = calloc(1, sizeof(*pr));

	cr_assert(rs && ru && pr);
	pr->hotdrop = hotdrop;
	pr->verdict = verdict;
	if (match) {
		ru->matches = calloc(1, sizeof(*ru->matches));
		ru->matches[0].ops = &probe_match_ops;
		ru->matches[0].data = pr;
		ru->n_matches = 1;
		ru->verdict = RULE_V_ACCEPT;
	} else {
		ru->verdict = RULE_V_TARGET;
		ru->target = &probe_target_ops;
		ru->tdata = pr;
	}
	cr_assert_eq(ruleset_append(rs, XT_TABLE_FILTER, chain, ru, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(ruleset_commit(&r, rs, err, sizeof(err)), 0, "%s", err);
}

Test(ext, hotdrop)
{
	load(":FORWARD ACCEPT [0:0]\n");
	add_probe("FORWARD", true, 1, 0);
	cr_expect_eq(run(fwd("1.1.1.1", "2.2.2.2", 17)), TF_DROP);
	cr_expect_eq(pk_count("FORWARD", 1), 0, "a hotdropped rule did not match");
	cr_expect_eq(pk_count("FORWARD", 0), 0, "nor did the policy apply");
}

Test(ext, targets)
{
	load(":FORWARD DROP [0:0]\n:A - [0:0]\n-A FORWARD -j A\n");
	add_probe("A", false, 0, 0);
	add_probe("A", false, 0, 1);
	target_calls = 0;
	cr_expect_eq(run(fwd("1.1.1.1", "2.2.2.2", 17)), TF_ACCEPT);
	cr_expect_eq(target_calls, 2, "XT_CONTINUE goes on to the next rule");
	cr_expect_str_eq(target_chain, "A");
	cr_expect_eq(target_rulenum, 2);
	cr_expect_eq(pk.mark, 77);
	cr_expect_not(target_saw_dry_run);
	cr_expect_eq(pk_count("A", 1), 1);
	cr_expect_eq(pk_count("A", 2), 1);
}

struct trace_log {
	char line[32][96];
	unsigned int n;
};

static void trace_cb(void *arg, const struct pkt *p, const char *table, const char *chain,
		     unsigned int rulenum, const char *what)
{
	struct trace_log *t = arg;

	if (t->n < 32)
		snprintf(t->line[t->n++], sizeof(t->line[0]), "%s:%s:%u:%s", table, chain, rulenum,
			 what);
}

Test(flow, trace)
{
	static const char *const want[] = {
		"filter:FORWARD:2:jump A", "filter:A:2:jump B", "filter:B:2:return",
		"filter:A:4:DROP",
	};
	struct trace_log log = { .n = 0 };
	struct pkt *p;
	unsigned int i;

	load(jumps);
	r.trace = trace_cb;
	r.trace_arg = &log;
	cr_expect_eq(run(fwd("10.0.0.3", "1.1.1.1", 17)), TF_DROP);
	cr_expect_eq(log.n, 0, "not marked: not traced");
	p = fwd("10.0.0.3", "1.1.1.1", 17);
	p->flags |= PKT_F_TRACE;
	cr_expect_eq(run(p), TF_DROP);
	cr_assert_eq(log.n, 4);
	for (i = 0; i < 4; i++)
		cr_expect_str_eq(log.line[i], want[i]);

	log.n = 0;
	p = fwd("10.0.0.9", "1.1.1.1", 17);
	p->flags |= PKT_F_TRACE;
	cr_expect_eq(run(p), TF_DROP);
	cr_assert_eq(log.n, 4);
	cr_expect_str_eq(log.line[0], "filter:FORWARD:1:goto A");
	cr_expect_str_eq(log.line[2], "filter:B:4:return");
	cr_expect_str_eq(log.line[3], "filter:FORWARD:5:policy DROP");
}

Test(ext, simulate_changes_nothing)
{
	struct table_step steps[16];
	struct table_sim sim = { .steps = steps, .max = 16 };
	struct rule_counts *before, *after;
	struct ruleset *rs = ruleset_new(ctr);
	const char *text = "*raw\n-A PREROUTING -s 10.0.0.7\nCOMMIT\n"
			   "*filter\n:INPUT DROP [0:0]\n:A - [0:0]\n-A INPUT -j A\nCOMMIT\n";
	uint32_t n;

	cr_assert_eq(restore_text(rs, text, strlen(text), NULL, 0, err, sizeof(err)), 0);
	cr_assert_eq(ruleset_commit(&r, rs, err, sizeof(err)), 0);
	add_probe("A", false, 0, 0);
	before = counters_snapshot(ctr, false);
	n = counters_snapshot_len(ctr);
	target_calls = 0;
	cr_expect_eq(table_simulate(&r, r.ruleset, mk("10.0.0.7", "10.0.0.1", 17, 0, 0, -1,
						     HOOK_PRE_ROUTING, 60), HOOK_PRE_ROUTING, &sim),
		     TF_ACCEPT);
	cr_expect_eq(table_simulate(&r, r.ruleset, mk("10.0.0.7", "10.0.0.1", 17, 0, 0, -1,
						     HOOK_LOCAL_IN, 60), HOOK_LOCAL_IN, &sim),
		     TF_DROP);
	after = counters_snapshot(ctr, false);
	cr_expect_eq(counters_snapshot_len(ctr), n);
	cr_expect_eq(memcmp(before, after, n * sizeof(*before)), 0, "no counter moved");
	free(before);
	free(after);
	cr_expect_eq(target_calls, 1);
	cr_expect(target_saw_dry_run);
	/* raw PREROUTING: rule 1, policy; mangle PREROUTING: policy; mangle
	 * INPUT: policy; filter INPUT: jump, PROBE, return, policy. */
	cr_assert_eq(sim.n, 8);
	cr_expect_not(sim.truncated);
	cr_expect_str_eq(steps[0].what, "continue");
	cr_expect_eq(steps[0].table, XT_TABLE_RAW);
	cr_expect_str_eq(steps[0].chain, "PREROUTING");
	cr_expect_eq(steps[0].rulenum, 1);
	cr_expect_str_eq(steps[1].what, "policy ACCEPT");
	cr_expect_eq(steps[2].table, XT_TABLE_MANGLE);
	cr_expect_str_eq(steps[2].what, "policy ACCEPT");
	cr_expect_eq(steps[3].hook, HOOK_LOCAL_IN);
	cr_expect_str_eq(steps[4].what, "jump A");
	cr_expect_eq(steps[4].table, XT_TABLE_FILTER);
	cr_expect_str_eq(steps[5].what, "PROBE (continue)");
	cr_expect_str_eq(steps[5].chain, "A");
	cr_expect_str_eq(steps[6].what, "return");
	cr_expect_str_eq(steps[7].what, "policy DROP");
	cr_expect_eq(steps[7].rulenum, 2);

	sim.n = 0;
	sim.max = 2;
	table_simulate(&r, r.ruleset, mk("10.0.0.7", "10.0.0.1", 17, 0, 0, -1, HOOK_LOCAL_IN, 60),
		       HOOK_LOCAL_IN, &sim);
	cr_expect_eq(sim.n, 2);
	cr_expect(sim.truncated);
}

/* ---- on a real router: hooks, rules file ---- */

static struct router rt;

static int drop_xmit(struct router *x, struct iface *ifc, struct pkt *p)
{
	ifc->st.tx_packets++;
	pkt_free(&x->pool, p);
	return 0;
}

static const struct router_ops drop_ops = { .xmit = drop_xmit };

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static void send_udp(const char *src, const char *dst)
{
	struct pkt *p = pkt_alloc(&rt.pool);
	struct iphdr *ip;

	cr_assert_not_null(p);
	ip = (struct iphdr *)p->data;
	memset(ip, 0, 28);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(28);
	ip->ttl = 64;
	ip->protocol = 17;
	ip->saddr = A(src);
	ip->daddr = A(dst);
	ipv4_set_csum(ip);
	p->len = 28;
	router_rx(&rt, p, 0);
	router_flush(&rt);
}

Test(router, hooks_and_rules_file)
{
	struct router_config cfg = {
		.pool_size = 64,
		.defrag_cfg = { .max_memory = 1 << 20, .timeout_ms = 30000, .max_queues = 64 },
		.icmp = { 0, 0, 50, 0x1818 },
	};
	char path[] = "/tmp/tfx-test-table-XXXXXX";
	struct route_table *t;
	struct ruleset *live;
	int fd;

	cr_assert_eq(router_init(&rt, &cfg, &drop_ops, NULL), 0);
	cr_assert_eq(router_iface_add(&rt, "if0", A("10.1.0.1"), 24, 1500, -1), 0);
	cr_assert_eq(router_iface_add(&rt, "if1", A("10.2.0.1"), 24, 1500, -1), 1);
	t = route_table_new();
	cr_assert_eq(router_fib_add_connected(&rt, t), 0);
	router_fib_replace(&rt, t);
	cr_assert_eq(tables_init(&rt), 0);
	cr_expect_eq(rt.hooks.list[HOOK_PRE_ROUTING].n, 3, "raw, mangle and nat");
	cr_expect_eq(rt.hooks.list[HOOK_FORWARD].n, 2, "mangle and filter");
	cr_expect_eq(rt.hooks.list[HOOK_LOCAL_OUT].n, 4, "raw, mangle, nat and filter");
	cr_expect_eq(rt.hooks.list[HOOK_POST_ROUTING].n, 2, "mangle and nat");

	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
	write_file(path, "*filter\n:FORWARD DROP [0:0]\n-A FORWARD -s 10.1.0.2 -j ACCEPT\n"
			 "COMMIT\n");
	cr_assert_eq(tables_check(path, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(tables_load(&rt, path, err, sizeof(err)), 0, "%s", err);
	send_udp("10.1.0.2", "10.2.0.2");
	send_udp("10.1.0.3", "10.2.0.2");
	send_udp("10.1.0.3", "10.2.0.2");
	cr_expect_eq(rt.ifaces[1].st.tx_packets, 1);
	live = rt.ruleset;
	cr_expect_eq(pk_count_of(live, "FORWARD", 1), 1);
	cr_expect_eq(pk_count_of(live, "FORWARD", 0), 2);

	/* A bad file: refused with FILE:LINE, the running rules stay. */
	write_file(path, "*filter\n:FORWARD ACCEPT [0:0]\n-A FORWARD -j nowhere\nCOMMIT\n");
	cr_expect_eq(tables_load(&rt, path, err, sizeof(err)), -EINVAL);
	{
		char want[256];

		snprintf(want, sizeof(want), "%s:3: unknown target \"nowhere\"", path);
		cr_expect_str_eq(err, want);
	}
	cr_expect_eq(rt.ruleset, live);
	cr_expect_eq(tables_check(path, err, sizeof(err)), -EINVAL, "--check-config sees it too");
	send_udp("10.1.0.3", "10.2.0.2");
	cr_expect_eq(rt.ifaces[1].st.tx_packets, 1);
	cr_expect_eq(tables_load(&rt, "/nonexistent/rules.v4", err, sizeof(err)), -ENOENT);
	cr_expect_str_eq(err, "/nonexistent/rules.v4: No such file or directory");

	/* No file: the empty ruleset, everything passes. */
	cr_assert_eq(tables_load(&rt, "", err, sizeof(err)), 0);
	send_udp("10.1.0.3", "10.2.0.2");
	cr_expect_eq(rt.ifaces[1].st.tx_packets, 2);
	unlink(path);
	tables_fini(&rt);
	cr_expect_null(rt.ruleset);
	cr_expect_eq(rt.hooks.list[HOOK_FORWARD].n, 0);
	router_fini(&rt);
}
