/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET (a path,
 * or an abstract name starting with '@'). Nothing happens when the variable
 * is unset, so the daemon behaves the same outside systemd.
 */
#ifndef TF_DAEMON_NOTIFY_H
#define TF_DAEMON_NOTIFY_H

/* Send state ("READY=1", "RELOADING=1", "STOPPING=1", "STATUS=..."). 0, or
 * -errno; 0 also when NOTIFY_SOCKET is unset. */
int notify_send(const char *state);

#endif
