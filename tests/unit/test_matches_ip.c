// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The IP header and routing matches (length, ttl, tos, dscp, addrtype,
 * pkttype, ipv4options, rpfilter), driven through their ops directly:
 * parse with the exact messages, the canonical save text (as iptables-save
 * of iptables 1.8.9 prints the same rule) and parse(print(x)) == x, and
 * the match on crafted packets.
 *
 * The addrtype and rpfilter expectations are what a kernel router gave in
 * a namespace with the same addresses and routes:
 *
 *   10.1.0.7 --- if0 [10.1.0.1/24]  router  [10.2.0.1/24] if1 --- 10.2.0.7
 *                 static route 10.20.0.0/16 -> if1 (and, in some tests, a
 *                 default route through if0 or if1)
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/ipv4.h"
#include "core/router.h"
#include "tables/xt.h"

extern const struct xt_match_ops match_length_ops, match_ttl_ops, match_tos_ops, match_dscp_ops,
	match_addrtype_ops, match_pkttype_ops, match_ipv4options_ops, match_rpfilter_ops;

static struct router r;

static uint32_t A(const char *s)
{
	struct in_addr a;

	cr_assert_eq(inet_pton(AF_INET, s, &a), 1, "address %s", s);
	return a.s_addr;
}

static void setup(void)
{
	struct router_config cfg = {
		.pool_size = 16,
		.defrag_cfg = { .max_memory = 1 << 20, .timeout_ms = 30000, .max_queues = 8 },
		.icmp = { 0, 0, 50, 0x1818 },
	};
	struct route_table *t;

	cr_assert_eq(router_init(&r, &cfg, NULL, NULL), 0);
	cr_assert_eq(router_iface_add(&r, "if0", A("10.1.0.1"), 24, 1500, -1), 0);
	cr_assert_eq(router_iface_add(&r, "if1", A("10.2.0.1"), 24, 1500, -1), 1);
	t = route_table_new();
	cr_assert_not_null(t);
	cr_assert_eq(route_add(t, ntohl(A("10.20.0.0")), 16, ROUTE_STATIC, 1), 0);
	cr_assert_eq(router_fib_add_connected(&r, t), 0);
	router_fib_replace(&r, t);
}

static void teardown(void)
{
	cr_expect_eq(r.pool.avail, r.pool.count, "every buffer returned");
	router_fini(&r);
}

/* ---- parsing the way the rule parser does: [!] --opt [arg] ... ---- */

struct parsed {
	int rc;
	char err[256];
	uint8_t data[64];
};

static struct parsed parse(const struct xt_match_ops *ops, const char *line)
{
	struct parsed res = { .rc = 0 };
	struct xt_parse ps = { .err = res.err, .errlen = sizeof(res.err) };
	char buf[512], *save = NULL, *tok;
	bool inv = false;

	cr_assert_leq(ops->size, sizeof(res.data));
	snprintf(buf, sizeof(buf), "%s", line);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		const struct xt_option *o;
		const char *arg = NULL;

		if (strcmp(tok, "!") == 0) {
			inv = true;
			continue;
		}
		for (o = ops->opts; o->name && strcmp(o->name, tok) != 0; o++)
			;
		cr_assert_not_null(o->name, "test bug: %s has no option %s", ops->name, tok);
		if (inv && !o->invertible) {
			res.rc = xt_error(&ps, "\"!\" is not allowed before %s", o->name);
			return res;
		}
		if (o->has_arg) {
			arg = strtok_r(NULL, " ", &save);
			cr_assert_not_null(arg, "test bug: %s needs an argument", tok);
		}
		res.rc = ops->parse(res.data, o->id, arg, inv, &ps);
		if (res.rc)
			return res;
		inv = false;
	}
	if (ops->final)
		res.rc = ops->final(res.data, &ps);
	cr_assert_eq(!!res.rc, ps.failed, "a failure writes a message, success none");
	return res;
}

static void print(const struct xt_match_ops *ops, const void *data, char *buf, size_t len)
{
	struct out o;

	out_init(&o, false);
	ops->print(data, &o);
	cr_assert(!o.oom);
	snprintf(buf, len, "%.*s", (int)o.len, o.buf ? o.buf : "");
	out_free(&o);
}

/* line parses, prints as canon (" --opt ..."), and canon parses back to
 * the same bytes. */
static void expect_canon(const struct xt_match_ops *ops, const char *line, const char *canon)
{
	struct parsed a = parse(ops, line), b;
	char text[256];

	cr_assert_eq(a.rc, 0, "%s: \"%s\" failed: %s", ops->name, line, a.err);
	print(ops, a.data, text, sizeof(text));
	cr_assert_str_eq(text, canon, "%s: \"%s\"", ops->name, line);
	b = parse(ops, text);
	cr_assert_eq(b.rc, 0, "%s: canonical \"%s\" failed: %s", ops->name, text, b.err);
	cr_assert_eq(memcmp(a.data, b.data, ops->size), 0, "%s: parse(print(\"%s\")) differs",
		     ops->name, line);
}

static void expect_error(const struct xt_match_ops *ops, const char *line, const char *msg)
{
	struct parsed a = parse(ops, line);

	cr_assert_eq(a.rc, -EINVAL, "%s: \"%s\" was accepted", ops->name, line);
	cr_assert_str_eq(a.err, msg, "%s: \"%s\"", ops->name, line);
}

/* check() in table t from the hooks in mask; 0 or the message in err. */
static int check(const struct xt_match_ops *ops, const char *line, enum xt_table t,
		 unsigned int mask, char *err, size_t errlen)
{
	struct parsed a = parse(ops, line);
	struct xt_parse ps = { .err = err, .errlen = errlen, .table = (uint8_t)t };
	struct xt_check chk = { .ps = &ps, .table = (uint8_t)t, .hook_mask = mask };

	cr_assert_eq(a.rc, 0, "%s", a.err);
	err[0] = '\0';
	return ops->check ? ops->check(a.data, &chk) : 0;
}

#define H(h) (1u << HOOK_##h)

/* ---- packets ---- */

struct pkt_spec {
	const char *src, *dst;
	uint8_t tos, ttl;
	const uint8_t *opts;  /* IP options, padded by the caller to 4n bytes */
	size_t optlen;
	size_t paylen;
	int iif;               /* -1: locally generated */
};

static struct pkt *mk(const struct pkt_spec *s)
{
	struct pkt *p = pkt_alloc(&r.pool);
	struct iphdr *ip;
	size_t hl = 20 + s->optlen;

	cr_assert_not_null(p);
	ip = ipv4_hdr(p);
	memset(p->data, 0, hl + s->paylen);
	ip->version = 4;
	ip->ihl = (unsigned int)(hl / 4) & 0xf;
	ip->tos = s->tos;
	ip->ttl = s->ttl ? s->ttl : 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons((uint16_t)(hl + s->paylen));
	ip->saddr = A(s->src ? s->src : "10.1.0.7");
	ip->daddr = A(s->dst ? s->dst : "10.2.0.7");
	if (s->optlen)
		memcpy(p->data + 20, s->opts, s->optlen);
	ipv4_set_csum(ip);
	p->len = (uint32_t)(hl + s->paylen);
	p->l4_off = (uint16_t)hl;
	p->iif = (int16_t)s->iif;
	if (s->iif < 0)
		p->flags |= PKT_F_LOCAL_ORIGIN;
	return p;
}

/* Run the match given as option text on the packet, at hook, with the
 * input (and output) interface indexes (-1 none). */
static bool run(const struct xt_match_ops *ops, const char *line, const struct pkt_spec *s,
		enum tf_hook hook, int in, int out)
{
	struct parsed a = parse(ops, line);
	struct pkt *p = mk(s);
	struct xt_ctx ctx = {
		.r = &r, .p = p, .hook = (uint8_t)hook,
		.in = in >= 0 ? &r.ifaces[in] : NULL,
		.out = out >= 0 ? &r.ifaces[out] : NULL,
		.thoff = p->l4_off,
	};
	bool m;

	cr_assert_eq(a.rc, 0, "%s", a.err);
	p->hook = (uint8_t)hook;
	m = ops->match(a.data, NULL, &ctx);
	cr_assert(!ctx.hotdrop, "no hotdrop for a well-formed packet");
	pkt_free(&r.pool, p);
	return m;
}

/* At PRE_ROUTING from if0, as most tests want. */
static bool run_pre(const struct xt_match_ops *ops, const char *line, const char *src,
		    const char *dst)
{
	struct pkt_spec s = { .src = src, .dst = dst, .iif = 0 };

	return run(ops, line, &s, HOOK_PRE_ROUTING, 0, -1);
}

TestSuite(length, .init = setup, .fini = teardown);
TestSuite(ttl, .init = setup, .fini = teardown);
TestSuite(tos, .init = setup, .fini = teardown);
TestSuite(dscp, .init = setup, .fini = teardown);
TestSuite(addrtype, .init = setup, .fini = teardown);
TestSuite(pkttype, .init = setup, .fini = teardown);
TestSuite(ipv4options, .init = setup, .fini = teardown);
TestSuite(rpfilter, .init = setup, .fini = teardown);

/* ---- length ---- */

Test(length, canonical_text)
{
	const struct xt_match_ops *m = &match_length_ops;

	expect_canon(m, "--length 100", " --length 100");
	expect_canon(m, "! --length 100:200", " ! --length 100:200");
	expect_canon(m, "--length :200", " --length 0:200");
	expect_canon(m, "--length 100:", " --length 100:65535");
	expect_canon(m, "--length :", " --length 0:65535");
	expect_canon(m, "--length 0x10", " --length 16");
	expect_canon(m, "--length 0x10:0x20", " --length 16:32");
	expect_canon(m, "--length 010", " --length 8");
	expect_canon(m, "--length 65535", " --length 65535");
	expect_canon(m, "--length 7:7", " --length 7");
	/* iptables takes min > max too (it then matches nothing). */
	expect_canon(m, "--length 200:100", " --length 200:100");
}

Test(length, errors)
{
	const struct xt_match_ops *m = &match_length_ops;

	expect_error(m, "--length 70000",
		     "\"70000\" is not a valid value for --length (expected 0 to 65535)");
	expect_error(m, "--length 65536",
		     "\"65536\" is not a valid value for --length (expected 0 to 65535)");
	expect_error(m, "--length abc",
		     "\"abc\" is not a valid value for --length (expected 0 to 65535)");
	expect_error(m, "--length -1",
		     "\"-1\" is not a valid value for --length (expected 0 to 65535)");
	expect_error(m, "--length 1-2",
		     "\"1-2\" is not a valid value for --length (expected 0 to 65535)");
	expect_error(m, "--length 5:x",
		     "\"x\" is not a valid value for --length (expected 0 to 65535)");
	expect_error(m, "--length 1:2:3",
		     "length: too many components for option \"--length\" in \"1:2:3\" (max: 2)");
	expect_error(m, "", "length: option \"--length\" must be specified");
	expect_error(m, "--length 1 --length 2",
		     "length: option \"--length\" can only be used once");
}

Test(length, matches_total_length)
{
	const struct xt_match_ops *m = &match_length_ops;
	struct pkt_spec s = { .paylen = 80, .iif = 0 }; /* 100 bytes */
	uint8_t opts[4] = { 1, 1, 1, 0 };

	cr_assert(run(m, "--length 100", &s, HOOK_PRE_ROUTING, 0, -1));
	cr_assert(!run(m, "--length 101", &s, HOOK_PRE_ROUTING, 0, -1));
	cr_assert(run(m, "--length 100:200", &s, HOOK_PRE_ROUTING, 0, -1));
	cr_assert(run(m, "--length 0:100", &s, HOOK_PRE_ROUTING, 0, -1));
	cr_assert(!run(m, "--length 101:", &s, HOOK_PRE_ROUTING, 0, -1));
	cr_assert(!run(m, "! --length 100", &s, HOOK_PRE_ROUTING, 0, -1));
	cr_assert(run(m, "! --length 101:65535", &s, HOOK_PRE_ROUTING, 0, -1));
	cr_assert(!run(m, "--length 200:100", &s, HOOK_PRE_ROUTING, 0, -1));
	cr_assert(run(m, "! --length 200:100", &s, HOOK_PRE_ROUTING, 0, -1));
	/* The header counts, options included. */
	s.opts = opts;
	s.optlen = sizeof(opts);
	cr_assert(run(m, "--length 104", &s, HOOK_PRE_ROUTING, 0, -1));
}

/* Against the formula on random lengths and ranges. */
Test(length, random_against_reference)
{
	const struct xt_match_ops *m = &match_length_ops;
	unsigned int i;

	srand(7);
	for (i = 0; i < 300; i++) {
		struct pkt_spec s = { .paylen = (size_t)(rand() % 1500), .iif = 0 };
		unsigned int lo = (unsigned int)(rand() % 1600), hi = (unsigned int)(rand() % 1600);
		unsigned int len = 20 + (unsigned int)s.paylen;
		bool inv = rand() & 1;
		char line[64];

		snprintf(line, sizeof(line), "%s--length %u:%u", inv ? "! " : "", lo, hi);
		cr_assert_eq(run(m, line, &s, HOOK_FORWARD, 0, 1), (len >= lo && len <= hi) != inv,
			     "%s on %u", line, len);
	}
}

/* ---- ttl ---- */

Test(ttl, canonical_text)
{
	const struct xt_match_ops *m = &match_ttl_ops;

	expect_canon(m, "--ttl-eq 5", " --ttl-eq 5");
	expect_canon(m, "! --ttl-eq 5", " ! --ttl-eq 5");
	expect_canon(m, "--ttl-gt 5", " --ttl-gt 5");
	expect_canon(m, "--ttl-lt 5", " --ttl-lt 5");
	expect_canon(m, "--ttl-eq 0x10", " --ttl-eq 16");
	expect_canon(m, "--ttl-eq 010", " --ttl-eq 8");
	expect_canon(m, "--ttl-eq 255", " --ttl-eq 255");
	expect_canon(m, "--ttl-lt 0", " --ttl-lt 0");
}

Test(ttl, errors)
{
	const struct xt_match_ops *m = &match_ttl_ops;

	expect_error(m, "--ttl-eq 256",
		     "\"256\" is not a valid value for --ttl-eq (expected 0 to 255)");
	expect_error(m, "--ttl-eq abc",
		     "\"abc\" is not a valid value for --ttl-eq (expected 0 to 255)");
	expect_error(m, "--ttl-gt -1",
		     "\"-1\" is not a valid value for --ttl-gt (expected 0 to 255)");
	expect_error(m, "", "TTL match: You must specify one of \"--ttl-eq\", \"--ttl-lt\", "
			    "\"--ttl-gt\"");
	expect_error(m, "--ttl-eq 1 --ttl-gt 2",
		     "ttl: option \"--ttl-gt\" cannot be used together with \"--ttl-eq\"");
	expect_error(m, "--ttl-gt 1 --ttl-lt 2",
		     "ttl: option \"--ttl-lt\" cannot be used together with \"--ttl-gt\"");
	expect_error(m, "--ttl-eq 1 --ttl-eq 2", "ttl: option \"--ttl-eq\" can only be used once");
	expect_error(m, "! --ttl-gt 5", "\"!\" is not allowed before --ttl-gt");
	expect_error(m, "! --ttl-lt 5", "\"!\" is not allowed before --ttl-lt");
}

Test(ttl, matches_every_mode)
{
	const struct xt_match_ops *m = &match_ttl_ops;
	unsigned int ttl;

	for (ttl = 1; ttl <= 255; ttl += 127) {
		struct pkt_spec s = { .ttl = (uint8_t)ttl, .iif = 0 };

		cr_assert_eq(run(m, "--ttl-eq 128", &s, HOOK_PRE_ROUTING, 0, -1), ttl == 128);
		cr_assert_eq(run(m, "! --ttl-eq 128", &s, HOOK_PRE_ROUTING, 0, -1), ttl != 128);
		cr_assert_eq(run(m, "--ttl-lt 128", &s, HOOK_PRE_ROUTING, 0, -1), ttl < 128);
		cr_assert_eq(run(m, "--ttl-gt 128", &s, HOOK_PRE_ROUTING, 0, -1), ttl > 128);
	}
}

/* ---- tos ---- */

Test(tos, canonical_text)
{
	const struct xt_match_ops *m = &match_tos_ops;

	/* Names imply the 0x3f mask; numbers the whole byte. */
	expect_canon(m, "--tos Minimize-Delay", " --tos 0x10/0x3f");
	expect_canon(m, "--tos minimize-delay", " --tos 0x10/0x3f");
	expect_canon(m, "--tos Maximize-Throughput", " --tos 0x08/0x3f");
	expect_canon(m, "--tos Maximize-Reliability", " --tos 0x04/0x3f");
	expect_canon(m, "! --tos Minimize-Cost", " ! --tos 0x02/0x3f");
	expect_canon(m, "--tos Normal-Service", " --tos 0x00/0x3f");
	expect_canon(m, "--tos 0x10/0x3f", " --tos 0x10/0x3f");
	expect_canon(m, "! --tos 0x08", " ! --tos 0x08/0xff");
	expect_canon(m, "--tos 0", " --tos 0x00/0xff");
	expect_canon(m, "--tos 16", " --tos 0x10/0xff");
	expect_canon(m, "--tos 0xff/0xff", " --tos 0xff/0xff");
	expect_canon(m, "--tos 0/0", " --tos 0x00/0x00");
	expect_canon(m, "--tos 020/077", " --tos 0x10/0x3f");
}

Test(tos, errors)
{
	const struct xt_match_ops *m = &match_tos_ops;

	expect_error(m, "--tos foo", "tos: Symbolic name \"foo\" is unknown");
	expect_error(m, "--tos 256", "tos: Symbolic name \"256\" is unknown");
	expect_error(m, "--tos Minimize-Delay/0xff",
		     "tos: Symbolic name \"Minimize-Delay/0xff\" is unknown");
	expect_error(m, "--tos 0x10/0x100", "tos: Illegal value: \"0x10/0x100\"");
	expect_error(m, "--tos 0x10/", "tos: Illegal value: \"0x10/\"");
	expect_error(m, "--tos 0x10/0x3f/2", "tos: Illegal value: \"0x10/0x3f/2\"");
	expect_error(m, "--tos 0x1g", "tos: Illegal value: \"0x1g\"");
	expect_error(m, "", "tos: option \"--tos\" must be specified");
	expect_error(m, "--tos 1 --tos 2", "tos: option \"--tos\" can only be used once");
}

Test(tos, matches_masked_byte)
{
	const struct xt_match_ops *m = &match_tos_ops;
	struct pkt_spec s = { .tos = 0xb8, .iif = 0 }; /* EF with ECN 0 */

	cr_assert(run(m, "--tos 0xb8", &s, HOOK_PRE_ROUTING, 0, -1));
	cr_assert(!run(m, "! --tos 0xb8", &s, HOOK_PRE_ROUTING, 0, -1));
	cr_assert(run(m, "--tos 0x38/0x3f", &s, HOOK_PRE_ROUTING, 0, -1));
	cr_assert(run(m, "--tos 0x10/0x10", &s, HOOK_PRE_ROUTING, 0, -1));
	cr_assert(!run(m, "--tos Minimize-Delay", &s, HOOK_PRE_ROUTING, 0, -1));
	s.tos = 0xd0; /* precedence bits set: the name's 0x3f mask ignores them */
	cr_assert(run(m, "--tos Minimize-Delay", &s, HOOK_PRE_ROUTING, 0, -1));
	cr_assert(!run(m, "--tos 0x10", &s, HOOK_PRE_ROUTING, 0, -1));
	/* Bits outside the mask in the value: never equal. */
	cr_assert(!run(m, "--tos 0xff/0x0f", &s, HOOK_PRE_ROUTING, 0, -1));
	cr_assert(run(m, "--tos 0/0", &s, HOOK_PRE_ROUTING, 0, -1));
}

/* ---- dscp ---- */

Test(dscp, canonical_text)
{
	const struct xt_match_ops *m = &match_dscp_ops;

	expect_canon(m, "--dscp 10", " --dscp 0x0a");
	expect_canon(m, "! --dscp 0x2e", " ! --dscp 0x2e");
	expect_canon(m, "--dscp 0x3f", " --dscp 0x3f");
	expect_canon(m, "--dscp 077", " --dscp 0x3f");
	expect_canon(m, "--dscp 0", " --dscp 0x00");
	expect_canon(m, "--dscp-class af11", " --dscp 0x0a");
	expect_canon(m, "--dscp-class EF", " --dscp 0x2e");
	expect_canon(m, "! --dscp-class cs7", " ! --dscp 0x38");
	expect_canon(m, "--dscp-class BE", " --dscp 0x00");
	expect_canon(m, "--dscp-class cs0", " --dscp 0x00");
	expect_canon(m, "--dscp-class af43", " --dscp 0x26");
	expect_canon(m, "--dscp-class Af21", " --dscp 0x12");
}

Test(dscp, errors)
{
	const struct xt_match_ops *m = &match_dscp_ops;

	expect_error(m, "--dscp 64", "\"64\" is not a valid value for --dscp (expected 0 to 63)");
	expect_error(m, "--dscp 0x40",
		     "\"0x40\" is not a valid value for --dscp (expected 0 to 63)");
	expect_error(m, "--dscp abc", "\"abc\" is not a valid value for --dscp (expected 0 to 63)");
	expect_error(m, "--dscp-class foo",
		     "dscp: Invalid DSCP value \"foo\" for --dscp-class (BE, EF, AFxx or CSx)");
	expect_error(m, "--dscp-class cs10",
		     "dscp: Invalid DSCP value \"cs10\" for --dscp-class (BE, EF, AFxx or CSx)");
	expect_error(m, "--dscp 1 --dscp-class ef",
		     "dscp: option \"--dscp-class\" cannot be used together with \"--dscp\"");
	expect_error(m, "--dscp-class ef --dscp 1",
		     "dscp: option \"--dscp\" cannot be used together with \"--dscp-class\"");
	expect_error(m, "--dscp 1 --dscp 2", "dscp: option \"--dscp\" can only be used once");
	expect_error(m, "--dscp-class af11 --dscp-class ef",
		     "dscp: option \"--dscp-class\" can only be used once");
	expect_error(m, "", "DSCP match: Parameter --dscp is required");
}

Test(dscp, matches_upper_six_bits)
{
	const struct xt_match_ops *m = &match_dscp_ops;
	unsigned int tos;

	for (tos = 0; tos < 256; tos++) {
		struct pkt_spec s = { .tos = (uint8_t)tos, .iif = 0 };

		cr_assert_eq(run(m, "--dscp-class EF", &s, HOOK_PRE_ROUTING, 0, -1),
			     (tos >> 2) == 0x2e, "tos 0x%02x", tos);
		cr_assert_eq(run(m, "! --dscp 10", &s, HOOK_PRE_ROUTING, 0, -1),
			     (tos >> 2) != 10, "tos 0x%02x", tos);
	}
}

/* ---- addrtype ---- */

Test(addrtype, canonical_text)
{
	const struct xt_match_ops *m = &match_addrtype_ops;

	expect_canon(m, "--src-type LOCAL", " --src-type LOCAL");
	expect_canon(m, "! --src-type LOCAL,UNICAST --dst-type BROADCAST",
		     " ! --src-type UNICAST,LOCAL --dst-type BROADCAST");
	expect_canon(m, "--dst-type MULTICAST --limit-iface-in",
		     " --dst-type MULTICAST --limit-iface-in");
	expect_canon(m, "--limit-iface-out --dst-type MULTICAST",
		     " --dst-type MULTICAST --limit-iface-out");
	expect_canon(m, "--dst-type local,unicast", " --dst-type UNICAST,LOCAL");
	expect_canon(m,
		     "--dst-type BLACKHOLE,UNREACHABLE,PROHIBIT,ANYCAST,NAT,THROW,XRESOLVE,UNSPEC",
		     " --dst-type UNSPEC,ANYCAST,BLACKHOLE,UNREACHABLE,PROHIBIT,THROW,NAT,"
		     "XRESOLVE");
	expect_canon(m, "--dst-type LOCAL,LOCAL ! --src-type Broadcast",
		     " ! --src-type BROADCAST --dst-type LOCAL");
}

Test(addrtype, errors)
{
	const struct xt_match_ops *m = &match_addrtype_ops;

	expect_error(m, "", "addrtype: you must specify --src-type or --dst-type");
	expect_error(m, "--limit-iface-in", "addrtype: you must specify --src-type or --dst-type");
	expect_error(m, "--src-type FOO", "addrtype: bad type \"FOO\"");
	expect_error(m, "--src-type loc", "addrtype: bad type \"loc\"");
	expect_error(m, "--src-type LOCAL,FOO", "addrtype: bad type \"FOO\" in \"LOCAL,FOO\"");
	expect_error(m, "--src-type LOCAL,,UNICAST",
		     "addrtype: bad type \"\" in \"LOCAL,,UNICAST\"");
	expect_error(m, "--src-type LOCAL,", "addrtype: bad type \"\" in \"LOCAL,\"");
	expect_error(m, "--src-type LOCAL --src-type UNICAST",
		     "addrtype: option \"--src-type\" can only be used once");
	expect_error(m, "--src-type LOCAL --limit-iface-in --limit-iface-out",
		     "addrtype: option \"--limit-iface-out\" cannot be used together with "
		     "\"--limit-iface-in\"");
	expect_error(m, "--src-type LOCAL ! --limit-iface-in",
		     "\"!\" is not allowed before --limit-iface-in");
}

Test(addrtype, limits_only_on_hooks_with_that_interface)
{
	const struct xt_match_ops *m = &match_addrtype_ops;
	char err[256];

	cr_assert_eq(check(m, "--src-type LOCAL --limit-iface-in", XT_TABLE_FILTER,
			   H(FORWARD) | H(LOCAL_IN), err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(check(m, "--src-type LOCAL --limit-iface-in", XT_TABLE_MANGLE,
			   H(PRE_ROUTING), err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(check(m, "--src-type LOCAL --limit-iface-out", XT_TABLE_FILTER,
			   H(FORWARD) | H(LOCAL_OUT), err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(check(m, "--src-type LOCAL", XT_TABLE_FILTER, H(LOCAL_OUT) | H(LOCAL_IN),
			   err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(check(m, "--src-type LOCAL --limit-iface-out", XT_TABLE_FILTER,
			   H(LOCAL_IN), err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "addrtype: output interface limitation not valid in PREROUTING "
			      "and INPUT (--limit-iface-out)");
	cr_assert_eq(check(m, "--src-type LOCAL --limit-iface-out", XT_TABLE_MANGLE,
			   H(PRE_ROUTING), err, sizeof(err)), -EINVAL);
	cr_assert_eq(check(m, "--src-type LOCAL --limit-iface-in", XT_TABLE_FILTER,
			   H(LOCAL_OUT), err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "addrtype: input interface limitation not valid in POSTROUTING "
			      "and OUTPUT (--limit-iface-in)");
	cr_assert_eq(check(m, "--src-type LOCAL --limit-iface-in", XT_TABLE_MANGLE,
			   H(POST_ROUTING), err, sizeof(err)), -EINVAL);
}

/* The type of addr as the match sees it, one type at a time, with the
 * input interface limit (in >= 0) or none. */
static const char *type_of(const char *opt, const char *addr, int in)
{
	static const char *const types[] = {
		"UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST", "MULTICAST", "BLACKHOLE",
		"UNREACHABLE", "PROHIBIT", "THROW", "NAT", "XRESOLVE",
	};
	const char *found = "none";
	unsigned int i, n = 0;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct pkt_spec s = { .src = "10.1.0.7", .dst = "10.1.0.1", .iif = 0 };
		char line[96];

		if (strcmp(opt, "--src-type") == 0)
			s.src = addr;
		else
			s.dst = addr;
		snprintf(line, sizeof(line), "%s %s%s", opt, types[i],
			 in >= 0 ? " --limit-iface-in" : "");
		if (run(&match_addrtype_ops, line, &s, HOOK_PRE_ROUTING, in >= 0 ? in : 0, -1)) {
			found = types[i];
			n++;
		}
	}
	cr_assert_eq(n, 1, "%s %s: %u types", opt, addr, n);
	return found;
}

/* Expected: the kernel's answers for the same FIB (see the top). */
Test(addrtype, classifies_as_the_kernel)
{
	static const struct {
		const char *addr, *type, *type_in0;
	} dst[] = {
		{ "10.1.0.1", "LOCAL", "LOCAL" },
		{ "10.2.0.1", "LOCAL", "UNICAST" },   /* ours, but not on if0 */
		{ "10.1.0.255", "BROADCAST", "BROADCAST" },
		{ "10.2.0.255", "BROADCAST", "UNICAST" },
		{ "10.1.0.0", "UNICAST", "UNICAST" }, /* no broadcast route for the net */
		{ "10.2.0.5", "UNICAST", "UNICAST" },
		{ "10.20.1.1", "UNICAST", "UNICAST" },
		{ "10.9.9.9", "UNICAST", "UNICAST" }, /* no route at all: still UNICAST */
		{ "224.1.1.1", "MULTICAST", "MULTICAST" },
		{ "224.0.0.1", "MULTICAST", "MULTICAST" },
		{ "239.255.255.255", "MULTICAST", "MULTICAST" },
		{ "255.255.255.255", "BROADCAST", "BROADCAST" },
		{ "0.0.0.0", "BROADCAST", "BROADCAST" },
		{ "0.1.2.3", "UNICAST", "UNICAST" },  /* only 0.0.0.0 is "zeronet" */
		{ "127.0.0.1", "LOCAL", "UNICAST" },  /* on lo, not on if0 */
		{ "127.1.2.3", "LOCAL", "UNICAST" },
		{ "127.255.255.255", "BROADCAST", "UNICAST" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(dst) / sizeof(dst[0]); i++) {
		cr_assert_str_eq(type_of("--dst-type", dst[i].addr, -1), dst[i].type, "%s",
				 dst[i].addr);
		cr_assert_str_eq(type_of("--dst-type", dst[i].addr, 0), dst[i].type_in0,
				 "%s with --limit-iface-in on if0", dst[i].addr);
		cr_assert_str_eq(type_of("--src-type", dst[i].addr, -1), dst[i].type, "src %s",
				 dst[i].addr);
	}
	/* Limited to if1, if1's own address is LOCAL again. */
	cr_assert_str_eq(type_of("--dst-type", "10.2.0.1", 1), "LOCAL");
	cr_assert_str_eq(type_of("--dst-type", "10.1.0.1", 1), "UNICAST");
	/* A default route changes nothing: routed or not, it is UNICAST. */
	cr_assert_eq(route_add(r.fib, 0, 0, ROUTE_STATIC, 1), 0);
	cr_assert_str_eq(type_of("--dst-type", "10.9.9.9", -1), "UNICAST");
	cr_assert_str_eq(type_of("--dst-type", "10.1.0.255", -1), "BROADCAST");
}

Test(addrtype, inversion_and_both_addresses)
{
	const struct xt_match_ops *m = &match_addrtype_ops;

	cr_assert(run_pre(m, "--src-type UNICAST --dst-type LOCAL", "10.1.0.7", "10.1.0.1"));
	cr_assert(!run_pre(m, "--src-type UNICAST --dst-type LOCAL", "10.1.0.7", "10.2.0.7"));
	cr_assert(!run_pre(m, "--src-type LOCAL --dst-type LOCAL", "10.1.0.7", "10.1.0.1"));
	cr_assert(run_pre(m, "! --src-type LOCAL --dst-type LOCAL", "10.1.0.7", "10.1.0.1"));
	cr_assert(run_pre(m, "--dst-type UNICAST,LOCAL", "10.1.0.7", "10.1.0.1"));
	cr_assert(run_pre(m, "--dst-type UNICAST,LOCAL", "10.1.0.7", "10.2.0.7"));
	cr_assert(!run_pre(m, "--dst-type UNICAST,LOCAL", "10.1.0.7", "10.1.0.255"));
	cr_assert(run_pre(m, "! --dst-type UNICAST,LOCAL", "10.1.0.7", "10.1.0.255"));
	cr_assert(!run_pre(m, "! --dst-type UNICAST,LOCAL", "10.1.0.7", "10.1.0.1"));
	/* Types our FIB never gives. */
	cr_assert(!run_pre(m, "--dst-type BLACKHOLE,UNREACHABLE,PROHIBIT,THROW", "10.1.0.7",
			   "10.9.9.9"));
	cr_assert(run_pre(m, "! --dst-type BLACKHOLE", "10.1.0.7", "10.9.9.9"));
}

Test(addrtype, limit_iface_out_uses_the_output_interface)
{
	const struct xt_match_ops *m = &match_addrtype_ops;
	struct pkt_spec s = { .src = "10.1.0.7", .dst = "10.2.0.255", .iif = 0 };

	cr_assert(run(m, "--dst-type BROADCAST --limit-iface-out", &s, HOOK_FORWARD, 0, 1));
	cr_assert(!run(m, "--dst-type BROADCAST --limit-iface-out", &s, HOOK_FORWARD, 0, 0));
	cr_assert(run(m, "--dst-type UNICAST --limit-iface-out", &s, HOOK_FORWARD, 0, 0));
	s.src = "10.1.0.1";
	s.iif = -1;
	cr_assert(run(m, "--src-type LOCAL --limit-iface-out", &s, HOOK_LOCAL_OUT, -1, 0));
	cr_assert(!run(m, "--src-type LOCAL --limit-iface-out", &s, HOOK_LOCAL_OUT, -1, 1));
}

/* ---- pkttype ---- */

Test(pkttype, canonical_text)
{
	const struct xt_match_ops *m = &match_pkttype_ops;

	expect_canon(m, "--pkt-type unicast", " --pkt-type unicast");
	expect_canon(m, "! --pkt-type broadcast", " ! --pkt-type broadcast");
	expect_canon(m, "--pkt-type MULTICAST", " --pkt-type multicast");
	expect_canon(m, "--pkt-type host", " --pkt-type unicast");
	expect_canon(m, "--pkt-type bcast", " --pkt-type broadcast");
	expect_canon(m, "--pkt-type mcast", " --pkt-type multicast");
	expect_canon(m, "--pkt-type OtherHost", " --pkt-type otherhost");
}

Test(pkttype, errors)
{
	const struct xt_match_ops *m = &match_pkttype_ops;

	expect_error(m, "", "pkttype: option \"--pkt-type\" must be specified");
	expect_error(m, "--pkt-type foo", "pkttype: Bad packet type \"foo\"");
	expect_error(m, "--pkt-type outgoing", "pkttype: Bad packet type \"outgoing\"");
	expect_error(m, "--pkt-type loopback", "pkttype: Bad packet type \"loopback\"");
	expect_error(m, "--pkt-type unicast --pkt-type broadcast",
		     "pkttype: option \"--pkt-type\" can only be used once");
}

static const char *pkttype_of(const char *dst, int iif, enum tf_hook hook)
{
	static const char *const types[] = { "unicast", "broadcast", "multicast", "otherhost" };
	struct pkt_spec s = { .src = iif == 1 ? "10.2.0.7" : "10.1.0.7", .dst = dst, .iif = iif };
	const char *found = "none";
	unsigned int i, n = 0;

	if (iif < 0)
		s.src = "10.1.0.1";
	for (i = 0; i < 4; i++) {
		char line[64];
		bool hit, miss;

		snprintf(line, sizeof(line), "--pkt-type %s", types[i]);
		hit = run(&match_pkttype_ops, line, &s, hook, hook == HOOK_POST_ROUTING ? -1 : iif,
			  -1);
		snprintf(line, sizeof(line), "! --pkt-type %s", types[i]);
		miss = run(&match_pkttype_ops, line, &s, hook, hook == HOOK_POST_ROUTING ? -1 : iif,
			   -1);
		cr_assert_neq(hit, miss, "inversion of %s for %s", types[i], dst);
		if (hit) {
			found = types[i];
			n++;
		}
	}
	cr_assert_eq(n, 1, "%s: %u types", dst, n);
	return found;
}

Test(pkttype, classifies_by_ip_destination)
{
	cr_assert_str_eq(pkttype_of("10.1.0.1", 0, HOOK_PRE_ROUTING), "unicast");
	cr_assert_str_eq(pkttype_of("10.2.0.7", 0, HOOK_PRE_ROUTING), "unicast");
	cr_assert_str_eq(pkttype_of("255.255.255.255", 0, HOOK_PRE_ROUTING), "broadcast");
	cr_assert_str_eq(pkttype_of("10.1.0.255", 0, HOOK_LOCAL_IN), "broadcast");
	/* Another link's broadcast address is a unicast frame on this one. */
	cr_assert_str_eq(pkttype_of("10.2.0.255", 0, HOOK_PRE_ROUTING), "unicast");
	cr_assert_str_eq(pkttype_of("10.2.0.255", 1, HOOK_PRE_ROUTING), "broadcast");
	cr_assert_str_eq(pkttype_of("224.0.0.1", 0, HOOK_PRE_ROUTING), "multicast");
	cr_assert_str_eq(pkttype_of("239.1.2.3", 1, HOOK_LOCAL_IN), "multicast");
	cr_assert_str_eq(pkttype_of("0.0.0.0", 0, HOOK_PRE_ROUTING), "unicast");
	/* A forwarded packet keeps its type at POSTROUTING (no in there). */
	cr_assert_str_eq(pkttype_of("10.2.0.7", 0, HOOK_POST_ROUTING), "unicast");
	/* The router's own packets are PACKET_HOST, whatever the address. */
	cr_assert_str_eq(pkttype_of("10.1.0.255", -1, HOOK_LOCAL_OUT), "unicast");
	cr_assert_str_eq(pkttype_of("224.0.0.1", -1, HOOK_POST_ROUTING), "unicast");
}

Test(pkttype, point_to_point_links_have_no_subnet_broadcast)
{
	struct route_table *t = route_table_new();

	cr_assert_eq(router_iface_add(&r, "p2p", A("10.3.0.1"), 31, 1500, -1), 2);
	cr_assert_eq(router_fib_add_connected(&r, t), 0);
	router_fib_replace(&r, t);
	cr_assert_str_eq(pkttype_of("10.3.0.1", 2, HOOK_PRE_ROUTING), "unicast");
	cr_assert_str_eq(pkttype_of("10.3.0.0", 2, HOOK_PRE_ROUTING), "unicast");
	cr_assert_str_eq(pkttype_of("255.255.255.255", 2, HOOK_PRE_ROUTING), "broadcast");
}

/* ---- ipv4options ---- */

Test(ipv4options, canonical_text)
{
	const struct xt_match_ops *m = &match_ipv4options_ops;

	/* xtables-addons saves numbers, in option number order. */
	expect_canon(m, "--flags lsrr,ssrr", " --flags 3,9");
	expect_canon(m, "--flags !record-route,timestamp", " --flags 4,!7");
	expect_canon(m, "--flags !rr,ts --any", " --flags 4,!7 --any");
	expect_canon(m, "--any", " --any");
	expect_canon(m, "--flags 7,20 --any", " --flags 7,20 --any");
	expect_canon(m, "--flags ra", " --flags 20");
	expect_canon(m, "--flags nop,security,mtu-probe,mtu-reply,traceroute,router-alert",
		     " --flags 1,2,11,12,18,20");
	expect_canon(m, "--flags 0x1f,!031", " --flags !25,31");
	/* Repeated --flags add up; "!" once is "!" for good. */
	expect_canon(m, "--flags lsrr --flags !ssrr", " --flags 3,!9");
	expect_canon(m, "--flags !lsrr,lsrr", " --flags !3");
	expect_canon(m, "", "");
}

Test(ipv4options, errors)
{
	const struct xt_match_ops *m = &match_ipv4options_ops;

	expect_error(m, "--flags foo", "ipv4options: Bad option value \"foo\"");
	expect_error(m, "--flags LSRR", "ipv4options: Bad option value \"LSRR\"");
	expect_error(m, "--flags lsrr,,ssrr", "ipv4options: Bad option value \"\"");
	expect_error(m, "--flags lsrr,", "ipv4options: Bad option value \"\"");
	expect_error(m, "--flags !", "ipv4options: Bad option value \"\"");
	expect_error(m, "--flags !!lsrr", "ipv4options: Bad option value \"!lsrr\"");
	expect_error(m, "--flags 3x", "ipv4options: Bad option value \"3x\"");
	expect_error(m, "--flags 0", "ipv4options: Option value may not be zero");
	expect_error(m, "--flags 32",
		     "ipv4options: option number \"32\" out of range (1-31: the type byte's "
		     "low five bits)");
	expect_error(m, "--flags 131",
		     "ipv4options: option number \"131\" out of range (1-31: the type byte's "
		     "low five bits)");
	expect_error(m, "! --flags lsrr", "\"!\" is not allowed before --flags");
}

/* Options of a header, 4n bytes. */
static const uint8_t OPT_RR[] = { 0x07, 7, 4, 0, 0, 0, 0, 0x00 };           /* rr, end */
static const uint8_t OPT_LSRR_TS[] = { 0x83, 7, 4, 10, 0, 0, 1, 0x44, 4, 5, 0, 0 };
static const uint8_t OPT_RA_NOP[] = { 0x01, 0x94, 4, 0, 0, 0x01, 0x00, 0x00 };
static const uint8_t OPT_NOP_NOP_RA[] = { 0x01, 0x01, 0x94, 4, 0, 0, 0x00, 0x00 };

static bool opt_run(const char *line, const uint8_t *opts, size_t len)
{
	struct pkt_spec s = { .opts = opts, .optlen = len, .iif = 0 };

	return run(&match_ipv4options_ops, line, &s, HOOK_PRE_ROUTING, 0, -1);
}

#define OPT_RUN(line, o) opt_run(line, o, sizeof(o))

Test(ipv4options, matches_present_options)
{
	/* No --flags: everything matches; --any alone: nothing. */
	cr_assert(opt_run("", NULL, 0));
	cr_assert(!opt_run("--any", NULL, 0));
	cr_assert(!opt_run("--flags rr", NULL, 0));
	cr_assert(opt_run("--flags !rr", NULL, 0));

	cr_assert(OPT_RUN("--flags rr", OPT_RR));
	cr_assert(!OPT_RUN("--flags !rr", OPT_RR));
	cr_assert(!OPT_RUN("--flags rr,lsrr", OPT_RR));
	cr_assert(OPT_RUN("--flags rr,lsrr --any", OPT_RR));
	cr_assert(OPT_RUN("--flags rr,!lsrr", OPT_RR));

	cr_assert(OPT_RUN("--flags lsrr,ts", OPT_LSRR_TS));
	cr_assert(OPT_RUN("--flags 3,4", OPT_LSRR_TS));
	cr_assert(!OPT_RUN("--flags lsrr,ts,ssrr", OPT_LSRR_TS));
	cr_assert(OPT_RUN("--flags ssrr,rr,ts --any", OPT_LSRR_TS));
	cr_assert(!OPT_RUN("--flags !lsrr,!ts --any", OPT_LSRR_TS));
	cr_assert(OPT_RUN("--flags !lsrr,!ssrr --any", OPT_LSRR_TS));

	/* Router alert with NOPs before and after it; a NOP counts. */
	cr_assert(OPT_RUN("--flags ra", OPT_RA_NOP));
	cr_assert(OPT_RUN("--flags router-alert,nop", OPT_RA_NOP));
	cr_assert(OPT_RUN("--flags ra,nop", OPT_NOP_NOP_RA));
	cr_assert(!OPT_RUN("--flags !nop", OPT_NOP_NOP_RA));
	cr_assert(!OPT_RUN("--flags nop", OPT_RR));
}

Test(ipv4options, malformed_options_stop_the_walk)
{
	/* Length byte 1 (< 2): nothing after it is read. */
	static const uint8_t short_len[] = { 0x01, 0x07, 1, 0x94, 4, 0, 0, 0 };
	/* RR claims 12 bytes in an 8-byte option area. */
	static const uint8_t overrun[] = { 0x94, 4, 0, 0, 0x07, 12, 4, 0 };
	/* A length byte past the end of the header. */
	static const uint8_t no_len[] = { 0x01, 0x01, 0x01, 0x07 };
	/* End of options: what follows is padding, not options. */
	static const uint8_t after_end[] = { 0x00, 0x07, 7, 4, 0, 0, 0, 0 };

	cr_assert(OPT_RUN("--flags nop", short_len));
	cr_assert(!OPT_RUN("--flags rr", short_len));
	cr_assert(!OPT_RUN("--flags ra", short_len));
	cr_assert(OPT_RUN("--flags ra", overrun));
	cr_assert(!OPT_RUN("--flags rr", overrun));
	cr_assert(OPT_RUN("--flags nop", no_len));
	cr_assert(!OPT_RUN("--flags rr", no_len));
	cr_assert(!OPT_RUN("--flags rr", after_end));
	cr_assert(OPT_RUN("--flags !rr,!nop", after_end));
}

Test(ipv4options, header_longer_than_the_packet_is_walked_within_the_packet)
{
	struct parsed a = parse(&match_ipv4options_ops, "--flags rr --any");
	struct pkt_spec s = { .opts = OPT_RR, .optlen = sizeof(OPT_RR), .iif = 0 };
	struct pkt *p = mk(&s);
	struct xt_ctx ctx = { .r = &r, .p = p, .in = &r.ifaces[0], .hook = HOOK_PRE_ROUTING };

	cr_assert_eq(a.rc, 0);
	/* IHL says 60 bytes; only 24 are there: RR's 7 bytes do not fit. */
	ipv4_hdr(p)->ihl = 15;
	p->len = 24;
	cr_assert(!match_ipv4options_ops.match(a.data, NULL, &ctx));
	p->len = 28;
	cr_assert(match_ipv4options_ops.match(a.data, NULL, &ctx));
	pkt_free(&r.pool, p);
}

/* A second walker, written the other way round (recursion over a byte
 * string), for random headers. */
static uint32_t ref_opts(const uint8_t *o, size_t len)
{
	if (len == 0 || o[0] == 0)
		return 0;
	if (o[0] == 1)
		return (1u << 1) | ref_opts(o + 1, len - 1);
	if (len < 2 || o[1] < 2 || o[1] > len)
		return 0;
	return (1u << (o[0] & 31)) | ref_opts(o + o[1], len - o[1]);
}

Test(ipv4options, random_headers_against_reference)
{
	static const char *const names[] = { "1", "3", "4", "7", "9", "20", "!1", "!3", "!7",
					     "!20" };
	unsigned int i, j;

	srand(42);
	for (i = 0; i < 400; i++) {
		uint8_t o[40];
		size_t len = 4 * (size_t)(rand() % 11);
		uint32_t map = 0, inv = 0, have, held;
		char line[128] = "--flags ";
		bool any = rand() & 1, want;

		for (j = 0; j < len; j++) {
			/* Mostly plausible option bytes, so that walks go far. */
			static const uint8_t pick[] = { 0, 1, 1, 0x07, 0x83, 0x89, 0x44, 0x94,
							2, 3, 4, 8, 40, 255 };

			o[j] = pick[rand() % (int)sizeof(pick)];
		}
		for (j = 0; j < 3; j++) {
			const char *n = names[rand() % 10];
			unsigned int num = (unsigned int)atoi(n[0] == '!' ? n + 1 : n);

			map |= 1u << num;
			if (n[0] == '!')
				inv |= 1u << num;
			strcat(line, n);
			strcat(line, j < 2 ? "," : "");
		}
		if (any)
			strcat(line, " --any");
		have = ref_opts(o, len);
		held = (have ^ inv) & map;
		want = any ? held != 0 : held == map;
		cr_assert_eq(opt_run(line, len ? o : NULL, len), want, "#%u %s", i, line);
	}
}

/* ---- rpfilter ---- */

Test(rpfilter, canonical_text)
{
	const struct xt_match_ops *m = &match_rpfilter_ops;

	expect_canon(m, "", "");
	expect_canon(m, "--invert", " --invert");
	expect_canon(m, "--invert --accept-local --validmark --loose",
		     " --loose --validmark --accept-local --invert");
}

Test(rpfilter, errors)
{
	const struct xt_match_ops *m = &match_rpfilter_ops;

	expect_error(m, "--loose --loose", "rpfilter: option \"--loose\" can only be used once");
	expect_error(m, "--invert --invert", "rpfilter: option \"--invert\" can only be used once");
	expect_error(m, "! --loose", "\"!\" is not allowed before --loose");
}

Test(rpfilter, only_raw_and_mangle_prerouting)
{
	const struct xt_match_ops *m = &match_rpfilter_ops;
	char err[256];

	cr_assert_eq(check(m, "", XT_TABLE_RAW, H(PRE_ROUTING), err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(check(m, "--loose", XT_TABLE_MANGLE, H(PRE_ROUTING), err, sizeof(err)), 0);
	/* A user chain reached from nowhere yet is fine. */
	cr_assert_eq(check(m, "", XT_TABLE_MANGLE, 0, err, sizeof(err)), 0);
	cr_assert_eq(check(m, "", XT_TABLE_FILTER, H(LOCAL_IN), err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "rpfilter match: used from hooks INPUT, but only valid from "
			      "PREROUTING");
	cr_assert_eq(check(m, "", XT_TABLE_MANGLE, H(PRE_ROUTING) | H(FORWARD) | H(POST_ROUTING),
			   err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "rpfilter match: used from hooks PREROUTING/FORWARD/POSTROUTING, "
			      "but only valid from PREROUTING");
	cr_assert_eq(check(m, "", XT_TABLE_RAW, H(LOCAL_OUT), err, sizeof(err)), -EINVAL);
	cr_assert_eq(check(m, "", XT_TABLE_NAT, H(PRE_ROUTING), err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "rpfilter: only valid in \"raw\" or \"mangle\" table, not \"nat\"");
	cr_assert_eq(check(m, "", XT_TABLE_FILTER, 0, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "rpfilter: only valid in \"raw\" or \"mangle\" table, not "
			      "\"filter\"");
}

/* Which of the four modes pass src -> dst arriving on if0, as a string
 * "strict loose accept-local loose+accept-local" of 0/1. */
static void rpf_expect(const char *src, const char *dst, const char *want)
{
	static const char *const modes[] = { "", "--loose", "--accept-local",
					     "--loose --accept-local" };
	char got[8];
	unsigned int i;

	for (i = 0; i < 4; i++) {
		char inv[64];

		got[i] = run_pre(&match_rpfilter_ops, modes[i], src, dst) ? '1' : '0';
		snprintf(inv, sizeof(inv), "%s --invert", modes[i]);
		cr_assert_neq(got[i] == '1', run_pre(&match_rpfilter_ops, inv, src, dst),
			      "--invert of [%s] for %s", modes[i], src);
	}
	got[4] = '\0';
	cr_assert_str_eq(got, want, "%s -> %s (strict, loose, accept-local, both)", src, dst);
}

/* The kernel's answers (see the top), no default route. */
Test(rpfilter, reverse_path_as_the_kernel)
{
	rpf_expect("10.1.0.7", "10.1.0.1", "1111");   /* connected on if0 */
	rpf_expect("10.2.0.7", "10.1.0.1", "0101");   /* connected on if1 */
	rpf_expect("10.20.1.1", "10.1.0.1", "0101");  /* static via if1 */
	rpf_expect("10.9.9.9", "10.1.0.1", "0000");   /* no route back */
	rpf_expect("10.1.0.1", "10.1.0.1", "0011");   /* our address on if0 */
	rpf_expect("10.2.0.1", "10.1.0.1", "0001");   /* our address on if1 */
	rpf_expect("10.1.0.255", "10.1.0.1", "0000"); /* a broadcast address */
	rpf_expect("10.2.0.255", "10.1.0.1", "0000");
	rpf_expect("127.0.0.1", "10.1.0.1", "0001");  /* local, on lo */
	rpf_expect("127.255.255.255", "10.1.0.1", "0000");
	rpf_expect("224.1.1.1", "10.1.0.1", "0000");
	rpf_expect("255.255.255.255", "10.1.0.1", "0000");
	rpf_expect("0.1.2.3", "10.1.0.1", "0000");
	/* DHCP discovery and link-local multicast from 0.0.0.0 pass. */
	rpf_expect("0.0.0.0", "255.255.255.255", "1111");
	rpf_expect("0.0.0.0", "224.0.0.1", "1111");
	rpf_expect("0.0.0.0", "224.0.0.255", "1111");
	rpf_expect("0.0.0.0", "224.0.1.1", "0000");
	rpf_expect("0.0.0.0", "10.1.0.1", "0000");
	rpf_expect("0.0.0.0", "10.1.0.255", "0000");
	rpf_expect("10.1.0.7", "224.0.1.1", "1111");
	rpf_expect("10.2.0.7", "255.255.255.255", "0101");
}

Test(rpfilter, default_route_through_the_other_link)
{
	cr_assert_eq(route_add(r.fib, 0, 0, ROUTE_STATIC, 1), 0);
	rpf_expect("10.1.0.7", "10.1.0.1", "1111");
	rpf_expect("10.9.9.9", "10.1.0.1", "0101");
	rpf_expect("224.1.1.1", "10.1.0.1", "0101");
	rpf_expect("255.255.255.255", "10.1.0.1", "0101");
	rpf_expect("0.1.2.3", "10.1.0.1", "0101");
	rpf_expect("0.0.0.0", "224.0.1.1", "0101");
	rpf_expect("0.0.0.0", "10.1.0.1", "0101");
	rpf_expect("10.1.0.255", "10.1.0.1", "0000");
	rpf_expect("127.0.0.1", "10.1.0.1", "0001");
}

Test(rpfilter, default_route_through_the_input_link)
{
	cr_assert_eq(route_add(r.fib, 0, 0, ROUTE_STATIC, 0), 0);
	rpf_expect("10.9.9.9", "10.1.0.1", "1111");
	rpf_expect("224.1.1.1", "10.1.0.1", "1111");
	rpf_expect("0.0.0.0", "10.1.0.255", "1111");
	rpf_expect("10.2.0.7", "10.1.0.1", "0101");
	rpf_expect("10.2.0.255", "10.1.0.1", "0000");
	rpf_expect("127.0.0.1", "10.1.0.1", "0001");
}

Test(rpfilter, strict_mode_follows_the_input_interface)
{
	struct pkt_spec s = { .src = "10.2.0.7", .dst = "10.1.0.1", .iif = 1 };

	cr_assert(run(&match_rpfilter_ops, "", &s, HOOK_PRE_ROUTING, 1, -1));
	cr_assert(!run(&match_rpfilter_ops, "", &s, HOOK_PRE_ROUTING, 0, -1));
	cr_assert(run(&match_rpfilter_ops, "--invert", &s, HOOK_PRE_ROUTING, 0, -1));
	s.src = "10.2.0.1";
	cr_assert(run(&match_rpfilter_ops, "--accept-local", &s, HOOK_PRE_ROUTING, 1, -1));
	cr_assert(!run(&match_rpfilter_ops, "", &s, HOOK_PRE_ROUTING, 1, -1));
	/* --validmark: no policy routing, so the mark changes nothing. */
	s.src = "10.2.0.7";
	cr_assert(run(&match_rpfilter_ops, "--validmark", &s, HOOK_PRE_ROUTING, 1, -1));
}

/* ---- header matches against a kernel's answers ---- */

TestSuite(kernel, .init = setup, .fini = teardown);

/* The rules r0..r13 were loaded into iptables-nft (mangle PREROUTING) on a
 * kernel router and UDP packets sent through it; want lists the rules
 * whose counters moved for each packet. */
Test(kernel, header_matches_agree)
{
	static const struct {
		const struct xt_match_ops *ops;
		const char *opts;
	} rules[] = {
		{ &match_length_ops, "--length 100" },
		{ &match_length_ops, "! --length 100:200" },
		{ &match_length_ops, "--length 200:100" },
		{ &match_ttl_ops, "--ttl-eq 64" },
		{ &match_ttl_ops, "! --ttl-eq 64" },
		{ &match_ttl_ops, "--ttl-lt 64" },
		{ &match_ttl_ops, "--ttl-gt 64" },
		{ &match_tos_ops, "--tos Minimize-Delay" },
		{ &match_tos_ops, "--tos 0x10" },
		{ &match_tos_ops, "! --tos 0xb8" },
		{ &match_tos_ops, "--tos 0xff/0x0f" },
		{ &match_dscp_ops, "--dscp-class EF" },
		{ &match_dscp_ops, "! --dscp 10" },
		{ &match_dscp_ops, "--dscp 4" },
	};
	static const struct {
		uint8_t tos, ttl;
		uint16_t len;
		const char *want;
	} pkts[] = {
		{ 0x00, 63, 100, "r0 r4 r5 r9 r12 " },
		{ 0x00, 64, 100, "r0 r3 r9 r12 " },
		{ 0x00, 65, 100, "r0 r4 r6 r9 r12 " },
		{ 0x10, 63, 100, "r0 r4 r5 r7 r8 r9 r12 r13 " },
		{ 0x10, 64, 100, "r0 r3 r7 r8 r9 r12 r13 " },
		{ 0x10, 65, 100, "r0 r4 r6 r7 r8 r9 r12 r13 " },
		{ 0xd0, 63, 100, "r0 r4 r5 r7 r9 r12 " },
		{ 0xd0, 64, 100, "r0 r3 r7 r9 r12 " },
		{ 0xd0, 65, 100, "r0 r4 r6 r7 r9 r12 " },
		{ 0xb8, 63, 100, "r0 r4 r5 r11 r12 " },
		{ 0xb8, 64, 100, "r0 r3 r11 r12 " },
		{ 0xb8, 65, 100, "r0 r4 r6 r11 r12 " },
		{ 0x28, 63, 100, "r0 r4 r5 r9 " },
		{ 0x28, 64, 100, "r0 r3 r9 " },
		{ 0x28, 65, 100, "r0 r4 r6 r9 " },
		{ 0x00, 64, 178, "r3 r9 r12 " },
		{ 0x00, 64, 328, "r1 r3 r9 r12 " },
	};
	unsigned int i, j;

	for (i = 0; i < sizeof(pkts) / sizeof(pkts[0]); i++) {
		struct pkt_spec s = {
			.tos = pkts[i].tos, .ttl = pkts[i].ttl, .paylen = pkts[i].len - 20u,
			.iif = 0,
		};
		char got[128] = "";

		for (j = 0; j < sizeof(rules) / sizeof(rules[0]); j++) {
			if (run(rules[j].ops, rules[j].opts, &s, HOOK_PRE_ROUTING, 0, -1)) {
				size_t n = strlen(got);

				snprintf(got + n, sizeof(got) - n, "r%u ", j);
			}
		}
		cr_assert_str_eq(got, pkts[i].want, "tos 0x%02x ttl %u len %u", pkts[i].tos,
				 pkts[i].ttl, pkts[i].len);
	}
}
