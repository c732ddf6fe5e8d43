/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel-side link configuration through libnl-3 / libnl-route-3, never by
 * running ip(8): move a TUN into a named network namespace, set its MTU,
 * give it its kernel-side (peer) address and routes, bring it up; and watch
 * link state changes (RTNLGRP_LINK) in every namespace that holds one of
 * our links, so that iface->up follows the kernel.
 *
 * Named namespaces are the files under /run/netns (ip-netns(8)); a socket
 * is opened inside one by entering it with setns(2) for the duration of
 * socket creation only.
 */
#ifndef TF_IO_NETLINK_H
#define TF_IO_NETLINK_H

#include <stddef.h>
#include <event2/event.h>
#include "core/router.h"
#include "daemon/config.h"

struct netlink;

/* 0 or -errno with a message in err. */
int netlink_open(struct netlink **out, struct event_base *base, struct router *r, char *err,
		 size_t errlen);
void netlink_close(struct netlink *nl);

/*
 * Configure the kernel side of interface ci (already created as a TUN in
 * the daemon's namespace): move it to ci->netns if set, set the MTU, add
 * peer_address and peer_routes, set it up, and start watching its state
 * for router interface ifc_idx. 0 or -errno with a message in err.
 */
int netlink_link_setup(struct netlink *nl, const struct config_iface *ci, int ifc_idx, char *err,
		       size_t errlen);

/* Apply changed kernel-side settings on reload (MTU, peer address, peer
 * routes) of an interface already set up. 0 or -errno with err. */
int netlink_link_update(struct netlink *nl, const struct config_iface *old_ci,
			const struct config_iface *ci, char *err, size_t errlen);

/* Add pfx as an address of the kernel side of interface ifc_idx, set up
 * already (the [local] TUN gets every router address this way). 0 or
 * -errno with err. */
int netlink_link_addr(struct netlink *nl, int ifc_idx, const struct config_prefix *pfx, char *err,
		      size_t errlen);

/* Remove pfx from the kernel side of interface ifc_idx again (the [local]
 * TUN on reload, when a router address went away or changed). Removing an
 * address that is not there succeeds. 0 or -errno with err. */
int netlink_link_addr_del(struct netlink *nl, int ifc_idx, const struct config_prefix *pfx,
			  char *err, size_t errlen);

/* Forget interface ifc_idx (its TUN is about to close). */
void netlink_link_forget(struct netlink *nl, int ifc_idx);

#endif
