/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Start-up and shutdown of the tables: the counters store, an empty
 * ruleset, the hook handlers; loading the rules file named in the INI at
 * start and on reload (all or nothing: a bad file refuses the start, or
 * keeps the old ruleset on reload, with "FILE:LINE: message").
 */
#ifndef TF_TABLES_TABLES_H
#define TF_TABLES_TABLES_H

#include <stddef.h>

struct router;

/* After router_init: counters, empty ruleset in r->ruleset, hooks. 0 or -errno. */
int tables_init(struct router *r);
/* Before router_fini: unregister, free the ruleset and the counters. */
void tables_fini(struct router *r);
/* Restore path (a full restore, as iptables-restore without --noflush)
 * into a new ruleset and commit it; path NULL or "" loads the empty
 * ruleset. On failure the running ruleset is untouched. 0 or -errno. */
int tables_load(struct router *r, const char *path, char *err, size_t errlen);
/* Parse and validate path without a router (tunfilterd --check-config, and
 * a reload that wants to know before it applies anything). 0 or -errno. */
int tables_check(const char *path, char *err, size_t errlen);

#endif
