/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * relay: the plainest possible TUN router, the lower bound that the
 * benchmark (tests/bench/forward.sh) compares tunfilterd against.
 *
 * It opens two TUNs (IFF_TUN | IFF_NO_PI, non-blocking, not persistent)
 * and copies every packet read from one into the other. No validation, no
 * routing, no TTL, no counters on the path beyond two integers: whatever a
 * TUN router must do at the very least (wake up, read, write) and nothing
 * else. It reads the same way tunfilterd does: one thread, level-triggered
 * epoll, and per wakeup a batch of reads until EAGAIN, at most BATCH, before
 * the batch is written out (the TUN driver has no multi-packet write).
 *
 * The links are created in the caller's namespace; the benchmark script
 * moves them into namespaces, addresses them and brings them up. The relay
 * prints "ready" on stdout once both exist, and its counters on stderr when
 * SIGINT or SIGTERM stops it (closing the fds removes the links).
 *
 *   usage: relay TUN_A TUN_B [BATCH]
 *
 * Built by forward.sh: cc -O2 -o relay tests/bench/relay.c
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define RELAY_BATCH_MAX 64
/* Largest packet a TUN without IFF_VNET_HDR can hand us (MTU <= 65535). */
#define RELAY_BUF_SIZE 65536

struct relay_buf {
	uint8_t data[RELAY_BUF_SIZE];
};

struct relay_side {
	const char *name;
	int fd;
	uint64_t rx, tx, tx_err;
};

struct relay {
	struct relay_side side[2];
	struct relay_buf *bufs;     /* RELAY_BATCH_MAX buffers, reused every wakeup */
	size_t len[RELAY_BATCH_MAX];
	unsigned int batch;
};

static volatile sig_atomic_t relay_stop;

static void relay_on_signal(int sig)
{
	relay_stop = 1;
}

static int relay_tun_open(const char *name)
{
	struct ifreq ifr;
	int fd;

	if (strlen(name) >= IFNAMSIZ)
		return -ENAMETOOLONG;
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/*
 * One wakeup on side `from`: read until EAGAIN or a full batch, then write
 * the batch into the other side. A failed write (the other link is down,
 * or the kernel refused the packet) is counted and the packet dropped, as
 * a router would.
 */
static int relay_pass(struct relay *r, int from)
{
	struct relay_side *in = &r->side[from], *out = &r->side[!from];
	unsigned int n = 0, i;

	while (n < r->batch) {
		ssize_t len = read(in->fd, r->bufs[n].data, sizeof(r->bufs[n].data));

		if (len < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			return -errno;
		}
		r->len[n++] = (size_t)len;
	}
	in->rx += n;
	for (i = 0; i < n; i++) {
		if (write(out->fd, r->bufs[i].data, r->len[i]) == (ssize_t)r->len[i])
			out->tx++;
		else
			out->tx_err++;
	}
	return 0;
}

static int relay_run(struct relay *r)
{
	struct epoll_event ev[2];
	int ep, i, n, err = 0;

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return -errno;
	for (i = 0; i < 2; i++) {
		struct epoll_event e = { .events = EPOLLIN, .data.u32 = (uint32_t)i };

		if (epoll_ctl(ep, EPOLL_CTL_ADD, r->side[i].fd, &e) < 0) {
			err = -errno;
			goto out;
		}
	}
	while (!relay_stop) {
		n = epoll_wait(ep, ev, 2, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto out;
		}
		for (i = 0; i < n; i++) {
			err = relay_pass(r, (int)ev[i].data.u32);
			if (err)
				goto out;
		}
	}
out:
	close(ep);
	return err;
}

static int relay_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = relay_on_signal; /* no SA_RESTART: epoll_wait returns EINTR */
	if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0)
		return -errno;
	return 0;
}

int main(int argc, char **argv)
{
	struct relay r;
	int i, err;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: %s TUN_A TUN_B [BATCH (1-%d, default %d)]\n", argv[0],
			RELAY_BATCH_MAX, RELAY_BATCH_MAX);
		return 2;
	}
	memset(&r, 0, sizeof(r));
	r.side[0].fd = r.side[1].fd = -1;
	r.batch = RELAY_BATCH_MAX;
	if (argc == 4) {
		r.batch = (unsigned int)strtoul(argv[3], NULL, 10);
		if (r.batch < 1 || r.batch > RELAY_BATCH_MAX) {
			fprintf(stderr, "relay: bad batch \"%s\"\n", argv[3]);
			return 2;
		}
	}
	r.bufs = calloc(RELAY_BATCH_MAX, sizeof(*r.bufs));
	if (!r.bufs) {
		perror("relay: calloc");
		return 1;
	}
	err = relay_signals();
	for (i = 0; i < 2 && !err; i++) {
		r.side[i].name = argv[1 + i];
		r.side[i].fd = relay_tun_open(r.side[i].name);
		if (r.side[i].fd < 0) {
			err = r.side[i].fd;
			fprintf(stderr, "relay: %s: %s\n", r.side[i].name, strerror(-err));
		}
	}
	if (!err) {
		printf("ready\n");
		fflush(stdout);
		err = relay_run(&r);
		if (err)
			fprintf(stderr, "relay: %s\n", strerror(-err));
	}
	for (i = 0; i < 2; i++) {
		if (r.side[i].fd >= 0) {
			fprintf(stderr, "relay: %s rx %llu tx %llu tx_err %llu\n", r.side[i].name,
				(unsigned long long)r.side[i].rx, (unsigned long long)r.side[i].tx,
				(unsigned long long)r.side[i].tx_err);
			close(r.side[i].fd);
		}
	}
	free(r.bufs);
	return err ? 1 : 0;
}
