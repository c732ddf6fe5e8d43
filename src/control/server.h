/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control socket server: a Unix stream socket at cfg.control_socket,
 * served from the daemon's event_base.
 *
 * Access is checked twice: the socket file is 0600 root (or 0660
 * root:control_group), and every accepted peer is checked again with
 * SO_PEERCRED (uid 0, or the group as primary or supplementary group), so
 * that a socket whose mode was loosened by hand still refuses strangers.
 *
 * A connection carries one request (see proto.h): the client sends it, the
 * daemon runs cmd_dispatch() and answers with one reply, then closes. A
 * streaming command (monitor, later) instead keeps the connection: during
 * cmd_dispatch() it takes control_current(), calls control_client_stream(),
 * sends CTL_EVENT messages with control_client_send_event() for as long as
 * it likes, and ends with control_client_finish(). If the client goes away
 * first, the command's gone callback is called and the handle dies.
 *
 * Bounds: CONTROL_MAX_CLIENTS connections; a request is at most
 * CTL_MAX_PAYLOAD; events queued to a slow streaming client at most
 * CONTROL_MAX_BACKLOG bytes (further events fail with -ENOBUFS); a client
 * that sends nothing, or reads nothing, for CONTROL_TIMEOUT_S is dropped.
 */
#ifndef TF_CONTROL_SERVER_H
#define TF_CONTROL_SERVER_H

#include <stddef.h>

#define CONTROL_MAX_CLIENTS 64u
#define CONTROL_MAX_BACKLOG (1u << 20)
#define CONTROL_TIMEOUT_S 10

struct daemon;
struct control;
struct control_client;

/*
 * Create the socket (and its parent directory, 0755, if missing) and start
 * accepting on d->base. A stale socket file is replaced only if nothing
 * answers on it. 0 or -errno with a message in err.
 */
int control_open(struct control **out, struct daemon *d, char *err, size_t errlen);
/* Close every client and the socket, and unlink the socket file if it is
 * still the one we created. NULL is allowed. Must not be called from
 * inside cmd_dispatch(). */
void control_close(struct control *c);

/* Connected clients now (for tests and stats). */
unsigned int control_client_count(const struct control *c);

/* The client whose request cmd_dispatch() is running, else NULL. */
struct control_client *control_current(const struct control *c);

/* Called once when a streaming client disconnects, times out or the server
 * closes; the handle is invalid afterwards. Must not call back into it. */
typedef void (*control_gone_fn)(struct control_client *cl, void *arg);

/*
 * Keep the connection after cmd_dispatch() returns: no reply is sent then
 * (whatever the command printed to its stdout is sent as a first event; its
 * status and stderr are discarded). 0, or -EINVAL if cl is not the
 * client of the running request.
 */
int control_client_stream(struct control_client *cl, control_gone_fn gone, void *arg);
/* Queue one CTL_EVENT. 0, -ENOBUFS (backlog full: the event is lost, the
 * client stays), -EINVAL (not streaming), -EMSGSIZE, -ENOMEM. */
int control_client_send_event(struct control_client *cl, const char *text, size_t len);
/* End a stream with its reply; the connection closes once it is written
 * and cl is invalid on return. 0 or -errno (the client is dropped anyway). */
int control_client_finish(struct control_client *cl, int status, const char *out, size_t out_len,
			  const char *err, size_t err_len);

#endif
