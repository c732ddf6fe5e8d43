// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The tables' rung of the start-up ladder: counters store, an empty
 * ruleset, the hook handlers; and the rules file, loaded all or nothing.
 * Unwinds in reverse on failure; tables_fini mirrors tables_init.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "core/router.h"
#include "nat/nat.h"
#include "tables/restore.h"
#include "tables/ruleset.h"
#include "tables/table.h"
#include "tables/tables.h"

int tables_init(struct router *r)
{
	struct counters *ctr;
	struct ruleset *rs;
	char err[RULESET_ERR_MAX];
	int e = -ENOMEM;

	ctr = counters_new();
	if (!ctr)
		goto fail_ctr;
	rs = ruleset_new(ctr);
	if (!rs)
		goto fail_rs;
	e = ruleset_compile(rs, err, sizeof(err));
	if (e)
		goto fail_compile;
	r->ruleset = rs;
	e = table_register(r);
	if (e)
		goto fail_hooks;
	/* The nat table's chains, run by NAT's own hooks. */
	e = nat_register(r);
	if (e)
		goto fail_nat;
	return 0;

fail_nat:
	table_unregister(r);
fail_hooks:
	r->ruleset = NULL;
fail_compile:
	ruleset_free(rs);
fail_rs:
	counters_free(ctr);
fail_ctr:
	return e;
}

void tables_fini(struct router *r)
{
	struct counters *ctr;

	if (!r->ruleset)
		return;
	nat_unregister(r);
	table_unregister(r);
	ctr = ruleset_counters(r->ruleset);
	ruleset_free(r->ruleset);
	r->ruleset = NULL;
	counters_free(ctr);
}

int tables_load(struct router *r, const char *path, char *err, size_t errlen)
{
	struct ruleset *rs;
	int e;

	if (!r->ruleset) {
		snprintf(err, errlen, "tables are not initialised");
		return -EINVAL;
	}
	rs = ruleset_new(ruleset_counters(r->ruleset));
	if (!rs) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	e = path && *path ? restore_file(rs, path, 0, err, errlen) : 0;
	if (!e)
		e = ruleset_commit(r, rs, err, errlen);
	if (e)
		ruleset_free(rs);
	return e;
}

int tables_check(const char *path, char *err, size_t errlen)
{
	struct counters *ctr = counters_new();
	struct ruleset *rs = ctr ? ruleset_new(ctr) : NULL;
	int e;

	if (!rs) {
		counters_free(ctr);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	e = path && *path ? restore_file(rs, path, 0, err, errlen) : 0;
	ruleset_free(rs);
	counters_free(ctr);
	return e;
}
