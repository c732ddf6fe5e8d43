/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TUN devices: open (IFF_TUN | IFF_NO_PI, non-blocking, not persistent, so
 * that closing the fd removes the link), a batch of reads per wakeup into
 * pool buffers handed to router_rx, and the router's xmit op (one write per
 * packet; the TUN driver has no multi-packet write).
 */
#ifndef TF_IO_TUN_H
#define TF_IO_TUN_H

#include <event2/event.h>
#include "core/router.h"

/* Open a TUN named name. Returns the fd or -errno. */
int tun_open(const char *name);

/* The largest batch ([daemon] batch accepts 1 to this). */
#define TUN_BATCH_MAX 1024u

/* Watch ifc->fd on base; each wakeup reads up to batch packets, runs them
 * through the router and flushes its output. 0 or -errno. */
int tun_attach(struct event_base *base, struct router *r, struct iface *ifc, unsigned int batch);
/* Stop watching and close the fd (the kernel removes the link). */
void tun_detach(struct iface *ifc);

/* The router's xmit op for TUN interfaces. */
extern const struct router_ops tun_router_ops;

#endif
