/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctflood: many distinct UDP flows, one datagram each, for the conntrack
 * memory benchmark (tests/bench/conntrack.sh).
 *
 *   ctflood SRC-NET DST PORT COUNT [PPS]
 *       sends COUNT datagrams to DST:PORT through a raw socket (IP_HDRINCL),
 *       each from its own (source address, source port): addresses
 *       SRC-NET.0.1, .0.2 ... (SRC-NET is the first two octets, "10.1"),
 *       ports 1024 to 65023, so every datagram is a new connection.
 *       Batches of 64 with sendmmsg(); at most PPS datagrams a second if
 *       given (0: as fast as the socket takes them). Prints "sent N SECONDS".
 *
 * The router must accept the sources (no reverse-path filter in the sending
 * namespace matters: a raw socket does not ask). Checksums are right.
 */
#define _GNU_SOURCE /* sendmmsg */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CTF_BATCH 64
#define CTF_PAYLOAD 16
#define CTF_PORTS 64000u
#define CTF_LEN (sizeof(struct iphdr) + sizeof(struct udphdr) + CTF_PAYLOAD)

static uint16_t ctflood_csum(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *b = buf;

	for (; len > 1; len -= 2, b += 2)
		sum += (uint32_t)(b[0] << 8 | b[1]);
	if (len)
		sum += (uint32_t)(b[0] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static double ctflood_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Datagram number i: its source address and port, checksums. */
static void ctflood_fill(uint8_t *pkt, uint32_t net, uint32_t dst, uint16_t dport, uint64_t i)
{
	struct iphdr *ip = (struct iphdr *)pkt;
	struct udphdr *uh = (struct udphdr *)(pkt + sizeof(*ip));
	uint32_t host = (uint32_t)(i / CTF_PORTS) + 1, sum;
	uint16_t sport = (uint16_t)(1024 + i % CTF_PORTS);

	memset(pkt, 0, CTF_LEN);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons((uint16_t)CTF_LEN);
	ip->id = htons((uint16_t)i);
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = htonl(net | host);
	ip->daddr = dst;
	ip->check = ctflood_csum(ip, sizeof(*ip), 0);
	uh->source = htons(sport);
	uh->dest = dport;
	uh->len = htons((uint16_t)(sizeof(*uh) + CTF_PAYLOAD));
	memcpy(pkt + sizeof(*ip) + sizeof(*uh), &i, sizeof(i));
	sum = (ntohl(ip->saddr) >> 16) + (ntohl(ip->saddr) & 0xffff) + (ntohl(dst) >> 16) +
	      (ntohl(dst) & 0xffff) + IPPROTO_UDP + ntohs(uh->len);
	uh->check = ctflood_csum(uh, ntohs(uh->len), sum);
	if (!uh->check)
		uh->check = 0xffff;
}

int main(int argc, char **argv)
{
	static uint8_t pkts[CTF_BATCH][CTF_LEN];
	struct mmsghdr msgs[CTF_BATCH];
	struct iovec iov[CTF_BATCH];
	struct sockaddr_in to = { .sin_family = AF_INET };
	unsigned int a, b, j;
	uint64_t count, pps = 0, i = 0;
	double t0, t;
	int fd, one = 1, n;

	if (argc < 5 || sscanf(argv[1], "%u.%u", &a, &b) != 2 || a > 255 || b > 255 ||
	    inet_pton(AF_INET, argv[2], &to.sin_addr) != 1) {
		fprintf(stderr, "usage: ctflood SRC-NET DST PORT COUNT [PPS]\n");
		return 2;
	}
	to.sin_port = htons((uint16_t)atoi(argv[3]));
	count = strtoull(argv[4], NULL, 10);
	if (argc > 5)
		pps = strtoull(argv[5], NULL, 10);
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) < 0) {
		perror("ctflood: raw socket");
		return 1;
	}
	for (j = 0; j < CTF_BATCH; j++) {
		iov[j].iov_base = pkts[j];
		iov[j].iov_len = CTF_LEN;
		memset(&msgs[j], 0, sizeof(msgs[j]));
		msgs[j].msg_hdr.msg_iov = &iov[j];
		msgs[j].msg_hdr.msg_iovlen = 1;
		msgs[j].msg_hdr.msg_name = &to;
		msgs[j].msg_hdr.msg_namelen = sizeof(to);
	}
	t0 = ctflood_now();
	while (i < count) {
		unsigned int batch = count - i < CTF_BATCH ? (unsigned int)(count - i) : CTF_BATCH;

		for (j = 0; j < batch; j++)
			ctflood_fill(pkts[j], (uint32_t)(a << 24 | b << 16), to.sin_addr.s_addr,
				     to.sin_port, i + j);
		n = sendmmsg(fd, msgs, batch, 0);
		if (n < 0) {
			if (errno == ENOBUFS || errno == EAGAIN) {
				usleep(1000);
				continue;
			}
			perror("ctflood: sendmmsg");
			return 1;
		}
		i += (uint64_t)n;
		while (pps && (t = ctflood_now() - t0) < (double)i / (double)pps)
			usleep(200);
	}
	printf("sent %llu %.3f\n", (unsigned long long)i, ctflood_now() - t0);
	return 0;
}
