/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Listening Unix sockets with access control, shared by the control
 * socket (stream) and the queue socket (seqpacket).
 *
 * Access is checked twice: the socket file gets its final mode and group
 * at creation (bind under a umask, then chown to the group), and every
 * accepted peer is checked again with SO_PEERCRED (uid 0, or the group as
 * primary or supplementary group), so that a socket whose mode was
 * loosened by hand still refuses strangers.
 */
#ifndef TF_IO_USOCK_H
#define TF_IO_USOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

struct usock {
	const char *what;   /* "control socket", for messages */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int fd;
	bool bound;         /* path is ours to unlink (if dev/ino still match) */
	dev_t dev;
	ino_t ino;
	bool has_group;
	gid_t gid;
};

/*
 * Create, bind and listen: the parent directory is made if missing
 * (0755), a stale socket file (nobody answers on it) is replaced, the file
 * gets mode (and group, "" for none: root only). The fd is non-blocking
 * and close-on-exec. 0 or -errno with a message in err naming s->what.
 */
int usock_listen(struct usock *s, const char *what, const char *path, int type, mode_t mode,
		 const char *group, int backlog, char *err, size_t errlen);
/* Close the fd and unlink the file if it is still the one we bound. */
void usock_close(struct usock *s);

/* May this connected peer use the socket? Its credentials in *cr. */
bool usock_peer_allowed(const struct usock *s, int fd, struct ucred *cr);

/* A group name (or number) to a gid. 0, -ENOENT, or -errno. */
int usock_group_gid(const char *name, gid_t *gid);

#endif
