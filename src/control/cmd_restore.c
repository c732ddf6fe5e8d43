// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tunfilter restore: iptables-restore's options and its all-or-nothing
 * behaviour, on top of restore_text(). -w/-W (the xtables lock) and -v are
 * accepted and ignored: the commit is one pointer swap, nothing to wait for.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "control/cmd_iptables.h"
#include "control/cmd_restore.h"
#include "core/router.h"
#include "tables/restore.h"
#include "tables/ruleset.h"

struct restore_opts {
	unsigned int flags;   /* RESTORE_* */
	bool test;
	const char *table;    /* -T: only this table of the text */
	const char *file;     /* NULL: stdin */
};

static bool cmd_restore_is(const char *a, const char *s, const char *l)
{
	return !strcmp(a, s) || !strcmp(a, l);
}

static int cmd_restore_args(int argc, const char *const *argv, struct restore_opts *ro,
			    struct out *e)
{
	int i;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (cmd_restore_is(a, "-n", "--noflush")) {
			ro->flags |= RESTORE_NOFLUSH;
		} else if (cmd_restore_is(a, "-c", "--counters")) {
			ro->flags |= RESTORE_COUNTERS;
		} else if (cmd_restore_is(a, "-t", "--test")) {
			ro->test = true;
		} else if (cmd_restore_is(a, "-v", "--verbose")) {
			continue;
		} else if (cmd_restore_is(a, "-w", "--wait") || cmd_restore_is(a, "-W",
										"--wait-interval")) {
			/* An optional number follows. */
			if (i + 1 < argc && argv[i + 1][0] >= '0' && argv[i + 1][0] <= '9')
				i++;
		} else if (cmd_restore_is(a, "-T", "--table") ||
			   cmd_restore_is(a, "-M", "--modprobe")) {
			if (++i == argc)
				return cmd_iptables_fail(e, 2, "restore: option \"%s\" requires an "
							 "argument", a);
			if (a[1] == 'T' || !strcmp(a, "--table"))
				ro->table = argv[i];
		} else if (a[0] == '-' && a[1]) {
			return cmd_iptables_fail(e, 2, "restore: unrecognized option '%s'", a);
		} else if (ro->file) {
			return cmd_iptables_fail(e, 2, "restore: more than one file: '%s'", a);
		} else {
			ro->file = a;
		}
	}
	if (ro->table && xt_table_by_name(ro->table) < 0)
		return cmd_iptables_fail(e, 1, "Table `%s' does not exist", ro->table);
	return 0;
}

/*
 * -T TABLE: blank every line outside "*TABLE" ... "COMMIT", so that
 * restore_text() sees that table alone and still names the right lines.
 */
static char *cmd_restore_only(const char *in, size_t len, const char *table)
{
	char *t = malloc(len + 1), *p, *end;
	bool inside = false;
	size_t tl = strlen(table);

	if (!t)
		return NULL;
	memcpy(t, in, len);
	t[len] = '\0';
	for (p = t; p < t + len; p = end + 1) {
		const char *q;
		bool keep;

		end = memchr(p, '\n', (size_t)(t + len - p));
		if (!end)
			end = t + len;
		q = p + strspn(p, " \t");
		if (q < end && *q == '*')
			inside = (size_t)(end - q) >= tl + 1 && !strncmp(q + 1, table, tl) &&
				 (q + 1 + tl == end || strchr(" \t\r", q[1 + tl]));
		keep = inside;
		if (inside && !strncmp(q, "COMMIT", 6))
			inside = false;
		if (!keep)
			memset(p, ' ', (size_t)(end - p));
	}
	return t;
}

int cmd_restore_run(struct router *r, int argc, const char *const *argv, const char *input,
		    size_t len, struct out *o, struct out *e)
{
	struct restore_opts ro = { 0 };
	char msg[RULESET_ERR_MAX] = "";
	struct ruleset *rs;
	char *only = NULL;
	int err;

	err = cmd_restore_args(argc, argv, &ro, e);
	if (err)
		return err;
	if (!r->ruleset)
		return cmd_iptables_fail(e, 1, "the tables are not initialised");
	if (ro.table) {
		only = cmd_restore_only(input ? input : "", input ? len : 0, ro.table);
		if (!only)
			return cmd_iptables_fail(e, 1, "out of memory");
		input = only;
	}
	/* Tables the text does not name stay as they are: start from the
	 * live ruleset; restore_text() flushes each table it opens unless
	 * --noflush. */
	rs = ruleset_clone(r->ruleset);
	if (!rs) {
		free(only);
		return cmd_iptables_fail(e, 1, "out of memory");
	}
	err = restore_text(rs, input ? input : "", input ? len : 0, ro.file, ro.flags, msg,
			   sizeof(msg));
	if (!err)
		err = ro.test ? ruleset_compile(rs, msg, sizeof(msg))
			      : ruleset_commit(r, rs, msg, sizeof(msg));
	if (err || ro.test)
		ruleset_free(rs);
	free(only);
	if (err)
		return cmd_iptables_fail(e, 1, "%s", msg[0] ? msg : "restore failed");
	return 0;
}
