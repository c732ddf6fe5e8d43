/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * iptables-restore: apply iptables-save text to a ruleset.
 *
 *   *TABLE                      start a table (flushed first, unless NOFLUSH)
 *   :CHAIN POLICY [p:b]         policy of a built-in chain ("-" for a user
 *                               chain, which is created)
 *   [p:b] -A CHAIN rule...      a rule (other commands as iptables-restore
 *                               allows: -I, -D, -R, -N, -X, -F, -Z, -P, -E)
 *   COMMIT                      end of the table
 *   # comment, blank lines
 *
 * The counters ([p:b] on chains and rules) are used with RESTORE_COUNTERS
 * only, as iptables-restore --counters. The caller applies the text to a
 * clone (or to a ruleset_new() one) and commits it only when this returns
 * 0 (all the tables of the text together, or nothing): a validation error
 * (a jump to a missing chain, a loop...) fails the restore too.
 * Messages are "FILE:LINE: message"; file NULL is named "stdin".
 */
#ifndef TF_TABLES_RESTORE_H
#define TF_TABLES_RESTORE_H

#include <stddef.h>
#include "tables/ruleset.h"

enum {
	RESTORE_NOFLUSH = 1u << 0,
	RESTORE_COUNTERS = 1u << 1,
};

/* 0 or -EINVAL (-ENOMEM); rs is then half-changed: free it. */
int restore_text(struct ruleset *rs, const char *text, size_t len, const char *file,
		 unsigned int flags, char *err, size_t errlen);
/*
 * One iptables command given as tokens, argv[0] the command: -A CHAIN rule,
 * -I CHAIN [N] rule, -R CHAIN N rule, -D CHAIN (N | rule), -N CHAIN,
 * -X [CHAIN], -F [CHAIN], -Z [CHAIN [N]], -P CHAIN POLICY, -E OLD NEW, on
 * table t, as a restore line (after its "[p:b]" prefix: counts, or NULL)
 * or a command line (file NULL, line 0). The message is prefixed
 * "FILE:LINE: " when file is set. 0 or -errno as the ruleset_* commands.
 */
int restore_command(struct ruleset *rs, enum xt_table t, int argc, char *const *argv,
		    const struct rule_counts *counts, const char *file, int line, char *err,
		    size_t errlen);
/* Read path and restore_text it (file named in messages as given). */
int restore_file(struct ruleset *rs, const char *path, unsigned int flags, char *err,
		 size_t errlen);

#endif
