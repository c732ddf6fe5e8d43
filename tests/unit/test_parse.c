// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The rule language: the tokenizer (quotes as iptables-restore reads
 * them), the ip part of a rule, and every malformed line's exact message.
 * Tests that need an extension (tcp...) skip when it is not linked in.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include "tables/parse.h"

static char err[512];

static struct xt_parse ps_at(const char *file, int line)
{
	struct xt_parse ps = {
		.file = file, .line = line, .err = err, .errlen = sizeof(err),
		.table = XT_TABLE_FILTER,
	};

	err[0] = '\0';
	return ps;
}

/* Tokenize and parse one rule line; the rule or NULL (message in err). */
static struct rule *parse_at(const char *line, const char *file, int lineno)
{
	struct xt_parse ps = ps_at(file, lineno);
	struct parse_tokens t;
	struct rule *r = NULL;
	int e;

	e = parse_tokenize(line, &t, &ps);
	if (e)
		return NULL;
	e = parse_rule(t.argc, t.argv, &ps, &r);
	parse_tokens_free(&t);
	if (e) {
		cr_assert_null(r);
		cr_assert(ps.failed, "an error without a message for \"%s\"", line);
		return NULL;
	}
	cr_assert_not_null(r);
	return r;
}

static struct rule *parse(const char *line)
{
	return parse_at(line, NULL, 0);
}

static void expect_error(const char *line, const char *msg)
{
	struct rule *r = parse(line);

	cr_expect_null(r, "\"%s\" parsed", line);
	rule_free(r);
	cr_expect_str_eq(err, msg, "\"%s\": got '%s'", line, err);
}

static uint32_t A(const char *s)
{
	struct in_addr a;

	cr_assert_eq(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

/* ---- tokenizer ---- */

static void expect_tokens(const char *line, int n, const char *const *want)
{
	struct xt_parse ps = ps_at(NULL, 0);
	struct parse_tokens t;
	int i;

	cr_assert_eq(parse_tokenize(line, &t, &ps), 0, "%s: %s", line, err);
	cr_expect_eq(t.argc, n, "\"%s\": %d tokens, want %d", line, t.argc, n);
	for (i = 0; i < n && i < t.argc; i++)
		cr_expect_str_eq(t.argv[i], want[i], "\"%s\" token %d", line, i);
	cr_expect_null(t.argv[t.argc]);
	parse_tokens_free(&t);
}

Test(tokenize, blanks)
{
	static const char *const w[] = { "-A", "INPUT", "-j", "DROP" };

	expect_tokens("-A INPUT -j DROP", 4, w);
	expect_tokens("  -A\tINPUT   -j DROP  \n", 4, w);
	expect_tokens("", 0, NULL);
	expect_tokens("   \t ", 0, NULL);
}

Test(tokenize, quotes)
{
	static const char *const w1[] = { "--comment", "a b", "-j", "ACCEPT" };
	static const char *const w2[] = { "--log-prefix", "x: " };
	static const char *const w3[] = { "a \"quoted\" \\ word" };
	static const char *const w4[] = { "", "x" };
	static const char *const w5[] = { "ab", "cd" };
	static const char *const w6[] = { "abc d" };
	static const char *const w7[] = { "a\\b" };

	expect_tokens("--comment \"a b\" -j ACCEPT", 4, w1);
	expect_tokens("--log-prefix \"x: \"", 2, w2);
	expect_tokens("\"a \\\"quoted\\\" \\\\ word\"", 1, w3);
	expect_tokens("\"\" x", 2, w4);
	/* A closing quote ends the token (add_param_to_argv). */
	expect_tokens("\"ab\"cd", 2, w5);
	expect_tokens("ab\"c d\"", 1, w6);
	/* Outside quotes a backslash is an ordinary character. */
	expect_tokens("a\\b", 1, w7);
}

Test(tokenize, many_tokens)
{
	char line[4096] = "";
	struct xt_parse ps = ps_at(NULL, 0);
	struct parse_tokens t;
	int i;

	for (i = 0; i < 200; i++)
		strcat(line, i % 2 ? "b " : "\"a a\" ");
	cr_assert_eq(parse_tokenize(line, &t, &ps), 0);
	cr_expect_eq(t.argc, 200);
	cr_expect_str_eq(t.argv[198], "a a");
	cr_expect_str_eq(t.argv[199], "b");
	cr_expect_null(t.argv[200]);
	parse_tokens_free(&t);
}

Test(tokenize, unterminated)
{
	struct xt_parse ps = ps_at("rules.v4", 3);
	struct parse_tokens t;

	cr_expect_eq(parse_tokenize("--comment \"abc", &t, &ps), -EINVAL);
	cr_expect_str_eq(err, "rules.v4:3: unterminated quote");
	ps = ps_at(NULL, 0);
	cr_expect_eq(parse_tokenize("\"ab\\\"", &t, &ps), -EINVAL);
}

/* ---- did you mean ---- */

Test(distance, levenshtein)
{
	cr_expect_eq(parse_distance("", ""), 0);
	cr_expect_eq(parse_distance("abc", ""), 3);
	cr_expect_eq(parse_distance("", "ab"), 2);
	cr_expect_eq(parse_distance("--dprot", "--dport"), 2);
	cr_expect_eq(parse_distance("--dpor", "--dport"), 1);
	cr_expect_eq(parse_distance("kitten", "sitting"), 3);
	cr_expect_eq(parse_distance("flaw", "lawn"), 2);
}

/* ---- the ip part ---- */

Test(rule, addresses)
{
	struct rule *r = parse("-s 10.1.2.3/8 ! -d 192.168.1.1");

	cr_assert_not_null(r, "%s", err);
	cr_expect_eq(r->src, A("10.0.0.0"));
	cr_expect_eq(r->smsk, A("255.0.0.0"));
	cr_expect_eq(r->dst, A("192.168.1.1"));
	cr_expect_eq(r->dmsk, A("255.255.255.255"));
	cr_expect_eq(r->flags & (RULE_F_SRC | RULE_F_DST), RULE_F_SRC | RULE_F_DST);
	cr_expect_eq(r->invflags, RULE_INV_DST);
	rule_free(r);

	r = parse("--source 10.0.0.0/255.0.255.0 --dst 10/8");
	cr_assert_not_null(r, "%s", err);
	cr_expect_eq(r->smsk, A("255.0.255.0"));
	cr_expect_eq(r->dst, A("10.0.0.0"));
	cr_expect_eq(r->dmsk, A("255.0.0.0"));
	rule_free(r);

	/* 0/0 is no match at all, as iptables leaves it out. */
	r = parse("-s 0/0 -d 0.0.0.0/0");
	cr_assert_not_null(r, "%s", err);
	cr_expect_eq(r->flags, 0);
	rule_free(r);
}

Test(rule, interfaces)
{
	struct rule *r = parse("-i eth+ ! -o wan0");

	cr_assert_not_null(r, "%s", err);
	cr_expect_str_eq(r->iniface, "eth+");
	cr_expect_eq(r->inlen, 3);
	cr_expect_str_eq(r->outiface, "wan0");
	cr_expect_eq(r->outlen, 5);
	cr_expect_eq(r->invflags, RULE_INV_OUT);
	rule_free(r);

	r = parse("-i +");
	cr_assert_not_null(r, "%s", err);
	cr_expect_eq(r->inlen, 0);
	rule_free(r);
}

Test(rule, protocol_and_fragments)
{
	struct rule *r = parse("! -p TCP -f");

	cr_assert_not_null(r, "%s", err);
	cr_expect_eq(r->proto, 6);
	cr_expect_eq(r->invflags, RULE_INV_PROTO);
	cr_expect(r->flags & RULE_F_FRAG);
	rule_free(r);

	r = parse("-p 47 ! -f");
	cr_assert_not_null(r, "%s", err);
	cr_expect_eq(r->proto, 47);
	cr_expect_eq(r->invflags, RULE_INV_FRAG);
	rule_free(r);

	r = parse("-p all");
	cr_assert_not_null(r, "%s", err);
	cr_expect_eq(r->flags, 0);
	rule_free(r);

	r = parse("--protocol udp");
	cr_assert_not_null(r, "%s", err);
	cr_expect_eq(r->proto, 17);
	rule_free(r);
}

Test(rule, targets_and_counters)
{
	struct rule *r = parse("-j ACCEPT");

	cr_assert_not_null(r, "%s", err);
	cr_expect_eq(r->verdict, RULE_V_ACCEPT);
	rule_free(r);

	r = parse("-g mychain -c 10 2000");
	cr_assert_not_null(r, "%s", err);
	cr_expect_eq(r->verdict, RULE_V_GOTO);
	cr_expect_str_eq(r->jump, "mychain");
	cr_expect(r->flags & RULE_F_COUNTS);
	cr_expect_eq(r->init.pkts, 10);
	cr_expect_eq(r->init.bytes, 2000);
	rule_free(r);

	r = parse("--jump other");
	cr_assert_not_null(r, "%s", err);
	cr_expect_eq(r->verdict, RULE_V_JUMP);
	cr_expect_str_eq(r->jump, "other");
	rule_free(r);

	r = parse("");
	cr_assert_not_null(r, "%s", err);
	cr_expect_eq(r->verdict, RULE_V_NONE);
	rule_free(r);
}

Test(rule, long_option_equals)
{
	struct rule *r = parse("--source=10.0.0.1 --jump=DROP");

	cr_assert_not_null(r, "%s", err);
	cr_expect_eq(r->src, A("10.0.0.1"));
	cr_expect_eq(r->verdict, RULE_V_DROP);
	rule_free(r);
	expect_error("--fragment=1", "option \"--fragment\" takes no value (\"--fragment=1\")");
	expect_error("--sorce=1.2.3.4", "unknown option \"--sorce\" (did you mean --source?)");
}

Test(rule, origin_kept)
{
	struct rule *r = parse_at("-j DROP", "rules.v4", 7);

	cr_assert_not_null(r);
	cr_expect_str_eq(r->file, "rules.v4");
	cr_expect_eq(r->line, 7);
	rule_free(r);
}

Test(rule, equal)
{
	struct rule *a = parse("-s 10.0.0.1 -p tcp -j DROP");
	struct rule *b = parse("-p 6 --source 10.0.0.1/32 --jump DROP -c 5 5");
	struct rule *c = parse("-s 10.0.0.1 -p tcp -j ACCEPT");
	struct rule *d;

	cr_assert(a && b && c);
	cr_expect(rule_equal(a, b), "counters and spelling do not count");
	cr_expect_not(rule_equal(a, c));
	d = rule_clone(a);
	cr_assert_not_null(d);
	cr_expect(rule_equal(a, d));
	rule_free(a);
	rule_free(b);
	rule_free(c);
	rule_free(d);
}

/* ---- each malformed line, its message ---- */

Test(errors, ip_part)
{
	expect_error("-s example.com", "host names are not resolved: \"example.com\" is not an address");
	expect_error("-d localhost/8", "host names are not resolved: \"localhost\" is not an address");
	expect_error("-s 1.2.3.256", "\"1.2.3.256\" is not a valid address for -s");
	expect_error("-s 1.2.3.4.5", "\"1.2.3.4.5\" is not a valid address for -s");
	expect_error("-s 1.2.3.4/33", "\"33\" is not a valid value for -s (expected 0 to 32)");
	expect_error("-d 1.2.3.4/255.0.0.300", "\"255.0.0.300\" is not a valid mask for -d");
	expect_error("-s 1.2.3.4,5.6.7.8",
		     "\"1.2.3.4,5.6.7.8\": one address per rule (write a rule for each)");
	expect_error("-s 1.1.1.1 --src 2.2.2.2", "multiple -s flags not allowed");
	expect_error("-p tcp -p udp", "multiple -p flags not allowed");
	expect_error("-p foo", "unknown protocol \"foo\" specified");
	expect_error("-p 256", "\"256\" is not a valid value for -p (expected 0 to 255)");
	expect_error("! -p all", "rule would never match protocol");
	expect_error("-i abcdefghijklmnopq",
		     "interface name \"abcdefghijklmnopq\" must be 1 to 15 characters");
	expect_error("-o et+h", "\"et+h\" is not a valid interface name for -o");
	expect_error("-i", "option \"-i\" requires an argument");
	expect_error("-f -f", "multiple -f flags not allowed");
}

Test(errors, syntax)
{
	expect_error("foo", "Bad argument \"foo\"");
	expect_error("-s 10.0.0.1 bar", "Bad argument \"bar\"");
	expect_error("! ! -s 10.0.0.1", "multiple consecutive ! not allowed");
	expect_error("-s 10.0.0.1 !", "\"!\" at the end of the rule");
	expect_error("-s ! 10.0.0.1", "\"-s ! ...\": write the \"!\" before the option (\"! -s ...\")");
	expect_error("! -j DROP", "\"!\" is not allowed before -j");
	expect_error("! -m mark", "\"!\" is not allowed before -m");
	expect_error("-j ACCEPT -j DROP", "multiple -j flags not allowed");
	expect_error("-j DROP -g x", "multiple -j flags not allowed");
	expect_error("-g ACCEPT", "-g ACCEPT: goto needs a user chain");
	expect_error("-j aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		     "unknown target \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"");
	expect_error("-j \"Alim \"", "Invalid target name `Alim '");
	expect_error("-g \"a b\"", "Invalid target name `a b'");
	expect_error("-m foo", "unknown match \"foo\"");
	expect_error("-c 1", "-c packet and byte counters required");
	expect_error("-c x 1", "-c packet counter not numeric: \"x\"");
	expect_error("-c 1 -1", "-c byte counter not numeric: \"-1\"");
	expect_error("--bogus", "unknown option \"--bogus\"");
	expect_error("-x", "unknown option \"-x\"");
	expect_error("--sorce 1.2.3.4", "unknown option \"--sorce\" (did you mean --source?)");
	expect_error("--jumpp DROP", "unknown option \"--jumpp\" (did you mean --jump?)");
}

Test(errors, file_and_line)
{
	struct rule *r = parse_at("-s 10.0.0.1 --sorce 1.2.3.4", "rules.v4", 12);

	cr_expect_null(r);
	cr_expect_str_eq(err, "rules.v4:12: unknown option \"--sorce\" (did you mean --source?)");
}

/* ---- extensions (when linked) ---- */

Test(ext, implicit_protocol_match)
{
	const struct xt_match_ops *tcp = xt_match_find("tcp");
	struct rule *r;

	if (!tcp)
		cr_skip_test("no tcp match linked");
	r = parse("-p tcp --dport 22 -j ACCEPT");
	cr_assert_not_null(r, "%s", err);
	cr_expect_eq(r->n_matches, 1);
	cr_expect_eq(r->matches[0].ops, tcp);
	rule_free(r);

	/* -p tcp alone loads nothing; -m tcp then --dport uses that one. */
	r = parse("-p tcp -j ACCEPT");
	cr_assert_not_null(r, "%s", err);
	cr_expect_eq(r->n_matches, 0);
	rule_free(r);
	r = parse("-p tcp -m tcp --dport 22 --sport 1024:");
	cr_assert_not_null(r, "%s", err);
	cr_expect_eq(r->n_matches, 1);
	rule_free(r);
}

Test(ext, did_you_mean_extension_option)
{
	if (!xt_match_find("tcp"))
		cr_skip_test("no tcp match linked");
	expect_error("-p tcp --dprot 22", "unknown option \"--dprot\" (did you mean --dport?)");
	expect_error("-p tcp --dport ! 22",
		     "\"--dport ! ...\": write the \"!\" before the option (\"! --dport ...\")");
	expect_error("--dport 22", "unknown option \"--dport\" (it belongs to -m tcp)");
	/* The loaded match's options are the candidates. */
	expect_error("-m tcp --sprt 22", "unknown option \"--sprt\" (did you mean --sport?)");
}

Test(ext, options_routed_latest_first)
{
	const struct xt_match_ops *mark = xt_match_find("mark");
	struct rule *r;

	if (!mark)
		cr_skip_test("no mark match linked");
	/* Two mark matches: each --mark goes to the latest loaded. */
	r = parse("-m mark --mark 1 -m mark --mark 2");
	cr_assert_not_null(r, "%s", err);
	cr_assert_eq(r->n_matches, 2);
	cr_expect_neq(memcmp(r->matches[0].data, r->matches[1].data, mark->size), 0);
	rule_free(r);
}
