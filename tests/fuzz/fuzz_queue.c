// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The queue protocol (tunfilter/queue_proto.h), both ends.
 *
 * 1. The codec (queue/wire.h) on the whole input, in both directions: what
 *    decodes encodes back to the same bytes.
 *
 * 2. A consumer session, as the daemon's queue socket runs it, against a
 *    router (fuzznet.h, wan0's MTU 1280) whose rules queue UDP and TCP
 *    (queues 1, 2, 3; queue 9 is never configured). What leaves the
 *    router is checked, replaced payloads included. The input is then a
 *    list of records:
 *
 *      op  len_lo  len_hi  body[len]     (len is cut to the bytes left)
 *
 *    op & 7: 0  body is one record from the consumer (queue_consumer_input)
 *            1  a packet: UDP (op bit 3 clear) or TCP, to a forwarded (bit 4
 *               clear) or a local address, port from bits 5-7; body is its
 *               payload
 *            2  the daemon sends: fill up to 1 + (op >> 3 & 7) messages,
 *               each of which must decode; all go out, or one fewer when
 *               op bit 6 is set
 *            3  a VERDICT (op bit 3: VERDICT_BATCH) on one of the last ids
 *               the consumer received (bits 6-7 pick it), verdict from bits
 *               4-5, mark 7 set when the body is odd-sized; body is the
 *               replacement payload
 *            4  the clock moves len * 10 ms: queues and defrag expire
 *            5  the consumer disconnects and a new one connects
 *    (kinds 2, 4 and 5 have no body: len is only a number there)
 *            6  the queues are reconfigured from the body's bytes
 *            7  body is an IPv4 packet, its header fixed, in on lan0
 *    A consumer that breaks the protocol gets its ERROR sent and is
 *    closed, as the server does, and a new one connects.
 *
 * At the end the consumer leaves, the table is freed, and every buffer
 * must be back in the pool.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include "core/ipv4.h"
#include "core/router.h"
#include "fuzz.h"
#include "fuzznet.h"
#include "queue/queue.h"
#include "queue/wire.h"
#include "tables/tables.h"

#define FUZZ_POOL 32u
#define FUZZ_TX 8u
#define FUZZ_IDS 4u

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

/* ---- 1. the codec ---- */

static void fuzz_codec(const uint8_t *data, size_t size, enum queue_wire_dir dir)
{
	static uint8_t out[TFQ_MAX_TO_CONSUMER];
	struct queue_wire_msg m;
	char err[256];
	size_t n;

	if (queue_wire_decode(data, size, dir, &m, err, sizeof(err))) {
		FUZZ_CHECK(err[0], "refused without a message");
		return;
	}
	n = queue_wire_encode(&m, out, sizeof(out));
	FUZZ_CHECK(n == size && !memcmp(out, data, size), "encode(decode(x)) != x (type %u)",
		   m.hdr.type);
}

/* ---- 2. the session ---- */

static const char fuzz_rules[] =
	"*mangle\n"
	":POSTROUTING ACCEPT [0:0]\n"
	"-A POSTROUTING -m mark --mark 0x7 -j NFQUEUE --queue-num 3\n"
	"COMMIT\n"
	"*filter\n"
	":INPUT ACCEPT [0:0]\n"
	":FORWARD ACCEPT [0:0]\n"
	":OUTPUT ACCEPT [0:0]\n"
	"-A INPUT -p udp -j NFQUEUE --queue-num 3\n"
	"-A INPUT -p tcp -j NFQUEUE --queue-num 9 --queue-bypass\n"
	"-A FORWARD -p udp -m udp --dport 0:3 -j NFQUEUE --queue-num 1\n"
	"-A FORWARD -p udp -j NFQUEUE --queue-balance 1:2\n"
	"-A FORWARD -p tcp -m tcp --dport 0:3 -j NFQUEUE --queue-num 2 --queue-bypass\n"
	"-A FORWARD -p tcp -j NFQUEUE --queue-num 9\n"
	"COMMIT\n";

struct fuzz_session {
	struct router r;
	struct queue_table *t;
	struct queue_consumer *c;
	uint64_t now;
	uint32_t seq;
	struct {
		uint32_t id;
		uint16_t queue;
	} ids[FUZZ_IDS]; /* the last PACKETs received */
	unsigned int n_ids;
};

static void fuzz_kick(void *arg, struct queue_consumer *c)
{
}

static void fuzz_arm(void *arg, uint64_t deadline_ms)
{
}

static const struct queue_ops fuzz_qops = { .kick = fuzz_kick, .arm = fuzz_arm };

/* Settings of queues 1 and 3 and of the others from 8 bytes (a record of
 * kind 6), or the start-up ones. */
static void fuzz_configure(struct fuzz_session *s, const uint8_t *b, uint32_t len)
{
	static const uint8_t start[8] = { 4, 0x22, 0x80, 0x10, 2, 0x01, 8, 0x00 };
	struct queue_num_settings nums[2];
	struct queue_table_config cfg = { .nums = nums, .n_nums = 2 };
	struct queue_settings *st[3] = { &cfg.defaults, &nums[0].s, &nums[1].s };
	uint8_t k[8];
	int i, rc;

	memcpy(k, start, sizeof(k));
	if (b)
		memcpy(k, b, len < sizeof(k) ? len : sizeof(k));
	nums[0].num = 1;
	nums[1].num = 3;
	for (i = 0; i < 3; i++) {
		uint8_t x = k[2 * i], y = k[2 * i + 1];

		st[i]->maxlen = 1u + (x & 15u);
		st[i]->copy_mode = (y & 3u) % 3u;
		st[i]->copy_range = st[i]->copy_mode == TFQ_COPY_PACKET ? (uint32_t)x << 4 : 0;
		st[i]->fail_open = y & 4u;
		st[i]->default_verdict = y & 8u ? TF_ACCEPT : TF_DROP;
		st[i]->timeout_ms = 100u * (1u + (y >> 4));
	}
	rc = queue_table_configure(s->t, &cfg);
	FUZZ_CHECK(rc == 0, "queue_table_configure: %d", rc);
}

static void fuzz_session_up(struct fuzz_session *s)
{
	const struct router_config cfg = {
		.pool_size = FUZZ_POOL,
		.defrag = true,
		.defrag_cfg = { .max_memory = 256u << 10, .timeout_ms = 30000, .max_queues = 8 },
		.icmp = ICMP_LIMIT_DEFAULTS,
	};

	memset(s, 0, sizeof(*s));
	fuzznet_up(&s->r, &cfg, 1280);
	s->now = 1000000;
	fuzznet_rules(&s->r, fuzz_rules);
	FUZZ_CHECK(queue_table_new(&s->t, &s->r, &fuzz_qops, s) == 0, "queue_table_new");
	fuzz_configure(s, NULL, 0);
	s->c = queue_consumer_new(s->t, 4242, 0, s);
	FUZZ_CHECK(s->c, "queue_consumer_new");
}

/* What the daemon sends must be what the codec reads. */
static void fuzz_check_sent(struct fuzz_session *s, const struct queue_tx *tx, bool *error)
{
	static uint8_t buf[TFQ_MAX_TO_CONSUMER];
	size_t len = tx->iov[0].iov_len + tx->iov[1].iov_len;
	struct queue_wire_msg m;
	char err[256];
	int rc;

	FUZZ_CHECK(tx->iov[0].iov_len && len <= sizeof(buf), "a message of %zu bytes", len);
	memcpy(buf, tx->iov[0].iov_base, tx->iov[0].iov_len);
	if (tx->iov[1].iov_len)
		memcpy(buf + tx->iov[0].iov_len, tx->iov[1].iov_base, tx->iov[1].iov_len);
	rc = queue_wire_decode(buf, len, QUEUE_WIRE_TO_CONSUMER, &m, err, sizeof(err));
	FUZZ_CHECK(rc == 0, "the daemon sent what the codec refuses: %s", err);
	if (getenv("TF_FUZZ_VERBOSE"))
		fprintf(stderr, "sent %s seq %u id %u error %d\n", queue_wire_type_name(m.hdr.type),
			m.hdr.seq, m.hdr.type == TFQ_MSG_PACKET ? m.u.packet.id : 0,
			m.hdr.type == TFQ_MSG_PACKET ? 0 : m.u.ack.error);
	if (m.hdr.type == TFQ_MSG_ERROR)
		*error = true;
	if (m.hdr.type == TFQ_MSG_PACKET) {
		s->ids[s->n_ids % FUZZ_IDS].id = m.u.packet.id;
		s->ids[s->n_ids % FUZZ_IDS].queue = m.u.packet.queue;
		s->n_ids++;
	}
}

/* Returns whether an ERROR went out (the server closes after it). */
static bool fuzz_fill(struct fuzz_session *s, unsigned int max, bool short_write)
{
	struct queue_tx tx[FUZZ_TX];
	unsigned int n, i;
	bool error = false;

	n = queue_consumer_fill(s->c, tx, max, 0);
	FUZZ_CHECK(n <= max, "%u messages for %u", n, max);
	for (i = 0; i < n; i++)
		fuzz_check_sent(s, &tx[i], &error);
	if (short_write && n)
		n--;
	queue_consumer_sent(s->c, tx, n);
	router_flush(&s->r);
	return error;
}

static void fuzz_reconnect(struct fuzz_session *s)
{
	queue_consumer_free(s->c);
	router_flush(&s->r);
	s->c = queue_consumer_new(s->t, 4242, 0, s);
	FUZZ_CHECK(s->c, "queue_consumer_new");
	s->n_ids = 0;
}

static void fuzz_input(struct fuzz_session *s, const void *msg, size_t len)
{
	char err[256];

	if (queue_consumer_input(s->c, msg, len, err, sizeof(err)) < 0) {
		/* The server sends what is queued (the ERROR last) and closes. */
		while (!fuzz_fill(s, FUZZ_TX, false))
			;
		fuzz_reconnect(s);
		return;
	}
	router_flush(&s->r);
}

static void fuzz_verdict(struct fuzz_session *s, uint8_t op, const uint8_t *body, uint32_t len)
{
	static const uint8_t verdicts[] = { TFQ_ACCEPT, TFQ_DROP, TFQ_REPEAT, TFQ_ACCEPT };
	static uint8_t buf[TFQ_MAX_TO_DAEMON];
	struct queue_wire_msg m;
	unsigned int k;
	size_t n;

	if (!s->n_ids)
		return;
	k = (s->n_ids - 1 - (op >> 6)) % FUZZ_IDS;
	if (op >> 6 >= s->n_ids)
		k = (s->n_ids - 1) % FUZZ_IDS;
	memset(&m, 0, sizeof(m));
	m.hdr.type = op & 8 ? TFQ_MSG_VERDICT_BATCH : TFQ_MSG_VERDICT;
	m.hdr.seq = ++s->seq;
	m.u.verdict.id = s->ids[k].id;
	m.u.verdict.queue = s->ids[k].queue;
	m.u.verdict.verdict = verdicts[(op >> 4) & 3];
	if (len & 1) {
		m.u.verdict.flags = TFQ_VF_MARK;
		m.u.verdict.mark = 7;
	}
	if (!(op & 8)) {
		m.data = body;
		m.data_len = len;
	}
	n = queue_wire_encode(&m, buf, sizeof(buf));
	FUZZ_CHECK(n, "a verdict that does not encode");
	fuzz_input(s, buf, n);
}

/* A UDP or TCP packet from 10.1.0.2 with body as its payload. */
static void fuzz_packet(struct fuzz_session *s, uint8_t op, const uint8_t *body, uint32_t len)
{
	struct pkt *p = pkt_alloc(&s->r.pool);
	bool tcp = op & 8;
	unsigned int l4 = tcp ? 20 : 8, total;
	uint16_t port = htons((uint16_t)(op >> 5));
	struct iphdr *ip;
	uint8_t *h;

	if (!p)
		return;
	if (len > 1400)
		len = 1400;
	total = 20 + l4 + len;
	ip = (struct iphdr *)p->data;
	memset(ip, 0, 20 + l4);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons((uint16_t)total);
	ip->ttl = 64;
	ip->protocol = tcp ? IPPROTO_TCP : IPPROTO_UDP;
	ip->saddr = fuzznet_addr("10.1.0.2");
	ip->daddr = fuzznet_addr(op & 16 ? "10.1.0.1" : "10.2.0.9");
	ipv4_set_csum(ip);
	h = p->data + 20;
	memcpy(h, "\x30\x39", 2); /* source port 12345 */
	memcpy(h + 2, &port, 2);
	if (tcp) {
		h[12] = 5 << 4;
		h[13] = 0x02; /* SYN */
	} else {
		uint16_t ulen = htons((uint16_t)(8 + len));

		memcpy(h + 4, &ulen, 2);
	}
	memcpy(h + l4, body, len);
	p->len = total;
	router_rx(&s->r, p, 0);
	router_flush(&s->r);
}

static void fuzz_raw_packet(struct fuzz_session *s, const uint8_t *body, uint32_t len)
{
	struct pkt *p = pkt_alloc(&s->r.pool);

	if (!p)
		return;
	if (len > pkt_tailroom(p))
		len = pkt_tailroom(p);
	memcpy(p->data, body, len);
	p->len = len;
	fuzznet_fix_ip(p->data, len);
	router_rx(&s->r, p, 0);
	router_flush(&s->r);
}

/* TF_FUZZ_VERBOSE=1: what a session did, to check that a seed does what
 * it was written for. */
static int fuzz_report_queue(const struct queue_stats *st, void *arg)
{
	fprintf(stderr, "  queue %u: queued %llu accepted %llu dropped %llu repeated %llu "
		"timed out %llu orphaned %llu bad payload %llu stale %llu full %llu\n",
		st->num, (unsigned long long)st->queued, (unsigned long long)st->accepted,
		(unsigned long long)st->dropped, (unsigned long long)st->repeated,
		(unsigned long long)st->timed_out, (unsigned long long)st->orphaned,
		(unsigned long long)st->bad_payload, (unsigned long long)st->stale,
		(unsigned long long)st->dropped_full);
	return 0;
}

static void fuzz_report(const struct fuzz_session *s)
{
	struct queue_table_stats st;

	if (!getenv("TF_FUZZ_VERBOSE"))
		return;
	queue_table_stats(s->t, &st);
	fprintf(stderr, "forwarded %llu, local in %llu, ids received %u, unknown queue %llu/%llu\n",
		(unsigned long long)s->r.forwarded, (unsigned long long)s->r.local_in, s->n_ids,
		(unsigned long long)st.unknown_bypassed, (unsigned long long)st.unknown_dropped);
	queue_table_walk(s->t, fuzz_report_queue, NULL);
}

static void fuzz_session(const uint8_t *data, size_t size)
{
	static struct fuzz_session s;

	fuzz_session_up(&s);
	while (size >= 3) {
		uint8_t op = data[0];
		uint32_t len = data[1] | (uint32_t)data[2] << 8;
		bool body = true;

		data += 3;
		size -= 3;
		switch (op & 7) {
		case 2:
		case 4:
		case 5:
			body = false;
			break;
		default:
			if (len > size)
				len = (uint32_t)size;
			break;
		}
		switch (op & 7) {
		case 0:
			fuzz_input(&s, data, len);
			break;
		case 1:
			fuzz_packet(&s, op, data, len);
			break;
		case 2:
			/* After an ERROR the server closes. */
			if (fuzz_fill(&s, 1 + ((op >> 3) & 7), op & 64))
				fuzz_reconnect(&s);
			break;
		case 3:
			fuzz_verdict(&s, op, data, len);
			break;
		case 4:
			s.now += (uint64_t)len * 10;
			router_set_clock(&s.r, s.now, 0);
			queue_table_expire(s.t, s.now);
			router_tick(&s.r);
			router_flush(&s.r);
			break;
		case 5:
			fuzz_reconnect(&s);
			break;
		case 6:
			fuzz_configure(&s, data, len);
			router_flush(&s.r);
			break;
		case 7:
			fuzz_raw_packet(&s, data, len);
			break;
		}
		if (body) {
			data += len;
			size -= len;
		}
	}
	fuzz_report(&s);
	queue_consumer_free(s.c);
	queue_table_free(s.t);
	s.now += 3600u * 1000u;
	router_set_clock(&s.r, s.now, 0);
	router_tick(&s.r);
	router_flush(&s.r);
	FUZZ_CHECK(s.r.pool.avail == s.r.pool.count, "%u of %u buffers back in the pool",
		   s.r.pool.avail, s.r.pool.count);
	tables_fini(&s.r);
	router_fini(&s.r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_codec(data, size, QUEUE_WIRE_TO_DAEMON);
	fuzz_codec(data, size, QUEUE_WIRE_TO_CONSUMER);
	fuzz_session(data, size);
	return 0;
}
