/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Packet and byte counters of rules and chain policies, kept apart from
 * the rulesets so that a swap carries them over: every rule (and every
 * built-in chain's policy) owns a slot here, a clone of a ruleset shares
 * the slots of the rules it copies (a reference count per slot), and a new
 * or replaced rule gets a fresh, zeroed slot. A slot returns to the free
 * list when no ruleset refers to it any more.
 *
 * One thread adds (counters_add), the packet thread, as the kernel's
 * per-CPU counters have one writer each: a relaxed load and store per
 * word, no locked instruction (a lock prefix per word cost a third of the
 * whole no-rule packet path). Readers on any thread see whole words.
 * Zeroing never touches the live words: it moves a per-slot base up to
 * what it read (counters_read_zero), and a read is live minus base, so an
 * increment made meanwhile is never lost: it lands either in what was read
 * or in what remains. Slots live in fixed chunks that never move, so the
 * writer can keep adding while the store grows. A second packet thread
 * would need counters of its own, summed by the readers.
 *
 * Allocation, references and snapshots are control-path operations, made
 * on the thread that owns the rulesets.
 */
#ifndef TF_TABLES_COUNTERS_H
#define TF_TABLES_COUNTERS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define COUNTERS_CHUNK_SHIFT 10u
#define COUNTERS_CHUNK (1u << COUNTERS_CHUNK_SHIFT)          /* slots per chunk */
#define COUNTERS_MAX_CHUNKS 4096u                             /* 4M slots */
#define COUNTERS_MAX_SLOTS (COUNTERS_CHUNK * COUNTERS_MAX_CHUNKS)

struct rule_counts {
	uint64_t pkts;
	uint64_t bytes;
};

struct counter {
	_Atomic uint64_t pkts;    /* written by the packet thread only */
	_Atomic uint64_t bytes;
	uint64_t base_pkts;       /* what zeroing took away (control path) */
	uint64_t base_bytes;
};

struct counters {
	struct counter *chunk[COUNTERS_MAX_CHUNKS]; /* allocated as slots are needed */
	uint32_t *refs;      /* references per slot (control path only) */
	uint32_t *free;      /* stack of free slots below n_slots */
	uint32_t n_free;
	uint32_t n_slots;    /* slots ever handed out (high-water mark) */
	uint32_t cap;        /* size of refs[] and free[] */
};

struct counters *counters_new(void);
/* Every ruleset that refers to c must be freed first. */
void counters_free(struct counters *c);

/* A fresh slot with zero counts and one reference. 0 or -ENOMEM/-ENOSPC. */
int counters_alloc(struct counters *c, uint32_t *slot);
void counters_ref(struct counters *c, uint32_t slot);
void counters_unref(struct counters *c, uint32_t slot);
/* Slots in use (for tests and `show stats`). */
uint32_t counters_in_use(const struct counters *c);

static inline struct counter *counters_at(const struct counters *c, uint32_t slot)
{
	return &c->chunk[slot >> COUNTERS_CHUNK_SHIFT][slot & (COUNTERS_CHUNK - 1u)];
}

/* The packet path: one packet of len bytes. */
static inline void counters_add(const struct counters *c, uint32_t slot, uint64_t len)
{
	struct counter *k = counters_at(c, slot);

	atomic_store_explicit(&k->pkts, atomic_load_explicit(&k->pkts, memory_order_relaxed) + 1,
			      memory_order_relaxed);
	atomic_store_explicit(&k->bytes,
			      atomic_load_explicit(&k->bytes, memory_order_relaxed) + len,
			      memory_order_relaxed);
}

void counters_read(const struct counters *c, uint32_t slot, struct rule_counts *out);
/* Read and reset in one step per word: nothing added meanwhile is lost. */
void counters_read_zero(struct counters *c, uint32_t slot, struct rule_counts *out);
/* Set (restore --counters, -c PKTS BYTES, -P ... -c). */
void counters_set(struct counters *c, uint32_t slot, const struct rule_counts *v);

/*
 * Copy every slot in one pass (and zero them with zero = true), so that a
 * listing formats from one snapshot rather than from counters that move
 * while it prints. Returns an array indexed by slot (counters_snapshot_len
 * entries), to free(); NULL on -ENOMEM.
 */
struct rule_counts *counters_snapshot(struct counters *c, bool zero);
uint32_t counters_snapshot_len(const struct counters *c);

#endif
