// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IPv4 reassembly (RFC 791), with the defences of the kernel's
 * net/ipv4/ip_fragment.c and inet_fragment.c.
 *
 * State. A queue (struct defrag_q) per datagram, keyed by (saddr, daddr,
 * protocol, id), lives in a fixed array allocated by defrag_new and is found
 * through a seeded hash table of the same size class; nothing is allocated
 * per packet. A queue holds its fragments as a chain of pool buffers sorted
 * by offset, with their headers intact. Queues are also on an age list,
 * oldest first: the same list serves expiry (a queue is never refreshed, as
 * in the kernel the timer is armed once at creation) and eviction.
 *
 * A fragment's life, in the order of the checks (those of ip_frag_queue,
 * with the overlap test moved before the end tests so that a teardrop,
 * which breaks both, is counted as the overlap it is):
 *
 *   1. On its own: empty, a non-last one whose length is not a multiple of
 *      8 (the kernel trims it; RFC 791 forbids it), or one ending where no
 *      header could make it fit 65535 bytes -> INVALID / OVERSIZE.
 *   2. Against the fragments held: the same offset and length, MF and bytes
 *      -> an exact duplicate, dropped alone (DEFRAG_DUPLICATE: networks do
 *      duplicate packets and that is no reason to lose the datagram, nor a
 *      sign of attack worth an overlap count); any other overlap, including
 *      a "duplicate" that disagrees -> OVERLAP (RFC 5722 style, as Linux
 *      has done for IPv4 since 2018).
 *   3. Against its queue's ends: a last fragment ending before data already
 *      held or elsewhere than a previous last, data past a known end
 *      -> INVALID; the first fragment's header plus the end past 65535
 *      -> OVERSIZE (ping of death).
 *   4. Memory: room is made by evicting the oldest other queues; if that is
 *      not enough the datagram can never complete here -> MEMORY, and its
 *      queue goes too.
 *   Each failure drops the whole queue with the fragment (the kernel's
 *   discard_qp), except the exact duplicate. Every dropped fragment is
 *   counted once, under the reason that dropped it.
 *
 * Memory accounting. A fragment costs its length plus DEFRAG_FRAG_OVERHEAD,
 * about what the kernel's skb truesize adds to the data, so that max_memory
 * means what ipfrag_high_thresh means. Counting whole PKT_BUF_SIZE buffers
 * instead would make the byte cap meaningless (64 fragments in 4 MiB). But
 * the scarce thing here is pool buffers, which a stream of tiny fragments
 * could pin under any byte cap, so defrag also never holds more than half
 * the pool's buffers: the other half stays for reading, forwarding and
 * ICMP. Both caps evict the same way.
 *
 * Expiry runs lazily at the start of every defrag_add (so a lookup never
 * finds a stale queue) and from defrag_expire on the router's tick. A queue
 * is taken off the hash and age list before the timeout callback runs, so
 * the callback may re-enter the router (and defrag) safely.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <sys/random.h>
#include "core/defrag.h"
#include "core/hash.h"
#include "core/ipv4.h"

/* Bytes charged per fragment on top of its length (see above). */
#define DEFRAG_FRAG_OVERHEAD 256u
/* Defaults for zero config fields: the kernel's ipfrag_high_thresh and
 * ipfrag_time, and a queue count in proportion. */
#define DEFRAG_DEF_MEMORY (4u << 20)
#define DEFRAG_DEF_TIMEOUT_MS 30000u
#define DEFRAG_DEF_QUEUES 1024u
#define DEFRAG_MAX_QUEUES (1u << 20)

enum {
	DEFRAG_Q_FIRST = 1u << 0, /* the offset 0 fragment is held */
	DEFRAG_Q_LAST = 1u << 1,  /* the MF-clear fragment is held: len is exact */
};

struct defrag_q {
	struct defrag_q *hnext, **hpprev; /* hash chain; hnext links the free list */
	struct defrag_q *older, *newer;   /* age list */
	struct pkt *frags, *tail;         /* sorted by offset */
	uint64_t created_ms;
	uint32_t saddr, daddr;            /* network order */
	uint16_t id;
	uint8_t protocol;
	uint8_t flags;                    /* DEFRAG_Q_* */
	uint32_t len;                     /* payload end: exact once LAST, else max seen */
	uint32_t meat;                    /* payload bytes held */
	uint32_t mem;                     /* bytes charged */
	uint32_t nfrags;
	uint16_t first_hlen;
	uint16_t max_size;                /* largest fragment, total length */
	uint16_t max_df_size;             /* largest fragment with DF */
};

struct defrag {
	struct defrag_config cfg;
	struct pkt_pool *pool;
	struct drop_stats *drops;
	defrag_timeout_fn timeout_fn;
	void *timeout_arg;
	struct defrag_q *qs;
	struct defrag_q *free_q;
	struct defrag_q **buckets;
	uint32_t hmask;
	uint64_t seed[2];
	struct defrag_q *oldest, *newest;
	uint32_t mem, nqueues, nbufs, max_bufs;
};

/* Where a fragment sits in the datagram. */
struct defrag_frag {
	unsigned int off, end, hlen;
	bool mf;
};

static void defrag_frag_info(const struct pkt *p, struct defrag_frag *fi)
{
	const struct iphdr *ip = ipv4_hdr(p);

	fi->hlen = ipv4_hdrlen(ip);
	fi->off = ipv4_frag_offset(ip);
	/* A header longer than the packet cannot come from ipv4_validate; if
	 * it does, the fragment reads as empty and is dropped as invalid. */
	fi->end = fi->off + (p->len > fi->hlen ? p->len - fi->hlen : 0);
	fi->mf = (ip->frag_off & htons(IPV4_F_MF)) != 0;
}

static unsigned int defrag_off(const struct pkt *p)
{
	return ipv4_frag_offset(ipv4_hdr(p));
}

static unsigned int defrag_end(const struct pkt *p)
{
	return defrag_off(p) + p->len - ipv4_hdrlen(ipv4_hdr(p));
}

static uint32_t defrag_cost(const struct pkt *p)
{
	return p->len + DEFRAG_FRAG_OVERHEAD;
}

/* ---- the hash (core/hash.h); a bucket holds at most max_queues entries
 * anyway. ---- */

static struct defrag_q **defrag_bucket(const struct defrag *d, const struct iphdr *ip)
{
	uint64_t a = ((uint64_t)ip->saddr << 32 | ip->daddr) ^ d->seed[0];
	uint64_t b = ((uint64_t)ip->id << 8 | ip->protocol) ^ d->seed[1];

	return &d->buckets[hash_mix64(a ^ hash_mix64(b)) & d->hmask];
}

static struct defrag_q *defrag_find(const struct defrag *d, const struct iphdr *ip)
{
	struct defrag_q *q;

	for (q = *defrag_bucket(d, ip); q; q = q->hnext)
		if (q->saddr == ip->saddr && q->daddr == ip->daddr && q->id == ip->id &&
		    q->protocol == ip->protocol)
			return q;
	return NULL;
}

/* ---- queue life ---- */

/* Off the hash and the age list; still charged and off the free list. */
static void defrag_unlink(struct defrag *d, struct defrag_q *q)
{
	*q->hpprev = q->hnext;
	if (q->hnext)
		q->hnext->hpprev = q->hpprev;
	if (q->older)
		q->older->newer = q->newer;
	else
		d->oldest = q->newer;
	if (q->newer)
		q->newer->older = q->older;
	else
		d->newest = q->older;
}

/* Free the fragments of an unlinked queue, counting each under why (or not
 * at all with DROP_MAX), and put the queue back on the free list. */
static void defrag_put(struct defrag *d, struct defrag_q *q, enum tf_drop why)
{
	struct pkt *f, *next;

	for (f = q->frags; f; f = next) {
		next = f->next;
		if (why != DROP_MAX)
			drop_count(d->drops, why);
		pkt_free(d->pool, f);
	}
	d->mem -= q->mem;
	d->nbufs -= q->nfrags;
	d->nqueues--;
	q->frags = NULL;
	q->hnext = d->free_q;
	d->free_q = q;
}

static void defrag_kill(struct defrag *d, struct defrag_q *q, enum tf_drop why)
{
	defrag_unlink(d, q);
	defrag_put(d, q, why);
}

static struct defrag_q *defrag_create(struct defrag *d, const struct iphdr *ip,
				      uint64_t now_ms)
{
	struct defrag_q **b = defrag_bucket(d, ip), *q;

	/* Every queue in use: the oldest is the least likely to complete. None
	 * to evict only while a timeout callback re-enters with every queue
	 * unlinked for expiry. */
	if (!d->free_q) {
		if (!d->oldest)
			return NULL;
		defrag_kill(d, d->oldest, DROP_DEFRAG_MEMORY);
	}
	q = d->free_q;
	d->free_q = q->hnext;
	memset(q, 0, sizeof(*q));
	q->saddr = ip->saddr;
	q->daddr = ip->daddr;
	q->id = ip->id;
	q->protocol = ip->protocol;
	q->created_ms = now_ms;
	q->hnext = *b;
	if (*b)
		(*b)->hpprev = &q->hnext;
	q->hpprev = b;
	*b = q;
	q->older = d->newest;
	if (d->newest)
		d->newest->newer = q;
	else
		d->oldest = q;
	d->newest = q;
	d->nqueues++;
	return q;
}

/* Evict the oldest queues other than q until a fragment of cost bytes fits
 * both caps. False if it cannot. */
static bool defrag_make_room(struct defrag *d, const struct defrag_q *q, uint32_t cost)
{
	while (d->mem + cost > d->cfg.max_memory || d->nbufs + 1 > d->max_bufs) {
		struct defrag_q *old = d->oldest == q ? q->newer : d->oldest;

		if (!old)
			return false;
		defrag_kill(d, old, DROP_DEFRAG_MEMORY);
	}
	return true;
}

/* ---- checks (steps 1-3 of the overview) ---- */

static enum tf_drop defrag_check_alone(const struct defrag_frag *fi)
{
	if (fi->end == fi->off || (fi->mf && ((fi->end - fi->off) & 7u)))
		return DROP_DEFRAG_INVALID;
	if (fi->end + IPV4_HDR_MIN > PKT_MAX_LEN)
		return DROP_DEFRAG_OVERSIZE;
	return DROP_MAX;
}

/* The fragment's ends against the queue's; *len is the queue's end if the
 * fragment is accepted. */
static enum tf_drop defrag_check_ends(const struct defrag_q *q, const struct defrag_frag *fi,
				      uint32_t *len)
{
	unsigned int hlen;

	*len = q->len;
	if (!fi->mf) {
		if (fi->end < q->len || ((q->flags & DEFRAG_Q_LAST) && fi->end != q->len))
			return DROP_DEFRAG_INVALID;
		*len = fi->end;
	} else if (fi->end > q->len) {
		if (q->flags & DEFRAG_Q_LAST)
			return DROP_DEFRAG_INVALID;
		*len = fi->end;
	}
	if (fi->off == 0)
		hlen = fi->hlen;
	else
		hlen = q->flags & DEFRAG_Q_FIRST ? q->first_hlen : IPV4_HDR_MIN;
	if (hlen + *len > PKT_MAX_LEN)
		return DROP_DEFRAG_OVERSIZE;
	return DROP_MAX;
}

/*
 * Find where fi goes. Returns 0 with *prev the fragment to insert after
 * (NULL: at the head), 1 with *prev a held fragment with the same offset and
 * end, or -1 on any other overlap. In-order and reverse-order arrival, the
 * common ones, take one step.
 */
static int defrag_locate(const struct defrag_q *q, const struct defrag_frag *fi,
			 struct pkt **prev)
{
	struct pkt *before = NULL, *cur = q->frags;

	if (q->tail && defrag_off(q->tail) < fi->off) {
		before = q->tail;
		cur = NULL;
	}
	while (cur && defrag_off(cur) < fi->off) {
		before = cur;
		cur = cur->next;
	}
	if (cur && defrag_off(cur) == fi->off && defrag_end(cur) == fi->end) {
		*prev = cur;
		return 1;
	}
	if ((before && defrag_end(before) > fi->off) || (cur && defrag_off(cur) < fi->end))
		return -1;
	*prev = before;
	return 0;
}

/* Same bytes and the same MF as the held fragment h? */
static bool defrag_same(const struct pkt *h, const struct pkt *p, const struct defrag_frag *fi)
{
	unsigned int hh = ipv4_hdrlen(ipv4_hdr(h));
	bool hmf = (ipv4_hdr(h)->frag_off & htons(IPV4_F_MF)) != 0;

	return hmf == fi->mf && !memcmp(h->data + hh, p->data + fi->hlen, fi->end - fi->off);
}

/* ---- insertion and reassembly ---- */

static void defrag_insert(struct defrag *d, struct defrag_q *q, struct pkt *p,
			  const struct defrag_frag *fi, struct pkt *prev, uint32_t len)
{
	uint32_t cost = defrag_cost(p);
	uint16_t size = (uint16_t)p->len;

	p->next = prev ? prev->next : q->frags;
	if (prev)
		prev->next = p;
	else
		q->frags = p;
	if (!p->next)
		q->tail = p;
	q->nfrags++;
	q->meat += fi->end - fi->off;
	q->mem += cost;
	d->mem += cost;
	d->nbufs++;
	q->len = len;
	if (fi->off == 0) {
		q->flags |= DEFRAG_Q_FIRST;
		q->first_hlen = (uint16_t)fi->hlen;
	}
	if (!fi->mf)
		q->flags |= DEFRAG_Q_LAST;
	if (size > q->max_size)
		q->max_size = size;
	if ((ipv4_hdr(p)->frag_off & htons(IPV4_F_DF)) && size > q->max_df_size)
		q->max_df_size = size;
}

/*
 * Build the datagram in p, the fragment that completed it, so that the
 * caller keeps its pointer: p's own payload moves to its place first, then
 * the first fragment's header and the other payloads are copied around it.
 * The checks above guarantee the pieces tile [0, len) and that the header
 * plus len fits PKT_MAX_LEN.
 */
static void defrag_reasm(struct defrag *d, struct defrag_q *q, struct pkt *p)
{
	struct pkt *first = q->frags, *f, *next;
	unsigned int hlen = q->first_hlen, total = hlen + q->len;
	struct defrag_frag pfi;
	struct iphdr *ip;

	if (p->size - pkt_headroom(p) < total) {
		memmove(p->head + PKT_HEADROOM, p->data, p->len);
		p->data = p->head + PKT_HEADROOM;
	}
	if (p != first) {
		defrag_frag_info(p, &pfi);
		memmove(p->data + hlen + pfi.off, p->data + pfi.hlen, pfi.end - pfi.off);
		memcpy(p->data, first->data, hlen);
	}
	for (f = q->frags; f; f = f->next) {
		unsigned int fh = ipv4_hdrlen(ipv4_hdr(f));

		if (f != p)
			memcpy(p->data + hlen + defrag_off(f), f->data + fh, f->len - fh);
	}
	ip = ipv4_hdr(p);
	ip->tot_len = htons((uint16_t)total);
	/* DF survives only if the largest fragment had it (the kernel's
	 * max_df_size rule), so refragmenting behaves like the sender. */
	ip->frag_off = q->max_df_size == q->max_size ? htons(IPV4_F_DF) : 0;
	ipv4_set_csum(ip);
	p->len = total;
	p->l4_off = (uint16_t)hlen;
	p->flags |= PKT_F_REASSEMBLED;
	p->frag_max = q->max_size;

	/* p stays with the caller; the others go back to the pool uncounted,
	 * then the emptied queue is released (its charge with it). */
	defrag_unlink(d, q);
	for (f = q->frags; f; f = next) {
		next = f->next;
		if (f != p)
			pkt_free(d->pool, f);
	}
	q->frags = NULL;
	p->next = NULL;
	defrag_put(d, q, DROP_MAX);
}

/* Drop p alone, counted. */
static int defrag_drop(struct defrag *d, struct pkt *p, enum tf_drop why, int err)
{
	drop_count(d->drops, why);
	pkt_free(d->pool, p);
	return err;
}

static int defrag_errno(enum tf_drop why)
{
	switch (why) {
	case DROP_DEFRAG_OVERSIZE:
		return -EMSGSIZE;
	case DROP_DEFRAG_MEMORY:
		return -ENOMEM;
	default:
		return -EINVAL;
	}
}

int defrag_add(struct defrag *d, struct pkt *p, uint64_t now_ms)
{
	const struct iphdr *ip = ipv4_hdr(p);
	struct defrag_frag fi;
	struct defrag_q *q;
	struct pkt *prev;
	enum tf_drop why;
	uint32_t len;
	int where;

	/* A whole datagram is already reassembled: nothing to do. */
	if (!ipv4_is_fragment(ip))
		return 0;
	defrag_expire(d, now_ms);
	defrag_frag_info(p, &fi);
	q = defrag_find(d, ip);

	why = defrag_check_alone(&fi);
	if (why != DROP_MAX)
		goto drop_queue;
	if (!q)
		q = defrag_create(d, ip, now_ms);
	if (!q)
		return defrag_drop(d, p, DROP_DEFRAG_MEMORY, -ENOMEM);
	where = defrag_locate(q, &fi, &prev);
	if (where == 1 && defrag_same(prev, p, &fi))
		return defrag_drop(d, p, DROP_DEFRAG_DUPLICATE, -EEXIST);
	if (where != 0) {
		why = DROP_DEFRAG_OVERLAP;
		goto drop_queue;
	}
	why = defrag_check_ends(q, &fi, &len);
	if (why != DROP_MAX)
		goto drop_queue;
	if (!defrag_make_room(d, q, defrag_cost(p))) {
		why = DROP_DEFRAG_MEMORY;
		goto drop_queue;
	}
	defrag_insert(d, q, p, &fi, prev, len);
	if ((q->flags & (DEFRAG_Q_FIRST | DEFRAG_Q_LAST)) != (DEFRAG_Q_FIRST | DEFRAG_Q_LAST) ||
	    q->meat != q->len)
		return -EINPROGRESS;
	defrag_reasm(d, q, p);
	return 0;

drop_queue:
	if (q)
		defrag_kill(d, q, why);
	return defrag_drop(d, p, why, defrag_errno(why));
}

void defrag_expire(struct defrag *d, uint64_t now_ms)
{
	struct defrag_q *q;

	while ((q = d->oldest) && now_ms >= q->created_ms + d->cfg.timeout_ms) {
		defrag_unlink(d, q);
		/* RFC 792 time exceeded code 1 only if the first fragment came:
		 * without it there is no header worth quoting (RFC 1122 3.3.2). */
		if ((q->flags & DEFRAG_Q_FIRST) && d->timeout_fn)
			d->timeout_fn(d->timeout_arg, q->frags);
		defrag_put(d, q, DROP_DEFRAG_TIMEOUT);
	}
}

/* ---- set-up ---- */

static void defrag_seed(struct defrag *d)
{
	struct timespec ts;

	if (getrandom(d->seed, sizeof(d->seed), GRND_NONBLOCK) == (ssize_t)sizeof(d->seed))
		return;
	/* No entropy yet (early boot): weaker, but still not a constant. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	d->seed[0] = hash_mix64((uint64_t)ts.tv_nsec ^ (uint64_t)(uintptr_t)d);
	d->seed[1] = hash_mix64((uint64_t)ts.tv_sec ^ d->seed[0]);
}

struct defrag *defrag_new(const struct defrag_config *cfg, struct pkt_pool *pool,
			  struct drop_stats *drops)
{
	struct defrag *d = calloc(1, sizeof(*d));
	uint32_t i, nb = 16;

	if (!d)
		return NULL;
	d->cfg = *cfg;
	if (!d->cfg.max_memory)
		d->cfg.max_memory = DEFRAG_DEF_MEMORY;
	if (!d->cfg.timeout_ms)
		d->cfg.timeout_ms = DEFRAG_DEF_TIMEOUT_MS;
	if (!d->cfg.max_queues)
		d->cfg.max_queues = DEFRAG_DEF_QUEUES;
	if (d->cfg.max_queues > DEFRAG_MAX_QUEUES)
		d->cfg.max_queues = DEFRAG_MAX_QUEUES;
	while (nb < d->cfg.max_queues)
		nb <<= 1;
	d->hmask = nb - 1;
	d->buckets = calloc(nb, sizeof(*d->buckets));
	d->qs = calloc(d->cfg.max_queues, sizeof(*d->qs));
	if (!d->buckets || !d->qs) {
		defrag_free(d);
		return NULL;
	}
	for (i = d->cfg.max_queues; i-- > 0;) {
		d->qs[i].hnext = d->free_q;
		d->free_q = &d->qs[i];
	}
	d->pool = pool;
	d->drops = drops;
	d->max_bufs = pool->count / 2 ? pool->count / 2 : 1;
	defrag_seed(d);
	return d;
}

void defrag_free(struct defrag *d)
{
	if (!d)
		return;
	/* Shutdown or reconfiguration, not a drop: the buffers go back
	 * uncounted. */
	while (d->oldest)
		defrag_kill(d, d->oldest, DROP_MAX);
	free(d->buckets);
	free(d->qs);
	free(d);
}

void defrag_set_timeout_cb(struct defrag *d, defrag_timeout_fn fn, void *arg)
{
	d->timeout_fn = fn;
	d->timeout_arg = arg;
}

uint32_t defrag_memory(const struct defrag *d)
{
	return d->mem;
}

uint32_t defrag_queues(const struct defrag *d)
{
	return d->nqueues;
}
