/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon: everything tunfilterd owns, in one struct passed explicitly.
 *
 * Start-up is a ladder (config -> TUNs -> netlink -> ruleset -> sockets ->
 * ready) that unwinds in reverse on failure; shutdown is its mirror. Each
 * rung is one daemon_* function with its undo.
 */
#ifndef TF_DAEMON_DAEMON_H
#define TF_DAEMON_DAEMON_H

#include <stdbool.h>
#include <event2/event.h>
#include "core/router.h"
#include "daemon/config.h"

struct netlink;
struct control;
struct queue_server;

struct daemon {
	struct event_base *base;
	struct config cfg;
	struct router router;
	bool router_ready;        /* router_init succeeded */
	struct netlink *nl;
	struct control *ctl;
	struct queue_server *queue;
	struct event *sig_term, *sig_int, *sig_hup;
	struct event *tick;
	bool foreground;
	uint64_t reloads, reload_failures;
	char last_reload_error[CONFIG_ERR_MAX];
};

/*
 * Re-read the configuration file, validate it completely, then apply it.
 * On failure the running state is untouched, the error is logged and copied
 * into err. 0 or -errno.
 */
int daemon_reload(struct daemon *d, char *err, size_t errlen);

/* Stop the event loop (SIGTERM, SIGINT). */
void daemon_stop(struct daemon *d);

#endif
