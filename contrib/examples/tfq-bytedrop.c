// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tfq-bytedrop: a tunfilterd queue consumer that drops every packet whose
 * payload contains a byte string and accepts (and counts) the rest.
 *
 *   tunfilter -A FORWARD -p tcp -j NFQUEUE --queue-num 0
 *   tfq-bytedrop -q 0 "SECRET"
 *   tfq-bytedrop -q 0 -x 00ff10   (the string in hex)
 *
 * The payload is what follows the TCP or UDP header (for other protocols,
 * the IPv4 header). A string split across two packets is not seen: this is
 * a packet filter, not a stream reassembler.
 *
 * On SIGUSR1 it prints its counts; on SIGINT or SIGTERM it prints them and
 * exits. It runs its own poll() loop on tfq_fd() to show how the library
 * fits into any event loop.
 *
 * Build: cc -o tfq-bytedrop tfq-bytedrop.c $(pkg-config --cflags --libs tunfilter-queue)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tunfilter/queue.h>

#define MAX_QUEUES 64

struct bytedrop {
	const uint8_t *needle;
	size_t needle_len;
	unsigned long long accepted, dropped, accepted_bytes;
};

static volatile sig_atomic_t got_usr1, got_stop;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_stop = 1;
}

/* Where the payload starts: after the IPv4 header, and the TCP or UDP
 * header when there is one (and the packet is not a later fragment). */
static size_t payload_offset(const uint8_t *p, size_t len)
{
	size_t off;

	if (len < 20)
		return len;
	off = (size_t)(p[0] & 0x0f) * 4;
	if (off > len || (((p[6] & 0x1f) << 8) | p[7]) != 0)
		return off < len ? off : len;
	if (p[9] == 6 && off + 13 < len)
		off += (size_t)(p[off + 12] >> 4) * 4;
	else if (p[9] == 17)
		off += 8;
	return off < len ? off : len;
}

static int on_packet(struct tfq_handle *h, const struct tfq_packet *pk, void *arg)
{
	struct bytedrop *b = arg;
	size_t off = payload_offset(pk->payload, pk->payload_len);

	if (memmem(pk->payload + off, pk->payload_len - off, b->needle, b->needle_len)) {
		b->dropped++;
		return tfq_verdict(h, pk->queue, pk->id, TFQ_DROP);
	}
	b->accepted++;
	b->accepted_bytes += pk->orig_len;
	return tfq_verdict(h, pk->queue, pk->id, TFQ_ACCEPT);
}

static void print_counts(const struct bytedrop *b)
{
	printf("accepted %llu (%llu bytes) dropped %llu\n", b->accepted, b->accepted_bytes,
	       b->dropped);
	fflush(stdout);
}

static int hex_decode(const char *s, uint8_t **out, size_t *len)
{
	size_t n = strlen(s);
	uint8_t *v;

	if (n == 0 || n % 2)
		return -1;
	v = malloc(n / 2);
	if (!v)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned int x;

		if (sscanf(s + 2 * i, "%2x", &x) != 1) {
			free(v);
			return -1;
		}
		v[i] = (uint8_t)x;
	}
	*out = v;
	*len = n / 2;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: tfq-bytedrop [-s SOCKET] [-q QUEUE]... [-x] STRING\n"
		   "  -s SOCKET  tunfilterd's queue socket (default " TFQ_DEFAULT_PATH ")\n"
		   "  -q QUEUE   queue number to serve, repeatable (default 0)\n"
		   "  -x         STRING is hexadecimal bytes\n");
}

int main(int argc, char **argv)
{
	struct bytedrop b = { 0 };
	const char *sock = NULL;
	uint16_t queues[MAX_QUEUES];
	unsigned int nq = 0;
	struct tfq_handle *h;
	struct sigaction sa;
	bool hex = false;
	int c, rc = 0;

	while ((c = getopt(argc, argv, "s:q:xh")) != -1) {
		switch (c) {
		case 's':
			sock = optarg;
			break;
		case 'q':
			if (nq == MAX_QUEUES || atoi(optarg) < 0 || atoi(optarg) > 65535) {
				usage(stderr);
				return 2;
			}
			queues[nq++] = (uint16_t)atoi(optarg);
			break;
		case 'x':
			hex = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	if (hex) {
		uint8_t *v;

		if (hex_decode(argv[optind], &v, &b.needle_len) < 0) {
			fprintf(stderr, "tfq-bytedrop: bad hex string \"%s\"\n", argv[optind]);
			return 2;
		}
		b.needle = v;
	} else {
		b.needle = (const uint8_t *)argv[optind];
		b.needle_len = strlen(argv[optind]);
	}
	if (!b.needle_len) {
		fprintf(stderr, "tfq-bytedrop: empty string\n");
		return 2;
	}
	if (!nq)
		queues[nq++] = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR */
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	h = tfq_open(sock);
	if (!h) {
		fprintf(stderr, "tfq-bytedrop: %s: %s\n", sock ? sock : TFQ_DEFAULT_PATH,
			strerror(errno));
		return 1;
	}
	for (unsigned int i = 0; i < nq; i++) {
		rc = tfq_bind(h, queues[i], TFQ_COPY_PACKET, TFQ_MAX_PAYLOAD);
		if (rc < 0) {
			fprintf(stderr, "tfq-bytedrop: queue %u: %s\n", queues[i], strerror(-rc));
			tfq_close(h);
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);

	while (!got_stop) {
		struct pollfd pfd = { tfq_fd(h), POLLIN, 0 };

		if (got_usr1) {
			got_usr1 = 0;
			print_counts(&b);
		}
		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		rc = tfq_dispatch(h, on_packet, &b);
		if (rc < 0)
			break;
		rc = 0;
	}
	print_counts(&b);
	if (rc < 0)
		fprintf(stderr, "tfq-bytedrop: %s%s%s\n", strerror(-rc), *tfq_error(h) ? ": " : "",
			tfq_error(h));
	tfq_close(h);
	return rc < 0 ? 1 : 0;
}
