// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The queue socket server (see server.h).
 *
 * Life of a connection:
 *
 *   accept -> peer check --refused--> one ERROR (EACCES or EUSERS), close
 *      |
 *   OPEN: readable -> recvmmsg a batch -> queue_consumer_input() each
 *      |              -> router_flush() once for the batch
 *      |  kicked (packets or replies to send) -> write event made active:
 *      |              fill -> sendmmsg -> sent, until empty or EAGAIN
 *      |              (EAGAIN: wait for the socket to be writable)
 *      |--EOF, socket error------------------------> closed
 *      |--protocol error: the ERROR is queued -----> one try to send it,
 *                                                    closed
 *   closed: queue_consumer_free() gives its packets the default verdict.
 *
 * A connection is freed only at the end of its own callbacks (or at
 * close), never while one of them runs further up the stack.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "core/router.h"
#include "daemon/log.h"
#include "io/usock.h"
#include "queue/queue.h"
#include "queue/server.h"

#define QS_RX_BATCH 32u
#define QS_TX_BATCH 64u
#define QS_ACCEPT_BATCH 16
/* Room for packet messages in flight to one consumer. */
#define QS_SNDBUF (4 << 20)
#define QS_RXBUF_SLOT (TFQ_MAX_TO_DAEMON + 1u)

struct queue_conn {
	struct queue_server *s;
	struct queue_conn *prev, *next;
	int fd;
	struct queue_consumer *c;
	struct event *ev_read, *ev_write;
	pid_t pid;
	uid_t uid;
	bool closing;   /* close once the current callback is done */
};

struct queue_server {
	struct event_base *base;
	struct router *r;
	struct queue_table *t;
	struct usock sock;
	bool listening;
	struct event *ev_accept, *ev_resume, *ev_timer;
	bool timer_armed;
	uint64_t timer_deadline;
	struct queue_conn *conns;
	unsigned int n_conns;
	struct log_ratelimit errlog;  /* refusals and protocol errors */
	struct log_ratelimit infolog; /* connections, socket errors */
	/* One set of buffers for all: a batch is handled before the next. */
	uint8_t *rxbuf;
	struct mmsghdr rxm[QS_RX_BATCH];
	struct iovec rxiov[QS_RX_BATCH];
	struct queue_tx tx[QS_TX_BATCH];
	struct mmsghdr txm[QS_TX_BATCH];
};

/* ---- clock ---- */

/* The router clock, as the TUN reader sets it; returns the offset from
 * the monotonic to the real-time clock, in ns, for packet timestamps. */
static int64_t queue_server_clock(struct queue_server *s)
{
	struct timespec mono, real;
	uint64_t mono_ms;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	mono_ms = (uint64_t)mono.tv_sec * 1000u + (uint64_t)mono.tv_nsec / 1000000u;
	router_set_clock(s->r, mono_ms,
			 (uint32_t)(real.tv_sec % 86400) * 1000u +
				 (uint32_t)(real.tv_nsec / 1000000));
	return ((int64_t)real.tv_sec - mono.tv_sec) * 1000000000 + (real.tv_nsec - mono.tv_nsec);
}

/* ---- connections ---- */

static void queue_conn_free(struct queue_conn *qc)
{
	struct queue_server *s = qc->s;

	if (qc->c)
		queue_consumer_free(qc->c); /* default verdicts: router work */
	if (qc->ev_read)
		event_free(qc->ev_read);
	if (qc->ev_write)
		event_free(qc->ev_write);
	close(qc->fd);
	if (qc->prev)
		qc->prev->next = qc->next;
	else
		s->conns = qc->next;
	if (qc->next)
		qc->next->prev = qc->prev;
	s->n_conns--;
	free(qc);
	router_flush(s->r);
}

/*
 * Write what the consumer has to send, in batches, until nothing is left
 * or its socket is full (then wait until it is writable). Returns false
 * when the connection failed and must be closed.
 */
static bool queue_conn_flush(struct queue_conn *qc)
{
	struct queue_server *s = qc->s;
	int64_t off = queue_server_clock(s);
	unsigned int n, i;
	int k;

	for (;;) {
		n = queue_consumer_fill(qc->c, s->tx, QS_TX_BATCH, off);
		if (!n)
			return true;
		for (i = 0; i < n; i++) {
			memset(&s->txm[i].msg_hdr, 0, sizeof(s->txm[i].msg_hdr));
			s->txm[i].msg_hdr.msg_iov = s->tx[i].iov;
			s->txm[i].msg_hdr.msg_iovlen = s->tx[i].iov[1].iov_len ? 2 : 1;
		}
		k = sendmmsg(qc->fd, s->txm, n, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (k < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
				event_add(qc->ev_write, NULL);
				return true;
			}
			if (errno == EINTR)
				continue;
			log_ratelimited(&s->infolog, s->r->now_ms, LOG_LVL_INFO,
					"queue: consumer pid %d: write: %s", (int)qc->pid,
					strerror(errno));
			return false;
		}
		queue_consumer_sent(qc->c, s->tx, (unsigned int)k);
		if ((unsigned int)k < n) {
			event_add(qc->ev_write, NULL);
			return true;
		}
	}
}

static void queue_conn_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct queue_conn *qc = arg;

	if (!queue_conn_flush(qc) || qc->closing)
		queue_conn_free(qc);
}

/* A protocol error: log it (rate limited: a broken consumer may
 * reconnect in a loop), try once to send the ERROR, then close. */
static void queue_conn_broken(struct queue_conn *qc, const char *why)
{
	struct queue_server *s = qc->s;

	log_ratelimited(&s->errlog, s->r->now_ms, LOG_LVL_WARNING,
			"queue: consumer pid %d uid %u: %s; closing it", (int)qc->pid,
			(unsigned int)qc->uid, why);
	qc->closing = true;
	event_del(qc->ev_read);
}

static void queue_conn_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct queue_conn *qc = arg;
	struct queue_server *s = qc->s;
	char err[TFQ_MAX_ERROR_TEXT + 1];
	int n, i;

	queue_server_clock(s);
	for (i = 0; i < (int)QS_RX_BATCH; i++)
		s->rxm[i].msg_hdr.msg_flags = 0;
	/* MSG_TRUNC: msg_len is the real length of a message too long for
	 * its slot; the decoder refuses it from the header alone. */
	n = recvmmsg(fd, s->rxm, QS_RX_BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		log_ratelimited(&s->infolog, s->r->now_ms, LOG_LVL_INFO,
				"queue: consumer pid %d: read: %s", (int)qc->pid, strerror(errno));
		queue_conn_free(qc);
		return;
	}
	for (i = 0; i < n && !qc->closing; i++) {
		size_t len = s->rxm[i].msg_len;

		if (len == 0) { /* end of file (or an empty record: no such message) */
			qc->closing = true;
			break;
		}
		if (queue_consumer_input(qc->c, s->rxiov[i].iov_base, len, err, sizeof(err)) < 0)
			queue_conn_broken(qc, err);
	}
	router_flush(s->r);
	if (qc->closing) {
		queue_conn_flush(qc); /* the ERROR, if it fits now */
		queue_conn_free(qc);
	}
}

static void queue_server_kick(void *arg, struct queue_consumer *c)
{
	struct queue_conn *qc = queue_consumer_owner(c);

	event_active(qc->ev_write, EV_WRITE, 0);
}

/* ---- expiry ---- */

static void queue_server_arm_at(struct queue_server *s, uint64_t deadline)
{
	uint64_t now = s->r->now_ms, ms = deadline > now ? deadline - now : 0;
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	if (deadline == UINT64_MAX) {
		event_del(s->ev_timer);
		s->timer_armed = false;
		return;
	}
	s->timer_armed = true;
	s->timer_deadline = deadline;
	evtimer_add(s->ev_timer, &tv);
}

static void queue_server_arm(void *arg, uint64_t deadline)
{
	struct queue_server *s = arg;

	if (!s->timer_armed || deadline < s->timer_deadline)
		queue_server_arm_at(s, deadline);
}

static void queue_server_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct queue_server *s = arg;

	s->timer_armed = false;
	queue_server_clock(s);
	queue_table_expire(s->t, s->r->now_ms);
	router_flush(s->r);
	/* The clock has millisecond steps: never spin on "due in 0 ms". */
	queue_server_arm_at(s, queue_table_next_deadline(s->t));
}

static const struct queue_ops queue_server_ops = {
	.kick = queue_server_kick,
	.arm = queue_server_arm,
};

/* ---- accepting ---- */

/* Refuse a connection with one ERROR; it fits an empty socket buffer. */
static void queue_server_refuse(int fd, int error, const char *text)
{
	uint8_t buf[TFQ_ACK_LEN + TFQ_MAX_ERROR_TEXT];
	struct queue_wire_msg m;
	size_t len;

	memset(&m, 0, sizeof(m));
	m.hdr.type = TFQ_MSG_ERROR;
	m.u.ack.error = error;
	m.data = (const uint8_t *)text;
	m.data_len = (uint32_t)strlen(text);
	len = queue_wire_encode(&m, buf, sizeof(buf));
	if (len && send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_debug("queue: refusal not sent: %s", strerror(errno));
	close(fd);
}

static void queue_server_accept_one(struct queue_server *s, int fd)
{
	struct ucred cr = { 0, 0, 0 };
	struct queue_conn *qc;
	int sz = QS_SNDBUF;

	if (!usock_peer_allowed(&s->sock, fd, &cr)) {
		log_ratelimited(&s->errlog, s->r->now_ms, LOG_LVL_WARNING,
				"queue: refused pid %d uid %u gid %u: permission denied",
				(int)cr.pid, (unsigned int)cr.uid, (unsigned int)cr.gid);
		queue_server_refuse(fd, EACCES, "permission denied");
		return;
	}
	if (s->n_conns >= QUEUE_MAX_CONSUMERS) {
		log_ratelimited(&s->errlog, s->r->now_ms, LOG_LVL_WARNING,
				"queue: refused pid %d: %u consumers connected", (int)cr.pid,
				s->n_conns);
		queue_server_refuse(fd, EUSERS, "too many consumers");
		return;
	}
	/* As root the buffer may exceed net.core.wmem_max; else the
	 * kernel's limit is what we get. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	qc = calloc(1, sizeof(*qc));
	if (!qc) {
		queue_server_refuse(fd, ENOMEM, "out of memory");
		return;
	}
	qc->s = s;
	qc->fd = fd;
	qc->pid = cr.pid;
	qc->uid = cr.uid;
	qc->c = queue_consumer_new(s->t, cr.pid, cr.uid, qc);
	qc->ev_read = event_new(s->base, fd, EV_READ | EV_PERSIST, queue_conn_read_cb, qc);
	qc->ev_write = event_new(s->base, fd, EV_WRITE, queue_conn_write_cb, qc);
	qc->next = s->conns;
	if (s->conns)
		s->conns->prev = qc;
	s->conns = qc;
	s->n_conns++;
	if (!qc->c || !qc->ev_read || !qc->ev_write || event_add(qc->ev_read, NULL) < 0) {
		queue_conn_free(qc);
		return;
	}
	/* Rate limited too: a consumer may reconnect in a loop. */
	log_ratelimited(&s->infolog, s->r->now_ms, LOG_LVL_INFO,
			"queue: consumer pid %d uid %u connected", (int)cr.pid,
			(unsigned int)cr.uid);
}

static void queue_server_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct queue_server *s = arg;

	event_add(s->ev_accept, NULL);
}

static void queue_server_accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	static const struct timeval pause = { 1, 0 };
	struct queue_server *s = arg;
	int i, fd;

	queue_server_clock(s);
	for (i = 0; i < QS_ACCEPT_BATCH; i++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			queue_server_accept_one(s, fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		/* Out of descriptors or memory: pause instead of spinning. */
		log_err("queue: accept: %s", strerror(errno));
		event_del(s->ev_accept);
		evtimer_add(s->ev_resume, &pause);
		return;
	}
}

/* ---- public ---- */

static void queue_server_table_cfg(const struct config_queue *cfg, struct queue_table_config *tc)
{
	tc->defaults = cfg->defaults;
	tc->nums = cfg->nums;
	tc->n_nums = cfg->n_nums;
}

static int queue_server_listen(struct queue_server *s, const struct config_queue *cfg, char *err,
			       size_t errlen)
{
	int rc;

	s->rxbuf = malloc((size_t)QS_RX_BATCH * QS_RXBUF_SLOT);
	if (!s->rxbuf) {
		snprintf(err, errlen, "queue socket: out of memory");
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < QS_RX_BATCH; i++) {
		s->rxiov[i].iov_base = s->rxbuf + (size_t)i * QS_RXBUF_SLOT;
		s->rxiov[i].iov_len = QS_RXBUF_SLOT;
		s->rxm[i].msg_hdr.msg_iov = &s->rxiov[i];
		s->rxm[i].msg_hdr.msg_iovlen = 1;
	}
	rc = usock_listen(&s->sock, "queue socket", cfg->path, SOCK_SEQPACKET, cfg->mode,
			  cfg->group, QUEUE_MAX_CONSUMERS, err, errlen);
	if (rc)
		return rc;
	s->listening = true;
	s->ev_accept = event_new(s->base, s->sock.fd, EV_READ | EV_PERSIST, queue_server_accept_cb,
				 s);
	s->ev_resume = evtimer_new(s->base, queue_server_resume_cb, s);
	if (!s->ev_accept || !s->ev_resume || event_add(s->ev_accept, NULL) < 0) {
		snprintf(err, errlen, "queue socket: cannot register with the event loop");
		return -ENOMEM;
	}
	return 0;
}

int queue_server_open(struct queue_server **out, struct event_base *base, struct router *r,
		      const struct config_queue *cfg, char *err, size_t errlen)
{
	struct queue_table_config tc;
	struct queue_server *s;
	int rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "queue: out of memory");
		return -ENOMEM;
	}
	s->base = base;
	s->r = r;
	s->sock.fd = -1;
	rc = queue_table_new(&s->t, r, &queue_server_ops, s);
	if (!rc) {
		queue_server_table_cfg(cfg, &tc);
		rc = queue_table_configure(s->t, &tc);
	}
	if (rc) {
		snprintf(err, errlen, "cannot set up the queues: %s", strerror(-rc));
		goto fail;
	}
	s->ev_timer = evtimer_new(base, queue_server_timer_cb, s);
	if (!s->ev_timer) {
		snprintf(err, errlen, "queue: cannot register with the event loop");
		rc = -ENOMEM;
		goto fail;
	}
	if (cfg->enabled) {
		rc = queue_server_listen(s, cfg, err, errlen);
		if (rc)
			goto fail;
	}
	*out = s;
	return 0;
fail:
	queue_server_close(s);
	return rc;
}

void queue_server_close(struct queue_server *s)
{
	if (!s)
		return;
	while (s->conns)
		queue_conn_free(s->conns);
	if (s->ev_accept)
		event_free(s->ev_accept);
	if (s->ev_resume)
		event_free(s->ev_resume);
	if (s->ev_timer)
		event_free(s->ev_timer);
	usock_close(&s->sock);
	queue_table_free(s->t);
	free(s->rxbuf);
	free(s);
}

int queue_server_configure(struct queue_server *s, const struct config_queue *cfg)
{
	struct queue_table_config tc;

	queue_server_table_cfg(cfg, &tc);
	return queue_table_configure(s->t, &tc);
}

struct queue_table *queue_server_table(const struct queue_server *s)
{
	return s->t;
}

const char *queue_server_path(const struct queue_server *s)
{
	return s->listening ? s->sock.path : NULL;
}
