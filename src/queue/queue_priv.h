/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside the queue subsystem: the structures shared by queue.c (queues,
 * parking, verdicts, expiry) and consumer.c (consumers and their messages).
 * Nothing outside src/queue/ includes this.
 *
 * A queue keeps its parked packets in a preallocated entry array:
 *
 *   entries  [e0][e1][e2]...[cap-1]    free ones chained through next
 *   FIFO     head -> ... -> tail       arrival order = id order
 *   unsent   first FIFO entry not yet sent; all after it are unsent too,
 *            so the sent ones are a prefix of the FIFO
 *   bucket   id & hmask -> chain through hnext: a verdict finds its entry
 *            in O(1) whatever the order verdicts come in
 *
 * Deadlines are enq_ms + timeout; arrival order makes the head the
 * earliest, so expiry looks at heads only.
 */
#ifndef TF_QUEUE_QUEUE_PRIV_H
#define TF_QUEUE_QUEUE_PRIV_H

#include "core/hook.h"
#include "queue/queue.h"

#define QE_NIL UINT32_MAX

struct queue_entry {
	struct pkt *p;
	/* The handler that queued it: hook lists may change while it waits
	 * (a reload turns defrag or conntrack on), so the resume point is
	 * found again by identity, not kept as an index. */
	hook_fn fn;
	void *priv;
	uint64_t enq_ms;     /* router clock when parked */
	uint32_t id;
	uint32_t prev, next; /* FIFO; next also chains the free list */
	uint32_t hnext;      /* hash chain */
	bool sent;
};

struct queue {
	struct queue_table *t;
	uint16_t num;
	bool configured;
	struct queue_settings s;
	struct queue_consumer *consumer;
	struct queue *cnext;          /* the consumer's bound queues */
	struct queue *anext, *aprev;  /* the table's active list (len > 0) */
	bool active;
	uint32_t copy_mode, copy_range; /* the consumer's choice */

	struct queue_entry *e;
	uint32_t cap;
	uint32_t *bucket;
	uint32_t hmask;
	uint32_t free, head, tail, unsent;
	uint32_t len, n_unsent;
	uint32_t next_id, last_sent;

	struct queue_stats st;        /* counters; the state fields are filled on demand */
};

struct queue_reply {
	uint16_t type;                /* TFQ_MSG_ACK or TFQ_MSG_ERROR */
	uint32_t seq;
	int32_t error;
	uint16_t text_len;
	char text[TFQ_MAX_ERROR_TEXT];
};

struct queue_consumer {
	struct queue_table *t;
	struct queue_consumer *prev, *next;
	pid_t pid;
	uid_t uid;
	void *owner;
	struct queue *queues;         /* bound */
	unsigned int n_queues;
	uint16_t rr;                  /* the queue the next fill starts with */
	bool kicked;                  /* owner told; cleared by an empty fill */
	bool dead;                    /* broke the protocol: input ignored */
	struct queue_reply replies[QUEUE_MAX_REPLIES];
	unsigned int r_head, r_n;
};

struct queue_table {
	struct router *r;
	const struct queue_ops *ops;
	void *ops_arg;
	struct queue **by_num;        /* QUEUE_NUM_MAX + 1 slots */
	unsigned int n_queues;
	struct queue_consumer *consumers;
	unsigned int n_consumers;
	struct queue *active;
	uint32_t parked, max_parked;
	struct queue_settings defaults;
	uint64_t unknown_bypassed, unknown_dropped;
};

/* Why a parked packet is resolved: the counters differ. */
enum queue_why {
	QUEUE_WHY_VERDICT,
	QUEUE_WHY_TIMEOUT,
	QUEUE_WHY_ORPHAN,
};

/* The queue num, created (with the defaults) if create and it does not
 * exist. NULL: absent, or -ENOSPC / -ENOMEM in *err. */
struct queue *queue_get(struct queue_table *t, uint16_t num, bool create, int *err);
/* Entry index of id, QE_NIL when not parked. */
uint32_t queue_lookup(const struct queue *q, uint32_t id);
/* Take entry idx off q and carry out verdict on its packet, with an
 * optional new mark and replacement payload. May re-enter the queues. */
void queue_resolve(struct queue *q, uint32_t idx, unsigned int verdict, enum queue_why why,
		   const uint32_t *mark, const uint8_t *payload, uint32_t payload_len);
/* Give every parked packet of q its default verdict (consumer gone). */
void queue_orphan(struct queue *q);
/* Tell the owner that c has something to send. */
void queue_consumer_kick(struct queue_consumer *c);

#endif
