// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * frag_split: random payloads at many MTUs, with no options, with options
 * that are copied into every fragment and with options that stay in the
 * first. Each fragment is checked on its own (size, offsets, MF, checksum,
 * options) and the payloads put back together must be the original.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include "core/csum.h"
#include "core/frag.h"
#include "core/ipv4.h"

#define POOL_SIZE 2048u

static struct pkt_pool pool;
static uint64_t rng_state;

static void setup(void)
{
	cr_assert_eq(pkt_pool_init(&pool, POOL_SIZE), 0);
	rng_state = 0x9e3779b97f4a7c15ull;
}

static void teardown(void)
{
	/* Every test must give every buffer back. */
	cr_expect_eq(pool.avail, POOL_SIZE, "pool leak: %u of %u free", pool.avail, POOL_SIZE);
	pkt_pool_fini(&pool);
}

TestSuite(frag, .init = setup, .fini = teardown);

static uint32_t rnd(void)
{
	/* xorshift64*: reproducible across runs. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

/* An option set: what the first fragment carries, and, written out by
 * hand, what every later fragment must carry. */
struct optset {
	const char *name;
	uint8_t opts[40];
	unsigned int len;       /* padded to 4 */
	uint8_t later[40];
	unsigned int later_len; /* padded to 4 */
};

static const struct optset optsets[] = {
	{ "none", { 0 }, 0, { 0 }, 0 },
	/* Record route (7): not copied. */
	{ "rr", { 7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 12, { 0 }, 0 },
	/* Loose source route (0x83): copied, NOP in front dropped. */
	{ "lsrr", { 1, 0x83, 11, 4, 10, 0, 0, 1, 10, 0, 0, 2 }, 12,
	  { 0x83, 11, 4, 10, 0, 0, 1, 10, 0, 0, 2, 0 }, 12 },
	/* RR, NOP, LSRR, router alert (0x94, copied), EOL. */
	{ "mixed", { 7, 7, 4, 0, 0, 0, 0, 1, 0x83, 7, 4, 10, 0, 0, 9, 0x94, 4, 0, 0, 0 }, 20,
	  { 0x83, 7, 4, 10, 0, 0, 9, 0x94, 4, 0, 0, 0 }, 12 },
	/* Timestamp (0x44): not copied; with 36 bytes of options. */
	{ "ts", { 0x44, 36, 5, 0 }, 36, { 0 }, 0 },
};

static struct pkt *make_pkt(const struct optset *o, unsigned int plen, uint16_t frag_off)
{
	struct pkt *p = pkt_alloc(&pool);
	struct iphdr *ip;
	unsigned int hlen = IPV4_HDR_MIN + o->len, i;

	cr_assert_not_null(p);
	ip = ipv4_hdr(p);
	memset(ip, 0, IPV4_HDR_MIN);
	ip->version = 4;
	ip->ihl = hlen / 4;
	ip->tos = 0x10;
	ip->tot_len = htons((uint16_t)(hlen + plen));
	ip->id = htons(0x1234);
	ip->frag_off = htons(frag_off);
	ip->ttl = 63;
	ip->protocol = 17;
	ip->saddr = htonl(0x0a000001);
	ip->daddr = htonl(0x0a010002);
	memcpy(p->data + IPV4_HDR_MIN, o->opts, o->len);
	for (i = 0; i < plen; i++)
		p->data[hlen + i] = (uint8_t)rnd();
	ipv4_set_csum(ip);
	p->len = hlen + plen;
	p->l4_off = (uint16_t)hlen;
	p->iif = 3;
	p->oif = 5;
	p->mark = 0xabcd;
	p->hook = HOOK_POST_ROUTING;
	p->nexthop = htonl(0x0a010001);
	p->flags = PKT_F_ROUTED | PKT_F_LOCAL_ORIGIN;
	p->ct = (void *)&pool;
	p->tstamp_ms = 424242;
	return p;
}

static void free_list(struct pkt *f)
{
	while (f) {
		struct pkt *next = f->next;

		pkt_free(&pool, f);
		f = next;
	}
}

/*
 * Check a fragment list against the original header (orig, ohlen) and
 * payload (payload, plen). The options are checked against the option set.
 */
static void check_frags(struct pkt *list, int n, unsigned int mtu, const uint8_t *orig,
			const uint8_t *payload, unsigned int plen, const struct optset *o,
			bool tight)
{
	const struct iphdr *oip = (const struct iphdr *)orig;
	unsigned int ohlen = ipv4_hdrlen(oip), next_off, got = 0;
	uint16_t ofo = ntohs(oip->frag_off);
	static uint8_t joined[PKT_MAX_LEN];
	struct pkt *f;
	int i = 0;

	next_off = (ofo & IPV4_OFFMASK) * 8u;
	for (f = list; f; f = f->next, i++) {
		const struct iphdr *ip = ipv4_hdr(f);
		unsigned int hlen = ipv4_hdrlen(ip), fplen = f->len - hlen;
		uint16_t fo = ntohs(ip->frag_off);
		bool last = f->next == NULL;

		cr_assert_leq(f->len, mtu, "fragment %d: %u bytes > mtu %u", i, f->len, mtu);
		cr_assert_eq(ntohs(ip->tot_len), f->len);
		cr_assert_eq(csum_buf(ip, hlen), 0, "fragment %d: bad header checksum", i);
		cr_assert_eq(ip->version, 4);
		cr_assert_eq(f->l4_off, hlen);
		cr_assert_eq(ip->id, oip->id);
		cr_assert_eq(ip->ttl, oip->ttl);
		cr_assert_eq(ip->tos, oip->tos);
		cr_assert_eq(ip->protocol, oip->protocol);
		cr_assert_eq(ip->saddr, oip->saddr);
		cr_assert_eq(ip->daddr, oip->daddr);
		cr_assert_eq(fo & IPV4_F_DF, ofo & IPV4_F_DF);
		cr_assert_eq((fo & IPV4_OFFMASK) * 8u, next_off, "fragment %d: offset %u, want %u",
			     i, (fo & IPV4_OFFMASK) * 8u, next_off);
		if (!last) {
			cr_assert(fo & IPV4_F_MF, "fragment %d: MF clear", i);
			cr_assert_eq(fplen % 8, 0, "fragment %d: %u bytes not a multiple of 8", i,
				     fplen);
		} else {
			cr_assert_eq(!!(fo & IPV4_F_MF), !!(ofo & IPV4_F_MF), "last fragment MF");
		}
		cr_assert_gt(fplen, 0);
		/* As big as allowed: only the last may be short of the 8-byte limit. */
		if (!last && tight)
			cr_assert_gt(f->len + 8, mtu, "fragment %d: %u bytes, mtu %u", i, f->len,
				     mtu);
		if (i == 0) {
			cr_assert_eq(hlen, ohlen);
			cr_assert_arr_eq(f->data + IPV4_HDR_MIN, orig + IPV4_HDR_MIN,
					 ohlen - IPV4_HDR_MIN);
		} else {
			cr_assert_eq(hlen, IPV4_HDR_MIN + o->later_len, "fragment %d: hlen %u",
				     i, hlen);
			cr_assert_arr_eq(f->data + IPV4_HDR_MIN, o->later, o->later_len);
		}
		cr_assert_eq(f->iif, 3);
		cr_assert_eq(f->oif, 5);
		cr_assert_eq(f->mark, 0xabcd);
		cr_assert_eq(f->hook, HOOK_POST_ROUTING);
		cr_assert_eq(f->nexthop, htonl(0x0a010001));
		cr_assert_eq(f->flags, PKT_F_ROUTED | PKT_F_LOCAL_ORIGIN);
		cr_assert_eq(f->ct, (void *)&pool);
		cr_assert_eq(f->tstamp_ms, 424242);
		cr_assert_leq(got + fplen, plen);
		memcpy(joined + got, f->data + hlen, fplen);
		got += fplen;
		next_off += fplen;
	}
	cr_assert_eq(i, n, "count %d, list holds %d", n, i);
	cr_assert_eq(got, plen);
	cr_assert_arr_eq(joined, payload, plen, "payloads do not join back to the original");
}

/* Split one packet and check it; returns the fragment count. */
static int split_and_check(const struct optset *o, unsigned int plen, unsigned int mtu,
			   uint16_t frag_off)
{
	static uint8_t orig[IPV4_HDR_MAX], payload[PKT_MAX_LEN];
	struct pkt *p = make_pkt(o, plen, frag_off), *list = NULL;
	unsigned int hlen = IPV4_HDR_MIN + o->len;
	uint32_t avail;
	int n;

	memcpy(orig, p->data, hlen);
	memcpy(payload, p->data + hlen, plen);
	avail = pool.avail;
	n = frag_split(&pool, p, mtu, &list);
	cr_assert_gt(n, 0, "frag_split(%s, %u, mtu %u) = %d", o->name, plen, mtu, n);
	cr_assert_eq(pool.avail, avail - (uint32_t)(n - 1), "p must become the first fragment");
	if (hlen + plen <= mtu) {
		cr_assert_eq(n, 1);
		cr_assert_eq(list, p);
	}
	check_frags(list, n, mtu, orig, payload, plen, o, true);
	free_list(list);
	return n;
}

Test(frag, fixed_mtus_every_optset)
{
	static const unsigned int mtus[] = { 68, 76, 100, 576, 1280, 1400, 1500, 9000 };
	static const unsigned int sizes[] = { 1, 7, 8, 9, 48, 64, 1472, 1473, 4000, 8192,
					      65535 - 60 };
	unsigned int i, j, k;

	for (k = 0; k < sizeof(optsets) / sizeof(optsets[0]); k++)
		for (i = 0; i < sizeof(mtus) / sizeof(mtus[0]); i++)
			for (j = 0; j < sizeof(sizes) / sizeof(sizes[0]); j++)
				split_and_check(&optsets[k], sizes[j], mtus[i], 0);
}

Test(frag, random_sizes_and_mtus)
{
	unsigned int t;

	for (t = 0; t < 3000; t++) {
		const struct optset *o = &optsets[rnd() % (sizeof(optsets) / sizeof(optsets[0]))];
		unsigned int hlen = IPV4_HDR_MIN + o->len;
		unsigned int plen = 1 + rnd() % (t % 10 ? 3000 : PKT_MAX_LEN - hlen);
		unsigned int mtu = hlen + 8 + rnd() % 1600;
		uint16_t df = rnd() & 1 ? IPV4_F_DF : 0;

		split_and_check(o, plen, mtu, df);
	}
}

Test(frag, count_matches_arithmetic)
{
	/* 4000 bytes of payload at mtu 1500, no options: 1480 + 1480 + 1040. */
	cr_assert_eq(split_and_check(&optsets[0], 4000, 1500, 0), 3);
	/* 1481 bytes at 1500 with 20 header: 1480 + 1. */
	cr_assert_eq(split_and_check(&optsets[0], 1481, 1500, 0), 2);
	/* Smallest legal mtu for a 20-byte header: 8 bytes per fragment. */
	cr_assert_eq(split_and_check(&optsets[0], 80, 28, 0), 10);
	/* mtu 29..35 still gives 8-byte pieces. */
	cr_assert_eq(split_and_check(&optsets[0], 80, 35, 0), 10);
	/* Non-copied options: first fragment 32-byte header (1464 payload),
	 * later ones 20 (1480): 4000 = 1464 + 1480 + 1056. */
	cr_assert_eq(split_and_check(&optsets[1], 4000, 1500, 0), 3);
}

/* A fragment in the middle of a datagram (offset 1480, MF set) split again:
 * offsets continue from 1480 and MF stays on the last piece. */
Test(frag, refragment_middle)
{
	unsigned int k;

	for (k = 0; k < sizeof(optsets) / sizeof(optsets[0]); k++) {
		cr_assert_eq(split_and_check(&optsets[k], 1480, 576, IPV4_F_MF | (1480 / 8)), 3);
		cr_assert_gt(split_and_check(&optsets[k], 1000, 100, IPV4_F_MF | 185), 10);
	}
}

/* The last fragment (MF clear, offset nonzero) split again: MF clear on the
 * last piece only. */
Test(frag, refragment_last)
{
	unsigned int k;

	for (k = 0; k < sizeof(optsets) / sizeof(optsets[0]); k++)
		cr_assert_eq(split_and_check(&optsets[k], 1000, 576, 2960 / 8), 2);
}

/* Fragment, then fragment every fragment again: the second-level pieces,
 * in order, must still join to the original payload with contiguous
 * offsets from 0 and MF only missing on the very last. */
Test(frag, refragment_whole_list)
{
	static uint8_t orig[IPV4_HDR_MAX], payload[8000];
	struct pkt *p = make_pkt(&optsets[3], sizeof(payload), 0), *l1, *f, *all = NULL;
	struct pkt **tail = &all;
	int n1, total = 0;

	memcpy(orig, p->data, 40);
	memcpy(payload, p->data + 40, sizeof(payload));
	n1 = frag_split(&pool, p, 1500, &l1);
	cr_assert_eq(n1, 6); /* 1456 + 5 * 1464 >= 8000 */
	for (f = l1; f;) {
		struct pkt *next = f->next, *l2;
		int n2 = frag_split(&pool, f, 500, &l2);

		cr_assert_gt(n2, 1);
		total += n2;
		*tail = l2;
		while (*tail)
			tail = &(*tail)->next;
		f = next;
	}
	/* The first level's later fragments carry the copied options only, so
	 * every second-level piece but the very first has the later options. */
	check_frags(all, total, 500, orig, payload, sizeof(payload), &optsets[3], false);
	free_list(all);
}

Test(frag, emsgsize_leaves_p_alone)
{
	static uint8_t before[2000];
	struct pkt *p = make_pkt(&optsets[4], 1000, 0), *list = (struct pkt *)1;
	uint32_t avail = pool.avail, len = p->len;

	memcpy(before, p->data, p->len);
	/* 56-byte header: 63 is one byte short of header + 8. */
	cr_assert_eq(frag_split(&pool, p, 63, &list), -EMSGSIZE);
	cr_assert_eq(frag_split(&pool, p, 0, &list), -EMSGSIZE);
	cr_assert_eq(list, (struct pkt *)1);
	cr_assert_eq(p->len, len);
	cr_assert_arr_eq(p->data, before, len);
	cr_assert_eq(pool.avail, avail);
	/* One more byte and it works: 8 bytes in the first, then 40 behind a
	 * 20-byte header (the timestamp option is not copied): 1 + 25. */
	cr_assert_eq(frag_split(&pool, p, 64, &list), 26);
	free_list(list);
}

Test(frag, enobufs_frees_partial_fragments)
{
	static uint8_t before[5000];
	struct pkt *p = make_pkt(&optsets[2], 4000, 0), *list = NULL, *hold = NULL, *q;
	uint32_t len = p->len;

	memcpy(before, p->data, len);
	/* Leave only two free buffers: a 4000-byte payload at mtu 576 needs 7. */
	while (pool.avail > 2) {
		q = pkt_alloc(&pool);
		q->next = hold;
		hold = q;
	}
	cr_assert_eq(frag_split(&pool, p, 576, &list), -ENOBUFS);
	cr_assert_eq(pool.avail, 2);
	cr_assert_eq(p->len, len);
	cr_assert_arr_eq(p->data, before, len);
	free_list(hold);
	pkt_free(&pool, p);
}

Test(frag, offset_past_65535_is_refused)
{
	/* Offset 65528 with 16 bytes: the second piece would need offset 65536. */
	struct pkt *p = make_pkt(&optsets[0], 16, 8191), *list = NULL;

	cr_assert_eq(frag_split(&pool, p, 28, &list), -EINVAL);
	cr_assert_null(list);
	pkt_free(&pool, p);
}

Test(frag, malformed_option_refused)
{
	struct optset bad = { "bad", { 0x83, 40, 4, 0 }, 4, { 0 }, 0 };
	struct pkt *p = make_pkt(&bad, 1000, 0), *list = NULL;

	cr_assert_eq(frag_split(&pool, p, 576, &list), -EINVAL);
	pkt_free(&pool, p);
}

Test(frag, vnet_cleared)
{
	struct pkt *p = make_pkt(&optsets[0], 3000, 0), *list = NULL, *f;

	p->flags |= PKT_F_VNET;
	p->vnet.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	p->vnet.gso_size = 1448;
	cr_assert_eq(frag_split(&pool, p, 1500, &list), 3);
	for (f = list; f; f = f->next) {
		cr_assert_eq(f->flags & PKT_F_VNET, 0);
		cr_assert_eq(f->vnet.gso_type, 0);
		cr_assert_eq(f->vnet.gso_size, 0);
	}
	free_list(list);
}
