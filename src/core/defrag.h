/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IPv4 reassembly (RFC 791, with the kernel's defences of RFC 5722 style):
 * queues keyed by (src, dst, protocol, id); an overlapping fragment, a
 * duplicate that disagrees with what was stored, or one that extends past
 * 65535 bytes drops the whole queue (teardrop and ping-of-death shapes).
 * Exact duplicates (same offset, length, MF and bytes) are dropped alone,
 * counted as DROP_DEFRAG_DUPLICATE. A memory cap bounds the buffers held
 * (each fragment charged its length plus a fixed overhead, and never more
 * than half the pool's buffers; the oldest queues are evicted first);
 * a queue older than the timeout is dropped (and, if it held the first
 * fragment, a "fragment reassembly time exceeded" ICMP error may be sent by
 * the caller). No per-queue timer: expiry is checked lazily on each call and
 * by defrag_expire() from the router's housekeeping tick.
 *
 * Fragment buffers come from the router's pool and are returned to it.
 */
#ifndef TF_CORE_DEFRAG_H
#define TF_CORE_DEFRAG_H

#include <stdint.h>
#include "core/drop.h"
#include "core/pkt.h"

struct defrag;

/* A zero field takes the default: 4 MiB, 30 s, 1024 queues. */
struct defrag_config {
	uint32_t max_memory;  /* bytes of buffers held (kernel ipfrag_high_thresh) */
	uint32_t timeout_ms;  /* per queue (kernel ipfrag_time, 30 s) */
	uint32_t max_queues;  /* concurrent datagrams */
};

/* Called for a queue that timed out while holding its first fragment; p is
 * that fragment (still owned by defrag; do not free or keep it). */
typedef void (*defrag_timeout_fn)(void *arg, const struct pkt *first);

struct defrag *defrag_new(const struct defrag_config *cfg, struct pkt_pool *pool,
			  struct drop_stats *drops);
void defrag_free(struct defrag *d);
void defrag_set_timeout_cb(struct defrag *d, defrag_timeout_fn fn, void *arg);

/*
 * Offer a validated fragment p at time now_ms.
 *  - 0: p now holds the whole reassembled datagram (header checksum fixed,
 *    PKT_F_REASSEMBLED set, p->frag_max the largest fragment's length).
 *    A p that is not a fragment is already whole: 0, p untouched.
 *  - -EINPROGRESS: defrag kept p; the caller must not touch it again.
 *  - other -errno: p was dropped and freed by defrag; the reason was counted.
 */
int defrag_add(struct defrag *d, struct pkt *p, uint64_t now_ms);

/* Drop queues older than the timeout. */
void defrag_expire(struct defrag *d, uint64_t now_ms);

/* Bytes of fragment buffers held now; queues held now. */
uint32_t defrag_memory(const struct defrag *d);
uint32_t defrag_queues(const struct defrag *d);

#endif
