// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The -L form of extension options (see cmd_listext.h). Each function
 * reads the canonical save tokens of one extension and prints what
 * `iptables -L -n` (1.8.9, nft back end) prints for them; the pairs were
 * taken from the real iptables and are pinned by tests/unit/
 * test_cmd_iptables.c. Listings are always numeric (tunfilter resolves no
 * names), so only the -n forms exist here.
 *
 * The save text is trusted to be canonical (it comes from ops->print), but
 * nothing here may crash on odd input: a missing argument reads as "", an
 * unknown option is copied through.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "control/cmd_listext.h"
#include "tables/parse.h"

/* The tokens of one extension's options and a cursor over them. */
struct listext_args {
	int argc;
	char **argv;
	int i;
};

/* Next option: "!" before it sets *inv. NULL at the end. */
static const char *listext_opt(struct listext_args *a, bool *inv)
{
	*inv = false;
	if (a->i < a->argc && strcmp(a->argv[a->i], "!") == 0) {
		*inv = true;
		a->i++;
	}
	return a->i < a->argc ? a->argv[a->i++] : NULL;
}

/* The option's argument, "" when missing. */
static const char *listext_arg(struct listext_args *a)
{
	return a->i < a->argc ? a->argv[a->i++] : "";
}

static unsigned long listext_num(const char *s)
{
	return strtoul(s, NULL, 0);
}

/* "V[/M]" with a default mask. */
static void listext_valmask(const char *s, unsigned long defmask, unsigned long *v,
			    unsigned long *m)
{
	char *end;

	*v = strtoul(s, &end, 0);
	*m = *end == '/' ? strtoul(end + 1, NULL, 0) : defmask;
}

/* An unknown option: shown as it was saved. */
static void listext_raw(struct out *o, const char *opt, bool inv)
{
	out_text(o, " %s%s", inv ? "! " : "", opt);
}

/* ---- matches ---- */

/* tcp/udp "spt:22", "spts:1024:65535", "dpt:!80" */
static void listext_port(struct out *o, const char *name, const char *arg, bool inv)
{
	out_text(o, " %s%s:%s%s", name, strchr(arg, ':') ? "s" : "", inv ? "!" : "", arg);
}

static unsigned int listext_tcpflag_bits(const char *list)
{
	static const struct { const char *name; unsigned int bit; } flags[] = {
		{ "FIN", 0x01 }, { "SYN", 0x02 }, { "RST", 0x04 }, { "PSH", 0x08 },
		{ "ACK", 0x10 }, { "URG", 0x20 }, { "ECE", 0x40 }, { "CWR", 0x80 },
		{ "ALL", 0x3f }, { "NONE", 0x00 },
	};
	unsigned int bits = 0, i;
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, ",");

		for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
			if (strlen(flags[i].name) == n && strncasecmp(p, flags[i].name, n) == 0)
				bits |= flags[i].bit;
		p += n;
		p += *p == ',';
	}
	return bits;
}

static void listext_tcpflags(struct out *o, unsigned int mask, unsigned int cmp, bool inv)
{
	if (mask || inv)
		out_text(o, " flags:%s0x%02X/0x%02X", inv ? "!" : "", mask, cmp);
}

static void listext_tcp(struct out *o, struct listext_args *a)
{
	const char *opt, *mask;
	bool inv;

	out_text(o, " tcp");
	while ((opt = listext_opt(a, &inv)) != NULL) {
		if (!strcmp(opt, "--sport") || !strcmp(opt, "--source-port")) {
			listext_port(o, "spt", listext_arg(a), inv);
		} else if (!strcmp(opt, "--dport") || !strcmp(opt, "--destination-port")) {
			listext_port(o, "dpt", listext_arg(a), inv);
		} else if (!strcmp(opt, "--tcp-flags")) {
			mask = listext_arg(a);
			listext_tcpflags(o, listext_tcpflag_bits(mask),
					 listext_tcpflag_bits(listext_arg(a)), inv);
		} else if (!strcmp(opt, "--syn")) {
			listext_tcpflags(o, 0x17, 0x02, inv);
		} else if (!strcmp(opt, "--tcp-option")) {
			out_text(o, " option=%s%s", inv ? "!" : "", listext_arg(a));
		} else {
			listext_raw(o, opt, inv);
		}
	}
}

static void listext_udp(struct out *o, struct listext_args *a)
{
	const char *opt;
	bool inv;

	out_text(o, " udp");
	while ((opt = listext_opt(a, &inv)) != NULL) {
		if (!strcmp(opt, "--sport") || !strcmp(opt, "--source-port"))
			listext_port(o, "spt", listext_arg(a), inv);
		else if (!strcmp(opt, "--dport") || !strcmp(opt, "--destination-port"))
			listext_port(o, "dpt", listext_arg(a), inv);
		else
			listext_raw(o, opt, inv);
	}
}

/* "icmptype 3 code 4", "icmp !type 0": iptables prints " icmp", then " !"
 * when inverted, then "type N" without a space before it. */
static void listext_icmp(struct out *o, struct listext_args *a)
{
	unsigned long type = 255, cmin = 0, cmax = 255;
	const char *opt, *arg;
	char *end;
	bool inv;

	while ((opt = listext_opt(a, &inv)) != NULL) {
		if (strcmp(opt, "--icmp-type")) {
			listext_raw(o, opt, inv);
			continue;
		}
		arg = listext_arg(a);
		if (strcmp(arg, "any")) {
			type = strtoul(arg, &end, 10);
			if (*end == '/')
				cmin = cmax = strtoul(end + 1, NULL, 10);
			else if (*end)
				type = 256; /* a name: never saved so, shown raw */
		}
		if (type > 255) {
			out_text(o, " icmp %stype %s", inv ? "!" : "", arg);
			continue;
		}
		out_text(o, " icmp%stype %lu", inv ? " !" : "", type);
		if (cmin == cmax)
			out_text(o, " code %lu", cmin);
		else if (cmin != 0 || cmax != 255)
			out_text(o, " codes %lu-%lu", cmin, cmax);
	}
}

static void listext_multiport(struct out *o, struct listext_args *a)
{
	const char *opt;
	bool inv;

	out_text(o, " multiport");
	while ((opt = listext_opt(a, &inv)) != NULL) {
		if (!strcmp(opt, "--dports") || !strcmp(opt, "--destination-ports") ||
		    !strcmp(opt, "--sports") || !strcmp(opt, "--source-ports") ||
		    !strcmp(opt, "--ports"))
			out_text(o, " %s %s%s", opt[2] == 'd' ? "dports" : opt[2] == 's' ?
				 "sports" : "ports", inv ? " !" : "", listext_arg(a));
		else
			listext_raw(o, opt, inv);
	}
}

static void listext_limit(struct out *o, struct listext_args *a)
{
	const char *rate = "3/hour", *burst = "5", *opt;
	bool inv;

	while ((opt = listext_opt(a, &inv)) != NULL) {
		if (!strcmp(opt, "--limit"))
			rate = listext_arg(a);
		else if (!strcmp(opt, "--limit-burst"))
			burst = listext_arg(a);
	}
	out_text(o, " limit: avg %s burst %s", rate, burst);
}

static void listext_mark(struct out *o, struct listext_args *a)
{
	const char *opt;
	bool inv;

	while ((opt = listext_opt(a, &inv)) != NULL) {
		if (!strcmp(opt, "--mark"))
			out_text(o, " mark match %s%s", inv ? "! " : "", listext_arg(a));
		else
			listext_raw(o, opt, inv);
	}
}

static void listext_comment(struct out *o, struct listext_args *a)
{
	const char *opt;
	bool inv;

	while ((opt = listext_opt(a, &inv)) != NULL) {
		if (!strcmp(opt, "--comment"))
			out_text(o, " /* %s */", listext_arg(a));
		else
			listext_raw(o, opt, inv);
	}
}

static void listext_iprange(struct out *o, struct listext_args *a)
{
	const char *opt;
	bool inv;

	while ((opt = listext_opt(a, &inv)) != NULL) {
		if (!strcmp(opt, "--src-range") || !strcmp(opt, "--dst-range"))
			out_text(o, " %s IP range %s%s", opt[2] == 's' ? "source" : "destination",
				 inv ? "! " : "", listext_arg(a));
		else
			listext_raw(o, opt, inv);
	}
}

static void listext_length(struct out *o, struct listext_args *a)
{
	const char *opt;
	bool inv;

	while ((opt = listext_opt(a, &inv)) != NULL) {
		if (!strcmp(opt, "--length"))
			out_text(o, " length %s%s", inv ? "!" : "", listext_arg(a));
		else
			listext_raw(o, opt, inv);
	}
}

static void listext_ttl(struct out *o, struct listext_args *a)
{
	const char *opt, *op;
	bool inv;

	while ((opt = listext_opt(a, &inv)) != NULL) {
		if (!strcmp(opt, "--ttl-eq"))
			op = inv ? "!=" : "==";
		else if (!strcmp(opt, "--ttl-gt"))
			op = ">";
		else if (!strcmp(opt, "--ttl-lt"))
			op = "<";
		else
			op = NULL;
		if (op)
			out_text(o, " TTL match TTL %s %s", op, listext_arg(a));
		else
			listext_raw(o, opt, inv);
	}
}

/* TOS names of iptables' tos match and TOS target (mask 0x3f with a name). */
static bool listext_tos_name(const char *s, unsigned long *v)
{
	static const struct { const char *name; unsigned long v; } names[] = {
		{ "Minimize-Delay", 0x10 }, { "Maximize-Throughput", 0x08 },
		{ "Maximize-Reliability", 0x04 }, { "Minimize-Cost", 0x02 },
		{ "Normal-Service", 0x00 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(s, names[i].name) == 0) {
			*v = names[i].v;
			return true;
		}
	}
	return false;
}

static void listext_tos_value(const char *arg, unsigned long *v, unsigned long *m)
{
	if (listext_tos_name(arg, v))
		*m = 0x3f;
	else
		listext_valmask(arg, 0xff, v, m);
}

static void listext_tos(struct out *o, struct listext_args *a)
{
	unsigned long v, m;
	const char *opt;
	bool inv;

	while ((opt = listext_opt(a, &inv)) != NULL) {
		if (strcmp(opt, "--tos")) {
			listext_raw(o, opt, inv);
			continue;
		}
		listext_tos_value(listext_arg(a), &v, &m);
		out_text(o, " tos match%s0x%02lx/0x%02lx", inv ? "!" : "", v, m);
	}
}

static unsigned long listext_dscp_class(const char *name)
{
	static const struct { const char *name; unsigned long v; } classes[] = {
		{ "CS0", 0 }, { "CS1", 8 }, { "CS2", 16 }, { "CS3", 24 }, { "CS4", 32 },
		{ "CS5", 40 }, { "CS6", 48 }, { "CS7", 56 }, { "BE", 0 },
		{ "AF11", 10 }, { "AF12", 12 }, { "AF13", 14 }, { "AF21", 18 }, { "AF22", 20 },
		{ "AF23", 22 }, { "AF31", 26 }, { "AF32", 28 }, { "AF33", 30 }, { "AF41", 34 },
		{ "AF42", 36 }, { "AF43", 38 }, { "EF", 46 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (strcasecmp(name, classes[i].name) == 0)
			return classes[i].v;
	return 0;
}

static unsigned long listext_dscp_value(const char *opt, const char *arg)
{
	return strstr(opt, "-class") ? listext_dscp_class(arg) : listext_num(arg);
}

static void listext_dscp(struct out *o, struct listext_args *a)
{
	const char *opt;
	bool inv;

	while ((opt = listext_opt(a, &inv)) != NULL) {
		if (!strcmp(opt, "--dscp") || !strcmp(opt, "--dscp-class"))
			out_text(o, " DSCP match %s0x%02lx", inv ? "!" : "",
				 listext_dscp_value(opt, listext_arg(a)));
		else
			listext_raw(o, opt, inv);
	}
}

static void listext_addrtype(struct out *o, struct listext_args *a)
{
	const char *opt;
	bool inv;

	out_text(o, " ADDRTYPE match");
	while ((opt = listext_opt(a, &inv)) != NULL) {
		if (!strcmp(opt, "--src-type") || !strcmp(opt, "--dst-type"))
			out_text(o, " %s-type %s%s", opt[2] == 's' ? "src" : "dst", inv ? "!" : "",
				 listext_arg(a));
		else if (!strcmp(opt, "--limit-iface-in"))
			out_text(o, " limit-in");
		else if (!strcmp(opt, "--limit-iface-out"))
			out_text(o, " limit-out");
		else
			listext_raw(o, opt, inv);
	}
}

static void listext_pkttype(struct out *o, struct listext_args *a)
{
	const char *opt;
	bool inv;

	while ((opt = listext_opt(a, &inv)) != NULL) {
		if (!strcmp(opt, "--pkt-type"))
			out_text(o, " PKTTYPE %s %s", inv ? "!=" : "=", listext_arg(a));
		else
			listext_raw(o, opt, inv);
	}
}

/* " rpfilter loose validmark accept-local invert": the flags without "--". */
static void listext_rpfilter(struct out *o, struct listext_args *a)
{
	const char *opt;
	bool inv;

	out_text(o, " rpfilter");
	while ((opt = listext_opt(a, &inv)) != NULL)
		out_text(o, " %s", opt + strspn(opt, "-"));
}

/* ---- targets ---- */

static void listext_REJECT(struct out *o, struct listext_args *a)
{
	const char *with = "icmp-port-unreachable", *opt;
	bool inv;

	while ((opt = listext_opt(a, &inv)) != NULL)
		if (!strcmp(opt, "--reject-with"))
			with = listext_arg(a);
	out_text(o, " reject-with %s", with);
}

static unsigned long listext_log_level(const char *s)
{
	static const char *const names[] = {
		"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
	};
	unsigned long i;

	if (!strcasecmp(s, "panic"))
		return 0;
	if (!strcasecmp(s, "error"))
		return 3;
	if (!strcasecmp(s, "warn"))
		return 4;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(s, names[i]))
			return i;
	return listext_num(s);
}

static void listext_LOG(struct out *o, struct listext_args *a)
{
	static const struct { const char *opt; unsigned int bit; } flags[] = {
		{ "--log-tcp-sequence", 0x01 }, { "--log-tcp-options", 0x02 },
		{ "--log-ip-options", 0x04 }, { "--log-uid", 0x08 }, { "--log-macdecode", 0x20 },
	};
	const char *prefix = NULL, *opt;
	unsigned long level = 4;
	unsigned int bits = 0, i;
	bool inv;

	while ((opt = listext_opt(a, &inv)) != NULL) {
		if (!strcmp(opt, "--log-level"))
			level = listext_log_level(listext_arg(a));
		else if (!strcmp(opt, "--log-prefix"))
			prefix = listext_arg(a);
		for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
			if (!strcmp(opt, flags[i].opt))
				bits |= flags[i].bit;
	}
	out_text(o, " LOG flags %u level %lu", bits, level);
	if (prefix)
		out_text(o, " prefix \"%s\"", prefix);
}

/* libxt_MARK's mark_tg_print: the xmark pair shown as the operation it is. */
static void listext_MARK(struct out *o, struct listext_args *a)
{
	unsigned long mark = 0, mask = 0xffffffffUL, v, m;
	const char *opt, *arg;
	bool inv;

	while ((opt = listext_opt(a, &inv)) != NULL) {
		arg = listext_arg(a);
		listext_valmask(arg, 0xffffffffUL, &v, &m);
		if (!strcmp(opt, "--set-xmark")) {
			mark = v;
			mask = m;
		} else if (!strcmp(opt, "--set-mark")) {
			mark = v;
			mask = (v | m) & 0xffffffffUL;
		} else if (!strcmp(opt, "--and-mark")) {
			mark = 0;
			mask = ~v & 0xffffffffUL;
		} else if (!strcmp(opt, "--or-mark")) {
			mark = mask = v;
		} else if (!strcmp(opt, "--xor-mark")) {
			mark = v;
			mask = 0;
		}
	}
	if (mark == 0)
		out_text(o, " MARK and 0x%lx", ~mask & 0xffffffffUL);
	else if (mark == mask)
		out_text(o, " MARK or 0x%lx", mark);
	else if (mask == 0)
		out_text(o, " MARK xor 0x%lx", mark);
	else if (mask == 0xffffffffUL)
		out_text(o, " MARK set 0x%lx", mark);
	else
		out_text(o, " MARK xset 0x%lx/0x%lx", mark, mask);
}

static void listext_TOS(struct out *o, struct listext_args *a)
{
	unsigned long v = 0, m = 0xff, x;
	const char *opt, *arg;
	bool inv;

	while ((opt = listext_opt(a, &inv)) != NULL) {
		arg = listext_arg(a);
		x = listext_num(arg);
		if (!strcmp(opt, "--set-tos")) {
			listext_tos_value(arg, &v, &m);
		} else if (!strcmp(opt, "--and-tos")) {
			v = 0;
			m = ~x & 0xff;
		} else if (!strcmp(opt, "--or-tos")) {
			v = m = x;
		} else if (!strcmp(opt, "--xor-tos")) {
			v = x;
			m = 0;
		}
	}
	out_text(o, " TOS set 0x%02lx/0x%02lx", v, m);
}

static void listext_DSCP(struct out *o, struct listext_args *a)
{
	unsigned long v = 0;
	const char *opt;
	bool inv;

	while ((opt = listext_opt(a, &inv)) != NULL)
		v = listext_dscp_value(opt, listext_arg(a));
	out_text(o, " DSCP set 0x%02lx", v);
}

static void listext_TTL(struct out *o, struct listext_args *a)
{
	const char *opt, *what;
	bool inv;

	while ((opt = listext_opt(a, &inv)) != NULL) {
		if (!strcmp(opt, "--ttl-set"))
			what = "set to";
		else if (!strcmp(opt, "--ttl-dec"))
			what = "decrement by";
		else if (!strcmp(opt, "--ttl-inc"))
			what = "increment by";
		else
			what = NULL;
		if (what)
			out_text(o, " TTL %s %s", what, listext_arg(a));
		else
			listext_raw(o, opt, inv);
	}
}

static void listext_TCPMSS(struct out *o, struct listext_args *a)
{
	const char *opt;
	bool inv;

	while ((opt = listext_opt(a, &inv)) != NULL) {
		if (!strcmp(opt, "--set-mss"))
			out_text(o, " TCPMSS set %s", listext_arg(a));
		else if (!strcmp(opt, "--clamp-mss-to-pmtu"))
			out_text(o, " TCPMSS clamp to PMTU");
		else
			listext_raw(o, opt, inv);
	}
}

static void listext_NFQUEUE(struct out *o, struct listext_args *a)
{
	const char *num = "0", *balance = NULL, *opt;
	bool inv, bypass = false, fanout = false;

	while ((opt = listext_opt(a, &inv)) != NULL) {
		if (!strcmp(opt, "--queue-num"))
			num = listext_arg(a);
		else if (!strcmp(opt, "--queue-balance"))
			balance = listext_arg(a);
		else if (!strcmp(opt, "--queue-bypass"))
			bypass = true;
		else if (!strcmp(opt, "--queue-cpu-fanout"))
			fanout = true;
	}
	if (balance)
		out_text(o, " NFQUEUE balance %s", balance);
	else
		out_text(o, " NFQUEUE num %s", num);
	if (bypass)
		out_text(o, " bypass");
	if (fanout)
		out_text(o, " cpu-fanout");
}

/* Targets iptables -L shows nothing for. */
static void listext_nothing(struct out *o, struct listext_args *a)
{
}

/* ---- the table ---- */

struct listext {
	const char *name;
	bool target;
	void (*fn)(struct out *o, struct listext_args *a);
};

static const struct listext listext_table[] = {
	{ "tcp", false, listext_tcp },
	{ "udp", false, listext_udp },
	{ "icmp", false, listext_icmp },
	{ "multiport", false, listext_multiport },
	{ "limit", false, listext_limit },
	{ "mark", false, listext_mark },
	{ "comment", false, listext_comment },
	{ "iprange", false, listext_iprange },
	{ "length", false, listext_length },
	{ "ttl", false, listext_ttl },
	{ "tos", false, listext_tos },
	{ "dscp", false, listext_dscp },
	{ "addrtype", false, listext_addrtype },
	{ "pkttype", false, listext_pkttype },
	{ "rpfilter", false, listext_rpfilter },
	{ "REJECT", true, listext_REJECT },
	{ "LOG", true, listext_LOG },
	{ "MARK", true, listext_MARK },
	{ "TOS", true, listext_TOS },
	{ "DSCP", true, listext_DSCP },
	{ "TTL", true, listext_TTL },
	{ "TCPMSS", true, listext_TCPMSS },
	{ "NFQUEUE", true, listext_NFQUEUE },
	{ "TRACE", true, listext_nothing },
	{ "QUEUE", true, listext_nothing },
};

static const struct listext *listext_find(const char *name, bool target)
{
	unsigned int i;

	for (i = 0; i < sizeof(listext_table) / sizeof(listext_table[0]); i++)
		if (listext_table[i].target == target && !strcmp(listext_table[i].name, name))
			return &listext_table[i];
	return NULL;
}

bool cmd_listext_known(const char *name, bool target)
{
	return listext_find(name, target) != NULL;
}

void cmd_listext_print(struct out *o, const char *name, const char *opts, bool target)
{
	const struct listext *x = listext_find(name, target);
	struct parse_tokens t;
	char msg[128];
	struct xt_parse ps = { .err = msg, .errlen = sizeof(msg) };
	struct listext_args a;

	if (!x || parse_tokenize(opts, &t, &ps) < 0) {
		/* No -L form (or untokenizable): the name and the save text. */
		out_text(o, " %s%s", name, opts);
		return;
	}
	a.argc = t.argc;
	a.argv = t.argv;
	a.i = 0;
	x->fn(o, &a);
	parse_tokens_free(&t);
}
