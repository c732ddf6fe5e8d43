// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Listening Unix sockets with access control (see usock.h). Moved here
 * from the control socket server when the queue socket needed the same.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "io/usock.h"

#define USOCK_MAX_GROUPS 65536u /* NGROUPS_MAX on Linux */

int usock_group_gid(const char *name, gid_t *gid)
{
	struct group gr, *res = NULL;
	size_t len = 4096;
	char *buf = NULL, *end;
	unsigned long v;
	int ret;

	for (;;) {
		char *nb = realloc(buf, len);

		if (!nb) {
			free(buf);
			return -ENOMEM;
		}
		buf = nb;
		ret = getgrnam_r(name, &gr, buf, len, &res);
		if (ret != ERANGE || len >= (1u << 20))
			break;
		len *= 2;
	}
	if (res)
		*gid = res->gr_gid;
	free(buf);
	if (res)
		return 0;
	errno = 0;
	v = strtoul(name, &end, 10);
	if (*name && !*end && !errno && v < (gid_t)-1) {
		*gid = (gid_t)v;
		return 0;
	}
	return ret ? -ret : -ENOENT;
}

/* mkdir -p of the directory holding path; new directories are 0755. */
static int usock_mkdir_parent(const char *path, char *err, size_t errlen)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct stat st;
	char *slash, *p;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0; /* relative name in the cwd, or in "/" */
	*slash = '\0';
	for (p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			int e = errno;

			snprintf(err, errlen, "cannot create directory %s: %s", dir, strerror(e));
			return -e;
		}
		*p = c;
		if (!c)
			break;
	}
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory", dir);
		return -ENOTDIR;
	}
	return 0;
}

static void usock_sockaddr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, path, strlen(path));
}

/*
 * A socket file left by a daemon that died is replaced; one that a live
 * daemon answers on is not, or two daemons would fight over the name.
 */
static int usock_check_stale(const struct usock *s, int type, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd, ret, e;

	if (lstat(s->path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s %s: exists and is not a socket", s->what, s->path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	usock_sockaddr(&sa, s->path);
	ret = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	e = errno;
	close(fd);
	/* A socket of the other type answers EPROTOTYPE: alive too. */
	if (ret == 0 || e == EAGAIN || e == EINPROGRESS || e == EPROTOTYPE) {
		snprintf(err, errlen, "%s %s: another tunfilterd is already listening there",
			 s->what, s->path);
		return -EADDRINUSE;
	}
	if (e != ECONNREFUSED) {
		snprintf(err, errlen, "%s %s: %s", s->what, s->path, strerror(e));
		return -e;
	}
	if (unlink(s->path) < 0 && errno != ENOENT) {
		e = errno;
		snprintf(err, errlen, "cannot remove stale %s %s: %s", s->what, s->path,
			 strerror(e));
		return -e;
	}
	return 0;
}

/*
 * Bind with a umask that gives the final mode at creation, so there is no
 * moment when the socket is more open than configured; then hand it to the
 * group (not following a symlink planted in between).
 */
static int usock_bind(struct usock *s, int type, mode_t mode, const char *group, int backlog,
		      char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct stat st;
	mode_t old;
	int ret, e;

	s->fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		e = errno;
		snprintf(err, errlen, "%s: %s", s->what, strerror(e));
		return -e;
	}
	usock_sockaddr(&sa, s->path);
	old = umask(~mode & 0777);
	ret = bind(s->fd, (struct sockaddr *)&sa, sizeof(sa));
	e = errno;
	umask(old);
	if (ret < 0) {
		snprintf(err, errlen, "cannot bind %s %s: %s", s->what, s->path, strerror(e));
		return -e;
	}
	s->bound = true;
	if (lstat(s->path, &st) == 0) {
		s->dev = st.st_dev;
		s->ino = st.st_ino;
	}
	if (s->has_group && fchownat(AT_FDCWD, s->path, 0, s->gid, AT_SYMLINK_NOFOLLOW) < 0) {
		e = errno;
		snprintf(err, errlen, "cannot give %s %s to group %s: %s", s->what, s->path, group,
			 strerror(e));
		return -e;
	}
	if (listen(s->fd, backlog) < 0) {
		e = errno;
		snprintf(err, errlen, "cannot listen on %s %s: %s", s->what, s->path, strerror(e));
		return -e;
	}
	return 0;
}

int usock_listen(struct usock *s, const char *what, const char *path, int type, mode_t mode,
		 const char *group, int backlog, char *err, size_t errlen)
{
	int ret;

	memset(s, 0, sizeof(*s));
	s->what = what;
	s->fd = -1;
	if (!path[0] || strlen(path) >= sizeof(s->path)) {
		snprintf(err, errlen, "%s path \"%s\" is empty or too long", what, path);
		return -EINVAL;
	}
	snprintf(s->path, sizeof(s->path), "%s", path);
	if (group[0]) {
		ret = usock_group_gid(group, &s->gid);
		if (ret) {
			snprintf(err, errlen, "%s group \"%s\": %s", what, group,
				 ret == -ENOENT ? "no such group" : strerror(-ret));
			return ret;
		}
		s->has_group = true;
	}
	ret = usock_mkdir_parent(path, err, errlen);
	if (!ret)
		ret = usock_check_stale(s, type, err, errlen);
	if (!ret)
		ret = usock_bind(s, type, mode, group, backlog, err, errlen);
	if (ret)
		usock_close(s);
	return ret;
}

void usock_close(struct usock *s)
{
	struct stat st;

	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	/* Only our own socket: a successor may already have bound the name. */
	if (s->bound && lstat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(s->path);
	s->bound = false;
}

/* ---- peer check ---- */

static bool usock_gid_in(gid_t gid, const gid_t *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == gid)
			return true;
	return false;
}

/*
 * Supplementary groups from /proc/PID/status, for kernels without
 * SO_PEERGROUPS (before 4.13). The pid is the peer's at connect time; it
 * could in principle be reused by then, which is why SO_PEERGROUPS is
 * preferred and the socket file mode is the first line of defence.
 */
static bool usock_proc_groups_has(pid_t pid, gid_t gid)
{
	char path[64], *line = NULL, *p, *end;
	size_t cap = 0;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (getline(&line, &cap, f) > 0) {
		if (strncmp(line, "Groups:", 7))
			continue;
		for (p = line + 7; *p && !found; p = end) {
			unsigned long v = strtoul(p, &end, 10);

			if (end == p)
				break;
			found = v == gid;
		}
		break;
	}
	free(line);
	fclose(f);
	return found;
}

/* Is gid among the peer's supplementary groups? */
static bool usock_peer_in_group(int fd, pid_t pid, gid_t gid)
{
	gid_t small[64], *v = small;
	socklen_t len = sizeof(small);
	bool found = false;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, v, &len) < 0) {
		if (errno == ENOPROTOOPT)
			return usock_proc_groups_has(pid, gid);
		if (errno != ERANGE || len > USOCK_MAX_GROUPS * sizeof(gid_t))
			return false;
		v = malloc(len); /* len now says how much is needed */
		if (!v)
			return false;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, v, &len) < 0)
			len = 0;
	}
	found = usock_gid_in(gid, v, len / sizeof(gid_t));
	if (v != small)
		free(v);
	return found;
}

bool usock_peer_allowed(const struct usock *s, int fd, struct ucred *cr)
{
	socklen_t len = sizeof(*cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cr, &len) < 0 || len != sizeof(*cr))
		return false;
	if (cr->uid == 0)
		return true;
	if (!s->has_group)
		return false;
	return cr->gid == s->gid || usock_peer_in_group(fd, cr->pid, s->gid);
}
