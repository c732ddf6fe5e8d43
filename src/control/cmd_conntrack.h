/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `tunfilter conntrack COMMAND [FILTER...]`, as conntrack(8):
 *
 *   -L, --dump     list the entries (filtered), then on stderr
 *                  "N flow entries have been shown."
 *   -D, --delete   remove the entries the filters match (all without any)
 *   -F, --flush    remove every entry
 *   -C, --count    the number of entries
 *   -S, --stats    the counters: found invalid insert insert_failed drop
 *                  early_drop error clash_resolve (and conntrack's zeros)
 *   -E, --event    stream events (NEW, UPDATE, DESTROY) as they happen;
 *                  -e/--event-mask picks which
 *
 * Filters: -p/--proto, -s/--src/--orig-src, -d/--dst/--orig-dst,
 * -r/--reply-src, -q/--reply-dst (addresses, with /LEN allowed),
 * --sport/--orig-port-src, --dport/--orig-port-dst, --reply-port-src,
 * --reply-port-dst, --state (a TCP state), -m/--mark VALUE[/MASK],
 * -u/--status (ASSURED, SEEN_REPLY, ...: all must be set). Text lines as
 * conntrack prints them, JSON with the global -j (conntrack/print.h).
 */
#ifndef TF_CONTROL_CMD_CONNTRACK_H
#define TF_CONTROL_CMD_CONNTRACK_H

#include "control/out.h"

struct daemon;

/* argv: the words after "conntrack". Returns the exit status; 0 and no
 * reply when -E took the connection over as a stream. */
int cmd_conntrack_run(struct daemon *d, int argc, const char *const *argv, struct out *o,
		      struct out *e);

#endif
