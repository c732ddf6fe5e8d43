// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * -m comment --comment TEXT: always matches; the text is kept with the rule
 * and saved as iptables-save does (xtables_save_string): bare when it is
 * made only of letters, digits, '_' and '-', otherwise in double quotes
 * with '"', '\' and '\'' escaped by a backslash.
 *
 * The kernel keeps XT_MAX_COMMENT_LEN (256) bytes with the NUL, so 255
 * characters. iptables cuts a longer comment silently; here it is an error,
 * since nothing given is ignored. A line break is refused too: the saved
 * rule would not read back as one line.
 */
#include <string.h>
#include "tables/xt.h"

#define COMMENT_MAX_LEN 256u /* XT_MAX_COMMENT_LEN, with the NUL */

enum {
	COMMENT_O_COMMENT = 1,
};

/* The kernel's struct xt_comment_info; the text NUL-padded. */
struct comment_match {
	char comment[COMMENT_MAX_LEN];
	uint8_t seen;   /* --comment given (parsing only) */
};

static const struct xt_option comment_opts[] = {
	{ .name = "--comment", .id = COMMENT_O_COMMENT, .has_arg = true },
	{ .name = NULL },
};

static int comment_parse(void *data, int id, const char *arg, bool invert,
			 struct xt_parse *ps)
{
	struct comment_match *c = data;
	size_t len = strlen(arg);

	if (id != COMMENT_O_COMMENT)
		return xt_error(ps, "comment: unknown option id %d", id);
	if (c->seen)
		return xt_error(ps, "comment: option \"--comment\" can only be used once");
	c->seen = 1;
	if (len >= COMMENT_MAX_LEN)
		return xt_error(ps, "comment \"%.20s...\" is longer than %u characters", arg,
				COMMENT_MAX_LEN - 1);
	if (strpbrk(arg, "\r\n"))
		return xt_error(ps, "comment \"%.*s...\" contains a line break",
				(int)strcspn(arg, "\r\n"), arg);
	memcpy(c->comment, arg, len);
	return 0;
}

static int comment_final(void *data, struct xt_parse *ps)
{
	struct comment_match *c = data;

	if (!c->seen)
		return xt_error(ps, "comment: option \"--comment\" must be specified");
	c->seen = 0;
	return 0;
}

static bool comment_match(const void *data, void *state, struct xt_ctx *ctx)
{
	return true;
}

static void comment_print(const void *data, struct out *o)
{
	static const char bare[] = "_-0123456789abcdefghijklmnopqrstuvwxyz"
				   "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	const struct comment_match *c = data;
	char buf[2 * COMMENT_MAX_LEN + 3];
	size_t n = strnlen(c->comment, COMMENT_MAX_LEN - 1), i, j = 0;

	if (n && strspn(c->comment, bare) >= n) {
		out_text(o, " --comment %.*s", (int)n, c->comment);
		return;
	}
	buf[j++] = '"';
	for (i = 0; i < n; i++) {
		if (strchr("\"\\'", c->comment[i]))
			buf[j++] = '\\';
		buf[j++] = c->comment[i];
	}
	buf[j++] = '"';
	buf[j] = '\0';
	out_text(o, " --comment %s", buf);
}

const struct xt_match_ops match_comment_ops = {
	.name = "comment",
	.size = sizeof(struct comment_match),
	.opts = comment_opts,
	.parse = comment_parse,
	.final = comment_final,
	.match = comment_match,
	.print = comment_print,
};
