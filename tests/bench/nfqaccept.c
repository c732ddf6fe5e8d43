// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nfqaccept: the kernel side of the queue benchmark (tests/bench/queue.sh),
 * an accept-all consumer of the kernel's NFQUEUE with libnetfilter_queue,
 * written the way its documentation and most consumers do it: whole packets
 * copied, one verdict per packet, a large socket buffer, ENOBUFS ignored.
 *
 *   nfqaccept QUEUE    prints "ready" once bound, "accepted N" on SIGTERM
 *
 * Build: cc -O2 -o nfqaccept nfqaccept.c -lnetfilter_queue -lnfnetlink
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static unsigned long long accepted;

static void on_term(int sig)
{
	stop = 1;
}

static int cb(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa, void *data)
{
	struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);

	accepted++;
	return nfq_set_verdict(qh, ntohl(ph->packet_id), NF_ACCEPT, 0, NULL);
}

int main(int argc, char **argv)
{
	static char buf[256 * 1024] __attribute__((aligned));
	struct sigaction sa = { .sa_handler = on_term };
	struct nfq_q_handle *qh;
	struct nfq_handle *h;
	int fd, rv, one = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: nfqaccept QUEUE\n");
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	h = nfq_open();
	if (!h || nfq_bind_pf(h, AF_INET) < 0) {
		perror("nfq_open");
		return 1;
	}
	qh = nfq_create_queue(h, (uint16_t)atoi(argv[1]), cb, NULL);
	if (!qh || nfq_set_mode(qh, NFQNL_COPY_PACKET, 0xffff) < 0) {
		perror("nfq_create_queue");
		return 1;
	}
	nfq_set_queue_maxlen(qh, 4096);
	fd = nfq_fd(h);
	nfnl_rcvbufsiz(nfq_nfnlh(h), 16 << 20);
	setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof(one));
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		rv = recv(fd, buf, sizeof(buf), 0);
		if (rv < 0) {
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			perror("recv");
			break;
		}
		nfq_handle_packet(h, buf, rv);
	}
	printf("accepted %llu\n", accepted);
	nfq_destroy_queue(qh);
	nfq_close(h);
	return 0;
}
