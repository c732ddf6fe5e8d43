// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control socket server (see server.h for the contract).
 *
 * Life of a client:
 *
 *   accept -> peer check --refused--> error reply sent with one send(), close
 *                 |
 *              READING: bytes gather in the bufferevent input (at most one
 *                 |     header + CTL_MAX_PAYLOAD; the read timeout applies)
 *                 |--bad header/payload, timeout--> error reply -> CLOSING
 *                 |--EOF or error mid-message-----> freed
 *              request complete: cmd_dispatch()
 *                 |                         \--command asked to stream--> STREAMING
 *              reply queued -> CLOSING         events queued; input discarded;
 *                 |                            finish -> CLOSING; EOF -> gone(), freed
 *              output drained (write callback) -> freed
 *
 * A client is freed only from its own callbacks or control_close(), never
 * while one of its callbacks is still running further up the stack.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include "control/cmd.h"
#include "control/out.h"
#include "control/proto.h"
#include "control/server.h"
#include "daemon/daemon.h"
#include "daemon/log.h"
#include "io/usock.h"

#define CONTROL_HDR_LEN sizeof(struct ctl_hdr)
#define CONTROL_ACCEPT_BATCH 16
#define CONTROL_ERR_PREFIX "tunfilter: "
#define CONTROL_ERR_PREFIX_LEN (sizeof(CONTROL_ERR_PREFIX) - 1)

static const struct timeval control_timeout = { CONTROL_TIMEOUT_S, 0 };

enum control_state {
	CL_READING,
	CL_STREAMING,
	CL_CLOSING,
};

struct control_client {
	struct control *ctl;
	struct control_client *prev, *next;
	struct bufferevent *bev;
	enum control_state state;
	control_gone_fn gone;
	void *gone_arg;
	pid_t pid;
	uid_t uid;
};

struct control {
	struct daemon *d;
	struct usock sock;
	struct event *ev_accept;
	struct event *ev_resume;  /* re-arms accepting after EMFILE and friends */
	struct control_client *clients;
	unsigned int n_clients;
	struct control_client *current;
	struct log_ratelimit refusals; /* strangers must not flood the log */
};

/* ---- replies ---- */

/* Answer a connection we will not serve, without queueing: one small
 * message always fits an empty socket buffer. */
static void control_refuse(int fd, const char *msg)
{
	uint8_t *buf;
	size_t len;

	if (ctl_reply_encode(1, NULL, 0, msg, (uint32_t)strlen(msg), &buf, &len) == 0) {
		if (send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			log_debug("control: refusal not sent: %s", strerror(errno));
		free(buf);
	}
	close(fd);
}

static void control_free_buf(const void *data, size_t len, void *arg)
{
	free((void *)data);
}

/* Queue an encoded message without copying it. 0 or -ENOMEM. */
static int control_queue(struct control_client *cl, uint8_t *buf, size_t len)
{
	struct evbuffer *outb = bufferevent_get_output(cl->bev);

	if (evbuffer_add_reference(outb, buf, len, control_free_buf, NULL) < 0) {
		free(buf);
		return -ENOMEM;
	}
	return 0;
}

static void control_client_free(struct control_client *cl)
{
	struct control *c = cl->ctl;

	if (cl->state == CL_STREAMING && cl->gone)
		cl->gone(cl, cl->gone_arg);
	if (cl->prev)
		cl->prev->next = cl->next;
	else
		c->clients = cl->next;
	if (cl->next)
		cl->next->prev = cl->prev;
	c->n_clients--;
	bufferevent_free(cl->bev);
	free(cl);
}

/*
 * The last message of a connection. The client is freed by the write
 * callback once the output has drained (or by the event callback if the
 * peer goes away first), never synchronously.
 */
static void control_reply(struct control_client *cl, int status, const char *out, size_t out_len,
			  const char *err, size_t err_len)
{
	static const char too_big[] = "tunfilter: reply too large for the control protocol\n";
	static const char no_mem[] = "tunfilter: out of memory\n";
	uint8_t *buf;
	size_t len;
	int ret = -EMSGSIZE;

	cl->state = CL_CLOSING;
	cl->gone = NULL;
	bufferevent_disable(cl->bev, EV_READ);
	if (out_len <= CTL_MAX_PAYLOAD && err_len <= CTL_MAX_PAYLOAD)
		ret = ctl_reply_encode(status, out, (uint32_t)out_len, err, (uint32_t)err_len, &buf,
				       &len);
	if (ret == -EMSGSIZE)
		ret = ctl_reply_encode(1, NULL, 0, too_big, sizeof(too_big) - 1, &buf, &len);
	if (ret)
		ret = ctl_reply_encode(1, NULL, 0, no_mem, sizeof(no_mem) - 1, &buf, &len);
	if (ret == 0)
		control_queue(cl, buf, len);
	/* Never free here: our caller may still hold the input buffer. With
	 * nothing queued (out of memory), a deferred write callback frees. */
	bufferevent_enable(cl->bev, EV_WRITE);
	if (evbuffer_get_length(bufferevent_get_output(cl->bev)) == 0)
		bufferevent_trigger(cl->bev, EV_WRITE,
				    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
}

static void control_error(struct control_client *cl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* An error reply: "tunfilter: " + message for the user, logged without. */
static void control_error(struct control_client *cl, const char *fmt, ...)
{
	const size_t pl = CONTROL_ERR_PREFIX_LEN;
	char msg[256] = CONTROL_ERR_PREFIX;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg + pl, sizeof(msg) - pl, fmt, ap);
	va_end(ap);
	n = n < 0 ? (int)pl : n + (int)pl;
	log_info("control: pid %d uid %u: %s", (int)cl->pid, (unsigned int)cl->uid,
		 msg + pl);
	if ((size_t)n >= sizeof(msg) - 1)
		n = sizeof(msg) - 2;
	msg[n++] = '\n';
	control_reply(cl, 1, NULL, 0, msg, (size_t)n);
}

/* ---- requests ---- */

static void control_dispatch(struct control_client *cl, const uint8_t *payload, uint32_t len)
{
	struct control *c = cl->ctl;
	struct ctl_request *req;
	struct out o, e;
	int status;

	req = malloc(sizeof(*req)); /* argv[] makes it 8 KiB */
	if (!req) {
		control_error(cl, "out of memory");
		return;
	}
	if (ctl_request_decode(payload, len, req)) {
		free(req);
		control_error(cl, "protocol error: malformed request");
		return;
	}
	out_init(&o, req->flags & CTL_F_JSON);
	out_init(&e, false);
	c->current = cl;
	status = cmd_dispatch(c->d, req, &o, &e);
	c->current = NULL;
	free(req);
	if (cl->state == CL_STREAMING) {
		if (o.len && !o.oom)
			control_client_send_event(cl, o.buf, o.len);
	} else if (cl->state != CL_READING) {
		/* The command streamed and already finished: replied. */
	} else if (o.oom || e.oom) {
		control_error(cl, "out of memory");
	} else {
		control_reply(cl, status, o.buf, o.len, e.buf, e.len);
	}
	out_free(&o);
	out_free(&e);
}

/* Returns true when the input held a whole request (now handled). */
static bool control_read_request(struct control_client *cl)
{
	struct evbuffer *in = bufferevent_get_input(cl->bev);
	size_t have = evbuffer_get_length(in);
	struct ctl_hdr h;
	uint8_t *msg;
	int ret;

	if (have < CONTROL_HDR_LEN)
		return false;
	evbuffer_copyout(in, &h, sizeof(h));
	ret = ctl_hdr_check(&h);
	if (ret == -EPROTONOSUPPORT) {
		control_error(cl, "protocol error: version %u not supported (tunfilterd "
			      "speaks %u)", h.version, CTL_VERSION);
		return true;
	}
	if (ret == -EMSGSIZE) {
		control_error(cl, "protocol error: request of %u bytes is larger than %u",
			      h.len, CTL_MAX_PAYLOAD);
		return true;
	}
	if (h.magic != CTL_MAGIC) {
		control_error(cl, "protocol error: bad magic, not a tunfilter control message");
		return true;
	}
	if (ret || h.type != CTL_REQUEST) {
		control_error(cl, "protocol error: message type %u is not a request", h.type);
		return true;
	}
	if (have < CONTROL_HDR_LEN + h.len)
		return false;
	msg = evbuffer_pullup(in, (ssize_t)(CONTROL_HDR_LEN + h.len));
	if (!msg) {
		control_error(cl, "out of memory");
		return true;
	}
	control_dispatch(cl, msg + CONTROL_HDR_LEN, h.len);
	return true;
}

static void control_read_cb(struct bufferevent *bev, void *arg)
{
	struct control_client *cl = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	if (cl->state == CL_READING) {
		if (!control_read_request(cl))
			return;
	}
	/* Anything after the request (or sent while streaming) is ignored. */
	evbuffer_drain(in, evbuffer_get_length(in));
}

static void control_write_cb(struct bufferevent *bev, void *arg)
{
	struct control_client *cl = arg;

	if (cl->state == CL_CLOSING && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		control_client_free(cl);
}

static void control_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct control_client *cl = arg;

	if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_READING) &&
	    cl->state == CL_READING) {
		bufferevent_set_timeouts(bev, NULL, &control_timeout);
		control_error(cl, "timed out waiting for a complete request");
		return;
	}
	/* EOF, error, or a client that does not read its reply: nothing left
	 * to say. A message cut short is simply dropped with the client. */
	control_client_free(cl);
}

/* ---- accepting ---- */

static void control_accept_one(struct control *c, int fd)
{
	struct control_client *cl;
	struct ucred cr = { 0, 0, 0 };

	if (!usock_peer_allowed(&c->sock, fd, &cr)) {
		log_ratelimited(&c->refusals, c->d->router.now_ms, LOG_LVL_WARNING,
				"control: refused pid %d uid %u gid %u: permission denied",
				(int)cr.pid, (unsigned int)cr.uid, (unsigned int)cr.gid);
		control_refuse(fd, "tunfilter: permission denied\n");
		return;
	}
	if (c->n_clients >= CONTROL_MAX_CLIENTS) {
		log_ratelimited(&c->refusals, c->d->router.now_ms, LOG_LVL_WARNING,
				"control: refused pid %d: %u connections open", (int)cr.pid,
				c->n_clients);
		control_refuse(fd, "tunfilter: too many control connections, try again\n");
		return;
	}
	cl = calloc(1, sizeof(*cl));
	if (cl)
		cl->bev = bufferevent_socket_new(c->d->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!cl || !cl->bev) {
		free(cl);
		control_refuse(fd, "tunfilter: out of memory\n");
		return;
	}
	cl->ctl = c;
	cl->pid = cr.pid;
	cl->uid = cr.uid;
	cl->next = c->clients;
	if (c->clients)
		c->clients->prev = cl;
	c->clients = cl;
	c->n_clients++;
	bufferevent_setcb(cl->bev, control_read_cb, control_write_cb, control_event_cb, cl);
	/* Never buffer more than one whole request. */
	bufferevent_setwatermark(cl->bev, EV_READ, 0, CONTROL_HDR_LEN + CTL_MAX_PAYLOAD);
	bufferevent_set_timeouts(cl->bev, &control_timeout, &control_timeout);
	bufferevent_enable(cl->bev, EV_READ | EV_WRITE);
}

static void control_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct control *c = arg;

	event_add(c->ev_accept, NULL);
}

static void control_accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	static const struct timeval pause = { 1, 0 };
	struct control *c = arg;
	int i, fd;

	for (i = 0; i < CONTROL_ACCEPT_BATCH; i++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			control_accept_one(c, fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		/* Out of descriptors or memory: the listening socket stays
		 * readable, so stop polling it for a second instead of
		 * spinning. */
		log_err("control: accept: %s", strerror(errno));
		event_del(c->ev_accept);
		evtimer_add(c->ev_resume, &pause);
		return;
	}
}

/* ---- public ---- */

int control_open(struct control **out, struct daemon *d, char *err, size_t errlen)
{
	const char *group = d->cfg.control_group;
	struct control *c;
	int ret;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	c->d = d;
	c->sock.fd = -1;
	/* libevent writes to clients with writev(), which cannot say
	 * MSG_NOSIGNAL: a client that leaves mid-reply must cost an EPIPE,
	 * not the daemon. (main ignores SIGPIPE too; this keeps the server
	 * safe in any other host, such as a test driver.) */
	signal(SIGPIPE, SIG_IGN);
	ret = usock_listen(&c->sock, "control socket", d->cfg.control_socket, SOCK_STREAM,
			   group[0] ? 0660 : 0600, group, CONTROL_MAX_CLIENTS, err, errlen);
	if (ret)
		goto fail;
	c->ev_accept = event_new(d->base, c->sock.fd, EV_READ | EV_PERSIST, control_accept_cb, c);
	c->ev_resume = evtimer_new(d->base, control_resume_cb, c);
	if (!c->ev_accept || !c->ev_resume || event_add(c->ev_accept, NULL) < 0) {
		snprintf(err, errlen, "control socket: cannot register with the event loop");
		ret = -ENOMEM;
		goto fail;
	}
	*out = c;
	return 0;
fail:
	control_close(c);
	return ret;
}

void control_close(struct control *c)
{
	if (!c)
		return;
	while (c->clients)
		control_client_free(c->clients);
	if (c->ev_accept)
		event_free(c->ev_accept);
	if (c->ev_resume)
		event_free(c->ev_resume);
	usock_close(&c->sock);
	free(c);
}

unsigned int control_client_count(const struct control *c)
{
	return c->n_clients;
}

struct control_client *control_current(const struct control *c)
{
	return c->current;
}

int control_client_stream(struct control_client *cl, control_gone_fn gone, void *arg)
{
	if (!cl || cl != cl->ctl->current || cl->state != CL_READING)
		return -EINVAL;
	cl->state = CL_STREAMING;
	cl->gone = gone;
	cl->gone_arg = arg;
	/* A stream lasts as long as the client likes: only a stuck writer
	 * times out. */
	bufferevent_set_timeouts(cl->bev, NULL, &control_timeout);
	return 0;
}

int control_client_send_event(struct control_client *cl, const char *text, size_t len)
{
	struct evbuffer *outb = bufferevent_get_output(cl->bev);
	uint8_t *buf;
	size_t blen;
	int ret;

	if (cl->state != CL_STREAMING)
		return -EINVAL;
	if (len > CTL_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (evbuffer_get_length(outb) + len > CONTROL_MAX_BACKLOG)
		return -ENOBUFS;
	ret = ctl_event_encode(text, (uint32_t)len, &buf, &blen);
	if (ret)
		return ret;
	return control_queue(cl, buf, blen);
}

int control_client_finish(struct control_client *cl, int status, const char *out, size_t out_len,
			  const char *err, size_t err_len)
{
	if (cl->state != CL_STREAMING)
		return -EINVAL;
	control_reply(cl, status, out, out_len, err, err_len);
	return 0;
}
