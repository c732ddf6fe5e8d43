// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The counters store: slots in chunks that never move (so that adding on
 * one thread and growing on another are safe), reference counts and a
 * free list kept on the control path only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "tables/counters.h"

struct counters *counters_new(void)
{
	return calloc(1, sizeof(struct counters));
}

void counters_free(struct counters *c)
{
	unsigned int i;

	if (!c)
		return;
	for (i = 0; i < COUNTERS_MAX_CHUNKS && c->chunk[i]; i++)
		free(c->chunk[i]);
	free(c->refs);
	free(c->free);
	free(c);
}

/* Room for slot n_slots: refs[] and free[] grow, a new chunk when the
 * slot is the first of its chunk. */
static int counters_grow(struct counters *c)
{
	uint32_t chunk = c->n_slots >> COUNTERS_CHUNK_SHIFT;

	if (c->n_slots >= COUNTERS_MAX_SLOTS)
		return -ENOSPC;
	if (c->n_slots == c->cap) {
		uint32_t cap = c->cap ? c->cap * 2 : COUNTERS_CHUNK;
		uint32_t *refs = realloc(c->refs, cap * sizeof(*refs));
		uint32_t *fr;

		if (!refs)
			return -ENOMEM;
		c->refs = refs;
		fr = realloc(c->free, cap * sizeof(*fr));
		if (!fr)
			return -ENOMEM;
		c->free = fr;
		c->cap = cap;
	}
	if (!c->chunk[chunk]) {
		c->chunk[chunk] = calloc(COUNTERS_CHUNK, sizeof(struct counter));
		if (!c->chunk[chunk])
			return -ENOMEM;
	}
	return 0;
}

int counters_alloc(struct counters *c, uint32_t *slot)
{
	struct rule_counts zero = { 0, 0 };
	uint32_t s;
	int err;

	if (c->n_free) {
		s = c->free[--c->n_free];
	} else {
		err = counters_grow(c);
		if (err)
			return err;
		s = c->n_slots++;
	}
	c->refs[s] = 1;
	counters_set(c, s, &zero);
	*slot = s;
	return 0;
}

void counters_ref(struct counters *c, uint32_t slot)
{
	c->refs[slot]++;
}

void counters_unref(struct counters *c, uint32_t slot)
{
	if (--c->refs[slot] == 0)
		c->free[c->n_free++] = slot;
}

uint32_t counters_in_use(const struct counters *c)
{
	return c->n_slots - c->n_free;
}

void counters_read(const struct counters *c, uint32_t slot, struct rule_counts *out)
{
	const struct counter *k = counters_at(c, slot);

	out->pkts = atomic_load_explicit(&k->pkts, memory_order_relaxed) - k->base_pkts;
	out->bytes = atomic_load_explicit(&k->bytes, memory_order_relaxed) - k->base_bytes;
}

void counters_read_zero(struct counters *c, uint32_t slot, struct rule_counts *out)
{
	struct counter *k = counters_at(c, slot);
	uint64_t pkts = atomic_load_explicit(&k->pkts, memory_order_relaxed);
	uint64_t bytes = atomic_load_explicit(&k->bytes, memory_order_relaxed);

	/* The live words stay as they are (the writer owns them): the base
	 * moves up to what was read, and whatever the writer adds after
	 * these loads is what the next read finds. */
	out->pkts = pkts - k->base_pkts;
	out->bytes = bytes - k->base_bytes;
	k->base_pkts = pkts;
	k->base_bytes = bytes;
}

void counters_set(struct counters *c, uint32_t slot, const struct rule_counts *v)
{
	struct counter *k = counters_at(c, slot);

	/* Through the base as well, since the live words are the writer's:
	 * arithmetic modulo 2^64 makes a read give v from here on. */
	k->base_pkts = atomic_load_explicit(&k->pkts, memory_order_relaxed) - v->pkts;
	k->base_bytes = atomic_load_explicit(&k->bytes, memory_order_relaxed) - v->bytes;
}

uint32_t counters_snapshot_len(const struct counters *c)
{
	return c->n_slots;
}

struct rule_counts *counters_snapshot(struct counters *c, bool zero)
{
	struct rule_counts *v = calloc(c->n_slots ? c->n_slots : 1, sizeof(*v));
	uint32_t s;

	if (!v)
		return NULL;
	for (s = 0; s < c->n_slots; s++) {
		if (!c->refs[s])
			continue;
		if (zero)
			counters_read_zero(c, s, &v[s]);
		else
			counters_read(c, s, &v[s]);
	}
	return v;
}
