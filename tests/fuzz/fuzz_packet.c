// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The packet path fed arbitrary bytes: a whole router (fuzznet.h, wan0's
 * MTU 576; defrag on, connection tracking and NAT, the tables with a
 * ruleset that uses most matches and targets, a queue that parks what
 * NFQUEUE sends it) receives a sequence of packets cut from the input,
 * with the clock moving between them.
 *
 * The input is a list of records, each a 3-byte head and a body:
 *
 *   op  len_lo  len_hi  body[len]     (len is cut to the bytes left)
 *
 *   op & 3 == 0 or 1   a packet: body is the IPv4 packet, in on lan0 (0) or
 *                      wan0 (1). op bit 2: fix the IPv4 header (version,
 *                      IHL if too long, total length, checksum) so that the
 *                      fuzzer gets past validation; bit 3: fix the TCP, UDP
 *                      or ICMP checksum too; bits 4-6: clock step before it
 *                      (fuzz_steps[]); bit 7: flush the output after it.
 *   op & 3 == 2        the verdict (op >> 2: accept, drop, repeat, or an
 *                      unknown one) on the oldest parked packet; no body.
 *   op & 3 == 3        the clock moves len * 10 ms and the router ticks
 *                      (defrag and conntrack expiry); no body.
 *
 * What leaves is checked (fuzznet.h). At the end every parked packet is
 * dropped, the clock moves past every timeout and the output is flushed:
 * then all buffers must be back in the pool (a leaked or doubly freed
 * packet aborts).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include "conntrack/ct.h"
#include "core/ipv4.h"
#include "core/router.h"
#include "fuzz.h"
#include "fuzznet.h"
#include "tables/tables.h"

#define FUZZ_POOL 64u
#define FUZZ_PARK_MAX 8u

static const char fuzz_rules[] =
	"*raw\n"
	":PREROUTING ACCEPT [0:0]\n"
	":OUTPUT ACCEPT [0:0]\n"
	"-A PREROUTING -p udp -m udp --dport 7 -j NOTRACK\n"
	"-A PREROUTING -p tcp -m tcp --dport 9 -j CT --notrack\n"
	"-A PREROUTING -s 10.1.0.99/32 -j TRACE\n"
	"-A PREROUTING -m rpfilter --loose --invert -j DROP\n"
	"-A OUTPUT -p icmp -m limit --limit 5/sec --limit-burst 3 -j TRACE\n"
	"COMMIT\n"
	"*mangle\n"
	":PREROUTING ACCEPT [0:0]\n"
	":INPUT ACCEPT [0:0]\n"
	":FORWARD ACCEPT [0:0]\n"
	":OUTPUT ACCEPT [0:0]\n"
	":POSTROUTING ACCEPT [0:0]\n"
	":marks - [0:0]\n"
	"-A PREROUTING -m mark --mark 0x0/0xffff0000 -j marks\n"
	"-A PREROUTING -p tcp -m tcp --tcp-flags SYN,RST SYN -j CONNMARK --restore-mark\n"
	"-A PREROUTING -m length --length 1000:65535 -j TOS --set-tos 0x10\n"
	"-A PREROUTING -m ttl --ttl-lt 5 -j TTL --ttl-set 64\n"
	"-A PREROUTING -m dscp --dscp 0x2e -j DSCP --set-dscp-class af41\n"
	"-A INPUT -m ipv4options --flags 7 -j MARK --or-mark 0x4\n"
	"-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu\n"
	"-A FORWARD -m iprange --src-range 10.1.0.10-10.1.0.20 -j TTL --ttl-inc 2\n"
	"-A OUTPUT -m tos --tos 0x10/0x3f -j TTL --ttl-dec 1\n"
	"-A POSTROUTING -o wan0 -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 500\n"
	"-A POSTROUTING -m conntrack --ctstate NEW -j CONNMARK --save-mark\n"
	"-A marks -p udp -m multiport --dports 53,123,5000:5100 -j MARK --set-xmark 0x10/0xff\n"
	"-A marks -m pkttype --pkt-type broadcast -j MARK --set-mark 0x20\n"
	"-A marks -m addrtype --dst-type LOCAL -j MARK --or-mark 0x100\n"
	"-A marks -m comment --comment \"the end\" -j RETURN\n"
	"COMMIT\n"
	"*nat\n"
	":PREROUTING ACCEPT [0:0]\n"
	":INPUT ACCEPT [0:0]\n"
	":OUTPUT ACCEPT [0:0]\n"
	":POSTROUTING ACCEPT [0:0]\n"
	"-A PREROUTING -d 10.2.0.1/32 -i wan0 -p tcp -m tcp --dport 8080 -j DNAT "
	"--to-destination 10.1.0.5:80\n"
	"-A PREROUTING -d 10.2.0.1/32 -i wan0 -p udp -m udp --dport 5353 -j DNAT "
	"--to-destination 10.1.0.5\n"
	"-A PREROUTING -i lan0 -p udp -m udp --dport 5300 -j REDIRECT --to-ports 53\n"
	"-A OUTPUT -d 10.2.0.77/32 -j DNAT --to-destination 10.1.0.7\n"
	"-A POSTROUTING -o wan0 -p udp -m udp --dport 5000:5100 -j SNAT "
	"--to-source 10.2.0.1:3000-3010\n"
	"-A POSTROUTING -o wan0 -p tcp -m tcp --dport 443 -j SNAT --to-source 10.2.0.1 --random\n"
	"-A POSTROUTING -o wan0 -s 10.1.0.0/24 -j MASQUERADE\n"
	"COMMIT\n"
	"*filter\n"
	":INPUT ACCEPT [0:0]\n"
	":FORWARD DROP [0:0]\n"
	":OUTPUT ACCEPT [0:0]\n"
	":fwd - [0:0]\n"
	":rej - [0:0]\n"
	"-A INPUT -p icmp -m icmp --icmp-type echo-request -m limit --limit 100/sec -j ACCEPT\n"
	"-A INPUT -p udp -m udp --dport 9999 -j NFQUEUE --queue-num 3\n"
	"-A INPUT -p tcp -m tcp --dport 2222 -j REJECT --reject-with tcp-reset\n"
	"-A INPUT -m state --state INVALID -j LOG --log-prefix \"inv \" --log-tcp-sequence "
	"--log-tcp-options --log-ip-options\n"
	"-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
	"-A FORWARD -m conntrack --ctstate DNAT -j ACCEPT\n"
	"-A FORWARD -i lan0 -o wan0 -j fwd\n"
	"-A FORWARD -i wan0 -p udp -m udp --sport 53 -j ACCEPT\n"
	"-A FORWARD -p udp -m udp --dport 4000:4999 -j NFQUEUE --queue-balance 1:2 --queue-bypass\n"
	"-A FORWARD -j rej\n"
	"-A OUTPUT -p icmp -m ttl --ttl-gt 10 -j ACCEPT\n"
	"-A OUTPUT -m length --length 0:100 -j LOG\n"
	"-A fwd -f -j ACCEPT\n"
	"-A fwd -p tcp -m multiport --dports 22,80,443 -m connmark ! --mark 0x1 -j ACCEPT\n"
	"-A fwd -p udp -m udp --sport 1000:2000 -j QUEUE\n"
	"-A fwd -m mark --mark 0x10/0xff -j ACCEPT\n"
	"-A fwd -p icmp -j ACCEPT\n"
	"-A fwd -p tcp -m tcp --syn -j LOG --log-level 7\n"
	"-A fwd ! -d 10.20.0.0/16 -j RETURN\n"
	"-A fwd -p gre -j ACCEPT\n"
	"-A rej -p tcp -j REJECT --reject-with tcp-reset\n"
	"-A rej -p udp -j REJECT --reject-with icmp-port-unreachable\n"
	"-A rej -d 10.20.5.0/24 -j REJECT --reject-with icmp-admin-prohibited\n"
	"-A rej -j REJECT\n"
	"COMMIT\n";

/* Clock steps before a packet, ms: none, jitter, a limit's refill, a
 * defrag or ICMP-limit expiry, a conntrack timeout. */
static const uint32_t fuzz_steps[8] = { 0, 1, 10, 100, 1000, 5000, 31000, 600000 };

struct fuzz_park {
	struct pkt *q[FUZZ_PARK_MAX];
	unsigned int head, n;
};

/* QUEUE/NFQUEUE: park for a later verdict record; a full park refuses
 * (the kernel drops when a queue is full). */
static void fuzz_queue(void *arg, struct router *r, struct pkt *p)
{
	struct fuzz_park *pk = arg;

	if (pk->n == FUZZ_PARK_MAX) {
		router_drop(r, p, DROP_HOOK_DROP);
		return;
	}
	pk->q[(pk->head + pk->n++) % FUZZ_PARK_MAX] = p;
}

static void fuzz_verdict(struct router *r, struct fuzz_park *pk, unsigned int v)
{
	static const unsigned int verdicts[] = { TF_ACCEPT, TF_DROP, TF_REPEAT, 77 };
	struct pkt *p;

	if (!pk->n)
		return;
	p = pk->q[pk->head];
	pk->head = (pk->head + 1) % FUZZ_PARK_MAX;
	pk->n--;
	router_reinject(r, p, verdicts[v & 3]);
}

/* TRACE: read what the router reports, as tunfilter monitor would. */
static void fuzz_trace(void *arg, const struct pkt *p, const char *table, const char *chain,
		       unsigned int rulenum, const char *what)
{
	volatile size_t n = strlen(table) + strlen(chain) + strlen(what) + p->len;

	(void)n;
}

static void fuzz_router_up(struct router *r, struct fuzz_park *pk)
{
	const struct router_config cfg = {
		.pool_size = FUZZ_POOL,
		.defrag = true,
		.defrag_cfg = { .max_memory = 256u << 10, .timeout_ms = 30000, .max_queues = 8 },
		.icmp = ICMP_LIMIT_DEFAULTS,
	};
	struct ct_config ctc;

	fuzznet_up(r, &cfg, 576);
	/* The daemon's order: tables, then conntrack. */
	ct_config_defaults(&ctc);
	ctc.mode = CT_MODE_ON;
	ctc.max_entries = 64; /* small: a full table is a path too */
	FUZZ_CHECK(ct_init(r, &ctc) == 0, "ct_init");
	fuzznet_rules(r, fuzz_rules);
	memset(pk, 0, sizeof(*pk));
	r->queue = fuzz_queue;
	r->queue_arg = pk;
	r->trace = fuzz_trace;
}

static void fuzz_packet_in(struct router *r, uint8_t op, const uint8_t *body, uint32_t len)
{
	struct pkt *p = pkt_alloc(&r->pool);

	if (!p)
		return; /* the daemon counts this and reads nothing */
	if (len > pkt_tailroom(p))
		len = pkt_tailroom(p);
	memcpy(p->data, body, len);
	p->len = len;
	if (op & 0x04)
		fuzznet_fix_ip(p->data, len);
	if ((op & 0x08) && len >= 20)
		fuzznet_fix_l4(p->data, len);
	router_rx(r, p, op & 1);
	if (op & 0x80)
		router_flush(r);
}

/* TF_FUZZ_VERBOSE=1: what an input did, to check that a seed does what
 * it was written for. */
static void fuzz_report(const struct router *r, unsigned int tx)
{
	unsigned int i;

	if (!getenv("TF_FUZZ_VERBOSE"))
		return;
	fprintf(stderr, "forwarded %llu, local in %llu, local out %llu, sent %u\n",
		(unsigned long long)r->forwarded, (unsigned long long)r->local_in,
		(unsigned long long)r->local_out, tx);
	for (i = 0; i < DROP_MAX; i++)
		if (r->drops.count[i])
			fprintf(stderr, "  drop %s: %llu\n", drop_name((enum tf_drop)i),
				(unsigned long long)r->drops.count[i]);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct router r; /* large: not on the stack */
	struct fuzz_park pk;
	uint64_t now = 1000000;

	fuzz_router_up(&r, &pk);
	while (size >= 3) {
		uint8_t op = data[0];
		uint32_t len = data[1] | (uint32_t)data[2] << 8;

		data += 3;
		size -= 3;
		switch (op & 3) {
		case 0:
		case 1:
			if (len > size)
				len = (uint32_t)size;
			now += fuzz_steps[(op >> 4) & 7];
			router_set_clock(&r, now, (uint32_t)(now % 86400000u));
			fuzz_packet_in(&r, op, data, len);
			data += len;
			size -= len;
			break;
		case 2:
			fuzz_verdict(&r, &pk, op >> 2);
			break;
		case 3:
			now += (uint64_t)len * 10;
			router_set_clock(&r, now, (uint32_t)(now % 86400000u));
			router_tick(&r);
			break;
		}
	}
	router_flush(&r);
	while (pk.n)
		fuzz_verdict(&r, &pk, 1);
	now += 3600u * 1000u;
	router_set_clock(&r, now, (uint32_t)(now % 86400000u));
	router_tick(&r);
	router_flush(&r);
	fuzz_report(&r, (unsigned int)(r.ifaces[0].st.tx_packets + r.ifaces[1].st.tx_packets));
	FUZZ_CHECK(r.pool.avail == r.pool.count, "%u of %u buffers back in the pool", r.pool.avail,
		   r.pool.count);
	ct_fini(&r);
	tables_fini(&r);
	router_fini(&r);
	return 0;
}
