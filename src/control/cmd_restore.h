/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `tunfilter restore [-n|--noflush] [-c|--counters] [-t|--test]
 * [-T|--table TABLE] [FILE]`: iptables-restore on the text the admin tool
 * sent (standard input, or FILE's contents read by the tool, FILE naming
 * it in messages). All the tables of the text are applied to one clone of
 * the live ruleset and committed together, or nothing is; --test stops
 * after validating. Errors read "FILE:LINE: message" ("stdin:3: ...").
 */
#ifndef TF_CONTROL_CMD_RESTORE_H
#define TF_CONTROL_CMD_RESTORE_H

#include <stddef.h>
#include "control/out.h"

struct router;

/* argv: the words after "restore"; input: the text. Exit status 0, 1, 2. */
int cmd_restore_run(struct router *r, int argc, const char *const *argv, const char *input,
		    size_t len, struct out *o, struct out *e);

#endif
