// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The packet buffer pool. All buffers live in one anonymous mapping so that
 * start-up reserves address space only; pages are touched as buffers are
 * first used. The free list is LIFO, which keeps recently used (cache-warm)
 * buffers in circulation.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include "core/pkt.h"

int pkt_pool_init(struct pkt_pool *pool, uint32_t count)
{
	size_t bytes = (size_t)count * PKT_BUF_SIZE;
	uint32_t i;

	memset(pool, 0, sizeof(*pool));
	if (count == 0)
		return -EINVAL;
	pool->mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
			 MAP_NORESERVE, -1, 0);
	if (pool->mem == MAP_FAILED) {
		pool->mem = NULL;
		return -ENOMEM;
	}
	pool->pkts = mmap(NULL, (size_t)count * sizeof(struct pkt), PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pool->pkts == MAP_FAILED) {
		munmap(pool->mem, bytes);
		pool->mem = NULL;
		pool->pkts = NULL;
		return -ENOMEM;
	}
	pool->count = count;
	/* Push in reverse so that the first allocations use the lowest buffers. */
	for (i = count; i-- > 0;) {
		struct pkt *p = &pool->pkts[i];

		p->head = pool->mem + (size_t)i * PKT_BUF_SIZE;
		p->size = PKT_BUF_SIZE;
		p->next = pool->free;
		pool->free = p;
	}
	pool->avail = count;
	return 0;
}

void pkt_pool_fini(struct pkt_pool *pool)
{
	if (pool->mem)
		munmap(pool->mem, (size_t)pool->count * PKT_BUF_SIZE);
	if (pool->pkts)
		munmap(pool->pkts, (size_t)pool->count * sizeof(struct pkt));
	memset(pool, 0, sizeof(*pool));
}

struct pkt *pkt_alloc(struct pkt_pool *pool)
{
	struct pkt *p = pool->free;
	uint8_t *head;

	if (!p)
		return NULL;
	pool->free = p->next;
	pool->avail--;
	head = p->head;
	/* Reset the metadata only; the payload bytes are overwritten by the reader. */
	memset(p, 0, sizeof(*p));
	p->head = head;
	p->size = PKT_BUF_SIZE;
	p->data = head + PKT_HEADROOM;
	p->iif = -1;
	p->oif = -1;
	return p;
}

void pkt_ct_release(struct pkt_pool *pool, struct pkt *p)
{
	if (p->ct && pool->ct_ops)
		pool->ct_ops->put(pool->ct_arg, p->ct);
	p->ct = NULL;
	p->ctinfo = 0;
	p->nat_done = 0;
}

void pkt_ct_copy(struct pkt_pool *pool, struct pkt *dst, const struct pkt *src)
{
	pkt_ct_release(pool, dst);
	dst->ct = src->ct;
	dst->ctinfo = src->ctinfo;
	dst->nat_done = src->nat_done;
	if (dst->ct && pool->ct_ops)
		pool->ct_ops->get(dst->ct);
}

void pkt_free(struct pkt_pool *pool, struct pkt *p)
{
	if (p->ct)
		pkt_ct_release(pool, p);
	p->next = pool->free;
	pool->free = p;
	pool->avail++;
}
