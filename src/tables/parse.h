/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rule language: the tokenizer for iptables-save lines and the parser
 * of one rule specification (what follows "-A CHAIN").
 *
 * Tokens are split on blanks; double quotes group (`--comment "a b"`), and
 * inside quotes a backslash escapes the next character, as iptables-restore
 * reads them. The parser takes the tokens of the rule only: the control
 * command strips its own options (-t, -A CHAIN, -I CHAIN N, -v, -w...)
 * first. Everything it does not know is an error, never ignored:
 *
 *   unknown option "--dprot" (did you mean --dport?)
 *   unknown match "foo"       unknown target "FOO"
 *   host names are not resolved: "example.com" is not an address
 *
 * Extension options are routed to the loaded match that declares them,
 * the latest loaded first (as iptables); "-p tcp" loads the tcp match
 * implicitly when one of its options follows.
 */
#ifndef TF_TABLES_PARSE_H
#define TF_TABLES_PARSE_H

#include "tables/rule.h"
#include "tables/xt.h"

struct parse_tokens {
	int argc;
	char **argv;       /* argc entries and a NULL */
	char *buf;         /* storage of the strings */
};

/* Split one line. 0 or -EINVAL ("unterminated quote") via xt_error(ps). */
int parse_tokenize(const char *line, struct parse_tokens *t, struct xt_parse *ps);
void parse_tokens_free(struct parse_tokens *t);

/*
 * Parse a rule from argv for table ps->table; ps->file/line name where it
 * comes from (kept in the rule for validation messages), ps->err receives
 * the message. On success *out is a new rule (rule_free() it unless a
 * ruleset took it). 0 or -EINVAL (-ENOMEM).
 */
int parse_rule(int argc, char *const *argv, struct xt_parse *ps, struct rule **out);

/* The edit (Levenshtein) distance, for "did you mean". */
unsigned int parse_distance(const char *a, const char *b);

#endif
