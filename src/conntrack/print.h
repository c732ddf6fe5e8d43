/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An entry as `tunfilter conntrack` prints it: text in the layout of
 * conntrack(8) (conntrack-tools 1.4.7, with accounting on), or one JSON
 * object, from one print path (control/out.h).
 *
 *   tcp      6 431999 ESTABLISHED src=10.1.0.2 dst=10.2.0.2 sport=40312 dport=80
 *     packets=5 bytes=344 src=10.2.0.2 dst=10.1.0.2 sport=80 dport=40312 packets=4
 *     bytes=1120 [ASSURED] mark=0 use=1                                (one line)
 *       [NEW] udp      17 30 src=... dport=53 [UNREPLIED] src=... sport=53 ...
 *
 *   {"proto":"tcp","protonum":6,"timeout":431999,"state":"ESTABLISHED",
 *    "orig":{"src":"10.1.0.2","dst":"10.2.0.2","sport":40312,"dport":80,
 *            "packets":5,"bytes":344},
 *    "reply":{...},"status":["SEEN_REPLY","ASSURED","CONFIRMED"],"mark":0,
 *    "use":1,"id":17}
 * ICMP tuples have "type", "code" and "id" instead of ports. An event has
 * "event" first ("NEW", "UPDATE", "DESTROY"), no "use", and a DESTROY no
 * "timeout".
 */
#ifndef TF_CONNTRACK_PRINT_H
#define TF_CONNTRACK_PRINT_H

#include "conntrack/table.h"
#include "control/out.h"

/* ev 0: a listing line; else the event it is. Ends with a newline in text. */
void ct_print_entry(struct out *o, const struct ct_table *t, const struct ct_entry *e,
		    unsigned int ev);
/* "NEW", "UPDATE", "DESTROY". */
const char *ct_print_event_name(unsigned int ev);

#endif
