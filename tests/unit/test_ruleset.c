// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The iptables commands on rulesets, with iptables' error cases and
 * wording; validation (loops, missing chains, -i in OUTPUT); restore all
 * or nothing; counters that survive a swap; and read-and-zero against a
 * concurrent writer losing nothing.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include "core/hook.h"
#include "core/router.h"
#include "tables/parse.h"
#include "tables/restore.h"
#include "tables/ruleset.h"

static struct counters *ctr;
static struct ruleset *rs;
static char err[RULESET_ERR_MAX];

static void setup(void)
{
	ctr = counters_new();
	cr_assert_not_null(ctr);
	rs = ruleset_new(ctr);
	cr_assert_not_null(rs);
	err[0] = '\0';
}

static void teardown(void)
{
	ruleset_free(rs);
	cr_expect_eq(counters_in_use(ctr), 0, "every slot returned (%u left)",
		     counters_in_use(ctr));
	counters_free(ctr);
}

TestSuite(ruleset, .init = setup, .fini = teardown);
TestSuite(validate, .init = setup, .fini = teardown);
TestSuite(restore, .init = setup, .fini = teardown);
TestSuite(counters, .init = setup, .fini = teardown);

static struct rule *R(const char *line)
{
	struct xt_parse ps = {
		.err = err, .errlen = sizeof(err), .table = XT_TABLE_FILTER,
	};
	struct parse_tokens t;
	struct rule *r = NULL;

	cr_assert_eq(parse_tokenize(line, &t, &ps), 0);
	cr_assert_eq(parse_rule(t.argc, t.argv, &ps, &r), 0, "%s: %s", line, err);
	parse_tokens_free(&t);
	return r;
}

/* Run one command line on table t of rs: 0 or -errno, message in err. */
static int cmd_t(struct ruleset *s, enum xt_table t, const char *line)
{
	struct xt_parse ps = { .err = err, .errlen = sizeof(err) };
	struct parse_tokens tok;
	int e;

	err[0] = '\0';
	cr_assert_eq(parse_tokenize(line, &tok, &ps), 0);
	e = restore_command(s, t, tok.argc, tok.argv, NULL, NULL, 0, err, sizeof(err));
	parse_tokens_free(&tok);
	return e;
}

static int cmd(const char *line)
{
	return cmd_t(rs, XT_TABLE_FILTER, line);
}

static const struct chain *C(const char *name)
{
	return ruleset_chain_find(rs, XT_TABLE_FILTER, name);
}

static void expect_chains(enum xt_table t, const char *const *names)
{
	unsigned int i;

	for (i = 0; names[i]; i++) {
		const struct chain *c = ruleset_chain_at(rs, t, i);

		cr_assert_not_null(c, "chain %u missing", i);
		cr_expect_str_eq(c->name, names[i]);
	}
	cr_expect_eq(ruleset_chain_count(rs, t), i);
}

Test(ruleset, builtin_chains)
{
	static const char *const raw[] = { "PREROUTING", "OUTPUT", NULL };
	static const char *const mangle[] = { "PREROUTING", "INPUT", "FORWARD", "OUTPUT",
					      "POSTROUTING", NULL };
	static const char *const nat[] = { "PREROUTING", "INPUT", "OUTPUT", "POSTROUTING", NULL };
	static const char *const filter[] = { "INPUT", "FORWARD", "OUTPUT", NULL };
	unsigned int t, i;

	expect_chains(XT_TABLE_RAW, raw);
	expect_chains(XT_TABLE_MANGLE, mangle);
	expect_chains(XT_TABLE_NAT, nat);
	expect_chains(XT_TABLE_FILTER, filter);
	for (t = 0; t < XT_TABLE_MAX; t++) {
		cr_expect_not(ruleset_table_used(rs, t));
		for (i = 0; i < ruleset_chain_count(rs, t); i++) {
			const struct chain *c = ruleset_chain_at(rs, t, i);

			cr_expect(c->builtin);
			cr_expect_eq(c->policy, TF_ACCEPT);
			cr_expect_eq(ruleset_hook_chain(rs, t, c->hook), c);
		}
	}
	cr_expect_null(ruleset_hook_chain(rs, XT_TABLE_FILTER, HOOK_PRE_ROUTING));
}

Test(ruleset, append_insert_delete_replace)
{
	const struct chain *in = C("INPUT");
	struct rule *spec;

	cr_assert_eq(cmd("-A INPUT -s 10.0.0.1 -j DROP"), 0, "%s", err);
	cr_assert_eq(cmd("-A INPUT -s 10.0.0.2 -j DROP"), 0, "%s", err);
	cr_assert_eq(cmd("-I INPUT -s 10.0.0.3 -j ACCEPT"), 0, "%s", err);
	cr_assert_eq(cmd("-I INPUT 4 -s 10.0.0.4 -j ACCEPT"), 0, "%s", err);
	cr_assert_eq(in->n_rules, 4);
	cr_expect_eq(in->rules[0]->src, htonl(0x0a000003));
	cr_expect_eq(in->rules[3]->src, htonl(0x0a000004));
	cr_expect(ruleset_table_used(rs, XT_TABLE_FILTER));

	cr_expect_eq(cmd("-I INPUT 6 -j DROP"), -E2BIG);
	cr_expect_str_eq(err, "Index of insertion too big.");
	cr_expect_eq(cmd("-R INPUT 5 -j DROP"), -E2BIG);
	cr_expect_str_eq(err, "Index of replacement too big.");
	cr_expect_eq(cmd("-D INPUT 5"), -E2BIG);
	cr_expect_str_eq(err, "Index of deletion too big.");
	cr_expect_eq(cmd("-D INPUT 0"), -EINVAL);
	cr_expect_str_eq(err, "Invalid rule number `0'");

	spec = R("-s 10.0.0.2 -j DROP");
	cr_expect_eq(ruleset_check(rs, XT_TABLE_FILTER, "INPUT", spec, err, sizeof(err)), 0);
	cr_expect_eq(cmd("-D INPUT -s 10.0.0.2/32 -j DROP"), 0, "%s", err);
	cr_expect_eq(ruleset_check(rs, XT_TABLE_FILTER, "INPUT", spec, err, sizeof(err)), -ENOENT);
	cr_expect_str_eq(err, "Bad rule (does a matching rule exist in that chain?).");
	cr_expect_eq(cmd("-D INPUT -s 10.0.0.2 -j DROP"), -ENOENT);
	cr_expect_str_eq(err, "Bad rule (does a matching rule exist in that chain?).");
	cr_expect_eq(ruleset_check(rs, XT_TABLE_FILTER, "NOPE", spec, err, sizeof(err)), -ENOENT);
	cr_expect_str_eq(err, "No chain/target/match by that name.");
	rule_free(spec);

	cr_assert_eq(cmd("-R INPUT 1 -s 10.0.0.9 -j DROP"), 0, "%s", err);
	cr_expect_eq(in->rules[0]->src, htonl(0x0a000009));
	cr_expect_eq(in->n_rules, 3);
	cr_assert_eq(cmd("-D INPUT 1"), 0);
	cr_expect_eq(in->rules[0]->src, htonl(0x0a000001));

	cr_expect_eq(cmd("-A NOPE -j DROP"), -ENOENT);
	cr_expect_str_eq(err, "No chain/target/match by that name.");
	cr_expect_eq(ruleset_exit_status(-ENOENT), 1);
	cr_expect_eq(ruleset_exit_status(-EINVAL), 2);
	cr_expect_eq(ruleset_exit_status(0), 0);
}

Test(ruleset, flush_and_zero)
{
	struct rule_counts k;

	cr_assert_eq(cmd("-A INPUT -j DROP"), 0);
	cr_assert_eq(cmd("-A OUTPUT -j DROP"), 0);
	cr_assert_eq(cmd("-A OUTPUT -j DROP"), 0);
	counters_add(ctr, C("OUTPUT")->rules[1]->slot, 100);
	counters_add(ctr, C("OUTPUT")->policy_slot, 50);
	cr_expect_eq(cmd("-Z OUTPUT 3"), -E2BIG);
	cr_expect_str_eq(err, "Index of counter too big.");
	cr_assert_eq(cmd("-Z OUTPUT 2"), 0);
	ruleset_rule_counts(rs, C("OUTPUT")->rules[1], &k);
	cr_expect_eq(k.pkts, 0);
	ruleset_policy_counts(rs, C("OUTPUT"), &k);
	cr_expect_eq(k.pkts, 1, "-Z CHAIN N leaves the policy");
	cr_assert_eq(cmd("-Z"), 0);
	ruleset_policy_counts(rs, C("OUTPUT"), &k);
	cr_expect_eq(k.pkts, 0);

	cr_assert_eq(cmd("-F OUTPUT"), 0);
	cr_expect_eq(C("OUTPUT")->n_rules, 0);
	cr_expect_eq(C("INPUT")->n_rules, 1);
	cr_assert_eq(cmd("-F"), 0);
	cr_expect_eq(C("INPUT")->n_rules, 0);
	cr_expect_eq(cmd("-F NOPE"), -ENOENT);
	cr_expect_str_eq(err, "No chain/target/match by that name.");
}

Test(ruleset, user_chains)
{
	static const char *const order[] = { "INPUT", "FORWARD", "OUTPUT", "A", "Ab", "B", "zz",
					     NULL };

	cr_assert_eq(cmd("-N zz"), 0);
	cr_assert_eq(cmd("-N B"), 0);
	cr_assert_eq(cmd("-N Ab"), 0);
	cr_assert_eq(cmd("-N A"), 0);
	expect_chains(XT_TABLE_FILTER, order);

	cr_expect_eq(cmd("-N A"), -EEXIST);
	cr_expect_str_eq(err, "Chain already exists.");
	cr_expect_eq(cmd("-N INPUT"), -EEXIST);
	cr_expect_str_eq(err, "Chain already exists.");
	cr_expect_eq(cmd("-N aaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), -EINVAL);
	cr_expect_str_eq(err,
			 "chain name `aaaaaaaaaaaaaaaaaaaaaaaaaaaaa' too long (must be under 29 chars)");
	cr_expect_eq(cmd("-N aaaaaaaaaaaaaaaaaaaaaaaaaaaa"), 0, "28 characters are fine");
	cr_expect_eq(cmd("-N -foo"), -EINVAL);
	cr_expect_str_eq(err, "chain name not allowed to start with `-'");
	cr_expect_eq(cmd("-N \"a b\""), -EINVAL);
	cr_expect_str_eq(err, "Invalid chain name `a b'");
	cr_expect_eq(cmd("-N ACCEPT"), -EINVAL);
	cr_expect_str_eq(err, "chain name may not clash with target name");
	cr_expect_eq(cmd("-N a!b"), 0);
}

Test(ruleset, delete_chain)
{
	cr_assert_eq(cmd("-N A"), 0);
	cr_assert_eq(cmd("-N B"), 0);
	cr_assert_eq(cmd("-A A -j ACCEPT"), 0);
	cr_assert_eq(cmd("-A INPUT -j B"), 0);
	cr_expect_eq(C("B")->refs, 1);

	cr_expect_eq(cmd("-X A"), -ENOTEMPTY);
	cr_expect_str_eq(err, "Directory not empty.");
	cr_expect_eq(cmd("-X B"), -EMLINK);
	cr_expect_str_eq(err, "Too many links.");
	cr_expect_eq(cmd("-X C"), -ENOENT);
	cr_expect_str_eq(err, "No chain/target/match by that name.");
	cr_expect_eq(cmd("-X INPUT"), -EPERM);
	cr_expect_str_eq(err, "Invalid argument.");
	cr_expect_eq(cmd("-X"), -ENOTEMPTY, "all or none");
	cr_expect_not_null(C("B"));

	cr_assert_eq(cmd("-F"), 0);
	cr_expect_eq(C("B")->refs, 0);
	cr_assert_eq(cmd("-X B"), 0);
	cr_expect_null(C("B"));
	cr_assert_eq(cmd("-N C"), 0);
	cr_assert_eq(cmd("-X"), 0);
	cr_expect_eq(ruleset_chain_count(rs, XT_TABLE_FILTER), 3);
}

Test(ruleset, policy)
{
	struct rule_counts k = { 7, 700 }, got;

	cr_assert_eq(cmd("-N A"), 0);
	cr_expect_eq(cmd("-P A DROP"), -EPERM);
	cr_expect_str_eq(err, "Bad built-in chain name.");
	cr_expect_eq(cmd("-P INPUT FOO"), -ENOENT);
	cr_expect_str_eq(err, "Bad policy name.");
	cr_expect_eq(cmd("-P INPUT RETURN"), -ENOENT);
	cr_expect_eq(cmd("-P NOPE DROP"), -ENOENT);
	cr_expect_str_eq(err, "No chain/target/match by that name.");
	cr_assert_eq(cmd("-P FORWARD DROP"), 0);
	cr_expect_eq(C("FORWARD")->policy, TF_DROP);
	cr_assert_eq(ruleset_set_policy(rs, XT_TABLE_FILTER, "INPUT", "ACCEPT", &k, err,
					sizeof(err)), 0);
	ruleset_policy_counts(rs, C("INPUT"), &got);
	cr_expect_eq(got.pkts, 7);
	cr_expect_eq(got.bytes, 700);
}

Test(ruleset, rename)
{
	static const char *const order[] = { "INPUT", "FORWARD", "OUTPUT", "B", "C", NULL };

	cr_assert_eq(cmd("-N A"), 0);
	cr_assert_eq(cmd("-N C"), 0);
	cr_assert_eq(cmd("-A INPUT -j A"), 0);
	cr_assert_eq(cmd("-A C -g A"), 0);
	cr_expect_eq(cmd("-E A C"), -EEXIST);
	cr_expect_str_eq(err, "File exists.");
	cr_expect_eq(cmd("-E INPUT Z"), -ENOENT);
	cr_expect_str_eq(err, "No chain/target/match by that name.");
	cr_expect_eq(cmd("-E Q Z"), -ENOENT);
	cr_expect_eq(cmd("-E A -x"), -EINVAL);
	cr_assert_eq(cmd("-E A B"), 0, "%s", err);
	expect_chains(XT_TABLE_FILTER, order);
	cr_expect_str_eq(C("INPUT")->rules[0]->jump, "B");
	cr_expect_str_eq(C("C")->rules[0]->jump, "B");
	cr_expect_eq(C("B")->refs, 2);
	cr_expect_eq(ruleset_compile(rs, err, sizeof(err)), 0, "%s", err);
}

Test(ruleset, jump_targets_checked_on_add)
{
	cr_expect_eq(cmd("-A INPUT -j nope"), -EINVAL);
	cr_expect_str_eq(err, "unknown target \"nope\"");
	cr_expect_eq(cmd("-A INPUT -j FORWARD"), -EINVAL);
	cr_expect_str_eq(err, "can't jump to built-in chain \"FORWARD\" (only user chains)");
	cr_expect_eq(cmd("-A INPUT -g OUTPUT"), -EINVAL);
	cr_expect_eq(C("INPUT")->n_rules, 0);
}

Test(ruleset, clone_is_deep)
{
	struct ruleset *c;

	cr_assert_eq(cmd("-N A"), 0);
	cr_assert_eq(cmd("-A A -s 1.2.3.4 -j DROP"), 0);
	c = ruleset_clone(rs);
	cr_assert_not_null(c);
	cr_assert_eq(cmd_t(c, XT_TABLE_FILTER, "-F A"), 0);
	cr_assert_eq(cmd_t(c, XT_TABLE_FILTER, "-X A"), 0);
	cr_expect_not_null(C("A"));
	cr_expect_eq(C("A")->n_rules, 1);
	cr_expect_eq(counters_in_use(ctr), 14 + 1, "2+5+4+3 policies and 1 rule, shared");
	ruleset_free(c);
}

/* ---- validation ---- */

Test(validate, loops)
{
	const char *text =
		"*filter\n"
		":INPUT ACCEPT [0:0]\n"
		":A - [0:0]\n"
		":B - [0:0]\n"
		":C - [0:0]\n"
		"-A INPUT -j A\n"
		"-A A -j B\n"
		"-A B -j C\n"
		"-A C -g A\n"
		"COMMIT\n";

	cr_expect_eq(restore_text(rs, text, strlen(text), "loop.v4", 0, err, sizeof(err)),
		     -EINVAL);
	cr_expect_str_eq(err, "loop.v4:9: jump loop: A -> B -> C -> A");
}

Test(validate, self_loop_by_commands)
{
	cr_assert_eq(cmd("-N A"), 0);
	cr_assert_eq(cmd("-A A -j A"), 0);
	cr_expect_eq(ruleset_compile(rs, err, sizeof(err)), -EINVAL);
	cr_expect_str_eq(err, "jump loop: A -> A");
	cr_expect_not(ruleset_compiled(rs));
}

Test(validate, interfaces_by_hook)
{
	cr_assert_eq(cmd("-A OUTPUT -i eth0 -j DROP"), 0);
	cr_expect_eq(ruleset_compile(rs, err, sizeof(err)), -EINVAL);
	cr_expect_str_eq(err, "Can't use -i with OUTPUT");
	cr_assert_eq(cmd("-F"), 0);
	cr_assert_eq(cmd("-A INPUT -o eth0 -j DROP"), 0);
	cr_expect_eq(ruleset_compile(rs, err, sizeof(err)), -EINVAL);
	cr_expect_str_eq(err, "Can't use -o with INPUT");
	cr_assert_eq(cmd("-F"), 0);
	cr_assert_eq(cmd_t(rs, XT_TABLE_MANGLE, "-A POSTROUTING -i eth0"), 0);
	cr_expect_eq(ruleset_compile(rs, err, sizeof(err)), -EINVAL);
	cr_expect_str_eq(err, "Can't use -i with POSTROUTING");
	cr_assert_eq(cmd_t(rs, XT_TABLE_MANGLE, "-F"), 0);
	cr_assert_eq(cmd_t(rs, XT_TABLE_MANGLE, "-A PREROUTING -o eth0"), 0);
	cr_expect_eq(ruleset_compile(rs, err, sizeof(err)), -EINVAL);
	cr_expect_str_eq(err, "Can't use -o with PREROUTING");
	cr_assert_eq(cmd_t(rs, XT_TABLE_MANGLE, "-F"), 0);
	cr_assert_eq(cmd("-A FORWARD -i a -o b"), 0);
	cr_expect_eq(ruleset_compile(rs, err, sizeof(err)), 0, "%s", err);
}

Test(validate, named_line_in_file)
{
	const char *text =
		"*filter\n"
		":INPUT ACCEPT [0:0]\n"
		":OUTPUT ACCEPT [0:0]\n"
		"# a comment\n"
		"\n"
		"-A OUTPUT -i eth0 -j DROP\n"
		"COMMIT\n";

	cr_expect_eq(restore_text(rs, text, strlen(text), "rules.v4", 0, err, sizeof(err)),
		     -EINVAL);
	cr_expect_str_eq(err, "rules.v4:6: Can't use -i with OUTPUT");
}

/* A test extension that records the hook mask its check sees. */
static unsigned int seen_mask;
static bool seen_check;

static int probe_check(const void *data, const struct xt_check *chk)
{
	seen_mask |= chk->hook_mask;
	seen_check = true;
	if (chk->hook_mask & (1u << HOOK_LOCAL_OUT))
		return xt_error(chk->ps, "probe: not from OUTPUT");
	return 0;
}

static bool probe_match(const void *data, void *state, struct xt_ctx *ctx)
{
	return true;
}

static void probe_print(const void *data, struct out *o)
{
}

static const struct xt_match_ops probe_ops = {
	.name = "probe", .size = 4, .check = probe_check, .match = probe_match,
	.print = probe_print,
};

static struct rule *probe_rule(void)
{
	struct rule *r = calloc(1, sizeof(*r));

	cr_assert_not_null(r);
	r->matches = calloc(1, sizeof(*r->matches));
	r->matches[0].ops = &probe_ops;
	r->matches[0].data = calloc(1, 4);
	r->n_matches = 1;
	r->file = strdup("probe.v4");
	r->line = 42;
	return r;
}

Test(validate, hook_mask_from_reachability)
{
	cr_assert_eq(cmd("-N A"), 0);
	cr_assert_eq(cmd("-N B"), 0);
	cr_assert_eq(cmd("-N unused"), 0);
	cr_assert_eq(cmd("-A INPUT -j A"), 0);
	cr_assert_eq(cmd("-A FORWARD -g A"), 0);
	cr_assert_eq(cmd("-A A -j B"), 0);
	cr_assert_eq(ruleset_append(rs, XT_TABLE_FILTER, "B", probe_rule(), err, sizeof(err)), 0);
	seen_mask = 0;
	cr_assert_eq(ruleset_compile(rs, err, sizeof(err)), 0, "%s", err);
	cr_expect(seen_check);
	cr_expect_eq(seen_mask, 1u << HOOK_LOCAL_IN | 1u << HOOK_FORWARD);
	cr_expect_eq(C("B")->hook_mask, 1u << HOOK_LOCAL_IN | 1u << HOOK_FORWARD);
	cr_expect_eq(C("unused")->hook_mask, 0);

	/* Now reachable from OUTPUT: the extension refuses, naming its line. */
	cr_assert_eq(cmd("-A OUTPUT -j B"), 0);
	cr_expect_eq(ruleset_compile(rs, err, sizeof(err)), -EINVAL);
	cr_expect_str_eq(err, "probe.v4:42: probe: not from OUTPUT");
}

/* ---- restore ---- */

static const char good[] =
	"# Generated by iptables-nft-save\n"
	"*raw\n"
	":PREROUTING ACCEPT [1:2]\n"
	":OUTPUT ACCEPT [3:4]\n"
	"-A PREROUTING -s 10.0.0.0/8 -j ACCEPT\n"
	"COMMIT\n"
	"*filter\n"
	":INPUT DROP [5:6]\n"
	":FORWARD ACCEPT [0:0]\n"
	":OUTPUT ACCEPT [0:0]\n"
	":users - [0:0]\n"
	"[10:1000] -A INPUT -i lo -j ACCEPT\n"
	"-A INPUT -j users\n"
	"-A users -s 192.168.0.0/16 -j ACCEPT\n"
	"COMMIT\n";

Test(restore, loads_and_counters)
{
	struct rule_counts k;

	cr_assert_eq(restore_text(rs, good, strlen(good), "g.v4", 0, err, sizeof(err)), 0, "%s",
		     err);
	cr_expect(ruleset_compiled(rs));
	cr_expect_eq(C("INPUT")->policy, TF_DROP);
	cr_expect_eq(C("INPUT")->n_rules, 2);
	cr_expect_eq(C("users")->refs, 1);
	ruleset_rule_counts(rs, C("INPUT")->rules[0], &k);
	cr_expect_eq(k.pkts, 0, "counters only with --counters");
	ruleset_policy_counts(rs, C("INPUT"), &k);
	cr_expect_eq(k.pkts, 0);
	cr_expect_eq(ruleset_chain_find(rs, XT_TABLE_RAW, "PREROUTING")->n_rules, 1);
}

Test(restore, with_counters)
{
	struct rule_counts k;

	cr_assert_eq(restore_text(rs, good, strlen(good), NULL, RESTORE_COUNTERS, err,
				  sizeof(err)), 0, "%s", err);
	ruleset_rule_counts(rs, C("INPUT")->rules[0], &k);
	cr_expect_eq(k.pkts, 10);
	cr_expect_eq(k.bytes, 1000);
	ruleset_policy_counts(rs, C("INPUT"), &k);
	cr_expect_eq(k.pkts, 5);
	cr_expect_eq(k.bytes, 6);
}

Test(restore, flush_and_noflush)
{
	const char *more =
		"*filter\n"
		":users - [0:0]\n"
		"-A users -s 172.16.0.0/12 -j ACCEPT\n"
		"-A INPUT -s 1.1.1.1 -j DROP\n"
		"COMMIT\n";

	cr_assert_eq(restore_text(rs, good, strlen(good), NULL, 0, err, sizeof(err)), 0);
	cr_assert_eq(restore_text(rs, more, strlen(more), NULL, RESTORE_NOFLUSH, err,
				  sizeof(err)), 0, "%s", err);
	/* noflush: a declared user chain is flushed, the rest kept. */
	cr_expect_eq(C("users")->n_rules, 1);
	cr_expect_eq(C("users")->rules[0]->src, htonl(0xac100000));
	cr_expect_eq(C("INPUT")->n_rules, 3);
	cr_expect_eq(C("INPUT")->policy, TF_DROP);
	cr_expect_eq(ruleset_chain_find(rs, XT_TABLE_RAW, "PREROUTING")->n_rules, 1);

	/* flush: the table starts over, the tables not named stay. */
	cr_assert_eq(restore_text(rs, more, strlen(more), NULL, 0, err, sizeof(err)), 0, "%s",
		     err);
	cr_expect_eq(C("INPUT")->n_rules, 1);
	cr_expect_eq(C("INPUT")->policy, TF_ACCEPT);
	cr_expect_eq(ruleset_chain_find(rs, XT_TABLE_RAW, "PREROUTING")->n_rules, 1);
}

static void expect_restore_error(const char *text, const char *msg)
{
	struct ruleset *c = ruleset_clone(rs);

	cr_assert_not_null(c);
	cr_expect_neq(restore_text(c, text, strlen(text), "bad.v4", 0, err, sizeof(err)), 0,
		      "restored: %s", text);
	cr_expect_str_eq(err, msg);
	ruleset_free(c);
}

Test(restore, errors)
{
	expect_restore_error("-A INPUT -j DROP\n",
			     "bad.v4:1: \"-A INPUT -j DROP\" outside a table (\"*filter\" ... \"COMMIT\")");
	expect_restore_error("*filter\n-A INPUT -j DROP\n",
			     "bad.v4:2: COMMIT expected at the end of table filter (opened at line 1)");
	expect_restore_error("*filter\n*nat\nCOMMIT\n",
			     "bad.v4:2: COMMIT expected before \"*nat\" (table filter opened at line 1)");
	expect_restore_error("*foo\nCOMMIT\n", "bad.v4:1: unknown table \"foo\"");
	expect_restore_error("*filter\n-A INPUT -j nope\nCOMMIT\n",
			     "bad.v4:2: unknown target \"nope\"");
	expect_restore_error("*filter\n-A NOPE -j DROP\nCOMMIT\n",
			     "bad.v4:2: No chain/target/match by that name.");
	expect_restore_error("*filter\n:A - [0:0]\n:A - [0:0]\nCOMMIT\n",
			     "bad.v4:3: Chain already exists.");
	expect_restore_error("*filter\n:INPUT BOGUS [0:0]\nCOMMIT\n", "bad.v4:2: Bad policy name.");
	expect_restore_error("*filter\n:A DROP [0:0]\nCOMMIT\n",
			     "bad.v4:2: Bad built-in chain name.");
	expect_restore_error("*filter\n-A INPUT -s 1.2.3.4 --sorce 1.1.1.1\nCOMMIT\n",
			     "bad.v4:2: unknown option \"--sorce\" (did you mean --source?)");
	expect_restore_error("*filter\n-L INPUT\nCOMMIT\n", "bad.v4:2: unknown command \"-L\"");
	expect_restore_error("*filter\n[1:2 -A INPUT\nCOMMIT\n",
			     "bad.v4:2: bad counters at the start of the line");
	expect_restore_error("*filter\n-A INPUT --comment \"x\nCOMMIT\n",
			     "bad.v4:2: unterminated quote");
}

Test(restore, all_or_nothing)
{
	struct router r;
	struct ruleset *live, *c;
	const char *bad =
		"*raw\n-A PREROUTING -j DROP\nCOMMIT\n"
		"*filter\n-A INPUT -j DROP\n-A INPUT -j missing\nCOMMIT\n";

	memset(&r, 0, sizeof(r));
	cr_assert_eq(restore_text(rs, good, strlen(good), NULL, 0, err, sizeof(err)), 0);
	cr_assert_eq(ruleset_commit(&r, rs, err, sizeof(err)), 0, "%s", err);
	live = rs;
	c = ruleset_clone(live);
	cr_assert_eq(restore_text(c, bad, strlen(bad), "bad.v4", 0, err, sizeof(err)), -EINVAL);
	cr_expect_str_eq(err, "bad.v4:6: unknown target \"missing\"");
	ruleset_free(c);
	/* The live ruleset is as it was: raw's rule accepts, filter has 2 rules. */
	cr_expect_eq(r.ruleset, live);
	cr_expect_eq(ruleset_chain_find(live, XT_TABLE_RAW, "PREROUTING")->rules[0]->verdict,
		     RULE_V_ACCEPT);
	cr_expect_eq(C("INPUT")->n_rules, 2);
}

Test(restore, commit_refuses_invalid)
{
	struct router r;
	struct ruleset *c;

	memset(&r, 0, sizeof(r));
	cr_assert_eq(ruleset_commit(&r, rs, err, sizeof(err)), 0);
	c = ruleset_clone(rs);
	cr_assert_eq(cmd_t(c, XT_TABLE_FILTER, "-A OUTPUT -i x"), 0);
	cr_expect_eq(ruleset_commit(&r, c, err, sizeof(err)), -EINVAL);
	cr_expect_eq(r.ruleset, rs);
	ruleset_free(c);
}

/* ---- counters ---- */

Test(counters, survive_a_swap)
{
	struct router r;
	struct ruleset *c;
	const struct chain *in;
	struct rule_counts k;

	memset(&r, 0, sizeof(r));
	cr_assert_eq(cmd("-A INPUT -s 10.0.0.1 -j DROP"), 0);
	cr_assert_eq(cmd("-A INPUT -s 10.0.0.2 -j DROP"), 0);
	cr_assert_eq(ruleset_commit(&r, rs, err, sizeof(err)), 0);
	in = C("INPUT");
	counters_add(ctr, in->rules[0]->slot, 100);
	counters_add(ctr, in->rules[0]->slot, 100);
	counters_add(ctr, in->rules[1]->slot, 60);
	counters_add(ctr, in->policy_slot, 40);

	/* A change on a clone: insert at the top, replace the last. */
	c = ruleset_clone(rs);
	cr_assert_eq(cmd_t(c, XT_TABLE_FILTER, "-I INPUT -s 10.0.0.3 -j ACCEPT"), 0);
	cr_assert_eq(cmd_t(c, XT_TABLE_FILTER, "-R INPUT 3 -s 10.0.0.4 -j DROP"), 0);
	/* Counting goes on in the live ruleset meanwhile. */
	counters_add(ctr, in->rules[0]->slot, 100);
	cr_assert_eq(ruleset_commit(&r, c, err, sizeof(err)), 0, "%s", err);
	rs = c;
	in = C("INPUT");
	ruleset_rule_counts(rs, in->rules[0], &k);
	cr_expect_eq(k.pkts, 0, "new rule starts at zero");
	ruleset_rule_counts(rs, in->rules[1], &k);
	cr_expect_eq(k.pkts, 3, "the kept rule keeps its count");
	cr_expect_eq(k.bytes, 300);
	ruleset_rule_counts(rs, in->rules[2], &k);
	cr_expect_eq(k.pkts, 0, "a replaced rule starts over");
	ruleset_policy_counts(rs, in, &k);
	cr_expect_eq(k.pkts, 1);
	cr_expect_eq(counters_in_use(ctr), 14 + 3);
	r.ruleset = NULL;
}

Test(counters, set_counts_are_private_until_commit)
{
	struct ruleset *c;
	struct rule_counts k = { 9, 9 }, got;

	cr_assert_eq(cmd("-A INPUT -j DROP -c 5 500"), 0);
	ruleset_rule_counts(rs, C("INPUT")->rules[0], &got);
	cr_expect_eq(got.pkts, 5);
	cr_expect_eq(got.bytes, 500);
	counters_add(ctr, C("INPUT")->policy_slot, 1);
	c = ruleset_clone(rs);
	cr_assert_eq(ruleset_set_policy(c, XT_TABLE_FILTER, "INPUT", "DROP", &k, err,
					sizeof(err)), 0);
	ruleset_policy_counts(rs, C("INPUT"), &got);
	cr_expect_eq(got.pkts, 1, "the live policy counts are untouched");
	ruleset_policy_counts(c, ruleset_chain_find(c, XT_TABLE_FILTER, "INPUT"), &got);
	cr_expect_eq(got.pkts, 9);
	ruleset_free(c);
}

Test(counters, snapshot_and_zero)
{
	struct rule_counts *snap;
	uint32_t slot = C("INPUT")->policy_slot;

	counters_add(ctr, slot, 10);
	counters_add(ctr, slot, 20);
	snap = counters_snapshot(ctr, true);
	cr_assert_not_null(snap);
	cr_expect_eq(snap[slot].pkts, 2);
	cr_expect_eq(snap[slot].bytes, 30);
	free(snap);
	snap = counters_snapshot(ctr, false);
	cr_expect_eq(snap[slot].pkts, 0);
	free(snap);
}

Test(counters, slots_reused_and_grow)
{
	struct rule_counts k;
	uint32_t s[3000];
	unsigned int i;

	for (i = 0; i < 3000; i++)
		cr_assert_eq(counters_alloc(ctr, &s[i]), 0);
	for (i = 0; i < 3000; i++)
		counters_add(ctr, s[i], i);
	counters_read(ctr, s[2999], &k);
	cr_expect_eq(k.bytes, 2999);
	for (i = 0; i < 3000; i++)
		counters_unref(ctr, s[i]);
	cr_assert_eq(counters_alloc(ctr, &s[0]), 0);
	counters_read(ctr, s[0], &k);
	cr_expect_eq(k.pkts, 0, "a reused slot starts at zero");
	counters_add(ctr, s[0], 5);
	counters_read(ctr, s[0], &k);
	cr_expect_eq(k.pkts, 1, "and counts from there");
	cr_expect_eq(k.bytes, 5);
	counters_unref(ctr, s[0]);
}

/* A writer adds while a reader reads-and-zeroes: the sum of everything read
 * equals everything added. */
#define WRITES 2000000u

static _Atomic bool writer_done;

static void *writer(void *arg)
{
	uint32_t slot = *(uint32_t *)arg;
	unsigned int i;

	for (i = 0; i < WRITES; i++)
		counters_add(ctr, slot, 3);
	atomic_store(&writer_done, true);
	return NULL;
}

Test(counters, read_zero_loses_nothing)
{
	struct rule_counts k, sum = { 0, 0 };
	unsigned int reads = 0, nonzero = 0;
	pthread_t th;
	uint32_t slot;

	cr_assert_eq(counters_alloc(ctr, &slot), 0);
	atomic_store(&writer_done, false);
	cr_assert_eq(pthread_create(&th, NULL, writer, &slot), 0);
	while (!atomic_load(&writer_done)) {
		counters_read_zero(ctr, slot, &k);
		sum.pkts += k.pkts;
		sum.bytes += k.bytes;
		reads++;
		nonzero += k.pkts != 0;
	}
	pthread_join(th, NULL);
	counters_read_zero(ctr, slot, &k);
	sum.pkts += k.pkts;
	sum.bytes += k.bytes;
	cr_expect_eq(sum.pkts, WRITES, "%lu packets read of %u", (unsigned long)sum.pkts, WRITES);
	cr_expect_eq(sum.bytes, 3ull * WRITES);
	cr_log_info("%u reads, %u while counting", reads, nonzero);
	counters_unref(ctr, slot);
}
