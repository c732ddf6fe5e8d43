/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The queue subsystem: packets that a hook handler answered TF_QUEUE for
 * (NFQUEUE, QUEUE) wait here, parked in their pool buffers, for the verdict
 * of a userspace consumer; the verdict resumes them with router_reinject()
 * at the handler after the one that queued them, as the kernel's
 * nf_reinject does. No I/O here: the socket side (server.c) feeds consumer
 * messages in with queue_consumer_input() and takes what to send out with
 * queue_consumer_fill(), so unit tests drive the same code without sockets.
 *
 * Life of a packet on queue N:
 *
 *   TF_QUEUE --no consumer--> --queue-bypass ? resume : drop (queue_no_consumer)
 *      |     --queue full---> fail_open ? resume : drop (queue_full)
 *   parked (unsent) --fill/sent--> parked (sent) --VERDICT--> resume, drop, repeat
 *      |                              |
 *      +-- timeout, or consumer gone -+--> the queue's default verdict
 *
 * Bounds: a queue parks at most maxlen packets, and all queues together at
 * most half of the packet buffers, so a stuck consumer can never starve
 * forwarding; every parked packet has a deadline (timeout), so nothing is
 * parked forever. The entries of a queue are preallocated (maxlen of them)
 * when the queue is configured or bound: parking never allocates.
 */
#ifndef TF_QUEUE_QUEUE_H
#define TF_QUEUE_QUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>
#include "queue/wire.h"

struct router;
struct pkt;
struct queue_table;
struct queue_consumer;

#define QUEUE_NUM_MAX 65535u
/* Queues that exist at once (configured, or bound by a consumer). */
#define QUEUE_MAX_QUEUES 1024u
#define QUEUE_MAXLEN_MAX 65536u
/* Replies (ACK, ERROR) waiting to be sent to one consumer. */
#define QUEUE_MAX_REPLIES 16u

/* The settings of one queue ([queue] and [queue N] in tunfilter.conf). */
struct queue_settings {
	uint32_t maxlen;          /* packets parked at most */
	uint32_t copy_mode;       /* TFQ_COPY_NONE, _META, _PACKET: until a consumer picks */
	uint32_t copy_range;      /* bytes of payload in TFQ_COPY_PACKET */
	bool fail_open;           /* full: accept instead of drop */
	uint32_t default_verdict; /* TF_ACCEPT or TF_DROP: consumer gone or too slow */
	uint32_t timeout_ms;      /* a parked packet gets the default verdict after this */
};

#define QUEUE_SETTINGS_DEFAULTS                                                       \
	{ .maxlen = 4096, .copy_mode = TFQ_COPY_PACKET, .copy_range = TFQ_MAX_PAYLOAD, \
	  .fail_open = false, .default_verdict = 0 /* TF_DROP */, .timeout_ms = 5000 }

struct queue_num_settings {
	uint16_t num;
	struct queue_settings s;
};

/* What the daemon applies: the settings of unlisted queues and the list. */
struct queue_table_config {
	struct queue_settings defaults;
	const struct queue_num_settings *nums;
	unsigned int n_nums;
};

struct queue_ops {
	/* c has messages to send (the first since its last empty fill): the
	 * owner calls queue_consumer_fill() soon, not from inside this call. */
	void (*kick)(void *arg, struct queue_consumer *c);
	/* The first packet is parked: call queue_table_expire() at deadline
	 * (router clock, ms) or earlier. */
	void (*arm)(void *arg, uint64_t deadline_ms);
};

/* Counters of one queue, and its state, for `tunfilter queue`. */
struct queue_stats {
	uint16_t num;
	bool configured;          /* has a [queue N] section */
	bool bound;
	pid_t pid;                /* the consumer's, when bound */
	uid_t uid;
	uint32_t copy_mode, copy_range;
	struct queue_settings s;
	uint32_t pending;         /* parked now */
	uint32_t unsent;          /* parked and not yet sent to the consumer */
	uint64_t queued;          /* parked since the start */
	uint64_t dropped_full, failed_open;
	uint64_t bypassed, no_consumer;
	uint64_t accepted, dropped, repeated;
	uint64_t timed_out, orphaned; /* default verdicts: timeout, consumer gone */
	uint64_t bad_payload;     /* replacement refused: dropped */
	uint64_t stale;           /* verdicts for packets already resolved */
};

/* Totals over queue numbers that have no queue (never configured nor bound):
 * such packets are bypassed or dropped, and counted here. */
struct queue_table_stats {
	uint32_t queues, consumers, parked, max_parked;
	uint64_t unknown_bypassed, unknown_dropped;
};

/*
 * The table. pool_count is the router's buffer count: parked packets stay
 * under half of it. The table installs itself as the router's queue
 * handler (r->queue) and removes itself in queue_table_free(). 0 or -errno.
 */
int queue_table_new(struct queue_table **out, struct router *r, const struct queue_ops *ops,
		    void *ops_arg);
/* Every parked packet is freed (shutdown); consumers must be freed first. */
void queue_table_free(struct queue_table *t);

/*
 * Apply settings: queues listed are created or updated, queues no longer
 * listed keep their packets and consumer but take the defaults. All or
 * nothing: -ENOMEM or -ENOSPC leave the table as it was.
 */
int queue_table_configure(struct queue_table *t, const struct queue_table_config *cfg);

/* Give the default verdict to every packet whose deadline has passed. */
void queue_table_expire(struct queue_table *t, uint64_t now_ms);
/* The earliest deadline of a parked packet, UINT64_MAX when none. */
uint64_t queue_table_next_deadline(const struct queue_table *t);

/* Stats of each existing queue, in number order; fn returning nonzero
 * stops the walk. */
void queue_table_walk(const struct queue_table *t, int (*fn)(const struct queue_stats *s,
							     void *arg), void *arg);
void queue_table_stats(const struct queue_table *t, struct queue_table_stats *st);

/* The router's queue handler (router_queue_fn), arg being the table. */
void queue_enqueue(void *arg, struct router *r, struct pkt *p);

/* ---- consumers ---- */

/* A new consumer (an accepted connection); owner is for the ops (kick).
 * NULL when out of memory. */
struct queue_consumer *queue_consumer_new(struct queue_table *t, pid_t pid, uid_t uid,
					  void *owner);
void *queue_consumer_owner(const struct queue_consumer *c);
/* The consumer leaves: its queues are unbound, and their parked packets
 * get each queue's default verdict. */
void queue_consumer_free(struct queue_consumer *c);

/*
 * One message from the consumer. 0, or -errno when the message breaks the
 * protocol (malformed, or out of order: a verdict for a queue it did not
 * bind or for an id never sent): err says why, an ERROR reply is queued,
 * and the caller must close the consumer once it has sent it. Router work
 * (reinjection) happens inside; the caller flushes the router afterwards.
 */
int queue_consumer_input(struct queue_consumer *c, const void *msg, size_t len, char *err,
			 size_t errlen);

/* One message to send: iov[0] the head (in head[]), iov[1] the payload. */
struct queue_tx {
	struct iovec iov[2];
	uint8_t head[QUEUE_WIRE_HEAD_MAX + TFQ_MAX_ERROR_TEXT];
	/* for queue_consumer_sent() */
	uint16_t queue;
	uint32_t entry;   /* index of the entry, or UINT32_MAX for a reply */
};

/*
 * Up to max messages to send, in order: replies first, then packets,
 * taking queues in turn. realtime_ns_offset turns the router clock into
 * CLOCK_REALTIME (realtime ns - monotonic ns) for the timestamps. Returns
 * how many; 0 means nothing more to send (the next message kicks again).
 * The payload iovecs point into parked packets: send them before anything
 * else runs on the table, then report with queue_consumer_sent().
 */
unsigned int queue_consumer_fill(struct queue_consumer *c, struct queue_tx *tx, unsigned int max,
				 int64_t realtime_ns_offset);
/* The first n messages of the last fill went out. */
void queue_consumer_sent(struct queue_consumer *c, const struct queue_tx *tx, unsigned int n);

#endif
