// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * NAT: the targets' save text and messages; the checksums of rewritten
 * packets against full recomputation on random packets; ICMP errors about
 * translated connections byte for byte against hand-built packets; tuple
 * allocation with 60,000 masqueraded connections, and the drop when a port
 * range runs out; insertion clashes of UDP flows whose first packets were
 * parked before confirmation and got different translations. The router
 * is the conntrack harness's:
 *
 *   10.1.0.2 --- if0 [10.1.0.1/24]  router  [10.2.0.1/24] if1 --- 10.2.0.2
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/csum.h"
#include "core/hook.h"
#include "core/ipv4.h"
#include "ct_harness.h"
#include "nat/manip.h"
#include "nat/nat.h"
#include "tables/restore.h"
#include "tables/ruleset.h"
#include "tables/save.h"
#include "tables/tables.h"

static char err[RULESET_ERR_MAX];

/* ---- save text and messages ---- */

static struct counters *ctr;

static void text_setup(void)
{
	ctr = counters_new();
	cr_assert_not_null(ctr);
}

static void text_teardown(void)
{
	counters_free(ctr);
}

TestSuite(nat_text, .init = text_setup, .fini = text_teardown);

static int restore_nat(struct ruleset *rs, const char *rules)
{
	char text[4096];

	snprintf(text, sizeof(text), "*nat\n%sCOMMIT\n", rules);
	err[0] = '\0';
	return restore_text(rs, text, strlen(text), "t.v4", 0, err, sizeof(err));
}

static char *save_nat(const struct ruleset *rs)
{
	struct out o;
	char *s;

	out_init(&o, false);
	save_ruleset(rs, XT_TABLE_NAT, SAVE_NO_COMMENTS, 0, &o);
	out_append(&o, "", 1);
	s = strdup(o.buf);
	out_free(&o);
	return s;
}

/* What iptables-nft 1.8.9's iptables-save printed for these rules. */
static const char nat_golden[] =
	"-A PREROUTING -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.0.0.5\n"
	"-A PREROUTING -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.0.0.5:8080\n"
	"-A PREROUTING -p tcp -m tcp --dport 81 -j DNAT --to-destination "
	"10.0.0.5-10.0.0.6:8080-8090\n"
	"-A PREROUTING -p udp -m udp --dport 53 -j REDIRECT --to-ports 1153\n"
	"-A PREROUTING -p udp -m udp --dport 53 -j REDIRECT --to-ports 1153-1160 --random\n"
	"-A PREROUTING -p udp -m udp --dport 54 -j REDIRECT\n"
	"-A INPUT -j SNAT --to-source 1.2.3.4\n"
	"-A OUTPUT -p tcp -j DNAT --to-destination :8080\n"
	"-A POSTROUTING -o eth0 -j MASQUERADE\n"
	"-A POSTROUTING -p tcp -j MASQUERADE --to-ports 1000-2000 --random\n"
	"-A POSTROUTING -p udp -j MASQUERADE --to-ports 1000 --random-fully\n"
	"-A POSTROUTING -j SNAT --to-source 1.2.3.4\n"
	"-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4-1.2.3.10:1000-2000 --random "
	"--random-fully --persistent\n"
	"-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:80\n";

Test(nat_text, golden_save)
{
	struct ruleset *rs = ruleset_new(ctr), *rs2 = ruleset_new(ctr);
	char *got, *again;

	cr_assert_eq(restore_nat(rs, nat_golden), 0, "%s", err);
	got = save_nat(rs);
	cr_expect(strstr(got, nat_golden) != NULL, "got:\n%s", got);
	/* And the text parses back to itself. */
	cr_assert_eq(restore_nat(rs2, nat_golden), 0, "%s", err);
	again = save_nat(rs2);
	cr_expect_str_eq(again, got);
	free(got);
	free(again);
	ruleset_free(rs);
	ruleset_free(rs2);
}

static void refused(const char *rule, const char *msg)
{
	struct ruleset *rs = ruleset_new(ctr);
	char line[512];

	snprintf(line, sizeof(line), "%s\n", rule);
	cr_expect_neq(restore_nat(rs, line), 0, "%s accepted", rule);
	cr_expect(strstr(err, msg) != NULL, "%s: got \"%s\", want \"%s\"", rule, err, msg);
	ruleset_free(rs);
}

Test(nat_text, messages)
{
	refused("-A PREROUTING -j SNAT --to-source 1.2.3.4",
		"SNAT target: used from hooks PREROUTING, but only usable from INPUT/POSTROUTING");
	refused("-A POSTROUTING -j DNAT --to-destination 1.2.3.4",
		"DNAT target: used from hooks POSTROUTING, but only usable from PREROUTING/OUTPUT");
	refused("-A PREROUTING -j MASQUERADE",
		"MASQUERADE target: used from hooks PREROUTING, but only usable from POSTROUTING");
	refused("-A POSTROUTING -j REDIRECT", "REDIRECT target: used from hooks POSTROUTING");
	refused("-A POSTROUTING -j SNAT --to-source 1.2.3.4:80",
		"Need TCP, UDP, SCTP or DCCP with port specification");
	refused("-A POSTROUTING -j MASQUERADE --to-ports 80",
		"Need TCP, UDP, SCTP or DCCP with port specification");
	refused("-A POSTROUTING -j SNAT", "SNAT: option \"--to-source\" must be specified");
	refused("-A POSTROUTING -j SNAT --to-source 1.2.3", "Bad IP address \"1.2.3\"");
	refused("-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:2000-1000",
		"Port range `1000' funky");
	refused("-A POSTROUTING -j SNAT --to-source 1.2.3.4 --to-source 1.2.3.5",
		"SNAT: option \"--to-source\" can only be used once");
	refused("-A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:abc", "Port `abc' not valid");
}

Test(nat_text, other_table)
{
	struct ruleset *rs = ruleset_new(ctr);
	const char *text = "*filter\n-A INPUT -j MASQUERADE\nCOMMIT\n";

	cr_expect_neq(restore_text(rs, text, strlen(text), "t.v4", 0, err, sizeof(err)), 0);
	cr_expect(strstr(err, "MASQUERADE target: only valid in nat table, not filter"), "%s", err);
	ruleset_free(rs);
}

/* ---- checksums against full recomputation ---- */

static bool l4_csum_ok(const uint8_t *buf, unsigned int len)
{
	const struct iphdr *ip = (const struct iphdr *)buf;
	unsigned int hl = ip->ihl * 4u;
	uint32_t sum = 0;

	if (ip->protocol == IPPROTO_UDP && ((const struct udphdr *)(buf + hl))->check == 0)
		return true;
	if (ip->protocol != IPPROTO_ICMP)
		sum = csum_pseudo(ip->saddr, ip->daddr, ip->protocol, (uint16_t)(len - hl));
	return csum_fold(csum_partial(buf + hl, len - hl, sum)) == 0;
}

/* A random datagram of proto with correct checksums (UDP: zero checksum
 * when zero_udp). */
static unsigned int rand_pkt(uint8_t *buf, uint8_t proto, bool zero_udp)
{
	struct iphdr *ip = (struct iphdr *)buf;
	unsigned int plen = (unsigned int)(rand() % 200) + 20, len = 20 + plen, i;
	uint16_t *ck;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)rand();
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons((uint16_t)len);
	ip->frag_off = 0;
	ip->protocol = proto;
	ipv4_set_csum(ip);
	if (proto == IPPROTO_ICMP)
		buf[20] = ICMP_ECHO;
	ck = (uint16_t *)(buf + 20 + (proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 2));
	*ck = 0;
	if (proto == IPPROTO_TCP)
		buf[32] = 5 << 4;
	if (proto == IPPROTO_UDP && zero_udp)
		return len;
	*ck = csum_fold(csum_partial(buf + 20, plen, proto == IPPROTO_ICMP ? 0 :
				     csum_pseudo(ip->saddr, ip->daddr, proto, (uint16_t)plen)));
	if (proto == IPPROTO_UDP && !*ck)
		*ck = 0xffff;
	return len;
}

static void rand_target(struct ct_tuple *t, uint8_t proto)
{
	memset(t, 0, sizeof(*t));
	t->src = (uint32_t)rand();
	t->dst = (uint32_t)rand();
	t->s.port = (uint16_t)rand();
	t->d.port = (uint16_t)rand();
	t->proto = proto;
}

Test(nat_csum, random_rewrites)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP };
	uint8_t buf[512];
	struct pkt p;
	struct ct_tuple t;
	unsigned int i, len;

	srand(4);
	for (i = 0; i < 20000; i++) {
		uint8_t proto = protos[i % 3];
		bool zero = proto == IPPROTO_UDP && i % 2;
		enum nat_manip m = (i / 3) % 2 ? NAT_MANIP_DST : NAT_MANIP_SRC;

		len = rand_pkt(buf, proto, zero);
		memset(&p, 0, sizeof(p));
		p.data = buf;
		p.len = len;
		rand_target(&t, proto);
		cr_assert(nat_manip_hdr(&p, 0, &t, m, NULL));
		cr_assert_eq(csum_buf(buf, 20), 0, "ip checksum, packet %u", i);
		cr_assert(l4_csum_ok(buf, len), "l4 checksum, proto %u packet %u", proto, i);
		if (zero)
			cr_assert_eq(((struct udphdr *)(buf + 20))->check, 0);
		if (m == NAT_MANIP_SRC)
			cr_assert_eq(((struct iphdr *)buf)->saddr, t.src);
		else
			cr_assert_eq(((struct iphdr *)buf)->daddr, t.dst);
		if (proto == IPPROTO_ICMP)
			cr_assert_eq(*(uint16_t *)(buf + 24), t.s.id);
		else
			cr_assert_eq(*(uint16_t *)(buf + 20 + (m == NAT_MANIP_SRC ? 0 : 2)),
				     m == NAT_MANIP_SRC ? t.s.port : t.d.port);
	}
}

/* The quoted packet of an ICMP error: its outer checksum follows. */
Test(nat_csum, random_quoted)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP };
	uint8_t buf[600];
	struct pkt p;
	struct ct_tuple t;
	unsigned int i, len, quote;
	struct icmphdr *ih = (struct icmphdr *)(buf + 20);

	srand(5);
	for (i = 0; i < 20000; i++) {
		uint8_t proto = protos[i % 3];

		len = rand_pkt(buf + 28, proto, i % 2);
		/* Quote all of it, or only the 8 bytes an error must carry. */
		quote = i % 4 == 0 ? 28 : len;
		memset(buf, 0, 28);
		buf[0] = 0x45;
		buf[9] = IPPROTO_ICMP;
		*(uint16_t *)(buf + 2) = htons((uint16_t)(28 + quote));
		ipv4_set_csum((struct iphdr *)buf);
		ih->type = ICMP_DEST_UNREACH;
		ih->code = 3;
		ih->checksum = csum_buf(buf + 20, 8 + quote);
		memset(&p, 0, sizeof(p));
		p.data = buf;
		p.len = 28 + quote;
		rand_target(&t, proto);
		cr_assert(nat_manip_hdr(&p, 28, &t, i % 2 ? NAT_MANIP_SRC : NAT_MANIP_DST,
					&ih->checksum));
		cr_assert_eq(csum_buf(buf + 20, 8 + quote), 0, "icmp checksum, packet %u", i);
		cr_assert_eq(csum_buf(buf + 28, 20), 0, "quoted ip checksum, packet %u", i);
		if (quote == len)
			cr_assert(l4_csum_ok(buf + 28, len), "quoted l4 checksum, packet %u", i);
	}
}

/* ---- through the router ---- */

TestSuite(nat, .init = ch_setup_tables, .fini = ch_teardown_tables);

/* rules: the nat table's lines, loaded as the whole nat table. */
static void load(const char *rules)
{
	char text[4096];

	snprintf(text, sizeof(text), "*nat\n%sCOMMIT\n", rules);
	ch_load(text);
}

static const struct iphdr *cap_ip(unsigned int i)
{
	return (const struct iphdr *)ch_cap.data[i];
}

static uint16_t cap_port(unsigned int i, bool dst)
{
	uint16_t v;

	memcpy(&v, ch_cap.data[i] + 20 + (dst ? 2 : 0), 2);
	return ntohs(v);
}

Test(nat, masquerade_both_ways)
{
	load("-A POSTROUTING -o if1 -j MASQUERADE\n");
	cr_assert_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 40000, 53), 0), 1);
	cr_expect_eq(ch_cap.oif[0], 1);
	cr_expect_eq(cap_ip(0)->saddr, ch_addr("10.2.0.1"));
	cr_expect_eq(cap_port(0, false), 40000, "a free port is kept");
	cr_expect(l4_csum_ok(ch_cap.data[0], ch_cap.len[0]));
	cr_assert_eq(ch_send(ch_udp("10.2.0.2", "10.2.0.1", 53, 40000), 1), 1);
	cr_expect_eq(ch_cap.oif[1], 0);
	cr_expect_eq(cap_ip(1)->daddr, ch_addr("10.1.0.2"));
	cr_expect_eq(csum_buf(ch_cap.data[1], 20), 0);
	cr_expect(l4_csum_ok(ch_cap.data[1], ch_cap.len[1]));
	/* A second client with the same port gets another one. */
	cr_assert_eq(ch_send(ch_udp("10.1.0.3", "10.2.0.2", 40000, 53), 0), 1);
	cr_expect_eq(cap_ip(2)->saddr, ch_addr("10.2.0.1"));
	cr_expect_neq(cap_port(2, false), 40000);
	cr_expect_geq(cap_port(2, false), 1024, "the port class is kept");
}

Test(nat, dnat_port_forward)
{
	load("-A PREROUTING -i if1 -p tcp --dport 8080 -j DNAT --to-destination 10.1.0.2:80\n");
	cr_assert_eq(ch_send(ch_tcp("10.2.0.2", "10.2.0.1", 5555, 8080, 1, 0, TH_SYN, 1000, 0),
			     1), 1);
	cr_expect_eq(ch_cap.oif[0], 0, "routed on the new destination");
	cr_expect_eq(cap_ip(0)->daddr, ch_addr("10.1.0.2"));
	cr_expect_eq(cap_port(0, true), 80);
	cr_expect(l4_csum_ok(ch_cap.data[0], ch_cap.len[0]));
	cr_assert_eq(ch_send(ch_tcp("10.1.0.2", "10.2.0.2", 80, 5555, 100, 2, TH_SYN | TH_ACK,
				    1000, 0), 0), 1);
	cr_expect_eq(cap_ip(1)->saddr, ch_addr("10.2.0.1"));
	cr_expect_eq(cap_port(1, false), 8080);
	cr_expect(l4_csum_ok(ch_cap.data[1], ch_cap.len[1]));
}

/* The far host's port unreachable about a masqueraded datagram comes back
 * to the client as if the client's own datagram had been quoted. */
Test(nat, icmp_error_byte_for_byte)
{
	struct pkt *p;
	uint8_t client[44], expect[20 + 8 + 44];
	struct iphdr *eip = (struct iphdr *)expect, *qip = (struct iphdr *)(expect + 28);
	struct icmphdr *eih = (struct icmphdr *)(expect + 20);

	load("-A POSTROUTING -o if1 -p udp -j MASQUERADE --to-ports 20000\n");
	p = ch_udp("10.1.0.2", "10.2.0.2", 5000, 53);
	cr_assert_eq(p->len, sizeof(client));
	memcpy(client, p->data, sizeof(client));
	cr_assert_eq(ch_send(p, 0), 1);
	cr_assert_eq(cap_port(0, false), 20000);
	cr_assert_eq(cap_ip(0)->saddr, ch_addr("10.2.0.1"));

	p = ch_icmp("10.2.0.2", "10.2.0.1", ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0,
		    ch_cap.data[0], 44);
	cr_assert_eq(p->len, sizeof(expect));
	/* Built by hand: the error as sent, to the client, one hop on, quoting
	 * the client's datagram as it left the client but one hop on; every
	 * checksum summed afresh. */
	memcpy(expect, p->data, sizeof(expect));
	eip->daddr = ch_addr("10.1.0.2");
	eip->ttl--;
	ipv4_set_csum(eip);
	memcpy(expect + 28, client, sizeof(client));
	qip->ttl--;
	ipv4_set_csum(qip);
	eih->checksum = 0;
	eih->checksum = csum_buf(eih, 8 + 44);
	cr_assert_eq(ch_send(p, 1), 1);
	cr_assert_eq(ch_cap.oif[1], 0);
	cr_assert_eq(ch_cap.len[1], sizeof(expect));
	cr_expect_arr_eq(ch_cap.data[1], expect, sizeof(expect));
}

/* The same with an error quoting only 8 bytes of a TCP header: the ports
 * change, the checksum it does not carry cannot. */
Test(nat, icmp_error_short_quote)
{
	struct pkt *p;
	uint8_t client[60], expect[20 + 8 + 28];
	struct iphdr *eip = (struct iphdr *)expect, *qip = (struct iphdr *)(expect + 28);
	struct icmphdr *eih = (struct icmphdr *)(expect + 20);

	load("-A POSTROUTING -o if1 -p tcp -j SNAT --to-source 10.2.0.1:30000\n");
	p = ch_tcp("10.1.0.2", "10.2.0.2", 5000, 80, 1, 0, TH_SYN, 1000, 0);
	memcpy(client, p->data, 40);
	cr_assert_eq(ch_send(p, 0), 1);
	cr_assert_eq(cap_port(0, false), 30000);
	p = ch_icmp("10.2.0.9", "10.2.0.1", ICMP_TIME_EXCEEDED, 0, 0, ch_cap.data[0], 28);
	memcpy(expect, p->data, sizeof(expect));
	eip->daddr = ch_addr("10.1.0.2");
	eip->ttl--;
	ipv4_set_csum(eip);
	memcpy(expect + 28, client, 28);
	qip->ttl--;
	ipv4_set_csum(qip);
	eih->checksum = 0;
	eih->checksum = csum_buf(eih, 8 + 28);
	cr_assert_eq(ch_send(p, 1), 1);
	cr_assert_eq(ch_cap.len[1], sizeof(expect));
	cr_expect_arr_eq(ch_cap.data[1], expect, sizeof(expect));
}

Test(nat, hairpin)
{
	load("-A PREROUTING -d 10.2.0.1 -p tcp --dport 8080 -j DNAT --to-destination 10.1.0.2:80\n"
	     "-A POSTROUTING -s 10.1.0.0/24 -d 10.1.0.2 -p tcp --dport 80 -j MASQUERADE\n");
	cr_assert_eq(ch_send(ch_tcp("10.1.0.3", "10.2.0.1", 4444, 8080, 1, 0, TH_SYN, 1000, 0),
			     0), 1);
	cr_expect_eq(ch_cap.oif[0], 0);
	cr_expect_eq(cap_ip(0)->saddr, ch_addr("10.1.0.1"));
	cr_expect_eq(cap_ip(0)->daddr, ch_addr("10.1.0.2"));
	cr_expect_eq(cap_port(0, true), 80);
	cr_expect(l4_csum_ok(ch_cap.data[0], ch_cap.len[0]));
	cr_assert_eq(ch_send(ch_tcp("10.1.0.2", "10.1.0.1", 80, cap_port(0, false), 9, 2,
				    TH_SYN | TH_ACK, 1000, 0), 0), 1);
	cr_expect_eq(cap_ip(1)->saddr, ch_addr("10.2.0.1"));
	cr_expect_eq(cap_ip(1)->daddr, ch_addr("10.1.0.3"));
	cr_expect_eq(cap_port(1, false), 8080);
	cr_expect_eq(cap_port(1, true), 4444);
	cr_expect(l4_csum_ok(ch_cap.data[1], ch_cap.len[1]));
	cr_expect_eq(csum_buf(ch_cap.data[1], 20), 0);
}

Test(nat, icmp_echo_id)
{
	load("-A POSTROUTING -o if1 -j MASQUERADE\n");
	cr_assert_eq(ch_send(ch_icmp("10.1.0.2", "10.2.0.2", ICMP_ECHO, 0, 77, NULL, 0), 0), 1);
	cr_assert_eq(ch_send(ch_icmp("10.1.0.3", "10.2.0.2", ICMP_ECHO, 0, 77, NULL, 0), 0), 1);
	cr_expect_neq(cap_port(1, false) == 0 ? 0 : *(uint16_t *)(ch_cap.data[1] + 24),
		      htons(77), "the second client's identifier is changed");
	cr_expect(l4_csum_ok(ch_cap.data[1], ch_cap.len[1]));
	cr_assert_eq(ch_send(ch_icmp("10.2.0.2", "10.2.0.1", ICMP_ECHOREPLY, 0,
				     ntohs(*(uint16_t *)(ch_cap.data[1] + 24)), NULL, 0), 1), 1);
	cr_expect_eq(cap_ip(2)->daddr, ch_addr("10.1.0.3"));
	cr_expect_eq(*(uint16_t *)(ch_cap.data[2] + 24), htons(77));
	cr_expect(l4_csum_ok(ch_cap.data[2], ch_cap.len[2]));
}

/* 60,000 connections from 240 clients, every one from the same 250
 * ports, to one server: 60,000 different ports on the one address. */
Test(nat, sixty_thousand_masqueraded, .timeout = 120)
{
	static uint8_t seen[65536];
	unsigned int i, port;
	char src[16];

	memset(seen, 0, sizeof(seen));
	load("-A POSTROUTING -o if1 -j MASQUERADE\n");
	for (i = 0; i < 60000; i++) {
		snprintf(src, sizeof(src), "10.1.0.%u", 2 + i % 240);
		ch_cap.n = 0;
		cr_assert_eq(ch_send(ch_udp(src, "10.2.0.2", (uint16_t)(30000 + i / 240), 53), 0), 1,
			     "connection %u", i);
		cr_assert_eq(cap_ip(0)->saddr, ch_addr("10.2.0.1"));
		port = cap_port(0, false);
		cr_assert_geq(port, 1024, "connection %u: port %u left its class", i, port);
		cr_assert_not(seen[port], "connection %u: port %u given twice", i, port);
		seen[port] = 1;
	}
	cr_expect_eq(ch_table()->count, 60000);
	cr_expect_eq(ch_r.drops.count[DROP_NAT_NO_TUPLE], 0);
}

/* Ten ports, eleven clients: the eleventh is dropped, and counted. */
Test(nat, range_exhausted)
{
	unsigned int i, port, got = 0;
	char src[16];

	load("-A POSTROUTING -o if1 -p udp -j MASQUERADE --to-ports 1000-1009\n");
	for (i = 0; i < 10; i++) {
		snprintf(src, sizeof(src), "10.1.0.%u", 2 + i);
		ch_cap.n = 0;
		cr_assert_eq(ch_send(ch_udp(src, "10.2.0.2", 5000, 53), 0), 1);
		port = cap_port(0, false);
		cr_assert(port >= 1000 && port <= 1009, "port %u", port);
		cr_assert_not(got & (1u << (port - 1000)), "port %u twice", port);
		got |= 1u << (port - 1000);
	}
	ch_cap.n = 0;
	cr_expect_eq(ch_send(ch_udp("10.1.0.99", "10.2.0.2", 5000, 53), 0), 0);
	cr_expect_eq(ch_r.drops.count[DROP_NAT_NO_TUPLE], 1);
	cr_expect_eq(ch_table()->count, 10, "the dropped packet made no entry");
	/* Another server is another set of tuples. */
	cr_expect_eq(ch_send(ch_udp("10.1.0.99", "10.2.0.3", 5000, 53), 0), 1);
}

/* The interface's address changes: its masqueraded connections go. */
Test(nat, masquerade_forgotten)
{
	load("-A POSTROUTING -o if1 -j MASQUERADE\n");
	cr_assert_eq(ch_send(ch_udp("10.1.0.2", "10.2.0.2", 40000, 53), 0), 1);
	cr_assert_eq(ch_send(ch_udp("10.1.0.3", "10.2.0.2", 40000, 53), 0), 1);
	cr_expect_eq(ch_table()->confirmed, 2);
	ch_r.ifaces[1].addr = ch_addr("10.2.0.100");
	/* Lazily, by a packet of it... */
	cr_expect_eq(ch_send(ch_udp("10.2.0.2", "10.2.0.1", 53, 40000), 1), 0);
	cr_expect_eq(ch_r.drops.count[DROP_NAT_MASQ_GONE], 1);
	cr_expect_eq(ch_table()->confirmed, 1);
	/* ... or at once. */
	cr_expect_eq(nat_masq_forget(&ch_r, 1), 1);
	cr_expect_eq(ch_table()->confirmed, 0);
}

/* ---- insertion clashes ---- */

/*
 * Two datagrams of one new flow wait in a queue after DNAT gave them
 * different servers (the TOS picks the rule: the kernel's A and AAAA
 * lookups balanced by -m statistic); both have unconfirmed entries. The
 * first one out wins; the second is the clash loser (clash.c).
 */
static const char clash_rules[] =
	"-A PREROUTING -i if0 -p udp --dport 53 -m tos --tos 0x10 "
	"-j DNAT --to-destination 10.2.0.2:5354\n"
	"-A PREROUTING -i if0 -p udp --dport 53 -j DNAT --to-destination 10.2.0.2:5353\n";

#define CLASH_HELD_MAX 4

static struct pkt *clash_held[CLASH_HELD_MAX];
static unsigned int clash_nheld;

/* What comes in on if0 waits: at FORWARD, as NFQUEUE would make it; or
 * after NAT at POSTROUTING, where the kernel's other CPUs may confirm an
 * entry between the last NAT decision and the confirmation. */
static unsigned int clash_queue_hook(void *priv, struct pkt *p, struct router *r)
{
	return p->iif == 0 ? TF_QUEUE : TF_ACCEPT;
}

static enum tf_hook clash_hook = HOOK_FORWARD;
static int clash_prio;

static void clash_park(void *arg, struct router *r, struct pkt *p)
{
	cr_assert_lt(clash_nheld, CLASH_HELD_MAX);
	clash_held[clash_nheld++] = p;
}

static void clash_setup(void)
{
	ch_setup_tables();
	clash_nheld = 0;
	ch_r.queue = clash_park;
	cr_assert_eq(hook_register(&ch_r.hooks, clash_hook, clash_prio, clash_queue_hook, NULL),
		     0);
	load(clash_rules);
}

static void clash_teardown(void)
{
	hook_unregister(&ch_r.hooks, clash_hook, clash_queue_hook, NULL);
	ch_r.queue = NULL;
	ch_teardown_tables();
}

TestSuite(nat_clash, .init = clash_setup, .fini = clash_teardown);

static void clash_late_setup(void)
{
	clash_hook = HOOK_POST_ROUTING;
	clash_prio = HOOK_PRI_NAT_SRC + 100;
	clash_setup();
}

TestSuite(nat_clash_late, .init = clash_late_setup, .fini = clash_teardown);

static struct pkt *clash_udp(uint8_t tos)
{
	struct pkt *p = ch_udp("10.1.0.2", "10.2.0.53", 1111, 53);
	struct iphdr *ip = (struct iphdr *)p->data;

	ip->tos = tos;
	ipv4_set_csum(ip);
	return p;
}

static void clash_release(unsigned int i)
{
	router_reinject(&ch_r, clash_held[i], TF_ACCEPT);
	router_flush(&ch_r);
}

/* The entry whose reply tuple is the answer from server port sport. */
static struct ct_entry *clash_by_reply(uint16_t sport, enum ct_dir *dir)
{
	struct ct_tuple t;

	memset(&t, 0, sizeof(t));
	t.src = ch_addr("10.2.0.2");
	t.dst = ch_addr("10.1.0.2");
	t.proto = IPPROTO_UDP;
	t.s.port = htons(sport);
	t.d.port = htons(1111);
	return ct_table_find(ch_table(), &t, dir);
}

static int clash_count(struct ct_table *t, struct ct_entry *e, void *arg)
{
	(*(unsigned int *)arg)++;
	return 0;
}

/* The loser is kept for its answers: found by its reply tuple only,
 * translated back, never ASSURED, gone one second after it was confirmed
 * however many answers it gets. */
Test(nat_clash, loser_kept_for_its_reply)
{
	struct ct_table *t = ch_table();
	struct ct_entry *w, *l;
	uint64_t t0 = ch_now;
	enum ct_dir dir;
	unsigned int n = 0;

	cr_assert_eq(ch_send(clash_udp(0), 0), 0);
	cr_assert_eq(ch_send(clash_udp(0x10), 0), 0);
	cr_assert_eq(clash_nheld, 2, "both wait");
	w = clash_held[0]->ct;
	l = clash_held[1]->ct;
	cr_assert(w && l && w != l, "two unconfirmed entries");
	/* Three seconds in the queue: past the two after which answers
	 * would make an ordinary entry a stream, and ASSURED. */
	ch_clock(t0 + 3000);
	clash_release(0);
	clash_release(1);
	cr_assert_eq(ch_cap.n, 2, "both datagrams went on");
	cr_expect_eq(cap_ip(0)->daddr, ch_addr("10.2.0.2"));
	cr_expect_eq(cap_port(0, true), 5353);
	cr_expect_eq(cap_port(1, true), 5354);
	cr_expect_eq(t->st.insert, 1);
	cr_expect_eq(t->st.clash_resolve, 1);
	cr_expect_eq(t->st.insert_failed, 0);
	cr_expect_eq(t->st.drop, 0);
	cr_expect_eq(ch_r.drops.count[DROP_CT_INSERT_FAILED], 0);
	cr_expect_eq(l->status & (CT_S_CONFIRMED | CT_S_NAT_CLASH | CT_S_FIXED_TIMEOUT),
		     CT_S_CONFIRMED | CT_S_NAT_CLASH | CT_S_FIXED_TIMEOUT);
	cr_expect_not(w->status & (CT_S_NAT_CLASH | CT_S_FIXED_TIMEOUT));
	/* The original direction finds the winner, each answer its own. */
	cr_expect_eq(ch_find_udp("10.1.0.2", "10.2.0.53", 1111, 53), w);
	cr_expect_eq(clash_by_reply(5353, &dir), w);
	cr_expect_eq(clash_by_reply(5354, &dir), l);
	cr_expect_eq(dir, CT_DIR_REPLY);
	/* The walk behind -F sees both (-L leaves the loser out). */
	ct_table_walk(t, clash_count, &n);
	cr_expect_eq(n, 2);
	/* Answers to the loser's translation are translated back. */
	ch_clock(t0 + 3500);
	cr_assert_eq(ch_send(ch_udp("10.2.0.2", "10.1.0.2", 5354, 1111), 1), 1);
	cr_expect_eq(ch_cap.oif[2], 0);
	cr_expect_eq(cap_ip(2)->saddr, ch_addr("10.2.0.53"));
	cr_expect_eq(cap_port(2, false), 53);
	cr_expect_eq(cap_ip(2)->daddr, ch_addr("10.1.0.2"));
	cr_expect(l4_csum_ok(ch_cap.data[2], ch_cap.len[2]));
	cr_expect_eq(ch_cap.ctinfo[2], CT_ESTABLISHED_REPLY);
	cr_expect(l->status & CT_S_SEEN_REPLY);
	cr_assert_eq(ch_send(ch_udp("10.2.0.2", "10.1.0.2", 5354, 1111), 1), 1);
	cr_expect_not(l->status & CT_S_ASSURED, "a loser is never ASSURED");
	cr_expect_eq(l->expires, t0 + 3000 + CT_CLASH_TIMEOUT_MS, "answers do not extend it");
	/* The winner's answer, a stream by now, makes the winner ASSURED. */
	cr_assert_eq(ch_send(ch_udp("10.2.0.2", "10.1.0.2", 5353, 1111), 1), 1);
	cr_assert_eq(ch_send(ch_udp("10.2.0.2", "10.1.0.2", 5353, 1111), 1), 1);
	cr_expect(w->status & CT_S_ASSURED);
	/* One second after confirmation the loser is gone, the winner not. */
	ch_clock(t0 + 3000 + CT_CLASH_TIMEOUT_MS - 1);
	cr_expect_eq(clash_by_reply(5354, NULL), l);
	ch_clock(t0 + 3000 + CT_CLASH_TIMEOUT_MS);
	cr_expect_null(clash_by_reply(5354, NULL));
	cr_expect_eq(t->confirmed, 1);
	cr_expect_eq(t->count, 1, "the loser is freed");
	cr_expect_eq(clash_by_reply(5353, NULL), w);
	ch_cap.n = 0;
	cr_expect_eq(ch_send(ch_udp("10.2.0.2", "10.1.0.2", 5354, 1111), 1), 1,
		     "an answer after that is a new flow");
	cr_expect_eq(cap_ip(0)->saddr, ch_addr("10.2.0.2"), "not translated");
}

/* The loser's reply tuple is taken too: a flow from the server's port
 * 5354 to the client began after the loser's last NAT decision (else NAT
 * would have moved the loser's port), before its confirmation. The
 * loser's packet is dropped and counted. */
Test(nat_clash_late, reply_clash_drops)
{
	struct ct_table *t = ch_table();

	cr_assert_eq(ch_send(clash_udp(0), 0), 0);
	cr_assert_eq(ch_send(clash_udp(0x10), 0), 0);
	cr_assert_eq(clash_nheld, 2);
	cr_assert_eq(ch_send(ch_udp("10.2.0.2", "10.1.0.2", 5354, 1111), 1), 1);
	cr_assert_eq(t->confirmed, 1);
	clash_release(0);
	clash_release(1);
	cr_expect_eq(ch_cap.n, 2, "the winner went on, the loser did not");
	cr_expect_eq(cap_port(1, true), 5353);
	cr_expect_eq(t->st.clash_resolve, 0);
	cr_expect_eq(t->st.insert_failed, 1);
	cr_expect_eq(t->st.drop, 1);
	cr_expect_eq(ch_r.drops.count[DROP_CT_INSERT_FAILED], 1);
	cr_expect_eq(t->confirmed, 2);
	cr_expect_eq(t->count, 2, "the loser died with its packet");
}

/* Without different translations the two entries are the same flow:
 * the second joins the first, which counts its bytes. (Source NAT at
 * POSTROUTING, after the queue, keeps the second one's tuple although
 * the first one's has it by then: the same flow, as the kernel's
 * nf_conntrack_tuple_taken says.) */
Test(nat_clash, identical_joins)
{
	struct ct_table *t = ch_table();
	struct ct_entry *w;

	cr_assert_eq(ch_send(clash_udp(0), 0), 0);
	cr_assert_eq(ch_send(clash_udp(0), 0), 0);
	w = clash_held[0]->ct;
	clash_release(0);
	clash_release(1);
	cr_expect_eq(ch_cap.n, 2);
	cr_expect_eq(t->st.clash_resolve, 1);
	cr_expect_eq(t->confirmed, 1);
	cr_expect_eq(t->count, 1);
	cr_expect_eq(w->packets[CT_DIR_ORIGINAL], 2);
	cr_expect_eq(w->bytes[CT_DIR_ORIGINAL], 2 * 44);
}

/* TCP does not allow clashes (allow_clash): the second SYN is dropped,
 * as in the kernel. */
Test(nat_clash, tcp_clash_drops)
{
	struct ct_table *t = ch_table();

	cr_assert_eq(ch_send(ch_tcp("10.1.0.2", "10.2.0.2", 1111, 80, 1, 0, TH_SYN, 1000, 0),
			     0), 0);
	cr_assert_eq(ch_send(ch_tcp("10.1.0.2", "10.2.0.2", 1111, 80, 1, 0, TH_SYN, 1000, 0),
			     0), 0);
	clash_release(0);
	clash_release(1);
	cr_expect_eq(ch_cap.n, 1);
	cr_expect_eq(t->st.clash_resolve, 0);
	cr_expect_eq(t->st.insert_failed, 1);
}
