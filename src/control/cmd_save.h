/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `tunfilter save [-t TABLE] [-c|--counters]`: the live ruleset as
 * iptables-save text (save.h), read from one counters snapshot. With -j
 * the same text comes as {"rules": "..."}.
 */
#ifndef TF_CONTROL_CMD_SAVE_H
#define TF_CONTROL_CMD_SAVE_H

#include "control/out.h"

struct router;

/* argv: the words after "save". Returns the exit status (0, 1, 2). */
int cmd_save_run(struct router *r, int argc, const char *const *argv, struct out *o,
		 struct out *e);

#endif
