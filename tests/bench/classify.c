/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * classify: the per-packet cost of the rule tables, without I/O, for the
 * rules benchmark (tests/bench/rules.sh).
 *
 * It loads an iptables-save file the way the daemon does (tables_init,
 * then tables_load: restore_file and a commit) into a router with the
 * benchmark's two links, and times two things on one prepared packet, a
 * 92-byte UDP datagram 10.1.0.2:40000 -> 10.2.0.2:5201 arriving on tfb0
 * and routed out of tfb1:
 *
 *   table    table_run() of the filter table at FORWARD: the traversal
 *            alone, the packet unchanged (an ACCEPT or DROP changes
 *            nothing), so the same buffer serves every iteration.
 *   path     router_rx() of a fresh copy, then router_flush() into an
 *            xmit that frees it: validation, the hooks of every table,
 *            the route lookup, the TTL; what the daemon does per packet
 *            besides reading and writing the TUNs.
 *
 * Each figure is the best of ROUNDS rounds of at least MIN_NS each (the
 * best round is the one least disturbed by the rest of the machine),
 * timed in the thread's CPU time, so that being preempted by another
 * process does not count as classification time. The
 * verdict and the counters are checked, so that a ruleset that does not
 * accept the packet (a broken benchmark) is an error, not a fast figure.
 *
 *   usage: classify RULES_FILE
 *   output: "table NS path NS" (nanoseconds per packet)
 *
 * Built by rules.sh against a configured build tree, with nothing added
 * to the Makefile:
 *   cc -O2 -I src -I include -D_GNU_SOURCE tests/bench/classify.c \
 *      BUILD/.libs/libtfcore.a $(pkg-config --libs inih) -lpthread
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/ipv4.h"
#include "core/route.h"
#include "core/router.h"
#include "tables/ruleset.h"
#include "tables/table.h"
#include "tables/tables.h"

#define CLASSIFY_ROUNDS 7
#define CLASSIFY_MIN_NS 200000000ull /* 0.2 s per round */
#define CLASSIFY_BATCH 64u           /* packets per router_flush, as the daemon's batch */
#define CLASSIFY_PAYLOAD 64u

struct classify {
	struct router r;
	uint8_t pkt[20 + 8 + CLASSIFY_PAYLOAD];
	uint64_t sent;  /* packets handed to xmit */
};

static uint64_t classify_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int classify_xmit(struct router *r, struct iface *ifc, struct pkt *p)
{
	struct classify *c = r->ops_arg;

	c->sent++;
	pkt_free(&r->pool, p);
	return 0;
}

static const struct router_ops classify_ops = { .xmit = classify_xmit };

static uint16_t classify_csum(const uint8_t *b, size_t len)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* The datagram as it arrives on tfb0 (UDP checksum 0: none). */
static void classify_packet(uint8_t *ip)
{
	size_t len = 20 + 8 + CLASSIFY_PAYLOAD;
	uint16_t sum;

	memset(ip, 0, len);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(len >> 8);
	ip[3] = (uint8_t)len;
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = 17;
	inet_pton(AF_INET, "10.1.0.2", ip + 12);
	inet_pton(AF_INET, "10.2.0.2", ip + 16);
	sum = classify_csum(ip, 20);
	ip[10] = (uint8_t)(sum >> 8);
	ip[11] = (uint8_t)sum;
	ip[20] = 40000 >> 8;
	ip[21] = 40000 & 0xff;
	ip[22] = 5201 >> 8;
	ip[23] = 5201 & 0xff;
	ip[25] = 8 + CLASSIFY_PAYLOAD;
	memset(ip + 28, 0xa5, CLASSIFY_PAYLOAD);
}

static int classify_setup(struct classify *c, const char *rules)
{
	struct router_config cfg = {
		.pool_size = 256,
		.defrag_cfg = { .max_memory = 1 << 20, .timeout_ms = 30000, .max_queues = 64 },
		.icmp = { 0, 0, 50, 0x1818 },
	};
	char err[RULESET_ERR_MAX];
	struct route_table *t;
	struct in_addr a0, a1;
	int rc;

	inet_pton(AF_INET, "10.1.0.1", &a0);
	inet_pton(AF_INET, "10.2.0.1", &a1);
	rc = router_init(&c->r, &cfg, &classify_ops, c);
	if (rc < 0)
		return rc;
	if (router_iface_add(&c->r, "tfb0", a0.s_addr, 24, 1500, -1) != 0 ||
	    router_iface_add(&c->r, "tfb1", a1.s_addr, 24, 1500, -1) != 1)
		return -EINVAL;
	c->r.ifaces[0].up = c->r.ifaces[1].up = true;
	t = route_table_new();
	if (!t || router_fib_add_connected(&c->r, t) < 0)
		return -ENOMEM;
	router_fib_replace(&c->r, t);
	router_set_clock(&c->r, 1000, 0);
	rc = tables_init(&c->r);
	if (rc < 0)
		return rc;
	rc = tables_load(&c->r, rules, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "classify: %s\n", err);
		return rc;
	}
	classify_packet(c->pkt);
	return 0;
}

/* table_run of the filter table at FORWARD, n times; 0 or -1 on a verdict
 * other than ACCEPT. */
static int classify_table(struct classify *c, struct pkt *p, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		if (table_run(&c->r, c->r.ruleset, XT_TABLE_FILTER, p) != TF_ACCEPT)
			return -1;
	return 0;
}

/* n packets through the whole path, a flush per batch; -1 when one was
 * not forwarded. */
static int classify_path(struct classify *c, uint64_t n)
{
	uint64_t i, before = c->sent;
	unsigned int j;

	for (i = 0; i < n; i += CLASSIFY_BATCH) {
		for (j = 0; j < CLASSIFY_BATCH; j++) {
			struct pkt *p = pkt_alloc(&c->r.pool);

			if (!p)
				return -1;
			memcpy(p->data, c->pkt, sizeof(c->pkt));
			p->len = sizeof(c->pkt);
			router_rx(&c->r, p, 0);
		}
		router_flush(&c->r);
	}
	return c->sent - before == (n + CLASSIFY_BATCH - 1) / CLASSIFY_BATCH * CLASSIFY_BATCH ?
		0 : -1;
}

/* Best ns per packet over the rounds; each round grows n until it takes
 * CLASSIFY_MIN_NS. which: 0 table, 1 path. */
static double classify_time(struct classify *c, struct pkt *p, int which)
{
	double best = 0;
	uint64_t n = 1024;
	int round, rc;

	for (round = 0; round < CLASSIFY_ROUNDS; round++) {
		uint64_t t0, dt;
		double ns;

		for (;;) {
			t0 = classify_now();
			rc = which ? classify_path(c, n) : classify_table(c, p, n);
			dt = classify_now() - t0;
			if (rc < 0)
				return -1;
			if (dt >= CLASSIFY_MIN_NS)
				break;
			n = dt ? n * (CLASSIFY_MIN_NS / dt + 1) : n * 16;
		}
		ns = (double)dt / (double)n;
		if (round == 0 || ns < best)
			best = ns;
	}
	return best;
}

int main(int argc, char **argv)
{
	static struct classify c;
	struct pkt *p;
	double t_ns, p_ns;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: classify RULES_FILE\n");
		return 2;
	}
	rc = classify_setup(&c, argv[1]);
	if (rc < 0) {
		fprintf(stderr, "classify: setup failed: %s\n", strerror(-rc));
		return 1;
	}
	p = pkt_alloc(&c.r.pool);
	if (!p)
		return 1;
	memcpy(p->data, c.pkt, sizeof(c.pkt));
	p->len = sizeof(c.pkt);
	p->l4_off = 20;
	p->iif = 0;
	p->oif = 1;
	p->hook = HOOK_FORWARD;
	/* At FORWARD the TTL is already lowered; no rule looks at it here. */
	t_ns = classify_time(&c, p, 0);
	pkt_free(&c.r.pool, p);
	p_ns = classify_time(&c, NULL, 1);
	if (t_ns < 0 || p_ns < 0) {
		fprintf(stderr, "classify: the ruleset did not accept the packet "
				"(table %s, path %s)\n", t_ns < 0 ? "dropped" : "ok",
			p_ns < 0 ? "not forwarded" : "ok");
		return 1;
	}
	printf("table %.1f path %.1f\n", t_ns, p_ns);
	tables_fini(&c.r);
	router_fini(&c.r);
	return 0;
}
