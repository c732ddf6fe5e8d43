// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The target tests' harness (see target_harness.h). Checksums here are
 * computed naively, byte pair by byte pair, independent of csum.c.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/ip.h>
#include "control/out.h"
#include "core/ipv4.h"
#include "target_harness.h"

struct router th_r;
struct th_capture th_cap;

/* ---- option text ---- */

#define TH_MAX_TOKENS 32

/* Split text as iptables-restore does: blanks separate, double quotes
 * group, a backslash inside quotes escapes the next character. */
static int th_tokenize(const char *text, char *buf, char **tok)
{
	int n = 0;
	char *o = buf;

	while (*text) {
		bool quoted = false, any = false;

		while (*text == ' ')
			text++;
		if (!*text)
			break;
		tok[n++] = o;
		while (*text && (quoted || *text != ' ')) {
			if (*text == '"') {
				quoted = !quoted;
				any = true;
				text++;
				continue;
			}
			if (quoted && *text == '\\' && text[1])
				text++;
			*o++ = *text++;
			any = true;
		}
		cr_assert(any);
		*o++ = '\0';
		cr_assert_lt(n, TH_MAX_TOKENS);
	}
	return n;
}

static const struct xt_option *th_opt(const struct xt_target_ops *ops, const char *name)
{
	const struct xt_option *o;

	for (o = ops->opts; o->name; o++)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

int th_parse(struct th_target *t, const char *name, const char *text)
{
	struct xt_parse ps = { .err = t->err, .errlen = sizeof(t->err), .line = 1 };
	char buf[1024], *tok[TH_MAX_TOKENS];
	int n, i;

	memset(t, 0, sizeof(*t));
	t->ops = xt_target_find(name);
	cr_assert_not_null(t->ops, "target %s is registered", name);
	t->data = calloc(1, t->ops->size ? t->ops->size : 1);
	t->state = calloc(1, t->ops->state_size ? t->ops->state_size : 1);
	cr_assert(strlen(text) < sizeof(buf));
	n = th_tokenize(text, buf, tok);
	for (i = 0; i < n; i++) {
		bool inv = false;
		const struct xt_option *o;

		if (strcmp(tok[i], "!") == 0) {
			inv = true;
			cr_assert_lt(i + 1, n);
			i++;
		}
		o = th_opt(t->ops, tok[i]);
		if (!o) {
			snprintf(t->err, sizeof(t->err), "unknown option \"%s\"", tok[i]);
			return -EINVAL;
		}
		if (inv && !o->invertible) {
			snprintf(t->err, sizeof(t->err), "\"!\" is not allowed before %s", tok[i]);
			return -EINVAL;
		}
		if (o->has_arg && i + 1 >= n) {
			snprintf(t->err, sizeof(t->err), "option \"%s\" requires an argument",
				 tok[i]);
			return -EINVAL;
		}
		if (t->ops->parse(t->data, o->id, o->has_arg ? tok[i + 1] : NULL, inv, &ps) < 0) {
			cr_assert(ps.failed, "a failing parse writes a message");
			return -EINVAL;
		}
		if (o->has_arg)
			i++;
	}
	if (t->ops->final && t->ops->final(t->data, &ps) < 0) {
		cr_assert(ps.failed, "a failing final writes a message");
		return -EINVAL;
	}
	cr_assert(!ps.failed, "no message without a failure: %s", t->err);
	return 0;
}

void th_free(struct th_target *t)
{
	free(t->data);
	free(t->state);
	t->data = t->state = NULL;
}

int th_check(struct th_target *t, enum xt_table table, unsigned int hook_mask, uint16_t proto,
	     bool proto_inv)
{
	struct xt_parse ps = { .err = t->err, .errlen = sizeof(t->err), .line = 1 };
	struct xt_check chk = { .ps = &ps, .table = (uint8_t)table, .hook_mask = hook_mask,
				.proto = proto, .proto_inv = proto_inv };

	t->err[0] = '\0';
	if (!t->ops->check)
		return 0;
	return t->ops->check(t->data, &chk);
}

char *th_print(const struct th_target *t)
{
	struct out o;
	char *s;

	out_init(&o, false);
	t->ops->print(t->data, &o);
	s = strndup(o.buf ? o.buf : "", o.len);
	out_free(&o);
	return s;
}

char *th_roundtrip(const char *name, const char *text)
{
	struct th_target a, b;
	char *s;

	cr_assert_eq(th_parse(&a, name, text), 0, "%s %s: %s", name, text, a.err);
	s = th_print(&a);
	cr_assert_eq(th_parse(&b, name, s), 0, "reparse of \"%s\": %s", s, b.err);
	cr_assert(memcmp(a.data, b.data, a.ops->size) == 0, "parse(print(x)) == x for %s %s",
		  name, text);
	th_free(&a);
	th_free(&b);
	return s;
}

const char *th_error(const char *name, const char *text)
{
	static char msg[256];
	struct th_target t;

	cr_assert_neq(th_parse(&t, name, text), 0, "%s %s must fail", name, text);
	strcpy(msg, t.err);
	th_free(&t);
	return msg;
}

/* ---- router ---- */

static int th_xmit(struct router *rt, struct iface *ifc, struct pkt *p)
{
	if (th_cap.n < TH_CAP_MAX) {
		th_cap.oif[th_cap.n] = ifc->idx;
		th_cap.len[th_cap.n] = p->len;
		memcpy(th_cap.data[th_cap.n], p->data, p->len < 2048 ? p->len : 2048);
		th_cap.n++;
	}
	pkt_free(&rt->pool, p);
	return 0;
}

static const struct router_ops th_ops = { .xmit = th_xmit };

uint32_t th_addr(const char *s)
{
	struct in_addr a;

	cr_assert_eq(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

void th_router_setup(void)
{
	struct router_config cfg = {
		.pool_size = 64,
		.defrag = false,
		.defrag_cfg = { .max_memory = 1 << 20, .timeout_ms = 30000, .max_queues = 64 },
		.icmp = { 0, 0, 50, 0x1818 },
	};
	struct route_table *t;

	memset(&th_cap, 0, sizeof(th_cap));
	cr_assert_eq(router_init(&th_r, &cfg, &th_ops, NULL), 0);
	cr_assert_eq(router_iface_add(&th_r, "if0", th_addr("10.1.0.1"), 24, 1500, -1), 0);
	cr_assert_eq(router_iface_add(&th_r, "if1", th_addr("10.2.0.1"), 24, 1280, -1), 1);
	th_r.ifaces[0].up = th_r.ifaces[1].up = true;
	t = route_table_new();
	cr_assert_not_null(t);
	cr_assert_eq(router_fib_add_connected(&th_r, t), 0);
	router_fib_replace(&th_r, t);
	router_set_clock(&th_r, 1000000, 0);
}

void th_router_teardown(void)
{
	cr_expect_eq(th_r.pool.avail, th_r.pool.count, "every buffer back in the pool (%u of %u)",
		     th_r.pool.avail, th_r.pool.count);
	router_fini(&th_r);
}

/* ---- packets ---- */

static uint16_t th_sum(const uint8_t *b, size_t len, uint32_t s)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		s += (uint32_t)b[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static uint32_t th_pseudo(const uint8_t *ip, uint8_t proto, size_t l4len)
{
	return th_sum(ip + 12, 8, 0) + proto + (uint32_t)l4len;
}

static void th_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

bool th_ip_csum_ok(const uint8_t *ip)
{
	return th_sum(ip, (ip[0] & 0xfu) * 4u, 0) == 0xffff;
}

bool th_l4_csum_ok(const uint8_t *ip, size_t len)
{
	size_t hl = (ip[0] & 0xfu) * 4u;
	uint32_t s = 0;

	if (ip[9] == IPPROTO_TCP || ip[9] == IPPROTO_UDP)
		s = th_pseudo(ip, ip[9], len - hl);
	return th_sum(ip + hl, len - hl, s) == 0xffff;
}

struct pkt *th_pkt(const char *src, const char *dst, uint8_t proto, uint8_t tos, uint8_t ttl,
		   uint16_t frag, const void *payload, size_t plen)
{
	struct pkt *p = pkt_alloc(&th_r.pool);
	uint8_t *ip;

	cr_assert_not_null(p);
	ip = p->data;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[1] = tos;
	th_put16(ip + 2, (uint16_t)(20 + plen));
	th_put16(ip + 4, 0x1234);
	th_put16(ip + 6, frag);
	ip[8] = ttl;
	ip[9] = proto;
	memcpy(ip + 12, &(uint32_t){ th_addr(src) }, 4);
	memcpy(ip + 16, &(uint32_t){ th_addr(dst) }, 4);
	th_put16(ip + 10, (uint16_t)~th_sum(ip, 20, 0));
	memcpy(ip + 20, payload, plen);
	p->len = (uint32_t)(20 + plen);
	p->l4_off = 20;
	return p;
}

size_t th_hex(const char *hex, uint8_t *buf, size_t size)
{
	size_t n = 0;

	while (*hex) {
		unsigned int v;

		if (isspace((unsigned char)*hex)) {
			hex++;
			continue;
		}
		cr_assert(sscanf(hex, "%2x", &v) == 1 && isxdigit((unsigned char)hex[1]));
		cr_assert_lt(n, size);
		buf[n++] = (uint8_t)v;
		hex += 2;
	}
	return n;
}

struct pkt *th_pkt_hex(const char *hex)
{
	struct pkt *p = pkt_alloc(&th_r.pool);

	cr_assert_not_null(p);
	p->len = (uint32_t)th_hex(hex, p->data, PKT_MAX_LEN);
	p->l4_off = (uint16_t)((p->data[0] & 0xf) * 4);
	return p;
}

struct pkt *th_tcp(const char *src, const char *dst, uint16_t sport, uint16_t dport, uint32_t seq,
		   uint32_t ack, uint8_t flags, const void *opts, size_t optlen, const void *data,
		   size_t dlen)
{
	uint8_t seg[1500] = { 0 };
	size_t hl = 20 + optlen;
	struct pkt *p;

	cr_assert(optlen % 4 == 0 && hl + dlen <= sizeof(seg));
	th_put16(seg, sport);
	th_put16(seg + 2, dport);
	th_put16(seg + 4, (uint16_t)(seq >> 16));
	th_put16(seg + 6, (uint16_t)seq);
	th_put16(seg + 8, (uint16_t)(ack >> 16));
	th_put16(seg + 10, (uint16_t)ack);
	seg[12] = (uint8_t)(hl / 4 << 4);
	seg[13] = flags;
	th_put16(seg + 14, 29200);
	if (optlen)
		memcpy(seg + 20, opts, optlen);
	if (dlen)
		memcpy(seg + hl, data, dlen);
	p = th_pkt(src, dst, IPPROTO_TCP, 0, 64, 0, seg, hl + dlen);
	th_put16(p->data + 36, (uint16_t)~th_sum(p->data + 20, hl + dlen,
						  th_pseudo(p->data, IPPROTO_TCP, hl + dlen)));
	return p;
}

struct pkt *th_udp(const char *src, const char *dst, uint16_t sport, uint16_t dport,
		   const void *data, size_t dlen)
{
	uint8_t seg[1500] = { 0 };
	struct pkt *p;
	uint16_t c;

	th_put16(seg, sport);
	th_put16(seg + 2, dport);
	th_put16(seg + 4, (uint16_t)(8 + dlen));
	memcpy(seg + 8, data, dlen);
	p = th_pkt(src, dst, IPPROTO_UDP, 0, 64, 0, seg, 8 + dlen);
	c = (uint16_t)~th_sum(p->data + 20, 8 + dlen, th_pseudo(p->data, IPPROTO_UDP, 8 + dlen));
	th_put16(p->data + 26, c ? c : 0xffff);
	return p;
}

struct xt_ctx th_ctx(struct pkt *p, enum tf_hook hook, enum xt_table table)
{
	const struct iphdr *ip = ipv4_hdr(p);

	p->hook = (uint8_t)hook;
	return (struct xt_ctx){
		.r = &th_r,
		.p = p,
		.in = p->iif >= 0 ? &th_r.ifaces[p->iif] : NULL,
		.out = p->oif >= 0 ? &th_r.ifaces[p->oif] : NULL,
		.hook = (uint8_t)hook,
		.table = (uint8_t)table,
		.thoff = (uint16_t)ipv4_hdrlen(ip),
		.fragoff = (uint16_t)ipv4_frag_offset(ip),
		.chain = "TEST",
		.rulenum = 1,
	};
}

unsigned int th_run(struct th_target *t, struct xt_ctx *ctx)
{
	return t->ops->target(t->data, t->state, ctx);
}

void th_forward_vector(const char *vname, const char *name, const char *opts, enum tf_hook hook,
		       const char *in_hex, const char *out_hex)
{
	static uint8_t want[2048];
	struct th_target t;
	struct xt_ctx ctx;
	struct pkt *p;
	size_t n;

	cr_assert_eq(th_parse(&t, name, opts), 0, "%s: %s", vname, t.err);
	p = th_pkt_hex(in_hex);
	p->iif = 0;
	p->oif = 1;
	ipv4_dec_ttl(ipv4_hdr(p));
	ctx = th_ctx(p, hook, XT_TABLE_MANGLE);
	cr_expect_eq(th_run(&t, &ctx), XT_CONTINUE, "%s: goes on", vname);
	n = th_hex(out_hex, want, sizeof(want));
	cr_expect_eq(p->len, n, "%s: %zu bytes as the kernel's, got %u", vname, n, p->len);
	cr_expect(p->len == n && memcmp(p->data, want, n) == 0, "%s: bytes as the kernel's",
		  vname);
	cr_expect(th_ip_csum_ok(p->data), "%s: IP checksum", vname);
	pkt_free(&th_r.pool, p);
	th_free(&t);
}
