/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The connection table: the entry store, one hash table holding both
 * tuples of every confirmed entry, the timer wheel, the statistics and the
 * event listener.
 *
 * Store. Entries live in one anonymous mapping reserved for
 * CT_MAX_ENTRIES_LIMIT entries at start: address space only; pages are
 * touched as entries are first used (a high-water mark), and freed entries
 * are reused from a free list. So taking an entry on the packet path is a
 * list pop, never malloc, and max_entries can change on reload without
 * moving anything. Entries are named by index (32 bits) inside the table.
 *
 * Hash. Buckets hold the first node of a singly linked chain of tuple
 * nodes (entry.h); there are max_entries buckets rounded up to a power of
 * two, 4 bytes each. The hash is seeded per table.
 *
 * Expiry. A hashed timer wheel of CT_WHEEL_SLOTS one-second slots; an
 * entry sits on the slot of its expiry (or the farthest slot, for
 * timeouts beyond the wheel). A packet only moves the expiry time forward
 * (no list operation); the wheel looks at an entry when its slot comes up
 * and puts it back further on if it was refreshed meanwhile. An expiry
 * moved earlier (a TCP RST) moves the entry to the earlier slot. Lookups
 * never return an expired entry: one found expired is removed on the spot,
 * so expiry is exact for packets and within a second for DESTROY events.
 *
 * Full table. Taking an entry when max_entries are alive first removes an
 * expired one, else evicts a confirmed entry that is not ASSURED (or that
 * its tracker lets go: a closing TCP connection), looking at up to
 * CT_EVICT_BUCKETS non-empty chains from the new tuple's bucket on (the
 * kernel's early_drop; at most CT_EVICT_SCAN buckets, so that a small
 * table is searched whole), else fails: the caller drops the packet. An
 * entry removed while a packet holds it is freed with that packet, so the
 * count may pass max_entries by what packets in flight hold, as in the
 * kernel.
 */
#ifndef TF_CONNTRACK_TABLE_H
#define TF_CONNTRACK_TABLE_H

#include <stdbool.h>
#include <stdint.h>
#include "conntrack/ct.h"
#include "conntrack/entry.h"

#define CT_WHEEL_SLOTS 4096u
#define CT_WHEEL_TICK_MS 1000u
#define CT_EVICT_BUCKETS 8u
#define CT_EVICT_SCAN 256u
#define CT_CLASH_TIMEOUT_MS 1000u   /* a clash loser's life (kernel: HZ) */

/* `tunfilter conntrack -S`: the kernel's counters of the same names. */
struct ct_stats {
	uint64_t found;          /* packets that found their entry */
	uint64_t invalid;        /* packets found INVALID */
	uint64_t insert;         /* entries confirmed */
	uint64_t insert_failed;  /* confirmations refused (clash) */
	uint64_t drop;           /* packets dropped: table full, or clash */
	uint64_t early_drop;     /* entries evicted to make room */
	uint64_t error;          /* ICMP errors about no known connection */
	uint64_t clash_resolve;  /* a clash resolved: joined, or loser kept (clash.c) */
	uint64_t expired;        /* entries whose timeout passed */
};

enum ct_event {
	CT_EV_NEW = 1u << 0,
	CT_EV_UPDATE = 1u << 1,
	CT_EV_DESTROY = 1u << 2,
};

struct ct_table;
/* Told of every event while set (tunfilter conntrack -E); must not change
 * the table. */
typedef void (*ct_event_fn)(void *arg, struct ct_table *t, enum ct_event ev,
			    const struct ct_entry *e);

struct ct_table {
	struct ct_config cfg;
	uint64_t now;              /* the clock as of the last packet or tick */

	uint8_t *store;            /* CT_MAX_ENTRIES_LIMIT entries reserved */
	uint32_t hiwat;            /* entries ever used: [0, hiwat) */
	uint32_t free_head;        /* free list: index + 1, 0 = empty */
	uint32_t count;            /* entries alive (confirmed or not, dying or not) */
	uint32_t confirmed;        /* entries in the hash */

	uint32_t *buckets;         /* node refs (entry.h), 0 = empty */
	uint32_t hmask;            /* buckets - 1 */
	uint64_t seed;

	uint32_t *wheel;           /* CT_WHEEL_SLOTS list heads: index + 1 */
	uint64_t wheel_pos;        /* the next slot (absolute) to process */

	uint32_t next_id;
	struct ct_stats st;
	ct_event_fn event;         /* NULL: nobody listens */
	void *event_arg;
};

int ct_table_init(struct ct_table *t, const struct ct_config *cfg, uint64_t now);
void ct_table_fini(struct ct_table *t);
/* New limits and timeouts: the hash is resized for max_entries (on
 * failure, -ENOMEM and nothing changed). */
int ct_table_configure(struct ct_table *t, const struct ct_config *cfg);

static inline struct ct_entry *ct_table_entry(const struct ct_table *t, uint32_t idx)
{
	return (struct ct_entry *)(t->store + (size_t)idx * sizeof(struct ct_entry));
}

static inline uint32_t ct_table_index(const struct ct_table *t, const struct ct_entry *e)
{
	return (uint32_t)(((const uint8_t *)e - t->store) / sizeof(struct ct_entry));
}

/*
 * A fresh, unconfirmed entry with one reference (the caller's) and every
 * field zero but nat.masq_oif (-1) and id; NULL when the table is full and
 * nothing could be evicted (counted: drop). hint is the hash of the new
 * tuple (where eviction looks).
 */
struct ct_entry *ct_table_alloc(struct ct_table *t, uint32_t hint);
static inline void ct_table_get(struct ct_entry *e)
{
	e->use++;
}
/* Drop a reference; the last one frees the entry. */
void ct_table_put(struct ct_table *t, struct ct_entry *e);

/*
 * The confirmed entry having tuple t in either direction (*dir says which),
 * or NULL. No reference is taken. An entry found expired is killed instead.
 */
struct ct_entry *ct_table_find(struct ct_table *t, const struct ct_tuple *tuple,
			       enum ct_dir *dir);
/* Whether a confirmed entry other than ignore has tuple in either
 * direction (NAT: a translated tuple must be unique). One with ignore's
 * original tuple does not count (the kernel's exception: the same flow). */
bool ct_table_tuple_taken(struct ct_table *t, const struct ct_tuple *tuple,
			  const struct ct_entry *ignore);
/* Replace the reply tuple of an unconfirmed entry (NAT binding).
 * -EBUSY if it is confirmed already. */
int ct_table_set_reply(struct ct_table *t, struct ct_entry *e, const struct ct_tuple *reply);

/*
 * Confirm e: hash both tuples, start its timer, NEW event. -EEXIST when a
 * confirmed entry has either tuple already (*clash set to it); -ENOENT when
 * e is dying. The table takes its own reference.
 */
int ct_table_insert(struct ct_table *t, struct ct_entry *e, struct ct_entry **clash);
/*
 * Confirm e as a clash loser (entry.h): only its reply tuple is hashed; it
 * becomes CT_S_NAT_CLASH | CT_S_FIXED_TIMEOUT and expires in
 * CT_CLASH_TIMEOUT_MS; no NEW event, not counted as an insert. -EEXIST
 * when a confirmed entry has the reply tuple (*clash set to it); -ENOENT
 * when e is dying. The table takes its own reference.
 */
int ct_table_insert_clash(struct ct_table *t, struct ct_entry *e, struct ct_entry **clash);
/* Remove a confirmed entry (DESTROY event); freed when unreferenced. */
void ct_table_kill(struct ct_table *t, struct ct_entry *e);
/* The entry now expires timeout_ms from now (not with
 * CT_S_FIXED_TIMEOUT). */
void ct_table_refresh(struct ct_table *t, struct ct_entry *e, uint32_t timeout_ms);
/* Remove what has expired by now. */
void ct_table_expire(struct ct_table *t, uint64_t now);
/* Remove every confirmed entry; returns how many. */
unsigned int ct_table_flush(struct ct_table *t);

/* fn on every live confirmed entry, clash losers too (in store order); fn
 * may kill it.
 * A nonzero return stops the walk and is returned. */
int ct_table_walk(struct ct_table *t, int (*fn)(struct ct_table *t, struct ct_entry *e,
						void *arg), void *arg);

/* Tell the listener, if any. */
void ct_table_event(struct ct_table *t, enum ct_event ev, const struct ct_entry *e);

/* Seconds left before e expires (0 when due). */
static inline uint32_t ct_table_timeout_left(const struct ct_table *t, const struct ct_entry *e)
{
	return e->expires > t->now ? (uint32_t)((e->expires - t->now) / 1000u) : 0;
}

#endif
