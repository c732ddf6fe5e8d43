// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * defrag: reassembly in every arrival order, interleaved datagrams, the
 * attack shapes (teardrop overlaps, conflicting duplicates, ping of death,
 * malformed ends), timeout with an injected clock, the memory, buffer and
 * queue caps, and a randomized frag_split -> shuffle -> defrag_add round
 * trip. Every test ends with every pool buffer back in the pool.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/csum.h"
#include "core/defrag.h"
#include "core/frag.h"
#include "core/ipv4.h"

#define COST(len) ((len) + 256u) /* DEFRAG_FRAG_OVERHEAD */

static struct pkt_pool pool;
static struct drop_stats drops;
static struct defrag *d;
static uint64_t rng_state;

/* Timeout callback record. */
static unsigned int cb_calls;
static uint16_t cb_id;
static unsigned int cb_off;
static void *cb_arg;

static void start(uint32_t npool, uint32_t max_memory, uint32_t timeout_ms, uint32_t max_queues)
{
	struct defrag_config cfg = {
		.max_memory = max_memory, .timeout_ms = timeout_ms, .max_queues = max_queues,
	};

	cr_assert_eq(pkt_pool_init(&pool, npool), 0);
	memset(&drops, 0, sizeof(drops));
	d = defrag_new(&cfg, &pool, &drops);
	cr_assert_not_null(d);
	rng_state = 0x243f6a8885a308d3ull;
	cb_calls = 0;
}

static void start_default(void)
{
	start(1024, 4u << 20, 30000, 64);
}

static void finish(void)
{
	uint32_t count = pool.count;

	if (d) {
		/* Every test leaves defrag empty unless it says otherwise. */
		defrag_free(d);
		d = NULL;
	}
	cr_expect_eq(pool.avail, count, "pool leak: %u of %u free", pool.avail, count);
	pkt_pool_fini(&pool);
}

TestSuite(defrag, .fini = finish);

static uint32_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static uint64_t total_drops(void)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < DROP_MAX; i++)
		n += drops.count[i];
	return n;
}

/* A datagram to cut into fragments by hand. */
struct dgram {
	uint32_t saddr, daddr;
	uint16_t id;
	uint8_t proto;
	bool df;
	uint8_t opts[40];   /* in the offset 0 fragment only */
	unsigned int optlen;
	uint8_t *payload;
	unsigned int plen;
};

static void dgram_init(struct dgram *g, uint16_t id, unsigned int plen)
{
	unsigned int i;

	memset(g, 0, sizeof(*g));
	g->saddr = htonl(0xc0a80001);
	g->daddr = htonl(0xc0a80102);
	g->id = htons(id);
	g->proto = 17;
	g->plen = plen;
	g->payload = malloc(plen ? plen : 1);
	cr_assert_not_null(g->payload);
	for (i = 0; i < plen; i++)
		g->payload[i] = (uint8_t)rnd();
}

static void dgram_fini(struct dgram *g)
{
	free(g->payload);
}

/* A fragment of g: payload bytes [off, off+len) (from g, or from bytes if
 * not NULL), MF as given. */
static struct pkt *mkfrag_bytes(const struct dgram *g, unsigned int off, unsigned int len,
				bool mf, const uint8_t *bytes)
{
	struct pkt *p = pkt_alloc(&pool);
	unsigned int hlen = IPV4_HDR_MIN + (off == 0 ? g->optlen : 0);
	struct iphdr *ip;

	cr_assert_not_null(p, "pool empty");
	ip = ipv4_hdr(p);
	memset(ip, 0, IPV4_HDR_MIN);
	ip->version = 4;
	ip->ihl = hlen / 4;
	ip->tot_len = htons((uint16_t)(hlen + len));
	ip->id = g->id;
	ip->frag_off = htons((uint16_t)((g->df ? IPV4_F_DF : 0) | (mf ? IPV4_F_MF : 0) |
					(off / 8)));
	ip->ttl = 64;
	ip->protocol = g->proto;
	ip->saddr = g->saddr;
	ip->daddr = g->daddr;
	if (off == 0)
		memcpy(p->data + IPV4_HDR_MIN, g->opts, g->optlen);
	memcpy(p->data + hlen, bytes ? bytes : g->payload + off, len);
	ipv4_set_csum(ip);
	p->len = hlen + len;
	p->l4_off = (uint16_t)hlen;
	p->iif = 1;
	return p;
}

static struct pkt *mkfrag(const struct dgram *g, unsigned int off, unsigned int len, bool mf)
{
	return mkfrag_bytes(g, off, len, mf, NULL);
}

/* The reassembled p must be g exactly. */
static void check_whole(const struct pkt *p, const struct dgram *g, unsigned int frag_max)
{
	const struct iphdr *ip = ipv4_hdr(p);
	unsigned int hlen = IPV4_HDR_MIN + g->optlen;

	cr_assert_eq(p->len, hlen + g->plen, "len %u, want %u", p->len, hlen + g->plen);
	cr_assert_eq(ipv4_hdrlen(ip), hlen);
	cr_assert_eq(p->l4_off, hlen);
	cr_assert_eq(ntohs(ip->tot_len), p->len);
	cr_assert_eq(ntohs(ip->frag_off), g->df ? IPV4_F_DF : 0);
	cr_assert_eq(csum_buf(ip, hlen), 0, "bad header checksum");
	cr_assert_eq(ip->id, g->id);
	cr_assert_eq(ip->saddr, g->saddr);
	cr_assert_eq(ip->daddr, g->daddr);
	cr_assert_eq(ip->protocol, g->proto);
	cr_assert_arr_eq(p->data + IPV4_HDR_MIN, g->opts, g->optlen);
	cr_assert_arr_eq(p->data + hlen, g->payload, g->plen, "payload differs");
	cr_assert(p->flags & PKT_F_REASSEMBLED);
	if (frag_max)
		cr_assert_eq(p->frag_max, frag_max, "frag_max %u, want %u", p->frag_max, frag_max);
	cr_assert_null(p->next);
}

/* A cut of a datagram: piece i is [off[i], off[i]+len[i]). */
struct cut {
	unsigned int n;
	unsigned int off[8192], len[8192];
};

static void cut_random(struct cut *c, unsigned int plen, unsigned int maxpiece)
{
	unsigned int off = 0;

	c->n = 0;
	while (off < plen) {
		unsigned int len = 8 * (1 + rnd() % (maxpiece / 8));

		if (off + len >= plen)
			len = plen - off;
		c->off[c->n] = off;
		c->len[c->n] = len;
		c->n++;
		off += len;
	}
}

static void shuffle(unsigned int *idx, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		idx[i] = i;
	for (i = n; i > 1; i--) {
		unsigned int j = rnd() % i, t = idx[i - 1];

		idx[i - 1] = idx[j];
		idx[j] = t;
	}
}

/* Feed the pieces of g in the order idx; the last one must complete it and
 * come back as the same pointer. */
static void feed(const struct dgram *g, const struct cut *c, const unsigned int *idx,
		 uint64_t now)
{
	unsigned int i, frag_max = 0, hlen0 = IPV4_HDR_MIN + g->optlen;
	struct pkt *p = NULL;
	int ret = -1;

	for (i = 0; i < c->n; i++) {
		unsigned int k = idx[i], hl = c->off[k] == 0 ? hlen0 : IPV4_HDR_MIN;

		if (hl + c->len[k] > frag_max)
			frag_max = hl + c->len[k];
	}
	for (i = 0; i < c->n; i++) {
		unsigned int k = idx[i];

		p = mkfrag(g, c->off[k], c->len[k], k + 1 < c->n);
		ret = defrag_add(d, p, now);
		if (i + 1 < c->n)
			cr_assert_eq(ret, -EINPROGRESS, "piece %u of %u: %d", i, c->n, ret);
	}
	cr_assert_eq(ret, 0, "last piece: %d", ret);
	if (c->n == 1) {
		/* One piece is no fragment: passed through as it is. */
		cr_assert_eq(p->flags & PKT_F_REASSEMBLED, 0);
		cr_assert_arr_eq(p->data + hlen0, g->payload, g->plen);
		pkt_free(&pool, p);
		return;
	}
	check_whole(p, g, frag_max);
	pkt_free(&pool, p);
}

static struct cut cut_buf;
static unsigned int idx_buf[8192];

Test(defrag, in_order)
{
	struct dgram g;
	struct pkt *a, *b, *c;

	start_default();
	dgram_init(&g, 1, 3000);
	a = mkfrag(&g, 0, 1480, true);
	b = mkfrag(&g, 1480, 1480, true);
	c = mkfrag(&g, 2960, 40, false);
	cr_assert_eq(defrag_add(d, a, 0), -EINPROGRESS);
	cr_assert_eq(defrag_queues(d), 1);
	cr_assert_eq(defrag_memory(d), COST(1500));
	cr_assert_eq(defrag_add(d, b, 1), -EINPROGRESS);
	cr_assert_eq(defrag_memory(d), 2 * COST(1500));
	cr_assert_eq(defrag_add(d, c, 2), 0);
	check_whole(c, &g, 1500);
	cr_assert_eq(defrag_queues(d), 0);
	cr_assert_eq(defrag_memory(d), 0);
	cr_assert_eq(total_drops(), 0);
	pkt_free(&pool, c);
	dgram_fini(&g);
}

Test(defrag, reversed_with_options_and_df)
{
	struct dgram g;
	unsigned int i;

	start_default();
	dgram_init(&g, 2, 5000);
	g.df = true;
	g.optlen = 8;
	g.opts[0] = 0x83; /* LSRR with one address, then EOL padding */
	g.opts[1] = 7;
	g.opts[2] = 4;
	g.opts[3] = 10;
	g.opts[6] = 9;
	cut_random(&cut_buf, g.plen, 800);
	for (i = 0; i < cut_buf.n; i++)
		idx_buf[i] = cut_buf.n - 1 - i;
	feed(&g, &cut_buf, idx_buf, 0);
	cr_assert_eq(defrag_queues(d), 0);
	cr_assert_eq(total_drops(), 0);
	dgram_fini(&g);
}

/* DF survives only when the largest fragment carried it. */
Test(defrag, df_follows_largest_fragment)
{
	struct dgram g;
	struct pkt *a, *b;

	start_default();
	dgram_init(&g, 3, 1000);
	a = mkfrag(&g, 0, 800, true); /* no DF, the largest */
	g.df = true;
	b = mkfrag(&g, 800, 200, false);
	cr_assert_eq(defrag_add(d, a, 0), -EINPROGRESS);
	cr_assert_eq(defrag_add(d, b, 0), 0);
	cr_assert_eq(ipv4_hdr(b)->frag_off, 0);
	cr_assert_eq(csum_buf(b->data, 20), 0);
	pkt_free(&pool, b);
	dgram_fini(&g);
}

Test(defrag, random_orders)
{
	unsigned int t;

	start(4096, 4u << 20, 30000, 64);
	for (t = 0; t < 500; t++) {
		unsigned int maxpiece;
		struct dgram g;

		dgram_init(&g, (uint16_t)t, 1 + rnd() % (t % 50 ? 6000 : 65000));
		g.df = rnd() & 1;
		/* Large datagrams in large pieces: the pool is not infinite. */
		maxpiece = g.plen > 6000 ? 1000 + rnd() % 8000 : 8 + rnd() % 2000;
		cut_random(&cut_buf, g.plen, maxpiece);
		shuffle(idx_buf, cut_buf.n);
		feed(&g, &cut_buf, idx_buf, t);
		dgram_fini(&g);
	}
	cr_assert_eq(defrag_queues(d), 0);
	cr_assert_eq(defrag_memory(d), 0);
	cr_assert_eq(total_drops(), 0);
}

/* Datagrams that differ in one key field each, fragments interleaved. */
Test(defrag, interleaved)
{
	enum { N = 6 };
	struct dgram g[N];
	struct cut *cuts = calloc(N, sizeof(*cuts));
	unsigned int pos[N] = { 0 }, left = 0, i, done[N] = { 0 };
	unsigned int completed = 0;

	start_default();
	for (i = 0; i < N; i++) {
		dgram_init(&g[i], 100, 2000 + 500 * i);
		cut_random(&cuts[i], g[i].plen, 600);
		left += cuts[i].n;
	}
	g[1].id = htons(101);
	g[2].saddr = htonl(0xc0a80009);
	g[3].daddr = htonl(0xc0a80109);
	g[4].proto = 6;
	g[5].proto = 1;
	while (left) {
		unsigned int k = rnd() % N, j;
		struct pkt *p;
		int ret;

		if (pos[k] == cuts[k].n)
			continue;
		j = pos[k]++;
		left--;
		p = mkfrag(&g[k], cuts[k].off[j], cuts[k].len[j], j + 1 < cuts[k].n);
		ret = defrag_add(d, p, 0);
		if (pos[k] < cuts[k].n) {
			cr_assert_eq(ret, -EINPROGRESS);
			continue;
		}
		cr_assert_eq(ret, 0, "datagram %u: %d", k, ret);
		check_whole(p, &g[k], 0);
		done[k]++;
		completed++;
		pkt_free(&pool, p);
	}
	cr_assert_eq(completed, N);
	for (i = 0; i < N; i++) {
		cr_assert_eq(done[i], 1);
		dgram_fini(&g[i]);
	}
	cr_assert_eq(defrag_queues(d), 0);
	cr_assert_eq(total_drops(), 0);
	free(cuts);
}

Test(defrag, not_a_fragment_is_left_alone)
{
	struct dgram g;
	struct pkt *p;
	uint8_t before[120];

	start_default();
	dgram_init(&g, 4, 100);
	p = mkfrag(&g, 0, 100, false);
	memcpy(before, p->data, p->len);
	cr_assert_eq(defrag_add(d, p, 0), 0);
	cr_assert_arr_eq(p->data, before, 120);
	cr_assert_eq(p->flags & PKT_F_REASSEMBLED, 0);
	cr_assert_eq(defrag_queues(d), 0);
	cr_assert_eq(total_drops(), 0);
	pkt_free(&pool, p);
	dgram_fini(&g);
}

/* Teardrop: the second (last) fragment starts inside the first and ends
 * inside it. The whole queue goes, every fragment counted once as overlap
 * (not as the bad end it also has). */
Test(defrag, teardrop_overlap_drops_queue)
{
	struct dgram g;

	start_default();
	dgram_init(&g, 5, 100);
	cr_assert_eq(defrag_add(d, mkfrag(&g, 0, 40, true), 0), -EINPROGRESS);
	cr_assert_eq(defrag_add(d, mkfrag(&g, 24, 4, false), 0), -EINVAL);
	cr_assert_eq(drops.count[DROP_DEFRAG_OVERLAP], 2);
	/* The same shape with MF on the second. */
	cr_assert_eq(defrag_add(d, mkfrag(&g, 0, 40, true), 0), -EINPROGRESS);
	cr_assert_eq(defrag_add(d, mkfrag(&g, 24, 8, true), 0), -EINVAL);
	cr_assert_eq(drops.count[DROP_DEFRAG_OVERLAP], 4);
	cr_assert_eq(total_drops(), 4);
	cr_assert_eq(defrag_queues(d), 0);
	cr_assert_eq(defrag_memory(d), 0);
	dgram_fini(&g);
}

/* Partial overlaps from either side, and a fragment that covers a held one. */
Test(defrag, overlap_shapes)
{
	static const struct {
		unsigned int off1, len1, off2, len2;
	} v[] = {
		{ 0, 24, 16, 16 },  /* new starts inside the previous */
		{ 32, 24, 16, 24 }, /* new ends inside the next */
		{ 16, 8, 8, 32 },   /* new covers a held one */
		{ 8, 32, 8, 16 },   /* same offset, shorter */
		{ 8, 16, 8, 24 },   /* same offset, longer */
	};
	unsigned int i;

	start_default();
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct dgram g;

		dgram_init(&g, (uint16_t)(10 + i), 200);
		cr_assert_eq(defrag_add(d, mkfrag(&g, 120, 80, false), 0), -EINPROGRESS);
		cr_assert_eq(defrag_add(d, mkfrag(&g, v[i].off1, v[i].len1, true), 0),
			     -EINPROGRESS);
		cr_assert_eq(defrag_add(d, mkfrag(&g, v[i].off2, v[i].len2, true), 0), -EINVAL,
			     "case %u", i);
		cr_assert_eq(drops.count[DROP_DEFRAG_OVERLAP], 3 * (i + 1), "case %u", i);
		cr_assert_eq(defrag_queues(d), 0);
		dgram_fini(&g);
	}
	cr_assert_eq(total_drops(), 3 * i);
	cr_assert_eq(defrag_memory(d), 0);
}

/* An exact duplicate is dropped alone and the datagram still completes. */
Test(defrag, exact_duplicate)
{
	struct dgram g;
	struct pkt *p;

	start_default();
	dgram_init(&g, 6, 100);
	cr_assert_eq(defrag_add(d, mkfrag(&g, 0, 48, true), 0), -EINPROGRESS);
	cr_assert_eq(defrag_add(d, mkfrag(&g, 0, 48, true), 0), -EEXIST);
	cr_assert_eq(defrag_add(d, mkfrag(&g, 48, 8, true), 0), -EINPROGRESS);
	cr_assert_eq(defrag_add(d, mkfrag(&g, 48, 8, true), 0), -EEXIST);
	cr_assert_eq(drops.count[DROP_DEFRAG_DUPLICATE], 2);
	cr_assert_eq(defrag_queues(d), 1);
	cr_assert_eq(defrag_memory(d), COST(68) + COST(28));
	p = mkfrag(&g, 56, 44, false);
	cr_assert_eq(defrag_add(d, p, 0), 0);
	check_whole(p, &g, 68);
	/* The last one again, after completion: a new queue, later expired. */
	cr_assert_eq(defrag_add(d, mkfrag(&g, 56, 44, false), 0), -EINPROGRESS);
	defrag_expire(d, 30000);
	cr_assert_eq(drops.count[DROP_DEFRAG_TIMEOUT], 1);
	cr_assert_eq(total_drops(), 3);
	pkt_free(&pool, p);
	dgram_fini(&g);
}

/* Same offset and length, different bytes (or a different MF): the queue
 * cannot be trusted, all of it goes as an overlap. */
Test(defrag, conflicting_duplicate)
{
	struct dgram g;
	uint8_t other[48];

	start_default();
	dgram_init(&g, 7, 100);
	memcpy(other, g.payload, sizeof(other));
	other[47] ^= 1;
	cr_assert_eq(defrag_add(d, mkfrag(&g, 0, 48, true), 0), -EINPROGRESS);
	cr_assert_eq(defrag_add(d, mkfrag(&g, 48, 8, true), 0), -EINPROGRESS);
	cr_assert_eq(defrag_add(d, mkfrag_bytes(&g, 0, 48, true, other), 0), -EINVAL);
	cr_assert_eq(drops.count[DROP_DEFRAG_OVERLAP], 3);
	cr_assert_eq(defrag_queues(d), 0);

	/* A copy of the last fragment with MF set. */
	cr_assert_eq(defrag_add(d, mkfrag(&g, 48, 48, false), 0), -EINPROGRESS);
	cr_assert_eq(defrag_add(d, mkfrag(&g, 48, 48, true), 0), -EINVAL);
	cr_assert_eq(drops.count[DROP_DEFRAG_OVERLAP], 5);
	cr_assert_eq(total_drops(), 5);
	cr_assert_eq(defrag_queues(d), 0);
	cr_assert_eq(defrag_memory(d), 0);
	dgram_fini(&g);
}

/* Ping of death: offset 65528 with 16 bytes ends at 65544. */
Test(defrag, ping_of_death)
{
	struct dgram g;

	start_default();
	dgram_init(&g, 8, 65544);
	/* Alone. */
	cr_assert_eq(defrag_add(d, mkfrag(&g, 65528, 16, false), 0), -EMSGSIZE);
	cr_assert_eq(drops.count[DROP_DEFRAG_OVERSIZE], 1);
	cr_assert_eq(defrag_queues(d), 0);
	/* After two good fragments: all three go. */
	cr_assert_eq(defrag_add(d, mkfrag(&g, 0, 1480, true), 0), -EINPROGRESS);
	cr_assert_eq(defrag_add(d, mkfrag(&g, 1480, 1480, true), 0), -EINPROGRESS);
	cr_assert_eq(defrag_add(d, mkfrag(&g, 65528, 16, false), 0), -EMSGSIZE);
	cr_assert_eq(drops.count[DROP_DEFRAG_OVERSIZE], 4);
	cr_assert_eq(total_drops(), 4);
	cr_assert_eq(defrag_queues(d), 0);
	cr_assert_eq(defrag_memory(d), 0);
	dgram_fini(&g);
}

/* The end fits a 20-byte header but not the first fragment's 60. */
Test(defrag, oversize_with_long_first_header)
{
	struct dgram g;

	start_default();
	dgram_init(&g, 9, 65512);
	g.optlen = 40;
	memset(g.opts, 1, 40); /* NOPs */
	cr_assert_eq(defrag_add(d, mkfrag(&g, 65504, 8, false), 0), -EINPROGRESS);
	cr_assert_eq(defrag_add(d, mkfrag(&g, 0, 1480, true), 0), -EMSGSIZE);
	cr_assert_eq(drops.count[DROP_DEFRAG_OVERSIZE], 2);
	cr_assert_eq(defrag_queues(d), 0);

	/* The largest datagram that fits: 60 + 65475 = 65535 (payload up to
	 * 65472 in 8-byte steps plus a 3-byte last fragment), in pieces. */
	dgram_fini(&g);
	dgram_init(&g, 10, 65475);
	g.optlen = 40;
	memset(g.opts, 1, 40);
	cut_random(&cut_buf, g.plen, 8000);
	shuffle(idx_buf, cut_buf.n);
	feed(&g, &cut_buf, idx_buf, 0);
	cr_assert_eq(total_drops(), 2);
	dgram_fini(&g);
}

Test(defrag, invalid_shapes)
{
	struct dgram g;

	start_default();
	dgram_init(&g, 11, 400);
	/* A non-last fragment whose length is not a multiple of 8. */
	cr_assert_eq(defrag_add(d, mkfrag(&g, 0, 20, true), 0), -EINVAL);
	cr_assert_eq(drops.count[DROP_DEFRAG_INVALID], 1);
	cr_assert_eq(defrag_queues(d), 0);
	/* An empty fragment. */
	cr_assert_eq(defrag_add(d, mkfrag(&g, 8, 0, true), 0), -EINVAL);
	cr_assert_eq(drops.count[DROP_DEFRAG_INVALID], 2);

	/* Two last fragments with different ends: the queue goes. */
	cr_assert_eq(defrag_add(d, mkfrag(&g, 0, 80, true), 0), -EINPROGRESS);
	cr_assert_eq(defrag_add(d, mkfrag(&g, 200, 100, false), 0), -EINPROGRESS);
	cr_assert_eq(defrag_add(d, mkfrag(&g, 80, 80, false), 0), -EINVAL);
	cr_assert_eq(drops.count[DROP_DEFRAG_INVALID], 5);
	cr_assert_eq(defrag_queues(d), 0);

	/* Data past a known end. */
	cr_assert_eq(defrag_add(d, mkfrag(&g, 80, 80, false), 0), -EINPROGRESS);
	cr_assert_eq(defrag_add(d, mkfrag(&g, 160, 8, true), 0), -EINVAL);
	cr_assert_eq(drops.count[DROP_DEFRAG_INVALID], 7);

	/* A last fragment ending before data already held. */
	cr_assert_eq(defrag_add(d, mkfrag(&g, 200, 80, true), 0), -EINPROGRESS);
	cr_assert_eq(defrag_add(d, mkfrag(&g, 80, 80, false), 0), -EINVAL);
	cr_assert_eq(drops.count[DROP_DEFRAG_INVALID], 9);
	cr_assert_eq(total_drops(), 9);
	cr_assert_eq(defrag_queues(d), 0);
	cr_assert_eq(defrag_memory(d), 0);
	dgram_fini(&g);
}

static void on_timeout(void *arg, const struct pkt *first)
{
	cb_calls++;
	cb_arg = arg;
	cb_id = ntohs(ipv4_hdr(first)->id);
	cb_off = ipv4_frag_offset(ipv4_hdr(first));
}

Test(defrag, timeout_injected_clock)
{
	struct dgram a, b, c;
	int marker;

	start(256, 4u << 20, 30000, 64);
	defrag_set_timeout_cb(d, on_timeout, &marker);
	dgram_init(&a, 21, 300);
	dgram_init(&b, 22, 300);
	dgram_init(&c, 23, 300);
	/* a holds its first fragment (two fragments), b does not, c is younger. */
	cr_assert_eq(defrag_add(d, mkfrag(&a, 104, 8, true), 1000), -EINPROGRESS);
	cr_assert_eq(defrag_add(d, mkfrag(&a, 0, 104, true), 1000), -EINPROGRESS);
	cr_assert_eq(defrag_add(d, mkfrag(&b, 104, 8, true), 2000), -EINPROGRESS);
	cr_assert_eq(defrag_add(d, mkfrag(&c, 0, 8, true), 20000), -EINPROGRESS);
	cr_assert_eq(defrag_queues(d), 3);

	defrag_expire(d, 30999);
	cr_assert_eq(defrag_queues(d), 3);
	cr_assert_eq(cb_calls, 0);
	defrag_expire(d, 31000);
	cr_assert_eq(defrag_queues(d), 2);
	cr_assert_eq(cb_calls, 1);
	cr_assert_eq(cb_arg, &marker);
	cr_assert_eq(cb_id, 21);
	cr_assert_eq(cb_off, 0);
	cr_assert_eq(drops.count[DROP_DEFRAG_TIMEOUT], 2);
	/* b had no first fragment: dropped without a callback. */
	defrag_expire(d, 32000);
	cr_assert_eq(defrag_queues(d), 1);
	cr_assert_eq(cb_calls, 1);
	cr_assert_eq(drops.count[DROP_DEFRAG_TIMEOUT], 3);

	/* Lazy: the next fragment of c arrives too late; the stale queue is
	 * dropped (callback: it held offset 0) and a new one starts. */
	cr_assert_eq(defrag_add(d, mkfrag(&c, 8, 292, false), 50000), -EINPROGRESS);
	cr_assert_eq(cb_calls, 2);
	cr_assert_eq(cb_id, 23);
	cr_assert_eq(drops.count[DROP_DEFRAG_TIMEOUT], 4);
	cr_assert_eq(defrag_queues(d), 1);
	cr_assert_eq(defrag_memory(d), COST(312));
	/* Just in time: completes at 79999. */
	{
		struct pkt *p = mkfrag(&c, 0, 8, true);

		cr_assert_eq(defrag_add(d, p, 79999), 0);
		check_whole(p, &c, 312);
		pkt_free(&pool, p);
	}
	cr_assert_eq(total_drops(), 4);
	cr_assert_eq(defrag_queues(d), 0);
	dgram_fini(&a);
	dgram_fini(&b);
	dgram_fini(&c);
}

/* Hold many partial datagrams under a byte cap: the oldest go first, one
 * DEFRAG_MEMORY per fragment, and defrag_memory never passes the cap. */
Test(defrag, memory_cap_evicts_oldest)
{
	enum { N = 10 };
	struct dgram g[N + 2];
	unsigned int i;
	struct pkt *p;

	start(256, N * COST(1020), 30000, 64);
	for (i = 0; i < N + 2; i++)
		dgram_init(&g[i], (uint16_t)(200 + i), i == N + 1 ? 1000 * (N + 1) : 2000);
	for (i = 0; i < N; i++)
		cr_assert_eq(defrag_add(d, mkfrag(&g[i], 0, 1000, true), i), -EINPROGRESS);
	cr_assert_eq(defrag_memory(d), N * COST(1020));
	cr_assert_eq(defrag_queues(d), N);
	cr_assert_eq(total_drops(), 0);

	/* One more: the oldest (g[0]) is evicted. */
	cr_assert_eq(defrag_add(d, mkfrag(&g[N], 0, 1000, true), 100), -EINPROGRESS);
	cr_assert_eq(drops.count[DROP_DEFRAG_MEMORY], 1);
	cr_assert_eq(defrag_queues(d), N);
	cr_assert_eq(defrag_memory(d), N * COST(1020));
	/* g[1] still completes (its second half evicts g[2] to make room). */
	p = mkfrag(&g[1], 1000, 1000, false);
	cr_assert_eq(defrag_add(d, p, 101), 0);
	check_whole(p, &g[1], 1020);
	pkt_free(&pool, p);
	cr_assert_eq(drops.count[DROP_DEFRAG_MEMORY], 2);
	cr_assert_eq(defrag_queues(d), N - 2);
	/* g[0] was evicted: its second half starts a queue of its own. */
	cr_assert_eq(defrag_add(d, mkfrag(&g[0], 1000, 1000, false), 102), -EINPROGRESS);
	cr_assert_eq(defrag_queues(d), N - 1);
	cr_assert_leq(defrag_memory(d), N * COST(1020));

	/* Two fragments of 1020 evict queues of 1020 one by one; a datagram
	 * bigger than the whole cap evicts everyone, then itself. */
	for (i = 0; i <= N; i++) {
		int ret = defrag_add(d, mkfrag(&g[N + 1], 1000 * i, 1000, true), 200 + i);

		cr_assert_leq(defrag_memory(d), N * COST(1020));
		if (i < N)
			cr_assert_eq(ret, -EINPROGRESS, "piece %u: %d", i, ret);
		else
			cr_assert_eq(ret, -ENOMEM);
	}
	cr_assert_eq(defrag_queues(d), 0);
	cr_assert_eq(defrag_memory(d), 0);
	/* Every fragment that entered was dropped exactly once, as memory,
	 * except the two that made g[1]: N + 1 first halves, two second
	 * halves and N + 1 pieces entered. */
	cr_assert_eq(drops.count[DROP_DEFRAG_MEMORY], (N + 1) + 2 + (N + 1) - 2);
	cr_assert_eq(total_drops(), drops.count[DROP_DEFRAG_MEMORY]);
	for (i = 0; i < N + 2; i++)
		dgram_fini(&g[i]);
}

/* A fragment bigger than the whole cap is refused on its own. */
Test(defrag, memory_cap_single_fragment_too_big)
{
	struct dgram g;

	start(64, COST(500), 30000, 64);
	dgram_init(&g, 300, 2000);
	cr_assert_eq(defrag_add(d, mkfrag(&g, 0, 1000, true), 0), -ENOMEM);
	cr_assert_eq(drops.count[DROP_DEFRAG_MEMORY], 1);
	cr_assert_eq(defrag_queues(d), 0);
	cr_assert_eq(defrag_memory(d), 0);
	dgram_fini(&g);
}

/* Tiny fragments cannot pin the pool: at most half its buffers are held. */
Test(defrag, buffer_cap_half_the_pool)
{
	struct dgram g;
	unsigned int i;

	start(32, 4u << 20, 30000, 64);
	dgram_init(&g, 0, 100);
	for (i = 0; i < 40; i++) {
		g.id = htons((uint16_t)(400 + i));
		cr_assert_eq(defrag_add(d, mkfrag(&g, 0, 8, true), i), -EINPROGRESS);
		cr_assert_leq(pool.count - pool.avail, 16);
	}
	cr_assert_eq(defrag_queues(d), 16);
	cr_assert_eq(drops.count[DROP_DEFRAG_MEMORY], 40 - 16);
	cr_assert_eq(defrag_memory(d), 16 * COST(28));
	/* The survivors are the youngest: id 439 still completes (evicting
	 * the oldest, 424, for its second buffer). */
	{
		struct pkt *p = mkfrag(&g, 8, 92, false);

		cr_assert_eq(defrag_add(d, p, 100), 0);
		check_whole(p, &g, 112);
		pkt_free(&pool, p);
	}
	cr_assert_eq(drops.count[DROP_DEFRAG_MEMORY], 40 - 16 + 1);
	cr_assert_eq(defrag_queues(d), 14);
	dgram_fini(&g);
}

/* Every queue struct in use: the oldest queue makes way. */
Test(defrag, queue_cap_evicts_oldest)
{
	struct dgram g;
	unsigned int i;

	start(64, 4u << 20, 30000, 4);
	dgram_init(&g, 0, 100);
	for (i = 0; i < 6; i++) {
		g.id = htons((uint16_t)(500 + i));
		cr_assert_eq(defrag_add(d, mkfrag(&g, 8, 16, true), i), -EINPROGRESS);
		cr_assert_eq(defrag_add(d, mkfrag(&g, 0, 8, true), i), -EINPROGRESS);
	}
	cr_assert_eq(defrag_queues(d), 4);
	cr_assert_eq(drops.count[DROP_DEFRAG_MEMORY], 4); /* two queues of two */
	/* id 500 is gone (a new queue, evicting 502), 505 is there. */
	g.id = htons(500);
	cr_assert_eq(defrag_add(d, mkfrag(&g, 24, 76, false), 10), -EINPROGRESS);
	cr_assert_eq(drops.count[DROP_DEFRAG_MEMORY], 6);
	g.id = htons(505);
	{
		struct pkt *p = mkfrag(&g, 24, 76, false);

		cr_assert_eq(defrag_add(d, p, 11), 0);
		check_whole(p, &g, 96);
		pkt_free(&pool, p);
	}
	cr_assert_eq(defrag_queues(d), 3);
	dgram_fini(&g);
}

/* The completing fragment's data pointer has moved forward, leaving less
 * than 65535 bytes behind it: the result is still built in p. */
Test(defrag, completes_into_shifted_buffer)
{
	struct dgram g;
	struct pkt *p;
	unsigned int off;

	start_default();
	dgram_init(&g, 12, 65000);
	for (off = 0; off + 8000 < g.plen; off += 8000)
		cr_assert_eq(defrag_add(d, mkfrag(&g, off, 8000, true), 0), -EINPROGRESS);
	p = mkfrag(&g, off, g.plen - off, false);
	memmove(p->data + 600, p->data, p->len);
	p->data += 600;
	cr_assert_lt(pkt_tailroom(p) + p->len, 20 + g.plen);
	cr_assert_eq(defrag_add(d, p, 0), 0);
	check_whole(p, &g, 8020);
	cr_assert_eq(p->data, p->head + PKT_HEADROOM);
	pkt_free(&pool, p);
	dgram_fini(&g);
}

/* Shutdown with queues held gives every buffer back, uncounted. */
Test(defrag, free_with_queues_held)
{
	struct dgram g;
	unsigned int i;

	start_default();
	dgram_init(&g, 0, 100);
	for (i = 0; i < 20; i++) {
		g.id = htons((uint16_t)(600 + i));
		cr_assert_eq(defrag_add(d, mkfrag(&g, 0, 8, true), 0), -EINPROGRESS);
	}
	cr_assert_eq(pool.avail, pool.count - 20);
	defrag_free(d);
	d = NULL;
	cr_assert_eq(total_drops(), 0);
	dgram_fini(&g);
}

/* frag_split -> shuffle (with exact duplicates mixed in) -> defrag_add must
 * give back the original bytes, whatever the MTU and options. */
Test(defrag, roundtrip_frag_split)
{
	static uint8_t orig[PKT_MAX_LEN];
	static struct pkt *frags[8192];
	unsigned int t, dups = 0;

	start(4096, 64u << 20, 30000, 64);
	for (t = 0; t < 300; t++) {
		struct pkt *p = pkt_alloc(&pool), *list, *f;
		struct iphdr *ip = ipv4_hdr(p);
		unsigned int hlen = IPV4_HDR_MIN + (t % 3 ? 0 : 12), i, n, frag_max = 0;
		unsigned int plen = 1 + rnd() % (t % 20 ? 8000 : PKT_MAX_LEN - hlen);
		/* Small MTUs for small datagrams only: at most ~1000 pieces. */
		unsigned int mtu = plen > 8000 ? 576 + rnd() % 1000 : hlen + 8 + rnd() % 1500;
		int ret = -1;

		memset(ip, 0, hlen);
		ip->version = 4;
		ip->ihl = hlen / 4;
		ip->id = htons((uint16_t)t);
		ip->ttl = 9;
		ip->protocol = 6;
		ip->saddr = htonl(0x0a000000 | t);
		ip->daddr = htonl(0x0a0a0a0a);
		ip->frag_off = t & 1 ? htons(IPV4_F_DF) : 0;
		if (hlen > IPV4_HDR_MIN) {
			/* RR (not copied) and LSRR (copied) */
			static const uint8_t o[12] = { 7, 3, 4, 0x83, 7, 4, 10, 0, 0, 1, 0, 0 };

			memcpy(p->data + IPV4_HDR_MIN, o, sizeof(o));
		}
		ip->tot_len = htons((uint16_t)(hlen + plen));
		for (i = 0; i < plen; i++)
			p->data[hlen + i] = (uint8_t)rnd();
		ipv4_set_csum(ip);
		p->len = hlen + plen;
		memcpy(orig, p->data, p->len);

		ret = frag_split(&pool, p, mtu, &list);
		cr_assert_gt(ret, 0);
		n = (unsigned int)ret;
		if (n == 1) {
			/* Not a fragment at all: defrag passes it through. */
			cr_assert_eq(defrag_add(d, list, t), 0);
			pkt_free(&pool, list);
			continue;
		}
		for (i = 0, f = list; f; f = f->next, i++) {
			frags[i] = f;
			if (f->len > frag_max)
				frag_max = f->len;
		}
		shuffle(idx_buf, n);
		for (i = 0; i < n; i++) {
			struct pkt *q = frags[idx_buf[i]], *dup = NULL;

			if (i + 1 < n && rnd() % 8 == 0) {
				dup = pkt_alloc(&pool);
				memcpy(dup->data, q->data, q->len);
				dup->len = q->len;
			}
			q->next = NULL;
			ret = defrag_add(d, q, t);
			if (i + 1 < n)
				cr_assert_eq(ret, -EINPROGRESS, "t %u piece %u: %d", t, i, ret);
			if (dup) {
				cr_assert_eq(defrag_add(d, dup, t), -EEXIST);
				dups++;
			}
		}
		cr_assert_eq(ret, 0, "t %u: %d", t, ret);
		p = frags[idx_buf[n - 1]];
		ip = ipv4_hdr(p);
		cr_assert_eq(p->len, hlen + plen);
		cr_assert_eq(p->frag_max, frag_max);
		cr_assert_eq(csum_buf(ip, hlen), 0);
		/* Byte for byte the original (DF was on every fragment or none). */
		cr_assert_arr_eq(p->data, orig, p->len, "t %u: datagram differs", t);
		pkt_free(&pool, p);
	}
	cr_assert_gt(dups, 0);
	cr_assert_eq(drops.count[DROP_DEFRAG_DUPLICATE], dups);
	cr_assert_eq(total_drops(), dups);
	cr_assert_eq(defrag_queues(d), 0);
	cr_assert_eq(defrag_memory(d), 0);
}
