// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Queues: parking, verdicts, expiry, settings (see queue.h for the life of
 * a packet, queue_priv.h for the layout of a queue).
 *
 * Re-entry: carrying out a verdict resumes the packet's traversal, which
 * may queue it again (REPEAT, or a later NFQUEUE rule), possibly on the
 * same queue. So every loop here takes an entry off its queue before
 * resolving it and reads the queue's state afresh afterwards, and a queue
 * is never freed while packets may be moving (only on configure and bind).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/hook.h"
#include "core/router.h"
#include "queue/payload.h"
#include "queue/queue_priv.h"

/* ---- entries ---- */

static uint32_t queue_hash_size(uint32_t cap)
{
	uint32_t n = 16;

	while (n < cap)
		n <<= 1;
	return n;
}

/* The capacity a queue needs: its maxlen, never more than can be parked
 * at all, never less than it holds now. */
static uint32_t queue_cap_for(const struct queue_table *t, uint32_t maxlen, uint32_t len)
{
	uint32_t cap = maxlen < t->max_parked ? maxlen : t->max_parked;

	if (cap < len)
		cap = len;
	return cap ? cap : 1;
}

struct queue_store {
	struct queue_entry *e;
	uint32_t *bucket;
	uint32_t cap, hmask;
};

static int queue_store_alloc(struct queue_store *st, uint32_t cap)
{
	uint32_t n = queue_hash_size(cap);

	st->e = calloc(cap, sizeof(*st->e));
	st->bucket = malloc(n * sizeof(*st->bucket));
	if (!st->e || !st->bucket) {
		free(st->e);
		free(st->bucket);
		return -ENOMEM;
	}
	memset(st->bucket, 0xff, n * sizeof(*st->bucket)); /* QE_NIL */
	st->cap = cap;
	st->hmask = n - 1;
	return 0;
}

static void queue_store_free(struct queue_store *st)
{
	free(st->e);
	free(st->bucket);
	st->e = NULL;
	st->bucket = NULL;
}

static void queue_hash_add(struct queue *q, uint32_t idx)
{
	uint32_t *b = &q->bucket[q->e[idx].id & q->hmask];

	q->e[idx].hnext = *b;
	*b = idx;
}

static void queue_hash_del(struct queue *q, uint32_t idx)
{
	uint32_t *pp = &q->bucket[q->e[idx].id & q->hmask];

	while (*pp != idx)
		pp = &q->e[*pp].hnext;
	*pp = q->e[idx].hnext;
}

uint32_t queue_lookup(const struct queue *q, uint32_t id)
{
	uint32_t i = q->bucket[id & q->hmask];

	while (i != QE_NIL && q->e[i].id != id)
		i = q->e[i].hnext;
	return i;
}

/*
 * Install st as q's entries, moving the parked ones over in FIFO order
 * (they become entries 0..len-1). The old arrays go back in st.
 */
static void queue_store_swap(struct queue *q, struct queue_store *st)
{
	struct queue_store old = { q->e, q->bucket, q->cap, q->hmask };
	uint32_t i, k = 0, unsent = QE_NIL;

	for (i = q->head; i != QE_NIL; i = old.e[i].next, k++) {
		st->e[k] = old.e[i];
		st->e[k].prev = k ? k - 1 : QE_NIL;
		st->e[k].next = k + 1 < q->len ? k + 1 : QE_NIL;
		if (i == q->unsent)
			unsent = k;
	}
	for (i = k; i < st->cap; i++)
		st->e[i].next = i + 1 < st->cap ? i + 1 : QE_NIL;
	q->e = st->e;
	q->bucket = st->bucket;
	q->cap = st->cap;
	q->hmask = st->hmask;
	*st = old;
	q->free = k < q->cap ? k : QE_NIL;
	q->head = k ? 0 : QE_NIL;
	q->tail = k ? k - 1 : QE_NIL;
	q->unsent = unsent;
	for (i = 0; i < k; i++)
		queue_hash_add(q, i);
}

/* ---- queues ---- */

static struct queue *queue_alloc(struct queue_table *t, uint16_t num,
				 const struct queue_settings *s, struct queue_store *st)
{
	struct queue *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->t = t;
	q->num = num;
	q->s = *s;
	q->copy_mode = s->copy_mode;
	q->copy_range = s->copy_range;
	q->head = q->tail = q->unsent = QE_NIL;
	q->next_id = 1;
	q->st.num = num;
	queue_store_swap(q, st);
	return q;
}

static void queue_destroy(struct queue *q)
{
	free(q->e);
	free(q->bucket);
	free(q);
}

static void queue_insert(struct queue_table *t, struct queue *q)
{
	t->by_num[q->num] = q;
	t->n_queues++;
}

/* A queue that nothing needs: not configured, not bound, empty. Its
 * counters are lost, which is why this happens only to make room. */
static bool queue_idle(const struct queue *q)
{
	return !q->configured && !q->consumer && !q->len;
}

static bool queue_evict_one(struct queue_table *t)
{
	for (uint32_t n = 0; n <= QUEUE_NUM_MAX; n++) {
		struct queue *q = t->by_num[n];

		if (q && queue_idle(q)) {
			t->by_num[n] = NULL;
			t->n_queues--;
			queue_destroy(q);
			return true;
		}
	}
	return false;
}

struct queue *queue_get(struct queue_table *t, uint16_t num, bool create, int *err)
{
	struct queue_store st;
	struct queue *q = t->by_num[num];

	if (q || !create)
		return q;
	if (t->n_queues >= QUEUE_MAX_QUEUES && !queue_evict_one(t)) {
		*err = -ENOSPC;
		return NULL;
	}
	*err = queue_store_alloc(&st, queue_cap_for(t, t->defaults.maxlen, 0));
	if (*err)
		return NULL;
	q = queue_alloc(t, num, &t->defaults, &st);
	if (!q) {
		queue_store_free(&st);
		*err = -ENOMEM;
		return NULL;
	}
	queue_insert(t, q);
	return q;
}

static void queue_active_add(struct queue *q)
{
	struct queue_table *t = q->t;

	q->active = true;
	q->aprev = NULL;
	q->anext = t->active;
	if (t->active)
		t->active->aprev = q;
	t->active = q;
}

static void queue_active_del(struct queue *q)
{
	if (q->aprev)
		q->aprev->anext = q->anext;
	else
		q->t->active = q->anext;
	if (q->anext)
		q->anext->aprev = q->aprev;
	q->active = false;
	q->anext = q->aprev = NULL;
}

/* Park p at the tail of q. There is room (the caller checked). */
static void queue_park(struct queue *q, struct pkt *p, uint64_t now_ms)
{
	struct queue_table *t = q->t;
	uint32_t idx = q->free;
	struct queue_entry *e = &q->e[idx];

	q->free = e->next;
	e->p = p;
	e->fn = t->r->hooks.list[p->hook].v[p->hook_idx].fn;
	e->priv = t->r->hooks.list[p->hook].v[p->hook_idx].priv;
	e->enq_ms = now_ms;
	e->id = q->next_id++;
	e->sent = false;
	e->next = QE_NIL;
	e->prev = q->tail;
	if (q->tail != QE_NIL)
		q->e[q->tail].next = idx;
	else
		q->head = idx;
	q->tail = idx;
	queue_hash_add(q, idx);
	q->len++;
	q->n_unsent++;
	t->parked++;
	q->st.queued++;
	if (q->unsent == QE_NIL) {
		q->unsent = idx;
		queue_consumer_kick(q->consumer);
	}
	if (!q->active) {
		queue_active_add(q);
		if (t->ops && t->ops->arm)
			t->ops->arm(t->ops_arg, now_ms + q->s.timeout_ms);
	}
}

/* Point p->hook_idx at the handler that queued it, wherever the hook list
 * has put it since. false when it is gone. */
static bool queue_rehook(const struct router *r, const struct queue_entry *e, struct pkt *p)
{
	const struct hook_list *l = &r->hooks.list[p->hook];

	if (p->hook_idx < l->n && l->v[p->hook_idx].fn == e->fn &&
	    l->v[p->hook_idx].priv == e->priv)
		return true;
	for (unsigned int i = 0; i < l->n; i++) {
		if (l->v[i].fn == e->fn && l->v[i].priv == e->priv) {
			p->hook_idx = (uint16_t)i;
			return true;
		}
	}
	return false;
}

/* Take entry idx off q; its packet is the caller's. */
static struct pkt *queue_unlink(struct queue *q, uint32_t idx)
{
	struct queue_entry *e = &q->e[idx];
	struct pkt *p = e->p;

	if (q->unsent == idx)
		q->unsent = e->next;
	if (!e->sent)
		q->n_unsent--;
	if (e->prev != QE_NIL)
		q->e[e->prev].next = e->next;
	else
		q->head = e->next;
	if (e->next != QE_NIL)
		q->e[e->next].prev = e->prev;
	else
		q->tail = e->prev;
	queue_hash_del(q, idx);
	e->p = NULL;
	e->next = q->free;
	q->free = idx;
	q->len--;
	q->t->parked--;
	if (!q->len)
		queue_active_del(q);
	return p;
}

void queue_resolve(struct queue *q, uint32_t idx, unsigned int verdict, enum queue_why why,
		   const uint32_t *mark, const uint8_t *payload, uint32_t payload_len)
{
	struct router *r = q->t->r;
	bool hooked = queue_rehook(r, &q->e[idx], q->e[idx].p);
	struct pkt *p = queue_unlink(q, idx);

	if (!hooked && verdict != TF_DROP) {
		router_drop(r, p, DROP_QUEUE_UNHOOKED);
		return;
	}
	if (mark)
		p->mark = *mark;
	if (payload_len && verdict != TF_DROP &&
	    queue_payload_replace(p, payload, payload_len) < 0) {
		q->st.bad_payload++;
		router_drop(r, p, DROP_QUEUE_BAD_PAYLOAD);
		return;
	}
	if (why == QUEUE_WHY_TIMEOUT)
		q->st.timed_out++;
	else if (why == QUEUE_WHY_ORPHAN)
		q->st.orphaned++;
	switch (verdict) {
	case TF_ACCEPT:
		q->st.accepted += why == QUEUE_WHY_VERDICT;
		router_reinject(r, p, TF_ACCEPT);
		break;
	case TF_REPEAT:
		q->st.repeated++;
		router_reinject(r, p, TF_REPEAT);
		break;
	default:
		q->st.dropped += why == QUEUE_WHY_VERDICT;
		router_drop(r, p, why == QUEUE_WHY_VERDICT ? DROP_QUEUE_DROP : DROP_QUEUE_DEFAULT);
		break;
	}
}

void queue_orphan(struct queue *q)
{
	/* Re-queued packets cannot land here again: q has no consumer now. */
	while (q->head != QE_NIL)
		queue_resolve(q, q->head, q->s.default_verdict, QUEUE_WHY_ORPHAN, NULL, NULL, 0);
}

/* ---- the router's handler ---- */

/* Nobody takes the packet: --queue-bypass lets it go on, else it drops. */
static void queue_no_consumer(struct queue_table *t, struct queue *q, struct router *r,
			      struct pkt *p)
{
	if (p->flags & PKT_F_QUEUE_BYPASS) {
		if (q)
			q->st.bypassed++;
		else
			t->unknown_bypassed++;
		p->flags &= (uint8_t)~PKT_F_QUEUE_BYPASS;
		router_reinject(r, p, TF_ACCEPT);
		return;
	}
	if (q)
		q->st.no_consumer++;
	else
		t->unknown_dropped++;
	router_drop(r, p, DROP_QUEUE_NO_CONSUMER);
}

void queue_enqueue(void *arg, struct router *r, struct pkt *p)
{
	struct queue_table *t = arg;
	struct queue *q = t->by_num[p->queue_num];

	if (!q || !q->consumer) {
		queue_no_consumer(t, q, r, p);
		return;
	}
	p->flags &= (uint8_t)~PKT_F_QUEUE_BYPASS;
	if (q->len >= q->s.maxlen || q->len >= q->cap || t->parked >= t->max_parked) {
		if (q->s.fail_open) {
			q->st.failed_open++;
			router_reinject(r, p, TF_ACCEPT);
		} else {
			q->st.dropped_full++;
			router_drop(r, p, DROP_QUEUE_FULL);
		}
		return;
	}
	queue_park(q, p, r->now_ms);
}

/* ---- expiry ---- */

static bool queue_head_expired(const struct queue *q, uint64_t now_ms)
{
	return q->head != QE_NIL && q->e[q->head].enq_ms + q->s.timeout_ms <= now_ms;
}

void queue_table_expire(struct queue_table *t, uint64_t now_ms)
{
	struct queue *due[QUEUE_MAX_QUEUES];
	unsigned int n = 0, i;

	/* Collect first: resolving changes the active list under us. */
	for (struct queue *q = t->active; q && n < QUEUE_MAX_QUEUES; q = q->anext) {
		if (queue_head_expired(q, now_ms))
			due[n++] = q;
	}
	for (i = 0; i < n; i++) {
		struct queue *q = due[i];

		/* Packets queued again meanwhile are parked at now_ms and a
		 * timeout is at least 1 ms: the loop ends. */
		while (queue_head_expired(q, now_ms))
			queue_resolve(q, q->head, q->s.default_verdict, QUEUE_WHY_TIMEOUT, NULL,
				      NULL, 0);
	}
}

uint64_t queue_table_next_deadline(const struct queue_table *t)
{
	uint64_t best = UINT64_MAX;

	for (const struct queue *q = t->active; q; q = q->anext) {
		uint64_t d = q->e[q->head].enq_ms + q->s.timeout_ms;

		if (d < best)
			best = d;
	}
	return best;
}

/* ---- settings ---- */

struct queue_prep {
	struct queue *q;          /* existing, or NULL: create */
	uint16_t num;
	bool configured;
	struct queue_settings s;
	struct queue_store st;    /* new entries, when the capacity changes */
	bool realloc;
};

static const struct queue_settings *queue_cfg_find(const struct queue_table_config *cfg,
						   uint16_t num)
{
	for (unsigned int i = 0; i < cfg->n_nums; i++) {
		if (cfg->nums[i].num == num)
			return &cfg->nums[i].s;
	}
	return NULL;
}

static void queue_prep_free(struct queue_prep *v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		queue_store_free(&v[i].st);
	free(v);
}

/* Phase one: every allocation the new settings need, nothing changed. */
static int queue_prepare(struct queue_table *t, const struct queue_table_config *cfg,
			 struct queue_prep **out, unsigned int *count)
{
	struct queue_prep *v = calloc(t->n_queues + cfg->n_nums + 1, sizeof(*v));
	unsigned int n = 0, fresh = 0, idle = 0;

	if (!v)
		return -ENOMEM;
	for (uint32_t num = 0; num <= QUEUE_NUM_MAX; num++) {
		struct queue *q = t->by_num[num];
		const struct queue_settings *s = queue_cfg_find(cfg, (uint16_t)num);

		if (!q && !s)
			continue;
		v[n].q = q;
		v[n].num = (uint16_t)num;
		v[n].configured = s != NULL;
		v[n].s = s ? *s : cfg->defaults;
		fresh += !q;
		idle += q && !s && !q->consumer && !q->len;
		n++;
	}
	if (fresh && t->n_queues + fresh - idle > QUEUE_MAX_QUEUES) {
		queue_prep_free(v, n);
		return -ENOSPC;
	}
	for (unsigned int i = 0; i < n; i++) {
		struct queue *q = v[i].q;
		uint32_t cap = queue_cap_for(t, v[i].s.maxlen, q ? q->len : 0);

		if (q && q->cap == cap)
			continue;
		v[i].realloc = true;
		if (queue_store_alloc(&v[i].st, cap) < 0) {
			queue_prep_free(v, n);
			return -ENOMEM;
		}
	}
	*out = v;
	*count = n;
	return 0;
}

int queue_table_configure(struct queue_table *t, const struct queue_table_config *cfg)
{
	struct queue_prep *v;
	unsigned int n, i;
	int rc;

	rc = queue_prepare(t, cfg, &v, &n);
	if (rc)
		return rc;
	t->defaults = cfg->defaults;
	for (i = 0; i < n; i++) {
		struct queue *q = v[i].q;

		if (!q) {
			if (t->n_queues >= QUEUE_MAX_QUEUES)
				queue_evict_one(t); /* counted by queue_prepare */
			q = queue_alloc(t, v[i].num, &v[i].s, &v[i].st);
			if (!q)
				continue; /* cannot happen: st was moved in */
			queue_insert(t, q);
		} else if (v[i].realloc) {
			queue_store_swap(q, &v[i].st);
		}
		q->configured = v[i].configured;
		q->s = v[i].s;
		if (!q->consumer) {
			q->copy_mode = q->s.copy_mode;
			q->copy_range = q->s.copy_range;
		}
	}
	queue_prep_free(v, n);
	/* Timeouts may be shorter now. */
	if (t->parked && t->ops && t->ops->arm)
		t->ops->arm(t->ops_arg, queue_table_next_deadline(t));
	return 0;
}

/* ---- the table ---- */

int queue_table_new(struct queue_table **out, struct router *r, const struct queue_ops *ops,
		    void *ops_arg)
{
	static const struct queue_settings defaults = QUEUE_SETTINGS_DEFAULTS;
	struct queue_table *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->by_num = calloc(QUEUE_NUM_MAX + 1, sizeof(*t->by_num));
	if (!t->by_num) {
		free(t);
		return -ENOMEM;
	}
	t->r = r;
	t->ops = ops;
	t->ops_arg = ops_arg;
	t->defaults = defaults;
	t->max_parked = r->pool.count / 2 ? r->pool.count / 2 : 1;
	r->queue = queue_enqueue;
	r->queue_arg = t;
	*out = t;
	return 0;
}

void queue_table_free(struct queue_table *t)
{
	if (!t)
		return;
	if (t->r->queue_arg == t) {
		t->r->queue = NULL;
		t->r->queue_arg = NULL;
	}
	for (uint32_t n = 0; n <= QUEUE_NUM_MAX; n++) {
		struct queue *q = t->by_num[n];

		if (!q)
			continue;
		/* Shutdown: parked packets simply go back to the pool. */
		while (q->head != QE_NIL)
			pkt_free(&t->r->pool, queue_unlink(q, q->head));
		queue_destroy(q);
	}
	free(t->by_num);
	free(t);
}

static void queue_fill_stats(const struct queue *q, struct queue_stats *s)
{
	*s = q->st;
	s->num = q->num;
	s->configured = q->configured;
	s->bound = q->consumer != NULL;
	s->pid = q->consumer ? q->consumer->pid : 0;
	s->uid = q->consumer ? q->consumer->uid : 0;
	s->copy_mode = q->copy_mode;
	s->copy_range = q->copy_range;
	s->s = q->s;
	s->pending = q->len;
	s->unsent = q->n_unsent;
}

void queue_table_walk(const struct queue_table *t,
		      int (*fn)(const struct queue_stats *s, void *arg), void *arg)
{
	struct queue_stats s;

	for (uint32_t n = 0; n <= QUEUE_NUM_MAX; n++) {
		if (!t->by_num[n])
			continue;
		queue_fill_stats(t->by_num[n], &s);
		if (fn(&s, arg))
			return;
	}
}

void queue_table_stats(const struct queue_table *t, struct queue_table_stats *st)
{
	st->queues = t->n_queues;
	st->consumers = t->n_consumers;
	st->parked = t->parked;
	st->max_parked = t->max_parked;
	st->unknown_bypassed = t->unknown_bypassed;
	st->unknown_dropped = t->unknown_dropped;
}
