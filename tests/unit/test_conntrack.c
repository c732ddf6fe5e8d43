// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Connection tracking through the whole packet path (ct_harness.h):
 * tuples and their hash, the table against a naive list on random
 * operations, the UDP, ICMP, generic and TCP timeouts with an injected
 * clock, the full table (eviction, then drops), dropped packets creating
 * nothing, ICMP errors RELATED to their connection, the router's own
 * errors attached, events, UNTRACKED, and references that outlive a kill.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include "conntrack/entry.h"
#include "core/hook.h"
#include "core/ipv4.h"
#include "ct_harness.h"

static void setup(void)
{
	ch_setup(NULL);
}

TestSuite(conntrack, .init = setup, .fini = ch_teardown);

/* ---- tuples ---- */

static struct ct_tuple tup(uint32_t src, uint32_t dst, uint8_t proto, uint16_t sp, uint16_t dp)
{
	struct ct_tuple t;

	memset(&t, 0, sizeof(t));
	t.src = src;
	t.dst = dst;
	t.proto = proto;
	t.s.port = htons(sp);
	t.d.port = htons(dp);
	return t;
}

Test(conntrack, tuple_invert_and_hash)
{
	struct ct_tuple a = tup(1, 2, IPPROTO_TCP, 1000, 80), b, c;

	cr_assert(ct_tuple_invert(&b, &a));
	cr_expect_eq(b.src, 2);
	cr_expect_eq(b.dst, 1);
	cr_expect_eq(ntohs(b.s.port), 80);
	cr_expect_eq(ntohs(b.d.port), 1000);
	cr_assert(ct_tuple_invert(&c, &b));
	cr_expect(ct_tuple_eq(&a, &c), "invert twice is the identity");
	cr_expect_eq(ct_tuple_hash(&a, 42), ct_tuple_hash(&c, 42));
	cr_expect_neq(ct_tuple_hash(&a, 42), ct_tuple_hash(&b, 42));
	cr_expect_neq(ct_tuple_hash(&a, 42), ct_tuple_hash(&a, 43), "the seed matters");

	/* ICMP: an echo request is answered by an echo reply, same id. */
	a = tup(1, 2, IPPROTO_ICMP, 0, 0);
	a.s.id = htons(7);
	a.d.icmp.type = ICMP_ECHO;
	cr_assert(ct_tuple_invert(&b, &a));
	cr_expect_eq(b.d.icmp.type, ICMP_ECHOREPLY);
	cr_expect_eq(ntohs(b.s.id), 7);
	a.d.icmp.type = ICMP_TIMESTAMP;
	cr_assert(ct_tuple_invert(&b, &a));
	cr_expect_eq(b.d.icmp.type, ICMP_TIMESTAMPREPLY);
	/* An error or redirect has no answer. */
	a.d.icmp.type = ICMP_DEST_UNREACH;
	cr_expect_not(ct_tuple_invert(&b, &a));
	a.d.icmp.type = ICMP_REDIRECT;
	cr_expect_not(ct_tuple_invert(&b, &a));
}

/* The hash against the naive expectation of a uniform spread: the
 * chi-square of random and of sequential tuples over 1024 buckets stays
 * within six standard deviations of its mean (1023). */
static double chi2(struct ct_tuple *v, unsigned int n, uint64_t seed)
{
	static unsigned int count[1024];
	double e = n / 1024.0, x = 0;
	unsigned int i;

	memset(count, 0, sizeof(count));
	for (i = 0; i < n; i++)
		count[ct_tuple_hash(&v[i], seed) & 1023]++;
	for (i = 0; i < 1024; i++)
		x += (count[i] - e) * (count[i] - e) / e;
	return x;
}

Test(conntrack, hash_spread)
{
	static struct ct_tuple v[65536];
	unsigned int i;
	double x;

	srandom(1);
	for (i = 0; i < 65536; i++)
		v[i] = tup((uint32_t)random(), (uint32_t)random(), (uint8_t)random(),
			   (uint16_t)random(), (uint16_t)random());
	x = chi2(v, 65536, 0x1234);
	cr_expect(x < 1023 + 6 * 45.2, "random tuples: chi2 %f", x);
	/* The worst case for a weak hash: one client, consecutive ports. */
	for (i = 0; i < 65536; i++)
		v[i] = tup(ch_addr("10.1.0.2"), ch_addr("10.2.0.2"), IPPROTO_TCP, (uint16_t)i, 80);
	x = chi2(v, 65536, 0x1234);
	cr_expect(x < 1023 + 6 * 45.2, "sequential ports: chi2 %f", x);
	for (i = 0; i < 65536; i++)
		v[i] = tup(htonl(0x0a000000u + i), ch_addr("10.2.0.2"), IPPROTO_UDP, 53, 53);
	x = chi2(v, 65536, 0x1234);
	cr_expect(x < 1023 + 6 * 45.2, "sequential addresses: chi2 %f", x);
}

/* ---- the table against a naive list ---- */

#define NAIVE_MAX 300

struct naive {
	struct ct_tuple t[2];
	struct ct_entry *e;
	bool alive;
};

static int naive_find(const struct naive *nv, unsigned int n, const struct ct_tuple *t,
		      enum ct_dir *dir)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!nv[i].alive)
			continue;
		if (ct_tuple_eq(&nv[i].t[0], t)) {
			*dir = CT_DIR_ORIGINAL;
			return (int)i;
		}
		if (ct_tuple_eq(&nv[i].t[1], t)) {
			*dir = CT_DIR_REPLY;
			return (int)i;
		}
	}
	return -1;
}

Test(conntrack, table_against_naive_list)
{
	static struct naive nv[NAIVE_MAX];
	struct ct_table *t = ch_table();
	unsigned int n = 0, op, i, alive = 0;
	struct ct_entry *e, *clash;
	enum ct_dir d1, d2;
	struct ct_tuple q;
	int k;

	srandom(7);
	for (op = 0; op < 20000; op++) {
		/* Small spaces, so that lookups hit and tuples collide. */
		q = tup(htonl(0x0a000000u + (uint32_t)(random() % 4)),
			htonl(0x0a000100u + (uint32_t)(random() % 4)), IPPROTO_UDP,
			(uint16_t)(random() % 8), (uint16_t)(random() % 8));
		switch (random() % 3) {
		case 0: /* insert, unless a tuple is taken (the naive list says) */
			if (n == NAIVE_MAX)
				break;
			e = ct_table_alloc(t, ct_tuple_hash(&q, t->seed));
			cr_assert_not_null(e);
			e->th[0].t = q;
			cr_assert(ct_tuple_invert(&e->th[1].t, &q));
			e->expires = t->now + 1000000;
			k = naive_find(nv, n, &q, &d1);
			if (k < 0)
				k = naive_find(nv, n, &e->th[1].t, &d1);
			if (k >= 0) {
				cr_assert_eq(ct_table_insert(t, e, &clash), -EEXIST);
				cr_assert_eq(clash, nv[k].e);
				ct_table_put(t, e);
				break;
			}
			cr_assert_eq(ct_table_insert(t, e, &clash), 0);
			ct_table_put(t, e); /* the table's reference remains */
			nv[n].t[0] = e->th[0].t;
			nv[n].t[1] = e->th[1].t;
			nv[n].e = e;
			nv[n++].alive = true;
			alive++;
			break;
		case 1: /* kill what has this tuple */
			k = naive_find(nv, n, &q, &d1);
			e = ct_table_find(t, &q, &d2);
			cr_assert_eq(e, k >= 0 ? nv[k].e : NULL);
			if (k >= 0) {
				ct_table_kill(t, e);
				nv[k].alive = false;
				alive--;
			}
			break;
		default: /* look up */
			k = naive_find(nv, n, &q, &d1);
			e = ct_table_find(t, &q, &d2);
			cr_assert_eq(e, k >= 0 ? nv[k].e : NULL, "op %u", op);
			if (k >= 0)
				cr_assert_eq(d1, d2);
			break;
		}
		cr_assert_eq(t->confirmed, alive);
		cr_assert_eq(t->count, alive);
	}
	/* Every live entry is still found by both tuples. */
	for (i = 0; i < n; i++) {
		if (!nv[i].alive)
			continue;
		cr_assert_eq(ct_table_find(t, &nv[i].t[0], &d1), nv[i].e);
		cr_assert_eq(d1, CT_DIR_ORIGINAL);
		cr_assert_eq(ct_table_find(t, &nv[i].t[1], &d1), nv[i].e);
		cr_assert_eq(d1, CT_DIR_REPLY);
	}
	cr_expect_eq(ct_table_flush(t), alive);
	cr_expect_eq(t->count, 0);
}

/* ---- timeouts, on the injected clock ---- */

/* Expiry is exact for lookups and within one wheel tick for the table. */
static void expect_alive_until(struct ct_entry *(*find)(void), uint64_t until)
{
	ch_clock(until - 1);
	cr_expect_not_null(find(), "alive 1 ms before %llu", (unsigned long long)until);
	ch_clock(until);
	cr_expect_null(find(), "gone at %llu", (unsigned long long)until);
}

static struct ct_entry *udp_flow(void)
{
	return ch_find_udp("10.1.0.2", "10.2.0.2", 1111, 53);
}

Test(conntrack, udp_timeouts)
{
	struct ct_table *t = ch_table();
	uint64_t t0 = ch_now;
	struct ct_entry *e;

	cr_assert_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0), 1);
	cr_assert_eq(ch_cap.ctinfo[0], CT_NEW);
	e = udp_flow();
	cr_assert_not_null(e);
	cr_expect_eq(e->expires, t0 + 30000, "30 s unreplied");
	cr_expect_eq(e->status & (CT_S_SEEN_REPLY | CT_S_ASSURED | CT_S_CONFIRMED), CT_S_CONFIRMED);

	/* The first reply, 1 s later: SEEN_REPLY, still the short timeout. */
	ch_clock(t0 + 1000);
	cr_assert_eq(ch_send(ch_udp("10.2.0.2", "10.1.0.2", 53, 1111), 1), 1);
	cr_expect_eq(ch_cap.ctinfo[1], CT_ESTABLISHED_REPLY);
	cr_expect(e->status & CT_S_SEEN_REPLY);
	cr_expect_not(e->status & CT_S_ASSURED);
	cr_expect_eq(e->expires, t0 + 1000 + 30000);

	/* Still talking after 2 s: a stream, ASSURED, 120 s. */
	ch_clock(t0 + 2500);
	cr_assert_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0), 1);
	cr_expect_eq(ch_cap.ctinfo[2], CT_ESTABLISHED);
	cr_expect(e->status & CT_S_ASSURED);
	cr_expect_eq(e->expires, t0 + 2500 + 120000);
	expect_alive_until(udp_flow, t0 + 2500 + 120000);
	cr_expect_eq(t->st.expired, 1);
	cr_expect_eq(t->count, 0);
}

Test(conntrack, udp_expiry_by_the_wheel)
{
	struct ct_table *t = ch_table();
	uint64_t t0 = ch_now;

	cr_assert_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0), 1);
	/* Only the timer wheel this time, no lookup: gone within a tick. */
	ch_clock(t0 + 29999);
	cr_expect_eq(t->confirmed, 1);
	ch_clock(t0 + 30000 + CT_WHEEL_TICK_MS);
	cr_expect_eq(t->confirmed, 0);
	cr_expect_eq(t->st.expired, 1);
}

Test(conntrack, refreshed_entries_survive_the_wheel)
{
	struct ct_table *t = ch_table();
	uint64_t t0 = ch_now, ms;

	cr_assert_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0), 1);
	/* A packet every 20 s for 10 minutes: the entry's slot comes up many
	 * times and it is put back each time. */
	for (ms = 20000; ms <= 600000; ms += 20000) {
		ch_clock(t0 + ms);
		cr_assert_eq(t->confirmed, 1, "at %llu", (unsigned long long)ms);
		cr_assert_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0), 1);
	}
	ch_clock(t0 + 600000 + 30000 + CT_WHEEL_TICK_MS);
	cr_expect_eq(t->confirmed, 0);
}

static struct ct_entry *echo_flow(void)
{
	struct ct_tuple q = tup(ch_addr("10.1.0.2"), ch_addr("10.2.0.2"), IPPROTO_ICMP, 0, 0);

	q.s.id = htons(99);
	q.d.icmp.type = ICMP_ECHO;
	ch_table()->now = ch_now;
	return ct_table_find(ch_table(), &q, NULL);
}

Test(conntrack, icmp_echo_by_id)
{
	uint64_t t0 = ch_now;
	struct ct_entry *e;

	cr_assert_eq(ch_send(ch_icmp("10.1.0.2", "10.2.0.2", ICMP_ECHO, 0, 99, NULL, 0), 0), 1);
	e = echo_flow();
	cr_assert_not_null(e);
	cr_expect_eq(e->expires, t0 + 30000);
	ch_clock(t0 + 5000);
	cr_assert_eq(ch_send(ch_icmp("10.2.0.2", "10.1.0.2", ICMP_ECHOREPLY, 0, 99, NULL, 0), 1),
		     1);
	cr_expect_eq(ch_cap.ctinfo[1], CT_ESTABLISHED_REPLY);
	/* Another id is another connection; a reply to no request is INVALID. */
	cr_assert_eq(ch_send(ch_icmp("10.2.0.2", "10.1.0.2", ICMP_ECHOREPLY, 0, 98, NULL, 0), 1),
		     1);
	cr_expect_not(ch_cap.has_ct[2]);
	cr_expect_eq(ch_table()->st.invalid, 1);
	expect_alive_until(echo_flow, t0 + 5000 + 30000);
}

static struct ct_entry *gre_flow(void)
{
	struct ct_tuple q = tup(ch_addr("10.1.0.2"), ch_addr("10.2.0.2"), 47, 0, 0);

	ch_table()->now = ch_now;
	return ct_table_find(ch_table(), &q, NULL);
}

Test(conntrack, generic_600s)
{
	uint64_t t0 = ch_now;

	cr_assert_eq(ch_send(ch_raw("10.1.0.2", "10.2.0.2", 47, 24), 0), 1);
	cr_assert_eq(ch_send(ch_raw("10.2.0.2", "10.1.0.2", 47, 24), 1), 1);
	cr_expect_eq(ch_cap.ctinfo[1], CT_ESTABLISHED_REPLY);
	expect_alive_until(gre_flow, t0 + 600000);
}

static struct ct_entry *tcp_flow(void)
{
	return ch_find_tcp("10.1.0.2", "10.2.0.2", 40000, 80);
}

Test(conntrack, tcp_handshake_timeouts)
{
	const uint32_t cs = 1000, ss = 5000;
	uint64_t t0 = ch_now;
	struct ct_entry *e;

	cr_assert_eq(ch_send(ch_tcp("10.1.0.2", "10.2.0.2", 40000, 80, cs, 0, TH_SYN, 64000, 0), 0),
		     1);
	e = tcp_flow();
	cr_assert_not_null(e);
	cr_expect_eq(e->proto.tcp.state, CT_TCP_SYN_SENT);
	cr_expect_eq(e->expires, t0 + 120000);
	cr_assert_eq(ch_send(ch_tcp("10.2.0.2", "10.1.0.2", 80, 40000, ss, cs + 1,
				    TH_SYN | TH_ACK, 64000, 0), 1), 1);
	cr_expect_eq(e->proto.tcp.state, CT_TCP_SYN_RECV);
	cr_expect_eq(e->expires, t0 + 60000);
	cr_assert_eq(ch_send(ch_tcp("10.1.0.2", "10.2.0.2", 40000, 80, cs + 1, ss + 1, TH_ACK,
				    64000, 0), 0), 1);
	cr_expect_eq(e->proto.tcp.state, CT_TCP_ESTABLISHED);
	cr_expect(e->status & CT_S_ASSURED);
	cr_expect_eq(e->expires, t0 + 432000000ull);
	/* Data not yet acknowledged: 300 s until it is. */
	cr_assert_eq(ch_send(ch_tcp("10.1.0.2", "10.2.0.2", 40000, 80, cs + 1, ss + 1,
				    TH_ACK | TH_PUSH, 64000, 100), 0), 1);
	cr_expect_eq(e->expires, t0 + 300000);
	cr_assert_eq(ch_send(ch_tcp("10.2.0.2", "10.1.0.2", 80, 40000, ss + 1, cs + 101, TH_ACK,
				    64000, 0), 1), 1);
	cr_expect_eq(e->expires, t0 + 432000000ull);
	/* A RST in window: CLOSE, 10 s. */
	cr_assert_eq(ch_send(ch_tcp("10.2.0.2", "10.1.0.2", 80, 40000, ss + 1, 0, TH_RST, 0, 0),
			     1), 1);
	cr_expect_eq(e->proto.tcp.state, CT_TCP_CLOSE);
	cr_expect_eq(e->expires, t0 + 10000);
	/* The wheel moved it to an earlier slot: gone within a tick. */
	ch_clock(t0 + 10000 + CT_WHEEL_TICK_MS);
	cr_expect_eq(ch_table()->confirmed, 0);
}

/* ---- the settings reach the trackers ---- */

static void setup_short(void)
{
	struct ct_config c;

	ct_config_defaults(&c);
	c.mode = CT_MODE_ON;
	c.timeout_ms[CT_TO_UDP] = 2000;
	c.timeout_ms[CT_TO_ICMP] = 3000;
	c.timeout_ms[CT_TO_TCP_SYN_SENT] = 4000;
	ch_setup(&c);
}

TestSuite(conntrack_short, .init = setup_short, .fini = ch_teardown);

Test(conntrack_short, configured_timeouts)
{
	uint64_t t0 = ch_now;

	cr_assert_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0), 1);
	cr_assert_eq(ch_send(ch_icmp("10.1.0.2", "10.2.0.2", ICMP_ECHO, 0, 99, NULL, 0), 0), 1);
	cr_assert_eq(ch_send(ch_tcp("10.1.0.2", "10.2.0.2", 40000, 80, 1, 0, TH_SYN, 100, 0), 0),
		     1);
	cr_expect_eq(udp_flow()->expires, t0 + 2000);
	cr_expect_eq(echo_flow()->expires, t0 + 3000);
	cr_expect_eq(tcp_flow()->expires, t0 + 4000);
}

/* ---- dropped packets create nothing ---- */

static unsigned int drop_all(void *priv, struct pkt *p, struct router *r)
{
	return TF_DROP;
}

Test(conntrack, dropped_packets_create_nothing)
{
	struct ct_table *t = ch_table();

	cr_assert_eq(hook_register(&ch_r.hooks, HOOK_FORWARD, 0, drop_all, NULL), 0);
	cr_expect_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0), 0);
	cr_expect_eq(ch_send(ch_tcp("10.1.0.2", "10.2.0.2", 40000, 80, 1, 0, TH_SYN, 100, 0), 0),
		     0);
	cr_expect_eq(t->count, 0, "the unconfirmed entries died with their packets");
	cr_expect_eq(t->confirmed, 0);
	cr_expect_eq(t->st.insert, 0);
	hook_unregister(&ch_r.hooks, HOOK_FORWARD, drop_all, NULL);
	/* Dropped after NAT's place in POST_ROUTING, before the confirmation. */
	cr_assert_eq(hook_register(&ch_r.hooks, HOOK_POST_ROUTING, HOOK_PRI_NAT_SRC, drop_all,
				   NULL), 0);
	cr_expect_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0), 0);
	cr_expect_eq(t->count, 0);
	hook_unregister(&ch_r.hooks, HOOK_POST_ROUTING, drop_all, NULL);
	cr_expect_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0), 1);
	cr_expect_eq(t->count, 1);
	cr_expect_eq(t->st.insert, 1);
}

/* ---- a full table ---- */

static void setup_small(void)
{
	struct ct_config c;

	ct_config_defaults(&c);
	c.mode = CT_MODE_ON;
	c.max_entries = 4;
	ch_setup(&c);
}

TestSuite(conntrack_small, .init = setup_small, .fini = ch_teardown);

static void udp_assured(uint16_t port)
{
	cr_assert_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", port, 53), 0), 1);
	cr_assert_eq(ch_send(ch_udp("10.2.0.2", "10.1.0.2", 53, port), 1), 1);
}

Test(conntrack_small, full_table_evicts_unassured)
{
	struct ct_table *t = ch_table();
	uint16_t port;

	for (port = 1; port <= 4; port++)
		cr_assert_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", port, 53), 0), 1);
	cr_assert_eq(t->count, 4);
	/* The fifth: one unreplied flow makes room. */
	cr_expect_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 5, 53), 0), 1);
	cr_expect_eq(t->count, 4);
	cr_expect_eq(t->st.early_drop, 1);
	cr_expect_not_null(ch_find_udp("10.1.0.2", "10.2.0.2", 5, 53));
	cr_expect_eq(ch_r.drops.count[DROP_CT_TABLE_FULL], 0);
}

Test(conntrack_small, full_table_of_assured_drops_new)
{
	struct ct_table *t = ch_table();
	uint16_t port;

	for (port = 1; port <= 4; port++)
		udp_assured(port);
	ch_clock(ch_now + 3000);
	for (port = 1; port <= 4; port++) {
		udp_assured(port);
		cr_assert(ch_find_udp("10.1.0.2", "10.2.0.2", port, 53)->status & CT_S_ASSURED);
	}
	cr_expect_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 5, 53), 0), 0, "dropped");
	cr_expect_eq(ch_r.drops.count[DROP_CT_TABLE_FULL], 1);
	cr_expect_eq(t->st.drop, 1);
	cr_expect_eq(t->st.early_drop, 0);
	cr_expect_eq(t->count, 4);
	/* Old connections go on. */
	cr_expect_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 2, 53), 0), 1);
	/* Once one expires, a new one fits: expired entries are taken first. */
	ch_clock(ch_now + 120000);
	cr_expect_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 5, 53), 0), 1);
}

Test(conntrack_small, full_table_evicts_closing_tcp)
{
	struct ct_table *t = ch_table();
	uint16_t port;

	for (port = 1; port <= 3; port++)
		udp_assured(port);
	ch_clock(ch_now + 3000);
	for (port = 1; port <= 3; port++)
		udp_assured(port);
	/* An assured TCP connection, then closed by a RST: evictable. */
	ch_send(ch_tcp("10.1.0.2", "10.2.0.2", 40000, 80, 1000, 0, TH_SYN, 1000, 0), 0);
	ch_send(ch_tcp("10.2.0.2", "10.1.0.2", 80, 40000, 5000, 1001, TH_SYN | TH_ACK, 1000, 0), 1);
	ch_send(ch_tcp("10.1.0.2", "10.2.0.2", 40000, 80, 1001, 5001, TH_ACK, 1000, 0), 0);
	cr_assert(tcp_flow()->status & CT_S_ASSURED);
	cr_expect_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 9, 53), 0), 0, "all assured: drop");
	ch_send(ch_tcp("10.1.0.2", "10.2.0.2", 40000, 80, 1001, 0, TH_RST, 0, 0), 0);
	cr_assert_eq(tcp_flow()->proto.tcp.state, CT_TCP_CLOSE);
	cr_expect_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 9, 53), 0), 1);
	cr_expect_eq(t->st.early_drop, 1);
	cr_expect_null(tcp_flow());
}

static struct pkt *held_small;

static unsigned int steal_once(void *priv, struct pkt *p, struct router *r)
{
	if (held_small)
		return TF_ACCEPT;
	held_small = p;
	return TF_STOLEN;
}

Test(conntrack_small, evicting_a_held_entry_evicts_one)
{
	struct ct_table *t = ch_table();
	uint16_t port;

	for (port = 1; port <= 4; port++)
		cr_assert_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", port, 53), 0), 1);
	/* A packet of flow 1 waits somewhere (a queue), holding its entry. */
	cr_assert_eq(hook_register(&ch_r.hooks, HOOK_FORWARD, 0, steal_once, NULL), 0);
	held_small = NULL;
	cr_assert_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1, 53), 0), 0);
	cr_assert_not_null(held_small);
	/* New flows evict one entry each, held or not: flow 1's stays
	 * allocated (the count passes the maximum) until its packet goes. */
	for (port = 5; port <= 8; port++)
		cr_expect_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", port, 53), 0), 1);
	cr_expect_eq(t->st.early_drop, 4);
	cr_expect_eq(t->confirmed, 4);
	cr_expect_leq(t->count, 5);
	pkt_free(&ch_r.pool, held_small);
	cr_expect_eq(t->count, 4);
	hook_unregister(&ch_r.hooks, HOOK_FORWARD, steal_once, NULL);
}

/* ---- ICMP errors ---- */

/* The first 28 bytes of a captured packet: what an ICMP error quotes. */
static const uint8_t *quote(unsigned int i)
{
	return ch_cap.data[i];
}

static uint8_t seen_ctinfo;
static bool seen_ct;

static unsigned int spy(void *priv, struct pkt *p, struct router *r)
{
	seen_ct = p->ct != NULL;
	seen_ctinfo = p->ctinfo;
	return TF_ACCEPT;
}

Test(conntrack, icmp_error_is_related)
{
	struct ct_table *t = ch_table();

	cr_assert_eq(hook_register(&ch_r.hooks, HOOK_FORWARD, 0, spy, NULL), 0);
	cr_assert_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0), 1);
	/* 10.2.0.2 answers with port unreachable quoting the datagram. */
	cr_assert_eq(ch_send(ch_icmp("10.2.0.2", "10.1.0.2", ICMP_DEST_UNREACH, 3, 0, quote(0), 28),
			     1), 1);
	cr_expect(seen_ct);
	cr_expect_eq(seen_ctinfo, CT_RELATED_REPLY);
	/* An error about a connection nobody made: INVALID, counted as error. */
	cr_assert_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 2222, 53), 0), 1);
	ct_table_flush(t);
	cr_assert_eq(ch_send(ch_icmp("10.2.0.2", "10.1.0.2", ICMP_DEST_UNREACH, 3, 0, quote(2), 28),
			     1), 1);
	cr_expect_not(seen_ct);
	cr_expect_eq(seen_ctinfo, 0);
	cr_expect_eq(t->st.error, 1);
	cr_expect_eq(t->count, 0, "errors create no entry");
	/* An error sent to someone else than the connection's end: INVALID. */
	cr_assert_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 3333, 53), 0), 1);
	cr_assert_eq(ch_send(ch_icmp("10.2.0.2", "10.1.0.3", ICMP_DEST_UNREACH, 3, 0, quote(4), 28),
			     1), 1);
	cr_expect_not(seen_ct);
	cr_expect_eq(t->st.error, 2);
	hook_unregister(&ch_r.hooks, HOOK_FORWARD, spy, NULL);
}

Test(conntrack, router_errors_are_attached)
{
	struct pkt *p;

	/* A confirmed connection, then a packet of it dying of old age. */
	cr_assert_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0), 1);
	p = ch_udp("10.1.0.2", "10.2.0.2", 1111, 53);
	ipv4_hdr(p)->ttl = 1;
	ipv4_set_csum(ipv4_hdr(p));
	cr_assert_eq(ch_send(p, 0), 1);
	/* The time exceeded goes back to 10.1.0.2, RELATED to the flow. */
	cr_expect_eq(ch_cap.oif[1], 0);
	cr_expect_eq(ch_cap.data[1][20], ICMP_TIME_EXCEEDED);
	cr_expect(ch_cap.has_ct[1]);
	cr_expect_eq(ch_cap.ctinfo[1], CT_RELATED_REPLY);
	/* Even for a first packet: its entry dies with it, after the error. */
	p = ch_udp("10.1.0.2", "10.2.0.2", 4444, 53);
	ipv4_hdr(p)->ttl = 1;
	ipv4_set_csum(ipv4_hdr(p));
	cr_assert_eq(ch_send(p, 0), 1);
	cr_expect_eq(ch_cap.ctinfo[2], CT_RELATED_REPLY);
	cr_expect_null(ch_find_udp("10.1.0.2", "10.2.0.2", 4444, 53));
	cr_expect_eq(ch_table()->count, 1);
}

/* ---- local delivery: confirmed at LOCAL_IN, answers tracked at LOCAL_OUT ---- */

Test(conntrack, ping_the_router)
{
	struct ct_tuple q = tup(ch_addr("10.1.0.2"), ch_addr("10.1.0.1"), IPPROTO_ICMP, 0, 0);
	struct ct_entry *e;

	cr_assert_eq(ch_send(ch_icmp("10.1.0.2", "10.1.0.1", ICMP_ECHO, 0, 5, NULL, 0), 0), 1);
	cr_expect_eq(ch_cap.data[0][20], ICMP_ECHOREPLY);
	cr_expect_eq(ch_cap.ctinfo[0], CT_ESTABLISHED_REPLY, "the answer found the request");
	q.s.id = htons(5);
	q.d.icmp.type = ICMP_ECHO;
	e = ct_table_find(ch_table(), &q, NULL);
	cr_assert_not_null(e);
	cr_expect(e->status & CT_S_SEEN_REPLY);
	cr_expect_eq(e->packets[0], 1);
	cr_expect_eq(e->packets[1], 1);
}

/* ---- events ---- */

struct ev_rec {
	unsigned int n;
	unsigned int what[16];
	uint8_t state[16];
};

static void record(void *arg, struct ct_table *t, enum ct_event ev, const struct ct_entry *e)
{
	struct ev_rec *r = arg;

	if (r->n < 16) {
		r->what[r->n] = ev;
		r->state[r->n++] = e->proto.tcp.state;
	}
}

Test(conntrack, events)
{
	struct ct_table *t = ch_table();
	struct ev_rec rec = { 0 };
	uint64_t t0 = ch_now;

	t->event = record;
	t->event_arg = &rec;
	ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0);
	cr_assert_eq(rec.n, 1);
	cr_expect_eq(rec.what[0], CT_EV_NEW);
	ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0);
	cr_expect_eq(rec.n, 1, "nothing changed");
	ch_send(ch_udp("10.2.0.2", "10.1.0.2", 53, 1111), 1);
	cr_assert_eq(rec.n, 2);
	cr_expect_eq(rec.what[1], CT_EV_UPDATE, "SEEN_REPLY");
	ch_clock(t0 + 3000);
	ch_send(ch_udp("10.2.0.2", "10.1.0.2", 53, 1111), 1);
	cr_assert_eq(rec.n, 3);
	cr_expect_eq(rec.what[2], CT_EV_UPDATE, "ASSURED");
	ch_clock(t0 + 3000 + 120000 + CT_WHEEL_TICK_MS);
	cr_assert_eq(rec.n, 4);
	cr_expect_eq(rec.what[3], CT_EV_DESTROY);
	t->event = NULL;
}

/* ---- UNTRACKED ---- */

static unsigned int notrack(void *priv, struct pkt *p, struct router *r)
{
	p->ctinfo = CT_UNTRACKED;
	return TF_ACCEPT;
}

Test(conntrack, untracked_packets_pass_by)
{
	cr_assert_eq(hook_register(&ch_r.hooks, HOOK_PRE_ROUTING, HOOK_PRI_RAW, notrack, NULL), 0);
	cr_expect_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0), 1);
	cr_expect_not(ch_cap.has_ct[0]);
	cr_expect_eq(ch_cap.ctinfo[0], CT_UNTRACKED);
	cr_expect_eq(ch_table()->count, 0);
	cr_expect_eq(ch_table()->st.invalid, 0);
	hook_unregister(&ch_r.hooks, HOOK_PRE_ROUTING, notrack, NULL);
}

/* ---- references ---- */

static struct pkt *held;

static unsigned int steal(void *priv, struct pkt *p, struct router *r)
{
	held = p;
	return TF_STOLEN;
}

Test(conntrack, a_held_packet_keeps_its_entry)
{
	struct ct_table *t = ch_table();
	struct ct_entry *e;

	cr_assert_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0), 1);
	e = udp_flow();
	cr_assert_eq(hook_register(&ch_r.hooks, HOOK_FORWARD, 0, steal, NULL), 0);
	cr_assert_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0), 0);
	cr_assert_eq(held->ct, e);
	cr_expect_eq(e->use, 2, "the table's and the packet's");
	/* The entry goes (tunfilter conntrack -F) while the packet waits. */
	cr_expect_eq(ct_table_flush(t), 1);
	cr_expect_null(udp_flow());
	cr_expect_eq(t->count, 1, "still allocated");
	cr_expect(e->status & CT_S_DYING);
	pkt_free(&ch_r.pool, held);
	cr_expect_eq(t->count, 0, "freed with the last reference");
	hook_unregister(&ch_r.hooks, HOOK_FORWARD, steal, NULL);
}

/* ---- tracking off ---- */

static void setup_off(void)
{
	struct ct_config c;

	ct_config_defaults(&c);
	c.mode = CT_MODE_OFF;
	ch_setup(&c);
}

TestSuite(conntrack_off, .init = setup_off, .fini = ch_teardown);

Test(conntrack_off, off_and_on_again)
{
	struct ct_config c;

	cr_expect_null(ch_r.ct);
	cr_expect_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0), 1);
	cr_expect_not(ch_cap.has_ct[0]);
	ct_config_defaults(&c);
	c.mode = CT_MODE_ON;
	cr_assert_eq(ct_configure(&ch_r, &c), 0);
	cr_assert_not_null(ch_r.ct);
	cr_expect(ch_r.defrag_hooked, "defrag runs with conntrack");
	cr_expect_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 1111, 53), 0), 1);
	cr_expect(ch_cap.has_ct[1]);
	c.mode = CT_MODE_OFF;
	cr_assert_eq(ct_configure(&ch_r, &c), 0);
	cr_expect_null(ch_r.ct);
	cr_expect_null(ct_router_table(&ch_r), "off: no table for the control commands");
	cr_expect_not(ch_r.defrag_hooked);
	c.mode = CT_MODE_ON;
	cr_assert_eq(ct_configure(&ch_r, &c), 0);
	cr_expect_eq(ch_r.ct->count, 0, "turned off: flushed");
}
