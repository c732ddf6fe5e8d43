// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TUN devices. Each interface has one persistent libevent read event; a
 * wakeup reads up to `batch` packets into pool buffers, then pushes them
 * through router_rx one after the other and flushes the router's output
 * once, so the writes of a batch follow its reads (see ARCHITECTURE.md,
 * "Batching"). Reading the whole batch before running any of it keeps the
 * packet path's own data (ruleset, counters, FIB, hooks) in the cache from
 * one packet to the next, where a read syscall between two packets would
 * evict it: that was worth some 5 % of 64-byte forwarding.
 *
 * The TUN is opened without IFF_PERSIST: the fd owns the link, and closing
 * it makes the kernel remove the link in whatever namespace it lives in.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/if_tun.h>
#include "daemon/log.h"
#include "io/tun.h"

/* Per-interface state of the I/O layer, kept in iface->io. */
struct tun_io {
	struct event *ev;
	struct router *r;
	struct iface *ifc;
	unsigned int batch;   /* packets read per wakeup */
};

int tun_open(const char *name)
{
	struct ifreq ifr;
	size_t len = strlen(name);
	int fd, err;

	if (len == 0 || len >= IFNAMSIZ)
		return -EINVAL;
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	memcpy(ifr.ifr_name, name, len + 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		goto fail;
	/* A TUN left persistent by someone else is adopted by TUNSETIFF; clear
	 * the flag so that closing our fd still removes the link. */
	if (ioctl(fd, TUNSETPERSIST, 0) < 0)
		goto fail;
	return fd;
fail:
	err = errno;
	close(fd);
	return -err;
}

static void tun_set_clock(struct router *r)
{
	struct timespec mono, real;
	uint64_t mono_ms;
	uint32_t day_ms;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	mono_ms = (uint64_t)mono.tv_sec * 1000u + (uint64_t)mono.tv_nsec / 1000000u;
	day_ms = (uint32_t)(real.tv_sec % 86400) * 1000u + (uint32_t)(real.tv_nsec / 1000000);
	router_set_clock(r, mono_ms, day_ms);
}

/*
 * The pool is empty: take the packet off the queue anyway, or the fd stays
 * readable and the loop spins. A TUN read consumes the whole packet even when
 * the buffer is shorter (the rest is cut off), so a small buffer is enough.
 * Returns the read(2) result.
 */
static ssize_t tun_discard(struct router *r, struct iface *ifc)
{
	uint8_t scratch[256];
	ssize_t n = read(ifc->fd, scratch, sizeof(scratch));

	if (n >= 0) {
		ifc->st.rx_dropped++;
		drop_count(&r->drops, DROP_NO_BUFFER);
	}
	return n;
}

/*
 * Read errors other than EAGAIN do not go away (EBADFD: the link was deleted
 * under us), and a level-triggered event would wake us forever, so stop
 * reading this TUN and say so once.
 */
static void tun_read_failed(struct tun_io *io, int err)
{
	event_del(io->ev);
	io->ifc->up = false;
	log_err("interface \"%s\": read failed, no longer reading: %s", io->ifc->name,
		strerror(err));
}

static void tun_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tun_io *io = arg;
	struct router *r = io->r;
	struct iface *ifc = io->ifc;
	struct pkt *got[TUN_BATCH_MAX];
	unsigned int i, n_got = 0;

	tun_set_clock(r);
	for (i = 0; i < io->batch; i++) {
		struct pkt *p = pkt_alloc(&r->pool);
		ssize_t n;

		if (!p)
			n = tun_discard(r, ifc);
		else
			n = read(fd, p->data, PKT_MAX_LEN);
		if (n < 0) {
			int err = errno;

			if (p)
				pkt_free(&r->pool, p);
			if (err == EINTR)
				continue;
			if (err != EAGAIN)
				tun_read_failed(io, err);
			break;
		}
		if (!p)
			continue;
		if ((size_t)n > PKT_MAX_LEN) {
			/* Truncated by the read: cannot be a valid IPv4 datagram. */
			ifc->st.rx_dropped++;
			router_drop(r, p, DROP_BAD_TOTLEN);
			continue;
		}
		p->len = (uint32_t)n;
		got[n_got++] = p;
	}
	for (i = 0; i < n_got; i++)
		router_rx(r, got[i], ifc->idx);
	router_flush(r);
}

int tun_attach(struct event_base *base, struct router *r, struct iface *ifc, unsigned int batch)
{
	struct tun_io *io;

	if (batch == 0 || batch > TUN_BATCH_MAX || ifc->fd < 0 || ifc->io)
		return -EINVAL;
	io = calloc(1, sizeof(*io));
	if (!io)
		return -ENOMEM;
	io->r = r;
	io->ifc = ifc;
	io->batch = batch;
	io->ev = event_new(base, ifc->fd, EV_READ | EV_PERSIST, tun_read_cb, io);
	if (!io->ev) {
		free(io);
		return -ENOMEM;
	}
	if (event_add(io->ev, NULL) < 0) {
		event_free(io->ev);
		free(io);
		return -EIO;
	}
	ifc->io = io;
	return 0;
}

void tun_detach(struct iface *ifc)
{
	struct tun_io *io = ifc->io;

	if (io) {
		event_free(io->ev);
		free(io);
		ifc->io = NULL;
	}
	if (ifc->fd >= 0)
		close(ifc->fd);
	ifc->fd = -1;
}

/*
 * One write per packet: the TUN driver takes exactly one packet per write
 * and has no multi-packet call. A full kernel queue gives EAGAIN/ENOBUFS and
 * a link that is down EIO; the caller counts those as tx errors.
 */
static int tun_xmit(struct router *r, struct iface *ifc, struct pkt *p)
{
	ssize_t n = write(ifc->fd, p->data, p->len);
	int err = 0;

	if (n < 0) {
		err = -errno;
	} else {
		ifc->st.tx_packets++;
		ifc->st.tx_bytes += p->len;
	}
	pkt_free(&r->pool, p);
	return err;
}

const struct router_ops tun_router_ops = {
	.xmit = tun_xmit,
};
