// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libtunfilter-queue against a scripted daemon: the test listens on a
 * SOCK_SEQPACKET socket of its own, lets tfq_open() connect, and plays the
 * daemon's side by hand, message by message, checking what the library
 * sends and how it treats what it gets (packets put aside while waiting
 * for an ACK, verdicts batched inside a dispatch, ERROR and end of file).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "queue/wire.h"
#include "tunfilter/queue.h"

static char path[64];
static int lfd = -1, dfd = -1;
static struct tfq_handle *h;

static void setup(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(path, sizeof(path), "/tmp/tf-test-tfq-%d.sock", (int)getpid());
	unlink(path);
	strcpy(sa.sun_path, path);
	lfd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	cr_assert_geq(lfd, 0);
	cr_assert_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(lfd, 4), 0);
	h = tfq_open(path);
	cr_assert_not_null(h, "tfq_open: %s", strerror(errno));
	dfd = accept(lfd, NULL, NULL);
	cr_assert_geq(dfd, 0);
}

static void teardown(void)
{
	tfq_close(h);
	if (dfd >= 0)
		close(dfd);
	close(lfd);
	unlink(path);
}

TestSuite(tfq, .init = setup, .fini = teardown);

/* ---- the daemon's side ---- */

static void d_send(struct queue_wire_msg *m)
{
	static uint8_t b[TFQ_MAX_TO_CONSUMER];
	size_t len = queue_wire_encode(m, b, sizeof(b));

	cr_assert_gt(len, 0);
	cr_assert_eq(send(dfd, b, len, 0), (ssize_t)len);
}

static void d_ack(uint32_t seq, int error)
{
	struct queue_wire_msg m;

	memset(&m, 0, sizeof(m));
	m.hdr.type = TFQ_MSG_ACK;
	m.hdr.seq = seq;
	m.u.ack.error = error;
	d_send(&m);
}

static void d_packet(uint16_t queue, uint32_t id, const char *payload)
{
	struct queue_wire_msg m;

	memset(&m, 0, sizeof(m));
	m.hdr.type = TFQ_MSG_PACKET;
	m.u.packet.id = id;
	m.u.packet.queue = queue;
	m.u.packet.hook = TFQ_HOOK_FORWARD;
	m.u.packet.mark = 0x10 + id;
	m.u.packet.in_index = 0;
	m.u.packet.out_index = -1;
	strcpy(m.u.packet.in_name, "lan0");
	m.u.packet.copy_mode = TFQ_COPY_PACKET;
	m.data = (const uint8_t *)payload;
	m.data_len = (uint32_t)strlen(payload);
	m.u.packet.orig_len = m.data_len + 100;
	d_send(&m);
}

/* The next message the library sent; false when there is none (1 s). */
static bool d_recv(struct queue_wire_msg *m, uint8_t *b, size_t size)
{
	struct pollfd pfd = { dfd, POLLIN, 0 };
	char err[300];
	ssize_t n;

	if (poll(&pfd, 1, 1000) != 1)
		return false;
	n = recv(dfd, b, size, 0);
	cr_assert_gt(n, 0);
	cr_assert_eq(queue_wire_decode(b, (size_t)n, QUEUE_WIRE_TO_DAEMON, m, err, sizeof(err)), 0,
		     "%s", err);
	return true;
}

/* ---- the consumer's side ---- */

struct seen {
	struct tfq_packet p[8];
	char payload[8][64];
	char in_name[8][16], out_name[8][16]; /* the pointers die with the callback */
	unsigned int n;
	int stop_at;       /* return -42 for this packet (1-based), 0 never */
	int verdict;       /* give this verdict in the callback, -1 none */
};

static int cb(struct tfq_handle *hh, const struct tfq_packet *p, void *arg)
{
	struct seen *s = arg;

	cr_assert_lt(s->n, 8);
	s->p[s->n] = *p;
	snprintf(s->payload[s->n], sizeof(s->payload[0]), "%.*s", (int)p->payload_len,
		 (const char *)p->payload);
	snprintf(s->in_name[s->n], sizeof(s->in_name[0]), "%s", p->in_name);
	snprintf(s->out_name[s->n], sizeof(s->out_name[0]), "%s", p->out_name);
	s->n++;
	if (s->stop_at && (int)s->n == s->stop_at)
		return -42;
	if (s->verdict >= 0)
		return tfq_verdict(hh, p->queue, p->id, (enum tfq_verdict)s->verdict);
	return 0;
}

/* Dispatch until n packets were seen or 1 s passed. */
static int dispatch_until(struct seen *s, unsigned int n)
{
	int rc = 0;

	for (int i = 0; i < 100 && s->n < n; i++) {
		struct pollfd pfd = { tfq_fd(h), POLLIN, 0 };

		poll(&pfd, 1, 10);
		rc = tfq_dispatch(h, cb, s);
		if (rc < 0)
			return rc;
	}
	return rc;
}

Test(tfq, bind_waits_for_its_ack_and_keeps_packets_aside)
{
	struct seen s = { .verdict = -1 };
	struct queue_wire_msg m;
	uint8_t b[256];

	/* Already waiting when the request goes out: a packet of a queue
	 * bound before, an ACK of another request, then ours. */
	d_packet(7, 1, "early");
	d_ack(99, 0);
	d_ack(1, 0);
	cr_assert_eq(tfq_bind(h, 7, TFQ_COPY_PACKET, 1500), 0);
	cr_assert(d_recv(&m, b, sizeof(b)));
	cr_expect_eq(m.hdr.type, TFQ_MSG_BIND);
	cr_expect_eq(m.hdr.seq, 1);
	cr_expect_eq(m.u.req.queue, 7);
	cr_expect_eq(m.u.req.copy_mode, TFQ_COPY_PACKET);
	cr_expect_eq(m.u.req.copy_range, 1500);

	cr_assert_eq(tfq_dispatch(h, cb, &s), 1);
	cr_expect_eq(s.p[0].id, 1);
	cr_expect_eq(s.p[0].queue, 7);
	cr_expect_eq(s.p[0].mark, 0x11);
	cr_expect_eq(s.p[0].hook, TFQ_HOOK_FORWARD);
	cr_expect_str_eq(s.in_name[0], "lan0");
	cr_expect_str_eq(s.out_name[0], "");
	cr_expect_eq(s.p[0].out_index, -1);
	cr_expect_eq(s.p[0].orig_len, 105);
	cr_expect_str_eq(s.payload[0], "early");
}

Test(tfq, request_errors)
{
	struct queue_wire_msg m;
	uint8_t b[256];

	d_ack(1, EBUSY);
	cr_expect_eq(tfq_bind(h, 1, TFQ_COPY_DEFAULT, 99), -EBUSY);
	cr_assert(d_recv(&m, b, sizeof(b)));
	cr_expect_eq(m.u.req.copy_mode, TFQ_COPY_DEFAULT);
	cr_expect_eq(m.u.req.copy_range, 0, "a range only goes with the packet mode");
	d_ack(2, ENOENT);
	cr_expect_eq(tfq_unbind(h, 1), -ENOENT);
	cr_assert(d_recv(&m, b, sizeof(b)));
	cr_expect_eq(m.hdr.type, TFQ_MSG_UNBIND);
	d_ack(3, 0);
	cr_expect_eq(tfq_set_copy_mode(h, 1, TFQ_COPY_META, 0), 0);
	cr_assert(d_recv(&m, b, sizeof(b)));
	cr_expect_eq(m.hdr.type, TFQ_MSG_COPY_MODE);
	cr_expect_eq(m.u.req.copy_mode, TFQ_COPY_META);
	cr_expect_eq(tfq_set_copy_mode(h, 1, TFQ_COPY_DEFAULT, 0), -EINVAL);
	cr_expect_eq(tfq_bind(h, 1, (enum tfq_copy_mode)9, 0), -EINVAL);
}

Test(tfq, verdicts_inside_dispatch_go_out_together)
{
	struct seen s = { .verdict = TFQ_ACCEPT };
	struct queue_wire_msg m;
	uint8_t b[256];

	d_packet(0, 1, "a");
	d_packet(0, 2, "b");
	d_packet(0, 3, "c");
	cr_assert_eq(dispatch_until(&s, 3), 3);
	for (uint32_t id = 1; id <= 3; id++) {
		cr_assert(d_recv(&m, b, sizeof(b)));
		cr_expect_eq(m.hdr.type, TFQ_MSG_VERDICT);
		cr_expect_eq(m.u.verdict.id, id);
		cr_expect_eq(m.u.verdict.verdict, TFQ_ACCEPT);
		cr_expect_eq(m.u.verdict.flags, 0);
	}
}

Test(tfq, verdict_kinds)
{
	static const char repl[] = "replacement";
	struct queue_wire_msg m;
	uint8_t b[256];

	cr_assert_eq(tfq_verdict_mark(h, 2, 5, TFQ_REPEAT, 7), 0);
	cr_assert(d_recv(&m, b, sizeof(b)));
	cr_expect_eq(m.u.verdict.queue, 2);
	cr_expect_eq(m.u.verdict.verdict, TFQ_REPEAT);
	cr_expect_eq(m.u.verdict.flags, TFQ_VF_MARK);
	cr_expect_eq(m.u.verdict.mark, 7);
	cr_assert_eq(tfq_verdict_payload(h, 2, 6, TFQ_ACCEPT, 0, 0, repl, sizeof(repl)), 0);
	cr_assert(d_recv(&m, b, sizeof(b)));
	cr_expect_eq(m.data_len, sizeof(repl));
	cr_expect_str_eq((const char *)m.data, repl);
	cr_expect_eq(m.u.verdict.flags, 0);
	cr_assert_eq(tfq_verdict_batch(h, 2, 9, TFQ_DROP), 0);
	cr_assert(d_recv(&m, b, sizeof(b)));
	cr_expect_eq(m.hdr.type, TFQ_MSG_VERDICT_BATCH);
	cr_expect_eq(m.u.verdict.id, 9);
	cr_assert_eq(tfq_verdict_batch_mark(h, 2, 10, TFQ_ACCEPT, 3), 0);
	cr_assert(d_recv(&m, b, sizeof(b)));
	cr_expect_eq(m.u.verdict.mark, 3);

	cr_expect_eq(tfq_verdict(h, 0, 1, (enum tfq_verdict)3), -EINVAL);
	cr_expect_eq(tfq_verdict_payload(h, 0, 1, TFQ_ACCEPT, 0, 0, b, TFQ_MAX_PAYLOAD + 1),
		     -EMSGSIZE);
	cr_expect_not(d_recv(&m, b, sizeof(b)), "nothing sent for refused verdicts");
}

Test(tfq, callback_stops_and_the_rest_waits)
{
	struct seen s = { .verdict = -1, .stop_at = 2 };

	d_packet(0, 1, "a");
	d_packet(0, 2, "b");
	d_packet(0, 3, "c");
	cr_assert_eq(dispatch_until(&s, 3), -42);
	cr_expect_eq(s.n, 2);
	s.stop_at = 0;
	cr_expect_eq(tfq_dispatch(h, cb, &s), 1);
	cr_expect_str_eq(s.payload[2], "c");
}

Test(tfq, error_and_end_of_file)
{
	static const char text[] = "VERDICT for queue 3, which this consumer has not bound";
	struct seen s = { .verdict = -1 };
	struct queue_wire_msg m;

	cr_expect_str_eq(tfq_error(h), "");
	memset(&m, 0, sizeof(m));
	m.hdr.type = TFQ_MSG_ERROR;
	m.u.ack.error = EPROTO;
	m.data = (const uint8_t *)text;
	m.data_len = sizeof(text) - 1;
	d_send(&m);
	close(dfd);
	dfd = -1;
	cr_expect_eq(dispatch_until(&s, 1), -EPROTO);
	cr_expect_str_eq(tfq_error(h), text);
	cr_expect_eq(tfq_dispatch(h, cb, &s), -EPIPE);
}

Test(tfq, malformed_daemon_message)
{
	struct seen s = { .verdict = -1 };
	uint8_t junk[20] = { 1, 0, TFQ_MSG_PACKET, 0, 20 };

	cr_assert_eq(send(dfd, junk, sizeof(junk), 0), (ssize_t)sizeof(junk));
	cr_expect_eq(dispatch_until(&s, 1), -EPROTO);
	cr_expect_str_eq(tfq_error(h), "truncated PACKET message: 20 bytes, at least 96 expected");
}

Test(tfq, open_fails_cleanly, .init = NULL, .fini = NULL)
{
	errno = 0;
	cr_expect_null(tfq_open("/nonexistent/queue.sock"));
	cr_expect_eq(errno, ENOENT);
	tfq_close(NULL);
}
