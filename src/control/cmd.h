/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The admin commands. One table, CMD_LIST, is the single description of
 * every command: the daemon dispatches from it (cmd.c binds each entry to
 * cmd_<fn>) and prints `tunfilter help` from it, and the admin tool prints
 * its -h usage from it, so the usage cannot drift from what exists.
 *
 *   X(fn, words, args, help)
 *     fn     the handler is cmd_<fn> in cmd.c
 *     words  full keywords, space separated (no abbreviations are accepted);
 *            the iptables entry is the exception: its "words" only describe
 *            it, and any command line starting with an option ("-A", "-t",
 *            "--list"...) reaches it (cmd_iptables_is_cmdline())
 *     args   usage of further arguments; "" means none are accepted and the
 *            dispatcher refuses extra words before calling the handler
 *     help   one line for the usage text
 *
 * This header must stay free of libevent and daemon types: the admin tool
 * includes it for CMD_LIST alone.
 */
#ifndef TF_CONTROL_CMD_H
#define TF_CONTROL_CMD_H

#define CMD_LIST(X)                                                                   \
	X(show_interfaces, "show interfaces", "",                                     \
	  "addresses, MTU, link state and counters of every interface")              \
	X(show_routes, "show routes", "", "the forwarding table: prefix, kind, device") \
	X(show_stats, "show stats", "",                                               \
	  "packet counters, every drop reason, reassembly, buffers, reloads")         \
	X(iptables, "-A|-I|-D|-R|-C|-L|-S|-F|-Z|-N|-X|-P|-E", "[CHAIN...]",           \
	  "the iptables command line, as iptables(8) (see tunfilter(8))")             \
	X(save, "save", "[-t TABLE] [-c]", "the rules as iptables-save text")         \
	X(restore, "restore", "[--noflush] [--counters] [--test] [FILE]",              \
	  "load iptables-save text from stdin or FILE, all tables or none")          \
	X(monitor_trace, "monitor trace", "",                                          \
	  "report packets marked by TRACE rules, rule by rule")                      \
	X(simulate, "simulate", "[-i IF] [-o IF] [-s ADDR] -d ADDR [-p PROTO] ...",    \
	  "the path and verdict of a packet through the rules, without traffic")     \
	X(queue, "queue", "",                                                          \
	  "queues: consumer, packets queued and pending, drops, verdicts")           \
	X(conntrack, "conntrack", "-L|-D|-F|-C|-S|-E [FILTER...]",                   \
	  "connection tracking: list, delete, flush, count, statistics, events")     \
	X(reload, "reload", "", "re-read the configuration file (as SIGHUP does)")     \
	X(version, "version", "", "the daemon's version and control protocol")       \
	X(help, "help", "", "list the commands")

/* Exit codes, as iptables: */
enum {
	CMD_OK = 0,        /* success */
	CMD_ERROR = 1,     /* the command failed */
	CMD_BAD_PARAM = 2, /* unknown command, missing or extra argument */
};

struct daemon;
struct ctl_request;
struct out;

/*
 * Run the command in req->argv. Output goes to o (text, or JSON when
 * req->flags has CTL_F_JSON), messages for stderr to e (always text).
 * Returns the exit code.
 */
int cmd_dispatch(struct daemon *d, const struct ctl_request *req, struct out *o, struct out *e);

#endif
