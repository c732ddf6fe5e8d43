// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Consumers: what a connected consumer may ask, and what it is sent.
 *
 * Requests (BIND, UNBIND, COPY_MODE) are answered with an ACK carrying 0
 * or an errno: EBUSY (another consumer has the queue), ENOENT (not bound
 * by you), ENOSPC or ENOMEM (no room for another queue). Binding a queue
 * already yours only changes its copy mode.
 *
 * A consumer is closed (ERROR, then the owner closes the socket) when a
 * message is malformed (see wire.c) or out of order:
 *   - a verdict for a queue it has not bound;
 *   - a verdict for an id that was never sent to it (after the last one
 *     sent, in serial number order);
 *   - more requests than fit in its reply buffer without reading replies.
 * A verdict for an id that was sent but is no longer parked (its deadline
 * passed, or a batch verdict took it) is only counted as stale: the
 * consumer could not have known.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conntrack/entry.h"
#include "core/hook.h"
#include "core/pkt.h"
#include "core/router.h"
#include "queue/queue_priv.h"

void queue_consumer_kick(struct queue_consumer *c)
{
	struct queue_table *t;

	if (!c || c->kicked || c->dead)
		return;
	t = c->t;
	c->kicked = true;
	if (t->ops && t->ops->kick)
		t->ops->kick(t->ops_arg, c);
}

struct queue_consumer *queue_consumer_new(struct queue_table *t, pid_t pid, uid_t uid,
					  void *owner)
{
	struct queue_consumer *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->t = t;
	c->pid = pid;
	c->uid = uid;
	c->owner = owner;
	c->next = t->consumers;
	if (t->consumers)
		t->consumers->prev = c;
	t->consumers = c;
	t->n_consumers++;
	return c;
}

void *queue_consumer_owner(const struct queue_consumer *c)
{
	return c->owner;
}

static void queue_consumer_unlink_queue(struct queue_consumer *c, struct queue *q)
{
	struct queue **pp = &c->queues;

	while (*pp && *pp != q)
		pp = &(*pp)->cnext;
	if (*pp)
		*pp = q->cnext;
	q->cnext = NULL;
	q->consumer = NULL;
	q->copy_mode = q->s.copy_mode;
	q->copy_range = q->s.copy_range;
	c->n_queues--;
}

void queue_consumer_free(struct queue_consumer *c)
{
	struct queue_table *t = c->t;
	struct queue *orphans = NULL, *q;

	/* Unbind everything first, so that packets resolved below and queued
	 * again on another of its queues find no consumer there either. */
	while ((q = c->queues)) {
		queue_consumer_unlink_queue(c, q);
		q->cnext = orphans;
		orphans = q;
	}
	while ((q = orphans)) {
		orphans = q->cnext;
		q->cnext = NULL;
		queue_orphan(q);
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		t->consumers = c->next;
	if (c->next)
		c->next->prev = c->prev;
	t->n_consumers--;
	free(c);
}

/* ---- replies ---- */

static int queue_reply(struct queue_consumer *c, uint16_t type, uint32_t seq, int error,
		       const char *text)
{
	struct queue_reply *r;

	if (c->r_n == QUEUE_MAX_REPLIES)
		return -ENOBUFS;
	r = &c->replies[(c->r_head + c->r_n++) % QUEUE_MAX_REPLIES];
	r->type = type;
	r->seq = seq;
	r->error = error;
	r->text_len = 0;
	if (text) {
		size_t n = strlen(text);

		r->text_len = (uint16_t)(n < sizeof(r->text) ? n : sizeof(r->text));
		memcpy(r->text, text, r->text_len);
	}
	queue_consumer_kick(c);
	return 0;
}

static int queue_fatal(struct queue_consumer *c, int rc, uint32_t seq, char *err, size_t errlen,
		       const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* The consumer broke the protocol: say why (in err, and in an ERROR for
 * it), and ignore whatever it sends from now on. Returns rc. */
static int queue_fatal(struct queue_consumer *c, int rc, uint32_t seq, char *err, size_t errlen,
		       const char *fmt, ...)
{
	char text[TFQ_MAX_ERROR_TEXT + 1];
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(text, sizeof(text), fmt, ap);
		va_end(ap);
	} else {
		snprintf(text, sizeof(text), "%s", err && errlen ? err : "protocol error");
	}
	if (err && errlen)
		snprintf(err, errlen, "%s", text);
	/* Room is kept for this one: see queue_consumer_request(). */
	c->r_n = c->r_n < QUEUE_MAX_REPLIES ? c->r_n : QUEUE_MAX_REPLIES - 1;
	queue_reply(c, TFQ_MSG_ERROR, seq, -rc, text);
	c->dead = true;
	return rc;
}

/* ---- requests ---- */

static void queue_set_copy(struct queue *q, const struct tfq_queue_req *req)
{
	if (req->copy_mode == TFQ_COPY_DEFAULT) {
		q->copy_mode = q->s.copy_mode;
		q->copy_range = q->s.copy_range;
	} else {
		q->copy_mode = req->copy_mode;
		q->copy_range = req->copy_range;
	}
}

static int queue_bind(struct queue_consumer *c, const struct tfq_queue_req *req)
{
	int err = 0;
	struct queue *q = queue_get(c->t, req->queue, true, &err);

	if (!q)
		return err;
	if (q->consumer && q->consumer != c)
		return -EBUSY;
	if (!q->consumer) {
		q->consumer = c;
		q->cnext = c->queues;
		c->queues = q;
		c->n_queues++;
		/* Every id from here on is new to this consumer. */
		q->last_sent = q->next_id - 1;
	}
	queue_set_copy(q, req);
	return 0;
}

static struct queue *queue_of(struct queue_consumer *c, uint16_t num)
{
	struct queue *q = c->t->by_num[num];

	return q && q->consumer == c ? q : NULL;
}

static int queue_unbind(struct queue_consumer *c, const struct tfq_queue_req *req)
{
	struct queue *q = queue_of(c, req->queue);

	if (!q)
		return -ENOENT;
	queue_consumer_unlink_queue(c, q);
	queue_orphan(q);
	return 0;
}

static int queue_copy_mode(struct queue_consumer *c, const struct tfq_queue_req *req)
{
	struct queue *q = queue_of(c, req->queue);

	if (!q)
		return -ENOENT;
	queue_set_copy(q, req);
	return 0;
}

static int queue_consumer_request(struct queue_consumer *c, const struct queue_wire_msg *m,
				  char *err, size_t errlen)
{
	int rc;

	/* The last slot is kept for an ERROR. */
	if (c->r_n >= QUEUE_MAX_REPLIES - 1)
		return queue_fatal(c, -ENOBUFS, m->hdr.seq, err, errlen,
				   "%u requests without reading the replies",
				   QUEUE_MAX_REPLIES - 1);
	switch (m->hdr.type) {
	case TFQ_MSG_BIND:
		rc = queue_bind(c, &m->u.req);
		break;
	case TFQ_MSG_UNBIND:
		rc = queue_unbind(c, &m->u.req);
		break;
	default:
		rc = queue_copy_mode(c, &m->u.req);
		break;
	}
	queue_reply(c, TFQ_MSG_ACK, m->hdr.seq, -rc, NULL);
	return 0;
}

/* ---- verdicts ---- */

/* The queue of a verdict, and its id sent: else the consumer is wrong. */
static struct queue *queue_verdict_check(struct queue_consumer *c, const struct queue_wire_msg *m,
					 char *err, size_t errlen)
{
	const struct tfq_verdict_msg *v = &m->u.verdict;
	const char *name = queue_wire_type_name(m->hdr.type);
	struct queue *q = queue_of(c, v->queue);

	if (!q) {
		queue_fatal(c, -EPROTO, m->hdr.seq, err, errlen,
			    "%s for queue %u, which this consumer has not bound", name, v->queue);
		return NULL;
	}
	if (queue_wire_id_after(v->id, q->last_sent)) {
		queue_fatal(c, -EPROTO, m->hdr.seq, err, errlen,
			    "%s for packet id %u of queue %u, which was never sent (last sent %u)",
			    name, v->id, v->queue, q->last_sent);
		return NULL;
	}
	return q;
}

static int queue_consumer_verdict(struct queue_consumer *c, const struct queue_wire_msg *m,
				  char *err, size_t errlen)
{
	const struct tfq_verdict_msg *v = &m->u.verdict;
	struct queue *q = queue_verdict_check(c, m, err, errlen);
	uint32_t idx;

	if (!q)
		return -EPROTO;
	idx = queue_lookup(q, v->id);
	if (idx == QE_NIL) {
		q->st.stale++;
		return 0;
	}
	queue_resolve(q, idx, v->verdict, QUEUE_WHY_VERDICT, v->flags & TFQ_VF_MARK ? &v->mark
										    : NULL,
		      m->data, m->data_len);
	return 0;
}

static int queue_consumer_batch(struct queue_consumer *c, const struct queue_wire_msg *m,
				char *err, size_t errlen)
{
	const struct tfq_verdict_msg *v = &m->u.verdict;
	struct queue *q = queue_verdict_check(c, m, err, errlen);
	const uint32_t *mark = v->flags & TFQ_VF_MARK ? &v->mark : NULL;

	if (!q)
		return -EPROTO;
	/* Sent entries are a prefix of the FIFO, in id order; packets queued
	 * again meanwhile go to the tail unsent, so the loop ends. */
	while (q->head != QE_NIL && q->e[q->head].sent &&
	       !queue_wire_id_after(q->e[q->head].id, v->id))
		queue_resolve(q, q->head, v->verdict, QUEUE_WHY_VERDICT, mark, NULL, 0);
	return 0;
}

int queue_consumer_input(struct queue_consumer *c, const void *msg, size_t len, char *err,
			 size_t errlen)
{
	struct queue_wire_msg m;
	int rc;

	if (c->dead)
		return -EPIPE;
	rc = queue_wire_decode(msg, len, QUEUE_WIRE_TO_DAEMON, &m, err, errlen);
	if (rc)
		return queue_fatal(c, rc, m.hdr.seq, err, errlen, NULL);
	switch (m.hdr.type) {
	case TFQ_MSG_VERDICT:
		return queue_consumer_verdict(c, &m, err, errlen);
	case TFQ_MSG_VERDICT_BATCH:
		return queue_consumer_batch(c, &m, err, errlen);
	default:
		return queue_consumer_request(c, &m, err, errlen);
	}
}

/* ---- output ---- */

static void queue_fill_reply(const struct queue_reply *r, struct queue_tx *tx)
{
	struct queue_wire_msg m;
	size_t head;

	memset(&m, 0, sizeof(m));
	m.hdr.type = r->type;
	m.hdr.seq = r->seq;
	m.u.ack.error = r->error;
	m.data = (const uint8_t *)r->text;
	m.data_len = r->text_len;
	head = queue_wire_encode(&m, tx->head, sizeof(tx->head));
	tx->iov[0].iov_base = tx->head;
	tx->iov[0].iov_len = head;
	tx->iov[1].iov_base = NULL;
	tx->iov[1].iov_len = 0;
	tx->entry = UINT32_MAX;
}

static void queue_fill_ifname(char *dst, const struct router *r, int16_t idx, int32_t *out)
{
	*out = idx;
	if (idx >= 0 && idx < ROUTER_MAX_IFACES && r->ifaces[idx].used)
		memcpy(dst, r->ifaces[idx].name, TFQ_IFNAMSIZ);
	dst[TFQ_IFNAMSIZ - 1] = '\0';
}

static void queue_fill_packet(const struct queue *q, uint32_t idx, struct queue_tx *tx,
			      int64_t rt_off)
{
	const struct queue_entry *e = &q->e[idx];
	const struct pkt *p = e->p;
	struct tfq_packet_msg *pm;
	struct queue_wire_msg m;
	uint32_t plen = 0;

	memset(&m, 0, sizeof(m));
	m.hdr.type = TFQ_MSG_PACKET;
	pm = &m.u.packet;
	pm->id = e->id;
	pm->queue = q->num;
	pm->hook = p->hook;
	pm->orig_len = p->len;
	pm->copy_mode = (uint8_t)q->copy_mode;
	if (q->copy_mode != TFQ_COPY_NONE) {
		const struct router *r = q->t->r;

		pm->mark = p->mark;
		pm->flags = (p->flags & PKT_F_LOCAL_ORIGIN) ? TFQ_PF_LOCAL_ORIGIN : 0;
		queue_fill_ifname(pm->in_name, r, p->iif, &pm->in_index);
		queue_fill_ifname(pm->out_name, r, p->oif, &pm->out_index);
		pm->tstamp_ns = (uint64_t)((int64_t)p->tstamp_ms * 1000000 + rt_off);
		if (p->ct) {
			/* enum ct_info has the kernel's numbers, as TFQ_CT_*. */
			pm->flags |= TFQ_PF_CT;
			pm->ct_state = p->ctinfo;
			pm->ct_id = ((const struct ct_entry *)p->ct)->id;
		} else {
			pm->ct_state = TFQ_CT_UNTRACKED;
		}
	} else {
		pm->in_index = pm->out_index = -1;
	}
	if (q->copy_mode == TFQ_COPY_PACKET)
		plen = p->len < q->copy_range ? p->len : q->copy_range;
	m.data_len = plen;
	tx->iov[0].iov_base = tx->head;
	tx->iov[0].iov_len = queue_wire_encode_head(&m, tx->head, sizeof(tx->head));
	tx->iov[1].iov_base = p->data;
	tx->iov[1].iov_len = plen;
	tx->queue = q->num;
	tx->entry = idx;
}

/* The bound queue after num in the consumer's ring, num itself last. */
static struct queue *queue_consumer_next_queue(const struct queue_consumer *c, struct queue *q)
{
	return q && q->cnext ? q->cnext : c->queues;
}

unsigned int queue_consumer_fill(struct queue_consumer *c, struct queue_tx *tx, unsigned int max,
				 int64_t realtime_ns_offset)
{
	struct queue *start, *q;
	unsigned int n = 0, i;

	for (i = 0; i < c->r_n && n < max; i++)
		queue_fill_reply(&c->replies[(c->r_head + i) % QUEUE_MAX_REPLIES], &tx[n++]);
	if (c->dead) {
		/* Only the ERROR goes out now. */
		if (!n)
			c->kicked = false;
		return n;
	}
	start = c->t->by_num[c->rr];
	if (!start || start->consumer != c)
		start = c->queues;
	q = start;
	for (unsigned int k = 0; q && k < c->n_queues && n < max; k++) {
		for (uint32_t e = q->unsent; e != QE_NIL && n < max; e = q->e[e].next)
			queue_fill_packet(q, e, &tx[n++], realtime_ns_offset);
		q = queue_consumer_next_queue(c, q);
	}
	/* Next time, start after the queue that went first this time. */
	q = queue_consumer_next_queue(c, start);
	c->rr = q ? q->num : 0;
	if (!n)
		c->kicked = false;
	return n;
}

void queue_consumer_sent(struct queue_consumer *c, const struct queue_tx *tx, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		struct queue *q;
		struct queue_entry *e;

		if (tx[i].entry == UINT32_MAX) {
			c->r_head = (c->r_head + 1) % QUEUE_MAX_REPLIES;
			c->r_n--;
			continue;
		}
		q = c->t->by_num[tx[i].queue];
		e = &q->e[tx[i].entry];
		e->sent = true;
		q->unsent = e->next;
		q->n_unsent--;
		q->last_sent = e->id;
	}
}
