// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The iptables command line inside the daemon (see cmd_iptables.h).
 *
 * Parsing follows iptables 1.8.9's do_parse() as it behaves, checked
 * against the real binary:
 *
 *   scan    left to right, getopt style: short clusters ("-nvL", "-Lfoo"),
 *           "--long" and "--long=value"; an option with an optional argument
 *           (-L -S -Z -F -X -w) takes the next word only when it does not
 *           start with '-' or '!' ("-L -v INPUT" is "Bad argument `INPUT'").
 *           Everything else (-s -d -p -i -o -f -m -j -g and extension
 *           options, with their arguments) is collected, in order, as the
 *           rule for parse_rule(), the daemon's only rule parser.
 *   check   a command was given; the rule parses; DROP is not used in nat;
 *           no option the command forbids (iptables' commands_v_options
 *           table, measured option by option); the chain name's length;
 *           -o on INPUT/PREROUTING, -i on OUTPUT/POSTROUTING.
 *   run     on a clone of the live ruleset, committed as a whole; -C and
 *           the listings read the live one; -Z zeroes in place.
 *
 * Long options are spelled in full: unlike getopt_long, no abbreviation
 * ("--line" for "--line-numbers") is accepted (tunfilter(8)).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef HAVE_CONFIG_H
#include "autoconfig.h"
#endif
#include "control/cmd_iptables.h"
#include "control/cmd_list.h"
#include "core/router.h"
#include "tables/parse.h"
#include "tables/ruleset.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

/* The commands, in the bit order of iptables' cmdflags[] ("IDDRALFZZNXPESC"),
 * which decides the letter named in "Cannot use -X with -Y". */
enum {
	IPT_INSERT = 1u << 0,
	IPT_DELETE = 1u << 1,
	IPT_DELETE_NUM = 1u << 2,
	IPT_REPLACE = 1u << 3,
	IPT_APPEND = 1u << 4,
	IPT_LIST = 1u << 5,
	IPT_FLUSH = 1u << 6,
	IPT_ZERO = 1u << 7,
	IPT_ZERO_NUM = 1u << 8,
	IPT_NEW_CHAIN = 1u << 9,
	IPT_DELETE_CHAIN = 1u << 10,
	IPT_SET_POLICY = 1u << 11,
	IPT_RENAME = 1u << 12,
	IPT_LIST_RULES = 1u << 13,
	IPT_CHECK = 1u << 14,
};
#define IPT_N_CMDS 15
static const char ipt_cmdchars[IPT_N_CMDS + 1] = "IDDRALFZZNXPESC";

/* The options the legality table knows, in iptables' optflags[] order. */
enum {
	OPT_NUMERIC, OPT_SOURCE, OPT_DEST, OPT_PROTO, OPT_JUMP, OPT_VERBOSE, OPT_EXACT,
	OPT_IN, OPT_OUT, OPT_LINENUMS, OPT_COUNTERS, OPT_FRAG, IPT_N_OPTS,
};
static const char ipt_optchars[IPT_N_OPTS + 1] = "nsdpjvxio0cf";

/* 'x': the option is illegal with the command. Measured with iptables
 * 1.8.9 for every command and option (tests/unit/test_cmd_iptables.c
 * repeats a sample). */
static const char ipt_legal[IPT_N_CMDS][IPT_N_OPTS + 1] = {
	/*                        nsdpjvxio0cf */
	[0] /* INSERT */       = "x.....x..x..",
	[1] /* DELETE */       = "x.....x..xx.",
	[2] /* DELETE_NUM */   = "xxxxx.xxxxxx",
	[3] /* REPLACE */      = "x.....x..x..",
	[4] /* APPEND */       = "x.....x..x..",
	[5] /* LIST */         = ".xxxx..xx.xx",
	[6] /* FLUSH */        = "xxxxx.xxxxxx",
	[7] /* ZERO */         = "xxxxx.xxxxxx",
	[8] /* ZERO_NUM */     = "xxxxx.xxxxxx",
	[9] /* NEW_CHAIN */    = "xxxxx.xxxxxx",
	[10] /* DELETE_CHAIN */ = "xxxxx.xxxxxx",
	[11] /* SET_POLICY */  = "xxxxx.xxxx.x",
	[12] /* RENAME */      = "xxxxx.xxxxxx",
	[13] /* LIST_RULES */  = "xxxxx.xxxxxx",
	[14] /* CHECK */       = "x.....x..xx.",
};

enum ipt_has_arg { ARG_NO, ARG_REQ, ARG_OPT };

struct ipt_longopt {
	const char *name;
	char val;
	enum ipt_has_arg has;
};

/* Our own options ('0' is --line-numbers, 'J' --json, as iptables' values). */
static const struct ipt_longopt ipt_longopts[] = {
	{ "append", 'A', ARG_REQ }, { "delete", 'D', ARG_REQ }, { "check", 'C', ARG_REQ },
	{ "insert", 'I', ARG_REQ }, { "replace", 'R', ARG_REQ }, { "list", 'L', ARG_OPT },
	{ "list-rules", 'S', ARG_OPT }, { "flush", 'F', ARG_OPT }, { "zero", 'Z', ARG_OPT },
	{ "new-chain", 'N', ARG_REQ }, { "delete-chain", 'X', ARG_OPT },
	{ "rename-chain", 'E', ARG_REQ }, { "policy", 'P', ARG_REQ }, { "table", 't', ARG_REQ },
	{ "numeric", 'n', ARG_NO }, { "verbose", 'v', ARG_NO }, { "wait", 'w', ARG_OPT },
	{ "wait-interval", 'W', ARG_OPT }, { "exact", 'x', ARG_NO }, { "version", 'V', ARG_NO },
	{ "help", 'h', ARG_OPT }, { "line-numbers", '0', ARG_NO }, { "modprobe", 'M', ARG_REQ },
	{ "set-counters", 'c', ARG_REQ }, { "ipv4", '4', ARG_NO }, { "ipv6", '6', ARG_NO },
	{ "json", 'J', ARG_NO },
};

/* Short options of ours: letter and argument kind. */
static enum ipt_has_arg ipt_short(char ch, bool *mine)
{
	*mine = true;
	if (strchr("ACDRINEPtMc", ch))
		return ARG_REQ;
	if (strchr("LSFZXwWh", ch))
		return ARG_OPT;
	if (strchr("nvxV46", ch))
		return ARG_NO;
	*mine = false;
	return ARG_NO;
}

/* The rule's own options: name, whether it takes an argument, its bit. */
struct ipt_ruleopt {
	const char *name;
	bool arg;
	int opt;   /* OPT_*, or -1 (-m) */
};

static const struct ipt_ruleopt ipt_ruleopts[] = {
	{ "-s", true, OPT_SOURCE }, { "--source", true, OPT_SOURCE }, { "--src", true, OPT_SOURCE },
	{ "-d", true, OPT_DEST }, { "--destination", true, OPT_DEST }, { "--dst", true, OPT_DEST },
	{ "-p", true, OPT_PROTO }, { "--protocol", true, OPT_PROTO },
	{ "-i", true, OPT_IN }, { "--in-interface", true, OPT_IN },
	{ "-o", true, OPT_OUT }, { "--out-interface", true, OPT_OUT },
	{ "-j", true, OPT_JUMP }, { "--jump", true, OPT_JUMP },
	{ "-g", true, OPT_JUMP }, { "--goto", true, OPT_JUMP },
	{ "-m", true, -1 }, { "--match", true, -1 },
	{ "-f", false, OPT_FRAG }, { "--fragment", false, OPT_FRAG },
	{ "--fragments", false, OPT_FRAG },
};

static const struct ipt_ruleopt *ipt_ruleopt(const char *name)
{
	unsigned int i;

	for (i = 0; i < sizeof(ipt_ruleopts) / sizeof(ipt_ruleopts[0]); i++)
		if (!strcmp(ipt_ruleopts[i].name, name))
			return &ipt_ruleopts[i];
	return NULL;
}

#define IPT_MAX_LOADED 16

/* What the command line says, once scanned. */
struct ipt_args {
	unsigned int cmd;            /* IPT_* bits */
	const char *chain;
	const char *arg2;            /* -E: the new name; -P: the policy */
	unsigned int rulenum;        /* 0: none */
	const char *table;
	unsigned int opts;           /* 1u << OPT_* */
	unsigned int verbose;
	bool json, json_j, wait, wait_interval, help, version;
	struct rule_counts counts;
	/* The rule's words, in order (pointers into argv, never owned). */
	char **rargv;
	int rargc, rcap;
};

/* Scanner state. */
struct ipt_scan {
	int argc, i;
	const char *const *argv;
	struct ipt_args *a;
	struct out *e;
	bool inv;                    /* a "!" waits for its option */
	const struct xt_match_ops *loaded[IPT_MAX_LOADED];
	unsigned int n_loaded;
	const struct xt_target_ops *target;
};

/* ---- messages ---- */

static void ipt_vfail(struct out *e, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void ipt_vfail(struct out *e, const char *fmt, va_list ap)
{
	char msg[RULESET_ERR_MAX + 64];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	out_text(e, "tunfilter: %s\n", msg);
}

static void ipt_tryhelp(struct out *e)
{
	out_text(e, "Try `tunfilter -h' or 'tunfilter --help' for more information.\n");
}

int cmd_iptables_fail(struct out *e, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ipt_vfail(e, fmt, ap);
	va_end(ap);
	if (status == 2)
		ipt_tryhelp(e);
	return status;
}

/* A bad parameter: exit status 2. */
static int __attribute__((format(printf, 2, 3))) ipt_param(struct out *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ipt_vfail(e, fmt, ap);
	va_end(ap);
	ipt_tryhelp(e);
	return 2;
}

/* A word that is no option and no option's argument. iptables prints this
 * one without its name in front. */
static int ipt_bad_argument(struct out *e, const char *word)
{
	out_text(e, "Bad argument `%s'\n", word);
	ipt_tryhelp(e);
	return 2;
}

/* The result of a ruleset command: its message, status 1 or 2. */
static int ipt_report(struct out *e, int err, const char *msg)
{
	return cmd_iptables_fail(e, ruleset_exit_status(err), "%s",
				 msg && msg[0] ? msg : strerror(-err));
}

static void ipt_help(struct out *o)
{
	out_text(o,
		 "tunfilter v" PACKAGE_VERSION " (the iptables command line of tunfilterd)\n\n"
		 "Usage: tunfilter -[ACD] chain rule-specification [options]\n"
		 "       tunfilter -I chain [rulenum] rule-specification [options]\n"
		 "       tunfilter -R chain rulenum rule-specification [options]\n"
		 "       tunfilter -D chain rulenum [options]\n"
		 "       tunfilter -[LS] [chain [rulenum]] [options]\n"
		 "       tunfilter -[FZ] [chain] [options]\n"
		 "       tunfilter -[NX] chain\n"
		 "       tunfilter -E old-chain-name new-chain-name\n"
		 "       tunfilter -P chain target [options]\n"
		 "       tunfilter -h (print this help information)\n\n"
		 "Commands:\n"
		 "  --append  -A chain            Append to chain\n"
		 "  --check   -C chain            Check for the existence of a rule\n"
		 "  --delete  -D chain [rulenum]  Delete a matching rule (or rule rulenum)\n"
		 "  --insert  -I chain [rulenum]  Insert in chain as rulenum (default 1)\n"
		 "  --replace -R chain rulenum    Replace rule rulenum (1 = first)\n"
		 "  --list    -L [chain [rulenum]] List the rules (always numeric)\n"
		 "  --list-rules -S [chain [rulenum]] Print the rules as commands\n"
		 "  --flush   -F [chain]          Delete all rules in chain or all chains\n"
		 "  --zero    -Z [chain [rulenum]] Zero counters\n"
		 "  --new-chain -N chain          Create a user chain\n"
		 "  --delete-chain -X [chain]     Delete a user chain (or all)\n"
		 "  --policy  -P chain target     Set the policy of a built-in chain\n"
		 "  --rename-chain -E old new     Rename a user chain (and its jumps)\n\n"
		 "Options:\n"
		 "[!] --protocol -p proto   [!] --source -s address[/mask]\n"
		 "[!] --destination -d address[/mask]\n"
		 "[!] --in-interface -i name[+]   [!] --out-interface -o name[+]\n"
		 "[!] --fragment -f   --jump -j target   --goto -g chain   --match -m match\n"
		 "  --table -t table   --verbose -v   --numeric -n (the default)\n"
		 "  --exact -x   --line-numbers   --set-counters -c PKTS BYTES\n"
		 "  --wait -w [seconds], --wait-interval -W (accepted, ignored: no lock)\n"
		 "  -j after -L or -S alone, or --json: answer in JSON\n\n"
		 "See tunfilter(8).\n");
}

/* ---- scanning ---- */

static bool ipt_has_arg(const struct ipt_scan *s)
{
	return s->i < s->argc && s->argv[s->i][0] != '-' && s->argv[s->i][0] != '!';
}

static const char *ipt_cmdchar_str(unsigned int cmd, char *buf)
{
	unsigned int i;

	for (i = 0; i < IPT_N_CMDS; i++)
		if (cmd & (1u << i))
			break;
	buf[0] = i < IPT_N_CMDS ? ipt_cmdchars[i] : '?';
	buf[1] = '\0';
	return buf;
}

static int ipt_add_cmd(struct ipt_scan *s, unsigned int cmd, unsigned int others)
{
	char a[2], b[2];

	if (s->a->cmd & ~others)
		return ipt_param(s->e, "Cannot use -%s with -%s", ipt_cmdchar_str(cmd, a),
				 ipt_cmdchar_str(s->a->cmd & ~others, b));
	s->a->cmd |= cmd;
	return 0;
}

/* parse_rulenumber(): 1 to INT_MAX. */
static int ipt_rulenum(struct ipt_scan *s, const char *word)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(word, &end, 10);
	if (!word[0] || *end || errno || v < 1 || v > INT_MAX || word[0] == '-' || word[0] == '+')
		return ipt_param(s->e, "Invalid rule number `%s'", word);
	s->a->rulenum = (unsigned int)v;
	return 0;
}

/* "-c P B" or "-c P,B" (xshared.c). */
static int ipt_counters(struct ipt_scan *s, const char *pcnt)
{
	const char *bcnt = pcnt[0] ? strchr(pcnt + 1, ',') : NULL;
	char *end;

	if (bcnt)
		bcnt++;
	if (!bcnt && ipt_has_arg(s))
		bcnt = s->argv[s->i++];
	if (!bcnt)
		return ipt_param(s->e, "-c requires packet and byte counter");
	errno = 0;
	s->a->counts.pkts = strtoull(pcnt, &end, 10);
	if (end == pcnt || errno)
		return ipt_param(s->e, "-c packet counter not numeric");
	s->a->counts.bytes = strtoull(bcnt, &end, 10);
	if (end == bcnt || errno)
		return ipt_param(s->e, "-c byte counter not numeric");
	return 0;
}

/* -w/-W: an optional number of seconds, ignored (there is no lock). */
static int ipt_wait(struct ipt_scan *s, const char *arg, bool interval)
{
	char *end;

	if (!arg && ipt_has_arg(s))
		arg = s->argv[s->i++];
	if (interval) {
		s->a->wait_interval = true;
		out_text(s->e, "Ignoring deprecated --wait-interval option.\n");
	} else {
		s->a->wait = true;
	}
	if (arg && !interval) {
		strtoul(arg, &end, 10);
		if (end == arg || *end)
			return ipt_param(s->e, "wait seconds not numeric");
	}
	return 0;
}

static int ipt_set_opt(struct ipt_scan *s, int opt)
{
	s->a->opts |= 1u << opt;
	return 0;
}

/* A chain (and more) for a command that needs one. */
static int ipt_cmd_with_chain(struct ipt_scan *s, char val, const char *arg)
{
	struct ipt_args *a = s->a;
	int e;

	a->chain = arg;
	switch (val) {
	case 'A':
		return ipt_add_cmd(s, IPT_APPEND, 0);
	case 'C':
		return ipt_add_cmd(s, IPT_CHECK, 0);
	case 'N':
		return ipt_add_cmd(s, IPT_NEW_CHAIN, 0);
	case 'D':
		if ((e = ipt_add_cmd(s, IPT_DELETE, 0)))
			return e;
		if (ipt_has_arg(s)) {
			a->cmd = (a->cmd & ~IPT_DELETE) | IPT_DELETE_NUM;
			return ipt_rulenum(s, s->argv[s->i++]);
		}
		return 0;
	case 'I':
		if ((e = ipt_add_cmd(s, IPT_INSERT, 0)))
			return e;
		a->rulenum = 1;
		return ipt_has_arg(s) ? ipt_rulenum(s, s->argv[s->i++]) : 0;
	case 'R':
		if ((e = ipt_add_cmd(s, IPT_REPLACE, 0)))
			return e;
		if (!ipt_has_arg(s))
			return ipt_param(s->e, "-R requires a rule number");
		return ipt_rulenum(s, s->argv[s->i++]);
	case 'E':
		if ((e = ipt_add_cmd(s, IPT_RENAME, 0)))
			return e;
		if (!ipt_has_arg(s))
			return ipt_param(s->e, "-E requires old-chain-name and new-chain-name");
		a->arg2 = s->argv[s->i++];
		return 0;
	case 'P':
		if ((e = ipt_add_cmd(s, IPT_SET_POLICY, 0)))
			return e;
		if (!ipt_has_arg(s))
			return ipt_param(s->e, "-P requires a chain and a policy");
		a->arg2 = s->argv[s->i++];
		return 0;
	}
	return 0;
}

/* -L -S -Z -F -X: an optional chain (attached, or the next word when it
 * is no option), then for -L -S -Z an optional rule number. */
static int ipt_cmd_opt_chain(struct ipt_scan *s, char val, const char *arg)
{
	static const struct { char val; unsigned int cmd, others; bool num; } cmds[] = {
		{ 'L', IPT_LIST, IPT_ZERO | IPT_ZERO_NUM, true },
		{ 'S', IPT_LIST_RULES, IPT_ZERO | IPT_ZERO_NUM, true },
		{ 'Z', IPT_ZERO, IPT_LIST | IPT_LIST_RULES, true },
		{ 'F', IPT_FLUSH, 0, false },
		{ 'X', IPT_DELETE_CHAIN, 0, false },
	};
	unsigned int i;
	int e;

	for (i = 0; cmds[i].val != val; i++)
		;
	if ((e = ipt_add_cmd(s, cmds[i].cmd, cmds[i].others)))
		return e;
	if (arg)
		s->a->chain = arg;
	else if (ipt_has_arg(s))
		s->a->chain = s->argv[s->i++];
	if (!cmds[i].num || !ipt_has_arg(s))
		return 0;
	if (val == 'Z')
		s->a->cmd = (s->a->cmd & ~IPT_ZERO) | IPT_ZERO_NUM;
	return ipt_rulenum(s, s->argv[s->i++]);
}

/* One of our options, its argument already found when it takes one. */
static int ipt_option(struct ipt_scan *s, char val, const char *arg)
{
	struct ipt_args *a = s->a;

	if (s->inv) {
		/* Only rule options may follow "!". */
		if (val == 't')
			return ipt_param(s->e, "unexpected ! flag before --table");
		if (strchr("nvx0c", val))
			return ipt_param(s->e, "cannot have ! before -%c", val);
		return ipt_param(s->e, "unexpected '!' flag");
	}
	switch (val) {
	case 'A': case 'C': case 'D': case 'I': case 'R': case 'N': case 'E': case 'P':
		return ipt_cmd_with_chain(s, val, arg);
	case 'L': case 'S': case 'Z': case 'F': case 'X':
		return ipt_cmd_opt_chain(s, val, arg);
	case 't':
		a->table = arg;
		return 0;
	case 'n':
		return ipt_set_opt(s, OPT_NUMERIC);
	case 'v':
		a->verbose++;
		return ipt_set_opt(s, OPT_VERBOSE);
	case 'x':
		return ipt_set_opt(s, OPT_EXACT);
	case '0':
		return ipt_set_opt(s, OPT_LINENUMS);
	case 'c':
		ipt_set_opt(s, OPT_COUNTERS);
		return ipt_counters(s, arg);
	case 'w': case 'W':
		return ipt_wait(s, arg, val == 'W');
	case 'h':
		a->help = true;
		return 0;
	case 'V':
		a->version = true;
		return 0;
	case 'J':
		a->json = true;
		return 0;
	case '6':
		return ipt_param(s->e, "-6: tunfilter filters IPv4 only");
	default: /* '4', 'M': accepted, nothing to do */
		return 0;
	}
}

/* The argument of a required-argument option: attached text, or the next
 * word whatever it looks like (as getopt). */
static int ipt_required(struct ipt_scan *s, const char *word, const char *attached,
			const char **arg)
{
	if (attached && *attached) {
		*arg = attached;
		return 0;
	}
	if (s->i >= s->argc)
		return ipt_param(s->e, "option \"%s\" requires an argument", word);
	*arg = s->argv[s->i++];
	return 0;
}

static int ipt_push(struct ipt_scan *s, const char *word)
{
	struct ipt_args *a = s->a;

	if (a->rargc + 1 >= a->rcap) {
		int cap = a->rcap ? a->rcap * 2 : 16;
		char **v = realloc(a->rargv, (size_t)cap * sizeof(*v));

		if (!v)
			return cmd_iptables_fail(s->e, 1, "out of memory");
		a->rargv = v;
		a->rcap = cap;
	}
	/* parse_rule() reads the words and never writes them. */
	a->rargv[a->rargc++] = (char *)word;
	a->rargv[a->rargc] = NULL;
	return 0;
}

/* Where an extension option is declared: the target, the matches loaded so
 * far (latest first), else any registered extension (the -p protocol's
 * implicit match). NULL: unknown, parse_rule() will say so. */
static const struct xt_option *ipt_find_xopt(const struct xt_option *o, const char *name)
{
	for (; o && o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

static const struct xt_option *ipt_ext_opt(const struct ipt_scan *s, const char *name)
{
	const struct xt_option *o = NULL;
	const struct xt_match_ops *m;
	const struct xt_target_ops *t;
	unsigned int i;

	if (s->target)
		o = ipt_find_xopt(s->target->opts, name);
	for (i = s->n_loaded; !o && i-- > 0;)
		o = ipt_find_xopt(s->loaded[i]->opts, name);
	for (i = 0; !o && (m = xt_match_at(i)) != NULL; i++)
		o = ipt_find_xopt(m->opts, name);
	for (i = 0; !o && (t = xt_target_at(i)) != NULL; i++)
		o = ipt_find_xopt(t->opts, name);
	return o;
}

/* Push a rule option (the "!" before it is already pushed) and the words
 * it takes; attached: an argument glued to a short option ("-ptcp"). */
static int ipt_rule_word(struct ipt_scan *s, const char *word, const char *attached)
{
	const struct ipt_ruleopt *ro;
	const struct xt_option *xo;
	const char *arg, *eq = word[1] == '-' ? strchr(word, '=') : NULL;
	char name[64];
	int e, n;

	s->inv = false;
	if ((e = ipt_push(s, word)))
		return e;
	if (eq) {
		/* "--source=10.0.0.1": the argument is in the word (parse_rule
		 * reads that form too); only the option's bit is wanted here. */
		snprintf(name, sizeof(name), "%.*s", (int)(eq - word), word);
		ro = ipt_ruleopt(name);
		if (ro && ro->opt >= 0)
			s->a->opts |= 1u << ro->opt;
		return 0;
	}
	ro = ipt_ruleopt(word);
	if (ro) {
		if (ro->opt >= 0)
			s->a->opts |= 1u << ro->opt;
		if (!ro->arg)
			return 0;
		if (!attached && s->i >= s->argc)
			return 0; /* parse_rule says it needs an argument */
		arg = attached ? attached : s->argv[s->i++];
		if (!strcmp(word, "-m") || !strcmp(word, "--match")) {
			const struct xt_match_ops *m = xt_match_find(arg);

			if (m && s->n_loaded < IPT_MAX_LOADED)
				s->loaded[s->n_loaded++] = m;
		} else if (!strcmp(word, "-j") || !strcmp(word, "--jump")) {
			s->target = xt_target_find(arg);
		}
		return ipt_push(s, arg);
	}
	xo = ipt_ext_opt(s, word);
	n = !xo || !(xo->has_arg || xo->two_args) ? 0 : xo->two_args ? 2 : 1;
	while (n-- > 0 && s->i < s->argc)
		if ((e = ipt_push(s, s->argv[s->i++])))
			return e;
	return 0;
}

/* "-j" with nothing that can be a target after it: after -L/-S it asks
 * for JSON (checked once the command is known). */
static bool ipt_json_j(const struct ipt_scan *s, const char *word)
{
	return (!strcmp(word, "-j") || !strcmp(word, "--jump")) && !s->inv &&
	       (s->i >= s->argc || s->argv[s->i][0] == '-');
}

static int ipt_long(struct ipt_scan *s, const char *word)
{
	const char *eq = strchr(word, '='), *arg = NULL;
	size_t len = eq ? (size_t)(eq - word - 2) : strlen(word + 2);
	unsigned int i;
	int e;

	for (i = 0; i < sizeof(ipt_longopts) / sizeof(ipt_longopts[0]); i++) {
		const struct ipt_longopt *lo = &ipt_longopts[i];

		if (strlen(lo->name) != len || strncmp(lo->name, word + 2, len))
			continue;
		if (eq && lo->has == ARG_NO)
			return ipt_param(s->e, "option \"--%s\" doesn't allow an argument",
					 lo->name);
		if (lo->has == ARG_REQ && (e = ipt_required(s, word, eq ? eq + 1 : NULL, &arg)))
			return e;
		if (lo->has == ARG_OPT && eq)
			arg = eq + 1;
		return ipt_option(s, lo->val, arg);
	}
	if (ipt_json_j(s, word)) {
		s->a->json_j = true;
		return 0;
	}
	return ipt_rule_word(s, word, NULL);
}

/* A short option cluster: "-A", "-nvL", "-Lmychain", "-vs" + address. */
static int ipt_cluster(struct ipt_scan *s, const char *word)
{
	static const char *const rule_short[] = {
		['s'] = "-s", ['d'] = "-d", ['p'] = "-p", ['i'] = "-i", ['o'] = "-o",
		['j'] = "-j", ['g'] = "-g", ['m'] = "-m", ['f'] = "-f",
	};
	const char *p, *arg;
	enum ipt_has_arg has;
	bool mine;
	int e;

	if (!word[2] && ipt_json_j(s, word)) {
		s->a->json_j = true;
		return 0;
	}
	for (p = word + 1; *p; p++) {
		has = ipt_short(*p, &mine);
		if (!mine) {
			unsigned char ch = (unsigned char)*p;

			if (ch >= sizeof(rule_short) / sizeof(rule_short[0]) || !rule_short[ch]) {
				/* Not ours, not the rule's: parse_rule() names it. */
				if (p == word + 1)
					return ipt_rule_word(s, word, NULL);
				return ipt_param(s->e, "unknown option \"-%c\" in \"%s\"", *p, word);
			}
			if (ch == 'f') {
				if ((e = ipt_rule_word(s, rule_short[ch], NULL)))
					return e;
				continue;
			}
			return ipt_rule_word(s, rule_short[ch], p[1] ? p + 1 : NULL);
		}
		if (has == ARG_NO) {
			if ((e = ipt_option(s, *p, NULL)))
				return e;
			continue;
		}
		arg = NULL;
		if (has == ARG_REQ && (e = ipt_required(s, word, p + 1, &arg)))
			return e;
		if (has == ARG_OPT && p[1])
			arg = p + 1;
		return ipt_option(s, *p, arg);
	}
	return 0;
}

static int ipt_scan(struct ipt_scan *s)
{
	int e;

	while (s->i < s->argc) {
		const char *word = s->argv[s->i++];

		if (!strcmp(word, "!")) {
			if (s->inv)
				return ipt_param(s->e, "multiple consecutive ! not allowed");
			s->inv = true;
			if ((e = ipt_push(s, word)))
				return e;
			continue;
		}
		if (word[0] != '-' || !word[1])
			return ipt_bad_argument(s->e, word);
		if (word[1] == '-')
			e = ipt_long(s, word);
		else
			e = ipt_cluster(s, word);
		if (e)
			return e;
		if (s->a->help || s->a->version)
			return 0;
	}
	if (s->inv)
		return ipt_param(s->e, "nothing appropriate following !");
	return 0;
}

/* ---- checks ---- */

/* generic_opt_check(): an option is illegal when every command given
 * forbids it. The first illegal one, in optflags order, is named. */
static int ipt_check_opts(const struct ipt_args *a, struct out *e)
{
	unsigned int o, c;

	for (o = 0; o < IPT_N_OPTS; o++) {
		int legal = 0;

		if (!(a->opts & (1u << o)))
			continue;
		for (c = 0; c < IPT_N_CMDS; c++) {
			if (!(a->cmd & (1u << c)))
				continue;
			if (ipt_legal[c][o] != 'x')
				legal = 1;
			else if (legal == 0)
				legal = -1;
		}
		if (legal == -1)
			return ipt_param(e, "Illegal option `-%c' with this command", ipt_optchars[o]);
	}
	return 0;
}

#define IPT_RULE_CMDS (IPT_APPEND | IPT_INSERT | IPT_REPLACE | IPT_DELETE | IPT_CHECK)

static int ipt_check_chain(const struct ipt_args *a, struct out *e)
{
	const char *c = a->chain;

	if (c && strlen(c) > RULE_CHAIN_NAME_MAX)
		return ipt_param(e, "chain name `%s' too long (must be under %u chars)", c,
				 RULE_CHAIN_NAME_MAX + 1);
	if (!(a->cmd & IPT_RULE_CMDS) || !c)
		return 0;
	/* iptables ends these two messages with a newline of their own, which
	 * shows as a blank line before "Try ..."; kept, as scripts compare. */
	if ((!strcmp(c, "PREROUTING") || !strcmp(c, "INPUT")) && (a->opts & (1u << OPT_OUT)))
		return ipt_param(e, "Can't use -o with %s\n", c);
	if ((!strcmp(c, "POSTROUTING") || !strcmp(c, "OUTPUT")) && (a->opts & (1u << OPT_IN)))
		return ipt_param(e, "Can't use -i with %s\n", c);
	return 0;
}

/* ---- running ---- */

struct ipt_ctx {
	struct router *r;
	struct ipt_args *a;
	enum xt_table t;
	struct rule *rule;     /* the parsed rule, until a ruleset takes it */
	struct out *o, *e;
};

static unsigned int ipt_list_flags(const struct ipt_args *a)
{
	unsigned int f = 0;

	if (a->opts & (1u << OPT_VERBOSE))
		f |= CMD_LIST_VERBOSE | CMD_LIST_COUNTERS;
	if (a->opts & (1u << OPT_EXACT))
		f |= CMD_LIST_EXACT;
	if (a->opts & (1u << OPT_LINENUMS))
		f |= CMD_LIST_LINENUMS;
	return f;
}

/* One change on a clone of the live ruleset, committed whole. */
typedef int (*ipt_change_fn)(struct ipt_ctx *c, struct ruleset *rs, char *msg, size_t len);

static int ipt_change(struct ipt_ctx *c, ipt_change_fn fn)
{
	char msg[RULESET_ERR_MAX] = "";
	struct ruleset *rs = ruleset_clone(c->r->ruleset);
	int err;

	if (!rs)
		return cmd_iptables_fail(c->e, 1, "out of memory");
	err = fn(c, rs, msg, sizeof(msg));
	if (!err)
		err = ruleset_commit(c->r, rs, msg, sizeof(msg));
	if (err) {
		ruleset_free(rs);
		return ipt_report(c->e, err, msg);
	}
	return 0;
}

static int ipt_do_rule(struct ipt_ctx *c, struct ruleset *rs, char *msg, size_t len)
{
	const struct ipt_args *a = c->a;
	int err;

	if (a->cmd & IPT_DELETE)
		return ruleset_delete(rs, c->t, a->chain, c->rule, msg, len);
	if (a->cmd & IPT_APPEND)
		err = ruleset_append(rs, c->t, a->chain, c->rule, msg, len);
	else if (a->cmd & IPT_INSERT)
		err = ruleset_insert(rs, c->t, a->chain, a->rulenum, c->rule, msg, len);
	else
		err = ruleset_replace(rs, c->t, a->chain, a->rulenum, c->rule, msg, len);
	if (!err)
		c->rule = NULL; /* the clone owns it now */
	return err;
}

/* -A -I -R -D spec -C, and with -v the rule's line once it is done. */
static int ipt_rule_cmd(struct ipt_ctx *c)
{
	char msg[RULESET_ERR_MAX] = "";
	struct out echo;
	int ret;

	out_init(&echo, false);
	if (c->a->verbose)
		cmd_list_echo(c->rule, &echo);
	if (c->a->opts & (1u << OPT_COUNTERS)) {
		c->rule->init = c->a->counts;
		c->rule->flags |= RULE_F_COUNTS;
	}
	if ((c->a->cmd & (IPT_CHECK | IPT_DELETE)) &&
	    !ruleset_chain_find(c->r->ruleset, c->t, c->a->chain)) {
		/* iptables-nft looks for the rule without asking for the chain. */
		ret = cmd_iptables_fail(c->e, 1, "Bad rule (does a matching rule exist in that "
					"chain?).");
	} else if (c->a->cmd & IPT_CHECK) {
		ret = ruleset_check(c->r->ruleset, c->t, c->a->chain, c->rule, msg, sizeof(msg));
		ret = ret ? ipt_report(c->e, ret, msg) : 0;
	} else {
		ret = ipt_change(c, ipt_do_rule);
	}
	if (!ret && echo.buf)
		out_text(c->o, "%s", echo.buf);
	out_free(&echo);
	return ret;
}

static int ipt_do_delete_num(struct ipt_ctx *c, struct ruleset *rs, char *msg, size_t len)
{
	return ruleset_delete_num(rs, c->t, c->a->chain, c->a->rulenum, msg, len);
}

static int ipt_do_flush(struct ipt_ctx *c, struct ruleset *rs, char *msg, size_t len)
{
	return ruleset_flush(rs, c->t, c->a->chain, msg, len);
}

static int ipt_do_new_chain(struct ipt_ctx *c, struct ruleset *rs, char *msg, size_t len)
{
	return ruleset_new_chain(rs, c->t, c->a->chain, msg, len);
}

static int ipt_do_delete_chain(struct ipt_ctx *c, struct ruleset *rs, char *msg, size_t len)
{
	return ruleset_delete_chain(rs, c->t, c->a->chain, msg, len);
}

static int ipt_do_policy(struct ipt_ctx *c, struct ruleset *rs, char *msg, size_t len)
{
	const struct ipt_args *a = c->a;

	return ruleset_set_policy(rs, c->t, a->chain, a->arg2,
				  a->opts & (1u << OPT_COUNTERS) ? &a->counts : NULL, msg, len);
}

static int ipt_do_rename(struct ipt_ctx *c, struct ruleset *rs, char *msg, size_t len)
{
	return ruleset_rename_chain(rs, c->t, c->a->chain, c->a->arg2, msg, len);
}

/* "Flushing chain `INPUT'" and the like (-v), for chain or every chain of
 * the table that qualifies (user chains only for -X). */
static void ipt_say_chains(const struct ruleset *rs, enum xt_table t, const char *chain,
			   bool user_only, const char *verb, struct out *o)
{
	const struct chain *ch;
	unsigned int i;

	if (chain) {
		out_text(o, "%s chain `%s'\n", verb, chain);
		return;
	}
	for (i = 0; (ch = ruleset_chain_at(rs, t, i)) != NULL; i++)
		if (!user_only || !ch->builtin)
			out_text(o, "%s chain `%s'\n", verb, ch->name);
}

/* -F and -X with their -v lines (named from the ruleset before the change,
 * printed once it succeeded). */
static int ipt_flush_or_delete(struct ipt_ctx *c, bool del)
{
	struct out say;
	int ret;

	out_init(&say, false);
	if (c->a->verbose)
		ipt_say_chains(c->r->ruleset, c->t, c->a->chain, del,
			       del ? "Deleting" : "Flushing", &say);
	ret = ipt_change(c, del ? ipt_do_delete_chain : ipt_do_flush);
	if (!ret && say.buf)
		out_text(c->o, "%s", say.buf);
	out_free(&say);
	return ret;
}

/* Read and zero the counters the -Z of a listing covers, into a snapshot
 * array: what is listed is exactly what was zeroed, and an increment made
 * meanwhile lands either in the listing or in the counter that remains. */
static int ipt_read_zero(struct ipt_ctx *c, const struct ruleset *rs, struct rule_counts **out)
{
	struct counters *ctr = ruleset_counters(rs);
	const struct ipt_args *a = c->a;
	const struct chain *ch;
	struct rule_counts *snap;
	unsigned int i, j;

	snap = calloc(counters_snapshot_len(ctr) + 1, sizeof(*snap));
	if (!snap)
		return -ENOMEM;
	for (i = 0; (ch = ruleset_chain_at(rs, c->t, i)) != NULL; i++) {
		if (a->chain && strcmp(a->chain, ch->name))
			continue;
		if ((a->cmd & IPT_ZERO_NUM) && a->rulenum <= ch->n_rules) {
			uint32_t slot = ch->rules[a->rulenum - 1]->slot;

			counters_read_zero(ctr, slot, &snap[slot]);
			continue;
		}
		if (a->cmd & IPT_ZERO_NUM)
			continue;
		if (ch->builtin)
			counters_read_zero(ctr, ch->policy_slot, &snap[ch->policy_slot]);
		for (j = 0; j < ch->n_rules; j++)
			counters_read_zero(ctr, ch->rules[j]->slot, &snap[ch->rules[j]->slot]);
	}
	*out = snap;
	return 0;
}

/* -L / -S, with -Z: list and zero in one step. */
static int ipt_list(struct ipt_ctx *c)
{
	const struct ruleset *rs = c->r->ruleset;
	const struct ipt_args *a = c->a;
	struct counters *ctr = ruleset_counters(rs);
	bool zero = a->cmd & (IPT_ZERO | IPT_ZERO_NUM);
	struct cmd_list_counts k;
	struct rule_counts *snap = NULL;
	unsigned int flags = ipt_list_flags(a);
	int err;

	if (a->chain && !ruleset_chain_find(rs, c->t, a->chain))
		return cmd_iptables_fail(c->e, 1, "No chain/target/match by that name.");
	if (zero) {
		if (ipt_read_zero(c, rs, &snap) < 0)
			return cmd_iptables_fail(c->e, 1, "out of memory");
	} else {
		snap = counters_snapshot(ctr, false);
	}
	k.snap = snap;
	k.n = snap ? counters_snapshot_len(ctr) : 0;
	if (a->cmd & IPT_LIST)
		err = cmd_list_table(rs, c->t, a->chain, a->rulenum, flags & ~CMD_LIST_COUNTERS,
				     &k, c->o);
	else
		err = cmd_list_spec(rs, c->t, a->chain, a->rulenum,
				    flags & CMD_LIST_COUNTERS, &k, c->o);
	free(snap);
	if (err)
		return cmd_iptables_fail(c->e, 1, "No chain/target/match by that name.");
	if (zero && a->verbose && !(a->cmd & IPT_ZERO_NUM))
		ipt_say_chains(rs, c->t, a->chain, false, "Zeroing", c->o);
	return 0;
}

/* -Z alone: on the live counters, no commit needed. */
static int ipt_zero(struct ipt_ctx *c)
{
	char msg[RULESET_ERR_MAX] = "";
	int err;

	err = ruleset_zero(c->r->ruleset, c->t, c->a->chain,
			   c->a->cmd & IPT_ZERO_NUM ? c->a->rulenum : 0, msg, sizeof(msg));
	if (err)
		return ipt_report(c->e, err, msg);
	if (c->a->verbose && !(c->a->cmd & IPT_ZERO_NUM))
		ipt_say_chains(c->r->ruleset, c->t, c->a->chain, false, "Zeroing", c->o);
	return 0;
}

static int ipt_exec(struct ipt_ctx *c)
{
	unsigned int cmd = c->a->cmd;

	if (cmd & (IPT_LIST | IPT_LIST_RULES))
		return ipt_list(c);
	if (cmd & (IPT_APPEND | IPT_INSERT | IPT_REPLACE | IPT_DELETE | IPT_CHECK))
		return ipt_rule_cmd(c);
	if (cmd & IPT_DELETE_NUM)
		return ipt_change(c, ipt_do_delete_num);
	if (cmd & (IPT_ZERO | IPT_ZERO_NUM))
		return ipt_zero(c);
	if (cmd & IPT_FLUSH)
		return ipt_flush_or_delete(c, false);
	if (cmd & IPT_DELETE_CHAIN)
		return ipt_flush_or_delete(c, true);
	if (cmd & IPT_NEW_CHAIN)
		return ipt_change(c, ipt_do_new_chain);
	if (cmd & IPT_SET_POLICY)
		return ipt_change(c, ipt_do_policy);
	return ipt_change(c, ipt_do_rename);
}

/* Parse the rule words (every command: iptables reports a bad option even
 * where no rule is wanted), then the checks made after the scan. */
static int ipt_prepare(struct ipt_ctx *c)
{
	struct ipt_args *a = c->a;
	char msg[RULESET_ERR_MAX] = "";
	struct xt_parse ps = { .err = msg, .errlen = sizeof(msg), .table = (uint8_t)c->t };
	char *none[] = { NULL };
	int e;

	/* Every command parses its words: iptables reports a bad option even
	 * where no rule is wanted; a rule command without words is a rule
	 * that matches everything. */
	if ((a->rargc || (a->cmd & IPT_RULE_CMDS)) &&
	    parse_rule(a->rargc, a->rargv ? a->rargv : none, &ps, &c->rule))
		return ipt_param(c->e, "%s", msg[0] ? msg : "bad rule");
	/* iptables looks the chain of -j/-g up while it parses. */
	if (c->rule && (c->rule->verdict == RULE_V_JUMP || c->rule->verdict == RULE_V_GOTO) &&
	    !ruleset_chain_find(c->r->ruleset, c->t, c->rule->jump))
		return ipt_param(c->e, "Chain '%s' does not exist", c->rule->jump);
	/* Worded and laid out (blank lines included) as iptables prints it. */
	if (c->t == XT_TABLE_NAT && ((a->arg2 && (a->cmd & IPT_SET_POLICY) &&
				      !strcmp(a->arg2, "DROP")) ||
				     (c->rule && c->rule->verdict == RULE_V_DROP)))
		return ipt_param(c->e, "\nThe \"nat\" table is not intended for filtering, the "
				 "use of DROP is therefore inhibited.\n\n");
	if ((e = ipt_check_opts(a, c->e)) || (e = ipt_check_chain(a, c->e)))
		return e;
	return 0;
}

static int ipt_finish_scan(struct ipt_args *a, struct out *o, struct out *e)
{
	if (a->version) {
		out_text(o, "tunfilter v%s (iptables-compatible, IPv4)\n", PACKAGE_VERSION);
		return 0;
	}
	if (a->help) {
		ipt_help(o);
		return 0;
	}
	if (a->wait_interval && !a->wait)
		return ipt_param(e, "--wait-interval only makes sense with --wait\n");
	if (!a->cmd)
		return ipt_param(e, "no command specified");
	if (a->json_j && !(a->cmd & (IPT_LIST | IPT_LIST_RULES)))
		return ipt_param(e, "option \"-j\" requires an argument");
	if (a->table && xt_table_by_name(a->table) < 0)
		return ipt_param(e, "table '%s' does not exist", a->table);
	return -1;
}

bool cmd_iptables_is_cmdline(const char *arg0)
{
	return arg0 && arg0[0] == '-' && arg0[1];
}

int cmd_iptables_run(struct router *r, int argc, const char *const *argv, struct out *o,
		     struct out *e)
{
	struct ipt_args a = { 0 };
	struct ipt_scan s = { .argc = argc, .argv = argv, .a = &a, .e = e };
	struct ipt_ctx c = { .r = r, .a = &a, .t = XT_TABLE_FILTER, .o = o, .e = e };
	int ret;

	ret = ipt_scan(&s);
	if (!ret)
		ret = ipt_finish_scan(&a, o, e);
	if (ret >= 0)
		goto out;
	if (a.table)
		c.t = (enum xt_table)xt_table_by_name(a.table);
	if (!r->ruleset) {
		ret = cmd_iptables_fail(e, 1, "the tables are not initialised");
		goto out;
	}
	ret = ipt_prepare(&c);
	if (ret)
		goto out;
	if ((a.json || a.json_j) && !o->json) {
		/* Nothing is written yet: switch the reply to JSON. */
		out_free(o);
		o->json = true;
	}
	ret = ipt_exec(&c);
out:
	if (c.rule)
		rule_free(c.rule);
	free(a.rargv);
	return ret;
}
