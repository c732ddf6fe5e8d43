/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The queue socket: a Unix SOCK_SEQPACKET socket (cfg->path, mode, group)
 * served from the daemon's event_base, and the queue table behind it.
 *
 * The table exists whatever the configuration says, so that `tunfilter
 * queue` can count what NFQUEUE rules send to queues nobody serves; the
 * socket is opened only when the configuration has a [queue] or [queue N]
 * section.
 *
 * Per wakeup, a consumer's messages are read in batches (recvmmsg) and
 * its packet messages written in batches (sendmmsg), with payloads sent
 * straight from the parked packet buffers. A consumer whose socket is full
 * simply stops being written to: its packets stay parked (within maxlen
 * and their timeout) until it reads again.
 */
#ifndef TF_QUEUE_SERVER_H
#define TF_QUEUE_SERVER_H

#include <stddef.h>
#include <event2/event.h>
#include "daemon/config.h"

/* Consumers connected at once. */
#define QUEUE_MAX_CONSUMERS 64u

struct router;
struct queue_server;
struct queue_table;

/* The rung of the start-up ladder. 0 or -errno with a message in err. */
int queue_server_open(struct queue_server **out, struct event_base *base, struct router *r,
		      const struct config_queue *cfg, char *err, size_t errlen);
/* Close every consumer (their packets are dropped: shutdown) and the
 * socket. NULL is allowed. */
void queue_server_close(struct queue_server *s);

/* Apply the queues' settings of a reloaded configuration (the socket's
 * path, mode and group change only on restart). 0 or -errno. */
int queue_server_configure(struct queue_server *s, const struct config_queue *cfg);

struct queue_table *queue_server_table(const struct queue_server *s);
/* The socket path, or NULL when the socket is not open. */
const char *queue_server_path(const struct queue_server *s);

#endif
