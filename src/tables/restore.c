// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * iptables-restore (see restore.h). The text is applied line by line to a
 * ruleset the caller has not committed; any error stops at its line and
 * the caller throws the ruleset away, so the live one never sees half a
 * file. The whole result is compiled at the end: a jump loop or a target
 * used where it may not be is refused here too, naming its line.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tables/parse.h"
#include "tables/restore.h"

struct restore_state {
	struct ruleset *rs;
	const char *file;
	int line;
	unsigned int flags;
	int table;             /* enum xt_table while inside *table ... COMMIT, else -1 */
	int table_line;
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 2, 3)))
restore_err(struct restore_state *st, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (!st->err || !st->errlen)
		return -EINVAL;
	if (st->file)
		n = snprintf(st->err, st->errlen, "%s:%d: ", st->file, st->line);
	if (n < 0 || (size_t)n >= st->errlen)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(st->err + n, st->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A command's message, given the "FILE:LINE: " prefix unless the command
 * already named a line (a rule's own). */
static int restore_wrap(struct restore_state *st, int e, const char *msg)
{
	char prefix[64];

	if (!e)
		return 0;
	snprintf(prefix, sizeof(prefix), "%s:", st->file ? st->file : "");
	if (!st->file || strncmp(msg, prefix, strlen(prefix)) == 0)
		snprintf(st->err, st->errlen, "%s", msg);
	else
		restore_err(st, "%s", msg);
	return e;
}

/* "[12:345]" */
static int restore_counts(const char *s, struct rule_counts *k, const char **end)
{
	char *e;

	if (*s != '[' || !isdigit((unsigned char)s[1]))
		return -EINVAL;
	k->pkts = strtoull(s + 1, &e, 10);
	if (*e != ':' || !isdigit((unsigned char)e[1]))
		return -EINVAL;
	k->bytes = strtoull(e + 1, &e, 10);
	if (*e != ']')
		return -EINVAL;
	if (end)
		*end = e + 1;
	return 0;
}

static bool restore_is_num(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* ---- one command ---- */

static int restore_parse_rule(struct restore_state *st, int argc, char *const *argv,
			      const struct rule_counts *k, struct rule **out)
{
	struct xt_parse ps = {
		.file = st->file, .line = st->line, .err = st->err, .errlen = st->errlen,
		.table = (uint8_t)st->table,
	};
	int e = parse_rule(argc, argv, &ps, out);

	if (e)
		return e;
	if (k) {
		(*out)->init = *k;
		(*out)->flags |= RULE_F_COUNTS;
	}
	return 0;
}

int restore_command(struct ruleset *rs, enum xt_table t, int argc, char *const *argv,
		    const struct rule_counts *counts, const char *file, int line, char *err,
		    size_t errlen)
{
	struct restore_state st = {
		.rs = rs, .file = file, .line = line, .table = (int)t,
		.err = err, .errlen = errlen,
	};
	char msg[RULESET_ERR_MAX];
	const char *cmd, *chain;
	struct rule *r = NULL;
	unsigned int num = 0;
	int e, rest;

	msg[0] = '\0';
	if (argc < 1)
		return restore_err(&st, "empty command");
	cmd = argv[0];
	chain = argc > 1 ? argv[1] : NULL;
	if (!strcmp(cmd, "-A") || !strcmp(cmd, "--append") || !strcmp(cmd, "-I") ||
	    !strcmp(cmd, "--insert") || !strcmp(cmd, "-R") || !strcmp(cmd, "--replace")) {
		bool ins = cmd[1] == 'I' || !strcmp(cmd, "--insert");
		bool rep = cmd[1] == 'R' || !strcmp(cmd, "--replace");

		if (!chain)
			return restore_err(&st, "%s requires a chain", cmd);
		rest = 2;
		if ((ins || rep) && argc > 2 && restore_is_num(argv[2])) {
			num = (unsigned int)strtoul(argv[2], NULL, 10);
			rest = 3;
		} else if (rep) {
			return restore_err(&st, "%s requires a rule number", cmd);
		} else if (ins) {
			num = 1;
		}
		e = restore_parse_rule(&st, argc - rest, argv + rest, counts, &r);
		if (e)
			return e;
		if (ins)
			e = ruleset_insert(rs, t, chain, num, r, msg, sizeof(msg));
		else if (rep)
			e = ruleset_replace(rs, t, chain, num, r, msg, sizeof(msg));
		else
			e = ruleset_append(rs, t, chain, r, msg, sizeof(msg));
		if (e)
			rule_free(r);
		return restore_wrap(&st, e, msg);
	}
	if (!strcmp(cmd, "-D") || !strcmp(cmd, "--delete")) {
		if (!chain)
			return restore_err(&st, "%s requires a chain", cmd);
		if (argc == 3 && restore_is_num(argv[2]))
			return restore_wrap(&st, ruleset_delete_num(rs, t, chain,
					    (unsigned int)strtoul(argv[2], NULL, 10), msg,
					    sizeof(msg)), msg);
		e = restore_parse_rule(&st, argc - 2, argv + 2, NULL, &r);
		if (e)
			return e;
		e = ruleset_delete(rs, t, chain, r, msg, sizeof(msg));
		rule_free(r);
		return restore_wrap(&st, e, msg);
	}
	if (!strcmp(cmd, "-N") || !strcmp(cmd, "--new-chain")) {
		if (argc != 2)
			return restore_err(&st, "%s takes one chain name", cmd);
		return restore_wrap(&st, ruleset_new_chain(rs, t, chain, msg, sizeof(msg)), msg);
	}
	if (!strcmp(cmd, "-X") || !strcmp(cmd, "--delete-chain")) {
		if (argc > 2)
			return restore_err(&st, "%s takes at most one chain name", cmd);
		return restore_wrap(&st, ruleset_delete_chain(rs, t, chain, msg, sizeof(msg)), msg);
	}
	if (!strcmp(cmd, "-F") || !strcmp(cmd, "--flush")) {
		if (argc > 2)
			return restore_err(&st, "%s takes at most one chain name", cmd);
		return restore_wrap(&st, ruleset_flush(rs, t, chain, msg, sizeof(msg)), msg);
	}
	if (!strcmp(cmd, "-Z") || !strcmp(cmd, "--zero")) {
		if (argc > 3 || (argc == 3 && !restore_is_num(argv[2])))
			return restore_err(&st, "%s takes [CHAIN [RULENUM]]", cmd);
		num = argc == 3 ? (unsigned int)strtoul(argv[2], NULL, 10) : 0;
		return restore_wrap(&st, ruleset_zero(rs, t, chain, num, msg, sizeof(msg)), msg);
	}
	if (!strcmp(cmd, "-P") || !strcmp(cmd, "--policy")) {
		if (argc != 3)
			return restore_err(&st, "%s takes a chain and a policy", cmd);
		return restore_wrap(&st, ruleset_set_policy(rs, t, chain, argv[2], counts, msg,
							    sizeof(msg)), msg);
	}
	if (!strcmp(cmd, "-E") || !strcmp(cmd, "--rename-chain")) {
		if (argc != 3)
			return restore_err(&st, "%s takes the old and the new chain name", cmd);
		return restore_wrap(&st, ruleset_rename_chain(rs, t, chain, argv[2], msg,
							      sizeof(msg)), msg);
	}
	return restore_err(&st, "unknown command \"%s\"", cmd);
}

/* ---- lines ---- */

/* "*filter" */
static int restore_table_line(struct restore_state *st, const char *name)
{
	int t;

	if (st->table >= 0)
		return restore_err(st, "COMMIT expected before \"*%s\" (table %s opened at line %d)",
				   name, xt_table_name(st->table), st->table_line);
	t = xt_table_by_name(name);
	if (t < 0)
		return restore_err(st, "unknown table \"%s\"", name);
	st->table = t;
	st->table_line = st->line;
	if (!(st->flags & RESTORE_NOFLUSH) && ruleset_reset_table(st->rs, t) < 0)
		return restore_err(st, "out of memory");
	return 0;
}

/* ":NAME POLICY [p:b]" */
static int restore_chain_line(struct restore_state *st, const char *line)
{
	char name[RULE_CHAIN_NAME_MAX + 2], policy[16], ctr[64], msg[RULESET_ERR_MAX];
	const struct chain *c;
	struct rule_counts k;
	int n, e;

	ctr[0] = '\0';
	n = sscanf(line + 1, "%29s %15s %63s", name, policy, ctr);
	if (n < 2)
		return restore_err(st, "bad chain line \"%s\"", line);
	if (strlen(name) > RULE_CHAIN_NAME_MAX)
		return restore_err(st, "chain name \"%s\" too long (must be under %u chars)",
				   name, RULE_CHAIN_NAME_MAX + 1);
	c = ruleset_chain_find(st->rs, st->table, name);
	if (!c || !c->builtin) {
		if (c && (st->flags & RESTORE_NOFLUSH))
			e = ruleset_flush(st->rs, st->table, name, msg, sizeof(msg));
		else
			e = ruleset_new_chain(st->rs, st->table, name, msg, sizeof(msg));
		if (e)
			return restore_wrap(st, e, msg);
	}
	if (strcmp(policy, "-") == 0)
		return 0;
	if ((st->flags & RESTORE_COUNTERS) && restore_counts(ctr, &k, NULL) < 0)
		return restore_err(st, "invalid policy counters \"%s\" for chain \"%s\"", ctr,
				   name);
	e = ruleset_set_policy(st->rs, st->table, name, policy,
			       (st->flags & RESTORE_COUNTERS) ? &k : NULL, msg, sizeof(msg));
	return restore_wrap(st, e, msg);
}

/* "[p:b] -A CHAIN ..." and the other commands */
static int restore_rule_line(struct restore_state *st, const char *line)
{
	struct xt_parse ps = {
		.file = st->file, .line = st->line, .err = st->err, .errlen = st->errlen,
	};
	struct parse_tokens tok;
	struct rule_counts k;
	bool have_k = false;
	int e;

	if (line[0] == '[') {
		if (restore_counts(line, &k, &line) < 0)
			return restore_err(st, "bad counters at the start of the line");
		have_k = (st->flags & RESTORE_COUNTERS) != 0;
	}
	e = parse_tokenize(line, &tok, &ps);
	if (e)
		return e == -ENOMEM ? restore_err(st, "out of memory") : e;
	e = restore_command(st->rs, st->table, tok.argc, tok.argv, have_k ? &k : NULL, st->file,
			    st->line, st->err, st->errlen);
	parse_tokens_free(&tok);
	return e;
}

static int restore_line(struct restore_state *st, char *line)
{
	size_t n = strlen(line);

	while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
		line[--n] = '\0';
	while (*line == ' ' || *line == '\t')
		line++;
	if (!*line || *line == '#')
		return 0;
	if (*line == '*')
		return restore_table_line(st, line + 1);
	if (st->table < 0)
		return restore_err(st, "\"%s\" outside a table (\"*filter\" ... \"COMMIT\")", line);
	if (strcmp(line, "COMMIT") == 0) {
		st->table = -1;
		return 0;
	}
	if (*line == ':')
		return restore_chain_line(st, line);
	return restore_rule_line(st, line);
}

int restore_text(struct ruleset *rs, const char *text, size_t len, const char *file,
		 unsigned int flags, char *err, size_t errlen)
{
	struct restore_state st = {
		.rs = rs, .file = file ? file : "stdin", .flags = flags, .table = -1,
		.err = err, .errlen = errlen,
	};
	const char *p = text, *end = text + len;
	char *line;
	int e = 0;

	while (p < end && !e) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		st.line++;
		line = strndup(p, n);
		if (!line)
			return restore_err(&st, "out of memory");
		if (strlen(line) != n)
			e = restore_err(&st, "NUL byte in the text");
		else
			e = restore_line(&st, line);
		free(line);
		p += n + 1;
	}
	if (e)
		return e;
	if (st.table >= 0)
		return restore_err(&st, "COMMIT expected at the end of table %s (opened at line %d)",
				   xt_table_name(st.table), st.table_line);
	return ruleset_compile(rs, err, errlen);
}

int restore_file(struct ruleset *rs, const char *path, unsigned int flags, char *err,
		 size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	int e;

	if (!f) {
		e = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-e));
		return e;
	}
	do {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 65536);

			if (!nb) {
				free(buf);
				fclose(f);
				snprintf(err, errlen, "%s: out of memory", path);
				return -ENOMEM;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		free(buf);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	e = restore_text(rs, buf ? buf : "", len, path, flags, err, errlen);
	free(buf);
	return e;
}
