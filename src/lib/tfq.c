// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libtunfilter-queue (see include/tunfilter/queue.h and tunfilter-queue(3)).
 *
 * Receiving: tfq_dispatch() takes up to TFQ_RX_BATCH messages with one
 * recvmmsg into a ring of slots, each as large as the largest message, and
 * hands the packets to the callback where they lie. Messages the callback
 * did not get to (it stopped the dispatch) wait for the next call.
 *
 * Requests (bind, unbind, copy mode) wait for their ACK. Packets that
 * arrive meanwhile are copied aside (the stash) and dispatched, in order,
 * after what the ring held: a request is rare, so only it pays.
 *
 * Sending: verdicts are encoded into one buffer and go out with one
 * sendmmsg per batch, at the end of tfq_dispatch() or when the buffer is
 * full; a verdict given outside tfq_dispatch() goes out at once. The socket
 * is non-blocking for the caller's event loop, so a full socket buffer is
 * waited out here with poll() (tunfilterd reads verdicts promptly).
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "queue/wire.h"
#include "tunfilter/queue.h"

#define TFQ_RX_BATCH 32u
#define TFQ_RX_SLOT (TFQ_MAX_TO_CONSUMER + 1u)
#define TFQ_TX_MAX 256u
#define TFQ_TX_BYTES (256u << 10)
#define TFQ_TIMEOUT_MS 5000
#define TFQ_SNDBUF (1 << 20)

struct tfq_stash {
	struct tfq_stash *next;
	uint32_t len;
	uint8_t data[];
};

struct tfq_handle {
	int fd;
	uint32_t seq;
	bool in_dispatch;
	/* receive ring */
	uint8_t *rxbuf;
	struct mmsghdr rxm[TFQ_RX_BATCH];
	struct iovec rxiov[TFQ_RX_BATCH];
	unsigned int rx_n, rx_i;
	/* while waiting for an ACK */
	uint8_t *onebuf;
	struct tfq_stash *stash, *stash_tail;
	/* verdicts to send */
	uint8_t *txbuf;
	size_t tx_used;
	struct mmsghdr txm[TFQ_TX_MAX];
	struct iovec txiov[TFQ_TX_MAX];
	unsigned int tx_n, tx_done;
	char err[TFQ_MAX_ERROR_TEXT + 1];
};

static int tfq_errno(void)
{
	return errno ? -errno : -EIO;
}

struct tfq_handle *tfq_open(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct tfq_handle *h;
	int sz = TFQ_SNDBUF, e;

	if (!path)
		path = TFQ_DEFAULT_PATH;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	memcpy(sa.sun_path, path, strlen(path));
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->rxbuf = malloc((size_t)TFQ_RX_BATCH * TFQ_RX_SLOT);
	h->txbuf = malloc(TFQ_TX_BYTES);
	h->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (!h->rxbuf || !h->txbuf || h->fd < 0)
		goto fail;
	if (connect(h->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail;
	if (setsockopt(h->fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(h->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	for (unsigned int i = 0; i < TFQ_RX_BATCH; i++) {
		h->rxiov[i].iov_base = h->rxbuf + (size_t)i * TFQ_RX_SLOT;
		h->rxiov[i].iov_len = TFQ_RX_SLOT;
		h->rxm[i].msg_hdr.msg_iov = &h->rxiov[i];
		h->rxm[i].msg_hdr.msg_iovlen = 1;
	}
	return h;
fail:
	e = errno;
	if (h->fd >= 0)
		close(h->fd);
	free(h->rxbuf);
	free(h->txbuf);
	free(h);
	errno = e ? e : ENOMEM;
	return NULL;
}

void tfq_close(struct tfq_handle *h)
{
	struct tfq_stash *s;

	if (!h)
		return;
	tfq_flush(h);
	close(h->fd);
	while ((s = h->stash)) {
		h->stash = s->next;
		free(s);
	}
	free(h->onebuf);
	free(h->rxbuf);
	free(h->txbuf);
	free(h);
}

int tfq_fd(const struct tfq_handle *h)
{
	return h->fd;
}

const char *tfq_error(const struct tfq_handle *h)
{
	return h->err;
}

/* Wait until fd is ready for events, at most TFQ_TIMEOUT_MS. */
static int tfq_wait(struct tfq_handle *h, short events)
{
	struct pollfd pfd = { h->fd, events, 0 };
	int n;

	do
		n = poll(&pfd, 1, TFQ_TIMEOUT_MS);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return tfq_errno();
	return n ? 0 : -ETIMEDOUT;
}

/* ---- sending ---- */

int tfq_flush(struct tfq_handle *h)
{
	int k, rc;

	while (h->tx_done < h->tx_n) {
		k = sendmmsg(h->fd, h->txm + h->tx_done, h->tx_n - h->tx_done, MSG_NOSIGNAL);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS)
				return tfq_errno(); /* left queued: the handle is broken */
			rc = tfq_wait(h, POLLOUT);
			if (rc)
				return rc;
			continue;
		}
		h->tx_done += (unsigned int)k;
	}
	h->tx_n = h->tx_done = 0;
	h->tx_used = 0;
	return 0;
}

/* Encode m into the send buffer; out at once unless inside a dispatch. */
static int tfq_send(struct tfq_handle *h, struct queue_wire_msg *m)
{
	size_t len, need = TFQ_VERDICT_LEN + m->data_len;
	int rc;

	if (h->tx_n == TFQ_TX_MAX || TFQ_TX_BYTES - h->tx_used < need) {
		rc = tfq_flush(h);
		if (rc)
			return rc;
	}
	len = queue_wire_encode(m, h->txbuf + h->tx_used, TFQ_TX_BYTES - h->tx_used);
	if (!len)
		return -EMSGSIZE;
	h->txiov[h->tx_n].iov_base = h->txbuf + h->tx_used;
	h->txiov[h->tx_n].iov_len = len;
	memset(&h->txm[h->tx_n], 0, sizeof(h->txm[h->tx_n]));
	h->txm[h->tx_n].msg_hdr.msg_iov = &h->txiov[h->tx_n];
	h->txm[h->tx_n].msg_hdr.msg_iovlen = 1;
	h->tx_n++;
	h->tx_used += (len + 7) & ~(size_t)7;
	if (h->tx_used > TFQ_TX_BYTES)
		h->tx_used = TFQ_TX_BYTES;
	return h->in_dispatch ? 0 : tfq_flush(h);
}

static int tfq_verdict_msg(struct tfq_handle *h, uint16_t type, uint16_t queue, uint32_t id,
			   enum tfq_verdict verdict, bool set_mark, uint32_t mark,
			   const void *buf, size_t len)
{
	struct queue_wire_msg m;

	if (verdict != TFQ_ACCEPT && verdict != TFQ_DROP && verdict != TFQ_REPEAT)
		return -EINVAL;
	if (len > TFQ_MAX_PAYLOAD)
		return -EMSGSIZE;
	memset(&m, 0, sizeof(m));
	m.hdr.type = type;
	m.u.verdict.id = id;
	m.u.verdict.queue = queue;
	m.u.verdict.verdict = (uint8_t)verdict;
	if (set_mark) {
		m.u.verdict.flags = TFQ_VF_MARK;
		m.u.verdict.mark = mark;
	}
	m.data = buf;
	m.data_len = (uint32_t)len;
	return tfq_send(h, &m);
}

int tfq_verdict(struct tfq_handle *h, uint16_t queue, uint32_t id, enum tfq_verdict verdict)
{
	return tfq_verdict_msg(h, TFQ_MSG_VERDICT, queue, id, verdict, false, 0, NULL, 0);
}

int tfq_verdict_mark(struct tfq_handle *h, uint16_t queue, uint32_t id,
		     enum tfq_verdict verdict, uint32_t mark)
{
	return tfq_verdict_msg(h, TFQ_MSG_VERDICT, queue, id, verdict, true, mark, NULL, 0);
}

int tfq_verdict_payload(struct tfq_handle *h, uint16_t queue, uint32_t id,
			enum tfq_verdict verdict, int set_mark, uint32_t mark, const void *buf,
			size_t len)
{
	if (!buf && len)
		return -EINVAL;
	return tfq_verdict_msg(h, TFQ_MSG_VERDICT, queue, id, verdict, set_mark != 0, mark, buf,
			       len);
}

int tfq_verdict_batch(struct tfq_handle *h, uint16_t queue, uint32_t id,
		      enum tfq_verdict verdict)
{
	return tfq_verdict_msg(h, TFQ_MSG_VERDICT_BATCH, queue, id, verdict, false, 0, NULL, 0);
}

int tfq_verdict_batch_mark(struct tfq_handle *h, uint16_t queue, uint32_t id,
			   enum tfq_verdict verdict, uint32_t mark)
{
	return tfq_verdict_msg(h, TFQ_MSG_VERDICT_BATCH, queue, id, verdict, true, mark, NULL, 0);
}

/* ---- receiving ---- */

/* Decode a daemon message; an ERROR or a malformed one is -EPROTO with
 * the reason in h->err. */
static int tfq_decode(struct tfq_handle *h, const uint8_t *buf, size_t len, int flags,
		      struct queue_wire_msg *m)
{
	int rc;

	if (len == 0)
		return -EPIPE; /* end of file */
	if (flags & MSG_TRUNC) {
		snprintf(h->err, sizeof(h->err), "message of %zu bytes, larger than %u", len,
			 TFQ_MAX_TO_CONSUMER);
		return -EPROTO;
	}
	rc = queue_wire_decode(buf, len, QUEUE_WIRE_TO_CONSUMER, m, h->err, sizeof(h->err));
	if (rc)
		return -EPROTO;
	if (m->hdr.type == TFQ_MSG_ERROR) {
		snprintf(h->err, sizeof(h->err), "%.*s", (int)m->data_len, (const char *)m->data);
		return -EPROTO;
	}
	return 0;
}

static void tfq_packet_view(const struct queue_wire_msg *m, struct tfq_packet *p)
{
	const struct tfq_packet_msg *pm = &m->u.packet;

	p->id = pm->id;
	p->queue = pm->queue;
	p->hook = pm->hook;
	p->flags = pm->flags;
	p->mark = pm->mark;
	p->orig_len = pm->orig_len;
	p->in_index = pm->in_index;
	p->out_index = pm->out_index;
	p->in_name = pm->in_name;
	p->out_name = pm->out_name;
	p->tstamp_ns = pm->tstamp_ns;
	p->ct_id = pm->ct_id;
	p->ct_state = pm->ct_state;
	p->copy_mode = pm->copy_mode;
	p->payload = m->data;
	p->payload_len = m->data_len;
}

/* Handle one received message: 1 when it was a packet given to cb, 0
 * for one ignored (an ACK nobody waits for), or cb's / a decoding error. */
static int tfq_handle_msg(struct tfq_handle *h, const uint8_t *buf, size_t len, int flags,
			  tfq_callback cb, void *arg)
{
	struct queue_wire_msg m;
	struct tfq_packet p;
	int rc = tfq_decode(h, buf, len, flags, &m);

	if (rc)
		return rc;
	if (m.hdr.type != TFQ_MSG_PACKET)
		return 0;
	tfq_packet_view(&m, &p);
	rc = cb(h, &p, arg);
	return rc < 0 ? rc : 1;
}

static int tfq_dispatch_stash(struct tfq_handle *h, tfq_callback cb, void *arg, int *count)
{
	struct tfq_stash *s;
	int rc;

	while ((s = h->stash)) {
		h->stash = s->next;
		if (!h->stash)
			h->stash_tail = NULL;
		rc = tfq_handle_msg(h, s->data, s->len, 0, cb, arg);
		free(s);
		if (rc < 0)
			return rc;
		*count += rc;
	}
	return 0;
}

static int tfq_dispatch_ring(struct tfq_handle *h, tfq_callback cb, void *arg, int *count)
{
	int rc;

	while (h->rx_i < h->rx_n) {
		unsigned int i = h->rx_i++;

		rc = tfq_handle_msg(h, h->rxiov[i].iov_base, h->rxm[i].msg_len,
				    h->rxm[i].msg_hdr.msg_flags, cb, arg);
		if (rc < 0)
			return rc;
		*count += rc;
	}
	return 0;
}

static int tfq_receive(struct tfq_handle *h)
{
	int n;

	for (unsigned int i = 0; i < TFQ_RX_BATCH; i++)
		h->rxm[i].msg_hdr.msg_flags = 0;
	do
		n = recvmmsg(h->fd, h->rxm, TFQ_RX_BATCH, MSG_DONTWAIT, NULL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : tfq_errno();
	/* At the end of file every entry reads 0 bytes: keep the first. */
	for (int i = 0; i < n; i++) {
		if (h->rxm[i].msg_len == 0) {
			n = i + 1;
			break;
		}
	}
	h->rx_n = (unsigned int)n;
	h->rx_i = 0;
	return n;
}

int tfq_dispatch(struct tfq_handle *h, tfq_callback cb, void *arg)
{
	int count = 0, rc, frc;

	h->in_dispatch = true;
	rc = tfq_dispatch_ring(h, cb, arg, &count);
	if (!rc)
		rc = tfq_dispatch_stash(h, cb, arg, &count);
	if (!rc) {
		rc = tfq_receive(h);
		if (rc > 0)
			rc = tfq_dispatch_ring(h, cb, arg, &count);
	}
	h->in_dispatch = false;
	frc = tfq_flush(h);
	if (rc < 0)
		return rc;
	return frc < 0 ? frc : count;
}

int tfq_run(struct tfq_handle *h, tfq_callback cb, void *arg)
{
	struct pollfd pfd = { h->fd, POLLIN, 0 };
	int rc;

	for (;;) {
		rc = tfq_dispatch(h, cb, arg);
		if (rc < 0)
			return rc;
		if (rc > 0 || h->stash || h->rx_i < h->rx_n)
			continue;
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			return tfq_errno();
	}
}

/* ---- requests ---- */

static int tfq_stash_add(struct tfq_handle *h, const uint8_t *buf, size_t len)
{
	struct tfq_stash *s = malloc(sizeof(*s) + len);

	if (!s)
		return -ENOMEM;
	s->next = NULL;
	s->len = (uint32_t)len;
	memcpy(s->data, buf, len);
	if (h->stash_tail)
		h->stash_tail->next = s;
	else
		h->stash = s;
	h->stash_tail = s;
	return 0;
}

/* Wait for the ACK of seq, putting packets aside. -error of the ACK. */
static int tfq_wait_ack(struct tfq_handle *h, uint32_t seq)
{
	struct queue_wire_msg m;
	ssize_t n;
	int rc;

	if (!h->onebuf && !(h->onebuf = malloc(TFQ_RX_SLOT)))
		return -ENOMEM;
	for (;;) {
		struct iovec iov = { h->onebuf, TFQ_RX_SLOT };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

		n = recvmsg(h->fd, &mh, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return tfq_errno();
			rc = tfq_wait(h, POLLIN);
			if (rc)
				return rc;
			continue;
		}
		rc = tfq_decode(h, h->onebuf, (size_t)n, mh.msg_flags, &m);
		if (rc)
			return rc;
		if (m.hdr.type == TFQ_MSG_PACKET) {
			rc = tfq_stash_add(h, h->onebuf, (size_t)n);
			if (rc)
				return rc;
			continue;
		}
		if (m.hdr.seq == seq)
			return -m.u.ack.error;
	}
}

static int tfq_request(struct tfq_handle *h, uint16_t type, uint16_t num,
		       enum tfq_copy_mode mode, uint32_t range)
{
	struct queue_wire_msg m;
	bool in = h->in_dispatch;
	int rc;

	if (type != TFQ_MSG_UNBIND) {
		if (mode != TFQ_COPY_NONE && mode != TFQ_COPY_META && mode != TFQ_COPY_PACKET &&
		    !(mode == TFQ_COPY_DEFAULT && type == TFQ_MSG_BIND))
			return -EINVAL;
		if (mode != TFQ_COPY_PACKET)
			range = 0;
		else if (range > TFQ_MAX_PAYLOAD)
			range = TFQ_MAX_PAYLOAD;
	}
	memset(&m, 0, sizeof(m));
	m.hdr.type = type;
	m.hdr.seq = ++h->seq;
	m.u.req.queue = num;
	if (type != TFQ_MSG_UNBIND) {
		m.u.req.copy_mode = (uint8_t)mode;
		m.u.req.copy_range = range;
	}
	/* Verdicts given so far go first, then the request, at once. */
	h->in_dispatch = false;
	rc = tfq_send(h, &m);
	h->in_dispatch = in;
	if (rc)
		return rc;
	return tfq_wait_ack(h, m.hdr.seq);
}

int tfq_bind(struct tfq_handle *h, uint16_t num, enum tfq_copy_mode mode, uint32_t range)
{
	return tfq_request(h, TFQ_MSG_BIND, num, mode, range);
}

int tfq_unbind(struct tfq_handle *h, uint16_t num)
{
	return tfq_request(h, TFQ_MSG_UNBIND, num, TFQ_COPY_NONE, 0);
}

int tfq_set_copy_mode(struct tfq_handle *h, uint16_t num, enum tfq_copy_mode mode,
		      uint32_t range)
{
	return tfq_request(h, TFQ_MSG_COPY_MODE, num, mode, range);
}
