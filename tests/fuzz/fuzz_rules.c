// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The rule language on arbitrary text, with the round trip of save.h as
 * the property (STYLE.md: canonical output parses back in):
 *
 *   1. restore_text(input) on a fresh ruleset (all four tables). When it
 *      succeeds: S1 = save (every table, counters); S1 restores into
 *      another fresh ruleset without error, that ruleset compiles, and its
 *      save S2 is S1 byte for byte. When it fails, there is a message.
 *   2. Each line, tokenized (a "[p:b]" and "-A CHAIN" in front are
 *      skipped) and given to parse_rule for one of the four tables in
 *      turn. When it parses: its spec (save_rule_spec) parses again into
 *      an equal rule (rule_equal) whose spec is the same text.
 *
 * Every counters slot must be given back when the rulesets are freed.
 */
#include <string.h>
#include "fuzz.h"
#include "tables/parse.h"
#include "tables/restore.h"
#include "tables/ruleset.h"
#include "tables/save.h"

#define FUZZ_MAX_LINES 32

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

/* The save text of rs as a NUL-terminated string in o. */
static void fuzz_save(const struct ruleset *rs, struct out *o)
{
	out_init(o, false);
	save_ruleset(rs, -1, SAVE_COUNTERS | SAVE_NO_COMMENTS, 0, o);
	out_append(o, "", 1);
	FUZZ_CHECK(!o->oom, "save ran out of memory");
}

static void fuzz_restore_round_trip(const char *text, size_t len)
{
	struct counters *ctr = counters_new();
	struct ruleset *rs, *rs2;
	char err[RULESET_ERR_MAX] = "";
	struct out s1, s2;
	int e;

	FUZZ_CHECK(ctr, "counters_new");
	rs = ruleset_new(ctr);
	FUZZ_CHECK(rs, "ruleset_new");
	e = restore_text(rs, text, len, "fuzz.v4", RESTORE_COUNTERS, err, sizeof(err));
	if (e) {
		FUZZ_CHECK(err[0], "restore failed (%d) without a message", e);
		goto out;
	}
	fuzz_save(rs, &s1);
	rs2 = ruleset_new(ctr);
	FUZZ_CHECK(rs2, "ruleset_new");
	e = restore_text(rs2, s1.buf, s1.len - 1, "saved.v4", RESTORE_COUNTERS, err, sizeof(err));
	FUZZ_CHECK(e == 0, "the saved text does not restore: %s\n%s", err, s1.buf);
	e = ruleset_compile(rs2, err, sizeof(err));
	FUZZ_CHECK(e == 0, "the saved text does not compile: %s\n%s", err, s1.buf);
	fuzz_save(rs2, &s2);
	FUZZ_CHECK(s1.len == s2.len && !memcmp(s1.buf, s2.buf, s1.len),
		   "save(restore(save)) differs from save:\n%s---\n%s", s1.buf, s2.buf);
	out_free(&s1);
	out_free(&s2);
	ruleset_free(rs2);
out:
	ruleset_free(rs);
	FUZZ_CHECK(counters_in_use(ctr) == 0, "%u counters slots leaked", counters_in_use(ctr));
	counters_free(ctr);
}

static int fuzz_parse(const char *line, enum xt_table t, struct rule **r, struct out *spec)
{
	char err[RULESET_ERR_MAX] = "";
	struct xt_parse ps = { .err = err, .errlen = sizeof(err), .table = (uint8_t)t };
	struct parse_tokens tok;
	int skip = 0, e;

	*r = NULL;
	if (parse_tokenize(line, &tok, &ps))
		return -1;
	if (skip < tok.argc && tok.argv[skip][0] == '[')
		skip++;
	if (skip + 1 < tok.argc && !strcmp(tok.argv[skip], "-A"))
		skip += 2;
	e = parse_rule(tok.argc - skip, tok.argv + skip, &ps, r);
	parse_tokens_free(&tok);
	if (e) {
		FUZZ_CHECK(!*r, "a failed parse returned a rule");
		FUZZ_CHECK(ps.failed && err[0], "parse failed (%d) without a message", e);
		return -1;
	}
	FUZZ_CHECK(*r, "parse succeeded without a rule");
	out_init(spec, false);
	save_rule_spec(*r, spec);
	out_append(spec, "", 1);
	FUZZ_CHECK(!spec->oom, "spec ran out of memory");
	return 0;
}

static void fuzz_rule_round_trip(const char *line, enum xt_table t)
{
	struct rule *r1, *r2;
	struct out s1, s2;

	if (fuzz_parse(line, t, &r1, &s1))
		return;
	FUZZ_CHECK(fuzz_parse(s1.buf, t, &r2, &s2) == 0, "the spec does not parse: \"%s\"",
		   s1.buf);
	FUZZ_CHECK(rule_equal(r1, r2), "the spec parses into another rule: \"%s\"", s1.buf);
	FUZZ_CHECK(!strcmp(s1.buf, s2.buf), "the spec changes: \"%s\" then \"%s\"", s1.buf,
		   s2.buf);
	rule_free(r1);
	rule_free(r2);
	out_free(&s1);
	out_free(&s2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	char *copy, *line, *save = NULL;
	unsigned int n = 0;

	fuzz_restore_round_trip(text, size);

	copy = malloc(size + 1);
	FUZZ_CHECK(copy, "malloc");
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (line = strtok_r(copy, "\n", &save); line && n < FUZZ_MAX_LINES;
	     line = strtok_r(NULL, "\n", &save), n++)
		fuzz_rule_round_trip(line, (enum xt_table)(n % XT_TABLE_MAX));
	free(copy);
	return 0;
}
