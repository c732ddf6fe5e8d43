/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `-L` form of match and target options. iptables prints a rule's
 * extensions differently in `-L` ("tcp dpt:22", "reject-with
 * icmp-port-unreachable") and in `-S`/save ("-m tcp --dport 22"). The
 * extensions (src/tables/) know only the save form (ops->print), so this
 * file turns that canonical text into what `iptables -L -n` (nft back end,
 * 1.8.9) prints, one small function per extension in one table.
 *
 * An extension without an entry (ipv4options, which iptables does not
 * have, or one added later) is listed as its name followed by its save
 * options: " ipv4options --flags 7". tunfilter(8) names the extensions
 * that have their iptables form.
 */
#ifndef TF_CONTROL_CMD_LISTEXT_H
#define TF_CONTROL_CMD_LISTEXT_H

#include <stdbool.h>
#include "control/out.h"

/*
 * Append the -L text of one match (target = false) or target (true) to o
 * (a text-mode out): name is ops->name, opts what ops->print wrote (each
 * option starting with a space; may be ""). The text starts with a space,
 * or is empty (a target such as TRACE has nothing to show).
 */
void cmd_listext_print(struct out *o, const char *name, const char *opts, bool target);

/* Whether name has an iptables -L form here (the rest fall back). */
bool cmd_listext_known(const char *name, bool target);

#endif
