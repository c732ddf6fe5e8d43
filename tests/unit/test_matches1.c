// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The first matches (tcp, udp, icmp, multiport, limit, mark, comment,
 * iprange), driven through their ops as the rule parser drives them:
 *
 *   parse   good input gives the canonical text that iptables-save (nft back
 *           end, iptables 1.8.9) printed for the same rule on this machine;
 *           bad input gives its exact message;
 *   print   parse(print(x)) == x, byte for byte, and prints the same again;
 *   match   crafted IPv4 packets in pool buffers, including fragments,
 *           truncated headers (hotdrop or not) and inversions, plus
 *           comparisons with naive references on random input.
 *
 * The expected save texts were taken from `iptables -A INPUT ...;
 * iptables-save` (iptables 1.8.9, nft) in a scratch namespace; the
 * "-p tcp -m tcp" part of each line is the rule printer's, so only the
 * options are compared here. The verdicts on truncated headers, fragments
 * and port pairs are the kernel's, measured the same way with raw packets
 * at OUTPUT (MATCH, NOMATCH, or DROP for a hotdrop).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "control/out.h"
#include "core/ipv4.h"
#include "core/pkt.h"
#include "core/router.h"
#include "tables/xt.h"

/* ---- a tokenizer as parse.h describes (quotes group, \ escapes inside) ---- */

#define TOK_MAX 64
#define TOK_LEN 600

struct toks {
	int n;
	char t[TOK_MAX][TOK_LEN];
};

static void toks_split(const char *s, struct toks *tk)
{
	size_t j;

	tk->n = 0;
	for (;;) {
		while (*s == ' ')
			s++;
		if (!*s)
			return;
		cr_assert(tk->n < TOK_MAX);
		j = 0;
		while (*s && *s != ' ') {
			if (*s == '"') {
				for (s++; *s && *s != '"'; s++) {
					if (*s == '\\' && s[1])
						s++;
					cr_assert(j < TOK_LEN - 1);
					tk->t[tk->n][j++] = *s;
				}
				cr_assert(*s == '"', "unterminated quote in <%s>", s);
				s++;
				continue;
			}
			cr_assert(j < TOK_LEN - 1);
			tk->t[tk->n][j++] = *s++;
		}
		tk->t[tk->n][j] = '\0';
		tk->n++;
	}
}

/* ---- one match instance, parsed the way the rule parser does it ---- */

struct inst {
	const struct xt_match_ops *ops;
	uint8_t data[512];
	uint8_t state[128];
	char err[512];
};

static const struct xt_option *opt_find(const struct xt_match_ops *ops, const char *name)
{
	const struct xt_option *o;

	for (o = ops->opts; o->name; o++)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

/* Parse the options in line into in (zeroed first); 0 or -EINVAL with the
 * message in in->err. */
static int inst_parse_p(struct inst *in, const char *name, uint16_t proto, bool proto_inv,
			const char *line)
{
	struct xt_parse ps = {
		.err = in->err, .errlen = sizeof(in->err),
		.proto = proto, .proto_inv = proto_inv, .table = XT_TABLE_FILTER,
	};
	const struct xt_option *o;
	struct toks tk;
	char two[2 * TOK_LEN];
	const char *arg;
	bool inv;
	int i, ret;

	memset(in, 0, sizeof(*in));
	in->ops = xt_match_find(name);
	cr_assert(in->ops, "match %s not registered", name);
	cr_assert(in->ops->size <= sizeof(in->data));
	cr_assert(in->ops->state_size <= sizeof(in->state));
	toks_split(line, &tk);
	for (i = 0; i < tk.n; i++) {
		inv = false;
		if (strcmp(tk.t[i], "!") == 0) {
			inv = true;
			i++;
			cr_assert(i < tk.n);
		}
		o = opt_find(in->ops, tk.t[i]);
		cr_assert(o, "%s: no option %s", name, tk.t[i]);
		if (inv && !o->invertible)
			return xt_error(&ps, "%s: option \"%s\" cannot be inverted", name, o->name);
		arg = NULL;
		if (o->two_args) {
			cr_assert(i + 2 < tk.n);
			snprintf(two, sizeof(two), "%s %s", tk.t[i + 1], tk.t[i + 2]);
			arg = two;
			i += 2;
		} else if (o->has_arg) {
			cr_assert(i + 1 < tk.n, "%s needs an argument", o->name);
			arg = tk.t[++i];
		}
		ret = in->ops->parse(in->data, o->id, arg, inv, &ps);
		if (ret)
			return ret;
	}
	return in->ops->final ? in->ops->final(in->data, &ps) : 0;
}

static int inst_parse(struct inst *in, const char *name, uint16_t proto, const char *line)
{
	return inst_parse_p(in, name, proto, false, line);
}

static int inst_check(struct inst *in, uint16_t proto, bool proto_inv)
{
	struct xt_parse ps = { .err = in->err, .errlen = sizeof(in->err) };
	struct xt_check chk = {
		.ps = &ps, .table = XT_TABLE_FILTER, .hook_mask = 1u << HOOK_LOCAL_IN,
		.proto = proto, .proto_inv = proto_inv,
	};

	in->err[0] = '\0';
	return in->ops->check ? in->ops->check(in->data, &chk) : 0;
}

/* The canonical text, malloc'd. */
static char *inst_print(const struct inst *in)
{
	struct out o;
	char *s;

	out_init(&o, false);
	in->ops->print(in->data, &o);
	s = strdup(o.buf ? o.buf : "");
	out_free(&o);
	return s;
}

/* line parses, prints as want, and the printed text parses back equal. */
static void expect_canon(const char *name, uint16_t proto, const char *line, const char *want)
{
	struct inst a, b;
	char *pa, *pb;

	cr_assert_eq(inst_parse(&a, name, proto, line), 0, "%s <%s>: %s", name, line, a.err);
	pa = inst_print(&a);
	cr_expect_str_eq(pa, want, "%s <%s>", name, line);
	cr_assert_eq(inst_parse(&b, name, proto, pa), 0, "%s <%s>: %s", name, pa, b.err);
	cr_expect(memcmp(a.data, b.data, a.ops->size) == 0, "%s <%s> does not read back equal",
		  name, line);
	pb = inst_print(&b);
	cr_expect_str_eq(pb, pa);
	free(pa);
	free(pb);
}

static void expect_err(const char *name, uint16_t proto, const char *line, const char *want)
{
	struct inst a;

	cr_expect_eq(inst_parse(&a, name, proto, line), -EINVAL, "%s <%s> was accepted", name,
		     line);
	cr_expect_str_eq(a.err, want, "%s <%s>", name, line);
}

struct canon {
	const char *in, *out;
};

struct bad {
	const char *in, *msg;
};

/* ---- packets ---- */

static struct pkt_pool pool;
static struct router rt;

static void setup(void)
{
	cr_assert_eq(pkt_pool_init(&pool, 8), 0);
	memset(&rt, 0, sizeof(rt));
}

static void teardown(void)
{
	cr_expect_eq(pool.avail, pool.count, "a test leaked packet buffers");
	pkt_pool_fini(&pool);
}

TestSuite(matches, .init = setup, .fini = teardown);

#define SRC_ADDR 0x0a000001u
#define DST_ADDR 0x0a000002u

/* An IPv4 packet (20-byte header) carrying l4len bytes of l4; frag is the
 * host-order flags+offset field (offset in 8-byte units). */
static struct pkt *ip_pkt(uint8_t proto, const void *l4, size_t l4len, uint16_t frag)
{
	struct pkt *p = pkt_alloc(&pool);
	struct iphdr *ip;

	cr_assert(p);
	ip = (struct iphdr *)p->data;
	memset(ip, 0, sizeof(*ip));
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = proto;
	ip->tot_len = htons((uint16_t)(20 + l4len));
	ip->frag_off = htons(frag);
	ip->saddr = htonl(SRC_ADDR);
	ip->daddr = htonl(DST_ADDR);
	if (l4len)
		memcpy(p->data + 20, l4, l4len);
	p->len = (uint32_t)(20 + l4len);
	p->l4_off = 20;
	ipv4_set_csum(ip);
	return p;
}

/* Run in on p as a traversal would; frees p. */
static bool run(struct inst *in, struct pkt *p, bool *hotdrop)
{
	const struct iphdr *ip = ipv4_hdr(p);
	struct xt_ctx ctx = {
		.r = &rt, .p = p, .hook = HOOK_LOCAL_IN, .table = XT_TABLE_FILTER,
		.thoff = (uint16_t)ipv4_hdrlen(ip),
		.fragoff = (uint16_t)ipv4_frag_offset(ip),
	};
	bool m = in->ops->match(in->data, in->state, &ctx);

	if (hotdrop)
		*hotdrop = ctx.hotdrop;
	else
		cr_expect(!ctx.hotdrop, "unexpected hotdrop");
	pkt_free(&pool, p);
	return m;
}

/* A TCP header of 20 + optlen bytes (optlen a multiple of 4). */
static size_t tcp_hdr(uint8_t *b, uint16_t sport, uint16_t dport, uint8_t flags,
		      const uint8_t *opts, size_t optlen)
{
	memset(b, 0, 20);
	b[0] = (uint8_t)(sport >> 8);
	b[1] = (uint8_t)sport;
	b[2] = (uint8_t)(dport >> 8);
	b[3] = (uint8_t)dport;
	b[12] = (uint8_t)(((20 + optlen) / 4) << 4);
	b[13] = flags;
	b[14] = 0xff;
	if (optlen)
		memcpy(b + 20, opts, optlen);
	return 20 + optlen;
}

static struct pkt *tcp_pkt(uint16_t sport, uint16_t dport, uint8_t flags)
{
	uint8_t b[20];

	tcp_hdr(b, sport, dport, flags, NULL, 0);
	return ip_pkt(IPPROTO_TCP, b, sizeof(b), 0);
}

static struct pkt *udp_pkt(uint16_t sport, uint16_t dport)
{
	uint8_t b[8] = { (uint8_t)(sport >> 8), (uint8_t)sport, (uint8_t)(dport >> 8),
			 (uint8_t)dport, 0, 8, 0, 0 };

	return ip_pkt(IPPROTO_UDP, b, sizeof(b), 0);
}

static struct pkt *icmp_pkt(uint8_t type, uint8_t code)
{
	uint8_t b[8] = { type, code, 0, 0, 0, 1, 0, 1 };

	return ip_pkt(IPPROTO_ICMP, b, sizeof(b), 0);
}

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10
#define F_URG 0x20

/* ======================= tcp ======================= */

Test(matches, tcp_canonical)
{
	static const struct canon c[] = {
		{ "--dport 22", " --dport 22" },
		{ "--sport 1:1024 ! --dport 80:", " --sport 1:1024 ! --dport 80:65535" },
		{ "! --sport :1024", " --sport 1025:65535" },
		{ "--syn", " --tcp-flags FIN,SYN,RST,ACK SYN" },
		{ "! --syn", " ! --tcp-flags FIN,SYN,RST,ACK SYN" },
		{ "--tcp-flags SYN,ACK SYN", " --tcp-flags SYN,ACK SYN" },
		{ "--tcp-flags ALL NONE", " --tcp-flags FIN,SYN,RST,PSH,ACK,URG NONE" },
		{ "--tcp-flags ALL ALL",
		  " --tcp-flags FIN,SYN,RST,PSH,ACK,URG FIN,SYN,RST,PSH,ACK,URG" },
		{ "! --tcp-flags FIN,SYN,RST,PSH,ACK,URG FIN,PSH,URG",
		  " ! --tcp-flags FIN,SYN,RST,PSH,ACK,URG FIN,PSH,URG" },
		{ "--tcp-option 2", " --tcp-option 2" },
		{ "! --tcp-option 8", " ! --tcp-option 8" },
		{ "--dport ssh", " --dport 22" },
		{ "--sport 0:65535", "" },
		{ "--sport 5:5", " --sport 5" },
		{ "--tcp-flags SYN,RST,ACK,FIN SYN --dport 22",
		  " --dport 22 --tcp-flags FIN,SYN,RST,ACK SYN" },
		{ "--dport 22 --sport 33", " --sport 33 --dport 22" },
		{ "! --sport 0:65535", "" },
		{ "! --sport 22 ! --dport 33", " ! --sport 22 ! --dport 33" },
		{ "! --sport 22 --dport 33", " ! --sport 22 --dport 33" },
		{ "--syn --tcp-option 3", " --tcp-option 3 --tcp-flags FIN,SYN,RST,ACK SYN" },
		{ "--tcp-flags syn,ack syn", " --tcp-flags SYN,ACK SYN" },
		{ "--tcp-flags SYN ACK", " --tcp-flags SYN ACK" },
		{ "--tcp-flags , ,", "" },
		{ "--tcp-flags SYN,,ACK SYN", " --tcp-flags SYN,ACK SYN" },
		{ "--dport :", "" },
		{ "--dport 22:", " --dport 22:65535" },
		{ "--dport 010", " --dport 8" },
		{ "--dport 0x10", " --dport 16" },
		{ "--dport domain", " --dport 53" },
		{ "--tcp-flags SYN,ACK,FIN,RST,URG,PSH ALL",
		  " --tcp-flags FIN,SYN,RST,PSH,ACK,URG FIN,SYN,RST,PSH,ACK,URG" },
		{ "--tcp-flags ALL,SYN NONE,SYN", " --tcp-flags FIN,SYN,RST,PSH,ACK,URG SYN" },
		{ "--tcp-flags NONE SYN", "" },
		{ "! --tcp-flags NONE NONE", "" },
		{ "! --tcp-flags NONE SYN", "" },
		{ "--tcp-flags SYN SYN,ACK", " --tcp-flags SYN SYN,ACK" },
		{ "! --tcp-option 3 ! --tcp-flags SYN SYN",
		  " ! --tcp-option 3 ! --tcp-flags SYN SYN" },
		{ "--dport 1 --tcp-option 255", " --dport 1 --tcp-option 255" },
		{ "--tcp-option 0x10", " --tcp-option 16" },
		{ "! --sport :1024 --tcp-option 3", " ! --sport 0:1024 --tcp-option 3" },
		{ "! --sport 0:65535 --tcp-option 3", " --tcp-option 3" },
		{ "--tcp-flags NONE SYN --tcp-option 3", " --tcp-option 3" },
		{ "! --sport :1024 ! --tcp-flags NONE NONE", " --sport 1025:65535" },
		{ "--sport :1024", " --sport 0:1024" },
		{ "--sport 80:", " --sport 80:65535" },
		{ "! --sport 80:", " ! --sport 80:65535" },
		{ "--sport 0:0", " --sport 0" },
		{ "! --sport 0:0", " ! --sport 0" },
		{ "! --sport 65535", " ! --sport 65535" },
		{ "! --sport 1:65535", " ! --sport 1:65535" },
		{ "! --sport 0:65534", " --sport 65535" },
		{ "! --sport 1:65534", " ! --sport 1:65534" },
		{ "! --sport 5:6", " ! --sport 5:6" },
		{ "--destination-port 22 --source-port 1", " --sport 1 --dport 22" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		expect_canon("tcp", IPPROTO_TCP, c[i].in, c[i].out);
}

Test(matches, tcp_errors)
{
	static const struct bad b[] = {
		{ "--dport 99999", "\"99999\" is not a valid port for --dport" },
		{ "--dport foo", "\"foo\" is not a valid port or service for --dport" },
		{ "--dport 5:3", "\"5:3\": invalid port range for --dport (min > max)" },
		{ "--dport 5:3:2", "\"3:2\" is not a valid port or service for --dport" },
		{ "--dport -1", "\"-1\" is not a valid port or service for --dport" },
		{ "--dport \"\"", "\"\" is not a valid port or service for --dport" },
		{ "--sport http:99999", "\"99999\" is not a valid port for --sport" },
		{ "--tcp-flags SYN,FOO SYN", "unknown TCP flag \"FOO\"" },
		{ "--tcp-flags SYN ECE", "unknown TCP flag \"ECE\"" },
		{ "--tcp-option 0",
		  "\"0\" is not a valid value for --tcp-option (expected 1 to 255)" },
		{ "--tcp-option 256",
		  "\"256\" is not a valid value for --tcp-option (expected 1 to 255)" },
		{ "--syn --tcp-flags SYN SYN", "only one of \"--syn\" or \"--tcp-flags\" allowed" },
		{ "--syn --syn", "only one of \"--syn\" or \"--tcp-flags\" allowed" },
		{ "--dport 1 --dport 2", "tcp: option \"--dport\" can only be used once" },
		{ "--sport 1 --source-port 2", "tcp: option \"--sport\" can only be used once" },
		{ "--tcp-option 2 --tcp-option 3",
		  "tcp: option \"--tcp-option\" can only be used once" },
	};
	struct xt_parse ps;
	struct inst in;
	unsigned int i;

	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		expect_err("tcp", IPPROTO_TCP, b[i].in, b[i].msg);

	/* The parser hands --tcp-flags both words; one alone is refused. */
	memset(&in, 0, sizeof(in));
	memset(&ps, 0, sizeof(ps));
	ps.err = in.err;
	ps.errlen = sizeof(in.err);
	in.ops = xt_match_find("tcp");
	cr_assert(opt_find(in.ops, "--tcp-flags")->two_args);
	cr_expect_eq(in.ops->parse(in.data, opt_find(in.ops, "--tcp-flags")->id, "SYN", false,
				   &ps), -EINVAL);
	cr_expect_str_eq(in.err, "--tcp-flags requires two args (MASK COMP), got \"SYN\"");
}

Test(matches, tcp_check_needs_proto)
{
	struct inst in;

	cr_assert_eq(inst_parse(&in, "tcp", IPPROTO_TCP, "--dport 22"), 0);
	cr_expect_eq(inst_check(&in, IPPROTO_TCP, false), 0);
	cr_expect_eq(inst_check(&in, 0, false), -EINVAL);
	cr_expect_str_eq(in.err, "TCP match requires '-p tcp'");
	cr_expect_eq(inst_check(&in, IPPROTO_UDP, false), -EINVAL);
	cr_expect_eq(inst_check(&in, IPPROTO_TCP, true), -EINVAL);
	cr_expect_str_eq(in.err, "TCP match requires '-p tcp'");
	cr_expect_eq(xt_match_implicit(IPPROTO_TCP), in.ops);
}

Test(matches, tcp_ports_and_flags)
{
	struct inst in;

	cr_assert_eq(inst_parse(&in, "tcp", IPPROTO_TCP, "--dport 22"), 0);
	cr_expect(run(&in, tcp_pkt(40000, 22, F_SYN), NULL));
	cr_expect(!run(&in, tcp_pkt(40000, 23, F_SYN), NULL));
	cr_expect(!run(&in, tcp_pkt(22, 40000, F_SYN), NULL));

	cr_assert_eq(inst_parse(&in, "tcp", IPPROTO_TCP, "--sport 1:1024 ! --dport 80:"), 0);
	cr_expect(run(&in, tcp_pkt(1, 79, 0), NULL));
	cr_expect(run(&in, tcp_pkt(1024, 0, 0), NULL));
	cr_expect(!run(&in, tcp_pkt(1024, 80, 0), NULL));
	cr_expect(!run(&in, tcp_pkt(0, 79, 0), NULL));
	cr_expect(!run(&in, tcp_pkt(1025, 79, 0), NULL));

	/* "! --sport :1024" became "--sport 1025:65535": same packets. */
	cr_assert_eq(inst_parse(&in, "tcp", IPPROTO_TCP, "! --sport :1024"), 0);
	cr_expect(!run(&in, tcp_pkt(0, 1, 0), NULL));
	cr_expect(!run(&in, tcp_pkt(1024, 1, 0), NULL));
	cr_expect(run(&in, tcp_pkt(1025, 1, 0), NULL));
	cr_expect(run(&in, tcp_pkt(65535, 1, 0), NULL));

	cr_assert_eq(inst_parse(&in, "tcp", IPPROTO_TCP, "--syn"), 0);
	cr_expect(run(&in, tcp_pkt(1, 2, F_SYN), NULL));
	cr_expect(run(&in, tcp_pkt(1, 2, F_SYN | F_PSH | F_URG), NULL));
	cr_expect(!run(&in, tcp_pkt(1, 2, F_SYN | F_ACK), NULL));
	cr_expect(!run(&in, tcp_pkt(1, 2, F_SYN | F_RST), NULL));
	cr_expect(!run(&in, tcp_pkt(1, 2, F_ACK), NULL));

	cr_assert_eq(inst_parse(&in, "tcp", IPPROTO_TCP, "! --syn"), 0);
	cr_expect(!run(&in, tcp_pkt(1, 2, F_SYN), NULL));
	cr_expect(run(&in, tcp_pkt(1, 2, F_SYN | F_ACK), NULL));
	cr_expect(run(&in, tcp_pkt(1, 2, F_ACK), NULL));

	/* Christmas tree and null scans, as rule sets catch them. */
	cr_assert_eq(inst_parse(&in, "tcp", IPPROTO_TCP, "--tcp-flags ALL FIN,PSH,URG"), 0);
	cr_expect(run(&in, tcp_pkt(1, 2, F_FIN | F_PSH | F_URG), NULL));
	cr_expect(!run(&in, tcp_pkt(1, 2, F_FIN | F_PSH | F_URG | F_ACK), NULL));
	/* ECE and CWR are outside ALL and never looked at. */
	cr_expect(run(&in, tcp_pkt(1, 2, F_FIN | F_PSH | F_URG | 0xc0), NULL));
	cr_assert_eq(inst_parse(&in, "tcp", IPPROTO_TCP, "--tcp-flags ALL NONE"), 0);
	cr_expect(run(&in, tcp_pkt(1, 2, 0), NULL));
	cr_expect(!run(&in, tcp_pkt(1, 2, F_ACK), NULL));

	/* A compare value outside the mask never matches (kernel and nft). */
	cr_assert_eq(inst_parse(&in, "tcp", IPPROTO_TCP, "--tcp-flags SYN SYN,ACK"), 0);
	cr_expect(!run(&in, tcp_pkt(1, 2, F_SYN | F_ACK), NULL));
	cr_expect(!run(&in, tcp_pkt(1, 2, F_SYN), NULL));

	/* A zero mask matches everything, as the nft back end runs it. */
	cr_assert_eq(inst_parse(&in, "tcp", IPPROTO_TCP, "--tcp-flags NONE SYN"), 0);
	cr_expect(run(&in, tcp_pkt(1, 2, 0), NULL));
	cr_assert_eq(inst_parse(&in, "tcp", IPPROTO_TCP, "! --sport 0:65535"), 0);
	cr_expect(run(&in, tcp_pkt(0, 2, 0), NULL));
	cr_expect(run(&in, tcp_pkt(65535, 2, 0), NULL));
}

/*
 * A truncated or fragmented packet, as the kernel answers through
 * iptables-nft (each case measured with a raw socket at OUTPUT in a scratch
 * namespace): the native form reads each field alone and never drops; the
 * x_tables form (--tcp-option, or a match testing nothing) drops what it
 * cannot read.
 */
Test(matches, tcp_fragments_and_short_headers)
{
	uint8_t b[40];
	struct inst in;
	bool hd;
	size_t n;

	/* native */
	cr_assert_eq(inst_parse(&in, "tcp", IPPROTO_TCP, "! --dport 22"), 0);
	n = tcp_hdr(b, 1, 80, F_SYN, NULL, 0);
	cr_expect(!run(&in, ip_pkt(IPPROTO_TCP, b, n, 2), &hd));
	cr_expect(!hd);
	cr_expect(!run(&in, ip_pkt(IPPROTO_TCP, b, n, IPV4_F_MF | 100), &hd));
	cr_expect(!hd);
	cr_expect(!run(&in, ip_pkt(IPPROTO_TCP, b, n, 1), &hd));
	cr_expect(!hd);
	cr_expect(run(&in, ip_pkt(IPPROTO_TCP, b, n, IPV4_F_MF), &hd));
	cr_expect(!hd);
	/* the destination port is all it reads */
	cr_expect(run(&in, ip_pkt(IPPROTO_TCP, b, 19, 0), &hd));
	cr_expect(!hd);
	cr_expect(run(&in, ip_pkt(IPPROTO_TCP, b, 4, IPV4_F_MF), &hd));
	cr_expect(!hd);
	cr_expect(!run(&in, ip_pkt(IPPROTO_TCP, b, 3, 0), &hd));
	cr_expect(!hd);
	cr_expect(!run(&in, ip_pkt(IPPROTO_TCP, b, 0, 0), &hd));
	cr_expect(!hd);
	cr_assert_eq(inst_parse(&in, "tcp", IPPROTO_TCP, "--sport 1"), 0);
	cr_expect(run(&in, ip_pkt(IPPROTO_TCP, b, 2, 0), NULL));
	cr_expect(!run(&in, ip_pkt(IPPROTO_TCP, b, 1, 0), NULL));
	/* the flags are byte 13 */
	cr_assert_eq(inst_parse(&in, "tcp", IPPROTO_TCP, "--syn"), 0);
	cr_expect(run(&in, ip_pkt(IPPROTO_TCP, b, 14, 0), NULL));
	cr_expect(!run(&in, ip_pkt(IPPROTO_TCP, b, 13, 0), NULL));

	/* x_tables: --tcp-option */
	cr_assert_eq(inst_parse(&in, "tcp", IPPROTO_TCP, "! --tcp-option 5"), 0);
	cr_expect(!run(&in, ip_pkt(IPPROTO_TCP, b, n, 2), &hd));
	cr_expect(!hd);
	/* Offset 8 bytes (1 unit) could rewrite the first one's flags: dropped. */
	cr_expect(!run(&in, ip_pkt(IPPROTO_TCP, b, n, 1), &hd));
	cr_expect(hd);
	cr_expect(!run(&in, ip_pkt(IPPROTO_TCP, b, n, IPV4_F_MF | 1), &hd));
	cr_expect(hd);
	cr_expect(run(&in, ip_pkt(IPPROTO_TCP, b, n, IPV4_F_MF), &hd));
	cr_expect(!hd);
	cr_expect(!run(&in, ip_pkt(IPPROTO_TCP, b, 19, 0), &hd));
	cr_expect(hd);
	cr_expect(!run(&in, ip_pkt(IPPROTO_TCP, b, 2, 0), &hd));
	cr_expect(hd);

	/* x_tables: a match that tests nothing still wants a whole header */
	cr_assert_eq(inst_parse(&in, "tcp", IPPROTO_TCP, "--sport 0:65535"), 0);
	cr_expect(run(&in, ip_pkt(IPPROTO_TCP, b, n, 0), &hd));
	cr_expect(!hd);
	cr_expect(!run(&in, ip_pkt(IPPROTO_TCP, b, 4, 0), &hd));
	cr_expect(hd);
	cr_expect(!run(&in, ip_pkt(IPPROTO_TCP, b, n, 3), &hd));
	cr_expect(!hd);
}

/* Two single ports inverted together are one compare of the pair under
 * iptables-nft (measured: sport 22, dport 34 matches the first rule). */
Test(matches, tcp_udp_port_pairs)
{
	static const char *const names[] = { "tcp", "udp" };
	struct inst in;
	unsigned int i;
	uint16_t proto;

	for (i = 0; i < 2; i++) {
		proto = i ? IPPROTO_UDP : IPPROTO_TCP;
#define PAIR(s, d) (i ? run(&in, udp_pkt(s, d), NULL) : run(&in, tcp_pkt(s, d, 0), NULL))
		cr_assert_eq(inst_parse(&in, names[i], proto, "! --sport 22 ! --dport 33"), 0);
		cr_expect(!PAIR(22, 33));
		cr_expect(PAIR(22, 34));
		cr_expect(PAIR(23, 33));
		cr_expect(PAIR(23, 34));
		cr_assert_eq(inst_parse(&in, names[i], proto, "--sport 22 --dport 33"), 0);
		cr_expect(PAIR(22, 33));
		cr_expect(!PAIR(22, 34));
		cr_expect(!PAIR(23, 33));
		/* port 0 or a range: two compares, as x_tables */
		cr_assert_eq(inst_parse(&in, names[i], proto, "! --sport 0 ! --dport 33"), 0);
		cr_expect(!PAIR(0, 34));
		cr_expect(!PAIR(1, 33));
		cr_expect(PAIR(1, 34));
		cr_assert_eq(inst_parse(&in, names[i], proto, "! --sport 22:23 ! --dport 33"), 0);
		cr_expect(!PAIR(22, 34));
		cr_expect(PAIR(24, 34));
		/* different inversions: two compares */
		cr_assert_eq(inst_parse(&in, names[i], proto, "! --sport 22 --dport 33"), 0);
		cr_expect(!PAIR(22, 33));
		cr_expect(PAIR(21, 33));
		cr_expect(!PAIR(21, 34));
#undef PAIR
	}
}

Test(matches, tcp_options)
{
	/* MSS, NOP, window scale, SACK permitted, timestamps, EOL padding. */
	static const uint8_t opts[20] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2,
					  8, 10, 0, 0, 0, 1, 0, 0, 0, 0 };
	static const uint8_t bad_len0[4] = { 99, 0, 5, 0 };
	static const uint8_t past_end[8] = { 1, 1, 1, 2, 40, 8, 0, 0 };
	uint8_t b[60];
	struct inst in;
	bool hd;
	size_t n;

	cr_assert_eq(inst_parse(&in, "tcp", IPPROTO_TCP, "--tcp-option 8"), 0);
	n = tcp_hdr(b, 1, 2, F_SYN, opts, sizeof(opts));
	cr_expect(run(&in, ip_pkt(IPPROTO_TCP, b, n, 0), NULL));
	cr_assert_eq(inst_parse(&in, "tcp", IPPROTO_TCP, "--tcp-option 5"), 0);
	cr_expect(!run(&in, ip_pkt(IPPROTO_TCP, b, n, 0), NULL));
	/* 5 appears inside the MSS value (0x05b4) and the timestamps: not an option. */
	cr_assert_eq(inst_parse(&in, "tcp", IPPROTO_TCP, "! --tcp-option 5"), 0);
	cr_expect(run(&in, ip_pkt(IPPROTO_TCP, b, n, 0), NULL));

	/* No options at all. */
	n = tcp_hdr(b, 1, 2, F_SYN, NULL, 0);
	cr_expect(run(&in, ip_pkt(IPPROTO_TCP, b, n, 0), NULL));
	cr_assert_eq(inst_parse(&in, "tcp", IPPROTO_TCP, "--tcp-option 2"), 0);
	cr_expect(!run(&in, ip_pkt(IPPROTO_TCP, b, n, 0), NULL));

	/* A length byte of 0 advances by one: the 5 after it is seen. */
	n = tcp_hdr(b, 1, 2, 0, bad_len0, sizeof(bad_len0));
	cr_assert_eq(inst_parse(&in, "tcp", IPPROTO_TCP, "--tcp-option 5"), 0);
	cr_expect(run(&in, ip_pkt(IPPROTO_TCP, b, n, 0), NULL));
	/* A length running past the options ends the walk: no match, no drop. */
	n = tcp_hdr(b, 1, 2, 0, past_end, sizeof(past_end));
	cr_assert_eq(inst_parse(&in, "tcp", IPPROTO_TCP, "--tcp-option 8"), 0);
	cr_expect(!run(&in, ip_pkt(IPPROTO_TCP, b, n, 0), &hd));
	cr_expect(!hd);

	/* Data offset below 5 with an option asked for: hotdrop. Without
	 * --tcp-option the kernel never looks at it. */
	n = tcp_hdr(b, 1, 2, 0, NULL, 0);
	b[12] = 4 << 4;
	cr_expect(!run(&in, ip_pkt(IPPROTO_TCP, b, n, 0), &hd));
	cr_expect(hd);
	cr_assert_eq(inst_parse(&in, "tcp", IPPROTO_TCP, "--dport 2"), 0);
	cr_expect(run(&in, ip_pkt(IPPROTO_TCP, b, n, 0), NULL));

	/* Options announced but not all there: hotdrop. */
	n = tcp_hdr(b, 1, 2, 0, opts, sizeof(opts));
	cr_assert_eq(inst_parse(&in, "tcp", IPPROTO_TCP, "--tcp-option 8"), 0);
	cr_expect(!run(&in, ip_pkt(IPPROTO_TCP, b, n - 1, 0), &hd));
	cr_expect(hd);
}

/* The kernel's tcp_find_option(), literally, reading one byte past the
 * options as it may (buf is larger). */
static bool ref_find_option(const uint8_t *op, unsigned int optlen, uint8_t option)
{
	unsigned int i;

	for (i = 0; i < optlen;) {
		if (op[i] == option)
			return true;
		if (op[i] < 2)
			i++;
		else
			i += op[i + 1] ? op[i + 1] : 1;
	}
	return false;
}

Test(matches, tcp_options_random_vs_kernel_walk)
{
	char line[64];
	uint8_t b[64], opts[41];
	struct inst in;
	unsigned int round, optlen, j, k;
	bool inv;

	srandom(3);
	for (round = 0; round < 4000; round++) {
		optlen = 4u * (unsigned int)(random() % 11);
		for (j = 0; j < sizeof(opts); j++) {
			k = (unsigned int)random() % 8;
			opts[j] = (uint8_t)(k < 4 ? k : random() % 256);
		}
		k = 1 + (unsigned int)random() % 9;
		inv = random() & 1;
		snprintf(line, sizeof(line), "%s--tcp-option %u", inv ? "! " : "", k);
		cr_assert_eq(inst_parse(&in, "tcp", IPPROTO_TCP, line), 0);
		tcp_hdr(b, 1, 2, 0, opts, optlen);
		cr_assert_eq(run(&in, ip_pkt(IPPROTO_TCP, b, 20 + optlen, 0), NULL),
			     ref_find_option(opts, optlen, (uint8_t)k) ^ inv, "round %u", round);
	}
}

/* The nft back end's port test, written out plainly. */
static bool ref_nft_ports(unsigned int slo, unsigned int shi, bool sinv, unsigned int dlo,
			  unsigned int dhi, bool dinv, unsigned int sp, unsigned int dp)
{
	bool s_in = sp >= slo && sp <= shi, d_in = dp >= dlo && dp <= dhi;
	bool s_all = slo == 0 && shi == 65535, d_all = dlo == 0 && dhi == 65535;

	if (slo == shi && slo && dlo == dhi && dlo && sinv == dinv)
		return (s_in && d_in) != sinv;
	return (s_all || s_in != sinv) && (d_all || d_in != dinv);
}

static unsigned int rnd_port(void)
{
	switch (random() % 4) {
	case 0:
		return 0;
	case 1:
		return 65535;
	case 2:
		return (unsigned int)random() % 8;
	}
	return (unsigned int)random() % 65536;
}

Test(matches, tcp_udp_ports_random_vs_reference)
{
	char line[96];
	struct inst in;
	unsigned int round, slo, shi, dlo, dhi, sp, dp, t;
	bool sinv, dinv, want;

	srandom(4);
	for (round = 0; round < 4000; round++) {
		slo = rnd_port();
		shi = random() % 3 ? rnd_port() : slo;
		dlo = rnd_port();
		dhi = random() % 3 ? rnd_port() : dlo;
		if (slo > shi) {
			t = slo;
			slo = shi;
			shi = t;
		}
		if (dlo > dhi) {
			t = dlo;
			dlo = dhi;
			dhi = t;
		}
		sinv = random() & 1;
		dinv = random() & 1;
		snprintf(line, sizeof(line), "%s--sport %u:%u %s--dport %u:%u", sinv ? "! " : "",
			 slo, shi, dinv ? "! " : "", dlo, dhi);
		sp = random() % 2 ? rnd_port() : (slo + (unsigned int)random() % 3) & 0xffff;
		dp = random() % 2 ? rnd_port() : (dhi - (unsigned int)random() % 3) & 0xffff;
		want = ref_nft_ports(slo, shi, sinv, dlo, dhi, dinv, sp, dp);
		cr_assert_eq(inst_parse(&in, "tcp", IPPROTO_TCP, line), 0, "%s", in.err);
		cr_assert_eq(run(&in, tcp_pkt((uint16_t)sp, (uint16_t)dp, 0), NULL), want,
			     "tcp %s: %u -> %u", line, sp, dp);
		cr_assert_eq(inst_parse(&in, "udp", IPPROTO_UDP, line), 0, "%s", in.err);
		cr_assert_eq(run(&in, udp_pkt((uint16_t)sp, (uint16_t)dp), NULL), want,
			     "udp %s: %u -> %u", line, sp, dp);
	}
}

/* ======================= udp ======================= */

Test(matches, udp_canonical_and_errors)
{
	static const struct canon c[] = {
		{ "--dport 53", " --dport 53" },
		{ "! --sport 53:60", " ! --sport 53:60" },
		{ "! --dport 0:65535", "" },
		{ "--dport 0:65535", "" },
		{ "--dport domain", " --dport 53" },
		{ "--sport :1024", " --sport 0:1024" },
		{ "! --sport :1024", " --sport 1025:65535" },
		{ "! --dport 80:", " ! --dport 80:65535" },
		{ "! --dport 0", " ! --dport 0" },
		{ "! --dport 0:65534", " --dport 65535" },
		{ "--destination-port 1 --source-port 2:3", " --sport 2:3 --dport 1" },
	};
	static const struct bad b[] = {
		{ "--dport 99999", "\"99999\" is not a valid port for --dport" },
		{ "--dport 5:3", "\"5:3\": invalid port range for --dport (min > max)" },
		{ "--dport foo", "\"foo\" is not a valid port or service for --dport" },
		{ "--dport ssh", "\"ssh\" is not a valid port or service for --dport" },
		{ "--dport 1:2:3", "\"2:3\" is not a valid port or service for --dport" },
		{ "--sport 1 --sport 2", "udp: option \"--sport\" can only be used once" },
	};
	struct inst in;
	unsigned int i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		expect_canon("udp", IPPROTO_UDP, c[i].in, c[i].out);
	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		expect_err("udp", IPPROTO_UDP, b[i].in, b[i].msg);

	cr_assert_eq(inst_parse(&in, "udp", IPPROTO_UDP, "--dport 53"), 0);
	cr_expect_eq(inst_check(&in, IPPROTO_UDP, false), 0);
	cr_expect_eq(inst_check(&in, IPPROTO_TCP, false), -EINVAL);
	cr_expect_str_eq(in.err, "UDP match requires '-p udp'");
	cr_expect_eq(inst_check(&in, IPPROTO_UDP, true), -EINVAL);
	cr_expect_eq(xt_match_implicit(IPPROTO_UDP), in.ops);
}

Test(matches, udp_packets)
{
	uint8_t b[8] = { 0, 53, 0, 54, 0, 8, 0, 0 };
	struct inst in;
	bool hd;

	cr_assert_eq(inst_parse(&in, "udp", IPPROTO_UDP, "! --dport 53"), 0);
	cr_expect(!run(&in, udp_pkt(1, 53), NULL));
	cr_expect(run(&in, udp_pkt(53, 54), NULL));
	/* Fragments: no match, no drop, whatever the offset. */
	cr_expect(!run(&in, ip_pkt(IPPROTO_UDP, b, 8, 1), &hd));
	cr_expect(!hd);
	cr_expect(!run(&in, ip_pkt(IPPROTO_UDP, b, 8, 185), &hd));
	cr_expect(!hd);
	/* Native: the destination port is all it reads (measured). */
	cr_expect(run(&in, ip_pkt(IPPROTO_UDP, b, 7, 0), &hd));
	cr_expect(!hd);
	cr_expect(run(&in, ip_pkt(IPPROTO_UDP, b, 4, IPV4_F_MF), &hd));
	cr_expect(!hd);
	cr_expect(!run(&in, ip_pkt(IPPROTO_UDP, b, 3, 0), &hd));
	cr_expect(!hd);
	/* Testing nothing, it is x_tables' udp_mt(): 8 bytes or a drop. */
	cr_assert_eq(inst_parse(&in, "udp", IPPROTO_UDP, "--dport 0:65535"), 0);
	cr_expect(run(&in, ip_pkt(IPPROTO_UDP, b, 8, 0), &hd));
	cr_expect(!hd);
	cr_expect(!run(&in, ip_pkt(IPPROTO_UDP, b, 7, 0), &hd));
	cr_expect(hd);
	cr_expect(!run(&in, ip_pkt(IPPROTO_UDP, b, 8, 1), &hd));
	cr_expect(!hd);
}

/* ======================= icmp ======================= */

Test(matches, icmp_canonical)
{
	static const struct canon c[] = {
		{ "--icmp-type echo-request", " --icmp-type 8" },
		{ "--icmp-type 8", " --icmp-type 8" },
		{ "! --icmp-type echo-reply", " ! --icmp-type 0" },
		{ "--icmp-type any", " --icmp-type any" },
		{ "! --icmp-type any", " ! --icmp-type any" },
		{ "--icmp-type port-unreachable", " --icmp-type 3/3" },
		{ "--icmp-type destination-unreachable", " --icmp-type 3" },
		{ "--icmp-type 3/4", " --icmp-type 3/4" },
		{ "--icmp-type 3/255", " --icmp-type 3/255" },
		{ "--icmp-type 255", " --icmp-type any" },
		{ "--icmp-type 255/4", " --icmp-type any" },
		{ "--icmp-type 200/7", " --icmp-type 200/7" },
		{ "--icmp-type ttl-zero-during-transit", " --icmp-type 11/0" },
		{ "--icmp-type fragmentation-needed", " --icmp-type 3/4" },
		{ "--icmp-type time-exceeded", " --icmp-type 11" },
		{ "--icmp-type network-prohibited", " --icmp-type 3/9" },
		{ "--icmp-type redirect", " --icmp-type 5" },
		{ "--icmp-type 5/1", " --icmp-type 5/1" },
		{ "--icmp-type 11/1", " --icmp-type 11/1" },
		{ "--icmp-type 0/0", " --icmp-type 0/0" },
		{ "--icmp-type 0/1", " --icmp-type 0/1" },
		{ "--icmp-type source-quench", " --icmp-type 4" },
		{ "--icmp-type 13", " --icmp-type 13" },
		{ "--icmp-type 9", " --icmp-type 9" },
		{ "--icmp-type 9/0", " --icmp-type 9/0" },
		{ "--icmp-type Echo-Request", " --icmp-type 8" },
		{ "--icmp-type ECHO-REPLY", " --icmp-type 0" },
		{ "--icmp-type port", " --icmp-type 3/3" },
		{ "--icmp-type ping", " --icmp-type 8" },
		{ "--icmp-type pong", " --icmp-type 0" },
		{ "--icmp-type ttl-exceeded", " --icmp-type 11" },
		{ "--icmp-type an", " --icmp-type any" },
		{ "--icmp-type 0x8", " --icmp-type 8" },
		{ "--icmp-type 010", " --icmp-type 8" },
		{ "--icmp-type 8/0x1", " --icmp-type 8/1" },
		{ "--icmp-type TOS-host-redirect", " --icmp-type 5/3" },
		{ "--icmp-type tos-host-redirect", " --icmp-type 5/3" },
		{ "--icmp-type host-prohibited", " --icmp-type 3/10" },
		{ "--icmp-type required-option-missing", " --icmp-type 12/1" },
		{ "--icmp-type address-mask-reply", " --icmp-type 18" },
	};
	static const struct bad b[] = {
		{ "--icmp-type echo",
		  "ambiguous ICMP type \"echo\": \"echo-reply\" or \"echo-request\"?" },
		{ "--icmp-type a",
		  "ambiguous ICMP type \"a\": \"any\" or \"address-mask-request\"?" },
		{ "--icmp-type 3/4/5", "unknown ICMP code \"3/4/5\"" },
		{ "--icmp-type 256", "unknown ICMP type \"256\"" },
		{ "--icmp-type foo", "unknown ICMP type \"foo\"" },
		{ "--icmp-type \"\"", "unknown ICMP type \"\"" },
		{ "--icmp-type 3/", "unknown ICMP code \"3/\"" },
		{ "--icmp-type /3", "unknown ICMP type \"/3\"" },
		{ "--icmp-type 3/256", "unknown ICMP code \"3/256\"" },
		{ "--icmp-type -1", "unknown ICMP type \"-1\"" },
		{ "--icmp-type \"echo-request \"", "unknown ICMP type \"echo-request \"" },
		{ "--icmp-type 8 --icmp-type 0",
		  "icmp: option \"--icmp-type\" can only be used once" },
		{ "", "icmp: option \"--icmp-type\" must be specified" },
	};
	struct inst in;
	unsigned int i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		expect_canon("icmp", IPPROTO_ICMP, c[i].in, c[i].out);
	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		expect_err("icmp", IPPROTO_ICMP, b[i].in, b[i].msg);

	cr_assert_eq(inst_parse(&in, "icmp", IPPROTO_ICMP, "--icmp-type 8"), 0);
	cr_expect_eq(inst_check(&in, IPPROTO_ICMP, false), 0);
	cr_expect_eq(inst_check(&in, IPPROTO_TCP, false), -EINVAL);
	cr_expect_str_eq(in.err, "ICMP match requires '-p icmp'");
	cr_expect_eq(inst_check(&in, IPPROTO_ICMP, true), -EINVAL);
	cr_expect_eq(inst_check(&in, 0, false), -EINVAL);
	cr_expect_eq(xt_match_implicit(IPPROTO_ICMP), in.ops);
}

Test(matches, icmp_packets)
{
	uint8_t b[8] = { 8, 0, 0, 0, 0, 0, 0, 0 };
	struct inst in;
	unsigned int t, c;
	bool hd;

	cr_assert_eq(inst_parse(&in, "icmp", IPPROTO_ICMP, "--icmp-type echo-request"), 0);
	cr_expect(run(&in, icmp_pkt(8, 0), NULL));
	cr_expect(run(&in, icmp_pkt(8, 99), NULL));
	cr_expect(!run(&in, icmp_pkt(0, 0), NULL));

	cr_assert_eq(inst_parse(&in, "icmp", IPPROTO_ICMP, "--icmp-type port-unreachable"), 0);
	cr_expect(run(&in, icmp_pkt(3, 3), NULL));
	cr_expect(!run(&in, icmp_pkt(3, 4), NULL));
	cr_expect(!run(&in, icmp_pkt(4, 3), NULL));

	cr_assert_eq(inst_parse(&in, "icmp", IPPROTO_ICMP, "! --icmp-type 3/4"), 0);
	cr_expect(!run(&in, icmp_pkt(3, 4), NULL));
	cr_expect(run(&in, icmp_pkt(3, 3), NULL));
	cr_expect(run(&in, icmp_pkt(0, 0), NULL));

	/* "any" takes every type and code; inverted, none. */
	cr_assert_eq(inst_parse(&in, "icmp", IPPROTO_ICMP, "--icmp-type any"), 0);
	for (t = 0; t < 256; t += 17)
		for (c = 0; c < 256; c += 51)
			cr_expect(run(&in, icmp_pkt((uint8_t)t, (uint8_t)c), NULL));
	cr_assert_eq(inst_parse(&in, "icmp", IPPROTO_ICMP, "! --icmp-type any"), 0);
	cr_expect(!run(&in, icmp_pkt(8, 0), NULL));

	/* Fragments never match (not even inverted); a short header drops. */
	cr_assert_eq(inst_parse(&in, "icmp", IPPROTO_ICMP, "! --icmp-type 0"), 0);
	cr_expect(!run(&in, ip_pkt(IPPROTO_ICMP, b, 8, 1), &hd));
	cr_expect(!hd);
	cr_expect(run(&in, ip_pkt(IPPROTO_ICMP, b, 8, IPV4_F_MF), &hd));
	cr_expect(!hd);
	cr_expect(!run(&in, ip_pkt(IPPROTO_ICMP, b, 7, 0), &hd));
	cr_expect(hd);
	cr_expect(!run(&in, ip_pkt(IPPROTO_ICMP, b, 2, IPV4_F_MF), &hd));
	cr_expect(hd);
}

/* ======================= multiport ======================= */

Test(matches, multiport_canonical)
{
	static const struct canon c[] = {
		{ "--dports 22,80,1000:2000", " --dports 22,80,1000:2000" },
		{ "--ports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15",
		  " --ports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15" },
		{ "--ports 1,2,3,4,5,6,7,8,9,10,11,12,13,14:15",
		  " --ports 1,2,3,4,5,6,7,8,9,10,11,12,13,14:15" },
		{ "--ports 1,2,3,4,5,6,7,8,9,10,11,12,13:14,15",
		  " --ports 1,2,3,4,5,6,7,8,9,10,11,12,13:14,15" },
		{ "--dports 0x10,010", " --dports 16,8" },
		{ "! --sports 1:2,5", " ! --sports 1:2,5" },
		{ "--source-ports ssh,http", " --sports 22,80" },
		{ "! --destination-ports 0:65535", " ! --dports 0:65535" },
		{ "--sports 7", " --sports 7" },
	};
	static const struct bad b[] = {
		{ "--ports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16",
		  "too many ports specified in \"1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16\" "
		  "(at most 15, a range counts 2)" },
		{ "--ports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15:16",
		  "too many ports specified in \"1,2,3,4,5,6,7,8,9,10,11,12,13,14,15:16\" "
		  "(at most 15, a range counts 2)" },
		{ "--ports 5:5", "invalid port range \"5:5\" for --ports (min >= max)" },
		{ "--ports 6:5", "invalid port range \"6:5\" for --ports (min >= max)" },
		{ "--ports 5:", "\"\" is not a valid port or service for --ports" },
		{ "--ports :5", "\"\" is not a valid port or service for --ports" },
		{ "--ports 5,,6", "\"\" is not a valid port or service for --ports" },
		{ "--ports 5,", "\"\" is not a valid port or service for --ports" },
		{ "--ports \"\"", "\"\" is not a valid port or service for --ports" },
		{ "--ports 99999", "\"99999\" is not a valid port for --ports" },
		{ "--ports foo", "\"foo\" is not a valid port or service for --ports" },
		{ "--sports 1 --dports 2",
		  "multiport: option \"--sports\" cannot be used together with \"--dports\"" },
		{ "--sports 1 --source-ports 2",
		  "multiport: option \"--sports\" can only be used once" },
		{ "", "multiport needs one of --sports, --dports or --ports" },
	};
	struct inst in;
	unsigned int i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		expect_canon("multiport", IPPROTO_TCP, c[i].in, c[i].out);
	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		expect_err("multiport", IPPROTO_TCP, b[i].in, b[i].msg);

	/* Service names are looked up for the rule's protocol. */
	expect_canon("multiport", IPPROTO_UDP, "! --sports 53,domain", " ! --sports 53,53");
	expect_err("multiport", IPPROTO_UDP, "--sports ssh",
		   "\"ssh\" is not a valid port or service for --sports");
	expect_canon("multiport", IPPROTO_SCTP, "--sports 1", " --sports 1");
	expect_canon("multiport", IPPROTO_DCCP, "--sports 1", " --sports 1");
	expect_canon("multiport", IPPROTO_UDPLITE, "--sports 1", " --sports 1");

	/* The protocol is checked as the option is read, and again at check. */
	expect_err("multiport", 0, "--sports 1",
		   "multiport needs \"-p tcp\", \"-p udp\", \"-p udplite\", \"-p sctp\" or "
		   "\"-p dccp\"");
	expect_err("multiport", IPPROTO_ICMP, "--sports 1",
		   "multiport only works with TCP, UDP, UDPLITE, SCTP and DCCP");
	cr_expect_eq(inst_parse_p(&in, "multiport", IPPROTO_TCP, true, "--sports 1"), -EINVAL);
	cr_expect_str_eq(in.err, "multiport only works with TCP, UDP, UDPLITE, SCTP and DCCP");

	cr_assert_eq(inst_parse(&in, "multiport", IPPROTO_TCP, "--dports 22"), 0);
	cr_expect_eq(inst_check(&in, IPPROTO_TCP, false), 0);
	cr_expect_eq(inst_check(&in, IPPROTO_SCTP, false), 0);
	cr_expect_eq(inst_check(&in, IPPROTO_ICMP, false), -EINVAL);
	cr_expect_str_eq(in.err, "multiport only works with TCP, UDP, UDPLITE, SCTP and DCCP");
	cr_expect_eq(inst_check(&in, IPPROTO_TCP, true), -EINVAL);
	cr_expect_eq(inst_check(&in, 0, false), -EINVAL);
}

/* Naive reference: the list as a set of (lo, hi), membership per flag. */
struct mp_ref {
	unsigned int n;
	uint16_t lo[15], hi[15];
	int which; /* 0 src, 1 dst, 2 either */
	bool inv;
};

static bool mp_ref_match(const struct mp_ref *r, uint16_t s, uint16_t d)
{
	unsigned int i;
	bool hit = false;

	for (i = 0; i < r->n; i++) {
		if (r->which != 1 && s >= r->lo[i] && s <= r->hi[i])
			hit = true;
		if (r->which != 0 && d >= r->lo[i] && d <= r->hi[i])
			hit = true;
	}
	return hit ^ r->inv;
}

Test(matches, multiport_random_vs_naive)
{
	static const char *const opt[] = { "--sports", "--dports", "--ports" };
	char line[256];
	struct mp_ref r;
	struct inst in;
	unsigned int round, slots, k, len;
	uint16_t s, d, a, b;

	srandom(5);
	for (round = 0; round < 3000; round++) {
		memset(&r, 0, sizeof(r));
		r.which = (int)(random() % 3);
		r.inv = random() & 1;
		len = (unsigned int)snprintf(line, sizeof(line), "%s%s ", r.inv ? "! " : "",
					     opt[r.which]);
		for (slots = 0; slots < 15;) {
			a = (uint16_t)(random() % 200);
			b = (uint16_t)(a + 1 + random() % 20);
			if (slots < 14 && random() % 3 == 0) {
				r.lo[r.n] = a;
				r.hi[r.n] = b;
				len += (unsigned int)snprintf(line + len, sizeof(line) - len,
							      "%s%u:%u", r.n ? "," : "", a, b);
				slots += 2;
			} else {
				r.lo[r.n] = r.hi[r.n] = a;
				len += (unsigned int)snprintf(line + len, sizeof(line) - len,
							      "%s%u", r.n ? "," : "", a);
				slots++;
			}
			r.n++;
			if (random() % 5 == 0)
				break;
		}
		cr_assert_eq(inst_parse(&in, "multiport", IPPROTO_UDP, line), 0, "%s: %s", line,
			     in.err);
		for (k = 0; k < 8; k++) {
			s = (uint16_t)(random() % 230);
			d = (uint16_t)(random() % 230);
			cr_assert_eq(run(&in, udp_pkt(s, d), NULL), mp_ref_match(&r, s, d),
				     "%s: %u -> %u", line, s, d);
		}
	}
}

Test(matches, multiport_fragments_and_short)
{
	uint8_t b[4] = { 0, 22, 0, 80 };
	struct inst in;
	bool hd;

	cr_assert_eq(inst_parse(&in, "multiport", IPPROTO_TCP, "! --ports 1,2"), 0);
	/* The four port bytes are all it needs. */
	cr_expect(run(&in, ip_pkt(IPPROTO_TCP, b, 4, 0), &hd));
	cr_expect(!hd);
	cr_expect(!run(&in, ip_pkt(IPPROTO_TCP, b, 4, 1), &hd));
	cr_expect(!hd);
	cr_expect(!run(&in, ip_pkt(IPPROTO_TCP, b, 3, 0), &hd));
	cr_expect(hd);
}

/* ======================= limit ======================= */

Test(matches, limit_canonical)
{
	static const struct canon c[] = {
		{ "", " --limit 3/hour" },
		{ "--limit 1/sec", " --limit 1/sec" },
		{ "--limit 5/s --limit-burst 10", " --limit 5/sec --limit-burst 10" },
		{ "--limit 100/minute", " --limit 100/min" },
		{ "--limit 7/m", " --limit 7/min" },
		{ "--limit 2/h", " --limit 2/hour" },
		{ "--limit 1/day", " --limit 1/day" },
		{ "--limit 1/d", " --limit 1/day" },
		{ "--limit 10", " --limit 10/sec" },
		{ "--limit 10000/sec", " --limit 10000/sec" },
		{ "--limit 1/mi", " --limit 1/min" },
		{ "--limit 1/se", " --limit 1/sec" },
		{ "--limit 1/Second", " --limit 1/sec" },
		{ "--limit-burst 0", " --limit 3/hour" },
		{ "--limit-burst 10000", " --limit 3/hour --limit-burst 10000" },
		{ "--limit 7/minute", " --limit 7/min" },
		{ "--limit 7/hour", " --limit 7/hour" },
		{ "--limit 13/hour", " --limit 13/hour" },
		{ "--limit 1000/hour", " --limit 1000/hour" },
		{ "--limit 999/day", " --limit 999/day" },
		{ "--limit 86400/day", " --limit 1/sec" },
		{ "--limit 86401/day", " --limit 1/sec" },
		{ "--limit 3/hour --limit-burst 5", " --limit 3/hour" },
		{ "--limit-burst 1 --limit 60/min", " --limit 1/sec --limit-burst 1" },
	};
	static const struct bad b[] = {
		{ "--limit 10001/sec", "rate too fast \"10001/sec\"" },
		{ "--limit 0/sec", "bad rate \"0/sec\"" },
		{ "--limit 1/week", "bad rate \"1/week\"" },
		{ "--limit 1/hourx", "bad rate \"1/hourx\"" },
		{ "--limit foo", "bad rate \"foo\"" },
		{ "--limit /sec", "bad rate \"/sec\"" },
		{ "--limit 3/", "bad rate \"3/\"" },
		{ "--limit -3/sec", "bad rate \"-3/sec\"" },
		{ "--limit 3abc/sec", "bad rate \"3abc/sec\"" },
		{ "--limit 99999999999999999999/sec", "bad rate \"99999999999999999999/sec\"" },
		{ "--limit-burst 10001",
		  "\"10001\" is not a valid value for --limit-burst (expected 0 to 10000)" },
		{ "--limit-burst -1",
		  "\"-1\" is not a valid value for --limit-burst (expected 0 to 10000)" },
		{ "--limit 3/s --limit 4/s", "limit: option \"--limit\" can only be used once" },
		{ "--limit-burst 3 --limit-burst 3",
		  "limit: option \"--limit-burst\" can only be used once" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		expect_canon("limit", 0, c[i].in, c[i].out);
	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		expect_err("limit", 0, b[i].in, b[i].msg);
}

/* Every rate iptables can be given reads back equal from its saved text. */
Test(matches, limit_print_parse_fixed_point)
{
	static const char *const units[] = { "sec", "min", "hour", "day" };
	static const unsigned int max[] = { 10000, 600000, 36000000, 864000000 };
	char line[64];
	struct inst a, b;
	unsigned int u, n, step;
	char *pa;

	for (u = 0; u < 4; u++) {
		for (n = 1; n <= max[u]; n += step) {
			step = n < 20000 ? 1 : n / 1000;
			snprintf(line, sizeof(line), "--limit %u/%s", n, units[u]);
			cr_assert_eq(inst_parse(&a, "limit", 0, line), 0, "%s: %s", line, a.err);
			pa = inst_print(&a);
			cr_assert_eq(inst_parse(&b, "limit", 0, pa), 0, "%s: %s", pa, b.err);
			cr_assert(memcmp(a.data, b.data, a.ops->size) == 0, "%s -> %s", line, pa);
			free(pa);
		}
	}
}

static bool limit_at(struct inst *in, uint64_t now_ms)
{
	rt.now_ms = now_ms;
	return run(in, udp_pkt(1, 2), NULL);
}

Test(matches, limit_bucket)
{
	struct inst in;
	unsigned int i;

	/* 3/hour, burst 5: five at once, then one every 20 minutes. */
	cr_assert_eq(inst_parse(&in, "limit", 0, ""), 0);
	for (i = 0; i < 5; i++)
		cr_expect(limit_at(&in, 1000), "packet %u of the burst", i);
	cr_expect(!limit_at(&in, 1000));
	cr_expect(!limit_at(&in, 1000 + 20 * 60 * 1000 - 1));
	cr_expect(limit_at(&in, 1000 + 20 * 60 * 1000));
	cr_expect(!limit_at(&in, 1000 + 20 * 60 * 1000));
	/* A day idle refills the burst, no more. */
	for (i = 0; i < 5; i++)
		cr_expect(limit_at(&in, 86400000ull * 3));
	cr_expect(!limit_at(&in, 86400000ull * 3));

	/* 1/sec, burst 1: one per second exactly. */
	cr_assert_eq(inst_parse(&in, "limit", 0, "--limit 1/s --limit-burst 1"), 0);
	cr_expect(limit_at(&in, 5000));
	cr_expect(!limit_at(&in, 5999));
	cr_expect(limit_at(&in, 6000));
	cr_expect(!limit_at(&in, 6500));
	/* A failed packet still moves the clock: its credit is kept. */
	cr_expect(limit_at(&in, 7000));
	/* The clock going back gives nothing. */
	cr_expect(!limit_at(&in, 100));
	cr_expect(!limit_at(&in, 7999));
	cr_expect(limit_at(&in, 8000));
}

Test(matches, limit_dry_run_takes_no_token)
{
	struct inst in;
	struct xt_ctx ctx;
	struct pkt *p;
	unsigned int i;

	cr_assert_eq(inst_parse(&in, "limit", 0, "--limit 1/min --limit-burst 2"), 0);
	rt.now_ms = 42;
	p = udp_pkt(1, 2);
	memset(&ctx, 0, sizeof(ctx));
	ctx.r = &rt;
	ctx.p = p;
	ctx.thoff = 20;
	ctx.dry_run = true;
	for (i = 0; i < 10; i++)
		cr_expect(in.ops->match(in.data, in.state, &ctx));
	pkt_free(&pool, p);
	cr_expect(limit_at(&in, 42));
	cr_expect(limit_at(&in, 42));
	cr_expect(!limit_at(&in, 42));
	p = udp_pkt(1, 2);
	ctx.p = p;
	cr_expect(!in.ops->match(in.data, in.state, &ctx));
	pkt_free(&pool, p);
	cr_expect(!limit_at(&in, 42));
	cr_expect(limit_at(&in, 42 + 60000));
}

/* Against random arrivals: never more than burst + elapsed / interval
 * packets in any window starting at an empty bucket, and every packet
 * passes when they come no faster than the rate. */
Test(matches, limit_random_bounds)
{
	char line[64];
	struct inst in;
	unsigned int round, i, burst, rate, passed, first_fail;
	uint64_t t, t0, interval;

	srandom(6);
	for (round = 0; round < 200; round++) {
		rate = 1 + (unsigned int)random() % 1000;
		burst = 1 + (unsigned int)random() % 20;
		snprintf(line, sizeof(line), "--limit %u/sec --limit-burst %u", rate, burst);
		cr_assert_eq(inst_parse(&in, "limit", 0, line), 0);
		interval = 1000 / rate;
		t0 = t = 1000 + (uint64_t)(random() % 100000);
		passed = 0;
		first_fail = 0;
		for (i = 0; i < 500; i++) {
			t += (uint64_t)(random() % (2 * interval + 2));
			if (limit_at(&in, t))
				passed++;
			else if (!first_fail)
				first_fail = i + 1;
			/* iptables' avg is 10000 / rate rounded down: a little faster */
			cr_assert_leq(passed, burst + (t - t0) * 10 / (10000 / rate) + 1, "%s",
				      line);
		}
		/* Spaced at the interval (rounded up): every packet passes. */
		cr_assert_eq(inst_parse(&in, "limit", 0, line), 0);
		for (i = 0; i < 200; i++)
			cr_assert(limit_at(&in, 5000 + i * ((10000 + rate - 1) / rate / 10 + 1)),
				  "%s: packet %u", line, i);
	}
}

/* ======================= mark ======================= */

Test(matches, mark_canonical)
{
	static const struct canon c[] = {
		{ "--mark 1", " --mark 0x1" },
		{ "--mark 0x10/0xff", " --mark 0x10/0xff" },
		{ "! --mark 010", " ! --mark 0x8" },
		{ "--mark 0xffffffff", " --mark 0xffffffff" },
		{ "--mark 0xffffffff/0xffffffff", " --mark 0xffffffff" },
		{ "--mark 5/0", " --mark 0x5/0x0" },
		{ "--mark 0/0", " --mark 0x0/0x0" },
		{ "--mark 0xff/0x0f", " --mark 0xff/0xf" },
		{ "--mark 4294967295/17", " --mark 0xffffffff/0x11" },
	};
	static const struct bad b[] = {
		{ "--mark 0x100000000", "\"0x100000000\" is not a valid mark for --mark" },
		{ "--mark foo", "\"foo\" is not a valid mark for --mark" },
		{ "--mark 1/", "\"1/\" is not a valid mark for --mark" },
		{ "--mark /1", "\"/1\" is not a valid mark for --mark" },
		{ "--mark -1", "\"-1\" is not a valid mark for --mark" },
		{ "", "mark: option \"--mark\" must be specified" },
		{ "--mark 1 --mark 2", "mark: option \"--mark\" can only be used once" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		expect_canon("mark", 0, c[i].in, c[i].out);
	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		expect_err("mark", 0, b[i].in, b[i].msg);
}

Test(matches, mark_random_vs_naive)
{
	char line[64];
	struct inst in;
	struct pkt *p;
	unsigned int round;
	uint32_t v, m, pm;
	bool inv, want;

	srandom(7);
	for (round = 0; round < 5000; round++) {
		m = (uint32_t)random() ^ ((uint32_t)random() << 16);
		if (round % 4 == 0)
			m = 0xffffffffu;
		v = ((uint32_t)random() ^ ((uint32_t)random() << 16)) & (round % 8 ? m : ~0u);
		pm = round % 2 ? v | ((uint32_t)random() & ~m) : (uint32_t)random();
		inv = random() & 1;
		snprintf(line, sizeof(line), "%s--mark %u/%u", inv ? "! " : "", v, m);
		cr_assert_eq(inst_parse(&in, "mark", 0, line), 0);
		want = ((pm & m) == v) != inv;
		p = udp_pkt(1, 2);
		p->mark = pm;
		cr_assert_eq(run(&in, p, NULL), want, "%s on 0x%x", line, pm);
	}
}

/* ======================= comment ======================= */

Test(matches, comment_canonical)
{
	static const struct canon c[] = {
		{ "--comment abc", " --comment abc" },
		{ "--comment \"a b\"", " --comment \"a b\"" },
		{ "--comment \"a\\\"b\"", " --comment \"a\\\"b\"" },
		{ "--comment a'b", " --comment \"a\\'b\"" },
		{ "--comment \"a\\\\b\"", " --comment \"a\\\\b\"" },
		{ "--comment \"a\\\\\\\"b c\"", " --comment \"a\\\\\\\"b c\"" },
		{ "--comment \"\"", " --comment \"\"" },
		{ "--comment \"$x `y`\"", " --comment \"$x `y`\"" },
		{ "--comment \"tab\there\"", " --comment \"tab\there\"" },
		{ "--comment \xc3\xa9\xc3\xbc", " --comment \"\xc3\xa9\xc3\xbc\"" },
		{ "--comment #x", " --comment \"#x\"" },
		{ "--comment \"a  b\"", " --comment \"a  b\"" },
		{ "--comment fail2ban-sshd", " --comment fail2ban-sshd" },
		{ "--comment a_B-9", " --comment a_B-9" },
		{ "--comment a.b", " --comment \"a.b\"" },
	};
	char line[600], want[600], x[300];
	struct inst in;
	unsigned int i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		expect_canon("comment", 0, c[i].in, c[i].out);

	memset(x, 'x', 255);
	x[255] = '\0';
	snprintf(line, sizeof(line), "--comment %s", x);
	snprintf(want, sizeof(want), " --comment %s", x);
	expect_canon("comment", 0, line, want);
	snprintf(line, sizeof(line), "--comment %sy", x);
	expect_err("comment", 0, line,
		   "comment \"xxxxxxxxxxxxxxxxxxxx...\" is longer than 255 characters");
	expect_err("comment", 0, "", "comment: option \"--comment\" must be specified");
	expect_err("comment", 0, "--comment a --comment b",
		   "comment: option \"--comment\" can only be used once");
	expect_err("comment", 0, "--comment \"nl\nhere\"",
		   "comment \"nl...\" contains a line break");

	cr_assert_eq(inst_parse(&in, "comment", 0, "--comment \"any packet\""), 0);
	cr_expect(run(&in, udp_pkt(1, 2), NULL));
	cr_expect(run(&in, ip_pkt(99, NULL, 0, 5), NULL));
}

/* Random printable comments read back equal through the quoting. */
Test(matches, comment_random_quoting)
{
	char text[256], line[600];
	struct inst a, b;
	unsigned int round, n, i;
	char *pa;

	srandom(8);
	for (round = 0; round < 2000; round++) {
		n = (unsigned int)random() % 40;
		for (i = 0; i < n; i++)
			text[i] = (char)(' ' + random() % 95);
		text[n] = '\0';
		memset(&a, 0, sizeof(a));
		a.ops = xt_match_find("comment");
		{
			struct xt_parse ps = { .err = a.err, .errlen = sizeof(a.err) };

			cr_assert_eq(a.ops->parse(a.data, a.ops->opts[0].id, text, false, &ps), 0);
			cr_assert_eq(a.ops->final(a.data, &ps), 0);
		}
		pa = inst_print(&a);
		snprintf(line, sizeof(line), "%s", pa);
		cr_assert_eq(inst_parse(&b, "comment", 0, line), 0, "<%s>: %s", line, b.err);
		cr_assert_str_eq((const char *)b.data, text, "<%s>", line);
		free(pa);
	}
}

/* ======================= iprange ======================= */

Test(matches, iprange_canonical)
{
	static const struct canon c[] = {
		{ "--src-range 10.0.0.1-10.0.0.9", " --src-range 10.0.0.1-10.0.0.9" },
		{ "! --dst-range 10.0.0.1-10.0.0.9", " ! --dst-range 10.0.0.1-10.0.0.9" },
		{ "--src-range 10.0.0.5-10.0.0.1", " --src-range 10.0.0.5-10.0.0.1" },
		{ "--src-range 10.0.0.5", " --src-range 10.0.0.5-10.0.0.5" },
		{ "--src-range 10.0.0.5-10.0.0.5", " --src-range 10.0.0.5-10.0.0.5" },
		{ "--src-range 10.0.0-10.0.1", " --src-range 10.0.0.0-10.0.1.0" },
		{ "--src-range 10.1-10.2", " --src-range 10.1.0.0-10.2.0.0" },
		{ "--src-range 1.2.3.4 --dst-range 5.6.7.8-5.6.7.9",
		  " --src-range 1.2.3.4-1.2.3.4 --dst-range 5.6.7.8-5.6.7.9" },
		{ "! --src-range 1.2.3.4-1.2.3.5 ! --dst-range 5.6.7.8-5.6.7.9",
		  " ! --src-range 1.2.3.4-1.2.3.5 ! --dst-range 5.6.7.8-5.6.7.9" },
		{ "--dst-range 5.6.7.8-5.6.7.9 --src-range 1.2.3.4",
		  " --src-range 1.2.3.4-1.2.3.4 --dst-range 5.6.7.8-5.6.7.9" },
		{ "--src-range 010.0.0.1-10.0.0.2", " --src-range 8.0.0.1-10.0.0.2" },
		{ "--src-range 0.0.0.0-255.255.255.255", " --src-range 0.0.0.0-255.255.255.255" },
		{ "--src-range 0x0a.0.0.1-10.0.0.2", " --src-range 10.0.0.1-10.0.0.2" },
	};
	static const struct bad b[] = {
		{ "--src-range 10.0.0.5-", "\"\" is not a valid address for --src-range" },
		{ "--src-range 10.0.0.256-10.0.0.300",
		  "\"10.0.0.256\" is not a valid address for --src-range" },
		{ "--dst-range 10.0.0.1-10.0.0.300",
		  "\"10.0.0.300\" is not a valid address for --dst-range" },
		{ "--src-range foo-bar", "\"foo\" is not a valid address for --src-range" },
		{ "--src-range 1.2.3.4/24-1.2.3.5",
		  "\"1.2.3.4/24\" is not a valid address for --src-range" },
		{ "--src-range 0x01020304-1.2.3.5",
		  "\"0x01020304\" is not a valid address for --src-range" },
		{ "--src-range 1.2.3.4.5", "\"1.2.3.4.5\" is not a valid address for --src-range" },
		{ "--src-range 1..2.3", "\"1..2.3\" is not a valid address for --src-range" },
		{ "--src-range 1.2.3.4-1.2.3.5-1.2.3.6",
		  "\"1.2.3.5-1.2.3.6\" is not a valid address for --src-range" },
		{ "", "iprange match: you must specify \"--src-range\" or \"--dst-range\"" },
		{ "--src-range 1.2.3.4-1.2.3.5 --src-range 1.2.3.4-1.2.3.5",
		  "iprange: option \"--src-range\" can only be used once" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		expect_canon("iprange", 0, c[i].in, c[i].out);
	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		expect_err("iprange", 0, b[i].in, b[i].msg);
}

static const char *dotted(uint32_t a, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
	return buf;
}

static struct pkt *addr_pkt(uint32_t src, uint32_t dst)
{
	struct pkt *p = udp_pkt(1, 2);
	struct iphdr *ip = ipv4_hdr(p);

	ip->saddr = htonl(src);
	ip->daddr = htonl(dst);
	return p;
}

Test(matches, iprange_packets_and_random)
{
	char line[128], a[4][16];
	struct inst in;
	unsigned int round;
	uint32_t sl, sh, dl, dh, s, d;
	bool si, di, want;

	cr_assert_eq(inst_parse(&in, "iprange", 0, "--src-range 10.0.0.5-10.0.0.1"), 0);
	cr_expect(!run(&in, addr_pkt(0x0a000003, 1), NULL));
	cr_assert_eq(inst_parse(&in, "iprange", 0, "! --src-range 10.0.0.5-10.0.0.1"), 0);
	cr_expect(run(&in, addr_pkt(0x0a000003, 1), NULL));

	srandom(9);
	for (round = 0; round < 5000; round++) {
		sl = (uint32_t)random() % 64 + 0x0a000000;
		sh = sl + (uint32_t)random() % 64 - 8;
		dl = (uint32_t)random() % 64 + 0xc0a80000;
		dh = dl + (uint32_t)random() % 64 - 8;
		si = random() & 1;
		di = random() & 1;
		snprintf(line, sizeof(line), "%s--src-range %s-%s %s--dst-range %s-%s",
			 si ? "! " : "", dotted(sl, a[0]), dotted(sh, a[1]), di ? "! " : "",
			 dotted(dl, a[2]), dotted(dh, a[3]));
		cr_assert_eq(inst_parse(&in, "iprange", 0, line), 0, "%s: %s", line, in.err);
		s = 0x0a000000 + (uint32_t)random() % 130;
		d = 0xc0a80000 + (uint32_t)random() % 130;
		want = ((s >= sl && s <= sh) != si) && ((d >= dl && d <= dh) != di);
		cr_assert_eq(run(&in, addr_pkt(s, d), NULL), want, "%s: %08x -> %08x", line, s,
			     d);
	}
}

/* ======================= all of them ======================= */

/* Every match here is registered under its name with sane ops, every
 * option name is unique within its match, and data are fully defined. */
Test(matches, registry_and_ops)
{
	static const char *const names[] = { "tcp", "udp", "icmp", "multiport", "limit",
					     "mark", "comment", "iprange" };
	const struct xt_match_ops *m;
	const struct xt_option *a, *b;
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		m = xt_match_find(names[i]);
		cr_assert(m, "%s", names[i]);
		cr_expect_str_eq(m->name, names[i]);
		cr_expect(m->parse && m->match && m->print && m->opts && m->size);
		for (a = m->opts; a->name; a++) {
			cr_expect(strncmp(a->name, "--", 2) == 0);
			cr_expect(!a->two_args || a->has_arg);
			for (b = a + 1; b->name; b++)
				cr_expect(strcmp(a->name, b->name) != 0);
		}
	}
	cr_expect(xt_match_find("limit")->state_size > 0);
}
