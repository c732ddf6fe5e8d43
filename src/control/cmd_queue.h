/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `tunfilter queue`: every queue that exists (configured, or bound by a
 * consumer since the start) with its consumer, settings and counters, and
 * what was sent to queue numbers that do not exist. Text or -j JSON from
 * one print path; the format is in tunfilter(8).
 */
#ifndef TF_CONTROL_CMD_QUEUE_H
#define TF_CONTROL_CMD_QUEUE_H

#include "control/out.h"

struct queue_server;

/* Returns the exit status (0). */
int cmd_queue_run(const struct queue_server *qs, struct out *o, struct out *e);

#endif
