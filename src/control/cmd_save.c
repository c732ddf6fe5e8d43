// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tunfilter save: iptables-save's options (-c/--counters, -t/--table,
 * -M/--modprobe accepted and ignored) and its messages. The text itself is
 * save_ruleset()'s, the one writer of canonical iptables-save text.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "control/cmd_iptables.h"
#include "control/cmd_save.h"
#include "core/router.h"
#include "tables/save.h"

int cmd_save_run(struct router *r, int argc, const char *const *argv, struct out *o,
		 struct out *e)
{
	unsigned int flags = 0;
	int table = -1, i;
	struct out text;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-c") || !strcmp(a, "--counters")) {
			flags |= SAVE_COUNTERS;
		} else if (!strcmp(a, "-t") || !strcmp(a, "--table") ||
			   !strcmp(a, "-M") || !strcmp(a, "--modprobe")) {
			if (++i == argc)
				return cmd_iptables_fail(e, 2, "save: option \"%s\" requires an "
							 "argument", a);
			if (a[1] != 't' && strcmp(a, "--table"))
				continue;
			table = xt_table_by_name(argv[i]);
			if (table < 0)
				/* iptables-save's wording and status. */
				return cmd_iptables_fail(e, 1, "Table `%s' does not exist", argv[i]);
		} else {
			return cmd_iptables_fail(e, 2, "save: unrecognized option '%s'", a);
		}
	}
	if (!r->ruleset)
		return cmd_iptables_fail(e, 1, "the tables are not initialised");
	out_init(&text, false);
	save_ruleset(r->ruleset, table, flags, time(NULL), &text);
	if (text.oom) {
		out_free(&text);
		return cmd_iptables_fail(e, 1, "out of memory");
	}
	out_obj_open(o, NULL);
	out_str(o, "rules", "%s", text.buf ? text.buf : "");
	out_obj_close(o);
	out_free(&text);
	return 0;
}
