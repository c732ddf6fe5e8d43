// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The queue protocol codec: every message encoded and decoded back; the
 * bytes of a few messages pinned (they are the ABI that other languages
 * implement from tunfilter-queue(7)); every malformed, truncated and
 * oversized form refused with its message; and random corruptions of good
 * messages that must decode to something that encodes back to the same
 * bytes, or be refused, never crash.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "queue/wire.h"

static uint8_t buf[TFQ_MAX_TO_CONSUMER + 16];

/* Encode m, decode it back in direction dir, and return the decoded one. */
static struct queue_wire_msg roundtrip(struct queue_wire_msg m, enum queue_wire_dir dir,
				       size_t *len)
{
	struct queue_wire_msg out;
	char err[300] = "";

	*len = queue_wire_encode(&m, buf, sizeof(buf));
	cr_assert_gt(*len, 0, "%s encodes", queue_wire_type_name(m.hdr.type));
	cr_assert_eq(queue_wire_decode(buf, *len, dir, &out, err, sizeof(err)), 0, "%s: %s",
		     queue_wire_type_name(m.hdr.type), err);
	cr_assert_eq(out.hdr.len, *len);
	cr_assert_eq(out.hdr.version, TFQ_PROTO_VERSION);
	return out;
}

static struct queue_wire_msg msg(uint16_t type, uint32_t seq)
{
	struct queue_wire_msg m;

	memset(&m, 0, sizeof(m));
	m.hdr.type = type;
	m.hdr.seq = seq;
	return m;
}

Test(queue_wire, requests_roundtrip)
{
	static const uint16_t types[] = { TFQ_MSG_BIND, TFQ_MSG_COPY_MODE };
	struct queue_wire_msg m, d;
	size_t len;

	for (unsigned int i = 0; i < 2; i++) {
		m = msg(types[i], 77 + i);
		m.u.req.queue = 65535;
		m.u.req.copy_mode = TFQ_COPY_PACKET;
		m.u.req.copy_range = 1500;
		d = roundtrip(m, QUEUE_WIRE_TO_DAEMON, &len);
		cr_expect_eq(len, TFQ_REQ_LEN);
		cr_expect_eq(d.hdr.type, types[i]);
		cr_expect_eq(d.hdr.seq, 77 + i);
		cr_expect_eq(d.u.req.queue, 65535);
		cr_expect_eq(d.u.req.copy_mode, TFQ_COPY_PACKET);
		cr_expect_eq(d.u.req.copy_range, 1500);
	}
	m = msg(TFQ_MSG_BIND, 1);
	m.u.req.copy_mode = TFQ_COPY_DEFAULT;
	d = roundtrip(m, QUEUE_WIRE_TO_DAEMON, &len);
	cr_expect_eq(d.u.req.copy_mode, TFQ_COPY_DEFAULT);
	m = msg(TFQ_MSG_UNBIND, 2);
	m.u.req.queue = 3;
	d = roundtrip(m, QUEUE_WIRE_TO_DAEMON, &len);
	cr_expect_eq(d.u.req.queue, 3);
}

Test(queue_wire, verdicts_roundtrip)
{
	static const uint8_t payload[] = { 0x45, 0, 0, 20 };
	struct queue_wire_msg m, d;
	size_t len;

	m = msg(TFQ_MSG_VERDICT, 0);
	m.u.verdict.id = 0xfffffffe;
	m.u.verdict.queue = 9;
	m.u.verdict.verdict = TFQ_REPEAT;
	m.u.verdict.flags = TFQ_VF_MARK;
	m.u.verdict.mark = 0xdeadbeef;
	m.data = payload;
	m.data_len = sizeof(payload);
	d = roundtrip(m, QUEUE_WIRE_TO_DAEMON, &len);
	cr_expect_eq(len, TFQ_VERDICT_LEN + 4);
	cr_expect_eq(d.u.verdict.id, 0xfffffffe);
	cr_expect_eq(d.u.verdict.queue, 9);
	cr_expect_eq(d.u.verdict.verdict, TFQ_REPEAT);
	cr_expect_eq(d.u.verdict.mark, 0xdeadbeef);
	cr_expect_eq(d.u.verdict.payload_len, 4);
	cr_expect_eq(d.data_len, 4);
	cr_expect_eq(memcmp(d.data, payload, 4), 0);

	m = msg(TFQ_MSG_VERDICT_BATCH, 0);
	m.u.verdict.id = 12;
	m.u.verdict.verdict = TFQ_DROP;
	d = roundtrip(m, QUEUE_WIRE_TO_DAEMON, &len);
	cr_expect_eq(len, TFQ_VERDICT_LEN);
	cr_expect_eq(d.u.verdict.id, 12);
	cr_expect_eq(d.data_len, 0);
	/* A batch carries no payload: the encoder refuses to make one. */
	m.data = payload;
	m.data_len = 4;
	cr_expect_eq(queue_wire_encode(&m, buf, sizeof(buf)), 0);
}

Test(queue_wire, daemon_messages_roundtrip)
{
	static const char text[] = "VERDICT: unknown verdict 3";
	uint8_t payload[1500];
	struct queue_wire_msg m, d;
	size_t len;

	m = msg(TFQ_MSG_ACK, 5);
	m.u.ack.error = EBUSY;
	d = roundtrip(m, QUEUE_WIRE_TO_CONSUMER, &len);
	cr_expect_eq(len, TFQ_ACK_LEN);
	cr_expect_eq(d.hdr.seq, 5);
	cr_expect_eq(d.u.ack.error, EBUSY);

	m = msg(TFQ_MSG_ERROR, 6);
	m.u.ack.error = EPROTO;
	m.data = (const uint8_t *)text;
	m.data_len = sizeof(text) - 1;
	d = roundtrip(m, QUEUE_WIRE_TO_CONSUMER, &len);
	cr_expect_eq(d.u.ack.text_len, sizeof(text) - 1);
	cr_expect_eq(memcmp(d.data, text, d.data_len), 0);

	for (unsigned int i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7);
	m = msg(TFQ_MSG_PACKET, 0);
	m.u.packet.id = 1;
	m.u.packet.queue = 2;
	m.u.packet.hook = TFQ_HOOK_POST_ROUTING;
	m.u.packet.flags = TFQ_PF_CT | TFQ_PF_LOCAL_ORIGIN;
	m.u.packet.mark = 3;
	m.u.packet.orig_len = 1500;
	m.u.packet.in_index = -1;
	m.u.packet.out_index = 31;
	strcpy(m.u.packet.out_name, "0123456789abcde");
	m.u.packet.tstamp_ns = 1700000000123456789ull;
	m.u.packet.ct_id = 44;
	m.u.packet.ct_state = TFQ_CT_ESTABLISHED_REPLY;
	m.u.packet.copy_mode = TFQ_COPY_PACKET;
	m.data = payload;
	m.data_len = sizeof(payload);
	d = roundtrip(m, QUEUE_WIRE_TO_CONSUMER, &len);
	cr_expect_eq(len, TFQ_PACKET_LEN + 1500);
	cr_expect_eq(d.u.packet.hook, TFQ_HOOK_POST_ROUTING);
	cr_expect_eq(d.u.packet.flags, TFQ_PF_CT | TFQ_PF_LOCAL_ORIGIN);
	cr_expect_eq(d.u.packet.in_index, -1);
	cr_expect_eq(d.u.packet.out_index, 31);
	cr_expect_str_eq(d.u.packet.out_name, "0123456789abcde");
	cr_expect_str_eq(d.u.packet.in_name, "");
	cr_expect_eq(d.u.packet.tstamp_ns, 1700000000123456789ull);
	cr_expect_eq(d.u.packet.ct_id, 44);
	cr_expect_eq(d.u.packet.ct_state, TFQ_CT_ESTABLISHED_REPLY);
	cr_expect_eq(d.u.packet.payload_len, 1500);
	cr_expect_eq(memcmp(d.data, payload, 1500), 0);

	/* The largest packet message. */
	m.u.packet.orig_len = TFQ_MAX_PAYLOAD;
	m.data = calloc(1, TFQ_MAX_PAYLOAD);
	m.data_len = TFQ_MAX_PAYLOAD;
	d = roundtrip(m, QUEUE_WIRE_TO_CONSUMER, &len);
	cr_expect_eq(len, TFQ_MAX_TO_CONSUMER);
	free((void *)m.data);
}

/* The bytes on the wire (little-endian host): the ABI of tunfilter-queue(7). */
Test(queue_wire, layout_is_pinned)
{
	static const uint8_t want_verdict[] = {
		1, 0, 4, 0, 34, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0,    /* header, seq 9 */
		0x78, 0x56, 0x34, 0x12, 3, 0, 1, 1,                 /* id, queue 3, ACCEPT, MARK */
		0xef, 0xbe, 0xad, 0xde, 2, 0, 0, 0,                 /* mark, payload_len 2 */
		0xaa, 0xbb,
	};
	static const uint8_t two[] = { 0xaa, 0xbb };
	struct queue_wire_msg m = msg(TFQ_MSG_VERDICT, 9);
	size_t len;
	uint16_t one = 1;

	if (*(uint8_t *)&one != 1)
		cr_skip_test("big-endian host");
	m.u.verdict.id = 0x12345678;
	m.u.verdict.queue = 3;
	m.u.verdict.verdict = TFQ_ACCEPT;
	m.u.verdict.flags = TFQ_VF_MARK;
	m.u.verdict.mark = 0xdeadbeef;
	m.data = two;
	m.data_len = 2;
	len = queue_wire_encode(&m, buf, sizeof(buf));
	cr_assert_eq(len, sizeof(want_verdict));
	cr_expect_eq(memcmp(buf, want_verdict, len), 0);

	/* Field offsets of the packet message, as tunfilter-queue(7) lists them. */
	cr_expect_eq(offsetof(struct tfq_packet_msg, mark), 8);
	cr_expect_eq(offsetof(struct tfq_packet_msg, in_index), 16);
	cr_expect_eq(offsetof(struct tfq_packet_msg, in_name), 24);
	cr_expect_eq(offsetof(struct tfq_packet_msg, out_name), 40);
	cr_expect_eq(offsetof(struct tfq_packet_msg, tstamp_ns), 56);
	cr_expect_eq(offsetof(struct tfq_packet_msg, ct_id), 64);
	cr_expect_eq(offsetof(struct tfq_packet_msg, payload_len), 72);
}

/* ---- refused ---- */

struct bad {
	const char *what;
	enum queue_wire_dir dir;
	int rc;
	const char *want;
};

static void expect_bad(const uint8_t *b, size_t len, const struct bad *x)
{
	struct queue_wire_msg m;
	char err[300] = "";
	int rc = queue_wire_decode(b, len, x->dir, &m, err, sizeof(err));

	cr_expect_eq(rc, x->rc, "%s: rc %d (%s)", x->what, rc, err);
	cr_expect_str_eq(err, x->want, "%s", x->what);
}

/* A good VERDICT (queue 0, id 1, ACCEPT) into b; its length. */
static size_t good_verdict(uint8_t *b)
{
	struct queue_wire_msg m = msg(TFQ_MSG_VERDICT, 1);

	m.u.verdict.id = 1;
	m.u.verdict.verdict = TFQ_ACCEPT;
	return queue_wire_encode(&m, b, TFQ_VERDICT_LEN);
}

Test(queue_wire, header_errors)
{
	uint8_t b[64];
	size_t len = good_verdict(b);
	struct bad x = { "", QUEUE_WIRE_TO_DAEMON, -EPROTO, "" };

	x.want = "truncated message: 0 bytes, shorter than the 16-byte header";
	expect_bad(b, 0, &x);
	x.want = "truncated message: 15 bytes, shorter than the 16-byte header";
	expect_bad(b, 15, &x);
	x.want = "length field says 32 bytes, the message has 31";
	expect_bad(b, len - 1, &x);
	b[0] = 0;
	x.rc = -EPROTONOSUPPORT;
	x.want = "protocol version 0 not supported (this end speaks 1)";
	expect_bad(b, len, &x);
	len = good_verdict(b);
	b[12] = 1;
	x.rc = -EPROTO;
	x.want = "reserved header field is 1, not 0";
	expect_bad(b, len, &x);
	len = good_verdict(b);
	b[2] = 0;
	x.want = "unknown message type 0";
	expect_bad(b, len, &x);
	b[2] = 6;
	x.want = "unknown message type 6";
	expect_bad(b, len, &x);
	b[2] = TFQ_MSG_ACK;
	x.want = "message type 16 (ACK) goes the other way";
	expect_bad(b, len, &x);
	b[2] = TFQ_MSG_VERDICT;
	x.dir = QUEUE_WIRE_TO_CONSUMER;
	x.want = "message type 4 (VERDICT) goes the other way";
	expect_bad(b, len, &x);
}

Test(queue_wire, oversized)
{
	size_t len = TFQ_MAX_TO_DAEMON + 1;
	uint8_t *b = calloc(1, len + 1);
	struct bad x = { "oversized", QUEUE_WIRE_TO_DAEMON, -EMSGSIZE,
			 "message of 65568 bytes, larger than 65567" };

	good_verdict(b);
	expect_bad(b, len, &x);
	/* Whatever its length field says. */
	memcpy(b + 4, &(uint32_t){ (uint32_t)len }, 4);
	expect_bad(b, len, &x);
	x.dir = QUEUE_WIRE_TO_CONSUMER;
	x.want = "message of 65632 bytes, larger than 65631";
	b[2] = TFQ_MSG_PACKET;
	expect_bad(b, TFQ_MAX_TO_CONSUMER + 1, &x);
	free(b);
}

/* Every prefix of every good message is refused, none crashes. */
Test(queue_wire, every_truncation_refused)
{
	static const uint16_t types[] = { TFQ_MSG_BIND, TFQ_MSG_UNBIND, TFQ_MSG_COPY_MODE,
					  TFQ_MSG_VERDICT, TFQ_MSG_VERDICT_BATCH, TFQ_MSG_ACK,
					  TFQ_MSG_ERROR, TFQ_MSG_PACKET };
	static const uint8_t data[8] = "abcdefg";

	for (unsigned int t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		struct queue_wire_msg m = msg(types[t], 1), d;
		enum queue_wire_dir dir = types[t] >= TFQ_MSG_ACK ? QUEUE_WIRE_TO_CONSUMER
								   : QUEUE_WIRE_TO_DAEMON;
		char err[300];
		size_t len, cut;

		if (types[t] == TFQ_MSG_VERDICT || types[t] == TFQ_MSG_ERROR ||
		    types[t] == TFQ_MSG_PACKET) {
			m.data = data;
			m.data_len = sizeof(data);
			m.u.packet.orig_len = sizeof(data); /* PACKET: payload <= orig */
		}
		if (types[t] == TFQ_MSG_PACKET)
			m.u.packet.copy_mode = TFQ_COPY_PACKET;
		len = queue_wire_encode(&m, buf, sizeof(buf));
		cr_assert_gt(len, 0);
		cr_assert_eq(queue_wire_decode(buf, len, dir, &d, err, sizeof(err)), 0, "%s", err);
		for (cut = 0; cut < len; cut++) {
			uint8_t *copy = malloc(cut ? cut : 1);

			memcpy(copy, buf, cut);
			cr_expect_lt(queue_wire_decode(copy, cut, dir, &d, err, sizeof(err)), 0,
				     "%s cut to %zu", queue_wire_type_name(types[t]), cut);
			/* Even when the length field is fixed up to agree. */
			if (cut >= sizeof(struct tfq_hdr)) {
				uint32_t l = (uint32_t)cut;

				memcpy(copy + 4, &l, 4);
				cr_expect_lt(queue_wire_decode(copy, cut, dir, &d, err,
							       sizeof(err)),
					     0, "%s cut to %zu, length fixed",
					     queue_wire_type_name(types[t]), cut);
			}
			free(copy);
		}
	}
}

Test(queue_wire, field_errors)
{
	static const struct {
		uint16_t type;
		uint8_t mode, flags;
		uint32_t range;
		const char *want;
	} reqs[] = {
		{ TFQ_MSG_BIND, 3, 0, 0, "BIND: unknown copy mode 3" },
		{ TFQ_MSG_COPY_MODE, TFQ_COPY_DEFAULT, 0, 0, "COPY_MODE: unknown copy mode 255" },
		{ TFQ_MSG_BIND, TFQ_COPY_PACKET, 0, 65536,
		  "BIND: copy range 65536 is larger than 65535" },
		{ TFQ_MSG_BIND, TFQ_COPY_META, 0, 10,
		  "BIND: copy range 10 without the packet copy mode" },
		{ TFQ_MSG_BIND, TFQ_COPY_META, 1, 0, "BIND: flags 0x1, expected 0" },
		{ TFQ_MSG_UNBIND, TFQ_COPY_META, 0, 0,
		  "UNBIND: copy mode 1 and range 0, expected 0" },
	};
	static const struct {
		uint16_t type;
		uint8_t verdict, flags;
		uint32_t mark;
		const char *want;
	} verdicts[] = {
		{ TFQ_MSG_VERDICT, 2, 0, 0, "VERDICT: unknown verdict 2" },
		{ TFQ_MSG_VERDICT_BATCH, 3, 0, 0, "VERDICT_BATCH: unknown verdict 3" },
		{ TFQ_MSG_VERDICT, TFQ_ACCEPT, 2, 0, "VERDICT: unknown flags 0x2" },
		{ TFQ_MSG_VERDICT, TFQ_ACCEPT, 0, 5, "VERDICT: mark 0x5 without the mark flag" },
	};
	struct bad x = { "", QUEUE_WIRE_TO_DAEMON, -EPROTO, "" };
	struct queue_wire_msg m;
	uint8_t b[128];
	size_t len;

	for (unsigned int i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		m = msg(reqs[i].type, 1);
		m.u.req.copy_mode = reqs[i].mode;
		m.u.req.flags = reqs[i].flags;
		m.u.req.copy_range = reqs[i].range;
		len = queue_wire_encode(&m, b, sizeof(b));
		x.what = x.want = reqs[i].want;
		expect_bad(b, len, &x);
	}
	for (unsigned int i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++) {
		m = msg(verdicts[i].type, 1);
		m.u.verdict.verdict = verdicts[i].verdict;
		m.u.verdict.flags = verdicts[i].flags;
		m.u.verdict.mark = verdicts[i].mark;
		len = queue_wire_encode(&m, b, sizeof(b));
		x.what = x.want = verdicts[i].want;
		expect_bad(b, len, &x);
	}
	/* Lengths inside the body that disagree with the record. */
	len = good_verdict(b);
	b[28] = 1;
	x.what = x.want = "VERDICT: payload length field says 1 bytes, 0 follow";
	expect_bad(b, len, &x);
	len = good_verdict(b);
	b[2] = TFQ_MSG_VERDICT_BATCH;
	b[4] = (uint8_t)(len + 1);
	b[len] = 0;
	x.what = x.want = "VERDICT_BATCH message of 33 bytes, expected 32";
	expect_bad(b, len + 1, &x);
}

Test(queue_wire, daemon_field_errors)
{
	struct bad x = { "", QUEUE_WIRE_TO_CONSUMER, -EPROTO, "" };
	uint8_t *b = calloc(1, TFQ_MAX_TO_CONSUMER);
	struct queue_wire_msg m;
	size_t len;

	m = msg(TFQ_MSG_PACKET, 0);
	m.u.packet.hook = 5;
	len = queue_wire_encode(&m, b, TFQ_MAX_TO_CONSUMER);
	x.what = x.want = "PACKET: unknown hook 5";
	expect_bad(b, len, &x);
	m.u.packet.hook = 0;
	memset(m.u.packet.in_name, 'x', TFQ_IFNAMSIZ);
	len = queue_wire_encode(&m, b, TFQ_MAX_TO_CONSUMER);
	x.what = x.want = "PACKET: interface name without its NUL";
	expect_bad(b, len, &x);
	memset(m.u.packet.in_name, 0, TFQ_IFNAMSIZ);
	m.data = b + 1000;
	m.data_len = 10;
	m.u.packet.orig_len = 9;
	len = queue_wire_encode(&m, b, 1000);
	x.what = x.want = "PACKET: 10 bytes of payload from a packet of 9";
	expect_bad(b, len, &x);
	m.data_len = 0;
	m.u.packet.copy_mode = 7;
	len = queue_wire_encode(&m, b, TFQ_MAX_TO_CONSUMER);
	x.what = x.want = "PACKET: unknown copy mode 7";
	expect_bad(b, len, &x);

	m = msg(TFQ_MSG_ERROR, 0);
	m.data = b + 1000;
	m.data_len = TFQ_MAX_ERROR_TEXT + 1;
	len = queue_wire_encode(&m, b, 1000);
	x.what = x.want = "ERROR: text of 257 bytes, at most 256";
	expect_bad(b, len, &x);
	m = msg(TFQ_MSG_ACK, 0);
	m.u.ack.error = -1;
	len = queue_wire_encode(&m, b, 1000);
	x.what = x.want = "ACK: negative error -1";
	expect_bad(b, len, &x);
	free(b);
}

/*
 * Random corruption: a decoded message encodes back to exactly the bytes
 * that were decoded (the decoder accepts nothing the encoder would not
 * produce), and a refused one always says why.
 */
Test(queue_wire, random_corruption)
{
	static const uint16_t types[] = { TFQ_MSG_BIND, TFQ_MSG_UNBIND, TFQ_MSG_COPY_MODE,
					  TFQ_MSG_VERDICT, TFQ_MSG_VERDICT_BATCH, TFQ_MSG_ACK,
					  TFQ_MSG_ERROR, TFQ_MSG_PACKET };
	static uint8_t b[512], again[512];
	unsigned int accepted = 0, refused = 0;

	srand(1234);
	for (int round = 0; round < 20000; round++) {
		uint16_t type = types[rand() % 8];
		struct queue_wire_msg m = msg(type, (uint32_t)rand()), d;
		enum queue_wire_dir dir = rand() % 2 ? QUEUE_WIRE_TO_CONSUMER
						     : QUEUE_WIRE_TO_DAEMON;
		char err[300] = "";
		size_t len;
		int flips = 1 + rand() % 3;

		if (type == TFQ_MSG_VERDICT || type == TFQ_MSG_PACKET || type == TFQ_MSG_ERROR) {
			m.data = (const uint8_t *)"0123456789";
			m.data_len = (uint32_t)(rand() % 11);
			m.u.packet.orig_len = 10;
		}
		len = queue_wire_encode(&m, b, sizeof(b));
		cr_assert_gt(len, 0);
		while (flips--)
			b[rand() % len] ^= (uint8_t)(1u << (rand() % 8));
		if (rand() % 4 == 0)
			len = (size_t)(rand() % (int)len);
		if (queue_wire_decode(b, len, dir, &d, err, sizeof(err)) == 0) {
			size_t n;

			accepted++;
			n = queue_wire_encode(&d, again, sizeof(again));
			cr_assert_eq(n, len, "round %d: re-encoded length", round);
			cr_assert_eq(memcmp(again, b, len), 0, "round %d: re-encoded bytes", round);
		} else {
			refused++;
			cr_assert_neq(err[0], '\0', "round %d: refused without a reason", round);
		}
	}
	cr_expect_gt(accepted, 100);
	cr_expect_gt(refused, 100);
}
