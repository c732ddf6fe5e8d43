/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The iptables command line, run inside the daemon on the argv the admin
 * tool sent: `tunfilter [-t TABLE] -A CHAIN rule...` behaves as
 * `iptables ...` (1.8.9, nft back end) for IPv4, with its option parsing
 * (getopt clusters such as -nvL, optional arguments that must follow their
 * option, the table of options each command allows), its exit statuses
 * (0 ok, 1 error, 2 bad parameter) and its messages, "iptables" replaced
 * by "tunfilter".
 *
 * Every change is made on a clone of the live ruleset and committed with
 * ruleset_commit(): either it validates and is swapped in whole, or the
 * live ruleset is untouched and the message says why. -Z acts on the
 * counters at once. -w and -W are accepted and ignored: there is no lock
 * to wait for, since every change is one atomic swap made by the daemon.
 */
#ifndef TF_CONTROL_CMD_IPTABLES_H
#define TF_CONTROL_CMD_IPTABLES_H

#include <stdbool.h>
#include "control/out.h"

struct router;

/* The commands and options the iptables command line knows, for usage
 * texts (one line each). */
#define CMD_IPTABLES_USAGE                                                            \
	"[-t TABLE] -A|-C|-D CHAIN RULE | -I CHAIN [N] RULE | -R CHAIN N RULE |\n"    \
	"    -D CHAIN N | -L|-S [CHAIN [N]] | -F|-X [CHAIN] | -Z [CHAIN [N]] |\n"   \
	"    -N CHAIN | -P CHAIN ACCEPT|DROP | -E OLD NEW\n"                          \
	"    [-v] [-n] [-x] [--line-numbers] [-c PKTS BYTES] [-w [S]]"

/*
 * Run one iptables command line (argv without the program name) against
 * the router's ruleset. Output (listings, -v echoes) goes to o, which may
 * be in JSON mode (-L and -S answer in JSON then; a trailing "-j" with no
 * target after -L/-S asks for JSON too), messages to e. Returns the exit
 * status: 0, 1 or 2.
 */
int cmd_iptables_run(struct router *r, int argc, const char *const *argv, struct out *o,
		     struct out *e);

/* Whether argv[0] starts an iptables command line (an option: "-A",
 * "--list", "-t"...), for the dispatcher. */
bool cmd_iptables_is_cmdline(const char *arg0);

/*
 * A failure message as iptables words it: "tunfilter: MSG\n", and for
 * status 2 (a bad parameter) iptables' second line "Try `tunfilter -h' or
 * 'tunfilter --help' for more information.". Returns status. Shared by
 * save, restore, monitor and simulate.
 */
int cmd_iptables_fail(struct out *e, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
