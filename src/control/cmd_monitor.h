/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `tunfilter monitor trace`: a streaming command. While at least one
 * monitor is connected, the router's trace callback (router->trace) is set
 * and every step of a packet marked by a TRACE rule becomes one event line
 * (cmd_trace.h) for every monitor, formatted once per format in use:
 *
 *   trace id 5c1e0a7b filter FORWARD rule 3 (ACCEPT) in=lan0 out=wan0
 *     10.1.0.2 > 10.2.0.2 proto icmp type 8 code 0 len 84
 *
 * (one line; with -j one JSON object per line). Nothing is formatted when
 * nobody listens: the callback is unset then.
 *
 * A monitor that reads too slowly loses events rather than slowing the
 * daemon: the control server bounds what is queued for it (server.h); lost
 * events are counted and announced to it ("lost 12 events") as soon as it
 * catches up.
 */
#ifndef TF_CONTROL_CMD_MONITOR_H
#define TF_CONTROL_CMD_MONITOR_H

#include <stdbool.h>
#include <stdint.h>
#include "control/out.h"

struct daemon;
struct router;

/* Take over the current control client (control_current()) as a stream of
 * events, in JSON when o is. Exit status when it fails (no stream then),
 * 0 when streaming. */
int cmd_monitor_run(struct daemon *d, struct out *o, struct out *e);

/* Connected monitors (tests, stats). */
unsigned int cmd_monitor_count(const struct router *r);

#endif
