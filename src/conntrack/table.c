// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The connection table (see table.h for the design): store, hash, timer
 * wheel, eviction. Everything here runs on the packet path except init,
 * fini, configure, flush and walk.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/random.h>
#include "conntrack/proto.h"
#include "conntrack/table.h"

#define CT_WHEEL_MASK (CT_WHEEL_SLOTS - 1u)

_Static_assert((CT_WHEEL_SLOTS & CT_WHEEL_MASK) == 0, "wheel slots: a power of two");
_Static_assert(sizeof(struct ct_entry) == 192, "an entry is 192 bytes");

static size_t ct_table_store_bytes(void)
{
	return (size_t)CT_MAX_ENTRIES_LIMIT * sizeof(struct ct_entry);
}

/* ---- node references: (index << 1 | dir) + 1 ---- */

static uint32_t ct_table_ref(const struct ct_table *t, const struct ct_entry *e, enum ct_dir dir)
{
	return ((ct_table_index(t, e) << 1) | dir) + 1u;
}

static struct ct_entry *ct_table_ref_entry(const struct ct_table *t, uint32_t ref)
{
	return ct_table_entry(t, (ref - 1u) >> 1);
}

static enum ct_dir ct_table_ref_dir(uint32_t ref)
{
	return (enum ct_dir)((ref - 1u) & 1u);
}

static uint32_t *ct_table_bucket(const struct ct_table *t, const struct ct_tuple *tuple)
{
	return &t->buckets[ct_tuple_hash(tuple, t->seed) & t->hmask];
}

/* ---- hash ---- */

static void ct_table_hash_link(struct ct_table *t, struct ct_entry *e, enum ct_dir dir)
{
	uint32_t *b = ct_table_bucket(t, &e->th[dir].t);

	e->th[dir].next = *b;
	*b = ct_table_ref(t, e, dir);
}

static void ct_table_hash_unlink(struct ct_table *t, struct ct_entry *e, enum ct_dir dir)
{
	uint32_t ref = ct_table_ref(t, e, dir);
	uint32_t *pp = ct_table_bucket(t, &e->th[dir].t);

	/* Chains are short (one bucket per possible entry): a walk finds the
	 * predecessor, and saves a back pointer in every node. */
	while (*pp && *pp != ref) {
		struct ct_entry *o = ct_table_ref_entry(t, *pp);

		pp = &o->th[ct_table_ref_dir(*pp)].next;
	}
	if (*pp)
		*pp = e->th[dir].next;
	e->th[dir].next = 0;
}

/* ---- timer wheel ---- */

/* The slot an expiry time belongs to: the first tick at or after it,
 * within the wheel's reach. */
static uint32_t ct_table_slot_of(const struct ct_table *t, uint64_t expires)
{
	uint64_t s = (expires + CT_WHEEL_TICK_MS - 1u) / CT_WHEEL_TICK_MS;

	if (s < t->wheel_pos)
		s = t->wheel_pos;
	if (s > t->wheel_pos + CT_WHEEL_SLOTS - 1u)
		s = t->wheel_pos + CT_WHEEL_SLOTS - 1u;
	return (uint32_t)s;
}

static void ct_table_wheel_push(struct ct_table *t, struct ct_entry *e, uint32_t slot)
{
	uint32_t idx = ct_table_index(t, e);
	uint32_t *head = &t->wheel[slot & CT_WHEEL_MASK];

	e->wslot = slot;
	e->wnext = *head;
	e->wprev = 0;
	if (*head)
		ct_table_entry(t, *head - 1u)->wprev = idx + 1u;
	*head = idx + 1u;
}

static void ct_table_wheel_link(struct ct_table *t, struct ct_entry *e)
{
	ct_table_wheel_push(t, e, ct_table_slot_of(t, e->expires));
}

static void ct_table_wheel_unlink(struct ct_table *t, struct ct_entry *e)
{
	if (e->wprev)
		ct_table_entry(t, e->wprev - 1u)->wnext = e->wnext;
	else
		t->wheel[e->wslot & CT_WHEEL_MASK] = e->wnext;
	if (e->wnext)
		ct_table_entry(t, e->wnext - 1u)->wprev = e->wprev;
	e->wnext = e->wprev = 0;
}

/* ---- set-up ---- */

static uint32_t ct_table_nbuckets(uint32_t max_entries)
{
	uint32_t n = 16;

	while (n < max_entries)
		n <<= 1;
	return n;
}

static uint64_t ct_table_random_seed(void)
{
	struct timespec ts;
	uint64_t seed;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed))
		return seed;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)ts.tv_sec;
}

int ct_table_init(struct ct_table *t, const struct ct_config *cfg, uint64_t now)
{
	uint32_t nb = ct_table_nbuckets(cfg->max_entries);

	memset(t, 0, sizeof(*t));
	t->cfg = *cfg;
	t->now = now;
	t->store = mmap(NULL, ct_table_store_bytes(), PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (t->store == MAP_FAILED) {
		t->store = NULL;
		return -ENOMEM;
	}
	t->buckets = calloc(nb, sizeof(*t->buckets));
	t->wheel = calloc(CT_WHEEL_SLOTS, sizeof(*t->wheel));
	if (!t->buckets || !t->wheel) {
		ct_table_fini(t);
		return -ENOMEM;
	}
	t->hmask = nb - 1u;
	t->seed = ct_table_random_seed();
	t->wheel_pos = now / CT_WHEEL_TICK_MS;
	return 0;
}

void ct_table_fini(struct ct_table *t)
{
	if (t->store)
		munmap(t->store, ct_table_store_bytes());
	free(t->buckets);
	free(t->wheel);
	memset(t, 0, sizeof(*t));
}

int ct_table_configure(struct ct_table *t, const struct ct_config *cfg)
{
	uint32_t nb = ct_table_nbuckets(cfg->max_entries), *nbk, *old;
	uint32_t i;

	if (nb != t->hmask + 1u) {
		nbk = calloc(nb, sizeof(*nbk));
		if (!nbk)
			return -ENOMEM;
		old = t->buckets;
		t->buckets = nbk;
		t->hmask = nb - 1u;
		for (i = 0; i < t->hiwat; i++) {
			struct ct_entry *e = ct_table_entry(t, i);

			if (!e->use ||
			    (e->status & (CT_S_CONFIRMED | CT_S_DYING)) != CT_S_CONFIRMED)
				continue;
			if (!(e->status & CT_S_NAT_CLASH))
				ct_table_hash_link(t, e, CT_DIR_ORIGINAL);
			ct_table_hash_link(t, e, CT_DIR_REPLY);
		}
		free(old);
	}
	t->cfg = *cfg;
	return 0;
}

/* ---- entries ---- */

void ct_table_event(struct ct_table *t, enum ct_event ev, const struct ct_entry *e)
{
	if (t->event)
		t->event(t->event_arg, t, ev, e);
}

static bool ct_table_expired(const struct ct_table *t, const struct ct_entry *e)
{
	return e->expires <= t->now;
}

void ct_table_kill(struct ct_table *t, struct ct_entry *e)
{
	if (e->status & CT_S_DYING)
		return;
	e->status |= CT_S_DYING;
	if (!(e->status & CT_S_CONFIRMED))
		return; /* unconfirmed: dies with the packet holding it */
	if (!(e->status & CT_S_NAT_CLASH))
		ct_table_hash_unlink(t, e, CT_DIR_ORIGINAL);
	ct_table_hash_unlink(t, e, CT_DIR_REPLY);
	ct_table_wheel_unlink(t, e);
	t->confirmed--;
	ct_table_event(t, CT_EV_DESTROY, e);
	ct_table_put(t, e);
}

static void ct_table_expire_one(struct ct_table *t, struct ct_entry *e)
{
	t->st.expired++;
	ct_table_kill(t, e);
}

void ct_table_put(struct ct_table *t, struct ct_entry *e)
{
	if (--e->use)
		return;
	e->status = 0;
	e->th[CT_DIR_ORIGINAL].next = t->free_head;
	t->free_head = ct_table_index(t, e) + 1u;
	t->count--;
}

static bool ct_table_evictable(const struct ct_entry *e)
{
	const struct ct_proto_ops *ops;

	if ((e->status & (CT_S_CONFIRMED | CT_S_DYING)) != CT_S_CONFIRMED)
		return false;
	if (!(e->status & CT_S_ASSURED))
		return true;
	ops = ct_proto_find(ct_entry_proto(e));
	return ops->can_early_drop && ops->can_early_drop(e);
}

/* Make room for one more entry near bucket hint: expired entries first,
 * then evictable ones (the kernel's early_drop). The search is bounded, as
 * the packet path must be: CT_EVICT_BUCKETS chains that hold something,
 * among at most CT_EVICT_SCAN buckets (so a small table is searched whole). */
static bool ct_table_make_room(struct ct_table *t, uint32_t hint)
{
	uint32_t i, chains = 0, ref, next;

	for (i = 0; i < CT_EVICT_SCAN && i <= t->hmask && chains < CT_EVICT_BUCKETS; i++) {
		uint32_t b = (hint + i) & t->hmask;

		if (t->buckets[b])
			chains++;
		for (ref = t->buckets[b]; ref; ref = next) {
			struct ct_entry *e = ct_table_ref_entry(t, ref);

			next = e->th[ct_table_ref_dir(ref)].next;
			if (ct_table_expired(t, e)) {
				ct_table_expire_one(t, e);
			} else if (ct_table_evictable(e)) {
				t->st.early_drop++;
				ct_table_kill(t, e);
			} else {
				continue;
			}
			/* One is enough, even if a packet still holds it (queued
			 * for output, parked): as in the kernel, the count may
			 * pass the maximum by what packets in flight hold. */
			return true;
		}
	}
	return false;
}

struct ct_entry *ct_table_alloc(struct ct_table *t, uint32_t hint)
{
	struct ct_entry *e;
	uint32_t idx;

	if (t->count >= t->cfg.max_entries && !ct_table_make_room(t, hint)) {
		t->st.drop++;
		return NULL;
	}
	if (t->free_head) {
		idx = t->free_head - 1u;
		t->free_head = ct_table_entry(t, idx)->th[CT_DIR_ORIGINAL].next;
	} else if (t->hiwat < CT_MAX_ENTRIES_LIMIT) {
		idx = t->hiwat++;
	} else {
		t->st.drop++;
		return NULL;
	}
	e = ct_table_entry(t, idx);
	memset(e, 0, sizeof(*e));
	e->use = 1;
	e->nat.masq_oif = -1;
	if (++t->next_id == 0)
		t->next_id = 1;
	e->id = t->next_id;
	t->count++;
	return e;
}

/* ---- lookup ---- */

static struct ct_entry *ct_table_lookup(struct ct_table *t, const struct ct_tuple *tuple,
					enum ct_dir *dir)
{
	uint32_t ref;

	for (ref = *ct_table_bucket(t, tuple); ref;) {
		struct ct_entry *e = ct_table_ref_entry(t, ref);
		enum ct_dir d = ct_table_ref_dir(ref);

		if (ct_tuple_eq(&e->th[d].t, tuple)) {
			if (ct_table_expired(t, e)) {
				ct_table_expire_one(t, e);
				return NULL; /* a tuple is in one entry only */
			}
			if (dir)
				*dir = d;
			return e;
		}
		ref = e->th[d].next;
	}
	return NULL;
}

struct ct_entry *ct_table_find(struct ct_table *t, const struct ct_tuple *tuple,
			       enum ct_dir *dir)
{
	return ct_table_lookup(t, tuple, dir);
}

bool ct_table_tuple_taken(struct ct_table *t, const struct ct_tuple *tuple,
			  const struct ct_entry *ignore)
{
	const struct ct_entry *e = ct_table_lookup(t, tuple, NULL);

	if (!e || e == ignore)
		return false;
	/* nf_conntrack_tuple_taken: an entry with the same original tuple is
	 * the same flow, whose first packets raced (a queue held them): keep
	 * the translation, and let the confirm hook resolve the clash
	 * (clash.c) rather than give the same flow another port. */
	return !ignore || !ct_tuple_eq(&e->th[CT_DIR_ORIGINAL].t, &ignore->th[CT_DIR_ORIGINAL].t);
}

int ct_table_set_reply(struct ct_table *t, struct ct_entry *e, const struct ct_tuple *reply)
{
	if (e->status & CT_S_CONFIRMED)
		return -EBUSY;
	e->th[CT_DIR_REPLY].t = *reply;
	return 0;
}

/* ---- confirmation and timers ---- */

int ct_table_insert(struct ct_table *t, struct ct_entry *e, struct ct_entry **clash)
{
	struct ct_entry *o;

	if (e->status & CT_S_DYING)
		return -ENOENT;
	o = ct_table_lookup(t, &e->th[CT_DIR_ORIGINAL].t, NULL);
	if (!o)
		o = ct_table_lookup(t, &e->th[CT_DIR_REPLY].t, NULL);
	if (o) {
		*clash = o;
		return -EEXIST;
	}
	ct_table_hash_link(t, e, CT_DIR_ORIGINAL);
	ct_table_hash_link(t, e, CT_DIR_REPLY);
	e->status |= CT_S_CONFIRMED;
	e->use++;
	e->ecache = 0; /* NEW tells it all */
	t->confirmed++;
	t->st.insert++;
	ct_table_wheel_link(t, e);
	ct_table_event(t, CT_EV_NEW, e);
	return 0;
}

/*
 * The second half of nf_ct_resolve_clash_harder: the reply tuple alone
 * goes into the hash (the kernel's fake add of the original direction), so
 * the original tuple keeps leading to the entry already there. Neither
 * `insert` nor a NEW event: the kernel counts and announces neither, and
 * its listing does not show the entry. What the packet changed before
 * (ecache) is still told at the confirm hook, as the kernel delivers the
 * cached events of the loser too.
 */
int ct_table_insert_clash(struct ct_table *t, struct ct_entry *e, struct ct_entry **clash)
{
	struct ct_entry *o;

	if (e->status & CT_S_DYING)
		return -ENOENT;
	o = ct_table_lookup(t, &e->th[CT_DIR_REPLY].t, NULL);
	if (o) {
		*clash = o;
		return -EEXIST;
	}
	ct_table_hash_link(t, e, CT_DIR_REPLY);
	e->th[CT_DIR_ORIGINAL].next = 0;
	e->status |= CT_S_CONFIRMED | CT_S_FIXED_TIMEOUT | CT_S_NAT_CLASH;
	e->expires = t->now + CT_CLASH_TIMEOUT_MS;
	e->use++;
	t->confirmed++;
	ct_table_wheel_link(t, e);
	return 0;
}

void ct_table_refresh(struct ct_table *t, struct ct_entry *e, uint32_t timeout_ms)
{
	/* __nf_ct_refresh_acct: a fixed timeout stays. */
	if (e->status & CT_S_FIXED_TIMEOUT)
		return;
	e->expires = t->now + timeout_ms;
	if ((e->status & (CT_S_CONFIRMED | CT_S_DYING)) != CT_S_CONFIRMED)
		return;
	/* Later: the wheel finds out when the old slot comes up. Earlier:
	 * move now, or the DESTROY event would wait for the old slot. */
	if (ct_table_slot_of(t, e->expires) < e->wslot) {
		ct_table_wheel_unlink(t, e);
		ct_table_wheel_link(t, e);
	}
}

void ct_table_expire(struct ct_table *t, uint64_t now)
{
	uint64_t target = now / CT_WHEEL_TICK_MS, slot, first = t->wheel_pos;
	uint64_t n;

	t->now = now;
	if (target < first)
		return;
	n = target - first + 1u;
	if (n > CT_WHEEL_SLOTS)
		n = CT_WHEEL_SLOTS; /* the clock jumped: every slot once */
	/* Entries put back land at target + 1 or later. */
	t->wheel_pos = target + 1u;
	for (slot = first; slot < first + n; slot++) {
		uint32_t *head = &t->wheel[slot & CT_WHEEL_MASK];
		uint32_t ref = *head;

		*head = 0;
		while (ref) {
			struct ct_entry *e = ct_table_entry(t, ref - 1u);

			ref = e->wnext;
			/* On a list again either way: the wheel's own slot for
			 * one that is due (kill unlinks it from there), a later
			 * slot for one refreshed since it was placed. */
			if (ct_table_expired(t, e)) {
				ct_table_wheel_push(t, e, (uint32_t)slot);
				ct_table_expire_one(t, e);
			} else {
				ct_table_wheel_link(t, e);
			}
		}
	}
}

/* ---- the control path ---- */

/* Clash losers are walked too: nf_ct_iterate_cleanup visits each entry by
 * its reply node, which a loser has (flush, MASQUERADE forgetting); only
 * the listing leaves them out, as ctnetlink's dump does. */

int ct_table_walk(struct ct_table *t, int (*fn)(struct ct_table *t, struct ct_entry *e,
						void *arg), void *arg)
{
	uint32_t i;
	int ret;

	/* Store order: stable while fn kills entries (a killed entry's slot is
	 * only reused by the packet path, which does not run meanwhile). */
	for (i = 0; i < t->hiwat; i++) {
		struct ct_entry *e = ct_table_entry(t, i);

		if (!e->use || (e->status & (CT_S_CONFIRMED | CT_S_DYING)) != CT_S_CONFIRMED)
			continue;
		if (ct_table_expired(t, e)) {
			ct_table_expire_one(t, e);
			continue;
		}
		ret = fn(t, e, arg);
		if (ret)
			return ret;
	}
	return 0;
}

static int ct_table_flush_one(struct ct_table *t, struct ct_entry *e, void *arg)
{
	unsigned int *n = arg;

	ct_table_kill(t, e);
	(*n)++;
	return 0;
}

unsigned int ct_table_flush(struct ct_table *t)
{
	unsigned int n = 0;

	ct_table_walk(t, ct_table_flush_one, &n);
	return n;
}
