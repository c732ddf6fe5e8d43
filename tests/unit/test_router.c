// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The whole packet path without I/O: packets go in through router_rx, the
 * output is captured by a test xmit op.
 *
 *   10.1.0.2 --- if0 [10.1.0.1/24]  router  [10.2.0.1/24, mtu 1280] if1 --- 10.2.0.2
 *                 static route 10.20.0.0/16 -> if1
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <string.h>
#include "core/csum.h"
#include "core/ipv4.h"
#include "core/router.h"

#define CAP_MAX 64

struct capture {
	int oif[CAP_MAX];
	uint8_t data[CAP_MAX][2048];
	uint32_t len[CAP_MAX];
	unsigned int n;
};

static struct capture cap;
static struct router r;

static int cap_xmit(struct router *rt, struct iface *ifc, struct pkt *p)
{
	if (cap.n < CAP_MAX) {
		cap.oif[cap.n] = ifc->idx;
		cap.len[cap.n] = p->len;
		memcpy(cap.data[cap.n], p->data, p->len < 2048 ? p->len : 2048);
		cap.n++;
	}
	ifc->st.tx_packets++;
	pkt_free(&rt->pool, p);
	return 0;
}

static const struct router_ops cap_ops = { .xmit = cap_xmit };

static uint32_t A(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static void setup(void)
{
	struct router_config cfg = {
		.pool_size = 256,
		.defrag = false,
		.defrag_cfg = { .max_memory = 1 << 20, .timeout_ms = 30000, .max_queues = 64 },
		.icmp = { 0, 0, 50, 0x1818 }, /* limits off */
	};
	struct route_table *t;

	memset(&cap, 0, sizeof(cap));
	cr_assert_eq(router_init(&r, &cfg, &cap_ops, NULL), 0);
	cr_assert_eq(router_iface_add(&r, "if0", A("10.1.0.1"), 24, 1500, -1), 0);
	cr_assert_eq(router_iface_add(&r, "if1", A("10.2.0.1"), 24, 1280, -1), 1);
	t = route_table_new();
	cr_assert_eq(route_add(t, ntohl(A("10.20.0.0")), 16, ROUTE_STATIC, 1), 0);
	cr_assert_eq(router_fib_add_connected(&r, t), 0);
	router_fib_replace(&r, t);
	router_set_clock(&r, 1000000, 0);
}

static void teardown(void)
{
	uint32_t count = r.pool.count;

	cr_expect_eq(r.pool.avail, count, "every buffer returned to the pool (%u of %u)",
		     r.pool.avail, count);
	router_fini(&r);
}

/* An IPv4 packet with proto and payload, header checksum set. */
static struct pkt *mk(const char *src, const char *dst, uint8_t proto, uint8_t ttl, uint16_t frag,
		      const void *payload, size_t plen)
{
	struct pkt *p = pkt_alloc(&r.pool);
	struct iphdr *ip;

	cr_assert_not_null(p);
	ip = (struct iphdr *)p->data;
	memset(ip, 0, 20);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons((uint16_t)(20 + plen));
	ip->id = htons(0x1234);
	ip->frag_off = htons(frag);
	ip->ttl = ttl;
	ip->protocol = proto;
	ip->saddr = A(src);
	ip->daddr = A(dst);
	memcpy(p->data + 20, payload, plen);
	p->len = (uint32_t)(20 + plen);
	ipv4_set_csum(ip);
	return p;
}

static struct pkt *mk_echo(const char *src, const char *dst, uint8_t ttl, uint16_t frag,
			   size_t datalen)
{
	uint8_t buf[4096];
	struct icmphdr *ic = (struct icmphdr *)buf;

	memset(buf, 0xab, sizeof(buf));
	ic->type = ICMP_ECHO;
	ic->code = 0;
	ic->checksum = 0;
	ic->un.echo.id = htons(7);
	ic->un.echo.sequence = htons(1);
	ic->checksum = csum_buf(buf, 8 + datalen);
	return mk(src, dst, IPPROTO_ICMP, ttl, frag, buf, 8 + datalen);
}

static struct pkt *mk_udp(const char *src, const char *dst, uint8_t ttl, size_t datalen)
{
	uint8_t buf[2048];
	struct udphdr *u = (struct udphdr *)buf;

	memset(buf, 0x5a, sizeof(buf));
	u->source = htons(40000);
	u->dest = htons(53);
	u->len = htons((uint16_t)(8 + datalen));
	u->check = 0; /* no checksum: allowed for UDP over IPv4 */
	return mk(src, dst, IPPROTO_UDP, ttl, 0, buf, 8 + datalen);
}

static const struct iphdr *cap_ip(unsigned int i)
{
	return (const struct iphdr *)cap.data[i];
}

static const struct icmphdr *cap_icmp(unsigned int i)
{
	return (const struct icmphdr *)(cap.data[i] + cap_ip(i)->ihl * 4);
}

static void assert_ip_csum(unsigned int i)
{
	cr_assert_eq(csum_buf(cap.data[i], cap_ip(i)->ihl * 4u), 0, "header checksum of #%u", i);
}

TestSuite(router, .init = setup, .fini = teardown);

Test(router, forwards_with_ttl_decremented)
{
	router_rx(&r, mk_udp("10.1.0.2", "10.2.0.2", 64, 100), 0);
	router_flush(&r);
	cr_assert_eq(cap.n, 1);
	cr_assert_eq(cap.oif[0], 1);
	cr_assert_eq(cap_ip(0)->ttl, 63);
	assert_ip_csum(0);
	cr_assert_eq(r.forwarded, 1);
}

Test(router, static_route_is_used)
{
	router_rx(&r, mk_udp("10.1.0.2", "10.20.3.4", 64, 10), 0);
	router_flush(&r);
	cr_assert_eq(cap.n, 1);
	cr_assert_eq(cap.oif[0], 1);
}

Test(router, ttl_one_gets_time_exceeded_before_forward_hook)
{
	router_rx(&r, mk_udp("10.1.0.2", "10.2.0.2", 1, 10), 0);
	router_flush(&r);
	cr_assert_eq(cap.n, 1);
	cr_assert_eq(cap.oif[0], 0);
	cr_assert_eq(cap_ip(0)->saddr, A("10.1.0.1"));
	cr_assert_eq(cap_ip(0)->daddr, A("10.1.0.2"));
	cr_assert_eq(cap_icmp(0)->type, ICMP_TIME_EXCEEDED);
	cr_assert_eq(cap_icmp(0)->code, 0);
	assert_ip_csum(0);
	cr_assert_eq(r.drops.count[DROP_TTL_EXPIRED], 1);
	cr_assert_eq(r.forwarded, 0);
}

Test(router, no_route_gets_net_unreachable)
{
	router_rx(&r, mk_udp("10.1.0.2", "10.99.0.1", 64, 10), 0);
	router_flush(&r);
	cr_assert_eq(cap.n, 1);
	cr_assert_eq(cap_icmp(0)->type, ICMP_DEST_UNREACH);
	cr_assert_eq(cap_icmp(0)->code, ICMP_NET_UNREACH);
	cr_assert_eq(r.drops.count[DROP_NO_ROUTE], 1);
}

Test(router, df_over_mtu_gets_frag_needed_with_mtu)
{
	router_rx(&r, mk_echo("10.1.0.2", "10.2.0.2", 64, IPV4_F_DF, 1400), 0);
	router_flush(&r);
	cr_assert_eq(cap.n, 1);
	cr_assert_eq(cap.oif[0], 0);
	cr_assert_eq(cap_icmp(0)->type, ICMP_DEST_UNREACH);
	cr_assert_eq(cap_icmp(0)->code, ICMP_FRAG_NEEDED);
	cr_assert_eq(ntohs(cap_icmp(0)->un.frag.mtu), 1280);
	cr_assert_eq(r.drops.count[DROP_FRAG_NEEDED], 1);
}

Test(router, no_df_over_mtu_is_fragmented)
{
	unsigned int i, total = 0;

	router_rx(&r, mk_echo("10.1.0.2", "10.2.0.2", 64, 0, 1400), 0);
	router_flush(&r);
	cr_assert_eq(cap.n, 2);
	for (i = 0; i < cap.n; i++) {
		cr_assert_eq(cap.oif[i], 1);
		cr_assert_leq(cap.len[i], 1280);
		assert_ip_csum(i);
		total += cap.len[i] - 20;
	}
	cr_assert_eq(total, 1408);
	cr_assert_eq(ntohs(cap_ip(0)->frag_off), IPV4_F_MF);
	cr_assert_eq(ntohs(cap_ip(1)->frag_off) & IPV4_OFFMASK, (1280 - 20) / 8);
}

Test(router, echo_to_router_is_answered)
{
	router_rx(&r, mk_echo("10.1.0.2", "10.2.0.1", 64, 0, 56), 0);
	router_flush(&r);
	cr_assert_eq(cap.n, 1);
	cr_assert_eq(cap.oif[0], 0);
	cr_assert_eq(cap_ip(0)->saddr, A("10.2.0.1"));
	cr_assert_eq(cap_ip(0)->daddr, A("10.1.0.2"));
	cr_assert_eq(cap_icmp(0)->type, ICMP_ECHOREPLY);
	cr_assert_eq(csum_buf(cap_icmp(0), cap.len[0] - 20), 0);
	cr_assert_eq(r.local_in, 1);
	cr_assert_eq(r.local_out, 1);
}

Test(router, fragmented_echo_to_router_is_reassembled_and_answered)
{
	uint8_t buf[3000];
	struct icmphdr *ic = (struct icmphdr *)buf;
	struct pkt *a, *b;

	memset(buf, 0x11, sizeof(buf));
	ic->type = ICMP_ECHO;
	ic->code = 0;
	ic->checksum = 0;
	ic->checksum = csum_buf(buf, sizeof(buf));
	/* Two fragments: 1480 bytes at 0 with MF, the rest at 1480. */
	a = mk("10.1.0.2", "10.1.0.1", IPPROTO_ICMP, 64, IPV4_F_MF, buf, 1480);
	b = mk("10.1.0.2", "10.1.0.1", IPPROTO_ICMP, 64, 1480 / 8, buf + 1480, sizeof(buf) - 1480);
	router_rx(&r, b, 0);
	router_rx(&r, a, 0);
	router_flush(&r);
	/* The 3028-byte reply leaves in fragments that fit if0's 1500. */
	cr_assert_eq(cap.n, 3);
	cr_assert_eq(cap_icmp(0)->type, ICMP_ECHOREPLY);
}

Test(router, tcp_to_router_gets_rst_and_udp_port_unreachable)
{
	uint8_t seg[20];
	struct tcphdr *th = (struct tcphdr *)seg;
	struct pkt *p;

	memset(seg, 0, sizeof(seg));
	th->source = htons(40000);
	th->dest = htons(22);
	th->seq = htonl(1000);
	th->doff = 5;
	th->syn = 1;
	p = mk("10.1.0.2", "10.1.0.1", IPPROTO_TCP, 64, 0, seg, sizeof(seg));
	th = (struct tcphdr *)(p->data + 20);
	th->check = csum_fold(csum_partial(th, 20, csum_pseudo(A("10.1.0.2"), A("10.1.0.1"),
							      IPPROTO_TCP, 20)));
	router_rx(&r, p, 0);
	router_rx(&r, mk_udp("10.1.0.2", "10.1.0.1", 64, 10), 0);
	router_flush(&r);
	cr_assert_eq(cap.n, 2);
	cr_assert_eq(cap_ip(0)->protocol, IPPROTO_TCP);
	th = (struct tcphdr *)(cap.data[0] + 20);
	cr_assert(th->rst && th->ack);
	cr_assert_eq(ntohl(th->ack_seq), 1001);
	cr_assert_eq(cap_icmp(1)->type, ICMP_DEST_UNREACH);
	cr_assert_eq(cap_icmp(1)->code, ICMP_PORT_UNREACH);
	cr_assert_eq(cap_ip(1)->saddr, A("10.1.0.1"));
}

Test(router, malformed_packets_are_counted_by_reason)
{
	struct pkt *p = mk_udp("10.1.0.2", "10.2.0.2", 64, 10);

	p->data[10] ^= 0xff; /* header checksum */
	router_rx(&r, p, 0);
	p = mk_udp("10.1.0.2", "10.2.0.2", 64, 10);
	p->data[0] = 0x65; /* version 6 */
	router_rx(&r, p, 0);
	p = mk_udp("10.1.0.2", "10.2.0.2", 64, 10);
	p->len = 12;
	router_rx(&r, p, 0);
	router_flush(&r);
	cr_assert_eq(cap.n, 0);
	cr_assert_eq(r.drops.count[DROP_BAD_CSUM], 1);
	cr_assert_eq(r.drops.count[DROP_NOT_IPV4], 1);
	cr_assert_eq(r.drops.count[DROP_TRUNCATED], 1);
	cr_assert_eq(r.ifaces[0].st.rx_dropped, 3);
	cr_assert_eq(r.ifaces[0].st.rx_packets, 3);
}

Test(router, martians_are_dropped_silently)
{
	router_rx(&r, mk_udp("127.0.0.1", "10.2.0.2", 64, 10), 0);
	router_rx(&r, mk_udp("10.2.0.1", "10.2.0.2", 64, 10), 0); /* our own address */
	router_rx(&r, mk_udp("10.1.0.2", "224.0.0.5", 64, 10), 0);
	router_flush(&r);
	cr_assert_eq(cap.n, 0);
	cr_assert_eq(r.drops.count[DROP_MARTIAN_SRC], 2);
	cr_assert_eq(r.drops.count[DROP_MARTIAN_DST], 1);
}

struct verdict_handler {
	unsigned int verdict;
	unsigned int calls;
};

static unsigned int fixed_verdict(void *priv, struct pkt *p, struct router *ctx)
{
	struct verdict_handler *h = priv;

	h->calls++;
	return h->verdict;
}

Test(router, hooks_see_forwarded_and_local_packets_in_order)
{
	struct verdict_handler pre = { TF_ACCEPT, 0 }, fwd = { TF_ACCEPT, 0 },
			       in = { TF_ACCEPT, 0 }, out = { TF_ACCEPT, 0 },
			       post = { TF_ACCEPT, 0 };

	hook_register(&r.hooks, HOOK_PRE_ROUTING, 0, fixed_verdict, &pre);
	hook_register(&r.hooks, HOOK_FORWARD, 0, fixed_verdict, &fwd);
	hook_register(&r.hooks, HOOK_LOCAL_IN, 0, fixed_verdict, &in);
	hook_register(&r.hooks, HOOK_LOCAL_OUT, 0, fixed_verdict, &out);
	hook_register(&r.hooks, HOOK_POST_ROUTING, 0, fixed_verdict, &post);
	router_rx(&r, mk_udp("10.1.0.2", "10.2.0.2", 64, 10), 0);  /* forwarded */
	router_rx(&r, mk_echo("10.1.0.2", "10.1.0.1", 64, 0, 8), 0); /* local, answered */
	router_flush(&r);
	cr_assert_eq(pre.calls, 2);
	cr_assert_eq(fwd.calls, 1);
	cr_assert_eq(in.calls, 1);
	cr_assert_eq(out.calls, 1);
	cr_assert_eq(post.calls, 2);
	cr_assert_eq(cap.n, 2);
}

Test(router, forward_drop_and_queue_are_counted)
{
	struct verdict_handler h = { TF_DROP, 0 };

	hook_register(&r.hooks, HOOK_FORWARD, 0, fixed_verdict, &h);
	router_rx(&r, mk_udp("10.1.0.2", "10.2.0.2", 64, 10), 0);
	h.verdict = TF_QUEUE;
	router_rx(&r, mk_udp("10.1.0.2", "10.2.0.2", 64, 10), 0);
	router_flush(&r);
	cr_assert_eq(cap.n, 0);
	cr_assert_eq(r.drops.count[DROP_HOOK_DROP], 1);
	cr_assert_eq(r.drops.count[DROP_QUEUE_NO_CONSUMER], 1);
}

Test(router, icmp_errors_are_rate_limited_when_configured)
{
	struct router_config cfg = r.cfg;
	unsigned int i;

	cfg.icmp = (struct icmp_limit_config){ 0, 1000, 5, 0x1818 }; /* global: burst 5 */
	cr_assert_eq(router_configure(&r, &cfg), 0);
	for (i = 0; i < 20; i++) {
		router_rx(&r, mk_udp("10.1.0.2", "10.99.0.1", 64, 10), 0);
		router_flush(&r);
	}
	cr_assert_eq(cap.n, 5);
	cr_assert_eq(r.drops.count[DROP_ICMP_RATELIMIT], 15);
	cr_assert_eq(r.drops.count[DROP_NO_ROUTE], 20);
}

Test(router, defrag_setting_reassembles_forwarded_fragments_and_keeps_shape)
{
	struct router_config cfg = r.cfg;
	uint8_t buf[2000];
	unsigned int i;

	cfg.defrag = true;
	cr_assert_eq(router_configure(&r, &cfg), 0);
	memset(buf, 0x33, sizeof(buf));
	/* 1000 + 1000 bytes; if1's MTU (1280) could carry more, but the
	 * reassembled datagram leaves in fragments no larger than it came. */
	router_rx(&r, mk("10.1.0.2", "10.2.0.2", IPPROTO_UDP, 64, IPV4_F_MF, buf, 1000), 0);
	cr_assert_eq(cap.n, 0);
	router_rx(&r, mk("10.1.0.2", "10.2.0.2", IPPROTO_UDP, 64, 1000 / 8, buf + 1000, 1000), 0);
	router_flush(&r);
	cr_assert_eq(cap.n, 2);
	for (i = 0; i < cap.n; i++) {
		cr_assert_leq(cap.len[i], 1020);
		cr_assert_eq(cap_ip(i)->ttl, 63);
	}
}

static unsigned int queue_bypass(void *priv, struct pkt *p, struct router *ctx)
{
	p->flags |= PKT_F_QUEUE_BYPASS;
	return TF_QUEUE;
}

Test(router, queue_with_bypass_goes_on_when_nobody_listens)
{
	struct verdict_handler after = { TF_ACCEPT, 0 };

	hook_register(&r.hooks, HOOK_FORWARD, 0, queue_bypass, NULL);
	hook_register(&r.hooks, HOOK_FORWARD, 1, fixed_verdict, &after);
	router_rx(&r, mk_udp("10.1.0.2", "10.2.0.2", 64, 10), 0);
	router_flush(&r);
	cr_assert_eq(cap.n, 1, "the packet is forwarded");
	cr_assert_eq(after.calls, 1, "traversal resumed after the queueing handler");
	cr_assert_eq(r.drops.count[DROP_QUEUE_NO_CONSUMER], 0);
}

Test(router, all_hosts_multicast_is_delivered_other_groups_dropped)
{
	struct verdict_handler in = { TF_ACCEPT, 0 };

	hook_register(&r.hooks, HOOK_LOCAL_IN, 0, fixed_verdict, &in);
	router_rx(&r, mk_udp("10.1.0.2", "224.0.0.1", 1, 10), 0);
	router_rx(&r, mk_udp("0.0.0.0", "224.0.0.1", 1, 10), 0); /* zero source: fine */
	router_rx(&r, mk_udp("10.1.0.2", "224.0.0.251", 1, 10), 0);
	router_flush(&r);
	cr_assert_eq(in.calls, 2, "224.0.0.1 reaches LOCAL_IN");
	cr_assert_eq(cap.n, 0, "no answer to a multicast destination");
	cr_assert_eq(r.drops.count[DROP_MARTIAN_DST], 1, "a group we are not in");
}

Test(router, subnet_broadcast_source_is_forwarded_but_gets_no_errors)
{
	router_rx(&r, mk_udp("10.1.0.255", "10.2.0.2", 64, 10), 0);
	router_rx(&r, mk_udp("10.1.0.255", "10.2.0.2", 1, 10), 0); /* would be time exceeded */
	router_flush(&r);
	cr_assert_eq(cap.n, 1);
	cr_assert_eq(cap.oif[0], 1);
	cr_assert_eq(r.drops.count[DROP_TTL_EXPIRED], 1);
	cr_assert_eq(r.drops.count[DROP_MARTIAN_SRC], 0);
}

Test(router, reply_with_no_route_back_never_reaches_local_out)
{
	struct verdict_handler out = { TF_ACCEPT, 0 };

	hook_register(&r.hooks, HOOK_LOCAL_OUT, 0, fixed_verdict, &out);
	router_rx(&r, mk_echo("10.3.0.9", "10.1.0.1", 64, 0, 8), 0); /* no route to 10.3.0.9 */
	router_flush(&r);
	cr_assert_eq(cap.n, 0);
	cr_assert_eq(out.calls, 0, "OUTPUT rules never see it, as in the kernel");
	cr_assert_eq(r.drops.count[DROP_NO_ROUTE], 1);
	cr_assert_eq(r.local_out, 0);
}

/* ---- IPv4 options on the packet path (ip_rcv_options, ip_forward_options,
 * ip_options_echo), each case as Linux 6.18 answered it ---- */

/* Insert n bytes of options (a multiple of 4) after p's fixed header. */
static struct pkt *with_opts(struct pkt *p, const uint8_t *opts, size_t n)
{
	struct iphdr *ip = (struct iphdr *)p->data;

	memmove(p->data + 20 + n, p->data + 20, p->len - 20);
	memcpy(p->data + 20, opts, n);
	p->len += (uint32_t)n;
	ip->ihl = (uint8_t)(5 + n / 4);
	ip->tot_len = htons((uint16_t)p->len);
	ipv4_set_csum(ip);
	return p;
}

static const uint8_t opt_rr[12] = { 7, 11, 4 };

Test(router, record_route_gets_the_output_address_when_forwarded)
{
	static const uint8_t want[12] = { 7, 11, 8, 10, 2, 0, 1 };

	router_rx(&r, with_opts(mk_udp("10.1.0.2", "10.2.0.2", 64, 8), opt_rr, 12), 0);
	router_flush(&r);
	cr_assert_eq(cap.n, 1);
	cr_assert_eq(cap.oif[0], 1);
	cr_assert_eq(memcmp(cap.data[0] + 20, want, 12), 0);
	assert_ip_csum(0);
}

Test(router, record_route_is_filled_on_a_first_fragment)
{
	static const uint8_t want[12] = { 7, 11, 8, 10, 1, 0, 1 };
	struct pkt *p = with_opts(mk_udp("10.2.0.2", "10.1.0.2", 64, 8), opt_rr, 12);

	ipv4_hdr(p)->frag_off = htons(IPV4_F_MF);
	ipv4_set_csum(ipv4_hdr(p));
	router_rx(&r, p, 1);
	router_flush(&r);
	cr_assert_eq(cap.n, 1);
	cr_assert_eq(memcmp(cap.data[0] + 20, want, 12), 0);
	assert_ip_csum(0);
}

Test(router, source_routes_are_dropped_silently)
{
	static const uint8_t lsrr[8] = { 131, 7, 4, 10, 2, 0, 2 },
			     ssrr[8] = { 137, 7, 4, 10, 2, 0, 2 };

	router_rx(&r, with_opts(mk_udp("10.1.0.2", "10.2.0.2", 64, 8), lsrr, 8), 0);
	router_rx(&r, with_opts(mk_udp("10.1.0.2", "10.2.0.2", 64, 8), ssrr, 8), 0);
	router_rx(&r, with_opts(mk_echo("10.1.0.2", "10.1.0.1", 64, 0, 8), lsrr, 8), 0);
	router_flush(&r);
	cr_assert_eq(cap.n, 0);
	cr_assert_eq(r.drops.count[DROP_SOURCE_ROUTE], 3);
	cr_assert_eq(r.forwarded, 0);
}

/* Seen by PRE_ROUTING first: the kernel looks at options after it. */
static unsigned int count_hook(void *priv, struct pkt *p, struct router *rt)
{
	(*(unsigned int *)priv)++;
	return TF_ACCEPT;
}

Test(router, bad_options_get_parameter_problem_pointing_at_the_byte)
{
	static const struct {
		uint8_t opts[8];
		uint8_t n, ptr;
	} cases[] = {
		{ { 68, 4, 4, 0 }, 4, 22 },             /* timestamp of length 4 */
		{ { 148, 3, 0, 0 }, 4, 21 },            /* router alert of length 3 */
		{ { 1, 1, 1, 1, 7, 0, 0, 0 }, 8, 24 },  /* length past the header */
	};
	unsigned int seen = 0;

	cr_assert_eq(hook_register(&r.hooks, HOOK_PRE_ROUTING, 0, count_hook, &seen), 0);
	for (unsigned int i = 0; i < 3; i++) {
		struct pkt *p = with_opts(mk_udp("10.1.0.2", "10.2.0.2", 64, 8), cases[i].opts,
					  cases[i].n);

		router_rx(&r, p, 0);
	}
	router_flush(&r);
	cr_assert_eq(seen, 3);
	cr_assert_eq(cap.n, 3);
	for (unsigned int i = 0; i < 3; i++) {
		cr_assert_eq(cap.oif[i], 0);
		cr_assert_eq(cap_icmp(i)->type, ICMP_PARAMETERPROB);
		cr_assert_eq(cap_icmp(i)->code, 0);
		cr_assert_eq(ntohl(cap_icmp(i)->un.gateway), (uint32_t)cases[i].ptr << 24,
			     "case %u: pointer", i);
	}
	cr_assert_eq(r.drops.count[DROP_BAD_OPTIONS], 3);
	hook_unregister(&r.hooks, HOOK_PRE_ROUTING, count_hook, &seen);
}

Test(router, echo_reply_echoes_record_route_and_timestamp)
{
	static const uint8_t ts[12] = { 68, 12, 5, 0 };
	static const uint8_t want_rr[12] = { 7, 11, 12, 10, 1, 0, 1, 10, 1, 0, 1 };
	uint32_t t = htonl(4242);

	router_set_clock(&r, 1000000, 4242);
	router_rx(&r, with_opts(mk_echo("10.1.0.2", "10.1.0.1", 64, 0, 8), opt_rr, 12), 0);
	router_rx(&r, with_opts(mk_echo("10.1.0.2", "10.1.0.1", 64, 0, 8), ts, 12), 0);
	router_flush(&r);
	cr_assert_eq(cap.n, 2);
	cr_assert_eq(cap_ip(0)->ihl, 8);
	cr_assert_eq(memcmp(cap.data[0] + 20, want_rr, 12), 0);
	cr_assert_eq(cap_icmp(0)->type, ICMP_ECHOREPLY);
	cr_assert_eq(csum_buf(cap_icmp(0), cap.len[0] - 32), 0);
	assert_ip_csum(0);
	cr_assert_eq(cap.data[1][22], 13, "two slots stamped");
	cr_assert_eq(memcmp(cap.data[1] + 24, &t, 4), 0);
	cr_assert_eq(memcmp(cap.data[1] + 28, &t, 4), 0);
	assert_ip_csum(1);
}

Test(router, errors_echo_options_of_the_original)
{
	static const uint8_t want_rr[12] = { 7, 11, 12, 10, 1, 0, 1, 10, 1, 0, 1 };
	struct pkt *p;

	/* Time exceeded and port unreachable: our address twice, once from
	 * receiving, once as the error's source. */
	router_rx(&r, with_opts(mk_udp("10.1.0.2", "10.2.0.2", 1, 8), opt_rr, 12), 0);
	p = with_opts(mk_udp("10.1.0.2", "10.1.0.1", 64, 8), opt_rr, 12);
	router_rx(&r, p, 0);
	router_flush(&r);
	cr_assert_eq(cap.n, 2);
	cr_assert_eq(cap_icmp(0)->type, ICMP_TIME_EXCEEDED);
	cr_assert_eq(cap_icmp(1)->type, ICMP_DEST_UNREACH);
	for (unsigned int i = 0; i < 2; i++) {
		cr_assert_eq(cap_ip(i)->ihl, 8);
		cr_assert_eq(memcmp(cap.data[i] + 20, want_rr, 12), 0, "error %u", i);
		assert_ip_csum(i);
		/* The quote is the original as received, pointer moved on. */
		cr_assert_eq(cap.data[i][32 + 8 + 22], 8);
	}
}

Test(router, unreachable_about_a_filled_in_forwarded_packet_is_not_sent)
{
	static const uint8_t full[12] = { 7, 11, 12, 10, 10, 10, 10, 11, 11, 11, 11 };

	router_rx(&r, with_opts(mk_udp("10.1.0.2", "10.9.0.1", 64, 8), opt_rr, 12), 0);
	router_flush(&r);
	cr_assert_eq(cap.n, 0);
	cr_assert_eq(r.drops.count[DROP_NO_ROUTE], 1);
	/* A full record route was not touched: the error goes, echoing it. */
	router_rx(&r, with_opts(mk_udp("10.1.0.2", "10.9.0.1", 64, 8), full, 12), 0);
	router_flush(&r);
	cr_assert_eq(cap.n, 1);
	cr_assert_eq(cap_icmp(0)->type, ICMP_DEST_UNREACH);
	cr_assert_eq(memcmp(cap.data[0] + 20, full, 12), 0);
}

Test(router, no_answer_when_the_options_cannot_be_echoed)
{
	/* Record route of 9 bytes: after our slot, 1 byte short of another. */
	static const uint8_t rr9[12] = { 7, 9, 4 };

	router_rx(&r, with_opts(mk_echo("10.1.0.2", "10.1.0.1", 64, 0, 8), rr9, 12), 0);
	router_rx(&r, with_opts(mk_udp("10.1.0.2", "10.1.0.1", 64, 8), rr9, 12), 0);
	router_flush(&r);
	cr_assert_eq(cap.n, 0);
}

/* ---- [local]: a host TUN whose other side is the gateway's kernel ---- */

static int host_add(void)
{
	int idx = router_iface_add(&r, "host", 0, 0, 1500, -1);

	cr_assert_eq(idx, 2);
	router_host_set(&r, idx);
	return idx;
}

Test(router, host_stack_gets_what_the_builtin_stack_does_not_answer)
{
	struct verdict_handler in = { TF_ACCEPT, 0 }, post = { TF_ACCEPT, 0 };
	int host = host_add();

	hook_register(&r.hooks, HOOK_LOCAL_IN, 0, fixed_verdict, &in);
	hook_register(&r.hooks, HOOK_POST_ROUTING, 0, fixed_verdict, &post);
	router_rx(&r, mk_udp("10.1.0.2", "10.1.0.1", 64, 10), 0);
	router_rx(&r, mk_udp("10.2.0.2", "10.2.0.1", 64, 10), 1);
	router_rx(&r, mk_echo("10.1.0.2", "10.1.0.1", 64, 0, 8), 0);
	router_flush(&r);
	cr_assert_eq(in.calls, 3);
	cr_assert_eq(cap.n, 3);
	/* Both UDP datagrams unchanged into the host TUN (no TTL decrement,
	 * no port unreachable); the echo answered by the built-in stack. */
	cr_assert_eq(cap.oif[0], 0);
	cr_assert_eq(cap_icmp(0)->type, ICMP_ECHOREPLY);
	cr_assert_eq(cap.oif[1], host);
	cr_assert_eq(cap_ip(1)->ttl, 64);
	cr_assert_eq(cap_ip(1)->daddr, A("10.1.0.1"));
	cr_assert_eq(cap.oif[2], host);
	cr_assert_eq(cap_ip(2)->daddr, A("10.2.0.1"));
	/* Delivered, not sent: only the echo reply passed POST_ROUTING. */
	cr_assert_eq(post.calls, 1);
	cr_assert_eq(r.local_in, 3);
}

Test(router, broadcast_is_not_given_to_the_host_stack)
{
	host_add();
	router_rx(&r, mk_udp("10.1.0.2", "10.1.0.255", 64, 10), 0);
	router_flush(&r);
	cr_assert_eq(cap.n, 0);
	cr_assert_eq(r.drops.count[DROP_LOCAL_PROTO], 1);
}

Test(router, host_stack_output_starts_at_local_out)
{
	struct verdict_handler pre = { TF_ACCEPT, 0 }, fwd = { TF_ACCEPT, 0 },
			       out = { TF_ACCEPT, 0 }, post = { TF_ACCEPT, 0 };
	int host = host_add();

	hook_register(&r.hooks, HOOK_PRE_ROUTING, 0, fixed_verdict, &pre);
	hook_register(&r.hooks, HOOK_FORWARD, 0, fixed_verdict, &fwd);
	hook_register(&r.hooks, HOOK_LOCAL_OUT, 0, fixed_verdict, &out);
	hook_register(&r.hooks, HOOK_POST_ROUTING, 0, fixed_verdict, &post);
	router_rx(&r, mk_udp("10.2.0.1", "10.2.0.2", 64, 10), host);
	router_rx(&r, mk_udp("10.1.0.1", "10.20.3.4", 64, 10), host);
	router_flush(&r);
	cr_assert_eq(pre.calls, 0);
	cr_assert_eq(fwd.calls, 0);
	cr_assert_eq(out.calls, 2);
	cr_assert_eq(post.calls, 2);
	cr_assert_eq(cap.n, 2);
	cr_assert_eq(cap.oif[0], 1);
	cr_assert_eq(cap_ip(0)->ttl, 64, "locally generated: no TTL decrement");
	cr_assert_eq(cap.oif[1], 1);
	cr_assert_eq(r.local_out, 2);
	cr_assert_eq(r.forwarded, 0);
	cr_assert_eq(r.ifaces[host].st.rx_packets, 2);
}

Test(router, host_stack_output_is_validated_and_not_looped_back)
{
	int host = host_add();
	struct pkt *bad = mk_udp("10.1.0.1", "10.2.0.2", 64, 10);

	bad->data[10] ^= 0xff; /* header checksum */
	router_rx(&r, bad, host);
	router_rx(&r, mk_udp("10.1.0.1", "10.2.0.1", 64, 10), host);
	router_flush(&r);
	cr_assert_eq(cap.n, 0);
	cr_assert_eq(r.ifaces[host].st.rx_dropped, 1);
	cr_assert_eq(r.drops.count[DROP_MARTIAN_DST], 1);
}

Test(router, removing_the_host_tun_restores_the_builtin_stack)
{
	router_iface_remove(&r, host_add());
	cr_assert_eq(r.host_if, -1);
	router_rx(&r, mk_udp("10.1.0.2", "10.1.0.1", 64, 10), 0);
	router_flush(&r);
	cr_assert_eq(cap.n, 1);
	cr_assert_eq(cap_icmp(0)->type, ICMP_DEST_UNREACH);
}

/* The host kernel routed it to us already: OUTPUT sees a destination we
 * have no route for (a DNAT there may make it reachable); without one it
 * dies after LOCAL_OUT, not before as a packet of the built-in stack. */
Test(router, host_stack_output_without_route_still_sees_local_out)
{
	struct verdict_handler out = { TF_ACCEPT, 0 };
	int host = host_add();

	hook_register(&r.hooks, HOOK_LOCAL_OUT, 0, fixed_verdict, &out);
	router_rx(&r, mk_udp("10.1.0.1", "203.0.113.80", 64, 10), host);
	router_flush(&r);
	cr_assert_eq(out.calls, 1);
	cr_assert_eq(cap.n, 0);
	cr_assert_eq(r.drops.count[DROP_NO_ROUTE], 1);
}

static unsigned int to_loopback(void *priv, struct pkt *p, struct router *ctx)
{
	ipv4_hdr(p)->daddr = htonl(0x7f000001);
	return TF_ACCEPT;
}

/* REDIRECT in OUTPUT aims at 127.0.0.1: not out of a link by the default
 * route, with or without a host stack. */
Test(router, local_out_to_loopback_never_leaves)
{
	struct route_table *t = route_table_new();
	int host = host_add();

	cr_assert_eq(route_add(t, 0, 0, ROUTE_STATIC, 1), 0);
	cr_assert_eq(router_fib_add_connected(&r, t), 0);
	router_fib_replace(&r, t);
	hook_register(&r.hooks, HOOK_LOCAL_OUT, 0, to_loopback, NULL);
	router_rx(&r, mk_udp("10.1.0.1", "10.2.0.2", 64, 10), host);
	router_rx(&r, mk_echo("10.1.0.2", "10.1.0.1", 64, 0, 8), 0);
	router_flush(&r);
	cr_assert_eq(cap.n, 0);
	cr_assert_eq(r.drops.count[DROP_MARTIAN_DST], 2);
}
