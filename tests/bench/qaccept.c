// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * qaccept: the tunfilterd side of the queue benchmark (tests/bench/queue.sh),
 * an accept-all consumer on libtunfilter-queue: whole packets copied, as
 * nfqaccept.c asks of the kernel, and one verdict per packet (sent together
 * at the end of each dispatch), or with -b one batch verdict per dispatch.
 *
 *   qaccept [-b] SOCKET QUEUE   prints "ready" once bound, "accepted N" on SIGTERM
 *
 * Build: cc -O2 -o qaccept qaccept.c $(pkg-config --cflags --libs tunfilter-queue)
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <tunfilter/queue.h>

static volatile sig_atomic_t stop;

struct state {
	unsigned long long accepted;
	int batch;
	uint32_t last;
	uint16_t queue;
	int seen;
};

static void on_term(int sig)
{
	stop = 1;
}

static int cb(struct tfq_handle *h, const struct tfq_packet *p, void *arg)
{
	struct state *st = arg;

	st->accepted++;
	if (st->batch) {
		st->last = p->id;
		st->queue = p->queue;
		st->seen = 1;
		return 0;
	}
	return tfq_verdict(h, p->queue, p->id, TFQ_ACCEPT);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_term };
	struct state st = { 0 };
	struct tfq_handle *h;
	int rc, argi = 1;

	if (argc > 1 && !strcmp(argv[1], "-b")) {
		st.batch = 1;
		argi++;
	}
	if (argc - argi != 2) {
		fprintf(stderr, "usage: qaccept [-b] SOCKET QUEUE\n");
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	h = tfq_open(argv[argi]);
	if (!h) {
		perror("tfq_open");
		return 1;
	}
	rc = tfq_bind(h, (uint16_t)atoi(argv[argi + 1]), TFQ_COPY_PACKET, TFQ_MAX_PAYLOAD);
	if (rc < 0) {
		fprintf(stderr, "tfq_bind: %s\n", strerror(-rc));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		struct pollfd pfd = { tfq_fd(h), POLLIN, 0 };

		if (poll(&pfd, 1, -1) < 0)
			continue;
		st.seen = 0;
		rc = tfq_dispatch(h, cb, &st);
		if (rc < 0) {
			fprintf(stderr, "tfq_dispatch: %s %s\n", strerror(-rc), tfq_error(h));
			break;
		}
		if (st.seen && tfq_verdict_batch(h, st.queue, st.last, TFQ_ACCEPT) < 0)
			break;
	}
	printf("accepted %llu\n", st.accepted);
	tfq_close(h);
	return 0;
}
