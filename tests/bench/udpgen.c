/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * udpgen: the small-packet generator and sink of the benchmark
 * (tests/bench/forward.sh).
 *
 * iperf3 -u sends one datagram per system call, and on a 2-CPU machine it
 * shares its CPU with the receiving iperf3: the generator, not the router,
 * then sets the packet rate. udpgen sends with sendmmsg() and receives with
 * recvmmsg(), a batch of UDP_BATCH datagrams per call, so that the router
 * under test is what limits the rate.
 *
 *   udpgen send ADDR PORT SECONDS [PAYLOAD]   (default payload 64 bytes)
 *       sends as fast as it can for SECONDS; prints "sent N SECONDS".
 *   udpgen recv ADDR PORT [IDLE_MS]
 *       counts datagrams until none has arrived for IDLE_MS (default
 *       1000) after the first, or SIGINT/SIGTERM; prints "received N
 *       SECONDS", SECONDS being the time from the first to the last.
 *       It prints "ready" on stdout once bound.
 *   udpgen hold ADDR PORT
 *       binds a socket and never reads it, until SIGINT/SIGTERM; prints
 *       "ready" once bound. The datagrams still reach the server's UDP
 *       layer (Udp InDatagrams, then RcvbufErrors once the queue is full)
 *       where the caller counts them, and no receiving process takes CPU
 *       time from the sender.
 *
 * Each datagram carries a sequence number in its first 8 bytes; the sink
 * does not check it (the router may drop; it may not reorder here).
 */
#define _GNU_SOURCE /* sendmmsg, recvmmsg */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define UDP_BATCH 64
#define UDP_MAX_PAYLOAD 1472

static volatile sig_atomic_t udpgen_stop;

static void udpgen_on_signal(int sig)
{
	udpgen_stop = 1;
}

static double udpgen_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int udpgen_addr(const char *addr, const char *port, struct sockaddr_in *sin)
{
	char *end;
	unsigned long p = strtoul(port, &end, 10);

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	if (*end || p < 1 || p > 65535 || inet_pton(AF_INET, addr, &sin->sin_addr) != 1) {
		fprintf(stderr, "udpgen: bad address \"%s\" port \"%s\"\n", addr, port);
		return -EINVAL;
	}
	sin->sin_port = htons((uint16_t)p);
	return 0;
}

static int udpgen_send(const struct sockaddr_in *dst, double secs, size_t payload)
{
	static uint8_t buf[UDP_BATCH][UDP_MAX_PAYLOAD];
	struct mmsghdr msg[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	uint64_t seq = 0, sent = 0;
	double start, end;
	int fd, i, n;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (const struct sockaddr *)dst, sizeof(*dst)) < 0) {
		perror("udpgen: socket");
		return 1;
	}
	memset(msg, 0, sizeof(msg));
	for (i = 0; i < UDP_BATCH; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = payload;
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	start = udpgen_now();
	end = start + secs;
	while (!udpgen_stop) {
		for (i = 0; i < UDP_BATCH; i++)
			memcpy(buf[i], &(uint64_t){ seq + (uint64_t)i }, sizeof(seq));
		n = sendmmsg(fd, msg, UDP_BATCH, 0);
		if (n > 0) {
			seq += (uint64_t)n;
			sent += (uint64_t)n;
		} else if (n < 0 && errno != ENOBUFS && errno != ECONNREFUSED && errno != EINTR) {
			/* ECONNREFUSED: an ICMP error about an earlier datagram. */
			perror("udpgen: sendmmsg");
			break;
		}
		if (udpgen_now() >= end)
			break;
	}
	printf("sent %llu %.6f\n", (unsigned long long)sent, udpgen_now() - start);
	close(fd);
	return 0;
}

static int udpgen_recv(const struct sockaddr_in *local, int idle_ms)
{
	static uint8_t buf[UDP_BATCH][UDP_MAX_PAYLOAD];
	struct mmsghdr msg[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct pollfd pfd;
	uint64_t count = 0;
	double first = 0, last = 0;
	int fd, i, n, size = 8 << 20;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (const struct sockaddr *)local, sizeof(*local)) < 0) {
		perror("udpgen: bind");
		return 1;
	}
	/* A deep queue: a burst must not be lost while this process waits
	 * for its share of the CPU the sender also runs on. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	memset(msg, 0, sizeof(msg));
	for (i = 0; i < UDP_BATCH; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = sizeof(buf[i]);
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	printf("ready\n");
	fflush(stdout);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (!udpgen_stop) {
		n = recvmmsg(fd, msg, UDP_BATCH, 0, NULL);
		if (n > 0) {
			last = udpgen_now();
			if (!count)
				first = last;
			count += (uint64_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			perror("udpgen: recvmmsg");
			break;
		}
		n = poll(&pfd, 1, count ? idle_ms : -1);
		if (n == 0)
			break;
	}
	printf("received %llu %.6f\n", (unsigned long long)count, last - first);
	close(fd);
	return 0;
}

static int udpgen_hold(const struct sockaddr_in *local)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (const struct sockaddr *)local, sizeof(*local)) < 0) {
		perror("udpgen: bind");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (!udpgen_stop)
		pause();
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = udpgen_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (argc >= 5 && argc <= 6 && !strcmp(argv[1], "send")) {
		double secs = strtod(argv[4], NULL);
		long payload = argc == 6 ? strtol(argv[5], NULL, 10) : 64;

		if (udpgen_addr(argv[2], argv[3], &sin) || secs <= 0 || payload < 8 ||
		    payload > UDP_MAX_PAYLOAD)
			return 2;
		return udpgen_send(&sin, secs, (size_t)payload);
	}
	if (argc >= 4 && argc <= 5 && !strcmp(argv[1], "recv")) {
		int idle = argc == 5 ? atoi(argv[4]) : 1000;

		if (udpgen_addr(argv[2], argv[3], &sin) || idle < 1)
			return 2;
		return udpgen_recv(&sin, idle);
	}
	if (argc == 4 && !strcmp(argv[1], "hold")) {
		if (udpgen_addr(argv[2], argv[3], &sin))
			return 2;
		return udpgen_hold(&sin);
	}
	fprintf(stderr, "usage: %s send ADDR PORT SECONDS [PAYLOAD]\n"
			"       %s recv ADDR PORT [IDLE_MS]\n"
			"       %s hold ADDR PORT\n", argv[0], argv[0], argv[0]);
	return 2;
}
