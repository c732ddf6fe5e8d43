// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * FIB tests: the trie against a naive linear scan on random routes,
 * lookups, replacements and deletes; the walk order against a sorted copy
 * of the reference; and the edge cases one by one.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/ipv4.h"
#include "core/route.h"

/* xorshift64*, fixed seed: failures reproduce. */
static uint64_t rng_state;

static uint32_t rng32(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

/* The reference: an unordered array, scanned in full every time. */
struct naive {
	struct route *r;
	size_t n, cap;
};

static struct route *naive_find(struct naive *nv, uint32_t prefix, uint8_t plen)
{
	for (size_t i = 0; i < nv->n; i++)
		if (nv->r[i].prefix == prefix && nv->r[i].plen == plen)
			return &nv->r[i];
	return NULL;
}

static void naive_add(struct naive *nv, uint32_t prefix, uint8_t plen, uint8_t kind, int oif)
{
	struct route *r;

	prefix &= ipv4_mask(plen);
	r = naive_find(nv, prefix, plen);
	if (!r) {
		if (nv->n == nv->cap) {
			nv->cap = nv->cap ? 2 * nv->cap : 64;
			nv->r = realloc(nv->r, nv->cap * sizeof(*nv->r));
			cr_assert_not_null(nv->r);
		}
		r = &nv->r[nv->n++];
	}
	*r = (struct route){ .prefix = prefix, .plen = plen, .kind = kind, .oif = (int16_t)oif };
}

static int naive_del(struct naive *nv, uint32_t prefix, uint8_t plen)
{
	struct route *r = naive_find(nv, prefix & ipv4_mask(plen), plen);

	if (!r)
		return -ENOENT;
	*r = nv->r[--nv->n];
	return 0;
}

static const struct route *naive_lookup(const struct naive *nv, uint32_t addr)
{
	const struct route *best = NULL;

	for (size_t i = 0; i < nv->n; i++) {
		const struct route *r = &nv->r[i];

		if (((addr ^ r->prefix) & ipv4_mask(r->plen)) == 0 &&
		    (!best || r->plen > best->plen))
			best = r;
	}
	return best;
}

static int route_cmp(const void *a, const void *b)
{
	const struct route *x = a, *y = b;

	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	return (int)x->plen - (int)y->plen;
}

static bool route_same(const struct route *a, const struct route *b)
{
	if (!a || !b)
		return a == b;
	return a->prefix == b->prefix && a->plen == b->plen && a->kind == b->kind &&
	       a->oif == b->oif;
}

struct walk_check {
	const struct route *want;
	size_t n, pos;
	bool ok;
};

static int walk_check_fn(const struct route *r, void *arg)
{
	struct walk_check *w = arg;

	if (w->pos >= w->n || !route_same(r, &w->want[w->pos])) {
		w->ok = false;
		return 1;
	}
	w->pos++;
	return 0;
}

/* The walk visits exactly the reference's routes in (prefix, plen) order. */
static void check_walk(const struct route_table *t, struct naive *nv)
{
	struct route *sorted = malloc((nv->n + 1) * sizeof(*sorted));
	struct walk_check w = { .n = nv->n, .ok = true };
	int ret;

	cr_assert_not_null(sorted);
	memcpy(sorted, nv->r, nv->n * sizeof(*sorted));
	qsort(sorted, nv->n, sizeof(*sorted), route_cmp);
	w.want = sorted;
	ret = route_walk(t, walk_check_fn, &w);
	free(sorted);
	cr_assert(w.ok && ret == 0, "walk differs at position %zu of %zu", w.pos, w.n);
	cr_assert_eq(w.pos, w.n, "walk visited %zu of %zu routes", w.pos, w.n);
}

/* A random prefix length, weighted towards the interesting ones. */
static uint8_t random_plen(void)
{
	static const uint8_t common[] = { 0, 1, 8, 16, 24, 31, 32, 32, 30, 28 };
	uint32_t r = rng32() % 4;

	if (r == 0)
		return common[rng32() % sizeof(common)];
	return (uint8_t)(rng32() % 33);
}

/* Addresses from a small pool of /12s, so that routes nest and share
 * branch points instead of scattering over the whole space. */
static uint32_t random_addr(void)
{
	static const uint32_t bases[] = { 0x0a000000, 0xc0a80000, 0xac100000, 0x00000000,
					  0xfff00000, 0x7f000000, 0x80000000, 0x64400000 };

	if (rng32() % 8 == 0)
		return rng32();
	return bases[rng32() % 8] | (rng32() & 0x000fffffu);
}

/* An address inside, at the edges of, or just outside a route. */
static uint32_t probe_near(const struct route *r)
{
	uint32_t host = ~ipv4_mask(r->plen);

	switch (rng32() % 4) {
	case 0:
		return r->prefix;
	case 1:
		return r->prefix | host;
	case 2:
		return (r->prefix | host) + 1;
	default:
		return r->prefix | (rng32() & host);
	}
}

static void check_lookups(const struct route_table *t, const struct naive *nv, int count)
{
	for (int i = 0; i < count; i++) {
		uint32_t a = nv->n && rng32() % 2 ? probe_near(&nv->r[rng32() % nv->n])
						   : random_addr();
		const struct route *got = route_lookup(t, a), *want = naive_lookup(nv, a);

		cr_assert(route_same(got, want), "lookup %#x: got %#x/%d, want %#x/%d", a,
			  got ? got->prefix : 0, got ? got->plen : -1,
			  want ? want->prefix : 0, want ? want->plen : -1);
	}
}

Test(route, random_against_linear_scan)
{
	struct route_table *t = route_table_new();
	struct naive nv = { 0 };

	cr_assert_not_null(t);
	rng_state = 0xf1b;
	for (int round = 0; round < 40; round++) {
		/* Grow for the first half, shrink for the second. */
		int adds = round < 20 ? 250 : 60, dels = round < 20 ? 60 : 250;

		for (int i = 0; i < adds; i++) {
			uint32_t p = random_addr();
			uint8_t plen = random_plen(), kind = (uint8_t)(rng32() % 4);
			int oif = (int)(rng32() % 64);

			/* Sometimes replace a route that is there already. */
			if (nv.n && rng32() % 5 == 0) {
				const struct route *r = &nv.r[rng32() % nv.n];

				p = r->prefix;
				plen = r->plen;
			}
			cr_assert_eq(route_add(t, p, plen, kind, oif), 0);
			naive_add(&nv, p, plen, kind, oif);
		}
		for (int i = 0; i < dels; i++) {
			uint32_t p;
			uint8_t plen;

			if (nv.n && rng32() % 4) {
				const struct route *r = &nv.r[rng32() % nv.n];

				/* Unmasked on purpose: del masks like add. */
				p = r->prefix | (rng32() & ~ipv4_mask(r->plen));
				plen = r->plen;
			} else {
				p = random_addr();
				plen = random_plen();
			}
			int want = naive_del(&nv, p, plen);

			cr_assert_eq(route_del(t, p, plen), want, "del %#x/%u", p, plen);
		}
		cr_assert_eq(route_count(t), nv.n);
		check_lookups(t, &nv, 2000);
		check_walk(t, &nv);
	}
	/* Empty it completely: nothing may be left to match. */
	while (nv.n) {
		struct route r = nv.r[rng32() % nv.n];

		cr_assert_eq(route_del(t, r.prefix, r.plen), 0);
		naive_del(&nv, r.prefix, r.plen);
	}
	cr_assert_eq(route_count(t), 0);
	check_lookups(t, &nv, 1000);
	check_walk(t, &nv);
	free(nv.r);
	route_table_free(t);
}

Test(route, dense_nesting)
{
	/* Every length of one address: each lookup must pick the deepest
	 * route still present as they are removed out of order. */
	struct route_table *t = route_table_new();
	struct naive nv = { 0 };
	uint8_t order[33];

	for (uint8_t plen = 0; plen <= 32; plen++) {
		cr_assert_eq(route_add(t, 0xc0a80101, plen, ROUTE_STATIC, plen), 0);
		naive_add(&nv, 0xc0a80101, plen, ROUTE_STATIC, plen);
		order[plen] = plen;
	}
	rng_state = 0xd0e5;
	for (int i = 32; i > 0; i--) {
		int j = (int)(rng32() % (uint32_t)(i + 1));
		uint8_t tmp = order[i];

		order[i] = order[j];
		order[j] = tmp;
	}
	for (int i = 0; i <= 32; i++) {
		check_walk(t, &nv);
		for (uint32_t bit = 0; bit < 32; bit++) {
			uint32_t a = 0xc0a80101 ^ (1u << bit);

			cr_assert(route_same(route_lookup(t, a), naive_lookup(&nv, a)), "%#x", a);
		}
		cr_assert(route_same(route_lookup(t, 0xc0a80101), naive_lookup(&nv, 0xc0a80101)));
		cr_assert_eq(route_del(t, 0xc0a80101, order[i]), 0);
		naive_del(&nv, 0xc0a80101, order[i]);
	}
	cr_assert_null(route_lookup(t, 0xc0a80101));
	free(nv.r);
	route_table_free(t);
}

Test(route, empty_table)
{
	struct route_table *t = route_table_new();

	cr_assert_null(route_lookup(t, 0));
	cr_assert_null(route_lookup(t, 0xffffffff));
	cr_assert_eq(route_count(t), 0);
	cr_assert_eq(route_del(t, 0, 0), -ENOENT);
	route_table_free(t);
	route_table_free(NULL);
}

Test(route, default_route_only)
{
	struct route_table *t = route_table_new();
	const struct route *r;

	cr_assert_eq(route_add(t, 0, 0, ROUTE_STATIC, 3), 0);
	rng_state = 0xdef;
	for (int i = 0; i < 1000; i++) {
		r = route_lookup(t, rng32());
		cr_assert_not_null(r);
		cr_assert_eq(r->plen, 0);
		cr_assert_eq(r->oif, 3);
	}
	cr_assert_not_null(route_lookup(t, 0));
	cr_assert_not_null(route_lookup(t, 0xffffffff));
	/* Host bits of a default route are masked away. */
	cr_assert_eq(route_add(t, 0x01020304, 0, ROUTE_STATIC, 4), 0);
	cr_assert_eq(route_count(t), 1);
	cr_assert_eq(route_lookup(t, 7)->oif, 4);
	cr_assert_eq(route_del(t, 0, 0), 0);
	cr_assert_null(route_lookup(t, 7));
	route_table_free(t);
}

Test(route, host_route)
{
	struct route_table *t = route_table_new();
	const struct route *r;

	cr_assert_eq(route_add(t, 0x0a000001, 32, ROUTE_LOCAL, 1), 0);
	r = route_lookup(t, 0x0a000001);
	cr_assert_not_null(r);
	cr_assert_eq(r->prefix, 0x0a000001);
	cr_assert_eq(r->plen, 32);
	cr_assert_eq(r->kind, ROUTE_LOCAL);
	cr_assert_null(route_lookup(t, 0x0a000000));
	cr_assert_null(route_lookup(t, 0x0a000002));
	cr_assert_null(route_lookup(t, 0x8a000001));
	/* Under a /24, the /32 still wins for its own address only. */
	cr_assert_eq(route_add(t, 0x0a000000, 24, ROUTE_CONNECTED, 1), 0);
	cr_assert_eq(route_lookup(t, 0x0a000001)->plen, 32);
	cr_assert_eq(route_lookup(t, 0x0a000002)->plen, 24);
	cr_assert_eq(route_add(t, 0xffffffff, 32, ROUTE_BROADCAST, 1), 0);
	cr_assert_eq(route_lookup(t, 0xffffffff)->kind, ROUTE_BROADCAST);
	cr_assert_null(route_lookup(t, 0xfffffffe));
	route_table_free(t);
}

Test(route, replace)
{
	struct route_table *t = route_table_new();
	const struct route *r;

	cr_assert_eq(route_add(t, 0x0a000000, 8, ROUTE_STATIC, 1), 0);
	cr_assert_eq(route_add(t, 0x0a010000, 16, ROUTE_STATIC, 1), 0);
	cr_assert_eq(route_add(t, 0x0a7f0000, 8, ROUTE_CONNECTED, 2), 0); /* masked */
	cr_assert_eq(route_count(t), 2);
	r = route_lookup(t, 0x0a020304);
	cr_assert_eq(r->prefix, 0x0a000000);
	cr_assert_eq(r->kind, ROUTE_CONNECTED);
	cr_assert_eq(r->oif, 2);
	cr_assert_eq(route_lookup(t, 0x0a010101)->plen, 16);
	route_table_free(t);
}

Test(route, branch_point_becomes_route)
{
	/* 10.0/16 and 10.128/16 share a branch point at 10.0.0.0/8; adding
	 * that /8 turns the branch point into a route, and deleting it turns
	 * it back. */
	struct route_table *t = route_table_new();

	cr_assert_eq(route_add(t, 0x0a000000, 16, ROUTE_STATIC, 1), 0);
	cr_assert_eq(route_add(t, 0x0a800000, 16, ROUTE_STATIC, 2), 0);
	cr_assert_null(route_lookup(t, 0x0a400000));
	cr_assert_eq(route_add(t, 0x0a000000, 8, ROUTE_STATIC, 3), 0);
	cr_assert_eq(route_count(t), 3);
	cr_assert_eq(route_lookup(t, 0x0a400000)->oif, 3);
	cr_assert_eq(route_del(t, 0x0a000000, 8), 0);
	cr_assert_eq(route_del(t, 0x0a000000, 8), -ENOENT);
	cr_assert_null(route_lookup(t, 0x0a400000));
	cr_assert_eq(route_lookup(t, 0x0a800001)->oif, 2);
	cr_assert_eq(route_count(t), 2);
	route_table_free(t);
}

Test(route, errors)
{
	struct route_table *t = route_table_new();

	cr_assert_eq(route_add(t, 0, 33, ROUTE_STATIC, 0), -EINVAL);
	cr_assert_eq(route_add(t, 0, 255, ROUTE_STATIC, 0), -EINVAL);
	cr_assert_eq(route_add(t, 0, 8, (enum route_kind)9, 0), -EINVAL);
	cr_assert_eq(route_add(t, 0, 8, ROUTE_STATIC, 40000), -EINVAL);
	cr_assert_eq(route_count(t), 0);
	cr_assert_eq(route_del(t, 0x0a000000, 8), -ENOENT);
	cr_assert_eq(route_add(t, 0x0a000000, 8, ROUTE_STATIC, 0), 0);
	cr_assert_eq(route_del(t, 0x0a000000, 9), -ENOENT);
	cr_assert_eq(route_del(t, 0x0a000000, 7), -ENOENT);
	cr_assert_eq(route_del(t, 0x0b000000, 8), -ENOENT);
	cr_assert_eq(route_del(t, 0x0a000000, 33), -ENOENT);
	cr_assert_eq(route_count(t), 1);
	route_table_free(t);
}

static int stop_at_second(const struct route *r, void *arg)
{
	int *seen = arg;

	return ++*seen == 2 ? 42 : 0;
}

Test(route, walk_stops)
{
	struct route_table *t = route_table_new();
	int seen = 0;

	cr_assert_eq(route_walk(t, stop_at_second, &seen), 0);
	for (uint32_t i = 0; i < 5; i++)
		cr_assert_eq(route_add(t, i << 24, 8, ROUTE_STATIC, 0), 0);
	cr_assert_eq(route_walk(t, stop_at_second, &seen), 42);
	cr_assert_eq(seen, 2);
	route_table_free(t);
}

Test(route, kind_names)
{
	cr_assert_str_eq(route_kind_name(ROUTE_CONNECTED), "connected");
	cr_assert_str_eq(route_kind_name(ROUTE_STATIC), "static");
	cr_assert_str_eq(route_kind_name(ROUTE_LOCAL), "local");
	cr_assert_str_eq(route_kind_name(ROUTE_BROADCAST), "broadcast");
	cr_assert_str_eq(route_kind_name((enum route_kind)17), "unknown");
}

Test(route, hundred_thousand_routes)
{
	/* A full-table-sized FIB: all added, spot-checked against the
	 * reference, then all deleted (ASan reports any node left over). */
	struct route_table *t = route_table_new();
	struct naive nv = { 0 };

	size_t kept = 0;

	/* naive_add's scan would make this quadratic: collect, then sort and
	 * drop the duplicates (all have the same kind and oif). */
	nv.cap = 100000;
	nv.r = malloc(nv.cap * sizeof(*nv.r));
	cr_assert_not_null(nv.r);
	rng_state = 0x100000;
	for (nv.n = 0; nv.n < nv.cap; nv.n++) {
		uint8_t plen = (uint8_t)(16 + rng32() % 17);
		uint32_t p = rng32() & ipv4_mask(plen);

		cr_assert_eq(route_add(t, p, plen, ROUTE_STATIC, 1), 0);
		nv.r[nv.n] = (struct route){ .prefix = p, .plen = plen, .kind = ROUTE_STATIC,
					     .oif = 1 };
	}
	qsort(nv.r, nv.n, sizeof(*nv.r), route_cmp);
	for (size_t i = 0; i < nv.n; i++)
		if (!kept || route_cmp(&nv.r[i], &nv.r[kept - 1]))
			nv.r[kept++] = nv.r[i];
	nv.n = kept;
	cr_assert_gt(nv.n, 90000);
	cr_assert_eq(route_count(t), nv.n);
	check_lookups(t, &nv, 200);
	check_walk(t, &nv);
	for (size_t i = nv.n; i-- > 0;)
		cr_assert_eq(route_del(t, nv.r[i].prefix, nv.r[i].plen), 0);
	cr_assert_eq(route_count(t), 0);
	cr_assert_null(route_lookup(t, 0x0a000001));
	free(nv.r);
	route_table_free(t);
}
