// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The conntrack test router (see ct_harness.h).
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <string.h>
#include "core/csum.h"
#include "core/ipv4.h"
#include "tables/restore.h"
#include "tables/ruleset.h"
#include "tables/tables.h"
#include "ct_harness.h"

struct router ch_r;
struct ch_capture ch_cap;
uint64_t ch_now;

static int ch_xmit(struct router *rt, struct iface *ifc, struct pkt *p)
{
	if (ch_cap.n < CH_CAP_MAX) {
		unsigned int i = ch_cap.n++;

		ch_cap.oif[i] = ifc->idx;
		ch_cap.len[i] = p->len;
		memcpy(ch_cap.data[i], p->data, p->len < 256 ? p->len : 256);
		ch_cap.ctinfo[i] = p->ctinfo;
		ch_cap.has_ct[i] = p->ct != NULL;
	}
	pkt_free(&rt->pool, p);
	return 0;
}

static const struct router_ops ch_ops = { .xmit = ch_xmit };

uint32_t ch_addr(const char *s)
{
	struct in_addr a;

	cr_assert_eq(inet_pton(AF_INET, s, &a), 1, "%s", s);
	return a.s_addr;
}

void ch_setup(const struct ct_config *cfg)
{
	struct router_config rc = {
		.pool_size = 512,
		.defrag = false,
		.defrag_cfg = { .max_memory = 1 << 20, .timeout_ms = 30000, .max_queues = 64 },
		.icmp = { 0, 0, 50, 0x1818 },
	};
	struct ct_config def;
	struct route_table *t;

	memset(&ch_cap, 0, sizeof(ch_cap));
	cr_assert_eq(router_init(&ch_r, &rc, &ch_ops, NULL), 0);
	cr_assert_eq(router_iface_add(&ch_r, "if0", ch_addr("10.1.0.1"), 24, 1500, -1), 0);
	cr_assert_eq(router_iface_add(&ch_r, "if1", ch_addr("10.2.0.1"), 24, 1500, -1), 1);
	t = route_table_new();
	cr_assert_not_null(t);
	cr_assert_eq(router_fib_add_connected(&ch_r, t), 0);
	router_fib_replace(&ch_r, t);
	ch_now = 1000000;
	router_set_clock(&ch_r, ch_now, 0);
	if (!cfg) {
		ct_config_defaults(&def);
		def.mode = CT_MODE_ON;
		cfg = &def;
	}
	cr_assert_eq(ct_init(&ch_r, cfg), 0);
	cr_assert_eq(ch_r.ct != NULL, cfg->mode == CT_MODE_ON);
}

void ch_teardown(void)
{
	ct_fini(&ch_r);
	cr_expect_eq(ch_r.pool.avail, ch_r.pool.count, "every buffer back (%u of %u)",
		     ch_r.pool.avail, ch_r.pool.count);
	router_fini(&ch_r);
}

void ch_setup_tables(void)
{
	ch_setup(NULL);
	cr_assert_eq(tables_init(&ch_r), 0);
}

void ch_teardown_tables(void)
{
	tables_fini(&ch_r);
	ch_teardown();
}

void ch_load(const char *text)
{
	struct ruleset *rs = ruleset_new(ruleset_counters(ch_r.ruleset));
	char err[RULESET_ERR_MAX] = "";

	cr_assert_not_null(rs);
	cr_assert_eq(restore_text(rs, text, strlen(text), "t.v4", 0, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(ruleset_commit(&ch_r, rs, err, sizeof(err)), 0, "%s", err);
}

void ch_clock(uint64_t ms)
{
	ch_now = ms;
	router_set_clock(&ch_r, ms, 0);
	router_tick(&ch_r);
	router_flush(&ch_r);
}

static struct pkt *ch_ip(const char *src, const char *dst, uint8_t proto, unsigned int l4len)
{
	struct pkt *p = pkt_alloc(&ch_r.pool);
	struct iphdr *ip;

	cr_assert_not_null(p);
	ip = (struct iphdr *)p->data;
	memset(p->data, 0, 20 + l4len);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons((uint16_t)(20 + l4len));
	ip->id = htons(0x4242);
	ip->ttl = 64;
	ip->protocol = proto;
	ip->saddr = ch_addr(src);
	ip->daddr = ch_addr(dst);
	ipv4_set_csum(ip);
	p->len = 20 + l4len;
	return p;
}

static uint16_t ch_l4_csum(const struct pkt *p, bool pseudo)
{
	const struct iphdr *ip = ipv4_hdr(p);
	uint32_t sum = pseudo ? csum_pseudo(ip->saddr, ip->daddr, ip->protocol,
					    (uint16_t)(p->len - 20)) : 0;

	return csum_fold(csum_partial(p->data + 20, p->len - 20, sum));
}

struct pkt *ch_udp(const char *src, const char *dst, uint16_t sport, uint16_t dport)
{
	struct pkt *p = ch_ip(src, dst, IPPROTO_UDP, 8 + 16);
	struct udphdr *uh = (struct udphdr *)(p->data + 20);

	uh->source = htons(sport);
	uh->dest = htons(dport);
	uh->len = htons(8 + 16);
	memset(uh + 1, 'u', 16);
	uh->check = ch_l4_csum(p, true);
	if (!uh->check)
		uh->check = 0xffff;
	return p;
}

struct pkt *ch_tcp(const char *src, const char *dst, uint16_t sport, uint16_t dport, uint32_t seq,
		   uint32_t ack, uint8_t flags, uint16_t win, unsigned int datalen)
{
	struct pkt *p = ch_ip(src, dst, IPPROTO_TCP, 20 + datalen);
	struct tcphdr *th = (struct tcphdr *)(p->data + 20);

	th->th_sport = htons(sport);
	th->th_dport = htons(dport);
	th->th_seq = htonl(seq);
	th->th_ack = htonl(ack);
	th->th_off = 5;
	th->th_flags = flags;
	th->th_win = htons(win);
	memset(th + 1, 'd', datalen);
	th->th_sum = ch_l4_csum(p, true);
	return p;
}

struct pkt *ch_icmp(const char *src, const char *dst, uint8_t type, uint8_t code, uint16_t id,
		    const uint8_t *inner, unsigned int inner_len)
{
	struct pkt *p = ch_ip(src, dst, IPPROTO_ICMP, 8 + (inner ? inner_len : 16));
	struct icmphdr *ih = (struct icmphdr *)(p->data + 20);

	ih->type = type;
	ih->code = code;
	if (inner) {
		memcpy(ih + 1, inner, inner_len);
	} else {
		ih->un.echo.id = htons(id);
		ih->un.echo.sequence = htons(1);
		memset(ih + 1, 'e', 16);
	}
	ih->checksum = ch_l4_csum(p, false);
	return p;
}

struct pkt *ch_raw(const char *src, const char *dst, uint8_t proto, unsigned int datalen)
{
	struct pkt *p = ch_ip(src, dst, proto, datalen);

	memset(p->data + 20, 'r', datalen);
	return p;
}

unsigned int ch_send(struct pkt *p, int iif)
{
	unsigned int before = ch_cap.n;

	router_rx(&ch_r, p, iif);
	router_flush(&ch_r);
	return ch_cap.n - before;
}

struct ct_table *ch_table(void)
{
	cr_assert_not_null(ch_r.ct);
	return ch_r.ct;
}

static struct ct_entry *ch_find(const char *src, const char *dst, uint8_t proto, uint16_t sport,
				uint16_t dport)
{
	struct ct_tuple t;

	memset(&t, 0, sizeof(t));
	t.src = ch_addr(src);
	t.dst = ch_addr(dst);
	t.proto = proto;
	t.s.port = htons(sport);
	t.d.port = htons(dport);
	ch_table()->now = ch_now;
	return ct_table_find(ch_table(), &t, NULL);
}

struct ct_entry *ch_find_udp(const char *src, const char *dst, uint16_t sport, uint16_t dport)
{
	return ch_find(src, dst, IPPROTO_UDP, sport, dport);
}

struct ct_entry *ch_find_tcp(const char *src, const char *dst, uint16_t sport, uint16_t dport)
{
	return ch_find(src, dst, IPPROTO_TCP, sport, dport);
}
