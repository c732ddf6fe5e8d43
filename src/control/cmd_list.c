// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * -L, -S and the -v echo of a rule, laid out as iptables 1.8.9 (nft back
 * end) lays them out (xshared.c print_header / print_rule_details, nft-ipv4
 * print_fragment / print_ifaces / print_ipv4_addresses): the column widths,
 * the K/M/G counters and the odd spacing are copied on purpose, since
 * scripts cut these columns. The unit tests hold exact lines taken from the
 * real iptables.
 *
 * JSON comes from the same calls: each value names its key; the text
 * columns are formats that JSON mode skips.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "control/cmd_list.h"
#include "control/cmd_listext.h"
#include "core/hook.h"
#include "tables/save.h"

/* ---- values ---- */

void cmd_list_num(uint64_t v, unsigned int flags, bool notable, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	unsigned int u;

	if (flags & CMD_LIST_EXACT) {
		snprintf(buf, len, notable ? "%" PRIu64 " " : "%8" PRIu64 " ", v);
		return;
	}
	if (v <= 99999) {
		snprintf(buf, len, notable ? "%" PRIu64 " " : "%5" PRIu64 " ", v);
		return;
	}
	/* Rounded to the nearest unit, in the unsigned arithmetic iptables
	 * uses (so 2^64 - 1 shows as "0K" there and here). */
	for (u = 0; u < 4; u++) {
		v = (v + 500) / 1000;
		if (v <= 9999 || u == 3)
			break;
	}
	snprintf(buf, len, notable ? "%" PRIu64 "%c " : "%4" PRIu64 "%c ", v, units[u]);
}

static struct rule_counts list_count(const struct cmd_list_counts *k, uint32_t slot)
{
	struct rule_counts zero = { 0, 0 };

	return k && k->snap && slot < k->n ? k->snap[slot] : zero;
}

/* xtables_ipaddr_to_numeric + xtables_ipmask_to_numeric: no "/32", a
 * prefix length when the mask is one, else the dotted mask. */
static void list_addr(uint32_t addr, uint32_t mask, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN], m[INET_ADDRSTRLEN];
	uint32_t hm = ntohl(mask);
	unsigned int plen = (unsigned int)__builtin_popcount(hm);

	inet_ntop(AF_INET, &addr, a, sizeof(a));
	if (hm == 0xffffffffu) {
		snprintf(buf, len, "%s", a);
	} else if (hm == (plen ? 0xffffffffu << (32 - plen) : 0)) {
		snprintf(buf, len, "%s/%u", a, plen);
	} else {
		inet_ntop(AF_INET, &mask, m, sizeof(m));
		snprintf(buf, len, "%s/%s", a, m);
	}
}

/* "!1.2.3.4" or " 1.2.3.4": the text column starts with the '!' or a blank. */
static void list_addr_col(bool inv, uint32_t addr, uint32_t mask, char *buf, size_t len)
{
	buf[0] = inv ? '!' : ' ';
	list_addr(addr, mask, buf + 1, len - 1);
}

static void list_iface(bool inv, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", inv ? "!" : "", name[0] ? name : "*");
}

/* A text value whose JSON form drops the leading blank. */
static const char *list_json(const char *s)
{
	return s + (s[0] == ' ');
}

static const char *list_policy(const struct chain *c)
{
	return c->policy == TF_ACCEPT ? "ACCEPT" : "DROP";
}

/* ---- the options column ---- */

/* The save text an extension's print writes, in a text-mode buffer. */
static char *list_ext_text(void (*print)(const void *data, struct out *o), const void *data)
{
	struct out s;

	out_init(&s, false);
	print(data, &s);
	if (s.oom) {
		out_free(&s);
		return NULL;
	}
	return s.buf ? s.buf : strdup("");
}

void cmd_list_options(const struct rule *r, struct out *o)
{
	unsigned int i;
	char *txt;

	for (i = 0; i < r->n_matches; i++) {
		const struct rule_match *m = &r->matches[i];

		txt = list_ext_text(m->ops->print, m->data);
		cmd_listext_print(o, m->ops->name, txt ? txt : "", false);
		free(txt);
	}
	if (r->verdict == RULE_V_TARGET) {
		txt = list_ext_text(r->target->print, r->tdata);
		cmd_listext_print(o, r->target->name, txt ? txt : "", true);
		free(txt);
	}
}

/* ---- -L ---- */

static void list_header(unsigned int flags, struct out *o)
{
	if (flags & CMD_LIST_LINENUMS)
		out_text(o, "%-4s ", "num");
	if ((flags & CMD_LIST_VERBOSE) && (flags & CMD_LIST_EXACT))
		out_text(o, "%8s %10s ", "pkts", "bytes");
	else if (flags & CMD_LIST_VERBOSE)
		out_text(o, "%5s %5s ", "pkts", "bytes");
	out_text(o, "%-9s  prot opt", "target");
	if (flags & CMD_LIST_VERBOSE)
		out_text(o, " %-6s %-6s ", "in", "out");
	out_text(o, " %-19s  %-19s \n", "source", "destination");
}

/* pkts and bytes: always in JSON, in the text with -v. */
static void list_counters(const struct rule_counts *c, unsigned int flags, bool text,
			  struct out *o)
{
	char p[32], b[32];

	out_u64(o, "pkts", NULL, c->pkts);
	out_u64(o, "bytes", NULL, c->bytes);
	if (!text || !(flags & CMD_LIST_VERBOSE))
		return;
	cmd_list_num(c->pkts, flags, false, p, sizeof(p));
	cmd_list_num(c->bytes, flags, false, b, sizeof(b));
	out_text(o, "%s%s", p, b);
}

/* The save specification, for JSON ("rule": "-p tcp -m tcp --dport 22 -j ACCEPT"). */
static void list_spec_json(const struct rule *r, struct out *o)
{
	struct out s;

	if (!o->json)
		return;
	out_init(&s, false);
	save_rule_spec(r, &s);
	out_str(o, "rule", NULL, s.buf ? list_json(s.buf) : "");
	out_free(&s);
}

static void list_rule(const struct rule *r, unsigned int num, unsigned int flags,
		      const struct cmd_list_counts *k, struct out *o)
{
	struct rule_counts c = list_count(k, r->slot);
	char prot[8], opt[4], in[IFNAMSIZ + 2], outif[IFNAMSIZ + 2], src[48], dst[48];
	bool verbose = flags & CMD_LIST_VERBOSE;
	struct out opts;

	out_obj_open(o, NULL);
	out_u64(o, "num", flags & CMD_LIST_LINENUMS ? "%-4" PRIu64 " " : NULL, num);
	list_counters(&c, flags, true, o);
	out_str(o, "target", "%-9s ", rule_target_name(r));
	snprintf(prot, sizeof(prot), "%c%u", r->invflags & RULE_INV_PROTO ? '!' : ' ', r->proto);
	out_str(o, "prot", NULL, list_json(prot));
	out_text(o, "%-5s ", prot);
	snprintf(opt, sizeof(opt), "%c%c", r->invflags & RULE_INV_FRAG ? '!' : '-',
		 r->flags & RULE_F_FRAG ? 'f' : '-');
	out_str(o, "opt", "%s ", opt);
	list_iface(r->invflags & RULE_INV_IN, r->iniface, in, sizeof(in));
	list_iface(r->invflags & RULE_INV_OUT, r->outiface, outif, sizeof(outif));
	out_str(o, "in", verbose ? " %-6s " : NULL, in);
	out_str(o, "out", verbose ? "%-6s " : NULL, outif);
	list_addr_col(r->invflags & RULE_INV_SRC, r->src, r->smsk, src, sizeof(src));
	list_addr_col(r->invflags & RULE_INV_DST, r->dst, r->dmsk, dst, sizeof(dst));
	out_str(o, "source", NULL, list_json(src));
	out_str(o, "destination", NULL, list_json(dst));
	out_text(o, "%-20s %-20s ", src, dst);
	out_bool(o, "goto", NULL, r->verdict == RULE_V_GOTO);
	if (r->verdict == RULE_V_GOTO)
		out_text(o, "[goto] ");
	out_init(&opts, false);
	cmd_list_options(r, &opts);
	out_text(o, "%s", opts.buf ? opts.buf : "");
	out_str(o, "options", NULL, opts.buf ? list_json(opts.buf) : "");
	out_free(&opts);
	list_spec_json(r, o);
	out_nl(o);
	out_obj_close(o);
}

static void list_chain_head(const struct chain *c, unsigned int flags,
			    const struct cmd_list_counts *k, bool text, struct out *o)
{
	char p[32], b[32];

	out_str(o, "chain", text ? "Chain %s" : NULL, c->name);
	if (c->builtin) {
		struct rule_counts pc = list_count(k, c->policy_slot);

		out_str(o, "policy", text ? " (policy %s" : NULL, list_policy(c));
		out_u64(o, "pkts", NULL, pc.pkts);
		out_u64(o, "bytes", NULL, pc.bytes);
		if (text && (flags & CMD_LIST_VERBOSE)) {
			cmd_list_num(pc.pkts, flags, true, p, sizeof(p));
			cmd_list_num(pc.bytes, flags, true, b, sizeof(b));
			out_text(o, " %spackets, %sbytes", p, b);
		}
		if (text)
			out_text(o, ")\n");
	} else {
		out_u64(o, "references", text ? " (%" PRIu64 " references)\n" : NULL, c->refs);
	}
	if (text)
		list_header(flags, o);
}

static void list_chain(const struct chain *c, unsigned int rulenum, unsigned int flags,
		       const struct cmd_list_counts *k, struct out *o)
{
	unsigned int i;

	out_obj_open(o, NULL);
	list_chain_head(c, flags, k, rulenum == 0, o);
	out_arr_open(o, "rules");
	for (i = 0; i < c->n_rules; i++)
		if (!rulenum || rulenum == i + 1)
			list_rule(c->rules[i], i + 1, flags, k, o);
	out_arr_close(o);
	out_obj_close(o);
}

int cmd_list_table(const struct ruleset *rs, enum xt_table t, const char *chain,
		   unsigned int rulenum, unsigned int flags, const struct cmd_list_counts *k,
		   struct out *o)
{
	unsigned int i, shown = 0;
	const struct chain *c;

	if (chain && !ruleset_chain_find(rs, t, chain))
		return -ENOENT;
	out_obj_open(o, NULL);
	out_str(o, "table", NULL, xt_table_name(t));
	out_arr_open(o, "chains");
	for (i = 0; (c = ruleset_chain_at(rs, t, i)) != NULL; i++) {
		if (chain && strcmp(chain, c->name))
			continue;
		/* A blank line between chains, none after the last. */
		if (shown++ && !rulenum)
			out_text(o, "\n");
		list_chain(c, chain ? rulenum : 0, flags, k, o);
	}
	out_arr_close(o);
	out_obj_close(o);
	return 0;
}

/* ---- -S ---- */

/* One line of -S: text "LINE\n", a JSON array element. */
static void list_spec_line(struct out *o, const char *line)
{
	out_str(o, "line", "%s\n", line);
}

/* "-A CHAIN spec", with -v "-c P B" placed before the target as
 * iptables-nft 1.8.9 places it ("... --dport 22 -c 10 2000 -j ACCEPT"). */
static void list_spec_rule(const struct chain *c, const struct rule *r, unsigned int flags,
			   const struct cmd_list_counts *k, struct out *o)
{
	struct rule_counts n = list_count(k, r->slot);
	struct out spec, tgt, line;
	size_t cut;

	out_init(&spec, false);
	out_init(&tgt, false);
	out_init(&line, false);
	save_rule_spec(r, &spec);
	if (r->verdict == RULE_V_GOTO) {
		out_text(&tgt, " -g %s", r->jump);
	} else if (r->verdict == RULE_V_TARGET) {
		out_text(&tgt, " -j %s", r->target->name);
		r->target->print(r->tdata, &tgt);
	} else if (r->verdict != RULE_V_NONE) {
		out_text(&tgt, " -j %s", rule_target_name(r));
	}
	cut = spec.len;
	if (tgt.len <= spec.len && spec.buf && tgt.buf &&
	    memcmp(spec.buf + spec.len - tgt.len, tgt.buf, tgt.len) == 0)
		cut = spec.len - tgt.len;
	out_text(&line, "-A %s%.*s", c->name, (int)cut, spec.buf ? spec.buf : "");
	if (flags & CMD_LIST_COUNTERS)
		out_text(&line, " -c %" PRIu64 " %" PRIu64, n.pkts, n.bytes);
	out_text(&line, "%s", spec.buf ? spec.buf + cut : "");
	list_spec_line(o, line.buf ? line.buf : "");
	out_free(&spec);
	out_free(&tgt);
	out_free(&line);
}

static void list_spec_chain_head(const struct chain *c, unsigned int flags,
				 const struct cmd_list_counts *k, struct out *o)
{
	char line[96];

	if (c->builtin) {
		struct rule_counts n = list_count(k, c->policy_slot);

		if (flags & CMD_LIST_COUNTERS)
			snprintf(line, sizeof(line), "-P %s %s -c %" PRIu64 " %" PRIu64, c->name,
				 list_policy(c), n.pkts, n.bytes);
		else
			snprintf(line, sizeof(line), "-P %s %s", c->name, list_policy(c));
	} else {
		snprintf(line, sizeof(line), "-N %s", c->name);
	}
	list_spec_line(o, line);
}

int cmd_list_spec(const struct ruleset *rs, enum xt_table t, const char *chain,
		  unsigned int rulenum, unsigned int flags, const struct cmd_list_counts *k,
		  struct out *o)
{
	const struct chain *c, *only = NULL;
	unsigned int i, j;

	if (chain && !(only = ruleset_chain_find(rs, t, chain)))
		return -ENOENT;
	out_arr_open(o, NULL);
	if (only && rulenum) {
		if (rulenum <= only->n_rules)
			list_spec_rule(only, only->rules[rulenum - 1], flags, k, o);
		out_arr_close(o);
		return 0;
	}
	/* The policies and chains first, then the rules, chain by chain. */
	for (i = 0; (c = ruleset_chain_at(rs, t, i)) != NULL; i++)
		if (!only || only == c)
			list_spec_chain_head(c, flags, k, o);
	for (i = 0; (c = ruleset_chain_at(rs, t, i)) != NULL; i++)
		if (!only || only == c)
			for (j = 0; j < c->n_rules; j++)
				list_spec_rule(c, c->rules[j], flags, k, o);
	out_arr_close(o);
	return 0;
}

/* ---- the -v echo ---- */

/* proto_to_name() with lookups off: iptables' own short table. */
static const char *list_proto_name(uint16_t proto)
{
	static const struct { uint16_t num; const char *name; } names[] = {
		{ 6, "tcp" }, { 132, "sctp" }, { 17, "udp" }, { 136, "udplite" },
		{ 1, "icmp" }, { 58, "icmpv6" }, { 50, "esp" }, { 51, "ah" }, { 135, "mh" },
		{ 0, "all" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].num == proto)
			return names[i].name;
	return NULL;
}

/* print_firewall_line() with FMT_PRINT_RULE: "target  prot opt -- in X out Y
 *  SRC  -> DST  options". */
void cmd_list_echo(const struct rule *r, struct out *o)
{
	char in[IFNAMSIZ + 2], outif[IFNAMSIZ + 2], src[48], dst[48];
	const char *pname = list_proto_name(r->proto);

	out_text(o, "%s %c", rule_target_name(r), r->invflags & RULE_INV_PROTO ? '!' : ' ');
	if (pname)
		out_text(o, "%s ", pname);
	else
		out_text(o, "%u ", r->proto);
	out_text(o, "opt %c%c ", r->invflags & RULE_INV_FRAG ? '!' : '-',
		 r->flags & RULE_F_FRAG ? 'f' : '-');
	list_iface(r->invflags & RULE_INV_IN, r->iniface, in, sizeof(in));
	list_iface(r->invflags & RULE_INV_OUT, r->outiface, outif, sizeof(outif));
	out_text(o, "in %s out %s ", in, outif);
	list_addr_col(r->invflags & RULE_INV_SRC, r->src, r->smsk, src, sizeof(src));
	list_addr_col(r->invflags & RULE_INV_DST, r->dst, r->dmsk, dst, sizeof(dst));
	out_text(o, "%s %c-> %s  ", src, dst[0], dst + 1);
	if (r->verdict == RULE_V_GOTO)
		out_text(o, "[goto] ");
	cmd_list_options(r, o);
	out_text(o, "\n");
}
