// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The queue subsystem without sockets: a router whose FORWARD hook queues
 * every packet (handler "q", priority 0; handler "after", priority 10,
 * counts what resumes behind it), a queue table with recording ops, and
 * consumers fed encoded messages through queue_consumer_input() and read
 * through queue_consumer_fill()/queue_consumer_sent(), as the server does.
 *
 *   10.1.0.2 --- if0 [10.1.0.1/24]  router  [10.2.0.1/24] if1 --- 10.2.0.2
 *
 * Every test ends with every packet buffer back in the pool.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include "conntrack/entry.h"
#include "core/csum.h"
#include "core/hook.h"
#include "core/ipv4.h"
#include "core/router.h"
#include "queue/queue.h"
#include "queue/wire.h"

#define CAP_MAX 512
#define POOL 256

struct capture {
	uint8_t data[CAP_MAX][256];
	uint32_t len[CAP_MAX];
	uint32_t mark[CAP_MAX];
	unsigned int n;
};

static struct capture cap;
static struct router r;
static struct queue_table *qt;
static unsigned int q_calls, after_calls, kicks, arms;
static uint64_t armed_at;
static uint16_t q_num;      /* the queue handler "q" sends to */
static bool q_bypass;

static int cap_xmit(struct router *rt, struct iface *ifc, struct pkt *p)
{
	if (cap.n < CAP_MAX) {
		memcpy(cap.data[cap.n], p->data, p->len < 256 ? p->len : 256);
		cap.len[cap.n] = p->len;
		cap.mark[cap.n] = p->mark;
		cap.n++;
	}
	pkt_free(&rt->pool, p);
	return 0;
}

static const struct router_ops cap_ops = { .xmit = cap_xmit };

/* Queue everything, except what carries mark 7 (REPEAT's way out). */
static unsigned int h_queue(void *priv, struct pkt *p, struct router *rt)
{
	q_calls++;
	if (p->mark == 7)
		return TF_ACCEPT;
	p->queue_num = q_num;
	if (q_bypass)
		p->flags |= PKT_F_QUEUE_BYPASS;
	return TF_QUEUE;
}

static unsigned int h_after(void *priv, struct pkt *p, struct router *rt)
{
	after_calls++;
	return TF_ACCEPT;
}

static void t_kick(void *arg, struct queue_consumer *c)
{
	kicks++;
}

static void t_arm(void *arg, uint64_t deadline)
{
	arms++;
	armed_at = deadline;
}

static const struct queue_ops t_ops = { .kick = t_kick, .arm = t_arm };

static uint32_t A(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static void setup(void)
{
	struct router_config cfg = {
		.pool_size = POOL,
		.defrag_cfg = { .max_memory = 1 << 20, .timeout_ms = 30000, .max_queues = 64 },
		.icmp = { 0, 0, 50, 0x1818 },
	};
	struct route_table *t;

	memset(&cap, 0, sizeof(cap));
	q_calls = after_calls = kicks = arms = 0;
	armed_at = 0;
	q_num = 0;
	q_bypass = false;
	cr_assert_eq(router_init(&r, &cfg, &cap_ops, NULL), 0);
	cr_assert_eq(router_iface_add(&r, "if0", A("10.1.0.1"), 24, 1500, -1), 0);
	cr_assert_eq(router_iface_add(&r, "if1", A("10.2.0.1"), 24, 1500, -1), 1);
	r.ifaces[0].up = r.ifaces[1].up = true;
	t = route_table_new();
	cr_assert_eq(router_fib_add_connected(&r, t), 0);
	router_fib_replace(&r, t);
	router_set_clock(&r, 1000000, 0);
	cr_assert_eq(hook_register(&r.hooks, HOOK_FORWARD, 0, h_queue, NULL), 0);
	cr_assert_eq(hook_register(&r.hooks, HOOK_FORWARD, 10, h_after, NULL), 0);
	cr_assert_eq(queue_table_new(&qt, &r, &t_ops, NULL), 0);
	cr_assert_eq(r.queue_arg, qt);
}

static void teardown(void)
{
	queue_table_free(qt);
	router_flush(&r);
	cr_expect_eq(r.pool.avail, r.pool.count, "every buffer back in the pool (%u of %u)",
		     r.pool.avail, r.pool.count);
	router_fini(&r);
}

TestSuite(queue, .init = setup, .fini = teardown);

/* ---- packets ---- */

/* A UDP packet 10.1.0.2:1000 -> 10.2.0.2:2000 with n payload bytes of val,
 * its checksums right, in through if0. */
static void send_udp(uint16_t id, unsigned int n, uint8_t val)
{
	struct pkt *p = pkt_alloc(&r.pool);
	struct iphdr *ip;
	struct udphdr *uh;
	uint16_t sum;

	cr_assert_not_null(p);
	p->len = 28 + n;
	memset(p->data, 0, p->len);
	ip = (struct iphdr *)p->data;
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons((uint16_t)p->len);
	ip->id = htons(id);
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = A("10.1.0.2");
	ip->daddr = A("10.2.0.2");
	ipv4_set_csum(ip);
	uh = (struct udphdr *)(p->data + 20);
	uh->source = htons(1000);
	uh->dest = htons(2000);
	uh->len = htons((uint16_t)(8 + n));
	memset(p->data + 28, val, n);
	sum = csum_fold(csum_partial(uh, 8 + n, csum_pseudo(ip->saddr, ip->daddr, IPPROTO_UDP,
							      (uint16_t)(8 + n))));
	uh->check = sum ? sum : 0xffff;
	router_rx(&r, p, 0);
	router_flush(&r);
}

static bool l4_csum_ok(const uint8_t *pk, uint32_t len)
{
	const struct iphdr *ip = (const struct iphdr *)pk;
	uint16_t l4 = (uint16_t)(len - ip->ihl * 4u);

	return csum_fold(csum_partial(pk + ip->ihl * 4u, l4,
				      csum_pseudo(ip->saddr, ip->daddr, ip->protocol, l4))) == 0;
}

/* ---- consumer side ---- */

static uint32_t next_seq = 100;

static int c_send(struct queue_consumer *c, struct queue_wire_msg *m)
{
	uint8_t buf[TFQ_MAX_TO_DAEMON];
	char err[300];
	size_t len = queue_wire_encode(m, buf, sizeof(buf));
	int rc;

	cr_assert_gt(len, 0);
	rc = queue_consumer_input(c, buf, len, err, sizeof(err));
	router_flush(&r);
	return rc;
}

static int c_req(struct queue_consumer *c, uint16_t type, uint16_t num, uint8_t mode,
		 uint32_t range)
{
	struct queue_wire_msg m;

	memset(&m, 0, sizeof(m));
	m.hdr.type = type;
	m.hdr.seq = next_seq++;
	m.u.req.queue = num;
	m.u.req.copy_mode = mode;
	m.u.req.copy_range = range;
	return c_send(c, &m);
}

static int c_verdict(struct queue_consumer *c, uint16_t type, uint16_t num, uint32_t id,
		     uint8_t verdict, const uint32_t *mark, const void *payload, uint32_t plen)
{
	struct queue_wire_msg m;

	memset(&m, 0, sizeof(m));
	m.hdr.type = type;
	m.u.verdict.queue = num;
	m.u.verdict.id = id;
	m.u.verdict.verdict = verdict;
	if (mark) {
		m.u.verdict.flags = TFQ_VF_MARK;
		m.u.verdict.mark = *mark;
	}
	m.data = payload;
	m.data_len = plen;
	return c_send(c, &m);
}

struct rx {
	struct queue_wire_msg m[64];
	uint8_t buf[64][2048];
	unsigned int n;
};

/* Everything c has to send (at most max per fill), decoded. */
static void c_recv_max(struct queue_consumer *c, struct rx *rx, unsigned int max)
{
	static struct queue_tx tx[64];
	unsigned int n, i;

	rx->n = 0;
	while ((n = queue_consumer_fill(c, tx, max, 0)) > 0) {
		for (i = 0; i < n && rx->n < 64; i++) {
			uint8_t *b = rx->buf[rx->n];
			size_t len = tx[i].iov[0].iov_len;
			char err[300];

			cr_assert_leq(len + tx[i].iov[1].iov_len, sizeof(rx->buf[0]));
			memcpy(b, tx[i].iov[0].iov_base, len);
			if (tx[i].iov[1].iov_len)
				memcpy(b + len, tx[i].iov[1].iov_base, tx[i].iov[1].iov_len);
			len += tx[i].iov[1].iov_len;
			cr_assert_eq(queue_wire_decode(b, len, QUEUE_WIRE_TO_CONSUMER,
						       &rx->m[rx->n], err, sizeof(err)),
				     0, "%s", err);
			rx->n++;
		}
		queue_consumer_sent(c, tx, n);
		if (max < 64)
			break;
	}
}

static void c_recv(struct queue_consumer *c, struct rx *rx)
{
	c_recv_max(c, rx, 64);
}

static struct queue_consumer *c_bound(uint16_t num)
{
	struct queue_consumer *c = queue_consumer_new(qt, 4242, 0, NULL);
	struct rx rx;

	cr_assert_not_null(c);
	cr_assert_eq(c_req(c, TFQ_MSG_BIND, num, TFQ_COPY_DEFAULT, 0), 0);
	c_recv(c, &rx);
	cr_assert_eq(rx.n, 1);
	cr_assert_eq(rx.m[0].hdr.type, TFQ_MSG_ACK);
	cr_assert_eq(rx.m[0].u.ack.error, 0);
	return c;
}

struct find {
	uint16_t num;
	struct queue_stats s;
	bool found;
};

static int find_cb(const struct queue_stats *s, void *arg)
{
	struct find *f = arg;

	if (s->num != f->num)
		return 0;
	f->s = *s;
	f->found = true;
	return 1;
}

static struct queue_stats stats(uint16_t num)
{
	struct find f = { .num = num };

	queue_table_walk(qt, find_cb, &f);
	cr_assert(f.found, "queue %u exists", num);
	return f.s;
}

static void configure(uint16_t num, uint32_t maxlen, bool fail_open, unsigned int dflt,
		      uint32_t timeout_ms)
{
	static struct queue_num_settings one;
	struct queue_table_config tc = { .defaults = QUEUE_SETTINGS_DEFAULTS, .nums = &one,
					 .n_nums = 1 };

	one.num = num;
	one.s = tc.defaults;
	one.s.maxlen = maxlen;
	one.s.fail_open = fail_open;
	one.s.default_verdict = dflt;
	one.s.timeout_ms = timeout_ms;
	cr_assert_eq(queue_table_configure(qt, &tc), 0);
}

/* ---- requests ---- */

Test(queue, bind_unbind_answers)
{
	struct queue_consumer *a = c_bound(3), *b = queue_consumer_new(qt, 1, 1, NULL);
	struct rx rx;

	cr_assert_eq(c_req(b, TFQ_MSG_BIND, 3, TFQ_COPY_META, 0), 0);
	cr_assert_eq(c_req(b, TFQ_MSG_UNBIND, 3, 0, 0), 0);
	cr_assert_eq(c_req(b, TFQ_MSG_COPY_MODE, 3, TFQ_COPY_NONE, 0), 0);
	cr_assert_eq(c_req(b, TFQ_MSG_BIND, 4, TFQ_COPY_PACKET, 64), 0);
	c_recv(b, &rx);
	cr_assert_eq(rx.n, 4);
	cr_expect_eq(rx.m[0].u.ack.error, EBUSY, "queue 3 is a's");
	cr_expect_eq(rx.m[1].u.ack.error, ENOENT, "b has not bound 3");
	cr_expect_eq(rx.m[2].u.ack.error, ENOENT);
	cr_expect_eq(rx.m[3].u.ack.error, 0);
	cr_expect_eq(rx.m[3].hdr.seq, rx.m[0].hdr.seq + 3, "ACKs echo the request numbers");
	cr_expect_eq(stats(4).copy_range, 64);
	/* Binding again only changes the copy mode. */
	cr_assert_eq(c_req(a, TFQ_MSG_BIND, 3, TFQ_COPY_META, 0), 0);
	c_recv(a, &rx);
	cr_expect_eq(rx.m[0].u.ack.error, 0);
	cr_expect_eq(stats(3).copy_mode, TFQ_COPY_META);
	cr_expect_eq(stats(3).pid, 4242);
	queue_consumer_free(a);
	cr_expect_not(stats(3).bound);
	cr_expect_eq(stats(3).copy_mode, TFQ_COPY_PACKET, "back to the configured mode");
	queue_consumer_free(b);
}

/* ---- verdicts ---- */

Test(queue, packet_message_and_accept_resume_after_the_queueing_handler)
{
	struct queue_consumer *c = c_bound(0);
	const struct tfq_packet_msg *pm;
	struct rx rx;

	send_udp(1, 10, 0xaa);
	cr_expect_eq(cap.n, 0, "parked");
	cr_expect_geq(kicks, 1);
	cr_expect_eq(arms, 1);
	cr_expect_eq(armed_at, 1000000 + 5000, "default timeout 5 s");
	c_recv(c, &rx);
	cr_assert_eq(rx.n, 1);
	pm = &rx.m[0].u.packet;
	cr_expect_eq(rx.m[0].hdr.type, TFQ_MSG_PACKET);
	cr_expect_eq(pm->id, 1);
	cr_expect_eq(pm->queue, 0);
	cr_expect_eq(pm->hook, TFQ_HOOK_FORWARD);
	cr_expect_eq(pm->orig_len, 38);
	cr_expect_eq(pm->in_index, 0);
	cr_expect_str_eq(pm->in_name, "if0");
	cr_expect_eq(pm->out_index, 1);
	cr_expect_str_eq(pm->out_name, "if1");
	cr_expect_eq(pm->ct_state, TFQ_CT_UNTRACKED);
	cr_expect_eq(rx.m[0].data_len, 38);
	cr_expect_eq(rx.m[0].data[37], 0xaa);
	cr_expect_eq(stats(0).pending, 1);
	cr_expect_eq(stats(0).unsent, 0);

	cr_assert_eq(c_verdict(c, TFQ_MSG_VERDICT, 0, 1, TFQ_ACCEPT, NULL, NULL, 0), 0);
	cr_expect_eq(cap.n, 1, "forwarded");
	cr_expect_eq(q_calls, 1, "not run again on ACCEPT");
	cr_expect_eq(after_calls, 1, "resumed at the next handler");
	cr_expect_eq(stats(0).accepted, 1);
	cr_expect_eq(stats(0).pending, 0);
	queue_consumer_free(c);
}

/* A tracked packet carries its conntrack state and entry id. */
static unsigned int h_track(void *priv, struct pkt *p, struct router *rt)
{
	p->ct = priv;
	p->ctinfo = CT_ESTABLISHED_REPLY;
	return TF_ACCEPT;
}

Test(queue, conntrack_state_and_id)
{
	static struct ct_entry e = { .id = 4711 };
	struct queue_consumer *c;
	struct rx rx;

	cr_assert_eq(hook_register(&r.hooks, HOOK_FORWARD, -200, h_track, &e), 0);
	c = c_bound(0);
	send_udp(1, 1, 0);
	c_recv(c, &rx);
	cr_assert_eq(rx.n, 1);
	cr_expect_eq(rx.m[0].u.packet.flags & TFQ_PF_CT, TFQ_PF_CT);
	cr_expect_eq(rx.m[0].u.packet.ct_state, TFQ_CT_ESTABLISHED_REPLY);
	cr_expect_eq(rx.m[0].u.packet.ct_id, 4711);
	cr_assert_eq(c_verdict(c, TFQ_MSG_VERDICT, 0, 1, TFQ_ACCEPT, NULL, NULL, 0), 0);
	queue_consumer_free(c);
}

static unsigned int extra_calls;

static unsigned int h_extra(void *priv, struct pkt *p, struct router *rt)
{
	extra_calls++;
	return TF_ACCEPT;
}

/* A reload may register or remove handlers while packets wait: they
 * resume after the handler that queued them, wherever it is now. */
Test(queue, hook_list_changes_while_parked)
{
	struct queue_consumer *c = c_bound(0);
	struct rx rx;

	extra_calls = 0;
	send_udp(1, 1, 0);
	c_recv(c, &rx);
	cr_assert_eq(hook_register(&r.hooks, HOOK_FORWARD, -50, h_extra, NULL), 0);
	cr_assert_eq(c_verdict(c, TFQ_MSG_VERDICT, 0, 1, TFQ_ACCEPT, NULL, NULL, 0), 0);
	cr_expect_eq(cap.n, 1);
	cr_expect_eq(q_calls, 1, "the queueing handler does not run again");
	cr_expect_eq(after_calls, 1, "the next one does");
	cr_expect_eq(extra_calls, 0, "nor does the new one before it");

	send_udp(2, 1, 0);
	c_recv(c, &rx);
	cr_assert_eq(hook_unregister(&r.hooks, HOOK_FORWARD, h_queue, NULL), 0);
	cr_assert_eq(c_verdict(c, TFQ_MSG_VERDICT, 0, 2, TFQ_ACCEPT, NULL, NULL, 0), 0);
	cr_expect_eq(cap.n, 1, "its handler is gone: dropped");
	cr_expect_eq(r.drops.count[DROP_QUEUE_UNHOOKED], 1);
	queue_consumer_free(c);
}

Test(queue, drop_verdict_counts)
{
	struct queue_consumer *c = c_bound(0);
	struct rx rx;

	send_udp(1, 10, 0);
	c_recv(c, &rx);
	cr_assert_eq(c_verdict(c, TFQ_MSG_VERDICT, 0, 1, TFQ_DROP, NULL, NULL, 0), 0);
	cr_expect_eq(cap.n, 0);
	cr_expect_eq(r.drops.count[DROP_QUEUE_DROP], 1);
	cr_expect_eq(stats(0).dropped, 1);
	queue_consumer_free(c);
}

Test(queue, repeat_with_mark_runs_the_handler_again)
{
	struct queue_consumer *c = c_bound(0);
	uint32_t mark = 7;
	struct rx rx;

	send_udp(1, 10, 0);
	c_recv(c, &rx);
	cr_assert_eq(c_verdict(c, TFQ_MSG_VERDICT, 0, 1, TFQ_REPEAT, &mark, NULL, 0), 0);
	cr_expect_eq(q_calls, 2, "the queueing handler runs again");
	cr_expect_eq(after_calls, 1);
	cr_assert_eq(cap.n, 1);
	cr_expect_eq(cap.mark[0], 7);
	cr_expect_eq(stats(0).repeated, 1);
	queue_consumer_free(c);
}

Test(queue, repeat_without_mark_queues_again_with_a_new_id)
{
	struct queue_consumer *c = c_bound(0);
	struct rx rx;

	send_udp(1, 10, 0);
	send_udp(2, 10, 0);
	c_recv(c, &rx);
	cr_assert_eq(rx.n, 2);
	/* The batch meets the packets queued again behind it and stops. */
	cr_assert_eq(c_verdict(c, TFQ_MSG_VERDICT_BATCH, 0, 2, TFQ_REPEAT, NULL, NULL, 0), 0);
	cr_expect_eq(q_calls, 4);
	cr_expect_eq(stats(0).pending, 2);
	c_recv(c, &rx);
	cr_assert_eq(rx.n, 2);
	cr_expect_eq(rx.m[0].u.packet.id, 3);
	cr_expect_eq(rx.m[1].u.packet.id, 4);
	cr_assert_eq(c_verdict(c, TFQ_MSG_VERDICT_BATCH, 0, 4, TFQ_ACCEPT, NULL, NULL, 0), 0);
	cr_expect_eq(cap.n, 2);
	queue_consumer_free(c);
}

Test(queue, batch_verdict_takes_every_id_up_to_n)
{
	struct queue_consumer *c = c_bound(0);
	uint32_t mark = 0x55;
	struct rx rx;

	for (int i = 0; i < 5; i++)
		send_udp((uint16_t)i, 10, 0);
	c_recv(c, &rx);
	cr_assert_eq(rx.n, 5);
	/* A single verdict out of order first. */
	cr_assert_eq(c_verdict(c, TFQ_MSG_VERDICT, 0, 2, TFQ_DROP, NULL, NULL, 0), 0);
	cr_assert_eq(c_verdict(c, TFQ_MSG_VERDICT_BATCH, 0, 4, TFQ_ACCEPT, &mark, NULL, 0), 0);
	cr_expect_eq(cap.n, 3, "ids 1, 3 and 4");
	cr_expect_eq(cap.mark[2], 0x55);
	cr_expect_eq(stats(0).pending, 1);
	cr_assert_eq(c_verdict(c, TFQ_MSG_VERDICT_BATCH, 0, 5, TFQ_DROP, NULL, NULL, 0), 0);
	cr_expect_eq(stats(0).pending, 0);
	cr_expect_eq(stats(0).accepted, 3);
	cr_expect_eq(stats(0).dropped, 2);
	queue_consumer_free(c);
}

Test(queue, verdicts_in_any_order_find_their_packet)
{
	struct queue_consumer *c = c_bound(0);
	uint32_t order[40];
	struct rx rx;

	for (uint32_t i = 0; i < 40; i++) {
		send_udp((uint16_t)i, 4, (uint8_t)i);
		order[i] = i + 1;
	}
	c_recv(c, &rx);
	srand(7);
	for (int i = 39; i > 0; i--) {
		int j = rand() % (i + 1);
		uint32_t t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (int i = 0; i < 40; i++) {
		cr_assert_eq(c_verdict(c, TFQ_MSG_VERDICT, 0, order[i], TFQ_ACCEPT, NULL, NULL, 0),
			     0);
		/* The packet that went out is the one with that id. */
		cr_assert_eq(cap.data[i][31], (uint8_t)(order[i] - 1));
	}
	cr_expect_eq(stats(0).pending, 0);
	queue_consumer_free(c);
}

Test(queue, stale_verdict_is_counted_not_fatal)
{
	struct queue_consumer *c = c_bound(0);
	struct rx rx;

	send_udp(1, 10, 0);
	c_recv(c, &rx);
	cr_assert_eq(c_verdict(c, TFQ_MSG_VERDICT, 0, 1, TFQ_ACCEPT, NULL, NULL, 0), 0);
	cr_assert_eq(c_verdict(c, TFQ_MSG_VERDICT, 0, 1, TFQ_DROP, NULL, NULL, 0), 0);
	cr_expect_eq(stats(0).stale, 1);
	cr_expect_eq(cap.n, 1);
	queue_consumer_free(c);
}

/* ---- copy modes ---- */

Test(queue, copy_modes)
{
	struct queue_consumer *c = c_bound(0);
	struct rx rx;

	cr_assert_eq(c_req(c, TFQ_MSG_COPY_MODE, 0, TFQ_COPY_PACKET, 10), 0);
	send_udp(1, 100, 1);
	c_recv(c, &rx);
	cr_assert_eq(rx.n, 2);
	cr_expect_eq(rx.m[1].data_len, 10);
	cr_expect_eq(rx.m[1].u.packet.orig_len, 128);

	cr_assert_eq(c_req(c, TFQ_MSG_COPY_MODE, 0, TFQ_COPY_META, 0), 0);
	send_udp(2, 100, 1);
	c_recv(c, &rx);
	cr_assert_eq(rx.n, 2);
	cr_expect_eq(rx.m[1].data_len, 0);
	cr_expect_str_eq(rx.m[1].u.packet.in_name, "if0");

	cr_assert_eq(c_req(c, TFQ_MSG_COPY_MODE, 0, TFQ_COPY_NONE, 0), 0);
	send_udp(3, 100, 1);
	c_recv(c, &rx);
	cr_assert_eq(rx.n, 2);
	cr_expect_eq(rx.m[1].data_len, 0);
	cr_expect_eq(rx.m[1].u.packet.id, 3);
	cr_expect_eq(rx.m[1].u.packet.orig_len, 128);
	cr_expect_eq(rx.m[1].u.packet.in_index, -1);
	cr_expect_str_eq(rx.m[1].u.packet.in_name, "");
	cr_expect_eq(rx.m[1].u.packet.copy_mode, TFQ_COPY_NONE);
	cr_assert_eq(c_verdict(c, TFQ_MSG_VERDICT_BATCH, 0, 3, TFQ_ACCEPT, NULL, NULL, 0), 0);
	cr_expect_eq(cap.n, 3);
	queue_consumer_free(c);
}

Test(queue, fill_takes_queues_in_turn)
{
	struct queue_consumer *c = c_bound(1);
	struct rx rx;
	struct queue_wire_msg m;

	cr_assert_eq(c_req(c, TFQ_MSG_BIND, 2, TFQ_COPY_META, 0), 0);
	c_recv(c, &rx);
	q_num = 1;
	for (int i = 0; i < 4; i++)
		send_udp((uint16_t)i, 1, 0);
	q_num = 2;
	for (int i = 0; i < 4; i++)
		send_udp((uint16_t)i, 1, 0);
	/* Two at a time: each fill starts with the other queue. */
	c_recv_max(c, &rx, 2);
	m = rx.m[0];
	c_recv_max(c, &rx, 2);
	cr_expect_neq(rx.m[0].u.packet.queue, m.u.packet.queue);
	c_recv(c, &rx);
	cr_expect_eq(rx.n, 4);
	cr_expect_eq(stats(1).unsent + stats(2).unsent, 0);
	queue_consumer_free(c);
	cr_expect_eq(stats(1).orphaned + stats(2).orphaned, 8);
}

/* ---- replacement payloads ---- */

Test(queue, replacement_payload_gets_lengths_and_checksums)
{
	struct queue_consumer *c = c_bound(0);
	uint8_t pkt[64];
	struct iphdr ip;
	struct rx rx;

	send_udp(1, 10, 0x11);
	c_recv(c, &rx);
	/* The consumer makes it 20 bytes longer and leaves the lengths and
	 * checksums as they were. */
	memcpy(pkt, rx.m[0].data, 38);
	memset(pkt + 28, 0x22, 30);
	cr_assert_eq(c_verdict(c, TFQ_MSG_VERDICT, 0, 1, TFQ_ACCEPT, NULL, pkt, 58), 0);
	cr_assert_eq(cap.n, 1);
	cr_expect_eq(cap.len[0], 58);
	memcpy(&ip, cap.data[0], sizeof(ip));
	cr_expect_eq(ntohs(ip.tot_len), 58);
	cr_expect_eq(csum_buf(cap.data[0], 20), 0, "header checksum right");
	cr_expect_eq(cap.data[0][24] << 8 | cap.data[0][25], 38, "UDP length");
	cr_expect(l4_csum_ok(cap.data[0], 58), "UDP checksum right");
	cr_expect_eq(cap.data[0][57], 0x22);
	queue_consumer_free(c);
}

Test(queue, bad_replacement_payload_drops_with_a_counter)
{
	struct queue_consumer *c = c_bound(0);
	static const uint8_t junk[40] = { 0x60 }; /* IPv6 */
	uint8_t shortudp[24];
	struct rx rx;

	send_udp(1, 10, 0);
	send_udp(2, 10, 0);
	send_udp(3, 10, 0);
	c_recv(c, &rx);
	cr_assert_eq(c_verdict(c, TFQ_MSG_VERDICT, 0, 1, TFQ_ACCEPT, NULL, junk, sizeof(junk)),
		     0);
	memcpy(shortudp, rx.m[1].data, sizeof(shortudp)); /* UDP header cut */
	cr_assert_eq(c_verdict(c, TFQ_MSG_VERDICT, 0, 2, TFQ_ACCEPT, NULL, shortudp,
			       sizeof(shortudp)), 0);
	cr_assert_eq(c_verdict(c, TFQ_MSG_VERDICT, 0, 3, TFQ_ACCEPT, NULL, junk, 10), 0);
	cr_expect_eq(cap.n, 0);
	cr_expect_eq(r.drops.count[DROP_QUEUE_BAD_PAYLOAD], 3);
	cr_expect_eq(stats(0).bad_payload, 3);
	queue_consumer_free(c);
}

/* ---- no consumer, full ---- */

Test(queue, no_consumer_drops_or_bypasses)
{
	struct queue_consumer *c = c_bound(5);

	queue_consumer_free(c); /* queue 5 exists now, unbound */
	q_num = 5;
	send_udp(1, 1, 0);
	q_bypass = true;
	send_udp(2, 1, 0);
	cr_expect_eq(cap.n, 1);
	cr_expect_eq(r.drops.count[DROP_QUEUE_NO_CONSUMER], 1);
	cr_expect_eq(stats(5).no_consumer, 1);
	cr_expect_eq(stats(5).bypassed, 1);
	cr_expect_eq(after_calls, 1, "bypass resumes after the queueing handler");
	/* A queue number that was never configured nor bound. */
	q_num = 999;
	send_udp(3, 1, 0);
	q_bypass = false;
	send_udp(4, 1, 0);
	{
		struct queue_table_stats st;

		queue_table_stats(qt, &st);
		cr_expect_eq(st.unknown_bypassed, 1);
		cr_expect_eq(st.unknown_dropped, 1);
	}
	cr_expect_eq(cap.n, 2);
}

Test(queue, full_queue_drops_or_fails_open)
{
	struct queue_table_config tc = { .defaults = QUEUE_SETTINGS_DEFAULTS };
	struct queue_num_settings two[2];
	struct queue_consumer *c;

	two[0].num = 1;
	two[0].s = tc.defaults;
	two[0].s.maxlen = 2;
	two[1] = two[0];
	two[1].num = 2;
	two[1].s.fail_open = true;
	tc.nums = two;
	tc.n_nums = 2;
	cr_assert_eq(queue_table_configure(qt, &tc), 0);
	c = c_bound(1);
	cr_assert_eq(c_req(c, TFQ_MSG_BIND, 2, TFQ_COPY_DEFAULT, 0), 0);
	q_num = 1;
	for (int i = 0; i < 4; i++)
		send_udp((uint16_t)i, 1, 0);
	q_num = 2;
	for (int i = 0; i < 4; i++)
		send_udp((uint16_t)i, 1, 0);
	cr_expect_eq(stats(1).pending, 2);
	cr_expect_eq(stats(1).dropped_full, 2);
	cr_expect_eq(r.drops.count[DROP_QUEUE_FULL], 2);
	cr_expect_eq(stats(2).pending, 2);
	cr_expect_eq(stats(2).failed_open, 2);
	cr_expect_eq(cap.n, 2, "fail-open lets them through");
	queue_consumer_free(c);
}

Test(queue, all_queues_together_keep_half_the_buffers)
{
	struct queue_consumer *c = c_bound(0);
	struct queue_table_stats st;

	queue_table_stats(qt, &st);
	cr_assert_eq(st.max_parked, POOL / 2);
	for (int i = 0; i < POOL / 2 + 3; i++)
		send_udp((uint16_t)i, 1, 0);
	cr_expect_eq(stats(0).pending, POOL / 2);
	cr_expect_eq(stats(0).dropped_full, 3);
	cr_expect_eq(r.pool.avail, POOL / 2, "the other half stays free");
	queue_consumer_free(c);
	cr_expect_eq(r.drops.count[DROP_QUEUE_DEFAULT], POOL / 2, "default verdict: drop");
}

/* ---- default verdicts ---- */

Test(queue, timeout_gives_the_default_verdict)
{
	struct queue_consumer *c;
	struct rx rx;

	configure(0, 100, false, TF_ACCEPT, 100);
	c = c_bound(0);
	send_udp(1, 1, 0);
	router_set_clock(&r, 1000050, 0);
	send_udp(2, 1, 0);
	c_recv(c, &rx);
	cr_expect_eq(queue_table_next_deadline(qt), 1000100);
	queue_table_expire(qt, 1000099);
	cr_expect_eq(stats(0).pending, 2);
	queue_table_expire(qt, 1000100);
	router_flush(&r);
	cr_expect_eq(stats(0).pending, 1);
	cr_expect_eq(cap.n, 1, "default verdict accept");
	cr_expect_eq(stats(0).timed_out, 1);
	cr_expect_eq(queue_table_next_deadline(qt), 1000150);
	/* The consumer answers late: only counted. */
	cr_assert_eq(c_verdict(c, TFQ_MSG_VERDICT, 0, 1, TFQ_DROP, NULL, NULL, 0), 0);
	cr_expect_eq(stats(0).stale, 1);
	queue_table_expire(qt, 1000200);
	cr_expect_eq(queue_table_next_deadline(qt), UINT64_MAX);
	queue_consumer_free(c);
}

Test(queue, unsent_packets_time_out_too)
{
	struct queue_consumer *c;

	struct rx rx;

	configure(0, 100, false, TF_DROP, 10);
	c = c_bound(0);
	send_udp(1, 1, 0); /* not read by the consumer yet */
	router_set_clock(&r, 1000005, 0);
	send_udp(2, 1, 0);
	queue_table_expire(qt, 1000010);
	cr_expect_eq(stats(0).pending, 1);
	cr_expect_eq(r.drops.count[DROP_QUEUE_DEFAULT], 1);
	/* What is sent now starts after the one that went. */
	c_recv(c, &rx);
	cr_assert_eq(rx.n, 1);
	cr_expect_eq(rx.m[0].u.packet.id, 2);
	queue_consumer_free(c);
}

Test(queue, consumer_gone_gives_the_default_verdict)
{
	struct queue_consumer *c;
	struct rx rx;

	configure(0, 100, false, TF_ACCEPT, 5000);
	c = c_bound(0);
	for (int i = 0; i < 4; i++)
		send_udp((uint16_t)i, 1, 0);
	c_recv_max(c, &rx, 2); /* two sent, two not */
	queue_consumer_free(c);
	router_flush(&r);
	cr_expect_eq(cap.n, 4);
	cr_expect_eq(stats(0).orphaned, 4);
	cr_expect_eq(stats(0).pending, 0);
	cr_expect_not(stats(0).bound);
}

Test(queue, unbind_gives_the_default_verdict)
{
	struct queue_consumer *c = c_bound(0);

	send_udp(1, 1, 0);
	cr_assert_eq(c_req(c, TFQ_MSG_UNBIND, 0, 0, 0), 0);
	cr_expect_eq(r.drops.count[DROP_QUEUE_DEFAULT], 1);
	send_udp(2, 1, 0);
	cr_expect_eq(r.drops.count[DROP_QUEUE_NO_CONSUMER], 1);
	queue_consumer_free(c);
}

/* ---- protocol errors: that consumer goes, nothing else is touched ---- */

/* One broken message from consumer bad; consumer good keeps queue 1. */
static void expect_fatal(const uint8_t *msg, size_t len, const char *want)
{
	struct queue_consumer *bad = c_bound(0), *good = c_bound(1);
	char err[300] = "";
	struct queue_stats s0, s1;
	struct rx rx;
	int rc;

	q_num = 0;
	send_udp(1, 1, 0);
	q_num = 1;
	send_udp(2, 1, 0);
	c_recv(bad, &rx);
	c_recv(good, &rx);
	s0 = stats(0);
	s1 = stats(1);
	rc = queue_consumer_input(bad, msg, len, err, sizeof(err));
	cr_expect_lt(rc, 0, "%s: refused", want);
	cr_expect_str_eq(err, want);
	c_recv(bad, &rx);
	cr_assert_eq(rx.n, 1, "%s: one ERROR", want);
	cr_expect_eq(rx.m[0].hdr.type, TFQ_MSG_ERROR);
	cr_expect_eq(rx.m[0].u.ack.error, -rc);
	cr_expect_eq(rx.m[0].data_len, strlen(want));
	cr_expect_eq(memcmp(rx.m[0].data, want, rx.m[0].data_len), 0);
	/* Whatever it sends now is ignored. */
	cr_expect_eq(queue_consumer_input(bad, msg, len, err, sizeof(err)), -EPIPE);
	queue_consumer_free(bad);
	router_flush(&r);
	cr_expect_eq(stats(0).orphaned, s0.orphaned + 1);
	cr_expect_eq(stats(1).pending, 1, "%s: the other consumer's packet stays", want);
	cr_assert_eq(c_verdict(good, TFQ_MSG_VERDICT, 1, s1.queued, TFQ_ACCEPT, NULL, NULL, 0), 0);
	cr_expect_eq(stats(1).accepted, s1.accepted + 1);
	queue_consumer_free(good);
	router_flush(&r);
}

static size_t encode_verdict(uint8_t *buf, uint16_t type, uint16_t num, uint32_t id,
			     uint8_t verdict)
{
	struct queue_wire_msg m;

	memset(&m, 0, sizeof(m));
	m.hdr.type = type;
	m.u.verdict.queue = num;
	m.u.verdict.id = id;
	m.u.verdict.verdict = verdict;
	return queue_wire_encode(&m, buf, TFQ_MAX_TO_DAEMON);
}

Test(queue, truncated_message_closes_the_consumer)
{
	uint8_t buf[64];
	size_t len = encode_verdict(buf, TFQ_MSG_VERDICT, 0, 1, TFQ_ACCEPT);

	buf[4] = 20; /* the length field agrees with the cut */
	expect_fatal(buf, 20, "truncated VERDICT message: 20 bytes, at least 32 expected");
	expect_fatal(buf, 7, "truncated message: 7 bytes, shorter than the 16-byte header");
	(void)len;
}

Test(queue, oversized_message_closes_the_consumer)
{
	size_t len = TFQ_MAX_TO_DAEMON + 1;
	uint8_t *buf = calloc(1, len);

	encode_verdict(buf, TFQ_MSG_VERDICT, 0, 1, TFQ_ACCEPT);
	expect_fatal(buf, len, "message of 65568 bytes, larger than 65567");
	free(buf);
}

Test(queue, malformed_messages_close_the_consumer)
{
	uint8_t buf[64];
	size_t len;

	len = encode_verdict(buf, TFQ_MSG_VERDICT, 0, 1, TFQ_ACCEPT);
	buf[0] = 2;
	expect_fatal(buf, len, "protocol version 2 not supported (this end speaks 1)");
	len = encode_verdict(buf, TFQ_MSG_VERDICT, 0, 1, 3);
	expect_fatal(buf, len, "VERDICT: unknown verdict 3");
	len = encode_verdict(buf, TFQ_MSG_VERDICT, 0, 1, TFQ_ACCEPT);
	buf[2] = TFQ_MSG_PACKET;
	expect_fatal(buf, len, "message type 17 (PACKET) goes the other way");
	buf[2] = 99;
	expect_fatal(buf, len, "unknown message type 99");
	len = encode_verdict(buf, TFQ_MSG_VERDICT, 0, 1, TFQ_ACCEPT);
	expect_fatal(buf, len - 1, "length field says 32 bytes, the message has 31");
}

Test(queue, out_of_order_messages_close_the_consumer)
{
	uint8_t buf[64];
	size_t len;

	len = encode_verdict(buf, TFQ_MSG_VERDICT, 0, 7, TFQ_ACCEPT);
	expect_fatal(buf, len,
		     "VERDICT for packet id 7 of queue 0, which was never sent (last sent 1)");
	len = encode_verdict(buf, TFQ_MSG_VERDICT_BATCH, 0, 3, TFQ_ACCEPT);
	expect_fatal(buf, len, "VERDICT_BATCH for packet id 3 of queue 0, which was never sent "
			       "(last sent 2)");
	len = encode_verdict(buf, TFQ_MSG_VERDICT, 1, 1, TFQ_ACCEPT);
	expect_fatal(buf, len, "VERDICT for queue 1, which this consumer has not bound");
	len = encode_verdict(buf, TFQ_MSG_VERDICT, 9, 1, TFQ_ACCEPT);
	expect_fatal(buf, len, "VERDICT for queue 9, which this consumer has not bound");
}

Test(queue, requests_without_reading_replies_close_the_consumer)
{
	struct queue_consumer *c = queue_consumer_new(qt, 1, 0, NULL);
	struct rx rx;
	int rc = 0, i;

	for (i = 0; i < 100 && rc == 0; i++)
		rc = c_req(c, TFQ_MSG_UNBIND, 0, 0, 0);
	cr_expect_eq(rc, -ENOBUFS);
	cr_expect_eq(i, QUEUE_MAX_REPLIES);
	c_recv(c, &rx);
	cr_assert_eq(rx.n, QUEUE_MAX_REPLIES);
	cr_expect_eq(rx.m[QUEUE_MAX_REPLIES - 1].hdr.type, TFQ_MSG_ERROR);
	queue_consumer_free(c);
}

/* ---- settings ---- */

Test(queue, configure_keeps_parked_packets)
{
	struct queue_consumer *c = c_bound(0);
	struct rx rx;

	for (int i = 0; i < 5; i++)
		send_udp((uint16_t)i, 1, (uint8_t)i);
	c_recv_max(c, &rx, 3);
	/* Smaller than what it holds: nothing is lost, nothing more enters. */
	configure(0, 2, false, TF_DROP, 5000);
	cr_expect_eq(stats(0).pending, 5);
	cr_expect_eq(stats(0).s.maxlen, 2);
	send_udp(9, 1, 9);
	cr_expect_eq(stats(0).dropped_full, 1);
	c_recv(c, &rx);
	cr_assert_eq(rx.n, 2, "the unsent ones are still to be sent");
	cr_expect_eq(rx.m[0].u.packet.id, 4);
	cr_assert_eq(c_verdict(c, TFQ_MSG_VERDICT, 0, 3, TFQ_ACCEPT, NULL, NULL, 0), 0);
	cr_expect_eq(cap.data[0][28], 2, "id 3 is still the third packet");
	configure(0, 100, false, TF_DROP, 5000);
	cr_assert_eq(c_verdict(c, TFQ_MSG_VERDICT_BATCH, 0, 5, TFQ_ACCEPT, NULL, NULL, 0), 0);
	cr_expect_eq(cap.n, 5);
	cr_expect(stats(0).configured);
	/* No longer listed: the defaults again. */
	{
		struct queue_table_config tc = { .defaults = QUEUE_SETTINGS_DEFAULTS };

		cr_assert_eq(queue_table_configure(qt, &tc), 0);
	}
	cr_expect_not(stats(0).configured);
	cr_expect_eq(stats(0).s.maxlen, 4096);
	queue_consumer_free(c);
}
