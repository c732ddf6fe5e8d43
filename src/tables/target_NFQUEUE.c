// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * NFQUEUE: hand the packet to a userspace consumer on a numbered queue
 * (xt_NFQUEUE.c revision 3; options as libxt_NFQUEUE).
 *
 *   --queue-num N        0..65535 (default 0)
 *   --queue-balance A:B  spread over queues A..B (A < B; ":B" is 0:B, "A:"
 *                        is A:65535), by a hash of the addresses and the
 *                        protocol that is the same in both directions, so
 *                        that a connection stays on one queue (nfqueue_hash)
 *   --queue-bypass       when nobody listens on the queue, accept instead
 *                        of dropping
 *   --queue-cpu-fanout   refused: it picks the queue by the CPU handling
 *                        the packet, and tunfilterd runs its packet path
 *                        on one thread, so it would always pick queue A.
 *
 * The target sets p->queue_num (and PKT_F_QUEUE_BYPASS) and answers
 * TF_QUEUE; what happens then is the queue subsystem's.
 *
 * The hash is the kernel's (jhash_3words over both addresses, smaller
 * first, and the protocol, scaled to the range), with a fixed seed where
 * the kernel draws a random one at boot: spreading does not need secrecy
 * here, and a fixed seed keeps the choice reproducible in tests.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/hook.h"
#include "core/ipv4.h"
#include "tables/xt.h"

#define NFQUEUE_HASH_SEED 0u

enum { O_QUEUE_NUM, O_QUEUE_BALANCE, O_QUEUE_BYPASS, O_QUEUE_CPU_FANOUT };

enum { NFQUEUE_F_BYPASS = 0x01 };

struct nfqueue_info {
	uint16_t num;      /* first queue */
	uint16_t total;    /* queues in the range, >= 1 */
	uint8_t flags;     /* NFQUEUE_F_* */
	uint8_t seen;      /* options given (parsing only) */
};

static const struct xt_option nfqueue_opts[] = {
	{ .name = "--queue-num", .id = O_QUEUE_NUM, .has_arg = true },
	{ .name = "--queue-balance", .id = O_QUEUE_BALANCE, .has_arg = true },
	{ .name = "--queue-bypass", .id = O_QUEUE_BYPASS },
	{ .name = "--queue-cpu-fanout", .id = O_QUEUE_CPU_FANOUT },
	{ .name = NULL },
};

/* One end of a balance range: empty is the default given. */
static int nfqueue_parse_end(const char *s, uint32_t dflt, uint32_t *out)
{
	if (!*s) {
		*out = dflt;
		return 0;
	}
	return xt_strtou32(s, 65535, out);
}

static int nfqueue_parse_balance(struct nfqueue_info *q, const char *arg, struct xt_parse *ps)
{
	char buf[32];
	char *colon;
	uint32_t lo, hi;

	if (strlen(arg) >= sizeof(buf) || !(colon = strchr(arg, ':')))
		return xt_error(ps, "NFQUEUE: bad range \"%s\" for --queue-balance (expected A:B)",
				arg);
	strcpy(buf, arg);
	buf[colon - arg] = '\0';
	if (nfqueue_parse_end(buf, 0, &lo) < 0 || nfqueue_parse_end(buf + (colon - arg) + 1,
								    65535, &hi) < 0)
		return xt_error(ps, "NFQUEUE: bad value for option \"--queue-balance\" near \"%s\", "
				"or out of range (0-65535)", arg);
	if (lo >= hi)
		return xt_error(ps, "%u should be less than %u", lo, hi);
	/* The kernel counts the queues in 16 bits (xt_NFQ_info_v3). */
	if (hi - lo + 1 > 65535)
		return xt_error(ps, "NFQUEUE: --queue-balance \"%s\" spans %u queues (at most 65535)",
				arg, hi - lo + 1);
	q->num = (uint16_t)lo;
	q->total = (uint16_t)(hi - lo + 1);
	return 0;
}

static int nfqueue_parse(void *data, int id, const char *arg, bool invert, struct xt_parse *ps)
{
	struct nfqueue_info *q = data;
	uint32_t v;

	if (q->seen & (1u << id))
		return xt_error(ps, "NFQUEUE: option \"%s\" can only be used once",
				nfqueue_opts[id].name);
	if ((id == O_QUEUE_NUM && (q->seen & (1u << O_QUEUE_BALANCE))) ||
	    (id == O_QUEUE_BALANCE && (q->seen & (1u << O_QUEUE_NUM))))
		return xt_error(ps, "NFQUEUE: option \"--queue-num\" cannot be used together with "
				"\"--queue-balance\"");
	q->seen |= (uint8_t)(1u << id);
	switch (id) {
	case O_QUEUE_NUM:
		if (xt_parse_u32(ps, "--queue-num", arg, 0, 65535, &v) < 0)
			return -EINVAL;
		q->num = (uint16_t)v;
		return 0;
	case O_QUEUE_BALANCE:
		return nfqueue_parse_balance(q, arg, ps);
	case O_QUEUE_BYPASS:
		q->flags |= NFQUEUE_F_BYPASS;
		return 0;
	default:
		return xt_error(ps, "NFQUEUE: --queue-cpu-fanout is not supported: tunfilterd runs "
				"the packet path on one thread");
	}
}

static int nfqueue_final(void *data, struct xt_parse *ps)
{
	struct nfqueue_info *q = data;

	if (!(q->seen & (1u << O_QUEUE_BALANCE)))
		q->total = 1;
	q->seen = 0;
	return 0;
}

static void nfqueue_print(const void *data, struct out *o)
{
	const struct nfqueue_info *q = data;

	if (q->total > 1)
		out_text(o, " --queue-balance %u:%u", (unsigned int)q->num,
			 (unsigned int)q->num + q->total - 1u);
	else
		out_text(o, " --queue-num %u", (unsigned int)q->num);
	if (q->flags & NFQUEUE_F_BYPASS)
		out_text(o, " --queue-bypass");
}

static inline uint32_t nfqueue_rol32(uint32_t w, unsigned int s)
{
	return (w << s) | (w >> (32 - s));
}

/* The kernel's jhash_3words (Bob Jenkins' lookup3 final mix). */
static uint32_t nfqueue_jhash_3words(uint32_t a, uint32_t b, uint32_t c, uint32_t initval)
{
	initval += 0xdeadbeefu + (3u << 2);
	a += initval;
	b += initval;
	c += initval;
	c ^= b; c -= nfqueue_rol32(b, 14);
	a ^= c; a -= nfqueue_rol32(c, 11);
	b ^= a; b -= nfqueue_rol32(a, 25);
	c ^= b; c -= nfqueue_rol32(b, 16);
	a ^= c; a -= nfqueue_rol32(c, 4);
	b ^= a; b -= nfqueue_rol32(a, 14);
	c ^= b; c -= nfqueue_rol32(b, 24);
	return c;
}

/* nfqueue_hash for IPv4: the smaller address first (as the 32-bit words
 * they are in memory), so both directions of a flow agree; then
 * reciprocal_scale into the range. */
static uint16_t nfqueue_pick(const struct nfqueue_info *q, const struct iphdr *ip)
{
	uint32_t s = ip->saddr, d = ip->daddr, h;

	h = s < d ? nfqueue_jhash_3words(s, d, ip->protocol, NFQUEUE_HASH_SEED) :
		    nfqueue_jhash_3words(d, s, ip->protocol, NFQUEUE_HASH_SEED);
	return (uint16_t)(q->num + (uint32_t)(((uint64_t)h * q->total) >> 32));
}

static unsigned int nfqueue_target(const void *data, void *state, struct xt_ctx *ctx)
{
	const struct nfqueue_info *q = data;
	struct pkt *p = ctx->p;

	p->queue_num = q->total > 1 ? nfqueue_pick(q, ipv4_hdr(p)) : q->num;
	if (q->flags & NFQUEUE_F_BYPASS)
		p->flags |= PKT_F_QUEUE_BYPASS;
	return TF_QUEUE;
}

const struct xt_target_ops target_NFQUEUE_ops = {
	.name = "NFQUEUE",
	.size = sizeof(struct nfqueue_info),
	.opts = nfqueue_opts,
	.parse = nfqueue_parse,
	.final = nfqueue_final,
	.target = nfqueue_target,
	.print = nfqueue_print,
};
